//! `GET /api/v1/surveys/active`, `survey publish`, `/healthz` and the server
//! clock on every reply.

mod common;

use chrono::Utc;
use common::*;
use trato_central::admin;
use trato_central::error::AdminError;
use trato_central::store::Scope;
use trato_domain::wire::{
    ActiveSurveyReply, ErrorBody, Outcome, ACTIVE_SURVEY_PATH, SERVER_TIME_HEADER,
};
use trato_domain::SurveyDefinition;

/// The default survey as version `v`, with its title changed so versions differ.
pub fn survey_json(v: u32, title: &str) -> String {
    let mut def = SurveyDefinition::from_json(trato_domain::DEFAULT_SURVEY_V1_JSON).unwrap();
    def.version = v;
    def.title.insert("es".into(), title.into());
    serde_json::to_string_pretty(&def).unwrap()
}

async fn active(s: &TestServer, token: &str, unit: Option<&str>) -> reqwest::Response {
    let mut url = format!(
        "{}?format={}",
        s.url(ACTIVE_SURVEY_PATH),
        trato_domain::FORMAT_VERSION
    );
    if let Some(u) = unit {
        url = format!("{url}&unit={u}");
    }
    s.client.get(url).bearer_auth(token).send().await.unwrap()
}

async fn active_ok(s: &TestServer, token: &str, unit: &str) -> SurveyDefinition {
    let resp = active(s, token, Some(unit)).await;
    assert_eq!(resp.status(), 200);
    assert!(resp.headers().contains_key(SERVER_TIME_HEADER));
    let reply: ActiveSurveyReply = resp.json().await.unwrap();
    let doc = reply.survey.expect("a survey is always active");
    SurveyDefinition::from_json(&doc.to_string()).expect("a survey this kiosk reads")
}

#[tokio::test]
async fn default_then_published_versions() {
    for b in backends() {
        let s = start(b).await;
        let k = s.kiosk(UNIT).await;
        let other = s.kiosk(OTHER_UNIT).await;

        // Nothing published: the newest default survey (v2).
        let d = active_ok(&s, &k.token, UNIT).await;
        assert_eq!((d.id.as_str(), d.version), ("trato-digno", 2), "{b:?}");

        // (1 and 2 are the shipped defaults.)
        admin::publish_survey(s.store(), &survey_json(20, "Versión 20"), Scope::National)
            .await
            .unwrap();
        assert_eq!(active_ok(&s, &k.token, UNIT).await.version, 20);
        assert_eq!(active_ok(&s, &other.token, OTHER_UNIT).await.version, 20);

        admin::publish_survey(
            s.store(),
            &survey_json(3, "Versión 3"),
            Scope::Unit(UNIT.into()),
        )
        .await
        .unwrap();
        let v3 = active_ok(&s, &k.token, UNIT).await;
        assert_eq!(v3.version, 3);
        assert_eq!(v3.title["es"], "Versión 3");
        assert_eq!(active_ok(&s, &other.token, OTHER_UNIT).await.version, 20);
        // No unit parameter: the token's unit.
        let resp = active(&s, &k.token, None).await;
        let reply: ActiveSurveyReply = resp.json().await.unwrap();
        assert_eq!(reply.survey.unwrap()["version"], 3);

        // A newer national publication does not override the unit's own.
        admin::publish_survey(s.store(), &survey_json(4, "Versión 4"), Scope::National)
            .await
            .unwrap();
        assert_eq!(active_ok(&s, &k.token, UNIT).await.version, 3);
        assert_eq!(active_ok(&s, &other.token, OTHER_UNIT).await.version, 4);
        // Withdrawing the unit's publication hands it back to the national one.
        let unit_pub = s
            .store()
            .publications()
            .await
            .unwrap()
            .into_iter()
            .find(|p| p.scope == Scope::Unit(UNIT.into()))
            .unwrap();
        admin::withdraw_publication(s.store(), unit_pub.id)
            .await
            .unwrap();
        assert_eq!(active_ok(&s, &k.token, UNIT).await.version, 4);
        let again = admin::withdraw_publication(s.store(), unit_pub.id).await;
        assert!(
            matches!(again, Err(AdminError::NoSuchPublication(_))),
            "{again:?}"
        );

        // Responses to a published version are accepted from then on.
        let mut r = response(&k, Utc::now());
        r.survey_version = 3;
        let reply = s.post_ok(&k.token, &batch(&k, vec![r])).await;
        assert_eq!(reply.results[0].outcome, Outcome::Stored);

        // A published version is never edited.
        let err = admin::publish_survey(s.store(), &survey_json(20, "Otra"), Scope::National)
            .await
            .unwrap_err();
        assert!(
            matches!(err, AdminError::SurveyVersionChanged { .. }),
            "{err}"
        );
        s.stop().await;
    }
}

