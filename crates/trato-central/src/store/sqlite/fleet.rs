//! SQLite side of [`FleetStore`].

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rusqlite::params;

use super::{ts, SqliteStore};
use crate::error::StoreError;
use crate::opening_hours::OpeningHours;
use crate::store::corrupt;
use crate::store::fleet::FleetStore;

#[async_trait]
impl FleetStore for SqliteStore {
    async fn unit_hours(&self) -> Result<Vec<(String, OpeningHours)>, StoreError> {
        self.read(|c| {
            let mut st = c.prepare_cached(
                "SELECT unit_clues, days, open_minute, close_minute FROM unit_hours",
            )?;
            let rows = st.query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, i64>(3)?,
                ))
            })?;
            let mut out = Vec::new();
            for row in rows {
                let (unit, days, open, close) = row?;
                let hours = OpeningHours::from_stored(&days, open, close)
                    .ok_or_else(|| corrupt(format!("opening hours of {unit}")))?;
                out.push((unit, hours));
            }
            Ok(out)
        })
        .await
    }

    async fn set_unit_hours(
        &self,
        unit: &str,
        hours: &OpeningHours,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let (unit, days, open, close) = (
            unit.to_owned(),
            hours.days_digits(),
            hours.open,
            hours.close,
        );
        self.write(move |c| {
            c.execute(
                "INSERT INTO unit_hours (unit_clues, days, open_minute, close_minute, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (unit_clues) DO UPDATE SET days = excluded.days,
                   open_minute = excluded.open_minute, close_minute = excluded.close_minute,
                   updated_at = excluded.updated_at",
                params![unit, days, open, close, ts(at)],
            )?;
            Ok(())
        })
        .await
    }
}
