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

/// What every response counts toward, whatever its survey asks: itself, and
/// whether it raised an alert. What its answers mean is counted per indicator
/// ([`Tally`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    pub responses: i64,
    pub alerts: i64,
}

impl Totals {
    pub const COLUMNS: &'static str = "responses, alerts";
    pub const SUMS: &'static str = "SUM(responses), SUM(alerts)";

    pub fn is_zero(&self) -> bool {
        *self == Self::default()
    }

    pub fn to_array(self) -> [i64; 2] {
        [self.responses, self.alerts]
    }

    pub fn add(&mut self, o: &Totals) {
        self.responses += o.responses;
        self.alerts += o.alerts;
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

    pub fn is_zero(&self) -> bool {
        *self == Self::default()
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
    /// Whether the sums per day are wanted too (the chart), or only those
    /// per unit.
    pub by_day: bool,
}

/// Sums for a [`FigureQuery`]: the page needs only these (for the whole
/// institute over 2 months, about 60 days and 1,100 units, times the
/// indicators), never the (day, unit) rows themselves. Which rollup rows
/// answer a query is `figure_plan`'s; PostgreSQL adds them up in SQL, SQLite
/// in `figure_adder`.
#[derive(Debug, Clone, Default)]
pub struct FigureSums {
    /// Days with responses, in order (none unless asked `by_day`).
    pub days: Vec<(NaiveDate, Totals)>,
    /// Units with responses, in CLUES order (as bytes).
    pub units: Vec<(String, Totals)>,
    /// Each indicator per day, over every survey version (a key measures the
    /// same thing in every version that declares it).
    pub day_indicators: Vec<(NaiveDate, String, Tally)>,
    /// Each indicator per unit and survey version.
    pub unit_indicators: Vec<UnitIndicatorSum>,
}

/// One indicator's counts in one unit, from one survey version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitIndicatorSum {
    pub unit: String,
    pub sum: IndicatorSum,
}

impl FigureSums {
    /// Every response is in exactly one unit, so the units add up to the
    /// total.
    pub fn totals(&self) -> Totals {
        let mut t = Totals::default();
        for (_, c) in &self.units {
            t.add(c);
        }
        t
    }

    /// Puts every list in the order promised above (the database's text
    /// order may differ: CLUES and keys are compared as bytes here).
    pub(crate) fn sort(&mut self) {
        self.days.sort_by_key(|(d, _)| *d);
        self.units.sort_by(|a, b| a.0.cmp(&b.0));
        self.day_indicators
            .sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
        fn key(u: &UnitIndicatorSum) -> (&str, &str, u32, &str) {
            let s = &u.sum;
            (&u.unit, &s.survey_id, s.survey_version, &s.indicator)
        }
        self.unit_indicators.sort_by(|a, b| key(a).cmp(&key(b)));
    }

    /// Leaves out the sums that are zero: the coarser rollups may keep rows
    /// that fell to zero, and a month less its days outside a period may add
    /// up to nothing. A stored row always counts at least one response or
    /// answer, so a zero sum means none.
    pub(crate) fn without_zeros(mut self) -> Self {
        self.days.retain(|(_, t)| !t.is_zero());
        self.units.retain(|(_, t)| !t.is_zero());
        self.day_indicators.retain(|(_, _, t)| !t.is_zero());
        self.unit_indicators.retain(|u| !u.sum.tally.is_zero());
        self
    }

    /// Each indicator's counts per survey version, over every unit.
    pub fn version_sums(&self) -> Vec<IndicatorSum> {
        let mut by: BTreeMap<(&str, u32, &str), Tally> = BTreeMap::new();
        for u in &self.unit_indicators {
            by.entry((&u.sum.survey_id, u.sum.survey_version, &u.sum.indicator))
                .or_default()
                .add(&u.sum.tally);
        }
        by.into_iter()
            .map(|((s, v, k), tally)| IndicatorSum {
                survey_id: s.to_owned(),
                survey_version: v,
                indicator: k.to_owned(),
                tally,
            })
            .collect()
    }
}

/// Sums per service area for a unit's report.
#[derive(Debug, Clone, Default)]
pub struct AreaSums {
    /// Service areas with responses, in order.
    pub areas: Vec<(String, Totals)>,
    /// (service area, indicator key, counts over every survey version).
    pub indicators: Vec<(String, String, Tally)>,
}

/// Which rows a figures query returns: the backends tag each row of their
/// one statement with one of these.
pub(crate) mod row_kind {
    pub const DAY: i64 = 0;
    pub const UNIT: i64 = 1;
    pub const DAY_INDICATOR: i64 = 2;
    pub const UNIT_INDICATOR: i64 = 3;
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

