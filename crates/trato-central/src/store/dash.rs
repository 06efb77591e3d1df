//! Storage for the dashboard (tablero): the unit catalogue, staff accounts,
//! the daily figures and the alerts. Both backends implement [`DashStore`];
//! the figures and alerts are written in the ingest transaction by
//! [`Rollup`], so the page never scans the responses table.

use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use trato_domain::{Response, ResponseStatus};
use uuid::Uuid;

use crate::error::StoreError;

/// A unit of the catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unit {
    pub clues: String,
    pub name: String,
    /// "ooad" or "umae".
    pub parent_kind: String,
    /// The OOAD or UMAE name, e.g. "OOAD Nuevo León".
    pub parent: String,
    pub state: String,
}

#[derive(Debug, Clone)]
pub struct NewAccount {
    pub id: String,
    pub name: String,
    pub role: String,
    pub scope: String,
    pub password_hash: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct AccountRecord {
    pub id: String,
    pub name: String,
    pub role: String,
    pub scope: String,
    pub password_hash: String,
    pub disabled: bool,
}

/// Counters summed over responses; percentages are computed from them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub responses: i64,
    pub trato_n: i64,
    pub trato_pos: i64,
    pub trato_neg: i64,
    pub saludo_n: i64,
    pub saludo_si: i64,
    pub escucha_n: i64,
    pub escucha_si: i64,
    pub respuesta_n: i64,
    pub respuesta_si: i64,
    pub respeto_n: i64,
    pub respeto_no: i64,
    pub alerts: i64,
}

impl Counts {
    pub const COLUMNS: &'static str = "responses, trato_n, trato_pos, trato_neg, saludo_n, \
        saludo_si, escucha_n, escucha_si, respuesta_n, respuesta_si, respeto_n, respeto_no, alerts";
    pub const SUMS: &'static str = "SUM(responses), SUM(trato_n), SUM(trato_pos), \
        SUM(trato_neg), SUM(saludo_n), SUM(saludo_si), SUM(escucha_n), SUM(escucha_si), \
        SUM(respuesta_n), SUM(respuesta_si), SUM(respeto_n), SUM(respeto_no), SUM(alerts)";

    pub fn to_array(self) -> [i64; 13] {
        [
            self.responses,
            self.trato_n,
            self.trato_pos,
            self.trato_neg,
            self.saludo_n,
            self.saludo_si,
            self.escucha_n,
            self.escucha_si,
            self.respuesta_n,
            self.respuesta_si,
            self.respeto_n,
            self.respeto_no,
            self.alerts,
        ]
    }

    pub fn from_array(a: [i64; 13]) -> Self {
        Self {
            responses: a[0],
            trato_n: a[1],
            trato_pos: a[2],
            trato_neg: a[3],
            saludo_n: a[4],
            saludo_si: a[5],
            escucha_n: a[6],
            escucha_si: a[7],
            respuesta_n: a[8],
            respuesta_si: a[9],
            respeto_n: a[10],
            respeto_no: a[11],
            alerts: a[12],
        }
    }

    pub fn add(&mut self, o: &Counts) {
        let mut a = self.to_array();
        for (x, y) in a.iter_mut().zip(o.to_array()) {
            *x += y;
        }
        *self = Self::from_array(a);
    }
}

/// Which figures to sum: a day range (inclusive, kiosk-local days), the units
/// (`None`: every unit) and optionally one service area.
#[derive(Debug, Clone)]
pub struct FigureQuery {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub units: Option<Vec<String>>,
    pub area: Option<String>,
}

/// Sums per (day, unit) for a [`FigureQuery`].
#[derive(Debug, Clone, Default)]
pub struct FigureRows {
    pub rows: Vec<(NaiveDate, String, Counts)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertStatus {
    Open,
    Attended,
    All,
}

#[derive(Debug, Clone)]
pub struct AlertQuery {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub units: Option<Vec<String>>,
    pub area: Option<String>,
    pub status: AlertStatus,
    pub limit: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct AlertRecord {
    pub id: Uuid,
    pub unit_clues: String,
    pub service_area: String,
    pub finished_at: DateTime<Utc>,
    pub day: NaiveDate,
    /// "trato", "respeto" or "trato,respeto".
    pub reason: String,
    /// `question=code` pairs, `;`-separated (several codes joined by `+`).
    pub answers: String,
    pub comment: Option<String>,
    pub attended_at: Option<DateTime<Utc>>,
    pub attended_by: Option<String>,
    pub note: Option<String>,
}

#[async_trait]
pub trait DashStore: Send + Sync {
    /// Inserts or replaces these units (by CLUES) in one transaction.
    async fn load_units(&self, units: Vec<Unit>, at: DateTime<Utc>) -> Result<usize, StoreError>;
    async fn units(&self) -> Result<Vec<Unit>, StoreError>;

