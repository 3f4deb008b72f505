//! Eligibility bases (e.g. the *Base des ES éligibles*): one row per structure and SONS with
//! its cap, read from a table of cells (the CSV or XLSX reading happens outside the domain).
//!
//! Columns are found by header, ignoring case, accents, spaces and underscores, so that
//! `Plafond HT`, `plafond_ht` and `PLAFOND HT` are the same column. Rows of one structure
//! merge into one [`Client`] with one eligibility row per SONS (FIN-03) and its va1 history
//! (FIN-02). Every error names its sheet, row (1-based, as a spreadsheet shows it) and column.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

use super::{Client, ClientKind, EligibilityRow, Money, StructureId};
use crate::catalogue::DispositifCode;

/// A table of cells: `rows[0]` is the header row.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Table {
    /// Sheet name for XLSX, `None` for CSV.
    pub sheet: Option<String>,
    pub rows: Vec<Vec<String>>,
}

/// A problem at one place of the table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LocatedError {
    pub sheet: Option<String>,
    /// 1-based row number as a spreadsheet shows it (the header is row 1).
    pub row: usize,
    /// Header of the column, when the problem is in one cell.
    pub column: Option<String>,
    pub message: String,
}

impl fmt::Display for LocatedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(s) = &self.sheet {
            write!(f, "feuille « {s} », ")?;
        }
        write!(f, "ligne {}", self.row)?;
        if let Some(c) = &self.column {
            write!(f, ", colonne « {c} »")?;
        }
        write!(f, " : {}", self.message)
    }
}

/// The clients of a base and what was ignored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParsedBase {
    pub clients: Vec<Client>,
    /// Data rows read (blank rows excluded).
    pub rows: usize,
    /// Headers not recognised, ignored.
    pub ignored_columns: Vec<String>,
}

/// Most data rows accepted in one base.
pub const MAX_ROWS: usize = 500_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Col {
    Id,
    IdKind,
    Name,
    Kind,
    Sons,
    Activity,
    CapHt,
    CapTtc,
    ExtraVa1Ht,
    Va1Financed,
    PaidOwnVa1,
}

fn fold(header: &str) -> String {
    crate::text::fold(header)
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect()
}

fn column_of(header: &str) -> Option<Col> {
    Some(match fold(header).as_str() {
        "identifiant" | "id" | "structure" | "identifiantstructure" | "finess" => Col::Id,
        "typeidentifiant" | "typedidentifiant" => Col::IdKind,
        "raisonsociale" | "nom" | "name" | "libelle" => Col::Name,
        "type" | "categorie" | "typestructure" => Col::Kind,
        "sons" | "dispositif" | "codesons" => Col::Sons,
        "activite" | "activitecombinee" => Col::Activity,
        "plafondht" | "capht" => Col::CapHt,
        "plafondttc" | "capttc" => Col::CapTtc,
        "supplementva1ht" | "supplementvague1ht" | "extrava1ht" => Col::ExtraVa1Ht,
        "va1finance" | "sonsva1finances" | "va1financed" => Col::Va1Financed,
        "majva1payee" | "miseajourva1payee" | "paidownva1update" => Col::PaidOwnVa1,
        _ => return None,
    })
}

/// Parses an amount as spreadsheets write it: `12 345,6 €`, `12345.60`, `12345`.
pub fn parse_amount(cell: &str) -> Result<Money, String> {
    let mut s: String = cell
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '€' && *c != '\u{202f}')
        .collect();
    s = s.replace(',', ".");
    if s.is_empty() {
        return Err("montant manquant".into());
    }
    match s.split_once('.') {
        None => s.push_str(".00"),
        Some((_, dec)) if dec.len() == 1 => s.push('0'),
        _ => {}
    }
    Money::parse(&s).map_err(|e| e.to_string())
}

fn parse_bool(cell: &str) -> Result<bool, String> {
    match fold(cell).as_str() {
        "" | "non" | "no" | "false" | "faux" | "0" => Ok(false),
        "oui" | "yes" | "true" | "vrai" | "1" => Ok(true),
        _ => Err(format!("« {cell} » : oui ou non attendu")),
    }
}

fn parse_kind(cell: &str) -> Result<ClientKind, String> {
    match fold(cell).as_str() {
        "" | "es" | "etablissementdesante" => Ok(ClientKind::Es),
        "esms" | "medicosocial" => Ok(ClientKind::Esms),
        "ps" | "professionneldesante" => Ok(ClientKind::Ps),
        _ => Err(format!("« {cell} » : type ES, ESMS ou PS attendu")),
    }
}

