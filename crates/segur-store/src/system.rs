//! The shared catalogue (dispositifs, calendars, REMs, equivalence lists), accounts, sessions,
//! organisations and the cross-tenant views an administrator needs.
//!
//! Named `system` on purpose: code reaching past tenant isolation is easy to find with grep.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use rand::Rng;
use sha2::{Digest, Sha256};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use segur_domain::calendar::{Calendar, CalendarHistory, parse_milestone_datetime};
use segur_domain::catalogue::{
    Dispositif, EquivalenceList, EquivalencePair, RemStatus, RemVersion, RequirementId,
};
use segur_domain::org::{Login, OrganisationKind, Role};
use segur_domain::referencing::Referencing;
use segur_domain::world::{CalendarEntry, World};

use crate::records::*;
use crate::util::{
    check_organisation_id, escape_like, fold_for_search, from_json, json, now_rfc3339, now_unix,
    opt_date, stored,
};
use crate::{Store, StoreError, audit};

/// Minimum password length accepted by [`SystemStore::create_account`] (with three classes of
/// characters; see [`segur_domain::identity::check_password`]).
pub const MIN_PASSWORD_LEN: usize = segur_domain::identity::MIN_PASSWORD_LEN;

/// Marker row written by the first world import.
const IMPORT_MARKER: &str = "world_imported_at";

/// Shared catalogue, accounts and cross-tenant administration. Cheap to clone.
#[derive(Clone, Debug)]
pub struct SystemStore {
    store: Store,
}

/// A valid argon2id hash (default parameters) of a random password nobody knows. Verify a
/// sign-in attempt for an unknown login against it, so that the answer takes as long as for
/// a known login and timing does not reveal which logins exist.
pub const DUMMY_PASSWORD_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$EX8jnNennnmrNye1TwhOpA$DMZ9sHE4fLRRiJJa1VZhp0dKYJIDwzKtzwuKF5VVL5E";

/// True when `password` matches the argon2 PHC string (the comparison is constant-time).
pub fn verify_password(phc_hash: &str, password: &str) -> bool {
    PasswordVerifier::<str>::verify_password(
        &argon2::Argon2::default(),
        password.as_bytes(),
        phc_hash,
    )
    .is_ok()
}

fn hash_password(password: &str) -> Result<String, StoreError> {
    argon2::Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| StoreError::Other(format!("hachage du mot de passe impossible : {e}")))
}

/// Hashing costs tens of milliseconds of CPU: keep it off the async workers.
pub(crate) async fn hash_password_blocking(password: String) -> Result<String, StoreError> {
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| StoreError::Other(format!("hachage du mot de passe interrompu : {e}")))?
}

pub(crate) fn token_digest(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

pub(crate) fn rem_status_str(s: RemStatus) -> &'static str {
    match s {
        RemStatus::Draft => "draft",
        RemStatus::Published => "published",
    }
}

fn rem_status_parse(s: &str) -> Result<RemStatus, StoreError> {
    match s {
        "draft" => Ok(RemStatus::Draft),
        "published" => Ok(RemStatus::Published),
        other => Err(StoreError::Other(format!(
            "statut de REM enregistré illisible : « {other} »"
        ))),
    }
}

/// The calendar a world entry describes (dates in Europe/Paris civil time).
pub(crate) fn calendar_from_entry(entry: &CalendarEntry) -> Result<Calendar, StoreError> {
    let mut dates = BTreeMap::new();
    for (m, s) in &entry.dates {
        dates.insert(*m, parse_milestone_datetime(s)?);
    }
    Ok(Calendar {
        dispositif: entry.dispositif.clone(),
        arrete: entry.arrete.clone(),
        dates,
    })
}

pub(crate) fn user_from_row(row: &AnyRow) -> Result<UserRecord, StoreError> {
    Ok(UserRecord {
        id: row.try_get("user_id")?,
        login: row.try_get("login")?,
        display_name: row.try_get("display_name")?,
        role: stored(Role::parse(&row.try_get::<String, _>("role")?))?,
        organisation_id: row.try_get("organisation_id")?,
        organisation_kind: stored(OrganisationKind::parse(
            &row.try_get::<String, _>("organisation_kind")?,
        ))?,
        organisation_name: row.try_get("organisation_name")?,
    })
}

pub(crate) const USER_COLUMNS: &str = "u.id AS user_id, u.login, u.display_name, u.role, u.organisation_id, \
     o.kind AS organisation_kind, o.name AS organisation_name";

fn organisation_from_row(row: &AnyRow) -> Result<OrganisationRecord, StoreError> {
    Ok(OrganisationRecord {
        id: row.try_get("id")?,
        kind: stored(OrganisationKind::parse(&row.try_get::<String, _>("kind")?))?,
        name: row.try_get("name")?,
        siren: row.try_get("siren")?,
        nie: row.try_get("nie")?,
    })
}

impl SystemStore {
    pub(crate) fn new(store: Store) -> Self {
        Self { store }
    }

    pub(crate) fn store(&self) -> &Store {
        &self.store
    }

    fn tick(&self) {
        self.store.tick();
    }

    /// True while no dispositif has been loaded (a fresh database).
    pub async fn is_empty(&self) -> Result<bool, StoreError> {
        self.tick();
        let n: i64 = sqlx::query("SELECT COUNT(*) AS n FROM dispositifs")
            .fetch_one(self.store.pool())
            .await?
            .try_get("n")?;
        Ok(n == 0)
    }

