use crate::Identity;

/// How a command that records an identity gets it.
pub(crate) enum IdentitySetup {
    Explicit(Identity),
    Fallback {
        name: Option<String>,
        email: Option<String>,
    },
    UserConfig,
}
