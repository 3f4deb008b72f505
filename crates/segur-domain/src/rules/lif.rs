//! LIF — lifecycle of a candidature (Convergence).

use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::Date;

use super::context::CheckContext;
use super::fasthash::HashMap;
use super::plan::{PlanStatus, ProofPlan};
use super::{Diagnostic, Severity, subject};
use crate::calendar::Milestone;
use crate::candidature::CandidatureState;
use crate::catalogue::ProofItemKey;
use crate::holidays;
use crate::proof::ProofStatus;
use crate::version::Version;
use crate::world::{CndaStatus, WorldCandidature};

/// Rank of a state along the journey, to compare "at least complete" etc.
fn rank(s: CandidatureState) -> u8 {
    match s {
        CandidatureState::Draft => 0,
        CandidatureState::AdminSubmitted => 1,
        CandidatureState::EligibilityComplete => 2,
        CandidatureState::ProofsInProgress => 3,
        CandidatureState::Complete => 4,
        CandidatureState::InInstruction => 5,
        CandidatureState::Referenced => 6,
        CandidatureState::Refused | CandidatureState::Abandoned => 7,
    }
}

fn is_closed(s: CandidatureState) -> bool {
    matches!(s, CandidatureState::Refused | CandidatureState::Abandoned)
}

fn item_subject(id: &str, key: &ProofItemKey) -> String {
    format!("candidature {id} / {key}")
}

/// LIF-01: the editor exists and accepted the Charte de référencement before filing.
pub fn lif_01_charte_accepted(ctx: &CheckContext<'_>, c: &WorldCandidature) -> Vec<Diagnostic> {
    let subj = subject(&c.id);
    let Some(editor) = ctx.editor(&c.editor) else {
        return vec![Diagnostic::new(
            "LIF-01",
            Severity::Error,
            subj,
            format!("éditeur « {} » inconnu", c.editor),
            format!("unknown editor \"{}\"", c.editor),
        )];
    };
    match (editor.charte_accepted_on, c.candidature.filed_on) {
        (None, _) => vec![Diagnostic::new(
            "LIF-01",
            Severity::Error,
            subj,
            format!(
                "la Charte de référencement n'a pas été acceptée par le représentant légal de {}",
                editor.name
            ),
            format!(
                "the Charte de référencement was not accepted by {}'s legal representative",
                editor.name
            ),
        )],
        (Some(accepted), Some(filed)) if accepted > filed => vec![Diagnostic::new(
            "LIF-01",
            Severity::Error,
            subj,
            format!("Charte acceptée le {accepted}, après le dépôt de la candidature le {filed}"),
            format!("Charte accepted on {accepted}, after the candidature was filed on {filed}"),
        )],
        _ => vec![],
    }
}

/// French label of a CNDA request status, for messages.
fn cnda_label(s: CndaStatus) -> &'static str {
    match s {
        CndaStatus::Draft => "brouillon",
        CndaStatus::Submitted => "déposée",
        CndaStatus::PreExamen => "pré-examen",
        CndaStatus::InTesting => "en test",
        CndaStatus::Homologated => "homologuée",
        CndaStatus::Refused => "refusée",
    }
}

