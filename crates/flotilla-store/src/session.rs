use jiff::Timestamp;

use crate::ApiToken;

/// A browser signed in with a token, as a request carrying its cookie finds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// The live token it was signed in with: who the browser is.
    pub token: ApiToken,
    /// What every form of the session must carry back (cross-site request forgery).
    pub csrf: String,
    pub expires_at: Timestamp,
}
