//! Property tests: parsing never panics, documents round-trip, checks are stable.

mod common;

use proptest::collection::{btree_map, vec};
use proptest::option;
use proptest::prelude::*;
use trato_domain::{
    AlertRule, Answer, Completeness, Condition, DeclaredSentiment, IndicatorDecl, LocalizedText,
    Question, QuestionKind, Sentiment, SurveyChoice, SurveyDefinition, FORMAT_VERSION,
};

fn declared_sentiment() -> impl Strategy<Value = DeclaredSentiment> {
    prop_oneof![
        Just(DeclaredSentiment::Positive),
        Just(DeclaredSentiment::Neutral),
        Just(DeclaredSentiment::Negative),
        Just(DeclaredSentiment::None),
    ]
}

fn kind() -> impl Strategy<Value = QuestionKind> {
    prop_oneof![
        Just(QuestionKind::Faces),
        Just(QuestionKind::YesNo),
        Just(QuestionKind::SingleChoice),
        Just(QuestionKind::MultipleChoice),
        Just(QuestionKind::Recommend),
        Just(QuestionKind::FreeText),
    ]
}

fn any_text() -> impl Strategy<Value = LocalizedText> {
    btree_map("[a-z]{2}|[a-zA-Z-]{0,6}", any::<String>(), 0..4)
}

/// Any structurally possible survey, valid or not.
fn any_survey() -> impl Strategy<Value = SurveyDefinition> {
    let choice = (
        any::<String>(),
        any_text(),
        option::of(declared_sentiment()),
    )
        .prop_map(|(code, label, sentiment)| SurveyChoice {
            code,
            label,
            sentiment,
            audio: None,
        });
    let indicator = (any::<String>(), option::of(any_text()))
        .prop_map(|(key, label)| IndicatorDecl { key, label });
    let alert = (
        any::<String>(),
        any_text(),
        any::<String>(),
        vec(any::<String>(), 0..3),
        any::<bool>(),
    )
        .prop_map(|(reason, label, question, any_of, urgent)| AlertRule {
            reason,
            label,
            question,
            any_of,
            urgent,
        });
    let condition = (any::<String>(), vec(any::<String>(), 0..3))
        .prop_map(|(question, any_of)| Condition { question, any_of });
    let question = (
        any::<String>(),
        kind(),
        any_text(),
        option::of(any_text()),
        vec(choice, 0..4),
        any::<bool>(),
        option::of(condition),
        option::of(any::<u32>()),
        (any::<bool>(), option::of(indicator)),
    )
        .prop_map(
            |(
                id,
                kind,
                prompt,
                hint,
                options,
                required,
                show_if,
                max_chars,
                (headline, indicator),
            )| {
                Question {
                    id,
                    kind,
                    prompt,
                    hint,
                    options,
                    required,
                    show_if,
                    max_chars,
                    headline,
                    indicator,
                    audio: None,
                }
            },
        );
    (
        any::<String>(),
        any::<u32>(),
        vec(any::<String>(), 0..3),
        any_text(),
        vec(question, 0..5),
        (option::of(0u32..4), vec(alert, 0..3)),
    )
        .prop_map(
            |(id, version, languages, title, questions, (format, alerts))| SurveyDefinition {
                format,
                id,
                version,
                languages,
                title,
                questions,
                alerts,
            },
        )
}

fn texts(languages: &[String], words: &str) -> LocalizedText {
    languages
        .iter()
        .map(|l| (l.clone(), format!("{words} ({l})")))
        .collect()
}

