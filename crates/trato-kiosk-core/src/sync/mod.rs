//! Sending stored responses to the centre (`docs/protocol.md`), exactly once
//! through any network fault: a response is marked sent only when a reply
//! says `stored` or `duplicate` for it, and the centre's permanent unique id
//! makes every resend harmless.
//!
//! - [`batch`]: the next batch, pending responses in `seq` order, ≤ 1 MiB gzip.
//! - [`client`]: HTTPS to the centre (reqwest + rustls), errors sorted.
//! - `in_flight`: the batches on the wire (the next ones are sent before
//!   the previous reply is applied).
//! - [`apply`]: the reply applied in one local transaction.
//! - [`backoff`]: exponential with jitter, capped at 15 minutes.
//! - [`retention`]: purging sent responses past `sync.retention_days`.
//! - [`service`]: the background task, one sync at a time, woken by new responses.
//!
//! [`Syncer`] has its own connection to the kiosk's database (WAL lets it
//! read and write beside the survey's), so a sync never waits on, or holds,
//! the kiosk's lock.

pub mod apply;
pub mod backoff;
pub mod batch;
pub mod client;
mod error;
mod in_flight;
pub mod retention;
pub mod service;
pub mod survey_check;

use std::path::Path;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use serde::Serialize;
use trato_domain::wire::{ActiveSurveyQuery, BatchReply, MAX_BATCH_COMPRESSED_BYTES};
use trato_domain::SurveyDefinition;

pub use apply::{Applied, RejectedItem};
pub use backoff::Backoff;
pub use batch::PreparedBatch;
pub use client::{CentreClient, Timeouts};
pub use error::SyncError;
pub use service::{spawn_service, ServiceOptions, SyncHandle};

use crate::settings::KioskSettings;
use crate::store::sync::SyncLogRow;
use crate::store::SurveyOffer;
use crate::store::{Store, StoreError};
use in_flight::InFlight;
use survey_check::Offered;

/// Called with each reply before it is applied (tests use it to kill the
/// process in exactly that window).
pub type ReplyHook = Arc<dyn Fn(&BatchReply) + Send + Sync>;

#[derive(Clone)]
pub struct SyncOptions {
    /// Responses per batch (the protocol's default 200; at most 1,000).
    pub batch_size: usize,
    /// Compressed body limit; a batch shrinks until it fits.
    pub max_batch_bytes: usize,
    /// Batches on the wire at once (at least 1): batch N's reply is applied
    /// locally while the next ones are at the centre. 3 drained a backlog
    /// about 10% faster than 2 (docs/PERFORMANCE.md, Sync).
    pub in_flight: usize,
    pub timeouts: Timeouts,
    /// Ask the centre for the unit's active survey after sending.
    pub check_survey: bool,
    /// The survey format the kiosk tells the centre it reads: this build's
    /// [`survey_check::READS_FORMAT`] (tests pose as an older kiosk).
    pub reads_format: u32,
    /// The time a batch says it was sent (tests set it, with the centre's).
    pub clock: Arc<dyn crate::clock::Clock>,
    #[doc(hidden)]
    pub after_reply: Option<ReplyHook>,
}

impl Default for SyncOptions {
    fn default() -> Self {
        SyncOptions {
            batch_size: trato_domain::wire::DEFAULT_BATCH_RESPONSES,
            max_batch_bytes: MAX_BATCH_COMPRESSED_BYTES,
            in_flight: 3,
            timeouts: Timeouts::default(),
            check_survey: true,
            reads_format: survey_check::READS_FORMAT,
            clock: Arc::new(crate::clock::SystemClock),
            after_reply: None,
        }
    }
}

impl std::fmt::Debug for SyncOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyncOptions")
            .field("batch_size", &self.batch_size)
            .field("max_batch_bytes", &self.max_batch_bytes)
            .field("in_flight", &self.in_flight)
            .field("timeouts", &self.timeouts)
            .field("check_survey", &self.check_survey)
            .field("reads_format", &self.reads_format)
            .finish_non_exhaustive()
    }
}

/// What one sync did.
#[derive(Debug, Clone, Default)]
pub struct SyncReport {
    pub batches: usize,
    /// New at the centre.
    pub stored: usize,
    /// Already at the centre (a retry after a lost reply).
    pub duplicate: usize,
    pub rejected: Vec<RejectedItem>,
    /// Still pending when the sync ended.
    pub pending: i64,
    pub clock_offset_ms: Option<i64>,
    pub server_time: Option<DateTime<Utc>>,
    /// A survey the centre made active for this unit that the kiosk does not
    /// run (older or newer): the caller installs it between patients.
    pub new_survey: Option<SurveyDefinition>,
    /// Why the survey the centre offers cannot be used (the kiosk keeps
    /// its current one).
    pub survey_problem: Option<String>,
    /// Sent responses deleted by retention.
    pub purged: usize,
}

