//! Staff exports: the responses of a period, as CSV or XLSX, that open in
//! Excel with accents intact.
//!
//! - The period is a range of the unit's *local* days, inclusive. Each response
//!   carries the UTC offset it was answered under, so its local day is
//!   computed per response (a kiosk's offset can change with the law).
//! - Rows stream from SQLite to the file: memory stays bounded whatever the
//!   number of responses (see `docs/PERFORMANCE.md`).
//! - The file is written under a hidden temporary name in the destination
//!   folder and renamed when complete, so a half-written export (a pulled USB
//!   stick, a crash) never looks like a finished one.
//! - Everything is read inside one read transaction: the row count, the rows
//!   and the summary figures describe the same snapshot even while the kiosk
//!   keeps storing responses.
//!
//! Columns: fixed response columns, then two per question (`<id>` with the
//! answer's label, `<id>_codigo` with its code). When the period holds
//! responses to several survey versions, the questions are the union of their
//! question ids, in order of first appearance going from the oldest version to
//! the newest; a response leaves blank the questions its version lacks.

mod csv;
pub(crate) mod layout;
pub(crate) mod period;
mod rows;
pub(crate) mod summary;
mod xlsx;

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use rusqlite::{Connection, OpenFlags};
use serde::{Deserialize, Serialize};

use crate::settings::KioskSettings;
use crate::store::Store;

pub use period::Period;

/// The formats staff can choose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    Csv,
    Xlsx,
}

impl ExportFormat {
    /// The file extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Csv => "csv",
            Self::Xlsx => "xlsx",
        }
    }
}

impl std::str::FromStr for ExportFormat {
    type Err = ExportError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "csv" => Ok(Self::Csv),
            "xlsx" => Ok(Self::Xlsx),
            _ => Err(ExportError::UnknownFormat(s.to_owned())),
        }
    }
}

/// What to export and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportRequest {
    /// First local day of the period (inclusive).
    pub from: NaiveDate,
    /// Last local day of the period (inclusive).
    pub to: NaiveDate,
    /// Only responses of this service area; `None` for all.
    pub service: Option<String>,
    pub format: ExportFormat,
    /// A file path, or an existing folder (a file name is then generated).
    pub out: PathBuf,
    /// Language of the answer labels (`"es"` by default); a language the
    /// survey lacks falls back to the survey's default language.
    pub language: String,
}

impl ExportRequest {
    /// A request for every service, with Spanish labels.
    pub fn new(from: NaiveDate, to: NaiveDate, format: ExportFormat, out: PathBuf) -> Self {
        ExportRequest {
            from,
            to,
            service: None,
            format,
            out,
            language: "es".to_owned(),
        }
    }
}

/// The joined statement an export streams its rows from, with the period
/// written in: the benchmark runs it in `sqlite3 -csv` as the floor.
#[doc(hidden)]
pub fn rows_statement(period: &Period) -> String {
    period.inline(&rows::select_sql())
}

/// Where a running export stands, for a progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Progress {
    /// Responses written so far.
    pub done: u64,
    /// Responses in the period (counted before writing).
    pub total: u64,
    /// Every row is written; the file is being finished (compressed for
    /// XLSX, flushed to the device for both).
    pub finishing: bool,
}

