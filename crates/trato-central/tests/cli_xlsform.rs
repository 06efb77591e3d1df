//! `trato-central survey validate|publish` with an XLSForm spreadsheet, run
//! as the real binary: a good workbook is published as the survey it
//! describes, a bad one exits non-zero with every error on standard error.

use std::path::Path;
use std::process::Command;

use serde_json::Value;
use trato_domain::SurveyDefinition;

const TEMPLATE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../assets/surveys/trato-digno-v1.xlsx"
);

fn run(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_trato-central"))
        .env_remove("TRATO_CENTRAL_DB")
        .env("RUST_LOG", "warn")
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn default_document() -> Value {
    serde_json::from_str(trato_domain::DEFAULT_SURVEY_V1_JSON).unwrap()
}

fn write_xlsx(dir: &Path, name: &str, document: &Value) -> String {
    let path = dir.join(name);
    std::fs::write(
        &path,
        trato_xlsform::write::document_to_xlsx(document).unwrap(),
    )
    .unwrap();
    path.to_str().unwrap().to_owned()
}

#[test]
fn validate_accepts_the_shipped_template() {
    let (ok, out, err) = run(&["survey", "validate", TEMPLATE]);
    assert!(ok, "{err}");
    assert!(out.contains("trato-digno v1"), "{out}");
}

#[tokio::test]
async fn publish_stores_the_survey_the_spreadsheet_describes() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("central.db");
    let db = db.to_str().unwrap();
    let mut document = default_document();
    document["version"] = 20.into(); // 1 and 2 are the shipped defaults
    document["questions"][0]["prompt"]["es"] = "¿Cómo le atendieron hoy?".into();
    let file = write_xlsx(dir.path(), "trato-digno-v20.xlsx", &document);

    let (ok, out, err) = run(&["survey", "publish", "--db", db, &file, "--all"]);
    assert!(ok, "{err}");
    assert!(out.contains("published trato-digno version 20"), "{out}");

    let store = trato_central::store::open_store(db).await.unwrap();
    let stored = store
        .survey("trato-digno", 20)
        .await
        .unwrap()
        .expect("stored");
    assert_eq!(
        SurveyDefinition::from_json(&stored).unwrap(),
        SurveyDefinition::from_json(&document.to_string()).unwrap()
    );
}

#[test]
fn a_bad_spreadsheet_exits_non_zero_with_every_error_on_stderr() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("central.db");
    let mut document = default_document();
    // Three mistakes: an id the format refuses, a missing English prompt,
    // a condition on a later question.
    document["questions"][1]["id"] = "Saludo Amable".into();
    document["questions"][2]["prompt"]
        .as_object_mut()
        .unwrap()
        .remove("en");
    document["questions"][3]["show_if"] =
        serde_json::json!({ "question": "comentario", "any_of": ["x"] });
    let file = write_xlsx(dir.path(), "mala.xlsx", &document);

    for args in [
        vec!["survey", "validate", &file],
        vec![
            "survey",
            "publish",
            "--db",
            db.to_str().unwrap(),
            &file,
            "--all",
        ],
    ] {
        let (ok, out, err) = run(&args);
        assert!(!ok, "{args:?} should fail: {out}");
        assert!(
            err.contains("3 problema(s)") && err.contains("3 problem(s)"),
            "{err}"
        );
        assert!(
            err.contains("survey!B3: ") && err.contains("must be 1-64 characters"),
            "{err}"
        );
        assert!(err.contains("survey!D4: falta el texto en el idioma \"en\" | the text in the language \"en\" is missing"), "{err}");
        assert!(
            err.contains("survey!H5: relevant: ${comentario} no es una pregunta anterior"),
            "{err}"
        );
    }
    let (ok, _, err) = run(&["survey", "validate", "encuesta.ods"]);
    assert!(!ok);
    assert!(
        err.contains("guarde la hoja de cálculo como .xlsx"),
        "{err}"
    );
}
