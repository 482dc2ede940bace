//! How often and how patiently an operation that fails for a while (a registry restarting, a
//! webhook timing out) is tried again. Pure: the caller decides which failures are worth another
//! attempt and does the waiting.

use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

/// Attempts and the backoff between them.
///
/// The delay after failed attempt `n` is `base_delay * 2^(n - 1)`, capped at `max_delay`, of which
/// a random half is kept (jitter, so that clients that failed together do not retry together).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included; 1 (or 0) disables retries.
    pub attempts: u32,
    pub base_delay: Duration,
    pub max_delay: Duration,
}

impl RetryPolicy {
    pub const fn new(attempts: u32, base_delay: Duration, max_delay: Duration) -> Self {
        Self {
            attempts,
            base_delay,
            max_delay,
        }
    }

    /// Tries again at once: for a race that redoing the work on the new state resolves (a push
    /// refused because someone else pushed first), where waiting would only lose time.
    pub const fn immediate(attempts: u32) -> Self {
        Self::new(attempts, Duration::ZERO, Duration::ZERO)
    }

    /// Polls until the caller's deadline, backing off from `base_delay` to `max_delay`: for
    /// waiting on something another party makes true (a package becoming visible, a lease being
    /// released). The deadline, not the count, ends it.
    pub const fn polling(base_delay: Duration, max_delay: Duration) -> Self {
        Self::new(u32::MAX, base_delay, max_delay)
    }

    /// Whether another attempt follows once `made` attempts have failed.
    pub fn allows_another(&self, made: u32) -> bool {
        made < self.attempts.max(1)
    }

    /// The backoff after failed attempt `attempt` (1-based), before jitter.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let exponent = attempt.saturating_sub(1).min(31);
        self.base_delay
            .saturating_mul(1_u32 << exponent)
            .min(self.max_delay)
    }

    /// The wait after failed attempt `attempt` (1-based): a random half of the backoff kept.
    pub fn delay(&self, attempt: u32) -> Duration {
        let half = self.backoff(attempt) / 2;
        half + half.mul_f64(random_fraction())
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
        let policy = RetryPolicy::new(6, Duration::from_millis(100), Duration::from_secs(1));
        for (attempt, full) in [
            (1, 100),
            (2, 200),
            (3, 400),
            (4, 800),
            (5, 1000),
            (40, 1000),
        ] {
            let delay = policy.delay(attempt);
            let full = Duration::from_millis(full);
            assert_eq!(policy.backoff(attempt), full, "{attempt}");
            assert!(delay >= full / 2 && delay <= full, "{attempt}: {delay:?}");
        }
        let delays: std::collections::BTreeSet<Duration> =
            (0..20).map(|_| policy.delay(3)).collect();
        assert!(delays.len() > 1, "no jitter: {delays:?}");
    }

    #[test]
    fn counts_attempts_with_the_first_included() {
        let policy = RetryPolicy::new(3, Duration::ZERO, Duration::ZERO);
        assert!(policy.allows_another(1));
        assert!(policy.allows_another(2));
        assert!(!policy.allows_another(3));
        for disabled in [0, 1] {
            let policy = RetryPolicy::new(disabled, Duration::ZERO, Duration::ZERO);
            assert!(!policy.allows_another(1), "{disabled}");
        }
    }

    #[test]
    fn an_immediate_policy_counts_attempts_and_never_waits() {
        let policy = RetryPolicy::immediate(3);
        assert!(policy.allows_another(2));
        assert!(!policy.allows_another(3));
        assert_eq!(policy.delay(1), Duration::ZERO);
        assert_eq!(policy.backoff(2), Duration::ZERO);
    }

    #[test]
    fn a_polling_policy_backs_off_to_its_cap_and_leaves_the_end_to_a_deadline() {
        let policy = RetryPolicy::polling(Duration::from_millis(100), Duration::from_secs(5));
        let waits: Vec<u128> = (1..=8).map(|n| policy.backoff(n).as_millis()).collect();
        assert_eq!(waits, [100, 200, 400, 800, 1600, 3200, 5000, 5000]);
        assert!(policy.allows_another(1_000_000));
    }
}
