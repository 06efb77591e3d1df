//! The dashboard (tablero): the page Trato Digno committees look at, its JSON
//! API, live updates, alerts and the bimonthly report. Described in
//! `docs/dashboard.md`.
//!
//! Every request is authorized on the server: an account sees the whole
//! institute (national), the units of its OOAD or UMAE, or its own unit, and
//! whatever scope or id a request names is checked against that.

pub mod api;
pub mod auth;
pub mod catalogue;
pub mod indicators;
pub mod labels;
pub mod live;
pub mod report;
pub mod rollup;
pub mod web;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use axum::http::StatusCode;
use chrono::{DateTime, Duration, FixedOffset, NaiveDate, Utc};
use serde::Serialize;

use crate::error::{ApiError, ErrorCode};
use crate::ratelimit::RateLimiter;
use crate::store::dash::{Counts, FigureQuery, Unit};
use crate::store::Store;
use trato_domain::clues::validate_clues;

pub use auth::{Role, Viewer};

/// Dashboard state shared by the handlers.
pub struct DashState {
    pub sessions: auth::Sessions,
    /// Login attempts per client address: bounds the Argon2 work one
    /// address can cause, whatever names it tries.
    pub login_per_addr: RateLimiter,
    /// Login attempts per (account name, client address): guessing one
    /// account's password from one place; staff elsewhere are unaffected.
    pub login_per_pair: RateLimiter,
    pub live: live::Live,
}

/// Most entries each login throttle table holds (a few MB at most: names
/// are at most [`web::MAX_LOGIN_NAME_CHARS`] characters).
pub const LOGIN_TABLE_MAX: usize = 20_000;

impl DashState {
    /// Entries in the login throttle tables.
    pub fn login_entries(&self) -> usize {
        self.login_per_addr.len() + self.login_per_pair.len()
    }
}

impl Default for DashState {
    fn default() -> Self {
        Self {
            sessions: auth::Sessions::default(),
            login_per_addr: RateLimiter::bounded(20, 0.5, LOGIN_TABLE_MAX),
            // 5 attempts, then one a minute, per account and address.
            login_per_pair: RateLimiter::bounded(5, 1.0 / 60.0, LOGIN_TABLE_MAX),
            live: live::Live::default(),
        }
    }
}

/// Mexico's central time (UTC-6, no daylight saving since 2022): what
/// "today" means on the centre.
pub fn today() -> NaiveDate {
    let mx = FixedOffset::west_opt(6 * 3600).unwrap_or_else(|| FixedOffset::east_opt(0).unwrap());
    Utc::now().with_timezone(&mx).date_naive()
}

/// The part of the institute a request asks about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Want {
    Institute,
    Parent(String),
    Unit(String),
}

impl Want {
    /// `institute`, `ooad:NAME` / `umae:NAME` / `parent:NAME`, `unit:CLUES`.
    pub fn parse(s: &str) -> Result<Self, ApiError> {
        let bad = || {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                ErrorCode::BadQuery,
                format!("`{s}` is not a scope: use institute, parent:NAME or unit:CLUES"),
            )
        };
        if s == "institute" {
            return Ok(Self::Institute);
        }
        let (kind, rest) = s.split_once(':').ok_or_else(bad)?;
        match kind {
            "parent" | "ooad" | "umae" if !rest.is_empty() => Ok(Self::Parent(rest.to_owned())),
            "unit" => {
                validate_clues(rest).map_err(|e| {
                    ApiError::new(StatusCode::BAD_REQUEST, ErrorCode::BadClues, e.to_string())
                })?;
                Ok(Self::Unit(rest.to_owned()))
            }
            _ => Err(bad()),
        }
    }

    pub fn as_param(&self) -> String {
        match self {
            Self::Institute => "institute".into(),
            Self::Parent(p) => format!("parent:{p}"),
            Self::Unit(c) => format!("unit:{c}"),
        }
    }
}

pub fn forbidden() -> ApiError {
    ApiError::forbidden("this account may not see that scope")
}

