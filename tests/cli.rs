//! The IT command line, run as the real `trato-kiosk` binary on fresh data
//! directories: what an IT script sees (exit codes, stdout, stderr).

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

const APP: &str = env!("CARGO_BIN_EXE_trato-kiosk");

fn kiosk(dir: &Path, args: &[&str]) -> Output {
    kiosk_with_stdin(dir, args, "")
}

fn kiosk_with_stdin(dir: &Path, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(APP)
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn ok(output: &Output) -> String {
    assert!(
        output.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn failed(output: &Output) -> String {
    assert!(!output.status.success(), "expected a failure, got success");
    String::from_utf8(output.stderr.clone()).unwrap()
}

fn config_json(dir: &Path) -> Value {
    serde_json::from_str(&ok(&kiosk(dir, &["config", "show", "--json"]))).unwrap()
}

#[test]
fn config_set_and_show_with_good_values() {
    let dir = tempfile::tempdir().unwrap();
    ok(&kiosk(
        dir.path(),
        &["config", "set", "unit.clues", "nlims000315"],
    ));
    ok(&kiosk(
        dir.path(),
        &["config", "set", "unit.name", "UMF 15 Monterrey"],
    ));
    ok(&kiosk(
        dir.path(),
        &["config", "set", "survey.idle_seconds", "90"],
    ));
    ok(&kiosk(
        dir.path(),
        &[
            "config",
            "set",
            "sync.token",
            "s3cr3t-token-abcdefghijklmnop",
        ],
    ));
    let config = config_json(dir.path());
    assert_eq!(config["unit.clues"], "NLIMS000315");
    assert_eq!(config["unit.name"], "UMF 15 Monterrey");
    assert_eq!(config["survey.idle_seconds"], "90");
    let token = config["sync.token"].as_str().unwrap();
    assert!(!token.contains("s3cr3t-token-abcdefghijklmnop"), "{token}");
    // The plain listing never shows the token either.
    let listing = ok(&kiosk(dir.path(), &["config", "show"]));
    assert!(listing.contains("NLIMS000315"));
    assert!(!listing.contains("s3cr3t-token"));
}

#[test]
fn a_bad_value_exits_non_zero_names_the_key_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let before = config_json(dir.path());
    for (key, value) in [
        ("unit.clues", "DF-IMS-000020"),
        ("survey.idle_seconds", "3"),
        ("sync.endpoint", "http://central.imss.example/api"),
        ("survey.abandoned", "maybe"),
    ] {
        let stderr = failed(&kiosk(dir.path(), &["config", "set", key, value]));
        assert!(stderr.contains(key), "{key}: {stderr}");
    }
    let stderr = failed(&kiosk(dir.path(), &["config", "set", "no.such.key", "1"]));
    assert!(stderr.contains("no.such.key"), "{stderr}");
    assert_eq!(config_json(dir.path()), before);
}

#[test]
fn config_import_applies_all_or_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.toml");
    std::fs::write(
        &good,
        "[unit]\nclues = \"JCIMS000301\"\nname = \"HGR 46 Guadalajara\"\n\n[survey]\nidle_seconds = 60\n",
    )
    .unwrap();
    ok(&kiosk(
        dir.path(),
        &["config", "import", good.to_str().unwrap()],
    ));
    let config = config_json(dir.path());
    assert_eq!(config["unit.clues"], "JCIMS000301");
    assert_eq!(config["survey.idle_seconds"], "60");

    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "[unit]\nname = \"Otra unidad\"\nclues = \"XX\"\n").unwrap();
    let stderr = failed(&kiosk(
        dir.path(),
        &["config", "import", bad.to_str().unwrap()],
    ));
    assert!(stderr.contains("unit.clues"), "{stderr}");
    assert_eq!(config_json(dir.path())["unit.name"], "HGR 46 Guadalajara");

    // Export, then import on another kiosk: the same settings.
    let exported = ok(&kiosk(dir.path(), &["config", "export"]));
    let other = tempfile::tempdir().unwrap();
    let file = other.path().join("from-first.toml");
    std::fs::write(&file, exported).unwrap();
    ok(&kiosk(
        other.path(),
        &["config", "import", file.to_str().unwrap()],
    ));
    assert_eq!(config_json(other.path())["unit.name"], "HGR 46 Guadalajara");
}

