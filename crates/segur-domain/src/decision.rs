//! The decision on a candidature (LIF-08, EQV-13): readiness to refer, the NRU format, the
//! content of the *attestation de référencement*, refusal and withdrawal motivations, and the
//! candidatures that lose their équivalence when a root NRU is withdrawn.
//!
//! Pure: the caller gives the plan, the date, the sequence number and the random bytes of the
//! verification code; storage, PDF rendering and HTTP live in the outer crates.

use serde::{Deserialize, Serialize};

use crate::ParseError;
use crate::candidature::{Candidature, CandidatureEvent, CandidatureState, InvalidTransition};
use crate::catalogue::{DispositifCode, Profile, ProofItemKey};
use crate::proof::ProofStatus;
use crate::referencing::Nru;
use crate::rules::ProofPlan;
use crate::solution::Nil;

/// One proof item that stops the referral: it must be deposited and is not validated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Blocker {
    pub key: ProofItemKey,
    pub chapter: String,
    /// Rule IDs of the plan that make the item required (e.g. `LIF-03`, `EQV-13`).
    pub rules: Vec<String>,
    /// Status of its deposit (`None`: nothing deposited).
    pub deposit: Option<ProofStatus>,
}

impl Blocker {
    pub fn status_label_fr(&self) -> &'static str {
        match self.deposit {
            None => "Non déposée",
            Some(s) => s.label_fr(),
        }
    }
}

/// The items that block the referral: every item the plan says must be deposited whose deposit
/// is not validated (LIF-08). Empty: the candidature can be referred.
pub fn blockers(plan: &ProofPlan) -> Vec<Blocker> {
    plan.items
        .iter()
        .filter(|i| i.status.must_deposit() && i.deposit != Some(ProofStatus::Validated))
        .map(|i| Blocker {
            key: i.key.clone(),
            chapter: i.chapter.clone(),
            rules: i.rules.clone(),
            deposit: i.deposit,
        })
        .collect()
}

/// Why a decision cannot be taken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecisionError {
    #[error(transparent)]
    Transition(#[from] InvalidTransition),
    #[error("{} pièce(s) à déposer ne sont pas validées (LIF-08)", .0.len())]
    NotReady(Vec<Blocker>),
    #[error("la candidature n'a aucun nom commercial : pas d'attestation possible (LIF-08)")]
    NoCommercialName,
}

/// Checks a referral: the state machine allows `Refer` and every required item is validated.
/// Returns the next state.
pub fn check_referral(
    state: CandidatureState,
    plan: &ProofPlan,
) -> Result<CandidatureState, DecisionError> {
    let next = state.apply(CandidatureEvent::Refer)?;
    let b = blockers(plan);
    if !b.is_empty() {
        return Err(DecisionError::NotReady(b));
    }
    Ok(next)
}

/// The motivation of a refusal or a withdrawal: required, trimmed, at most 4000 characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Motivation(String);
crate::string_newtype!(Motivation);

impl Motivation {
    pub const MAX_CHARS: usize = 4000;

    const RULES: crate::text::BoundedText = crate::text::BoundedText {
        field: "motivation",
        label: "la motivation",
        empty_message: "la motivation est obligatoire",
        max_chars: Self::MAX_CHARS,
        refuse_controls: false,
    };

    pub fn parse(input: &str) -> Result<Self, ParseError> {
        Self::RULES.parse(input).map(Self)
    }
}

/// The NRU format (`[default]`: the official format is not public, Q4). Placeholders:
/// `{dispositif}` (the dispositif code in uppercase, `MDV-LGC-VA2`), `{couloir}` (`MDV`),
/// `{year}` (four digits) and exactly one `{seq}` or `{seq:0N}` (the sequence number, zero-padded
/// to N digits). Everything else is literal. The rendered NRU must satisfy [`Nru::parse`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct NruTemplate {
    source: String,
    parts: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Literal(String),
    Dispositif,
    Couloir,
    Year,
    Seq { width: usize },
}

impl NruTemplate {
    /// The built-in format.
    pub const DEFAULT: &'static str = "{dispositif}-{year}-{seq:05}";

