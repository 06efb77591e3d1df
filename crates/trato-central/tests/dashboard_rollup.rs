//! `rollup rebuild`: the dashboard's rollups recomputed from the stored
//! responses and answers equal counts made directly in SQL, after they were
//! wiped (responses stored before the dashboard existed) or perturbed, for a
//! day range or everything, twice, and while batches keep arriving; attended
//! alerts stay attended. SQLite and (with `TRATO_TEST_PG_URL`) PostgreSQL.

mod common;
mod dashboard_support;

use std::process::Command;

use chrono::{Duration, NaiveDate};
use common::{backends, Backend};
use dashboard_support::*;
use trato_central::dashboard::rollup::{rebuild, RebuildReport};
use trato_central::dashboard::today;

/// A response's kiosk-local day, in SQL.
fn local_day(pg: bool) -> &'static str {
    if pg {
        "((r.finished_at AT TIME ZONE 'UTC') + make_interval(mins => r.utc_offset_minutes))::date"
    } else {
        "date(r.finished_at, r.utc_offset_minutes || ' minutes')"
    }
}

/// The daily rollup rows as they should be (responses, and responses that
/// raise an alert under the default survey v1's rules), counted from
/// responses and answers with one join per question, grouped by `keys`.
fn expected_sql(pg: bool, keys: &str) -> String {
    let day = local_day(pg);
    format!(
        "SELECT CAST(day AS TEXT), {keys}, CAST(COUNT(*) AS TEXT),
                CAST(SUM(CASE WHEN t IN ('1','2') OR x = 'no' THEN 1 ELSE 0 END) AS TEXT)
         FROM (
           SELECT {day} AS day, r.unit_clues, r.service_area, t.code AS t, x.code AS x
           FROM responses r
           LEFT JOIN answers t ON t.response_id = r.id AND t.question = 'trato'
           LEFT JOIN answers x ON x.response_id = r.id AND x.question = 'respeto'
           WHERE r.status <> 'flagged') per_response
         GROUP BY day, {keys} ORDER BY 1, {keys}"
    )
}

/// The indicator rollup rows as they should be under the default survey
/// v1's declarations (each indicator is its question; faces 4-5 positive,
/// 3 neutral, 1-2 negative; yes/no "si" positive, "en_parte" neutral, "no"
/// negative), grouped by `keys`.
fn expected_indicator_sql(pg: bool, keys: &str) -> String {
    let day = local_day(pg);
    let n = |c: &str| format!("CAST(SUM(CASE WHEN {c} THEN 1 ELSE 0 END) AS TEXT)");
    format!(
        "SELECT CAST(day AS TEXT), {keys}, survey_id, CAST(survey_version AS TEXT), question,
                CAST(COUNT(*) AS TEXT), {pos}, {neu}, {neg}
         FROM (
           SELECT {day} AS day, r.unit_clues, r.service_area, r.survey_id, r.survey_version,
                  a.question, a.code
           FROM responses r JOIN answers a ON a.response_id = r.id
           WHERE r.status <> 'flagged'
             AND a.question IN ('trato', 'saludo', 'escucha', 'respuesta', 'respeto')) per_answer
         GROUP BY day, {keys}, survey_id, survey_version, question
         ORDER BY 1, {keys}, survey_id, survey_version, question",
        pos = n("code IN ('4','5','si')"),
        neu = n("code IN ('3','en_parte')"),
        neg = n("code IN ('1','2','no')"),
    )
}

