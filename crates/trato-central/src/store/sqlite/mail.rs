//! SQLite side of [`MailStore`].

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{params, params_from_iter, OptionalExtension, Row};
use uuid::Uuid;

use super::{parse_opt_ts, parse_ts, ts, SqliteStore};
use crate::error::StoreError;
use crate::store::corrupt;
use crate::store::mail::{Attempt, DigestRow, MailStore, OutboxRow};

const OUTBOX_COLUMNS: &str = "alert_id, unit_clues, urgent, queued_at, attempts, \
    next_attempt_at, sent_at, recipients, last_error";
const DIGEST_COLUMNS: &str = "account_id, day, window_from, window_to, attempts, \
    next_attempt_at, sent_at, recipient, last_error";

type RawOutbox = (
    String,
    String,
    bool,
    String,
    i32,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

fn raw_outbox(r: &Row<'_>) -> rusqlite::Result<RawOutbox> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
        r.get(8)?,
    ))
}

fn outbox(raw: RawOutbox) -> Result<OutboxRow, StoreError> {
    let (id, unit_clues, urgent, queued, attempts, next, sent, recipients, last_error) = raw;
    Ok(OutboxRow {
        alert_id: Uuid::parse_str(&id).map_err(corrupt)?,
        unit_clues,
        urgent,
        queued_at: parse_ts(&queued)?,
        attempts,
        next_attempt_at: parse_opt_ts(next)?,
        sent_at: parse_opt_ts(sent)?,
        recipients,
        last_error,
    })
}

type RawDigest = (
    String,
    String,
    String,
    String,
    i32,
    Option<String>,
    Option<String>,
    String,
    Option<String>,
);

fn raw_digest(r: &Row<'_>) -> rusqlite::Result<RawDigest> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
        r.get(8)?,
    ))
}

fn digest(raw: RawDigest) -> Result<DigestRow, StoreError> {
    let (account_id, day, from, to, attempts, next, sent, recipient, last_error) = raw;
    Ok(DigestRow {
        account_id,
        day: NaiveDate::parse_from_str(&day, "%Y-%m-%d").map_err(corrupt)?,
        window_from: parse_ts(&from)?,
        window_to: parse_ts(&to)?,
        attempts,
        next_attempt_at: parse_opt_ts(next)?,
        sent_at: parse_opt_ts(sent)?,
        recipient,
        last_error,
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
            let rows = st.query_map(params![ts(now), limit], raw_outbox)?;
            rows.map(|r| outbox(r?)).collect()
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
            let rows = st.query_map(params_from_iter(args), raw_outbox)?;
            rows.map(|r| outbox(r?)).collect()
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
            let raw = c
                .prepare_cached(&format!(
                    "SELECT {DIGEST_COLUMNS} FROM mail_digests WHERE account_id = ?1 AND day = ?2"
                ))?
                .query_row(params![account_id, day.to_string()], raw_digest)
                .optional()?;
            raw.map(digest).transpose()
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
            let urgent = st
                .query_map([], raw_outbox)?
                .map(|r| outbox(r?))
                .collect::<Result<Vec<_>, StoreError>>()?;
            let mut st = c.prepare_cached(&format!(
                "SELECT {DIGEST_COLUMNS} FROM mail_digests WHERE sent_at IS NULL ORDER BY day"
            ))?;
            let digests = st
                .query_map([], raw_digest)?
                .map(|r| digest(r?))
                .collect::<Result<Vec<_>, StoreError>>()?;
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
