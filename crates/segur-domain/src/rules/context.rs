//! Indexes over a [`World`] built once per check, so that every rule is a hash lookup rather
//! than a scan (a world of 1,000 candidatures is checked in well under a second).

use std::cell::RefCell;
use std::rc::Rc;

use jiff::civil::Date;

use super::fasthash::{HashMap, HashSet};
use super::settings::{CalendarChoice, RuleSettings, Settings};
use super::{Diagnostic, cal, cnda, dep, eqv, her, lif, nam, pen, plan, psc};
use crate::calendar::{Calendar, CalendarHistory, Milestone};
use crate::catalogue::{DispositifCode, RemVersion, RequirementId};
use crate::referencing::Nru;
use crate::solution::Nil;
use crate::world::{
    CndaRequest, Editor, PentestForm, PscHabilitation, World, WorldCandidature, WorldReferencing,
};

/// Mapping of candidate requirement → source requirements, for the requirements of one REM
/// version and one root dispositif, merged from every equivalence list in either direction.
///
/// Built by scanning the lists once and keeping only the pairs whose candidate side is in the
/// REM: a list between two whole dispositifs is much larger than the REM version a candidature
/// is pinned to, so this is lookups in a small table rather than inserts in a large one.
pub(crate) struct EquivalenceMap<'a> {
    index: HashMap<&'a RequirementId, usize>,
    slots: Vec<Option<Sources<'a>>>,
}

impl<'a> EquivalenceMap<'a> {
    pub(crate) fn get(&self, req: &RequirementId) -> Option<&Sources<'a>> {
        self.slots.get(*self.index.get(req)?)?.as_ref()
    }
}

/// The root requirements one candidate requirement maps to: almost always one, so no `Vec`.
#[derive(Debug, Clone)]
pub(crate) enum Sources<'a> {
    One(&'a RequirementId),
    /// In list order, possibly with duplicates: readers take the minimum.
    Many(Vec<&'a RequirementId>),
}

impl<'a> Sources<'a> {
    /// Adds a source.
    fn add(&mut self, r: &'a RequirementId) {
        match self {
            Sources::One(x) => *self = Sources::Many(vec![*x, r]),
            Sources::Many(v) => v.push(r),
        }
    }

    pub(crate) fn as_slice(&self) -> &[&'a RequirementId] {
        match self {
            Sources::One(x) => std::slice::from_ref(x),
            Sources::Many(v) => v,
        }
    }
}

/// Lazily built equivalence maps, keyed by (root dispositif, candidate dispositif, REM version).
type EquivalenceCache<'a> =
    RefCell<HashMap<(DispositifCode, DispositifCode, String), Rc<Option<EquivalenceMap<'a>>>>>;

/// A world, a check date and settings, with lookup indexes.
pub struct CheckContext<'a> {
    pub world: &'a World,
    pub at: Date,
    pub settings: &'a Settings,
    candidatures: HashMap<&'a str, &'a WorldCandidature>,
    referencings: HashMap<&'a Nru, &'a WorldReferencing>,
    by_obtained_nru: HashMap<&'a Nru, &'a WorldCandidature>,
    rems: HashMap<(&'a DispositifCode, &'a str), &'a RemVersion>,
    editors: HashMap<&'a str, &'a Editor>,
    habilitations: HashMap<&'a Nru, &'a PscHabilitation>,
    pentests: HashMap<&'a str, Vec<&'a PentestForm>>,
    cnda: HashMap<&'a str, HashMap<&'a Nil, Vec<&'a CndaRequest>>>,
    calendars: HashMap<DispositifCode, CalendarHistory>,
    equivalences: EquivalenceCache<'a>,
    validated: RefCell<HashMap<&'a str, Rc<HashSet<&'a RequirementId>>>>,
}

