//! Catalogue browser: dispositifs, their calendars with the amendment history, REM versions,
//! requirements, and search by ID or text. Public pages.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use segur_domain::calendar::Milestone;
use segur_domain::catalogue::{Dispositif, RemVersion, Requirement};
use segur_store::{Page, RemVersionSummary, RequirementHit};
use serde::Deserialize;

use crate::error::PageError;
use crate::extract::{MaybeUser, urlencode};
use crate::pages::{Layout, date_fr, datetime_fr, days_label, render_html};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "catalogue.html")]
pub struct CataloguePage {
    pub layout: Layout,
    pub dispositifs: Vec<Dispositif>,
    /// Shows the link to the REM import (ANS administrators and référents).
    pub can_import: bool,
}

pub async fn index(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
) -> Result<Response, PageError> {
    let dispositifs = state.store().system().list_dispositifs().await?;
    Ok(render_html(&CataloguePage {
        can_import: user
            .as_ref()
            .is_some_and(crate::pages::rem_import::may_import),
        layout: Layout::new("Catalogue des dispositifs", user.as_ref(), "catalogue"),
        dispositifs,
    }))
}

pub struct MilestoneRow {
    pub milestone: &'static str,
    pub label: &'static str,
    pub date: String,
    pub days_label: String,
    pub passed: bool,
    /// Earlier values of this milestone, oldest first, with the arrêté that set them.
    pub previous: Vec<String>,
}

pub struct ArreteRow {
    pub title: String,
    pub published_on: String,
    pub in_force: bool,
}

#[derive(Template)]
#[template(path = "dispositif.html")]
pub struct DispositifPage {
    pub layout: Layout,
    pub dispositif: Dispositif,
    pub milestones: Vec<MilestoneRow>,
    pub arretes: Vec<ArreteRow>,
    pub rem_versions: Vec<RemVersionSummary>,
}