/// (expected, actual) for both rollups, and the alert ids expected and held.
async fn check(d: &Dash, what: &str) {
    let pg = d.backend == Backend::Postgres;
    for (table, keys) in [
        ("daily_figures", "unit_clues, service_area"),
        ("daily_unit_figures", "unit_clues"),
    ] {
        let want = rows(d, &expected_sql(pg, keys)).await;
        let got = rows(
            d,
            &format!(
                "SELECT CAST(day AS TEXT), {keys}, CAST(responses AS TEXT),
                        CAST(alerts AS TEXT) FROM {table} ORDER BY 1, {keys}"
            ),
        )
        .await;
        assert!(want.len() > 20, "{what}: the data set has rows");
        assert_eq!(got, want, "{:?} {what}: {table}", d.backend);
    }
    for (table, keys) in [
        ("indicator_figures", "unit_clues, service_area"),
        ("indicator_unit_figures", "unit_clues"),
    ] {
        let want = rows(d, &expected_indicator_sql(pg, keys)).await;
        let got = rows(
            d,
            &format!(
                "SELECT CAST(day AS TEXT), {keys}, survey_id, CAST(survey_version AS TEXT),
                        indicator, CAST(answered AS TEXT), CAST(positive AS TEXT),
                        CAST(neutral AS TEXT), CAST(negative AS TEXT)
                 FROM {table} ORDER BY 1, {keys}, survey_id, survey_version, indicator"
            ),
        )
        .await;
        assert!(want.len() > 100, "{what}: the data set has rows");
        assert_eq!(got, want, "{:?} {what}: {table}", d.backend);
    }
    let want = rows(
        d,
        "SELECT CAST(r.id AS TEXT) FROM responses r WHERE r.status <> 'flagged' AND EXISTS (
           SELECT 1 FROM answers a WHERE a.response_id = r.id
           AND ((a.question = 'trato' AND a.code IN ('1','2'))
                OR (a.question = 'respeto' AND a.code = 'no'))) ORDER BY 1",
    )
    .await;
    let got = rows(d, "SELECT CAST(response_id AS TEXT) FROM alerts ORDER BY 1").await;
    assert_eq!(got, want, "{:?} {what}: alerts", d.backend);
    let areas = rows(
        d,
        "SELECT unit_clues, service_area FROM service_areas ORDER BY 1, 2",
    )
    .await;
    let want = rows(
        d,
        "SELECT DISTINCT unit_clues, service_area FROM daily_figures ORDER BY 1, 2",
    )
    .await;
    assert_eq!(areas, want, "{:?} {what}: service areas", d.backend);
}

/// Every alert column, to show a rebuilt alert is the one ingest made.
async fn alert_rows(d: &Dash) -> Rows {
    rows(
        d,
        "SELECT CAST(response_id AS TEXT), unit_clues, service_area, CAST(day AS TEXT), reason,
                answers, COALESCE(comment, ''), COALESCE(note, '') FROM alerts ORDER BY 1",
    )
    .await
}

/// Responses for four units over 40 days, some in other time zones (their
/// local day differs from the UTC one), posted through the real ingest.
async fn fill(d: &Dash) {
    let mut rng = Rng(0x0011_2233_4455_6677);
    for (i, u) in ["DFIMS000020", "DFIMS000032", "NLIMS000315", "JCIMS000301"]
        .iter()
        .enumerate()
    {
        let k = d.kiosk(u).await;
        let mut rs = generate(&mut rng, &k, 120 + 30 * i, 40);
        for (j, r) in rs.iter_mut().enumerate() {
            r.utc_offset_minutes = match j % 7 {
                0 => 330,
                1 => -600,
                2 => 840,
                _ => -360,
            };
        }
        d.post_batch(&k, rs).await;
    }
}

