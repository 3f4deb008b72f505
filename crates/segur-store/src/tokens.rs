//! API tokens for automation: scoped (read / write), bound to one organisation and to the user
//! who created them (they act with that user's current role), expiring, revocable, and stored
//! as the SHA-256 of their secret only. The secret is returned once, by the creation call.
//!
//! Resolving a presented secret is cross-tenant by nature (the secret names the organisation),
//! so it lives on [`SystemStore`]; creating, listing and revoking are per organisation on
//! [`TenantStore`].

use rand::Rng;
use sha2::{Digest, Sha256};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::records::{AuditEntry, UserRecord};
use crate::system::{USER_COLUMNS, user_from_row};
use crate::util::now_unix;
use crate::{StoreError, SystemStore, TenantStore, audit};

/// Prefix of every secret, so that secret scanners (and people) recognise a leaked one.
pub const API_TOKEN_PREFIX: &str = "segur_pat_";

/// Longest validity a token may be given, in days.
pub const MAX_TOKEN_DAYS: i64 = 365;

/// `last_used_at` is refreshed at most this often (seconds), to keep reads cheap.
const LAST_USE_GRANULARITY: i64 = 60;

/// What a token may do: `Read` is limited to safe methods by the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenScope {
    Read,
    Write,
}

impl TokenScope {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenScope::Read => "read",
            TokenScope::Write => "write",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "read" => Some(TokenScope::Read),
            "write" => Some(TokenScope::Write),
            _ => None,
        }
    }

    pub fn label_fr(self) -> &'static str {
        match self {
            TokenScope::Read => "lecture",
            TokenScope::Write => "lecture et écriture",
        }
    }
}

/// What a caller asks for.
#[derive(Debug, Clone)]
pub struct NewApiToken {
    pub name: String,
    pub scope: TokenScope,
    /// 1 to [`MAX_TOKEN_DAYS`].
    pub expires_in_days: i64,
}

/// A stored token, never with its secret. Instants are Unix seconds.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ApiTokenRecord {
    pub id: String,
    pub organisation_id: String,
    pub user_id: String,
    /// Login of the creator, for the list.
    pub user_login: String,
    pub name: String,
    pub scope: TokenScope,
    pub created_at: i64,
    pub expires_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

impl ApiTokenRecord {
    /// Usable at `now`: neither revoked nor expired.
    pub fn is_active(&self, now: i64) -> bool {
        self.revoked_at.is_none() && self.expires_at > now
    }
}

/// A token just created, with its secret: hand the secret to the user once, then drop it.
#[derive(Debug, Clone)]
pub struct CreatedApiToken {
    pub token: ApiTokenRecord,
    pub secret: String,
}

/// The user a live token acts for, and what it may do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenUser {
    pub user: UserRecord,
    pub token_id: String,
    pub scope: TokenScope,
}

/// SHA-256 (hex) of a secret: the only thing stored.
pub fn token_secret_digest(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("{API_TOKEN_PREFIX}{}", hex::encode(bytes))
}

