//! PostgreSQL side of [`DashStore`].

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use tokio_postgres::types::ToSql;
use uuid::Uuid;

use super::PostgresStore;
use crate::error::StoreError;
use crate::store::dash::{
    AccountRecord, AlertQuery, AlertRecord, AlertStatus, Counts, DashStore, FigureQuery,
    FigureRows, NewAccount, Rollup, Unit,
};

/// Writes a batch's figures and alerts; called inside the ingest transaction.
pub(super) async fn write_rollup(
    tx: &deadpool_postgres::Transaction<'_>,
    rollup: &Rollup,
) -> Result<(), StoreError> {
    if rollup.is_empty() {
        return Ok(());
    }
    if !rollup.figures.is_empty() {
        let n = rollup.figures.len();
        let mut days: Vec<NaiveDate> = Vec::with_capacity(n);
        let mut units: Vec<&str> = Vec::with_capacity(n);
        let mut areas: Vec<&str> = Vec::with_capacity(n);
        let mut cols: Vec<Vec<i32>> = (0..13).map(|_| Vec::with_capacity(n)).collect();
        for ((d, u, a), c) in &rollup.figures {
            days.push(*d);
            units.push(u);
            areas.push(a);
            for (i, x) in c.to_array().into_iter().enumerate() {
                cols[i].push(i32::try_from(x).unwrap_or(i32::MAX));
            }
        }
        let mut p: Vec<&(dyn ToSql + Sync)> = vec![&days, &units, &areas];
        for c in &cols {
            p.push(c);
        }
        // Rows come sorted (BTreeMap), so concurrent batches lock in one order.
        tx.execute(
            &format!(
                "INSERT INTO daily_figures (day, unit_clues, service_area, {cols})
                 SELECT * FROM UNNEST($1::date[], $2::text[], $3::text[], $4::int4[], $5::int4[],
                    $6::int4[], $7::int4[], $8::int4[], $9::int4[], $10::int4[], $11::int4[],
                    $12::int4[], $13::int4[], $14::int4[], $15::int4[], $16::int4[])
                 ON CONFLICT (day, unit_clues, service_area) DO UPDATE SET
                   responses = daily_figures.responses + excluded.responses,
                   trato_n = daily_figures.trato_n + excluded.trato_n,
                   trato_pos = daily_figures.trato_pos + excluded.trato_pos,
                   trato_neg = daily_figures.trato_neg + excluded.trato_neg,
                   saludo_n = daily_figures.saludo_n + excluded.saludo_n,
                   saludo_si = daily_figures.saludo_si + excluded.saludo_si,
                   escucha_n = daily_figures.escucha_n + excluded.escucha_n,
                   escucha_si = daily_figures.escucha_si + excluded.escucha_si,
                   respuesta_n = daily_figures.respuesta_n + excluded.respuesta_n,
                   respuesta_si = daily_figures.respuesta_si + excluded.respuesta_si,
                   respeto_n = daily_figures.respeto_n + excluded.respeto_n,
                   respeto_no = daily_figures.respeto_no + excluded.respeto_no,
                   alerts = daily_figures.alerts + excluded.alerts",
                cols = Counts::COLUMNS
            ),
            &p,
        )
        .await?;
        tx.execute(
            "INSERT INTO service_areas (unit_clues, service_area)
             SELECT DISTINCT * FROM UNNEST($1::text[], $2::text[])
             ON CONFLICT DO NOTHING",
            &[&units, &areas],
        )
        .await?;
    }
    for x in &rollup.alerts {
        tx.execute(
            "INSERT INTO alerts (response_id, unit_clues, service_area, finished_at, day, reason,
                answers, comment) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
             ON CONFLICT DO NOTHING",
            &[
                &x.id,
                &x.unit_clues,
                &x.service_area,
                &x.finished_at,
                &x.day,
                &x.reason,
                &x.answers,
                &x.comment,
            ],
        )
        .await?;
    }
    Ok(())
}

fn counts_at(r: &tokio_postgres::Row, first: usize) -> Result<Counts, StoreError> {
    let mut a = [0i64; 13];
    for (i, x) in a.iter_mut().enumerate() {
        *x = r.try_get::<_, Option<i64>>(first + i)?.unwrap_or(0);
    }
    Ok(Counts::from_array(a))
}

/// ` AND unit_clues = ANY($k)` / ` AND service_area = $k`, appended to `p`.
fn filters<'a>(
    units: &'a Option<Vec<String>>,
    area: &'a Option<String>,
    p: &mut Vec<&'a (dyn ToSql + Sync)>,
) -> String {
    let mut sql = String::new();
    if let Some(u) = units {
        p.push(u);
        sql.push_str(&format!(" AND unit_clues = ANY(${})", p.len()));
    }
    if let Some(a) = area {
        p.push(a);
        sql.push_str(&format!(" AND service_area = ${}", p.len()));
    }
    sql
}

const ALERT_COLUMNS: &str = "response_id, unit_clues, service_area, finished_at, day, reason, \
    answers, comment, attended_at, attended_by, note";

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
    })
}

fn account(r: &tokio_postgres::Row) -> Result<AccountRecord, StoreError> {
    Ok(AccountRecord {
        id: r.try_get(0)?,
        name: r.try_get(1)?,
        role: r.try_get(2)?,
        scope: r.try_get(3)?,
        password_hash: r.try_get(4)?,
        disabled: r.try_get(5)?,
    })
}

