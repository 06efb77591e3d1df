//! Live updates: after a batch's transaction commits, the ingest handler
//! sends one [`LiveEvent`] on a broadcast channel; each open page listens
//! through server-sent events and receives only events for units in its
//! account's scope, then refetches its figures.

use std::collections::HashSet;
use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::stream::{self, Stream, StreamExt};
use serde::Serialize;
use tokio::sync::broadcast;

use super::{auth, Role, Viewer};
use crate::error::ApiError;
use crate::AppState;

#[derive(Debug, Clone, Serialize)]
pub struct LiveEvent {
    pub unit_clues: String,
    /// Responses newly stored by the batch.
    pub stored: usize,
}

pub struct Live {
    tx: broadcast::Sender<LiveEvent>,
    /// Set when the server stops: open streams end, so a graceful shutdown
    /// does not wait for pages that never close.
    closing: tokio::sync::watch::Sender<bool>,
}

impl Default for Live {
    fn default() -> Self {
        Self {
            tx: broadcast::channel(1024).0,
            closing: tokio::sync::watch::channel(false).0,
        }
    }
}

impl Live {
    /// Called after a batch is committed; never blocks, never fails ingest.
    pub fn notify(&self, unit_clues: &str, stored: usize) {
        if stored == 0 {
            return;
        }
        let _ = self.tx.send(LiveEvent {
            unit_clues: unit_clues.to_owned(),
            stored,
        });
    }

    pub fn subscribe(&self) -> broadcast::Receiver<LiveEvent> {
        self.tx.subscribe()
    }

    /// Ends every open event stream (server shutdown).
    pub fn close(&self) {
        self.closing.send_replace(true);
    }
}

/// `GET /api/v1/dashboard/events`: `batch` events for the viewer's units, a
/// `lagged` event when some were missed (the page simply refetches), and a
/// comment every 15 s to keep proxies from closing the stream. The stream
/// ends when the session does: at logout or expiry, and within
/// [`crate::Config::live_session_check`] of its account being disabled or
/// its password changed.
pub async fn events(
    State(state): State<AppState>,
    viewer: Viewer,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let allowed: Option<HashSet<String>> = match viewer.role {
        Role::National => None,
        Role::Unit => Some([viewer.scope.clone()].into()),
        Role::Ooad | Role::Umae => Some(
            state
                .store
                .dash()
                .units()
                .await?
                .into_iter()
                .filter(|u| u.parent == viewer.scope)
                .map(|u| u.clues)
                .collect(),
        ),
    };
    let mut check = tokio::time::interval(state.config.live_session_check);
    check.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let listener = Listener {
        rx: state.dash.live.subscribe(),
        closing: state.dash.live.closing.subscribe(),
        check,
        state,
        viewer,
        allowed,
    };
    let hello = Event::default().event("hello").data("{}");
    let st = stream::once(async { Ok(hello) })
        .chain(stream::unfold(listener, |mut l| async move {
            l.next().await.map(|ev| (Ok(ev), l))
        }));
    Ok(Sse::new(st).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

/// One open page's side of the channel.
struct Listener {
    rx: broadcast::Receiver<LiveEvent>,
    closing: tokio::sync::watch::Receiver<bool>,
    /// Ticks when the account is to be checked again.
    check: tokio::time::Interval,
    state: AppState,
    viewer: Viewer,
    allowed: Option<HashSet<String>>,
}

impl Listener {
    /// The next event to send; `None` ends the stream.
    async fn next(&mut self) -> Option<Event> {
        loop {
            if *self.closing.borrow_and_update() {
                return None;
            }
            let msg = tokio::select! {
                m = self.rx.recv() => m,
                _ = self.closing.changed() => return None,
                _ = self.check.tick() => {
                    // A failed read ends the stream too: the page
                    // reconnects, and its next request is checked again.
                    if !self.state.dash.sessions.is_alive(&self.viewer.session_hash)
                        || !auth::still_valid(&self.state, &self.viewer).await.unwrap_or(false)
                    {
                        return None;
                    }
                    continue;
                }
            };
            if !self.state.dash.sessions.is_alive(&self.viewer.session_hash) {
                return None;
            }
            return Some(match msg {
                Ok(e) => {
                    if self
                        .allowed
                        .as_ref()
                        .is_some_and(|a| !a.contains(&e.unit_clues))
                    {
                        continue;
                    }
                    Event::default()
                        .event("batch")
                        .data(serde_json::to_string(&e).unwrap_or_default())
                }
                Err(broadcast::error::RecvError::Lagged(_)) => {
                    Event::default().event("lagged").data("{}")
                }
                Err(broadcast::error::RecvError::Closed) => return None,
            });
        }
    }
}
