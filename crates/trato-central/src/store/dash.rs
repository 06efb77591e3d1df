//! Storage for the dashboard (tablero): the unit catalogue, staff accounts,
//! the daily figures and the alerts. Both backends implement [`DashStore`];
//! the figures and alerts are written in the ingest transaction by
//! [`Rollup`], so the page never scans the responses table.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use trato_domain::{QuestionKind, Response, ResponseStatus, Sentiment, SurveyDefinition};
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
    pub email: Option<String>,
}

/// One change to an account (`user disable|enable|passwd|set-email`).
#[derive(Debug, Clone)]
pub enum AccountChange {
    /// Disabled since this time, or enabled again (`None`).
    Disabled(Option<DateTime<Utc>>),
    PasswordHash(String),
    Email(Option<String>),
}

impl AccountChange {
    /// `SET` clause's column for this change.
    pub(crate) fn column(&self) -> &'static str {
        match self {
            Self::Disabled(_) => "disabled_at",
            Self::PasswordHash(_) => "password_hash",
            Self::Email(_) => "email",
        }
    }
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

/// One indicator's counts: how many answered, and how many of those answers
/// were positive, neutral and negative (an answer with no opinion counts in
/// `answered` only).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    pub answered: i64,
    pub positive: i64,
    pub neutral: i64,
    pub negative: i64,
}

impl Tally {
    pub const COLUMNS: &'static str = "answered, positive, neutral, negative";

    pub fn count(&mut self, sentiment: Option<Sentiment>) {
        self.answered += 1;
        match sentiment {
            Some(Sentiment::Positive) => self.positive += 1,
            Some(Sentiment::Neutral) => self.neutral += 1,
            Some(Sentiment::Negative) => self.negative += 1,
            None => {}
        }
    }

    pub fn add(&mut self, o: &Tally) {
        self.answered += o.answered;
        self.positive += o.positive;
        self.neutral += o.neutral;
        self.negative += o.negative;
    }

    pub fn to_array(self) -> [i64; 4] {
        [self.answered, self.positive, self.neutral, self.negative]
    }
}

/// (day, unit, service area, survey id, survey version, indicator key).
pub type IndicatorRow = (NaiveDate, String, String, String, u32, String);
/// (day, unit, survey id, survey version, indicator key): summed over areas.
pub type IndicatorUnitRow = (NaiveDate, String, String, u32, String);
/// (day, unit, service area, survey id, survey version, question, code).
pub type OptionRow = (NaiveDate, String, String, String, u32, String, String);

/// The survey versions stored at the centre, parsed: what every figure and
/// alert is derived from.
pub type SurveyDefs = HashMap<(String, u32), Arc<SurveyDefinition>>;

/// Parses stored `(survey_id, version, definition)` rows; one that does not
/// parse is reported and left out (its responses then count nowhere).
pub(crate) fn parse_definitions(rows: Vec<(String, i64, String)>) -> SurveyDefs {
    let mut defs = SurveyDefs::new();
    for (id, version, json) in rows {
        match SurveyDefinition::from_json(&json) {
            Ok(d) => {
                defs.insert((id, u32::try_from(version).unwrap_or(0)), Arc::new(d));
            }
            Err(e) => tracing::error!("stored survey {id} v{version} does not load: {e}"),
        }
    }
    defs
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

/// Sums for a [`FigureQuery`], per day and per unit, added up by the
/// database: the page needs only these (about 60 + 1,100 rows for the whole
/// institute over 2 months), never the (day, unit) rows themselves.
#[derive(Debug, Clone, Default)]
pub struct FigureSums {
    /// Days with figures, in order.
    pub days: Vec<(NaiveDate, Counts)>,
    /// Units with figures, in CLUES order.
    pub units: Vec<(String, Counts)>,
}

impl FigureSums {
    /// Every response is in exactly one day, so the days add up to the total.
    pub fn totals(&self) -> Counts {
        let mut t = Counts::default();
        for (_, c) in &self.days {
            t.add(c);
        }
        t
    }
}

impl FigureQuery {
    /// The rollup that answers this query: without an area filter, the one
    /// already summed over service areas (a quarter of the rows to read).
    pub fn table(&self) -> &'static str {
        if self.area.is_some() {
            "daily_figures"
        } else {
            "daily_unit_figures"
        }
    }
}

