//! What answers mean: indicators, sentiments and alert rules declared in the
//! survey (format 2, `docs/survey-format.md` section "Meaning").
//!
//! Every figure (the centre's rollup and dashboard, the kiosk's summaries) and
//! every alert is derived from these declarations, so a new survey version
//! that renames a question but keeps its indicator key keeps its figure.

use serde::{Deserialize, Serialize};

use crate::response::Answer;
use crate::survey::{
    LocalizedText, Question, QuestionKind, SurveyDefinition, YES_NO_CODES, YES_NO_DONT_KNOW,
    YES_NO_PARTLY,
};

/// The survey-format version this crate reads (and every older one).
/// 1: no meaning declarations; 2: indicators, sentiments and alert rules.
pub const FORMAT_VERSION: u32 = 2;

/// The most alert rules a survey may declare.
pub const MAX_ALERT_RULES: usize = 20;

/// How an answer counts in its indicator. An answer with no sentiment
/// ("No sé / No aplica") is left out of the indicator's base.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sentiment {
    Positive,
    Neutral,
    Negative,
}

/// A sentiment as written on an option: one of [`Sentiment`], or `none`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeclaredSentiment {
    Positive,
    Neutral,
    Negative,
    None,
}

impl DeclaredSentiment {
    pub fn sentiment(self) -> Option<Sentiment> {
        match self {
            Self::Positive => Some(Sentiment::Positive),
            Self::Neutral => Some(Sentiment::Neutral),
            Self::Negative => Some(Sentiment::Negative),
            Self::None => None,
        }
    }
}

/// `"indicator": {"key": "overall", "label": {...}}` on a question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndicatorDecl {
    pub key: String,
    /// Absent: the question's prompt names the indicator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<LocalizedText>,
}

/// One alert rule: a response answering `question` with one of `any_of`
/// raises an alert with this reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertRule {
    pub reason: String,
    pub label: LocalizedText,
    pub question: String,
    pub any_of: Vec<String>,
    /// The alert needs attention at once (disrespect, discrimination): the
    /// centre e-mails it as it arrives instead of in the daily digest, and
    /// its alerts fall due sooner (24 h by default, against 72 h).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub urgent: bool,
}

/// An indicator of a survey version, resolved: its label is the declared one
/// or the question's prompt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Indicator {
    pub key: String,
    pub label: LocalizedText,
    pub question_id: String,
    pub kind: QuestionKind,
    /// Whether the question is the survey's headline.
    pub headline: bool,
}

/// One indicator as answered in one response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Score<'a> {
    pub indicator: &'a str,
    pub question_id: &'a str,
    pub code: &'a str,
    /// `None`: answered without an opinion (left out of the base).
    pub sentiment: Option<Sentiment>,
}

/// The sentiment an option has when it declares none.
pub fn default_sentiment(kind: QuestionKind, code: &str) -> Option<Sentiment> {
    match (kind, code) {
        (QuestionKind::Faces, "1" | "2") => Some(Sentiment::Negative),
        (QuestionKind::Faces, "3") => Some(Sentiment::Neutral),
        (QuestionKind::Faces, "4" | "5") => Some(Sentiment::Positive),
        (QuestionKind::YesNo, c) if c == YES_NO_CODES[0] => Some(Sentiment::Positive),
        (QuestionKind::YesNo, c) if c == YES_NO_CODES[1] => Some(Sentiment::Negative),
        (QuestionKind::YesNo, YES_NO_PARTLY) => Some(Sentiment::Neutral),
        (QuestionKind::YesNo, YES_NO_DONT_KNOW) => None,
        _ => None,
    }
}

impl QuestionKind {
    /// Whether a question of this kind may carry an indicator.
    pub fn takes_indicator(self) -> bool {
        matches!(self, Self::Faces | Self::YesNo | Self::SingleChoice)
    }
}

impl Question {
    /// The sentiment of answering `code`, for a question with an indicator
    /// (`None` for a question without one, or an option without an opinion).
    pub fn sentiment(&self, code: &str) -> Option<Sentiment> {
        self.indicator.as_ref()?;
        match self.option(code).and_then(|o| o.sentiment) {
            Some(declared) => declared.sentiment(),
            None => default_sentiment(self.kind, code),
        }
    }

