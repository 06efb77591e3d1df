//! Survey versions known to the centre, and the answer check on receipt.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use trato_domain::wire::{document_format, WithheldSurvey};
use trato_domain::{Answer, Completeness, Response, ResponseStatus, SurveyDefinition};

use crate::error::StoreError;
use crate::store::{PublicationRecord, Scope, Store};
use crate::token::hex;

/// The survey a new kiosk starts with; known to the centre from its first
/// run (stored on open, with every earlier default version).
pub use trato_domain::DEFAULT_SURVEY_JSON;

/// The default survey a new kiosk starts with, parsed. `None` only if the
/// embedded file were invalid, which the unit tests rule out.
pub fn default_survey() -> Option<SurveyDefinition> {
    default_surveys().pop()
}

/// Every default survey version the kiosks ship (oldest first), parsed: all
/// are stored on open, so a kiosk's responses to any are accepted from the
/// first day. An invalid one (a build defect the unit tests rule out) is
/// logged and left out.
pub fn default_surveys() -> Vec<SurveyDefinition> {
    trato_domain::DEFAULT_SURVEYS_JSON
        .iter()
        .filter_map(|json| match SurveyDefinition::from_json(json) {
            Ok(s) => Some(s),
            Err(e) => {
                tracing::error!("an embedded default survey is invalid: {e}");
                None
            }
        })
        .collect()
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
    /// Every default version, oldest first (the last is a new kiosk's).
    defaults: Vec<Arc<SurveyDefinition>>,
}

impl SurveyCache {
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self {
            store,
            known: RwLock::new(HashMap::new()),
            defaults: default_surveys().into_iter().map(Arc::new).collect(),
        }
    }

    /// The default survey a new kiosk starts with.
    pub fn default_survey(&self) -> Option<Arc<SurveyDefinition>> {
        self.defaults.last().cloned()
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

    /// What the centre offers a kiosk of `unit` that reads survey formats up
    /// to `reads_format` and runs `running` (id, version, when it says): the
    /// survey in force for the unit (narrowest scope wins, see [`in_force`]),
    /// else a default survey: the default version the kiosk runs (a unit on
    /// v1 keeps v1 until a survey is published for it), or the newest one.
    /// Never a document of a newer format (then nothing is offered and the
    /// reply says what was withheld).
    pub async fn offer(
        &self,
        unit: &str,
        reads_format: u32,
        running: Option<(&str, u32)>,
    ) -> Result<Offer, StoreError> {
        let publications = self.store.publications().await?;
        let needs_parent = publications
            .iter()
            .any(|p| matches!(p.scope, Scope::Ooad(_) | Scope::Umae(_)));
        let parent = if needs_parent {
            self.store.unit_parent(unit).await?
        } else {
            None
        };
        let chosen = match in_force(&publications, unit, parent.as_ref(), Utc::now()) {
            Some(p) => match self.get(&p.survey_id, p.version).await? {
                Some(def) => Some(def),
                None => {
                    tracing::error!(publication = p.id, "the published survey does not load");
                    None
                }
            },
            None => None,
        };
        let def = match chosen {
            Some(d) => d,
            None => match self.stored_default(running).await? {
                Some(d) => d,
                None => return Ok(Offer::default()),
            },
        };
        let doc = serde_json::to_value(def.as_ref())
            .map_err(|e| StoreError::Corrupt(format!("survey {} v{}: {e}", def.id, def.version)))?;
        let format = document_format(&doc);
        if format > reads_format {
            return Ok(Offer {
                survey: None,
                withheld: Some(WithheldSurvey {
                    id: def.id.clone(),
                    version: def.version,
                    format,
                }),
            });
        }
        Ok(Offer {
            survey: Some(doc),
            withheld: None,
        })
    }

    /// The default version a kiosk running `running` is offered when
    /// nothing is published for it (see [`Self::offer`]), as stored (what
    /// responses were checked against), else the embedded one.
    async fn stored_default(
        &self,
        running: Option<(&str, u32)>,
    ) -> Result<Option<Arc<SurveyDefinition>>, StoreError> {
        let own = self
            .defaults
            .iter()
            .find(|d| running == Some((d.id.as_str(), d.version)));
        let Some(default) = own.or(self.defaults.last()) else {
            return Ok(None);
        };
        Ok(Some(
            self.get(&default.id, default.version)
                .await?
                .unwrap_or_else(|| default.clone()),
        ))
    }
}

/// What `GET /api/v1/surveys/active` answers (see [`SurveyCache::offer`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Offer {
    pub survey: Option<serde_json::Value>,
    pub withheld: Option<WithheldSurvey>,
}

/// How narrow a scope is for `unit` (its catalogue parent `parent`):
/// unit 3, OOAD/UMAE 2, national 1; `None` when it does not cover the unit.
fn reach(scope: &Scope, unit: &str, parent: Option<&Scope>) -> Option<u8> {
    match scope {
        Scope::Unit(u) => (u == unit).then_some(3),
        Scope::Ooad(_) | Scope::Umae(_) => (parent == Some(scope)).then_some(2),
        Scope::National => Some(1),
    }
}

