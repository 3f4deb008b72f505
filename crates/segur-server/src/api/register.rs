//! The public register (PUB-01), open data without signing in, and editors' declarations of
//! obsolete versions.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use segur_domain::authz::Action;
use segur_domain::register::{RegisterEntry, RegisterStatus, register};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::{ApiError, ErrorBody, ErrorCode};
use crate::extract::{ApiQuery, ApiUser, RequestMeta};
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct PublishedNameView {
    pub name: String,
    pub nil: String,
    pub technical_version: String,
    pub obsolete: bool,
}

/// One solution of the register. Stable open-data schema (version 1).
#[derive(Debug, Serialize, ToSchema)]
pub struct RegisterEntryView {
    /// `referenced`, `in_progress` or `withdrawn`.
    pub status: String,
    pub editor: String,
    pub dispositif: String,
    pub component: String,
    pub component_version: String,
    pub names: Vec<PublishedNameView>,
    pub nru: Option<String>,
    /// Referencing date, or filing date while in progress (YYYY-MM-DD).
    pub date: Option<String>,
    /// The principal component's version was declared obsolete by its editor.
    pub obsolete: bool,
}

fn status_str(s: RegisterStatus) -> &'static str {
    match s {
        RegisterStatus::Referenced => "referenced",
        RegisterStatus::InProgress => "in_progress",
        RegisterStatus::Withdrawn => "withdrawn",
    }
}

impl From<&RegisterEntry> for RegisterEntryView {
    fn from(e: &RegisterEntry) -> Self {
        Self {
            status: status_str(e.status).to_owned(),
            editor: e.editor_name.clone(),
            dispositif: e.dispositif.clone(),
            component: e.component.clone(),
            component_version: e.component_version.clone(),
            names: e
                .names
                .iter()
                .map(|n| PublishedNameView {
                    name: n.name.clone(),
                    nil: n.nil.clone(),
                    technical_version: n.technical_version.clone(),
                    obsolete: n.obsolete,
                })
                .collect(),
            nru: e.nru.clone(),
            date: e.date.map(|d| d.to_string()),
            obsolete: e.obsolete,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ObsoleteVersionView {
    pub editor: String,
    pub software: String,
    pub version: String,
    pub declared_on: String,
}

/// The register: solutions and obsolete versions.
#[derive(Debug, Serialize, ToSchema)]
pub struct RegisterView {
    /// Version of this open-data format.
    pub format_version: u32,
    pub entries: Vec<RegisterEntryView>,
    pub obsolete_versions: Vec<ObsoleteVersionView>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RegisterQuery {
    /// Words of an editor, solution, NIL, NRU or dispositif (accents and case ignored).
    pub q: Option<String>,
    /// `referenced`, `in_progress` or `withdrawn`.
    pub status: Option<String>,
}

/// The register's entries matching a query, and the obsolete versions (with editor names).
pub async fn entries(
    state: &AppState,
    q: Option<&str>,
    status: Option<&str>,
) -> Result<(Vec<RegisterEntry>, Vec<ObsoleteVersionView>), ApiError> {
    let wanted = match status.filter(|s| !s.is_empty()) {
        None => None,
        Some("referenced") => Some(RegisterStatus::Referenced),
        Some("in_progress") => Some(RegisterStatus::InProgress),
        Some("withdrawn") => Some(RegisterStatus::Withdrawn),
        Some(other) => {
            return Err(ApiError::invalid(
                "status",
                format!("statut « {other} » inconnu : referenced, in_progress ou withdrawn"),
            ));
        }
    };
    let (world, obsolete) = state.store().system().register_sources().await?;
    let words: Vec<String> = q
        .map(segur_domain::text::fold)
        .unwrap_or_default()
        .split_whitespace()
        .take(10)
        .map(str::to_owned)
        .collect();
    let list = register(&world, &obsolete)
        .into_iter()
        .filter(|e| wanted.is_none_or(|w| e.status == w))
        .filter(|e| {
            let text = e.search_text();
            words.iter().all(|w| text.contains(w.as_str()))
        })
        .collect();
    let name_of = |id: &str| {
        world
            .editors
            .iter()
            .find(|e| e.id == id)
            .map_or_else(|| id.to_owned(), |e| e.name.clone())
    };
    let obsolete = obsolete
        .iter()
        .map(|o| ObsoleteVersionView {
            editor: name_of(&o.editor),
            software: o.software.clone(),
            version: o.version.clone(),
            declared_on: o.declared_on.to_string(),
        })
        .collect();
    Ok((list, obsolete))
}

/// PUB-01: referenced solutions, solutions being referenced, withdrawn referencings and the
/// versions declared obsolete. Public: no sign-in.
#[utoipa::path(get, path = "/api/v1/register", tag = "register",
    params(RegisterQuery),
    responses((status = 200, body = RegisterView), (status = 400, body = ErrorBody)))]
pub async fn get_register(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<RegisterQuery>,
) -> Result<Json<RegisterView>, ApiError> {
    let (list, obsolete_versions) = entries(&state, q.q.as_deref(), q.status.as_deref()).await?;
    Ok(Json(RegisterView {
        format_version: 1,
        entries: list.iter().map(Into::into).collect(),
        obsolete_versions,
    }))
}

/// The register as CSV (UTF-8 with BOM, `;`), one line per commercial name. Public.
#[utoipa::path(get, path = "/api/v1/register/csv", tag = "register",
    params(RegisterQuery),
    responses((status = 200, description = "CSV", content_type = "text/csv"), (status = 400, body = ErrorBody)))]
