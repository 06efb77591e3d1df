//! What the kiosk promises about a stored response, checked on its own
//! connections: WAL with `synchronous=FULL`; and a full disk refuses the
//! next response with a clear code, damages nothing stored, tells staff
//! why, and the kiosk stores again once there is space.

use chrono::Utc;
use rusqlite::Connection;
use trato_domain::Answer;
use trato_kiosk_core::store::{Durability, Store};
use trato_kiosk_core::{data_dir, Kiosk};
use trato_powercut::Volume;
use uuid::Uuid;

fn full_durability() -> Durability {
    Durability {
        journal_mode: "wal".into(),
        synchronous: "FULL".into(),
    }
}

fn answers(n: usize) -> Vec<Answer> {
    let choice = |q: &str, c: &str| Answer {
        question: q.into(),
        codes: vec![c.into()],
        text: None,
    };
    vec![
        choice("trato", "5"),
        choice("saludo", "si"),
        choice("escucha", "si"),
        choice("respuesta", "si"),
        choice("respeto", "si"),
        choice("espera", "menos_30"),
        Answer {
            question: "comentario".into(),
            codes: vec![],
            text: Some(format!("Paciente {n}: muy amables, gracias")),
        },
    ]
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
    let mut kiosk = Kiosk::open(disk.root()).unwrap();
    kiosk
        .complete_setup(
            &[("unit.clues", "DFIMS000020"), ("unit.name", "HGZ 1")],
            "2468",
            "13579",
        )
        .unwrap();
    let mut stored: Vec<(Uuid, Vec<Answer>)> = Vec::new();
    for n in 0..3 {
        let id = kiosk.start_survey("es").unwrap();
        kiosk.submit(id, "es", &answers(n)).unwrap();
        stored.push((id, answers(n)));
    }
    assert!(kiosk.last_write_failure().is_none());

    // The disk fills up: patients keep answering until the WAL must grow.
    disk.set_capacity(Some(disk.used_bytes().unwrap()));
    let (refused, error) = (3..500)
        .find_map(|n| {
            let id = kiosk.start_survey("es").unwrap();
            match kiosk.submit(id, "es", &answers(n)) {
                Ok(_) => {
                    stored.push((id, answers(n)));
                    None
                }
                Err(error) => Some(((id, answers(n)), error)),
            }
        })
        .expect("a full disk never refused a response");
    assert_eq!(error.code(), "storage_full", "{error}");
    assert!(
        disk.stats().full > 0,
        "the refusal did not come from the full disk"
    );

    // Staff see why: at the PIN pad (a login writes its audit row, which
    // cannot be stored either) and on their screen, in a sentence of their own.
    let login = kiosk.staff_login("2468").unwrap_err();
    assert_eq!(login.code(), "storage_full", "{login}");
    let overview = kiosk.overview(Utc::now().date_naive(), "es").unwrap();
    let failure = overview
        .database
        .last_write_failure
        .expect("staff are not told");
    assert_eq!(failure.code, "storage_full");
    let staff_texts = include_str!("../../../ui/staff/text.js");
    assert!(
        staff_texts.contains("storage_full: 'El disco del quiosco está lleno."),
        "the staff screen has no Spanish sentence for storage_full"
    );

    // Nothing stored is damaged, and nothing of the refused response is there.
    for (id, answers) in &stored {
        let response = kiosk
            .store()
            .response(*id)
            .unwrap()
            .expect("a stored response is gone");
        assert_eq!(&response.answers, answers);
    }
    assert!(kiosk.store().response(refused.0).unwrap().is_none());
    let check = Connection::open(data_dir::database_path(disk.root())).unwrap();
    let integrity: String = check
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(integrity, "ok");

    // Space returns: the patient's "Enviar" again stores the same response,
    // and staff log in.
    disk.set_capacity(None);
    kiosk.staff_login("2468").unwrap();
    kiosk.submit(refused.0, "es", &refused.1).unwrap();
    let response = kiosk
        .store()
        .response(refused.0)
        .unwrap()
        .expect("not stored after space returned");
    assert_eq!(response.answers, refused.1);
    let id = kiosk.start_survey("es").unwrap();
    kiosk.submit(id, "es", &answers(1000)).unwrap();
}
