//! The Tauri shell of the Trato Digno kiosk. It only wires the window and the
//! commands to `trato_kiosk_core`; nothing here decides anything about a
//! survey. The builder is generic over the runtime so `tauri::test`'s mock
//! runtime drives the same commands and capabilities as the real app.

pub mod cli;
mod commands;
mod ipc_error;
mod kiosk_window;

use std::sync::Mutex;

use tauri::{Builder, Runtime};
use trato_kiosk_core::Kiosk;

pub use commands::KioskState;
pub use ipc_error::IpcError;
pub use kiosk_window::MAIN_WINDOW;

/// The app's configuration (tauri.conf.json, embedded UI, capabilities).
pub fn context<R: Runtime>() -> tauri::Context<R> {
    tauri::generate_context!()
}

/// Adds the kiosk's state and commands to a builder (real or mock runtime).
pub fn configure<R: Runtime>(builder: Builder<R>, kiosk: Kiosk) -> Builder<R> {
    builder
        .manage(KioskState(Mutex::new(kiosk)))
        .invoke_handler(tauri::generate_handler![
            commands::kiosk_bootstrap,
            commands::start_survey,
            commands::submit_response,
            commands::abandon_response,
        ])
}

/// Runs the kiosk window until it is closed.
pub fn run(kiosk: Kiosk, window_size: Option<(u32, u32)>) -> anyhow::Result<()> {
    configure(Builder::default(), kiosk)
        .setup(move |app| {
            kiosk_window::open(app.handle(), window_size)?;
            Ok(())
        })
        .run(context())?;
    Ok(())
}
