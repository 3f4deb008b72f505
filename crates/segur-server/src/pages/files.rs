//! The proof files page of a candidature: limits shown before uploading, the deposit form of
//! one proof item (several files; chunked, resumable upload with a progress bar when
//! JavaScript runs, a plain multipart form otherwise), and every file with its state, hash,
//! size, dates and versions.

use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::response::Response;
use segur_domain::authz::{Action, authorize};
use serde::Deserialize;

use segur_store::{LinkedFileRecord, NewUpload, Page, ScanState};

use crate::access::candidature_tenant;
use crate::api::files::{FileLimitsView, check_new_upload, item_key, limits_view, size_label};
use crate::error::PageError;
use crate::extract::{PageUser, RequestMeta, actor};
use crate::media::ProofKind;
use crate::pages::{Layout, render_html};
use crate::state::AppState;
use crate::uploads;

#[derive(Debug, Deserialize, Default)]
pub struct ItemQuery {
    pub exigence: Option<String>,
    pub scenario: Option<u16>,
    pub preuve: Option<u16>,
}

pub struct FileRow {
    pub item: String,
    pub item_href: String,
    pub name: String,
    pub version: i64,
    pub current: bool,
    pub sha256: String,
    pub size: String,
    pub media_type: String,
    pub uploaded_at: String,
    pub effective_date: String,
    pub state: &'static str,
    pub state_label: &'static str,
    pub detail: String,
    pub href: Option<String>,
}

pub struct SelectedItem {
    pub requirement: String,
    pub scenario: u16,
    pub proof: u16,
    pub label: String,
    pub proof_text: String,
    pub kind_label: &'static str,
    pub accept: String,
    pub allowed: String,
}

#[derive(Template)]
#[template(path = "files.html")]
pub struct FilesPage {
    pub layout: Layout,
    pub id: String,
    pub title: String,
    pub limits: FileLimitsView,
    pub item: Option<SelectedItem>,
    pub can_write: bool,
    pub item_files: Vec<FileRow>,
    pub all_files: Vec<FileRow>,
    pub results: Vec<(bool, String)>,
}

fn item_href(id: &str, l: &LinkedFileRecord) -> String {
    format!(
        "/candidatures/{}/fichiers?exigence={}&scenario={}&preuve={}",
        crate::extract::urlencode(id),
        crate::extract::urlencode(l.key.requirement.as_str()),
        l.key.scenario,
        l.key.proof
    )
}

fn row(id: &str, l: &LinkedFileRecord) -> FileRow {
    let f = &l.file;
    FileRow {
        item: l.key.to_string(),
        item_href: item_href(id, l),
        name: f.original_name.clone(),
        version: l.version,
        current: l.current,
        sha256: f.sha256.clone(),
        size: size_label(u64::try_from(f.size).unwrap_or(0)),
        media_type: f.media_type.clone(),
        uploaded_at: f
            .uploaded_at
            .parse::<jiff::Timestamp>()
            .map(|t| {
                crate::pages::datetime_fr(t.to_zoned(segur_domain::calendar::paris()).datetime())
            })
            .unwrap_or_else(|_| f.uploaded_at.clone()),
        effective_date: f
            .effective_date
            .as_deref()
            .and_then(|d| d.parse::<jiff::civil::Date>().ok())
            .map(crate::pages::date_fr)
            .unwrap_or_else(|| "—".into()),
        state: f.scan_state.as_str(),
        state_label: f.scan_state.label(),
        detail: f.scan_detail.clone().unwrap_or_default(),
        href: (f.scan_state == ScanState::Clean)
            .then(|| format!("/api/v1/candidatures/{id}/files/{}/content", f.id)),
    }
}

async fn render(
    state: &AppState,
    user: &segur_store::UserRecord,
    id: &str,
    q: &ItemQuery,
    results: Vec<(bool, String)>,
) -> Result<Response, PageError> {
    let tenant = candidature_tenant(state, user, id, Action::ReadEditorData).await?;
    let c = tenant.get_candidature(id).await?;
    let can_write = authorize(
        &actor(user),
        Action::WriteEditorData,
        Some(tenant.organisation_id()),
    )
    .is_ok();
    let files = tenant.list_candidature_files(id).await?;
    let mut item = None;
    let mut item_files = Vec::new();
    if let (Some(req), Some(s), Some(p)) = (&q.exigence, q.scenario, q.preuve) {
        let key = item_key(req, s, p).map_err(|e| PageError::bad_request(e.message))?;
        let items = tenant.list_proof_items(id, None, Page::max()).await?.items;
        let row_item = items
            .iter()
            .find(|i| {
                i.requirement == key.requirement.as_str()
                    && i.scenario == i64::from(s)
                    && i.proof == i64::from(p)
            })
            .ok_or_else(PageError::not_found)?;
        let kind = ProofKind::of_proof_text(&row_item.proof_text);
        item = Some(SelectedItem {
            requirement: key.requirement.as_str().to_owned(),
            scenario: s,
            proof: p,
            label: key.to_string(),
            proof_text: row_item.proof_text.clone(),
            kind_label: kind.label(),
            accept: kind
                .allowed()
                .iter()
                .flat_map(|m| m.extensions.iter().map(|e| format!(".{e}")))
                .collect::<Vec<_>>()
                .join(","),
            allowed: kind
                .allowed()
                .iter()
                .map(|m| m.label)
                .collect::<Vec<_>>()
                .join(", "),
        });
        item_files = files
            .iter()
            .filter(|l| l.key == key)
            .rev()
            .map(|l| row(id, l))
            .collect();
    }
    let title = c
        .candidature
        .solution
        .names
        .first()
        .map(|n| n.name.clone())
        .unwrap_or_else(|| c.candidature.solution.principal.name.clone());
    Ok(render_html(&FilesPage {
        layout: Layout::new(
            format!("Fichiers de preuve — {title}"),
            Some(user),
            "dashboard",
        ),
        id: id.to_owned(),
        title,
        limits: limits_view(state),
        item,
        can_write,
        item_files,
        all_files: files.iter().map(|l| row(id, l)).collect(),
        results,
    }))
}

