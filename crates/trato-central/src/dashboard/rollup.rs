//! `trato-central rollup rebuild`: recomputes the dashboard's rollups
//! (`daily_figures`, `daily_unit_figures`, the service areas and any missing
//! alerts) from the stored responses and answers. Ingest keeps them up to
//! date; this is for responses stored before the dashboard existed, or after
//! a fix to how figures are counted.
//!
//! Work goes one unit and at most [`CHUNK_DAYS`] days at a time, each chunk
//! one transaction that replaces the chunk's rows with counts made from
//! scratch: running it twice, or stopping it half way and running it again,
//! gives the same figures, and batches arriving meanwhile are neither lost
//! nor counted twice (see the backends' `rebuild_rollup`).

use std::time::{Duration, Instant};

use chrono::NaiveDate;

use crate::error::StoreError;
use crate::store::Store;

/// Days per chunk: a month of one unit is a few thousand responses at the
/// busiest units, so a chunk holds up ingest for milliseconds, and a year of
/// 1,100 units is about 13,000 commits.
pub const CHUNK_DAYS: i64 = 31;

/// What a rebuild did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RebuildReport {
    pub units: usize,
    pub chunks: usize,
    /// Responses counted (flagged ones excluded).
    pub responses: i64,
    /// `daily_figures` rows written.
    pub rows: u64,
    pub alerts_added: u64,
}

/// Rebuilds every unit's rollups over `from..=to` (each end defaults to the
/// unit's first or last data). `progress` is called after each unit with the
/// unit and the running totals.
pub async fn rebuild(
    store: &dyn Store,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    mut progress: impl FnMut(&str, &RebuildReport),
) -> Result<RebuildReport, StoreError> {
    let dash = store.dash();
    let mut report = RebuildReport::default();
    for unit in dash.rollup_units().await? {
        let Some((first, last)) = dash.rollup_span(&unit).await? else {
            continue;
        };
        // Outside its span a unit has neither responses nor rows to replace.
        let lo = from.map_or(first, |f| f.max(first));
        let hi = to.map_or(last, |t| t.min(last));
        if lo > hi {
            continue;
        }
        report.units += 1;
        let mut start = lo;
        while start <= hi {
            let end = (start + chrono::Duration::days(CHUNK_DAYS - 1)).min(hi);
            let c = dash.rebuild_rollup(&unit, start, end).await?;
            report.chunks += 1;
            report.responses += c.responses;
            report.rows += c.rows;
            report.alerts_added += c.alerts_added;
            start = end + chrono::Duration::days(1);
        }
        progress(&unit, &report);
    }
    Ok(report)
}

/// A `progress` for [`rebuild`] that logs at most every `every`.
pub fn log_every(every: Duration) -> impl FnMut(&str, &RebuildReport) {
    let mut last = Instant::now();
    move |unit, r| {
        if last.elapsed() >= every {
            last = Instant::now();
            tracing::info!(
                unit,
                units = r.units,
                responses = r.responses,
                alerts_added = r.alerts_added,
                "rollup rebuild in progress"
            );
        }
    }
}
