//! Alerts as committees handle them (listed by unit, reason, status and age,
//! a page at a time; assigned to an account; due by reason; attended one or
//! many at once; every change kept as an event) and the comments patients
//! left, masked as stored. Both backends implement [`AlertStore`].

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use uuid::Uuid;

use crate::error::StoreError;
use trato_domain::wire::MAX_UTC_OFFSET_MINUTES;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertStatus {
    Open,
    Attended,
    All,
    /// Open and past its due time.
    Overdue,
}

/// When the alerts of each reason key fall due: an open alert is overdue
/// once it finished before its key's cutoff (the shortest of its keys wins).
#[derive(Debug, Clone, Default)]
pub struct DueCutoffs {
    /// Per reason key.
    pub keys: Vec<(String, DateTime<Utc>)>,
    /// For an alert none of whose keys is listed.
    pub other: Option<DateTime<Utc>>,
}

impl DueCutoffs {
    /// Whether an alert with this stored reason (keys joined by ",") can
    /// fall due at all.
    pub fn covers(&self, reason: &str) -> bool {
        self.other.is_some()
            || reason
                .split(',')
                .any(|k| self.keys.iter().any(|(key, _)| key == k))
    }

    /// The last day whose alerts, if open and of a reason that falls due,
    /// are all past due: the day before the earliest cutoff less the widest
    /// UTC offset a kiosk's day may span. `None` when nothing falls due.
    fn last_settled_day(&self) -> Option<NaiveDate> {
        let earliest = self.keys.iter().map(|(_, c)| *c).chain(self.other).min()?;
        let widest = chrono::Duration::minutes(MAX_UTC_OFFSET_MINUTES.into());
        earliest
            .checked_sub_signed(widest)
            .and_then(|t| t.date_naive().pred_opt())
    }
}

/// How the counts of a filter are read: the settled days from the kept
/// counts (`alert_counts`), the days still falling due alert by alert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountPlan {
    /// Days whose counts come from `alert_counts`; their open alerts are
    /// overdue exactly when their reason falls due.
    pub kept: Option<(NaiveDate, NaiveDate)>,
    /// Days counted from the alerts themselves.
    pub exact: Option<(NaiveDate, NaiveDate)>,
}

/// Which alerts: a period of kiosk-local days, the units (`None`: all), an
/// optional service area, and the list's own filters.
#[derive(Debug, Clone)]
pub struct AlertFilter {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub units: Option<Vec<String>>,
    pub area: Option<String>,
    pub status: AlertStatus,
    /// One reason key: alerts whose reasons include it.
    pub reason: Option<String>,
    /// Finished at or before this (at least so old).
    pub finished_by: Option<DateTime<Utc>>,
    /// Finished after this (younger than).
    pub finished_after: Option<DateTime<Utc>>,
    /// Assigned to this account (empty: to nobody).
    pub assigned_to: Option<String>,
    pub due: DueCutoffs,
}

impl AlertFilter {
    /// Splits the period for [`AlertStore::groups`]. The kept counts know no
    /// time of day nor account, so an age or assignee filter counts every
    /// day alert by alert.
    pub fn count_plan(&self) -> CountPlan {
        if self.finished_by.is_some() || self.finished_after.is_some() || self.assigned_to.is_some()
        {
            return CountPlan {
                kept: None,
                exact: Some((self.from, self.to)),
            };
        }
        // Nothing falls due: no day needs its alerts read one by one.
        let settled = self.due.last_settled_day().unwrap_or(self.to);
        let kept_to = settled.min(self.to);
        CountPlan {
            kept: (self.from <= kept_to).then_some((self.from, kept_to)),
            exact: kept_to
                .succ_opt()
                .filter(|_| kept_to < self.to)
                .map(|next| (next.max(self.from), self.to)),
        }
    }

    /// The same alerts over another period.
    fn over(&self, (from, to): (NaiveDate, NaiveDate)) -> Self {
        Self {
            from,
            to,
            ..self.clone()
        }
    }
}