/// Nothing published for a unit: a kiosk running a default version keeps
/// it (a unit on v1 is not switched to v2 by the centre's upgrade); a kiosk
/// on anything else, or that does not say, gets the newest default. Both
/// defaults' responses are accepted from the first day. A publication then
/// reaches every kiosk.
#[tokio::test]
async fn a_kiosk_on_a_default_survey_keeps_it_until_one_is_published() {
    for b in backends() {
        let s = start(b).await;
        let k = s.kiosk(UNIT).await;
        let offered = async |running: &str| {
            let url = format!(
                "{}?format={}{running}",
                s.url(ACTIVE_SURVEY_PATH),
                trato_domain::FORMAT_VERSION
            );
            let reply: ActiveSurveyReply = s
                .client
                .get(url)
                .bearer_auth(&k.token)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            reply.survey.expect("a survey")["version"].as_u64().unwrap()
        };
        assert_eq!(offered("&survey=trato-digno&version=1").await, 1, "{b:?}");
        assert_eq!(offered("&survey=trato-digno&version=2").await, 2);
        assert_eq!(offered("&survey=trato-digno&version=9").await, 2);
        assert_eq!(offered("&survey=otra&version=1").await, 2);
        assert_eq!(offered("").await, 2);

        // The centre knows both defaults: their responses are stored.
        for version in [1, 2] {
            let mut r = response(&k, Utc::now());
            r.survey_version = version;
            let reply = s.post_ok(&k.token, &batch(&k, vec![r])).await;
            assert_eq!(reply.results[0].outcome, Outcome::Stored, "v{version}");
        }

        admin::publish_survey(s.store(), &survey_json(30, "Nueva"), Scope::National)
            .await
            .unwrap();
        assert_eq!(offered("&survey=trato-digno&version=1").await, 30);
        s.stop().await;
    }
}

#[tokio::test]
async fn publish_refuses_bad_input() {
    let s = start(Backend::Sqlite).await;
    let err = admin::publish_survey(s.store(), "{ not json", Scope::National)
        .await
        .unwrap_err();
    assert!(matches!(err, AdminError::Survey(_)), "{err}");
    let mut def: serde_json::Value = serde_json::from_str(&survey_json(4, "x")).unwrap();
    def["questions"] = serde_json::json!([]);
    let err = admin::publish_survey(s.store(), &def.to_string(), Scope::National)
        .await
        .unwrap_err();
    assert!(matches!(err, AdminError::Survey(_)), "{err}");
    let err = admin::publish_survey(
        s.store(),
        &survey_json(4, "x"),
        Scope::Unit("dfims000020".into()),
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("not a CLUES"), "{err}");
    let err = admin::add_kiosk(s.store(), "DF-IMS-20", "x")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("not a CLUES"), "{err}");
    s.stop().await;
}

#[tokio::test]
async fn active_survey_needs_a_token_for_that_unit() {
    let s = start(Backend::Sqlite).await;
    let k = s.kiosk(UNIT).await;
    let resp = s
        .client
        .get(s.url(ACTIVE_SURVEY_PATH))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    let resp = active(&s, &k.token, Some(OTHER_UNIT)).await;
    assert_eq!(resp.status(), 403);
    let resp = active(&s, &k.token, Some("XX")).await;
    assert_eq!(resp.status(), 400);
    let body: ErrorBody = resp.json().await.unwrap();
    assert_eq!(body.code, "bad_clues");
    assert!(body.message.contains("not a CLUES"));
    s.stop().await;
}

#[tokio::test]
async fn healthz_and_server_time_on_every_reply() {
    for b in backends() {
        let s = start(b).await;
        let resp = s.client.get(s.url("/healthz")).send().await.unwrap();
        assert_eq!(resp.status(), 200);
        let t = resp.headers()[SERVER_TIME_HEADER]
            .to_str()
            .unwrap()
            .to_owned();
        let t = chrono::DateTime::parse_from_rfc3339(&t).unwrap();
        assert!((Utc::now() - t.to_utc()).num_seconds().abs() < 5);
        let body: serde_json::Value = resp.json().await.unwrap();
        assert_eq!(body["status"], "ok");
        assert!(body["server_time"].is_string());

        let resp = s.client.get(s.url("/nope")).send().await.unwrap();
        assert_eq!(resp.status(), 404);
        assert!(resp.headers().contains_key(SERVER_TIME_HEADER));
        let body: ErrorBody = resp.json().await.unwrap();
        assert_eq!(body.code, "not_found");

        let resp = s.client.get(s.url("/api/v1/batches")).send().await.unwrap();
        assert_eq!(resp.status(), 405);
        assert!(resp.headers().contains_key(SERVER_TIME_HEADER));
        let body: ErrorBody = resp.json().await.unwrap();
        assert_eq!(body.code, "method_not_allowed");
        s.stop().await;
    }
}

