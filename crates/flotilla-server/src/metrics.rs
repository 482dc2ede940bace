//! The server's counters and the deploy latency histogram, rendered in Prometheus' text format.

use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use flotilla_store::{EventStatus, RunStatus};

/// Upper bounds of the deploy latency buckets, in seconds: push-to-deploy is meant to stay
/// well under a second, and anything past ten is a problem whatever its size.
const LATENCY_BUCKETS: [f64; 8] = [0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

/// Where a stored event came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Source {
    /// flotilla's own post-receive hook.
    Git,
    GitHub,
    Registry,
}

impl Source {
    const ALL: [Self; 3] = [Self::Git, Self::GitHub, Self::Registry];

    /// The event's `source` in the store and the metric's label.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Git => "git",
            Self::GitHub => "github",
            Self::Registry => "registry",
        }
    }
}

/// Why a webhook delivery was refused before anything was recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Rejection {
    Unauthorized,
    TooLarge,
    /// The body did not arrive within the body timeout.
    TimedOut,
    Malformed,
}

impl Rejection {
    const ALL: [Self; 4] = [
        Self::Unauthorized,
        Self::TooLarge,
        Self::TimedOut,
        Self::Malformed,
    ];

    fn as_str(self) -> &'static str {
        match self {
            Self::Unauthorized => "unauthorized",
            Self::TooLarge => "too_large",
            Self::TimedOut => "timed_out",
            Self::Malformed => "malformed",
        }
    }
}

/// The server's metrics. Cheap to clone; every clone counts into the same series, so the
/// binary can hand one to the engine (deploy latency) and the same one to the server.
#[derive(Debug, Clone, Default)]
pub struct Metrics {
    inner: Arc<Counters>,
}

#[derive(Debug, Default)]
struct Counters {
    received: [AtomicU64; 3],
    replayed: [AtomicU64; 3],
    rejected: [AtomicU64; Rejection::ALL.len()],
    latency_buckets: [AtomicU64; LATENCY_BUCKETS.len()],
    latency_count: AtomicU64,
    latency_sum_micros: AtomicU64,
}

impl Metrics {
    pub fn new() -> Self {
        Self::default()
    }

    /// Records how long one deployment took, from the registry event to the deployer's effect.
    pub fn observe_deploy_latency(&self, latency: Duration) {
        let seconds = latency.as_secs_f64();
        let counters = &self.inner;
        for (bound, bucket) in LATENCY_BUCKETS.iter().zip(&counters.latency_buckets) {
            if seconds <= *bound {
                bucket.fetch_add(1, Ordering::Relaxed);
            }
        }
        counters.latency_count.fetch_add(1, Ordering::Relaxed);
        let micros = u64::try_from(latency.as_micros()).unwrap_or(u64::MAX);
        counters
            .latency_sum_micros
            .fetch_add(micros, Ordering::Relaxed);
    }

    pub(crate) fn received(&self, source: Source, count: u64) {
        self.inner.received[source as usize].fetch_add(count, Ordering::Relaxed);
    }

    pub(crate) fn replayed(&self, source: Source, count: u64) {
        self.inner.replayed[source as usize].fetch_add(count, Ordering::Relaxed);
    }

    pub(crate) fn rejected(&self, reason: Rejection) {
        self.inner.rejected[reason as usize].fetch_add(1, Ordering::Relaxed);
    }

