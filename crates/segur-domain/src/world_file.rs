//! The candidature-as-code file format: a TOML or JSON file describing a [`World`] plus the
//! rules [`Settings`], loaded without any I/O of its own.
//!
//! The caller reads the main file and passes a `resolve` closure for the files it references
//! (`{ path = "rem/mdv.toml" }`), so the domain stays pure and the CLI, the demo (files
//! compiled in with `include_str!`) and tests can each supply their own reader.
//!
//! Over the plain [`World`] shape the file adds: `format_version = 1`, a `[settings]` table,
//! `calendars = "builtin"` (or one entry `{ dispositif = "…", builtin = true }`) for the
//! calendars the domain knows, and REM versions or equivalence lists given by path.
//! Every struct here refuses unknown fields so that a typo is reported, not ignored.
//!
//! Hostile input is refused with a [`LoadError`], never a panic: files over
//! [`MAX_INPUT_BYTES`], nesting deeper than [`MAX_NESTING`], chains of paths deeper than
//! [`MAX_PATH_DEPTH`] or that come back to a file already being loaded.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use serde::{Deserialize, Deserializer};

use crate::calendar::{self, Arrete, Milestone};
use crate::candidature::{Candidature, CandidatureState};
use crate::catalogue::{
    Dispositif, DispositifCode, EquivalenceList, EquivalencePair, Nature, Profile, ProofSpec,
    RemStatus, RemVersion, Requirement, RequirementId, Scenario, Wave,
};
use crate::financing::{Client, Order, PaymentRequest, Prestation};
use crate::org::Nie;
use crate::proof::ProofStatus;
use crate::referencing::{Nru, Referencing, ReferencingStatus};
use crate::rules::Settings;
use crate::solution::{CommercialName, Component, Nil, Solution};
use crate::world::{
    CalendarEntry, CndaRequest, Deposit, Editor, Eligibility, PentestForm, PscHabilitation, World,
    WorldCandidature, WorldReferencing,
};

/// The version of the file format this loader reads.
pub const FORMAT_VERSION: u32 = 1;
/// Largest file accepted (64 MiB): a world file is a few hundred kilobytes at most.
pub const MAX_INPUT_BYTES: usize = 64 * 1024 * 1024;
/// Deepest nesting of arrays/tables accepted; real files need fewer than 10 levels.
pub const MAX_NESTING: usize = 64;
/// Longest chain of `path` references (a REM file naming another file…).
pub const MAX_PATH_DEPTH: usize = 8;

/// Syntax of a world file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Toml,
    Json,
}

impl Format {
    /// Detects the format from a file name: `.json` is JSON, anything else TOML.
    pub fn from_path(path: &str) -> Format {
        if path.to_ascii_lowercase().ends_with(".json") {
            Format::Json
        } else {
            Format::Toml
        }
    }
}

/// A loaded and validated world with the rules settings it declares.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadedWorld {
    pub world: World,
    pub settings: Settings,
}

/// Why a world file could not be loaded, located in its file when possible. Boxed so that
/// `Result<_, LoadError>` stays small; fields are reached through `Deref`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadError(Box<LoadErrorDetail>);

/// The content of a [`LoadError`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadErrorDetail {
    /// The file the error is in (the main file or a referenced one).
    pub origin: String,
    pub message_fr: String,
    pub message_en: String,
    /// Byte range of the offending text in `source_text`.
    pub span: Option<Range<usize>>,
    /// 1-based line and column of the start of `span`.
    pub line: Option<usize>,
    pub column: Option<usize>,
    /// The text of `origin`, kept so that a renderer can show the offending lines.
    pub source_text: Option<String>,
}

impl std::ops::Deref for LoadError {
    type Target = LoadErrorDetail;
    fn deref(&self) -> &LoadErrorDetail {
        &self.0
    }
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.origin)?;
        if let (Some(l), Some(c)) = (self.line, self.column) {
            write!(f, ":{l}:{c}")?;
        }
        write!(f, ": {} ({})", self.message_fr, self.message_en)
    }
}

impl std::error::Error for LoadError {}

impl LoadError {
    /// An error without location (e.g. a file that cannot be read).
    pub fn new(origin: &str, fr: impl Into<String>, en: impl Into<String>) -> Self {
        Self(Box::new(LoadErrorDetail {
            origin: origin.to_owned(),
            message_fr: fr.into(),
            message_en: en.into(),
            span: None,
            line: None,
            column: None,
            source_text: None,
        }))
    }

    fn at(mut self, source: &str, span: Option<Range<usize>>) -> Self {
        if let Some(span) = span {
            let start = span.start.min(source.len());
            let end = span.end.clamp(start, source.len());
            let (line, column) = line_column(source, start);
            self.0.line = Some(line);
            self.0.column = Some(column);
            self.0.span = Some(start..end);
        }
        self.0.source_text = Some(source.to_owned());
        self
    }
}

