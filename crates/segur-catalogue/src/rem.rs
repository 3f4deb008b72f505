//! REM import: rows (requirement × scenario × proof number, or one row per scenario with proof
//! pairs) assembled into a [`RemVersion`], every problem located to sheet, row and column.
//!
//! Merged cells come out of Excel as one value and blanks below it, so a row with no
//! requirement number continues the requirement above (and a row with no scenario number, the
//! scenario above). A requirement, scenario or proof met twice with different texts is an error.

use std::collections::{BTreeMap, HashMap};

use segur_domain::catalogue::{
    DispositifCode, Nature, Profile, ProofSpec, RemStatus, RemVersion, Requirement, RequirementId,
    Scenario, Wave,
};
use segur_domain::rem_diff::normalize_text;
use segur_domain::world_file;
use serde::Serialize;

use crate::grid::{self, Grid, SourceFormat};
use crate::mapping::{self, ColumnMapping, Field, Resolved};
use crate::{ImportError, Location, MAX_PROBLEMS, Problem, column_letter};

/// What to import as.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    pub dispositif: DispositifCode,
    pub version: String,
    pub mapping: ColumnMapping,
    /// Imported versions are drafts until published (REM-01 applies from publication).
    pub status: RemStatus,
}

impl ImportOptions {
    pub fn new(dispositif: DispositifCode, version: impl Into<String>) -> Self {
        Self {
            dispositif,
            version: version.into(),
            mapping: ColumnMapping::default(),
            status: RemStatus::Draft,
        }
    }
}

/// Counts per chapter or profile.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub requirements: usize,
    pub scenarios: usize,
    pub proof_items: usize,
}

/// The summary printed after an import (and shown in the preview before publishing).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RemSummary {
    pub total: Counts,
    /// Chapters in REM order.
    pub by_chapter: Vec<(String, Counts)>,
    pub by_profile: Vec<(String, Counts)>,
    pub exigences: usize,
    pub preconisations: usize,
}

impl RemSummary {
    pub fn of(rem: &RemVersion) -> Self {
        let mut s = RemSummary::default();
        let mut chapters: Vec<(String, Counts)> = Vec::new();
        let mut profiles: BTreeMap<String, Counts> = BTreeMap::new();
        for r in &rem.requirements {
            let sc = r.scenarios.len();
            let pi: usize = r.scenarios.iter().map(|s| s.proofs.len()).sum();
            let add = |c: &mut Counts| {
                c.requirements += 1;
                c.scenarios += sc;
                c.proof_items += pi;
            };
            add(&mut s.total);
            match chapters.iter_mut().find(|(c, _)| *c == r.chapter) {
                Some((_, c)) => add(c),
                None => {
                    let mut c = Counts::default();
                    add(&mut c);
                    chapters.push((r.chapter.clone(), c));
                }
            }
            add(profiles.entry(r.profile.to_string()).or_default());
            match r.nature {
                Nature::Exigence => s.exigences += 1,
                Nature::Preconisation => s.preconisations += 1,
            }
        }
        s.by_chapter = chapters;
        s.by_profile = profiles.into_iter().collect();
        s
    }
}

/// An imported REM with its summary and the warnings that did not stop the import.
#[derive(Debug, Clone)]
pub struct ImportedRem {
    pub rem: RemVersion,
    pub summary: RemSummary,
    pub warnings: Vec<Problem>,
    /// Data rows read (for progress and benchmarks).
    pub rows: usize,
}

/// Imports a REM from a file's bytes. `origin` names the file in messages.
pub fn import_rem(
    bytes: &[u8],
    format: SourceFormat,
    origin: &str,
    opts: &ImportOptions,
) -> Result<ImportedRem, ImportError> {
    match format {
        SourceFormat::Toml | SourceFormat::Json | SourceFormat::Yaml => {
            own_format(bytes, format, origin, opts)
        }
        SourceFormat::Xlsx => {
            let grid = grid::read_xlsx(bytes, opts.mapping.sheet.as_deref(), &["Exigences"])?;
            rem_from_grid(&grid, opts, 2)
        }
        SourceFormat::Csv => {
            let grid = grid::read_csv(bytes, origin)?;
            rem_from_grid(&grid, opts, 1)
        }
    }
}

