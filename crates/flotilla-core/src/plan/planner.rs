//! What every flow plans against: the fleet, the facts, and the refusals and skips collected
//! so far. Its own file so that the flows and the planning that dispatches to them both use it
//! without importing each other.

use crate::fleet::{Fleet, Repo};
use crate::plan::facts::{Facts, RepoFacts};
use crate::plan::refusal::Refusal;
use crate::plan::skipped::Skipped;

pub(crate) struct Planner<'a> {
    pub fleet: &'a Fleet,
    pub facts: &'a Facts,
    pub refusals: Vec<Refusal>,
    pub skipped: Vec<Skipped>,
}

impl<'a> Planner<'a> {
    pub fn new(fleet: &'a Fleet, facts: &'a Facts) -> Self {
        Self {
            fleet,
            facts,
            refusals: Vec::new(),
            skipped: Vec::new(),
        }
    }

    pub fn refuse(&mut self, repo: Option<&str>, message: String, help: Option<String>) {
        self.refusals.push(Refusal {
            repo: repo.map(str::to_owned),
            message,
            help,
        });
    }

    /// How many refusals there are so far: a flow compares it after its checks to learn whether
    /// its repository was refused.
    pub fn refusal_count(&self) -> usize {
        self.refusals.len()
    }

    /// What the remote of `repo` holds (nothing, when the engine gathered no facts for it).
    pub fn repo_facts(&self, repo: &Repo) -> RepoFacts {
        self.facts
            .repos
            .get(&repo.name)
            .cloned()
            .unwrap_or_default()
    }
}
