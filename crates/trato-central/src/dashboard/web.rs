//! The dashboard's pages and embedded assets, and its routes. Everything is
//! compiled into the binary; nothing is fetched from the internet. Every
//! reply carries a strict Content-Security-Policy (no inline script or
//! style, nothing from another origin).

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use super::auth::{self, check_csrf, check_origin, Viewer};
use super::{alerts, api, comments, live, report};
use crate::client_addr::ClientAddr;
use crate::AppState;
use trato_domain::text::truncate_chars;

const CSS: &str = include_str!("assets/tablero.css");
const JS: &str = include_str!("assets/tablero.js");
const ALERTAS_JS: &str = include_str!("assets/alertas.js");
const TABLERO: &str = include_str!("assets/tablero.html");

pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
    img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; \
    base-uri 'none'";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(|| async { Redirect::to("/tablero") }))
        .route("/login", get(login_page).post(login))
        .route("/logout", post(logout))
        .route("/tablero", get(tablero))
        .route("/informe", get(report::report_page))
        .route("/static/tablero.css", get(css))
        .route("/static/tablero.js", get(js))
        .route("/static/alertas.js", get(alertas_js))
        .route("/api/v1/dashboard/me", get(api::me))
        .route("/api/v1/dashboard/summary", get(api::get_summary))
        .route("/api/v1/dashboard/alerts", get(alerts::list))
        .route("/api/v1/dashboard/alerts/attend", post(alerts::attend_many))
        .route("/api/v1/dashboard/alerts/{id}", get(alerts::get))
        .route("/api/v1/dashboard/alerts/{id}/assign", post(alerts::assign))
        .route("/api/v1/dashboard/alerts/{id}/attend", post(alerts::attend))
        .route("/api/v1/dashboard/comments", get(comments::list))
        .route("/api/v1/dashboard/events", get(live::events))
        .route("/api/v1/dashboard/kiosks", get(super::kiosks::kiosks))
        .route("/api/v1/dashboard/report.xlsx", get(report::report_xlsx))
}

/// The security headers every reply carries (added by the outermost
/// middleware in `api.rs`, so error replies made by any layer have them).
pub fn add_security_headers(h: &mut HeaderMap, over_tls: bool) {
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    if over_tls {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
}

/// HTML-escapes text for element content and attribute values.
pub fn escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

/// A complete page around `body`.
pub fn page(title: &str, body: &str, csrf: Option<&str>) -> Html<String> {
    let meta = csrf
        .map(|t| format!("<meta name=\"csrf-token\" content=\"{}\">", escape(t)))
        .unwrap_or_default();
    Html(format!(
        "<!doctype html>\n<html lang=\"es\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         {meta}<title>{}</title><link rel=\"stylesheet\" href=\"/static/tablero.css\">\
         </head><body>{body}</body></html>",
        escape(title)
    ))
}

async fn css() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        CSS,
    )
}

async fn js() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        JS,
    )
}

async fn alertas_js() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        ALERTAS_JS,
    )
}

fn login_html(error: Option<&str>, name: &str) -> Html<String> {
    let err = error
        .map(|e| format!("<p class=\"error\" role=\"alert\">{}</p>", escape(e)))
        .unwrap_or_default();
    page(
        "Entrar — Tablero Trato Digno",
        &format!(
            r#"<main class="login">
<h1>Tablero de Trato Digno</h1>
<p class="sub">Instituto Mexicano del Seguro Social</p>
{err}
<form method="post" action="/login">
<label for="name">Usuario</label>
<input id="name" name="name" autocomplete="username" required value="{}">
<label for="password">Contraseña</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Entrar</button>
</form>
</main>"#,
            escape(name)
        ),
        None,
    )
}

async fn login_page(viewer: Option<Viewer>) -> Response {
    if viewer.is_some() {
        return Redirect::to("/tablero").into_response();
    }
    login_html(None, "").into_response()
}

