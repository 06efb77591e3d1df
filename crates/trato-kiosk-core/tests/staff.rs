//! Staff mode against a real SQLite file: first-run setup, PIN hashing, the
//! lockout (also across a restart), sessions and roles, the audit log, and
//! migration 3 from every earlier schema version.

mod manual_clock;

use std::path::Path;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, TimeZone, Utc};
use manual_clock::ManualClock;
use rusqlite::Connection;
use trato_domain::Answer;
use trato_kiosk_core::clock::Clock as _;
use trato_kiosk_core::staff::{verify_pin, AuditEntry};
use trato_kiosk_core::store::{Store, SCHEMA_VERSION};
use trato_kiosk_core::{data_dir, AuthError, Kiosk, KioskError, Role};

const STAFF_PIN: &str = "2468";
const IT_PIN: &str = "13579";
const WRONG_PIN: &str = "8642";

fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 30, 16, 0, 0).unwrap()
}

fn open(dir: &Path, clock: &Arc<ManualClock>) -> Kiosk {
    Kiosk::open_with_clock(dir, clock.clone()).unwrap()
}

/// A kiosk that finished its first-run setup.
fn configured() -> (tempfile::TempDir, Kiosk, Arc<ManualClock>) {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock(Mutex::new(start())));
    let mut kiosk = open(dir.path(), &clock);
    kiosk
        .complete_setup(
            &[("unit.clues", "DFIMS000020"), ("unit.name", "HGZ 1")],
            STAFF_PIN,
            IT_PIN,
        )
        .unwrap();
    (dir, kiosk, clock)
}

fn db(dir: &Path) -> Connection {
    Connection::open(data_dir::database_path(dir)).unwrap()
}

fn audit(kiosk: &mut Kiosk) -> Vec<AuditEntry> {
    let mut entries = kiosk.admin_cli().recent_audit(1000).unwrap();
    entries.reverse();
    entries
}

fn actions(entries: &[AuditEntry]) -> Vec<&str> {
    entries.iter().map(|e| e.action.as_str()).collect()
}

fn wrong_pin(kiosk: &mut Kiosk) -> AuthError {
    kiosk.staff_login(WRONG_PIN).unwrap_err()
}

// --- first run ---------------------------------------------------------------

#[test]
fn a_new_kiosk_is_not_configured_until_unit_and_both_pins_are_set() {
    let dir = tempfile::tempdir().unwrap();
    let mut kiosk = Kiosk::open(dir.path()).unwrap();
    assert!(!kiosk.is_configured().unwrap());
    assert!(matches!(
        kiosk.staff_login(IT_PIN),
        Err(AuthError::NotConfigured)
    ));
    // The unit alone is not enough.
    kiosk
        .update_settings(&[("unit.clues", "NLIMS000315")])
        .unwrap();
    let status = kiosk.setup_status().unwrap();
    assert!(status.unit_set && !status.staff_pin_set && !status.it_pin_set);
    assert!(!kiosk.is_configured().unwrap());

    kiosk.complete_setup(&[], STAFF_PIN, IT_PIN).unwrap();
    assert!(kiosk.is_configured().unwrap());
    // Configured survives a restart (PINs live in the database).
    drop(kiosk);
    assert!(Kiosk::open(dir.path()).unwrap().is_configured().unwrap());
}

