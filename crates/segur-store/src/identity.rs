//! Second factor (TOTP, RFC 6238, with single-use recovery codes), staged sessions and the
//! accounts an organisation manages itself.
//!
//! A sign-in goes through stages kept server-side: the password opens a short `second_factor`
//! (or `enrol`) session that authenticates nothing; the code promotes it to a `full` session
//! under a **new** token, so that an identifier seen before the second factor is worthless
//! after it (rotation at every privilege change).

use rand::{Rng, RngExt};
use sha2::{Digest, Sha256};
use sqlx::{AnyConnection, Row};
use totp_rs::{Algorithm, Builder, Secret, Totp};

use segur_domain::org::Role;

use crate::records::{AuditEntry, UserRecord};
use crate::system::{USER_COLUMNS, token_digest, user_from_row};
use crate::tenant::TenantStore;
use crate::util::{now_rfc3339, now_unix};
use crate::{StoreError, SystemStore, audit};

/// Seconds per TOTP step and digits per code (the values every authenticator app uses).
pub const TOTP_STEP: u64 = 30;
pub const TOTP_DIGITS: usize = 6;
/// How many recovery codes are issued at once.
pub const RECOVERY_CODES: usize = 10;
/// Lifetime of a staged (not yet fully signed-in) session.
pub const STAGED_SESSION_SECONDS: i64 = 10 * 60;

/// Where a session stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionStage {
    /// Signed in.
    Full,
    /// Password checked; the TOTP code (or a recovery code) is awaited.
    SecondFactor,
    /// Password checked; the role needs a second factor that is not set up yet.
    Enrol,
}

impl SessionStage {
    pub fn as_str(self) -> &'static str {
        match self {
            SessionStage::Full => "full",
            SessionStage::SecondFactor => "second_factor",
            SessionStage::Enrol => "enrol",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        match s {
            "full" => Some(SessionStage::Full),
            "second_factor" => Some(SessionStage::SecondFactor),
            "enrol" => Some(SessionStage::Enrol),
            _ => None,
        }
    }
}

/// A session that is not (or not yet) a full sign-in.
#[derive(Debug, Clone)]
pub struct StagedSession {
    pub user: UserRecord,
    pub stage: SessionStage,
    /// The secret offered during enrolment, once generated.
    pub pending_secret: Option<String>,
}

/// The result of checking a code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeCheck {
    Accepted,
    /// Wrong code (or no second factor set up).
    Refused,
    /// A correct code already used: refused, so that a code seen over a shoulder is useless.
    Replayed,
}

/// Second-factor state of an account, for the security page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecondFactorStatus {
    pub enabled_at: Option<String>,
    pub recovery_codes_left: i64,
}

/// An account of an organisation as its managers see it.
#[derive(Debug, Clone)]
pub struct ManagedAccount {
    pub user: UserRecord,
    pub active: bool,
    pub second_factor: bool,
    pub created_at: String,
}

/// A fresh random TOTP secret, base32 (160 bits, as RFC 4226 recommends).
pub fn new_totp_secret() -> String {
    let mut bytes = [0u8; 20];
    rand::rng().fill_bytes(&mut bytes);
    Secret::from(bytes).to_base32()
}

fn totp(secret_b32: &str, login: &str) -> Result<Totp, StoreError> {
    let secret = Secret::try_from_base32(secret_b32)
        .map_err(|_| StoreError::invalid("secret TOTP illisible"))?;
    Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(TOTP_DIGITS as u8)
        .with_skew(1)
        .with_step_duration(TOTP_STEP)
        .with_secret(secret)
        .with_issuer(Some("segur"))
        .with_account_name(login)
        .build()
        .map_err(|e| StoreError::invalid(format!("secret TOTP refusé : {e}")))
}

/// The `otpauth://` URL an authenticator app scans.
pub fn totp_url(secret_b32: &str, login: &str) -> Result<String, StoreError> {
    totp(secret_b32, login)?
        .to_url()
        .map_err(|e| StoreError::invalid(format!("adresse otpauth impossible : {e}")))
}

/// The code of `secret` at Unix time `at` (tests and the demo).
pub fn totp_code_at(secret_b32: &str, at: u64) -> Result<String, StoreError> {
    Ok(totp(secret_b32, "x")?.generate(at).to_string())
}

