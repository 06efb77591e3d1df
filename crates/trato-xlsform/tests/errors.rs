//! Each kind of mistake a coordinator can make in the spreadsheet is
//! reported at its cell, in Spanish and English, with all the others.

mod common;

use common::{error_at, Book};

#[test]
fn the_valid_book_converts() {
    let survey = trato_xlsform::survey_from_xlsx(&Book::valid().xlsx()).unwrap();
    assert_eq!(survey.id, "ejemplo");
    assert_eq!(survey.version, 3);
    assert_eq!(survey.languages, ["es", "en"]);
    let kinds: Vec<&str> = survey.questions.iter().map(|q| q.kind.as_str()).collect();
    assert_eq!(kinds, ["faces", "yes_no", "multiple_choice", "free_text"]);
    let cond = survey.questions[2].show_if.as_ref().unwrap();
    assert_eq!(
        (cond.question.as_str(), cond.any_of.as_slice()),
        ("trato", &["1".to_owned(), "2".to_owned()][..])
    );
    assert!(
        survey.questions[0].required
            && !survey.questions[2].required
            && !survey.questions[3].required
    );
    assert_eq!(
        survey.questions[2].hint.as_ref().unwrap()["en"],
        "You can choose more than one."
    );
}

#[test]
fn unknown_type() {
    let errors = Book::valid()
        .set("survey", "A3", "select one si_no")
        .errors();
    error_at(
        &errors,
        "survey!A3",
        "tipo desconocido \"select one si_no\"",
        "unknown type \"select one si_no\"",
    );
}

#[test]
fn unsupported_appearance() {
    let errors = Book::valid().set("survey", "I5", "multiline").errors();
    error_at(
        &errors,
        "survey!I5",
        "appearance \"multiline\"",
        "appearance \"multiline\" is not supported",
    );
}

#[test]
fn bad_relevant_expression() {
    let errors = Book::valid()
        .set("survey", "H4", "${trato} = '1' and ${saludo} = 'no'")
        .errors();
    error_at(
        &errors,
        "survey!H4",
        "\"and\" no se puede usar",
        "\"and\" is not supported",
    );
    let errors = Book::valid()
        .set("survey", "H4", "${trato} = '1' or ${saludo} = 'no'")
        .errors();
    error_at(
        &errors,
        "survey!H4",
        "la misma pregunta",
        "the same question",
    );
    let errors = Book::valid().set("survey", "H4", "${trato} < 3").errors();
    error_at(
        &errors,
        "survey!H4",
        "solo se puede comparar con \"=\"",
        "only \"=\" comparisons",
    );
}

#[test]
fn relevant_on_a_later_or_missing_question() {
    let errors = Book::valid()
        .set("survey", "H3", "${comentario} = 'x'")
        .errors();
    error_at(
        &errors,
        "survey!H3",
        "no es una pregunta anterior",
        "is not an earlier question",
    );
    let errors = Book::valid()
        .set("survey", "H4", "${tratoo} = '1'")
        .errors();
    error_at(
        &errors,
        "survey!H4",
        "no hay ninguna pregunta \"tratoo\"",
        "there is no question \"tratoo\"",
    );
}

#[test]
fn equals_on_a_multiple_choice_question() {
    let errors = Book::valid()
        .set("survey", "H5", "${mejorar} = 'otro'")
        .errors();
    error_at(
        &errors,
        "survey!H5",
        "use selected(${mejorar}, 'código')",
        "use selected(${mejorar}, 'code')",
    );
}

#[test]
fn a_code_the_question_does_not_have_is_found_by_the_domain_at_the_relevant_cell() {
    let errors = Book::valid().set("survey", "H4", "${trato} = '6'").errors();
    error_at(
        &errors,
        "survey!H4",
        "show_if.any_of[0]",
        "question `trato` has no option `6`",
    );
}

#[test]
fn missing_label_language() {
    let errors = Book::valid().set("survey", "D3", "").errors();
    error_at(
        &errors,
        "survey!D3",
        "falta el texto en el idioma \"en\"",
        "the text in the language \"en\" is missing",
    );
    let errors = Book::valid().set("choices", "C4", "").errors();
    error_at(
        &errors,
        "choices!C4",
        "idioma \"es\"",
        "language \"es\" is missing",
    );
}

