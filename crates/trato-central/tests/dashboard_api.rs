//! Dashboard figures from the API against counts computed directly in SQL on
//! the responses and answers tables, for several scopes, periods and a
//! service area, on SQLite and (with `TRATO_TEST_PG_URL`) PostgreSQL.

mod common;
mod dashboard_support;

use chrono::Duration;
use common::{backends, Backend};
use dashboard_support::*;
use serde_json::Value;
use trato_central::dashboard::today;

/// The 13 counters the SQL below computes, as the API names them for the
/// default survey v1: (indicator, count); no indicator for the totals.
const COLS: [(Option<&str>, &str); 13] = [
    (None, "responses"),
    (Some("trato"), "answered"),
    (Some("trato"), "positive"),
    (Some("trato"), "negative"),
    (Some("saludo"), "answered"),
    (Some("saludo"), "positive"),
    (Some("escucha"), "answered"),
    (Some("escucha"), "positive"),
    (Some("respuesta"), "answered"),
    (Some("respuesta"), "positive"),
    (Some("respeto"), "answered"),
    (Some("respeto"), "negative"),
    (None, "alerts"),
];

/// The 13 counters straight from the raw tables (flagged responses excluded,
/// days in the kiosk's local time).
fn sql(pg: bool, units: &[&str], area: Option<&str>) -> String {
    let day = if pg {
        "((r.finished_at AT TIME ZONE 'UTC') + make_interval(mins => r.utc_offset_minutes))::date"
    } else {
        "date(r.finished_at, r.utc_offset_minutes || ' minutes')"
    };
    let p = |i: usize| if pg { format!("${i}") } else { format!("?{i}") };
    let sum = |cond: &str| format!("COALESCE(SUM(CASE WHEN {cond} THEN 1 ELSE 0 END), 0)");
    let mut unit_filter = String::new();
    if !units.is_empty() {
        let list: Vec<String> = units.iter().map(|u| format!("'{u}'")).collect();
        unit_filter = format!(" AND r.unit_clues IN ({})", list.join(","));
    }
    let area_filter = area.map_or(String::new(), |a| format!(" AND r.service_area = '{a}'"));
    format!(
        "SELECT COUNT(*), {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}
         FROM responses r
         LEFT JOIN answers t ON t.response_id = r.id AND t.question = 'trato'
         LEFT JOIN answers s ON s.response_id = r.id AND s.question = 'saludo'
         LEFT JOIN answers e ON e.response_id = r.id AND e.question = 'escucha'
         LEFT JOIN answers q ON q.response_id = r.id AND q.question = 'respuesta'
         LEFT JOIN answers x ON x.response_id = r.id AND x.question = 'respeto'
         WHERE r.status <> 'flagged' AND {day} BETWEEN {} AND {}{unit_filter}{area_filter}",
        sum("t.code IS NOT NULL"),
        sum("t.code IN ('4','5')"),
        sum("t.code IN ('1','2')"),
        sum("s.code IS NOT NULL"),
        sum("s.code = 'si'"),
        sum("e.code IS NOT NULL"),
        sum("e.code = 'si'"),
        sum("q.code IS NOT NULL"),
        sum("q.code = 'si'"),
        sum("x.code IS NOT NULL"),
        sum("x.code = 'no'"),
        sum("t.code IN ('1','2') OR x.code = 'no'"),
        if pg { format!("{}::date", p(1)) } else { p(1) },
        if pg { format!("{}::date", p(2)) } else { p(2) },
    )
}

async fn expected(d: &Dash, units: &[&str], area: Option<&str>, from: &str, to: &str) -> Vec<i64> {
    let q = sql(d.backend == Backend::Postgres, units, area);
    match d.backend {
        Backend::Sqlite => {
            let c = rusqlite::Connection::open(&d.url).unwrap();
            c.query_row(&q, [from, to], |r| {
                (0..13).map(|i| r.get::<_, i64>(i)).collect()
            })
            .unwrap()
        }
        Backend::Postgres => {
            let client = common::pg_client(&d.url).await;
            let from = from.to_owned();
            let to = to.to_owned();
            let row = client
                .query_one(&q.replace("::date", "::text::date"), &[&from, &to])
                .await
                .unwrap();
            (0..13).map(|i| row.get::<_, i64>(i)).collect()
        }
    }
}

