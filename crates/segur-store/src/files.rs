//! Proof files: content-addressed blobs of one organisation, their links to proof items (with
//! versions), their antivirus state, and resumable upload sessions.
//!
//! A file row is unique per (organisation, SHA-256): depositing the same content again, for the
//! same or another proof item, links the existing file instead of storing it twice. There is
//! no deduplication across organisations (it would reveal that another editor holds the file).

use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use segur_domain::catalogue::{ProofItemKey, RequirementId};

use crate::records::AuditEntry;
use crate::system::SystemStore;
use crate::tenant::TenantStore;
use crate::util::{now_rfc3339, stored};
use crate::{StoreError, audit};

/// Antivirus state of a file. Nothing is downloadable or reviewable until `Clean`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ScanState {
    Pending,
    Clean,
    Infected,
    ScanError,
}

impl ScanState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Clean => "clean",
            Self::Infected => "infected",
            Self::ScanError => "scan_error",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "pending" => Self::Pending,
            "clean" => Self::Clean,
            "infected" => Self::Infected,
            "scan_error" => Self::ScanError,
            _ => return None,
        })
    }

    /// French label for pages.
    pub fn label(self) -> &'static str {
        match self {
            Self::Pending => "analyse antivirus en attente",
            Self::Clean => "sain",
            Self::Infected => "infecté — mis en quarantaine",
            Self::ScanError => "erreur d'analyse antivirus",
        }
    }
}

/// One stored proof file of an organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProofFileRecord {
    pub id: String,
    pub organisation_id: String,
    pub sha256: String,
    pub size: i64,
    pub media_type: String,
    pub original_name: String,
    pub uploaded_at: String,
    pub effective_date: Option<String>,
    pub uploader_user_id: Option<String>,
    pub scan_state: ScanState,
    pub scan_detail: Option<String>,
    pub scanned_at: Option<String>,
    /// Antivirus attempts that ended in an error (`scan_error`), since the last deposit.
    pub scan_attempts: i64,
}

/// A file as deposited for one proof item, in one version of that item's deposit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LinkedFileRecord {
    pub candidature_id: String,
    pub key: ProofItemKey,
    pub version: i64,
    /// True for the item's latest version; older versions are read-only.
    pub current: bool,
    pub linked_at: String,
    pub linked_by: Option<String>,
    pub file: ProofFileRecord,
}

/// A resumable upload in progress.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UploadSessionRecord {
    pub id: String,
    pub organisation_id: String,
    pub candidature_id: String,
    pub key: ProofItemKey,
    pub file_name: String,
    pub declared_size: i64,
    pub effective_date: Option<String>,
    pub created_by: Option<String>,
    pub created_at: String,
}

/// What the caller declares when opening an upload.
#[derive(Debug, Clone)]
pub struct NewUpload {
    pub candidature_id: String,
    pub key: ProofItemKey,
    /// Original file name; sanitised here (see [`sanitize_file_name`]).
    pub file_name: String,
    pub declared_size: i64,
    pub effective_date: Option<jiff::civil::Date>,
}

/// What the server measured once every byte arrived.
#[derive(Debug, Clone)]
pub struct FileFacts {
    pub sha256: String,
    pub size: i64,
    pub media_type: String,
}

/// A cross-tenant row for the antivirus worker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingScan {
    pub organisation_id: String,
    pub file_id: String,
    pub sha256: String,
    pub size: i64,
}

/// Keeps the last path component of a client-supplied name, without control characters,
/// separators or leading dots; refuses a name with nothing left. `../../etc/passwd` becomes
/// `passwd`; `..` is refused.
pub fn sanitize_file_name(name: &str) -> Result<String, StoreError> {
    let last = name
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or_default()
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | '<' | '>' | '|' | '*' | '?' | ':'))
        .collect::<String>();
    let cleaned = last.trim().trim_start_matches('.').trim().to_owned();
    let cleaned: String = cleaned.chars().take(200).collect();
    if cleaned.is_empty() {
        return Err(StoreError::invalid(format!(
            "nom de fichier « {} » inutilisable : donnez un nom simple, sans chemin",
            name.chars()
                .filter(|c| !c.is_control())
                .take(80)
                .collect::<String>()
        )));
    }
    Ok(cleaned)
}

