//! Whole-document validation of a [`SurveyDefinition`]: every rule is checked
//! and every problem reported, each with the path of the offending value.

use std::collections::{BTreeSet, HashSet};
use std::sync::LazyLock;

use regex::Regex;

use crate::issue::{IdentifierKind, Problem, ValidationIssue};
use crate::meaning::{Sentiment, FORMAT_VERSION, MAX_ALERT_RULES};
use crate::survey::{
    LocalizedText, Question, QuestionKind, SurveyDefinition, CHOICE_OPTIONS, FACES_CODES,
    MAX_HINT_CHARS, MAX_LABEL_CHARS, MAX_PROMPT_CHARS, MAX_QUESTIONS, MAX_TEXT_CHARS,
    MAX_TITLE_CHARS, YES_NO_CODES, YES_NO_DONT_KNOW, YES_NO_PARTLY,
};

static IDENT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[a-z0-9][a-z0-9_-]{0,63}$").expect("valid identifier regex"));

// ISO 639-1 (`es`) or ISO 639-3 (`nah`, `yua`, `tzh`: Mexico's indigenous
// languages have no two-letter code), optionally with a region (`es-MX`).
static LANGUAGE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[a-z]{2,3}(-[A-Z]{2})?$").expect("valid language regex"));

/// Whether `s` is a valid survey id, question id or option code: 1 to 64
/// characters of `a-z`, `0-9`, `_`, `-`, starting with a letter or digit.
pub fn is_valid_identifier(s: &str) -> bool {
    IDENT.is_match(s)
}

/// Whether `s` is a valid language code: two letters (ISO 639-1: `es`,
/// `en`) or three (ISO 639-3: `nah`, `yua`, `tzh`), optionally with a
/// region (`es-MX`).
pub fn is_valid_language(s: &str) -> bool {
    LANGUAGE.is_match(s)
}

/// Collects issues with their paths.
struct Issues(Vec<ValidationIssue>);

impl Issues {
    fn push(&mut self, path: impl Into<String>, problem: Problem) {
        self.0.push(ValidationIssue::new(path, problem));
    }
}

impl SurveyDefinition {
    /// Checks every rule of the survey format and returns every problem found,
    /// in document order (empty when the survey is valid). See
    /// `docs/survey-format.md` for the rules.
    pub fn validate(&self) -> Vec<ValidationIssue> {
        let mut issues = Issues(Vec::new());
        self.check_format(&mut issues);
        check_identifier(&mut issues, "id", &self.id, IdentifierKind::Survey);
        if self.version < 1 {
            issues.push("version", Problem::BadVersion);
        }
        let languages = self.check_languages(&mut issues);
        check_text(
            &mut issues,
            "title",
            &self.title,
            &languages,
            MAX_TITLE_CHARS,
        );
        if self.questions.is_empty() || self.questions.len() > MAX_QUESTIONS {
            issues.push(
                "questions",
                Problem::QuestionCount {
                    count: self.questions.len(),
                },
            );
        }
        let mut seen_ids = HashSet::new();
        let mut seen_keys = HashSet::new();
        let mut headline_seen = false;
        for (i, question) in self.questions.iter().enumerate() {
            let path = format!("questions[{i}]");
            check_identifier(
                &mut issues,
                &format!("{path}.id"),
                &question.id,
                IdentifierKind::Question,
            );
            if !seen_ids.insert(question.id.as_str()) {
                issues.push(
                    format!("{path}.id"),
                    Problem::DuplicateQuestion {
                        id: question.id.clone(),
                    },
                );
            }
            check_text(
                &mut issues,
                &format!("{path}.prompt"),
                &question.prompt,
                &languages,
                MAX_PROMPT_CHARS,
            );
            if let Some(hint) = &question.hint {
                check_text(
                    &mut issues,
                    &format!("{path}.hint"),
                    hint,
                    &languages,
                    MAX_HINT_CHARS,
                );
            }
            check_options(&mut issues, &path, question, &languages);
            if let Some(audio) = &question.audio {
                check_audio(&mut issues, &format!("{path}.audio"), audio, &languages);
            }
            check_max_chars(&mut issues, &path, question);
            if question.headline {
                if question.kind != QuestionKind::Faces {
                    issues.push(format!("{path}.headline"), Problem::HeadlineNotFaces);
                }
                if headline_seen {
                    issues.push(format!("{path}.headline"), Problem::SecondHeadline);
                }
                headline_seen = true;
            }
            self.check_condition(&mut issues, &path, i);
            check_meaning(&mut issues, &path, question, &languages, &mut seen_keys);
        }
        self.check_alerts(&mut issues, &languages);
        issues.0
    }

