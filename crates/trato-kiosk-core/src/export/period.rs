//! Which responses a period selects: local days, inclusive, optionally one
//! service. The same SQL condition feeds the count, the rows and the summary,
//! so the three always agree.

use chrono::{Duration, NaiveDate, NaiveTime};
use rusqlite::{Connection, ToSql};

use super::ExportError;

/// UTC offsets in use run from -12:00 to +14:00: widening the UTC range by 14
/// hours each side catches every response whose local day is in the period.
const WIDEN_HOURS: i64 = 14;

/// The condition on `responses r`. The `finished_at` range uses the
/// `responses_finished_at` index; the local-date check is then exact.
/// Times are stored as fixed-width RFC 3339 UTC text, which SQLite's `date()`
/// reads and which compares in time order.
pub(crate) const WHERE: &str = "r.finished_at >= :lo AND r.finished_at < :hi
     AND date(r.finished_at, r.utc_offset_minutes || ' minutes') BETWEEN :from AND :to
     AND (:service IS NULL OR r.service_area = :service)";

/// A validated period, ready to bind into [`WHERE`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub service: Option<String>,
    lo: String,
    hi: String,
    from_text: String,
    to_text: String,
}

/// How many responses of one survey version the period holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct VersionCount {
    pub survey_id: String,
    pub version: u32,
    pub count: u64,
}

impl Period {
    /// A period from `from` to `to`, both local days included. A blank
    /// service means every service.
    pub fn new(from: NaiveDate, to: NaiveDate, service: Option<&str>) -> Result<Self, ExportError> {
        if from > to {
            return Err(ExportError::BackwardsPeriod { from, to });
        }
        let lo = from
            .and_time(NaiveTime::MIN)
            .checked_sub_signed(Duration::hours(WIDEN_HOURS));
        let hi = to
            .succ_opt()
            .map(|d| d.and_time(NaiveTime::MIN))
            .and_then(|t| t.checked_add_signed(Duration::hours(WIDEN_HOURS)));
        Ok(Period {
            from,
            to,
            service: service
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned),
            // Outside the years RFC 3339 can write, the bound is left open.
            lo: lo
                .filter(|t| t.format("%Y").to_string().len() == 4)
                .map_or_else(String::new, |t| {
                    t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
                }),
            hi: hi
                .filter(|t| t.format("%Y").to_string().len() == 4)
                .map_or_else(
                    || "~".to_owned(),
                    |t| t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
                ),
            from_text: from.format("%Y-%m-%d").to_string(),
            to_text: to.format("%Y-%m-%d").to_string(),
        })
    }

    /// The named parameters of [`WHERE`].
    pub(crate) fn params(&self) -> [(&'static str, &dyn ToSql); 5] {
        [
            (":lo", &self.lo),
            (":hi", &self.hi),
            (":from", &self.from_text),
            (":to", &self.to_text),
            (":service", &self.service),
        ]
    }

    /// `sql` with this period's values written in place of the parameters,
    /// for running the same statement outside the program (`sqlite3`).
    pub fn inline(&self, sql: &str) -> String {
        let quote = |s: &str| format!("'{}'", s.replace('\'', "''"));
        sql.replace(":lo", &quote(&self.lo))
            .replace(":hi", &quote(&self.hi))
            .replace(":from", &quote(&self.from_text))
            .replace(":to", &quote(&self.to_text))
            .replace(
                ":service",
                &self.service.as_deref().map_or("NULL".to_owned(), quote),
            )
    }

    /// The survey versions answered in the period, oldest first, with counts.
    pub(crate) fn survey_versions(
        &self,
        conn: &Connection,
    ) -> Result<Vec<VersionCount>, ExportError> {
        let mut stmt = conn.prepare(&format!(
            "SELECT r.survey_id, r.survey_version, COUNT(*) FROM responses r
             WHERE {WHERE} GROUP BY 1, 2 ORDER BY 1, 2"
        ))?;
        let rows = stmt.query_map(&self.params()[..], |r| {
            Ok(VersionCount {
                survey_id: r.get(0)?,
                version: r.get(1)?,
                count: r.get::<_, i64>(2)?.try_into().unwrap_or(0),
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    #[test]
    fn bounds_are_widened_by_the_largest_offsets() {
        let p = Period::new(day(2026, 11, 1), day(2026, 11, 30), Some(" ")).unwrap();
        assert_eq!(p.lo, "2026-10-31T10:00:00.000Z");
        assert_eq!(p.hi, "2026-12-01T14:00:00.000Z");
        assert_eq!(p.service, None);
    }

    #[test]
    fn a_backwards_period_is_refused() {
        assert!(matches!(
            Period::new(day(2026, 11, 2), day(2026, 11, 1), None),
            Err(ExportError::BackwardsPeriod { .. })
        ));
    }

    #[test]
    fn extreme_dates_leave_the_bounds_open() {
        let p = Period::new(NaiveDate::MIN, NaiveDate::MAX, None).unwrap();
        assert_eq!(p.lo, "");
        assert_eq!(p.hi, "~");
    }
}