/// Sums groups of the same unit and reason.
fn merge_groups(groups: impl IntoIterator<Item = AlertGroup>) -> Vec<AlertGroup> {
    let mut out: Vec<AlertGroup> = Vec::new();
    for g in groups {
        match out
            .iter_mut()
            .find(|o| o.unit_clues == g.unit_clues && o.reason == g.reason)
        {
            Some(o) => {
                o.total += g.total;
                o.open += g.open;
                o.overdue += g.overdue;
            }
            None => out.push(g),
        }
    }
    out
}

/// Where a page ends: the next page starts after this alert (newest first).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub finished_at: DateTime<Utc>,
    pub id: Uuid,
}

impl Cursor {
    /// `MICROS-UUID`, opaque to clients.
    pub fn encode(&self) -> String {
        format!(
            "{}-{}",
            self.finished_at.timestamp_micros(),
            self.id.simple()
        )
    }

    pub fn decode(s: &str) -> Option<Self> {
        let (t, id) = s.split_once('-')?;
        Some(Self {
            finished_at: DateTime::from_timestamp_micros(t.parse().ok()?)?,
            id: Uuid::parse_str(id).ok()?,
        })
    }
}

/// Where a page of comments ends: a response, and its question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommentCursor {
    pub at: Cursor,
    pub question: String,
}

impl CommentCursor {
    pub fn encode(&self) -> String {
        format!("{}-{}", self.at.encode(), self.question)
    }

    pub fn decode(s: &str) -> Option<Self> {
        let mut parts = s.splitn(3, '-');
        let (t, id, q) = (parts.next()?, parts.next()?, parts.next()?);
        Some(Self {
            at: Cursor::decode(&format!("{t}-{id}"))?,
            question: q.to_owned(),
        })
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct AlertRecord {
    pub id: Uuid,
    pub unit_clues: String,
    pub service_area: String,
    pub finished_at: DateTime<Utc>,
    pub day: NaiveDate,
    /// The matched reason keys joined by ",", in rule order.
    pub reason: String,
    /// `question=code` pairs, `;`-separated (several codes joined by `+`).
    pub answers: String,
    pub comment: Option<String>,
    pub attended_at: Option<DateTime<Utc>>,
    pub attended_by: Option<String>,
    pub note: Option<String>,
    pub assigned_to: Option<String>,
}

impl AlertRecord {
    /// The alert a response raised for `reason` at ingest, not yet handled:
    /// its answers as `question=code` pairs, and its first non-empty comment.
    pub fn raised(r: &trato_domain::Response, day: NaiveDate, reason: String) -> Self {
        let answers = response_answers(r);
        let comment = r
            .answers
            .iter()
            .find_map(|a| a.text.clone())
            .filter(|t| !t.is_empty());
        Self {
            id: r.id,
            unit_clues: r.unit_clues.clone(),
            service_area: r.service_area.clone(),
            finished_at: r.finished_at,
            day,
            reason,
            answers,
            comment,
            attended_at: None,
            attended_by: None,
            note: None,
            assigned_to: None,
        }
    }

    /// The reason keys, in rule order.
    pub fn reason_keys(&self) -> impl Iterator<Item = &str> {
        self.reason.split(',').filter(|k| !k.is_empty())
    }
}

/// Alerts of one unit with one stored reason (keys joined), for the counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertGroup {
    pub unit_clues: String,
    pub reason: String,
    pub total: i64,
    pub open: i64,
    pub overdue: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertAction {
    Assigned,
    Unassigned,
    Attended,
}

impl AlertAction {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Assigned => "assigned",
            Self::Unassigned => "unassigned",
            Self::Attended => "attended",
        }
    }

