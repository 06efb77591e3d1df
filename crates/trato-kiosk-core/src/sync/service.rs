//! The background sync task: one sync at a time, woken promptly after each
//! new response (a short pause gathers a burst into one batch), backing off (exponential, jitter, 15-minute cap) while the centre
//! does not answer, and a snapshot of its state for the staff screen.

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use tokio::sync::Notify;
use tokio::time::Instant;
use trato_domain::SurveyDefinition;

use super::{Backoff, SyncError, SyncOptions, SyncReport, SyncView, Syncer};

#[derive(Debug, Clone)]
pub struct ServiceOptions {
    pub sync: SyncOptions,
    pub backoff: Backoff,
    /// After a new response, wait this long so a burst (a patient who
    /// answers while another finishes, several kiosks' worth after a
    /// restart) goes in one batch. Short: the tablero is live, and a kiosk
    /// with a patient every 30 s gains nothing from waiting longer.
    pub wake_delay: Duration,
    /// While backing off, a new response brings the next attempt forward,
    /// but never to less than this after the last one.
    pub min_retry: Duration,
    /// With nothing to do, look again this often (settings changed, a new
    /// survey published, retention).
    pub idle_poll: Duration,
}

/// The default [`ServiceOptions::wake_delay`].
pub const WAKE_DELAY: Duration = Duration::from_millis(200);

impl Default for ServiceOptions {
    fn default() -> Self {
        ServiceOptions {
            sync: SyncOptions::default(),
            backoff: Backoff::default(),
            wake_delay: WAKE_DELAY,
            min_retry: Duration::from_secs(30),
            idle_poll: Duration::from_secs(10 * 60),
        }
    }
}

/// What the service tells the shell after each sync.
pub type SurveySink = Box<dyn Fn(SurveyDefinition) + Send + Sync>;

struct Shared {
    nudge: Notify,
    now: Notify,
    stop: AtomicBool,
    view: Mutex<Option<SyncView>>,
    running: AtomicBool,
    last_report: Mutex<Option<SyncReport>>,
}

/// The shell's handle on the running task. Cheap to clone.
#[derive(Clone)]
pub struct SyncHandle {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for SyncHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyncHandle").finish_non_exhaustive()
    }
}

impl SyncHandle {
    /// A response was stored: sync soon.
    pub fn response_stored(&self) {
        self.shared.nudge.notify_one();
    }

    /// Staff pressed "Sincronizar ahora" (or settings changed): sync at once,
    /// whatever the backoff.
    pub fn sync_now(&self) {
        self.shared.now.notify_one();
    }

    /// Ends the task after the sync in hand.
    pub fn stop(&self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        self.shared.now.notify_one();
    }

    /// The latest state (`None` before the first sync ended).
    pub fn view(&self) -> Option<SyncView> {
        let mut view = self.shared.view.lock().ok()?.clone()?;
        if self.shared.running.load(Ordering::SeqCst) {
            view.state = super::STATE_SENDING.to_owned();
        }
        Some(view)
    }

    /// The last sync's report (tests, logs).
    pub fn last_report(&self) -> Option<SyncReport> {
        self.shared.last_report.lock().ok()?.clone()
    }
}

/// Builds the task. The caller spawns the future on its runtime (the shell
/// on `tauri::async_runtime`); `on_survey` receives a newer survey the centre
/// published, for the shell to install between patients.
pub fn spawn_service(
    syncer: Syncer,
    options: ServiceOptions,
    on_survey: SurveySink,
) -> (SyncHandle, impl Future<Output = ()> + Send + 'static) {
    let shared = Arc::new(Shared {
        nudge: Notify::new(),
        now: Notify::new(),
        stop: AtomicBool::new(false),
        view: Mutex::new(None),
        running: AtomicBool::new(false),
        last_report: Mutex::new(None),
    });
    let handle = SyncHandle {
        shared: shared.clone(),
    };
    (handle, run(syncer, options, on_survey, shared))
}

