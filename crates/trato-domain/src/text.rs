//! Free-text hygiene: comments are anonymous by design, so personal data a
//! patient types (NSS, CURP, phone, e-mail) is masked before it is stored.
//!
//! Both functions are total: any input gives an output, none panics, and
//! applying them twice gives the same result as applying them once.

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::{Captures, Regex};

/// Placeholder for an e-mail address.
pub const MASK_EMAIL: &str = "[correo]";
/// Placeholder for a phone number (10 digits, optionally with `+52`).
pub const MASK_PHONE: &str = "[teléfono]";
/// Placeholder for a social-security number (NSS, 11 digits).
pub const MASK_NSS: &str = "[NSS]";
/// Placeholder for a CURP (18 characters).
pub const MASK_CURP: &str = "[CURP]";
/// Placeholder for any other run of 10 or more digits (an unrecognised
/// identifier, two numbers written together, a card number...).
pub const MASK_NUMBER: &str = "[número]";

/// Cleans a typed comment: drops control characters (a tab becomes a space;
/// newlines are kept), turns CRLF and lone CR into LF, drops bidirectional
/// override characters, trims trailing blanks on each line, collapses runs of
/// more than two newlines into two (one blank line) and trims the whole text.
///
/// The result never has more characters than the input.
pub fn clean_comment(input: &str) -> String {
    // 1. Character filter; CR and CRLF become LF.
    let mut filtered = String::with_capacity(input.len());
    let mut chars = input.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                filtered.push('\n');
            }
            '\n' => filtered.push('\n'),
            '\t' => filtered.push(' '),
            c if c.is_control() || is_bidi_control(c) => {}
            c => filtered.push(c),
        }
    }

    // 2. Trailing blanks per line, then at most two newlines in a row.
    let mut out = String::with_capacity(filtered.len());
    let mut pending_newlines = 0usize;
    for (i, line) in filtered.split('\n').enumerate() {
        if i > 0 {
            pending_newlines += 1;
        }
        let line = line.trim_end();
        if line.is_empty() {
            continue;
        }
        for _ in 0..pending_newlines.min(2) {
            out.push('\n');
        }
        pending_newlines = 0;
        out.push_str(line);
    }
    out.trim().to_owned()
}

/// Unicode bidirectional embedding, override and isolate characters: they can
/// make a stored comment display differently from what it contains.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[\w.%+-]+@[\w-]+(?:\.[\w-]+)*\.\w{2,}").expect("valid e-mail regex")
});

static CURP: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[A-Za-z]{4}[0-9]{6}[HMhm][A-Za-z]{5}[A-Za-z0-9][0-9]").expect("valid CURP regex")
});

/// A run of ASCII digits, possibly written with spaces, dashes, dots or
/// parentheses between them and an optional leading `+`.
static DIGITS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\+?\(?[0-9](?:[ ().-]{0,3}[0-9])*").expect("valid digit-run regex")
});

/// Replaces personal data in a comment with placeholders: e-mail addresses
/// ([`MASK_EMAIL`]), CURP ([`MASK_CURP`], case-insensitive), NSS (11 digits,
/// [`MASK_NSS`]), Mexican phone numbers (10 digits, optionally preceded by
/// `+52`/`+52 1`, with spaces, dashes, dots or parentheses, [`MASK_PHONE`]) and,
/// erring on the side of privacy, any other run of 10 or more digits
/// ([`MASK_NUMBER`]). Everything else (accents, ñ, emoji, short numbers such as
/// "2 horas" or a date) is kept as typed.
pub fn mask_personal_data(input: &str) -> String {
    let text = EMAIL.replace_all(input, MASK_EMAIL);
    let text = CURP.replace_all(&text, MASK_CURP);
    let text = DIGITS.replace_all(&text, |caps: &Captures<'_>| {
        let matched = &caps[0];
        classify_digit_run(matched).unwrap_or(matched).to_owned()
    });
    text.into_owned()
}

/// The placeholder for a digit run, or `None` to keep it.
fn classify_digit_run(run: &str) -> Option<&'static str> {
    let digits: String = run.chars().filter(char::is_ascii_digit).collect();
    let n = digits.len();
    if n < 10 {
        return None;
    }
    let international = run.starts_with('+');
    let mexican_prefixed =
        (n == 12 && digits.starts_with("52")) || (n == 13 && digits.starts_with("521"));
    Some(match n {
        10 => MASK_PHONE,
        _ if international || mexican_prefixed => MASK_PHONE,
        11 => MASK_NSS,
        _ => MASK_NUMBER,
    })
}

/// Text a spreadsheet would read as a formula (`=`, `+`, `-`, `@`, or a
/// leading tab or CR that Excel skips before one) gets a leading `'`, so a
/// comment like `=HYPERLINK(...)` stays text (OWASP's CSV-injection advice).
/// Every CSV the kiosk or the centre writes passes its text through this.
pub fn neutralise_formula(s: &str) -> Cow<'_, str> {
    match s.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => Cow::Owned(format!("'{s}")),
        _ => Cow::Borrowed(s),
    }
}