    /// The sums the page is made of, all from one snapshot.
    async fn figures(&self, q: &FigureQuery) -> Result<FigureSums, StoreError>;
    /// Every stored survey version as `(survey_id, version, definition JSON)`.
    async fn survey_definitions(&self) -> Result<Vec<(String, i64, String)>, StoreError>;
    /// Sums per service area for a query (area filter ignored).
    async fn figures_by_area(&self, q: &FigureQuery) -> Result<AreaSums, StoreError>;
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
}

/// What a batch adds to the dashboard tables: computed in Rust from the newly
/// stored responses, written by the backend inside the ingest transaction.
#[derive(Debug, Default)]
pub struct Rollup {
    /// Sorted, so concurrent transactions lock rows in the same order.
    pub figures: BTreeMap<(NaiveDate, String, String), Totals>,
    /// Per indicator of each response's own survey version.
    pub indicators: BTreeMap<IndicatorRow, Tally>,
    /// Per option of the choice questions.
    pub options: BTreeMap<OptionRow, i64>,
    pub alerts: Vec<crate::store::alerts::AlertRecord>,
}

/// The kiosk-local calendar day a response finished on.
pub fn local_day(r: &Response) -> NaiveDate {
    (r.finished_at + chrono::Duration::minutes(i64::from(r.utc_offset_minutes))).date_naive()
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
    pub fn unit_figures(&self) -> BTreeMap<(NaiveDate, String), Totals> {
        let mut out: BTreeMap<(NaiveDate, String), Totals> = BTreeMap::new();
        for ((d, u, _), c) in &self.figures {
            out.entry((*d, u.clone())).or_default().add(c);
        }
        out
    }

    /// Adds a newly stored response, answered in `def` (its own survey
    /// version; `None` when that version is not stored: the response is
    /// still counted, its answers mean nothing). Flagged responses
    /// (suspected repeated presses) count nowhere.
    pub fn add(&mut self, r: &Response, def: Option<&SurveyDefinition>) {
        if r.status == ResponseStatus::Flagged {
            return;
        }
        let day = local_day(r);
        let mut totals = Totals {
            responses: 1,
            alerts: 0,
        };
        if let Some(def) = def {
            self.add_meaning(r, day, def);
            if let Some(reason) = def.alert_reasons(&r.answers) {
                totals.alerts = 1;
                self.alerts
                    .push(crate::store::alerts::AlertRecord::raised(r, day, reason));
            }
        }
        self.figures
            .entry((day, r.unit_clues.clone(), r.service_area.clone()))
            .or_default()
            .add(&totals);
    }

    /// Responses counted (flagged ones are not).
    pub fn responses(&self) -> i64 {
        self.figures.values().map(|t| t.responses).sum()
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
    let set = Totals::COLUMNS
        .split(", ")
        .map(|c| format!("{c} = {table}.{c} + excluded.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    format!(" ON CONFLICT ({keys}) DO UPDATE SET {set}")
}

/// Real UTC offsets lie within -12 h..+14 h, so a response's kiosk-local day
/// is less than a day away from its UTC `finished_at`: the rebuild reads
/// responses finished from a day before a chunk to a day after it.
pub(crate) const OFFSET_MARGIN_DAYS: i64 = 1;

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
/// their canonical JSON, each counted as its own survey version says (one
/// whose version is not stored counts as a response only: ingest refuses
/// them, so only a damaged database has any).
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
        if from <= d && d <= to {
            let def = defs.get(&(r.survey_id.clone(), r.survey_version));
            rollup.add(&r, def.map(Arc::as_ref));
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
