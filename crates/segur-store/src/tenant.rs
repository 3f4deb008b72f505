//! One organisation's data: candidatures, deposits, evidence forms.
//!
//! Tenant isolation by construction: this is the only way to reach those tables and every
//! query below binds `organisation_id`. Another organisation's candidature is `NotFound`,
//! exactly like a missing one, so that ids cannot be probed.

use std::collections::BTreeMap;
use std::sync::Arc;

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use segur_domain::candidature::{CandidatureEvent, CandidatureState};
use segur_domain::catalogue::{Profile, ProofItemKey, RemStatus, RequirementId};
use segur_domain::proof::ProofStatus;
use segur_domain::referencing::{Referencing, ReferencingStatus};
use segur_domain::rem_diff::{self, MigrationImpact, RemDiff};
use segur_domain::world::{
    CndaRequest, Deposit, Editor, PentestForm, PscHabilitation, World, WorldCandidature,
    WorldReferencing,
};

use crate::records::*;
use crate::system::{
    USER_COLUMNS, dedup_pairs, get_rem_version, list_equivalence_lists, user_from_row,
};
use crate::util::{from_json, json, now_rfc3339, opt_date, stored};
use crate::{Store, StoreError, audit};

pub(crate) mod collaboration;
pub(crate) mod pentest;

/// SQL list of the statuses counted as deposited (DEP-01); kept equal to
/// `ProofStatus::counts_as_deposited` by a unit test.
macro_rules! deposited_statuses {
    () => {
        "('deposited', 'under_review', 'validated', 'complement_requested', 'rejected')"
    };
}

/// Condition "the proof item `pi` applies to candidature `$cand`": profile Général (bound as
/// `$general`) or one of the candidature's selected profiles (LIF-03).
macro_rules! applicable {
    ($general:literal, $cand:literal) => {
        concat!(
            "(pi.profile = ",
            $general,
            " OR pi.profile IN (SELECT cp.profile FROM candidature_profiles cp WHERE cp.candidature_id = ",
            $cand,
            "))"
        )
    };
}

/// Summary columns of candidature `c`, with `$1` = organisation and `$2` = "Général".
macro_rules! summary_select {
    () => {
        concat!(
            "SELECT c.id, c.organisation_id, c.dispositif, c.title, c.state, c.rem_version, ",
            "(SELECT COUNT(*) FROM proof_items pi WHERE pi.dispositif = c.dispositif AND pi.rem_version = c.rem_version AND ",
            applicable!("$2", "c.id"),
            ") AS required, ",
            "(SELECT COUNT(*) FROM proof_deposits d JOIN proof_items pi ON pi.dispositif = c.dispositif ",
            "AND pi.rem_version = c.rem_version AND pi.requirement_id = d.requirement_id ",
            "AND pi.scenario = d.scenario AND pi.proof = d.proof ",
            "WHERE d.candidature_id = c.id AND d.organisation_id = c.organisation_id AND d.status IN ",
            deposited_statuses!(),
            " AND ",
            applicable!("$2", "c.id"),
            ") AS deposited, ",
            "(SELECT COUNT(*) FROM proof_deposits d JOIN proof_items pi ON pi.dispositif = c.dispositif ",
            "AND pi.rem_version = c.rem_version AND pi.requirement_id = d.requirement_id ",
            "AND pi.scenario = d.scenario AND pi.proof = d.proof ",
            "WHERE d.candidature_id = c.id AND d.organisation_id = c.organisation_id AND d.status = 'validated' AND ",
            applicable!("$2", "c.id"),
            ") AS validated ",
            "FROM candidatures c WHERE c.organisation_id = $1 "
        )
    };
}

const PENTEST_FORMS_SQL: &str =
    "SELECT data FROM pentest_forms WHERE organisation_id = $1 ORDER BY position, id";
const CNDA_REQUESTS_SQL: &str =
    "SELECT data FROM cnda_requests WHERE organisation_id = $1 ORDER BY position, id";
const PSC_HABILITATIONS_SQL: &str =
    "SELECT data FROM psc_habilitations WHERE organisation_id = $1 ORDER BY position, id";

pub(crate) fn referencing_status_str(s: ReferencingStatus) -> &'static str {
    match s {
        ReferencingStatus::Active => "active",
        ReferencingStatus::Withdrawn => "withdrawn",
    }
}

fn referencing_status_label(s: ReferencingStatus) -> &'static str {
    match s {
        ReferencingStatus::Active => "Référencement actif",
        ReferencingStatus::Withdrawn => "Référencement retiré",
    }
}

fn title_of(c: &WorldCandidature) -> String {
    let names: Vec<&str> = c
        .candidature
        .solution
        .names
        .iter()
        .map(|n| n.name.as_str())
        .collect();
    if names.is_empty() {
        c.candidature.solution.principal.name.clone()
    } else {
        names.join(" / ")
    }
}

