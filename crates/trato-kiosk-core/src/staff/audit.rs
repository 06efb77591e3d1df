//! The audit log: one row per staff action, with time, role and where it
//! came from. Rows are only ever added; details never carry a secret.
//!
//! A row stores a code (`action`) and its details as data (`params`, JSON);
//! the staff screen puts them into Spanish words when it shows them
//! (`ui/staff/text.js`). `detail` keeps the same facts as an English line
//! for anyone reading the database. Rows written before `params` existed
//! have their English line read back into the same data ([`AuditParams::parse_legacy`]),
//! so they are shown in Spanish too.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::Role;
use rusqlite::Connection;

use crate::store::{parse_timestamp, timestamp, StoreError};

/// What was done. Stored as the `as_str` text so the log reads on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    /// First-run setup completed (unit and both PINs).
    Setup,
    Login,
    LoginFailed,
    /// A wrong PIN locked the pad.
    Lockout,
    /// A PIN was tried while the pad was locked (refused unchecked).
    LoginRefused,
    Logout,
    ConfigChange,
    /// The unit's CLUES changed; detail is `OLD -> NEW`.
    UnitChange,
    PinChange,
    Export,
    SyncNow,
    /// Left kiosk mode (IT).
    Exit,
    /// A USB drive was flushed (and unmounted where allowed) for removal.
    Eject,
}

impl AuditAction {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Setup => "setup",
            Self::Login => "login",
            Self::LoginFailed => "login_failed",
            Self::Lockout => "lockout",
            Self::LoginRefused => "login_refused",
            Self::Logout => "logout",
            Self::ConfigChange => "config_change",
            Self::UnitChange => "unit_change",
            Self::PinChange => "pin_change",
            Self::Export => "export",
            Self::SyncNow => "sync_now",
            Self::Exit => "exit",
            Self::Eject => "eject",
        }
    }
}

/// Where an action came from: the kiosk's staff screen, the command line
/// (trusted by its OS account), or the first-run setup screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    Screen,
    Cli,
    Setup,
    /// The sync task, acting on what the centre published (a new survey).
    Sync,
}

impl Origin {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Screen => "screen",
            Self::Cli => "cli",
            Self::Setup => "setup",
            Self::Sync => "sync",
        }
    }
}

/// One setting that changed, old and new value (unit settings only: their
/// values are not secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValueChange {
    pub key: String,
    pub old: String,
    pub new: String,
}

/// The details of an audit row, as data. Which fields are set depends on
/// the action; none is ever a secret.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AuditParams {
    /// `login_failed`: wrong PINs left before the pad locks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attempts_left: Option<u32>,
    /// `lockout`: how many lockouts in a row (each one longer).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lockouts: Option<u32>,
    /// `lockout`: wrong PINs that caused it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failures: Option<u32>,
    /// `lockout`, `login_refused`: when the pad unlocks (RFC 3339 UTC).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
    /// `setup`: the unit's CLUES.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// `setup`, `config_change`: the setting keys changed (never values).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub keys: Option<Vec<String>>,
    /// `unit_change`: old and new value of each unit setting changed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub changes: Option<Vec<ValueChange>>,
    /// `pin_change`: whose PIN.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
    /// `pin_change`: set from a config file's hash rather than typed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub imported: Option<bool>,
    /// `export`: the period (local days) and format.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    /// `export`, `eject`: the folder or drive.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub destination: Option<String>,
    /// `export`: the configuration with its secrets (not responses).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub config_with_secrets: Option<bool>,
    /// `eject`: whether the drive was also unmounted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unmounted: Option<bool>,
    /// An old row whose English line is in no known shape: shown as it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

fn none_marker(value: &str) -> &str {
    if value.is_empty() {
        "(none)"
    } else {
        value
    }
}

