//! Kiosk settings: typed, validated, stored as dotted keys in the store's
//! `settings` table. Every key is written explicitly at first start, so what
//! a kiosk does (for example with abandoned answers) is on record, not implied.
//!
//! The same rules apply whatever the source: the IT screen, `trato-kiosk
//! config set`, or a TOML file for mass deployment. A batch is validated as a
//! whole before anything is stored, and every error names the key and the rule.

use std::collections::BTreeMap;
use std::fmt;
use std::fmt::Write as _;

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

/// Service areas a module can offer, in the spelling stored and exported.
/// Input is matched ignoring case and accents (`hospitalizacion` is accepted).
pub const SERVICE_AREAS: &[&str] = &[
    "Consulta externa",
    "Urgencias",
    "Hospitalización",
    "Farmacia",
    "Laboratorio",
    "Admisión continua",
    "Medicina familiar",
    "Especialidades",
    "Imagenología",
    "Trabajo social",
    "Rehabilitación",
    "Medicina preventiva",
    "Hemodiálisis",
    "Tococirugía",
];

/// Most service areas one kiosk is configured for (one module, one screen).
pub const MAX_SERVICE_AREAS: usize = 12;

/// Every setting key, in display order.
pub const KEYS: &[&str] = &[
    "unit.clues",
    "unit.name",
    "unit.ooad",
    "unit.complaints_text",
    "service.areas",
    "service.default",
    "kiosk.id",
    "kiosk.label",
    "kiosk.demo",
    "sync.endpoint",
    "sync.token",
    "sync.ca_file",
    "sync.retention_days",
    "staff.session_minutes",
    "survey.idle_seconds",
    "survey.idle_prompt_seconds",
    "survey.thanks_seconds",
    "survey.min_interval_seconds",
    "survey.abandoned",
    "survey.active_id",
    "survey.active_version",
    "privacy.notice",
    "privacy.url",
    "audio.volume",
];

/// The most characters of `unit.complaints_text`: it is read in large type
/// on one screen, at every supported size.
pub const MAX_COMPLAINTS_CHARS: usize = 400;

/// Where the full privacy notice is published (the QR code on the notice).
pub const DEFAULT_PRIVACY_URL: &str = "https://www.imss.gob.mx/privacidad";

/// Keys whose value is a secret: never printed or logged in full.
pub const SECRET_KEYS: &[&str] = &["sync.token"];

/// Keys set by the kiosk itself, not by a person or a config file.
pub const READ_ONLY_KEYS: &[&str] = &["kiosk.id"];

/// `Debug` is written by hand below so the token never reaches a log line.
#[derive(Clone, PartialEq, Eq, Serialize)]
pub struct KioskSettings {
    /// The unit's CLUES code, uppercase; empty until IT sets it.
    pub unit_clues: String,
    pub unit_name: String,
    /// The OOAD or UMAE the unit belongs to.
    pub unit_ooad: String,
    /// Where a patient who reports mistreatment can complain in this unit,
    /// shown after such a response; empty: the UI's default naming the
    /// unit's Trato Digno module.
    pub complaints_text: String,
    /// Service areas offered at this module, canonical spelling, unique.
    pub service_areas: Vec<String>,
    /// One of `service_areas`: what responses are recorded under.
    pub service_default: String,
    /// Generated once at first start; identifies this kiosk to the centre.
    pub kiosk_id: String,
    /// A name people use for this kiosk ("Módulo planta baja").
    pub kiosk_label: String,
    /// Central endpoint; empty means this kiosk does not sync.
    pub sync_endpoint: String,
    /// Bearer token for the centre. Secret: see [`KioskSettings::redacted_pairs`].
    #[serde(skip_serializing)]
    pub sync_token: String,
    /// A PEM file of CA certificates trusted for the centre besides the
    /// system's (a hospital's private CA); empty for none.
    pub sync_ca_file: String,
    /// Days to keep responses after the centre acknowledged them.
    pub retention_days: u32,
    /// Minutes of inactivity after which staff mode closes by itself.
    pub staff_session_minutes: u32,
    pub idle_seconds: u32,
    pub idle_prompt_seconds: u32,
    pub thanks_seconds: u32,
    pub min_interval_seconds: u32,
    pub abandoned: AbandonedPolicy,
    pub survey_id: String,
    pub survey_version: u32,
    /// A demo kiosk marks itself so on the staff screen and in exports.
    pub demo: bool,
    /// The institution's simplified privacy notice; empty shows the built-in
    /// one in the patient's language.
    pub privacy_notice: String,
    /// The full notice's address, shown as a QR code beside the simplified one.
    pub privacy_url: String,
    /// Read-aloud loudness, 0 (silent) to 100 (the sound as made), applied
    /// when playing to speech and recordings alike.
    pub audio_volume: u32,
}

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("unknown setting `{0}`")]
    UnknownKey(String),
    #[error("invalid value for `{key}`: {rule}")]
    Invalid { key: String, rule: String },
    #[error("the configuration file is not valid TOML: {0}")]
    Toml(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl SettingsError {
    fn invalid(key: &str, rule: impl Into<String>) -> Self {
        SettingsError::Invalid {
            key: key.to_owned(),
            rule: rule.into(),
        }
    }
}

/// Where a value comes from: values read back from the store may be states a
/// person may not set (an empty CLUES before setup, the generated kiosk id).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    Person,
    Store,
}

