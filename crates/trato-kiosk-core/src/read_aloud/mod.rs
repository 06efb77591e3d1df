//! Read-aloud: every question and its options as sound, per survey
//! language, made ahead of time so a tap on "Escuchar" only plays files.
//!
//! - [`voices`]: which espeak-ng voice reads which language (one place).
//! - [`speech`]: espeak-ng into cached WAVs (hash-named, written atomically).
//! - [`recordings`]: recorded files a survey carries, copied in at install.
//! - [`ReadAloud`]: the background thread that prepares a survey when it
//!   becomes active, and the state the UI asks for (`none`, `pending`,
//!   `ready` with a file per text).
//!
//! Everything lives under the data folder's `audio/` ([`AUDIO_FOLDER`]);
//! the shell serves files from there and nowhere else ([`resolve`]).

pub mod recordings;
pub mod speech;
pub mod voices;

use std::collections::{BTreeMap, HashMap};
use std::path::{Component, Path, PathBuf};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};

use serde::Serialize;
use trato_domain::{LocalizedText, SurveyDefinition};

pub use speech::{Espeak, SpeechError};

/// The audio folder inside the data folder.
pub const AUDIO_FOLDER: &str = "audio";
/// Where speech is cached, under [`AUDIO_FOLDER`].
pub const SPEECH_FOLDER: &str = "speech";

/// The audio folder of a data folder.
pub fn audio_dir(data_dir: &Path) -> PathBuf {
    data_dir.join(AUDIO_FOLDER)
}

/// The sound of one question: its prompt, then each option in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct QuestionAudio {
    /// Path under the audio folder (`speech/….wav`, `recorded/…`).
    pub prompt: String,
    pub options: Vec<OptionAudio>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OptionAudio {
    pub code: String,
    pub path: String,
}

/// Whether a language can be heard, as the UI shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum LanguageAudio {
    /// No voice and no complete recordings (or synthesis failed): no button.
    None,
    /// Being made in the background.
    Pending,
    /// Every text has a file: per question id.
    Ready {
        questions: BTreeMap<String, QuestionAudio>,
    },
}

/// What the kiosk is preparing or has prepared: one survey version.
#[derive(Debug, Default)]
struct Status {
    survey: Option<(String, u32)>,
    languages: HashMap<String, LanguageAudio>,
}

/// The read-aloud service: a thread that makes the audio of the active
/// survey, and the state of each of its languages.
pub struct ReadAloud {
    audio_dir: PathBuf,
    status: Arc<Mutex<Status>>,
    jobs: Sender<SurveyDefinition>,
}

impl ReadAloud {
    /// Starts the background thread; nothing is made until [`Self::prepare`].
    pub fn start(data_dir: &Path, engine: Espeak) -> Self {
        let audio_dir = audio_dir(data_dir);
        let status = Arc::new(Mutex::new(Status::default()));
        let (jobs, queue) = mpsc::channel();
        let worker = Worker {
            audio_dir: audio_dir.clone(),
            engine,
            status: status.clone(),
        };
        let spawned = std::thread::Builder::new()
            .name("read-aloud".into())
            .spawn(move || worker.run(queue));
        if let Err(error) = spawned {
            tracing::error!(%error, "cannot start the read-aloud thread: no Escuchar button");
        }
        ReadAloud {
            audio_dir,
            status,
            jobs,
        }
    }

    /// The survey just became active: its audio is made in the background
    /// (files already cached are reused at once). Returns immediately.
    pub fn prepare(&self, survey: &SurveyDefinition) {
        {
            let mut status = lock(&self.status);
            status.survey = Some((survey.id.clone(), survey.version));
            status.languages = survey
                .languages
                .iter()
                .map(|l| (l.clone(), LanguageAudio::Pending))
                .collect();
        }
        if self.jobs.send(survey.clone()).is_err() {
            tracing::error!("the read-aloud thread is gone: no Escuchar button");
            lock(&self.status).languages.clear();
        }
    }

    /// The state of `language` of survey `(id, version)`: `None` unless it
    /// is the survey being prepared.
    pub fn language(&self, survey_id: &str, version: u32, language: &str) -> LanguageAudio {
        let status = lock(&self.status);
        if status.survey.as_ref() != Some(&(survey_id.to_owned(), version)) {
            return LanguageAudio::None;
        }
        status
            .languages
            .get(language)
            .cloned()
            .unwrap_or(LanguageAudio::None)
    }

    /// The audio folder, where [`resolve`] finds files.
    pub fn audio_dir(&self) -> &Path {
        &self.audio_dir
    }
}

fn lock(status: &Mutex<Status>) -> std::sync::MutexGuard<'_, Status> {
    // The status is plain data: a panic elsewhere leaves it usable.
    status.lock().unwrap_or_else(|p| p.into_inner())
}

struct Worker {
    audio_dir: PathBuf,
    engine: Espeak,
    status: Arc<Mutex<Status>>,
}

