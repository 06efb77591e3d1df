//! A unit's local time, the one rule for every time the tablero, its
//! exports, the bimonthly report and the e-mails show: the UTC offset of the
//! unit's most recently heard kiosk (Mexico has four zones; the kiosks know
//! theirs), or central time when none has reported one. Never UTC.

use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveDateTime, Utc};

use crate::error::StoreError;
use crate::opening_hours::DEFAULT_UTC_OFFSET_MINUTES;
use crate::store::{KioskRecord, Store};

/// Each unit's UTC offset, in minutes, from its kiosks' reports.
#[derive(Debug, Clone, Default)]
pub struct UnitClocks {
    offsets: HashMap<String, i32>,
}

impl UnitClocks {
    /// The offset of each unit's most recently heard kiosk (revoked ones
    /// included: their reports were true when made).
    pub fn from_kiosks<'a>(kiosks: impl IntoIterator<Item = &'a KioskRecord>) -> Self {
        let mut latest: HashMap<&str, (DateTime<Utc>, i32)> = HashMap::new();
        for k in kiosks {
            if let (Some(seen), Some(off)) = (k.last_seen_at, k.last_utc_offset_minutes) {
                let e = latest.entry(k.unit_clues.as_str()).or_insert((seen, off));
                if seen > e.0 {
                    *e = (seen, off);
                }
            }
        }
        Self {
            offsets: latest
                .into_iter()
                .map(|(u, (_, off))| (u.to_owned(), off))
                .collect(),
        }
    }

    pub async fn load(store: &dyn Store) -> Result<Self, StoreError> {
        Ok(Self::from_kiosks(&store.list_kiosks().await?))
    }

    /// A unit's offset in minutes east of UTC.
    pub fn offset(&self, clues: &str) -> i32 {
        self.offsets
            .get(clues)
            .copied()
            .unwrap_or(DEFAULT_UTC_OFFSET_MINUTES)
    }

    /// Units with a reported offset.
    pub fn iter(&self) -> impl Iterator<Item = (&str, i32)> {
        self.offsets.iter().map(|(u, o)| (u.as_str(), *o))
    }
}

/// The wall-clock time at `utc_offset_minutes`.
pub fn local(t: DateTime<Utc>, utc_offset_minutes: i32) -> NaiveDateTime {
    (t + Duration::minutes(i64::from(utc_offset_minutes))).naive_utc()
}

/// As pages and e-mails show it: `07/12/2026 10:15` (Mexican day order).
pub fn display(t: DateTime<Utc>, utc_offset_minutes: i32) -> String {
    local(t, utc_offset_minutes)
        .format("%d/%m/%Y %H:%M")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kiosk(unit: &str, seen: &str, off: Option<i32>) -> KioskRecord {
        KioskRecord {
            id: format!("{unit}-{seen}"),
            unit_clues: unit.into(),
            name: "q".into(),
            created_at: Utc::now(),
            revoked_at: None,
            last_seen_at: Some(seen.parse().unwrap()),
            last_clock_offset_ms: None,
            last_backlog: None,
            last_survey: None,
            last_utc_offset_minutes: off,
        }
    }

    #[test]
    fn the_latest_heard_kiosk_sets_the_units_time_and_midnight_falls_on_the_local_day() {
        let ks = [
            kiosk("BCIMS000010", "2026-03-01T10:00:00Z", Some(-420)),
            kiosk("BCIMS000010", "2026-03-02T10:00:00Z", Some(-480)),
            kiosk("QRIMS000020", "2026-03-02T10:00:00Z", Some(-300)),
            kiosk("QRIMS000020", "2026-03-03T10:00:00Z", None),
        ];
        let c = UnitClocks::from_kiosks(&ks);
        assert_eq!(c.offset("BCIMS000010"), -480);
        assert_eq!(c.offset("QRIMS000020"), -300);
        assert_eq!(c.offset("DFIMS000020"), DEFAULT_UTC_OFFSET_MINUTES);
        // 05:30 UTC on the 3rd is still the 2nd in Cancún and Mexico City.
        let t: DateTime<Utc> = "2026-03-03T05:30:00Z".parse().unwrap();
        assert_eq!(display(t, -300), "03/03/2026 00:30");
        assert_eq!(display(t, -360), "02/03/2026 23:30");
        assert_eq!(local(t, -360).to_string(), "2026-03-02 23:30:00");
    }
}
