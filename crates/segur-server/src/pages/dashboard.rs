//! The dashboard: my solutions, my candidatures with their progress, my next deadlines.

use std::collections::BTreeSet;

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use segur_domain::authz::Action;
use segur_domain::calendar::Milestone;
use segur_domain::org::OrganisationKind;
use segur_store::{CandidatureSummary, Page, SolutionRecord};

use crate::access::own_tenant;
use crate::error::PageError;
use crate::extract::PageUser;
use crate::pages::{Layout, datetime_fr, days_label, percent, render_html};
use crate::state::AppState;

pub struct Deadline {
    pub dispositif: String,
    pub milestone: &'static str,
    pub label: &'static str,
    pub date: String,
    pub days: i64,
    pub days_label: String,
}

pub struct CandidatureRow {
    pub summary: CandidatureSummary,
    /// Proofs to deposit according to the plan (required + impacted), or every applicable
    /// item when the plan cannot be computed.
    pub to_deposit: i64,
    pub exempt: i64,
    pub deposited: i64,
    pub validated: i64,
    pub percent: i64,
}

/// Progress of a candidature against its proof plan (what must really be deposited).
async fn row(state: &AppState, summary: CandidatureSummary) -> CandidatureRow {
    let tenant = state.store().tenant(&summary.organisation_id);
    let plan = match tenant.world_for_candidature(&summary.id).await {
        Ok(world) => {
            segur_domain::rules::plan(&world, &summary.id, state.today(), state.settings()).ok()
        }
        Err(e) => {
            tracing::warn!(error = %e, candidature = %summary.id, "plan unavailable on the dashboard");
            None
        }
    };
    let (to_deposit, exempt, deposited, validated) = match plan {
        Some(p) => (
            (p.totals.required + p.totals.impacted) as i64,
            (p.totals.inherited + p.totals.equivalent) as i64,
            p.totals.deposited as i64,
            p.totals.validated as i64,
        ),
        None => (summary.required, 0, summary.deposited, summary.validated),
    };
    CandidatureRow {
        percent: percent(deposited, to_deposit),
        to_deposit,
        exempt,
        deposited,
        validated,
        summary,
    }
}

#[derive(Template)]
#[template(path = "dashboard.html")]
pub struct DashboardPage {
    pub layout: Layout,
    pub organisation: String,
    pub is_editor: bool,
    pub candidatures: Vec<CandidatureRow>,
    pub solutions: Vec<SolutionRecord>,
    pub deadlines: Vec<Deadline>,
}

pub async fn dashboard(
    State(state): State<AppState>,
    PageUser(user): PageUser,
) -> Result<Response, PageError> {
    let page = Page {
        limit: 200,
        offset: 0,
    };
    let is_editor = user.organisation_kind == OrganisationKind::Editor;
    let mut summaries = Vec::new();
    let mut solutions = Vec::new();
    if is_editor {
        let tenant = own_tenant(&state, &user, Action::ReadEditorData)?;
        summaries = tenant.list_candidatures(page).await?.items;
        solutions = tenant.list_solutions().await?;
    } else if user.organisation_kind == OrganisationKind::Ans {
        // The ANS follows every editor's candidatures (queues and filters come with instruction).
        let system = state.store().system();
        for org in system
            .list_organisations(Some(OrganisationKind::Editor))
            .await?
        {
            summaries.extend(
                state
                    .store()
                    .tenant(&org.id)
                    .list_candidatures(page)
                    .await?
                    .items,
            );
        }
    }
    let today = state.today();
    let dispositifs: BTreeSet<String> = summaries.iter().map(|c| c.dispositif.clone()).collect();
    let mut deadlines = Vec::new();
    for code in dispositifs {
        let history = state.store().system().calendar_history(&code).await?;
        if let Some(cal) = history.in_force(today) {
            for m in Milestone::ALL {
                if let (Some(dt), Some(days)) = (cal.date(m), cal.days_until(m, today))
                    && days >= 0
                {
                    deadlines.push(Deadline {
                        dispositif: code.clone(),
                        milestone: m.as_str(),
                        label: m.label_fr(),
                        date: datetime_fr(dt),
                        days,
                        days_label: days_label(days),
                    });
                }
            }
        }
    }
    deadlines.sort_by(|a, b| a.days.cmp(&b.days).then(a.dispositif.cmp(&b.dispositif)));
    deadlines.truncate(8);
    let mut candidatures = Vec::with_capacity(summaries.len());
    for s in summaries {
        candidatures.push(row(&state, s).await);
    }
    Ok(render_html(&DashboardPage {
        layout: Layout::new("Tableau de bord", Some(&user), "dashboard"),
        organisation: user.organisation_name.clone(),
        is_editor,
        candidatures,
        solutions,
        deadlines,
    }))
}
