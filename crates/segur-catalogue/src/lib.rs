#![doc = include_str!("../README.md")]

pub mod equivalence;
pub mod export;
pub mod fixtures;
pub mod grid;
pub mod guard;
pub mod mapping;
pub mod oscal;
pub mod rem;

pub use grid::{Grid, SourceFormat};
pub use mapping::{ColumnMapping, Field};
pub use rem::{ImportOptions, ImportedRem, RemSummary, import_rem};

/// Where a problem is: sheet (or CSV file), 1-based row, column letter and header.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Location {
    pub sheet: String,
    pub row: usize,
    /// Column letter (`A`, `B`… `AA`), absent for whole-row problems.
    pub column: Option<String>,
    /// Header of that column, when known.
    pub header: Option<String>,
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "feuille « {} », ligne {}", self.sheet, self.row)?;
        if let Some(c) = &self.column {
            write!(f, ", colonne {c}")?;
            if let Some(h) = &self.header {
                write!(f, " ({h})")?;
            }
        }
        Ok(())
    }
}

/// One problem found in a file, in French, located when it concerns a cell or a row.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Problem {
    pub location: Option<Location>,
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.location {
            Some(l) => write!(f, "{l} : {}", self.message),
            None => write!(f, "{}", self.message),
        }
    }
}

/// Why a file was refused: one or more problems (at most [`MAX_PROBLEMS`] are collected).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ImportError {
    pub problems: Vec<Problem>,
}

/// Problems collected before giving up (a wrong mapping would otherwise flag every row).
pub const MAX_PROBLEMS: usize = 50;

impl ImportError {
    /// A problem with the file as a whole.
    pub fn file(message: impl Into<String>) -> Self {
        Self {
            problems: vec![Problem {
                location: None,
                message: message.into(),
            }],
        }
    }
}

impl std::fmt::Display for ImportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{p}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ImportError {}

/// Column letter of a 0-based index: 0 → `A`, 25 → `Z`, 26 → `AA`.
pub fn column_letter(mut index: usize) -> String {
    let mut out = Vec::new();
    loop {
        out.push(b'A' + (index % 26) as u8);
        if index < 26 {
            break;
        }
        index = index / 26 - 1;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// 0-based index of a column letter (`A` → 0, `AA` → 26); `None` if not letters.
pub fn column_index(letters: &str) -> Option<usize> {
    let s = letters.trim();
    if s.is_empty() || s.len() > 3 || !s.chars().all(|c| c.is_ascii_alphabetic()) {
        return None;
    }
    let mut n = 0usize;
    for c in s.chars() {
        n = n * 26 + (c.to_ascii_uppercase() as usize - 'A' as usize + 1);
    }
    Some(n - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_letters_round_trip() {
        for (i, l) in [
            (0, "A"),
            (25, "Z"),
            (26, "AA"),
            (27, "AB"),
            (701, "ZZ"),
            (702, "AAA"),
        ] {
            assert_eq!(column_letter(i), l);
            assert_eq!(column_index(l), Some(i));
        }
        assert_eq!(column_index("a1"), None);
    }
}
