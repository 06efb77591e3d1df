//! CLUES: Mexico's 11-character health-facility code (`DFIMS000020`). The
//! kiosk (setup, settings) and the centre (batches, catalogue, scopes) both
//! check it here.

/// Why a string is not a CLUES.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{value}` is not a CLUES: expected 11 characters, 2 letters for the state, 3 for the institution and 6 digits, all capitals (for example DFIMS000020)")]
pub struct CluesError {
    pub value: String,
}

/// Checks the shape `^[A-Z]{2}[A-Z]{3}[0-9]{6}$`. The state and institution
/// letters are not checked against a list: the legacy state codes are not ISO
/// and the institution may not be IMSS in every deployment.
pub fn validate_clues(value: &str) -> Result<(), CluesError> {
    if is_clues(value) {
        Ok(())
    } else {
        Err(CluesError {
            value: value.to_owned(),
        })
    }
}

/// Whether `value` has the CLUES shape (callers uppercase first if they wish).
pub fn is_clues(value: &str) -> bool {
    let b = value.as_bytes();
    b.len() == 11
        && b[..5].iter().all(u8::is_ascii_uppercase)
        && b[5..].iter().all(u8::is_ascii_digit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_real_codes() {
        for c in ["DFIMS000020", "NLIMS000315", "JCIMS000301", "VZIMS001112"] {
            assert_eq!(validate_clues(c), Ok(()), "{c}");
        }
    }

    #[test]
    fn rejects_wrong_shapes() {
        for c in [
            "",
            "DFIMS00002",
            "DFIMS0000200",
            "dfims000020",
            "DF1MS000020",
            "DFIMS00002A",
            "DFÍMS000020",
            "DFIMS 00020",
        ] {
            let err = validate_clues(c).unwrap_err();
            assert!(err.to_string().contains("not a CLUES"), "{c}");
        }
    }
}
