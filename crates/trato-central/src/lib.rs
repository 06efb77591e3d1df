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
pub mod dashboard;
pub mod error;
pub mod ingest;
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
    /// Connections open at once; more wait in the listen queue. Keep it
    /// below the process's file limit (`LimitNOFILE`).
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
///
/// Slow or idle clients cannot hold the server: a connection must send a
/// request's headers within `header_read_timeout` (kept-alive connections
/// too, between requests; a dashboard's event stream is a response in
/// progress and is not cut), and at most `max_connections` are open at once
/// (more wait in the listen queue, never spending a file descriptor).
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let dash = state.dash.clone();
    let header_timeout = state.config.header_read_timeout;
    let slots = Arc::new(tokio::sync::Semaphore::new(
        state.config.max_connections.max(1),
    ));
    let app = router(state);
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            p = slots.clone().acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => break,
            },
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            r = listener.accept() => match r {
                Ok(c) => c,
                Err(e) => {
                    // Out of file descriptors, most likely: wait for some
                    // to be freed instead of spinning.
                    tracing::warn!("cannot accept a connection: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let app = app.clone();
        let service = hyper::service::service_fn(
            move |mut req: axum::http::Request<hyper::body::Incoming>| {
                req.extensions_mut()
                    .insert(axum::extract::ConnectInfo(peer));
                let mut app = app.clone();
                async move {
                    use tower::Service as _;
                    app.call(req.map(axum::body::Body::new)).await
                }
            },
        );
        let conn = hyper::server::conn::http1::Builder::new()
            .timer(hyper_util::rt::TokioTimer::new())
            .header_read_timeout(header_timeout)
            .serve_connection(hyper_util::rt::TokioIo::new(stream), service);
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(%peer, "connection ended: {e}");
            }
            drop(permit);
        });
    }
    drop(listener);
    // Open dashboards hold event streams forever: end them.
    dash.live.close();
    graceful.shutdown().await;
    Ok(())
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
