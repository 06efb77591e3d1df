//! SQLite backend: one file, WAL, `synchronous=FULL` (a committed batch
//! survives a power cut, so an acknowledged response is never lost).
//!
//! rusqlite is blocking, so every call runs off the async workers. One
//! writer connection (SQLite allows one writer at a time anyway) and a few
//! reader connections, which WAL lets run beside the writer. Batches are
//! written by the group commit's thread ([`group_commit`]), several to a
//! transaction; WAL checkpoints run on a thread of their own ([`checkpoint`]).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use rusqlite::{params, Connection, OpenFlags, OptionalExtension, TransactionBehavior};
use uuid::Uuid;

use super::{
    corrupt, BatchMeta, InsertOutcome, KioskAuth, KioskRecord, KioskSurveyReport, NewKiosk,
    PreparedResponse, PublicationRecord, Publish, PutSurvey, Scope, Store, StoredResponse,
};
use crate::error::StoreError;
use checkpoint::Checkpointer;
use group_commit::GroupCommit;

mod alerts;
mod batch;
mod checkpoint;
mod dash;
mod figure_adder;
mod fleet;
mod group_commit;
mod mail;

/// Numbered migrations; `PRAGMA user_version` records how many have run.
const MIGRATIONS: &[&str] = &[
    include_str!("../../migrations/sqlite/0001_init.sql"),
    include_str!("../../migrations/sqlite/0002_dashboard.sql"),
    include_str!("../../migrations/sqlite/0003_fewer_indexes.sql"),
    include_str!("../../migrations/sqlite/0004_daily_unit_figures.sql"),
    include_str!("../../migrations/sqlite/0005_clock_suspect.sql"),
    include_str!("../../migrations/sqlite/0006_indicator_figures.sql"),
    include_str!("../../migrations/sqlite/0007_survey_scopes.sql"),
    include_str!("../../migrations/sqlite/0008_generic_daily_figures.sql"),
    include_str!("../../migrations/sqlite/0009_kiosk_reports.sql"),
    include_str!("../../migrations/sqlite/0010_mail_outbox.sql"),
    include_str!("../../migrations/sqlite/0011_alert_handling.sql"),
    include_str!("../../migrations/sqlite/0012_alert_counts.sql"),
    include_str!("../../migrations/sqlite/0013_coarse_figures.sql"),
];
const READERS: usize = 4;

pub struct SqliteStore {
    path: PathBuf,
    writer: Arc<Mutex<Connection>>,
    readers: Arc<Vec<Mutex<Connection>>>,
    next_reader: AtomicUsize,
    group_commit: GroupCommit,
}

fn ts(t: DateTime<Utc>) -> String {
    // Fixed width, so text order is time order.
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

fn parse_ts(s: &str) -> Result<DateTime<Utc>, StoreError> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| corrupt(format!("timestamp `{s}`: {e}")))
}

/// A stored kiosk-local day (`YYYY-MM-DD`).
fn day(s: &str) -> Result<NaiveDate, StoreError> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|e| corrupt(format!("day `{s}`: {e}")))
}

fn parse_opt_ts(s: Option<String>) -> Result<Option<DateTime<Utc>>, StoreError> {
    s.as_deref().map(parse_ts).transpose()
}

/// Every row of a query, each read by `f`, which (unlike the closure of
/// `query_map`) may fail with a [`StoreError`] (a stored value that does not parse).
fn all_rows<T>(
    st: &mut rusqlite::Statement<'_>,
    params: impl rusqlite::Params,
    mut f: impl FnMut(&rusqlite::Row<'_>) -> Result<T, StoreError>,
) -> Result<Vec<T>, StoreError> {
    let mut rows = st.query(params)?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        out.push(f(r)?);
    }
    Ok(out)
}

fn lock(m: &Mutex<Connection>) -> MutexGuard<'_, Connection> {
    // A panic while holding the lock cannot leave a half transaction behind
    // (rusqlite rolls back on drop), so a poisoned lock is safe to reuse.
    m.lock().unwrap_or_else(|p| p.into_inner())
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
    fn of(conn: &Connection) -> Result<Durability, rusqlite::Error> {
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

fn configure(conn: &Connection) -> Result<(), rusqlite::Error> {
    conn.busy_timeout(Duration::from_secs(10))?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    Ok(())
}

fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let known = MIGRATIONS.len() as i64;
    // IMMEDIATE: a second process opening the same file waits instead of
    // running the same migration twice.
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let found: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if found > known {
        return Err(StoreError::SchemaTooNew { found, known });
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        tracing::info!("SQLite schema migrated to version {}", i + 1);
    }
    tx.commit()?;
    Ok(())
}

