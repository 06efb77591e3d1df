//! One test per survey rule, each asserting the exact path of the issue.

mod common;

use common::{base, issues, paths, survey};
use serde_json::{json, Value};
use trato_domain::{SurveyDefinition, SurveyError, MAX_TEXT_CHARS};

/// Applies `change` to the base survey and asserts exactly these issue paths.
fn expect(change: impl FnOnce(&mut Value), expected: &[&str]) {
    let mut v = base();
    change(&mut v);
    let mut got = paths(&v);
    got.sort();
    let mut want: Vec<String> = expected.iter().map(|s| (*s).to_owned()).collect();
    want.sort();
    assert_eq!(got, want, "issues: {:#?}", issues(&v));
}

fn q(v: &mut Value, i: usize) -> &mut Value {
    &mut v["questions"][i]
}

#[test]
fn base_is_valid() {
    assert_eq!(issues(&base()), vec![]);
    let json = base().to_string();
    let parsed = SurveyDefinition::from_json(&json).expect("valid");
    assert_eq!(parsed.questions.len(), 7);
}

// --- identifiers -----------------------------------------------------------

#[test]
fn survey_id_must_not_be_empty() {
    expect(|v| v["id"] = json!(""), &["id"]);
}

#[test]
fn survey_id_must_match_pattern() {
    for bad in ["Trato", "-trato", "trato digno", "trató", &"a".repeat(65)] {
        expect(|v| v["id"] = json!(bad), &["id"]);
    }
    for good in ["a", "0", "trato-digno_2", &"a".repeat(64)] {
        expect(|v| v["id"] = json!(good), &[]);
    }
}

#[test]
fn question_id_must_match_pattern() {
    expect(|v| q(v, 2)["id"] = json!("Espera"), &["questions[2].id"]);
}

#[test]
fn question_ids_are_unique() {
    expect(|v| q(v, 2)["id"] = json!("saludo"), &["questions[2].id"]);
}

#[test]
fn option_code_must_match_pattern() {
    expect(
        |v| q(v, 2)["options"][1]["code"] = json!("Mucho!"),
        &["questions[2].options[1].code"],
    );
}

#[test]
fn option_codes_may_be_digits() {
    expect(
        |v| {
            q(v, 2)["options"][0]["code"] = json!("10");
            q(v, 2)["options"][1]["code"] = json!("20");
        },
        &[],
    );
}

#[test]
fn option_codes_are_unique_per_question() {
    expect(
        |v| q(v, 3)["options"][2]["code"] = json!("trato"),
        &["questions[3].options[2].code"],
    );
}

#[test]
fn same_code_in_two_questions_is_fine() {
    // "trato" is both a question id and a code of `mejorar` in the base survey.
    expect(|_| {}, &[]);
}

// --- version and languages ---------------------------------------------------

#[test]
fn version_must_be_at_least_one() {
    expect(|v| v["version"] = json!(0), &["version"]);
}

#[test]
fn negative_version_is_a_json_error() {
    let mut v = base();
    v["version"] = json!(-1);
    assert!(matches!(
        SurveyDefinition::from_json(&v.to_string()),
        Err(SurveyError::Json(_))
    ));
}

#[test]
fn languages_must_not_be_empty() {
    let mut v = base();
    v["languages"] = json!([]);
    let got = paths(&v);
    // Every text now has extra languages; the list itself is reported first.
    assert_eq!(got[0], "languages");
    assert!(got.contains(&"title.es".to_owned()));
    assert!(got.contains(&"questions[0].prompt.en".to_owned()));
}

#[test]
fn languages_must_be_unique() {
    expect(
        |v| v["languages"] = json!(["es", "en", "es"]),
        &["languages[2]"],
    );
}

#[test]
fn language_codes_must_match_pattern() {
    let mut v = base();
    v["languages"] = json!(["es", "EN"]);
    let got = paths(&v);
    assert!(got.contains(&"languages[1]".to_owned()), "{got:?}");
    assert!(got.contains(&"title.EN".to_owned()), "{got:?}");
    assert!(got.contains(&"title.en".to_owned()), "{got:?}");

    expect(
        |v| {
            v["languages"] = json!(["es-MX"]);
            rename_language(v, "es", "es-MX");
            drop_language(v, "en");
        },
        &[],
    );
}

