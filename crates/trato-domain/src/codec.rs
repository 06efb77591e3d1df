//! The batch on the wire: gzip-compressed JSON, read with caps (protocol
//! `docs/protocol.md`). The kiosk encodes with [`encode_batch`], the centre
//! decodes with [`decode_batch`]; in memory only, no I/O.

use std::io::Read;

use flate2::read::GzDecoder;
use flate2::write::GzEncoder;

use crate::wire::{BatchRequest, MAX_BATCH_DECOMPRESSED_BYTES, MAX_BATCH_RESPONSES};

/// Why a batch body could not be read. Nothing is stored for any of these.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    #[error("the body is not valid gzip: {0}")]
    Gzip(std::io::Error),
    #[error("the body decompresses to more than {MAX_BATCH_DECOMPRESSED_BYTES} bytes")]
    DecompressedTooLarge,
    #[error("the body is not valid JSON: {0}")]
    JsonSyntax(serde_json::Error),
    #[error("the JSON is not a batch: {0}")]
    JsonShape(serde_json::Error),
    #[error("the batch has {0} responses; at most {MAX_BATCH_RESPONSES} are accepted")]
    TooManyResponses(usize),
    #[error("response {0} has a sequence number above 2^63-1")]
    SeqOutOfRange(uuid::Uuid),
}

/// gzip-compressed JSON of a batch, as a kiosk sends it.
pub fn encode_batch(batch: &BatchRequest) -> std::io::Result<Vec<u8>> {
    use std::io::Write as _;
    let json = serde_json::to_vec(batch)?;
    let mut enc = GzEncoder::new(
        Vec::with_capacity(json.len() / 4),
        flate2::Compression::fast(),
    );
    enc.write_all(&json)?;
    enc.finish()
}

/// Reads a gzip body, never inflating more than the cap (gzip bombs).
pub fn decode_batch(gz: &[u8]) -> Result<BatchRequest, DecodeError> {
    let cap = MAX_BATCH_DECOMPRESSED_BYTES as u64;
    let mut json = Vec::new();
    GzDecoder::new(gz)
        .take(cap + 1)
        .read_to_end(&mut json)
        .map_err(DecodeError::Gzip)?;
    if json.len() as u64 > cap {
        return Err(DecodeError::DecompressedTooLarge);
    }
    let batch: BatchRequest = serde_json::from_slice(&json).map_err(|e| match e.classify() {
        serde_json::error::Category::Data => DecodeError::JsonShape(e),
        _ => DecodeError::JsonSyntax(e),
    })?;
    if batch.responses.len() > MAX_BATCH_RESPONSES {
        return Err(DecodeError::TooManyResponses(batch.responses.len()));
    }
    if let Some(w) = batch
        .responses
        .iter()
        .find(|w| i64::try_from(w.seq).is_err())
    {
        return Err(DecodeError::SeqOutOfRange(w.response.id));
    }
    Ok(batch)
}
