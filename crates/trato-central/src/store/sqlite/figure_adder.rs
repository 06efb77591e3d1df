//! Adds up rollup rows into [`FigureSums`] in one pass, in memory.
//!
//! A page over the whole institute reads about 400,000 indicator rows a
//! period (1,100 units, 60 days, six indicators). SQLite's GROUP BY sorts
//! them in a temporary B-tree, once per grouping: over a second a period.
//! Read in key order and added up here, each row costs a few comparisons:
//! the strings of consecutive rows repeat, so each is looked up only when it
//! changes, and the sums live in vectors indexed by small ids.

use std::collections::HashMap;

use super::day;
use crate::error::StoreError;
use crate::store::dash::{FigureSums, IndicatorSum, Tally, Totals, UnitIndicatorSum};

/// Small ids for the strings of a query's rows, with the last one looked up
/// remembered (rows in key order repeat it).
#[derive(Default)]
struct Ids {
    by_name: HashMap<String, usize>,
    names: Vec<String>,
    last: Option<usize>,
}

impl Ids {
    fn id(&mut self, name: &str) -> usize {
        if let Some(i) = self.last.filter(|&i| self.names[i] == name) {
            return i;
        }
        let i = match self.by_name.get(name) {
            Some(&i) => i,
            None => {
                self.names.push(name.to_owned());
                self.by_name.insert(name.to_owned(), self.names.len() - 1);
                self.names.len() - 1
            }
        };
        self.last = Some(i);
        i
    }
}

/// One unit's indicator sums: a handful per unit, so a short list.
type UnitTallies = Vec<((usize, u32, usize), Tally)>;

/// Sums of rollup rows, by day and by unit; see [`FigureAdder::finish`].
/// Rows may be negative (days taken out of a month).
#[derive(Default)]
pub(crate) struct FigureAdder {
    days: Ids,
    units: Ids,
    surveys: Ids,
    indicators: Ids,
    /// Per day id; `None` for a day with indicator rows only.
    day_totals: Vec<Option<Totals>>,
    unit_totals: Vec<Option<Totals>>,
    /// Per day id, per indicator id.
    day_tallies: Vec<Vec<Option<Tally>>>,
    /// Per unit id: (survey id, version, indicator id) and its sum.
    unit_tallies: Vec<UnitTallies>,
}

/// `v[i]`, growing `v` with defaults up to `i`.
fn at<T: Default>(v: &mut Vec<T>, i: usize) -> &mut T {
    if v.len() <= i {
        v.resize_with(i + 1, T::default);
    }
    &mut v[i]
}

impl FigureAdder {
    /// One day's responses and alerts (of one unit, or of every unit).
    pub fn add_day_totals(&mut self, day: &str, totals: Totals) {
        let d = self.days.id(day);
        at(&mut self.day_totals, d)
            .get_or_insert_default()
            .add(&totals);
    }

    /// A unit's responses and alerts (of a day or a month).
    pub fn add_unit_totals(&mut self, unit: &str, totals: Totals) {
        let u = self.units.id(unit);
        at(&mut self.unit_totals, u)
            .get_or_insert_default()
            .add(&totals);
    }

    /// One day's counts of an indicator.
    pub fn add_day_indicator(&mut self, day: &str, indicator: &str, tally: Tally) {
        let (d, k) = (self.days.id(day), self.indicators.id(indicator));
        at(at(&mut self.day_tallies, d), k)
            .get_or_insert_default()
            .add(&tally);
    }

    /// A unit's counts of an indicator of one survey version.
    pub fn add_unit_indicator(
        &mut self,
        unit: &str,
        (survey, version): (&str, u32),
        indicator: &str,
        tally: Tally,
    ) {
        let u = self.units.id(unit);
        let (s, k) = (self.surveys.id(survey), self.indicators.id(indicator));
        let sums = at(&mut self.unit_tallies, u);
        match sums.iter_mut().find(|(key, _)| *key == (s, version, k)) {
            Some((_, t)) => t.add(&tally),
            None => sums.push(((s, version, k), tally)),
        }
    }

