//! Every kind of survey problem is reachable and has both texts: Spanish
//! (what staff read) and English, rendered once as `path: es | en`.

mod common;

use std::collections::BTreeSet;

use common::{base, survey};
use serde_json::{json, Value};
use trato_domain::wire::read_offered_survey;
use trato_domain::{Problem, SurveyDefinition, SurveyError};

fn q(v: &mut Value, i: usize) -> &mut Value {
    &mut v["questions"][i]
}

fn rule(reason: &str, question: &str, any_of: &[&str]) -> Value {
    json!({
        "reason": reason,
        "label": { "es": "Motivo", "en": "Reason" },
        "question": question,
        "any_of": any_of,
    })
}

/// A change to the base survey.
type Change = Box<dyn Fn(&mut Value)>;

/// One change to the base survey per problem code.
fn cases() -> Vec<(&'static str, Change)> {
    vec![
        ("unknown_format", Box::new(|v| v["format"] = json!(9))),
        (
            "meaning_needs_format_2",
            Box::new(|v| q(v, 0)["indicator"] = json!({ "key": "trato" })),
        ),
        ("empty_identifier", Box::new(|v| v["id"] = json!(""))),
        ("bad_identifier", Box::new(|v| v["id"] = json!("Trato"))),
        ("bad_version", Box::new(|v| v["version"] = json!(0))),
        ("question_count", Box::new(|v| v["questions"] = json!([]))),
        (
            "duplicate_question",
            Box::new(|v| q(v, 2)["id"] = json!("saludo")),
        ),
        (
            "headline_not_faces",
            Box::new(|v| q(v, 1)["headline"] = json!(true)),
        ),
        (
            "second_headline",
            Box::new(|v| q(v, 1)["headline"] = json!(true)),
        ),
        (
            "too_many_alerts",
            Box::new(|v| {
                v["format"] = json!(2);
                v["alerts"] = (0..21)
                    .map(|k| rule(&format!("r{k}"), "trato", &["1"]))
                    .collect();
            }),
        ),
        (
            "duplicate_alert_reason",
            Box::new(|v| {
                v["format"] = json!(2);
                v["alerts"] = json!([rule("mal", "trato", &["1"]), rule("mal", "trato", &["2"])]);
            }),
        ),
        (
            "unknown_question",
            Box::new(|v| q(v, 3)["show_if"]["question"] = json!("nada")),
        ),
        (
            "alert_on_free_text",
            Box::new(|v| {
                v["format"] = json!(2);
                v["alerts"] = json!([rule("texto", "comentario", &["x"])]);
            }),
        ),
        (
            "empty_any_of",
            Box::new(|v| q(v, 3)["show_if"]["any_of"] = json!([])),
        ),
        (
            "unknown_option",
            Box::new(|v| q(v, 3)["show_if"]["any_of"] = json!(["9"])),
        ),
        ("no_languages", Box::new(|v| v["languages"] = json!([]))),
        (
            "bad_language",
            Box::new(|v| v["languages"] = json!(["es", "EN"])),
        ),
        (
            "duplicate_language",
            Box::new(|v| v["languages"] = json!(["es", "en", "es"])),
        ),
        (
            "condition_not_earlier",
            Box::new(|v| q(v, 3)["show_if"]["question"] = json!("comentario")),
        ),
        (
            "condition_on_free_text",
            Box::new(|v| q(v, 6)["show_if"] = json!({ "question": "porque", "any_of": ["x"] })),
        ),
        (
            "text_missing",
            Box::new(|v| {
                v["title"].as_object_mut().unwrap().remove("en");
            }),
        ),
        ("text_blank", Box::new(|v| v["title"]["es"] = json!(" "))),
        (
            "text_too_long",
            Box::new(|v| v["title"]["es"] = json!("a".repeat(500))),
        ),
        (
            "foreign_language",
            Box::new(|v| v["title"]["fr"] = json!("x")),
        ),
        (
            "faces_option_count",
            Box::new(|v| {
                q(v, 0)["options"].as_array_mut().unwrap().pop();
            }),
        ),
        (
            "yes_no_option_count",
            Box::new(|v| {
                q(v, 1)["options"].as_array_mut().unwrap().truncate(1);
            }),
        ),
        (
            "choice_option_count",
            Box::new(|v| {
                q(v, 2)["options"].as_array_mut().unwrap().truncate(1);
            }),
        ),
        (
            "options_not_allowed",
            Box::new(|v| {
                q(v, 4)["options"] = json!([{ "code": "x", "label": { "es": "X", "en": "X" } }]);
            }),
        ),
        (
            "fixed_code",
            Box::new(|v| q(v, 1)["options"][0]["code"] = json!("yes")),
        ),
        (
            "duplicate_option",
            Box::new(|v| q(v, 2)["options"][1]["code"] = json!("poco")),
        ),
        (
            "bad_audio_file",
            Box::new(|v| q(v, 0)["audio"] = json!({ "es": "../trato.wav" })),
        ),
        (
            "indicator_kind",
            Box::new(|v| {
                v["format"] = json!(2);
                q(v, 3)["indicator"] = json!({ "key": "mejorar" });
            }),
        ),
        (
            "duplicate_indicator",
            Box::new(|v| {
                v["format"] = json!(2);
                q(v, 0)["indicator"] = json!({ "key": "trato" });
                q(v, 1)["indicator"] = json!({ "key": "trato" });
            }),
        ),
        (
            "indicator_without_opinion",
            Box::new(|v| {
                v["format"] = json!(2);
                q(v, 2)["indicator"] = json!({ "key": "espera" });
            }),
        ),
        (
            "sentiment_without_indicator",
            Box::new(|v| {
                v["format"] = json!(2);
                q(v, 2)["options"][0]["sentiment"] = json!("positive");
            }),
        ),
        (
            "max_chars_not_free_text",
            Box::new(|v| q(v, 0)["max_chars"] = json!(5)),
        ),
        (
            "max_chars_range",
            Box::new(|v| q(v, 6)["max_chars"] = json!(5000)),
        ),
    ]
}

