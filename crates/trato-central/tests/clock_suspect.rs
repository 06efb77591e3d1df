//! A kiosk clock far outside anything real (year -1 or +262000, an offset of
//! 2^31-1 minutes) is never a reason to reject a response (the protocol),
//! and nothing it leaves behind may break a later read: the response is
//! stored with its raw clock, filed under the centre's receive time, and
//! flagged.

mod common;
mod dashboard_support;

use chrono::{DateTime, NaiveDate, Utc};
use common::{backends, pg_client, Backend};
use dashboard_support::*;
use trato_central::dashboard::rollup;
use trato_domain::wire::BatchReply;

fn at(year: i32) -> DateTime<Utc> {
    NaiveDate::from_ymd_opt(year, 1, 1)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_utc()
}

/// `(clock_suspect, raw clock JSON, finished_at as stored)` of a response.
async fn stored_clock(d: &Dash, id: &str) -> (bool, Option<String>, String) {
    match d.backend {
        Backend::Sqlite => {
            let c = rusqlite::Connection::open(&d.url).unwrap();
            c.query_row(
                "SELECT clock_suspect, clock_raw, finished_at FROM responses WHERE id = ?1",
                [id],
                |r| Ok((r.get::<_, i64>(0)? == 1, r.get(1)?, r.get(2)?)),
            )
            .unwrap()
        }
        Backend::Postgres => {
            let c = pg_client(&d.url).await;
            let row = c
                .query_one(
                    "SELECT clock_suspect, clock_raw, finished_at::text FROM responses WHERE id = $1::text::uuid",
                    &[&id],
                )
                .await
                .unwrap();
            (row.get(0), row.get(1), row.get(2))
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_impossible_kiosk_clock_is_stored_flagged_and_breaks_no_read() {
    for b in backends() {
        let d = start(b).await;
        let k = d.kiosk("DFIMS000020").await;
        let now = Utc::now();
        let mut past = response(&k, at(-1), "urgencias", "1", ["no", "no", "no", "no"]);
        past.started_at = at(-1);
        past.utc_offset_minutes = i32::MAX;
        let mut future = response(&k, at(262_000), "urgencias", "1", ["si", "si", "si", "no"]);
        future.started_at = at(262_000);
        future.utc_offset_minutes = i32::MAX;
        // A sane time with an impossible offset, and an ordinary response.
        let mut offset_only = response(&k, now, "urgencias", "2", ["si", "si", "si", "si"]);
        offset_only.utc_offset_minutes = -2000;
        let fine = response(&k, now, "urgencias", "5", ["si", "si", "si", "si"]);
        let all = vec![
            past.clone(),
            future.clone(),
            offset_only.clone(),
            fine.clone(),
        ];
        d.post_batch(&k, all.clone()).await;

        // All stored; a retry of the same bytes is a duplicate, not a conflict.
        let body = trato_domain::wire::BatchRequest {
            kiosk_id: k.id.clone(),
            unit_clues: k.unit_clues.clone(),
            sent_at: Utc::now(),
            responses: all
                .iter()
                .cloned()
                .enumerate()
                .map(|(i, response)| trato_domain::wire::WireResponse {
                    seq: i as u64 + 1,
                    response,
                })
                .collect(),
            ..Default::default()
        };
        let r = d
            .client
            .post(d.url("/api/v1/batches"))
            .bearer_auth(&k.token)
            .header("content-encoding", "gzip")
            .body(trato_central::ingest::encode_batch(&body).unwrap())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let reply: BatchReply = r.json().await.unwrap();
        for res in &reply.results {
            assert_eq!(
                res.outcome,
                trato_domain::wire::Outcome::Duplicate,
                "{b:?} {res:?}"
            );
        }

        for (r, suspect, raw) in [
            (&past, true, Some("-0001-01-01")),
            (&future, true, Some("+262000-01-01")),
            (&offset_only, true, Some("-2000")),
            (&fine, false, None),
        ] {
            let (flag, stored_raw, finished) = stored_clock(&d, &r.id.to_string()).await;
            assert_eq!(flag, suspect, "{b:?} {}", r.id);
            match raw {
                Some(text) => {
                    let stored_raw = stored_raw.unwrap_or_default();
                    assert!(stored_raw.contains(text), "{b:?} {stored_raw}");
                    assert!(
                        finished.starts_with(&now.format("%Y").to_string()),
                        "{b:?} {finished}"
                    );
                }
                None => assert!(stored_raw.is_none(), "{b:?}"),
            }
        }

        // Every read that uses them still answers.
        let s = d.login("nacional").await;
        let today = trato_central::dashboard::today();
        let q = format!(
            "scope=institute&from={}&to={}&status=all",
            today - chrono::Duration::days(2),
            today + chrono::Duration::days(2)
        );
        let alerts = d
            .get_json(&s, &format!("/api/v1/dashboard/alerts?{q}"))
            .await;
        let ids: Vec<&str> = alerts["alerts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["id"].as_str().unwrap())
            .collect();
        for r in [&past, &future, &offset_only] {
            assert!(ids.contains(&r.id.to_string().as_str()), "{b:?} {ids:?}");
        }
        let csv = d
            .get(&s, &format!("/api/v1/dashboard/alerts?{q}&format=csv"))
            .await;
        assert_eq!(csv.status(), 200, "{b:?}");
        let summary = d
            .get_json(&s, &format!("/api/v1/dashboard/summary?{q}"))
            .await;
        assert_eq!(summary["totals"]["responses"], 4, "{b:?} {summary}");
        let r = d
            .attend(&s, &future.id.to_string(), Some(&s.csrf), "Atendida")
            .await;
        assert_eq!(r.status(), 200, "{b:?}");
        for path in [
            "/api/v1/dashboard/report.xlsx?unit=DFIMS000020".to_owned(),
            "/informe?unit=DFIMS000020".to_owned(),
        ] {
            assert_eq!(d.get(&s, &path).await.status(), 200, "{b:?} {path}");
        }
        let report = rollup::rebuild(&*d.store(), None, None, |_, _| {})
            .await
            .unwrap();
        assert_eq!(report.responses, 4, "{b:?} {report:?}");
        let again = d
            .get_json(&s, &format!("/api/v1/dashboard/summary?{q}"))
            .await;
        assert_eq!(again["totals"], summary["totals"], "{b:?}");
        d.stop().await;
    }
}