impl SqliteStore {
    pub async fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        let path = path.as_ref().to_path_buf();
        let p = path.clone();
        let (writer, readers, checkpointer) = tokio::task::spawn_blocking(move || {
            let mut writer = Connection::open(&p)?;
            writer.pragma_update(None, "journal_mode", "WAL")?;
            configure(&writer)?;
            writer.pragma_update(None, "wal_autocheckpoint", checkpoint::BACKSTOP_PAGES)?;
            // Room for every batch statement, including the answers INSERT
            // of each chunk length.
            writer.set_prepared_statement_cache_capacity(64);
            migrate(&mut writer)?;
            let readers = (0..READERS)
                .map(|_| {
                    let c = Connection::open_with_flags(
                        &p,
                        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
                    )?;
                    configure(&c)?;
                    Ok(Mutex::new(c))
                })
                .collect::<Result<Vec<_>, rusqlite::Error>>()?;
            let checkpointer = Checkpointer::start(&p)?;
            Ok::<_, StoreError>((writer, readers, checkpointer))
        })
        .await??;
        let writer = Arc::new(Mutex::new(writer));
        let group_commit = GroupCommit::start(writer.clone(), checkpointer)
            .map_err(|e| StoreError::Writer(format!("cannot start the writer thread: {e}")))?;
        Ok(Self {
            path,
            writer,
            readers: Arc::new(readers),
            next_reader: AtomicUsize::new(0),
            group_commit,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The journal mode and `synchronous` level of the writer connection and
    /// of each reader, as SQLite reports them.
    pub fn durability(&self) -> Result<Vec<Durability>, StoreError> {
        let mut all = vec![Durability::of(&lock(&self.writer))?];
        for reader in self.readers.iter() {
            all.push(Durability::of(&lock(reader))?);
        }
        Ok(all)
    }

    /// `(submitted, taken)`: batches submitted to the writer thread, and
    /// those it has taken into a group (tests).
    #[doc(hidden)]
    pub fn writer_counts(&self) -> (usize, usize) {
        self.group_commit.counts()
    }

    async fn write<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let w = self.writer.clone();
        tokio::task::spawn_blocking(move || f(&mut lock(&w))).await?
    }

    async fn read<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let readers = self.readers.clone();
        let i = self.next_reader.fetch_add(1, Ordering::Relaxed) % readers.len().max(1);
        tokio::task::spawn_blocking(move || match readers.get(i) {
            Some(r) => f(&lock(r)),
            None => Err(corrupt("no reader connection")),
        })
        .await?
    }
}

#[async_trait]
impl Store for SqliteStore {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    fn dash(&self) -> &dyn super::dash::DashStore {
        self
    }

    fn fleet(&self) -> &dyn super::fleet::FleetStore {
        self
    }

    fn mail(&self) -> &dyn super::mail::MailStore {
        self
    }

    fn alerts(&self) -> &dyn super::alerts::AlertStore {
        self
    }

    async fn ping(&self) -> Result<(), StoreError> {
        self.read(|c| Ok(c.query_row("SELECT 1", [], |r| r.get::<_, i64>(0))?))
            .await
            .map(|_| ())
    }

    async fn authenticate(&self, token_hash: &str) -> Result<Option<KioskAuth>, StoreError> {
        let h = token_hash.to_owned();
        self.read(move |c| {
            Ok(c.prepare_cached(
                "SELECT id, unit_clues FROM kiosks WHERE token_hash = ?1 AND revoked_at IS NULL",
            )?
            .query_row([h], |r| {
                Ok(KioskAuth {
                    kiosk_id: r.get(0)?,
                    unit_clues: r.get(1)?,
                })
            })
            .optional()?)
        })
        .await
    }

    async fn add_kiosk(&self, k: NewKiosk) -> Result<(), StoreError> {
        self.write(move |c| {
            c.execute(
                "INSERT INTO kiosks (id, unit_clues, name, token_hash, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![k.id, k.unit_clues, k.name, k.token_hash, ts(k.created_at)],
            )?;
            Ok(())
        })
        .await
    }

