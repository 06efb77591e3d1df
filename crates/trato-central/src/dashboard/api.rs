//! The dashboard's JSON API (`docs/dashboard.md`). Every handler takes a
//! [`Viewer`] (401 without a session) and resolves the requested scope
//! against it (403 outside it); ids of alerts outside it answer 404.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use trato_domain::text::{neutralise_formula, truncate_chars};
use uuid::Uuid;

use super::auth::check_csrf;
use super::summary::{Period, SummaryQuery};
use super::{home, may_see_unit, resolve, summary, today, Resolved, Summary, Viewer, Want};
use crate::error::{ApiError, ErrorCode};
use crate::store::dash::{AlertQuery, AlertRecord, AlertStatus, Unit};
use crate::AppState;

/// The longest period one request may cover.
pub const MAX_DAYS: i64 = 731;
pub const ALERT_PAGE: i64 = 500;
pub const ALERT_EXPORT_MAX: i64 = 200_000;
/// Excel's limit for one cell (32,767) less room for the formula guard.
pub const MAX_CELL_CHARS: usize = 32_000;

#[derive(Debug, Default, Deserialize)]
pub struct Params {
    pub from: Option<String>,
    pub to: Option<String>,
    pub scope: Option<String>,
    pub area: Option<String>,
    pub status: Option<String>,
    pub format: Option<String>,
    pub unit: Option<String>,
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

fn alert_query(p: &Params, resolved: &Resolved, limit: i64) -> Result<AlertQuery, ApiError> {
    let (from, to) = p.period()?;
    let status = match p.status.as_deref().unwrap_or("open") {
        "open" | "" => AlertStatus::Open,
        "attended" => AlertStatus::Attended,
        "all" => AlertStatus::All,
        other => {
            return Err(bad_query(format!(
                "unknown status `{other}`: open, attended or all"
            )))
        }
    };
    Ok(AlertQuery {
        from,
        to,
        units: resolved.units.clone(),
        area: p.area()?,
        status,
        limit,
    })
}

/// Alerts as JSON, or as CSV (`format=csv`, UTF-8 with BOM so Excel keeps
/// the accents).
pub async fn alerts(
    State(state): State<AppState>,
    viewer: Viewer,
    q: Result<Query<Params>, QueryRejection>,
) -> Result<Response, ApiError> {
    let p = params(q)?;
    let catalogue = state.store.dash().units().await?;
    let resolved = p.resolve(&viewer, &catalogue)?;
    let csv = match p.format.as_deref() {
        None | Some("json") | Some("") => false,
        Some("csv") => true,
        Some(other) => return Err(bad_query(format!("unknown format `{other}`: json or csv"))),
    };
    let limit = if csv { ALERT_EXPORT_MAX } else { ALERT_PAGE };
    let list = state
        .store
        .dash()
        .alerts(&alert_query(&p, &resolved, limit)?)
        .await?;
    if !csv {
        let labels = super::labels::Labels::load(&*state.store).await?;
        let views: Vec<_> = list.into_iter().map(|a| labels.view(a)).collect();
        return Ok(Json(views).into_response());
    }
    let body = alerts_csv(&list, &catalogue).map_err(|e| ApiError::internal(&e))?;
    let (from, to) = p.period()?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"alertas-{from}-{to}.csv\""),
            ),
        ],
        body,
    )
        .into_response())
}