impl KioskSettings {
    /// Settings of a kiosk that has never been configured.
    pub fn defaults() -> Self {
        KioskSettings {
            unit_clues: String::new(),
            unit_name: String::new(),
            unit_ooad: String::new(),
            complaints_text: String::new(),
            service_areas: vec!["Consulta externa".to_owned()],
            service_default: "Consulta externa".to_owned(),
            kiosk_id: uuid::Uuid::now_v7().to_string(),
            kiosk_label: String::new(),
            sync_endpoint: String::new(),
            sync_token: String::new(),
            sync_ca_file: String::new(),
            retention_days: 90,
            staff_session_minutes: 3,
            idle_seconds: 45,
            idle_prompt_seconds: 15,
            thanks_seconds: 6,
            min_interval_seconds: 5,
            abandoned: AbandonedPolicy::Keep,
            survey_id: crate::survey_catalog::DEFAULT_SURVEY_ID.to_owned(),
            survey_version: crate::survey_catalog::DEFAULT_SURVEY_VERSION,
            demo: false,
            privacy_notice: String::new(),
            privacy_url: DEFAULT_PRIVACY_URL.to_owned(),
            audio_volume: 100,
        }
    }

    /// Reads the settings, writing defaults for any key not yet stored.
    pub fn load_or_init(store: &mut Store) -> Result<Self, SettingsError> {
        let stored: BTreeMap<String, String> = store.settings()?.into_iter().collect();
        let mut settings = Self::defaults();
        for (key, value) in &stored {
            // A key written by a newer kiosk version is kept but ignored here.
            match settings.apply(key, value, Source::Store) {
                Ok(()) | Err(SettingsError::UnknownKey(_)) => {}
                Err(e) => return Err(e),
            }
        }
        // A kiosk configured before `service.areas` existed may have any
        // default; it becomes the one area offered rather than an error.
        if !stored.contains_key("service.areas")
            && !settings.service_areas.contains(&settings.service_default)
        {
            settings.service_areas = vec![settings.service_default.clone()];
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
    /// Returns the keys whose value changed (for the audit log).
    pub fn update(
        &mut self,
        store: &mut Store,
        pairs: &[(&str, &str)],
    ) -> Result<Vec<String>, SettingsError> {
        let next = self.with_changes(pairs)?;
        let changed = self.changed_keys(&next);
        // Every key is written, so the stored set is always complete.
        store.put_settings(&next.to_pairs())?;
        *self = next;
        Ok(changed)
    }

    /// A copy with `pairs` applied and checked as a whole; nothing is stored.
    ///
    /// When `service.areas` changes and no longer holds the current default,
    /// and the batch does not name a new `service.default`, the default
    /// becomes the first area: otherwise `config set service.areas` alone
    /// could never drop the old default.
    pub fn with_changes(&self, pairs: &[(&str, &str)]) -> Result<KioskSettings, SettingsError> {
        let mut next = self.clone();
        for (key, value) in pairs {
            next.apply(key, value, Source::Person)?;
        }
        let sets_default = pairs.iter().any(|(k, _)| *k == "service.default");
        if !sets_default && !next.service_areas.contains(&next.service_default) {
            if let Some(first) = next.service_areas.first() {
                next.service_default = first.clone();
            }
        }
        next.check()?;
        Ok(next)
    }

    /// Rules that involve more than one key.
    fn check(&self) -> Result<(), SettingsError> {
        if !self.service_areas.contains(&self.service_default) {
            return Err(SettingsError::invalid(
                "service.default",
                format!(
                    "must be one of service.areas ({})",
                    self.service_areas.join(", ")
                ),
            ));
        }
        Ok(())
    }

    /// Keys whose stored value differs between `self` and `other`.
    pub fn changed_keys(&self, other: &KioskSettings) -> Vec<String> {
        self.to_pairs()
            .into_iter()
            .zip(other.to_pairs())
            .filter(|((_, a), (_, b))| a != b)
            .map(|((k, _), _)| k)
            .collect()
    }

    /// Parses and validates one dotted key's value into `self`, as a person
    /// would set it (read-only keys are refused). Rules involving several
    /// keys are checked by [`KioskSettings::with_changes`].
    pub fn set(&mut self, key: &str, value: &str) -> Result<(), SettingsError> {
        self.apply(key, value, Source::Person)
    }

    fn apply(&mut self, key: &str, value: &str, source: Source) -> Result<(), SettingsError> {
        let invalid = |rule: &str| SettingsError::invalid(key, rule);
        let number = |min: u32, max: u32, unit: &str| -> Result<u32, SettingsError> {
            value
                .trim()
                .parse::<u32>()
                .ok()
                .filter(|n| (min..=max).contains(n))
                .ok_or_else(|| invalid(&format!("a whole number of {unit} from {min} to {max}")))
        };
        match key {
            "unit.clues" => {
                let clues = value.trim().to_ascii_uppercase();
                let unset_in_store = source == Source::Store && clues.is_empty();
                if !unset_in_store && !trato_domain::clues::is_clues(&clues) {
                    return Err(invalid(
                        "a CLUES code is 11 characters: 2-letter state, 3-letter institution, 6 digits (for example DFIMS000020)",
                    ));
                }
                self.unit_clues = clues;
            }
            "unit.name" => {
                self.unit_name = bounded_text(value, 120)
                    .ok_or_else(|| invalid("at most 120 characters, no control characters"))?
            }
            "unit.ooad" => {
                self.unit_ooad = bounded_text(value, 120).ok_or_else(|| {
                    invalid("the OOAD or UMAE, at most 120 characters, no control characters")
                })?
            }
            "service.areas" => {
                self.service_areas = parse_areas(value).map_err(|rule| invalid(&rule))?
            }
            "service.default" => {
                self.service_default = match canonical_area(value) {
                    Some(area) => area,
                    // Before the catalogue the default was free text: an
                    // upgraded kiosk keeps it (and starts) until IT picks one.
                    None if source == Source::Store => bounded_text(value, 60)
                        .filter(|s| !s.is_empty())
                        .ok_or_else(|| invalid("1 to 60 characters"))?,
                    None => {
                        return Err(invalid(&format!(
                            "one of the service areas: {}",
                            SERVICE_AREAS.join(", ")
                        )))
                    }
                }
            }
            "kiosk.id" => {
                if source == Source::Person {
                    return Err(invalid(
                        "generated once when the kiosk first starts and never changed; set kiosk.label instead",
                    ));
                }
                self.kiosk_id = bounded_text(value, 64)
                    .filter(|s| !s.is_empty())
                    .ok_or_else(|| invalid("1 to 64 characters"))?
            }
            "kiosk.label" => {
                self.kiosk_label = bounded_text(value, 60)
                    .ok_or_else(|| invalid("at most 60 characters, no control characters"))?
            }
            "sync.endpoint" => {
                self.sync_endpoint = parse_endpoint(value).map_err(|rule| invalid(&rule))?
            }
            "sync.token" => {
                let token = value.trim();
                if !token.is_empty() && !is_token(token) {
                    return Err(invalid(
                        "16 to 256 printable characters without spaces (or empty for none)",
                    ));
                }
                self.sync_token = token.to_owned();
            }
            "sync.ca_file" => {
                let path = value.trim();
                if !path.is_empty() && !std::path::Path::new(path).is_absolute() {
                    return Err(invalid(
                        "the absolute path of a PEM file of CA certificates (or empty for none)",
                    ));
                }
                self.sync_ca_file = bounded_text(path, 400)
                    .ok_or_else(|| invalid("at most 400 characters, no control characters"))?
            }
            "sync.retention_days" => self.retention_days = number(1, 3650, "days")?,
            "staff.session_minutes" => self.staff_session_minutes = number(1, 30, "minutes")?,
            "survey.idle_seconds" => self.idle_seconds = number(15, 600, "seconds")?,
            "survey.idle_prompt_seconds" => self.idle_prompt_seconds = number(5, 120, "seconds")?,
            "survey.thanks_seconds" => self.thanks_seconds = number(2, 60, "seconds")?,
            "audio.volume" => self.audio_volume = number(0, 100, "percent")?,
            "survey.min_interval_seconds" => self.min_interval_seconds = number(0, 600, "seconds")?,
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
            "unit.complaints_text" => {
                self.complaints_text =
                    bounded_text(value, MAX_COMPLAINTS_CHARS).ok_or_else(|| {
                        invalid(&format!(
                            "at most {MAX_COMPLAINTS_CHARS} characters on one paragraph"
                        ))
                    })?
            }
            "privacy.notice" => {
                self.privacy_notice = bounded_text(value, 1500)
                    .ok_or_else(|| invalid("at most 1500 characters on one paragraph"))?
            }
            "privacy.url" => {
                self.privacy_url = parse_public_url(value)
                    .ok_or_else(|| invalid("an https:// address of at most 300 characters"))?
            }
            _ => return Err(SettingsError::UnknownKey(key.to_owned())),
        }
        Ok(())
    }

    /// The stored value of one key. Secrets come back in full: print
    /// [`KioskSettings::redacted_pairs`] instead.
    pub fn get(&self, key: &str) -> Option<String> {
        self.to_pairs()
            .into_iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    }

    /// Every setting as its stored `(key, value)`, in [`KEYS`] order.
    pub fn to_pairs(&self) -> Vec<(String, String)> {
        KEYS.iter()
            .map(|key| ((*key).to_owned(), self.value_of(key)))
            .collect()
    }

    /// As [`KioskSettings::to_pairs`], with secrets shortened to their first
    /// four characters and their length: for `config show`, logs and screens.
    pub fn redacted_pairs(&self) -> Vec<(String, String)> {
        self.to_pairs()
            .into_iter()
            .map(|(k, v)| {
                let shown = if SECRET_KEYS.contains(&k.as_str()) {
                    redact(&v)
                } else {
                    v
                };
                (k, shown)
            })
            .collect()
    }

    fn value_of(&self, key: &str) -> String {
        match key {
            "unit.clues" => self.unit_clues.clone(),
            "unit.name" => self.unit_name.clone(),
            "unit.ooad" => self.unit_ooad.clone(),
            "unit.complaints_text" => self.complaints_text.clone(),
            "service.areas" => self.service_areas.join(","),
            "service.default" => self.service_default.clone(),
            "kiosk.id" => self.kiosk_id.clone(),
            "kiosk.label" => self.kiosk_label.clone(),
            "kiosk.demo" => self.demo.to_string(),
            "sync.endpoint" => self.sync_endpoint.clone(),
            "sync.token" => self.sync_token.clone(),
            "sync.ca_file" => self.sync_ca_file.clone(),
            "sync.retention_days" => self.retention_days.to_string(),
            "staff.session_minutes" => self.staff_session_minutes.to_string(),
            "survey.idle_seconds" => self.idle_seconds.to_string(),
            "survey.idle_prompt_seconds" => self.idle_prompt_seconds.to_string(),
            "survey.thanks_seconds" => self.thanks_seconds.to_string(),
            "survey.min_interval_seconds" => self.min_interval_seconds.to_string(),
            "survey.abandoned" => self.abandoned.to_string(),
            "survey.active_id" => self.survey_id.clone(),
            "survey.active_version" => self.survey_version.to_string(),
            "privacy.notice" => self.privacy_notice.clone(),
            "privacy.url" => self.privacy_url.clone(),
            "audio.volume" => self.audio_volume.to_string(),
            _ => String::new(),
        }
    }

    /// Reads a deployment file into dotted `(key, value)` pairs, ready for
    /// an update. Tables map to key prefixes (`[unit] clues = "..."` is
    /// `unit.clues`); dotted keys at the top level work too. Unknown and
    /// read-only keys are errors, and every value is checked on its own here
    /// (rules across keys are checked when the pairs are applied).
    pub fn parse_toml(text: &str) -> Result<Vec<(String, String)>, SettingsError> {
        let table: toml::Table = text
            .parse()
            .map_err(|e: toml::de::Error| SettingsError::Toml(e.message().to_owned()))?;
        Self::parse_table(&table)
    }

    /// As [`KioskSettings::parse_toml`], for a file already parsed.
    pub fn parse_table(table: &toml::Table) -> Result<Vec<(String, String)>, SettingsError> {
        let mut pairs = Vec::new();
        flatten_toml("", table, &mut pairs)?;
        let mut scratch = Self::defaults();
        for (key, value) in &pairs {
            scratch.set(key, value)?;
        }
        Ok(pairs)
    }

    /// The settings as a TOML file that [`KioskSettings::parse_toml`] reads
    /// back. The kiosk id is written as a comment (it belongs to this kiosk
    /// and must not be copied to another); secrets are written as a redacted
    /// comment unless `include_secrets`.
    pub fn to_toml(&self, include_secrets: bool) -> String {
        let mut out = String::from("# Trato Digno kiosk configuration\n");
        let mut section = "";
        for key in KEYS {
            let Some((table, name)) = key.split_once('.') else {
                continue;
            };
            if table != section {
                let _ = write!(out, "\n[{table}]\n");
                section = table;
            }
            let value = self.toml_value(key);
            if READ_ONLY_KEYS.contains(key) {
                let _ = writeln!(
                    out,
                    "# {name} = {value}  (this kiosk's own, not importable)"
                );
            } else if SECRET_KEYS.contains(key)
                && !include_secrets
                && !self.value_of(key).is_empty()
            {
                let shown = toml::Value::String(redact(&self.value_of(key)));
                let _ = writeln!(
                    out,
                    "# {name} = {shown}  (hidden; export with secrets to include it)"
                );
            } else {
                let _ = writeln!(out, "{name} = {value}");
            }
        }
        out
    }

    fn toml_value(&self, key: &str) -> toml::Value {
        match key {
            "service.areas" => toml::Value::Array(
                self.service_areas
                    .iter()
                    .map(|a| toml::Value::String(a.clone()))
                    .collect(),
            ),
            "kiosk.demo" => toml::Value::Boolean(self.demo),
            "sync.retention_days"
            | "staff.session_minutes"
            | "survey.idle_seconds"
            | "survey.idle_prompt_seconds"
            | "survey.thanks_seconds"
            | "survey.min_interval_seconds"
            | "survey.active_version" => self
                .value_of(key)
                .parse::<i64>()
                .map(toml::Value::Integer)
                .unwrap_or_else(|_| toml::Value::String(self.value_of(key))),
            _ => toml::Value::String(self.value_of(key)),
        }
    }
}

/// Walks nested tables into dotted keys, turning scalars into the text form
/// [`KioskSettings::set`] parses (arrays for `service.areas`).
fn flatten_toml(
    prefix: &str,
    table: &toml::Table,
    out: &mut Vec<(String, String)>,
) -> Result<(), SettingsError> {
    for (name, value) in table {
        let key = if prefix.is_empty() {
            name.clone()
        } else {
            format!("{prefix}.{name}")
        };
        let text = match value {
            toml::Value::Table(inner) => {
                flatten_toml(&key, inner, out)?;
                continue;
            }
            toml::Value::String(s) => s.clone(),
            toml::Value::Integer(n) => n.to_string(),
            toml::Value::Boolean(b) => b.to_string(),
            toml::Value::Array(items) if key == "service.areas" => items
                .iter()
                .map(|item| {
                    item.as_str()
                        .map(str::to_owned)
                        .ok_or_else(|| SettingsError::invalid(&key, "a list of service area names"))
                })
                .collect::<Result<Vec<_>, _>>()?
                .join(","),
            _ if !KEYS.contains(&key.as_str()) => return Err(SettingsError::UnknownKey(key)),
            _ => {
                return Err(SettingsError::invalid(
                    &key,
                    "a string, whole number or true/false",
                ))
            }
        };
        if !KEYS.contains(&key.as_str()) {
            return Err(SettingsError::UnknownKey(key));
        }
        out.push((key, text));
    }
    Ok(())
}

impl fmt::Debug for KioskSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("KioskSettings");
        for (key, value) in self.redacted_pairs() {
            d.field(&key, &value);
        }
        d.finish()
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

/// A secret shown as its first four characters and its length, e.g.
/// `abcd…(48 chars)`; an empty secret stays empty (nothing to hide).
pub fn redact(secret: &str) -> String {
    let n = secret.chars().count();
    if n == 0 {
        return String::new();
    }
    // Short secrets show less, so a redaction never gives away most of one.
    let shown: String = secret.chars().take(if n >= 16 { 4 } else { 0 }).collect();
    format!("{shown}…({n} chars)")
}

fn is_token(token: &str) -> bool {
    (16..=256).contains(&token.len()) && token.bytes().all(|b| b.is_ascii_graphic())
}

/// The catalogue spelling of a service area, matching case and accents loosely.
pub fn canonical_area(name: &str) -> Option<String> {
    let wanted = fold(name.trim());
    SERVICE_AREAS
        .iter()
        .find(|area| fold(area) == wanted)
        .map(|area| (*area).to_owned())
}

fn parse_areas(value: &str) -> Result<Vec<String>, String> {
    let mut areas: Vec<String> = Vec::new();
    for part in value.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let area = canonical_area(part).ok_or_else(|| {
            format!(
                "`{part}` is not a known service area (known: {})",
                SERVICE_AREAS.join(", ")
            )
        })?;
        if areas.contains(&area) {
            return Err(format!("`{area}` is listed twice"));
        }
        areas.push(area);
    }
    if areas.is_empty() || areas.len() > MAX_SERVICE_AREAS {
        return Err(format!(
            "a comma-separated list of 1 to {MAX_SERVICE_AREAS} service areas"
        ));
    }
    Ok(areas)
}

/// Lowercase without Spanish accents, for matching what people type.
fn fold(s: &str) -> String {
    s.chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'á' => 'a',
            'é' => 'e',
            'í' => 'i',
            'ó' => 'o',
            'ú' | 'ü' => 'u',
            c => c,
        })
        .collect()
}

