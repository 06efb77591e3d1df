//! The stable codes the kiosk's errors carry to the UI and the CLI. One
//! macro lists each code once, so [`ErrorCode::ALL`] cannot miss a variant:
//! the shell's test compares it with the texts the UI has for each code.

use serde::Serialize;

macro_rules! error_codes {
    ($($variant:ident => $code:literal,)+) => {
        /// A machine-readable error code; the UI shows its own words for it.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ErrorCode {
            $($variant,)+
        }

        impl ErrorCode {
            /// Every code, in declaration order.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant,)+];

            pub const fn as_str(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $code,)+
                }
            }
        }
    };
}

error_codes! {
    Storage => "storage",
    StorageFull => "storage_full",
    UnknownSetting => "unknown_setting",
    InvalidSetting => "invalid_setting",
    InvalidConfigFile => "invalid_config_file",
    InvalidSurvey => "invalid_survey",
    InvalidAnswers => "invalid_answers",
    NoSession => "no_session",
    DataDir => "data_dir",
    WrongPin => "wrong_pin",
    Locked => "locked",
    NotConfigured => "not_configured",
    Unauthorized => "unauthorized",
    Forbidden => "forbidden",
    AlreadySetUp => "already_set_up",
    RecoveryNeeded => "recovery_needed",
    WeakPin => "weak_pin",
    PinInUse => "pin_in_use",
    InvalidPin => "invalid_pin",
    BackwardsPeriod => "backwards_period",
    UnknownFormat => "unknown_format",
    NoSuchFolder => "no_such_folder",
    NoDestination => "no_destination",
    DestinationForbidden => "destination_forbidden",
    DestinationExists => "destination_exists",
    NotWritable => "not_writable",
    TooManyRows => "too_many_rows",
    WriteFailed => "write_failed",
    DriveGone => "drive_gone",
    EjectFailed => "eject_failed",
    // (not_available: the shell has no sync task; the kiosk does not sync)
    NotAvailable => "not_available",
    Internal => "internal",
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ErrorCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl PartialEq<&str> for ErrorCode {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_snake_case() {
        let mut seen = std::collections::HashSet::new();
        for code in ErrorCode::ALL {
            let s = code.as_str();
            assert!(seen.insert(s), "{s} twice");
            assert!(
                s.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
                "{s}"
            );
        }
        assert!(ErrorCode::ALL.len() > 20);
    }
}
