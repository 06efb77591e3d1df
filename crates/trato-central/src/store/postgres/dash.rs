//! PostgreSQL side of [`DashStore`].

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use tokio_postgres::types::ToSql;
use uuid::Uuid;

use super::PostgresStore;
use crate::error::StoreError;
use crate::store::dash::{
    add_on_conflict, parse_definitions, rebuild_responses_sql, rollup_from_json, row_kind,
    AccountChange, AccountRecord, AreaSums, DashStore, FigureQuery, FigureSums, IndicatorSum,
    NewAccount, RebuiltChunk, Rollup, SurveyDefs, Tally, Totals, Unit, UnitIndicatorSum,
    OFFSET_MARGIN_DAYS, ROLLUP_UNITS_SQL, SURVEY_DEFINITIONS_SQL, TALLY_SUMS,
};
use crate::store::figure_plan::{figure_rows, horizon, SqlParam};

/// Writes a batch's figures and alerts; called inside the ingest transaction
/// (and by `rollup rebuild`). Returns how many alerts were new.
pub(super) async fn write_rollup(
    tx: &deadpool_postgres::Transaction<'_>,
    rollup: &Rollup,
) -> Result<u64, StoreError> {
    if rollup.is_empty() {
        return Ok(0);
    }
    if !rollup.figures.is_empty() {
        let n = rollup.figures.len();
        let mut days: Vec<NaiveDate> = Vec::with_capacity(n);
        let mut units: Vec<&str> = Vec::with_capacity(n);
        let mut areas: Vec<&str> = Vec::with_capacity(n);
        let mut cols: Vec<Vec<i32>> = (0..2).map(|_| Vec::with_capacity(n)).collect();
        for ((d, u, a), t) in &rollup.figures {
            days.push(*d);
            units.push(u);
            areas.push(a);
            push_totals(&mut cols, t);
        }
        // Rows come sorted (BTreeMap), so concurrent batches lock in one order.
        tx.execute(
            &format!(
                "INSERT INTO daily_figures (day, unit_clues, service_area, {cols})
                 SELECT * FROM UNNEST($1::date[], $2::text[], $3::text[], $4::int4[],
                    $5::int4[]){upd}",
                cols = Totals::COLUMNS,
                upd = add_on_conflict("daily_figures", "day, unit_clues, service_area"),
            ),
            &[&days, &units, &areas, &cols[0], &cols[1]],
        )
        .await?;
        tx.execute(
            "INSERT INTO service_areas (unit_clues, service_area)
             SELECT DISTINCT * FROM UNNEST($1::text[], $2::text[])
             ON CONFLICT DO NOTHING",
            &[&units, &areas],
        )
        .await?;

        let per_unit = rollup.unit_figures();
        let mut days: Vec<NaiveDate> = Vec::with_capacity(per_unit.len());
        let mut units: Vec<&str> = Vec::with_capacity(per_unit.len());
        let mut cols: Vec<Vec<i32>> = (0..2).map(|_| Vec::with_capacity(per_unit.len())).collect();
        for ((d, u), t) in &per_unit {
            days.push(*d);
            units.push(u);
            push_totals(&mut cols, t);
        }
        tx.execute(
            &format!(
                "INSERT INTO daily_unit_figures (day, unit_clues, {cols})
                 SELECT * FROM UNNEST($1::date[], $2::text[], $3::int4[], $4::int4[]){upd}",
                cols = Totals::COLUMNS,
                upd = add_on_conflict("daily_unit_figures", "day, unit_clues"),
            ),
            &[&days, &units, &cols[0], &cols[1]],
        )
        .await?;
    }
    write_meaning(tx, rollup).await?;
    insert_alerts(tx, &rollup.alerts).await
}

/// `answered = t.answered + excluded.answered, ...` for an indicator table.
fn tally_set(table: &str) -> String {
    ["answered", "positive", "neutral", "negative"]
        .map(|c| format!("{c} = {table}.{c} + excluded.{c}"))
        .join(", ")
}

