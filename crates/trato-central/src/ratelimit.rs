//! A token bucket per kiosk, in memory. It protects the centre from a kiosk
//! stuck in a tight retry loop; a healthy kiosk never meets it.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

struct Bucket {
    tokens: f64,
    last: Instant,
}

pub struct RateLimiter {
    burst: f64,
    per_sec: f64,
    buckets: Mutex<HashMap<String, Bucket>>,
}

impl RateLimiter {
    /// `per_sec` <= 0 disables the limit.
    pub fn new(burst: u32, per_sec: f64) -> Self {
        Self {
            burst: f64::from(burst.max(1)),
            per_sec,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one token for `key`; `Err(seconds)` to wait when none is left.
    pub fn check(&self, key: &str) -> Result<(), u64> {
        if self.per_sec <= 0.0 || !self.per_sec.is_finite() {
            return Ok(());
        }
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        // Keys are kiosk ids from valid tokens, so the map is bounded by the
        // number of kiosks issued.
        let b = buckets.entry(key.to_owned()).or_insert(Bucket {
            tokens: self.burst,
            last: now,
        });
        let elapsed = now.duration_since(b.last).as_secs_f64();
        b.tokens = (b.tokens + elapsed * self.per_sec).min(self.burst);
        b.last = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            Ok(())
        } else {
            let wait = ((1.0 - b.tokens) / self.per_sec).ceil();
            Err(if wait.is_finite() && wait >= 1.0 {
                wait as u64
            } else {
                1
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burst_then_throttled_per_key() {
        let l = RateLimiter::new(3, 0.001);
        for _ in 0..3 {
            assert_eq!(l.check("a"), Ok(()));
        }
        assert!(l.check("a").is_err());
        assert_eq!(l.check("b"), Ok(()));
    }

    #[test]
    fn zero_rate_disables() {
        let l = RateLimiter::new(1, 0.0);
        for _ in 0..100 {
            assert_eq!(l.check("a"), Ok(()));
        }
    }
}
