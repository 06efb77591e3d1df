//! The survey window's commands: each translates between the UI and
//! `trato_kiosk_core::Kiosk`, which holds every rule.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use serde::Serialize;
use tauri::{AppHandle, Runtime, State};
use trato_domain::Answer;
use trato_kiosk_core::read_aloud::{Espeak, LanguageAudio, ReadAloud};
use trato_kiosk_core::sync::{spawn_service, ServiceOptions, SyncHandle, SyncOptions, Syncer};
use trato_kiosk_core::{Abandoned, Bootstrap, FaceStart, Kiosk, Submitted};
use uuid::Uuid;

use crate::ipc_error::IpcError;
use crate::kiosk_window::{self, WindowPlan};

/// Called after the sync task switched the kiosk to a survey the centre
/// published (the shell reloads the survey window).
type SurveyChanged = Box<dyn Fn() + Send + Sync>;

/// The kiosk, shared by all commands; one survey session at a time. The
/// sync task has its own database connection and takes this lock only to
/// switch surveys.
pub struct KioskState {
    kiosk: Arc<Mutex<Kiosk>>,
    jobs: AtomicU64,
    sync: OnceLock<SyncHandle>,
    survey_changed: Arc<OnceLock<SurveyChanged>>,
    read_aloud: Arc<ReadAloud>,
}

impl KioskState {
    /// Also starts making the active survey's read-aloud audio, in the
    /// background (cached files are reused).
    pub fn new(kiosk: Kiosk) -> Self {
        let data_dir = kiosk
            .store()
            .path()
            .parent()
            .unwrap_or_else(|| std::path::Path::new("."))
            .to_owned();
        let read_aloud = ReadAloud::start(&data_dir, Espeak::default());
        read_aloud.prepare(&kiosk.bootstrap().survey);
        KioskState {
            read_aloud: Arc::new(read_aloud),
            kiosk: Arc::new(Mutex::new(kiosk)),
            jobs: AtomicU64::new(0),
            sync: OnceLock::new(),
            survey_changed: Arc::new(OnceLock::new()),
        }
    }

    /// Starts the background sync on tauri's async runtime: it never blocks
    /// the survey (its own connection; SQLite work on the blocking pool).
    /// Without a database connection for it, the kiosk runs without sync.
    pub fn start_sync(&self) {
        let db = match self.lock() {
            Ok(kiosk) => kiosk.store().path().to_owned(),
            Err(_) => return,
        };
        let syncer = match Syncer::open(&db, SyncOptions::default()) {
            Ok(s) => s,
            Err(error) => {
                tracing::error!(%error, "cannot start sync: this kiosk will not send responses");
                return;
            }
        };
        let kiosk = self.kiosk.clone();
        let changed = self.survey_changed.clone();
        let read_aloud = self.read_aloud.clone();
        let on_survey = Box::new(move |survey: trato_domain::SurveyDefinition| {
            let adopted = match kiosk.lock() {
                Ok(mut k) => k.adopt_centre_survey(&survey),
                Err(_) => return,
            };
            match adopted {
                Ok(true) => {
                    read_aloud.prepare(&survey);
                    if let Some(reload) = changed.get() {
                        reload();
                    }
                }
                Ok(false) => {
                    tracing::info!("a patient is answering: the new survey waits for the next sync")
                }
                Err(error) => {
                    tracing::warn!(%error, "cannot install the survey the centre published")
                }
            }
        });
        let (handle, task) = spawn_service(syncer, ServiceOptions::default(), on_survey);
        tauri::async_runtime::spawn(task);
        let _ = self.sync.set(handle);
    }

    /// Ends the survey on screen, if any, with the answers Rust kept (the
    /// page or the app is going away). Returns whether a response was stored.
    pub fn abandon_in_progress(&self) -> bool {
        let abandoned = match self.kiosk.lock() {
            Ok(mut kiosk) => kiosk.abandon_in_progress(),
            // A panic mid-call poisoned the lock; the kiosk itself is intact.
            Err(poisoned) => poisoned.into_inner().abandon_in_progress(),
        };
        match abandoned {
            Ok(Some(a)) => {
                if a.kept {
                    self.response_stored();
                }
                tracing::info!(kept = a.kept, "survey in progress ended as abandoned");
                a.kept
            }
            Ok(None) => false,
            Err(error) => {
                tracing::error!(%error, "cannot store the survey in progress");
                false
            }
        }
    }

    /// The read-aloud service of the active survey.
    pub fn read_aloud(&self) -> &ReadAloud {
        &self.read_aloud
    }

    /// The running sync task, if it started.
    pub fn sync(&self) -> Option<&SyncHandle> {
        self.sync.get()
    }

    /// What to do once the kiosk switched to a survey from the centre.
    pub fn on_survey_changed(&self, f: SurveyChanged) {
        let _ = self.survey_changed.set(f);
    }

