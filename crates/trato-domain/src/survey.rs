//! Survey definitions: a versioned JSON document, validated as a whole on load.
//!
//! See `docs/survey-format.md` for the format with an example.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use crate::issue::{SurveyError, ValidationIssue};
use crate::meaning::{AlertRule, DeclaredSentiment, IndicatorDecl};
use crate::response::Answer;

/// A language code as used in survey documents (`"es"`, `"en"`).
pub type Language = String;

/// A text given once per language of the survey: `{"es": "...", "en": "..."}`.
pub type LocalizedText = BTreeMap<Language, String>;

/// A versioned survey. Responses record `(id, version)`, so a published version
/// is never edited: a change of wording or options is a new version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SurveyDefinition {
    /// The survey-format version the document is written in (`None`: 1, the
    /// format without meaning declarations). See [`crate::FORMAT_VERSION`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<u32>,
    pub id: String,
    pub version: u32,
    /// Languages every text must be given in; the first is the default.
    pub languages: Vec<Language>,
    pub title: LocalizedText,
    pub questions: Vec<Question>,
    /// Which answers raise an alert, each rule with its reason (format 2).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alerts: Vec<AlertRule>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Question {
    pub id: String,
    pub kind: QuestionKind,
    pub prompt: LocalizedText,
    /// Optional help line shown under the prompt (for example "You can choose
    /// more than one", or a reminder not to write personal data).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<LocalizedText>,
    /// Options with stable codes. Faces: codes "1".."5"; yes/no: "si", "no",
    /// optionally "en_parte", optionally "no_sabe"; recommendation (0-10) and free text: none (implied).
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
    /// What the question measures, stable across versions (format 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub indicator: Option<IndicatorDecl>,
    /// Recorded audio of the prompt, per language: a file name relative to
    /// the survey file (XLSForm `audio::Español (es)`). Optional, and any
    /// language may lack it; the kiosk reads the rest aloud with speech
    /// synthesis. See [`is_valid_audio_file`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audio: Option<LocalizedText>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuestionKind {
    /// Five faces, 1 = Muy mal .. 5 = Muy bien.
    Faces,
    /// Sí / No, with an optional "En parte" and an optional "No sé / No aplica".
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
    /// How this answer counts in the question's indicator (format 2); absent
    /// means the kind's default ([`crate::meaning`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sentiment: Option<DeclaredSentiment>,
    /// Recorded audio of the label, per language (as [`Question::audio`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audio: Option<LocalizedText>,
}

/// `{"question": "q1", "any_of": ["1", "2"]}`: show when that earlier
/// question was answered with one of these option codes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    pub question: String,
    pub any_of: Vec<String>,
}

/// Hard limit on a free-text answer, whatever the survey says.
pub const MAX_TEXT_CHARS: u32 = 1000;

/// Limit on a free-text answer whose question gives no `max_chars`.
pub const DEFAULT_TEXT_CHARS: u32 = 500;

/// The most questions a survey may have.
pub const MAX_QUESTIONS: usize = 40;
/// The most characters in a survey title, per language.
pub const MAX_TITLE_CHARS: usize = 120;
/// The most characters in a question prompt, per language.
pub const MAX_PROMPT_CHARS: usize = 300;
/// The most characters in a question hint, per language.
pub const MAX_HINT_CHARS: usize = 200;
/// The most characters in an option label, per language.
pub const MAX_LABEL_CHARS: usize = 80;
/// Fewest and most options of a single- or multiple-choice question.
pub const CHOICE_OPTIONS: std::ops::RangeInclusive<usize> = 2..=12;

/// The fixed codes of a faces question, from worst to best.
pub const FACES_CODES: [&str; 5] = ["1", "2", "3", "4", "5"];
/// The fixed codes of a yes/no question; `"en_parte"` may follow.
pub const YES_NO_CODES: [&str; 2] = ["si", "no"];
/// The optional third code of a yes/no question.
pub const YES_NO_PARTLY: &str = "en_parte";
/// The optional last code of a yes/no question ("No sé / No aplica").
pub const YES_NO_DONT_KNOW: &str = "no_sabe";
/// The implied codes of a recommendation question: `"0"` to `"10"`.
pub const RECOMMEND_CODES: [&str; 11] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10"];

