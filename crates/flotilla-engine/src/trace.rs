//! `flotilla trace`: where what runs came from. A deployment's image digest → the artifacts a
//! run recorded with that digest → the run's version tag → the commit under it → the train,
//! with the approvals the digest went through on its way.

mod trace_approval;
mod trace_origin;
mod trace_query;

use flotilla_core::Version;
use flotilla_store::{Artifact, ArtifactKind, Deployment};
use serde::Serialize;

pub use trace_approval::TraceApproval;
pub use trace_origin::{TraceOrigin, TraceTrain};
pub use trace_query::TraceQuery;

use crate::blocking::blocking;
use crate::engine::Engine;
use crate::engine_error::EngineError;

/// The answer of [`Engine::trace`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Trace {
    /// What was asked, for people: "identity in prd" or the digest.
    pub subject: String,
    pub digest: String,
    /// For a service: what runs there now. For a digest: its latest deployment, if any.
    pub deployment: Option<Deployment>,
    /// Whether a flotilla run published this digest (recorded it as an artifact).
    pub published: bool,
    /// Every artifact recorded with the digest.
    pub artifacts: Vec<Artifact>,
    pub origin: Option<TraceOrigin>,
    /// Every deployment of the digest, oldest first, with who decided it.
    pub approvals: Vec<TraceApproval>,
    /// Why the chain stops early ("not published by flotilla: …").
    pub note: Option<String>,
}

/// What a trace of a digest no run recorded says.
pub const NOT_PUBLISHED: &str = "not published by flotilla";

impl Engine {
    /// Follows a deployment (or a digest) back to the commit and the train that made it.
    /// Reads the store and, for the commit, the repository's remote; changes nothing.
    pub async fn trace(&self, query: &TraceQuery) -> Result<Trace, EngineError> {
        let store = &self.workspace().store;
        let (deployment, digest) = match query {
            TraceQuery::Service {
                service,
                environment,
            } => {
                if !self
                    .workspace()
                    .fleet
                    .environments
                    .iter()
                    .any(|e| &e.name == environment)
                {
                    return Err(EngineError::UnknownEnvironment {
                        environment: environment.clone(),
                        known: self
                            .workspace()
                            .fleet
                            .environments
                            .iter()
                            .map(|e| e.name.clone())
                            .collect(),
                    });
                }
                let Some(current) = store.current_deployment(service, environment).await? else {
                    return Err(EngineError::NothingDeployed {
                        service: service.clone(),
                        environment: environment.clone(),
                    });
                };
                let digest = current.digest.clone();
                (Some(current), digest)
            }
            TraceQuery::Digest(digest) => (None, digest.clone()),
        };
        let history = if digest.is_empty() {
            Vec::new()
        } else {
            store.deployments_with_digest(&digest).await?
        };
        let deployment = deployment.or_else(|| history.last().cloned());
        let artifacts = if digest.is_empty() {
            Vec::new()
        } else {
            store.artifacts_with_digest(&digest).await?
        };
        let approvals = history.iter().map(TraceApproval::of).collect();
        // An image is what runs; a chart or package with the same bytes is a coincidence.
        let source = artifacts
            .iter()
            .find(|a| a.kind == ArtifactKind::Image)
            .or_else(|| artifacts.first());
        let origin = match source {
            Some(artifact) => Some(self.origin(artifact).await?),
            None => None,
        };
        let note = if digest.is_empty() {
            Some(format!(
                "{NOT_PUBLISHED}: the deployment recorded no digest, so nothing ties it to a run"
            ))
        } else if artifacts.is_empty() {
            Some(format!(
                "{NOT_PUBLISHED}: no run recorded an artifact with this digest"
            ))
        } else {
            None
        };
        Ok(Trace {
            subject: query.to_string(),
            published: !artifacts.is_empty(),
            digest,
            deployment,
            artifacts,
            origin,
            approvals,
            note,
        })
    }

    async fn origin(&self, artifact: &Artifact) -> Result<TraceOrigin, EngineError> {
        let store = &self.workspace().store;
        let run = store.run(&artifact.run_id).await?;
        let train = match &run.train_id {
            Some(id) => {
                let train = store.train(id.as_str()).await?;
                Some(TraceTrain {
                    id: train.id,
                    kind: train.kind,
                    version: train.version,
                    status: train.status,
                })
            }
            None => None,
        };
        let repo = self.workspace().fleet.repo(&run.repo).cloned();
        let tag = match (&repo, Version::parse(&run.version)) {
            (Some(repo), Ok(version)) => Some(version.render_tag(&repo.tag_template)),
            _ => None,
        };
        let (commit, commit_note) = match (&repo, &tag) {
            (Some(repo), Some(tag)) => {
                let url = self.workspace().remote_url(repo);
                let git = self.workspace().git.clone();
                let wanted = tag.clone();
                let found = blocking(move || {
                    Ok(git
                        .ls_remote(&url)?
                        .tag(&wanted)
                        .map(|t| t.commit().to_string()))
                })
                .await;
                match found {
                    Ok(Some(commit)) => (Some(commit), None),
                    Ok(None) => (None, Some(format!("tag {tag} is not on the remote"))),
                    Err(err) => (None, Some(format!("the remote could not be read: {err}"))),
                }
            }
            (None, _) => (
                None,
                Some(format!("{} is no longer in the manifest", run.repo)),
            ),
            (Some(_), None) => (
                None,
                Some(format!("{} is a dev build: it has no tag", run.version)),
            ),
        };
        Ok(TraceOrigin {
            repo: run.repo,
            version: run.version,
            run_id: run.id,
            run_status: run.status,
            tag,
            commit,
            commit_note,
            train,
        })
    }
}
