//! E-mail notifications over SMTP (lettre, TLS by rustls). Every alert has
//! an outbox row written with it; this task sends each urgent one at once
//! (one message to the unit's accounts) and, once a day at the digest hour
//! of each account's local time, a digest of the rest and the count of
//! silent kiosks. A refused or unreachable server is retried with backoff;
//! nothing is marked sent before the server accepted it, and `mail status`
//! shows what is owed and the last error.
//!
//! - [`compose`]: the messages' words (Spanish; no patient text but the
//!   masked comment).
//! - [`recipients`]: who gets what, from the accounts' scopes.
//! - [`smtp`]: the transport and its configuration.
//! - [`status`]: what `trato-central mail status` prints.

pub mod compose;
pub mod recipients;
pub mod smtp;
pub mod status;

use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, NaiveTime, Utc};

use crate::error::StoreError;
use crate::store::mail::{Attempt, DigestRow, OutboxRow};
use crate::AppState;
pub use smtp::{MailConfig, MailError, Mailer};

/// When the digest goes out by default: 07:00 in the account's local time.
pub fn default_digest_at() -> NaiveTime {
    NaiveTime::from_hms_opt(7, 0, 0).unwrap_or_default()
}

/// How the task paces itself. `Default` is the production setting.
#[derive(Debug, Clone, Copy)]
pub struct Pacing {
    /// First retry after a failure; doubles with each further one.
    pub first_retry: Duration,
    pub max_retry: Duration,
    /// Look for due messages at least this often (digests come due by the
    /// clock; new alerts wake the task at once).
    pub poll: StdDuration,
}

impl Default for Pacing {
    fn default() -> Self {
        Self {
            first_retry: Duration::seconds(30),
            max_retry: Duration::hours(1),
            poll: StdDuration::from_secs(30),
        }
    }
}

impl Pacing {
    /// The wait before attempt `attempts + 1`, after `attempts` failed.
    pub fn backoff(&self, attempts: i32) -> Duration {
        let doublings = u32::try_from(attempts.saturating_sub(1).clamp(0, 20)).unwrap_or(0);
        let wait = self.first_retry * 2i32.saturating_pow(doublings);
        wait.min(self.max_retry)
    }
}

/// Starts the mail task on the current runtime; it runs until `stop` is
/// notified.
pub fn spawn(
    state: AppState,
    mailer: Arc<Mailer>,
    pacing: Pacing,
    stop: Arc<tokio::sync::Notify>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        tracing::info!(server = %mailer.server(), "e-mail notifications on");
        loop {
            if let Err(e) = run_once(&state, &mailer, pacing).await {
                tracing::error!(error = %e, "mail task: cannot read or record the outbox");
            }
            // New alerts wake the task for the urgent ones only; digests
            // come due by the clock and are looked at on the poll.
            let next_poll = tokio::time::Instant::now() + pacing.poll;
            loop {
                tokio::select! {
                    () = stop.notified() => {
                        tracing::info!("mail task stopped");
                        return;
                    }
                    () = state.mail_wake.notified() => {
                        if let Err(e) = run_urgent(&state, &mailer, pacing).await {
                            tracing::error!(error = %e, "mail task: cannot read or record the outbox");
                        }
                    }
                    () = tokio::time::sleep_until(next_poll) => break,
                }
            }
        }
    })
}

/// One pass: every urgent message due, then every digest due.
pub async fn run_once(state: &AppState, mailer: &Mailer, pacing: Pacing) -> Result<(), StoreError> {
    let pass = Pass::load(state, mailer, pacing).await?;
    pass.urgent().await?;
    pass.digests().await
}

/// Every urgent message due now.
pub async fn run_urgent(
    state: &AppState,
    mailer: &Mailer,
    pacing: Pacing,
) -> Result<(), StoreError> {
    Pass::load(state, mailer, pacing).await?.urgent().await
}

/// What one pass over the outbox works with: the time it runs at and who
/// receives what.
struct Pass<'a> {
    state: &'a AppState,
    mailer: &'a Mailer,
    pacing: Pacing,
    people: recipients::Directory,
    now: DateTime<Utc>,
}

impl<'a> Pass<'a> {
    async fn load(
        state: &'a AppState,
        mailer: &'a Mailer,
        pacing: Pacing,
    ) -> Result<Self, StoreError> {
        let now = state.clock.now();
        let people = recipients::Directory::load(&*state.store).await?;
        Ok(Self {
            state,
            mailer,
            pacing,
            people,
            now,
        })
    }

    /// Every urgent message due now.
    async fn urgent(&self) -> Result<(), StoreError> {
        loop {
            let due = self.state.store.mail().due_urgent(self.now, 50).await?;
            let n = due.len();
            for row in due {
                send_urgent(
                    self.state,
                    self.mailer,
                    self.pacing,
                    &self.people,
                    row,
                    self.now,
                )
                .await?;
            }
            if n < 50 {
                return Ok(());
            }
        }
    }

    /// Every digest due now (at most one per account and local day).
    async fn digests(&self) -> Result<(), StoreError> {
        for account in self.people.digest_accounts() {
            send_digest_if_due(
                self.state,
                self.mailer,
                self.pacing,
                &self.people,
                account,
                self.now,
            )
            .await?;
        }
        Ok(())
    }
}

