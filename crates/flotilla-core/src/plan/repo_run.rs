use serde::{Deserialize, Serialize};

use crate::fleet::Event;
use crate::plan::step::Step;
use crate::version::Channel;

/// One repository's run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RepoRun {
    pub repo: String,
    pub category: String,
    pub wave: usize,
    pub event: Event,
    /// The version this run releases or builds (canonical spelling).
    pub version: String,
    pub channel: Channel,
    /// Repositories of this plan that must succeed first.
    pub depends_on: Vec<String>,
    /// The tag exists already; the tag steps only verify it.
    pub already_tagged: bool,
    /// What the run's work tree starts from: a branch name, or `refs/tags/…`.
    pub source: String,
    pub steps: Vec<Step>,
}
