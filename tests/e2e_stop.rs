//! The kiosk going away mid-survey, in the release app under Xvfb: stopped
//! with SIGTERM (an upgrade, a shutdown), or its page's web process killed
//! or hung.
//! The answers given so far are stored as abandoned either way (Rust kept
//! them: `record_progress`), without the page's help.
//!
//! Run by `.ci/test` under `xvfb-run` (ignored by a plain `cargo test`).
#![cfg(target_os = "linux")]

mod support;

use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::json;
use support::{processes, query, KioskApp};

const SIZE: &str = "1280x800";

const ABANDONED: &str =
    "SELECT a.question_id, a.option_code FROM responses r JOIN answers a ON a.response_id = r.id
     WHERE r.status = 'abandoned' ORDER BY a.question_id";

/// The abandoned answers, read once: after the process has exited, what it
/// committed is all there will be.
fn abandoned(app: &KioskApp) -> Vec<Vec<serde_json::Value>> {
    query(&app.db_path(), ABANDONED)
}

fn alive(pid: u32) -> bool {
    // A zombie has exited: only its parent has not collected it yet.
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| {
            !s.rsplit_once(')')
                .is_some_and(|(_, r)| r.trim_start().starts_with('Z'))
        })
        .unwrap_or(false)
}

/// The survey page's web process: a descendant of the app (WebKit may start
/// it through a sandbox launcher).
fn web_process(app_pid: u32) -> u32 {
    let all = processes();
    let mut family = vec![app_pid];
    let mut i = 0;
    while i < family.len() {
        let parent = family[i];
        family.extend(
            all.iter()
                .filter(|(_, pp, _)| *pp == parent)
                .map(|(p, _, _)| *p),
        );
        i += 1;
    }
    all.iter()
        .find(|(p, _, cmd)| {
            family.contains(p) && cmd.first().is_some_and(|c| c.ends_with("WebKitWebProcess"))
        })
        .map(|(p, _, _)| *p)
        .expect("the survey page's web process")
}

