//! Applying the centre's reply: `stored` and `duplicate` become sent,
//! `rejected` is kept with its reason, all in one local transaction. Nothing
//! is marked unless the reply lists exactly the batch's responses in order.

use chrono::{DateTime, Utc};
use trato_domain::wire::{BatchReply, Outcome, RejectReason};
use uuid::Uuid;

use super::batch::PreparedBatch;
use super::SyncError;
use crate::store::sync::Mark;
use crate::store::Store;

/// A response the centre refused, with why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RejectedItem {
    pub id: Uuid,
    pub reason: RejectReason,
    pub detail: String,
}

/// What one reply changed locally.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Applied {
    pub stored: usize,
    pub duplicate: usize,
    pub rejected: Vec<RejectedItem>,
}

/// The text kept in `responses.reject_reason`: the reason code, then detail.
pub fn reject_text(reason: RejectReason, detail: &str) -> String {
    let code = match reason {
        RejectReason::Conflict => "conflict",
        RejectReason::UnknownSurvey => "unknown_survey",
        RejectReason::InvalidAnswers => "invalid_answers",
    };
    if detail.is_empty() {
        code.to_owned()
    } else {
        format!("{code}: {detail}")
    }
}

/// Checks the reply against the batch, then marks every response in one
/// transaction. A reply that does not match the batch changes nothing.
pub fn apply_reply(
    store: &mut Store,
    batch: &PreparedBatch,
    reply: &BatchReply,
    now: DateTime<Utc>,
) -> Result<Applied, SyncError> {
    if reply.results.len() != batch.items.len() {
        return Err(SyncError::BadReply(format!(
            "{} results for a batch of {}",
            reply.results.len(),
            batch.items.len()
        )));
    }
    let mut applied = Applied::default();
    let mut marks = Vec::with_capacity(batch.items.len());
    for ((_, id), result) in batch.items.iter().zip(&reply.results) {
        if result.id != *id {
            return Err(SyncError::BadReply(format!(
                "result for {} where {id} was sent",
                result.id
            )));
        }
        let mark = match &result.outcome {
            Outcome::Stored => {
                applied.stored += 1;
                Mark::Sent
            }
            Outcome::Duplicate => {
                applied.duplicate += 1;
                Mark::Sent
            }
            Outcome::Rejected { reason, detail } => {
                applied.rejected.push(RejectedItem {
                    id: *id,
                    reason: *reason,
                    detail: detail.clone(),
                });
                Mark::Rejected(reject_text(*reason, detail))
            }
        };
        marks.push((id.to_string(), mark));
    }
    store.mark_synced(&marks, now)?;
    Ok(applied)
}
