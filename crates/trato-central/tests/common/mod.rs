//! Test harness: the real server, in-process, on a free loopback port, with a
//! fresh database: a SQLite file always, and a PostgreSQL database of its own
//! when `TRATO_TEST_PG_URL` is set. With `TRATO_REQUIRE_PG` set (CI does), a
//! missing `TRATO_TEST_PG_URL` fails the test instead of skipping PostgreSQL.
#![allow(dead_code)]

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, TimeZone, Utc};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use trato_central::admin::{self, IssuedKiosk};
use trato_central::ingest::encode_batch;
use trato_central::store::open_postgres;
use trato_central::{open_store, AppState, Config, Store};
use trato_domain::wire::{BatchReply, BatchRequest, WireResponse, BATCHES_PATH};
use trato_domain::{Answer, Response, ResponseStatus};
use uuid::Uuid;

pub const UNIT: &str = "DFIMS000020";
pub const OTHER_UNIT: &str = "NLIMS000315";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// SQLite always; PostgreSQL too when `TRATO_TEST_PG_URL` is set.
pub fn backends() -> Vec<Backend> {
    let mut b = vec![Backend::Sqlite];
    if pg_url().is_some() {
        b.push(Backend::Postgres);
    }
    b
}

/// The test PostgreSQL's URL, if any. Panics when `TRATO_REQUIRE_PG` is set
/// and there is none: CI must not pass with PostgreSQL silently skipped.
pub fn pg_url() -> Option<String> {
    let url = std::env::var("TRATO_TEST_PG_URL")
        .ok()
        .filter(|s| !s.is_empty());
    let required = std::env::var_os("TRATO_REQUIRE_PG").is_some_and(|v| !v.is_empty() && v != "0");
    assert!(
        url.is_some() || !required,
        "TRATO_REQUIRE_PG is set but TRATO_TEST_PG_URL is not: the PostgreSQL half of this test would be skipped"
    );
    url
}

/// A new, empty PostgreSQL database (no schema): its URL and name, for
/// [`drop_pg_database`].
pub async fn empty_pg_database(server_url: &str) -> (String, String) {
    let name = format!("trato_test_{}", Uuid::now_v7().simple());
    pg_client(server_url)
        .await
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    (with_dbname(server_url, &name), name)
}

pub async fn drop_pg_database(server_url: &str, name: &str) {
    pg_client(server_url)
        .await
        .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .await
        .unwrap();
}

/// A fresh database; dropped (PostgreSQL) or deleted (SQLite) by `finish`.
pub struct TestDb {
    pub store: Arc<dyn Store>,
    /// What `--db` takes for this database.
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    pg_db: Option<String>,
}

pub async fn fresh_db(backend: Backend) -> TestDb {
    match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("central.db");
            let url = path.to_str().unwrap().to_owned();
            let store = open_store(&url).await.unwrap();
            TestDb {
                store,
                url,
                _dir: Some(dir),
                pg_db: None,
            }
        }
        Backend::Postgres => {
            let url = pg_url().expect("TRATO_TEST_PG_URL");
            let name = format!("trato_test_{}", Uuid::now_v7().simple());
            pg_client(&url)
                .await
                .batch_execute(&format!("CREATE DATABASE {name}"))
                .await
                .unwrap();
            let mut cfg: tokio_postgres::Config = url.parse().unwrap();
            cfg.dbname(&name);
            let store = open_postgres(cfg).await.unwrap();
            TestDb {
                store,
                url: with_dbname(&url, &name),
                _dir: None,
                pg_db: Some(name),
            }
        }
    }
}

/// `postgres://u:p@h:5432/old?x=y` with the database name replaced.
fn with_dbname(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let after_scheme = base.find("://").map_or(0, |i| i + 3);
    let base = match base[after_scheme..].find('/') {
        Some(i) => &base[..after_scheme + i],
        None => base,
    };
    format!("{base}/{name}{query}")
}

impl TestDb {
    pub async fn finish(self) {
        let Some(name) = self.pg_db else { return };
        drop(self.store);
        if let Some(url) = pg_url() {
            if let Ok((client, conn)) = tokio_postgres::connect(&url, tokio_postgres::NoTls).await {
                tokio::spawn(conn);
                let _ = client
                    .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .await;
            }
        }
    }
}

pub struct TestServer {
    pub base: String,
    pub state: AppState,
    pub client: reqwest::Client,
    db: Option<TestDb>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

pub async fn start(backend: Backend) -> TestServer {
    start_with(backend, Config::default()).await
}

pub async fn start_with(backend: Backend, config: Config) -> TestServer {
    let db = fresh_db(backend).await;
    let state = AppState::new(db.store.clone(), config);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(trato_central::serve(listener, state.clone(), async {
        let _ = stopped.await;
    }));
    TestServer {
        base: format!("http://{addr}"),
        state,
        client: reqwest::Client::new(),
        db: Some(db),
        stop: Some(stop),
        task: Some(task),
    }
}

impl TestServer {
    pub fn store(&self) -> &dyn Store {
        &*self.state.store
    }

