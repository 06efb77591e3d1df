//! Every batch survives the wire: gzip JSON encodes and decodes back to itself,
//! whatever the text (unicode, emoji, very long comments).

use chrono::{DateTime, TimeZone, Utc};
use proptest::prelude::*;
use trato_central::ingest::{decode_batch, encode_batch};
use trato_domain::wire::{BatchRequest, WireResponse};
use trato_domain::{Answer, FlagReason, Response, ResponseStatus};
use uuid::Uuid;

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "\\PC{0,24}",
        4 => "[a-zñáéíóúü 😀🙏🏽👩‍⚕️\u{0301}\"\\\\\n\t]{0,40}",
        1 => any::<String>(),
        // Very long comments, far over what a survey accepts (built by
        // repetition: generating 6,000 random characters is slow).
        1 => ("[a-zñé 😀🙏🏽\n\"]{1,12}", 200..600usize).prop_map(|(s, n)| s.repeat(n)),
    ]
}

fn time() -> impl Strategy<Value = DateTime<Utc>> {
    // Year 1970 to 2200, nanosecond precision.
    (0i64..7_258_118_400, 0u32..1_000_000_000)
        .prop_map(|(s, n)| Utc.timestamp_opt(s, n).single().unwrap_or_default())
}

fn answer() -> impl Strategy<Value = Answer> {
    (
        text(),
        prop::collection::vec(text(), 0..4),
        prop::option::of(text()),
    )
        .prop_map(|(question, codes, text)| Answer {
            question,
            codes,
            text,
        })
}

fn response() -> impl Strategy<Value = Response> {
    (
        any::<u128>(),
        (text(), any::<u32>(), text(), text(), text(), text(), text()),
        (time(), time(), any::<i32>()),
        prop_oneof![
            Just((ResponseStatus::Complete, None)),
            Just((ResponseStatus::Abandoned, None)),
            Just((ResponseStatus::Flagged, Some(FlagReason::TooSoon))),
        ],
        prop::collection::vec(answer(), 0..6),
    )
        .prop_map(
            |(
                id,
                (sid, ver, unit, uname, area, kiosk, lang),
                (st, fin, off),
                (status, flag),
                answers,
            )| {
                Response {
                    id: Uuid::from_u128(id),
                    survey_id: sid,
                    survey_version: ver,
                    unit_clues: unit,
                    unit_name: uname,
                    service_area: area,
                    kiosk_id: kiosk,
                    language: lang,
                    started_at: st,
                    finished_at: fin,
                    utc_offset_minutes: off,
                    status,
                    flag_reason: flag,
                    answers,
                }
            },
        )
}

fn batch() -> impl Strategy<Value = BatchRequest> {
    (
        text(),
        text(),
        time(),
        prop::collection::vec((0u64..i64::MAX as u64, response()), 0..8),
    )
        .prop_map(|(kiosk_id, unit_clues, sent_at, rs)| BatchRequest {
            kiosk_id,
            unit_clues,
            sent_at,
            responses: rs
                .into_iter()
                .map(|(seq, response)| WireResponse { seq, response })
                .collect(),
            ..Default::default()
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn batch_encodes_and_decodes_to_itself(b in batch()) {
        let wire = encode_batch(&b).unwrap();
        let back = decode_batch(&wire).unwrap();
        prop_assert_eq!(back, b);
    }

    #[test]
    fn any_bytes_decode_without_panicking(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        let _ = decode_batch(&bytes);
    }
}