impl QuestionKind {
    /// The kind as written in survey documents (`"faces"`, `"yes_no"`...).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Faces => "faces",
            Self::YesNo => "yes_no",
            Self::SingleChoice => "single_choice",
            Self::MultipleChoice => "multiple_choice",
            Self::Recommend => "recommend",
            Self::FreeText => "free_text",
        }
    }

    /// Whether an answer carries option codes (every kind but free text).
    pub fn takes_codes(self) -> bool {
        self != Self::FreeText
    }

    /// Whether an answer carries exactly one code.
    pub fn single_code(self) -> bool {
        matches!(
            self,
            Self::Faces | Self::YesNo | Self::SingleChoice | Self::Recommend
        )
    }
}

impl Question {
    /// The codes an answer may use, in survey order: the listed options, or
    /// `"0"`..`"10"` for a recommendation question, or none for free text.
    pub fn effective_codes(&self) -> Vec<String> {
        match self.kind {
            QuestionKind::Recommend => RECOMMEND_CODES.iter().map(|c| (*c).to_owned()).collect(),
            QuestionKind::FreeText => Vec::new(),
            _ => self.options.iter().map(|o| o.code.clone()).collect(),
        }
    }

    /// Whether `code` is one of [`Question::effective_codes`].
    pub fn has_code(&self, code: &str) -> bool {
        match self.kind {
            QuestionKind::Recommend => RECOMMEND_CODES.contains(&code),
            QuestionKind::FreeText => false,
            _ => self.options.iter().any(|o| o.code == code),
        }
    }

    /// The option with this code, if listed.
    pub fn option(&self, code: &str) -> Option<&SurveyChoice> {
        self.options.iter().find(|o| o.code == code)
    }

    /// Free text only: the most characters accepted (`max_chars`, or
    /// [`DEFAULT_TEXT_CHARS`] when absent, never above [`MAX_TEXT_CHARS`]).
    pub fn text_limit(&self) -> Option<usize> {
        (self.kind == QuestionKind::FreeText).then(|| {
            let limit = self
                .max_chars
                .unwrap_or(DEFAULT_TEXT_CHARS)
                .min(MAX_TEXT_CHARS);
            usize::try_from(limit).unwrap_or(usize::MAX)
        })
    }
}

impl SurveyDefinition {
    /// Parses a survey document and validates it as a whole.
    ///
    /// Malformed JSON (including unknown fields) gives [`SurveyError::Json`];
    /// a well-formed document that breaks any rule gives
    /// [`SurveyError::Invalid`] with every issue found, each with its path.
    pub fn from_json(json: &str) -> Result<Self, SurveyError> {
        let survey: Self = serde_json::from_str(json)?;
        let issues = survey.validate();
        if issues.is_empty() {
            Ok(survey)
        } else {
            Err(SurveyError::Invalid(issues))
        }
    }