/// At most `max` characters of `s` (whole characters, never a split one).
pub fn truncate_chars(s: &str, max: usize) -> &str {
    match s.char_indices().nth(max) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn clean_drops_controls_keeps_newlines() {
        assert_eq!(clean_comment("  hola\u{0}\u{7} mundo  "), "hola mundo");
        assert_eq!(clean_comment("a\tb"), "a b");
        assert_eq!(clean_comment("uno\r\ndos\rtres"), "uno\ndos\ntres");
        assert_eq!(clean_comment("\u{202E}abc\u{2066}"), "abc");
    }

    #[test]
    fn clean_collapses_newline_runs() {
        assert_eq!(clean_comment("a\n\n\n\n\nb"), "a\n\nb");
        assert_eq!(clean_comment("a\n\nb"), "a\n\nb");
        assert_eq!(clean_comment("a\n  \n \t\n\nb"), "a\n\nb");
        assert_eq!(clean_comment("\n\n\na\n\n\n"), "a");
        assert_eq!(clean_comment("   \n\t\r\n  "), "");
    }

    #[test]
    fn clean_keeps_accents_and_emoji() {
        let s = "Muy bien atendida, la señora Núñez 👍🏽 👨‍👩‍👧 ¡gracias!";
        assert_eq!(clean_comment(s), s);
    }

    #[test]
    fn masks_email() {
        assert_eq!(
            mask_personal_data("escríbanme a juan.pérez+imss@correo.gob.mx por favor"),
            "escríbanme a [correo] por favor"
        );
        assert_eq!(mask_personal_data("ANA_99@Gmail.com."), "[correo].");
    }

    #[test]
    fn masks_phones() {
        for phone in [
            "5512345678",
            "55 1234 5678",
            "55-1234-5678",
            "(55) 1234-5678",
            "+52 55 1234 5678",
            "+525512345678",
            "+52 1 55 1234 5678",
            "52 55 1234 5678",
            "222.123.4567",
        ] {
            assert_eq!(
                mask_personal_data(&format!("llámenme al {phone}, gracias")),
                "llámenme al [teléfono], gracias",
                "{phone}"
            );
        }
    }

    #[test]
    fn masks_nss() {
        assert_eq!(
            mask_personal_data("mi NSS es 12345678901"),
            "mi NSS es [NSS]"
        );
        assert_eq!(mask_personal_data("NSS: 1234-56-7890-1."), "NSS: [NSS].");
        assert_eq!(mask_personal_data("nss12345678901"), "nss[NSS]");
    }

    #[test]
    fn masks_curp_any_case() {
        assert_eq!(
            mask_personal_data("CURP GOMA800101HDFRRN09 ok"),
            "CURP [CURP] ok"
        );
        assert_eq!(
            mask_personal_data("curp: goma800101mdfrrna9"),
            "curp: [CURP]"
        );
    }

    #[test]
    fn masks_other_long_digit_runs() {
        assert_eq!(mask_personal_data("5512345678 5587654321"), "[número]");
        assert_eq!(
            mask_personal_data("tarjeta 4152 3134 5678 9012"),
            "tarjeta [número]"
        );
    }

    #[test]
    fn keeps_ordinary_numbers_and_text() {
        for s in [
            "Esperé 2 horas y 30 minutos",
            "El 12/05/2025 a las 10:30, consultorio 7",
            "Pagué $1,500.00 en la farmacia",
            "Fecha 2025-05-12, cama 104",
            "Año 2025 (más o menos 3 veces)",
            "La enfermera Ñeli fue muy amable 😊 ¡gracias! ¿Cuándo?",
            "Señor Pérez, áéíóú ÁÉÍÓÚ üÜ ñÑ",
        ] {
            assert_eq!(mask_personal_data(s), s);
        }
    }

    #[test]
    fn several_kinds_in_one_comment() {
        assert_eq!(
            mask_personal_data(
                "Soy María (GOMA800101HDFRRN09), NSS 12345678901, tel 55 1234 5678, maria@x.mx 🙏"
            ),
            "Soy María ([CURP]), NSS [NSS], tel [teléfono], [correo] 🙏"
        );
    }

    #[test]
    fn masking_is_idempotent_on_examples() {
        let once = mask_personal_data("a@b.com 5512345678 12345678901 GOMA800101HDFRRN09");
        assert_eq!(mask_personal_data(&once), once);
    }

    proptest! {
        #[test]
        fn clean_never_panics_nor_grows(s in any::<String>()) {
            let out = clean_comment(&s);
            prop_assert!(out.chars().count() <= s.chars().count());
            prop_assert_eq!(clean_comment(&out), out.clone());
            prop_assert!(!out.contains("\n\n\n"));
            prop_assert!(!out.chars().any(|c| c.is_control() && c != '\n'));
        }

        #[test]
        fn mask_never_panics_and_grows_boundedly(s in any::<String>()) {
            let n = s.chars().count();
            let out = mask_personal_data(&s);
            // Only an e-mail of 6-7 characters can grow into `[correo]`
            // (8 characters): at most 2 extra characters per 6 of input.
            prop_assert!(out.chars().count() <= n + n / 3 + 2);
            prop_assert_eq!(mask_personal_data(&out), out.clone());
        }

        #[test]
        fn mask_on_digit_heavy_text(s in "[0-9a-zA-Z@. +()ñé-]{0,80}") {
            let n = s.chars().count();
            let out = mask_personal_data(&s);
            prop_assert!(out.chars().count() <= n + n / 3 + 2);
            prop_assert_eq!(mask_personal_data(&out), out.clone());
        }
    }

    #[test]
    fn formula_starts_are_neutralised() {
        for s in ["=1+1", "+5215550000000", "-2", "@SUM(A1)", "\t=1", "\r=1"] {
            assert_eq!(neutralise_formula(s), format!("'{s}"));
        }
        for s in ["", "Muy bien", "ñandú 🙂", "1", "a=b"] {
            assert_eq!(neutralise_formula(s), s);
        }
    }

    #[test]
    fn truncation_keeps_whole_characters() {
        assert_eq!(truncate_chars("ñandú", 3), "ñan");
        assert_eq!(truncate_chars("ab", 5), "ab");
        assert_eq!(truncate_chars("🙂🙂", 1), "🙂");
    }
}
