//! End to end: the release app in a real window under Xvfb, driven through
//! WebDriver by tapping, then its SQLite file read back.
//!
//! Run by `.ci/test` under `xvfb-run` (ignored by a plain `cargo test`, which
//! has no display): `xvfb-run -a cargo test --release --test e2e -- --include-ignored`.

mod support;

use serde_json::json;
use support::KioskApp;

const SIZE: &str = "1280x800";

#[tokio::test]
#[ignore = "needs a display and tauri-driver: run by .ci/test under xvfb-run"]
async fn a_patient_completes_the_survey_by_tapping_and_it_is_stored() {
    let app = KioskApp::launch(SIZE, |_| {}).await;
    app.tap("start").await;
    app.answer("trato", "5").await;
    app.answer("saludo", "si").await;
    app.answer("escucha", "en_parte").await;
    app.answer("respuesta", "si").await;
    app.answer("respeto", "si").await;
    app.answer("espera", "30_a_60").await;
    // A good rating skips "¿Qué podemos mejorar?" and goes to the comment.
    app.wait_question("comentario").await;
    app.tap("text-comentario").await;
    app.type_on_screen("muy amables ñ").await;
    let typed = app.value_of("text-comentario").await;
    assert_eq!(typed.to_lowercase(), "muy amables ñ");
    app.tap("submit").await;
    app.wait_screen("thanks").await;
    app.tap_repeatedly("thanks", 1).await;

    app.wait_rows(
        "SELECT status, unit_clues, language, sync_state FROM responses",
        vec![vec![
            json!("complete"),
            json!("DFIMS000020"),
            json!("es"),
            json!("pending"),
        ]],
    )
    .await;
    let expected = [
        ("trato", "5"),
        ("saludo", "si"),
        ("escucha", "en_parte"),
        ("respuesta", "si"),
        ("respeto", "si"),
        ("espera", "30_a_60"),
        ("comentario", typed.as_str()),
    ];
    app.wait_rows(
        "SELECT question_id, COALESCE(option_code, text) FROM answers ORDER BY rowid",
        expected
            .iter()
            .map(|(q, v)| vec![json!(q), json!(v)])
            .collect(),
    )
    .await;

    // The thank-you screen returns to the attract screen by itself.
    app.wait_screen("attract").await;
    app.quit().await;
}

#[tokio::test]
#[ignore = "needs a display and tauri-driver: run by .ci/test under xvfb-run"]
async fn a_patient_who_walks_away_is_reset_and_the_partial_answers_are_kept_as_abandoned() {
    let app = KioskApp::launch(SIZE, |kiosk| {
        kiosk
            .update_settings(&[
                ("survey.idle_seconds", "15"),
                ("survey.idle_prompt_seconds", "5"),
            ])
            .unwrap();
    })
    .await;
    app.tap("start").await;
    app.answer("trato", "2").await;
    app.answer("saludo", "no").await;
    app.wait_question("escucha").await;
    // Nobody touches the screen: "¿Sigue ahí?", then the reset.
    app.wait_until("the idle prompt", async || {
        app.js(
            "return !!document.querySelector(\"[data-testid='idle-prompt']\")?.checkVisibility()",
        )
        .await
        .as_bool()
        .unwrap_or(false)
    })
    .await;
    app.wait_screen("attract").await;

    // The screen is wiped first and the answers stored after: wait for them.
    app.wait_rows(
        "SELECT status FROM responses",
        vec![vec![json!("abandoned")]],
    )
    .await;
    app.wait_rows(
        "SELECT question_id, option_code FROM answers ORDER BY rowid",
        vec![
            vec![json!("trato"), json!("2")],
            vec![json!("saludo"), json!("no")],
        ],
    )
    .await;
    app.quit().await;
}

