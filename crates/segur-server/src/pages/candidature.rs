//! The candidature page (identity, declaration, roots and heritage, diagnostics, chapters) and
//! the chapter page (its proof items with status and the rule behind each).

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use segur_domain::authz::Action;
use segur_domain::calendar::Milestone;
use segur_domain::catalogue::ProofItemKey;
use segur_domain::rules::{Diagnostic, PlanItem, ProofPlan, Severity};
use segur_domain::world::WorldCandidature;
use segur_store::{ChapterProgress, Page, ProofItemRow};

use crate::access::candidature_tenant;
use crate::error::PageError;
use crate::extract::PageUser;
use crate::pages::{Layout, datetime_fr, days_label, percent, render_html};
use crate::state::AppState;
use crate::views::{plan_status_label, plan_status_str, severity_str};

pub struct DiagnosticRow {
    pub rule: String,
    pub severity: &'static str,
    pub severity_label: &'static str,
    pub subject: String,
    pub message: String,
    pub rule_title: String,
    pub rule_text: String,
    pub rule_source: String,
}

impl From<&Diagnostic> for DiagnosticRow {
    fn from(d: &Diagnostic) -> Self {
        let info = segur_domain::rules::rule(&d.rule);
        Self {
            rule: d.rule.clone(),
            severity: severity_str(d.severity),
            severity_label: match d.severity {
                Severity::Error => "Erreur",
                Severity::Warning => "Avertissement",
                Severity::Info => "Information",
            },
            subject: d.subject.clone(),
            message: d.message_fr.clone(),
            rule_title: info.map(|r| r.title_fr.to_owned()).unwrap_or_default(),
            rule_text: info.map(|r| r.text_fr.to_owned()).unwrap_or_default(),
            rule_source: if d.source.is_empty() {
                info.map(|r| r.source.to_owned()).unwrap_or_default()
            } else {
                d.source.clone()
            },
        }
    }
}

pub struct ChapterRow {
    pub index: usize,
    pub chapter: String,
    /// Items the editor must deposit (required + impacted by new components).
    pub to_deposit: usize,
    /// Items exempted by héritage or équivalence.
    pub exempt: usize,
    /// Deposited / validated among the items to deposit.
    pub deposited: usize,
    pub validated: usize,
    pub percent: i64,
}

/// Progress of a chapter against the plan when there is one (what must really be deposited),
/// otherwise against every applicable item.
fn chapter_row(index: usize, p: ChapterProgress, plan: Option<&ProofPlan>) -> ChapterRow {
    let totals = plan.and_then(|pl| {
        pl.by_chapter
            .iter()
            .find(|(ch, _)| *ch == p.chapter)
            .map(|(_, t)| t)
    });
    let (to_deposit, exempt, deposited, validated) = match totals {
        Some(t) => (
            t.required + t.impacted,
            t.inherited + t.equivalent,
            t.deposited,
            t.validated,
        ),
        None => (
            p.items as usize,
            0,
            p.deposited as usize,
            p.validated as usize,
        ),
    };
    ChapterRow {
        index,
        chapter: p.chapter,
        to_deposit,
        exempt,
        deposited,
        validated,
        percent: percent(deposited as i64, to_deposit as i64),
    }
}

pub struct DeadlineRow {
    pub milestone: &'static str,
    pub label: &'static str,
    pub date: String,
    pub days_label: String,
    pub passed: bool,
}

#[derive(Template)]
#[template(path = "candidature.html")]
pub struct CandidaturePage {
    pub layout: Layout,
    pub c: WorldCandidature,
    pub state_label: &'static str,
    pub title: String,
    pub chapters: Vec<ChapterRow>,
    pub diagnostics: Vec<DiagnosticRow>,
    pub errors: usize,
    pub warnings: usize,
    pub plan: Option<ProofPlan>,
    pub plan_error: Option<String>,
    pub deadlines: Vec<DeadlineRow>,
    pub at: String,
    pub filed_on: Option<String>,
    pub complete_on: Option<String>,
    pub root_declared_on: Option<String>,
    /// Other published versions of the candidature's REM it may move to (REM-03).
    pub other_rem_versions: Vec<String>,
    /// Deposited pentest forms with their signature report and PEN rule outcomes.
    pub pentest_forms: Vec<crate::pentest::PentestFormView>,
    /// Trust anchors are configured for pentest form signatures.
    pub pentest_anchors: usize,
    /// The user may deposit a pentest form (the candidature's editor).
    pub pentest_can_deposit: bool,
    /// The REM's proof items about the pentest: the form's file can be deposited for one.
    pub pentest_items: Vec<crate::pentest::PentestItemOption>,
    /// Assignments and internal notes: only for the owning editor's staff (never the ANS).
    pub collab: Option<crate::pages::collaboration::CollaborationSection>,
    /// Outcome of the last form sent from this page.
    pub notice: Option<String>,
    pub error: Option<String>,
}

