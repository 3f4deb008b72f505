#![doc = include_str!("../README.md")]

mod audit;
mod blob;
mod error;
mod files;
mod financing;
mod identity;
mod instruction;
mod monitoring;
mod notify;
mod oidc;
mod queue_stats;
mod records;
mod register;
mod system;
mod tenant;
mod throttle;
mod timestamps;
mod tokens;
mod util;
mod webhooks;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use sqlx::any::AnyPoolOptions;
use sqlx::{AnyConnection, AnyPool};
use sqlx::{Connection, Executor};

pub use audit::{GENESIS_HASH, first_broken_link};
pub use blob::BlobStore;
pub use error::{StoreError, redact_url};
pub use files::{
    FileFacts, LinkedFileRecord, NewUpload, PendingScan, ProofFileRecord, ScanErrorRetry,
    ScanState, UploadSessionRecord, sanitize_file_name,
};
pub use financing::{AllFinancing, ClientImportSummary, FinancingTotal, PilotPv, RequestRecord};
pub use identity::{
    CodeCheck, ManagedAccount, RECOVERY_CODES, STAGED_SESSION_SECONDS, SecondFactorStatus,
    SessionStage, StagedSession, TOTP_STEP, new_totp_secret, totp_code_at, totp_url,
};
pub use instruction::{
    AttestationRecord, CandidatureDecisionRecord, MessageAttachment, MessageRecord, NewAttachment,
    OpenComplement, QueueCounts, QueueFilter, QueueRow, QueueSort, ReferralInput, ReviewRecord,
    Side,
};
pub use notify::{
    DeadlineSources, DigestBatch, DueEmail, EmailOutcome, EmailStatus, Inbox, NotificationRecord,
    REMINDER_KIND, candidature_link,
};
pub use oidc::{ClientOrder, EndedOidcSession, OidcPending, ProSession};
pub use records::*;
pub use system::{DUMMY_PASSWORD_HASH, MIN_PASSWORD_LEN, SystemStore, verify_password};
pub use tenant::TenantStore;
pub use tenant::collaboration::{AssignmentRecord, InternalNoteRecord};
pub use tenant::pentest::{NewPentestFormFile, PentestFormFileRecord};
pub use throttle::ThrottlePolicy;
pub use timestamps::{AuditTimestamp, DayHead};
pub use tokens::{
    API_TOKEN_PREFIX, ApiTokenRecord, CreatedApiToken, MAX_TOKEN_DAYS, NewApiToken, TokenScope,
    TokenUser, token_secret_digest,
};
pub use util::fold_for_search;
pub use webhooks::{
    AttemptOutcome, DeliveryRecord, DeliveryStatus, DueDelivery, WEBHOOK_SECRET_PREFIX,
    WebhookRecord, WebhookSecret,
};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Connection settings. The defaults suit the server; tests shorten the timeout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectOptions {
    pub max_connections: u32,
    /// How long to wait for the database, both at start and for each pooled connection.
    pub acquire_timeout: Duration,
}

impl Default for ConnectOptions {
    fn default() -> Self {
        Self {
            max_connections: 8,
            acquire_timeout: Duration::from_secs(5),
        }
    }
}

/// The database (SQLite or PostgreSQL, chosen by the URL) and the blob store.
///
/// Reach data through [`Store::system`] (catalogue, accounts, cross-tenant administration) or
/// [`Store::tenant`] (one organisation's candidatures and evidence, every query bound to it).
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

/// Proof items of REM versions by (dispositif, version).
type CatalogueCache = std::collections::HashMap<(String, String), Arc<Vec<tenant::CatalogueItem>>>;

struct Inner {
    pool: AnyPool,
    backend: Backend,
    blobs: BlobStore,
    queries: AtomicU64,
    url: String,
    /// Proof items of REM versions, by (dispositif, version). Catalogue rows change only when a
    /// REM is imported (published versions are immutable, REM-01), so the hot proof-item list
    /// reads them from memory and asks the database only for the candidature's deposits.
    catalogue: std::sync::RwLock<CatalogueCache>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("url", &self.inner.url)
            .field("backend", &self.inner.backend)
            .field("blobs", &self.inner.blobs)
            .finish()
    }
}

/// The SQLite file named by a `sqlite:` URL, or `None` for an in-memory database.
fn sqlite_path(url: &str) -> Option<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split(['?', '#']).next().unwrap_or_default();
    if path.is_empty() || path == ":memory:" {
        None
    } else {
        Some(PathBuf::from(path))
    }
}

fn backend_of(url: &str) -> Result<Backend, StoreError> {
    if url.starts_with("sqlite:") {
        Ok(Backend::Sqlite)
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Backend::Postgres)
    } else {
        Err(StoreError::invalid(format!(
            "URL de base de données « {} » non reconnue : sqlite://chemin/segur.db ou postgres://… attendu",
            redact_url(url)
        )))
    }
}

