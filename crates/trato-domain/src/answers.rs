//! Checking a patient's answers against a survey, and normalising them.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::response::{Answer, AnswerError};
use crate::survey::{Question, SurveyDefinition};
use crate::text::{clean_comment, mask_personal_data};

/// How many answers a set must hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Completeness {
    /// Submitted by the patient: every visible required question is answered.
    Complete,
    /// Kept by the idle reset (abandoned): any subset, each answer still valid.
    Partial,
}

impl SurveyDefinition {
    /// Checks answers given in `language` and returns them normalised, in
    /// survey question order:
    ///
    /// - every answer names a question of the survey, at most once;
    /// - faces, yes/no, single choice and recommendation take exactly one
    ///   valid code; multiple choice one or more (duplicates removed, kept in
    ///   option order); none of them takes text;
    /// - free text takes text only: it is cleaned ([`clean_comment`]), must fit
    ///   [`Question::text_limit`] in characters (both as cleaned and once masked),
    ///   and is masked ([`mask_personal_data`]); a text empty after cleaning (or
    ///   absent) counts as not answered and is dropped;
    /// - a question hidden by its `show_if` must not be answered;
    /// - with [`Completeness::Complete`], every shown required question is answered.
    ///
    /// The result passes this check again unchanged.
    pub fn check_answers(
        &self,
        language: &str,
        answers: &[Answer],
        completeness: Completeness,
    ) -> Result<Vec<Answer>, AnswerError> {
        if !self.has_language(language) {
            return Err(AnswerError::UnknownLanguage(language.to_owned()));
        }
        let mut normalised: HashMap<&str, Answer> = HashMap::with_capacity(answers.len());
        let mut seen: Vec<&str> = Vec::with_capacity(answers.len());
        for answer in answers {
            let question = self
                .question(&answer.question)
                .ok_or_else(|| AnswerError::UnknownQuestion(answer.question.clone()))?;
            if seen.contains(&question.id.as_str()) {
                return Err(AnswerError::DuplicateAnswer(question.id.clone()));
            }
            seen.push(question.id.as_str());
            if let Some(a) = normalise_answer(question, answer)? {
                normalised.insert(question.id.as_str(), a);
            }
        }

        // `ordered` holds the accepted answers to shown questions so far, so a
        // condition on a hidden question is never met (hiding is transitive).
        let mut ordered: Vec<Answer> = Vec::with_capacity(normalised.len());
        for question in &self.questions {
            let visible = question.show_if.as_ref().is_none_or(|cond| {
                ordered
                    .iter()
                    .find(|a| a.question == cond.question)
                    .is_some_and(|a| a.codes.iter().any(|c| cond.any_of.contains(c)))
            });
            match (visible, normalised.remove(question.id.as_str())) {
                (false, Some(_)) => return Err(AnswerError::NotShown(question.id.clone())),
                (true, Some(a)) => ordered.push(a),
                (true, None) if question.required && completeness == Completeness::Complete => {
                    return Err(AnswerError::MissingRequired(question.id.clone()))
                }
                _ => {}
            }
        }
        Ok(ordered)
    }
}

/// Checks one answer's shape against its question; `None` means "not
/// answered" (a free-text answer with no text left after cleaning).
fn normalise_answer(question: &Question, answer: &Answer) -> Result<Option<Answer>, AnswerError> {
    let id = || question.id.clone();
    if let Some(limit) = question.text_limit() {
        if !answer.codes.is_empty() {
            return Err(AnswerError::TextExpected(id()));
        }
        let cleaned = clean_comment(answer.text.as_deref().unwrap_or_default());
        if cleaned.is_empty() {
            return Ok(None);
        }
        let masked = mask_personal_data(&cleaned);
        // Checked both as typed and as stored, so a stored answer re-checks cleanly.
        let len = cleaned.chars().count().max(masked.chars().count());
        if len > limit {
            return Err(AnswerError::TextTooLong {
                question: id(),
                len,
                max: u32::try_from(limit).unwrap_or(u32::MAX),
            });
        }
        return Ok(Some(Answer {
            question: id(),
            codes: Vec::new(),
            text: Some(masked),
        }));
    }

    if answer.text.is_some() {
        return Err(AnswerError::OptionsExpected(id()));
    }
    if let Some(bad) = answer.codes.iter().find(|c| !question.has_code(c)) {
        return Err(AnswerError::UnknownOption {
            question: id(),
            code: bad.clone(),
        });
    }
    if answer.codes.is_empty() {
        return Err(AnswerError::NoOption(id()));
    }
    if question.kind.single_code() && answer.codes.len() != 1 {
        return Err(AnswerError::OneOptionExpected(id()));
    }
    // Multiple choice: distinct codes in the survey's option order.
    let codes = question
        .effective_codes()
        .into_iter()
        .filter(|c| answer.codes.contains(c))
        .collect();
    Ok(Some(Answer {
        question: id(),
        codes,
        text: None,
    }))
}
