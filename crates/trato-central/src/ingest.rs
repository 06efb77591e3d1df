//! A batch from bytes on the wire to outcomes: decode (gzip, capped), check,
//! hash, then one store transaction.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
pub use trato_domain::codec::{decode_batch, encode_batch, DecodeError};
use trato_domain::wire::{
    overlong_field, plausible_clock, BatchReply, BatchRequest, ItemResult, Outcome, RejectReason,
    WireResponse, MAX_ID_CHARS, MAX_UTC_OFFSET_MINUTES,
};
use trato_domain::{Response, SurveyDefinition};

use crate::error::StoreError;
use crate::store::{BatchMeta, InsertOutcome, KioskAuth, KioskBatchReport, PreparedResponse};
use crate::surveys::check_response;
use crate::token::hex;
use crate::AppState;

/// The identity of a response's content: hex SHA-256 of its JSON as serde
/// writes it (field order fixed by the type, so independent of how the kiosk
/// spaced or ordered its JSON). `seq` is left out: it describes the sending.
pub fn content_hash(r: &Response) -> (String, String) {
    let json = serde_json::to_string(r).unwrap_or_default();
    let hash = hex(&Sha256::digest(json.as_bytes()));
    (json, hash)
}

/// Why a batch is refused as a whole for who sent it (403).
pub fn check_sender(auth: &KioskAuth, batch: &BatchRequest) -> Result<(), String> {
    if batch.unit_clues != auth.unit_clues {
        return Err(format!(
            "this kiosk's token is for unit {}, not {}",
            auth.unit_clues, batch.unit_clues
        ));
    }
    if batch.kiosk_id != auth.kiosk_id {
        return Err("the batch names another kiosk than this token's".to_owned());
    }
    for w in &batch.responses {
        let r = &w.response;
        if r.unit_clues != auth.unit_clues {
            return Err(format!(
                "response {} is for unit {}; this kiosk's token is for unit {}",
                r.id, r.unit_clues, auth.unit_clues
            ));
        }
        if r.kiosk_id != auth.kiosk_id {
            return Err(format!(
                "response {} names another kiosk than this token's",
                r.id
            ));
        }
    }
    Ok(())
}

/// Per response: `Ok(index into the prepared list)` or its rejection.
type Slots = Vec<(uuid::Uuid, Result<usize, Outcome>)>;

/// The offset a response with an impossible one is filed under: the
/// centre's own (Mexico's central time, UTC-6, as the dashboard's "today").
const CENTRE_UTC_OFFSET_MINUTES: i32 = -6 * 60;

/// A response whose clock no real kiosk could have is filed under the time
/// the centre received it (its offset kept when that one is real); returns
/// the raw clock as JSON, to be stored beside it. Never rejects.
pub fn file_clock(r: &mut Response, received_at: DateTime<Utc>) -> Option<String> {
    if plausible_clock(r) {
        return None;
    }
    let raw = serde_json::json!({
        "started_at": r.started_at,
        "finished_at": r.finished_at,
        "utc_offset_minutes": r.utc_offset_minutes,
    })
    .to_string();
    r.started_at = received_at;
    r.finished_at = received_at;
    if !(-MAX_UTC_OFFSET_MINUTES..=MAX_UTC_OFFSET_MINUTES).contains(&r.utc_offset_minutes) {
        r.utc_offset_minutes = CENTRE_UTC_OFFSET_MINUTES;
    }
    Some(raw)
}

