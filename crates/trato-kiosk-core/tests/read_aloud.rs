//! Read-aloud audio made with the real espeak-ng (installed by `.ci/setup`):
//! every text of the default survey gets a WAV of a plausible length
//! (measured with sox), the cache is reused and follows the text, recordings
//! win, a language without a voice gets no button, and the background
//! thread reports a language ready only once its files exist.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use trato_domain::SurveyDefinition;
use trato_kiosk_core::read_aloud::{self, speech, Espeak, LanguageAudio, ReadAloud};
use trato_kiosk_core::survey_catalog::default_survey;

/// Seconds of a sound file, as sox measures it.
fn sox_seconds(path: &Path) -> f64 {
    let out = Command::new("sox")
        .args(["--i", "-D"])
        .arg(path)
        .output()
        .expect("sox is installed (.ci/setup --tests)");
    assert!(out.status.success(), "sox --i -D {}", path.display());
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .expect("sox prints seconds")
}

fn ready(audio: LanguageAudio) -> std::collections::BTreeMap<String, read_aloud::QuestionAudio> {
    match audio {
        LanguageAudio::Ready { questions } => questions,
        other => panic!("expected ready audio, got {other:?}"),
    }
}

#[test]
fn every_text_of_the_default_survey_is_spoken_at_a_plausible_length() {
    let dir = tempfile::tempdir().expect("tempdir");
    let audio_dir = read_aloud::audio_dir(dir.path());
    let survey = default_survey().expect("default survey");
    let engine = Espeak::default();
    for language in &survey.languages {
        let questions = ready(read_aloud::prepare_language(
            &audio_dir, &engine, &survey, language,
        ));
        assert_eq!(questions.len(), survey.questions.len());
        for q in &survey.questions {
            let audio = &questions[&q.id];
            let mut clips = vec![(q.prompt[language].as_str(), audio.prompt.as_str())];
            assert_eq!(audio.options.len(), q.options.len());
            for (o, a) in q.options.iter().zip(&audio.options) {
                assert_eq!(o.code, a.code);
                clips.push((o.label[language].as_str(), a.path.as_str()));
            }
            for (text, path) in clips {
                let file = audio_dir.join(path);
                let seconds = sox_seconds(&file);
                let words = text.split_whitespace().count() as f64;
                // espeak-ng at 150 words per minute takes 0.4 s a word; a
                // text cut short or padded with silence falls outside.
                assert!(
                    seconds > 0.25 * words && seconds < 1.5 + 1.2 * words,
                    "{language} {:?}: {seconds:.2} s for {words} words ({path})",
                    text
                );
                let header = speech::wav_seconds(&std::fs::read(&file).expect("read"))
                    .expect("a WAV header");
                assert!(
                    (header - seconds).abs() < 0.01,
                    "header {header} vs sox {seconds}"
                );
            }
        }
    }
    // Nothing half-written is left behind.
    for entry in std::fs::read_dir(audio_dir.join("speech")).expect("speech folder") {
        let name = entry.expect("entry").file_name();
        assert!(
            name.to_string_lossy().ends_with(".wav") && !name.to_string_lossy().starts_with('.'),
            "{name:?}"
        );
    }
}

#[test]
fn the_cache_is_reused_and_follows_the_text() {
    let dir = tempfile::tempdir().expect("tempdir");
    let audio_dir = read_aloud::audio_dir(dir.path());
    let mut survey = default_survey().expect("default survey");
    let engine = Espeak::default();
    let first = ready(read_aloud::prepare_language(
        &audio_dir, &engine, &survey, "es",
    ));
    let prompt = audio_dir.join(&first["saludo"].prompt);
    let made = std::fs::metadata(&prompt)
        .expect("file")
        .modified()
        .expect("mtime");

    // Unchanged text: the same file, not made again.
    let again = ready(read_aloud::prepare_language(
        &audio_dir, &engine, &survey, "es",
    ));
    assert_eq!(first, again);
    let kept = std::fs::metadata(&prompt)
        .expect("file")
        .modified()
        .expect("mtime");
    assert_eq!(made, kept);

    // A changed text is a new file, longer as the text is.
    let q = survey
        .questions
        .iter_mut()
        .find(|q| q.id == "saludo")
        .expect("saludo");
    let text = q.prompt.get_mut("es").expect("es");
    text.push_str(" Por favor, piense con calma en toda su visita de hoy.");
    let changed = ready(read_aloud::prepare_language(
        &audio_dir, &engine, &survey, "es",
    ));
    assert_ne!(changed["saludo"].prompt, first["saludo"].prompt);
    assert!(sox_seconds(&audio_dir.join(&changed["saludo"].prompt)) > sox_seconds(&prompt) + 2.0);
    assert_eq!(changed["trato"], first["trato"]);
}

/// The default survey with a third language that espeak-ng cannot speak.
fn with_language(survey: &mut SurveyDefinition, code: &str) {
    survey.languages.push(code.to_owned());
    let copy = |t: &mut trato_domain::LocalizedText| {
        let es = t["es"].clone();
        t.insert(code.to_owned(), es);
    };
    copy(&mut survey.title);
    for q in &mut survey.questions {
        copy(&mut q.prompt);
        if let Some(hint) = &mut q.hint {
            copy(hint);
        }
        for o in &mut q.options {
            copy(&mut o.label);
        }
        if let Some(label) = q.indicator.as_mut().and_then(|i| i.label.as_mut()) {
            copy(label);
        }
    }
    for rule in &mut survey.alerts {
        copy(&mut rule.label);
    }
}

