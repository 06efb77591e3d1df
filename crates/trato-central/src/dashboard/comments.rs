//! The comments patients left in a scope and period: masked as the centre
//! stored them, newest first, with a text search and the answers each came
//! with; a page as JSON, or all of them (up to the export cap) as CSV or XLSX.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{NaiveDate, NaiveDateTime};
use serde::Serialize;

use super::api::{bad_query, Listing, Params};
use super::export::{read_all, Cell, Table};
use super::labels::Labels;
use super::Viewer;
use crate::error::ApiError;
use crate::local_time::{self, UnitClocks};
use crate::store::alerts::{CommentCursor, CommentQuery, CommentRecord, Cursor};
use crate::store::dash::Unit;
use crate::AppState;

pub const PAGE_DEFAULT: i64 = 50;
/// Longest search text.
const MAX_SEARCH_CHARS: usize = 100;

#[derive(Debug, Serialize)]
pub struct CommentItem {
    #[serde(flatten)]
    pub record: CommentRecord,
    pub unit_name: String,
    /// When the patient answered, in the unit's local time (`07/12/2026 10:15`).
    pub local_time: String,
    /// The same, for typed spreadsheet cells.
    #[serde(skip)]
    pub local_at: NaiveDateTime,
    /// The answers in words ("Trato: Mal · ...").
    pub answers_text: String,
}

/// The comments as the tablero and the report show them.
pub struct Shown<'a> {
    pub labels: &'a Labels,
    pub catalogue: &'a [Unit],
    pub clocks: &'a UnitClocks,
}

impl Shown<'_> {
    pub fn item(&self, c: CommentRecord) -> CommentItem {
        let offset = self.clocks.offset(&c.unit_clues);
        CommentItem {
            unit_name: self
                .catalogue
                .iter()
                .find(|u| u.clues == c.unit_clues)
                .map_or_else(|| c.unit_clues.clone(), |u| u.name.clone()),
            local_time: local_time::display(c.finished_at, offset),
            local_at: local_time::local(c.finished_at, offset),
            answers_text: self.labels.answers(&c.answers),
            record: c,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct CommentList {
    pub total: i64,
    pub comments: Vec<CommentItem>,
    pub next_cursor: Option<String>,
}

/// The newest `limit` comments of `units` over a period (no search, every
/// area), and how many there are in all: the bimonthly report's list.
pub async fn newest(
    state: &AppState,
    units: Option<Vec<String>>,
    from: NaiveDate,
    to: NaiveDate,
    limit: i64,
    shown: &Shown<'_>,
) -> Result<(Vec<CommentItem>, i64), ApiError> {
    let q = CommentQuery {
        from,
        to,
        units,
        area: None,
        search: None,
    };
    let store = state.store.alerts();
    let (page, total) =
        tokio::try_join!(store.comments(&q, None, limit), store.count_comments(&q))?;
    Ok((page.into_iter().map(|c| shown.item(c)).collect(), total))
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
    let l = Listing::load(&state, &viewer, q).await?;
    let cq = query(&l.p, l.resolved.units.clone())?;
    let shown = Shown {
        labels: &l.labels,
        catalogue: &l.catalogue,
        clocks: &l.clocks,
    };
    let store = state.store.alerts();
    if let Some(export) = l.p.export()? {
        let (store, q) = (&store, &cq);
        let records = read_all(move |after, n| store.comments(q, after, n), cursor_of).await?;
        let items: Vec<CommentItem> = records.into_iter().map(|c| shown.item(c)).collect();
        let name = format!("comentarios-{}-{}", cq.from, cq.to);
        return table(&items).reply(export, &name);
    }
    let limit = l.p.limit(PAGE_DEFAULT)?;
    let (page, total) = tokio::try_join!(
        store.comments(&cq, comment_cursor(&l.p)?, limit + 1),
        store.count_comments(&cq)
    )?;
    let more = page.len() as i64 > limit;
    let page: Vec<CommentRecord> = page.into_iter().take(limit as usize).collect();
    let next_cursor = more
        .then(|| page.last().map(|c| cursor_of(c).encode()))
        .flatten();
    Ok(Json(CommentList {
        total,
        comments: page.into_iter().map(|c| shown.item(c)).collect(),
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

/// The comments as an export (the comments view's, and the report's sheet).
pub fn table(items: &[CommentItem]) -> Table {
    Table {
        sheet: "Comentarios",
        header: &HEADER,
        rows: items.iter().map(row).collect(),
    }
}

fn row(c: &CommentItem) -> Vec<Cell> {
    let r = &c.record;
    vec![
        Cell::Text(r.response_id.to_string()),
        Cell::Time(Some(c.local_at)),
        Cell::Text(r.day.to_string()),
        Cell::text(&r.unit_clues),
        Cell::text(&c.unit_name),
        Cell::text(&r.service_area),
        Cell::text(&r.question),
        Cell::long(&r.text),
        Cell::text(&c.answers_text),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, Utc};
    use uuid::Uuid;

    #[test]
    fn exports_neutralise_formulas_and_show_the_units_time() {
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
        let shown = Shown {
            labels: &Labels::default(),
            catalogue: &[],
            clocks: &UnitClocks::default(),
        };
        let items = [shown.item(rec)];
        // No kiosk has reported: Mexico's central time.
        assert_eq!(items[0].local_time, "02/03/2026 12:05");
        let out = String::from_utf8(table(&items).csv().unwrap()).unwrap();
        let mut r = ::csv::Reader::from_reader(out.trim_start_matches('\u{feff}').as_bytes());
        let row = r.records().next().unwrap().unwrap();
        assert_eq!(&row[1], "2026-03-02 12:05:00");
        assert_eq!(&row[7], "'=HYPERLINK(\"http://x\")");
        assert!(table(&items).xlsx().unwrap().starts_with(b"PK"));
    }
}
