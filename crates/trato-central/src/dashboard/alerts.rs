//! The alerts committees handle: the list (by unit, reason, status and age, a
//! page at a time, with counts per reason and per unit), one alert with its
//! history and the accounts it may be assigned to, assignment, and attending
//! one or many with one note. Reasons and their urgency come from the survey
//! definitions; due times from `[alerts]` in the configuration.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::api::{bad_query, Listing, Params};
use super::auth::check_csrf;
use super::export::{read_all, Cell, Table};
use super::labels::{AlertView, Labels};
use super::{covers, may_see_unit, Resolved, Role, Viewer};
use crate::error::{ApiError, ErrorCode};
use crate::local_time::{self, UnitClocks};
use crate::service_config::AlertDue;
use crate::store::alerts::{
    AlertEvent, AlertFilter, AlertGroup, AlertRecord, AlertStatus, DueCutoffs, BULK_MAX,
};
use crate::store::dash::Unit;
use crate::AppState;

/// Alerts per page unless `limit` says otherwise.
pub const PAGE_DEFAULT: i64 = 50;
/// The oldest an age filter may reach (ten years).
const MAX_AGE_HOURS: i64 = 87_600;

/// When each reason key falls due, as read from the stored surveys and the
/// configuration.
pub struct Due<'a> {
    pub settings: &'a AlertDue,
    pub labels: &'a Labels,
}

impl Due<'_> {
    pub fn hours(&self, key: &str) -> u32 {
        self.settings.hours(key, self.labels.is_urgent(key))
    }

    /// An alert's due time: the shortest of its keys' (other_hours with none).
    pub fn due_at(&self, a: &AlertRecord) -> DateTime<Utc> {
        let hours = a
            .reason_keys()
            .map(|k| self.hours(k))
            .min()
            .unwrap_or(self.settings.other_hours);
        a.finished_at + Duration::hours(i64::from(hours))
    }

    /// The cutoffs the store's overdue test uses at `now`.
    pub fn cutoffs(&self, now: DateTime<Utc>) -> DueCutoffs {
        let keys: BTreeSet<String> = self
            .labels
            .reason_keys()
            .into_iter()
            .map(|(k, _, _)| k)
            .chain(self.settings.due_hours.keys().cloned())
            .collect();
        DueCutoffs {
            keys: keys
                .into_iter()
                .map(|k| {
                    let h = i64::from(self.hours(&k));
                    (k, now - Duration::hours(h))
                })
                .collect(),
            other: Some(now - Duration::hours(i64::from(self.settings.other_hours))),
        }
    }

    /// The alert as listed at `now`, its times in its unit's local time.
    pub fn item(&self, record: AlertRecord, now: DateTime<Utc>, clocks: &UnitClocks) -> AlertItem {
        let due_at = self.due_at(&record);
        let overdue = record.attended_at.is_none() && now > due_at;
        let reasons = record.reason_keys().map(str::to_owned).collect();
        let offset = clocks.offset(&record.unit_clues);
        let local = LocalTimes {
            finished_at: local_time::display(record.finished_at, offset),
            due_at: local_time::display(due_at, offset),
            attended_at: record.attended_at.map(|t| local_time::display(t, offset)),
        };
        AlertItem {
            view: self.labels.view(record),
            reasons,
            due_at,
            overdue,
            utc_offset_minutes: offset,
            local,
        }
    }
}

/// An alert as the tablero shows it.
#[derive(Debug, Serialize)]
pub struct AlertItem {
    #[serde(flatten)]
    pub view: AlertView,
    /// Its reason keys.
    pub reasons: Vec<String>,
    pub due_at: DateTime<Utc>,
    /// Open and past `due_at`.
    pub overdue: bool,
    /// The unit's local time (its kiosks' reported offset).
    pub utc_offset_minutes: i32,
    /// Its times in that local time, as the page shows them.
    pub local: LocalTimes,
}

