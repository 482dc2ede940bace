use crate::Oid;

/// Options for [`crate::Repo::push`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PushOptions {
    pub(crate) atomic: bool,
    pub(crate) leases: Vec<(String, Option<Oid>)>,
}

impl PushOptions {
    pub fn new() -> Self {
        Self::default()
    }

    /// All refs are updated or none is (`--atomic`): a branch and its release tag land together.
    #[must_use]
    pub fn atomic(mut self) -> Self {
        self.atomic = true;
        self
    }

    /// Allows a non-fast-forward update of `remote_ref` (full name, like `refs/heads/main`)
    /// only while the remote still holds `expected`; `None` requires that it does not exist.
    /// A failed expectation is reported as [`crate::RejectReason::Stale`].
    #[must_use]
    pub fn force_with_lease(
        mut self,
        remote_ref: impl Into<String>,
        expected: Option<Oid>,
    ) -> Self {
        self.leases.push((remote_ref.into(), expected));
        self
    }
}
