//! `trato-central user list|disable|enable|passwd|set-email`, run as the real
//! binary against the database a running server uses: disabling an account
//! or changing its password ends its sessions at once, open event streams
//! included.

mod common;
mod dashboard_support;

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::backends;
use dashboard_support::*;

fn run(db: &str, args: &[&str], stdin: Option<&str>) -> (bool, String, String) {
    let mut c = Command::new(env!("CARGO_BIN_EXE_trato-central"));
    c.env_remove("TRATO_CENTRAL_DB")
        .env("RUST_LOG", "warn")
        .arg("user")
        .args(args)
        .args(["--db", db])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().unwrap();
    let mut input = child.stdin.take().unwrap();
    if let Some(s) = stdin {
        input.write_all(s.as_bytes()).unwrap();
    }
    drop(input);
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn account_commands_take_effect_on_live_sessions() {
    for b in backends() {
        let d = start(b).await;
        let db = d.url.clone();
        let me = "/api/v1/dashboard/me";
        let s = d.login("ooad.cdmx").await;
        let other = d.login("nacional").await;
        assert_eq!(d.get(&s, me).await.status(), 200);

        let (ok, _, err) = run(&db, &["disable", "--name", "ooad.cdmx"], None);
        assert!(ok, "{b:?} {err}");
        assert_eq!(d.get(&s, me).await.status(), 401, "{b:?}: session ended");
        assert_eq!(
            d.get(&other, me).await.status(),
            200,
            "{b:?}: others keep theirs"
        );
        let page = d
            .login_raw("ooad.cdmx", PASSWORD)
            .await
            .text()
            .await
            .unwrap();
        assert!(page.contains("incorrectos"), "{b:?}");
        let (ok, out, _) = run(&db, &["list"], None);
        assert!(ok);
        let line = out.lines().find(|l| l.starts_with("ooad.cdmx")).unwrap();
        assert!(line.contains("disabled"), "{b:?} {out}");

        let (ok, _, err) = run(&db, &["enable", "--name", "ooad.cdmx"], None);
        assert!(ok, "{err}");
        let s = d.login("ooad.cdmx").await;
        assert_eq!(d.get(&s, me).await.status(), 200);

        // A new password from standard input; too short is refused.
        let (ok, _, err) = run(&db, &["passwd", "--name", "ooad.cdmx"], Some("corta\n"));
        assert!(!ok);
        assert!(err.contains("at least 10"), "{err}");
        assert_eq!(d.get(&s, me).await.status(), 200, "{b:?}: nothing changed");
        let new = "otra-contraseña-larga";
        let (ok, _, err) = run(
            &db,
            &["passwd", "--name", "ooad.cdmx"],
            Some(&format!("{new}\n")),
        );
        assert!(ok, "{err}");
        assert_eq!(d.get(&s, me).await.status(), 401, "{b:?}: session ended");
        let page = d
            .login_raw("ooad.cdmx", PASSWORD)
            .await
            .text()
            .await
            .unwrap();
        assert!(page.contains("incorrectos"), "{b:?}: old password refused");
        assert_eq!(d.login_raw("ooad.cdmx", new).await.status(), 303);

        let (ok, _, err) = run(
            &db,
            &[
                "set-email",
                "--name",
                "ooad.cdmx",
                "--email",
                "ana@imss.gob.mx",
            ],
            None,
        );
        assert!(ok, "{err}");
        let (_, out, _) = run(&db, &["list"], None);
        assert!(out.contains("ana@imss.gob.mx"), "{out}");
        let (ok, _, err) = run(
            &db,
            &[
                "set-email",
                "--name",
                "ooad.cdmx",
                "--email",
                "no es correo",
            ],
            None,
        );
        assert!(!ok);
        assert!(err.contains("e-mail"), "{err}");

        let (ok, _, err) = run(&db, &["disable", "--name", "nadie"], None);
        assert!(!ok);
        assert!(err.contains("no account named `nadie`"), "{err}");
        d.stop().await;
    }
}

/// Opens the dashboard's event stream and reads its `hello`.
async fn open_stream(d: &Dash, s: &Session) -> reqwest::Response {
    let mut r = d.get(s, "/api/v1/dashboard/events").await;
    assert_eq!(r.status(), 200);
    let hello = tokio::time::timeout(Duration::from_secs(5), r.chunk())
        .await
        .expect("hello within 5 s")
        .unwrap()
        .unwrap();
    assert!(String::from_utf8_lossy(&hello).contains("event: hello"));
    r
}

/// How long the stream took to end, if it ended within `within`.
async fn ends_within(r: &mut reqwest::Response, within: Duration) -> Option<Duration> {
    let t = Instant::now();
    loop {
        let left = within.checked_sub(t.elapsed())?;
        match tokio::time::timeout(left, r.chunk()).await {
            Err(_) => return None,
            Ok(Ok(Some(_))) => continue,
            Ok(Ok(None) | Err(_)) => return Some(t.elapsed()),
        }
    }
}

/// An open live dashboard makes no further requests, so it is not caught by
/// the per-request check: `user disable` and `user passwd` (the real
/// binary, another process) must end its event stream too, within a few
/// seconds, and leave other accounts' streams open.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disable_and_passwd_end_the_accounts_open_event_stream() {
    let bound = Duration::from_secs(10);
    for b in backends() {
        let d = start(b).await;
        let db = d.url.clone();
        let s = d.login("ooad.cdmx").await;
        let other = d.login("nacional").await;
        let mut stream = open_stream(&d, &s).await;
        let mut others = open_stream(&d, &other).await;

        let (ok, _, err) = run(&db, &["disable", "--name", "ooad.cdmx"], None);
        assert!(ok, "{b:?} {err}");
        let took = ends_within(&mut stream, bound).await;
        assert!(
            took.is_some(),
            "{b:?}: the disabled account's stream is still open after {bound:?}"
        );
        println!("{b:?}: stream ended {took:?} after `user disable`");
        assert_eq!(
            ends_within(&mut others, Duration::from_secs(3)).await,
            None,
            "{b:?}: another account's stream ended"
        );

        let (ok, _, err) = run(&db, &["enable", "--name", "ooad.cdmx"], None);
        assert!(ok, "{err}");
        let s = d.login("ooad.cdmx").await;
        let mut stream = open_stream(&d, &s).await;
        let (ok, _, err) = run(
            &db,
            &["passwd", "--name", "ooad.cdmx"],
            Some("otra-contraseña-larga\n"),
        );
        assert!(ok, "{err}");
        let took = ends_within(&mut stream, bound).await;
        assert!(
            took.is_some(),
            "{b:?}: the stream is still open {bound:?} after `user passwd`"
        );
        println!("{b:?}: stream ended {took:?} after `user passwd`");
        assert_eq!(
            ends_within(&mut others, Duration::from_secs(1)).await,
            None,
            "{b:?}: another account's stream ended"
        );
        drop((stream, others));
        d.stop().await;
    }
}
