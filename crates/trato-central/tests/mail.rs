//! E-mail notifications with a real SMTP server on loopback (Debian's
//! `python3-aiosmtpd`, each message kept in a Maildir with its envelope
//! recipients): the right recipients, one message per urgent alert, one
//! digest per account and day, and delivery after the server was down at
//! the first attempt. SQLite, and PostgreSQL when `TRATO_TEST_PG_URL` is set.

mod common;
mod dashboard_support;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration as StdDuration, Instant};

use chrono::{DateTime, Duration, Utc};
use common::{backends, codes, local, Backend, TestClock};
use dashboard_support::{start_at, Dash};
use trato_central::admin::{self, IssuedKiosk};
use trato_central::dashboard::auth;
use trato_central::mail::{self, MailConfig, Mailer, Pacing};
use trato_central::store::Scope;
use trato_domain::{Answer, Response, DEFAULT_SURVEY_JSON};

/// Debian's Python (the one `python3-aiosmtpd` installs into).
fn python() -> &'static str {
    if Path::new("/usr/bin/python3").exists() {
        "/usr/bin/python3"
    } else {
        "python3"
    }
}

/// `aiosmtpd` on `port`, keeping each message in the Maildir `dir`.
struct SmtpServer {
    child: Child,
    dir: PathBuf,
}

