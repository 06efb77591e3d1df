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
pub mod issue;
pub mod meaning;
pub mod response;
pub mod survey;
pub mod text;
mod validate;
pub mod wire;

pub use answers::Completeness;
pub use issue::{IdentifierKind, Problem};
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

/// `trato-digno` v1 (`assets/surveys/trato-digno-v1.json`), the default
/// survey until v2: kiosks set up with it keep it until the centre publishes
/// another.
pub const DEFAULT_SURVEY_V1_JSON: &str =
    include_str!("../../../assets/surveys/trato-digno-v1.json");

/// `trato-digno` v2 (`assets/surveys/trato-digno-v2.json`): v1 with "No sé /
/// No aplica" on `respuesta` and "No recuerdo" on `espera`, neither with an
/// opinion; the same indicator keys, so figures continue across versions.
pub const DEFAULT_SURVEY_V2_JSON: &str =
    include_str!("../../../assets/surveys/trato-digno-v2.json");

/// The survey a new kiosk starts with (and the centre offers a kiosk that
/// runs no default version when nothing is published for its unit).
pub const DEFAULT_SURVEY_JSON: &str = DEFAULT_SURVEY_V2_JSON;

/// Every default survey version shipped, oldest first. The kiosk and the
/// centre both install them all, so a response to any of them is accepted
/// from the centre's first day.
pub const DEFAULT_SURVEYS_JSON: [&str; 2] = [DEFAULT_SURVEY_V1_JSON, DEFAULT_SURVEY_V2_JSON];
