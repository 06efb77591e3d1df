//! Durable submit: p50/p99 of committing one complete response (8 answers)
//! through `Kiosk::submit`, the code the `submit_response` command runs,
//! beside the floor: a bare rusqlite insert of the same rows, through cached
//! statements, into the product's own tables and indexes (their SQL read
//! from a database the kiosk created), with the same pragmas (WAL,
//! synchronous=FULL, foreign keys) on the same disk, and no checkpoint in
//! the way.
//!
//! `cargo bench -p trato-kiosk-core --bench durable_submit` (figures in docs/PERFORMANCE.md).
//! Set TRATO_BENCH_DIR to measure on a particular disk (default: the temp dir).

use std::time::{Duration, Instant};

use trato_domain::Answer;
use trato_kiosk_core::Kiosk;

const ROUNDS: usize = 2000;

fn answers() -> Vec<Answer> {
    let choice = |q: &str, c: &str| Answer {
        question: q.into(),
        codes: vec![c.into()],
        text: None,
    };
    vec![
        choice("trato", "2"),
        choice("saludo", "si"),
        choice("escucha", "en_parte"),
        choice("respuesta", "no"),
        choice("respeto", "si"),
        choice("espera", "1_a_2_horas"),
        Answer {
            question: "mejorar".into(),
            codes: vec!["tiempo_espera".into()],
            text: None,
        },
        Answer {
            question: "comentario".into(),
            codes: vec![],
            text: Some("La espera fue larga, pero me atendieron con amabilidad.".into()),
        },
    ]
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn report(name: &str, mut samples: Vec<Duration>) -> (Duration, Duration) {
    samples.sort();
    let (p50, p99) = (percentile(&samples, 0.50), percentile(&samples, 0.99));
    println!(
        "{name:<28} p50 {:>8.3} ms   p99 {:>8.3} ms   max {:>8.3} ms   (n={})",
        p50.as_secs_f64() * 1e3,
        p99.as_secs_f64() * 1e3,
        samples.last().unwrap().as_secs_f64() * 1e3,
        samples.len()
    );
    (p50, p99)
}

fn bench_dir() -> tempfile::TempDir {
    match std::env::var_os("TRATO_BENCH_DIR") {
        Some(dir) => tempfile::tempdir_in(dir).unwrap(),
        None => tempfile::tempdir().unwrap(),
    }
}

/// The product path: a session started, answers checked, flagged or not, committed.
fn kiosk_submit() -> Vec<Duration> {
    let dir = bench_dir();
    let mut kiosk = Kiosk::open(dir.path()).unwrap();
    kiosk
        .update_settings(&[("survey.min_interval_seconds", "0")])
        .unwrap();
    let answers = answers();
    (0..ROUNDS)
        .map(|_| {
            let id = kiosk.start_survey("es").unwrap();
            let start = Instant::now();
            kiosk.submit(id, "es", &answers).unwrap();
            start.elapsed()
        })
        .collect()
}

/// The kiosk's `surveys`, `responses` and `answers` tables and their
/// indexes, as SQL read from a database the kiosk itself created: the floor
/// writes into exactly the product's schema, whatever migrations made it.
fn product_schema() -> Vec<String> {
    let dir = bench_dir();
    drop(Kiosk::open(dir.path()).unwrap());
    let conn = rusqlite::Connection::open(dir.path().join("kiosk.db")).unwrap();
    let mut stmt = conn
        .prepare(
            "SELECT sql FROM sqlite_master
             WHERE tbl_name IN ('surveys', 'responses', 'answers') AND sql IS NOT NULL
             ORDER BY type = 'table' DESC, rowid",
        )
        .unwrap();
    let schema: Vec<String> = stmt
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(
        schema.iter().any(|s| s.contains("CREATE INDEX")),
        "{schema:?}"
    );
    schema
}

/// The floor: the same rows written by hand into the same schema with the
/// same pragmas, each statement compiled once. SQLite's automatic
/// checkpoint is off: the floor pays for nothing but the commit.
fn bare_insert() -> Vec<Duration> {
    let dir = bench_dir();
    let mut conn = rusqlite::Connection::open(dir.path().join("floor.db")).unwrap();
    conn.pragma_update(None, "journal_mode", "WAL").unwrap();
    conn.pragma_update(None, "synchronous", "FULL").unwrap();
    conn.pragma_update(None, "foreign_keys", "ON").unwrap();
    conn.pragma_update(None, "wal_autocheckpoint", 0).unwrap();
    for sql in product_schema() {
        conn.execute_batch(&sql).unwrap();
    }
    conn.execute(
        "INSERT INTO surveys (id, version, definition, installed_at)
         VALUES ('trato-digno', 1, '{}', '2026-11-30T16:00:00.000Z')",
        [],
    )
    .unwrap();
    let answers = answers();
    (1..=ROUNDS as i64)
        .map(|seq| {
            let id = uuid::Uuid::now_v7().to_string();
            let start = Instant::now();
            let tx = conn.transaction().unwrap();
            tx.prepare_cached(
                "INSERT INTO responses (id, seq, survey_id, survey_version, unit_clues, unit_name,
                     service_area, kiosk_id, language, started_at, finished_at, utc_offset_minutes,
                     status, flag_reason)
                 VALUES (?1, ?2, 'trato-digno', 1, 'DFIMS000020', 'HGZ 1', 'Urgencias', 'k1', 'es',
                     '2026-11-30T16:00:00.000Z', '2026-11-30T16:01:00.000Z', -360, 'complete', NULL)",
            )
            .unwrap()
            .execute((&id, seq))
            .unwrap();
            {
                let mut insert = tx
                    .prepare_cached(
                        "INSERT INTO answers (response_id, question_id, position, option_code, text)
                         VALUES (?1, ?2, 0, ?3, ?4)",
                    )
                    .unwrap();
                for a in &answers {
                    insert
                        .execute((&id, &a.question, a.codes.first(), a.text.as_ref()))
                        .unwrap();
                }
            }
            tx.commit().unwrap();
            start.elapsed()
        })
        .collect()
}

fn main() {
    // `cargo test --benches` runs this binary with `--bench` absent: stay quick.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    println!(
        "durable submit: one response with 8 answers, WAL + synchronous=FULL, {ROUNDS} rounds"
    );
    let (floor50, floor99) = report("bare rusqlite insert (floor)", bare_insert());
    let (p50, p99) = report("Kiosk::submit", kiosk_submit());
    println!(
        "ratio to floor: p50 {:.2}x, p99 {:.2}x (target: p99 < 2 ms and <= 1.5x)",
        p50.as_secs_f64() / floor50.as_secs_f64(),
        p99.as_secs_f64() / floor99.as_secs_f64()
    );
}
