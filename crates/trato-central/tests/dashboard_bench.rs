//! Dashboard timing at national scale (a measurement, not a check; ignored):
//! 10,000,000 raw responses from 1,100 units over a year, each with the
//! answers the figures are made of, generated in SQL straight into the
//! `responses` and `answers` tables (as if stored before the dashboard
//! existed: the rollups start empty); then `rollup rebuild` builds the
//! rollups (timed), then the institute-wide page and one unit's page for
//! this bimester (the page's first choice), the previous one and the last
//! 60 days, cold (first request after opening the store) and warm (median
//! of 10).
//!
//! `cargo test --release -p trato-central --test dashboard_bench -- --ignored --nocapture`
//! runs SQLite, and PostgreSQL too with `TRATO_TEST_PG_URL`;
//! `TRATO_BENCH_BACKEND=sqlite|postgres` runs one only, and
//! `TRATO_BENCH_RESPONSES=N` changes the size. The database is deleted at the
//! end. Figures in docs/PERFORMANCE.md.

mod common;

use std::time::{Duration, Instant};

use chrono::Utc;
use common::{backends, fresh_db, Backend};
use trato_central::dashboard::report::bimester;
use trato_central::dashboard::rollup::rebuild;
use trato_central::dashboard::summary::{Period, SummaryQuery};
use trato_central::dashboard::{resolve, summary, today, Role, Viewer, Want};
use trato_central::store::dash::Unit;
use trato_central::{open_store, Store};

const UNITS: i64 = 1100;
const DAYS: i64 = 365;
/// Responses generated per INSERT statement (one transaction each).
const CHUNK: i64 = 500_000;

fn viewer() -> Viewer {
    Viewer {
        account_id: "bench".into(),
        name: "bench".into(),
        role: Role::National,
        scope: String::new(),
        csrf: String::new(),
        session_hash: String::new(),
        credential: String::new(),
    }
}

fn clues(i: i64) -> String {
    format!("DFIMS{i:06}")
}

