//! A power cut, not a kill: the kiosk runs on a disk that keeps only what was
//! fsynced (`trato-powercut`), patients submit until the power goes at a
//! random write, sync or delete, and after the "reboot" every response the
//! kiosk acknowledged must be there with all its answers, in a database that
//! passes `integrity_check`. The negative control runs the same code with
//! `synchronous=OFF` and must lose acknowledged responses: a test that
//! cannot fail proves nothing.
//!
//! Reproduce a failure with `TRATO_POWERCUT_SEED=<seed>`.

use std::path::Path;

use rusqlite::Connection;
use trato_domain::Answer;
use trato_kiosk_core::{data_dir, Kiosk};
use trato_powercut::{Unsynced, Volume};
use uuid::Uuid;

const CUTS: usize = 200;
const CONTROL_RUNS: usize = 40;
/// Patients per boot: enough for the cut to land among commits and, when
/// it comes late, in the checkpoint of a clean shutdown.
const SUBMITS: usize = 8;

fn seed() -> u64 {
    std::env::var("TRATO_POWERCUT_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| fastrand::u64(..))
}

fn choice(question: &str, code: &str) -> Answer {
    Answer {
        question: question.into(),
        codes: vec![code.into()],
        text: None,
    }
}

/// A complete response to the default survey; the comment makes each one distinct.
fn answers(n: usize) -> Vec<Answer> {
    vec![
        choice("trato", "4"),
        choice("saludo", "si"),
        choice("escucha", "no"),
        choice("respuesta", "en_parte"),
        choice("respeto", "si"),
        choice("espera", "menos_30"),
        Answer {
            question: "comentario".into(),
            codes: vec![],
            text: Some(format!(
                "Paciente número {n}: atención amable, señora López"
            )),
        },
    ]
}

/// A kiosk installed and shut down cleanly, copied into each run's disk.
fn template() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    drop(Kiosk::open(dir.path()).unwrap());
    dir
}

fn copy_files(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_file() {
            std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
    }
}

#[derive(Default)]
struct Run {
    acknowledged: Vec<(Uuid, Vec<Answer>)>,
    /// The sync level the kiosk's connection reported, if it opened.
    synchronous: Option<String>,
    ops: u64,
}

/// One boot: the kiosk opens, patients submit until the power goes (or all
/// are done and the kiosk shuts down cleanly).
fn boot(disk: &Volume) -> Run {
    let mut run = Run::default();
    if let Ok(mut kiosk) = Kiosk::open(disk.root()) {
        run.synchronous = kiosk.store().durability().ok().map(|d| d.synchronous);
        for n in 0..SUBMITS {
            let Ok(id) = kiosk.start_survey("es") else {
                break;
            };
            let answers = answers(n);
            match kiosk.submit(id, "es", &answers) {
                Ok(_) => run.acknowledged.push((id, answers)),
                Err(_) => break,
            }
        }
    }
    run.ops = disk.ops();
    run
}

/// What a reboot finds of the acknowledged responses.
struct Found {
    missing: Vec<Uuid>,
    partial: Vec<Uuid>,
    integrity: String,
}

fn after_reboot(root: &Path, acknowledged: &[(Uuid, Vec<Answer>)]) -> Result<Found, String> {
    let kiosk = Kiosk::open(root).map_err(|e| format!("the kiosk did not open: {e}"))?;
    if let Some(moved) = &kiosk.open_report().quarantined {
        return Err(format!(
            "the database failed its check and was moved to {}",
            moved.display()
        ));
    }
    let mut found = Found {
        missing: Vec::new(),
        partial: Vec::new(),
        integrity: String::new(),
    };
    for (id, answers) in acknowledged {
        match kiosk.store().response(*id).map_err(|e| e.to_string())? {
            None => found.missing.push(*id),
            Some(stored) if &stored.answers != answers => found.partial.push(*id),
            Some(_) => {}
        }
    }
    drop(kiosk);
    let conn = Connection::open(data_dir::database_path(root)).map_err(|e| e.to_string())?;
    found.integrity = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .map_err(|e| e.to_string())?;
    Ok(found)
}

