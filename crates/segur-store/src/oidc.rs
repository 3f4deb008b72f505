//! OpenID Connect sign-in records: pending authorization requests (single use), identities
//! linked to local accounts, the ID token of sessions opened through a provider (for
//! RP-initiated logout), and the sessions of health professionals (Pro Santé Connect), who have
//! no local account. See docs/oidc.md.

use rand::Rng;
use sha2::{Digest, Sha256};
use sqlx::{AnyConnection, Row};

use crate::records::{AuditEntry, UserRecord};
use crate::system::{USER_COLUMNS, user_from_row};
use crate::util::{now_rfc3339, now_unix};
use crate::{StoreError, SystemStore, audit};

fn digest(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// What the callback of an authorization request needs back. Secrets: kept server-side only.
#[derive(Clone, PartialEq, Eq)]
pub struct OidcPending {
    pub provider: String,
    pub nonce: String,
    pub pkce_verifier: String,
    /// Where to go after sign-in (a same-site path).
    pub next_path: String,
}

impl std::fmt::Debug for OidcPending {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OidcPending")
            .field("provider", &self.provider)
            .field("nonce", &"[redacted]")
            .field("pkce_verifier", &"[redacted]")
            .field("next_path", &self.next_path)
            .finish()
    }
}

/// A health professional's session (no local account).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProSession {
    pub provider: String,
    /// The professional identifier (e.g. the RPPS/ADELI national identifier from `SubjectNameID`).
    pub subject: String,
    pub display_name: String,
    pub created_at: i64,
    pub expires_at: i64,
}

/// The provider and ID token of a session opened through a provider, when it ends.
#[derive(Clone, PartialEq, Eq)]
pub struct EndedOidcSession {
    pub provider: String,
    pub id_token: String,
}

impl std::fmt::Debug for EndedOidcSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EndedOidcSession")
            .field("provider", &self.provider)
            .field("id_token", &"[redacted]")
            .finish()
    }
}

