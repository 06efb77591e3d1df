//! The PIN pad's lockout: 5 wrong PINs in a row lock it for 5 minutes, each
//! further lockout doubles the time (capped at a day), a right PIN resets it.
//! Kept in SQLite so pulling the plug does not reset the count.

use chrono::{DateTime, Duration, Utc};

use rusqlite::Connection;

use crate::store::{parse_timestamp, timestamp, StoreError};

/// Wrong PINs in a row that lock the pad.
pub const MAX_FAILURES: u32 = 5;
/// The first lockout; each further one doubles it.
pub const FIRST_LOCKOUT_MINUTES: i64 = 5;
/// The longest lockout, so a forgotten PIN never bricks a kiosk for good.
pub const MAX_LOCKOUT_MINUTES: i64 = 24 * 60;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LockoutState {
    /// Wrong PINs since the last right one or the last lockout.
    pub failures: u32,
    /// Lockouts since the last right PIN (sets the next lockout's length).
    pub lockouts: u32,
    pub locked_until: Option<DateTime<Utc>>,
}

/// What a wrong PIN led to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureOutcome {
    /// More tries remain before a lockout.
    TriesLeft(u32),
    /// This failure locked the pad.
    LockedUntil(DateTime<Utc>),
}

/// Length of the `n`th lockout (1-based): 5, 10, 20... minutes, capped.
pub fn lockout_duration(n: u32) -> Duration {
    let doublings = n.saturating_sub(1).min(20);
    let minutes = FIRST_LOCKOUT_MINUTES.saturating_mul(1 << doublings);
    Duration::minutes(minutes.min(MAX_LOCKOUT_MINUTES))
}

impl LockoutState {
    /// `Err(until)` while the pad is locked at `now`.
    pub fn check(&self, now: DateTime<Utc>) -> Result<(), DateTime<Utc>> {
        match self.locked_until {
            Some(until) if now < until => Err(until),
            _ => Ok(()),
        }
    }

    /// Whole seconds until the pad unlocks (0 when it is not locked).
    pub fn retry_after_seconds(&self, now: DateTime<Utc>) -> u64 {
        match self.check(now) {
            Ok(()) => 0,
            Err(until) => ((until - now).num_milliseconds().max(0) as u64).div_ceil(1000),
        }
    }

    /// Undoes a lock the clock cannot justify: if the system clock was set
    /// back, `locked_until` may lie further ahead than the lockout's own
    /// length; it then ends one length from now instead of days later.
    pub fn clamp_to_clock(&mut self, now: DateTime<Utc>) {
        if let Some(until) = self.locked_until {
            let longest = lockout_duration(self.lockouts.max(1));
            if until - now > longest {
                self.locked_until = Some(now + longest);
            }
        }
    }

    pub fn record_failure(&mut self, now: DateTime<Utc>) -> FailureOutcome {
        if self.locked_until.is_some_and(|until| now >= until) {
            // A lockout served: a fresh set of tries, the escalation stays.
            self.locked_until = None;
        }
        self.failures = self.failures.saturating_add(1);
        if self.failures >= MAX_FAILURES {
            self.failures = 0;
            self.lockouts = self.lockouts.saturating_add(1);
            let until = now + lockout_duration(self.lockouts);
            self.locked_until = Some(until);
            FailureOutcome::LockedUntil(until)
        } else {
            FailureOutcome::TriesLeft(MAX_FAILURES - self.failures)
        }
    }

    pub fn record_success(&mut self) {
        *self = LockoutState::default();
    }

    pub(crate) fn load(conn: &Connection) -> Result<Self, StoreError> {
        let (failures, lockouts, until): (u32, u32, Option<String>) = conn.query_row(
            "SELECT failures, lockouts, locked_until FROM pin_lockout WHERE id = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        Ok(LockoutState {
            failures,
            lockouts,
            locked_until: until.as_deref().map(parse_timestamp).transpose()?,
        })
    }

    pub(crate) fn save(&self, conn: &Connection) -> Result<(), StoreError> {
        conn.execute(
            "INSERT INTO pin_lockout (id, failures, lockouts, locked_until) VALUES (1, ?1, ?2, ?3)
             ON CONFLICT (id) DO UPDATE SET failures = excluded.failures,
                 lockouts = excluded.lockouts, locked_until = excluded.locked_until",
            (
                self.failures,
                self.lockouts,
                self.locked_until.map(timestamp),
            ),
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lockouts_double_and_are_capped() {
        let minutes: Vec<i64> = (1..=12)
            .map(|n| lockout_duration(n).num_minutes())
            .collect();
        assert_eq!(&minutes[..5], &[5, 10, 20, 40, 80]);
        assert_eq!(minutes[11], MAX_LOCKOUT_MINUTES);
        assert_eq!(
            lockout_duration(u32::MAX).num_minutes(),
            MAX_LOCKOUT_MINUTES
        );
    }

    #[test]
    fn a_clock_set_back_does_not_extend_a_lockout() {
        let now = DateTime::<Utc>::UNIX_EPOCH + Duration::days(20_000);
        let mut state = LockoutState {
            failures: 0,
            lockouts: 1,
            locked_until: Some(now + Duration::days(3)),
        };
        state.clamp_to_clock(now);
        assert_eq!(state.locked_until, Some(now + Duration::minutes(5)));
    }
}
