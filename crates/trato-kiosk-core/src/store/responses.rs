//! Responses and their answers: one transaction per response, so a response is
//! either stored whole or not at all.

use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension, Row, TransactionBehavior};
use serde::Serialize;
use trato_domain::{Answer, FlagReason, Response, ResponseStatus};
use uuid::Uuid;

use super::{parse_timestamp, timestamp, Store, StoreError};

/// Outcome of [`Store::insert_response`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Inserted {
    /// Newly stored, with the kiosk's sequence number.
    New { seq: i64 },
    /// A response with this id was already stored (a repeated submit); nothing changed.
    AlreadyStored,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ResponseCounts {
    pub total: i64,
    pub complete: i64,
    pub abandoned: i64,
    pub flagged: i64,
    pub pending: i64,
    pub sent: i64,
    pub rejected: i64,
}

impl Store {
    /// Stores a response and its answers durably. Idempotent on the response id.
    pub fn insert_response(&mut self, response: &Response) -> Result<Inserted, StoreError> {
        // IMMEDIATE: the write lock is taken (waiting up to the busy timeout)
        // before the first read, so the sync task's connection committing in
        // between can never make this commit fail with a stale snapshot.
        let tx = self
            .conn_mut()
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let inserted = insert_in(&tx, response)?;
        if let Inserted::New { .. } = inserted {
            tx.commit()?;
            self.committed();
        }
        Ok(inserted)
    }

    /// Many responses in one transaction (test fixtures and benchmarks: one
    /// fsync instead of one per response). Same rules as `insert_response`.
    #[doc(hidden)]
    pub fn insert_responses_in_one_transaction(
        &mut self,
        responses: &[Response],
    ) -> Result<usize, StoreError> {
        let tx = self
            .conn_mut()
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut new = 0;
        for response in responses {
            if let Inserted::New { .. } = insert_in(&tx, response)? {
                new += 1;
            }
        }
        tx.commit()?;
        self.committed();
        Ok(new)
    }

    /// Reads one response back with its answers, in the order they were stored.
    pub fn response(&self, id: Uuid) -> Result<Option<Response>, StoreError> {
        let id = id.to_string();
        let header = self
            .conn()
            .prepare_cached(&format!(
                "SELECT {RESPONSE_COLUMNS} FROM responses WHERE id = ?1"
            ))?
            .query_row([&id], read_header)
            .optional()?;
        let Some(header) = header else {
            return Ok(None);
        };
        let mut response = header?;
        response.answers = self.answers_of(&id)?;
        Ok(Some(response))
    }

    fn answers_of(&self, id: &str) -> Result<Vec<Answer>, StoreError> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT question_id, option_code, text FROM answers
             WHERE response_id = ?1 ORDER BY rowid",
        )?;
        let mut answers: Vec<Answer> = Vec::new();
        let mut rows = stmt.query([id])?;
        while let Some(row) = rows.next()? {
            let question: String = row.get(0)?;
            let code: Option<String> = row.get(1)?;
            let text: Option<String> = row.get(2)?;
            let answer = match answers.last_mut() {
                Some(last) if last.question == question => last,
                _ => {
                    answers.push(Answer {
                        question,
                        codes: Vec::new(),
                        text: None,
                    });
                    answers.last_mut().expect("just pushed")
                }
            };
            answer.codes.extend(code);
            if text.is_some() {
                answer.text = text;
            }
        }
        Ok(answers)
    }

    /// When the most recent complete (or flagged) response finished: the
    /// anti-stuffing interval is measured from it, across restarts.
    pub fn last_completed_at(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        // Newest first along the finished_at index, stopping at the first
        // match: MAX() with a WHERE clause would read every response.
        let last: Option<String> = self
            .conn()
            .prepare_cached(
                "SELECT finished_at FROM responses WHERE status IN ('complete', 'flagged')
                 ORDER BY finished_at DESC LIMIT 1",
            )?
            .query_row([], |r| r.get::<_, Option<String>>(0))
            .optional()?
            .flatten();
        last.as_deref().map(parse_timestamp).transpose()
    }

    pub fn response_counts(&self) -> Result<ResponseCounts, StoreError> {
        Ok(self.conn().query_row(
            "SELECT COUNT(*),
                    COALESCE(SUM(status = 'complete'), 0),
                    COALESCE(SUM(status = 'abandoned'), 0),
                    COALESCE(SUM(status = 'flagged'), 0),
                    COALESCE(SUM(sync_state = 'pending'), 0),
                    COALESCE(SUM(sync_state = 'sent'), 0),
                    COALESCE(SUM(sync_state = 'rejected'), 0)
             FROM responses",
            [],
            |r| {
                Ok(ResponseCounts {
                    total: r.get(0)?,
                    complete: r.get(1)?,
                    abandoned: r.get(2)?,
                    flagged: r.get(3)?,
                    pending: r.get(4)?,
                    sent: r.get(5)?,
                    rejected: r.get(6)?,
                })
            },
        )?)
    }
}

