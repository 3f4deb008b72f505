//! The public register (PUB-01): what the ANS publishes for health professionals and
//! establishments — referenced solutions, solutions being referenced, withdrawn referencings,
//! and the versions their editors declared obsolete (seed 002: a catch-up update to the
//! latest version may be charged only from a version declared obsolete, BDC-06).
//!
//! Only public facts go in: editor names, commercial names with NIL and technical version,
//! dispositif, NRU and dates. Never a candidature's proofs, deposits or exchanges.
//!
//! Which candidatures are "being referenced" is a [default] choice: filed and neither
//! referenced, refused nor abandoned (a draft is the editor's private work).

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::candidature::CandidatureState;
use crate::referencing::ReferencingStatus;
use crate::world::{World, WorldCandidature, WorldReferencing};

/// A software version its editor declared obsolete.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObsoleteVersion {
    /// Editor id.
    pub editor: String,
    /// Software (component or commercial name), as the editor names it.
    pub software: String,
    pub version: String,
    pub declared_on: Date,
}

/// Where a solution stands in the register.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegisterStatus {
    Referenced,
    InProgress,
    Withdrawn,
}

impl RegisterStatus {
    pub fn label_fr(self) -> &'static str {
        match self {
            RegisterStatus::Referenced => "référencée",
            RegisterStatus::InProgress => "en cours de référencement",
            RegisterStatus::Withdrawn => "référencement retiré",
        }
    }
}

/// A commercial name as published.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PublishedName {
    pub name: String,
    pub nil: String,
    pub technical_version: String,
    /// Declared obsolete by its editor.
    pub obsolete: bool,
}

/// One line of the register.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RegisterEntry {
    pub status: RegisterStatus,
    pub editor: String,
    pub editor_name: String,
    pub dispositif: String,
    /// Principal component and its version.
    pub component: String,
    pub component_version: String,
    pub names: Vec<PublishedName>,
    /// NRU, once referenced.
    pub nru: Option<String>,
    /// Referencing date, or filing date while in progress.
    pub date: Option<Date>,
    /// The principal component's version was declared obsolete.
    pub obsolete: bool,
}

impl RegisterEntry {
    /// Folded text the register's search matches against.
    pub fn search_text(&self) -> String {
        let mut s = format!(
            "{} {} {} {} {}",
            self.editor_name,
            self.dispositif,
            self.component,
            self.component_version,
            self.nru.as_deref().unwrap_or("")
        );
        for n in &self.names {
            s.push(' ');
            s.push_str(&n.name);
            s.push(' ');
            s.push_str(&n.nil);
        }
        crate::text::fold(&s)
    }
}

/// Filed and not yet decided: published as "being referenced" [default].
pub fn is_in_progress(state: CandidatureState) -> bool {
    !matches!(
        state,
        CandidatureState::Draft
            | CandidatureState::Referenced
            | CandidatureState::Refused
            | CandidatureState::Abandoned
    )
}

fn is_obsolete(obsolete: &[ObsoleteVersion], editor: &str, software: &str, version: &str) -> bool {
    let software = crate::text::fold(software.trim());
    obsolete.iter().any(|o| {
        o.editor == editor
            && crate::text::fold(o.software.trim()) == software
            && o.version.trim() == version.trim()
    })
}

fn editor_name(world: &World, id: &str) -> String {
    world
        .editors
        .iter()
        .find(|e| e.id == id)
        .map_or_else(|| id.to_owned(), |e| e.name.clone())
}

fn names(
    solution: &crate::solution::Solution,
    editor: &str,
    obsolete: &[ObsoleteVersion],
) -> Vec<PublishedName> {
    solution
        .names
        .iter()
        .map(|n| PublishedName {
            name: n.name.clone(),
            nil: n.nil.to_string(),
            technical_version: n.technical_version.clone(),
            obsolete: is_obsolete(obsolete, editor, &n.name, &n.technical_version),
        })
        .collect()
}

fn from_referencing(
    world: &World,
    r: &WorldReferencing,
    obsolete: &[ObsoleteVersion],
) -> RegisterEntry {
    let s = &r.referencing.solution;
    RegisterEntry {
        status: match r.referencing.status {
            ReferencingStatus::Active => RegisterStatus::Referenced,
            ReferencingStatus::Withdrawn => RegisterStatus::Withdrawn,
        },
        editor: r.editor.clone(),
        editor_name: editor_name(world, &r.editor),
        dispositif: r.referencing.dispositif.to_string(),
        component: s.principal.name.clone(),
        component_version: s.principal.version.clone(),
        names: names(s, &r.editor, obsolete),
        nru: Some(r.referencing.nru.to_string()),
        date: Some(r.referencing.referenced_on),
        obsolete: is_obsolete(obsolete, &r.editor, &s.principal.name, &s.principal.version),
    }
}

