//! The last survey the centre offered this kiosk, and why it could not be
//! used (empty when it was): what staff see and what the next survey check
//! tells the centre.

use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension};
use serde::Serialize;

use super::{parse_timestamp, timestamp, Store, StoreError};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SurveyOffer {
    pub offered_id: String,
    pub offered_version: u32,
    /// Empty when the kiosk adopted the offered survey.
    pub problem: String,
    pub checked_at: DateTime<Utc>,
}

impl Store {
    /// Records the outcome of an offer, replacing the previous one.
    pub fn record_survey_offer(&self, offer: &SurveyOffer) -> Result<(), StoreError> {
        self.conn().execute(
            "INSERT INTO survey_offer (id, offered_id, offered_version, problem, checked_at)
             VALUES (1, ?1, ?2, ?3, ?4)
             ON CONFLICT (id) DO UPDATE SET offered_id = excluded.offered_id,
               offered_version = excluded.offered_version, problem = excluded.problem,
               checked_at = excluded.checked_at",
            params![
                offer.offered_id,
                offer.offered_version,
                offer.problem,
                timestamp(offer.checked_at)
            ],
        )?;
        Ok(())
    }

    /// Forgets the last problem: the centre offers what the kiosk runs.
    pub fn clear_survey_problem(&self) -> Result<(), StoreError> {
        self.conn()
            .execute("UPDATE survey_offer SET problem = '' WHERE id = 1", [])?;
        Ok(())
    }

    pub fn survey_offer(&self) -> Result<Option<SurveyOffer>, StoreError> {
        let row: Option<(String, u32, String, String)> = self
            .conn()
            .query_row(
                "SELECT offered_id, offered_version, problem, checked_at FROM survey_offer",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()?;
        row.map(|(offered_id, offered_version, problem, at)| {
            Ok(SurveyOffer {
                offered_id,
                offered_version,
                problem,
                checked_at: parse_timestamp(&at)?,
            })
        })
        .transpose()
    }
}