#[test]
fn a_bad_setup_stores_nothing_and_a_done_setup_cannot_be_redone() {
    let dir = tempfile::tempdir().unwrap();
    let mut kiosk = Kiosk::open(dir.path()).unwrap();
    let before = kiosk.settings().clone();
    let unit = [("unit.clues", "JCIMS000301")];
    assert_eq!(
        kiosk
            .complete_setup(&[], STAFF_PIN, IT_PIN)
            .unwrap_err()
            .code(),
        "invalid_setting"
    );
    assert_eq!(
        kiosk
            .complete_setup(&unit, "1234", IT_PIN)
            .unwrap_err()
            .code(),
        "weak_pin"
    );
    assert_eq!(
        kiosk
            .complete_setup(&unit, STAFF_PIN, "12")
            .unwrap_err()
            .code(),
        "invalid_pin"
    );
    assert_eq!(
        kiosk
            .complete_setup(&unit, STAFF_PIN, STAFF_PIN)
            .unwrap_err()
            .code(),
        "pin_in_use"
    );
    assert_eq!(kiosk.settings(), &before);
    assert!(!kiosk.setup_status().unwrap().staff_pin_set);

    kiosk.complete_setup(&unit, STAFF_PIN, IT_PIN).unwrap();
    // Nobody can take the kiosk over through the setup path afterwards.
    let again = kiosk.complete_setup(&unit, "9753", "8024").unwrap_err();
    assert_eq!(again.code(), "already_set_up");
    assert_eq!(kiosk.staff_login(IT_PIN).unwrap().role, Role::It);
    let entries = audit(&mut kiosk);
    assert_eq!(entries[0].action, "setup");
    assert_eq!(entries[0].origin, "setup");
    assert!(
        entries[0].detail.contains("JCIMS000301"),
        "{}",
        entries[0].detail
    );
}

// --- PINs --------------------------------------------------------------------