const FILE_COLUMNS: &str = "f.id, f.organisation_id, f.sha256, f.size, f.media_type, f.original_name, \
f.uploaded_at, f.effective_date, f.uploader_user_id, f.scan_state, f.scan_detail, f.scanned_at, f.scan_attempts";

fn file_from_row(r: &AnyRow) -> Result<ProofFileRecord, StoreError> {
    let state: String = r.try_get("scan_state")?;
    Ok(ProofFileRecord {
        id: r.try_get("id")?,
        organisation_id: r.try_get("organisation_id")?,
        sha256: r.try_get("sha256")?,
        size: r.try_get("size")?,
        media_type: r.try_get("media_type")?,
        original_name: r.try_get("original_name")?,
        uploaded_at: r.try_get("uploaded_at")?,
        effective_date: r.try_get("effective_date")?,
        uploader_user_id: r.try_get("uploader_user_id")?,
        scan_state: ScanState::parse(&state).ok_or_else(|| {
            StoreError::Other(format!("état d'analyse enregistré illisible : {state}"))
        })?,
        scan_detail: r.try_get("scan_detail")?,
        scanned_at: r.try_get("scanned_at")?,
        scan_attempts: r.try_get("scan_attempts")?,
    })
}

pub(crate) fn key_from_row(r: &AnyRow) -> Result<ProofItemKey, StoreError> {
    let req: String = r.try_get("requirement_id")?;
    let scenario: i64 = r.try_get("scenario")?;
    let proof: i64 = r.try_get("proof")?;
    Ok(ProofItemKey {
        requirement: stored(RequirementId::parse(&req))?,
        scenario: u16::try_from(scenario)
            .map_err(|_| StoreError::Other("scénario enregistré hors bornes".into()))?,
        proof: u16::try_from(proof)
            .map_err(|_| StoreError::Other("preuve enregistrée hors bornes".into()))?,
    })
}

/// The proof item of a row whose item columns may all be NULL.
pub(crate) fn optional_key_from_row(r: &AnyRow) -> Result<Option<ProofItemKey>, StoreError> {
    let req: Option<String> = r.try_get("requirement_id")?;
    if req.is_none() {
        return Ok(None);
    }
    key_from_row(r).map(Some)
}

fn session_from_row(r: &AnyRow) -> Result<UploadSessionRecord, StoreError> {
    Ok(UploadSessionRecord {
        id: r.try_get("id")?,
        organisation_id: r.try_get("organisation_id")?,
        candidature_id: r.try_get("candidature_id")?,
        key: key_from_row(r)?,
        file_name: r.try_get("file_name")?,
        declared_size: r.try_get("declared_size")?,
        effective_date: r.try_get("effective_date")?,
        created_by: r.try_get("created_by")?,
        created_at: r.try_get("created_at")?,
    })
}

pub(crate) fn check_sha256(sha: &str) -> Result<(), StoreError> {
    if sha.len() == 64
        && sha
            .chars()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
    {
        Ok(())
    } else {
        Err(StoreError::invalid("empreinte SHA-256 invalide"))
    }
}

const SESSION_COLUMNS: &str = "id, organisation_id, candidature_id, requirement_id, scenario, proof, \
file_name, declared_size, effective_date, created_by, created_at";

impl TenantStore {
    fn fill_audit(&self, audit: &AuditEntry, action: &str, object: String) -> AuditEntry {
        let mut entry = audit.clone();
        if entry.organisation_id.is_none() {
            entry.organisation_id = Some(self.organisation_id().to_owned());
        }
        if entry.action.is_empty() {
            entry.action = action.to_owned();
        }
        if entry.object.is_empty() {
            entry.object = object;
        }
        entry
    }

