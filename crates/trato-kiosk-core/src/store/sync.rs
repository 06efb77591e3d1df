//! The SQL behind sync: reading pending responses in `seq` order, marking
//! what the centre acknowledged, the `sync_log`, and the retention purge.
//! The rules (what may be marked, what may be purged) live in `crate::sync`.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension, TransactionBehavior};
use trato_domain::{Answer, Response};

use super::responses::{read_header_from, RESPONSE_COLUMNS};
use super::{parse_timestamp, timestamp, Store, StoreError};

/// A response waiting to be sent, with its kiosk sequence number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingResponse {
    pub seq: i64,
    pub response: Response,
}

/// How one response's sending ended, as the centre said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Mark {
    Sent,
    Rejected(String),
}

/// One row of `sync_log`.
#[derive(Debug, Clone)]
pub(crate) struct SyncLogRow<'a> {
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    pub ok: bool,
    pub sent: i64,
    pub rejected: i64,
    pub error: Option<&'a str>,
    pub server_time: Option<DateTime<Utc>>,
    pub clock_offset_ms: Option<i64>,
}

impl Store {
    /// Up to `limit` pending responses, lowest `seq` first, with their answers
    /// in stored order. Two statements whatever the count.
    pub fn pending_responses(&self, limit: usize) -> Result<Vec<PendingResponse>, StoreError> {
        self.pending_responses_after(i64::MIN, limit)
    }

    /// Like [`Store::pending_responses`], only those with `seq` above
    /// `after`: the sync reads the next batch while earlier ones, still
    /// pending, are on the wire.
    /// How many responses are pending with `seq` above `after`.
    pub fn pending_count_after(&self, after: i64) -> Result<u64, StoreError> {
        let n: i64 = self
            .conn()
            .prepare_cached(
                "SELECT COUNT(*) FROM responses WHERE sync_state = 'pending' AND seq > ?1",
            )?
            .query_row([after], |r| r.get(0))?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    pub fn pending_responses_after(
        &self,
        after: i64,
        limit: usize,
    ) -> Result<Vec<PendingResponse>, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT seq, {RESPONSE_COLUMNS} FROM (
                 SELECT * FROM responses WHERE sync_state = 'pending' AND seq > ?2
                 ORDER BY seq LIMIT ?1
             ) ORDER BY seq"
        ))?;
        let mut pending = Vec::new();
        let mut rows = stmt.query([limit, after])?;
        while let Some(row) = rows.next()? {
            let seq: i64 = row.get(0)?;
            let response = read_header_from(row, 1)??;
            pending.push(PendingResponse { seq, response });
        }
        if pending.is_empty() {
            return Ok(pending);
        }
        let index: HashMap<String, usize> = pending
            .iter()
            .enumerate()
            .map(|(i, p)| (p.response.id.to_string(), i))
            .collect();
        let mut stmt = conn.prepare_cached(
            "SELECT a.response_id, a.question_id, a.option_code, a.text
             FROM answers a
             JOIN (SELECT id FROM responses WHERE sync_state = 'pending' AND seq > ?2
                   ORDER BY seq LIMIT ?1) p
               ON a.response_id = p.id
             ORDER BY a.response_id, a.rowid",
        )?;
        let mut rows = stmt.query([limit, after])?;
        while let Some(row) = rows.next()? {
            let id: String = row.get(0)?;
            let Some(&i) = index.get(&id) else { continue };
            let question: String = row.get(1)?;
            let code: Option<String> = row.get(2)?;
            let text: Option<String> = row.get(3)?;
            let answers = &mut pending[i].response.answers;
            if answers.last().is_none_or(|a| a.question != question) {
                answers.push(Answer {
                    question,
                    codes: Vec::new(),
                    text: None,
                });
            }
            if let Some(answer) = answers.last_mut() {
                answer.codes.extend(code);
                if text.is_some() {
                    answer.text = text;
                }
            }
        }
        Ok(pending)
    }

    /// Marks responses as the centre's reply says, all in one transaction,
    /// only those still pending (a response is never "unsent"). Returns how
    /// many rows changed.
    pub(crate) fn mark_synced(
        &mut self,
        marks: &[(String, Mark)],
        at: DateTime<Utc>,
    ) -> Result<usize, StoreError> {
        let tx = self
            .conn_mut()
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut changed = 0;
        {
            let mut sent = tx.prepare_cached(
                "UPDATE responses SET sync_state = 'sent', synced_at = ?2
                 WHERE id = ?1 AND sync_state = 'pending'",
            )?;
            let mut rejected = tx.prepare_cached(
                "UPDATE responses SET sync_state = 'rejected', synced_at = ?2, reject_reason = ?3
                 WHERE id = ?1 AND sync_state = 'pending'",
            )?;
            let at = timestamp(at);
            for (id, mark) in marks {
                changed += match mark {
                    Mark::Sent => sent.execute(params![id, at])?,
                    Mark::Rejected(reason) => rejected.execute(params![id, at, reason])?,
                };
            }
        }
        tx.commit()?;
        Ok(changed)
    }

    pub(crate) fn append_sync_log(&self, row: &SyncLogRow<'_>) -> Result<(), StoreError> {
        self.conn().execute(
            "INSERT INTO sync_log (started_at, finished_at, ok, sent, rejected, error,
                 server_time, clock_offset_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                timestamp(row.started_at),
                timestamp(row.finished_at),
                row.ok,
                row.sent,
                row.rejected,
                row.error,
                row.server_time.map(timestamp),
                row.clock_offset_ms,
            ],
        )?;
        Ok(())
    }

    /// When a sync last ended well.
    pub fn last_sync_success(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        let at: Option<String> = self
            .conn()
            .query_row(
                "SELECT finished_at FROM sync_log WHERE ok = 1 ORDER BY id DESC LIMIT 1",
                [],
                |r| r.get(0),
            )
            .optional()?;
        at.as_deref().map(parse_timestamp).transpose()
    }

    /// Why responses were rejected, newest first: `(id, reason)`.
    pub fn rejected_responses(&self, limit: u32) -> Result<Vec<(String, String)>, StoreError> {
        let mut stmt = self.conn().prepare(
            "SELECT id, COALESCE(reject_reason, '') FROM responses
             WHERE sync_state = 'rejected' ORDER BY seq DESC LIMIT ?1",
        )?;
        let rows = stmt.query_map([limit], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Deletes responses marked sent before `cutoff` (their answers cascade),
    /// and sync_log rows older than it. Pending and rejected responses are
    /// never touched, whatever their age.
    pub(crate) fn purge_sent_before(&mut self, cutoff: DateTime<Utc>) -> Result<usize, StoreError> {
        let tx = self
            .conn_mut()
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let cutoff = timestamp(cutoff);
        let purged = tx.execute(
            "DELETE FROM responses WHERE sync_state = 'sent' AND synced_at < ?1",
            [&cutoff],
        )?;
        tx.execute("DELETE FROM sync_log WHERE finished_at < ?1", [&cutoff])?;
        tx.commit()?;
        Ok(purged)
    }
}
