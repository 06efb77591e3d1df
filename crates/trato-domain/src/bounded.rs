//! Deserialising a list with a bound on its length, checked while parsing:
//! a list over the bound is refused at its first extra element, so a small
//! compressed body cannot make the parser build a million elements first.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{Deserialize, Deserializer, Error, SeqAccess, Visitor};

/// Marks the error of a list over its bound (see [`over_bound`]).
pub const OVER_BOUND: &str = "list over its bound";

/// Whether a deserialisation error message is one of a list over its bound.
pub fn over_bound(message: &str) -> bool {
    message.contains(OVER_BOUND)
}

struct Bounded<T, const MAX: usize>(PhantomData<T>);

impl<'de, T: Deserialize<'de>, const MAX: usize> Visitor<'de> for Bounded<T, MAX> {
    type Value = Vec<T>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "a list of at most {MAX} elements")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
        // The size hint is the sender's word: never trust it past the bound.
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(MAX).min(64));
        while let Some(x) = seq.next_element()? {
            if out.len() == MAX {
                return Err(A::Error::custom(format!(
                    "{OVER_BOUND}: more than {MAX} elements"
                )));
            }
            out.push(x);
        }
        Ok(out)
    }
}

/// `#[serde(deserialize_with = "bounded::vec::<_, MAX, _>")]`.
pub fn vec<'de, T, const MAX: usize, D>(d: D) -> Result<Vec<T>, D::Error>
where
    T: Deserialize<'de>,
    D: Deserializer<'de>,
{
    d.deserialize_seq(Bounded::<T, MAX>(PhantomData))
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    #[derive(Deserialize, Debug)]
    struct L {
        #[serde(deserialize_with = "super::vec::<_, 3, _>")]
        xs: Vec<u8>,
    }

    #[test]
    fn lists_over_the_bound_are_refused() {
        assert_eq!(
            serde_json::from_str::<L>(r#"{"xs":[1,2,3]}"#).unwrap().xs,
            [1, 2, 3]
        );
        let e = serde_json::from_str::<L>(r#"{"xs":[1,2,3,4]}"#).unwrap_err();
        assert!(super::over_bound(&e.to_string()), "{e}");
    }
}
