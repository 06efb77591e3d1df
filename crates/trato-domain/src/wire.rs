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
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchRequest {
    pub kiosk_id: String,
    pub unit_clues: String,
    /// The kiosk's clock when it sent the batch, for the centre's skew check.
    pub sent_at: DateTime<Utc>,
    #[serde(deserialize_with = "crate::bounded::vec::<_, MAX_BATCH_RESPONSES, _>")]
    pub responses: Vec<WireResponse>,
    /// Responses still pending on the kiosk behind this batch (those after
    /// its last `seq`): the backlog the centre's Kioscos view shows.
    /// Optional: older kiosks do not send it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backlog: Option<u64>,
    /// The survey the kiosk runs now (id and version). Optional, as `backlog`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub survey_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub survey_version: Option<u32>,
}

/// A response plus the kiosk's monotonic sequence number (gaps tell the centre
/// a kiosk lost data; repeats are normal retries).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "FlatWireResponse")]
pub struct WireResponse {
    pub seq: u64,
    #[serde(flatten)]
    pub response: Response,
}

/// How a [`WireResponse`] is read: the same fields as `seq` plus a flattened
/// [`Response`], but parsed in one pass. `#[serde(flatten)]` would first
/// buffer the whole response, answers and all, before any bound is checked.
#[derive(Deserialize)]
struct FlatWireResponse {
    seq: u64,
    id: uuid::Uuid,
    survey_id: String,
    survey_version: u32,
    unit_clues: String,
    unit_name: String,
    service_area: String,
    kiosk_id: String,
    language: crate::Language,
    started_at: DateTime<Utc>,
    finished_at: DateTime<Utc>,
    utc_offset_minutes: i32,
    status: crate::ResponseStatus,
    #[serde(default)]
    flag_reason: Option<crate::FlagReason>,
    #[serde(deserialize_with = "crate::bounded::vec::<_, { crate::response::MAX_ANSWERS }, _>")]
    answers: Vec<crate::Answer>,
}

impl From<FlatWireResponse> for WireResponse {
    fn from(f: FlatWireResponse) -> Self {
        Self {
            seq: f.seq,
            response: Response {
                id: f.id,
                survey_id: f.survey_id,
                survey_version: f.survey_version,
                unit_clues: f.unit_clues,
                unit_name: f.unit_name,
                service_area: f.service_area,
                kiosk_id: f.kiosk_id,
                language: f.language,
                started_at: f.started_at,
                finished_at: f.finished_at,
                utc_offset_minutes: f.utc_offset_minutes,
                status: f.status,
                flag_reason: f.flag_reason,
                answers: f.answers,
            },
        }
    }
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

/// `GET /api/v1/surveys/active?unit=CLUES&format=N&survey=ID&version=V&problem=TEXT`.
/// Every field is optional, so kiosks that send only `unit` (or nothing)
/// keep working: no `format` means the kiosk reads format 1.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActiveSurveyQuery {
    /// The unit whose survey is asked for (the token's unit when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// The newest survey-format version the kiosk reads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<u32>,
    /// The survey the kiosk runs now (id and version).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub survey: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<u32>,
    /// Why the kiosk could not use the survey it was last offered (at most
    /// [`MAX_PROBLEM_CHARS`]); absent when it could.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
}

/// Longest `problem` the centre keeps.
pub const MAX_PROBLEM_CHARS: usize = 500;

/// The reply to `GET /api/v1/surveys/active`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActiveSurveyReply {
    pub server_time: DateTime<Utc>,
    /// The survey document active for the unit, never of a format newer than
    /// the kiosk said it reads. Kept as JSON so that a kiosk reads the
    /// `format` first and reports a document it cannot use instead of
    /// failing the whole reply.
    pub survey: Option<serde_json::Value>,
    /// The survey active for the unit when the kiosk cannot read its format
    /// (then `survey` is null and the kiosk keeps its own).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withheld: Option<WithheldSurvey>,
}

/// A survey the centre did not offer because the kiosk reads an older format.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WithheldSurvey {
    pub id: String,
    pub version: u32,
    pub format: u32,
}

/// The survey-format version a survey document declares (`"format"`);
/// absent means 1, the format before declarations existed.
pub fn document_format(doc: &serde_json::Value) -> u32 {
    doc.get("format")
        .and_then(serde_json::Value::as_u64)
        .map_or(1, |f| u32::try_from(f).unwrap_or(u32::MAX))
}

/// Why an offered survey document cannot be used by a kiosk reading
/// `reads` (format too new, or not a valid survey), else the definition.
/// The reason is in Spanish: the kiosk's staff screen shows it, and the
/// centre's staff read it in the kiosk list.
pub fn read_offered_survey(
    doc: &serde_json::Value,
    reads: u32,
) -> Result<SurveyDefinition, String> {
    let format = document_format(doc);
    if format > reads {
        return Err(format!(
            "la encuesta usa el formato {format} y este quiosco lee hasta el formato {reads}: \
             actualice la aplicación del quiosco"
        ));
    }
    SurveyDefinition::from_json(&doc.to_string()).map_err(|e| e.es())
}