fn parse_structure(cell: &str, kind: Option<&str>) -> Result<StructureId, String> {
    let cell = cell.trim();
    if cell.contains(':') {
        return StructureId::parse(cell).map_err(|e| e.to_string());
    }
    if let Some(k) = kind.map(str::trim).filter(|k| !k.is_empty()) {
        return StructureId::parse(&format!("{}:{cell}", k.to_ascii_lowercase()))
            .map_err(|e| e.to_string());
    }
    let digits = cell.chars().filter(char::is_ascii_digit).count();
    match digits {
        14 => StructureId::parse(&format!("siret:{cell}")).map_err(|e| e.to_string()),
        11 => StructureId::parse(&format!("rpps:{cell}")).map_err(|e| e.to_string()),
        _ => Err(format!(
            "« {cell} » : préfixez l'identifiant (finess_ej:, finess_et:, siret:, rpps:) ou ajoutez une colonne « type identifiant »"
        )),
    }
}

/// Reads the clients of an eligibility base. All errors are returned, not only the first.
pub fn parse_base(table: &Table) -> Result<ParsedBase, Vec<LocatedError>> {
    let at = |row: usize, column: Option<&str>, message: String| LocatedError {
        sheet: table.sheet.clone(),
        row,
        column: column.map(str::to_owned),
        message,
    };
    let Some(header) = table.rows.first() else {
        return Err(vec![at(
            1,
            None,
            "tableau vide : ligne d'en-tête attendue".into(),
        )]);
    };
    let mut columns: BTreeMap<Col, usize> = BTreeMap::new();
    let mut ignored = Vec::new();
    let mut errors = Vec::new();
    for (i, h) in header.iter().enumerate() {
        match column_of(h) {
            Some(c) if columns.contains_key(&c) => {
                errors.push(at(1, Some(h), "colonne en double".into()))
            }
            Some(c) => {
                columns.insert(c, i);
            }
            None if h.trim().is_empty() => {}
            None => ignored.push(h.trim().to_owned()),
        }
    }
    for (col, name) in [
        (Col::Id, "identifiant"),
        (Col::Sons, "SONS"),
        (Col::CapHt, "plafond HT"),
    ] {
        if !columns.contains_key(&col) {
            errors.push(at(
                1,
                None,
                format!("colonne obligatoire absente : « {name} »"),
            ));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    if table.rows.len() - 1 > MAX_ROWS {
        return Err(vec![at(
            MAX_ROWS + 2,
            None,
            format!("plus de {MAX_ROWS} lignes : découpez la base"),
        )]);
    }
    let header_name = |c: Col| columns.get(&c).map(|&i| header[i].trim().to_owned());
    let mut clients: BTreeMap<StructureId, (usize, Client)> = BTreeMap::new();
    let mut rows = 0;
    for (i, row) in table.rows.iter().enumerate().skip(1) {
        let line = i + 1;
        if row.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        rows += 1;
        let cell = |c: Col| {
            columns
                .get(&c)
                .and_then(|&j| row.get(j))
                .map(|s| s.trim())
                .unwrap_or("")
        };
        let mut fail = |c: Col, message: String| {
            errors.push(at(line, header_name(c).as_deref(), message));
        };
        let id = match parse_structure(cell(Col::Id), Some(cell(Col::IdKind))) {
            Ok(id) => Some(id),
            Err(m) => {
                fail(Col::Id, m);
                None
            }
        };
        let sons = match DispositifCode::parse(cell(Col::Sons)) {
            Ok(d) => Some(d),
            Err(e) => {
                fail(Col::Sons, e.to_string());
                None
            }
        };
        let cap_ht = parse_amount(cell(Col::CapHt))
            .map_err(|m| fail(Col::CapHt, m))
            .ok();
        let optional_amount = |c: Col, fail: &mut dyn FnMut(Col, String)| {
            let v = cell(c);
            if v.is_empty() {
                return None;
            }
            parse_amount(v).map_err(|m| fail(c, m)).ok()
        };
        let cap_ttc = optional_amount(Col::CapTtc, &mut fail);
        let extra = optional_amount(Col::ExtraVa1Ht, &mut fail);
        let kind = parse_kind(cell(Col::Kind))
            .map_err(|m| fail(Col::Kind, m))
            .ok();
        let paid = parse_bool(cell(Col::PaidOwnVa1))
            .map_err(|m| fail(Col::PaidOwnVa1, m))
            .ok();
        let mut va1 = Vec::new();
        for code in cell(Col::Va1Financed)
            .split([';', ','])
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            match DispositifCode::parse(code) {
                Ok(d) => va1.push(d),
                Err(e) => fail(Col::Va1Financed, e.to_string()),
            }
        }
        let (Some(id), Some(sons), Some(cap_ht), Some(kind), Some(paid)) =
            (id, sons, cap_ht, kind, paid)
        else {
            continue;
        };
        let activity = Some(cell(Col::Activity).to_owned()).filter(|s| !s.is_empty());
        let name = cell(Col::Name).to_owned();
        let entry = clients.entry(id.clone()).or_insert_with(|| {
            (
                line,
                Client {
                    id: id.clone(),
                    kind,
                    name: name.clone(),
                    eligibility: Vec::new(),
                    va1_financed: Vec::new(),
                    paid_own_va1_update: false,
                },
            )
        });
        let client = &mut entry.1;
        if client.eligibility.iter().any(|e| e.dispositif == sons) {
            errors.push(at(
                line,
                header_name(Col::Sons).as_deref(),
                format!("{id} a déjà une ligne pour {sons} (ligne {})", entry.0),
            ));
            continue;
        }
        if client.name.is_empty() {
            client.name = name;
        }
        client.eligibility.push(EligibilityRow {
            dispositif: sons,
            activity,
            cap_ht,
            cap_ttc,
            cap_va1va2_extra_ht: extra,
        });
        for d in va1 {
            if !client.va1_financed.contains(&d) {
                client.va1_financed.push(d);
            }
        }
        client.paid_own_va1_update |= paid;
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(ParsedBase {
        clients: clients.into_values().map(|(_, c)| c).collect(),
        rows,
        ignored_columns: ignored,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(rows: &[&[&str]]) -> Table {
        Table {
            sheet: Some("Base".into()),
            rows: rows
                .iter()
                .map(|r| r.iter().map(|c| (*c).to_owned()).collect())
                .collect(),
        }
    }

    #[test]
    fn fin_03_base_rows_merge_per_structure_with_french_amounts() {
        let t = table(&[
            &[
                "Identifiant",
                "Raison sociale",
                "Type",
                "SONS",
                "Plafond HT",
                "Plafond TTC",
                "Supplément VA1 HT",
                "VA1 financé",
                "Commentaire",
            ],
            &[
                "finess_et:750712184",
                "Hôpital A",
                "ES",
                "HOP-DPI-Va2",
                "12 000,00 €",
                "14400",
                "3000,5",
                "HOP-DPI-Va1",
                "x",
            ],
            &[
                "finess_et:750712184",
                "",
                "ES",
                "HOP-PFI-Va2",
                "5000",
                "",
                "",
                "",
                "",
            ],
            &["", "", "", "", "", "", "", "", ""],
            &[
                "siret:73282932000074",
                "Cabinet B",
                "PS",
                "MDV-LGC-Va2",
                "1500.00",
                "",
                "",
                "",
                "",
            ],
        ]);
        let base = parse_base(&t).unwrap();
        assert_eq!(base.rows, 3);
        assert_eq!(base.ignored_columns, vec!["Commentaire".to_owned()]);
        assert_eq!(base.clients.len(), 2);
        let a = base.clients.iter().find(|c| c.name == "Hôpital A").unwrap();
        assert_eq!(a.eligibility.len(), 2);
        assert_eq!(a.eligibility[0].cap_ht.to_string(), "12000.00");
        assert_eq!(a.eligibility[0].cap_ttc.unwrap().to_string(), "14400.00");
        assert_eq!(
            a.eligibility[0].cap_va1va2_extra_ht.unwrap().to_string(),
            "3000.50"
        );
        assert_eq!(a.va1_financed.len(), 1);
    }

    #[test]
    fn fin_03_base_errors_are_located_to_row_and_column() {
        let t = table(&[
            &["identifiant", "sons", "plafond_ht"],
            &["finess_et:12345", "HOP-DPI-Va2", "1000"],
            &["750712184", "HOP-DPI-Va2", "1000"],
            &["finess_et:750712184", "HOP-DPI-Va2", "10,123"],
            &["finess_et:750712184", "NOPE", "1000"],
        ]);
        let errors = parse_base(&t).unwrap_err();
        let rows: Vec<(usize, Option<&str>)> = errors
            .iter()
            .map(|e| (e.row, e.column.as_deref()))
            .collect();
        assert_eq!(
            rows,
            vec![
                (2, Some("identifiant")),
                (3, Some("identifiant")),
                (4, Some("plafond_ht")),
                (5, Some("sons")),
            ],
            "{errors:#?}"
        );
        assert!(
            errors[0]
                .to_string()
                .starts_with("feuille « Base », ligne 2, colonne « identifiant »")
        );
    }

    #[test]
    fn fin_03_base_refuses_missing_columns_and_duplicates() {
        let errors = parse_base(&table(&[&["nom", "plafond ht"]])).unwrap_err();
        assert_eq!(errors.len(), 2, "{errors:#?}");
        let dup = parse_base(&table(&[
            &["identifiant", "sons", "plafond_ht"],
            &["finess_et:750712184", "HOP-DPI-Va2", "1000"],
            &["finess_et:750712184", "HOP-DPI-Va2", "2000"],
        ]))
        .unwrap_err();
        assert_eq!(dup[0].row, 3);
        assert!(dup[0].message.contains("ligne 2"), "{dup:#?}");
        assert!(parse_base(&Table::default()).is_err());
    }
}
