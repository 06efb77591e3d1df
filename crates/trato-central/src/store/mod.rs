//! Storage behind one trait, with a SQLite and a PostgreSQL implementation that
//! behave the same (the integration tests run against both).

pub mod alerts;
pub mod dash;
mod figure_plan;
pub mod fleet;
pub mod mail;
mod postgres;
mod sqlite;

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use trato_domain::Response;
use uuid::Uuid;

pub use postgres::PostgresStore;
pub use sqlite::{Durability, SqliteStore};

use crate::error::StoreError;

/// The kiosk a valid, unrevoked token belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KioskAuth {
    pub kiosk_id: String,
    pub unit_clues: String,
}

/// A kiosk as listed by `kiosk list` (never its token: only the hash is kept).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KioskRecord {
    pub id: String,
    pub unit_clues: String,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub last_seen_at: Option<DateTime<Utc>>,
    /// Centre clock minus kiosk clock at its last batch, in milliseconds.
    pub last_clock_offset_ms: Option<i64>,
    /// Responses pending behind its last batch, as it said (older kiosks
    /// do not say).
    pub last_backlog: Option<i64>,
    /// The survey it said it runs in its last batch.
    pub last_survey: Option<(String, u32)>,
    /// The UTC offset of its last batch's responses: its unit's local time.
    pub last_utc_offset_minutes: Option<i32>,
}

#[derive(Debug, Clone)]
pub struct NewKiosk {
    pub id: String,
    pub unit_clues: String,
    pub name: String,
    pub token_hash: String,
    pub created_at: DateTime<Utc>,
}

/// What is known about the batch a response arrived in.
#[derive(Debug, Clone)]
pub struct BatchMeta {
    pub kiosk_id: String,
    pub unit_clues: String,
    pub sent_at: DateTime<Utc>,
    pub received_at: DateTime<Utc>,
    /// `received_at - sent_at` in milliseconds (positive: the kiosk is behind).
    pub clock_offset_ms: i64,
    pub clock_skewed: bool,
    /// What the kiosk said about itself (optional fields of the batch).
    pub report: KioskBatchReport,
}

/// The optional fields of a batch about the kiosk itself, kept per kiosk
/// for the Kioscos view.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KioskBatchReport {
    pub backlog: Option<i64>,
    pub survey: Option<(String, u32)>,
    /// The UTC offset of the batch's last plausible response.
    pub utc_offset_minutes: Option<i32>,
}

/// A response that passed validation, ready to insert.
#[derive(Debug, Clone)]
pub struct PreparedResponse {
    pub seq: i64,
    pub response: Response,
    /// The response as kept (answers normalised by the survey check), as JSON.
    pub canonical_json: String,
    /// Hex SHA-256 of the response as the kiosk sent it, without `seq`
    /// ([`crate::ingest::content_hash`]): equal hashes mean a duplicate.
    pub content_hash: String,
    /// The survey version it was answered in: what its figures and alert mean.
    pub survey: std::sync::Arc<trato_domain::SurveyDefinition>,
    /// The kiosk's own clock (`started_at`, `finished_at`,
    /// `utc_offset_minutes` as JSON) when it was impossible and the response
    /// is filed under the centre's receive time instead; stored as
    /// `clock_raw`, with `clock_suspect` set.
    pub clock_raw: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InsertOutcome {
    Stored,
    Duplicate,
    /// Same id already stored with a different content hash; nothing changed.
    Conflict,
}

/// A stored response, as the centre recorded it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    pub id: Uuid,
    pub content_hash: String,
    pub canonical_json: String,
    pub kiosk_id: String,
    pub unit_clues: String,
    pub seq: i64,
    pub kiosk_sent_at: DateTime<Utc>,
    pub received_at: DateTime<Utc>,
    pub clock_offset_ms: i64,
    pub clock_skewed: bool,
}

/// Result of storing a survey definition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PutSurvey {
    Inserted,
    /// The same (id, version) is already stored with the same content.
    AlreadyThere,
    /// The same (id, version) is stored with other content: nothing changed.
    Different,
}

/// Where a survey version is published: the kiosks of the whole institute,
/// of one OOAD or UMAE (its name in the unit catalogue), or of one unit.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    National,
    Ooad(String),
    Umae(String),
    Unit(String),
}

impl Scope {
    /// The kind as stored (`scope_kind`) and its code (`scope_code`, empty
    /// for national).
    pub fn parts(&self) -> (&'static str, &str) {
        match self {
            Scope::National => ("national", ""),
            Scope::Ooad(c) => ("ooad", c),
            Scope::Umae(c) => ("umae", c),
            Scope::Unit(c) => ("unit", c),
        }
    }

    pub fn from_parts(kind: &str, code: &str) -> Option<Self> {
        Some(match kind {
            "national" => Scope::National,
            "ooad" => Scope::Ooad(code.to_owned()),
            "umae" => Scope::Umae(code.to_owned()),
            "unit" => Scope::Unit(code.to_owned()),
            _ => return None,
        })
    }
}

impl std::fmt::Display for Scope {
    /// As written on the command line: `national`, `ooad:NAME`, `unit:CLUES`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.parts() {
            (kind, "") => f.write_str(kind),
            (kind, code) => write!(f, "{kind}:{code}"),
        }
    }
}

/// One `survey publish`: a version for a scope, from a moment on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Publish {
    pub scope: Scope,
    pub active_from: DateTime<Utc>,
}