/// Mexico's indigenous languages have ISO 639-3 codes only (`nah` Náhuatl,
/// `yua` Maya, `tzh` Tzeltal): they are accepted like two-letter ones.
#[test]
fn iso_639_3_language_codes_are_accepted() {
    for code in ["nah", "yua", "tzh", "nah-MX"] {
        expect(
            |v| {
                v["languages"] = json!(["es", code]);
                rename_language(v, "en", code);
            },
            &[],
        );
    }
    for bad in ["nahu", "Nah", "n", "na-mx", "nah-"] {
        let mut v = base();
        v["languages"] = json!(["es", bad]);
        rename_language(&mut v, "en", bad);
        assert!(
            paths(&v).contains(&"languages[1]".to_owned()),
            "{bad}: {:?}",
            paths(&v)
        );
    }
    assert!(trato_domain::is_valid_language("tzh"));
    assert!(!trato_domain::is_valid_language("tzhx"));
}

fn rename_language(v: &mut Value, from: &str, to: &str) {
    for_each_text(v, &mut |t| {
        if let Some(s) = t.as_object_mut().and_then(|o| o.remove(from)) {
            t[to] = s;
        }
    });
}

fn drop_language(v: &mut Value, lang: &str) {
    for_each_text(v, &mut |t| {
        if let Some(o) = t.as_object_mut() {
            o.remove(lang);
        }
    });
}

fn for_each_text(v: &mut Value, f: &mut dyn FnMut(&mut Value)) {
    f(&mut v["title"]);
    for question in v["questions"].as_array_mut().unwrap() {
        f(&mut question["prompt"]);
        if let Some(options) = question.get_mut("options").and_then(Value::as_array_mut) {
            for option in options {
                f(&mut option["label"]);
            }
        }
    }
}

// --- localized texts ---------------------------------------------------------

#[test]
fn title_missing_language() {
    expect(
        |v| {
            v["title"].as_object_mut().unwrap().remove("en");
        },
        &["title.en"],
    );
}

#[test]
fn title_extra_language() {
    expect(|v| v["title"]["fr"] = json!("Enquête"), &["title.fr"]);
}

#[test]
fn title_blank() {
    expect(|v| v["title"]["es"] = json!("  \n "), &["title.es"]);
}

#[test]
fn title_too_long() {
    expect(|v| v["title"]["en"] = json!("a".repeat(121)), &["title.en"]);
    // Counted in characters, not bytes.
    expect(|v| v["title"]["es"] = json!("ñ".repeat(120)), &[]);
}

#[test]
fn prompt_missing_blank_and_too_long() {
    expect(
        |v| {
            q(v, 1)["prompt"].as_object_mut().unwrap().remove("es");
        },
        &["questions[1].prompt.es"],
    );
    expect(
        |v| q(v, 1)["prompt"]["en"] = json!(""),
        &["questions[1].prompt.en"],
    );
    expect(
        |v| q(v, 1)["prompt"]["es"] = json!("é".repeat(301)),
        &["questions[1].prompt.es"],
    );
    expect(|v| q(v, 1)["prompt"]["es"] = json!("é".repeat(300)), &[]);
}

#[test]
fn label_missing_extra_blank_and_too_long() {
    expect(
        |v| {
            q(v, 3)["options"][1]["label"]
                .as_object_mut()
                .unwrap()
                .remove("es");
        },
        &["questions[3].options[1].label.es"],
    );
    expect(
        |v| q(v, 3)["options"][1]["label"]["nah"] = json!("Náhuatl"),
        &["questions[3].options[1].label.nah"],
    );
    expect(
        |v| q(v, 3)["options"][1]["label"]["en"] = json!("\t"),
        &["questions[3].options[1].label.en"],
    );
    expect(
        |v| q(v, 3)["options"][1]["label"]["es"] = json!("x".repeat(81)),
        &["questions[3].options[1].label.es"],
    );
}

