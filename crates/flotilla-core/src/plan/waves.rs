//! Ordering a selection of repositories into waves.
//!
//! A repository's wave key is the pair (category order, depth), compared lexicographically, and
//! every dependency's key must be smaller: `key(r) = max((order(r), 0), max over deps d of
//! (key(d).0, key(d).1 + 1))`. So categories run core → frontend core → frontend → backend →
//! plugins → tools, dependencies inside a category add waves, and an unusual dependency on a
//! later category still runs after what it needs instead of being reordered silently.

use std::collections::{BTreeMap, BTreeSet};

use crate::fleet::Repo;

/// Groups `repos` (already selected) into waves of names, in run order. Dependencies outside
/// the selection are taken as already released. The manifest has refused cycles; a cycle that
/// slips through still terminates, because a repository's key is computed once.
pub(crate) fn waves<'a>(repos: &[&'a Repo]) -> Vec<Vec<&'a Repo>> {
    let by_name: BTreeMap<&str, &Repo> = repos.iter().map(|r| (r.name.as_str(), *r)).collect();
    let mut keys: BTreeMap<&str, (u32, u32)> = BTreeMap::new();
    let mut visiting = BTreeSet::new();
    for repo in repos {
        key(repo, &by_name, &mut keys, &mut visiting);
    }
    let mut grouped: BTreeMap<(u32, u32), Vec<&Repo>> = BTreeMap::new();
    for repo in repos {
        grouped
            .entry(keys[repo.name.as_str()])
            .or_default()
            .push(repo);
    }
    grouped.into_values().collect()
}

fn key<'a>(
    repo: &'a Repo,
    by_name: &BTreeMap<&str, &'a Repo>,
    keys: &mut BTreeMap<&'a str, (u32, u32)>,
    visiting: &mut BTreeSet<&'a str>,
) -> (u32, u32) {
    if let Some(k) = keys.get(repo.name.as_str()) {
        return *k;
    }
    let mut k = (repo.wave_order, 0);
    if visiting.insert(repo.name.as_str()) {
        for dep in &repo.depends_on {
            if let Some(dep_repo) = by_name.get(dep.as_str()) {
                let (order, depth) = key(dep_repo, by_name, keys, visiting);
                k = k.max((order, depth + 1));
            }
        }
    }
    keys.insert(repo.name.as_str(), k);
    k
}