#[test]
fn a_language_column_missing_or_foreign() {
    let mut book = Book::valid();
    for row in book.sheet_mut("choices").iter_mut() {
        row.truncate(3);
    }
    let errors = book.errors();
    error_at(
        &errors,
        "choices!C1",
        "falta la columna label::… del idioma \"en\"",
        "column for the language \"en\" is missing",
    );
    let errors = Book::valid()
        .set("choices", "E1", "label::Français (fr)")
        .set("choices", "E2", "Très mal")
        .errors();
    error_at(
        &errors,
        "choices!E1",
        "el idioma \"fr\"",
        "the language \"fr\" has no label::… column",
    );
}

/// A language with only an ISO 639-3 code (Náhuatl, `nah`) is written like
/// any other: `label::Nāhuatlahtōlli (nah)`.
#[test]
fn a_three_letter_language_code_converts() {
    let mut book = Book::valid();
    for (_, sheet) in &mut book.0 {
        for cell in &mut sheet[0] {
            if let Some(base) = cell.strip_suffix("::English (en)") {
                *cell = format!("{base}::Nāhuatlahtōlli (nah)");
            }
        }
    }
    let survey = trato_xlsform::survey_from_xlsx(&book.xlsx()).unwrap_or_else(|e| panic!("{e:#?}"));
    assert_eq!(survey.languages, ["es", "nah"]);
    assert_eq!(survey.title["nah"], "Short survey");
    assert_eq!(survey.questions[1].options[0].label["nah"], "Yes");
}

#[test]
fn unknown_list() {
    let errors = Book::valid()
        .set("survey", "A3", "select_one sino")
        .errors();
    error_at(
        &errors,
        "survey!A3",
        "la lista \"sino\" no está en la hoja choices",
        "the list \"sino\" is not in the choices sheet",
    );
    // The list nobody uses now is said too.
    error_at(
        &errors,
        "choices!A7",
        "ninguna pregunta usa la lista \"si_no\"",
        "no question uses the list \"si_no\"",
    );
}

#[test]
fn duplicate_names() {
    let errors = Book::valid().set("survey", "B4", "saludo").errors();
    error_at(
        &errors,
        "survey!B4",
        "el nombre \"saludo\" ya lo usa otra pregunta (fila 3)",
        "already used by another question (row 3)",
    );
    let errors = Book::valid().set("choices", "B4", "2").errors();
    error_at(
        &errors,
        "choices!B4",
        "la opción \"2\" ya está en la lista \"caras\"",
        "the option \"2\" is already in the list \"caras\"",
    );
}

#[test]
fn unknown_column() {
    let errors = Book::valid()
        .set("survey", "J1", "constraint")
        .set("survey", "J5", ". != ''")
        .errors();
    error_at(
        &errors,
        "survey!J1",
        "columna desconocida \"constraint\"",
        "unknown column \"constraint\" in the survey sheet",
    );
    let errors = Book::valid().set("survey", "J1", "label").errors();
    error_at(
        &errors,
        "survey!J1",
        "necesita su idioma",
        "needs its language",
    );
    let errors = Book::valid().set("survey", "K4", "sin encabezado").errors();
    error_at(
        &errors,
        "survey!K4",
        "no tiene nombre de columna",
        "has no column name in row 1",
    );
}

#[test]
fn unknown_sheet() {
    let errors = Book::valid()
        .add_sheet("external_choices", &[&["list_name"]])
        .errors();
    error_at(
        &errors,
        "external_choices",
        "hoja desconocida \"external_choices\"",
        "unknown sheet \"external_choices\"",
    );
    // A sheet of notes for people is not an error.
    let book = Book::valid().add_sheet("notas", &[&["Cómo llenar esta hoja"]]);
    assert!(trato_xlsform::survey_from_xlsx(&book.xlsx()).is_ok());
}

#[test]
fn bad_sentiment() {
    let errors = Book::valid()
        .set("survey", "J1", "indicator")
        .set("survey", "J3", "saludo")
        .set("choices", "E1", "sentiment")
        .set("choices", "E7", "bueno")
        .errors();
    error_at(
        &errors,
        "choices!E7",
        "sentiment \"bueno\" no existe",
        "sentiment \"bueno\" does not exist",
    );
}

