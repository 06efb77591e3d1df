//! The patient flow against a real SQLite file: what the Tauri commands call.

mod manual_clock;

use std::sync::{Arc, Mutex};

use chrono::{Duration, TimeZone, Utc};
use manual_clock::ManualClock;
use trato_domain::{Answer, FlagReason, ResponseStatus};
use trato_kiosk_core::{Kiosk, KioskError};

fn kiosk() -> (tempfile::TempDir, Kiosk, Arc<ManualClock>) {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock(Mutex::new(
        Utc.with_ymd_and_hms(2026, 11, 30, 16, 0, 0).unwrap(),
    )));
    let kiosk = Kiosk::open_with_clock(dir.path(), clock.clone()).unwrap();
    (dir, kiosk, clock)
}

fn choice(question: &str, code: &str) -> Answer {
    Answer {
        question: question.into(),
        codes: vec![code.into()],
        text: None,
    }
}

/// A complete, good-experience response to the default survey.
fn complete_answers() -> Vec<Answer> {
    vec![
        choice("trato", "5"),
        choice("saludo", "si"),
        choice("escucha", "si"),
        choice("respuesta", "en_parte"),
        choice("respeto", "si"),
        choice("espera", "menos_30"),
    ]
}

#[test]
fn a_submitted_survey_is_stored_with_its_answers_and_identity() {
    let (_dir, mut kiosk, clock) = kiosk();
    kiosk
        .update_settings(&[("unit.clues", "dfims000020"), ("unit.name", "HGZ 1")])
        .unwrap();
    let id = kiosk.start_survey("es").unwrap();
    clock.advance(Duration::seconds(40));
    let mut answers = complete_answers();
    answers.push(Answer {
        question: "comentario".into(),
        codes: vec![],
        text: Some("Muy amables, gracias. Señora López ñ".into()),
    });
    let submitted = kiosk.submit(id, "es", &answers).unwrap();
    assert_eq!(submitted.status, ResponseStatus::Complete);
    assert!(!submitted.already_stored);

    let stored = kiosk.store().response(id).unwrap().unwrap();
    assert_eq!(stored.id, id);
    assert_eq!(stored.id.get_version_num(), 7);
    assert_eq!(stored.unit_clues, "DFIMS000020");
    assert_eq!(stored.unit_name, "HGZ 1");
    assert_eq!(stored.survey_id, "trato-digno");
    assert_eq!(stored.survey_version, 1);
    assert_eq!(stored.language, "es");
    assert_eq!(stored.utc_offset_minutes, -360);
    assert_eq!(
        stored.finished_at - stored.started_at,
        Duration::seconds(40)
    );
    assert_eq!(stored.answers, answers);
}

#[test]
fn submitting_twice_stores_one_response() {
    let (_dir, mut kiosk, _clock) = kiosk();
    let id = kiosk.start_survey("es").unwrap();
    kiosk.submit(id, "es", &complete_answers()).unwrap();
    let again = kiosk.submit(id, "es", &complete_answers()).unwrap();
    assert!(again.already_stored);
    assert_eq!(kiosk.store().response_counts().unwrap().total, 1);
}

#[test]
fn a_survey_completed_too_soon_after_another_is_flagged_not_dropped() {
    let (_dir, mut kiosk, clock) = kiosk();
    kiosk
        .update_settings(&[("survey.min_interval_seconds", "10")])
        .unwrap();
    let first = kiosk.start_survey("es").unwrap();
    kiosk.submit(first, "es", &complete_answers()).unwrap();

    clock.advance(Duration::seconds(3));
    let second = kiosk.start_survey("es").unwrap();
    let submitted = kiosk.submit(second, "es", &complete_answers()).unwrap();
    assert_eq!(submitted.status, ResponseStatus::Flagged);
    let stored = kiosk.store().response(second).unwrap().unwrap();
    assert_eq!(stored.flag_reason, Some(FlagReason::TooSoon));

    clock.advance(Duration::seconds(11));
    let third = kiosk.start_survey("es").unwrap();
    assert_eq!(
        kiosk
            .submit(third, "es", &complete_answers())
            .unwrap()
            .status,
        ResponseStatus::Complete
    );
    assert_eq!(kiosk.store().response_counts().unwrap().total, 3);
}