/// The time step (counting from the epoch) at which `code` is valid for `secret`, within one
/// step of drift either way, if any.
fn matching_step(secret_b32: &str, code: &str, now: u64) -> Result<Option<i64>, StoreError> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != TOTP_DIGITS || !code.chars().all(|c| c.is_ascii_digit()) {
        return Ok(None);
    }
    let t = totp(secret_b32, "x")?;
    let step = now / TOTP_STEP;
    for s in [step, step.saturating_sub(1), step + 1] {
        // Constant-time comparison of the two codes.
        let expected = t.generate(s * TOTP_STEP).to_string();
        let diff = expected
            .bytes()
            .zip(code.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b));
        if diff == 0 {
            return Ok(Some(s as i64));
        }
    }
    Ok(None)
}

fn normalise_recovery(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

fn recovery_digest(code: &str) -> String {
    hex::encode(Sha256::digest(normalise_recovery(code).as_bytes()))
}

/// Ten fresh recovery codes, `ABCDE-12345` in Crockford-like base32 (50 random bits each).
fn new_recovery_codes() -> Vec<String> {
    const ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTVWXYZ0123456789";
    let mut rng = rand::rng();
    (0..RECOVERY_CODES)
        .map(|_| {
            let chars: String = (0..10)
                .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
                .collect();
            format!("{}-{}", &chars[..5], &chars[5..])
        })
        .collect()
}

async fn replace_recovery_codes(
    store: &crate::Store,
    conn: &mut AnyConnection,
    user_id: &str,
) -> Result<Vec<String>, StoreError> {
    store.tick();
    sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    let codes = new_recovery_codes();
    for code in &codes {
        store.tick();
        sqlx::query("INSERT INTO recovery_codes (user_id, code_sha256) VALUES ($1, $2)")
            .bind(user_id)
            .bind(recovery_digest(code))
            .execute(&mut *conn)
            .await?;
    }
    Ok(codes)
}

/// `base` (who, request id, address) for one action on one object.
fn with_event(base: &AuditEntry, action: &str, object: String) -> AuditEntry {
    let mut entry = base.clone();
    entry.action = action.into();
    entry.object = object;
    entry
}

/// Writes the audit event of a change in its transaction, then commits both.
async fn commit_audited(
    store: &crate::Store,
    mut tx: sqlx::Transaction<'static, sqlx::Any>,
    entry: AuditEntry,
) -> Result<(), StoreError> {
    audit::append(store, &mut tx, &entry).await?;
    store.tick();
    tx.commit().await?;
    Ok(())
}

fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

async fn insert_session(
    conn: &mut AnyConnection,
    user_id: &str,
    ttl_seconds: i64,
    stage: SessionStage,
) -> Result<String, StoreError> {
    let token = new_token();
    let now = now_unix();
    sqlx::query(
        "INSERT INTO sessions (token_sha256, user_id, created_at, expires_at, last_seen_at, stage) \
         VALUES ($1, $2, $3, $4, $3, $5)",
    )
    .bind(token_digest(&token))
    .bind(user_id)
    .bind(now)
    .bind(now.saturating_add(ttl_seconds.max(0)))
    .bind(stage.as_str())
    .execute(&mut *conn)
    .await?;
    Ok(token)
}

impl SystemStore {
    /// Opens a session at `stage`: a full one for an account without second factor, a staged
    /// one (short-lived, authenticating nothing) otherwise.
    pub async fn create_staged_session(
        &self,
        user_id: &str,
        stage: SessionStage,
    ) -> Result<String, StoreError> {
        let store = self.store();
        let mut conn = store.pool().acquire().await?;
        store.tick();
        insert_session(&mut conn, user_id, STAGED_SESSION_SECONDS, stage).await
    }

    /// Opens a full session and records the sign-in in the audit trail, in one transaction.
    pub async fn create_session_audited(
        &self,
        user_id: &str,
        ttl_seconds: i64,
        audit_entry: &AuditEntry,
    ) -> Result<String, StoreError> {
        let store = self.store();
        let mut tx = store.begin_write().await?;
        let conn: &mut AnyConnection = &mut tx;
        store.tick();
        let token = insert_session(conn, user_id, ttl_seconds, SessionStage::Full).await?;
        audit::append(store, conn, audit_entry).await?;
        store.tick();
        tx.commit().await?;
        Ok(token)
    }

    /// The staged session of this token, if live and not full.
    pub async fn staged_session(&self, token: &str) -> Result<Option<StagedSession>, StoreError> {
        let store = self.store();
        store.tick();
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {USER_COLUMNS}, s.stage, s.pending_secret FROM sessions s \
             JOIN users u ON u.id = s.user_id JOIN organisations o ON o.id = u.organisation_id \
             WHERE s.token_sha256 = $1 AND s.expires_at > $2 AND s.stage <> 'full' AND u.active = 1"
        ));
        let row = sqlx::query(sql)
            .bind(token_digest(token))
            .bind(now_unix())
            .fetch_optional(store.pool())
            .await?;
        let Some(row) = row else { return Ok(None) };
        let stage: String = row.try_get("stage")?;
        let Some(stage) = SessionStage::parse(&stage) else {
            return Ok(None);
        };
        Ok(Some(StagedSession {
            user: user_from_row(&row)?,
            stage,
            pending_secret: row.try_get("pending_secret")?,
        }))
    }

    /// Remembers the secret offered to a user enrolling, on their staged or full session.
    pub async fn set_pending_secret(&self, token: &str, secret: &str) -> Result<(), StoreError> {
        let store = self.store();
        store.tick();
        sqlx::query("UPDATE sessions SET pending_secret = $1 WHERE token_sha256 = $2")
            .bind(secret)
            .bind(token_digest(token))
            .execute(store.pool())
            .await?;
        Ok(())
    }

    /// The pending enrolment secret of a session (full or staged).
    pub async fn pending_secret(&self, token: &str) -> Result<Option<String>, StoreError> {
        let store = self.store();
        store.tick();
        let row = sqlx::query(
            "SELECT pending_secret FROM sessions WHERE token_sha256 = $1 AND expires_at > $2",
        )
        .bind(token_digest(token))
        .bind(now_unix())
        .fetch_optional(store.pool())
        .await?;
        Ok(row
            .map(|r| r.try_get::<Option<String>, _>("pending_secret"))
            .transpose()?
            .flatten())
    }

    /// True when the account has a confirmed second factor.
    pub async fn has_second_factor(&self, user_id: &str) -> Result<bool, StoreError> {
        Ok(self
            .second_factor_status(user_id)
            .await?
            .enabled_at
            .is_some())
    }

    pub async fn second_factor_status(
        &self,
        user_id: &str,
    ) -> Result<SecondFactorStatus, StoreError> {
        let store = self.store();
        store.tick();
        let row = sqlx::query("SELECT totp_enabled_at FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(store.pool())
            .await?
            .ok_or(StoreError::NotFound)?;
        store.tick();
        let left: i64 = sqlx::query(
            "SELECT COUNT(*) AS n FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL",
        )
        .bind(user_id)
        .fetch_one(store.pool())
        .await?
        .try_get("n")?;
        Ok(SecondFactorStatus {
            enabled_at: row.try_get("totp_enabled_at")?,
            recovery_codes_left: left,
        })
    }

    /// Checks a TOTP code of the account at Unix time `now`; an accepted code's step is
    /// recorded with a compare-and-set, so the same code (or an older one) is never accepted
    /// twice, even by two concurrent requests.
    pub async fn check_totp(
        &self,
        user_id: &str,
        code: &str,
        now: u64,
    ) -> Result<CodeCheck, StoreError> {
        let store = self.store();
        store.tick();
        let row = sqlx::query("SELECT totp_secret, totp_last_step FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(store.pool())
            .await?
            .ok_or(StoreError::NotFound)?;
        let Some(secret) = row.try_get::<Option<String>, _>("totp_secret")? else {
            return Ok(CodeCheck::Refused);
        };
        let last: i64 = row.try_get("totp_last_step")?;
        let Some(step) = matching_step(&secret, code, now)? else {
            return Ok(CodeCheck::Refused);
        };
        if step <= last {
            return Ok(CodeCheck::Replayed);
        }
        store.tick();
        let done = sqlx::query(
            "UPDATE users SET totp_last_step = $1 WHERE id = $2 AND totp_last_step < $1",
        )
        .bind(step)
        .bind(user_id)
        .execute(store.pool())
        .await?;
        Ok(if done.rows_affected() == 1 {
            CodeCheck::Accepted
        } else {
            CodeCheck::Replayed
        })
    }

    /// Uses one recovery code (single use, audited in the same transaction).
    pub async fn use_recovery_code(
        &self,
        user_id: &str,
        code: &str,
        audit_entry: &AuditEntry,
    ) -> Result<bool, StoreError> {
        if normalise_recovery(code).len() != 10 {
            return Ok(false);
        }
        let store = self.store();
        let mut tx = store.begin_write().await?;
        let conn: &mut AnyConnection = &mut tx;
        store.tick();
        let done = sqlx::query(
            "UPDATE recovery_codes SET used_at = $1 \
             WHERE user_id = $2 AND code_sha256 = $3 AND used_at IS NULL",
        )
        .bind(now_rfc3339())
        .bind(user_id)
        .bind(recovery_digest(code))
        .execute(&mut *conn)
        .await?;
        if done.rows_affected() != 1 {
            return Ok(false);
        }
        commit_audited(
            store,
            tx,
            with_event(
                audit_entry,
                "auth.recovery_code_used",
                format!("compte {user_id}"),
            ),
        )
        .await?;
        Ok(true)
    }

    /// Confirms enrolment: checks `code` against `secret`, stores the secret, issues fresh
    /// recovery codes, ends every session of the account (a security change) and returns the
    /// codes to show once. `None` when the code does not match.
    pub async fn enable_totp(
        &self,
        user_id: &str,
        secret: &str,
        code: &str,
        now: u64,
        audit_entry: &AuditEntry,
    ) -> Result<Option<Vec<String>>, StoreError> {
        let Some(step) = matching_step(secret, code, now)? else {
            return Ok(None);
        };
        let store = self.store();
        let mut tx = store.begin_write().await?;
        let conn: &mut AnyConnection = &mut tx;
        store.tick();
        let done = sqlx::query(
            "UPDATE users SET totp_secret = $1, totp_enabled_at = $2, totp_last_step = $3 \
             WHERE id = $4 AND active = 1",
        )
        .bind(secret)
        .bind(now_rfc3339())
        .bind(step)
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::NotFound);
        }
        let codes = replace_recovery_codes(store, conn, user_id).await?;
        store.tick();
        sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *conn)
            .await?;
        commit_audited(
            store,
            tx,
            with_event(
                audit_entry,
                "auth.second_factor_enabled",
                format!("compte {user_id}"),
            ),
        )
        .await?;
        Ok(Some(codes))
    }

    /// New recovery codes; the old ones stop working. Audited.
    pub async fn regenerate_recovery_codes(
        &self,
        user_id: &str,
        audit_entry: &AuditEntry,
    ) -> Result<Vec<String>, StoreError> {
        let store = self.store();
        let mut tx = store.begin_write().await?;
        let conn: &mut AnyConnection = &mut tx;
        let codes = replace_recovery_codes(store, conn, user_id).await?;
        commit_audited(
            store,
            tx,
            with_event(
                audit_entry,
                "auth.recovery_codes_regenerated",
                format!("compte {user_id}"),
            ),
        )
        .await?;
        Ok(codes)
    }

    /// Removes the second factor of an account whose role does not require one. Audited.
    pub async fn disable_totp(
        &self,
        user: &UserRecord,
        audit_entry: &AuditEntry,
    ) -> Result<(), StoreError> {
        if segur_domain::identity::requires_second_factor(user.role) {
            return Err(StoreError::invalid(
                "le second facteur est obligatoire pour ce rôle",
            ));
        }
        let store = self.store();
        let mut tx = store.begin_write().await?;
        let conn: &mut AnyConnection = &mut tx;
        store.tick();
        sqlx::query("UPDATE users SET totp_secret = NULL, totp_enabled_at = NULL WHERE id = $1")
            .bind(&user.id)
            .execute(&mut *conn)
            .await?;
        store.tick();
        sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
            .bind(&user.id)
            .execute(&mut *conn)
            .await?;
        commit_audited(
            store,
            tx,
            with_event(
                audit_entry,
                "auth.second_factor_disabled",
                format!("compte {}", user.login),
            ),
        )
        .await?;
        Ok(())
    }

    /// Removes the second factor of any account (an operator's recovery for a lost phone and
    /// lost codes): secret, recovery codes and sessions go; an account whose role requires a
    /// second factor must enrol again at its next sign-in. Audited.
    pub async fn reset_second_factor(
        &self,
        user_id: &str,
        audit_entry: &AuditEntry,
    ) -> Result<(), StoreError> {
        let store = self.store();
        let mut tx = store.begin_write().await?;
        let conn: &mut AnyConnection = &mut tx;
        store.tick();
        let done = sqlx::query(
            "UPDATE users SET totp_secret = NULL, totp_enabled_at = NULL, totp_last_step = 0 WHERE id = $1",
        )
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::NotFound);
        }
        for sql in [
            "DELETE FROM recovery_codes WHERE user_id = $1",
            "DELETE FROM sessions WHERE user_id = $1",
        ] {
            store.tick();
            sqlx::query(sql).bind(user_id).execute(&mut *conn).await?;
        }
        commit_audited(
            store,
            tx,
            with_event(
                audit_entry,
                "auth.second_factor_reset",
                format!("compte {user_id}"),
            ),
        )
        .await?;
        Ok(())
    }

    /// Replaces a session by a full one under a new token (rotation at privilege change): the
    /// old token stops working in the same transaction.
    pub async fn promote_session(
        &self,
        old_token: &str,
        user_id: &str,
        ttl_seconds: i64,
        audit_entry: &AuditEntry,
    ) -> Result<String, StoreError> {
        let store = self.store();
        let mut tx = store.begin_write().await?;
        let conn: &mut AnyConnection = &mut tx;
        store.tick();
        sqlx::query("DELETE FROM sessions WHERE token_sha256 = $1")
            .bind(token_digest(old_token))
            .execute(&mut *conn)
            .await?;
        store.tick();
        let token = insert_session(conn, user_id, ttl_seconds, SessionStage::Full).await?;
        let mut entry = audit_entry.clone();
        if entry.action.is_empty() {
            entry.action = "auth.sign_in".into();
        }
        if entry.object.is_empty() {
            entry.object = format!("compte {user_id}");
        }
        audit::append(store, conn, &entry).await?;
        store.tick();
        tx.commit().await?;
        Ok(token)
    }

    /// Changes a password after checking the current one; ends every other session (audited).
    /// Returns a new full session token for the caller (rotation).
    pub async fn change_password(
        &self,
        user: &UserRecord,
        current: String,
        new: String,
        ttl_seconds: i64,
        audit_entry: &AuditEntry,
    ) -> Result<String, StoreError> {
        segur_domain::identity::check_password(&new, &user.login)
            .map_err(|e| StoreError::invalid(e.reason))?;
        let store = self.store();
        store.tick();
        let hash: String = sqlx::query("SELECT password_hash FROM users WHERE id = $1")
            .bind(&user.id)
            .fetch_optional(store.pool())
            .await?
            .ok_or(StoreError::NotFound)?
            .try_get("password_hash")?;
        let ok = tokio::task::spawn_blocking(move || crate::verify_password(&hash, &current))
            .await
            .unwrap_or(false);
        if !ok {
            return Err(StoreError::invalid("mot de passe actuel incorrect"));
        }
        let new_hash = crate::system::hash_password_blocking(new).await?;
        let mut tx = store.begin_write().await?;
        let conn: &mut AnyConnection = &mut tx;
        store.tick();
        sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(&new_hash)
            .bind(&user.id)
            .execute(&mut *conn)
            .await?;
        store.tick();
        sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(&user.id)
            .execute(&mut *conn)
            .await?;
        store.tick();
        let token = insert_session(conn, &user.id, ttl_seconds, SessionStage::Full).await?;
        commit_audited(
            store,
            tx,
            with_event(
                audit_entry,
                "auth.password_changed",
                format!("compte {}", user.login),
            ),
        )
        .await?;
        Ok(token)
    }

    /// Sets a TOTP secret directly (demo accounts and tests; never reachable from HTTP).
    pub async fn set_totp_secret_unchecked(
        &self,
        user_id: &str,
        secret: &str,
    ) -> Result<(), StoreError> {
        totp(secret, "x")?;
        let store = self.store();
        store.tick();
        sqlx::query(
            "UPDATE users SET totp_secret = $1, totp_enabled_at = $2, totp_last_step = 0 WHERE id = $3",
        )
        .bind(secret)
        .bind(now_rfc3339())
        .bind(user_id)
        .execute(store.pool())
        .await?;
        Ok(())
    }
}

