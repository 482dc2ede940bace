use std::time::Duration;

use jiff::Timestamp;

use crate::{Id, NewTrain, NewTrainRun, StoreFuture, Train, TrainDriver, TrainStatus};

/// The trains part of [`Store`](crate::Store).
pub trait TrainStore: Send + Sync {
    /// Records a `pending` train. Fails with [`StoreError::TrainConflict`](crate::StoreError::TrainConflict) when a train of the
    /// same kind and version is already active (pending or running).
    fn create_train<'a>(&'a self, train: &'a NewTrain) -> StoreFuture<'a, Train>;

    /// Records a `pending` train, its `pending` runs with their `pending` steps, and `driver`'s
    /// lease on it (until now + `ttl`), in one transaction: a crash leaves all of it or none.
    /// Fails like [`create_train`](Self::create_train) when the slot is taken.
    fn create_train_with_runs<'a>(
        &'a self,
        train: &'a NewTrain,
        runs: &'a [NewTrainRun],
        driver: &'a TrainDriver,
        ttl: Duration,
    ) -> StoreFuture<'a, Train>;

    /// Moves a train to `status`; `running` also clears a request to cancel it. Becoming
    /// active again (resume) fails with
    /// [`StoreError::TrainConflict`](crate::StoreError::TrainConflict) if another train took the slot meanwhile; a succeeded train
    /// is final ([`StoreError::InvalidTransition`](crate::StoreError::InvalidTransition)).
    fn set_train_status<'a>(&'a self, id: &'a Id, status: TrainStatus) -> StoreFuture<'a, Train>;

    /// Asks the process driving the running train `id` to cancel it, in `by`'s name; the
    /// driver reads it with [`train_cancel_request`](Self::train_cancel_request). `false` when
    /// the train is not running (nothing to ask). Driving the train again clears the request
    /// ([`set_train_status`](Self::set_train_status) to `running`).
    fn request_train_cancel<'a>(&'a self, id: &'a Id, by: &'a str) -> StoreFuture<'a, bool>;

    /// Who asked to cancel the train `id`, and when, if someone did since it was last driven.
    fn train_cancel_request<'a>(
        &'a self,
        id: &'a Id,
    ) -> StoreFuture<'a, Option<(String, Timestamp)>>;

    /// The train with this id, or with the only id starting with this prefix (case-insensitive).
    fn train<'a>(&'a self, id_or_prefix: &'a str) -> StoreFuture<'a, Train>;

    /// The most recently created train.
    fn latest_train(&self) -> StoreFuture<'_, Option<Train>>;

    /// Up to `limit` trains, newest first.
    fn list_trains(&self, limit: u32) -> StoreFuture<'_, Vec<Train>>;
}