/// The service's start-up import: a fleet file and this kiosk's own file,
/// applied only when either changed, so a change made on screen stands
/// until IT changes a file.
#[test]
fn config_import_if_changed_merges_fleet_and_own_file_and_keeps_screen_changes() {
    let dir = tempfile::tempdir().unwrap();
    let fleet = dir.path().join("kiosk.toml");
    let own = dir.path().join("local.toml");
    std::fs::write(
        &fleet,
        "[unit]\nclues = \"JCIMS000301\"\nname = \"HGR 46\"\n[survey]\nidle_seconds = 60\n",
    )
    .unwrap();
    std::fs::write(&own, "[unit]\nname = \"HGR 46 Urgencias\"\n").unwrap();
    let import = |dir: &Path| {
        kiosk(
            dir,
            &[
                "config",
                "import",
                "--if-changed",
                fleet.to_str().unwrap(),
                own.to_str().unwrap(),
            ],
        )
    };
    ok(&import(dir.path()));
    let config = config_json(dir.path());
    assert_eq!(config["unit.clues"], "JCIMS000301");
    assert_eq!(config["unit.name"], "HGR 46 Urgencias");

    // Changed on screen (here by `config set`), the files unchanged: it stands.
    ok(&kiosk(
        dir.path(),
        &["config", "set", "survey.idle_seconds", "90"],
    ));
    ok(&import(dir.path()));
    assert_eq!(config_json(dir.path())["survey.idle_seconds"], "90");

    // The fleet file changes: imported again.
    std::fs::write(
        &fleet,
        "[unit]\nclues = \"JCIMS000301\"\nname = \"HGR 46\"\n[survey]\nidle_seconds = 75\n",
    )
    .unwrap();
    ok(&import(dir.path()));
    let config = config_json(dir.path());
    assert_eq!(config["survey.idle_seconds"], "75");
    assert_eq!(config["unit.name"], "HGR 46 Urgencias");
}

fn pin_hashes(dir: &Path) -> Vec<(String, String)> {
    let conn = rusqlite::Connection::open(dir.join("kiosk.db")).unwrap();
    let mut stmt = conn
        .prepare("SELECT role, phc FROM pins ORDER BY role")
        .unwrap();
    let rows = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    rows
}

/// A fleet is configured from one shared file: `config export --with-secrets`
/// writes both PIN hashes, `config import` on another kiosk sets them;
/// without `--with-secrets` no hash is written.
#[test]
fn config_export_with_secrets_carries_the_pin_hashes_to_another_kiosk() {
    let first = tempfile::tempdir().unwrap();
    ok(&kiosk_with_stdin(
        first.path(),
        &["pin", "set", "staff"],
        "482913\n",
    ));
    ok(&kiosk_with_stdin(
        first.path(),
        &["pin", "set", "it"],
        "735190\n",
    ));
    ok(&kiosk(
        first.path(),
        &["config", "set", "unit.clues", "DFIMS000020"],
    ));
    let hashes = pin_hashes(first.path());
    assert_eq!(hashes.len(), 2);

    let plain = ok(&kiosk(first.path(), &["config", "export"]));
    assert!(!plain.contains("$argon2"), "{plain}");
    for (_, phc) in &hashes {
        assert!(!plain.contains(phc.as_str()));
    }
    let shared = ok(&kiosk(
        first.path(),
        &["config", "export", "--with-secrets"],
    ));
    for (_, phc) in &hashes {
        assert!(shared.contains(phc.as_str()), "{shared}");
    }

    let second = tempfile::tempdir().unwrap();
    let file = second.path().join("kiosk.toml");
    std::fs::write(&file, &shared).unwrap();
    let out = kiosk(second.path(), &["config", "import", file.to_str().unwrap()]);
    ok(&out);
    assert!(String::from_utf8_lossy(&out.stderr).contains("PIN staff"));
    assert_eq!(pin_hashes(second.path()), hashes);
    assert_eq!(config_json(second.path())["unit.clues"], "DFIMS000020");
    let status: Value =
        serde_json::from_str(&ok(&kiosk(second.path(), &["status", "--json"]))).unwrap();
    assert_eq!(status["configured"], true);

    // A PIN in clear (or anything not an Argon2id hash) is refused, and
    // nothing of that file is applied.
    let bad = second.path().join("bad.toml");
    std::fs::write(
        &bad,
        "[unit]\nname = \"Otro\"\n[pins]\nstaff = \"482913\"\n",
    )
    .unwrap();
    let stderr = failed(&kiosk(
        second.path(),
        &["config", "import", bad.to_str().unwrap()],
    ));
    assert!(stderr.contains("pins"), "{stderr}");
    assert_ne!(config_json(second.path())["unit.name"], "Otro");
    assert_eq!(pin_hashes(second.path()), hashes);
}