/// YAML is read into a JSON value (the parser refuses alias bombs with a repetition limit, and
/// the size limit of files applies first), then loaded as the JSON form of the same format.
fn yaml_to_json(bytes: &[u8], origin: &str) -> Result<String, ImportError> {
    if bytes.len() > world_file::MAX_INPUT_BYTES {
        return Err(ImportError::file(format!(
            "{origin} : fichier trop volumineux"
        )));
    }
    let value: serde_json::Value = serde_norway::from_slice(bytes).map_err(|e| {
        let at = e
            .location()
            .map(|l| format!(" (ligne {}, colonne {})", l.line(), l.column()))
            .unwrap_or_default();
        ImportError::file(format!("{origin} : YAML invalide{at} : {e}"))
    })?;
    serde_json::to_string(&value).map_err(|e| ImportError::file(format!("{origin} : {e}")))
}

/// Reads a file of segur's own format (TOML, JSON or YAML) as it is: the dispositif and version
/// are those the file names.
pub fn read_own_format(
    bytes: &[u8],
    format: SourceFormat,
    origin: &str,
) -> Result<RemVersion, ImportError> {
    let converted;
    let (bytes, format) = if format == SourceFormat::Yaml {
        converted = yaml_to_json(bytes, origin)?;
        (converted.as_bytes(), SourceFormat::Json)
    } else {
        (bytes, format)
    };
    let text = std::str::from_utf8(bytes)
        .map_err(|_| ImportError::file(format!("{origin} : fichier non UTF-8")))?;
    let f = if format == SourceFormat::Json {
        world_file::Format::Json
    } else {
        world_file::Format::Toml
    };
    world_file::load_rem(text, f, origin).map_err(|e| ImportError::file(e.to_string()))
}

fn own_format(
    bytes: &[u8],
    format: SourceFormat,
    origin: &str,
    opts: &ImportOptions,
) -> Result<ImportedRem, ImportError> {
    let mut rem = read_own_format(bytes, format, origin)?;
    if rem.dispositif != opts.dispositif {
        return Err(ImportError::file(format!(
            "{origin} : le fichier décrit le REM {} et non {}",
            rem.dispositif, opts.dispositif
        )));
    }
    if rem.version != opts.version {
        return Err(ImportError::file(format!(
            "{origin} : le fichier décrit la version {} et non {}",
            rem.version, opts.version
        )));
    }
    let mut seen = HashMap::new();
    for r in &rem.requirements {
        if seen.insert(r.id.clone(), ()).is_some() {
            return Err(ImportError::file(format!(
                "{origin} : exigence {} déclarée deux fois",
                r.id
            )));
        }
    }
    rem.status = opts.status;
    if rem.status == RemStatus::Draft {
        rem.published_on = None;
    }
    Ok(ImportedRem {
        summary: RemSummary::of(&rem),
        rows: rem.proof_items().len(),
        rem,
        warnings: Vec::new(),
    })
}

struct Collector {
    sheet: String,
    problems: Vec<Problem>,
}

impl Collector {
    fn at(&mut self, row: usize, col: Option<usize>, cols: &Resolved, message: String) {
        if self.problems.len() < MAX_PROBLEMS {
            self.problems.push(Problem {
                location: Some(Location {
                    sheet: self.sheet.clone(),
                    row: row + 1,
                    column: col.map(column_letter),
                    header: col.and_then(|c| cols.header(c)),
                }),
                message,
            });
        }
    }
    fn full(&self) -> bool {
        self.problems.len() >= MAX_PROBLEMS
    }
}

/// Where a requirement, scenario or proof was first read.
struct Seen {
    row: usize,
}