    /// Loads a whole world (the demo data, or a first catalogue) in one transaction, with the
    /// given accounts, and writes one `world.import` audit event. Refused with `Conflict`
    /// when a world was already loaded: importing is not a merge.
    pub async fn import_world(
        &self,
        world: &World,
        accounts: &[NewAccount],
    ) -> Result<ImportSummary, StoreError> {
        validate_world(world)?;
        let mut hashed = Vec::with_capacity(accounts.len());
        for a in accounts {
            let login = validate_account(a)?;
            hashed.push((login, hash_password_blocking(a.password.clone()).await?));
        }

        let mut tx = self.store.begin_write().await?;
        let conn: &mut AnyConnection = &mut tx;
        self.tick();
        let loaded: i64 = sqlx::query(
            "SELECT (SELECT COUNT(*) FROM dispositifs) + (SELECT COUNT(*) FROM store_meta WHERE key = $1) AS n",
        )
        .bind(IMPORT_MARKER)
        .fetch_one(&mut *conn)
        .await?
        .try_get("n")?;
        if loaded > 0 {
            return Err(StoreError::Conflict(
                "un catalogue est déjà chargé dans cette base : l'import d'un monde n'est possible que sur une base vide"
                    .into(),
            ));
        }
        self.tick();
        sqlx::query("INSERT INTO store_meta (key, value) VALUES ($1, $2)")
            .bind(IMPORT_MARKER)
            .bind(now_rfc3339())
            .execute(&mut *conn)
            .await?;

        let mut summary = ImportSummary::default();
        let importer = Importer { store: &self.store };
        importer.organisations(conn, world, &mut summary).await?;
        importer.catalogue(conn, world, &mut summary).await?;
        importer.tenants_data(conn, world, &mut summary).await?;
        summary.financing_records = importer.financing(conn, world).await?;
        importer.obsolete_versions(conn, world).await?;

        for (account, (login, hash)) in accounts.iter().zip(hashed) {
            self.insert_user(conn, account, &login, &hash).await?;
            summary.accounts += 1;
        }

        let entry = AuditEntry::new(
            "world.import",
            format!(
                "monde : {} dispositif(s), {} REM, {} éditeur(s), {} candidature(s), {} compte(s)",
                summary.dispositifs,
                summary.rem_versions,
                world.editors.len(),
                summary.candidatures,
                summary.accounts
            ),
        );
        audit::append(&self.store, conn, &entry).await?;
        self.tick();
        tx.commit().await?;
        self.store.invalidate_catalogue();
        Ok(summary)
    }

    /// The organisation owning a candidature, so that the ANS and ASP (whose users see every
    /// editor's dossiers) can open the right [`crate::TenantStore`]. `NotFound` when missing.
    pub async fn candidature_owner(&self, candidature_id: &str) -> Result<String, StoreError> {
        self.tick();
        let row = sqlx::query("SELECT organisation_id FROM candidatures WHERE id = $1")
            .bind(candidature_id)
            .fetch_optional(self.store.pool())
            .await?
            .ok_or(StoreError::NotFound)?;
        Ok(row.try_get("organisation_id")?)
    }

    pub async fn list_dispositifs(&self) -> Result<Vec<Dispositif>, StoreError> {
        self.tick();
        let rows = sqlx::query("SELECT data FROM dispositifs ORDER BY position, code")
            .fetch_all(self.store.pool())
            .await?;
        rows.iter()
            .map(|r| from_json(&r.try_get::<String, _>("data")?))
            .collect()
    }

    pub async fn get_dispositif(&self, code: &str) -> Result<Dispositif, StoreError> {
        self.tick();
        let row = sqlx::query("SELECT data FROM dispositifs WHERE code = $1")
            .bind(code)
            .fetch_optional(self.store.pool())
            .await?
            .ok_or(StoreError::NotFound)?;
        from_json(&row.try_get::<String, _>("data")?)
    }

    /// Every calendar version of a dispositif, oldest publication first (CAL-02).
    pub async fn calendar_history(&self, code: &str) -> Result<CalendarHistory, StoreError> {
        self.tick();
        let rows = sqlx::query(
            "SELECT data FROM calendar_versions WHERE dispositif = $1 ORDER BY published_on, position",
        )
        .bind(code)
        .fetch_all(self.store.pool())
        .await?;
        if rows.is_empty() {
            // Known dispositif without calendar: empty history; unknown one: NotFound.
            self.get_dispositif(code).await?;
        }
        let mut versions = Vec::with_capacity(rows.len());
        for r in &rows {
            let entry: CalendarEntry = from_json(&r.try_get::<String, _>("data")?)?;
            versions.push(calendar_from_entry(&entry)?);
        }
        Ok(CalendarHistory::new(versions))
    }

    /// The calendar entries as imported, in world order (all dispositifs).
    pub async fn list_calendar_entries(&self) -> Result<Vec<CalendarEntry>, StoreError> {
        self.tick();
        let rows = sqlx::query("SELECT data FROM calendar_versions ORDER BY position, id")
            .fetch_all(self.store.pool())
            .await?;
        rows.iter()
            .map(|r| from_json(&r.try_get::<String, _>("data")?))
            .collect()
    }

    pub async fn list_rem_versions(
        &self,
        dispositif: &str,
    ) -> Result<Vec<RemVersionSummary>, StoreError> {
        self.tick();
        let rows = sqlx::query(
            "SELECT r.dispositif, r.version, r.status, r.published_on, r.illustrative, \
             (SELECT COUNT(*) FROM requirements q WHERE q.dispositif = r.dispositif AND q.rem_version = r.version) AS requirements, \
             (SELECT COUNT(*) FROM proof_items p WHERE p.dispositif = r.dispositif AND p.rem_version = r.version) AS proof_items \
             FROM rem_versions r WHERE r.dispositif = $1 ORDER BY r.position, r.version",
        )
        .bind(dispositif)
        .fetch_all(self.store.pool())
        .await?;
        if rows.is_empty() {
            self.get_dispositif(dispositif).await?;
        }
        rows.iter()
            .map(|r| {
                Ok(RemVersionSummary {
                    dispositif: r.try_get("dispositif")?,
                    version: r.try_get("version")?,
                    status: rem_status_parse(&r.try_get::<String, _>("status")?)?,
                    published_on: opt_date(r.try_get("published_on")?)?,
                    illustrative: r.try_get::<i64, _>("illustrative")? != 0,
                    requirements: r.try_get("requirements")?,
                    proof_items: r.try_get("proof_items")?,
                })
            })
            .collect()
    }

    /// A full REM version, requirements in REM order.
    pub async fn get_rem_version(
        &self,
        dispositif: &str,
        version: &str,
    ) -> Result<RemVersion, StoreError> {
        get_rem_version(&self.store, dispositif, version).await
    }