pub(super) const RESPONSE_COLUMNS: &str =
    "id, survey_id, survey_version, unit_clues, unit_name, service_area,
     kiosk_id, language, started_at, finished_at, utc_offset_minutes, status, flag_reason";

/// Maps a row of [`RESPONSE_COLUMNS`]; the outer error is SQLite's, the inner
/// one a stored value this build cannot read.
fn read_header(row: &Row<'_>) -> rusqlite::Result<Result<Response, StoreError>> {
    read_header_from(row, 0)
}

/// As [`read_header`] for a row whose [`RESPONSE_COLUMNS`] start at `base`.
pub(super) fn read_header_from(
    row: &Row<'_>,
    base: usize,
) -> rusqlite::Result<Result<Response, StoreError>> {
    let id: String = row.get(base)?;
    let started: String = row.get(base + 8)?;
    let finished: String = row.get(base + 9)?;
    let status: String = row.get(base + 11)?;
    let flag: Option<String> = row.get(base + 12)?;
    let mut response = Response {
        id: Uuid::nil(),
        survey_id: row.get(base + 1)?,
        survey_version: row.get(base + 2)?,
        unit_clues: row.get(base + 3)?,
        unit_name: row.get(base + 4)?,
        service_area: row.get(base + 5)?,
        kiosk_id: row.get(base + 6)?,
        language: row.get(base + 7)?,
        started_at: DateTime::<Utc>::MIN_UTC,
        finished_at: DateTime::<Utc>::MIN_UTC,
        utc_offset_minutes: row.get(base + 10)?,
        status: ResponseStatus::Complete,
        flag_reason: None,
        answers: Vec::new(),
    };
    Ok((|| {
        response.id = Uuid::parse_str(&id).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        response.started_at = parse_timestamp(&started)?;
        response.finished_at = parse_timestamp(&finished)?;
        response.status = ResponseStatus::parse(&status)
            .ok_or_else(|| StoreError::Corrupt(format!("unknown status {status:?}")))?;
        response.flag_reason = match flag {
            None => None,
            Some(f) => Some(
                FlagReason::parse(&f)
                    .ok_or_else(|| StoreError::Corrupt(format!("unknown flag {f:?}")))?,
            ),
        };
        Ok(response)
    })())
}

/// Inserts one response and its answers inside the caller's transaction.
fn insert_in(tx: &rusqlite::Transaction<'_>, response: &Response) -> Result<Inserted, StoreError> {
    // Statements are cached on the connection: a patient's submit runs these
    // same few every time, and compiling them again cost more than the inserts.
    let id = response.id.to_string();
    let exists: bool = tx
        .prepare_cached("SELECT 1 FROM responses WHERE id = ?1")?
        .query_row([&id], |_| Ok(()))
        .optional()?
        .is_some();
    if exists {
        return Ok(Inserted::AlreadyStored);
    }
    let known_survey = tx
        .prepare_cached("SELECT 1 FROM surveys WHERE id = ?1 AND version = ?2")?
        .query_row((&response.survey_id, response.survey_version), |_| Ok(()))
        .optional()?
        .is_some();
    if !known_survey {
        return Err(StoreError::UnknownSurvey {
            id: response.survey_id.clone(),
            version: response.survey_version,
        });
    }
    let seq: i64 = tx
        .prepare_cached("SELECT COALESCE(MAX(seq), 0) + 1 FROM responses")?
        .query_row([], |r| r.get(0))?;
    tx.prepare_cached(
        "INSERT INTO responses (id, seq, survey_id, survey_version, unit_clues, unit_name,
             service_area, kiosk_id, language, started_at, finished_at, utc_offset_minutes,
             status, flag_reason)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
    )?
    .execute(params![
        id,
        seq,
        response.survey_id,
        response.survey_version,
        response.unit_clues,
        response.unit_name,
        response.service_area,
        response.kiosk_id,
        response.language,
        timestamp(response.started_at),
        timestamp(response.finished_at),
        response.utc_offset_minutes,
        response.status.as_str(),
        response.flag_reason.map(FlagReason::as_str),
    ])?;
    {
        let mut stmt = tx.prepare_cached(
            "INSERT INTO answers (response_id, question_id, position, option_code, text)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        for answer in &response.answers {
            for (position, code) in (0_i64..).zip(&answer.codes) {
                stmt.execute(params![id, answer.question, position, code, None::<String>])?;
            }
            if let Some(text) = &answer.text {
                let position = answer.codes.len() as i64;
                stmt.execute(params![id, answer.question, position, None::<String>, text])?;
            }
        }
    }
    Ok(Inserted::New { seq })
}
