//! PostgreSQL side of [`AlertStore`].

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use tokio_postgres::types::ToSql;
use uuid::Uuid;

use super::PostgresStore;
use crate::error::StoreError;
use crate::store::alerts::{
    join_answers, AlertAction, AlertEvent, AlertFilter, AlertGroup, AlertRecord, AlertStore, Bind,
    CommentCursor, CommentQuery, CommentRecord, Cursor, Sql, ALERT_COLUMNS,
};
use crate::store::corrupt;

type Param = Box<dyn ToSql + Sync + Send>;

fn params(binds: Vec<Bind>) -> Vec<Param> {
    binds
        .into_iter()
        .map(|b| -> Param {
            match b {
                Bind::Text(s) => Box::new(s),
                Bind::Texts(v) => Box::new(v),
                Bind::Time(t) => Box::new(t),
                Bind::Day(d) => Box::new(d),
                Bind::Id(id) => Box::new(id),
            }
        })
        .collect()
}

fn refs(p: &[Param]) -> Vec<&(dyn ToSql + Sync)> {
    p.iter().map(|b| &**b as &(dyn ToSql + Sync)).collect()
}

fn alert_record(r: &tokio_postgres::Row) -> Result<AlertRecord, StoreError> {
    Ok(AlertRecord {
        id: r.try_get(0)?,
        unit_clues: r.try_get(1)?,
        service_area: r.try_get(2)?,
        finished_at: r.try_get(3)?,
        day: r.try_get(4)?,
        reason: r.try_get(5)?,
        answers: r.try_get(6)?,
        comment: r.try_get(7)?,
        attended_at: r.try_get(8)?,
        attended_by: r.try_get(9)?,
        note: r.try_get(10)?,
        assigned_to: r.try_get(11)?,
    })
}

/// Stores the comments of a batch's new responses; inside its transaction.
pub(super) async fn insert_comments(
    tx: &deadpool_postgres::Transaction<'_>,
    comments: &[CommentRecord],
) -> Result<(), StoreError> {
    if comments.is_empty() {
        return Ok(());
    }
    let ids: Vec<Uuid> = comments.iter().map(|x| x.response_id).collect();
    let questions: Vec<&str> = comments.iter().map(|x| x.question.as_str()).collect();
    let units: Vec<&str> = comments.iter().map(|x| x.unit_clues.as_str()).collect();
    let areas: Vec<&str> = comments.iter().map(|x| x.service_area.as_str()).collect();
    let finished: Vec<DateTime<Utc>> = comments.iter().map(|x| x.finished_at).collect();
    let offsets: Vec<i32> = comments.iter().map(|x| x.utc_offset_minutes).collect();
    let days: Vec<NaiveDate> = comments.iter().map(|x| x.day).collect();
    let texts: Vec<&str> = comments.iter().map(|x| x.text.as_str()).collect();
    tx.execute(
        "INSERT INTO comments (response_id, question, unit_clues, service_area, finished_at,
            utc_offset_minutes, day, text)
         SELECT * FROM UNNEST($1::uuid[], $2::text[], $3::text[], $4::text[],
            $5::timestamptz[], $6::int4[], $7::date[], $8::text[])
         ON CONFLICT DO NOTHING",
        &[
            &ids, &questions, &units, &areas, &finished, &offsets, &days, &texts,
        ],
    )
    .await?;
    Ok(())
}

impl PostgresStore {
    async fn query_sql(&self, sql: Sql) -> Result<Vec<tokio_postgres::Row>, StoreError> {
        let c = self.pool.get().await?;
        let p = params(sql.binds);
        Ok(c.query(&sql.text, &refs(&p)).await?)
    }

    /// Rows of unit, reason, total, open and overdue.
    async fn query_groups(&self, sql: Sql) -> Result<Vec<AlertGroup>, StoreError> {
        let rows = self.query_sql(sql).await?;
        rows.iter()
            .map(|r| {
                Ok(AlertGroup {
                    unit_clues: r.try_get(0)?,
                    reason: r.try_get(1)?,
                    total: r.try_get(2)?,
                    open: r.try_get(3)?,
                    overdue: r.try_get(4)?,
                })
            })
            .collect()
    }
}

#[async_trait]
impl AlertStore for PostgresStore {
    async fn page(
        &self,
        f: &AlertFilter,
        after: Option<Cursor>,
        limit: i64,
    ) -> Result<Vec<AlertRecord>, StoreError> {
        let rows = self
            .query_sql(Sql::alert_page(f, after, limit, true))
            .await?;
        rows.iter().map(alert_record).collect()
    }

    async fn exact_groups(&self, f: &AlertFilter) -> Result<Vec<AlertGroup>, StoreError> {
        self.query_groups(Sql::alert_groups(f, true)).await
    }

    async fn kept_groups(&self, f: &AlertFilter) -> Result<Vec<AlertGroup>, StoreError> {
        self.query_groups(Sql::kept_alert_groups(f, true)).await
    }

    async fn get(&self, id: Uuid) -> Result<Option<AlertRecord>, StoreError> {
        let c = self.pool.get().await?;
        c.query_opt(
            &format!("SELECT {ALERT_COLUMNS} FROM alerts WHERE response_id = $1"),
            &[&id],
        )
        .await?
        .as_ref()
        .map(alert_record)
        .transpose()
    }

