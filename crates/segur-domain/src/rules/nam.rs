//! NAM — commercial names.

use std::collections::BTreeMap;

use super::context::CheckContext;
use super::{Diagnostic, Severity, subject};
use crate::world::WorldCandidature;

/// NAM-01: every name has a NIL and a technical version, names and NILs are unique, and more
/// than one name requires the signed attestation sur l'honneur.
pub fn nam_01_names_grouped(c: &WorldCandidature) -> Vec<Diagnostic> {
    let names = &c.candidature.solution.names;
    let subj = subject(&c.id);
    let mut out = Vec::new();
    if names.is_empty() {
        out.push(Diagnostic::new(
            "NAM-01",
            Severity::Error,
            subj.clone(),
            "aucun nom commercial déclaré",
            "no commercial name declared",
        ));
    }
    if names.len() > 1 && !c.candidature.attestation_honneur {
        out.push(Diagnostic::new(
            "NAM-01",
            Severity::Error,
            subj.clone(),
            format!(
                "{} noms commerciaux : l'attestation sur l'honneur signée est requise",
                names.len()
            ),
            format!(
                "{} commercial names: the signed attestation sur l'honneur is required",
                names.len()
            ),
        ));
    }
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for n in names {
        *seen.entry(n.name.trim().to_lowercase()).or_default() += 1;
        if n.name.trim().is_empty() {
            out.push(Diagnostic::new(
                "NAM-01",
                Severity::Error,
                subj.clone(),
                "nom commercial vide",
                "empty commercial name",
            ));
        }
        if n.technical_version.trim().is_empty() {
            out.push(Diagnostic::new(
                "NAM-01",
                Severity::Error,
                subj.clone(),
                format!("nom commercial « {} » sans version technique", n.name),
                format!("commercial name \"{}\" without a technical version", n.name),
            ));
        }
    }
    for (name, n) in seen {
        if n > 1 {
            out.push(Diagnostic::new(
                "NAM-01",
                Severity::Error,
                subj.clone(),
                format!("nom commercial « {name} » déclaré {n} fois"),
                format!("commercial name \"{name}\" declared {n} times"),
            ));
        }
    }
    out
}

pub(crate) fn check(_ctx: &CheckContext<'_>, c: &WorldCandidature) -> Vec<Diagnostic> {
    nam_01_names_grouped(c)
}
