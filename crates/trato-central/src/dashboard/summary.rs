//! The page's figures for a scope and period: totals, each day, each unit,
//! each indicator, with the headline indicator's ranking of units (units
//! with too few answers apart, a 95 % interval, the change against the
//! previous period). Nothing here names a question: meaning comes from the
//! survey definitions through [`indicators`].

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Serialize;

use super::indicators::{self, IndicatorFigures};
use super::ranking::{standing, wilson, Standing};
use super::report::bimester;
use super::{pct, Resolved};
use crate::error::ApiError;
use crate::local_time::{self, UnitClocks};
use crate::store::dash::{FigureQuery, FigureSums, Tally, Totals, Unit};
use crate::store::Store;

/// Positive, neutral and negative as percentages of the answers that gave an
/// opinion (an option with no sentiment, such as "No sé", is left out).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Percentages {
    pub pct_positive: Option<f64>,
    pub pct_neutral: Option<f64>,
    pub pct_negative: Option<f64>,
}

impl From<Tally> for Percentages {
    fn from(t: Tally) -> Self {
        let base = t.positive + t.neutral + t.negative;
        Self {
            pct_positive: pct(t.positive, base),
            pct_neutral: pct(t.neutral, base),
            pct_negative: pct(t.negative, base),
        }
    }
}

/// One indicator's counts and percentages.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct IndicatorPct {
    #[serde(flatten)]
    pub counts: Tally,
    #[serde(flatten)]
    pub pct: Percentages,
}

/// The figures of a day, a unit or the whole scope: responses and alerts,
/// the headline indicator's percentages (what the chart and the ranking
/// use), and every indicator answered there, by key.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Figures {
    pub responses: i64,
    pub alerts: i64,
    /// The headline indicator's positive share, over those with an opinion.
    pub pct_positive: Option<f64>,
    /// The headline indicator's negative share, over those with an opinion.
    pub pct_negative: Option<f64>,
    pub indicators: BTreeMap<String, IndicatorPct>,
}

