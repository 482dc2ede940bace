//! Whether the mirrors a run clones from can be trusted as they are.

/// Whether the mirrors reflect the remotes as the train's plan saw them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MirrorState {
    /// Refreshed by this process while gathering the facts the plan was made from: a run uses
    /// them as they are. Were a remote to move in between, its push is refused (not forced)
    /// and the run fails with git's reason; the reflect step fetches the default branch itself.
    Fresh,
    /// Possibly old (a resume or retry in a later process): each run refreshes its mirror.
    Stale,
}
