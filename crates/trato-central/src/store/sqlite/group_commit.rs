//! Group commit: one thread writes every batch. It takes all the batches
//! waiting at that moment and commits them in one transaction, so they share
//! one fsync, each inside its own SAVEPOINT: a batch that fails is rolled
//! back alone (never half of it stays) and the others are stored. Each
//! waiter is answered only after the shared COMMIT returns. A batch that
//! panics the writer is caught and rolled back alone, like a failing one.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};

use rusqlite::{Connection, TransactionBehavior};
use tokio::sync::oneshot;

use super::batch::apply_batch;
use super::checkpoint::Checkpointer;
use super::lock;
use crate::error::StoreError;
use crate::store::{BatchMeta, InsertOutcome, PreparedResponse};

/// At most this many batches share a transaction, which bounds how long the
/// first of them waits for the last.
const MAX_GROUP: usize = 64;

type Outcomes = Result<Vec<InsertOutcome>, StoreError>;

struct Job {
    meta: BatchMeta,
    items: Vec<PreparedResponse>,
    reply: oneshot::Sender<Outcomes>,
}

/// The handle batches are submitted through; the thread ends when it is dropped.
pub(super) struct GroupCommit {
    jobs: mpsc::Sender<Job>,
    counts: Arc<Counts>,
}

/// Batches submitted, and taken into a group by the thread (tests watch these).
#[derive(Default)]
struct Counts {
    submitted: AtomicUsize,
    taken: AtomicUsize,
}

impl GroupCommit {
    /// Starts the writer thread on the store's writer connection (shared,
    /// through its lock, with the rare admin writes).
    pub(super) fn start(
        writer: Arc<Mutex<Connection>>,
        checkpointer: Checkpointer,
    ) -> std::io::Result<Self> {
        let (jobs, queue) = mpsc::channel();
        let counts = Arc::new(Counts::default());
        let c = counts.clone();
        std::thread::Builder::new()
            .name("sqlite-writer".into())
            .spawn(move || run(&writer, &queue, &checkpointer, &c))?;
        Ok(Self { jobs, counts })
    }

    /// `(submitted, taken into a group)` since the start.
    pub(super) fn counts(&self) -> (usize, usize) {
        (
            self.counts.submitted.load(Ordering::SeqCst),
            self.counts.taken.load(Ordering::SeqCst),
        )
    }

    /// Stores one batch, in a transaction shared with the batches waiting
    /// beside it; returns once that transaction has committed.
    pub(super) async fn submit(
        &self,
        meta: BatchMeta,
        items: Vec<PreparedResponse>,
    ) -> Result<Vec<InsertOutcome>, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.counts.submitted.fetch_add(1, Ordering::SeqCst);
        self.jobs
            .send(Job { meta, items, reply })
            .map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

fn stopped() -> StoreError {
    StoreError::Writer("the SQLite writer thread stopped".into())
}

fn run(
    writer: &Mutex<Connection>,
    queue: &mpsc::Receiver<Job>,
    checkpointer: &Checkpointer,
    counts: &Counts,
) {
    while let Ok(first) = queue.recv() {
        let mut group = vec![first];
        group.extend(queue.try_iter().take(MAX_GROUP - 1));
        counts.taken.fetch_add(group.len(), Ordering::SeqCst);
        let mut conn = lock(writer);
        // A panic must not end the thread (every later batch would fail):
        // the transaction is rolled back as it unwinds, and the waiters of
        // this group see their reply channel closed, an error.
        let outcomes = catch_unwind(AssertUnwindSafe(|| commit_group(&mut conn, &group)));
        drop(conn);
        let committed = matches!(&outcomes, Ok(o) if o.iter().any(Result::is_ok));
        if let Ok(outcomes) = outcomes {
            for (job, outcome) in group.into_iter().zip(outcomes) {
                let _ = job.reply.send(outcome);
            }
        } else {
            tracing::error!("the SQLite writer panicked; its group was rolled back");
        }
        if committed {
            checkpointer.committed();
        }
    }
}

/// One transaction for the whole group, a savepoint per batch. If BEGIN or
/// COMMIT fails, every batch gets the error: nothing of the group is stored.
fn commit_group(conn: &mut Connection, group: &[Job]) -> Vec<Outcomes> {
    let shared = |e: &dyn std::fmt::Display| {
        group
            .iter()
            .map(|_| Err(StoreError::Writer(format!("SQLite: {e}"))))
            .collect()
    };
    let mut tx = match conn.transaction_with_behavior(TransactionBehavior::Immediate) {
        Ok(tx) => tx,
        Err(e) => return shared(&e),
    };
    let mut outcomes = Vec::with_capacity(group.len());
    for job in group {
        // A panic inside one batch (whatever it contains) unwinds through
        // its savepoint, which rolls it back; the group goes on.
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            tx.savepoint().map_err(StoreError::from).and_then(|sp| {
                let out = apply_batch(&sp, &job.meta, &job.items)?;
                sp.commit()?;
                Ok(out)
            })
        }))
        .unwrap_or_else(|_| {
            Err(StoreError::Writer(
                "the batch could not be stored (the writer failed on its content)".into(),
            ))
        });
        // On error the savepoint was rolled back when dropped.
        if let Err(e) = &outcome {
            tracing::error!(kiosk = %job.meta.kiosk_id, "batch rolled back: {e}");
        }
        outcomes.push(outcome);
    }
    if outcomes.iter().all(Result::is_err) {
        // Nothing to keep; rolled back on drop.
        return outcomes;
    }
    match tx.commit() {
        Ok(()) => outcomes,
        Err(e) => shared(&e),
    }
}
