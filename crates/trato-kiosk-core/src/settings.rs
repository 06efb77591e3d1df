//! Kiosk settings: typed, validated, stored as dotted keys in the store's
//! `settings` table. Every key is written explicitly at first start, so what
//! a kiosk does (for example with abandoned answers) is on record, not implied.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

use crate::store::{Store, StoreError};

/// What the idle reset does with a patient's partial answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AbandonedPolicy {
    /// Store them as an `abandoned` response (the default).
    Keep,
    /// Forget them.
    Discard,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KioskSettings {
    pub unit_clues: String,
    pub unit_name: String,
    pub service_default: String,
    /// Generated once at first start; identifies this kiosk to the centre.
    pub kiosk_id: String,
    pub idle_seconds: u32,
    pub idle_prompt_seconds: u32,
    pub thanks_seconds: u32,
    pub min_interval_seconds: u32,
    pub abandoned: AbandonedPolicy,
    pub survey_id: String,
    pub survey_version: u32,
    /// A demo kiosk marks itself so on the staff screen and in exports.
    pub demo: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("unknown setting `{0}`")]
    UnknownKey(String),
    #[error("invalid value for `{key}`: {rule}")]
    Invalid { key: String, rule: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl KioskSettings {
    /// Settings of a kiosk that has never been configured.
    pub fn defaults() -> Self {
        KioskSettings {
            unit_clues: String::new(),
            unit_name: String::new(),
            service_default: "Consulta externa".to_owned(),
            kiosk_id: uuid::Uuid::now_v7().to_string(),
            idle_seconds: 45,
            idle_prompt_seconds: 15,
            thanks_seconds: 6,
            min_interval_seconds: 5,
            abandoned: AbandonedPolicy::Keep,
            survey_id: crate::survey_catalog::DEFAULT_SURVEY_ID.to_owned(),
            survey_version: crate::survey_catalog::DEFAULT_SURVEY_VERSION,
            demo: false,
        }
    }

    /// Reads the settings, writing defaults for any key not yet stored.
    pub fn load_or_init(store: &mut Store) -> Result<Self, SettingsError> {
        let stored: BTreeMap<String, String> = store.settings()?.into_iter().collect();
        let mut settings = Self::defaults();
        for (key, value) in &stored {
            // A key written by a newer kiosk version is kept but ignored here.
            match settings.set(key, value) {
                Ok(()) | Err(SettingsError::UnknownKey(_)) => {}
                Err(e) => return Err(e),
            }
        }
        let missing: Vec<(String, String)> = settings
            .to_pairs()
            .into_iter()
            .filter(|(k, _)| !stored.contains_key(k))
            .collect();
        if !missing.is_empty() {
            store.put_settings(&missing)?;
        }
        Ok(settings)
    }

    /// Validates and stores several values at once: all are applied or none.
    pub fn update(&mut self, store: &mut Store, pairs: &[(&str, &str)]) -> Result<(), SettingsError> {
        let mut next = self.clone();
        for (key, value) in pairs {
            next.set(key, value)?;
        }
        let owned: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, _)| (k.to_string(), next.get(k).unwrap_or_default()))
            .collect();
        store.put_settings(&owned)?;
        *self = next;
        Ok(())
    }

    /// Parses and validates one dotted key's value into `self`.
    pub fn set(&mut self, key: &str, value: &str) -> Result<(), SettingsError> {
        let invalid = |rule: &str| SettingsError::Invalid {
            key: key.to_owned(),
            rule: rule.to_owned(),
        };
        let seconds = |min: u32, max: u32| -> Result<u32, SettingsError> {
            value
                .trim()
                .parse::<u32>()
                .ok()
                .filter(|n| (min..=max).contains(n))
                .ok_or_else(|| invalid(&format!("a whole number of seconds from {min} to {max}")))
        };
        match key {
            "unit.clues" => {
                let clues = value.trim().to_ascii_uppercase();
                if !clues.is_empty() && !is_clues(&clues) {
                    return Err(invalid(
                        "a CLUES code is 11 characters: 2-letter state, 3-letter institution, 6 digits (for example DFIMS000020)",
                    ));
                }
                self.unit_clues = clues;
            }
            "unit.name" => self.unit_name = bounded_text(value, 120).ok_or_else(|| invalid("at most 120 characters"))?,
            "service.default" => {
                self.service_default = bounded_text(value, 60)
                    .filter(|s| !s.is_empty())
                    .ok_or_else(|| invalid("1 to 60 characters"))?
            }
            "kiosk.id" => {
                self.kiosk_id = bounded_text(value, 64)
                    .filter(|s| !s.is_empty())
                    .ok_or_else(|| invalid("1 to 64 characters"))?
            }
            "survey.idle_seconds" => self.idle_seconds = seconds(15, 600)?,
            "survey.idle_prompt_seconds" => self.idle_prompt_seconds = seconds(5, 120)?,
            "survey.thanks_seconds" => self.thanks_seconds = seconds(2, 60)?,
            "survey.min_interval_seconds" => self.min_interval_seconds = seconds(0, 600)?,
            "survey.abandoned" => {
                self.abandoned = match value.trim() {
                    "keep" => AbandonedPolicy::Keep,
                    "discard" => AbandonedPolicy::Discard,
                    _ => return Err(invalid("`keep` or `discard`")),
                }
            }
            "survey.active_id" => {
                self.survey_id = bounded_text(value, 64)
                    .filter(|s| !s.is_empty())
                    .ok_or_else(|| invalid("a survey id"))?
            }
            "survey.active_version" => {
                self.survey_version = value
                    .trim()
                    .parse()
                    .ok()
                    .filter(|v| *v >= 1)
                    .ok_or_else(|| invalid("a version number from 1"))?
            }
            "kiosk.demo" => {
                self.demo = match value.trim() {
                    "true" => true,
                    "false" => false,
                    _ => return Err(invalid("`true` or `false`")),
                }
            }
            _ => return Err(SettingsError::UnknownKey(key.to_owned())),
        }
        Ok(())
    }

    pub fn get(&self, key: &str) -> Option<String> {
        self.to_pairs().into_iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// Every setting as its stored `(key, value)`.
    pub fn to_pairs(&self) -> Vec<(String, String)> {
        [
            ("unit.clues", self.unit_clues.clone()),
            ("unit.name", self.unit_name.clone()),
            ("service.default", self.service_default.clone()),
            ("kiosk.id", self.kiosk_id.clone()),
            ("kiosk.demo", self.demo.to_string()),
            ("survey.idle_seconds", self.idle_seconds.to_string()),
            ("survey.idle_prompt_seconds", self.idle_prompt_seconds.to_string()),
            ("survey.thanks_seconds", self.thanks_seconds.to_string()),
            ("survey.min_interval_seconds", self.min_interval_seconds.to_string()),
            ("survey.abandoned", self.abandoned.to_string()),
            ("survey.active_id", self.survey_id.clone()),
            ("survey.active_version", self.survey_version.to_string()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
    }
}

impl fmt::Display for AbandonedPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Keep => "keep",
            Self::Discard => "discard",
        })
    }
}

/// CLUES: 2-letter state + 3-letter institution + 6 digits, e.g. `DFIMS000020`.
pub fn is_clues(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 11
        && b[..5].iter().all(u8::is_ascii_uppercase)
        && b[5..].iter().all(u8::is_ascii_digit)
}

/// Trimmed text without control characters, at most `max` characters.
fn bounded_text(value: &str, max: usize) -> Option<String> {
    let value = value.trim();
    (value.chars().count() <= max && !value.chars().any(char::is_control)).then(|| value.to_owned())
}
