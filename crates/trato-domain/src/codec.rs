//! The batch on the wire: gzip-compressed JSON, read with caps (protocol
//! `docs/protocol.md`). The kiosk encodes with [`encode_batch`], the centre
//! decodes with [`decode_batch`]; in memory only, no I/O.

use std::io::Read;

use flate2::read::GzDecoder;
use flate2::write::GzEncoder;

use crate::bounded::over_bound;
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
    #[error("the batch has more than {MAX_BATCH_RESPONSES} responses; send fewer per batch")]
    TooManyResponses,
    #[error("a response has too many answers, or an answer too many codes: {0}")]
    ListTooLong(serde_json::Error),
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

/// Reads a gzip body as it inflates: never more than the cap inflated, and
/// lists (responses, answers, codes) refused at their first element over the
/// bound (`trato_domain::bounded`), so memory stays a small multiple of the
/// compressed body whatever it inflates to.
pub fn decode_batch(gz: &[u8]) -> Result<BatchRequest, DecodeError> {
    let mut capped = Capped {
        inner: GzDecoder::new(gz),
        left: MAX_BATCH_DECOMPRESSED_BYTES as u64,
        over: false,
    };
    let parsed = serde_json::from_reader::<_, BatchRequest>(std::io::BufReader::new(&mut capped));
    let batch = parsed.map_err(|e| {
        if capped.over {
            return DecodeError::DecompressedTooLarge;
        }
        match e.classify() {
            serde_json::error::Category::Io => DecodeError::Gzip(e.into()),
            serde_json::error::Category::Data if over_bound(&e.to_string()) => {
                if e.to_string()
                    .contains(&format!("more than {MAX_BATCH_RESPONSES} "))
                {
                    DecodeError::TooManyResponses
                } else {
                    DecodeError::ListTooLong(e)
                }
            }
            serde_json::error::Category::Data => DecodeError::JsonShape(e),
            _ => DecodeError::JsonSyntax(e),
        }
    })?;
    if let Some(w) = batch
        .responses
        .iter()
        .find(|w| i64::try_from(w.seq).is_err())
    {
        return Err(DecodeError::SeqOutOfRange(w.response.id));
    }
    Ok(batch)
}

/// A reader that fails once more than `left` bytes came through.
struct Capped<R> {
    inner: R,
    left: u64,
    over: bool,
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let room = usize::try_from(self.left.saturating_add(1)).unwrap_or(usize::MAX);
        let take = buf.len().min(room);
        let n = self.inner.read(&mut buf[..take])?;
        if n as u64 > self.left {
            self.over = true;
            return Err(std::io::Error::other("the body inflates past the cap"));
        }
        self.left -= n as u64;
        Ok(n)
    }
}
