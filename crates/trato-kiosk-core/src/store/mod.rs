//! The kiosk's local SQLite store: every finished survey is committed here,
//! durably, before the patient sees the thank-you screen.
//!
//! Durability: WAL with `synchronous=FULL`, so a commit survives power loss,
//! not only a crash. Integrity: `PRAGMA quick_check` at open; a database that
//! fails it is moved aside with its `-wal`/`-shm` (never deleted) and a fresh
//! one is started, so the kiosk keeps working and the old file can be recovered.

mod checkpoint;
mod identity;
mod migrations;
mod responses;
mod survey_offer;
pub(crate) mod sync;

use std::path::{Path, PathBuf};

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{Connection, OpenFlags, OptionalExtension};
use trato_domain::SurveyDefinition;

pub use identity::IdentityRestore;
pub use migrations::SCHEMA_VERSION;
pub use responses::{Inserted, ResponseCounts};
pub use survey_offer::SurveyOffer;
pub use sync::PendingResponse;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("cannot prepare the data directory {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the database has schema version {found}, newer than this program supports ({supported}); install a newer kiosk version")]
    TooNew { found: u32, supported: u32 },
    #[error("stored data is unreadable: {0}")]
    Corrupt(String),
    #[error("survey {id} v{version} is not installed on this kiosk")]
    UnknownSurvey { id: String, version: u32 },
}

impl StoreError {
    /// The disk (or the database's size limit) is full: nothing more can be
    /// written until space is freed; what is stored is intact.
    pub fn is_disk_full(&self) -> bool {
        matches!(self, StoreError::Sqlite(e) if e.sqlite_error_code() == Some(rusqlite::ErrorCode::DiskFull))
    }
}

/// One sync attempt, as `sync_log` records it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SyncRecord {
    pub finished_at: String,
    pub ok: bool,
    pub sent: i64,
    pub rejected: i64,
    pub error: Option<String>,
    /// The centre's clock minus the kiosk's, when the centre answered.
    pub clock_offset_ms: Option<i64>,
}

/// What happened while opening the store, for the log and the status screen.
#[derive(Debug, Clone, Default)]
pub struct OpenReport {
    /// Schema version found before migrating (0 for a new database).
    pub previous_version: u32,
    /// Where a database that failed its integrity check was moved to.
    pub quarantined: Option<PathBuf>,
    /// The failed check's message, when there was one.
    pub check_failure: Option<String>,
    /// Whether a new or quarantined database got the kiosk's identity back.
    pub identity: IdentityRestore,
}

pub struct Store {
    conn: Connection,
    path: PathBuf,
    /// Only on the kiosk's own (survey) connection; `None` on the sync task's.
    checkpointer: Option<checkpoint::Checkpointer>,
}

impl Store {
    /// Opens (creating if needed) the store at `path`, checks it and migrates it.
    pub fn open(path: &Path) -> Result<(Store, OpenReport), StoreError> {
        Self::open_at_version(path, SCHEMA_VERSION)
    }

