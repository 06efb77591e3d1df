//! The Trato Digno central receiver.
//!
//! Kiosks post batches of responses (`docs/protocol.md`); the centre stores each
//! response exactly once, keyed by its kiosk-made UUID, in SQLite (default) or
//! PostgreSQL. The binary in `main.rs` is a thin CLI over this library, so the
//! tests start the very same server in-process.

pub mod admin;
pub mod api;
pub mod client_addr;
pub mod dashboard;
pub mod error;
pub mod ingest;
pub mod ratelimit;
pub mod store;
pub mod surveys;
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
}

impl Default for Config {
    fn default() -> Self {
        Self {
            request_timeout: Duration::from_secs(30),
            rate_burst: 60,
            rate_per_sec: 20.0,
            skew_threshold: chrono::Duration::minutes(5),
            served_over_tls: false,
            secure_cookies: None,
            trusted_proxies: Vec::new(),
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
        }
    }
}

/// Serves the API on `listener` until `shutdown` resolves, then stops taking
/// connections and waits for the requests in hand (a batch being stored is
/// finished and answered, never cut half-way).
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let dash = state.dash.clone();
    let app = router(state);
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        shutdown.await;
        // Open dashboards hold event streams forever: end them.
        dash.live.close();
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
