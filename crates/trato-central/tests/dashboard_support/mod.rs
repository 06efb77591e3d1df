//! Shared by the dashboard tests: a server with the sample catalogue and one
//! account per role, sessions, and a generated data set.
#![allow(dead_code)]

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use tokio::sync::oneshot;
use trato_central::admin::{self, IssuedKiosk};
use trato_central::dashboard::{auth, catalogue};
use trato_central::ingest::encode_batch;
use trato_central::{AppState, Config, Store};
use trato_domain::wire::BatchRequest;
use trato_domain::{Answer, FlagReason, Response, ResponseStatus};
use uuid::Uuid;

use crate::common::{fresh_db, Backend, TestDb};

pub const PASSWORD: &str = "contraseña-de-prueba";
pub const OOAD_CDMX: &str = "OOAD Ciudad de México Sur";
pub const OOAD_NL: &str = "OOAD Nuevo León";
pub const UMAE_SXXI: &str = "UMAE Hospital de Especialidades CMN Siglo XXI";

/// (account, role, scope)
pub const ACCOUNTS: [(&str, &str, &str); 5] = [
    ("nacional", "national", ""),
    ("ooad.cdmx", "ooad", OOAD_CDMX),
    ("umae.sxxi", "umae", UMAE_SXXI),
    ("unidad.020", "unit", "DFIMS000020"),
    ("unidad.315", "unit", "NLIMS000315"),
];

