use std::sync::Mutex;
use std::time::Duration;

use jiff::Timestamp;

use crate::app_key::AppKey;
use crate::secret::Secret;

/// A GitHub App installation's current token, replaced when it comes within `margin` of its
/// `expires_at`.
pub(crate) struct InstallationTokens {
    pub(crate) app_id: u64,
    pub(crate) installation_id: u64,
    pub(crate) key: AppKey,
    margin: Duration,
    current: Mutex<Option<(Secret, Timestamp)>>,
}

impl InstallationTokens {
    pub(crate) fn new(app_id: u64, installation_id: u64, key: AppKey, margin: Duration) -> Self {
        Self {
            app_id,
            installation_id,
            key,
            margin,
            current: Mutex::new(None),
        }
    }

    /// The current token if it is good for longer than the margin.
    pub(crate) fn fresh(&self) -> Option<Secret> {
        let current = self.current.lock().ok()?;
        let (token, expires_at) = current.as_ref()?;
        let margin = jiff::SignedDuration::try_from(self.margin).ok()?;
        let renew_at = expires_at.checked_sub(margin).ok()?;
        (Timestamp::now() < renew_at).then(|| token.clone())
    }

    pub(crate) fn store(&self, token: Secret, expires_at: Timestamp) {
        if let Ok(mut current) = self.current.lock() {
            *current = Some((token, expires_at));
        }
    }

    /// Drops the current token (GitHub refused it: revoked, or the installation changed).
    pub(crate) fn forget(&self) {
        if let Ok(mut current) = self.current.lock() {
            *current = None;
        }
    }
}
