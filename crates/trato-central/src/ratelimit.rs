//! A token bucket per key, in memory: per kiosk, it protects the centre
//! from a kiosk stuck in a tight retry loop (a healthy kiosk never meets it);
//! per client address and per (account, address), it slows password
//! guessing. Keys an attacker chooses are bounded: the table holds at most
//! `max_keys` entries, forgetting full buckets first, then the oldest.

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
    max_keys: usize,
    buckets: Mutex<HashMap<String, Bucket>>,
}

impl RateLimiter {
    /// `per_sec` <= 0 disables the limit.
    pub fn new(burst: u32, per_sec: f64) -> Self {
        Self::bounded(burst, per_sec, usize::MAX)
    }

    /// A limiter whose table never holds more than `max_keys` entries.
    pub fn bounded(burst: u32, per_sec: f64, max_keys: usize) -> Self {
        Self {
            burst: f64::from(burst.max(1)),
            per_sec,
            max_keys: max_keys.max(1),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Keys tracked now.
    pub fn len(&self) -> usize {
        self.buckets.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Makes room for one more key: buckets refilled to the brim are the
    /// same as absent ones, so they go first; then the least recently used.
    fn make_room(&self, buckets: &mut HashMap<String, Bucket>, now: Instant) {
        if buckets.len() < self.max_keys {
            return;
        }
        let (burst, per_sec) = (self.burst, self.per_sec);
        buckets
            .retain(|_, b| b.tokens + now.duration_since(b.last).as_secs_f64() * per_sec < burst);
        while buckets.len() >= self.max_keys {
            let Some(oldest) = buckets
                .iter()
                .min_by_key(|(_, b)| b.last)
                .map(|(k, _)| k.clone())
            else {
                break;
            };
            buckets.remove(&oldest);
        }
    }

    /// Takes one token for `key`; `Err(seconds)` to wait when none is left.
    pub fn check(&self, key: &str) -> Result<(), u64> {
        if self.per_sec <= 0.0 || !self.per_sec.is_finite() {
            return Ok(());
        }
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if !buckets.contains_key(key) {
            self.make_room(&mut buckets, now);
        }
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
    fn the_table_never_outgrows_its_cap() {
        let l = RateLimiter::bounded(2, 0.0001, 50);
        for i in 0..10_000 {
            let _ = l.check(&format!("address-{i}"));
            assert!(l.len() <= 50);
        }
        assert_eq!(l.len(), 50);
        // A key still being throttled keeps its bucket while newer keys come
        // and go, as long as it is not the oldest.
        let l = RateLimiter::bounded(1, 0.0001, 3);
        assert_eq!(l.check("a"), Ok(()));
        assert!(l.check("a").is_err());
        let _ = l.check("b");
        let _ = l.check("a");
        let _ = l.check("c");
        let _ = l.check("d");
        assert!(l.check("a").is_err(), "a was used recently, b was evicted");
    }

    #[test]
    fn zero_rate_disables() {
        let l = RateLimiter::new(1, 0.0);
        for _ in 0..100 {
            assert_eq!(l.check("a"), Ok(()));
        }
    }
}
