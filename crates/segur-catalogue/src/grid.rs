//! A sheet as a grid of text cells, read from XLSX (after [`crate::guard`]) or CSV. Row and
//! column indexes are those of the file (row 0 is sheet row 1, column 0 is `A`), so that every
//! message can point at the cell a person sees in Excel.

use std::io::Cursor;

use crate::{ImportError, guard};

/// Most rows read from one sheet (a REM has a few thousand).
pub const MAX_ROWS: usize = 200_000;
/// Most columns read (the published template has about 30).
pub const MAX_COLUMNS: usize = 256;
/// Longest cell kept, in characters.
pub const MAX_CELL_CHARS: usize = 32_767;

/// Syntax of an input file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceFormat {
    Xlsx,
    Csv,
    /// segur's own catalogue format (docs/catalogue-format.md).
    Toml,
    Json,
    /// The same format written in YAML.
    Yaml,
}

impl SourceFormat {
    /// From a file name's extension; `None` when it says nothing known.
    pub fn from_name(name: &str) -> Option<Self> {
        let n = name.to_ascii_lowercase();
        let ext = n.rsplit('.').next().unwrap_or_default();
        match ext {
            "xlsx" | "xlsm" => Some(Self::Xlsx),
            "csv" | "txt" => Some(Self::Csv),
            "toml" => Some(Self::Toml),
            "json" => Some(Self::Json),
            "yaml" | "yml" => Some(Self::Yaml),
            _ => None,
        }
    }

    /// From the name, falling back on the first bytes (zip → XLSX, else CSV).
    pub fn detect(name: &str, bytes: &[u8]) -> Self {
        Self::from_name(name).unwrap_or(match guard::sniff(bytes) {
            guard::Sniffed::Zip | guard::Sniffed::Cfb => Self::Xlsx,
            guard::Sniffed::Other => Self::Csv,
        })
    }
}

/// One sheet's cells as text (trailing empty cells may be missing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grid {
    pub sheet: String,
    pub rows: Vec<Vec<String>>,
}

impl Grid {
    pub fn cell(&self, row: usize, col: usize) -> &str {
        self.rows
            .get(row)
            .and_then(|r| r.get(col))
            .map(String::as_str)
            .unwrap_or("")
    }

    pub fn width(&self) -> usize {
        self.rows.iter().map(Vec::len).max().unwrap_or(0)
    }
}

/// Reads one sheet of an XLSX workbook: `sheet` by name, or the first of `preferred` found,
/// or the first sheet. Hostile workbooks are refused before parsing ([`guard::check_workbook`]).
pub fn read_xlsx(
    bytes: &[u8],
    sheet: Option<&str>,
    preferred: &[&str],
) -> Result<Grid, ImportError> {
    guard::check_workbook(bytes)?;
    let owned = bytes.to_vec();
    let sheet = sheet.map(str::to_owned);
    let preferred: Vec<String> = preferred.iter().map(|s| (*s).to_owned()).collect();
    // The workbook reader is third-party code facing untrusted input: a panic in it must refuse
    // the file, not take the server down.
    std::panic::catch_unwind(move || read_xlsx_inner(owned, sheet, &preferred)).unwrap_or_else(
        |_| {
            Err(ImportError::file(
                "classeur XLSX illisible (structure interne invalide)",
            ))
        },
    )
}

fn read_xlsx_inner(
    bytes: Vec<u8>,
    sheet: Option<String>,
    preferred: &[String],
) -> Result<Grid, ImportError> {
    use calamine::{Reader, Xlsx};
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(bytes))
        .map_err(|e| ImportError::file(format!("classeur XLSX illisible ({e})")))?;
    let names = wb.sheet_names();
    let fold = |s: &str| crate::mapping::normalize_header(s);
    let chosen = match &sheet {
        Some(name) => names
            .iter()
            .find(|n| fold(n) == fold(name))
            .cloned()
            .ok_or_else(|| {
                ImportError::file(format!(
                    "feuille « {name} » absente du classeur (feuilles : {})",
                    names.join(", ")
                ))
            })?,
        None => preferred
            .iter()
            .find_map(|p| names.iter().find(|n| fold(n) == fold(p)).cloned())
            .or_else(|| names.first().cloned())
            .ok_or_else(|| ImportError::file("classeur sans feuille"))?,
    };
    let range = wb
        .worksheet_range(&chosen)
        .map_err(|e| ImportError::file(format!("feuille « {chosen} » illisible ({e})")))?;
    let (row0, col0) = match range.start() {
        Some((r, c)) => (r as usize, c as usize),
        None => (0, 0),
    };
    let (h, w) = range.get_size();
    if row0 + h > MAX_ROWS {
        return Err(ImportError::file(format!(
            "feuille « {chosen} » : {} lignes (maximum {MAX_ROWS})",
            row0 + h
        )));
    }
    if col0 + w > MAX_COLUMNS {
        return Err(ImportError::file(format!(
            "feuille « {chosen} » : {} colonnes (maximum {MAX_COLUMNS})",
            col0 + w
        )));
    }
    let mut rows: Vec<Vec<String>> = vec![Vec::new(); row0];
    for r in range.rows() {
        let mut out: Vec<String> = vec![String::new(); col0];
        out.extend(r.iter().map(cell_text));
        while out.last().is_some_and(String::is_empty) {
            out.pop();
        }
        rows.push(out);
    }
    Ok(Grid {
        sheet: chosen,
        rows,
    })
}