    /// Each option code of an indicator question with its sentiment, in order.
    pub fn option_sentiments(&self) -> Vec<(&str, Option<Sentiment>)> {
        self.options
            .iter()
            .map(|o| (o.code.as_str(), self.sentiment(&o.code)))
            .collect()
    }
}

impl SurveyDefinition {
    /// Whether the document uses any format-2 declaration.
    pub fn declares_meaning(&self) -> bool {
        !self.alerts.is_empty()
            || self
                .questions
                .iter()
                .any(|q| q.indicator.is_some() || q.options.iter().any(|o| o.sentiment.is_some()))
    }

    /// The same survey with no meaning declarations (format 1): two documents
    /// equal under this ask the same questions, so responses to one are
    /// responses to the other (how an older stored copy of a version is
    /// recognised when the meaning is declared afterwards).
    pub fn without_meaning(&self) -> SurveyDefinition {
        let mut plain = self.clone();
        plain.format = None;
        plain.alerts.clear();
        for question in &mut plain.questions {
            question.indicator = None;
            for option in &mut question.options {
                option.sentiment = None;
            }
        }
        plain
    }

    /// The format the document is in (absent: 1).
    pub fn format_version(&self) -> u32 {
        self.format.unwrap_or(1)
    }

    /// The indicators, in question order.
    pub fn indicators(&self) -> impl Iterator<Item = Indicator> + '_ {
        self.questions.iter().filter_map(|q| {
            let decl = q.indicator.as_ref()?;
            Some(Indicator {
                key: decl.key.clone(),
                label: decl.label.clone().unwrap_or_else(|| q.prompt.clone()),
                question_id: q.id.clone(),
                kind: q.kind,
                headline: q.headline,
            })
        })
    }

    /// The question that carries the indicator `key`.
    pub fn indicator_question(&self, key: &str) -> Option<&Question> {
        self.questions
            .iter()
            .find(|q| q.indicator.as_ref().is_some_and(|i| i.key == key))
    }

    /// The sentiment of answering `code` to `question_id` (`None`: the
    /// question has no indicator, or the option carries no opinion).
    pub fn sentiment(&self, question_id: &str, code: &str) -> Option<Sentiment> {
        self.question(question_id)?.sentiment(code)
    }

    /// For each indicator answered in `answers`, its code and sentiment, in
    /// question order.
    pub fn scores<'a>(&'a self, answers: &'a [Answer]) -> Vec<Score<'a>> {
        self.questions
            .iter()
            .filter_map(|q| {
                let decl = q.indicator.as_ref()?;
                let answer = answers.iter().find(|a| a.question == q.id)?;
                let code = answer.codes.first()?;
                Some(Score {
                    indicator: decl.key.as_str(),
                    question_id: q.id.as_str(),
                    code: code.as_str(),
                    sentiment: q.sentiment(code),
                })
            })
            .collect()
    }

    /// The rules matched by `answers`, in rule order.
    pub fn matched_alerts<'a>(&'a self, answers: &[Answer]) -> Vec<&'a AlertRule> {
        self.alerts
            .iter()
            .filter(|rule| {
                answers
                    .iter()
                    .find(|a| a.question == rule.question)
                    .is_some_and(|a| a.codes.iter().any(|c| rule.any_of.contains(c)))
            })
            .collect()
    }

    /// The alert a response raises: its matched reasons joined by "," in rule
    /// order, or `None` when no rule matches.
    pub fn alert_reasons(&self, answers: &[Answer]) -> Option<String> {
        let matched = self.matched_alerts(answers);
        (!matched.is_empty()).then(|| {
            matched
                .iter()
                .map(|r| r.reason.as_str())
                .collect::<Vec<_>>()
                .join(",")
        })
    }

    /// Whether the rule of this reason key is marked urgent.
    pub fn alert_urgent(&self, reason: &str) -> bool {
        self.alerts.iter().any(|r| r.reason == reason && r.urgent)
    }

    /// The same survey with no alert rule marked urgent: a stored copy equal
    /// to this is the same version before urgency could be declared.
    pub fn without_urgency(&self) -> SurveyDefinition {
        let mut plain = self.clone();
        for rule in &mut plain.alerts {
            rule.urgent = false;
        }
        plain
    }

    /// The label of an alert reason key.
    pub fn alert_label(&self, reason: &str) -> Option<&LocalizedText> {
        self.alerts
            .iter()
            .find(|r| r.reason == reason)
            .map(|r| &r.label)
    }
}
