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

/// Default number of responses a kiosk puts in one batch.
pub const DEFAULT_BATCH_RESPONSES: usize = 200;
/// Hard cap the centre enforces on the number of responses in one batch.
pub const MAX_BATCH_RESPONSES: usize = 1000;
/// Hard cap on a batch's compressed body.
pub const MAX_BATCH_COMPRESSED_BYTES: usize = 1024 * 1024;
/// Hard cap on a batch's decompressed body (defends against gzip bombs).
pub const MAX_BATCH_DECOMPRESSED_BYTES: usize = 16 * 1024 * 1024;

/// The longest unit name or service area a response may carry (characters).
pub const MAX_LABEL_CHARS: usize = 200;
/// The longest survey id, kiosk id or language tag a response may carry.
pub const MAX_ID_CHARS: usize = 64;

/// The first text field of a response longer than the protocol allows, as
/// `(field, limit)`; such a response is rejected at receipt.
pub fn overlong_field(r: &crate::Response) -> Option<(&'static str, usize)> {
    [
        ("unit_name", r.unit_name.as_str(), MAX_LABEL_CHARS),
        ("service_area", r.service_area.as_str(), MAX_LABEL_CHARS),
        ("survey_id", r.survey_id.as_str(), MAX_ID_CHARS),
        ("kiosk_id", r.kiosk_id.as_str(), MAX_ID_CHARS),
        ("language", r.language.as_str(), MAX_ID_CHARS),
    ]
    .into_iter()
    .find(|(_, v, max)| v.chars().nth(*max).is_some())
    .map(|(f, _, max)| (f, max))
}

/// Real UTC offsets lie within -14 h..+14 h.
pub const MAX_UTC_OFFSET_MINUTES: i32 = 14 * 60;

/// Whether a response's clock is one a real kiosk could have: times within
/// the years 2000..2100 and an offset within ±14 h. A response with another
/// clock is still stored (never rejected for its clock alone), filed under
/// the centre's receive time and flagged (`docs/protocol.md`).
pub fn plausible_clock(r: &crate::Response) -> bool {
    use chrono::Datelike as _;
    let year_ok = |t: chrono::DateTime<chrono::Utc>| (2000..2100).contains(&t.year());
    year_ok(r.started_at)
        && year_ok(r.finished_at)
        && (-MAX_UTC_OFFSET_MINUTES..=MAX_UTC_OFFSET_MINUTES).contains(&r.utc_offset_minutes)
}

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
