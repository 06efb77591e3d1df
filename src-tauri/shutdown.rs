//! Stopping the kiosk (systemd on upgrade or shutdown, Ctrl-C by hand): the
//! survey on screen is stored as abandoned, per `survey.abandoned`, with the
//! answers Rust kept, and the process exits at once, while cage and its
//! display are still there (the unit's stop step signals the kiosk first).

#[cfg(unix)]
pub fn exit_on_sigterm<R: tauri::Runtime>(app: tauri::AppHandle<R>) {
    use tauri::Manager;
    use tokio::signal::unix::{signal, SignalKind};

    tauri::async_runtime::spawn(async move {
        let (mut term, mut int) = match (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
        ) {
            (Ok(term), Ok(int)) => (term, int),
            (Err(error), _) | (_, Err(error)) => {
                tracing::error!(%error, "cannot listen for SIGTERM: a survey in progress would be lost on stop");
                return;
            }
        };
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
        }
        tracing::info!("asked to stop: storing the survey in progress, then exiting");
        app.state::<crate::KioskState>().abandon_in_progress();
        // Not through the event loop: a busy or hung page must not hold the
        // exit up. The store's commit is already durable (synchronous=FULL).
        std::process::exit(0);
    });
}
