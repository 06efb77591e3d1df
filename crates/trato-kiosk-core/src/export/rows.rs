//! Response rows, streamed from SQLite one response at a time: a response's
//! answers arrive as consecutive joined rows and are folded into one reused
//! [`Row`], so memory does not grow with the number of responses.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Timelike};
use rusqlite::types::ValueRef;
use rusqlite::Connection;

use super::layout::Layout;
use super::period::{Period, WHERE};
use super::{ExportError, Progress};

/// How often (in rows) progress is reported: often enough for a smooth bar,
/// rarely enough to cost nothing.
const PROGRESS_EVERY: u64 = 2048;

/// The joined rows of the period: one per answer row (one per response with
/// no answer), grouped by response. The `finished_at` index gives the order;
/// ties and answers are sorted in small groups, never the whole result.
pub(crate) fn select_sql() -> String {
    format!(
        "SELECT r.id, r.unit_clues, r.unit_name, r.service_area, r.kiosk_id, r.language,
                r.finished_at, r.utc_offset_minutes, r.status, r.flag_reason,
                r.survey_id, r.survey_version, a.question_id, a.option_code, a.text
         FROM responses r LEFT JOIN answers a ON a.response_id = r.id
         WHERE {WHERE}
         ORDER BY r.finished_at, r.id, a.question_id, a.position"
    )
}

/// Fixed columns before the question columns (after `demo` on a demo kiosk).
pub(crate) const FIXED_HEADER: [&str; 12] = [
    "id_respuesta",
    "clues",
    "unidad",
    "servicio",
    "kiosco",
    "fecha_local",
    "hora_local",
    "idioma",
    "estado",
    "motivo_marca",
    "encuesta",
    "version_encuesta",
];

/// The marker column a demo kiosk's exports start with.
pub(crate) const DEMO_HEADER: &str = "demo";
pub(crate) const DEMO_VALUE: &str = "DEMO";

/// The header row shared by CSV and XLSX.
pub(crate) fn header(layout: &Layout, demo: bool) -> Vec<String> {
    let mut header: Vec<String> =
        Vec::with_capacity(FIXED_HEADER.len() + 1 + 2 * layout.columns.len());
    if demo {
        header.push(DEMO_HEADER.to_owned());
    }
    header.extend(FIXED_HEADER.iter().map(|h| (*h).to_owned()));
    for c in &layout.columns {
        header.push(c.id.clone());
        header.push(format!("{}_codigo", c.id));
    }
    header
}

/// One question's answer in a row.
#[derive(Debug, Default, Clone)]
pub(crate) struct Cell {
    /// Option labels joined with `"; "`, then the free text.
    pub labels: String,
    /// Option codes joined with `"; "`.
    pub codes: String,
    pub n_codes: u32,
}

/// One response, reused from row to row.
#[derive(Debug, Default)]
pub(crate) struct Row {
    pub id: String,
    pub clues: String,
    pub unit: String,
    pub service: String,
    pub kiosk: String,
    pub language: String,
    pub date: NaiveDate,
    pub time: NaiveTime,
    pub status: String,
    pub flag: String,
    pub survey_id: String,
    pub survey_version: u32,
    /// One per [`Layout::columns`].
    pub answers: Vec<Cell>,
}

impl Row {
    /// The status as staff read it.
    pub(crate) fn status_es(&self) -> &str {
        match self.status.as_str() {
            "complete" => "completa",
            "abandoned" => "abandonada",
            "flagged" => "marcada",
            other => other,
        }
    }

    /// Why the response was flagged, as staff read it.
    pub(crate) fn flag_es(&self) -> &str {
        match self.flag.as_str() {
            "too_soon" => "demasiado pronto tras la anterior",
            other => other,
        }
    }
}

/// What the writers need while streaming.
pub(crate) struct Context<'a> {
    pub conn: &'a Connection,
    pub period: &'a Period,
    pub layout: &'a Layout,
    pub demo: bool,
    pub total: u64,
    pub progress: &'a mut dyn FnMut(Progress),
}