impl SmtpServer {
    fn start(port: u16, dir: &Path) -> Self {
        let child = Command::new(python())
            .args(["-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{port}"))
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 -m aiosmtpd (Debian package python3-aiosmtpd)");
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < StdDuration::from_secs(10),
                "aiosmtpd did not listen on {port}"
            );
            std::thread::sleep(StdDuration::from_millis(50));
        }
        Self {
            child,
            dir: dir.to_owned(),
        }
    }

    /// Every message received: `(recipients, subject, body)`.
    fn messages(&self) -> Vec<Received> {
        let Ok(entries) = std::fs::read_dir(self.dir.join("new")) else {
            return Vec::new();
        };
        let mut out: Vec<(PathBuf, Received)> = entries
            .map(|e| e.unwrap().path())
            .map(|p| {
                let text = std::fs::read_to_string(&p).unwrap();
                (p, Received::parse(&text))
            })
            .collect();
        // Maildir names end in `Q<n>.host`: the server's own count, in order.
        let seq = |p: &PathBuf| -> u64 {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            let q = name.rsplit_once('Q').map_or("", |(_, q)| q);
            q.split('.').next().unwrap().parse().unwrap()
        };
        out.sort_by_key(|(p, _)| seq(p));
        out.into_iter().map(|(_, r)| r).collect()
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[derive(Debug, Clone)]
struct Received {
    to: Vec<String>,
    subject: String,
    body: String,
}

impl Received {
    fn parse(text: &str) -> Self {
        let (head, body) = text.split_once("\n\n").unwrap_or((text, ""));
        // Unfold continued header lines.
        let head = head.replace("\n ", " ").replace("\n\t", " ");
        let header = |name: &str| {
            head.lines()
                .find_map(|l| l.strip_prefix(&format!("{name}: ")))
                .unwrap_or("")
                .to_owned()
        };
        let mut to: Vec<String> = header("X-RcptTo")
            .split(", ")
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        to.sort();
        let body = if header("Content-Transfer-Encoding").eq_ignore_ascii_case("quoted-printable") {
            unquote(body)
        } else if header("Content-Transfer-Encoding").eq_ignore_ascii_case("base64") {
            use base64::Engine as _;
            let raw: String = body.split_whitespace().collect();
            String::from_utf8(
                base64::engine::general_purpose::STANDARD
                    .decode(raw)
                    .unwrap(),
            )
            .unwrap()
        } else {
            body.to_owned()
        };
        Self {
            to,
            subject: decode_subject(&header("Subject")),
            body,
        }
    }

    fn urgent(&self) -> bool {
        self.subject.starts_with("[Trato Digno] Alerta urgente")
    }

    fn digest(&self) -> bool {
        self.subject.starts_with("[Trato Digno] Resumen")
    }
}

/// Quoted-printable, as lettre writes non-ASCII bodies.
fn unquote(s: &str) -> String {
    let joined = s.replace("=\r\n", "").replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&joined[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `=?utf-8?b?...?=` words (RFC 2047), as lettre encodes a non-ASCII subject.
fn decode_subject(s: &str) -> String {
    use base64::Engine as _;
    let mut out = String::new();
    let mut previous_encoded = false;
    for word in s.split_whitespace() {
        let lower = word.to_ascii_lowercase();
        let encoded = (lower.starts_with("=?utf-8?b?") || lower.starts_with("=?utf-8?q?"))
            && word.ends_with("?=");
        // Space between two encoded words is not text; any other is.
        let joined_words = encoded && previous_encoded;
        if !out.is_empty() && !joined_words {
            out.push(' ');
        }
        if lower.starts_with("=?utf-8?b?") && encoded {
            let data = &word[10..word.len() - 2];
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(data)
                .unwrap();
            out.push_str(&String::from_utf8(bytes).unwrap());
        } else if encoded {
            out.push_str(&unquote(&word[10..word.len() - 2].replace('_', " ")));
        } else {
            out.push_str(word);
        }
        previous_encoded = encoded;
    }
    out
}

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// The default survey as version 2 with its disrespect rule urgent.
fn urgent_survey() -> String {
    let mut v: serde_json::Value = serde_json::from_str(DEFAULT_SURVEY_JSON).unwrap();
    v["version"] = 2.into();
    for rule in v["alerts"].as_array_mut().unwrap() {
        if rule["reason"] == "respeto" {
            rule["urgent"] = true.into();
        }
    }
    serde_json::to_string(&v).unwrap()
}

const PHONE_COMMENT: &str = "Me gritaron, llámenme al 55 1234 5678";

/// A response to the urgent survey: disrespect (`respeto=no`, urgent), a
/// poor rating (not urgent), or neither.
fn answer(k: &IssuedKiosk, at: DateTime<Utc>, trato: &str, respeto: &str) -> Response {
    let mut r = common::response(k, at);
    r.survey_version = 2;
    r.answers = vec![
        codes("trato", &[trato]),
        codes("saludo", &["si"]),
        codes("escucha", &["si"]),
        codes("respuesta", &["si"]),
        codes("respeto", &[respeto]),
        codes("espera", &["30_a_60"]),
        Answer {
            question: "comentario".into(),
            codes: vec![],
            text: Some(PHONE_COMMENT.into()),
        },
    ];
    r
}

const ANA: &str = "ana.lopez@hgz1.imss.gob.mx";
const ANA2: &str = "direccion@hgz1.imss.gob.mx";
const BETO: &str = "beto@ooad-cdmx.imss.gob.mx";
const CARLA: &str = "carla@hgz33.imss.gob.mx";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alerts_are_mailed_to_the_right_people_once_and_retried() {
    for backend in backends() {
        mail_flow(backend).await;
    }
}

async fn mail_flow(backend: Backend) {
    let clock = Arc::new(TestClock::new(local(2026, 12, 7, 9, 0)));
    let d = start_at(backend, clock.clone()).await;
    let store = d.store();
    admin::publish_survey(&*store, &urgent_survey(), Scope::National)
        .await
        .unwrap();
    auth::add_account(
        &*store,
        "unit",
        "DFIMS000020",
        "direccion.020",
        "contraseña larga 1",
    )
    .await
    .unwrap();
    for (name, email) in [
        ("unidad.020", ANA),
        ("direccion.020", ANA2),
        ("ooad.cdmx", BETO),
        ("unidad.315", CARLA),
    ] {
        auth::set_email(&*store, name, email).await.unwrap();
    }
    let port = free_port();
    let maildir = tempfile::tempdir().unwrap();
    let mailer = Mailer::new(MailConfig {
        smtp_url: format!("smtp://127.0.0.1:{port}"),
        from: "Trato Digno <tratodigno@imss.gob.mx>".into(),
        username: None,
        password: None,
        digest_at: mail::default_digest_at(),
    })
    .unwrap();
    let pacing = Pacing {
        first_retry: Duration::seconds(30),
        ..Pacing::default()
    };

    // Monday 09:00: two disrespect alerts and a poor rating at HGZ 1, one of
    // each at HGZ 33, and a response with no alert.
    let monday = clock.get();
    let k20 = d.kiosk("DFIMS000020").await;
    let k315 = d.kiosk("NLIMS000315").await;
    let batch = |k: &IssuedKiosk, rs: Vec<Response>| {
        let mut b = common::batch(k, rs);
        b.sent_at = monday;
        b
    };
    let post = |k: IssuedKiosk, rs: Vec<Response>| {
        let d = &d;
        let b = batch(&k, rs);
        async move {
            let r = d
                .client
                .post(d.url("/api/v1/batches"))
                .bearer_auth(&k.token)
                .header("content-type", "application/json")
                .header("content-encoding", "gzip")
                .body(trato_central::ingest::encode_batch(&b).unwrap())
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
        }
    };
    post(
        k20.clone(),
        vec![
            answer(&k20, monday, "4", "no"),
            answer(&k20, monday, "5", "no"),
            answer(&k20, monday, "1", "si"),
            answer(&k20, monday, "5", "si"),
        ],
    )
    .await;
    post(
        k315.clone(),
        vec![
            answer(&k315, monday, "2", "si"),
            answer(&k315, monday, "4", "no"),
        ],
    )
    .await;

    // The server is not there yet: nothing is lost, the failure is visible.
    mail::run_once(&d.state, &mailer, pacing).await.unwrap();
    let status = mail::status::status(&*store).await.unwrap();
    assert!(status.owed >= 3, "{}", status.text);
    assert!(
        status.text.contains("owed: 3 urgent alert messages"),
        "{}",
        status.text
    );
    assert!(status.text.contains("attempts 1"), "{}", status.text);
    let cli = Command::new(env!("CARGO_BIN_EXE_trato-central"))
        .args(["mail", "status", "--db", &d.url])
        .output()
        .unwrap();
    let printed = String::from_utf8_lossy(&cli.stdout);
    assert_eq!(cli.status.code(), Some(2), "{printed}");
    assert!(
        printed.contains("last error: the mail server did not take the message"),
        "{printed}"
    );

    // The server starts; before the retry time nothing is sent.
    let server = SmtpServer::start(port, &maildir.path().join("maildir"));
    clock.set(monday + Duration::seconds(20));
    mail::run_once(&d.state, &mailer, pacing).await.unwrap();
    assert!(server.messages().is_empty());
    // After it, each urgent alert once, to its unit's accounts.
    clock.set(monday + Duration::seconds(31));
    mail::run_once(&d.state, &mailer, pacing).await.unwrap();
    mail::run_once(&d.state, &mailer, pacing).await.unwrap();
    let got = server.messages();
    let urgent: Vec<&Received> = got.iter().filter(|m| m.urgent()).collect();
    assert_eq!(
        urgent.len(),
        3,
        "{got:#?} {}",
        mail::status::status(&*store).await.unwrap().text
    );
    let to_20 = [ANA.to_owned(), ANA2.to_owned()];
    assert_eq!(
        urgent.iter().filter(|m| m.to == to_20).count(),
        2,
        "{urgent:#?}"
    );
    assert_eq!(urgent.iter().filter(|m| m.to == [CARLA]).count(), 1);
    for m in &urgent {
        assert!(
            m.subject.contains("Falta de respeto o discriminación"),
            "{}",
            m.subject
        );
        // The comment as stored: masked, never the phone number.
        assert!(m.body.contains("[teléfono]"), "{}", m.body);
        assert!(!m.body.contains("1234"), "{}", m.body);
    }
    assert!(urgent.iter().all(|m| !m.to.contains(&BETO.to_owned())));
    let status = mail::status::status(&*store).await.unwrap();
    assert_eq!(status.owed, 0, "{}", status.text);
    assert!(
        status.text.contains("sent: 3 urgent alert messages"),
        "{}",
        status.text
    );

    // Monday's digest (the day from Sunday 07:00) went to each of the four.
    let digests = |server: &SmtpServer, who: &str| -> Vec<Received> {
        server
            .messages()
            .into_iter()
            .filter(|m| m.digest() && m.to == [who])
            .collect()
    };
    for who in [ANA, ANA2, BETO, CARLA] {
        assert_eq!(digests(&server, who).len(), 1, "{who}");
    }
    // Tuesday 06:59: still Monday's.
    clock.set(local(2026, 12, 8, 6, 59));
    mail::run_once(&d.state, &mailer, pacing).await.unwrap();
    assert_eq!(digests(&server, ANA).len(), 1);
    // Tuesday 07:00: Monday's alerts. The unit's accounts had the urgent
    // ones already: their digest has the poor rating only; the OOAD's has
    // its unit's three, none of Monterrey's.
    clock.set(local(2026, 12, 8, 7, 0));
    mail::run_once(&d.state, &mailer, pacing).await.unwrap();
    mail::run_once(&d.state, &mailer, pacing).await.unwrap();
    let ana = digests(&server, ANA);
    assert_eq!(ana.len(), 2);
    assert!(
        ana[1].subject.contains(": 1 alerta ·"),
        "{}",
        ana[1].subject
    );
    assert!(
        ana[1].body.contains("Trato malo o muy malo"),
        "{}",
        ana[1].body
    );
    assert!(!ana[1].body.contains("1234"));
    let beto = digests(&server, BETO);
    assert_eq!(beto.len(), 2);
    assert!(
        beto[1].subject.contains(": 3 alertas ·"),
        "{}",
        beto[1].subject
    );
    assert_eq!(
        beto[1].body.matches("(urgente)").count(),
        2,
        "{}",
        beto[1].body
    );
    assert!(!beto[1].body.contains("NLIMS000315"));
    let carla = digests(&server, CARLA);
    assert!(
        carla[1].subject.contains(": 1 alerta ·"),
        "{}",
        carla[1].subject
    );
    // Wednesday 07:00: no alerts, but both kiosks are now silent for 24
    // opening hours (Monday 09:00-20:00 and Tuesday 07:00-20:00).
    clock.set(local(2026, 12, 9, 7, 0));
    mail::run_once(&d.state, &mailer, pacing).await.unwrap();
    let ana = digests(&server, ANA);
    assert_eq!(ana.len(), 3);
    assert!(
        ana[2]
            .subject
            .contains("0 alertas · 1 quiosco sin contacto"),
        "{}",
        ana[2].subject
    );
    assert!(ana[2]
        .body
        .contains("Quioscos sin contacto por más de 24 horas de atención: 1"));
    for who in [ANA2, BETO, CARLA] {
        assert_eq!(digests(&server, who).len(), 3, "{who}");
    }
    assert_eq!(server.messages().iter().filter(|m| m.urgent()).count(), 3);

    // The running task: a new urgent alert is e-mailed as it arrives.
    clock.set(local(2026, 12, 9, 8, 0));
    let stop = Arc::new(tokio::sync::Notify::new());
    let task = mail::spawn(d.state.clone(), Arc::new(mailer), pacing, stop.clone());
    post(k315.clone(), vec![answer(&k315, clock.get(), "5", "no")]).await;
    let started = Instant::now();
    while server.messages().iter().filter(|m| m.urgent()).count() < 4 {
        assert!(
            started.elapsed() < StdDuration::from_secs(10),
            "no e-mail for the new alert"
        );
        tokio::time::sleep(StdDuration::from_millis(50)).await;
    }
    let last = server.messages().into_iter().filter(|m| m.urgent()).count();
    assert_eq!(last, 4);
    stop.notify_one();
    task.await.unwrap();
    drop(server);
    finish(d).await;
}

async fn finish(d: Dash) {
    d.stop().await;
}
