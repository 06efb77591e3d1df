//! The dashboard (tablero): the page Trato Digno committees look at, its JSON
//! API, live updates, alerts and the bimonthly report. Described in
//! `docs/dashboard.md`.
//!
//! Every request is authorized on the server: an account sees the whole
//! institute (national), the units of its OOAD or UMAE, or its own unit, and
//! whatever scope or id a request names is checked against that.

pub mod alerts;
pub mod api;
pub mod auth;
pub mod catalogue;
pub mod comments;
pub mod export;
pub mod format;
pub mod indicators;
pub mod kiosks;
pub mod labels;
pub mod live;
pub mod ranking;
pub mod report;
pub mod rollup;
pub mod summary;
pub mod web;

pub use summary::{summary, DayFigures, Figures, IndicatorPct, Percentages, Summary, UnitFigures};

use std::sync::Arc;

use axum::http::StatusCode;
use chrono::{FixedOffset, NaiveDate, Utc};

use crate::error::{ApiError, ErrorCode};
use crate::ratelimit::RateLimiter;
use crate::store::dash::Unit;
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
    covers(viewer.role, &viewer.scope, clues, catalogue)
}

/// Whether an account of this role and scope sees this unit.
pub fn covers(role: Role, scope: &str, clues: &str, catalogue: &[Unit]) -> bool {
    match role {
        Role::National => true,
        Role::Ooad | Role::Umae => catalogue
            .iter()
            .any(|u| u.clues == clues && u.parent == scope),
        Role::Unit => scope == clues,
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

/// Shared handle type for handlers.
pub type Shared = Arc<DashState>;