/// A finished export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportSummary {
    pub path: PathBuf,
    /// The file name alone, for the staff screen.
    pub file_name: String,
    pub format: ExportFormat,
    /// Responses exported (rows below the header).
    pub rows: u64,
    pub bytes: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("the period starts on {from} but ends earlier, on {to}")]
    BackwardsPeriod { from: NaiveDate, to: NaiveDate },
    #[error("unknown export format `{0}`: use csv or xlsx")]
    UnknownFormat(String),
    #[error("the folder {0} does not exist")]
    NoSuchFolder(PathBuf),
    #[error(
        "{0} is not one of the destinations offered (a USB drive or the kiosk's export folder)"
    )]
    NotListed(PathBuf),
    #[error(
        "{0} is inside the kiosk's data folder: exports go to a USB drive or the export folder"
    )]
    InsideDataFolder(PathBuf),
    #[error("{0} already exists: an export never replaces a file")]
    AlreadyExists(PathBuf),
    #[error("cannot write in {path}: {source}")]
    NotWritable {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("an Excel sheet holds at most {max} responses and this period has {rows}: choose a shorter period or CSV")]
    TooManyRows { rows: u64, max: u64 },
    #[error("cannot read the database: {0}")]
    Database(#[from] rusqlite::Error),
    #[error("stored data is unreadable: {0}")]
    Corrupt(String),
    #[error("survey {id} v{version} is not installed on this kiosk")]
    UnknownSurvey { id: String, version: u32 },
    #[error("cannot write the CSV file: {0}")]
    Csv(#[from] ::csv::Error),
    #[error("cannot write the Excel file: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
}

impl ExportError {
    /// A stable, machine-readable code (the UI and CLI match on it).
    pub fn code(&self) -> &'static str {
        self.error_code().as_str()
    }

    pub fn error_code(&self) -> crate::ErrorCode {
        use crate::ErrorCode as C;
        match self {
            Self::BackwardsPeriod { .. } => C::BackwardsPeriod,
            Self::UnknownFormat(_) => C::UnknownFormat,
            Self::NoSuchFolder(_) => C::NoSuchFolder,
            Self::NotListed(_) => C::NoDestination,
            Self::InsideDataFolder(_) => C::DestinationForbidden,
            Self::AlreadyExists(_) => C::DestinationExists,
            Self::NotWritable { .. } => C::NotWritable,
            Self::TooManyRows { .. } => C::TooManyRows,
            Self::Database(_) | Self::Corrupt(_) | Self::UnknownSurvey { .. } => C::Storage,
            Self::Csv(_) | Self::Xlsx(_) => C::WriteFailed,
        }
    }

    fn io(path: &Path, source: std::io::Error) -> Self {
        Self::NotWritable {
            path: path.to_owned(),
            source,
        }
    }
}

/// Exports through the kiosk's open store. Blocks until done: the Tauri
/// shell should rather call [`export_database`] on a background thread.
pub fn export(
    store: &Store,
    settings: &KioskSettings,
    req: &ExportRequest,
    progress: &mut dyn FnMut(Progress),
) -> Result<ExportSummary, ExportError> {
    run(
        store.conn(),
        &data_dir_of(store.path()),
        settings,
        req,
        progress,
    )
}

/// Exports from the database file at `db` through a read-only connection of
/// its own, so it can run on any thread while the kiosk keeps storing
/// responses (WAL lets one writer and readers work at once).
pub fn export_database(
    db: &Path,
    settings: &KioskSettings,
    req: &ExportRequest,
    progress: &mut dyn FnMut(Progress),
) -> Result<ExportSummary, ExportError> {
    let conn = Connection::open_with_flags(
        db,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    run(&conn, &data_dir_of(db), settings, req, progress)
}

/// The file name an export to a folder gets, for example
/// `trato-digno_DFIMS000020_2026-11-01_2026-11-30.csv`; a service filter adds
/// the service, a demo kiosk prefixes `DEMO_`.
pub fn default_file_name(settings: &KioskSettings, req: &ExportRequest) -> String {
    let unit = file_name_part(&settings.unit_clues);
    let unit = if unit.is_empty() {
        "sin-unidad".to_owned()
    } else {
        unit
    };
    let service = req
        .service
        .as_deref()
        .map(file_name_part)
        .filter(|s| !s.is_empty())
        .map(|s| format!("_{s}"))
        .unwrap_or_default();
    format!(
        "{demo}trato-digno_{unit}{service}_{from}_{to}.{ext}",
        demo = if settings.demo { "DEMO_" } else { "" },
        from = req.from.format("%Y-%m-%d"),
        to = req.to.format("%Y-%m-%d"),
        ext = req.format.extension(),
    )
}

/// Lower-case ASCII letters, digits and dashes only: safe on FAT USB sticks.
fn file_name_part(s: &str) -> String {
    let mut out = String::new();
    for c in s.trim().chars() {
        let c = match c {
            'á' | 'à' | 'ä' | 'â' | 'Á' | 'À' | 'Ä' | 'Â' => 'a',
            'é' | 'è' | 'ë' | 'ê' | 'É' | 'È' | 'Ë' | 'Ê' => 'e',
            'í' | 'ì' | 'ï' | 'î' | 'Í' | 'Ì' | 'Ï' | 'Î' => 'i',
            'ó' | 'ò' | 'ö' | 'ô' | 'Ó' | 'Ò' | 'Ö' | 'Ô' => 'o',
            'ú' | 'ù' | 'ü' | 'û' | 'Ú' | 'Ù' | 'Ü' | 'Û' => 'u',
            'ñ' | 'Ñ' => 'n',
            c if c.is_ascii_alphanumeric() => c,
            _ => '-',
        };
        if c != '-' || !out.ends_with('-') {
            out.push(c);
        }
    }
    let trimmed = out.trim_matches('-');
    // CLUES keep their capitals; free text (services) is lower-cased.
    if trimmed
        .chars()
        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
    {
        trimmed.to_owned()
    } else {
        trimmed.to_ascii_lowercase()
    }
}

/// The kiosk's data folder, the database's: also scratch space for the XLSX
/// writer's row files (the kiosk's own disk, not `/tmp`, which may be RAM,
/// nor the USB stick).
fn data_dir_of(db: &Path) -> PathBuf {
    match db.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_owned(),
        _ => PathBuf::from("."),
    }
}