/// The root import step asks the kiosk for the timesyncd drop-in of the
/// files' `clock.ntp_servers`; no server named, nothing printed.
#[test]
fn config_timesyncd_prints_the_drop_in_of_the_files_ntp_servers() {
    let dir = tempfile::tempdir().unwrap();
    let fleet = dir.path().join("kiosk.toml");
    let own = dir.path().join("local.toml");
    std::fs::write(
        &fleet,
        "[clock]\nntp_servers = [\"ntp.imss.gob.mx\", \"10.0.0.5\"]\n",
    )
    .unwrap();
    std::fs::write(&own, "[kiosk]\nlabel = \"Planta baja\"\n").unwrap();
    let args = [
        "config",
        "timesyncd",
        fleet.to_str().unwrap(),
        own.to_str().unwrap(),
    ];
    let drop_in = ok(&kiosk(dir.path(), &args));
    assert!(
        drop_in.contains("[Time]\nNTP=ntp.imss.gob.mx 10.0.0.5\n"),
        "{drop_in}"
    );
    // It does not touch the kiosk's data.
    assert!(!dir.path().join("kiosk.db").exists());
    std::fs::write(&fleet, "[unit]\nname = \"HGZ 1\"\n").unwrap();
    assert_eq!(ok(&kiosk(dir.path(), &args)), "");
    std::fs::write(&fleet, "[clock]\nntp_servers = [\"a b\"]\n").unwrap();
    failed(&kiosk(dir.path(), &args));
}

#[test]
fn pins_are_read_from_stdin_and_never_printed() {
    let dir = tempfile::tempdir().unwrap();
    let out = kiosk_with_stdin(dir.path(), &["pin", "set", "staff"], "482913\n");
    ok(&out);
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!all.contains("482913"));
    ok(&kiosk_with_stdin(
        dir.path(),
        &["pin", "set", "it"],
        "735190\n",
    ));
    // A weak PIN is refused.
    let stderr = failed(&kiosk_with_stdin(
        dir.path(),
        &["pin", "set", "staff"],
        "1111\n",
    ));
    assert!(!stderr.is_empty());
    // Stored only as a hash.
    let db = std::fs::read(dir.path().join("kiosk.db")).unwrap();
    assert!(!db.windows(6).any(|w| w == b"482913"));
    ok(&kiosk(
        dir.path(),
        &["config", "set", "unit.clues", "DFIMS000020"],
    ));
    let status: Value =
        serde_json::from_str(&ok(&kiosk(dir.path(), &["status", "--json"]))).unwrap();
    assert_eq!(status["configured"], true);
}

#[test]
fn status_reports_counts_and_the_database_check() {
    let dir = tempfile::tempdir().unwrap();
    let status: Value =
        serde_json::from_str(&ok(&kiosk(dir.path(), &["status", "--json"]))).unwrap();
    assert_eq!(status["responses"]["total"], 0);
    assert_eq!(status["responses"]["pending"], 0);
    assert_eq!(status["database"]["quick_check"], "ok");
    assert_eq!(status["survey"]["id"], "trato-digno");
    assert_eq!(status["configured"], false);
    assert!(status["last_sync"].is_null());
    let text = ok(&kiosk(dir.path(), &["status"]));
    assert!(text.contains("trato-digno v2"), "{text}");
}

/// A version after the shipped defaults (1 and 2).
fn survey_v3(dir: &Path) -> std::path::PathBuf {
    let mut survey: Value =
        serde_json::from_str(include_str!("../assets/surveys/trato-digno-v2.json")).unwrap();
    survey["version"] = 3.into();
    survey["questions"][0]["prompt"]["es"] = "¿Cómo le atendieron hoy?".into();
    let path = dir.join("trato-digno-v3.json");
    std::fs::write(&path, serde_json::to_string_pretty(&survey).unwrap()).unwrap();
    path
}