/// 1-based line and column (in characters) of a byte offset.
fn line_column(source: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(source.len());
    while !source.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &source[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
    (line, before[line_start..].chars().count() + 1)
}

/// Byte offset of a 1-based line and column (in characters).
fn offset_of(source: &str, line: usize, column: usize) -> usize {
    let mut start = 0;
    for _ in 1..line {
        match source[start..].find('\n') {
            Some(i) => start += i + 1,
            None => return source.len(),
        }
    }
    let rest = &source[start..];
    let col = column.saturating_sub(1);
    rest.char_indices()
        .nth(col)
        .map(|(i, _)| start + i)
        .unwrap_or(source.len())
}

/// Loads a world file. `origin` names it in messages; `resolve` returns the text of a file
/// referenced by `path` (relative to the main file), or a message saying why it cannot.
pub fn load(
    source: &str,
    format: Format,
    origin: &str,
    resolve: &dyn Fn(&str) -> Result<String, String>,
) -> Result<LoadedWorld, LoadError> {
    let raw: RawFile = parse(source, format, origin)?;
    let mut ctx = Ctx {
        resolve,
        main_origin: origin,
        main_source: source,
        // Paths are relative to the main file's directory: it is known there by its file name.
        stack: vec![
            origin
                .rsplit(['/', '\\'])
                .next()
                .unwrap_or(origin)
                .to_owned(),
        ],
    };
    let loaded = ctx.build(raw)?;
    validate(&loaded.world, source, origin)?;
    Ok(loaded)
}

/// Loads one REM version file in segur's own catalogue format (the shape of a REM file named
/// by a world file, see docs/catalogue-format.md), with the same guards and located errors.
pub fn load_rem(source: &str, format: Format, origin: &str) -> Result<RemVersion, LoadError> {
    let raw: RawRemEntry = parse(source, format, origin)?;
    if raw.path.is_some() {
        return Err(LoadError::new(
            origin,
            "un fichier de catalogue ne peut pas renvoyer à un autre fichier (« path »)",
            "a catalogue file cannot refer to another file (\"path\")",
        ));
    }
    let refuse = |_: &str| -> Result<String, String> { Err("non pris en charge".into()) };
    let mut ctx = Ctx {
        resolve: &refuse,
        main_origin: origin,
        main_source: source,
        stack: vec![origin.to_owned()],
    };
    ctx.rem_version(raw)
}

/// Parses a document of either format into `T`, with guards against hostile input.
fn parse<T: for<'de> Deserialize<'de>>(
    source: &str,
    format: Format,
    origin: &str,
) -> Result<T, LoadError> {
    if source.len() > MAX_INPUT_BYTES {
        return Err(LoadError::new(
            origin,
            format!(
                "fichier trop volumineux : {} octets, au plus {} octets acceptés",
                source.len(),
                MAX_INPUT_BYTES
            ),
            format!(
                "file too large: {} bytes, at most {} bytes accepted",
                source.len(),
                MAX_INPUT_BYTES
            ),
        ));
    }
    if let Some(at) = too_deep(source, format) {
        return Err(LoadError::new(
            origin,
            format!(
                "imbrication trop profonde : au plus {MAX_NESTING} niveaux de tableaux ou d'objets"
            ),
            format!("nesting too deep: at most {MAX_NESTING} levels of arrays or tables"),
        )
        .at(source, Some(at..at + 1)));
    }
    match format {
        Format::Toml => toml::from_str::<T>(source).map_err(|e| {
            let span = e.span();
            let msg = e.message().trim().to_owned();
            let hint = span
                .clone()
                .and_then(|s| source.get(s))
                .filter(|text| looks_like_bare_date(text))
                .map(|_| {
                    (
                        " — les dates s'écrivent entre guillemets, ex. \"2026-05-04\"",
                        " — dates are quoted strings, e.g. \"2026-05-04\"",
                    )
                })
                .unwrap_or(("", ""));
            LoadError::new(
                origin,
                format!("fichier TOML invalide : {msg}{}", hint.0),
                format!("invalid TOML file: {msg}{}", hint.1),
            )
            .at(source, span)
        }),
        Format::Json => serde_json::from_str::<T>(source).map_err(|e| {
            let span = (e.line() > 0).then(|| {
                let at = offset_of(source, e.line(), e.column());
                at..(at + 1).min(source.len())
            });
            let msg = strip_json_position(&e.to_string());
            LoadError::new(
                origin,
                format!("fichier JSON invalide : {msg}"),
                format!("invalid JSON file: {msg}"),
            )
            .at(source, span)
        }),
    }
}

fn strip_json_position(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_owned(),
        None => msg.to_owned(),
    }
}

fn looks_like_bare_date(text: &str) -> bool {
    let t = text.trim();
    t.len() >= 10
        && t.as_bytes()[..10].iter().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                *b == b'-'
            } else {
                b.is_ascii_digit()
            }
        })
}

