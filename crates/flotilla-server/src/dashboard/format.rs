use jiff::Timestamp;

/// How pages write times: UTC to the second, the same for every reader.
pub(crate) fn when(timestamp: Option<Timestamp>) -> String {
    timestamp.map_or_else(String::new, |t| {
        t.strftime("%Y-%m-%d %H:%M:%S UTC").to_string()
    })
}

/// A duration between two times, in words a person reads at a glance.
pub(crate) fn took(start: Option<Timestamp>, end: Option<Timestamp>) -> String {
    let (Some(start), Some(end)) = (start, end) else {
        return String::new();
    };
    let millis = end.as_millisecond() - start.as_millisecond();
    if millis < 0 {
        return String::new();
    }
    if millis < 10_000 {
        #[allow(clippy::cast_precision_loss, reason = "under ten seconds")]
        let seconds = millis as f64 / 1000.0;
        format!("{seconds:.1} s")
    } else if millis < 120_000 {
        format!("{} s", millis / 1000)
    } else {
        format!("{} min {} s", millis / 60_000, (millis / 1000) % 60)
    }
}

/// The first 12 hex digits of a digest or commit, as `flotilla status` abbreviates them.
pub(crate) fn short(id: &str) -> String {
    let hex = id.split_once(':').map_or(id, |(_, hex)| hex);
    let prefix = id.len() - hex.len();
    id.chars().take(prefix + 12).collect()
}
