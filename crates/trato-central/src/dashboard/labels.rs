//! Words for what the alerts list shows, from the survey definitions stored
//! at the centre: the label of an alert reason, and an alert's answers as
//! "question: option" text. The newest version that knows a key wins.

use std::collections::HashMap;

use serde::Serialize;
use trato_domain::SurveyDefinition;

use crate::store::alerts::AlertRecord;

/// The language the dashboard is written in.
const LANG: &str = "es";

#[derive(Debug, Default)]
pub struct Labels {
    reasons: HashMap<String, String>,
    /// Reason keys whose newest rule is marked urgent.
    urgent: HashMap<String, bool>,
    /// question id -> (its name, option code -> label)
    questions: HashMap<String, (String, HashMap<String, String>)>,
}

impl Labels {
    /// From the survey versions stored at the centre.
    pub async fn load(store: &dyn crate::store::Store) -> Result<Self, crate::error::StoreError> {
        let defs = store
            .dash()
            .survey_definitions()
            .await?
            .into_iter()
            .filter_map(|(_, _, json)| SurveyDefinition::from_json(&json).ok())
            .collect();
        Ok(Self::new(defs))
    }

    /// From every stored version, oldest first so newer ones overwrite.
    pub fn new(mut defs: Vec<SurveyDefinition>) -> Self {
        defs.sort_by_key(|d| d.version);
        let text = |t: &trato_domain::LocalizedText, d: &SurveyDefinition| {
            t.get(LANG)
                .or_else(|| d.default_language().and_then(|l| t.get(l)))
                .cloned()
                .unwrap_or_default()
        };
        let mut out = Self::default();
        for d in &defs {
            for rule in &d.alerts {
                out.reasons
                    .insert(rule.reason.clone(), text(&rule.label, d));
                out.urgent.insert(rule.reason.clone(), rule.urgent);
            }
            let indicator_labels: HashMap<String, String> = d
                .indicators()
                .map(|i| (i.question_id.clone(), text(&i.label, d)))
                .collect();
            for q in &d.questions {
                let name = indicator_labels
                    .get(&q.id)
                    .cloned()
                    .unwrap_or_else(|| text(&q.prompt, d));
                let options = q
                    .options
                    .iter()
                    .map(|o| (o.code.clone(), text(&o.label, d)))
                    .collect();
                out.questions.insert(q.id.clone(), (name, options));
            }
        }
        out
    }

    /// Every reason key the stored versions declare, with its label and
    /// whether it is urgent, sorted by label.
    pub fn reason_keys(&self) -> Vec<(String, String, bool)> {
        let mut out: Vec<_> = self
            .reasons
            .iter()
            .map(|(k, l)| (k.clone(), l.clone(), self.is_urgent(k)))
            .collect();
        out.sort_by(|a, b| a.1.cmp(&b.1).then_with(|| a.0.cmp(&b.0)));
        out
    }

    pub fn is_urgent(&self, key: &str) -> bool {
        self.urgent.get(key).copied().unwrap_or(false)
    }

    /// The words of one reason key (the key itself when no version knows it).
    pub fn reason_label(&self, key: &str) -> String {
        self.reasons
            .get(key)
            .cloned()
            .unwrap_or_else(|| key.to_owned())
    }

    /// "trato,respeto" -> "Trato malo o muy malo y Falta de respeto…".
    pub fn reason(&self, reasons: &str) -> String {
        reasons
            .split(',')
            .map(|r| self.reasons.get(r).map_or(r, String::as_str))
            .collect::<Vec<_>>()
            .join(" y ")
    }

    /// "trato=2;mejorar=a+b" -> "Trato: Mal · Mejorar: A, B".
    pub fn answers(&self, answers: &str) -> String {
        answers
            .split(';')
            .filter(|s| !s.is_empty())
            .map(|kv| {
                let (q, codes) = kv.split_once('=').unwrap_or((kv, ""));
                let (name, options) = match self.questions.get(q) {
                    Some((n, o)) => (n.as_str(), Some(o)),
                    None => (q, None),
                };
                let values: Vec<&str> = codes
                    .split('+')
                    .map(|c| options.and_then(|o| o.get(c)).map_or(c, String::as_str))
                    .collect();
                format!("{name}: {}", values.join(", "))
            })
            .collect::<Vec<_>>()
            .join(" · ")
    }
}

/// An alert as the page shows it: the record plus its words.
#[derive(Debug, Serialize)]
pub struct AlertView {
    #[serde(flatten)]
    pub record: AlertRecord,
    pub reason_label: String,
    pub answers_text: String,
}

impl Labels {
    pub fn view(&self, record: AlertRecord) -> AlertView {
        AlertView {
            reason_label: self.reason(&record.reason),
            answers_text: self.answers(&record.answers),
            record,
        }
    }
}