    /// What assigning an alert to `to` is: unassigning when `to` is nobody.
    pub fn of_assignment(to: Option<&str>) -> Self {
        if to.is_some() {
            Self::Assigned
        } else {
            Self::Unassigned
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "assigned" => Self::Assigned,
            "unassigned" => Self::Unassigned,
            "attended" => Self::Attended,
            _ => return None,
        })
    }
}

/// One change to an alert: who, when, what (the account assigned, or the note).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AlertEvent {
    pub at: DateTime<Utc>,
    pub by: String,
    pub action: AlertAction,
    pub detail: Option<String>,
}

/// Which comments: as [`AlertFilter`]'s period, units and area, and a text
/// to look for (case-insensitive; accents must match).
#[derive(Debug, Clone)]
pub struct CommentQuery {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub units: Option<Vec<String>>,
    pub area: Option<String>,
    pub search: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CommentRecord {
    pub response_id: Uuid,
    pub question: String,
    pub unit_clues: String,
    pub service_area: String,
    pub finished_at: DateTime<Utc>,
    pub utc_offset_minutes: i32,
    pub day: NaiveDate,
    /// As stored: masked at the centre when it arrived.
    pub text: String,
    /// The response's other answers, as [`AlertRecord::answers`].
    pub answers: String,
}

/// The comments of newly stored responses (flagged ones excluded: they count
/// nowhere), each with its response's answers (stored apart, and joined
/// again when read).
pub fn new_comments<'a>(
    responses: impl IntoIterator<Item = &'a trato_domain::Response>,
) -> Vec<CommentRecord> {
    let mut out = Vec::new();
    for r in responses {
        if r.status == trato_domain::ResponseStatus::Flagged {
            continue;
        }
        for a in &r.answers {
            if let Some(text) = a.text.as_deref().filter(|t| !t.is_empty()) {
                out.push(CommentRecord {
                    response_id: r.id,
                    question: a.question.clone(),
                    unit_clues: r.unit_clues.clone(),
                    service_area: r.service_area.clone(),
                    finished_at: r.finished_at,
                    utc_offset_minutes: r.utc_offset_minutes,
                    day: crate::store::dash::local_day(r),
                    text: text.to_owned(),
                    answers: response_answers(r),
                });
            }
        }
    }
    out
}

/// Most alerts one bulk attend may name.
pub const BULK_MAX: usize = 500;