    /// Checks in `conn` that the candidature is this organisation's and that the proof item
    /// exists in its REM version.
    pub(crate) async fn check_item(
        &self,
        conn: &mut AnyConnection,
        candidature_id: &str,
        key: &ProofItemKey,
    ) -> Result<(), StoreError> {
        self.store().tick();
        let cand = sqlx::query(
            "SELECT dispositif, rem_version FROM candidatures WHERE id = $1 AND organisation_id = $2",
        )
        .bind(candidature_id)
        .bind(self.organisation_id())
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound)?;
        let dispositif: String = cand.try_get("dispositif")?;
        let rem_version: String = cand.try_get("rem_version")?;
        self.store().tick();
        let exists = sqlx::query(
            "SELECT position FROM proof_items WHERE dispositif = $1 AND rem_version = $2 AND requirement_id = $3 \
             AND scenario = $4 AND proof = $5",
        )
        .bind(&dispositif)
        .bind(&rem_version)
        .bind(key.requirement.as_str())
        .bind(i64::from(key.scenario))
        .bind(i64::from(key.proof))
        .fetch_optional(&mut *conn)
        .await?;
        if exists.is_none() {
            return Err(StoreError::invalid(format!(
                "la preuve {key} n'existe pas dans le REM {dispositif} version {rem_version}"
            )));
        }
        Ok(())
    }

    /// Opens a resumable upload for one proof item. The name is sanitised; the size must be
    /// positive (the caller enforces its maximum).
    pub async fn create_upload_session(
        &self,
        new: &NewUpload,
        audit: &AuditEntry,
    ) -> Result<UploadSessionRecord, StoreError> {
        let name = sanitize_file_name(&new.file_name)?;
        if new.declared_size <= 0 {
            return Err(StoreError::invalid(
                "fichier vide (0 octet) : rien à déposer",
            ));
        }
        let mut tx = self.store().begin_write().await?;
        let conn: &mut AnyConnection = &mut tx;
        self.check_item(conn, &new.candidature_id, &new.key).await?;
        let rec = UploadSessionRecord {
            id: uuid::Uuid::new_v4().simple().to_string(),
            organisation_id: self.organisation_id().to_owned(),
            candidature_id: new.candidature_id.clone(),
            key: new.key.clone(),
            file_name: name,
            declared_size: new.declared_size,
            effective_date: new.effective_date.map(|d| d.to_string()),
            created_by: audit.actor_user_id.clone(),
            created_at: now_rfc3339(),
        };
        self.store().tick();
        sqlx::query(
            "INSERT INTO upload_sessions (id, organisation_id, candidature_id, requirement_id, scenario, proof, \
             file_name, declared_size, effective_date, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(&rec.id)
        .bind(&rec.organisation_id)
        .bind(&rec.candidature_id)
        .bind(rec.key.requirement.as_str())
        .bind(i64::from(rec.key.scenario))
        .bind(i64::from(rec.key.proof))
        .bind(&rec.file_name)
        .bind(rec.declared_size)
        .bind(&rec.effective_date)
        .bind(&rec.created_by)
        .bind(&rec.created_at)
        .execute(&mut *conn)
        .await?;
        let entry = self.fill_audit(
            audit,
            "file.upload_start",
            format!(
                "candidature {} : {} ← « {} » ({} octets, envoi {})",
                rec.candidature_id, rec.key, rec.file_name, rec.declared_size, rec.id
            ),
        );
        audit::append(self.store(), conn, &entry).await?;
        tx.commit().await?;
        Ok(rec)
    }

    /// One of this organisation's upload sessions; `NotFound` for another's.
    pub async fn upload_session(&self, id: &str) -> Result<UploadSessionRecord, StoreError> {
        self.store().tick();
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {SESSION_COLUMNS} FROM upload_sessions WHERE id = $1 AND organisation_id = $2"
        )))
        .bind(id)
        .bind(self.organisation_id())
        .fetch_optional(self.store().pool())
        .await?
        .ok_or(StoreError::NotFound)?;
        session_from_row(&row)
    }

    /// Abandons an upload session (audited). The caller removes its temporary bytes.
    pub async fn delete_upload_session(
        &self,
        id: &str,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        let mut tx = self.store().begin_write().await?;
        let conn: &mut AnyConnection = &mut tx;
        self.store().tick();
        let done =
            sqlx::query("DELETE FROM upload_sessions WHERE id = $1 AND organisation_id = $2")
                .bind(id)
                .bind(self.organisation_id())
                .execute(&mut *conn)
                .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        let entry = self.fill_audit(audit, "file.upload_abort", format!("envoi {id} abandonné"));
        audit::append(self.store(), conn, &entry).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Turns a complete upload session into a proof file linked to its item, in one
    /// transaction with its audit event: the file row (reused when this organisation already
    /// holds the same content), the link in the item's current version, the item marked
    /// deposited, the session removed. The blob must already be stored under `facts.sha256`.
    pub async fn complete_upload(
        &self,
        session_id: &str,
        facts: &FileFacts,
        audit: &AuditEntry,
    ) -> Result<LinkedFileRecord, StoreError> {
        check_sha256(&facts.sha256)?;
        let mut tx = self.store().begin_write().await?;
        let conn: &mut AnyConnection = &mut tx;
        self.store().tick();
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {SESSION_COLUMNS} FROM upload_sessions WHERE id = $1 AND organisation_id = $2"
        )))
        .bind(session_id)
        .bind(self.organisation_id())
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound)?;
        let session = session_from_row(&row)?;
        if facts.size != session.declared_size {
            return Err(StoreError::invalid(format!(
                "taille reçue {} octets, {} annoncés",
                facts.size, session.declared_size
            )));
        }
        let file = self
            .upsert_file(
                conn,
                facts,
                &session.file_name,
                session.effective_date.as_deref(),
                session.created_by.as_deref(),
            )
            .await?;
        let linked = self
            .insert_link(
                conn,
                &session.candidature_id,
                &session.key,
                file,
                audit.actor_user_id.as_deref(),
            )
            .await?;
        self.store().tick();
        sqlx::query("DELETE FROM upload_sessions WHERE id = $1 AND organisation_id = $2")
            .bind(session_id)
            .bind(self.organisation_id())
            .execute(&mut *conn)
            .await?;
        let entry = self.fill_audit(
            audit,
            "file.deposit",
            format!(
                "candidature {} : {} ← fichier {} « {} » sha256 {} ({} octets), version {}",
                linked.candidature_id,
                linked.key,
                linked.file.id,
                linked.file.original_name,
                linked.file.sha256,
                linked.file.size,
                linked.version
            ),
        );
        audit::append(self.store(), conn, &entry).await?;
        tx.commit().await?;
        Ok(linked)
    }

    /// Links a file this organisation already holds to another proof item, without storing
    /// it again.
    pub async fn link_file(
        &self,
        candidature_id: &str,
        key: &ProofItemKey,
        file_id: &str,
        audit: &AuditEntry,
    ) -> Result<LinkedFileRecord, StoreError> {
        let mut tx = self.store().begin_write().await?;
        let conn: &mut AnyConnection = &mut tx;
        self.check_item(conn, candidature_id, key).await?;
        self.store().tick();
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {FILE_COLUMNS} FROM proof_files f WHERE f.id = $1 AND f.organisation_id = $2"
        )))
        .bind(file_id)
        .bind(self.organisation_id())
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound)?;
        let file = file_from_row(&row)?;
        let linked = self
            .insert_link(
                conn,
                candidature_id,
                key,
                file,
                audit.actor_user_id.as_deref(),
            )
            .await?;
        let entry = self.fill_audit(
            audit,
            "file.link",
            format!(
                "candidature {candidature_id} : {key} ← fichier existant {} sha256 {}, version {}",
                linked.file.id, linked.file.sha256, linked.version
            ),
        );
        audit::append(self.store(), conn, &entry).await?;
        tx.commit().await?;
        Ok(linked)
    }

    /// The file row of `facts` in this organisation (reused when the content is already
    /// known), in `conn`. Links nothing.
    pub(crate) async fn upsert_file(
        &self,
        conn: &mut AnyConnection,
        facts: &FileFacts,
        name: &str,
        effective_date: Option<&str>,
        uploader: Option<&str>,
    ) -> Result<ProofFileRecord, StoreError> {
        self.store().tick();
        sqlx::query(
            "INSERT INTO proof_files (id, organisation_id, sha256, size, media_type, original_name, uploaded_at, \
             effective_date, uploader_user_id, scan_state) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'pending') \
             ON CONFLICT (organisation_id, sha256) DO UPDATE SET scan_state = 'pending', scan_attempts = 0 \
             WHERE proof_files.scan_state = 'scan_error'",
        )
        .bind(uuid::Uuid::new_v4().simple().to_string())
        .bind(self.organisation_id())
        .bind(&facts.sha256)
        .bind(facts.size)
        .bind(&facts.media_type)
        .bind(name)
        .bind(now_rfc3339())
        .bind(effective_date)
        .bind(uploader)
        .execute(&mut *conn)
        .await?;
        self.file_by_sha256(conn, &facts.sha256).await
    }

    /// The organisation's file of that content, in the caller's transaction.
    pub(crate) async fn file_by_sha256(
        &self,
        conn: &mut AnyConnection,
        sha256: &str,
    ) -> Result<ProofFileRecord, StoreError> {
        self.store().tick();
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {FILE_COLUMNS} FROM proof_files f WHERE f.organisation_id = $1 AND f.sha256 = $2"
        )))
        .bind(self.organisation_id())
        .bind(sha256)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound)?;
        file_from_row(&row)
    }

    /// Adds the link in the item's current version: a new version when the item's deposit
    /// was sent back (complement requested, rejected), the current one otherwise. Marks the
    /// item deposited.
    pub(crate) async fn insert_link(
        &self,
        conn: &mut AnyConnection,
        candidature_id: &str,
        key: &ProofItemKey,
        file: ProofFileRecord,
        by: Option<&str>,
    ) -> Result<LinkedFileRecord, StoreError> {
        self.store().tick();
        let status: Option<String> = sqlx::query(
            "SELECT status FROM proof_deposits WHERE organisation_id = $1 AND candidature_id = $2 \
             AND requirement_id = $3 AND scenario = $4 AND proof = $5",
        )
        .bind(self.organisation_id())
        .bind(candidature_id)
        .bind(key.requirement.as_str())
        .bind(i64::from(key.scenario))
        .bind(i64::from(key.proof))
        .fetch_optional(&mut *conn)
        .await?
        .map(|r| r.try_get("status"))
        .transpose()?;
        if matches!(status.as_deref(), Some("validated" | "under_review")) {
            return Err(StoreError::Conflict(format!(
                "la preuve {key} est {} : son dépôt ne peut plus changer",
                if status.as_deref() == Some("validated") {
                    "validée"
                } else {
                    "en cours d'instruction"
                }
            )));
        }
        self.store().tick();
        let current: i64 = sqlx::query(
            "SELECT COALESCE(MAX(version), 0) AS v FROM proof_file_links WHERE organisation_id = $1 \
             AND candidature_id = $2 AND requirement_id = $3 AND scenario = $4 AND proof = $5",
        )
        .bind(self.organisation_id())
        .bind(candidature_id)
        .bind(key.requirement.as_str())
        .bind(i64::from(key.scenario))
        .bind(i64::from(key.proof))
        .fetch_one(&mut *conn)
        .await?
        .try_get("v")?;
        let reopened = matches!(status.as_deref(), Some("complement_requested" | "rejected"));
        let version = if current == 0 {
            1
        } else if reopened {
            current + 1
        } else {
            current
        };
        let linked_at = now_rfc3339();
        self.store().tick();
        let inserted = sqlx::query(
            "INSERT INTO proof_file_links (organisation_id, candidature_id, requirement_id, scenario, proof, version, \
             file_id, linked_at, linked_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
             ON CONFLICT (candidature_id, requirement_id, scenario, proof, version, file_id) DO NOTHING",
        )
        .bind(self.organisation_id())
        .bind(candidature_id)
        .bind(key.requirement.as_str())
        .bind(i64::from(key.scenario))
        .bind(i64::from(key.proof))
        .bind(version)
        .bind(&file.id)
        .bind(&linked_at)
        .bind(by)
        .execute(&mut *conn)
        .await?;
        if inserted.rows_affected() == 0 {
            return Err(StoreError::Conflict(format!(
                "ce fichier est déjà déposé pour la preuve {key} (version {version})"
            )));
        }
        let today = jiff::Timestamp::now()
            .to_zoned(segur_domain::calendar::paris())
            .date()
            .to_string();
        self.store().tick();
        sqlx::query(
            "INSERT INTO proof_deposits (organisation_id, candidature_id, requirement_id, scenario, proof, status, \
             deposited_on, position, updated_at) VALUES ($1, $2, $3, $4, $5, 'deposited', $6, \
             (SELECT COALESCE(MAX(position), -1) + 1 FROM proof_deposits WHERE candidature_id = $2), $7) \
             ON CONFLICT (candidature_id, requirement_id, scenario, proof) DO UPDATE SET \
             status = 'deposited', updated_at = excluded.updated_at, deposited_on = excluded.deposited_on",
        )
        .bind(self.organisation_id())
        .bind(candidature_id)
        .bind(key.requirement.as_str())
        .bind(i64::from(key.scenario))
        .bind(i64::from(key.proof))
        .bind(today)
        .bind(&linked_at)
        .execute(&mut *conn)
        .await?;
        crate::queue_stats::refresh(self.store(), conn, candidature_id).await?;
        Ok(LinkedFileRecord {
            candidature_id: candidature_id.to_owned(),
            key: key.clone(),
            version,
            current: true,
            linked_at,
            linked_by: by.map(str::to_owned),
            file,
        })
    }

    /// Every file deposited for a candidature, all versions, in REM item order then version.
    /// `current` marks each item's latest version.
    pub async fn list_candidature_files(
        &self,
        candidature_id: &str,
    ) -> Result<Vec<LinkedFileRecord>, StoreError> {
        self.store().tick();
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT l.candidature_id, l.requirement_id, l.scenario, l.proof, l.version, l.linked_at, l.linked_by, \
             (SELECT MAX(m.version) FROM proof_file_links m WHERE m.organisation_id = l.organisation_id \
              AND m.candidature_id = l.candidature_id AND m.requirement_id = l.requirement_id \
              AND m.scenario = l.scenario AND m.proof = l.proof) AS latest, {FILE_COLUMNS} \
             FROM proof_file_links l JOIN proof_files f ON f.id = l.file_id AND f.organisation_id = l.organisation_id \
             WHERE l.organisation_id = $1 AND l.candidature_id = $2 \
             ORDER BY l.requirement_id, l.scenario, l.proof, l.version, l.linked_at, f.id"
        )))
        .bind(self.organisation_id())
        .bind(candidature_id)
        .fetch_all(self.store().pool())
        .await?;
        rows.iter()
            .map(|r| {
                let version: i64 = r.try_get("version")?;
                let latest: i64 = r.try_get("latest")?;
                Ok(LinkedFileRecord {
                    candidature_id: r.try_get("candidature_id")?,
                    key: key_from_row(r)?,
                    version,
                    current: version == latest,
                    linked_at: r.try_get("linked_at")?,
                    linked_by: r.try_get("linked_by")?,
                    file: file_from_row(r)?,
                })
            })
            .collect()
    }

    /// The files of one proof item (all versions).
    pub async fn list_item_files(
        &self,
        candidature_id: &str,
        key: &ProofItemKey,
    ) -> Result<Vec<LinkedFileRecord>, StoreError> {
        let mut all = self.list_candidature_files(candidature_id).await?;
        all.retain(|l| &l.key == key);
        Ok(all)
    }

    /// One of this organisation's files; `NotFound` for another organisation's.
    pub async fn get_file(&self, file_id: &str) -> Result<ProofFileRecord, StoreError> {
        self.store().tick();
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {FILE_COLUMNS} FROM proof_files f WHERE f.id = $1 AND f.organisation_id = $2"
        )))
        .bind(file_id)
        .bind(self.organisation_id())
        .fetch_optional(self.store().pool())
        .await?
        .ok_or(StoreError::NotFound)?;
        file_from_row(&row)
    }

    /// The file if it is linked to this candidature (any version); `NotFound` otherwise.
    pub async fn get_candidature_file(
        &self,
        candidature_id: &str,
        file_id: &str,
    ) -> Result<ProofFileRecord, StoreError> {
        self.store().tick();
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {FILE_COLUMNS} FROM proof_files f WHERE f.id = $1 AND f.organisation_id = $2 AND EXISTS \
             (SELECT 1 FROM proof_file_links l WHERE l.file_id = f.id AND l.organisation_id = f.organisation_id \
              AND l.candidature_id = $3)"
        )))
        .bind(file_id)
        .bind(self.organisation_id())
        .bind(candidature_id)
        .fetch_optional(self.store().pool())
        .await?
        .ok_or(StoreError::NotFound)?;
        file_from_row(&row)
    }

    /// The file if it is linked to this candidature as a proof (any version) or attached to a
    /// message of its thread (e.g. a document sent by the ANS); `NotFound` otherwise. For
    /// downloads only: a message attachment is not a proof of any item.
    pub async fn get_readable_candidature_file(
        &self,
        candidature_id: &str,
        file_id: &str,
    ) -> Result<ProofFileRecord, StoreError> {
        self.store().tick();
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {FILE_COLUMNS} FROM proof_files f WHERE f.id = $1 AND f.organisation_id = $2 AND (EXISTS \
             (SELECT 1 FROM proof_file_links l WHERE l.file_id = f.id AND l.organisation_id = f.organisation_id \
              AND l.candidature_id = $3) OR EXISTS \
             (SELECT 1 FROM candidature_messages m WHERE m.file_id = f.id AND m.organisation_id = f.organisation_id \
              AND m.candidature_id = $3))"
        )))
        .bind(file_id)
        .bind(self.organisation_id())
        .bind(candidature_id)
        .fetch_optional(self.store().pool())
        .await?
        .ok_or(StoreError::NotFound)?;
        file_from_row(&row)
    }

    /// Records the antivirus verdict of a file, with its audit event.
    pub async fn record_scan_result(
        &self,
        file_id: &str,
        state: ScanState,
        detail: Option<&str>,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        let mut tx = self.store().begin_write().await?;
        let conn: &mut AnyConnection = &mut tx;
        self.store().tick();
        let done = sqlx::query(
            "UPDATE proof_files SET scan_state = $1, scan_detail = $2, scanned_at = $3, \
             scan_attempts = scan_attempts + CASE WHEN $1 = 'scan_error' THEN 1 ELSE 0 END \
             WHERE id = $4 AND organisation_id = $5",
        )
        .bind(state.as_str())
        .bind(detail)
        .bind(now_rfc3339())
        .bind(file_id)
        .bind(self.organisation_id())
        .execute(&mut *conn)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        let entry = self.fill_audit(
            audit,
            "file.scan",
            format!(
                "fichier {file_id} : {}{}",
                state.as_str(),
                detail.map(|d| format!(" ({d})")).unwrap_or_default()
            ),
        );
        audit::append(self.store(), conn, &entry).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// When the worker retries a file whose scan ended in an error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanErrorRetry {
    /// Attempts after which the error is final [server default: 3].
    pub max_attempts: i64,
    /// Only files last scanned before this instant (RFC 3339) are retried.
    pub scanned_before: String,
}

