//! A clock the test moves by hand, in Mexico City's offset (UTC-6).

use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};
use trato_kiosk_core::clock::Clock;

pub struct ManualClock(pub Mutex<DateTime<Utc>>);

impl ManualClock {
    pub fn advance(&self, by: Duration) {
        *self.0.lock().unwrap() += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap()
    }
    fn utc_offset_minutes(&self) -> i32 {
        -360
    }
}