    pub fn parse(input: &str) -> Result<Self, ParseError> {
        let err = |r: String| ParseError::new("nru_format", r);
        let mut parts = Vec::new();
        let mut rest = input.trim();
        let mut seqs = 0;
        while !rest.is_empty() {
            if let Some(after) = rest.strip_prefix('{') {
                let end = after
                    .find('}')
                    .ok_or_else(|| err(format!("« {input} » : accolade non fermée")))?;
                let name = &after[..end];
                let part = match name {
                    "dispositif" => Part::Dispositif,
                    "couloir" => Part::Couloir,
                    "year" => Part::Year,
                    "seq" => Part::Seq { width: 1 },
                    other => match other.strip_prefix("seq:0") {
                        Some(w) => match w.parse::<usize>() {
                            Ok(width @ 1..=12) => Part::Seq { width },
                            _ => return Err(err(format!("« {other} » : largeur de 1 à 12"))),
                        },
                        None => {
                            return Err(err(format!("« {{{other}}} » : variable inconnue")));
                        }
                    },
                };
                if matches!(part, Part::Seq { .. }) {
                    seqs += 1;
                }
                parts.push(part);
                rest = &after[end + 1..];
            } else {
                let end = rest.find('{').unwrap_or(rest.len());
                parts.push(Part::Literal(rest[..end].to_owned()));
                rest = &rest[end..];
            }
        }
        if seqs != 1 {
            return Err(err(format!(
                "« {input} » : le format doit contenir exactement une fois {{seq}}"
            )));
        }
        let t = Self {
            source: input.trim().to_owned(),
            parts,
        };
        // A sample must be a valid NRU (uppercase, digits, '-').
        let sample = DispositifCode::parse("MDV-LGC-Va2").map_err(|e| err(e.reason))?;
        t.render(&sample, 2026, 1).map_err(|e| err(e.reason))?;
        Ok(t)
    }

    pub fn as_str(&self) -> &str {
        &self.source
    }

    fn render_with(&self, dispositif: &DispositifCode, year: i16, seq: Option<u64>) -> String {
        let mut out = String::new();
        for p in &self.parts {
            match p {
                Part::Literal(s) => out.push_str(s),
                Part::Dispositif => out.push_str(&dispositif.as_str().to_ascii_uppercase()),
                Part::Couloir => out.push_str(&dispositif.couloir().as_str().to_ascii_uppercase()),
                Part::Year => out.push_str(&format!("{year:04}")),
                Part::Seq { width } => match seq {
                    Some(n) => out.push_str(&format!("{n:0width$}")),
                    None => out.push_str("{seq}"),
                },
            }
        }
        out
    }

    /// The counter scope: the format with everything but the sequence filled in. Sequence
    /// numbers are counted per scope (one counter per dispositif and year with the default).
    pub fn scope(&self, dispositif: &DispositifCode, year: i16) -> String {
        self.render_with(dispositif, year, None)
    }

    /// The NRU of sequence number `seq` (from 1).
    pub fn render(
        &self,
        dispositif: &DispositifCode,
        year: i16,
        seq: u64,
    ) -> Result<Nru, ParseError> {
        Nru::parse(&self.render_with(dispositif, year, Some(seq)))
    }
}

impl Default for NruTemplate {
    fn default() -> Self {
        Self {
            source: Self::DEFAULT.to_owned(),
            parts: vec![
                Part::Dispositif,
                Part::Literal("-".into()),
                Part::Year,
                Part::Literal("-".into()),
                Part::Seq { width: 5 },
            ],
        }
    }
}

impl std::fmt::Display for NruTemplate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.source)
    }
}

impl TryFrom<String> for NruTemplate {
    type Error = ParseError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<NruTemplate> for String {
    fn from(value: NruTemplate) -> String {
        value.source
    }
}

/// The verification code printed on an attestation: 16 characters of Crockford base32 in four
/// groups (`ABCD-EFGH-JKMN-PQRS`), 80 bits of randomness given by the caller.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct VerificationCode(String);
crate::string_newtype!(VerificationCode);

const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

impl VerificationCode {
    /// Encodes 10 random bytes.
    pub fn from_bytes(bytes: [u8; 10]) -> Self {
        let mut bits: u128 = 0;
        for b in bytes {
            bits = (bits << 8) | u128::from(b);
        }
        let mut out = String::with_capacity(19);
        for i in 0..16 {
            if i > 0 && i % 4 == 0 {
                out.push('-');
            }
            let shift = 75 - 5 * i;
            let idx = usize::try_from((bits >> shift) & 0x1f).unwrap_or(0);
            out.push(char::from(CROCKFORD[idx]));
        }
        Self(out)
    }