/// Outcome of a form of the candidature page, carried by the redirect back to it.
#[derive(serde::Deserialize, Default)]
pub struct OutcomeQuery {
    pub message: Option<String>,
    pub erreur: Option<String>,
}

fn title_of(c: &WorldCandidature) -> String {
    let names: Vec<&str> = c
        .candidature
        .solution
        .names
        .iter()
        .map(|n| n.name.as_str())
        .collect();
    if names.is_empty() {
        c.id.clone()
    } else {
        names.join(" / ")
    }
}

pub async fn show(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<String>,
    Query(outcome): Query<OutcomeQuery>,
) -> Result<Response, PageError> {
    let tenant = candidature_tenant(&state, &user, &id, Action::ReadEditorData).await?;
    let c = tenant.get_candidature(&id).await?;
    // Internal notes are loaded only when the policy allows reading them (never for the ANS).
    let collab = if crate::access::may_collaborate(
        &user,
        tenant.organisation_id(),
        crate::access::Collaboration::Read,
    ) {
        let mut section = crate::pages::collaboration::section(
            &state,
            &tenant,
            &id,
            c.candidature.dispositif.as_str(),
        )
        .await?;
        crate::pages::collaboration::mark_me(&mut section, &user);
        Some(section)
    } else {
        None
    };
    let short = |s: Option<String>| s.map(|m| m.chars().take(300).collect::<String>());
    let progress = tenant.chapter_progress(&id).await?;
    let world = tenant.world_for_candidature(&id).await?;
    let at = state.today();
    let settings = state.settings();
    let (plan, plan_error) = match segur_domain::rules::plan(&world, &id, at, settings) {
        Ok(p) => (Some(p), None),
        Err(e) => (None, Some(e.to_string())),
    };
    let diags = segur_domain::rules::check_candidature(&world, &id, at, settings);
    let chapters = progress
        .into_iter()
        .enumerate()
        .map(|(i, p)| chapter_row(i + 1, p, plan.as_ref()))
        .collect();
    let history = state
        .store()
        .system()
        .calendar_history(c.candidature.dispositif.as_str())
        .await?;
    let deadlines = history
        .in_force(at)
        .map(|cal| {
            Milestone::ALL
                .iter()
                .filter_map(|m| {
                    let dt = cal.date(*m)?;
                    let days = cal.days_until(*m, at)?;
                    Some(DeadlineRow {
                        milestone: m.as_str(),
                        label: m.label_fr(),
                        date: datetime_fr(dt),
                        days_label: days_label(days),
                        passed: days < 0,
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    let rows: Vec<DiagnosticRow> = diags.iter().map(Into::into).collect();
    let other_rem_versions = state
        .store()
        .system()
        .list_rem_versions(c.candidature.dispositif.as_str())
        .await?
        .into_iter()
        .filter(|r| {
            r.status == segur_domain::catalogue::RemStatus::Published
                && r.version != c.candidature.rem_version
        })
        .map(|r| r.version)
        .collect();
    let pentest_forms = crate::pentest::list(&state, &tenant, &id).await?;
    let pentest_items = crate::pentest::pentest_items(&world, &c);
    Ok(render_html(&CandidaturePage {
        pentest_items,
        collab,
        notice: short(outcome.message),
        error: short(outcome.erreur),
        other_rem_versions,
        pentest_forms,
        pentest_anchors: state.config().pentest_anchors.len(),
        pentest_can_deposit: segur_domain::authz::authorize(
            &crate::extract::actor(&user),
            Action::WriteEditorData,
            Some(&c.editor),
        )
        .is_ok(),
        layout: Layout::new(title_of(&c), Some(&user), "dashboard"),
        state_label: c.candidature.state.label_fr(),
        title: title_of(&c),
        errors: diags
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count(),
        warnings: diags
            .iter()
            .filter(|d| d.severity == Severity::Warning)
            .count(),
        diagnostics: rows,
        chapters,
        plan,
        plan_error,
        deadlines,
        at: crate::pages::date_fr(at),
        filed_on: c.candidature.filed_on.map(crate::pages::date_fr),
        complete_on: c.candidature.complete_deposit_on.map(crate::pages::date_fr),
        root_declared_on: c.candidature.root_declared_on.map(crate::pages::date_fr),
        c,
    }))
}

pub struct ItemRow {
    pub item: ProofItemRow,
    /// Nothing to deposit: exempted by the plan and no deposit made.
    pub exempt: bool,
    pub plan_status: &'static str,
    pub plan_label: &'static str,
    pub rules: Vec<String>,
    pub source_nru: Option<String>,
    pub source_requirement: Option<String>,
    pub requirement_href: String,
}

#[derive(Template)]
#[template(path = "chapter.html")]
pub struct ChapterPage {
    pub layout: Layout,
    pub candidature_id: String,
    pub candidature_title: String,
    pub chapter: String,
    pub index: usize,
    pub previous: Option<usize>,
    pub next: Option<usize>,
    pub items: Vec<ItemRow>,
}

pub async fn chapter(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path((id, n)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let index: usize = n.parse().map_err(|_| PageError::not_found())?;
    let tenant = candidature_tenant(&state, &user, &id, Action::ReadEditorData).await?;
    let c = tenant.get_candidature(&id).await?;
    let progress = tenant.chapter_progress(&id).await?;
    let chapter = progress
        .get(index.checked_sub(1).ok_or_else(PageError::not_found)?)
        .map(|p| p.chapter.clone())
        .ok_or_else(PageError::not_found)?;
    let rows = tenant
        .list_proof_items(
            &id,
            Some(&chapter),
            Page {
                limit: 500,
                offset: 0,
            },
        )
        .await?
        .items;
    let world = tenant.world_for_candidature(&id).await?;
    let plan = segur_domain::rules::plan(&world, &id, state.today(), state.settings()).ok();
    let by_key: HashMap<ProofItemKey, &PlanItem> = plan
        .as_ref()
        .map(|p| p.items.iter().map(|i| (i.key.clone(), i)).collect())
        .unwrap_or_default();
    let dispositif = c.candidature.dispositif.to_string();
    let version = c.candidature.rem_version.clone();
    let items = rows
        .into_iter()
        .map(|item| {
            let planned = segur_domain::catalogue::RequirementId::parse(&item.requirement)
                .ok()
                .and_then(|rid| {
                    by_key.get(&ProofItemKey {
                        requirement: rid,
                        scenario: item.scenario as u16,
                        proof: item.proof as u16,
                    })
                })
                .copied();
            let requirement_href = format!(
                "/catalogue/exigence?dispositif={}&version={}&id={}",
                crate::extract::urlencode(&dispositif),
                crate::extract::urlencode(&version),
                crate::extract::urlencode(&item.requirement)
            );
            let exempt = planned.is_some_and(|p| !p.status.must_deposit())
                && item.status == segur_domain::proof::ProofStatus::ToDeposit;
            ItemRow {
                exempt,
                plan_status: planned
                    .map(|p| plan_status_str(p.status))
                    .unwrap_or("required"),
                plan_label: planned
                    .map(|p| plan_status_label(p.status))
                    .unwrap_or("À déposer"),
                rules: planned.map(|p| p.rules.clone()).unwrap_or_default(),
                source_nru: planned.and_then(|p| p.source_nru.as_ref().map(|n| n.to_string())),
                source_requirement: planned
                    .and_then(|p| p.source_requirement.as_ref().map(|r| r.to_string())),
                requirement_href,
                item,
            }
        })
        .collect();
    Ok(render_html(&ChapterPage {
        layout: Layout::new(
            format!("{chapter} — {}", title_of(&c)),
            Some(&user),
            "dashboard",
        ),
        candidature_id: id,
        candidature_title: title_of(&c),
        previous: (index > 1).then(|| index - 1),
        next: (index < progress.len()).then(|| index + 1),
        chapter,
        index,
        items,
    }))
}

#[derive(Template)]
#[template(path = "rem_migration.html")]
pub struct RemMigrationPage {
    pub layout: Layout,
    pub id: String,
    pub title: String,
    pub view: crate::api::rem_admin::RemMigrationView,
    pub can_apply: bool,
}

/// Preview of moving a candidature to another published version of its REM (REM-03).
pub async fn rem_migration_preview(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path((id, version)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let tenant = candidature_tenant(&state, &user, &id, Action::ReadEditorData).await?;
    let c = tenant.get_candidature(&id).await?;
    let (diff, impact) = tenant.rem_migration_preview(&id, &version).await?;
    let can_apply = segur_domain::authz::authorize(
        &crate::extract::actor(&user),
        Action::WriteEditorData,
        Some(tenant.organisation_id()),
    )
    .is_ok();
    Ok(render_html(&RemMigrationPage {
        layout: Layout::new(
            format!("Passage au REM {version} — {}", title_of(&c)),
            Some(&user),
            "dashboard",
        ),
        title: title_of(&c),
        view: crate::api::rem_admin::migration_view(&id, &diff, &impact, false),
        id,
        can_apply,
    }))
}

/// Applies the move (editors of the candidature), then back to the candidature.
pub async fn rem_migration_apply(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    meta: crate::extract::RequestMeta,
    Path((id, version)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let tenant = candidature_tenant(&state, &user, &id, Action::WriteEditorData).await?;
    tenant
        .migrate_candidature_rem(&id, &version, &meta.audit(&user, "", ""))
        .await?;
    Ok(
        axum::response::Redirect::to(&format!("/candidatures/{}", crate::extract::urlencode(&id)))
            .into_response(),
    )
}
