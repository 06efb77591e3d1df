//! Sync benchmark: a kiosk drains a backlog of N responses (100,000 unless
//! `--rows N`) to the real `trato-central` on loopback (SQLite, rate limit
//! off), end to end: read, encode, POST, the centre's checks and commit, the
//! local marking. Beside it the floor, measured the same way: reading the
//! same rows from SQLite and POSTing the same gzip bodies to a handler that
//! stores nothing.
//!
//! `cargo bench -p trato-kiosk-core --bench sync_drain [-- --rows N] [--batch N] [--in-flight N]`
//! Not part of `cargo test`.

#[path = "../tests/sync_support/mod.rs"]
mod sync_support;

use std::time::{Duration, Instant};

use sync_support::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use trato_kiosk_core::sync::batch::{encode_fitting, Sender};
use trato_kiosk_core::sync::{SyncOptions, Syncer};
use trato_kiosk_core::Store;

type Error = Box<dyn std::error::Error>;

fn main() -> Result<(), Error> {
    let args: Vec<String> = std::env::args().collect();
    let rows: usize = flag(&args, "--rows").map_or(Ok(100_000), |v| v.parse())?;
    let batch: usize = flag(&args, "--batch").map_or(Ok(200), |v| v.parse())?;
    let in_flight: usize =
        flag(&args, "--in-flight").map_or(Ok(SyncOptions::default().in_flight), |v| v.parse())?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(run(rows, batch, in_flight))
}

async fn run(rows: usize, batch: usize, in_flight: usize) -> Result<(), Error> {
    let mut k = kiosk();
    let started = Instant::now();
    for _ in 0..rows / 10_000 {
        k.add_responses(10_000);
    }
    k.add_responses(rows % 10_000);
    println!(
        "kiosk: {rows} pending responses generated in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let floor = floor(&k, batch).await?;
    println!(
        "floor (read rows + POST the same gzip bodies to a handler that stores nothing): {:.2} s = {:.0} responses/s",
        floor.as_secs_f64(),
        rows as f64 / floor.as_secs_f64()
    );

    let db = centre_db().await;
    let token = db.register(&k.id()).await;
    let centre = serve(&db, TcpListener::bind("127.0.0.1:0").await?, unlimited()).await;
    k.point_at(&centre.url(), &token);
    let mut syncer = Syncer::open(
        &k.db(),
        SyncOptions {
            batch_size: batch,
            in_flight,
            check_survey: false,
            ..SyncOptions::default()
        },
    )?;
    let started = Instant::now();
    let report = syncer.run_once().await?;
    let elapsed = started.elapsed();
    assert_eq!(report.sent(), rows);
    assert_eq!(report.pending, 0);
    assert_eq!(db.counts(), (rows as i64, rows as i64));
    println!(
        "drain kiosk -> trato-central (SQLite): {rows} responses in {} batches of {batch}, {in_flight} in flight: {:.2} s = {:.0} responses/s ({:.2}x the floor)",
        report.batches,
        elapsed.as_secs_f64(),
        rows as f64 / elapsed.as_secs_f64(),
        elapsed.as_secs_f64() / floor.as_secs_f64()
    );
    centre.stop().await;
    Ok(())
}

/// Reads every pending row (one statement, as `pending_responses` does for
/// each batch), encodes them in batches as the sync does, and POSTs each body
/// to a loopback handler that reads it and answers `{}`.
async fn floor(k: &TestKiosk, batch: usize) -> Result<Duration, Error> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/api/v1/batches", listener.local_addr()?);
    tokio::spawn(null_handler(listener));
    let client = reqwest::Client::new();
    let sender = Sender {
        kiosk_id: k.id(),
        unit_clues: UNIT.into(),
        ..Sender::default()
    };
    let store = Store::open_existing(&k.db())?;
    let started = Instant::now();
    let mut pending = store.pending_responses(usize::MAX)?;
    while !pending.is_empty() {
        let rest = pending.split_off(batch.min(pending.len()));
        let body = encode_fitting(pending, &sender, chrono::Utc::now(), 1 << 20)?.body;
        let reply = client
            .post(&url)
            .header("content-encoding", "gzip")
            .body(body)
            .send()
            .await?;
        reply.bytes().await?;
        pending = rest;
    }
    Ok(started.elapsed())
}

/// HTTP/1.1 keep-alive: reads a request's headers and `Content-Length`
/// body, answers `200 {}`. Stores nothing.
async fn null_handler(listener: TcpListener) {
    while let Ok((mut conn, _)) = listener.accept().await {
        tokio::spawn(async move {
            let mut buf = Vec::with_capacity(1 << 20);
            let mut chunk = vec![0u8; 256 * 1024];
            loop {
                let head_end = loop {
                    if let Some(i) = find(&buf, b"\r\n\r\n") {
                        break i + 4;
                    }
                    match conn.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                };
                let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
                let len: usize = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .and_then(|v| v.trim().parse().ok())
                    .unwrap_or(0);
                while buf.len() < head_end + len {
                    match conn.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
                buf.drain(..head_end + len);
                let reply = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}";
                if conn.write_all(reply).await.is_err() {
                    return;
                }
            }
        });
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn flag<'a>(args: &'a [String], name: &str) -> Option<&'a str> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map(String::as_str)
}