#[async_trait]
pub trait AlertStore: Send + Sync {
    /// One page of alerts, newest first, after `after`.
    async fn page(
        &self,
        f: &AlertFilter,
        after: Option<Cursor>,
        limit: i64,
    ) -> Result<Vec<AlertRecord>, StoreError>;
    /// Counts per unit and stored reason under the filter's period, units,
    /// area and age (not its status or reason: those are summed in Rust).
    /// The same as [`Self::exact_groups`], read mostly from the kept counts.
    async fn groups(&self, f: &AlertFilter) -> Result<Vec<AlertGroup>, StoreError> {
        let plan = f.count_plan();
        let mut all = Vec::new();
        if let Some(days) = plan.kept {
            let kept = self.kept_groups(&f.over(days)).await?;
            all.extend(kept.into_iter().map(|g| AlertGroup {
                overdue: if f.due.covers(&g.reason) { g.open } else { 0 },
                ..g
            }));
        }
        if let Some(days) = plan.exact {
            all.extend(self.exact_groups(&f.over(days)).await?);
        }
        Ok(merge_groups(all))
    }
    /// [`Self::groups`] counted alert by alert.
    async fn exact_groups(&self, f: &AlertFilter) -> Result<Vec<AlertGroup>, StoreError>;
    /// Totals and open counts per unit and stored reason from the kept
    /// counts, over the filter's period, units and area (overdue left 0).
    async fn kept_groups(&self, f: &AlertFilter) -> Result<Vec<AlertGroup>, StoreError>;
    async fn get(&self, id: Uuid) -> Result<Option<AlertRecord>, StoreError>;
    async fn get_many(&self, ids: &[Uuid]) -> Result<Vec<AlertRecord>, StoreError>;
    /// Assigns an alert to an account (`None`: to nobody) and records it;
    /// false if it was already so.
    async fn assign(
        &self,
        id: Uuid,
        to: Option<&str>,
        by: &str,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    /// Marks the open ones of `ids` attended with one note, in one
    /// transaction, and records each; returns those it marked.
    async fn attend(
        &self,
        ids: &[Uuid],
        by: &str,
        note: &str,
        at: DateTime<Utc>,
    ) -> Result<Vec<Uuid>, StoreError>;
    /// An alert's changes, oldest first.
    async fn history(&self, id: Uuid) -> Result<Vec<AlertEvent>, StoreError>;

    /// One page of comments, newest first, after `after`.
    async fn comments(
        &self,
        q: &CommentQuery,
        after: Option<CommentCursor>,
        limit: i64,
    ) -> Result<Vec<CommentRecord>, StoreError>;
    async fn count_comments(&self, q: &CommentQuery) -> Result<i64, StoreError>;
}

/// A value bound to a placeholder, converted by each backend.
#[derive(Debug, Clone)]
pub(crate) enum Bind {
    Text(String),
    Texts(Vec<String>),
    Time(DateTime<Utc>),
    Day(NaiveDate),
    Id(Uuid),
}

/// SQL text with its binds, numbered `?N` (SQLite) or `$N` (PostgreSQL).
#[derive(Debug, Default)]
pub(crate) struct Sql {
    pub text: String,
    pub binds: Vec<Bind>,
    pub pg: bool,
}

impl Sql {
    pub fn new(pg: bool) -> Self {
        Self {
            pg,
            ..Self::default()
        }
    }

    /// Binds a value; returns its placeholder.
    pub fn bind(&mut self, b: Bind) -> String {
        self.binds.push(b);
        if self.pg {
            format!("${}", self.binds.len())
        } else {
            format!("?{}", self.binds.len())
        }
    }

    /// `unit_clues IN (...)` / `unit_clues = ANY($n)`.
    fn units(&mut self, units: &[String]) -> String {
        if self.pg {
            let p = self.bind(Bind::Texts(units.to_vec()));
            format!("unit_clues = ANY({p})")
        } else {
            let ps: Vec<String> = units
                .iter()
                .map(|u| self.bind(Bind::Text(u.clone())))
                .collect();
            format!("unit_clues IN ({})", ps.join(","))
        }
    }

    /// Whether the stored `reason` list holds the key (bound as `,key,`).
    fn has_reason(&mut self, key: &str) -> String {
        let p = self.bind(Bind::Text(format!(",{key},")));
        let f = if self.pg { "strpos" } else { "instr" };
        format!("{f}(',' || reason || ',', {p}) > 0")
    }

    /// Whether an alert (open or not) is past its due time.
    fn past_due(&mut self, due: &DueCutoffs) -> String {
        let mut any = Vec::new();
        let mut known = Vec::new();
        for (key, cutoff) in &due.keys {
            // Each placeholder is bound once and may be read twice: an
            // unread bind is an error on SQLite.
            let has = self.has_reason(key);
            let c = self.bind(Bind::Time(*cutoff));
            any.push(format!("({has} AND finished_at < {c})"));
            known.push(has);
        }
        if let Some(other) = due.other {
            let c = self.bind(Bind::Time(other));
            if known.is_empty() {
                any.push(format!("finished_at < {c}"));
            } else {
                any.push(format!(
                    "(NOT ({}) AND finished_at < {c})",
                    known.join(" OR ")
                ));
            }
        }
        if any.is_empty() {
            "1 = 0".into()
        } else {
            format!("({})", any.join(" OR "))
        }
    }