#[test]
fn hint_is_optional_but_checked() {
    expect(
        |v| {
            q(v, 6)["hint"] =
                json!({ "es": "No escriba su nombre.", "en": "Do not write your name." })
        },
        &[],
    );
    expect(
        |v| q(v, 6)["hint"] = json!({ "es": "No escriba su nombre." }),
        &["questions[6].hint.en"],
    );
}

// --- questions ---------------------------------------------------------------

#[test]
fn at_least_one_question() {
    expect(|v| v["questions"] = json!([]), &["questions"]);
}

#[test]
fn at_most_forty_questions() {
    let make = |n: usize| {
        move |v: &mut Value| {
            let template = v["questions"][1].clone();
            let list: Vec<Value> = (0..n)
                .map(|i| {
                    let mut t = template.clone();
                    t["id"] = json!(format!("q{i}"));
                    t
                })
                .collect();
            v["questions"] = json!(list);
        }
    };
    expect(make(40), &[]);
    expect(make(41), &["questions"]);
}

// --- kinds and their options ------------------------------------------------------

#[test]
fn faces_needs_five_options() {
    expect(
        |v| {
            q(v, 0)["options"].as_array_mut().unwrap().pop();
        },
        &["questions[0].options"],
    );
}

#[test]
fn faces_codes_are_one_to_five_in_order() {
    expect(
        |v| {
            q(v, 0)["options"][0]["code"] = json!("2");
            q(v, 0)["options"][1]["code"] = json!("1");
        },
        &[
            "questions[0].options[0].code",
            "questions[0].options[1].code",
        ],
    );
    expect(
        |v| q(v, 0)["options"][4]["code"] = json!("6"),
        &["questions[0].options[4].code"],
    );
}

#[test]
fn yes_no_codes() {
    expect(
        |v| {
            q(v, 1)["options"].as_array_mut().unwrap().pop();
        },
        &[],
    );
    expect(
        |v| q(v, 1)["options"][0]["code"] = json!("sí"),
        &["questions[1].options[0].code"],
    );
    expect(
        |v| q(v, 1)["options"][2]["code"] = json!("tal_vez"),
        &["questions[1].options[2].code"],
    );
    expect(
        |v| {
            q(v, 1)["options"].as_array_mut().unwrap().truncate(1);
        },
        &["questions[1].options"],
    );
    expect(
        |v| {
            let extra = q(v, 1)["options"][2].clone();
            let mut extra = extra;
            extra["code"] = json!("no_se");
            q(v, 1)["options"].as_array_mut().unwrap().push(extra);
        },
        &["questions[1].options[3].code"],
    );
    expect(
        |v| {
            let mut extra = q(v, 1)["options"][2].clone();
            extra["code"] = json!("no_sabe");
            q(v, 1)["options"]
                .as_array_mut()
                .unwrap()
                .push(extra.clone());
            extra["code"] = json!("otro");
            q(v, 1)["options"].as_array_mut().unwrap().push(extra);
        },
        &["questions[1].options"],
    );
}

#[test]
fn single_choice_needs_two_to_twelve_options() {
    expect(
        |v| {
            q(v, 2)["options"].as_array_mut().unwrap().pop();
        },
        &["questions[2].options"],
    );
    let with = |n: usize| {
        move |v: &mut Value| {
            let opts: Vec<Value> = (0..n)
                .map(|i| json!({ "code": format!("o{i}"), "label": { "es": "Op", "en": "Op" } }))
                .collect();
            q(v, 2)["options"] = json!(opts);
        }
    };
    expect(with(12), &[]);
    expect(with(13), &["questions[2].options"]);
}

#[test]
fn multiple_choice_needs_two_to_twelve_options() {
    expect(
        |v| {
            q(v, 3)["options"].as_array_mut().unwrap().truncate(1);
        },
        &["questions[3].options"],
    );
}

#[test]
fn recommend_has_no_options() {
    expect(
        |v| q(v, 4)["options"] = json!([{ "code": "10", "label": { "es": "Diez", "en": "Ten" } }]),
        &["questions[4].options"],
    );
}

