//! The survey window's commands: each translates between the UI and
//! `trato_kiosk_core::Kiosk`, which holds every rule.

use std::sync::{Mutex, MutexGuard};

use serde::Serialize;
use tauri::State;
use trato_domain::Answer;
use trato_kiosk_core::{Abandoned, Bootstrap, Kiosk, Submitted};
use uuid::Uuid;

use crate::ipc_error::IpcError;

/// The kiosk, shared by all commands; one survey session at a time.
pub struct KioskState(pub Mutex<Kiosk>);

impl KioskState {
    fn lock(&self) -> Result<MutexGuard<'_, Kiosk>, IpcError> {
        self.0.lock().map_err(|_| IpcError::internal("kiosk state lock poisoned"))
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
