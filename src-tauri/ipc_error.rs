//! The one error type every command returns, serialised as `{code, message}`:
//! the UI matches on `code` and shows its own calm wording, the message goes
//! to the log.

use serde::Serialize;
use trato_kiosk_core::KioskError;

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct IpcError {
    pub code: &'static str,
    pub message: String,
}

impl From<KioskError> for IpcError {
    fn from(error: KioskError) -> Self {
        tracing::warn!(code = error.code(), %error, "command failed");
        IpcError {
            code: error.code(),
            message: error.to_string(),
        }
    }
}

impl IpcError {
    /// A lock poisoned by a panic elsewhere: the kiosk keeps serving, the
    /// log says what happened.
    pub fn internal(what: &str) -> Self {
        tracing::error!(what, "internal error");
        IpcError {
            code: "internal",
            message: what.to_owned(),
        }
    }
}
