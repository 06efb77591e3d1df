//! End to end, the patient side everyone can use: a way out ("Salir"), a
//! one-tap start from the attract screen's faces, a progress line that never
//! jumps, the large-text / high-contrast switch, the privacy notice. The
//! release app under Xvfb, driven through WebDriver; its SQLite file read back.

mod support;

use serde_json::json;
use support::{query, KioskApp};

const SIZE: &str = "1280x800";

#[tokio::test]
#[ignore = "needs a display and tauri-driver: run by .ci/test under xvfb-run"]
async fn salir_after_one_confirm_stores_the_partial_answers_as_abandoned() {
    let app = KioskApp::launch(SIZE, |_| {}).await;
    app.tap("start").await;
    app.answer("trato", "2").await;
    app.answer("saludo", "no").await;
    app.wait_question("escucha").await;
    // "No, seguir" keeps the patient where they were.
    app.tap("exit").await;
    app.tap("exit-cancel").await;
    assert!(!app.visible("exit-confirm").await);
    assert_eq!(app.question().await, "escucha");
    app.tap("exit").await;
    app.tap("exit-confirm").await;
    app.wait_screen("attract").await;

    assert_eq!(
        query(&app.db_path(), "SELECT status FROM responses"),
        vec![vec![json!("abandoned")]]
    );
    assert_eq!(
        query(
            &app.db_path(),
            "SELECT question_id, option_code FROM answers ORDER BY rowid"
        ),
        vec![
            vec![json!("trato"), json!("2")],
            vec![json!("saludo"), json!("no")]
        ]
    );
    app.quit().await;
}

#[tokio::test]
#[ignore = "needs a display and tauri-driver: run by .ci/test under xvfb-run"]
async fn salir_discards_the_answers_when_the_kiosk_is_set_to() {
    let app = KioskApp::launch(SIZE, |kiosk| {
        kiosk
            .update_settings(&[("survey.abandoned", "discard")])
            .unwrap();
    })
    .await;
    app.tap("start").await;
    app.answer("trato", "4").await;
    app.tap("exit").await;
    app.tap("exit-confirm").await;
    app.wait_screen("attract").await;
    assert_eq!(
        query(&app.db_path(), "SELECT COUNT(*) FROM responses"),
        vec![vec![json!(0)]]
    );
    app.quit().await;
}

#[tokio::test]
#[ignore = "needs a display and tauri-driver: run by .ci/test under xvfb-run"]
async fn a_face_tapped_on_the_attract_screen_is_stored_as_the_first_answer() {
    let app = KioskApp::launch(SIZE, |kiosk| {
        kiosk
            .update_settings(&[
                ("survey.idle_seconds", "15"),
                ("survey.idle_prompt_seconds", "5"),
                ("survey.min_interval_seconds", "120"),
            ])
            .unwrap();
    })
    .await;
    // The faces carry the headline question's own words.
    assert_eq!(app.text_of("attract-face-2").await, "Mal");
    app.tap("attract-face-2").await;
    // The survey opens on the next question: the face was the first answer.
    app.wait_question("saludo").await;
    app.tap("back").await;
    app.wait_question("trato").await;
    assert_eq!(
        app.js("return document.querySelector(\"[data-testid='answer-trato-2']\").getAttribute('aria-pressed')")
            .await,
        json!("true")
    );
    app.tap("next").await;
    app.wait_question("saludo").await;
    // The patient walks away: the idle reset keeps the tapped face as abandoned.
    app.wait_screen("attract").await;
    assert_eq!(
        query(
            &app.db_path(),
            "SELECT r.status, a.question_id, a.option_code FROM responses r JOIN answers a ON a.response_id = r.id"
        ),
        vec![vec![json!("abandoned"), json!("trato"), json!("2")]]
    );

    // Another face straight away (within the anti-stuffing interval, checked
    // in Rust) starts the survey with nothing answered.
    app.tap("attract-face-1").await;
    app.wait_question("trato").await;
    assert_eq!(
        app.js("return document.querySelectorAll(\"[aria-pressed='true'][data-testid^='answer-trato']\").length")
            .await,
        json!(0)
    );
    app.quit().await;
}

/// The progress text and bar width on the current question.
async fn progress(app: &KioskApp) -> (String, f64) {
    let v = app
        .js(
            "const p = document.querySelector(\"[data-testid='progress']\"); \
             return [p.querySelector('.progress-text').textContent, \
                     p.querySelector('.bar-fill').getBoundingClientRect().width]",
        )
        .await;
    (v[0].as_str().unwrap().to_owned(), v[1].as_f64().unwrap())
}

#[tokio::test]
#[ignore = "needs a display and tauri-driver: run by .ci/test under xvfb-run"]
async fn the_progress_line_never_jumps_when_an_answer_shows_another_question() {
    let app = KioskApp::launch(SIZE, |_| {}).await;
    app.tap("start").await;
    let mut seen = Vec::new();
    // A low rating shows "¿Qué podemos mejorar?" later on: the count must not change.
    for (question, code) in [
        ("trato", "1"),
        ("saludo", "no"),
        ("escucha", "no"),
        ("respuesta", "no"),
        ("respeto", "no"),
        ("espera", "mas_2_horas"),
    ] {
        app.wait_question(question).await;
        seen.push(progress(&app).await);
        app.answer(question, code).await;
    }
    app.wait_question("mejorar").await;
    seen.push(progress(&app).await);
    let texts: Vec<&str> = seen.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(
        texts,
        [
            "Pregunta 1",
            "Pregunta 2",
            "Pregunta 3",
            "Pregunta 4",
            "Pregunta 5",
            "Pregunta 6",
            "Pregunta 7"
        ]
    );
    assert!(
        seen.windows(2).all(|w| w[1].1 > w[0].1),
        "the bar must only grow: {seen:?}"
    );
    app.quit().await;
}
