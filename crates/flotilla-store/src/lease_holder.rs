use std::fmt;

use serde::Serialize;

use crate::Id;

/// Who holds a repository lease: the train it works for, and the process doing the work. Kept
/// as fields (columns in the database) so that telling a dead process's lease from a live one
/// needs no parsing.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct LeaseHolder {
    pub train: Id,
    pub pid: u32,
    /// The machine the process runs on: a pid means something only there.
    pub host: String,
}

/// How users see a holder in messages: `train ID (pid N on HOST)`.
impl fmt::Display for LeaseHolder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "train {} (pid {} on {})",
            self.train, self.pid, self.host
        )
    }
}
