//! `SurveyDefinition::check_answers`: normalisation and every `AnswerError`.

mod common;

use common::{base, survey};
use trato_domain::{Answer, AnswerError, Completeness, SurveyDefinition};

fn codes(question: &str, codes: &[&str]) -> Answer {
    Answer {
        question: question.into(),
        codes: codes.iter().map(|c| (*c).to_owned()).collect(),
        text: None,
    }
}

fn text(question: &str, text: &str) -> Answer {
    Answer {
        question: question.into(),
        codes: Vec::new(),
        text: Some(text.into()),
    }
}

fn s() -> SurveyDefinition {
    survey(&base())
}

/// A complete, good set for the base survey (trato 4: `mejorar` hidden).
fn good() -> Vec<Answer> {
    vec![
        codes("trato", &["4"]),
        codes("saludo", &["en_parte"]),
        codes("espera", &["poco"]),
    ]
}

fn complete(answers: &[Answer]) -> Result<Vec<Answer>, AnswerError> {
    s().check_answers("es", answers, Completeness::Complete)
}

fn partial(answers: &[Answer]) -> Result<Vec<Answer>, AnswerError> {
    s().check_answers("en", answers, Completeness::Partial)
}

#[test]
fn good_complete_set() {
    assert_eq!(complete(&good()), Ok(good()));
}

#[test]
fn answers_come_back_in_survey_order() {
    let mut answers = good();
    answers.reverse();
    answers.push(codes("recomienda", &["9"]));
    answers.insert(0, text("comentario", "Todo bien"));
    let out = complete(&answers).unwrap();
    let ids: Vec<&str> = out.iter().map(|a| a.question.as_str()).collect();
    assert_eq!(
        ids,
        ["trato", "saludo", "espera", "recomienda", "comentario"]
    );
}

#[test]
fn multiple_choice_deduped_in_option_order() {
    let mut answers = good();
    answers[0] = codes("trato", &["1"]);
    answers.push(codes("mejorar", &["limpieza", "trato", "limpieza"]));
    let out = complete(&answers).unwrap();
    assert_eq!(out[3], codes("mejorar", &["trato", "limpieza"]));
}

#[test]
fn free_text_is_cleaned_and_masked() {
    let mut answers = good();
    answers.push(text("comentario", "  a@b.mx\r\n\n\n\nok 😊\u{0}  "));
    let out = complete(&answers).unwrap();
    assert_eq!(
        out.last().unwrap(),
        &text("comentario", "[correo]\n\nok 😊")
    );
}

#[test]
fn empty_free_text_is_not_an_answer() {
    let mut answers = good();
    answers.push(text("comentario", " \n\t\u{7} "));
    assert_eq!(complete(&answers), Ok(good()));
    let mut answers = good();
    answers.push(Answer {
        question: "comentario".into(),
        codes: vec![],
        text: None,
    });
    assert_eq!(complete(&answers), Ok(good()));
}

#[test]
fn text_limit_counts_characters_not_bytes() {
    let mut answers = good();
    answers.push(text("comentario", &"ñ".repeat(20)));
    assert!(complete(&answers).is_ok());
    // Leading and trailing blanks are trimmed before counting.
    let mut answers = good();
    answers.push(text("comentario", &format!("   {}   ", "é".repeat(20))));
    assert!(complete(&answers).is_ok());
}

#[test]
fn recommend_takes_zero_to_ten() {
    for code in ["0", "7", "10"] {
        let mut answers = good();
        answers.push(codes("recomienda", &[code]));
        answers.push(text("porque", "Por la espera"));
        let shown = code.parse::<u8>().unwrap() <= 6;
        assert_eq!(complete(&answers).is_ok(), shown, "{code}");
        assert!(partial(&answers[3..4]).is_ok(), "{code}");
    }
}