/// LIF-02: eligibility form complete (NIE, one NIL per name, CNDA request ≥ pré-examen per
/// NIL, proof of the CNDA request). An error once the candidature claims eligibility complete,
/// a warning before.
pub fn lif_02_eligibility(ctx: &CheckContext<'_>, c: &WorldCandidature) -> Vec<Diagnostic> {
    let state = c.candidature.state;
    if is_closed(state) || state == CandidatureState::Draft {
        return vec![];
    }
    let sev = if rank(state) >= rank(CandidatureState::EligibilityComplete) {
        Severity::Error
    } else {
        Severity::Warning
    };
    let subj = subject(&c.id);
    let mut out = Vec::new();
    let mut push =
        |fr: String, en: String| out.push(Diagnostic::new("LIF-02", sev, subj.clone(), fr, en));
    let editor_nie = ctx.editor(&c.editor).and_then(|e| e.nie.as_ref());
    match (&c.eligibility.nie, editor_nie) {
        (None, None) => push(
            "formulaire d'éligibilité : NIE de l'éditeur manquant".into(),
            "eligibility form: editor NIE missing".into(),
        ),
        (Some(a), Some(b)) if a != b => push(
            format!("formulaire d'éligibilité : NIE {a} différent de celui de l'éditeur ({b})"),
            format!("eligibility form: NIE {a} differs from the editor's ({b})"),
        ),
        _ => {}
    }
    let mut by_nil: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for n in &c.candidature.solution.names {
        by_nil
            .entry(n.nil.as_str())
            .or_default()
            .push(n.name.as_str());
    }
    for (nil, names) in &by_nil {
        if names.len() > 1 {
            push(
                format!(
                    "NIL {nil} partagé par plusieurs noms commerciaux ({}) : un NIL par nom",
                    names.join(", ")
                ),
                format!(
                    "NIL {nil} shared by several commercial names ({}): one NIL per name",
                    names.join(", ")
                ),
            );
        }
    }
    if c.candidature.solution.names.is_empty() {
        push(
            "aucun nom commercial (ni NIL) déclaré".into(),
            "no commercial name (nor NIL) declared".into(),
        );
    }
    for n in &c.candidature.solution.names {
        let best = ctx
            .cnda_requests(&c.editor, &n.nil)
            .iter()
            .map(|r| r.status)
            .filter(|s| *s != CndaStatus::Refused)
            .max();
        if best.is_none_or(|s| s < CndaStatus::PreExamen) {
            let st = best
                .map(|s| cnda_label(s).to_owned())
                .unwrap_or_else(|| "aucune".into());
            push(
                format!(
                    "NIL {} ({}) : demande de conformité CNDA au moins « Pré-examen » requise (statut : {st})",
                    n.nil, n.name
                ),
                format!(
                    "NIL {} ({}): a CNDA conformity request at least \"Pré-examen\" is required (status: {st})",
                    n.nil, n.name
                ),
            );
        }
    }
    if !c.eligibility.cnda_proof {
        push(
            "preuve (capture) de la demande de conformité CNDA non déposée".into(),
            "proof (screenshot) of the CNDA conformity request not deposited".into(),
        );
    }
    out
}

/// LIF-03: deposits only on items of the pinned REM version and of applicable profiles.
pub fn lif_03_deposits_applicable(c: &WorldCandidature, plan: &ProofPlan) -> Vec<Diagnostic> {
    let by_key: HashMap<&ProofItemKey, PlanStatus> =
        plan.items.iter().map(|i| (&i.key, i.status)).collect();
    let mut out = Vec::new();
    for d in &c.deposits {
        match by_key.get(&d.key) {
            None => out.push(Diagnostic::new(
                "LIF-03",
                Severity::Error,
                item_subject(&c.id, &d.key),
                format!(
                    "dépôt sur une ligne absente du REM {} {}",
                    plan.dispositif, plan.rem_version
                ),
                format!(
                    "deposit on an item that is not in REM {} {}",
                    plan.dispositif, plan.rem_version
                ),
            )),
            Some(PlanStatus::NotApplicable) if d.status.counts_as_deposited() => {
                out.push(Diagnostic::new(
                    "LIF-03",
                    Severity::Error,
                    item_subject(&c.id, &d.key),
                    "dépôt sur une exigence d'un profil non sélectionné par la candidature",
                    "deposit on a requirement of a profile the candidature did not select",
                ))
            }
            _ => {}
        }
    }
    out
}

