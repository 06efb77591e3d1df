//! Who gets which e-mail: accounts with an e-mail whose scope covers the
//! unit. Urgent alerts go at once to the unit's own accounts (or, when it
//! has none with an e-mail, to its OOAD/UMAE's, else to national ones); the
//! daily digest goes to every such account, for its whole scope.

use std::collections::HashMap;

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, NaiveTime, Utc};

use crate::dashboard::Role;
use crate::error::StoreError;
use crate::local_time::UnitClocks;
use crate::opening_hours::DEFAULT_UTC_OFFSET_MINUTES;
use crate::store::dash::Unit;
use crate::store::Store;

#[derive(Debug, Clone)]
pub struct Recipient {
    pub id: String,
    pub name: String,
    pub role: Role,
    pub scope: String,
    pub email: String,
}

impl Recipient {
    pub fn is_unit(&self) -> bool {
        self.role == Role::Unit
    }
}

/// The enabled accounts with an e-mail, the catalogue, and each unit's
/// local time (its kiosks' latest reported UTC offset).
pub struct Directory {
    accounts: Vec<Recipient>,
    units: Vec<Unit>,
    clocks: UnitClocks,
}

impl Directory {
    pub async fn load(store: &dyn Store) -> Result<Self, StoreError> {
        let accounts = store
            .dash()
            .list_accounts()
            .await?
            .into_iter()
            .filter(|a| !a.disabled)
            .filter_map(|a| {
                Some(Recipient {
                    role: Role::parse(&a.role)?,
                    email: a.email.filter(|e| !e.is_empty())?,
                    id: a.id,
                    name: a.name,
                    scope: a.scope,
                })
            })
            .collect();
        Ok(Self::new(
            accounts,
            store.dash().units().await?,
            UnitClocks::load(store).await?,
        ))
    }

    pub fn new(accounts: Vec<Recipient>, units: Vec<Unit>, clocks: UnitClocks) -> Self {
        Self {
            accounts,
            units,
            clocks,
        }
    }

    fn parent_of(&self, clues: &str) -> Option<&Unit> {
        self.units.iter().find(|u| u.clues == clues)
    }

    /// A unit's local time: its kiosks' latest reported UTC offset.
    pub fn unit_offset(&self, clues: &str) -> i32 {
        self.clocks.offset(clues)
    }

    pub fn unit_name<'a>(&'a self, clues: &'a str) -> &'a str {
        self.parent_of(clues).map_or(clues, |u| u.name.as_str())
    }

    /// Who is told of an urgent alert in `unit` at once: its unit accounts
    /// first; without any, its OOAD/UMAE accounts; without any, national ones.
    pub fn urgent_recipients(&self, unit: &str) -> Vec<&Recipient> {
        let unit_accounts: Vec<&Recipient> = self
            .accounts
            .iter()
            .filter(|a| a.role == Role::Unit && a.scope == unit)
            .collect();
        if !unit_accounts.is_empty() {
            return unit_accounts;
        }
        let parent = self.parent_of(unit).map(|u| u.parent.as_str());
        let parent_accounts: Vec<&Recipient> = self
            .accounts
            .iter()
            .filter(|a| {
                matches!(a.role, Role::Ooad | Role::Umae) && Some(a.scope.as_str()) == parent
            })
            .collect();
        if !parent_accounts.is_empty() {
            return parent_accounts;
        }
        self.accounts
            .iter()
            .filter(|a| a.role == Role::National)
            .collect()
    }

    /// Every account that gets a daily digest.
    pub fn digest_accounts(&self) -> impl Iterator<Item = &Recipient> {
        self.accounts.iter()
    }

    /// The units an account's scope covers (`None`: all).
    pub fn units_of(&self, a: &Recipient) -> Option<Vec<String>> {
        match a.role {
            Role::National => None,
            Role::Unit => Some(vec![a.scope.clone()]),
            Role::Ooad | Role::Umae => Some(
                self.units
                    .iter()
                    .filter(|u| u.parent == a.scope)
                    .map(|u| u.clues.clone())
                    .collect(),
            ),
        }
    }

    /// The account's local time: its unit's, or the one most units of its
    /// scope keep (Mexico's central time when none has said).
    pub fn local_offset(&self, a: &Recipient) -> i32 {
        let mut seen: HashMap<i32, usize> = HashMap::new();
        for (unit, off) in self.clocks.iter() {
            let covered = match a.role {
                Role::National => true,
                Role::Unit => unit == a.scope,
                Role::Ooad | Role::Umae => {
                    self.parent_of(unit).is_some_and(|u| u.parent == a.scope)
                }
            };
            if covered {
                *seen.entry(off).or_default() += 1;
            }
        }
        seen.into_iter()
            .max_by_key(|(off, n)| (*n, -off))
            .map_or(DEFAULT_UTC_OFFSET_MINUTES, |(off, _)| off)
    }

    pub fn scope_label(&self, a: &Recipient) -> String {
        match a.role {
            Role::National => "Todo el Instituto".to_owned(),
            Role::Unit => format!("{} ({})", self.unit_name(&a.scope), a.scope),
            Role::Ooad | Role::Umae => a.scope.clone(),
        }
    }
}

/// The digest now due: the local day whose digest time (`at`, local) most
/// recently passed, and that time in UTC.
pub fn digest_slot(
    now: DateTime<Utc>,
    utc_offset_minutes: i32,
    at: NaiveTime,
) -> (NaiveDate, DateTime<Utc>) {
    let tz = FixedOffset::east_opt(utc_offset_minutes * 60)
        .unwrap_or_else(|| FixedOffset::east_opt(0).unwrap_or_else(|| unreachable!()));
    let local = now.with_timezone(&tz);
    let mut day = local.date_naive();
    if local.time() < at {
        day -= Duration::days(1);
    }
    let instant = day
        .and_time(at)
        .and_local_timezone(tz)
        .single()
        .map_or(now, |t| t.with_timezone(&Utc));
    (day, instant)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn the_digest_of_a_day_is_due_from_its_hour_in_local_time() {
        let seven = NaiveTime::from_hms_opt(7, 0, 0).unwrap();
        // 12:30 UTC is 06:30 at UTC-6: yesterday's digest is the one due.
        let now = Utc.with_ymd_and_hms(2026, 12, 8, 12, 30, 0).unwrap();
        let (day, at) = digest_slot(now, -360, seven);
        assert_eq!(day, NaiveDate::from_ymd_opt(2026, 12, 7).unwrap());
        assert_eq!(at, Utc.with_ymd_and_hms(2026, 12, 7, 13, 0, 0).unwrap());
        // 13:00 UTC is 07:00 there: today's.
        let now = Utc.with_ymd_and_hms(2026, 12, 8, 13, 0, 0).unwrap();
        assert_eq!(
            digest_slot(now, -360, seven).0,
            NaiveDate::from_ymd_opt(2026, 12, 8).unwrap()
        );
        // At UTC-5 it was due an hour earlier.
        let now = Utc.with_ymd_and_hms(2026, 12, 8, 12, 30, 0).unwrap();
        assert_eq!(
            digest_slot(now, -300, seven).0,
            NaiveDate::from_ymd_opt(2026, 12, 8).unwrap()
        );
    }
}
