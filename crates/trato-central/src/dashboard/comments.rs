//! The comments patients left in a scope and period: masked as the centre
//! stored them, newest first, with a text search and the answers each came
//! with; a page as JSON, or all of them (up to the export cap) as CSV or XLSX.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{Duration, FixedOffset};
use serde::Serialize;

use super::api::{bad_query, cell, excel_time, params, Export, Params, EXPORT_MAX};
use super::labels::Labels;
use super::Viewer;
use crate::error::ApiError;
use crate::store::alerts::{CommentCursor, CommentQuery, CommentRecord, Cursor};
use crate::store::dash::Unit;
use crate::AppState;

pub const PAGE_DEFAULT: i64 = 50;
const EXPORT_CHUNK: i64 = 5_000;
/// Longest search text.
const MAX_SEARCH_CHARS: usize = 100;

#[derive(Debug, Serialize)]
pub struct CommentItem {
    #[serde(flatten)]
    pub record: CommentRecord,
    pub unit_name: String,
    /// When the patient answered, in the kiosk's own time (`YYYY-MM-DD HH:MM`).
    pub local_time: String,
    /// The answers in words ("Trato: Mal · ...").
    pub answers_text: String,
}

#[derive(Debug, Serialize)]
pub struct CommentList {
    pub total: i64,
    pub comments: Vec<CommentItem>,
    pub next_cursor: Option<String>,
}

fn local_time(c: &CommentRecord) -> String {
    let offset = FixedOffset::east_opt(c.utc_offset_minutes * 60)
        .unwrap_or_else(|| FixedOffset::east_opt(0).unwrap_or_else(|| unreachable!()));
    c.finished_at
        .with_timezone(&offset)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

fn item(c: CommentRecord, labels: &Labels, catalogue: &[Unit]) -> CommentItem {
    CommentItem {
        unit_name: catalogue
            .iter()
            .find(|u| u.clues == c.unit_clues)
            .map_or_else(|| c.unit_clues.clone(), |u| u.name.clone()),
        local_time: local_time(&c),
        answers_text: labels.answers(&c.answers),
        record: c,
    }
}

fn query(p: &Params, units: Option<Vec<String>>) -> Result<CommentQuery, ApiError> {
    let (from, to) = p.period()?;
    let search = match p.q.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) if s.chars().count() <= MAX_SEARCH_CHARS => Some(s.to_owned()),
        Some(_) => {
            return Err(bad_query(format!(
                "`q` may be at most {MAX_SEARCH_CHARS} characters"
            )))
        }
    };
    Ok(CommentQuery {
        from,
        to,
        units,
        area: p.area()?,
        search,
    })
}

/// `GET /api/v1/dashboard/comments`.
pub async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    q: Result<Query<Params>, QueryRejection>,
) -> Result<Response, ApiError> {
    let p = params(q)?;
    let catalogue = state.store.dash().units().await?;
    let resolved = p.resolve(&viewer, &catalogue)?;
    let cq = query(&p, resolved.units.clone())?;
    let labels = Labels::load(&*state.store).await?;
    let store = state.store.alerts();
    if let Some(export) = p.export()? {
        let mut items = Vec::new();
        let mut after = None;
        while (items.len() as i64) < EXPORT_MAX {
            let chunk = store.comments(&cq, after, EXPORT_CHUNK).await?;
            let last = chunk.len() < EXPORT_CHUNK as usize;
            after = chunk.last().map(cursor_of);
            items.extend(chunk.into_iter().map(|c| item(c, &labels, &catalogue)));
            if last {
                break;
            }
        }
        items.truncate(EXPORT_MAX as usize);
        let name = format!("comentarios-{}-{}", cq.from, cq.to);
        let body = match export {
            Export::Csv => csv(&items).map_err(|e| ApiError::internal(&e))?,
            Export::Xlsx => xlsx(&items).map_err(|e| ApiError::internal(&e))?,
        };
        return Ok(export.reply(&name, body));
    }
    let limit = p.limit(PAGE_DEFAULT)?;
    let (page, total) = tokio::try_join!(
        store.comments(&cq, comment_cursor(&p)?, limit + 1),
        store.count_comments(&cq)
    )?;
    let more = page.len() as i64 > limit;
    let page: Vec<CommentRecord> = page.into_iter().take(limit as usize).collect();
    let next_cursor = more
        .then(|| page.last().map(|c| cursor_of(c).encode()))
        .flatten();
    Ok(Json(CommentList {
        total,
        comments: page
            .into_iter()
            .map(|c| item(c, &labels, &catalogue))
            .collect(),
        next_cursor,
    })
    .into_response())
}

