//! A unit's opening hours: the days and the daily span, in the unit's local
//! time, within which a kiosk's silence counts (a kiosk of an outpatient
//! clinic switched off at night is not silent). Pure: no clock, no I/O.

use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveTime, Utc};

/// Spanish day abbreviations, Monday first, as the command line takes them.
pub const DAY_NAMES: [&str; 7] = ["lun", "mar", "mie", "jue", "vie", "sab", "dom"];

/// The local time a unit keeps when none of its kiosks has said (Mexico's
/// central time, UTC-6, no daylight saving since 2022).
pub const DEFAULT_UTC_OFFSET_MINUTES: i32 = -360;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpeningHours {
    /// Open on these weekdays, Monday first.
    pub days: [bool; 7],
    /// Minutes from local midnight.
    pub open: u16,
    /// Up to 1440 (24:00): open until midnight.
    pub close: u16,
}

impl Default for OpeningHours {
    /// Every day 07:00-20:00.
    fn default() -> Self {
        Self {
            days: [true; 7],
            open: 7 * 60,
            close: 20 * 60,
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum HoursError {
    #[error("`{0}` no es una hora HH:MM (00:00 a 24:00)")]
    Time(String),
    #[error("`{0}` no son días: use lun,mar,mie,jue,vie,sab,dom, rangos como lun-vie, o todos")]
    Days(String),
    #[error("la apertura ({0}) debe ser antes del cierre ({1})")]
    Order(String, String),
}

fn hhmm(m: u16) -> String {
    format!("{:02}:{:02}", m / 60, m % 60)
}

/// `HH:MM` as minutes from midnight; `24:00` allowed.
pub fn parse_time(s: &str) -> Result<u16, HoursError> {
    let bad = || HoursError::Time(s.to_owned());
    let (h, m) = s.trim().split_once(':').ok_or_else(bad)?;
    let (h, m): (u16, u16) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    if m >= 60 || h > 24 || (h == 24 && m > 0) {
        return Err(bad());
    }
    Ok(h * 60 + m)
}

/// `todos`, or day names and ranges separated by commas: `lun-vie,sab`.
pub fn parse_days(s: &str) -> Result<[bool; 7], HoursError> {
    let bad = || HoursError::Days(s.to_owned());
    let index = |d: &str| {
        let d = d.trim().to_lowercase().replace('é', "e").replace('á', "a");
        DAY_NAMES.iter().position(|n| *n == d).ok_or_else(bad)
    };
    if s.trim().eq_ignore_ascii_case("todos") {
        return Ok([true; 7]);
    }
    let mut days = [false; 7];
    for part in s.split(',').filter(|p| !p.trim().is_empty()) {
        match part.split_once('-') {
            Some((a, b)) => {
                let (a, b) = (index(a)?, index(b)?);
                if a > b {
                    return Err(bad());
                }
                days[a..=b].iter_mut().for_each(|d| *d = true);
            }
            None => days[index(part)?] = true,
        }
    }
    if days.iter().any(|d| *d) {
        Ok(days)
    } else {
        Err(bad())
    }
}

impl OpeningHours {
    pub fn new(days: [bool; 7], open: u16, close: u16) -> Result<Self, HoursError> {
        if open >= close || close > 1440 {
            return Err(HoursError::Order(hhmm(open), hhmm(close)));
        }
        Ok(Self { days, open, close })
    }

    /// The days as stored: ISO weekday digits, `1234567`.
    pub fn days_digits(&self) -> String {
        (1..=7)
            .zip(self.days)
            .filter(|(_, open)| *open)
            .map(|(d, _)| char::from(b'0' + d))
            .collect()
    }

    pub fn from_stored(digits: &str, open: i64, close: i64) -> Option<Self> {
        let mut days = [false; 7];
        for c in digits.chars() {
            let d = c.to_digit(10).filter(|d| (1..=7).contains(d))?;
            days[d as usize - 1] = true;
        }
        Self::new(days, u16::try_from(open).ok()?, u16::try_from(close).ok()?).ok()
    }

    /// Open time in `[from, to)`, counted in the unit's local time.
    pub fn open_between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        utc_offset_minutes: i32,
    ) -> Duration {
        if to <= from {
            return Duration::zero();
        }
        let Some(tz) = FixedOffset::east_opt(utc_offset_minutes * 60) else {
            return Duration::zero();
        };
        let (from_l, to_l) = (from.with_timezone(&tz), to.with_timezone(&tz));
        let mut total = Duration::zero();
        let mut day = from_l.date_naive();
        // Bounded: a kiosk silent for years counts its first few years only.
        for _ in 0..3700 {
            if day > to_l.date_naive() {
                break;
            }
            if self.days[day.weekday().num_days_from_monday() as usize] {
                let at = |m: u16| {
                    let t = NaiveTime::from_hms_opt(0, 0, 0).unwrap_or_default();
                    day.and_time(t)
                        .and_local_timezone(tz)
                        .single()
                        .map(|d| d + Duration::minutes(i64::from(m)))
                };
                if let (Some(open), Some(close)) = (at(self.open), at(self.close)) {
                    let (a, b) = (open.max(from_l), close.min(to_l));
                    if b > a {
                        total += b - a;
                    }
                }
            }
            let Some(next) = day.succ_opt() else { break };
            day = next;
        }
        total
    }
}

impl std::fmt::Display for OpeningHours {
    /// `lun-vie 07:00-20:00`, `todos 00:00-24:00`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let days = if self.days.iter().all(|d| *d) {
            "todos".to_owned()
        } else {
            // Runs of consecutive days as ranges.
            let mut parts = Vec::new();
            let mut i = 0;
            while i < 7 {
                if !self.days[i] {
                    i += 1;
                    continue;
                }
                let start = i;
                while i + 1 < 7 && self.days[i + 1] {
                    i += 1;
                }
                parts.push(if start == i {
                    DAY_NAMES[i].to_owned()
                } else {
                    format!("{}-{}", DAY_NAMES[start], DAY_NAMES[i])
                });
                i += 1;
            }
            parts.join(",")
        };
        write!(f, "{days} {}-{}", hhmm(self.open), hhmm(self.close))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        // Local time at UTC-6.
        Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap() + Duration::hours(6)
    }

