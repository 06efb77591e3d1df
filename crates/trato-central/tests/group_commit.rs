//! SQLite group commit: batches waiting together share one transaction, each
//! in its own savepoint. A batch that fails inside the group is rolled back
//! whole and alone; the others are stored and answered as if alone.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use common::*;
use trato_central::admin;
use trato_central::ingest::content_hash;
use trato_central::store::{BatchMeta, InsertOutcome, PreparedResponse, SqliteStore};
use trato_central::Store;
use trato_domain::Response;

fn prepared(responses: &[Response]) -> Vec<PreparedResponse> {
    let survey = std::sync::Arc::new(trato_central::surveys::default_survey().unwrap());
    responses
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let (json, hash) = content_hash(r);
            PreparedResponse {
                seq: i as i64 + 1,
                response: r.clone(),
                canonical_json: json,
                content_hash: hash,
                survey: survey.clone(),
                clock_raw: None,
            }
        })
        .collect()
}

fn meta(kiosk: &admin::IssuedKiosk) -> BatchMeta {
    BatchMeta {
        kiosk_id: kiosk.id.clone(),
        unit_clues: kiosk.unit_clues.clone(),
        sent_at: Utc::now(),
        received_at: Utc::now(),
        clock_offset_ms: 0,
        clock_skewed: false,
        report: Default::default(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_batch_in_a_group_rolls_back_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("central.db");
    let sqlite = Arc::new(SqliteStore::open(&path).await.unwrap());
    let store: Arc<dyn Store> = sqlite.clone();
    admin::ensure_default_survey(&*store).await.unwrap();
    let k = admin::add_kiosk(&*store, UNIT, "Urgencias").await.unwrap();

    // A real SQLite failure in the middle of one batch: its answer rows are
    // refused after its response rows went in.
    let other = rusqlite::Connection::open(&path).unwrap();
    other
        .execute_batch(
            "CREATE TRIGGER fail_batch BEFORE INSERT ON answers WHEN NEW.text = 'FALLA'
             BEGIN SELECT RAISE(ABORT, 'injected failure'); END;",
        )
        .unwrap();
    // Hold the write lock so that the batches queue up behind the first.
    other.execute_batch("BEGIN IMMEDIATE").unwrap();

    let fresh = |n: usize| -> Vec<Response> { (0..n).map(|_| response(&k, Utc::now())).collect() };
    let a = fresh(3);
    let b = fresh(4);
    let mut c = fresh(5);
    c[3].answers.last_mut().unwrap().text = Some("FALLA".into());
    // D repeats one of B's responses: inside the group it sees B's row.
    let mut d = fresh(2);
    d.push(b[0].clone());

    let submit = |rs: &[Response]| {
        let (store, meta, items) = (store.clone(), meta(&k), prepared(rs));
        tokio::spawn(async move { store.apply_batch(meta, items).await })
    };
    let ta = submit(&a);
    // A taken alone, its group waiting for the lock; then B, C and D queue.
    wait_until(|| sqlite.writer_counts() == (1, 1)).await;
    let (tb, tc, td) = (submit(&b), submit(&c), submit(&d));
    wait_until(|| sqlite.writer_counts() == (4, 1)).await;
    other.execute_batch("COMMIT").unwrap();
    // B, C and D are one group: taken together.
    wait_until(|| sqlite.writer_counts() == (4, 4)).await;

    let stored = |n| vec![InsertOutcome::Stored; n];
    assert_eq!(ta.await.unwrap().unwrap(), stored(3));
    assert_eq!(tb.await.unwrap().unwrap(), stored(4));
    let err = tc.await.unwrap().unwrap_err();
    assert!(err.to_string().contains("injected failure"), "{err}");
    let mut d_out = stored(2);
    d_out.push(InsertOutcome::Duplicate);
    assert_eq!(td.await.unwrap().unwrap(), d_out);

    // Nothing of C, not even the responses before the failing one.
    for r in &c {
        assert!(store.stored_response(r.id).await.unwrap().is_none());
    }
    let (responses, answers) = (
        store.count_responses().await.unwrap(),
        store.count_answers().await.unwrap(),
    );
    assert_eq!(responses, 3 + 4 + 2);
    assert_eq!(answers, (3 + 4 + 2) * 7);
    let figures: i64 = other
        .query_row("SELECT SUM(responses) FROM daily_figures", [], |r| r.get(0))
        .unwrap();
    assert_eq!(figures, 9);

    // Once the cause is gone, C goes through whole.
    other.execute_batch("DROP TRIGGER fail_batch").unwrap();
    let again = store.apply_batch(meta(&k), prepared(&c)).await.unwrap();
    assert_eq!(again, stored(5));
    assert_eq!(store.count_responses().await.unwrap(), 14);
}

/// A batch whose content makes the writer panic (a clock far beyond
/// anything real, handed to the store without ingest's checks) is rejected
/// alone: the batches sharing its group commit, and every later one, are
/// stored.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_that_panics_the_writer_is_rejected_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("central.db");
    let sqlite = Arc::new(SqliteStore::open(&path).await.unwrap());
    let store: Arc<dyn Store> = sqlite.clone();
    admin::ensure_default_survey(&*store).await.unwrap();
    let k = admin::add_kiosk(&*store, UNIT, "Urgencias").await.unwrap();
    let other = rusqlite::Connection::open(&path).unwrap();
    other.execute_batch("BEGIN IMMEDIATE").unwrap();

    let fresh = |n: usize| -> Vec<Response> { (0..n).map(|_| response(&k, Utc::now())).collect() };
    let (a, b, d) = (fresh(2), fresh(3), fresh(4));
    let mut c = fresh(2);
    c[1].finished_at = chrono::NaiveDate::from_ymd_opt(262_000, 1, 1)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_utc();
    c[1].utc_offset_minutes = i32::MAX;
    let submit = |rs: &[Response]| {
        let (store, meta, items) = (store.clone(), meta(&k), prepared(rs));
        tokio::spawn(async move { store.apply_batch(meta, items).await })
    };
    let ta = submit(&a);
    wait_until(|| sqlite.writer_counts() == (1, 1)).await;
    let (tb, tc, td) = (submit(&b), submit(&c), submit(&d));
    wait_until(|| sqlite.writer_counts() == (4, 1)).await;
    other.execute_batch("COMMIT").unwrap();
    wait_until(|| sqlite.writer_counts() == (4, 4)).await;

    let stored = |n| vec![InsertOutcome::Stored; n];
    assert_eq!(ta.await.unwrap().unwrap(), stored(2));
    assert_eq!(tb.await.unwrap().unwrap(), stored(3));
    assert!(tc.await.unwrap().is_err());
    assert_eq!(td.await.unwrap().unwrap(), stored(4));
    for r in &c {
        assert!(store.stored_response(r.id).await.unwrap().is_none());
    }
    assert_eq!(store.count_responses().await.unwrap(), 2 + 3 + 4);
    // The writer lives on.
    let e = fresh(1);
    assert_eq!(
        store.apply_batch(meta(&k), prepared(&e)).await.unwrap(),
        stored(1)
    );
}

/// Many concurrent batches: every one answered, every row stored once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_batches_are_all_stored_once() {
    let s = start(Backend::Sqlite).await;
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..20 {
        let k = s.kiosk(UNIT).await;
        let body = batch(&k, (0..50).map(|_| response(&k, Utc::now())).collect());
        let (client, url) = (s.client.clone(), s.url("/api/v1/batches"));
        let wire = trato_central::ingest::encode_batch(&body).unwrap();
        tasks.spawn(async move {
            for _ in 0..2 {
                // The second time: all duplicates.
                let resp = client
                    .post(&url)
                    .bearer_auth(&k.token)
                    .header("content-encoding", "gzip")
                    .body(wire.clone())
                    .send()
                    .await
                    .unwrap();
                assert_eq!(resp.status(), 200);
                resp.bytes().await.unwrap();
            }
        });
    }
    tasks.join_all().await;
    assert_eq!(s.counts().await, (1_000, 7_000));
    s.stop().await;
}

async fn wait_until(mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !f() {
        assert!(Instant::now() < deadline, "timed out");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}