/// Valid surveys: ids q0.., kinds at random, fixed codes where needed, and a
/// condition on the previous question when it has codes.
fn valid_survey() -> impl Strategy<Value = SurveyDefinition> {
    let languages = prop_oneof![
        Just(vec!["es".to_owned()]),
        Just(vec!["es".to_owned(), "en".to_owned()]),
        Just(vec!["es-MX".to_owned(), "en".to_owned(), "nl".to_owned()]),
    ];
    (
        languages,
        1u32..1000,
        vec(
            (
                kind(),
                any::<bool>(),
                2usize..=12,
                any::<bool>(),
                1u32..=1000,
            ),
            1..=12,
        ),
        "[a-z0-9][a-z0-9_-]{0,20}",
        "[^\\s]{1,30}",
    )
        .prop_map(|(languages, version, specs, id, word)| {
            let mut questions: Vec<Question> = Vec::new();
            let mut headline_used = false;
            for (i, (kind, flag, n, with_condition, max)) in specs.into_iter().enumerate() {
                let codes: Vec<String> = match kind {
                    QuestionKind::Faces => (1..=5).map(|c| c.to_string()).collect(),
                    QuestionKind::YesNo if flag && n % 2 == 0 => {
                        vec![
                            "si".into(),
                            "no".into(),
                            "en_parte".into(),
                            "no_sabe".into(),
                        ]
                    }
                    QuestionKind::YesNo if flag => {
                        vec!["si".into(), "no".into(), "en_parte".into()]
                    }
                    QuestionKind::YesNo => vec!["si".into(), "no".into()],
                    QuestionKind::SingleChoice | QuestionKind::MultipleChoice => {
                        (0..n).map(|c| format!("op_{c}")).collect()
                    }
                    QuestionKind::Recommend | QuestionKind::FreeText => vec![],
                };
                // Faces and yes/no questions measure an indicator; a single
                // choice does when it declares an opinion on its first option.
                let indicator = match kind {
                    QuestionKind::Faces | QuestionKind::YesNo => true,
                    QuestionKind::SingleChoice => flag,
                    _ => false,
                };
                let options = codes
                    .iter()
                    .enumerate()
                    .map(|(j, c)| SurveyChoice {
                        code: c.clone(),
                        label: texts(&languages, c),
                        sentiment: (indicator && kind == QuestionKind::SingleChoice && j == 0)
                            .then_some(DeclaredSentiment::Negative),
                        audio: None,
                    })
                    .collect();
                let show_if = questions
                    .last()
                    .filter(|prev| with_condition && prev.kind != QuestionKind::FreeText)
                    .map(|prev| Condition {
                        question: prev.id.clone(),
                        any_of: prev.effective_codes().into_iter().take(2).collect(),
                    });
                let headline = kind == QuestionKind::Faces && flag && !headline_used;
                headline_used |= headline;
                questions.push(Question {
                    id: format!("q{i}"),
                    kind,
                    prompt: texts(&languages, &word),
                    hint: flag.then(|| texts(&languages, "ayuda")),
                    options,
                    required: flag,
                    show_if,
                    max_chars: (kind == QuestionKind::FreeText && flag).then_some(max),
                    headline,
                    indicator: indicator.then(|| IndicatorDecl {
                        key: format!("k{i}"),
                        label: flag.then(|| texts(&languages, "Indicador")),
                    }),
                    audio: None,
                });
            }
            // One alert rule per question with codes, on its first code.
            let alerts = questions
                .iter()
                .filter(|q| q.kind.takes_codes())
                .map(|q| AlertRule {
                    reason: format!("r_{}", q.id),
                    label: texts(&languages, "Alerta"),
                    question: q.id.clone(),
                    any_of: q.effective_codes().into_iter().take(1).collect(),
                    urgent: false,
                })
                .collect();
            SurveyDefinition {
                format: Some(FORMAT_VERSION),
                id,
                version,
                title: texts(&languages, "Encuesta"),
                languages,
                questions,
                alerts,
            }
        })
}

fn any_answers() -> impl Strategy<Value = Vec<Answer>> {
    let question = prop_oneof![
        Just("trato".to_owned()),
        Just("saludo".to_owned()),
        Just("espera".to_owned()),
        Just("mejorar".to_owned()),
        Just("recomienda".to_owned()),
        Just("porque".to_owned()),
        Just("comentario".to_owned()),
        any::<String>(),
    ];
    let code = prop_oneof![
        "[0-9]{1,2}",
        Just("si".to_owned()),
        Just("en_parte".to_owned()),
        Just("poco".to_owned()),
        Just("trato".to_owned()),
        Just("limpieza".to_owned()),
        any::<String>(),
    ];
    vec(
        (question, vec(code, 0..3), option::of(any::<String>())).prop_map(
            |(question, codes, text)| Answer {
                question,
                codes,
                text,
            },
        ),
        0..8,
    )
}

