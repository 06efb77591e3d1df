//! Which rollup rows answer a [`FigureQuery`], and the one statement that
//! reads them (the same on both backends but for placeholders and types).
//!
//! The page over the whole institute needs, per unit, the sums of a period
//! that is mostly whole months (a bimester is two). Reading them from the
//! monthly rollup costs one row per unit and month instead of one per unit
//! and day. A period's partial month is read from the daily rollup: its days
//! inside the period, or the whole month minus its days outside the period
//! when those are fewer (a month in progress has no rows after today, so
//! "este bimestre" is two month rows per unit). The per-day sums of the
//! chart come from the daily rollup summed over every unit, when the query
//! covers every unit. See migration 0013 and docs/PERFORMANCE.md.

use chrono::{Datelike, Duration, Months, NaiveDate};

use super::dash::{row_kind, FigureQuery, Tally, Totals};

/// A span of days, inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Days {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Days {
    /// The span, or `None` when `from` is after `to`.
    fn new(from: NaiveDate, to: NaiveDate) -> Option<Days> {
        (from <= to).then_some(Days { from, to })
    }

    /// Roughly what reading the span costs: its days that can have rows,
    /// those up to `horizon`.
    fn cost(self, horizon: NaiveDate) -> i64 {
        ((self.to.min(horizon) - self.from).num_days() + 1).max(0)
    }
}

/// How a period's per-unit sums are read: whole months from the monthly
/// rollup, plus the period's days outside those months, minus those months'
/// days outside the period.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct FigurePlan {
    /// The first days of the first and last month read whole.
    pub months: Option<(NaiveDate, NaiveDate)>,
    pub added: Vec<Days>,
    pub removed: Vec<Days>,
}

fn month_start(d: NaiveDate) -> NaiveDate {
    d.with_day(1).unwrap_or(d)
}

fn month_end(first: NaiveDate) -> NaiveDate {
    first
        .checked_add_months(Months::new(1))
        .map_or(NaiveDate::MAX, |next| next - Duration::days(1))
}

impl FigurePlan {
    /// The plan for `from..=to`. `horizon` is the last day that may have
    /// rows (today, anywhere in Mexico): only which rows are read depends on
    /// it, never what they add up to.
    pub fn new(from: NaiveDate, to: NaiveDate, horizon: NaiveDate) -> Self {
        let mut plan = Self::default();
        let mut month = month_start(from);
        while month <= to {
            let end = month_end(month);
            let inside = Days {
                from: from.max(month),
                to: to.min(end),
            };
            let outside = [
                Days::new(month, from - Duration::days(1)),
                Days::new(to + Duration::days(1), end),
            ];
            let outside_cost: i64 = outside.iter().flatten().map(|d| d.cost(horizon)).sum();
            // The month's own rows cost about a day's.
            if outside_cost + 1 < inside.cost(horizon) {
                let first = plan.months.map_or(month, |(first, _)| first);
                plan.months = Some((first, month));
                plan.removed.extend(outside.into_iter().flatten());
            } else {
                plan.added.push(inside);
            }
            match month.checked_add_months(Months::new(1)) {
                Some(next) => month = next,
                None => break,
            }
        }
        plan
    }

    /// Every day from the daily rollup: for the rollups kept per service
    /// area, which have no monthly counterpart.
    pub fn days_only(from: NaiveDate, to: NaiveDate) -> Self {
        Self {
            added: Days::new(from, to).into_iter().collect(),
            ..Self::default()
        }
    }
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
/// four counts (the totals' two in the first two). Rows of the days a month
/// is read without are negated, so the rows of one kind and key add up to
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
                let list: Vec<String> = units
                    .iter()
                    .map(|u| self.param(SqlParam::Text(u.clone())))
                    .collect();
                sql.push_str(&format!(" AND unit_clues IN ({})", list.join(",")));
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

