//! The Tauri commands through `tauri::test`'s mock runtime, with the app's
//! real configuration and capabilities: what the survey window may call, and
//! that each call reaches the core and stores for real.

use serde_json::{json, Value};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{get_ipc_response, mock_builder, MockRuntime, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::{App, Manager, WebviewWindow, WebviewWindowBuilder};
use trato_kiosk_core::Kiosk;

struct Harness {
    _dir: tempfile::TempDir,
    db: std::path::PathBuf,
    _app: App<MockRuntime>,
    main: WebviewWindow<MockRuntime>,
    staff: WebviewWindow<MockRuntime>,
    other: WebviewWindow<MockRuntime>,
}

const STAFF_PIN: &str = "2580";
const IT_PIN: &str = "1470";

/// A configured kiosk (unit and both PINs) with its three kinds of window.
fn harness() -> Harness {
    let dir = tempfile::tempdir().unwrap();
    let mut kiosk = Kiosk::open(dir.path()).unwrap();
    kiosk
        .complete_setup(
            &[("unit.clues", "DFIMS000020"), ("unit.name", "HGZ 1")],
            STAFF_PIN,
            IT_PIN,
        )
        .unwrap();
    harness_with(dir, kiosk)
}

fn harness_with(dir: tempfile::TempDir, kiosk: Kiosk) -> Harness {
    let app = trato_kiosk::configure(mock_builder(), kiosk, Default::default())
        .build(trato_kiosk::context())
        .unwrap();
    let window = |label: &str| {
        WebviewWindowBuilder::new(&app, label, Default::default())
            .build()
            .unwrap()
    };
    let (main, staff) = (
        window(trato_kiosk::MAIN_WINDOW),
        window(trato_kiosk::STAFF_WINDOW),
    );
    // A window no capability names: it must not reach any command.
    let other = window("other");
    Harness {
        db: dir.path().join("kiosk.db"),
        _dir: dir,
        _app: app,
        main,
        staff,
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
    // Empty: the UI's own words naming the unit's Trato Digno module.
    assert_eq!(boot["complaintsText"], "");
}

#[test]
fn a_survey_started_and_submitted_through_commands_is_stored() {
    let h = harness();
    let started = invoke(&h.main, "start_survey", json!({"language": "es"})).unwrap();
    let id = started["responseId"].as_str().unwrap().to_owned();
    let args = json!({"responseId": id, "language": "es", "answers": answers()});
    let submitted = invoke(&h.main, "submit_response", args.clone()).unwrap();
    // "Muy mal" meets the survey's alert rule: the UI shows where to complain.
    assert_eq!(
        submitted,
        json!({"status": "complete", "alreadyStored": false, "alert": true})
    );
    // A repeated tap on "Enviar" stores nothing new.
    let again = invoke(&h.main, "submit_response", args).unwrap();
    assert_eq!(again["alreadyStored"], true);
    assert_eq!(again["alert"], true);
    assert_eq!(count(&h.db, "SELECT COUNT(*) FROM responses"), 1);
    assert_eq!(
        count(
            &h.db,
            "SELECT COUNT(*) FROM answers WHERE question_id = 'mejorar'"
        ),
        2
    );
    // The comment is stored with the e-mail masked.
    let comment: String = rusqlite::Connection::open(&h.db)
        .unwrap()
        .query_row(
            "SELECT text FROM answers WHERE question_id = 'comentario'",
            [],
            |r| r.get(0),
        )
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
        count(
            &h.db,
            "SELECT COUNT(*) FROM responses WHERE status = 'abandoned'"
        ),
        1
    );
}

/// What SIGTERM and a dead page do: the answers Rust kept are stored as
/// abandoned, without the page's help.
#[test]
fn the_answers_so_far_are_kept_in_rust_and_stored_when_the_page_goes_away() {
    let h = harness();
    let state = || h._app.state::<trato_kiosk::KioskState>();
    assert!(!state().abandon_in_progress(), "no survey open yet");
    let started = invoke(&h.main, "start_survey", json!({"language": "es"})).unwrap();
    invoke(
        &h.main,
        "record_progress",
        json!({"responseId": started["responseId"], "language": "es", "answers": [{"question": "trato", "codes": ["4"]}]}),
    )
    .unwrap();
    // A bad answer is refused and does not replace the ones kept.
    let error = invoke(
        &h.main,
        "record_progress",
        json!({"responseId": started["responseId"], "language": "es", "answers": [{"question": "trato", "codes": ["7"]}]}),
    )
    .unwrap_err();
    assert_eq!(error["code"], "invalid_answers");
    assert_eq!(count(&h.db, "SELECT COUNT(*) FROM responses"), 0);

    assert!(state().abandon_in_progress());
    assert_eq!(
        count(
            &h.db,
            "SELECT COUNT(*) FROM responses WHERE status = 'abandoned'"
        ),
        1
    );
    // The survey is over: the page's own abandon later stores nothing new.
    assert!(!state().abandon_in_progress());
}

const SURVEY_COMMANDS: &[&str] = &[
    "kiosk_bootstrap",
    "start_survey",
    "start_from_face",
    "submit_response",
    "abandon_response",
    "record_progress",
    "read_aloud",
    "read_aloud_clip",
    "open_staff",
];

/// Every staff command with arguments that would succeed for IT.
fn admin_calls(h: &Harness, token: &str) -> Vec<(&'static str, Value)> {
    let exports = h.db.parent().unwrap().join("exportaciones");
    vec![
        ("staff_overview", json!({"token": token})),
        ("staff_export_destinations", json!({"token": token})),
        (
            "staff_export",
            json!({"token": token, "from": "2026-11-01", "to": "2026-11-30", "service": null, "format": "csv", "destination": exports}),
        ),
        // The kiosk's own folder is not a USB drive: refused (see below).
        (
            "staff_eject",
            json!({"token": token, "destination": exports}),
        ),
        ("staff_sync_now", json!({"token": token})),
        ("staff_settings", json!({"token": token})),
        (
            "staff_update_settings",
            json!({"token": token, "changes": {"unit.name": "HGZ 2"}}),
        ),
        (
            "staff_set_pin",
            json!({"token": token, "role": "staff", "pin": "958263"}),
        ),
        ("staff_audit", json!({"token": token, "limit": 10})),
        ("leave_kiosk_mode", json!({"token": token})),
    ]
}

const STAFF_WINDOW_COMMANDS: &[&str] = &[
    "staff_pad_state",
    "staff_login",
    "staff_logout",
    "staff_close",
    "setup_state",
    "complete_setup",
];

fn login(h: &Harness, pin: &str) -> String {
    let session = invoke(&h.staff, "staff_login", json!({"pin": pin})).unwrap();
    session["token"].as_str().unwrap().to_owned()
}

#[test]
fn a_window_without_a_capability_reaches_no_command() {
    let h = harness();
    let admin = admin_calls(&h, "x");
    let all = SURVEY_COMMANDS
        .iter()
        .chain(STAFF_WINDOW_COMMANDS)
        .chain(admin.iter().map(|(cmd, _)| cmd));
    for cmd in all {
        let error = invoke(&h.other, cmd, json!({"language": "es"})).unwrap_err();
        assert!(error.to_string().contains("not allowed"), "{cmd}: {error}");
    }
}

#[test]
fn the_survey_window_cannot_call_any_staff_command_even_with_a_valid_session() {
    let h = harness();
    let token = login(&h, IT_PIN);
    for (cmd, args) in admin_calls(&h, &token) {
        let error = invoke(&h.main, cmd, args).unwrap_err();
        assert!(error.to_string().contains("not allowed"), "{cmd}: {error}");
    }
    for cmd in STAFF_WINDOW_COMMANDS {
        let error = invoke(&h.main, cmd, json!({"pin": IT_PIN})).unwrap_err();
        assert!(error.to_string().contains("not allowed"), "{cmd}: {error}");
    }
    // And the staff window cannot store survey answers.
    for cmd in SURVEY_COMMANDS {
        let error = invoke(&h.staff, cmd, json!({"language": "es"})).unwrap_err();
        assert!(error.to_string().contains("not allowed"), "{cmd}: {error}");
    }
}

#[test]
fn every_admin_command_refuses_a_missing_or_forged_session() {
    let h = harness();
    for token in ["", "forged-token", &"0".repeat(64)] {
        for (cmd, args) in admin_calls(&h, token) {
            let error = invoke(&h.staff, cmd, args).unwrap_err();
            assert_eq!(error["code"], "unauthorized", "{cmd}: {error}");
        }
    }
}

#[test]
fn the_staff_role_is_refused_it_commands_in_rust() {
    let h = harness();
    let token = login(&h, STAFF_PIN);
    for (cmd, args) in admin_calls(&h, &token) {
        let result = invoke(&h.staff, cmd, args);
        match cmd {
            "staff_settings" | "staff_update_settings" | "staff_set_pin" | "leave_kiosk_mode" => {
                assert_eq!(result.unwrap_err()["code"], "forbidden", "{cmd}");
            }
            // Allowed to staff, but only a USB drive in the list is ejected.
            "staff_eject" => assert_eq!(result.unwrap_err()["code"], "drive_gone", "{cmd}"),
            _ => assert!(result.is_ok(), "{cmd}: {result:?}"),
        }
    }
    assert_eq!(
        count(
            &h.db,
            "SELECT COUNT(*) FROM settings WHERE key = 'unit.name' AND value = 'HGZ 2'"
        ),
        0
    );
}

#[test]
fn it_changes_the_unit_and_every_step_is_audited() {
    let h = harness();
    let token = login(&h, IT_PIN);
    let changed = invoke(
        &h.staff,
        "staff_update_settings",
        json!({"token": token, "changes": {"unit.clues": "NLIMS000315", "unit.name": "UMF 15"}}),
    )
    .unwrap();
    assert_eq!(changed["changed"], json!(["unit.clues", "unit.name"]));
    let error = invoke(
        &h.staff,
        "staff_update_settings",
        json!({"token": token, "changes": {"unit.clues": "BAD"}}),
    )
    .unwrap_err();
    assert_eq!(error["code"], "invalid_setting");
    assert_eq!(error["details"]["setting"], "unit.clues");
    let settings = invoke(&h.staff, "staff_settings", json!({"token": token})).unwrap();
    assert_eq!(settings["values"]["unit.clues"], "NLIMS000315");
    let audit = invoke(&h.staff, "staff_audit", json!({"token": token})).unwrap();
    let actions: Vec<&str> = audit
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for action in ["login", "config_change", "unit_change"] {
        assert!(actions.contains(&action), "{action} in {actions:?}");
    }
}

#[test]
fn five_wrong_pins_lock_the_pad() {
    let h = harness();
    for attempt in 1..=5 {
        let error = invoke(&h.staff, "staff_login", json!({"pin": "000000"})).unwrap_err();
        let expected = if attempt < 5 { "wrong_pin" } else { "locked" };
        assert!(
            error["code"] == expected || (attempt == 5 && error["code"] == "wrong_pin"),
            "{attempt}: {error}"
        );
        if error["code"] == "wrong_pin" {
            // What the PIN pad shows, typed: never read out of the message.
            assert_eq!(error["details"]["attempts_left"], 5 - attempt, "{error}");
        }
    }
    let pad = invoke(&h.staff, "staff_pad_state", json!({})).unwrap();
    assert_eq!(pad["locked"], true);
    assert!(pad["retryAfterSeconds"].as_u64().unwrap() > 250);
    // Even the right PIN is refused while locked.
    let error = invoke(&h.staff, "staff_login", json!({"pin": IT_PIN})).unwrap_err();
    assert_eq!(error["code"], "locked");
    assert!(error["details"]["retry_after_seconds"].as_u64().unwrap() > 250);
}

#[test]
fn the_staff_overview_counts_what_was_stored() {
    let h = harness();
    let started = invoke(&h.main, "start_survey", json!({"language": "es"})).unwrap();
    invoke(
        &h.main,
        "submit_response",
        json!({"responseId": started["responseId"], "language": "es", "answers": answers()}),
    )
    .unwrap();
    let token = login(&h, STAFF_PIN);
    let overview = invoke(&h.staff, "staff_overview", json!({"token": token})).unwrap();
    assert_eq!(overview["counts"]["today"], 1);
    assert_eq!(overview["counts"]["week"], 1);
    assert_eq!(overview["counts"]["pending"], 1);
    let trato = overview["questions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["id"] == "trato")
        .unwrap();
    assert_eq!(trato["negativePct"], 100.0);
    assert_eq!(trato["positivePct"], 0.0);
}

#[test]
fn first_run_setup_is_refused_once_the_kiosk_is_set_up() {
    let dir = tempfile::tempdir().unwrap();
    let kiosk = Kiosk::open(dir.path()).unwrap();
    let h = harness_with(dir, kiosk);
    let state = invoke(&h.staff, "setup_state", json!({})).unwrap();
    assert_eq!(state["itPinSet"], false);
    let mut setup = json!({"unitClues": "DFIMS000020", "unitName": "HGZ 1", "kioskLabel": "Módulo PB", "serviceArea": "", "staffPin": "582930", "itPin": "731904"});
    // The service area is asked for, never assumed.
    let error = invoke(&h.staff, "complete_setup", setup.clone()).unwrap_err();
    assert_eq!(error["code"], "invalid_setting");
    assert_eq!(
        invoke(&h.staff, "setup_state", json!({})).unwrap()["itPinSet"],
        false
    );
    setup["serviceArea"] = json!("Urgencias");
    invoke(&h.staff, "complete_setup", setup.clone()).unwrap();
    let response = invoke(&h.main, "start_survey", json!({"language": "es"})).unwrap();
    let id = response["responseId"].clone();
    invoke(
        &h.main,
        "abandon_response",
        json!({"responseId": id, "language": "es", "answers": [{"question": "trato", "codes": ["3"]}]}),
    )
    .unwrap();
    let area: String = rusqlite::Connection::open(&h.db)
        .unwrap()
        .query_row("SELECT service_area FROM responses", [], |r| r.get(0))
        .unwrap();
    assert_eq!(area, "Urgencias");
    let error = invoke(&h.staff, "complete_setup", setup).unwrap_err();
    assert_eq!(error["code"], "already_set_up");
    login(&h, "731904");
}

#[test]
fn an_unknown_command_is_refused() {
    let h = harness();
    assert!(invoke(
        &h.main,
        "plugin:fs|read_file",
        json!({"path": "/etc/passwd"})
    )
    .is_err());
    assert!(invoke(&h.main, "delete_everything", json!({})).is_err());
}

/// Security review: `staff_export` took any path with the lowest role, and an
/// export over `kiosk.db` reopened the kiosk on the unauthenticated setup.
#[test]
fn staff_export_accepts_only_a_destination_the_kiosk_listed() {
    let h = harness();
    let token = login(&h, STAFF_PIN);
    let data_dir = h.db.parent().unwrap().to_owned();
    let outside = tempfile::tempdir().unwrap();
    for forged in [
        h.db.clone(),
        data_dir.clone(),
        data_dir.join("exportaciones").join(".."),
        outside.path().to_owned(),
    ] {
        let error = invoke(
            &h.staff,
            "staff_export",
            json!({"token": token, "from": "2026-11-01", "to": "2026-11-30", "format": "csv", "destination": forged}),
        )
        .unwrap_err();
        assert_eq!(
            error["code"],
            "no_destination",
            "{}: {error}",
            forged.display()
        );
    }
    let header = std::fs::read(&h.db).unwrap();
    assert!(
        header.starts_with(b"SQLite format 3\0"),
        "kiosk.db untouched"
    );

    let listed = invoke(
        &h.staff,
        "staff_export_destinations",
        json!({"token": token}),
    )
    .unwrap();
    let folder = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["removable"] == false)
        .expect("the kiosk's own folder is offered")["path"]
        .clone();
    invoke(
        &h.staff,
        "staff_export",
        json!({"token": token, "from": "2026-11-01", "to": "2026-11-30", "format": "csv", "destination": folder}),
    )
    .unwrap();
}

#[test]
fn read_aloud_says_when_each_language_can_be_heard() {
    let h = harness();
    let ask =
        |language: &str| invoke(&h.main, "read_aloud", json!({ "language": language })).unwrap();
    // Made in the background from start-up: pending, then ready (real espeak-ng).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let es = loop {
        let es = ask("es");
        if es["state"] != "pending" {
            break es;
        }
        assert!(std::time::Instant::now() < deadline, "not ready in 60 s");
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    assert_eq!(es["state"], "ready", "{es}");
    assert_eq!(es["volume"], 100);
    let prompt = es["questions"]["trato"]["prompt"].as_str().unwrap();
    assert!(
        prompt.starts_with("speech/") && prompt.ends_with(".wav"),
        "{prompt}"
    );
    assert!(h.db.parent().unwrap().join("audio").join(prompt).is_file());
    assert_eq!(es["questions"]["trato"]["options"][4]["code"], "5");
    // Its bytes, and nothing outside the audio folder.
    let clip = get_ipc_response(
        &h.main,
        InvokeRequest {
            cmd: "read_aloud_clip".into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: "tauri://localhost".parse().unwrap(),
            body: InvokeBody::Json(json!({ "path": prompt })),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        },
    )
    .unwrap();
    let tauri::ipc::InvokeResponseBody::Raw(bytes) = clip else {
        panic!("raw bytes expected")
    };
    assert_eq!(&bytes[..4], b"RIFF");
    for outside in ["../kiosk.db", "/etc/passwd", "speech/../../kiosk.db"] {
        invoke(&h.main, "read_aloud_clip", json!({ "path": outside })).unwrap_err();
    }
    // A language the survey does not have: nothing to hear.
    assert_eq!(ask("fr"), json!({"state": "none", "volume": 100}));
}