/// When the next sync runs once a response was stored at `now`: after the
/// short wake delay when the centre answered last time (never later than
/// already planned, so a burst of responses does not keep pushing it back);
/// while backing off, no sooner than `min_retry` after the last attempt.
fn due_after_response(
    options: &ServiceOptions,
    now: Instant,
    planned: Instant,
    failures: u32,
    last_attempt: Instant,
) -> Instant {
    let soon = now + options.wake_delay;
    let earliest = if failures > 0 {
        last_attempt + options.min_retry
    } else {
        soon
    };
    planned.min(soon.max(earliest))
}

async fn run(
    mut syncer: Syncer,
    options: ServiceOptions,
    on_survey: SurveySink,
    shared: Arc<Shared>,
) {
    let mut rng = fastrand::Rng::new();
    let mut failures: u32 = 0;
    let mut last_attempt = Instant::now();
    let mut next_due = Instant::now();
    loop {
        if shared.stop.load(Ordering::SeqCst) {
            break;
        }
        tokio::select! {
            () = tokio::time::sleep_until(next_due) => {}
            () = shared.now.notified() => {}
            () = shared.nudge.notified() => {
                next_due = due_after_response(&options, Instant::now(), next_due, failures, last_attempt);
                continue;
            }
        }
        if shared.stop.load(Ordering::SeqCst) {
            break;
        }
        shared.running.store(true, Ordering::SeqCst);
        last_attempt = Instant::now();
        let result = syncer.run_once().await;
        shared.running.store(false, Ordering::SeqCst);
        let mut wait = options.idle_poll;
        let mut last_error = None;
        match result {
            Ok(report) => {
                failures = 0;
                if let Some(survey) = report.new_survey.clone() {
                    on_survey(survey);
                }
                if let Ok(mut r) = shared.last_report.lock() {
                    *r = Some(report);
                }
            }
            Err(SyncError::NotConfigured) => {
                failures = 0;
                wait = options.idle_poll.min(Duration::from_secs(60));
            }
            Err(e) => {
                failures = failures.saturating_add(1);
                wait = options
                    .backoff
                    .delay_with_retry_after(failures, rng.f64(), e.retry_after());
                last_error = Some(e.in_words());
                tracing::info!(failures, wait_s = wait.as_secs(), "sync will retry");
            }
        }
        next_due = Instant::now() + wait;
        let mut view = match syncer.view().await {
            Ok(v) => v,
            Err(e) => {
                tracing::error!(error = %e, "cannot read the sync state");
                continue;
            }
        };
        if failures > 0 {
            view.state = super::STATE_FAILING.to_owned();
            view.last_error = last_error.or(view.last_error);
            view.next_attempt = chrono::Duration::from_std(wait)
                .ok()
                .map(|d| Utc::now() + d);
        }
        if let Ok(mut v) = shared.view.lock() {
            *v = Some(view);
        }
    }
    tracing::info!("sync task stopped");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_idle_kiosk_syncs_a_new_response_within_the_short_wake_delay() {
        let o = ServiceOptions::default();
        assert!(
            o.wake_delay <= Duration::from_millis(250),
            "{:?}",
            o.wake_delay
        );
        let now = Instant::now();
        // Idle: the next look was minutes away.
        let planned = now + o.idle_poll;
        let due = due_after_response(&o, now, planned, 0, now - Duration::from_secs(600));
        assert_eq!(due, now + o.wake_delay);
    }

    #[test]
    fn a_burst_of_responses_goes_in_one_sync_not_pushed_back_by_each() {
        let o = ServiceOptions::default();
        let t0 = Instant::now();
        let first = due_after_response(&o, t0, t0 + o.idle_poll, 0, t0);
        // More responses within the delay keep the first one's time.
        let later = t0 + o.wake_delay / 2;
        assert_eq!(due_after_response(&o, later, first, 0, t0), first);
    }

    #[test]
    fn while_backing_off_a_response_waits_for_the_minimum_retry() {
        let o = ServiceOptions::default();
        let last = Instant::now();
        let now = last + Duration::from_secs(1);
        let planned = last + Duration::from_secs(600);
        let due = due_after_response(&o, now, planned, 3, last);
        assert_eq!(due, last + o.min_retry);
        // ... and never later than the backoff already planned.
        let soon_planned = last + Duration::from_secs(5);
        assert_eq!(
            due_after_response(&o, now, soon_planned, 3, last),
            soon_planned
        );
    }
}
