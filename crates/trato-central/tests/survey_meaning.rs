//! The centre follows the survey's declared meaning: over a period answered
//! in v1 and in a v3 (a renamed question keeping its indicator, a new
//! indicator, a removed one, a new alert rule), the dashboard's indicators
//! equal counts made in SQL over the raw responses, per version and combined;
//! alerts follow each version's rules; the v1 indicators equal the figures
//! the v1 rollup always showed; and a centre from before the change
//! (schema 5, v1 stored without declarations) migrated and rebuilt shows the
//! same. SQLite and (with `TRATO_TEST_PG_URL`) PostgreSQL.

mod common;
mod dashboard_support;

use std::collections::BTreeMap;

use chrono::Duration;
use common::{backends, Backend};
use dashboard_support::*;
use serde_json::{json, Value};
use trato_central::admin;
use trato_central::dashboard::rollup::rebuild;
use trato_central::dashboard::today;
use trato_central::store::Scope;
use trato_domain::{Answer, Response, ResponseStatus, SurveyDefinition, DEFAULT_SURVEY_V1_JSON};

/// v3 (2 is the shipped default v2): `saludo` asked as `bienvenida` (same
/// indicator, with "no sé"), `respuesta` removed, a new indicator `limpieza`, a new alert rule on it.
fn v3_json() -> String {
    let mut v: Value = serde_json::from_str(DEFAULT_SURVEY_V1_JSON).unwrap();
    v["version"] = json!(3);
    let qs = v["questions"].as_array_mut().unwrap();
    qs.retain(|q| q["id"] != "respuesta");
    let saludo = qs.iter_mut().find(|q| q["id"] == "saludo").unwrap();
    saludo["id"] = json!("bienvenida");
    saludo["prompt"] = json!({ "es": "¿Le dieron la bienvenida?", "en": "Were you welcomed?" });
    saludo["options"]
        .as_array_mut()
        .unwrap()
        .push(json!({ "code": "no_sabe", "label": { "es": "No sé", "en": "Don't know" } }));
    qs.insert(
        5,
        json!({
            "id": "limpieza", "kind": "single_choice", "required": false,
            "indicator": { "key": "limpieza", "label": { "es": "Limpieza", "en": "Cleanliness" } },
            "prompt": { "es": "¿Cómo estaba de limpio?", "en": "How clean was it?" },
            "options": [
                { "code": "limpio", "label": { "es": "Limpio", "en": "Clean" }, "sentiment": "positive" },
                { "code": "regular", "label": { "es": "Regular", "en": "So so" }, "sentiment": "neutral" },
                { "code": "sucio", "label": { "es": "Sucio", "en": "Dirty" }, "sentiment": "negative" },
                { "code": "no_vi", "label": { "es": "No me fijé", "en": "Did not notice" }, "sentiment": "none" }
            ]
        }),
    );
    v["alerts"].as_array_mut().unwrap().push(json!({
        "reason": "limpieza", "label": { "es": "Unidad sucia", "en": "Dirty unit" },
        "question": "limpieza", "any_of": ["sucio"]
    }));
    v.to_string()
}

fn code(q: &str, c: &str) -> Answer {
    Answer {
        question: q.into(),
        codes: vec![c.into()],
        text: None,
    }
}

/// v1 responses as the dashboard tests make them, and v3 responses.
fn data(d: &Dash, rng: &mut Rng, k: &admin::IssuedKiosk) -> Vec<Response> {
    let _ = d;
    let mut all = generate(rng, k, 300, 10);
    for r in generate(rng, k, 300, 10) {
        let mut r = r;
        r.survey_version = 3;
        r.answers.retain(|a| a.question != "respuesta");
        for a in &mut r.answers {
            if a.question == "saludo" {
                a.question = "bienvenida".into();
                if rng.next().is_multiple_of(5) {
                    a.codes = vec!["no_sabe".into()];
                }
            }
        }
        if r.status != ResponseStatus::Abandoned && !rng.next().is_multiple_of(4) {
            let c = rng.pick(&["limpio", "limpio", "regular", "sucio", "no_vi"]);
            let at = r
                .answers
                .iter()
                .position(|a| a.question == "espera")
                .unwrap();
            r.answers.insert(at + 1, code("limpieza", c));
        }
        all.push(r);
    }
    all
}

