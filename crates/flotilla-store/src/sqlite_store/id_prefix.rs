//! Finding a record by a unique prefix of its id, as users type them.

use crate::{Id, StoreError};

/// How many candidates an ambiguous id prefix error lists.
pub(super) const PREFIX_CANDIDATES: u32 = 5;

/// The `LIKE` pattern of the ids starting with `id_or_prefix` (any case), or `None` when it
/// cannot start an id.
pub(super) fn id_prefix_pattern(id_or_prefix: &str) -> Option<String> {
    let prefix = id_or_prefix.trim().to_ascii_uppercase();
    // Ids are alphanumeric, so anything else matches nothing (and needs no LIKE escaping).
    (!prefix.is_empty() && prefix.bytes().all(|b| b.is_ascii_alphanumeric()))
        .then(|| format!("{prefix}%"))
}

pub(super) fn prefix_not_found(entity: &'static str, id_or_prefix: &str) -> StoreError {
    StoreError::NotFound {
        entity,
        id: id_or_prefix.to_owned(),
    }
}

/// The one record an id prefix matched; `matches` holds up to [`PREFIX_CANDIDATES`] of them.
pub(super) fn unique_match<T>(
    entity: &'static str,
    id_or_prefix: &str,
    mut matches: Vec<T>,
    id_of: fn(T) -> Id,
) -> Result<T, StoreError> {
    match matches.len() {
        0 => Err(prefix_not_found(entity, id_or_prefix)),
        1 => Ok(matches.remove(0)),
        _ => Err(StoreError::AmbiguousPrefix {
            entity,
            prefix: id_or_prefix.to_owned(),
            candidates: matches.into_iter().map(id_of).collect(),
        }),
    }
}
