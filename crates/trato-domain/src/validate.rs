//! Whole-document validation of a [`SurveyDefinition`]: every rule is checked
//! and every problem reported, each with the path of the offending value.

use std::collections::{BTreeSet, HashSet};
use std::sync::LazyLock;

use regex::Regex;

use crate::meaning::{Sentiment, FORMAT_VERSION, MAX_ALERT_RULES};
use crate::survey::{
    LocalizedText, Question, QuestionKind, SurveyDefinition, ValidationIssue, CHOICE_OPTIONS,
    FACES_CODES, MAX_HINT_CHARS, MAX_LABEL_CHARS, MAX_PROMPT_CHARS, MAX_QUESTIONS, MAX_TEXT_CHARS,
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
    fn push(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.0.push(ValidationIssue {
            path: path.into(),
            message: message.into(),
        });
    }
}

impl SurveyDefinition {
    /// Checks every rule of the survey format and returns every problem found,
    /// in document order (empty when the survey is valid). See
    /// `docs/survey-format.md` for the rules.
    pub fn validate(&self) -> Vec<ValidationIssue> {
        let mut issues = Issues(Vec::new());
        self.check_format(&mut issues);
        check_identifier(&mut issues, "id", &self.id, "survey id");
        if self.version < 1 {
            issues.push("version", "the version must be 1 or more");
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
                format!(
                    "a survey has 1 to {MAX_QUESTIONS} questions, not {}",
                    self.questions.len()
                ),
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
                "question id",
            );
            if !seen_ids.insert(question.id.as_str()) {
                issues.push(
                    format!("{path}.id"),
                    format!("the question id `{}` is used twice", question.id),
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
                    issues.push(
                        format!("{path}.headline"),
                        "only a faces question can be the headline",
                    );
                }
                if headline_seen {
                    issues.push(
                        format!("{path}.headline"),
                        "only one question can be the headline",
                    );
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
            Some(f) if f == 0 || f > FORMAT_VERSION => issues.push(
                "format",
                format!(
                    "the survey format {f} is not known; this version reads 1 to {FORMAT_VERSION}"
                ),
            ),
            _ if self.declares_meaning() && self.format_version() < 2 => issues.push(
                "format",
                "a survey that declares indicators, sentiments or alerts must say `\"format\": 2`",
            ),
            _ => {}
        }
    }

    fn check_alerts(&self, issues: &mut Issues, languages: &BTreeSet<&str>) {
        if self.alerts.len() > MAX_ALERT_RULES {
            issues.push(
                "alerts",
                format!(
                    "a survey has at most {MAX_ALERT_RULES} alert rules, not {}",
                    self.alerts.len()
                ),
            );
        }
        let mut reasons = HashSet::new();
        for (k, rule) in self.alerts.iter().enumerate() {
            let path = format!("alerts[{k}]");
            check_identifier(
                issues,
                &format!("{path}.reason"),
                &rule.reason,
                "alert reason",
            );
            if !reasons.insert(rule.reason.as_str()) {
                issues.push(
                    format!("{path}.reason"),
                    format!("the alert reason `{}` is used twice", rule.reason),
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
                    format!("there is no question `{}`", rule.question),
                ),
                Some(t) if !t.kind.takes_codes() => issues.push(
                    format!("{path}.question"),
                    format!(
                        "`{}` is a free-text question; an alert rule needs options",
                        t.id
                    ),
                ),
                Some(_) => {}
            }
            if rule.any_of.is_empty() {
                issues.push(
                    format!("{path}.any_of"),
                    "at least one option code is needed",
                );
            }
            if let Some(t) = target.filter(|t| t.kind.takes_codes()) {
                for (m, code) in rule.any_of.iter().enumerate() {
                    if !t.has_code(code) {
                        issues.push(
                            format!("{path}.any_of[{m}]"),
                            format!("question `{}` has no option `{code}`", t.id),
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
            issues.push("languages", "at least one language is needed");
        }
        for (i, language) in self.languages.iter().enumerate() {
            if !is_valid_language(language) {
                issues.push(
                    format!("languages[{i}]"),
                    format!(
                        "`{language}` is not a language code like `es`, `nah` (ISO 639-3) or `es-MX`"
                    ),
                );
            }
            if !distinct.insert(language.as_str()) {
                issues.push(
                    format!("languages[{i}]"),
                    format!("the language `{language}` is listed twice"),
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
                let message = if self.questions[index..]
                    .iter()
                    .any(|q| q.id == cond.question)
                {
                    format!(
                        "`{}` is not an earlier question: a condition can only look back",
                        cond.question
                    )
                } else {
                    format!("there is no question `{}`", cond.question)
                };
                issues.push(format!("{path}.show_if.question"), message);
                None
            }
        };
        if let Some(t) = target {
            if !t.kind.takes_codes() {
                issues.push(
                    format!("{path}.show_if.question"),
                    format!(
                        "`{}` is a free-text question; a condition needs options",
                        t.id
                    ),
                );
            }
        }
        if cond.any_of.is_empty() {
            issues.push(
                format!("{path}.show_if.any_of"),
                "at least one option code is needed",
            );
        }
        if let Some(t) = target.filter(|t| t.kind.takes_codes()) {
            for (k, code) in cond.any_of.iter().enumerate() {
                if !t.has_code(code) {
                    issues.push(
                        format!("{path}.show_if.any_of[{k}]"),
                        format!("question `{}` has no option `{code}`", t.id),
                    );
                }
            }
        }
    }
}

fn check_identifier(issues: &mut Issues, path: &str, value: &str, what: &str) {
    if value.is_empty() {
        issues.push(path, format!("the {what} is empty"));
    } else if !is_valid_identifier(value) {
        issues.push(
            path,
            format!(
                "the {what} `{value}` must be 1-64 characters of a-z, 0-9, `_` or `-`, \
                 starting with a letter or digit"
            ),
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
                format!("the text in `{language}` is missing"),
            ),
            Some(s) if s.trim().is_empty() => {
                issues.push(format!("{path}.{language}"), "the text is blank")
            }
            Some(s) => {
                let len = s.chars().count();
                if len > max_chars {
                    issues.push(
                        format!("{path}.{language}"),
                        format!(
                            "the text is {len} characters long; at most {max_chars} are allowed"
                        ),
                    );
                }
            }
        }
    }
    for language in text.keys() {
        if !languages.contains(language.as_str()) {
            issues.push(
                format!("{path}.{language}"),
                format!("`{language}` is not one of the survey's languages"),
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
                    format!(
                        "a faces question has exactly 5 options (codes \"1\" to \"5\"), not {n}"
                    ),
                );
            }
        }
        QuestionKind::YesNo => match n {
            2 | 4 => fixed = &YES_NO_ALL[..n],
            3 if options[2].code == YES_NO_DONT_KNOW => fixed = &YES_NO_WITHOUT_PARTLY,
            3 => fixed = &YES_NO_ALL[..n],
            _ => issues.push(
                format!("{path}.options"),
                format!(
                    "a yes/no question has options \"si\", \"no\", optionally \"en_parte\" \
                     and optionally \"no_sabe\", not {n} options"
                ),
            ),
        },
        QuestionKind::SingleChoice | QuestionKind::MultipleChoice => {
            if !CHOICE_OPTIONS.contains(&n) {
                issues.push(
                    format!("{path}.options"),
                    format!(
                        "a {} question has {} to {} options, not {n}",
                        question.kind.as_str(),
                        CHOICE_OPTIONS.start(),
                        CHOICE_OPTIONS.end()
                    ),
                );
            }
        }
        QuestionKind::Recommend | QuestionKind::FreeText => {
            if n > 0 {
                issues.push(
                    format!("{path}.options"),
                    format!("a {} question lists no options", question.kind.as_str()),
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
            _ if !is_valid_identifier(code) => {
                check_identifier(issues, &format!("{opath}.code"), code, "option code")
            }
            Some(want) if code != *want => issues.push(
                format!("{opath}.code"),
                format!(
                    "option {} of a {} question has code `{want}`, not `{code}`",
                    j + 1,
                    question.kind.as_str(),
                ),
            ),
            _ if !first_use => issues.push(
                format!("{opath}.code"),
                format!("the option code `{code}` is used twice in this question"),
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
                format!("`{language}` is not one of the survey's languages"),
            );
        } else if !is_valid_audio_file(file) {
            issues.push(
                at,
                format!(
                    "`{file}` is not an audio file name: a relative path of letters, digits, \
                     `_`, `-` and `.` ending in .{}",
                    AUDIO_EXTENSIONS.join(", .")
                ),
            );
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
                format!(
                    "only a faces, yes_no or single_choice question can carry an indicator, \
                     not a {} question",
                    question.kind.as_str()
                ),
            );
        }
        check_identifier(issues, &format!("{ipath}.key"), &decl.key, "indicator key");
        if !seen_keys.insert(decl.key.as_str()) {
            issues.push(
                format!("{ipath}.key"),
                format!("the indicator key `{}` is used twice", decl.key),
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
            issues.push(
                ipath,
                "a single_choice indicator needs at least one option with sentiment \
                 `positive` or `negative`",
            );
        }
    } else {
        for (j, option) in question.options.iter().enumerate() {
            if option.sentiment.is_some() {
                issues.push(
                    format!("{path}.options[{j}].sentiment"),
                    "only an option of a question with an indicator has a sentiment",
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
        issues.push(
            format!("{path}.max_chars"),
            "only a free-text question has `max_chars`",
        );
    } else if !(1..=MAX_TEXT_CHARS).contains(&max) {
        issues.push(
            format!("{path}.max_chars"),
            format!("`max_chars` is 1 to {MAX_TEXT_CHARS}, not {max}"),
        );
    }
}