/// Where the next page starts: after this comment (a response may have
/// several, one per free-text question).
fn cursor_of(c: &CommentRecord) -> CommentCursor {
    CommentCursor {
        at: Cursor {
            finished_at: c.finished_at,
            id: c.response_id,
        },
        question: c.question.clone(),
    }
}

fn comment_cursor(p: &Params) -> Result<Option<CommentCursor>, ApiError> {
    match p.cursor.as_deref().filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(c) => CommentCursor::decode(c)
            .map(Some)
            .ok_or_else(|| bad_query("`cursor` is not one this server gave")),
    }
}

const HEADER: [&str; 9] = [
    "respuesta_id",
    "fecha_hora_local",
    "dia",
    "clues",
    "unidad",
    "servicio",
    "pregunta",
    "comentario",
    "respuestas",
];

fn row(c: &CommentItem) -> [String; 9] {
    let r = &c.record;
    [
        r.response_id.to_string(),
        c.local_time.clone(),
        r.day.to_string(),
        cell(&r.unit_clues),
        cell(&c.unit_name),
        cell(&r.service_area),
        cell(&r.question),
        cell(&r.text),
        cell(&c.answers_text),
    ]
}

pub fn csv(items: &[CommentItem]) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    w.write_record(HEADER)?;
    for c in items {
        w.write_record(row(c))?;
    }
    w.into_inner().map_err(|e| e.into_error().into())
}

pub fn xlsx(items: &[CommentItem]) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("Comentarios")?;
    let bold = Format::new().set_bold();
    let when = Format::new().set_num_format("yyyy-mm-dd hh:mm");
    let wrap = Format::new().set_text_wrap();
    for (c, h) in HEADER.iter().enumerate() {
        ws.write_with_format(0, c as u16, *h, &bold)?;
    }
    ws.set_column_width(7, 60)?;
    for (i, c) in items.iter().enumerate() {
        let r = (i + 1) as u32;
        for (col, v) in row(c).iter().enumerate() {
            if col == 1 {
                let local = c.record.finished_at
                    + Duration::minutes(i64::from(c.record.utc_offset_minutes));
                ws.write_datetime_with_format(r, 1, excel_time(local.naive_utc())?, &when)?;
            } else if col == 7 {
                ws.write_with_format(r, 7, v.as_str(), &wrap)?;
            } else {
                ws.write(r, col as u16, v.as_str())?;
            }
        }
    }
    ws.autofilter(0, 0, items.len() as u32, (HEADER.len() - 1) as u16)?;
    wb.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, Utc};
    use uuid::Uuid;

    #[test]
    fn exports_neutralise_formulas_and_show_the_kiosks_time() {
        let rec = CommentRecord {
            response_id: Uuid::nil(),
            question: "comentario".into(),
            unit_clues: "DFIMS000020".into(),
            service_area: "urgencias".into(),
            finished_at: DateTime::parse_from_rfc3339("2026-03-02T18:05:00Z")
                .unwrap()
                .with_timezone(&Utc),
            utc_offset_minutes: -360,
            day: chrono::NaiveDate::from_ymd_opt(2026, 3, 2).unwrap(),
            text: "=HYPERLINK(\"http://x\")".into(),
            answers: String::new(),
        };
        let items = [item(rec, &Labels::default(), &[])];
        assert_eq!(items[0].local_time, "2026-03-02 12:05");
        let out = String::from_utf8(csv(&items).unwrap()).unwrap();
        let mut r = ::csv::Reader::from_reader(out.trim_start_matches('\u{feff}').as_bytes());
        let row = r.records().next().unwrap().unwrap();
        assert_eq!(&row[7], "'=HYPERLINK(\"http://x\")");
        assert!(xlsx(&items).unwrap().starts_with(b"PK"));
    }
}