    /// Writes one REM version (an import from a workbook or a catalogue file) in one
    /// transaction with a `rem.import` audit event. A draft of the same version is replaced; a
    /// published one is refused with `Conflict` (REM-01). The dispositif must exist.
    pub async fn import_rem_version(
        &self,
        rem: &RemVersion,
        entry: AuditEntry,
    ) -> Result<ImportSummary, StoreError> {
        self.get_dispositif(rem.dispositif.as_str())
            .await
            .map_err(|e| match e {
                StoreError::NotFound => StoreError::invalid(format!(
                    "dispositif « {} » inconnu : créez-le avant d'importer son REM",
                    rem.dispositif
                )),
                other => other,
            })?;
        let mut tx = self.store.begin_write().await?;
        let conn: &mut AnyConnection = &mut tx;
        self.tick();
        let existing =
            sqlx::query("SELECT status FROM rem_versions WHERE dispositif = $1 AND version = $2")
                .bind(rem.dispositif.as_str())
                .bind(&rem.version)
                .fetch_optional(&mut *conn)
                .await?;
        let replaced = match existing {
            Some(row) => {
                let status = rem_status_parse(&row.try_get::<String, _>("status")?)?;
                if status == RemStatus::Published {
                    return Err(StoreError::Conflict(format!(
                        "la version {} du REM {} est publiée et ne peut plus être modifiée (REM-01) : importez une nouvelle version",
                        rem.version, rem.dispositif
                    )));
                }
                for sql in [
                    "DELETE FROM proof_items WHERE dispositif = $1 AND rem_version = $2",
                    "DELETE FROM requirements WHERE dispositif = $1 AND rem_version = $2",
                ] {
                    self.tick();
                    sqlx::query(sql)
                        .bind(rem.dispositif.as_str())
                        .bind(&rem.version)
                        .execute(&mut *conn)
                        .await?;
                }
                self.tick();
                sqlx::query("DELETE FROM rem_versions WHERE dispositif = $1 AND version = $2")
                    .bind(rem.dispositif.as_str())
                    .bind(&rem.version)
                    .execute(&mut *conn)
                    .await?;
                true
            }
            None => false,
        };
        self.tick();
        let position: i64 = sqlx::query(
            "SELECT COALESCE(MAX(position), -1) + 1 AS n FROM rem_versions WHERE dispositif = $1",
        )
        .bind(rem.dispositif.as_str())
        .fetch_one(&mut *conn)
        .await?
        .try_get("n")?;
        let mut summary = ImportSummary::default();
        let importer = Importer { store: &self.store };
        importer
            .rem_version(conn, rem, position, &mut summary)
            .await?;
        let object = format!(
            "REM {} version {} ({}) : {} exigence(s), {} élément(s) de preuve{}",
            rem.dispositif,
            rem.version,
            rem.status.as_str(),
            summary.requirements,
            summary.proof_items,
            if replaced {
                ", brouillon remplacé"
            } else {
                ""
            }
        );
        let entry = AuditEntry {
            action: "rem.import".into(),
            object,
            ..entry
        };
        audit::append(&self.store, conn, &entry).await?;
        self.tick();
        tx.commit().await?;
        self.store.invalidate_catalogue();
        Ok(summary)
    }