    /// As [`Store::open`] but migrates only up to `version`: lets the
    /// migration tests build a database as an older kiosk left it.
    #[doc(hidden)]
    pub fn open_at_version(path: &Path, version: u32) -> Result<(Store, OpenReport), StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::Io {
                path: dir.to_owned(),
                source,
            })?;
        }
        let mut report = OpenReport::default();
        let mut conn = match Self::connect_checked(path) {
            Ok(conn) => conn,
            Err(failure) => {
                tracing::error!(path = %path.display(), %failure, "database failed its integrity check; moving it aside");
                report.quarantined = Some(quarantine(path)?);
                report.check_failure = Some(failure);
                Self::connect_checked(path).map_err(StoreError::Corrupt)?
            }
        };
        report.previous_version = migrations::migrate_to(&mut conn, version)?;
        let fresh = report.quarantined.is_some() || report.previous_version == 0;
        if fresh && version == SCHEMA_VERSION {
            report.identity = restore_identity(&mut conn, path);
        }
        // The checkpoint thread keeps the WAL far below this; SQLite's own
        // checkpoint on a commit is only the backstop if that thread falls behind.
        conn.pragma_update(None, "wal_autocheckpoint", checkpoint::BACKSTOP_PAGES)?;
        Ok((
            Store {
                conn,
                path: path.to_owned(),
                checkpointer: Some(checkpoint::Checkpointer::start(path)?),
            },
            report,
        ))
    }

    /// A second connection to a database the kiosk has already opened (and
    /// so checked and migrated): for the sync task, which then never waits
    /// for the survey's connection. Never creates, checks or migrates: a
    /// schema other than this build's is refused.
    pub fn open_existing(path: &Path) -> Result<Store, StoreError> {
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        apply_pragmas(&conn)?;
        let version: u32 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        if version != SCHEMA_VERSION {
            return Err(StoreError::Corrupt(format!(
                "{} has schema version {version}, this program expects {SCHEMA_VERSION}; open it with the kiosk first",
                path.display()
            )));
        }
        Ok(Store {
            conn,
            path: path.to_owned(),
            checkpointer: None,
        })
    }

    /// Tells the checkpoint thread (if this connection has one) that a
    /// transaction committed.
    fn committed(&self) {
        if let Some(checkpointer) = &self.checkpointer {
            checkpointer.committed();
        }
    }

    /// Opens with the kiosk's pragmas and runs `quick_check`; any failure comes
    /// back as text so the caller can quarantine the file.
    fn connect_checked(path: &Path) -> Result<Connection, String> {
        check_read_only(path)?;
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| e.to_string())?;
        apply_pragmas(&conn).map_err(|e| e.to_string())?;
        let check = quick_check(&conn).map_err(|e| e.to_string())?;
        if check != "ok" {
            return Err(check);
        }
        Ok(conn)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub(crate) fn conn(&self) -> &Connection {
        &self.conn
    }

    pub(crate) fn conn_mut(&mut self) -> &mut Connection {
        &mut self.conn
    }

    pub fn schema_version(&self) -> Result<u32, StoreError> {
        Ok(self
            .conn
            .pragma_query_value(None, "user_version", |r| r.get(0))?)
    }

    /// The journal mode and sync level this connection really runs with.
    pub fn durability(&self) -> Result<Durability, StoreError> {
        Durability::of(&self.conn).map_err(StoreError::from)
    }

    /// `PRAGMA quick_check`: "ok" or the problems found.
    pub fn quick_check(&self) -> Result<String, StoreError> {
        Ok(quick_check(&self.conn)?)
    }

    /// Size of the database file plus its WAL, in bytes.
    pub fn size_bytes(&self) -> u64 {
        [self.path.clone(), sidecar(&self.path, "-wal")]
            .iter()
            .filter_map(|p| std::fs::metadata(p).ok())
            .map(|m| m.len())
            .sum()
    }

    /// The most recent sync attempt, for `status` and the staff screen.
    pub fn last_sync(&self) -> Result<Option<SyncRecord>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT finished_at, ok, sent, rejected, error, clock_offset_ms
                 FROM sync_log ORDER BY id DESC LIMIT 1",
                [],
                |r| {
                    Ok(SyncRecord {
                        finished_at: r.get(0)?,
                        ok: r.get(1)?,
                        sent: r.get(2)?,
                        rejected: r.get(3)?,
                        error: r.get(4)?,
                        clock_offset_ms: r.get(5)?,
                    })
                },
            )
            .optional()?)
    }

    // --- settings -----------------------------------------------------------

    pub fn settings(&self) -> Result<Vec<(String, String)>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT key, value FROM settings ORDER BY key")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    // --- identity -------------------------------------------------------------

    /// Copies the settings, PINs, lockout and surveys to `identity.json`
    /// (see [`identity`]). Call after every commit that changes them. A
    /// failure is logged, not returned: the change itself is committed, and
    /// the next change writes the whole copy again.
    pub(crate) fn save_identity(&self) {
        let file = identity::path_for(&self.path);
        if let Err(error) = identity::save(&self.conn, &file) {
            tracing::error!(%error, file = %file.display(), "cannot save the kiosk's identity copy");
        }
    }

    /// Whether this folder once held a set-up kiosk whose identity is gone:
    /// a quarantined database lies beside this one, or the identity copy
    /// names an IT PIN, or it could not be read. Such a kiosk must never
    /// offer the unauthenticated first-run setup; IT restores it instead.
    pub fn identity_lost(&self, report: &OpenReport) -> bool {
        matches!(report.identity, IdentityRestore::Unreadable(_))
            || identity::has_it_pin(&identity::path_for(&self.path)).unwrap_or(true)
            || has_quarantined_copies(&self.path)
    }

    /// Writes several settings at once: all or none.
    pub fn put_settings(&mut self, pairs: &[(String, String)]) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        {
            let mut stmt = tx.prepare(
                "INSERT INTO settings (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            )?;
            for (key, value) in pairs {
                stmt.execute((key, value))?;
            }
        }
        tx.commit()?;
        self.save_identity();
        Ok(())
    }

    // --- surveys ------------------------------------------------------------

    /// Records a survey version. Installing the same version again is a no-op:
    /// a published version is immutable, and responses refer to it.
    pub fn install_survey(&mut self, survey: &SurveyDefinition) -> Result<bool, StoreError> {
        let json = serde_json::to_string(survey).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let inserted = self.conn.execute(
            "INSERT INTO surveys (id, version, definition, installed_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (id, version) DO NOTHING",
            (&survey.id, survey.version, json, timestamp(Utc::now())),
        )?;
        if inserted == 1 {
            self.save_identity();
        }
        Ok(inserted == 1)
    }

    pub fn survey(&self, id: &str, version: u32) -> Result<SurveyDefinition, StoreError> {
        let json: Option<String> = self
            .conn
            .query_row(
                "SELECT definition FROM surveys WHERE id = ?1 AND version = ?2",
                (id, version),
                |r| r.get(0),
            )
            .optional()?;
        let json = json.ok_or_else(|| StoreError::UnknownSurvey {
            id: id.to_owned(),
            version,
        })?;
        serde_json::from_str(&json).map_err(|e| StoreError::Corrupt(e.to_string()))
    }
}