#[test]
fn free_text_has_no_options() {
    expect(
        |v| q(v, 6)["options"] = json!([{ "code": "a", "label": { "es": "A", "en": "A" } }, { "code": "b", "label": { "es": "B", "en": "B" } }]),
        &["questions[6].options"],
    );
}

#[test]
fn max_chars_only_on_free_text() {
    expect(
        |v| q(v, 2)["max_chars"] = json!(10),
        &["questions[2].max_chars"],
    );
}

#[test]
fn max_chars_range() {
    expect(
        |v| q(v, 6)["max_chars"] = json!(0),
        &["questions[6].max_chars"],
    );
    expect(
        |v| q(v, 6)["max_chars"] = json!(MAX_TEXT_CHARS + 1),
        &["questions[6].max_chars"],
    );
    expect(|v| q(v, 6)["max_chars"] = json!(MAX_TEXT_CHARS), &[]);
    expect(|v| q(v, 6)["max_chars"] = json!(1), &[]);
}

#[test]
fn text_limit_defaults_to_500() {
    let s = survey(&base());
    assert_eq!(s.question("porque").unwrap().text_limit(), Some(500));
    assert_eq!(s.question("comentario").unwrap().text_limit(), Some(20));
    assert_eq!(s.question("trato").unwrap().text_limit(), None);
}

// --- conditions ------------------------------------------------------------------

#[test]
fn show_if_unknown_question() {
    expect(
        |v| q(v, 3)["show_if"]["question"] = json!("nadie"),
        &["questions[3].show_if.question"],
    );
}

#[test]
fn show_if_must_look_back() {
    // A later question.
    expect(
        |v| q(v, 3)["show_if"] = json!({ "question": "recomienda", "any_of": ["1"] }),
        &["questions[3].show_if.question"],
    );
    // Itself.
    expect(
        |v| q(v, 3)["show_if"] = json!({ "question": "mejorar", "any_of": ["trato"] }),
        &["questions[3].show_if.question"],
    );
}

#[test]
fn show_if_target_needs_options() {
    expect(
        |v| q(v, 6)["show_if"] = json!({ "question": "porque", "any_of": ["x"] }),
        &["questions[6].show_if.question"],
    );
}

#[test]
fn show_if_on_recommend_uses_implied_codes() {
    expect(
        |v| q(v, 5)["show_if"]["any_of"] = json!(["10", "11"]),
        &["questions[5].show_if.any_of[1]"],
    );
}

#[test]
fn show_if_any_of_not_empty() {
    expect(
        |v| q(v, 3)["show_if"]["any_of"] = json!([]),
        &["questions[3].show_if.any_of"],
    );
}

#[test]
fn show_if_codes_must_exist() {
    expect(
        |v| q(v, 3)["show_if"]["any_of"] = json!(["1", "6", "2", "si"]),
        &[
            "questions[3].show_if.any_of[1]",
            "questions[3].show_if.any_of[3]",
        ],
    );
}

// --- headline --------------------------------------------------------------------

#[test]
fn headline_must_be_faces() {
    expect(
        |v| {
            q(v, 0)["headline"] = json!(false);
            q(v, 1)["headline"] = json!(true);
        },
        &["questions[1].headline"],
    );
}

#[test]
fn at_most_one_headline() {
    expect(
        |v| {
            let mut second = v["questions"][0].clone();
            second["id"] = json!("trato2");
            v["questions"].as_array_mut().unwrap().push(second);
        },
        &["questions[7].headline"],
    );
}

#[test]
fn headline_is_optional() {
    expect(|v| q(v, 0)["headline"] = json!(false), &[]);
}

// --- whole document -------------------------------------------------------------

