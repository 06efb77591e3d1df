//! PIN rules and storage: 4 to 8 digits, not trivially guessable, kept only
//! as Argon2id PHC strings (random salt per PIN) in the `pins` table.

use argon2::{Algorithm, Argon2, Params, PasswordHash, PasswordHasher, PasswordVerifier, Version};
use chrono::{DateTime, Utc};
use password_hash::rand_core::OsRng;
use password_hash::SaltString;
use rusqlite::{Connection, OptionalExtension};

use super::Role;
use crate::store::{timestamp, StoreError};

/// Shortest and longest PIN accepted.
pub const PIN_LEN: std::ops::RangeInclusive<usize> = 4..=8;

/// Argon2id cost (OWASP's minimum recommendation: 19 MiB, 2 passes, 1 lane).
const MEMORY_KIB: u32 = 19 * 1024;
const PASSES: u32 = 2;
const LANES: u32 = 1;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PinError {
    #[error("a PIN is 4 to 8 digits")]
    Format,
    #[error("this PIN is too easy to guess (all the same digit or a run like 1234 or 9876); choose another")]
    Weak,
    #[error("the staff PIN and the IT PIN must be different")]
    SameAsOtherRole,
    #[error("cannot hash the PIN: {0}")]
    Hash(String),
    #[error(
        "a PIN hash must be an Argon2id PHC string as `config export --with-secrets` writes it"
    )]
    HashFormat,
}

/// Checks a new PIN against the rules, with a message fit for the screen.
pub fn validate_pin(pin: &str) -> Result<(), PinError> {
    if !PIN_LEN.contains(&pin.len()) || !pin.bytes().all(|b| b.is_ascii_digit()) {
        return Err(PinError::Format);
    }
    if is_trivial(pin.as_bytes()) {
        return Err(PinError::Weak);
    }
    Ok(())
}

/// All one digit, or each digit one more (or one less) than the previous,
/// wrapping 9→0 as on a keypad row (7890, 8901).
fn is_trivial(digits: &[u8]) -> bool {
    let steps: Vec<u8> = digits
        .windows(2)
        .map(|w| (10 + w[1] - b'0' - (w[0] - b'0')) % 10)
        .collect();
    [0, 1, 9].iter().any(|step| steps.iter().all(|s| s == step))
}

fn hasher() -> Result<Argon2<'static>, PinError> {
    let params =
        Params::new(MEMORY_KIB, PASSES, LANES, None).map_err(|e| PinError::Hash(e.to_string()))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// The PHC string (`$argon2id$v=19$m=19456,t=2,p=1$salt$hash`) for a valid PIN.
pub fn hash_pin(pin: &str) -> Result<String, PinError> {
    validate_pin(pin)?;
    let salt = SaltString::generate(&mut OsRng);
    hasher()?
        .hash_password(pin.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| PinError::Hash(e.to_string()))
}

/// Highest Argon2 cost accepted from a config file: a hash with a huge cost
/// would make every tap on the PIN pad hang the kiosk.
const MAX_MEMORY_KIB: u32 = 256 * 1024;
const MAX_PASSES: u32 = 10;

/// Checks a PIN hash from a config file (a fleet shares its PINs as hashes,
/// never in clear): an Argon2id PHC string with salt, hash and a sane cost.
pub fn validate_phc(phc: &str) -> Result<(), PinError> {
    let parsed = PasswordHash::new(phc).map_err(|_| PinError::HashFormat)?;
    let params = Params::try_from(&parsed).map_err(|_| PinError::HashFormat)?;
    let ok = parsed.algorithm.as_str() == "argon2id"
        && parsed.salt.is_some()
        && parsed.hash.is_some()
        && params.m_cost() <= MAX_MEMORY_KIB
        && params.t_cost() <= MAX_PASSES;
    if ok {
        Ok(())
    } else {
        Err(PinError::HashFormat)
    }
}

/// Whether `pin` matches the stored PHC string. The parameters come from the
/// string itself and the comparison is constant-time (argon2 crate). A
/// malformed stored string never matches.
pub fn verify_pin(phc: &str, pin: &str) -> bool {
    // Nothing longer than a PIN is worth the hashing time.
    if pin.len() > *PIN_LEN.end() {
        return false;
    }
    match PasswordHash::new(phc) {
        Ok(parsed) => Argon2::default()
            .verify_password(pin.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// The stored PHC string of a role's PIN, if one is set.
pub(crate) fn stored_hash(conn: &Connection, role: Role) -> Result<Option<String>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT phc FROM pins WHERE role = ?1",
            [role.as_str()],
            |r| r.get(0),
        )
        .optional()?)
}

pub(crate) fn store_hash(
    conn: &Connection,
    role: Role,
    phc: &str,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO pins (role, phc, set_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (role) DO UPDATE SET phc = excluded.phc, set_at = excluded.set_at",
        (role.as_str(), phc, timestamp(at)),
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weak_and_malformed_pins_are_refused() {
        for pin in [
            "0000", "1111", "1234", "4321", "9876", "7890", "8901", "0987", "12345678", "98765432",
        ] {
            assert_eq!(validate_pin(pin), Err(PinError::Weak), "{pin}");
        }
        for pin in ["", "123", "123456789", "12a4", " 2468", "２４６８"] {
            assert_eq!(validate_pin(pin), Err(PinError::Format), "{pin:?}");
        }
        let demo = [super::super::DEMO_STAFF_PIN, super::super::DEMO_IT_PIN];
        for pin in ["2468", "1357", "8023", "1212", "90210", "73194628"]
            .iter()
            .chain(&demo)
        {
            assert_eq!(validate_pin(pin), Ok(()), "{pin}");
        }
    }
}
