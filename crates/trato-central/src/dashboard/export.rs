//! The tablero's exports (alerts, comments, the report's comments sheet):
//! one table of cells, written as CSV (UTF-8 with a BOM so Excel keeps the
//! accents; times as local `YYYY-MM-DD HH:MM:SS` text) or as an XLSX sheet
//! (typed date cells, long texts wrapped, an autofilter); and every match of
//! a query read a chunk at a time, up to [`EXPORT_MAX`].

use std::future::Future;

use axum::response::Response;
use chrono::NaiveDateTime;
use rust_xlsxwriter::{Format, Workbook, XlsxError};

use super::api::{cell, excel_time, Export, EXPORT_MAX};
use crate::error::{ApiError, StoreError};

/// Rows read per query while exporting.
const CHUNK: i64 = 5_000;

/// One cell of an export.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Text, neutralised (never read as a formula) and cut to fit.
    Text(String),
    /// A patient's or a committee's words: a wide, wrapped column.
    Long(String),
    /// A time already in the unit's local time; `None` leaves it empty.
    Time(Option<NaiveDateTime>),
}

impl Cell {
    pub fn text(s: &str) -> Self {
        Self::Text(cell(s))
    }

    pub fn long(s: &str) -> Self {
        Self::Long(cell(s))
    }

    fn csv(&self) -> String {
        match self {
            Self::Text(s) | Self::Long(s) => s.clone(),
            Self::Time(t) => t
                .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
                .unwrap_or_default(),
        }
    }
}

/// An export's header and rows.
pub struct Table {
    /// The XLSX sheet's name.
    pub sheet: &'static str,
    pub header: &'static [&'static str],
    pub rows: Vec<Vec<Cell>>,
}

impl Table {
    pub fn csv(&self) -> Result<Vec<u8>, csv::Error> {
        let mut w = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
        w.write_record(self.header)?;
        for row in &self.rows {
            w.write_record(row.iter().map(Cell::csv))?;
        }
        w.into_inner().map_err(|e| e.into_error().into())
    }

    /// Adds the table as a sheet of `wb`, its header in row `first`.
    pub fn write_sheet(&self, wb: &mut Workbook, first: u32) -> Result<(), XlsxError> {
        let ws = wb.add_worksheet();
        ws.set_name(self.sheet)?;
        let bold = Format::new().set_bold();
        let when = Format::new().set_num_format("dd/mm/yyyy hh:mm");
        let wrap = Format::new().set_text_wrap();
        for (c, h) in self.header.iter().enumerate() {
            ws.write_with_format(first, c as u16, *h, &bold)?;
        }
        for (i, row) in self.rows.iter().enumerate() {
            let r = first + 1 + i as u32;
            for (c, v) in row.iter().enumerate() {
                let c = c as u16;
                match v {
                    Cell::Text(s) => {
                        ws.write(r, c, s.as_str())?;
                    }
                    Cell::Long(s) => {
                        ws.set_column_width(c, 60)?;
                        ws.write_with_format(r, c, s.as_str(), &wrap)?;
                    }
                    Cell::Time(Some(t)) => {
                        ws.set_column_width(c, 16)?;
                        ws.write_datetime_with_format(r, c, excel_time(*t)?, &when)?;
                    }
                    Cell::Time(None) => {}
                }
            }
        }
        let last = first + self.rows.len() as u32;
        ws.autofilter(first, 0, last, self.header.len().saturating_sub(1) as u16)?;
        Ok(())
    }

    pub fn xlsx(&self) -> Result<Vec<u8>, XlsxError> {
        let mut wb = Workbook::new();
        self.write_sheet(&mut wb, 0)?;
        wb.save_to_buffer()
    }

    /// The file the request asked for, named `name` (without extension).
    pub fn reply(&self, export: Export, name: &str) -> Result<Response, ApiError> {
        let body = match export {
            Export::Csv => self.csv().map_err(|e| ApiError::internal(&e))?,
            Export::Xlsx => self.xlsx().map_err(|e| ApiError::internal(&e))?,
        };
        Ok(export.reply(name, body))
    }
}

/// Every record `fetch` yields, newest first, a chunk at a time (each chunk
/// after the previous one's last record), up to [`EXPORT_MAX`].
pub async fn read_all<R, C, F, Fut>(mut fetch: F, cursor: fn(&R) -> C) -> Result<Vec<R>, ApiError>
where
    F: FnMut(Option<C>, i64) -> Fut,
    Fut: Future<Output = Result<Vec<R>, StoreError>>,
{
    let mut out = Vec::new();
    let mut after = None;
    while (out.len() as i64) < EXPORT_MAX {
        let chunk = fetch(after, CHUNK).await?;
        let last = chunk.len() < CHUNK as usize;
        after = chunk.last().map(cursor);
        out.extend(chunk);
        if last {
            break;
        }
    }
    out.truncate(EXPORT_MAX as usize);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_neutralises_formulas_and_writes_local_times_as_text() {
        let t = NaiveDateTime::parse_from_str("2026-03-02 23:55:00", "%Y-%m-%d %H:%M:%S").unwrap();
        let table = Table {
            sheet: "Prueba",
            header: &["a", "b", "c"],
            rows: vec![vec![
                Cell::text("=HYPERLINK(\"http://x\")"),
                Cell::Time(Some(t)),
                Cell::Time(None),
            ]],
        };
        let out = String::from_utf8(table.csv().unwrap()).unwrap();
        assert!(out.starts_with('\u{feff}'));
        let mut r = ::csv::Reader::from_reader(out.trim_start_matches('\u{feff}').as_bytes());
        let row = r.records().next().unwrap().unwrap();
        assert_eq!(&row[0], "'=HYPERLINK(\"http://x\")");
        assert_eq!(&row[1], "2026-03-02 23:55:00");
        assert_eq!(&row[2], "");
        assert!(table.xlsx().unwrap().starts_with(b"PK"));
    }
}