impl Worker {
    fn run(self, queue: Receiver<SurveyDefinition>) {
        while let Ok(mut survey) = queue.recv() {
            // Only the newest survey matters.
            while let Ok(newer) = queue.try_recv() {
                survey = newer;
            }
            let started = std::time::Instant::now();
            for language in &survey.languages {
                let audio = prepare_language(&self.audio_dir, &self.engine, &survey, language);
                let mut status = lock(&self.status);
                if status.survey.as_ref() == Some(&(survey.id.clone(), survey.version)) {
                    status.languages.insert(language.clone(), audio);
                }
            }
            tracing::info!(
                survey = %survey.id,
                version = survey.version,
                elapsed_ms = started.elapsed().as_millis() as u64,
                "read-aloud audio prepared"
            );
        }
    }
}

/// Makes (or finds) the audio of every text of `survey` in `language`:
/// a recording where the survey has one, else speech in the language's
/// voice. `None` when a text would have no sound (no voice and no
/// recording) or synthesis fails: the button is shown only for a language
/// that can be heard whole.
pub fn prepare_language(
    audio_dir: &Path,
    engine: &Espeak,
    survey: &SurveyDefinition,
    language: &str,
) -> LanguageAudio {
    let voice = voices::voice_for(language);
    let recorded = recordings::survey_folder(&survey.id, survey.version);
    let speech_dir = audio_dir.join(SPEECH_FOLDER);
    let sound = |text: &LocalizedText, audio: Option<&LocalizedText>| -> Result<String, String> {
        if let Some(file) = audio.and_then(|a| a.get(language)) {
            let path = format!("{recorded}/{file}");
            if audio_dir.join(&path).is_file() {
                return Ok(path);
            }
            tracing::warn!(%path, "a recording the survey names is not in the data folder");
        }
        let voice = voice.ok_or_else(|| format!("no voice for `{language}`"))?;
        let text = text
            .get(language)
            .ok_or_else(|| format!("a text has no `{language}`"))?;
        engine
            .speak_cached(&speech_dir, voice, text)
            .map(|name| format!("{SPEECH_FOLDER}/{name}"))
            .map_err(|e| e.to_string())
    };
    let mut questions = BTreeMap::new();
    for q in &survey.questions {
        let made = sound(&q.prompt, q.audio.as_ref()).and_then(|prompt| {
            let options = q
                .options
                .iter()
                .map(|o| {
                    sound(&o.label, o.audio.as_ref()).map(|path| OptionAudio {
                        code: o.code.clone(),
                        path,
                    })
                })
                .collect::<Result<Vec<_>, _>>()?;
            Ok(QuestionAudio { prompt, options })
        });
        match made {
            Ok(audio) => {
                questions.insert(q.id.clone(), audio);
            }
            Err(reason) => {
                if voice.is_some() {
                    tracing::error!(%language, %reason, "cannot make the read-aloud audio");
                } else {
                    tracing::info!(%language, %reason, "this language cannot be read aloud");
                }
                return LanguageAudio::None;
            }
        }
    }
    LanguageAudio::Ready { questions }
}

/// The file an audio URL's path names, if it is inside `audio_dir` and
/// exists: plain relative parts only (no `..`, no root, nothing hidden).
pub fn resolve(audio_dir: &Path, url_path: &str) -> Option<PathBuf> {
    let relative = Path::new(url_path.trim_start_matches('/'));
    let plain = relative.components().all(|c| match c {
        Component::Normal(part) => !part.to_string_lossy().starts_with('.'),
        _ => false,
    });
    if !plain || relative.as_os_str().is_empty() {
        return None;
    }
    let path = audio_dir.join(relative);
    // A link inside the folder must not lead out of it.
    let real = path.canonicalize().ok()?;
    let root = audio_dir.canonicalize().ok()?;
    (real.starts_with(&root) && real.is_file()).then_some(real)
}

#[cfg(test)]
mod tests {
    use super::resolve;

    #[test]
    fn resolve_serves_only_files_inside_the_audio_folder() {
        let dir = tempfile::tempdir().expect("tempdir");
        let audio = dir.path().join("audio");
        std::fs::create_dir_all(audio.join("speech")).expect("mkdir");
        std::fs::write(audio.join("speech/a.wav"), b"x").expect("write");
        std::fs::write(dir.path().join("kiosk.db"), b"secret").expect("write");
        assert!(resolve(&audio, "/speech/a.wav").is_some());
        assert!(resolve(&audio, "speech/a.wav").is_some());
        for bad in [
            "",
            "/",
            "speech",
            "../kiosk.db",
            "speech/../../kiosk.db",
            "/etc/passwd",
            "speech/.a.wav",
            "speech/missing.wav",
        ] {
            assert_eq!(resolve(&audio, bad), None, "{bad}");
        }
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(dir.path().join("kiosk.db"), audio.join("speech/l.wav"))
                .expect("symlink");
            assert_eq!(resolve(&audio, "speech/l.wav"), None);
        }
    }
}