#[test]
fn survey_validate_lists_problems_with_their_paths() {
    let dir = tempfile::tempdir().unwrap();
    let good = survey_v3(dir.path());
    let out = ok(&kiosk(
        dir.path(),
        &["survey", "validate", good.to_str().unwrap()],
    ));
    assert!(out.contains("trato-digno v3"), "{out}");

    let mut bad: Value = serde_json::from_str(&std::fs::read_to_string(&good).unwrap()).unwrap();
    bad["questions"][1]["prompt"]
        .as_object_mut()
        .unwrap()
        .remove("en");
    bad["questions"][0]["options"][1]["label"]["es"] = "".into();
    let bad_path = dir.path().join("bad.json");
    std::fs::write(&bad_path, bad.to_string()).unwrap();
    // Every problem once, with its path, Spanish first; install refuses alike.
    for command in ["validate", "install"] {
        let stderr = failed(&kiosk(
            dir.path(),
            &["survey", command, bad_path.to_str().unwrap()],
        ));
        for line in [
            "la encuesta tiene 2 problema(s) | the survey has 2 problem(s):",
            "  - questions[0].options[1].label.es: el texto está en blanco | the text is blank",
            "  - questions[1].prompt.en: falta el texto en `en` | the text in `en` is missing",
        ] {
            assert_eq!(
                stderr.matches(line).count(),
                1,
                "{command}: {line}\n{stderr}"
            );
        }
    }
    let status: Value =
        serde_json::from_str(&ok(&kiosk(dir.path(), &["status", "--json"]))).unwrap();
    assert_ne!(
        status["survey"]["version"], 3,
        "nothing installed: {status}"
    );

    std::fs::write(&bad_path, "{ not json").unwrap();
    let stderr = failed(&kiosk(
        dir.path(),
        &["survey", "validate", bad_path.to_str().unwrap()],
    ));
    assert!(
        stderr.contains("la encuesta no es JSON válido | the survey is not valid JSON"),
        "{stderr}"
    );
}

