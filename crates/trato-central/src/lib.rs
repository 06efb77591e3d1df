//! The Trato Digno central receiver.
//!
//! Kiosks post batches of responses (`docs/protocol.md`); the centre stores each
//! response exactly once, keyed by its kiosk-made UUID, in SQLite (default) or
//! PostgreSQL. The binary in `main.rs` is a thin CLI over this library, so the
//! tests start the very same server in-process.

pub mod admin;
pub mod api;
pub mod backup;
pub mod client_addr;
pub mod clock;
pub mod connections;
pub mod dashboard;
pub mod error;
pub mod ingest;
pub mod kiosks;
pub mod local_time;
pub mod mail;
pub mod opening_hours;
pub mod ratelimit;
pub mod service_config;
pub mod store;
pub mod surveys;
pub mod tls;
pub mod token;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

pub use api::router;
pub use error::{AdminError, StoreError};
pub use store::{open_store, Store};

/// Tunables of a running server. `Default` is the production setting.
#[derive(Debug, Clone)]
pub struct Config {
    /// Whole-request deadline (reading the body included).
    pub request_timeout: Duration,
    /// A connection must send a request's headers within this, also between
    /// requests on a kept-alive connection; else it is closed.
    pub header_read_timeout: Duration,
    /// Connections open at once. Near it, a newcomer evicts the oldest
    /// connection that has not sent a request yet; when all are in use,
    /// newcomers wait in the listen queue. Keep it below the process's file
    /// limit (`LimitNOFILE`).
    pub max_connections: usize,
    /// Requests a kiosk may make in a burst before it is throttled.
    pub rate_burst: u32,
    /// Requests per second a kiosk regains; 0 disables rate limiting.
    pub rate_per_sec: f64,
    /// Clock differences above this are flagged on the stored responses.
    pub skew_threshold: chrono::Duration,
    /// The centre is reached over https (its own TLS, or a TLS proxy in
    /// front): replies carry HSTS and session cookies are `Secure`.
    pub served_over_tls: bool,
    /// Force session cookies `Secure` (`Some(true)`) or not (`Some(false)`);
    /// `None`: `Secure` when served over TLS, or when a proxy sends
    /// `X-Forwarded-Proto: https`.
    pub secure_cookies: Option<bool>,
    /// Reverse proxies whose `X-Forwarded-For` names the client (login
    /// throttling is per client address).
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Fewest answers to the headline indicator for a unit to be ranked on
    /// the tablero; units with fewer are listed apart.
    pub ranking_min_responses: i64,
    /// How often an open dashboard event stream asks the database whether
    /// its account is still enabled with the same password (`user disable`
    /// and `user passwd` run in another process): the longest a disabled
    /// account keeps receiving events.
    pub live_session_check: Duration,
    /// A kiosk silent for this much of its unit's opening time is counted
    /// silent on the tablero and in the digest.
    pub silent_after: chrono::Duration,
    /// When open alerts fall due (`[alerts]` in the configuration file).
    pub alert_due: service_config::AlertDue,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            request_timeout: Duration::from_secs(30),
            header_read_timeout: Duration::from_secs(10),
            max_connections: 4096,
            rate_burst: 60,
            rate_per_sec: 20.0,
            skew_threshold: chrono::Duration::seconds(trato_domain::wire::CLOCK_SKEW_LIMIT_SECONDS),
            served_over_tls: false,
            secure_cookies: None,
            trusted_proxies: Vec::new(),
            ranking_min_responses: 30,
            live_session_check: Duration::from_secs(2),
            silent_after: chrono::Duration::hours(24),
            alert_due: service_config::AlertDue::default(),
        }
    }
}

/// Everything a request handler needs; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub surveys: Arc<surveys::SurveyCache>,
    pub limiter: Arc<ratelimit::RateLimiter>,
    pub config: Arc<Config>,
    /// Dashboard sessions, login limits and live-update channel.
    pub dash: Arc<dashboard::DashState>,
    /// What time it is (tests set it).
    pub clock: Arc<dyn clock::Clock>,
    /// Wakes the mail task when a batch stored alerts.
    pub mail_wake: Arc<tokio::sync::Notify>,
}

impl AppState {
    pub fn new(store: Arc<dyn Store>, config: Config) -> Self {
        Self {
            surveys: Arc::new(surveys::SurveyCache::new(store.clone())),
            limiter: Arc::new(ratelimit::RateLimiter::new(
                config.rate_burst,
                config.rate_per_sec,
            )),
            store,
            config: Arc::new(config),
            dash: Arc::new(dashboard::DashState::default()),
            clock: Arc::new(clock::SystemClock),
            mail_wake: Arc::new(tokio::sync::Notify::new()),
        }
    }

    /// The same state reading time from `clock`.
    pub fn with_clock(mut self, clock: Arc<dyn clock::Clock>) -> Self {
        self.clock = clock;
        self
    }
}

/// Serves the API on `listener` until `shutdown` resolves, then stops taking
/// connections and waits for the requests in hand (a batch being stored is
/// finished and answered, never cut half-way).
///
/// Slow or idle clients cannot hold the server: a connection must send a
/// request's headers within `header_read_timeout` (kept-alive connections
/// too, between requests; a dashboard's event stream is a response in
/// progress and is not cut), and near `max_connections` a newcomer evicts
/// the oldest connection that has not sent a request yet (see
/// [`connections`]).
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    connections::serve_with(listener, state, shutdown, |stream, _| async {
        Some(stream)
    })
    .await
}

/// Resolves on SIGTERM or Ctrl-C: the signals systemd and a terminal send.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::warn!("cannot listen for Ctrl-C: {e}");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::warn!("cannot listen for SIGTERM: {e}");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutdown requested: finishing requests in hand");
}