/// Boots on a fresh disk made from `template`, cuts the power at operation
/// `cut_at` (or after a clean shutdown), reboots on what the disk kept.
fn cut_and_reboot(
    template: &Path,
    cut_at: Option<u64>,
    synchronous: Option<&'static str>,
    unsynced: Unsynced<'_>,
) -> (Run, Result<Found, String>) {
    let work = tempfile::tempdir().unwrap();
    let disk = Volume::new(&work.path().join("before")).unwrap();
    copy_files(template, disk.root());
    disk.override_synchronous(synchronous);
    if let Some(n) = cut_at {
        disk.cut_after(n);
    }
    let run = boot(&disk);
    disk.power_cut();
    let after = disk.remount(&work.path().join("after"), unsynced).unwrap();
    let found = after_reboot(after.root(), &run.acknowledged);
    (run, found)
}

#[test]
fn a_power_cut_at_any_moment_keeps_every_acknowledged_response() {
    let template = template();
    let seed = seed();
    eprintln!("power-cut seed {seed} (TRATO_POWERCUT_SEED)");
    let mut rng = fastrand::Rng::with_seed(seed);

    // A run with no cut but the final one counts the operations a boot does.
    let (whole, found) = cut_and_reboot(template.path(), None, None, Unsynced::Lost);
    let found = found.unwrap();
    assert_eq!(whole.acknowledged.len(), SUBMITS);
    assert!(found.missing.is_empty() && found.partial.is_empty());
    let budget = whole.ops;
    assert!(
        budget > SUBMITS as u64,
        "the kiosk did not write through the layer ({budget} operations)"
    );

    let mut acknowledged = 0;
    for i in 0..CUTS {
        let cut_at = rng.u64(1..=budget + 1);
        let unsynced = if i % 2 == 0 {
            Unsynced::Lost
        } else {
            Unsynced::RandomPrefix(&mut rng)
        };
        let (run, found) = cut_and_reboot(template.path(), Some(cut_at), None, unsynced);
        let context = format!("run {i}, cut at operation {cut_at} of {budget}, seed {seed}");
        let found = found.unwrap_or_else(|e| panic!("{context}: {e}"));
        if let Some(level) = &run.synchronous {
            assert_eq!(level, "FULL", "{context}");
        }
        assert!(
            found.missing.is_empty(),
            "{context}: acknowledged responses lost: {:?}",
            found.missing
        );
        assert!(
            found.partial.is_empty(),
            "{context}: responses stored partly: {:?}",
            found.partial
        );
        assert_eq!(found.integrity, "ok", "{context}");
        acknowledged += run.acknowledged.len();
    }
    // The cuts fell among commits, not only before the first one.
    assert!(
        acknowledged > CUTS,
        "too few acknowledged responses to test anything ({acknowledged})"
    );
}

/// The same runs with `synchronous=OFF` (nothing is ever fsynced) and with
/// `NORMAL` (in WAL mode, commits are fsynced only at checkpoints) must lose
/// acknowledged responses: the layer tells FULL from what is not.
#[test]
fn negative_control_with_synchronous_off_or_normal_the_same_cuts_lose_acknowledged_responses() {
    let template = template();
    let seed = seed();
    eprintln!("power-cut control seed {seed} (TRATO_POWERCUT_SEED)");
    let mut rng = fastrand::Rng::with_seed(seed);
    for level in ["OFF", "NORMAL"] {
        let (whole, _) = cut_and_reboot(template.path(), None, Some(level), Unsynced::Lost);
        assert_eq!(
            whole.synchronous.as_deref(),
            Some(level),
            "the control must run the kiosk with synchronous={level}"
        );
        let budget = whole.ops;

        let (mut acknowledged, mut lost) = (0, 0);
        for _ in 0..CONTROL_RUNS {
            let cut_at = rng.u64(1..=budget + 1);
            let (run, found) =
                cut_and_reboot(template.path(), Some(cut_at), Some(level), Unsynced::Lost);
            acknowledged += run.acknowledged.len();
            lost += match found {
                Ok(found) => found.missing.len() + found.partial.len(),
                // A database that no longer opens has lost them all.
                Err(_) => run.acknowledged.len(),
            };
        }
        assert!(acknowledged > 0, "nothing was acknowledged (seed {seed})");
        assert!(
            lost > 0,
            "with synchronous={level} no acknowledged response of {acknowledged} was lost: \
             the layer does not model a power cut (seed {seed})"
        );
        eprintln!(
            "control, synchronous={level}: {lost} of {acknowledged} acknowledged responses lost"
        );
    }
}