    /// The exposition text. The gauges read from the store are left out when the store could
    /// not answer, rather than reported as zeros.
    pub(crate) fn render(
        &self,
        runs: Option<&[(RunStatus, u64)]>,
        events: Option<&[(EventStatus, u64)]>,
    ) -> String {
        let counters = &self.inner;
        let mut out = String::new();
        let load = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        out.push_str(
            "# HELP flotilla_events_received_total Webhook events verified and stored, by source.\n\
             # TYPE flotilla_events_received_total counter\n",
        );
        for source in Source::ALL {
            let _ = writeln!(
                out,
                "flotilla_events_received_total{{source=\"{}\"}} {}",
                source.as_str(),
                load(&counters.received[source as usize])
            );
        }
        out.push_str(
            "# HELP flotilla_events_replayed_total Deliveries received again and acknowledged without acting, by source.\n\
             # TYPE flotilla_events_replayed_total counter\n",
        );
        for source in Source::ALL {
            let _ = writeln!(
                out,
                "flotilla_events_replayed_total{{source=\"{}\"}} {}",
                source.as_str(),
                load(&counters.replayed[source as usize])
            );
        }
        out.push_str(
            "# HELP flotilla_events_rejected_total Webhook deliveries refused before anything was recorded, by reason.\n\
             # TYPE flotilla_events_rejected_total counter\n",
        );
        for reason in Rejection::ALL {
            let _ = writeln!(
                out,
                "flotilla_events_rejected_total{{reason=\"{}\"}} {}",
                reason.as_str(),
                load(&counters.rejected[reason as usize])
            );
        }
        if let Some(events) = events {
            out.push_str(
                "# HELP flotilla_events Stored events, by status.\n# TYPE flotilla_events gauge\n",
            );
            for (status, count) in events {
                let _ = writeln!(out, "flotilla_events{{status=\"{status}\"}} {count}");
            }
        }
        if let Some(runs) = runs {
            out.push_str("# HELP flotilla_runs Runs, by status.\n# TYPE flotilla_runs gauge\n");
            for (status, count) in runs {
                let _ = writeln!(out, "flotilla_runs{{status=\"{status}\"}} {count}");
            }
        }
        out.push_str(
            "# HELP flotilla_deploy_latency_seconds From the registry event to the deployment done.\n\
             # TYPE flotilla_deploy_latency_seconds histogram\n",
        );
        for (bound, bucket) in LATENCY_BUCKETS.iter().zip(&counters.latency_buckets) {
            let _ = writeln!(
                out,
                "flotilla_deploy_latency_seconds_bucket{{le=\"{bound}\"}} {}",
                load(bucket)
            );
        }
        let count = load(&counters.latency_count);
        let _ = writeln!(
            out,
            "flotilla_deploy_latency_seconds_bucket{{le=\"+Inf\"}} {count}"
        );
        // Microseconds to seconds; f64 holds any realistic sum exactly enough for a metric.
        #[allow(clippy::cast_precision_loss)]
        let sum = load(&counters.latency_sum_micros) as f64 / 1e6;
        let _ = writeln!(out, "flotilla_deploy_latency_seconds_sum {sum}");
        let _ = writeln!(out, "flotilla_deploy_latency_seconds_count {count}");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latency_buckets_are_cumulative_and_sum_is_in_seconds() {
        let metrics = Metrics::new();
        metrics.observe_deploy_latency(Duration::from_millis(40));
        metrics.observe_deploy_latency(Duration::from_millis(300));
        metrics.observe_deploy_latency(Duration::from_secs(20));
        let text = metrics.render(None, None);
        assert!(
            text.contains("flotilla_deploy_latency_seconds_bucket{le=\"0.05\"} 1\n"),
            "{text}"
        );
        assert!(
            text.contains("flotilla_deploy_latency_seconds_bucket{le=\"0.25\"} 1\n"),
            "{text}"
        );
        assert!(
            text.contains("flotilla_deploy_latency_seconds_bucket{le=\"0.5\"} 2\n"),
            "{text}"
        );
        assert!(
            text.contains("flotilla_deploy_latency_seconds_bucket{le=\"10\"} 2\n"),
            "{text}"
        );
        assert!(
            text.contains("flotilla_deploy_latency_seconds_bucket{le=\"+Inf\"} 3\n"),
            "{text}"
        );
        assert!(
            text.contains("flotilla_deploy_latency_seconds_sum 20.34\n"),
            "{text}"
        );
        assert!(
            text.contains("flotilla_deploy_latency_seconds_count 3\n"),
            "{text}"
        );
    }

    #[test]
    fn counters_are_labelled_and_store_gauges_appear_only_when_given() {
        let metrics = Metrics::new();
        metrics.received(Source::GitHub, 2);
        metrics.rejected(Rejection::TooLarge);
        let text = metrics.render(Some(&[(RunStatus::Failed, 3)]), None);
        assert!(text.contains("flotilla_events_received_total{source=\"github\"} 2\n"));
        assert!(text.contains("flotilla_events_received_total{source=\"git\"} 0\n"));
        assert!(text.contains("flotilla_events_rejected_total{reason=\"too_large\"} 1\n"));
        assert!(text.contains("flotilla_runs{status=\"failed\"} 3\n"));
        assert!(!text.contains("flotilla_events{"), "{text}");
    }
}
