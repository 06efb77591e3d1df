//! The real-time tablero end to end (a measurement; ignored): from a
//! patient's last tap on a kiosk to the `batch` event on a dashboard page's
//! open stream. 50 kiosks (the real kiosk core, each with its own SQLite
//! file and its real sync service task, default options) tap "Enviar" at the
//! same instant, round after round; the centre is the real `trato-central`
//! on loopback with an open `/api/v1/dashboard/events` stream of a national
//! account. Each kiosk is in a unit of its own, so each event names the tap
//! it answers.
//!
//! The floor: the same POST of the same kind of batch (one response, built
//! by the kiosk core's own batch code and sent by its client), 50 at once,
//! with no kiosk queueing (no wake delay, no sync task): from the POST to
//! the same event. Target: p99 under 2 s.
//!
//! `cargo test --release -p trato-central --test realtime_latency -- --ignored --nocapture`
//! runs SQLite, and PostgreSQL too with `TRATO_TEST_PG_URL`;
//! `TRATO_BENCH_ROUNDS=N` (default 20) changes the rounds. Figures in
//! docs/PERFORMANCE.md.

mod common;
mod dashboard_support;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::backends;
use dashboard_support::*;
use tokio::sync::mpsc;
use trato_central::admin;
use trato_domain::Answer;
use trato_kiosk_core::sync::apply::apply_reply;
use trato_kiosk_core::sync::batch::{next_batch, Sender};
use trato_kiosk_core::sync::{
    spawn_service, CentreClient, ServiceOptions, SyncHandle, SyncOptions, Syncer, Timeouts,
};
use trato_kiosk_core::Kiosk;

const KIOSKS: usize = 50;

fn rounds() -> usize {
    std::env::var("TRATO_BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20)
}

/// A complete response of the default survey with a comment.
fn answers() -> Vec<Answer> {
    let choice = |q: &str, c: &str| Answer {
        question: q.into(),
        codes: vec![c.into()],
        text: None,
    };
    vec![
        choice("trato", "4"),
        choice("saludo", "si"),
        choice("escucha", "si"),
        choice("respuesta", "si"),
        choice("respeto", "si"),
        choice("espera", "menos_30"),
        Answer {
            question: "comentario".into(),
            codes: vec![],
            text: Some("Me atendieron bien y a tiempo.".into()),
        },
    ]
}

/// A kiosk of its own unit (`DFIMS9xxxxx`), registered and pointed at the centre.
struct BenchKiosk {
    _dir: tempfile::TempDir,
    kiosk: Arc<Mutex<Kiosk>>,
    db: PathBuf,
    id: String,
    unit: String,
    token: String,
}

async fn bench_kiosk(d: &Dash, n: usize) -> BenchKiosk {
    let unit = format!("DFIMS9{n:05}");
    let dir = tempfile::tempdir().unwrap();
    let mut kiosk = Kiosk::open(dir.path()).unwrap();
    kiosk
        .update_settings(&[
            ("unit.clues", unit.as_str()),
            ("unit.name", "Unidad de medición"),
            // Patients every few hundred milliseconds: not "too soon" here.
            ("survey.min_interval_seconds", "0"),
        ])
        .unwrap();
    let id = kiosk.settings().kiosk_id.clone();
    let token = admin::add_kiosk_with_id(&*d.store(), &unit, "Quiosco", Some(&id))
        .await
        .unwrap()
        .token;
    kiosk
        .update_settings(&[("sync.endpoint", d.base.as_str()), ("sync.token", &token)])
        .unwrap();
    let db = kiosk.store().path().to_owned();
    BenchKiosk {
        _dir: dir,
        kiosk: Arc::new(Mutex::new(kiosk)),
        db,
        id,
        unit,
        token,
    }
}

/// The patient's last tap: a survey started earlier, then `Kiosk::submit`
/// (the `submit_response` command's work). Returns when the tap happened.
async fn tap(k: &Arc<Mutex<Kiosk>>) -> Instant {
    let k = k.clone();
    tokio::task::spawn_blocking(move || {
        let mut k = k.lock().unwrap();
        let id = k.start_survey("es").unwrap();
        let at = Instant::now();
        k.submit(id, "es", &answers()).unwrap();
        at
    })
    .await
    .unwrap()
}

/// Reads the national page's stream: each `batch` event's unit and arrival.
fn listen(mut stream: reqwest::Response) -> mpsc::UnboundedReceiver<(String, Instant)> {
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        let mut buf = String::new();
        while let Ok(Some(chunk)) = stream.chunk().await {
            let at = Instant::now();
            buf.push_str(&String::from_utf8_lossy(&chunk));
            while let Some(end) = buf.find("\n\n") {
                let event: String = buf.drain(..end + 2).collect();
                if !event.contains("event: batch") {
                    continue;
                }
                let Some(data) = event.lines().find_map(|l| l.strip_prefix("data: ")) else {
                    continue;
                };
                let v: serde_json::Value = serde_json::from_str(data).unwrap();
                let unit = v["unit_clues"].as_str().unwrap().to_owned();
                if tx.send((unit, at)).is_err() {
                    return;
                }
            }
        }
    });
    rx
}

