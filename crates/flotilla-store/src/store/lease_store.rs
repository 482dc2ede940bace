use std::time::Duration;

use crate::{Lease, LeaseHolder, StoreFuture};

/// The repository leases part of [`Store`](crate::Store).
pub trait LeaseStore: Send + Sync {
    /// Takes the lease on `repo` for `holder` until now + `ttl`. The same holder renews it; an
    /// expired lease of another holder is taken over; a live one fails with
    /// [`StoreError::LeaseBusy`](crate::StoreError::LeaseBusy).
    fn acquire_repo_lease<'a>(
        &'a self,
        repo: &'a str,
        holder: &'a LeaseHolder,
        ttl: Duration,
    ) -> StoreFuture<'a, Lease>;

    /// Gives the lease on `repo` back; `false` if `holder` did not hold it (it expired and was
    /// taken over, or was never taken).
    fn release_repo_lease<'a>(
        &'a self,
        repo: &'a str,
        holder: &'a LeaseHolder,
    ) -> StoreFuture<'a, bool>;
}
