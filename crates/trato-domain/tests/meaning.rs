//! Meaning declarations (format 2): one test per rule with the exact issue
//! path, and the default survey's meaning (today's figures and alerts).

mod common;

use common::{base, issues, paths};
use serde_json::{json, Value};
use trato_domain::{
    Answer, QuestionKind, Sentiment, SurveyDefinition, DEFAULT_SURVEY_V1_JSON, FORMAT_VERSION,
};

fn lt(es: &str, en: &str) -> Value {
    json!({ "es": es, "en": en })
}

/// The base survey in format 2 with indicators on trato and saludo.
fn declared() -> Value {
    let mut v = base();
    v["format"] = json!(2);
    v["questions"][0]["indicator"] = json!({ "key": "trato", "label": lt("Trato", "Treatment") });
    v["questions"][1]["indicator"] = json!({ "key": "saludo" });
    v["alerts"] = json!([{
        "reason": "trato", "label": lt("Trato malo", "Poor treatment"),
        "question": "trato", "any_of": ["1", "2"]
    }]);
    v
}

fn expect(change: impl FnOnce(&mut Value), expected: &[&str]) {
    let mut v = declared();
    change(&mut v);
    let mut got = paths(&v);
    got.sort();
    let mut want: Vec<String> = expected.iter().map(|s| (*s).to_owned()).collect();
    want.sort();
    assert_eq!(got, want, "issues: {:#?}", issues(&v));
}

fn survey(v: &Value) -> SurveyDefinition {
    SurveyDefinition::from_json(&v.to_string()).expect("valid survey")
}

fn answer(q: &str, c: &str) -> Answer {
    Answer {
        question: q.into(),
        codes: vec![c.into()],
        text: None,
    }
}

#[test]
fn declared_is_valid() {
    expect(|_| {}, &[]);
}

// --- format ----------------------------------------------------------------

#[test]
fn declarations_need_format_2() {
    expect(
        |v| {
            v.as_object_mut().unwrap().remove("format");
        },
        &["format"],
    );
    expect(|v| v["format"] = json!(1), &["format"]);
}

#[test]
fn unknown_formats_are_refused() {
    expect(|v| v["format"] = json!(FORMAT_VERSION + 1), &["format"]);
    expect(|v| v["format"] = json!(0), &["format"]);
}

#[test]
fn a_plain_document_may_say_format_1_or_nothing() {
    let mut v = base();
    assert_eq!(issues(&v), vec![]);
    v["format"] = json!(1);
    assert_eq!(issues(&v), vec![]);
    v["format"] = json!(2);
    assert_eq!(issues(&v), vec![]);
}

// --- indicators ------------------------------------------------------------

#[test]
fn indicator_only_on_faces_yes_no_and_single_choice() {
    expect(
        |v| v["questions"][3]["indicator"] = json!({ "key": "mejorar" }),
        &["questions[3].indicator"],
    );
    expect(
        |v| v["questions"][4]["indicator"] = json!({ "key": "recomienda" }),
        &["questions[4].indicator"],
    );
    expect(
        |v| v["questions"][6]["indicator"] = json!({ "key": "comentario" }),
        &["questions[6].indicator"],
    );
}

#[test]
fn indicator_key_has_the_id_pattern() {
    expect(
        |v| v["questions"][1]["indicator"]["key"] = json!("Saludo"),
        &["questions[1].indicator.key"],
    );
    expect(
        |v| v["questions"][1]["indicator"]["key"] = json!(""),
        &["questions[1].indicator.key"],
    );
}

#[test]
fn indicator_keys_are_unique() {
    expect(
        |v| v["questions"][1]["indicator"]["key"] = json!("trato"),
        &["questions[1].indicator.key"],
    );
}

#[test]
fn indicator_label_in_every_language_and_short() {
    expect(
        |v| v["questions"][0]["indicator"]["label"] = json!({ "es": "Trato" }),
        &["questions[0].indicator.label.en"],
    );
    expect(
        |v| v["questions"][0]["indicator"]["label"]["es"] = json!("x".repeat(81)),
        &["questions[0].indicator.label.es"],
    );
    expect(
        |v| v["questions"][0]["indicator"]["label"]["fr"] = json!("Traitement"),
        &["questions[0].indicator.label.fr"],
    );
}

#[test]
fn indicator_label_defaults_to_the_prompt() {
    let s = survey(&declared());
    let saludo = s.indicators().find(|i| i.key == "saludo").unwrap();
    assert_eq!(saludo.label["es"], "¿Le saludaron?");
    assert_eq!(saludo.question_id, "saludo");
    assert_eq!(saludo.kind, QuestionKind::YesNo);
    let trato = s.indicators().find(|i| i.key == "trato").unwrap();
    assert_eq!(trato.label["en"], "Treatment");
    assert!(trato.headline);
}

