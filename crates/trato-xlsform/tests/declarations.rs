//! What a survey's answers mean, written in the spreadsheet: `indicator`
//! and `indicator_label::…` columns, `sentiment` on choices, the `alerts`
//! sheet; using any of them makes the document say `"format": 2`.

mod common;

use common::Book;
use serde_json::json;

fn declared() -> Book {
    Book::valid()
        .set("survey", "J1", "indicator")
        .set("survey", "K1", "indicator_label::Español (es)")
        .set("survey", "L1", "indicator_label::English (en)")
        .set("survey", "J2", "trato")
        .set("survey", "K2", "Trato")
        .set("survey", "L2", "Treatment")
        .set("survey", "J3", "saludo")
        .set("choices", "E1", "sentiment")
        .set("choices", "E7", "positive")
        .set("choices", "E8", "negative")
        .add_sheet(
            "alerts",
            &[
                &[
                    "reason",
                    "label::Español (es)",
                    "label::English (en)",
                    "question",
                    "any_of",
                ],
                &[
                    "trato",
                    "Trato malo o muy malo",
                    "Poor or very poor treatment",
                    "trato",
                    "1 2",
                ],
                &["saludo", "Sin saludo", "Not greeted", "saludo", "no"],
            ],
        )
}

#[test]
fn declarations_become_the_documents_declarations() {
    let doc =
        trato_xlsform::xlsx_to_document(&declared().xlsx()).unwrap_or_else(|e| panic!("{e:#?}"));
    assert_eq!(doc["format"], 2);
    assert_eq!(
        doc["questions"][0]["indicator"],
        json!({ "key": "trato", "label": { "es": "Trato", "en": "Treatment" } })
    );
    // No indicator_label: the question's prompt is the label (none written).
    assert_eq!(doc["questions"][1]["indicator"], json!({ "key": "saludo" }));
    assert_eq!(doc["questions"][1]["options"][0]["sentiment"], "positive");
    assert_eq!(doc["questions"][1]["options"][1]["sentiment"], "negative");
    assert!(doc["questions"][0]["options"][0].get("sentiment").is_none());
    assert!(doc["questions"][2].get("indicator").is_none());
    assert_eq!(
        doc["alerts"],
        json!([
            { "reason": "trato", "label": { "es": "Trato malo o muy malo", "en": "Poor or very poor treatment" },
              "question": "trato", "any_of": ["1", "2"] },
            { "reason": "saludo", "label": { "es": "Sin saludo", "en": "Not greeted" },
              "question": "saludo", "any_of": ["no"] }
        ])
    );
}

#[test]
fn a_survey_without_declarations_states_no_format() {
    let doc = trato_xlsform::xlsx_to_document(&Book::valid().xlsx()).unwrap();
    assert!(doc.get("format").is_none(), "{doc}");
    assert!(doc.get("alerts").is_none(), "{doc}");
}

#[test]
fn an_indicator_label_without_an_indicator_is_an_error() {
    let errors = Book::valid()
        .set("survey", "J1", "indicator")
        .set("survey", "K1", "indicator_label::Español (es)")
        .set("survey", "L1", "indicator_label::English (en)")
        .set("survey", "K3", "Saludo")
        .set("survey", "L3", "Greeting")
        .errors();
    common::error_at(
        &errors,
        "survey!J3",
        "indicator_label sin indicator",
        "indicator_label without indicator",
    );
}

#[test]
fn a_declared_survey_is_valid_for_the_domain() {
    let survey =
        trato_xlsform::survey_from_xlsx(&declared().xlsx()).unwrap_or_else(|e| panic!("{e:#?}"));
    assert_eq!(survey.format, Some(trato_domain::FORMAT_VERSION));
    let keys: Vec<String> = survey.indicators().map(|i| i.key.to_string()).collect();
    assert_eq!(keys, ["trato", "saludo"]);
    assert_eq!(survey.alerts.len(), 2);
}

#[test]
fn the_domains_rules_on_declarations_are_reported_at_their_cells() {
    let errors = declared()
        // A sentiment on an option of a question without an indicator.
        .set("choices", "E10", "positive")
        // An alert on a code the question does not have.
        .set("alerts", "E2", "1 7")
        // Two questions with one indicator key.
        .set("survey", "J3", "trato")
        .errors();
    common::error_at(
        &errors,
        "choices!E10",
        "questions[2].options[1].sentiment",
        "only an option of a question with an indicator",
    );
    common::error_at(&errors, "alerts!E2", "alerts[0].any_of", "7");
    common::error_at(&errors, "survey!J3", "questions[1].indicator", "used twice");
}
