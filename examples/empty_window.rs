//! The floor for the start-up and memory benchmark: the same Tauri build and
//! WebKitGTK, one window of the same size showing an empty page, served by a
//! custom scheme rather than `about:blank` (which WebKit shows without
//! starting a web process), so the floor counts the same processes as the kiosk.
//! `cargo build --release --example empty_window`; used by `.ci/bench-startup`.

fn main() {
    // The same rendering choice as the kiosk, so the floor differs only by
    // the page it shows.
    trato_kiosk::choose_renderer();
    let size = std::env::args()
        .nth(1)
        .and_then(|s| {
            let (w, h) = s.split_once('x')?;
            Some((w.parse::<f64>().ok()?, h.parse::<f64>().ok()?))
        })
        .unwrap_or((1280.0, 800.0));
    tauri::Builder::default()
        .register_uri_scheme_protocol("floor", |_ctx, _request| {
            tauri::http::Response::builder()
                .header("content-type", "text/html")
                .body(b"<!doctype html><html><body></body></html>".to_vec())
                .expect("a static response")
        })
        .setup(move |app| {
            let blank = "floor://localhost/".parse().expect("a valid URL");
            tauri::WebviewWindowBuilder::new(app, "main", tauri::WebviewUrl::External(blank))
                .inner_size(size.0, size.1)
                .position(0.0, 0.0)
                .decorations(false)
                .build()?;
            Ok(())
        })
        .run(trato_kiosk::context())
        .expect("the empty window runs");
}
