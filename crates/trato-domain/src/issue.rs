//! What is wrong with a survey document: each problem has a stable code, the
//! path of the offending value and its text in Spanish (for the coordinators
//! and IT staff who install surveys) and English. The texts are written once,
//! here, one match arm per kind, so no kind can lack either language.

use std::fmt;

use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};

use crate::meaning::FORMAT_VERSION;
use crate::survey::{QuestionKind, CHOICE_OPTIONS, MAX_QUESTIONS, MAX_TEXT_CHARS};
use crate::validate::AUDIO_EXTENSIONS;
use crate::MAX_ALERT_RULES;

/// Which identifier a problem is about, for its texts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IdentifierKind {
    Survey,
    Question,
    Option,
    AlertReason,
    Indicator,
}

impl IdentifierKind {
    fn es(self) -> &'static str {
        match self {
            Self::Survey => "el id de la encuesta",
            Self::Question => "el id de la pregunta",
            Self::Option => "el código de opción",
            Self::AlertReason => "el motivo de alerta",
            Self::Indicator => "la clave del indicador",
        }
    }

    fn en(self) -> &'static str {
        match self {
            Self::Survey => "the survey id",
            Self::Question => "the question id",
            Self::Option => "the option code",
            Self::AlertReason => "the alert reason",
            Self::Indicator => "the indicator key",
        }
    }
}