/// An alert's times in its unit's local time (`07/12/2026 10:15`).
#[derive(Debug, Serialize)]
pub struct LocalTimes {
    pub finished_at: String,
    pub due_at: String,
    pub attended_at: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct ReasonCount {
    pub key: String,
    pub label: String,
    pub urgent: bool,
    pub due_hours: u32,
    /// Alerts with this reason under the list's status.
    pub count: i64,
    pub open: i64,
    pub overdue: i64,
}

#[derive(Debug, Serialize)]
pub struct UnitCount {
    pub clues: String,
    pub name: String,
    pub open: i64,
    pub overdue: i64,
}

#[derive(Debug, Serialize)]
pub struct AlertList {
    /// Alerts matching every filter (all pages).
    pub total: i64,
    pub alerts: Vec<AlertItem>,
    /// Pass as `cursor` for the next page; absent on the last.
    pub next_cursor: Option<String>,
    /// Every reason the stored surveys declare, with its counts under the
    /// other filters.
    pub reasons: Vec<ReasonCount>,
    /// Units with open alerts (reason filter applied), most overdue first.
    pub units: Vec<UnitCount>,
}

fn status(p: &Params) -> Result<AlertStatus, ApiError> {
    Ok(match p.status.as_deref().unwrap_or("open") {
        "open" | "" => AlertStatus::Open,
        "attended" => AlertStatus::Attended,
        "all" => AlertStatus::All,
        "overdue" => AlertStatus::Overdue,
        other => {
            return Err(bad_query(format!(
                "unknown status `{other}`: open, overdue, attended or all"
            )))
        }
    })
}

fn hours(v: &Option<String>, what: &str) -> Result<Option<i64>, ApiError> {
    match v.as_deref().filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => s
            .parse::<i64>()
            .ok()
            .filter(|h| (0..=MAX_AGE_HOURS).contains(h))
            .map(Some)
            .ok_or_else(|| bad_query(format!("`{what}` must be 0 to {MAX_AGE_HOURS} hours"))),
    }
}

fn short_text(v: &Option<String>, what: &str) -> Result<Option<String>, ApiError> {
    match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) if s.chars().count() <= 100 && !s.contains(',') => Ok(Some(s.to_owned())),
        Some(_) => Err(bad_query(format!("`{what}` is not valid"))),
    }
}

/// The filter a request asks for, within its resolved scope.
pub fn filter(
    p: &Params,
    resolved: &Resolved,
    due: &Due<'_>,
    now: DateTime<Utc>,
) -> Result<AlertFilter, ApiError> {
    let (from, to) = p.period()?;
    let at_least = hours(&p.min_age_hours, "min_age_hours")?;
    let under = hours(&p.max_age_hours, "max_age_hours")?;
    Ok(AlertFilter {
        from,
        to,
        units: resolved.units.clone(),
        area: p.area()?,
        status: status(p)?,
        reason: short_text(&p.reason, "reason")?,
        finished_by: at_least.map(|h| now - Duration::hours(h)),
        finished_after: under.map(|h| now - Duration::hours(h)),
        assigned_to: short_text(&p.assigned, "assigned")?,
        due: due.cutoffs(now),
    })
}

fn counted(g: &AlertGroup, s: AlertStatus) -> i64 {
    match s {
        AlertStatus::Open => g.open,
        AlertStatus::Attended => g.total - g.open,
        AlertStatus::All => g.total,
        AlertStatus::Overdue => g.overdue,
    }
}

fn has_key(reason: &str, key: &str) -> bool {
    reason.split(',').any(|k| k == key)
}

