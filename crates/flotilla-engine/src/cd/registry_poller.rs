//! Polling registries that cannot notify: list each fleet image's tags (with `ETag`, so an
//! unchanged list costs one small response) and treat tags not seen before as pushed.

use flotilla_core::deploy::{DeploymentTrigger, ImagePushed};
use flotilla_core::fleet::RegistryKind;
use flotilla_publish::oci::{ImageName, ImageTarget};

use crate::cd::cd_context::CdContext;
use crate::cd::event_outcome::EventOutcome;
use crate::cd::image_deployment::ImageDeployment;
use crate::cd::poll_state::PollState;

/// Polls the registries that cannot notify, deploying what is new.
pub(crate) struct RegistryPoller<'a> {
    cd: CdContext<'a>,
}

impl<'a> RegistryPoller<'a> {
    pub(crate) fn new(cd: CdContext<'a>) -> Self {
        Self { cd }
    }

    /// One polling round over every image registry server of the fleet. The first round only
    /// learns what exists (deploying the whole history would be wrong); later rounds deploy
    /// new tags by policy, as a registry notification would.
    pub(crate) async fn poll(&self, state: &mut PollState) -> Vec<EventOutcome> {
        let fleet = std::sync::Arc::clone(&self.cd.workspace.fleet);
        let mut images: Vec<(String, String)> = Vec::new();
        for repo in &fleet.repos {
            let Some(image) = &repo.image else { continue };
            for registry in std::iter::once(&image.registry).chain(&image.mirrors) {
                images.push((registry.clone(), image.name.clone()));
                images.push((registry.clone(), image.dev_name.clone()));
            }
        }
        images.sort();
        images.dedup();
        let mut fresh = Vec::new();
        for (registry_name, image) in images {
            let Some(registry) = fleet
                .registries
                .get(&registry_name)
                .filter(|r| r.kind == RegistryKind::Image && r.url.starts_with("http"))
                .cloned()
            else {
                continue;
            };
            let key = (registry_name.clone(), image.clone());
            let (etag, known) = state.seen.get(&key).cloned().unwrap_or_default();
            let first_round = !state.seen.contains_key(&key);
            let listed = tokio::task::spawn_blocking(move || {
                let (client, namespace) = crate::steps::publish_target::oci_registry(&registry)
                    .map_err(|e| e.to_string())?;
                let full = namespace.map_or_else(|| image.clone(), |ns| format!("{ns}/{image}"));
                let name = ImageName::new(&full).map_err(|e| e.to_string())?;
                let Some((tags, etag)) = client
                    .tags_if_changed(&name, etag.as_deref())
                    .map_err(|e| e.to_string())?
                else {
                    return Ok(None);
                };
                let mut new = Vec::new();
                if !first_round {
                    for tag in tags
                        .iter()
                        .filter(|t| !known.contains(*t) && *t != "latest")
                    {
                        let digest = client
                            .digest(&name, tag)
                            .map_err(|e| e.to_string())?
                            .map(|d| d.to_string())
                            .unwrap_or_default();
                        new.push(ImagePushed {
                            image: image.clone(),
                            tag: tag.clone(),
                            digest,
                        });
                    }
                }
                Ok::<_, String>(Some((tags, etag, new)))
            })
            .await;
            match listed {
                Ok(Ok(Some((tags, etag, new)))) => {
                    state.seen.insert(key, (etag, tags.into_iter().collect()));
                    fresh.extend(new);
                }
                Ok(Ok(None)) => {}
                Ok(Err(err)) => tracing::warn!(registry = %registry_name, %err, "polling failed"),
                Err(err) => tracing::warn!(registry = %registry_name, %err, "polling failed"),
            }
        }
        let mut outcomes = Vec::new();
        let deployment = ImageDeployment::new(self.cd);
        for tag in fresh {
            match deployment
                .deploy(&tag, &DeploymentTrigger::RegistryPoll)
                .await
            {
                Ok(outcome) => outcomes.push(outcome),
                Err(err) => {
                    tracing::warn!(image = %tag.image, tag = %tag.tag, %err, "deploy failed");
                }
            }
        }
        outcomes
    }
}
