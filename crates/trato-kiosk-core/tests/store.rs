//! The store against real SQLite files: durability settings, reopen,
//! migrations from every earlier version, and the integrity-check path.

use std::path::Path;

use chrono::{TimeZone, Utc};
use rusqlite::Connection;
use trato_domain::{Answer, Response, ResponseStatus};
use trato_kiosk_core::store::{Inserted, Store, StoreError, SCHEMA_VERSION};
use trato_kiosk_core::survey_catalog;
use uuid::Uuid;

fn sample_response() -> Response {
    let started = Utc.with_ymd_and_hms(2026, 11, 30, 15, 0, 0).unwrap();
    Response {
        id: Uuid::now_v7(),
        survey_id: "trato-digno".into(),
        survey_version: 1,
        unit_clues: "DFIMS000020".into(),
        unit_name: "Hospital General de Zona 1".into(),
        service_area: "Urgencias".into(),
        kiosk_id: "kiosk-1".into(),
        language: "es".into(),
        started_at: started,
        finished_at: started + chrono::Duration::milliseconds(61_250),
        utc_offset_minutes: -360,
        status: ResponseStatus::Complete,
        flag_reason: None,
        answers: vec![
            Answer {
                question: "trato".into(),
                codes: vec!["4".into()],
                text: None,
            },
            Answer {
                question: "mejorar".into(),
                codes: vec!["tiempo_espera".into(), "limpieza".into()],
                text: None,
            },
            Answer {
                question: "comentario".into(),
                codes: vec![],
                text: Some("¡Excelente atención! 👍".into()),
            },
        ],
    }
}

fn open_with_default_survey(path: &Path) -> Store {
    let (mut store, _) = Store::open(path).unwrap();
    survey_catalog::install_default(&mut store).unwrap();
    store
}

#[test]
fn pragmas_are_wal_full_and_foreign_keys() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kiosk.db");
    let _store = open_with_default_survey(&path);
    // A second connection sees the persistent journal mode.
    let conn = Connection::open(&path).unwrap();
    let mode: String = conn
        .pragma_query_value(None, "journal_mode", |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    let (store, _) = Store::open(&path).unwrap();
    drop(store);
}

/// The patient's commit only appends to the WAL; the store's own thread
/// copies it into the database file once the kiosk is quiet, with no further
/// commit (SQLite alone would wait for the WAL to reach 1,000 pages).
#[test]
fn committed_pages_reach_the_database_file_without_another_commit() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kiosk.db");
    let mut store = open_with_default_survey(&path);
    let file_len = || std::fs::metadata(&path).unwrap().len();
    let before = file_len();
    let response = sample_response();
    store.insert_response(&response).unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while file_len() == before {
        assert!(
            std::time::Instant::now() < deadline,
            "no checkpoint within 10 s of the commit"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    // What was copied is the committed response, readable without the WAL.
    drop(store);
    let conn = Connection::open(&path).unwrap();
    let n: i64 = conn
        .query_row("SELECT COUNT(*) FROM responses", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 1);
}

#[test]
fn a_response_round_trips_and_survives_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kiosk.db");
    let response = sample_response();
    {
        let mut store = open_with_default_survey(&path);
        assert_eq!(
            store.insert_response(&response).unwrap(),
            Inserted::New { seq: 1 }
        );
        assert_eq!(
            store.insert_response(&response).unwrap(),
            Inserted::AlreadyStored
        );
    }
    let (store, report) = Store::open(&path).unwrap();
    assert_eq!(report.previous_version, SCHEMA_VERSION);
    assert!(report.quarantined.is_none());
    assert_eq!(store.response(response.id).unwrap().unwrap(), response);
    let counts = store.response_counts().unwrap();
    assert_eq!((counts.total, counts.complete, counts.pending), (1, 1, 1));
    // Answers are queryable per question, one row per chosen option.
    let conn = Connection::open(&path).unwrap();
    let n: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM answers WHERE question_id = 'mejorar'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(n, 2);
}