/// Inserts a candidature with its profiles and deposits (import path; the caller audits).
pub(crate) async fn insert_candidature(
    store: &Store,
    conn: &mut AnyConnection,
    c: &WorldCandidature,
    position: i64,
) -> Result<(), StoreError> {
    let header = WorldCandidature {
        deposits: Vec::new(),
        ..c.clone()
    };
    store.tick();
    sqlx::query(
        "INSERT INTO candidatures (id, organisation_id, dispositif, state, rem_version, title, position, data) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&c.id)
    .bind(&c.editor)
    .bind(c.candidature.dispositif.as_str())
    .bind(c.candidature.state.as_str())
    .bind(&c.candidature.rem_version)
    .bind(title_of(c))
    .bind(position)
    .bind(json(&header)?)
    .execute(&mut *conn)
    .await
    .map_err(|e| match StoreError::from(e) {
        StoreError::Conflict(_) => StoreError::Conflict(format!("la candidature « {} » existe déjà", c.id)),
        other => other,
    })?;
    for p in c
        .candidature
        .applicable_profiles()
        .iter()
        .filter(|p| !p.is_general())
    {
        store.tick();
        sqlx::query("INSERT INTO candidature_profiles (candidature_id, profile) VALUES ($1, $2)")
            .bind(&c.id)
            .bind(p.as_str())
            .execute(&mut *conn)
            .await?;
    }
    let now = now_rfc3339();
    for (i, d) in c.deposits.iter().enumerate() {
        store.tick();
        sqlx::query(
            "INSERT INTO proof_deposits (organisation_id, candidature_id, requirement_id, scenario, proof, status, \
             deposited_on, position, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(&c.editor)
        .bind(&c.id)
        .bind(d.key.requirement.as_str())
        .bind(i64::from(d.key.scenario))
        .bind(i64::from(d.key.proof))
        .bind(d.status.as_str())
        .bind(d.deposited_on.map(|x| x.to_string()))
        .bind(i as i64)
        .bind(&now)
        .execute(&mut *conn)
        .await
        .map_err(|e| match StoreError::from(e) {
            StoreError::Conflict(_) => {
                StoreError::Conflict(format!("candidature « {} » : dépôt {} déclaré deux fois", c.id, d.key))
            }
            other => other,
        })?;
    }
    crate::queue_stats::refresh(store, conn, &c.id).await?;
    Ok(())
}

fn summary_from_row(r: &AnyRow) -> Result<CandidatureSummary, StoreError> {
    Ok(CandidatureSummary {
        id: r.try_get("id")?,
        organisation_id: r.try_get("organisation_id")?,
        dispositif: r.try_get("dispositif")?,
        title: r.try_get("title")?,
        state: stored(CandidatureState::parse(&r.try_get::<String, _>("state")?))?,
        rem_version: r.try_get("rem_version")?,
        required: r.try_get("required")?,
        deposited: r.try_get("deposited")?,
        validated: r.try_get("validated")?,
    })
}

fn deposit_from_row(r: &AnyRow) -> Result<Deposit, StoreError> {
    Ok(Deposit {
        key: ProofItemKey {
            requirement: stored(RequirementId::parse(
                &r.try_get::<String, _>("requirement_id")?,
            ))?,
            scenario: small(r.try_get("scenario")?)?,
            proof: small(r.try_get("proof")?)?,
        },
        status: stored(ProofStatus::parse(&r.try_get::<String, _>("status")?))?,
        deposited_on: opt_date(r.try_get("deposited_on")?)?,
    })
}

fn small(n: i64) -> Result<u16, StoreError> {
    u16::try_from(n).map_err(|_| StoreError::Other(format!("numéro enregistré hors limites : {n}")))
}

/// One proof item of a REM version as cached in memory (see [`Store`]'s catalogue cache).
#[derive(Debug, Clone)]
pub(crate) struct CatalogueItem {
    pub requirement: String,
    pub scenario: i64,
    pub proof: i64,
    pub chapter: String,
    pub profile: String,
    pub nature: String,
    pub wave_origin: String,
    pub scenario_text: String,
    pub proof_text: String,
    pub position: i64,
}

/// One organisation's view of the store. Cheap to clone.
#[derive(Clone, Debug)]
pub struct TenantStore {
    store: Store,
    organisation_id: String,
}

impl TenantStore {
    pub(crate) fn new(store: Store, organisation_id: &str) -> Self {
        Self {
            store,
            organisation_id: organisation_id.to_owned(),
        }
    }

    pub fn organisation_id(&self) -> &str {
        &self.organisation_id
    }

    pub(crate) fn store(&self) -> &Store {
        &self.store
    }

    fn tick(&self) {
        self.store.tick();
    }

    /// The organisation's candidatures with their proof counts: two queries whatever the
    /// number of candidatures and items.
    pub async fn list_candidatures(
        &self,
        page: Page,
    ) -> Result<Paged<CandidatureSummary>, StoreError> {
        let page = page.clamped();
        self.tick();
        let total: i64 =
            sqlx::query("SELECT COUNT(*) AS n FROM candidatures WHERE organisation_id = $1")
                .bind(&self.organisation_id)
                .fetch_one(self.store.pool())
                .await?
                .try_get("n")?;
        self.tick();
        let rows = sqlx::query(concat!(
            summary_select!(),
            "ORDER BY c.position, c.id LIMIT $3 OFFSET $4"
        ))
        .bind(&self.organisation_id)
        .bind(Profile::GENERAL)
        .bind(page.limit)
        .bind(page.offset)
        .fetch_all(self.store.pool())
        .await?;
        Ok(Paged {
            items: rows
                .iter()
                .map(summary_from_row)
                .collect::<Result<_, _>>()?,
            total,
            limit: page.limit,
            offset: page.offset,
        })
    }

    pub async fn candidature_summary(&self, id: &str) -> Result<CandidatureSummary, StoreError> {
        self.tick();
        let row = sqlx::query(concat!(summary_select!(), "AND c.id = $3"))
            .bind(&self.organisation_id)
            .bind(Profile::GENERAL)
            .bind(id)
            .fetch_optional(self.store.pool())
            .await?
            .ok_or(StoreError::NotFound)?;
        summary_from_row(&row)
    }

    /// The candidature with its deposits; `NotFound` if it belongs to another organisation.
    pub async fn get_candidature(&self, id: &str) -> Result<WorldCandidature, StoreError> {
        self.tick();
        let row =
            sqlx::query("SELECT data FROM candidatures WHERE id = $1 AND organisation_id = $2")
                .bind(id)
                .bind(&self.organisation_id)
                .fetch_optional(self.store.pool())
                .await?
                .ok_or(StoreError::NotFound)?;
        let mut c: WorldCandidature = from_json(&row.try_get::<String, _>("data")?)?;
        self.tick();
        let rows = sqlx::query(
            "SELECT requirement_id, scenario, proof, status, deposited_on FROM proof_deposits \
             WHERE candidature_id = $1 AND organisation_id = $2 ORDER BY position",
        )
        .bind(id)
        .bind(&self.organisation_id)
        .fetch_all(self.store.pool())
        .await?;
        c.deposits = rows
            .iter()
            .map(deposit_from_row)
            .collect::<Result<_, _>>()?;
        Ok(c)
    }

    /// Every candidature of the organisation with its deposits, in world order (two queries).
    pub async fn list_world_candidatures(&self) -> Result<Vec<WorldCandidature>, StoreError> {
        self.tick();
        let rows = sqlx::query(
            "SELECT id, data FROM candidatures WHERE organisation_id = $1 ORDER BY position, id",
        )
        .bind(&self.organisation_id)
        .fetch_all(self.store.pool())
        .await?;
        self.tick();
        let deposits = sqlx::query(
            "SELECT candidature_id, requirement_id, scenario, proof, status, deposited_on FROM proof_deposits \
             WHERE organisation_id = $1 ORDER BY candidature_id, position",
        )
        .bind(&self.organisation_id)
        .fetch_all(self.store.pool())
        .await?;
        let mut by_candidature: BTreeMap<String, Vec<Deposit>> = BTreeMap::new();
        for d in &deposits {
            by_candidature
                .entry(d.try_get("candidature_id")?)
                .or_default()
                .push(deposit_from_row(d)?);
        }
        rows.iter()
            .map(|r| {
                let mut c: WorldCandidature = from_json(&r.try_get::<String, _>("data")?)?;
                c.deposits = by_candidature
                    .remove(&r.try_get::<String, _>("id")?)
                    .unwrap_or_default();
                Ok(c)
            })
            .collect()
    }

    /// Proof items of a candidature's pinned REM version for its applicable profiles (Général
    /// plus the selected ones), in REM order, with their deposit status.
    ///
    /// Two queries whatever the size (the candidature with its profiles, then its deposits):
    /// the REM's own rows come from the store's catalogue cache, filled by one more query the
    /// first time a REM version is listed.
    pub async fn list_proof_items(
        &self,
        candidature_id: &str,
        chapter: Option<&str>,
        page: Page,
    ) -> Result<Paged<ProofItemRow>, StoreError> {
        let page = page.clamped();
        self.tick();
        let head = sqlx::query(
            "SELECT c.dispositif, c.rem_version, cp.profile FROM candidatures c \
             LEFT JOIN candidature_profiles cp ON cp.candidature_id = c.id \
             WHERE c.id = $1 AND c.organisation_id = $2",
        )
        .bind(candidature_id)
        .bind(&self.organisation_id)
        .fetch_all(self.store.pool())
        .await?;
        let first = head.first().ok_or(StoreError::NotFound)?;
        let dispositif: String = first.try_get("dispositif")?;
        let rem_version: String = first.try_get("rem_version")?;
        let mut profiles = vec![Profile::GENERAL.to_owned()];
        for row in &head {
            if let Some(p) = row.try_get::<Option<String>, _>("profile")? {
                profiles.push(p);
            }
        }
        let catalogue = self.catalogue_items(&dispositif, &rem_version).await?;
        self.tick();
        let deposits = sqlx::query(
            "SELECT requirement_id, scenario, proof, status, deposited_on FROM proof_deposits \
             WHERE candidature_id = $1 AND organisation_id = $2",
        )
        .bind(candidature_id)
        .bind(&self.organisation_id)
        .fetch_all(self.store.pool())
        .await?;
        let mut by_key: std::collections::HashMap<
            (String, i64, i64),
            (ProofStatus, Option<String>),
        > = std::collections::HashMap::with_capacity(deposits.len());
        for d in &deposits {
            let status: String = d.try_get("status")?;
            by_key.insert(
                (
                    d.try_get("requirement_id")?,
                    d.try_get("scenario")?,
                    d.try_get("proof")?,
                ),
                (
                    stored(ProofStatus::parse(status.as_str()))?,
                    d.try_get("deposited_on")?,
                ),
            );
        }
        let selected = catalogue
            .iter()
            .filter(|i| profiles.contains(&i.profile) && chapter.is_none_or(|c| c == i.chapter));
        let total = selected.clone().count() as i64;
        let items = selected
            .skip(usize::try_from(page.offset).unwrap_or(usize::MAX))
            .take(usize::try_from(page.limit).unwrap_or(0))
            .map(|i| {
                let (status, deposited_on) = by_key
                    .get(&(i.requirement.clone(), i.scenario, i.proof))
                    .cloned()
                    .unwrap_or((ProofStatus::ToDeposit, None));
                ProofItemRow {
                    requirement: i.requirement.clone(),
                    scenario: i.scenario,
                    proof: i.proof,
                    chapter: i.chapter.clone(),
                    profile: i.profile.clone(),
                    nature: i.nature.clone(),
                    wave_origin: i.wave_origin.clone(),
                    scenario_text: i.scenario_text.clone(),
                    proof_text: i.proof_text.clone(),
                    status,
                    deposited_on,
                    position: i.position,
                }
            })
            .collect();
        Ok(Paged {
            items,
            total,
            limit: page.limit,
            offset: page.offset,
        })
    }

    /// The proof items of a REM version, from the catalogue cache or loaded once.
    async fn catalogue_items(
        &self,
        dispositif: &str,
        version: &str,
    ) -> Result<Arc<Vec<CatalogueItem>>, StoreError> {
        if let Some(items) = self.store.cached_catalogue(dispositif, version) {
            return Ok(items);
        }
        self.tick();
        let rows = sqlx::query(
            "SELECT requirement_id, scenario, proof, chapter, profile, nature, wave_origin, \
             scenario_text, proof_text, position FROM proof_items \
             WHERE dispositif = $1 AND rem_version = $2 ORDER BY position",
        )
        .bind(dispositif)
        .bind(version)
        .fetch_all(self.store.pool())
        .await?;
        let items = rows
            .iter()
            .map(|r| {
                Ok(CatalogueItem {
                    requirement: r.try_get("requirement_id")?,
                    scenario: r.try_get("scenario")?,
                    proof: r.try_get("proof")?,
                    chapter: r.try_get("chapter")?,
                    profile: r.try_get("profile")?,
                    nature: r.try_get("nature")?,
                    wave_origin: r.try_get("wave_origin")?,
                    scenario_text: r.try_get("scenario_text")?,
                    proof_text: r.try_get("proof_text")?,
                    position: r.try_get("position")?,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        let items = Arc::new(items);
        self.store
            .cache_catalogue(dispositif, version, items.clone());
        Ok(items)
    }

    /// Per chapter, in REM order: applicable items, deposited and validated counts.
    pub async fn chapter_progress(
        &self,
        candidature_id: &str,
    ) -> Result<Vec<ChapterProgress>, StoreError> {
        let (dispositif, rem_version) = self.candidature_rem(candidature_id).await?;
        self.tick();
        let rows = sqlx::query(concat!(
            "SELECT pi.chapter, MIN(pi.position) AS first_position, COUNT(*) AS items, ",
            "COUNT(CASE WHEN d.status IN ",
            deposited_statuses!(),
            " THEN 1 END) AS deposited, ",
            "COUNT(CASE WHEN d.status = 'validated' THEN 1 END) AS validated ",
            "FROM proof_items pi LEFT JOIN proof_deposits d ON d.candidature_id = $1 AND d.organisation_id = $2 ",
            "AND d.requirement_id = pi.requirement_id AND d.scenario = pi.scenario AND d.proof = pi.proof ",
            "WHERE pi.dispositif = $4 AND pi.rem_version = $5 AND ",
            applicable!("$3", "$1"),
            " GROUP BY pi.chapter ORDER BY first_position"
        ))
        .bind(candidature_id)
        .bind(&self.organisation_id)
        .bind(Profile::GENERAL)
        .bind(&dispositif)
        .bind(&rem_version)
        .fetch_all(self.store.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ChapterProgress {
                    chapter: r.try_get("chapter")?,
                    items: r.try_get("items")?,
                    deposited: r.try_get("deposited")?,
                    validated: r.try_get("validated")?,
                })
            })
            .collect()
    }

    async fn candidature_rem(&self, candidature_id: &str) -> Result<(String, String), StoreError> {
        self.tick();
        let row = sqlx::query("SELECT dispositif, rem_version FROM candidatures WHERE id = $1 AND organisation_id = $2")
            .bind(candidature_id)
            .bind(&self.organisation_id)
            .fetch_optional(self.store.pool())
            .await?
            .ok_or(StoreError::NotFound)?;
        Ok((row.try_get("dispositif")?, row.try_get("rem_version")?))
    }

    /// The organisation's solutions: referenced ones (by NRU) then those filed in candidatures.
    pub async fn list_solutions(&self) -> Result<Vec<SolutionRecord>, StoreError> {
        self.tick();
        let refs = sqlx::query(
            "SELECT data FROM referencings WHERE organisation_id = $1 ORDER BY position, nru",
        )
        .bind(&self.organisation_id)
        .fetch_all(self.store.pool())
        .await?;
        self.tick();
        let cands = sqlx::query(
            "SELECT data FROM candidatures WHERE organisation_id = $1 ORDER BY position, id",
        )
        .bind(&self.organisation_id)
        .fetch_all(self.store.pool())
        .await?;
        let mut out = Vec::with_capacity(refs.len() + cands.len());
        for r in &refs {
            let r: Referencing = from_json(&r.try_get::<String, _>("data")?)?;
            out.push(SolutionRecord {
                source: SolutionSource::Referencing,
                id: r.nru.to_string(),
                dispositif: r.dispositif.to_string(),
                solution: r.solution,
                state: referencing_status_str(r.status).to_owned(),
                state_label: referencing_status_label(r.status).to_owned(),
            });
        }
        for c in &cands {
            let c: WorldCandidature = from_json(&c.try_get::<String, _>("data")?)?;
            out.push(SolutionRecord {
                source: SolutionSource::Candidature,
                id: c.id,
                dispositif: c.candidature.dispositif.to_string(),
                solution: c.candidature.solution,
                state: c.candidature.state.as_str().to_owned(),
                state_label: c.candidature.state.label_fr().to_owned(),
            });
        }
        Ok(out)
    }

    /// The organisation's accounts, by login (account management by the mandataire).
    pub async fn list_users(&self) -> Result<Vec<UserRecord>, StoreError> {
        self.tick();
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {USER_COLUMNS} FROM users u JOIN organisations o ON o.id = u.organisation_id \
             WHERE u.organisation_id = $1 ORDER BY u.login"
        ));
        let rows = sqlx::query(sql)
            .bind(&self.organisation_id)
            .fetch_all(self.store.pool())
            .await?;
        rows.iter().map(user_from_row).collect()
    }

    /// The organisation's editor record (charte, SIREN, NIE); `NotFound` for non-editors.
    pub async fn editor(&self) -> Result<Editor, StoreError> {
        self.tick();
        let row = sqlx::query("SELECT data FROM organisations WHERE id = $1 AND kind = 'editor'")
            .bind(&self.organisation_id)
            .fetch_optional(self.store.pool())
            .await?
            .ok_or(StoreError::NotFound)?;
        let data: Option<String> = row.try_get("data")?;
        from_json(data.as_deref().ok_or(StoreError::NotFound)?)
    }

    /// Everything the rules engine needs to evaluate this candidature: every dispositif and
    /// calendar, its REM (and those of its root and heritage referencings), all equivalence
    /// lists, all referencings (NRUs are public facts), this organisation's candidatures,
    /// editor record, pentest forms, CNDA requests and PSC habilitations.
    pub async fn world_for_candidature(&self, id: &str) -> Result<World, StoreError> {
        // Checks ownership first: nothing is read for another organisation's id.
        let (dispositif, rem_version) = self.candidature_rem(id).await?;
        let candidatures = self.list_world_candidatures().await?;
        let target = candidatures
            .iter()
            .find(|c| c.id == id)
            .ok_or(StoreError::NotFound)?
            .clone();
        let system = self.store.system();
        let dispositifs = system.list_dispositifs().await?;
        let calendars = system.list_calendar_entries().await?;
        let referencings: Vec<WorldReferencing> = system
            .list_referencings()
            .await?
            .into_iter()
            .map(|(editor, referencing)| WorldReferencing {
                editor,
                referencing,
            })
            .collect();

        let mut wanted = vec![(dispositif, rem_version)];
        let linked = target
            .candidature
            .root_nru
            .iter()
            .chain(target.candidature.heritage_nrus.iter());
        for nru in linked {
            if let Some(r) = referencings.iter().find(|r| &r.referencing.nru == nru)
                && let Some(v) = &r.referencing.rem_version
            {
                wanted.push((r.referencing.dispositif.to_string(), v.clone()));
            }
        }
        let mut rem_versions = Vec::new();
        for (d, v) in dedup_pairs(wanted) {
            match get_rem_version(&self.store, &d, &v).await {
                Ok(rem) => rem_versions.push(rem),
                // A referencing may cite a REM that was never loaded: the rules report it.
                Err(StoreError::NotFound) => {}
                Err(e) => return Err(e),
            }
        }
        let editors = match self.editor().await {
            Ok(e) => vec![e],
            Err(StoreError::NotFound) => Vec::new(),
            Err(e) => return Err(e),
        };
        Ok(World {
            dispositifs,
            calendars,
            rem_versions,
            equivalence_lists: list_equivalence_lists(&self.store).await?,
            editors,
            referencings,
            candidatures,
            pentest_forms: self.list_data(PENTEST_FORMS_SQL).await?,
            cnda_requests: self.list_data(CNDA_REQUESTS_SQL).await?,
            psc_habilitations: self.list_data(PSC_HABILITATIONS_SQL).await?,
            ..World::default()
        })
    }

    pub async fn list_pentest_forms(&self) -> Result<Vec<PentestForm>, StoreError> {
        self.list_data(PENTEST_FORMS_SQL).await
    }

    pub async fn list_cnda_requests(&self) -> Result<Vec<CndaRequest>, StoreError> {
        self.list_data(CNDA_REQUESTS_SQL).await
    }

    pub async fn list_psc_habilitations(&self) -> Result<Vec<PscHabilitation>, StoreError> {
        self.list_data(PSC_HABILITATIONS_SQL).await
    }

    /// Rows of one of the evidence tables, decoded from their `data` JSON. `sql` must select
    /// `data` and bind the organisation as `$1`.
    async fn list_data<T: serde::de::DeserializeOwned>(
        &self,
        sql: &'static str,
    ) -> Result<Vec<T>, StoreError> {
        self.tick();
        let rows = sqlx::query(sql)
            .bind(&self.organisation_id)
            .fetch_all(self.store.pool())
            .await?;
        rows.iter()
            .map(|r| from_json(&r.try_get::<String, _>("data")?))
            .collect()
    }

    /// Moves a candidature through the state machine (LIF family) and audits the transition
    /// in the same transaction. A transition the machine refuses is a `Conflict`; nothing is
    /// written then. Returns the new state.
    pub async fn apply_candidature_event(
        &self,
        candidature_id: &str,
        event: CandidatureEvent,
        audit: &AuditEntry,
    ) -> Result<CandidatureState, StoreError> {
        let today = jiff::Timestamp::now()
            .to_zoned(segur_domain::calendar::paris())
            .date();
        self.transition_candidature(candidature_id, event, today, audit)
            .await
    }

    /// [`Self::apply_candidature_event`] on a given day: declaring the dossier complete
    /// records `today` as its complete-deposit date (LIF-05, which BDC-02 reads). A referral
    /// or a refusal is a decision with its own record (NRU and attestation, motivation): they
    /// go through `refer_candidature` / `refuse_candidature` and are refused here.
    pub async fn transition_candidature(
        &self,
        candidature_id: &str,
        event: CandidatureEvent,
        today: jiff::civil::Date,
        audit: &AuditEntry,
    ) -> Result<CandidatureState, StoreError> {
        if matches!(event, CandidatureEvent::Refer | CandidatureEvent::Refuse) {
            return Err(StoreError::Conflict(
                "un référencement ou un refus est une décision motivée du référent : \
                 utilisez la décision sur la candidature"
                    .into(),
            ));
        }
        let mut tx = self.store.begin_write().await?;
        let conn: &mut AnyConnection = &mut tx;
        self.tick();
        let row =
            sqlx::query("SELECT data FROM candidatures WHERE id = $1 AND organisation_id = $2")
                .bind(candidature_id)
                .bind(&self.organisation_id)
                .fetch_optional(&mut *conn)
                .await?
                .ok_or(StoreError::NotFound)?;
        let mut c: WorldCandidature = from_json(&row.try_get::<String, _>("data")?)?;
        let from = c.candidature.state;
        let next = from
            .apply(event)
            .map_err(|e| StoreError::Conflict(e.to_string()))?;
        c.candidature.state = next;
        if event == CandidatureEvent::DeclareComplete {
            c.candidature.complete_deposit_on = Some(today);
        }
        self.tick();
        sqlx::query(
            "UPDATE candidatures SET state = $1, data = $2 WHERE id = $3 AND organisation_id = $4",
        )
        .bind(next.as_str())
        .bind(json(&c)?)
        .bind(candidature_id)
        .bind(&self.organisation_id)
        .execute(&mut *conn)
        .await?;
        let mut entry = audit.clone();
        if entry.organisation_id.is_none() {
            entry.organisation_id = Some(self.organisation_id.clone());
        }
        if entry.action.is_empty() {
            entry.action = "candidature.transition".into();
        }
        if entry.object.is_empty() {
            entry.object = format!(
                "candidature {candidature_id} : {} → {}",
                from.as_str(),
                next.as_str()
            );
        }
        let event = segur_domain::events::DomainEvent::new(
            segur_domain::events::EventKind::CandidatureStateChanged,
            &self.organisation_id,
        )
        .candidature(candidature_id)
        .detail(format!("{} → {}", from.label_fr(), next.label_fr()));
        audit::append_with_event(&self.store, conn, &entry, &event).await?;
        self.tick();
        tx.commit().await?;
        Ok(next)
    }

    /// What moving a candidature to another version of its dispositif's REM would do (REM-03):
    /// the diff of the two versions and the fate of each deposit. Writes nothing.
    pub async fn rem_migration_preview(
        &self,
        candidature_id: &str,
        to_version: &str,
    ) -> Result<(RemDiff, MigrationImpact), StoreError> {
        let c = self.get_candidature(candidature_id).await?;
        let dispositif = c.candidature.dispositif.as_str();
        let from =
            crate::system::get_rem_version(&self.store, dispositif, &c.candidature.rem_version)
                .await?;
        let to = crate::system::get_rem_version(&self.store, dispositif, to_version).await?;
        let diff = rem_diff::diff(&from, &to);
        let deposited: Vec<ProofItemKey> = c.deposits.iter().map(|d| d.key.clone()).collect();
        let impact = rem_diff::migration_impact(&diff, &deposited);
        Ok((diff, impact))
    }

    /// Moves a candidature to another REM version of its dispositif (REM-01: a candidature is
    /// pinned to one published version; REM-03: deposits of unchanged items are kept, those of
    /// reworded or removed items are deleted, so those items are to deposit again). One
    /// transaction with a `candidature.rem_migration` audit event. The target must be published
    /// and differ from the current version (`Conflict` otherwise).
    pub async fn migrate_candidature_rem(
        &self,
        candidature_id: &str,
        to_version: &str,
        audit: &AuditEntry,
    ) -> Result<MigrationImpact, StoreError> {
        let (diff, impact) = self
            .rem_migration_preview(candidature_id, to_version)
            .await?;
        if diff.from_version == diff.to_version {
            return Err(StoreError::Conflict(format!(
                "la candidature est déjà sur la version {to_version} du REM"
            )));
        }
        let target =
            crate::system::get_rem_version(&self.store, &diff.dispositif, to_version).await?;
        if target.status != RemStatus::Published {
            return Err(StoreError::Conflict(format!(
                "la version {to_version} du REM {} n'est pas publiée : une candidature ne peut être rattachée qu'à une version publiée (REM-01)",
                diff.dispositif
            )));
        }
        let mut tx = self.store.begin_write().await?;
        let conn: &mut AnyConnection = &mut tx;
        self.tick();
        let row = sqlx::query(
            "SELECT data, rem_version FROM candidatures WHERE id = $1 AND organisation_id = $2",
        )
        .bind(candidature_id)
        .bind(&self.organisation_id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound)?;
        let current: String = row.try_get("rem_version")?;
        if current != diff.from_version {
            return Err(StoreError::Conflict(
                "la candidature a changé de version pendant l'opération : recommencez".into(),
            ));
        }
        let mut c: WorldCandidature = from_json(&row.try_get::<String, _>("data")?)?;
        c.candidature.rem_version = to_version.to_owned();
        for key in impact.to_redo.iter().chain(&impact.dropped) {
            self.tick();
            sqlx::query(
                "DELETE FROM proof_deposits WHERE candidature_id = $1 AND organisation_id = $2 \
                 AND requirement_id = $3 AND scenario = $4 AND proof = $5",
            )
            .bind(candidature_id)
            .bind(&self.organisation_id)
            .bind(key.requirement.as_str())
            .bind(i64::from(key.scenario))
            .bind(i64::from(key.proof))
            .execute(&mut *conn)
            .await?;
        }
        self.tick();
        sqlx::query("UPDATE candidatures SET rem_version = $1, data = $2 WHERE id = $3 AND organisation_id = $4")
            .bind(to_version)
            .bind(json(&c)?)
            .bind(candidature_id)
            .bind(&self.organisation_id)
            .execute(&mut *conn)
            .await?;
        let mut entry = audit.clone();
        entry
            .organisation_id
            .get_or_insert_with(|| self.organisation_id.clone());
        entry.action = "candidature.rem_migration".into();
        entry.object = format!(
            "candidature {candidature_id} : REM {} {} → {} ; dépôts conservés {}, à refaire {}, supprimés {}, nouveaux éléments {} (REM-03)",
            diff.dispositif,
            diff.from_version,
            diff.to_version,
            impact.kept.len(),
            impact.to_redo.len(),
            impact.dropped.len(),
            impact.new_items.len()
        );
        crate::queue_stats::refresh(&self.store, conn, candidature_id).await?;
        audit::append(&self.store, conn, &entry).await?;
        self.tick();
        tx.commit().await?;
        Ok(impact)
    }

    /// The audit events about this organisation, newest first.
    pub async fn list_audit(&self, page: Page) -> Result<Paged<AuditEventRecord>, StoreError> {
        let page = page.clamped();
        self.tick();
        let total: i64 =
            sqlx::query("SELECT COUNT(*) AS n FROM audit_events WHERE organisation_id = $1")
                .bind(&self.organisation_id)
                .fetch_one(self.store.pool())
                .await?
                .try_get("n")?;
        self.tick();
        let rows = sqlx::query(
            "SELECT * FROM audit_events WHERE organisation_id = $1 ORDER BY seq DESC LIMIT $2 OFFSET $3",
        )
        .bind(&self.organisation_id)
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

    /// Records the status of one proof item (insert or update) and its audit event in the same
    /// transaction. `deposited_on` is set by a deposit, kept by later review statuses and
    /// cleared when the item goes back to `to_deposit`. The audit entry's organisation, action
    /// and object are filled in when left empty.
    pub async fn record_deposit_status(
        &self,
        candidature_id: &str,
        key: &ProofItemKey,
        status: ProofStatus,
        on: jiff::civil::Date,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        let mut tx = self.store.begin_write().await?;
        let conn: &mut AnyConnection = &mut tx;
        self.tick();
        let cand = sqlx::query("SELECT dispositif, rem_version FROM candidatures WHERE id = $1 AND organisation_id = $2")
            .bind(candidature_id)
            .bind(&self.organisation_id)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or(StoreError::NotFound)?;
        let dispositif: String = cand.try_get("dispositif")?;
        let rem_version: String = cand.try_get("rem_version")?;
        self.tick();
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
        let deposited_on = (status != ProofStatus::ToDeposit).then(|| on.to_string());
        self.tick();
        sqlx::query(
            "INSERT INTO proof_deposits (organisation_id, candidature_id, requirement_id, scenario, proof, status, \
             deposited_on, position, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, \
             (SELECT COALESCE(MAX(position), -1) + 1 FROM proof_deposits WHERE candidature_id = $2), $8) \
             ON CONFLICT (candidature_id, requirement_id, scenario, proof) DO UPDATE SET \
             status = excluded.status, updated_at = excluded.updated_at, deposited_on = CASE \
             WHEN excluded.status = 'to_deposit' THEN NULL \
             WHEN excluded.status = 'deposited' OR proof_deposits.deposited_on IS NULL THEN excluded.deposited_on \
             ELSE proof_deposits.deposited_on END",
        )
        .bind(&self.organisation_id)
        .bind(candidature_id)
        .bind(key.requirement.as_str())
        .bind(i64::from(key.scenario))
        .bind(i64::from(key.proof))
        .bind(status.as_str())
        .bind(deposited_on)
        .bind(now_rfc3339())
        .execute(&mut *conn)
        .await?;

        let mut entry = audit.clone();
        if entry.organisation_id.is_none() {
            entry.organisation_id = Some(self.organisation_id.clone());
        }
        if entry.action.is_empty() {
            entry.action = "proof.status".into();
        }
        if entry.object.is_empty() {
            entry.object = format!("candidature {candidature_id} : {key} → {}", status.as_str());
        }
        crate::queue_stats::refresh(&self.store, conn, candidature_id).await?;
        audit::append(&self.store, conn, &entry).await?;
        self.tick();
        tx.commit().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dep_01_sql_deposited_statuses_match_the_domain() {
        let sql = deposited_statuses!();
        for s in ProofStatus::ALL {
            assert_eq!(
                sql.contains(&format!("'{}'", s.as_str())),
                s.counts_as_deposited(),
                "{} in {sql}",
                s.as_str()
            );
        }
    }
}
