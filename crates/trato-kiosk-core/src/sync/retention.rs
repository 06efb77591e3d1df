//! Retention: responses the centre acknowledged (`sent`) are deleted once
//! older than `sync.retention_days` since the acknowledgement. Pending and
//! rejected responses are never deleted, whatever their age.

use chrono::{DateTime, Duration, Utc};

use crate::store::{Store, StoreError};

/// Deletes sent responses acknowledged more than `retention_days` before
/// `now`; returns how many.
pub fn purge(
    store: &mut Store,
    retention_days: u32,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let cutoff = now - Duration::days(i64::from(retention_days));
    let purged = store.purge_sent_before(cutoff)?;
    if purged > 0 {
        tracing::info!(
            purged,
            retention_days,
            "purged responses the centre acknowledged"
        );
    }
    Ok(purged)
}
