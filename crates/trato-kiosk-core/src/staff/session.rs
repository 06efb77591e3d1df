//! Staff sessions, in memory only: a restart logs everyone out, and a token
//! is worthless outside the process that issued it.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use password_hash::rand_core::{OsRng, RngCore};
use serde::Serialize;

use super::{AuthError, Role};

/// A logged-in staff member, as returned to the screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StaffSession {
    pub role: Role,
    /// Opaque bearer token (256 random bits, hex); send it with every admin call.
    pub token: String,
    /// When the session ends unless used again before.
    pub expires: DateTime<Utc>,
}

#[derive(Debug, Clone)]
struct Entry {
    role: Role,
    expires: DateTime<Utc>,
}

#[derive(Debug, Default)]
pub struct Sessions {
    by_token: HashMap<String, Entry>,
}

impl Sessions {
    pub fn start(
        &mut self,
        role: Role,
        now: DateTime<Utc>,
        ttl: Duration,
    ) -> Result<StaffSession, AuthError> {
        self.by_token.retain(|_, e| e.expires > now);
        let mut bytes = [0u8; 32];
        OsRng
            .try_fill_bytes(&mut bytes)
            .map_err(|e| AuthError::Random(e.to_string()))?;
        let token: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        let expires = now + ttl;
        self.by_token.insert(token.clone(), Entry { role, expires });
        Ok(StaffSession {
            role,
            token,
            expires,
        })
    }

    /// The session's role if it is live and allowed `needed`; using a
    /// session pushes its expiry to `ttl` from now.
    pub fn authorize(
        &mut self,
        token: &str,
        needed: Role,
        now: DateTime<Utc>,
        ttl: Duration,
    ) -> Result<Role, AuthError> {
        let entry = match self.by_token.get_mut(token) {
            Some(entry) if entry.expires > now => entry,
            Some(_) => {
                self.by_token.remove(token);
                return Err(AuthError::Unauthorized);
            }
            None => return Err(AuthError::Unauthorized),
        };
        if !entry.role.allows(needed) {
            return Err(AuthError::Forbidden {
                role: entry.role,
                needed,
            });
        }
        entry.expires = now + ttl;
        Ok(entry.role)
    }

    /// The live session for `token`, without extending it.
    pub fn peek(&self, token: &str, now: DateTime<Utc>) -> Option<StaffSession> {
        self.by_token
            .get(token)
            .filter(|e| e.expires > now)
            .map(|e| StaffSession {
                role: e.role,
                token: token.to_owned(),
                expires: e.expires,
            })
    }

    /// Ends a session; `None` if there was none (already ended or expired).
    pub fn end(&mut self, token: &str) -> Option<Role> {
        self.by_token.remove(token).map(|e| e.role)
    }

    pub fn end_all(&mut self) {
        self.by_token.clear();
    }
}
