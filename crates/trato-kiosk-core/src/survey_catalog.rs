//! Which survey the kiosk asks: the default Trato Digno surveys ship inside
//! the binary, so a new kiosk works with no file and no network.
//!
//! Every shipped version is installed; a new kiosk starts with the newest
//! (v2), while a kiosk set up with v1 keeps it (its `survey.active_version`
//! is on record) until the centre publishes another: a unit's survey never
//! changes under it because the app was upgraded.

use trato_domain::{SurveyDefinition, SurveyError, DEFAULT_SURVEYS_JSON, DEFAULT_SURVEY_JSON};

use crate::store::{Store, StoreError};

pub const DEFAULT_SURVEY_ID: &str = "trato-digno";
/// The default survey version a new kiosk starts with.
pub const DEFAULT_SURVEY_VERSION: u32 = 2;

/// The embedded default survey a new kiosk starts with. It is validated by
/// this crate's tests, so a failure here is a build defect, reported as an
/// error rather than a panic.
pub fn default_survey() -> Result<SurveyDefinition, SurveyError> {
    SurveyDefinition::from_json(DEFAULT_SURVEY_JSON)
}

/// Every embedded default survey version, oldest first.
pub fn default_surveys() -> Result<Vec<SurveyDefinition>, SurveyError> {
    DEFAULT_SURVEYS_JSON
        .iter()
        .map(|json| SurveyDefinition::from_json(json))
        .collect()
}

/// Makes sure every embedded default survey version is recorded in the store.
pub fn install_default(store: &mut Store) -> Result<(), crate::KioskError> {
    for survey in default_surveys()? {
        store.install_survey(&survey)?;
    }
    Ok(())
}

/// The active survey as stored (responses refer to it by id and version).
pub fn active(store: &Store, id: &str, version: u32) -> Result<SurveyDefinition, StoreError> {
    store.survey(id, version)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_survey_is_the_newest_shipped_version() {
        let all = default_surveys().expect("valid");
        let newest = all.last().expect("one at least");
        assert_eq!(
            (newest.id.as_str(), newest.version),
            (DEFAULT_SURVEY_ID, DEFAULT_SURVEY_VERSION)
        );
        assert_eq!(&default_survey().expect("valid"), newest);
        let versions: Vec<u32> = all.iter().map(|s| s.version).collect();
        assert_eq!(versions, [1, 2]);
    }
}
