//! PostgreSQL backend for the national scale: same schema and behaviour as the
//! SQLite one, through a deadpool connection pool.

use std::collections::{HashMap, HashSet};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use tokio_postgres::NoTls;
use uuid::Uuid;

use super::{
    corrupt, BatchMeta, InsertOutcome, KioskAuth, KioskRecord, KioskSurveyReport, NewKiosk,
    PreparedResponse, PublicationRecord, Publish, PutSurvey, Scope, Store, StoredResponse,
};
use crate::error::StoreError;

mod alerts;
mod dash;
mod fleet;
mod mail;

/// Numbered migrations; the `schema_version` table records how many have run.
const MIGRATIONS: &[&str] = &[
    include_str!("../../migrations/postgres/0001_init.sql"),
    include_str!("../../migrations/postgres/0002_dashboard.sql"),
    include_str!("../../migrations/postgres/0003_fewer_indexes.sql"),
    include_str!("../../migrations/postgres/0004_daily_unit_figures.sql"),
    include_str!("../../migrations/postgres/0005_clock_suspect.sql"),
    include_str!("../../migrations/postgres/0006_indicator_figures.sql"),
    include_str!("../../migrations/postgres/0007_survey_scopes.sql"),
    include_str!("../../migrations/postgres/0008_generic_daily_figures.sql"),
    include_str!("../../migrations/postgres/0009_kiosk_reports.sql"),
    include_str!("../../migrations/postgres/0010_mail_outbox.sql"),
    include_str!("../../migrations/postgres/0011_alert_handling.sql"),
    include_str!("../../migrations/postgres/0012_alert_counts.sql"),
    include_str!("../../migrations/postgres/0013_coarse_figures.sql"),
];
/// Arbitrary key for the advisory lock that serializes migrations between
/// processes (a server and a CLI started at once).
const MIGRATION_LOCK: i64 = 0x7472_6174_6f5f_6365;
const POOL_SIZE: usize = 16;

pub struct PostgresStore {
    pool: Pool,
}

