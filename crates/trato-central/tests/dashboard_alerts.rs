//! Alerts that get handled and the comments view, through the real server on
//! SQLite and (with `TRATO_TEST_PG_URL`) PostgreSQL: filters by unit, reason,
//! status and age over 1,200+ alerts, paging with no cap, counts per reason
//! and unit, due times (urgent reason 24 h, others 72 h, the shorter for
//! two), assignment (only to an account that sees the unit), bulk attend
//! with one note, every change in the history, comments searched and
//! exported, and forged scopes and ids refused.

mod common;
mod dashboard_support;

use std::collections::{HashMap, HashSet};

use chrono::{Duration, Utc};
use common::backends;
use dashboard_support::*;
use serde_json::{json, Value};
use trato_central::dashboard::today;
use trato_domain::Answer;

/// (hours ago, trato code, respeto code) for each generated alert kind.
const KINDS: [(i64, &str, &str); 6] = [
    (2, "1", "si"),  // low rating, fresh
    (30, "2", "si"), // low rating, 30 h: not due yet (72 h)
    (80, "1", "si"), // low rating, 80 h: overdue
    (2, "4", "no"),  // disrespect, fresh
    (30, "5", "no"), // disrespect, 30 h: overdue (24 h)
    (30, "1", "no"), // both, 30 h: the shorter (24 h) makes it overdue
];

fn overdue_kind(k: usize) -> bool {
    matches!(k, 2 | 4 | 5)
}

async fn post(d: &Dash, s: &Session, path: &str, csrf: bool, body: Value) -> reqwest::Response {
    let mut rq = d
        .client
        .post(d.url(path))
        .header("cookie", &s.cookie)
        .json(&body);
    if csrf {
        rq = rq.header("x-csrf-token", &s.csrf);
    }
    rq.send().await.unwrap()
}