#[async_trait]
impl DashStore for PostgresStore {
    async fn load_units(&self, units: Vec<Unit>, at: DateTime<Utc>) -> Result<usize, StoreError> {
        let mut c = self.pool.get().await?;
        let tx = c.transaction().await?;
        for u in &units {
            tx.execute(
                "INSERT INTO units (clues, name, parent_kind, parent, state, loaded_at)
                 VALUES ($1, $2, $3, $4, $5, $6)
                 ON CONFLICT (clues) DO UPDATE SET name = excluded.name,
                   parent_kind = excluded.parent_kind, parent = excluded.parent,
                   state = excluded.state, loaded_at = excluded.loaded_at",
                &[&u.clues, &u.name, &u.parent_kind, &u.parent, &u.state, &at],
            )
            .await?;
        }
        tx.commit().await?;
        Ok(units.len())
    }

    async fn units(&self) -> Result<Vec<Unit>, StoreError> {
        let c = self.pool.get().await?;
        let rows = c
            .query(
                "SELECT clues, name, parent_kind, parent, state FROM units ORDER BY clues",
                &[],
            )
            .await?;
        rows.iter()
            .map(|r| {
                Ok(Unit {
                    clues: r.try_get(0)?,
                    name: r.try_get(1)?,
                    parent_kind: r.try_get(2)?,
                    parent: r.try_get(3)?,
                    state: r.try_get(4)?,
                })
            })
            .collect()
    }

    async fn add_account(&self, a: NewAccount) -> Result<bool, StoreError> {
        let c = self.pool.get().await?;
        let n = c
            .execute(
                "INSERT INTO accounts (id, name, role, scope, password_hash, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (name) DO NOTHING",
                &[
                    &a.id,
                    &a.name,
                    &a.role,
                    &a.scope,
                    &a.password_hash,
                    &a.created_at,
                ],
            )
            .await?;
        Ok(n == 1)
    }

    async fn account_by_name(&self, name: &str) -> Result<Option<AccountRecord>, StoreError> {
        let c = self.pool.get().await?;
        c.query_opt(
            "SELECT id, name, role, scope, password_hash, disabled_at IS NOT NULL
             FROM accounts WHERE name = $1",
            &[&name],
        )
        .await?
        .as_ref()
        .map(account)
        .transpose()
    }

    async fn list_accounts(&self) -> Result<Vec<AccountRecord>, StoreError> {
        let c = self.pool.get().await?;
        c.query(
            "SELECT id, name, role, scope, '', disabled_at IS NOT NULL
             FROM accounts ORDER BY name",
            &[],
        )
        .await?
        .iter()
        .map(account)
        .collect()
    }

    async fn figures(&self, q: &FigureQuery) -> Result<FigureRows, StoreError> {
        let c = self.pool.get().await?;
        let mut p: Vec<&(dyn ToSql + Sync)> = vec![&q.from, &q.to];
        let f = filters(&q.units, &q.area, &mut p);
        let rows = c
            .query(
                &format!(
                    "SELECT day, unit_clues, {sums} FROM daily_figures
                     WHERE day BETWEEN $1 AND $2{f} GROUP BY day, unit_clues",
                    sums = Counts::SUMS
                ),
                &p,
            )
            .await?;
        let mut out = FigureRows::default();
        for r in &rows {
            out.rows
                .push((r.try_get(0)?, r.try_get(1)?, counts_at(r, 2)?));
        }
        Ok(out)
    }

    async fn figures_by_area(&self, q: &FigureQuery) -> Result<Vec<(String, Counts)>, StoreError> {
        let c = self.pool.get().await?;
        let mut p: Vec<&(dyn ToSql + Sync)> = vec![&q.from, &q.to];
        let f = filters(&q.units, &None, &mut p);
        let rows = c
            .query(
                &format!(
                    "SELECT service_area, {sums} FROM daily_figures
                     WHERE day BETWEEN $1 AND $2{f} GROUP BY service_area ORDER BY service_area",
                    sums = Counts::SUMS
                ),
                &p,
            )
            .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, counts_at(r, 1)?)))
            .collect()
    }

    async fn service_areas(&self, units: Option<&[String]>) -> Result<Vec<String>, StoreError> {
        let c = self.pool.get().await?;
        let units = units.map(<[String]>::to_vec);
        let mut p: Vec<&(dyn ToSql + Sync)> = vec![];
        let f = filters(&units, &None, &mut p);
        let rows = c
            .query(
                &format!(
                    "SELECT DISTINCT service_area FROM service_areas WHERE TRUE{f}
                     ORDER BY service_area"
                ),
                &p,
            )
            .await?;
        rows.iter().map(|r| Ok(r.try_get(0)?)).collect()
    }

    async fn alerts(&self, q: &AlertQuery) -> Result<Vec<AlertRecord>, StoreError> {
        let c = self.pool.get().await?;
        let mut p: Vec<&(dyn ToSql + Sync)> = vec![&q.from, &q.to];
        let f = filters(&q.units, &q.area, &mut p);
        let status = match q.status {
            AlertStatus::Open => " AND attended_at IS NULL",
            AlertStatus::Attended => " AND attended_at IS NOT NULL",
            AlertStatus::All => "",
        };
        let rows = c
            .query(
                &format!(
                    "SELECT {ALERT_COLUMNS} FROM alerts WHERE day BETWEEN $1 AND $2{f}{status}
                     ORDER BY finished_at DESC, response_id LIMIT {}",
                    q.limit.max(0)
                ),
                &p,
            )
            .await?;
        rows.iter().map(alert_record).collect()
    }

    async fn alert(&self, id: Uuid) -> Result<Option<AlertRecord>, StoreError> {
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

    async fn attend_alert(
        &self,
        id: Uuid,
        by: &str,
        note: &str,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let c = self.pool.get().await?;
        let n = c
            .execute(
                "UPDATE alerts SET attended_at = $2, attended_by = $3, note = $4
                 WHERE response_id = $1 AND attended_at IS NULL",
                &[&id, &at, &by, &note],
            )
            .await?;
        Ok(n == 1)
    }
}