#[test]
fn single_choice_indicator_needs_an_opinion() {
    expect(
        |v| v["questions"][2]["indicator"] = json!({ "key": "espera" }),
        &["questions[2].indicator"],
    );
    expect(
        |v| {
            v["questions"][2]["indicator"] = json!({ "key": "espera" });
            v["questions"][2]["options"][0]["sentiment"] = json!("neutral");
        },
        &["questions[2].indicator"],
    );
    expect(
        |v| {
            v["questions"][2]["indicator"] = json!({ "key": "espera" });
            v["questions"][2]["options"][0]["sentiment"] = json!("positive");
        },
        &[],
    );
}

// --- sentiments ------------------------------------------------------------

#[test]
fn sentiment_only_on_an_indicator_question() {
    expect(
        |v| v["questions"][2]["options"][1]["sentiment"] = json!("negative"),
        &["questions[2].options[1].sentiment"],
    );
    expect(
        |v| v["questions"][0]["options"][2]["sentiment"] = json!("negative"),
        &[],
    );
}

#[test]
fn unknown_sentiment_is_a_json_error() {
    let mut v = declared();
    v["questions"][0]["options"][0]["sentiment"] = json!("bad");
    let err = SurveyDefinition::from_json(&v.to_string()).unwrap_err();
    assert!(err.to_string().contains("not valid JSON"), "{err}");
}

#[test]
fn default_sentiments() {
    let mut v = declared();
    v["questions"][1]["options"] = json!([
        { "code": "si", "label": lt("Sí", "Yes") },
        { "code": "no", "label": lt("No", "No") },
        { "code": "en_parte", "label": lt("En parte", "Partly") },
        { "code": "no_sabe", "label": lt("No sé", "Don't know") }
    ]);
    let s = survey(&v);
    let faces: Vec<_> = ["1", "2", "3", "4", "5"]
        .iter()
        .map(|c| s.sentiment("trato", c))
        .collect();
    use Sentiment::*;
    assert_eq!(
        faces,
        [
            Some(Negative),
            Some(Negative),
            Some(Neutral),
            Some(Positive),
            Some(Positive)
        ]
    );
    let yes_no: Vec<_> = ["si", "no", "en_parte", "no_sabe"]
        .iter()
        .map(|c| s.sentiment("saludo", c))
        .collect();
    assert_eq!(
        yes_no,
        [Some(Positive), Some(Negative), Some(Neutral), None]
    );
    // No indicator, no sentiment.
    assert_eq!(s.sentiment("espera", "poco"), None);
}

#[test]
fn declared_sentiment_overrides_the_default() {
    let mut v = declared();
    v["questions"][0]["options"][2]["sentiment"] = json!("none");
    v["questions"][0]["options"][3]["sentiment"] = json!("neutral");
    let s = survey(&v);
    assert_eq!(s.sentiment("trato", "3"), None);
    assert_eq!(s.sentiment("trato", "4"), Some(Sentiment::Neutral));
    assert_eq!(s.sentiment("trato", "5"), Some(Sentiment::Positive));
}

// --- yes/no "no sé" ----------------------------------------------------------

#[test]
fn yes_no_codes_in_order() {
    let set = |codes: &[&str]| {
        let options: Vec<Value> = codes
            .iter()
            .map(|c| json!({ "code": c, "label": lt(c, c) }))
            .collect();
        move |v: &mut Value| v["questions"][1]["options"] = json!(options)
    };
    expect(set(&["si", "no", "no_sabe"]), &[]);
    expect(set(&["si", "no", "en_parte", "no_sabe"]), &[]);
    expect(
        set(&["si", "no", "no_sabe", "en_parte"]),
        &[
            "questions[1].options[2].code",
            "questions[1].options[3].code",
        ],
    );
    expect(
        set(&["si", "no", "en_parte", "otro"]),
        &["questions[1].options[3].code"],
    );
    expect(
        set(&["si", "no", "en_parte", "no_sabe", "otro"]),
        &["questions[1].options"],
    );
}

// --- alerts ----------------------------------------------------------------

#[test]
fn alert_reason_pattern_and_uniqueness() {
    expect(
        |v| v["alerts"][0]["reason"] = json!("Trato"),
        &["alerts[0].reason"],
    );
    expect(
        |v| {
            let again = v["alerts"][0].clone();
            v["alerts"].as_array_mut().unwrap().push(again);
        },
        &["alerts[1].reason"],
    );
}

#[test]
fn alert_label_in_every_language() {
    expect(
        |v| v["alerts"][0]["label"] = json!({ "es": "Trato malo" }),
        &["alerts[0].label.en"],
    );
}

#[test]
fn alert_question_exists_and_has_codes() {
    expect(
        |v| v["alerts"][0]["question"] = json!("nada"),
        &["alerts[0].question"],
    );
    expect(
        |v| {
            v["alerts"][0]["question"] = json!("comentario");
            v["alerts"][0]["any_of"] = json!(["x"]);
        },
        &["alerts[0].question"],
    );
}