macro_rules! problems {
    ($($(#[$doc:meta])* $variant:ident $({ $($field:ident: $ty:ty),* $(,)? })? => $code:literal,)+) => {
        /// One kind of problem in a survey document, with what its texts need.
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub enum Problem {
            $($(#[$doc])* $variant $({ $($field: $ty),* })?,)+
        }

        impl Problem {
            /// Every code, in declaration order.
            pub const CODES: &'static [&'static str] = &[$($code,)+];

            /// A stable, machine-readable code (`text_missing`, `unknown_question`...).
            pub fn code(&self) -> &'static str {
                match self {
                    $(Self::$variant { .. } => $code,)+
                }
            }
        }
    };
}

problems! {
    UnknownFormat { format: u32 } => "unknown_format",
    /// Indicators, sentiments or alerts in a document that does not say format 2.
    MeaningNeedsFormat2 => "meaning_needs_format_2",
    EmptyIdentifier { what: IdentifierKind } => "empty_identifier",
    BadIdentifier { what: IdentifierKind, value: String } => "bad_identifier",
    BadVersion => "bad_version",
    QuestionCount { count: usize } => "question_count",
    DuplicateQuestion { id: String } => "duplicate_question",
    HeadlineNotFaces => "headline_not_faces",
    SecondHeadline => "second_headline",
    TooManyAlerts { count: usize } => "too_many_alerts",
    DuplicateAlertReason { reason: String } => "duplicate_alert_reason",
    UnknownQuestion { id: String } => "unknown_question",
    /// An alert rule on a free-text question.
    AlertOnFreeText { id: String } => "alert_on_free_text",
    /// A condition or alert rule listing no option code.
    EmptyAnyOf => "empty_any_of",
    UnknownOption { question: String, code: String } => "unknown_option",
    NoLanguages => "no_languages",
    BadLanguage { language: String } => "bad_language",
    DuplicateLanguage { language: String } => "duplicate_language",
    /// A condition naming the question itself or a later one.
    ConditionNotEarlier { id: String } => "condition_not_earlier",
    ConditionOnFreeText { id: String } => "condition_on_free_text",
    TextMissing { language: String } => "text_missing",
    TextBlank => "text_blank",
    TextTooLong { len: usize, max: usize } => "text_too_long",
    /// A text or audio file in a language the survey does not list.
    ForeignLanguage { language: String } => "foreign_language",
    FacesOptionCount { count: usize } => "faces_option_count",
    YesNoOptionCount { count: usize } => "yes_no_option_count",
    ChoiceOptionCount { kind: QuestionKind, count: usize } => "choice_option_count",
    /// Options on a recommendation or free-text question.
    OptionsNotAllowed { kind: QuestionKind } => "options_not_allowed",
    /// A faces or yes/no option whose code is not the fixed one at its place.
    FixedCode { position: usize, kind: QuestionKind, want: String, got: String } => "fixed_code",
    DuplicateOption { code: String } => "duplicate_option",
    BadAudioFile { file: String } => "bad_audio_file",
    IndicatorKind { kind: QuestionKind } => "indicator_kind",
    DuplicateIndicator { key: String } => "duplicate_indicator",
    /// A single-choice indicator with no positive or negative option.
    IndicatorWithoutOpinion => "indicator_without_opinion",
    SentimentWithoutIndicator => "sentiment_without_indicator",
    MaxCharsNotFreeText => "max_chars_not_free_text",
    MaxCharsRange { max: u32 } => "max_chars_range",
}

impl Problem {
    /// The problem in Spanish and in English, side by side so that no kind
    /// can have one and not the other.
    fn texts(&self) -> (String, String) {
        match self {
            Self::UnknownFormat { format } => (
                format!(
                    "el formato de encuesta {format} no se conoce; \
                     esta versión lee del 1 al {FORMAT_VERSION}"
                ),
                format!(
                    "the survey format {format} is not known; this version reads 1 to {FORMAT_VERSION}"
                ),
            ),
            Self::MeaningNeedsFormat2 => (
                "una encuesta que declara indicadores, sentimientos o alertas \
                 debe decir `\"format\": 2`"
                    .into(),
                "a survey that declares indicators, sentiments or alerts must say `\"format\": 2`"
                    .into(),
            ),
            Self::EmptyIdentifier { what } => (
                format!("{} está vacío", what.es()),
                format!("{} is empty", what.en()),
            ),
            Self::BadIdentifier { what, value } => (
                format!(
                    "{} `{value}` debe tener de 1 a 64 caracteres de a-z, 0-9, `_` o `-`, \
                     y empezar por letra o dígito",
                    what.es()
                ),
                format!(
                    "{} `{value}` must be 1-64 characters of a-z, 0-9, `_` or `-`, \
                     starting with a letter or digit",
                    what.en()
                ),
            ),
            Self::BadVersion => (
                "la versión debe ser 1 o mayor".into(),
                "the version must be 1 or more".into(),
            ),
            Self::QuestionCount { count } => (
                format!("una encuesta tiene de 1 a {MAX_QUESTIONS} preguntas, no {count}"),
                format!("a survey has 1 to {MAX_QUESTIONS} questions, not {count}"),
            ),
            Self::DuplicateQuestion { id } => (
                format!("el id de pregunta `{id}` se usa dos veces"),
                format!("the question id `{id}` is used twice"),
            ),
            Self::HeadlineNotFaces => (
                "solo una pregunta de caritas puede ser la principal (headline)".into(),
                "only a faces question can be the headline".into(),
            ),
            Self::SecondHeadline => (
                "solo una pregunta puede ser la principal (headline)".into(),
                "only one question can be the headline".into(),
            ),
            Self::TooManyAlerts { count } => (
                format!(
                    "una encuesta tiene como mucho {MAX_ALERT_RULES} reglas de alerta, no {count}"
                ),
                format!("a survey has at most {MAX_ALERT_RULES} alert rules, not {count}"),
            ),
            Self::DuplicateAlertReason { reason } => (
                format!("el motivo de alerta `{reason}` se usa dos veces"),
                format!("the alert reason `{reason}` is used twice"),
            ),
            Self::UnknownQuestion { id } => (
                format!("no hay ninguna pregunta `{id}`"),
                format!("there is no question `{id}`"),
            ),
            Self::AlertOnFreeText { id } => (
                format!(
                    "`{id}` es una pregunta de texto libre; una regla de alerta necesita opciones"
                ),
                format!("`{id}` is a free-text question; an alert rule needs options"),
            ),
            Self::EmptyAnyOf => (
                "hace falta al menos un código de opción".into(),
                "at least one option code is needed".into(),
            ),
            Self::UnknownOption { question, code } => (
                format!("la pregunta `{question}` no tiene la opción `{code}`"),
                format!("question `{question}` has no option `{code}`"),
            ),
            Self::NoLanguages => (
                "hace falta al menos un idioma".into(),
                "at least one language is needed".into(),
            ),
            Self::BadLanguage { language } => (
                format!(
                    "`{language}` no es un código de idioma como `es`, `nah` (ISO 639-3) o `es-MX`"
                ),
                format!(
                    "`{language}` is not a language code like `es`, `nah` (ISO 639-3) or `es-MX`"
                ),
            ),
            Self::DuplicateLanguage { language } => (
                format!("el idioma `{language}` aparece dos veces"),
                format!("the language `{language}` is listed twice"),
            ),
            Self::ConditionNotEarlier { id } => (
                format!("`{id}` no es una pregunta anterior: una condición solo puede mirar atrás"),
                format!("`{id}` is not an earlier question: a condition can only look back"),
            ),
            Self::ConditionOnFreeText { id } => (
                format!("`{id}` es una pregunta de texto libre; una condición necesita opciones"),
                format!("`{id}` is a free-text question; a condition needs options"),
            ),
            Self::TextMissing { language } => (
                format!("falta el texto en `{language}`"),
                format!("the text in `{language}` is missing"),
            ),
            Self::TextBlank => ("el texto está en blanco".into(), "the text is blank".into()),
            Self::TextTooLong { len, max } => (
                format!("el texto tiene {len} caracteres; se permiten como mucho {max}"),
                format!("the text is {len} characters long; at most {max} are allowed"),
            ),
            Self::ForeignLanguage { language } => (
                format!("`{language}` no es uno de los idiomas de la encuesta"),
                format!("`{language}` is not one of the survey's languages"),
            ),
            Self::FacesOptionCount { count } => (
                format!(
                    "una pregunta de caritas tiene exactamente 5 opciones (códigos \"1\" a \"5\"), no {count}"
                ),
                format!(
                    "a faces question has exactly 5 options (codes \"1\" to \"5\"), not {count}"
                ),
            ),
            Self::YesNoOptionCount { count } => (
                format!(
                    "una pregunta de sí/no tiene las opciones \"si\", \"no\", opcionalmente \"en_parte\" \
                     y opcionalmente \"no_sabe\", no {count} opciones"
                ),
                format!(
                    "a yes/no question has options \"si\", \"no\", optionally \"en_parte\" \
                     and optionally \"no_sabe\", not {count} options"
                ),
            ),
            Self::ChoiceOptionCount { kind, count } => (
                format!(
                    "una pregunta {} tiene de {} a {} opciones, no {count}",
                    kind.as_str(),
                    CHOICE_OPTIONS.start(),
                    CHOICE_OPTIONS.end()
                ),
                format!(
                    "a {} question has {} to {} options, not {count}",
                    kind.as_str(),
                    CHOICE_OPTIONS.start(),
                    CHOICE_OPTIONS.end()
                ),
            ),
            Self::OptionsNotAllowed { kind } => (
                format!("una pregunta {} no lleva opciones", kind.as_str()),
                format!("a {} question lists no options", kind.as_str()),
            ),
            Self::FixedCode {
                position,
                kind,
                want,
                got,
            } => (
                format!(
                    "la opción {position} de una pregunta {} tiene el código `{want}`, no `{got}`",
                    kind.as_str()
                ),
                format!(
                    "option {position} of a {} question has code `{want}`, not `{got}`",
                    kind.as_str()
                ),
            ),
            Self::DuplicateOption { code } => (
                format!("el código de opción `{code}` se usa dos veces en esta pregunta"),
                format!("the option code `{code}` is used twice in this question"),
            ),
            Self::BadAudioFile { file } => (
                format!(
                    "`{file}` no es un nombre de archivo de audio: una ruta relativa de letras, \
                     dígitos, `_`, `-` y `.` que termine en .{}",
                    AUDIO_EXTENSIONS.join(", .")
                ),
                format!(
                    "`{file}` is not an audio file name: a relative path of letters, digits, \
                     `_`, `-` and `.` ending in .{}",
                    AUDIO_EXTENSIONS.join(", .")
                ),
            ),
            Self::IndicatorKind { kind } => (
                format!(
                    "solo una pregunta faces, yes_no o single_choice puede llevar un indicador, \
                     no una pregunta {}",
                    kind.as_str()
                ),
                format!(
                    "only a faces, yes_no or single_choice question can carry an indicator, \
                     not a {} question",
                    kind.as_str()
                ),
            ),
            Self::DuplicateIndicator { key } => (
                format!("la clave de indicador `{key}` se usa dos veces"),
                format!("the indicator key `{key}` is used twice"),
            ),
            Self::IndicatorWithoutOpinion => (
                "un indicador single_choice necesita al menos una opción con sentimiento \
                 `positive` o `negative`"
                    .into(),
                "a single_choice indicator needs at least one option with sentiment \
                 `positive` or `negative`"
                    .into(),
            ),
            Self::SentimentWithoutIndicator => (
                "solo la opción de una pregunta con indicador lleva sentimiento".into(),
                "only an option of a question with an indicator has a sentiment".into(),
            ),
            Self::MaxCharsNotFreeText => (
                "solo una pregunta de texto libre lleva `max_chars`".into(),
                "only a free-text question has `max_chars`".into(),
            ),
            Self::MaxCharsRange { max } => (
                format!("`max_chars` va de 1 a {MAX_TEXT_CHARS}, no {max}"),
                format!("`max_chars` is 1 to {MAX_TEXT_CHARS}, not {max}"),
            ),
        }
    }

    /// The problem in Spanish.
    pub fn es(&self) -> String {
        self.texts().0
    }

    /// The problem in English.
    pub fn en(&self) -> String {
        self.texts().1
    }
}

/// One problem found in a survey document, at the path of the offending
/// value (for example `questions[3].options[1].label.es`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationIssue {
    pub path: String,
    pub problem: Problem,
}

impl ValidationIssue {
    pub fn new(path: impl Into<String>, problem: Problem) -> Self {
        Self {
            path: path.into(),
            problem,
        }
    }

    /// The problem's stable code.
    pub fn code(&self) -> &'static str {
        self.problem.code()
    }

    /// `path: texto` in Spanish, for screens staff read.
    pub fn es(&self) -> String {
        format!("{}: {}", self.path, self.problem.es())
    }
}

