//! Power-cut style test: a child process commits responses in a loop and
//! prints each id only after its commit returns; we SIGKILL it at random
//! moments, over and over. Every printed id must then be present and
//! complete, none partial, and the database must pass `integrity_check`.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use chrono::Utc;
use rusqlite::Connection;
use trato_domain::{Answer, Response, ResponseStatus};
use trato_kiosk_core::store::Store;
use trato_kiosk_core::survey_catalog;
use uuid::Uuid;

const CHILD_ENV: &str = "TRATO_CRASH_CHILD_DB";
const KILLS: usize = 200;

/// Eight answers, as the default survey's longest path has.
fn response() -> Response {
    let now = Utc::now();
    let choice = |q: &str, c: &str| Answer {
        question: q.into(),
        codes: vec![c.into()],
        text: None,
    };
    Response {
        id: Uuid::now_v7(),
        survey_id: "trato-digno".into(),
        survey_version: 1,
        unit_clues: "DFIMS000020".into(),
        unit_name: "HGZ 1".into(),
        service_area: "Consulta externa".into(),
        kiosk_id: "crash-test".into(),
        language: "es".into(),
        started_at: now,
        finished_at: now,
        utc_offset_minutes: -360,
        status: ResponseStatus::Complete,
        flag_reason: None,
        answers: vec![
            choice("trato", "2"),
            choice("saludo", "si"),
            choice("escucha", "no"),
            choice("respuesta", "en_parte"),
            choice("respeto", "si"),
            choice("espera", "mas_2_horas"),
            Answer {
                question: "mejorar".into(),
                codes: vec!["trato_personal".into(), "tiempo_espera".into()],
                text: None,
            },
            Answer {
                question: "comentario".into(),
                codes: vec![],
                text: Some("Comentario de prueba con acentos: señor, atención".into()),
            },
        ],
    }
}

/// The child side, run by the parent test as a re-execution of this binary.
#[test]
#[ignore = "run only as the crash test's child process"]
fn crash_child_commit_loop() {
    let Some(path) = std::env::var_os(CHILD_ENV) else {
        return;
    };
    let (mut store, _) = Store::open(std::path::Path::new(&path)).unwrap();
    loop {
        let response = response();
        store.insert_response(&response).unwrap();
        // Printed only once the commit returned: the promise under test.
        println!("committed {}", response.id);
    }
}

#[test]
fn sigkill_at_random_moments_loses_no_committed_response() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kiosk.db");
    {
        let (mut store, _) = Store::open(&path).unwrap();
        survey_catalog::install_default(&mut store).unwrap();
    }
    let seed = fastrand::u64(..);
    eprintln!("crash test seed {seed}");
    let mut rng = fastrand::Rng::with_seed(seed);
    let exe = std::env::current_exe().unwrap();
    let mut printed: Vec<Uuid> = Vec::new();
    for _ in 0..KILLS {
        let mut child = Command::new(&exe)
            .args([
                "crash_child_commit_loop",
                "--exact",
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_ENV, &path)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let reader = std::thread::spawn(move || {
            BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
                .filter_map(|line| {
                    line.strip_prefix("committed ")
                        .and_then(|id| Uuid::parse_str(id).ok())
                })
                .collect::<Vec<_>>()
        });
        // Kill at a random moment: sometimes before the first commit,
        // usually in the middle of a stream of them.
        let deadline = Instant::now() + Duration::from_micros(rng.u64(0..60_000));
        while Instant::now() < deadline {
            std::thread::sleep(Duration::from_micros(200));
        }
        child.kill().unwrap(); // SIGKILL on Unix
        child.wait().unwrap();
        printed.extend(reader.join().unwrap());
    }
    assert!(
        printed.len() > KILLS,
        "the child committed too little to test anything ({})",
        printed.len()
    );

    let (store, report) = Store::open(&path).unwrap();
    assert!(report.quarantined.is_none());
    let expected = response().answers;
    for id in &printed {
        let stored = store
            .response(*id)
            .unwrap()
            .unwrap_or_else(|| panic!("committed response {id} lost (seed {seed})"));
        assert_eq!(
            stored.answers, expected,
            "response {id} is partial (seed {seed})"
        );
    }
    let conn = Connection::open(&path).unwrap();
    let integrity: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(integrity, "ok");
    // No stored response is partial either, printed or not.
    let partial: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM responses r
             WHERE (SELECT COUNT(*) FROM answers a WHERE a.response_id = r.id) <> 9",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(partial, 0);
}