    /// Writes an equivalence list (EQV-06) imported from a spreadsheet, replacing the list of the
    /// same pair of dispositifs if any, in one transaction with an `equivalence.import` audit
    /// event. Returns the number of pairs written.
    pub async fn import_equivalence_list(
        &self,
        list: &EquivalenceList,
        entry: AuditEntry,
    ) -> Result<i64, StoreError> {
        let mut tx = self.store.begin_write().await?;
        let conn: &mut AnyConnection = &mut tx;
        for sql in [
            "DELETE FROM equivalence_pairs WHERE from_dispositif = $1 AND to_dispositif = $2",
            "DELETE FROM equivalence_lists WHERE from_dispositif = $1 AND to_dispositif = $2",
        ] {
            self.tick();
            sqlx::query(sql)
                .bind(list.from_dispositif.as_str())
                .bind(list.to_dispositif.as_str())
                .execute(&mut *conn)
                .await?;
        }
        self.tick();
        let position: i64 =
            sqlx::query("SELECT COALESCE(MAX(position), -1) + 1 AS n FROM equivalence_lists")
                .fetch_one(&mut *conn)
                .await?
                .try_get("n")?;
        self.tick();
        sqlx::query("INSERT INTO equivalence_lists (from_dispositif, to_dispositif, position) VALUES ($1, $2, $3)")
            .bind(list.from_dispositif.as_str())
            .bind(list.to_dispositif.as_str())
            .bind(position)
            .execute(&mut *conn)
            .await?;
        for (j, pair) in list.pairs.iter().enumerate() {
            self.tick();
            sqlx::query(
                "INSERT INTO equivalence_pairs (from_dispositif, to_dispositif, position, from_requirement, to_requirement) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(list.from_dispositif.as_str())
            .bind(list.to_dispositif.as_str())
            .bind(j as i64)
            .bind(pair.from_requirement.as_str())
            .bind(pair.to_requirement.as_str())
            .execute(&mut *conn)
            .await?;
        }
        let entry = AuditEntry {
            action: "equivalence.import".into(),
            object: format!(
                "liste d'équivalence {} → {} : {} correspondance(s)",
                list.from_dispositif,
                list.to_dispositif,
                list.pairs.len()
            ),
            ..entry
        };
        audit::append(&self.store, conn, &entry).await?;
        self.tick();
        tx.commit().await?;
        self.store.invalidate_catalogue();
        Ok(list.pairs.len() as i64)
    }

    /// Publishes a draft REM version on `on`; a published version is refused with `Conflict`
    /// (REM-01: publication is final). Audited as `rem.publish`.
    pub async fn publish_rem_version(
        &self,
        dispositif: &str,
        version: &str,
        on: jiff::civil::Date,
        entry: AuditEntry,
    ) -> Result<(), StoreError> {
        let mut tx = self.store.begin_write().await?;
        let conn: &mut AnyConnection = &mut tx;
        self.tick();
        let row =
            sqlx::query("SELECT data FROM rem_versions WHERE dispositif = $1 AND version = $2")
                .bind(dispositif)
                .bind(version)
                .fetch_optional(&mut *conn)
                .await?
                .ok_or(StoreError::NotFound)?;
        let mut header: RemVersion = from_json(&row.try_get::<String, _>("data")?)?;
        header
            .publish(on)
            .map_err(|e| StoreError::Conflict(e.to_string()))?;
        self.tick();
        sqlx::query(
            "UPDATE rem_versions SET status = $1, published_on = $2, data = $3 WHERE dispositif = $4 AND version = $5",
        )
        .bind(rem_status_str(header.status))
        .bind(on.to_string())
        .bind(json(&header)?)
        .bind(dispositif)
        .bind(version)
        .execute(&mut *conn)
        .await?;
        let entry = AuditEntry {
            action: "rem.publish".into(),
            object: format!("REM {dispositif} version {version} publiée le {on}"),
            ..entry
        };
        audit::append(&self.store, conn, &entry).await?;
        self.tick();
        tx.commit().await?;
        self.store.invalidate_catalogue();
        Ok(())
    }

    /// Requirements whose identifier or énoncé contains `q`, ignoring case and accents, on
    /// every REM version (or one dispositif's). Identifier prefix matches come first.
    pub async fn search_requirements(
        &self,
        q: &str,
        dispositif: Option<&str>,
        page: Page,
    ) -> Result<Paged<RequirementHit>, StoreError> {
        let page = page.clamped();
        let folded = escape_like(&fold_for_search(q.trim()));
        let contains = format!("%{folded}%");
        let prefix = format!("{folded}%");
        let (count_sql, items_sql) = match dispositif {
            None => (
                "SELECT COUNT(*) AS n FROM requirements WHERE search_text LIKE $1 ESCAPE '\\'",
                "SELECT dispositif, rem_version, id, chapter, profile, enonce FROM requirements \
                 WHERE search_text LIKE $1 ESCAPE '\\' \
                 ORDER BY CASE WHEN search_text LIKE $2 ESCAPE '\\' THEN 0 ELSE 1 END, dispositif, rem_version, position \
                 LIMIT $3 OFFSET $4",
            ),
            Some(_) => (
                "SELECT COUNT(*) AS n FROM requirements WHERE search_text LIKE $1 ESCAPE '\\' AND dispositif = $2",
                "SELECT dispositif, rem_version, id, chapter, profile, enonce FROM requirements \
                 WHERE search_text LIKE $1 ESCAPE '\\' AND dispositif = $5 \
                 ORDER BY CASE WHEN search_text LIKE $2 ESCAPE '\\' THEN 0 ELSE 1 END, dispositif, rem_version, position \
                 LIMIT $3 OFFSET $4",
            ),
        };
        let mut count = sqlx::query(count_sql).bind(&contains);
        let mut items = sqlx::query(items_sql)
            .bind(&contains)
            .bind(&prefix)
            .bind(page.limit)
            .bind(page.offset);
        if let Some(d) = dispositif {
            count = count.bind(d);
            items = items.bind(d);
        }
        self.tick();
        let total: i64 = count.fetch_one(self.store.pool()).await?.try_get("n")?;
        self.tick();
        let rows = items.fetch_all(self.store.pool()).await?;
        let items = rows
            .iter()
            .map(|r| {
                Ok(RequirementHit {
                    dispositif: r.try_get("dispositif")?,
                    rem_version: r.try_get("rem_version")?,
                    id: r.try_get("id")?,
                    chapter: r.try_get("chapter")?,
                    profile: r.try_get("profile")?,
                    enonce: r.try_get("enonce")?,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok(Paged {
            items,
            total,
            limit: page.limit,
            offset: page.offset,
        })
    }

    pub async fn list_equivalence_lists(&self) -> Result<Vec<EquivalenceList>, StoreError> {
        list_equivalence_lists(&self.store).await
    }

    /// The user with this login and their password hash, to check a sign-in.
    pub async fn find_user_for_login(
        &self,
        login: &str,
    ) -> Result<Option<(UserRecord, String)>, StoreError> {
        let Ok(login) = Login::parse(login) else {
            return Ok(None);
        };
        self.tick();
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {USER_COLUMNS}, u.password_hash FROM users u \
             JOIN organisations o ON o.id = u.organisation_id WHERE u.login = $1 AND u.active = 1"
        ));
        let row = sqlx::query(sql)
            .bind(login.as_str())
            .fetch_optional(self.store.pool())
            .await?;
        row.map(|r| Ok((user_from_row(&r)?, r.try_get("password_hash")?)))
            .transpose()
    }

    /// Creates an account without an actor (bootstrap, CLI). Audited as `account.create`.
    pub async fn create_account(&self, account: &NewAccount) -> Result<UserRecord, StoreError> {
        self.create_account_audited(account, &AuditEntry::new("account.create", ""))
            .await
    }

    /// Creates an account; `audit` names the actor (its action and object are filled in when
    /// left empty). The event is written in the same transaction.
    pub async fn create_account_audited(
        &self,
        account: &NewAccount,
        audit: &AuditEntry,
    ) -> Result<UserRecord, StoreError> {
        let login = validate_account(account)?;
        let hash = hash_password_blocking(account.password.clone()).await?;
        let mut tx = self.store.begin_write().await?;
        let conn: &mut AnyConnection = &mut tx;
        let user = self.insert_user(conn, account, &login, &hash).await?;
        let mut entry = audit.clone();
        if entry.action.is_empty() {
            entry.action = "account.create".into();
        }
        if entry.object.is_empty() {
            entry.object = format!(
                "compte {} ({}) de {}",
                user.login,
                user.role.as_str(),
                user.organisation_id
            );
        }
        audit::append(&self.store, conn, &entry).await?;
        self.tick();
        tx.commit().await?;
        Ok(user)
    }

    async fn insert_user(
        &self,
        conn: &mut AnyConnection,
        account: &NewAccount,
        login: &Login,
        hash: &str,
    ) -> Result<UserRecord, StoreError> {
        self.tick();
        let org = sqlx::query("SELECT id, kind, name, siren, nie FROM organisations WHERE id = $1")
            .bind(&account.organisation_id)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or_else(|| {
                StoreError::invalid(format!(
                    "organisation « {} » inconnue",
                    account.organisation_id
                ))
            })?;
        let org = organisation_from_row(&org)?;
        if let Some(kind) = account.role.organisation_kind()
            && kind != org.kind
        {
            return Err(StoreError::invalid(format!(
                "le rôle « {} » ne peut pas être donné dans l'organisation « {} » ({})",
                account.role.label_fr(),
                org.name,
                org.kind.as_str()
            )));
        }
        self.tick();
        let taken = sqlx::query("SELECT id FROM users WHERE login = $1")
            .bind(login.as_str())
            .fetch_optional(&mut *conn)
            .await?;
        if taken.is_some() {
            return Err(StoreError::Conflict(format!(
                "l'identifiant « {login} » est déjà utilisé"
            )));
        }
        let id = uuid::Uuid::now_v7().to_string();
        self.tick();
        sqlx::query(
            "INSERT INTO users (id, login, display_name, role, organisation_id, password_hash, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&id)
        .bind(login.as_str())
        .bind(account.display_name.trim())
        .bind(account.role.as_str())
        .bind(&org.id)
        .bind(hash)
        .bind(now_rfc3339())
        .execute(&mut *conn)
        .await
        .map_err(|e| match StoreError::from(e) {
            StoreError::Conflict(_) => StoreError::Conflict(format!("l'identifiant « {login} » est déjà utilisé")),
            other => other,
        })?;
        Ok(UserRecord {
            id,
            login: login.to_string(),
            display_name: account.display_name.trim().to_owned(),
            role: account.role,
            organisation_id: org.id,
            organisation_kind: org.kind,
            organisation_name: org.name,
        })
    }

    /// Opens a session; returns the opaque token to hand to the client. Only its SHA-256 is
    /// stored, so a copy of the database does not give live sessions away.
    pub async fn create_session(
        &self,
        user_id: &str,
        ttl_seconds: i64,
    ) -> Result<String, StoreError> {
        if ttl_seconds < 0 {
            return Err(StoreError::invalid("durée de session négative"));
        }
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        let token = hex::encode(bytes);
        let now = now_unix();
        self.tick();
        // Seen at creation: the idle clock starts at sign-in.
        sqlx::query("INSERT INTO sessions (token_sha256, user_id, created_at, expires_at, last_seen_at) VALUES ($1, $2, $3, $4, $3)")
            .bind(token_digest(&token))
            .bind(user_id)
            .bind(now)
            .bind(now.saturating_add(ttl_seconds))
            .execute(self.store.pool())
            .await
            .map_err(|e| match StoreError::from(e) {
                StoreError::Invalid(_) => StoreError::invalid(format!("utilisateur « {user_id} » inconnu")),
                other => other,
            })?;
        Ok(token)
    }

    /// The user of a live session; `None` when the token is unknown or expired.
    pub async fn session_user(&self, token: &str) -> Result<Option<UserRecord>, StoreError> {
        self.session_user_idle(token, i64::MAX).await
    }

    /// The user of a live session: not past its absolute expiry, and seen within the last
    /// `idle_seconds` (idle timeout). Marks the session seen, at most once a minute.
    pub async fn session_user_idle(
        &self,
        token: &str,
        idle_seconds: i64,
    ) -> Result<Option<UserRecord>, StoreError> {
        let now = now_unix();
        let digest = token_digest(token);
        self.tick();
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {USER_COLUMNS}, s.last_seen_at AS session_seen FROM sessions s \
             JOIN users u ON u.id = s.user_id JOIN organisations o ON o.id = u.organisation_id \
             WHERE s.token_sha256 = $1 AND s.expires_at > $2 AND s.last_seen_at > $3 \
             AND s.stage = 'full' AND u.active = 1"
        ));
        let row = sqlx::query(sql)
            .bind(&digest)
            .bind(now)
            .bind(now.saturating_sub(idle_seconds))
            .fetch_optional(self.store.pool())
            .await?;
        let seen: Option<i64> = row
            .as_ref()
            .map(|r| r.try_get("session_seen"))
            .transpose()?;
        // Written at most once a minute, so that a burst of requests costs no writes.
        if seen.is_some_and(|t| t < now - 60) {
            self.tick();
            sqlx::query(
                "UPDATE sessions SET last_seen_at = $1 WHERE token_sha256 = $2 AND last_seen_at < $3",
            )
            .bind(now)
            .bind(&digest)
            .bind(now - 60)
            .execute(self.store.pool())
            .await?;
        }
        row.as_ref().map(user_from_row).transpose()
    }

    /// Ends every session of a user on their request, audited.
    pub async fn sign_out_everywhere(
        &self,
        user_id: &str,
        audit_entry: &AuditEntry,
    ) -> Result<u64, StoreError> {
        let mut tx = self.store.begin_write().await?;
        let conn: &mut AnyConnection = &mut tx;
        self.tick();
        let done = sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *conn)
            .await?;
        let mut entry = audit_entry.clone();
        entry.action = "auth.sign_out_everywhere".into();
        entry.object = format!("{} session(s) fermée(s)", done.rows_affected());
        audit::append(&self.store, conn, &entry).await?;
        self.tick();
        tx.commit().await?;
        Ok(done.rows_affected())
    }

    pub async fn delete_session(&self, token: &str) -> Result<(), StoreError> {
        self.tick();
        sqlx::query("DELETE FROM sessions WHERE token_sha256 = $1")
            .bind(token_digest(token))
            .execute(self.store.pool())
            .await?;
        Ok(())
    }

    /// Ends every session of a user (sign out everywhere, account disabled).
    pub async fn delete_user_sessions(&self, user_id: &str) -> Result<u64, StoreError> {
        self.tick();
        let done = sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user_id)
            .execute(self.store.pool())
            .await?;
        Ok(done.rows_affected())
    }

