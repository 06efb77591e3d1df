//! SQLite side of [`DashStore`].

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{params, params_from_iter, OptionalExtension, TransactionBehavior};

use super::figure_adder::FigureAdder;
use super::{day, parse_ts, ts, SqliteStore};
use crate::error::StoreError;
use crate::store::dash::{
    add_on_conflict, parse_definitions, placeholders, rebuild_responses_sql, rollup_from_json,
    row_kind, AccountChange, AccountRecord, AreaSums, DashStore, FigureQuery, FigureSums,
    NewAccount, RebuiltChunk, Rollup, Tally, Totals, Unit, OFFSET_MARGIN_DAYS, ROLLUP_UNITS_SQL,
    SURVEY_DEFINITIONS_SQL, TALLY_SUMS,
};
use crate::store::figure_plan::{figure_rows, horizon, SqlParam};

/// Writes a batch's figures and alerts; called inside the ingest transaction
/// (and by `rollup rebuild`). Returns how many alerts were new.
pub(super) fn write_rollup(tx: &rusqlite::Connection, rollup: &Rollup) -> Result<u64, StoreError> {
    if rollup.is_empty() {
        return Ok(0);
    }
    let mut up = tx.prepare_cached(&format!(
        "INSERT INTO daily_figures (day, unit_clues, service_area, {cols})
         VALUES (?1, ?2, ?3, ?4, ?5){upd}",
        cols = Totals::COLUMNS,
        upd = add_on_conflict("daily_figures", "day, unit_clues, service_area"),
    ))?;
    let mut up_unit = tx.prepare_cached(&format!(
        "INSERT INTO daily_unit_figures (day, unit_clues, {cols})
         VALUES (?1, ?2, ?3, ?4){upd}",
        cols = Totals::COLUMNS,
        upd = add_on_conflict("daily_unit_figures", "day, unit_clues"),
    ))?;
    let mut area = tx.prepare_cached(
        "INSERT INTO service_areas (unit_clues, service_area) VALUES (?1, ?2)
         ON CONFLICT DO NOTHING",
    )?;
    let mut last_area: Option<(&str, &str)> = None;
    for ((d, unit, svc), t) in &rollup.figures {
        up.execute(params![day_text(*d), unit, svc, t.responses, t.alerts])?;
        if last_area != Some((unit, svc)) {
            area.execute(params![unit, svc])?;
            last_area = Some((unit, svc));
        }
    }
    for ((d, unit), t) in rollup.unit_figures() {
        up_unit.execute(params![day_text(d), unit, t.responses, t.alerts])?;
    }
    write_meaning(tx, rollup)?;
    insert_alerts(tx, &rollup.alerts)
}

/// Adds a rollup's indicator and option counts to the stored ones.
fn write_meaning(tx: &rusqlite::Connection, rollup: &Rollup) -> Result<(), StoreError> {
    let tally_set = |table: &str| {
        format!(
            "answered = {table}.answered + excluded.answered, \
             positive = {table}.positive + excluded.positive, \
             neutral = {table}.neutral + excluded.neutral, \
             negative = {table}.negative + excluded.negative"
        )
    };
    let mut ind = tx.prepare_cached(&format!(
        "INSERT INTO indicator_figures (day, unit_clues, service_area, survey_id, survey_version,
            indicator, answered, positive, neutral, negative)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
         ON CONFLICT (day, unit_clues, service_area, survey_id, survey_version, indicator)
         DO UPDATE SET {}",
        tally_set("indicator_figures")
    ))?;
    for ((d, unit, svc, survey, version, key), t) in &rollup.indicators {
        let [n, pos, neu, neg] = t.to_array();
        ind.execute(params![
            day_text(*d),
            unit,
            svc,
            survey,
            version,
            key,
            n,
            pos,
            neu,
            neg
        ])?;
    }
    let mut ind_unit = tx.prepare_cached(&format!(
        "INSERT INTO indicator_unit_figures (day, unit_clues, survey_id, survey_version,
            indicator, answered, positive, neutral, negative)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         ON CONFLICT (day, unit_clues, survey_id, survey_version, indicator)
         DO UPDATE SET {}",
        tally_set("indicator_unit_figures")
    ))?;
    for ((d, unit, survey, version, key), t) in rollup.unit_indicators() {
        let [n, pos, neu, neg] = t.to_array();
        ind_unit.execute(params![
            day_text(d),
            unit,
            survey,
            version,
            key,
            n,
            pos,
            neu,
            neg
        ])?;
    }
    let mut opt = tx.prepare_cached(
        "INSERT INTO option_figures (day, unit_clues, service_area, survey_id, survey_version,
            question, code, chosen)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT (day, unit_clues, service_area, survey_id, survey_version, question, code)
         DO UPDATE SET chosen = option_figures.chosen + excluded.chosen",
    )?;
    for ((d, unit, svc, survey, version, question, code), n) in &rollup.options {
        opt.execute(params![
            day_text(*d),
            unit,
            svc,
            survey,
            version,
            question,
            code,
            n
        ])?;
    }
    Ok(())
}

