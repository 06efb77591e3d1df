//! Which espeak-ng voice reads which survey language: the one place that
//! decides it. A language not listed here has no voice (espeak-ng has none
//! for Maya, Tzeltal, Náhuatl...): only recordings can read it.

/// The espeak-ng voice for a survey language code, or `None`.
pub fn voice_for(language: &str) -> Option<&'static str> {
    // Survey codes are `es`, `es-MX`, ISO 639-3 `spa`...: compare the base,
    // lower-cased, so `es-MX` and `es` read alike.
    let base = language.split('-').next().unwrap_or(language);
    match base.to_ascii_lowercase().as_str() {
        // Latin American Spanish, the closest espeak-ng has to Mexico's.
        "es" | "spa" => Some("es-419"),
        "en" | "eng" => Some("en-us"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::voice_for;

    #[test]
    fn spanish_and_english_have_voices_others_none() {
        assert_eq!(voice_for("es"), Some("es-419"));
        assert_eq!(voice_for("es-MX"), Some("es-419"));
        assert_eq!(voice_for("en"), Some("en-us"));
        assert_eq!(voice_for("en-US"), Some("en-us"));
        for none in ["yua", "tzh", "nah", "fr", "", "-"] {
            assert_eq!(voice_for(none), None, "{none}");
        }
    }
}
