use std::collections::{BTreeMap, BTreeSet};

/// What a poller remembers between rounds: per (registry, image) the last `ETag` and tags.
#[derive(Debug, Default)]
pub struct PollState {
    pub(crate) seen: BTreeMap<(String, String), (Option<String>, BTreeSet<String>)>,
}