/// LIF-04: the administrative candidature is filed no later than D1 (calendar of the filing
/// date, CAL-02).
pub fn lif_04_filed_before_d1(ctx: &CheckContext<'_>, c: &WorldCandidature) -> Vec<Diagnostic> {
    let cand = &c.candidature;
    let subj = subject(&c.id);
    let Some(filed) = cand.filed_on else {
        if cand.state != CandidatureState::Draft && !is_closed(cand.state) {
            return vec![Diagnostic::new(
                "LIF-04",
                Severity::Warning,
                subj,
                "date de dépôt de la candidature administrative inconnue",
                "filing date of the administrative candidature unknown",
            )];
        }
        return vec![];
    };
    match ctx.milestone(&cand.dispositif, Milestone::D1, filed) {
        None => vec![Diagnostic::new(
            "LIF-04",
            Severity::Info,
            subj,
            format!(
                "D1 de {} inconnue : dépôt du {filed} non vérifié",
                cand.dispositif
            ),
            format!(
                "D1 of {} unknown: filing on {filed} not checked",
                cand.dispositif
            ),
        )],
        Some(d1) if filed > d1 => vec![Diagnostic::new(
            "LIF-04",
            Severity::Error,
            subj,
            format!("candidature administrative déposée le {filed}, après D1 ({d1})"),
            format!("administrative candidature filed on {filed}, after D1 ({d1})"),
        )],
        Some(_) => vec![],
    }
}

/// LIF-05: the complete dossier is deposited no later than D2, its date is recorded, and past
/// D2 no item to deposit may be missing.
pub fn lif_05_complete_before_d2(
    ctx: &CheckContext<'_>,
    c: &WorldCandidature,
    plan: Option<&ProofPlan>,
) -> Vec<Diagnostic> {
    let cand = &c.candidature;
    let subj = subject(&c.id);
    let mut out = Vec::new();
    let claims_complete = matches!(
        cand.state,
        CandidatureState::Complete | CandidatureState::InInstruction | CandidatureState::Referenced
    );
    match cand.complete_deposit_on {
        None if claims_complete => out.push(Diagnostic::new(
            "LIF-05",
            Severity::Error,
            subj.clone(),
            format!(
                "état « {} » sans date de dossier complet enregistrée",
                cand.state.label_fr()
            ),
            format!(
                "state \"{}\" without a recorded complete-dossier date",
                cand.state.as_str()
            ),
        )),
        None => {}
        Some(done) => match ctx.milestone(&cand.dispositif, Milestone::D2, done) {
            Some(d2) if done > d2 => out.push(Diagnostic::new(
                "LIF-05",
                Severity::Error,
                subj.clone(),
                format!("dossier complet déposé le {done}, après D2 ({d2})"),
                format!("complete dossier deposited on {done}, after D2 ({d2})"),
            )),
            Some(_) => {}
            None => out.push(Diagnostic::new(
                "LIF-05",
                Severity::Info,
                subj.clone(),
                format!(
                    "D2 de {} inconnue : date de dossier complet non vérifiée",
                    cand.dispositif
                ),
                format!(
                    "D2 of {} unknown: complete-dossier date not checked",
                    cand.dispositif
                ),
            )),
        },
    }
    if cand.state.is_final() || cand.complete_deposit_on.is_some() {
        return out;
    }
    if let (Some(d2), Some(p)) = (ctx.milestone(&cand.dispositif, Milestone::D2, ctx.at), plan)
        && ctx.at > d2
    {
        let missing = p.totals.to_deposit() - p.totals.deposited;
        if missing > 0 {
            out.push(Diagnostic::new(
                "LIF-05",
                Severity::Error,
                subj,
                format!("D2 ({d2}) dépassée : {missing} preuve(s) à déposer manquante(s)"),
                format!("D2 ({d2}) passed: {missing} proof(s) still to deposit"),
            ));
        }
    }
    out
}

/// Days elapsed from `from` to `to` under the LIF-06 setting.
fn elapsed(from: Date, to: Date, working: bool, alsace: bool) -> i64 {
    if working {
        holidays::working_days_between(from, to, alsace)
    } else {
        from.until((jiff::Unit::Day, to))
            .map(|s| i64::from(s.get_days()))
            .unwrap_or(0)
    }
}

