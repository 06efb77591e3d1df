//! Survey definitions: a versioned JSON document, validated as a whole on load.
//!
//! See `docs/survey-format.md` for the format with an example.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A language code as used in survey documents (`"es"`, `"en"`).
pub type Language = String;

/// A text given once per language of the survey: `{"es": "...", "en": "..."}`.
pub type LocalizedText = BTreeMap<Language, String>;

/// A versioned survey. Responses record `(id, version)`, so a published version
/// is never edited: a change of wording or options is a new version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SurveyDefinition {
    pub id: String,
    pub version: u32,
    /// Languages every text must be given in; the first is the default.
    pub languages: Vec<Language>,
    pub title: LocalizedText,
    pub questions: Vec<Question>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Question {
    pub id: String,
    pub kind: QuestionKind,
    pub prompt: LocalizedText,
    /// Options with stable codes. Faces: codes "1".."5"; yes/no: "si", "no" and
    /// optionally "en_parte"; recommendation (0-10) and free text: none (implied).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<SurveyChoice>,
    #[serde(default)]
    pub required: bool,
    /// Shown only when an earlier question's answer is one of the given codes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub show_if: Option<Condition>,
    /// Free text only: the most characters accepted (at most [`MAX_TEXT_CHARS`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_chars: Option<u32>,
    /// The headline question (exactly one faces question per survey may be it):
    /// summaries report % positive / % negative on it, as the NHS FFT does.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub headline: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuestionKind {
    /// Five faces, 1 = Muy mal .. 5 = Muy bien.
    Faces,
    /// Sí / No, with an optional "En parte".
    YesNo,
    SingleChoice,
    MultipleChoice,
    /// 0-10 likelihood to recommend.
    Recommend,
    FreeText,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SurveyChoice {
    pub code: String,
    pub label: LocalizedText,
}

/// `{"question": "trato", "any_of": ["1", "2"]}`: show when that earlier
/// question was answered with one of these option codes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    pub question: String,
    pub any_of: Vec<String>,
}

/// Hard limit on a free-text answer, whatever the survey says.
pub const MAX_TEXT_CHARS: u32 = 1000;

/// One problem found in a survey document, with the path to the offending value
/// (for example `questions[3].options[1].label.es`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValidationIssue {
    pub path: String,
    pub message: String,
}

impl std::fmt::Display for ValidationIssue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SurveyError {
    #[error("the survey is not valid JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("the survey has {} problem(s):\n{}", .0.len(), .0.iter().map(|i| format!("  - {i}")).collect::<Vec<_>>().join("\n"))]
    Invalid(Vec<ValidationIssue>),
}
