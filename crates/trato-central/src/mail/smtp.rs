//! The SMTP transport (lettre over tokio, TLS by rustls) and its settings.
//! The server is a URL: `smtp://HOST:PORT` (plain, for a relay on the same
//! machine or network), `smtp://HOST:587?tls=required` (STARTTLS) or
//! `smtps://HOST:465`; the user may be in the URL, the password never is:
//! it comes from the configuration file or `TRATO_SMTP_PASSWORD`.

use std::time::Duration;

use chrono::NaiveTime;
use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

/// The environment variable a password may come from.
pub const PASSWORD_ENV: &str = "TRATO_SMTP_PASSWORD";

/// The e-mail settings (`serve --smtp-url --mail-from`, or `smtp_url`,
/// `mail_from`, `smtp_user`, `smtp_password`, `digest_at` in the
/// configuration file).
#[derive(Clone)]
pub struct MailConfig {
    pub smtp_url: String,
    pub from: String,
    /// The SMTP user, when not in the URL.
    pub username: Option<String>,
    pub password: Option<String>,
    /// The digest's hour, in each account's local time.
    pub digest_at: NaiveTime,
}

impl std::fmt::Debug for MailConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailConfig")
            .field("smtp_url", &self.smtp_url)
            .field("from", &self.from)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .field("digest_at", &self.digest_at)
            .finish()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("the SMTP URL `{0}` carries a password: put it in the configuration file (smtp_password) or in {PASSWORD_ENV}")]
    PasswordInUrl(String),
    #[error("the SMTP URL `{url}` is not usable: {message}")]
    Url { url: String, message: String },
    #[error("`{0}` is not an e-mail address to send from")]
    From(String),
    #[error("cannot build the message: {0}")]
    Build(String),
    #[error("the mail server did not take the message: {0}")]
    Send(String),
}

/// A message's words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    pub subject: String,
    pub body: String,
}

/// Sends messages through one SMTP server.
pub struct Mailer {
    config: MailConfig,
    from: Mailbox,
    transport: AsyncSmtpTransport<Tokio1Executor>,
}

/// `scheme://user:password@host` has a password; `scheme://user@host` not.
fn url_has_password(url: &str) -> bool {
    let Some(rest) = url.split_once("://").map(|(_, r)| r) else {
        return false;
    };
    let authority = rest.split(['/', '?']).next().unwrap_or("");
    authority
        .rsplit_once('@')
        .is_some_and(|(creds, _)| creds.contains(':'))
}

impl Mailer {
    pub fn new(config: MailConfig) -> Result<Self, MailError> {
        if url_has_password(&config.smtp_url) {
            return Err(MailError::PasswordInUrl(config.smtp_url.clone()));
        }
        let from: Mailbox = config
            .from
            .parse()
            .map_err(|_| MailError::From(config.from.clone()))?;
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::from_url(&config.smtp_url)
            .map_err(|e| MailError::Url {
                url: config.smtp_url.clone(),
                message: e.to_string(),
            })?
            .timeout(Some(Duration::from_secs(20)));
        let user = config.username.clone().or_else(|| {
            let rest = config.smtp_url.split_once("://")?.1;
            let authority = rest.split(['/', '?']).next()?;
            authority.rsplit_once('@').map(|(u, _)| u.to_owned())
        });
        if let (Some(user), Some(password)) = (user, &config.password) {
            builder = builder.credentials(Credentials::new(user, password.clone()));
        }
        Ok(Self {
            from,
            transport: builder.build(),
            config,
        })
    }

    pub fn config(&self) -> &MailConfig {
        &self.config
    }

    /// The server, for logs (the URL never holds a password).
    pub fn server(&self) -> &str {
        &self.config.smtp_url
    }

    /// One message to all of `to`; `Ok` only once the server accepted it.
    pub async fn send(&self, to: &[&str], message: &Outgoing) -> Result<(), MailError> {
        let mut b = Message::builder()
            .from(self.from.clone())
            .subject(message.subject.clone())
            .header(ContentType::TEXT_PLAIN);
        for addr in to {
            let mailbox: Mailbox = addr
                .parse()
                .map_err(|e| MailError::Build(format!("`{addr}`: {e}")))?;
            b = b.to(mailbox);
        }
        let email = b
            .body(message.body.clone())
            .map_err(|e| MailError::Build(e.to_string()))?;
        self.transport
            .send(email)
            .await
            .map(|_| ())
            .map_err(|e| MailError::Send(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(url: &str) -> MailConfig {
        MailConfig {
            smtp_url: url.into(),
            from: "Trato Digno <tratodigno@imss.gob.mx>".into(),
            username: None,
            password: Some("secreto".into()),
            digest_at: crate::mail::default_digest_at(),
        }
    }

    #[test]
    fn a_password_in_the_url_is_refused_and_never_shown() {
        let err = Mailer::new(config("smtps://ana:secreto@correo.imss.gob.mx"))
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains(PASSWORD_ENV), "{err}");
        assert!(Mailer::new(config("smtps://ana@correo.imss.gob.mx")).is_ok());
        assert!(Mailer::new(config("smtp://127.0.0.1:2525")).is_ok());
        assert!(matches!(
            Mailer::new(MailConfig {
                from: "no es correo".into(),
                ..config("smtp://127.0.0.1:2525")
            }),
            Err(MailError::From(_))
        ));
        assert!(!format!("{:?}", config("smtp://x")).contains("secreto"));
    }
}
