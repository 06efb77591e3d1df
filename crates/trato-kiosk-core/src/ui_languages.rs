//! The languages the patient screens speak, read from the UI's own files
//! (`ui/lang/<code>.js`, embedded at build time by `build.rs`): each gives
//! the language's own name and its words; Spanish is complete and the
//! fallback for any word another file lacks. `survey validate` and `survey
//! install` warn when a survey language would show Spanish words.
//!
//! A file is an ES module whose default export is plain JSON
//! (`export default { "name": "Español", ... };`), with `//` comment lines
//! before it; the tests below hold every file to that shape.

use std::collections::BTreeMap;

use trato_domain::SurveyDefinition;

include!(concat!(env!("OUT_DIR"), "/ui_lang_files.rs"));

/// The language every other falls back to, word by word.
pub const FALLBACK: &str = "es";

/// One language file of the UI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UiLanguage {
    pub code: String,
    /// The language's own name (endonym), shown on the language switch.
    pub name: String,
    /// Word key to text.
    pub words: BTreeMap<String, String>,
}

#[derive(Debug, thiserror::Error)]
#[error("ui/lang/{code}.js: {message}")]
pub struct LanguageFileError {
    pub code: String,
    pub message: String,
}

/// Reads one file's JSON object (after `export default`, before the `;`).
fn parse(code: &str, text: &str) -> Result<UiLanguage, LanguageFileError> {
    let error = |message: String| LanguageFileError {
        code: code.to_owned(),
        message,
    };
    let body: String = text
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    let json = body
        .trim()
        .strip_prefix("export default")
        .and_then(|b| b.trim().strip_suffix(';'))
        .ok_or_else(|| error("not `export default { ... };`".into()))?;
    let mut words: BTreeMap<String, String> =
        serde_json::from_str(json).map_err(|e| error(format!("not plain JSON: {e}")))?;
    let name = words
        .remove("name")
        .filter(|n| !n.trim().is_empty())
        .ok_or_else(|| error("no `name` (the language's own name)".into()))?;
    Ok(UiLanguage {
        code: code.to_owned(),
        name,
        words,
    })
}

/// Every UI language file, by code. A file that does not parse is left out
/// (the tests make that a build defect).
pub fn languages() -> BTreeMap<String, UiLanguage> {
    FILES
        .iter()
        .filter_map(|(code, text)| match parse(code, text) {
            Ok(l) => Some((l.code.clone(), l)),
            Err(error) => {
                tracing::error!(%error, "a UI language file does not load");
                None
            }
        })
        .collect()
}

/// A survey language the UI cannot fully speak: its words fall back to Spanish.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LanguageGap {
    pub language: String,
    /// Words the UI has in Spanish but not in this language.
    pub missing: usize,
    /// Every word the UI has (Spanish's).
    pub total: usize,
    /// Whether the UI has a file for it at all (its own name on the switch).
    pub has_file: bool,
}

impl LanguageGap {
    /// The warning, in Spanish, for IT.
    pub fn in_words(&self) -> String {
        if !self.has_file {
            format!(
                "aviso: la pantalla no tiene palabras en «{}» (no hay ui/lang/{}.js): botones y avisos se verán en español y el selector de idioma mostrará el código «{}»",
                self.language, self.language, self.language
            )
        } else {
            format!(
                "aviso: la pantalla tiene {} de {} palabras en «{}»; las demás (botones, avisos) se verán en español",
                self.total - self.missing,
                self.total,
                self.language
            )
        }
    }
}

