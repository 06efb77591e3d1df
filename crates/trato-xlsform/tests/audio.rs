//! Recorded audio in the spreadsheet (the XLSForm convention): an
//! `audio::Español (es)` column in `survey` and in `choices`, any language
//! may have it or not; the file names become the document's `audio`.

mod common;

use common::Book;
use serde_json::json;

fn with_audio() -> Book {
    Book::valid()
        .set("survey", "J1", "audio::Español (es)")
        .set("survey", "J2", "audio/trato.mp3")
        .set("choices", "E1", "audio::Español (es)")
        .set("choices", "E2", "audio/muy_mal.ogg")
        .set("choices", "E7", "audio/si.wav")
}

#[test]
fn audio_columns_become_the_documents_audio() {
    let doc =
        trato_xlsform::xlsx_to_document(&with_audio().xlsx()).unwrap_or_else(|e| panic!("{e:#?}"));
    assert_eq!(
        doc["questions"][0]["audio"],
        json!({"es": "audio/trato.mp3"})
    );
    assert!(
        doc["questions"][1].get("audio").is_none(),
        "blank cell: no audio"
    );
    assert_eq!(
        doc["questions"][0]["options"][0]["audio"],
        json!({"es": "audio/muy_mal.ogg"})
    );
    assert!(doc["questions"][0]["options"][1].get("audio").is_none());
    assert_eq!(
        doc["questions"][1]["options"][0]["audio"],
        json!({"es": "audio/si.wav"})
    );
    // English has no audio column at all, and needs none.
    let survey = trato_xlsform::survey_from_xlsx(&with_audio().xlsx()).expect("valid");
    assert_eq!(
        survey.questions[0]
            .audio
            .as_ref()
            .and_then(|a| a.get("es"))
            .map(String::as_str),
        Some("audio/trato.mp3")
    );
}

#[test]
fn a_bad_audio_file_name_is_reported_at_its_cell() {
    let errors = with_audio()
        .set("choices", "E3", "../fuera.mp3")
        .set("survey", "J3", "saludo.txt")
        .errors();
    common::error_at(&errors, "survey!J3", "saludo.txt", "saludo.txt");
    common::error_at(&errors, "choices!E3", "fuera.mp3", "fuera.mp3");
}

#[test]
fn an_audio_column_needs_a_survey_language() {
    let errors = with_audio()
        .set("survey", "K1", "audio::Maya (yua)")
        .errors();
    common::error_at(&errors, "survey!K1", "yua", "yua");
}
