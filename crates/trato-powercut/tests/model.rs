//! The layer's model, through SQLite itself: what a sync makes durable,
//! what a missing directory sync loses, and a full disk.

use rusqlite::Connection;
use trato_powercut::{Unsynced, Volume};

fn rows(path: &std::path::Path) -> i64 {
    Connection::open(path)
        .unwrap()
        .query_row("SELECT COUNT(*) FROM t", [], |r| r.get(0))
        .unwrap()
}

fn write_rows(path: &std::path::Path, synchronous: &str, n: i64) {
    let conn = Connection::open(path).unwrap();
    conn.pragma_update(None, "journal_mode", "WAL").unwrap();
    conn.pragma_update(None, "synchronous", synchronous)
        .unwrap();
    for i in 0..n {
        conn.execute("INSERT INTO t VALUES (?1)", [i]).unwrap();
    }
    // Left open: no checkpoint on close before the cut.
    std::mem::forget(conn);
}

fn volume_with_table(dir: &std::path::Path) -> Volume {
    let disk = Volume::new(dir).unwrap();
    let conn = Connection::open(disk.root().join("t.db")).unwrap();
    conn.execute_batch("PRAGMA journal_mode=WAL; CREATE TABLE t (x INTEGER);")
        .unwrap();
    drop(conn);
    disk.sync_all();
    disk
}

#[test]
fn synced_commits_survive_and_unsynced_ones_do_not() {
    let work = tempfile::tempdir().unwrap();
    for (synchronous, expected) in [("FULL", 5), ("OFF", 0)] {
        let disk = volume_with_table(&work.path().join(format!("{synchronous}-before")));
        write_rows(&disk.root().join("t.db"), synchronous, 5);
        assert_eq!(
            rows(&disk.root().join("t.db")),
            5,
            "the page cache has them all"
        );
        let after = disk
            .remount(
                &work.path().join(format!("{synchronous}-after")),
                Unsynced::Lost,
            )
            .unwrap();
        assert_eq!(
            rows(&after.root().join("t.db")),
            expected,
            "synchronous={synchronous}"
        );
    }
}

#[test]
fn a_new_file_whose_directory_was_never_synced_is_gone_after_a_cut() {
    let work = tempfile::tempdir().unwrap();
    let disk = Volume::new(&work.path().join("before")).unwrap();
    let path = disk.root().join("new.db");
    let conn = Connection::open(&path).unwrap();
    // No journal, so nothing makes SQLite sync the directory; the file's
    // own data is synced at commit.
    conn.execute_batch("PRAGMA journal_mode=OFF; PRAGMA synchronous=FULL; CREATE TABLE t (x);")
        .unwrap();
    assert!(disk.stats().file_syncs > 0);
    assert_eq!(disk.stats().dir_syncs, 0);
    std::mem::forget(conn);
    let after = disk
        .remount(&work.path().join("after"), Unsynced::Lost)
        .unwrap();
    assert!(!after.root().join("new.db").exists());
}

#[test]
fn a_full_disk_refuses_growth_with_sqlite_full() {
    let work = tempfile::tempdir().unwrap();
    let disk = volume_with_table(work.path());
    disk.set_capacity(Some(disk.used_bytes().unwrap()));
    let conn = Connection::open(disk.root().join("t.db")).unwrap();
    let blob = vec![7u8; 64 * 1024];
    let error = conn
        .execute("INSERT INTO t VALUES (?1)", [&blob])
        .unwrap_err();
    assert_eq!(
        error.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DiskFull),
        "{error}"
    );
    disk.set_capacity(None);
    conn.execute("INSERT INTO t VALUES (?1)", [&blob]).unwrap();
}