    /// What `--db` takes for this server's database.
    pub fn db_url(&self) -> &str {
        &self.db.as_ref().expect("the database").url
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn kiosk(&self, unit: &str) -> IssuedKiosk {
        admin::add_kiosk(self.store(), unit, "Urgencias planta baja")
            .await
            .unwrap()
    }

    /// POSTs already-encoded bytes as a gzip batch.
    pub async fn post_raw(&self, token: Option<&str>, body: Vec<u8>) -> reqwest::Response {
        let mut req = self
            .client
            .post(self.url(BATCHES_PATH))
            .header("content-type", "application/json")
            .header("content-encoding", "gzip")
            .body(body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send().await.unwrap()
    }

    pub async fn post(&self, token: &str, batch: &BatchRequest) -> reqwest::Response {
        self.post_raw(Some(token), encode_batch(batch).unwrap())
            .await
    }

    /// POSTs a batch that must succeed; returns its reply.
    pub async fn post_ok(&self, token: &str, batch: &BatchRequest) -> BatchReply {
        let resp = self.post(token, batch).await;
        let status = resp.status();
        let text = resp.text().await.unwrap();
        assert_eq!(status, 200, "{text}");
        serde_json::from_str(&text).unwrap()
    }

    pub async fn counts(&self) -> (u64, u64) {
        (
            self.store().count_responses().await.unwrap(),
            self.store().count_answers().await.unwrap(),
        )
    }

    pub async fn stop(mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.task.take() {
            t.await.unwrap().unwrap();
        }
        if let Some(db) = self.db.take() {
            db.finish().await;
        }
    }
}

/// A complete, valid response to the default survey.
pub fn response(kiosk: &IssuedKiosk, at: DateTime<Utc>) -> Response {
    response_from(&kiosk.unit_clues, &kiosk.id, at)
}

/// [`response`] from a kiosk known by its unit and id.
pub fn response_from(unit_clues: &str, kiosk_id: &str, at: DateTime<Utc>) -> Response {
    Response {
        id: Uuid::now_v7(),
        survey_id: "trato-digno".into(),
        survey_version: 1,
        unit_clues: unit_clues.into(),
        unit_name: "HGZ 1 Ciudad de México".into(),
        service_area: "urgencias".into(),
        kiosk_id: kiosk_id.into(),
        language: "es".into(),
        started_at: at - Duration::seconds(40),
        finished_at: at,
        utc_offset_minutes: -360,
        status: ResponseStatus::Complete,
        flag_reason: None,
        answers: vec![
            codes("trato", &["5"]),
            codes("saludo", &["si"]),
            codes("escucha", &["en_parte"]),
            codes("respuesta", &["si"]),
            codes("respeto", &["si"]),
            codes("espera", &["30_a_60"]),
            Answer {
                question: "comentario".into(),
                codes: vec![],
                text: Some("Muy amables, gracias 🙏".into()),
            },
        ],
    }
}

pub fn codes(q: &str, c: &[&str]) -> Answer {
    Answer {
        question: q.into(),
        codes: c.iter().map(|s| s.to_string()).collect(),
        text: None,
    }
}

pub fn batch(kiosk: &IssuedKiosk, responses: Vec<Response>) -> BatchRequest {
    BatchRequest {
        kiosk_id: kiosk.id.clone(),
        unit_clues: kiosk.unit_clues.clone(),
        sent_at: Utc::now(),
        responses: responses
            .into_iter()
            .enumerate()
            .map(|(i, response)| WireResponse {
                seq: i as u64 + 1,
                response,
            })
            .collect(),
        ..Default::default()
    }
}

/// A client on the test PostgreSQL, its connection driven on the runtime.
pub async fn pg_client(url: &str) -> tokio_postgres::Client {
    let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .expect("connect to the test PostgreSQL");
    tokio::spawn(conn);
    client
}

/// One clock for the centre (and, where a test implements the kiosk's clock
/// for it too, its kiosks), moved by the test.
pub struct TestClock(Mutex<DateTime<Utc>>);

impl TestClock {
    pub fn new(t: DateTime<Utc>) -> Self {
        Self(Mutex::new(t))
    }
    pub fn set(&self, t: DateTime<Utc>) {
        *self.0.lock().unwrap() = t;
    }
    pub fn get(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap()
    }
}

impl trato_central::clock::Clock for TestClock {
    fn now(&self) -> DateTime<Utc> {
        self.get()
    }
}

/// Local time at UTC-6 (the kiosks' offset in these tests) as UTC.
pub fn local(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap() + Duration::hours(6)
}
