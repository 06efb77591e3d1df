//! The staff window's commands (capability `staff`, window `staff`). Each
//! admin command first turns the session token into an `Admin` for the role
//! it needs: the check is here in Rust, whatever the UI shows or hides.

use std::path::PathBuf;

use chrono::{Local, NaiveDate};
use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Emitter, Manager, Runtime, State};
use trato_kiosk_core::destinations::{self, Destination};
use trato_kiosk_core::eject;
use trato_kiosk_core::export::{self, ExportError, ExportFormat, ExportRequest, Progress};
use trato_kiosk_core::overview::StaffOverview;
use trato_kiosk_core::staff::{AuditEntry, SetupStatus};
use trato_kiosk_core::{settings, KioskError, Role};

use crate::commands::KioskState;
use crate::ipc_error::IpcError;
use crate::kiosk_window::{self, WindowPlan, MAIN_WINDOW, STAFF_WINDOW};

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PadState {
    configured: bool,
    demo: bool,
    locked: bool,
    retry_after_seconds: u64,
    unit_name: String,
    unit_clues: String,
}

#[tauri::command]
pub async fn staff_pad_state(state: State<'_, KioskState>) -> Result<PadState, IpcError> {
    let kiosk = state.lock()?;
    let lockout = kiosk.pin_lockout()?;
    let retry_after_seconds = lockout.retry_after_seconds(chrono::Utc::now());
    Ok(PadState {
        configured: kiosk.is_configured()?,
        demo: kiosk.settings().demo,
        locked: retry_after_seconds > 0,
        retry_after_seconds,
        unit_name: kiosk.settings().unit_name.clone(),
        unit_clues: kiosk.settings().unit_clues.clone(),
    })
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LoggedIn {
    token: String,
    role: Role,
    expires_in_seconds: i64,
}

#[tauri::command]
pub async fn staff_login(state: State<'_, KioskState>, pin: String) -> Result<LoggedIn, IpcError> {
    let mut kiosk = state.lock()?;
    let session = kiosk.staff_login(&pin).map_err(KioskError::from)?;
    Ok(LoggedIn {
        expires_in_seconds: (session.expires - chrono::Utc::now()).num_seconds().max(0),
        token: session.token,
        role: session.role,
    })
}

#[tauri::command]
pub async fn staff_logout(state: State<'_, KioskState>, token: String) -> Result<(), IpcError> {
    Ok(state.lock()?.staff_logout(&token)?)
}

/// Closes the staff window; the survey underneath carries on.
#[tauri::command]
pub async fn staff_close<R: Runtime>(app: AppHandle<R>) -> Result<(), IpcError> {
    if let Some(window) = app.get_webview_window(STAFF_WINDOW) {
        window
            .close()
            .map_err(|e| IpcError::internal(&e.to_string()))?;
    }
    Ok(())
}

#[tauri::command]
pub async fn staff_overview(
    state: State<'_, KioskState>,
    token: String,
) -> Result<StaffOverview, IpcError> {
    let mut overview = {
        let mut kiosk = state.lock()?;
        let admin = kiosk.admin(&token, Role::Staff).map_err(KioskError::from)?;
        let today = Local::now().date_naive();
        admin.kiosk().overview(today, "es")?
    };
    // The running task knows more than the database: sending now, the next
    // retry. Counts stay the database's (they include the newest response).
    if let Some(live) = state.sync().and_then(|s| s.view()) {
        if live.endpoint == overview.sync.endpoint {
            overview.sync.state = live.state;
            overview.sync.last_error = live.last_error.or(overview.sync.last_error);
            overview.sync.next_attempt = live.next_attempt;
        }
    }
    Ok(overview)
}

#[tauri::command]
pub async fn staff_export_destinations(
    state: State<'_, KioskState>,
    token: String,
) -> Result<Vec<Destination>, IpcError> {
    let mut kiosk = state.lock()?;
    let admin = kiosk.admin(&token, Role::Staff).map_err(KioskError::from)?;
    Ok(destinations::list(&admin.kiosk().exports_dir()))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FormatArg {
    Csv,
    Xlsx,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
struct ExportProgressEvent {
    job_id: u64,
    done: u64,
    total: u64,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
struct ExportFinishedEvent {
    job_id: u64,
    file: String,
    path: PathBuf,
    rows: u64,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
struct ExportFailedEvent {
    job_id: u64,
    #[serde(flatten)]
    error: IpcError,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportStarted {
    job_id: u64,
}

/// Starts an export on a thread of its own and returns at once: the survey
/// window keeps working, and progress arrives as `export-progress` events.
#[tauri::command]
#[allow(clippy::too_many_arguments)] // each is one field of the staff form
pub async fn staff_export<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, KioskState>,
    token: String,
    from: NaiveDate,
    to: NaiveDate,
    service: Option<String>,
    format: FormatArg,
    destination: PathBuf,
) -> Result<ExportStarted, IpcError> {
    let (db, settings, job_id, destination) = {
        let mut kiosk = state.lock()?;
        let admin = kiosk.admin(&token, Role::Staff).map_err(KioskError::from)?;
        let destination = destinations::listed(&destination, &admin.kiosk().exports_dir())
            .ok_or_else(|| KioskError::from(ExportError::NotListed(destination)))?
            .path;
        let kind = match format {
            FormatArg::Csv => ExportFormat::Csv,
            FormatArg::Xlsx => ExportFormat::Xlsx,
        };
        admin.record_export(from, to, kind, &destination)?;
        let kiosk = admin.kiosk();
        (
            kiosk.store().path().to_owned(),
            kiosk.settings().clone(),
            state.next_job(),
            destination,
        )
    };
    let format = match format {
        FormatArg::Csv => ExportFormat::Csv,
        FormatArg::Xlsx => ExportFormat::Xlsx,
    };
    let mut request = ExportRequest::new(from, to, format, destination);
    request.service = service.filter(|s| !s.is_empty());
    std::thread::Builder::new()
        .name(format!("export-{job_id}"))
        .spawn(move || {
            let mut last_sent = 0;
            let mut on_progress = |p: Progress| {
                // A few hundred events at most, whatever the size.
                if p.done == p.total || p.done >= last_sent + (p.total / 200).max(1) {
                    last_sent = p.done;
                    let event = ExportProgressEvent { job_id, done: p.done, total: p.total };
                    let _ = app.emit_to(STAFF_WINDOW, "export-progress", event);
                }
            };
            match export::export_database(&db, &settings, &request, &mut on_progress) {
                Ok(summary) => {
                    tracing::info!(file = %summary.path.display(), rows = summary.rows, "export finished");
                    let event = ExportFinishedEvent {
                        job_id,
                        file: summary.file_name,
                        path: summary.path,
                        rows: summary.rows,
                    };
                    let _ = app.emit_to(STAFF_WINDOW, "export-finished", event);
                }
                Err(error) => {
                    tracing::error!(%error, "export failed");
                    let event = ExportFailedEvent { job_id, error: KioskError::from(error).into() };
                    let _ = app.emit_to(STAFF_WINDOW, "export-failed", event);
                }
            }
        })
        .map_err(|e| IpcError::internal(&format!("cannot start the export: {e}")))?;
    Ok(ExportStarted { job_id })
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EjectDone {
    /// Also unmounted (else it stays listed until pulled out).
    unmounted: bool,
}

/// "Retirar memoria": flushes the USB drive (and unmounts it where this
/// user may), off the kiosk's lock; only then may staff read "Puede retirar
/// la memoria".
#[tauri::command]
pub async fn staff_eject(
    state: State<'_, KioskState>,
    token: String,
    destination: PathBuf,
) -> Result<EjectDone, IpcError> {
    let mount = {
        let mut kiosk = state.lock()?;
        let admin = kiosk.admin(&token, Role::Staff).map_err(KioskError::from)?;
        admin.removable_drive(&destination)?
    };
    let flushed = mount.clone();
    let ejected = tauri::async_runtime::spawn_blocking(move || eject::eject(&flushed))
        .await
        .map_err(|e| IpcError::internal(&format!("the eject task failed: {e}")))?
        .map_err(KioskError::from)?;
    tracing::info!(mount = %mount.display(), unmounted = ejected.unmounted, "USB drive ejected");
    let mut kiosk = state.lock()?;
    let admin = kiosk.admin(&token, Role::Staff).map_err(KioskError::from)?;
    admin.record_eject(&mount, ejected)?;
    Ok(EjectDone {
        unmounted: ejected.unmounted,
    })
}

#[derive(Debug, Serialize)]
pub struct SyncStarted {
    started: bool,
}

#[tauri::command]
pub async fn staff_sync_now(
    state: State<'_, KioskState>,
    token: String,
) -> Result<SyncStarted, IpcError> {
    {
        let mut kiosk = state.lock()?;
        let admin = kiosk.admin(&token, Role::Staff).map_err(KioskError::from)?;
        admin.record_sync_now()?;
    }
    match state.sync() {
        Some(sync) => {
            sync.sync_now();
            Ok(SyncStarted { started: true })
        }
        None => Err(IpcError::new(
            trato_kiosk_core::ErrorCode::NotAvailable,
            "the sync task did not start on this kiosk; see the log",
        )),
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SettingsView {
    values: std::collections::BTreeMap<String, String>,
    service_catalogue: Vec<&'static str>,
}

#[tauri::command]
pub async fn staff_settings(
    state: State<'_, KioskState>,
    token: String,
) -> Result<SettingsView, IpcError> {
    let mut kiosk = state.lock()?;
    let admin = kiosk.admin(&token, Role::It).map_err(KioskError::from)?;
    Ok(SettingsView {
        values: admin.settings_redacted()?.into_iter().collect(),
        service_catalogue: settings::SERVICE_AREAS.to_vec(),
    })
}

#[derive(Debug, Serialize)]
pub struct Changed {
    changed: Vec<String>,
}

#[tauri::command]
pub async fn staff_update_settings(
    state: State<'_, KioskState>,
    token: String,
    changes: std::collections::BTreeMap<String, String>,
) -> Result<Changed, IpcError> {
    let mut kiosk = state.lock()?;
    let mut admin = kiosk.admin(&token, Role::It).map_err(KioskError::from)?;
    let pairs: Vec<(&str, &str)> = changes
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let changed = admin.update_settings(&pairs)?;
    drop(kiosk);
    // A new endpoint or token is tried at once.
    if changed.iter().any(|k| k.starts_with("sync.")) {
        if let Some(sync) = state.sync() {
            sync.sync_now();
        }
    }
    Ok(Changed { changed })
}

#[tauri::command]
pub async fn staff_set_pin(
    state: State<'_, KioskState>,
    token: String,
    role: Role,
    pin: String,
) -> Result<(), IpcError> {
    let mut kiosk = state.lock()?;
    let mut admin = kiosk.admin(&token, Role::It).map_err(KioskError::from)?;
    Ok(admin.set_pin(role, &pin)?)
}

#[tauri::command]
pub async fn staff_audit(
    state: State<'_, KioskState>,
    token: String,
    limit: Option<u32>,
) -> Result<Vec<AuditEntry>, IpcError> {
    let mut kiosk = state.lock()?;
    let admin = kiosk.admin(&token, Role::Staff).map_err(KioskError::from)?;
    Ok(admin.recent_audit(limit.unwrap_or(100).min(1000))?)
}

/// IT only: ends every session, audits, and quits the app.
#[tauri::command]
pub async fn leave_kiosk_mode<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, KioskState>,
    token: String,
) -> Result<(), IpcError> {
    {
        let mut kiosk = state.lock()?;
        let admin = kiosk.admin(&token, Role::It).map_err(KioskError::from)?;
        admin.leave_kiosk_mode()?;
    }
    tracing::info!("IT left kiosk mode");
    app.exit(0);
    Ok(())
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SetupView {
    #[serde(flatten)]
    status: SetupStatus,
    service_catalogue: Vec<&'static str>,
}

#[tauri::command]
pub async fn setup_state(state: State<'_, KioskState>) -> Result<SetupView, IpcError> {
    Ok(SetupView {
        status: state.lock()?.setup_status()?,
        service_catalogue: settings::SERVICE_AREAS.to_vec(),
    })
}

/// First run: unit, service area and both PINs at once. Refused in Rust
/// once the kiosk has an IT PIN. The service area is asked for, never
/// assumed: responses are recorded under it. On success the setup window
/// gives way to the survey.
#[tauri::command]
#[allow(clippy::too_many_arguments)] // each is one field of the setup form
pub async fn complete_setup<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, KioskState>,
    plan: State<'_, WindowPlan>,
    unit_clues: String,
    unit_name: String,
    kiosk_label: String,
    service_area: String,
    staff_pin: String,
    it_pin: String,
) -> Result<(), IpcError> {
    {
        let mut kiosk = state.lock()?;
        let pairs = [
            ("unit.clues", unit_clues.as_str()),
            ("unit.name", unit_name.as_str()),
            ("kiosk.label", kiosk_label.as_str()),
            ("service.areas", service_area.as_str()),
            ("service.default", service_area.as_str()),
        ];
        kiosk.complete_setup(&pairs, &staff_pin, &it_pin)?;
    }
    if app.get_webview_window(MAIN_WINDOW).is_none() {
        kiosk_window::open_survey(&app, *plan).map_err(|e| IpcError::internal(&e.to_string()))?;
    }
    if let Some(window) = app.get_webview_window(STAFF_WINDOW) {
        let _ = window.close();
    }
    Ok(())
}
