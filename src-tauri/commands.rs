//! The survey window's commands: each translates between the UI and
//! `trato_kiosk_core::Kiosk`, which holds every rule.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};

use serde::Serialize;
use tauri::{AppHandle, Runtime, State};
use trato_domain::Answer;
use trato_kiosk_core::{Abandoned, Bootstrap, Kiosk, Submitted};
use uuid::Uuid;

use crate::ipc_error::IpcError;
use crate::kiosk_window::{self, WindowPlan};

/// The kiosk, shared by all commands; one survey session at a time.
pub struct KioskState {
    kiosk: Mutex<Kiosk>,
    jobs: AtomicU64,
}

impl KioskState {
    pub fn new(kiosk: Kiosk) -> Self {
        KioskState {
            kiosk: Mutex::new(kiosk),
            jobs: AtomicU64::new(0),
        }
    }

    /// A fresh id for a background job (an export), for its events.
    pub fn next_job(&self) -> u64 {
        self.jobs.fetch_add(1, Ordering::Relaxed) + 1
    }

    pub fn lock(&self) -> Result<MutexGuard<'_, Kiosk>, IpcError> {
        self.kiosk
            .lock()
            .map_err(|_| IpcError::internal("kiosk state lock poisoned"))
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Started {
    pub response_id: Uuid,
}

#[tauri::command]
pub async fn kiosk_bootstrap(state: State<'_, KioskState>) -> Result<Bootstrap, IpcError> {
    Ok(state.lock()?.bootstrap())
}

#[tauri::command]
pub async fn start_survey(
    state: State<'_, KioskState>,
    language: String,
) -> Result<Started, IpcError> {
    let response_id = state.lock()?.start_survey(&language)?;
    Ok(Started { response_id })
}

#[tauri::command]
pub async fn submit_response(
    state: State<'_, KioskState>,
    response_id: Uuid,
    language: String,
    answers: Vec<Answer>,
) -> Result<Submitted, IpcError> {
    Ok(state.lock()?.submit(response_id, &language, &answers)?)
}

#[tauri::command]
pub async fn abandon_response(
    state: State<'_, KioskState>,
    response_id: Uuid,
    language: String,
    answers: Vec<Answer>,
) -> Result<Abandoned, IpcError> {
    Ok(state.lock()?.abandon(response_id, &language, &answers)?)
}

/// The hidden staff gesture: opens the staff window (PIN pad) above the
/// survey. Opening it grants nothing; every staff command checks the PIN's
/// session in Rust.
#[tauri::command]
pub async fn open_staff<R: Runtime>(
    app: AppHandle<R>,
    plan: State<'_, WindowPlan>,
) -> Result<(), IpcError> {
    kiosk_window::open_staff(&app, *plan, false)
        .map(drop)
        .map_err(|e| IpcError::internal(&e.to_string()))
}