    #[test]
    fn only_open_time_counts() {
        let h = OpeningHours::default();
        // Monday 2026-12-07 19:00 to Tuesday 08:30: 1 h + 1.5 h.
        let d = h.open_between(at(2026, 12, 7, 19, 0), at(2026, 12, 8, 8, 30), -360);
        assert_eq!(d, Duration::minutes(150));
        let weekdays = OpeningHours::new(parse_days("lun-vie").unwrap(), 420, 1200).unwrap();
        // Friday 19:30 to Monday 07:30: half an hour on Friday, half on Monday.
        let d = weekdays.open_between(at(2026, 12, 11, 19, 30), at(2026, 12, 14, 7, 30), -360);
        assert_eq!(d, Duration::minutes(60));
        let always = OpeningHours::new([true; 7], 0, 1440).unwrap();
        let d = always.open_between(at(2026, 12, 7, 10, 0), at(2026, 12, 9, 10, 0), -360);
        assert_eq!(d, Duration::hours(48));
        assert_eq!(
            d,
            always.open_between(at(2026, 12, 7, 10, 0), at(2026, 12, 9, 10, 0), -300)
        );
    }

    #[test]
    fn days_and_times_parse_and_print() {
        assert_eq!(parse_time("24:00"), Ok(1440));
        assert!(parse_time("24:01").is_err());
        assert!(parse_time("7").is_err());
        let h = OpeningHours::new(parse_days("lun-vie,dom").unwrap(), 450, 1260).unwrap();
        assert_eq!(h.to_string(), "lun-vie,dom 07:30-21:00");
        assert_eq!(h.days_digits(), "123457");
        assert_eq!(OpeningHours::from_stored("123457", 450, 1260), Some(h));
        assert_eq!(OpeningHours::default().to_string(), "todos 07:00-20:00");
        assert!(parse_days("vie-lun").is_err());
        assert!(OpeningHours::new([true; 7], 600, 600).is_err());
    }
}
