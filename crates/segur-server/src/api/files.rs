//! Proof files: limits, resumable uploads (tus 1.0 core: HEAD for the offset, PATCH with
//! `Upload-Offset`; creation by a JSON POST), the files of a candidature, links of one file to
//! several proof items, and downloads with byte ranges.

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use segur_domain::authz::Action;
use segur_domain::catalogue::{ProofItemKey, RequirementId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use segur_store::{LinkedFileRecord, NewUpload, ScanState, UploadSessionRecord};

use crate::access::{candidature_tenant, own_tenant};
use crate::error::{ApiError, ErrorBody, ErrorCode};
use crate::extract::{ApiPath, ApiUser, RequestMeta};
use crate::media::{self, ProofKind};
use crate::state::AppState;
use crate::uploads;

pub const TUS_VERSION: &str = "1.0.0";
/// Content type of a tus PATCH body.
pub const OFFSET_OCTET_STREAM: &str = "application/offset+octet-stream";

/// The tenant owning candidature `id` once the caller may `action` it and the candidature
/// exists there (an editor asking for another's gets 404 before any body is read).
async fn candidature_files_tenant(
    state: &AppState,
    user: &segur_store::UserRecord,
    id: &str,
    action: Action,
) -> Result<segur_store::TenantStore, ApiError> {
    let tenant = candidature_tenant(state, user, id, action).await?;
    tenant.candidature_summary(id).await.map_err(|e| match e {
        segur_store::StoreError::NotFound => ApiError::not_found("candidature"),
        other => other.into(),
    })?;
    Ok(tenant)
}

/// "5 Gio", "12,5 Mio": sizes in French binary units.
pub fn size_label(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["octets", "Kio", "Mio", "Gio", "Tio"];
    let mut v = bytes as f64;
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{bytes} octets")
    } else if (v - v.round()).abs() < 0.05 {
        format!("{} {}", v.round() as u64, UNITS[u])
    } else {
        format!("{:.1} {}", v, UNITS[u]).replace('.', ",")
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MediaTypeView {
    pub media_type: String,
    pub label: String,
    pub extensions: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProofKindView {
    pub kind: ProofKind,
    pub label: String,
    pub allowed: Vec<MediaTypeView>,
}

/// What an upload may be, shown before uploading.
#[derive(Debug, Serialize, ToSchema)]
pub struct FileLimitsView {
    pub max_size_bytes: u64,
    /// The same in French units, e.g. « 5 Gio ».
    pub max_size_label: String,
    /// `tus-1.0.0-core`: HEAD gives `Upload-Offset`, PATCH appends at `Upload-Offset`.
    pub protocol: String,
    /// Suggested PATCH size for browsers (the server accepts any size).
    pub chunk_size_hint: u64,
    pub kinds: Vec<ProofKindView>,
}

fn media_view(m: &media::MediaType) -> MediaTypeView {
    MediaTypeView {
        media_type: m.mime.to_owned(),
        label: m.label.to_owned(),
        extensions: m.extensions.iter().map(|e| (*e).to_owned()).collect(),
    }
}

pub fn limits_view(state: &AppState) -> FileLimitsView {
    let max = state.config().max_file_bytes;
    FileLimitsView {
        max_size_bytes: max,
        max_size_label: size_label(max),
        protocol: format!("tus-{TUS_VERSION}-core"),
        chunk_size_hint: 8 << 20,
        kinds: ProofKind::ALL
            .iter()
            .map(|k| ProofKindView {
                kind: *k,
                label: k.label().to_owned(),
                allowed: k.allowed().iter().map(media_view).collect(),
            })
            .collect(),
    }
}

/// Upload limits: maximum size and accepted types per kind of proof.
#[utoipa::path(get, path = "/api/v1/files/limits", tag = "fichiers", security(("session" = [])),
    responses((status = 200, body = FileLimitsView), (status = 401, body = ErrorBody)))]
pub async fn get_limits(
    State(state): State<AppState>,
    ApiUser(_user): ApiUser,
) -> Json<FileLimitsView> {
    Json(limits_view(&state))
}

/// Opening an upload for one proof item.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUploadBody {
    /// Requirement ID, e.g. `SC.SSI/GEN.05`.
    pub requirement: String,
    pub scenario: u16,
    pub proof: u16,
    /// Original file name (sanitised: any path is dropped).
    pub file_name: String,
    /// Exact size in bytes.
    pub size: u64,
    /// When the screenshot, log or video was produced (YYYY-MM-DD).
    pub effective_date: Option<String>,
}

