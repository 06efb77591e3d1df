//! Lengths are bounded where text comes in, and nothing stored, however
//! long, breaks a report on the way out.

mod common;
mod dashboard_support;

use chrono::Utc;
use common::backends;
use dashboard_support::*;
use trato_central::ingest::content_hash;
use trato_central::store::{BatchMeta, PreparedResponse};
use trato_domain::wire::{Outcome, RejectReason};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overlong_fields_are_refused_at_receipt_and_cannot_break_a_report() {
    for b in backends() {
        let d = start(b).await;
        let k = d.kiosk("DFIMS000020").await;
        let huge = "=A".repeat(20_000);
        let mut long_area = response(&k, Utc::now(), &huge, "1", ["no", "no", "no", "no"]);
        long_area.unit_name = "HGZ 1".into();
        let mut long_unit = response(&k, Utc::now(), "urgencias", "5", ["si", "si", "si", "si"]);
        long_unit.unit_name = "x".repeat(40_000);
        let fine = response(&k, Utc::now(), "urgencias", "5", ["si", "si", "si", "si"]);
        let body = trato_domain::wire::BatchRequest {
            kiosk_id: k.id.clone(),
            unit_clues: k.unit_clues.clone(),
            sent_at: Utc::now(),
            responses: [&long_area, &long_unit, &fine]
                .into_iter()
                .enumerate()
                .map(|(i, r)| trato_domain::wire::WireResponse {
                    seq: i as u64 + 1,
                    response: r.clone(),
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
        let reply: trato_domain::wire::BatchReply = r.json().await.unwrap();
        for (res, field) in reply.results[..2].iter().zip(["service_area", "unit_name"]) {
            match &res.outcome {
                Outcome::Rejected {
                    reason: RejectReason::InvalidAnswers,
                    detail,
                } => assert!(detail.contains(field), "{b:?} {detail}"),
                other => panic!("{b:?} {field}: {other:?}"),
            }
        }
        assert_eq!(reply.results[2].outcome, Outcome::Stored);

        // Stored anyway (an older centre let it in): the report still opens.
        let (json, hash) = content_hash(&long_area);
        let meta = BatchMeta {
            kiosk_id: k.id.clone(),
            unit_clues: k.unit_clues.clone(),
            sent_at: Utc::now(),
            received_at: Utc::now(),
            clock_offset_ms: 0,
            clock_skewed: false,
            report: Default::default(),
        };
        let item = PreparedResponse {
            seq: 9,
            response: long_area.clone(),
            canonical_json: json,
            content_hash: hash,
            clock_raw: None,
            survey: std::sync::Arc::new(trato_central::surveys::default_survey().unwrap()),
        };
        d.store().apply_batch(meta, vec![item]).await.unwrap();
        let s = d.login("nacional").await;
        let r = d
            .get(&s, "/api/v1/dashboard/report.xlsx?unit=DFIMS000020")
            .await;
        assert_eq!(r.status(), 200, "{b:?} {}", r.text().await.unwrap());
        let q = "scope=institute&status=all&format=csv";
        let csv = d.get(&s, &format!("/api/v1/dashboard/alerts?{q}")).await;
        assert_eq!(csv.status(), 200);
        let text = csv.text().await.unwrap();
        assert!(text.contains(",'=A=A"), "{b:?}: area neutralised");
        assert!(!text.contains(&huge), "{b:?}: cut to a spreadsheet cell");
        d.stop().await;
    }
}
