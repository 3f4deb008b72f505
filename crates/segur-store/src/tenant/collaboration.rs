//! Editor-side collaboration (`segur_domain::collaboration`): proof items assigned to a
//! colleague with a due date, "my work" across the organisation's candidatures, and internal
//! notes. The editor's own working data: every query binds the organisation, the assignee
//! must be an active user of that organisation, and the proof item must exist in the
//! candidature's REM version. The due date itself (LIF-05, at most D2) is checked by the
//! caller with the calendar in force, before anything is written.
//!
//! Audit events say *that* something changed (`collaboration.assign`, `collaboration.unassign`,
//! `collaboration.note`), never the note's text nor who was assigned: the ANS reads every
//! audit event, and internal notes are not for the ANS.

use jiff::civil::Date;
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use segur_domain::catalogue::{ProofItemKey, RequirementId};
use segur_domain::collaboration::InternalNote;
use segur_domain::proof::ProofStatus;

use super::{TenantStore, small};
use crate::files::key_from_row;
use crate::records::AuditEntry;
use crate::util::{now_rfc3339, parse_date, stored};
use crate::{StoreError, audit};

/// The current assignment of one proof item, with what a to-do list shows about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AssignmentRecord {
    pub candidature_id: String,
    pub candidature_title: String,
    pub dispositif: String,
    pub key: ProofItemKey,
    /// The item's chapter and proof text in the candidature's REM version (empty if the
    /// candidature moved to a version without this item).
    pub chapter: String,
    pub proof_text: String,
    /// The item's deposit status (`to_deposit` when nothing was recorded).
    pub status: ProofStatus,
    pub assignee_user_id: String,
    pub assignee_login: String,
    pub assignee_name: String,
    pub due_on: Date,
    pub assigned_by: Option<String>,
    pub assigned_at: String,
}

/// One internal note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InternalNoteRecord {
    pub id: String,
    pub candidature_id: String,
    /// The proof item the note is about, if any.
    pub item: Option<ProofItemKey>,
    pub author_user_id: Option<String>,
    /// The author's display name (empty if the account is gone).
    pub author_name: String,
    pub body: String,
    pub created_at: String,
}

const ASSIGNMENT_SELECT: &str = "SELECT a.candidature_id, c.title AS candidature_title, c.dispositif, \
     a.requirement_id, a.scenario, a.proof, a.assignee_user_id, u.login AS assignee_login, \
     u.display_name AS assignee_name, a.due_on, a.assigned_by, a.assigned_at, \
     pi.chapter, pi.proof_text, pi.position, d.status \
     FROM proof_assignments a \
     JOIN candidatures c ON c.id = a.candidature_id AND c.organisation_id = a.organisation_id \
     JOIN users u ON u.id = a.assignee_user_id \
     LEFT JOIN proof_items pi ON pi.dispositif = c.dispositif AND pi.rem_version = c.rem_version \
       AND pi.requirement_id = a.requirement_id AND pi.scenario = a.scenario AND pi.proof = a.proof \
     LEFT JOIN proof_deposits d ON d.candidature_id = a.candidature_id AND d.organisation_id = a.organisation_id \
       AND d.requirement_id = a.requirement_id AND d.scenario = a.scenario AND d.proof = a.proof \
     WHERE a.organisation_id = $1 ";

fn assignment_from_row(r: &AnyRow) -> Result<AssignmentRecord, StoreError> {
    Ok(AssignmentRecord {
        candidature_id: r.try_get("candidature_id")?,
        candidature_title: r.try_get("candidature_title")?,
        dispositif: r.try_get("dispositif")?,
        key: key_from_row(r)?,
        chapter: r
            .try_get::<Option<String>, _>("chapter")?
            .unwrap_or_default(),
        proof_text: r
            .try_get::<Option<String>, _>("proof_text")?
            .unwrap_or_default(),
        status: match r.try_get::<Option<String>, _>("status")? {
            Some(s) => stored(ProofStatus::parse(&s))?,
            None => ProofStatus::ToDeposit,
        },
        assignee_user_id: r.try_get("assignee_user_id")?,
        assignee_login: r.try_get("assignee_login")?,
        assignee_name: r.try_get("assignee_name")?,
        due_on: parse_date(&r.try_get::<String, _>("due_on")?)?,
        assigned_by: r.try_get("assigned_by")?,
        assigned_at: r.try_get("assigned_at")?,
    })
}

