//! Native HTTPS (rustls): TLS handshakes on each connection's own task (a
//! slow client never holds up the others), with the certificate and key
//! read again on SIGHUP. A reload that fails keeps the certificate in
//! service and says why in the log.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::TlsAcceptor;

/// A client that has not finished its handshake by then is dropped.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("cannot read the TLS certificate {path}: {message}")]
    Cert { path: PathBuf, message: String },
    #[error("cannot read the TLS private key {path}: {message}")]
    Key { path: PathBuf, message: String },
    #[error("the TLS certificate {cert} and key {key} do not go together: {message}")]
    Mismatch {
        cert: PathBuf,
        key: PathBuf,
        message: String,
    },
}

/// Where the PEM certificate chain and private key are.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

impl TlsFiles {
    /// Reads both files into a server configuration (HTTP/1.1 only, as the
    /// server speaks).
    pub fn load(&self) -> Result<Arc<ServerConfig>, TlsError> {
        let certs = read_certs(&self.cert)?;
        let key = PrivateKeyDer::from_pem_file(&self.key).map_err(|e| TlsError::Key {
            path: self.key.clone(),
            message: e.to_string(),
        })?;
        // The provider is named: with more than one compiled in (tests link
        // ring too), rustls would not pick a default.
        let provider = Arc::new(tokio_rustls::rustls::crypto::aws_lc_rs::default_provider());
        let mut config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| TlsError::Mismatch {
                cert: self.cert.clone(),
                key: self.key.clone(),
                message: e.to_string(),
            })?
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .map_err(|e| TlsError::Mismatch {
                cert: self.cert.clone(),
                key: self.key.clone(),
                message: e.to_string(),
            })?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Arc::new(config))
    }
}

fn read_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let error = |message: String| TlsError::Cert {
        path: path.to_owned(),
        message,
    };
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(|e| error(e.to_string()))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| error(e.to_string()))?;
    if certs.is_empty() {
        return Err(error("no certificate in the file".to_owned()));
    }
    Ok(certs)
}

/// The configuration to serve with, read from `files` now and again on
/// every SIGHUP (Unix) for as long as the server runs.
pub fn reloading(files: TlsFiles) -> Result<watch::Receiver<Arc<ServerConfig>>, TlsError> {
    let (tx, rx) = watch::channel(files.load()?);
    #[cfg(unix)]
    tokio::spawn(reload_on_sighup(files, tx));
    #[cfg(not(unix))]
    drop((files, tx));
    Ok(rx)
}

#[cfg(unix)]
async fn reload_on_sighup(files: TlsFiles, tx: watch::Sender<Arc<ServerConfig>>) {
    use tokio::signal::unix::{signal, SignalKind};
    let mut hangups = match signal(SignalKind::hangup()) {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!("cannot listen for SIGHUP; certificates reload only on restart: {e}");
            return;
        }
    };
    while hangups.recv().await.is_some() {
        match files.load() {
            Ok(config) => {
                if tx.send(config).is_err() {
                    return;
                }
                tracing::info!(cert = %files.cert.display(), "TLS certificate reloaded");
            }
            Err(e) => {
                tracing::error!("TLS reload failed, the previous certificate stays in service: {e}")
            }
        }
    }
}

/// Serves the API over TLS on `listener` until `shutdown` resolves; as
/// [`crate::serve`] otherwise (the same accept loop, timeouts and limit: a
/// connection still in its handshake counts as one without a request).
pub async fn serve_tls(
    listener: TcpListener,
    config: watch::Receiver<Arc<ServerConfig>>,
    state: crate::AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    crate::connections::serve_with(listener, state, shutdown, move |stream, addr| {
        // The configuration in force now: a reload applies to the next handshake.
        let acceptor = TlsAcceptor::from(config.borrow().clone());
        async move {
            match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
                Ok(Ok(tls)) => Some(tls),
                Ok(Err(e)) => {
                    tracing::debug!("TLS handshake with {addr} failed: {e}");
                    None
                }
                Err(_) => {
                    tracing::debug!("TLS handshake with {addr} timed out");
                    None
                }
            }
        }
    })
    .await
}
