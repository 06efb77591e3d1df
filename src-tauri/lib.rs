//! The Tauri shell of the Trato Digno kiosk. It only wires the window and the
//! commands to `trato_kiosk_core`; nothing here decides anything about a
//! survey. The builder is generic over the runtime so `tauri::test`'s mock
//! runtime drives the same commands and capabilities as the real app.

pub mod cli;
mod commands;
mod ipc_error;
mod kiosk_window;
mod shutdown;
mod staff_commands;

use tauri::{Builder, Manager, Runtime};
use trato_kiosk_core::Kiosk;

pub use commands::KioskState;
pub use ipc_error::IpcError;
pub use kiosk_window::{choose_renderer, WindowPlan, MAIN_WINDOW, STAFF_WINDOW};

/// The app's configuration (tauri.conf.json, embedded UI, capabilities).
pub fn context<R: Runtime>() -> tauri::Context<R> {
    tauri::generate_context!()
}

/// Adds the kiosk's state and commands to a builder (real or mock runtime).
/// Starts the background sync task too (on tauri's async runtime).
pub fn configure<R: Runtime>(builder: Builder<R>, kiosk: Kiosk, plan: WindowPlan) -> Builder<R> {
    let state = KioskState::new(kiosk);
    state.start_sync();
    builder
        .manage(state)
        .manage(plan)
        .invoke_handler(tauri::generate_handler![
            // The survey window (capability `survey`).
            commands::kiosk_bootstrap,
            commands::start_survey,
            commands::start_from_face,
            commands::submit_response,
            commands::abandon_response,
            commands::record_progress,
            commands::read_aloud,
            commands::read_aloud_clip,
            commands::open_staff,
            // The staff window (capability `staff`).
            staff_commands::staff_pad_state,
            staff_commands::staff_login,
            staff_commands::staff_logout,
            staff_commands::staff_close,
            staff_commands::staff_overview,
            staff_commands::staff_export_destinations,
            staff_commands::staff_export,
            staff_commands::staff_eject,
            staff_commands::staff_sync_now,
            staff_commands::staff_settings,
            staff_commands::staff_update_settings,
            staff_commands::staff_set_pin,
            staff_commands::staff_audit,
            staff_commands::leave_kiosk_mode,
            staff_commands::setup_state,
            staff_commands::complete_setup,
        ])
}

/// Runs the kiosk until it is closed: the survey, or the first-run setup
/// when the kiosk has no unit or PINs yet.
pub fn run(kiosk: Kiosk, plan: WindowPlan) -> anyhow::Result<()> {
    let configured = kiosk.is_configured()?;
    configure(Builder::default(), kiosk, plan)
        .setup(move |app| {
            // A survey the centre published is shown from the next patient:
            // the survey window reloads its definition.
            let handle = app.handle().clone();
            app.state::<KioskState>()
                .on_survey_changed(Box::new(move || {
                    if let Some(window) = handle.get_webview_window(MAIN_WINDOW) {
                        if let Err(error) = window.eval("window.location.reload()") {
                            tracing::warn!(%error, "cannot reload the survey window");
                        }
                    }
                }));
            #[cfg(unix)]
            shutdown::exit_on_sigterm(app.handle().clone());
            if configured {
                let window = kiosk_window::open_survey(app.handle(), plan)?;
                let handle = app.handle().clone();
                kiosk_window::watch_web_process(&window, move || {
                    handle.state::<KioskState>().abandon_in_progress();
                });
            } else {
                tracing::warn!("this kiosk is not configured yet: showing the setup screen");
                kiosk_window::open_staff(app.handle(), plan, true)?;
            }
            Ok(())
        })
        .run(context())?;
    Ok(())
}