proptest! {
    #[test]
    fn from_json_never_panics(s in any::<String>()) {
        let _ = SurveyDefinition::from_json(&s);
    }

    #[test]
    fn from_json_never_panics_on_damaged_documents(
        cut in 0usize..4000,
        at in 0usize..4000,
        insert in "[\\[\\]{}\",:0-9a-z -]{0,4}",
    ) {
        let doc = common::base().to_string();
        let mut chars: Vec<char> = doc.chars().collect();
        let at = at.min(chars.len());
        chars.splice(at..at, insert.chars());
        chars.truncate(cut.max(1));
        let damaged: String = chars.into_iter().collect();
        let _ = SurveyDefinition::from_json(&damaged);
    }

    #[test]
    fn any_survey_round_trips_and_validates_without_panic(s in any_survey()) {
        let json = serde_json::to_string(&s).unwrap();
        let back: SurveyDefinition = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(&back, &s);
        let _ = s.validate();
        let _ = SurveyDefinition::from_json(&json);
        let _ = s.visible_questions(&[]);
    }

    #[test]
    fn valid_surveys_validate_and_round_trip(s in valid_survey()) {
        prop_assert_eq!(s.validate(), vec![]);
        let back = SurveyDefinition::from_json(&s.to_json_pretty());
        prop_assert!(back.is_ok(), "{:?}", back);
        prop_assert_eq!(back.unwrap(), s);
    }

    #[test]
    fn check_answers_never_panics_and_is_stable(answers in any_answers(), complete in any::<bool>()) {
        let survey = common::survey(&common::base());
        let completeness = if complete { Completeness::Complete } else { Completeness::Partial };
        if let Ok(out) = survey.check_answers("es", &answers, completeness) {
            prop_assert_eq!(survey.check_answers("en", &out, completeness), Ok(out.clone()));
            let shown = survey.visible_questions(&out);
            for answer in &out {
                prop_assert!(shown.iter().any(|q| q.id == answer.question));
            }
        }
    }

    #[test]
    fn meaning_never_panics_on_any_survey(s in any_survey(), answers in any_answers()) {
        let _ = s.indicators().count();
        let _ = s.scores(&answers);
        let _ = s.alert_reasons(&answers);
        let _ = s.without_meaning().validate();
    }

    #[test]
    fn valid_survey_meaning_is_consistent(s in valid_survey(), pick in vec(0usize..12, 12)) {
        let indicators: Vec<_> = s.indicators().collect();
        let with_indicator = s.questions.iter().filter(|q| q.indicator.is_some()).count();
        prop_assert_eq!(indicators.len(), with_indicator);
        for ind in &indicators {
            let q = s.indicator_question(&ind.key).expect("indicator's question");
            prop_assert_eq!(&q.id, &ind.question_id);
            prop_assert!(ind.kind.takes_indicator());
        }
        // Answer every question with codes by a picked code; the scores and
        // alerts then follow the declarations question by question.
        let answers: Vec<Answer> = s.questions.iter().zip(&pick)
            .filter(|(q, _)| q.kind.takes_codes())
            .map(|(q, p)| {
                let codes = q.effective_codes();
                Answer { question: q.id.clone(), codes: vec![codes[p % codes.len()].clone()], text: None }
            })
            .collect();
        let scores = s.scores(&answers);
        prop_assert_eq!(scores.len(), indicators.iter().filter(|i| answers.iter().any(|a| a.question == i.question_id)).count());
        for score in &scores {
            prop_assert_eq!(score.sentiment, s.sentiment(score.question_id, score.code));
            if s.question(score.question_id).unwrap().kind == QuestionKind::Faces {
                let want = match score.code { "1" | "2" => Sentiment::Negative, "3" => Sentiment::Neutral, _ => Sentiment::Positive };
                prop_assert_eq!(score.sentiment, Some(want));
            }
        }
        let matched: Vec<String> = s.alerts.iter()
            .filter(|r| answers.iter().any(|a| a.question == r.question && r.any_of.contains(&a.codes[0])))
            .map(|r| r.reason.clone())
            .collect();
        prop_assert_eq!(s.alert_reasons(&answers), (!matched.is_empty()).then(|| matched.join(",")));
        let plain = s.without_meaning();
        prop_assert_eq!(plain.validate(), vec![]);
        prop_assert!(!plain.declares_meaning());
    }
}