fn responses_wanted() -> i64 {
    std::env::var("TRATO_BENCH_RESPONSES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000_000)
}

/// The generator's hash of response `i` (the SQL computes the same).
fn hash(i: i64) -> i64 {
    (i * 2_654_435_761) % 4_294_967_296
}

/// Responses the figures count: all but the flagged ones.
fn counted(n: i64) -> i64 {
    (0..n).filter(|&i| (hash(i) / 45_000) % 50 != 0).count() as i64
}

/// Responses `lo..hi` as SQL rows: `i`, `h`, `id`, `unit`, `area`, `kiosk`,
/// `st` (2 % flagged, 2 % abandoned after the headline), `fin` (seconds
/// since the epoch; one response per unit about every 58 minutes, all year)
/// and the five codes (`t` 10 % Mal or Muy mal, `x` 4 % "no" to respeto).
fn base_sql(pg: bool, lo: i64, hi: i64, start_epoch: i64) -> String {
    let step = DAYS * 86_400 / (responses_wanted() / UNITS).max(1);
    let (series, id, unit) = if pg {
        (
            format!("SELECT i FROM generate_series({lo}::int8, {hi}::int8 - 1) i"),
            "'01900000-0000-7000-8000-' || lpad(to_hex(i), 12, '0')",
            "'DFIMS' || lpad((i % 1100)::text, 6, '0')",
        )
    } else {
        (
            format!(
                "WITH RECURSIVE s(i) AS (SELECT {lo} UNION ALL SELECT i + 1 FROM s WHERE i < {hi} - 1)
                 SELECT i FROM s"
            ),
            "printf('01900000-0000-7000-8000-%012x', i)",
            "'DFIMS' || printf('%06d', i % 1100)",
        )
    };
    format!(
        "SELECT i, h, id, unit, area, 'bench-' || unit AS kiosk, fin,
                CASE WHEN (h / 45000) % 50 = 0 THEN 'flagged'
                     WHEN (h / 45000) % 50 = 1 THEN 'abandoned' ELSE 'complete' END AS st,
                CASE WHEN h % 20 = 0 THEN '1' WHEN h % 20 = 1 THEN '2' WHEN h % 20 < 5 THEN '3'
                     WHEN h % 20 < 11 THEN '4' ELSE '5' END AS t,
                CASE WHEN (h / 20) % 10 < 8 THEN 'si' ELSE 'no' END AS s,
                CASE (h / 200) % 3 WHEN 0 THEN 'si' WHEN 1 THEN 'no' ELSE 'en_parte' END AS e,
                CASE (h / 600) % 3 WHEN 0 THEN 'si' WHEN 1 THEN 'en_parte' ELSE 'no' END AS q,
                CASE WHEN (h / 1800) % 25 = 0 THEN 'no' ELSE 'si' END AS x
         FROM (SELECT i, (i * 2654435761) % 4294967296 AS h, {id} AS id, {unit} AS unit,
                      'area' || (((i * 2654435761) % 4294967296 / 7) % 4) AS area,
                      {start_epoch} + (i / {UNITS}) * {step} + i % {UNITS} AS fin
               FROM ({series}) n) g"
    )
}

/// Inserts responses `lo..hi` with their canonical JSON and answer rows.
fn fill_sql(pg: bool, lo: i64, hi: i64, start_epoch: i64) -> String {
    let base = base_sql(pg, lo, hi, start_epoch);
    // Stored timestamps (SQLite: fixed-width text, as the store writes
    // them) and the JSON's RFC 3339, for an epoch expression `%`.
    let (stored, in_json) = if pg {
        (
            "to_timestamp(%)",
            "to_char(to_timestamp(%) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')",
        )
    } else {
        (
            "strftime('%Y-%m-%dT%H:%M:%S.000000Z', %, 'unixepoch')",
            "strftime('%Y-%m-%dT%H:%M:%SZ', %, 'unixepoch')",
        )
    };
    let ts_col = stored.replacen("(%", "(fin", 1).replace(", %,", ", fin,");
    let started_col = stored
        .replacen("(%", "(fin - 40", 1)
        .replace(", %,", ", fin - 40,");
    let json_ts = |e: &str| {
        in_json
            .replacen("(%", &format!("({e}"), 1)
            .replace(", %,", &format!(", {e},"))
    };
    let answer =
        |q: &str, c: &str| format!("'{{\"question\":\"{q}\",\"codes\":[\"' || {c} || '\"]}}'");
    let json = format!(
        "'{{\"id\":\"' || id || '\",\"survey_id\":\"trato-digno\",\"survey_version\":1,\"unit_clues\":\"'
         || unit || '\",\"unit_name\":\"Unidad\",\"service_area\":\"' || area
         || '\",\"kiosk_id\":\"' || kiosk || '\",\"language\":\"es\",\"started_at\":\"' || {started}
         || '\",\"finished_at\":\"' || {finished} || '\",\"utc_offset_minutes\":-360,\"status\":\"' || st
         || '\"' || CASE WHEN st = 'flagged' THEN ',\"flag_reason\":\"too_soon\"' ELSE '' END
         || ',\"answers\":[' || {a_t} || CASE WHEN st = 'abandoned' THEN '' ELSE
            ',' || {a_s} || ',' || {a_e} || ',' || {a_q} || ',' || {a_x} END || ']}}'",
        started = json_ts("fin - 40"),
        finished = json_ts("fin"),
        a_t = answer("trato", "t"),
        a_s = answer("saludo", "s"),
        a_e = answer("escucha", "e"),
        a_q = answer("respuesta", "q"),
        a_x = answer("respeto", "x"),
    );
    let id_col = if pg { "id::uuid" } else { "id" };
    let kinds = "(SELECT 1 AS kind, 'trato' AS question UNION ALL SELECT 2, 'saludo' UNION ALL
        SELECT 3, 'escucha' UNION ALL SELECT 4, 'respuesta' UNION ALL SELECT 5, 'respeto')";
    format!(
        "INSERT INTO responses (id, content_hash, survey_id, survey_version, unit_clues,
            unit_name, service_area, kiosk_id, language, status, flag_reason, started_at,
            finished_at, utc_offset_minutes, seq, kiosk_sent_at, received_at, clock_offset_ms,
            clock_skewed, canonical_json)
         SELECT {id_col}, 'bench', 'trato-digno', 1, unit, 'Unidad', area, kiosk, 'es', st,
                CASE WHEN st = 'flagged' THEN 'too_soon' END, {started_col}, {ts_col}, -360, i,
                {ts_col}, {ts_col}, 0, {false_}, {json}
         FROM ({base}) b ORDER BY i;
         INSERT INTO answers (response_id, question, code)
         SELECT {id_col}, v.question, CASE v.kind WHEN 1 THEN t WHEN 2 THEN s WHEN 3 THEN e WHEN 4 THEN q
                                ELSE x END
         FROM ({base}) b, {kinds} v
         WHERE v.kind = 1 OR st <> 'abandoned'
         ORDER BY i, v.kind;",
        false_ = if pg { "false" } else { "0" },
    )
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
    // Local midnight (UTC-6) a year ago.
    let start_epoch = (today() - chrono::Duration::days(DAYS - 1))
        .and_hms_opt(6, 0, 0)
        .unwrap()
        .and_utc()
        .timestamp();
    let n = responses_wanted();
    let t = Instant::now();
    let mut lo = 0;
    match b {
        Backend::Sqlite => {
            let c = rusqlite::Connection::open(url).unwrap();
            // Loading only: a crash would just mean running the bench again.
            c.execute_batch("PRAGMA synchronous = OFF; PRAGMA cache_size = -1000000;")
                .unwrap();
            while lo < n {
                let hi = (lo + CHUNK).min(n);
                c.execute_batch(&format!(
                    "BEGIN; {} COMMIT;",
                    fill_sql(false, lo, hi, start_epoch)
                ))
                .unwrap();
                println!(
                    "{b:?}: {hi} responses stored ({:.0} s)",
                    t.elapsed().as_secs_f64()
                );
                lo = hi;
            }
        }
        Backend::Postgres => {
            let client = common::pg_client(url).await;
            // Autovacuum off on the bulk-loaded tables, so it does not run
            // during the timings on a 2-core machine; ANALYZE below instead.
            client
                .batch_execute(
                    "SET synchronous_commit = off;
                     ALTER TABLE responses SET (autovacuum_enabled = false);
                     ALTER TABLE answers SET (autovacuum_enabled = false);",
                )
                .await
                .unwrap();
            while lo < n {
                let hi = (lo + CHUNK).min(n);
                client
                    .batch_execute(&format!(
                        "BEGIN; {} COMMIT;",
                        fill_sql(true, lo, hi, start_epoch)
                    ))
                    .await
                    .unwrap();
                println!(
                    "{b:?}: {hi} responses stored ({:.0} s)",
                    t.elapsed().as_secs_f64()
                );
                lo = hi;
            }
            client
                .batch_execute("ANALYZE responses; ANALYZE answers;")
                .await
                .unwrap();
        }
    }
    println!(
        "{b:?}: {n} responses with their answers generated in {:.0} s",
        t.elapsed().as_secs_f64()
    );
}

