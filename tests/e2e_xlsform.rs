//! End to end: a survey written in a spreadsheet (XLSForm), installed with
//! `trato-kiosk survey install FILE.xlsx` into the kiosk's data directory,
//! is what the real app shows, and a patient's answers are stored under
//! that survey's id and version.
//!
//! Run by `.ci/test` under `xvfb-run` (ignored by a plain `cargo test`).

mod support;

use std::path::Path;
use std::process::Command;

use serde_json::json;
use support::{KioskApp, APP};

const SIZE: &str = "1280x800";

/// A survey unlike the default one: other id, version, questions and codes.
fn spreadsheet_survey() -> serde_json::Value {
    let text = |es: &str, en: &str| json!({ "es": es, "en": en });
    let faces: Vec<_> = [
        ("Muy mal", "Very poor"),
        ("Mal", "Poor"),
        ("Regular", "Fair"),
        ("Bien", "Good"),
        ("Muy bien", "Very good"),
    ]
    .iter()
    .enumerate()
    .map(|(i, (es, en))| json!({ "code": (i + 1).to_string(), "label": text(es, en) }))
    .collect();
    json!({
        "id": "urgencias-piloto",
        "version": 4,
        "languages": ["es", "en"],
        "title": text("Urgencias: su opinión", "Emergency care: your opinion"),
        "questions": [
            { "id": "atencion", "kind": "faces", "headline": true, "required": true,
              "prompt": text("¿Cómo fue la atención en urgencias?", "How was emergency care?"),
              "options": faces },
            { "id": "volveria", "kind": "yes_no", "required": true,
              "prompt": text("¿Volvería a esta unidad?", "Would you come back to this unit?"),
              "options": [
                { "code": "si", "label": text("Sí", "Yes") },
                { "code": "no", "label": text("No", "No") } ] },
            { "id": "motivo", "kind": "single_choice", "required": true,
              "show_if": { "question": "volveria", "any_of": ["no"] },
              "prompt": text("¿Por qué no?", "Why not?"),
              "options": [
                { "code": "espera", "label": text("La espera", "The wait") },
                { "code": "trato", "label": text("El trato", "How I was treated") },
                { "code": "otro", "label": text("Otra razón", "Another reason") } ] },
            { "id": "nota", "kind": "free_text", "max_chars": 200,
              "prompt": text("¿Algo más?", "Anything else?") }
        ]
    })
}

fn install_with_the_cli(data_dir: &Path) {
    let file = data_dir.join("urgencias-piloto-v4.xlsx");
    let bytes = trato_xlsform::write::document_to_xlsx(&spreadsheet_survey()).unwrap();
    std::fs::write(&file, bytes).unwrap();
    let out = Command::new(APP)
        .arg("--data-dir")
        .arg(data_dir)
        .args(["survey", "install"])
        .arg(&file)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "survey install: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test]
#[ignore = "needs a display and tauri-driver: run by .ci/test under xvfb-run"]
async fn a_survey_written_in_a_spreadsheet_installs_and_is_completed_through_the_real_app() {
    let app = KioskApp::launch_in_dir(SIZE, |dir, _| install_with_the_cli(dir)).await;
    app.tap("start").await;
    app.answer("atencion", "2").await;
    // "No" shows the spreadsheet's conditional question (its `relevant`).
    app.answer("volveria", "no").await;
    app.answer("motivo", "espera").await;
    app.wait_question("nota").await;
    app.tap("submit").await;
    app.wait_screen("thanks").await;

    app.wait_rows(
        "SELECT survey_id, survey_version, status FROM responses",
        vec![vec![json!("urgencias-piloto"), json!(4), json!("complete")]],
    )
    .await;
    app.wait_rows(
        "SELECT question_id, option_code FROM answers ORDER BY rowid",
        vec![
            vec![json!("atencion"), json!("2")],
            vec![json!("volveria"), json!("no")],
            vec![json!("motivo"), json!("espera")],
        ],
    )
    .await;
    app.quit().await;
}
