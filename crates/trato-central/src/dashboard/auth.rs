//! Staff accounts, passwords (Argon2id), sessions and CSRF.
//!
//! A session is a random 256-bit token in an HttpOnly, SameSite=Strict cookie
//! (Secure when served over https); the centre keeps only its SHA-256, in
//! memory: restarting the server logs everyone out. Each session has its own
//! CSRF token, which every state change must send back in `X-CSRF-Token` (or
//! a `csrf` form field).

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use argon2::password_hash::SaltString;
use argon2::{Algorithm, Argon2, Params, PasswordHash, PasswordHasher, PasswordVerifier, Version};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use chrono::Utc;
use serde::Serialize;

use crate::error::{AdminError, ApiError, ErrorCode};
use crate::store::dash::{AccountChange, NewAccount};
use crate::store::Store;
use crate::token::{generate_token, hash_token};
use crate::AppState;
use trato_domain::clues::validate_clues;

pub const COOKIE: &str = "trato_sesion";
pub const CSRF_HEADER: &str = "x-csrf-token";
/// A session ends this long after login, whatever happens.
pub const SESSION_ABSOLUTE: Duration = Duration::from_secs(12 * 3600);
/// ... or after this long without a request.
pub const SESSION_IDLE: Duration = Duration::from_secs(4 * 3600);
pub const MIN_PASSWORD_CHARS: usize = 10;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    National,
    Ooad,
    Umae,
    Unit,
}

impl Role {
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "national" | "nacional" => Self::National,
            "ooad" => Self::Ooad,
            "umae" => Self::Umae,
            "unit" | "unidad" => Self::Unit,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::National => "national",
            Self::Ooad => "ooad",
            Self::Umae => "umae",
            Self::Unit => "unit",
        }
    }
}

/// The signed-in account behind a request.
#[derive(Debug, Clone, Serialize)]
pub struct Viewer {
    pub account_id: String,
    pub name: String,
    pub role: Role,
    /// OOAD/UMAE name, CLUES, or empty for national.
    pub scope: String,
    #[serde(skip)]
    pub csrf: String,
    #[serde(skip)]
    pub session_hash: String,
    /// SHA-256 of the account's password hash at sign-in: a session lives
    /// only while the account is enabled and its password unchanged.
    #[serde(skip)]
    pub credential: String,
}

struct Session {
    viewer: Viewer,
    created: Instant,
    last_used: Instant,
}

#[derive(Default)]
pub struct Sessions {
    map: Mutex<HashMap<String, Session>>,
}

impl Sessions {
    /// Starts a session; returns the cookie value.
    pub fn create(&self, mut viewer: Viewer) -> Result<String, ApiError> {
        let token = generate_token().map_err(|e| ApiError::internal(&e))?;
        viewer.csrf = generate_token().map_err(|e| ApiError::internal(&e))?;
        viewer.session_hash = hash_token(&token);
        let now = Instant::now();
        let mut m = self.map.lock().unwrap_or_else(|p| p.into_inner());
        // Forget expired sessions now and then (bounded by logins).
        m.retain(|_, s| alive(s, now));
        m.insert(
            viewer.session_hash.clone(),
            Session {
                viewer,
                created: now,
                last_used: now,
            },
        );
        Ok(token)
    }

    /// The viewer for a cookie value, refreshing its idle timer.
    pub fn get(&self, token: &str) -> Option<Viewer> {
        self.get_hashed(&hash_token(token), true)
    }

    /// Whether a session (by hash) is still valid, without refreshing it.
    pub fn is_alive(&self, hash: &str) -> bool {
        self.get_hashed(hash, false).is_some()
    }

    fn get_hashed(&self, h: &str, touch: bool) -> Option<Viewer> {
        let now = Instant::now();
        let mut m = self.map.lock().unwrap_or_else(|p| p.into_inner());
        let s = m.get_mut(h)?;
        if !alive(s, now) {
            m.remove(h);
            return None;
        }
        if touch {
            s.last_used = now;
        }
        Some(s.viewer.clone())
    }