/// (version, question, code) -> answers, counted in SQL over the raw
/// responses (flagged ones excluded).
async fn raw_counts(d: &Dash) -> BTreeMap<(String, String, String), i64> {
    rows(
        d,
        "SELECT CAST(r.survey_version AS TEXT), a.question, a.code, CAST(COUNT(*) AS TEXT)
         FROM responses r JOIN answers a ON a.response_id = r.id
         WHERE r.status <> 'flagged'
         GROUP BY r.survey_version, a.question, a.code",
    )
    .await
    .into_iter()
    .map(|r| {
        (
            (r[0].clone(), r[1].clone(), r[2].clone()),
            r[3].parse().unwrap(),
        )
    })
    .collect()
}

/// What each indicator should show per version: [answered, pos, neu, neg],
/// from the raw counts and the meaning the test itself spells out.
fn expected(raw: &BTreeMap<(String, String, String), i64>) -> BTreeMap<(String, String), [i64; 4]> {
    // (version, question, indicator, [(code, slot: 1 pos, 2 neu, 3 neg, 0 none)])
    type Meaning<'a> = (&'a str, &'a str, &'a str, &'a [(&'a str, usize)]);
    let meaning: [Meaning; 9] = [
        (
            "1",
            "trato",
            "trato",
            &[("1", 3), ("2", 3), ("3", 2), ("4", 1), ("5", 1)],
        ),
        ("1", "saludo", "saludo", &[("si", 1), ("no", 3)]),
        (
            "1",
            "escucha",
            "escucha",
            &[("si", 1), ("no", 3), ("en_parte", 2)],
        ),
        (
            "1",
            "respuesta",
            "respuesta",
            &[("si", 1), ("no", 3), ("en_parte", 2)],
        ),
        ("1", "respeto", "respeto", &[("si", 1), ("no", 3)]),
        (
            "3",
            "trato",
            "trato",
            &[("1", 3), ("2", 3), ("3", 2), ("4", 1), ("5", 1)],
        ),
        (
            "3",
            "bienvenida",
            "saludo",
            &[("si", 1), ("no", 3), ("no_sabe", 0)],
        ),
        (
            "3",
            "escucha",
            "escucha",
            &[("si", 1), ("no", 3), ("en_parte", 2)],
        ),
        (
            "3",
            "limpieza",
            "limpieza",
            &[("limpio", 1), ("regular", 2), ("sucio", 3), ("no_vi", 0)],
        ),
    ];
    let mut out = BTreeMap::new();
    for (version, question, key, codes) in meaning {
        let mut t = [0i64; 4];
        for (c, slot) in codes {
            let n = raw
                .get(&(version.into(), question.into(), (*c).into()))
                .copied()
                .unwrap_or(0);
            t[0] += n;
            if *slot > 0 {
                t[*slot] += n;
            }
        }
        out.insert((key.to_owned(), version.to_owned()), t);
    }
    // v3 has `respeto` too.
    let mut respeto = [0i64; 4];
    for (c, slot) in [("si", 1), ("no", 3)] {
        let n = raw
            .get(&("3".into(), "respeto".into(), c.into()))
            .copied()
            .unwrap_or(0);
        respeto[0] += n;
        respeto[slot] += n;
    }
    out.insert(("respeto".into(), "3".into()), respeto);
    out
}

fn tally(v: &Value) -> [i64; 4] {
    ["answered", "positive", "neutral", "negative"].map(|k| v[k].as_i64().unwrap())
}

type PerVersion = BTreeMap<(String, String), [i64; 4]>;

/// The API's indicators, per (key, version), and combined per key.
fn api_indicators(summary: &Value) -> (PerVersion, BTreeMap<String, [i64; 4]>) {
    let mut per_version = BTreeMap::new();
    let mut combined = BTreeMap::new();
    for ind in summary["indicators"].as_array().unwrap() {
        let key = ind["key"].as_str().unwrap().to_owned();
        combined.insert(key.clone(), tally(&ind["counts"]));
        for v in ind["versions"].as_array().unwrap() {
            per_version.insert(
                (key.clone(), v["version"].as_u64().unwrap().to_string()),
                tally(&v["counts"]),
            );
        }
    }
    (per_version, combined)
}

