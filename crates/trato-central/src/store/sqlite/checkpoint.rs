//! WAL checkpoints off the write path. SQLite's automatic checkpoint runs
//! inside the commit that takes the WAL past 1,000 pages, so about one batch
//! in ten also paid for copying the WAL into the database file and its
//! fsync. Here the writer only signals after a commit; a thread with its own
//! connection runs PASSIVE checkpoints (they never block the writer or the
//! readers), at most one per [`PAUSE`]. Durability is unchanged: a commit is
//! durable once its WAL frames are fsync'd, whoever checkpoints them later.

use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

use rusqlite::Connection;

use crate::error::StoreError;

/// Between two checkpoints: long enough that each copies many commits' pages
/// at once, short enough that the WAL stays a few MiB under load.
const PAUSE: Duration = Duration::from_millis(250);

/// The writer's automatic checkpoint, kept only as a backstop should this
/// thread fall behind (16,384 pages = 64 MiB of WAL).
pub(super) const BACKSTOP_PAGES: i64 = 16_384;

pub(super) struct Checkpointer {
    signal: mpsc::SyncSender<()>,
}

impl Checkpointer {
    /// Opens its own connection to `path`; the thread ends when this is dropped.
    pub(super) fn start(path: &Path) -> Result<Self, StoreError> {
        let conn = Connection::open(path)?;
        super::configure(&conn)?;
        // Capacity 1: signals sent while a checkpoint runs collapse into one.
        let (signal, wake) = mpsc::sync_channel::<()>(1);
        std::thread::Builder::new()
            .name("sqlite-checkpoint".into())
            .spawn(move || {
                while wake.recv().is_ok() {
                    let done = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
                        Ok((r.get::<_, i64>(1)?, r.get::<_, i64>(2)?))
                    });
                    match done {
                        Ok((wal, copied)) => tracing::trace!(wal, copied, "WAL checkpoint"),
                        Err(e) => tracing::warn!("WAL checkpoint failed: {e}"),
                    }
                    std::thread::sleep(PAUSE);
                }
            })
            .map_err(|e| StoreError::Writer(format!("cannot start the checkpoint thread: {e}")))?;
        Ok(Self { signal })
    }

    /// A transaction committed: checkpoint soon.
    pub(super) fn committed(&self) {
        let _ = self.signal.try_send(());
    }
}
