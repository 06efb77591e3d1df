//! Exponential backoff with jitter, capped: how long to wait after the
//! `failures`-th failure in a row. Pure: the randomness is an argument.

use std::time::Duration;

/// The longest wait between attempts (the protocol's cap).
pub const MAX_BACKOFF: Duration = Duration::from_secs(15 * 60);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// The first wait, before jitter.
    pub base: Duration,
    /// No wait is longer than this.
    pub cap: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            base: Duration::from_secs(2),
            cap: MAX_BACKOFF,
        }
    }
}

impl Backoff {
    /// The wait after `failures` failures in a row (1 for the first).
    /// "Equal jitter": half the exponential step for sure, the other half
    /// scaled by `unit` (a random number in `[0, 1)`), so kiosks that lost the
    /// network together do not come back together, and none waits less than
    /// half its step. 0 failures means no wait.
    pub fn delay(&self, failures: u32, unit: f64) -> Duration {
        if failures == 0 {
            return Duration::ZERO;
        }
        let exponent = (failures - 1).min(30);
        let step = self
            .base
            .checked_mul(1u32 << exponent)
            .unwrap_or(self.cap)
            .min(self.cap);
        let unit = if unit.is_finite() {
            unit.clamp(0.0, 1.0)
        } else {
            0.0
        };
        let half = step / 2;
        (half + half.mul_f64(unit)).min(self.cap)
    }

    /// As [`Backoff::delay`], but never shorter than what the centre asked for
    /// (`Retry-After`), itself capped like any wait.
    pub fn delay_with_retry_after(
        &self,
        failures: u32,
        unit: f64,
        retry_after: Option<Duration>,
    ) -> Duration {
        let d = self.delay(failures, unit);
        match retry_after {
            Some(r) => d.max(r.min(self.cap)),
            None => d,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_failure_no_wait() {
        assert_eq!(Backoff::default().delay(0, 0.7), Duration::ZERO);
    }

    #[test]
    fn grows_exponentially_within_jitter_bounds() {
        let b = Backoff::default();
        for n in 1..=8u32 {
            let step = Duration::from_secs(2) * (1 << (n - 1));
            assert_eq!(b.delay(n, 0.0), step / 2, "lowest at {n}");
            assert_eq!(b.delay(n, 1.0), step, "highest at {n}");
            let mid = b.delay(n, 0.5);
            assert!(mid > step / 2 && mid < step);
        }
    }

    #[test]
    fn never_over_fifteen_minutes_whatever_the_count() {
        let b = Backoff::default();
        for n in [9, 10, 20, 31, 32, 1000, u32::MAX] {
            for unit in [0.0, 0.3, 0.999, 1.0, 7.0, -1.0, f64::NAN, f64::INFINITY] {
                let d = b.delay(n, unit);
                assert!(d <= MAX_BACKOFF, "{n} {unit}: {d:?}");
                assert!(d >= MAX_BACKOFF / 2 || n < 10, "{n} {unit}: {d:?}");
            }
        }
        assert_eq!(b.delay(u32::MAX, 1.0), MAX_BACKOFF);
    }

    #[test]
    fn jitter_spreads_kiosks_apart() {
        let b = Backoff::default();
        let mut rng = fastrand::Rng::with_seed(7);
        let mut waits: Vec<Duration> = (0..100).map(|_| b.delay(6, rng.f64())).collect();
        waits.sort();
        waits.dedup();
        assert!(waits.len() > 90);
    }

    #[test]
    fn retry_after_is_a_floor_and_is_capped() {
        let b = Backoff::default();
        let asked = Duration::from_secs(30);
        assert_eq!(b.delay_with_retry_after(1, 0.0, Some(asked)), asked);
        assert_eq!(
            b.delay_with_retry_after(12, 1.0, Some(asked)),
            b.delay(12, 1.0)
        );
        assert_eq!(
            b.delay_with_retry_after(1, 0.0, Some(Duration::from_secs(86_400))),
            MAX_BACKOFF
        );
    }
}
