//! `trato-central serve --config FILE`: the service's settings in one TOML
//! file (the package installs `/etc/trato-central/central.toml`), and the
//! rule on how it may listen: HTTPS itself, or plain HTTP only where no one
//! else can read it (loopback) or behind a proxy that does the TLS.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// The file's keys; each one left out keeps the command line's value.
#[derive(Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceConfig {
    pub listen: Option<SocketAddr>,
    /// SQLite file path or `postgres://` URL.
    pub db: Option<String>,
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    pub behind_proxy: Option<bool>,
    pub secure_cookies: Option<bool>,
    /// Fewest answers for a unit to be ranked on the tablero.
    pub ranking_min_responses: Option<i64>,
    /// E-mail notifications: the SMTP server (`smtp://HOST:PORT`,
    /// `smtp://HOST:587?tls=required`, `smtps://HOST:465`), never with a
    /// password in it.
    pub smtp_url: Option<String>,
    /// The sender address, e.g. `Trato Digno <tratodigno@imss.gob.mx>`.
    pub mail_from: Option<String>,
    pub smtp_user: Option<String>,
    /// Only here or in `TRATO_SMTP_PASSWORD`, never on a command line.
    pub smtp_password: Option<String>,
    /// The daily digest's hour in each account's local time, `HH:MM`.
    pub digest_at: Option<String>,
    /// Opening hours of silence after which a kiosk counts as silent.
    pub silent_after_hours: Option<u32>,
    /// `[alerts]`: when alerts fall due.
    pub alerts: Option<AlertDue>,
}

/// When an open alert falls due, counted from the patient's answer: by its
/// reason keys (the shortest wins). A key listed in `due_hours` takes that;
/// otherwise a key whose alert rule the survey marks `urgent` takes
/// `urgent_hours`, and any other `other_hours`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertDue {
    #[serde(default = "AlertDue::default_urgent")]
    pub urgent_hours: u32,
    #[serde(default = "AlertDue::default_other")]
    pub other_hours: u32,
    /// Per reason key (the survey's alert `reason`).
    #[serde(default)]
    pub due_hours: BTreeMap<String, u32>,
}

impl AlertDue {
    fn default_urgent() -> u32 {
        24
    }

    fn default_other() -> u32 {
        72
    }

    /// Hours for one reason key, given whether its rule is marked urgent.
    pub fn hours(&self, key: &str, urgent: bool) -> u32 {
        match self.due_hours.get(key) {
            Some(h) => *h,
            None if urgent => self.urgent_hours,
            None => self.other_hours,
        }
    }
}

impl Default for AlertDue {
    fn default() -> Self {
        Self {
            urgent_hours: Self::default_urgent(),
            other_hours: Self::default_other(),
            due_hours: BTreeMap::new(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ServiceConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("tls_cert and tls_key go together: set both or neither")]
    HalfTls,
    #[error(
        "refusing plain HTTP on {0}: kiosks' tokens and dashboard passwords would cross the network \
         in clear. Set tls_cert and tls_key (--tls-cert/--tls-key), listen on a loopback address, or \
         set behind_proxy (--behind-proxy) when a reverse proxy in front does TLS"
    )]
    PlainOnNetwork(SocketAddr),
}

impl std::fmt::Debug for ServiceConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServiceConfig")
            .field("listen", &self.listen)
            .field("db", &self.db.as_deref().map(crate::store::redact))
            .field("smtp_url", &self.smtp_url)
            .field("mail_from", &self.mail_from)
            .field("smtp_password", &self.smtp_password.as_ref().map(|_| "***"))
            .finish_non_exhaustive()
    }
}

impl ServiceConfig {
    pub fn load(path: &Path) -> Result<Self, ServiceConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ServiceConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        toml::from_str(&text).map_err(|e| ServiceConfigError::Parse {
            path: path.to_owned(),
            message: e.message().to_owned(),
        })
    }
}

/// What the server speaks once the command line and the file are combined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transport {
    Plain,
    Tls { cert: PathBuf, key: PathBuf },
}

/// TLS when both files are given; otherwise plain, and then only on a
/// loopback address or behind a proxy.
pub fn transport(
    listen: SocketAddr,
    cert: Option<PathBuf>,
    key: Option<PathBuf>,
    behind_proxy: bool,
) -> Result<Transport, ServiceConfigError> {
    match (cert, key) {
        (Some(cert), Some(key)) => Ok(Transport::Tls { cert, key }),
        (None, None) if listen.ip().is_loopback() || behind_proxy => Ok(Transport::Plain),
        (None, None) => Err(ServiceConfigError::PlainOnNetwork(listen)),
        _ => Err(ServiceConfigError::HalfTls),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_is_refused_on_the_network_unless_behind_a_proxy() {
        let lan: SocketAddr = "0.0.0.0:8080".parse().unwrap();
        let lo: SocketAddr = "127.0.0.1:8080".parse().unwrap();
        assert!(matches!(
            transport(lan, None, None, false),
            Err(ServiceConfigError::PlainOnNetwork(_))
        ));
        assert_eq!(transport(lan, None, None, true).unwrap(), Transport::Plain);
        assert_eq!(transport(lo, None, None, false).unwrap(), Transport::Plain);
        assert!(matches!(
            transport(lan, Some("c.pem".into()), None, false),
            Err(ServiceConfigError::HalfTls)
        ));
        assert!(matches!(
            transport(lan, Some("c.pem".into()), Some("k.pem".into()), false),
            Ok(Transport::Tls { .. })
        ));
    }

    #[test]
    fn the_packaged_file_parses_and_an_unknown_key_is_named() {
        let packaged = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../packaging/central/central.toml"
        );
        let config = ServiceConfig::load(Path::new(packaged)).unwrap();
        assert_eq!(config.listen, Some("127.0.0.1:8080".parse().unwrap()));
        assert_eq!(config.secure_cookies, Some(true));

        let dir = tempfile::tempdir().unwrap();
        let bad = dir.path().join("central.toml");
        std::fs::write(&bad, "listen = \"127.0.0.1:1\"\ntls_crt = \"x\"\n").unwrap();
        let err = ServiceConfig::load(&bad).unwrap_err().to_string();
        assert!(err.contains("tls_crt"), "{err}");
    }

    #[test]
    fn alert_due_hours_come_from_the_file_by_reason_key() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("central.toml");
        std::fs::write(
            &file,
            "[alerts]\nother_hours = 96\n[alerts.due_hours]\nlimpieza = 12\n",
        )
        .unwrap();
        let due = ServiceConfig::load(&file).unwrap().alerts.unwrap();
        assert_eq!(due.hours("limpieza", false), 12);
        assert_eq!(due.hours("limpieza", true), 12);
        assert_eq!(due.hours("cualquiera", true), 24);
        assert_eq!(due.hours("cualquiera", false), 96);
        let plain = AlertDue::default();
        assert_eq!((plain.hours("x", true), plain.hours("x", false)), (24, 72));
        std::fs::write(&file, "[alerts]\nurgent = 3\n").unwrap();
        let err = ServiceConfig::load(&file).unwrap_err().to_string();
        assert!(err.contains("urgent"), "{err}");
    }
}
