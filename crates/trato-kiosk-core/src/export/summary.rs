//! Summary figures of a period, from SQL aggregates (never from the rows):
//! responses per local day, and per question the count of each option, with
//! % positive and % negative for faces indicators as the NHS Friends and
//! Family Test reports them. Which options are positive or negative is what
//! the survey declares (`trato_domain::meaning`), never a list of codes.

use std::collections::HashMap;

use chrono::NaiveDate;
use rusqlite::Connection;
use trato_domain::{QuestionKind, Sentiment};

use super::layout::Layout;
use super::period::{Period, WHERE};
use super::ExportError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DayCount {
    pub date: NaiveDate,
    pub total: u64,
    pub complete: u64,
    pub abandoned: u64,
    pub flagged: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OptionCount {
    pub code: String,
    pub label: String,
    pub count: u64,
    /// As the newest version declares it (`None`: no opinion, or a code
    /// that version no longer lists).
    pub sentiment: Option<Sentiment>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct QuestionSummary {
    pub id: String,
    pub prompt: String,
    pub kind: QuestionKind,
    pub headline: bool,
    /// A faces question carrying an indicator: its % positive and %
    /// negative are reported.
    pub scale: bool,
    /// Responses that answered the question (the percentages' base).
    pub answered: u64,
    pub options: Vec<OptionCount>,
}

impl QuestionSummary {
    /// The options with this sentiment, in the survey's order.
    pub(crate) fn with_sentiment(&self, s: Sentiment) -> impl Iterator<Item = &OptionCount> {
        self.options.iter().filter(move |o| o.sentiment == Some(s))
    }

    fn sum(&self, s: Sentiment) -> Option<u64> {
        self.scale
            .then(|| self.with_sentiment(s).map(|o| o.count).sum())
    }

    /// Answers the survey declares positive (faces indicators only).
    pub(crate) fn positive(&self) -> Option<u64> {
        self.sum(Sentiment::Positive)
    }

    /// Answers the survey declares negative (faces indicators only).
    pub(crate) fn negative(&self) -> Option<u64> {
        self.sum(Sentiment::Negative)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Summary {
    pub days: Vec<DayCount>,
    /// Questions with options, in column order.
    pub questions: Vec<QuestionSummary>,
}

impl Summary {
    pub(crate) fn load(
        conn: &Connection,
        period: &Period,
        layout: &Layout,
    ) -> Result<Self, ExportError> {
        Ok(Summary {
            days: days(conn, period)?,
            questions: questions(conn, period, layout)?,
        })
    }

    pub(crate) fn headline(&self) -> Option<&QuestionSummary> {
        self.questions.iter().find(|q| q.headline)
    }
}

fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

fn days(conn: &Connection, period: &Period) -> Result<Vec<DayCount>, ExportError> {
    let mut stmt = conn.prepare(&format!(
        "SELECT date(r.finished_at, r.utc_offset_minutes || ' minutes') AS day, COUNT(*),
                SUM(r.status = 'complete'), SUM(r.status = 'abandoned'), SUM(r.status = 'flagged')
         FROM responses r WHERE {WHERE} GROUP BY day ORDER BY day"
    ))?;
    let mut rows = stmt.query(&period.params()[..])?;
    let mut days = Vec::new();
    while let Some(r) = rows.next()? {
        let day: String = r.get(0)?;
        let date = NaiveDate::parse_from_str(&day, "%Y-%m-%d")
            .map_err(|e| ExportError::Corrupt(format!("bad day {day:?}: {e}")))?;
        days.push(DayCount {
            date,
            total: count(r.get(1)?),
            complete: count(r.get(2)?),
            abandoned: count(r.get(3)?),
            flagged: count(r.get(4)?),
        });
    }
    Ok(days)
}

fn questions(
    conn: &Connection,
    period: &Period,
    layout: &Layout,
) -> Result<Vec<QuestionSummary>, ExportError> {
    // Each answered question has exactly one answer row at position 0 (its
    // first code, or its text), so SUM(position = 0) counts who answered it.
    let mut stmt = conn.prepare(&format!(
        "SELECT a.question_id, a.option_code, COUNT(*), SUM(a.position = 0)
         FROM responses r JOIN answers a ON a.response_id = r.id
         WHERE {WHERE} GROUP BY a.question_id, a.option_code"
    ))?;
    let mut counts: HashMap<(String, String), u64> = HashMap::new();
    let mut answered: HashMap<String, u64> = HashMap::new();
    let mut rows = stmt.query(&period.params()[..])?;
    while let Some(r) = rows.next()? {
        let question: String = r.get(0)?;
        let code: Option<String> = r.get(1)?;
        *answered.entry(question.clone()).or_default() += count(r.get(3)?);
        if let Some(code) = code {
            counts.insert((question, code), count(r.get(2)?));
        }
    }

    let mut out = Vec::new();
    for column in layout.columns.iter().filter(|c| c.kind.takes_codes()) {
        let Some(version) = layout.newest_with(&column.id) else {
            continue;
        };
        let definition = &version.definition;
        let Some(question) = definition.question(&column.id) else {
            continue;
        };
        let mut options: Vec<OptionCount> = question
            .effective_codes()
            .into_iter()
            .map(|code| {
                let label = question
                    .option(&code)
                    .map_or(code.as_str(), |o| layout.text(definition, &o.label))
                    .to_owned();
                let count = counts
                    .remove(&(column.id.clone(), code.clone()))
                    .unwrap_or(0);
                let sentiment = question.sentiment(&code);
                OptionCount {
                    code,
                    label,
                    count,
                    sentiment,
                }
            })
            .collect();
        // Codes of older versions that the newest no longer lists.
        let mut older: Vec<OptionCount> = counts
            .iter()
            .filter(|((q, _), _)| *q == column.id)
            .map(|((_, code), n)| OptionCount {
                code: code.clone(),
                label: code.clone(),
                count: *n,
                sentiment: None,
            })
            .collect();
        older.sort_by(|a, b| a.code.cmp(&b.code));
        options.extend(older);
        out.push(QuestionSummary {
            id: column.id.clone(),
            prompt: layout.text(definition, &question.prompt).to_owned(),
            kind: question.kind,
            headline: question.headline,
            scale: question.kind == QuestionKind::Faces && question.indicator.is_some(),
            answered: answered.get(&column.id).copied().unwrap_or(0),
            options,
        });
    }
    Ok(out)
}
