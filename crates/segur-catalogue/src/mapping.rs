//! Which column holds what. Publications differ (the Convergence export has no Nature column,
//! the published REM has up to ten proof pairs, headers are reworded between versions), so the
//! headers are recognised by a list of accepted names, and a mapping file can name a header or a
//! column letter for any field. Columns not mapped are kept as extra attributes.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{ImportError, column_index, column_letter};

/// A field of a REM row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    RequirementId,
    Chapter,
    Fonction,
    Enonce,
    Nature,
    Profile,
    WaveOrigin,
    ScenarioNumber,
    ScenarioText,
    /// Repeated: each `N° preuve` column pairs with the next `Preuve` column.
    ProofNumber,
    ProofText,
}

impl Field {
    pub const ALL: [Field; 11] = [
        Field::RequirementId,
        Field::Chapter,
        Field::Fonction,
        Field::Enonce,
        Field::Nature,
        Field::Profile,
        Field::WaveOrigin,
        Field::ScenarioNumber,
        Field::ScenarioText,
        Field::ProofNumber,
        Field::ProofText,
    ];

    /// The header written by exports (the published template's).
    pub fn header_fr(self) -> &'static str {
        match self {
            Field::RequirementId => "N° exigence",
            Field::Chapter => "Chapitre",
            Field::Fonction => "Fonction",
            Field::Enonce => "Énoncé",
            Field::Nature => "Nature",
            Field::Profile => "Profil",
            Field::WaveOrigin => "Vague d'origine",
            Field::ScenarioNumber => "N° scénario",
            Field::ScenarioText => "Scénario de conformité",
            Field::ProofNumber => "N° preuve",
            Field::ProofText => "Preuve",
        }
    }

    /// Accepted header names, compared after [`normalize_header`].
    fn aliases(self) -> &'static [&'static str] {
        match self {
            Field::RequirementId => &[
                "n exigence",
                "no exigence",
                "numero exigence",
                "numero de l'exigence",
                "n de l'exigence",
                "reference exigence",
                "ref exigence",
                "id exigence",
                "identifiant exigence",
                "requirement id",
            ],
            Field::Chapter => &["chapitre", "section", "chapitre section bloc", "chapter"],
            Field::Fonction => &["fonction", "fonctionnalite"],
            Field::Enonce => &[
                "enonce",
                "enonce de l'exigence",
                "libelle exigence",
                "libelle de l'exigence",
                "exigence",
            ],
            Field::Nature => &["nature", "type d'exigence", "doit peut"],
            Field::Profile => &["profil", "profils", "profile"],
            Field::WaveOrigin => &["vague d'origine", "vague origine"],
            Field::ScenarioNumber => &[
                "n scenario",
                "no scenario",
                "numero scenario",
                "numero du scenario",
                "n du scenario",
            ],
            Field::ScenarioText => &[
                "scenario de conformite",
                "scenario",
                "scenarios de conformite",
                "libelle scenario",
            ],
            Field::ProofNumber => &[
                "n preuve",
                "no preuve",
                "numero preuve",
                "numero de preuve",
                "n de preuve",
            ],
            Field::ProofText => &[
                "preuve",
                "preuve attendue",
                "preuves attendues",
                "libelle preuve",
            ],
        }
    }
}

