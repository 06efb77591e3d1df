//! The full-screen kiosk window and what it must not let a patient do:
//! navigate away, open a context menu, zoom, or open devtools. Platform
//! specifics live here, behind `cfg`, and nowhere else.

use tauri::{AppHandle, Manager, Runtime, WebviewUrl, WebviewWindow, WebviewWindowBuilder};

pub use platform::{choose_renderer, watch_web_process};

pub const MAIN_WINDOW: &str = "main";
/// The staff tools (and the first-run setup): a window of its own, so the
/// survey window's capability never covers an admin command.
pub const STAFF_WINDOW: &str = "staff";

/// How windows are sized: `size` forces the inner size (tests under Xvfb,
/// where no window manager honours full screen); otherwise each window takes
/// the primary monitor's size and asks for full screen.
#[derive(Debug, Clone, Copy, Default)]
pub struct WindowPlan {
    pub size: Option<(u32, u32)>,
}

/// Opens the patient survey window.
pub fn open_survey<R: Runtime>(
    app: &AppHandle<R>,
    plan: WindowPlan,
) -> tauri::Result<WebviewWindow<R>> {
    open(app, MAIN_WINDOW, "index.html", plan)
}

/// Opens the staff window above the survey (or focuses it if open); `setup`
/// shows the first-run setup instead of the PIN pad.
pub fn open_staff<R: Runtime>(
    app: &AppHandle<R>,
    plan: WindowPlan,
    setup: bool,
) -> tauri::Result<WebviewWindow<R>> {
    if let Some(window) = app.get_webview_window(STAFF_WINDOW) {
        window.set_focus()?;
        return Ok(window);
    }
    let page = if setup {
        "staff.html?mode=setup"
    } else {
        "staff.html"
    };
    open(app, STAFF_WINDOW, page, plan)
}

fn open<R: Runtime>(
    app: &AppHandle<R>,
    label: &str,
    page: &str,
    plan: WindowPlan,
) -> tauri::Result<WebviewWindow<R>> {
    let (width, height) = plan
        .size
        .map(|(w, h)| (f64::from(w), f64::from(h)))
        .or_else(|| monitor_size(app))
        .unwrap_or((1280.0, 800.0));
    let kiosk_mode = plan.size.is_none();
    let window = WebviewWindowBuilder::new(app, label, WebviewUrl::App(page.into()))
        .title("Trato Digno")
        .inner_size(width, height)
        .position(0.0, 0.0)
        .fullscreen(kiosk_mode)
        .decorations(false)
        // A fixed-size GTK window keeps its size when made full screen, so a
        // kiosk window stays resizable for the compositor (cage) to fit it
        // to the screen; it has no decorations for a patient to resize it by.
        .resizable(kiosk_mode)
        .always_on_top(kiosk_mode)
        .disable_drag_drop_handler()
        .zoom_hotkeys_enabled(false)
        .on_navigation(is_app_url)
        .build()?;
    platform::harden(&window);
    log_size(&window);
    Ok(window)
}

/// Logs each size the window is given beside its screen's: a window larger
/// than its screen has every page cut. The compositor passes through larger
/// sizes while it fits the window, so only the last line tells; the package
/// test checks it under cage, and IT can read it in the journal.
fn log_size<R: Runtime>(window: &WebviewWindow<R>) {
    let this = window.clone();
    window.on_window_event(move |event| {
        let tauri::WindowEvent::Resized(size) = event else {
            return;
        };
        let screen = this.current_monitor().ok().flatten().map(|m| *m.size());
        tracing::info!(
            window = this.label(),
            width = size.width,
            height = size.height,
            screen_width = screen.map(|s| s.width),
            screen_height = screen.map(|s| s.height),
            "window size"
        );
    });
}

/// The logical size of the screen the kiosk shows on. Wayland has no primary
/// monitor (GDK reports none under cage), so the first monitor stands in.
fn monitor_size<R: Runtime>(app: &AppHandle<R>) -> Option<(f64, f64)> {
    let monitor = match app.primary_monitor().ok().flatten() {
        Some(monitor) => monitor,
        None => app.available_monitors().ok()?.into_iter().next()?,
    };
    let logical = monitor.size().to_logical::<f64>(monitor.scale_factor());
    Some((logical.width, logical.height))
}

/// Only the app's own pages may load in the window.
fn is_app_url(url: &tauri::Url) -> bool {
    let allowed = matches!(
        (url.scheme(), url.host_str()),
        ("tauri", Some("localhost")) | ("http" | "https", Some("tauri.localhost"))
    ) || (cfg!(debug_assertions) && url.host_str() == Some("localhost"));
    if !allowed {
        tracing::warn!(%url, "blocked navigation away from the kiosk");
    }
    allowed
}

#[cfg(target_os = "linux")]
mod platform {
    use tauri::{Runtime, WebviewWindow};

    /// WebKitGTK's own switch (`=1`: paint directly, no GPU compositing).
    /// When IT sets it in the kiosk's environment, their choice stands.
    const NO_COMPOSITING: &str = "WEBKIT_DISABLE_COMPOSITING_MODE";

