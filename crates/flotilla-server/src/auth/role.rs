//! Roles and the actions they allow.

/// What a token (and the person signed in with it) may do. Each role allows what the ones
/// before it allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    /// Reads every page and the API.
    Viewer,
    /// Also retries, resumes and cancels trains.
    Releaser,
    /// Also approves, rejects and rolls back deployments.
    Approver,
    /// Also creates and revokes tokens.
    Admin,
}

/// A kind of request, gated by role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    View,
    /// Retry, resume, cancel a train.
    Release,
    /// Approve, reject, roll back a deployment.
    Decide,
    /// Create and revoke tokens.
    Administer,
}

impl Role {
    pub const ALL: [Self; 4] = [Self::Viewer, Self::Releaser, Self::Approver, Self::Admin];

    /// The name stored with a token and typed after `--role`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Viewer => "viewer",
            Self::Releaser => "releaser",
            Self::Approver => "approver",
            Self::Admin => "admin",
        }
    }

    /// The role named `text`, if any.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|role| role.as_str() == text)
    }

    /// Whether this role may do `action`.
    #[must_use]
    pub fn allows(self, action: Action) -> bool {
        let needed = match action {
            Action::View => Self::Viewer,
            Action::Release => Self::Releaser,
            Action::Decide => Self::Approver,
            Action::Administer => Self::Admin,
        };
        self >= needed
    }
}

impl Action {
    /// The roles that may do it, for refusals.
    pub fn needs(self) -> &'static str {
        match self {
            Action::View => "any role",
            Action::Release => "the releaser, approver or admin role",
            Action::Decide => "the approver or admin role",
            Action::Administer => "the admin role",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_role_allows_what_the_ones_before_it_allow() {
        assert!(Role::Viewer.allows(Action::View));
        assert!(!Role::Viewer.allows(Action::Release));
        assert!(Role::Releaser.allows(Action::Release));
        assert!(!Role::Releaser.allows(Action::Decide));
        assert!(Role::Approver.allows(Action::Decide));
        assert!(!Role::Approver.allows(Action::Administer));
        assert!(Role::Admin.allows(Action::Administer));
    }
}