pub async fn show(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<String>,
    Query(q): Query<ItemQuery>,
) -> Result<Response, PageError> {
    render(&state, &user, &id, &q, Vec::new()).await
}

/// The form without JavaScript: `multipart/form-data` with the item's fields first, then one
/// or several files; each file is streamed to the temporary area (never whole in memory) and
/// stored like a resumable upload.
pub async fn upload_submit(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    meta: RequestMeta,
    Path(id): Path<String>,
    mut form: Multipart,
) -> Result<Response, PageError> {
    let tenant = candidature_tenant(&state, &user, &id, Action::WriteEditorData).await?;
    let mut q = ItemQuery::default();
    let mut effective: Option<String> = None;
    let mut results = Vec::new();
    loop {
        let field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => {
                results.push((false, format!("formulaire illisible : {}", e.body_text())));
                break;
            }
        };
        let name = field.name().unwrap_or("").to_owned();
        if name != "fichier" {
            let value = field.text().await.unwrap_or_default();
            let value = value.trim().to_owned();
            match name.as_str() {
                "exigence" => q.exigence = Some(value),
                "scenario" => q.scenario = value.parse().ok(),
                "preuve" => q.preuve = value.parse().ok(),
                "date_effet" => effective = Some(value).filter(|v| !v.is_empty()),
                _ => {}
            }
            continue;
        }
        let file_name = field.file_name().unwrap_or("").to_owned();
        if file_name.is_empty() {
            continue;
        }
        let (Some(req), Some(s), Some(p)) = (&q.exigence, q.scenario, q.preuve) else {
            results.push((false, "preuve non précisée : rechargez la page".into()));
            break;
        };
        let outcome = async {
            let key = item_key(req, s, p)?;
            // Name and extension checked before receiving the bytes (size 1: not known yet).
            check_new_upload(&state, &tenant, &id, &key, &file_name, 1).await?;
            let (path, size, incoming) = uploads::receive_whole(&state, Box::pin(field)).await?;
            let opened = async {
                let name = check_new_upload(&state, &tenant, &id, &key, &file_name, size).await?;
                let effective_date = match effective.as_deref() {
                    Some(d) => Some(d.parse::<jiff::civil::Date>().map_err(|_| {
                        crate::error::ApiError::invalid(
                            "date_effet",
                            "date d'effet attendue au format AAAA-MM-JJ",
                        )
                    })?),
                    None => None,
                };
                let session = tenant
                    .create_upload_session(
                        &NewUpload {
                            candidature_id: id.clone(),
                            key: key.clone(),
                            file_name: name,
                            declared_size: i64::try_from(size).unwrap_or(i64::MAX),
                            effective_date,
                        },
                        &meta.audit(&user, "", ""),
                    )
                    .await?;
                Ok::<_, crate::error::ApiError>(session)
            }
            .await;
            let session = match opened {
                Ok(s) => s,
                Err(e) => {
                    let _ = tokio::fs::remove_file(&path).await;
                    return Err(e);
                }
            };
            uploads::adopt(&state, &session.id, &path, incoming).await?;
            uploads::finish(&state, &tenant, &session, &meta.audit(&user, "", "")).await
        }
        .await;
        match outcome {
            Ok(l) => results.push((
                true,
                format!(
                    "« {} » déposé (version {}, SHA-256 {}) : analyse antivirus en cours",
                    l.file.original_name, l.version, l.file.sha256
                ),
            )),
            Err(e) => results.push((false, format!("« {file_name} » refusé : {}", e.message))),
        }
    }
    if results.is_empty() {
        results.push((false, "aucun fichier choisi".into()));
    }
    let refused = results.iter().any(|(ok, _)| !ok);
    let mut resp = render(&state, &user, &id, &q, results).await?;
    if refused {
        *resp.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(resp)
}
