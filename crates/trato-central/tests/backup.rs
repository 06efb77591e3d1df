//! `trato-central backup` and `restore`, as the binary: a backup taken
//! while the real server (its own process) stores batches from 10 kiosks
//! posting without pause; `restore` refused while that server runs, then
//! done once it stopped. The restored database passes its integrity check
//! and holds every response acknowledged before the backup began.

mod common;

use std::collections::HashSet;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::Utc;
use common::*;
use trato_central::admin::{self, IssuedKiosk};
use trato_central::ingest::encode_batch;
use trato_domain::wire::{BatchReply, Outcome};
use uuid::Uuid;

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_trato-central"));
    c.env_remove("TRATO_CENTRAL_DB").env("RUST_LOG", "warn");
    c
}

fn run(args: &[&str]) -> (bool, String) {
    let out = bin().args(args).output().unwrap();
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

/// Posts one-response batches until `stop`; records each id the centre
/// acknowledged (stored or duplicate), with the instant its reply came.
async fn post_until(
    base: String,
    kiosk: IssuedKiosk,
    stop: Arc<AtomicBool>,
    acked: Arc<Mutex<Vec<(Uuid, Instant)>>>,
) {
    let client = reqwest::Client::new();
    while !stop.load(Ordering::Relaxed) {
        let r = response(&kiosk, Utc::now());
        let id = r.id;
        let body = encode_batch(&batch(&kiosk, vec![r])).unwrap();
        let Ok(reply) = client
            .post(format!("{base}/api/v1/batches"))
            .bearer_auth(&kiosk.token)
            .header("content-type", "application/json")
            .header("content-encoding", "gzip")
            .body(body)
            .send()
            .await
        else {
            continue;
        };
        if reply.status() != 200 {
            continue;
        }
        let reply: BatchReply = reply.json().await.unwrap();
        if reply
            .results
            .iter()
            .any(|x| x.id == id && matches!(x.outcome, Outcome::Stored | Outcome::Duplicate))
        {
            acked.lock().unwrap().push((id, Instant::now()));
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_backup_under_ten_posting_kiosks_restores_whole() {
    let dir = tempfile::tempdir().unwrap();
    let db_path = dir.path().join("central.db");
    let db = db_path.to_str().unwrap().to_owned();
    let kiosks = {
        let store = trato_central::open_store(&db).await.unwrap();
        let mut kiosks = Vec::new();
        for i in 0..10 {
            kiosks.push(
                admin::add_kiosk(&*store, UNIT, &format!("Quiosco {i}"))
                    .await
                    .unwrap(),
            );
        }
        kiosks
    };

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let listen = format!("127.0.0.1:{port}");
    let mut server = bin()
        .args([
            "serve",
            "--db",
            &db,
            "--listen",
            &listen,
            "--rate-per-sec",
            "0",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let base = format!("http://{listen}");
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !client
        .get(format!("{base}/healthz"))
        .send()
        .await
        .is_ok_and(|r| r.status() == 200)
    {
        assert!(Instant::now() < deadline, "the centre did not come up");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let stop = Arc::new(AtomicBool::new(false));
    let acked = Arc::new(Mutex::new(Vec::new()));
    let posters: Vec<_> = kiosks
        .into_iter()
        .map(|k| tokio::spawn(post_until(base.clone(), k, stop.clone(), acked.clone())))
        .collect();
    // The backup starts once every kiosk has been heard from a few times.
    let deadline = Instant::now() + Duration::from_secs(60);
    while acked.lock().unwrap().len() < 100 {
        assert!(
            Instant::now() < deadline,
            "the kiosks' batches were not acknowledged"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    let out = dir.path().join("backup.db");
    let began = Instant::now();
    let (ok, said) = tokio::task::spawn_blocking({
        let (db, out) = (db.clone(), out.to_str().unwrap().to_owned());
        move || run(&["backup", "--db", &db, "--out", &out])
    })
    .await
    .unwrap();
    assert!(ok, "{said}");
    assert!(said.contains("integrity ok"), "{said}");
    let before: HashSet<Uuid> = acked
        .lock()
        .unwrap()
        .iter()
        .filter(|(_, at)| *at < began)
        .map(|(id, _)| *id)
        .collect();
    // Posting went on during the backup, and after it.
    let during = acked.lock().unwrap().len();
    let deadline = Instant::now() + Duration::from_secs(30);
    while acked.lock().unwrap().len() < during + 20 {
        assert!(
            Instant::now() < deadline,
            "posting stopped during the backup"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // A backup file is never overwritten.
    let (ok, said) = run(&["backup", "--db", &db, "--out", out.to_str().unwrap()]);
    assert!(!ok && said.contains("already exists"), "{said}");
    // Restore is refused while the centre serves the database.
    let (ok, said) = run(&["restore", "--db", &db, "--from", out.to_str().unwrap()]);
    assert!(!ok, "restore ran under a serving centre: {said}");
    assert!(said.contains("stop it first"), "{said}");

    stop.store(true, Ordering::Relaxed);
    for p in posters {
        p.await.unwrap();
    }
    let stored_after = acked.lock().unwrap().len();
    assert!(stored_after > before.len());
    Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(server.wait().unwrap().success());

    let (ok, said) = run(&["restore", "--db", &db, "--from", out.to_str().unwrap()]);
    assert!(ok, "{said}");
    assert!(said.contains("before-restore"), "{said}");

    let conn = rusqlite::Connection::open(&db_path).unwrap();
    let integrity: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(integrity, "ok");
    let mut stmt = conn.prepare("SELECT id FROM responses").unwrap();
    let restored: HashSet<Uuid> = stmt
        .query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .map(|id| id.unwrap().parse().unwrap())
        .collect();
    let missing: Vec<_> = before.difference(&restored).collect();
    assert!(missing.is_empty(), "lost in the backup: {missing:?}");
    assert!(before.len() >= 100);
}

/// The PostgreSQL commands `docs/deploy.md` gives, run as written there on
/// a database the real server filled: the restored copy holds every response.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_documented_pg_dump_and_pg_restore_restore_every_response() {
    const DUMP: &str = "pg_dump --format=custom --file=";
    const RESTORE: &str = "pg_restore --no-owner --exit-on-error --dbname=";
    let docs =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/deploy.md"))
            .unwrap();
    assert!(
        docs.contains(DUMP) && docs.contains(RESTORE),
        "docs/deploy.md lost its commands"
    );
    if !backends().contains(&Backend::Postgres) {
        eprintln!("TRATO_TEST_PG_URL is not set: the PostgreSQL backup commands are not run");
        return;
    }
    let server = start(Backend::Postgres).await;
    let kiosk = server.kiosk(UNIT).await;
    let responses: Vec<_> = (0..30).map(|_| response(&kiosk, Utc::now())).collect();
    server
        .post_ok(&kiosk.token, &batch(&kiosk, responses))
        .await;
    let url = server.db_url().to_owned();

    let dir = tempfile::tempdir().unwrap();
    let dump = dir.path().join("trato.dump");
    let run_sh = |line: String| {
        let out = Command::new("sh").args(["-c", &line]).output().unwrap();
        assert!(
            out.status.success(),
            "{line}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    run_sh(format!("{DUMP}'{}' '{url}'", dump.display()));
    let restored = fresh_db(Backend::Postgres).await;
    // pg_restore wants an empty database: the fresh one has its schema already.
    let name = restored
        .url
        .rsplit('/')
        .next()
        .unwrap()
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    let admin_url = std::env::var("TRATO_TEST_PG_URL").unwrap();
    let client = pg_client(&admin_url).await;
    for sql in [
        format!("DROP DATABASE {name} WITH (FORCE)"),
        format!("CREATE DATABASE {name}"),
    ] {
        client.batch_execute(&sql).await.unwrap();
    }
    run_sh(format!("{RESTORE}'{}' '{}'", restored.url, dump.display()));
    let store = trato_central::open_store(&restored.url).await.unwrap();
    assert_eq!(store.count_responses().await.unwrap(), 30);
    drop(store);
    restored.finish().await;
    server.stop().await;
}
