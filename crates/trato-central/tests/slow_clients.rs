//! Slow and half-open connections cannot take the centre down. The real
//! binary, run with the usual 1,024-file limit:
//! - closes a connection that does not finish a request's headers within
//!   the header timeout, idle or dribbling a byte at a time, while a
//!   kept-alive connection that is used keeps serving;
//! - under 1,100 connections that never send a byte (more than
//!   `--max-connections`, more than the file limit), keeps answering
//!   `/healthz` at once, keeps a dashboard's open event stream delivering
//!   and a kiosk's kept-alive connection serving: newcomers evict the oldest
//!   connections that never sent a request, not those in use.
#![cfg(unix)]

mod common;
mod dashboard_support;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use chrono::Utc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use trato_central::dashboard::auth;
use trato_central::ingest::encode_batch;
use trato_central::{admin, open_store};

use common::{batch, response, UNIT};
use dashboard_support::{urlenc, PASSWORD};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// GET /healthz on a fresh connection; true on a 200 within `within`.
async fn healthy(addr: &str, within: Duration) -> bool {
    let attempt = async {
        let mut s = TcpStream::connect(addr).await.ok()?;
        s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .await
            .ok()?;
        let mut buf = Vec::new();
        s.read_to_end(&mut buf).await.ok()?;
        Some(buf.starts_with(b"HTTP/1.1 200"))
    };
    matches!(tokio::time::timeout(within, attempt).await, Ok(Some(true)))
}