#[test]
fn several_problems_are_all_reported() {
    let mut v = base();
    v["id"] = json!("Prueba");
    v["version"] = json!(0);
    v["title"].as_object_mut().unwrap().remove("en");
    v["questions"][2]["id"] = json!("trato");
    v["questions"][3]["options"][1]["label"]["es"] = json!(" ");
    v["questions"][3]["show_if"]["question"] = json!("comentario");
    v["questions"][4]["max_chars"] = json!(5);
    v["questions"][6]["max_chars"] = json!(5000);

    let err = SurveyDefinition::from_json(&v.to_string()).unwrap_err();
    let SurveyError::Invalid(issues) = &err else {
        panic!("expected Invalid, got {err:?}");
    };
    let got: Vec<&str> = issues.iter().map(|i| i.path.as_str()).collect();
    assert_eq!(
        got,
        vec![
            "id",
            "version",
            "title.en",
            "questions[2].id",
            "questions[3].options[1].label.es",
            "questions[3].show_if.question",
            "questions[4].max_chars",
            "questions[6].max_chars",
        ]
    );
    // The message lists every issue with its path.
    let text = err.to_string();
    assert!(
        text.contains("8 problema(s) | the survey has 8 problem(s)"),
        "{text}"
    );
    assert!(
        text.contains(
            "questions[3].options[1].label.es: el texto está en blanco | the text is blank"
        ),
        "{text}"
    );
}

#[test]
fn malformed_json_is_a_json_error() {
    for bad in ["", "{", "[]", "null", r#"{"id": "x"}"#] {
        assert!(matches!(
            SurveyDefinition::from_json(bad),
            Err(SurveyError::Json(_))
        ));
    }
}

#[test]
fn unknown_fields_are_refused() {
    let mut v = base();
    v["questions"][0]["colour"] = json!("red");
    assert!(matches!(
        SurveyDefinition::from_json(&v.to_string()),
        Err(SurveyError::Json(_))
    ));
    let mut v = base();
    v["questions"][0]["kind"] = json!("stars");
    assert!(matches!(
        SurveyDefinition::from_json(&v.to_string()),
        Err(SurveyError::Json(_))
    ));
}

// --- helpers -----------------------------------------------------------------------

#[test]
fn effective_codes() {
    let s = survey(&base());
    let codes = |id: &str| s.question(id).unwrap().effective_codes();
    assert_eq!(codes("trato"), ["1", "2", "3", "4", "5"]);
    assert_eq!(codes("saludo"), ["si", "no", "en_parte"]);
    assert_eq!(
        codes("recomienda"),
        ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10"]
    );
    assert!(codes("comentario").is_empty());
    assert!(s.question("nadie").is_none());
    assert_eq!(s.headline_question().map(|q| q.id.as_str()), Some("trato"));
    assert_eq!(s.default_language(), Some("es"));
}

#[test]
fn documented_example_is_valid() {
    let doc = include_str!("../../../docs/survey-format.md");
    let start = doc
        .rfind("```json\n")
        .expect("the format doc ends with a JSON example")
        + "```json\n".len();
    let end = start + doc[start..].find("```").expect("closed code block");
    let survey = SurveyDefinition::from_json(&doc[start..end]).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(survey.id, "ejemplo");
    assert_eq!(survey.questions.len(), 4);
}

// --- recorded audio ---------------------------------------------------------

#[test]
fn audio_is_optional_per_language_and_item() {
    expect(
        |v| {
            q(v, 0)["audio"] = json!({"es": "audio/trato.mp3"});
            q(v, 2)["options"][1]["audio"] = json!({"en": "Espera_2.WAV"});
        },
        &[],
    );
}

#[test]
fn audio_names_stay_beside_the_survey_file() {
    for bad in [
        "../trato.mp3",
        "/etc/trato.wav",
        "audio/../../x.wav",
        ".hidden.wav",
        "audio//x.wav",
        "trato.txt",
        "trato",
        "audio\\trato.wav",
        "trató.wav",
    ] {
        expect(
            |v| q(v, 0)["audio"] = json!({ "es": bad }),
            &["questions[0].audio.es"],
        );
    }
}

#[test]
fn audio_languages_are_the_surveys() {
    expect(
        |v| q(v, 2)["options"][0]["audio"] = json!({"fr": "a.ogg"}),
        &["questions[2].options[0].audio.fr"],
    );
}
