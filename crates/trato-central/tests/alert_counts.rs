//! The alert list's counts per unit and reason, read mostly from the counts
//! kept at ingest and on attend (`alert_counts`, migration 12), equal the
//! alerts counted one by one: over alerts of 60 days in two units, two
//! services and every reason, kiosks in the widest UTC offsets, some
//! attended, a batch sent twice, for periods that cross the settled day and
//! for every kind of due rule; the list holds every alert counted. And again
//! after a centre from schema 11 migrates and fills the counts from the
//! alerts it had. On SQLite and (with `TRATO_TEST_PG_URL`) PostgreSQL.

mod common;
mod dashboard_support;

use chrono::{DateTime, Duration, Utc};
use common::{backends, Backend};
use dashboard_support::*;
use trato_central::admin::IssuedKiosk;
use trato_central::dashboard::today;
use trato_central::store::alerts::{AlertFilter, AlertGroup, AlertStatus, AlertStore, DueCutoffs};
use trato_domain::wire::MAX_UTC_OFFSET_MINUTES;
use trato_domain::Response;

/// (trato code, respeto code): a low rating, disrespect, both, and none.
const ANSWERS: [(&str, &str); 4] = [("1", "si"), ("5", "no"), ("2", "no"), ("5", "si")];

/// Responses every 7 hours over 60 days, cycling through the answers, the
/// services and the widest offsets a kiosk may report.
fn responses(k: &IssuedKiosk, now: DateTime<Utc>) -> Vec<Response> {
    let offsets = [-MAX_UTC_OFFSET_MINUTES, -360, 0, MAX_UTC_OFFSET_MINUTES];
    (0..(60 * 24 / 7))
        .map(|i: i64| {
            let (trato, respeto) = ANSWERS[i as usize % ANSWERS.len()];
            let area = ["urgencias", "consulta externa"][(i / 4) as usize % 2];
            let mut r = response(
                k,
                now - Duration::hours(7 * i),
                area,
                trato,
                ["si", "si", "si", respeto],
            );
            r.utc_offset_minutes = offsets[(i / 8) as usize % offsets.len()];
            r
        })
        .collect()
}

fn sorted(mut groups: Vec<AlertGroup>) -> Vec<(String, String, i64, i64, i64)> {
    groups.sort_by(|a, b| (&a.unit_clues, &a.reason).cmp(&(&b.unit_clues, &b.reason)));
    groups
        .into_iter()
        .map(|g| (g.unit_clues, g.reason, g.total, g.open, g.overdue))
        .collect()
}

/// The due rules to try: per reason key (the first key 24 h, the others
/// 72 h) with a rule for the rest, the first key alone, the rest alone, and none.
fn due_rules(keys: &[String], now: DateTime<Utc>) -> Vec<DueCutoffs> {
    let per_key: Vec<(String, DateTime<Utc>)> = keys
        .iter()
        .enumerate()
        .map(|(i, k)| {
            (
                k.clone(),
                now - Duration::hours(if i == 0 { 24 } else { 72 }),
            )
        })
        .collect();
    vec![
        DueCutoffs {
            keys: per_key.clone(),
            other: Some(now - Duration::hours(72)),
        },
        DueCutoffs {
            keys: per_key[..1].to_vec(),
            other: None,
        },
        DueCutoffs {
            keys: vec![],
            other: Some(now - Duration::days(9)),
        },
        DueCutoffs::default(),
    ]
}