impl AuditParams {
    /// The English line kept in `detail` (the same text rows had before
    /// `params` existed, so [`AuditParams::parse_legacy`] reads both).
    pub fn english(&self, action: AuditAction) -> String {
        use AuditAction as A;
        let keys = || self.keys.clone().unwrap_or_default().join(", ");
        let until = self.until.as_deref().unwrap_or_default();
        match action {
            A::Setup => format!(
                "unit {}; keys: {}",
                self.unit.as_deref().unwrap_or_default(),
                keys()
            ),
            A::LoginFailed => format!("{} tries left", self.attempts_left.unwrap_or_default()),
            A::Lockout => format!(
                "lockout {} after {} wrong PINs, until {until}",
                self.lockouts.unwrap_or_default(),
                self.failures.unwrap_or_default()
            ),
            A::LoginRefused => format!("locked until {until}"),
            A::ConfigChange => keys(),
            A::UnitChange => self
                .changes
                .iter()
                .flatten()
                .map(|c| {
                    format!(
                        "{}: {} -> {}",
                        c.key,
                        none_marker(&c.old),
                        none_marker(&c.new)
                    )
                })
                .collect::<Vec<_>>()
                .join("; "),
            A::PinChange => {
                let role = self.role.map(Role::as_str).unwrap_or_default();
                if self.imported == Some(true) {
                    format!("{role} PIN set from a config file")
                } else {
                    format!("{role} PIN set")
                }
            }
            A::Export if self.config_with_secrets == Some(true) => {
                "configuration with secrets".to_owned()
            }
            A::Export => format!(
                "{}..{} {} -> {}",
                self.from.as_deref().unwrap_or_default(),
                self.to.as_deref().unwrap_or_default(),
                self.format.as_deref().unwrap_or_default(),
                self.destination.as_deref().unwrap_or_default()
            ),
            A::Eject => format!(
                "{} {}",
                self.destination.as_deref().unwrap_or_default(),
                if self.unmounted == Some(true) {
                    "flushed and unmounted"
                } else {
                    "flushed"
                }
            ),
            A::Login | A::Logout | A::SyncNow | A::Exit => String::new(),
        }
    }

    /// The details of a row written before `params` existed, read from its
    /// English line; a line in no known shape is kept as `text`.
    pub fn parse_legacy(action: &str, detail: &str) -> AuditParams {
        let parsed = match action {
            "setup" => detail.strip_prefix("unit ").and_then(|rest| {
                let (unit, keys) = rest.split_once("; keys: ")?;
                Some(AuditParams {
                    unit: Some(unit.to_owned()),
                    keys: Some(list(keys)),
                    ..Default::default()
                })
            }),
            "login_failed" => detail
                .strip_suffix(" tries left")
                .and_then(|n| n.parse().ok())
                .map(|n| AuditParams {
                    attempts_left: Some(n),
                    ..Default::default()
                }),
            "lockout" => detail.strip_prefix("lockout ").and_then(|rest| {
                let (lockouts, rest) = rest.split_once(" after ")?;
                let (failures, until) = rest.split_once(" wrong PINs, until ")?;
                Some(AuditParams {
                    lockouts: Some(lockouts.parse().ok()?),
                    failures: Some(failures.parse().ok()?),
                    until: Some(until.to_owned()),
                    ..Default::default()
                })
            }),
            "login_refused" => detail
                .strip_prefix("locked until ")
                .map(|until| AuditParams {
                    until: Some(until.to_owned()),
                    ..Default::default()
                }),
            "config_change" => Some(AuditParams {
                keys: Some(list(detail)),
                ..Default::default()
            }),
            "unit_change" => detail
                .split("; ")
                .map(|part| {
                    let (key, values) = part.split_once(": ")?;
                    let (old, new) = values.split_once(" -> ")?;
                    let value = |v: &str| {
                        if v == "(none)" {
                            String::new()
                        } else {
                            v.to_owned()
                        }
                    };
                    Some(ValueChange {
                        key: key.to_owned(),
                        old: value(old),
                        new: value(new),
                    })
                })
                .collect::<Option<Vec<_>>>()
                .map(|changes| AuditParams {
                    changes: Some(changes),
                    ..Default::default()
                }),
            "pin_change" => detail
                .strip_suffix(" PIN set")
                .and_then(|r| r.parse().ok())
                .map(|role| AuditParams {
                    role: Some(role),
                    ..Default::default()
                }),
            "export" if detail == "configuration with secrets" => Some(AuditParams {
                config_with_secrets: Some(true),
                ..Default::default()
            }),
            "export" => detail.split_once("..").and_then(|(from, rest)| {
                let (to, rest) = rest.split_once(' ')?;
                let (format, destination) = rest.split_once(" -> ")?;
                Some(AuditParams {
                    from: Some(from.to_owned()),
                    to: Some(to.to_owned()),
                    format: Some(format.to_lowercase()),
                    destination: Some(destination.to_owned()),
                    ..Default::default()
                })
            }),
            // Said nothing the action does not say already.
            "login" | "logout" | "exit" | "sync_now" => Some(AuditParams::default()),
            _ => None,
        };
        parsed.unwrap_or_else(|| AuditParams {
            text: (!detail.is_empty()).then(|| detail.to_owned()),
            ..Default::default()
        })
    }
}

fn list(keys: &str) -> Vec<String> {
    keys.split(", ")
        .filter(|k| !k.is_empty())
        .map(str::to_owned)
        .collect()
}

/// One audit row as read back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    /// `None` for attempts that did not log in.
    pub role: Option<Role>,
    pub origin: String,
    /// The code the staff screen turns into words.
    pub action: String,
    /// The English line kept beside the data.
    pub detail: String,
    /// The details as data, for the staff screen's words.
    pub params: AuditParams,
}

