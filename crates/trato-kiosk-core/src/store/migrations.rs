//! Numbered schema migrations, applied in order at open and recorded in
//! `PRAGMA user_version`. Migrations are only ever added, never edited: a kiosk
//! may have been offline for months and must upgrade from any earlier version.

use rusqlite::{Connection, Transaction};

use super::StoreError;

/// Migration `i` (0-based) takes the schema from version `i` to `i + 1`.
pub(crate) const MIGRATIONS: &[&str] = &[
    // 1: surveys, responses with their answers (one row per chosen option or
    // text), and key-value settings.
    r#"
    CREATE TABLE surveys (
        id           TEXT    NOT NULL,
        version      INTEGER NOT NULL,
        definition   TEXT    NOT NULL,
        installed_at TEXT    NOT NULL,
        PRIMARY KEY (id, version)
    );
    CREATE TABLE responses (
        id                 TEXT    PRIMARY KEY NOT NULL,
        seq                INTEGER NOT NULL UNIQUE,
        survey_id          TEXT    NOT NULL,
        survey_version     INTEGER NOT NULL,
        unit_clues         TEXT    NOT NULL,
        unit_name          TEXT    NOT NULL,
        service_area       TEXT    NOT NULL,
        kiosk_id           TEXT    NOT NULL,
        language           TEXT    NOT NULL,
        started_at         TEXT    NOT NULL,
        finished_at        TEXT    NOT NULL,
        utc_offset_minutes INTEGER NOT NULL,
        status             TEXT    NOT NULL CHECK (status IN ('complete', 'abandoned', 'flagged')),
        flag_reason        TEXT,
        sync_state         TEXT    NOT NULL DEFAULT 'pending'
                                   CHECK (sync_state IN ('pending', 'sent', 'rejected')),
        synced_at          TEXT,
        FOREIGN KEY (survey_id, survey_version) REFERENCES surveys (id, version)
    );
    CREATE INDEX responses_finished_at ON responses (finished_at);
    CREATE INDEX responses_pending ON responses (sync_state, seq);
    CREATE TABLE answers (
        response_id TEXT    NOT NULL REFERENCES responses (id) ON DELETE CASCADE,
        question_id TEXT    NOT NULL,
        position    INTEGER NOT NULL,
        option_code TEXT,
        text        TEXT,
        PRIMARY KEY (response_id, question_id, position),
        CHECK ((option_code IS NULL) <> (text IS NULL))
    );
    CREATE INDEX answers_question ON answers (question_id, option_code);
    CREATE TABLE settings (
        key   TEXT PRIMARY KEY NOT NULL,
        value TEXT NOT NULL
    );
    "#,
    // 2: why the centre refused a response (kept for staff, never deleted),
    // and one row per sync attempt for the status screen.
    r#"
    ALTER TABLE responses ADD COLUMN reject_reason TEXT;
    CREATE TABLE sync_log (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        started_at  TEXT    NOT NULL,
        finished_at TEXT    NOT NULL,
        ok          INTEGER NOT NULL,
        sent        INTEGER NOT NULL DEFAULT 0,
        rejected    INTEGER NOT NULL DEFAULT 0,
        error       TEXT
    );
    "#,
    // 3: staff mode. PINs only as Argon2id PHC strings; the pad's lockout in
    // one row so it survives a restart; an append-only audit log (role is
    // NULL for attempts that did not log in).
    r#"
    CREATE TABLE pins (
        role   TEXT PRIMARY KEY NOT NULL CHECK (role IN ('staff', 'it')),
        phc    TEXT NOT NULL CHECK (phc LIKE '$argon2id$%'),
        set_at TEXT NOT NULL
    );
    CREATE TABLE pin_lockout (
        id           INTEGER PRIMARY KEY CHECK (id = 1),
        failures     INTEGER NOT NULL DEFAULT 0,
        lockouts     INTEGER NOT NULL DEFAULT 0,
        locked_until TEXT
    );
    INSERT INTO pin_lockout (id) VALUES (1);
    CREATE TABLE audit_log (
        id     INTEGER PRIMARY KEY AUTOINCREMENT,
        at     TEXT NOT NULL,
        role   TEXT CHECK (role IN ('staff', 'it')),
        origin TEXT NOT NULL,
        action TEXT NOT NULL,
        detail TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX audit_log_at ON audit_log (at);
    "#,
    // 4: sync with the centre. Each attempt records the centre's clock and
    // the kiosk's offset from it; retention finds sent responses by when the
    // centre acknowledged them.
    r#"
    ALTER TABLE sync_log ADD COLUMN server_time TEXT;
    ALTER TABLE sync_log ADD COLUMN clock_offset_ms INTEGER;
    CREATE INDEX responses_synced ON responses (sync_state, synced_at);
    "#,
    // 5: no query looks answers up by question across responses (exports and
    // the overview reach answers through their response), and this index took
    // a page write at a random place on every patient's commit.
    r#"
    DROP INDEX answers_question;
    "#,
    // 6: the last survey the centre offered and why it could not be used
    // (empty when it was): staff see it, the next survey check reports it.
    r#"
    CREATE TABLE survey_offer (
        id              INTEGER PRIMARY KEY CHECK (id = 1),
        offered_id      TEXT NOT NULL,
        offered_version INTEGER NOT NULL,
        problem         TEXT NOT NULL,
        checked_at      TEXT NOT NULL
    );
    "#,
    // 7: an audit row's details as data (JSON), put into words when shown;
    // older rows keep only their English line, read back at display time.
    r#"
    ALTER TABLE audit_log ADD COLUMN params TEXT;
    "#,
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

/// Brings the database up to `target` (normally [`SCHEMA_VERSION`]), each
/// migration in its own transaction so a crash leaves a whole version.
pub(crate) fn migrate_to(conn: &mut Connection, target: u32) -> Result<u32, StoreError> {
    let current: u32 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if current > SCHEMA_VERSION {
        return Err(StoreError::TooNew {
            found: current,
            supported: SCHEMA_VERSION,
        });
    }
    for version in current..target.min(SCHEMA_VERSION) {
        let tx: Transaction = conn.transaction()?;
        tx.execute_batch(MIGRATIONS[version as usize])?;
        tx.pragma_update(None, "user_version", version + 1)?;
        tx.commit()?;
        tracing::info!(version = version + 1, "applied schema migration");
    }
    Ok(current)
}