/// The kiosk's own export folder, inside its data folder: the one place
/// there an export may be written.
pub const EXPORTS_FOLDER: &str = "exportaciones";

/// Where an export is written: an existing folder gets a generated name,
/// otherwise the path is the file and its folder must exist. Never a file
/// that exists (see [`persist_new`]) and never inside the data folder
/// `data_dir`, except its export folder.
fn destination(
    settings: &KioskSettings,
    req: &ExportRequest,
    data_dir: &Path,
) -> Result<PathBuf, ExportError> {
    let path = if req.out.is_dir() {
        req.out.join(default_file_name(settings, req))
    } else {
        req.out.clone()
    };
    let folder = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_owned(),
        _ => PathBuf::from("."),
    };
    let (Ok(folder), Some(name)) = (folder.canonicalize(), path.file_name()) else {
        return Err(ExportError::NoSuchFolder(folder));
    };
    if !folder.is_dir() {
        return Err(ExportError::NoSuchFolder(folder));
    }
    if let Ok(data_dir) = data_dir.canonicalize() {
        if folder.starts_with(&data_dir) && folder != data_dir.join(EXPORTS_FOLDER) {
            return Err(ExportError::InsideDataFolder(folder));
        }
    }
    if !req.out.is_dir() && path.symlink_metadata().is_ok() {
        return Err(ExportError::AlreadyExists(path));
    }
    Ok(folder.join(name))
}

/// Names the finished file, never replacing one: a generated name that is
/// taken (the same period exported twice) gets `_2`, `_3`, ... before its
/// extension; a name the caller gave is refused if taken.
fn persist_new(
    mut tmp: tempfile::NamedTempFile,
    path: &Path,
    may_rename: bool,
) -> Result<PathBuf, ExportError> {
    for n in 1..1000 {
        let candidate = if n == 1 {
            path.to_owned()
        } else {
            numbered(path, n)
        };
        match tmp.persist_noclobber(&candidate) {
            Ok(_) => return Ok(candidate),
            Err(e) if e.error.kind() == std::io::ErrorKind::AlreadyExists && may_rename => {
                tmp = e.file;
            }
            Err(e) if e.error.kind() == std::io::ErrorKind::AlreadyExists => {
                return Err(ExportError::AlreadyExists(candidate));
            }
            Err(e) => return Err(ExportError::io(&candidate, e.error)),
        }
    }
    Err(ExportError::AlreadyExists(path.to_owned()))
}

/// The file's name is durable too: its folder's entry is flushed (a USB
/// drive pulled after "Puede retirar la memoria" must list the file).
#[cfg(unix)]
fn sync_parent(path: &Path) -> Result<(), ExportError> {
    let Some(dir) = path.parent() else {
        return Ok(());
    };
    match File::open(dir).and_then(|d| d.sync_all()) {
        Ok(()) => Ok(()),
        // Some filesystems cannot fsync a folder; the drive's flush at
        // eject (syncfs) still covers it.
        Err(e) if e.kind() == std::io::ErrorKind::InvalidInput => Ok(()),
        Err(e) => Err(ExportError::io(dir, e)),
    }
}

