//! The patient flow against a real SQLite file: what the Tauri commands call.

mod manual_clock;

use std::sync::{Arc, Mutex};

use chrono::{Duration, TimeZone, Utc};
use manual_clock::ManualClock;
use trato_domain::{Answer, FlagReason, ResponseStatus};
use trato_kiosk_core::{Kiosk, KioskError};
use uuid::Uuid;

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
    assert_eq!(stored.survey_version, 2);
    assert_eq!(stored.language, "es");
    assert_eq!(stored.utc_offset_minutes, -360);
    assert_eq!(
        stored.finished_at - stored.started_at,
        Duration::seconds(40)
    );
    assert_eq!(stored.answers, answers);
}

/// The closing screen tells a patient where to complain exactly when the
/// answers meet an alert rule declared in the survey; Rust decides.
#[test]
fn the_submit_result_says_whether_an_alert_rule_was_met() {
    let (_dir, mut kiosk, clock) = kiosk();
    let with = |question: &str, code: &str| {
        let mut answers = complete_answers();
        answers.retain(|a| a.question != question);
        answers.push(choice(question, code));
        answers
    };
    for (answers, alert) in [
        (complete_answers(), false),
        (with("trato", "3"), false),
        (with("respeto", "no"), true),
        (with("trato", "2"), true),
        (with("trato", "1"), true),
        (with("saludo", "no"), false),
        (with("respuesta", "no_sabe"), false),
    ] {
        clock.advance(Duration::minutes(5));
        let id = kiosk.start_survey("es").unwrap();
        let submitted = kiosk.submit(id, "es", &answers).unwrap();
        assert_eq!(submitted.alert, alert, "{answers:?}");
        assert_eq!(submitted.status, ResponseStatus::Complete);
        // A repeated tap gets the same answer from the stored response.
        let again = kiosk.submit(id, "es", &answers).unwrap();
        assert!(again.already_stored);
        assert_eq!(again.alert, alert);
    }
    // A flagged response (too soon after the previous one) is still a
    // patient who may need to complain.
    let id = kiosk.start_survey("es").unwrap();
    let submitted = kiosk.submit(id, "es", &with("respeto", "no")).unwrap();
    assert_eq!(submitted.status, ResponseStatus::Flagged);
    assert!(submitted.alert);
}

/// A survey without alert rules never shows the complaints screen.
#[test]
fn a_survey_without_alert_rules_raises_none() {
    let (_dir, mut kiosk, _clock) = kiosk();
    let mut survey = kiosk.bootstrap().survey;
    survey.alerts.clear();
    survey.version = 40;
    {
        let mut store =
            trato_kiosk_core::store::Store::open_existing(kiosk.store().path()).unwrap();
        store.install_survey(&survey).unwrap();
    }
    kiosk
        .update_settings(&[("survey.active_version", "40")])
        .unwrap();
    let id = kiosk.start_survey("es").unwrap();
    let answers = vec![
        choice("trato", "1"),
        choice("saludo", "no"),
        choice("escucha", "no"),
        choice("respuesta", "no"),
        choice("respeto", "no"),
        choice("espera", "mas_2_horas"),
    ];
    assert!(!kiosk.submit(id, "es", &answers).unwrap().alert);
}

#[test]
fn the_complaints_text_is_a_unit_setting_sent_in_the_bootstrap() {
    let (_dir, mut kiosk, _clock) = kiosk();
    assert_eq!(kiosk.bootstrap().complaints_text, "");
    let text = "Acuda al Módulo de Trato Digno, planta baja, junto a Admisión.";
    kiosk
        .update_settings(&[("unit.complaints_text", text)])
        .unwrap();
    assert_eq!(kiosk.bootstrap().complaints_text, text);
    let error = kiosk
        .update_settings(&[("unit.complaints_text", &"x".repeat(401))])
        .unwrap_err();
    assert_eq!(error.code(), "invalid_setting");
}

/// A new kiosk starts with the default survey v2; a kiosk set up with v1
/// (before v2 shipped) keeps v1 after the upgrade, with v2 installed beside
/// it for when the centre publishes it.
#[test]
fn a_new_kiosk_runs_v2_and_an_upgraded_one_keeps_v1() {
    let dir = tempfile::tempdir().unwrap();
    {
        let kiosk = Kiosk::open(dir.path()).unwrap();
        assert_eq!(kiosk.bootstrap().survey.version, 2);
        assert_eq!(kiosk.settings().survey_version, 2);
    }
    // What a kiosk of the previous release has: v1 only, and v1 active.
    let db = dir.path().join("kiosk.db");
    {
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.execute(
            "UPDATE settings SET value = '1' WHERE key = 'survey.active_version'",
            [],
        )
        .unwrap();
        conn.execute("DELETE FROM surveys WHERE version = 2", [])
            .unwrap();
    }
    let mut kiosk = Kiosk::open(dir.path()).unwrap();
    assert_eq!(kiosk.settings().survey_version, 1);
    assert_eq!(kiosk.bootstrap().survey.version, 1);
    assert_eq!(kiosk.store().survey("trato-digno", 2).unwrap().version, 2);
    let id = kiosk.start_survey("es").unwrap();
    kiosk.submit(id, "es", &complete_answers()).unwrap();
    let stored = kiosk.store().response(id).unwrap().unwrap();
    assert_eq!(stored.survey_version, 1);
    // v1 has no "No sé" on `respuesta`.
    let id = kiosk.start_survey("es").unwrap();
    let mut answers = complete_answers();
    answers[3] = choice("respuesta", "no_sabe");
    assert!(kiosk.submit(id, "es", &answers).is_err());
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

fn assert_stored_abandoned(kiosk: &Kiosk, id: Uuid, answers: &[Answer]) {
    let stored = kiosk.store().response(id).unwrap().unwrap();
    assert_eq!(stored.status, ResponseStatus::Abandoned);
    assert_eq!(stored.answers, answers);
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
    assert_stored_abandoned(&kiosk, started.response_id, &[choice("trato", "2")]);

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

/// The page can die (a crash, a hang) right after the tap, before the
/// patient answers anything else: Rust already keeps the face's answer.
#[test]
fn a_face_tap_is_kept_by_rust_before_the_page_reports_any_progress() {
    let (_dir, mut kiosk, _clock) = kiosk();
    let started = kiosk.start_from_face("es", &choice("trato", "2")).unwrap();
    let abandoned = kiosk
        .abandon_in_progress()
        .unwrap()
        .expect("a survey in progress");
    assert!(abandoned.kept);
    assert_stored_abandoned(&kiosk, started.response_id, &[choice("trato", "2")]);
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
