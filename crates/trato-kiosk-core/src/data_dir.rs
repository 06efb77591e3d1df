//! Where a kiosk keeps its files, and the lock that makes it a single instance.
//!
//! The directory comes from `--data-dir`, then `TRATO_KIOSK_DATA_DIR`, then the
//! platform's app-data directory, so tests and several kiosks on one machine
//! never share a file.

use std::fs::File;
use std::path::{Path, PathBuf};

pub const DATA_DIR_ENV: &str = "TRATO_KIOSK_DATA_DIR";
const APP_DIR_NAME: &str = "mx.imss.tratodigno.kiosk";

#[derive(Debug, thiserror::Error)]
pub enum DataDirError {
    #[error("no data directory: pass --data-dir or set {DATA_DIR_ENV}")]
    NoDefault,
    #[error("cannot use the data directory {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("another kiosk is already running with the data directory {0}")]
    AlreadyRunning(PathBuf),
}

/// Resolves the data directory: explicit argument, environment, platform default.
pub fn resolve(explicit: Option<&Path>) -> Result<PathBuf, DataDirError> {
    if let Some(dir) = explicit {
        return Ok(dir.to_owned());
    }
    if let Some(dir) = std::env::var_os(DATA_DIR_ENV).filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    // Linux: ~/.local/share, Windows: %APPDATA%, macOS: ~/Library/Application Support.
    dirs::data_dir()
        .map(|d| d.join(APP_DIR_NAME))
        .ok_or(DataDirError::NoDefault)
}

/// The database file inside a data directory.
pub fn database_path(dir: &Path) -> PathBuf {
    dir.join("kiosk.db")
}

/// Held for the life of the kiosk process: a second kiosk on the same data
/// directory is refused instead of writing beside the first. The OS releases
/// the lock when the process ends, however it ends.
pub struct InstanceLock {
    _file: File,
}

impl InstanceLock {
    pub fn acquire(dir: &Path) -> Result<Self, DataDirError> {
        let io = |source| DataDirError::Io {
            path: dir.to_owned(),
            source,
        };
        std::fs::create_dir_all(dir).map_err(io)?;
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(dir.join("kiosk.lock"))
            .map_err(io)?;
        match file.try_lock() {
            Ok(()) => Ok(InstanceLock { _file: file }),
            Err(std::fs::TryLockError::WouldBlock) => {
                Err(DataDirError::AlreadyRunning(dir.to_owned()))
            }
            Err(std::fs::TryLockError::Error(source)) => Err(io(source)),
        }
    }
}