impl SystemStore {
    /// Remembers an authorization request under its `state` for `ttl_seconds`; expired ones are
    /// purged on the way.
    pub async fn oidc_begin(
        &self,
        state: &str,
        pending: &OidcPending,
        ttl_seconds: i64,
    ) -> Result<(), StoreError> {
        let now = now_unix();
        let store = self.store();
        store.tick();
        sqlx::query("DELETE FROM oidc_pending WHERE expires_at <= $1")
            .bind(now)
            .execute(store.pool())
            .await?;
        store.tick();
        sqlx::query(
            "INSERT INTO oidc_pending (state_sha256, provider, nonce, pkce_verifier, next_path, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(digest(state))
        .bind(&pending.provider)
        .bind(&pending.nonce)
        .bind(&pending.pkce_verifier)
        .bind(&pending.next_path)
        .bind(now.saturating_add(ttl_seconds))
        .execute(store.pool())
        .await?;
        Ok(())
    }

    /// Takes (deletes and returns) the authorization request of `state`: a second call with the
    /// same state finds nothing. `None` when unknown or expired.
    pub async fn oidc_take_pending(&self, state: &str) -> Result<Option<OidcPending>, StoreError> {
        let store = self.store();
        store.tick();
        let row = sqlx::query(
            "DELETE FROM oidc_pending WHERE state_sha256 = $1 \
             RETURNING provider, nonce, pkce_verifier, next_path, expires_at",
        )
        .bind(digest(state))
        .fetch_optional(store.pool())
        .await?;
        let Some(row) = row else { return Ok(None) };
        let expires_at: i64 = row.try_get("expires_at")?;
        if expires_at <= now_unix() {
            return Ok(None);
        }
        Ok(Some(OidcPending {
            provider: row.try_get("provider")?,
            nonce: row.try_get("nonce")?,
            pkce_verifier: row.try_get("pkce_verifier")?,
            next_path: row.try_get("next_path")?,
        }))
    }

    /// The local account linked to `subject` at `provider`, if any.
    pub async fn oidc_identity_user(
        &self,
        provider: &str,
        subject: &str,
    ) -> Result<Option<UserRecord>, StoreError> {
        let store = self.store();
        store.tick();
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {USER_COLUMNS} FROM oidc_identities i JOIN users u ON u.id = i.user_id \
             JOIN organisations o ON o.id = u.organisation_id \
             WHERE i.provider = $1 AND i.subject = $2 AND u.active = 1"
        ));
        let row = sqlx::query(sql)
            .bind(provider)
            .bind(subject)
            .fetch_optional(store.pool())
            .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    /// Links `subject` at `provider` to the account `user_id` (audited `account.oidc_link`, in
    /// the same transaction). A subject already linked is a conflict.
    pub async fn link_oidc_identity(
        &self,
        provider: &str,
        subject: &str,
        user_id: &str,
        audit_entry: &AuditEntry,
    ) -> Result<(), StoreError> {
        if provider.trim().is_empty() || subject.trim().is_empty() || subject.len() > 256 {
            return Err(StoreError::invalid(
                "fournisseur et identifiant requis (256 caractères au plus)",
            ));
        }
        let store = self.store();
        let mut tx = store.begin_write().await?;
        let conn: &mut AnyConnection = &mut tx;
        store.tick();
        let user = sqlx::query("SELECT login FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or_else(|| StoreError::invalid(format!("utilisateur « {user_id} » inconnu")))?;
        let login: String = user.try_get("login")?;
        store.tick();
        let taken =
            sqlx::query("SELECT user_id FROM oidc_identities WHERE provider = $1 AND subject = $2")
                .bind(provider)
                .bind(subject)
                .fetch_optional(&mut *conn)
                .await?;
        if taken.is_some() {
            return Err(StoreError::Conflict(format!(
                "l'identité « {subject} » de « {provider} » est déjà liée à un compte"
            )));
        }
        store.tick();
        sqlx::query(
            "INSERT INTO oidc_identities (provider, subject, user_id, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(provider)
        .bind(subject)
        .bind(user_id)
        .bind(now_rfc3339())
        .execute(&mut *conn)
        .await?;
        let mut entry = audit_entry.clone();
        entry.action = "account.oidc_link".into();
        entry.object = format!("identité {subject} de {provider} liée au compte {login}");
        audit::append(store, conn, &entry).await?;
        store.tick();
        tx.commit().await?;
        Ok(())
    }

    /// Records a sign-in through `provider` on the session `session_token` (created just before
    /// by [`SystemStore::create_session`]): keeps the ID token for RP-initiated logout, stamps
    /// the identity and writes the `auth.oidc.sign_in` event, in one transaction.
    pub async fn oidc_record_sign_in(
        &self,
        session_token: &str,
        provider: &str,
        subject: &str,
        id_token: &str,
        expires_at: i64,
        audit_entry: &AuditEntry,
    ) -> Result<(), StoreError> {
        let store = self.store();
        let mut tx = store.begin_write().await?;
        let conn: &mut AnyConnection = &mut tx;
        store.tick();
        sqlx::query(
            "INSERT INTO oidc_sessions (session_sha256, provider, id_token, expires_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(digest(session_token))
        .bind(provider)
        .bind(id_token)
        .bind(expires_at)
        .execute(&mut *conn)
        .await?;
        store.tick();
        sqlx::query(
            "UPDATE oidc_identities SET last_login_at = $1 WHERE provider = $2 AND subject = $3",
        )
        .bind(now_rfc3339())
        .bind(provider)
        .bind(subject)
        .execute(&mut *conn)
        .await?;
        let mut entry = audit_entry.clone();
        entry.action = "auth.oidc.sign_in".into();
        if entry.object.is_empty() {
            entry.object = format!("connexion par {provider}");
        }
        audit::append(store, conn, &entry).await?;
        store.tick();
        tx.commit().await?;
        Ok(())
    }

    /// Forgets the provider record of a session (at logout) and returns it, if the session was
    /// opened through a provider.
    pub async fn oidc_end_session(
        &self,
        session_token: &str,
    ) -> Result<Option<EndedOidcSession>, StoreError> {
        let store = self.store();
        store.tick();
        let row = sqlx::query(
            "DELETE FROM oidc_sessions WHERE session_sha256 = $1 RETURNING provider, id_token",
        )
        .bind(digest(session_token))
        .fetch_optional(store.pool())
        .await?;
        row.map(|r| {
            Ok(EndedOidcSession {
                provider: r.try_get("provider")?,
                id_token: r.try_get("id_token")?,
            })
        })
        .transpose()
    }

    /// Writes one audit event on its own (a refused sign-in: nothing else changes).
    pub async fn audit_event(&self, entry: &AuditEntry) -> Result<(), StoreError> {
        let store = self.store();
        let mut tx = store.begin_write().await?;
        let conn: &mut AnyConnection = &mut tx;
        audit::append(store, conn, entry).await?;
        store.tick();
        tx.commit().await?;
        Ok(())
    }

    /// Opens a health professional's session; returns the opaque token for the cookie (only its
    /// SHA-256 is stored). The `auth.oidc.professional_sign_in` event is written in the same
    /// transaction.
    pub async fn create_pro_session(
        &self,
        provider: &str,
        subject: &str,
        display_name: &str,
        id_token: &str,
        ttl_seconds: i64,
        audit_entry: &AuditEntry,
    ) -> Result<String, StoreError> {
        let token = random_token();
        let now = now_unix();
        let store = self.store();
        let mut tx = store.begin_write().await?;
        let conn: &mut AnyConnection = &mut tx;
        store.tick();
        sqlx::query("DELETE FROM pro_sessions WHERE expires_at <= $1")
            .bind(now)
            .execute(&mut *conn)
            .await?;
        store.tick();
        sqlx::query(
            "INSERT INTO pro_sessions (token_sha256, provider, subject, display_name, id_token, created_at, expires_at, last_seen_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $6)",
        )
        .bind(digest(&token))
        .bind(provider)
        .bind(subject)
        .bind(display_name)
        .bind(id_token)
        .bind(now)
        .bind(now.saturating_add(ttl_seconds))
        .execute(&mut *conn)
        .await?;
        let mut entry = audit_entry.clone();
        entry.action = "auth.oidc.professional_sign_in".into();
        entry.object = format!("professionnel de santé {subject} ({provider})");
        audit::append(store, conn, &entry).await?;
        store.tick();
        tx.commit().await?;
        Ok(token)
    }

    /// The professional of a live session: before its absolute expiry and seen within the last
    /// `idle_seconds`. Marks it seen, at most once a minute.
    pub async fn pro_session(
        &self,
        token: &str,
        idle_seconds: i64,
    ) -> Result<Option<ProSession>, StoreError> {
        let now = now_unix();
        let d = digest(token);
        let store = self.store();
        store.tick();
        let row = sqlx::query(
            "SELECT provider, subject, display_name, created_at, expires_at, last_seen_at \
             FROM pro_sessions WHERE token_sha256 = $1 AND expires_at > $2 AND last_seen_at > $3",
        )
        .bind(&d)
        .bind(now)
        .bind(now.saturating_sub(idle_seconds))
        .fetch_optional(store.pool())
        .await?;
        let Some(row) = row else { return Ok(None) };
        let seen: i64 = row.try_get("last_seen_at")?;
        if seen < now - 60 {
            store.tick();
            sqlx::query("UPDATE pro_sessions SET last_seen_at = $1 WHERE token_sha256 = $2")
                .bind(now)
                .bind(&d)
                .execute(store.pool())
                .await?;
        }
        Ok(Some(ProSession {
            provider: row.try_get("provider")?,
            subject: row.try_get("subject")?,
            display_name: row.try_get("display_name")?,
            created_at: row.try_get("created_at")?,
            expires_at: row.try_get("expires_at")?,
        }))
    }

    /// Ends a professional's session; returns its provider and ID token (for RP-initiated
    /// logout) if it existed.
    pub async fn delete_pro_session(
        &self,
        token: &str,
    ) -> Result<Option<EndedOidcSession>, StoreError> {
        let store = self.store();
        store.tick();
        let row = sqlx::query(
            "DELETE FROM pro_sessions WHERE token_sha256 = $1 RETURNING provider, id_token",
        )
        .bind(digest(token))
        .fetch_optional(store.pool())
        .await?;
        row.map(|r| {
            Ok(EndedOidcSession {
                provider: r.try_get("provider")?,
                id_token: r.try_get("id_token")?,
            })
        })
        .transpose()
    }

    /// Financing orders (bons de commande) whose client is `client` (a professional's
    /// identifier or a structure), across editors, read-only: (editor name, order id,
    /// dispositif, signed on, amount TTC in cents).
    pub async fn orders_for_client(&self, client: &str) -> Result<Vec<ClientOrder>, StoreError> {
        let store = self.store();
        store.tick();
        let rows = sqlx::query(
            "SELECT o.name AS editor, f.id, f.dispositif, f.signed_on, f.amount_ttc_cents \
             FROM fin_orders f JOIN organisations o ON o.id = f.organisation_id \
             WHERE f.client = $1 ORDER BY f.signed_on, o.name, f.id LIMIT 500",
        )
        .bind(client)
        .fetch_all(store.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ClientOrder {
                    editor: r.try_get("editor")?,
                    id: r.try_get("id")?,
                    dispositif: r.try_get("dispositif")?,
                    signed_on: r.try_get("signed_on")?,
                    amount_ttc_cents: r.try_get("amount_ttc_cents")?,
                })
            })
            .collect()
    }
}

/// One financing order seen by its client (read-only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientOrder {
    pub editor: String,
    pub id: String,
    pub dispositif: String,
    pub signed_on: Option<String>,
    pub amount_ttc_cents: i64,
}