impl fmt::Display for ValidationIssue {
    /// One line, Spanish first: `questions[1].prompt.es: falta ... | ... is missing`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} | {}",
            self.path,
            self.problem.es(),
            self.problem.en()
        )
    }
}

impl Serialize for ValidationIssue {
    /// `{"path", "code", "es", "en"}`.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("ValidationIssue", 4)?;
        st.serialize_field("path", &self.path)?;
        st.serialize_field("code", self.code())?;
        st.serialize_field("es", &self.problem.es())?;
        st.serialize_field("en", &self.problem.en())?;
        st.end()
    }
}

/// Why a survey document was refused. The message carries every detail and
/// no error source, so an error chain (`{:#}`) shows each problem once.
#[derive(Debug, thiserror::Error)]
pub enum SurveyError {
    #[error("la encuesta no es JSON válido | the survey is not valid JSON: {0}")]
    Json(serde_json::Error),
    #[error(
        "la encuesta tiene {n} problema(s) | the survey has {n} problem(s):\n{}",
        .0.iter().map(|i| format!("  - {i}")).collect::<Vec<_>>().join("\n"),
        n = .0.len()
    )]
    Invalid(Vec<ValidationIssue>),
}

impl From<serde_json::Error> for SurveyError {
    fn from(e: serde_json::Error) -> Self {
        Self::Json(e)
    }
}

impl SurveyError {
    /// The error in Spanish only, every problem on its own line: what a
    /// kiosk's staff screen shows.
    pub fn es(&self) -> String {
        match self {
            Self::Json(e) => format!("la encuesta no es JSON válido: {e}"),
            Self::Invalid(issues) => format!(
                "la encuesta tiene {} problema(s):\n{}",
                issues.len(),
                issues
                    .iter()
                    .map(|i| format!("  - {}", i.es()))
                    .collect::<Vec<_>>()
                    .join("\n")
            ),
        }
    }
}