pub(crate) fn append(
    conn: &Connection,
    at: DateTime<Utc>,
    role: Option<Role>,
    origin: Origin,
    action: AuditAction,
    params: &AuditParams,
) -> Result<(), StoreError> {
    let json = serde_json::to_string(params)
        .map_err(|e| StoreError::Corrupt(format!("audit details: {e}")))?;
    conn.execute(
        "INSERT INTO audit_log (at, role, origin, action, detail, params)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        (
            timestamp(at),
            role.map(Role::as_str),
            origin.as_str(),
            action.as_str(),
            params.english(action),
            json,
        ),
    )?;
    Ok(())
}

/// The newest `limit` rows, newest first.
pub(crate) fn recent(conn: &Connection, limit: u32) -> Result<Vec<AuditEntry>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT id, at, role, origin, action, detail, params FROM audit_log
         ORDER BY id DESC LIMIT ?1",
    )?;
    let rows = stmt.query_map([limit], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, Option<String>>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, String>(4)?,
            r.get::<_, String>(5)?,
            r.get::<_, Option<String>>(6)?,
        ))
    })?;
    let mut entries = Vec::new();
    for row in rows {
        let (id, at, role, origin, action, detail, params) = row?;
        let params = match params {
            Some(json) => serde_json::from_str(&json)
                .map_err(|e| StoreError::Corrupt(format!("audit_log row {id}: bad params: {e}")))?,
            None => AuditParams::parse_legacy(&action, &detail),
        };
        let role = match role {
            Some(r) => Some(
                r.parse::<Role>()
                    .map_err(|_| StoreError::Corrupt(format!("unknown role {r:?} in audit_log")))?,
            ),
            None => None,
        };
        entries.push(AuditEntry {
            id,
            at: parse_timestamp(&at)?,
            role,
            origin,
            action,
            detail,
            params,
        });
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;
    use AuditAction as A;

    fn p() -> AuditParams {
        AuditParams::default()
    }

    /// Every shape written today reads back from its English line alone,
    /// which is all an old row has.
    #[test]
    fn the_english_line_reads_back_into_the_same_details() {
        let cases = [
            (
                A::Setup,
                AuditParams {
                    unit: Some("DFIMS000020".into()),
                    keys: Some(vec!["unit.clues".into(), "unit.name".into()]),
                    ..p()
                },
            ),
            (
                A::LoginFailed,
                AuditParams {
                    attempts_left: Some(4),
                    ..p()
                },
            ),
            (
                A::Lockout,
                AuditParams {
                    lockouts: Some(2),
                    failures: Some(5),
                    until: Some("2026-01-01T10:05:00.000Z".into()),
                    ..p()
                },
            ),
            (
                A::LoginRefused,
                AuditParams {
                    until: Some("2026-01-01T10:05:00.000Z".into()),
                    ..p()
                },
            ),
            (
                A::ConfigChange,
                AuditParams {
                    keys: Some(vec!["survey.idle_seconds".into(), "sync.token".into()]),
                    ..p()
                },
            ),
            (
                A::UnitChange,
                AuditParams {
                    changes: Some(vec![
                        ValueChange {
                            key: "unit.clues".into(),
                            old: "DFIMS000020".into(),
                            new: "NLIMS000315".into(),
                        },
                        ValueChange {
                            key: "unit.ooad".into(),
                            old: String::new(),
                            new: "DF Sur".into(),
                        },
                    ]),
                    ..p()
                },
            ),
            (
                A::PinChange,
                AuditParams {
                    role: Some(Role::Staff),
                    ..p()
                },
            ),
            (
                A::Export,
                AuditParams {
                    from: Some("2026-01-01".into()),
                    to: Some("2026-01-07".into()),
                    format: Some("xlsx".into()),
                    destination: Some("/media/trato-kiosk/USB".into()),
                    ..p()
                },
            ),
            (
                A::Export,
                AuditParams {
                    config_with_secrets: Some(true),
                    ..p()
                },
            ),
            (A::Login, p()),
            (A::SyncNow, p()),
        ];
        for (action, params) in cases {
            let line = params.english(action);
            assert_eq!(
                AuditParams::parse_legacy(action.as_str(), &line),
                params,
                "{line}"
            );
        }
    }

    #[test]
    fn old_lines_in_the_shapes_stored_before_are_understood() {
        assert_eq!(
            AuditParams::parse_legacy("login_failed", "4 tries left").attempts_left,
            Some(4)
        );
        let export =
            AuditParams::parse_legacy("export", "2026-03-01..2026-03-31 Xlsx -> /media/x/USB");
        assert_eq!(export.format.as_deref(), Some("xlsx"));
        assert_eq!(export.destination.as_deref(), Some("/media/x/USB"));
        assert_eq!(
            AuditParams::parse_legacy("sync_now", "requested from the staff screen"),
            p()
        );
        let odd = AuditParams::parse_legacy("setup", "old");
        assert_eq!(odd.text.as_deref(), Some("old"));
    }
}