/// The units a scope covers: `None` for the whole institute.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub want: Want,
    pub units: Option<Vec<String>>,
    pub label: String,
}

/// Checks `want` against the viewer's own scope and lists its units.
pub fn resolve(viewer: &Viewer, want: &Want, catalogue: &[Unit]) -> Result<Resolved, ApiError> {
    match want {
        Want::Institute => {
            if viewer.role != Role::National {
                return Err(forbidden());
            }
            Ok(Resolved {
                want: want.clone(),
                units: None,
                label: "Todo el Instituto".into(),
            })
        }
        Want::Parent(p) => {
            let allowed = match viewer.role {
                Role::National => true,
                Role::Ooad | Role::Umae => &viewer.scope == p,
                Role::Unit => false,
            };
            if !allowed {
                return Err(forbidden());
            }
            let units: Vec<String> = catalogue
                .iter()
                .filter(|u| &u.parent == p)
                .map(|u| u.clues.clone())
                .collect();
            if units.is_empty() && viewer.role == Role::National {
                return Err(ApiError::new(
                    StatusCode::NOT_FOUND,
                    ErrorCode::NotFound,
                    format!("no OOAD or UMAE named `{p}` in the catalogue"),
                ));
            }
            Ok(Resolved {
                want: want.clone(),
                units: Some(units),
                label: p.clone(),
            })
        }
        Want::Unit(c) => {
            if !may_see_unit(viewer, c, catalogue) {
                return Err(forbidden());
            }
            let label = catalogue
                .iter()
                .find(|u| &u.clues == c)
                .map(|u| format!("{} ({})", u.name, u.clues))
                .unwrap_or_else(|| c.clone());
            Ok(Resolved {
                want: want.clone(),
                units: Some(vec![c.clone()]),
                label,
            })
        }
    }
}

/// Whether the viewer's scope includes this unit.
pub fn may_see_unit(viewer: &Viewer, clues: &str, catalogue: &[Unit]) -> bool {
    match viewer.role {
        Role::National => true,
        Role::Ooad | Role::Umae => catalogue
            .iter()
            .any(|u| u.clues == clues && u.parent == viewer.scope),
        Role::Unit => viewer.scope == clues,
    }
}

/// The viewer's own scope as a [`Want`].
pub fn home(viewer: &Viewer) -> Want {
    match viewer.role {
        Role::National => Want::Institute,
        Role::Ooad | Role::Umae => Want::Parent(viewer.scope.clone()),
        Role::Unit => Want::Unit(viewer.scope.clone()),
    }
}

/// A percentage rounded to one decimal, as the page shows it.
pub(crate) fn pct(num: i64, den: i64) -> Option<f64> {
    (den > 0).then(|| (num as f64 * 1000.0 / den as f64).round() / 10.0)
}

/// Counts plus the percentages the page shows.
#[derive(Debug, Clone, Serialize)]
pub struct Figures {
    #[serde(flatten)]
    pub counts: Counts,
    /// Bien + Muy bien over responses with a headline answer.
    pub pct_positive: Option<f64>,
    /// Mal + Muy mal over responses with a headline answer.
    pub pct_negative: Option<f64>,
    pub pct_saludo: Option<f64>,
    pub pct_escucha: Option<f64>,
    pub pct_respuesta: Option<f64>,
    pub pct_respeto_no: Option<f64>,
}