    pub fn remove(&self, hash: &str) {
        self.map
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(hash);
    }
}

fn alive(s: &Session, now: Instant) -> bool {
    now.duration_since(s.created) < SESSION_ABSOLUTE
        && now.duration_since(s.last_used) < SESSION_IDLE
}

/// The session cookie's value, if the request carries one.
pub fn session_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE)
        .map(|(_, v)| v.to_owned())
}

/// Whether cookies must carry `Secure`: as configured, else when served
/// over TLS or the proxy in front says the client used https.
pub fn secure(state: &AppState, headers: &HeaderMap) -> bool {
    if let Some(forced) = state.config.secure_cookies {
        return forced;
    }
    state.config.served_over_tls
        || headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.eq_ignore_ascii_case("https"))
}

pub fn set_cookie(token: &str, secure: bool) -> String {
    format!(
        "{COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{}",
        SESSION_ABSOLUTE.as_secs(),
        if secure { "; Secure" } else { "" }
    )
}

pub fn clear_cookie(secure: bool) -> String {
    format!(
        "{COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{}",
        if secure { "; Secure" } else { "" }
    )
}

/// The viewer behind a request's session cookie, if the session is alive
/// and its account is still enabled with the password it signed in with
/// (checked in the database every request, so `user disable` or `user
/// passwd` from the command line ends the session at once).
async fn current_viewer(parts: &Parts, state: &AppState) -> Result<Option<Viewer>, ApiError> {
    let Some(v) = session_cookie(&parts.headers).and_then(|t| state.dash.sessions.get(&t)) else {
        return Ok(None);
    };
    if !still_valid(state, &v).await? {
        return Ok(None);
    }
    Ok(Some(v))
}

/// Whether the viewer's account is still enabled with the password it
/// signed in with; if not, its session is ended here. Also asked by open
/// event streams now and then, since they make no further requests.
pub async fn still_valid(state: &AppState, v: &Viewer) -> Result<bool, ApiError> {
    let account = state.store.dash().account_by_name(&v.name).await?;
    let valid =
        account.is_some_and(|a| !a.disabled && same(&hash_token(&a.password_hash), &v.credential));
    if !valid {
        state.dash.sessions.remove(&v.session_hash);
        tracing::info!(account = %v.name, "session ended: account disabled or password changed");
    }
    Ok(valid)
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        current_viewer(parts, state)
            .await?
            .ok_or_else(|| ApiError::unauthorized("sign in first (no valid session)"))
    }
}

impl axum::extract::OptionalFromRequestParts<AppState> for Viewer {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Option<Self>, Self::Rejection> {
        current_viewer(parts, state).await
    }
}

/// Constant-time string comparison.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// A state change must carry the session's CSRF token and, if the browser
/// sent an Origin, come from this very host.
pub fn check_csrf(
    viewer: &Viewer,
    headers: &HeaderMap,
    form_token: Option<&str>,
) -> Result<(), ApiError> {
    check_origin(headers)?;
    let sent = headers
        .get(CSRF_HEADER)
        .and_then(|v| v.to_str().ok())
        .or(form_token)
        .unwrap_or("");
    if sent.is_empty() || !same(sent, &viewer.csrf) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            ErrorCode::Forbidden,
            "missing or wrong CSRF token",
        ));
    }
    Ok(())
}

/// Refuses a cross-site request: `Origin`, when present, must name the Host.
pub fn check_origin(headers: &HeaderMap) -> Result<(), ApiError> {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return Ok(());
    };
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let origin_host = origin.split_once("://").map_or("", |(_, h)| h);
    if origin_host.is_empty() || origin_host != host {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            ErrorCode::Forbidden,
            "cross-site request refused",
        ));
    }
    Ok(())
}

/// Argon2id with OWASP's minimum cost (19 MiB, 2 passes, 1 lane).
fn hasher() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

pub fn hash_password(password: &str) -> Result<String, AdminError> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| AdminError::Random(e.to_string()))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| AdminError::Random(e.to_string()))?;
    hasher()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AdminError::Random(e.to_string()))
}