/// The server's process, killed when dropped (a failed test included).
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The real binary serving `db` on `addr` with a 1,024-file limit and
/// these extra arguments; returns once `/healthz` answers.
async fn serve(db: &std::path::Path, addr: &str, args: &str) -> Server {
    let bin = env!("CARGO_BIN_EXE_trato-central");
    // The usual default file limit of a service without LimitNOFILE.
    let child = Server(
        Command::new("sh")
            .arg("-c")
            .arg(format!(
                "ulimit -n 1024 && exec '{bin}' serve --db '{}' --listen {addr} {args}",
                db.display()
            ))
            .env("RUST_LOG", "error")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    while !healthy(addr, Duration::from_secs(2)).await {
        assert!(Instant::now() < deadline, "the server did not come up");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    child
}

/// Whether the server closes `s` within `within` (end of stream).
async fn closed_within(s: &mut TcpStream, within: Duration) -> bool {
    let mut b = [0u8; 256];
    let t = Instant::now();
    loop {
        let Some(left) = within.checked_sub(t.elapsed()) else {
            return false;
        };
        match tokio::time::timeout(left, s.read(&mut b)).await {
            Err(_) => return false,
            Ok(Ok(0) | Err(_)) => return true,
            Ok(Ok(_)) => continue,
        }
    }
}

/// One request on a kept-alive connection; its status line.
async fn request_on(s: &mut TcpStream, req: &[u8]) -> String {
    s.write_all(req).await.unwrap();
    let mut buf = vec![0u8; 4096];
    let n = tokio::time::timeout(Duration::from_secs(10), s.read(&mut buf))
        .await
        .expect("a reply within 10 s")
        .unwrap();
    String::from_utf8_lossy(&buf[..n])
        .lines()
        .next()
        .unwrap_or("")
        .to_owned()
}

const HEALTHZ: &[u8] = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_that_do_not_finish_their_headers_are_closed_after_the_header_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let addr = format!("127.0.0.1:{}", free_port());
    let _server = serve(
        &dir.path().join("central.db"),
        &addr,
        "--header-timeout-secs 2",
    )
    .await;

    // Far below the connection limit: only the header timeout can close them.
    let mut idle = Vec::new();
    for _ in 0..10 {
        idle.push(TcpStream::connect(&addr).await.unwrap());
    }
    // A slow client that keeps sending, a header line a byte at a time.
    let mut slow = TcpStream::connect(&addr).await.unwrap();
    let dribble = tokio::spawn(async move {
        let t = Instant::now();
        for b in b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: "
            .iter()
            .cycle()
        {
            if slow.write_all(&[*b]).await.is_err() {
                return Some(t.elapsed());
            }
            if t.elapsed() > Duration::from_secs(20) {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        None
    });
    let t = Instant::now();
    for s in &mut idle {
        assert!(
            closed_within(s, Duration::from_secs(8)).await,
            "an idle connection is still open {:?} after it was made (header timeout 2 s)",
            t.elapsed()
        );
    }
    let cut = tokio::time::timeout(Duration::from_secs(25), dribble)
        .await
        .unwrap()
        .unwrap();
    assert!(
        cut.is_some_and(|d| d < Duration::from_secs(10)),
        "a client sending its headers a byte every 200 ms was not cut: {cut:?}"
    );

    // A request, then another on the same connection within the timeout:
    // keep-alive still works.
    let mut kiosk = TcpStream::connect(&addr).await.unwrap();
    for _ in 0..2 {
        assert_eq!(request_on(&mut kiosk, HEALTHZ).await, "HTTP/1.1 200 OK");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_half_open_flood_spares_the_health_check_event_streams_and_kept_alive_kiosks() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("central.db");
    let kiosk = {
        let store = open_store(db.to_str().unwrap()).await.unwrap();
        auth::add_account(&*store, "national", "", "nacional", PASSWORD)
            .await
            .unwrap();
        admin::add_kiosk(&*store, UNIT, "Quiosco urgencias")
            .await
            .unwrap()
    };
    let addr = format!("127.0.0.1:{}", free_port());
    // A header timeout far longer than the test's waits: whatever is
    // answered during the flood is answered because of how the limit works,
    // not because the timeout cleared the flood.
    let _server = serve(
        &db,
        &addr,
        "--header-timeout-secs 120 --max-connections 900 --rate-per-sec 0",
    )
    .await;
    let base = format!("http://{addr}");
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();

    // A dashboard with its live stream open.
    let login = client
        .post(format!("{base}/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("name=nacional&password={}", urlenc(PASSWORD)))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 303);
    let cookie = login.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let mut events = client
        .get(format!("{base}/api/v1/dashboard/events"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(events.status(), 200);
    let hello = tokio::time::timeout(Duration::from_secs(5), events.chunk())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert!(String::from_utf8_lossy(&hello).contains("event: hello"));
    // A kiosk's kept-alive connection, used once before the flood.
    let mut kept = TcpStream::connect(&addr).await.unwrap();
    assert_eq!(request_on(&mut kept, HEALTHZ).await, "HTTP/1.1 200 OK");

    // The flood: more than the limit and the file limit, never a byte sent.
    // Each connection is taken at once, as a newcomer must be.
    let mut flood = Vec::new();
    for _ in 0..1_100 {
        match tokio::time::timeout(Duration::from_secs(2), TcpStream::connect(&addr)).await {
            Ok(Ok(s)) => flood.push(s),
            _ => break,
        }
    }
    assert!(
        flood.len() >= 1_050,
        "the server stopped taking connections after {} of 1,100 (2 s each)",
        flood.len()
    );

    // The health check is answered at once, again and again.
    for i in 0..5 {
        let t = Instant::now();
        assert!(
            healthy(&addr, Duration::from_secs(5)).await,
            "/healthz #{i} not answered within 5 s under 1,100 half-open connections"
        );
        println!("/healthz #{i} answered in {:?}", t.elapsed());
    }
    // The kiosk's kept-alive connection, the oldest of all, still serves.
    assert_eq!(
        request_on(&mut kept, HEALTHZ).await,
        "HTTP/1.1 200 OK",
        "the kept-alive connection was dropped"
    );
    // A batch from a new connection is stored, and the open stream tells
    // the dashboard.
    let body = encode_batch(&batch(&kiosk, vec![response(&kiosk, Utc::now())])).unwrap();
    let posted = tokio::time::timeout(
        Duration::from_secs(10),
        client
            .post(format!("{base}/api/v1/batches"))
            .bearer_auth(&kiosk.token)
            .header("content-encoding", "gzip")
            .body(body)
            .send(),
    )
    .await
    .expect("the batch answered within 10 s")
    .unwrap();
    assert_eq!(posted.status(), 200);
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut got = String::new();
    while !got.contains("event: batch") {
        let left = deadline
            .checked_duration_since(Instant::now())
            .unwrap_or_default();
        match tokio::time::timeout(left, events.chunk()).await {
            Ok(Ok(Some(c))) => got.push_str(&String::from_utf8_lossy(&c)),
            other => panic!("the event stream gave no batch event within 5 s: {other:?} {got}"),
        }
    }
    // The oldest half-open connections were the ones closed.
    let mut closed = 0;
    for s in flood.iter_mut().take(50) {
        if closed_within(s, Duration::from_secs(2)).await {
            closed += 1;
        }
    }
    assert_eq!(closed, 50, "the oldest half-open connections were evicted");
    drop(flood);
}
