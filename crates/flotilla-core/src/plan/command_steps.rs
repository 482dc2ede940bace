//! The repository's own commands that run on an event.

use crate::fleet::{Event, Repo};
use crate::plan::step::Step;

pub(crate) fn commands(repo: &Repo, event: Event) -> Vec<Step> {
    repo.commands
        .iter()
        .filter(|c| c.on.contains(&event))
        .map(|c| Step::Run {
            name: c.name.clone(),
            argv: c.argv.clone(),
            timeout_secs: c.timeout_secs,
        })
        .collect()
}
