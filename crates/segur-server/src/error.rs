//! One error type for the JSON API (stable codes) and one for HTML pages (readable French).
//!
//! Handlers return `Result<_, ApiError>` or `Result<_, PageError>`; store and extractor
//! failures convert into them once, here. Internal details are logged, never returned.

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::{StatusCode, Uri};
use axum::response::{Html, IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use segur_store::StoreError;

/// Stable, machine-readable error codes of the API. Never rename one: clients match on them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    NotFound,
    Unauthenticated,
    Forbidden,
    InvalidParameter,
    InvalidBody,
    Conflict,
    /// The input is well-formed but breaks a rule of the catalogue (details list them).
    RulesFailed,
    PayloadTooLarge,
    MethodNotAllowed,
    UnsupportedMediaType,
    Timeout,
    Unavailable,
    Internal,
    /// Proof files: more bytes than allowed or announced.
    FileTooLarge,
    /// Proof files: a 0-byte file.
    FileEmpty,
    /// Proof files: the content contradicts the extension.
    FileTypeMismatch,
    /// Proof files: a type not accepted (at all, or for this kind of proof).
    FileTypeNotAllowed,
    /// Proof files: a zip bomb, an encrypted or unreadable archive.
    ArchiveRefused,
    /// Proof files: the server's disk is full.
    StorageFull,
    /// Resumable upload: the client's offset is not the bytes received.
    UploadOffsetMismatch,
    /// Proof files: not downloadable before the antivirus said clean.
    FileNotClean,
    /// Download: the requested byte range is outside the file.
    RangeNotSatisfiable,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NotFound => "not_found",
            Self::Unauthenticated => "unauthenticated",
            Self::Forbidden => "forbidden",
            Self::InvalidParameter => "invalid_parameter",
            Self::InvalidBody => "invalid_body",
            Self::Conflict => "conflict",
            Self::RulesFailed => "rules_failed",
            Self::PayloadTooLarge => "payload_too_large",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::UnsupportedMediaType => "unsupported_media_type",
            Self::Timeout => "timeout",
            Self::Unavailable => "unavailable",
            Self::Internal => "internal_error",
            Self::FileTooLarge => "file_too_large",
            Self::FileEmpty => "file_empty",
            Self::FileTypeMismatch => "file_type_mismatch",
            Self::FileTypeNotAllowed => "file_type_not_allowed",
            Self::ArchiveRefused => "archive_refused",
            Self::StorageFull => "storage_full",
            Self::UploadOffsetMismatch => "upload_offset_mismatch",
            Self::FileNotClean => "file_not_clean",
            Self::RangeNotSatisfiable => "range_not_satisfiable",
        }
    }

    pub fn status(self) -> StatusCode {
        match self {
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::Unauthenticated => StatusCode::UNAUTHORIZED,
            Self::Forbidden => StatusCode::FORBIDDEN,
            Self::InvalidParameter => StatusCode::BAD_REQUEST,
            Self::InvalidBody => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Conflict => StatusCode::CONFLICT,
            Self::RulesFailed => StatusCode::UNPROCESSABLE_ENTITY,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Timeout => StatusCode::REQUEST_TIMEOUT,
            Self::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            Self::FileTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::FileEmpty => StatusCode::UNPROCESSABLE_ENTITY,
            Self::FileTypeMismatch | Self::FileTypeNotAllowed => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::ArchiveRefused => StatusCode::UNPROCESSABLE_ENTITY,
            Self::StorageFull => StatusCode::INSUFFICIENT_STORAGE,
            Self::UploadOffsetMismatch | Self::FileNotClean => StatusCode::CONFLICT,
            Self::RangeNotSatisfiable => StatusCode::RANGE_NOT_SATISFIABLE,
        }
    }
}

/// The JSON body of every API error.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// Stable code, e.g. `not_found`, `invalid_parameter`.
    #[schema(example = "not_found")]
    pub error: String,
    /// Human-readable explanation, in French.
    pub message: String,
    /// The input field at fault, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Structured reasons, when there are several (e.g. `issues` with JSON pointers and
    /// `diagnostics` with rule IDs for a refused payment request).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub details: Option<serde_json::Value>,
}

