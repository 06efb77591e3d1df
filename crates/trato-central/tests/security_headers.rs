//! Every reply carries the security headers, error replies too; HSTS and
//! `Secure` cookies when the centre is served over TLS.

mod common;
mod dashboard_support;

use common::Backend;
use dashboard_support::*;
use trato_central::Config;

fn assert_hardened(r: &reqwest::Response, what: &str) {
    let h = r.headers();
    for (name, want) in [
        ("x-content-type-options", "nosniff"),
        ("x-frame-options", "DENY"),
        ("referrer-policy", "same-origin"),
    ] {
        assert_eq!(
            h.get(name).and_then(|v| v.to_str().ok()),
            Some(want),
            "{what}: {name} in {h:?}"
        );
    }
    let csp = h
        .get("content-security-policy")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    assert!(csp.contains("default-src 'none'"), "{what}: {h:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn error_replies_keep_the_security_headers() {
    let d = start(Backend::Sqlite).await;
    let r = d.client.get(d.url("/no-such-page")).send().await.unwrap();
    assert_eq!(r.status(), 404);
    assert_hardened(&r, "404");
    let r = d
        .client
        .post(d.url("/login"))
        .body("x")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 415);
    assert_hardened(&r, "415");
    let r = d
        .client
        .get(d.url("/api/v1/dashboard/me"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_hardened(&r, "401");
    let r = d.client.get(d.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_hardened(&r, "health");
    assert!(r.headers().get("strict-transport-security").is_none());
    let r = d.login_raw("nacional", PASSWORD).await;
    let cookie = r.headers()["set-cookie"].to_str().unwrap();
    assert!(!cookie.contains("Secure"), "{cookie}");
    d.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_tls_replies_carry_hsts_and_cookies_are_secure() {
    let d = start_with(
        Backend::Sqlite,
        Config {
            served_over_tls: true,
            ..Config::default()
        },
    )
    .await;
    for path in ["/login", "/no-such-page"] {
        let r = d.client.get(d.url(path)).send().await.unwrap();
        let hsts = r.headers()["strict-transport-security"].to_str().unwrap();
        assert!(hsts.starts_with("max-age=31536000"), "{path}: {hsts}");
    }
    let r = d.login_raw("nacional", PASSWORD).await;
    assert_eq!(r.status(), 303);
    let cookie = r.headers()["set-cookie"].to_str().unwrap();
    assert!(cookie.contains("; Secure"), "{cookie}");
    d.stop().await;

    // Behind TLS but cookies explicitly not Secure (e.g. a test bench).
    let d = start_with(
        Backend::Sqlite,
        Config {
            served_over_tls: true,
            secure_cookies: Some(false),
            ..Config::default()
        },
    )
    .await;
    let r = d.login_raw("nacional", PASSWORD).await;
    let cookie = r.headers()["set-cookie"].to_str().unwrap();
    assert!(!cookie.contains("Secure"), "{cookie}");
    d.stop().await;
}