/// LIF-06: a complement request unanswered for more than N days [5 calendar days] flags the
/// candidature "instruction retardée". The request date is the deposit's `deposited_on`.
pub fn lif_06_unanswered_complement(
    ctx: &CheckContext<'_>,
    c: &WorldCandidature,
) -> Vec<Diagnostic> {
    let s = ctx.rules(&c.candidature.dispositif);
    let limit = i64::from(s.lif06_unanswered_days);
    let unit = if s.lif06_working_days {
        ("jours ouvrés", "working days")
    } else {
        ("jours", "days")
    };
    c.deposits
        .iter()
        .filter(|d| d.status == ProofStatus::ComplementRequested)
        .filter_map(|d| {
            let on = d.deposited_on?;
            let days = elapsed(on, ctx.at, s.lif06_working_days, s.cal03_alsace_moselle);
            (days > limit).then(|| {
                Diagnostic::new(
                    "LIF-06",
                    Severity::Warning,
                    item_subject(&c.id, &d.key),
                    format!("instruction retardée : complément demandé le {on} sans réponse depuis {days} {} (plus de {limit})", unit.0),
                    format!("instruction delayed: complement requested on {on} unanswered for {days} {} (more than {limit})", unit.1),
                )
            })
        })
        .collect()
}

/// LIF-07: no complement request opened after D3 (calendar of the request date).
pub fn lif_07_no_complement_after_d3(
    ctx: &CheckContext<'_>,
    c: &WorldCandidature,
) -> Vec<Diagnostic> {
    c.deposits
        .iter()
        .filter(|d| d.status == ProofStatus::ComplementRequested)
        .filter_map(|d| {
            let on = d.deposited_on?;
            let d3 = ctx.milestone(&c.candidature.dispositif, Milestone::D3, on)?;
            (on > d3).then(|| {
                Diagnostic::new(
                    "LIF-07",
                    Severity::Error,
                    item_subject(&c.id, &d.key),
                    format!("demande de complément du {on} ouverte après D3 ({d3})"),
                    format!("complement request of {on} opened after D3 ({d3})"),
                )
            })
        })
        .collect()
}

/// LIF-08: a referenced candidature has exactly one NRU (not shared) and its attestation lists
/// every commercial name and NIL (reported as info).
pub fn lif_08_nru_and_attestation(ctx: &CheckContext<'_>, c: &WorldCandidature) -> Vec<Diagnostic> {
    let cand = &c.candidature;
    let subj = subject(&c.id);
    if cand.state != CandidatureState::Referenced {
        return vec![];
    }
    let Some(nru) = &cand.obtained_nru else {
        return vec![Diagnostic::new(
            "LIF-08",
            Severity::Error,
            subj,
            "candidature référencée sans NRU enregistré",
            "referenced candidature without a recorded NRU",
        )];
    };
    let mut out = Vec::new();
    if let Some(first) = ctx.candidature_with_nru(nru)
        && first.id != c.id
    {
        out.push(Diagnostic::new(
            "LIF-08",
            Severity::Error,
            subj.clone(),
            format!(
                "NRU {nru} déjà délivré à la candidature {} : un NRU par candidature",
                first.id
            ),
            format!(
                "NRU {nru} already issued to candidature {}: one NRU per candidature",
                first.id
            ),
        ));
    }
    let mut names: Vec<String> = cand
        .solution
        .names
        .iter()
        .map(|n| format!("{} (NIL {})", n.name, n.nil))
        .collect();
    names.sort();
    out.push(Diagnostic::new(
        "LIF-08",
        Severity::Info,
        subj,
        format!(
            "attestation de référencement NRU {nru} : {}",
            names.join(", ")
        ),
        format!("referencing attestation NRU {nru}: {}", names.join(", ")),
    ));
    out
}

