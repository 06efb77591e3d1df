//! Errors that name the cell they come from, in Spanish and English.

use std::fmt;
use std::path::PathBuf;

/// A place in the workbook: a sheet, and when known a row (1-based, as Excel
/// shows it) and a column (0-based index, shown as a letter).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Location {
    pub sheet: String,
    pub row: Option<u32>,
    pub column: Option<u32>,
}

impl Location {
    pub fn sheet(sheet: &str) -> Self {
        Self {
            sheet: sheet.to_owned(),
            row: None,
            column: None,
        }
    }

    pub fn cell(sheet: &str, row: u32, column: u32) -> Self {
        Self {
            sheet: sheet.to_owned(),
            row: Some(row),
            column: Some(column),
        }
    }

    pub fn row(sheet: &str, row: u32) -> Self {
        Self {
            sheet: sheet.to_owned(),
            row: Some(row),
            column: None,
        }
    }
}

/// The column letters Excel shows for a 0-based column index: 0 → `A`, 26 → `AA`.
pub fn column_letters(index: u32) -> String {
    let mut n = u64::from(index) + 1;
    let mut letters = Vec::new();
    while n > 0 {
        let rem = u8::try_from((n - 1) % 26).unwrap_or(0);
        letters.push(char::from(b'A' + rem));
        n = (n - 1) / 26;
    }
    letters.iter().rev().collect()
}

impl fmt::Display for Location {
    /// `survey!C7`, `survey!7` (a whole row) or `survey` (the whole sheet).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.sheet)?;
        match (self.column, self.row) {
            (Some(c), Some(r)) => write!(f, "!{}{r}", column_letters(c)),
            (None, Some(r)) => write!(f, "!{r}"),
            (Some(c), None) => write!(f, "!{}:{}", column_letters(c), column_letters(c)),
            (None, None) => Ok(()),
        }
    }
}

/// One problem in a spreadsheet, where it is and what it is, in Spanish
/// (for the coordinators who write surveys) and English.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellError {
    /// None for a problem with the file as a whole (not an .xlsx at all).
    pub location: Option<Location>,
    pub es: String,
    pub en: String,
}

impl CellError {
    pub fn at(location: Location, es: impl Into<String>, en: impl Into<String>) -> Self {
        Self {
            location: Some(location),
            es: es.into(),
            en: en.into(),
        }
    }
}

impl fmt::Display for CellError {
    /// One line: `survey!C7: tipo desconocido "select one" | unknown type "select one"`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(location) = &self.location {
            write!(f, "{location}: ")?;
        }
        write!(f, "{} | {}", self.es, self.en)
    }
}

/// Why a survey file could not be loaded. Each message carries its cause
/// and declares no error source, so the command lines' error chain (`{:#}`)
/// prints every problem once.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("no se puede leer {} | cannot read {}: {error}", .path.display(), .path.display())]
    Read {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error(
        "{}: guarde la hoja de cálculo como .xlsx | save the spreadsheet as .xlsx (Excel workbook)",
        .0.display()
    )]
    NotXlsx(PathBuf),
    #[error("{}: {error}", .path.display())]
    Json {
        path: PathBuf,
        error: trato_domain::SurveyError,
    },
    #[error(
        "{}: {} problema(s) en la hoja de cálculo | {} problem(s) in the spreadsheet:\n{}",
        .path.display(),
        .errors.len(),
        .errors.len(),
        .errors.iter().map(|e| format!("  {e}")).collect::<Vec<_>>().join("\n")
    )]
    Spreadsheet {
        path: PathBuf,
        errors: Vec<CellError>,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_letters_follow_excel() {
        assert_eq!(column_letters(0), "A");
        assert_eq!(column_letters(2), "C");
        assert_eq!(column_letters(25), "Z");
        assert_eq!(column_letters(26), "AA");
        assert_eq!(column_letters(27), "AB");
        assert_eq!(column_letters(701), "ZZ");
        assert_eq!(column_letters(702), "AAA");
    }

    #[test]
    fn locations_read_like_excel_references() {
        assert_eq!(Location::cell("survey", 7, 2).to_string(), "survey!C7");
        assert_eq!(Location::row("choices", 4).to_string(), "choices!4");
        assert_eq!(Location::sheet("settings").to_string(), "settings");
        let e = CellError::at(
            Location::cell("survey", 7, 2),
            "tipo desconocido \"select one\"",
            "unknown type \"select one\"",
        );
        assert_eq!(
            e.to_string(),
            "survey!C7: tipo desconocido \"select one\" | unknown type \"select one\""
        );
    }
}
