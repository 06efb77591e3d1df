//! The `audio:` URI scheme: the survey window plays read-aloud files with an
//! HTML audio element, and this serves them, only from the kiosk's audio
//! folder and only to the survey window. Playing in the web view (not in
//! Rust) needs no audio library in the binary: WebKitGTK already plays
//! through GStreamer, which the package depends on. The CSP allows media
//! from this scheme and nothing else (`media-src` in tauri.conf.json).

use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use tauri::http::{header, Request, Response, StatusCode};
use tauri::{Builder, Runtime};

use crate::kiosk_window::MAIN_WINDOW;

/// `audio://localhost/<path>` (Linux), `http://audio.localhost/<path>` (Windows).
pub const AUDIO_SCHEME: &str = "audio";

/// Serves the files under `audio_dir` on the `audio:` scheme.
pub fn register<R: Runtime>(builder: Builder<R>, audio_dir: PathBuf) -> Builder<R> {
    builder.register_asynchronous_uri_scheme_protocol(AUDIO_SCHEME, move |ctx, request, responder| {
        if ctx.webview_label() != MAIN_WINDOW {
            responder.respond(status(StatusCode::FORBIDDEN));
            return;
        }
        let dir = audio_dir.clone();
        // File reads off the web view's thread.
        tauri::async_runtime::spawn_blocking(move || responder.respond(serve(&dir, &request)));
    })
}

fn status(code: StatusCode) -> Response<Vec<u8>> {
    let mut response = Response::new(Vec::new());
    *response.status_mut() = code;
    response
}

fn serve(audio_dir: &Path, request: &Request<Vec<u8>>) -> Response<Vec<u8>> {
    if request.method() != tauri::http::Method::GET {
        return status(StatusCode::METHOD_NOT_ALLOWED);
    }
    let raw = request.uri().path();
    let path = percent_encoding::percent_decode_str(raw).decode_utf8_lossy();
    let Some(file) = trato_kiosk_core::read_aloud::resolve(audio_dir, &path) else {
        tracing::warn!(path = %path, "audio request outside the audio folder or missing");
        return status(StatusCode::NOT_FOUND);
    };
    let range = request
        .headers()
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    match read(&file, range.as_deref()) {
        Ok(response) => response,
        Err(error) => {
            tracing::error!(%error, file = %file.display(), "cannot read an audio file");
            status(StatusCode::INTERNAL_SERVER_ERROR)
        }
    }
}

/// The whole file, or the one byte range asked for (media players seek).
fn read(file: &Path, range: Option<&str>) -> std::io::Result<Response<Vec<u8>>> {
    let mut f = std::fs::File::open(file)?;
    let len = f.metadata()?.len();
    let mime = match file.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase) {
        Some(e) if e == "mp3" => "audio/mpeg",
        Some(e) if e == "ogg" || e == "oga" || e == "opus" => "audio/ogg",
        _ => "audio/wav",
    };
    let builder = Response::builder()
        .header(header::CONTENT_TYPE, mime)
        .header(header::ACCEPT_RANGES, "bytes")
        .header(header::CACHE_CONTROL, "no-cache");
    let Some((start, end)) = range.and_then(|r| parse_range(r, len)) else {
        let mut body = Vec::with_capacity(len as usize);
        f.read_to_end(&mut body)?;
        return Ok(builder
            .header(header::CONTENT_LENGTH, body.len())
            .body(body)
            .unwrap_or_else(|_| status(StatusCode::INTERNAL_SERVER_ERROR)));
    };
    f.seek(SeekFrom::Start(start))?;
    let mut body = vec![0; (end - start + 1) as usize];
    f.read_exact(&mut body)?;
    Ok(builder
        .status(StatusCode::PARTIAL_CONTENT)
        .header(header::CONTENT_RANGE, format!("bytes {start}-{end}/{len}"))
        .header(header::CONTENT_LENGTH, body.len())
        .body(body)
        .unwrap_or_else(|_| status(StatusCode::INTERNAL_SERVER_ERROR)))
}

/// `bytes=START-[END]` or `bytes=-SUFFIX` within a file of `len` bytes, as
/// inclusive offsets; anything else (several ranges, out of bounds) is
/// answered with the whole file.
fn parse_range(value: &str, len: u64) -> Option<(u64, u64)> {
    let spec = value.trim().strip_prefix("bytes=")?;
    if spec.contains(',') || len == 0 {
        return None;
    }
    let (start, end) = spec.split_once('-')?;
    let (start, end) = match (start.trim(), end.trim()) {
        ("", suffix) => {
            let n: u64 = suffix.parse().ok()?;
            (len.saturating_sub(n), len - 1)
        }
        (s, "") => (s.parse().ok()?, len - 1),
        (s, e) => (s.parse().ok()?, e.parse::<u64>().ok()?.min(len - 1)),
    };
    (start <= end && start < len).then_some((start, end))
}

#[cfg(test)]
mod tests {
    use super::parse_range;

    #[test]
    fn ranges() {
        assert_eq!(parse_range("bytes=0-", 100), Some((0, 99)));
        assert_eq!(parse_range("bytes=10-19", 100), Some((10, 19)));
        assert_eq!(parse_range("bytes=90-200", 100), Some((90, 99)));
        assert_eq!(parse_range("bytes=-10", 100), Some((90, 99)));
        assert_eq!(parse_range("bytes=100-", 100), None);
        assert_eq!(parse_range("bytes=5-2", 100), None);
        assert_eq!(parse_range("bytes=0-1,5-6", 100), None);
        assert_eq!(parse_range("items=0-1", 100), None);
    }
}