impl PostgresStore {
    pub async fn open(cfg: tokio_postgres::Config) -> Result<Self, StoreError> {
        let mgr = Manager::from_config(
            cfg,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(mgr).max_size(POOL_SIZE).build()?;
        let store = Self { pool };
        store.migrate().await?;
        Ok(store)
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
            .await?;
        tx.batch_execute("CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL)")
            .await?;
        let found: i64 = tx
            .query_opt("SELECT version FROM schema_version", &[])
            .await?
            .map(|r| r.try_get(0))
            .transpose()?
            .unwrap_or(0);
        let known = MIGRATIONS.len() as i64;
        if found > known {
            return Err(StoreError::SchemaTooNew { found, known });
        }
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
            tx.batch_execute(sql).await?;
            tracing::info!("PostgreSQL schema migrated to version {}", i + 1);
        }
        if found < known {
            tx.execute("DELETE FROM schema_version", &[]).await?;
            tx.execute(
                "INSERT INTO schema_version (version) VALUES ($1)",
                &[&known],
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

#[async_trait]
impl Store for PostgresStore {
    fn backend(&self) -> &'static str {
        "postgres"
    }

    fn dash(&self) -> &dyn super::dash::DashStore {
        self
    }

    fn fleet(&self) -> &dyn super::fleet::FleetStore {
        self
    }

    fn mail(&self) -> &dyn super::mail::MailStore {
        self
    }

    fn alerts(&self) -> &dyn super::alerts::AlertStore {
        self
    }

    async fn ping(&self) -> Result<(), StoreError> {
        let c = self.pool.get().await?;
        c.execute("SELECT 1", &[]).await?;
        Ok(())
    }

    async fn authenticate(&self, token_hash: &str) -> Result<Option<KioskAuth>, StoreError> {
        let c = self.pool.get().await?;
        let st = c
            .prepare_cached(
                "SELECT id, unit_clues FROM kiosks WHERE token_hash = $1 AND revoked_at IS NULL",
            )
            .await?;
        c.query_opt(&st, &[&token_hash])
            .await?
            .map(|r| {
                Ok(KioskAuth {
                    kiosk_id: r.try_get(0)?,
                    unit_clues: r.try_get(1)?,
                })
            })
            .transpose()
    }

    async fn add_kiosk(&self, k: NewKiosk) -> Result<(), StoreError> {
        let c = self.pool.get().await?;
        c.execute(
            "INSERT INTO kiosks (id, unit_clues, name, token_hash, created_at)
             VALUES ($1, $2, $3, $4, $5)",
            &[&k.id, &k.unit_clues, &k.name, &k.token_hash, &k.created_at],
        )
        .await?;
        Ok(())
    }

    async fn list_kiosks(&self) -> Result<Vec<KioskRecord>, StoreError> {
        let c = self.pool.get().await?;
        let rows = c
            .query(
                "SELECT id, unit_clues, name, created_at, revoked_at, last_seen_at,
                        last_clock_offset_ms, last_backlog, last_survey_id,
                        last_survey_version, last_utc_offset_minutes
                 FROM kiosks ORDER BY unit_clues, created_at, id",
                &[],
            )
            .await?;
        rows.iter()
            .map(|r| {
                Ok(KioskRecord {
                    id: r.try_get(0)?,
                    unit_clues: r.try_get(1)?,
                    name: r.try_get(2)?,
                    created_at: r.try_get(3)?,
                    revoked_at: r.try_get(4)?,
                    last_seen_at: r.try_get(5)?,
                    last_clock_offset_ms: r.try_get(6)?,
                    last_backlog: r.try_get(7)?,
                    last_survey: r
                        .try_get::<_, Option<String>>(8)?
                        .zip(r.try_get::<_, Option<i64>>(9)?)
                        .map(|(id, v)| (id, u32::try_from(v).unwrap_or(0))),
                    last_utc_offset_minutes: r.try_get(10)?,
                })
            })
            .collect()
    }

    async fn revoke_kiosk(&self, id: &str, at: DateTime<Utc>) -> Result<bool, StoreError> {
        let c = self.pool.get().await?;
        let n = c
            .execute(
                "UPDATE kiosks SET revoked_at = COALESCE(revoked_at, $2) WHERE id = $1",
                &[&id, &at],
            )
            .await?;
        Ok(n > 0)
    }

    async fn apply_batch(
        &self,
        meta: BatchMeta,
        items: Vec<PreparedResponse>,
    ) -> Result<Vec<InsertOutcome>, StoreError> {
        // Three statements per batch whatever its size (arrays + UNNEST), not
        // a round trip per response.
        let mut c = self.pool.get().await?;
        let tx = c.transaction().await?;

        let n = items.len();
        let mut ids = Vec::with_capacity(n);
        let mut hashes = Vec::with_capacity(n);
        let mut survey_ids = Vec::with_capacity(n);
        let mut versions = Vec::with_capacity(n);
        let mut unit_clues = Vec::with_capacity(n);
        let mut unit_names = Vec::with_capacity(n);
        let mut areas = Vec::with_capacity(n);
        let mut kiosks = Vec::with_capacity(n);
        let mut langs = Vec::with_capacity(n);
        let mut statuses = Vec::with_capacity(n);
        let mut flags: Vec<Option<&str>> = Vec::with_capacity(n);
        let mut started = Vec::with_capacity(n);
        let mut finished = Vec::with_capacity(n);
        let mut offsets = Vec::with_capacity(n);
        let mut seqs = Vec::with_capacity(n);
        let mut jsons = Vec::with_capacity(n);
        let mut raws: Vec<Option<&str>> = Vec::with_capacity(n);
        let mut a_ids = Vec::new();
        let mut a_questions = Vec::new();
        let mut a_codes: Vec<Option<&str>> = Vec::new();
        let mut a_texts: Vec<Option<&str>> = Vec::new();
        for it in &items {
            let r = &it.response;
            ids.push(r.id);
            hashes.push(it.content_hash.as_str());
            survey_ids.push(r.survey_id.as_str());
            versions.push(i64::from(r.survey_version));
            unit_clues.push(r.unit_clues.as_str());
            unit_names.push(r.unit_name.as_str());
            areas.push(r.service_area.as_str());
            kiosks.push(r.kiosk_id.as_str());
            langs.push(r.language.as_str());
            statuses.push(r.status.as_str());
            flags.push(r.flag_reason.map(|f| f.as_str()));
            started.push(r.started_at);
            finished.push(r.finished_at);
            offsets.push(r.utc_offset_minutes);
            seqs.push(it.seq);
            jsons.push(it.canonical_json.as_str());
            raws.push(it.clock_raw.as_deref());
        }

        // ON CONFLICT DO NOTHING also skips an id repeated inside the batch;
        // RETURNING tells which rows are new.
        let inserted: HashSet<Uuid> = tx
            .query(
                "INSERT INTO responses (id, content_hash, survey_id, survey_version, unit_clues,
                    unit_name, service_area, kiosk_id, language, status, flag_reason, started_at,
                    finished_at, utc_offset_minutes, seq, kiosk_sent_at, received_at,
                    clock_offset_ms, clock_skewed, canonical_json, clock_suspect, clock_raw)
                 SELECT u.id, u.h, u.sid, u.ver, u.unit, u.uname, u.area, u.kiosk, u.lang,
                    u.status, u.flag, u.started, u.finished, u.off, u.seq, $17, $18, $19, $20, u.js,
                    u.raw IS NOT NULL, u.raw
                 FROM UNNEST($1::uuid[], $2::text[], $3::text[], $4::int8[], $5::text[],
                    $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[],
                    $12::timestamptz[], $13::timestamptz[], $14::int4[], $15::int8[], $16::text[],
                    $21::text[])
                    WITH ORDINALITY
                    AS u(id, h, sid, ver, unit, uname, area, kiosk, lang, status, flag, started,
                         finished, off, seq, js, raw, ord)
                 ORDER BY u.ord
                 ON CONFLICT (id) DO NOTHING
                 RETURNING id",
                &[
                    &ids,
                    &hashes,
                    &survey_ids,
                    &versions,
                    &unit_clues,
                    &unit_names,
                    &areas,
                    &kiosks,
                    &langs,
                    &statuses,
                    &flags,
                    &started,
                    &finished,
                    &offsets,
                    &seqs,
                    &jsons,
                    &meta.sent_at,
                    &meta.received_at,
                    &meta.clock_offset_ms,
                    &meta.clock_skewed,
                    &raws,
                ],
            )
            .await?
            .iter()
            .map(|r| r.try_get(0))
            .collect::<Result<_, _>>()?;

        let mut seen_new: HashSet<Uuid> = HashSet::new();
        let mut rollup = super::dash::Rollup::default();
        let mut fresh = Vec::new();
        let mut others: Vec<Uuid> = Vec::new();
        for it in &items {
            let id = it.response.id;
            if inserted.contains(&id) && seen_new.insert(id) {
                rollup.add(&it.response, Some(&*it.survey));
                fresh.push(&it.response);
                // First occurrence of a new id: its answers go in.
                for a in &it.response.answers {
                    for code in &a.codes {
                        a_ids.push(id);
                        a_questions.push(a.question.as_str());
                        a_codes.push(Some(code.as_str()));
                        a_texts.push(None);
                    }
                    if let Some(t) = &a.text {
                        a_ids.push(id);
                        a_questions.push(a.question.as_str());
                        a_codes.push(None);
                        a_texts.push(Some(t.as_str()));
                    }
                }
            } else {
                others.push(id);
            }
        }
        if !a_ids.is_empty() {
            tx.execute(
                "INSERT INTO answers (response_id, question, code, text)
                 SELECT * FROM UNNEST($1::uuid[], $2::text[], $3::text[], $4::text[])",
                &[&a_ids, &a_questions, &a_codes, &a_texts],
            )
            .await?;
        }
        dash::write_rollup(&tx, &rollup).await?;
        alerts::insert_comments(&tx, &super::alerts::new_comments(fresh)).await?;
        let stored_hashes: HashMap<Uuid, String> = if others.is_empty() {
            HashMap::new()
        } else {
            tx.query(
                "SELECT id, content_hash FROM responses WHERE id = ANY($1)",
                &[&others],
            )
            .await?
            .iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect::<Result<_, tokio_postgres::Error>>()?
        };

        let mut first_seen: HashSet<Uuid> = HashSet::new();
        let mut out = Vec::with_capacity(n);
        for it in &items {
            let id = it.response.id;
            let outcome = if inserted.contains(&id) {
                if first_seen.insert(id) {
                    InsertOutcome::Stored
                } else {
                    // A repeat inside this batch: compare with the first copy.
                    let first = items
                        .iter()
                        .find(|o| o.response.id == id)
                        .map(|o| o.content_hash.as_str());
                    if first == Some(it.content_hash.as_str()) {
                        InsertOutcome::Duplicate
                    } else {
                        InsertOutcome::Conflict
                    }
                }
            } else {
                match stored_hashes.get(&id) {
                    Some(h) if *h == it.content_hash => InsertOutcome::Duplicate,
                    Some(_) => InsertOutcome::Conflict,
                    None => return Err(corrupt(format!("response {id} vanished mid-batch"))),
                }
            };
            out.push(outcome);
        }

        // Every new alert into the mail outbox, in this same transaction.
        let outbox = super::mail::outbox_rows(&rollup, &items);
        if !outbox.is_empty() {
            let (ids, units, urgent): (Vec<Uuid>, Vec<&str>, Vec<bool>) =
                outbox
                    .into_iter()
                    .fold(Default::default(), |mut acc, (id, u, x)| {
                        acc.0.push(id);
                        acc.1.push(u);
                        acc.2.push(x);
                        acc
                    });
            tx.execute(
                "INSERT INTO mail_outbox (alert_id, unit_clues, urgent, queued_at)
                 SELECT u.id, u.unit, u.urgent, $4
                 FROM UNNEST($1::uuid[], $2::text[], $3::bool[]) AS u(id, unit, urgent)
                 ON CONFLICT (alert_id) DO NOTHING",
                &[&ids, &units, &urgent, &meta.received_at],
            )
            .await?;
        }
        let (survey_id, survey_version) = meta.report.survey.clone().unzip();
        tx.execute(
            "UPDATE kiosks SET last_seen_at = $2, last_clock_offset_ms = $3, last_backlog = $4,
                last_survey_id = COALESCE($5, last_survey_id),
                last_survey_version = COALESCE($6, last_survey_version),
                last_utc_offset_minutes = COALESCE($7, last_utc_offset_minutes)
             WHERE id = $1",
            &[
                &meta.kiosk_id,
                &meta.received_at,
                &meta.clock_offset_ms,
                &meta.report.backlog,
                &survey_id,
                &survey_version.map(i64::from),
                &meta.report.utc_offset_minutes,
            ],
        )
        .await?;
        tx.commit().await?;
        Ok(out)
    }

    async fn survey(&self, id: &str, version: u32) -> Result<Option<String>, StoreError> {
        let c = self.pool.get().await?;
        let st = c
            .prepare_cached("SELECT definition FROM surveys WHERE survey_id = $1 AND version = $2")
            .await?;
        Ok(c.query_opt(&st, &[&id, &i64::from(version)])
            .await?
            .map(|r| r.try_get(0))
            .transpose()?)
    }

    async fn replace_survey(
        &self,
        id: &str,
        version: u32,
        json: &str,
        content_hash: &str,
    ) -> Result<(), StoreError> {
        let c = self.pool.get().await?;
        c.execute(
            "UPDATE surveys SET definition = $3, content_hash = $4
             WHERE survey_id = $1 AND version = $2",
            &[&id, &i64::from(version), &json, &content_hash],
        )
        .await?;
        Ok(())
    }

    async fn put_survey(
        &self,
        id: &str,
        version: u32,
        json: &str,
        content_hash: &str,
        publish: Option<Publish>,
        at: DateTime<Utc>,
    ) -> Result<PutSurvey, StoreError> {
        let mut c = self.pool.get().await?;
        let tx = c.transaction().await?;
        let v = i64::from(version);
        let inserted = tx
            .execute(
                "INSERT INTO surveys (survey_id, version, definition, content_hash, added_at)
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
                &[&id, &v, &json, &content_hash, &at],
            )
            .await?;
        let outcome = if inserted == 1 {
            PutSurvey::Inserted
        } else {
            let h: String = tx
                .query_one(
                    "SELECT content_hash FROM surveys WHERE survey_id = $1 AND version = $2",
                    &[&id, &v],
                )
                .await?
                .try_get(0)?;
            if h == content_hash {
                PutSurvey::AlreadyThere
            } else {
                return Ok(PutSurvey::Different);
            }
        };
        if let Some(p) = publish {
            let (kind, code) = p.scope.parts();
            // `unit_clues` is kept filled for unit scopes, as before 0007.
            let unit = matches!(p.scope, Scope::Unit(_)).then_some(code);
            tx.execute(
                "INSERT INTO survey_publications
                   (survey_id, version, unit_clues, published_at, scope_kind, scope_code, active_from)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
                &[&id, &v, &unit, &at, &kind, &code, &p.active_from],
            )
            .await?;
        }
        tx.commit().await?;
        Ok(outcome)
    }

    async fn publications(&self) -> Result<Vec<PublicationRecord>, StoreError> {
        let c = self.pool.get().await?;
        let rows = c
            .query(
                "SELECT id, survey_id, version, scope_kind, scope_code, active_from,
                        published_at, withdrawn_at
                 FROM survey_publications ORDER BY id",
                &[],
            )
            .await?;
        rows.iter()
            .map(|r| {
                let id: i64 = r.try_get(0)?;
                let (kind, code): (String, String) = (r.try_get(3)?, r.try_get(4)?);
                Ok(PublicationRecord {
                    id,
                    survey_id: r.try_get(1)?,
                    version: version_of(r.try_get(2)?)?,
                    scope: Scope::from_parts(&kind, &code)
                        .ok_or_else(|| corrupt(format!("publication {id}: scope `{kind}`")))?,
                    active_from: r.try_get(5)?,
                    published_at: r.try_get(6)?,
                    withdrawn_at: r.try_get(7)?,
                })
            })
            .collect()
    }

    async fn withdraw_publication(&self, id: i64, at: DateTime<Utc>) -> Result<bool, StoreError> {
        let c = self.pool.get().await?;
        let n = c
            .execute(
                "UPDATE survey_publications SET withdrawn_at = $2
                 WHERE id = $1 AND withdrawn_at IS NULL",
                &[&id, &at],
            )
            .await?;
        Ok(n == 1)
    }

    async fn unit_parent(&self, clues: &str) -> Result<Option<Scope>, StoreError> {
        let c = self.pool.get().await?;
        let st = c
            .prepare_cached("SELECT parent_kind, parent FROM units WHERE clues = $1")
            .await?;
        let Some(row) = c.query_opt(&st, &[&clues]).await? else {
            return Ok(None);
        };
        let (kind, name): (String, String) = (row.try_get(0)?, row.try_get(1)?);
        Ok(Scope::from_parts(&kind, &name))
    }

    async fn put_kiosk_survey(&self, r: KioskSurveyReport) -> Result<(), StoreError> {
        let c = self.pool.get().await?;
        let st = c
            .prepare_cached(
                "INSERT INTO kiosk_surveys
                   (kiosk_id, reads_format, survey_id, survey_version, problem, reported_at)
                 VALUES ($1, $2, $3, $4, $5, $6)
                 ON CONFLICT (kiosk_id) DO UPDATE SET reads_format = excluded.reads_format,
                   survey_id = excluded.survey_id, survey_version = excluded.survey_version,
                   problem = excluded.problem, reported_at = excluded.reported_at",
            )
            .await?;
        c.execute(
            &st,
            &[
                &r.kiosk_id,
                &i64::from(r.reads_format),
                &r.survey_id,
                &i64::from(r.survey_version),
                &r.problem,
                &r.reported_at,
            ],
        )
        .await?;
        Ok(())
    }

    async fn kiosk_surveys(&self) -> Result<Vec<KioskSurveyReport>, StoreError> {
        let c = self.pool.get().await?;
        let rows = c
            .query(
                "SELECT kiosk_id, reads_format, survey_id, survey_version, problem, reported_at
                 FROM kiosk_surveys ORDER BY kiosk_id",
                &[],
            )
            .await?;
        rows.iter()
            .map(|r| {
                Ok(KioskSurveyReport {
                    kiosk_id: r.try_get(0)?,
                    reads_format: version_of(r.try_get(1)?)?,
                    survey_id: r.try_get(2)?,
                    survey_version: version_of(r.try_get(3)?)?,
                    problem: r.try_get(4)?,
                    reported_at: r.try_get(5)?,
                })
            })
            .collect()
    }

    async fn count_responses(&self) -> Result<u64, StoreError> {
        let c = self.pool.get().await?;
        let n: i64 = c
            .query_one("SELECT COUNT(*) FROM responses", &[])
            .await?
            .try_get(0)?;
        u64::try_from(n).map_err(corrupt)
    }

    async fn count_answers(&self) -> Result<u64, StoreError> {
        let c = self.pool.get().await?;
        let n: i64 = c
            .query_one("SELECT COUNT(*) FROM answers", &[])
            .await?
            .try_get(0)?;
        u64::try_from(n).map_err(corrupt)
    }

    async fn stored_response(&self, id: Uuid) -> Result<Option<StoredResponse>, StoreError> {
        let c = self.pool.get().await?;
        let row = c
            .query_opt(
                "SELECT content_hash, canonical_json, kiosk_id, unit_clues, seq,
                        kiosk_sent_at, received_at, clock_offset_ms, clock_skewed
                 FROM responses WHERE id = $1",
                &[&id],
            )
            .await?;
        row.map(|r| {
            Ok(StoredResponse {
                id,
                content_hash: r.try_get(0)?,
                canonical_json: r.try_get(1)?,
                kiosk_id: r.try_get(2)?,
                unit_clues: r.try_get(3)?,
                seq: r.try_get(4)?,
                kiosk_sent_at: r.try_get(5)?,
                received_at: r.try_get(6)?,
                clock_offset_ms: r.try_get(7)?,
                clock_skewed: r.try_get(8)?,
            })
        })
        .transpose()
    }
}

/// A `BIGINT` version or format number as the `u32` the domain uses.
fn version_of(v: i64) -> Result<u32, StoreError> {
    u32::try_from(v).map_err(|_| corrupt(format!("version {v} out of range")))
}
