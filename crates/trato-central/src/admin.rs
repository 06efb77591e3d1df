//! Administrative operations behind the CLI (`kiosk add|list|revoke`,
//! `survey publish`), callable from tests against the same store.

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use trato_domain::SurveyDefinition;

use crate::error::{AdminError, StoreError};
use crate::store::{KioskRecord, NewKiosk, Publish, PutSurvey, Scope, Store};
use crate::surveys::{default_surveys, survey_hash};
use crate::token::{generate_token, hash_token};
use trato_domain::clues::validate_clues;

/// A kiosk just issued. `token` exists only here: the centre keeps its hash.
#[derive(Debug, Clone)]
pub struct IssuedKiosk {
    pub id: String,
    pub unit_clues: String,
    pub name: String,
    pub token: String,
}

pub async fn add_kiosk(
    store: &dyn Store,
    unit: &str,
    name: &str,
) -> Result<IssuedKiosk, AdminError> {
    add_kiosk_with_id(store, unit, name, None).await
}

/// As [`add_kiosk`], registering the kiosk under the id it already has
/// (`trato-kiosk status` shows it; every response it stored carries it), so
/// responses taken before the kiosk got its token are accepted too. `None`
/// makes a new id.
pub async fn add_kiosk_with_id(
    store: &dyn Store,
    unit: &str,
    name: &str,
    kiosk_id: Option<&str>,
) -> Result<IssuedKiosk, AdminError> {
    validate_clues(unit)?;
    let id = match kiosk_id.map(str::trim) {
        None => uuid::Uuid::now_v7().to_string(),
        Some(id)
            if !id.is_empty()
                && id.chars().count() <= 64
                && !id.chars().any(|c| c.is_control() || c.is_whitespace()) =>
        {
            id.to_owned()
        }
        Some(_) => return Err(AdminError::BadKioskId),
    };
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(AdminError::BadName);
    }
    let token = generate_token().map_err(|e| AdminError::Random(e.to_string()))?;
    store
        .add_kiosk(NewKiosk {
            id: id.clone(),
            unit_clues: unit.to_owned(),
            name: name.to_owned(),
            token_hash: hash_token(&token),
            created_at: Utc::now(),
        })
        .await?;
    tracing::info!(kiosk = %id, unit, "kiosk added");
    Ok(IssuedKiosk {
        id,
        unit_clues: unit.to_owned(),
        name: name.to_owned(),
        token,
    })
}

pub async fn list_kiosks(store: &dyn Store) -> Result<Vec<KioskRecord>, AdminError> {
    Ok(store.list_kiosks().await?)
}

/// Revokes at once: the next request with that token gets 401.
pub async fn revoke_kiosk(store: &dyn Store, id: &str) -> Result<(), AdminError> {
    if store.revoke_kiosk(id, Utc::now()).await? {
        tracing::info!(kiosk = %id, "kiosk revoked");
        Ok(())
    } else {
        Err(AdminError::NoSuchKiosk(id.to_owned()))
    }
}

/// Parses a scope as written on the command line: `national`,
/// `ooad:NAME`, `umae:NAME` or `unit:CLUES`.
pub fn parse_scope(text: &str) -> Result<Scope, AdminError> {
    let bad = || AdminError::BadScope(text.to_owned());
    let scope = match text.trim().split_once(':') {
        None if text.trim() == "national" => Scope::National,
        Some(("ooad", name)) if !name.trim().is_empty() => Scope::Ooad(name.trim().to_owned()),
        Some(("umae", name)) if !name.trim().is_empty() => Scope::Umae(name.trim().to_owned()),
        Some(("unit", clues)) => {
            validate_clues(clues)?;
            Scope::Unit(clues.to_owned())
        }
        _ => return Err(bad()),
    };
    Ok(scope)
}

/// The kiosk-local day `--from` names starts at midnight, central Mexico
/// time (UTC−6, no daylight saving since 2022).
pub fn start_of_day(day: NaiveDate) -> DateTime<Utc> {
    let offset = FixedOffset::west_opt(6 * 3600).expect("a valid offset");
    day.and_hms_opt(0, 0, 0)
        .expect("midnight exists")
        .and_local_timezone(offset)
        .single()
        .expect("a fixed offset is unambiguous")
        .with_timezone(&Utc)
}

