//! HTTP to the centre (`docs/protocol.md`): reqwest over rustls, the kiosk's
//! Bearer token, gzip bodies, timeouts. Certificates are always verified
//! (the platform's trust store, plus a hospital's own CA when `sync.ca_file`
//! names one); a refused certificate is reported as such.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use reqwest::header::{self, HeaderMap};
use serde::de::DeserializeOwned;
use trato_domain::wire::{
    ActiveSurveyQuery, ActiveSurveyReply, BatchReply, ErrorBody, ACTIVE_SURVEY_PATH, BATCHES_PATH,
    SERVER_TIME_HEADER,
};

use super::SyncError;

/// How long to wait for the centre.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    pub connect: Duration,
    /// The whole request, reply body included.
    pub request: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            connect: Duration::from_secs(10),
            request: Duration::from_secs(30),
        }
    }
}

/// A reply with the centre's clock and the kiosk's offset from it.
#[derive(Debug, Clone)]
pub struct Replied<T> {
    pub body: T,
    pub server_time: Option<DateTime<Utc>>,
    /// Centre minus kiosk, in milliseconds, against the request's midpoint.
    pub clock_offset_ms: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct CentreClient {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl CentreClient {
    /// `endpoint` as IT typed it (validated by the settings); paths are
    /// joined onto it. `ca_file`, when not empty, is a PEM file of CA
    /// certificates trusted besides the system's.
    pub fn new(
        endpoint: &str,
        token: &str,
        ca_file: &str,
        timeouts: Timeouts,
    ) -> Result<Self, SyncError> {
        let mut builder = reqwest::Client::builder();
        if !ca_file.is_empty() {
            builder = builder.tls_certs_merge(read_ca_file(ca_file)?);
        }
        let http = builder
            .connect_timeout(timeouts.connect)
            .timeout(timeouts.request)
            .https_only(!is_loopback_http(endpoint))
            .user_agent(concat!("trato-kiosk/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| SyncError::Client(error_chain(&e)))?;
        Ok(CentreClient {
            http,
            base: endpoint.trim_end_matches('/').to_owned(),
            token: token.to_owned(),
        })
    }

    pub fn endpoint(&self) -> &str {
        &self.base
    }

    /// Posts one gzip-compressed batch.
    pub async fn post_batch(&self, body: Vec<u8>) -> Result<Replied<BatchReply>, SyncError> {
        let request = self
            .http
            .post(format!("{}{BATCHES_PATH}", self.base))
            .bearer_auth(&self.token)
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::CONTENT_ENCODING, "gzip")
            .body(body);
        self.send(request).await
    }

    /// The survey the centre wants this unit's kiosks to run; the query
    /// says which format the kiosk reads, what it runs and any problem.
    pub async fn active_survey(
        &self,
        query: &ActiveSurveyQuery,
    ) -> Result<Replied<ActiveSurveyReply>, SyncError> {
        let params = query_string(query);
        let request = self
            .http
            .get(format!("{}{ACTIVE_SURVEY_PATH}?{params}", self.base))
            .bearer_auth(&self.token);
        self.send(request).await
    }

    async fn send<T: DeserializeOwned>(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<Replied<T>, SyncError> {
        let sent = Utc::now();
        let started = Instant::now();
        let response = request.send().await.map_err(classify)?;
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.map_err(classify)?;
        let elapsed = chrono::Duration::from_std(started.elapsed()).unwrap_or_default();
        let server_time = server_time(&headers);
        let clock_offset_ms = server_time.map(|t| (t - (sent + elapsed / 2)).num_milliseconds());
        if !status.is_success() {
            return Err(http_error(status.as_u16(), &headers, &bytes));
        }
        let body: T = serde_json::from_slice(&bytes)
            .map_err(|e| SyncError::BadReply(format!("{e} (HTTP {status})")))?;
        Ok(Replied {
            body,
            server_time,
            clock_offset_ms,
        })
    }
}

/// The survey check's query string (absent fields left out).
fn query_string(query: &ActiveSurveyQuery) -> String {
    let mut params = url::form_urlencoded::Serializer::new(String::new());
    let texts = [
        ("unit", &query.unit),
        ("survey", &query.survey),
        ("problem", &query.problem),
    ];
    for (name, value) in texts {
        if let Some(v) = value {
            params.append_pair(name, v);
        }
    }
    for (name, value) in [("format", query.format), ("version", query.version)] {
        if let Some(v) = value {
            params.append_pair(name, &v.to_string());
        }
    }
    params.finish()
}

fn is_loopback_http(endpoint: &str) -> bool {
    url::Url::parse(endpoint).is_ok_and(|u| {
        u.scheme() == "http"
            && match u.host() {
                Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
                Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
                Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
                None => false,
            }
    })
}

fn server_time(headers: &HeaderMap) -> Option<DateTime<Utc>> {
    let v = headers.get(SERVER_TIME_HEADER)?.to_str().ok()?;
    DateTime::parse_from_rfc3339(v)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

fn http_error(status: u16, headers: &HeaderMap, body: &[u8]) -> SyncError {
    let retry_after = headers
        .get(header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    let (code, message) = match serde_json::from_slice::<ErrorBody>(body) {
        Ok(e) => (e.code, e.message),
        Err(_) => (
            "error".to_owned(),
            String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned(),
        ),
    };
    SyncError::Http {
        status,
        code,
        message,
        retry_after,
    }
}

/// Sorts a transport failure: certificate, timeout, connect, or broken.
/// Every certificate in a PEM file; none is an error, as is a file that
/// cannot be read.
fn read_ca_file(path: &str) -> Result<Vec<reqwest::Certificate>, SyncError> {
    let pem = std::fs::read(path)
        .map_err(|e| SyncError::Client(format!("cannot read sync.ca_file {path}: {e}")))?;
    let certs = reqwest::Certificate::from_pem_bundle(&pem)
        .map_err(|e| SyncError::Client(format!("sync.ca_file {path} is not PEM: {e}")))?;
    if certs.is_empty() {
        return Err(SyncError::Client(format!(
            "sync.ca_file {path} holds no certificate"
        )));
    }
    Ok(certs)
}

fn classify(e: reqwest::Error) -> SyncError {
    let text = error_chain(&e);
    if let Some(cert) = certificate_error(&e) {
        return SyncError::Certificate(cert);
    }
    // The connector may box the TLS error where no downcast reaches it;
    // rustls's own wording still says what it is.
    if let Some(at) = text.find("invalid peer certificate") {
        return SyncError::Certificate(text[at..].to_owned());
    }
    if e.is_timeout() {
        SyncError::Timeout
    } else if e.is_connect() {
        SyncError::Connect(text)
    } else {
        SyncError::Network(text)
    }
}

/// The rustls certificate error somewhere in `e`'s sources, if any. An
/// `io::Error` hides its inner error from `source()`, so look inside it.
fn certificate_error(e: &(dyn std::error::Error + 'static)) -> Option<String> {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = current {
        if let Some(found) = as_cert_error(err) {
            return Some(found);
        }
        if let Some(inner) = err
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
        {
            if let Some(found) = as_cert_error(inner) {
                return Some(found);
            }
            if let Some(found) = inner.source().and_then(as_cert_error) {
                return Some(found);
            }
        }
        current = err.source();
    }
    None
}

fn as_cert_error(e: &(dyn std::error::Error + 'static)) -> Option<String> {
    match e.downcast_ref::<rustls::Error>()? {
        err @ (rustls::Error::InvalidCertificate(_)
        | rustls::Error::InvalidCertRevocationList(_)
        | rustls::Error::NoCertificatesPresented) => Some(err.to_string()),
        rustls::Error::AlertReceived(alert) => {
            let text = format!("{alert:?}");
            text.contains("Cert")
                .then(|| format!("the centre refused: {text}"))
        }
        _ => None,
    }
}

/// `e` and its sources on one line, for logs.
pub(crate) fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut current = e.source();
    while let Some(err) = current {
        let s = err.to_string();
        if !text.contains(&s) {
            text.push_str(": ");
            text.push_str(&s);
        }
        current = err.source();
    }
    text
}
