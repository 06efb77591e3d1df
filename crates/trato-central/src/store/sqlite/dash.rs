//! SQLite side of [`DashStore`].

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{params, params_from_iter, OptionalExtension, TransactionBehavior};
use uuid::Uuid;

use super::{parse_opt_ts, parse_ts, ts, SqliteStore};
use crate::error::StoreError;
use crate::store::corrupt;
use crate::store::dash::{
    add_on_conflict, parse_definitions, placeholders, rebuild_figures_sql, rebuild_responses_sql,
    rollup_from_json, AccountChange, AccountRecord, AlertQuery, AlertRecord, AlertStatus, Counts,
    DashStore, FigureQuery, FigureSums, IndicatorSum, NewAccount, NewAlert, RebuiltChunk, Rollup,
    Tally, Unit, OFFSET_MARGIN_DAYS, ROLLUP_UNITS_SQL, SURVEY_DEFINITIONS_SQL, TALLY_SUMS,
};

fn day(s: &str) -> Result<NaiveDate, StoreError> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|e| corrupt(format!("day `{s}`: {e}")))
}

/// Writes a batch's figures and alerts; called inside the ingest transaction.
pub(super) fn write_rollup(tx: &rusqlite::Connection, rollup: &Rollup) -> Result<(), StoreError> {
    if rollup.is_empty() {
        return Ok(());
    }
    let mut up = tx.prepare_cached(&format!(
        "INSERT INTO daily_figures (day, unit_clues, service_area, {cols})
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16){upd}",
        cols = Counts::COLUMNS,
        upd = add_on_conflict("daily_figures", "day, unit_clues, service_area"),
    ))?;
    let mut up_unit = tx.prepare_cached(&format!(
        "INSERT INTO daily_unit_figures (day, unit_clues, {cols})
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15){upd}",
        cols = Counts::COLUMNS,
        upd = add_on_conflict("daily_unit_figures", "day, unit_clues"),
    ))?;
    let mut area = tx.prepare_cached(
        "INSERT INTO service_areas (unit_clues, service_area) VALUES (?1, ?2)
         ON CONFLICT DO NOTHING",
    )?;
    let mut last_area: Option<(&str, &str)> = None;
    for ((d, unit, svc), c) in &rollup.figures {
        let a = c.to_array();
        let day_s = d.format("%Y-%m-%d").to_string();
        let mut p: Vec<&dyn rusqlite::ToSql> = vec![&day_s, unit, svc];
        for x in &a {
            p.push(x);
        }
        up.execute(p.as_slice())?;
        if last_area != Some((unit, svc)) {
            area.execute(params![unit, svc])?;
            last_area = Some((unit, svc));
        }
    }
    for ((d, unit), c) in rollup.unit_figures() {
        let a = c.to_array();
        let day_s = d.format("%Y-%m-%d").to_string();
        let mut p: Vec<&dyn rusqlite::ToSql> = vec![&day_s, &unit];
        for x in &a {
            p.push(x);
        }
        up_unit.execute(p.as_slice())?;
    }
    write_meaning(tx, rollup)?;
    insert_alerts(tx, &rollup.alerts)?;
    Ok(())
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
fn insert_alerts(tx: &rusqlite::Connection, alerts: &[NewAlert]) -> Result<u64, StoreError> {
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

fn counts_at(r: &rusqlite::Row<'_>, first: usize) -> rusqlite::Result<Counts> {
    let mut a = [0i64; 13];
    for (i, x) in a.iter_mut().enumerate() {
        *x = r.get::<_, Option<i64>>(first + i)?.unwrap_or(0);
    }
    Ok(Counts::from_array(a))
}

fn alert_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<[Option<String>; 11]> {
    let mut out: [Option<String>; 11] = Default::default();
    for (i, x) in out.iter_mut().enumerate() {
        *x = r.get(i)?;
    }
    Ok(out)
}

fn alert_record(v: [Option<String>; 11]) -> Result<AlertRecord, StoreError> {
    let [id, unit, area, fin, d, reason, answers, comment, at, by, note] = v;
    let req = |s: Option<String>| s.ok_or_else(|| corrupt("NULL in alerts"));
    Ok(AlertRecord {
        id: Uuid::parse_str(&req(id)?).map_err(corrupt)?,
        unit_clues: req(unit)?,
        service_area: req(area)?,
        finished_at: parse_ts(&req(fin)?)?,
        day: day(&req(d)?)?,
        reason: req(reason)?,
        answers: req(answers)?,
        comment,
        attended_at: parse_opt_ts(at)?,
        attended_by: by,
        note,
    })
}

const ALERT_COLUMNS: &str = "response_id, unit_clues, service_area, finished_at, day, reason, \
    answers, comment, attended_at, attended_by, note";

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
        let q = q.clone();
        self.read(move |c| {
            let (f, fp) = filters(&q.units, &q.area, 3);
            // One statement, so both halves read the same snapshot.
            let sql = format!(
                "SELECT day, NULL, {sums} FROM {table}
                 WHERE day BETWEEN ?1 AND ?2{f} GROUP BY day
                 UNION ALL
                 SELECT NULL, unit_clues, {sums} FROM {table}
                 WHERE day BETWEEN ?1 AND ?2{f} GROUP BY unit_clues
                 ORDER BY 1, 2",
                sums = Counts::SUMS,
                table = q.table(),
            );
            let mut p = vec![day_text(q.from), day_text(q.to)];
            p.extend(fp);
            let mut st = c.prepare_cached(&sql)?;
            let rows = st.query_map(params_from_iter(p.iter()), |r| {
                Ok((
                    r.get::<_, Option<String>>(0)?,
                    r.get::<_, Option<String>>(1)?,
                    counts_at(r, 2)?,
                ))
            })?;
            let mut out = FigureSums::default();
            for row in rows {
                match row? {
                    (Some(d), _, c) => out.days.push((day(&d)?, c)),
                    (None, Some(u), c) => out.units.push((u, c)),
                    (None, None, _) => return Err(corrupt("figures row without day or unit")),
                }
            }
            Ok(out)
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

    async fn indicator_sums(&self, q: &FigureQuery) -> Result<Vec<IndicatorSum>, StoreError> {
        let q = q.clone();
        self.read(move |c| {
            let (f, fp) = filters(&q.units, &q.area, 3);
            let sql = format!(
                "SELECT survey_id, survey_version, indicator, {TALLY_SUMS} FROM {table}
                 WHERE day BETWEEN ?1 AND ?2{f}
                 GROUP BY survey_id, survey_version, indicator ORDER BY 1, 2, 3",
                table = q.indicator_table(),
            );
            let mut p = vec![day_text(q.from), day_text(q.to)];
            p.extend(fp);
            let mut st = c.prepare_cached(&sql)?;
            let rows = st.query_map(params_from_iter(p.iter()), |r| {
                Ok(IndicatorSum {
                    survey_id: r.get(0)?,
                    survey_version: r.get(1)?,
                    indicator: r.get(2)?,
                    tally: Tally {
                        answered: r.get(3)?,
                        positive: r.get(4)?,
                        neutral: r.get(5)?,
                        negative: r.get(6)?,
                    },
                })
            })?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .await
    }

    async fn figures_by_area(&self, q: &FigureQuery) -> Result<Vec<(String, Counts)>, StoreError> {
        let q = q.clone();
        self.read(move |c| {
            let (f, fp) = filters(&q.units, &None, 3);
            let sql = format!(
                "SELECT service_area, {sums} FROM daily_figures
                 WHERE day BETWEEN ?1 AND ?2{f} GROUP BY service_area ORDER BY service_area",
                sums = Counts::SUMS
            );
            let mut p = vec![
                q.from.format("%Y-%m-%d").to_string(),
                q.to.format("%Y-%m-%d").to_string(),
            ];
            p.extend(fp);
            let mut st = c.prepare_cached(&sql)?;
            let rows = st.query_map(params_from_iter(p.iter()), |r| {
                Ok((r.get::<_, String>(0)?, counts_at(r, 1)?))
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
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
            tx.execute(
                "DELETE FROM daily_figures WHERE unit_clues = ?1 AND day BETWEEN ?2 AND ?3",
                params![unit, f, t],
            )?;
            let rows = tx.execute(&rebuild_figures_sql(false), params![unit, lo, hi, f, t])? as u64;
            tx.execute(
                "DELETE FROM daily_unit_figures WHERE unit_clues = ?1 AND day BETWEEN ?2 AND ?3",
                params![unit, f, t],
            )?;
            tx.execute(
                &format!(
                    "INSERT INTO daily_unit_figures (day, unit_clues, {cols})
                     SELECT day, unit_clues, {sums} FROM daily_figures
                     WHERE unit_clues = ?1 AND day BETWEEN ?2 AND ?3 GROUP BY day, unit_clues",
                    cols = Counts::COLUMNS,
                    sums = Counts::SUMS
                ),
                params![unit, f, t],
            )?;
            tx.execute(
                "INSERT INTO service_areas (unit_clues, service_area)
                 SELECT DISTINCT unit_clues, service_area FROM daily_figures
                 WHERE unit_clues = ?1 AND day BETWEEN ?2 AND ?3
                 ON CONFLICT DO NOTHING",
                params![unit, f, t],
            )?;
            let responses: i64 = tx.query_row(
                "SELECT COALESCE(SUM(responses), 0) FROM daily_unit_figures
                 WHERE unit_clues = ?1 AND day BETWEEN ?2 AND ?3",
                params![unit, f, t],
                |r| r.get(0),
            )?;
            for table in [
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
            write_meaning(&tx, &rollup)?;
            let alerts_added = insert_alerts(&tx, &rollup.alerts)?;
            tx.commit()?;
            Ok(RebuiltChunk {
                responses,
                rows,
                alerts_added,
            })
        })
        .await
    }

    async fn alerts(&self, q: &AlertQuery) -> Result<Vec<AlertRecord>, StoreError> {
        let q = q.clone();
        self.read(move |c| {
            let (f, fp) = filters(&q.units, &q.area, 3);
            let status = match q.status {
                AlertStatus::Open => " AND attended_at IS NULL",
                AlertStatus::Attended => " AND attended_at IS NOT NULL",
                AlertStatus::All => "",
            };
            let sql = format!(
                "SELECT {ALERT_COLUMNS} FROM alerts WHERE day BETWEEN ?1 AND ?2{f}{status}
                 ORDER BY finished_at DESC, response_id LIMIT {}",
                q.limit.max(0)
            );
            let mut p = vec![
                q.from.format("%Y-%m-%d").to_string(),
                q.to.format("%Y-%m-%d").to_string(),
            ];
            p.extend(fp);
            let mut st = c.prepare_cached(&sql)?;
            let rows = st.query_map(params_from_iter(p.iter()), alert_row)?;
            let mut out = Vec::new();
            for r in rows {
                out.push(alert_record(r?)?);
            }
            Ok(out)
        })
        .await
    }

    async fn alert(&self, id: Uuid) -> Result<Option<AlertRecord>, StoreError> {
        self.read(move |c| {
            let row = c
                .prepare_cached(&format!(
                    "SELECT {ALERT_COLUMNS} FROM alerts WHERE response_id = ?1"
                ))?
                .query_row([id.to_string()], alert_row)
                .optional()?;
            row.map(alert_record).transpose()
        })
        .await
    }

    async fn attend_alert(
        &self,
        id: Uuid,
        by: &str,
        note: &str,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let (by, note) = (by.to_owned(), note.to_owned());
        self.write(move |c| {
            let n = c.execute(
                "UPDATE alerts SET attended_at = ?2, attended_by = ?3, note = ?4
                 WHERE response_id = ?1 AND attended_at IS NULL",
                params![id.to_string(), ts(at), by, note],
            )?;
            Ok(n == 1)
        })
        .await
    }
}
