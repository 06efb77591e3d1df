//! Storage for e-mail notifications: the outbox (one row per alert, written
//! in the alert's own transaction) and the daily digests sent or owed.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use crate::error::StoreError;

/// An alert's outbox row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxRow {
    pub alert_id: Uuid,
    pub unit_clues: String,
    /// Sent on its own at once; the rest go in the daily digests.
    pub urgent: bool,
    /// When the centre stored the alert.
    pub queued_at: DateTime<Utc>,
    pub attempts: i32,
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// When its message went out (urgent rows only).
    pub sent_at: Option<DateTime<Utc>>,
    pub recipients: Option<String>,
    pub last_error: Option<String>,
}

/// One account's digest for one local day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigestRow {
    pub account_id: String,
    pub day: NaiveDate,
    pub window_from: DateTime<Utc>,
    pub window_to: DateTime<Utc>,
    pub attempts: i32,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub sent_at: Option<DateTime<Utc>>,
    pub recipient: String,
    pub last_error: Option<String>,
}

/// A delivery attempt's result, for [`MailStore::urgent_attempted`] and
/// [`MailStore::digest_attempted`].
#[derive(Debug, Clone)]
pub enum Attempt {
    /// Delivered (or nobody to send to) at this time, to these addresses.
    Sent {
        at: DateTime<Utc>,
        recipients: String,
    },
    /// Refused or unreachable: try again from `retry_at`.
    Failed {
        error: String,
        retry_at: DateTime<Utc>,
    },
}

#[async_trait]
pub trait MailStore: Send + Sync {
    /// Urgent rows not yet sent whose next attempt is due at `now`, oldest first.
    async fn due_urgent(
        &self,
        now: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<OutboxRow>, StoreError>;
    async fn urgent_attempted(&self, alert_id: Uuid, attempt: Attempt) -> Result<(), StoreError>;
    /// Outbox rows queued in `[from, to)` for these units (`None`: all).
    async fn queued_between(
        &self,
        units: Option<&[String]>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<OutboxRow>, StoreError>;
    /// An account's digest for a day, if one was started.
    async fn digest(
        &self,
        account_id: &str,
        day: NaiveDate,
    ) -> Result<Option<DigestRow>, StoreError>;
    /// The end of the window of the account's latest digest sent.
    async fn last_digest_end(&self, account_id: &str) -> Result<Option<DateTime<Utc>>, StoreError>;
    /// Records an attempt at a digest (inserting its row on the first one).
    async fn digest_attempted(&self, row: &DigestRow, attempt: Attempt) -> Result<(), StoreError>;
    /// Urgent rows not sent, and digests not sent, for `mail status`.
    async fn unsent(&self) -> Result<(Vec<OutboxRow>, Vec<DigestRow>), StoreError>;
    /// Messages sent: `(urgent, digests)`.
    async fn sent_counts(&self) -> Result<(i64, i64), StoreError>;
}

/// `(alert id, unit, urgent)` for each alert a batch raised: urgent when the
/// response's own survey version declares one of its reasons urgent.
pub(crate) fn outbox_rows<'a>(
    rollup: &'a crate::store::dash::Rollup,
    items: &'a [crate::store::PreparedResponse],
) -> Vec<(Uuid, &'a str, bool)> {
    if rollup.alerts.is_empty() {
        return Vec::new();
    }
    let surveys: std::collections::HashMap<Uuid, &trato_domain::SurveyDefinition> =
        items.iter().map(|i| (i.response.id, &*i.survey)).collect();
    rollup
        .alerts
        .iter()
        .map(|a| {
            // `reason` holds the matched reasons joined by "," (`alert_reasons`).
            let urgent = surveys
                .get(&a.id)
                .is_some_and(|d| a.reason.split(',').any(|r| d.alert_urgent(r.trim())));
            (a.id, a.unit_clues.as_str(), urgent)
        })
        .collect()
}
