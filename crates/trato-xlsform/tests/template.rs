//! The shipped templates `assets/surveys/trato-digno-v1.xlsx` and `-v2.xlsx`
//! are the default surveys, and what the writer makes reads back as the
//! survey it was made from.

use serde_json::Value;
use trato_domain::SurveyDefinition;

const TEMPLATE: &[u8] = include_bytes!("../../../assets/surveys/trato-digno-v1.xlsx");
const TEMPLATE_V2: &[u8] = include_bytes!("../../../assets/surveys/trato-digno-v2.xlsx");

/// `xlsx` converts to exactly the document `json` (file name `name`).
fn converts_to_exactly(xlsx: &[u8], json: &str, name: &str) {
    let document =
        trato_xlsform::xlsx_to_document(xlsx).unwrap_or_else(|errors| panic!("{errors:#?}"));
    let expected: Value = serde_json::from_str(json).unwrap();
    assert_eq!(
        document,
        expected,
        "regenerate the template: cargo run -p trato-xlsform --example write_xlsform -- \
         assets/surveys/{name}.json assets/surveys/{name}.xlsx\n{}",
        serde_json::to_string_pretty(&document).unwrap()
    );
    let survey = trato_xlsform::survey_from_xlsx(xlsx).unwrap();
    assert_eq!(survey, SurveyDefinition::from_json(json).unwrap());
}

#[test]
fn the_shipped_template_converts_to_exactly_the_default_survey() {
    converts_to_exactly(
        TEMPLATE,
        trato_domain::DEFAULT_SURVEY_V1_JSON,
        "trato-digno-v1",
    );
}

#[test]
fn the_v2_template_converts_to_exactly_the_default_survey_v2() {
    converts_to_exactly(
        TEMPLATE_V2,
        trato_domain::DEFAULT_SURVEY_V2_JSON,
        "trato-digno-v2",
    );
}

/// Every kind, a hint, a condition on a multiple choice, and a language
/// other than Spanish and English.
const EVERY_KIND: &str = r#"{
  "id": "todas",
  "version": 7,
  "languages": ["en", "es-MX"],
  "title": { "en": "Every kind", "es-MX": "Todos los tipos" },
  "questions": [
    { "id": "trato", "kind": "faces", "headline": true, "required": true,
      "prompt": { "en": "How?", "es-MX": "¿Cómo?" },
      "options": [
        { "code": "1", "label": { "en": "1", "es-MX": "1" } },
        { "code": "2", "label": { "en": "2", "es-MX": "2" } },
        { "code": "3", "label": { "en": "3", "es-MX": "3" } },
        { "code": "4", "label": { "en": "4", "es-MX": "4" } },
        { "code": "5", "label": { "en": "5", "es-MX": "5" } } ] },
    { "id": "a", "kind": "yes_no", "prompt": { "en": "A?", "es-MX": "¿A?" },
      "options": [
        { "code": "si", "label": { "en": "Yes", "es-MX": "Sí" } },
        { "code": "no", "label": { "en": "No", "es-MX": "No" } },
        { "code": "en_parte", "label": { "en": "Partly", "es-MX": "En parte" } } ] },
    { "id": "b", "kind": "yes_no", "prompt": { "en": "B?", "es-MX": "¿B?" },
      "options": [
        { "code": "si", "label": { "en": "Yes", "es-MX": "Sí" } },
        { "code": "no", "label": { "en": "No", "es-MX": "No" } } ] },
    { "id": "c", "kind": "single_choice", "required": true, "prompt": { "en": "C?", "es-MX": "¿C?" },
      "options": [
        { "code": "x", "label": { "en": "X", "es-MX": "X" } },
        { "code": "y", "label": { "en": "Y", "es-MX": "Y" } } ] },
    { "id": "d", "kind": "multiple_choice", "prompt": { "en": "D?", "es-MX": "¿D?" },
      "hint": { "en": "Many", "es-MX": "Varias" },
      "show_if": { "question": "c", "any_of": ["y"] },
      "options": [
        { "code": "p", "label": { "en": "P", "es-MX": "P" } },
        { "code": "q", "label": { "en": "Q", "es-MX": "Q" } } ] },
    { "id": "e", "kind": "recommend", "prompt": { "en": "E?", "es-MX": "¿E?" },
      "show_if": { "question": "d", "any_of": ["q", "p"] } },
    { "id": "f", "kind": "free_text", "max_chars": 120, "prompt": { "en": "F?", "es-MX": "¿F?" },
      "show_if": { "question": "e", "any_of": ["0", "10"] } }
  ]
}"#;

#[test]
fn what_the_writer_makes_reads_back_as_the_same_survey() {
    let original = SurveyDefinition::from_json(EVERY_KIND).unwrap();
    let document: Value = serde_json::from_str(EVERY_KIND).unwrap();
    let bytes = trato_xlsform::write::document_to_xlsx(&document).unwrap();
    let again = trato_xlsform::survey_from_xlsx(&bytes).unwrap_or_else(|e| panic!("{e:#?}"));
    assert_eq!(again, original);
}
