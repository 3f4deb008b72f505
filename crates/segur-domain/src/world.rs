//! A "world": everything the rules engine needs to know, in one value.
//!
//! This is the resolved, in-memory form of a candidature-as-code file (`segur check FILE`),
//! of the demo data, and of what the server assembles from the store to compute a plan.
//! It derives serde so that TOML and JSON files map onto it directly; the file loader adds
//! `builtin` calendars and REMs or equivalence lists given by path before building it.
//!
//! Financing (clients, orders, payment requests, Prestations with PV and VA) are further
//! top-level lists, all optional.

use serde::{Deserialize, Serialize};

use crate::calendar::{Arrete, Milestone};
use crate::candidature::Candidature;
use crate::catalogue::{Dispositif, DispositifCode, EquivalenceList, ProofItemKey, RemVersion};
use crate::financing::{Client, FinancingRecords, Order, PaymentRequest, Prestation};
use crate::org::{Nie, Siren};
use crate::proof::ProofStatus;
use crate::referencing::{Nru, Referencing};
use crate::solution::{Component, Nil};

/// A calendar version as written in a world file: milestone → `YYYY-MM-DD[THH:MM]` (Paris).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalendarEntry {
    pub dispositif: DispositifCode,
    pub arrete: Arrete,
    pub dates: std::collections::BTreeMap<Milestone, String>,
}

/// An editor organisation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Editor {
    /// Stable identifier used for references inside the world (e.g. `ed-monlps`).
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub siren: Option<Siren>,
    #[serde(default)]
    pub nie: Option<Nie>,
    /// Date the legal representative accepted the Charte de référencement (LIF-01).
    #[serde(default)]
    pub charte_accepted_on: Option<jiff::civil::Date>,
}

/// A referencing held by an editor (va1 or va2).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorldReferencing {
    pub editor: String,
    #[serde(flatten)]
    pub referencing: Referencing,
}

/// One deposit against a proof item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Deposit {
    #[serde(flatten)]
    pub key: ProofItemKey,
    pub status: ProofStatus,
    #[serde(default)]
    pub deposited_on: Option<jiff::civil::Date>,
}

/// Status of a CNDA conformity request (LIF-02 needs at least `pre_examen`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CndaStatus {
    Draft,
    Submitted,
    PreExamen,
    InTesting,
    Homologated,
    Refused,
}

/// The eligibility form of the administrative dossier (LIF-02).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Eligibility {
    #[serde(default)]
    pub nie: Option<Nie>,
    /// Proof (screenshot) of a CNDA request deposited.
    #[serde(default)]
    pub cnda_proof: bool,
    #[serde(default)]
    pub submitted_on: Option<jiff::civil::Date>,
}

/// A candidature with its identity in the world and its deposits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorldCandidature {
    pub id: String,
    pub editor: String,
    #[serde(flatten)]
    pub candidature: Candidature,
    #[serde(default)]
    pub eligibility: Eligibility,
    /// NRUs of the EDC PSC habilitations (LPS, proxy) declared in the dossier.
    #[serde(default)]
    pub psc_nrus: Vec<Nru>,
    #[serde(default)]
    pub deposits: Vec<Deposit>,
}

/// How a pentest form is signed (PEN-03).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignatureKind {
    Electronic,
    Scanned,
    None,
}

/// Where the pentest ran (PEN-06).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TestEnvironment {
    IsoProduction,
    Production,
}

/// The ANS pentest form, as deposited for a candidature (PEN family).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PentestForm {
    pub candidature: String,
    pub provider: String,
    pub passi_qualified: bool,
    pub dated_on: jiff::civil::Date,
    pub signature: SignatureKind,
    #[serde(default = "default_env")]
    pub environment: TestEnvironment,
    /// Commercial names covered by the form (PEN-05).
    #[serde(default)]
    pub names: Vec<String>,
    /// Technical versions covered by the form (PEN-05).
    #[serde(default)]
    pub versions: Vec<String>,
    /// Date the form was deposited as a proof (PEN-04 reference date [default]).
    #[serde(default)]
    pub deposited_on: Option<jiff::civil::Date>,
}

