//! The patient-facing kiosk: one survey session at a time, from the tap on the
//! attract screen to a durably stored response. The UI calls in through thin
//! Tauri commands; every rule the UI applies is checked again here.

use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::Serialize;
use trato_domain::Completeness;
use trato_domain::{Answer, FlagReason, Response, ResponseStatus, SurveyDefinition};
use uuid::Uuid;

use crate::clock::{Clock, SystemClock};
use crate::settings::{AbandonedPolicy, KioskSettings};
use crate::store::{Inserted, OpenReport, Store};
use crate::{data_dir, survey_catalog, KioskError};

/// The survey in progress on screen.
#[derive(Debug, Clone)]
struct Session {
    id: Uuid,
    started_at: DateTime<Utc>,
    /// The answers given so far, as the UI last reported them: what is
    /// stored as abandoned if the page or the app goes away mid-survey.
    progress: Option<Progress>,
}

#[derive(Debug, Clone)]
struct Progress {
    language: String,
    answers: Vec<Answer>,
}

/// What the UI needs to draw the survey, read once at start-up.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Bootstrap {
    pub survey: SurveyDefinition,
    pub idle_seconds: u32,
    pub idle_prompt_seconds: u32,
    pub thanks_seconds: u32,
    pub unit_name: String,
    pub service_area: String,
    pub demo: bool,
    /// The institution's simplified privacy notice; empty: the UI's own.
    pub privacy_notice: String,
    pub privacy_url: String,
    /// `privacy_url` as a QR code, drawn here so the screen needs no network.
    pub privacy_qr: Option<crate::privacy_qr::QrSvg>,
    /// Where to complain, shown after a response that meets an alert rule
    /// (`unit.complaints_text`); empty: the UI's own words naming `unit_name`.
    pub complaints_text: String,
}

/// A survey started by tapping a face on the attract screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FaceStart {
    pub response_id: Uuid,
    /// Whether the tapped face counts as the headline answer. A face tapped
    /// sooner than `survey.min_interval_seconds` after the previous face tap
    /// or completed response does not: the patient answers it again on screen.
    pub answer_kept: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Submitted {
    pub status: ResponseStatus,
    /// The same response was submitted before (a repeated tap): nothing new stored.
    pub already_stored: bool,
    /// The answers meet an alert rule of their survey version (mistreatment,
    /// disrespect...): the patient is told where to complain before the thanks.
    pub alert: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Abandoned {
    /// Whether the partial answers were stored (per the `survey.abandoned` setting).
    pub kept: bool,
}

/// A patient's answers that could not be stored: kept in memory (a full
/// disk cannot record its own failure) for the staff screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WriteFailure {
    /// RFC 3339, UTC.
    pub at: String,
    /// The error's code, as the UI matches on it (`storage_full`, `storage`).
    pub code: &'static str,
    /// For the log and IT (English).
    pub message: String,
}

pub struct Kiosk {
    // Crate-visible for the staff facade (`crate::staff`), which keeps the
    // settings, the survey and the audit log consistent in one place.
    pub(crate) store: Store,
    pub(crate) settings: KioskSettings,
    pub(crate) survey: SurveyDefinition,
    session: Option<Session>,
    /// When a face on the attract screen last started a survey (anti-stuffing).
    last_face_start: Option<DateTime<Utc>>,
    pub(crate) clock: Arc<dyn Clock>,
    open_report: OpenReport,
    /// Staff sessions: in memory, so a restart logs everyone out.
    pub(crate) staff_sessions: crate::staff::Sessions,
    last_write_failure: Option<WriteFailure>,
}

impl Kiosk {
    /// Opens the kiosk whose files are in `dir`, creating them on first start.
    pub fn open(dir: &Path) -> Result<Self, KioskError> {
        Self::open_with_clock(dir, Arc::new(SystemClock))
    }