    fn check_format(&self, issues: &mut Issues) {
        match self.format {
            Some(f) if f == 0 || f > FORMAT_VERSION => {
                issues.push("format", Problem::UnknownFormat { format: f })
            }
            _ if self.declares_meaning() && self.format_version() < 2 => {
                issues.push("format", Problem::MeaningNeedsFormat2)
            }
            _ => {}
        }
    }

    fn check_alerts(&self, issues: &mut Issues, languages: &BTreeSet<&str>) {
        if self.alerts.len() > MAX_ALERT_RULES {
            issues.push(
                "alerts",
                Problem::TooManyAlerts {
                    count: self.alerts.len(),
                },
            );
        }
        let mut reasons = HashSet::new();
        for (k, rule) in self.alerts.iter().enumerate() {
            let path = format!("alerts[{k}]");
            check_identifier(
                issues,
                &format!("{path}.reason"),
                &rule.reason,
                IdentifierKind::AlertReason,
            );
            if !reasons.insert(rule.reason.as_str()) {
                issues.push(
                    format!("{path}.reason"),
                    Problem::DuplicateAlertReason {
                        reason: rule.reason.clone(),
                    },
                );
            }
            check_text(
                issues,
                &format!("{path}.label"),
                &rule.label,
                languages,
                MAX_LABEL_CHARS,
            );
            let target = self.question(&rule.question);
            match target {
                None => issues.push(
                    format!("{path}.question"),
                    Problem::UnknownQuestion {
                        id: rule.question.clone(),
                    },
                ),
                Some(t) if !t.kind.takes_codes() => issues.push(
                    format!("{path}.question"),
                    Problem::AlertOnFreeText { id: t.id.clone() },
                ),
                Some(_) => {}
            }
            if rule.any_of.is_empty() {
                issues.push(format!("{path}.any_of"), Problem::EmptyAnyOf);
            }
            if let Some(t) = target.filter(|t| t.kind.takes_codes()) {
                for (m, code) in rule.any_of.iter().enumerate() {
                    if !t.has_code(code) {
                        issues.push(
                            format!("{path}.any_of[{m}]"),
                            Problem::UnknownOption {
                                question: t.id.clone(),
                                code: code.clone(),
                            },
                        );
                    }
                }
            }
        }
    }

    /// Checks `languages` and returns the distinct listed languages, which are
    /// the ones every text must be given in.
    fn check_languages<'a>(&'a self, issues: &mut Issues) -> BTreeSet<&'a str> {
        let mut distinct = BTreeSet::new();
        if self.languages.is_empty() {
            issues.push("languages", Problem::NoLanguages);
        }
        for (i, language) in self.languages.iter().enumerate() {
            if !is_valid_language(language) {
                issues.push(
                    format!("languages[{i}]"),
                    Problem::BadLanguage {
                        language: language.clone(),
                    },
                );
            }
            if !distinct.insert(language.as_str()) {
                issues.push(
                    format!("languages[{i}]"),
                    Problem::DuplicateLanguage {
                        language: language.clone(),
                    },
                );
            }
        }
        distinct
    }

    fn check_condition(&self, issues: &mut Issues, path: &str, index: usize) {
        let Some(cond) = &self.questions[index].show_if else {
            return;
        };
        let target = self.questions[..index]
            .iter()
            .find(|q| q.id == cond.question);
        let target = match target {
            Some(t) => Some(t),
            None => {
                let id = cond.question.clone();
                let problem = if self.questions[index..]
                    .iter()
                    .any(|q| q.id == cond.question)
                {
                    Problem::ConditionNotEarlier { id }
                } else {
                    Problem::UnknownQuestion { id }
                };
                issues.push(format!("{path}.show_if.question"), problem);
                None
            }
        };
        if let Some(t) = target {
            if !t.kind.takes_codes() {
                issues.push(
                    format!("{path}.show_if.question"),
                    Problem::ConditionOnFreeText { id: t.id.clone() },
                );
            }
        }
        if cond.any_of.is_empty() {
            issues.push(format!("{path}.show_if.any_of"), Problem::EmptyAnyOf);
        }
        if let Some(t) = target.filter(|t| t.kind.takes_codes()) {
            for (k, code) in cond.any_of.iter().enumerate() {
                if !t.has_code(code) {
                    issues.push(
                        format!("{path}.show_if.any_of[{k}]"),
                        Problem::UnknownOption {
                            question: t.id.clone(),
                            code: code.clone(),
                        },
                    );
                }
            }
        }
    }
}