    /// The sums in the order [`FigureSums`] promises: days in order, units
    /// in CLUES order, then survey, version and indicator.
    pub fn finish(self) -> Result<FigureSums, StoreError> {
        let dates = self
            .days
            .names
            .iter()
            .map(|d| day(d))
            .collect::<Result<Vec<_>, _>>()?;
        let (units, surveys, keys) = (
            &self.units.names,
            &self.surveys.names,
            &self.indicators.names,
        );
        let mut out = FigureSums::default();
        for (d, totals) in self.day_totals.iter().enumerate() {
            if let Some(t) = totals {
                out.days.push((dates[d], *t));
            }
        }
        for (d, tallies) in self.day_tallies.iter().enumerate() {
            for (k, tally) in tallies.iter().enumerate() {
                if let Some(t) = tally {
                    out.day_indicators.push((dates[d], keys[k].clone(), *t));
                }
            }
        }
        for (u, totals) in self.unit_totals.iter().enumerate() {
            if let Some(t) = totals {
                out.units.push((units[u].clone(), *t));
            }
        }
        for (u, sums) in self.unit_tallies.iter().enumerate() {
            for ((s, version, k), tally) in sums {
                out.unit_indicators.push(UnitIndicatorSum {
                    unit: units[u].clone(),
                    sum: IndicatorSum {
                        survey_id: surveys[*s].clone(),
                        survey_version: *version,
                        indicator: keys[*k].clone(),
                        tally: *tally,
                    },
                });
            }
        }
        out.sort();
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;

    fn tally(answered: i64, positive: i64) -> Tally {
        Tally {
            answered,
            positive,
            neutral: 0,
            negative: answered - positive,
        }
    }

    fn totals(responses: i64, alerts: i64) -> Totals {
        Totals { responses, alerts }
    }

    #[test]
    fn rows_in_any_order_add_up_by_day_and_by_unit() {
        let mut a = FigureAdder::default();
        // Rows as the daily rollup has them, each counted by day and by unit.
        let mut row = |day, unit, t| {
            a.add_day_totals(day, t);
            a.add_unit_totals(unit, t);
        };
        row("2026-03-02", "B", totals(2, 1));
        row("2026-03-01", "A", totals(3, 0));
        row("2026-03-02", "A", totals(1, 0));
        let mut row = |day, unit, version, key, t| {
            a.add_day_indicator(day, key, t);
            a.add_unit_indicator(unit, ("s", version), key, t);
        };
        row("2026-03-02", "B", 2, "k", tally(2, 1));
        row("2026-03-01", "A", 1, "k", tally(3, 3));
        row("2026-03-02", "A", 2, "k", tally(1, 0));
        row("2026-03-02", "A", 1, "k", tally(1, 1));
        row("2026-03-02", "A", 2, "j", tally(1, 1));
        let s = a.finish().unwrap();
        let d = |x: &str| NaiveDate::parse_from_str(x, "%Y-%m-%d").unwrap();
        assert_eq!(
            s.days,
            vec![
                (d("2026-03-01"), totals(3, 0)),
                (d("2026-03-02"), totals(3, 1))
            ]
        );
        assert_eq!(
            s.units,
            vec![("A".into(), totals(4, 0)), ("B".into(), totals(2, 1))]
        );
        // Per day over every survey version.
        assert_eq!(
            s.day_indicators,
            vec![
                (d("2026-03-01"), "k".into(), tally(3, 3)),
                (d("2026-03-02"), "j".into(), tally(1, 1)),
                (d("2026-03-02"), "k".into(), tally(4, 2)),
            ]
        );
        // Per unit, survey version apart.
        let units: Vec<_> = s
            .unit_indicators
            .iter()
            .map(|u| {
                let k = &u.sum;
                (
                    u.unit.as_str(),
                    k.survey_version,
                    k.indicator.as_str(),
                    k.tally,
                )
            })
            .collect();
        assert_eq!(
            units,
            vec![
                ("A", 1, "k", tally(4, 4)),
                ("A", 2, "j", tally(1, 1)),
                ("A", 2, "k", tally(1, 0)),
                ("B", 2, "k", tally(2, 1)),
            ]
        );
    }

    #[test]
    fn a_day_with_indicator_rows_only_has_no_totals_row() {
        let mut a = FigureAdder::default();
        a.add_day_indicator("2026-03-01", "k", Tally::default());
        a.add_unit_indicator("A", ("s", 1), "k", Tally::default());
        let s = a.finish().unwrap();
        assert!(s.days.is_empty() && s.units.is_empty());
        // A row of zeros is still a row, as a GROUP BY would give it...
        assert_eq!(s.day_indicators.len(), 1);
        assert_eq!(s.unit_indicators.len(), 1);
        // ...which the store then leaves out.
        let s = s.without_zeros();
        assert!(s.day_indicators.is_empty() && s.unit_indicators.is_empty());
    }

    #[test]
    fn a_month_less_its_days_outside_adds_up_to_the_days_inside() {
        let mut a = FigureAdder::default();
        a.add_unit_totals("A", totals(10, 2));
        a.add_unit_totals("A", totals(-4, -1));
        a.add_unit_totals("B", totals(3, 0));
        a.add_unit_totals("B", totals(-3, 0));
        a.add_unit_indicator("A", ("s", 1), "k", tally(9, 5));
        a.add_unit_indicator("A", ("s", 1), "k", tally(-4, -1));
        let s = a.finish().unwrap().without_zeros();
        assert_eq!(s.units, vec![("A".into(), totals(6, 1))]);
        assert_eq!(s.unit_indicators.len(), 1);
        assert_eq!(s.unit_indicators[0].sum.tally, tally(5, 4));
        assert_eq!(s.totals(), totals(6, 1));
    }

    #[test]
    fn a_day_that_is_not_a_date_is_an_error_not_a_panic() {
        let mut a = FigureAdder::default();
        a.add_day_totals("someday", totals(1, 0));
        assert!(a.finish().is_err());
    }
}