/// Windows cannot open a folder as a file; the file itself was flushed.
#[cfg(not(unix))]
fn sync_parent(_path: &Path) -> Result<(), ExportError> {
    Ok(())
}

/// `a/b.csv` -> `a/b_2.csv`.
fn numbered(path: &Path, n: u32) -> PathBuf {
    let stem = path.file_stem().unwrap_or_default().to_string_lossy();
    match path.extension() {
        Some(ext) => path.with_file_name(format!("{stem}_{n}.{}", ext.to_string_lossy())),
        None => path.with_file_name(format!("{stem}_{n}")),
    }
}

fn run(
    conn: &Connection,
    data_dir: &Path,
    settings: &KioskSettings,
    req: &ExportRequest,
    progress: &mut dyn FnMut(Progress),
) -> Result<ExportSummary, ExportError> {
    let period = Period::new(req.from, req.to, req.service.as_deref())?;
    let path = destination(settings, req, data_dir)?;
    let folder = path
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_owned);

    // One snapshot for the count, the rows and the summary. Only reads are
    // made, so dropping it (on success or error) is a plain rollback.
    let tx = conn.unchecked_transaction()?;
    let versions = period.survey_versions(&tx)?;
    let total: u64 = versions.iter().map(|v| v.count).sum();
    if req.format == ExportFormat::Xlsx && total > xlsx::MAX_ROWS {
        return Err(ExportError::TooManyRows {
            rows: total,
            max: xlsx::MAX_ROWS,
        });
    }
    let layout = layout::Layout::load(&tx, &versions, settings, &req.language)?;

    // Hidden and suffixed so that nobody mistakes it for an export; removed
    // on drop unless it is renamed into place.
    let mut tmp = tempfile::Builder::new()
        .prefix(".trato-digno-export-")
        .suffix(".partial")
        .tempfile_in(&folder)
        .map_err(|e| ExportError::io(&folder, e))?;

    let mut ctx = rows::Context {
        conn: &tx,
        period: &period,
        layout: &layout,
        demo: settings.demo,
        total,
        progress,
    };
    let rows = match req.format {
        ExportFormat::Csv => {
            let mut out = BufWriter::with_capacity(1 << 16, tmp.as_file_mut());
            let rows = csv::write(&mut ctx, &mut out)?;
            out.flush().map_err(|e| ExportError::io(&path, e))?;
            rows
        }
        ExportFormat::Xlsx => {
            let summary = summary::Summary::load(&tx, &period, &layout)?;
            let meta = xlsx::Meta {
                settings,
                period: &period,
                scratch: data_dir,
            };
            let out = BufWriter::with_capacity(1 << 16, tmp.as_file_mut());
            xlsx::write(&mut ctx, &summary, &meta, out)?
        }
    };
    (ctx.progress)(Progress {
        done: rows,
        total,
        finishing: true,
    });
    drop(tx);

    // On a USB stick the data must be on the device before it is named.
    let file: &File = tmp.as_file();
    file.sync_all().map_err(|e| ExportError::io(&path, e))?;
    let bytes = file.metadata().map(|m| m.len()).unwrap_or(0);
    let path = persist_new(tmp, &path, req.out.is_dir())?;
    sync_parent(&path)?;
    Ok(ExportSummary {
        file_name: path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        path,
        format: req.format,
        rows,
        bytes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_name_parts_are_safe() {
        assert_eq!(file_name_part("DFIMS000020"), "DFIMS000020");
        assert_eq!(file_name_part("Hospitalización"), "hospitalizacion");
        assert_eq!(
            file_name_part("  Consulta  externa / 2 "),
            "consulta-externa-2"
        );
        assert_eq!(file_name_part("../.."), "");
    }

    #[test]
    fn formats_parse() {
        assert_eq!(
            "XLSX".parse::<ExportFormat>().ok(),
            Some(ExportFormat::Xlsx)
        );
        assert_eq!("csv".parse::<ExportFormat>().ok(), Some(ExportFormat::Csv));
        assert!("pdf".parse::<ExportFormat>().is_err());
    }
}