#[test]
fn recordings_win_and_a_language_without_voice_needs_them_all() {
    let dir = tempfile::tempdir().expect("tempdir");
    let audio_dir = read_aloud::audio_dir(dir.path());
    let engine = Espeak::default();
    let mut survey = default_survey().expect("default survey");
    with_language(&mut survey, "fr");
    // A language with no espeak voice in the map: nothing to play.
    assert_eq!(
        read_aloud::prepare_language(&audio_dir, &engine, &survey, "fr"),
        LanguageAudio::None
    );

    // Recordings of every text, beside the "survey file", copied in at install.
    let source = dir.path().join("from-usb");
    std::fs::create_dir_all(source.join("grabaciones")).expect("mkdir");
    let sample = dir.path().join("sample.wav");
    Espeak::default()
        .speak_cached(dir.path(), "es-419", "Grabación")
        .map(|name| std::fs::rename(dir.path().join(name), &sample))
        .expect("speak")
        .expect("rename");
    for q in &mut survey.questions {
        let name = format!("grabaciones/{}.wav", q.id);
        std::fs::copy(&sample, source.join(&name)).expect("copy");
        q.audio = Some([("fr".to_owned(), name)].into());
        for o in &mut q.options {
            let name = format!("grabaciones/{}-{}.wav", q.id, o.code);
            std::fs::copy(&sample, source.join(&name)).expect("copy");
            o.audio = Some([("fr".to_owned(), name)].into());
        }
    }
    assert!(survey.validate().is_empty(), "{:?}", survey.validate());
    // One missing file refuses the lot, naming it.
    std::fs::remove_file(source.join("grabaciones/trato-3.wav")).expect("rm");
    let err = read_aloud::recordings::copy_from(&survey, &source, &audio_dir).unwrap_err();
    assert!(err.to_string().contains("grabaciones/trato-3.wav"), "{err}");
    assert!(
        !audio_dir.join("recorded").exists(),
        "nothing copied before all are there"
    );
    std::fs::copy(&sample, source.join("grabaciones/trato-3.wav")).expect("copy");
    let copied = read_aloud::recordings::copy_from(&survey, &source, &audio_dir).expect("copy");
    // One recording per prompt and per option (the default survey v2: 8
    // prompts and 27 options).
    let texts: usize = survey.questions.iter().map(|q| 1 + q.options.len()).sum();
    assert_eq!(texts, 8 + 27);
    assert_eq!(copied, texts);

    // Recordings are kept per survey version.
    let recorded = format!("recorded/{}/{}/grabaciones", survey.id, survey.version);
    let fr = ready(read_aloud::prepare_language(
        &audio_dir, &engine, &survey, "fr",
    ));
    assert_eq!(fr["trato"].prompt, format!("{recorded}/trato.wav"));
    assert_eq!(
        fr["trato"].options[2].path,
        format!("{recorded}/trato-3.wav")
    );
    assert!(audio_dir.join(&fr["trato"].prompt).is_file());

    // Spanish has a voice: a recording wins where there is one, speech elsewhere.
    let q = &mut survey.questions[0];
    q.audio
        .as_mut()
        .expect("audio")
        .insert("es".into(), "grabaciones/trato.wav".into());
    let es = ready(read_aloud::prepare_language(
        &audio_dir, &engine, &survey, "es",
    ));
    assert_eq!(es["trato"].prompt, format!("{recorded}/trato.wav"));
    assert!(es["trato"].options[0].path.starts_with("speech/"));
}

#[test]
fn the_background_thread_reports_ready_once_the_files_exist() {
    let dir = tempfile::tempdir().expect("tempdir");
    let service = ReadAloud::start(dir.path(), Espeak::default());
    let mut survey = default_survey().expect("default survey");
    with_language(&mut survey, "fr");
    let started = Instant::now();
    service.prepare(&survey);
    // Asked at once: never ready before the thread has made the files.
    assert_ne!(
        std::mem::discriminant(&service.language(&survey.id, survey.version, "es")),
        std::mem::discriminant(&LanguageAudio::None)
    );
    let questions = loop {
        match service.language(&survey.id, survey.version, "en") {
            LanguageAudio::Ready { questions } => break questions,
            LanguageAudio::Pending => {
                assert!(
                    started.elapsed() < Duration::from_secs(60),
                    "not ready in 60 s"
                );
                std::thread::sleep(Duration::from_millis(50));
            }
            LanguageAudio::None => panic!("English has a voice"),
        }
    };
    for q in questions.values() {
        assert!(service.audio_dir().join(&q.prompt).is_file());
        let played = read_aloud::resolve(service.audio_dir(), &q.prompt).expect("served");
        assert!(played.is_file());
    }
    assert!(matches!(
        service.language(&survey.id, survey.version, "es"),
        LanguageAudio::Ready { .. }
    ));
    // French: the thread finishes it too, with no sound to offer.
    let deadline = Instant::now() + Duration::from_secs(10);
    while service.language(&survey.id, survey.version, "fr") == LanguageAudio::Pending {
        assert!(Instant::now() < deadline);
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(
        service.language(&survey.id, survey.version, "fr"),
        LanguageAudio::None
    );
    // Another survey version is not this one's audio.
    assert_eq!(
        service.language(&survey.id, survey.version + 1, "es"),
        LanguageAudio::None
    );
}
