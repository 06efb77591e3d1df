//! Kill test: a child process commits responses in a loop, printing each id
//! before its commit starts and again once the commit returned; we SIGKILL
//! it at random moments after it has committed a few, over and over. Every
//! id printed as committed must then be present and complete, none partial,
//! and the database must pass `integrity_check`. Enough kills must land
//! while a commit is under way, or the test proved nothing.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use chrono::Utc;
use rusqlite::Connection;
use trato_domain::{Answer, Response, ResponseStatus};
use trato_kiosk_core::store::Store;
use trato_kiosk_core::survey_catalog;
use uuid::Uuid;

const CHILD_ENV: &str = "TRATO_CRASH_CHILD_DB";
const KILLS: usize = 200;
/// Each child commits this many responses before the random kill moment
/// starts, so no kill is spent on a process still starting up.
const MIN_COMMITS: usize = 3;
/// Kills that must land inside a commit (between "begin" and "committed").
const MIN_KILLS_INSIDE: usize = KILLS / 4;
/// How long a starting child may take to commit `MIN_COMMITS`.
const CHILD_WAIT: Duration = Duration::from_secs(30);

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
        println!("begin {}", response.id);
        store.insert_response(&response).unwrap();
        // Printed only once the commit returned: the promise under test.
        println!("committed {}", response.id);
    }
}

/// What one child did before its kill.
struct Killed {
    committed: Vec<Uuid>,
    /// The kill landed after "begin" and before "committed": inside the
    /// commit call, its transaction open or being written.
    inside_commit: bool,
    stderr: String,
}

/// Starts a child, waits until it has committed `MIN_COMMITS` responses,
/// then SIGKILLs it at a random moment up to 20 ms later.
fn run_and_kill(exe: &Path, db: &Path, rng: &mut fastrand::Rng) -> Killed {
    let mut child = Command::new(exe)
        .args([
            "crash_child_commit_loop",
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, db)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let stderr = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let stdout = child.stdout.take().unwrap();
    let (tx, lines) = mpsc::channel::<String>();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if line.starts_with("begin ") || line.starts_with("committed ") {
                let _ = tx.send(line);
            }
        }
    });
    let mut seen = Vec::new();
    let started = Instant::now();
    while seen
        .iter()
        .filter(|l: &&String| l.starts_with("committed "))
        .count()
        < MIN_COMMITS
    {
        let left = CHILD_WAIT.saturating_sub(started.elapsed());
        match lines.recv_timeout(left) {
            Ok(line) => seen.push(line),
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "a child committed {} of {MIN_COMMITS} responses in {:.1?}; its stderr:\n{}",
                    seen.iter().filter(|l| l.starts_with("committed ")).count(),
                    started.elapsed(),
                    stderr.join().unwrap()
                );
            }
        }
    }
    std::thread::sleep(Duration::from_micros(rng.u64(0..20_000)));
    child.kill().unwrap(); // SIGKILL on Unix
    child.wait().unwrap();
    reader.join().unwrap();
    seen.extend(lines.try_iter());
    Killed {
        committed: seen
            .iter()
            .filter_map(|l| l.strip_prefix("committed "))
            .map(|id| Uuid::parse_str(id).unwrap())
            .collect(),
        inside_commit: seen.last().is_some_and(|l| l.starts_with("begin ")),
        stderr: stderr.join().unwrap(),
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
    let kills: Vec<Killed> = (0..KILLS)
        .map(|_| run_and_kill(&exe, &path, &mut rng))
        .collect();
    let inside = kills.iter().filter(|k| k.inside_commit).count();
    eprintln!("{inside} of {KILLS} kills landed inside a commit");
    assert!(
        inside >= MIN_KILLS_INSIDE,
        "only {inside} of {KILLS} kills landed inside a commit (at least {MIN_KILLS_INSIDE} \
         needed to test anything; seed {seed})"
    );

    let (store, report) = Store::open(&path).unwrap();
    assert!(report.quarantined.is_none());
    let expected = response().answers;
    for (n, kill) in kills.iter().enumerate() {
        for id in &kill.committed {
            let stored = store.response(*id).unwrap().unwrap_or_else(|| {
                panic!(
                    "committed response {id} lost (seed {seed}, child {n}); its stderr:\n{}",
                    kill.stderr
                )
            });
            assert_eq!(
                stored.answers, expected,
                "response {id} is partial (seed {seed}, child {n}); its stderr:\n{}",
                kill.stderr
            );
        }
    }
    let conn = Connection::open(&path).unwrap();
    let integrity: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(integrity, "ok");
    // No stored response is partial either, committed, cut or not.
    let partial: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM responses r
             WHERE (SELECT COUNT(*) FROM answers a WHERE a.response_id = r.id) <> 9",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(partial, 0);
    // Every commit that returned is there, and nothing else but the ones cut
    // mid-commit (stored whole or not at all).
    let stored: i64 = conn
        .query_row("SELECT COUNT(*) FROM responses", [], |r| r.get(0))
        .unwrap();
    let committed: usize = kills.iter().map(|k| k.committed.len()).sum();
    assert!(
        (committed..=committed + inside).contains(&(stored as usize)),
        "{stored} stored, {committed} committed, {inside} cut mid-commit (seed {seed})"
    );
}
