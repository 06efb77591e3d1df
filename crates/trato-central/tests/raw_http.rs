//! Requests a normal client cannot make: a body sent in two halves around a
//! shutdown, and an oversized body without Content-Length.

mod common;

use std::time::Duration;

use chrono::Utc;
use common::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use trato_central::ingest::encode_batch;
use trato_central::{AppState, Config};

fn head(addr: &str, token: &str, extra: &str) -> String {
    format!(
        "POST /api/v1/batches HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Encoding: gzip\r\n{extra}\r\n"
    )
}

async fn read_reply(stream: &mut TcpStream) -> String {
    let mut buf = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut buf)).await;
    String::from_utf8_lossy(&buf).into_owned()
}

#[tokio::test]
async fn shutdown_finishes_the_batch_in_hand() {
    for b in backends() {
        let db = fresh_db(b).await;
        let state = AppState::new(db.store.clone(), Config::default());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(trato_central::serve(listener, state.clone(), async {
            let _ = stopped.await;
        }));

        let k = trato_central::admin::add_kiosk(&*db.store, UNIT, "k")
            .await
            .unwrap();
        let body = encode_batch(&batch(
            &k,
            (0..50).map(|_| response(&k, Utc::now())).collect(),
        ))
        .unwrap();
        let mut stream = TcpStream::connect(&addr).await.unwrap();
        let h = head(
            &addr,
            &k.token,
            &format!("Connection: close\r\nContent-Length: {}\r\n", body.len()),
        );
        stream.write_all(h.as_bytes()).await.unwrap();
        let (first, rest) = body.split_at(body.len() / 2);
        stream.write_all(first).await.unwrap();
        tokio::time::sleep(Duration::from_millis(200)).await;

        // Shut down with the request half received; then send the rest.
        stop.send(()).unwrap();
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert!(
            !server.is_finished(),
            "the server must wait for the request in hand"
        );
        stream.write_all(rest).await.unwrap();
        let reply = read_reply(&mut stream).await;
        assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
        assert!(reply.contains("\"stored\""), "{reply}");
        tokio::time::timeout(Duration::from_secs(10), server)
            .await
            .expect("server stops after the batch")
            .unwrap()
            .unwrap();
        assert_eq!(db.store.count_responses().await.unwrap(), 50, "{b:?}");
        // New connections are refused once stopped.
        assert!(TcpStream::connect(&addr).await.is_err());
        drop(state);
        db.finish().await;
    }
}

#[tokio::test]
async fn chunked_body_over_the_cap_is_cut_off() {
    let s = start(Backend::Sqlite).await;
    let k = s.kiosk(UNIT).await;
    let addr = s.base.trim_start_matches("http://").to_owned();
    let mut stream = TcpStream::connect(&addr).await.unwrap();
    let h = head(
        &addr,
        &k.token,
        "Connection: close\r\nTransfer-Encoding: chunked\r\n",
    );
    stream.write_all(h.as_bytes()).await.unwrap();
    // 2 MiB in 64 KiB chunks; the server may stop reading (and reset) early.
    let chunk = vec![0x1fu8; 64 * 1024];
    for _ in 0..32 {
        let mut piece = format!("{:x}\r\n", chunk.len()).into_bytes();
        piece.extend_from_slice(&chunk);
        piece.extend_from_slice(b"\r\n");
        if stream.write_all(&piece).await.is_err() {
            break;
        }
    }
    let _ = stream.write_all(b"0\r\n\r\n").await;
    let reply = read_reply(&mut stream).await;
    assert!(reply.starts_with("HTTP/1.1 413"), "{reply}");
    assert!(reply.contains("too_large"), "{reply}");
    assert_eq!(s.counts().await, (0, 0));
    s.stop().await;
}

#[tokio::test]
async fn a_stalled_body_times_out() {
    let s = start_with(
        Backend::Sqlite,
        Config {
            request_timeout: Duration::from_millis(500),
            ..Config::default()
        },
    )
    .await;
    let k = s.kiosk(UNIT).await;
    let addr = s.base.trim_start_matches("http://").to_owned();
    let mut stream = TcpStream::connect(&addr).await.unwrap();
    let h = head(
        &addr,
        &k.token,
        "Connection: close\r\nContent-Length: 1000\r\n",
    );
    stream.write_all(h.as_bytes()).await.unwrap();
    stream.write_all(&[0x1f, 0x8b]).await.unwrap();
    let reply = read_reply(&mut stream).await;
    assert!(reply.starts_with("HTTP/1.1 408"), "{reply}");
    assert!(
        reply.to_ascii_lowercase().contains("x-trato-server-time"),
        "{reply}"
    );
    assert!(reply.contains("\"timeout\""), "{reply}");
    assert_eq!(s.counts().await, (0, 0));
    s.stop().await;
}