impl Context<'_> {
    /// Calls `emit` with each response of the period in time order; returns
    /// how many there were.
    pub(crate) fn for_each_row(
        &mut self,
        mut emit: impl FnMut(&Row) -> Result<(), ExportError>,
    ) -> Result<u64, ExportError> {
        let layout = self.layout;
        let mut stmt = self.conn.prepare(&select_sql())?;
        let mut rows = stmt.query(&self.period.params()[..])?;
        let mut row = Row {
            answers: vec![Cell::default(); layout.columns.len()],
            ..Row::default()
        };
        let mut started = false;
        let mut version: Option<usize> = None;
        let mut done: u64 = 0;
        (self.progress)(Progress {
            done,
            total: self.total,
            finishing: false,
        });
        while let Some(r) = rows.next()? {
            let id = text(r.get_ref(0)?)?;
            if !started || row.id != id {
                if started {
                    emit(&row)?;
                    done += 1;
                    if done.is_multiple_of(PROGRESS_EVERY) {
                        (self.progress)(Progress {
                            done,
                            total: self.total,
                            finishing: false,
                        });
                    }
                }
                started = true;
                let changed_version = start_row(&mut row, r)?;
                if changed_version || version.is_none() {
                    version = layout.version_index(&row.survey_id, row.survey_version);
                }
            }
            let ValueRef::Text(question) = r.get_ref(12)? else {
                continue; // a response with no answer at all
            };
            let question = utf8(question)?;
            // An answer to a question outside its survey cannot be stored
            // through the kiosk; if one is there, it has no column.
            let Some(cell) = layout.column(question).and_then(|c| row.answers.get_mut(c)) else {
                continue;
            };
            if let ValueRef::Text(code) = r.get_ref(13)? {
                let code = utf8(code)?;
                if cell.n_codes > 0 {
                    cell.codes.push_str("; ");
                    cell.labels.push_str("; ");
                }
                cell.codes.push_str(code);
                cell.labels.push_str(layout.label(version, question, code));
                cell.n_codes += 1;
            }
            if let ValueRef::Text(t) = r.get_ref(14)? {
                if !cell.labels.is_empty() {
                    cell.labels.push_str("; ");
                }
                cell.labels.push_str(utf8(t)?);
            }
        }
        if started {
            emit(&row)?;
            done += 1;
        }
        (self.progress)(Progress {
            done,
            total: self.total,
            finishing: false,
        });
        Ok(done)
    }
}

/// Fills the response columns of `row` from the first joined row of a
/// response and clears its answers. Returns whether the survey version changed.
fn start_row(row: &mut Row, r: &rusqlite::Row<'_>) -> Result<bool, ExportError> {
    let set = |field: &mut String, value: ValueRef<'_>| -> Result<(), ExportError> {
        field.clear();
        field.push_str(text(value)?);
        Ok(())
    };
    set(&mut row.id, r.get_ref(0)?)?;
    set(&mut row.clues, r.get_ref(1)?)?;
    set(&mut row.unit, r.get_ref(2)?)?;
    set(&mut row.service, r.get_ref(3)?)?;
    set(&mut row.kiosk, r.get_ref(4)?)?;
    set(&mut row.language, r.get_ref(5)?)?;
    let finished = text(r.get_ref(6)?)?;
    let offset: i64 = r.get(7)?;
    set(&mut row.status, r.get_ref(8)?)?;
    set(&mut row.flag, r.get_ref(9)?)?;
    let survey_id = text(r.get_ref(10)?)?;
    let version: u32 = r.get(11)?;
    let changed = row.survey_id != survey_id || row.survey_version != version;
    if changed {
        row.survey_id.clear();
        row.survey_id.push_str(survey_id);
        row.survey_version = version;
    }
    let local = DateTime::parse_from_rfc3339(finished)
        .ok()
        .and_then(|t| t.naive_utc().checked_add_signed(Duration::minutes(offset)))
        .ok_or_else(|| {
            ExportError::Corrupt(format!("response {}: bad time {finished:?}", row.id))
        })?;
    row.date = local.date();
    // Whole seconds: what staff read, and what a spreadsheet time shows.
    row.time = local.time().with_nanosecond(0).unwrap_or(local.time());
    for cell in &mut row.answers {
        cell.labels.clear();
        cell.codes.clear();
        cell.n_codes = 0;
    }
    Ok(changed)
}

/// A text column; NULL reads as empty.
fn text(value: ValueRef<'_>) -> Result<&str, ExportError> {
    match value {
        ValueRef::Text(t) => utf8(t),
        ValueRef::Null => Ok(""),
        other => Err(ExportError::Corrupt(format!(
            "expected text, found {:?}",
            other.data_type()
        ))),
    }
}

fn utf8(bytes: &[u8]) -> Result<&str, ExportError> {
    std::str::from_utf8(bytes).map_err(|e| ExportError::Corrupt(e.to_string()))
}