#[test]
fn invalid_answers_store_nothing_and_keep_the_survey_open() {
    let (_dir, mut kiosk, _clock) = kiosk();
    let id = kiosk.start_survey("es").unwrap();
    let mut answers = complete_answers();
    answers[0] = choice("trato", "9");
    let error = kiosk.submit(id, "es", &answers).unwrap_err();
    assert_eq!(error.code(), "invalid_answers");
    // A missing required answer is refused too.
    let error = kiosk
        .submit(id, "es", &complete_answers()[..3])
        .unwrap_err();
    assert_eq!(error.code(), "invalid_answers");
    assert_eq!(kiosk.store().response_counts().unwrap().total, 0);
    // The patient can still finish.
    kiosk.submit(id, "es", &complete_answers()).unwrap();
}

#[test]
fn a_comment_over_the_limit_is_refused() {
    let (_dir, mut kiosk, _clock) = kiosk();
    let id = kiosk.start_survey("es").unwrap();
    let mut answers = complete_answers();
    answers.push(Answer {
        question: "comentario".into(),
        codes: vec![],
        text: Some("á".repeat(501)),
    });
    let error = kiosk.submit(id, "es", &answers).unwrap_err();
    assert!(matches!(error, KioskError::Answers(_)), "{error}");
    assert_eq!(kiosk.store().response_counts().unwrap().total, 0);
}

#[test]
fn the_improvement_question_is_only_accepted_after_a_low_rating() {
    let (_dir, mut kiosk, _clock) = kiosk();
    let id = kiosk.start_survey("es").unwrap();
    let mut answers = complete_answers();
    answers.insert(
        6,
        Answer {
            question: "mejorar".into(),
            codes: vec!["limpieza".into()],
            text: None,
        },
    );
    assert_eq!(
        kiosk.submit(id, "es", &answers).unwrap_err().code(),
        "invalid_answers"
    );
    answers[0] = choice("trato", "2");
    assert_eq!(
        kiosk.submit(id, "es", &answers).unwrap().status,
        ResponseStatus::Complete
    );
}

#[test]
fn an_idle_reset_keeps_partial_answers_as_abandoned_by_default() {
    let (_dir, mut kiosk, _clock) = kiosk();
    assert_eq!(
        kiosk.settings().get("survey.abandoned").as_deref(),
        Some("keep")
    );
    let id = kiosk.start_survey("en").unwrap();
    let partial = &complete_answers()[..2];
    assert!(kiosk.abandon(id, "en", partial).unwrap().kept);
    let stored = kiosk.store().response(id).unwrap().unwrap();
    assert_eq!(stored.status, ResponseStatus::Abandoned);
    assert_eq!(stored.answers, partial);
    // The session is over: a late submit for it is refused.
    assert!(matches!(
        kiosk.submit(uuid::Uuid::now_v7(), "en", &complete_answers()),
        Err(KioskError::NoSession(_))
    ));
}

#[test]
fn an_idle_reset_discards_partial_answers_when_configured() {
    let (_dir, mut kiosk, _clock) = kiosk();
    kiosk
        .update_settings(&[("survey.abandoned", "discard")])
        .unwrap();
    let id = kiosk.start_survey("es").unwrap();
    assert!(
        !kiosk
            .abandon(id, "es", &complete_answers()[..2])
            .unwrap()
            .kept
    );
    assert_eq!(kiosk.store().response_counts().unwrap().total, 0);
}

#[test]
fn an_unknown_language_or_session_is_refused() {
    let (_dir, mut kiosk, _clock) = kiosk();
    assert_eq!(
        kiosk.start_survey("fr").unwrap_err().code(),
        "invalid_answers"
    );
    let error = kiosk
        .submit(uuid::Uuid::now_v7(), "es", &complete_answers())
        .unwrap_err();
    assert_eq!(error.code(), "no_session");
}

#[test]
fn settings_are_stored_explicitly_and_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let kiosk_id = {
        let mut kiosk = Kiosk::open(dir.path()).unwrap();
        kiosk
            .update_settings(&[("survey.idle_seconds", "90")])
            .unwrap();
        kiosk.settings().kiosk_id.clone()
    };
    let kiosk = Kiosk::open(dir.path()).unwrap();
    assert_eq!(kiosk.settings().kiosk_id, kiosk_id);
    assert_eq!(kiosk.settings().idle_seconds, 90);
    let stored: Vec<String> = kiosk
        .store()
        .settings()
        .unwrap()
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    assert!(stored.contains(&"survey.abandoned".to_owned()));
}

#[test]
fn bad_settings_change_nothing() {
    let (_dir, mut kiosk, _clock) = kiosk();
    let before = kiosk.settings().clone();
    let error = kiosk
        .update_settings(&[("survey.idle_seconds", "60"), ("unit.clues", "DF-IMS-20")])
        .unwrap_err();
    assert_eq!(error.code(), "invalid_setting");
    assert!(error.to_string().contains("unit.clues"), "{error}");
    assert_eq!(kiosk.settings(), &before);
    assert_eq!(
        kiosk.update_settings(&[("nope", "1")]).unwrap_err().code(),
        "unknown_setting"
    );
}