pub async fn get_register_csv(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<RegisterQuery>,
) -> Result<Response, ApiError> {
    let (list, _) = entries(&state, q.q.as_deref(), q.status.as_deref()).await?;
    let mut out = b"\xEF\xBB\xBF".to_vec();
    {
        let mut w = csv::WriterBuilder::new()
            .delimiter(b';')
            .from_writer(&mut out);
        let fail = |e: csv::Error| {
            tracing::error!(error = %e, "register csv");
            ApiError::new(ErrorCode::Internal, "export impossible")
        };
        w.write_record([
            "statut",
            "editeur",
            "dispositif",
            "composant",
            "version_composant",
            "nom_commercial",
            "nil",
            "version_technique",
            "nru",
            "date",
            "obsolete",
        ])
        .map_err(fail)?;
        for e in &list {
            let date = e.date.map(|d| d.to_string()).unwrap_or_default();
            let rows: Vec<(String, String, String, bool)> = if e.names.is_empty() {
                vec![(String::new(), String::new(), String::new(), e.obsolete)]
            } else {
                e.names
                    .iter()
                    .map(|n| {
                        (
                            n.name.clone(),
                            n.nil.clone(),
                            n.technical_version.clone(),
                            e.obsolete || n.obsolete,
                        )
                    })
                    .collect()
            };
            for (name, nil, tv, obsolete) in rows {
                w.write_record([
                    status_str(e.status),
                    &e.editor_name,
                    &e.dispositif,
                    &e.component,
                    &e.component_version,
                    &name,
                    &nil,
                    &tv,
                    e.nru.as_deref().unwrap_or(""),
                    &date,
                    if obsolete { "oui" } else { "non" },
                ])
                .map_err(fail)?;
            }
        }
        w.flush().map_err(|e| fail(e.into()))?;
    }
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"registre-segur.csv\"",
            ),
        ],
        out,
    )
        .into_response())
}

/// A version to declare obsolete.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ObsoleteBody {
    pub software: String,
    pub version: String,
}

/// Editors: declare a version of one of their software obsolete (published at once; from then
/// on a catch-up update from it may be charged, BDC-06).
#[utoipa::path(post, path = "/api/v1/obsolete-versions", tag = "register", security(("session" = [])),
    request_body = ObsoleteBody,
    responses((status = 201, body = ObsoleteVersionView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn declare_obsolete(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    meta: RequestMeta,
    body: Bytes,
) -> Result<(StatusCode, Json<ObsoleteVersionView>), ApiError> {
    if user.organisation_kind != segur_domain::org::OrganisationKind::Editor {
        return Err(ApiError::new(
            ErrorCode::Forbidden,
            "seul un éditeur déclare ses versions obsolètes",
        ));
    }
    let tenant = crate::access::own_tenant(&state, &user, Action::WriteEditorData)?;
    let value = crate::financing::parse_json_body(&body)?;
    let b: ObsoleteBody = serde_json::from_value(value)
        .map_err(|e| ApiError::new(ErrorCode::InvalidBody, format!("corps invalide : {e}")))?;
    let audit = meta.audit(&user, "", "");
    let o = tenant
        .declare_obsolete(&b.software, &b.version, state.today(), &audit)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(ObsoleteVersionView {
            editor: user.organisation_name.clone(),
            software: o.software,
            version: o.version,
            declared_on: o.declared_on.to_string(),
        }),
    ))
}
