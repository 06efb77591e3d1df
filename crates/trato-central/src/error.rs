//! Error types: storage, administration, and the HTTP error reply.

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use trato_domain::wire::{ErrorBody, SERVER_TIME_HEADER};

use trato_domain::clues::CluesError;

/// A storage backend failed. Never caused by a kiosk's input: those are
/// answered before anything reaches the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("SQLite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("PostgreSQL: {0}")]
    Postgres(#[from] tokio_postgres::Error),
    #[error("PostgreSQL connection pool: {0}")]
    Pool(#[from] deadpool_postgres::PoolError),
    #[error("PostgreSQL connection pool setup: {0}")]
    PoolBuild(#[from] deadpool_postgres::BuildError),
    #[error("the database schema is version {found}, newer than this program knows ({known}); upgrade trato-central")]
    SchemaTooNew { found: i64, known: i64 },
    #[error("the database holds a value this program cannot read: {0}")]
    Corrupt(String),
    #[error("a database task stopped unexpectedly: {0}")]
    Task(#[from] tokio::task::JoinError),
    /// The SQLite writer thread failed a whole group, or is gone.
    #[error("{0}")]
    Writer(String),
    #[error("cannot open the database `{0}`: {1}")]
    Open(String, String),
}

/// An administrative command (CLI or test) failed.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error(transparent)]
    Clues(#[from] CluesError),
    #[error("the kiosk name must be 1 to 200 characters")]
    BadName,
    #[error("a kiosk id is 1 to 64 characters without spaces (the id `trato-kiosk status` shows)")]
    BadKioskId,
    #[error("no kiosk has the id `{0}`")]
    NoSuchKiosk(String),
    #[error(transparent)]
    Survey(#[from] trato_domain::SurveyError),
    #[error("survey `{id}` version {version} is already stored with different content; a published version is never edited, publish it as a new version")]
    SurveyVersionChanged { id: String, version: u32 },
    #[error("cannot draw random bytes for a token: {0}")]
    Random(String),
    #[error("`{0}` is not a scope: use national, ooad:NAME, umae:NAME or unit:CLUES")]
    BadScope(String),
    #[error("no unit in the catalogue belongs to {kind} `{name}`: load the catalogue (`catalogue load`) or check the name (`catalogue list`)")]
    UnknownParent { kind: &'static str, name: String },
    #[error("no publication in force has the id {0} (`survey list` shows them)")]
    NoSuchPublication(i64),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The machine-readable cause in every [`ErrorBody`] (`docs/protocol.md`
/// lists what each means for a kiosk).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    Unauthorized,
    Forbidden,
    BadRequest,
    BadGzip,
    BadJson,
    BodyUnreadable,
    InvalidBatch,
    TooLarge,
    DecompressedTooLarge,
    TooManyResponses,
    GzipRequired,
    UnsupportedMediaType,
    BadClues,
    BadQuery,
    RateLimited,
    Timeout,
    NotFound,
    MethodNotAllowed,
    Internal,
    DatabaseUnavailable,
    Error,
}

impl ErrorCode {
    pub const ALL: &'static [ErrorCode] = &[
        Self::Unauthorized,
        Self::Forbidden,
        Self::BadRequest,
        Self::BadGzip,
        Self::BadJson,
        Self::BodyUnreadable,
        Self::InvalidBatch,
        Self::TooLarge,
        Self::DecompressedTooLarge,
        Self::TooManyResponses,
        Self::GzipRequired,
        Self::UnsupportedMediaType,
        Self::BadClues,
        Self::BadQuery,
        Self::RateLimited,
        Self::Timeout,
        Self::NotFound,
        Self::MethodNotAllowed,
        Self::Internal,
        Self::DatabaseUnavailable,
        Self::Error,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unauthorized => "unauthorized",
            Self::Forbidden => "forbidden",
            Self::BadRequest => "bad_request",
            Self::BadGzip => "bad_gzip",
            Self::BadJson => "bad_json",
            Self::BodyUnreadable => "body_unreadable",
            Self::InvalidBatch => "invalid_batch",
            Self::TooLarge => "too_large",
            Self::DecompressedTooLarge => "decompressed_too_large",
            Self::TooManyResponses => "too_many_responses",
            Self::GzipRequired => "gzip_required",
            Self::UnsupportedMediaType => "unsupported_media_type",
            Self::BadClues => "bad_clues",
            Self::BadQuery => "bad_query",
            Self::RateLimited => "rate_limited",
            Self::Timeout => "timeout",
            Self::NotFound => "not_found",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::Internal => "internal",
            Self::DatabaseUnavailable => "database_unavailable",
            Self::Error => "error",
        }
    }
}

/// A non-2xx reply: status plus an [`ErrorBody`] with a machine-readable code.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: ErrorCode,
    pub message: String,
    /// Seconds before retrying (429 only).
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            retry_after: None,
        }
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized, message)
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, ErrorCode::Forbidden, message)
    }

    pub fn internal(err: &dyn std::fmt::Display) -> Self {
        // The detail goes to the log, not to the client.
        tracing::error!("internal error: {err}");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::Internal,
            "the centre could not process the request; retry later",
        )
    }

    /// Maps a status produced outside the handlers (timeouts, limits, routing)
    /// to a code, so every error reply has the same shape.
    pub fn from_status(status: StatusCode) -> Self {
        let (code, message) = match status {
            StatusCode::NOT_FOUND => (ErrorCode::NotFound, "no such endpoint"),
            StatusCode::METHOD_NOT_ALLOWED => {
                (ErrorCode::MethodNotAllowed, "method not allowed here")
            }
            StatusCode::PAYLOAD_TOO_LARGE => (ErrorCode::TooLarge, "the request body is too large"),
            StatusCode::REQUEST_TIMEOUT => (ErrorCode::Timeout, "the request took too long"),
            StatusCode::BAD_REQUEST => (ErrorCode::BadRequest, "the request is malformed"),
            StatusCode::UNSUPPORTED_MEDIA_TYPE => {
                (ErrorCode::UnsupportedMediaType, "unsupported media type")
            }
            StatusCode::TOO_MANY_REQUESTS => (ErrorCode::RateLimited, "too many requests"),
            s if s.is_server_error() => (
                ErrorCode::Internal,
                "the centre could not process the request",
            ),
            _ => (ErrorCode::Error, "the request failed"),
        };
        Self::new(status, code, message)
    }

    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            code: self.code.as_str().to_owned(),
            message: self.message.clone(),
            server_time: Utc::now(),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        Self::internal(&e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut resp = (self.status, axum::Json(self.body())).into_response();
        if let Some(secs) = self.retry_after {
            resp.headers_mut()
                .insert(axum::http::header::RETRY_AFTER, HeaderValue::from(secs));
        }
        // The server-time middleware also sets it; set here too so an error
        // built outside the router carries it.
        if let Ok(v) = HeaderValue::from_str(&crate::api::now_rfc3339()) {
            resp.headers_mut().insert(SERVER_TIME_HEADER, v);
        }
        resp
    }
}
