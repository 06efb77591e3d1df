//! PostgreSQL side of [`MailStore`].

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use tokio_postgres::Row;
use uuid::Uuid;

use super::PostgresStore;
use crate::error::StoreError;
use crate::store::mail::{Attempt, DigestRow, MailStore, OutboxRow};

const OUTBOX_COLUMNS: &str = "alert_id, unit_clues, urgent, queued_at, attempts, \
    next_attempt_at, sent_at, recipients, last_error";
const DIGEST_COLUMNS: &str = "account_id, day, window_from, window_to, attempts, \
    next_attempt_at, sent_at, recipient, last_error";

fn outbox(r: &Row) -> Result<OutboxRow, StoreError> {
    Ok(OutboxRow {
        alert_id: r.try_get(0)?,
        unit_clues: r.try_get(1)?,
        urgent: r.try_get(2)?,
        queued_at: r.try_get(3)?,
        attempts: r.try_get(4)?,
        next_attempt_at: r.try_get(5)?,
        sent_at: r.try_get(6)?,
        recipients: r.try_get(7)?,
        last_error: r.try_get(8)?,
    })
}

fn digest(r: &Row) -> Result<DigestRow, StoreError> {
    Ok(DigestRow {
        account_id: r.try_get(0)?,
        day: r.try_get(1)?,
        window_from: r.try_get(2)?,
        window_to: r.try_get(3)?,
        attempts: r.try_get(4)?,
        next_attempt_at: r.try_get(5)?,
        sent_at: r.try_get(6)?,
        recipient: r.try_get(7)?,
        last_error: r.try_get(8)?,
    })
}

type Split = (
    Option<DateTime<Utc>>,
    Option<String>,
    Option<String>,
    Option<DateTime<Utc>>,
);

fn split(attempt: &Attempt) -> Split {
    match attempt {
        Attempt::Sent { at, recipients } => (Some(*at), Some(recipients.clone()), None, None),
        Attempt::Failed { error, retry_at } => (None, None, Some(error.clone()), Some(*retry_at)),
    }
}

#[async_trait]
impl MailStore for PostgresStore {
    async fn due_urgent(
        &self,
        now: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<OutboxRow>, StoreError> {
        let c = self.pool.get().await?;
        let rows = c
            .query(
                &format!(
                    "SELECT {OUTBOX_COLUMNS} FROM mail_outbox
                     WHERE urgent AND sent_at IS NULL
                       AND (next_attempt_at IS NULL OR next_attempt_at <= $1)
                     ORDER BY queued_at LIMIT $2"
                ),
                &[&now, &limit],
            )
            .await?;
        rows.iter().map(outbox).collect()
    }

    async fn urgent_attempted(&self, alert_id: Uuid, attempt: Attempt) -> Result<(), StoreError> {
        let (sent, recipients, error, retry) = split(&attempt);
        let c = self.pool.get().await?;
        c.execute(
            "UPDATE mail_outbox SET attempts = attempts + 1, sent_at = $2,
                recipients = COALESCE($3, recipients), last_error = $4, next_attempt_at = $5
             WHERE alert_id = $1",
            &[&alert_id, &sent, &recipients, &error, &retry],
        )
        .await?;
        Ok(())
    }

    async fn queued_between(
        &self,
        units: Option<&[String]>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<OutboxRow>, StoreError> {
        let c = self.pool.get().await?;
        let rows = c
            .query(
                &format!(
                    "SELECT {OUTBOX_COLUMNS} FROM mail_outbox
                     WHERE queued_at >= $1 AND queued_at < $2
                       AND ($3::text[] IS NULL OR unit_clues = ANY($3))
                     ORDER BY queued_at"
                ),
                &[&from, &to, &units],
            )
            .await?;
        rows.iter().map(outbox).collect()
    }

    async fn digest(
        &self,
        account_id: &str,
        day: NaiveDate,
    ) -> Result<Option<DigestRow>, StoreError> {
        let c = self.pool.get().await?;
        let row = c
            .query_opt(
                &format!(
                    "SELECT {DIGEST_COLUMNS} FROM mail_digests WHERE account_id = $1 AND day = $2"
                ),
                &[&account_id, &day],
            )
            .await?;
        row.as_ref().map(digest).transpose()
    }

    async fn last_digest_end(&self, account_id: &str) -> Result<Option<DateTime<Utc>>, StoreError> {
        let c = self.pool.get().await?;
        let row = c
            .query_one(
                "SELECT MAX(window_to) FROM mail_digests
                 WHERE account_id = $1 AND sent_at IS NOT NULL",
                &[&account_id],
            )
            .await?;
        Ok(row.try_get(0)?)
    }

    async fn digest_attempted(&self, row: &DigestRow, attempt: Attempt) -> Result<(), StoreError> {
        let (sent, _, error, retry) = split(&attempt);
        let c = self.pool.get().await?;
        c.execute(
            "INSERT INTO mail_digests (account_id, day, window_from, window_to, attempts,
                next_attempt_at, sent_at, recipient, last_error)
             VALUES ($1, $2, $3, $4, 1, $5, $6, $7, $8)
             ON CONFLICT (account_id, day) DO UPDATE SET attempts = mail_digests.attempts + 1,
                next_attempt_at = excluded.next_attempt_at, sent_at = excluded.sent_at,
                last_error = excluded.last_error",
            &[
                &row.account_id,
                &row.day,
                &row.window_from,
                &row.window_to,
                &retry,
                &sent,
                &row.recipient,
                &error,
            ],
        )
        .await?;
        Ok(())
    }

    async fn unsent(&self) -> Result<(Vec<OutboxRow>, Vec<DigestRow>), StoreError> {
        let c = self.pool.get().await?;
        let urgent = c
            .query(
                &format!(
                    "SELECT {OUTBOX_COLUMNS} FROM mail_outbox
                     WHERE urgent AND sent_at IS NULL ORDER BY queued_at"
                ),
                &[],
            )
            .await?
            .iter()
            .map(outbox)
            .collect::<Result<Vec<_>, _>>()?;
        let digests = c
            .query(
                &format!(
                    "SELECT {DIGEST_COLUMNS} FROM mail_digests WHERE sent_at IS NULL ORDER BY day"
                ),
                &[],
            )
            .await?
            .iter()
            .map(digest)
            .collect::<Result<Vec<_>, _>>()?;
        Ok((urgent, digests))
    }

    async fn sent_counts(&self) -> Result<(i64, i64), StoreError> {
        let c = self.pool.get().await?;
        let row = c
            .query_one(
                "SELECT (SELECT COUNT(*) FROM mail_outbox WHERE urgent AND sent_at IS NOT NULL),
                        (SELECT COUNT(*) FROM mail_digests WHERE sent_at IS NOT NULL)",
                &[],
            )
            .await?;
        Ok((row.try_get(0)?, row.try_get(1)?))
    }
}
