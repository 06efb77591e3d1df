//! A patient's response: made on the kiosk with a UUID v7, immutable once stored.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::survey::Language;

/// Most answers one response may carry (a survey has at most
/// [`crate::survey::MAX_QUESTIONS`] questions), checked while parsing.
pub const MAX_ANSWERS: usize = 100;
/// Most codes one answer may carry, checked while parsing.
pub const MAX_CODES: usize = 100;

/// One answered question. Faces, yes/no, single choice and recommendation carry
/// exactly one code; multiple choice one or more; free text only `text`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answer {
    pub question: String,
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "crate::bounded::vec::<_, MAX_CODES, _>"
    )]
    pub codes: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResponseStatus {
    /// Every visible required question answered and submitted by the patient.
    Complete,
    /// The patient walked away; the idle reset kept what was answered.
    Abandoned,
    /// Complete, but suspicious (see [`FlagReason`]). Kept and reported, never dropped.
    Flagged,
}

/// Why a response was flagged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FlagReason {
    /// Completed sooner after the previous one than the kiosk's minimum interval.
    TooSoon,
}

/// Where a stored response stands with the centre.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncState {
    Pending,
    /// The centre acknowledged it (`stored` or `duplicate`).
    Sent,
    /// The centre refused it; kept with the reason for staff, never deleted.
    Rejected,
}

/// A response as stored on the kiosk and sent to the centre.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Response {
    pub id: Uuid,
    pub survey_id: String,
    pub survey_version: u32,
    /// Unit identity in force when the patient answered (never rewritten later).
    pub unit_clues: String,
    pub unit_name: String,
    pub service_area: String,
    pub kiosk_id: String,
    pub language: Language,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    /// The kiosk's local UTC offset when the response finished, in minutes.
    pub utc_offset_minutes: i32,
    pub status: ResponseStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flag_reason: Option<FlagReason>,
    #[serde(deserialize_with = "crate::bounded::vec::<_, MAX_ANSWERS, _>")]
    pub answers: Vec<Answer>,
}

/// Why a set of answers does not fit a survey.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AnswerError {
    #[error("question `{0}` is not in this survey")]
    UnknownQuestion(String),
    #[error("question `{question}` has no option `{code}`")]
    UnknownOption { question: String, code: String },
    #[error("question `{0}` was answered twice")]
    DuplicateAnswer(String),
    #[error("question `{0}` takes exactly one option")]
    OneOptionExpected(String),
    #[error("question `{0}` was answered with no option")]
    NoOption(String),
    #[error("question `{0}` takes text, not options")]
    TextExpected(String),
    #[error("question `{0}` takes options, not text")]
    OptionsExpected(String),
    #[error("the answer to `{question}` is {len} characters long; at most {max} are accepted")]
    TextTooLong {
        question: String,
        len: usize,
        max: u32,
    },
    #[error("required question `{0}` was not answered")]
    MissingRequired(String),
    #[error("question `{0}` was answered but is not shown for the earlier answers")]
    NotShown(String),
    #[error("the survey language `{0}` is not one of this survey's languages")]
    UnknownLanguage(String),
}

impl ResponseStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Complete => "complete",
            Self::Abandoned => "abandoned",
            Self::Flagged => "flagged",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "complete" => Self::Complete,
            "abandoned" => Self::Abandoned,
            "flagged" => Self::Flagged,
            _ => return None,
        })
    }
}

impl FlagReason {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::TooSoon => "too_soon",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "too_soon" => Some(Self::TooSoon),
            _ => None,
        }
    }
}

impl SyncState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Sent => "sent",
            Self::Rejected => "rejected",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "pending" => Self::Pending,
            "sent" => Self::Sent,
            "rejected" => Self::Rejected,
            _ => return None,
        })
    }
}
