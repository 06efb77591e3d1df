//! The privacy notice's QR code, drawn offline: the URL of the full notice
//! (`privacy.url`) as an SVG path the patient screen draws without markup
//! strings (its CSP forbids them).

use qrcode::{Color, EcLevel, QrCode};
use serde::Serialize;

/// A QR code as one SVG path: each dark module is a 1x1 square, on a
/// `size` x `size` grid that includes the 4-module quiet zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QrSvg {
    pub size: u32,
    pub path: String,
}

/// Modules of white border the QR standard asks for around the code.
const QUIET: usize = 4;

/// The QR code for `text`, or `None` when it is empty or too long to encode.
pub fn qr_svg(text: &str) -> Option<QrSvg> {
    if text.is_empty() {
        return None;
    }
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M).ok()?;
    let width = code.width();
    let mut path = String::new();
    for (i, color) in code.to_colors().into_iter().enumerate() {
        if color == Color::Dark {
            let (x, y) = (i % width + QUIET, i / width + QUIET);
            path.push_str(&format!("M{x} {y}h1v1h-1z"));
        }
    }
    Some(QrSvg {
        size: (width + 2 * QUIET) as u32,
        path,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_url_becomes_a_square_path_with_a_quiet_zone() {
        let qr = qr_svg("https://www.imss.gob.mx/privacidad").unwrap();
        // Version 3 at level M holds this URL: 29 modules plus 2 x 4 of margin.
        assert_eq!(qr.size, 29 + 8);
        assert!(qr.path.starts_with("M4 4h1v1h-1z"), "finder pattern corner");
        assert!(qr.path.matches('M').count() > 200);
    }

    #[test]
    fn nothing_to_encode_draws_nothing() {
        assert_eq!(qr_svg(""), None);
        assert_eq!(qr_svg(&"x".repeat(5000)), None);
    }
}