#[derive(Debug)]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    pub field: Option<String>,
    pub details: Option<serde_json::Value>,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            field: None,
            details: None,
        }
    }

    pub fn with_details(mut self, details: serde_json::Value) -> Self {
        self.details = Some(details);
        self
    }

    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(ErrorCode::NotFound, format!("{what} introuvable"))
    }

    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidParameter, message).with_field(field)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: self.code.as_str().to_owned(),
            message: self.message,
            field: self.field,
            details: self.details,
        };
        (self.code.status(), Json(body)).into_response()
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => Self::new(ErrorCode::NotFound, "ressource introuvable"),
            StoreError::Conflict(m) => Self::new(ErrorCode::Conflict, m),
            StoreError::Invalid(m) => Self::new(ErrorCode::InvalidBody, m),
            StoreError::Unavailable(m) => {
                tracing::error!(error = %m, "store unavailable");
                Self::new(ErrorCode::Unavailable, "service momentanément indisponible")
            }
            StoreError::Other(m) => {
                tracing::error!(error = %m, "store error");
                Self::new(ErrorCode::Internal, "erreur interne")
            }
        }
    }
}

impl From<QueryRejection> for ApiError {
    fn from(r: QueryRejection) -> Self {
        Self::new(
            ErrorCode::InvalidParameter,
            format!("paramètre de requête invalide : {}", r.body_text()),
        )
    }
}

impl From<PathRejection> for ApiError {
    fn from(r: PathRejection) -> Self {
        Self::new(
            ErrorCode::InvalidParameter,
            format!("chemin invalide : {}", r.body_text()),
        )
    }
}

impl From<JsonRejection> for ApiError {
    fn from(r: JsonRejection) -> Self {
        let code = match r {
            JsonRejection::BytesRejection(_) => ErrorCode::PayloadTooLarge,
            JsonRejection::MissingJsonContentType(_) | JsonRejection::JsonSyntaxError(_) => {
                ErrorCode::InvalidParameter
            }
            _ => ErrorCode::InvalidBody,
        };
        Self::new(code, format!("corps JSON invalide : {}", r.body_text()))
    }
}

/// An error shown as a French HTML page.
#[derive(Debug)]
pub struct PageError {
    pub status: StatusCode,
    pub title: String,
    pub message: String,
}

impl PageError {
    pub fn not_found() -> Self {
        Self {
            status: StatusCode::NOT_FOUND,
            title: "Page introuvable".into(),
            message: "La page demandée n'existe pas, ou vous n'y avez pas accès.".into(),
        }
    }

    pub fn forbidden() -> Self {
        Self {
            status: StatusCode::FORBIDDEN,
            title: "Accès refusé".into(),
            message: "Votre rôle ne permet pas d'accéder à cette page.".into(),
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            title: "Demande invalide".into(),
            message: message.into(),
        }
    }

    pub fn internal() -> Self {
        Self {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            title: "Erreur interne".into(),
            message: "Une erreur inattendue s'est produite. Réessayez dans quelques instants ; si elle persiste, contactez l'assistance.".into(),
        }
    }
}

impl From<StoreError> for PageError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => Self::not_found(),
            StoreError::Conflict(m) | StoreError::Invalid(m) => Self::bad_request(m),
            StoreError::Unavailable(m) => {
                tracing::error!(error = %m, "store unavailable");
                Self {
                    status: StatusCode::SERVICE_UNAVAILABLE,
                    title: "Service indisponible".into(),
                    message: "La base de données ne répond pas. Réessayez dans quelques instants."
                        .into(),
                }
            }
            StoreError::Other(m) => {
                tracing::error!(error = %m, "store error");
                Self::internal()
            }
        }
    }
}