impl From<Counts> for Figures {
    fn from(c: Counts) -> Self {
        Self {
            pct_positive: pct(c.trato_pos, c.trato_n),
            pct_negative: pct(c.trato_neg, c.trato_n),
            pct_saludo: pct(c.saludo_si, c.saludo_n),
            pct_escucha: pct(c.escucha_si, c.escucha_n),
            pct_respuesta: pct(c.respuesta_si, c.respuesta_n),
            pct_respeto_no: pct(c.respeto_no, c.respeto_n),
            counts: c,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct DayFigures {
    pub day: NaiveDate,
    #[serde(flatten)]
    pub figures: Figures,
}

#[derive(Debug, Clone, Serialize)]
pub struct UnitFigures {
    pub clues: String,
    pub name: String,
    pub parent: String,
    #[serde(flatten)]
    pub figures: Figures,
    pub kiosks: usize,
    pub last_contact: Option<DateTime<Utc>>,
    /// No kiosk of the unit has been heard from for more than a day.
    pub silent: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub scope: String,
    pub scope_label: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub area: Option<String>,
    pub totals: Figures,
    pub days: Vec<DayFigures>,
    pub units: Vec<UnitFigures>,
    /// The indicators the survey versions answered in the scope and period
    /// declare, each with its label, counts and contributing versions.
    pub indicators: Vec<indicators::IndicatorFigures>,
    pub generated_at: DateTime<Utc>,
}

/// Computes the page's figures for a resolved scope.
pub async fn summary(
    store: &dyn Store,
    resolved: &Resolved,
    from: NaiveDate,
    to: NaiveDate,
    area: Option<String>,
    catalogue: &[Unit],
) -> Result<Summary, ApiError> {
    let q = FigureQuery {
        from,
        to,
        units: resolved.units.clone(),
        area: area.clone(),
    };
    let sums = store.dash().figures(&q).await?;
    let indicators = indicators::indicators(store, &q).await?;
    let totals = sums.totals();
    let by_day: HashMap<NaiveDate, Counts> = sums.days.into_iter().collect();
    let by_unit: HashMap<String, Counts> = sums.units.into_iter().collect();
    let mut days = Vec::new();
    let mut d = from;
    while d <= to {
        days.push(DayFigures {
            day: d,
            figures: by_day.get(&d).copied().unwrap_or_default().into(),
        });
        d += Duration::days(1);
    }

    // Last contact per unit, from the kiosks' last batch.
    let now = Utc::now();
    let mut contact: HashMap<String, (usize, Option<DateTime<Utc>>)> = HashMap::new();
    for k in store.list_kiosks().await? {
        if k.revoked_at.is_some() {
            continue;
        }
        let e = contact.entry(k.unit_clues).or_default();
        e.0 += 1;
        e.1 = e.1.max(k.last_seen_at);
    }
    let in_scope = |c: &str| {
        resolved
            .units
            .as_ref()
            .is_none_or(|u| u.iter().any(|x| x == c))
    };
    let mut names: BTreeMap<String, (String, String)> = catalogue
        .iter()
        .filter(|u| in_scope(&u.clues))
        .map(|u| (u.clues.clone(), (u.name.clone(), u.parent.clone())))
        .collect();
    for c in by_unit.keys() {
        names
            .entry(c.clone())
            .or_insert_with(|| (c.clone(), "(fuera del catálogo)".into()));
    }
    if let Some(units) = &resolved.units {
        for c in units {
            names
                .entry(c.clone())
                .or_insert_with(|| (c.clone(), "(fuera del catálogo)".into()));
        }
    }
    let mut units: Vec<UnitFigures> = names
        .into_iter()
        .map(|(clues, (name, parent))| {
            let (kiosks, last) = contact.get(&clues).copied().unwrap_or_default();
            let silent = last.is_none_or(|t| now - t > Duration::days(1));
            UnitFigures {
                figures: by_unit.get(&clues).copied().unwrap_or_default().into(),
                clues,
                name,
                parent,
                kiosks,
                last_contact: last,
                silent,
            }
        })
        .collect();
    // Worst first; units without answers last.
    units.sort_by(|a, b| {
        let ka = a.figures.pct_positive.unwrap_or(f64::INFINITY);
        let kb = b.figures.pct_positive.unwrap_or(f64::INFINITY);
        ka.total_cmp(&kb).then_with(|| a.clues.cmp(&b.clues))
    });
    Ok(Summary {
        scope: resolved.want.as_param(),
        scope_label: resolved.label.clone(),
        from,
        to,
        area,
        totals: totals.into(),
        days,
        units,
        indicators,
        generated_at: now,
    })
}

/// Shared handle type for handlers.
pub type Shared = Arc<DashState>;