    /// The per-unit rows from one table (a rollup, daily or monthly) over
    /// one span of its `column`.
    fn unit_parts(&mut self, tables: (&str, &str), column: &str, span: Days, sign: i8, f: &str) {
        let span = self.span(column, span.from, span.to);
        let (d, t) = (self.null("date"), self.null("text"));
        self.parts.push(format!(
            "SELECT {kind}, {d}, unit_clues, {t}, {n}, {t}, {totals}, 0, 0 FROM {table}
             WHERE {span}{f}",
            kind = row_kind::UNIT,
            n = self.null("int8"),
            table = tables.0,
            totals = Self::counts(Totals::COLUMNS, sign),
        ));
        self.parts.push(format!(
            "SELECT {kind}, {d}, unit_clues, survey_id, survey_version, indicator, {tally}
             FROM {table} WHERE {span}{f}",
            kind = row_kind::UNIT_INDICATOR,
            table = tables.1,
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
    let daily = (q.table(), q.indicator_table());
    if let Some((first, last)) = plan.months {
        let monthly = ("monthly_unit_figures", "monthly_indicator_unit_figures");
        b.unit_parts(
            monthly,
            "month",
            Days {
                from: first,
                to: last,
            },
            1,
            &f,
        );
    }
    for days in plan.added {
        b.unit_parts(daily, "day", days, 1, &f);
    }
    for days in plan.removed {
        b.unit_parts(daily, "day", days, -1, &f);
    }
    if b.parts.is_empty() {
        // A period that ends before it starts: a statement with no rows.
        let none = Days {
            from: q.from,
            to: q.to,
        };
        b.unit_parts(daily, "day", none, 1, &f);
    }
    FigureSql {
        sql: b.parts.join("\nUNION ALL\n"),
        params: b.params,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn days(from: NaiveDate, to: NaiveDate) -> Days {
        Days { from, to }
    }

    #[test]
    fn a_bimester_is_two_month_rows() {
        let p = FigurePlan::new(d(2026, 9, 1), d(2026, 10, 31), d(2026, 12, 7));
        assert_eq!(p.months, Some((d(2026, 9, 1), d(2026, 10, 1))));
        assert!(p.added.is_empty() && p.removed.is_empty());
    }

    #[test]
    fn the_bimester_in_progress_is_its_months_less_the_days_to_come() {
        let p = FigurePlan::new(d(2026, 11, 1), d(2026, 12, 7), d(2026, 12, 8));
        assert_eq!(p.months, Some((d(2026, 11, 1), d(2026, 12, 1))));
        assert_eq!(p.removed, vec![days(d(2026, 12, 8), d(2026, 12, 31))]);
        assert!(p.added.is_empty());
    }

    #[test]
    fn a_few_days_are_read_as_days() {
        let p = FigurePlan::new(d(2025, 12, 1), d(2025, 12, 7), d(2026, 12, 8));
        assert_eq!(p.months, None);
        assert_eq!(p.added, vec![days(d(2025, 12, 1), d(2025, 12, 7))]);
        // The first of a month, on its first day.
        let p = FigurePlan::new(d(2026, 12, 1), d(2026, 12, 1), d(2026, 12, 2));
        assert_eq!(p.months, None);
        // This month's first week, though, is its month row (and no more).
        let p = FigurePlan::new(d(2026, 12, 1), d(2026, 12, 7), d(2026, 12, 8));
        assert_eq!(p.months, Some((d(2026, 12, 1), d(2026, 12, 1))));
    }

    #[test]
    fn sixty_days_take_the_cheaper_side_of_each_partial_month() {
        let p = FigurePlan::new(d(2026, 10, 9), d(2026, 12, 7), d(2026, 12, 8));
        assert_eq!(p.months, Some((d(2026, 10, 1), d(2026, 12, 1))));
        assert_eq!(
            p.removed,
            vec![
                days(d(2026, 10, 1), d(2026, 10, 8)),
                days(d(2026, 12, 8), d(2026, 12, 31))
            ]
        );
        // In the past, December's 7 days beat its 24 others.
        let p = FigurePlan::new(d(2025, 10, 9), d(2025, 12, 7), d(2026, 12, 8));
        assert_eq!(p.months, Some((d(2025, 10, 1), d(2025, 11, 1))));
        assert_eq!(p.added, vec![days(d(2025, 12, 1), d(2025, 12, 7))]);
        assert_eq!(p.removed, vec![days(d(2025, 10, 1), d(2025, 10, 8))]);
    }

    /// Every plan adds up to the days of its period, whatever the period
    /// and the horizon: checked against made-up daily counts.
    #[test]
    fn every_plan_adds_up_to_its_days() {
        let start = d(2025, 11, 20);
        let value = |x: NaiveDate| i64::from(x.ordinal()) * 7 + i64::from(x.day());
        let mut monthly: BTreeMap<NaiveDate, i64> = BTreeMap::new();
        for i in 0..200 {
            let x = start + Duration::days(i);
            *monthly.entry(month_start(x)).or_default() += value(x);
        }
        let sum = |s: Days| {
            let mut t = 0;
            let mut x = s.from;
            while x <= s.to {
                t += value(x);
                x += Duration::days(1);
            }
            t
        };
        for a in (10..120).step_by(3) {
            for len in [1, 2, 9, 16, 17, 30, 31, 45, 59, 61, 62, 75] {
                for h in [0, 20, 200] {
                    let from = start + Duration::days(a);
                    let to = from + Duration::days(len - 1);
                    let p = FigurePlan::new(from, to, from + Duration::days(h));
                    let mut got: i64 = p.added.iter().map(|s| sum(*s)).sum();
                    got -= p.removed.iter().map(|s| sum(*s)).sum::<i64>();
                    if let Some((m1, m2)) = p.months {
                        got += monthly.range(m1..=m2).map(|(_, v)| v).sum::<i64>();
                    }
                    assert_eq!(got, sum(days(from, to)), "{from}..={to}, {p:?}");
                }
            }
        }
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