fn check_identifier(issues: &mut Issues, path: &str, value: &str, what: IdentifierKind) {
    if value.is_empty() {
        issues.push(path, Problem::EmptyIdentifier { what });
    } else if !is_valid_identifier(value) {
        issues.push(
            path,
            Problem::BadIdentifier {
                what,
                value: value.to_owned(),
            },
        );
    }
}

/// A localized text must be given in exactly the survey's languages, each
/// non-blank and at most `max_chars` characters.
fn check_text(
    issues: &mut Issues,
    path: &str,
    text: &LocalizedText,
    languages: &BTreeSet<&str>,
    max_chars: usize,
) {
    for language in languages {
        match text.get(*language) {
            None => issues.push(
                format!("{path}.{language}"),
                Problem::TextMissing {
                    language: (*language).to_owned(),
                },
            ),
            Some(s) if s.trim().is_empty() => {
                issues.push(format!("{path}.{language}"), Problem::TextBlank)
            }
            Some(s) => {
                let len = s.chars().count();
                if len > max_chars {
                    issues.push(
                        format!("{path}.{language}"),
                        Problem::TextTooLong {
                            len,
                            max: max_chars,
                        },
                    );
                }
            }
        }
    }
    for language in text.keys() {
        if !languages.contains(language.as_str()) {
            issues.push(
                format!("{path}.{language}"),
                Problem::ForeignLanguage {
                    language: language.clone(),
                },
            );
        }
    }
}

fn check_options(issues: &mut Issues, path: &str, question: &Question, languages: &BTreeSet<&str>) {
    let options = &question.options;
    let n = options.len();
    // The fixed codes, position by position, when the count is right.
    let mut fixed: &[&str] = &[];
    match question.kind {
        QuestionKind::Faces => {
            if n == FACES_CODES.len() {
                fixed = &FACES_CODES;
            } else {
                issues.push(
                    format!("{path}.options"),
                    Problem::FacesOptionCount { count: n },
                );
            }
        }
        QuestionKind::YesNo => match n {
            2 | 4 => fixed = &YES_NO_ALL[..n],
            3 if options[2].code == YES_NO_DONT_KNOW => fixed = &YES_NO_WITHOUT_PARTLY,
            3 => fixed = &YES_NO_ALL[..n],
            _ => issues.push(
                format!("{path}.options"),
                Problem::YesNoOptionCount { count: n },
            ),
        },
        QuestionKind::SingleChoice | QuestionKind::MultipleChoice => {
            if !CHOICE_OPTIONS.contains(&n) {
                issues.push(
                    format!("{path}.options"),
                    Problem::ChoiceOptionCount {
                        kind: question.kind,
                        count: n,
                    },
                );
            }
        }
        QuestionKind::Recommend | QuestionKind::FreeText => {
            if n > 0 {
                issues.push(
                    format!("{path}.options"),
                    Problem::OptionsNotAllowed {
                        kind: question.kind,
                    },
                );
            }
        }
    }
    let mut seen = HashSet::new();
    for (j, option) in options.iter().enumerate() {
        let opath = format!("{path}.options[{j}]");
        let code = option.code.as_str();
        let first_use = seen.insert(code);
        // One issue per code: its shape, then its fixed value, then uniqueness.
        match fixed.get(j) {
            _ if !is_valid_identifier(code) => check_identifier(
                issues,
                &format!("{opath}.code"),
                code,
                IdentifierKind::Option,
            ),
            Some(want) if code != *want => issues.push(
                format!("{opath}.code"),
                Problem::FixedCode {
                    position: j + 1,
                    kind: question.kind,
                    want: (*want).to_owned(),
                    got: code.to_owned(),
                },
            ),
            _ if !first_use => issues.push(
                format!("{opath}.code"),
                Problem::DuplicateOption {
                    code: code.to_owned(),
                },
            ),
            _ => {}
        }
        check_text(
            issues,
            &format!("{opath}.label"),
            &option.label,
            languages,
            MAX_LABEL_CHARS,
        );
        if let Some(audio) = &option.audio {
            check_audio(issues, &format!("{opath}.audio"), audio, languages);
        }
    }
}

