//! Centre ingest under load: N simulated kiosks posting 200-response batches
//! concurrently. Ignored by default (a measurement, not a check); run with
//! `cargo test --release -p trato-central --test throughput -- --ignored --nocapture`.

mod common;

use std::time::{Duration, Instant};

use chrono::Utc;
use common::*;
use trato_central::ingest::encode_batch;
use trato_central::Config;

const KIOSKS: usize = 50;
const BATCHES_PER_KIOSK: usize = 10;
const PER_BATCH: usize = 200;

#[tokio::test(flavor = "multi_thread")]
#[ignore]
async fn ingest_throughput() {
    for b in backends() {
        let s = start_with(
            b,
            Config {
                rate_per_sec: 0.0,
                ..Config::default()
            },
        )
        .await;
        let mut bodies = Vec::new();
        for _ in 0..KIOSKS {
            let k = s.kiosk(UNIT).await;
            let batches: Vec<Vec<u8>> = (0..BATCHES_PER_KIOSK)
                .map(|_| {
                    let rs = (0..PER_BATCH).map(|_| response(&k, Utc::now())).collect();
                    encode_batch(&batch(&k, rs)).unwrap()
                })
                .collect();
            bodies.push((k.token.clone(), batches));
        }
        let start = Instant::now();
        let mut tasks = tokio::task::JoinSet::new();
        for (token, batches) in bodies {
            let (client, url) = (s.client.clone(), s.url("/api/v1/batches"));
            tasks.spawn(async move {
                let mut lat = Vec::new();
                for body in batches {
                    let t = Instant::now();
                    let resp = client
                        .post(&url)
                        .bearer_auth(&token)
                        .header("content-encoding", "gzip")
                        .body(body)
                        .send()
                        .await
                        .unwrap();
                    assert_eq!(resp.status(), 200);
                    resp.bytes().await.unwrap();
                    lat.push(t.elapsed());
                }
                lat
            });
        }
        let mut lat: Vec<Duration> = tasks.join_all().await.into_iter().flatten().collect();
        let elapsed = start.elapsed();
        lat.sort();
        let total = KIOSKS * BATCHES_PER_KIOSK * PER_BATCH;
        assert_eq!(s.counts().await.0, total as u64);
        let p99 = lat[(lat.len() * 99 / 100).min(lat.len() - 1)];
        println!(
            "{b:?}: {total} responses from {KIOSKS} kiosks in {:.2} s = {:.0} responses/s, p99 batch latency {:.0} ms",
            elapsed.as_secs_f64(),
            total as f64 / elapsed.as_secs_f64(),
            p99.as_secs_f64() * 1000.0
        );
        s.stop().await;
    }
}