fn default_env() -> TestEnvironment {
    TestEnvironment::IsoProduction
}

/// A CNDA conformity request for one NIL (CNDA family).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CndaRequest {
    pub editor: String,
    pub nil: Nil,
    pub software_version: String,
    /// Referential versions covered, e.g. `{ DMP = "2.10 MCO2", INS = "2.1" }`.
    #[serde(default)]
    pub referential_versions: std::collections::BTreeMap<String, String>,
    pub status: CndaStatus,
    #[serde(default)]
    pub requested_on: Option<jiff::civil::Date>,
}

/// Kind of EDC PSC habilitation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HabilitationKind {
    EditeurLps,
    EditeurProxy,
    Monobloc,
    OperateurServiceUtilisateur,
    OperateurProxy,
}

/// A modification of a habilitated component (PSC-02…06).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HabilitationChange {
    pub on: jiff::civil::Date,
    /// Name of the component modified.
    pub component: String,
    #[serde(default)]
    pub description: String,
}

/// An EDC PSC habilitation (PSC family).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PscHabilitation {
    pub nru: Nru,
    pub editor: String,
    pub kind: HabilitationKind,
    pub components: Vec<Component>,
    #[serde(default)]
    pub names: Vec<String>,
    #[serde(default)]
    pub nils: Vec<Nil>,
    pub issued_on: jiff::civil::Date,
    #[serde(default)]
    pub pmt_validated_on: Option<jiff::civil::Date>,
    #[serde(default)]
    pub modifications: Vec<HabilitationChange>,
}

/// Everything known: catalogue, calendars, editors, referencings, candidatures, evidence.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct World {
    #[serde(default)]
    pub dispositifs: Vec<Dispositif>,
    #[serde(default)]
    pub calendars: Vec<CalendarEntry>,
    #[serde(default)]
    pub rem_versions: Vec<RemVersion>,
    #[serde(default)]
    pub equivalence_lists: Vec<EquivalenceList>,
    #[serde(default)]
    pub editors: Vec<Editor>,
    #[serde(default)]
    pub referencings: Vec<WorldReferencing>,
    #[serde(default)]
    pub candidatures: Vec<WorldCandidature>,
    #[serde(default)]
    pub pentest_forms: Vec<PentestForm>,
    #[serde(default)]
    pub cnda_requests: Vec<CndaRequest>,
    #[serde(default)]
    pub psc_habilitations: Vec<PscHabilitation>,
    /// Client structures with their caps and va1 history (financing: BDC, FIN).
    #[serde(default)]
    pub clients: Vec<Client>,
    /// Bons de commande (BDC, FIN).
    #[serde(default)]
    pub orders: Vec<Order>,
    /// Advance and balance requests (FIN-04, FIN-05).
    #[serde(default)]
    pub payment_requests: Vec<PaymentRequest>,
    /// Prestations with their PV and VA (PRE).
    #[serde(default)]
    pub prestations: Vec<Prestation>,
    /// Versions declared obsolete by their editors (published, PUB-01).
    #[serde(default)]
    pub obsolete_versions: Vec<crate::register::ObsoleteVersion>,
}

impl World {
    pub fn candidature(&self, id: &str) -> Option<&WorldCandidature> {
        self.candidatures.iter().find(|c| c.id == id)
    }

    pub fn referencing(&self, nru: &Nru) -> Option<&WorldReferencing> {
        self.referencings.iter().find(|r| &r.referencing.nru == nru)
    }

    pub fn rem_version(&self, dispositif: &DispositifCode, version: &str) -> Option<&RemVersion> {
        self.rem_versions
            .iter()
            .find(|r| &r.dispositif == dispositif && r.version == version)
    }

    pub fn dispositif(&self, code: &DispositifCode) -> Option<&Dispositif> {
        self.dispositifs.iter().find(|d| &d.code == code)
    }

    /// The financing lists, borrowed, for the BDC, FIN and PRE rules.
    pub fn financing(&self) -> FinancingRecords<'_> {
        FinancingRecords {
            clients: &self.clients,
            orders: &self.orders,
            payment_requests: &self.payment_requests,
            prestations: &self.prestations,
        }
    }
}
