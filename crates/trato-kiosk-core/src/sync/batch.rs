//! The next batch: pending responses in `seq` order, default 200, encoded
//! as gzip JSON never over the 1 MiB compressed limit (the batch shrinks
//! until it fits).

use chrono::{DateTime, Utc};
use trato_domain::wire::{BatchRequest, WireResponse};
use uuid::Uuid;

use super::SyncError;
use crate::store::{PendingResponse, Store};

/// A batch ready to post: the body exactly as sent, and what it holds.
#[derive(Debug, Clone)]
pub struct PreparedBatch {
    /// gzip-compressed JSON of a `BatchRequest`.
    pub body: Vec<u8>,
    /// `(seq, id)` of each response, in the order sent (the reply's order).
    pub items: Vec<(i64, Uuid)>,
}

impl PreparedBatch {
    /// The `seq` of its last response (the batches after it start above).
    pub fn last_seq(&self) -> Option<i64> {
        self.items.last().map(|(seq, _)| *seq)
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

/// Who sends: the batch header, from the kiosk's settings.
#[derive(Debug, Clone, Default)]
pub struct Sender {
    pub kiosk_id: String,
    pub unit_clues: String,
    /// The survey the kiosk runs (id, version), told to the centre.
    pub survey: Option<(String, u32)>,
    /// Responses pending from the batch's first one on (set by
    /// [`next_batch_after`]): what is left after the batch is its backlog.
    pub pending_from_first: Option<u64>,
}

/// Reads up to `limit` pending responses and encodes them, halving the count
/// while the body is over `max_bytes`. `None` when nothing is pending.
pub fn next_batch(
    store: &Store,
    sender: &Sender,
    sent_at: DateTime<Utc>,
    limit: usize,
    max_bytes: usize,
) -> Result<Option<PreparedBatch>, SyncError> {
    next_batch_after(store, sender, i64::MIN, sent_at, limit, max_bytes)
}

/// [`next_batch`] from the pending responses with `seq` above `after` (the
/// last one already on the wire).
pub fn next_batch_after(
    store: &Store,
    sender: &Sender,
    after: i64,
    sent_at: DateTime<Utc>,
    limit: usize,
    max_bytes: usize,
) -> Result<Option<PreparedBatch>, SyncError> {
    let pending = store.pending_responses_after(after, limit.max(1))?;
    if pending.is_empty() {
        return Ok(None);
    }
    let sender = Sender {
        pending_from_first: Some(store.pending_count_after(after)?),
        ..sender.clone()
    };
    encode_fitting(pending, &sender, sent_at, max_bytes).map(Some)
}

/// Encodes as many of `pending` (from the front) as fit in `max_bytes`.
pub fn encode_fitting(
    mut pending: Vec<PendingResponse>,
    sender: &Sender,
    sent_at: DateTime<Utc>,
    max_bytes: usize,
) -> Result<PreparedBatch, SyncError> {
    loop {
        let items: Vec<(i64, Uuid)> = pending.iter().map(|p| (p.seq, p.response.id)).collect();
        let request = BatchRequest {
            kiosk_id: sender.kiosk_id.clone(),
            unit_clues: sender.unit_clues.clone(),
            sent_at,
            backlog: sender
                .pending_from_first
                .map(|n| n.saturating_sub(pending.len() as u64)),
            survey_id: sender.survey.as_ref().map(|(id, _)| id.clone()),
            survey_version: sender.survey.as_ref().map(|(_, v)| *v),
            responses: pending
                .iter()
                .map(|p| WireResponse {
                    seq: u64::try_from(p.seq).unwrap_or(0),
                    response: p.response.clone(),
                })
                .collect(),
        };
        let body = encode(&request)?;
        if body.len() <= max_bytes {
            return Ok(PreparedBatch { body, items });
        }
        if pending.len() == 1 {
            return Err(SyncError::ResponseTooLarge(pending[0].response.id));
        }
        let keep = pending.len() / 2;
        tracing::debug!(
            from = pending.len(),
            to = keep,
            bytes = body.len(),
            "batch over the size limit: halving"
        );
        pending.truncate(keep);
    }
}

/// gzip JSON of a batch, as the centre reads it.
pub fn encode(request: &BatchRequest) -> Result<Vec<u8>, SyncError> {
    trato_domain::codec::encode_batch(request).map_err(|e| SyncError::Encode(e.to_string()))
}
