//! The `trato-central` binary: kiosk and survey administration, and `serve`
//! stopped by SIGTERM.

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use chrono::Utc;
use common::*;
use trato_central::admin::IssuedKiosk;
use trato_central::ingest::encode_batch;
use trato_domain::wire::{ActiveSurveyReply, BatchReply};

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_trato-central"));
    c.env_remove("TRATO_CENTRAL_DB").env("RUST_LOG", "warn");
    c
}

fn run(args: &[&str]) -> (bool, String, String) {
    let out = bin().args(args).output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn field(out: &str, name: &str) -> String {
    out.lines()
        .find_map(|l| l.strip_prefix(&format!("{name}:")))
        .map(|v| v.trim().to_owned())
        .unwrap_or_else(|| panic!("no {name} in {out}"))
}

#[tokio::test]
async fn administer_and_serve_until_sigterm() {
    for b in backends() {
        let test_db = fresh_db(b).await;
        administer_and_serve(&test_db.url).await;
        test_db.finish().await;
    }
}

async fn administer_and_serve(db: &str) {
    let dir = tempfile::tempdir().unwrap();

    let (ok, _, err) = run(&[
        "kiosk",
        "add",
        "--db",
        db,
        "--unit",
        "DF-IMS-20",
        "--name",
        "x",
    ]);
    assert!(!ok);
    assert!(err.contains("not a CLUES"), "{err}");

    let (ok, out, err) = run(&[
        "kiosk",
        "add",
        "--db",
        db,
        "--unit",
        UNIT,
        "--name",
        "Urgencias",
    ]);
    assert!(ok, "{err}");
    let kiosk = IssuedKiosk {
        id: field(&out, "kiosk_id"),
        unit_clues: UNIT.into(),
        name: "Urgencias".into(),
        token: field(&out, "token"),
    };
    assert_eq!(kiosk.token.len(), 43);
    assert!(err.contains("only its hash"), "{err}");

    let (ok, out, _) = run(&["kiosk", "list", "--db", db]);
    assert!(ok);
    assert!(out.contains(&kiosk.id) && out.contains("active") && out.contains("Urgencias"));
    assert!(
        !out.contains(&kiosk.token),
        "the token is never shown again"
    );

    // (1 and 2 are the shipped default versions.)
    let survey = dir.path().join("v20.json");
    let mut def: serde_json::Value =
        serde_json::from_str(trato_domain::DEFAULT_SURVEY_V1_JSON).unwrap();
    def["version"] = 20.into();
    std::fs::write(&survey, def.to_string()).unwrap();
    let survey = survey.to_str().unwrap();
    let (ok, _, err) = run(&["survey", "publish", "--db", db, survey]);
    assert!(!ok, "needs --scope (or --unit / --all)");
    assert!(err.contains("--scope"), "{err}");
    let (ok, out, err) = run(&["survey", "publish", "--db", db, survey, "--unit", UNIT]);
    assert!(ok, "{err}");
    assert!(out.contains("trato-digno version 20"), "{out}");
    let (ok, _, err) = run(&[
        "survey",
        "publish",
        "--db",
        db,
        survey,
        "--scope",
        "estado:CDMX",
    ]);
    assert!(!ok && err.contains("not a scope"), "{err}");
    let (ok, out, err) = run(&[
        "survey",
        "publish",
        "--db",
        db,
        survey,
        "--scope",
        "national",
        "--from",
        "2099-01-01",
    ]);
    assert!(ok, "{err}");
    assert!(out.contains("for national, from 2099-01-01"), "{out}");
    let (ok, out, err) = run(&["survey", "list", "--db", db, "--unit", UNIT]);
    assert!(ok, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert!(
        lines[1].contains(&format!("unit:{UNIT}")) && lines[1].ends_with("active"),
        "{out}"
    );
    assert!(
        lines[2].contains("national") && lines[2].ends_with("scheduled"),
        "{out}"
    );
    assert!(
        out.contains(&format!("in force for {UNIT}: trato-digno version 20")),
        "{out}"
    );
    let (ok, out, err) = run(&["survey", "withdraw", "--db", db, "2"]);
    assert!(ok && out.contains("withdrawn"), "{err}");
    let (ok, _, err) = run(&["survey", "withdraw", "--db", db, "2"]);
    assert!(!ok && err.contains("no publication in force"), "{err}");
    let (ok, out, _) = run(&["survey", "list", "--db", db]);
    assert!(
        ok && out.lines().nth(2).unwrap().ends_with("withdrawn"),
        "{out}"
    );

    // Serve on a free port.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let listen = format!("127.0.0.1:{port}");
    let mut child = bin()
        .args(["serve", "--db", db, "--listen", &listen])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let base = format!("http://{listen}");
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Ok(r) = client.get(format!("{base}/healthz")).send().await {
            if r.status() == 200 {
                break;
            }
        }
        assert!(Instant::now() < deadline, "server did not come up");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let reply: ActiveSurveyReply = client
        .get(format!(
            "{base}/api/v1/surveys/active?unit={UNIT}&format={}",
            trato_domain::FORMAT_VERSION
        ))
        .bearer_auth(&kiosk.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(reply.survey.unwrap()["version"], 20);

    let body = encode_batch(&batch(&kiosk, vec![response(&kiosk, Utc::now())])).unwrap();
    let post = || {
        client
            .post(format!("{base}/api/v1/batches"))
            .bearer_auth(&kiosk.token)
            .header("content-encoding", "gzip")
            .body(body.clone())
            .send()
    };
    let resp = post().await.unwrap();
    assert_eq!(resp.status(), 200);
    let reply: BatchReply = resp.json().await.unwrap();
    assert_eq!(reply.results.len(), 1);

    // Revoked from another process while the server runs: refused at once.
    let (ok, _, err) = run(&["kiosk", "revoke", "--db", db, &kiosk.id]);
    assert!(ok, "{err}");
    assert_eq!(post().await.unwrap().status(), 401);
    let (ok, _, err) = run(&["kiosk", "revoke", "--db", db, "no-such-kiosk"]);
    assert!(!ok);
    assert!(err.contains("no kiosk"), "{err}");

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    let exit = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(Instant::now() < deadline, "no exit after SIGTERM");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(exit.success(), "{exit:?}");
}

/// A bad survey file: `survey validate` and `survey publish` exit non-zero
/// with every problem on stderr, each with its path, in Spanish then English,
/// each once; nothing is published.
#[tokio::test]
async fn a_bad_survey_is_refused_with_every_problem_in_both_languages() {
    let dir = tempfile::tempdir().unwrap();
    let mut def: serde_json::Value =
        serde_json::from_str(trato_domain::DEFAULT_SURVEY_V1_JSON).unwrap();
    def["version"] = 0.into();
    def["questions"][1]["prompt"]
        .as_object_mut()
        .unwrap()
        .remove("en");
    def["questions"][0]["options"][1]["sentiment"] = "sometimes".into();
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, def.to_string()).unwrap();
    let (ok, _, err) = run(&["survey", "validate", bad.to_str().unwrap()]);
    assert!(!ok, "{err}");
    assert!(
        err.contains("la encuesta no es JSON válido | the survey is not valid JSON"),
        "{err}"
    );

    def["questions"][0]["options"][1]
        .as_object_mut()
        .unwrap()
        .remove("sentiment");
    def["alerts"][0]["any_of"] = serde_json::json!(["9"]);
    std::fs::write(&bad, def.to_string()).unwrap();
    let expected = [
        "la encuesta tiene 3 problema(s) | the survey has 3 problem(s):",
        "  - version: la versión debe ser 1 o mayor | the version must be 1 or more",
        "  - questions[1].prompt.en: falta el texto en `en` | the text in `en` is missing",
        "  - alerts[0].any_of[0]: la pregunta `trato` no tiene la opción `9` \
         | question `trato` has no option `9`",
    ];
    let db = format!("sqlite://{}", dir.path().join("centre.db").display());
    for args in [
        vec!["survey", "validate", bad.to_str().unwrap()],
        vec![
            "survey",
            "publish",
            "--db",
            &db,
            bad.to_str().unwrap(),
            "--scope",
            "national",
        ],
    ] {
        let (ok, out, err) = run(&args);
        assert!(!ok, "{args:?}: {out}");
        for line in expected {
            assert_eq!(err.matches(line).count(), 1, "{args:?}: {line}\n{err}");
        }
    }
    assert!(
        !dir.path().join("centre.db").exists(),
        "nothing was published"
    );
}
