//! What the kiosk promises about a stored response, checked on its own
//! connections: WAL with `synchronous=FULL`; and a full disk refuses the
//! next response with a clear code, damages nothing stored, tells staff
//! why, and the kiosk stores again once there is space.

mod full_disk_support;

use full_disk_support::{
    answer_until_refused, answers, assert_nothing_damaged, assert_recovers,
    assert_staff_told_the_disk_is_full, set_up_kiosk, Stored,
};
use trato_kiosk_core::store::{Durability, Store};
use trato_kiosk_core::Kiosk;
use trato_powercut::Volume;

fn full_durability() -> Durability {
    Durability {
        journal_mode: "wal".into(),
        synchronous: "FULL".into(),
    }
}

#[test]
fn the_kiosk_connections_run_in_wal_with_synchronous_full() {
    let dir = tempfile::tempdir().unwrap();
    let kiosk = Kiosk::open(dir.path()).unwrap();
    assert_eq!(kiosk.store().durability().unwrap(), full_durability());
    // The sync task's own connection.
    let sync = Store::open_existing(kiosk.store().path()).unwrap();
    assert_eq!(sync.durability().unwrap(), full_durability());
}

#[test]
fn a_full_disk_refuses_a_response_clearly_damages_nothing_and_the_kiosk_recovers() {
    let work = tempfile::tempdir().unwrap();
    let disk = Volume::new(&work.path().join("kiosk")).unwrap();
    let mut kiosk = set_up_kiosk(disk.root());
    let mut stored: Vec<Stored> = Vec::new();
    for n in 0..3 {
        let id = kiosk.start_survey("es").unwrap();
        kiosk.submit(id, "es", &answers(n)).unwrap();
        stored.push((id, answers(n)));
    }
    assert!(kiosk.last_write_failure().is_none());

    // The disk fills up: patients keep answering until the WAL must grow.
    disk.set_capacity(Some(disk.used_bytes().unwrap()));
    let (refused, error) = answer_until_refused(&mut kiosk, 3..500, &mut stored);
    assert_eq!(error.code(), "storage_full", "{error}");
    assert!(
        disk.stats().full > 0,
        "the refusal did not come from the full disk"
    );
    assert_staff_told_the_disk_is_full(&mut kiosk);
    assert_nothing_damaged(&kiosk, disk.root(), &stored, &[refused.0]);

    // Space returns.
    disk.set_capacity(None);
    assert_recovers(&mut kiosk, &refused);
}