fn prepare(
    responses: Vec<WireResponse>,
    defs: &HashMap<(String, u32), Option<Arc<SurveyDefinition>>>,
    received_at: DateTime<Utc>,
) -> (Slots, Vec<PreparedResponse>) {
    let mut slots = Vec::with_capacity(responses.len());
    let mut prepared = Vec::with_capacity(responses.len());
    for w in responses {
        let id = w.response.id;
        let key = (w.response.survey_id.clone(), w.response.survey_version);
        let Some(Some(def)) = defs.get(&key) else {
            slots.push((
                id,
                Err(Outcome::Rejected {
                    reason: RejectReason::UnknownSurvey,
                    detail: format!(
                        "survey `{}` version {} is not known to the centre",
                        key.0, key.1
                    ),
                }),
            ));
            continue;
        };
        let checked = match overlong_field(&w.response) {
            Some((field, max)) => Err(format!("{field} is longer than {max} characters")),
            None => check_response(def, &w.response),
        };
        match checked {
            Err(detail) => slots.push((
                id,
                Err(Outcome::Rejected {
                    reason: RejectReason::InvalidAnswers,
                    detail,
                }),
            )),
            Ok(normalised) => {
                // The hash covers what the kiosk sent (so a retry matches);
                // what is kept is normalised (comments masked at the centre
                // too, whatever the kiosk's version did).
                // The kept JSON carries the clock it is filed under, so
                // whatever reads it back (`rollup rebuild`) files it the same.
                let (sent_json, hash) = content_hash(&w.response);
                let mut response = w.response;
                let clock_raw = file_clock(&mut response, received_at);
                let json = if normalised == response.answers && clock_raw.is_none() {
                    sent_json
                } else {
                    response.answers = normalised;
                    content_hash(&response).0
                };
                slots.push((id, Ok(prepared.len())));
                prepared.push(PreparedResponse {
                    seq: i64::try_from(w.seq).unwrap_or(i64::MAX),
                    response,
                    canonical_json: json,
                    content_hash: hash,
                    survey: def.clone(),
                    clock_raw,
                });
            }
        }
    }
    (slots, prepared)
}

/// What a batch says about its kiosk: the optional `backlog` and survey
/// fields (bounded), and the UTC offset of its last response with a
/// plausible clock.
pub fn kiosk_report(batch: &BatchRequest) -> KioskBatchReport {
    let survey = batch
        .survey_id
        .as_ref()
        .zip(batch.survey_version)
        .filter(|(id, _)| !id.is_empty() && id.chars().nth(MAX_ID_CHARS).is_none())
        .map(|(id, v)| (id.clone(), v));
    KioskBatchReport {
        backlog: batch.backlog.map(|n| i64::try_from(n).unwrap_or(i64::MAX)),
        survey,
        utc_offset_minutes: batch
            .responses
            .iter()
            .rev()
            .map(|w| &w.response)
            .find(|r| plausible_clock(r))
            .map(|r| r.utc_offset_minutes),
    }
}

