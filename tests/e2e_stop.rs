//! The kiosk going away mid-survey, in the release app under Xvfb: stopped
//! with SIGTERM (an upgrade, a shutdown), or its page's web process killed.
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

    Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
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

    Command::new("kill")
        .args(["-KILL", &web.to_string()])
        .status()
        .unwrap();
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
