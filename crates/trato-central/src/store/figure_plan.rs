//! Which rollup rows answer a [`FigureQuery`], and the one statement that
//! reads them (the same on both backends but for placeholders and types).
//!
//! The page over the whole institute needs, per unit, the sums of a period
//! that is mostly whole months (a bimester is two). Reading them from the
//! monthly rollup costs one row per unit and month instead of one per unit
//! and day. A month the period cuts is read from the rollup per decade
//! (days 1-10, 11-20, 21 to the end), and a decade it cuts from the daily
//! one: each either as its spans inside the period, or whole less its
//! spans outside, whichever reads fewer rows (none lie after today, so
//! "este bimestre" costs about its two month rows per unit). The per-day
//! sums of the chart come from the daily rollup summed over every unit, when
//! the query covers every unit. See migration 13 and docs/PERFORMANCE.md.

use chrono::{Datelike, Duration, Months, NaiveDate};

use super::dash::{placeholders, row_kind, FigureQuery, Tally, Totals};

/// What one row of a per-unit rollup covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Grain {
    Day,
    /// Days 1 to 10, 11 to 20, or 21 to the month's end.
    Decade,
    Month,
}

impl Grain {
    fn finer(self) -> Option<Grain> {
        match self {
            Grain::Month => Some(Grain::Decade),
            Grain::Decade => Some(Grain::Day),
            Grain::Day => None,
        }
    }

    /// The first day of the span of this grain that holds `d`: what the
    /// rollup's key column holds.
    fn start(self, d: NaiveDate) -> NaiveDate {
        let day = match self {
            Grain::Day => d.day(),
            Grain::Decade => (d.day() - 1).min(29) / 10 * 10 + 1,
            Grain::Month => 1,
        };
        d.with_day(day).unwrap_or(d)
    }

    /// The last day of the span that starts on `start`.
    fn end(self, start: NaiveDate) -> NaiveDate {
        let month_end = || {
            start
                .with_day(1)
                .and_then(|m| m.checked_add_months(Months::new(1)))
                .map_or(NaiveDate::MAX, |next| next - Duration::days(1))
        };
        match self {
            Grain::Day => start,
            Grain::Decade if start.day() < 21 => start + Duration::days(9),
            Grain::Decade | Grain::Month => month_end(),
        }
    }

    /// The rollups of this grain (totals, indicators) and their key column.
    fn tables(self, q: &FigureQuery) -> (&'static str, &'static str, &'static str) {
        match self {
            Grain::Day => (q.table(), q.indicator_table(), "day"),
            Grain::Decade => (
                "decade_unit_figures",
                "decade_indicator_unit_figures",
                "decade",
            ),
            Grain::Month => (
                "monthly_unit_figures",
                "monthly_indicator_unit_figures",
                "month",
            ),
        }
    }
}

/// The rows of one rollup whose key lies in `from..=to` (the first days of
/// their spans), added or, with `sign` -1, taken away.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Part {
    pub grain: Grain,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub sign: i8,
}

impl Part {
    /// Roughly what reading it costs: its rows per unit that can exist,
    /// those of spans starting up to `horizon`.
    fn cost(&self, horizon: NaiveDate) -> i64 {
        let mut n = 0;
        let mut start = self.from;
        while start <= self.to.min(horizon) {
            n += 1;
            match self.grain.end(start).succ_opt() {
                Some(next) => start = next,
                None => break,
            }
        }
        n
    }
}

/// How a period's per-unit sums are read: signed parts of the rollups per
/// month, per decade and per day that add up to the period's days.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct FigurePlan {
    pub parts: Vec<Part>,
}

impl FigurePlan {
    /// The plan for `from..=to`. `horizon` is the last day that may have
    /// rows (today, anywhere in Mexico): only which rows are read depends on
    /// it, never what they add up to.
    pub fn new(from: NaiveDate, to: NaiveDate, horizon: NaiveDate) -> Self {
        Self {
            parts: cover(from, to, Grain::Month, horizon),
        }
    }

    /// Every day from the daily rollup: for the rollups kept per service
    /// area, which have no coarser counterpart.
    pub fn days_only(from: NaiveDate, to: NaiveDate) -> Self {
        Self {
            parts: cover(from, to, Grain::Day, from),
        }
    }

    fn cost(parts: &[Part], horizon: NaiveDate) -> i64 {
        parts.iter().map(|p| p.cost(horizon)).sum()
    }
}

