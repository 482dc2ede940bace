use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

/// How often and how patiently a registry request is retried when the registry is unreachable,
/// times out, answers 5xx or asks to slow down (429).
///
/// The delay before attempt `n + 1` is `base_delay * 2^(n - 1)`, capped at `max_delay`, of which
/// a random half is kept (jitter, so that clients that failed together do not retry together);
/// a `Retry-After` the registry sends is waited out in full, up to [`RetryPolicy::MAX_RETRY_AFTER`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts per request, the first included; 1 disables retries.
    pub attempts: u32,
    pub base_delay: Duration,
    pub max_delay: Duration,
    /// Longest wait for a connection to open.
    pub connect_timeout: Duration,
    /// Longest time one attempt may take, body included.
    pub request_timeout: Duration,
}

impl Default for RetryPolicy {
    /// Six attempts over about a minute: long enough for a registry restart.
    fn default() -> Self {
        Self {
            attempts: 6,
            base_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_mins(5),
        }
    }
}

impl RetryPolicy {
    /// The longest `Retry-After` honoured; a registry asking for more is reported as down.
    pub const MAX_RETRY_AFTER: Duration = Duration::from_mins(5);

    /// The wait after failed attempt `attempt` (1-based), given the registry's `Retry-After`.
    pub(crate) fn delay(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        let exponent = attempt.saturating_sub(1).min(31);
        let backoff = self
            .base_delay
            .saturating_mul(1_u32 << exponent)
            .min(self.max_delay);
        let half = backoff / 2;
        let jitter = half.mul_f64(random_fraction());
        let delay = half + jitter;
        match retry_after {
            Some(asked) => delay.max(asked.min(Self::MAX_RETRY_AFTER)),
            None => delay,
        }
    }
}

/// A number in [0, 1) that differs between calls: std's hasher keys are random per process and
/// change with every `RandomState`, which is all jitter needs.
fn random_fraction() -> f64 {
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u8(0);
    // 53 random bits fill an f64 mantissa exactly.
    #[allow(clippy::cast_precision_loss)]
    let fraction = (hasher.finish() >> 11) as f64 / (1_u64 << 53) as f64;
    fraction
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backs_off_exponentially_with_jitter_and_a_cap() {
        let policy = RetryPolicy {
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(1),
            ..RetryPolicy::default()
        };
        for (attempt, full) in [
            (1, 100),
            (2, 200),
            (3, 400),
            (4, 800),
            (5, 1000),
            (40, 1000),
        ] {
            let delay = policy.delay(attempt, None);
            let full = Duration::from_millis(full);
            assert!(delay >= full / 2 && delay <= full, "{attempt}: {delay:?}");
        }
        let delays: std::collections::BTreeSet<Duration> =
            (0..20).map(|_| policy.delay(3, None)).collect();
        assert!(delays.len() > 1, "no jitter: {delays:?}");
    }

    #[test]
    fn honours_retry_after_up_to_a_limit() {
        let policy = RetryPolicy::default();
        assert_eq!(
            policy.delay(1, Some(Duration::from_secs(7))),
            Duration::from_secs(7)
        );
        assert_eq!(
            policy.delay(1, Some(Duration::from_hours(1))),
            RetryPolicy::MAX_RETRY_AFTER
        );
    }
}