/// Disk used by the database, in GB.
async fn size_gb(b: Backend, url: &str) -> f64 {
    match b {
        Backend::Sqlite => {
            let p = std::path::Path::new(url);
            let wal = p.with_extension("db-wal");
            let len = |p: &std::path::Path| std::fs::metadata(p).map_or(0, |m| m.len());
            (len(p) + len(&wal)) as f64 / 1e9
        }
        Backend::Postgres => {
            let client = common::pg_client(url).await;
            let n: i64 = client
                .query_one("SELECT pg_database_size(current_database())", &[])
                .await
                .unwrap()
                .get(0);
            n as f64 / 1e9
        }
    }
}

/// After the rebuild, as the server would have them after autovacuum.
async fn analyze_rollups(b: Backend, url: &str) {
    if b == Backend::Postgres {
        let client = common::pg_client(url).await;
        for t in [
            "daily_figures",
            "daily_unit_figures",
            "indicator_figures",
            "indicator_unit_figures",
            "monthly_unit_figures",
            "monthly_indicator_unit_figures",
            "institute_daily_figures",
            "institute_indicator_figures",
        ] {
            client
                .batch_execute(&format!("VACUUM ANALYZE {t}"))
                .await
                .unwrap();
        }
    }
}

/// The page's periods: its first choice (this bimester, to today), the
/// previous bimester and a custom range cutting months.
fn periods() -> [(&'static str, Period); 3] {
    let to = today();
    let (from, _) = bimester(to);
    let (before, before_to) = bimester(from - chrono::Duration::days(1));
    [
        ("this bimester", Period { from, to }),
        (
            "previous bimester",
            Period {
                from: before,
                to: before_to,
            },
        ),
        (
            "last 60 days",
            Period {
                from: to - chrono::Duration::days(60),
                to,
            },
        ),
    ]
}

async fn page(store: &dyn Store, want: &Want, period: Period) -> (Duration, i64) {
    let t = Instant::now();
    let catalogue = store.dash().units().await.unwrap();
    let r = resolve(&viewer(), want, &catalogue).unwrap();
    let q = SummaryQuery {
        period,
        area: None,
        min_responses: 30,
    };
    let s = summary(store, &r, q, &catalogue).await.unwrap();
    (t.elapsed(), s.totals.responses)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore]
async fn dashboard_at_ten_million_responses() {
    let only = std::env::var("TRATO_BENCH_BACKEND").unwrap_or_default();
    for b in backends() {
        if !only.is_empty() && !format!("{b:?}").eq_ignore_ascii_case(&only) {
            continue;
        }
        let db = fresh_db(b).await;
        fill(b, &db.url, &*db.store).await;
        println!("{b:?}: database {:.1} GB", size_gb(b, &db.url).await);

        // The rollups from nothing, as for responses stored before the
        // dashboard's migration.
        let t = Instant::now();
        let mut last = Instant::now();
        let r = rebuild(&*db.store, None, None, |unit, r| {
            if last.elapsed() > Duration::from_secs(60) {
                last = Instant::now();
                println!("{b:?}: rebuild at {unit}, {} responses", r.responses);
            }
        })
        .await
        .unwrap();
        println!(
            "{b:?}: rollup rebuild (everything): {} units, {} chunks, {} responses, {} rows, {} alerts in {:.0} s",
            r.units,
            r.chunks,
            r.responses,
            r.rows,
            r.alerts_added,
            t.elapsed().as_secs_f64()
        );
        assert_eq!(
            r.responses,
            counted(responses_wanted()),
            "every unflagged response counted"
        );
        // Again for the last 2 months only (after a fix): replaces what is there.
        let t = Instant::now();
        let r2 = rebuild(
            &*db.store,
            Some(today() - chrono::Duration::days(60)),
            Some(today()),
            |_, _| {},
        )
        .await
        .unwrap();
        println!(
            "{b:?}: rollup rebuild --from today-60 --to today: {} chunks, {} responses, {} alerts added in {:.0} s",
            r2.chunks,
            r2.responses,
            r2.alerts_added,
            t.elapsed().as_secs_f64()
        );
        analyze_rollups(b, &db.url).await;
        println!("{b:?}: database {:.1} GB", size_gb(b, &db.url).await);

        for ((scope, want), (period, dates)) in [
            ("institute", Want::Institute),
            ("one unit", Want::Unit(clues(17))),
        ]
        .into_iter()
        .flat_map(|w| periods().map(move |p| (w.clone(), p)))
        {
            let label = format!("{scope}, {period}");
            // Cold: a store opened just now (empty SQLite page cache, new
            // PostgreSQL connections); the OS file cache is not dropped.
            let store = open_store(&db.url).await.unwrap();
            let (cold, n) = page(&*store, &want, dates).await;
            let mut warm = Vec::new();
            for _ in 0..10 {
                warm.push(page(&*store, &want, dates).await.0);
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