impl SyncReport {
    /// Marked sent in this sync (stored + duplicate).
    pub fn sent(&self) -> usize {
        self.stored + self.duplicate
    }
}

/// The sync state staff see.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncView {
    /// Empty when the kiosk does not sync.
    pub endpoint: String,
    /// In words: "sin configurar", "al día", "enviando", ...
    pub state: String,
    pub pending: i64,
    pub last_success: Option<DateTime<Utc>>,
    /// The last attempt's error in words, if it failed.
    pub last_error: Option<String>,
    /// When the background task tries again (while backing off).
    pub next_attempt: Option<DateTime<Utc>>,
    /// The centre's clock minus this kiosk's at the last sync that reached it.
    pub clock_offset_ms: Option<i64>,
    /// That offset is beyond what the centre accepts as the same time.
    pub clock_skewed: bool,
}

pub const STATE_NOT_CONFIGURED: &str = "sin configurar";
pub const STATE_UP_TO_DATE: &str = "al día";
pub const STATE_PENDING: &str = "por enviar";
pub const STATE_FAILING: &str = "sin conexión con el servidor central";
pub const STATE_SENDING: &str = "enviando";

impl SyncView {
    /// From what the database records (the last `sync_log` row), for the
    /// staff screen and `status`; the running service refines it.
    pub fn from_store(store: &Store, settings: &KioskSettings) -> Result<Self, StoreError> {
        let pending = store.response_counts()?.pending;
        let last = store.last_sync()?;
        let clock_offset_ms = last.as_ref().and_then(|l| l.clock_offset_ms);
        let last_error = last.filter(|l| !l.ok).and_then(|l| l.error);
        let state = if settings.sync_endpoint.is_empty() {
            STATE_NOT_CONFIGURED
        } else if last_error.is_some() {
            STATE_FAILING
        } else if pending > 0 {
            STATE_PENDING
        } else {
            STATE_UP_TO_DATE
        };
        Ok(SyncView {
            endpoint: settings.sync_endpoint.clone(),
            state: state.to_owned(),
            pending,
            last_success: store.last_sync_success()?,
            last_error,
            next_attempt: None,
            clock_offset_ms,
            clock_skewed: is_skewed(clock_offset_ms),
        })
    }
}

/// Whether an offset from the centre's clock is too large to be the same time.
pub fn is_skewed(clock_offset_ms: Option<i64>) -> bool {
    clock_offset_ms.is_some_and(|ms| ms.abs() > trato_domain::wire::CLOCK_SKEW_LIMIT_SECONDS * 1000)
}

/// Runs syncs against the kiosk's database through its own connection.
pub struct Syncer {
    store: Arc<Mutex<Store>>,
    options: SyncOptions,
    /// The client for (endpoint, token, CA file), rebuilt when one changes.
    client: Option<([String; 3], CentreClient)>,
}

impl Syncer {
    /// A second connection to the kiosk database at `db` (already opened,
    /// checked and migrated by the kiosk).
    pub fn open(db: &Path, options: SyncOptions) -> Result<Self, SyncError> {
        Ok(Self::with_store(Store::open_existing(db)?, options))
    }

    pub fn with_store(store: Store, options: SyncOptions) -> Self {
        Syncer {
            store: Arc::new(Mutex::new(store)),
            options,
            client: None,
        }
    }

    pub fn options_mut(&mut self) -> &mut SyncOptions {
        &mut self.options
    }

