//! Why a request cannot run. Planning collects every reason before anything runs, so a user
//! fixes them all at once instead of one per attempt.

use std::fmt;

/// One reason a request cannot run, for one repository or for the whole request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub repo: Option<String>,
    pub message: String,
    pub help: Option<String>,
}

/// All the reasons a request was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct PlanError {
    pub refusals: Vec<Refusal>,
}

impl fmt::Display for PlanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, refusal) in self.refusals.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            let message = match &refusal.repo {
                Some(repo) => format!("{repo}: {}", refusal.message),
                None => refusal.message.clone(),
            };
            f.write_str(&crate::help::render(&message, refusal.help.as_deref()))?;
        }
        Ok(())
    }
}

/// Each refusal renders its own help under its message, so the list has none of its own.
impl crate::help::Help for PlanError {}
