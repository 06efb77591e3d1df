//! Surveys that change, end to end with the REAL `trato-central` on loopback:
//! a kiosk answers v1 (set up before the default v2 shipped, it keeps v1);
//! mid-period the centre publishes v3 (a renamed
//! question keeping its indicator, a new indicator, a removed one, a new
//! alert rule); the kiosk adopts it through sync between patients and
//! answers v3. The dashboard API's indicators for the period equal counts
//! made in SQL over the raw responses, per version and combined, and alerts
//! follow each version's own rules. Also: a unit-scoped publication reaches
//! that unit's kiosks only, and a kiosk that reads an older survey format is
//! never offered a newer one (it keeps its survey, says why, keeps sending).

mod sync_support;

use std::collections::BTreeMap;

use chrono::Duration;
use serde_json::{json, Value};
use sync_support::*;
use trato_central::admin;
use trato_central::store::Scope;
use trato_domain::{Answer, SurveyDefinition, DEFAULT_SURVEY_V1_JSON};
use trato_kiosk_core::sync::{SyncOptions, Syncer};

/// A kiosk set up before the default v2 shipped: it runs v1.
fn kiosk_on_v1() -> TestKiosk {
    let mut k = kiosk();
    k.kiosk
        .update_settings(&[("survey.active_version", "1")])
        .unwrap();
    k
}

const PASSWORD: &str = "una clave larga de prueba";

/// v3: `saludo` asked as `bienvenida` (same indicator, with "no sé"),
/// `respuesta` removed, a new indicator `limpieza` with its alert rule.
fn v3() -> SurveyDefinition {
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
    SurveyDefinition::from_json(&v.to_string()).expect("v3 is valid")
}

fn code(q: &str, c: &str) -> Answer {
    Answer {
        question: q.into(),
        codes: vec![c.into()],
        text: None,
    }
}

/// Patient `i`'s answers to v1: every trato face, and "no" to respeto on
/// some, so each alert reason (and both at once) occurs.
fn v1_answers(i: usize) -> Vec<Answer> {
    let trato = ["1", "2", "3", "4", "5", "4", "5", "2"][i % 8];
    let mut a = vec![
        code("trato", trato),
        code("saludo", ["si", "no"][i % 2]),
        code("escucha", ["si", "no", "en_parte"][i % 3]),
        code("respuesta", ["si", "en_parte", "no"][i % 3]),
        code("respeto", if i % 3 == 1 { "no" } else { "si" }),
        code("espera", "30_a_60"),
    ];
    if matches!(trato, "1" | "2") {
        a.push(Answer {
            question: "mejorar".into(),
            codes: vec!["trato_personal".into()],
            text: None,
        });
    }
    a
}

/// Patient `i`'s answers to v3: `bienvenida` with "no sé", `limpieza`
/// (sometimes skipped, sometimes "sucio" for the new alert).
fn v3_answers(i: usize) -> Vec<Answer> {
    let trato = ["5", "1", "3", "4", "2", "5"][i % 6];
    let mut a = vec![
        code("trato", trato),
        code("bienvenida", ["si", "no", "no_sabe"][i % 3]),
        code("escucha", ["en_parte", "si"][i % 2]),
        code("respeto", if i % 4 == 1 { "no" } else { "si" }),
        code("espera", "menos_30"),
    ];
    if i % 5 != 4 {
        a.push(code(
            "limpieza",
            ["limpio", "sucio", "regular", "no_vi"][i % 4],
        ));
    }
    if matches!(trato, "1" | "2") {
        a.push(Answer {
            question: "mejorar".into(),
            codes: vec!["limpieza".into()],
            text: None,
        });
    }
    a
}

/// One patient, through the kiosk as the survey window drives it.
fn answer(k: &mut TestKiosk, answers: &[Answer]) {
    let id = k.kiosk.start_survey("es").expect("start");
    let submitted = k.kiosk.submit(id, "es", answers).expect("submit");
    assert!(!submitted.already_stored);
}

fn rows(db: &CentreDb, sql: &str) -> Vec<Vec<String>> {
    let conn = rusqlite::Connection::open(&db.path).unwrap();
    let mut st = conn.prepare(sql).unwrap();
    let n = st.column_count();
    st.query_map([], |r| {
        (0..n)
            .map(|i| r.get::<_, String>(i))
            .collect::<Result<Vec<_>, _>>()
    })
    .unwrap()
    .collect::<Result<_, _>>()
    .unwrap()
}

