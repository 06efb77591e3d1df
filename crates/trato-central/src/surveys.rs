//! Survey versions known to the centre, and the answer check on receipt.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use sha2::{Digest, Sha256};
use trato_domain::{Answer, Completeness, Response, ResponseStatus, SurveyDefinition};

use crate::error::StoreError;
use crate::store::Store;
use crate::token::hex;

/// The survey every kiosk starts with; known to the centre from its first run
/// (stored on open) and served as the active survey until one is published.
pub use trato_domain::DEFAULT_SURVEY_JSON;

/// The default survey, parsed. `None` only if the embedded file were invalid,
/// which the unit tests rule out.
pub fn default_survey() -> Option<SurveyDefinition> {
    match SurveyDefinition::from_json(DEFAULT_SURVEY_JSON) {
        Ok(s) => Some(s),
        Err(e) => {
            tracing::error!("the embedded default survey is invalid: {e}");
            None
        }
    }
}

/// Hex SHA-256 of a survey's compact JSON, to tell a republish of the same
/// version from an edited one.
pub fn survey_hash(def: &SurveyDefinition) -> String {
    let json = serde_json::to_string(def).unwrap_or_default();
    hex(&Sha256::digest(json.as_bytes()))
}

/// Published versions are immutable, so once loaded a definition is cached
/// for the life of the process. Misses always go to the store: a version
/// published by the CLI while the server runs is seen at once.
pub struct SurveyCache {
    store: Arc<dyn Store>,
    known: RwLock<HashMap<(String, u32), Arc<SurveyDefinition>>>,
    default: Option<Arc<SurveyDefinition>>,
}

impl SurveyCache {
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self {
            store,
            known: RwLock::new(HashMap::new()),
            default: default_survey().map(Arc::new),
        }
    }

    pub fn default_survey(&self) -> Option<Arc<SurveyDefinition>> {
        self.default.clone()
    }

    pub async fn get(
        &self,
        id: &str,
        version: u32,
    ) -> Result<Option<Arc<SurveyDefinition>>, StoreError> {
        let key = (id.to_owned(), version);
        if let Some(d) = self
            .known
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(&key)
        {
            return Ok(Some(d.clone()));
        }
        let Some(json) = self.store.survey(id, version).await? else {
            return Ok(None);
        };
        // Stored definitions were validated when published; one that no
        // longer parses (an older format) is reported, not trusted.
        let def = match SurveyDefinition::from_json(&json) {
            Ok(d) => Arc::new(d),
            Err(e) => {
                tracing::error!("stored survey {id} v{version} does not load: {e}");
                return Ok(None);
            }
        };
        self.known
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(key, def.clone());
        Ok(Some(def))
    }

    /// The survey kiosks of `unit` should run now: the newest publication for
    /// that unit or for all, else the default survey.
    pub async fn active(&self, unit: &str) -> Result<Option<SurveyDefinition>, StoreError> {
        if let Some(json) = self.store.active_survey(unit).await? {
            match SurveyDefinition::from_json(&json) {
                Ok(d) => return Ok(Some(d)),
                Err(e) => tracing::error!("the published survey for {unit} does not load: {e}"),
            }
        }
        let Some(default) = &self.default else {
            return Ok(None);
        };
        // The stored copy of the default wins over the embedded one: it is
        // what responses were checked against.
        Ok(Some(
            self.get(&default.id, default.version)
                .await?
                .unwrap_or_else(|| default.clone())
                .as_ref()
                .clone(),
        ))
    }
}

/// Checks a response's answers against its survey; returns the normalised
/// answers (comments cleaned and masked) or the reason in words.
/// Abandoned responses may leave required questions out.
pub fn check_response(def: &SurveyDefinition, r: &Response) -> Result<Vec<Answer>, String> {
    let completeness = match r.status {
        ResponseStatus::Abandoned => Completeness::Partial,
        ResponseStatus::Complete | ResponseStatus::Flagged => Completeness::Complete,
    };
    def.check_answers(&r.language, &r.answers, completeness)
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_survey_loads() {
        let d = default_survey().expect("embedded default survey must be valid");
        assert_eq!(d.id, "trato-digno");
        assert_eq!(d.version, 1);
        assert_eq!(survey_hash(&d).len(), 64);
    }
}
