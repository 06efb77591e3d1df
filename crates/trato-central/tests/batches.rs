//! `POST /api/v1/batches` against the real server on loopback, on SQLite and
//! (with `TRATO_TEST_PG_URL`) on PostgreSQL.

mod common;

use std::io::Write as _;

use chrono::{Duration, Utc};
use common::*;
use trato_central::admin;
use trato_central::ingest::encode_batch;
use trato_domain::wire::{ErrorBody, Outcome, RejectReason, SERVER_TIME_HEADER};
use trato_domain::{Answer, ResponseStatus};

fn outcomes(reply: &trato_domain::wire::BatchReply) -> Vec<String> {
    reply
        .results
        .iter()
        .map(|r| match &r.outcome {
            Outcome::Stored => "stored".to_owned(),
            Outcome::Duplicate => "duplicate".to_owned(),
            Outcome::Rejected { reason, .. } => format!("rejected:{reason:?}"),
        })
        .collect()
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

/// Asserts an error reply: status, `ErrorBody.code`, the server-time header.
async fn expect_error(resp: reqwest::Response, status: u16, code: &str) {
    assert_eq!(resp.status().as_u16(), status, "expected {code}");
    assert!(resp.headers().contains_key(SERVER_TIME_HEADER));
    let text = resp.text().await.unwrap();
    let body: ErrorBody =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{code}: {e}: {text}"));
    assert_eq!(body.code, code, "{}", body.message);
    assert!(!body.message.is_empty());
}

#[tokio::test]
async fn stored_then_same_batch_five_times_changes_nothing() {
    for b in backends() {
        let s = start(b).await;
        let k = s.kiosk(UNIT).await;
        let now = Utc::now();
        let batch = batch(
            &k,
            (0..3)
                .map(|i| response(&k, now - Duration::minutes(i)))
                .collect(),
        );

        let first = s.post_ok(&k.token, &batch).await;
        assert_eq!(outcomes(&first), ["stored"; 3], "{b:?}");
        let ids: Vec<_> = batch.responses.iter().map(|w| w.response.id).collect();
        assert_eq!(first.results.iter().map(|r| r.id).collect::<Vec<_>>(), ids);
        let counts = s.counts().await;
        assert_eq!(counts, (3, 21), "{b:?}");
        let before = s.store().stored_response(ids[0]).await.unwrap().unwrap();

        for _ in 0..5 {
            let again = s.post_ok(&k.token, &batch).await;
            assert_eq!(outcomes(&again), ["duplicate"; 3], "{b:?}");
        }
        assert_eq!(s.counts().await, counts, "{b:?}");
        let after = s.store().stored_response(ids[0]).await.unwrap().unwrap();
        assert_eq!(before, after, "{b:?}");
        assert_eq!(after.kiosk_id, k.id);
        assert_eq!(after.unit_clues, UNIT);
        assert_eq!(after.seq, 1);
        s.stop().await;
    }
}

#[tokio::test]
async fn same_id_with_other_content_is_a_conflict_and_the_row_stays() {
    for b in backends() {
        let s = start(b).await;
        let k = s.kiosk(UNIT).await;
        let original = response(&k, Utc::now());
        s.post_ok(&k.token, &batch(&k, vec![original.clone()]))
            .await;
        let before = s
            .store()
            .stored_response(original.id)
            .await
            .unwrap()
            .unwrap();
        let counts = s.counts().await;

        let mut changed = original.clone();
        changed.answers[0] = codes("trato", &["1"]);
        let reply = s.post_ok(&k.token, &batch(&k, vec![changed])).await;
        assert_eq!(outcomes(&reply), ["rejected:Conflict"], "{b:?}");
        assert_eq!(s.counts().await, counts);
        assert_eq!(
            s.store()
                .stored_response(original.id)
                .await
                .unwrap()
                .unwrap(),
            before
        );
        // The original is still a duplicate, not a conflict.
        let reply = s.post_ok(&k.token, &batch(&k, vec![original])).await;
        assert_eq!(outcomes(&reply), ["duplicate"], "{b:?}");
        s.stop().await;
    }
}

#[tokio::test]
async fn repeats_inside_one_batch() {
    for b in backends() {
        let s = start(b).await;
        let k = s.kiosk(UNIT).await;
        let r = response(&k, Utc::now());
        let mut other = r.clone();
        other.answers[1] = codes("saludo", &["no"]);
        let reply = s
            .post_ok(&k.token, &batch(&k, vec![r.clone(), r.clone(), other]))
            .await;
        assert_eq!(
            outcomes(&reply),
            ["stored", "duplicate", "rejected:Conflict"],
            "{b:?}"
        );
        assert_eq!(s.counts().await, (1, 7));
        s.stop().await;
    }
}

#[tokio::test]
async fn unknown_survey_and_invalid_answers_are_rejected_per_response() {
    for b in backends() {
        let s = start(b).await;
        let k = s.kiosk(UNIT).await;
        let now = Utc::now();
        let good = response(&k, now);
        let mut unknown = response(&k, now);
        unknown.survey_version = 99;
        let mut bad_option = response(&k, now);
        bad_option.answers[0] = codes("trato", &["7"]);
        let mut missing = response(&k, now);
        missing.answers.truncate(2);
        let mut abandoned = response(&k, now);
        abandoned.answers.truncate(2);
        abandoned.status = ResponseStatus::Abandoned;
        let mut bad_language = response(&k, now);
        bad_language.language = "fr".into();

        let reply = s
            .post_ok(
                &k.token,
                &batch(
                    &k,
                    vec![good, unknown, bad_option, missing, abandoned, bad_language],
                ),
            )
            .await;
        assert_eq!(
            outcomes(&reply),
            [
                "stored",
                "rejected:UnknownSurvey",
                "rejected:InvalidAnswers",
                "rejected:InvalidAnswers",
                "stored",
                "rejected:InvalidAnswers",
            ],
            "{b:?}"
        );
        match &reply.results[2].outcome {
            Outcome::Rejected { reason, detail } => {
                assert_eq!(*reason, RejectReason::InvalidAnswers);
                assert!(detail.contains("trato"), "{detail}");
            }
            o => panic!("{o:?}"),
        }
        assert_eq!(s.counts().await, (2, 7 + 2));
        s.stop().await;
    }
}

#[tokio::test]
async fn comments_are_masked_at_the_centre_too() {
    for b in backends() {
        let s = start(b).await;
        let k = s.kiosk(UNIT).await;
        let mut r = response(&k, Utc::now());
        r.answers[6] = Answer {
            question: "comentario".into(),
            codes: vec![],
            text: Some("Llámenme al 5512345678 o a juan.perez@example.com".into()),
        };
        s.post_ok(&k.token, &batch(&k, vec![r.clone()])).await;
        let stored = s.store().stored_response(r.id).await.unwrap().unwrap();
        assert!(!stored.canonical_json.contains("5512345678"), "{b:?}");
        assert!(!stored.canonical_json.contains("juan.perez"), "{b:?}");
        // The kiosk's retry of the unmasked original is still a duplicate.
        let reply = s.post_ok(&k.token, &batch(&k, vec![r])).await;
        assert_eq!(outcomes(&reply), ["duplicate"]);
        s.stop().await;
    }
}

#[tokio::test]
async fn clock_skew_is_flagged_never_rejected() {
    for b in backends() {
        let s = start(b).await;
        let k = s.kiosk(UNIT).await;
        let on_time = response(&k, Utc::now());
        let reply = s.post_ok(&k.token, &batch(&k, vec![on_time.clone()])).await;
        assert!(reply.server_time <= Utc::now());
        let row = s
            .store()
            .stored_response(on_time.id)
            .await
            .unwrap()
            .unwrap();
        assert!(!row.clock_skewed, "{b:?}");
        assert!(row.clock_offset_ms.abs() < 60_000);

        // A kiosk whose clock is an hour behind: flagged, still stored.
        let late = response(&k, Utc::now() - Duration::hours(1));
        let mut req = batch(&k, vec![late.clone()]);
        req.sent_at = Utc::now() - Duration::hours(1);
        let reply = s.post_ok(&k.token, &req).await;
        assert_eq!(outcomes(&reply), ["stored"]);
        let row = s.store().stored_response(late.id).await.unwrap().unwrap();
        assert!(row.clock_skewed, "{b:?}");
        assert!(
            (row.clock_offset_ms - 3_600_000).abs() < 60_000,
            "{}",
            row.clock_offset_ms
        );

        // Ahead by a day, with a finish time in the future: also stored.
        let ahead = response(&k, Utc::now() + Duration::days(1));
        let mut req = batch(&k, vec![ahead.clone()]);
        req.sent_at = Utc::now() + Duration::days(1);
        assert_eq!(outcomes(&s.post_ok(&k.token, &req).await), ["stored"]);
        let row = s.store().stored_response(ahead.id).await.unwrap().unwrap();
        assert!(row.clock_skewed && row.clock_offset_ms < -80_000_000);

        let kiosks = admin::list_kiosks(s.store()).await.unwrap();
        assert!(kiosks[0].last_seen_at.is_some());
        assert!(kiosks[0].last_clock_offset_ms.unwrap() < 0);
        s.stop().await;
    }
}

#[tokio::test]
async fn forged_or_bad_requests_write_nothing() {
    for b in backends() {
        let s = start(b).await;
        let k = s.kiosk(UNIT).await;
        let other = s.kiosk(OTHER_UNIT).await;
        let revoked = s.kiosk(UNIT).await;
        admin::revoke_kiosk(s.store(), &revoked.id).await.unwrap();
        let good = batch(&k, vec![response(&k, Utc::now())]);
        let body = encode_batch(&good).unwrap();

        expect_error(s.post_raw(None, body.clone()).await, 401, "unauthorized").await;
        expect_error(
            s.post_raw(Some("not-a-token"), body.clone()).await,
            401,
            "unauthorized",
        )
        .await;
        let resp = s
            .client
            .post(s.url("/api/v1/batches"))
            .header("authorization", format!("Basic {}", k.token))
            .header("content-encoding", "gzip")
            .body(body.clone())
            .send()
            .await
            .unwrap();
        expect_error(resp, 401, "unauthorized").await;
        expect_error(
            s.post_raw(
                Some(&revoked.token),
                encode_batch(&batch(&revoked, vec![response(&revoked, Utc::now())])).unwrap(),
            )
            .await,
            401,
            "unauthorized",
        )
        .await;
        // Another unit's kiosk posting this batch, and this kiosk posting for
        // another unit.
        expect_error(
            s.post_raw(Some(&other.token), body.clone()).await,
            403,
            "forbidden",
        )
        .await;
        let mut for_other = batch(&k, vec![response(&k, Utc::now())]);
        for_other.unit_clues = OTHER_UNIT.into();
        for_other.responses[0].response.unit_clues = OTHER_UNIT.into();
        expect_error(s.post(&k.token, &for_other).await, 403, "forbidden").await;
        // One response of the batch smuggled in for another unit.
        let mut smuggled = batch(&k, vec![response(&k, Utc::now()), response(&k, Utc::now())]);
        smuggled.responses[1].response.unit_clues = OTHER_UNIT.into();
        expect_error(s.post(&k.token, &smuggled).await, 403, "forbidden").await;

        // 2 MiB body: refused from its Content-Length.
        let big = vec![0u8; 2 * 1024 * 1024];
        expect_error(s.post_raw(Some(&k.token), big).await, 413, "too_large").await;
        // Truncated gzip.
        expect_error(
            s.post_raw(Some(&k.token), body[..body.len() / 2].to_vec())
                .await,
            400,
            "bad_gzip",
        )
        .await;
        // Not gzip at all.
        expect_error(
            s.post_raw(Some(&k.token), b"{}".to_vec()).await,
            400,
            "bad_gzip",
        )
        .await;
        // Invalid JSON, and JSON that is not a batch.
        expect_error(
            s.post_raw(Some(&k.token), gzip(b"{\"kiosk_id\": ")).await,
            400,
            "bad_json",
        )
        .await;
        expect_error(
            s.post_raw(Some(&k.token), gzip(br#"{"kiosk_id": 5}"#))
                .await,
            422,
            "invalid_batch",
        )
        .await;
        // Gzip bomb: 1 KiB-ish compressed, over 16 MiB inflated.
        let bomb = gzip(&vec![b' '; 17 * 1024 * 1024]);
        assert!(bomb.len() < 100 * 1024);
        expect_error(
            s.post_raw(Some(&k.token), bomb).await,
            413,
            "decompressed_too_large",
        )
        .await;
        // Without Content-Encoding: gzip.
        let resp = s
            .client
            .post(s.url("/api/v1/batches"))
            .bearer_auth(&k.token)
            .body(serde_json::to_vec(&good).unwrap())
            .send()
            .await
            .unwrap();
        expect_error(resp, 415, "gzip_required").await;

        assert_eq!(s.counts().await, (0, 0), "{b:?}");
        // And the good batch still goes through afterwards.
        assert_eq!(outcomes(&s.post_ok(&k.token, &good).await), ["stored"]);
        s.stop().await;
    }
}

#[tokio::test]
async fn an_unsurveyed_batch_of_unknown_surveys_writes_nothing() {
    for b in backends() {
        let s = start(b).await;
        let k = s.kiosk(UNIT).await;
        let mut r = response(&k, Utc::now());
        r.survey_id = "no-such-survey".into();
        let reply = s.post_ok(&k.token, &batch(&k, vec![r])).await;
        assert_eq!(outcomes(&reply), ["rejected:UnknownSurvey"]);
        assert_eq!(s.counts().await, (0, 0), "{b:?}");
        s.stop().await;
    }
}

#[tokio::test]
async fn rate_limit_answers_429_with_retry_after() {
    let s = start_with(
        Backend::Sqlite,
        trato_central::Config {
            rate_burst: 2,
            rate_per_sec: 0.01,
            ..Default::default()
        },
    )
    .await;
    let k = s.kiosk(UNIT).await;
    let b = batch(&k, vec![]);
    s.post_ok(&k.token, &b).await;
    s.post_ok(&k.token, &b).await;
    let resp = s.post(&k.token, &b).await;
    assert!(resp.headers().contains_key("retry-after"));
    expect_error(resp, 429, "rate_limited").await;
    // Another kiosk is not affected.
    let k2 = s.kiosk(UNIT).await;
    s.post_ok(&k2.token, &batch(&k2, vec![])).await;
    s.stop().await;
}

#[tokio::test]
async fn concurrent_retries_of_one_batch_store_each_response_once() {
    for b in backends() {
        let s = start_with(
            b,
            trato_central::Config {
                rate_per_sec: 0.0,
                ..Default::default()
            },
        )
        .await;
        let k = s.kiosk(UNIT).await;
        let req = batch(&k, (0..100).map(|_| response(&k, Utc::now())).collect());
        let body = encode_batch(&req).unwrap();
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..8 {
            let (client, url, token, body) = (
                s.client.clone(),
                s.url("/api/v1/batches"),
                k.token.clone(),
                body.clone(),
            );
            tasks.spawn(async move {
                let resp = client
                    .post(url)
                    .bearer_auth(token)
                    .header("content-encoding", "gzip")
                    .body(body)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(resp.status(), 200);
                resp.json::<trato_domain::wire::BatchReply>().await.unwrap()
            });
        }
        let replies = tasks.join_all().await;
        let stored: usize = replies
            .iter()
            .flat_map(|r| &r.results)
            .filter(|r| r.outcome == Outcome::Stored)
            .count();
        let duplicate: usize = replies
            .iter()
            .flat_map(|r| &r.results)
            .filter(|r| r.outcome == Outcome::Duplicate)
            .count();
        assert_eq!((stored, duplicate), (100, 700), "{b:?}");
        assert_eq!(s.counts().await, (100, 700), "{b:?}");
        s.stop().await;
    }
}