#[test]
fn alert_codes_exist() {
    expect(
        |v| v["alerts"][0]["any_of"] = json!([]),
        &["alerts[0].any_of"],
    );
    expect(
        |v| v["alerts"][0]["any_of"] = json!(["1", "6"]),
        &["alerts[0].any_of[1]"],
    );
    // A recommendation question's implied codes count.
    expect(
        |v| {
            v["alerts"][0]["question"] = json!("recomienda");
            v["alerts"][0]["any_of"] = json!(["0", "10"]);
        },
        &[],
    );
}

#[test]
fn at_most_twenty_alert_rules() {
    let rule = |k: usize| json!({ "reason": format!("r{k}"), "label": lt("a", "a"), "question": "trato", "any_of": ["1"] });
    expect(
        |v| v["alerts"] = json!((0..20).map(rule).collect::<Vec<_>>()),
        &[],
    );
    expect(
        |v| v["alerts"] = json!((0..21).map(rule).collect::<Vec<_>>()),
        &["alerts"],
    );
}

// --- the default survey: today's meaning ------------------------------------

#[test]
fn default_survey_declares_todays_meaning() {
    let s = SurveyDefinition::from_json(DEFAULT_SURVEY_V1_JSON).expect("valid");
    assert_eq!(s.format, Some(FORMAT_VERSION));
    let keys: Vec<(String, String)> = s.indicators().map(|i| (i.key, i.question_id)).collect();
    let want: Vec<(String, String)> = ["trato", "saludo", "escucha", "respuesta", "respeto"]
        .iter()
        .map(|k| ((*k).to_owned(), (*k).to_owned()))
        .collect();
    assert_eq!(keys, want);
    assert_eq!(
        s.indicators()
            .filter(|i| i.headline)
            .map(|i| i.key)
            .collect::<Vec<_>>(),
        ["trato"]
    );
    // Today's positive = 4 and 5; respeto's figure = % "no" = % negative.
    use Sentiment::*;
    assert_eq!(s.sentiment("trato", "4"), Some(Positive));
    assert_eq!(s.sentiment("trato", "3"), Some(Neutral));
    assert_eq!(s.sentiment("respeto", "no"), Some(Negative));
    assert_eq!(s.sentiment("escucha", "en_parte"), Some(Neutral));
    assert_eq!(s.sentiment("espera", "menos_30"), None);
}

#[test]
fn default_survey_alerts_are_todays() {
    let s = SurveyDefinition::from_json(DEFAULT_SURVEY_V1_JSON).expect("valid");
    type Case<'a> = (&'a [(&'a str, &'a str)], Option<&'a str>);
    let cases: [Case; 7] = [
        (&[("trato", "1"), ("respeto", "si")], Some("trato")),
        (&[("trato", "2"), ("respeto", "si")], Some("trato")),
        (&[("trato", "3"), ("respeto", "no")], Some("respeto")),
        (&[("trato", "1"), ("respeto", "no")], Some("trato,respeto")),
        (&[("trato", "3"), ("respeto", "si")], None),
        (&[("trato", "5")], None),
        (&[], None),
    ];
    for (given, want) in cases {
        let answers: Vec<Answer> = given.iter().map(|(q, c)| answer(q, c)).collect();
        assert_eq!(s.alert_reasons(&answers).as_deref(), want, "{given:?}");
    }
    assert_eq!(
        s.alert_label("respeto").map(|l| l["es"].as_str()),
        Some("Falta de respeto o discriminación")
    );
    assert_eq!(s.alert_label("nada"), None);
}

#[test]
fn default_survey_scores() {
    let s = SurveyDefinition::from_json(DEFAULT_SURVEY_V1_JSON).expect("valid");
    let answers = [
        answer("trato", "2"),
        answer("saludo", "si"),
        answer("escucha", "en_parte"),
        answer("espera", "menos_30"),
    ];
    let scores: Vec<(&str, &str, Option<Sentiment>)> = s
        .scores(&answers)
        .iter()
        .map(|sc| (sc.indicator, sc.code, sc.sentiment))
        .collect();
    assert_eq!(
        scores,
        [
            ("trato", "2", Some(Sentiment::Negative)),
            ("saludo", "si", Some(Sentiment::Positive)),
            ("escucha", "en_parte", Some(Sentiment::Neutral)),
        ]
    );
}

#[test]
fn without_meaning_recognises_an_older_copy() {
    let s = SurveyDefinition::from_json(DEFAULT_SURVEY_V1_JSON).expect("valid");
    let plain = s.without_meaning();
    assert!(!plain.declares_meaning());
    assert_eq!(plain.indicators().count(), 0);
    assert_eq!(plain.validate(), vec![]);
    assert_eq!(plain.without_meaning(), plain);
    assert_ne!(plain, s);
}