/// File extensions a recorded audio may have: what the kiosk's web view
/// plays with the packaged GStreamer plugins (base and good).
pub const AUDIO_EXTENSIONS: [&str; 5] = ["wav", "mp3", "ogg", "oga", "opus"];

/// The most characters in a recorded audio's file name.
pub const MAX_AUDIO_PATH_CHARS: usize = 200;

static AUDIO_FILE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*(/[A-Za-z0-9_][A-Za-z0-9_.-]*)*$")
        .expect("valid audio file regex")
});

/// Whether `s` names a recorded audio file the kiosk accepts: a relative
/// path (folders separated by `/`) of letters, digits, `_`, `-` and `.`,
/// no part starting with `.` (so never `..`), ending in one of
/// [`AUDIO_EXTENSIONS`]. It is resolved beside the survey file when the
/// survey is installed, so it can never point elsewhere.
pub fn is_valid_audio_file(s: &str) -> bool {
    s.chars().count() <= MAX_AUDIO_PATH_CHARS
        && AUDIO_FILE.is_match(s)
        && s.rsplit_once('.')
            .is_some_and(|(_, ext)| AUDIO_EXTENSIONS.contains(&ext.to_ascii_lowercase().as_str()))
}

/// Recorded audio: any of the survey's languages may have a file, none must.
fn check_audio(issues: &mut Issues, path: &str, audio: &LocalizedText, languages: &BTreeSet<&str>) {
    for (language, file) in audio {
        let at = format!("{path}.{language}");
        if !languages.contains(language.as_str()) {
            issues.push(
                at,
                Problem::ForeignLanguage {
                    language: language.clone(),
                },
            );
        } else if !is_valid_audio_file(file) {
            issues.push(at, Problem::BadAudioFile { file: file.clone() });
        }
    }
}

/// The codes of a yes/no question with every optional code, in order.
const YES_NO_ALL: [&str; 4] = [
    YES_NO_CODES[0],
    YES_NO_CODES[1],
    YES_NO_PARTLY,
    YES_NO_DONT_KNOW,
];
/// The codes of a yes/no question with "no sé" but without "en parte".
const YES_NO_WITHOUT_PARTLY: [&str; 3] = [YES_NO_CODES[0], YES_NO_CODES[1], YES_NO_DONT_KNOW];

/// An indicator goes on a faces, yes/no or single-choice question, with a
/// key unique in the survey; sentiments go only on an indicator's options,
/// and a single-choice indicator needs at least one option with an opinion.
fn check_meaning<'a>(
    issues: &mut Issues,
    path: &str,
    question: &'a Question,
    languages: &BTreeSet<&str>,
    seen_keys: &mut HashSet<&'a str>,
) {
    if let Some(decl) = &question.indicator {
        let ipath = format!("{path}.indicator");
        if !question.kind.takes_indicator() {
            issues.push(
                ipath.clone(),
                Problem::IndicatorKind {
                    kind: question.kind,
                },
            );
        }
        check_identifier(
            issues,
            &format!("{ipath}.key"),
            &decl.key,
            IdentifierKind::Indicator,
        );
        if !seen_keys.insert(decl.key.as_str()) {
            issues.push(
                format!("{ipath}.key"),
                Problem::DuplicateIndicator {
                    key: decl.key.clone(),
                },
            );
        }
        if let Some(label) = &decl.label {
            check_text(
                issues,
                &format!("{ipath}.label"),
                label,
                languages,
                MAX_LABEL_CHARS,
            );
        }
        let has_opinion = question
            .option_sentiments()
            .iter()
            .any(|(_, s)| matches!(s, Some(Sentiment::Positive | Sentiment::Negative)));
        if question.kind == QuestionKind::SingleChoice && !has_opinion {
            issues.push(ipath, Problem::IndicatorWithoutOpinion);
        }
    } else {
        for (j, option) in question.options.iter().enumerate() {
            if option.sentiment.is_some() {
                issues.push(
                    format!("{path}.options[{j}].sentiment"),
                    Problem::SentimentWithoutIndicator,
                );
            }
        }
    }
}

fn check_max_chars(issues: &mut Issues, path: &str, question: &Question) {
    let Some(max) = question.max_chars else {
        return;
    };
    if question.kind != QuestionKind::FreeText {
        issues.push(format!("{path}.max_chars"), Problem::MaxCharsNotFreeText);
    } else if !(1..=MAX_TEXT_CHARS).contains(&max) {
        issues.push(format!("{path}.max_chars"), Problem::MaxCharsRange { max });
    }
}
