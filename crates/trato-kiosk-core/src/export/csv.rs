//! CSV for Excel: UTF-8 with a byte-order mark (without it Excel reads the
//! file as ANSI and breaks accents and ñ), comma-separated (the list
//! separator of Excel in Mexico), CRLF line ends.

use std::fmt::Write as _;
use std::io::Write;

use chrono::{Datelike, Timelike};
use trato_domain::text::neutralise_formula as neutralise;

use super::rows::{header, Context, DEMO_VALUE};
use super::ExportError;

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Writes the header and every row of the period; returns the row count.
pub(crate) fn write(ctx: &mut Context<'_>, out: &mut impl Write) -> Result<u64, ExportError> {
    out.write_all(BOM).map_err(::csv::Error::from)?;
    let mut w = ::csv::WriterBuilder::new().from_writer(out);
    for h in header(ctx.layout, ctx.demo) {
        w.write_field(neutralise(&h).as_bytes())?;
    }
    w.write_record(None::<&[u8]>)?;
    let demo = ctx.demo;
    let mut scratch = String::with_capacity(16);
    let rows = ctx.for_each_row(|row| {
        if demo {
            w.write_field(DEMO_VALUE)?;
        }
        for field in [&row.id, &row.clues, &row.unit, &row.service, &row.kiosk] {
            w.write_field(neutralise(field).as_bytes())?;
        }
        scratch.clear();
        let _ = write!(
            scratch,
            "{:04}-{:02}-{:02}",
            row.date.year(),
            row.date.month(),
            row.date.day()
        );
        w.write_field(&scratch)?;
        scratch.clear();
        let _ = write!(
            scratch,
            "{:02}:{:02}:{:02}",
            row.time.hour(),
            row.time.minute(),
            row.time.second()
        );
        w.write_field(&scratch)?;
        w.write_field(neutralise(&row.language).as_bytes())?;
        w.write_field(neutralise(row.status_es()).as_bytes())?;
        w.write_field(neutralise(row.flag_es()).as_bytes())?;
        w.write_field(neutralise(&row.survey_id).as_bytes())?;
        scratch.clear();
        let _ = write!(scratch, "{}", row.survey_version);
        w.write_field(&scratch)?;
        for cell in &row.answers {
            w.write_field(neutralise(&cell.labels).as_bytes())?;
            w.write_field(neutralise(&cell.codes).as_bytes())?;
        }
        w.write_record(None::<&[u8]>)?;
        Ok(())
    })?;
    w.flush().map_err(::csv::Error::from)?;
    Ok(rows)
}
