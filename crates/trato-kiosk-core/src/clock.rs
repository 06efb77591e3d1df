//! The kiosk's notion of time, behind a trait so tests can set it.

use chrono::{DateTime, Local, Utc};

pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
    /// The local UTC offset now, in minutes (Mexico's zones: -360, -420, -300...).
    fn utc_offset_minutes(&self) -> i32;
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
    fn utc_offset_minutes(&self) -> i32 {
        Local::now().offset().local_minus_utc() / 60
    }
}
