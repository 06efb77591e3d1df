//! The state of the kiosks (the tablero's Kioscos view and the digest's
//! count): each registered kiosk's last contact, the backlog and survey it
//! last reported, its clock skew, and whether it went silent. Silence counts
//! only within its unit's opening hours, in the unit's local time (the UTC
//! offset its kiosks report), so a kiosk switched off at night is not silent.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use crate::error::StoreError;
use crate::local_time::{self, UnitClocks};
use crate::opening_hours::OpeningHours;
use crate::store::dash::Unit;
use crate::store::Store;

/// Silence shorter than this much opening time is normal: an idle kiosk
/// still asks the centre for its survey every 10 minutes.
pub const GRACE: Duration = Duration::hours(1);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KioskState {
    /// Heard from within the grace, counting opening time only.
    AlDia,
    /// Not heard from for longer.
    SinContacto,
    /// Never heard from since it was registered.
    NuncaConectado,
}

#[derive(Debug, Clone, Serialize)]
pub struct KioskStatus {
    pub id: String,
    pub name: String,
    pub unit_clues: String,
    pub unit_name: String,
    pub parent: String,
    pub last_contact: Option<DateTime<Utc>>,
    /// The same in the unit's local time, as the page shows it.
    pub last_contact_local: Option<String>,
    /// Responses pending on the kiosk behind its last batch, as it said.
    pub backlog: Option<i64>,
    pub survey_id: Option<String>,
    pub survey_version: Option<u32>,
    /// Centre clock minus kiosk clock at its last batch.
    pub clock_offset_ms: Option<i64>,
    pub clock_skewed: bool,
    pub state: KioskState,
    /// "al día", "sin contacto desde hace 30 h", "nunca conectado".
    pub state_label: String,
    /// Whole hours since the last contact (wall clock).
    pub hours_since_contact: Option<i64>,
    /// Opening time without contact since the last one, in hours.
    pub silent_open_hours: Option<f64>,
    /// Silent for at least the threshold of opening time.
    pub silent: bool,
    /// The unit's opening hours, e.g. "lun-vie 07:00-20:00".
    pub opening_hours: String,
    /// The unit's local time used: its kiosks' latest reported offset.
    pub utc_offset_minutes: i32,
}

#[derive(Debug, Clone, Serialize)]
pub struct UnitWithoutKiosk {
    pub clues: String,
    pub name: String,
    pub parent: String,
    pub opening_hours: String,
}

#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct FleetCounts {
    pub kiosks: usize,
    pub al_dia: usize,
    pub sin_contacto: usize,
    pub nunca_conectado: usize,
    /// Silent for at least the threshold of opening time.
    pub silent: usize,
    pub units_without_kiosk: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Fleet {
    pub generated_at: DateTime<Utc>,
    /// The threshold, in opening hours.
    pub silent_after_hours: i64,
    pub counts: FleetCounts,
    pub kiosks: Vec<KioskStatus>,
    pub units_without_kiosk: Vec<UnitWithoutKiosk>,
}