/// A survey language the patient screens have no words for (no
/// `ui/lang/<code>.js`, or one with only the language's name) is a warning
/// on stderr, in Spanish; the survey is still valid and installs.
#[test]
fn survey_validate_and_install_warn_about_languages_without_ui_words() {
    let dir = tempfile::tempdir().unwrap();
    let mut survey: Value =
        serde_json::from_str(include_str!("../assets/surveys/trato-digno-v2.json")).unwrap();
    survey["version"] = 4.into();
    survey["languages"] = serde_json::json!(["es", "en", "nah", "zap"]);
    let mut text = survey.to_string();
    for l in ["nah", "zap"] {
        text = text.replace("\"es\":", &format!("\"{l}\":\"[{l}]\",\"es\":"));
    }
    let path = dir.path().join("cuatro.json");
    std::fs::write(&path, text).unwrap();
    let path = path.to_str().unwrap();
    for command in ["validate", "install"] {
        let out = kiosk(dir.path(), &["survey", command, path]);
        ok(&out);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("aviso: la pantalla no tiene palabras en «zap» (no hay ui/lang/zap.js)"),
            "{command}: {err}"
        );
        assert!(
            err.contains("palabras en «nah»; las demás (botones, avisos) se verán en español"),
            "{command}: {err}"
        );
        assert!(!err.contains("«en»") && !err.contains("«es»"), "{err}");
    }
    // The default survey's languages have every word: no warning.
    let good = survey_v3(dir.path());
    let out = kiosk(dir.path(), &["survey", "validate", good.to_str().unwrap()]);
    ok(&out);
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("aviso"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn survey_install_activates_the_new_version() {
    let dir = tempfile::tempdir().unwrap();
    let v3 = survey_v3(dir.path());
    ok(&kiosk(
        dir.path(),
        &["survey", "install", v3.to_str().unwrap()],
    ));
    let status: Value =
        serde_json::from_str(&ok(&kiosk(dir.path(), &["status", "--json"]))).unwrap();
    assert_eq!(status["survey"]["version"], 3);
    // Installing it again changes nothing and still succeeds.
    ok(&kiosk(
        dir.path(),
        &["survey", "install", v3.to_str().unwrap()],
    ));
}

#[test]
fn export_writes_a_csv_and_an_xlsx_and_refuses_a_backwards_period() {
    let dir = tempfile::tempdir().unwrap();
    ok(&kiosk(
        dir.path(),
        &["config", "set", "unit.clues", "DFIMS000020"],
    ));
    // One response answered today through the real kiosk flow.
    let today = chrono::Local::now().date_naive().to_string();
    {
        let mut k = trato_kiosk_core::Kiosk::open(dir.path()).unwrap();
        let id = k.start_survey("es").unwrap();
        let answers: Vec<trato_domain::Answer> = serde_json::from_value(serde_json::json!([
            {"question": "trato", "codes": ["4"]}, {"question": "saludo", "codes": ["si"]},
            {"question": "escucha", "codes": ["si"]}, {"question": "respuesta", "codes": ["si"]},
            {"question": "respeto", "codes": ["si"]}, {"question": "espera", "codes": ["menos_30"]},
            {"question": "comentario", "text": "=HYPERLINK(\"http://x\")"}
        ]))
        .unwrap();
        k.submit(id, "es", &answers).unwrap();
    }
    std::fs::create_dir_all(dir.path().join("exportaciones")).unwrap();
    let today_csv = ok(&kiosk(
        dir.path(),
        &[
            "export",
            "--from",
            &today,
            "--to",
            &today,
            "--format",
            "csv",
            "--out",
            dir.path()
                .join("exportaciones")
                .join("hoy.csv")
                .to_str()
                .unwrap(),
        ],
    ));
    assert!(today_csv.contains("(1 respuestas)"), "{today_csv}");
    let mut reader =
        csv::Reader::from_path(dir.path().join("exportaciones").join("hoy.csv")).unwrap();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 1);
    assert!(
        rows[0]
            .iter()
            .any(|cell| cell == "'=HYPERLINK(\"http://x\")"),
        "{:?}",
        rows[0]
    );
    let out_dir = tempfile::tempdir().unwrap();
    let out = ok(&kiosk(
        dir.path(),
        &[
            "export",
            "--from",
            "2026-11-01",
            "--to",
            "2026-11-30",
            "--format",
            "csv",
            "--out",
            out_dir.path().to_str().unwrap(),
        ],
    ));
    let file = out
        .lines()
        .next()
        .unwrap()
        .rsplit_once(" (")
        .unwrap()
        .0
        .to_owned();
    let bytes = std::fs::read(&file).unwrap();
    assert!(
        bytes.starts_with(b"\xEF\xBB\xBF"),
        "CSV must start with a BOM"
    );
    assert!(
        file.ends_with("trato-digno_DFIMS000020_2026-11-01_2026-11-30.csv"),
        "{file}"
    );

    let xlsx = out_dir.path().join("resultados.xlsx");
    ok(&kiosk(
        dir.path(),
        &[
            "export",
            "--from",
            "2026-11-01",
            "--to",
            "2026-11-30",
            "--format",
            "xlsx",
            "--out",
            xlsx.to_str().unwrap(),
        ],
    ));
    assert!(std::fs::read(&xlsx).unwrap().starts_with(b"PK"));

    failed(&kiosk(
        dir.path(),
        &[
            "export",
            "--from",
            "2026-11-30",
            "--to",
            "2026-11-01",
            "--format",
            "csv",
            "--out",
            out_dir.path().to_str().unwrap(),
        ],
    ));
}

#[test]
fn a_second_kiosk_on_the_same_data_directory_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let _lock = trato_kiosk_core::data_dir::InstanceLock::acquire(dir.path()).unwrap();
    let stderr = failed(&kiosk(dir.path(), &["status"]));
    assert!(stderr.contains("already running"), "{stderr}");
}

#[test]
fn sync_once_without_an_endpoint_fails_with_the_reason_and_sends_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let output = kiosk(dir.path(), &["sync", "--once"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = failed(&output);
    assert!(stderr.contains("Sin configurar"), "{stderr}");
    assert!(stderr.contains("sync.endpoint"), "{stderr}");
}

#[test]
fn sync_once_with_no_centre_listening_fails_with_the_reason_in_words() {
    let dir = tempfile::tempdir().unwrap();
    // A loopback port with nobody listening.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    ok(&kiosk(
        dir.path(),
        &[
            "config",
            "set",
            "sync.endpoint",
            &format!("http://127.0.0.1:{port}"),
        ],
    ));
    ok(&kiosk(
        dir.path(),
        &["config", "set", "sync.token", "0123456789abcdef0123"],
    ));
    let output = kiosk(dir.path(), &["sync", "--once"]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = failed(&output);
    assert!(stderr.contains("No hay conexión"), "{stderr}");
    let status: Value =
        serde_json::from_str(&ok(&kiosk(dir.path(), &["status", "--json"]))).unwrap();
    assert_eq!(status["last_sync"]["ok"], false);
}