    /// `WHERE ...` for the filter's period, units, area, age and account
    /// (and, with `listing`, its status and reason).
    pub fn alert_where(&mut self, f: &AlertFilter, listing: bool) -> String {
        let mut w = self.period(f.from, f.to, &f.units, &f.area);
        if let Some(t) = f.finished_by {
            let p = self.bind(Bind::Time(t));
            w.push(format!("finished_at <= {p}"));
        }
        if let Some(t) = f.finished_after {
            let p = self.bind(Bind::Time(t));
            w.push(format!("finished_at > {p}"));
        }
        match f.assigned_to.as_deref() {
            None => {}
            Some("") => w.push("assigned_to IS NULL".into()),
            Some(a) => {
                let p = self.bind(Bind::Text(a.to_owned()));
                w.push(format!("assigned_to = {p}"));
            }
        }
        if listing {
            match f.status {
                AlertStatus::Open => w.push("attended_at IS NULL".into()),
                AlertStatus::Attended => w.push("attended_at IS NOT NULL".into()),
                AlertStatus::All => {}
                AlertStatus::Overdue => {
                    let due = self.past_due(&f.due);
                    w.push(format!("attended_at IS NULL AND {due}"));
                }
            }
            if let Some(r) = &f.reason {
                w.push(self.has_reason(r));
            }
        }
        format!(" WHERE {}", w.join(" AND "))
    }

    /// ` AND finished_at ...`: the times a period of kiosk-local days can
    /// hold, whatever the kiosk's offset. It changes no result; it lets a
    /// page walk the time index newest first instead of sorting the period.
    fn period_times(&mut self, from: NaiveDate, to: NaiveDate) -> String {
        let widest = chrono::Duration::minutes(MAX_UTC_OFFSET_MINUTES.into());
        let start = |d: NaiveDate| d.and_time(chrono::NaiveTime::MIN).and_utc();
        let lo = start(from).checked_sub_signed(widest);
        let hi = to
            .succ_opt()
            .and_then(|d| start(d).checked_add_signed(widest));
        let mut w = String::new();
        if let Some(lo) = lo {
            let p = self.bind(Bind::Time(lo));
            w.push_str(&format!(" AND finished_at >= {p}"));
        }
        if let Some(hi) = hi {
            let p = self.bind(Bind::Time(hi));
            w.push_str(&format!(" AND finished_at < {p}"));
        }
        w
    }

    /// One page of alerts, newest first.
    pub fn alert_page(f: &AlertFilter, after: Option<Cursor>, limit: i64, pg: bool) -> Self {
        let mut s = Self::new(pg);
        let mut w = s.alert_where(f, true);
        w.push_str(&s.period_times(f.from, f.to));
        if let Some(c) = after {
            let t = s.bind(Bind::Time(c.finished_at));
            let id = s.bind(Bind::Id(c.id));
            w.push_str(&format!(
                " AND (finished_at < {t} OR (finished_at = {t} AND response_id < {id}))"
            ));
        }
        s.text = format!(
            "SELECT {ALERT_COLUMNS} FROM alerts{w}
             ORDER BY finished_at DESC, response_id DESC LIMIT {}",
            limit.max(0)
        );
        s
    }

    /// Counts per unit and stored reason.
    pub fn alert_groups(f: &AlertFilter, pg: bool) -> Self {
        let mut s = Self::new(pg);
        let w = s.alert_where(f, false);
        let due = s.past_due(&f.due);
        s.text = format!(
            "SELECT unit_clues, reason, COUNT(*),
                    SUM(CASE WHEN attended_at IS NULL THEN 1 ELSE 0 END),
                    SUM(CASE WHEN attended_at IS NULL AND {due} THEN 1 ELSE 0 END)
             FROM alerts{w} GROUP BY unit_clues, reason"
        );
        s
    }