/// Parts that add up to the days `from..=to`: the spans of `grain` inside
/// them whole; each span cut by an end either covered by finer parts, or
/// whole less finer parts for its days outside, whichever reads fewer rows.
fn cover(from: NaiveDate, to: NaiveDate, grain: Grain, horizon: NaiveDate) -> Vec<Part> {
    let Some(finer) = grain.finer() else {
        let whole = Part {
            grain,
            from,
            to,
            sign: 1,
        };
        return if from <= to { vec![whole] } else { vec![] };
    };
    let mut parts = Vec::new();
    let mut whole: Option<(NaiveDate, NaiveDate)> = None;
    let mut start = grain.start(from);
    while start <= to {
        let end = grain.end(start);
        let mut take_whole = from <= start && end <= to;
        if !take_whole {
            let inside = cover(from.max(start), to.min(end), finer, horizon);
            let mut outside = Vec::new();
            if let Some(before) = from.pred_opt() {
                outside.extend(cover(start, before, finer, horizon));
            }
            if let Some(after) = to.succ_opt() {
                outside.extend(cover(after, end, finer, horizon));
            }
            // The span's own rows cost one.
            take_whole =
                FigurePlan::cost(&outside, horizon) + 1 < FigurePlan::cost(&inside, horizon);
            if take_whole {
                parts.extend(outside.into_iter().map(|p| Part { sign: -p.sign, ..p }));
            } else {
                parts.extend(inside);
            }
        }
        if take_whole {
            whole = Some((whole.map_or(start, |w| w.0), start));
        }
        match end.succ_opt() {
            Some(next) => start = next,
            None => break,
        }
    }
    // The spans taken whole are consecutive: every span but the first and
    // last is inside the period.
    if let Some((first, last)) = whole {
        parts.push(Part {
            grain,
            from: first,
            to: last,
            sign: 1,
        });
    }
    parts
}

/// The last day that may have rows: today in UTC plus one, a day no kiosk's
/// local day is beyond (UTC offsets go up to +14 h).
pub(crate) fn horizon() -> NaiveDate {
    chrono::Utc::now().date_naive() + Duration::days(1)
}

/// A parameter of the figures statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SqlParam {
    Day(NaiveDate),
    Text(String),
    /// A list, for PostgreSQL's `= ANY($n)`.
    Texts(Vec<String>),
}

/// The statement that reads a [`FigureQuery`]'s rows and its parameters.
/// Each row: kind ([`row_kind`]), day, unit, survey, version, indicator and
/// four counts (the totals' two in the first two). Rows of a part taken
/// away are negated, so the rows of one kind and key add up to
/// the sum; PostgreSQL groups them in SQL, SQLite in `figure_adder`.
#[derive(Debug)]
pub(crate) struct FigureSql {
    pub sql: String,
    pub params: Vec<SqlParam>,
}

struct Builder {
    pg: bool,
    params: Vec<SqlParam>,
    parts: Vec<String>,
}

impl Builder {
    fn param(&mut self, p: SqlParam) -> String {
        self.params.push(p);
        let n = self.params.len();
        if self.pg {
            format!("${n}")
        } else {
            format!("?{n}")
        }
    }

    fn span(&mut self, column: &str, from: NaiveDate, to: NaiveDate) -> String {
        let (a, b) = (
            self.param(SqlParam::Day(from)),
            self.param(SqlParam::Day(to)),
        );
        format!("{column} BETWEEN {a} AND {b}")
    }

    /// ` AND unit_clues IN (...)` / ` AND service_area = ...`.
    fn filters(&mut self, q: &FigureQuery) -> String {
        let mut sql = String::new();
        if let Some(units) = &q.units {
            if self.pg {
                let p = self.param(SqlParam::Texts(units.clone()));
                sql.push_str(&format!(" AND unit_clues = ANY({p})"));
            } else {
                let list = placeholders(units.len(), self.params.len() + 1, false);
                self.params
                    .extend(units.iter().cloned().map(SqlParam::Text));
                sql.push_str(&format!(" AND unit_clues IN ({list})"));
            }
        }
        if let Some(area) = &q.area {
            let p = self.param(SqlParam::Text(area.clone()));
            sql.push_str(&format!(" AND service_area = {p}"));
        }
        sql
    }

    /// NULL of a column's type: PostgreSQL types a UNION's columns by its
    /// first part.
    fn null(&self, ty: &str) -> String {
        if self.pg {
            format!("NULL::{ty}")
        } else {
            "NULL".into()
        }
    }

