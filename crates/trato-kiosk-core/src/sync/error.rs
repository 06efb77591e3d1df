//! Every way a sync can fail, with what staff read on the screen (Spanish,
//! plain words) and whether trying again later can help.

use std::time::Duration;

use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// `sync.endpoint` is empty: this kiosk does not sync.
    #[error("sync is not configured (sync.endpoint is empty)")]
    NotConfigured,
    #[error("sync.token is empty: the centre's token for this kiosk is missing")]
    NoToken,
    #[error("the centre's TLS certificate was refused: {0}")]
    Certificate(String),
    #[error("cannot connect to the centre: {0}")]
    Connect(String),
    #[error("the centre did not answer in time")]
    Timeout,
    /// The connection broke mid-request or mid-reply: the batch may or may
    /// not have been stored, so it stays pending (a retry is harmless).
    #[error("the connection to the centre failed: {0}")]
    Network(String),
    #[error("the centre answered {status} {code}: {message}")]
    Http {
        status: u16,
        code: String,
        message: String,
        retry_after: Option<Duration>,
    },
    #[error("the centre's reply is not valid: {0}")]
    BadReply(String),
    #[error("cannot encode a batch: {0}")]
    Encode(String),
    #[error("response {0} alone is over the 1 MiB batch limit")]
    ResponseTooLarge(uuid::Uuid),
    #[error("cannot build the HTTP client: {0}")]
    Client(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the sync worker stopped: {0}")]
    Worker(String),
}

impl SyncError {
    /// Whether waiting and trying again can help without a person. Errors
    /// that need IT (a token, a certificate, a software fix) are retried too,
    /// but on the long backoff: a fix on the centre's side needs no visit.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Connect(_) | Self::Timeout | Self::Network(_) | Self::Worker(_) => true,
            Self::Http { status, .. } => *status >= 500 || matches!(status, 408 | 413 | 429),
            _ => false,
        }
    }

    /// The wait the centre asked for (429 `Retry-After`).
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::Http { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// A stable code for logs, tests and the UI.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotConfigured => "not_configured",
            Self::NoToken => "no_token",
            Self::Certificate(_) => "certificate",
            Self::Connect(_) => "connect",
            Self::Timeout => "timeout",
            Self::Network(_) => "network",
            Self::Http { .. } => "http",
            Self::BadReply(_) => "bad_reply",
            Self::Encode(_) | Self::ResponseTooLarge(_) => "encode",
            Self::Client(_) => "client",
            Self::Store(_) => "storage",
            Self::Worker(_) => "worker",
        }
    }

    /// What staff read: what happened and what it means, in Spanish.
    pub fn in_words(&self) -> String {
        match self {
            Self::NotConfigured => "Sin configurar: falta la dirección del servidor central.".into(),
            Self::NoToken => "Falta la clave del quiosco para el servidor central (TI).".into(),
            Self::Certificate(d) => format!(
                "El certificado de seguridad del servidor central no es válido; no se envió nada. Avise a TI. ({d})"
            ),
            Self::Connect(_) => "No hay conexión con el servidor central; se reintentará.".into(),
            Self::Timeout => "El servidor central no respondió a tiempo; se reintentará.".into(),
            Self::Network(_) => "Se cortó la conexión con el servidor central; se reintentará.".into(),
            Self::Http { status: 401, .. } => {
                "El servidor central no reconoce la clave de este quiosco; TI debe registrar una nueva.".into()
            }
            Self::Http { status: 403, message, .. } => format!(
                "La clave de este quiosco es de otra unidad u otro quiosco; TI debe revisarla. ({message})"
            ),
            Self::Http { status: 413, .. } => {
                "El envío era demasiado grande; se reintenta con menos respuestas.".into()
            }
            Self::Http { status: 429, .. } => {
                "El servidor central pidió esperar antes de enviar más; se reintentará.".into()
            }
            Self::Http { status, .. } if *status >= 500 || *status == 408 => format!(
                "El servidor central tuvo un problema (error {status}); se reintentará."
            ),
            Self::Http { status, code, .. } => format!(
                "El servidor central rechazó el envío (error {status}, {code}); avise a TI."
            ),
            Self::BadReply(_) => {
                "La respuesta del servidor central no se entendió; se reintentará. Avise a TI si persiste.".into()
            }
            Self::Encode(_) | Self::ResponseTooLarge(_) | Self::Client(_) => {
                format!("Error interno al preparar el envío; avise a TI. ({self})")
            }
            Self::Store(e) => format!("Error de la base de datos del quiosco; avise a TI. ({e})"),
            Self::Worker(_) => "La sincronización se detuvo por un error interno; se reintentará.".into(),
        }
    }
}
