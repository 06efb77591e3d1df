//! A kiosk whose database is damaged keeps its identity: the fresh database
//! gets the unit, the kiosk id, the PINs and the pad's lockout back from the
//! identity copy, and the unauthenticated first-run setup is never offered
//! to a kiosk that was set up before (security review, issue #13 item 9).

mod manual_clock;

use std::path::Path;
use std::sync::{Arc, Mutex};

use chrono::{Duration, TimeZone, Utc};
use manual_clock::ManualClock;
use trato_kiosk_core::store::IdentityRestore;
use trato_kiosk_core::{data_dir, AuthError, Kiosk, KioskError, Role};

const STAFF_PIN: &str = "2468";
const IT_PIN: &str = "13579";
const WRONG_PIN: &str = "8642";

fn clock() -> Arc<ManualClock> {
    Arc::new(ManualClock(Mutex::new(
        Utc.with_ymd_and_hms(2026, 12, 1, 16, 0, 0).unwrap(),
    )))
}

fn configured(dir: &Path, clock: &Arc<ManualClock>) -> Kiosk {
    let mut kiosk = Kiosk::open_with_clock(dir, clock.clone()).unwrap();
    kiosk
        .complete_setup(
            &[("unit.clues", "DFIMS000020"), ("unit.name", "HGZ 1")],
            STAFF_PIN,
            IT_PIN,
        )
        .unwrap();
    kiosk
}

/// What an export written over `kiosk.db` leaves: a CSV where the database was.
fn overwrite_database_with_csv(dir: &Path) {
    let db = data_dir::database_path(dir);
    std::fs::write(
        &db,
        "\u{feff}id,unidad,trato\n1,DFIMS000020,5\n".repeat(200),
    )
    .unwrap();
}

fn reopen(dir: &Path, clock: &Arc<ManualClock>) -> Kiosk {
    let kiosk = Kiosk::open_with_clock(dir, clock.clone()).unwrap();
    assert!(
        kiosk.open_report().quarantined.is_some(),
        "the damaged database must have been moved aside"
    );
    kiosk
}

#[test]
fn a_quarantined_kiosk_keeps_its_unit_id_and_pins_and_offers_no_setup() {
    let dir = tempfile::tempdir().unwrap();
    let clock = clock();
    let kiosk = configured(dir.path(), &clock);
    let kiosk_id = kiosk.settings().kiosk_id.clone();
    drop(kiosk);

    overwrite_database_with_csv(dir.path());
    let mut kiosk = reopen(dir.path(), &clock);

    assert_eq!(kiosk.open_report().identity, IdentityRestore::Restored);
    assert!(kiosk.is_configured().unwrap(), "no setup screen");
    assert_eq!(kiosk.settings().unit_clues, "DFIMS000020");
    assert_eq!(kiosk.settings().unit_name, "HGZ 1");
    assert_eq!(kiosk.settings().kiosk_id, kiosk_id);
    assert!(matches!(
        kiosk.complete_setup(&[("unit.clues", "NLIMS000315")], "1111", "2222"),
        Err(KioskError::Auth(AuthError::AlreadySetUp))
    ));
    let it = kiosk.staff_login(IT_PIN).unwrap();
    assert_eq!(it.role, Role::It);
    assert_eq!(kiosk.staff_login(STAFF_PIN).unwrap().role, Role::Staff);
}

#[test]
fn the_lockout_survives_a_quarantine_with_the_pins() {
    let dir = tempfile::tempdir().unwrap();
    let clock = clock();
    let mut kiosk = configured(dir.path(), &clock);
    let locked = loop {
        match kiosk.staff_login(WRONG_PIN).unwrap_err() {
            AuthError::WrongPin { .. } => continue,
            other => break other,
        }
    };
    assert!(matches!(locked, AuthError::Locked { .. }), "{locked:?}");
    drop(kiosk);

    overwrite_database_with_csv(dir.path());
    let mut kiosk = reopen(dir.path(), &clock);
    assert!(
        matches!(kiosk.staff_login(IT_PIN), Err(AuthError::Locked { .. })),
        "even the right PIN waits out the lockout after a quarantine"
    );
    clock.advance(Duration::hours(2));
    assert_eq!(kiosk.staff_login(IT_PIN).unwrap().role, Role::It);
}