    /// `-c` for a negated part.
    fn counts(columns: &str, sign: i8) -> String {
        let sign = if sign < 0 { "-" } else { "" };
        columns
            .split(", ")
            .map(|c| format!("{sign}{c}"))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The per-day rows of the chart.
    fn day_parts(&mut self, q: &FigureQuery, f: &str) {
        let (table, ind, f) = if q.units.is_none() && q.area.is_none() {
            ("institute_daily_figures", "institute_indicator_figures", "")
        } else {
            (q.table(), q.indicator_table(), f)
        };
        let span = self.span("day", q.from, q.to);
        let (t, n) = (self.null("text"), self.null("int8"));
        self.parts.push(format!(
            "SELECT {kind}, day, {t}, {t}, {n}, {t}, {totals}, 0, 0 FROM {table}
             WHERE {span}{f}",
            kind = row_kind::DAY,
            totals = Totals::COLUMNS,
        ));
        self.parts.push(format!(
            "SELECT {kind}, day, {t}, {t}, {n}, indicator, {tally} FROM {ind}
             WHERE {span}{f}",
            kind = row_kind::DAY_INDICATOR,
            tally = Tally::COLUMNS,
        ));
    }

    /// The per-unit rows of one part.
    fn unit_parts(&mut self, q: &FigureQuery, part: &Part, f: &str) {
        let (totals, indicators, column) = part.grain.tables(q);
        let span = self.span(column, part.from, part.to);
        let sign = part.sign;
        let (d, t) = (self.null("date"), self.null("text"));
        self.parts.push(format!(
            "SELECT {kind}, {d}, unit_clues, {t}, {n}, {t}, {totals}, 0, 0 FROM {table}
             WHERE {span}{f}",
            kind = row_kind::UNIT,
            n = self.null("int8"),
            table = totals,
            totals = Self::counts(Totals::COLUMNS, sign),
        ));
        self.parts.push(format!(
            "SELECT {kind}, {d}, unit_clues, survey_id, survey_version, indicator, {tally}
             FROM {table} WHERE {span}{f}",
            kind = row_kind::UNIT_INDICATOR,
            table = indicators,
            tally = Self::counts(Tally::COLUMNS, sign),
        ));
    }
}

/// The statement for `q`, read as `plan` says (see [`FigureSql`]).
pub(crate) fn figure_rows(q: &FigureQuery, horizon: NaiveDate, pg: bool) -> FigureSql {
    let plan = if q.area.is_some() {
        FigurePlan::days_only(q.from, q.to)
    } else {
        FigurePlan::new(q.from, q.to, horizon)
    };
    let mut b = Builder {
        pg,
        params: Vec::new(),
        parts: Vec::new(),
    };
    let f = b.filters(q);
    if q.by_day {
        b.day_parts(q, &f);
    }
    for part in &plan.parts {
        b.unit_parts(q, part, &f);
    }
    if b.parts.is_empty() {
        // A period that ends before it starts: a statement with no rows.
        let none = Part {
            grain: Grain::Day,
            from: q.from,
            to: q.to,
            sign: 1,
        };
        b.unit_parts(q, &none, &f);
    }
    FigureSql {
        sql: b.parts.join("\nUNION ALL\n"),
        params: b.params,
    }
}

#[cfg(test)]
mod tests {

    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn part(grain: Grain, from: NaiveDate, to: NaiveDate, sign: i8) -> Part {
        Part {
            grain,
            from,
            to,
            sign,
        }
    }

    #[test]
    fn a_bimester_is_two_month_rows() {
        let p = FigurePlan::new(d(2026, 9, 1), d(2026, 10, 31), d(2026, 12, 7));
        let months = part(Grain::Month, d(2026, 9, 1), d(2026, 10, 1), 1);
        assert_eq!(p.parts, vec![months]);
    }

    #[test]
    fn the_bimester_in_progress_costs_little_more_than_its_months() {
        let today = d(2026, 12, 7);
        let p = FigurePlan::new(d(2026, 11, 1), today, today + Duration::days(1));
        assert!(p
            .parts
            .contains(&part(Grain::Month, d(2026, 11, 1), d(2026, 11, 1), 1)));
        assert!(FigurePlan::cost(&p.parts, today) <= 3, "{p:?}");
    }

    #[test]
    fn a_decade_cut_near_its_end_is_the_decade_less_its_last_days() {
        let p = FigurePlan::new(d(2025, 12, 1), d(2025, 12, 7), d(2026, 12, 8));
        assert_eq!(
            p.parts,
            vec![
                part(Grain::Day, d(2025, 12, 8), d(2025, 12, 10), -1),
                part(Grain::Decade, d(2025, 12, 1), d(2025, 12, 1), 1),
            ]
        );
        // A day or two are days.
        let p = FigurePlan::new(d(2025, 12, 12), d(2025, 12, 13), d(2026, 12, 8));
        assert_eq!(
            p.parts,
            vec![part(Grain::Day, d(2025, 12, 12), d(2025, 12, 13), 1)]
        );
    }