    async fn get_many(&self, ids: &[Uuid]) -> Result<Vec<AlertRecord>, StoreError> {
        let c = self.pool.get().await?;
        let ids = ids.to_vec();
        c.query(
            &format!("SELECT {ALERT_COLUMNS} FROM alerts WHERE response_id = ANY($1)"),
            &[&ids],
        )
        .await?
        .iter()
        .map(alert_record)
        .collect()
    }

    async fn assign(
        &self,
        id: Uuid,
        to: Option<&str>,
        by: &str,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut c = self.pool.get().await?;
        let tx = c.transaction().await?;
        let n = tx
            .execute(
                "UPDATE alerts SET assigned_to = $2
                 WHERE response_id = $1 AND assigned_to IS DISTINCT FROM $2",
                &[&id, &to],
            )
            .await?;
        if n == 1 {
            let action = AlertAction::of_assignment(to);
            tx.execute(
                "INSERT INTO alert_events (response_id, at, actor, action, detail)
                 VALUES ($1, $2, $3, $4, $5)",
                &[&id, &at, &by, &action.as_str(), &to],
            )
            .await?;
        }
        tx.commit().await?;
        Ok(n == 1)
    }

    async fn attend(
        &self,
        ids: &[Uuid],
        by: &str,
        note: &str,
        at: DateTime<Utc>,
    ) -> Result<Vec<Uuid>, StoreError> {
        let mut c = self.pool.get().await?;
        let tx = c.transaction().await?;
        let ids = ids.to_vec();
        // The kept counts these alerts move, locked in key order as ingest
        // locks them, so an attend and a batch never wait on each other.
        tx.execute(
            "SELECT 1 FROM alert_counts c
             WHERE (c.day, c.unit_clues, c.service_area, c.reason) IN (
                 SELECT day, unit_clues, service_area, reason FROM alerts
                 WHERE response_id = ANY($1) AND attended_at IS NULL)
             ORDER BY c.day, c.unit_clues, c.service_area, c.reason
             FOR UPDATE",
            &[&ids],
        )
        .await?;
        let rows = tx
            .query(
                "UPDATE alerts SET attended_at = $2, attended_by = $3, note = $4
                 WHERE response_id = ANY($1) AND attended_at IS NULL
                 RETURNING response_id",
                &[&ids, &at, &by, &note],
            )
            .await?;
        let done: Vec<Uuid> = rows
            .iter()
            .map(|r| r.try_get(0))
            .collect::<Result<_, _>>()?;
        tx.execute(
            "INSERT INTO alert_events (response_id, at, actor, action, detail)
             SELECT id, $2, $3, 'attended', $4 FROM UNNEST($1::uuid[]) AS id",
            &[&done, &at, &by, &note],
        )
        .await?;
        tx.commit().await?;
        Ok(done)
    }

    async fn history(&self, id: Uuid) -> Result<Vec<AlertEvent>, StoreError> {
        let c = self.pool.get().await?;
        c.query(
            "SELECT at, actor, action, detail FROM alert_events
             WHERE response_id = $1 ORDER BY id",
            &[&id],
        )
        .await?
        .iter()
        .map(|r| {
            let action: String = r.try_get(2)?;
            Ok(AlertEvent {
                at: r.try_get(0)?,
                by: r.try_get(1)?,
                action: AlertAction::parse(&action)
                    .ok_or_else(|| corrupt(format!("alert event `{action}`")))?,
                detail: r.try_get(3)?,
            })
        })
        .collect()
    }

    async fn comments(
        &self,
        q: &CommentQuery,
        after: Option<CommentCursor>,
        limit: i64,
    ) -> Result<Vec<CommentRecord>, StoreError> {
        let rows = self
            .query_sql(Sql::comment_page(q, after, limit, true))
            .await?;
        let ids: Vec<Uuid> = rows
            .iter()
            .map(|r| r.try_get(0))
            .collect::<Result<_, _>>()?;
        let c = self.pool.get().await?;
        let answer_rows = c
            .query(
                "SELECT response_id, question, code FROM answers
                 WHERE response_id = ANY($1) AND code IS NOT NULL ORDER BY ctid",
                &[&ids],
            )
            .await?;
        let mut codes: std::collections::HashMap<Uuid, Vec<(String, String)>> =
            std::collections::HashMap::new();
        for r in &answer_rows {
            codes
                .entry(r.try_get(0)?)
                .or_default()
                .push((r.try_get(1)?, r.try_get(2)?));
        }
        rows.iter()
            .map(|r| {
                let id: Uuid = r.try_get(0)?;
                Ok(CommentRecord {
                    response_id: id,
                    question: r.try_get(1)?,
                    unit_clues: r.try_get(2)?,
                    service_area: r.try_get(3)?,
                    finished_at: r.try_get(4)?,
                    utc_offset_minutes: r.try_get(5)?,
                    day: r.try_get(6)?,
                    text: r.try_get(7)?,
                    answers: join_answers(codes.get(&id).cloned().unwrap_or_default()),
                })
            })
            .collect()
    }

    async fn count_comments(&self, q: &CommentQuery) -> Result<i64, StoreError> {
        let rows = self.query_sql(Sql::comment_count(q, true)).await?;
        Ok(rows.first().map(|r| r.try_get(0)).transpose()?.unwrap_or(0))
    }
}
