//! `trato-kiosk survey validate|install` with an XLSForm spreadsheet, run as
//! the real binary: a good workbook becomes the active survey, a bad one
//! exits non-zero with every error on standard error and changes nothing.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

const APP: &str = env!("CARGO_BIN_EXE_trato-kiosk");
const TEMPLATE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/assets/surveys/trato-digno-v1.xlsx"
);

fn kiosk(dir: &Path, args: &[&str]) -> Output {
    Command::new(APP)
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap()
}

fn stdout_of(output: &Output) -> String {
    assert!(
        output.status.success(),
        "exit {:?}\nstderr: {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn stderr_of_failure(output: &Output) -> String {
    assert!(!output.status.success(), "expected a failure, got success");
    String::from_utf8(output.stderr.clone()).unwrap()
}

fn active_version(dir: &Path) -> Value {
    let status: Value =
        serde_json::from_str(&stdout_of(&kiosk(dir, &["status", "--json"]))).unwrap();
    status["survey"].clone()
}

fn xlsx_of(dir: &Path, name: &str, document: &Value) -> String {
    let path = dir.join(name);
    std::fs::write(
        &path,
        trato_xlsform::write::document_to_xlsx(document).unwrap(),
    )
    .unwrap();
    path.to_str().unwrap().to_owned()
}

fn default_document() -> Value {
    serde_json::from_str(include_str!("../assets/surveys/trato-digno-v1.json")).unwrap()
}

#[test]
fn the_shipped_template_validates() {
    let dir = tempfile::tempdir().unwrap();
    let out = stdout_of(&kiosk(dir.path(), &["survey", "validate", TEMPLATE]));
    assert!(out.contains("ok: trato-digno v1"), "{out}");
}

#[test]
fn install_an_xlsx_makes_its_survey_active() {
    let dir = tempfile::tempdir().unwrap();
    let mut document = default_document();
    document["version"] = 20.into(); // 1 and 2 are the shipped defaults
    let file = xlsx_of(dir.path(), "trato-digno-v20.xlsx", &document);
    let out = stdout_of(&kiosk(dir.path(), &["survey", "install", &file]));
    assert!(out.contains("trato-digno v20"), "{out}");
    let survey = active_version(dir.path());
    assert_eq!(
        (survey["id"].as_str(), survey["version"].as_u64()),
        (Some("trato-digno"), Some(20))
    );
}

#[test]
fn a_bad_xlsx_lists_every_error_and_installs_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let before = active_version(dir.path());
    let mut document = default_document();
    document["version"] = 20.into();
    document["questions"][0]["options"][4]["label"]
        .as_object_mut()
        .unwrap()
        .remove("es");
    document["questions"][6]["show_if"]["any_of"] = serde_json::json!(["1", "9"]);
    let file = xlsx_of(dir.path(), "mala.xlsx", &document);
    for command in ["validate", "install"] {
        let err = stderr_of_failure(&kiosk(dir.path(), &["survey", command, &file]));
        assert!(
            err.contains("2 problema(s)") && err.contains("2 problem(s)"),
            "{err}"
        );
        assert!(
            err.contains("choices!C6: falta el texto en el idioma \"es\""),
            "{err}"
        );
        assert!(
            err.contains("survey!H8: ") && err.contains("question `trato` has no option `9`"),
            "{err}"
        );
    }
    assert_eq!(active_version(dir.path()), before);
}