    /// Totals and open counts per unit and stored reason, from `alert_counts`
    /// (a zero overdue column, so rows read as [`Self::alert_groups`]'s).
    pub fn kept_alert_groups(f: &AlertFilter, pg: bool) -> Self {
        let mut s = Self::new(pg);
        let w = s.period(f.from, f.to, &f.units, &f.area).join(" AND ");
        s.text = format!(
            "SELECT unit_clues, reason, CAST(SUM(total) AS BIGINT), CAST(SUM(open) AS BIGINT),
                    CAST(0 AS BIGINT)
             FROM alert_counts WHERE {w} GROUP BY unit_clues, reason"
        );
        s
    }

    /// The conditions for a period of days, units and service area.
    fn period(
        &mut self,
        from: NaiveDate,
        to: NaiveDate,
        units: &Option<Vec<String>>,
        area: &Option<String>,
    ) -> Vec<String> {
        let from = self.bind(Bind::Day(from));
        let to = self.bind(Bind::Day(to));
        let mut w = vec![format!("day BETWEEN {from} AND {to}")];
        if let Some(u) = units {
            w.push(self.units(u));
        }
        if let Some(a) = area {
            let p = self.bind(Bind::Text(a.clone()));
            w.push(format!("service_area = {p}"));
        }
        w
    }

    /// `WHERE ...` for comments.
    fn comment_where(&mut self, q: &CommentQuery) -> String {
        let mut w = self.period(q.from, q.to, &q.units, &q.area);
        if let Some(t) = &q.search {
            let p = self.bind(Bind::Text(like_pattern(t)));
            let op = if self.pg { "ILIKE" } else { "LIKE" };
            w.push(format!("text {op} {p} ESCAPE '\\'"));
        }
        format!(" WHERE {}", w.join(" AND "))
    }

    /// One page of comments, newest first (without their answers).
    pub fn comment_page(
        q: &CommentQuery,
        after: Option<CommentCursor>,
        limit: i64,
        pg: bool,
    ) -> Self {
        let mut s = Self::new(pg);
        let mut w = s.comment_where(q);
        w.push_str(&s.period_times(q.from, q.to));
        if let Some(c) = after {
            let t = s.bind(Bind::Time(c.at.finished_at));
            let id = s.bind(Bind::Id(c.at.id));
            let question = s.bind(Bind::Text(c.question));
            w.push_str(&format!(
                " AND (finished_at < {t} OR (finished_at = {t} AND (response_id < {id}
                   OR (response_id = {id} AND question > {question}))))"
            ));
        }
        s.text = format!(
            "SELECT response_id, question, unit_clues, service_area, finished_at,
                    utc_offset_minutes, day, text FROM comments{w}
             ORDER BY finished_at DESC, response_id DESC, question LIMIT {}",
            limit.max(0)
        );
        s
    }

    pub fn comment_count(q: &CommentQuery, pg: bool) -> Self {
        let mut s = Self::new(pg);
        let w = s.comment_where(q);
        s.text = format!("SELECT COUNT(*) FROM comments{w}");
        s
    }
}

pub(crate) const ALERT_COLUMNS: &str = "response_id, unit_clues, service_area, finished_at, day, \
    reason, answers, comment, attended_at, attended_by, note, assigned_to";

