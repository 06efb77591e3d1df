//! The Trato Digno domain: survey definitions, responses and their validation.
//!
//! This crate does no I/O (no files, no network, no clock reads except where a
//! caller passes a time in). The kiosk, the central server and the tests all
//! share these types, so a survey or a response means the same thing everywhere.
//!
//! - [`SurveyDefinition::from_json`] parses and validates a survey document
//!   (`docs/survey-format.md`), reporting every problem with its path.
//! - [`SurveyDefinition::check_answers`] checks and normalises a patient's answers.
//! - [`meaning`]: indicators, sentiments and alert rules declared in a survey.
//! - [`text`] cleans comments and masks personal data in them.

mod answers;
pub mod bounded;
pub mod clues;
pub mod codec;
pub mod meaning;
pub mod response;
pub mod survey;
pub mod text;
mod validate;
pub mod wire;

pub use answers::Completeness;
pub use meaning::{
    AlertRule, DeclaredSentiment, Indicator, IndicatorDecl, Score, Sentiment, FORMAT_VERSION,
    MAX_ALERT_RULES,
};
pub use response::{Answer, AnswerError, FlagReason, Response, ResponseStatus, SyncState};
pub use survey::{
    Condition, Language, LocalizedText, Question, QuestionKind, SurveyChoice, SurveyDefinition,
    SurveyError, ValidationIssue, DEFAULT_TEXT_CHARS, MAX_TEXT_CHARS,
};
pub use validate::{is_valid_audio_file, is_valid_identifier, is_valid_language, AUDIO_EXTENSIONS};

/// The default survey document shipped with the kiosk (`assets/surveys/trato-digno-v1.json`).
pub const DEFAULT_SURVEY_JSON: &str = include_str!("../../../assets/surveys/trato-digno-v1.json");