/// Every alert under `query`, page after page.
async fn all_pages(d: &Dash, s: &Session, query: &str, limit: usize) -> (Vec<Value>, usize) {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut q = format!("/api/v1/dashboard/alerts?{query}&limit={limit}");
        if let Some(c) = &cursor {
            q.push_str(&format!("&cursor={c}"));
        }
        let r = d.get_json(s, &q).await;
        pages += 1;
        let page = r["alerts"].as_array().unwrap();
        assert!(page.len() <= limit);
        out.extend(page.iter().cloned());
        match r["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    (out, pages)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn alerts_are_filtered_paged_assigned_and_attended_in_bulk() {
    for b in backends() {
        let d = start(b).await;
        let now = Utc::now();
        // 1,260 alerts: 140 of each kind in unit 020, 70 in unit 315; and
        // fine responses that raise none.
        let mut kind_of: HashMap<String, (usize, &str)> = HashMap::new();
        for (unit, per_kind) in [("DFIMS000020", 140), ("NLIMS000315", 70)] {
            let k = d.kiosk(unit).await;
            let mut rs = Vec::new();
            for (kind, (ago, trato, respeto)) in KINDS.iter().enumerate() {
                for i in 0..per_kind {
                    let at = now - Duration::hours(*ago) - Duration::seconds(i as i64 * 7);
                    let r = response(&k, at, "urgencias", trato, ["si", "si", "si", respeto]);
                    kind_of.insert(r.id.to_string(), (kind, unit));
                    rs.push(r);
                }
            }
            for _ in 0..50 {
                rs.push(response(
                    &k,
                    now,
                    "urgencias",
                    "5",
                    ["si", "si", "si", "si"],
                ));
            }
            d.post_batch(&k, rs).await;
        }
        let nat = d.login("nacional").await;
        let from = today() - Duration::days(10);
        let period = format!("from={from}&to={}", today());

        // Every alert, each once, newest first, over pages of 200: no cap.
        let (list, pages) = all_pages(&d, &nat, &format!("{period}&status=all"), 200).await;
        assert_eq!(list.len(), kind_of.len(), "{b:?}");
        assert!(pages >= 7, "{b:?} {pages}");
        let ids: HashSet<&str> = list.iter().map(|a| a["id"].as_str().unwrap()).collect();
        assert_eq!(ids.len(), list.len(), "{b:?}: no alert twice");
        let times: Vec<&str> = list
            .iter()
            .map(|a| a["finished_at"].as_str().unwrap())
            .collect();
        assert!(
            times.windows(2).all(|w| w[0] >= w[1]),
            "{b:?}: newest first"
        );
        // Due times and overdue flags, as the rules say.
        for a in &list {
            let (kind, _) = kind_of[a["id"].as_str().unwrap()];
            assert_eq!(a["overdue"], overdue_kind(kind), "{b:?} kind {kind}: {a}");
            let finished =
                chrono::DateTime::parse_from_rfc3339(a["finished_at"].as_str().unwrap()).unwrap();
            let due = chrono::DateTime::parse_from_rfc3339(a["due_at"].as_str().unwrap()).unwrap();
            let want = if KINDS[kind].2 == "no" { 24 } else { 72 };
            assert_eq!((due - finished).num_hours(), want, "{b:?} kind {kind}");
        }

        // Counts: total, per reason (from the survey's declared reasons, with
        // their labels and urgency), per unit with overdue.
        let first = d
            .get_json(
                &nat,
                &format!("/api/v1/dashboard/alerts?{period}&status=open"),
            )
            .await;
        assert_eq!(first["total"], kind_of.len(), "{b:?}");
        assert_eq!(
            first["alerts"].as_array().unwrap().len(),
            50,
            "default page"
        );
        let reasons: HashMap<&str, &Value> = first["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| (r["key"].as_str().unwrap(), r))
            .collect();
        let count =
            |f: &dyn Fn(usize) -> bool| kind_of.values().filter(|(k, _)| f(*k)).count() as i64;
        let low = count(&|k| KINDS[k].1 == "1" || KINDS[k].1 == "2");
        let dis = count(&|k| KINDS[k].2 == "no");
        assert_eq!(reasons["trato"]["count"], low, "{b:?}");
        assert_eq!(reasons["respeto"]["count"], dis, "{b:?}");
        assert_eq!(reasons["respeto"]["urgent"], true);
        assert_eq!(reasons["trato"]["urgent"], false);
        assert_eq!(reasons["respeto"]["due_hours"], 24);
        assert_eq!(reasons["trato"]["due_hours"], 72);
        assert!(reasons["respeto"]["label"]
            .as_str()
            .unwrap()
            .contains("discriminación"));
        let units: HashMap<&str, &Value> = first["units"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| (u["clues"].as_str().unwrap(), u))
            .collect();
        for unit in ["DFIMS000020", "NLIMS000315"] {
            let late = kind_of
                .values()
                .filter(|(k, u)| *u == unit && overdue_kind(*k))
                .count();
            assert_eq!(units[unit]["overdue"], late, "{b:?} {unit}");
        }

        // Filters: reason, status overdue, unit, age; each total equals what
        // its pages hold.
        for (query, want) in [
            ("reason=respeto".to_owned(), dis),
            ("reason=trato".to_owned(), low),
            ("status=overdue".to_owned(), count(&overdue_kind)),
            (
                "status=overdue&reason=trato".to_owned(),
                count(&|k| k == 2 || k == 5),
            ),
            (
                "scope=unit:NLIMS000315".to_owned(),
                kind_of
                    .values()
                    .filter(|(_, u)| *u == "NLIMS000315")
                    .count() as i64,
            ),
            ("min_age_hours=24".to_owned(), count(&|k| KINDS[k].0 >= 24)),
            (
                "min_age_hours=24&max_age_hours=72".to_owned(),
                count(&|k| KINDS[k].0 == 30),
            ),
            ("max_age_hours=24".to_owned(), count(&|k| KINDS[k].0 < 24)),
        ] {
            let q = format!("{period}&{query}");
            let r = d
                .get_json(&nat, &format!("/api/v1/dashboard/alerts?{q}"))
                .await;
            assert_eq!(r["total"].as_i64().unwrap(), want, "{b:?} {query}");
            let (got, _) = all_pages(&d, &nat, &q, 500).await;
            assert_eq!(got.len() as i64, want, "{b:?} {query}: pages");
        }
        for bad in [
            "status=late",
            "limit=0",
            "limit=501",
            "cursor=junk",
            "min_age_hours=-1",
        ] {
            let r = d
                .get(&nat, &format!("/api/v1/dashboard/alerts?{period}&{bad}"))
                .await;
            assert_eq!(r.status(), 400, "{b:?} {bad}");
        }

        // Assignment: to an account that sees the unit; recorded.
        let pick = |unit: &str, kind: usize, n: usize| -> Vec<String> {
            let mut v: Vec<String> = kind_of
                .iter()
                .filter(|(_, (k, u))| *u == unit && *k == kind)
                .map(|(id, _)| id.clone())
                .collect();
            v.sort();
            v.truncate(n);
            v
        };
        let a020 = pick("DFIMS000020", 4, 4);
        let a315 = pick("NLIMS000315", 4, 1);
        let path = |id: &str, what: &str| format!("/api/v1/dashboard/alerts/{id}/{what}");
        let r = post(
            &d,
            &nat,
            &path(&a020[0], "assign"),
            true,
            json!({"account": "unidad.020"}),
        )
        .await;
        assert_eq!(r.status(), 200, "{b:?}");
        let detail: Value = r.json().await.unwrap();
        assert_eq!(detail["assigned_to"], "unidad.020");
        let can: Vec<&str> = detail["assignable"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        assert!(
            can.contains(&"unidad.020")
                && can.contains(&"nacional")
                && !can.contains(&"unidad.315"),
            "{can:?}"
        );
        for who in ["unidad.315", "nadie"] {
            let r = post(
                &d,
                &nat,
                &path(&a020[0], "assign"),
                true,
                json!({"account": who}),
            )
            .await;
            assert_eq!(r.status(), 422, "{b:?} {who}");
        }
        let r = post(
            &d,
            &nat,
            &path(&a020[0], "assign"),
            false,
            json!({"account": "nacional"}),
        )
        .await;
        assert_eq!(r.status(), 403, "{b:?}: CSRF");
        let u20 = d.login("unidad.020").await;
        let mine = d
            .get_json(
                &u20,
                &format!("/api/v1/dashboard/alerts?{period}&assigned=unidad.020"),
            )
            .await;
        assert_eq!(mine["total"], 1, "{b:?}");
        assert_eq!(mine["alerts"][0]["id"], a020[0].as_str());
        let r = post(
            &d,
            &u20,
            &path(&a020[0], "assign"),
            true,
            json!({"account": null}),
        )
        .await;
        assert_eq!(r.status(), 200, "{b:?}");

        // Bulk attend: one note for several, in scope only, CSRF required.
        let u315 = d.login("unidad.315").await;
        let body = json!({"ids": [a020[1], a020[2]], "note": "Se habló con el personal"});
        assert_eq!(
            post(
                &d,
                &u20,
                "/api/v1/dashboard/alerts/attend",
                false,
                body.clone()
            )
            .await
            .status(),
            403
        );
        let forged = json!({"ids": [a315[0], a020[1]], "note": "forjada"});
        assert_eq!(
            post(&d, &u315, "/api/v1/dashboard/alerts/attend", true, forged)
                .await
                .status(),
            404,
            "{b:?}: an id outside the scope refuses the whole request"
        );
        let r = post(&d, &u20, "/api/v1/dashboard/alerts/attend", true, body).await;
        assert_eq!(r.status(), 200, "{b:?}");
        let done: Value = r.json().await.unwrap();
        assert_eq!(
            done["attended"].as_array().unwrap().len(),
            2,
            "{b:?} {done}"
        );
        let again = json!({"ids": [a020[2], a020[3]], "note": "Segunda vuelta"});
        let done: Value = post(&d, &u20, "/api/v1/dashboard/alerts/attend", true, again)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(done["attended"], json!([a020[3]]), "{b:?}");
        assert_eq!(done["already"], json!([a020[2]]), "{b:?}");
        let too_many: Vec<String> = (0..501).map(|_| uuid::Uuid::now_v7().to_string()).collect();
        let r = post(
            &d,
            &u20,
            "/api/v1/dashboard/alerts/attend",
            true,
            json!({"ids": too_many, "note": "x"}),
        )
        .await;
        assert_eq!(r.status(), 422, "{b:?}");
        let r = post(
            &d,
            &u20,
            "/api/v1/dashboard/alerts/attend",
            true,
            json!({"ids": [a020[0]], "note": "  "}),
        )
        .await;
        assert_eq!(r.status(), 422, "{b:?}: a note is required");
        // The forged request changed nothing.
        let x = d
            .get_json(&u315, &format!("/api/v1/dashboard/alerts/{}", a315[0]))
            .await;
        assert!(x["attended_at"].is_null(), "{b:?}");
        assert!(x["history"].as_array().unwrap().is_empty());

        // History: who, when, what, oldest first.
        let h = d
            .get_json(&nat, &format!("/api/v1/dashboard/alerts/{}", a020[0]))
            .await;
        let events: Vec<(&str, &str, Value)> = h["history"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["action"].as_str().unwrap(),
                    e["by"].as_str().unwrap(),
                    e["detail"].clone(),
                )
            })
            .collect();
        assert_eq!(
            events,
            vec![
                ("assigned", "nacional", json!("unidad.020")),
                ("unassigned", "unidad.020", Value::Null),
            ],
            "{b:?}"
        );
        let h = d
            .get_json(&nat, &format!("/api/v1/dashboard/alerts/{}", a020[2]))
            .await;
        let hist = h["history"].as_array().unwrap();
        assert_eq!(hist.len(), 1, "{b:?}: attended once, not twice");
        assert_eq!(hist[0]["action"], "attended");
        assert_eq!(hist[0]["by"], "unidad.020");
        assert_eq!(hist[0]["detail"], "Se habló con el personal");
        assert_eq!(h["attended_by"], "unidad.020");
        // Attended alerts leave the open and overdue lists.
        let r = d
            .get_json(
                &nat,
                &format!("/api/v1/dashboard/alerts?{period}&status=attended"),
            )
            .await;
        assert_eq!(r["total"], 3, "{b:?}");

        // Scope: a unit account sees neither another unit's list nor its alerts.
        let r = d
            .get(
                &u315,
                &format!("/api/v1/dashboard/alerts?{period}&scope=unit:DFIMS000020"),
            )
            .await;
        assert_eq!(r.status(), 403, "{b:?}");
        let r = d
            .get(&u315, &format!("/api/v1/dashboard/alerts/{}", a020[0]))
            .await;
        assert_eq!(r.status(), 404, "{b:?}");
        let r = post(
            &d,
            &u315,
            &path(&a020[0], "assign"),
            true,
            json!({"account": "unidad.315"}),
        )
        .await;
        assert_eq!(r.status(), 404, "{b:?}");
        let own = d
            .get_json(
                &u315,
                &format!("/api/v1/dashboard/alerts?{period}&status=all&limit=500"),
            )
            .await;
        assert!(own["alerts"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["unit_clues"] == "NLIMS000315"));
        assert!(own["units"]
            .as_array()
            .unwrap()
            .iter()
            .all(|u| u["clues"] == "NLIMS000315"));

        // Exports follow the filters.
        let r = d
            .get(
                &nat,
                &format!("/api/v1/dashboard/alerts?{period}&status=overdue&format=csv"),
            )
            .await;
        assert_eq!(r.status(), 200);
        let csv = r.text().await.unwrap();
        assert_eq!(
            csv.lines().count() as i64,
            count(&overdue_kind) - 3 + 1,
            "{b:?}: header + overdue still open"
        );
        let r = d
            .get(
                &nat,
                &format!("/api/v1/dashboard/alerts?{period}&reason=respeto&format=xlsx"),
            )
            .await;
        assert_eq!(r.status(), 200);
        assert_eq!(&r.bytes().await.unwrap()[..2], b"PK");
        d.stop().await;
    }
}

fn comment(text: &str) -> Answer {
    Answer {
        question: "comentario".into(),
        codes: vec![],
        text: Some(text.into()),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn comments_are_listed_newest_first_searched_and_exported() {
    for b in backends() {
        let d = start(b).await;
        let now = Utc::now();
        let k20 = d.kiosk("DFIMS000020").await;
        let k315 = d.kiosk("NLIMS000315").await;
        let texts = [
            "La espera fue muy larga",
            "Me trataron con respeto, gracias",
            "=HYPERLINK(\"http://x\") mala atención",
            "Llámenme al 5512345678 por favor",
            "Buena atención en la ESPERA",
        ];
        let mut rs = Vec::new();
        for (i, t) in texts.iter().enumerate() {
            let mut r = response(
                &k20,
                now - Duration::minutes(10 * i as i64 + 1),
                "urgencias",
                "2",
                ["si", "si", "si", "si"],
            );
            r.answers.push(comment(t));
            rs.push(r);
        }
        d.post_batch(&k20, rs).await;
        let mut other = response(&k315, now, "urgencias", "5", ["si", "si", "si", "si"]);
        other.answers.push(comment("Comentario de otra unidad"));
        d.post_batch(&k315, vec![other]).await;

        let nat = d.login("nacional").await;
        let period = format!("from={}&to={}", today() - Duration::days(1), today());
        let all = d
            .get_json(
                &nat,
                &format!("/api/v1/dashboard/comments?{period}&scope=institute"),
            )
            .await;
        assert_eq!(all["total"], 6, "{b:?} {all}");
        let list = all["comments"].as_array().unwrap();
        assert_eq!(
            list[0]["text"], "Comentario de otra unidad",
            "{b:?}: newest first"
        );
        // Masked as stored: the phone number never comes back.
        let phone = list
            .iter()
            .find(|c| c["text"].as_str().unwrap().starts_with("Llámenme"))
            .unwrap();
        assert!(
            !phone["text"].as_str().unwrap().contains("5512345678"),
            "{b:?} {phone}"
        );
        // The answers it came with, in words.
        let a = &list[1];
        assert!(
            a["answers"].as_str().unwrap().contains("trato=2"),
            "{b:?} {a}"
        );
        assert!(!a["answers_text"].as_str().unwrap().is_empty());
        assert!(
            a["unit_name"].as_str().unwrap().starts_with("HGZ No. 1"),
            "{a}"
        );

        // Search: case-insensitive, a plain substring (wildcards are literal).
        for (q, want) in [("espera", 2), ("RESPETO", 1), ("%", 0), ("nada así", 0)] {
            let r = d
                .get_json(
                    &nat,
                    &format!(
                        "/api/v1/dashboard/comments?{period}&scope=institute&q={}",
                        urlenc(q)
                    ),
                )
                .await;
            assert_eq!(r["total"], want, "{b:?} {q}");
            assert_eq!(r["comments"].as_array().unwrap().len(), want as usize);
        }

        // Pages of 2 hold them all, once each.
        let mut seen = Vec::new();
        let mut cursor = String::new();
        loop {
            let r = d
                .get_json(
                    &nat,
                    &format!("/api/v1/dashboard/comments?{period}&scope=institute&limit=2{cursor}"),
                )
                .await;
            seen.extend(
                r["comments"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|c| c["text"].as_str().unwrap().to_owned()),
            );
            match r["next_cursor"].as_str() {
                Some(c) => cursor = format!("&cursor={c}"),
                None => break,
            }
        }
        assert_eq!(seen.len(), 6, "{b:?} {seen:?}");

        // Scope: a unit account sees its own only, and never another's.
        let u315 = d.login("unidad.315").await;
        let own = d
            .get_json(&u315, &format!("/api/v1/dashboard/comments?{period}"))
            .await;
        assert_eq!(own["total"], 1, "{b:?}");
        for forged in [
            "scope=unit:DFIMS000020",
            "scope=institute",
            "unit=DFIMS000020",
        ] {
            let r = d
                .get(
                    &u315,
                    &format!("/api/v1/dashboard/comments?{period}&{forged}"),
                )
                .await;
            assert_eq!(r.status(), 403, "{b:?} {forged}");
        }
        let r = d
            .get(&d.login("unidad.020").await, "/api/v1/dashboard/comments")
            .await;
        assert_eq!(r.status(), 200);
        assert_eq!(
            d.client
                .get(d.url("/api/v1/dashboard/comments"))
                .send()
                .await
                .unwrap()
                .status(),
            401
        );

        // Exports: CSV (BOM, formulas neutralised) and XLSX.
        let r = d
            .get(
                &nat,
                &format!("/api/v1/dashboard/comments?{period}&scope=unit:DFIMS000020&format=csv"),
            )
            .await;
        assert_eq!(r.status(), 200);
        assert!(r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("comentarios-"));
        let bytes = r.bytes().await.unwrap();
        assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
        let csv = String::from_utf8(bytes.to_vec()).unwrap();
        assert_eq!(csv.lines().count(), 6, "{b:?} {csv}");
        assert!(csv.contains("'=HYPERLINK"), "{b:?}: formula neutralised");
        assert!(!csv.contains("otra unidad"));
        let r = d
            .get(
                &nat,
                &format!(
                    "/api/v1/dashboard/comments?{period}&scope=institute&q=espera&format=xlsx"
                ),
            )
            .await;
        assert_eq!(r.status(), 200);
        assert_eq!(&r.bytes().await.unwrap()[..2], b"PK");
        d.stop().await;
    }
}
