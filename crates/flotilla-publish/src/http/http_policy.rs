use std::time::Duration;

use flotilla_core::{RegistryLimits, RetryPolicy};

/// How a registry request is retried and how long it may take.
///
/// A request is retried under `retry` when the registry is unreachable, times out, answers 5xx
/// or asks to slow down (429); a `Retry-After` the registry sends is waited out in full, up to
/// [`HttpPolicy::MAX_RETRY_AFTER`]. No attempt starts, and none goes on, once the call has
/// taken `limits.total`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpPolicy {
    pub retry: RetryPolicy,
    pub limits: RegistryLimits,
}

impl Default for HttpPolicy {
    /// Six attempts over about a minute: long enough for a registry restart.
    fn default() -> Self {
        Self::new(RegistryLimits::default())
    }
}

impl HttpPolicy {
    /// The default retries under `limits`.
    pub fn new(limits: RegistryLimits) -> Self {
        Self {
            retry: RetryPolicy::new(6, Duration::from_secs(1), Duration::from_secs(30)),
            limits,
        }
    }

    /// The longest `Retry-After` honoured; a registry asking for more is reported as down.
    pub const MAX_RETRY_AFTER: Duration = Duration::from_mins(5);

    /// The wait after failed attempt `attempt` (1-based), given the registry's `Retry-After`.
    pub(crate) fn delay(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        let delay = self.retry.delay(attempt);
        match retry_after {
            Some(asked) => delay.max(asked.min(Self::MAX_RETRY_AFTER)),
            None => delay,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn honours_retry_after_up_to_a_limit() {
        let policy = HttpPolicy::default();
        assert_eq!(
            policy.delay(1, Some(Duration::from_secs(7))),
            Duration::from_secs(7)
        );
        assert_eq!(
            policy.delay(1, Some(Duration::from_hours(1))),
            HttpPolicy::MAX_RETRY_AFTER
        );
    }

    #[test]
    fn backs_off_under_the_retry_policy_without_retry_after() {
        let policy = HttpPolicy {
            retry: RetryPolicy::new(6, Duration::from_millis(100), Duration::from_secs(1)),
            ..HttpPolicy::default()
        };
        for attempt in [1, 3, 40] {
            let full = policy.retry.backoff(attempt);
            let delay = policy.delay(attempt, None);
            assert!(delay >= full / 2 && delay <= full, "{attempt}: {delay:?}");
        }
    }
}