/// Checks every response, then stores the acceptable ones in one transaction.
pub async fn apply(
    state: &AppState,
    auth: &KioskAuth,
    batch: BatchRequest,
    received_at: DateTime<Utc>,
) -> Result<BatchReply, StoreError> {
    let offset = received_at.signed_duration_since(batch.sent_at);
    // A kiosk clock set to year 1970 or 3000 must not overflow anything.
    let clock_offset_ms = offset.num_milliseconds();
    let clock_skewed = offset.abs() > state.config.skew_threshold;
    if clock_skewed {
        tracing::warn!(
            kiosk = %auth.kiosk_id,
            unit = %auth.unit_clues,
            clock_offset_ms,
            "kiosk clock differs from the centre's by more than the threshold"
        );
    }
    let meta = BatchMeta {
        kiosk_id: auth.kiosk_id.clone(),
        unit_clues: auth.unit_clues.clone(),
        sent_at: batch.sent_at,
        received_at,
        clock_offset_ms,
        clock_skewed,
        report: kiosk_report(&batch),
    };

    // Surveys first (async, usually one per batch), then the CPU work of
    // checking and hashing on the blocking pool, off the async workers.
    let mut defs: HashMap<(String, u32), Option<Arc<SurveyDefinition>>> = HashMap::new();
    for w in &batch.responses {
        let key = (w.response.survey_id.clone(), w.response.survey_version);
        if let std::collections::hash_map::Entry::Vacant(slot) = defs.entry(key) {
            let (id, version) = slot.key();
            let def = state.surveys.get(id, *version).await?;
            slot.insert(def);
        }
    }
    let (slots, prepared) =
        tokio::task::spawn_blocking(move || prepare(batch.responses, &defs, received_at)).await?;

    let expected = prepared.len();
    let outcomes = if prepared.is_empty() {
        Vec::new()
    } else {
        state.store.apply_batch(meta, prepared).await?
    };
    if outcomes.contains(&InsertOutcome::Stored) {
        // New responses may have raised alerts: the mail task looks.
        state.mail_wake.notify_one();
    }
    if outcomes.len() != expected {
        return Err(StoreError::Corrupt(format!(
            "the store answered {} outcomes for {expected} responses",
            outcomes.len()
        )));
    }

    let results = slots
        .into_iter()
        .map(|(id, slot)| ItemResult {
            id,
            outcome: match slot {
                Err(o) => o,
                Ok(i) => match outcomes.get(i) {
                    Some(InsertOutcome::Stored) => Outcome::Stored,
                    Some(InsertOutcome::Duplicate) => Outcome::Duplicate,
                    Some(InsertOutcome::Conflict) | None => Outcome::Rejected {
                        reason: RejectReason::Conflict,
                        detail: "a response with this id is already stored with different content"
                            .to_owned(),
                    },
                },
            },
        })
        .collect();
    Ok(BatchReply {
        server_time: Utc::now(),
        results,
    })
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use trato_domain::wire::MAX_BATCH_RESPONSES;
    use trato_domain::{Answer, ResponseStatus};

    use super::*;

    fn fixed() -> Response {
        Response {
            id: uuid::Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0001),
            survey_id: "trato-digno".into(),
            survey_version: 1,
            unit_clues: "DFIMS000020".into(),
            unit_name: "HGZ 1".into(),
            service_area: "urgencias".into(),
            kiosk_id: "k1".into(),
            language: "es".into(),
            started_at: Utc.with_ymd_and_hms(2026, 3, 2, 16, 58, 1).unwrap(),
            finished_at: Utc.with_ymd_and_hms(2026, 3, 2, 16, 58, 44).unwrap(),
            utc_offset_minutes: -360,
            status: ResponseStatus::Complete,
            flag_reason: None,
            answers: vec![
                Answer {
                    question: "trato".into(),
                    codes: vec!["5".into()],
                    text: None,
                },
                Answer {
                    question: "comentario".into(),
                    codes: vec![],
                    text: Some("Muy amables 🙏".into()),
                },
            ],
        }
    }

    /// Stored hashes are compared with hashes of future retries, possibly by
    /// a newer centre: if this test breaks, a change to the wire types (a new
    /// field serialized even when empty, a rename, another field order) would
    /// turn every retry of an old response into a false conflict. New fields
    /// must be `#[serde(default, skip_serializing_if = ...)]`.
    #[test]
    fn content_hash_is_stable_across_versions() {
        let (json, hash) = content_hash(&fixed());
        assert_eq!(
            json,
            r#"{"id":"01900000-0000-7000-8000-000000000001","survey_id":"trato-digno","survey_version":1,"unit_clues":"DFIMS000020","unit_name":"HGZ 1","service_area":"urgencias","kiosk_id":"k1","language":"es","started_at":"2026-03-02T16:58:01Z","finished_at":"2026-03-02T16:58:44Z","utc_offset_minutes":-360,"status":"complete","answers":[{"question":"trato","codes":["5"]},{"question":"comentario","text":"Muy amables 🙏"}]}"#
        );
        assert_eq!(
            hash,
            "c2e63e415c4a964561088c8476bcfb9c5ad9c7dcf5ebd76374575e281ee1c635"
        );
    }

    #[test]
    fn seq_and_whitespace_do_not_change_the_hash() {
        let r = fixed();
        let a = BatchRequest {
            kiosk_id: "k1".into(),
            unit_clues: "DFIMS000020".into(),
            sent_at: Utc::now(),
            responses: vec![WireResponse {
                seq: 1,
                response: r.clone(),
            }],
            ..Default::default()
        };
        let mut pretty = serde_json::to_value(&a).unwrap();
        pretty["responses"][0]["seq"] = 99.into();
        let text = serde_json::to_string_pretty(&pretty).unwrap();
        let back: BatchRequest = serde_json::from_str(&text).unwrap();
        assert_eq!(
            content_hash(&back.responses[0].response).1,
            content_hash(&r).1
        );
    }

    #[test]
    fn decode_refuses_oversized_and_garbage_input() {
        let big = BatchRequest {
            kiosk_id: "k".into(),
            unit_clues: "DFIMS000020".into(),
            sent_at: Utc::now(),
            responses: (0..MAX_BATCH_RESPONSES + 1)
                .map(|i| WireResponse {
                    seq: i as u64,
                    response: fixed(),
                })
                .collect(),
            ..Default::default()
        };
        let wire = encode_batch(&big).unwrap();
        assert!(matches!(
            decode_batch(&wire),
            Err(DecodeError::TooManyResponses)
        ));
        assert!(matches!(decode_batch(b""), Err(DecodeError::Gzip(_))));
        assert!(matches!(
            decode_batch(b"\x1f\x8b\x08"),
            Err(DecodeError::Gzip(_))
        ));
    }
}