    /// Parses a typed code: case, spaces and dashes do not matter; `O` reads `0`, `I`/`L` read
    /// `1` (Crockford).
    pub fn parse(input: &str) -> Result<Self, ParseError> {
        let mut chars = Vec::with_capacity(16);
        for c in input.chars() {
            let c = match c.to_ascii_uppercase() {
                ' ' | '-' => continue,
                'O' => '0',
                'I' | 'L' => '1',
                c => c,
            };
            if !CROCKFORD.contains(&(c as u8)) || !c.is_ascii() {
                chars.clear();
                chars.push('!');
                break;
            }
            chars.push(c);
        }
        if chars.len() != 16 {
            return Err(ParseError::new(
                "code",
                format!("« {input} » : code de vérification de 16 caractères attendu"),
            ));
        }
        let mut out = String::with_capacity(19);
        for (i, c) in chars.into_iter().enumerate() {
            if i > 0 && i % 4 == 0 {
                out.push('-');
            }
            out.push(c);
        }
        Ok(Self(out))
    }
}

/// One commercial name as printed on the attestation (LIF-08).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttestedName {
    pub name: String,
    pub nil: Nil,
    pub technical_version: String,
}

/// What an *attestation de référencement* says (LIF-08).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttestationContent {
    pub nru: Nru,
    pub editor_name: String,
    pub dispositif: DispositifCode,
    pub dispositif_name: String,
    pub rem_version: String,
    /// Principal component and version (the solution referenced).
    pub solution: String,
    /// Every commercial name with its NIL and technical version.
    pub names: Vec<AttestedName>,
    /// Applicable profiles, `Général` first.
    pub profiles: Vec<Profile>,
    pub referenced_on: jiff::civil::Date,
    pub code: VerificationCode,
    /// `{public_url}/registre/attestations/{code}`.
    pub verification_url: String,
}

/// The verification URL of a code.
pub fn verification_url(public_url: &str, code: &VerificationCode) -> String {
    format!(
        "{}/registre/attestations/{code}",
        public_url.trim_end_matches('/')
    )
}

/// Everything the attestation needs, apart from the candidature.
#[derive(Debug, Clone)]
pub struct AttestationInput<'a> {
    pub nru: &'a Nru,
    pub editor_name: &'a str,
    pub dispositif_name: &'a str,
    pub referenced_on: jiff::civil::Date,
    pub code: &'a VerificationCode,
    pub public_url: &'a str,
}

/// Builds the attestation of a candidature (LIF-08): every commercial name with its NIL and
/// technical version, the dispositif, the REM version, the applicable profiles.
pub fn attestation_content(
    c: &Candidature,
    input: &AttestationInput<'_>,
) -> Result<AttestationContent, DecisionError> {
    if c.solution.names.is_empty() {
        return Err(DecisionError::NoCommercialName);
    }
    Ok(AttestationContent {
        nru: input.nru.clone(),
        editor_name: input.editor_name.to_owned(),
        dispositif: c.dispositif.clone(),
        dispositif_name: input.dispositif_name.to_owned(),
        rem_version: c.rem_version.clone(),
        solution: format!(
            "{} {}",
            c.solution.principal.name, c.solution.principal.version
        ),
        names: c
            .solution
            .names
            .iter()
            .map(|n| AttestedName {
                name: n.name.clone(),
                nil: n.nil.clone(),
                technical_version: n.technical_version.clone(),
            })
            .collect(),
        profiles: c.applicable_profiles(),
        referenced_on: input.referenced_on,
        code: input.code.clone(),
        verification_url: verification_url(input.public_url, input.code),
    })
}