    async fn list_kiosks(&self) -> Result<Vec<KioskRecord>, StoreError> {
        self.read(|c| {
            let mut st = c.prepare(
                "SELECT id, unit_clues, name, created_at, revoked_at, last_seen_at,
                        last_clock_offset_ms, last_backlog, last_survey_id,
                        last_survey_version, last_utc_offset_minutes
                 FROM kiosks ORDER BY unit_clues, created_at, id",
            )?;
            let rows = st.query_map([], |r| {
                Ok((
                    (
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, Option<String>>(4)?,
                        r.get::<_, Option<String>>(5)?,
                        r.get::<_, Option<i64>>(6)?,
                    ),
                    (
                        r.get::<_, Option<i64>>(7)?,
                        r.get::<_, Option<String>>(8)?,
                        r.get::<_, Option<u32>>(9)?,
                        r.get::<_, Option<i32>>(10)?,
                    ),
                ))
            })?;
            let mut out = Vec::new();
            for row in rows {
                let ((id, unit_clues, name, created, revoked, seen, offset), report) = row?;
                let (backlog, survey_id, survey_version, utc_offset) = report;
                out.push(KioskRecord {
                    last_backlog: backlog,
                    last_survey: survey_id.zip(survey_version),
                    last_utc_offset_minutes: utc_offset,
                    id,
                    unit_clues,
                    name,
                    created_at: parse_ts(&created)?,
                    revoked_at: parse_opt_ts(revoked)?,
                    last_seen_at: parse_opt_ts(seen)?,
                    last_clock_offset_ms: offset,
                });
            }
            Ok(out)
        })
        .await
    }

    async fn revoke_kiosk(&self, id: &str, at: DateTime<Utc>) -> Result<bool, StoreError> {
        let id = id.to_owned();
        self.write(move |c| {
            let n = c.execute(
                "UPDATE kiosks SET revoked_at = COALESCE(revoked_at, ?2) WHERE id = ?1",
                params![id, ts(at)],
            )?;
            Ok(n > 0)
        })
        .await
    }

    async fn apply_batch(
        &self,
        meta: BatchMeta,
        items: Vec<PreparedResponse>,
    ) -> Result<Vec<InsertOutcome>, StoreError> {
        self.group_commit.submit(meta, items).await
    }

    async fn survey(&self, id: &str, version: u32) -> Result<Option<String>, StoreError> {
        let id = id.to_owned();
        self.read(move |c| {
            Ok(c.prepare_cached(
                "SELECT definition FROM surveys WHERE survey_id = ?1 AND version = ?2",
            )?
            .query_row(params![id, version], |r| r.get(0))
            .optional()?)
        })
        .await
    }

    async fn replace_survey(
        &self,
        id: &str,
        version: u32,
        json: &str,
        content_hash: &str,
    ) -> Result<(), StoreError> {
        let (id, json, hash) = (id.to_owned(), json.to_owned(), content_hash.to_owned());
        self.write(move |c| {
            c.execute(
                "UPDATE surveys SET definition = ?3, content_hash = ?4
                 WHERE survey_id = ?1 AND version = ?2",
                params![id, version, json, hash],
            )?;
            Ok(())
        })
        .await
    }

