//! PostgreSQL side of [`FleetStore`].

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::PostgresStore;
use crate::error::StoreError;
use crate::opening_hours::OpeningHours;
use crate::store::corrupt;
use crate::store::fleet::FleetStore;

#[async_trait]
impl FleetStore for PostgresStore {
    async fn unit_hours(&self) -> Result<Vec<(String, OpeningHours)>, StoreError> {
        let c = self.pool.get().await?;
        let rows = c
            .query(
                "SELECT unit_clues, days, open_minute, close_minute FROM unit_hours",
                &[],
            )
            .await?;
        rows.iter()
            .map(|r| {
                let unit: String = r.try_get(0)?;
                let days: String = r.try_get(1)?;
                let (open, close): (i32, i32) = (r.try_get(2)?, r.try_get(3)?);
                let hours = OpeningHours::from_stored(&days, open.into(), close.into())
                    .ok_or_else(|| corrupt(format!("opening hours of {unit}")))?;
                Ok((unit, hours))
            })
            .collect()
    }

    async fn set_unit_hours(
        &self,
        unit: &str,
        hours: &OpeningHours,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let c = self.pool.get().await?;
        c.execute(
            "INSERT INTO unit_hours (unit_clues, days, open_minute, close_minute, updated_at)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (unit_clues) DO UPDATE SET days = excluded.days,
               open_minute = excluded.open_minute, close_minute = excluded.close_minute,
               updated_at = excluded.updated_at",
            &[
                &unit,
                &hours.days_digits(),
                &i32::from(hours.open),
                &i32::from(hours.close),
                &at,
            ],
        )
        .await?;
        Ok(())
    }
}
