//! Turning stored events into work: a git push starts its flow, a pushed image starts
//! continuous deployment.

use flotilla_store::{Event, EventStatus, TrainStatus};
use serde::Serialize;

use crate::engine::Engine;
use crate::engine_error::EngineError;
use crate::fleet_event::{FleetEvent, request_for_push};

/// What processing one event did.
#[derive(Debug, Clone, Serialize)]
pub struct EventOutcome {
    pub status: EventStatus,
    pub detail: String,
    /// Trains the event started.
    pub trains: Vec<String>,
    /// Deployments the event created.
    pub deployments: Vec<String>,
}

impl EventOutcome {
    fn ignored(detail: impl Into<String>) -> Self {
        Self {
            status: EventStatus::Ignored,
            detail: detail.into(),
            trains: Vec::new(),
            deployments: Vec::new(),
        }
    }
}

impl Engine {
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
        let store = &self.workspace().store;
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
    pub async fn process_event(&self, event: &Event) -> Result<EventOutcome, EngineError> {
        let fleet_event: FleetEvent =
            serde_json::from_value(event.payload.clone()).map_err(|err| {
                EngineError::Other(format!("event {} has an unknown payload: {err}", event.id))
            })?;
        match &fleet_event {
            FleetEvent::GitPush { .. } => {
                let request = match request_for_push(&self.workspace().fleet, &fleet_event) {
                    Ok(request) => request,
                    Err(reason) => return Ok(EventOutcome::ignored(reason)),
                };
                if let Some(train) = self.already_built(&request).await? {
                    return Ok(EventOutcome::ignored(format!(
                        "train {train} already built and published this version"
                    )));
                }
                let summary = self.start(&request).await?;
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
                self.deploy_image(
                    repository,
                    tag,
                    digest,
                    &format!("{} event {}", event.source, event.id),
                )
                .await
            }
        }
    }
}
