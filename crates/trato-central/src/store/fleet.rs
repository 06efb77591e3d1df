//! Storage for the Kioscos view beyond the kiosks' own rows: each unit's
//! opening hours, within which a kiosk's silence counts.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::error::StoreError;
use crate::opening_hours::OpeningHours;

#[async_trait]
pub trait FleetStore: Send + Sync {
    /// The units with hours of their own; every other unit has the default.
    async fn unit_hours(&self) -> Result<Vec<(String, OpeningHours)>, StoreError>;
    /// Sets (or replaces) a unit's opening hours.
    async fn set_unit_hours(
        &self,
        unit: &str,
        hours: &OpeningHours,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError>;
}