#[test]
fn every_kind_of_problem_has_spanish_and_english_texts() {
    let mut covered = BTreeSet::new();
    for (code, change) in cases() {
        let mut v = base();
        change(&mut v);
        let issues = survey(&v).validate();
        let issue = issues
            .iter()
            .find(|i| i.code() == code)
            .unwrap_or_else(|| panic!("{code}: not reported, got {issues:#?}"));
        let (es, en) = (issue.problem.es(), issue.problem.en());
        assert!(!es.trim().is_empty() && !en.trim().is_empty(), "{code}");
        assert_ne!(es, en, "{code}: the Spanish text is the English one");
        assert!(!issue.path.is_empty(), "{code}: no path");
        assert_eq!(issue.to_string(), format!("{}: {es} | {en}", issue.path));
        assert_eq!(issue.es(), format!("{}: {es}", issue.path));
        let serialized = serde_json::to_value(issue).unwrap();
        assert_eq!(
            serialized,
            json!({ "path": issue.path, "code": code, "es": es, "en": en })
        );
        covered.insert(code);
    }
    let all: BTreeSet<&str> = Problem::CODES.iter().copied().collect();
    assert_eq!(all.len(), Problem::CODES.len(), "codes are unique");
    assert_eq!(covered, all, "every problem code has a case here");
}

#[test]
fn a_few_texts_word_for_word() {
    let mut v = base();
    q(&mut v, 2)["options"][0]["sentiment"] = json!("positive");
    v["format"] = json!(2);
    q(&mut v, 3)["options"][1]["label"]["es"] = json!(" ");
    let lines: Vec<String> = survey(&v)
        .validate()
        .iter()
        .map(|i| i.to_string())
        .collect();
    assert_eq!(
        lines,
        [
            "questions[2].options[0].sentiment: solo la opción de una pregunta con indicador \
             lleva sentimiento | only an option of a question with an indicator has a sentiment",
            "questions[3].options[1].label.es: el texto está en blanco | the text is blank",
        ]
    );
}

#[test]
fn the_error_lists_every_problem_spanish_first_and_spanish_alone_for_staff() {
    let mut v = base();
    v["version"] = json!(0);
    q(&mut v, 3)["show_if"]["question"] = json!("nada");
    let err = SurveyDefinition::from_json(&v.to_string()).unwrap_err();
    assert!(matches!(err, SurveyError::Invalid(ref i) if i.len() == 2));
    assert_eq!(
        err.to_string(),
        "la encuesta tiene 2 problema(s) | the survey has 2 problem(s):\n  \
         - version: la versión debe ser 1 o mayor | the version must be 1 or more\n  \
         - questions[3].show_if.question: no hay ninguna pregunta `nada` | there is no question `nada`"
    );
    assert_eq!(
        err.es(),
        "la encuesta tiene 2 problema(s):\n  \
         - version: la versión debe ser 1 o mayor\n  \
         - questions[3].show_if.question: no hay ninguna pregunta `nada`"
    );
    let json = SurveyDefinition::from_json("{").unwrap_err();
    assert!(json
        .to_string()
        .starts_with("la encuesta no es JSON válido | the survey is not valid JSON"));
    assert!(json.es().starts_with("la encuesta no es JSON válido: "));
}

/// What a kiosk shows its staff about a survey the centre offers and it
/// cannot use is Spanish.
#[test]
fn an_offered_survey_the_kiosk_cannot_use_is_explained_in_spanish() {
    let mut v = base();
    v["version"] = json!(0);
    let problem = read_offered_survey(&v, 2).unwrap_err();
    assert_eq!(
        problem,
        "la encuesta tiene 1 problema(s):\n  - version: la versión debe ser 1 o mayor"
    );
    v["version"] = json!(1);
    v["format"] = json!(3);
    let problem = read_offered_survey(&v, 2).unwrap_err();
    assert!(
        problem.starts_with("la encuesta usa el formato 3 y este quiosco lee hasta el formato 2"),
        "{problem}"
    );
    v["format"] = json!(1);
    assert!(read_offered_survey(&v, 2).is_ok());
}