/// Waits for one event per unit in `started`; returns each tap's latency.
async fn collect(
    events: &mut mpsc::UnboundedReceiver<(String, Instant)>,
    started: &HashMap<String, Instant>,
) -> Vec<Duration> {
    let mut out = HashMap::new();
    while out.len() < started.len() {
        let (unit, at) = tokio::time::timeout(Duration::from_secs(60), events.recv())
            .await
            .expect("every kiosk's event within a minute")
            .expect("the stream stays open");
        if let Some(t) = started.get(&unit) {
            out.entry(unit).or_insert(at - *t);
        }
    }
    out.into_values().collect()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn report(name: &str, mut samples: Vec<Duration>) -> (Duration, Duration) {
    samples.sort();
    let (p50, p99) = (percentile(&samples, 0.50), percentile(&samples, 0.99));
    println!(
        "{name:<44} p50 {:>7.1} ms   p99 {:>7.1} ms   max {:>7.1} ms   (n={})",
        p50.as_secs_f64() * 1e3,
        p99.as_secs_f64() * 1e3,
        samples.last().unwrap().as_secs_f64() * 1e3,
        samples.len()
    );
    (p50, p99)
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into())
}

/// The floor's round: each kiosk's new response built into a batch by the
/// kiosk core's batch code, then all POSTed at once by its client; the
/// replies applied afterwards (untimed) so the next round's batch is new.
async fn floor_round(
    kiosks: &[BenchKiosk],
    clients: &[CentreClient],
    events: &mut mpsc::UnboundedReceiver<(String, Instant)>,
) -> Vec<Duration> {
    let mut batches = Vec::new();
    for k in kiosks {
        tap(&k.kiosk).await;
        let sender = Sender {
            kiosk_id: k.id.clone(),
            unit_clues: k.unit.clone(),
            ..Sender::default()
        };
        let kiosk = k.kiosk.lock().unwrap();
        let batch = next_batch(kiosk.store(), &sender, chrono::Utc::now(), 200, 1 << 20)
            .unwrap()
            .unwrap();
        assert_eq!(batch.len(), 1);
        batches.push(batch);
    }
    let mut started = HashMap::new();
    let mut posts = Vec::new();
    for ((k, c), b) in kiosks.iter().zip(clients).zip(&batches) {
        let (c, body) = (c.clone(), b.body.clone());
        started.insert(k.unit.clone(), Instant::now());
        posts.push(tokio::spawn(async move { c.post_batch(body).await }));
    }
    let latencies = collect(events, &started).await;
    for ((k, post), b) in kiosks.iter().zip(posts).zip(&batches) {
        let reply = post.await.unwrap().unwrap().body;
        let mut store = trato_kiosk_core::Store::open_existing(&k.db).unwrap();
        apply_reply(&mut store, b, &reply, chrono::Utc::now()).unwrap();
    }
    latencies
}