#[test]
fn a_face_tapped_on_the_attract_screen_starts_the_survey_with_that_answer() {
    let (_dir, mut kiosk, clock) = kiosk();
    kiosk
        .update_settings(&[("survey.min_interval_seconds", "10")])
        .unwrap();
    let started = kiosk.start_from_face("es", &choice("trato", "2")).unwrap();
    assert!(started.answer_kept);
    // Walked away after the tap: an abandoned response with that answer.
    let abandoned = kiosk
        .abandon(started.response_id, "es", &[choice("trato", "2")])
        .unwrap();
    assert!(abandoned.kept);
    let stored = kiosk
        .store()
        .response(started.response_id)
        .unwrap()
        .unwrap();
    assert_eq!(stored.status, ResponseStatus::Abandoned);
    assert_eq!(stored.answers, vec![choice("trato", "2")]);

    // A second face within the interval starts a survey without the answer.
    clock.advance(Duration::seconds(3));
    let again = kiosk.start_from_face("es", &choice("trato", "1")).unwrap();
    assert!(!again.answer_kept);
    kiosk.abandon(again.response_id, "es", &[]).unwrap();
    // Each tap restarts the interval: tapping faces one after another never counts.
    clock.advance(Duration::seconds(8));
    assert!(
        !kiosk
            .start_from_face("es", &choice("trato", "1"))
            .unwrap()
            .answer_kept
    );
    clock.advance(Duration::seconds(11));
    assert!(
        kiosk
            .start_from_face("es", &choice("trato", "4"))
            .unwrap()
            .answer_kept
    );
}

#[test]
fn a_face_tap_soon_after_a_completed_survey_does_not_count() {
    let (_dir, mut kiosk, clock) = kiosk();
    kiosk
        .update_settings(&[("survey.min_interval_seconds", "10")])
        .unwrap();
    let id = kiosk.start_survey("es").unwrap();
    kiosk.submit(id, "es", &complete_answers()).unwrap();
    clock.advance(Duration::seconds(2));
    let started = kiosk.start_from_face("es", &choice("trato", "5")).unwrap();
    assert!(!started.answer_kept);
}

#[test]
fn only_the_headline_question_can_be_answered_from_the_attract_screen() {
    let (_dir, mut kiosk, _clock) = kiosk();
    let error = kiosk
        .start_from_face("es", &choice("saludo", "si"))
        .unwrap_err();
    assert_eq!(error.code(), "invalid_answers");
    let error = kiosk
        .start_from_face("es", &choice("trato", "9"))
        .unwrap_err();
    assert_eq!(error.code(), "invalid_answers");
    assert!(!kiosk.survey_in_progress());
}

/// The staff home lists today's comments (the unit's local day), newest
/// first, as they were stored: personal data already masked.
#[test]
fn the_staff_overview_lists_todays_comments_newest_first_masked() {
    let (_dir, mut kiosk, clock) = kiosk();
    let mut comment = |text: &str| {
        let id = kiosk.start_survey("es").unwrap();
        clock.advance(Duration::seconds(40));
        let mut answers = complete_answers();
        answers.push(Answer {
            question: "comentario".into(),
            codes: vec![],
            text: Some(text.into()),
        });
        kiosk.submit(id, "es", &answers).unwrap();
        id
    };
    comment("De ayer");
    clock.advance(Duration::hours(24));
    comment("Primero de hoy");
    clock.advance(Duration::minutes(10));
    let last = comment("Escríbanme a juan.perez@example.com, buen trato");

    let stored = kiosk.store().response(last).unwrap().unwrap();
    let today =
        (stored.finished_at + Duration::minutes(stored.utc_offset_minutes.into())).date_naive();
    let overview = kiosk.overview(today, "es").unwrap();
    let texts: Vec<&str> = overview
        .comments_today
        .iter()
        .map(|c| c.text.as_str())
        .collect();
    assert_eq!(texts.len(), 2, "{texts:?}");
    assert!(texts[0].starts_with("Escríbanme a "), "{texts:?}");
    assert!(
        !texts[0].contains("juan.perez@example.com"),
        "not masked: {texts:?}"
    );
    assert_eq!(texts[1], "Primero de hoy");
    assert!(overview.comments_today[0].at > overview.comments_today[1].at);
    assert_eq!(overview.comments_today[0].service_area, stored.service_area);
}