/// `survey publish --scope ooad:NAME|umae:NAME --from DATE`: the units of
/// that OOAD (by the catalogue) get it from that day; a unit's own
/// publication still wins; other units keep the national survey.
#[tokio::test]
async fn a_scope_reaches_its_units_only_and_from_its_day() {
    for b in backends() {
        let s = start(b).await;
        let catalogue = format!(
            "clues,nombre,tipo,ooad_umae,estado\n\
             {UNIT},HGZ 1,OOAD,OOAD Ciudad de México Sur,CDMX\n\
             {OTHER_UNIT},HGZ 2,OOAD,OOAD Nuevo León,NL\n\
             DFIMS000031,UMF 3,UMAE,UMAE Siglo XXI,CDMX\n"
        );
        trato_central::dashboard::catalogue::load(s.store(), &catalogue)
            .await
            .unwrap();
        let k = s.kiosk(UNIT).await;
        let other = s.kiosk(OTHER_UNIT).await;
        let umae = s.kiosk("DFIMS000031").await;

        let sur = admin::parse_scope("ooad:OOAD Ciudad de México Sur").unwrap();
        admin::publish_survey(s.store(), &survey_json(5, "Sur"), sur.clone())
            .await
            .unwrap();
        assert_eq!(active_ok(&s, &k.token, UNIT).await.version, 5, "{b:?}");
        assert_eq!(active_ok(&s, &other.token, OTHER_UNIT).await.version, 2);
        assert_eq!(active_ok(&s, &umae.token, "DFIMS000031").await.version, 2);

        let siglo = admin::parse_scope("umae:UMAE Siglo XXI").unwrap();
        admin::publish_survey(s.store(), &survey_json(6, "Siglo"), siglo)
            .await
            .unwrap();
        assert_eq!(active_ok(&s, &umae.token, "DFIMS000031").await.version, 6);
        assert_eq!(active_ok(&s, &k.token, UNIT).await.version, 5);

        // Scheduled for tomorrow: not in force yet.
        let tomorrow = Utc::now().date_naive() + chrono::Duration::days(2);
        admin::publish_survey_from(
            s.store(),
            &survey_json(7, "Mañana"),
            Scope::Unit(UNIT.into()),
            admin::start_of_day(tomorrow),
        )
        .await
        .unwrap();
        assert_eq!(active_ok(&s, &k.token, UNIT).await.version, 5);
        let states: Vec<_> =
            trato_central::surveys::states(&s.store().publications().await.unwrap(), Utc::now())
                .into_iter()
                .map(|(p, st)| (p.version, st.as_str()))
                .collect();
        assert_eq!(states, vec![(5, "active"), (6, "active"), (7, "scheduled")]);

        // A scope nobody belongs to is refused.
        let err = admin::publish_survey(
            s.store(),
            &survey_json(8, "x"),
            admin::parse_scope("ooad:OOAD Marte").unwrap(),
        )
        .await
        .unwrap_err();
        assert!(matches!(err, AdminError::UnknownParent { .. }), "{err}");
        for bad in [
            "",
            "all",
            "unit:",
            "unit:dfims000020",
            "estado:CDMX",
            "ooad:",
        ] {
            assert!(admin::parse_scope(bad).is_err(), "{bad:?}");
        }
        assert_eq!(admin::parse_scope("national").unwrap(), Scope::National);
        s.stop().await;
    }
}

/// The kiosk's survey check tells the centre the format it reads, what it
/// runs and why it could not use an offer; `survey list` shows it.
#[tokio::test]
async fn the_centre_keeps_what_each_kiosk_says_about_its_survey() {
    for b in backends() {
        let s = start(b).await;
        let k = s.kiosk(UNIT).await;
        let resp = s
            .client
            .get(format!(
                "{}?format=1&survey=trato-digno&version=1&problem={}",
                s.url(ACTIVE_SURVEY_PATH),
                "x".repeat(2000)
            ))
            .bearer_auth(&k.token)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200, "{b:?}");
        let reports = s.store().kiosk_surveys().await.unwrap();
        assert_eq!(reports.len(), 1);
        assert_eq!(reports[0].kiosk_id, k.id);
        assert_eq!(
            (
                reports[0].survey_id.as_str(),
                reports[0].survey_version,
                reports[0].reads_format
            ),
            ("trato-digno", 1, 1)
        );
        assert_eq!(
            reports[0].problem.chars().count(),
            trato_domain::wire::MAX_PROBLEM_CHARS,
            "a problem is kept bounded"
        );
        s.stop().await;
    }
}