fn note_from_row(r: &AnyRow) -> Result<InternalNoteRecord, StoreError> {
    let item = match r.try_get::<Option<String>, _>("requirement_id")? {
        Some(req) => Some(ProofItemKey {
            requirement: stored(RequirementId::parse(&req))?,
            scenario: small(r.try_get::<Option<i64>, _>("scenario")?.unwrap_or(-1))?,
            proof: small(r.try_get::<Option<i64>, _>("proof")?.unwrap_or(-1))?,
        }),
        None => None,
    };
    Ok(InternalNoteRecord {
        id: r.try_get("id")?,
        candidature_id: r.try_get("candidature_id")?,
        item,
        author_user_id: r.try_get("author_user_id")?,
        author_name: r
            .try_get::<Option<String>, _>("author_name")?
            .unwrap_or_default(),
        body: r.try_get("body")?,
        created_at: r.try_get("created_at")?,
    })
}

impl TenantStore {
    /// The candidature's dispositif, after checking it is the organisation's (`NotFound`
    /// otherwise) and, when `key` is given, that the item exists in its REM version
    /// (`Invalid` otherwise).
    async fn check_candidature_item(
        &self,
        conn: &mut AnyConnection,
        candidature_id: &str,
        key: Option<&ProofItemKey>,
    ) -> Result<String, StoreError> {
        self.tick();
        let cand = sqlx::query(
            "SELECT dispositif, rem_version FROM candidatures WHERE id = $1 AND organisation_id = $2",
        )
        .bind(candidature_id)
        .bind(&self.organisation_id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound)?;
        let dispositif: String = cand.try_get("dispositif")?;
        let rem_version: String = cand.try_get("rem_version")?;
        if let Some(key) = key {
            self.tick();
            let exists = sqlx::query(
                "SELECT position FROM proof_items WHERE dispositif = $1 AND rem_version = $2 \
                 AND requirement_id = $3 AND scenario = $4 AND proof = $5",
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
        }
        Ok(dispositif)
    }

    /// Assigns one proof item of a candidature to a colleague, due on `due_on`, replacing the
    /// current assignment if any; one transaction with its audit event. `NotFound` for a
    /// candidature of another organisation; `Invalid` for an item absent from the
    /// candidature's REM version or an assignee who is not an active user of the organisation.
    /// The caller has checked `due_on` against D2 (LIF-05).
    pub async fn assign_proof_item(
        &self,
        candidature_id: &str,
        key: &ProofItemKey,
        assignee_user_id: &str,
        due_on: Date,
        audit_entry: &AuditEntry,
    ) -> Result<AssignmentRecord, StoreError> {
        let mut tx = self.store.begin_write().await?;
        let conn: &mut AnyConnection = &mut tx;
        self.check_candidature_item(conn, candidature_id, Some(key))
            .await?;
        self.tick();
        let assignee = sqlx::query(
            "SELECT id FROM users WHERE id = $1 AND organisation_id = $2 AND active = 1",
        )
        .bind(assignee_user_id)
        .bind(&self.organisation_id)
        .fetch_optional(&mut *conn)
        .await?;
        if assignee.is_none() {
            return Err(StoreError::invalid(
                "la personne désignée n'est pas un compte actif de votre organisation",
            ));
        }
        self.tick();
        sqlx::query(
            "INSERT INTO proof_assignments (organisation_id, candidature_id, requirement_id, scenario, proof, \
             assignee_user_id, due_on, assigned_by, assigned_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
             ON CONFLICT (candidature_id, requirement_id, scenario, proof) DO UPDATE SET \
             assignee_user_id = excluded.assignee_user_id, due_on = excluded.due_on, \
             assigned_by = excluded.assigned_by, assigned_at = excluded.assigned_at",
        )
        .bind(&self.organisation_id)
        .bind(candidature_id)
        .bind(key.requirement.as_str())
        .bind(i64::from(key.scenario))
        .bind(i64::from(key.proof))
        .bind(assignee_user_id)
        .bind(due_on.to_string())
        .bind(&audit_entry.actor_user_id)
        .bind(now_rfc3339())
        .execute(&mut *conn)
        .await?;
        let mut entry = audit_entry.clone();
        entry
            .organisation_id
            .get_or_insert_with(|| self.organisation_id.clone());
        entry.action = "collaboration.assign".into();
        entry.object = format!("candidature {candidature_id} : attribution interne d'une preuve");
        audit::append(&self.store, conn, &entry).await?;
        self.tick();
        tx.commit().await?;
        self.assignment(candidature_id, key)
            .await?
            .ok_or_else(|| StoreError::Other("attribution enregistrée introuvable".into()))
    }

    /// Removes the assignment of one proof item; one transaction with its audit event when
    /// there was one. Returns whether there was one (removing twice is not an error).
    pub async fn unassign_proof_item(
        &self,
        candidature_id: &str,
        key: &ProofItemKey,
        audit_entry: &AuditEntry,
    ) -> Result<bool, StoreError> {
        let mut tx = self.store.begin_write().await?;
        let conn: &mut AnyConnection = &mut tx;
        self.check_candidature_item(conn, candidature_id, None)
            .await?;
        self.tick();
        let removed = sqlx::query(
            "DELETE FROM proof_assignments WHERE organisation_id = $1 AND candidature_id = $2 \
             AND requirement_id = $3 AND scenario = $4 AND proof = $5",
        )
        .bind(&self.organisation_id)
        .bind(candidature_id)
        .bind(key.requirement.as_str())
        .bind(i64::from(key.scenario))
        .bind(i64::from(key.proof))
        .execute(&mut *conn)
        .await?
        .rows_affected()
            > 0;
        if removed {
            let mut entry = audit_entry.clone();
            entry
                .organisation_id
                .get_or_insert_with(|| self.organisation_id.clone());
            entry.action = "collaboration.unassign".into();
            entry.object = format!("candidature {candidature_id} : fin d'une attribution interne");
            audit::append(&self.store, conn, &entry).await?;
        }
        self.tick();
        tx.commit().await?;
        Ok(removed)
    }

    /// The current assignment of one proof item, if any.
    pub async fn assignment(
        &self,
        candidature_id: &str,
        key: &ProofItemKey,
    ) -> Result<Option<AssignmentRecord>, StoreError> {
        self.tick();
        let sql = sqlx::AssertSqlSafe(format!(
            "{ASSIGNMENT_SELECT}AND a.candidature_id = $2 AND a.requirement_id = $3 \
             AND a.scenario = $4 AND a.proof = $5"
        ));
        let row = sqlx::query(sql)
            .bind(&self.organisation_id)
            .bind(candidature_id)
            .bind(key.requirement.as_str())
            .bind(i64::from(key.scenario))
            .bind(i64::from(key.proof))
            .fetch_optional(self.store.pool())
            .await?;
        row.as_ref().map(assignment_from_row).transpose()
    }

    /// Every assignment of a candidature, in REM order.
    pub async fn list_assignments(
        &self,
        candidature_id: &str,
    ) -> Result<Vec<AssignmentRecord>, StoreError> {
        self.tick();
        let sql = sqlx::AssertSqlSafe(format!(
            "{ASSIGNMENT_SELECT}AND a.candidature_id = $2 \
             ORDER BY pi.position, a.requirement_id, a.scenario, a.proof"
        ));
        let rows = sqlx::query(sql)
            .bind(&self.organisation_id)
            .bind(candidature_id)
            .fetch_all(self.store.pool())
            .await?;
        rows.iter().map(assignment_from_row).collect()
    }

    /// "My work": the items assigned to `user_id` across the organisation's candidatures,
    /// soonest due first (then candidature and REM order). One query.
    pub async fn my_work(&self, user_id: &str) -> Result<Vec<AssignmentRecord>, StoreError> {
        self.tick();
        let sql = sqlx::AssertSqlSafe(format!(
            "{ASSIGNMENT_SELECT}AND a.assignee_user_id = $2 \
             ORDER BY a.due_on, c.position, a.candidature_id, pi.position, a.requirement_id, a.scenario, a.proof"
        ));
        let rows = sqlx::query(sql)
            .bind(&self.organisation_id)
            .bind(user_id)
            .fetch_all(self.store.pool())
            .await?;
        rows.iter().map(assignment_from_row).collect()
    }

    /// Adds an internal note to a candidature, optionally about one of its proof items (which
    /// must exist in its REM version); one transaction with its audit event, which does not
    /// carry the text.
    pub async fn add_internal_note(
        &self,
        candidature_id: &str,
        item: Option<&ProofItemKey>,
        body: &InternalNote,
        audit_entry: &AuditEntry,
    ) -> Result<InternalNoteRecord, StoreError> {
        let mut tx = self.store.begin_write().await?;
        let conn: &mut AnyConnection = &mut tx;
        self.check_candidature_item(conn, candidature_id, item)
            .await?;
        let id = uuid::Uuid::now_v7().to_string();
        self.tick();
        sqlx::query(
            "INSERT INTO internal_notes (id, organisation_id, candidature_id, requirement_id, scenario, proof, \
             author_user_id, body, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(&id)
        .bind(&self.organisation_id)
        .bind(candidature_id)
        .bind(item.map(|k| k.requirement.as_str().to_owned()))
        .bind(item.map(|k| i64::from(k.scenario)))
        .bind(item.map(|k| i64::from(k.proof)))
        .bind(&audit_entry.actor_user_id)
        .bind(body.as_str())
        .bind(now_rfc3339())
        .execute(&mut *conn)
        .await?;
        let mut entry = audit_entry.clone();
        entry
            .organisation_id
            .get_or_insert_with(|| self.organisation_id.clone());
        entry.action = "collaboration.note".into();
        entry.object = format!("candidature {candidature_id} : note interne {id}");
        audit::append(&self.store, conn, &entry).await?;
        self.tick();
        tx.commit().await?;
        self.list_internal_notes(candidature_id)
            .await?
            .into_iter()
            .find(|n| n.id == id)
            .ok_or_else(|| StoreError::Other("note enregistrée introuvable".into()))
    }

    /// The internal notes of a candidature, oldest first (a thread). `NotFound` for another
    /// organisation's candidature.
    pub async fn list_internal_notes(
        &self,
        candidature_id: &str,
    ) -> Result<Vec<InternalNoteRecord>, StoreError> {
        self.tick();
        sqlx::query("SELECT id FROM candidatures WHERE id = $1 AND organisation_id = $2")
            .bind(candidature_id)
            .bind(&self.organisation_id)
            .fetch_optional(self.store.pool())
            .await?
            .ok_or(StoreError::NotFound)?;
        self.tick();
        let rows = sqlx::query(
            "SELECT n.id, n.candidature_id, n.requirement_id, n.scenario, n.proof, n.author_user_id, \
             u.display_name AS author_name, n.body, n.created_at FROM internal_notes n \
             LEFT JOIN users u ON u.id = n.author_user_id \
             WHERE n.organisation_id = $1 AND n.candidature_id = $2 ORDER BY n.created_at, n.id",
        )
        .bind(&self.organisation_id)
        .bind(candidature_id)
        .fetch_all(self.store.pool())
        .await?;
        rows.iter().map(note_from_row).collect()
    }
}