impl Figures {
    pub fn new(totals: Totals, tallies: BTreeMap<String, Tally>, headline: Option<&str>) -> Self {
        let indicators: BTreeMap<String, IndicatorPct> = tallies
            .into_iter()
            .map(|(k, counts)| {
                let pct = counts.into();
                (k, IndicatorPct { counts, pct })
            })
            .collect();
        let head = headline
            .and_then(|k| indicators.get(k))
            .map(|i| i.pct)
            .unwrap_or_default();
        Self {
            responses: totals.responses,
            alerts: totals.alerts,
            pct_positive: head.pct_positive,
            pct_negative: head.pct_negative,
            indicators,
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
    /// Ranked, or set apart for having fewer answers to the headline
    /// indicator than the minimum.
    pub standing: Standing,
    /// 95 % Wilson interval of the headline % positive, in percent.
    pub interval: Option<(f64, f64)>,
    /// The headline % positive in the previous period, and the change
    /// since, in percentage points.
    pub previous_pct_positive: Option<f64>,
    pub change_points: Option<f64>,
    pub kiosks: usize,
    pub last_contact: Option<DateTime<Utc>>,
    /// The same in the unit's local time, as the page shows it.
    pub last_contact_local: Option<String>,
    /// No kiosk of the unit has been heard from for more than a day.
    pub silent: bool,
}

/// A span of kiosk-local days, inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Period {
    /// The period a change is measured against: the previous bimester when
    /// this one is a bimester (or its part so far), else as many days just
    /// before.
    pub fn previous(self) -> Period {
        let (b_from, b_to) = bimester(self.from);
        if self.from == b_from && self.to <= b_to {
            let (from, to) = bimester(b_from - Duration::days(1));
            return Period { from, to };
        }
        let len = (self.to - self.from).num_days() + 1;
        Period {
            from: self.from - Duration::days(len),
            to: self.from - Duration::days(1),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub scope: String,
    pub scope_label: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub area: Option<String>,
    /// The centre's today (Mexico City): that day's figures are partial.
    pub today: NaiveDate,
    /// Fewest answers to the headline indicator for a unit to be ranked.
    pub min_responses: i64,
    /// What the units' change is measured against.
    pub previous: Period,
    pub totals: Figures,
    pub previous_totals: Figures,
    pub days: Vec<DayFigures>,
    /// Ranked units, worst headline % positive first, then the units with
    /// few answers, then those with none.
    pub units: Vec<UnitFigures>,
    /// The indicators the survey versions answered in the scope and period
    /// declare, each with its label, counts and contributing versions.
    pub indicators: Vec<IndicatorFigures>,
    pub generated_at: DateTime<Utc>,
}

/// What a summary is asked for.
#[derive(Debug, Clone)]
pub struct SummaryQuery {
    pub period: Period,
    pub area: Option<String>,
    pub min_responses: i64,
}

/// Sums of a period read as page figures: per day, per unit, in total, all
/// with the same headline indicator.
struct PeriodSums {
    sums: FigureSums,
    indicators: Vec<IndicatorFigures>,
    day_tallies: HashMap<NaiveDate, BTreeMap<String, Tally>>,
    unit_tallies: HashMap<String, BTreeMap<String, Tally>>,
}

impl PeriodSums {
    async fn new(store: &dyn Store, q: &FigureQuery) -> Result<Self, ApiError> {
        let sums = store.dash().figures(q).await?;
        let indicators = indicators::indicators(store, &sums.version_sums()).await?;
        let mut day_tallies: HashMap<NaiveDate, BTreeMap<String, Tally>> = HashMap::new();
        for (d, k, t) in &sums.day_indicators {
            day_tallies.entry(*d).or_default().insert(k.clone(), *t);
        }
        let mut unit_tallies: HashMap<String, BTreeMap<String, Tally>> = HashMap::new();
        for u in &sums.unit_indicators {
            unit_tallies
                .entry(u.unit.clone())
                .or_default()
                .entry(u.sum.indicator.clone())
                .or_default()
                .add(&u.sum.tally);
        }
        Ok(Self {
            sums,
            indicators,
            day_tallies,
            unit_tallies,
        })
    }

    fn totals(&self, headline: Option<&str>) -> Figures {
        let tallies = self
            .indicators
            .iter()
            .map(|i| (i.key.clone(), i.counts))
            .collect();
        Figures::new(self.sums.totals(), tallies, headline)
    }

    fn day(&self, d: NaiveDate, headline: Option<&str>) -> Figures {
        let totals = self.sums.days.iter().find(|(x, _)| *x == d).map(|x| x.1);
        Figures::new(
            totals.unwrap_or_default(),
            self.day_tallies.get(&d).cloned().unwrap_or_default(),
            headline,
        )
    }

    fn units(&self, headline: Option<&str>) -> HashMap<String, Figures> {
        let totals: HashMap<&str, Totals> = self
            .sums
            .units
            .iter()
            .map(|(u, t)| (u.as_str(), *t))
            .collect();
        let mut out = HashMap::new();
        for clues in totals
            .keys()
            .copied()
            .chain(self.unit_tallies.keys().map(String::as_str))
        {
            let f = Figures::new(
                totals.get(clues).copied().unwrap_or_default(),
                self.unit_tallies.get(clues).cloned().unwrap_or_default(),
                headline,
            );
            out.insert(clues.to_owned(), f);
        }
        out
    }
}

/// Computes the page's figures for a resolved scope.
pub async fn summary(
    store: &dyn Store,
    resolved: &Resolved,
    q: SummaryQuery,
    catalogue: &[Unit],
) -> Result<Summary, ApiError> {
    let figure_query = |p: Period, by_day| FigureQuery {
        from: p.from,
        to: p.to,
        units: resolved.units.clone(),
        area: q.area.clone(),
        by_day,
    };
    let current = PeriodSums::new(store, &figure_query(q.period, true)).await?;
    let previous = q.period.previous();
    // The previous period only for the change: no chart.
    let before = PeriodSums::new(store, &figure_query(previous, false)).await?;
    // The headline is this period's; the previous period is read with it,
    // so a change compares the same indicator.
    let headline = indicators::headline(&current.indicators).map(str::to_owned);
    let headline = headline.as_deref();
    let mut days = Vec::new();
    let mut d = q.period.from;
    while d <= q.period.to {
        days.push(DayFigures {
            day: d,
            figures: current.day(d, headline),
        });
        d += Duration::days(1);
    }
    let units = unit_rows(
        store,
        resolved,
        catalogue,
        current.units(headline),
        before.units(headline),
        headline,
        q.min_responses,
    )
    .await?;
    Ok(Summary {
        scope: resolved.want.as_param(),
        scope_label: resolved.label.clone(),
        from: q.period.from,
        to: q.period.to,
        area: q.area,
        today: super::today(),
        min_responses: q.min_responses,
        previous,
        totals: current.totals(headline),
        previous_totals: before.totals(headline),
        days,
        units,
        indicators: current.indicators,
        generated_at: Utc::now(),
    })
}

/// The totals of some units (`None`: the whole institute) over a period,
/// with `headline` as the headline indicator: aggregates only, for the
/// report's comparison with the unit's OOAD/UMAE and the nation.
pub async fn scope_totals(
    store: &dyn Store,
    units: Option<Vec<String>>,
    period: Period,
    headline: Option<&str>,
) -> Result<Figures, ApiError> {
    let q = FigureQuery {
        from: period.from,
        to: period.to,
        units,
        area: None,
        by_day: false,
    };
    Ok(PeriodSums::new(store, &q).await?.totals(headline))
}

/// Every unit of the scope (the catalogue's, and any with figures), with
/// its figures, ranking and kiosks' last contact, in ranking order.
async fn unit_rows(
    store: &dyn Store,
    resolved: &Resolved,
    catalogue: &[Unit],
    mut now: HashMap<String, Figures>,
    before: HashMap<String, Figures>,
    headline: Option<&str>,
    min_responses: i64,
) -> Result<Vec<UnitFigures>, ApiError> {
    // Last contact per unit, from the kiosks' last batch.
    let time = Utc::now();
    let mut contact: HashMap<String, (usize, Option<DateTime<Utc>>)> = HashMap::new();
    let kiosks = store.list_kiosks().await?;
    let clocks = UnitClocks::from_kiosks(&kiosks);
    for k in kiosks {
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
    let outside = resolved.units.iter().flatten().chain(now.keys());
    for c in outside.cloned().collect::<Vec<_>>() {
        names
            .entry(c.clone())
            .or_insert_with(|| (c, "(fuera del catálogo)".into()));
    }
    let mut units: Vec<UnitFigures> = names
        .into_iter()
        .map(|(clues, (name, parent))| {
            let (kiosks, last) = contact.get(&clues).copied().unwrap_or_default();
            let last_contact_local = last.map(|t| local_time::display(t, clocks.offset(&clues)));
            let figures = now.remove(&clues).unwrap_or_default();
            let head = headline.and_then(|k| figures.indicators.get(k));
            let opinions = head.map_or(0, |i| {
                i.counts.positive + i.counts.neutral + i.counts.negative
            });
            let previous_pct_positive = before.get(&clues).and_then(|f| f.pct_positive);
            let change_points = figures
                .pct_positive
                .zip(previous_pct_positive)
                .map(|(a, b)| ((a - b) * 10.0).round() / 10.0);
            UnitFigures {
                standing: standing(opinions, min_responses),
                interval: head.and_then(|i| wilson(i.counts.positive, opinions)),
                previous_pct_positive,
                change_points,
                figures,
                clues,
                name,
                parent,
                kiosks,
                last_contact: last,
                last_contact_local,
                silent: last.is_none_or(|t| time - t > Duration::days(1)),
            }
        })
        .collect();
    units.sort_by(|a, b| {
        let ((ga, pa), (gb, pb)) = (rank_key(a), rank_key(b));
        ga.cmp(&gb)
            .then(pa.total_cmp(&pb))
            .then_with(|| a.clues.cmp(&b.clues))
    });
    Ok(units)
}

/// Ranked units first, worst % positive first; then few answers (by %);
/// then units with no answers.
fn rank_key(u: &UnitFigures) -> (u8, f64) {
    let group = match (u.standing, u.figures.pct_positive) {
        (Standing::Ranked, _) => 0,
        (Standing::FewResponses, Some(_)) => 1,
        (Standing::FewResponses, None) => 2,
    };
    (group, u.figures.pct_positive.unwrap_or(f64::INFINITY))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn previous_period_is_the_previous_bimester_or_as_many_days_before() {
        let p = |from, to| Period { from, to }.previous();
        // A whole bimester, and one in progress.
        assert_eq!(
            p(d(2026, 3, 1), d(2026, 4, 30)),
            Period {
                from: d(2026, 1, 1),
                to: d(2026, 2, 28)
            }
        );
        assert_eq!(
            p(d(2026, 11, 1), d(2026, 12, 7)),
            Period {
                from: d(2026, 9, 1),
                to: d(2026, 10, 31)
            }
        );
        // Across the year.
        assert_eq!(
            p(d(2027, 1, 1), d(2027, 2, 28)),
            Period {
                from: d(2026, 11, 1),
                to: d(2026, 12, 31)
            }
        );
        // Seven days: the seven before.
        assert_eq!(p(d(2026, 12, 1), d(2026, 12, 7)).from, d(2026, 11, 24));
        assert_eq!(
            p(d(2026, 12, 2), d(2026, 12, 8)),
            Period {
                from: d(2026, 11, 25),
                to: d(2026, 12, 1)
            }
        );
    }
}