pub fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|h| hasher().verify_password(password.as_bytes(), &h).is_ok())
        .unwrap_or(false)
}

/// A hash to check unknown names against, so a wrong name costs the same
/// time as a wrong password.
pub fn dummy_hash() -> &'static str {
    static H: OnceLock<String> = OnceLock::new();
    H.get_or_init(|| hash_password("no-such-account-password").unwrap_or_default())
}

/// Why an account cannot be created.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("unknown role `{0}`: use national, ooad, umae or unit")]
    Role(String),
    #[error("the name must be 3 to 64 characters: letters, digits, '.', '-', '_' or '@'")]
    Name,
    #[error("the password must have at least {MIN_PASSWORD_CHARS} characters")]
    Password,
    #[error("a national account takes no scope (or `institute`)")]
    NationalScope,
    #[error(
        "no {kind} named `{scope}` in the catalogue; load the catalogue first (`catalogue load`)"
    )]
    NoParent { kind: String, scope: String },
    #[error("unit {0} is not in the catalogue; load the catalogue first (`catalogue load`)")]
    NoUnit(String),
    #[error("an account named `{0}` already exists")]
    Taken(String),
    #[error(transparent)]
    Admin(#[from] AdminError),
}

impl From<crate::error::StoreError> for AccountError {
    fn from(e: crate::error::StoreError) -> Self {
        Self::Admin(AdminError::Store(e))
    }
}

/// Creates an account after checking its scope against the catalogue.
pub async fn add_account(
    store: &dyn Store,
    role: &str,
    scope: &str,
    name: &str,
    password: &str,
) -> Result<String, AccountError> {
    let role = Role::parse(role).ok_or_else(|| AccountError::Role(role.to_owned()))?;
    let name = name.trim();
    let name_ok = (3..=64).contains(&name.chars().count())
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | '_' | '@'));
    if !name_ok {
        return Err(AccountError::Name);
    }
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(AccountError::Password);
    }
    let scope = scope.trim();
    let units = store.dash().units().await?;
    let scope = match role {
        Role::National => {
            if !(scope.is_empty() || scope == "institute") {
                return Err(AccountError::NationalScope);
            }
            String::new()
        }
        Role::Ooad | Role::Umae => {
            if !units
                .iter()
                .any(|u| u.parent == scope && u.parent_kind == role.as_str())
            {
                return Err(AccountError::NoParent {
                    kind: role.as_str().to_uppercase(),
                    scope: scope.to_owned(),
                });
            }
            scope.to_owned()
        }
        Role::Unit => {
            validate_clues(scope).map_err(AdminError::from)?;
            if !units.iter().any(|u| u.clues == scope) {
                return Err(AccountError::NoUnit(scope.to_owned()));
            }
            scope.to_owned()
        }
    };
    let pw = password.to_owned();
    let hash = tokio::task::spawn_blocking(move || hash_password(&pw))
        .await
        .map_err(|e| AdminError::Store(e.into()))??;
    let id = uuid::Uuid::now_v7().to_string();
    let added = store
        .dash()
        .add_account(NewAccount {
            id: id.clone(),
            name: name.to_owned(),
            role: role.as_str().to_owned(),
            scope,
            password_hash: hash,
            created_at: Utc::now(),
        })
        .await?;
    if !added {
        return Err(AccountError::Taken(name.to_owned()));
    }
    Ok(id)
}