#[test]
fn a_response_for_an_unknown_survey_is_refused_whole() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open_with_default_survey(&dir.path().join("kiosk.db"));
    let mut response = sample_response();
    response.survey_version = 99;
    assert!(matches!(
        store.insert_response(&response),
        Err(StoreError::UnknownSurvey { version: 99, .. })
    ));
    assert_eq!(store.response_counts().unwrap().total, 0);
}

#[test]
fn a_failed_insert_leaves_no_half_written_response() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kiosk.db");
    let mut store = open_with_default_survey(&path);
    let mut response = sample_response();
    // The same option twice violates the answers primary key mid-transaction.
    response.answers.push(Answer {
        question: "trato".into(),
        codes: vec!["4".into()],
        text: None,
    });
    assert!(store.insert_response(&response).is_err());
    let conn = Connection::open(&path).unwrap();
    for table in ["responses", "answers"] {
        let n: i64 = conn
            .query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 0, "{table}");
    }
}

#[test]
fn sequence_numbers_are_monotonic() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open_with_default_survey(&dir.path().join("kiosk.db"));
    let seqs: Vec<Inserted> = (0..3)
        .map(|_| store.insert_response(&sample_response()).unwrap())
        .collect();
    assert_eq!(seqs, [1, 2, 3].map(|seq| Inserted::New { seq }));
}

/// Builds a database as a kiosk at `version` left it, with data in it, then
/// opens it with this build: every migration path must keep the data.
#[test]
fn migrations_upgrade_from_every_earlier_version() {
    for version in 0..=SCHEMA_VERSION {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kiosk.db");
        let response = sample_response();
        {
            let (mut store, _) = Store::open_at_version(&path, version).unwrap();
            assert_eq!(store.schema_version().unwrap(), version);
            if version >= 1 {
                survey_catalog::install_default(&mut store).unwrap();
                store.insert_response(&response).unwrap();
                store
                    .put_settings(&[("unit.clues".into(), "NLIMS000315".into())])
                    .unwrap();
            }
        }
        let (store, report) = Store::open(&path).unwrap();
        assert_eq!(report.previous_version, version);
        assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
        assert_eq!(store.quick_check().unwrap(), "ok");
        if version >= 1 {
            assert_eq!(
                store.response(response.id).unwrap().unwrap(),
                response,
                "from v{version}"
            );
            assert!(store
                .settings()
                .unwrap()
                .contains(&("unit.clues".into(), "NLIMS000315".into())));
        }
    }
}

#[test]
fn a_database_from_a_newer_kiosk_is_refused_not_damaged() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kiosk.db");
    drop(Store::open(&path).unwrap());
    Connection::open(&path)
        .unwrap()
        .pragma_update(None, "user_version", SCHEMA_VERSION + 1)
        .unwrap();
    assert!(matches!(Store::open(&path), Err(StoreError::TooNew { .. })));
    assert!(path.exists());
}

#[test]
fn a_corrupt_database_is_moved_aside_with_its_wal_and_a_new_one_started() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kiosk.db");
    std::fs::write(
        &path,
        b"this is not a sqlite database, it is a damaged file....",
    )
    .unwrap();
    std::fs::write(dir.path().join("kiosk.db-wal"), b"wal bytes").unwrap();
    let (store, report) = Store::open(&path).unwrap();
    let moved = report.quarantined.expect("quarantined");
    assert!(report.check_failure.is_some());
    assert_eq!(
        std::fs::read(&moved).unwrap(),
        b"this is not a sqlite database, it is a damaged file...."
    );
    let mut moved_wal = moved.into_os_string();
    moved_wal.push("-wal");
    assert_eq!(std::fs::read(moved_wal).unwrap(), b"wal bytes");
    assert_eq!(store.quick_check().unwrap(), "ok");
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
}

