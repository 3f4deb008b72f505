//! The audit trail as its readers may see it: an editor (or the ASP) the events about its own
//! organisation, the ANS every event. Paged JSON, and full exports as CSV or JSON.

use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use segur_domain::org::OrganisationKind;
use segur_store::{AuditEventRecord, Page, Paged, UserRecord};

use crate::error::{ApiError, ErrorBody, ErrorCode};
use crate::extract::{ApiQuery, ApiUser};
use crate::state::AppState;

/// One event of the trail.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEventView {
    pub seq: i64,
    /// RFC 3339 UTC instant.
    pub at: String,
    pub actor_user_id: Option<String>,
    pub actor_role: Option<String>,
    pub organisation_id: Option<String>,
    pub action: String,
    pub object: String,
    pub request_id: Option<String>,
    pub ip: Option<String>,
    /// SHA-256 chain: this event's hash and the previous one's.
    pub prev_hash: String,
    pub hash: String,
}

impl From<AuditEventRecord> for AuditEventView {
    fn from(e: AuditEventRecord) -> Self {
        Self {
            seq: e.seq,
            at: e.at,
            actor_user_id: e.actor_user_id,
            actor_role: e.actor_role,
            organisation_id: e.organisation_id,
            action: e.action,
            object: e.object,
            request_id: e.request_id,
            ip: e.ip,
            prev_hash: e.prev_hash,
            hash: e.hash,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditPage {
    pub items: Vec<AuditEventView>,
    pub total: i64,
    pub limit: i64,
    pub offset: i64,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Items per page, 1–500 (default 50).
    pub limit: Option<i64>,
    /// Items to skip (default 0).
    pub offset: Option<i64>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// `csv` (default) or `json`.
    pub format: Option<String>,
}

/// One page of the events the caller may read, newest first.
pub async fn visible_events(
    state: &AppState,
    user: &UserRecord,
    page: Page,
) -> Result<Paged<AuditEventRecord>, ApiError> {
    Ok(match user.organisation_kind {
        // The ANS supervises the whole platform: every event.
        OrganisationKind::Ans => state.store().system().list_audit(page).await?,
        // Everyone else: the events about their own organisation only.
        _ => {
            state
                .store()
                .tenant(&user.organisation_id)
                .list_audit(page)
                .await?
        }
    })
}

/// The audit events the caller may read, newest first: an editor's or the ASP's own
/// organisation, every event for the ANS.
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", security(("session" = [])),
    params(AuditQuery),
    responses((status = 200, body = AuditPage), (status = 401, body = ErrorBody)))]
pub async fn list_audit(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> Result<Json<AuditPage>, ApiError> {
    let page = Page::new(
        q.limit.unwrap_or(Page::DEFAULT_LIMIT),
        q.offset.unwrap_or(0),
    );
    let found = visible_events(&state, &user, page).await?;
    Ok(Json(AuditPage {
        items: found.items.into_iter().map(Into::into).collect(),
        total: found.total,
        limit: found.limit,
        offset: found.offset,
    }))
}

/// Every event the caller may read, oldest first, as CSV (`;`, UTF-8 with BOM) or JSON.
#[utoipa::path(get, path = "/api/v1/audit/export", tag = "audit", security(("session" = [])),
    params(ExportQuery),
    responses((status = 200, description = "CSV or JSON", content_type = "text/csv"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn export_audit(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiQuery(q): ApiQuery<ExportQuery>,
) -> Result<Response, ApiError> {
    let format = q.format.as_deref().unwrap_or("csv");
    if format != "csv" && format != "json" {
        return Err(ApiError::new(
            ErrorCode::InvalidParameter,
            "format : « csv » ou « json » attendu",
        ));
    }
    let mut events = Vec::new();
    let mut page = Page::max();
    loop {
        let chunk = visible_events(&state, &user, page).await?;
        let n = chunk.items.len() as i64;
        events.extend(chunk.items);
        if n == 0 || events.len() as i64 >= chunk.total {
            break;
        }
        page.offset += n;
    }
    events.reverse();
    if format == "json" {
        let views: Vec<AuditEventView> = events.into_iter().map(Into::into).collect();
        return Ok((
            [(
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"journal-audit.json\"",
            )],
            Json(views),
        )
            .into_response());
    }
    let mut out = b"\xEF\xBB\xBF".to_vec();
    {
        let mut w = csv::WriterBuilder::new()
            .delimiter(b';')
            .from_writer(&mut out);
        let fail = |e: csv::Error| {
            tracing::error!(error = %e, "audit csv");
            ApiError::new(ErrorCode::Internal, "export impossible")
        };
        // One record per event, its fields as columns (the same as `segur audit export`).
        for e in &events {
            w.serialize(e).map_err(fail)?;
        }
        w.flush().map_err(|e| fail(csv::Error::from(e)))?;
    }
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"journal-audit.csv\"",
            ),
        ],
        out,
    )
        .into_response())
}
