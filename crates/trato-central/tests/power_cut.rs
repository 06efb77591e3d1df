//! A power cut under the centre's SQLite store: batches go through the group
//! commit (several at once, so they share transactions) on a disk that keeps
//! only what was fsynced (`trato-powercut`); the power goes at a random
//! write, sync or delete; after the "reboot" every batch the store answered
//! must be there whole, and the database must pass `integrity_check`. The
//! negative control runs the same code with `synchronous=OFF` and must lose
//! answered responses.
//!
//! Reproduce a failure with `TRATO_POWERCUT_SEED=<seed>`.

mod common;

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use common::{response, UNIT};
use rusqlite::{Connection, OptionalExtension};
use trato_central::admin::{self, IssuedKiosk};
use trato_central::ingest::content_hash;
use trato_central::store::{BatchMeta, InsertOutcome, PreparedResponse, SqliteStore};
use trato_central::Store;
use trato_domain::Response;
use trato_powercut::{Unsynced, Volume};

const CUTS: usize = 200;
const CONTROL_RUNS: usize = 40;
/// Rounds of batches per boot, and batches sent together in each round.
const ROUNDS: usize = 4;
const TOGETHER: usize = 3;
const DB: &str = "central.db";

fn seed() -> u64 {
    std::env::var("TRATO_POWERCUT_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| fastrand::u64(..))
}

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
                clock_raw: None,
                survey: survey.clone(),
            }
        })
        .collect()
}