/// The product's round: all kiosks tap at once; each tells its sync
/// service, as the `submit_response` command does.
async fn kiosk_round(
    kiosks: &[BenchKiosk],
    handles: &[SyncHandle],
    events: &mut mpsc::UnboundedReceiver<(String, Instant)>,
) -> Vec<Duration> {
    let taps: Vec<_> = kiosks
        .iter()
        .zip(handles)
        .map(|(k, h)| {
            let (kiosk, h) = (k.kiosk.clone(), h.clone());
            tokio::spawn(async move {
                let at = tap(&kiosk).await;
                h.response_stored();
                at
            })
        })
        .collect();
    let mut started = HashMap::new();
    for (k, t) in kiosks.iter().zip(taps) {
        started.insert(k.unit.clone(), t.await.unwrap());
    }
    collect(events, &started).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "a measurement: run in release with --ignored --nocapture"]
async fn last_tap_to_dashboard_event_with_50_kiosks_at_once() {
    for b in backends() {
        let d = start(b).await;
        let nat = d.login("nacional").await;
        let stream = d.get(&nat, "/api/v1/dashboard/events").await;
        assert_eq!(stream.status(), 200);
        let mut events = listen(stream);

        let mut floor_kiosks = Vec::new();
        let mut product_kiosks = Vec::new();
        for n in 0..KIOSKS {
            floor_kiosks.push(bench_kiosk(&d, n).await);
            product_kiosks.push(bench_kiosk(&d, KIOSKS + n).await);
        }
        let clients: Vec<CentreClient> = floor_kiosks
            .iter()
            .map(|k| CentreClient::new(&d.base, &k.token, "", Timeouts::default()).unwrap())
            .collect();
        let mut handles = Vec::new();
        let mut tasks = Vec::new();
        for k in &product_kiosks {
            let syncer = Syncer::open(&k.db, SyncOptions::default()).unwrap();
            let (h, task) = spawn_service(syncer, ServiceOptions::default(), Box::new(|_| {}));
            handles.push(h);
            tasks.push(tokio::spawn(task));
        }
        // The services' first look (nothing pending) and a warm-up round each.
        tokio::time::sleep(Duration::from_secs(2)).await;
        floor_round(&floor_kiosks, &clients, &mut events).await;
        kiosk_round(&product_kiosks, &handles, &mut events).await;

        let load_before = load_average();
        let (mut floor, mut product) = (Vec::new(), Vec::new());
        for _ in 0..rounds() {
            // Idle kiosks between patients, as in a clinic.
            tokio::time::sleep(Duration::from_millis(500)).await;
            floor.extend(floor_round(&floor_kiosks, &clients, &mut events).await);
            tokio::time::sleep(Duration::from_millis(500)).await;
            product.extend(kiosk_round(&product_kiosks, &handles, &mut events).await);
        }
        println!(
            "{b:?}: {KIOSKS} kiosks at once, {} rounds; load average before {load_before}, after {}",
            rounds(),
            load_average()
        );
        let (f50, f99) = report("floor: the same POST, no kiosk queueing", floor);
        let (p50, p99) = report("last tap -> dashboard event", product);
        println!(
            "{b:?}: ratio p50 {:.2}x, p99 {:.2}x; target p99 under 2 s: {}",
            p50.as_secs_f64() / f50.as_secs_f64(),
            p99.as_secs_f64() / f99.as_secs_f64(),
            if p99 < Duration::from_secs(2) {
                "met"
            } else {
                "NOT met"
            }
        );
        for h in &handles {
            h.stop();
        }
        for t in tasks {
            t.await.unwrap();
        }
        d.stop().await;
    }
}