fn cell_text(d: &calamine::Data) -> String {
    use calamine::Data;
    let s = match d {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => {
            if f.fract() == 0.0 && f.abs() < 1e15 {
                format!("{}", *f as i64)
            } else {
                f.to_string()
            }
        }
        Data::Bool(b) => if *b { "VRAI" } else { "FAUX" }.to_owned(),
        Data::DateTime(dt) => dt.to_string(),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#{e:?}"),
    };
    truncate(s)
}

fn truncate(s: String) -> String {
    if s.len() <= MAX_CELL_CHARS {
        return s;
    }
    s.chars().take(MAX_CELL_CHARS).collect()
}

/// Reads a CSV file as exported by Excel in France: `;` or `,` separated (whichever the first
/// line uses most), UTF-8 with or without BOM, or Windows-1252 when not valid UTF-8.
pub fn read_csv(bytes: &[u8], name: &str) -> Result<Grid, ImportError> {
    if bytes.len() > guard::MAX_WORKBOOK_BYTES {
        return Err(ImportError::file(format!(
            "fichier CSV trop volumineux ({} octets, maximum {})",
            bytes.len(),
            guard::MAX_WORKBOOK_BYTES
        )));
    }
    if bytes.contains(&0) {
        return Err(ImportError::file(
            "fichier CSV invalide : contenu binaire (octet nul)",
        ));
    }
    let text = decode_text(bytes);
    let first = text.lines().next().unwrap_or_default();
    let delimiter = [b';', b',', b'\t']
        .into_iter()
        .max_by_key(|d| first.bytes().filter(|b| b == d).count())
        .unwrap_or(b';');
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for (i, rec) in reader.records().enumerate() {
        let rec = rec.map_err(|e| ImportError {
            problems: vec![crate::Problem {
                location: Some(crate::Location {
                    sheet: name.to_owned(),
                    row: i + 1,
                    column: None,
                    header: None,
                }),
                message: format!("ligne CSV illisible ({e})"),
            }],
        })?;
        if rows.len() >= MAX_ROWS {
            return Err(ImportError::file(format!(
                "fichier CSV : plus de {MAX_ROWS} lignes"
            )));
        }
        if rec.len() > MAX_COLUMNS {
            return Err(ImportError::file(format!(
                "fichier CSV, ligne {} : {} colonnes (maximum {MAX_COLUMNS})",
                i + 1,
                rec.len()
            )));
        }
        let mut out: Vec<String> = rec.iter().map(|s| truncate(s.to_owned())).collect();
        while out.last().is_some_and(String::is_empty) {
            out.pop();
        }
        rows.push(out);
    }
    Ok(Grid {
        sheet: name.to_owned(),
        rows,
    })
}

fn decode_text(bytes: &[u8]) -> String {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_owned(),
        Err(_) => bytes.iter().map(|b| cp1252(*b)).collect(),
    }
}

/// Windows-1252 to Unicode (the encoding of CSV files saved by French Excel).
fn cp1252(b: u8) -> char {
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8d}', 'Ž',
        '\u{8f}', '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9d}',
        'ž', 'Ÿ',
    ];
    match b {
        0x80..=0x9F => HIGH[(b - 0x80) as usize],
        _ => b as char,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_semicolon_bom_and_windows_1252() {
        let g = read_csv(b"\xEF\xBB\xBFa;b;c\n1;\"x;y\";3\n", "f.csv").unwrap();
        assert_eq!(g.rows[0], vec!["a", "b", "c"]);
        assert_eq!(g.cell(1, 1), "x;y");
        let g = read_csv(b"N\xb0 exigence,\xc9nonc\xe9\n", "f.csv").unwrap();
        assert_eq!(g.rows[0], vec!["N° exigence", "Énoncé"]);
    }

    #[test]
    fn csv_binary_is_refused() {
        assert!(read_csv(b"a;b\0c", "f.csv").is_err());
    }
}