    #[test]
    fn decades_end_on_the_10th_the_20th_and_the_months_end() {
        let g = Grain::Decade;
        assert_eq!(g.start(d(2026, 2, 28)), d(2026, 2, 21));
        assert_eq!(g.end(d(2026, 2, 21)), d(2026, 2, 28));
        assert_eq!(g.start(d(2026, 1, 31)), d(2026, 1, 21));
        assert_eq!(g.start(d(2026, 1, 20)), d(2026, 1, 11));
        assert_eq!(g.end(d(2026, 1, 11)), d(2026, 1, 20));
        assert_eq!(g.start(d(2026, 1, 10)), d(2026, 1, 1));
        assert_eq!(Grain::Month.end(d(2024, 2, 1)), d(2024, 2, 29));
    }

    /// Every plan adds up to the days of its period, whatever the period
    /// and the horizon, and reads few rows: checked against made-up daily
    /// counts.
    #[test]
    fn every_plan_adds_up_to_its_days() {
        let start = d(2025, 11, 20);
        let value = |x: NaiveDate| i64::from(x.ordinal()) * 7 + i64::from(x.day());
        let span_sum = |grain: Grain, first: NaiveDate| {
            let mut t = 0;
            let mut x = first;
            while x <= grain.end(first) {
                t += value(x);
                x += Duration::days(1);
            }
            t
        };
        let part_sum = |p: &Part| {
            let mut t = 0;
            let mut first = p.from;
            while first <= p.to {
                t += span_sum(p.grain, first);
                first = p.grain.end(first) + Duration::days(1);
            }
            i64::from(p.sign) * t
        };
        let days = |from: NaiveDate, to: NaiveDate| part_sum(&part(Grain::Day, from, to, 1));
        let mut most = 0;
        for a in (10..120).step_by(3) {
            for len in [1, 2, 9, 16, 17, 30, 31, 45, 59, 61, 62, 75] {
                for h in [0, 20, 200] {
                    let from = start + Duration::days(a);
                    let to = from + Duration::days(len - 1);
                    let horizon = from + Duration::days(h);
                    let p = FigurePlan::new(from, to, horizon);
                    let got: i64 = p.parts.iter().map(part_sum).sum();
                    assert_eq!(got, days(from, to), "{from}..={to}, {p:?}");
                    most = most.max(FigurePlan::cost(&p.parts, horizon));
                }
            }
        }
        // 75 days: at most three months, two decades and five days at
        // each end, and the spans taken less their days.
        assert!(most <= 20, "{most}");
    }

    fn query(units: Option<Vec<&str>>, area: Option<&str>, by_day: bool) -> FigureQuery {
        FigureQuery {
            from: d(2026, 11, 1),
            to: d(2026, 12, 31),
            units: units.map(|u| u.into_iter().map(String::from).collect()),
            area: area.map(String::from),
            by_day,
        }
    }

    #[test]
    fn a_period_that_ends_before_it_starts_is_still_a_statement() {
        let mut q = query(None, None, false);
        (q.from, q.to) = (q.to, q.from);
        assert_eq!(FigurePlan::new(q.from, q.to, q.to), FigurePlan::default());
        let s = figure_rows(&q, q.to, false);
        assert!(s.sql.starts_with("SELECT 1,"), "{}", s.sql);
    }

    #[test]
    fn the_institute_reads_the_institute_and_monthly_rollups() {
        let s = figure_rows(&query(None, None, true), d(2027, 3, 1), false);
        assert!(s.sql.contains("FROM institute_daily_figures"));
        assert!(s.sql.contains("FROM monthly_indicator_unit_figures"));
        assert!(!s.sql.contains("FROM indicator_unit_figures"));
        assert!(!s.sql.contains("unit_clues IN"));
    }

    #[test]
    fn some_units_read_their_own_days_and_an_area_every_day() {
        let s = figure_rows(
            &query(Some(vec!["A", "B"]), None, true),
            d(2027, 3, 1),
            true,
        );
        assert!(s.sql.contains("FROM daily_unit_figures"));
        assert!(s.sql.contains("unit_clues = ANY($1)"));
        assert!(!s.sql.contains("institute_"));
        let s = figure_rows(&query(None, Some("Urgencias"), false), d(2027, 3, 1), false);
        assert!(!s.sql.contains("monthly_") && !s.sql.contains("institute_"));
        assert!(s.sql.contains("FROM indicator_figures"));
        assert!(s.sql.contains("service_area = ?1"));
    }
}
