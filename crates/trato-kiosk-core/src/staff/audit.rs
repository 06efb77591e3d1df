//! The audit log: one row per staff action, with time, role and where it
//! came from. Rows are only ever added; details never carry a secret.

use chrono::{DateTime, Utc};
use serde::Serialize;

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

/// One audit row as read back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    /// `None` for attempts that did not log in.
    pub role: Option<Role>,
    pub origin: String,
    pub action: String,
    pub detail: String,
}

pub(crate) fn append(
    conn: &Connection,
    at: DateTime<Utc>,
    role: Option<Role>,
    origin: Origin,
    action: AuditAction,
    detail: &str,
) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO audit_log (at, role, origin, action, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
        (
            timestamp(at),
            role.map(Role::as_str),
            origin.as_str(),
            action.as_str(),
            detail,
        ),
    )?;
    Ok(())
}

/// The newest `limit` rows, newest first.
pub(crate) fn recent(conn: &Connection, limit: u32) -> Result<Vec<AuditEntry>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT id, at, role, origin, action, detail FROM audit_log ORDER BY id DESC LIMIT ?1",
    )?;
    let rows = stmt.query_map([limit], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, Option<String>>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, String>(4)?,
            r.get::<_, String>(5)?,
        ))
    })?;
    let mut entries = Vec::new();
    for row in rows {
        let (id, at, role, origin, action, detail) = row?;
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
        });
    }
    Ok(entries)
}
