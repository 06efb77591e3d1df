//! The export's columns and the labels of answer codes, from the survey
//! versions answered in the period.

use std::collections::HashMap;

use rusqlite::{Connection, OptionalExtension};
use trato_domain::{QuestionKind, SurveyDefinition};

use super::period::VersionCount;
use super::ExportError;
use crate::settings::KioskSettings;

/// One question column pair (`<id>`, `<id>_codigo`).
#[derive(Debug, Clone)]
pub(crate) struct Column {
    pub id: String,
    pub kind: QuestionKind,
}

/// A survey version answered in the period, with its labels in the export's
/// language: question id -> code -> label.
#[derive(Debug)]
pub(crate) struct Version {
    pub survey_id: String,
    pub version: u32,
    pub definition: SurveyDefinition,
    labels: HashMap<String, HashMap<String, String>>,
}

#[derive(Debug)]
pub(crate) struct Layout {
    pub columns: Vec<Column>,
    index: HashMap<String, usize>,
    /// Oldest first.
    pub versions: Vec<Version>,
    pub language: String,
}

impl Layout {
    /// The union of the questions of `versions`, in order of first
    /// appearance from the oldest version. With no response in the period,
    /// the active survey gives the columns so the header still means something.
    pub(crate) fn load(
        conn: &Connection,
        versions: &[VersionCount],
        settings: &KioskSettings,
        language: &str,
    ) -> Result<Self, ExportError> {
        let mut loaded = Vec::with_capacity(versions.len());
        for v in versions {
            let definition = load_survey(conn, &v.survey_id, v.version)?.ok_or_else(|| {
                ExportError::UnknownSurvey {
                    id: v.survey_id.clone(),
                    version: v.version,
                }
            })?;
            loaded.push(definition);
        }
        if loaded.is_empty() {
            loaded.extend(load_survey(
                conn,
                &settings.survey_id,
                settings.survey_version,
            )?);
        }
        let mut layout = Layout {
            columns: Vec::new(),
            index: HashMap::new(),
            versions: Vec::with_capacity(loaded.len()),
            language: language.to_owned(),
        };
        for definition in loaded {
            for q in &definition.questions {
                if !layout.index.contains_key(&q.id) {
                    layout.index.insert(q.id.clone(), layout.columns.len());
                    layout.columns.push(Column {
                        id: q.id.clone(),
                        kind: q.kind,
                    });
                }
            }
            let labels = labels(&definition, language);
            layout.versions.push(Version {
                survey_id: definition.id.clone(),
                version: definition.version,
                definition,
                labels,
            });
        }
        Ok(layout)
    }

    /// The column of a question id.
    pub(crate) fn column(&self, question: &str) -> Option<usize> {
        self.index.get(question).copied()
    }

    /// The index of a survey version in [`Layout::versions`].
    pub(crate) fn version_index(&self, survey_id: &str, version: u32) -> Option<usize> {
        self.versions
            .iter()
            .position(|v| v.version == version && v.survey_id == survey_id)
    }

    /// The label of `code` for `question` in version `v`; the code itself
    /// when the survey gives none (recommendation 0-10, an unknown code).
    pub(crate) fn label<'a>(&'a self, v: Option<usize>, question: &str, code: &'a str) -> &'a str {
        v.and_then(|v| self.versions.get(v))
            .and_then(|v| v.labels.get(question))
            .and_then(|q| q.get(code))
            .map_or(code, String::as_str)
    }

    /// The newest version that has this question (its wording and options
    /// describe the question in the summary).
    pub(crate) fn newest_with(&self, question: &str) -> Option<&Version> {
        self.versions
            .iter()
            .rev()
            .find(|v| v.definition.question(question).is_some())
    }

    /// Text in the export's language, else the survey's default language.
    pub(crate) fn text<'a>(
        &self,
        definition: &'a SurveyDefinition,
        text: &'a trato_domain::LocalizedText,
    ) -> &'a str {
        localized(definition, text, &self.language)
    }
}

fn localized<'a>(
    definition: &SurveyDefinition,
    text: &'a trato_domain::LocalizedText,
    language: &str,
) -> &'a str {
    text.get(language)
        .or_else(|| definition.default_language().and_then(|l| text.get(l)))
        .or_else(|| text.values().next())
        .map_or("", String::as_str)
}

fn labels(
    definition: &SurveyDefinition,
    language: &str,
) -> HashMap<String, HashMap<String, String>> {
    definition
        .questions
        .iter()
        .map(|q| {
            let options = q
                .options
                .iter()
                .map(|o| {
                    (
                        o.code.clone(),
                        localized(definition, &o.label, language).to_owned(),
                    )
                })
                .collect();
            (q.id.clone(), options)
        })
        .collect()
}

fn load_survey(
    conn: &Connection,
    id: &str,
    version: u32,
) -> Result<Option<SurveyDefinition>, ExportError> {
    let json: Option<String> = conn
        .query_row(
            "SELECT definition FROM surveys WHERE id = ?1 AND version = ?2",
            (id, version),
            |r| r.get(0),
        )
        .optional()?;
    json.map(|j| serde_json::from_str(&j).map_err(|e| ExportError::Corrupt(e.to_string())))
        .transpose()
}
