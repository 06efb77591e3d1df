//! The SQL of one batch: its responses (insert, or tell a duplicate from a
//! conflict), their answer rows, the dashboard's rollup and the kiosk's last
//! contact. Runs inside a savepoint of the group commit.

use rusqlite::{params, Connection};

use super::{alerts, dash, ts};
use crate::error::StoreError;
use crate::store::dash::Rollup;
use crate::store::{BatchMeta, InsertOutcome, PreparedResponse};

/// Stores a batch on `tx` (a transaction or savepoint the caller commits):
/// one outcome per item, in order.
pub(super) fn apply_batch(
    tx: &Connection,
    meta: &BatchMeta,
    items: &[PreparedResponse],
) -> Result<Vec<InsertOutcome>, StoreError> {
    let mut out = Vec::with_capacity(items.len());
    let mut answers = Vec::new();
    let mut rollup = Rollup::default();
    let mut fresh = Vec::new();
    // Once per batch, not per response: the statement and the batch's times.
    let mut insert = tx.prepare_cached(INSERT_RESPONSE)?;
    let (sent_at, received_at) = (ts(meta.sent_at), ts(meta.received_at));
    for item in items {
        let r = &item.response;
        let id = r.id.to_string();
        let inserted = insert.execute(params![
            id,
            item.content_hash,
            r.survey_id,
            r.survey_version,
            r.unit_clues,
            r.unit_name,
            r.service_area,
            r.kiosk_id,
            r.language,
            r.status.as_str(),
            r.flag_reason.map(|f| f.as_str()),
            ts(r.started_at),
            ts(r.finished_at),
            r.utc_offset_minutes,
            item.seq,
            sent_at,
            received_at,
            meta.clock_offset_ms,
            meta.clock_skewed,
            item.canonical_json,
            item.clock_raw.is_some(),
            item.clock_raw,
        ])? == 1;
        if inserted {
            rollup.add(&item.response, Some(&*item.survey));
            fresh.push(&item.response);
            for a in &item.response.answers {
                for code in &a.codes {
                    answers.push((id.clone(), a.question.as_str(), Some(code.as_str()), None));
                }
                if let Some(text) = &a.text {
                    answers.push((id.clone(), a.question.as_str(), None, Some(text.as_str())));
                }
            }
            out.push(InsertOutcome::Stored);
            continue;
        }
        let stored: String = tx
            .prepare_cached("SELECT content_hash FROM responses WHERE id = ?1")?
            .query_row([&id], |r| r.get(0))?;
        out.push(if stored == item.content_hash {
            InsertOutcome::Duplicate
        } else {
            InsertOutcome::Conflict
        });
    }
    drop(insert);
    insert_answers(tx, &answers)?;
    dash::write_rollup(tx, &rollup)?;
    alerts::insert_comments(tx, &crate::store::alerts::new_comments(fresh))?;
    // Every new alert into the mail outbox, in this same transaction.
    let mut outbox = tx.prepare_cached(
        "INSERT INTO mail_outbox (alert_id, unit_clues, urgent, queued_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (alert_id) DO NOTHING",
    )?;
    for (alert_id, unit, urgent) in crate::store::mail::outbox_rows(&rollup, items) {
        outbox.execute(params![
            alert_id.to_string(),
            unit,
            urgent,
            ts(meta.received_at)
        ])?;
    }
    let (survey_id, survey_version) = meta.report.survey.clone().unzip();
    tx.prepare_cached(
        "UPDATE kiosks SET last_seen_at = ?2, last_clock_offset_ms = ?3, last_backlog = ?4,
            last_survey_id = COALESCE(?5, last_survey_id),
            last_survey_version = COALESCE(?6, last_survey_version),
            last_utc_offset_minutes = COALESCE(?7, last_utc_offset_minutes)
         WHERE id = ?1",
    )?
    .execute(params![
        meta.kiosk_id,
        ts(meta.received_at),
        meta.clock_offset_ms,
        meta.report.backlog,
        survey_id,
        survey_version,
        meta.report.utc_offset_minutes,
    ])?;
    Ok(out)
}

/// Inserts a response row unless its id is already stored; true if new.
/// Insert first and look only on a clash: new responses, the common case,
/// cost one statement instead of two.
const INSERT_RESPONSE: &str = "INSERT INTO responses (id, content_hash, survey_id,
        survey_version, unit_clues, unit_name, service_area, kiosk_id, language, status,
        flag_reason, started_at, finished_at, utc_offset_minutes, seq, kiosk_sent_at,
        received_at, clock_offset_ms, clock_skewed, canonical_json, clock_suspect, clock_raw)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18,
        ?19, ?20, ?21, ?22)
     ON CONFLICT (id) DO NOTHING";

/// Rows per multi-row answers INSERT (4 parameters each, far below SQLite's
/// 32,766-parameter limit).
const ANSWER_CHUNK: usize = 256;

/// Inserts answer rows many per statement: per-statement overhead, not
/// SQLite's B-tree work, dominates single-row inserts.
fn insert_answers(
    tx: &Connection,
    rows: &[(String, &str, Option<&str>, Option<&str>)],
) -> Result<(), StoreError> {
    for chunk in rows.chunks(ANSWER_CHUNK) {
        let mut sql =
            String::from("INSERT INTO answers (response_id, question, code, text) VALUES ");
        for k in 0..chunk.len() {
            if k > 0 {
                sql.push(',');
            }
            sql.push_str("(?,?,?,?)");
        }
        // Full chunks share one cached statement; only the last differs.
        let mut st = tx.prepare_cached(&sql)?;
        let mut params: Vec<&dyn rusqlite::ToSql> = Vec::with_capacity(chunk.len() * 4);
        for (id, q, code, text) in chunk {
            params.push(id);
            params.push(q);
            params.push(code);
            params.push(text);
        }
        st.execute(params.as_slice())?;
    }
    Ok(())
}
