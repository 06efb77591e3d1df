//! `trato-central mail status`: what is owed (urgent messages and digests
//! not yet accepted by the mail server), with attempts and the last error.

use std::fmt::Write as _;

use crate::error::StoreError;
use crate::store::Store;

/// The report as printed; `owed` is how many messages are not yet sent.
pub struct MailStatus {
    pub text: String,
    pub owed: usize,
}

pub async fn status(store: &dyn Store) -> Result<MailStatus, StoreError> {
    let (urgent, digests) = store.mail().unsent().await?;
    let (sent_urgent, sent_digests) = store.mail().sent_counts().await?;
    let accounts = store.dash().list_accounts().await?;
    let name = |id: &str| {
        accounts
            .iter()
            .find(|a| a.id == id)
            .map_or(id.to_owned(), |a| a.name.clone())
    };
    let mut text = String::new();
    let _ = writeln!(
        text,
        "sent: {sent_urgent} urgent alert messages, {sent_digests} digests"
    );
    let _ = writeln!(
        text,
        "owed: {} urgent alert messages, {} digests",
        urgent.len(),
        digests.len()
    );
    for r in &urgent {
        let _ = writeln!(
            text,
            "urgent  {}  unit {}  stored {}  attempts {}  next {}  last error: {}",
            r.alert_id,
            r.unit_clues,
            r.queued_at.format("%Y-%m-%d %H:%M:%S"),
            r.attempts,
            r.next_attempt_at.map_or("now".to_owned(), |t| t
                .format("%Y-%m-%d %H:%M:%S")
                .to_string()),
            r.last_error.as_deref().unwrap_or("-"),
        );
    }
    for d in &digests {
        let _ = writeln!(
            text,
            "digest  {}  {} <{}>  attempts {}  next {}  last error: {}",
            d.day,
            name(&d.account_id),
            d.recipient,
            d.attempts,
            d.next_attempt_at.map_or("now".to_owned(), |t| t
                .format("%Y-%m-%d %H:%M:%S")
                .to_string()),
            d.last_error.as_deref().unwrap_or("-"),
        );
    }
    Ok(MailStatus {
        owed: urgent.len() + digests.len(),
        text,
    })
}