impl<'a> CheckContext<'a> {
    pub fn new(world: &'a World, at: Date, settings: &'a Settings) -> Self {
        // First occurrence wins for duplicated keys: a world with duplicates is reported by
        // the loader; here we only need a stable answer.
        let mut candidatures = super::fasthash::map_with_capacity(world.candidatures.len());
        let mut by_obtained_nru = HashMap::default();
        for c in &world.candidatures {
            candidatures.entry(c.id.as_str()).or_insert(c);
            if let Some(n) = &c.candidature.obtained_nru {
                by_obtained_nru
                    .entry(n)
                    .and_modify(|prev: &mut &WorldCandidature| {
                        if c.id < prev.id {
                            *prev = c;
                        }
                    })
                    .or_insert(c);
            }
        }
        let mut referencings = super::fasthash::map_with_capacity(world.referencings.len());
        for r in &world.referencings {
            referencings.entry(&r.referencing.nru).or_insert(r);
        }
        let mut rems = HashMap::default();
        for r in &world.rem_versions {
            rems.entry((&r.dispositif, r.version.as_str())).or_insert(r);
        }
        let editors = world.editors.iter().map(|e| (e.id.as_str(), e)).collect();
        let mut habilitations = HashMap::default();
        for h in &world.psc_habilitations {
            habilitations.entry(&h.nru).or_insert(h);
        }
        let mut pentests: HashMap<&str, Vec<&PentestForm>> = HashMap::default();
        for p in &world.pentest_forms {
            pentests.entry(p.candidature.as_str()).or_default().push(p);
        }
        let mut cnda: HashMap<&str, HashMap<&Nil, Vec<&CndaRequest>>> = HashMap::default();
        for r in &world.cnda_requests {
            cnda.entry(r.editor.as_str())
                .or_default()
                .entry(&r.nil)
                .or_default()
                .push(r);
        }
        let mut codes: Vec<&DispositifCode> =
            world.calendars.iter().map(|c| &c.dispositif).collect();
        codes.sort();
        codes.dedup();
        let calendars = codes
            .into_iter()
            .map(|d| (d.clone(), cal::history(world, d)))
            .collect();
        Self {
            world,
            at,
            settings,
            candidatures,
            referencings,
            by_obtained_nru,
            rems,
            editors,
            habilitations,
            pentests,
            cnda,
            calendars,
            equivalences: RefCell::new(HashMap::default()),
            validated: RefCell::new(HashMap::default()),
        }
    }

