//! `GET /api/v1/surveys/active`, `survey publish`, `/healthz` and the server
//! clock on every reply.

mod common;

use chrono::Utc;
use common::*;
use trato_central::admin;
use trato_central::error::AdminError;
use trato_central::store::PublishTarget;
use trato_domain::wire::{
    ActiveSurveyReply, ErrorBody, Outcome, ACTIVE_SURVEY_PATH, SERVER_TIME_HEADER,
};
use trato_domain::SurveyDefinition;

/// The default survey as version `v`, with its title changed so versions differ.
pub fn survey_json(v: u32, title: &str) -> String {
    let mut def = SurveyDefinition::from_json(trato_central::surveys::DEFAULT_SURVEY_JSON).unwrap();
    def.version = v;
    def.title.insert("es".into(), title.into());
    serde_json::to_string_pretty(&def).unwrap()
}

async fn active(s: &TestServer, token: &str, unit: Option<&str>) -> reqwest::Response {
    let mut url = s.url(ACTIVE_SURVEY_PATH);
    if let Some(u) = unit {
        url = format!("{url}?unit={u}");
    }
    s.client.get(url).bearer_auth(token).send().await.unwrap()
}

async fn active_ok(s: &TestServer, token: &str, unit: &str) -> SurveyDefinition {
    let resp = active(s, token, Some(unit)).await;
    assert_eq!(resp.status(), 200);
    assert!(resp.headers().contains_key(SERVER_TIME_HEADER));
    let reply: ActiveSurveyReply = resp.json().await.unwrap();
    reply.survey.expect("a survey is always active")
}

#[tokio::test]
async fn default_then_published_versions() {
    for b in backends() {
        let s = start(b).await;
        let k = s.kiosk(UNIT).await;
        let other = s.kiosk(OTHER_UNIT).await;

        let d = active_ok(&s, &k.token, UNIT).await;
        assert_eq!((d.id.as_str(), d.version), ("trato-digno", 1), "{b:?}");

        admin::publish_survey(s.store(), &survey_json(2, "Versión 2"), PublishTarget::All)
            .await
            .unwrap();
        assert_eq!(active_ok(&s, &k.token, UNIT).await.version, 2);
        assert_eq!(active_ok(&s, &other.token, OTHER_UNIT).await.version, 2);

        admin::publish_survey(
            s.store(),
            &survey_json(3, "Versión 3"),
            PublishTarget::Unit(UNIT.into()),
        )
        .await
        .unwrap();
        let v3 = active_ok(&s, &k.token, UNIT).await;
        assert_eq!(v3.version, 3);
        assert_eq!(v3.title["es"], "Versión 3");
        assert_eq!(active_ok(&s, &other.token, OTHER_UNIT).await.version, 2);
        // No unit parameter: the token's unit.
        let resp = active(&s, &k.token, None).await;
        let reply: ActiveSurveyReply = resp.json().await.unwrap();
        assert_eq!(reply.survey.unwrap().version, 3);

        // Republishing v2 for all makes it the newest publication again.
        admin::publish_survey(s.store(), &survey_json(2, "Versión 2"), PublishTarget::All)
            .await
            .unwrap();
        assert_eq!(active_ok(&s, &k.token, UNIT).await.version, 2);

        // Responses to a published version are accepted from then on.
        let mut r = response(&k, Utc::now());
        r.survey_version = 3;
        let reply = s.post_ok(&k.token, &batch(&k, vec![r])).await;
        assert_eq!(reply.results[0].outcome, Outcome::Stored);

        // A published version is never edited.
        let err = admin::publish_survey(s.store(), &survey_json(2, "Otra"), PublishTarget::All)
            .await
            .unwrap_err();
        assert!(
            matches!(err, AdminError::SurveyVersionChanged { .. }),
            "{err}"
        );
        s.stop().await;
    }
}

#[tokio::test]
async fn publish_refuses_bad_input() {
    let s = start(Backend::Sqlite).await;
    let err = admin::publish_survey(s.store(), "{ not json", PublishTarget::All)
        .await
        .unwrap_err();
    assert!(matches!(err, AdminError::Survey(_)), "{err}");
    let mut def: serde_json::Value = serde_json::from_str(&survey_json(4, "x")).unwrap();
    def["questions"] = serde_json::json!([]);
    let err = admin::publish_survey(s.store(), &def.to_string(), PublishTarget::All)
        .await
        .unwrap_err();
    assert!(matches!(err, AdminError::Survey(_)), "{err}");
    let err = admin::publish_survey(
        s.store(),
        &survey_json(4, "x"),
        PublishTarget::Unit("dfims000020".into()),
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