/// The survey's languages whose UI words are missing or incomplete. A
/// regional code (`es-MX`) uses its base language's file (`es`), as the UI does.
pub fn gaps(survey: &SurveyDefinition) -> Vec<LanguageGap> {
    let all = languages();
    let Some(spanish) = all.get(FALLBACK) else {
        return Vec::new();
    };
    let total = spanish.words.len();
    survey
        .languages
        .iter()
        .filter_map(|language| {
            let base = language.split('-').next().unwrap_or(language);
            let file = all.get(language.as_str()).or_else(|| all.get(base));
            let missing = match file {
                Some(f) => spanish
                    .words
                    .keys()
                    .filter(|k| !f.words.contains_key(*k))
                    .count(),
                None => total,
            };
            (missing > 0).then(|| LanguageGap {
                language: language.clone(),
                missing,
                total,
                has_file: file.is_some(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_parses_and_uses_only_spanish_words() {
        assert!(FILES.len() >= 2, "ui/lang/ has es.js and en.js at least");
        let all = languages();
        assert_eq!(all.len(), FILES.len(), "every file parses");
        for (code, _) in FILES {
            parse(code, FILES.iter().find(|(c, _)| c == code).unwrap().1)
                .unwrap_or_else(|e| panic!("{e}"));
            assert!(
                trato_domain::is_valid_language(code),
                "ui/lang/{code}.js: the file name is a survey language code"
            );
        }
        let spanish = &all[FALLBACK];
        assert!(spanish.words.len() > 40);
        for l in all.values() {
            let extra: Vec<&String> = l
                .words
                .keys()
                .filter(|k| !spanish.words.contains_key(*k))
                .collect();
            assert!(
                extra.is_empty(),
                "{}: words Spanish lacks: {extra:?}",
                l.code
            );
        }
        assert_eq!(all["es"].name, "Español");
        assert_eq!(all["en"].name, "English");
        assert!(
            all["en"].words.len() == spanish.words.len(),
            "English is complete"
        );
    }

    #[test]
    fn a_file_not_in_the_shape_is_refused() {
        assert!(parse("xx", "export default { name: 'x' };").is_err());
        assert!(parse("xx", "export default {\"htmlLang\": \"xx\"};").is_err());
        assert!(parse("xx", "const a = {};").is_err());
        let ok = parse(
            "xx",
            "// comment\nexport default {\n  \"name\": \"Xx\"\n};\n",
        )
        .unwrap();
        assert_eq!((ok.name.as_str(), ok.words.len()), ("Xx", 0));
    }

    fn survey(languages: &[&str]) -> SurveyDefinition {
        let mut v: serde_json::Value =
            serde_json::from_str(trato_domain::DEFAULT_SURVEY_JSON).unwrap();
        v["languages"] = serde_json::json!(languages);
        let mut text = v.to_string();
        // Every text in every language: copy the Spanish ones.
        for l in languages.iter().filter(|l| !["es", "en"].contains(l)) {
            text = text.replace("\"es\":", &format!("\"{l}\":\"x\",\"es\":"));
        }
        let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
        strip_en(&mut v, languages.contains(&"en"));
        SurveyDefinition::from_json(&v.to_string()).unwrap_or_else(|e| panic!("{e}"))
    }

    fn strip_en(v: &mut serde_json::Value, keep: bool) {
        match v {
            serde_json::Value::Object(o) => {
                if !keep && o.contains_key("es") {
                    o.remove("en");
                }
                o.values_mut().for_each(|c| strip_en(c, keep));
            }
            serde_json::Value::Array(a) => a.iter_mut().for_each(|c| strip_en(c, keep)),
            _ => {}
        }
    }

    #[test]
    fn a_survey_language_without_ui_words_is_a_gap() {
        assert_eq!(gaps(&survey(&["es", "en"])), []);
        let total = languages()["es"].words.len();
        let g = gaps(&survey(&["es", "en", "nah", "zap"]));
        let nah = g.iter().find(|g| g.language == "nah").expect("nah");
        assert!(nah.has_file, "nah.js names the language");
        assert_eq!(nah.total, total);
        assert_eq!(nah.missing, total - languages()["nah"].words.len(), "{g:?}");
        let zap = g.iter().find(|g| g.language == "zap").expect("zap");
        assert!(!zap.has_file);
        assert_eq!(zap.missing, total);
        assert!(
            zap.in_words().contains("ui/lang/zap.js"),
            "{}",
            zap.in_words()
        );
        assert!(nah.in_words().contains("«nah»"), "{}", nah.in_words());
        assert_eq!(g.len(), 2);
    }
}