/// Validates a survey document and publishes it for a scope, from now.
/// Republishing an identical version is allowed (it becomes the newest
/// publication again); changing a stored version is not.
pub async fn publish_survey(
    store: &dyn Store,
    json: &str,
    scope: Scope,
) -> Result<SurveyDefinition, AdminError> {
    publish_survey_from(store, json, scope, Utc::now()).await
}

/// As [`publish_survey`], in force from `active_from` (`--from DATE`).
/// An OOAD or UMAE must be in the unit catalogue.
pub async fn publish_survey_from(
    store: &dyn Store,
    json: &str,
    scope: Scope,
    active_from: DateTime<Utc>,
) -> Result<SurveyDefinition, AdminError> {
    match &scope {
        Scope::Unit(u) => validate_clues(u)?,
        Scope::Ooad(name) | Scope::Umae(name) => {
            let (kind, _) = scope.parts();
            let units = store.dash().units().await?;
            if !units
                .iter()
                .any(|u| u.parent_kind == kind && u.parent == *name)
            {
                return Err(AdminError::UnknownParent {
                    kind,
                    name: name.clone(),
                });
            }
        }
        Scope::National => {}
    }
    let def = SurveyDefinition::from_json(json)?;
    put(store, &def, Some(Publish { scope, active_from })).await?;
    Ok(def)
}

/// Ends a publication at once; kiosks of its scope go back to the next
/// publication in force for them (or the default survey) at their next sync.
pub async fn withdraw_publication(store: &dyn Store, id: i64) -> Result<(), AdminError> {
    if store.withdraw_publication(id, Utc::now()).await? {
        tracing::info!(publication = id, "survey publication withdrawn");
        Ok(())
    } else {
        Err(AdminError::NoSuchPublication(id))
    }
}

/// Makes every embedded default survey version known to the store (not
/// published: they are the fallback when nothing is). Called whenever a
/// store is opened.
pub async fn ensure_default_survey(store: &dyn Store) -> Result<(), StoreError> {
    for def in default_surveys() {
        ensure_one_default(store, &def).await?;
    }
    Ok(())
}

async fn ensure_one_default(store: &dyn Store, def: &SurveyDefinition) -> Result<(), StoreError> {
    let json = serde_json::to_string(def).unwrap_or_default();
    let outcome = store
        .put_survey(
            &def.id,
            def.version,
            &json,
            &survey_hash(def),
            None,
            Utc::now(),
        )
        .await?;
    if outcome == PutSurvey::Different && stored_lacks_meaning(store, def).await? {
        // An older copy that asks the same questions: declare its meaning.
        store
            .replace_survey(&def.id, def.version, &json, &survey_hash(def))
            .await?;
        tracing::info!("{} v{}: meaning declarations added", def.id, def.version);
    } else if outcome == PutSurvey::Different {
        // Keep what responses were checked against; say so loudly.
        tracing::warn!(
            "the stored {} v{} differs from the embedded default; keeping the stored one",
            def.id,
            def.version
        );
    }
    Ok(())
}

/// Whether the stored copy of `def`'s version is `def` without its meaning
/// declarations (a centre from before format 2), or without the urgency of
/// its alert rules (a centre from before `urgent`).
async fn stored_lacks_meaning(
    store: &dyn Store,
    def: &SurveyDefinition,
) -> Result<bool, StoreError> {
    let Some(json) = store.survey(&def.id, def.version).await? else {
        return Ok(false);
    };
    // Either no meaning at all, or the same meaning before alert rules could
    // be marked urgent: the questions, and what answers count as, are equal.
    Ok(
        serde_json::from_str::<SurveyDefinition>(&json).is_ok_and(|stored| {
            (!stored.declares_meaning() && stored == def.without_meaning())
                || (stored != *def && stored == def.without_urgency())
        }),
    )
}

async fn put(
    store: &dyn Store,
    def: &SurveyDefinition,
    target: Option<Publish>,
) -> Result<(), AdminError> {
    let json = serde_json::to_string(def).map_err(trato_domain::SurveyError::Json)?;
    match store
        .put_survey(
            &def.id,
            def.version,
            &json,
            &survey_hash(def),
            target,
            Utc::now(),
        )
        .await?
    {
        PutSurvey::Inserted | PutSurvey::AlreadyThere => Ok(()),
        PutSurvey::Different => Err(AdminError::SurveyVersionChanged {
            id: def.id.clone(),
            version: def.version,
        }),
    }
}