    /// Every account of the platform, by organisation then login (administration).
    pub async fn list_users(&self, page: Page) -> Result<Paged<UserRecord>, StoreError> {
        let page = page.clamped();
        self.tick();
        let total: i64 = sqlx::query("SELECT COUNT(*) AS n FROM users")
            .fetch_one(self.store.pool())
            .await?
            .try_get("n")?;
        self.tick();
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {USER_COLUMNS} FROM users u JOIN organisations o ON o.id = u.organisation_id \
             ORDER BY o.position, u.organisation_id, u.login LIMIT $1 OFFSET $2"
        ));
        let rows = sqlx::query(sql)
            .bind(page.limit)
            .bind(page.offset)
            .fetch_all(self.store.pool())
            .await?;
        Ok(Paged {
            items: rows.iter().map(user_from_row).collect::<Result<_, _>>()?,
            total,
            limit: page.limit,
            offset: page.offset,
        })
    }

    /// Removes expired sessions; returns how many were removed.
    pub async fn purge_expired_sessions(&self) -> Result<u64, StoreError> {
        self.tick();
        let done = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
            .bind(now_unix())
            .execute(self.store.pool())
            .await?;
        Ok(done.rows_affected())
    }

    pub async fn get_organisation(&self, id: &str) -> Result<OrganisationRecord, StoreError> {
        self.tick();
        let row = sqlx::query("SELECT id, kind, name, siren, nie FROM organisations WHERE id = $1")
            .bind(id)
            .fetch_optional(self.store.pool())
            .await?
            .ok_or(StoreError::NotFound)?;
        organisation_from_row(&row)
    }

    pub async fn list_organisations(
        &self,
        kind: Option<OrganisationKind>,
    ) -> Result<Vec<OrganisationRecord>, StoreError> {
        self.tick();
        let rows = match kind {
            None => {
                sqlx::query("SELECT id, kind, name, siren, nie FROM organisations ORDER BY position, id")
                    .fetch_all(self.store.pool())
                    .await?
            }
            Some(k) => {
                sqlx::query(
                    "SELECT id, kind, name, siren, nie FROM organisations WHERE kind = $1 ORDER BY position, id",
                )
                .bind(k.as_str())
                .fetch_all(self.store.pool())
                .await?
            }
        };
        rows.iter().map(organisation_from_row).collect()
    }

    /// Every referencing with the organisation holding it. NRUs are public facts.
    pub async fn list_referencings(&self) -> Result<Vec<(String, Referencing)>, StoreError> {
        self.tick();
        let rows =
            sqlx::query("SELECT organisation_id, data FROM referencings ORDER BY position, nru")
                .fetch_all(self.store.pool())
                .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("organisation_id")?,
                    from_json(&r.try_get::<String, _>("data")?)?,
                ))
            })
            .collect()
    }

    /// The audit log, newest first.
    pub async fn list_audit(&self, page: Page) -> Result<Paged<AuditEventRecord>, StoreError> {
        let page = page.clamped();
        self.tick();
        let total: i64 = sqlx::query("SELECT COUNT(*) AS n FROM audit_events")
            .fetch_one(self.store.pool())
            .await?
            .try_get("n")?;
        self.tick();
        let rows = sqlx::query("SELECT * FROM audit_events ORDER BY seq DESC LIMIT $1 OFFSET $2")
            .bind(page.limit)
            .bind(page.offset)
            .fetch_all(self.store.pool())
            .await?;
        Ok(Paged {
            items: rows.iter().map(audit::from_row).collect::<Result<_, _>>()?,
            total,
            limit: page.limit,
            offset: page.offset,
        })
    }

    /// The sequence number of the newest audit event. Every change to the data writes one in
    /// its transaction, so two equal readings mean nothing changed in between: the
    /// monitoring's report cache is keyed on it.
    pub async fn audit_seq(&self) -> Result<i64, StoreError> {
        self.tick();
        let row = sqlx::query("SELECT seq FROM audit_head WHERE id = 1")
            .fetch_one(self.store.pool())
            .await?;
        Ok(row.try_get("seq")?)
    }

    /// Re-computes the whole audit chain; returns the sequence number of the first event whose
    /// hash or link is wrong (or that is missing), or `None` when the chain is intact. The
    /// last event must also match the head bumped in every event's transaction, so that
    /// deleting the newest events is detected too.
    pub async fn verify_audit_chain(&self) -> Result<Option<i64>, StoreError> {
        const CHUNK: i64 = 1000;
        let mut after = 0i64;
        let mut prev = audit::GENESIS_HASH.to_owned();
        loop {
            self.tick();
            let rows =
                sqlx::query("SELECT * FROM audit_events WHERE seq > $1 ORDER BY seq LIMIT $2")
                    .bind(after)
                    .bind(CHUNK)
                    .fetch_all(self.store.pool())
                    .await?;
            let events = rows
                .iter()
                .map(audit::from_row)
                .collect::<Result<Vec<_>, _>>()?;
            if let Some(broken) = audit::first_broken_link(&events, &prev) {
                return Ok(Some(broken));
            }
            let Some(last) = events.last() else {
                self.tick();
                let head = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
                    .fetch_one(self.store.pool())
                    .await?;
                let (seq, hash): (i64, String) = (head.try_get("seq")?, head.try_get("hash")?);
                return Ok((seq != after || hash != prev).then_some(after + 1));
            };
            after = last.seq;
            prev = last.hash.clone();
        }
    }
}