/// The survey versions stored at the centre, parsed.
fn survey_definitions(
    tx: &rusqlite::Connection,
) -> Result<crate::store::dash::SurveyDefs, StoreError> {
    let rows = tx
        .prepare_cached(SURVEY_DEFINITIONS_SQL)?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(parse_definitions(rows))
}

/// Inserts alerts not yet there (an existing one, perhaps attended, stays);
/// returns how many were added.
fn insert_alerts(
    tx: &rusqlite::Connection,
    alerts: &[crate::store::alerts::AlertRecord],
) -> Result<u64, StoreError> {
    let mut al = tx.prepare_cached(
        "INSERT INTO alerts (response_id, unit_clues, service_area, finished_at, day, reason,
            answers, comment) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT DO NOTHING",
    )?;
    let mut added = 0;
    for x in alerts {
        added += al.execute(params![
            x.id.to_string(),
            x.unit_clues,
            x.service_area,
            ts(x.finished_at),
            x.day.format("%Y-%m-%d").to_string(),
            x.reason,
            x.answers,
            x.comment,
        ])? as u64;
    }
    Ok(added)
}

/// An `AccountRecord` from the columns id, name, role, scope, password_hash,
/// disabled, in that order.
fn account_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<AccountRecord> {
    Ok(AccountRecord {
        id: r.get(0)?,
        name: r.get(1)?,
        role: r.get(2)?,
        scope: r.get(3)?,
        password_hash: r.get(4)?,
        disabled: r.get(5)?,
        email: r.get(6)?,
    })
}