/// The kiosks of `units` (`None`: all) and the catalogue units among them
/// with no kiosk. Revoked kiosks are not registered any more: left out.
pub async fn fleet(
    store: &dyn Store,
    units: Option<&[String]>,
    catalogue: &[Unit],
    now: DateTime<Utc>,
    silent_after: Duration,
) -> Result<Fleet, StoreError> {
    let in_scope = |c: &str| units.is_none_or(|u| u.iter().any(|x| x == c));
    let kiosks: Vec<_> = store
        .list_kiosks()
        .await?
        .into_iter()
        .filter(|k| k.revoked_at.is_none() && in_scope(&k.unit_clues))
        .collect();
    let surveys: HashMap<String, _> = store
        .kiosk_surveys()
        .await?
        .into_iter()
        .map(|r| (r.kiosk_id.clone(), r))
        .collect();
    let hours: HashMap<String, OpeningHours> =
        store.fleet().unit_hours().await?.into_iter().collect();
    let hours_of = |u: &str| hours.get(u).copied().unwrap_or_default();
    let clocks = UnitClocks::from_kiosks(&kiosks);
    let offset_of = |u: &str| clocks.offset(u);
    let unit_of = |c: &str| catalogue.iter().find(|u| u.clues == c);

    let mut counts = FleetCounts::default();
    let mut out = Vec::with_capacity(kiosks.len());
    for k in &kiosks {
        let report = surveys.get(&k.id);
        let checked = report.map(|r| r.reported_at);
        let last_contact = k.last_seen_at.max(checked);
        // The survey from whichever report is newer.
        let (survey_id, survey_version) = match (report, &k.last_survey) {
            (Some(r), _) if Some(r.reported_at) >= k.last_seen_at => {
                (Some(r.survey_id.clone()), Some(r.survey_version))
            }
            (_, Some((id, v))) => (Some(id.clone()), Some(*v)),
            (Some(r), None) => (Some(r.survey_id.clone()), Some(r.survey_version)),
            (None, None) => (None, None),
        };
        let hours = hours_of(&k.unit_clues);
        let offset = offset_of(&k.unit_clues);
        let (state, label, since, open_silence, silent) = match last_contact {
            None => (
                KioskState::NuncaConectado,
                "nunca conectado".to_owned(),
                None,
                None,
                false,
            ),
            Some(t) => {
                let open = hours.open_between(t, now, offset);
                let since = (now - t).num_hours().max(0);
                let silent = open >= silent_after;
                let open_h = (open.num_minutes() as f64 / 6.0).round() / 10.0;
                if open < GRACE {
                    (
                        KioskState::AlDia,
                        "al día".to_owned(),
                        Some(since),
                        Some(open_h),
                        silent,
                    )
                } else {
                    let label = format!("sin contacto desde hace {since} h");
                    (
                        KioskState::SinContacto,
                        label,
                        Some(since),
                        Some(open_h),
                        silent,
                    )
                }
            }
        };
        counts.kiosks += 1;
        match state {
            KioskState::AlDia => counts.al_dia += 1,
            KioskState::SinContacto => counts.sin_contacto += 1,
            KioskState::NuncaConectado => counts.nunca_conectado += 1,
        }
        counts.silent += usize::from(silent);
        let unit = unit_of(&k.unit_clues);
        out.push(KioskStatus {
            id: k.id.clone(),
            name: k.name.clone(),
            unit_clues: k.unit_clues.clone(),
            unit_name: unit.map_or_else(|| k.unit_clues.clone(), |u| u.name.clone()),
            parent: unit.map_or_else(|| "(fuera del catálogo)".to_owned(), |u| u.parent.clone()),
            last_contact,
            last_contact_local: last_contact.map(|t| local_time::display(t, offset)),
            backlog: k.last_backlog,
            survey_id,
            survey_version,
            clock_offset_ms: k.last_clock_offset_ms,
            clock_skewed: k
                .last_clock_offset_ms
                .is_some_and(|ms| ms.abs() > trato_domain::wire::CLOCK_SKEW_LIMIT_SECONDS * 1000),
            state,
            state_label: label,
            hours_since_contact: since,
            silent_open_hours: open_silence,
            silent,
            opening_hours: hours.to_string(),
            utc_offset_minutes: offset,
        });
    }
    // The most silent first; never-connected ones after the silent.
    out.sort_by(|a, b| {
        let key = |k: &KioskStatus| match k.state {
            KioskState::SinContacto => (0, -k.silent_open_hours.unwrap_or(0.0)),
            KioskState::NuncaConectado => (1, 0.0),
            KioskState::AlDia => (2, 0.0),
        };
        let (ka, kb) = (key(a), key(b));
        ka.0.cmp(&kb.0)
            .then(ka.1.total_cmp(&kb.1))
            .then_with(|| a.unit_clues.cmp(&b.unit_clues))
            .then_with(|| a.name.cmp(&b.name))
    });
    let without: Vec<UnitWithoutKiosk> = catalogue
        .iter()
        .filter(|u| in_scope(&u.clues) && !kiosks.iter().any(|k| k.unit_clues == u.clues))
        .map(|u| UnitWithoutKiosk {
            clues: u.clues.clone(),
            name: u.name.clone(),
            parent: u.parent.clone(),
            opening_hours: hours_of(&u.clues).to_string(),
        })
        .collect();
    counts.units_without_kiosk = without.len();
    Ok(Fleet {
        generated_at: now,
        silent_after_hours: silent_after.num_hours(),
        counts,
        kiosks: out,
        units_without_kiosk: without,
    })
}