/// Adds a rollup's indicator and option counts to the stored ones (rows
/// sorted, as the other rollup tables, so concurrent batches lock in one order).
async fn write_meaning(
    tx: &deadpool_postgres::Transaction<'_>,
    rollup: &Rollup,
) -> Result<(), StoreError> {
    if !rollup.indicators.is_empty() {
        let n = rollup.indicators.len();
        let (mut days, mut units, mut areas, mut surveys, mut versions, mut keys) = (
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
        );
        let mut cols: Vec<Vec<i32>> = (0..4).map(|_| Vec::with_capacity(n)).collect();
        for ((d, u, a, s, v, k), t) in &rollup.indicators {
            days.push(*d);
            units.push(u.as_str());
            areas.push(a.as_str());
            surveys.push(s.as_str());
            versions.push(i64::from(*v));
            keys.push(k.as_str());
            push_tally(&mut cols, t);
        }
        tx.execute(
            &format!(
                "INSERT INTO indicator_figures (day, unit_clues, service_area, survey_id,
                    survey_version, indicator, answered, positive, neutral, negative)
                 SELECT * FROM UNNEST($1::date[], $2::text[], $3::text[], $4::text[],
                    $5::int8[], $6::text[], $7::int4[], $8::int4[], $9::int4[], $10::int4[])
                 ON CONFLICT (day, unit_clues, service_area, survey_id, survey_version, indicator)
                 DO UPDATE SET {}",
                tally_set("indicator_figures")
            ),
            &[
                &days, &units, &areas, &surveys, &versions, &keys, &cols[0], &cols[1], &cols[2],
                &cols[3],
            ],
        )
        .await?;
        let per_unit = rollup.unit_indicators();
        let n = per_unit.len();
        let (mut days, mut units, mut surveys, mut versions, mut keys) = (
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
        );
        let mut cols: Vec<Vec<i32>> = (0..4).map(|_| Vec::with_capacity(n)).collect();
        for ((d, u, s, v, k), t) in &per_unit {
            days.push(*d);
            units.push(u.as_str());
            surveys.push(s.as_str());
            versions.push(i64::from(*v));
            keys.push(k.as_str());
            push_tally(&mut cols, t);
        }
        tx.execute(
            &format!(
                "INSERT INTO indicator_unit_figures (day, unit_clues, survey_id, survey_version,
                    indicator, answered, positive, neutral, negative)
                 SELECT * FROM UNNEST($1::date[], $2::text[], $3::text[], $4::int8[],
                    $5::text[], $6::int4[], $7::int4[], $8::int4[], $9::int4[])
                 ON CONFLICT (day, unit_clues, survey_id, survey_version, indicator)
                 DO UPDATE SET {}",
                tally_set("indicator_unit_figures")
            ),
            &[
                &days, &units, &surveys, &versions, &keys, &cols[0], &cols[1], &cols[2], &cols[3],
            ],
        )
        .await?;
    }
    if !rollup.options.is_empty() {
        let n = rollup.options.len();
        let (mut days, mut units, mut areas, mut surveys, mut versions) = (
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
        );
        let (mut questions, mut codes, mut chosen) = (
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
        );
        for ((d, u, a, s, v, q, c), k) in &rollup.options {
            days.push(*d);
            units.push(u.as_str());
            areas.push(a.as_str());
            surveys.push(s.as_str());
            versions.push(i64::from(*v));
            questions.push(q.as_str());
            codes.push(c.as_str());
            chosen.push(i32::try_from(*k).unwrap_or(i32::MAX));
        }
        tx.execute(
            "INSERT INTO option_figures (day, unit_clues, service_area, survey_id,
                survey_version, question, code, chosen)
             SELECT * FROM UNNEST($1::date[], $2::text[], $3::text[], $4::text[], $5::int8[],
                $6::text[], $7::text[], $8::int4[])
             ON CONFLICT (day, unit_clues, service_area, survey_id, survey_version, question, code)
             DO UPDATE SET chosen = option_figures.chosen + excluded.chosen",
            &[
                &days, &units, &areas, &surveys, &versions, &questions, &codes, &chosen,
            ],
        )
        .await?;
    }
    Ok(())
}

fn push_tally(cols: &mut [Vec<i32>], t: &crate::store::dash::Tally) {
    for (col, x) in cols.iter_mut().zip(t.to_array()) {
        col.push(i32::try_from(x).unwrap_or(i32::MAX));
    }
}

