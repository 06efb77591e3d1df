//! The dashboard's JSON API (`docs/dashboard.md`). Every handler takes a
//! [`Viewer`] (401 without a session) and resolves the requested scope
//! against it (403 outside it); ids of alerts outside it answer 404.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};
use trato_domain::text::{neutralise_formula, truncate_chars};

use super::labels::Labels;
use super::summary::{Period, SummaryQuery};
use super::{home, may_see_unit, resolve, summary, today, Resolved, Summary, Viewer, Want};
use crate::error::{ApiError, ErrorCode};
use crate::local_time::UnitClocks;
use crate::store::alerts::Cursor;
use crate::store::dash::Unit;
use crate::AppState;

/// The longest period one request may cover.
pub const MAX_DAYS: i64 = 731;
/// Most rows one CSV or XLSX export holds.
pub const EXPORT_MAX: i64 = 200_000;
/// Excel's limit for one cell (32,767) less room for the formula guard.
pub const MAX_CELL_CHARS: usize = 32_000;

/// Largest page of alerts or comments.
pub const PAGE_MAX: i64 = 500;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Export {
    Csv,
    Xlsx,
}

impl Export {
    /// The reply for an export file named `name` (without extension).
    pub fn reply(self, name: &str, body: Vec<u8>) -> Response {
        let (ext, ty) = match self {
            Self::Csv => ("csv", "text/csv; charset=utf-8"),
            Self::Xlsx => (
                "xlsx",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ),
        };
        (
            [
                (header::CONTENT_TYPE, ty.to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{name}.{ext}\""),
                ),
            ],
            body,
        )
            .into_response()
    }
}

/// A time as a typed spreadsheet date cell value.
pub fn excel_time(
    t: chrono::NaiveDateTime,
) -> Result<rust_xlsxwriter::ExcelDateTime, rust_xlsxwriter::XlsxError> {
    use chrono::{Datelike, Timelike};
    let year = u16::try_from(t.year()).unwrap_or(1900);
    rust_xlsxwriter::ExcelDateTime::from_ymd(year, t.month() as u8, t.day() as u8)?.and_hms(
        t.hour() as u16,
        t.minute() as u8,
        t.second(),
    )
}

/// A text cell as exports write it: cut to what a spreadsheet cell holds,
/// and never read as a formula.
pub fn cell(s: &str) -> String {
    neutralise_formula(truncate_chars(s, MAX_CELL_CHARS)).into_owned()
}

#[derive(Debug, Default, Deserialize)]
pub struct Params {
    pub from: Option<String>,
    pub to: Option<String>,
    pub scope: Option<String>,
    pub area: Option<String>,
    pub status: Option<String>,
    pub format: Option<String>,
    pub unit: Option<String>,
    /// Alerts: one reason key.
    pub reason: Option<String>,
    /// Alerts: at least / less than so many hours since the answer.
    pub min_age_hours: Option<String>,
    pub max_age_hours: Option<String>,
    /// Alerts: assigned to this account.
    pub assigned: Option<String>,
    /// Comments: text to look for.
    pub q: Option<String>,
    /// Where the previous page ended (`next_cursor`), and the page size.
    pub cursor: Option<String>,
    pub limit: Option<String>,
}

pub fn bad_query(msg: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, ErrorCode::BadQuery, msg)
}

pub fn params(q: Result<Query<Params>, QueryRejection>) -> Result<Params, ApiError> {
    q.map(|Query(p)| p).map_err(|e| bad_query(e.body_text()))
}

impl Params {
    /// The period, by default the last 7 days up to today (centre's date).
    pub fn period(&self) -> Result<(NaiveDate, NaiveDate), ApiError> {
        let day = |s: &Option<String>, what: &str| -> Result<Option<NaiveDate>, ApiError> {
            match s.as_deref().filter(|s| !s.is_empty()) {
                None => Ok(None),
                Some(v) => NaiveDate::parse_from_str(v, "%Y-%m-%d")
                    .map(Some)
                    .map_err(|_| bad_query(format!("`{what}` must be a date YYYY-MM-DD"))),
            }
        };
        let to = day(&self.to, "to")?.unwrap_or_else(today);
        let from = day(&self.from, "from")?.unwrap_or(to - Duration::days(6));
        if from > to {
            return Err(bad_query("`from` is after `to`"));
        }
        if (to - from).num_days() >= MAX_DAYS {
            return Err(bad_query(format!(
                "a period may cover at most {MAX_DAYS} days"
            )));
        }
        Ok((from, to))
    }