#[test]
fn result_checks_again_unchanged() {
    let mut answers = good();
    answers[0] = codes("trato", &["2"]);
    answers.push(codes("mejorar", &["espera", "trato"]));
    answers.push(codes("recomienda", &["3"]));
    answers.push(text("porque", "Tel. 55 1234 5678, NSS 12345678901"));
    answers.push(text("comentario", "x@y.io"));
    let once = complete(&answers).unwrap();
    assert_eq!(complete(&once), Ok(once.clone()));
}

// --- one test per AnswerError variant ---------------------------------------------------

#[test]
fn unknown_language() {
    assert_eq!(
        s().check_answers("fr", &good(), Completeness::Complete),
        Err(AnswerError::UnknownLanguage("fr".into()))
    );
    assert_eq!(
        s().check_answers("", &[], Completeness::Partial),
        Err(AnswerError::UnknownLanguage(String::new()))
    );
}

#[test]
fn unknown_question() {
    let mut answers = good();
    answers.push(codes("edad", &["1"]));
    assert_eq!(
        complete(&answers),
        Err(AnswerError::UnknownQuestion("edad".into()))
    );
}

#[test]
fn unknown_option() {
    let mut answers = good();
    answers[1] = codes("saludo", &["sí"]);
    assert_eq!(
        complete(&answers),
        Err(AnswerError::UnknownOption {
            question: "saludo".into(),
            code: "sí".into()
        })
    );
    assert_eq!(
        partial(&[codes("recomienda", &["11"])]),
        Err(AnswerError::UnknownOption {
            question: "recomienda".into(),
            code: "11".into()
        })
    );
}

#[test]
fn duplicate_answer() {
    let mut answers = good();
    answers.push(codes("saludo", &["si"]));
    assert_eq!(
        complete(&answers),
        Err(AnswerError::DuplicateAnswer("saludo".into()))
    );
    // Even an empty free text counts as the question's one answer.
    assert_eq!(
        partial(&[text("comentario", ""), text("comentario", "hola")]),
        Err(AnswerError::DuplicateAnswer("comentario".into()))
    );
}

#[test]
fn one_option_expected() {
    for (q, c) in [
        ("trato", &["4", "5"][..]),
        ("saludo", &["si", "no"][..]),
        ("espera", &["poco", "poco"][..]),
    ] {
        assert_eq!(
            partial(&[codes(q, c)]),
            Err(AnswerError::OneOptionExpected(q.into()))
        );
    }
    assert_eq!(
        partial(&[codes("recomienda", &["1", "2"])]),
        Err(AnswerError::OneOptionExpected("recomienda".into()))
    );
}

#[test]
fn no_option() {
    assert_eq!(
        partial(&[codes("trato", &[])]),
        Err(AnswerError::NoOption("trato".into()))
    );
    let answers = [codes("trato", &["1"]), codes("mejorar", &[])];
    assert_eq!(
        partial(&answers),
        Err(AnswerError::NoOption("mejorar".into()))
    );
}

#[test]
fn text_expected() {
    assert_eq!(
        partial(&[codes("comentario", &["1"])]),
        Err(AnswerError::TextExpected("comentario".into()))
    );
    let mut both = text("comentario", "hola");
    both.codes = vec!["x".into()];
    assert_eq!(
        partial(&[both]),
        Err(AnswerError::TextExpected("comentario".into()))
    );
}

#[test]
fn options_expected() {
    assert_eq!(
        partial(&[text("trato", "bien")]),
        Err(AnswerError::OptionsExpected("trato".into()))
    );
    let mut both = codes("saludo", &["si"]);
    both.text = Some("sí".into());
    assert_eq!(
        partial(&[both]),
        Err(AnswerError::OptionsExpected("saludo".into()))
    );
}

#[test]
fn text_too_long() {
    assert_eq!(
        partial(&[text("comentario", &"ñ".repeat(21))]),
        Err(AnswerError::TextTooLong {
            question: "comentario".into(),
            len: 21,
            max: 20
        })
    );
    // Default limit: 500.
    let answers = [
        codes("recomienda", &["2"]),
        text("porque", &"a".repeat(501)),
    ];
    assert_eq!(
        partial(&answers),
        Err(AnswerError::TextTooLong {
            question: "porque".into(),
            len: 501,
            max: 500
        })
    );
    let answers = [
        codes("recomienda", &["2"]),
        text("porque", &"a".repeat(500)),
    ];
    assert!(partial(&answers).is_ok());
}