    /// Runs `f` on the blocking pool with the store: SQLite never blocks an
    /// async worker.
    async fn db<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Store) -> Result<T, SyncError> + Send + 'static,
    ) -> Result<T, SyncError> {
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || {
            let mut guard = store
                .lock()
                .map_err(|_| SyncError::Worker("the sync store lock is poisoned".into()))?;
            f(&mut guard)
        })
        .await
        .map_err(|e| SyncError::Worker(e.to_string()))?
    }

    /// The state staff see, from the database.
    pub async fn view(&self) -> Result<SyncView, SyncError> {
        self.db(|s| {
            let settings = KioskSettings::load_or_init(s).map_err(settings_error)?;
            Ok(SyncView::from_store(s, &settings)?)
        })
        .await
    }

    /// One sync: every pending response in batches until none is left (or
    /// an error), then the survey check and retention. Records a `sync_log`
    /// row unless the kiosk is not configured to sync.
    pub async fn run_once(&mut self) -> Result<SyncReport, SyncError> {
        let started = Utc::now();
        let mut report = SyncReport::default();
        let result = self.run(&mut report).await;
        if matches!(result, Err(SyncError::NotConfigured)) {
            return Err(SyncError::NotConfigured);
        }
        let error = result.as_ref().err().map(SyncError::in_words);
        if let Err(e) = &result {
            tracing::warn!(code = e.code(), error = %e, sent = report.sent(), "sync failed");
        } else {
            tracing::info!(
                sent = report.sent(),
                duplicate = report.duplicate,
                rejected = report.rejected.len(),
                pending = report.pending,
                "sync finished"
            );
        }
        let (sent, rejected) = (report.sent() as i64, report.rejected.len() as i64);
        let (server_time, offset) = (report.server_time, report.clock_offset_ms);
        let ok = result.is_ok();
        self.db(move |s| {
            s.append_sync_log(&SyncLogRow {
                started_at: started,
                finished_at: Utc::now(),
                ok,
                sent,
                rejected,
                error: error.as_deref(),
                server_time,
                clock_offset_ms: offset,
            })?;
            Ok(())
        })
        .await?;
        result.map(|()| report)
    }

    async fn run(&mut self, report: &mut SyncReport) -> Result<(), SyncError> {
        let settings = self
            .db(|s| KioskSettings::load_or_init(s).map_err(settings_error))
            .await?;
        if settings.sync_endpoint.is_empty() {
            return Err(SyncError::NotConfigured);
        }
        if settings.sync_token.is_empty() {
            return Err(SyncError::NoToken);
        }
        let client = self.client(&settings)?;
        let sender = batch::Sender {
            kiosk_id: settings.kiosk_id.clone(),
            unit_clues: settings.unit_clues.clone(),
            survey: Some((settings.survey_id.clone(), settings.survey_version)),
            pending_from_first: None,
        };
        let max_bytes = self.options.max_batch_bytes;
        let mut limit = self
            .options
            .batch_size
            .clamp(1, trato_domain::wire::MAX_BATCH_RESPONSES);
        // The next batch is read by `seq` after the last one *sent*, not the
        // last one acknowledged: responses on the wire are still pending.
        let depth = self.options.in_flight.max(1);
        let mut wire = InFlight::default();
        let mut after = i64::MIN;
        let mut drained = false;
        // After a 413, read again from here once the wire is empty.
        let mut resend_after: Option<i64> = None;
        // The first failure stops sending; replies already on their way are
        // still applied.
        let mut failed: Option<SyncError> = None;
        loop {
            if wire.is_empty() {
                if let Some(a) = resend_after.take() {
                    (after, drained) = (a, false);
                }
            }
            while failed.is_none() && resend_after.is_none() && !drained && wire.len() < depth {
                let s = sender.clone();
                let sent_at = self.options.clock.now();
                let batch = self
                    .db(move |store| {
                        batch::next_batch_after(store, &s, after, sent_at, limit, max_bytes)
                    })
                    .await?;
                match batch {
                    Some(batch) => {
                        after = batch.last_seq().unwrap_or(after);
                        wire.send(&client, batch);
                    }
                    None => drained = true,
                }
            }
            let Some((batch, posted)) = wire.next().await else {
                break;
            };
            let replied = match posted {
                Ok(r) => r,
                Err(SyncError::Http { status: 413, .. }) if batch.len() > 1 && failed.is_none() => {
                    limit = (batch.len() / 2).max(1);
                    tracing::info!(limit, "the centre found the batch too large: sending fewer");
                    let from = batch.items.first().map_or(after, |(seq, _)| seq - 1);
                    resend_after = Some(resend_after.map_or(from, |a| a.min(from)));
                    continue;
                }
                Err(e) => {
                    failed.get_or_insert(e);
                    continue;
                }
            };
            if let Some(hook) = &self.options.after_reply {
                hook(&replied.body);
            }
            let reply = replied.body;
            let applied = self
                .db(move |s| apply::apply_reply(s, &batch, &reply, Utc::now()))
                .await?;
            report.batches += 1;
            report.stored += applied.stored;
            report.duplicate += applied.duplicate;
            report.rejected.extend(applied.rejected);
            report.server_time = replied.server_time.or(report.server_time);
            report.clock_offset_ms = replied.clock_offset_ms.or(report.clock_offset_ms);
        }
        if let Some(e) = failed {
            return Err(e);
        }
        if self.options.check_survey {
            if let Err(e) = self.check_survey(&client, &settings, report).await {
                // With nothing sent, the survey check is the sync's only
                // contact with the centre: its failure is the sync's. After
                // batches went through, it only warns.
                if report.batches == 0 {
                    return Err(e);
                }
                tracing::warn!(error = %e, "cannot ask the centre for the active survey");
            }
        }
        let days = settings.retention_days;
        let (purged, pending) = self
            .db(move |s| {
                let purged = retention::purge(s, days, Utc::now())?;
                Ok((purged, s.response_counts()?.pending))
            })
            .await?;
        report.purged = purged;
        report.pending = pending;
        Ok(())
    }

    /// Asks the centre which survey is active for this kiosk, telling it
    /// the format the kiosk reads, the survey it runs and the last problem.
    /// Another survey goes into the report for the shell to install between
    /// patients; one the kiosk cannot use is recorded (and reported at once).
    async fn check_survey(
        &self,
        client: &CentreClient,
        settings: &KioskSettings,
        report: &mut SyncReport,
    ) -> Result<(), SyncError> {
        let last = self.db(|s| Ok(s.survey_offer()?)).await?;
        let last_problem = last.map(|o| o.problem).filter(|p| !p.is_empty());
        let mut query = ActiveSurveyQuery {
            unit: Some(settings.unit_clues.clone()),
            format: Some(self.options.reads_format),
            survey: Some(settings.survey_id.clone()),
            version: Some(settings.survey_version),
            problem: last_problem.clone(),
        };
        let r = client.active_survey(&query).await?;
        report.server_time = r.server_time.or(report.server_time);
        report.clock_offset_ms = r.clock_offset_ms.or(report.clock_offset_ms);
        let running = (settings.survey_id.as_str(), settings.survey_version);
        match survey_check::sort_offer(&r.body, running, self.options.reads_format) {
            Offered::Nothing => {}
            Offered::Current => {
                if last_problem.is_some() {
                    self.db(|s| Ok(s.clear_survey_problem()?)).await?;
                }
            }
            Offered::Adopt(def) => report.new_survey = Some(*def),
            Offered::Unusable {
                id,
                version,
                problem,
            } => {
                tracing::warn!(survey = %id, version, %problem, "cannot use the survey the centre offers; keeping the current one");
                report.survey_problem = Some(problem.clone());
                let offer = SurveyOffer {
                    offered_id: id,
                    offered_version: version,
                    problem: problem.clone(),
                    checked_at: Utc::now(),
                };
                self.db(move |s| Ok(s.record_survey_offer(&offer)?)).await?;
                if last_problem.as_deref() != Some(problem.as_str()) {
                    // Tell the centre now rather than at the next check.
                    query.problem = Some(problem);
                    client.active_survey(&query).await?;
                }
            }
        }
        Ok(())
    }

    fn client(&mut self, settings: &KioskSettings) -> Result<CentreClient, SyncError> {
        let key = [
            settings.sync_endpoint.clone(),
            settings.sync_token.clone(),
            settings.sync_ca_file.clone(),
        ];
        if let Some((cached, client)) = &self.client {
            if *cached == key {
                return Ok(client.clone());
            }
        }
        let client = CentreClient::new(
            &settings.sync_endpoint,
            &settings.sync_token,
            &settings.sync_ca_file,
            self.options.timeouts,
        )?;
        self.client = Some((key, client.clone()));
        Ok(client)
    }
}

impl crate::Kiosk {
    /// Installs a survey the centre made active and switches to it, between
    /// patients only: `Ok(false)` while a survey is in progress (the next
    /// sync offers it again). Responses already stored keep their version.
    pub fn adopt_centre_survey(
        &mut self,
        survey: &SurveyDefinition,
    ) -> Result<bool, crate::KioskError> {
        if self.survey_in_progress() {
            return Ok(false);
        }
        let installed = self.admin_sync().install_survey(survey);
        let offer = crate::store::SurveyOffer {
            offered_id: survey.id.clone(),
            offered_version: survey.version,
            problem: installed
                .as_ref()
                .err()
                .map(ToString::to_string)
                .unwrap_or_default(),
            checked_at: self.clock.now(),
        };
        self.store().record_survey_offer(&offer)?;
        installed?;
        tracing::info!(survey = %survey.id, version = survey.version, "switched to the survey the centre published");
        Ok(true)
    }
}

fn settings_error(e: crate::SettingsError) -> SyncError {
    match e {
        crate::SettingsError::Store(s) => SyncError::Store(s),
        other => SyncError::Store(StoreError::Corrupt(other.to_string())),
    }
}