pub struct Dash {
    pub base: String,
    pub state: AppState,
    pub client: reqwest::Client,
    pub db: Option<TestDb>,
    pub url: String,
    pub backend: Backend,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

pub async fn start(backend: Backend) -> Dash {
    start_with(
        backend,
        Config {
            rate_per_sec: 0.0,
            ..Config::default()
        },
    )
    .await
}

/// A dashboard server with these settings.
pub async fn start_with(backend: Backend, config: Config) -> Dash {
    start_full(backend, config, None).await
}

/// A dashboard server whose time is `clock`'s (receive times, silence).
pub async fn start_at(backend: Backend, clock: Arc<dyn trato_central::clock::Clock>) -> Dash {
    let config = Config {
        rate_per_sec: 0.0,
        ..Config::default()
    };
    start_full(backend, config, Some(clock)).await
}

async fn start_full(
    backend: Backend,
    config: Config,
    clock: Option<Arc<dyn trato_central::clock::Clock>>,
) -> Dash {
    let db = fresh_db(backend).await;
    catalogue::load(&*db.store, catalogue::SAMPLE)
        .await
        .unwrap();
    for (name, role, scope) in ACCOUNTS {
        auth::add_account(&*db.store, role, scope, name, PASSWORD)
            .await
            .unwrap();
    }
    let mut state = AppState::new(db.store.clone(), config);
    if let Some(clock) = clock {
        state = state.with_clock(clock);
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(trato_central::serve(listener, state.clone(), async {
        let _ = stopped.await;
    }));
    Dash {
        base: format!("http://{addr}"),
        state,
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        url: db.url.clone(),
        db: Some(db),
        backend,
        stop: Some(stop),
        task: Some(task),
    }
}

#[derive(Debug, Clone)]
pub struct Session {
    pub cookie: String,
    pub csrf: String,
}

impl Dash {
    pub fn store(&self) -> Arc<dyn Store> {
        self.state.store.clone()
    }

    pub fn url(&self, p: &str) -> String {
        format!("{}{}", self.base, p)
    }

    pub async fn kiosk(&self, unit: &str) -> IssuedKiosk {
        admin::add_kiosk(&*self.state.store, unit, "Quiosco urgencias")
            .await
            .unwrap()
    }

    /// POSTs /login; returns the raw reply.
    pub async fn login_raw(&self, name: &str, password: &str) -> reqwest::Response {
        self.login_via(&self.client, name, password, None).await
    }

    /// POSTs /login through `client` (e.g. bound to another loopback
    /// address), optionally with an `X-Forwarded-For` header.
    pub async fn login_via(
        &self,
        client: &reqwest::Client,
        name: &str,
        password: &str,
        forwarded_for: Option<&str>,
    ) -> reqwest::Response {
        let body = format!("name={}&password={}", urlenc(name), urlenc(password));
        let mut rq = client
            .post(self.url("/login"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        if let Some(f) = forwarded_for {
            rq = rq.header("x-forwarded-for", f);
        }
        rq.send().await.unwrap()
    }

    pub async fn login(&self, name: &str) -> Session {
        let r = self.login_raw(name, PASSWORD).await;
        assert_eq!(r.status(), 303, "login {name}");
        let set = r
            .headers()
            .get("set-cookie")
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned();
        let cookie = set.split(';').next().unwrap().to_owned();
        let page = self
            .client
            .get(self.url("/tablero"))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let csrf = page
            .split("name=\"csrf-token\" content=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .expect("csrf meta")
            .to_owned();
        Session { cookie, csrf }
    }

    pub async fn get(&self, s: &Session, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .header("cookie", &s.cookie)
            .send()
            .await
            .unwrap()
    }

    pub async fn get_json(&self, s: &Session, path: &str) -> serde_json::Value {
        let r = self.get(s, path).await;
        let st = r.status();
        let t = r.text().await.unwrap();
        assert_eq!(st, 200, "{path}: {t}");
        serde_json::from_str(&t).unwrap()
    }

    /// A page or file as text, asserting it was served.
    pub async fn get_text(&self, s: &Session, path: &str) -> String {
        let r = self.get(s, path).await;
        let st = r.status();
        let t = r.text().await.unwrap();
        assert_eq!(st, 200, "{path}: {t}");
        t
    }

    pub async fn attend(
        &self,
        s: &Session,
        id: &str,
        csrf: Option<&str>,
        note: &str,
    ) -> reqwest::Response {
        let mut rq = self
            .client
            .post(self.url(&format!("/api/v1/dashboard/alerts/{id}/attend")))
            .header("cookie", &s.cookie)
            .json(&serde_json::json!({ "note": note }));
        if let Some(c) = csrf {
            rq = rq.header("x-csrf-token", c);
        }
        rq.send().await.unwrap()
    }

    pub async fn post_batch(&self, k: &IssuedKiosk, responses: Vec<Response>) {
        for chunk in responses.chunks(500) {
            self.send_batch(k, &crate::common::batch(k, chunk.to_vec()))
                .await;
        }
    }

    /// POSTs one batch sent at `sent_at` (the kiosk's clock) with the
    /// optional report fields a current kiosk sends.
    pub async fn post_report(
        &self,
        k: &IssuedKiosk,
        responses: Vec<Response>,
        sent_at: DateTime<Utc>,
        backlog: Option<u64>,
        survey: Option<(&str, u32)>,
    ) {
        let b = BatchRequest {
            sent_at,
            backlog,
            survey_id: survey.map(|(id, _)| id.to_owned()),
            survey_version: survey.map(|(_, v)| v),
            ..crate::common::batch(k, responses)
        };
        self.send_batch(k, &b).await;
    }

    async fn send_batch(&self, k: &IssuedKiosk, b: &BatchRequest) {
        let r = self
            .client
            .post(self.url("/api/v1/batches"))
            .bearer_auth(&k.token)
            .header("content-encoding", "gzip")
            .body(encode_batch(b).unwrap())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    }

    pub async fn stop(mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.task.take() {
            let _ = t.await;
        }
        if let Some(db) = self.db.take() {
            db.finish().await;
        }
    }
}

pub fn urlenc(s: &str) -> String {
    let mut o = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            o.push(b as char);
        } else {
            o.push_str(&format!("%{b:02X}"));
        }
    }
    o
}

fn codes(q: &str, c: &str) -> Answer {
    Answer {
        question: q.into(),
        codes: vec![c.into()],
        text: None,
    }
}

/// A deterministic pseudo-random generator (xorshift).
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    pub fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[(self.next() % xs.len() as u64) as usize]
    }
}

pub const AREAS: [&str; 3] = ["urgencias", "consulta externa", "hospitalización"];

/// One response with the given answers (UTC-6 kiosk).
pub fn response(
    k: &IssuedKiosk,
    at: DateTime<Utc>,
    area: &str,
    trato: &str,
    yn: [&str; 4],
) -> Response {
    let mut answers = vec![
        codes("trato", trato),
        codes("saludo", yn[0]),
        codes("escucha", yn[1]),
        codes("respuesta", yn[2]),
        codes("respeto", yn[3]),
        codes("espera", "menos_30"),
    ];
    if trato == "1" || trato == "2" {
        answers.push(Answer {
            question: "mejorar".into(),
            codes: vec!["trato_personal".into(), "limpieza".into()],
            text: None,
        });
    }
    Response {
        id: Uuid::now_v7(),
        survey_id: "trato-digno".into(),
        survey_version: 1,
        unit_clues: k.unit_clues.clone(),
        unit_name: "Unidad".into(),
        service_area: area.into(),
        kiosk_id: k.id.clone(),
        language: "es".into(),
        started_at: at - Duration::seconds(40),
        finished_at: at,
        utc_offset_minutes: -360,
        status: ResponseStatus::Complete,
        flag_reason: None,
        answers,
    }
}

/// `n` random responses for a kiosk over the last `days` days, some
/// abandoned after the headline and some flagged.
pub fn generate(rng: &mut Rng, k: &IssuedKiosk, n: usize, days: i64) -> Vec<Response> {
    let now = Utc::now();
    (0..n)
        .map(|_| {
            let secs = (rng.next() % (days as u64 * 86_400)) as i64;
            let at = now - Duration::seconds(secs);
            let area = rng.pick(&AREAS);
            let trato = rng.pick(&["1", "2", "3", "4", "4", "5", "5", "5"]);
            let yn = [
                rng.pick(&["si", "si", "no"]),
                rng.pick(&["si", "no", "en_parte"]),
                rng.pick(&["si", "no", "en_parte"]),
                rng.pick(&["si", "si", "si", "si", "no"]),
            ];
            let mut r = response(k, at, area, trato, yn);
            match rng.next() % 20 {
                0 => {
                    r.status = ResponseStatus::Abandoned;
                    r.answers.truncate(1);
                }
                1 => {
                    r.status = ResponseStatus::Flagged;
                    r.flag_reason = Some(FlagReason::TooSoon);
                }
                _ => {}
            }
            r
        })
        .collect()
}

pub type Rows = Vec<Vec<String>>;

/// Every row of a query, each value as text (NULL as "NULL").
pub async fn rows(d: &Dash, sql: &str) -> Rows {
    match d.backend {
        Backend::Sqlite => {
            let c = rusqlite::Connection::open(&d.url).unwrap();
            let mut st = c.prepare(sql).unwrap();
            let n = st.column_count();
            st.query_map([], |r| {
                (0..n)
                    .map(|i| {
                        Ok(match r.get::<_, rusqlite::types::Value>(i)? {
                            rusqlite::types::Value::Null => "NULL".to_owned(),
                            rusqlite::types::Value::Integer(x) => x.to_string(),
                            rusqlite::types::Value::Text(s) => s,
                            v => format!("{v:?}"),
                        })
                    })
                    .collect()
            })
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
        }
        Backend::Postgres => {
            let client = crate::common::pg_client(&d.url).await;
            client
                .query(sql, &[])
                .await
                .unwrap()
                .iter()
                .map(|r| {
                    (0..r.len())
                        .map(|i| r.get::<_, Option<String>>(i).unwrap_or("NULL".into()))
                        .collect()
                })
                .collect()
        }
    }
}

pub async fn exec(d: &Dash, sql: &str) {
    match d.backend {
        Backend::Sqlite => rusqlite::Connection::open(&d.url)
            .unwrap()
            .execute_batch(sql)
            .unwrap(),
        Backend::Postgres => {
            let client = crate::common::pg_client(&d.url).await;
            client.batch_execute(sql).await.unwrap();
        }
    }
}

/// SQL that takes a centre back from schema 13 to 12: the coarser figures
/// (migration 13) and the triggers that keep them, gone.
pub fn undo_coarse_figures(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => {
            "DROP TRIGGER unit_figures_added; DROP TRIGGER unit_figures_removed;
             DROP TRIGGER unit_figures_changed; DROP TRIGGER indicator_figures_added;
             DROP TRIGGER indicator_figures_removed; DROP TRIGGER indicator_figures_changed;
             DROP TABLE monthly_unit_figures; DROP TABLE monthly_indicator_unit_figures;
             DROP TABLE decade_unit_figures; DROP TABLE decade_indicator_unit_figures;
             DROP TABLE institute_daily_figures; DROP TABLE institute_indicator_figures;
             PRAGMA user_version = 12;"
        }
        Backend::Postgres => {
            "DROP TRIGGER unit_figures_rolled_up ON daily_unit_figures;
             DROP TRIGGER indicator_figures_rolled_up ON indicator_unit_figures;
             DROP FUNCTION unit_figures_rolled_up(); DROP FUNCTION indicator_figures_rolled_up();
             DROP TABLE monthly_unit_figures; DROP TABLE monthly_indicator_unit_figures;
             DROP TABLE decade_unit_figures; DROP TABLE decade_indicator_unit_figures;
             DROP TABLE institute_daily_figures; DROP TABLE institute_indicator_figures;
             DROP FUNCTION figures_shard(TEXT); DROP FUNCTION figures_decade(DATE);
             UPDATE schema_version SET version = 12;"
        }
    }
}
