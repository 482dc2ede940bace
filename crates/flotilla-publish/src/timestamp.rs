use jiff::Timestamp;
use jiff::tz::TimeZone;

use crate::{PublishError, Result};

/// RFC 3339 UTC rendering of a `SOURCE_DATE_EPOCH`-like value, as OCI configs carry it.
pub(crate) fn rfc3339(epoch: u64) -> Result<String> {
    Ok(timestamp(epoch)?.to_string())
}

/// The date and time of the epoch in UTC, for formats that store civil time (ZIP).
pub(crate) fn civil_utc(epoch: u64) -> Result<jiff::civil::DateTime> {
    Ok(TimeZone::UTC.to_datetime(timestamp(epoch)?))
}

fn timestamp(epoch: u64) -> Result<Timestamp> {
    i64::try_from(epoch)
        .ok()
        .and_then(|seconds| Timestamp::from_second(seconds).ok())
        .ok_or_else(|| PublishError::InvalidMetadata {
            field: "source date epoch",
            value: epoch.to_string(),
            expected: "seconds since 1970-01-01 up to the year 9999",
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_utc() {
        assert_eq!(rfc3339(1_700_000_000).unwrap(), "2023-11-14T22:13:20Z");
        assert_eq!(rfc3339(0).unwrap(), "1970-01-01T00:00:00Z");
        assert!(rfc3339(u64::MAX).is_err());
    }
}
