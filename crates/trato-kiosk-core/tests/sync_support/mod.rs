//! Shared by the sync tests and the sync benchmark: the real `trato-central`
//! in-process on loopback with a fresh SQLite file, and kiosks with many
//! pending responses.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{Duration, Utc};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use trato_central::{admin, open_store, AppState, Config, Store as CentreStore};
use trato_domain::{Answer, Response, ResponseStatus};
use trato_kiosk_core::{Kiosk, Store};
use uuid::Uuid;

pub const UNIT: &str = "DFIMS000020";

/// The centre's database, before or while it serves.
pub struct CentreDb {
    pub dir: tempfile::TempDir,
    pub path: PathBuf,
    pub store: Arc<dyn CentreStore>,
}

pub async fn centre_db() -> CentreDb {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("central.db");
    let store = open_store(path.to_str().expect("utf-8 path"))
        .await
        .expect("open the centre's store");
    CentreDb { dir, path, store }
}

impl CentreDb {
    /// Registers a kiosk under its own id; returns its token.
    pub async fn register(&self, kiosk_id: &str) -> String {
        admin::add_kiosk_with_id(&*self.store, UNIT, "Quiosco de prueba", Some(kiosk_id))
            .await
            .expect("add kiosk")
            .token
    }

    /// `(rows, distinct ids)` in the centre's `responses` table.
    pub fn counts(&self) -> (i64, i64) {
        let conn = rusqlite::Connection::open(&self.path).expect("open the centre's file");
        conn.query_row(
            "SELECT COUNT(*), COUNT(DISTINCT id) FROM responses",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("count")
    }
}

/// A running centre.
pub struct Centre {
    pub addr: SocketAddr,
    pub state: AppState,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

/// No rate limit: the tests and benchmarks post as fast as they can.
pub fn unlimited() -> Config {
    Config {
        rate_per_sec: 0.0,
        ..Config::default()
    }
}

pub async fn serve(db: &CentreDb, listener: TcpListener, config: Config) -> Centre {
    let addr = listener.local_addr().expect("addr");
    let state = AppState::new(db.store.clone(), config);
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(trato_central::serve(listener, state.clone(), async {
        let _ = stopped.await;
    }));
    Centre {
        addr,
        state,
        stop: Some(stop),
        task: Some(task),
    }
}

/// The real centre on a free loopback port, without rate limits.
pub async fn serve_on_free_port(db: &CentreDb) -> Centre {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    serve(db, listener, unlimited()).await
}

impl Centre {
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub async fn stop(mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.task.take() {
            let _ = t.await;
        }
    }
}

/// A configured kiosk in a temporary folder.
pub struct TestKiosk {
    pub dir: tempfile::TempDir,
    pub kiosk: Kiosk,
}

pub fn kiosk() -> TestKiosk {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut kiosk = Kiosk::open(dir.path()).expect("open kiosk");
    kiosk
        .update_settings(&[("unit.clues", UNIT), ("unit.name", "HGZ 1")])
        .expect("settings");
    TestKiosk { dir, kiosk }
}

impl TestKiosk {
    pub fn db(&self) -> PathBuf {
        self.kiosk.store().path().to_owned()
    }

    pub fn id(&self) -> String {
        self.kiosk.settings().kiosk_id.clone()
    }

    pub fn point_at(&mut self, endpoint: &str, token: &str) {
        self.kiosk
            .update_settings(&[("sync.endpoint", endpoint), ("sync.token", token)])
            .expect("sync settings");
    }

    /// Stores `n` valid responses in one transaction; returns their ids.
    pub fn add_responses(&self, n: usize) -> Vec<Uuid> {
        add_responses(&self.db(), &self.id(), n)
    }

    pub fn counts(&self) -> trato_kiosk_core::store::ResponseCounts {
        self.kiosk.store().response_counts().expect("counts")
    }
}

pub fn add_responses(db: &Path, kiosk_id: &str, n: usize) -> Vec<Uuid> {
    let mut store = Store::open_existing(db).expect("second connection");
    let now = Utc::now();
    let responses: Vec<Response> = (0..n)
        .map(|i| response(kiosk_id, now - Duration::seconds((n - i) as i64)))
        .collect();
    store
        .insert_responses_in_one_transaction(&responses)
        .expect("insert");
    responses.iter().map(|r| r.id).collect()
}

/// A complete response to the default survey, with a unicode comment.
pub fn response(kiosk_id: &str, at: chrono::DateTime<Utc>) -> Response {
    let choice = |q: &str, c: &str| Answer {
        question: q.into(),
        codes: vec![c.into()],
        text: None,
    };
    Response {
        id: Uuid::now_v7(),
        survey_id: "trato-digno".into(),
        survey_version: 1,
        unit_clues: UNIT.into(),
        unit_name: "HGZ 1".into(),
        service_area: "Urgencias".into(),
        kiosk_id: kiosk_id.into(),
        language: "es".into(),
        started_at: at - Duration::seconds(40),
        finished_at: at,
        utc_offset_minutes: -360,
        status: ResponseStatus::Complete,
        flag_reason: None,
        answers: vec![
            choice("trato", "5"),
            choice("saludo", "si"),
            choice("escucha", "en_parte"),
            choice("respuesta", "si"),
            choice("respeto", "si"),
            choice("espera", "30_a_60"),
            Answer {
                question: "comentario".into(),
                codes: vec![],
                text: Some("Muy amables, gracias 🙏 señora Núñez".into()),
            },
        ],
    }
}