/// What a connection promises about a commit: the journal mode ("wal") and
/// the `synchronous` level ("FULL": each commit is fsynced, so it survives a
/// power cut).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Durability {
    pub journal_mode: String,
    pub synchronous: String,
}

impl Durability {
    fn of(conn: &Connection) -> rusqlite::Result<Durability> {
        let journal_mode = conn.pragma_query_value(None, "journal_mode", |r| r.get(0))?;
        let level: i64 = conn.pragma_query_value(None, "synchronous", |r| r.get(0))?;
        let synchronous = match level {
            0 => "OFF",
            1 => "NORMAL",
            2 => "FULL",
            3 => "EXTRA",
            _ => "unknown",
        };
        Ok(Durability {
            journal_mode,
            synchronous: synchronous.to_owned(),
        })
    }
}

fn apply_pragmas(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    Ok(())
}

/// Checks an existing database through a read-only connection first: a
/// read-write connection to a damaged file could checkpoint or delete its WAL
/// on close, and the WAL may hold the only copy of committed responses.
fn check_read_only(path: &Path) -> Result<(), String> {
    if !path.exists() {
        return Ok(());
    }
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| e.to_string())?;
    match quick_check(&conn).map_err(|e| e.to_string())? {
        check if check == "ok" => Ok(()),
        check => Err(check),
    }
}

fn quick_check(conn: &Connection) -> rusqlite::Result<String> {
    let mut stmt = conn.prepare("PRAGMA quick_check")?;
    let lines: Vec<String> = stmt
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    Ok(lines.join("; "))
}

fn sidecar(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// Gives a new or quarantined database the identity saved beside it.
fn restore_identity(conn: &mut Connection, path: &Path) -> IdentityRestore {
    let file = identity::path_for(path);
    match identity::restore(conn, &file) {
        Ok(true) => {
            tracing::warn!(file = %file.display(), "the kiosk's settings and PINs were restored from the identity copy");
            IdentityRestore::Restored
        }
        Ok(false) => IdentityRestore::NotNeeded,
        Err(error) => {
            tracing::error!(%error, "the identity copy cannot be restored: IT must configure this kiosk");
            IdentityRestore::Unreadable(error)
        }
    }
}

/// Whether a database moved aside by [`quarantine`] lies beside `path`.
fn has_quarantined_copies(path: &Path) -> bool {
    let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else {
        return false;
    };
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let prefix = format!("{}.corrupt-", name.to_string_lossy());
    std::fs::read_dir(dir).is_ok_and(|entries| {
        entries
            .filter_map(Result::ok)
            .any(|e| e.file_name().to_string_lossy().starts_with(&prefix))
    })
}

/// Moves a failed database and its `-wal`/`-shm` aside under one timestamped
/// name. They are kept for recovery: a WAL may hold committed transactions.
fn quarantine(path: &Path) -> Result<PathBuf, StoreError> {
    let stamp = Utc::now().format("%Y%m%dT%H%M%SZ");
    let target = sidecar(path, &format!(".corrupt-{stamp}"));
    for suffix in ["", "-wal", "-shm"] {
        let from = sidecar(path, suffix);
        if from.exists() {
            let to = sidecar(&target, suffix);
            std::fs::rename(&from, &to).map_err(|source| StoreError::Io { path: from, source })?;
        }
    }
    Ok(target)
}

/// Times are stored as RFC 3339 UTC with milliseconds: sortable as text.
pub(crate) fn timestamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

pub(crate) fn parse_timestamp(s: &str) -> Result<DateTime<Utc>, StoreError> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| StoreError::Corrupt(format!("bad timestamp {s:?}: {e}")))
}
