//! The one error type every command returns, serialised as
//! `{code, message, details}`: the UI matches on `code` and shows its own
//! words (in `ui/errors.js`, Spanish and English), filled from the typed
//! `details`; `message` is English, for the log.

use serde::Serialize;
use trato_kiosk_core::{AuthError, ErrorCode, KioskError, SettingsError};

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct IpcError {
    pub code: ErrorCode,
    pub message: String,
    pub details: Details,
}

/// What the UI needs besides the code; absent fields are left out.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Details {
    /// The setting key an `invalid_setting` / `unknown_setting` is about.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub setting: Option<String>,
    /// Wrong PINs left before the pad locks (`wrong_pin`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attempts_left: Option<u32>,
    /// How long the pad stays locked (`locked`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_after_seconds: Option<u64>,
}

impl Details {
    fn of(error: &KioskError) -> Self {
        let mut d = Details::default();
        match error {
            KioskError::Settings(
                SettingsError::Invalid { key, .. } | SettingsError::UnknownKey(key),
            ) => d.setting = Some(key.clone()),
            KioskError::Auth(AuthError::WrongPin { attempts_left }) => {
                d.attempts_left = Some(*attempts_left)
            }
            KioskError::Auth(AuthError::Locked {
                retry_after_seconds,
                ..
            }) => d.retry_after_seconds = Some(*retry_after_seconds),
            _ => {}
        }
        d
    }
}

impl From<KioskError> for IpcError {
    fn from(error: KioskError) -> Self {
        tracing::warn!(code = error.code(), %error, "command failed");
        IpcError {
            code: error.error_code(),
            details: Details::of(&error),
            message: error.to_string(),
        }
    }
}

impl IpcError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        IpcError {
            code,
            message: message.into(),
            details: Details::default(),
        }
    }

    /// A lock poisoned by a panic elsewhere: the kiosk keeps serving, the
    /// log says what happened.
    pub fn internal(what: &str) -> Self {
        tracing::error!(what, "internal error");
        Self::new(ErrorCode::Internal, what)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    /// The codes `ui/errors.js` has words for, each with its languages:
    /// the entries of `ERROR_TEXTS` (`  code: {` then `es:` / `en:` lines).
    fn ui_texts() -> Vec<(String, BTreeSet<String>)> {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/ui/errors.js");
        let js = std::fs::read_to_string(path).expect("ui/errors.js");
        let table = js
            .split("export const ERROR_TEXTS = {")
            .nth(1)
            .and_then(|rest| rest.split("\n};").next())
            .expect("ERROR_TEXTS in ui/errors.js");
        let mut entries: Vec<(String, BTreeSet<String>)> = Vec::new();
        for line in table.lines() {
            if let Some(code) = line.strip_prefix("  ").and_then(|l| l.strip_suffix(": {")) {
                entries.push((code.to_owned(), BTreeSet::new()));
            } else if let Some((lang, text)) = line.trim().split_once(": ") {
                if let Some((_, langs)) = entries.last_mut() {
                    if text.trim_matches([',', '\'', ' ']).len() > 3 {
                        langs.insert(lang.to_owned());
                    }
                }
            }
        }
        entries
    }

    fn ui_only_codes() -> BTreeSet<String> {
        let js = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/ui/errors.js"))
            .expect("ui/errors.js");
        let line = js
            .lines()
            .find(|l| l.starts_with("export const UI_ONLY_CODES"))
            .expect("UI_ONLY_CODES");
        line.split('\'')
            .skip(1)
            .step_by(2)
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn ui_has_words_for_every_error_code() {
        let ui = ui_texts();
        let ui_codes: BTreeSet<String> = ui.iter().map(|(c, _)| c.clone()).collect();
        assert_eq!(ui_codes.len(), ui.len(), "a code twice in ui/errors.js");
        let rust: BTreeSet<String> = ErrorCode::ALL
            .iter()
            .map(|c| c.as_str().to_owned())
            .collect();
        let missing: Vec<_> = rust.difference(&ui_codes).collect();
        assert!(
            missing.is_empty(),
            "no words in ui/errors.js for {missing:?}"
        );
        let stale: Vec<_> = ui_codes
            .difference(&rust)
            .filter(|c| !ui_only_codes().contains(*c))
            .collect();
        assert!(
            stale.is_empty(),
            "ui/errors.js has codes Rust never sends: {stale:?}"
        );
        let both: BTreeSet<String> = ["es", "en"].map(str::to_owned).into();
        for (code, langs) in &ui {
            assert_eq!(langs, &both, "{code} needs Spanish and English text");
        }
    }

    #[test]
    fn details_are_typed_and_named_as_the_ui_reads_them() {
        let wrong: IpcError = KioskError::from(AuthError::WrongPin { attempts_left: 3 }).into();
        let json = serde_json::to_value(&wrong).unwrap();
        assert_eq!(json["code"], "wrong_pin");
        assert_eq!(json["details"], serde_json::json!({ "attempts_left": 3 }));

        let locked: IpcError = KioskError::from(AuthError::Locked {
            until: chrono::Utc::now(),
            retry_after_seconds: 290,
        })
        .into();
        let json = serde_json::to_value(&locked).unwrap();
        assert_eq!(json["details"]["retry_after_seconds"], 290);

        let bad: IpcError = KioskError::from(SettingsError::Invalid {
            key: "unit.clues".into(),
            rule: "11 characters".into(),
        })
        .into();
        let json = serde_json::to_value(&bad).unwrap();
        assert_eq!(json["code"], "invalid_setting");
        assert_eq!(
            json["details"],
            serde_json::json!({ "setting": "unit.clues" })
        );

        let plain = serde_json::to_value(IpcError::internal("x")).unwrap();
        assert_eq!(plain["details"], serde_json::json!({}));
    }
}