/// Checks an account before hashing its password; returns the normalised login.
fn validate_account(a: &NewAccount) -> Result<Login, StoreError> {
    let login = Login::parse(&a.login)?;
    if a.display_name.trim().is_empty() {
        return Err(StoreError::invalid(format!(
            "compte « {login} » : nom affiché vide"
        )));
    }
    segur_domain::identity::check_password(&a.password, login.as_str())
        .map_err(|e| StoreError::invalid(format!("compte « {login} » : {}", e.reason)))?;
    Ok(login)
}

/// Referential checks done before writing, so that a bad world is refused with a message
/// naming the culprit rather than a foreign-key error.
fn validate_world(world: &World) -> Result<(), StoreError> {
    let mut editors = HashSet::new();
    for e in &world.editors {
        check_organisation_id(&e.id)?;
        if e.id == "ans" || e.id == "asp" {
            return Err(StoreError::invalid(format!(
                "l'identifiant d'éditeur « {} » est réservé",
                e.id
            )));
        }
        if !editors.insert(e.id.as_str()) {
            return Err(StoreError::Conflict(format!(
                "éditeur « {} » déclaré deux fois",
                e.id
            )));
        }
    }
    let known = |id: &str, what: &str| {
        if editors.contains(id) {
            Ok(())
        } else {
            Err(StoreError::invalid(format!(
                "{what} : éditeur « {id} » inconnu"
            )))
        }
    };
    for r in &world.referencings {
        known(&r.editor, &format!("référencement {}", r.referencing.nru))?;
    }
    let mut candidatures = HashSet::new();
    for c in &world.candidatures {
        known(&c.editor, &format!("candidature {}", c.id))?;
        if c.id.trim().is_empty() {
            return Err(StoreError::invalid("candidature sans identifiant"));
        }
        if !candidatures.insert(c.id.as_str()) {
            return Err(StoreError::Conflict(format!(
                "candidature « {} » déclarée deux fois",
                c.id
            )));
        }
    }
    for p in &world.pentest_forms {
        if !candidatures.contains(p.candidature.as_str()) {
            return Err(StoreError::invalid(format!(
                "formulaire de pentest : candidature « {} » inconnue",
                p.candidature
            )));
        }
    }
    for c in &world.cnda_requests {
        known(&c.editor, &format!("demande CNDA {}", c.nil))?;
    }
    for h in &world.psc_habilitations {
        known(&h.editor, &format!("habilitation PSC {}", h.nru))?;
    }
    for c in &world.calendars {
        calendar_from_entry(c)?;
    }
    Ok(())
}

/// Writes the parts of a world inside the import transaction.
pub(crate) struct Importer<'a> {
    pub(crate) store: &'a Store,
}

