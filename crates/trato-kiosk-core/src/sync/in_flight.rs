//! Batches on the wire. Each post runs as a task of its own, so while one
//! batch is at the centre the sync applies the previous reply and reads and
//! sends the next batch. Replies are taken in the order the batches were
//! sent. Dropping the queue aborts the posts left, so a sync that ends early
//! leaves nothing running behind it (one sync at a time).

use std::collections::VecDeque;

use tokio::task::JoinHandle;
use trato_domain::wire::BatchReply;

use super::batch::PreparedBatch;
use super::client::{CentreClient, Replied};
use super::SyncError;

type Posted = Result<Replied<BatchReply>, SyncError>;

#[derive(Default)]
pub(super) struct InFlight {
    queue: VecDeque<(PreparedBatch, JoinHandle<Posted>)>,
}

impl InFlight {
    pub(super) fn len(&self) -> usize {
        self.queue.len()
    }

    pub(super) fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    /// Starts posting `batch` (its body moves to the task; its items stay
    /// here to check the reply against).
    pub(super) fn send(&mut self, client: &CentreClient, mut batch: PreparedBatch) {
        let (client, body) = (client.clone(), std::mem::take(&mut batch.body));
        let post = tokio::spawn(async move { client.post_batch(body).await });
        self.queue.push_back((batch, post));
    }

    /// The oldest batch on the wire and how its post ended; `None` if none.
    pub(super) async fn next(&mut self) -> Option<(PreparedBatch, Posted)> {
        let (batch, post) = self.queue.pop_front()?;
        let posted = post
            .await
            .map_err(|e| SyncError::Worker(e.to_string()))
            .and_then(|p| p);
        Some((batch, posted))
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        for (_, post) in &self.queue {
            post.abort();
        }
    }
}