pub async fn dispositif(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    let system = state.store().system();
    let dispositif = system.get_dispositif(&code).await?;
    let history = system.calendar_history(&code).await?;
    let rem_versions = system.list_rem_versions(&code).await?;
    let today = state.today();
    let in_force = history.in_force(today);
    let changes = history.changes();
    let milestones = in_force
        .map(|cal| {
            Milestone::ALL
                .iter()
                .filter_map(|m| {
                    let dt = cal.date(*m)?;
                    let days = cal.days_until(*m, today)?;
                    let previous = changes
                        .iter()
                        .find(|(mm, _)| mm == m)
                        .map(|(_, seen)| {
                            seen.iter()
                                .filter(|(d, _)| *d != dt)
                                .map(|(d, a)| {
                                    format!(
                                        "{} (arrêté publié le {})",
                                        datetime_fr(*d),
                                        date_fr(a.published_on)
                                    )
                                })
                                .collect()
                        })
                        .unwrap_or_default();
                    Some(MilestoneRow {
                        milestone: m.as_str(),
                        label: m.label_fr(),
                        date: datetime_fr(dt),
                        days_label: days_label(days),
                        passed: days < 0,
                        previous,
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    let arretes = history
        .versions
        .iter()
        .map(|c| ArreteRow {
            title: c.arrete.title.clone(),
            published_on: date_fr(c.arrete.published_on),
            in_force: in_force.is_some_and(|f| f.arrete == c.arrete),
        })
        .collect();
    Ok(render_html(&DispositifPage {
        layout: Layout::new(format!("Dispositif {code}"), user.as_ref(), "catalogue"),
        dispositif,
        milestones,
        arretes,
        rem_versions,
    }))
}

pub struct ChapterBlock {
    pub chapter: String,
    pub requirements: Vec<(Requirement, String)>,
}

#[derive(Template)]
#[template(path = "rem.html")]
pub struct RemPage {
    pub layout: Layout,
    pub rem: RemVersion,
    pub items: usize,
    pub chapters: Vec<ChapterBlock>,
    /// Other versions of the same REM, for the change log links (REM-03).
    pub other_versions: Vec<(String, String)>,
}

fn requirement_href(dispositif: &str, version: &str, id: &str) -> String {
    format!(
        "/catalogue/exigence?dispositif={}&version={}&id={}",
        urlencode(dispositif),
        urlencode(version),
        urlencode(id)
    )
}

pub async fn rem(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    Path((code, version)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let rem = state
        .store()
        .system()
        .get_rem_version(&code, &version)
        .await?;
    let mut chapters: Vec<ChapterBlock> = Vec::new();
    for r in &rem.requirements {
        let href = requirement_href(&code, &version, r.id.as_str());
        match chapters.iter_mut().find(|c| c.chapter == r.chapter) {
            Some(c) => c.requirements.push((r.clone(), href)),
            None => chapters.push(ChapterBlock {
                chapter: r.chapter.clone(),
                requirements: vec![(r.clone(), href)],
            }),
        }
    }
    // (older, newer) pairs with every other version, in stored order (REM-03 change logs).
    let all: Vec<String> = state
        .store()
        .system()
        .list_rem_versions(&code)
        .await?
        .into_iter()
        .map(|v| v.version)
        .collect();
    let here = all.iter().position(|v| *v == version).unwrap_or(0);
    let other_versions = all
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != here)
        .map(|(i, v)| {
            if i < here {
                (v.clone(), version.clone())
            } else {
                (version.clone(), v.clone())
            }
        })
        .collect();
    Ok(render_html(&RemPage {
        other_versions,
        layout: Layout::new(
            format!("REM {code} version {version}"),
            user.as_ref(),
            "catalogue",
        ),
        items: rem.proof_items().len(),
        rem,
        chapters,
    }))
}

#[derive(Deserialize)]
pub struct RequirementQuery {
    dispositif: Option<String>,
    version: Option<String>,
    id: Option<String>,
}

#[derive(Template)]
#[template(path = "requirement.html")]
pub struct RequirementPage {
    pub layout: Layout,
    pub dispositif: String,
    pub version: String,
    pub illustrative: bool,
    pub requirement: Requirement,
    pub nature: &'static str,
}

pub async fn requirement(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    Query(q): Query<RequirementQuery>,
) -> Result<Response, PageError> {
    let (Some(dispositif), Some(version), Some(id)) = (q.dispositif, q.version, q.id) else {
        return Err(PageError::bad_request(
            "Précisez le dispositif, la version du REM et l'identifiant de l'exigence.",
        ));
    };
    let rem = state
        .store()
        .system()
        .get_rem_version(&dispositif, &version)
        .await?;
    let requirement = rem
        .requirements
        .iter()
        .find(|r| r.id.as_str() == id)
        .cloned()
        .ok_or_else(PageError::not_found)?;
    Ok(render_html(&RequirementPage {
        layout: Layout::new(format!("Exigence {id}"), user.as_ref(), "catalogue"),
        nature: crate::views::nature_str(requirement.nature),
        illustrative: rem.illustrative,
        dispositif,
        version,
        requirement,
    }))
}

#[derive(Deserialize)]
pub struct SearchQuery {
    q: Option<String>,
    dispositif: Option<String>,
}

#[derive(Template)]
#[template(path = "search.html")]
pub struct SearchPage {
    pub layout: Layout,
    pub q: String,
    pub dispositif: String,
    pub dispositifs: Vec<Dispositif>,
    pub hits: Vec<(RequirementHit, String)>,
    pub total: i64,
    pub searched: bool,
}

pub async fn search(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    Query(q): Query<SearchQuery>,
) -> Result<Response, PageError> {
    let text: String = q.q.unwrap_or_default().trim().chars().take(200).collect();
    let dispositif = q.dispositif.unwrap_or_default();
    let system = state.store().system();
    let dispositifs = system.list_dispositifs().await?;
    let (hits, total) = if text.is_empty() {
        (Vec::new(), 0)
    } else {
        let filter = (!dispositif.is_empty()).then_some(dispositif.as_str());
        let found = system
            .search_requirements(
                &text,
                filter,
                Page {
                    limit: 100,
                    offset: 0,
                },
            )
            .await?;
        let hits = found
            .items
            .into_iter()
            .map(|h| {
                let href = requirement_href(&h.dispositif, &h.rem_version, &h.id);
                (h, href)
            })
            .collect();
        (hits, found.total)
    };
    Ok(render_html(&SearchPage {
        layout: Layout::new("Recherche d'exigences", user.as_ref(), "catalogue"),
        searched: !text.is_empty(),
        q: text,
        dispositif,
        dispositifs,
        hits,
        total,
    }))
}