fn meta(kiosk: &IssuedKiosk) -> BatchMeta {
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

/// Bounded wait for the store's background connections to close.
async fn until_closed(disk: &Volume) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while disk.open_files() > 0 {
        assert!(
            Instant::now() < deadline,
            "the store's connections did not close"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn copy_files(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if entry.file_type().unwrap().is_file() && !name.to_string_lossy().ends_with("-shm") {
            std::fs::copy(entry.path(), to.join(name)).unwrap();
        }
    }
}

/// A centre with its survey and one kiosk, shut down cleanly.
async fn template() -> (tempfile::TempDir, IssuedKiosk) {
    let dir = tempfile::tempdir().unwrap();
    let disk = Volume::new(dir.path()).unwrap();
    let store = SqliteStore::open(disk.root().join(DB)).await.unwrap();
    admin::ensure_default_survey(&store).await.unwrap();
    let kiosk = admin::add_kiosk(&store, UNIT, "Urgencias").await.unwrap();
    drop(store);
    until_closed(&disk).await;
    (dir, kiosk)
}

#[derive(Default)]
struct Run {
    answered: Vec<Response>,
    synchronous: Option<String>,
    ops: u64,
}

/// One boot: the store opens and takes rounds of batches until the power
/// goes (or all are stored and the store is dropped).
async fn boot(disk: &Volume, kiosk: &IssuedKiosk) -> Run {
    let mut run = Run::default();
    let Ok(store) = SqliteStore::open(disk.root().join(DB)).await else {
        run.ops = disk.ops();
        return run;
    };
    run.synchronous = store
        .durability()
        .ok()
        .and_then(|d| d.first().map(|c| c.synchronous.clone()));
    let store = Arc::new(store);
    'rounds: for _ in 0..ROUNDS {
        let mut tasks = Vec::new();
        for n in 0..TOGETHER {
            let batch: Vec<Response> = (0..=n).map(|_| response(kiosk, Utc::now())).collect();
            let (store, meta, items) = (store.clone(), meta(kiosk), prepared(&batch));
            tasks.push((
                batch,
                tokio::spawn(async move { store.apply_batch(meta, items).await }),
            ));
        }
        let mut failed = false;
        for (batch, task) in tasks {
            match task.await.unwrap() {
                Ok(outcomes) => {
                    assert!(outcomes.iter().all(|o| *o == InsertOutcome::Stored));
                    run.answered.extend(batch);
                }
                Err(_) => failed = true,
            }
        }
        if failed {
            break 'rounds;
        }
    }
    drop(store);
    run.ops = disk.ops();
    run
}

struct Found {
    missing: usize,
    partial: usize,
    integrity: String,
}

/// Reopens the store on what the disk kept and looks for each answered response.
async fn after_reboot(disk: &Volume, answered: &[Response]) -> Result<Found, String> {
    let store = SqliteStore::open(disk.root().join(DB))
        .await
        .map_err(|e| format!("the store did not open: {e}"))?;
    let conn = Connection::open(disk.root().join(DB)).map_err(|e| e.to_string())?;
    let mut found = Found {
        missing: 0,
        partial: 0,
        integrity: String::new(),
    };
    for r in answered {
        let stored = store
            .stored_response(r.id)
            .await
            .map_err(|e| e.to_string())?;
        let answers: Option<i64> = conn
            .query_row(
                "SELECT COUNT(*) FROM answers WHERE response_id = ?1",
                [r.id.to_string()],
                |row| row.get(0),
            )
            .optional()
            .map_err(|e| e.to_string())?;
        match stored {
            None => found.missing += 1,
            Some(s)
                if s.content_hash != content_hash(r).1
                    || answers != Some(r.answers.len() as i64) =>
            {
                found.partial += 1
            }
            Some(_) => {}
        }
    }
    found.integrity = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .map_err(|e| e.to_string())?;
    Ok(found)
}

async fn cut_and_reboot(
    template: &Path,
    kiosk: &IssuedKiosk,
    cut_at: Option<u64>,
    synchronous: Option<&'static str>,
    unsynced: Unsynced<'_>,
) -> (Run, Result<Found, String>) {
    let work = tempfile::tempdir().unwrap();
    let disk = Volume::new(&work.path().join("before")).unwrap();
    copy_files(template, disk.root());
    disk.override_synchronous(synchronous);
    if let Some(n) = cut_at {
        disk.cut_after(n);
    }
    let run = boot(&disk, kiosk).await;
    if cut_at.is_none() {
        // The calibration run shuts down cleanly: its background
        // checkpoint is counted too.
        until_closed(&disk).await;
    }
    disk.power_cut();
    let after = disk.remount(&work.path().join("after"), unsynced).unwrap();
    let found = after_reboot(&after, &run.answered).await;
    (run, found)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_power_cut_at_any_moment_keeps_every_answered_batch() {
    let (template, kiosk) = template().await;
    let seed = seed();
    eprintln!("power-cut seed {seed} (TRATO_POWERCUT_SEED)");
    let mut rng = fastrand::Rng::with_seed(seed);

    let (whole, found) = cut_and_reboot(template.path(), &kiosk, None, None, Unsynced::Lost).await;
    let found = found.unwrap();
    assert_eq!(whole.answered.len(), ROUNDS * TOGETHER * (TOGETHER + 1) / 2);
    assert_eq!((found.missing, found.partial), (0, 0));
    let budget = whole.ops;
    assert!(
        budget > ROUNDS as u64,
        "the store did not write through the layer ({budget} operations)"
    );

    let mut answered = 0;
    for i in 0..CUTS {
        let cut_at = rng.u64(1..=budget + 1);
        let unsynced = if i % 2 == 0 {
            Unsynced::Lost
        } else {
            Unsynced::RandomPrefix(&mut rng)
        };
        let (run, found) =
            cut_and_reboot(template.path(), &kiosk, Some(cut_at), None, unsynced).await;
        let context = format!("run {i}, cut at operation {cut_at} of {budget}, seed {seed}");
        let found = found.unwrap_or_else(|e| panic!("{context}: {e}"));
        if let Some(level) = &run.synchronous {
            assert_eq!(level, "FULL", "{context}");
        }
        assert_eq!(found.missing, 0, "{context}: answered responses lost");
        assert_eq!(found.partial, 0, "{context}: responses stored partly");
        assert_eq!(found.integrity, "ok", "{context}");
        answered += run.answered.len();
    }
    assert!(
        answered > CUTS,
        "too few answered responses to test anything ({answered})"
    );
}

/// The same runs with `synchronous=OFF` (nothing is ever fsynced) and with
/// `NORMAL` (in WAL mode, commits are fsynced only at checkpoints) must lose
/// answered responses: the layer tells FULL from what is not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn negative_control_with_synchronous_off_or_normal_the_same_cuts_lose_answered_responses() {
    let (template, kiosk) = template().await;
    let seed = seed();
    eprintln!("power-cut control seed {seed} (TRATO_POWERCUT_SEED)");
    let mut rng = fastrand::Rng::with_seed(seed);
    for level in ["OFF", "NORMAL"] {
        let (whole, _) =
            cut_and_reboot(template.path(), &kiosk, None, Some(level), Unsynced::Lost).await;
        assert_eq!(
            whole.synchronous.as_deref(),
            Some(level),
            "the control must run the store with synchronous={level}"
        );
        let budget = whole.ops;

        let (mut answered, mut lost) = (0, 0);
        for _ in 0..CONTROL_RUNS {
            let cut_at = rng.u64(1..=budget + 1);
            let (run, found) = cut_and_reboot(
                template.path(),
                &kiosk,
                Some(cut_at),
                Some(level),
                Unsynced::Lost,
            )
            .await;
            answered += run.answered.len();
            lost += match found {
                Ok(found) => found.missing + found.partial,
                Err(_) => run.answered.len(),
            };
        }
        assert!(answered > 0, "nothing was answered (seed {seed})");
        assert!(
            lost > 0,
            "with synchronous={level} no answered response of {answered} was lost: \
             the layer does not model a power cut (seed {seed})"
        );
        eprintln!("control, synchronous={level}: {lost} of {answered} answered responses lost");
    }
}

/// The promise the power-cut test relies on, read from the store's own
/// connections (the writer, then each reader).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sqlite_store_connections_run_in_wal_with_synchronous_full() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join(DB)).await.unwrap();
    let connections = store.durability().unwrap();
    assert!(connections.len() > 1, "the writer and the readers");
    for durability in connections {
        assert_eq!(durability.journal_mode, "wal");
        assert_eq!(durability.synchronous, "FULL");
    }
}
