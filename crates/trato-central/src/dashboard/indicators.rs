//! The indicators of a scope and period: whatever the survey versions
//! answered there declare, each with its label from those definitions, its
//! counts, and which versions contributed. Nothing here names a question.

use std::collections::BTreeMap;

use serde::Serialize;
use trato_domain::{LocalizedText, SurveyDefinition};

use super::Percentages;
use crate::error::StoreError;
use crate::store::dash::{IndicatorSum, Tally};
use crate::store::Store;

/// One version's part of an indicator.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VersionCounts {
    pub survey_id: String,
    pub version: u32,
    pub counts: Tally,
}

/// An indicator over the period: `"key": "overall"`, its label, its counts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IndicatorFigures {
    pub key: String,
    pub label: LocalizedText,
    /// Whether it is the headline of the newest version that asks it.
    pub headline: bool,
    pub counts: Tally,
    /// Percentages over the answers with an opinion (positive + neutral + negative).
    #[serde(flatten)]
    pub pct: Percentages,
    pub versions: Vec<VersionCounts>,
}

/// The key of the headline indicator: the one the newest version declares
/// headline, else the first.
pub fn headline(list: &[IndicatorFigures]) -> Option<&str> {
    list.iter()
        .find(|i| i.headline)
        .or(list.first())
        .map(|i| i.key.as_str())
}

/// The indicators of these per-version sums (a scope and period's), headline
/// first, then in the question order of the newest contributing version.
pub async fn indicators(
    store: &dyn Store,
    sums: &[IndicatorSum],
) -> Result<Vec<IndicatorFigures>, StoreError> {
    let mut defs: BTreeMap<(String, u32), Option<SurveyDefinition>> = BTreeMap::new();
    for s in sums {
        if let std::collections::btree_map::Entry::Vacant(slot) =
            defs.entry((s.survey_id.clone(), s.survey_version))
        {
            let def = store
                .survey(&s.survey_id, s.survey_version)
                .await?
                .and_then(|j| SurveyDefinition::from_json(&j).ok());
            slot.insert(def);
        }
    }
    Ok(assemble(sums, &defs))
}

/// Folds per-version sums into one entry per indicator key.
pub fn assemble(
    sums: &[IndicatorSum],
    defs: &BTreeMap<(String, u32), Option<SurveyDefinition>>,
) -> Vec<IndicatorFigures> {
    // (rank, figures) per key; the newest version's label and order win.
    let mut out: BTreeMap<String, ((bool, u32, usize), IndicatorFigures)> = BTreeMap::new();
    for s in sums {
        let def = defs
            .get(&(s.survey_id.clone(), s.survey_version))
            .and_then(Option::as_ref);
        let declared = def.and_then(|d| {
            d.indicators()
                .enumerate()
                .find(|(_, i)| i.key == s.indicator)
        });
        let entry = out.entry(s.indicator.clone()).or_insert_with(|| {
            (
                (false, 0, usize::MAX),
                IndicatorFigures {
                    key: s.indicator.clone(),
                    label: LocalizedText::new(),
                    headline: false,
                    counts: Tally::default(),
                    pct: Percentages::default(),
                    versions: Vec::new(),
                },
            )
        });
        if let Some((position, ind)) = declared {
            if entry.1.label.is_empty() || s.survey_version >= entry.0 .1 {
                entry.0 = (ind.headline, s.survey_version, position);
                entry.1.label = ind.label;
                entry.1.headline = ind.headline;
            }
        }
        entry.1.counts.add(&s.tally);
        entry.1.versions.push(VersionCounts {
            survey_id: s.survey_id.clone(),
            version: s.survey_version,
            counts: s.tally,
        });
    }
    let mut list: Vec<((bool, u32, usize), IndicatorFigures)> = out.into_values().collect();
    list.sort_by(|(a, fa), (b, fb)| b.0.cmp(&a.0).then(a.2.cmp(&b.2)).then(fa.key.cmp(&fb.key)));
    list.into_iter()
        .map(|(_, mut f)| {
            f.pct = f.counts.into();
            if f.label.is_empty() {
                f.label.insert("es".into(), f.key.clone());
            }
            f
        })
        .collect()
}