impl TenantStore {
    /// The organisation's accounts, by login.
    pub async fn list_accounts(&self) -> Result<Vec<ManagedAccount>, StoreError> {
        self.accounts_where("", None).await
    }

    async fn accounts_where(
        &self,
        filter: &str,
        user_id: Option<&str>,
    ) -> Result<Vec<ManagedAccount>, StoreError> {
        let store = self.store();
        store.tick();
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {USER_COLUMNS}, u.active, u.totp_enabled_at, u.created_at FROM users u \
             JOIN organisations o ON o.id = u.organisation_id \
             WHERE u.organisation_id = $1 {filter} ORDER BY u.login"
        ));
        let mut query = sqlx::query(sql).bind(self.organisation_id());
        if let Some(id) = user_id {
            query = query.bind(id);
        }
        let rows = query.fetch_all(store.pool()).await?;
        rows.iter()
            .map(|r| {
                Ok(ManagedAccount {
                    user: user_from_row(r)?,
                    active: r.try_get::<i64, _>("active")? == 1,
                    second_factor: r.try_get::<Option<String>, _>("totp_enabled_at")?.is_some(),
                    created_at: r.try_get("created_at")?,
                })
            })
            .collect()
    }

    /// One account of the organisation; another organisation's is `NotFound`.
    pub async fn get_account(&self, user_id: &str) -> Result<ManagedAccount, StoreError> {
        self.accounts_where("AND u.id = $2", Some(user_id))
            .await?
            .pop()
            .ok_or(StoreError::NotFound)
    }

    /// Gives an account of the organisation another role. Its sessions end (privilege change:
    /// the next sign-in carries the new role). Audited in the same transaction.
    pub async fn change_account_role(
        &self,
        user_id: &str,
        role: Role,
        audit_entry: &AuditEntry,
    ) -> Result<(), StoreError> {
        let before = self.get_account(user_id).await?;
        let store = self.store();
        let mut tx = store.begin_write().await?;
        let conn: &mut AnyConnection = &mut tx;
        store.tick();
        let done = sqlx::query("UPDATE users SET role = $1 WHERE id = $2 AND organisation_id = $3")
            .bind(role.as_str())
            .bind(user_id)
            .bind(self.organisation_id())
            .execute(&mut *conn)
            .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::NotFound);
        }
        store.tick();
        sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *conn)
            .await?;
        let object = format!(
            "compte {} : {} → {}",
            before.user.login,
            before.user.role.as_str(),
            role.as_str()
        );
        commit_audited(
            store,
            tx,
            with_event(audit_entry, "account.role_changed", object),
        )
        .await
    }

    /// Deactivates or reactivates an account of the organisation. A deactivated account
    /// cannot sign in and its sessions and API tokens stop working at once. Audited.
    pub async fn set_account_active(
        &self,
        user_id: &str,
        active: bool,
        audit_entry: &AuditEntry,
    ) -> Result<(), StoreError> {
        let before = self.get_account(user_id).await?;
        let store = self.store();
        let mut tx = store.begin_write().await?;
        let conn: &mut AnyConnection = &mut tx;
        store.tick();
        sqlx::query("UPDATE users SET active = $1 WHERE id = $2 AND organisation_id = $3")
            .bind(i64::from(active))
            .bind(user_id)
            .bind(self.organisation_id())
            .execute(&mut *conn)
            .await?;
        if !active {
            store.tick();
            sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                .bind(user_id)
                .execute(&mut *conn)
                .await?;
        }
        let action = if active {
            "account.reactivated"
        } else {
            "account.deactivated"
        };
        commit_audited(
            store,
            tx,
            with_event(audit_entry, action, format!("compte {}", before.user.login)),
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_match_within_one_step_of_drift() {
        let secret = new_totp_secret();
        let now = 1_800_000_000u64;
        let code = totp_code_at(&secret, now).unwrap();
        assert_eq!(
            matching_step(&secret, &code, now).unwrap(),
            Some((now / TOTP_STEP) as i64)
        );
        assert!(
            matching_step(&secret, &code, now + TOTP_STEP)
                .unwrap()
                .is_some()
        );
        assert_eq!(
            matching_step(&secret, &code, now + 3 * TOTP_STEP).unwrap(),
            None
        );
        assert_eq!(matching_step(&secret, "12345", now).unwrap(), None);
        assert_eq!(matching_step(&secret, "abcdef", now).unwrap(), None);
    }

    #[test]
    fn recovery_codes_are_random_and_normalised() {
        let codes = new_recovery_codes();
        assert_eq!(codes.len(), RECOVERY_CODES);
        let unique: std::collections::HashSet<_> = codes.iter().collect();
        assert_eq!(unique.len(), RECOVERY_CODES);
        let c = &codes[0];
        assert_eq!(
            recovery_digest(c),
            recovery_digest(&c.to_lowercase().replace('-', " "))
        );
    }
}
