//! Which survey the kiosk asks: the default Trato Digno survey ships inside
//! the binary, so a new kiosk works with no file and no network.

use trato_domain::{SurveyDefinition, SurveyError};

use crate::store::{Store, StoreError};

pub const DEFAULT_SURVEY_ID: &str = "trato-digno";
pub const DEFAULT_SURVEY_VERSION: u32 = 1;

use trato_domain::DEFAULT_SURVEY_JSON;

/// The embedded default survey. It is validated by this crate's tests, so a
/// failure here is a build defect, reported as an error rather than a panic.
pub fn default_survey() -> Result<SurveyDefinition, SurveyError> {
    SurveyDefinition::from_json(DEFAULT_SURVEY_JSON)
}

/// Makes sure the embedded default survey is recorded in the store.
pub fn install_default(store: &mut Store) -> Result<(), crate::KioskError> {
    let survey = default_survey()?;
    store.install_survey(&survey)?;
    Ok(())
}

/// The active survey as stored (responses refer to it by id and version).
pub fn active(store: &Store, id: &str, version: u32) -> Result<SurveyDefinition, StoreError> {
    store.survey(id, version)
}