/// LIF-09: impacted chapters that already hold deposits: those proofs are "to requalify".
pub fn lif_09_requalify(c: &WorldCandidature, plan: &ProofPlan) -> Vec<Diagnostic> {
    // Only a change of the declaration *after* proofs were deposited makes them to requalify;
    // deposits made for the declaration as it stands (case 3A/2B) are what the ANS asks for.
    let Some(changed_on) = c.candidature.declaration_changed_on else {
        return vec![];
    };
    let deposited_before: BTreeSet<&ProofItemKey> = c
        .deposits
        .iter()
        .filter(|d| {
            d.status.counts_as_deposited() && d.deposited_on.is_some_and(|on| on < changed_on)
        })
        .map(|d| &d.key)
        .collect();
    let mut per_chapter: BTreeMap<&str, usize> = BTreeMap::new();
    for it in &plan.items {
        if c.candidature
            .impacted_chapters
            .iter()
            .any(|ch| ch == &it.chapter)
            && deposited_before.contains(&it.key)
        {
            *per_chapter.entry(it.chapter.as_str()).or_default() += 1;
        }
    }
    per_chapter
        .into_iter()
        .map(|(ch, n)| {
            Diagnostic::new(
                "LIF-09",
                Severity::Warning,
                format!("candidature {} / chapitre {ch}", c.id),
                format!(
                    "déclaration modifiée le {changed_on} : {n} preuve(s) du chapitre impacté déposée(s) avant cette date, à requalifier"
                ),
                format!("declaration changed on {changed_on}: {n} proof(s) of the impacted chapter deposited before that date, to requalify"),
            )
        })
        .collect()
}

/// LIF-10: a referenced candidature whose declared versions differ from its referencing's
/// snapshot: same major.minor is a corrective patch (info: referencing kept, document it);
/// otherwise a warning (the modification may affect conformity).
pub fn lif_10_patch_keeps_referencing(
    ctx: &CheckContext<'_>,
    c: &WorldCandidature,
) -> Vec<Diagnostic> {
    let Some(r) = c
        .candidature
        .obtained_nru
        .as_ref()
        .and_then(|n| ctx.referencing(n))
    else {
        return vec![];
    };
    let snapshot = &r.referencing.solution;
    let mut out = Vec::new();
    for comp in c.candidature.solution.components() {
        let Some(old) = snapshot.components().find(|x| x.name == comp.name) else {
            continue;
        };
        let parsed = (Version::parse(&old.version), Version::parse(&comp.version));
        let same = match &parsed {
            (Ok(a), Ok(b)) => a == b,
            _ => old.version.trim() == comp.version.trim(),
        };
        if same {
            continue;
        }
        let patch = match parsed {
            (Ok(a), Ok(b)) => {
                let mm = |v: &Version| [0, 1].map(|i| v.core().get(i).copied().unwrap_or(0));
                a != b && mm(&a) == mm(&b)
            }
            _ => false,
        };
        let subj = subject(&c.id);
        out.push(if patch {
            Diagnostic::new(
                "LIF-10",
                Severity::Info,
                subj,
                format!("composant « {} » : {} → {}, correctif sans impact sur la conformité, le référencement {} est conservé ; modification à documenter", comp.name, old.version, comp.version, r.referencing.nru),
                format!("component \"{}\": {} → {}, corrective patch, referencing {} kept; document the modification", comp.name, old.version, comp.version, r.referencing.nru),
            )
        } else {
            Diagnostic::new(
                "LIF-10",
                Severity::Warning,
                subj,
                format!("composant « {} » : {} → {}, modification au-delà d'un correctif : impact sur la conformité à évaluer et documenter", comp.name, old.version, comp.version),
                format!("component \"{}\": {} → {}, more than a patch: assess and document the conformity impact", comp.name, old.version, comp.version),
            )
        });
    }
    out
}

pub(crate) fn check(
    ctx: &CheckContext<'_>,
    c: &WorldCandidature,
    plan: Option<&ProofPlan>,
) -> Vec<Diagnostic> {
    let mut out = lif_01_charte_accepted(ctx, c);
    out.extend(lif_02_eligibility(ctx, c));
    if let Some(p) = plan {
        out.extend(lif_03_deposits_applicable(c, p));
        out.extend(lif_09_requalify(c, p));
    }
    out.extend(lif_04_filed_before_d1(ctx, c));
    out.extend(lif_05_complete_before_d2(ctx, c, plan));
    out.extend(lif_06_unanswered_complement(ctx, c));
    out.extend(lif_07_no_complement_after_d3(ctx, c));
    out.extend(lif_08_nru_and_attestation(ctx, c));
    out.extend(lif_10_patch_keeps_referencing(ctx, c));
    out
}