/// Header text as compared: lowercase, accents removed, `°`/`º`/`.`/`:`/`-`/`_`/`/`/`(`/`)`
/// turned into spaces, spaces collapsed, typographic apostrophes folded.
pub fn normalize_header(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let c = match c {
            'à' | 'â' | 'ä' | 'À' | 'Â' | 'Ä' => 'a',
            'é' | 'è' | 'ê' | 'ë' | 'É' | 'È' | 'Ê' | 'Ë' => 'e',
            'î' | 'ï' | 'Î' | 'Ï' => 'i',
            'ô' | 'ö' | 'Ô' | 'Ö' => 'o',
            'ù' | 'û' | 'ü' | 'Ù' | 'Û' | 'Ü' => 'u',
            'ç' | 'Ç' => 'c',
            '’' | '‘' => '\'',
            '°' | 'º' | '.' | ':' | '-' | '_' | '/' | '(' | ')' | '\u{a0}' => ' ',
            c => c,
        };
        out.extend(c.to_lowercase());
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn recognise(header: &str) -> Option<Field> {
    let h = normalize_header(header);
    if h.is_empty() {
        return None;
    }
    Field::ALL
        .into_iter()
        .find(|f| f.aliases().iter().any(|a| *a == h))
}

/// The mapping file (TOML or JSON): which rows are headers, which sheet, and overrides.
///
/// ```toml
/// sheet = "Exigences"
/// header_rows = 2
/// [columns]
/// requirement_id = "Réf."      # a header text…
/// enonce = "D"                 # …or a column letter
/// proof_text = ["J", "L"]      # repeated fields take a list
/// [defaults]
/// nature = "EXIGENCE"          # when the file has no such column
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ColumnMapping {
    /// Sheet to read (default: "Exigences", else the first sheet).
    #[serde(default)]
    pub sheet: Option<String>,
    /// Header rows at the top (default: 2 for XLSX as published, 1 for CSV).
    #[serde(default)]
    pub header_rows: Option<usize>,
    #[serde(default)]
    pub columns: BTreeMap<Field, ColumnRef>,
    /// Values used when a field has no column (e.g. `nature`, `profile`).
    #[serde(default)]
    pub defaults: BTreeMap<Field, String>,
}

/// A header text or column letter, or a list of them for repeated fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ColumnRef {
    One(String),
    Many(Vec<String>),
}

impl ColumnRef {
    fn items(&self) -> Vec<&str> {
        match self {
            ColumnRef::One(s) => vec![s.as_str()],
            ColumnRef::Many(v) => v.iter().map(String::as_str).collect(),
        }
    }
}

impl ColumnMapping {
    /// Reads a mapping file (TOML, or JSON when it starts with `{`).
    pub fn parse(text: &str) -> Result<Self, ImportError> {
        if text.trim_start().starts_with('{') {
            serde_json::from_str(text).map_err(|e| {
                ImportError::file(format!(
                    "fichier de correspondance des colonnes invalide : {e}"
                ))
            })
        } else {
            toml::from_str(text).map_err(|e| {
                ImportError::file(format!(
                    "fichier de correspondance des colonnes invalide : {e}"
                ))
            })
        }
    }
}

/// The columns of one sheet, resolved.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Resolved {
    pub single: BTreeMap<Field, usize>,
    /// (number column, text column) pairs, in order.
    pub proofs: Vec<(Option<usize>, usize)>,
    /// Unmapped columns with a header: (column, header text).
    pub extra: Vec<(usize, String)>,
    /// Header text of each column (for messages).
    pub headers: Vec<String>,
}

impl Resolved {
    pub fn header(&self, col: usize) -> Option<String> {
        self.headers.get(col).filter(|h| !h.is_empty()).cloned()
    }
}