impl Importer<'_> {
    async fn organisations(
        &self,
        conn: &mut AnyConnection,
        world: &World,
        summary: &mut ImportSummary,
    ) -> Result<(), StoreError> {
        let now = now_rfc3339();
        for (id, kind, name, position) in [
            (
                "ans",
                OrganisationKind::Ans,
                "Agence du Numérique en Santé",
                0i64,
            ),
            (
                "asp",
                OrganisationKind::Asp,
                "Agence de Services et de Paiement",
                1,
            ),
        ] {
            self.store.tick();
            let done = sqlx::query(
                "INSERT INTO organisations (id, kind, name, position, created_at) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (id) DO NOTHING",
            )
            .bind(id)
            .bind(kind.as_str())
            .bind(name)
            .bind(position)
            .bind(&now)
            .execute(&mut *conn)
            .await?;
            summary.organisations += i64::try_from(done.rows_affected()).unwrap_or(0);
        }
        for (i, e) in world.editors.iter().enumerate() {
            self.store.tick();
            sqlx::query(
                "INSERT INTO organisations (id, kind, name, siren, nie, data, position, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(&e.id)
            .bind(OrganisationKind::Editor.as_str())
            .bind(&e.name)
            .bind(e.siren.as_ref().map(|s| s.to_string()))
            .bind(e.nie.as_ref().map(|s| s.to_string()))
            .bind(json(e)?)
            .bind(10 + i as i64)
            .bind(&now)
            .execute(&mut *conn)
            .await
            .map_err(|err| match StoreError::from(err) {
                StoreError::Conflict(_) => StoreError::Conflict(format!("l'organisation « {} » existe déjà", e.id)),
                other => other,
            })?;
            summary.organisations += 1;
        }
        Ok(())
    }

    async fn catalogue(
        &self,
        conn: &mut AnyConnection,
        world: &World,
        summary: &mut ImportSummary,
    ) -> Result<(), StoreError> {
        for (i, d) in world.dispositifs.iter().enumerate() {
            self.store.tick();
            sqlx::query(
                "INSERT INTO dispositifs (code, name, position, data) VALUES ($1, $2, $3, $4)",
            )
            .bind(d.code.as_str())
            .bind(&d.name)
            .bind(i as i64)
            .bind(json(d)?)
            .execute(&mut *conn)
            .await
            .map_err(|e| {
                conflict_named(e, format!("dispositif « {} » déclaré deux fois", d.code))
            })?;
            summary.dispositifs += 1;
        }
        for (i, c) in world.calendars.iter().enumerate() {
            self.store.tick();
            sqlx::query(
                "INSERT INTO calendar_versions (id, dispositif, published_on, position, data) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(uuid::Uuid::now_v7().to_string())
            .bind(c.dispositif.as_str())
            .bind(c.arrete.published_on.to_string())
            .bind(i as i64)
            .bind(json(c)?)
            .execute(&mut *conn)
            .await?;
            summary.calendars += 1;
        }
        for (i, rem) in world.rem_versions.iter().enumerate() {
            self.rem_version(conn, rem, i as i64, summary).await?;
        }
        for (i, list) in world.equivalence_lists.iter().enumerate() {
            self.store.tick();
            sqlx::query("INSERT INTO equivalence_lists (from_dispositif, to_dispositif, position) VALUES ($1, $2, $3)")
                .bind(list.from_dispositif.as_str())
                .bind(list.to_dispositif.as_str())
                .bind(i as i64)
                .execute(&mut *conn)
                .await
                .map_err(|e| {
                    conflict_named(
                        e,
                        format!("liste d'équivalence {} → {} déclarée deux fois", list.from_dispositif, list.to_dispositif),
                    )
                })?;
            for (j, pair) in list.pairs.iter().enumerate() {
                self.store.tick();
                sqlx::query(
                    "INSERT INTO equivalence_pairs (from_dispositif, to_dispositif, position, from_requirement, to_requirement) \
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(list.from_dispositif.as_str())
                .bind(list.to_dispositif.as_str())
                .bind(j as i64)
                .bind(pair.from_requirement.as_str())
                .bind(pair.to_requirement.as_str())
                .execute(&mut *conn)
                .await?;
            }
            summary.equivalence_lists += 1;
        }
        Ok(())
    }

    async fn rem_version(
        &self,
        conn: &mut AnyConnection,
        rem: &RemVersion,
        position: i64,
        summary: &mut ImportSummary,
    ) -> Result<(), StoreError> {
        let header = RemVersion {
            requirements: Vec::new(),
            ..rem.clone()
        };
        self.store.tick();
        sqlx::query(
            "INSERT INTO rem_versions (dispositif, version, status, published_on, illustrative, position, data) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(rem.dispositif.as_str())
        .bind(&rem.version)
        .bind(rem_status_str(rem.status))
        .bind(rem.published_on.map(|d| d.to_string()))
        .bind(i64::from(rem.illustrative))
        .bind(position)
        .bind(json(&header)?)
        .execute(&mut *conn)
        .await
        .map_err(|e| conflict_named(e, format!("REM {} version {} déclaré deux fois", rem.dispositif, rem.version)))?;
        summary.rem_versions += 1;

        let mut item_position = 0i64;
        for (i, req) in rem.requirements.iter().enumerate() {
            let search = format!(
                "{}\n{}\n{}",
                fold_for_search(req.id.as_str()),
                fold_for_search(&req.enonce),
                fold_for_search(&req.fonction)
            );
            self.store.tick();
            sqlx::query(
                "INSERT INTO requirements (dispositif, rem_version, id, position, chapter, profile, nature, wave_origin, \
                 enonce, search_text, data) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            )
            .bind(rem.dispositif.as_str())
            .bind(&rem.version)
            .bind(req.id.as_str())
            .bind(i as i64)
            .bind(&req.chapter)
            .bind(req.profile.as_str())
            .bind(nature_str(req.nature))
            .bind(req.wave_origin.as_str())
            .bind(&req.enonce)
            .bind(search)
            .bind(json(req)?)
            .execute(&mut *conn)
            .await
            .map_err(|e| {
                conflict_named(
                    e,
                    format!("exigence {} déclarée deux fois dans le REM {} {}", req.id, rem.dispositif, rem.version),
                )
            })?;
            summary.requirements += 1;
            for sc in &req.scenarios {
                for p in &sc.proofs {
                    self.store.tick();
                    sqlx::query(
                        "INSERT INTO proof_items (dispositif, rem_version, requirement_id, scenario, proof, position, \
                         chapter, profile, nature, wave_origin, scenario_text, proof_text) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
                    )
                    .bind(rem.dispositif.as_str())
                    .bind(&rem.version)
                    .bind(req.id.as_str())
                    .bind(i64::from(sc.number))
                    .bind(i64::from(p.number))
                    .bind(item_position)
                    .bind(&req.chapter)
                    .bind(req.profile.as_str())
                    .bind(nature_str(req.nature))
                    .bind(req.wave_origin.as_str())
                    .bind(&sc.text)
                    .bind(&p.text)
                    .execute(&mut *conn)
                    .await
                    .map_err(|e| {
                        conflict_named(
                            e,
                            format!("preuve {} / S{} / P{} déclarée deux fois", req.id, sc.number, p.number),
                        )
                    })?;
                    item_position += 1;
                    summary.proof_items += 1;
                }
            }
        }
        Ok(())
    }

    async fn tenants_data(
        &self,
        conn: &mut AnyConnection,
        world: &World,
        summary: &mut ImportSummary,
    ) -> Result<(), StoreError> {
        for (i, r) in world.referencings.iter().enumerate() {
            let nru = &r.referencing.nru;
            self.store.tick();
            sqlx::query(
                "INSERT INTO referencings (nru, organisation_id, dispositif, status, referenced_on, rem_version, position, data) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(nru.as_str())
            .bind(&r.editor)
            .bind(r.referencing.dispositif.as_str())
            .bind(crate::tenant::referencing_status_str(r.referencing.status))
            .bind(r.referencing.referenced_on.to_string())
            .bind(&r.referencing.rem_version)
            .bind(i as i64)
            .bind(json(&r.referencing)?)
            .execute(&mut *conn)
            .await
            .map_err(|e| conflict_named(e, format!("NRU {nru} déclaré deux fois")))?;
            summary.referencings += 1;
        }
        for (i, c) in world.candidatures.iter().enumerate() {
            crate::tenant::insert_candidature(self.store, conn, c, i as i64).await?;
            summary.candidatures += 1;
            summary.deposits += c.deposits.len() as i64;
        }
        for (i, p) in world.pentest_forms.iter().enumerate() {
            let org = world
                .candidature(&p.candidature)
                .map(|c| c.editor.clone())
                .ok_or_else(|| {
                    StoreError::invalid(format!("candidature « {} » inconnue", p.candidature))
                })?;
            self.store.tick();
            sqlx::query(
                "INSERT INTO pentest_forms (id, organisation_id, candidature_id, position, data) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(uuid::Uuid::now_v7().to_string())
            .bind(org)
            .bind(&p.candidature)
            .bind(i as i64)
            .bind(json(p)?)
            .execute(&mut *conn)
            .await?;
            summary.pentest_forms += 1;
        }
        for (i, c) in world.cnda_requests.iter().enumerate() {
            self.store.tick();
            sqlx::query("INSERT INTO cnda_requests (id, organisation_id, nil, position, data) VALUES ($1, $2, $3, $4, $5)")
                .bind(uuid::Uuid::now_v7().to_string())
                .bind(&c.editor)
                .bind(c.nil.as_str())
                .bind(i as i64)
                .bind(json(c)?)
                .execute(&mut *conn)
                .await?;
            summary.cnda_requests += 1;
        }
        for (i, h) in world.psc_habilitations.iter().enumerate() {
            self.store.tick();
            sqlx::query(
                "INSERT INTO psc_habilitations (id, organisation_id, nru, position, data) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(uuid::Uuid::now_v7().to_string())
            .bind(&h.editor)
            .bind(h.nru.as_str())
            .bind(i as i64)
            .bind(json(h)?)
            .execute(&mut *conn)
            .await?;
            summary.psc_habilitations += 1;
        }
        Ok(())
    }
}

fn conflict_named(e: sqlx::Error, message: String) -> StoreError {
    match StoreError::from(e) {
        StoreError::Conflict(_) => StoreError::Conflict(message),
        other => other,
    }
}

pub(crate) fn nature_str(n: segur_domain::catalogue::Nature) -> &'static str {
    match n {
        segur_domain::catalogue::Nature::Exigence => "EXIGENCE",
        segur_domain::catalogue::Nature::Preconisation => "PRECONISATION",
    }
}

/// A REM version with its requirements (two queries).
pub(crate) async fn get_rem_version(
    store: &Store,
    dispositif: &str,
    version: &str,
) -> Result<RemVersion, StoreError> {
    store.tick();
    let header =
        sqlx::query("SELECT data FROM rem_versions WHERE dispositif = $1 AND version = $2")
            .bind(dispositif)
            .bind(version)
            .fetch_optional(store.pool())
            .await?
            .ok_or(StoreError::NotFound)?;
    let mut rem: RemVersion = from_json(&header.try_get::<String, _>("data")?)?;
    store.tick();
    let rows = sqlx::query("SELECT data FROM requirements WHERE dispositif = $1 AND rem_version = $2 ORDER BY position")
        .bind(dispositif)
        .bind(version)
        .fetch_all(store.pool())
        .await?;
    rem.requirements = rows
        .iter()
        .map(|r| from_json(&r.try_get::<String, _>("data")?))
        .collect::<Result<_, _>>()?;
    Ok(rem)
}

/// Every equivalence list with its pairs, in world order (two queries).
pub(crate) async fn list_equivalence_lists(
    store: &Store,
) -> Result<Vec<EquivalenceList>, StoreError> {
    store.tick();
    let lists = sqlx::query(
        "SELECT from_dispositif, to_dispositif FROM equivalence_lists ORDER BY position",
    )
    .fetch_all(store.pool())
    .await?;
    store.tick();
    let pairs = sqlx::query(
        "SELECT from_dispositif, to_dispositif, from_requirement, to_requirement FROM equivalence_pairs \
         ORDER BY from_dispositif, to_dispositif, position",
    )
    .fetch_all(store.pool())
    .await?;
    let mut by_list: BTreeMap<(String, String), Vec<EquivalencePair>> = BTreeMap::new();
    for p in &pairs {
        by_list
            .entry((p.try_get("from_dispositif")?, p.try_get("to_dispositif")?))
            .or_default()
            .push(EquivalencePair {
                from_requirement: stored(RequirementId::parse(
                    &p.try_get::<String, _>("from_requirement")?,
                ))?,
                to_requirement: stored(RequirementId::parse(
                    &p.try_get::<String, _>("to_requirement")?,
                ))?,
            });
    }
    lists
        .iter()
        .map(|l| {
            let from: String = l.try_get("from_dispositif")?;
            let to: String = l.try_get("to_dispositif")?;
            let pairs = by_list
                .remove(&(from.clone(), to.clone()))
                .unwrap_or_default();
            Ok(EquivalenceList {
                from_dispositif: stored(from.parse())?,
                to_dispositif: stored(to.parse())?,
                pairs,
            })
        })
        .collect()
}

/// The distinct (dispositif, version) pairs, keeping first-seen order.
pub(crate) fn dedup_pairs(
    pairs: impl IntoIterator<Item = (String, String)>,
) -> Vec<(String, String)> {
    let mut seen = BTreeSet::new();
    pairs
        .into_iter()
        .filter(|p| seen.insert(p.clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dummy_hash_costs_as_much_as_a_real_one_and_matches_nothing() {
        let real = hash_password("un mot de passe").unwrap();
        let params = |h: &str| h.split('$').nth(3).map(str::to_owned);
        assert_eq!(params(DUMMY_PASSWORD_HASH), params(&real));
        assert!(DUMMY_PASSWORD_HASH.starts_with("$argon2id$"));
        for guess in ["", "password", "motdepasse", "dummy"] {
            assert!(!verify_password(DUMMY_PASSWORD_HASH, guess));
        }
        assert!(verify_password(&real, "un mot de passe"));
    }
}