/// The API's figures as the 13 counters; an indicator nobody answered is
/// absent, so its counts are 0.
fn counts(v: &Value) -> Vec<i64> {
    COLS.iter()
        .map(|(ind, c)| match ind {
            None => v[c].as_i64().unwrap_or_else(|| panic!("{c} in {v}")),
            Some(k) => v["indicators"].get(k).map_or(0, |i| {
                i[c].as_i64().unwrap_or_else(|| panic!("{k}.{c} in {v}"))
            }),
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn figures_match_sql_on_every_scope_period_and_area() {
    for b in backends() {
        let t0 = std::time::Instant::now();
        let d = start(b).await;
        let mut rng = Rng(0x5eed_1234_abcd_0001);
        let units = ["DFIMS000020", "DFIMS000032", "NLIMS000315", "DFIMS000113"];
        for (i, u) in units.iter().enumerate() {
            let k = d.kiosk(u).await;
            let rs = generate(&mut rng, &k, 150 + 40 * i, 20);
            d.post_batch(&k, rs).await;
        }
        let nat = d.login("nacional").await;
        let ooad = d.login("ooad.cdmx").await;
        let today = today();
        let periods = [
            (today - Duration::days(6), today),
            (today - Duration::days(25), today),
            (today - Duration::days(3), today - Duration::days(3)),
        ];
        let scopes: [(&Session, &str, Vec<&str>); 4] = [
            (&nat, "institute", vec![]),
            (
                &nat,
                "parent:OOAD Ciudad de México Sur",
                vec!["DFIMS000020", "DFIMS000032"],
            ),
            (&ooad, "unit:DFIMS000032", vec!["DFIMS000032"]),
            (&nat, "unit:NLIMS000315", vec!["NLIMS000315"]),
        ];
        for (from, to) in periods {
            for (s, scope, su) in &scopes {
                for area in [None, Some("urgencias")] {
                    let mut path = format!(
                        "/api/v1/dashboard/summary?from={from}&to={to}&scope={}",
                        urlenc(scope)
                    );
                    if let Some(a) = area {
                        path.push_str(&format!("&area={}", urlenc(a)));
                    }
                    let v = d.get_json(s, &path).await;
                    let want = expected(&d, su, area, &from.to_string(), &to.to_string()).await;
                    assert_eq!(
                        counts(&v["totals"]),
                        want,
                        "{b:?} {scope} {from}..{to} {area:?}"
                    );
                    assert!(want[0] > 0 || from == to, "the data set covers the period");
                    // Percentages follow from the counts.
                    let t = &v["totals"];
                    if want[1] > 0 {
                        let p = t["pct_positive"].as_f64().unwrap();
                        let exact = want[2] as f64 * 100.0 / want[1] as f64;
                        assert!((p - exact).abs() <= 0.05, "{p} vs {exact}");
                    }
                    // Days and units add up to the totals.
                    let days = v["days"].as_array().unwrap();
                    assert_eq!(days.len() as i64, (to - from).num_days() + 1);
                    let by_day: i64 = days.iter().map(|x| x["responses"].as_i64().unwrap()).sum();
                    assert_eq!(by_day, want[0]);
                    let by_unit: i64 = v["units"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|x| x["responses"].as_i64().unwrap())
                        .sum();
                    assert_eq!(by_unit, want[0]);
                }
            }
        }
        // One day against SQL, and one unit row against SQL.
        let day = today - Duration::days(2);
        let v = d
            .get_json(
                &nat,
                &format!(
                    "/api/v1/dashboard/summary?from={}&to={today}",
                    today - Duration::days(6)
                ),
            )
            .await;
        let row = v["days"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["day"] == day.to_string())
            .unwrap();
        let want = expected(&d, &[], None, &day.to_string(), &day.to_string()).await;
        assert_eq!(counts(row), want, "{b:?} day {day}");
        let unit = v["units"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["clues"] == "NLIMS000315")
            .unwrap();
        let want = expected(
            &d,
            &["NLIMS000315"],
            None,
            &(today - Duration::days(6)).to_string(),
            &today.to_string(),
        )
        .await;
        assert_eq!(counts(unit), want);
        // Worst % positive first; units without kiosks are marked silent.
        let pos: Vec<f64> = v["units"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|x| x["pct_positive"].as_f64())
            .collect();
        assert!(pos.windows(2).all(|w| w[0] <= w[1]), "{pos:?}");
        let silent = v["units"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["clues"] == "YNIMS000071")
            .unwrap();
        assert_eq!(silent["silent"], true);
        assert_eq!(
            unit["silent"], false,
            "a kiosk that just posted is not silent"
        );

        // Alerts listed = alerts counted.
        let from = today - Duration::days(25);
        let alerts = d
            .get_json(
                &nat,
                &format!("/api/v1/dashboard/alerts?from={from}&to={today}&status=all"),
            )
            .await;
        let want = expected(&d, &[], None, &from.to_string(), &today.to_string()).await;
        assert_eq!(alerts["total"].as_i64().unwrap(), want[12]);

        // XLSX report opens as a zip with the three sheets.
        let r = d
            .get(&nat, "/api/v1/dashboard/report.xlsx?unit=DFIMS000020")
            .await;
        assert_eq!(r.status(), 200);
        let bytes = r.bytes().await.unwrap();
        assert_eq!(&bytes[..2], b"PK");
        let html = d.get_text(&nat, "/informe?unit=DFIMS000020").await;
        assert!(html.contains("Informe bimestral") && html.contains("HGZ No. 1"));
        d.stop().await;
        println!("{b:?}: {:?}", t0.elapsed());
    }
}

#[tokio::test]
async fn catalogue_and_accounts_are_validated() {
    let d = start(Backend::Sqlite).await;
    let store = d.store();
    use trato_central::dashboard::auth::add_account;
    for (role, scope, name, pw, what) in [
        (
            "unit",
            "DFIMS999999",
            "x.unit",
            PASSWORD,
            "not in the catalogue",
        ),
        ("unit", "dfims000020", "x.unit", PASSWORD, "not a CLUES"),
        ("ooad", "OOAD Marte", "x.ooad", PASSWORD, "no OOAD"),
        ("umae", OOAD_CDMX, "x.umae", PASSWORD, "no UMAE"),
        ("admin", "", "x.admin", PASSWORD, "unknown role"),
        ("national", "", "x.nat", "corta", "at least"),
        ("national", "", "nacional", PASSWORD, "already exists"),
    ] {
        let e = add_account(&*store, role, scope, name, pw)
            .await
            .unwrap_err();
        assert!(e.to_string().contains(what), "{role} {scope}: {e}");
    }
    let bad = "clues,nombre,tipo,ooad_umae,estado\nDFIMS00002,X,OOAD,Y,Z\n";
    let e = trato_central::dashboard::catalogue::load(&*store, bad)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("line 2"), "{e}");
    d.stop().await;
}