fn day_text(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// `d` at 00:00 UTC, as stored timestamps are written.
fn midnight(d: NaiveDate) -> String {
    ts(d.and_time(chrono::NaiveTime::MIN).and_utc())
}

/// ` AND unit_clues IN (...)` / ` AND service_area = ?` and their parameters.
fn filters(
    units: &Option<Vec<String>>,
    area: &Option<String>,
    first: usize,
) -> (String, Vec<String>) {
    let mut sql = String::new();
    let mut p = Vec::new();
    if let Some(u) = units {
        sql.push_str(&format!(
            " AND unit_clues IN ({})",
            placeholders(u.len(), first, false)
        ));
        p.extend(u.iter().cloned());
    }
    if let Some(a) = area {
        sql.push_str(&format!(" AND service_area = ?{}", first + p.len()));
        p.push(a.clone());
    }
    (sql, p)
}

fn tally_at(r: &rusqlite::Row<'_>, first: usize) -> rusqlite::Result<Tally> {
    let n = |i: usize| -> rusqlite::Result<i64> {
        Ok(r.get::<_, Option<i64>>(first + i)?.unwrap_or(0))
    };
    Ok(Tally {
        answered: n(0)?,
        positive: n(1)?,
        neutral: n(2)?,
        negative: n(3)?,
    })
}

fn totals_at(r: &rusqlite::Row<'_>, first: usize) -> rusqlite::Result<Totals> {
    let n = |i: usize| -> rusqlite::Result<i64> {
        Ok(r.get::<_, Option<i64>>(first + i)?.unwrap_or(0))
    };
    Ok(Totals {
        responses: n(0)?,
        alerts: n(1)?,
    })
}

/// Adds one row of a [`figure_rows`] statement.
fn add_figure_row(sums: &mut FigureAdder, r: &rusqlite::Row<'_>) -> Result<(), StoreError> {
    let text = |i: usize| -> rusqlite::Result<&str> { r.get_ref(i)?.as_str().map_err(Into::into) };
    match r.get::<_, i64>(0)? {
        row_kind::DAY => sums.add_day_totals(text(1)?, totals_at(r, 6)?),
        row_kind::UNIT => sums.add_unit_totals(text(2)?, totals_at(r, 6)?),
        row_kind::DAY_INDICATOR => sums.add_day_indicator(text(1)?, text(5)?, tally_at(r, 6)?),
        row_kind::UNIT_INDICATOR => {
            sums.add_unit_indicator(text(2)?, (text(3)?, r.get(4)?), text(5)?, tally_at(r, 6)?)
        }
        _ => return Err(crate::store::corrupt("figures row of no known kind")),
    }
    Ok(())
}

#[async_trait]
impl DashStore for SqliteStore {
    async fn load_units(&self, units: Vec<Unit>, at: DateTime<Utc>) -> Result<usize, StoreError> {
        self.write(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            {
                let mut st = tx.prepare(
                    "INSERT INTO units (clues, name, parent_kind, parent, state, loaded_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                     ON CONFLICT (clues) DO UPDATE SET name = excluded.name,
                       parent_kind = excluded.parent_kind, parent = excluded.parent,
                       state = excluded.state, loaded_at = excluded.loaded_at",
                )?;
                for u in &units {
                    st.execute(params![
                        u.clues,
                        u.name,
                        u.parent_kind,
                        u.parent,
                        u.state,
                        ts(at)
                    ])?;
                }
            }
            tx.commit()?;
            Ok(units.len())
        })
        .await
    }

    async fn units(&self) -> Result<Vec<Unit>, StoreError> {
        self.read(|c| {
            let mut st = c.prepare_cached(
                "SELECT clues, name, parent_kind, parent, state FROM units ORDER BY clues",
            )?;
            let rows = st.query_map([], |r| {
                Ok(Unit {
                    clues: r.get(0)?,
                    name: r.get(1)?,
                    parent_kind: r.get(2)?,
                    parent: r.get(3)?,
                    state: r.get(4)?,
                })
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
        .await
    }

    async fn add_account(&self, a: NewAccount) -> Result<bool, StoreError> {
        self.write(move |c| {
            let n = c.execute(
                "INSERT INTO accounts (id, name, role, scope, password_hash, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (name) DO NOTHING",
                params![
                    a.id,
                    a.name,
                    a.role,
                    a.scope,
                    a.password_hash,
                    ts(a.created_at)
                ],
            )?;
            Ok(n == 1)
        })
        .await
    }

    async fn account_by_name(&self, name: &str) -> Result<Option<AccountRecord>, StoreError> {
        let name = name.to_owned();
        self.read(move |c| {
            Ok(c.prepare_cached(
                "SELECT id, name, role, scope, password_hash, disabled_at IS NOT NULL, email
                 FROM accounts WHERE name = ?1",
            )?
            .query_row([name], account_row)
            .optional()?)
        })
        .await
    }

    async fn list_accounts(&self) -> Result<Vec<AccountRecord>, StoreError> {
        self.read(|c| {
            let mut st = c.prepare(
                "SELECT id, name, role, scope, '', disabled_at IS NOT NULL, email
                 FROM accounts ORDER BY name",
            )?;
            let rows = st.query_map([], account_row)?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
        .await
    }

    async fn update_account(&self, name: &str, change: AccountChange) -> Result<bool, StoreError> {
        let name = name.to_owned();
        self.write(move |c| {
            let sql = format!(
                "UPDATE accounts SET {} = ?1 WHERE name = ?2",
                change.column()
            );
            let n = match change {
                AccountChange::Disabled(at) => c.execute(&sql, params![at.map(ts), name])?,
                AccountChange::PasswordHash(h) => c.execute(&sql, params![h, name])?,
                AccountChange::Email(e) => c.execute(&sql, params![e, name])?,
            };
            Ok(n == 1)
        })
        .await
    }

    async fn figures(&self, q: &FigureQuery) -> Result<FigureSums, StoreError> {
        let statement = figure_rows(q, horizon(), false);
        self.read(move |c| {
            let params = statement.params.iter().map(|p| match p {
                SqlParam::Day(d) => day_text(*d),
                SqlParam::Text(t) => t.clone(),
                SqlParam::Texts(_) => unreachable!("lists are PostgreSQL's"),
            });
            // One statement, so every part reads the same snapshot; its rows
            // come ungrouped, in key order, and FigureAdder adds them up (a
            // GROUP BY here sorts them, once per grouping).
            let mut st = c.prepare_cached(&statement.sql)?;
            let mut rows = st.query(params_from_iter(params))?;
            let mut sums = FigureAdder::default();
            while let Some(r) = rows.next()? {
                add_figure_row(&mut sums, r)?;
            }
            Ok(sums.finish()?.without_zeros())
        })
        .await
    }

    async fn survey_definitions(&self) -> Result<Vec<(String, i64, String)>, StoreError> {
        self.read(|c| {
            Ok(c.prepare_cached(SURVEY_DEFINITIONS_SQL)?
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect::<Result<Vec<_>, _>>()?)
        })
        .await
    }

    async fn figures_by_area(&self, q: &FigureQuery) -> Result<AreaSums, StoreError> {
        let q = q.clone();
        self.read(move |c| {
            let (f, fp) = filters(&q.units, &None, 3);
            let sql = format!(
                "SELECT service_area, NULL, {sums}, 0, 0 FROM daily_figures
                 WHERE day BETWEEN ?1 AND ?2{f} GROUP BY service_area
                 UNION ALL
                 SELECT service_area, indicator, {TALLY_SUMS} FROM indicator_figures
                 WHERE day BETWEEN ?1 AND ?2{f} GROUP BY service_area, indicator
                 ORDER BY 1, 2",
                sums = Totals::SUMS
            );
            let mut p = vec![day_text(q.from), day_text(q.to)];
            p.extend(fp);
            let mut st = c.prepare_cached(&sql)?;
            let mut rows = st.query(params_from_iter(p.iter()))?;
            let mut out = AreaSums::default();
            while let Some(r) = rows.next()? {
                let area: String = r.get(0)?;
                match r.get::<_, Option<String>>(1)? {
                    None => out.areas.push((area, totals_at(r, 2)?)),
                    Some(key) => out.indicators.push((area, key, tally_at(r, 2)?)),
                }
            }
            Ok(out)
        })
        .await
    }

    async fn service_areas(&self, units: Option<&[String]>) -> Result<Vec<String>, StoreError> {
        let units = units.map(<[String]>::to_vec);
        self.read(move |c| {
            let (f, p) = filters(&units, &None, 1);
            let sql = format!(
                "SELECT DISTINCT service_area FROM service_areas WHERE 1 = 1{f}
                 ORDER BY service_area"
            );
            let mut st = c.prepare_cached(&sql)?;
            let rows = st.query_map(params_from_iter(p.iter()), |r| r.get::<_, String>(0))?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
        .await
    }

    async fn rollup_units(&self) -> Result<Vec<String>, StoreError> {
        self.read(|c| {
            let mut st = c.prepare(ROLLUP_UNITS_SQL)?;
            let rows = st.query_map([], |r| r.get::<_, String>(0))?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
        .await
    }

    async fn rollup_span(&self, unit: &str) -> Result<Option<(NaiveDate, NaiveDate)>, StoreError> {
        let unit = unit.to_owned();
        self.read(move |c| {
            // Separate MIN and MAX subqueries: each is one index probe.
            let v: [Option<String>; 6] = c.query_row(
                "SELECT (SELECT MIN(finished_at) FROM responses WHERE unit_clues = ?1),
                        (SELECT MAX(finished_at) FROM responses WHERE unit_clues = ?1),
                        (SELECT MIN(day) FROM daily_figures WHERE unit_clues = ?1),
                        (SELECT MAX(day) FROM daily_figures WHERE unit_clues = ?1),
                        (SELECT MIN(day) FROM daily_unit_figures WHERE unit_clues = ?1),
                        (SELECT MAX(day) FROM daily_unit_figures WHERE unit_clues = ?1)",
                [unit],
                |r| {
                    Ok([
                        r.get(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                    ])
                },
            )?;
            let margin = chrono::Duration::days(OFFSET_MARGIN_DAYS);
            let mut lo: Option<NaiveDate> = None;
            let mut hi: Option<NaiveDate> = None;
            let mut widen = |d: NaiveDate| {
                lo = Some(lo.map_or(d, |x| x.min(d)));
                hi = Some(hi.map_or(d, |x| x.max(d)));
            };
            let [fin_min, fin_max, rest @ ..] = v;
            if let Some(t) = fin_min {
                widen(parse_ts(&t)?.date_naive() - margin);
            }
            if let Some(t) = fin_max {
                widen(parse_ts(&t)?.date_naive() + margin);
            }
            for d in rest.into_iter().flatten() {
                widen(day(&d)?);
            }
            Ok(lo.zip(hi))
        })
        .await
    }

    async fn rebuild_rollup(
        &self,
        unit: &str,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<RebuiltChunk, StoreError> {
        let unit = unit.to_owned();
        self.write(move |c| {
            // IMMEDIATE: no other writer (this process's ingest or another
            // process) between reading the responses and replacing the rows.
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let margin = chrono::Duration::days(OFFSET_MARGIN_DAYS);
            let (lo, hi) = (
                midnight(from - margin),
                midnight(to + margin + chrono::Duration::days(1)),
            );
            let (f, t) = (day_text(from), day_text(to));
            for table in [
                "daily_figures",
                "daily_unit_figures",
                "indicator_figures",
                "indicator_unit_figures",
                "option_figures",
            ] {
                tx.execute(
                    &format!("DELETE FROM {table} WHERE unit_clues = ?1 AND day BETWEEN ?2 AND ?3"),
                    params![unit, f, t],
                )?;
            }
            let defs = survey_definitions(&tx)?;
            let jsons = tx
                .prepare(&rebuild_responses_sql(false))?
                .query_map(params![unit, lo, hi], |r| r.get::<_, String>(0))?
                .collect::<Result<Vec<_>, _>>()?;
            let rollup = rollup_from_json(jsons, from, to, &defs)?;
            let alerts_added = write_rollup(&tx, &rollup)?;
            let (responses, rows) = (rollup.responses(), rollup.figures.len() as u64);
            tx.commit()?;
            Ok(RebuiltChunk {
                responses,
                rows,
                alerts_added,
            })
        })
        .await
    }
}
