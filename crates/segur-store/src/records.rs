//! Plain records returned by the store, and the small input types it takes.

use serde::{Deserialize, Serialize};

use segur_domain::candidature::CandidatureState;
use segur_domain::catalogue::RemStatus;
use segur_domain::org::{OrganisationKind, Role};
use segur_domain::proof::ProofStatus;
use segur_domain::solution::Solution;

/// Which database a [`crate::Store`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// A signed-in user with the organisation they act for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UserRecord {
    pub id: String,
    pub login: String,
    pub display_name: String,
    pub role: Role,
    pub organisation_id: String,
    pub organisation_kind: OrganisationKind,
    pub organisation_name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrganisationRecord {
    pub id: String,
    pub kind: OrganisationKind,
    pub name: String,
    pub siren: Option<String>,
    pub nie: Option<String>,
}

/// One line of a candidature list, with its proof counts computed in SQL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CandidatureSummary {
    pub id: String,
    pub organisation_id: String,
    pub dispositif: String,
    /// Commercial names joined with " / ".
    pub title: String,
    pub state: CandidatureState,
    pub rem_version: String,
    /// Proof items of the applicable profiles (Général + selected ones, LIF-03).
    pub required: i64,
    /// Applicable items deposited, whatever their review status (DEP-01 counting unit).
    pub deposited: i64,
    pub validated: i64,
}

/// One proof item of a candidature's REM with its deposit status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProofItemRow {
    pub requirement: String,
    pub scenario: i64,
    pub proof: i64,
    pub chapter: String,
    pub profile: String,
    pub nature: String,
    pub wave_origin: String,
    pub scenario_text: String,
    pub proof_text: String,
    /// `to_deposit` when nothing was recorded for the item.
    pub status: ProofStatus,
    pub deposited_on: Option<String>,
    /// Rank of the item in the REM (0-based).
    pub position: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChapterProgress {
    pub chapter: String,
    pub items: i64,
    pub deposited: i64,
    pub validated: i64,
}

/// A page request. Out-of-range values are clamped, never refused: see [`Page::clamped`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page {
    pub limit: i64,
    pub offset: i64,
}

impl Page {
    pub const DEFAULT_LIMIT: i64 = 50;
    pub const MAX_LIMIT: i64 = 500;

    pub fn new(limit: i64, offset: i64) -> Self {
        Self { limit, offset }.clamped()
    }

    /// The first page of the largest allowed size.
    pub fn max() -> Self {
        Self::new(Self::MAX_LIMIT, 0)
    }

    /// `limit` within 1..=[`Page::MAX_LIMIT`], `offset` at least 0.
    pub fn clamped(self) -> Self {
        Self {
            limit: self.limit.clamp(1, Self::MAX_LIMIT),
            offset: self.offset.max(0),
        }
    }
}

impl Default for Page {
    fn default() -> Self {
        Self::new(Self::DEFAULT_LIMIT, 0)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Paged<T> {
    pub items: Vec<T>,
    /// Number of items across all pages.
    pub total: i64,
    pub limit: i64,
    pub offset: i64,
}

impl<T> Paged<T> {
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Paged<U> {
        Paged {
            items: self.items.into_iter().map(f).collect(),
            total: self.total,
            limit: self.limit,
            offset: self.offset,
        }
    }
}

/// Who did what, attached to every audited mutation.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AuditEntry {
    pub actor_user_id: Option<String>,
    pub actor_role: Option<String>,
    pub organisation_id: Option<String>,
    pub action: String,
    pub object: String,
    pub request_id: Option<String>,
    pub ip: Option<String>,
}

impl AuditEntry {
    pub fn new(action: impl Into<String>, object: impl Into<String>) -> Self {
        Self {
            action: action.into(),
            object: object.into(),
            ..Self::default()
        }
    }

    /// Sets the actor fields from a signed-in user.
    pub fn by(mut self, user: &UserRecord) -> Self {
        self.actor_user_id = Some(user.id.clone());
        self.actor_role = Some(user.role.as_str().to_owned());
        self.organisation_id = Some(user.organisation_id.clone());
        self
    }

    pub fn with_request(mut self, request_id: Option<String>, ip: Option<String>) -> Self {
        self.request_id = request_id;
        self.ip = ip;
        self
    }
}

/// A stored audit event, with its place in the hash chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEventRecord {
    pub seq: i64,
    /// RFC 3339 UTC instant.
    pub at: String,
    pub actor_user_id: Option<String>,
    pub actor_role: Option<String>,
    pub organisation_id: Option<String>,
    pub action: String,
    pub object: String,
    pub request_id: Option<String>,
    pub ip: Option<String>,
    /// Hash of the previous event (64 zeros for the first one).
    pub prev_hash: String,
    pub hash: String,
}

impl AuditEventRecord {
    /// The hash this event must carry: SHA-256 over its fields and `prev_hash`, each field
    /// length-prefixed so that no two different events serialise alike.
    pub fn compute_hash(&self) -> String {
        crate::audit::event_hash(self)
    }
}

/// An account to create. The password is plain here and hashed (argon2id) by the store.
#[derive(Clone, PartialEq, Eq, Deserialize)]
pub struct NewAccount {
    pub login: String,
    pub display_name: String,
    pub password: String,
    pub role: Role,
    pub organisation_id: String,
}

impl std::fmt::Debug for NewAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewAccount")
            .field("login", &self.login)
            .field("display_name", &self.display_name)
            .field("password", &"***")
            .field("role", &self.role)
            .field("organisation_id", &self.organisation_id)
            .finish()
    }
}

/// What [`crate::SystemStore::import_world`] wrote.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct ImportSummary {
    pub organisations: i64,
    pub dispositifs: i64,
    pub calendars: i64,
    pub rem_versions: i64,
    pub requirements: i64,
    pub proof_items: i64,
    pub equivalence_lists: i64,
    pub referencings: i64,
    pub candidatures: i64,
    pub deposits: i64,
    pub pentest_forms: i64,
    pub cnda_requests: i64,
    pub psc_habilitations: i64,
    pub accounts: i64,
    /// Clients, orders, Prestations and payment requests.
    pub financing_records: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RemVersionSummary {
    pub dispositif: String,
    pub version: String,
    pub status: RemStatus,
    pub published_on: Option<jiff::civil::Date>,
    pub illustrative: bool,
    pub requirements: i64,
    pub proof_items: i64,
}

/// A requirement found by [`crate::SystemStore::search_requirements`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RequirementHit {
    pub dispositif: String,
    pub rem_version: String,
    pub id: String,
    pub chapter: String,
    pub profile: String,
    pub enonce: String,
}

/// Where a solution of an editor comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SolutionSource {
    Referencing,
    Candidature,
}

impl SolutionSource {
    pub fn as_str(self) -> &'static str {
        match self {
            SolutionSource::Referencing => "referencing",
            SolutionSource::Candidature => "candidature",
        }
    }
}

/// A solution of an organisation, as referenced (NRU) or as filed in a candidature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SolutionRecord {
    pub source: SolutionSource,
    /// The NRU for a referencing, the candidature id for a candidature.
    pub id: String,
    pub dispositif: String,
    pub solution: Solution,
    /// Machine state: the candidature state, or `active` / `withdrawn` for a referencing.
    pub state: String,
    /// French label of the state.
    pub state_label: String,
}