async fn send_urgent(
    state: &AppState,
    mailer: &Mailer,
    pacing: Pacing,
    people: &recipients::Directory,
    row: OutboxRow,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let to = people.urgent_recipients(&row.unit_clues);
    let attempt = if to.is_empty() {
        // Nobody to tell at once: the wider accounts' digests carry it.
        tracing::warn!(alert = %row.alert_id, unit = %row.unit_clues, "urgent alert: no account with an e-mail for this unit");
        Attempt::Sent {
            at: now,
            recipients: String::new(),
        }
    } else {
        let Some(alert) = state.store.alerts().get(row.alert_id).await? else {
            // Cannot happen (written together); settled so it is not retried forever.
            tracing::error!(alert = %row.alert_id, "outbox row without its alert");
            let settled = Attempt::Sent {
                at: now,
                recipients: String::new(),
            };
            return state
                .store
                .mail()
                .urgent_attempted(row.alert_id, settled)
                .await;
        };
        let labels = crate::dashboard::labels::Labels::load(&*state.store).await?;
        let message = compose::urgent(
            &alert,
            &labels,
            people.unit_name(&row.unit_clues),
            people.unit_offset(&row.unit_clues),
        );
        let addresses: Vec<&str> = to.iter().map(|a| a.email.as_str()).collect();
        match mailer.send(&addresses, &message).await {
            Ok(()) => {
                tracing::info!(alert = %row.alert_id, unit = %row.unit_clues, to = %addresses.join(", "), "urgent alert e-mailed");
                Attempt::Sent {
                    at: now,
                    recipients: addresses.join(", "),
                }
            }
            Err(e) => {
                let retry_at = now + pacing.backoff(row.attempts + 1);
                tracing::warn!(alert = %row.alert_id, attempts = row.attempts + 1, %retry_at, error = %e, "urgent alert e-mail failed; will retry");
                Attempt::Failed {
                    error: e.to_string(),
                    retry_at,
                }
            }
        }
    };
    state
        .store
        .mail()
        .urgent_attempted(row.alert_id, attempt)
        .await
}

async fn send_digest_if_due(
    state: &AppState,
    mailer: &Mailer,
    pacing: Pacing,
    people: &recipients::Directory,
    account: &recipients::Recipient,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let offset = people.local_offset(account);
    let (day, instant) = recipients::digest_slot(now, offset, mailer.config().digest_at);
    let mail = state.store.mail();
    let existing = mail.digest(&account.id, day).await?;
    if let Some(d) = &existing {
        if d.sent_at.is_some() || d.next_attempt_at.is_some_and(|t| t > now) {
            return Ok(());
        }
    }
    let row = match existing {
        Some(d) => d,
        None => DigestRow {
            account_id: account.id.clone(),
            day,
            window_from: mail
                .last_digest_end(&account.id)
                .await?
                .unwrap_or(instant - Duration::days(1)),
            window_to: instant,
            attempts: 0,
            next_attempt_at: None,
            sent_at: None,
            recipient: account.email.clone(),
            last_error: None,
        },
    };
    let units = people.units_of(account);
    let queued = mail
        .queued_between(units.as_deref(), row.window_from, row.window_to)
        .await?;
    // Unit accounts had the urgent ones at once; wider accounts get all.
    let alerts_rows: Vec<OutboxRow> = queued
        .into_iter()
        .filter(|r| !(account.is_unit() && r.urgent))
        .collect();
    let mut alerts = Vec::with_capacity(alerts_rows.len());
    for r in &alerts_rows {
        if let Some(a) = state.store.alerts().get(r.alert_id).await? {
            alerts.push((a, r.urgent));
        }
    }
    let catalogue = state.store.dash().units().await?;
    let fleet = crate::kiosks::fleet(
        &*state.store,
        units.as_deref(),
        &catalogue,
        now,
        state.config.silent_after,
    )
    .await?;
    let labels = crate::dashboard::labels::Labels::load(&*state.store).await?;
    let message = compose::digest(&compose::DigestInput {
        account_scope: &people.scope_label(account),
        day,
        window_from: row.window_from,
        window_to: row.window_to,
        utc_offset_minutes: offset,
        alerts: &alerts,
        labels: &labels,
        unit_name: &|c: &str| people.unit_name(c).to_owned(),
        fleet: &fleet,
    });
    let attempt = match mailer.send(&[account.email.as_str()], &message).await {
        Ok(()) => {
            tracing::info!(account = %account.name, %day, alerts = alerts.len(), silent = fleet.counts.silent, "daily digest e-mailed");
            Attempt::Sent {
                at: now,
                recipients: account.email.clone(),
            }
        }
        Err(e) => {
            let retry_at = now + pacing.backoff(row.attempts + 1);
            tracing::warn!(account = %account.name, %day, attempts = row.attempts + 1, %retry_at, error = %e, "daily digest e-mail failed; will retry");
            Attempt::Failed {
                error: e.to_string(),
                retry_at,
            }
        }
    };
    mail.digest_attempted(&row, attempt).await
}
