//! The kiosk <-> centre protocol (`docs/protocol.md`): JSON bodies, gzip on the wire.
//!
//! Both sides compile against these types, so a field renamed here is renamed
//! for both; a field added must be optional (`#[serde(default)]`) so kiosks of
//! an older version keep working.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::response::Response;
use crate::survey::SurveyDefinition;

pub const BATCHES_PATH: &str = "/api/v1/batches";
pub const ACTIVE_SURVEY_PATH: &str = "/api/v1/surveys/active";
pub const HEALTH_PATH: &str = "/healthz";
/// Header carrying the server's clock on every reply (RFC 3339, UTC).
pub const SERVER_TIME_HEADER: &str = "x-trato-server-time";
/// A kiosk clock further than this from the centre's is skewed: the centre
/// flags the responses it stores, the kiosk's staff screen says so.
pub const CLOCK_SKEW_LIMIT_SECONDS: i64 = 5 * 60;

/// Default number of responses a kiosk puts in one batch.
pub const DEFAULT_BATCH_RESPONSES: usize = 200;
/// Hard cap the centre enforces on the number of responses in one batch.
pub const MAX_BATCH_RESPONSES: usize = 1000;
/// Hard cap on a batch's compressed body.
pub const MAX_BATCH_COMPRESSED_BYTES: usize = 1024 * 1024;
/// Hard cap on a batch's decompressed body (defends against gzip bombs).
pub const MAX_BATCH_DECOMPRESSED_BYTES: usize = 16 * 1024 * 1024;

/// `POST /api/v1/batches`, body gzip-compressed JSON (`Content-Encoding: gzip`),
/// `Authorization: Bearer <kiosk token>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchRequest {
    pub kiosk_id: String,
    pub unit_clues: String,
    /// The kiosk's clock when it sent the batch, for the centre's skew check.
    pub sent_at: DateTime<Utc>,
    pub responses: Vec<WireResponse>,
}

/// A response plus the kiosk's monotonic sequence number (gaps tell the centre
/// a kiosk lost data; repeats are normal retries).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireResponse {
    pub seq: u64,
    #[serde(flatten)]
    pub response: Response,
}

/// The centre's answer to a batch: one result per response, in request order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchReply {
    pub server_time: DateTime<Utc>,
    pub results: Vec<ItemResult>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemResult {
    pub id: Uuid,
    #[serde(flatten)]
    pub outcome: Outcome,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    /// New: stored now.
    Stored,
    /// Already stored with identical content: accepted again, nothing changed.
    Duplicate,
    /// Refused; the kiosk keeps it, marked with the reason, for staff to see.
    Rejected {
        reason: RejectReason,
        detail: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RejectReason {
    /// Same id already stored with different content.
    Conflict,
    /// The survey id/version is not known to the centre.
    UnknownSurvey,
    /// The answers do not fit the survey.
    InvalidAnswers,
}

/// Body of every non-2xx reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub code: String,
    pub message: String,
    pub server_time: DateTime<Utc>,
}

/// `GET /api/v1/surveys/active?unit=CLUES`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActiveSurveyReply {
    pub server_time: DateTime<Utc>,
    pub survey: Option<SurveyDefinition>,
}