#[derive(Deserialize)]
struct LoginForm {
    name: String,
    password: String,
}

/// Longer login names are refused before anything else looks at them
/// (account names are at most 64 characters).
pub const MAX_LOGIN_NAME_CHARS: usize = 128;
/// Characters of attacker-chosen text a log line keeps.
const LOG_TEXT_CHARS: usize = 64;

/// Text a client chose, made safe for one log line: at most
/// [`LOG_TEXT_CHARS`] characters, control and bidi characters escaped.
pub fn for_log(s: &str) -> String {
    let cut = truncate_chars(s, LOG_TEXT_CHARS);
    let mut out: String = cut.chars().flat_map(char::escape_debug).collect();
    if cut.len() < s.len() {
        out.push('…');
    }
    out
}

const BAD_LOGIN: &str = "Usuario o contraseña incorrectos.";

/// Failed logins re-render the form with 200 (the API's error middleware
/// would replace an HTML error body); the page says what happened. Attempts
/// are throttled per client address and per (account, address), so a flood
/// from one place locks out nobody elsewhere.
async fn login(
    State(state): State<AppState>,
    client: ClientAddr,
    headers: HeaderMap,
    form: Form<LoginForm>,
) -> Response {
    if form.name.chars().count() > MAX_LOGIN_NAME_CHARS {
        tracing::warn!(account = %for_log(&form.name), client = %client.key(), "failed sign-in: name too long");
        return login_html(Some(BAD_LOGIN), "").into_response();
    }
    if check_origin(&headers).is_err() {
        return (StatusCode::FORBIDDEN, "cross-site login refused").into_response();
    }
    let name = form.name.trim().to_lowercase();
    let addr = client.key();
    let limited = state
        .dash
        .login_per_addr
        .check(&addr)
        .and_then(|()| state.dash.login_per_pair.check(&format!("{name}\n{addr}")));
    if let Err(secs) = limited {
        tracing::warn!(account = %for_log(&name), client = %addr, "login rate limited");
        return login_html(
            Some(&format!(
                "Demasiados intentos. Espere {secs} segundos e intente de nuevo."
            )),
            &form.name,
        )
        .into_response();
    }
    match auth::check_login(&*state.store, &form.name, &form.password).await {
        Ok(Some(viewer)) => {
            let secure = auth::secure(&state, &headers);
            let who = viewer.name.clone();
            match state.dash.sessions.create(viewer) {
                Ok(token) => {
                    tracing::info!(account = %for_log(&who), client = %addr, "signed in");
                    let mut r = Redirect::to("/tablero").into_response();
                    if let Ok(v) = HeaderValue::from_str(&auth::set_cookie(&token, secure)) {
                        r.headers_mut().insert(header::SET_COOKIE, v);
                    }
                    r
                }
                Err(e) => e.into_response(),
            }
        }
        Ok(None) => {
            tracing::warn!(account = %for_log(&name), client = %addr, "failed sign-in");
            login_html(Some(BAD_LOGIN), &form.name).into_response()
        }
        Err(e) => e.into_response(),
    }
}

#[derive(Deserialize)]
struct LogoutForm {
    csrf: String,
}

async fn logout(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    form: Form<LogoutForm>,
) -> Response {
    if let Err(e) = check_csrf(&viewer, &headers, Some(&form.csrf)) {
        return e.into_response();
    }
    state.dash.sessions.remove(&viewer.session_hash);
    let mut r = Redirect::to("/login").into_response();
    if let Ok(v) = HeaderValue::from_str(&auth::clear_cookie(auth::secure(&state, &headers))) {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    r
}

async fn tablero(viewer: Option<Viewer>) -> Response {
    let Some(v) = viewer else {
        return Redirect::to("/login").into_response();
    };
    let body = TABLERO
        .replace("{{CSRF}}", &escape(&v.csrf))
        .replace("{{NAME}}", &escape(&v.name));
    page("Tablero de Trato Digno", &body, Some(&v.csrf)).into_response()
}