/// The survey versions stored at the centre, parsed.
async fn survey_definitions(
    tx: &deadpool_postgres::Transaction<'_>,
) -> Result<SurveyDefs, StoreError> {
    let rows = tx
        .query(SURVEY_DEFINITIONS_SQL, &[])
        .await?
        .iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
        .collect::<Result<Vec<_>, tokio_postgres::Error>>()?;
    Ok(parse_definitions(rows))
}

fn push_totals(cols: &mut [Vec<i32>], c: &Totals) {
    for (col, x) in cols.iter_mut().zip(c.to_array()) {
        col.push(i32::try_from(x).unwrap_or(i32::MAX));
    }
}

/// Inserts alerts not yet there (an existing one, perhaps attended, stays),
/// all in one statement.
async fn insert_alerts(
    tx: &deadpool_postgres::Transaction<'_>,
    alerts: &[crate::store::alerts::AlertRecord],
) -> Result<u64, StoreError> {
    if alerts.is_empty() {
        return Ok(0);
    }
    // In `alert_counts` key order: its trigger locks those rows as it goes.
    let mut alerts: Vec<&crate::store::alerts::AlertRecord> = alerts.iter().collect();
    alerts.sort_by(|a, b| {
        (a.day, &a.unit_clues, &a.service_area, &a.reason).cmp(&(
            b.day,
            &b.unit_clues,
            &b.service_area,
            &b.reason,
        ))
    });
    let ids: Vec<Uuid> = alerts.iter().map(|x| x.id).collect();
    let units: Vec<&str> = alerts.iter().map(|x| x.unit_clues.as_str()).collect();
    let areas: Vec<&str> = alerts.iter().map(|x| x.service_area.as_str()).collect();
    let finished: Vec<DateTime<Utc>> = alerts.iter().map(|x| x.finished_at).collect();
    let days: Vec<NaiveDate> = alerts.iter().map(|x| x.day).collect();
    let reasons: Vec<&str> = alerts.iter().map(|x| x.reason.as_str()).collect();
    let answers: Vec<&str> = alerts.iter().map(|x| x.answers.as_str()).collect();
    let comments: Vec<Option<&str>> = alerts.iter().map(|x| x.comment.as_deref()).collect();
    let added = tx
        .execute(
            "INSERT INTO alerts (response_id, unit_clues, service_area, finished_at, day, reason,
            answers, comment)
         SELECT * FROM UNNEST($1::uuid[], $2::text[], $3::text[], $4::timestamptz[],
            $5::date[], $6::text[], $7::text[], $8::text[])
         ON CONFLICT DO NOTHING",
            &[
                &ids, &units, &areas, &finished, &days, &reasons, &answers, &comments,
            ],
        )
        .await?;
    Ok(added)
}

/// A sum column (NULL when no row was summed) as a count.
fn sum_at(r: &tokio_postgres::Row, i: usize) -> Result<i64, StoreError> {
    Ok(r.try_get::<_, Option<i64>>(i)?.unwrap_or(0))
}

fn tally_at(r: &tokio_postgres::Row, first: usize) -> Result<Tally, StoreError> {
    Ok(Tally {
        answered: sum_at(r, first)?,
        positive: sum_at(r, first + 1)?,
        neutral: sum_at(r, first + 2)?,
        negative: sum_at(r, first + 3)?,
    })
}