/// Creates the SQLite file if missing, so that a bad directory is reported in plain words
/// rather than as SQLite's "unable to open database file".
fn prepare_sqlite_file(path: &Path) -> Result<(), StoreError> {
    let fail = |e: std::io::Error| {
        StoreError::Unavailable(format!(
            "impossible d'ouvrir la base SQLite {} : {}",
            path.display(),
            error::io_reason(&e)
        ))
    };
    if let Some(dir) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(fail)?;
    }
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map(drop)
        .map_err(fail)
}

impl Store {
    /// Connects with the default options. Blobs go to a `blobs/` directory beside a SQLite
    /// file; with PostgreSQL or an in-memory SQLite they stay in memory, so a server should
    /// use [`Store::connect_with_blobs`] with its configured blob store.
    pub async fn connect(url: &str) -> Result<Store, StoreError> {
        let blobs = match sqlite_path(url) {
            Some(path) if backend_of(url)? == Backend::Sqlite => {
                // The database's own errors come first, in their words.
                prepare_sqlite_file(&path)?;
                let dir = path
                    .parent()
                    .filter(|p| !p.as_os_str().is_empty())
                    .unwrap_or(Path::new("."));
                BlobStore::local(&dir.join("blobs"))?
            }
            _ => {
                tracing::warn!(
                    "fichiers (blobs) conservés en mémoire : ils seront perdus à l'arrêt"
                );
                BlobStore::in_memory()
            }
        };
        Self::connect_with_blobs(url, blobs).await
    }

    pub async fn connect_with_blobs(url: &str, blobs: BlobStore) -> Result<Store, StoreError> {
        Self::connect_with_options(url, blobs, ConnectOptions::default()).await
    }

    /// `sqlite://path/to/segur.db` (created if missing; WAL, foreign keys on, busy timeout),
    /// `sqlite::memory:` or `postgres://…`.
    pub async fn connect_with_options(
        url: &str,
        blobs: BlobStore,
        options: ConnectOptions,
    ) -> Result<Store, StoreError> {
        sqlx::any::install_default_drivers();
        let backend = backend_of(url)?;
        let shown = redact_url(url);
        let sqlite_file = sqlite_path(url);
        if backend == Backend::Sqlite
            && let Some(path) = &sqlite_file
        {
            prepare_sqlite_file(path)?;
        }
        let where_ = match (&backend, &sqlite_file) {
            (Backend::Sqlite, Some(p)) => format!("la base SQLite {}", p.display()),
            (Backend::Sqlite, None) => "la base SQLite en mémoire".to_owned(),
            (Backend::Postgres, _) => format!("la base PostgreSQL {shown}"),
        };
        let unavailable = |e: sqlx::Error| match StoreError::from(e) {
            StoreError::Unavailable(m)
            | StoreError::Other(m)
            | StoreError::Invalid(m)
            | StoreError::Conflict(m) => {
                StoreError::Unavailable(format!("impossible d'ouvrir {where_} : {m}"))
            }
            StoreError::NotFound => {
                StoreError::Unavailable(format!("impossible d'ouvrir {where_}"))
            }
        };

        // One direct connection first: it fails fast with the real reason (the pool would
        // retry a refused connection until its timeout), and it switches SQLite to WAL once,
        // since that needs a lock the busy timeout cannot wait for.
        let mut first = tokio::time::timeout(options.acquire_timeout, AnyConnection::connect(url))
            .await
            .map_err(|_| {
                StoreError::Unavailable(format!(
                    "impossible d'ouvrir {where_} : délai de connexion dépassé"
                ))
            })?
            .map_err(unavailable)?;
        if backend == Backend::Sqlite && sqlite_file.is_some() {
            first
                .execute("PRAGMA journal_mode = WAL")
                .await
                .map_err(unavailable)?;
        }
        first.close().await.map_err(unavailable)?;

        let mut pool_options = AnyPoolOptions::new()
            .max_connections(options.max_connections.max(1))
            .acquire_timeout(options.acquire_timeout);
        if backend == Backend::Sqlite {
            pool_options = pool_options.after_connect(|conn, _meta| {
                Box::pin(async move {
                    // Reads through a memory map of the file (no read call per page, shared by
                    // the pool's connections through the OS cache) and a 16 MiB page cache per
                    // connection: the ANS's queue reads index pages of 50,000 candidatures.
                    conn.execute(
                        "PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000; PRAGMA synchronous = NORMAL; \
                         PRAGMA mmap_size = 268435456; PRAGMA cache_size = -16384",
                    )
                    .await?;
                    Ok(())
                })
            });
            if sqlite_file.is_none() {
                // An in-memory database lives as long as one of its connections.
                pool_options = pool_options
                    .max_connections(1)
                    .min_connections(1)
                    .idle_timeout(None)
                    .max_lifetime(None);
            }
        }
        let pool = pool_options.connect(url).await.map_err(unavailable)?;
        Ok(Store {
            inner: Arc::new(Inner {
                pool,
                backend,
                blobs,
                queries: AtomicU64::new(0),
                url: shown,
                catalogue: Default::default(),
            }),
        })
    }