/// Every filter of the list's counts that the kept counts answer, checked
/// against the alerts counted one by one.
async fn counts_agree(store: &dyn AlertStore, what: &str) {
    let now = Utc::now();
    let everything = filter(90, None, None, DueCutoffs::default());
    let all = store.exact_groups(&everything).await.unwrap();
    assert!(all.len() >= 6, "{what}: {all:?}");
    let mut keys: Vec<String> = all
        .iter()
        .flat_map(|g| g.reason.split(',').map(str::to_owned))
        .collect();
    keys.sort();
    keys.dedup();
    assert!(keys.len() >= 2, "{what}: {keys:?}");
    let mut compared = 0;
    for due in due_rules(&keys, now) {
        for days in [0, 1, 3, 5, 7, 30, 45, 90] {
            for units in [None, Some(vec!["NLIMS000315".to_owned()])] {
                for area in [None, Some("urgencias".to_owned())] {
                    let f = filter(days, units.clone(), area, due.clone());
                    let kept = sorted(store.groups(&f).await.unwrap());
                    let exact = sorted(store.exact_groups(&f).await.unwrap());
                    assert_eq!(kept, exact, "{what}: {f:?}");
                    // The list holds every alert counted, at the period's
                    // edges too (days of kiosks at UTC-14 and UTC+14).
                    let listed = store.page(&f, None, 100_000).await.unwrap().len();
                    let counted: i64 = exact.iter().map(|g| g.2).sum();
                    assert_eq!(listed as i64, counted, "{what}: {f:?}");
                    compared += usize::from(!exact.is_empty());
                }
            }
        }
    }
    assert!(compared > 100, "{what}: only {compared} filters had alerts");
}

fn filter(
    days: i64,
    units: Option<Vec<String>>,
    area: Option<String>,
    due: DueCutoffs,
) -> AlertFilter {
    AlertFilter {
        from: today() - Duration::days(days),
        to: today() + Duration::days(1),
        units,
        area,
        status: AlertStatus::All,
        reason: None,
        finished_by: None,
        finished_after: None,
        assigned_to: None,
        due,
    }
}

/// Attends every third alert of the period, from the `first`.
async fn attend_some(store: &dyn AlertStore, first: usize) {
    let f = filter(90, None, None, DueCutoffs::default());
    let page = store.page(&f, None, 100_000).await.unwrap();
    let ids: Vec<_> = page.iter().skip(first).step_by(3).map(|a| a.id).collect();
    assert!(ids.len() > 100);
    for chunk in ids.chunks(trato_central::store::alerts::BULK_MAX) {
        let done = store
            .attend(chunk, "nacional", "Atendida", Utc::now())
            .await
            .unwrap();
        assert_eq!(done.len(), chunk.len());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kept_counts_equal_the_alerts_counted_one_by_one() {
    for b in backends() {
        let d = start(b).await;
        let now = Utc::now();
        for unit in ["DFIMS000020", "NLIMS000315"] {
            let k = d.kiosk(unit).await;
            let rs = responses(&k, now);
            d.post_batch(&k, rs.clone()).await;
            // A batch the kiosk sends again adds nothing.
            d.post_batch(&k, rs).await;
        }
        let store = d.store();
        counts_agree(store.alerts(), &format!("{b:?} at ingest")).await;
        attend_some(store.alerts(), 0).await;
        counts_agree(store.alerts(), &format!("{b:?} after attending")).await;

        // A centre from schema 11: no kept counts yet. Opening it migrates
        // and fills them from its alerts.
        let undo = match b {
            Backend::Sqlite => {
                "DROP TRIGGER alert_counts_raised; DROP TRIGGER alert_counts_attended;
                 DROP TABLE alert_counts; PRAGMA user_version = 11;"
            }
            Backend::Postgres => {
                "DROP TRIGGER alert_counts_raised ON alerts;
                 DROP TRIGGER alert_counts_attended ON alerts;
                 DROP FUNCTION alert_counts_raised(); DROP FUNCTION alert_counts_attended();
                 DROP TABLE alert_counts; UPDATE schema_version SET version = 11;"
            }
        };
        exec(&d, undo_coarse_figures(b)).await;
        exec(&d, undo).await;
        let migrated = trato_central::open_store(&d.url).await.unwrap();
        counts_agree(migrated.alerts(), &format!("{b:?} migrated from schema 11")).await;
        attend_some(migrated.alerts(), 1).await;
        counts_agree(migrated.alerts(), &format!("{b:?} migrated, then attended")).await;
    }
}