async fn run(d: &Dash, from: Option<NaiveDate>, to: Option<NaiveDate>) -> RebuildReport {
    rebuild(&*d.store(), from, to, |_, _| {}).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rebuild_recomputes_wiped_and_perturbed_rollups() {
    for b in backends() {
        let d = start(b).await;
        fill(&d).await;
        check(&d, "as ingest wrote them").await;
        let ingested_alerts = alert_rows(&d).await;

        // One alert attended by staff: a rebuild leaves it as it is.
        let nat = d.login("nacional").await;
        let id = &ingested_alerts[0][0];
        assert_eq!(
            d.attend(&nat, id, Some(&nat.csrf), "llamada")
                .await
                .status(),
            200
        );
        let attended = alert_rows(&d).await;

        // Responses stored before the dashboard: no rollup rows at all, and
        // every alert but the attended one missing.
        exec(
            &d,
            &format!(
                "DELETE FROM daily_figures; DELETE FROM daily_unit_figures;
                 DELETE FROM indicator_figures; DELETE FROM indicator_unit_figures;
                 DELETE FROM option_figures;
                 DELETE FROM service_areas; DELETE FROM alerts WHERE response_id <> '{id}';"
            ),
        )
        .await;
        let first = run(&d, None, None).await;
        check(&d, "rebuilt from nothing").await;
        assert_eq!(
            alert_rows(&d).await,
            attended,
            "{b:?}: alerts as ingest made them"
        );
        assert_eq!(first.units, 4, "{first:?}");
        assert_eq!(first.alerts_added as usize, attended.len() - 1);
        let n: i64 = rows(
            &d,
            "SELECT CAST(COUNT(*) AS TEXT) FROM responses WHERE status <> 'flagged'",
        )
        .await[0][0]
            .parse()
            .unwrap();
        assert_eq!(first.responses, n, "{first:?}");

        // Twice gives the same, and adds nothing.
        let second = run(&d, None, None).await;
        check(&d, "rebuilt twice").await;
        assert_eq!(alert_rows(&d).await, attended);
        assert_eq!(
            (second.responses, second.rows),
            (first.responses, first.rows)
        );
        assert_eq!(second.alerts_added, 0);

        // Perturbed rows: counts doubled on one day, a unit and a day with
        // no responses at all, a per-unit row without its detail.
        let t = today();
        let (in_range, outside) = (t - Duration::days(3), t - Duration::days(10));
        exec(
            &d,
            &format!(
                "UPDATE daily_figures SET responses = responses * 2, alerts = alerts + 1
                   WHERE day IN ('{in_range}', '{outside}');
                 UPDATE daily_unit_figures SET alerts = alerts + 5
                   WHERE day IN ('{in_range}', '{outside}');
                 UPDATE indicator_unit_figures SET positive = positive + 5
                   WHERE day IN ('{in_range}', '{outside}');
                 INSERT INTO daily_figures (day, unit_clues, service_area, responses, alerts)
                   VALUES ('{in_range}', 'YNIMS000071', 'urgencias', 9, 0);
                 INSERT INTO daily_unit_figures (day, unit_clues, responses, alerts)
                   VALUES ('{in_range}', 'MCIMS000454', 3, 0);
                 INSERT INTO indicator_unit_figures (day, unit_clues, survey_id, survey_version,
                     indicator, answered, positive, neutral, negative)
                   VALUES ('{in_range}', 'MCIMS000454', 'trato-digno', 1, 'trato', 3, 3, 0, 0);"
            ),
        )
        .await;
        // A range rebuilds only its days.
        run(&d, Some(in_range), Some(in_range)).await;
        let doubled = rows(
            &d,
            &format!(
                "SELECT CAST(SUM(responses) AS TEXT) FROM daily_figures WHERE day = '{outside}'"
            ),
        )
        .await;
        let want = rows(
            &d,
            &format!(
                "SELECT CAST(2 * SUM(CAST(c AS INTEGER)) AS TEXT) FROM ({}) x WHERE x.d = '{outside}'",
                "SELECT CAST(day AS TEXT) AS d, responses AS c FROM daily_unit_figures"
            ),
        )
        .await;
        assert_eq!(
            doubled, want,
            "{b:?}: a day outside the range is left alone"
        );
        let stray = rows(
            &d,
            "SELECT unit_clues FROM daily_figures WHERE unit_clues = 'YNIMS000071'
             UNION ALL SELECT unit_clues FROM daily_unit_figures WHERE unit_clues = 'MCIMS000454'
             UNION ALL SELECT unit_clues FROM indicator_unit_figures
                       WHERE unit_clues = 'MCIMS000454'",
        )
        .await;
        assert!(
            stray.is_empty(),
            "{b:?}: rows without responses removed: {stray:?}"
        );
        run(&d, None, None).await;
        check(&d, "rebuilt after perturbing").await;
        assert_eq!(alert_rows(&d).await, attended);

        // Batches arriving during a rebuild are counted once.
        let k = d.kiosk("DFIMS000020").await;
        let mut rng = Rng(0x7777_0000_1234_5678);
        let more = generate(&mut rng, &k, 600, 40);
        let store = d.store();
        let rebuilding = tokio::spawn(async move {
            for _ in 0..3 {
                rebuild(&*store, None, None, |_, _| {}).await.unwrap();
            }
        });
        for chunk in more.chunks(50) {
            d.post_batch(&k, chunk.to_vec()).await;
        }
        rebuilding.await.unwrap();
        check(&d, "rebuilt while batches arrived").await;
        d.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rollup_rebuild_command() {
    for b in backends() {
        let d = start(b).await;
        fill(&d).await;
        exec(
            &d,
            "DELETE FROM daily_figures; DELETE FROM daily_unit_figures;",
        )
        .await;
        let cli = |args: &[&str]| {
            let out = Command::new(env!("CARGO_BIN_EXE_trato-central"))
                .env_remove("TRATO_CENTRAL_DB")
                .env("RUST_LOG", "warn")
                .args(["rollup", "rebuild", "--db", &d.url])
                .args(args)
                .output()
                .unwrap();
            (
                out.status.success(),
                String::from_utf8_lossy(&out.stdout).into_owned(),
                String::from_utf8_lossy(&out.stderr).into_owned(),
            )
        };
        let (ok, _, err) = cli(&["--from", "2026-05-02", "--to", "2026-05-01"]);
        assert!(!ok && err.contains("after"), "{err}");
        let (ok, _, err) = cli(&["--from", "ayer"]);
        assert!(!ok && err.contains("--from"), "{err}");
        let (ok, out, err) = cli(&[]);
        assert!(ok, "{err}");
        assert!(out.starts_with("rebuilt 4 units in "), "{out}");
        check(&d, "rebuilt by the command").await;
        let from = (today() - Duration::days(5)).to_string();
        let (ok, out, err) = cli(&["--from", &from, "--to", &today().to_string()]);
        assert!(ok, "{err}");
        assert!(out.contains(" 0 alerts added"), "{out}");
        check(&d, "rebuilt by the command for a range").await;
        d.stop().await;
    }
}

/// Rows of `daily_figures` a centre at schema 2 had (with its per-question
/// counters, dropped by migration 8).
fn figures_at_v2() -> String {
    let counters = "responses, trato_n, trato_pos, trato_neg, saludo_n, saludo_si, escucha_n, \
        escucha_si, respuesta_n, respuesta_si, respeto_n, respeto_no, alerts";
    format!(
        "INSERT INTO daily_figures (day, unit_clues, service_area, {counters}) VALUES
           ('2026-03-01', 'DFIMS000020', 'urgencias', 5, 5, 4, 1, 5, 3, 5, 2, 5, 1, 5, 1, 2),
           ('2026-03-01', 'DFIMS000020', 'consulta', 2, 2, 1, 0, 2, 2, 2, 2, 2, 2, 2, 0, 0),
           ('2026-03-02', 'DFIMS000020', 'urgencias', 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);"
    )
}

/// A centre at schema 2 (figures by service area only) upgrades through every
/// migration with its per-unit rollup filled from the figures it already had
/// (responses and alerts; what answers mean is `rollup rebuild`'s), on each
/// backend.
#[tokio::test]
async fn migration_fills_the_per_unit_rollup() {
    for b in backends() {
        let got = match b {
            Backend::Sqlite => migrate_sqlite_from_v2().await,
            Backend::Postgres => migrate_postgres_from_v2().await,
        };
        assert_eq!(
            got,
            [("2026-03-01".into(), 7, 2), ("2026-03-02".into(), 1, 0)],
            "{b:?}"
        );
    }
}

type UnitDay = (String, i64, i64);

async fn migrate_sqlite_from_v2() -> Vec<UnitDay> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v2.db");
    {
        let c = rusqlite::Connection::open(&path).unwrap();
        for sql in [
            include_str!("../migrations/sqlite/0001_init.sql"),
            include_str!("../migrations/sqlite/0002_dashboard.sql"),
        ] {
            c.execute_batch(sql).unwrap();
        }
        c.execute_batch(&format!("PRAGMA user_version = 2; {}", figures_at_v2()))
            .unwrap();
    }
    let store = trato_central::open_store(path.to_str().unwrap())
        .await
        .unwrap();
    drop(store);
    let c = rusqlite::Connection::open(&path).unwrap();
    let got = c
        .prepare("SELECT day, responses, alerts FROM daily_unit_figures ORDER BY day")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    got
}

async fn migrate_postgres_from_v2() -> Vec<UnitDay> {
    let server = common::pg_url().expect("TRATO_TEST_PG_URL");
    let (url, name) = common::empty_pg_database(&server).await;
    {
        let c = common::pg_client(&url).await;
        for sql in [
            include_str!("../migrations/postgres/0001_init.sql"),
            include_str!("../migrations/postgres/0002_dashboard.sql"),
        ] {
            c.batch_execute(sql).await.unwrap();
        }
        c.batch_execute(&format!(
            "CREATE TABLE schema_version (version BIGINT NOT NULL);
             INSERT INTO schema_version (version) VALUES (2); {}",
            figures_at_v2()
        ))
        .await
        .unwrap();
    }
    let store = trato_central::open_store(&url).await.unwrap();
    drop(store);
    let got = common::pg_client(&url)
        .await
        .query(
            "SELECT day::text, responses::bigint, alerts::bigint
             FROM daily_unit_figures ORDER BY day",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    common::drop_pg_database(&server, &name).await;
    got
}
