//! Everything the kiosk does that is not drawing the screen: storage, survey
//! sessions, settings. Knows nothing of Tauri, so it is tested directly and
//! the command-line tools use it without a window.

pub mod clock;
pub mod data_dir;
pub mod destinations;
pub mod export;
pub mod kiosk;
pub mod overview;
pub mod privacy_qr;
pub mod settings;
pub mod staff;
pub mod store;
pub mod survey_catalog;
pub mod sync;

pub use kiosk::{Abandoned, Bootstrap, FaceStart, Kiosk, Submitted, WriteFailure};
pub use settings::{AbandonedPolicy, KioskSettings, SettingsError};
pub use staff::{Admin, AuthError, PinError, Role, StaffSession};
pub use store::{Store, StoreError};

use uuid::Uuid;

/// Every way a kiosk operation can fail, each with a stable code for the UI.
#[derive(Debug, thiserror::Error)]
pub enum KioskError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Settings(#[from] SettingsError),
    #[error(transparent)]
    Survey(#[from] trato_domain::SurveyError),
    #[error("the answers do not fit the survey: {0}")]
    Answers(#[from] trato_domain::AnswerError),
    #[error("question `{0}` is not the survey's headline question")]
    NotHeadline(String),
    #[error("no survey {0} is in progress on this kiosk")]
    NoSession(Uuid),
    #[error(transparent)]
    DataDir(#[from] data_dir::DataDirError),
    #[error(transparent)]
    Auth(#[from] staff::AuthError),
    #[error(transparent)]
    Pin(#[from] staff::PinError),
    #[error(transparent)]
    Export(#[from] export::ExportError),
}

impl KioskError {
    /// A stable, machine-readable code (the UI and tests match on it).
    pub fn code(&self) -> &'static str {
        match self {
            Self::Store(e) if e.is_disk_full() => "storage_full",
            Self::Store(_) => "storage",
            Self::Settings(SettingsError::UnknownKey(_)) => "unknown_setting",
            Self::Settings(SettingsError::Invalid { .. }) => "invalid_setting",
            Self::Settings(SettingsError::Store(e)) if e.is_disk_full() => "storage_full",
            Self::Settings(SettingsError::Store(_)) => "storage",
            Self::Survey(_) => "invalid_survey",
            Self::Answers(_) | Self::NotHeadline(_) => "invalid_answers",
            Self::NoSession(_) => "no_session",
            Self::DataDir(_) => "data_dir",
            Self::Settings(SettingsError::Toml(_)) => "invalid_config_file",
            Self::Auth(e) => e.code(),
            Self::Pin(staff::PinError::Weak) => "weak_pin",
            Self::Pin(staff::PinError::SameAsOtherRole) => "pin_in_use",
            Self::Pin(staff::PinError::Format) => "invalid_pin",
            Self::Pin(staff::PinError::Hash(_)) => "internal",
            Self::Export(e) => e.code(),
        }
    }
}
