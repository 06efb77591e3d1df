// No console window on Windows in release builds; IT tools still print when
// started from a terminal.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // First, while the process has one thread: WebKit reads it at start-up.
    let renderer = trato_kiosk::choose_renderer();
    trato_kiosk::cli::init_logging();
    if let Some(renderer) = renderer {
        tracing::debug!(renderer, "web view rendering");
    }
    let cli = trato_kiosk::cli::Cli::parse();
    match trato_kiosk::cli::run(cli) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
