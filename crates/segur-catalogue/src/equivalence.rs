//! Equivalence lists (EQV-06) from XLSX or CSV: one row per mapping, columns source dispositif,
//! source requirement, target dispositif, target requirement (one header row). When the file
//! has no dispositif columns, the caller gives them.

use std::collections::BTreeMap;

use segur_domain::catalogue::{DispositifCode, EquivalenceList, EquivalencePair, RequirementId};

use crate::grid::{self, Grid, SourceFormat};
use crate::mapping::normalize_header;
use crate::{ImportError, Location, MAX_PROBLEMS, Problem, column_letter};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Col {
    FromDispositif,
    FromRequirement,
    ToDispositif,
    ToRequirement,
}

fn recognise(h: &str) -> Option<Col> {
    let h = normalize_header(h);
    let source =
        h.contains("source") || h.contains("origine") || h.ends_with(" de") || h.contains(" va1");
    let target = h.contains("cible") || h.contains("destination") || h.contains("equivalente");
    let disp = h.contains("dispositif") || h.contains("sons");
    let req = h.contains("exigence");
    match (disp, req, source, target) {
        (true, false, true, false) => Some(Col::FromDispositif),
        (true, false, false, true) => Some(Col::ToDispositif),
        (false, true, true, false) => Some(Col::FromRequirement),
        (false, true, false, true) => Some(Col::ToRequirement),
        _ => None,
    }
}

/// Reads equivalence lists; `from`/`to` are used when the file has no dispositif columns.
pub fn import_equivalences(
    bytes: &[u8],
    format: SourceFormat,
    origin: &str,
    from: Option<&DispositifCode>,
    to: Option<&DispositifCode>,
) -> Result<Vec<EquivalenceList>, ImportError> {
    let grid = match format {
        SourceFormat::Xlsx => grid::read_xlsx(bytes, None, &["Equivalences", "Équivalences"])?,
        SourceFormat::Csv => grid::read_csv(bytes, origin)?,
        _ => {
            return Err(ImportError::file(
                "liste d'équivalence : XLSX ou CSV attendu",
            ));
        }
    };
    equivalences_from_grid(&grid, from, to)
}

pub fn equivalences_from_grid(
    grid: &Grid,
    from: Option<&DispositifCode>,
    to: Option<&DispositifCode>,
) -> Result<Vec<EquivalenceList>, ImportError> {
    let header_row = grid
        .rows
        .iter()
        .position(|r| r.iter().any(|s| !s.trim().is_empty()))
        .ok_or_else(|| ImportError::file("liste d'équivalence vide"))?;
    let mut cols: BTreeMap<u8, usize> = BTreeMap::new();
    let key = |c: Col| c as u8;
    for (i, h) in grid.rows[header_row].iter().enumerate() {
        if let Some(c) = recognise(h) {
            cols.entry(key(c)).or_insert(i);
        }
    }
    for (c, name) in [
        (Col::FromRequirement, "Exigence source"),
        (Col::ToRequirement, "Exigence cible"),
    ] {
        if !cols.contains_key(&key(c)) {
            return Err(ImportError::file(format!(
                "feuille « {} » : colonne « {name} » introuvable dans l'en-tête",
                grid.sheet
            )));
        }
    }
    for (c, given, name) in [
        (Col::FromDispositif, from, "Dispositif source"),
        (Col::ToDispositif, to, "Dispositif cible"),
    ] {
        if !cols.contains_key(&key(c)) && given.is_none() {
            return Err(ImportError::file(format!(
                "feuille « {} » : colonne « {name} » absente : indiquez le dispositif",
                grid.sheet
            )));
        }
    }
    let mut problems = Vec::new();
    let mut lists: Vec<EquivalenceList> = Vec::new();
    for r in header_row + 1..grid.rows.len() {
        if problems.len() >= MAX_PROBLEMS {
            break;
        }
        if grid.rows[r].iter().all(|s| s.trim().is_empty()) {
            continue;
        }
        let mut bad = |col: usize, message: String| {
            problems.push(Problem {
                location: Some(Location {
                    sheet: grid.sheet.clone(),
                    row: r + 1,
                    column: Some(column_letter(col)),
                    header: Some(grid.cell(header_row, col).to_owned()),
                }),
                message,
            })
        };
        let disp =
            |c: Col, given: Option<&DispositifCode>| -> Result<DispositifCode, (usize, String)> {
                match cols.get(&key(c)) {
                    Some(&col) => {
                        let s = grid.cell(r, col).trim();
                        if let (true, Some(g)) = (s.is_empty(), given) {
                            return Ok(g.clone());
                        }
                        DispositifCode::parse(s).map_err(|e| (col, e.reason))
                    }
                    None => given.cloned().ok_or((0, "dispositif manquant".into())),
                }
            };
        let req = |c: Col| -> Result<RequirementId, (usize, String)> {
            let col = cols[&key(c)];
            RequirementId::parse(grid.cell(r, col)).map_err(|e| (col, e.reason))
        };
        let parsed = (
            disp(Col::FromDispositif, from),
            req(Col::FromRequirement),
            disp(Col::ToDispositif, to),
            req(Col::ToRequirement),
        );
        match parsed {
            (Ok(fd), Ok(fr), Ok(td), Ok(tr)) => {
                let pair = EquivalencePair {
                    from_requirement: fr,
                    to_requirement: tr,
                };
                match lists
                    .iter_mut()
                    .find(|l| l.from_dispositif == fd && l.to_dispositif == td)
                {
                    Some(l) => {
                        if !l.pairs.contains(&pair) {
                            l.pairs.push(pair);
                        }
                    }
                    None => lists.push(EquivalenceList {
                        from_dispositif: fd,
                        to_dispositif: td,
                        pairs: vec![pair],
                    }),
                }
            }
            (a, b, c, d) => {
                for e in [a.err(), b.err(), c.err(), d.err()].into_iter().flatten() {
                    bad(e.0, e.1);
                }
            }
        }
    }
    if !problems.is_empty() {
        return Err(ImportError { problems });
    }
    if lists.is_empty() {
        return Err(ImportError::file("liste d'équivalence sans correspondance"));
    }
    Ok(lists)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eqv_06_lists_from_csv_grouped_by_dispositifs() {
        let csv = "Dispositif source;Exigence source;Dispositif cible;Exigence cible\n\
                   MDV-LGC-Va2;SC.INS.01;MS-Va2;SC.INS.01\n\
                   MDV-LGC-Va2;SC.INS.02;MS-Va2;SC.INS.03\n\
                   HOP-DPI-Va2;SC.PSC.01;MS-Va2;SC.PSC.01\n";
        let lists =
            import_equivalences(csv.as_bytes(), SourceFormat::Csv, "eq.csv", None, None).unwrap();
        assert_eq!(lists.len(), 2);
        assert_eq!(lists[0].pairs.len(), 2);
        assert_eq!(lists[0].to_dispositif.as_str(), "MS-Va2");
    }

    #[test]
    fn eqv_06_errors_are_located() {
        let csv = "Exigence source;Exigence cible\nSC.INS.01;pas un id\n";
        let from = DispositifCode::parse("MDV-LGC-Va2").unwrap();
        let to = DispositifCode::parse("MS-Va2").unwrap();
        let err = import_equivalences(
            csv.as_bytes(),
            SourceFormat::Csv,
            "eq.csv",
            Some(&from),
            Some(&to),
        )
        .unwrap_err();
        let loc = err.problems[0].location.clone().unwrap();
        assert_eq!((loc.row, loc.column.as_deref()), (2, Some("B")));
    }
}