#[test]
fn a_database_with_damaged_pages_fails_quick_check_and_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kiosk.db");
    {
        let mut store = open_with_default_survey(&path);
        for _ in 0..200 {
            store.insert_response(&sample_response()).unwrap();
        }
    }
    // Checkpoint so the pages are in the main file, then scribble over an
    // index page in the middle of it.
    Connection::open(&path)
        .unwrap()
        .pragma_update(None, "wal_checkpoint", "TRUNCATE")
        .unwrap();
    let mut bytes = std::fs::read(&path).unwrap();
    let page = 4096;
    let pages = bytes.len() / page;
    for p in (2..pages).step_by(2) {
        bytes[p * page + 8..p * page + 200].fill(0xA5);
    }
    std::fs::write(&path, &bytes).unwrap();
    let (store, report) = Store::open(&path).unwrap();
    assert!(
        report.quarantined.is_some(),
        "damaged pages must fail quick_check"
    );
    assert_eq!(store.response_counts().unwrap().total, 0);
    assert_eq!(std::fs::read(report.quarantined.unwrap()).unwrap(), bytes);
}

/// Migration 4 (sync: the centre's clock in `sync_log`, the retention
/// index): from every earlier version, stored responses are still pending,
/// in `seq` order, and a sync attempt records its clock offset.
#[test]
fn migration_4_keeps_pending_responses_pending_from_every_earlier_version() {
    for version in 0..4 {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kiosk.db");
        let first = sample_response();
        let mut second = sample_response();
        second.id = uuid::Uuid::now_v7();
        {
            let (mut store, _) = Store::open_at_version(&path, version).unwrap();
            if version >= 1 {
                survey_catalog::install_default(&mut store).unwrap();
                store.insert_response(&first).unwrap();
                store.insert_response(&second).unwrap();
            }
        }
        let (store, _) = Store::open(&path).unwrap();
        let pending = store.pending_responses(10).unwrap();
        if version >= 1 {
            let ids: Vec<_> = pending.iter().map(|p| p.response.id).collect();
            assert_eq!(ids, vec![first.id, second.id], "from v{version}");
            assert_eq!(pending[0].response, first);
            assert!(pending[0].seq < pending[1].seq);
        } else {
            assert!(pending.is_empty());
        }
        drop(store);
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute(
            "INSERT INTO sync_log (started_at, finished_at, ok, sent, rejected, error, server_time, clock_offset_ms)
             VALUES ('2026-01-01T00:00:00.000Z', '2026-01-01T00:00:01.000Z', 1, 2, 0, NULL,
                     '2026-01-01T00:00:03.000Z', 2500)",
            [],
        )
        .unwrap();
        let index: i64 = conn
            .query_row(
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = 'responses_synced'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(index, 1, "from v{version}");
        let (store, _) = Store::open(&path).unwrap();
        assert_eq!(
            store.last_sync().unwrap().unwrap().clock_offset_ms,
            Some(2500)
        );
    }
}

/// The staff screen's sync card says when the centre found this kiosk's
/// clock skewed: from the offset the last sync recorded.
#[test]
fn a_skewed_clock_reported_by_the_centre_shows_in_the_sync_view() {
    use trato_kiosk_core::sync::SyncView;
    let dir = tempfile::tempdir().unwrap();
    let mut kiosk = trato_kiosk_core::Kiosk::open(dir.path()).unwrap();
    kiosk
        .update_settings(&[("sync.endpoint", "https://centro.example")])
        .unwrap();
    let log = |offset_ms: i64| {
        Connection::open(kiosk.store().path())
            .unwrap()
            .execute(
                "INSERT INTO sync_log (started_at, finished_at, ok, sent, rejected, error, server_time, clock_offset_ms)
                 VALUES ('2026-01-01T00:00:00.000Z', '2026-01-01T00:00:01.000Z', 1, 0, 0, NULL,
                         '2026-01-01T00:00:03.000Z', ?1)",
                [offset_ms],
            )
            .unwrap();
    };
    log(2_500);
    let view = SyncView::from_store(kiosk.store(), kiosk.settings()).unwrap();
    assert_eq!(view.clock_offset_ms, Some(2_500));
    assert!(!view.clock_skewed);
    log(-7 * 60 * 1000);
    let view = SyncView::from_store(kiosk.store(), kiosk.settings()).unwrap();
    assert_eq!(view.clock_offset_ms, Some(-420_000));
    assert!(view.clock_skewed);
}