    fn response_stored(&self) {
        if let Some(sync) = self.sync() {
            sync.response_stored();
        }
    }

    /// A fresh id for a background job (an export), for its events.
    pub fn next_job(&self) -> u64 {
        self.jobs.fetch_add(1, Ordering::Relaxed) + 1
    }

    pub fn lock(&self) -> Result<MutexGuard<'_, Kiosk>, IpcError> {
        self.kiosk
            .lock()
            .map_err(|_| IpcError::internal("kiosk state lock poisoned"))
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Started {
    pub response_id: Uuid,
}

#[tauri::command]
pub async fn kiosk_bootstrap(state: State<'_, KioskState>) -> Result<Bootstrap, IpcError> {
    Ok(state.lock()?.bootstrap())
}

#[tauri::command]
pub async fn start_survey(
    state: State<'_, KioskState>,
    language: String,
) -> Result<Started, IpcError> {
    let response_id = state.lock()?.start_survey(&language)?;
    Ok(Started { response_id })
}

/// A face tapped on the attract screen: starts the survey with that answer.
#[tauri::command]
pub async fn start_from_face(
    state: State<'_, KioskState>,
    language: String,
    answer: Answer,
) -> Result<FaceStart, IpcError> {
    Ok(state.lock()?.start_from_face(&language, &answer)?)
}

#[tauri::command]
pub async fn submit_response(
    state: State<'_, KioskState>,
    response_id: Uuid,
    language: String,
    answers: Vec<Answer>,
) -> Result<Submitted, IpcError> {
    let submitted = state.lock()?.submit(response_id, &language, &answers)?;
    state.response_stored();
    Ok(submitted)
}

#[tauri::command]
pub async fn abandon_response(
    state: State<'_, KioskState>,
    response_id: Uuid,
    language: String,
    answers: Vec<Answer>,
) -> Result<Abandoned, IpcError> {
    let abandoned = state.lock()?.abandon(response_id, &language, &answers)?;
    if abandoned.kept {
        state.response_stored();
    }
    Ok(abandoned)
}

/// The answers so far, after each answer: Rust keeps them so a survey cut
/// short by SIGTERM or a dead page is stored as abandoned.
#[tauri::command]
pub async fn record_progress(
    state: State<'_, KioskState>,
    response_id: Uuid,
    language: String,
    answers: Vec<Answer>,
) -> Result<(), IpcError> {
    Ok(state
        .lock()?
        .record_progress(response_id, &language, &answers)?)
}

/// Whether the current question can be heard in `language`, and its files.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReadAloudState {
    #[serde(flatten)]
    pub audio: LanguageAudio,
    /// 0-100, the `audio.volume` setting.
    pub volume: u32,
}

/// The read-aloud audio of the active survey in `language`: `none` (no
/// voice, no button), `pending` (being made: ask again) or `ready` with the
/// file of each text, fetched with [`read_aloud_clip`].
#[tauri::command]
pub async fn read_aloud(
    state: State<'_, KioskState>,
    language: String,
) -> Result<ReadAloudState, IpcError> {
    let (id, version, volume) = {
        let kiosk = state.lock()?;
        let s = kiosk.settings();
        (s.survey_id.clone(), s.survey_version, s.audio_volume)
    };
    Ok(ReadAloudState {
        audio: state.read_aloud.language(&id, version, &language),
        volume,
    })
}

/// The bytes of one read-aloud file (a path [`read_aloud`] gave), only from
/// the kiosk's audio folder. The page plays them from a `blob:` URL: the web
/// view plays them (HTML audio through WebKitGTK's GStreamer, no audio
/// library in this binary, stopped by the page the moment a patient taps),
/// and WebKitGTK's media player cannot load a custom URI scheme itself.
#[tauri::command]
pub async fn read_aloud_clip(
    state: State<'_, KioskState>,
    path: String,
) -> Result<tauri::ipc::Response, IpcError> {
    let file = trato_kiosk_core::read_aloud::resolve(state.read_aloud.audio_dir(), &path)
        .ok_or_else(|| IpcError::internal("no such read-aloud file"))?;
    let bytes = tauri::async_runtime::spawn_blocking(move || std::fs::read(file))
        .await
        .map_err(|e| IpcError::internal(&e.to_string()))?
        .map_err(|e| IpcError::internal(&e.to_string()))?;
    Ok(tauri::ipc::Response::new(bytes))
}

/// The hidden staff gesture: opens the staff window (PIN pad) above the
/// survey. Opening it grants nothing; every staff command checks the PIN's
/// session in Rust.
#[tauri::command]
pub async fn open_staff<R: Runtime>(
    app: AppHandle<R>,
    plan: State<'_, WindowPlan>,
) -> Result<(), IpcError> {
    kiosk_window::open_staff(&app, *plan, false)
        .map(drop)
        .map_err(|e| IpcError::internal(&e.to_string()))
}