/// The publication in force for `unit` at `now`: not withdrawn, already
/// started, covering the unit; the narrowest scope wins, then the latest
/// start, then the latest publication.
pub fn in_force<'a>(
    publications: &'a [PublicationRecord],
    unit: &str,
    parent: Option<&Scope>,
    now: DateTime<Utc>,
) -> Option<&'a PublicationRecord> {
    publications
        .iter()
        .filter(|p| p.withdrawn_at.is_none() && p.active_from <= now)
        .filter_map(|p| reach(&p.scope, unit, parent).map(|r| (r, p)))
        .max_by_key(|(r, p)| (*r, p.active_from, p.id))
        .map(|(_, p)| p)
}

/// A publication's state in `survey list`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PublicationState {
    /// The one in force for its scope.
    Active,
    /// Starts later.
    Scheduled,
    /// A later one in the same scope is in force.
    Superseded,
    Withdrawn,
}

impl PublicationState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Scheduled => "scheduled",
            Self::Superseded => "superseded",
            Self::Withdrawn => "withdrawn",
        }
    }
}

/// Each publication with its state at `now` (same order).
pub fn states(
    publications: &[PublicationRecord],
    now: DateTime<Utc>,
) -> Vec<(&PublicationRecord, PublicationState)> {
    let mut winners = std::collections::HashMap::new();
    for p in publications {
        if p.withdrawn_at.is_some() || p.active_from > now {
            continue;
        }
        let best = winners.entry(&p.scope).or_insert(p);
        if (p.active_from, p.id) > (best.active_from, best.id) {
            *best = p;
        }
    }
    publications
        .iter()
        .map(|p| {
            let state = if p.withdrawn_at.is_some() {
                PublicationState::Withdrawn
            } else if p.active_from > now {
                PublicationState::Scheduled
            } else if winners.get(&p.scope).is_some_and(|w| w.id == p.id) {
                PublicationState::Active
            } else {
                PublicationState::Superseded
            };
            (p, state)
        })
        .collect()
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
        assert_eq!(d.version, 2);
        assert_eq!(survey_hash(&d).len(), 64);
        let all: Vec<u32> = default_surveys().iter().map(|s| s.version).collect();
        assert_eq!(all, [1, 2]);
    }

    fn publication(id: i64, version: u32, scope: Scope, from_day: u32) -> PublicationRecord {
        let at = |d: u32| {
            chrono::NaiveDate::from_ymd_opt(2026, 12, d)
                .unwrap()
                .and_hms_opt(6, 0, 0)
                .unwrap()
                .and_utc()
        };
        PublicationRecord {
            id,
            survey_id: "trato-digno".into(),
            version,
            scope,
            active_from: at(from_day),
            published_at: at(1),
            withdrawn_at: None,
        }
    }

    #[test]
    fn the_narrowest_scope_in_force_wins() {
        let ooad = Scope::Ooad("OOAD Nuevo León".into());
        let pubs = vec![
            publication(1, 1, Scope::National, 1),
            publication(2, 2, Scope::Unit("NLIMS000315".into()), 3),
            publication(3, 3, ooad.clone(), 2),
            publication(4, 4, Scope::National, 4),
            publication(5, 5, Scope::Unit("NLIMS000315".into()), 20),
        ];
        let day = |d: i64| pubs[0].active_from + chrono::Duration::days(d - 1);
        let version = |unit, parent: Option<&Scope>, d| {
            in_force(&pubs, unit, parent, day(d)).map(|p| p.version)
        };
        // Day 1: only the national one has started.
        assert_eq!(version("NLIMS000315", Some(&ooad), 1), Some(1));
        // Day 2: the OOAD's beats the national one for its units only.
        assert_eq!(version("NLIMS000315", Some(&ooad), 2), Some(3));
        assert_eq!(version("DFIMS000020", None, 2), Some(1));
        // Day 5: the unit's beats a later national one; other units follow the OOAD.
        assert_eq!(version("NLIMS000315", Some(&ooad), 5), Some(2));
        assert_eq!(version("NLIMS000316", Some(&ooad), 5), Some(3));
        assert_eq!(version("DFIMS000020", None, 5), Some(4));
        // Day 21: the unit's newer publication has started.
        assert_eq!(version("NLIMS000315", Some(&ooad), 21), Some(5));

        let mut withdrawn = pubs.clone();
        withdrawn[1].withdrawn_at = Some(day(4));
        withdrawn[2].withdrawn_at = Some(day(4));
        assert_eq!(
            in_force(&withdrawn, "NLIMS000315", Some(&ooad), day(5)).map(|p| p.version),
            Some(4),
            "withdrawn publications give way to the next narrowest"
        );
        assert_eq!(in_force(&[], "NLIMS000315", None, day(5)), None);
    }

    #[test]
    fn list_states_name_the_one_in_force_per_scope() {
        let pubs = vec![
            publication(1, 1, Scope::National, 1),
            publication(2, 2, Scope::National, 3),
            publication(3, 3, Scope::National, 20),
            publication(4, 4, Scope::Unit("NLIMS000315".into()), 1),
        ];
        let mut pubs = pubs;
        pubs[3].withdrawn_at = Some(pubs[3].active_from);
        let now = pubs[1].active_from + chrono::Duration::days(1);
        let got: Vec<_> = states(&pubs, now)
            .into_iter()
            .map(|(p, s)| (p.version, s))
            .collect();
        assert_eq!(
            got,
            vec![
                (1, PublicationState::Superseded),
                (2, PublicationState::Active),
                (3, PublicationState::Scheduled),
                (4, PublicationState::Withdrawn),
            ]
        );
    }
}
