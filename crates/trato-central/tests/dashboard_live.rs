//! Live updates over server-sent events, and the alert flow (listed, attended
//! with a note, exported), on SQLite and (with `TRATO_TEST_PG_URL`) PostgreSQL.

mod common;
mod dashboard_support;

use std::time::{Duration, Instant};

use chrono::Utc;
use common::backends;
use dashboard_support::*;

/// Opens the event stream and waits for its `hello`.
async fn subscribe(d: &Dash, s: &Session) -> reqwest::Response {
    let mut r = d.get(s, "/api/v1/dashboard/events").await;
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/event-stream"));
    let first = tokio::time::timeout(Duration::from_secs(5), r.chunk())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert!(String::from_utf8_lossy(&first).contains("event: hello"));
    r
}

/// Text received within `wait`.
async fn read_for(r: &mut reqwest::Response, wait: Duration, until: &str) -> String {
    let deadline = Instant::now() + wait;
    let mut got = String::new();
    while Instant::now() < deadline && !got.contains(until) {
        match tokio::time::timeout(deadline - Instant::now(), r.chunk()).await {
            Ok(Ok(Some(c))) => got.push_str(&String::from_utf8_lossy(&c)),
            _ => break,
        }
    }
    got
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_reaches_open_pages_within_two_seconds_and_alerts_are_attended() {
    for b in backends() {
        let d = start(b).await;
        let k = d.kiosk("DFIMS000020").await;
        let nat = d.login("nacional").await;
        let u20 = d.login("unidad.020").await;
        let u315 = d.login("unidad.315").await;
        let mut ev_nat = subscribe(&d, &nat).await;
        let mut ev_20 = subscribe(&d, &u20).await;
        let mut ev_315 = subscribe(&d, &u315).await;

        let bad = response(&k, Utc::now(), "urgencias", "2", ["no", "si", "no", "si"]);
        let disrespect = response(
            &k,
            Utc::now(),
            "consulta externa",
            "4",
            ["si", "si", "si", "no"],
        );
        let fine = response(&k, Utc::now(), "urgencias", "5", ["si", "si", "si", "si"]);
        let (bad_id, dis_id) = (bad.id.to_string(), disrespect.id.to_string());
        let t = Instant::now();
        let first = vec![bad, disrespect, fine];
        d.post_batch(&k, first.clone()).await;
        for ev in [&mut ev_nat, &mut ev_20] {
            let got = read_for(ev, Duration::from_secs(2), "event: batch").await;
            assert!(got.contains("event: batch"), "{b:?}: {got}");
            assert!(
                got.contains("DFIMS000020") && got.contains("\"stored\":3"),
                "{got}"
            );
        }
        println!("{b:?}: event within {:?} of the POST", t.elapsed());
        assert!(t.elapsed() < Duration::from_secs(2));
        let other = read_for(&mut ev_315, Duration::from_millis(500), "event: batch").await;
        assert!(
            !other.contains("event: batch"),
            "another unit's event leaked: {other}"
        );

        // A retried batch stores nothing and announces nothing: the next
        // event open pages get is the next new batch's, alone.
        d.post_batch(&k, first).await;
        let next = response(&k, Utc::now(), "urgencias", "5", ["si", "si", "si", "si"]);
        d.post_batch(&k, vec![next]).await;
        for ev in [&mut ev_nat, &mut ev_20] {
            let got = read_for(ev, Duration::from_secs(5), "\"stored\":1").await;
            assert_eq!(got.matches("event: batch").count(), 1, "{b:?}: {got}");
            assert!(got.contains("\"stored\":1"), "{b:?}: {got}");
        }
        let s = d.get_json(&u20, "/api/v1/dashboard/summary").await;
        assert_eq!(s["totals"]["responses"], 4);
        assert_eq!(s["totals"]["alerts"], 2);

        // Alerts: both listed with their answers, the fine one not.
        let open = d.get_json(&u20, "/api/v1/dashboard/alerts").await;
        let open = open["alerts"].as_array().unwrap();
        assert_eq!(open.len(), 2);
        let a = open.iter().find(|a| a["id"] == bad_id).unwrap();
        assert_eq!(a["reason"], "trato");
        assert_eq!(a["service_area"], "urgencias");
        assert!(a["answers"].as_str().unwrap().contains("trato=2"), "{a}");
        let a = open.iter().find(|a| a["id"] == dis_id).unwrap();
        assert_eq!(a["reason"], "respeto");
        // Filter by service area.
        let urg = d
            .get_json(&u20, "/api/v1/dashboard/alerts?area=urgencias")
            .await;
        assert_eq!(urg["alerts"].as_array().unwrap().len(), 1);

        let r = d
            .attend(
                &u20,
                &bad_id,
                Some(&u20.csrf),
                "Se atendió a la paciente; se habló con el turno",
            )
            .await;
        assert_eq!(r.status(), 200);
        let done: serde_json::Value = r.json().await.unwrap();
        assert_eq!(done["attended_by"], "unidad.020");
        let got = read_for(&mut ev_nat, Duration::from_secs(2), "event: batch").await;
        assert!(
            got.contains("event: batch"),
            "attending refreshes open pages"
        );
        assert_eq!(
            d.attend(&u20, &bad_id, Some(&u20.csrf), "otra vez")
                .await
                .status(),
            409
        );
        let open = d.get_json(&nat, "/api/v1/dashboard/alerts").await;
        assert_eq!(open["alerts"].as_array().unwrap().len(), 1);
        let attended = d
            .get_json(&nat, "/api/v1/dashboard/alerts?status=attended")
            .await;
        assert_eq!(attended["alerts"][0]["id"], bad_id);
        assert!(attended["alerts"][0]["note"]
            .as_str()
            .unwrap()
            .contains("paciente"));

        let csv = d
            .get(&nat, "/api/v1/dashboard/alerts?status=all&format=csv")
            .await;
        assert!(csv.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv"));
        let csv = csv.bytes().await.unwrap();
        assert!(csv.starts_with(b"\xEF\xBB\xBF"), "BOM for Excel");
        let csv = String::from_utf8(csv.to_vec()).unwrap();
        assert_eq!(csv.lines().count(), 3, "{csv}");
        assert!(csv.contains("Se atendió a la paciente") && csv.contains("HGZ No. 1"));
        d.stop().await;
    }
}