/// Byte offset of the first bracket that opens a level deeper than [`MAX_NESTING`], skipping
/// strings and (TOML) comments. Run before the parsers so that they never recurse deeply.
fn too_deep(source: &str, format: Format) -> Option<usize> {
    let bytes = source.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b'[' | b'{' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Some(i);
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            b'#' if format == Format::Toml => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'"' | b'\'' => {
                let quote = b;
                if quote == b'\'' && format == Format::Json {
                    i += 1;
                    continue;
                }
                // TOML literal strings ('…') have no escapes.
                let literal = quote == b'\'';
                let triple =
                    format == Format::Toml && bytes[i..].starts_with(&[quote, quote, quote]);
                i += if triple { 3 } else { 1 };
                while i < bytes.len() {
                    if !literal && bytes[i] == b'\\' {
                        i += 2;
                        continue;
                    }
                    if triple {
                        if bytes[i..].starts_with(&[quote, quote, quote]) {
                            // A closing triple may be followed by up to two more quotes.
                            i += 3;
                            while i < bytes.len() && bytes[i] == quote {
                                i += 1;
                            }
                            i -= 1;
                            break;
                        }
                    } else if bytes[i] == quote || bytes[i] == b'\n' {
                        break;
                    }
                    i += 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

// ---------------------------------------------------------------------------------------------
// Raw file structures: the World shape with file-only extensions, refusing unknown fields.
// ---------------------------------------------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    format_version: Option<u32>,
    #[serde(default)]
    settings: Option<Settings>,
    #[serde(default)]
    calendars: Option<RawCalendars>,
    #[serde(default)]
    dispositifs: Vec<RawDispositif>,
    #[serde(default)]
    rem_versions: Vec<RawRemEntry>,
    #[serde(default)]
    equivalence_lists: Vec<RawEquivalenceEntry>,
    #[serde(default)]
    editors: Vec<Editor>,
    #[serde(default)]
    referencings: Vec<RawReferencing>,
    #[serde(default)]
    candidatures: Vec<RawCandidature>,
    #[serde(default)]
    pentest_forms: Vec<PentestForm>,
    #[serde(default)]
    cnda_requests: Vec<CndaRequest>,
    #[serde(default)]
    psc_habilitations: Vec<RawPscHabilitation>,
    #[serde(default)]
    clients: Vec<Client>,
    #[serde(default)]
    orders: Vec<Order>,
    #[serde(default)]
    payment_requests: Vec<PaymentRequest>,
    #[serde(default)]
    prestations: Vec<Prestation>,
    #[serde(default)]
    obsolete_versions: Vec<crate::register::ObsoleteVersion>,
}

/// `calendars = "builtin"` or a list of entries.
enum RawCalendars {
    AllBuiltin,
    Entries(Vec<RawCalendarEntry>),
}

impl<'de> Deserialize<'de> for RawCalendars {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = RawCalendars;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("\"builtin\" or a list of calendar entries")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<RawCalendars, E> {
                if v == "builtin" {
                    Ok(RawCalendars::AllBuiltin)
                } else {
                    Err(E::invalid_value(serde::de::Unexpected::Str(v), &self))
                }
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                seq: A,
            ) -> Result<RawCalendars, A::Error> {
                Vec::<RawCalendarEntry>::deserialize(serde::de::value::SeqAccessDeserializer::new(
                    seq,
                ))
                .map(RawCalendars::Entries)
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCalendarEntry {
    dispositif: DispositifCode,
    #[serde(default)]
    builtin: bool,
    #[serde(default)]
    arrete: Option<RawArrete>,
    #[serde(default)]
    dates: BTreeMap<Milestone, String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawArrete {
    title: String,
    signed_on: jiff::civil::Date,
    published_on: jiff::civil::Date,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDispositif {
    code: DispositifCode,
    name: String,
    #[serde(default)]
    profiles: Vec<Profile>,
}

/// A REM version inline, or `{ path = "…" }` naming a file holding one.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRemEntry {
    #[serde(default)]
    path: Option<String>,
    #[serde(default)]
    dispositif: Option<DispositifCode>,
    #[serde(default)]
    version: Option<String>,
    #[serde(default)]
    status: Option<RemStatus>,
    #[serde(default)]
    published_on: Option<jiff::civil::Date>,
    #[serde(default)]
    change_log: Vec<String>,
    #[serde(default)]
    illustrative: bool,
    #[serde(default)]
    requirements: Vec<RawRequirement>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRequirement {
    id: RequirementId,
    chapter: String,
    #[serde(default)]
    fonction: String,
    enonce: String,
    nature: Nature,
    profile: Profile,
    #[serde(default)]
    wave_origin: Option<Wave>,
    scenarios: Vec<RawScenario>,
    #[serde(default)]
    extra: BTreeMap<String, String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScenario {
    number: u16,
    text: String,
    proofs: Vec<RawProofSpec>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProofSpec {
    number: u16,
    text: String,
}

/// An equivalence list inline, or `{ path = "…" }`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEquivalenceEntry {
    #[serde(default)]
    path: Option<String>,
    #[serde(default)]
    from_dispositif: Option<DispositifCode>,
    #[serde(default)]
    to_dispositif: Option<DispositifCode>,
    #[serde(default)]
    pairs: Vec<RawPair>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPair {
    from_requirement: RequirementId,
    to_requirement: RequirementId,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawComponent {
    name: String,
    version: String,
}

impl From<RawComponent> for Component {
    fn from(c: RawComponent) -> Self {
        Component {
            name: c.name,
            version: c.version,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawName {
    name: String,
    nil: Nil,
    technical_version: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSolution {
    principal: RawComponent,
    #[serde(default)]
    additional: Vec<RawComponent>,
    #[serde(default)]
    proxy: Option<RawComponent>,
    names: Vec<RawName>,
}

impl From<RawSolution> for Solution {
    fn from(s: RawSolution) -> Self {
        Solution {
            principal: s.principal.into(),
            additional: s.additional.into_iter().map(Into::into).collect(),
            proxy: s.proxy.map(Into::into),
            names: s
                .names
                .into_iter()
                .map(|n| CommercialName {
                    name: n.name,
                    nil: n.nil,
                    technical_version: n.technical_version,
                })
                .collect(),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawReferencing {
    editor: String,
    nru: Nru,
    dispositif: DispositifCode,
    referenced_on: jiff::civil::Date,
    status: ReferencingStatus,
    #[serde(default)]
    profiles: Vec<Profile>,
    solution: RawSolution,
    #[serde(default)]
    rem_version: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDeposit {
    requirement: RequirementId,
    scenario: u16,
    proof: u16,
    status: ProofStatus,
    #[serde(default)]
    deposited_on: Option<jiff::civil::Date>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEligibility {
    #[serde(default)]
    nie: Option<Nie>,
    #[serde(default)]
    cnda_proof: bool,
    #[serde(default)]
    submitted_on: Option<jiff::civil::Date>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCandidature {
    id: String,
    editor: String,
    dispositif: DispositifCode,
    state: CandidatureState,
    solution: RawSolution,
    #[serde(default)]
    profiles: Vec<Profile>,
    rem_version: String,
    #[serde(default)]
    root_nru: Option<Nru>,
    #[serde(default)]
    root_declared_on: Option<jiff::civil::Date>,
    #[serde(default)]
    heritage_nrus: Vec<Nru>,
    #[serde(default)]
    attestation_honneur: bool,
    #[serde(default)]
    new_components: Vec<RawComponent>,
    #[serde(default)]
    impacted_chapters: Vec<String>,
    #[serde(default)]
    filed_on: Option<jiff::civil::Date>,
    #[serde(default)]
    complete_deposit_on: Option<jiff::civil::Date>,
    #[serde(default)]
    declaration_changed_on: Option<jiff::civil::Date>,
    #[serde(default)]
    obtained_nru: Option<Nru>,
    #[serde(default)]
    eligibility: Option<RawEligibility>,
    #[serde(default)]
    psc_nrus: Vec<Nru>,
    #[serde(default)]
    deposits: Vec<RawDeposit>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPscHabilitation {
    nru: Nru,
    editor: String,
    kind: crate::world::HabilitationKind,
    components: Vec<RawComponent>,
    #[serde(default)]
    names: Vec<String>,
    #[serde(default)]
    nils: Vec<Nil>,
    issued_on: jiff::civil::Date,
    #[serde(default)]
    pmt_validated_on: Option<jiff::civil::Date>,
    #[serde(default)]
    modifications: Vec<crate::world::HabilitationChange>,
}

// ---------------------------------------------------------------------------------------------
// Building the World
// ---------------------------------------------------------------------------------------------

struct Ctx<'a> {
    resolve: &'a dyn Fn(&str) -> Result<String, String>,
    main_origin: &'a str,
    main_source: &'a str,
    /// Files being loaded, outermost first (cycle detection).
    stack: Vec<String>,
}

/// A referenced document, parsed: its name and text are kept for located errors.
struct Fetched<T> {
    value: T,
    origin: String,
    source: String,
}

impl Ctx<'_> {
    fn main_err(&self, fr: String, en: String, key: &str, value: &str) -> LoadError {
        LoadError::new(self.main_origin, fr, en)
            .at(self.main_source, locate(self.main_source, key, value))
    }

    /// Reads and parses the file named by `path`, following further `path` indirections.
    fn fetch<T, F>(&mut self, path: &str, next_path: F) -> Result<Fetched<T>, LoadError>
    where
        T: for<'de> Deserialize<'de>,
        F: Fn(&T) -> Option<String>,
    {
        let mut path = path.to_owned();
        let depth_at_entry = self.stack.len();
        let result = loop {
            let normalised = normalise(&path);
            if self.stack.iter().any(|p| normalise(p) == normalised) {
                let chain = self.stack[depth_at_entry.saturating_sub(1)..].join(" → ");
                break Err(self.main_err(
                    format!("cycle de références de fichiers : {chain} → {path}"),
                    format!("cycle of file references: {chain} → {path}"),
                    "path",
                    &path,
                ));
            }
            if self.stack.len() > MAX_PATH_DEPTH {
                break Err(self.main_err(
                    format!("chaîne de références de fichiers trop longue (au plus {MAX_PATH_DEPTH}) à « {path} »"),
                    format!("chain of file references too long (at most {MAX_PATH_DEPTH}) at \"{path}\""),
                    "path",
                    &path,
                ));
            }
            let text = match (self.resolve)(&path) {
                Ok(t) => t,
                Err(why) => {
                    break Err(self.main_err(
                        format!("fichier « {path} » illisible : {why}"),
                        format!("cannot read file \"{path}\": {why}"),
                        "path",
                        &path,
                    ));
                }
            };
            let value: T = match parse(&text, Format::from_path(&path), &path) {
                Ok(v) => v,
                Err(e) => break Err(e),
            };
            self.stack.push(path.clone());
            match next_path(&value) {
                Some(next) => path = next,
                None => {
                    break Ok(Fetched {
                        value,
                        origin: path,
                        source: text,
                    });
                }
            }
        };
        self.stack.truncate(depth_at_entry);
        result
    }

    fn build(&mut self, raw: RawFile) -> Result<LoadedWorld, LoadError> {
        if let Some(v) = raw.format_version
            && v != FORMAT_VERSION
        {
            return Err(self.main_err(
                format!("format_version {v} non pris en charge (seule la version {FORMAT_VERSION} l'est)"),
                format!("format_version {v} is not supported (only version {FORMAT_VERSION} is)"),
                "format_version",
                &v.to_string(),
            ));
        }
        let dispositifs: Vec<Dispositif> = raw
            .dispositifs
            .into_iter()
            .map(|d| Dispositif {
                code: d.code,
                name: d.name,
                profiles: d.profiles,
            })
            .collect();
        let calendars = self.calendars(raw.calendars)?;

        let mut rem_versions = Vec::new();
        for entry in raw.rem_versions {
            rem_versions.push(self.rem_version(entry)?);
        }
        let mut equivalence_lists = Vec::new();
        for entry in raw.equivalence_lists {
            equivalence_lists.push(self.equivalence_list(entry)?);
        }

        let referencings = raw
            .referencings
            .into_iter()
            .map(|r| WorldReferencing {
                editor: r.editor,
                referencing: Referencing {
                    nru: r.nru,
                    dispositif: r.dispositif,
                    referenced_on: r.referenced_on,
                    status: r.status,
                    profiles: r.profiles,
                    solution: r.solution.into(),
                    rem_version: r.rem_version,
                },
            })
            .collect();
        let candidatures = raw.candidatures.into_iter().map(candidature).collect();
        let psc_habilitations = raw
            .psc_habilitations
            .into_iter()
            .map(|h| PscHabilitation {
                nru: h.nru,
                editor: h.editor,
                kind: h.kind,
                components: h.components.into_iter().map(Into::into).collect(),
                names: h.names,
                nils: h.nils,
                issued_on: h.issued_on,
                pmt_validated_on: h.pmt_validated_on,
                modifications: h.modifications,
            })
            .collect();

        Ok(LoadedWorld {
            world: World {
                dispositifs,
                calendars,
                rem_versions,
                equivalence_lists,
                editors: raw.editors,
                referencings,
                candidatures,
                pentest_forms: raw.pentest_forms,
                cnda_requests: raw.cnda_requests,
                psc_habilitations,
                clients: raw.clients,
                orders: raw.orders,
                payment_requests: raw.payment_requests,
                prestations: raw.prestations,
                obsolete_versions: raw.obsolete_versions,
            },
            settings: raw.settings.unwrap_or_default(),
        })
    }

    fn calendars(&self, raw: Option<RawCalendars>) -> Result<Vec<CalendarEntry>, LoadError> {
        let entries = match raw {
            None => return Ok(Vec::new()),
            Some(RawCalendars::AllBuiltin) => return Ok(builtin_calendar_entries()),
            Some(RawCalendars::Entries(e)) => e,
        };
        let mut out = Vec::new();
        for e in entries {
            if e.builtin {
                if e.arrete.is_some() || !e.dates.is_empty() {
                    return Err(self.main_err(
                        format!(
                            "calendrier {} : « builtin = true » exclut « arrete » et « dates »",
                            e.dispositif
                        ),
                        format!(
                            "calendar {}: \"builtin = true\" excludes \"arrete\" and \"dates\"",
                            e.dispositif
                        ),
                        "dispositif",
                        e.dispositif.as_str(),
                    ));
                }
                let builtin: Vec<CalendarEntry> = builtin_calendar_entries()
                    .into_iter()
                    .filter(|c| c.dispositif == e.dispositif)
                    .collect();
                if builtin.is_empty() {
                    return Err(self.main_err(
                        format!("aucun calendrier intégré pour le dispositif {} (intégrés : MDV-LGC-Va2)", e.dispositif),
                        format!("no builtin calendar for dispositif {} (builtin: MDV-LGC-Va2)", e.dispositif),
                        "dispositif",
                        e.dispositif.as_str(),
                    ));
                }
                out.extend(builtin);
                continue;
            }
            let Some(arrete) = e.arrete else {
                return Err(self.main_err(
                    format!(
                        "calendrier {} : « arrete » manquant (ou « builtin = true »)",
                        e.dispositif
                    ),
                    format!(
                        "calendar {}: missing \"arrete\" (or \"builtin = true\")",
                        e.dispositif
                    ),
                    "dispositif",
                    e.dispositif.as_str(),
                ));
            };
            for (m, text) in &e.dates {
                if let Err(err) = calendar::parse_milestone_datetime(text) {
                    return Err(self.main_err(
                        format!("calendrier {}, {} : {}", e.dispositif, m.as_str(), err.reason),
                        format!("calendar {}, {}: expected YYYY-MM-DD or YYYY-MM-DDTHH:MM, got \"{text}\"", e.dispositif, m.as_str()),
                        m.as_str(),
                        text,
                    ));
                }
            }
            out.push(CalendarEntry {
                dispositif: e.dispositif,
                arrete: Arrete {
                    title: arrete.title,
                    signed_on: arrete.signed_on,
                    published_on: arrete.published_on,
                },
                dates: e.dates,
            });
        }
        Ok(out)
    }

    fn rem_version(&mut self, entry: RawRemEntry) -> Result<RemVersion, LoadError> {
        let (entry, origin, source) = match &entry.path {
            Some(path) => {
                if entry.dispositif.is_some()
                    || entry.version.is_some()
                    || !entry.requirements.is_empty()
                {
                    return Err(self.main_err(
                        format!("version de REM « {path} » : « path » exclut tout autre champ"),
                        format!("REM version \"{path}\": \"path\" excludes every other field"),
                        "path",
                        path,
                    ));
                }
                let path = path.clone();
                let fetched: Fetched<RawRemEntry> =
                    self.fetch(&path, |e: &RawRemEntry| e.path.clone())?;
                (fetched.value, fetched.origin, fetched.source)
            }
            None => (
                entry,
                self.main_origin.to_owned(),
                self.main_source.to_owned(),
            ),
        };
        let missing = |field: &str| {
            LoadError::new(
                &origin,
                format!("version de REM : champ « {field} » manquant"),
                format!("REM version: missing field \"{field}\""),
            )
            .at(
                &source,
                locate(&source, "version", "").or_else(|| locate(&source, "dispositif", "")),
            )
        };
        let dispositif = entry.dispositif.ok_or_else(|| missing("dispositif"))?;
        let version = entry.version.ok_or_else(|| missing("version"))?;
        let status = entry.status.ok_or_else(|| missing("status"))?;
        Ok(RemVersion {
            dispositif,
            version,
            status,
            published_on: entry.published_on,
            change_log: entry.change_log,
            illustrative: entry.illustrative,
            requirements: entry
                .requirements
                .into_iter()
                .map(|r| Requirement {
                    id: r.id,
                    chapter: r.chapter,
                    fonction: r.fonction,
                    enonce: r.enonce,
                    nature: r.nature,
                    profile: r.profile,
                    wave_origin: r.wave_origin.unwrap_or(Wave::Va2),
                    extra: r.extra,
                    scenarios: r
                        .scenarios
                        .into_iter()
                        .map(|s| Scenario {
                            number: s.number,
                            text: s.text,
                            proofs: s
                                .proofs
                                .into_iter()
                                .map(|p| ProofSpec {
                                    number: p.number,
                                    text: p.text,
                                })
                                .collect(),
                        })
                        .collect(),
                })
                .collect(),
        })
    }

    fn equivalence_list(
        &mut self,
        entry: RawEquivalenceEntry,
    ) -> Result<EquivalenceList, LoadError> {
        let (entry, origin, source) = match &entry.path {
            Some(path) => {
                if entry.from_dispositif.is_some()
                    || entry.to_dispositif.is_some()
                    || !entry.pairs.is_empty()
                {
                    return Err(self.main_err(
                        format!(
                            "liste d'équivalence « {path} » : « path » exclut tout autre champ"
                        ),
                        format!("equivalence list \"{path}\": \"path\" excludes every other field"),
                        "path",
                        path,
                    ));
                }
                let path = path.clone();
                let fetched: Fetched<RawEquivalenceEntry> =
                    self.fetch(&path, |e: &RawEquivalenceEntry| e.path.clone())?;
                (fetched.value, fetched.origin, fetched.source)
            }
            None => (
                entry,
                self.main_origin.to_owned(),
                self.main_source.to_owned(),
            ),
        };
        let missing = |field: &str| {
            LoadError::new(
                &origin,
                format!("liste d'équivalence : champ « {field} » manquant"),
                format!("equivalence list: missing field \"{field}\""),
            )
            .at(&source, locate(&source, "pairs", ""))
        };
        Ok(EquivalenceList {
            from_dispositif: entry
                .from_dispositif
                .ok_or_else(|| missing("from_dispositif"))?,
            to_dispositif: entry
                .to_dispositif
                .ok_or_else(|| missing("to_dispositif"))?,
            pairs: entry
                .pairs
                .into_iter()
                .map(|p| EquivalencePair {
                    from_requirement: p.from_requirement,
                    to_requirement: p.to_requirement,
                })
                .collect(),
        })
    }
}

fn candidature(c: RawCandidature) -> WorldCandidature {
    let e = c.eligibility.unwrap_or(RawEligibility {
        nie: None,
        cnda_proof: false,
        submitted_on: None,
    });
    WorldCandidature {
        id: c.id,
        editor: c.editor,
        candidature: Candidature {
            dispositif: c.dispositif,
            state: c.state,
            solution: c.solution.into(),
            profiles: c.profiles,
            rem_version: c.rem_version,
            root_nru: c.root_nru,
            root_declared_on: c.root_declared_on,
            heritage_nrus: c.heritage_nrus,
            attestation_honneur: c.attestation_honneur,
            new_components: c.new_components.into_iter().map(Into::into).collect(),
            impacted_chapters: c.impacted_chapters,
            filed_on: c.filed_on,
            complete_deposit_on: c.complete_deposit_on,
            declaration_changed_on: c.declaration_changed_on,
            obtained_nru: c.obtained_nru,
        },
        eligibility: Eligibility {
            nie: e.nie,
            cnda_proof: e.cnda_proof,
            submitted_on: e.submitted_on,
        },
        psc_nrus: c.psc_nrus,
        deposits: c
            .deposits
            .into_iter()
            .map(|d| Deposit {
                key: crate::catalogue::ProofItemKey {
                    requirement: d.requirement,
                    scenario: d.scenario,
                    proof: d.proof,
                },
                status: d.status,
                deposited_on: d.deposited_on,
            })
            .collect(),
    }
}

/// Lexical normalisation of a relative path for cycle detection (`./a/../b.toml` = `b.toml`).
fn normalise(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for seg in path.split(['/', '\\']) {
        match seg {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|p| *p != "..") {
                    parts.pop();
                } else {
                    parts.push("..");
                }
            }
            s => parts.push(s),
        }
    }
    parts.join("/")
}

/// The calendars the domain knows, as file entries.
pub fn builtin_calendar_entries() -> Vec<CalendarEntry> {
    calendar::builtin_mdv_va2()
        .versions
        .into_iter()
        .map(|c| CalendarEntry {
            dispositif: c.dispositif,
            arrete: c.arrete,
            dates: c
                .dates
                .into_iter()
                .map(|(m, dt)| (m, format_milestone(dt)))
                .collect(),
        })
        .collect()
}

/// `YYYY-MM-DD` for an end-of-day milestone, `YYYY-MM-DDTHH:MM:SS` otherwise.
fn format_milestone(dt: jiff::civil::DateTime) -> String {
    if dt.time() == jiff::civil::time(23, 59, 59, 0) {
        dt.date().to_string()
    } else {
        dt.strftime("%Y-%m-%dT%H:%M:%S").to_string()
    }
}

/// Best-effort location of `key = "value"` (TOML) or `"key": "value"` (JSON) in a source, to
/// point at the offending reference after parsing. An empty `value` finds the key alone.
fn locate(source: &str, key: &str, value: &str) -> Option<Range<usize>> {
    let mut offset = 0;
    for line in source.split_inclusive('\n') {
        let trimmed = line.trim_start().trim_start_matches('"');
        if trimmed.starts_with(key)
            || line.contains(&format!("{key} ="))
            || line.contains(&format!("\"{key}\""))
        {
            if value.is_empty() {
                let at = line.find(key).unwrap_or(0);
                return Some(offset + at..offset + at + key.len());
            }
            let quoted = format!("\"{value}\"");
            if let Some(at) = line.find(&quoted) {
                return Some(offset + at..offset + at + quoted.len());
            }
            if let Some(at) = line.find(value) {
                return Some(offset + at..offset + at + value.len());
            }
        }
        offset += line.len();
    }
    // The value anywhere, as a last resort.
    if !value.is_empty() {
        let quoted = format!("\"{value}\"");
        if let Some(at) = source.find(&quoted) {
            return Some(at..at + quoted.len());
        }
    }
    None
}

// ---------------------------------------------------------------------------------------------
// Validation of references
// ---------------------------------------------------------------------------------------------

fn validate(world: &World, source: &str, origin: &str) -> Result<(), LoadError> {
    let err = |fr: String, en: String, key: &str, value: &str| {
        Err(LoadError::new(origin, fr, en).at(source, locate(source, key, value)))
    };

    let mut seen = BTreeSet::new();
    for d in &world.dispositifs {
        if !seen.insert(d.code.as_str()) {
            return err(
                format!("dispositif {} déclaré deux fois", d.code),
                format!("dispositif {} declared twice", d.code),
                "code",
                d.code.as_str(),
            );
        }
    }
    let known_dispositif =
        |code: &DispositifCode| world.dispositifs.iter().any(|d| &d.code == code);
    let unknown_dispositif = |code: &DispositifCode, key: &str| {
        err(
            format!("dispositif {code} inconnu : déclarez-le dans [[dispositifs]]"),
            format!("unknown dispositif {code}: declare it in [[dispositifs]]"),
            key,
            code.as_str(),
        )
    };
    for c in &world.calendars {
        if !known_dispositif(&c.dispositif) {
            return unknown_dispositif(&c.dispositif, "dispositif");
        }
    }

    let mut seen = BTreeSet::new();
    for r in &world.rem_versions {
        if !known_dispositif(&r.dispositif) {
            return unknown_dispositif(&r.dispositif, "dispositif");
        }
        if !seen.insert((r.dispositif.as_str(), r.version.as_str())) {
            return err(
                format!(
                    "REM {} version {} déclarée deux fois",
                    r.dispositif, r.version
                ),
                format!("REM {} version {} declared twice", r.dispositif, r.version),
                "version",
                &r.version,
            );
        }
        let mut keys = BTreeSet::new();
        for item in r.proof_items() {
            if !keys.insert(item.key.clone()) {
                return err(
                    format!(
                        "REM {} {} : preuve {} déclarée deux fois",
                        r.dispositif, r.version, item.key
                    ),
                    format!(
                        "REM {} {}: proof {} declared twice",
                        r.dispositif, r.version, item.key
                    ),
                    "id",
                    item.key.requirement.as_str(),
                );
            }
        }
    }
    for l in &world.equivalence_lists {
        for code in [&l.from_dispositif, &l.to_dispositif] {
            if !known_dispositif(code) {
                return unknown_dispositif(code, "dispositif");
            }
        }
    }

    let mut seen = BTreeSet::new();
    for e in &world.editors {
        if e.id.trim().is_empty() {
            return err(
                "éditeur sans identifiant".into(),
                "editor without an id".into(),
                "id",
                "",
            );
        }
        if !seen.insert(e.id.as_str()) {
            return err(
                format!("identifiant d'éditeur « {} » utilisé deux fois", e.id),
                format!("editor id \"{}\" used twice", e.id),
                "id",
                &e.id,
            );
        }
    }
    let known_editor = |id: &str| world.editors.iter().any(|e| e.id == id);
    let unknown_editor = |id: &str| {
        err(
            format!("éditeur « {id} » inconnu : déclarez-le dans [[editors]]"),
            format!("unknown editor \"{id}\": declare it in [[editors]]"),
            "editor",
            id,
        )
    };

    let mut seen = BTreeSet::new();
    for r in &world.referencings {
        if !known_editor(&r.editor) {
            return unknown_editor(&r.editor);
        }
        if !known_dispositif(&r.referencing.dispositif) {
            return unknown_dispositif(&r.referencing.dispositif, "dispositif");
        }
        if !seen.insert(r.referencing.nru.as_str()) {
            return err(
                format!("NRU {} déclaré par deux référencements", r.referencing.nru),
                format!("NRU {} declared by two referencings", r.referencing.nru),
                "nru",
                r.referencing.nru.as_str(),
            );
        }
    }

    let mut seen = BTreeSet::new();
    for c in &world.candidatures {
        let cand = &c.candidature;
        if c.id.trim().is_empty() {
            return err(
                "candidature sans identifiant".into(),
                "candidature without an id".into(),
                "id",
                "",
            );
        }
        if !seen.insert(c.id.as_str()) {
            return err(
                format!("identifiant de candidature « {} » utilisé deux fois", c.id),
                format!("candidature id \"{}\" used twice", c.id),
                "id",
                &c.id,
            );
        }
        if !known_editor(&c.editor) {
            return unknown_editor(&c.editor);
        }
        if !known_dispositif(&cand.dispositif) {
            return unknown_dispositif(&cand.dispositif, "dispositif");
        }
        let Some(rem) = world.rem_version(&cand.dispositif, &cand.rem_version) else {
            return err(
                format!(
                    "candidature « {} » : version de REM {} {} absente du fichier",
                    c.id, cand.dispositif, cand.rem_version
                ),
                format!(
                    "candidature \"{}\": REM version {} {} is not in the file",
                    c.id, cand.dispositif, cand.rem_version
                ),
                "rem_version",
                &cand.rem_version,
            );
        };
        let keys: BTreeSet<_> = rem.proof_items().into_iter().map(|i| i.key).collect();
        let mut deposited = BTreeSet::new();
        for d in &c.deposits {
            if !keys.contains(&d.key) {
                return err(
                    format!(
                        "candidature « {} » : la preuve {} n'existe pas dans le REM {} {}",
                        c.id, d.key, cand.dispositif, cand.rem_version
                    ),
                    format!(
                        "candidature \"{}\": proof {} does not exist in REM {} {}",
                        c.id, d.key, cand.dispositif, cand.rem_version
                    ),
                    "requirement",
                    d.key.requirement.as_str(),
                );
            }
            if !deposited.insert(&d.key) {
                return err(
                    format!(
                        "candidature « {} » : preuve {} déposée deux fois",
                        c.id, d.key
                    ),
                    format!("candidature \"{}\": proof {} deposited twice", c.id, d.key),
                    "requirement",
                    d.key.requirement.as_str(),
                );
            }
        }
    }
    for p in &world.pentest_forms {
        if world.candidature(&p.candidature).is_none() {
            return err(
                format!(
                    "formulaire de test d'intrusion : candidature « {} » inconnue",
                    p.candidature
                ),
                format!("pentest form: unknown candidature \"{}\"", p.candidature),
                "candidature",
                &p.candidature,
            );
        }
    }
    for r in &world.cnda_requests {
        if !known_editor(&r.editor) {
            return unknown_editor(&r.editor);
        }
    }
    for h in &world.psc_habilitations {
        if !known_editor(&h.editor) {
            return unknown_editor(&h.editor);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_files(path: &str) -> Result<String, String> {
        Err(format!("no file {path}"))
    }

    const MINIMAL: &str = r#"
format_version = 1
calendars = "builtin"

[[dispositifs]]
code = "MDV-LGC-Va2"
name = "Logiciel de gestion de cabinet"

[[rem_versions]]
dispositif = "MDV-LGC-Va2"
version = "1.0"
status = "published"
published_on = "2025-04-30"

[[rem_versions.requirements]]
id = "SC.INS.01.02"
chapter = "Identification"
enonce = "Le logiciel DOIT qualifier l'INS."
nature = "EXIGENCE"
profile = "Général"
scenarios = [{ number = 1, text = "Qualifier", proofs = [{ number = 1, text = "Capture" }] }]

[[editors]]
id = "ed-a"
name = "A"
"#;

    #[test]
    fn minimal_file_loads_with_builtin_calendars() {
        let w = load(MINIMAL, Format::Toml, "w.toml", &no_files).unwrap();
        assert_eq!(w.world.calendars.len(), 2);
        assert_eq!(w.world.calendars[1].dates[&Milestone::D2], "2027-01-20");
        assert_eq!(w.world.rem_versions[0].proof_items().len(), 1);
    }

    #[test]
    fn syntax_error_is_located() {
        let e = load(
            "dispositifs = [\n  { code = \n",
            Format::Toml,
            "w.toml",
            &no_files,
        )
        .unwrap_err();
        assert_eq!(e.origin, "w.toml");
        assert!(e.span.is_some() && e.line.is_some(), "{e:?}");
    }

    #[test]
    fn unknown_field_is_named() {
        let src = format!("{MINIMAL}\nsiret = \"x\"\n");
        let e = load(&src, Format::Toml, "w.toml", &no_files).unwrap_err();
        assert!(e.message_en.contains("siret"), "{e}");
    }

    #[test]
    fn bare_dates_get_a_hint() {
        let src = MINIMAL.replace("published_on = \"2025-04-30\"", "published_on = 2025-04-30");
        let e = load(&src, Format::Toml, "w.toml", &no_files).unwrap_err();
        assert!(e.message_fr.contains("guillemets"), "{e}");
        assert_eq!(e.line, Some(13), "{e}");
    }

    #[test]
    fn deep_nesting_is_refused_before_parsing() {
        let src = format!("x = {}", "[".repeat(100_000));
        let e = load(&src, Format::Toml, "w.toml", &no_files).unwrap_err();
        assert!(e.message_en.contains("nesting"), "{e}");
        let src = "[".repeat(100_000);
        let e = load(&src, Format::Json, "w.json", &no_files).unwrap_err();
        assert!(e.message_en.contains("nesting"), "{e}");
        // Brackets inside strings and comments do not count.
        assert_eq!(
            too_deep(
                &format!("a = \"{}\" # {}\n", "[".repeat(100), "{".repeat(100)),
                Format::Toml
            ),
            None
        );
        assert_eq!(
            too_deep(&format!("a = '''{}'''\n", "[".repeat(100)), Format::Toml),
            None
        );
    }

    #[test]
    fn path_cycles_are_refused() {
        let world = "[[dispositifs]]\ncode = \"MDV-LGC-Va2\"\nname = \"x\"\n\n[[rem_versions]]\npath = \"rem/a.toml\"\n";
        let resolve = |p: &str| -> Result<String, String> {
            match p {
                "rem/a.toml" => Ok("path = \"rem/b.toml\"\n".into()),
                "rem/b.toml" => Ok("path = \"./rem/a.toml\"\n".into()),
                "self.toml" => Ok("path = \"self.toml\"\n".into()),
                _ => Err("absent".into()),
            }
        };
        let e = load(world, Format::Toml, "w.toml", &resolve).unwrap_err();
        assert!(e.message_en.contains("cycle"), "{e}");
        let world_self = world.replace("rem/a.toml", "self.toml");
        let e = load(&world_self, Format::Toml, "w.toml", &resolve).unwrap_err();
        assert!(e.message_en.contains("cycle"), "{e}");
        let world_main = world.replace("rem/a.toml", "./w.toml");
        let e = load(&world_main, Format::Toml, "w.toml", &resolve).unwrap_err();
        assert!(e.message_en.contains("cycle"), "{e}");
    }

    #[test]
    fn rem_by_path_is_resolved() {
        let world = "[[dispositifs]]\ncode = \"MDV-LGC-Va2\"\nname = \"x\"\n\n[[rem_versions]]\npath = \"rem/a.json\"\n";
        let resolve = |p: &str| -> Result<String, String> {
            match p {
                "rem/a.json" => Ok(r#"{"dispositif":"MDV-LGC-Va2","version":"1.0","status":"draft","requirements":[]}"#.into()),
                _ => Err("absent".into()),
            }
        };
        let w = load(world, Format::Toml, "w.toml", &resolve).unwrap();
        assert_eq!(w.world.rem_versions[0].version, "1.0");
    }

    #[test]
    fn unknown_editor_reference_is_located() {
        let src = format!(
            "{MINIMAL}\n[[cnda_requests]]\neditor = \"ed-nobody\"\nnil = \"N1\"\nsoftware_version = \"1\"\nstatus = \"draft\"\n"
        );
        let e = load(&src, Format::Toml, "w.toml", &no_files).unwrap_err();
        assert!(e.message_en.contains("ed-nobody"), "{e}");
        assert_eq!(
            e.line,
            Some(src.lines().position(|l| l.contains("ed-nobody")).unwrap() + 1)
        );
    }

    #[test]
    fn oversized_input_is_refused() {
        let big = " ".repeat(MAX_INPUT_BYTES + 1);
        let e = load(&big, Format::Toml, "w.toml", &no_files).unwrap_err();
        assert!(e.message_en.contains("too large"), "{e}");
    }

    #[test]
    fn json_errors_have_line_and_column() {
        let e = load("{\n  \"editors\": 3\n}", Format::Json, "w.json", &no_files).unwrap_err();
        assert_eq!(e.line, Some(2), "{e}");
        assert!(e.span.is_some());
    }

    #[test]
    fn line_column_and_offset_round_trip() {
        let s = "ab\nçd\ne";
        assert_eq!(line_column(s, offset_of(s, 2, 2)), (2, 2));
        assert_eq!(normalise("./rem/../rem/a.toml"), "rem/a.toml");
    }

    #[test]
    fn deep_dotted_keys_are_refused_without_overflow() {
        // Dotted keys nest tables without brackets, so the bracket guard does not see them.
        for src in [
            format!("settings.{} = 1\n", vec!["a"; 100_000].join(".")),
            format!(
                "settings.per_dispositif.{} = 1\n",
                vec!["a"; 100_000].join(".")
            ),
            format!(
                "[settings.per_dispositif.{}]\n",
                vec!["a"; 100_000].join(".")
            ),
        ] {
            assert!(load(&src, Format::Toml, "w.toml", &no_files).is_err());
        }
    }
}
