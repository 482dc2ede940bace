use std::fmt;
use std::hash::{BuildHasher, RandomState};
use std::sync::{Mutex, PoisonError};

use serde::Serialize;

/// Identifier of a stored record: a ULID (26 Crockford base32 characters, 48 bits of unix
/// milliseconds then 80 random bits).
///
/// ULIDs sort by creation time, need no central sequence (so `PostgreSQL` nodes can create them
/// too), and a user can type a unique prefix of one. Within a process they are strictly
/// increasing, so records created in the same millisecond keep their order.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Id(String);

const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const RANDOM_BITS: u32 = 80;
const RANDOM_MASK: u128 = (1 << RANDOM_BITS) - 1;

/// Last (milliseconds, random part) handed out, for monotonic ids within the process.
static LAST: Mutex<(u64, u128)> = Mutex::new((0, 0));

impl Id {
    /// A new id, greater than every id this process generated before.
    pub fn generate() -> Self {
        let now = u64::try_from(jiff::Timestamp::now().as_millisecond()).unwrap_or(0);
        let mut last = LAST.lock().unwrap_or_else(PoisonError::into_inner);
        let (millis, random) = if now > last.0 {
            (now, random_bits())
        } else if last.1 < RANDOM_MASK {
            // Same millisecond (or the clock went back): keep order by incrementing.
            (last.0, last.1 + 1)
        } else {
            (last.0 + 1, 0)
        };
        *last = (millis, random);
        drop(last);
        Self(encode((u128::from(millis) << RANDOM_BITS) | random))
    }

    /// Wraps an id read back from the database.
    pub(crate) fn from_stored(text: String) -> Self {
        Self(text)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// An id typed by a user: 26 characters of Crockford base32, in any case.
    pub fn parse(text: &str) -> Option<Self> {
        let upper = text.to_ascii_uppercase();
        (upper.len() == 26
            && upper
                .bytes()
                .all(|b| b.is_ascii_digit() || (b.is_ascii_uppercase() && !b"ILOU".contains(&b))))
        .then_some(Self(upper))
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// 80 unpredictable bits. `RandomState` keys come from the operating system's randomness, which
/// is enough for unique (not secret) ids without another dependency.
fn random_bits() -> u128 {
    let state = RandomState::new();
    let high = state.hash_one((std::process::id(), 0_u8));
    let low = state.hash_one((std::process::id(), 1_u8));
    ((u128::from(high) << 64) | u128::from(low)) & RANDOM_MASK
}

fn encode(value: u128) -> String {
    (0..26)
        .map(|i| {
            let shift = 125 - 5 * i;
            // Masked to 5 bits, so the index is always in the alphabet.
            let index = usize::try_from((value >> shift) & 0x1f).unwrap_or(0);
            char::from(ALPHABET[index])
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_26_crockford_characters() {
        let id = Id::generate();
        assert_eq!(id.as_str().len(), 26);
        assert!(id.as_str().bytes().all(|b| ALPHABET.contains(&b)), "{id}");
    }

    #[test]
    fn ids_increase_within_a_process() {
        let ids: Vec<Id> = (0..1000).map(|_| Id::generate()).collect();
        assert!(ids.windows(2).all(|pair| pair[0] < pair[1]));
    }

    #[test]
    fn encoding_puts_time_first() {
        assert_eq!(encode(0), "00000000000000000000000000");
        assert_eq!(encode(u128::MAX), "7ZZZZZZZZZZZZZZZZZZZZZZZZZ");
        assert_eq!(
            encode(1_u128 << RANDOM_BITS),
            "0000000001".to_owned() + &"0".repeat(16)
        );
    }
}
