//! Everything the kiosk does that is not drawing the screen: storage, survey
//! sessions, settings. Knows nothing of Tauri, so it is tested directly and
//! the command-line tools use it without a window.

pub mod clock;
pub mod config_files;
pub mod data_dir;
pub mod destinations;
pub mod eject;
mod error_code;
pub mod export;
pub mod kiosk;
pub mod overview;
pub mod privacy_qr;
pub mod read_aloud;
pub mod settings;
pub mod staff;
pub mod store;
pub mod survey_catalog;
pub mod sync;
pub mod ui_languages;

pub use error_code::ErrorCode;
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
    #[error(transparent)]
    Eject(#[from] eject::EjectError),
}

impl KioskError {
    /// A stable, machine-readable code (the UI and tests match on it).
    pub fn code(&self) -> &'static str {
        self.error_code().as_str()
    }

    pub fn error_code(&self) -> ErrorCode {
        match self {
            Self::Store(e) if e.is_disk_full() => ErrorCode::StorageFull,
            Self::Store(_) => ErrorCode::Storage,
            Self::Settings(SettingsError::UnknownKey(_)) => ErrorCode::UnknownSetting,
            Self::Settings(SettingsError::Invalid { .. }) => ErrorCode::InvalidSetting,
            Self::Settings(SettingsError::Store(e)) if e.is_disk_full() => ErrorCode::StorageFull,
            Self::Settings(SettingsError::Store(_)) => ErrorCode::Storage,
            Self::Survey(_) => ErrorCode::InvalidSurvey,
            Self::Answers(_) | Self::NotHeadline(_) => ErrorCode::InvalidAnswers,
            Self::NoSession(_) => ErrorCode::NoSession,
            Self::DataDir(_) => ErrorCode::DataDir,
            Self::Settings(SettingsError::Toml(_)) => ErrorCode::InvalidConfigFile,
            Self::Auth(e) => e.error_code(),
            Self::Pin(staff::PinError::Weak) => ErrorCode::WeakPin,
            Self::Pin(staff::PinError::SameAsOtherRole) => ErrorCode::PinInUse,
            Self::Pin(staff::PinError::Format) => ErrorCode::InvalidPin,
            Self::Pin(staff::PinError::Hash(_)) => ErrorCode::Internal,
            Self::Pin(staff::PinError::HashFormat) => ErrorCode::InvalidConfigFile,
            Self::Export(e) => e.error_code(),
            Self::Eject(eject::EjectError::NotMounted(_)) => ErrorCode::DriveGone,
            Self::Eject(eject::EjectError::Flush { .. }) => ErrorCode::EjectFailed,
        }
    }
}
