use std::time::Duration;

use crate::{Id, Lease, LeaseHolder, StoreFuture, TrainDriver, TrainLease};

/// The repository and train leases part of [`Store`](crate::Store).
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

    /// Makes `driver` the driver of train `train` until now + `ttl`. The same driver renews it
    /// (a heartbeat); an expired lease of another driver is taken over; a live one fails with
    /// [`StoreError::TrainDriven`](crate::StoreError::TrainDriven).
    fn acquire_train_lease<'a>(
        &'a self,
        train: &'a Id,
        driver: &'a TrainDriver,
        ttl: Duration,
    ) -> StoreFuture<'a, TrainLease>;

    /// Gives the lease on `train` back; `false` if `driver` did not hold it.
    fn release_train_lease<'a>(
        &'a self,
        train: &'a Id,
        driver: &'a TrainDriver,
    ) -> StoreFuture<'a, bool>;

    /// The lease on `train`, live or expired, if a driver took one and did not give it back.
    fn train_lease<'a>(&'a self, train: &'a Id) -> StoreFuture<'a, Option<TrainLease>>;
}
