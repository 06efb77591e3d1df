//! SQLite side of [`AlertStore`].

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rusqlite::types::Value;
use rusqlite::{params, params_from_iter, TransactionBehavior};
use uuid::Uuid;

use super::{all_rows, day, parse_opt_ts, parse_ts, ts, SqliteStore};
use crate::error::StoreError;
use crate::store::alerts::{
    join_answers, AlertAction, AlertEvent, AlertFilter, AlertGroup, AlertRecord, AlertStore, Bind,
    CommentCursor, CommentQuery, CommentRecord, Cursor, Sql, ALERT_COLUMNS,
};
use crate::store::corrupt;

fn values(binds: Vec<Bind>) -> Vec<Value> {
    binds
        .into_iter()
        .map(|b| match b {
            Bind::Text(s) => Value::Text(s),
            Bind::Time(t) => Value::Text(ts(t)),
            Bind::Day(d) => Value::Text(d.format("%Y-%m-%d").to_string()),
            Bind::Id(id) => Value::Text(id.to_string()),
            // Lists are expanded into one placeholder each for SQLite.
            Bind::Texts(v) => Value::Text(v.join(",")),
        })
        .collect()
}

fn uuid(s: &str) -> Result<Uuid, StoreError> {
    Uuid::parse_str(s).map_err(corrupt)
}

fn alert_record(r: &rusqlite::Row<'_>) -> Result<AlertRecord, StoreError> {
    Ok(AlertRecord {
        id: uuid(&r.get::<_, String>(0)?)?,
        unit_clues: r.get(1)?,
        service_area: r.get(2)?,
        finished_at: parse_ts(&r.get::<_, String>(3)?)?,
        day: day(&r.get::<_, String>(4)?)?,
        reason: r.get(5)?,
        answers: r.get(6)?,
        comment: r.get(7)?,
        attended_at: parse_opt_ts(r.get(8)?)?,
        attended_by: r.get(9)?,
        note: r.get(10)?,
        assigned_to: r.get(11)?,
    })
}

fn query_alerts(c: &rusqlite::Connection, sql: Sql) -> Result<Vec<AlertRecord>, StoreError> {
    let mut st = c.prepare_cached(&sql.text)?;
    all_rows(&mut st, params_from_iter(values(sql.binds)), alert_record)
}

/// Rows of unit, reason, total, open and overdue.
fn query_groups(c: &rusqlite::Connection, sql: Sql) -> Result<Vec<AlertGroup>, StoreError> {
    let mut st = c.prepare_cached(&sql.text)?;
    all_rows(&mut st, params_from_iter(values(sql.binds)), |r| {
        Ok(AlertGroup {
            unit_clues: r.get(0)?,
            reason: r.get(1)?,
            total: r.get(2)?,
            open: r.get(3)?,
            overdue: r.get(4)?,
        })
    })
}

/// Stores the comments of a batch's new responses; inside its transaction.
pub(super) fn insert_comments(
    tx: &rusqlite::Connection,
    comments: &[CommentRecord],
) -> Result<(), StoreError> {
    let mut st = tx.prepare_cached(
        "INSERT INTO comments (response_id, question, unit_clues, service_area, finished_at,
            utc_offset_minutes, day, text) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT DO NOTHING",
    )?;
    for x in comments {
        st.execute(params![
            x.response_id.to_string(),
            x.question,
            x.unit_clues,
            x.service_area,
            ts(x.finished_at),
            x.utc_offset_minutes,
            x.day.format("%Y-%m-%d").to_string(),
            x.text,
        ])?;
    }
    Ok(())
}

#[async_trait]
impl AlertStore for SqliteStore {
    async fn page(
        &self,
        f: &AlertFilter,
        after: Option<Cursor>,
        limit: i64,
    ) -> Result<Vec<AlertRecord>, StoreError> {
        let sql = Sql::alert_page(f, after, limit, false);
        self.read(move |c| query_alerts(c, sql)).await
    }

    async fn exact_groups(&self, f: &AlertFilter) -> Result<Vec<AlertGroup>, StoreError> {
        let sql = Sql::alert_groups(f, false);
        self.read(move |c| query_groups(c, sql)).await
    }

    async fn kept_groups(&self, f: &AlertFilter) -> Result<Vec<AlertGroup>, StoreError> {
        let sql = Sql::kept_alert_groups(f, false);
        self.read(move |c| query_groups(c, sql)).await
    }

    async fn get(&self, id: Uuid) -> Result<Option<AlertRecord>, StoreError> {
        self.read(move |c| {
            let mut st = c.prepare_cached(&format!(
                "SELECT {ALERT_COLUMNS} FROM alerts WHERE response_id = ?1"
            ))?;
            let mut rows = st.query([id.to_string()])?;
            rows.next()?.map(alert_record).transpose()
        })
        .await
    }

