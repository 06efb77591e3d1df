//! Surveys authored as spreadsheets: the XLSForm subset that the survey
//! format can say (ODK and KoboToolbox conventions, `docs/survey-format.md`),
//! read from `.xlsx` bytes into the survey JSON document and validated by
//! `trato-domain`. Every problem is reported at once, each at its cell, in
//! Spanish and English.
//!
//! - [`xlsx_to_document`]: the spreadsheet as the JSON document (the
//!   spreadsheet's own checks only).
//! - [`survey_from_xlsx`]: the same, validated as a survey; the domain's
//!   findings are mapped back to the cells they came from.
//! - [`load_survey_file`]: what the command lines call: `.xlsx` or JSON.
//! - [`write::document_to_xlsx`]: the other way, to make a template from a
//!   JSON survey.
//!
//! Pure: bytes in, values out; only [`load_survey_file`] reads a file.

mod convert;
mod error;
mod relevant;
mod sheet;
mod source_map;
pub mod write;

use std::path::Path;

use serde_json::Value;
use trato_domain::{SurveyDefinition, SurveyError};

pub use error::{column_letters, CellError, LoadError, Location};

/// The spreadsheet as the survey JSON document, or every problem the
/// spreadsheet shows. The document is not yet checked against the survey
/// format's rules (see [`survey_from_xlsx`]).
pub fn xlsx_to_document(bytes: &[u8]) -> Result<Value, Vec<CellError>> {
    let tables = sheet::read_workbook(bytes)?;
    let c = convert::convert(&tables);
    if c.errors.is_empty() {
        Ok(c.document)
    } else {
        Err(sorted(c.errors))
    }
}

/// The spreadsheet as a valid survey, or every problem found, the
/// spreadsheet's own and the survey format's, each at its cell.
pub fn survey_from_xlsx(bytes: &[u8]) -> Result<SurveyDefinition, Vec<CellError>> {
    let tables = sheet::read_workbook(bytes)?;
    let c = convert::convert(&tables);
    let mut errors = c.errors;
    if c.document.is_null() {
        return Err(sorted(errors));
    }
    match SurveyDefinition::from_json(&c.document.to_string()) {
        Ok(survey) if errors.is_empty() => return Ok(survey),
        Ok(_) => {}
        Err(SurveyError::Invalid(issues)) => {
            for issue in issues {
                let location = c.sources.locate(&issue.path).cloned();
                // A cell already reported by the spreadsheet's own checks is
                // not reported again in the survey format's words.
                if location.is_some() && errors.iter().any(|e| e.location == location) {
                    continue;
                }
                errors.push(CellError {
                    location,
                    es: format!(
                        "no cumple el formato de encuesta ({}): {}",
                        issue.path,
                        issue.problem.es()
                    ),
                    en: format!(
                        "breaks the survey format ({}): {}",
                        issue.path,
                        issue.problem.en()
                    ),
                });
            }
        }
        // The converter writes every field with its type, so this is only
        // reachable through a placeholder left by an error already reported.
        Err(SurveyError::Json(e)) if errors.is_empty() => errors.push(CellError {
            location: None,
            es: format!("el documento convertido no es una encuesta: {e}"),
            en: format!("the converted document is not a survey: {e}"),
        }),
        Err(SurveyError::Json(_)) => {}
    }
    Err(sorted(errors))
}

/// Reads a survey file: `.xlsx` as an XLSForm spreadsheet, anything else as
/// the JSON document. Other spreadsheet formats are refused with a hint.
pub fn load_survey_file(path: &Path) -> Result<SurveyDefinition, LoadError> {
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    let read = |path: &Path| {
        std::fs::read(path).map_err(|error| LoadError::Read {
            path: path.to_owned(),
            error,
        })
    };
    match extension.as_deref() {
        Some("xlsx") => survey_from_xlsx(&read(path)?).map_err(|errors| LoadError::Spreadsheet {
            path: path.to_owned(),
            errors,
        }),
        Some("xls" | "xlsm" | "xlsb" | "ods") => Err(LoadError::NotXlsx(path.to_owned())),
        _ => {
            let bytes = read(path)?;
            let text = String::from_utf8_lossy(&bytes);
            SurveyDefinition::from_json(&text).map_err(|error| LoadError::Json {
                path: path.to_owned(),
                error,
            })
        }
    }
}

/// Errors in reading order: sheet by sheet (survey, choices, settings,
/// alerts), then by row and column; whole-file problems first.
fn sorted(mut errors: Vec<CellError>) -> Vec<CellError> {
    let rank = |sheet: &str| match sheet {
        convert::SURVEY => 1,
        convert::CHOICES => 2,
        convert::SETTINGS => 3,
        convert::ALERTS => 4,
        _ => 5,
    };
    errors.sort_by_key(|e| {
        e.location.as_ref().map_or((0, 0, 0), |l| {
            (
                rank(&l.sheet),
                l.row.unwrap_or(0),
                l.column.map_or(0, |c| c + 1),
            )
        })
    });
    errors
}
