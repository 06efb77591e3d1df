//! Deployment config files: a fleet file shared by many kiosks plus a file
//! of what differs on this one (its token, its unit), imported together at
//! start when they changed since the last import. Settings changed on the
//! staff screen therefore stand until IT changes a file.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::settings::{KioskSettings, SettingsError};

/// The fingerprint of the files last imported, in the data directory.
const STAMP_FILE: &str = "config-import.sha256";

/// One config file as read: its path (for messages) and its text.
#[derive(Debug, Clone)]
pub struct ConfigFile {
    pub path: PathBuf,
    pub text: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigFilesError {
    #[error("{path}: {source}")]
    Settings {
        path: PathBuf,
        source: SettingsError,
    },
    #[error("cannot read or write {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// The settings of all files as one list of pairs: a key in a later file
/// replaces the same key in an earlier one (the kiosk's own file after the
/// fleet's). Each file is checked on its own, naming the file on error.
pub fn merged_pairs(files: &[ConfigFile]) -> Result<Vec<(String, String)>, ConfigFilesError> {
    let mut merged: Vec<(String, String)> = Vec::new();
    for file in files {
        let pairs =
            KioskSettings::parse_toml(&file.text).map_err(|source| ConfigFilesError::Settings {
                path: file.path.clone(),
                source,
            })?;
        for (key, value) in pairs {
            merged.retain(|(k, _)| *k != key);
            merged.push((key, value));
        }
    }
    Ok(merged)
}

/// SHA-256 over the files' texts, in order, each prefixed by its length so
/// moving a line from one file to the other changes it too.
pub fn fingerprint(files: &[ConfigFile]) -> String {
    let mut hash = Sha256::new();
    for file in files {
        hash.update((file.text.len() as u64).to_le_bytes());
        hash.update(file.text.as_bytes());
    }
    hash.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether these files differ from the ones last imported into `data_dir`.
pub fn changed_since_last_import(data_dir: &Path, files: &[ConfigFile]) -> bool {
    std::fs::read_to_string(data_dir.join(STAMP_FILE))
        .map(|stamp| stamp.trim() != fingerprint(files))
        .unwrap_or(true)
}

/// Records these files as imported (after the import succeeded).
pub fn record_import(data_dir: &Path, files: &[ConfigFile]) -> Result<(), ConfigFilesError> {
    let path = data_dir.join(STAMP_FILE);
    std::fs::write(&path, format!("{}\n", fingerprint(files)))
        .map_err(|source| ConfigFilesError::Io { path, source })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(name: &str, text: &str) -> ConfigFile {
        ConfigFile {
            path: PathBuf::from(name),
            text: text.to_owned(),
        }
    }

    #[test]
    fn the_kiosk_file_overrides_the_fleet_file_key_by_key() {
        let fleet = file(
            "kiosk.toml",
            "[unit]\nclues = \"DFIMS000020\"\nname = \"HGZ 1\"\n",
        );
        let own = file("local.toml", "[unit]\nname = \"HGZ 1 Urgencias\"\n");
        let pairs = merged_pairs(&[fleet, own]).unwrap();
        assert_eq!(
            pairs,
            vec![
                ("unit.clues".to_owned(), "DFIMS000020".to_owned()),
                ("unit.name".to_owned(), "HGZ 1 Urgencias".to_owned()),
            ]
        );
    }

    #[test]
    fn an_error_names_the_file_it_is_in() {
        let err = merged_pairs(&[file("/etc/trato-kiosk/local.toml", "[unit]\nclues = 3\n")])
            .unwrap_err();
        assert!(
            err.to_string().contains("/etc/trato-kiosk/local.toml"),
            "{err}"
        );
    }

    #[test]
    fn a_change_in_either_file_is_seen_and_an_import_is_remembered() {
        let dir = tempfile::tempdir().unwrap();
        let files = [file("a", "[unit]\nname = \"x\"\n"), file("b", "")];
        assert!(changed_since_last_import(dir.path(), &files));
        record_import(dir.path(), &files).unwrap();
        assert!(!changed_since_last_import(dir.path(), &files));
        let moved = [file("a", ""), file("b", "[unit]\nname = \"x\"\n")];
        assert!(changed_since_last_import(dir.path(), &moved));
    }
}