fn from_candidature(
    world: &World,
    c: &WorldCandidature,
    obsolete: &[ObsoleteVersion],
) -> RegisterEntry {
    let s = &c.candidature.solution;
    RegisterEntry {
        status: RegisterStatus::InProgress,
        editor: c.editor.clone(),
        editor_name: editor_name(world, &c.editor),
        dispositif: c.candidature.dispositif.to_string(),
        component: s.principal.name.clone(),
        component_version: s.principal.version.clone(),
        names: names(s, &c.editor, obsolete),
        nru: None,
        date: c.candidature.filed_on,
        obsolete: is_obsolete(obsolete, &c.editor, &s.principal.name, &s.principal.version),
    }
}

/// PUB-01: the register of a world — every referencing (active or withdrawn) and every
/// candidature being referenced — sorted by status, dispositif, editor and component.
pub fn register(world: &World, obsolete: &[ObsoleteVersion]) -> Vec<RegisterEntry> {
    let mut out: Vec<RegisterEntry> = world
        .referencings
        .iter()
        .map(|r| from_referencing(world, r, obsolete))
        .chain(
            world
                .candidatures
                .iter()
                .filter(|c| is_in_progress(c.candidature.state))
                .map(|c| from_candidature(world, c, obsolete)),
        )
        .collect();
    out.sort_by(|a, b| {
        (
            a.status,
            &a.dispositif,
            &a.editor_name,
            &a.component,
            &a.component_version,
        )
            .cmp(&(
                b.status,
                &b.dispositif,
                &b.editor_name,
                &b.component,
                &b.component_version,
            ))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testkit;

    #[test]
    fn pub_01_register_publishes_referenced_in_progress_withdrawn_and_obsolete() {
        let mut draft = testkit::candidature("draft", "MDV-LGC-Va2", testkit::solution("B", "1.0"));
        draft.candidature.state = CandidatureState::Draft;
        let mut world = World {
            referencings: vec![
                testkit::referencing(
                    "NRU-1",
                    "MDV-LGC-Va1",
                    testkit::solution("Cœur", "4.8"),
                    &[],
                ),
                testkit::referencing(
                    "NRU-2",
                    "MDV-LGC-Va2",
                    testkit::solution("Cœur", "5.2"),
                    &[],
                ),
            ],
            candidatures: vec![
                testkit::candidature("c1", "SDV-PSF-Va2", testkit::solution("Cœur", "5.2")),
                draft,
            ],
            ..World::default()
        };
        let obsolete = vec![ObsoleteVersion {
            editor: world.referencings[0].editor.clone(),
            software: world.referencings[0]
                .referencing
                .solution
                .principal
                .name
                .to_uppercase(),
            version: world.referencings[0]
                .referencing
                .solution
                .principal
                .version
                .clone(),
            declared_on: jiff::civil::date(2026, 1, 1),
        }];
        world.referencings[0].referencing.status = ReferencingStatus::Withdrawn;
        let entries = register(&world, &obsolete);
        let count = |s: RegisterStatus| entries.iter().filter(|e| e.status == s).count();
        assert_eq!(
            count(RegisterStatus::Referenced) + count(RegisterStatus::Withdrawn),
            world.referencings.len()
        );
        assert_eq!(count(RegisterStatus::Withdrawn), 1);
        let in_progress = world
            .candidatures
            .iter()
            .filter(|c| is_in_progress(c.candidature.state))
            .count();
        assert_eq!(count(RegisterStatus::InProgress), in_progress);
        // Drafts stay private; the obsolete declaration matches ignoring case.
        assert!(!is_in_progress(CandidatureState::Draft));
        assert!(is_in_progress(CandidatureState::InInstruction));
        let withdrawn = entries
            .iter()
            .find(|e| e.status == RegisterStatus::Withdrawn)
            .unwrap();
        assert!(withdrawn.obsolete);
        assert!(withdrawn.nru.is_some());
        // Sorted: referenced first, then in progress, then withdrawn.
        let statuses: Vec<RegisterStatus> = entries.iter().map(|e| e.status).collect();
        let mut sorted = statuses.clone();
        sorted.sort();
        assert_eq!(statuses, sorted);
    }
}
