//! Sync end to end against the REAL `trato-central`, in-process on loopback
//! with a fresh SQLite file: a backlog arriving once the centre starts, a
//! proxy injecting network faults, a kiosk SIGKILLed between the centre's
//! reply and its own commit, replays and conflicts, retention, and a
//! certificate the kiosk must refuse.

mod sync_support;

use std::time::{Duration, Instant};

use sync_support::*;
use tokio::net::TcpListener;
use trato_domain::wire::{Outcome, RejectReason};
use trato_kiosk_core::sync::batch::{next_batch, Sender};
use trato_kiosk_core::sync::{
    spawn_service, CentreClient, ServiceOptions, SyncError, SyncOptions, Syncer, Timeouts,
};
use trato_kiosk_core::Store;

fn options() -> SyncOptions {
    SyncOptions {
        check_survey: false,
        ..SyncOptions::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_pending_arrive_once_the_centre_starts_later() {
    let mut k = kiosk();
    let ids = k.add_responses(10_000);
    let db = centre_db().await;
    let token = db.register(&k.id()).await;
    // A port nobody listens on yet: the centre starts later.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    k.point_at(&format!("http://{addr}"), &token);

    let syncer = Syncer::open(&k.db(), options()).unwrap();
    let service_options = ServiceOptions {
        sync: options(),
        ..ServiceOptions::default()
    };
    let (handle, task) = spawn_service(syncer, service_options, Box::new(|_| {}));
    let task = tokio::spawn(task);

    // The first attempt finds no centre: nothing is marked, the error is in words.
    let view = wait_for(|| handle.view().filter(|v| v.last_error.is_some())).await;
    assert_eq!(view.pending, 10_000);
    assert!(view.next_attempt.is_some());
    assert!(
        view.last_error.as_deref().unwrap().contains("conexión"),
        "{view:?}"
    );
    assert_eq!(k.counts().sent, 0);

    let started = Instant::now();
    let centre = serve(&db, TcpListener::bind(addr).await.unwrap(), unlimited()).await;
    // The backoff (1-2 s after one failure) brings the next attempt.
    let view = wait_for(|| handle.view().filter(|v| v.pending == 0)).await;
    eprintln!("10,000 responses drained in {:?}", started.elapsed());
    assert_eq!(view.last_error, None);
    assert!(view.last_success.is_some());
    assert_eq!(view.state, "al día");

    let counts = k.counts();
    assert_eq!(
        (counts.pending, counts.sent, counts.rejected),
        (0, 10_000, 0)
    );
    assert_eq!(db.counts(), (10_000, 10_000));
    let stored = centre.state.store.count_responses().await.unwrap();
    assert_eq!(stored, 10_000);
    // Every kiosk id is at the centre.
    let conn = rusqlite::Connection::open(&db.path).unwrap();
    let mut missing = 0;
    for id in ids.iter().step_by(97) {
        let n: i64 = conn
            .query_row(
                "SELECT COUNT(*) FROM responses WHERE id = ?1",
                [id.to_string()],
                |r| r.get(0),
            )
            .unwrap();
        missing += usize::from(n != 1);
    }
    assert_eq!(missing, 0);
    let last = k.kiosk.store().last_sync().unwrap().unwrap();
    assert!(last.ok);
    assert!(last.clock_offset_ms.is_some_and(|ms| ms.abs() < 5_000));

    handle.stop();
    task.await.unwrap();
    centre.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_an_endpoint_nothing_is_sent_and_the_state_says_so() {
    let k = kiosk();
    k.add_responses(3);
    let mut syncer = Syncer::open(&k.db(), options()).unwrap();
    assert!(matches!(
        syncer.run_once().await,
        Err(SyncError::NotConfigured)
    ));
    let view = syncer.view().await.unwrap();
    assert_eq!(view.state, "sin configurar");
    assert_eq!(view.pending, 3);
    assert!(k.kiosk.store().last_sync().unwrap().is_none());
}

/// The same batch five times stores once; the same id with other answers is
/// a conflict and leaves the stored row alone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replays_change_nothing_and_a_changed_response_is_a_conflict() {
    let mut k = kiosk();
    k.add_responses(50);
    let db = centre_db().await;
    let token = db.register(&k.id()).await;
    let centre = serve(
        &db,
        TcpListener::bind("127.0.0.1:0").await.unwrap(),
        unlimited(),
    )
    .await;
    k.point_at(&centre.url(), &token);
    let client = CentreClient::new(&centre.url(), &token, Timeouts::default()).unwrap();
    let sender = Sender {
        kiosk_id: k.id(),
        unit_clues: UNIT.into(),
    };
    let batch = next_batch(k.kiosk.store(), &sender, chrono::Utc::now(), 200, 1 << 20)
        .unwrap()
        .unwrap();
    assert_eq!(batch.len(), 50);
    let first = client.post_batch(batch.body.clone()).await.unwrap().body;
    assert!(first.results.iter().all(|r| r.outcome == Outcome::Stored));
    let before = stored_json(&db, batch.items[0].1);
    for _ in 0..5 {
        let again = client.post_batch(batch.body.clone()).await.unwrap().body;
        assert!(again
            .results
            .iter()
            .all(|r| r.outcome == Outcome::Duplicate));
        assert_eq!(db.counts(), (50, 50));
    }

    // Same id, other answers.
    let mut pending = k.kiosk.store().pending_responses(1).unwrap();
    pending[0].response.answers[0].codes = vec!["1".into()];
    let changed = trato_kiosk_core::sync::batch::encode_fitting(
        pending,
        &sender,
        chrono::Utc::now(),
        1 << 20,
    )
    .unwrap();
    let reply = client.post_batch(changed.body).await.unwrap().body;
    assert!(matches!(
        &reply.results[0].outcome,
        Outcome::Rejected {
            reason: RejectReason::Conflict,
            ..
        }
    ));
    assert_eq!(stored_json(&db, batch.items[0].1), before);
    assert_eq!(db.counts(), (50, 50));

    // The kiosk's own sync then finds them all at the centre already.
    let mut syncer = Syncer::open(&k.db(), options()).unwrap();
    let report = syncer.run_once().await.unwrap();
    assert_eq!((report.stored, report.duplicate), (0, 50));
    assert_eq!(k.counts().pending, 0);
    centre.stop().await;
}

fn stored_json(db: &CentreDb, id: uuid::Uuid) -> String {
    let conn = rusqlite::Connection::open(&db.path).unwrap();
    conn.query_row(
        "SELECT content_hash || canonical_json FROM responses WHERE id = ?1",
        [id.to_string()],
        |r| r.get(0),
    )
    .unwrap()
}

/// A response the centre rejects is kept with its reason, never resent,
/// never purged; sent responses are purged after the retention period.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rejected_responses_are_kept_with_their_reason_and_never_purged() {
    let mut k = kiosk();
    let good = k.add_responses(5);
    // A survey version the centre does not know.
    let mut survey = trato_kiosk_core::survey_catalog::default_survey().unwrap();
    survey.version = 77;
    let mut store = Store::open_existing(&k.db()).unwrap();
    store.install_survey(&survey).unwrap();
    let mut odd = response(&k.id(), chrono::Utc::now());
    odd.survey_version = 77;
    store.insert_response(&odd).unwrap();

    let db = centre_db().await;
    let token = db.register(&k.id()).await;
    let centre = serve(
        &db,
        TcpListener::bind("127.0.0.1:0").await.unwrap(),
        unlimited(),
    )
    .await;
    k.point_at(&centre.url(), &token);
    let mut syncer = Syncer::open(&k.db(), options()).unwrap();
    let report = syncer.run_once().await.unwrap();
    assert_eq!(report.stored, 5);
    assert_eq!(report.rejected.len(), 1);
    assert_eq!(report.rejected[0].reason, RejectReason::UnknownSurvey);
    let rejected = k.kiosk.store().rejected_responses(10).unwrap();
    assert_eq!(rejected.len(), 1);
    assert_eq!(rejected[0].0, odd.id.to_string());
    assert!(
        rejected[0].1.starts_with("unknown_survey"),
        "{}",
        rejected[0].1
    );

    // Not sent again.
    let again = syncer.run_once().await.unwrap();
    assert_eq!(
        (again.batches, again.sent(), again.rejected.len()),
        (0, 0, 0)
    );

    // A pending one, never sent.
    let later = k.add_responses(1);
    // Retention far in the future: sent ones go, pending and rejected stay.
    let purged = trato_kiosk_core::sync::retention::purge(
        &mut store,
        1,
        chrono::Utc::now() + chrono::Duration::days(400),
    )
    .unwrap();
    assert_eq!(purged, 5);
    for id in &good {
        assert!(k.kiosk.store().response(*id).unwrap().is_none());
    }
    assert!(k.kiosk.store().response(odd.id).unwrap().is_some());
    assert!(k.kiosk.store().response(later[0]).unwrap().is_some());
    let counts = k.counts();
    assert_eq!((counts.pending, counts.sent, counts.rejected), (1, 0, 1));
    // Within the retention period nothing goes.
    let more = syncer.run_once().await.unwrap();
    assert_eq!(more.sent(), 1);
    assert_eq!(more.purged, 0);
    centre.stop().await;
}

async fn wait_for<T>(mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
