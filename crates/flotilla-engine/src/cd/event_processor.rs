//! Turning stored events into work: a git push starts its flow, a pushed image starts
//! continuous deployment.

use flotilla_core::deploy::{DeploymentTrigger, ImagePushed};
use flotilla_store::{Event, EventStatus, TrainStatus};

use crate::cd::cd_context::CdContext;
use crate::cd::event_outcome::EventOutcome;
use crate::cd::image_deployment::ImageDeployment;
use crate::engine::Engine;
use crate::engine_error::EngineError;
use crate::fleet_event::{FleetEvent, request_for_push};

/// Turns one stored event into work.
pub(crate) struct EventProcessor<'a> {
    engine: &'a Engine,
}

impl<'a> EventProcessor<'a> {
    pub(crate) fn new(engine: &'a Engine) -> Self {
        Self { engine }
    }

    /// For a pushed version tag: the train that already ran this version of this repository
    /// successfully, if any. flotilla's own tag pushes reach the hook too, and building the same
    /// tag again would run the repository's commands twice.
    async fn already_built(
        &self,
        request: &flotilla_core::plan::Request,
    ) -> Result<Option<String>, EngineError> {
        let flotilla_core::plan::Request::ReleaseTag {
            version,
            repos,
            republish: true,
        } = request
        else {
            return Ok(None);
        };
        let store = &self.engine.workspace().store;
        let version = version.to_string();
        for train in store.list_trains(200).await? {
            for run in store.runs_of_train(&train.id).await? {
                if repos.contains(&run.run.repo)
                    && run.run.version == version
                    && run.run.status == flotilla_store::RunStatus::Succeeded
                {
                    return Ok(Some(train.id.to_string()));
                }
            }
        }
        Ok(None)
    }

    /// Processes one stored event. The caller marks the event handled with the outcome, so a
    /// server that dies before that processes it again after restart; every flow it starts is
    /// idempotent, so that repeats nothing.
    pub(crate) async fn process(&self, event: &Event) -> Result<EventOutcome, EngineError> {
        let fleet_event: FleetEvent =
            serde_json::from_value(event.payload.clone()).map_err(|err| {
                EngineError::Other(format!("event {} has an unknown payload: {err}", event.id))
            })?;
        match &fleet_event {
            FleetEvent::GitPush { .. } => {
                let request = match request_for_push(&self.engine.workspace().fleet, &fleet_event) {
                    Ok(request) => request,
                    Err(reason) => return Ok(EventOutcome::ignored(reason.to_string())),
                };
                if let Some(train) = self.already_built(&request).await? {
                    return Ok(EventOutcome::ignored(format!(
                        "train {train} already built and published this version"
                    )));
                }
                let summary = self.engine.start_for_event(&request, &event.id).await?;
                Ok(EventOutcome {
                    status: if summary.status == TrainStatus::Succeeded {
                        EventStatus::Processed
                    } else {
                        EventStatus::Failed
                    },
                    detail: format!("train {} {}", summary.train, summary.status),
                    trains: vec![summary.train],
                    deployments: Vec::new(),
                })
            }
            FleetEvent::ImagePushed {
                repository,
                tag,
                digest,
            } => {
                let pushed = ImagePushed {
                    image: repository.clone(),
                    tag: tag.clone(),
                    digest: digest.clone(),
                };
                let trigger = DeploymentTrigger::Event {
                    source: event.source.clone(),
                    event: event.id.to_string(),
                };
                ImageDeployment::new(CdContext::of(self.engine))
                    .deploy(&pushed, &trigger)
                    .await
            }
        }
    }
}