#[test]
fn alert_referencing_an_unknown_question() {
    let errors = Book::valid()
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
                &["trato", "Trato malo", "Poor treatment", "trato", "1 2"],
                &["saludo", "Sin saludo", "Not greeted", "saludos", "no"],
                &["vacio", "Vacía", "Empty", "saludo", ""],
            ],
        )
        .errors();
    error_at(
        &errors,
        "alerts!D3",
        "no hay ninguna pregunta \"saludos\"",
        "there is no question \"saludos\"",
    );
    error_at(&errors, "alerts!E4", "falta any_of", "any_of is missing");
    assert_eq!(errors.len(), 2, "{errors:#?}");
}

#[test]
fn settings_mistakes() {
    let errors = Book::valid()
        .set("settings", "A2", "")
        .set("settings", "B2", "dos")
        .set("settings", "C2", "Deutsch (de)")
        .errors();
    error_at(
        &errors,
        "settings!A2",
        "falta form_id",
        "form_id (the survey id) is missing",
    );
    error_at(
        &errors,
        "settings!B2",
        "version \"dos\" no es un número entero",
        "is not a whole number",
    );
    error_at(
        &errors,
        "settings!C2",
        "default_language \"Deutsch (de)\"",
        "is not the language of any label",
    );
    let book = Book(
        Book::valid()
            .0
            .into_iter()
            .filter(|(n, _)| n != "settings")
            .collect(),
    );
    error_at(
        &book.errors(),
        "settings",
        "falta la hoja \"settings\"",
        "the sheet \"settings\"",
    );
}

#[test]
fn domain_rules_are_reported_at_their_cells() {
    let long = "x".repeat(81);
    let errors = Book::valid()
        .set("survey", "B2", "Trato Digno")
        .set("choices", "D9", &long)
        .set("survey", "A5", "select_one caras")
        .set("survey", "I5", "")
        .errors();
    // An id the format refuses: at the name cell.
    error_at(
        &errors,
        "survey!B2",
        "no cumple el formato de encuesta (questions[0].id)",
        "must be 1-64 characters",
    );
    // A label too long: at the choice's cell, found through the question that uses it.
    error_at(
        &errors,
        "choices!D9",
        "questions[2].options[0].label.en",
        "at most 80 are allowed",
    );
    // The relevant now names a question that is not there any more.
    error_at(
        &errors,
        "survey!H4",
        "no hay ninguna pregunta \"trato\"",
        "there is no question \"trato\"",
    );
}

#[test]
fn every_error_at_once_in_sheet_order() {
    let errors = Book::valid()
        .set("settings", "B2", "")
        .set("choices", "B4", "2")
        .set("survey", "A5", "integer")
        .set("survey", "H4", "${trato} = '1' and 1")
        .set("survey", "C3", "")
        .errors();
    let locations: Vec<&str> = errors
        .iter()
        .map(|e| e.split(": ").next().unwrap())
        .collect();
    assert_eq!(
        locations,
        [
            "survey!C3",
            "survey!H4",
            "survey!A5",
            "choices!B4",
            "settings!B2"
        ],
        "{errors:#?}"
    );
}

#[test]
fn not_a_workbook() {
    let errors = trato_xlsform::survey_from_xlsx(b"id,version\ntrato,1\n").unwrap_err();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].location, None);
    assert!(
        errors[0].es.contains("no es un libro de Excel .xlsx"),
        "{}",
        errors[0]
    );
    assert!(
        errors[0].en.contains("not a readable Excel .xlsx workbook"),
        "{}",
        errors[0]
    );
}

#[test]
fn a_range_is_the_recommend_question_and_nothing_else() {
    let book = Book::valid()
        .set("survey", "J1", "parameters")
        .set("survey", "A6", "range")
        .set("survey", "B6", "recomienda")
        .set("survey", "C6", "¿Nos recomendaría?")
        .set("survey", "D6", "Would you recommend us?")
        .set("survey", "J6", "start=0 end=10 step=1");
    let survey = trato_xlsform::survey_from_xlsx(&book.xlsx()).unwrap();
    assert_eq!(survey.questions[4].kind.as_str(), "recommend");
    let errors = book.set("survey", "J6", "start=1 end=5").errors();
    error_at(
        &errors,
        "survey!J6",
        "recomendación de 0 a 10",
        "0-10 recommendation question",
    );
}