    /// False when the name is taken.
    async fn add_account(&self, a: NewAccount) -> Result<bool, StoreError>;
    async fn account_by_name(&self, name: &str) -> Result<Option<AccountRecord>, StoreError>;
    async fn list_accounts(&self) -> Result<Vec<AccountRecord>, StoreError>;

    async fn figures(&self, q: &FigureQuery) -> Result<FigureRows, StoreError>;
    /// Sums per service area for a query (area filter ignored).
    async fn figures_by_area(&self, q: &FigureQuery) -> Result<Vec<(String, Counts)>, StoreError>;
    /// Service areas seen for these units (`None`: all).
    async fn service_areas(&self, units: Option<&[String]>) -> Result<Vec<String>, StoreError>;

    async fn alerts(&self, q: &AlertQuery) -> Result<Vec<AlertRecord>, StoreError>;
    async fn alert(&self, id: Uuid) -> Result<Option<AlertRecord>, StoreError>;
    /// Marks an open alert attended; false if it was already attended.
    async fn attend_alert(
        &self,
        id: Uuid,
        by: &str,
        note: &str,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
}

/// One alert row to insert at ingest.
#[derive(Debug, Clone)]
pub struct NewAlert {
    pub id: Uuid,
    pub unit_clues: String,
    pub service_area: String,
    pub finished_at: DateTime<Utc>,
    pub day: NaiveDate,
    pub reason: String,
    pub answers: String,
    pub comment: Option<String>,
}

/// What a batch adds to the dashboard tables: computed in Rust from the newly
/// stored responses, written by the backend inside the ingest transaction.
#[derive(Debug, Default)]
pub struct Rollup {
    /// Sorted, so concurrent transactions lock rows in the same order.
    pub figures: BTreeMap<(NaiveDate, String, String), Counts>,
    pub alerts: Vec<NewAlert>,
}

/// The kiosk-local calendar day a response finished on.
pub fn local_day(r: &Response) -> NaiveDate {
    (r.finished_at + chrono::Duration::minutes(i64::from(r.utc_offset_minutes))).date_naive()
}

fn first_code<'a>(r: &'a Response, q: &str) -> Option<&'a str> {
    r.answers
        .iter()
        .find(|a| a.question == q)
        .and_then(|a| a.codes.first())
        .map(String::as_str)
}

impl Rollup {
    pub fn is_empty(&self) -> bool {
        self.figures.is_empty() && self.alerts.is_empty()
    }

    /// Adds a newly stored response. Flagged responses (suspected repeated
    /// presses) count nowhere.
    pub fn add(&mut self, r: &Response) {
        if r.status == ResponseStatus::Flagged {
            return;
        }
        let day = local_day(r);
        let trato = first_code(r, "trato");
        let yes = |q: &str| first_code(r, q).map(|c| c == "si");
        let mut c = Counts {
            responses: 1,
            ..Counts::default()
        };
        if let Some(t) = trato {
            c.trato_n = 1;
            c.trato_pos = i64::from(t == "4" || t == "5");
            c.trato_neg = i64::from(t == "1" || t == "2");
        }
        for (q, n, si) in [
            ("saludo", &mut c.saludo_n, &mut c.saludo_si),
            ("escucha", &mut c.escucha_n, &mut c.escucha_si),
            ("respuesta", &mut c.respuesta_n, &mut c.respuesta_si),
        ] {
            if let Some(y) = yes(q) {
                *n = 1;
                *si = i64::from(y);
            }
        }
        let respeto_no = first_code(r, "respeto") == Some("no");
        if first_code(r, "respeto").is_some() {
            c.respeto_n = 1;
            c.respeto_no = i64::from(respeto_no);
        }
        let bad = c.trato_neg == 1;
        if bad || respeto_no {
            c.alerts = 1;
            let reason = match (bad, respeto_no) {
                (true, true) => "trato,respeto",
                (true, false) => "trato",
                _ => "respeto",
            };
            let answers = r
                .answers
                .iter()
                .filter(|a| !a.codes.is_empty())
                .map(|a| format!("{}={}", a.question, a.codes.join("+")))
                .collect::<Vec<_>>()
                .join(";");
            let comment = r
                .answers
                .iter()
                .find_map(|a| a.text.clone())
                .filter(|t| !t.is_empty());
            self.alerts.push(NewAlert {
                id: r.id,
                unit_clues: r.unit_clues.clone(),
                service_area: r.service_area.clone(),
                finished_at: r.finished_at,
                day,
                reason: reason.to_owned(),
                answers,
                comment,
            });
        }
        self.figures
            .entry((day, r.unit_clues.clone(), r.service_area.clone()))
            .or_default()
            .add(&c);
    }
}

/// `?,?,?` placeholders (SQLite) or `$k,$k+1,...` (PostgreSQL).
pub(crate) fn placeholders(n: usize, first: usize, pg: bool) -> String {
    (0..n)
        .map(|i| {
            if pg {
                format!("${}", first + i)
            } else {
                format!("?{}", first + i)
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}