/// `%text%` for LIKE, with `\` escaping the wildcards a user may type.
pub(crate) fn like_pattern(text: &str) -> String {
    let mut p = String::from("%");
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

/// A response's coded answers as [`join_answers`] writes them.
fn response_answers(r: &trato_domain::Response) -> String {
    join_answers(
        r.answers
            .iter()
            .flat_map(|a| a.codes.iter().map(|c| (a.question.clone(), c.clone()))),
    )
}

/// `(answers of one response)`: `question=code+code;...` in stored order.
pub(crate) fn join_answers(rows: impl IntoIterator<Item = (String, String)>) -> String {
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for (q, c) in rows {
        match out.iter_mut().find(|(x, _)| *x == q) {
            Some((_, codes)) => codes.push(c),
            None => out.push((q, vec![c])),
        }
    }
    out.iter()
        .map(|(q, c)| format!("{q}={}", c.join("+")))
        .collect::<Vec<_>>()
        .join(";")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_junk_is_refused() {
        let c = Cursor {
            finished_at: DateTime::from_timestamp_micros(1_790_000_000_123_456).unwrap(),
            id: Uuid::now_v7(),
        };
        assert_eq!(Cursor::decode(&c.encode()), Some(c));
        let cc = CommentCursor {
            at: c,
            question: "comentario".into(),
        };
        assert_eq!(CommentCursor::decode(&cc.encode()), Some(cc));
        for junk in [
            "",
            "x",
            "12-",
            "-abc",
            "12-zz",
            "1e99-00000000000000000000000000000000",
        ] {
            assert_eq!(Cursor::decode(junk), None, "{junk}");
        }
    }

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn filter(from: &str, to: &str, due: DueCutoffs) -> AlertFilter {
        AlertFilter {
            from: day(from),
            to: day(to),
            units: None,
            area: None,
            status: AlertStatus::Open,
            reason: None,
            finished_by: None,
            finished_after: None,
            assigned_to: None,
            due,
        }
    }

    #[test]
    fn counts_are_kept_up_to_the_last_day_wholly_past_due() {
        let cutoff: DateTime<Utc> = "2026-12-07T10:00:00Z".parse().unwrap();
        let due = DueCutoffs {
            keys: vec![("respeto".into(), cutoff + chrono::Duration::hours(48))],
            other: Some(cutoff),
        };
        // 12-05 at UTC-14 ends 12-06T14:00Z, before the cutoff; 12-06 does not.
        let plan = filter("2026-11-01", "2026-12-31", due.clone()).count_plan();
        assert_eq!(plan.kept, Some((day("2026-11-01"), day("2026-12-05"))));
        assert_eq!(plan.exact, Some((day("2026-12-06"), day("2026-12-31"))));

        let old = filter("2026-11-01", "2026-11-30", due.clone()).count_plan();
        assert_eq!((old.kept.is_some(), old.exact), (true, None));
        let recent = filter("2026-12-06", "2026-12-07", due.clone()).count_plan();
        assert_eq!(recent.kept, None);
        assert_eq!(recent.exact, Some((day("2026-12-06"), day("2026-12-07"))));

        // Nothing falls due: every day from the kept counts.
        let never = filter("2026-11-01", "2026-12-31", DueCutoffs::default()).count_plan();
        assert_eq!(never.kept, Some((day("2026-11-01"), day("2026-12-31"))));
        assert_eq!(never.exact, None);
    }

    #[test]
    fn an_age_or_assignee_filter_counts_alert_by_alert() {
        let mut f = filter("2026-11-01", "2026-11-30", DueCutoffs::default());
        f.assigned_to = Some(String::new());
        let plan = f.count_plan();
        assert_eq!((plan.kept, plan.exact), (None, Some((f.from, f.to))));
        f.assigned_to = None;
        f.finished_by = Some("2026-11-20T00:00:00Z".parse().unwrap());
        assert_eq!(f.count_plan().kept, None);
    }

    #[test]
    fn a_reason_falls_due_by_any_of_its_keys_or_the_rest_rule() {
        let t = Utc::now();
        let only_respeto = DueCutoffs {
            keys: vec![("respeto".into(), t)],
            other: None,
        };
        assert!(only_respeto.covers("trato,respeto"));
        assert!(!only_respeto.covers("trato"));
        let rest = DueCutoffs {
            other: Some(t),
            ..only_respeto
        };
        assert!(rest.covers("trato"));
    }

    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(like_pattern("50%_a\\b"), "%50\\%\\_a\\\\b%");
    }

    #[test]
    fn answers_join_codes_of_one_question() {
        let rows = [("trato", "1"), ("mejorar", "a"), ("mejorar", "b")]
            .map(|(q, c)| (q.to_owned(), c.to_owned()));
        assert_eq!(join_answers(rows), "trato=1;mejorar=a+b");
    }
}