/// Each code with 1 positive, 2 neutral, 3 negative or 0 no opinion.
type Sentiments<'a> = &'a [(&'a str, usize)];

/// What each (indicator, version) should show, [answered, positive,
/// neutral, negative], from SQL over the raw answers and the meaning each
/// version declares, spelled out here (answered includes "no sé").
fn expected_from_sql(db: &CentreDb) -> BTreeMap<(String, String), [i64; 4]> {
    let raw: BTreeMap<(String, String, String), i64> = rows(
        db,
        "SELECT CAST(r.survey_version AS TEXT), a.question, a.code, CAST(COUNT(*) AS TEXT)
         FROM responses r JOIN answers a ON a.response_id = r.id
         WHERE r.status <> 'flagged' AND a.code IS NOT NULL
         GROUP BY r.survey_version, a.question, a.code",
    )
    .into_iter()
    .map(|r| {
        (
            (r[0].clone(), r[1].clone(), r[2].clone()),
            r[3].parse().unwrap(),
        )
    })
    .collect();
    let faces: Sentiments = &[("1", 3), ("2", 3), ("3", 2), ("4", 1), ("5", 1)];
    let yes_no: Sentiments = &[("si", 1), ("no", 3), ("en_parte", 2), ("no_sabe", 0)];
    let limpieza: Sentiments = &[("limpio", 1), ("regular", 2), ("sucio", 3), ("no_vi", 0)];
    // (version, question, indicator, sentiments)
    let meaning: [(&str, &str, &str, Sentiments); 10] = [
        ("1", "trato", "trato", faces),
        ("1", "saludo", "saludo", yes_no),
        ("1", "escucha", "escucha", yes_no),
        ("1", "respuesta", "respuesta", yes_no),
        ("1", "respeto", "respeto", yes_no),
        ("3", "trato", "trato", faces),
        ("3", "bienvenida", "saludo", yes_no),
        ("3", "escucha", "escucha", yes_no),
        ("3", "respeto", "respeto", yes_no),
        ("3", "limpieza", "limpieza", limpieza),
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
    out
}

/// The reasons each response's own version's rules give, from SQL.
fn alerts_from_sql(db: &CentreDb) -> BTreeMap<String, String> {
    let answers = rows(
        db,
        "SELECT r.id, CAST(r.survey_version AS TEXT), a.question, a.code
         FROM responses r JOIN answers a ON a.response_id = r.id
         WHERE r.status <> 'flagged' AND a.code IS NOT NULL",
    );
    let mut hits: BTreeMap<String, Vec<(usize, &str)>> = BTreeMap::new();
    for r in &answers {
        let hit = match (r[1].as_str(), r[2].as_str(), r[3].as_str()) {
            (_, "trato", "1" | "2") => Some((0, "trato")),
            (_, "respeto", "no") => Some((1, "respeto")),
            ("3", "limpieza", "sucio") => Some((2, "limpieza")),
            _ => None,
        };
        if let Some(h) = hit {
            hits.entry(r[0].clone()).or_default().push(h);
        }
    }
    hits.into_iter()
        .map(|(id, mut v)| {
            v.sort();
            (id, v.iter().map(|h| h.1).collect::<Vec<_>>().join(","))
        })
        .collect()
}

fn tally(v: &Value) -> [i64; 4] {
    ["answered", "positive", "neutral", "negative"].map(|k| v[k].as_i64().unwrap())
}

/// A national dashboard session on the running centre.
async fn dashboard(db: &CentreDb, base: &str) -> (reqwest::Client, String) {
    trato_central::dashboard::auth::add_account(&*db.store, "national", "", "nacional", PASSWORD)
        .await
        .unwrap();
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = client
        .post(format!("{base}/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!(
            "name=nacional&password={}",
            PASSWORD.replace(' ', "+")
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "login");
    let cookie = r.headers()["set-cookie"].to_str().unwrap();
    (client, cookie.split(';').next().unwrap().to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn v2_published_mid_period_is_adopted_and_every_figure_follows_its_version() {
    let mut k = kiosk_on_v1();
    k.kiosk
        .update_settings(&[("survey.min_interval_seconds", "0")])
        .unwrap();
    let db = centre_db().await;
    let token = db.register(&k.id()).await;
    let centre = serve_on_free_port(&db).await;
    k.point_at(&centre.url(), &token);
    let mut syncer = Syncer::open(&k.db(), SyncOptions::default()).unwrap();

    for i in 0..16 {
        answer(&mut k, &v1_answers(i));
    }
    let report = syncer.run_once().await.unwrap();
    assert_eq!(report.sent(), 16);
    assert!(report.new_survey.is_none(), "v1 is what the centre has");

    // Mid-period: the centre publishes v3 for this unit.
    admin::publish_survey(
        &*db.store,
        &serde_json::to_string(&v3()).unwrap(),
        Scope::Unit(UNIT.into()),
    )
    .await
    .unwrap();
    answer(&mut k, &v1_answers(16));
    let report = syncer.run_once().await.unwrap();
    let offered = report.new_survey.expect("the sync brings v3");
    assert_eq!(offered.version, 3);
    // Never mid-survey: a patient is answering v1.
    let id = k.kiosk.start_survey("es").unwrap();
    assert!(!k.kiosk.adopt_centre_survey(&offered).unwrap());
    k.kiosk.submit(id, "es", &v1_answers(17)).unwrap();
    assert!(k.kiosk.adopt_centre_survey(&offered).unwrap());
    assert_eq!(k.kiosk.bootstrap().survey.version, 3);
    let overview = k
        .kiosk
        .overview(chrono::Local::now().date_naive(), "es")
        .unwrap();
    assert_eq!(overview.survey.version, 3, "staff see the active version");
    assert!(overview.survey.unusable.is_none());

    for i in 0..18 {
        answer(&mut k, &v3_answers(i));
    }
    let report = syncer.run_once().await.unwrap();
    assert_eq!(report.sent(), 19);
    assert!(report.new_survey.is_none(), "v3 is current");
    let stored = rows(
        &db,
        "SELECT CAST(survey_version AS TEXT), CAST(COUNT(*) AS TEXT) FROM responses GROUP BY 1",
    );
    assert_eq!(
        stored,
        vec![
            vec!["1".to_owned(), "18".into()],
            vec!["3".into(), "18".into()]
        ]
    );

    // The dashboard API's indicators equal SQL over the raw responses.
    let (client, cookie) = dashboard(&db, &centre.url()).await;
    // The responses are filed under the kiosk's local day (this machine's
    // zone), which may be a day after the centre's Mexico City "today".
    let today = trato_central::dashboard::today();
    let summary = client
        .get(format!(
            "{}/api/v1/dashboard/summary?scope=institute&from={}&to={}",
            centre.url(),
            today - Duration::days(7),
            today + Duration::days(1)
        ))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let summary: Value = serde_json::from_str(&summary).expect("summary JSON");
    let mut per_version = BTreeMap::new();
    let mut combined = BTreeMap::new();
    for ind in summary["indicators"].as_array().expect("indicators") {
        let key = ind["key"].as_str().unwrap().to_owned();
        combined.insert(key.clone(), tally(&ind["counts"]));
        for v in ind["versions"].as_array().unwrap() {
            per_version.insert(
                (key.clone(), v["version"].as_u64().unwrap().to_string()),
                tally(&v["counts"]),
            );
        }
    }
    let want = expected_from_sql(&db);
    assert!(
        want.values().all(|t| t[0] > 0),
        "every indicator answered: {want:?}"
    );
    assert_eq!(per_version, want, "per version");
    let mut want_combined: BTreeMap<String, [i64; 4]> = BTreeMap::new();
    for ((key, _), t) in &want {
        let e = want_combined.entry(key.clone()).or_default();
        for (sum, n) in e.iter_mut().zip(t) {
            *sum += n;
        }
    }
    assert_eq!(combined, want_combined, "combined");
    assert!(combined.contains_key("limpieza") && combined.contains_key("respuesta"));

    // Alerts follow each response's own version's rules.
    let got: BTreeMap<String, String> = rows(&db, "SELECT response_id, reason FROM alerts")
        .into_iter()
        .map(|r| (r[0].clone(), r[1].clone()))
        .collect();
    let want = alerts_from_sql(&db);
    assert!(
        want.values().any(|r| r.contains("limpieza")),
        "a v3-only alert"
    );
    assert!(
        want.values().any(|r| r == "trato,respeto"),
        "a double alert"
    );
    assert_eq!(got, want, "alerts");
    centre.stop().await;
}

/// A unit-scoped publication reaches that unit's kiosks only; withdrawn,
/// its kiosk goes back to the newest default survey (lower than its own),
/// while a kiosk still on the default v1 keeps it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_unit_scoped_publication_reaches_that_units_kiosks_only() {
    let mut here = kiosk_on_v1();
    let mut there = kiosk_on_v1();
    there
        .kiosk
        .update_settings(&[("unit.clues", "NLIMS000315")])
        .unwrap();
    let db = centre_db().await;
    let token_here = db.register(&here.id()).await;
    let token_there =
        admin::add_kiosk_with_id(&*db.store, "NLIMS000315", "Otro", Some(&there.id()))
            .await
            .unwrap()
            .token;
    let centre = serve_on_free_port(&db).await;
    here.point_at(&centre.url(), &token_here);
    there.point_at(&centre.url(), &token_there);
    admin::publish_survey(
        &*db.store,
        &serde_json::to_string(&v3()).unwrap(),
        Scope::Unit(UNIT.into()),
    )
    .await
    .unwrap();

    let mut sync_here = Syncer::open(&here.db(), SyncOptions::default()).unwrap();
    let mut sync_there = Syncer::open(&there.db(), SyncOptions::default()).unwrap();
    let offered = sync_here.run_once().await.unwrap().new_survey;
    assert_eq!(offered.as_ref().map(|s| s.version), Some(3));
    assert!(here.kiosk.adopt_centre_survey(&offered.unwrap()).unwrap());
    assert!(sync_there.run_once().await.unwrap().new_survey.is_none());
    assert_eq!(there.kiosk.bootstrap().survey.version, 1);

    let id = db
        .store
        .publications()
        .await
        .unwrap()
        .into_iter()
        .find(|p| p.scope == Scope::Unit(UNIT.into()))
        .unwrap()
        .id;
    admin::withdraw_publication(&*db.store, id).await.unwrap();
    let back = sync_here.run_once().await.unwrap().new_survey;
    assert_eq!(
        back.as_ref().map(|s| s.version),
        Some(2),
        "lower versions too"
    );
    assert!(here.kiosk.adopt_centre_survey(&back.unwrap()).unwrap());
    assert_eq!(here.kiosk.bootstrap().survey.version, 2);
    assert!(sync_there.run_once().await.unwrap().new_survey.is_none());
    assert_eq!(there.kiosk.bootstrap().survey.version, 1);
    centre.stop().await;
}

/// A kiosk that reads only format 1 is never offered a format-2 survey: it
/// keeps its own, staff and the centre learn why, and responses still go.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_older_format_kiosk_is_never_offered_a_newer_format() {
    let mut k = kiosk_on_v1();
    let db = centre_db().await;
    let token = db.register(&k.id()).await;
    let centre = serve_on_free_port(&db).await;
    k.point_at(&centre.url(), &token);
    admin::publish_survey(
        &*db.store,
        &serde_json::to_string(&v3()).unwrap(),
        Scope::National,
    )
    .await
    .unwrap();
    k.add_responses(5);
    let old = SyncOptions {
        reads_format: 1,
        ..SyncOptions::default()
    };
    let mut syncer = Syncer::open(&k.db(), old).unwrap();
    let report = syncer.run_once().await.unwrap();
    assert_eq!(report.sent(), 5, "responses keep going");
    assert!(report.new_survey.is_none());
    let problem = report.survey_problem.expect("the kiosk says why");
    assert!(problem.contains("formato 2"), "{problem}");
    assert_eq!(k.kiosk.bootstrap().survey.version, 1, "keeps its survey");

    let overview = k
        .kiosk
        .overview(chrono::Local::now().date_naive(), "es")
        .unwrap();
    let unusable = overview.survey.unusable.expect("staff see the problem");
    assert_eq!(
        (unusable.offered_version, unusable.problem.as_str()),
        (3, problem.as_str())
    );
    let reports = db.store.kiosk_surveys().await.unwrap();
    assert_eq!(reports.len(), 1);
    assert_eq!((reports[0].reads_format, reports[0].survey_version), (1, 1));
    assert_eq!(reports[0].problem, problem, "the centre was told");

    // Updated (reads format 2): it adopts v3 and the problem clears.
    let mut syncer = Syncer::open(&k.db(), SyncOptions::default()).unwrap();
    let v3 = syncer.run_once().await.unwrap().new_survey.expect("v3 now");
    assert!(k.kiosk.adopt_centre_survey(&v3).unwrap());
    let overview = k
        .kiosk
        .overview(chrono::Local::now().date_naive(), "es")
        .unwrap();
    assert!(overview.survey.unusable.is_none());
    centre.stop().await;
}