    /// Applies the embedded migrations; running it again is a no-op.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        MIGRATOR.run(&self.inner.pool).await.map_err(|e| match e {
            sqlx::migrate::MigrateError::Execute(inner) => match StoreError::from(inner) {
                StoreError::Unavailable(m) => StoreError::Unavailable(m),
                other => StoreError::Other(format!("migration impossible : {other}")),
            },
            other => StoreError::Other(format!("migration impossible : {other}")),
        })
    }

    pub fn backend(&self) -> Backend {
        self.inner.backend
    }

    /// The database URL with its password redacted.
    pub fn url(&self) -> &str {
        &self.inner.url
    }

    /// The shared catalogue, accounts and cross-tenant administration.
    pub fn system(&self) -> SystemStore {
        SystemStore::new(self.clone())
    }

    /// One organisation's data; every query binds `organisation_id`.
    pub fn tenant(&self, organisation_id: &str) -> TenantStore {
        TenantStore::new(self.clone(), organisation_id)
    }

    pub fn blobs(&self) -> &BlobStore {
        &self.inner.blobs
    }

    /// Queries issued through the store since it was opened (N+1 tests compare deltas).
    pub fn query_count(&self) -> u64 {
        self.inner.queries.load(Ordering::Relaxed)
    }

    /// SQLite only: writes a consistent copy of the live database to `path` (`VACUUM INTO`),
    /// safe while the platform serves requests. `path` must not exist.
    pub async fn backup_sqlite_into(&self, path: &std::path::Path) -> Result<(), StoreError> {
        if self.backend() != Backend::Sqlite {
            return Err(StoreError::invalid(
                "copie intégrée réservée à SQLite : utilisez pg_dump pour PostgreSQL",
            ));
        }
        let target = path
            .to_str()
            .ok_or_else(|| StoreError::invalid(format!("chemin non UTF-8 : {}", path.display())))?;
        self.tick();
        sqlx::query("VACUUM INTO $1")
            .bind(target)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    pub async fn ping(&self) -> Result<(), StoreError> {
        self.tick();
        sqlx::query("SELECT 1").execute(&self.inner.pool).await?;
        Ok(())
    }

    /// Closes the pool; pending queries finish first.
    pub async fn close(&self) {
        self.inner.pool.close().await;
    }

    pub(crate) fn pool(&self) -> &AnyPool {
        &self.inner.pool
    }

    pub(crate) fn tick(&self) {
        self.inner.queries.fetch_add(1, Ordering::Relaxed);
    }

    /// The cached proof items of a REM version, if loaded.
    pub(crate) fn cached_catalogue(
        &self,
        dispositif: &str,
        version: &str,
    ) -> Option<Arc<Vec<tenant::CatalogueItem>>> {
        let cache = self
            .inner
            .catalogue
            .read()
            .unwrap_or_else(|e| e.into_inner());
        cache
            .get(&(dispositif.to_owned(), version.to_owned()))
            .cloned()
    }

    pub(crate) fn cache_catalogue(
        &self,
        dispositif: &str,
        version: &str,
        items: Arc<Vec<tenant::CatalogueItem>>,
    ) {
        let mut cache = self
            .inner
            .catalogue
            .write()
            .unwrap_or_else(|e| e.into_inner());
        cache.insert((dispositif.to_owned(), version.to_owned()), items);
    }

    /// Forgets every cached REM version. Any code that writes REM versions or proof items
    /// calls it after its transaction commits.
    pub(crate) fn invalidate_catalogue(&self) {
        self.inner
            .catalogue
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }

    /// A write transaction. SQLite takes the write lock at once (`BEGIN IMMEDIATE`) so that a
    /// transaction that reads before writing cannot fail on lock upgrade under concurrency.
    pub(crate) async fn begin_write(
        &self,
    ) -> Result<sqlx::Transaction<'static, sqlx::Any>, StoreError> {
        self.tick();
        let tx = match self.inner.backend {
            Backend::Sqlite => self.inner.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.inner.pool.begin().await?,
        };
        Ok(tx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_paths_are_read_from_urls() {
        assert_eq!(
            sqlite_path("sqlite://data/segur.db"),
            Some(PathBuf::from("data/segur.db"))
        );
        assert_eq!(
            sqlite_path("sqlite:///var/lib/segur.db?mode=rwc"),
            Some(PathBuf::from("/var/lib/segur.db"))
        );
        assert_eq!(sqlite_path("sqlite::memory:"), None);
        assert_eq!(sqlite_path("postgres://x/y"), None);
    }

    #[test]
    fn unknown_schemes_are_refused() {
        assert!(matches!(
            backend_of("mysql://x"),
            Err(StoreError::Invalid(_))
        ));
        assert_eq!(backend_of("postgresql://x").unwrap(), Backend::Postgres);
    }
}