#[test]
fn pins_are_stored_only_as_argon2id_hashes() {
    let (dir, mut kiosk, _clock) = configured();
    let rows: Vec<(String, String)> = {
        let conn = db(dir.path());
        let mut stmt = conn
            .prepare("SELECT role, phc FROM pins ORDER BY role")
            .unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    assert_eq!(
        rows.iter().map(|(r, _)| r.as_str()).collect::<Vec<_>>(),
        ["it", "staff"]
    );
    for ((role, phc), pin) in rows.iter().zip([IT_PIN, STAFF_PIN]) {
        assert!(
            phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{role}: {phc}"
        );
        assert!(!phc.contains(pin), "{role}");
        assert!(verify_pin(phc, pin));
        assert!(!verify_pin(phc, WRONG_PIN));
    }
    // Same PIN, new salt: the hashes differ.
    let again = trato_kiosk_core::staff::hash_pin(STAFF_PIN).unwrap();
    assert_ne!(again, rows[1].1);
    // No PIN reaches the audit log or the settings.
    let conn = db(dir.path());
    let leaked: i64 = conn
        .query_row(
            "SELECT (SELECT COUNT(*) FROM audit_log WHERE detail LIKE '%' || ?1 || '%' OR detail LIKE '%' || ?2 || '%')
                  + (SELECT COUNT(*) FROM settings WHERE value IN (?1, ?2))",
            [STAFF_PIN, IT_PIN],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(leaked, 0);
    assert!(kiosk.staff_login(STAFF_PIN).is_ok());
}

#[test]
fn it_changes_pins_and_weak_or_shared_pins_are_refused() {
    let (_dir, mut kiosk, _clock) = configured();
    let token = kiosk.staff_login(IT_PIN).unwrap().token;
    let mut admin = kiosk.admin(&token, Role::It).unwrap();
    for weak in ["0000", "1234", "98765", "7890"] {
        let error = admin.set_pin(Role::Staff, weak).unwrap_err();
        assert_eq!(error.code(), "weak_pin", "{weak}");
        assert!(error.to_string().contains("easy to guess"), "{error}");
    }
    assert_eq!(
        admin.set_pin(Role::Staff, "12a4").unwrap_err().code(),
        "invalid_pin"
    );
    assert_eq!(
        admin.set_pin(Role::Staff, IT_PIN).unwrap_err().code(),
        "pin_in_use"
    );
    admin.set_pin(Role::Staff, "5173").unwrap();
    assert!(matches!(
        kiosk.staff_login(STAFF_PIN),
        Err(AuthError::WrongPin { .. })
    ));
    assert_eq!(kiosk.staff_login("5173").unwrap().role, Role::Staff);
    let entries = audit(&mut kiosk);
    let change = entries.iter().find(|e| e.action == "pin_change").unwrap();
    assert_eq!(
        (change.role, change.detail.as_str()),
        (Some(Role::It), "staff PIN set")
    );
}

// --- lockout -----------------------------------------------------------------

#[test]
fn five_wrong_pins_lock_the_pad_for_five_minutes_even_against_the_right_pin() {
    let (_dir, mut kiosk, clock) = configured();
    for left in (1..=4).rev() {
        assert!(
            matches!(wrong_pin(&mut kiosk), AuthError::WrongPin { attempts_left } if attempts_left == left)
        );
    }
    let locked = wrong_pin(&mut kiosk);
    assert!(
        matches!(locked, AuthError::Locked { until, retry_after_seconds: 300 } if until == start() + Duration::minutes(5)),
        "{locked:?}"
    );
    assert_eq!(KioskError::from(locked).code(), "locked");

    // Locked: the right PIN is refused without being checked.
    clock.advance(Duration::minutes(4));
    let refused = kiosk.staff_login(IT_PIN).unwrap_err();
    assert!(
        matches!(
            refused,
            AuthError::Locked {
                retry_after_seconds: 60,
                ..
            }
        ),
        "{refused:?}"
    );
    assert!(refused.to_string().contains("1 more minute"), "{refused}");

    clock.advance(Duration::minutes(1));
    assert_eq!(kiosk.staff_login(IT_PIN).unwrap().role, Role::It);
    // The right PIN reset the count: five tries again, and a 5-minute lock.
    for _ in 0..4 {
        assert!(matches!(wrong_pin(&mut kiosk), AuthError::WrongPin { .. }));
    }
    assert!(matches!(
        wrong_pin(&mut kiosk),
        AuthError::Locked {
            retry_after_seconds: 300,
            ..
        }
    ));
}

#[test]
fn each_further_lockout_doubles() {
    let (_dir, mut kiosk, clock) = configured();
    for expected_minutes in [5, 10, 20] {
        for _ in 0..4 {
            wrong_pin(&mut kiosk);
        }
        match wrong_pin(&mut kiosk) {
            AuthError::Locked {
                retry_after_seconds,
                ..
            } => {
                assert_eq!(retry_after_seconds, expected_minutes * 60)
            }
            other => panic!("expected a lockout, got {other:?}"),
        }
        let state = kiosk.pin_lockout().unwrap();
        assert_eq!(
            state.locked_until,
            Some(clock.now() + Duration::minutes(expected_minutes as i64))
        );
        clock.advance(Duration::minutes(expected_minutes as i64));
    }
}

#[test]
fn the_failure_count_and_the_lock_survive_a_restart() {
    let (dir, mut kiosk, clock) = configured();
    for _ in 0..3 {
        wrong_pin(&mut kiosk);
    }
    drop(kiosk);
    // Pulling the plug does not give a guesser five fresh tries.
    let mut kiosk = open(dir.path(), &clock);
    assert!(matches!(
        wrong_pin(&mut kiosk),
        AuthError::WrongPin { attempts_left: 1 }
    ));
    assert!(matches!(wrong_pin(&mut kiosk), AuthError::Locked { .. }));
    drop(kiosk);

    let mut kiosk = open(dir.path(), &clock);
    assert!(matches!(
        kiosk.staff_login(IT_PIN),
        Err(AuthError::Locked {
            retry_after_seconds: 300,
            ..
        })
    ));
    clock.advance(Duration::minutes(5));
    drop(kiosk);
    // And the escalation survives too: the next lockout is 10 minutes.
    let mut kiosk = open(dir.path(), &clock);
    for _ in 0..4 {
        wrong_pin(&mut kiosk);
    }
    assert!(matches!(
        wrong_pin(&mut kiosk),
        AuthError::Locked {
            retry_after_seconds: 600,
            ..
        }
    ));
}

#[test]
fn malformed_pins_count_as_wrong_without_crashing() {
    let (_dir, mut kiosk, _clock) = configured();
    for junk in ["", "1", "abcd", "١٢٣٤", &"9".repeat(10_000), "2468\0"] {
        assert!(matches!(
            kiosk.staff_login(junk),
            Err(AuthError::WrongPin { .. }) | Err(AuthError::Locked { .. })
        ));
    }
    assert!(matches!(
        kiosk.staff_login(STAFF_PIN),
        Err(AuthError::Locked { .. })
    ));
}

// --- sessions and roles ------------------------------------------------------

#[test]
fn the_it_pin_logs_in_as_it_and_the_staff_pin_as_staff() {
    let (_dir, mut kiosk, _clock) = configured();
    let it = kiosk.staff_login(IT_PIN).unwrap();
    let staff = kiosk.staff_login(STAFF_PIN).unwrap();
    assert_eq!((it.role, staff.role), (Role::It, Role::Staff));
    assert_ne!(it.token, staff.token);
    assert_eq!(it.token.len(), 64);
    assert_eq!(it.expires, start() + Duration::minutes(3));
}

#[test]
fn staff_cannot_change_settings_pins_or_leave_kiosk_mode_and_it_can() {
    let (_dir, mut kiosk, _clock) = configured();
    let staff = kiosk.staff_login(STAFF_PIN).unwrap().token;
    let it = kiosk.staff_login(IT_PIN).unwrap().token;

    // Asking for IT with a staff session is refused up front...
    assert!(matches!(
        kiosk.admin(&staff, Role::It),
        Err(AuthError::Forbidden {
            role: Role::Staff,
            needed: Role::It
        })
    ));
    // ...and every IT method checks again whatever the shell asked for.
    let mut admin = kiosk.admin(&staff, Role::Staff).unwrap();
    assert_eq!(
        admin
            .update_settings(&[("unit.name", "x")])
            .unwrap_err()
            .code(),
        "forbidden"
    );
    assert_eq!(
        admin
            .import_toml("[unit]\nname = \"x\"")
            .unwrap_err()
            .code(),
        "forbidden"
    );
    assert_eq!(admin.export_toml(false).unwrap_err().code(), "forbidden");
    assert_eq!(admin.settings_redacted().unwrap_err().code(), "forbidden");
    assert_eq!(
        admin.set_pin(Role::Staff, "9753").unwrap_err().code(),
        "forbidden"
    );
    // What staff may do.
    admin
        .record_export(
            chrono::NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(),
            chrono::NaiveDate::from_ymd_opt(2026, 11, 30).unwrap(),
            trato_kiosk_core::export::ExportFormat::Csv,
            std::path::Path::new("/media/usb"),
        )
        .unwrap();
    admin.record_sync_now().unwrap();
    assert!(!admin.recent_audit(10).unwrap().is_empty());
    assert_eq!(admin.leave_kiosk_mode().unwrap_err().code(), "forbidden");
    assert_eq!(kiosk.settings().unit_name, "HGZ 1");

    let mut admin = kiosk.admin(&it, Role::It).unwrap();
    assert_eq!(
        admin.update_settings(&[("unit.name", "HGZ 2")]).unwrap(),
        ["unit.name"]
    );
    admin
        .record_export(
            chrono::NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(),
            chrono::NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(),
            trato_kiosk_core::export::ExportFormat::Xlsx,
            std::path::Path::new("/media/usb"),
        )
        .unwrap();
    admin.leave_kiosk_mode().unwrap();
    assert_eq!(kiosk.settings().unit_name, "HGZ 2");
    // Leaving kiosk mode ends every session.
    assert!(matches!(
        kiosk.admin(&staff, Role::Staff),
        Err(AuthError::Unauthorized)
    ));
    assert!(matches!(
        kiosk.admin(&it, Role::Staff),
        Err(AuthError::Unauthorized)
    ));
}

#[test]
fn a_session_ends_after_minutes_of_inactivity_and_each_use_extends_it() {
    let (_dir, mut kiosk, clock) = configured();
    let token = kiosk.staff_login(STAFF_PIN).unwrap().token;
    // Used every 2 minutes: stays open well past 3 minutes.
    for _ in 0..4 {
        clock.advance(Duration::minutes(2));
        assert!(kiosk.admin(&token, Role::Staff).is_ok());
    }
    assert_eq!(
        kiosk.staff_session(&token).unwrap().expires,
        clock.now() + Duration::minutes(3)
    );
    clock.advance(Duration::minutes(3));
    assert!(kiosk.staff_session(&token).is_none());
    let expired = kiosk.admin(&token, Role::Staff).unwrap_err();
    assert!(matches!(expired, AuthError::Unauthorized));
    assert_eq!(KioskError::from(expired).code(), "unauthorized");
    assert!(matches!(
        kiosk.admin("not-a-token", Role::Staff),
        Err(AuthError::Unauthorized)
    ));

    // The timeout is a setting (used from the next login or call on).
    let it = kiosk.staff_login(IT_PIN).unwrap().token;
    kiosk
        .admin(&it, Role::It)
        .unwrap()
        .update_settings(&[("staff.session_minutes", "10")])
        .unwrap();
    let it = kiosk.staff_login(IT_PIN).unwrap().token;
    clock.advance(Duration::minutes(9));
    assert!(kiosk.admin(&it, Role::It).is_ok());
}

#[test]
fn logout_and_a_restart_end_sessions() {
    let (dir, mut kiosk, clock) = configured();
    let token = kiosk.staff_login(STAFF_PIN).unwrap().token;
    kiosk.staff_logout(&token).unwrap();
    assert!(matches!(
        kiosk.admin(&token, Role::Staff),
        Err(AuthError::Unauthorized)
    ));
    kiosk.staff_logout(&token).unwrap(); // twice is harmless

    let token = kiosk.staff_login(IT_PIN).unwrap().token;
    drop(kiosk);
    let mut kiosk = open(dir.path(), &clock);
    assert!(matches!(
        kiosk.admin(&token, Role::Staff),
        Err(AuthError::Unauthorized)
    ));
}

// --- audit log and unit changes ----------------------------------------------

#[test]
fn every_staff_action_is_audited_with_time_and_role() {
    let (_dir, mut kiosk, clock) = configured();
    clock.advance(Duration::minutes(1));
    wrong_pin(&mut kiosk);
    let token = kiosk.staff_login(IT_PIN).unwrap().token;
    clock.advance(Duration::seconds(30));
    let at_change = clock.now();
    {
        let mut admin = kiosk.admin(&token, Role::It).unwrap();
        admin
            .update_settings(&[
                ("unit.clues", "NLIMS000315"),
                ("sync.token", "SUPERSECRETTOKEN-0123456789"),
                ("survey.idle_seconds", "45"), // unchanged: not listed
            ])
            .unwrap();
        admin.set_pin(Role::It, "97531").unwrap();
        admin
            .record_export(
                chrono::NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(),
                chrono::NaiveDate::from_ymd_opt(2026, 11, 30).unwrap(),
                trato_kiosk_core::export::ExportFormat::Csv,
                std::path::Path::new("/media/usb"),
            )
            .unwrap();
        admin.record_sync_now().unwrap();
    }
    kiosk.staff_logout(&token).unwrap();
    for _ in 0..5 {
        wrong_pin(&mut kiosk);
    }
    kiosk.staff_login("97531").unwrap_err();
    let token = kiosk.staff_login("97531");
    assert!(token.is_err());
    clock.advance(Duration::minutes(5));
    let token = kiosk.staff_login("97531").unwrap().token;
    kiosk
        .admin(&token, Role::It)
        .unwrap()
        .leave_kiosk_mode()
        .unwrap();
    kiosk
        .admin_cli()
        .update_settings(&[("unit.name", "Desde la terminal")])
        .unwrap();

    let entries = audit(&mut kiosk);
    assert_eq!(
        actions(&entries),
        [
            "setup",
            "login_failed",
            "login",
            "config_change",
            "unit_change",
            "pin_change",
            "export",
            "sync_now",
            "logout",
            "login_failed",
            "login_failed",
            "login_failed",
            "login_failed",
            "lockout",
            "login_refused", // twice refused, logged once per lock
            "login",
            "exit",
            "config_change",
            "unit_change",
        ]
    );
    let by = |action: &str| entries.iter().find(|e| e.action == action).unwrap();
    assert_eq!(by("login_failed").role, None);
    assert_eq!(by("login_failed").at, start() + Duration::minutes(1));
    assert_eq!(by("login").role, Some(Role::It));
    let change = by("config_change");
    assert_eq!(
        (change.role, change.at, change.origin.as_str()),
        (Some(Role::It), at_change, "screen")
    );
    assert_eq!(change.detail, "unit.clues, sync.token");
    assert_eq!(
        by("unit_change").detail,
        "unit.clues: DFIMS000020 -> NLIMS000315"
    );
    assert_eq!(by("exit").role, Some(Role::It));
    assert!(
        by("lockout").detail.contains("lockout 1"),
        "{}",
        by("lockout").detail
    );
    let cli = &entries[entries.len() - 2];
    assert_eq!(
        (cli.origin.as_str(), cli.detail.as_str()),
        ("cli", "unit.name")
    );
    // Secrets never reach the log.
    assert!(entries.iter().all(|e| !e.detail.contains("SUPERSECRET")));
    // Newest first from the API.
    let newest = kiosk.admin_cli().recent_audit(2).unwrap();
    assert_eq!(actions(&newest), ["unit_change", "config_change"]);
}

#[test]
fn responses_keep_the_unit_they_were_answered_under() {
    let (_dir, mut kiosk, _clock) = configured();
    let answers = [
        ("trato", "5"),
        ("saludo", "si"),
        ("escucha", "si"),
        ("respuesta", "si"),
        ("respeto", "si"),
        ("espera", "menos_30"),
    ]
    .map(|(q, c)| Answer {
        question: q.into(),
        codes: vec![c.into()],
        text: None,
    });
    kiosk
        .update_settings(&[("survey.min_interval_seconds", "0")])
        .unwrap();
    let first = kiosk.start_survey("es").unwrap();
    kiosk.submit(first, "es", &answers).unwrap();

    let token = kiosk.staff_login(IT_PIN).unwrap().token;
    kiosk
        .admin(&token, Role::It)
        .unwrap()
        .update_settings(&[
            ("unit.clues", "YNIMS000071"),
            ("unit.name", "HGR 12"),
            ("service.areas", "Urgencias"),
        ])
        .unwrap();
    let second = kiosk.start_survey("es").unwrap();
    kiosk.submit(second, "es", &answers).unwrap();
    let change = audit(&mut kiosk)
        .into_iter()
        .find(|e| e.action == "unit_change")
        .unwrap();
    assert_eq!(
        change.detail,
        "unit.clues: DFIMS000020 -> YNIMS000071; unit.name: HGZ 1 -> HGR 12"
    );

    let first = kiosk.store().response(first).unwrap().unwrap();
    let second = kiosk.store().response(second).unwrap().unwrap();
    assert_eq!(
        (
            first.unit_clues.as_str(),
            first.unit_name.as_str(),
            first.service_area.as_str()
        ),
        ("DFIMS000020", "HGZ 1", "Consulta externa")
    );
    assert_eq!(
        (
            second.unit_clues.as_str(),
            second.unit_name.as_str(),
            second.service_area.as_str()
        ),
        ("YNIMS000071", "HGR 12", "Urgencias")
    );
}

#[test]
fn toml_import_and_export_go_through_it_and_are_audited() {
    let (_dir, mut kiosk, _clock) = configured();
    let token = kiosk.staff_login(IT_PIN).unwrap().token;
    let mut admin = kiosk.admin(&token, Role::It).unwrap();
    let changed = admin
        .import_toml(
            "[unit]\nclues = \"mcims000454\"\n[sync]\ntoken = \"abcdefghijklmnopqrstuvwx\"",
        )
        .unwrap();
    assert_eq!(changed, ["unit.clues", "sync.token"]);
    let before = admin.kiosk().settings().clone();
    assert_eq!(
        admin
            .import_toml("[unit]\nclues = \"MC-454\"")
            .unwrap_err()
            .code(),
        "invalid_setting"
    );
    assert_eq!(
        admin.import_toml("[unit]\nfloor = 2").unwrap_err().code(),
        "unknown_setting"
    );
    assert_eq!(
        admin.import_toml("[unit").unwrap_err().code(),
        "invalid_config_file"
    );
    assert_eq!(admin.kiosk().settings(), &before);
    let shown = admin.export_toml(false).unwrap();
    assert!(
        shown.contains("clues = \"MCIMS000454\"") && !shown.contains("efghijkl"),
        "{shown}"
    );
    assert!(admin
        .export_toml(true)
        .unwrap()
        .contains("abcdefghijklmnopqrstuvwx"));
    let entries = audit(&mut kiosk);
    assert!(
        entries
            .iter()
            .any(|e| e.action == "unit_change"
                && e.detail == "unit.clues: DFIMS000020 -> MCIMS000454")
    );
    assert!(entries
        .iter()
        .any(|e| e.action == "export" && e.detail == "configuration with secrets"));
}

// --- migration 3 ---------------------------------------------------------------

fn old_response() -> trato_domain::Response {
    trato_domain::Response {
        id: uuid::Uuid::now_v7(),
        survey_id: "trato-digno".into(),
        survey_version: 1,
        unit_clues: "NLIMS000315".into(),
        unit_name: "HGZ 17".into(),
        service_area: "Urgencias".into(),
        kiosk_id: "kiosk-1".into(),
        language: "es".into(),
        started_at: start(),
        finished_at: start() + Duration::seconds(40),
        utc_offset_minutes: -360,
        status: trato_domain::ResponseStatus::Complete,
        flag_reason: None,
        answers: vec![Answer {
            question: "trato".into(),
            codes: vec!["4".into()],
            text: None,
        }],
    }
}

/// Builds the database as a kiosk at each earlier schema version left it, with
/// data in it, then opens it with this build: the data stays and staff mode
/// works on top of it (and at version 3, its PINs and audit rows stay too).
#[test]
fn migration_3_upgrades_from_every_earlier_version_and_keeps_data() {
    for version in 0..=SCHEMA_VERSION {
        let dir = tempfile::tempdir().unwrap();
        let path = data_dir::database_path(dir.path());
        let response = old_response();
        {
            let (mut store, _) = Store::open_at_version(&path, version).unwrap();
            assert_eq!(store.schema_version().unwrap(), version);
            if version >= 1 {
                trato_kiosk_core::survey_catalog::install_default(&mut store).unwrap();
                store.insert_response(&response).unwrap();
                store
                    .put_settings(&[
                        ("unit.clues".into(), "NLIMS000315".into()),
                        ("survey.idle_seconds".into(), "90".into()),
                    ])
                    .unwrap();
            }
        }
        if version >= 3 {
            let conn = Connection::open(&path).unwrap();
            for (role, pin) in [("staff", STAFF_PIN), ("it", IT_PIN)] {
                let phc = trato_kiosk_core::staff::hash_pin(pin).unwrap();
                conn.execute("INSERT INTO pins (role, phc, set_at) VALUES (?1, ?2, '2026-01-01T00:00:00.000Z')", [role, &phc])
                    .unwrap();
            }
            conn.execute(
                "INSERT INTO audit_log (at, role, origin, action, detail) VALUES ('2026-01-01T00:00:00.000Z', 'it', 'setup', 'setup', 'old')",
                [],
            )
            .unwrap();
            // Rows as they were stored before their details were data: the
            // staff screen still gets the data to put into Spanish words.
            conn.execute_batch(
                "INSERT INTO audit_log (at, role, origin, action, detail) VALUES
                 ('2026-01-01T00:01:00.000Z', NULL, 'screen', 'login_failed', '4 tries left'),
                 ('2026-01-01T00:02:00.000Z', 'staff', 'screen', 'export', '2026-01-01..2026-01-07 Xlsx -> /media/k/USB')",
            )
            .unwrap();
        }
        let mut kiosk = Kiosk::open(dir.path()).unwrap();
        assert_eq!(kiosk.open_report().previous_version, version);
        assert_eq!(kiosk.store().schema_version().unwrap(), SCHEMA_VERSION);
        assert_eq!(kiosk.store().quick_check().unwrap(), "ok");
        if version >= 1 {
            assert_eq!(
                kiosk.store().response(response.id).unwrap().unwrap(),
                response,
                "from v{version}"
            );
            assert_eq!(kiosk.settings().idle_seconds, 90);
            assert!(kiosk.setup_status().unwrap().unit_set);
        }
        if version >= 3 {
            assert!(kiosk.is_configured().unwrap());
            let entries = audit(&mut kiosk);
            assert_eq!(entries[0].detail, "old");
            assert_eq!(entries[0].params.text.as_deref(), Some("old"));
            assert_eq!(entries[1].params.attempts_left, Some(4), "from v{version}");
            assert_eq!(entries[2].params.format.as_deref(), Some("xlsx"));
            assert_eq!(
                entries[2].params.destination.as_deref(),
                Some("/media/k/USB")
            );
            // A new row stores its details as data.
            let failed = kiosk.staff_login("000000");
            assert!(failed.is_err());
            let last = audit(&mut kiosk).pop().unwrap();
            assert_eq!(last.action, "login_failed");
            assert_eq!(last.detail, "4 tries left");
            assert_eq!(last.params.attempts_left, Some(4));
        } else {
            assert!(
                !kiosk.is_configured().unwrap(),
                "from v{version}: no PINs yet"
            );
            kiosk
                .complete_setup(&[("unit.clues", "NLIMS000315")], STAFF_PIN, IT_PIN)
                .unwrap();
        }
        assert_eq!(kiosk.staff_login(STAFF_PIN).unwrap().role, Role::Staff);
    }
}

/// The previous test opens the old databases through `Kiosk`, which always
/// migrates; this one stops at each version below 3 and checks migration 3
/// itself on raw data written with plain SQL.
#[test]
fn migration_3_applies_to_a_version_2_database_with_raw_rows() {
    for version in 0..3 {
        let dir = tempfile::tempdir().unwrap();
        let path = data_dir::database_path(dir.path());
        {
            let (store, _) = Store::open_at_version(&path, version).unwrap();
            assert_eq!(store.schema_version().unwrap(), version);
        }
        if version >= 1 {
            let conn = Connection::open(&path).unwrap();
            conn.execute(
                "INSERT INTO settings (key, value) VALUES ('unit.name', 'HGZ 1')",
                [],
            )
            .unwrap();
        }
        if version >= 2 {
            let conn = Connection::open(&path).unwrap();
            conn.execute(
                "INSERT INTO sync_log (started_at, finished_at, ok) VALUES ('2026-01-01T00:00:00.000Z', '2026-01-01T00:00:01.000Z', 1)",
                [],
            )
            .unwrap();
        }
        let (store, report) = Store::open(&path).unwrap();
        assert_eq!(
            (report.previous_version, store.schema_version().unwrap()),
            (version, SCHEMA_VERSION)
        );
        drop(store);
        let conn = Connection::open(&path).unwrap();
        let lockout: (i64, i64, Option<String>) = conn
            .query_row(
                "SELECT failures, lockouts, locked_until FROM pin_lockout WHERE id = 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap();
        assert_eq!(lockout, (0, 0, None));
        let count = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).unwrap() };
        assert_eq!(
            count("SELECT COUNT(*) FROM pins") + count("SELECT COUNT(*) FROM audit_log"),
            0
        );
        if version >= 1 {
            assert_eq!(
                count("SELECT COUNT(*) FROM settings WHERE key = 'unit.name' AND value = 'HGZ 1'"),
                1
            );
        }
        if version >= 2 {
            assert_eq!(count("SELECT COUNT(*) FROM sync_log"), 1);
        }
        // The schema refuses a PIN that is not an Argon2id hash.
        assert!(conn
            .execute(
                "INSERT INTO pins (role, phc, set_at) VALUES ('staff', '2468', 'x')",
                []
            )
            .is_err());
    }
}