    /// Chooses how WebKitGTK renders, before any thread or GTK exists (it
    /// reads the environment at start-up). WebKitGTK composites pages with
    /// OpenGL; with no usable GPU (no DRM render node this process may open:
    /// a VM, a thin client, Xvfb) Mesa falls back to llvmpipe, and compositing
    /// in software GL costs more than painting directly: the attract screen
    /// appears about 0.3 s later (docs/PERFORMANCE.md). With a GPU nothing
    /// changes. Returns what it decided, for the log.
    pub fn choose_renderer() -> Option<&'static str> {
        if std::env::var_os(NO_COMPOSITING).is_some() {
            return None;
        }
        if has_usable_gpu() {
            return Some("GPU compositing (a DRM render node is available)");
        }
        // Safety of `set_var`: called first thing in `main`, before any other
        // thread exists (edition 2021 does not mark it unsafe; it is still
        // only sound single-threaded).
        std::env::set_var(NO_COMPOSITING, "1");
        Some("direct painting: no usable GPU, so no compositing in software GL")
    }

    fn has_usable_gpu() -> bool {
        let Ok(entries) = std::fs::read_dir("/dev/dri") else {
            return false;
        };
        entries.flatten().any(|entry| {
            entry.file_name().to_string_lossy().starts_with("renderD")
                && std::fs::OpenOptions::new()
                    .read(true)
                    .write(true)
                    .open(entry.path())
                    .is_ok()
        })
    }

    /// WebKitGTK handles the long-press context menu and pinch zoom itself,
    /// as GTK gestures the page never sees (tauri#13115, wry#544): deny them here.
    pub fn harden<R: Runtime>(window: &WebviewWindow<R>) {
        let result = window.with_webview(|webview| {
            use gtk::prelude::*;
            use webkit2gtk::{SettingsExt, WebViewExt};

            let view = webview.inner();
            view.connect_context_menu(|_, _, _, _| true);
            if let Some(settings) = WebViewExt::settings(&view) {
                settings.set_enable_developer_extras(cfg!(debug_assertions));
                settings.set_enable_back_forward_navigation_gestures(false);
            }
            // A two-finger gesture claimed in the capture phase on the web
            // view's parent never reaches WebKit's own zoom gesture.
            if let Some(parent) = view.parent() {
                let pinch = gtk::GestureZoom::new(&parent);
                pinch.set_propagation_phase(gtk::PropagationPhase::Capture);
                pinch.connect_begin(|gesture, _| {
                    gesture.set_state(gtk::EventSequenceState::Claimed);
                });
                // GTK 3 gestures are not owned by their widget: keep this one
                // for the window's (the process's) lifetime.
                std::mem::forget(pinch);
            }
            view.set_zoom_level(1.0);
        });
        if let Err(error) = result {
            tracing::error!(%error, "could not harden the kiosk web view");
        }
    }

    /// How long a page WebKit reports unresponsive (3 s after an input went
    /// unanswered) may take to answer again before it is ended: a hang is
    /// restarted about 4 s after the tap, within the 5 s promised; a stall
    /// shorter than that is not.
    const UNRESPONSIVE_GRACE: std::time::Duration = std::time::Duration::from_secs(1);

    /// A web process that dies (crash, out of memory, killed) or stops
    /// responding takes the page with it: `on_lost` ends the survey on
    /// screen with the answers Rust kept, and the page loads again on its
    /// attract screen. A hung process is ended first, which makes it a dead
    /// one.
    pub fn watch_web_process<R: Runtime>(
        window: &WebviewWindow<R>,
        on_lost: impl Fn() + Send + 'static,
    ) {
        let result = window.with_webview(move |webview| {
            use webkit2gtk::WebViewExt;

            let view = webview.inner();
            view.connect_web_process_terminated(move |view, reason| {
                tracing::error!(
                    ?reason,
                    "the survey page's web process ended: loading it again"
                );
                on_lost();
                view.reload();
            });
            view.connect_is_web_process_responsive_notify(|view| {
                if view.is_web_process_responsive() {
                    tracing::info!("the survey page answers again");
                    return;
                }
                tracing::warn!("the survey page is not answering");
                // A slow kiosk PC under load (audio being made, an update)
                // can miss WebKit's 3 s deadline once: end the page only if
                // it is still not answering after a grace period.
                let view = view.clone();
                gtk::glib::timeout_add_local_once(UNRESPONSIVE_GRACE, move || {
                    if !view.is_web_process_responsive() {
                        tracing::error!("the survey page stopped responding: restarting it");
                        view.terminate_web_process();
                    }
                });
            });
        });
        if let Err(error) = result {
            tracing::error!(%error, "cannot watch the survey page's web process");
        }
    }
}

#[cfg(not(target_os = "linux"))]
mod platform {
    use tauri::{Runtime, WebviewWindow};

    /// WebView2 and WKWebView pick their renderer themselves.
    pub fn choose_renderer() -> Option<&'static str> {
        None
    }

    /// WebView2 and WKWebView honour `zoom_hotkeys_enabled(false)` and the
    /// page's own handlers; nothing more is needed here yet.
    pub fn harden<R: Runtime>(_window: &WebviewWindow<R>) {}

    /// Not watched on these platforms yet: a dead page stays until restart.
    pub fn watch_web_process<R: Runtime>(
        _window: &WebviewWindow<R>,
        _on_lost: impl Fn() + Send + 'static,
    ) {
    }
}
