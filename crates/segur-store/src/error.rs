//! The one error type of the store, with messages meant to be shown as they are.

use std::io;

/// Why a store operation failed.
///
/// Messages are French first and never contain secrets: database URLs are redacted with
/// [`redact_url`] before they reach a message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// The object does not exist, or belongs to another organisation (the two are not told apart).
    #[error("introuvable")]
    NotFound,
    /// A uniqueness constraint was hit (duplicate login, catalogue already loaded…).
    #[error("conflit : {0}")]
    Conflict(String),
    /// The input was refused before or by the database (unknown reference, malformed value…).
    #[error("donnée invalide : {0}")]
    Invalid(String),
    /// The database or the blob store cannot be reached, opened or written.
    #[error("{0}")]
    Unavailable(String),
    #[error("erreur de la base de données : {0}")]
    Other(String),
}

impl StoreError {
    pub(crate) fn invalid(msg: impl Into<String>) -> Self {
        Self::Invalid(msg.into())
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> Self {
        match &err {
            sqlx::Error::RowNotFound => StoreError::NotFound,
            sqlx::Error::Database(db) => {
                let msg = db.message().to_owned();
                match db.kind() {
                    sqlx::error::ErrorKind::UniqueViolation => {
                        StoreError::Conflict(format!("valeur déjà enregistrée ({msg})"))
                    }
                    sqlx::error::ErrorKind::ForeignKeyViolation => {
                        StoreError::Invalid(format!("référence inconnue ({msg})"))
                    }
                    sqlx::error::ErrorKind::NotNullViolation
                    | sqlx::error::ErrorKind::CheckViolation => StoreError::Invalid(msg),
                    _ => {
                        let lower = msg.to_lowercase();
                        if lower.contains("readonly") || lower.contains("read-only") {
                            StoreError::Unavailable(format!(
                                "impossible d'écrire dans la base : {msg}"
                            ))
                        } else if lower.contains("database is locked") || lower.contains("disk i/o")
                        {
                            StoreError::Unavailable(format!("base occupée ou inaccessible : {msg}"))
                        } else {
                            StoreError::Other(msg)
                        }
                    }
                }
            }
            sqlx::Error::Io(e) => {
                StoreError::Unavailable(format!("base de données injoignable : {}", io_reason(e)))
            }
            sqlx::Error::Tls(e) => {
                StoreError::Unavailable(format!("échec TLS vers la base de données : {e}"))
            }
            sqlx::Error::PoolTimedOut => StoreError::Unavailable(
                "base de données injoignable (délai de connexion dépassé)".into(),
            ),
            sqlx::Error::PoolClosed | sqlx::Error::WorkerCrashed => {
                StoreError::Unavailable("connexion à la base de données fermée".into())
            }
            sqlx::Error::Protocol(m) => {
                StoreError::Unavailable(format!("dialogue avec la base impossible : {m}"))
            }
            sqlx::Error::Configuration(m) => {
                StoreError::Invalid(format!("configuration de la base : {m}"))
            }
            sqlx::Error::Migrate(m) => StoreError::Other(format!("migration : {m}")),
            _ => StoreError::Other(err.to_string()),
        }
    }
}

impl From<object_store::Error> for StoreError {
    fn from(err: object_store::Error) -> Self {
        match err {
            object_store::Error::NotFound { .. } => StoreError::NotFound,
            object_store::Error::AlreadyExists { .. } => {
                StoreError::Conflict("objet déjà présent".into())
            }
            object_store::Error::PermissionDenied { .. }
            | object_store::Error::Unauthenticated { .. } => {
                StoreError::Unavailable(format!("stockage des fichiers : accès refusé ({err})"))
            }
            other => {
                StoreError::Unavailable(format!("stockage des fichiers indisponible : {other}"))
            }
        }
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(err: serde_json::Error) -> Self {
        StoreError::Other(format!("donnée enregistrée illisible : {err}"))
    }
}

impl From<segur_domain::ParseError> for StoreError {
    fn from(err: segur_domain::ParseError) -> Self {
        StoreError::Invalid(err.to_string())
    }
}

/// A plain French reason for an I/O error.
pub(crate) fn io_reason(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::PermissionDenied => "permission refusée".into(),
        io::ErrorKind::NotFound => "dossier introuvable".into(),
        io::ErrorKind::ConnectionRefused => "connexion refusée".into(),
        io::ErrorKind::TimedOut => "délai dépassé".into(),
        io::ErrorKind::ReadOnlyFilesystem => "système de fichiers en lecture seule".into(),
        io::ErrorKind::NotADirectory | io::ErrorKind::AlreadyExists => {
            "un élément du chemin n'est pas un dossier".into()
        }
        io::ErrorKind::StorageFull => "disque plein".into(),
        _ => e.to_string(),
    }
}

/// The URL with any password replaced by `***`, safe to print or log.
pub fn redact_url(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_owned();
    };
    let rest = &url[scheme_end + 3..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let Some(at) = authority.rfind('@') else {
        return url.to_owned();
    };
    let userinfo = &authority[..at];
    let Some(colon) = userinfo.find(':') else {
        return url.to_owned();
    };
    format!(
        "{}://{}:***{}",
        &url[..scheme_end],
        &userinfo[..colon],
        &rest[at..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_redacted_from_urls() {
        assert_eq!(
            redact_url("postgres://segur:s3cr3t@db.example:5432/segur?sslmode=require"),
            "postgres://segur:***@db.example:5432/segur?sslmode=require"
        );
        assert_eq!(
            redact_url("postgres://segur@db/segur"),
            "postgres://segur@db/segur"
        );
        assert_eq!(
            redact_url("sqlite://data/segur.db"),
            "sqlite://data/segur.db"
        );
        assert_eq!(
            redact_url("postgres://u:p@ss@h/db"),
            "postgres://u:***@h/db"
        );
    }
}
