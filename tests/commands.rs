//! The Tauri commands through `tauri::test`'s mock runtime, with the app's
//! real configuration and capabilities: what the survey window may call, and
//! that each call reaches the core and stores for real.

use serde_json::{json, Value};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{get_ipc_response, mock_builder, MockRuntime, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::{App, WebviewWindow, WebviewWindowBuilder};
use trato_kiosk_core::Kiosk;

struct Harness {
    _dir: tempfile::TempDir,
    db: std::path::PathBuf,
    _app: App<MockRuntime>,
    main: WebviewWindow<MockRuntime>,
    other: WebviewWindow<MockRuntime>,
}

fn harness() -> Harness {
    let dir = tempfile::tempdir().unwrap();
    let kiosk = Kiosk::open(dir.path()).unwrap();
    let app = trato_kiosk::configure(mock_builder(), kiosk)
        .build(trato_kiosk::context())
        .unwrap();
    let main = WebviewWindowBuilder::new(&app, trato_kiosk::MAIN_WINDOW, Default::default())
        .build()
        .unwrap();
    // A window no capability names: it must not reach any command.
    let other = WebviewWindowBuilder::new(&app, "other", Default::default())
        .build()
        .unwrap();
    Harness {
        db: dir.path().join("kiosk.db"),
        _dir: dir,
        _app: app,
        main,
        other,
    }
}

fn invoke(window: &WebviewWindow<MockRuntime>, cmd: &str, args: Value) -> Result<Value, Value> {
    get_ipc_response(
        window,
        InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: "tauri://localhost".parse().unwrap(),
            body: InvokeBody::Json(args),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        },
    )
    .map(|body| body.deserialize::<Value>().unwrap())
}

fn answers() -> Value {
    json!([
        {"question": "trato", "codes": ["1"]},
        {"question": "saludo", "codes": ["no"]},
        {"question": "escucha", "codes": ["en_parte"]},
        {"question": "respuesta", "codes": ["no"]},
        {"question": "respeto", "codes": ["si"]},
        {"question": "espera", "codes": ["mas_2_horas"]},
        {"question": "mejorar", "codes": ["tiempo_espera", "informacion"]},
        {"question": "comentario", "text": "Me atendieron tarde; mi correo es ana@example.com"}
    ])
}

fn count(db: &std::path::Path, sql: &str) -> i64 {
    rusqlite::Connection::open(db)
        .unwrap()
        .query_row(sql, [], |r| r.get(0))
        .unwrap()
}

#[test]
fn bootstrap_gives_the_ui_the_survey_and_timings() {
    let h = harness();
    let boot = invoke(&h.main, "kiosk_bootstrap", json!({})).unwrap();
    assert_eq!(boot["survey"]["id"], "trato-digno");
    assert_eq!(boot["survey"]["languages"], json!(["es", "en"]));
    assert!(boot["idleSeconds"].as_u64().unwrap() >= 15);
    assert!(boot["thanksSeconds"].as_u64().unwrap() >= 2);
}

#[test]
fn a_survey_started_and_submitted_through_commands_is_stored() {
    let h = harness();
    let started = invoke(&h.main, "start_survey", json!({"language": "es"})).unwrap();
    let id = started["responseId"].as_str().unwrap().to_owned();
    let args = json!({"responseId": id, "language": "es", "answers": answers()});
    let submitted = invoke(&h.main, "submit_response", args.clone()).unwrap();
    assert_eq!(submitted, json!({"status": "complete", "alreadyStored": false}));
    // A repeated tap on "Enviar" stores nothing new.
    let again = invoke(&h.main, "submit_response", args).unwrap();
    assert_eq!(again["alreadyStored"], true);
    assert_eq!(count(&h.db, "SELECT COUNT(*) FROM responses"), 1);
    assert_eq!(
        count(&h.db, "SELECT COUNT(*) FROM answers WHERE question_id = 'mejorar'"),
        2
    );
    // The comment is stored with the e-mail masked.
    let comment: String = rusqlite::Connection::open(&h.db)
        .unwrap()
        .query_row("SELECT text FROM answers WHERE question_id = 'comentario'", [], |r| r.get(0))
        .unwrap();
    assert!(!comment.contains("ana@example.com"), "{comment}");
}

#[test]
fn invalid_input_comes_back_as_a_code_and_a_message() {
    let h = harness();
    let started = invoke(&h.main, "start_survey", json!({"language": "es"})).unwrap();
    let error = invoke(
        &h.main,
        "submit_response",
        json!({"responseId": started["responseId"], "language": "es", "answers": [{"question": "trato", "codes": ["7"]}]}),
    )
    .unwrap_err();
    assert_eq!(error["code"], "invalid_answers");
    assert!(error["message"].as_str().unwrap().contains("trato"));

    let error = invoke(
        &h.main,
        "submit_response",
        json!({"responseId": "not-a-uuid", "language": "es", "answers": []}),
    )
    .unwrap_err();
    assert!(error.to_string().contains("responseId"), "{error}");
    assert_eq!(count(&h.db, "SELECT COUNT(*) FROM responses"), 0);
}

#[test]
fn abandon_keeps_partial_answers() {
    let h = harness();
    let started = invoke(&h.main, "start_survey", json!({"language": "en"})).unwrap();
    let kept = invoke(
        &h.main,
        "abandon_response",
        json!({"responseId": started["responseId"], "language": "en", "answers": [{"question": "trato", "codes": ["4"]}]}),
    )
    .unwrap();
    assert_eq!(kept, json!({"kept": true}));
    assert_eq!(
        count(&h.db, "SELECT COUNT(*) FROM responses WHERE status = 'abandoned'"),
        1
    );
}

#[test]
fn a_window_without_the_survey_capability_reaches_no_command() {
    let h = harness();
    for cmd in ["kiosk_bootstrap", "start_survey", "submit_response", "abandon_response"] {
        let error = invoke(&h.other, cmd, json!({"language": "es"})).unwrap_err();
        assert!(error.to_string().contains("not allowed"), "{cmd}: {error}");
    }
}

#[test]
fn an_unknown_command_is_refused() {
    let h = harness();
    assert!(invoke(&h.main, "plugin:fs|read_file", json!({"path": "/etc/passwd"})).is_err());
    assert!(invoke(&h.main, "delete_everything", json!({})).is_err());
}
