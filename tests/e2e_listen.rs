//! End to end, read-aloud: "Escuchar" appears once the kiosk has made the
//! survey's audio (espeak-ng, in the background at start), a tap really
//! plays it in the web view (the audio element's clock advances; under CI
//! the sound goes to a PulseAudio null sink started by `.ci/setup`), it
//! reads the question and then the options, and a tap on an option or on
//! the button again stops it. The release app under Xvfb, through WebDriver.

mod support;

use serde_json::{json, Value};
use support::KioskApp;

const SIZE: &str = "1280x800";

/// The read-aloud audio element: where it plays from, whether it plays, where it is.
async fn player(app: &KioskApp) -> Value {
    app.js(
        "const a = document.querySelector(\"[data-testid='listen-audio']\"); \
         return a ? { src: a.currentSrc, paused: a.paused, time: a.currentTime, \
                      error: a.error && a.error.code, volume: a.volume } : null",
    )
    .await
}

/// Waits until the element is playing a read-aloud file and its clock has
/// moved past `after` seconds: sound really going out, not just asked for.
async fn wait_playing(app: &KioskApp, after: f64) -> Value {
    let mut last = Value::Null;
    app.wait_until(&format!("audio playing past {after} s"), async || {
        last = player(app).await;
        last["paused"] == json!(false)
            && last["time"].as_f64().is_some_and(|t| t > after)
            && last["src"].as_str().is_some_and(|s| s.starts_with("blob:"))
    })
    .await;
    last
}

async fn listen_state(app: &KioskApp) -> Value {
    app.js("return document.querySelector(\"[data-testid='listen']\")?.dataset.state ?? null")
        .await
}

#[tokio::test]
#[ignore = "needs a display, tauri-driver and espeak-ng: run by .ci/test under xvfb-run"]
async fn escuchar_reads_the_question_then_the_options_and_a_tap_stops_it() {
    let app = KioskApp::launch(SIZE, |kiosk| {
        kiosk.update_settings(&[("audio.volume", "60")]).unwrap();
    })
    .await;
    app.tap("start").await;
    app.wait_question("trato").await;
    // A fresh kiosk makes its audio in the background: the button comes when it is ready.
    app.wait_until("the Escuchar button", async || app.visible("listen").await)
        .await;
    assert_eq!(app.text_of("listen").await, "Escuchar");
    let speech = app.data_dir.path().join("audio/speech");
    assert!(
        std::fs::read_dir(&speech)
            .expect("the speech cache")
            .count()
            >= 12
    );

    app.tap("listen").await;
    let first = wait_playing(&app, 0.2).await;
    assert_eq!(listen_state(&app).await, json!("playing"));
    assert_eq!(app.text_of("listen").await, "Detener");
    // The volume setting reaches the player (WebKit keeps it as a float32).
    let volume = first["volume"].as_f64().unwrap();
    assert!((volume - 0.6).abs() < 1e-3, "volume {volume}");
    // The clock keeps moving: it is playing, not stuck.
    let t1 = first["time"].as_f64().unwrap();
    wait_playing(&app, t1 + 0.3).await;
    // After the question, the options in order, each outlined as it is read.
    app.wait_until("the first option read", async || {
        app.js("return document.querySelector('.option.is-reading')?.dataset.testid ?? null")
            .await
            == json!("answer-trato-1")
    })
    .await;
    wait_playing(&app, 0.1).await;

    // Tapping an answer stops the reading at once.
    app.tap("answer-trato-4").await;
    let stopped = player(&app).await;
    assert_eq!(stopped["paused"], json!(true), "{stopped}");
    app.wait_question("saludo").await;
    assert_eq!(player(&app).await["paused"], json!(true));
    assert_eq!(
        app.js("return document.querySelectorAll('.option.is-reading').length")
            .await,
        json!(0)
    );

    // The next question: the button is there at once, and a second tap stops it.
    assert!(app.visible("listen").await);
    assert_eq!(listen_state(&app).await, json!("idle"));
    app.tap("listen").await;
    wait_playing(&app, 0.2).await;
    app.tap("listen").await;
    app.wait_until("stopped by the button", async || {
        player(&app).await["paused"] == json!(true)
    })
    .await;
    assert_eq!(listen_state(&app).await, json!("idle"));

    // English has its own voice and its own files.
    app.tap("lang-en").await;
    app.wait_until("Listen", async || app.text_of("listen").await == "Listen")
        .await;
    app.tap("listen").await;
    wait_playing(&app, 0.2).await;
    // Leaving the survey stops it too.
    app.tap("exit").await;
    app.tap("exit-confirm").await;
    app.wait_screen("attract").await;
    assert_eq!(player(&app).await["paused"], json!(true));
    app.quit().await;
}

#[tokio::test]
#[ignore = "needs a display, tauri-driver and espeak-ng: run by .ci/test under xvfb-run"]
async fn a_language_without_a_voice_shows_no_escuchar() {
    // Maya (yua): espeak-ng has no voice for it, and this survey has no recordings.
    let app = KioskApp::launch(SIZE, |kiosk| {
        kiosk
            .admin_cli()
            .install_survey(&support::survey_in_languages(&["es", "en", "yua"]))
            .unwrap();
    })
    .await;
    app.tap("start").await;
    app.wait_until("Escuchar in Spanish", async || app.visible("listen").await)
        .await;
    app.tap("lang-menu").await;
    app.tap("lang-yua").await;
    app.wait_until("Maya on screen", async || {
        app.js("return document.documentElement.lang").await == json!("yua")
    })
    .await;
    // Rust has finished with every language (Maya: nothing to make) ...
    app.wait_until("Maya settled", async || {
        app.js(
            "return window.__TAURI__.core.invoke('read_aloud', { language: 'yua' }).then((r) => r.state)",
        )
        .await
            == json!("none")
    })
    .await;
    // ... and a question drawn now shows no Escuchar (only a 'ready' answer fills it).
    app.tap("answer-trato-4").await;
    app.wait_question("saludo").await;
    assert!(!app.visible("listen").await);
    assert_eq!(
        app.js("return document.querySelectorAll(\"[data-testid='listen']\").length")
            .await,
        json!(0)
    );
    app.quit().await;
}