/// One indicator's counts over a period, from one survey version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndicatorSum {
    pub survey_id: String,
    pub survey_version: u32,
    pub indicator: String,
    pub tally: Tally,
}

impl FigureQuery {
    /// The indicator rollup that answers this query (as [`Self::table`]).
    pub fn indicator_table(&self) -> &'static str {
        if self.area.is_some() {
            "indicator_figures"
        } else {
            "indicator_unit_figures"
        }
    }
}

/// The SELECT list summing a [`Tally`].
pub(crate) const TALLY_SUMS: &str = "SUM(answered), SUM(positive), SUM(neutral), SUM(negative)";

/// What `rollup rebuild` did for one chunk (one unit, a run of days).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RebuiltChunk {
    /// Responses counted (flagged ones excluded).
    pub responses: i64,
    /// `daily_figures` rows written.
    pub rows: u64,
    /// Alerts that were missing and were added.
    pub alerts_added: u64,
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
    /// Applies one change to the account named `name`; false if there is none.
    async fn update_account(&self, name: &str, change: AccountChange) -> Result<bool, StoreError>;

    async fn figures(&self, q: &FigureQuery) -> Result<FigureSums, StoreError>;
    /// Every stored survey version as `(survey_id, version, definition JSON)`.
    async fn survey_definitions(&self) -> Result<Vec<(String, i64, String)>, StoreError>;
    /// Each indicator's counts over a query, per survey version.
    async fn indicator_sums(&self, q: &FigureQuery) -> Result<Vec<IndicatorSum>, StoreError>;
    /// Sums per service area for a query (area filter ignored).
    async fn figures_by_area(&self, q: &FigureQuery) -> Result<Vec<(String, Counts)>, StoreError>;
    /// Service areas seen for these units (`None`: all).
    async fn service_areas(&self, units: Option<&[String]>) -> Result<Vec<String>, StoreError>;

    /// Units that have responses or figures, for `rollup rebuild`.
    async fn rollup_units(&self) -> Result<Vec<String>, StoreError>;
    /// The kiosk-local days a unit's responses or figures may fall on
    /// (a day of margin around its responses), `None` if it has neither.
    async fn rollup_span(&self, unit: &str) -> Result<Option<(NaiveDate, NaiveDate)>, StoreError>;
    /// Recomputes a unit's figures for days `from..=to` from the stored
    /// responses and answers, replacing what the rollups held, and adds the
    /// alerts that are missing; one transaction.
    async fn rebuild_rollup(
        &self,
        unit: &str,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<RebuiltChunk, StoreError>;

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
    /// Per indicator of each response's own survey version.
    pub indicators: BTreeMap<IndicatorRow, Tally>,
    /// Per option of the choice questions.
    pub options: BTreeMap<OptionRow, i64>,
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
        self.figures.is_empty() && self.alerts.is_empty() && self.indicators.is_empty()
    }

    /// The indicators summed over service areas, for `indicator_unit_figures`.
    pub fn unit_indicators(&self) -> BTreeMap<IndicatorUnitRow, Tally> {
        let mut out: BTreeMap<IndicatorUnitRow, Tally> = BTreeMap::new();
        for ((d, u, _, s, v, k), t) in &self.indicators {
            out.entry((*d, u.clone(), s.clone(), *v, k.clone()))
                .or_default()
                .add(t);
        }
        out
    }

    /// Counts a response's indicators and choice options, as its own survey
    /// version declares them.
    fn add_meaning(&mut self, r: &Response, day: NaiveDate, def: &SurveyDefinition) {
        let head = || {
            (
                day,
                r.unit_clues.clone(),
                r.service_area.clone(),
                r.survey_id.clone(),
                r.survey_version,
            )
        };
        for score in def.scores(&r.answers) {
            let (d, u, a, s, v) = head();
            self.indicators
                .entry((d, u, a, s, v, score.indicator.to_owned()))
                .or_default()
                .count(score.sentiment);
        }
        for answer in &r.answers {
            let choice = def.question(&answer.question).is_some_and(|q| {
                matches!(
                    q.kind,
                    QuestionKind::SingleChoice | QuestionKind::MultipleChoice
                )
            });
            for code in answer.codes.iter().filter(|_| choice) {
                let (d, u, a, s, v) = head();
                *self
                    .options
                    .entry((d, u, a, s, v, answer.question.clone(), code.clone()))
                    .or_default() += 1;
            }
        }
    }

    /// The figures summed over service areas, for `daily_unit_figures`
    /// (sorted like `figures`, so rows are locked in the same order).
    pub fn unit_figures(&self) -> BTreeMap<(NaiveDate, String), Counts> {
        let mut out: BTreeMap<(NaiveDate, String), Counts> = BTreeMap::new();
        for ((d, u, _), c) in &self.figures {
            out.entry((*d, u.clone())).or_default().add(c);
        }
        out
    }

    /// Adds a newly stored response, answered in `def` (its own survey
    /// version). Flagged responses (suspected repeated presses) count nowhere.
    pub fn add(&mut self, r: &Response, def: &SurveyDefinition) {
        if r.status == ResponseStatus::Flagged {
            return;
        }
        let day = local_day(r);
        self.add_meaning(r, day, def);
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
        if let Some(x) = first_code(r, "respeto") {
            c.respeto_n = 1;
            c.respeto_no = i64::from(x == "no");
        }
        if let Some(reason) = def.alert_reasons(&r.answers) {
            c.alerts = 1;
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
                reason,
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

/// ` ON CONFLICT (keys) DO UPDATE` that adds the new counts to the stored
/// ones: how ingest folds a batch into a rollup row.
pub(crate) fn add_on_conflict(table: &str, keys: &str) -> String {
    let set = Counts::COLUMNS
        .split(", ")
        .map(|c| format!("{c} = {table}.{c} + excluded.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    format!(" ON CONFLICT ({keys}) DO UPDATE SET {set}")
}

/// The questions the figures are made of. Each takes one option, so the
/// rebuild's `MAX(code)` is the code [`Rollup::add`] reads.
const FIGURE_QUESTIONS: &str = "'trato', 'saludo', 'escucha', 'respuesta', 'respeto'";

/// Real UTC offsets lie within -12 h..+14 h, so a response's kiosk-local day
/// is less than a day away from its UTC `finished_at`: the rebuild reads
/// responses finished from a day before a chunk to a day after it.
pub(crate) const OFFSET_MARGIN_DAYS: i64 = 1;

/// The rebuild's INSERT into `daily_figures`: one unit's responses finished
/// in `[$2, $3)` whose kiosk-local day is within `$4..=$5`, counted exactly as
/// [`Rollup::add`] counts them (flagged ones nowhere). `$1` is the unit.
pub(crate) fn rebuild_figures_sql(pg: bool) -> String {
    let (day, p): (&str, fn(usize) -> String) = if pg {
        (
            "((r.finished_at AT TIME ZONE 'UTC') + make_interval(mins => r.utc_offset_minutes))::date",
            |i| format!("${i}"),
        )
    } else {
        (
            "date(r.finished_at, r.utc_offset_minutes || ' minutes')",
            |i| format!("?{i}"),
        )
    };
    let yes = |col: &str, code: &str| format!("SUM(CASE WHEN {col} = '{code}' THEN 1 ELSE 0 END)");
    format!(
        "INSERT INTO daily_figures (day, unit_clues, service_area, {cols})
         SELECT day, {p1}, service_area, COUNT(*),
                COUNT(t), SUM(CASE WHEN t IN ('4', '5') THEN 1 ELSE 0 END),
                SUM(CASE WHEN t IN ('1', '2') THEN 1 ELSE 0 END),
                COUNT(s), {s_si}, COUNT(e), {e_si}, COUNT(q), {q_si}, COUNT(x), {x_no},
                SUM(CASE WHEN t IN ('1', '2') OR x = 'no' THEN 1 ELSE 0 END)
         FROM (SELECT {day} AS day, r.service_area,
                      MAX(CASE WHEN a.question = 'trato' THEN a.code END) AS t,
                      MAX(CASE WHEN a.question = 'saludo' THEN a.code END) AS s,
                      MAX(CASE WHEN a.question = 'escucha' THEN a.code END) AS e,
                      MAX(CASE WHEN a.question = 'respuesta' THEN a.code END) AS q,
                      MAX(CASE WHEN a.question = 'respeto' THEN a.code END) AS x
               FROM responses r
               LEFT JOIN answers a ON a.response_id = r.id
                    AND a.question IN ({FIGURE_QUESTIONS})
               WHERE r.unit_clues = {p1} AND r.finished_at >= {p2} AND r.finished_at < {p3}
                 AND r.status <> 'flagged'
               GROUP BY r.id, r.finished_at, r.utc_offset_minutes, r.service_area) per_response
         WHERE day BETWEEN {p4} AND {p5}
         GROUP BY day, service_area",
        cols = Counts::COLUMNS,
        p1 = p(1),
        p2 = p(2),
        p3 = p(3),
        p4 = p(4),
        p5 = p(5),
        s_si = yes("s", "si"),
        e_si = yes("e", "si"),
        q_si = yes("q", "si"),
        x_no = yes("x", "no"),
    )
}

/// The rebuild's SELECT of one unit's responses finished in `[$2, $3)`
/// (flagged ones excluded): their JSON goes through [`Rollup::add`] with their
/// own survey version, so the indicators and alerts are the ones ingest makes.
pub(crate) fn rebuild_responses_sql(pg: bool) -> String {
    let p = |i: usize| if pg { format!("${i}") } else { format!("?{i}") };
    format!(
        "SELECT r.canonical_json FROM responses r
         WHERE r.unit_clues = {} AND r.finished_at >= {} AND r.finished_at < {}
           AND r.status <> 'flagged'",
        p(1),
        p(2),
        p(3)
    )
}

/// The stored survey versions, as `(survey_id, version, definition)` rows.
pub(crate) const SURVEY_DEFINITIONS_SQL: &str =
    "SELECT survey_id, CAST(version AS BIGINT), definition FROM surveys";

/// What the responses whose local day is within `from..=to` add up to, from
/// their canonical JSON, each counted as its own survey version says. A
/// response whose version is not stored counts nowhere (ingest refuses them).
pub(crate) fn rollup_from_json(
    jsons: impl IntoIterator<Item = String>,
    from: NaiveDate,
    to: NaiveDate,
    defs: &SurveyDefs,
) -> Result<Rollup, StoreError> {
    let mut rollup = Rollup::default();
    for j in jsons {
        let r: Response = serde_json::from_str(&j)
            .map_err(|e| StoreError::Corrupt(format!("stored response JSON: {e}")))?;
        let d = local_day(&r);
        let def = defs.get(&(r.survey_id.clone(), r.survey_version));
        if let Some(def) = def.filter(|_| from <= d && d <= to) {
            rollup.add(&r, def);
        }
    }
    Ok(rollup)
}

/// The units with responses or figures, by a loose index scan (one index
/// probe per unit, not a pass over millions of rows); same SQL on both
/// backends.
pub(crate) const ROLLUP_UNITS_SQL: &str = "WITH RECURSIVE
      r(c) AS (SELECT MIN(unit_clues) FROM responses
               UNION ALL
               SELECT (SELECT MIN(unit_clues) FROM responses WHERE unit_clues > r.c)
               FROM r WHERE r.c IS NOT NULL),
      f(c) AS (SELECT MIN(unit_clues) FROM daily_figures
               UNION ALL
               SELECT (SELECT MIN(unit_clues) FROM daily_figures WHERE unit_clues > f.c)
               FROM f WHERE f.c IS NOT NULL),
      g(c) AS (SELECT MIN(unit_clues) FROM daily_unit_figures
               UNION ALL
               SELECT (SELECT MIN(unit_clues) FROM daily_unit_figures WHERE unit_clues > g.c)
               FROM g WHERE g.c IS NOT NULL)
    SELECT c FROM r WHERE c IS NOT NULL
    UNION
    SELECT c FROM f WHERE c IS NOT NULL
    UNION
    SELECT c FROM g WHERE c IS NOT NULL
    ORDER BY 1";