/// A presented value that cannot be a secret is refused before any query.
fn well_formed(secret: &str) -> bool {
    secret
        .strip_prefix(API_TOKEN_PREFIX)
        .is_some_and(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
}

const TOKEN_COLUMNS: &str = "t.id, t.organisation_id, t.user_id, u.login AS user_login, t.name, \
     t.scope, t.created_at, t.expires_at, t.last_used_at, t.revoked_at";

fn token_from_row(row: &AnyRow) -> Result<ApiTokenRecord, StoreError> {
    let scope: String = row.try_get("scope")?;
    Ok(ApiTokenRecord {
        id: row.try_get("id")?,
        organisation_id: row.try_get("organisation_id")?,
        user_id: row.try_get("user_id")?,
        user_login: row.try_get("user_login")?,
        name: row.try_get("name")?,
        scope: TokenScope::parse(&scope).ok_or_else(|| {
            StoreError::Other(format!(
                "portée de jeton enregistrée illisible : « {scope} »"
            ))
        })?,
        created_at: row.try_get("created_at")?,
        expires_at: row.try_get("expires_at")?,
        last_used_at: row.try_get("last_used_at")?,
        revoked_at: row.try_get("revoked_at")?,
    })
}

fn validate(new: &NewApiToken) -> Result<String, StoreError> {
    let name = new.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(StoreError::invalid(
            "nom du jeton : 1 à 100 caractères attendus",
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(StoreError::invalid("caractères de contrôle refusés"));
    }
    if !(1..=MAX_TOKEN_DAYS).contains(&new.expires_in_days) {
        return Err(StoreError::invalid(format!(
            "durée de validité : 1 à {MAX_TOKEN_DAYS} jours"
        )));
    }
    Ok(name.to_owned())
}

impl SystemStore {
    /// The user a presented secret acts for, at the current time; `None` when the secret is
    /// unknown, expired or revoked (the caller must not say which). Refreshes `last_used_at`
    /// at most once a minute (not audited: it is bookkeeping, not a change made by someone).
    pub async fn api_token_user(&self, secret: &str) -> Result<Option<TokenUser>, StoreError> {
        self.api_token_user_at(secret, now_unix()).await
    }

    /// [`SystemStore::api_token_user`] at a given instant (Unix seconds), for tests.
    pub async fn api_token_user_at(
        &self,
        secret: &str,
        now: i64,
    ) -> Result<Option<TokenUser>, StoreError> {
        if !well_formed(secret) {
            return Ok(None);
        }
        let store = self.store();
        store.tick();
        // The creator must still belong to the token's organisation.
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {USER_COLUMNS}, t.id AS token_id, t.scope, t.last_used_at FROM api_tokens t \
             JOIN users u ON u.id = t.user_id AND u.organisation_id = t.organisation_id \
             JOIN organisations o ON o.id = u.organisation_id \
             WHERE t.secret_sha256 = $1 AND t.revoked_at IS NULL AND t.expires_at > $2 AND u.active = 1"
        ));
        let Some(row) = sqlx::query(sql)
            .bind(token_secret_digest(secret))
            .bind(now)
            .fetch_optional(store.pool())
            .await?
        else {
            return Ok(None);
        };
        let token_id: String = row.try_get("token_id")?;
        let scope: String = row.try_get("scope")?;
        let last: Option<i64> = row.try_get("last_used_at")?;
        if last.is_none_or(|l| now - l >= LAST_USE_GRANULARITY || l > now) {
            store.tick();
            sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
                .bind(now)
                .bind(&token_id)
                .execute(store.pool())
                .await?;
        }
        Ok(Some(TokenUser {
            user: user_from_row(&row)?,
            token_id,
            scope: TokenScope::parse(&scope).ok_or_else(|| {
                StoreError::Other(format!(
                    "portée de jeton enregistrée illisible : « {scope} »"
                ))
            })?,
        }))
    }
}

impl TenantStore {
    /// Creates a token for `creator` (who must belong to this organisation), valid from now.
    /// Audited as `api_token.create` (never with the secret).
    pub async fn create_api_token(
        &self,
        creator: &UserRecord,
        new: &NewApiToken,
        audit_entry: &AuditEntry,
    ) -> Result<CreatedApiToken, StoreError> {
        self.create_api_token_at(creator, new, audit_entry, now_unix())
            .await
    }