    async fn get_many(&self, ids: &[Uuid]) -> Result<Vec<AlertRecord>, StoreError> {
        let ids: Vec<String> = ids.iter().map(Uuid::to_string).collect();
        self.read(move |c| {
            let mut out = Vec::with_capacity(ids.len());
            let mut st = c.prepare_cached(&format!(
                "SELECT {ALERT_COLUMNS} FROM alerts WHERE response_id = ?1"
            ))?;
            for id in &ids {
                out.extend(all_rows(&mut st, [id], alert_record)?);
            }
            Ok(out)
        })
        .await
    }

    async fn assign(
        &self,
        id: Uuid,
        to: Option<&str>,
        by: &str,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let (to, by) = (to.map(str::to_owned), by.to_owned());
        self.write(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let id = id.to_string();
            let n = tx.execute(
                "UPDATE alerts SET assigned_to = ?2
                 WHERE response_id = ?1 AND assigned_to IS NOT ?2",
                params![id, to],
            )?;
            if n == 1 {
                let action = AlertAction::of_assignment(to.as_deref());
                tx.execute(
                    "INSERT INTO alert_events (response_id, at, actor, action, detail)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![id, ts(at), by, action.as_str(), to],
                )?;
            }
            tx.commit()?;
            Ok(n == 1)
        })
        .await
    }

    async fn attend(
        &self,
        ids: &[Uuid],
        by: &str,
        note: &str,
        at: DateTime<Utc>,
    ) -> Result<Vec<Uuid>, StoreError> {
        let (ids, by, note) = (ids.to_vec(), by.to_owned(), note.to_owned());
        self.write(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let mut done = Vec::new();
            {
                let mut up = tx.prepare_cached(
                    "UPDATE alerts SET attended_at = ?2, attended_by = ?3, note = ?4
                     WHERE response_id = ?1 AND attended_at IS NULL",
                )?;
                let mut ev = tx.prepare_cached(
                    "INSERT INTO alert_events (response_id, at, actor, action, detail)
                     VALUES (?1, ?2, ?3, 'attended', ?4)",
                )?;
                for id in &ids {
                    let s = id.to_string();
                    if up.execute(params![s, ts(at), by, note])? == 1 {
                        ev.execute(params![s, ts(at), by, note])?;
                        done.push(*id);
                    }
                }
            }
            tx.commit()?;
            Ok(done)
        })
        .await
    }

    async fn history(&self, id: Uuid) -> Result<Vec<AlertEvent>, StoreError> {
        self.read(move |c| {
            let mut st = c.prepare_cached(
                "SELECT at, actor, action, detail FROM alert_events
                 WHERE response_id = ?1 ORDER BY id",
            )?;
            let rows = st.query_map([id.to_string()], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, Option<String>>(3)?,
                ))
            })?;
            let mut out = Vec::new();
            for r in rows {
                let (at, by, action, detail) = r?;
                out.push(AlertEvent {
                    at: parse_ts(&at)?,
                    by,
                    action: AlertAction::parse(&action)
                        .ok_or_else(|| corrupt(format!("alert event `{action}`")))?,
                    detail,
                });
            }
            Ok(out)
        })
        .await
    }

    async fn comments(
        &self,
        q: &CommentQuery,
        after: Option<CommentCursor>,
        limit: i64,
    ) -> Result<Vec<CommentRecord>, StoreError> {
        let sql = Sql::comment_page(q, after, limit, false);
        self.read(move |c| {
            let mut st = c.prepare_cached(&sql.text)?;
            let mut answers = c.prepare_cached(
                "SELECT question, code FROM answers
                 WHERE response_id = ?1 AND code IS NOT NULL ORDER BY rowid",
            )?;
            all_rows(&mut st, params_from_iter(values(sql.binds)), |r| {
                let id: String = r.get(0)?;
                let codes = answers
                    .query_map([&id], |r| Ok((r.get(0)?, r.get(1)?)))?
                    .collect::<Result<Vec<(String, String)>, _>>()?;
                Ok(CommentRecord {
                    response_id: uuid(&id)?,
                    question: r.get(1)?,
                    unit_clues: r.get(2)?,
                    service_area: r.get(3)?,
                    finished_at: parse_ts(&r.get::<_, String>(4)?)?,
                    utc_offset_minutes: r.get(5)?,
                    day: day(&r.get::<_, String>(6)?)?,
                    text: r.get(7)?,
                    answers: join_answers(codes),
                })
            })
        })
        .await
    }

    async fn count_comments(&self, q: &CommentQuery) -> Result<i64, StoreError> {
        let sql = Sql::comment_count(q, false);
        self.read(move |c| {
            Ok(c.prepare_cached(&sql.text)?
                .query_row(params_from_iter(values(sql.binds)), |r| r.get(0))?)
        })
        .await
    }
}