/// A stored publication (`survey list`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicationRecord {
    pub id: i64,
    pub survey_id: String,
    pub version: u32,
    pub scope: Scope,
    pub active_from: DateTime<Utc>,
    pub published_at: DateTime<Utc>,
    pub withdrawn_at: Option<DateTime<Utc>>,
}

/// What a kiosk last said about its survey (`kiosk list`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KioskSurveyReport {
    pub kiosk_id: String,
    pub reads_format: u32,
    pub survey_id: String,
    pub survey_version: u32,
    /// Why it could not use the survey it was offered; empty when it could.
    pub problem: String,
    pub reported_at: DateTime<Utc>,
}

#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// "sqlite" or "postgres", for logs.
    fn backend(&self) -> &'static str;
    /// The dashboard's tables (catalogue, accounts, figures, alerts).
    fn dash(&self) -> &dyn dash::DashStore;
    /// The units' opening hours (the Kioscos view).
    fn fleet(&self) -> &dyn fleet::FleetStore;
    /// The e-mail outbox and digests.
    fn mail(&self) -> &dyn mail::MailStore;
    /// Alerts as they are handled, and comments.
    fn alerts(&self) -> &dyn alerts::AlertStore;
    /// A cheap round trip, for `/healthz`.
    async fn ping(&self) -> Result<(), StoreError>;

    /// The kiosk owning this token hash, if it exists and is not revoked.
    async fn authenticate(&self, token_hash: &str) -> Result<Option<KioskAuth>, StoreError>;
    async fn add_kiosk(&self, kiosk: NewKiosk) -> Result<(), StoreError>;
    async fn list_kiosks(&self) -> Result<Vec<KioskRecord>, StoreError>;
    /// False when no kiosk has this id. Revoking twice keeps the first time.
    async fn revoke_kiosk(&self, id: &str, at: DateTime<Utc>) -> Result<bool, StoreError>;

    /// Applies a batch in one transaction: one outcome per item, in order.
    async fn apply_batch(
        &self,
        meta: BatchMeta,
        items: Vec<PreparedResponse>,
    ) -> Result<Vec<InsertOutcome>, StoreError>;

    /// A stored survey version's JSON.
    async fn survey(&self, id: &str, version: u32) -> Result<Option<String>, StoreError>;
    /// Replaces a stored version's definition. Only for declaring the meaning
    /// of a version whose questions are unchanged (see
    /// `admin::ensure_default_survey`): responses keep meaning what they meant.
    async fn replace_survey(
        &self,
        id: &str,
        version: u32,
        json: &str,
        content_hash: &str,
    ) -> Result<(), StoreError>;
    /// Stores a survey version (if new) and, with `publish`, publishes it.
    async fn put_survey(
        &self,
        id: &str,
        version: u32,
        json: &str,
        content_hash: &str,
        publish: Option<Publish>,
        at: DateTime<Utc>,
    ) -> Result<PutSurvey, StoreError>;
    /// Every publication, withdrawn ones included, oldest first.
    async fn publications(&self) -> Result<Vec<PublicationRecord>, StoreError>;
    /// Ends a publication; false when there is none with this id or it was
    /// already withdrawn.
    async fn withdraw_publication(&self, id: i64, at: DateTime<Utc>) -> Result<bool, StoreError>;
    /// The OOAD or UMAE a unit belongs to in the catalogue: its scope.
    async fn unit_parent(&self, clues: &str) -> Result<Option<Scope>, StoreError>;
    /// Keeps a kiosk's latest survey report (one row per kiosk).
    async fn put_kiosk_survey(&self, report: KioskSurveyReport) -> Result<(), StoreError>;
    async fn kiosk_surveys(&self) -> Result<Vec<KioskSurveyReport>, StoreError>;

    async fn count_responses(&self) -> Result<u64, StoreError>;
    async fn count_answers(&self) -> Result<u64, StoreError>;
    async fn stored_response(&self, id: Uuid) -> Result<Option<StoredResponse>, StoreError>;
}

/// Opens (creating and migrating if needed) the database named by `db`:
/// a `postgres://` or `postgresql://` URL, else a SQLite file path
/// (optionally written `sqlite://PATH`).
pub async fn open_store(db: &str) -> Result<Arc<dyn Store>, StoreError> {
    let store: Arc<dyn Store> = if db.starts_with("postgres://") || db.starts_with("postgresql://")
    {
        let cfg: tokio_postgres::Config = db
            .parse()
            .map_err(|e: tokio_postgres::Error| StoreError::Open(redact(db), e.to_string()))?;
        Arc::new(PostgresStore::open(cfg).await?)
    } else {
        let path = db.strip_prefix("sqlite://").unwrap_or(db);
        Arc::new(SqliteStore::open(path).await?)
    };
    crate::admin::ensure_default_survey(&*store).await?;
    Ok(store)
}

/// Like [`open_store`] for an already configured PostgreSQL connection.
pub async fn open_postgres(cfg: tokio_postgres::Config) -> Result<Arc<dyn Store>, StoreError> {
    let store: Arc<dyn Store> = Arc::new(PostgresStore::open(cfg).await?);
    crate::admin::ensure_default_survey(&*store).await?;
    Ok(store)
}

/// A URL with its password replaced, for messages.
pub(crate) fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.find(':') {
                Some(c) => format!("{}{}:***{}", &url[..s + 3], &creds[..c], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

fn corrupt(what: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(what.to_string())
}

#[cfg(test)]
mod tests {
    #[test]
    fn redacts_password() {
        assert_eq!(
            super::redact("postgres://u:secret@h:5432/db"),
            "postgres://u:***@h:5432/db"
        );
        assert_eq!(super::redact("postgres://h/db"), "postgres://h/db");
    }
}