/// Total, counts per reason and per unit from the store's groups.
fn tally(
    groups: &[AlertGroup],
    f: &AlertFilter,
    due: &Due<'_>,
    catalogue: &[Unit],
) -> (i64, Vec<ReasonCount>, Vec<UnitCount>) {
    let wanted = |g: &&AlertGroup| f.reason.as_deref().is_none_or(|r| has_key(&g.reason, r));
    let total = groups
        .iter()
        .filter(wanted)
        .map(|g| counted(g, f.status))
        .sum();
    let reasons = due
        .labels
        .reason_keys()
        .into_iter()
        .map(|(key, label, urgent)| {
            let mine: Vec<&AlertGroup> =
                groups.iter().filter(|g| has_key(&g.reason, &key)).collect();
            ReasonCount {
                due_hours: due.hours(&key),
                count: mine.iter().map(|g| counted(g, f.status)).sum(),
                open: mine.iter().map(|g| g.open).sum(),
                overdue: mine.iter().map(|g| g.overdue).sum(),
                key,
                label,
                urgent,
            }
        })
        .collect();
    let mut per_unit: BTreeMap<&str, (i64, i64)> = BTreeMap::new();
    for g in groups.iter().filter(wanted) {
        let e = per_unit.entry(&g.unit_clues).or_default();
        e.0 += g.open;
        e.1 += g.overdue;
    }
    let mut units: Vec<UnitCount> = per_unit
        .into_iter()
        .filter(|(_, (open, _))| *open > 0)
        .map(|(clues, (open, overdue))| UnitCount {
            name: catalogue
                .iter()
                .find(|u| u.clues == clues)
                .map_or_else(|| clues.to_owned(), |u| u.name.clone()),
            clues: clues.to_owned(),
            open,
            overdue,
        })
        .collect();
    units.sort_by(|a, b| {
        (b.overdue, b.open)
            .cmp(&(a.overdue, a.open))
            .then_with(|| a.clues.cmp(&b.clues))
    });
    (total, reasons, units)
}

/// `GET /api/v1/dashboard/alerts`: a page as JSON, or every match as CSV or
/// XLSX (`format`, up to [`super::api::EXPORT_MAX`] rows).
pub async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    q: Result<Query<Params>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Listing {
        p,
        catalogue,
        resolved,
        labels,
        clocks,
    } = Listing::load(&state, &viewer, q).await?;
    let due = Due {
        settings: &state.config.alert_due,
        labels: &labels,
    };
    let now = Utc::now();
    let f = filter(&p, &resolved, &due, now)?;
    let store = state.store.alerts();
    if let Some(export) = p.export()? {
        let (store, f) = (&store, &f);
        let records = read_all(move |after, n| store.page(f, after, n), cursor_of).await?;
        let items: Vec<AlertItem> = records
            .into_iter()
            .map(|a| due.item(a, now, &clocks))
            .collect();
        let name = format!("alertas-{}-{}", f.from, f.to);
        return table(&items, &catalogue).reply(export, &name);
    }
    let limit = p.limit(PAGE_DEFAULT)?;
    let (page, groups) =
        tokio::try_join!(store.page(&f, p.cursor()?, limit + 1), store.groups(&f))?;
    let more = page.len() as i64 > limit;
    let page: Vec<AlertRecord> = page.into_iter().take(limit as usize).collect();
    let next_cursor = more
        .then(|| page.last().map(|a| cursor_of(a).encode()))
        .flatten();
    let (total, reasons, units) = tally(&groups, &f, &due, &catalogue);
    Ok(Json(AlertList {
        total,
        alerts: page
            .into_iter()
            .map(|a| due.item(a, now, &clocks))
            .collect(),
        next_cursor,
        reasons,
        units,
    })
    .into_response())
}

fn cursor_of(a: &AlertRecord) -> crate::store::alerts::Cursor {
    crate::store::alerts::Cursor {
        finished_at: a.finished_at,
        id: a.id,
    }
}

const EXPORT_HEADER: [&str; 16] = [
    "id",
    "fecha_hora_local",
    "dia",
    "clues",
    "unidad",
    "servicio",
    "motivo_claves",
    "motivo",
    "respuestas",
    "comentario",
    "vence_local",
    "vencida",
    "asignada_a",
    "atendida_local",
    "atendida_por",
    "nota",
];