/// An upload in progress.
#[derive(Debug, Serialize, ToSchema)]
pub struct UploadView {
    pub id: String,
    /// Where to send HEAD / PATCH / DELETE.
    pub location: String,
    pub candidature: String,
    pub requirement: String,
    pub scenario: u16,
    pub proof: u16,
    pub file_name: String,
    pub size: i64,
    /// Bytes received so far.
    pub offset: u64,
    pub effective_date: Option<String>,
    pub created_at: String,
}

fn upload_view(s: &UploadSessionRecord, offset: u64) -> UploadView {
    UploadView {
        id: s.id.clone(),
        location: format!("/api/v1/uploads/{}", s.id),
        candidature: s.candidature_id.clone(),
        requirement: s.key.requirement.as_str().to_owned(),
        scenario: s.key.scenario,
        proof: s.key.proof,
        file_name: s.file_name.clone(),
        size: s.declared_size,
        offset,
        effective_date: s.effective_date.clone(),
        created_at: s.created_at.clone(),
    }
}

/// A stored proof file as deposited for one item.
#[derive(Debug, Serialize, ToSchema)]
pub struct LinkedFileView {
    pub file_id: String,
    pub candidature: String,
    pub requirement: String,
    pub scenario: u16,
    pub proof: u16,
    pub version: i64,
    /// False for the older, read-only versions of the item.
    pub current: bool,
    pub file_name: String,
    pub sha256: String,
    pub size: i64,
    pub media_type: String,
    pub uploaded_at: String,
    pub effective_date: Option<String>,
    pub uploader: Option<String>,
    pub linked_at: String,
    /// `pending`, `clean`, `infected` or `scan_error`; only `clean` files can be downloaded.
    pub scan_state: String,
    pub scan_state_label: String,
    pub scan_detail: Option<String>,
    /// Download URL, present once the file is clean.
    pub content: Option<String>,
}

impl From<&LinkedFileRecord> for LinkedFileView {
    fn from(l: &LinkedFileRecord) -> Self {
        let f = &l.file;
        LinkedFileView {
            file_id: f.id.clone(),
            candidature: l.candidature_id.clone(),
            requirement: l.key.requirement.as_str().to_owned(),
            scenario: l.key.scenario,
            proof: l.key.proof,
            version: l.version,
            current: l.current,
            file_name: f.original_name.clone(),
            sha256: f.sha256.clone(),
            size: f.size,
            media_type: f.media_type.clone(),
            uploaded_at: f.uploaded_at.clone(),
            effective_date: f.effective_date.clone(),
            uploader: f.uploader_user_id.clone(),
            linked_at: l.linked_at.clone(),
            scan_state: f.scan_state.as_str().to_owned(),
            scan_state_label: f.scan_state.label().to_owned(),
            scan_detail: f.scan_detail.clone(),
            content: (f.scan_state == ScanState::Clean).then(|| {
                format!(
                    "/api/v1/candidatures/{}/files/{}/content",
                    l.candidature_id, f.id
                )
            }),
        }
    }
}

pub fn item_key(requirement: &str, scenario: u16, proof: u16) -> Result<ProofItemKey, ApiError> {
    Ok(ProofItemKey {
        requirement: RequirementId::parse(requirement)
            .map_err(|e| ApiError::invalid("requirement", e.to_string()))?,
        scenario,
        proof,
    })
}

