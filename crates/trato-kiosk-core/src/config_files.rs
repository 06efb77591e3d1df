//! Deployment config files: a fleet file shared by many kiosks plus a file
//! of what differs on this one (its token, its unit), imported together at
//! start when they changed since the last import. Settings changed on the
//! staff screen therefore stand until IT changes a file.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::settings::{KioskSettings, SettingsError};
use crate::staff::{validate_phc, PinError, Role};

/// Where the service's import step writes the NTP servers for
/// systemd-timesyncd (`clock.ntp_servers`).
pub const TIMESYNCD_DROP_IN: &str = "/etc/systemd/timesyncd.conf.d/trato-kiosk.conf";

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
    #[error("{path}: [pins] {role}: {source}")]
    Pin {
        path: PathBuf,
        role: String,
        source: PinError,
    },
    #[error("{path}: {key}: {rule}")]
    Invalid {
        path: PathBuf,
        key: String,
        rule: String,
    },
    #[error("cannot read or write {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// What the deployment files say, merged: the kiosk's settings, the PIN
/// hashes (`[pins]`, as `config export --with-secrets` writes them) and the
/// machine's clock (`[clock]`, applied by the root import step, not stored
/// in the kiosk).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Deployment {
    pub settings: Vec<(String, String)>,
    pub pins: Vec<(Role, String)>,
    /// `clock.ntp_servers`: the hospital's NTP servers; `None` when no file
    /// says (the system's own time sources stay).
    pub ntp_servers: Option<Vec<String>>,
}

/// All files as one [`Deployment`]: a key in a later file replaces the same
/// key in an earlier one (the kiosk's own file after the fleet's). Each file
/// is checked on its own, naming the file on error.
pub fn merged(files: &[ConfigFile]) -> Result<Deployment, ConfigFilesError> {
    let mut out = Deployment::default();
    for file in files {
        let settings_error = |source| ConfigFilesError::Settings {
            path: file.path.clone(),
            source,
        };
        let mut table: toml::Table = file.text.parse().map_err(|e: toml::de::Error| {
            settings_error(SettingsError::Toml(e.message().to_owned()))
        })?;
        if let Some(pins) = table.remove("pins") {
            for (role, phc) in pin_hashes(&file.path, pins)? {
                out.pins.retain(|(r, _)| *r != role);
                out.pins.push((role, phc));
            }
        }
        if let Some(clock) = table.remove("clock") {
            out.ntp_servers = Some(ntp_servers(&file.path, clock)?);
        }
        for (key, value) in KioskSettings::parse_table(&table).map_err(settings_error)? {
            out.settings.retain(|(k, _)| *k != key);
            out.settings.push((key, value));
        }
    }
    Ok(out)
}

/// The settings of all files as one list of pairs (see [`merged`]).
pub fn merged_pairs(files: &[ConfigFile]) -> Result<Vec<(String, String)>, ConfigFilesError> {
    Ok(merged(files)?.settings)
}

fn pin_hashes(path: &Path, value: toml::Value) -> Result<Vec<(Role, String)>, ConfigFilesError> {
    let invalid = |key: &str, rule: &str| ConfigFilesError::Invalid {
        path: path.to_owned(),
        key: key.to_owned(),
        rule: rule.to_owned(),
    };
    let toml::Value::Table(table) = value else {
        return Err(invalid(
            "pins",
            "must be a table: [pins] staff = \"$argon2id$…\"",
        ));
    };
    let mut out = Vec::new();
    for (name, phc) in table {
        let role: Role = name
            .parse()
            .map_err(|_| invalid(&format!("pins.{name}"), "unknown role (staff or it)"))?;
        let toml::Value::String(phc) = phc else {
            return Err(invalid(&format!("pins.{name}"), "must be a string"));
        };
        validate_phc(&phc).map_err(|source| ConfigFilesError::Pin {
            path: path.to_owned(),
            role: name.clone(),
            source,
        })?;
        out.push((role, phc));
    }
    Ok(out)
}