/// The alerts as an export: times in each unit's local time, every text
/// neutralised.
pub fn table(items: &[AlertItem], catalogue: &[Unit]) -> Table {
    let rows = items
        .iter()
        .map(|a| {
            let r = &a.view.record;
            let name = catalogue
                .iter()
                .find(|u| u.clues == r.unit_clues)
                .map_or("", |u| u.name.as_str());
            let at = |t: DateTime<Utc>| local_time::local(t, a.utc_offset_minutes);
            vec![
                Cell::Text(r.id.to_string()),
                Cell::Time(Some(at(r.finished_at))),
                Cell::Text(r.day.to_string()),
                Cell::text(&r.unit_clues),
                Cell::text(name),
                Cell::text(&r.service_area),
                Cell::text(&r.reason),
                Cell::text(&a.view.reason_label),
                Cell::text(&a.view.answers_text),
                Cell::long(r.comment.as_deref().unwrap_or("")),
                Cell::Time(Some(at(a.due_at))),
                Cell::Text(if a.overdue { "sí" } else { "no" }.into()),
                Cell::text(r.assigned_to.as_deref().unwrap_or("")),
                Cell::Time(r.attended_at.map(at)),
                Cell::text(r.attended_by.as_deref().unwrap_or("")),
                Cell::long(r.note.as_deref().unwrap_or("")),
            ]
        })
        .collect();
    Table {
        sheet: "Alertas",
        header: &EXPORT_HEADER,
        rows,
    }
}

fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, ErrorCode::NotFound, "no such alert")
}

/// The alert `id` if the viewer may see its unit (404 otherwise: an alert
/// outside one's scope is not said to exist).
async fn visible(
    state: &AppState,
    viewer: &Viewer,
    id: &str,
    catalogue: &[Unit],
) -> Result<AlertRecord, ApiError> {
    let id = Uuid::parse_str(id).map_err(|_| not_found())?;
    let alert = state.store.alerts().get(id).await?.ok_or_else(not_found)?;
    if !may_see_unit(viewer, &alert.unit_clues, catalogue) {
        return Err(not_found());
    }
    Ok(alert)
}

/// The enabled accounts whose scope covers a unit, by name.
async fn assignable(
    state: &AppState,
    unit: &str,
    catalogue: &[Unit],
) -> Result<Vec<String>, ApiError> {
    let mut names: Vec<String> = state
        .store
        .dash()
        .list_accounts()
        .await?
        .into_iter()
        .filter(|a| !a.disabled)
        .filter(|a| Role::parse(&a.role).is_some_and(|r| covers(r, &a.scope, unit, catalogue)))
        .map(|a| a.name)
        .collect();
    names.sort();
    Ok(names)
}

/// One change in an alert's history, with its time in the unit's local time.
#[derive(Debug, Serialize)]
pub struct HistoryItem {
    #[serde(flatten)]
    pub event: AlertEvent,
    pub at_local: String,
}

#[derive(Debug, Serialize)]
pub struct AlertDetail {
    #[serde(flatten)]
    pub alert: AlertItem,
    /// Every change, oldest first.
    pub history: Vec<HistoryItem>,
    /// Accounts it may be assigned to.
    pub assignable: Vec<String>,
}

async fn detail(
    state: &AppState,
    alert: AlertRecord,
    catalogue: &[Unit],
) -> Result<AlertDetail, ApiError> {
    let labels = Labels::load(&*state.store).await?;
    let due = Due {
        settings: &state.config.alert_due,
        labels: &labels,
    };
    let clocks = UnitClocks::load(&*state.store).await?;
    let offset = clocks.offset(&alert.unit_clues);
    let history = state
        .store
        .alerts()
        .history(alert.id)
        .await?
        .into_iter()
        .map(|event| HistoryItem {
            at_local: local_time::display(event.at, offset),
            event,
        })
        .collect();
    let assignable = assignable(state, &alert.unit_clues, catalogue).await?;
    Ok(AlertDetail {
        alert: due.item(alert, Utc::now(), &clocks),
        history,
        assignable,
    })
}

/// `GET /api/v1/dashboard/alerts/{id}`.
pub async fn get(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Json<AlertDetail>, ApiError> {
    let catalogue = state.store.dash().units().await?;
    let alert = visible(&state, &viewer, &id, &catalogue).await?;
    Ok(Json(detail(&state, alert, &catalogue).await?))
}

fn bad_body(e: JsonRejection) -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        ErrorCode::BadRequest,
        e.body_text(),
    )
}

fn unprocessable(msg: &str) -> ApiError {
    ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::BadRequest,
        msg.to_owned(),
    )
}

#[derive(Deserialize)]
pub struct Assign {
    /// An account name, or `null` to assign to nobody.
    pub account: Option<String>,
}