    /// [`TenantStore::create_api_token`] as if created at `now` (Unix seconds), for tests.
    pub async fn create_api_token_at(
        &self,
        creator: &UserRecord,
        new: &NewApiToken,
        audit_entry: &AuditEntry,
        now: i64,
    ) -> Result<CreatedApiToken, StoreError> {
        let name = validate(new)?;
        if creator.organisation_id != self.organisation_id() {
            return Err(StoreError::invalid(
                "un jeton est créé dans l'organisation de son auteur",
            ));
        }
        let secret = new_secret();
        let token = ApiTokenRecord {
            id: uuid::Uuid::now_v7().to_string(),
            organisation_id: self.organisation_id().to_owned(),
            user_id: creator.id.clone(),
            user_login: creator.login.clone(),
            name,
            scope: new.scope,
            created_at: now,
            expires_at: now.saturating_add(new.expires_in_days * 86_400),
            last_used_at: None,
            revoked_at: None,
        };
        let store = self.store();
        let mut tx = store.begin_write().await?;
        let conn: &mut AnyConnection = &mut tx;
        store.tick();
        sqlx::query(
            "INSERT INTO api_tokens (id, organisation_id, user_id, name, scope, secret_sha256, \
             created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&token.id)
        .bind(&token.organisation_id)
        .bind(&token.user_id)
        .bind(&token.name)
        .bind(token.scope.as_str())
        .bind(token_secret_digest(&secret))
        .bind(token.created_at)
        .bind(token.expires_at)
        .execute(&mut *conn)
        .await
        .map_err(|e| match StoreError::from(e) {
            StoreError::Invalid(_) => {
                StoreError::invalid(format!("utilisateur « {} » inconnu", creator.id))
            }
            other => other,
        })?;
        let mut entry = audit_entry.clone();
        entry.organisation_id = Some(token.organisation_id.clone());
        entry.action = "api_token.create".into();
        entry.object = format!(
            "jeton {} « {} » ({}, {} jours) de {}",
            token.id,
            token.name,
            token.scope.as_str(),
            new.expires_in_days,
            creator.login
        );
        audit::append(store, conn, &entry).await?;
        store.tick();
        tx.commit().await?;
        Ok(CreatedApiToken { token, secret })
    }

    /// The organisation's tokens, newest first; `only_user` restricts to one creator's.
    pub async fn list_api_tokens(
        &self,
        only_user: Option<&str>,
    ) -> Result<Vec<ApiTokenRecord>, StoreError> {
        let store = self.store();
        store.tick();
        let by_user = if only_user.is_some() {
            "AND t.user_id = $2 "
        } else {
            ""
        };
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {TOKEN_COLUMNS} FROM api_tokens t JOIN users u ON u.id = t.user_id \
             WHERE t.organisation_id = $1 {by_user}ORDER BY t.created_at DESC, t.id DESC"
        ));
        let mut query = sqlx::query(sql).bind(self.organisation_id());
        if let Some(user) = only_user {
            query = query.bind(user);
        }
        let rows = query.fetch_all(store.pool()).await?;
        rows.iter().map(token_from_row).collect()
    }

    /// One of the organisation's tokens; another organisation's is `NotFound`.
    pub async fn get_api_token(&self, id: &str) -> Result<ApiTokenRecord, StoreError> {
        let store = self.store();
        store.tick();
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {TOKEN_COLUMNS} FROM api_tokens t JOIN users u ON u.id = t.user_id \
             WHERE t.organisation_id = $1 AND t.id = $2"
        ));
        let row = sqlx::query(sql)
            .bind(self.organisation_id())
            .bind(id)
            .fetch_optional(store.pool())
            .await?
            .ok_or(StoreError::NotFound)?;
        token_from_row(&row)
    }

    /// Revokes one of the organisation's tokens (idempotent: revoking again keeps the first
    /// date and writes no event). Audited as `api_token.revoke`.
    pub async fn revoke_api_token(
        &self,
        id: &str,
        audit_entry: &AuditEntry,
    ) -> Result<ApiTokenRecord, StoreError> {
        let current = self.get_api_token(id).await?;
        if current.revoked_at.is_some() {
            return Ok(current);
        }
        let now = now_unix();
        let store = self.store();
        let mut tx = store.begin_write().await?;
        let conn: &mut AnyConnection = &mut tx;
        store.tick();
        let done = sqlx::query(
            "UPDATE api_tokens SET revoked_at = $1 \
             WHERE organisation_id = $2 AND id = $3 AND revoked_at IS NULL",
        )
        .bind(now)
        .bind(self.organisation_id())
        .bind(id)
        .execute(&mut *conn)
        .await?;
        if done.rows_affected() == 1 {
            let mut entry = audit_entry.clone();
            entry.organisation_id = Some(self.organisation_id().to_owned());
            entry.action = "api_token.revoke".into();
            entry.object = format!("jeton {} « {} » révoqué", current.id, current.name);
            audit::append(store, conn, &entry).await?;
        }
        store.tick();
        tx.commit().await?;
        self.get_api_token(id).await
    }
}