/// Resolves the columns from the header rows (`headers`: one vec per header row, top first).
/// A column's header is its lowest non-empty header cell that is recognised, else its lowest
/// non-empty one (a two-row header has group titles above column names).
pub fn resolve(
    headers: &[Vec<String>],
    mapping: &ColumnMapping,
    sheet: &str,
) -> Result<Resolved, ImportError> {
    let width = headers.iter().map(Vec::len).max().unwrap_or(0);
    let mut texts = vec![String::new(); width];
    let mut fields: Vec<Option<Field>> = vec![None; width];
    for c in 0..width {
        for row in headers.iter().rev() {
            let cell = row.get(c).map(|s| s.trim()).unwrap_or("");
            if cell.is_empty() {
                continue;
            }
            if texts[c].is_empty() {
                texts[c] = cell.to_owned();
            }
            if let Some(f) = recognise(cell) {
                texts[c] = cell.to_owned();
                fields[c] = Some(f);
                break;
            }
        }
    }
    // Explicit mapping wins: clear any column recognised as that field, then assign.
    for (field, r) in &mapping.columns {
        for f in fields.iter_mut() {
            if *f == Some(*field) {
                *f = None;
            }
        }
        for item in r.items() {
            let col = column_index(item)
                .filter(|_| item.trim().len() <= 3 && item.trim().chars().all(|c| c.is_ascii_uppercase()))
                .or_else(|| {
                    let want = normalize_header(item);
                    texts.iter().position(|t| normalize_header(t) == want)
                })
                .ok_or_else(|| {
                    ImportError::file(format!(
                        "feuille « {sheet} » : colonne « {item} » (champ {field:?}) introuvable dans l'en-tête"
                    ))
                })?;
            if col >= fields.len() {
                fields.resize(col + 1, None);
                texts.resize(col + 1, String::new());
            }
            fields[col] = Some(*field);
        }
    }
    let mut out = Resolved {
        headers: texts.clone(),
        ..Resolved::default()
    };
    let mut pending_number: Option<usize> = None;
    for (c, f) in fields.iter().enumerate() {
        match f {
            Some(Field::ProofNumber) => {
                pending_number = Some(c);
            }
            Some(Field::ProofText) => {
                out.proofs.push((pending_number.take(), c));
            }
            Some(f) => {
                if out.single.contains_key(f) {
                    return Err(ImportError::file(format!(
                        "feuille « {sheet} » : deux colonnes pour « {} » ({} et {}) ; précisez-la dans la correspondance des colonnes",
                        f.header_fr(),
                        column_letter(out.single[f]),
                        column_letter(c)
                    )));
                }
                out.single.insert(*f, c);
            }
            None => {
                if !texts[c].is_empty() {
                    out.extra.push((c, texts[c].clone()));
                }
            }
        }
    }
    let missing: Vec<&str> = [Field::RequirementId, Field::Enonce, Field::ScenarioNumber]
        .into_iter()
        .filter(|f| !out.single.contains_key(f))
        .map(Field::header_fr)
        .collect();
    let mut missing: Vec<String> = missing.into_iter().map(str::to_owned).collect();
    if out.proofs.is_empty() {
        missing.push("Preuve".into());
    }
    if !missing.is_empty() {
        return Err(ImportError::file(format!(
            "feuille « {sheet} » : colonne(s) introuvable(s) dans l'en-tête : {} (en-têtes lus : {}) ; \
             donnez une correspondance des colonnes si la mise en page diffère",
            missing.join(", "),
            texts
                .iter()
                .filter(|t| !t.is_empty())
                .cloned()
                .collect::<Vec<_>>()
                .join(" | ")
        )));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(cells: &[&str]) -> Vec<String> {
        cells.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn published_two_row_header_is_recognised() {
        let headers = vec![
            row(&["Exigence", "", "", "", "", "", "Scénario", "", "Preuves"]),
            row(&[
                "N° exigence",
                "Chapitre",
                "Fonction",
                "Énoncé",
                "Nature",
                "Profil",
                "N° scénario",
                "Scénario de conformité",
                "N° preuve",
                "Preuve",
                "N° preuve",
                "Preuve",
                "Commentaire",
            ]),
        ];
        let r = resolve(&headers, &ColumnMapping::default(), "Exigences").unwrap();
        assert_eq!(r.single[&Field::RequirementId], 0);
        assert_eq!(r.single[&Field::Nature], 4);
        assert_eq!(r.proofs, vec![(Some(8), 9), (Some(10), 11)]);
        assert_eq!(r.extra, vec![(12, "Commentaire".to_owned())]);
    }

    #[test]
    fn mapping_by_letter_and_header_overrides() {
        let headers = vec![row(&["Réf.", "Texte", "Scén.", "Pr."])];
        let mapping = ColumnMapping::parse(
            "[columns]\nrequirement_id = \"Réf.\"\nenonce = \"B\"\nscenario_number = \"C\"\nproof_text = [\"D\"]\n",
        )
        .unwrap();
        let r = resolve(&headers, &mapping, "f.csv").unwrap();
        assert_eq!(r.single[&Field::RequirementId], 0);
        assert_eq!(r.single[&Field::Enonce], 1);
        assert_eq!(r.proofs, vec![(None, 3)]);
        let err = resolve(&headers, &ColumnMapping::default(), "f.csv").unwrap_err();
        assert!(err.to_string().contains("introuvable"), "{err}");
    }
}