#[test]
fn settings_changed_by_it_after_setup_are_the_ones_restored() {
    let dir = tempfile::tempdir().unwrap();
    let clock = clock();
    let mut kiosk = configured(dir.path(), &clock);
    let token = kiosk.staff_login(IT_PIN).unwrap().token;
    let mut admin = kiosk.admin(&token, Role::It).unwrap();
    admin
        .update_settings(&[
            ("unit.clues", "NLIMS000315"),
            ("kiosk.label", "Urgencias 2"),
        ])
        .unwrap();
    admin.set_pin(Role::Staff, "975310").unwrap();
    drop(kiosk);

    overwrite_database_with_csv(dir.path());
    let mut kiosk = reopen(dir.path(), &clock);
    assert_eq!(kiosk.settings().unit_clues, "NLIMS000315");
    assert_eq!(kiosk.settings().kiosk_label, "Urgencias 2");
    assert_eq!(kiosk.staff_login("975310").unwrap().role, Role::Staff);
}

#[test]
fn without_its_identity_copy_a_quarantined_kiosk_waits_for_it_instead_of_offering_setup() {
    let dir = tempfile::tempdir().unwrap();
    let clock = clock();
    drop(configured(dir.path(), &clock));
    std::fs::remove_file(dir.path().join("identity.json")).unwrap();

    overwrite_database_with_csv(dir.path());
    let mut kiosk = reopen(dir.path(), &clock);
    let status = kiosk.setup_status().unwrap();
    assert!(status.recovery_needed && !status.it_pin_set, "{status:?}");
    assert!(!kiosk.is_configured().unwrap());
    assert!(matches!(
        kiosk.complete_setup(&[("unit.clues", "NLIMS000315")], "1111", "2222"),
        Err(KioskError::Auth(AuthError::RecoveryNeeded))
    ));

    // IT, trusted by the kiosk's OS account, restores it from the command line.
    let mut admin = kiosk.admin_cli();
    admin
        .import_toml("[unit]\nclues = \"DFIMS000020\"\n")
        .unwrap();
    admin.set_pin(Role::It, IT_PIN).unwrap();
    admin.set_pin(Role::Staff, STAFF_PIN).unwrap();
    assert!(kiosk.is_configured().unwrap());
    assert!(!kiosk.setup_status().unwrap().recovery_needed);
}

#[test]
fn an_unreadable_identity_copy_also_refuses_the_setup() {
    let dir = tempfile::tempdir().unwrap();
    let clock = clock();
    drop(configured(dir.path(), &clock));
    std::fs::write(dir.path().join("identity.json"), "{ not json").unwrap();

    overwrite_database_with_csv(dir.path());
    let kiosk = reopen(dir.path(), &clock);
    assert!(matches!(
        kiosk.open_report().identity,
        IdentityRestore::Unreadable(_)
    ));
    assert!(kiosk.setup_status().unwrap().recovery_needed);
}

#[test]
fn a_true_first_run_still_offers_the_setup() {
    let dir = tempfile::tempdir().unwrap();
    let mut kiosk = Kiosk::open_with_clock(dir.path(), clock()).unwrap();
    let status = kiosk.setup_status().unwrap();
    assert!(!status.recovery_needed && !status.it_pin_set, "{status:?}");
    kiosk
        .complete_setup(&[("unit.clues", "DFIMS000020")], STAFF_PIN, IT_PIN)
        .unwrap();
    assert!(kiosk.is_configured().unwrap());
}

#[cfg(unix)]
#[test]
fn the_identity_copy_is_readable_by_the_kiosk_alone() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    drop(configured(dir.path(), &clock()));
    let mode = std::fs::metadata(dir.path().join("identity.json"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(
        mode & 0o077,
        0,
        "it holds the PIN hashes and the sync token"
    );
}
