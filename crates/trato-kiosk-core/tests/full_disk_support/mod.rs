//! What the two full-disk tests share (`durability.rs` on the power-cut
//! layer's simulated disk, `full_disk.rs` on a real ext4 filesystem): a set-up
//! kiosk, patients answering until the disk refuses one, and the checks that
//! nothing stored is damaged and staff are told why.
#![allow(dead_code)]

use std::path::Path;

use chrono::Utc;
use rusqlite::Connection;
use trato_domain::Answer;
use trato_kiosk_core::{data_dir, Kiosk, KioskError};
use uuid::Uuid;

/// The staff PIN of [`set_up_kiosk`].
pub const STAFF_PIN: &str = "2468";

/// A stored response and its answers.
pub type Stored = (Uuid, Vec<Answer>);

/// The default survey's answers of patient `n`, with a comment naming them.
pub fn answers(n: usize) -> Vec<Answer> {
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

/// A kiosk in `root`, set up for a unit with [`STAFF_PIN`].
pub fn set_up_kiosk(root: &Path) -> Kiosk {
    let mut kiosk = Kiosk::open(root).unwrap();
    kiosk
        .complete_setup(
            &[("unit.clues", "DFIMS000020"), ("unit.name", "HGZ 1")],
            STAFF_PIN,
            "13579",
        )
        .unwrap();
    kiosk
}

/// Patients `patients` answer in turn, each stored one added to `stored`,
/// until one is refused: that one (not stored) and the error.
pub fn answer_until_refused(
    kiosk: &mut Kiosk,
    patients: std::ops::Range<usize>,
    stored: &mut Vec<Stored>,
) -> (Stored, KioskError) {
    patients
        .into_iter()
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
        .expect("a full disk never refused a response")
}

/// Staff see why: at the PIN pad (a login writes its audit row, which cannot
/// be stored either) and on their screen, in a Spanish sentence of their own.
pub fn assert_staff_told_the_disk_is_full(kiosk: &mut Kiosk) {
    let login = kiosk.staff_login(STAFF_PIN).unwrap_err();
    assert_eq!(login.code(), "storage_full", "{login}");
    let overview = kiosk.overview(Utc::now().date_naive(), "es").unwrap();
    let failure = overview
        .database
        .last_write_failure
        .expect("staff are not told");
    assert_eq!(failure.code, "storage_full");
    let ui_texts = include_str!("../../../../ui/errors.js");
    let staff_words = ui_texts
        .split_once("storage_full:")
        .map(|(_, rest)| rest.split_once('}').map_or(rest, |(entry, _)| entry))
        .unwrap_or_default();
    assert!(
        staff_words.contains("disco") && staff_words.contains("lleno"),
        "ui/errors.js has no Spanish sentence for storage_full: {staff_words}"
    );
}

/// Every stored response is there, whole; none of `refused` is; and the
/// database in `root` passes `integrity_check`.
pub fn assert_nothing_damaged(kiosk: &Kiosk, root: &Path, stored: &[Stored], refused: &[Uuid]) {
    for (id, answers) in stored {
        let response = kiosk
            .store()
            .response(*id)
            .unwrap()
            .expect("a stored response is gone");
        assert_eq!(&response.answers, answers);
    }
    for id in refused {
        assert!(kiosk.store().response(*id).unwrap().is_none());
    }
    let check = Connection::open(data_dir::database_path(root)).unwrap();
    let integrity: String = check
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(integrity, "ok");
}

/// Space is back: staff log in, the refused patient's "Enviar" stores the
/// same response, and a new patient is stored.
pub fn assert_recovers(kiosk: &mut Kiosk, refused: &Stored) {
    kiosk.staff_login(STAFF_PIN).unwrap();
    kiosk.submit(refused.0, "es", &refused.1).unwrap();
    let response = kiosk
        .store()
        .response(refused.0)
        .unwrap()
        .expect("not stored after space returned");
    assert_eq!(response.answers, refused.1);
    let id = kiosk.start_survey("es").unwrap();
    kiosk.submit(id, "es", &answers(10_000)).unwrap();
    assert!(kiosk.store().response(id).unwrap().is_some());
}
