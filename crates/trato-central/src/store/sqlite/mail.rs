//! SQLite side of [`MailStore`].

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{params, params_from_iter, Row};
use uuid::Uuid;

use super::{all_rows, parse_opt_ts, parse_ts, ts, SqliteStore};
use crate::error::StoreError;
use crate::store::corrupt;
use crate::store::mail::{Attempt, DigestRow, MailStore, OutboxRow};

const OUTBOX_COLUMNS: &str = "alert_id, unit_clues, urgent, queued_at, attempts, \
    next_attempt_at, sent_at, recipients, last_error";
const DIGEST_COLUMNS: &str = "account_id, day, window_from, window_to, attempts, \
    next_attempt_at, sent_at, recipient, last_error";

fn outbox(r: &Row<'_>) -> Result<OutboxRow, StoreError> {
    Ok(OutboxRow {
        alert_id: Uuid::parse_str(&r.get::<_, String>(0)?).map_err(corrupt)?,
        unit_clues: r.get(1)?,
        urgent: r.get(2)?,
        queued_at: parse_ts(&r.get::<_, String>(3)?)?,
        attempts: r.get(4)?,
        next_attempt_at: parse_opt_ts(r.get(5)?)?,
        sent_at: parse_opt_ts(r.get(6)?)?,
        recipients: r.get(7)?,
        last_error: r.get(8)?,
    })
}

fn digest(r: &Row<'_>) -> Result<DigestRow, StoreError> {
    let day: String = r.get(1)?;
    Ok(DigestRow {
        account_id: r.get(0)?,
        day: NaiveDate::parse_from_str(&day, "%Y-%m-%d").map_err(corrupt)?,
        window_from: parse_ts(&r.get::<_, String>(2)?)?,
        window_to: parse_ts(&r.get::<_, String>(3)?)?,
        attempts: r.get(4)?,
        next_attempt_at: parse_opt_ts(r.get(5)?)?,
        sent_at: parse_opt_ts(r.get(6)?)?,
        recipient: r.get(7)?,
        last_error: r.get(8)?,
    })
}

fn split(
    attempt: &Attempt,
) -> (
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
) {
    match attempt {
        Attempt::Sent { at, recipients } => (Some(ts(*at)), Some(recipients.clone()), None, None),
        Attempt::Failed { error, retry_at } => {
            (None, None, Some(error.clone()), Some(ts(*retry_at)))
        }
    }
}

#[async_trait]
impl MailStore for SqliteStore {
    async fn due_urgent(
        &self,
        now: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<OutboxRow>, StoreError> {
        self.read(move |c| {
            let mut st = c.prepare_cached(&format!(
                "SELECT {OUTBOX_COLUMNS} FROM mail_outbox
                 WHERE urgent = 1 AND sent_at IS NULL
                   AND (next_attempt_at IS NULL OR next_attempt_at <= ?1)
                 ORDER BY queued_at LIMIT ?2"
            ))?;
            all_rows(&mut st, params![ts(now), limit], outbox)
        })
        .await
    }

    async fn urgent_attempted(&self, alert_id: Uuid, attempt: Attempt) -> Result<(), StoreError> {
        let (sent, recipients, error, retry) = split(&attempt);
        self.write(move |c| {
            c.execute(
                "UPDATE mail_outbox SET attempts = attempts + 1, sent_at = ?2,
                    recipients = COALESCE(?3, recipients), last_error = ?4, next_attempt_at = ?5
                 WHERE alert_id = ?1",
                params![alert_id.to_string(), sent, recipients, error, retry],
            )?;
            Ok(())
        })
        .await
    }

    async fn queued_between(
        &self,
        units: Option<&[String]>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<OutboxRow>, StoreError> {
        let units = units.map(<[String]>::to_vec);
        self.read(move |c| {
            let mut args = vec![ts(from), ts(to)];
            let filter = match &units {
                None => String::new(),
                Some(u) => {
                    let marks = vec!["?"; u.len()].join(",");
                    args.extend(u.iter().cloned());
                    format!(" AND unit_clues IN ({marks})")
                }
            };
            if units.as_ref().is_some_and(Vec::is_empty) {
                return Ok(Vec::new());
            }
            let mut st = c.prepare(&format!(
                "SELECT {OUTBOX_COLUMNS} FROM mail_outbox
                 WHERE queued_at >= ?1 AND queued_at < ?2{filter} ORDER BY queued_at"
            ))?;
            all_rows(&mut st, params_from_iter(args), outbox)
        })
        .await
    }

    async fn digest(
        &self,
        account_id: &str,
        day: NaiveDate,
    ) -> Result<Option<DigestRow>, StoreError> {
        let account_id = account_id.to_owned();
        self.read(move |c| {
            let mut st = c.prepare_cached(&format!(
                "SELECT {DIGEST_COLUMNS} FROM mail_digests WHERE account_id = ?1 AND day = ?2"
            ))?;
            let mut rows = st.query(params![account_id, day.to_string()])?;
            rows.next()?.map(digest).transpose()
        })
        .await
    }

    async fn last_digest_end(&self, account_id: &str) -> Result<Option<DateTime<Utc>>, StoreError> {
        let account_id = account_id.to_owned();
        self.read(move |c| {
            let t: Option<String> = c
                .prepare_cached(
                    "SELECT MAX(window_to) FROM mail_digests
                     WHERE account_id = ?1 AND sent_at IS NOT NULL",
                )?
                .query_row([account_id], |r| r.get(0))?;
            parse_opt_ts(t)
        })
        .await
    }

    async fn digest_attempted(&self, row: &DigestRow, attempt: Attempt) -> Result<(), StoreError> {
        let row = row.clone();
        let (sent, _, error, retry) = split(&attempt);
        self.write(move |c| {
            c.execute(
                "INSERT INTO mail_digests (account_id, day, window_from, window_to, attempts,
                    next_attempt_at, sent_at, recipient, last_error)
                 VALUES (?1, ?2, ?3, ?4, 1, ?5, ?6, ?7, ?8)
                 ON CONFLICT (account_id, day) DO UPDATE SET attempts = mail_digests.attempts + 1,
                    next_attempt_at = excluded.next_attempt_at, sent_at = excluded.sent_at,
                    last_error = excluded.last_error",
                params![
                    row.account_id,
                    row.day.to_string(),
                    ts(row.window_from),
                    ts(row.window_to),
                    retry,
                    sent,
                    row.recipient,
                    error
                ],
            )?;
            Ok(())
        })
        .await
    }

    async fn unsent(&self) -> Result<(Vec<OutboxRow>, Vec<DigestRow>), StoreError> {
        self.read(|c| {
            let mut st = c.prepare_cached(&format!(
                "SELECT {OUTBOX_COLUMNS} FROM mail_outbox
                 WHERE urgent = 1 AND sent_at IS NULL ORDER BY queued_at"
            ))?;
            let urgent = all_rows(&mut st, [], outbox)?;
            let mut st = c.prepare_cached(&format!(
                "SELECT {DIGEST_COLUMNS} FROM mail_digests WHERE sent_at IS NULL ORDER BY day"
            ))?;
            let digests = all_rows(&mut st, [], digest)?;
            Ok((urgent, digests))
        })
        .await
    }

    async fn sent_counts(&self) -> Result<(i64, i64), StoreError> {
        self.read(|c| {
            Ok(c.query_row(
                "SELECT (SELECT COUNT(*) FROM mail_outbox WHERE urgent = 1 AND sent_at IS NOT NULL),
                        (SELECT COUNT(*) FROM mail_digests WHERE sent_at IS NOT NULL)",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?)
        })
        .await
    }
}