/// The centre's URL: https, or http only to this machine (a local test
/// centre). No credentials in the URL: the token has its own setting.
fn parse_endpoint(value: &str) -> Result<String, String> {
    let value = value.trim();
    if value.is_empty() {
        return Ok(String::new());
    }
    let rule =
        "an https:// URL (http:// only for 127.0.0.1, ::1 or localhost), or empty for no sync";
    let url = url::Url::parse(value).map_err(|e| format!("{rule}; {e}"))?;
    let loopback = match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => return Err(rule.to_owned()),
    };
    match url.scheme() {
        "https" => {}
        "http" if loopback => {}
        _ => return Err(rule.to_owned()),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(
            "must not contain a user name or password (the token is set in sync.token)".to_owned(),
        );
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(format!("{rule}, without ?query or #fragment"));
    }
    if value.len() > 2048 {
        return Err(format!("{rule}, at most 2048 characters"));
    }
    // Stored as typed (validated, not rewritten) so the sync client joins
    // paths onto exactly what IT entered.
    Ok(value.to_owned())
}

/// Trimmed text without control characters, at most `max` characters.
/// An https address people can open on their phone: no spaces, bounded.
fn parse_public_url(value: &str) -> Option<String> {
    let value = value.trim();
    let rest = value.strip_prefix("https://")?;
    let ok = !rest.is_empty()
        && value.len() <= 300
        && !value.chars().any(|c| c.is_whitespace() || c.is_control());
    ok.then(|| value.to_owned())
}

fn bounded_text(value: &str, max: usize) -> Option<String> {
    let value = value.trim();
    (value.chars().count() <= max && !value.chars().any(char::is_control)).then(|| value.to_owned())
}