    pub fn area(&self) -> Result<Option<String>, ApiError> {
        match self
            .area
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None => Ok(None),
            Some(a) if a.chars().count() <= 100 => Ok(Some(a.to_owned())),
            Some(_) => Err(bad_query("`area` is too long")),
        }
    }

    /// `cursor`, if any (a malformed one is a bad query).
    pub fn cursor(&self) -> Result<Option<Cursor>, ApiError> {
        match self.cursor.as_deref().filter(|s| !s.is_empty()) {
            None => Ok(None),
            Some(c) => Cursor::decode(c)
                .map(Some)
                .ok_or_else(|| bad_query("`cursor` is not one this server gave")),
        }
    }

    /// `limit`, by default `default`, at most [`PAGE_MAX`].
    pub fn limit(&self, default: i64) -> Result<i64, ApiError> {
        match self.limit.as_deref().filter(|s| !s.is_empty()) {
            None => Ok(default),
            Some(l) => l
                .parse::<i64>()
                .ok()
                .filter(|n| (1..=PAGE_MAX).contains(n))
                .ok_or_else(|| bad_query(format!("`limit` must be 1 to {PAGE_MAX}"))),
        }
    }

    /// `format`: JSON (the default), CSV or XLSX.
    pub fn export(&self) -> Result<Option<Export>, ApiError> {
        match self.format.as_deref() {
            None | Some("json") | Some("") => Ok(None),
            Some("csv") => Ok(Some(Export::Csv)),
            Some("xlsx") => Ok(Some(Export::Xlsx)),
            Some(other) => Err(bad_query(format!(
                "unknown format `{other}`: json, csv or xlsx"
            ))),
        }
    }

    /// The requested scope, checked against the viewer (default: its own).
    pub fn resolve(&self, viewer: &Viewer, catalogue: &[Unit]) -> Result<Resolved, ApiError> {
        let want = match (self.scope.as_deref().filter(|s| !s.is_empty()), &self.unit) {
            (Some(s), _) => Want::parse(s)?,
            (None, Some(u)) if !u.is_empty() => Want::parse(&format!("unit:{u}"))?,
            _ => home(viewer),
        };
        resolve(viewer, &want, catalogue)
    }
}

/// What a list of alerts or comments starts from: the request's
/// parameters, the catalogue, the scope they resolve to (403 outside the
/// viewer's), the surveys' words and the units' local times.
pub struct Listing {
    pub p: Params,
    pub catalogue: Vec<Unit>,
    pub resolved: Resolved,
    pub labels: Labels,
    pub clocks: UnitClocks,
}

impl Listing {
    pub async fn load(
        state: &AppState,
        viewer: &Viewer,
        q: Result<Query<Params>, QueryRejection>,
    ) -> Result<Self, ApiError> {
        let p = params(q)?;
        let catalogue = state.store.dash().units().await?;
        let resolved = p.resolve(viewer, &catalogue)?;
        Ok(Self {
            labels: Labels::load(&*state.store).await?,
            clocks: UnitClocks::load(&*state.store).await?,
            p,
            catalogue,
            resolved,
        })
    }
}

#[derive(Serialize)]
pub struct Me {
    pub name: String,
    pub role: super::Role,
    pub scope: String,
    pub home: String,
    pub today: NaiveDate,
    /// OOAD and UMAE this account may choose.
    pub parents: Vec<ParentEntry>,
    /// Units this account may choose.
    pub units: Vec<Unit>,
    pub areas: Vec<String>,
}

#[derive(Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct ParentEntry {
    pub name: String,
    pub kind: String,
}

pub async fn me(State(state): State<AppState>, viewer: Viewer) -> Result<Json<Me>, ApiError> {
    let catalogue = state.store.dash().units().await?;
    let units: Vec<Unit> = catalogue
        .iter()
        .filter(|u| may_see_unit(&viewer, &u.clues, &catalogue))
        .cloned()
        .collect();
    let mut parents: Vec<ParentEntry> = units
        .iter()
        .map(|u| ParentEntry {
            name: u.parent.clone(),
            kind: u.parent_kind.clone(),
        })
        .collect();
    parents.sort();
    parents.dedup();
    let resolved = resolve(&viewer, &home(&viewer), &catalogue)?;
    let areas = state
        .store
        .dash()
        .service_areas(resolved.units.as_deref())
        .await?;
    Ok(Json(Me {
        name: viewer.name.clone(),
        role: viewer.role,
        scope: viewer.scope.clone(),
        home: home(&viewer).as_param(),
        today: today(),
        parents: if viewer.role == super::Role::Unit {
            Vec::new()
        } else {
            parents
        },
        units,
        areas,
    }))
}

pub async fn get_summary(
    State(state): State<AppState>,
    viewer: Viewer,
    q: Result<Query<Params>, QueryRejection>,
) -> Result<Json<Summary>, ApiError> {
    let p = params(q)?;
    let (from, to) = p.period()?;
    let area = p.area()?;
    let catalogue = state.store.dash().units().await?;
    let resolved = p.resolve(&viewer, &catalogue)?;
    let q = SummaryQuery {
        period: Period { from, to },
        area,
        min_responses: state.config.ranking_min_responses,
    };
    Ok(Json(
        summary(&*state.store, &resolved, q, &catalogue).await?,
    ))
}