async fn check_indicators(d: &Dash, s: &Session, what: &str) -> Value {
    let from = today() - Duration::days(30);
    let summary = d
        .get_json(
            s,
            &format!(
                "/api/v1/dashboard/summary?scope=institute&from={from}&to={}",
                today()
            ),
        )
        .await;
    let want = expected(&raw_counts(d).await);
    let (per_version, combined) = api_indicators(&summary);
    assert_eq!(per_version, want, "{what}: per version");
    let mut want_combined: BTreeMap<String, [i64; 4]> = BTreeMap::new();
    for ((key, _), t) in &want {
        let e = want_combined.entry(key.clone()).or_default();
        for i in 0..4 {
            e[i] += t[i];
        }
    }
    assert_eq!(combined, want_combined, "{what}: combined");
    summary
}

/// response id -> reason, as stored, and as each version's rules say.
async fn check_alerts(d: &Dash, what: &str) {
    let got: BTreeMap<String, String> =
        rows(d, "SELECT CAST(response_id AS TEXT), reason FROM alerts")
            .await
            .into_iter()
            .map(|r| (r[0].clone(), r[1].clone()))
            .collect();
    let answers = rows(
        d,
        "SELECT CAST(r.id AS TEXT), CAST(r.survey_version AS TEXT), a.question, a.code
         FROM responses r JOIN answers a ON a.response_id = r.id
         WHERE r.status <> 'flagged' AND a.code IS NOT NULL",
    )
    .await;
    let mut hits: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for r in &answers {
        let reason = match (r[1].as_str(), r[2].as_str(), r[3].as_str()) {
            (_, "trato", "1" | "2") => Some((0, "trato")),
            (_, "respeto", "no") => Some((1, "respeto")),
            ("3", "limpieza", "sucio") => Some((2, "limpieza")),
            _ => None,
        };
        if let Some((rank, reason)) = reason {
            let e = hits.entry(r[0].clone()).or_default();
            e.push(["0", "1", "2"][rank]);
            e.push(reason);
        }
    }
    let want: BTreeMap<String, String> = hits
        .into_iter()
        .map(|(id, v)| {
            let mut pairs: Vec<(&str, &str)> = v.chunks(2).map(|c| (c[0], c[1])).collect();
            pairs.sort();
            (id, pairs.iter().map(|p| p.1).collect::<Vec<_>>().join(","))
        })
        .collect();
    assert!(
        want.values().any(|r| r.contains("limpieza")),
        "{what}: data has a v3 alert"
    );
    assert!(
        want.values().any(|r| r == "trato,respeto"),
        "{what}: data has a double alert"
    );
    assert_eq!(got, want, "{what}: alerts");
}