#[test]
fn missing_required() {
    let answers = &good()[..2];
    assert_eq!(
        complete(answers),
        Err(AnswerError::MissingRequired("espera".into()))
    );
    // A required question shown by the condition must be answered...
    let mut answers = good();
    answers[0] = codes("trato", &["2"]);
    assert_eq!(
        complete(&answers),
        Err(AnswerError::MissingRequired("mejorar".into()))
    );
    let mut answers = good();
    answers.push(codes("recomienda", &["6"]));
    assert_eq!(
        complete(&answers),
        Err(AnswerError::MissingRequired("porque".into()))
    );
    // ...and an empty text does not answer it.
    answers.push(text("porque", "   "));
    assert_eq!(
        complete(&answers),
        Err(AnswerError::MissingRequired("porque".into()))
    );
    // Partial accepts the same sets.
    assert!(s()
        .check_answers("es", &answers, Completeness::Partial)
        .is_ok());
}

#[test]
fn hidden_required_question_is_not_required() {
    let mut answers = good();
    answers.push(codes("recomienda", &["9"]));
    assert!(complete(&answers).is_ok());
}

#[test]
fn not_shown() {
    let mut answers = good();
    answers.push(codes("mejorar", &["trato"]));
    assert_eq!(
        complete(&answers),
        Err(AnswerError::NotShown("mejorar".into()))
    );
    // Its condition question not answered at all (partial).
    assert_eq!(
        partial(&[text("porque", "porque sí")]),
        Err(AnswerError::NotShown("porque".into()))
    );
}

#[test]
fn partial_accepts_any_valid_subset() {
    assert_eq!(partial(&[]), Ok(vec![]));
    assert_eq!(
        partial(&[codes("saludo", &["no"])]),
        Ok(vec![codes("saludo", &["no"])])
    );
}

#[test]
fn visible_questions_follow_answers() {
    let survey = s();
    let ids = |answers: &[Answer]| -> Vec<String> {
        survey
            .visible_questions(answers)
            .into_iter()
            .map(|q| q.id.clone())
            .collect()
    };
    assert_eq!(
        ids(&[]),
        ["trato", "saludo", "espera", "recomienda", "comentario"]
    );
    assert_eq!(
        ids(&[codes("trato", &["1"]), codes("recomienda", &["0"])]),
        [
            "trato",
            "saludo",
            "espera",
            "mejorar",
            "recomienda",
            "porque",
            "comentario"
        ]
    );
}

#[test]
fn chained_conditions_hide_transitively() {
    // `extra` depends on `mejorar`, which depends on `trato`.
    let mut v = base();
    v["questions"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({
            "id": "extra", "kind": "yes_no", "required": true,
            "show_if": { "question": "mejorar", "any_of": ["limpieza"] },
            "prompt": { "es": "¿Baños?", "en": "Toilets?" },
            "options": [
                { "code": "si", "label": { "es": "Sí", "en": "Yes" } },
                { "code": "no", "label": { "es": "No", "en": "No" } }
            ]
        }));
    let survey = survey(&v);
    assert_eq!(survey.validate(), vec![]);
    // Hidden `mejorar` answered in a stale list: `extra` stays hidden too.
    let stale = [codes("trato", &["5"]), codes("mejorar", &["limpieza"])];
    assert!(!survey
        .visible_questions(&stale)
        .iter()
        .any(|q| q.id == "extra"));
    let mut answers = good();
    answers[0] = codes("trato", &["1"]);
    answers.push(codes("mejorar", &["limpieza"]));
    assert_eq!(
        survey.check_answers("es", &answers, Completeness::Complete),
        Err(AnswerError::MissingRequired("extra".into()))
    );
    answers.push(codes("extra", &["no"]));
    assert!(survey
        .check_answers("es", &answers, Completeness::Complete)
        .is_ok());
}
