use crate::{Artifact, ArtifactRecord, Id, NewArtifact, StoreFuture};

/// The artifacts part of [`Store`](crate::Store).
pub trait ArtifactStore: Send + Sync {
    /// Records a published artifact once per (kind, name, version, target, digest).
    fn record_artifact<'a>(&'a self, artifact: &'a NewArtifact) -> StoreFuture<'a, ArtifactRecord>;

    /// The artifacts recorded by a run, oldest first.
    fn artifacts_of_run<'a>(&'a self, run_id: &'a Id) -> StoreFuture<'a, Vec<Artifact>>;

    /// The artifacts recorded by the runs of a train, oldest first.
    fn artifacts_of_train<'a>(&'a self, train_id: &'a Id) -> StoreFuture<'a, Vec<Artifact>>;

    /// Every artifact recorded with `digest` (the same bytes may be published under several
    /// names or by several runs), oldest first: what `flotilla trace` follows back to a run.
    fn artifacts_with_digest<'a>(&'a self, digest: &'a str) -> StoreFuture<'a, Vec<Artifact>>;

    /// For each of `digests` that a run of a train published: `(digest, train id)`, one row
    /// per pair. The fleet page's "from which train", for every cell in one query.
    fn trains_of_digests<'a>(&'a self, digests: &'a [String])
    -> StoreFuture<'a, Vec<(String, Id)>>;
}