    pub fn candidature(&self, id: &str) -> Option<&'a WorldCandidature> {
        self.candidatures.get(id).copied()
    }

    pub fn referencing(&self, nru: &Nru) -> Option<&'a WorldReferencing> {
        self.referencings.get(nru).copied()
    }

    /// The candidature that obtained this NRU, when the world knows it.
    pub fn candidature_with_nru(&self, nru: &Nru) -> Option<&'a WorldCandidature> {
        self.by_obtained_nru.get(nru).copied()
    }

    pub fn rem(&self, dispositif: &DispositifCode, version: &str) -> Option<&'a RemVersion> {
        self.rems.get(&(dispositif, version)).copied()
    }

    pub fn editor(&self, id: &str) -> Option<&'a Editor> {
        self.editors.get(id).copied()
    }

    pub fn habilitation(&self, nru: &Nru) -> Option<&'a PscHabilitation> {
        self.habilitations.get(nru).copied()
    }

    /// Pentest forms of a candidature (unordered).
    pub fn pentest_forms(&self, candidature_id: &str) -> &[&'a PentestForm] {
        self.pentests
            .get(candidature_id)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// CNDA requests of an editor for a NIL (unordered).
    pub fn cnda_requests(&self, editor: &str, nil: &Nil) -> &[&'a CndaRequest] {
        self.cnda
            .get(editor)
            .and_then(|m| m.get(nil))
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// Settings of a dispositif.
    pub fn rules(&self, dispositif: &DispositifCode) -> &'a RuleSettings {
        self.settings.get(dispositif)
    }

    pub fn calendar_history(&self, dispositif: &DispositifCode) -> Option<&CalendarHistory> {
        self.calendars
            .get(dispositif)
            .filter(|h| !h.versions.is_empty())
    }

    /// The calendar used to check an event of `on` (CAL-02 setting).
    pub fn calendar_for(&self, dispositif: &DispositifCode, on: Date) -> Option<&Calendar> {
        let h = self.calendar_history(dispositif)?;
        match self.rules(dispositif).cal02_calendar {
            CalendarChoice::InForceAtEvent => h.in_force(on),
            CalendarChoice::Current => h.current(),
        }
    }

    /// The date of a milestone in the calendar used for an event of `on` (CAL-02).
    pub fn milestone(&self, dispositif: &DispositifCode, m: Milestone, on: Date) -> Option<Date> {
        self.calendar_for(dispositif, on)?.date(m).map(|d| d.date())
    }

    /// Candidate requirement → root requirements for the requirements of `rem`, from the
    /// published lists between `root` and the REM's dispositif in either direction; `None` when
    /// no list links them.
    pub(crate) fn equivalence(
        &self,
        root: &DispositifCode,
        rem: &'a RemVersion,
    ) -> Rc<Option<EquivalenceMap<'a>>> {
        let candidate = &rem.dispositif;
        let key = (root.clone(), candidate.clone(), rem.version.clone());
        if let Some(m) = self.equivalences.borrow().get(&key) {
            return Rc::clone(m);
        }
        let lists: Vec<(&'a crate::catalogue::EquivalenceList, bool)> = self
            .world
            .equivalence_lists
            .iter()
            .filter_map(|l| {
                if &l.from_dispositif == root && &l.to_dispositif == candidate {
                    Some((l, true))
                } else if &l.from_dispositif == candidate && &l.to_dispositif == root {
                    Some((l, false))
                } else {
                    None
                }
            })
            .collect();
        let out = if lists.is_empty() {
            Rc::new(None)
        } else {
            let mut index: HashMap<&'a RequirementId, usize> =
                super::fasthash::map_with_capacity(rem.requirements.len());
            for (i, r) in rem.requirements.iter().enumerate() {
                index.entry(&r.id).or_insert(i);
            }
            let mut slots: Vec<Option<Sources<'a>>> = vec![None; rem.requirements.len()];
            for (l, forward) in lists {
                for p in &l.pairs {
                    let (cand, src) = if forward {
                        (&p.to_requirement, &p.from_requirement)
                    } else {
                        (&p.from_requirement, &p.to_requirement)
                    };
                    if let Some(&i) = index.get(cand) {
                        match &mut slots[i] {
                            Some(s) => s.add(src),
                            slot => *slot = Some(Sources::One(src)),
                        }
                    }
                }
            }
            Rc::new(Some(EquivalenceMap { index, slots }))
        };
        self.equivalences.borrow_mut().insert(key, Rc::clone(&out));
        out
    }

    /// Requirements with at least one validated proof in a candidature.
    pub(crate) fn validated_requirements(
        &self,
        c: &'a WorldCandidature,
    ) -> Rc<HashSet<&'a RequirementId>> {
        if let Some(s) = self.validated.borrow().get(c.id.as_str()) {
            return Rc::clone(s);
        }
        let set: HashSet<&RequirementId> = c
            .deposits
            .iter()
            .filter(|d| d.status == crate::proof::ProofStatus::Validated)
            .map(|d| &d.key.requirement)
            .collect();
        let out = Rc::new(set);
        self.validated
            .borrow_mut()
            .insert(c.id.as_str(), Rc::clone(&out));
        out
    }

    /// Every check concerning one candidature (unsorted).
    pub(crate) fn check_one(&self, c: &'a WorldCandidature) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        let p = match plan::plan_in(self, c) {
            Ok(p) => {
                out.extend(p.diagnostics.iter().cloned());
                Some(p)
            }
            Err(e) => {
                out.push(e.diagnostic());
                None
            }
        };
        out.extend(lif::check(self, c, p.as_ref()));
        out.extend(her::check(self, c));
        out.extend(eqv::check(self, c, p.as_ref()));
        out.extend(nam::check(self, c));
        out.extend(cnda::check(self, c));
        out.extend(psc::check(self, c));
        out.extend(pen::check(self, c, p.as_ref()));
        out.extend(cal::check(self, c));
        out.extend(dep::check(self, c, p.as_ref()));
        out
    }
}
