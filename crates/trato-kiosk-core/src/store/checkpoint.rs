//! WAL checkpoints off the patient's path. With SQLite's default, the commit
//! that pushes the WAL past 1,000 pages copies them into the database file and
//! fsyncs it before returning: every hundredth patient or so waited for that.
//! Here a thread of the store's own checkpoints soon after the kiosk goes
//! quiet (and every 200 commits under a steady stream), on its
//! own connection, in PASSIVE mode: it never blocks a commit, and a commit
//! never waits for it. SQLite's automatic checkpoint stays as the backstop,
//! raised to 4,000 pages.

use std::path::Path;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender};
use std::thread::JoinHandle;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

use super::StoreError;

/// Quiet time after a commit before checkpointing: a patient's next tap
/// rarely lands within it.
const QUIET: Duration = Duration::from_millis(250);
/// Under a steady stream of commits (a benchmark, a bulk import), checkpoint
/// anyway after this many (about 8 WAL pages each), so the WAL stays well
/// under the backstop. Rare, because such a checkpoint's fsyncs overlap the
/// commits that keep coming.
const MAX_COMMITS_BETWEEN: usize = 200;
/// SQLite's own checkpoint, run by the committing connection, only past this
/// many WAL pages (its default is 1,000).
pub(super) const BACKSTOP_PAGES: i64 = 4000;

pub(crate) struct Checkpointer {
    nudge: Option<SyncSender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Checkpointer {
    pub(crate) fn start(path: &Path) -> Result<Checkpointer, StoreError> {
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(Duration::from_secs(5))?;
        let (nudge, commits) = mpsc::sync_channel(MAX_COMMITS_BETWEEN);
        let thread = std::thread::Builder::new()
            .name("wal-checkpoint".into())
            .spawn(move || run(&conn, &commits))
            .map_err(|source| StoreError::Io {
                path: path.to_owned(),
                source,
            })?;
        Ok(Checkpointer {
            nudge: Some(nudge),
            thread: Some(thread),
        })
    }

    /// A commit happened. Never blocks: when the thread already has plenty
    /// of notice, this one is dropped.
    pub(crate) fn committed(&self) {
        if let Some(nudge) = &self.nudge {
            let _ = nudge.try_send(());
        }
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.nudge.take(); // the thread finishes a checkpoint that is due, then ends
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn run(conn: &Connection, commits: &Receiver<()>) {
    while commits.recv().is_ok() {
        let mut seen = 1;
        loop {
            match commits.recv_timeout(QUIET) {
                Ok(()) if seen < MAX_COMMITS_BETWEEN => seen += 1,
                Ok(()) | Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => break,
            }
        }
        checkpoint(conn);
    }
}

fn checkpoint(conn: &Connection) {
    // PASSIVE copies what no reader still needs and returns; an export's open
    // snapshot only delays the rest until a later checkpoint.
    let result = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |row| {
        Ok((row.get::<_, i64>(1)?, row.get::<_, i64>(2)?))
    });
    match result {
        Ok((wal_pages, copied)) => tracing::trace!(wal_pages, copied, "WAL checkpoint"),
        Err(error) => tracing::warn!(%error, "WAL checkpoint failed; SQLite's own will cover it"),
    }
}