/// Assembles a REM from a sheet whose first `default_header_rows` rows are headers (unless the
/// mapping says otherwise).
pub fn rem_from_grid(
    grid: &Grid,
    opts: &ImportOptions,
    default_header_rows: usize,
) -> Result<ImportedRem, ImportError> {
    let header_rows = opts
        .mapping
        .header_rows
        .unwrap_or(default_header_rows)
        .clamp(1, 10);
    let first_row = first_nonempty_row(grid);
    let header_end = (first_row + header_rows).min(grid.rows.len());
    let cols = mapping::resolve(
        &grid.rows[first_row..header_end],
        &opts.mapping,
        &grid.sheet,
    )?;
    let mut c = Collector {
        sheet: grid.sheet.clone(),
        problems: Vec::new(),
    };
    let mut warnings = Vec::new();
    let defaults = &opts.mapping.defaults;
    let default_nature = match defaults.get(&Field::Nature) {
        Some(v) => Some(parse_nature(v).ok_or_else(|| {
            ImportError::file(format!(
                "nature par défaut « {v} » invalide (EXIGENCE ou PRECONISATION)"
            ))
        })?),
        None => None,
    };
    let default_profile = match defaults.get(&Field::Profile) {
        Some(v) => Profile::parse(v).map_err(|e| ImportError::file(e.to_string()))?,
        None => Profile::general(),
    };
    if default_nature.is_none() && !cols.single.contains_key(&Field::Nature) {
        warnings.push(Problem {
            location: None,
            message:
                "pas de colonne « Nature » : toutes les exigences sont importées comme EXIGENCE"
                    .into(),
        });
    }

    let mut reqs: Vec<Requirement> = Vec::new();
    let mut index: HashMap<RequirementId, (usize, Seen)> = HashMap::new();
    let mut scenario_seen: HashMap<(usize, u16), Seen> = HashMap::new();
    let mut proof_seen: HashMap<(usize, u16, u16), Seen> = HashMap::new();
    let mut current: Option<usize> = None;
    let mut current_scenario: Option<(u16, String)> = None;
    let mut rows = 0usize;

    let get = |r: usize, f: Field| -> Option<(&str, usize)> {
        cols.single
            .get(&f)
            .map(|&col| (grid.cell(r, col).trim(), col))
    };

    for r in header_end..grid.rows.len() {
        if c.full() {
            break;
        }
        if grid.rows[r].iter().all(|s| s.trim().is_empty()) {
            continue;
        }
        rows += 1;
        let (id_text, id_col) = get(r, Field::RequirementId).unwrap_or(("", 0));
        let req_idx = if id_text.is_empty() {
            // Continuation of a merged requirement cell.
            match current {
                Some(i) => i,
                None => {
                    c.at(r, Some(id_col), &cols, "numéro d'exigence manquant".into());
                    continue;
                }
            }
        } else {
            let id = match RequirementId::parse(id_text) {
                Ok(id) => id,
                Err(e) => {
                    c.at(
                        r,
                        Some(id_col),
                        &cols,
                        format!("numéro d'exigence invalide : {}", e.reason),
                    );
                    continue;
                }
            };
            let text = |f: Field| get(r, f).map(|(s, _)| s.to_owned()).unwrap_or_default();
            let nature = match get(r, Field::Nature) {
                Some((s, col)) if !s.is_empty() => match parse_nature(s) {
                    Some(n) => n,
                    None => {
                        c.at(
                            r,
                            Some(col),
                            &cols,
                            format!("nature « {s} » invalide : EXIGENCE ou PRECONISATION attendu"),
                        );
                        continue;
                    }
                },
                _ => default_nature.unwrap_or(Nature::Exigence),
            };
            let profile = match get(r, Field::Profile) {
                Some((s, col)) if !s.is_empty() => match Profile::parse(s) {
                    Ok(p) => p,
                    Err(e) => {
                        c.at(r, Some(col), &cols, e.reason.clone());
                        continue;
                    }
                },
                _ => default_profile.clone(),
            };
            let wave_origin = match get(r, Field::WaveOrigin) {
                Some((s, col)) if !s.is_empty() => match normalize_header(s).as_str() {
                    "va1" | "vague 1" | "1" => Wave::Va1,
                    "va2" | "vague 2" | "2" => Wave::Va2,
                    _ => {
                        c.at(
                            r,
                            Some(col),
                            &cols,
                            format!("vague d'origine « {s} » invalide : Va1 ou Va2 attendu"),
                        );
                        continue;
                    }
                },
                _ => Wave::Va2,
            };
            let enonce = text(Field::Enonce);
            if enonce.is_empty() && !index.contains_key(&id) {
                let col = cols.single.get(&Field::Enonce).copied();
                c.at(
                    r,
                    col,
                    &cols,
                    format!("énoncé manquant pour l'exigence {id}"),
                );
                continue;
            }
            let mut extra = BTreeMap::new();
            for (col, header) in &cols.extra {
                let v = grid.cell(r, *col).trim();
                if !v.is_empty() {
                    extra.insert(header.clone(), v.to_owned());
                }
            }
            let candidate = Requirement {
                id: id.clone(),
                chapter: text(Field::Chapter),
                fonction: text(Field::Fonction),
                enonce,
                nature,
                profile,
                wave_origin,
                scenarios: Vec::new(),
                extra,
            };
            match index.get(&id) {
                Some((i, seen)) => {
                    let existing = &mut reqs[*i];
                    let mut conflicts = Vec::new();
                    if !candidate.enonce.is_empty()
                        && normalize_text(&existing.enonce) != normalize_text(&candidate.enonce)
                    {
                        conflicts.push((Field::Enonce, "l'énoncé"));
                    }
                    if !candidate.chapter.is_empty()
                        && normalize_text(&existing.chapter) != normalize_text(&candidate.chapter)
                    {
                        conflicts.push((Field::Chapter, "le chapitre"));
                    }
                    if get(r, Field::Nature).is_some_and(|(s, _)| !s.is_empty())
                        && existing.nature != candidate.nature
                    {
                        conflicts.push((Field::Nature, "la nature"));
                    }
                    if get(r, Field::Profile).is_some_and(|(s, _)| !s.is_empty())
                        && existing.profile != candidate.profile
                    {
                        conflicts.push((Field::Profile, "le profil"));
                    }
                    for (f, what) in conflicts {
                        c.at(
                            r,
                            cols.single.get(&f).copied(),
                            &cols,
                            format!(
                                "exigence {id} : {what} diffère de la ligne {}",
                                seen.row + 1
                            ),
                        );
                    }
                    for (k, v) in candidate.extra {
                        existing.extra.entry(k).or_insert(v);
                    }
                    *i
                }
                None => {
                    reqs.push(candidate);
                    let i = reqs.len() - 1;
                    index.insert(id, (i, Seen { row: r }));
                    current_scenario = None;
                    i
                }
            }
        };
        if current != Some(req_idx) {
            current_scenario = None;
        }
        current = Some(req_idx);

        // Scenario.
        let (sc_num_text, sc_col) = get(r, Field::ScenarioNumber).unwrap_or(("", 0));
        let sc_text = get(r, Field::ScenarioText)
            .map(|(s, _)| s.to_owned())
            .unwrap_or_default();
        let sc_number = if sc_num_text.is_empty() {
            match &current_scenario {
                Some((n, _)) => *n,
                None => {
                    c.at(r, Some(sc_col), &cols, "numéro de scénario manquant".into());
                    continue;
                }
            }
        } else {
            match parse_number(sc_num_text) {
                Some(n) => n,
                None => {
                    c.at(r, Some(sc_col), &cols, format!("numéro de scénario « {sc_num_text} » invalide (entier de 1 à 999 attendu)"));
                    continue;
                }
            }
        };
        let req = &mut reqs[req_idx];
        let sc_pos = match req.scenarios.iter().position(|s| s.number == sc_number) {
            Some(p) => {
                let existing = &req.scenarios[p];
                if !sc_text.is_empty() && normalize_text(&existing.text) != normalize_text(&sc_text)
                {
                    let first = scenario_seen
                        .get(&(req_idx, sc_number))
                        .map(|s| s.row + 1)
                        .unwrap_or(0);
                    let id = req.id.clone();
                    c.at(
                        r,
                        cols.single.get(&Field::ScenarioText).copied(),
                        &cols,
                        format!("exigence {id}, scénario {sc_number} : texte différent de la ligne {first}"),
                    );
                    continue;
                }
                p
            }
            None => {
                if sc_text.is_empty() {
                    let id = req.id.clone();
                    c.at(
                        r,
                        cols.single.get(&Field::ScenarioText).copied(),
                        &cols,
                        format!("exigence {id}, scénario {sc_number} : texte du scénario manquant"),
                    );
                    continue;
                }
                req.scenarios.push(Scenario {
                    number: sc_number,
                    text: sc_text.clone(),
                    proofs: Vec::new(),
                });
                scenario_seen.insert((req_idx, sc_number), Seen { row: r });
                req.scenarios.len() - 1
            }
        };
        current_scenario = Some((sc_number, sc_text));

        // Proof pairs.
        for (k, (num_col, text_col)) in cols.proofs.iter().enumerate() {
            let text = grid.cell(r, *text_col).trim();
            let num = num_col.map(|nc| grid.cell(r, nc).trim()).unwrap_or("");
            if text.is_empty() && num.is_empty() {
                continue;
            }
            if text.is_empty() {
                let id = reqs[req_idx].id.clone();
                c.at(
                    r,
                    Some(*text_col),
                    &cols,
                    format!("exigence {id} : preuve n° {num} sans texte"),
                );
                continue;
            }
            let number = if num.is_empty() {
                match u16::try_from(k + 1) {
                    Ok(n) => n,
                    Err(_) => continue,
                }
            } else {
                match parse_number(num) {
                    Some(n) => n,
                    None => {
                        c.at(
                            r,
                            *num_col,
                            &cols,
                            format!(
                                "numéro de preuve « {num} » invalide (entier de 1 à 999 attendu)"
                            ),
                        );
                        continue;
                    }
                }
            };
            let req = &mut reqs[req_idx];
            let id = req.id.clone();
            let sc = &mut req.scenarios[sc_pos];
            match sc.proofs.iter().find(|p| p.number == number) {
                Some(p) => {
                    let first = proof_seen
                        .get(&(req_idx, sc_number, number))
                        .map(|s| s.row + 1)
                        .unwrap_or(0);
                    if normalize_text(&p.text) != normalize_text(text) {
                        c.at(
                            r,
                            Some(*text_col),
                            &cols,
                            format!("{id} / S{sc_number} / P{number} : preuve déjà définie ligne {first} avec un autre texte"),
                        );
                    } else {
                        warnings.push(Problem {
                            location: Some(Location {
                                sheet: grid.sheet.clone(),
                                row: r + 1,
                                column: Some(column_letter(*text_col)),
                                header: cols.header(*text_col),
                            }),
                            message: format!("{id} / S{sc_number} / P{number} : ligne en double (déjà ligne {first}), ignorée"),
                        });
                    }
                }
                None => {
                    sc.proofs.push(ProofSpec {
                        number,
                        text: text.to_owned(),
                    });
                    proof_seen.insert((req_idx, sc_number, number), Seen { row: r });
                }
            }
        }
    }
    if !c.problems.is_empty() {
        return Err(ImportError {
            problems: c.problems,
        });
    }
    for req in &reqs {
        for sc in &req.scenarios {
            if sc.proofs.is_empty() {
                let row = scenario_seen
                    .get(&(index[&req.id].0, sc.number))
                    .map(|s| s.row + 1)
                    .unwrap_or(0);
                return Err(ImportError {
                    problems: vec![Problem {
                        location: Some(Location {
                            sheet: grid.sheet.clone(),
                            row,
                            column: None,
                            header: None,
                        }),
                        message: format!(
                            "exigence {}, scénario {} : aucune preuve attendue",
                            req.id, sc.number
                        ),
                    }],
                });
            }
        }
    }
    if reqs.is_empty() {
        return Err(ImportError::file(format!(
            "feuille « {} » : aucune exigence sous l'en-tête",
            grid.sheet
        )));
    }
    let rem = RemVersion {
        dispositif: opts.dispositif.clone(),
        version: opts.version.clone(),
        status: opts.status,
        published_on: None,
        change_log: Vec::new(),
        illustrative: false,
        requirements: reqs,
    };
    Ok(ImportedRem {
        summary: RemSummary::of(&rem),
        rem,
        warnings,
        rows,
    })
}