fn ntp_servers(path: &Path, value: toml::Value) -> Result<Vec<String>, ConfigFilesError> {
    const KEY: &str = "clock.ntp_servers";
    let invalid = |rule: String| ConfigFilesError::Invalid {
        path: path.to_owned(),
        key: KEY.to_owned(),
        rule,
    };
    let toml::Value::Table(mut table) = value else {
        return Err(invalid("[clock] must be a table".into()));
    };
    let servers = table
        .remove("ntp_servers")
        .ok_or_else(|| invalid("[clock] has only ntp_servers".into()))?;
    if let Some(other) = table.keys().next() {
        return Err(invalid(format!("unknown setting `clock.{other}`")));
    }
    let list = match servers {
        toml::Value::Array(items) => items,
        // One server may be written without brackets.
        one @ toml::Value::String(_) => vec![one],
        _ => return Err(invalid("a list of host names or addresses".into())),
    };
    let mut out = Vec::new();
    for item in list {
        let toml::Value::String(host) = item else {
            return Err(invalid("a list of host names or addresses".into()));
        };
        let host = host.trim().to_owned();
        // A host name or an IPv4/IPv6 address: nothing that could break
        // the drop-in's one line (spaces, newlines, `#`).
        let ok = !host.is_empty()
            && host.len() <= 253
            && host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '_'));
        if !ok {
            return Err(invalid(format!("`{host}` is not a host name or address")));
        }
        out.push(host);
    }
    Ok(out)
}

/// The systemd-timesyncd drop-in for these servers ([`TIMESYNCD_DROP_IN`]).
pub fn timesyncd_drop_in(servers: &[String]) -> String {
    format!(
        "# Written by trato-kiosk's import step from clock.ntp_servers in\n\
         # /etc/trato-kiosk/*.toml; edit those files, not this one.\n\
         [Time]\nNTP={}\n",
        servers.join(" ")
    )
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
    fn pin_hashes_and_ntp_servers_are_read_beside_the_settings() {
        let staff = crate::staff::hash_pin("482913").unwrap();
        let it = crate::staff::hash_pin("735190").unwrap();
        let fleet = file(
            "kiosk.toml",
            &format!(
                "[unit]\nname = \"HGZ 1\"\n[pins]\nstaff = \"{staff}\"\nit = \"{it}\"\n\
                 [clock]\nntp_servers = [\"ntp.imss.gob.mx\", \"10.1.2.3\"]\n"
            ),
        );
        let own = file("local.toml", "[clock]\nntp_servers = \"ntp.hgz1.local\"\n");
        let d = merged(&[fleet, own]).unwrap();
        assert_eq!(
            d.settings,
            vec![("unit.name".to_owned(), "HGZ 1".to_owned())]
        );
        // TOML tables come sorted by key.
        assert_eq!(d.pins, vec![(Role::It, it), (Role::Staff, staff)]);
        assert_eq!(d.ntp_servers, Some(vec!["ntp.hgz1.local".to_owned()]));
        assert_eq!(
            timesyncd_drop_in(&["a.example".into(), "10.1.2.3".into()])
                .lines()
                .last(),
            Some("NTP=a.example 10.1.2.3")
        );
    }

    #[test]
    fn a_bad_pin_hash_or_ntp_server_is_refused_naming_the_file() {
        for text in [
            "[pins]\nstaff = \"482913\"\n",
            "[pins]\nstaff = \"$argon2i$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo\"\n",
            "[pins]\nboss = \"x\"\n",
            "[clock]\nntp_servers = [\"ntp.example\\nNTP=evil\"]\n",
            "[clock]\nntp_servers = [\"\"]\n",
            "[clock]\nfallback = [\"x\"]\n",
        ] {
            let err = merged(&[file("/etc/trato-kiosk/kiosk.toml", text)]).unwrap_err();
            assert!(
                err.to_string().contains("/etc/trato-kiosk/kiosk.toml"),
                "{text}: {err}"
            );
        }
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