/// EQV-13: the candidatures (id, candidature) that declared `withdrawn` as their root NRU and
/// are not final: they lose their équivalence and must be told.
pub fn losing_equivalence<'a, I>(candidatures: I, withdrawn: &Nru) -> Vec<&'a str>
where
    I: IntoIterator<Item = (&'a str, &'a Candidature)>,
{
    candidatures
        .into_iter()
        .filter(|(_, c)| c.root_nru.as_ref() == Some(withdrawn) && !c.state.is_final())
        .map(|(id, _)| id)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::referencing::ReferencingStatus;
    use crate::rules::testkit::*;
    use crate::rules::{PlanStatus, Settings, plan};

    const AT: jiff::civil::Date = jiff::civil::date(2026, 3, 1);

    fn validate_all(w: &mut crate::world::World, id: &str) {
        let p = plan(w, id, AT, &Settings::default()).unwrap();
        let keys: Vec<_> = p.keys_to_deposit().cloned().collect();
        let c = w.candidatures.iter_mut().find(|c| c.id == id).unwrap();
        c.deposits = keys
            .into_iter()
            .map(|k| crate::world::Deposit {
                key: k,
                status: ProofStatus::Validated,
                deposited_on: Some(d(2026, 2, 1)),
            })
            .collect();
    }

    #[test]
    fn lif_08_referral_needs_every_required_item_validated() {
        let mut w = world();
        cand(&mut w).candidature.state = CandidatureState::InInstruction;
        let p = plan(&w, "cand", AT, &Settings::default()).unwrap();
        let err = check_referral(CandidatureState::InInstruction, &p).unwrap_err();
        let DecisionError::NotReady(b) = err else {
            panic!("not ready expected")
        };
        assert_eq!(b.len(), p.totals.to_deposit());
        assert!(b.iter().all(|x| x.deposit.is_none() && !x.rules.is_empty()));

        validate_all(&mut w, "cand");
        // One item only deposited, not validated: still blocked, and only by it.
        cand(&mut w).deposits[0].status = ProofStatus::Deposited;
        let p = plan(&w, "cand", AT, &Settings::default()).unwrap();
        let Err(DecisionError::NotReady(b)) = check_referral(CandidatureState::InInstruction, &p)
        else {
            panic!("one blocker expected")
        };
        assert_eq!(b.len(), 1);
        assert_eq!(b[0].deposit, Some(ProofStatus::Deposited));
        assert_eq!(b[0].status_label_fr(), ProofStatus::Deposited.label_fr());

        cand(&mut w).deposits[0].status = ProofStatus::Validated;
        let p = plan(&w, "cand", AT, &Settings::default()).unwrap();
        assert_eq!(
            check_referral(CandidatureState::InInstruction, &p).unwrap(),
            CandidatureState::Referenced
        );
        // The state machine still decides: no referral out of instruction.
        assert!(matches!(
            check_referral(CandidatureState::Complete, &p),
            Err(DecisionError::Transition(_))
        ));
        assert!(matches!(
            check_referral(CandidatureState::Referenced, &p),
            Err(DecisionError::Transition(_))
        ));
    }

    #[test]
    fn lif_08_nru_default_format() {
        let t = NruTemplate::default();
        assert_eq!(t, NruTemplate::parse(NruTemplate::DEFAULT).unwrap());
        let disp = disp("MDV-LGC-Va2");
        assert_eq!(
            t.render(&disp, 2026, 7).unwrap().as_str(),
            "MDV-LGC-VA2-2026-00007"
        );
        assert_eq!(
            t.render(&disp, 2026, 123_456).unwrap().as_str(),
            "MDV-LGC-VA2-2026-123456"
        );
        assert_eq!(t.scope(&disp, 2026), "MDV-LGC-VA2-2026-{seq}");
        assert_ne!(t.scope(&disp, 2026), t.scope(&disp, 2027));
    }

    #[test]
    fn lif_08_nru_custom_formats() {
        let t = NruTemplate::parse("SEGUR-{couloir}-{seq:08}").unwrap();
        assert_eq!(
            t.render(&disp("MDV-LGC-Va2"), 2026, 42).unwrap().as_str(),
            "SEGUR-MDV-00000042"
        );
        assert_eq!(
            t.scope(&disp("MDV-LGC-Va2"), 2026),
            t.scope(&disp("MDV-LGC-Va2"), 2027)
        );
        for bad in [
            "{dispositif}-{year}",       // no sequence
            "{seq}-{seq}",               // two sequences
            "{dispositif}-{nope}-{seq}", // unknown variable
            "{dispositif}-{seq",         // unclosed
            "ref/{seq}",                 // not a valid NRU
            "{seq:00}",                  // zero width
        ] {
            assert!(NruTemplate::parse(bad).is_err(), "{bad}");
        }
        let json = serde_json::to_string(&t).unwrap();
        assert_eq!(serde_json::from_str::<NruTemplate>(&json).unwrap(), t);
    }

    #[test]
    fn lif_08_verification_code_round_trip() {
        let c = VerificationCode::from_bytes([0xff; 10]);
        assert_eq!(c.as_str(), "ZZZZ-ZZZZ-ZZZZ-ZZZZ");
        let c = VerificationCode::from_bytes([0; 10]);
        assert_eq!(c.as_str(), "0000-0000-0000-0000");
        let c = VerificationCode::from_bytes([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
        assert_eq!(VerificationCode::parse(c.as_str()).unwrap(), c);
        assert_eq!(
            VerificationCode::parse(&c.as_str().to_lowercase().replace('-', " ")).unwrap(),
            c
        );
        assert_eq!(
            VerificationCode::parse("oooo-iiii-llll-0000")
                .unwrap()
                .as_str(),
            "0000-1111-1111-0000"
        );
        for bad in [
            "",
            "ABCD-EFGH-JKMN-PQR",
            "ABCD-EFGH-JKMN-PQRSU",
            "ABCD-EFGH-JKMN-PQRÉ",
            "ABCD-EFGH-JKMN-PQRU",
        ] {
            assert!(VerificationCode::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn lif_08_attestation_lists_every_name_nil_and_version() {
        let mut w = world();
        let c = &mut cand(&mut w).candidature;
        c.solution.names.push(name("MonLPS Pro", "NIL2", "5.1.2"));
        c.profiles = vec![profile("Ordonnance")];
        let c = c.clone();
        let code = VerificationCode::from_bytes([7; 10]);
        let n = nru("MDV-LGC-VA2-2026-00001");
        let a = attestation_content(
            &c,
            &AttestationInput {
                nru: &n,
                editor_name: "Éditeur",
                dispositif_name: "Logiciel de gestion de cabinet",
                referenced_on: AT,
                code: &code,
                public_url: "https://segur.example/",
            },
        )
        .unwrap();
        assert_eq!(a.names.len(), 2);
        assert_eq!(a.names[1].nil.as_str(), "NIL2");
        assert_eq!(a.names[1].technical_version, "5.1.2");
        assert_eq!(a.profiles, vec![Profile::general(), profile("Ordonnance")]);
        assert_eq!(a.rem_version, "1.0");
        assert_eq!(
            a.verification_url,
            format!("https://segur.example/registre/attestations/{code}")
        );
        let mut c = c;
        c.solution.names.clear();
        assert_eq!(
            attestation_content(
                &c,
                &AttestationInput {
                    nru: &n,
                    editor_name: "",
                    dispositif_name: "",
                    referenced_on: AT,
                    code: &code,
                    public_url: "",
                }
            ),
            Err(DecisionError::NoCommercialName)
        );
    }

    #[test]
    fn motivation_is_required() {
        assert!(Motivation::parse("  ").is_err());
        assert!(Motivation::parse(&"a".repeat(4001)).is_err());
        assert_eq!(
            Motivation::parse(" Preuves insuffisantes ")
                .unwrap()
                .as_str(),
            "Preuves insuffisantes"
        );
    }

    #[test]
    fn eqv_13_withdrawal_finds_dependents_and_their_items_are_to_deposit_again() {
        let mut w = world();
        w.referencings.push(referencing(
            "MDV-LGC-VA2-2025-00001",
            "MDV-LGC-Va2",
            solution("MonLPS", "5.0"),
            &[],
        ));
        let mut dep = candidature("dep", "MDV-LGC-Va2", solution("MonLPS", "5.1"));
        dep.candidature.root_nru = Some(nru("MDV-LGC-VA2-2025-00001"));
        dep.candidature.root_declared_on = Some(d(2026, 1, 10));
        w.candidatures.push(dep);
        let mut done = candidature("done", "MDV-LGC-Va2", solution("MonLPS", "5.2"));
        done.candidature.root_nru = Some(nru("MDV-LGC-VA2-2025-00001"));
        done.candidature.state = CandidatureState::Refused;
        w.candidatures.push(done);

        let before = plan(&w, "dep", AT, &Settings::default()).unwrap();
        assert!(before.totals.equivalent > 0, "{:?}", before.totals);
        assert!(
            before.items.iter().all(
                |i| i.status != PlanStatus::Required || !i.rules.contains(&"EQV-13".to_owned())
            )
        );

        let withdrawn = nru("MDV-LGC-VA2-2025-00001");
        let losing = losing_equivalence(
            w.candidatures
                .iter()
                .map(|c| (c.id.as_str(), &c.candidature)),
            &withdrawn,
        );
        assert_eq!(losing, vec!["dep"], "final candidatures are not told");
        assert!(
            losing_equivalence(
                w.candidatures
                    .iter()
                    .map(|c| (c.id.as_str(), &c.candidature)),
                &nru("OTHER-NRU"),
            )
            .is_empty()
        );

        w.referencings[0].referencing.status = ReferencingStatus::Withdrawn;
        let after = plan(&w, "dep", AT, &Settings::default()).unwrap();
        assert_eq!(after.totals.equivalent, 0);
        assert_eq!(
            after.totals.to_deposit(),
            before.totals.to_deposit() + before.totals.equivalent
        );
        let reverted: Vec<_> = after
            .items
            .iter()
            .filter(|i| i.rules.first().map(String::as_str) == Some("EQV-13"))
            .collect();
        assert_eq!(reverted.len(), before.totals.equivalent);
        assert!(reverted.iter().all(|i| i.status == PlanStatus::Required));
        // And they now block the referral of the dependent candidature.
        assert_eq!(blockers(&after).len(), after.totals.to_deposit());
    }
}
