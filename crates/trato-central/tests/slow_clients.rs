//! Slow half-open connections cannot take the centre down: the real binary,
//! run with the usual 1,024-file limit, keeps answering `/healthz` while
//! 1,100 connections sit idle (never sending a byte), and a kept-alive
//! connection that is used still serves request after request.
#![cfg(unix)]

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_connections_do_not_starve_the_health_check() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("central.db");
    let addr = format!("127.0.0.1:{}", free_port());
    let bin = env!("CARGO_BIN_EXE_trato-central");
    // The usual default file limit of a service without LimitNOFILE.
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "ulimit -n 1024 && exec '{bin}' serve --db '{}' --listen {addr} \
             --header-timeout-secs 2 --max-connections 900",
            db.display()
        ))
        .env("RUST_LOG", "error")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !healthy(&addr, Duration::from_secs(2)).await {
        assert!(Instant::now() < deadline, "the server did not come up");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let mut idle = Vec::new();
    for _ in 0..1_100 {
        if let Ok(s) = TcpStream::connect(&addr).await {
            idle.push(s);
        }
    }
    assert!(
        idle.len() >= 1_050,
        "only {} connections opened",
        idle.len()
    );

    // Within a few header timeouts the health check is answered, while
    // every idle connection is still open on our side.
    let deadline = Instant::now() + Duration::from_secs(30);
    while !healthy(&addr, Duration::from_secs(3)).await {
        assert!(
            Instant::now() < deadline,
            "/healthz not answered under 1,100 idle connections"
        );
    }
    // The idle ones were closed by the server.
    let mut closed = 0;
    for s in idle.iter_mut().take(50) {
        let mut b = [0u8; 1];
        if let Ok(Ok(0)) = tokio::time::timeout(Duration::from_secs(10), s.read(&mut b)).await {
            closed += 1;
        }
    }
    assert_eq!(closed, 50, "idle connections are closed");
    drop(idle);

    // A request on a fresh connection, then another on the same one within
    // the timeout: keep-alive still works.
    let mut kiosk = TcpStream::connect(&addr).await.unwrap();
    for _ in 0..2 {
        kiosk
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .unwrap();
        let mut buf = vec![0u8; 4096];
        let n = tokio::time::timeout(Duration::from_secs(10), kiosk.read(&mut buf))
            .await
            .unwrap()
            .unwrap();
        assert!(
            buf[..n].starts_with(b"HTTP/1.1 200"),
            "{:?}",
            String::from_utf8_lossy(&buf[..n])
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    child.kill().unwrap();
    let _ = child.wait();
}
