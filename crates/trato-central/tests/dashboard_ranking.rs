//! The tablero's ranking: units with too few answers set apart, the 95 %
//! interval, the change against the previous bimester, the bimester the
//! summary defaults to in the report, and numbers in Mexican format in the
//! printed report. SQLite and (with `TRATO_TEST_PG_URL`) PostgreSQL.

mod common;
mod dashboard_support;

use chrono::{Duration, NaiveDate};
use common::backends;
use dashboard_support::*;
use serde_json::Value;
use trato_central::dashboard::ranking::wilson;
use trato_central::dashboard::report::bimester;
use trato_central::dashboard::today;

/// `good` responses rated 5 and `bad` rated 1, at noon (Mexico) on `day`.
fn rated(
    k: &trato_central::admin::IssuedKiosk,
    day: NaiveDate,
    good: usize,
    bad: usize,
) -> Vec<trato_domain::Response> {
    let at = day.and_hms_opt(18, 0, 0).unwrap().and_utc();
    let yes = ["si", "si", "si", "si"];
    let no = ["no", "no", "no", "si"];
    let mut out: Vec<_> = (0..good)
        .map(|_| response(k, at, "urgencias", "5", yes))
        .collect();
    out.extend((0..bad).map(|_| response(k, at, "urgencias", "1", no)));
    out
}

/// A new kiosk of `unit` that posted `good` and `bad` ratings on `day`.
async fn kiosk_rated(
    d: &Dash,
    unit: &str,
    day: NaiveDate,
    good: usize,
    bad: usize,
) -> trato_central::admin::IssuedKiosk {
    let k = d.kiosk(unit).await;
    d.post_batch(&k, rated(&k, day, good, bad)).await;
    k
}

fn unit<'a>(s: &'a Value, clues: &str) -> &'a Value {
    s["units"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["clues"] == clues)
        .unwrap_or_else(|| panic!("{clues} listed"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn units_rank_with_minimum_interval_and_change() {
    for b in backends() {
        let d = start(b).await;
        let (from, _) = bimester(today());
        let this = today();
        let before = from - Duration::days(10);
        // A: 40 answers, 25 % positive now, 75 % in the previous bimester.
        // B: 40 answers, 90 % positive. C: 10 answers, all negative: the
        // lowest percentage, but too few to be ranked.
        let a = kiosk_rated(&d, "DFIMS000020", this, 10, 30).await;
        d.post_batch(&a, rated(&a, before, 30, 10)).await;
        kiosk_rated(&d, "DFIMS000032", this, 36, 4).await;
        kiosk_rated(&d, "NLIMS000315", this, 0, 10).await;

        let nat = d.login("nacional").await;
        let summary = format!("/api/v1/dashboard/summary?from={from}&to={this}");
        let s = d.get_json(&nat, &summary).await;
        assert_eq!(s["min_responses"], 30);
        let (pf, pt) = bimester(from - Duration::days(1));
        assert_eq!(s["previous"]["from"], pf.to_string(), "{b:?}");
        assert_eq!(s["previous"]["to"], pt.to_string());

        let order: Vec<&str> = s["units"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["clues"].as_str().unwrap())
            .collect();
        assert_eq!(
            &order[..3],
            ["DFIMS000020", "DFIMS000032", "NLIMS000315"],
            "{b:?}"
        );
        let (ua, ub, uc) = (
            unit(&s, "DFIMS000020"),
            unit(&s, "DFIMS000032"),
            unit(&s, "NLIMS000315"),
        );
        assert_eq!(ua["standing"], "ranked");
        assert_eq!(ub["standing"], "ranked");
        assert_eq!(uc["standing"], "few_responses", "10 answers < 30");
        assert_eq!(uc["pct_positive"], 0.0);
        // Units without any answer come after those with few.
        let last = unit(&s, order[order.len() - 1]);
        assert_eq!(last["responses"], 0);

        assert_eq!(ua["pct_positive"], 25.0);
        let (lo, hi) = wilson(10, 40).unwrap();
        assert_eq!(ua["interval"], serde_json::json!([lo, hi]));
        assert!(lo < 25.0 && 25.0 < hi);
        assert_eq!(ua["previous_pct_positive"], 75.0);
        assert_eq!(ua["change_points"], -50.0);
        assert_eq!(ub["previous_pct_positive"], Value::Null);
        assert_eq!(ub["change_points"], Value::Null);
        assert_eq!(s["previous_totals"]["responses"], 40);

        // The per-unit figures carry every indicator, respect included.
        assert_eq!(ua["indicators"]["respeto"]["pct_positive"], 100.0);
        assert_eq!(ua["indicators"]["saludo"]["pct_positive"], 25.0);

        // Fewer required: C is ranked, first (worst).
        d.stop().await;
        let d = start_with(
            b,
            trato_central::Config {
                rate_per_sec: 0.0,
                ranking_min_responses: 5,
                ..trato_central::Config::default()
            },
        )
        .await;
        kiosk_rated(&d, "NLIMS000315", this, 0, 10).await;
        let a = kiosk_rated(&d, "DFIMS000020", this, 10, 30).await;
        let nat = d.login("nacional").await;
        let s = d.get_json(&nat, &summary).await;
        assert_eq!(s["units"][0]["clues"], "NLIMS000315");
        assert_eq!(s["units"][0]["standing"], "ranked");

        // The printed report: the unit beside its OOAD and the nation, the
        // change, numbers in Mexican format.
        let many = rated(&a, this, 1200, 0);
        d.post_batch(&a, many).await;
        let html = d.get_text(&nat, "/informe?unit=DFIMS000020").await;
        assert!(html.contains("<td>1,240</td>"), "thousands grouped: {html}");
        assert!(html.contains("OOAD Ciudad de México Sur") && html.contains("Nacional"));
        assert!(html.contains("Periodo anterior"));
        assert!(html.contains("\u{a0}%</td>"), "percent as 68.9 %");
        assert!(!html.contains(",0 %"), "no decimal comma");
        d.stop().await;
    }
}