async fn wipe_meaning(d: &Dash) {
    exec(
        d,
        "DELETE FROM indicator_figures; DELETE FROM indicator_unit_figures;
         DELETE FROM option_figures; DELETE FROM alerts;",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn indicators_follow_each_version_and_equal_sql() {
    for backend in backends() {
        let d = start(backend).await;
        let store = d.store();
        admin::publish_survey(&*store, &v3_json(), Scope::National)
            .await
            .unwrap();
        let k = d.kiosk("DFIMS000020").await;
        let mut rng = Rng(0x5eed_cafe);
        d.post_batch(&k, data(&d, &mut rng, &k)).await;
        let s = d.login("nacional").await;

        let summary = check_indicators(&d, &s, "after ingest").await;
        check_alerts(&d, "after ingest").await;
        // Labels come from the definitions; the newest version's wins.
        let labels: Vec<(String, String)> = summary["indicators"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| {
                (
                    i["key"].as_str().unwrap().to_owned(),
                    i["label"]["es"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        assert_eq!(
            labels[0],
            ("trato".into(), "Trato".into()),
            "headline first"
        );
        assert!(labels.contains(&("limpieza".into(), "Limpieza".into())));
        let saludo = summary["indicators"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["key"] == "saludo")
            .unwrap();
        assert_eq!(saludo["versions"].as_array().unwrap().len(), 2);

        // `rollup rebuild` makes the same from the stored definitions.
        wipe_meaning(&d).await;
        rebuild(&*store, None, None, |_, _| {}).await.unwrap();
        check_indicators(&d, &s, "after rebuild").await;
        check_alerts(&d, "after rebuild").await;
        d.stop().await;
    }
}

/// The rollup tables as a centre before survey meaning (schema 5) kept them:
/// thirteen counters named after the default survey's questions, filled
/// here from the stored responses exactly as that centre's ingest counted.
fn schema_5_daily_figures(pg: bool) -> String {
    let (day, table_end) = if pg {
        (
            "((r.finished_at AT TIME ZONE 'UTC') + make_interval(mins => r.utc_offset_minutes))::date",
            "",
        )
    } else {
        (
            "date(r.finished_at, r.utc_offset_minutes || ' minutes')",
            " WITHOUT ROWID",
        )
    };
    let day_type = if pg { "DATE" } else { "TEXT" };
    let counters = "responses, trato_n, trato_pos, trato_neg, saludo_n, saludo_si, escucha_n, \
        escucha_si, respuesta_n, respuesta_si, respeto_n, respeto_no, alerts";
    let columns: String = counters
        .split(", ")
        .map(|c| format!("{c} INTEGER NOT NULL, "))
        .collect();
    let sums: String = counters
        .split(", ")
        .map(|c| format!("SUM({c})"))
        .collect::<Vec<_>>()
        .join(", ");
    let yes = |col: &str, code: &str| format!("SUM(CASE WHEN {col} = '{code}' THEN 1 ELSE 0 END)");
    format!(
        "DROP TABLE daily_figures; DROP TABLE daily_unit_figures;
         CREATE TABLE daily_figures (day {day_type} NOT NULL, unit_clues TEXT NOT NULL,
             service_area TEXT NOT NULL, {columns}
             PRIMARY KEY (day, unit_clues, service_area)){table_end};
         CREATE INDEX daily_figures_unit ON daily_figures (unit_clues, day);
         CREATE TABLE daily_unit_figures (day {day_type} NOT NULL, unit_clues TEXT NOT NULL,
             {columns} PRIMARY KEY (day, unit_clues)){table_end};
         CREATE INDEX daily_unit_figures_unit ON daily_unit_figures (unit_clues, day);
         INSERT INTO daily_figures (day, unit_clues, service_area, {counters})
         SELECT day, unit_clues, service_area, COUNT(*),
                COUNT(t), SUM(CASE WHEN t IN ('4', '5') THEN 1 ELSE 0 END),
                SUM(CASE WHEN t IN ('1', '2') THEN 1 ELSE 0 END),
                COUNT(s), {s_si}, COUNT(e), {e_si}, COUNT(q), {q_si}, COUNT(x), {x_no},
                SUM(CASE WHEN t IN ('1', '2') OR x = 'no' THEN 1 ELSE 0 END)
         FROM (SELECT {day} AS day, r.unit_clues, r.service_area,
                      MAX(CASE WHEN a.question = 'trato' THEN a.code END) AS t,
                      MAX(CASE WHEN a.question = 'saludo' THEN a.code END) AS s,
                      MAX(CASE WHEN a.question = 'escucha' THEN a.code END) AS e,
                      MAX(CASE WHEN a.question = 'respuesta' THEN a.code END) AS q,
                      MAX(CASE WHEN a.question = 'respeto' THEN a.code END) AS x
               FROM responses r LEFT JOIN answers a ON a.response_id = r.id
               WHERE r.status <> 'flagged'
               GROUP BY r.id, r.finished_at, r.utc_offset_minutes, r.unit_clues,
                        r.service_area) per_response
         GROUP BY day, unit_clues, service_area;
         INSERT INTO daily_unit_figures (day, unit_clues, {counters})
         SELECT day, unit_clues, {sums} FROM daily_figures GROUP BY day, unit_clues;",
        s_si = yes("s", "si"),
        e_si = yes("e", "si"),
        q_si = yes("q", "si"),
        x_no = yes("x", "no"),
    )
}

/// The default survey v2, known to the centre from its first day: its "No
/// sé / No aplica" (on `respuesta`) counts in `answered` but in none of
/// positive, neutral and negative (the base of its percentages); its "No
/// recuerdo" (on `espera`) is stored as asked.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_default_v2s_no_opinion_answers_count_as_answered_only() {
    for backend in backends() {
        let d = start(backend).await;
        let k = d.kiosk("DFIMS000020").await;
        let mut rng = Rng(0x0b5e_55ed);
        let mut responses = generate(&mut rng, &k, 300, 10);
        for r in &mut responses {
            r.survey_version = 2;
            for a in &mut r.answers {
                if a.question == "respuesta" && rng.next().is_multiple_of(3) {
                    a.codes = vec!["no_sabe".into()];
                }
                if a.question == "espera" && rng.next().is_multiple_of(4) {
                    a.codes = vec!["no_recuerda".into()];
                }
            }
        }
        d.post_batch(&k, responses).await;
        let raw = raw_counts(&d).await;
        let n = |q: &str, c: &str| {
            raw.get(&("2".into(), q.into(), c.into()))
                .copied()
                .unwrap_or(0)
        };
        let (si, en_parte, no, no_sabe) = (
            n("respuesta", "si"),
            n("respuesta", "en_parte"),
            n("respuesta", "no"),
            n("respuesta", "no_sabe"),
        );
        assert!(
            no_sabe > 0 && si > 0 && n("espera", "no_recuerda") > 0,
            "{raw:?}"
        );

        let s = d.login("nacional").await;
        // The institute's last 30 days.
        let month = format!(
            "/api/v1/dashboard/summary?scope=institute&from={}&to={}",
            today() - Duration::days(30),
            today()
        );
        let sm = d.get_json(&s, &month).await;
        let respuesta = sm["indicators"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["key"] == "respuesta")
            .expect("respuesta")
            .clone();
        assert_eq!(
            tally(&respuesta["counts"]),
            [si + en_parte + no + no_sabe, si, en_parte, no],
            "{backend:?}"
        );
        let versions: Vec<u64> = respuesta["versions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["version"].as_u64().unwrap())
            .collect();
        assert_eq!(versions, [2]);
        let expected = 100.0 * si as f64 / (si + en_parte + no) as f64;
        let got = respuesta["pct_positive"].as_f64().unwrap();
        assert!((got - expected).abs() < 0.051, "{got} vs {expected}");

        // `rollup rebuild` counts them the same way.
        rebuild(&*d.store(), None, None, |_, _| {}).await.unwrap();
        let again = d.get_json(&s, &month).await;
        assert_eq!(again["indicators"], sm["indicators"], "{backend:?}");
        d.stop().await;
    }
}

/// A centre from before this change: schema 5 (before migration 6), the
/// default survey stored without declarations, no indicator tables, the
/// rollups' per-question counters, alerts made by the old rule. Opening it
/// migrates and declares v1's meaning, keeping the response and alert
/// counts; `rollup rebuild` fills the indicators: the same figures and
/// alerts as a centre that had them all along.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn centre_from_schema_5_migrates_and_rebuilds_to_the_same_figures() {
    for backend in backends() {
        let d = start(backend).await;
        let k = d.kiosk("DFIMS000020").await;
        let mut rng = Rng(0x0dd_ba11);
        d.post_batch(&k, generate(&mut rng, &k, 400, 10)).await;
        let s = d.login("nacional").await;
        let from = today() - Duration::days(30);
        let path = format!(
            "/api/v1/dashboard/summary?scope=institute&from={from}&to={}",
            today()
        );
        let before = d.get_json(&s, &path).await;
        let alerts_before = rows(
            &d,
            "SELECT CAST(response_id AS TEXT), reason FROM alerts ORDER BY 1",
        )
        .await;
        assert!(!alerts_before.is_empty());

        // Back to schema 5 as an older centre left it (undoing 0006 to 0013).
        exec(&d, undo_coarse_figures(backend)).await;
        let plain = SurveyDefinition::from_json(DEFAULT_SURVEY_V1_JSON)
            .unwrap()
            .without_meaning();
        let plain_json = serde_json::to_string(&plain).unwrap().replace('\'', "''");
        let old_rollups = schema_5_daily_figures(backend == Backend::Postgres);
        let (version, counts) = match backend {
            Backend::Sqlite => (
                "PRAGMA user_version = 5;",
                "DROP TRIGGER alert_counts_raised; DROP TRIGGER alert_counts_attended;",
            ),
            Backend::Postgres => (
                "UPDATE schema_version SET version = 5;",
                "DROP TRIGGER alert_counts_raised ON alerts;
                 DROP TRIGGER alert_counts_attended ON alerts;
                 DROP FUNCTION alert_counts_raised(); DROP FUNCTION alert_counts_attended();",
            ),
        };
        exec(
            &d,
            &format!(
                "{counts} DROP TABLE alert_counts;
                 DROP TABLE alert_events; DROP TABLE comments;
                 DROP INDEX alerts_finished; DROP INDEX alerts_open_finished;
                 DROP INDEX alerts_counts; ALTER TABLE alerts DROP COLUMN assigned_to;
                 DROP TABLE indicator_figures; DROP TABLE indicator_unit_figures;
                 DROP TABLE option_figures; DROP TABLE kiosk_surveys;
                 ALTER TABLE survey_publications DROP COLUMN scope_kind;
                 ALTER TABLE survey_publications DROP COLUMN scope_code;
                 ALTER TABLE survey_publications DROP COLUMN active_from;
                 ALTER TABLE survey_publications DROP COLUMN withdrawn_at;
                 {old_rollups}
                 DROP TABLE unit_hours; DROP TABLE mail_outbox; DROP TABLE mail_digests;
                 ALTER TABLE kiosks DROP COLUMN last_backlog;
                 ALTER TABLE kiosks DROP COLUMN last_survey_id;
                 ALTER TABLE kiosks DROP COLUMN last_survey_version;
                 ALTER TABLE kiosks DROP COLUMN last_utc_offset_minutes;
                 {version}
                 UPDATE surveys SET definition = '{plain_json}', content_hash = 'old'
                 WHERE survey_id = 'trato-digno' AND version = 1;"
            ),
        )
        .await;
        // A second store on the same database, as `trato-central` started
        // after the upgrade: it migrates on open.
        let store = trato_central::open_store(&d.url).await.unwrap();
        let stored = store.survey("trato-digno", 1).await.unwrap().unwrap();
        assert_eq!(
            SurveyDefinition::from_json(&stored).unwrap(),
            SurveyDefinition::from_json(DEFAULT_SURVEY_V1_JSON).unwrap(),
            "the stored v1 gains its declarations"
        );
        // Migrated, not yet rebuilt: responses and alerts are all there.
        let migrated = d.get_json(&s, &path).await;
        for n in ["responses", "alerts"] {
            assert_eq!(migrated["totals"][n], before["totals"][n], "{n}");
        }
        let report = rebuild(&*store, None, None, |_, _| {}).await.unwrap();
        assert!(report.responses > 0);
        drop(store);

        let after = d.get_json(&s, &path).await;
        for part in ["totals", "days", "units", "indicators"] {
            let strip = |v: &Value| {
                let mut v = v[part].clone();
                if let Some(units) = v.as_array_mut() {
                    for u in units {
                        if let Some(o) = u.as_object_mut() {
                            o.remove("last_contact");
                            o.remove("last_contact_local");
                            o.remove("silent");
                        }
                    }
                }
                v
            };
            assert_eq!(strip(&after), strip(&before), "{part}");
        }
        let alerts_after = rows(
            &d,
            "SELECT CAST(response_id AS TEXT), reason FROM alerts ORDER BY 1",
        )
        .await;
        assert_eq!(alerts_after, alerts_before);
        d.stop().await;
    }
}
