//! The kiosk's identity kept outside the responses database: its settings
//! (unit, kiosk id, sync token), the PIN hashes with the pad's lockout, and
//! the installed surveys, copied to `identity.json` beside `kiosk.db` after
//! every change to them.
//!
//! Why: a database that fails its integrity check is moved aside and a fresh
//! one is started. Without this copy the fresh one has no PINs, and a kiosk
//! with no PINs offers the unauthenticated first-run setup: anyone able to
//! damage the file would own the kiosk. With it, the fresh database gets the
//! same identity back at open, and the lockout goes with the PINs so a
//! damaged file does not reset it either.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use rusqlite::types::{Value, ValueRef};
use rusqlite::Connection;
use serde_json::{Map, Value as Json};

use super::StoreError;

/// Tables that make up the identity. Responses, answers and the sync log are
/// not in it: they are the data, recovered from the quarantined file if at all.
const TABLES: &[&str] = &["settings", "pins", "pin_lockout", "surveys"];

/// File format of `identity.json`; a newer one is not read (and not overwritten
/// with less) by an older kiosk.
const FORMAT: i64 = 1;

/// What became of the identity when the store was opened.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum IdentityRestore {
    /// The database already had it (or there was nothing to restore).
    #[default]
    NotNeeded,
    /// A new or quarantined database got the identity back from the file.
    Restored,
    /// A new database was needed but the file could not be read: the kiosk
    /// must not offer the unauthenticated setup (see [`super::Store::identity_lost`]).
    Unreadable(String),
}

/// `identity.json` in the database's folder.
pub(crate) fn path_for(db: &Path) -> PathBuf {
    db.parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or_else(|| Path::new("."))
        .join("identity.json")
}

/// Writes the identity tables to `file`, atomically and durably: a power cut
/// leaves either the old copy or the new one, never half of one.
pub(crate) fn save(conn: &Connection, file: &Path) -> Result<(), StoreError> {
    let mut tables = Map::new();
    for table in TABLES {
        tables.insert((*table).to_owned(), Json::Array(dump(conn, table)?));
    }
    let doc = serde_json::json!({ "format": FORMAT, "tables": tables });
    let bytes = serde_json::to_vec_pretty(&doc).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    // Every start saves the copy: when nothing changed, skip the two fsyncs.
    if std::fs::read(file).is_ok_and(|old| old == bytes) {
        return Ok(());
    }
    write_atomically(file, &bytes).map_err(|source| StoreError::Io {
        path: file.to_owned(),
        source,
    })
}

/// Puts the identity in `file` into the database, in one transaction, over
/// whatever defaults the fresh database holds. `Ok(false)` when there is no file.
pub(crate) fn restore(conn: &mut Connection, file: &Path) -> Result<bool, String> {
    let bytes = match std::fs::read(file) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(format!("cannot read {}: {e}", file.display())),
    };
    let doc: Json =
        serde_json::from_slice(&bytes).map_err(|e| format!("{}: {e}", file.display()))?;
    if doc["format"].as_i64() != Some(FORMAT) {
        return Err(format!(
            "{}: unknown format {}",
            file.display(),
            doc["format"]
        ));
    }
    let tx = conn.transaction().map_err(|e| e.to_string())?;
    for table in TABLES {
        let rows = doc["tables"][*table]
            .as_array()
            .ok_or_else(|| format!("{}: table {table} missing", file.display()))?;
        let known = columns(&tx, table).map_err(|e| e.to_string())?;
        for row in rows {
            insert(&tx, table, &known, row)
                .map_err(|e| format!("{}: {table}: {e}", file.display()))?;
        }
    }
    tx.commit().map_err(|e| e.to_string())?;
    Ok(true)
}

/// Whether the file holds an IT PIN: a kiosk that had one was set up, and
/// losing it is a recovery for IT, not a first run.
pub(crate) fn has_it_pin(file: &Path) -> Result<bool, String> {
    let bytes = match std::fs::read(file) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(e.to_string()),
    };
    let doc: Json = serde_json::from_slice(&bytes).map_err(|e| e.to_string())?;
    Ok(doc["tables"]["pins"]
        .as_array()
        .is_some_and(|rows| rows.iter().any(|r| r["role"] == "it")))
}

fn dump(conn: &Connection, table: &str) -> Result<Vec<Json>, StoreError> {
    let mut stmt = conn.prepare(&format!("SELECT * FROM {table}"))?;
    let names: Vec<String> = stmt.column_names().map(str::to_owned).collect();
    let mut rows = stmt.query([])?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        let mut obj = Map::new();
        for (i, name) in names.iter().enumerate() {
            obj.insert(name.clone(), to_json(row.get_ref(i)?)?);
        }
        out.push(Json::Object(obj));
    }
    Ok(out)
}

fn to_json(value: ValueRef<'_>) -> Result<Json, StoreError> {
    Ok(match value {
        ValueRef::Null => Json::Null,
        ValueRef::Integer(i) => Json::from(i),
        ValueRef::Real(f) => Json::from(f),
        ValueRef::Text(t) => Json::from(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(_) => {
            return Err(StoreError::Corrupt(
                "binary value in an identity table".into(),
            ))
        }
    })
}

fn insert(conn: &Connection, table: &str, known: &[String], row: &Json) -> rusqlite::Result<()> {
    let Some(obj) = row.as_object() else {
        return Err(rusqlite::Error::InvalidQuery);
    };
    // Column names come from the file: only ones the table has are used, and
    // they are quoted, so the file cannot inject SQL.
    let (names, values): (Vec<&String>, Vec<Value>) = obj
        .iter()
        .filter(|(name, _)| known.contains(name))
        .map(|(name, v)| (name, to_sql(v)))
        .unzip();
    let quoted: Vec<String> = names.iter().map(|n| format!("\"{n}\"")).collect();
    let marks: Vec<String> = (1..=names.len()).map(|i| format!("?{i}")).collect();
    let sql = format!(
        "INSERT OR REPLACE INTO {table} ({}) VALUES ({})",
        quoted.join(", "),
        marks.join(", ")
    );
    conn.execute(&sql, rusqlite::params_from_iter(values))?;
    Ok(())
}

fn columns(conn: &Connection, table: &str) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare(&format!("PRAGMA table_info({table})"))?;
    let names = stmt.query_map([], |r| r.get::<_, String>(1))?;
    names.collect()
}

fn to_sql(v: &Json) -> Value {
    match v {
        Json::Null => Value::Null,
        Json::Bool(b) => Value::Integer(i64::from(*b)),
        Json::Number(n) => n
            .as_i64()
            .map(Value::Integer)
            .unwrap_or_else(|| Value::Real(n.as_f64().unwrap_or_default())),
        Json::String(s) => Value::Text(s.clone()),
        other => Value::Text(other.to_string()),
    }
}

fn write_atomically(file: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = file.parent().unwrap_or_else(|| Path::new("."));
    let mut tmp = tempfile::Builder::new()
        .prefix(".identity-")
        .suffix(".partial")
        .tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(file).map_err(|e| e.error)?;
    sync_dir(dir)
}

/// A rename is durable only once its directory is synced (Unix); Windows
/// has no directory handle to sync and orders the rename itself.
fn sync_dir(dir: &Path) -> std::io::Result<()> {
    if cfg!(unix) {
        File::open(dir)?.sync_all()?;
    }
    Ok(())
}