fn first_nonempty_row(grid: &Grid) -> usize {
    grid.rows
        .iter()
        .position(|r| r.iter().any(|s| !s.trim().is_empty()))
        .unwrap_or(0)
}

fn normalize_header(s: &str) -> String {
    mapping::normalize_header(s)
}

/// EXIGENCE / PRECONISATION, or DOIT / PEUT as written in some publications.
pub fn parse_nature(s: &str) -> Option<Nature> {
    match normalize_header(s).as_str() {
        "exigence" | "doit" => Some(Nature::Exigence),
        "preconisation" | "peut" | "recommandation" => Some(Nature::Preconisation),
        _ => None,
    }
}

/// A scenario or proof number: `1`, `1.0` (Excel), `S1`, `P2`, `Scénario 1`, `Preuve 2`.
fn parse_number(s: &str) -> Option<u16> {
    let t = normalize_header(s);
    let t = t
        .trim_start_matches("scenario")
        .trim_start_matches("preuve")
        .trim_start_matches(['s', 'p'])
        .trim();
    let t = t.strip_suffix(".0").unwrap_or(t);
    let t = t.strip_suffix(" 0").unwrap_or(t);
    let n: u16 = t.parse().ok()?;
    (1..=999).contains(&n).then_some(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_in_the_forms_found_in_workbooks() {
        assert_eq!(parse_number("1"), Some(1));
        assert_eq!(parse_number("2.0"), Some(2));
        assert_eq!(parse_number("S3"), Some(3));
        assert_eq!(parse_number("Scénario 4"), Some(4));
        assert_eq!(parse_number("P5"), Some(5));
        assert_eq!(parse_number("0"), None);
        assert_eq!(parse_number("abc"), None);
        assert_eq!(parse_nature("DOIT"), Some(Nature::Exigence));
        assert_eq!(parse_nature("Préconisation"), Some(Nature::Preconisation));
    }
}