/// Why an account could not be changed.
#[derive(Debug, thiserror::Error)]
pub enum AccountChangeError {
    #[error("no account named `{0}` (see `user list`)")]
    NoAccount(String),
    #[error("the password must have at least {MIN_PASSWORD_CHARS} characters")]
    Password,
    #[error("`{0}` is not an e-mail address (name@domain, at most 254 characters)")]
    Email(String),
    #[error(transparent)]
    Admin(#[from] AdminError),
}

impl From<crate::error::StoreError> for AccountChangeError {
    fn from(e: crate::error::StoreError) -> Self {
        Self::Admin(AdminError::Store(e))
    }
}

async fn change_account(
    store: &dyn Store,
    name: &str,
    change: AccountChange,
) -> Result<(), AccountChangeError> {
    let name = name.trim();
    if store.dash().update_account(name, change).await? {
        Ok(())
    } else {
        Err(AccountChangeError::NoAccount(name.to_owned()))
    }
}

/// Disables (or enables again) an account; its sessions end at their next
/// request, and its open event streams within [`crate::Config::live_session_check`].
pub async fn set_disabled(
    store: &dyn Store,
    name: &str,
    disabled: bool,
) -> Result<(), AccountChangeError> {
    let at = disabled.then(Utc::now);
    change_account(store, name, AccountChange::Disabled(at)).await
}

/// Sets a new password; the account's sessions end at their next request,
/// and its open event streams within [`crate::Config::live_session_check`].
pub async fn set_password(
    store: &dyn Store,
    name: &str,
    password: &str,
) -> Result<(), AccountChangeError> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(AccountChangeError::Password);
    }
    let pw = password.to_owned();
    let hash = tokio::task::spawn_blocking(move || hash_password(&pw))
        .await
        .map_err(|e| AdminError::Store(e.into()))??;
    change_account(store, name, AccountChange::PasswordHash(hash)).await
}

/// Sets (or, with an empty text, clears) an account's e-mail address.
pub async fn set_email(
    store: &dyn Store,
    name: &str,
    email: &str,
) -> Result<(), AccountChangeError> {
    let email = email.trim();
    if !email.is_empty() {
        check_email(email)?;
    }
    let email = (!email.is_empty()).then(|| email.to_owned());
    change_account(store, name, AccountChange::Email(email)).await
}

/// Whether `email` looks like an address mail can be sent to.
pub fn check_email(email: &str) -> Result<(), AccountChangeError> {
    let email = email.trim();
    let ok = email.chars().count() <= 254
        && email.split_once('@').is_some_and(|(user, domain)| {
            !user.is_empty() && domain.contains('.') && !domain.starts_with('.')
        })
        && !email.chars().any(|c| c.is_whitespace() || c.is_control());
    if ok {
        Ok(())
    } else {
        Err(AccountChangeError::Email(
            trato_domain::text::truncate_chars(email, 80).to_owned(),
        ))
    }
}

/// Checks a name and password; the viewer on success. Always does one
/// Argon2 verification, found or not.
pub async fn check_login(
    store: &dyn Store,
    name: &str,
    password: &str,
) -> Result<Option<Viewer>, ApiError> {
    let account = store.dash().account_by_name(name.trim()).await?;
    let phc = account
        .as_ref()
        .map(|a| a.password_hash.clone())
        .unwrap_or_else(|| dummy_hash().to_owned());
    let pw = password.to_owned();
    let ok = tokio::task::spawn_blocking(move || verify_password(&pw, &phc))
        .await
        .map_err(|e| ApiError::internal(&e))?;
    let Some(a) = account else { return Ok(None) };
    if !ok || a.disabled {
        return Ok(None);
    }
    let Some(role) = Role::parse(&a.role) else {
        return Ok(None);
    };
    Ok(Some(Viewer {
        account_id: a.id,
        name: a.name,
        role,
        scope: a.scope,
        csrf: String::new(),
        session_hash: String::new(),
        credential: hash_token(&a.password_hash),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_round_trip() {
        let h = hash_password("correcto-caballo").unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify_password("correcto-caballo", &h));
        assert!(!verify_password("incorrecto", &h));
        assert!(!verify_password("x", "not a hash"));
    }

    #[test]
    fn cookie_is_parsed_among_others() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            "a=1; trato_sesion=abc; b=2".parse().unwrap(),
        );
        assert_eq!(session_cookie(&h).as_deref(), Some("abc"));
        let c = set_cookie("abc", true);
        assert!(c.contains("HttpOnly") && c.contains("SameSite=Strict") && c.contains("Secure"));
    }
}
