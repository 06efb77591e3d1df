//! The accept loop shared by plain HTTP and HTTPS, and the limit on open
//! connections.
//!
//! A slow or idle client must not hold the server: every connection has to
//! send a request's headers within `header_read_timeout` (kept-alive ones
//! too, between requests), and at most `max_connections` are open at once.
//! The limit does not simply refuse newcomers, or a flood of half-open
//! connections (1,100 that never send a byte) would lock out kiosks and the
//! health check until the header timeout cleared them: once more than
//! `max_connections - reserve` are open, each new connection evicts the
//! oldest one that has not yet sent a complete request header (or not
//! finished its TLS handshake). A connection that has sent a request (a
//! dashboard's event stream, a kiosk's kept-alive connection between its
//! batches) is never evicted; only when the reserve too is full of such
//! connections do newcomers wait in the listen queue.

use std::collections::BTreeMap;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{oneshot, watch, Semaphore};

use crate::AppState;

/// Connections that have not completed a request header yet, oldest first,
/// each with the means to close it.
#[derive(Default)]
struct Fresh {
    waiting: Mutex<BTreeMap<u64, oneshot::Sender<()>>>,
    next: AtomicU64,
}

impl Fresh {
    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<u64, oneshot::Sender<()>>> {
        self.waiting.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn register(&self) -> (u64, oneshot::Receiver<()>) {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = oneshot::channel();
        self.lock().insert(id, tx);
        (id, rx)
    }

    /// The connection sent a whole request header: it is spared from now on.
    fn served(&self, id: u64) {
        self.lock().remove(&id);
    }

    /// Closes the oldest fresh connection other than `except`; false when
    /// there is none.
    fn evict_oldest(&self, except: u64) -> bool {
        let mut m = self.lock();
        let Some(&id) = m.keys().find(|&&k| k != except) else {
            return false;
        };
        m.remove(&id).is_some_and(|tx| tx.send(()).is_ok())
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.lock().len()
    }
}

/// Room kept above the eviction threshold: an eighth of the limit, so a
/// newcomer is taken at once while an idle connection is evicted for it.
fn reserve(max: usize) -> usize {
    (max / 8).clamp(1, 256).min(max)
}

/// Serves `state` on `listener` until `shutdown` resolves. `handshake`
/// turns an accepted TCP stream into the stream HTTP is spoken on (the TLS
/// handshake, or nothing); `None` drops the connection. Then stops accepting,
/// lets the requests in hand finish and closes idle connections.
pub(crate) async fn serve_with<H, F, Io>(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
    handshake: H,
) -> std::io::Result<()>
where
    H: Fn(TcpStream, SocketAddr) -> F + Send + Sync + 'static,
    F: Future<Output = Option<Io>> + Send + 'static,
    Io: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let dash = state.dash.clone();
    let header_timeout = state.config.header_read_timeout;
    // (A limit beyond a million is no limit; the semaphore counts in u32.)
    let max = state.config.max_connections.clamp(1, 1 << 20);
    let soft = max - reserve(max);
    let slots = Arc::new(Semaphore::new(max));
    let fresh = Arc::new(Fresh::default());
    let (stopping, stop) = watch::channel(false);
    let app = crate::router(state);
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
        let (id, evicted) = fresh.register();
        let open = max - slots.available_permits();
        if open > soft && fresh.evict_oldest(id) {
            tracing::debug!(
                open,
                "connection limit: closed the oldest connection without a request"
            );
        }
        let run = connection(
            handshake(stream, peer),
            peer,
            app.clone(),
            header_timeout,
            Arc::clone(&fresh),
            id,
            stop.clone(),
        );
        let fresh = Arc::clone(&fresh);
        tokio::spawn(async move {
            let _permit = permit;
            let evicted = async move {
                // Dropped unsent once the connection is served: never evicted.
                if evicted.await.is_err() {
                    std::future::pending::<()>().await;
                }
            };
            tokio::select! {
                () = run => {}
                () = evicted => tracing::debug!(%peer, "evicted: no request while the server was full"),
            }
            fresh.served(id);
        });
    }
    drop(listener);
    // Open dashboards hold event streams forever: end them.
    dash.live.close();
    let _ = stopping.send(true);
    // Every connection holds a permit until it closes.
    let _ = slots
        .acquire_many(u32::try_from(max).unwrap_or(u32::MAX))
        .await;
    Ok(())
}

/// One connection, from its handshake to its close. Stops taking requests
/// when `stop` turns true, after the one in hand.
async fn connection<Io>(
    handshake: impl Future<Output = Option<Io>>,
    peer: SocketAddr,
    app: axum::Router,
    header_timeout: Duration,
    fresh: Arc<Fresh>,
    id: u64,
    mut stop: watch::Receiver<bool>,
) where
    Io: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let io = tokio::select! {
        io = handshake => match io {
            Some(io) => io,
            None => return,
        },
        _ = stop.wait_for(|s| *s) => return,
    };
    let service =
        hyper::service::service_fn(move |mut req: axum::http::Request<hyper::body::Incoming>| {
            // A whole request header arrived: the connection is in use.
            fresh.served(id);
            req.extensions_mut()
                .insert(axum::extract::ConnectInfo(peer));
            let mut app = app.clone();
            async move {
                use tower::Service as _;
                app.call(req.map(axum::body::Body::new)).await
            }
        });
    let conn = hyper::server::conn::http1::Builder::new()
        .timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(header_timeout)
        .serve_connection(hyper_util::rt::TokioIo::new(io), service);
    let mut conn = std::pin::pin!(conn);
    let ended = tokio::select! {
        r = conn.as_mut() => Some(r),
        _ = stop.wait_for(|s| *s) => None,
    };
    let result = match ended {
        Some(r) => r,
        None => {
            conn.as_mut().graceful_shutdown();
            conn.await
        }
    };
    if let Err(e) = result {
        tracing::debug!(%peer, "connection ended: {e}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_oldest_fresh_connection_is_evicted_and_served_ones_never() {
        let f = Fresh::default();
        let (a, mut ra) = f.register();
        let (b, mut rb) = f.register();
        let (c, mut rc) = f.register();
        f.served(a);
        assert!(f.evict_oldest(c));
        assert!(ra.try_recv().is_err(), "a was served: spared");
        assert_eq!(rb.try_recv(), Ok(()), "b, the oldest fresh one, goes");
        assert!(!f.evict_oldest(c), "c is the newcomer itself");
        assert!(rc.try_recv().is_err());
        assert_eq!(f.len(), 1);
        let _ = b;
    }

    #[test]
    fn the_reserve_leaves_room_below_the_limit() {
        assert_eq!(reserve(1), 1);
        assert_eq!(reserve(900), 112);
        assert_eq!(reserve(4096), 256);
    }
}
