//! Dashboard timing at national scale (a measurement, not a check; ignored):
//! the figures of 10,000,000 responses from 1,100 units over a year, as the
//! ingest-maintained daily rollup holds them (365 days x 1,100 units x 4
//! service areas = 1,606,000 rows of about 6.2 responses each), then the
//! institute-wide page and one unit's page for the last 2 months, cold (first
//! request after opening the store) and warm (median of 10).
//!
//! `cargo test --release -p trato-central --test dashboard_bench -- --ignored --nocapture`
//! (PostgreSQL too with `TRATO_TEST_PG_URL`). Figures in docs/PERFORMANCE.md.

mod common;

use std::time::{Duration, Instant};

use chrono::Utc;
use common::{backends, fresh_db, Backend};
use trato_central::dashboard::{resolve, summary, today, Role, Viewer, Want};
use trato_central::store::dash::Unit;
use trato_central::{open_store, Store};

const UNITS: usize = 1100;
const DAYS: i64 = 365;

fn viewer() -> Viewer {
    Viewer {
        account_id: "bench".into(),
        name: "bench".into(),
        role: Role::National,
        scope: String::new(),
        csrf: String::new(),
        session_hash: String::new(),
    }
}

fn clues(i: usize) -> String {
    format!("DFIMS{:06}", i)
}

/// Rows generated in SQL, in primary-key order; about 6.2 responses each.
fn fill_sql(pg: bool, from: &str) -> String {
    if pg {
        format!(
            "INSERT INTO daily_figures
             SELECT d::date, 'DFIMS' || lpad(u::text, 6, '0'), 'area' || a, n, n,
                    n * 7 / 10, n / 8, n, n * 8 / 10, n, n * 6 / 10, n, n * 6 / 10, n, n / 20,
                    n / 8 + n / 20
             FROM generate_series('{from}'::date, '{from}'::date + {days}, '1 day') d,
                  generate_series(0, {units}) u, generate_series(0, 3) a,
                  LATERAL (SELECT (4 + floor(random() * 5))::int + u * 0 + a * 0 AS n) r",
            days = DAYS - 1,
            units = UNITS - 1
        )
    } else {
        format!(
            "WITH RECURSIVE d(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM d WHERE i < {days}),
                  u(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM u WHERE i < {units}),
                  a(i) AS (VALUES (0), (1), (2), (3))
             INSERT INTO daily_figures
             SELECT day, unit, area, n, n, n * 7 / 10, n / 8, n, n * 8 / 10, n, n * 6 / 10, n,
                    n * 6 / 10, n, n / 20, n / 8 + n / 20
             FROM (SELECT date('{from}', '+' || d.i || ' days') AS day,
                          'DFIMS' || printf('%06d', u.i) AS unit, 'area' || a.i AS area,
                          4 + abs(random()) % 5 AS n
                   FROM d, u, a ORDER BY 1, 2, 3)",
            days = DAYS - 1,
            units = UNITS - 1
        )
    }
}

async fn fill(b: Backend, url: &str, store: &dyn Store) {
    let units: Vec<Unit> = (0..UNITS)
        .map(|i| Unit {
            clues: clues(i),
            name: format!("Unidad {i}"),
            parent_kind: if i % 44 == 0 { "umae" } else { "ooad" }.into(),
            parent: if i % 44 == 0 {
                format!("UMAE {}", i / 44)
            } else {
                format!("OOAD {}", i % 35)
            },
            state: "Estado".into(),
        })
        .collect();
    store.dash().load_units(units, Utc::now()).await.unwrap();
    for i in 0..UNITS {
        trato_central::admin::add_kiosk(store, &clues(i), "Quiosco")
            .await
            .unwrap();
    }
    let from = (today() - chrono::Duration::days(DAYS - 1)).to_string();
    let t = Instant::now();
    match b {
        Backend::Sqlite => {
            let c = rusqlite::Connection::open(url).unwrap();
            c.execute_batch(&fill_sql(false, &from)).unwrap();
            let n: i64 = c
                .query_row("SELECT SUM(responses) FROM daily_figures", [], |r| r.get(0))
                .unwrap();
            println!("{b:?}: rollup of {n} responses filled in {:?}", t.elapsed());
        }
        Backend::Postgres => {
            let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
                .await
                .unwrap();
            tokio::spawn(conn);
            client.batch_execute(&fill_sql(true, &from)).await.unwrap();
            client
                .batch_execute("VACUUM ANALYZE daily_figures")
                .await
                .unwrap();
            let n: i64 = client
                .query_one("SELECT SUM(responses)::int8 FROM daily_figures", &[])
                .await
                .unwrap()
                .get(0);
            println!("{b:?}: rollup of {n} responses filled in {:?}", t.elapsed());
        }
    }
}

async fn page(store: &dyn Store, want: &Want) -> (Duration, i64) {
    let t = Instant::now();
    let catalogue = store.dash().units().await.unwrap();
    let r = resolve(&viewer(), want, &catalogue).unwrap();
    let to = today();
    let from = to - chrono::Duration::days(60);
    let s = summary(store, &r, from, to, None, &catalogue)
        .await
        .unwrap();
    (t.elapsed(), s.totals.counts.responses)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore]
async fn dashboard_at_ten_million_responses() {
    for b in backends() {
        let db = fresh_db(b).await;
        fill(b, &db.url, &*db.store).await;
        for (label, want) in [
            ("institute, last 2 months", Want::Institute),
            ("one unit, last 2 months", Want::Unit(clues(17))),
        ] {
            // Cold: a store opened just now (empty SQLite page cache, new
            // PostgreSQL connections); the OS file cache is not dropped.
            let store = open_store(&db.url).await.unwrap();
            let (cold, n) = page(&*store, &want).await;
            let mut warm = Vec::new();
            for _ in 0..10 {
                warm.push(page(&*store, &want).await.0);
            }
            warm.sort();
            println!(
                "{b:?}: {label}: {n} responses; cold {:.0} ms, warm median {:.0} ms (min {:.0}, max {:.0})",
                cold.as_secs_f64() * 1e3,
                warm[5].as_secs_f64() * 1e3,
                warm[0].as_secs_f64() * 1e3,
                warm[9].as_secs_f64() * 1e3,
            );
        }
        db.finish().await;
    }
}