pub fn alerts_csv(list: &[AlertRecord], catalogue: &[Unit]) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    w.write_record([
        "id",
        "fecha_hora_utc",
        "dia",
        "clues",
        "unidad",
        "servicio",
        "motivo",
        "respuestas",
        "comentario",
        "atendida",
        "atendida_por",
        "nota",
    ])?;
    for a in list {
        let name = catalogue
            .iter()
            .find(|u| u.clues == a.unit_clues)
            .map_or("", |u| u.name.as_str());
        let cells = [
            a.id.to_string().as_str(),
            &a.finished_at.format("%Y-%m-%d %H:%M:%S").to_string(),
            &a.day.to_string(),
            &a.unit_clues,
            name,
            &a.service_area,
            &a.reason,
            &a.answers,
            a.comment.as_deref().unwrap_or(""),
            &a.attended_at
                .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
                .unwrap_or_default(),
            a.attended_by.as_deref().unwrap_or(""),
            a.note.as_deref().unwrap_or(""),
        ]
        .map(|c| neutralise_formula(truncate_chars(c, MAX_CELL_CHARS)).into_owned());
        w.write_record(&cells)?;
    }
    w.into_inner().map_err(|e| e.into_error().into())
}

#[derive(Deserialize)]
pub struct Attend {
    pub note: String,
}

/// `POST /api/v1/dashboard/alerts/{id}/attend` with `{"note": "..."}` and the
/// CSRF header. An alert outside the viewer's scope is reported as missing.
pub async fn attend(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Result<Json<Attend>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<AlertRecord>, ApiError> {
    check_csrf(&viewer, &headers, None)?;
    let not_found = || ApiError::new(StatusCode::NOT_FOUND, ErrorCode::NotFound, "no such alert");
    let id = Uuid::parse_str(&id).map_err(|_| not_found())?;
    let Json(body) = body.map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::BadRequest,
            e.body_text(),
        )
    })?;
    let note = body.note.trim();
    if note.is_empty() || note.chars().count() > 1000 {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::BadRequest,
            "the note must be 1 to 1000 characters",
        ));
    }
    let alert = state.store.dash().alert(id).await?.ok_or_else(not_found)?;
    let catalogue = state.store.dash().units().await?;
    if !may_see_unit(&viewer, &alert.unit_clues, &catalogue) {
        return Err(not_found());
    }
    let done = state
        .store
        .dash()
        .attend_alert(id, &viewer.name, note, Utc::now())
        .await?;
    if !done {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            ErrorCode::Error,
            "this alert was already marked attended",
        ));
    }
    tracing::info!(alert = %id, unit = %alert.unit_clues, by = %viewer.name, "alert attended");
    state.dash.live.notify(&alert.unit_clues, 1);
    let updated = state.store.dash().alert(id).await?.ok_or_else(not_found)?;
    Ok(Json(updated))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alert(area: &str, comment: &str, note: &str) -> AlertRecord {
        AlertRecord {
            id: Uuid::nil(),
            unit_clues: "DFIMS000020".into(),
            service_area: area.into(),
            finished_at: Utc::now(),
            day: NaiveDate::from_ymd_opt(2026, 3, 2).unwrap(),
            reason: "trato".into(),
            answers: "trato=1".into(),
            comment: Some(comment.into()),
            attended_at: None,
            attended_by: Some("-ana".into()),
            note: Some(note.into()),
        }
    }

    #[test]
    fn alerts_csv_neutralises_formulas_in_every_text_field() {
        let list = [alert("+urgencias", "=HYPERLINK(\"http://x\")", "@SUM(A1)")];
        let units = [Unit {
            clues: "DFIMS000020".into(),
            name: "=cmd|' /C calc'!A0".into(),
            parent_kind: "ooad".into(),
            parent: "OOAD DF".into(),
            state: "DF".into(),
        }];
        let csv = String::from_utf8(alerts_csv(&list, &units).unwrap()).unwrap();
        let mut r = ::csv::Reader::from_reader(csv.trim_start_matches('\u{feff}').as_bytes());
        let row = r.records().next().unwrap().unwrap();
        assert_eq!(&row[4], "'=cmd|' /C calc'!A0");
        assert_eq!(&row[5], "'+urgencias");
        assert_eq!(&row[8], "'=HYPERLINK(\"http://x\")");
        assert_eq!(&row[10], "'-ana");
        assert_eq!(&row[11], "'@SUM(A1)");
    }
}