#[tokio::test]
#[ignore = "needs a display and tauri-driver: run by .ci/test under xvfb-run"]
async fn sigterm_mid_survey_stores_the_answers_as_abandoned_and_exits_within_2_s() {
    let app = KioskApp::launch(SIZE, |_| {}).await;
    app.tap("start").await;
    app.answer("trato", "4").await;
    app.answer("saludo", "si").await;
    app.wait_question("escucha").await;
    let pid = app.app_pid().expect("the kiosk app's process");

    support::signal(pid, "TERM").unwrap();
    let asked = Instant::now();
    // What the issue asks of a stop: gone within 2 s (systemd waits 10).
    while alive(pid) {
        assert!(
            asked.elapsed() < Duration::from_secs(2),
            "the kiosk still runs 2 s after SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(
        abandoned(&app),
        vec![
            vec![json!("saludo"), json!("si")],
            vec![json!("trato"), json!("4")]
        ]
    );
}

#[tokio::test]
#[ignore = "needs a display and tauri-driver: run by .ci/test under xvfb-run"]
async fn a_killed_web_process_leaves_the_answers_stored_as_abandoned_and_the_app_running() {
    let app = KioskApp::launch(SIZE, |_| {}).await;
    app.tap("start").await;
    app.answer("trato", "2").await;
    app.wait_question("saludo").await;
    let pid = app.app_pid().expect("the kiosk app's process");
    let web = web_process(pid);

    support::signal(web, "KILL").unwrap();
    // WebKitWebDriver's session dies with the page it drove, so what the
    // reloaded page shows cannot be read through it; the log says "loading
    // it again". What is checked here: the answers are stored within 5 s
    // and the app lives on.
    // Rust stores the answers it kept and the page comes back: wait for the
    // row as a person would, not in the instant the screen changed.
    let stored = support::wait_for(
        "the answers stored as abandoned",
        Duration::from_secs(5),
        async || abandoned(&app),
        |rows| *rows == vec![vec![json!("trato"), json!("2")]],
    )
    .await;
    assert_eq!(stored.len(), 1);
    assert!(alive(pid), "the app itself keeps running");
}

/// The release app started straight on the X display, without WebDriver:
/// WebKit does not report an automated page unresponsive. Its log (debug
/// level for the kiosk) goes to a file the test reads.
struct PlainApp {
    child: std::process::Child,
    data_dir: tempfile::TempDir,
    log: std::path::PathBuf,
}

impl PlainApp {
    fn launch() -> PlainApp {
        let data_dir = support::configured_data_dir(|_, _| {});
        let log = data_dir.path().join("app.log");
        let child = Command::new(support::APP)
            .args(["--data-dir"])
            .arg(data_dir.path())
            .args(["run", "--window-size", SIZE])
            .env("RUST_LOG", "info,trato_kiosk_core::kiosk=debug")
            .stderr(std::fs::File::create(&log).unwrap())
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("the kiosk app");
        PlainApp {
            child,
            data_dir,
            log,
        }
    }

    fn logged(&self, what: &str) -> bool {
        std::fs::read_to_string(&self.log).is_ok_and(|l| l.contains(what))
    }

    /// The app's window, once it is mapped.
    fn window(&self) -> String {
        let out = Command::new("xdotool")
            .args(["search", "--sync", "--onlyvisible", "--pid"])
            .arg(self.child.id().to_string())
            .output()
            .expect("xdotool (apt-get install xdotool)");
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .next()
            .expect("the kiosk's window")
            .to_owned()
    }

    /// A real tap at (x, y) in the window, as the touchscreen gives one.
    fn tap(&self, window: &str, x: u32, y: u32) {
        let (x, y) = (x.to_string(), y.to_string());
        xdotool(&["mousemove", "--window", window, &x, &y, "click", "1"]);
    }
}

/// Runs xdotool (a real X input, as the touchscreen gives one).
fn xdotool(args: &[&str]) {
    Command::new("xdotool")
        .args(args)
        .status()
        .expect("xdotool (apt-get install xdotool)");
}

impl Drop for PlainApp {
    /// Stops the app; a failed test shows its log.
    fn drop(&mut self) {
        if std::thread::panicking() {
            let log = std::fs::read_to_string(&self.log).unwrap_or_default();
            eprintln!("the kiosk app's log:\n{log}");
        }
        let _ = support::signal(self.child.id(), "TERM");
        let _ = self.child.wait();
    }
}

#[tokio::test]
#[ignore = "needs a display: run by .ci/test under xvfb-run"]
async fn a_hung_web_process_is_ended_and_the_answers_stored_as_abandoned() {
    let app = PlainApp::launch();
    let window = app.window();
    // "Mal" on the attract screen at 1280x800: the survey starts with that
    // answer, which Rust keeps. Tapped again only while the page, still
    // loading at first, has not taken it.
    support::wait_for(
        "a face tap to start the survey with its answer",
        Duration::from_secs(30),
        async || {
            app.tap(&window, 499, 420);
            let tapped = Instant::now();
            while !app.logged("a patient started the survey")
                && tapped.elapsed() < Duration::from_secs(2)
            {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            app.logged("answers so far kept")
        },
        |kept| *kept,
    )
    .await;
    let web = web_process(app.child.id());

    // A page stuck in a loop or a driver looks like a frozen process: it
    // stops answering. WebKit notices when input to it goes unanswered for
    // 3 s; it watches key presses (a mouse click queued behind an
    // unanswered pointer motion starts no watch of its own).
    xdotool(&["windowfocus", "--sync", &window]);
    support::signal(web, "STOP").unwrap();
    xdotool(&["key", "Tab"]);
    let pressed = Instant::now();
    // WebKit's 3 s, the kiosk's 1 s of grace, then the page is ended: the
    // answers are stored within the 5 s the issue promises.
    let db = app.data_dir.path().join("kiosk.db");
    let stored = support::wait_for(
        "the answers stored as abandoned",
        Duration::from_secs(5),
        async || query(&db, ABANDONED),
        |rows| *rows == vec![vec![json!("trato"), json!("2")]],
    )
    .await;
    println!(
        "answers stored {:?} after the unanswered key",
        pressed.elapsed()
    );
    assert_eq!(stored.len(), 1);
    // WebKit reports the page gone as it kills the process: allow it the
    // moment the kernel takes to end it.
    support::wait_for(
        "the hung web process ended",
        Duration::from_secs(2),
        async || alive(web),
        |alive| !alive,
    )
    .await;
    // The page comes back on a new web process, and the app lives on.
    support::wait_for(
        "the survey page loaded again",
        Duration::from_secs(5),
        async || app.logged("the survey page answers again"),
        |up| *up,
    )
    .await;
    assert!(alive(app.child.id()), "the app itself keeps running");
}
