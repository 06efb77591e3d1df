//! Sign-in under abuse: huge names cost neither memory nor log space, and a
//! junk-login flood from one address locks out nobody elsewhere.

mod common;
mod dashboard_support;

use std::io::Write;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::{Arc, Mutex, OnceLock};

use common::Backend;
use dashboard_support::*;
use trato_central::Config;

/// Everything the server logs during this test binary.
fn captured_log() -> Arc<Mutex<Vec<u8>>> {
    static LOG: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOG.get_or_init(|| {
        let buf = Arc::new(Mutex::new(Vec::new()));
        let b = buf.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::INFO)
            .with_ansi(false)
            .with_writer(move || Sink(b.clone()))
            .finish();
        tracing::subscriber::set_global_default(subscriber).unwrap();
        buf
    })
    .clone()
}

struct Sink(Arc<Mutex<Vec<u8>>>);

impl Write for Sink {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn client_from(ip: [u8; 4]) -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .local_address(IpAddr::V4(Ipv4Addr::from(ip)))
        .build()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn huge_login_names_are_refused_untracked_and_logged_truncated() {
    let log = captured_log();
    let d = start(Backend::Sqlite).await;
    let before = log.lock().unwrap().len();
    let names: Vec<String> = (0..20)
        .map(|i| format!("{i:03}{}", "\u{202e}x<script>".repeat(20_000)))
        .collect();
    for n in &names {
        let r = d.login_raw(n, "lo-que-sea-123").await;
        assert_eq!(r.status(), 200);
        let page = r.text().await.unwrap();
        assert!(
            page.contains("Usuario o contraseña incorrectos."),
            "{}",
            &page[..200]
        );
        // The form is not echoed back with the attacker's megabyte.
        assert!(page.len() < 10_000, "{} bytes", page.len());
    }
    assert_eq!(
        d.state.dash.login_entries(),
        0,
        "names over the limit are refused before they are tracked"
    );
    let text = String::from_utf8_lossy(&log.lock().unwrap()[before..]).into_owned();
    // Other tests of this binary log into the same buffer: keep this one's.
    let lines: Vec<&str> = text.lines().filter(|l| l.contains("x<script>")).collect();
    assert_eq!(lines.len(), names.len(), "{text}");
    let logged: usize = lines.iter().map(|l| l.len()).sum();
    assert!(logged < names.len() * 1_000, "{logged} bytes of log");
    for (l, n) in lines.iter().zip(&names) {
        // The start of the name, escaped: no raw control or bidi characters.
        assert!(l.contains(&n[..3]), "{l}");
        assert!(l.contains("\\u{202e}x<script>"), "{l}");
        assert!(!l.contains('\u{202e}'), "{l}");
    }
    d.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_junk_flood_from_one_address_does_not_lock_out_another() {
    let d = start(Backend::Sqlite).await;
    let attacker = client_from([127, 0, 0, 2]);
    let mut limited = 0;
    for i in 0..80 {
        // Wrong passwords for a real account, and junk names.
        let name = if i % 2 == 0 {
            "ooad.cdmx".to_owned()
        } else {
            format!("basura{i}")
        };
        let page = d
            .login_via(&attacker, &name, "equivocada-123", None)
            .await
            .text()
            .await
            .unwrap();
        limited += usize::from(page.contains("Demasiados intentos"));
    }
    assert!(limited > 0, "the flooding address is throttled");
    // The same account, and others, from another address: signed in.
    let staff = client_from([127, 0, 0, 1]);
    for name in ["ooad.cdmx", "nacional"] {
        let r = d.login_via(&staff, name, PASSWORD, None).await;
        assert_eq!(r.status(), 303, "{name}: {}", r.text().await.unwrap());
    }
    d.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forwarded_for_is_believed_only_from_a_listed_proxy() {
    // No proxy listed: the header is ignored, and one peer is one address
    // whatever it claims.
    let d = start(Backend::Sqlite).await;
    let peer = client_from([127, 0, 0, 3]);
    for i in 0..60 {
        let xff = format!("10.0.0.{i}");
        let _ = d
            .login_via(&peer, &format!("basura{i}"), "x-123456789", Some(&xff))
            .await;
    }
    let page = d
        .login_via(&peer, "nacional", PASSWORD, Some("10.9.9.9"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Demasiados intentos"), "{page}");
    d.stop().await;

    // 127.0.0.3 listed as the proxy: its clients are told apart.
    let d = start_with(
        Backend::Sqlite,
        Config {
            rate_per_sec: 0.0,
            trusted_proxies: vec![IpAddr::V4(Ipv4Addr::new(127, 0, 0, 3))],
            ..Config::default()
        },
    )
    .await;
    for i in 0..60 {
        let _ = d
            .login_via(
                &peer,
                &format!("basura{i}"),
                "x-123456789",
                Some("10.0.0.1"),
            )
            .await;
    }
    let flooded = d
        .login_via(&peer, "nacional", PASSWORD, Some("10.0.0.1"))
        .await
        .text()
        .await
        .unwrap();
    assert!(flooded.contains("Demasiados intentos"), "{flooded}");
    // A spoofed chain: only the entry the proxy added counts.
    let r = d
        .login_via(&peer, "nacional", PASSWORD, Some("10.0.0.1, 10.0.0.2"))
        .await;
    assert_eq!(r.status(), 303);
    d.stop().await;
}