    pub fn open_with_clock(dir: &Path, clock: Arc<dyn Clock>) -> Result<Self, KioskError> {
        let (mut store, open_report) = Store::open(&data_dir::database_path(dir))?;
        survey_catalog::install_default(&mut store)?;
        let settings = KioskSettings::load_or_init(&mut store)?;
        // Kiosks set up by an earlier version get their identity copy now.
        store.save_identity();
        let survey = survey_catalog::active(&store, &settings.survey_id, settings.survey_version)?;
        Ok(Kiosk {
            store,
            settings,
            survey,
            session: None,
            last_face_start: None,
            clock,
            open_report,
            staff_sessions: crate::staff::Sessions::default(),
            last_write_failure: None,
        })
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn settings(&self) -> &KioskSettings {
        &self.settings
    }

    /// The kiosk's own folder for exports, beside its database.
    pub fn exports_dir(&self) -> std::path::PathBuf {
        self.store
            .path()
            .parent()
            .unwrap_or_else(|| Path::new("."))
            .join(crate::export::EXPORTS_FOLDER)
    }

    pub fn open_report(&self) -> &OpenReport {
        &self.open_report
    }

    /// The last time a patient's answers could not be stored since the
    /// kiosk started, and why.
    pub fn last_write_failure(&self) -> Option<&WriteFailure> {
        self.last_write_failure.as_ref()
    }

    /// Stores a finished or abandoned response; a failure is remembered for staff.
    fn store_response(&mut self, response: &Response) -> Result<Inserted, KioskError> {
        self.store.insert_response(response).map_err(|error| {
            let error = KioskError::from(error);
            tracing::error!(code = error.code(), %error, "a response could not be stored");
            self.last_write_failure = Some(WriteFailure {
                at: crate::store::timestamp(self.clock.now()),
                code: error.code(),
                message: error.to_string(),
            });
            error
        })
    }

    /// Validates and stores settings (all or none) and returns the keys that
    /// changed. Not audited: for trusted start-up code (the demo, tests).
    /// Staff and IT changes go through [`crate::staff::Admin::update_settings`].
    pub fn update_settings(&mut self, pairs: &[(&str, &str)]) -> Result<Vec<String>, KioskError> {
        let next = self.settings.with_changes(pairs)?;
        let survey = self.survey_for(&next)?;
        let changed = self.settings.update(&mut self.store, pairs)?;
        self.survey = survey;
        Ok(changed)
    }

    /// The survey `settings` make active: checked before they are stored, so
    /// a kiosk never records a survey it cannot show.
    pub(crate) fn survey_for(
        &self,
        settings: &KioskSettings,
    ) -> Result<SurveyDefinition, KioskError> {
        if settings.survey_id == self.survey.id && settings.survey_version == self.survey.version {
            return Ok(self.survey.clone());
        }
        Ok(survey_catalog::active(
            &self.store,
            &settings.survey_id,
            settings.survey_version,
        )?)
    }

    /// A patient is answering right now (started, not yet submitted or
    /// abandoned): the survey must not change under them.
    pub fn survey_in_progress(&self) -> bool {
        self.session.is_some()
    }

    pub fn bootstrap(&self) -> Bootstrap {
        Bootstrap {
            survey: self.survey.clone(),
            idle_seconds: self.settings.idle_seconds,
            idle_prompt_seconds: self.settings.idle_prompt_seconds,
            thanks_seconds: self.settings.thanks_seconds,
            unit_name: self.settings.unit_name.clone(),
            service_area: self.settings.service_default.clone(),
            demo: self.settings.demo,
            privacy_notice: self.settings.privacy_notice.clone(),
            privacy_url: self.settings.privacy_url.clone(),
            privacy_qr: crate::privacy_qr::qr_svg(&self.settings.privacy_url),
            complaints_text: self.settings.complaints_text.clone(),
        }
    }

    /// A patient tapped start. A survey still open on screen (the UI missed
    /// its reset) is closed first as the idle reset would close it.
    pub fn start_survey(&mut self, language: &str) -> Result<Uuid, KioskError> {
        self.check_language(language)?;
        let id = Uuid::now_v7();
        self.session = Some(Session {
            id,
            started_at: self.clock.now(),
            progress: None,
        });
        tracing::debug!(response = %id, "a patient started the survey");
        Ok(id)
    }

    /// A patient tapped a face of the headline question on the attract
    /// screen: the survey starts with that answer, unless the tap came too
    /// soon after the previous face tap or completed response (then the
    /// survey starts with nothing answered). The UI sends the answer again
    /// with the others on submit or abandon, where it is checked as usual.
    pub fn start_from_face(
        &mut self,
        language: &str,
        answer: &Answer,
    ) -> Result<FaceStart, KioskError> {
        self.check_language(language)?;
        let headline = self.survey.headline_question().map(|q| q.id.as_str());
        if headline != Some(answer.question.as_str()) {
            return Err(KioskError::NotHeadline(answer.question.clone()));
        }
        let checked = self.survey.check_answers(
            language,
            std::slice::from_ref(answer),
            Completeness::Partial,
        )?;
        let now = self.clock.now();
        let previous = self.store.last_completed_at()?.max(self.last_face_start);
        let answer_kept = !previous.is_some_and(|last| self.too_soon(last, now));
        self.last_face_start = Some(now);
        let response_id = self.start_survey(language)?;
        // Kept at once: the page may die before the patient answers more.
        if answer_kept {
            self.keep_progress(language, checked);
        }
        Ok(FaceStart {
            response_id,
            answer_kept,
        })
    }

    fn too_soon(&self, last: DateTime<Utc>, now: DateTime<Utc>) -> bool {
        (now - last).num_milliseconds() < i64::from(self.settings.min_interval_seconds) * 1000
    }

    /// The patient submitted. Stored durably before this returns `Ok`;
    /// a repeated submit of the same response stores nothing new.
    pub fn submit(
        &mut self,
        id: Uuid,
        language: &str,
        answers: &[Answer],
    ) -> Result<Submitted, KioskError> {
        if let Some(stored) = self.store.response(id)? {
            let alert = self.meets_alert_rule(&stored)?;
            return Ok(Submitted {
                status: stored.status,
                already_stored: true,
                alert,
            });
        }
        let session = self.current_session(id)?;
        let answers = self
            .survey
            .check_answers(language, answers, Completeness::Complete)?;
        let now = self.clock.now();
        let too_soon = self
            .store
            .last_completed_at()?
            .is_some_and(|last| self.too_soon(last, now));
        let (status, flag_reason) = if too_soon {
            (ResponseStatus::Flagged, Some(FlagReason::TooSoon))
        } else {
            (ResponseStatus::Complete, None)
        };
        let response = self.response(session, language, now, status, flag_reason, answers);
        self.store_response(&response)?;
        self.session = None;
        Ok(Submitted {
            status,
            already_stored: false,
            alert: self.survey.alert_reasons(&response.answers).is_some(),
        })
    }

    /// Whether a stored response meets an alert rule of its own survey version.
    fn meets_alert_rule(&self, response: &Response) -> Result<bool, KioskError> {
        let survey = if (response.survey_id.as_str(), response.survey_version)
            == (self.survey.id.as_str(), self.survey.version)
        {
            self.survey.clone()
        } else {
            self.store
                .survey(&response.survey_id, response.survey_version)?
        };
        Ok(survey.alert_reasons(&response.answers).is_some())
    }

    /// The idle reset, or the patient's "Salir", ended the survey with what was answered so far.
    pub fn abandon(
        &mut self,
        id: Uuid,
        language: &str,
        answers: &[Answer],
    ) -> Result<Abandoned, KioskError> {
        if self.store.response(id)?.is_some() {
            return Ok(Abandoned { kept: true });
        }
        let session = self.current_session(id)?;
        let answers = self
            .survey
            .check_answers(language, answers, Completeness::Partial)?;
        let keep = self.settings.abandoned == AbandonedPolicy::Keep && !answers.is_empty();
        if keep {
            let now = self.clock.now();
            let response = self.response(
                session,
                language,
                now,
                ResponseStatus::Abandoned,
                None,
                answers,
            );
            let inserted = self.store_response(&response)?;
            debug_assert!(matches!(inserted, Inserted::New { .. }));
        }
        self.session = None;
        Ok(Abandoned { kept: keep })
    }

    /// The patient answered a question: the answers so far replace the ones
    /// kept before, checked as partial answers are.
    pub fn record_progress(
        &mut self,
        id: Uuid,
        language: &str,
        answers: &[Answer],
    ) -> Result<(), KioskError> {
        self.current_session(id)?;
        let answers = self
            .survey
            .check_answers(language, answers, Completeness::Partial)?;
        self.keep_progress(language, answers);
        Ok(())
    }

    /// The current session's answers so far, already checked.
    fn keep_progress(&mut self, language: &str, answers: Vec<Answer>) {
        if let Some(session) = self.session.as_mut() {
            tracing::debug!(response = %session.id, answered = answers.len(), "answers so far kept");
            session.progress = Some(Progress {
                language: language.to_owned(),
                answers,
            });
        }
    }

    /// The page or the whole app is going away mid-survey (SIGTERM, a dead
    /// web process): the survey in progress ends as the idle reset would end
    /// it, with the answers last recorded. `None` when no survey was open.
    pub fn abandon_in_progress(&mut self) -> Result<Option<Abandoned>, KioskError> {
        let Some(session) = self.session.clone() else {
            return Ok(None);
        };
        let (language, answers) = match session.progress {
            Some(p) => (p.language, p.answers),
            None => (String::new(), Vec::new()),
        };
        if answers.is_empty() {
            self.session = None;
            return Ok(Some(Abandoned { kept: false }));
        }
        self.abandon(session.id, &language, &answers).map(Some)
    }

    fn current_session(&self, id: Uuid) -> Result<Session, KioskError> {
        self.session
            .clone()
            .filter(|s| s.id == id)
            .ok_or(KioskError::NoSession(id))
    }

    fn check_language(&self, language: &str) -> Result<(), KioskError> {
        if self.survey.languages.iter().any(|l| l == language) {
            Ok(())
        } else {
            Err(trato_domain::AnswerError::UnknownLanguage(language.to_owned()).into())
        }
    }

    fn response(
        &self,
        session: Session,
        language: &str,
        finished_at: DateTime<Utc>,
        status: ResponseStatus,
        flag_reason: Option<FlagReason>,
        answers: Vec<Answer>,
    ) -> Response {
        Response {
            id: session.id,
            survey_id: self.survey.id.clone(),
            survey_version: self.survey.version,
            unit_clues: self.settings.unit_clues.clone(),
            unit_name: self.settings.unit_name.clone(),
            service_area: self.settings.service_default.clone(),
            kiosk_id: self.settings.kiosk_id.clone(),
            language: language.to_owned(),
            started_at: session.started_at,
            finished_at,
            utc_offset_minutes: self.clock.utc_offset_minutes(),
            status,
            flag_reason,
            answers,
        }
    }
}
