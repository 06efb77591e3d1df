//! The Trato Digno domain: survey definitions, responses and their validation.
//!
//! This crate does no I/O (no files, no network, no clock reads except where a
//! caller passes a time in). The kiosk, the central server and the tests all
//! share these types, so a survey or a response means the same thing everywhere.

pub mod response;
pub mod survey;
pub mod text;
pub mod wire;

pub use response::{Answer, AnswerError, FlagReason, Response, ResponseStatus, SyncState};
pub use survey::{
    Condition, Language, LocalizedText, Question, QuestionKind, SurveyChoice, SurveyDefinition,
    SurveyError, ValidationIssue,
};
