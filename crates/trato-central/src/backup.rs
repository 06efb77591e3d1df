//! `trato-central backup` and `restore` for a SQLite centre.
//!
//! A backup is one `VACUUM INTO`: a single read transaction, so the copy is
//! the database as of one instant even while kiosks keep posting (SQLite's
//! incremental backup API would restart on every write and might never
//! finish). It is written beside the target, checked with
//! `PRAGMA integrity_check`, made durable, and only then given its name.
//!
//! `serve` holds a lock file beside the database while it runs; `restore`
//! refuses while that lock is held, and moves the database it replaces aside
//! (never deleting it).

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags};

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{0} already exists: choose a new file name for the backup")]
    OutExists(PathBuf),
    #[error("no database at {0}")]
    NoDatabase(PathBuf),
    #[error("{path} failed its integrity check: {detail}")]
    Damaged { path: PathBuf, detail: String },
    #[error(
        "a centre is serving {0} (its lock is held): stop it first (systemctl stop trato-central), then restore"
    )]
    ServerRunning(PathBuf),
    #[error("{path}: {source}")]
    Sqlite {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> BackupError + '_ {
    move |source| BackupError::Io {
        path: path.to_owned(),
        source,
    }
}

fn sql(path: &Path) -> impl FnOnce(rusqlite::Error) -> BackupError + '_ {
    move |source| BackupError::Sqlite {
        path: path.to_owned(),
        source,
    }
}

/// What a finished backup holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupReport {
    pub path: PathBuf,
    pub bytes: u64,
    pub responses: i64,
}

/// Copies the database at `db` to the new file `out`, consistent as of one
/// instant, checked, and durable before this returns.
pub fn backup(db: &Path, out: &Path) -> Result<BackupReport, BackupError> {
    if out.exists() {
        return Err(BackupError::OutExists(out.to_owned()));
    }
    if !db.is_file() {
        return Err(BackupError::NoDatabase(db.to_owned()));
    }
    let partial = with_suffix(out, ".partial");
    let _ = std::fs::remove_file(&partial);
    let conn =
        Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_WRITE).map_err(sql(db))?;
    conn.busy_timeout(std::time::Duration::from_secs(30))
        .map_err(sql(db))?;
    let target = partial
        .to_str()
        .ok_or_else(|| io(&partial)(std::io::Error::other("the backup path is not valid UTF-8")))?;
    conn.execute("VACUUM INTO ?1", [target]).map_err(sql(db))?;
    drop(conn);
    let responses = check(&partial)?;
    File::open(&partial)
        .and_then(|f| f.sync_all())
        .map_err(io(&partial))?;
    std::fs::rename(&partial, out).map_err(io(out))?;
    sync_dir(out)?;
    let bytes = std::fs::metadata(out).map_err(io(out))?.len();
    Ok(BackupReport {
        path: out.to_owned(),
        bytes,
        responses,
    })
}

/// Replaces the database at `db` with the backup `from`, once no server
/// holds it. The database replaced is kept as `<db>.before-restore-<time>`
/// (with its WAL). Returns where it went, if there was one.
pub fn restore(from: &Path, db: &Path) -> Result<Option<PathBuf>, BackupError> {
    check(from)?;
    let _lock = ServeLock::try_acquire(db)?;
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
    let mut moved = None;
    if db.exists() {
        let aside = with_suffix(db, &format!(".before-restore-{stamp}"));
        for ext in ["-wal", "-shm"] {
            let side = with_suffix(db, ext);
            if side.exists() {
                std::fs::rename(&side, with_suffix(&aside, ext)).map_err(io(&side))?;
            }
        }
        std::fs::rename(db, &aside).map_err(io(db))?;
        moved = Some(aside);
    }
    let partial = with_suffix(db, ".restoring");
    std::fs::copy(from, &partial).map_err(io(&partial))?;
    File::open(&partial)
        .and_then(|f| f.sync_all())
        .map_err(io(&partial))?;
    std::fs::rename(&partial, db).map_err(io(db))?;
    sync_dir(db)?;
    Ok(moved)
}

/// `PRAGMA integrity_check` on a database file; its response count when ok.
pub fn check(path: &Path) -> Result<i64, BackupError> {
    if !path.is_file() {
        return Err(BackupError::NoDatabase(path.to_owned()));
    }
    let conn =
        Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY).map_err(sql(path))?;
    let detail: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .map_err(sql(path))?;
    if detail != "ok" {
        return Err(BackupError::Damaged {
            path: path.to_owned(),
            detail,
        });
    }
    conn.query_row("SELECT COUNT(*) FROM responses", [], |r| r.get(0))
        .map_err(sql(path))
}

/// Held by `serve` on a SQLite database for as long as it runs (the OS
/// releases it however the process ends).
pub struct ServeLock {
    _file: File,
}

impl ServeLock {
    pub fn try_acquire(db: &Path) -> Result<Self, BackupError> {
        let path = with_suffix(db, ".serve-lock");
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(io(&path))?;
        match file.try_lock() {
            Ok(()) => Ok(ServeLock { _file: file }),
            Err(TryLockError::WouldBlock) => Err(BackupError::ServerRunning(db.to_owned())),
            Err(TryLockError::Error(e)) => Err(io(&path)(e)),
        }
    }
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// A rename is durable once its directory is synced (Unix; Windows has no
/// directory handle to sync).
fn sync_dir(path: &Path) -> Result<(), BackupError> {
    #[cfg(unix)]
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(io(dir))?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}