fn totals_at(r: &tokio_postgres::Row, first: usize) -> Result<Totals, StoreError> {
    Ok(Totals {
        responses: sum_at(r, first)?,
        alerts: sum_at(r, first + 1)?,
    })
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

fn account(r: &tokio_postgres::Row) -> Result<AccountRecord, StoreError> {
    Ok(AccountRecord {
        id: r.try_get(0)?,
        name: r.try_get(1)?,
        role: r.try_get(2)?,
        scope: r.try_get(3)?,
        password_hash: r.try_get(4)?,
        disabled: r.try_get(5)?,
        email: r.try_get(6)?,
    })
}

/// Adds one grouped row of a [`figure_rows`] statement.
fn add_figure_row(out: &mut FigureSums, r: &tokio_postgres::Row) -> Result<(), StoreError> {
    let d: Option<NaiveDate> = r.try_get(1)?;
    let unit: Option<String> = r.try_get(2)?;
    let key: Option<String> = r.try_get(5)?;
    match (i64::from(r.try_get::<_, i32>(0)?), d, unit, key) {
        (row_kind::DAY, Some(d), _, _) => out.days.push((d, totals_at(r, 6)?)),
        (row_kind::UNIT, _, Some(u), _) => out.units.push((u, totals_at(r, 6)?)),
        (row_kind::DAY_INDICATOR, Some(d), _, Some(k)) => {
            out.day_indicators.push((d, k, tally_at(r, 6)?))
        }
        (row_kind::UNIT_INDICATOR, _, Some(unit), Some(indicator)) => {
            out.unit_indicators.push(UnitIndicatorSum {
                unit,
                sum: IndicatorSum {
                    survey_id: r.try_get(3)?,
                    survey_version: u32::try_from(r.try_get::<_, i64>(4)?).unwrap_or(0),
                    indicator,
                    tally: tally_at(r, 6)?,
                },
            })
        }
        _ => return Err(crate::store::corrupt("figures row of no known kind")),
    }
    Ok(())
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
            "SELECT id, name, role, scope, password_hash, disabled_at IS NOT NULL, email
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
            "SELECT id, name, role, scope, '', disabled_at IS NOT NULL, email
             FROM accounts ORDER BY name",
            &[],
        )
        .await?
        .iter()
        .map(account)
        .collect()
    }

    async fn update_account(&self, name: &str, change: AccountChange) -> Result<bool, StoreError> {
        let c = self.pool.get().await?;
        let sql = format!(
            "UPDATE accounts SET {} = $1 WHERE name = $2",
            change.column()
        );
        let n = match &change {
            AccountChange::Disabled(at) => c.execute(&sql, &[at, &name]).await?,
            AccountChange::PasswordHash(h) => c.execute(&sql, &[h, &name]).await?,
            AccountChange::Email(e) => c.execute(&sql, &[e, &name]).await?,
        };
        Ok(n == 1)
    }

    async fn figures(&self, q: &FigureQuery) -> Result<FigureSums, StoreError> {
        let c = self.pool.get().await?;
        let statement = figure_rows(q, horizon(), true);
        let p: Vec<&(dyn ToSql + Sync)> = statement
            .params
            .iter()
            .map(|p| match p {
                SqlParam::Day(d) => d as &(dyn ToSql + Sync),
                SqlParam::Text(t) => t,
                SqlParam::Texts(t) => t,
            })
            .collect();
        // One statement, so every part reads the same snapshot; sorted in
        // Rust (an ORDER BY here compares text by the locale's rules: a
        // third of the statement's time).
        let sql = format!(
            "SELECT kind, day, unit, survey, version, indicator,
                    SUM(c1)::int8, SUM(c2)::int8, SUM(c3)::int8, SUM(c4)::int8
             FROM ({parts}) AS r (kind, day, unit, survey, version, indicator, c1, c2, c3, c4)
             GROUP BY kind, day, unit, survey, version, indicator",
            parts = statement.sql
        );
        let rows = c.query(&sql, &p).await?;
        let mut out = FigureSums::default();
        for r in &rows {
            add_figure_row(&mut out, r)?;
        }
        out.sort();
        Ok(out.without_zeros())
    }

    async fn survey_definitions(&self) -> Result<Vec<(String, i64, String)>, StoreError> {
        let c = self.pool.get().await?;
        c.query(SURVEY_DEFINITIONS_SQL, &[])
            .await?
            .iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
            .collect()
    }

    async fn figures_by_area(&self, q: &FigureQuery) -> Result<AreaSums, StoreError> {
        let c = self.pool.get().await?;
        let mut p: Vec<&(dyn ToSql + Sync)> = vec![&q.from, &q.to];
        let f = filters(&q.units, &None, &mut p);
        let rows = c
            .query(
                &format!(
                    "SELECT service_area, NULL::text, SUM(responses)::int8, SUM(alerts)::int8,
                            0::int8, 0::int8
                     FROM daily_figures WHERE day BETWEEN $1 AND $2{f} GROUP BY service_area
                     UNION ALL
                     SELECT service_area, indicator, {TALLY_SUMS} FROM indicator_figures
                     WHERE day BETWEEN $1 AND $2{f} GROUP BY service_area, indicator
                     ORDER BY 1, 2"
                ),
                &p,
            )
            .await?;
        let mut out = AreaSums::default();
        for r in &rows {
            let area: String = r.try_get(0)?;
            match r.try_get::<_, Option<String>>(1)? {
                None => out.areas.push((area, totals_at(r, 2)?)),
                Some(key) => out.indicators.push((area, key, tally_at(r, 2)?)),
            }
        }
        Ok(out)
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

    async fn rollup_units(&self) -> Result<Vec<String>, StoreError> {
        let c = self.pool.get().await?;
        c.query(ROLLUP_UNITS_SQL, &[])
            .await?
            .iter()
            .map(|r| Ok(r.try_get(0)?))
            .collect()
    }

    async fn rollup_span(&self, unit: &str) -> Result<Option<(NaiveDate, NaiveDate)>, StoreError> {
        let c = self.pool.get().await?;
        let r = c
            .query_one(
                "SELECT (SELECT MIN(finished_at) FROM responses WHERE unit_clues = $1),
                        (SELECT MAX(finished_at) FROM responses WHERE unit_clues = $1),
                        LEAST((SELECT MIN(day) FROM daily_figures WHERE unit_clues = $1),
                              (SELECT MIN(day) FROM daily_unit_figures WHERE unit_clues = $1)),
                        GREATEST((SELECT MAX(day) FROM daily_figures WHERE unit_clues = $1),
                                 (SELECT MAX(day) FROM daily_unit_figures WHERE unit_clues = $1))",
                &[&unit],
            )
            .await?;
        let margin = chrono::Duration::days(OFFSET_MARGIN_DAYS);
        let fin_min: Option<DateTime<Utc>> = r.try_get(0)?;
        let fin_max: Option<DateTime<Utc>> = r.try_get(1)?;
        let lo = [fin_min.map(|t| t.date_naive() - margin), r.try_get(2)?]
            .into_iter()
            .flatten()
            .min();
        let hi = [fin_max.map(|t| t.date_naive() + margin), r.try_get(3)?]
            .into_iter()
            .flatten()
            .max();
        Ok(lo.zip(hi))
    }

    async fn rebuild_rollup(
        &self,
        unit: &str,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<RebuiltChunk, StoreError> {
        let mut c = self.pool.get().await?;
        let tx = c.transaction().await?;
        // Ingest's upserts wait while a chunk is rebuilt, so every batch is
        // either committed before (its responses are counted here) or adds
        // its counts after (its responses were not visible here): none is
        // counted twice or lost. Same order as ingest writes them.
        tx.batch_execute(
            "LOCK TABLE daily_figures, daily_unit_figures, indicator_figures,
                indicator_unit_figures, option_figures IN SHARE ROW EXCLUSIVE MODE",
        )
        .await?;
        let margin = chrono::Duration::days(OFFSET_MARGIN_DAYS);
        let lo = (from - margin).and_time(chrono::NaiveTime::MIN).and_utc();
        let hi = (to + margin + chrono::Duration::days(1))
            .and_time(chrono::NaiveTime::MIN)
            .and_utc();
        for table in [
            "daily_figures",
            "daily_unit_figures",
            "indicator_figures",
            "indicator_unit_figures",
            "option_figures",
        ] {
            tx.execute(
                &format!("DELETE FROM {table} WHERE unit_clues = $1 AND day BETWEEN $2 AND $3"),
                &[&unit, &from, &to],
            )
            .await?;
        }
        let defs = survey_definitions(&tx).await?;
        let st = tx.prepare_cached(&rebuild_responses_sql(true)).await?;
        let jsons = tx
            .query(&st, &[&unit, &lo, &hi])
            .await?
            .iter()
            .map(|r| r.try_get::<_, String>(0))
            .collect::<Result<Vec<_>, _>>()?;
        let rollup = rollup_from_json(jsons, from, to, &defs)?;
        let alerts_added = write_rollup(&tx, &rollup).await?;
        tx.commit().await?;
        Ok(RebuiltChunk {
            responses: rollup.responses(),
            rows: rollup.figures.len() as u64,
            alerts_added,
        })
    }
}