/// Checks what can be checked before any byte is sent: size, name, extension for the kind.
pub async fn check_new_upload(
    state: &AppState,
    tenant: &segur_store::TenantStore,
    candidature: &str,
    key: &ProofItemKey,
    file_name: &str,
    size: u64,
) -> Result<String, ApiError> {
    let max = state.config().max_file_bytes;
    if size == 0 {
        return Err(ApiError::new(
            ErrorCode::FileEmpty,
            "fichier vide (0 octet) : rien à déposer",
        )
        .with_field("size"));
    }
    if size > max {
        return Err(ApiError::new(
            ErrorCode::FileTooLarge,
            format!(
                "fichier trop volumineux ({}) : la taille maximale est {}",
                size_label(size),
                size_label(max)
            ),
        )
        .with_field("size"));
    }
    let name = segur_store::sanitize_file_name(file_name)
        .map_err(|e| ApiError::invalid("file_name", e.to_string()))?;
    let kind = uploads::proof_kind(tenant, candidature, key).await?;
    match media::by_extension(&name) {
        Some(m) if kind.allowed().contains(&m) => Ok(name),
        Some(m) => Err(ApiError::new(
            ErrorCode::FileTypeNotAllowed,
            media::TypeRefusal::NotAllowed {
                found: m.label,
                kind,
            }
            .message(),
        )
        .with_field("file_name")),
        None => Err(ApiError::new(
            ErrorCode::FileTypeNotAllowed,
            format!(
                "extension de « {name} » non acceptée pour une preuve de type « {} » (acceptés : {})",
                kind.label(),
                kind.allowed()
                    .iter()
                    .flat_map(|m| m.extensions.iter().map(|e| format!(".{e}")))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
        .with_field("file_name")),
    }
}

/// Opens a resumable upload for one proof item of my candidature. Refuses at once what the
/// declaration already shows (0 bytes, too big, extension not accepted for the proof).
#[utoipa::path(post, path = "/api/v1/candidatures/{id}/uploads", tag = "fichiers", security(("session" = [])),
    params(("id" = String, Path, description = "Candidature id")),
    request_body = NewUploadBody,
    responses((status = 201, body = UploadView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_upload(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    meta: RequestMeta,
    ApiPath(id): ApiPath<String>,
    body: Result<Json<NewUploadBody>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, ApiError> {
    let tenant = candidature_files_tenant(&state, &user, &id, Action::WriteEditorData).await?;
    let Json(body) = body?;
    let key = item_key(&body.requirement, body.scenario, body.proof)?;
    let name = check_new_upload(&state, &tenant, &id, &key, &body.file_name, body.size).await?;
    let effective_date = body
        .effective_date
        .as_deref()
        .filter(|s| !s.trim().is_empty())
        .map(|s| {
            s.trim().parse::<jiff::civil::Date>().map_err(|_| {
                ApiError::invalid(
                    "effective_date",
                    "date d'effet attendue au format AAAA-MM-JJ",
                )
            })
        })
        .transpose()?;
    let new = NewUpload {
        candidature_id: id.clone(),
        key,
        file_name: name,
        declared_size: i64::try_from(body.size).unwrap_or(i64::MAX),
        effective_date,
    };
    let session = tenant
        .create_upload_session(&new, &meta.audit(&user, "", ""))
        .await?;
    let view = upload_view(&session, 0);
    let mut resp = (StatusCode::CREATED, Json(view)).into_response();
    let h = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&format!("/api/v1/uploads/{}", session.id)) {
        h.insert(header::LOCATION, v);
    }
    h.insert("tus-resumable", HeaderValue::from_static(TUS_VERSION));
    h.insert("upload-offset", HeaderValue::from_static("0"));
    Ok(resp)
}

fn tus_headers(resp: &mut Response, offset: u64, length: i64) {
    let h = resp.headers_mut();
    h.insert("tus-resumable", HeaderValue::from_static(TUS_VERSION));
    h.insert("upload-offset", HeaderValue::from(offset));
    h.insert("upload-length", HeaderValue::from(length));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
}

async fn my_session(
    state: &AppState,
    user: &segur_store::UserRecord,
    id: &str,
) -> Result<(segur_store::TenantStore, UploadSessionRecord), ApiError> {
    let tenant = own_tenant(state, user, Action::WriteEditorData)?;
    if uploads::part_path(state.upload_dir(), id).is_none() {
        return Err(ApiError::not_found("envoi"));
    }
    let session = tenant.upload_session(id).await.map_err(|e| match e {
        segur_store::StoreError::NotFound => ApiError::not_found("envoi"),
        other => other.into(),
    })?;
    Ok((tenant, session))
}

/// tus HEAD: the bytes received so far in `Upload-Offset` (resume from there).
#[utoipa::path(head, path = "/api/v1/uploads/{upload_id}", tag = "fichiers", security(("session" = [])),
    params(("upload_id" = String, Path, description = "Upload id")),
    responses((status = 200, description = "Headers Upload-Offset and Upload-Length"), (status = 401), (status = 403), (status = 404)))]
pub async fn head_upload(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, ApiError> {
    let (_, session) = my_session(&state, &user, &id).await?;
    let offset = uploads::received(&state, &id).await?;
    let mut resp = StatusCode::OK.into_response();
    tus_headers(&mut resp, offset, session.declared_size);
    Ok(resp)
}

/// The upload as JSON (same facts as HEAD).
#[utoipa::path(get, path = "/api/v1/uploads/{upload_id}", tag = "fichiers", security(("session" = [])),
    params(("upload_id" = String, Path, description = "Upload id")),
    responses((status = 200, body = UploadView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_upload(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, ApiError> {
    let (_, session) = my_session(&state, &user, &id).await?;
    let offset = uploads::received(&state, &id).await?;
    let mut resp = Json(upload_view(&session, offset)).into_response();
    tus_headers(&mut resp, offset, session.declared_size);
    Ok(resp)
}

/// tus PATCH: appends the body (`application/offset+octet-stream`) at `Upload-Offset`, which
/// must equal the bytes already received (409 `upload_offset_mismatch` otherwise, with the
/// right offset). Answers 204 with the new `Upload-Offset`; the request that completes the
/// file answers 200 with the stored file (hashed, type checked, antivirus pending). No body
/// size limit or timeout applies here beyond the declared size and a 2-minute idle limit.
#[utoipa::path(patch, path = "/api/v1/uploads/{upload_id}", tag = "fichiers", security(("session" = [])),
    params(("upload_id" = String, Path, description = "Upload id"),
        ("Upload-Offset" = u64, Header, description = "Bytes already received")),
    request_body(content = Vec<u8>, content_type = "application/offset+octet-stream"),
    responses((status = 200, body = LinkedFileView), (status = 204, description = "Bytes appended"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 415, body = ErrorBody), (status = 422, body = ErrorBody), (status = 507, body = ErrorBody)))]
pub async fn patch_upload(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    meta: RequestMeta,
    ApiPath(id): ApiPath<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let (tenant, session) = my_session(&state, &user, &id).await?;
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !ct.starts_with(OFFSET_OCTET_STREAM) {
        return Err(ApiError::new(
            ErrorCode::UnsupportedMediaType,
            format!("corps attendu de type {OFFSET_OCTET_STREAM}"),
        ));
    }
    let offset: u64 = headers
        .get("upload-offset")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| {
            ApiError::invalid(
                "Upload-Offset",
                "en-tête Upload-Offset (octets déjà reçus) requis",
            )
        })?;
    let new_offset = uploads::append(&state, &session, offset, body.into_data_stream()).await?;
    if new_offset == u64::try_from(session.declared_size).unwrap_or(0) {
        let linked = uploads::finish(&state, &tenant, &session, &meta.audit(&user, "", "")).await?;
        let mut resp = Json(LinkedFileView::from(&linked)).into_response();
        tus_headers(&mut resp, new_offset, session.declared_size);
        return Ok(resp);
    }
    let mut resp = StatusCode::NO_CONTENT.into_response();
    tus_headers(&mut resp, new_offset, session.declared_size);
    Ok(resp)
}

/// tus termination: abandons the upload and deletes its bytes.
#[utoipa::path(delete, path = "/api/v1/uploads/{upload_id}", tag = "fichiers", security(("session" = [])),
    params(("upload_id" = String, Path, description = "Upload id")),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete_upload(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    meta: RequestMeta,
    ApiPath(id): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    let (tenant, _) = my_session(&state, &user, &id).await?;
    uploads::abort(&state, &tenant, &id, &meta.audit(&user, "", "")).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Every file deposited for a candidature, all versions, with hash, size, dates and antivirus
/// state.
#[utoipa::path(get, path = "/api/v1/candidatures/{id}/files", tag = "fichiers", security(("session" = [])),
    params(("id" = String, Path, description = "Candidature id")),
    responses((status = 200, body = [LinkedFileView]), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list_files(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Vec<LinkedFileView>>, ApiError> {
    let tenant = candidature_files_tenant(&state, &user, &id, Action::ReadEditorData).await?;
    let files = tenant.list_candidature_files(&id).await?;
    Ok(Json(files.iter().map(Into::into).collect()))
}

/// The proof item to link an existing file to.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkBody {
    pub requirement: String,
    pub scenario: u16,
    pub proof: u16,
}

/// Deposits a file already stored for this candidature for another proof item, without
/// storing it twice.
#[utoipa::path(post, path = "/api/v1/candidatures/{id}/files/{file_id}/links", tag = "fichiers", security(("session" = [])),
    params(("id" = String, Path, description = "Candidature id"), ("file_id" = String, Path, description = "File id")),
    request_body = LinkBody,
    responses((status = 201, body = LinkedFileView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn link_file(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    meta: RequestMeta,
    ApiPath((id, file_id)): ApiPath<(String, String)>,
    body: Result<Json<LinkBody>, axum::extract::rejection::JsonRejection>,
) -> Result<(StatusCode, Json<LinkedFileView>), ApiError> {
    let tenant = candidature_files_tenant(&state, &user, &id, Action::WriteEditorData).await?;
    let Json(body) = body?;
    let key = item_key(&body.requirement, body.scenario, body.proof)?;
    let file = tenant
        .get_candidature_file(&id, &file_id)
        .await
        .map_err(|e| match e {
            segur_store::StoreError::NotFound => ApiError::not_found("fichier"),
            other => other.into(),
        })?;
    let kind = uploads::proof_kind(&tenant, &id, &key).await?;
    if !kind.allowed().iter().any(|m| m.mime == file.media_type) {
        return Err(ApiError::new(
            ErrorCode::FileTypeNotAllowed,
            format!(
                "{} non accepté pour une preuve de type « {} »",
                file.media_type,
                kind.label()
            ),
        ));
    }
    let linked = tenant
        .link_file(&id, &key, &file.id, &meta.audit(&user, "", ""))
        .await?;
    Ok((StatusCode::CREATED, Json(LinkedFileView::from(&linked))))
}

/// The proof bundle: a ZIP streamed with every current, clean proof file and `manifest.json`
/// (proof item → file, SHA-256, size, dates; files not yet clean are listed as omitted).
/// Check it offline with `segur bundle verify FILE.zip`.
#[utoipa::path(get, path = "/api/v1/candidatures/{id}/bundle", tag = "fichiers", security(("session" = [])),
    params(("id" = String, Path, description = "Candidature id")),
    responses((status = 200, description = "ZIP archive", content_type = "application/zip"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_bundle(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, ApiError> {
    let tenant = candidature_files_tenant(&state, &user, &id, Action::ReadEditorData).await?;
    let files = tenant.list_candidature_files(&id).await?;
    let manifest = crate::bundle::Manifest::new(tenant.organisation_id(), &id, &files);
    let mut resp = Response::new(crate::bundle::stream(&state, manifest));
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/zip"),
    );
    h.insert(
        header::CONTENT_ENCODING,
        HeaderValue::from_static("identity"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        content_disposition("attachment", &format!("preuves-{id}.zip")),
    );
    Ok(resp)
}

/// The requested byte range of a file of `size` bytes.
#[derive(Debug, PartialEq, Eq)]
pub enum RangeRequest {
    Full,
    /// Inclusive bounds.
    Part(u64, u64),
    Unsatisfiable,
}

/// `bytes=a-b`, `bytes=a-`, `bytes=-n`; several ranges are answered with the whole file (as
/// RFC 9110 allows); anything unreadable is ignored.
pub fn parse_range(value: Option<&str>, size: u64) -> RangeRequest {
    let Some(spec) = value.and_then(|v| v.trim().strip_prefix("bytes=")) else {
        return RangeRequest::Full;
    };
    if spec.contains(',') {
        return RangeRequest::Full;
    }
    let Some((a, b)) = spec.trim().split_once('-') else {
        return RangeRequest::Full;
    };
    let (a, b) = (a.trim(), b.trim());
    if size == 0 {
        return RangeRequest::Unsatisfiable;
    }
    match (a.parse::<u64>().ok(), b.parse::<u64>().ok()) {
        (None, Some(n)) if a.is_empty() => {
            if n == 0 {
                RangeRequest::Unsatisfiable
            } else {
                RangeRequest::Part(size.saturating_sub(n), size - 1)
            }
        }
        (Some(start), None) if b.is_empty() => {
            if start >= size {
                RangeRequest::Unsatisfiable
            } else {
                RangeRequest::Part(start, size - 1)
            }
        }
        (Some(start), Some(end)) if start <= end => {
            if start >= size {
                RangeRequest::Unsatisfiable
            } else {
                RangeRequest::Part(start, end.min(size - 1))
            }
        }
        _ => RangeRequest::Full,
    }
}

/// `attachment; filename="ascii"; filename*=UTF-8''percent-encoded`: no quote, path or control
/// character can leak into the header.
pub fn content_disposition(kind: &str, name: &str) -> HeaderValue {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ' ') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut encoded = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_') {
            encoded.push(b as char);
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    HeaderValue::from_str(&format!(
        "{kind}; filename=\"{ascii}\"; filename*=UTF-8''{encoded}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("attachment"))
}

/// Sends a clean file, whole or a byte range (`Range: bytes=…` → 206, so videos seek).
/// A proof file of the candidature or a file attached to a message of its thread.
/// Images, PDF and videos are shown inline in a sandbox (`Content-Security-Policy: sandbox`,
/// `nosniff`); other types are attachments. Not before the antivirus said clean (409
/// `file_not_clean`).
#[utoipa::path(get, path = "/api/v1/candidatures/{id}/files/{file_id}/content", tag = "fichiers", security(("session" = [])),
    params(("id" = String, Path, description = "Candidature id"), ("file_id" = String, Path, description = "File id"),
        ("Range" = Option<String>, Header, description = "bytes=start-end")),
    responses((status = 200, description = "The file"), (status = 206, description = "A byte range"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 416, body = ErrorBody)))]
pub async fn get_content(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath((id, file_id)): ApiPath<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let tenant = candidature_tenant(&state, &user, &id, Action::ReadEditorData).await?;
    let file = tenant
        .get_readable_candidature_file(&id, &file_id)
        .await
        .map_err(|e| match e {
            segur_store::StoreError::NotFound => ApiError::not_found("fichier"),
            other => other.into(),
        })?;
    if file.scan_state != ScanState::Clean {
        return Err(ApiError::new(
            ErrorCode::FileNotClean,
            match file.scan_state {
                ScanState::Infected => {
                    "fichier infecté, mis en quarantaine : il ne peut pas être téléchargé"
                        .to_owned()
                }
                ScanState::ScanError
                    if file.scan_attempts >= i64::from(state.config().scan_error_attempts) =>
                {
                    format!(
                        "l'analyse antivirus de ce fichier a échoué {} fois : il ne peut être ni téléchargé ni instruit ; \
                         déposez-le de nouveau",
                        file.scan_attempts
                    )
                }
                ScanState::ScanError => "l'analyse antivirus de ce fichier a échoué : elle sera retentée ; \
                     le fichier ne peut pas être téléchargé d'ici là"
                    .to_owned(),
                _ => {
                    "analyse antivirus en cours : le fichier sera disponible une fois déclaré sain"
                        .to_owned()
                }
            },
        )
        .with_details(serde_json::json!({ "scan_state": file.scan_state.as_str() })));
    }
    let size = u64::try_from(file.size).unwrap_or(0);
    let range = parse_range(
        headers.get(header::RANGE).and_then(|v| v.to_str().ok()),
        size,
    );
    let blobs = state.store().blobs();
    let org = tenant.organisation_id();
    let (status, body_range, length) = match range {
        RangeRequest::Unsatisfiable => {
            let mut resp = ApiError::new(
                ErrorCode::RangeNotSatisfiable,
                format!("plage d'octets hors du fichier ({size} octets)"),
            )
            .into_response();
            if let Ok(v) = HeaderValue::from_str(&format!("bytes */{size}")) {
                resp.headers_mut().insert(header::CONTENT_RANGE, v);
            }
            return Ok(resp);
        }
        RangeRequest::Full => (StatusCode::OK, None, size),
        RangeRequest::Part(a, b) => (StatusCode::PARTIAL_CONTENT, Some(a..b + 1), b + 1 - a),
    };
    let stream = blobs
        .get_stream(org, &file.sha256, body_range.clone())
        .await?;
    let mut resp = Response::new(Body::from_stream(stream));
    *resp.status_mut() = status;
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&file.media_type)
            .unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream")),
    );
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    // Already the final bytes: keeps the compression layer away (ranges must stay exact).
    h.insert(
        header::CONTENT_ENCODING,
        HeaderValue::from_static("identity"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-cache"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("\"{}\"", file.sha256)) {
        h.insert(header::ETAG, v);
    }
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("sandbox; default-src 'none'; img-src 'self'; media-src 'self'; object-src 'self'; style-src 'unsafe-inline'"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    let disposition = if media::inline(&file.media_type) {
        "inline"
    } else {
        "attachment"
    };
    h.insert(
        header::CONTENT_DISPOSITION,
        content_disposition(disposition, &file.original_name),
    );
    if let Some(r) = body_range
        && let Ok(v) = HeaderValue::from_str(&format!("bytes {}-{}/{size}", r.start, r.end - 1))
    {
        h.insert(header::CONTENT_RANGE, v);
    }
    Ok(resp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        use RangeRequest::*;
        assert_eq!(parse_range(None, 100), Full);
        assert_eq!(parse_range(Some("bytes=0-9"), 100), Part(0, 9));
        assert_eq!(parse_range(Some("bytes=90-"), 100), Part(90, 99));
        assert_eq!(parse_range(Some("bytes=-10"), 100), Part(90, 99));
        assert_eq!(parse_range(Some("bytes=50-500"), 100), Part(50, 99));
        assert_eq!(parse_range(Some("bytes=100-"), 100), Unsatisfiable);
        assert_eq!(parse_range(Some("bytes=0-1,5-6"), 100), Full);
        assert_eq!(parse_range(Some("bytes=9-1"), 100), Full);
        assert_eq!(parse_range(Some("items=0-1"), 100), Full);
    }

    #[test]
    fn dispositions_are_safe() {
        let v = content_disposition("attachment", "rapport \"final\"\r\n.pdf");
        let s = v.to_str().unwrap();
        assert!(
            s.starts_with("attachment; filename=\"rapport _final___.pdf\""),
            "{s}"
        );
        assert!(!s.contains('\r') && !s.contains('\n'));
        assert_eq!(size_label(5 << 30), "5 Gio");
        assert_eq!(size_label(1536), "1,5 Kio");
    }
}
