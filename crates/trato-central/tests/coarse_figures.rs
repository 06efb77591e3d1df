//! The page's sums read from the coarser rollups (per unit and month, per day
//! over every unit: migration 13) equal the same sums read from the daily
//! rollups: over 130 days of responses in three units, for bimesters, the
//! one in progress and ranges that cut months anywhere; at ingest, after a
//! batch is sent again, after `rollup rebuild` rewrote a unit's days, and
//! after a centre from schema 12 migrates and fills them from its daily
//! rollups. On SQLite and (with `TRATO_TEST_PG_URL`) PostgreSQL.

mod common;
mod dashboard_support;

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate};
use common::backends;
use dashboard_support::*;
use trato_central::dashboard::report::bimester;
use trato_central::dashboard::today;
use trato_central::store::dash::{FigureQuery, FigureSums, Tally, Totals};
use trato_central::Store;

const UNITS: [&str; 3] = ["DFIMS000020", "NLIMS000315", "JCIMS000107"];

async fn figures(
    store: &dyn Store,
    (from, to): (NaiveDate, NaiveDate),
    units: Option<&[&str]>,
    area: Option<&str>,
    by_day: bool,
) -> FigureSums {
    let q = FigureQuery {
        from,
        to,
        units: units.map(|u| u.iter().map(|x| x.to_string()).collect()),
        area: area.map(str::to_owned),
        by_day,
    };
    store.dash().figures(&q).await.unwrap()
}

/// Bimesters whole and in progress, and ranges cutting months anywhere.
fn ranges() -> Vec<(NaiveDate, NaiveDate)> {
    let t = today();
    let (this, _) = bimester(t);
    let mut out = vec![(this, t), bimester(this - Duration::days(1)), (t, t)];
    for (back, len) in [
        (6, 7),
        (29, 30),
        (59, 60),
        (89, 90),
        (129, 130),
        (75, 26),
        (100, 61),
    ] {
        out.push((t - Duration::days(back), t - Duration::days(back - len + 1)));
    }
    out
}

/// Counts per indicator key, over survey versions.
fn by_key<'a>(rows: impl Iterator<Item = (&'a str, Tally)>) -> BTreeMap<String, Tally> {
    let mut out: BTreeMap<String, Tally> = BTreeMap::new();
    for (k, t) in rows {
        out.entry(k.to_owned()).or_default().add(&t);
    }
    out
}

/// Every way of reading a range's sums agrees; returns the institute's sums
/// of every range, to compare across steps.
async fn sums_agree(store: &dyn Store, what: &str) -> Vec<(Vec<(String, Totals)>, usize)> {
    let mut seen = Vec::new();
    let mut with_months = 0;
    for range in ranges() {
        let what = format!("{what}, {range:?}");
        let inst = figures(store, range, None, None, true).await;
        // The same units named: the chart from the daily rollups.
        let every = figures(store, range, Some(&UNITS), None, true).await;
        assert_eq!(inst.days, every.days, "{what}");
        assert_eq!(inst.day_indicators, every.day_indicators, "{what}");
        assert_eq!(inst.units, every.units, "{what}");
        assert_eq!(inst.unit_indicators, every.unit_indicators, "{what}");
        assert_eq!(
            inst.totals(),
            every.days.iter().fold(Totals::default(), |mut t, d| {
                t.add(&d.1);
                t
            }),
            "{what}"
        );
        // Each unit: its days (daily rows) add up to its sums (months).
        for unit in UNITS {
            let one = figures(store, range, Some(&[unit]), None, true).await;
            let mut days = Totals::default();
            one.days.iter().for_each(|(_, t)| days.add(t));
            let of_unit = inst.units.iter().find(|(u, _)| u == unit);
            assert_eq!(
                of_unit.map(|x| x.1).unwrap_or_default(),
                days,
                "{what} {unit}"
            );
            let per_day = by_key(one.day_indicators.iter().map(|(_, k, t)| (k.as_str(), *t)));
            let per_unit = by_key(
                inst.unit_indicators
                    .iter()
                    .filter(|u| u.unit == unit)
                    .map(|u| (u.sum.indicator.as_str(), u.sum.tally)),
            );
            assert_eq!(per_day, per_unit, "{what} {unit}");
        }
        // Without the chart, and per service area (daily rows only).
        let no_days = figures(store, range, None, None, false).await;
        assert!(no_days.days.is_empty() && no_days.day_indicators.is_empty());
        assert_eq!(no_days.units, inst.units, "{what}");
        assert_eq!(no_days.unit_indicators, inst.unit_indicators, "{what}");
        let mut areas: BTreeMap<String, Totals> = BTreeMap::new();
        for area in AREAS {
            for (u, t) in figures(store, range, None, Some(area), false).await.units {
                areas.entry(u).or_default().add(&t);
            }
        }
        assert_eq!(areas.into_iter().collect::<Vec<_>>(), inst.units, "{what}");
        with_months += usize::from((range.1 - range.0).num_days() > 40);
        let count = inst.unit_indicators.len();
        seen.push((inst.units, count));
    }
    assert!(with_months >= 4);
    assert!(
        seen.iter().filter(|(u, _)| u.len() == UNITS.len()).count() >= 8,
        "{what}: {seen:?}"
    );
    seen
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn coarse_sums_equal_the_daily_ones() {
    for b in backends() {
        let d = start(b).await;
        let mut rng = Rng(0xC0A75E);
        let mut kiosks = Vec::new();
        for unit in UNITS {
            let k = d.kiosk(unit).await;
            let rs = generate(&mut rng, &k, 500, 130);
            d.post_batch(&k, rs.clone()).await;
            kiosks.push((k, rs));
        }
        let store = d.store();
        let at_ingest = sums_agree(&*store, &format!("{b:?} at ingest")).await;

        // Sent again: nothing changes.
        let (k, rs) = &kiosks[0];
        d.post_batch(k, rs.clone()).await;
        assert_eq!(
            sums_agree(&*store, &format!("{b:?} resent")).await,
            at_ingest
        );

        // Rebuilt: the daily rows deleted and written again, the coarse ones
        // follow.
        let (from, to) = store.dash().rollup_span(UNITS[1]).await.unwrap().unwrap();
        store
            .dash()
            .rebuild_rollup(UNITS[1], from, to)
            .await
            .unwrap();
        assert_eq!(
            sums_agree(&*store, &format!("{b:?} rebuilt")).await,
            at_ingest
        );

        // New responses today after all that.
        let (k, _) = &kiosks[2];
        d.post_batch(k, generate(&mut rng, k, 40, 1)).await;
        let later = sums_agree(&*store, &format!("{b:?} later")).await;
        assert_ne!(later, at_ingest);

        // A centre from schema 12: opening it migrates and fills the coarse
        // rollups from the daily ones.
        exec(&d, undo_coarse_figures(b)).await;
        let migrated = trato_central::open_store(&d.url).await.unwrap();
        assert_eq!(
            sums_agree(&*migrated, &format!("{b:?} migrated from schema 12")).await,
            later
        );
        d.stop().await;
    }
}