impl ScanErrorRetry {
    /// Every scan error retried at once, up to `max_attempts` (tests, `segur` commands).
    pub fn now(max_attempts: i64) -> Self {
        Self {
            max_attempts,
            scanned_before: "9999-12-31T23:59:59Z".into(),
        }
    }
}

impl SystemStore {
    /// Files waiting for the antivirus, oldest first, across organisations: for the scanning
    /// worker only. Pending files, and files whose scan ended in an error, retried while they
    /// have had fewer than `retry.max_attempts` attempts and the last one was before
    /// `retry.scanned_before` (so that one worker pass never spins on a file clamd cannot
    /// scan).
    pub async fn files_to_scan(
        &self,
        limit: i64,
        retry: &ScanErrorRetry,
    ) -> Result<Vec<PendingScan>, StoreError> {
        self.store().tick();
        let rows = sqlx::query(
            "SELECT organisation_id, id, sha256, size FROM proof_files \
             WHERE scan_state = 'pending' OR (scan_state = 'scan_error' AND scan_attempts < $1 \
             AND (scanned_at IS NULL OR scanned_at < $2)) ORDER BY uploaded_at, id LIMIT $3",
        )
        .bind(retry.max_attempts)
        .bind(&retry.scanned_before)
        .bind(limit)
        .fetch_all(self.store().pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(PendingScan {
                    organisation_id: r.try_get("organisation_id")?,
                    file_id: r.try_get("id")?,
                    sha256: r.try_get("sha256")?,
                    size: r.try_get("size")?,
                })
            })
            .collect()
    }

    /// Every upload session as (id, created_at): the start-up clean-up compares them with the
    /// temporary area.
    pub async fn upload_sessions(&self) -> Result<Vec<(String, String)>, StoreError> {
        self.store().tick();
        let rows = sqlx::query("SELECT id, created_at FROM upload_sessions ORDER BY created_at")
            .fetch_all(self.store().pool())
            .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("id")?, r.try_get("created_at")?)))
            .collect()
    }

    /// Removes upload sessions created before `before` (RFC 3339), each with an audit event;
    /// returns their ids so that the caller deletes their bytes.
    pub async fn expire_upload_sessions(&self, before: &str) -> Result<Vec<String>, StoreError> {
        let mut tx = self.store().begin_write().await?;
        let conn: &mut AnyConnection = &mut tx;
        self.store().tick();
        let rows = sqlx::query(
            "SELECT id, organisation_id FROM upload_sessions WHERE created_at < $1 ORDER BY created_at",
        )
        .bind(before)
        .fetch_all(&mut *conn)
        .await?;
        let mut ids = Vec::new();
        for r in &rows {
            let id: String = r.try_get("id")?;
            let org: String = r.try_get("organisation_id")?;
            self.store().tick();
            sqlx::query("DELETE FROM upload_sessions WHERE id = $1")
                .bind(&id)
                .execute(&mut *conn)
                .await?;
            let mut entry = AuditEntry::new(
                "file.upload_expire",
                format!("envoi {id} abandonné depuis le {before} : supprimé"),
            );
            entry.actor_role = Some("system".into());
            entry.organisation_id = Some(org);
            audit::append(self.store(), conn, &entry).await?;
            ids.push(id);
        }
        tx.commit().await?;
        Ok(ids)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_lose_their_path() {
        assert_eq!(sanitize_file_name("../../etc/passwd").unwrap(), "passwd");
        assert_eq!(
            sanitize_file_name("C:\\Users\\x\\capture.png").unwrap(),
            "capture.png"
        );
        assert_eq!(sanitize_file_name(".bashrc").unwrap(), "bashrc");
        assert_eq!(sanitize_file_name("a\u{0}b\nc.pdf").unwrap(), "abc.pdf");
        for bad in ["", "..", "../", "/", "...", "  "] {
            assert!(sanitize_file_name(bad).is_err(), "{bad:?}");
        }
    }
}