impl From<ApiError> for PageError {
    fn from(e: ApiError) -> Self {
        match e.code {
            ErrorCode::NotFound => Self::not_found(),
            ErrorCode::Forbidden => Self::forbidden(),
            ErrorCode::Internal | ErrorCode::Unavailable => Self::internal(),
            _ => Self::bad_request(e.message),
        }
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let page = crate::pages::ErrorPage {
            layout: crate::pages::Layout::anonymous(&self.title),
            status: self.status.as_u16(),
            message: &self.message,
        };
        (self.status, crate::pages::render_html(&page)).into_response()
    }
}

/// Unknown route: JSON under `/api/`, a French page elsewhere.
pub async fn fallback(uri: Uri) -> Response {
    if uri.path().starts_with("/api/") {
        ApiError::new(ErrorCode::NotFound, "route inconnue").into_response()
    } else {
        PageError::not_found().into_response()
    }
}

/// Renders a response for a panic caught by the panic layer (the server never dies on input).
pub fn panic_response(path_is_api: bool) -> Response {
    if path_is_api {
        ApiError::new(ErrorCode::Internal, "erreur interne").into_response()
    } else {
        (StatusCode::INTERNAL_SERVER_ERROR, Html("<!doctype html><html lang=\"fr\"><title>Erreur interne</title><h1>Erreur interne</h1><p>Une erreur inattendue s'est produite.</p></html>")).into_response()
    }
}

/// Errors produced outside the handlers (CSRF refusal, body-size limit, timeout, unknown method,
/// axum's own extractor rejections on pages) come back as plain text. This middleware gives them
/// the same shape as every other error: JSON with a stable code under `/api/`, a French page
/// elsewhere. Responses already in the right shape pass through untouched.
pub async fn uniform_errors(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let is_api = request.uri().path().starts_with("/api/");
    let response = next.run(request).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let content_type = response
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let expected = if is_api {
        "application/json"
    } else {
        "text/html"
    };
    if content_type.starts_with(expected) {
        return response;
    }
    let (code, message) = match status {
        StatusCode::FORBIDDEN => (
            ErrorCode::Forbidden,
            "requête refusée : elle ne vient pas de ce site (protection contre la falsification de requête)",
        ),
        StatusCode::PAYLOAD_TOO_LARGE => (ErrorCode::PayloadTooLarge, "requête trop volumineuse"),
        StatusCode::REQUEST_TIMEOUT => (
            ErrorCode::Timeout,
            "la requête a pris trop de temps ; réessayez",
        ),
        StatusCode::METHOD_NOT_ALLOWED => (
            ErrorCode::MethodNotAllowed,
            "méthode HTTP non autorisée sur cette adresse",
        ),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => (
            ErrorCode::UnsupportedMediaType,
            "type de contenu non pris en charge",
        ),
        StatusCode::NOT_FOUND => (ErrorCode::NotFound, "ressource introuvable"),
        StatusCode::UNPROCESSABLE_ENTITY => {
            (ErrorCode::InvalidBody, "contenu de la requête invalide")
        }
        s if s.is_client_error() => (ErrorCode::InvalidParameter, "requête invalide"),
        StatusCode::SERVICE_UNAVAILABLE => {
            (ErrorCode::Unavailable, "service momentanément indisponible")
        }
        _ => (ErrorCode::Internal, "erreur interne"),
    };
    let (mut parts, _) = response.into_parts();
    parts.headers.remove(axum::http::header::CONTENT_TYPE);
    parts.headers.remove(axum::http::header::CONTENT_LENGTH);
    let replacement = if is_api {
        ApiError::new(code, message).into_response()
    } else {
        PageError {
            status,
            title: match status {
                StatusCode::FORBIDDEN => "Requête refusée".into(),
                StatusCode::NOT_FOUND => "Page introuvable".into(),
                s if s.is_client_error() => "Demande invalide".into(),
                _ => "Erreur interne".into(),
            },
            message: format!("{}.", capitalise(message)),
        }
        .into_response()
    };
    let (new_parts, body) = replacement.into_parts();
    for (name, value) in new_parts.headers.iter() {
        parts.headers.insert(name.clone(), value.clone());
    }
    Response::from_parts(parts, body)
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}