    async fn put_survey(
        &self,
        id: &str,
        version: u32,
        json: &str,
        content_hash: &str,
        publish: Option<Publish>,
        at: DateTime<Utc>,
    ) -> Result<PutSurvey, StoreError> {
        let (id, json, hash) = (id.to_owned(), json.to_owned(), content_hash.to_owned());
        self.write(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let existing: Option<String> = tx
                .query_row(
                    "SELECT content_hash FROM surveys WHERE survey_id = ?1 AND version = ?2",
                    params![id, version],
                    |r| r.get(0),
                )
                .optional()?;
            let outcome = match existing {
                Some(h) if h == hash => PutSurvey::AlreadyThere,
                Some(_) => return Ok(PutSurvey::Different),
                None => {
                    tx.execute(
                        "INSERT INTO surveys (survey_id, version, definition, content_hash, added_at)
                         VALUES (?1, ?2, ?3, ?4, ?5)",
                        params![id, version, json, hash, ts(at)],
                    )?;
                    PutSurvey::Inserted
                }
            };
            if let Some(p) = publish {
                let (kind, code) = p.scope.parts();
                // `unit_clues` is kept filled for unit scopes, as before 0007.
                let unit = matches!(p.scope, Scope::Unit(_)).then_some(code);
                tx.execute(
                    "INSERT INTO survey_publications
                       (survey_id, version, unit_clues, published_at, scope_kind, scope_code, active_from)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    params![id, version, unit, ts(at), kind, code, ts(p.active_from)],
                )?;
            }
            tx.commit()?;
            Ok(outcome)
        })
        .await
    }

    async fn publications(&self) -> Result<Vec<PublicationRecord>, StoreError> {
        self.read(|c| {
            let mut st = c.prepare_cached(
                "SELECT id, survey_id, version, scope_kind, scope_code, active_from,
                        published_at, withdrawn_at
                 FROM survey_publications ORDER BY id",
            )?;
            let rows = st.query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, u32>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, String>(6)?,
                    r.get::<_, Option<String>>(7)?,
                ))
            })?;
            let mut out = Vec::new();
            for row in rows {
                let (id, survey_id, version, kind, code, from, published, withdrawn) = row?;
                out.push(PublicationRecord {
                    id,
                    survey_id,
                    version,
                    scope: Scope::from_parts(&kind, &code)
                        .ok_or_else(|| corrupt(format!("publication {id}: scope `{kind}`")))?,
                    active_from: parse_ts(&from)?,
                    published_at: parse_ts(&published)?,
                    withdrawn_at: parse_opt_ts(withdrawn)?,
                });
            }
            Ok(out)
        })
        .await
    }

    async fn withdraw_publication(&self, id: i64, at: DateTime<Utc>) -> Result<bool, StoreError> {
        let n = self
            .write(move |c| {
                Ok(c.execute(
                    "UPDATE survey_publications SET withdrawn_at = ?2
                     WHERE id = ?1 AND withdrawn_at IS NULL",
                    params![id, ts(at)],
                )?)
            })
            .await?;
        Ok(n == 1)
    }

    async fn unit_parent(&self, clues: &str) -> Result<Option<Scope>, StoreError> {
        let clues = clues.to_owned();
        self.read(move |c| {
            let row: Option<(String, String)> = c
                .prepare_cached("SELECT parent_kind, parent FROM units WHERE clues = ?1")?
                .query_row([clues], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()?;
            Ok(row.and_then(|(kind, name)| Scope::from_parts(&kind, &name)))
        })
        .await
    }

    async fn put_kiosk_survey(&self, r: KioskSurveyReport) -> Result<(), StoreError> {
        self.write(move |c| {
            c.prepare_cached(
                "INSERT INTO kiosk_surveys
                   (kiosk_id, reads_format, survey_id, survey_version, problem, reported_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (kiosk_id) DO UPDATE SET reads_format = excluded.reads_format,
                   survey_id = excluded.survey_id, survey_version = excluded.survey_version,
                   problem = excluded.problem, reported_at = excluded.reported_at",
            )?
            .execute(params![
                r.kiosk_id,
                r.reads_format,
                r.survey_id,
                r.survey_version,
                r.problem,
                ts(r.reported_at)
            ])?;
            Ok(())
        })
        .await
    }

    async fn kiosk_surveys(&self) -> Result<Vec<KioskSurveyReport>, StoreError> {
        self.read(|c| {
            let mut st = c.prepare_cached(
                "SELECT kiosk_id, reads_format, survey_id, survey_version, problem, reported_at
                 FROM kiosk_surveys ORDER BY kiosk_id",
            )?;
            let rows = st.query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, u32>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, u32>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?,
                ))
            })?;
            let mut out = Vec::new();
            for row in rows {
                let (kiosk_id, reads_format, survey_id, survey_version, problem, at) = row?;
                out.push(KioskSurveyReport {
                    kiosk_id,
                    reads_format,
                    survey_id,
                    survey_version,
                    problem,
                    reported_at: parse_ts(&at)?,
                });
            }
            Ok(out)
        })
        .await
    }

    async fn count_responses(&self) -> Result<u64, StoreError> {
        let n: i64 = self
            .read(|c| Ok(c.query_row("SELECT COUNT(*) FROM responses", [], |r| r.get(0))?))
            .await?;
        u64::try_from(n).map_err(corrupt)
    }

    async fn count_answers(&self) -> Result<u64, StoreError> {
        let n: i64 = self
            .read(|c| Ok(c.query_row("SELECT COUNT(*) FROM answers", [], |r| r.get(0))?))
            .await?;
        u64::try_from(n).map_err(corrupt)
    }

    async fn stored_response(&self, id: Uuid) -> Result<Option<StoredResponse>, StoreError> {
        self.read(move |c| {
            let row = c
                .query_row(
                    "SELECT content_hash, canonical_json, kiosk_id, unit_clues, seq,
                            kiosk_sent_at, received_at, clock_offset_ms, clock_skewed
                     FROM responses WHERE id = ?1",
                    [id.to_string()],
                    |r| {
                        Ok((
                            r.get::<_, String>(0)?,
                            r.get::<_, String>(1)?,
                            r.get::<_, String>(2)?,
                            r.get::<_, String>(3)?,
                            r.get::<_, i64>(4)?,
                            r.get::<_, String>(5)?,
                            r.get::<_, String>(6)?,
                            r.get::<_, i64>(7)?,
                            r.get::<_, bool>(8)?,
                        ))
                    },
                )
                .optional()?;
            row.map(|(h, j, k, u, seq, sent, recv, off, skew)| {
                Ok(StoredResponse {
                    id,
                    content_hash: h,
                    canonical_json: j,
                    kiosk_id: k,
                    unit_clues: u,
                    seq,
                    kiosk_sent_at: parse_ts(&sent)?,
                    received_at: parse_ts(&recv)?,
                    clock_offset_ms: off,
                    clock_skewed: skew,
                })
            })
            .transpose()
        })
        .await
    }
}