    /// The document as pretty-printed JSON (what [`Self::from_json`] reads).
    pub fn to_json_pretty(&self) -> String {
        // Serialising these plain types (string-keyed maps) cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// The question with this id.
    pub fn question(&self, id: &str) -> Option<&Question> {
        self.questions.iter().find(|q| q.id == id)
    }

    /// The default language: the first listed.
    pub fn default_language(&self) -> Option<&str> {
        self.languages.first().map(String::as_str)
    }

    /// Whether the survey is given in this language.
    pub fn has_language(&self, language: &str) -> bool {
        self.languages.iter().any(|l| l == language)
    }

    /// The headline question (the faces question marked `headline`), if any.
    pub fn headline_question(&self) -> Option<&Question> {
        self.questions.iter().find(|q| q.headline)
    }

    /// The questions shown, in order, given the answers so far. A question
    /// with `show_if` is shown when the question it names is itself shown and
    /// was answered with one of the `any_of` codes; answers to unknown or
    /// hidden questions are ignored (the first answer to a question counts).
    pub fn visible_questions(&self, answers: &[Answer]) -> Vec<&Question> {
        let mut visible: Vec<&Question> = Vec::with_capacity(self.questions.len());
        for question in &self.questions {
            let shown = match &question.show_if {
                None => true,
                Some(cond) => {
                    visible.iter().any(|v| v.id == cond.question)
                        && answers
                            .iter()
                            .find(|a| a.question == cond.question)
                            .is_some_and(|a| a.codes.iter().any(|c| cond.any_of.contains(c)))
                }
            };
            if shown {
                visible.push(question);
            }
        }
        visible
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEFAULT: &str = include_str!("../../../assets/surveys/trato-digno-v1.json");

    #[test]
    fn default_survey_is_valid() {
        let survey = match SurveyDefinition::from_json(DEFAULT) {
            Ok(s) => s,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(survey.id, "trato-digno");
        assert_eq!(survey.version, 1);
        assert_eq!(survey.languages, ["es", "en"]);
        assert_eq!(survey.title["es"], "Encuesta de Trato Digno");
        assert_eq!(survey.title["en"], "Dignified Treatment Survey");
        assert!((6..=9).contains(&survey.questions.len()));
        assert_eq!(
            survey.headline_question().map(|q| q.id.as_str()),
            Some("trato")
        );
        let ids: Vec<&str> = survey.questions.iter().map(|q| q.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "trato",
                "saludo",
                "escucha",
                "respuesta",
                "respeto",
                "espera",
                "mejorar",
                "comentario"
            ]
        );
        assert_eq!(crate::DEFAULT_SURVEY_V1_JSON, DEFAULT);
        assert_eq!(survey.format, Some(crate::FORMAT_VERSION));
    }

    /// v2 asks what v1 asks, with one option more on `respuesta` ("No sé /
    /// No aplica") and on `espera` ("No recuerdo"), neither with an opinion,
    /// and keeps v1's indicator keys and alert rules.
    #[test]
    fn default_survey_v2_is_v1_with_no_opinion_options() {
        let v1 = SurveyDefinition::from_json(crate::DEFAULT_SURVEY_V1_JSON).expect("v1");
        let v2 = SurveyDefinition::from_json(crate::DEFAULT_SURVEY_V2_JSON).expect("v2");
        assert_eq!(crate::DEFAULT_SURVEY_JSON, crate::DEFAULT_SURVEY_V2_JSON);
        assert_eq!((v2.id.as_str(), v2.version), ("trato-digno", 2));
        let keys = |s: &SurveyDefinition| s.indicators().map(|i| i.key).collect::<Vec<_>>();
        assert_eq!(keys(&v2), keys(&v1));
        assert_eq!(v2.alerts, v1.alerts);
        let mut without = v2.clone();
        for q in &mut without.questions {
            q.options
                .retain(|o| !["no_sabe", "no_recuerda"].contains(&o.code.as_str()));
        }
        without.version = 1;
        assert_eq!(without.without_meaning(), v1.without_meaning());
        let respuesta = v2.question("respuesta").expect("respuesta");
        assert_eq!(
            respuesta.option("no_sabe").expect("no_sabe").label["es"],
            "No sé / No aplica"
        );
        assert_eq!(v2.sentiment("respuesta", "no_sabe"), None);
        assert!(v2.sentiment("respuesta", "si").is_some());
        let espera = v2.question("espera").expect("espera");
        assert_eq!(
            espera.option("no_recuerda").expect("no_recuerda").label["es"],
            "No recuerdo"
        );
        assert_eq!(v2.sentiment("espera", "no_recuerda"), None);
        assert_eq!(
            crate::DEFAULT_SURVEYS_JSON,
            [crate::DEFAULT_SURVEY_V1_JSON, crate::DEFAULT_SURVEY_V2_JSON]
        );
    }

    #[test]
    fn default_survey_round_trips() {
        let survey = SurveyDefinition::from_json(DEFAULT).expect("valid");
        let again = SurveyDefinition::from_json(&survey.to_json_pretty()).expect("valid");
        assert_eq!(again, survey);
    }

    #[test]
    fn default_survey_conditions() {
        let survey = SurveyDefinition::from_json(DEFAULT).expect("valid");
        let answer = |q: &str, c: &str| Answer {
            question: q.into(),
            codes: vec![c.into()],
            text: None,
        };
        let shown = |answers: &[Answer]| -> Vec<String> {
            survey
                .visible_questions(answers)
                .iter()
                .map(|q| q.id.clone())
                .collect()
        };
        assert!(!shown(&[]).contains(&"mejorar".to_owned()));
        assert!(!shown(&[answer("trato", "4")]).contains(&"mejorar".to_owned()));
        assert!(shown(&[answer("trato", "2")]).contains(&"mejorar".to_owned()));
        assert_eq!(shown(&[answer("trato", "1")]).len(), 8);
        assert_eq!(shown(&[answer("trato", "5")]).len(), 7);
    }
}