#[tokio::test]
#[ignore = "needs a display and tauri-driver: run by .ci/test under xvfb-run"]
async fn repeated_taps_during_transitions_create_no_extra_answers_or_responses() {
    let app = KioskApp::launch(SIZE, |_| {}).await;
    app.tap_repeatedly("start", 5).await;
    for (question, code) in [
        ("trato", "4"),
        ("saludo", "si"),
        ("escucha", "si"),
        ("respuesta", "no"),
        ("respeto", "si"),
        ("espera", "menos_30"),
    ] {
        app.wait_question(question).await;
        app.tap_repeatedly(&format!("answer-{question}-{code}"), 6)
            .await;
        app.wait_until(&format!("leaving {question}"), async || {
            app.question().await != question
        })
        .await;
    }
    app.wait_question("comentario").await;
    app.tap_repeatedly("submit", 8).await;
    app.wait_screen("thanks").await;
    app.tap_repeatedly("thanks", 5).await;

    let stored = async || {
        app.wait_rows("SELECT COUNT(*) FROM responses", vec![vec![json!(1)]])
            .await;
        app.wait_rows(
            "SELECT question_id, COUNT(*) FROM answers GROUP BY question_id ORDER BY question_id",
            [
                "escucha",
                "espera",
                "respeto",
                "respuesta",
                "saludo",
                "trato",
            ]
            .iter()
            .map(|q| vec![json!(q), json!(1)])
            .collect(),
        )
        .await;
    };
    stored().await;
    // A tap that slipped through would be stored moments after the first:
    // once Rust has since started the next patient's survey, it would be
    // there. Still one response, each question answered once.
    app.wait_screen("attract").await;
    app.tap("start").await;
    app.wait_question("trato").await;
    stored().await;
    app.quit().await;
}

#[tokio::test]
#[ignore = "needs a display and tauri-driver: run by .ci/test under xvfb-run"]
async fn the_survey_can_be_answered_in_english() {
    let app = KioskApp::launch(SIZE, |_| {}).await;
    app.tap("lang-en").await;
    app.wait_until("English", async || {
        app.js("return document.documentElement.lang").await == json!("en")
    })
    .await;
    app.tap("start").await;
    app.answer("trato", "1").await;
    app.answer("saludo", "no").await;
    app.answer("escucha", "no").await;
    app.answer("respuesta", "no").await;
    app.answer("respeto", "no").await;
    app.answer("espera", "mas_2_horas").await;
    // A low rating shows "What can we improve?", a multiple choice.
    app.wait_question("mejorar").await;
    app.tap("answer-mejorar-trato_personal").await;
    app.tap("answer-mejorar-limpieza").await;
    app.tap("next").await;
    app.wait_question("comentario").await;
    app.tap("submit").await;
    // "Very poor" and disrespect meet the survey's alert rules: where to
    // complain, in English, then the thanks.
    app.wait_screen("complaints").await;
    assert_eq!(app.text_of("complaints-ok").await, "Understood");
    app.tap("complaints-ok").await;
    app.wait_screen("thanks").await;

    app.wait_rows(
        "SELECT language, status FROM responses",
        vec![vec![json!("en"), json!("complete")]],
    )
    .await;
    app.wait_rows(
        "SELECT option_code FROM answers WHERE question_id = 'mejorar' ORDER BY position",
        vec![vec![json!("trato_personal")], vec![json!("limpieza")]],
    )
    .await;
    app.quit().await;
}

#[tokio::test]
#[ignore = "needs a display and tauri-driver: run by .ci/test under xvfb-run"]
async fn a_failed_write_shows_a_calm_error_and_the_kiosk_keeps_working() {
    let app = KioskApp::launch(SIZE, |_| {}).await;
    // The next insert fails inside SQLite, as a full disk would make it.
    support::execute(
        &app.db_path(),
        "CREATE TRIGGER e2e_fail BEFORE INSERT ON responses BEGIN SELECT RAISE(ABORT, 'disk full'); END",
    );
    let answer_all = async || {
        app.tap("start").await;
        app.answer_all(&[
            ("trato", "3"),
            ("saludo", "si"),
            ("escucha", "si"),
            ("respuesta", "si"),
            ("respeto", "si"),
            ("espera", "menos_30"),
        ])
        .await;
        app.wait_question("comentario").await;
        app.tap("submit").await;
    };
    app.record_screens().await;
    answer_all().await;
    app.wait_screen("error").await;
    // The patient must never be thanked for an answer that was not kept,
    // not even for a moment before the error.
    let seen = app.screens_seen().await;
    assert!(
        !seen.iter().any(|s| s == "thanks") && seen.last().map(String::as_str) == Some("error"),
        "screens shown: {seen:?}"
    );
    // The error is shown once Rust has answered: nothing is stored.
    app.wait_rows("SELECT COUNT(*) FROM responses", vec![vec![json!(0)]])
        .await;

    // Staff free the disk; the next patient is served as usual.
    support::execute(&app.db_path(), "DROP TRIGGER e2e_fail");
    app.tap("error-home").await;
    app.wait_screen("attract").await;
    answer_all().await;
    app.wait_screen("thanks").await;
    app.wait_rows(
        "SELECT status, COUNT(*) FROM responses GROUP BY status",
        vec![vec![json!("complete"), json!(1)]],
    )
    .await;
    app.quit().await;
}
