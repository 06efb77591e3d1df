//! What staff see on the staff screen: today's and this week's counts, and
//! per question the answer distribution with % positive / % negative (as
//! the survey declares its options' sentiment), from
//! the same SQL aggregates as the export's summary sheet.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Serialize;
use trato_domain::QuestionKind;

use crate::export::layout::Layout;
use crate::export::period::{self, Period};
use crate::export::summary::{QuestionSummary, Summary};
use crate::store::{parse_timestamp, StoreError};
use crate::{Kiosk, KioskError};

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StaffOverview {
    pub unit: UnitView,
    pub kiosk_id: String,
    pub kiosk_label: String,
    pub demo: bool,
    pub survey: SurveyRef,
    pub service_areas: Vec<String>,
    pub counts: OverviewCounts,
    /// The last 7 local days, per question with options.
    pub questions: Vec<QuestionView>,
    /// Today's comments (local day), newest first, masked as stored.
    pub comments_today: Vec<CommentView>,
    pub database: DatabaseView,
    /// Sending to the centre, as the database records it (the shell puts
    /// the running sync task's live state here).
    pub sync: crate::sync::SyncView,
}

#[derive(Debug, Clone, Serialize)]
pub struct UnitView {
    pub clues: String,
    pub name: String,
    pub ooad: String,
}

/// The survey this kiosk runs, and a survey the centre offered that it
/// could not use (it keeps this one).
#[derive(Debug, Clone, Serialize)]
pub struct SurveyRef {
    pub id: String,
    pub version: u32,
    pub unusable: Option<crate::store::SurveyOffer>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct OverviewCounts {
    pub today: u64,
    pub week: u64,
    pub total: i64,
    pub pending: i64,
    pub sent: i64,
    pub rejected: i64,
    pub abandoned: i64,
    pub flagged: i64,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct QuestionView {
    pub id: String,
    pub prompt: String,
    pub kind: QuestionKind,
    pub answered: u64,
    /// Answers the survey declares positive, of those who answered (faces
    /// indicators only).
    pub positive_pct: Option<f64>,
    /// Answers the survey declares negative, of those who answered (faces
    /// indicators only).
    pub negative_pct: Option<f64>,
    pub options: Vec<OptionView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct OptionView {
    pub code: String,
    pub label: String,
    pub count: u64,
    pub pct: f64,
}

/// One free-text answer as stored (e-mail, phone, NSS and CURP already masked).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CommentView {
    pub at: DateTime<Utc>,
    pub service_area: String,
    pub text: String,
}

/// At most this many of today's comments reach the staff screen.
pub const COMMENTS_SHOWN: u32 = 50;

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DatabaseView {
    pub bytes: u64,
    pub quick_check: String,
    /// The last patient's answers that could not be stored, and why (a full
    /// disk: `storage_full`).
    pub last_write_failure: Option<crate::kiosk::WriteFailure>,
}

fn pct(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        // One decimal, as staff read it.
        (part as f64 * 1000.0 / whole as f64).round() / 10.0
    }
}

impl QuestionView {
    fn from_summary(q: &QuestionSummary) -> Self {
        QuestionView {
            id: q.id.clone(),
            prompt: q.prompt.clone(),
            kind: q.kind,
            answered: q.answered,
            positive_pct: q.positive().map(|n| pct(n, q.answered)),
            negative_pct: q.negative().map(|n| pct(n, q.answered)),
            options: q
                .options
                .iter()
                .map(|o| OptionView {
                    code: o.code.clone(),
                    label: o.label.clone(),
                    count: o.count,
                    pct: pct(o.count, q.answered),
                })
                .collect(),
        }
    }
}

impl Kiosk {
    /// The staff screen's figures; `today` is the unit's local date.
    pub fn overview(&self, today: NaiveDate, language: &str) -> Result<StaffOverview, KioskError> {
        let conn = self.store().conn();
        let settings = self.settings();
        let week = Period::new(today - Duration::days(6), today, None)?;
        let versions = week.survey_versions(conn)?;
        let layout = Layout::load(conn, &versions, settings, language)?;
        let summary = Summary::load(conn, &week, &layout)?;
        let today_count = summary
            .days
            .iter()
            .filter(|d| d.date == today)
            .map(|d| d.total)
            .sum();
        let stored = self.store().response_counts()?;
        Ok(StaffOverview {
            unit: UnitView {
                clues: settings.unit_clues.clone(),
                name: settings.unit_name.clone(),
                ooad: settings.unit_ooad.clone(),
            },
            kiosk_id: settings.kiosk_id.clone(),
            kiosk_label: settings.kiosk_label.clone(),
            demo: settings.demo,
            survey: SurveyRef {
                id: settings.survey_id.clone(),
                version: settings.survey_version,
                unusable: self
                    .store()
                    .survey_offer()?
                    .filter(|o| !o.problem.is_empty()),
            },
            service_areas: settings.service_areas.clone(),
            counts: OverviewCounts {
                today: today_count,
                week: summary.days.iter().map(|d| d.total).sum(),
                total: stored.total,
                pending: stored.pending,
                sent: stored.sent,
                rejected: stored.rejected,
                abandoned: stored.abandoned,
                flagged: stored.flagged,
            },
            questions: summary
                .questions
                .iter()
                .map(QuestionView::from_summary)
                .collect(),
            comments_today: comments(conn, &Period::new(today, today, None)?)?,
            database: DatabaseView {
                bytes: self.store().size_bytes(),
                quick_check: self.store().quick_check()?,
                last_write_failure: self.last_write_failure().cloned(),
            },
            sync: crate::sync::SyncView::from_store(self.store(), settings)?,
        })
    }
}

/// The period's free-text answers, newest first (the latest [`COMMENTS_SHOWN`]).
fn comments(conn: &rusqlite::Connection, day: &Period) -> Result<Vec<CommentView>, KioskError> {
    let mut stmt = conn
        .prepare(&format!(
            "SELECT r.finished_at, r.service_area, a.text
             FROM responses r JOIN answers a ON a.response_id = r.id
             WHERE {} AND a.text IS NOT NULL AND trim(a.text) <> ''
             ORDER BY r.finished_at DESC, r.seq DESC, a.position
             LIMIT {COMMENTS_SHOWN}",
            period::WHERE
        ))
        .map_err(StoreError::from)?;
    let rows = stmt
        .query_map(&day.params()[..], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })
        .map_err(StoreError::from)?;
    let mut out = Vec::new();
    for row in rows {
        let (at, service_area, text) = row.map_err(StoreError::from)?;
        out.push(CommentView {
            at: parse_timestamp(&at)?,
            service_area,
            text,
        });
    }
    Ok(out)
}
