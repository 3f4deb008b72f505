//! JSON representations of the API (kept apart from domain and store types, like crates.io's
//! `Encodable*`): the wire contract is explicit and documented in OpenAPI.

use serde::Serialize;
use utoipa::ToSchema;

use segur_domain::calendar::{Calendar, CalendarHistory, Milestone};
use segur_domain::catalogue::{Dispositif, RemVersion, Requirement};
use segur_domain::rules::{Diagnostic, PlanItem, PlanTotals, ProofPlan, RuleInfo};
use segur_domain::solution::{CommercialName, Component, Solution};
use segur_domain::world::WorldCandidature;
use segur_store::{
    CandidatureSummary, ChapterProgress, ProofItemRow, RemVersionSummary, RequirementHit,
    UserRecord,
};

/// A page of results.
#[derive(Debug, Serialize, ToSchema)]
pub struct ListEnvelope<T: ToSchema> {
    pub items: Vec<T>,
    pub total: i64,
    pub limit: i64,
    pub offset: i64,
}

impl<T: ToSchema> ListEnvelope<T> {
    pub fn from_paged<S>(p: segur_store::Paged<S>, f: impl Fn(S) -> T) -> Self {
        Self {
            items: p.items.into_iter().map(f).collect(),
            total: p.total,
            limit: p.limit,
            offset: p.offset,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MeView {
    pub id: String,
    pub login: String,
    pub display_name: String,
    pub role: String,
    pub role_label: String,
    pub organisation_id: String,
    pub organisation_name: String,
    pub organisation_kind: String,
}

impl From<&UserRecord> for MeView {
    fn from(u: &UserRecord) -> Self {
        Self {
            id: u.id.clone(),
            login: u.login.clone(),
            display_name: u.display_name.clone(),
            role: u.role.as_str().to_owned(),
            role_label: u.role.label_fr().to_owned(),
            organisation_id: u.organisation_id.clone(),
            organisation_name: u.organisation_name.clone(),
            organisation_kind: u.organisation_kind.as_str().to_owned(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DispositifView {
    /// e.g. `MDV-LGC-Va2`
    pub code: String,
    pub name: String,
    pub couloir: String,
    /// `Va1` or `Va2`
    pub wave: String,
    /// Optional profiles; `Général` always applies.
    pub profiles: Vec<String>,
}

impl From<&Dispositif> for DispositifView {
    fn from(d: &Dispositif) -> Self {
        Self {
            code: d.code.to_string(),
            name: d.name.clone(),
            couloir: d.couloir().to_string(),
            wave: d.wave().as_str().to_owned(),
            profiles: d.profiles.iter().map(|p| p.to_string()).collect(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MilestoneView {
    /// `D0` … `D6`
    pub milestone: String,
    pub label_fr: String,
    pub label_en: String,
    /// Europe/Paris civil date-time, e.g. `2027-01-20T23:59:59`.
    pub date: String,
    /// The same instant in UTC (RFC 3339).
    pub instant: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CalendarVersionView {
    pub arrete: String,
    pub signed_on: String,
    /// In force from this date (publication in the Journal officiel).
    pub published_on: String,
    pub dates: Vec<MilestoneView>,
}

impl From<&Calendar> for CalendarVersionView {
    fn from(c: &Calendar) -> Self {
        Self {
            arrete: c.arrete.title.clone(),
            signed_on: c.arrete.signed_on.to_string(),
            published_on: c.arrete.published_on.to_string(),
            dates: Milestone::ALL
                .iter()
                .filter_map(|m| {
                    c.date(*m).map(|d| MilestoneView {
                        milestone: m.as_str().to_owned(),
                        label_fr: m.label_fr().to_owned(),
                        label_en: m.label_en().to_owned(),
                        date: d.to_string(),
                        instant: c.instant(*m).map(|t| t.to_string()),
                    })
                })
                .collect(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CalendarView {
    pub dispositif: String,
    /// The version in force on the server's date (CAL-02).
    pub in_force: Option<CalendarVersionView>,
    /// Every version, oldest first.
    pub history: Vec<CalendarVersionView>,
}

impl CalendarView {
    pub fn new(dispositif: &str, h: &CalendarHistory, today: jiff::civil::Date) -> Self {
        Self {
            dispositif: dispositif.to_owned(),
            in_force: h.in_force(today).map(Into::into),
            history: h.versions.iter().map(Into::into).collect(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RemVersionSummaryView {
    pub dispositif: String,
    pub version: String,
    pub status: String,
    pub published_on: Option<String>,
    /// True for demo catalogues that are not the official REM.
    pub illustrative: bool,
    pub requirements: i64,
    pub proof_items: i64,
}

impl From<&RemVersionSummary> for RemVersionSummaryView {
    fn from(r: &RemVersionSummary) -> Self {
        Self {
            dispositif: r.dispositif.clone(),
            version: r.version.clone(),
            status: r.status.as_str().to_owned(),
            published_on: r.published_on.map(|d| d.to_string()),
            illustrative: r.illustrative,
            requirements: r.requirements,
            proof_items: r.proof_items,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProofSpecView {
    pub number: u16,
    pub text: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ScenarioView {
    pub number: u16,
    pub text: String,
    pub proofs: Vec<ProofSpecView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RequirementView {
    /// REM-02 identifier, e.g. `SC.SSI/GEN.18`.
    pub id: String,
    pub chapter: String,
    pub fonction: String,
    pub enonce: String,
    /// `EXIGENCE` or `PRECONISATION`.
    pub nature: String,
    pub profile: String,
    pub wave_origin: String,
    pub scenarios: Vec<ScenarioView>,
}

impl From<&Requirement> for RequirementView {
    fn from(r: &Requirement) -> Self {
        Self {
            id: r.id.to_string(),
            chapter: r.chapter.clone(),
            fonction: r.fonction.clone(),
            enonce: r.enonce.clone(),
            nature: nature_str(r.nature).to_owned(),
            profile: r.profile.to_string(),
            wave_origin: r.wave_origin.as_str().to_owned(),
            scenarios: r
                .scenarios
                .iter()
                .map(|s| ScenarioView {
                    number: s.number,
                    text: s.text.clone(),
                    proofs: s
                        .proofs
                        .iter()
                        .map(|p| ProofSpecView {
                            number: p.number,
                            text: p.text.clone(),
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}

pub fn nature_str(n: segur_domain::catalogue::Nature) -> &'static str {
    match n {
        segur_domain::catalogue::Nature::Exigence => "EXIGENCE",
        segur_domain::catalogue::Nature::Preconisation => "PRECONISATION",
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RemVersionView {
    pub dispositif: String,
    pub version: String,
    pub status: String,
    pub published_on: Option<String>,
    pub illustrative: bool,
    pub change_log: Vec<String>,
    pub requirements: Vec<RequirementView>,
}

impl From<&RemVersion> for RemVersionView {
    fn from(r: &RemVersion) -> Self {
        Self {
            dispositif: r.dispositif.to_string(),
            version: r.version.clone(),
            status: r.status.as_str().to_owned(),
            published_on: r.published_on.map(|d| d.to_string()),
            illustrative: r.illustrative,
            change_log: r.change_log.clone(),
            requirements: r.requirements.iter().map(Into::into).collect(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RequirementHitView {
    pub dispositif: String,
    pub rem_version: String,
    pub id: String,
    pub chapter: String,
    pub profile: String,
    pub enonce: String,
}

impl From<RequirementHit> for RequirementHitView {
    fn from(h: RequirementHit) -> Self {
        Self {
            dispositif: h.dispositif,
            rem_version: h.rem_version,
            id: h.id,
            chapter: h.chapter,
            profile: h.profile,
            enonce: h.enonce,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CandidatureSummaryView {
    pub id: String,
    pub organisation_id: String,
    pub dispositif: String,
    pub title: String,
    pub state: String,
    pub state_label: String,
    pub rem_version: String,
    /// Proof items of the applicable profiles.
    pub required: i64,
    pub deposited: i64,
    pub validated: i64,
}

impl From<CandidatureSummary> for CandidatureSummaryView {
    fn from(c: CandidatureSummary) -> Self {
        Self {
            id: c.id,
            organisation_id: c.organisation_id,
            dispositif: c.dispositif,
            title: c.title,
            state: c.state.as_str().to_owned(),
            state_label: c.state.label_fr().to_owned(),
            rem_version: c.rem_version,
            required: c.required,
            deposited: c.deposited,
            validated: c.validated,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ComponentView {
    pub name: String,
    pub version: String,
}

impl From<&Component> for ComponentView {
    fn from(c: &Component) -> Self {
        Self {
            name: c.name.clone(),
            version: c.version.clone(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CommercialNameView {
    pub name: String,
    pub nil: String,
    pub technical_version: String,
}

impl From<&CommercialName> for CommercialNameView {
    fn from(n: &CommercialName) -> Self {
        Self {
            name: n.name.clone(),
            nil: n.nil.to_string(),
            technical_version: n.technical_version.clone(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SolutionView {
    pub principal: ComponentView,
    pub additional: Vec<ComponentView>,
    pub proxy: Option<ComponentView>,
    pub names: Vec<CommercialNameView>,
}

impl From<&Solution> for SolutionView {
    fn from(s: &Solution) -> Self {
        Self {
            principal: (&s.principal).into(),
            additional: s.additional.iter().map(Into::into).collect(),
            proxy: s.proxy.as_ref().map(Into::into),
            names: s.names.iter().map(Into::into).collect(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChapterProgressView {
    pub chapter: String,
    pub items: i64,
    pub deposited: i64,
    pub validated: i64,
}

impl From<ChapterProgress> for ChapterProgressView {
    fn from(c: ChapterProgress) -> Self {
        Self {
            chapter: c.chapter,
            items: c.items,
            deposited: c.deposited,
            validated: c.validated,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CandidatureView {
    pub id: String,
    pub organisation_id: String,
    pub dispositif: String,
    pub state: String,
    pub state_label: String,
    pub rem_version: String,
    /// Selected optional profiles (`Général` always applies).
    pub profiles: Vec<String>,
    pub solution: SolutionView,
    pub root_nru: Option<String>,
    pub root_declared_on: Option<String>,
    pub heritage_nrus: Vec<String>,
    pub attestation_honneur: bool,
    pub new_components: Vec<ComponentView>,
    pub impacted_chapters: Vec<String>,
    pub filed_on: Option<String>,
    pub complete_deposit_on: Option<String>,
    pub progress: Vec<ChapterProgressView>,
}

impl CandidatureView {
    pub fn new(c: &WorldCandidature, progress: Vec<ChapterProgress>) -> Self {
        let k = &c.candidature;
        Self {
            id: c.id.clone(),
            organisation_id: c.editor.clone(),
            dispositif: k.dispositif.to_string(),
            state: k.state.as_str().to_owned(),
            state_label: k.state.label_fr().to_owned(),
            rem_version: k.rem_version.clone(),
            profiles: k.profiles.iter().map(|p| p.to_string()).collect(),
            solution: (&k.solution).into(),
            root_nru: k.root_nru.as_ref().map(|n| n.to_string()),
            root_declared_on: k.root_declared_on.map(|d| d.to_string()),
            heritage_nrus: k.heritage_nrus.iter().map(|n| n.to_string()).collect(),
            attestation_honneur: k.attestation_honneur,
            new_components: k.new_components.iter().map(Into::into).collect(),
            impacted_chapters: k.impacted_chapters.clone(),
            filed_on: k.filed_on.map(|d| d.to_string()),
            complete_deposit_on: k.complete_deposit_on.map(|d| d.to_string()),
            progress: progress.into_iter().map(Into::into).collect(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProofItemView {
    pub requirement: String,
    pub scenario: i64,
    pub proof: i64,
    pub chapter: String,
    pub profile: String,
    pub nature: String,
    pub wave_origin: String,
    pub scenario_text: String,
    pub proof_text: String,
    /// Deposit status, e.g. `to_deposit`, `validated`.
    pub status: String,
    pub status_label: String,
    pub deposited_on: Option<String>,
}

impl From<ProofItemRow> for ProofItemView {
    fn from(r: ProofItemRow) -> Self {
        Self {
            requirement: r.requirement,
            scenario: r.scenario,
            proof: r.proof,
            chapter: r.chapter,
            profile: r.profile,
            nature: r.nature,
            wave_origin: r.wave_origin,
            scenario_text: r.scenario_text,
            proof_text: r.proof_text,
            status: r.status.as_str().to_owned(),
            status_label: r.status.label_fr().to_owned(),
            deposited_on: r.deposited_on,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DiagnosticView {
    /// Rule ID from the rule catalogue, e.g. `EQV-04`.
    pub rule: String,
    /// `error`, `warning` or `info`.
    pub severity: String,
    pub subject: String,
    pub message_fr: String,
    pub message_en: String,
    pub source: String,
}

impl From<&Diagnostic> for DiagnosticView {
    fn from(d: &Diagnostic) -> Self {
        Self {
            rule: d.rule.clone(),
            severity: severity_str(d.severity).to_owned(),
            subject: d.subject.clone(),
            message_fr: d.message_fr.clone(),
            message_en: d.message_en.clone(),
            source: d.source.clone(),
        }
    }
}

pub fn severity_str(s: segur_domain::rules::Severity) -> &'static str {
    match s {
        segur_domain::rules::Severity::Error => "error",
        segur_domain::rules::Severity::Warning => "warning",
        segur_domain::rules::Severity::Info => "info",
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DiagnosticsView {
    pub candidature: String,
    /// Date at which the rules were evaluated (Europe/Paris).
    pub at: String,
    pub errors: usize,
    pub warnings: usize,
    pub diagnostics: Vec<DiagnosticView>,
}

#[derive(Debug, Serialize, ToSchema, Clone, Copy, Default)]
pub struct PlanTotalsView {
    pub required: usize,
    pub inherited: usize,
    pub equivalent: usize,
    pub impacted: usize,
    pub not_applicable: usize,
    pub deposited: usize,
    pub validated: usize,
}

impl From<&PlanTotals> for PlanTotalsView {
    fn from(t: &PlanTotals) -> Self {
        Self {
            required: t.required,
            inherited: t.inherited,
            equivalent: t.equivalent,
            impacted: t.impacted,
            not_applicable: t.not_applicable,
            deposited: t.deposited,
            validated: t.validated,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PlanItemView {
    pub requirement: String,
    pub scenario: u16,
    pub proof: u16,
    pub chapter: String,
    pub profile: String,
    /// `required`, `inherited`, `equivalent`, `impacted` or `not_applicable`.
    pub status: String,
    /// Rule IDs that decided the status.
    pub rules: Vec<String>,
    pub source_nru: Option<String>,
    pub source_requirement: Option<String>,
    pub deposit: Option<String>,
    pub proof_text: String,
}

impl From<&PlanItem> for PlanItemView {
    fn from(i: &PlanItem) -> Self {
        Self {
            requirement: i.key.requirement.to_string(),
            scenario: i.key.scenario,
            proof: i.key.proof,
            chapter: i.chapter.clone(),
            profile: i.profile.to_string(),
            status: plan_status_str(i.status).to_owned(),
            rules: i.rules.clone(),
            source_nru: i.source_nru.as_ref().map(|n| n.to_string()),
            source_requirement: i.source_requirement.as_ref().map(|r| r.to_string()),
            deposit: i.deposit.map(|d| d.as_str().to_owned()),
            proof_text: i.proof_text.clone(),
        }
    }
}

pub fn plan_status_str(s: segur_domain::rules::PlanStatus) -> &'static str {
    use segur_domain::rules::PlanStatus as P;
    match s {
        P::Required => "required",
        P::Inherited => "inherited",
        P::Equivalent => "equivalent",
        P::Impacted => "impacted",
        P::NotApplicable => "not_applicable",
    }
}

pub fn plan_status_label(s: segur_domain::rules::PlanStatus) -> &'static str {
    use segur_domain::rules::PlanStatus as P;
    match s {
        P::Required => "À déposer",
        P::Inherited => "Héritée",
        P::Equivalent => "Équivalente",
        P::Impacted => "Impactée (à déposer)",
        P::NotApplicable => "Non applicable",
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChapterTotalsView {
    pub chapter: String,
    pub totals: PlanTotalsView,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProfileTotalsView {
    pub profile: String,
    pub totals: PlanTotalsView,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PlanView {
    pub candidature: String,
    pub rem_version: String,
    pub at: String,
    pub totals: PlanTotalsView,
    pub by_chapter: Vec<ChapterTotalsView>,
    pub by_profile: Vec<ProfileTotalsView>,
    pub items: Vec<PlanItemView>,
    pub diagnostics: Vec<DiagnosticView>,
}

impl PlanView {
    pub fn new(p: &ProofPlan, at: jiff::civil::Date) -> Self {
        Self {
            candidature: p.candidature.clone(),
            rem_version: p.rem_version.clone(),
            at: at.to_string(),
            totals: (&p.totals).into(),
            by_chapter: p
                .by_chapter
                .iter()
                .map(|(c, t)| ChapterTotalsView {
                    chapter: c.clone(),
                    totals: t.into(),
                })
                .collect(),
            by_profile: p
                .by_profile
                .iter()
                .map(|(pr, t)| ProfileTotalsView {
                    profile: pr.to_string(),
                    totals: t.into(),
                })
                .collect(),
            items: p.items.iter().map(Into::into).collect(),
            diagnostics: p.diagnostics.iter().map(Into::into).collect(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RuleView {
    pub id: String,
    pub family: String,
    pub title_fr: String,
    pub text_fr: String,
    pub text_en: String,
    pub source: String,
    /// True when the behaviour is the project's configurable default (`[default]`).
    pub is_default: bool,
}

impl From<&RuleInfo> for RuleView {
    fn from(r: &RuleInfo) -> Self {
        Self {
            id: r.id.to_owned(),
            family: r.family.to_owned(),
            title_fr: r.title_fr.to_owned(),
            text_fr: r.text_fr.to_owned(),
            text_en: r.text_en.to_owned(),
            source: r.source.to_owned(),
            is_default: r.is_default,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SolutionRecordView {
    /// `referencing` or `candidature`.
    pub source: String,
    /// The NRU or the candidature id.
    pub id: String,
    pub dispositif: String,
    /// Candidature state, or `active` / `withdrawn` for a referencing.
    pub state: String,
    pub state_label: String,
    pub solution: SolutionView,
}