/// `POST /api/v1/dashboard/alerts/{id}/assign` with `{"account": NAME|null}`
/// and the CSRF header: only to an enabled account whose scope covers the
/// alert's unit.
pub async fn assign(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Result<Json<Assign>, JsonRejection>,
) -> Result<Json<AlertDetail>, ApiError> {
    check_csrf(&viewer, &headers, None)?;
    let Json(body) = body.map_err(bad_body)?;
    let catalogue = state.store.dash().units().await?;
    let alert = visible(&state, &viewer, &id, &catalogue).await?;
    let to = body
        .account
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    if let Some(name) = to {
        if !assignable(&state, &alert.unit_clues, &catalogue)
            .await?
            .iter()
            .any(|n| n == name)
        {
            return Err(unprocessable(
                "no enabled account of that name sees this alert's unit",
            ));
        }
    }
    let changed = state
        .store
        .alerts()
        .assign(alert.id, to, &viewer.name, Utc::now())
        .await?;
    if changed {
        tracing::info!(alert = %alert.id, to = ?to, by = %viewer.name, "alert assigned");
        state.dash.live.notify(&alert.unit_clues, 0);
    }
    let alert = state
        .store
        .alerts()
        .get(alert.id)
        .await?
        .ok_or_else(not_found)?;
    Ok(Json(detail(&state, alert, &catalogue).await?))
}

fn note(n: &str) -> Result<&str, ApiError> {
    let n = n.trim();
    if n.is_empty() || n.chars().count() > 1000 {
        return Err(unprocessable("the note must be 1 to 1000 characters"));
    }
    Ok(n)
}

#[derive(Deserialize)]
pub struct Attend {
    pub note: String,
}

/// `POST /api/v1/dashboard/alerts/{id}/attend` with `{"note": "..."}` and the
/// CSRF header; 409 if it was already attended.
pub async fn attend(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Result<Json<Attend>, JsonRejection>,
) -> Result<Json<AlertRecord>, ApiError> {
    check_csrf(&viewer, &headers, None)?;
    let Json(body) = body.map_err(bad_body)?;
    let note = note(&body.note)?;
    let catalogue = state.store.dash().units().await?;
    let alert = visible(&state, &viewer, &id, &catalogue).await?;
    let done = state
        .store
        .alerts()
        .attend(&[alert.id], &viewer.name, note, Utc::now())
        .await?;
    if done.is_empty() {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            ErrorCode::Error,
            "this alert was already marked attended",
        ));
    }
    tracing::info!(alert = %alert.id, unit = %alert.unit_clues, by = %viewer.name, "alert attended");
    state.dash.live.notify(&alert.unit_clues, 1);
    let updated = state
        .store
        .alerts()
        .get(alert.id)
        .await?
        .ok_or_else(not_found)?;
    Ok(Json(updated))
}

#[derive(Deserialize)]
pub struct AttendMany {
    pub ids: Vec<String>,
    pub note: String,
}

#[derive(Debug, Serialize)]
pub struct AttendedMany {
    /// Marked attended by this request.
    pub attended: Vec<Uuid>,
    /// Already attended before it.
    pub already: Vec<Uuid>,
}

/// `POST /api/v1/dashboard/alerts/attend` with `{"ids": [...], "note": "..."}`
/// and the CSRF header: one note for up to [`BULK_MAX`] alerts, in one
/// transaction. Any id that does not exist or lies outside the viewer's
/// scope makes the whole request 404, with nothing changed.
pub async fn attend_many(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    body: Result<Json<AttendMany>, JsonRejection>,
) -> Result<Json<AttendedMany>, ApiError> {
    check_csrf(&viewer, &headers, None)?;
    let Json(body) = body.map_err(bad_body)?;
    let note = note(&body.note)?;
    if body.ids.is_empty() || body.ids.len() > BULK_MAX {
        return Err(unprocessable("name 1 to 500 alerts"));
    }
    let mut seen = HashSet::new();
    let mut ids = Vec::new();
    for s in &body.ids {
        let id = Uuid::parse_str(s).map_err(|_| not_found())?;
        if seen.insert(id) {
            ids.push(id);
        }
    }
    let catalogue = state.store.dash().units().await?;
    let found = state.store.alerts().get_many(&ids).await?;
    if found.len() != ids.len()
        || found
            .iter()
            .any(|a| !may_see_unit(&viewer, &a.unit_clues, &catalogue))
    {
        return Err(not_found());
    }
    let attended = state
        .store
        .alerts()
        .attend(&ids, &viewer.name, note, Utc::now())
        .await?;
    let done: HashSet<&Uuid> = attended.iter().collect();
    let already = ids
        .iter()
        .filter(|id| !done.contains(id))
        .copied()
        .collect();
    let units: BTreeSet<&str> = found
        .iter()
        .filter(|a| done.contains(&a.id))
        .map(|a| a.unit_clues.as_str())
        .collect();
    for u in units {
        state.dash.live.notify(u, 1);
    }
    tracing::info!(count = attended.len(), by = %viewer.name, "alerts attended together");
    Ok(Json(AttendedMany { attended, already }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn record(reason: &str, comment: &str, note: &str) -> AlertRecord {
        AlertRecord {
            id: Uuid::nil(),
            unit_clues: "DFIMS000020".into(),
            service_area: "+urgencias".into(),
            finished_at: Utc::now() - Duration::hours(30),
            day: NaiveDate::from_ymd_opt(2026, 3, 2).unwrap(),
            reason: reason.into(),
            answers: "trato=1".into(),
            comment: Some(comment.into()),
            attended_at: None,
            attended_by: Some("-ana".into()),
            note: Some(note.into()),
            assigned_to: Some("=jefa".into()),
        }
    }

    fn labels() -> Labels {
        Labels::new(vec![trato_domain::SurveyDefinition::from_json(
            trato_domain::DEFAULT_SURVEY_JSON,
        )
        .unwrap()])
    }

    #[test]
    fn the_shortest_due_time_of_a_responses_reasons_wins() {
        let labels = labels();
        let settings = AlertDue::default();
        let due = Due {
            settings: &settings,
            labels: &labels,
        };
        let now = Utc::now();
        let urgent = labels
            .reason_keys()
            .into_iter()
            .find(|(_, _, u)| *u)
            .expect("the default survey marks a reason urgent")
            .0;
        let other = labels
            .reason_keys()
            .into_iter()
            .find(|(_, _, u)| !*u)
            .unwrap()
            .0;
        // 30 h old: past 24 h, not past 72 h.
        let clocks = UnitClocks::default();
        assert!(due.item(record(&urgent, "", ""), now, &clocks).overdue);
        assert!(!due.item(record(&other, "", ""), now, &clocks).overdue);
        let both = format!("{other},{urgent}");
        let item = due.item(record(&both, "", ""), now, &clocks);
        assert!(item.overdue);
        assert_eq!(
            item.due_at,
            item.view.record.finished_at + Duration::hours(24)
        );
    }

    #[test]
    fn exports_neutralise_formulas_in_every_text_field() {
        let labels = labels();
        let settings = AlertDue::default();
        let due = Due {
            settings: &settings,
            labels: &labels,
        };
        let items = [due.item(
            record("x", "=HYPERLINK(\"http://x\")", "@SUM(A1)"),
            Utc::now(),
            &UnitClocks::default(),
        )];
        let units = [Unit {
            clues: "DFIMS000020".into(),
            name: "=cmd|' /C calc'!A0".into(),
            parent_kind: "ooad".into(),
            parent: "OOAD DF".into(),
            state: "DF".into(),
        }];
        let out = String::from_utf8(table(&items, &units).csv().unwrap()).unwrap();
        let mut r = ::csv::Reader::from_reader(out.trim_start_matches('\u{feff}').as_bytes());
        let row = r.records().next().unwrap().unwrap();
        assert_eq!(&row[4], "'=cmd|' /C calc'!A0");
        assert_eq!(&row[5], "'+urgencias");
        assert_eq!(&row[9], "'=HYPERLINK(\"http://x\")");
        assert_eq!(&row[12], "'=jefa");
        assert_eq!(&row[14], "'-ana");
        assert_eq!(&row[15], "'@SUM(A1)");
        assert!(table(&items, &units).xlsx().unwrap().starts_with(b"PK"));
    }
}
