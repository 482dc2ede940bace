//! A verified `POST /hooks/registry` delivery: the distribution registry's notification
//! envelope, reduced to the tagged manifest pushes that continuous deployment acts on.

use flotilla_engine::FleetEvent;
use serde::Deserialize;

/// Media types of a manifest or an index: what a tag points at. Blobs (layers, configs) have
/// other types and are pushed before the manifest that makes them an image.
const MANIFEST_TYPES: [&str; 4] = [
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.oci.image.index.v1+json",
];

/// The envelope's events that matter, each with the registry's event id (its delivery id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RegistryEnvelope {
    pub pushes: Vec<(String, FleetEvent)>,
    /// How many events were not tagged manifest pushes (blobs, pulls, mounts, deletes).
    pub ignored: usize,
}

#[derive(Deserialize)]
struct Envelope {
    events: Vec<RegistryEvent>,
}

#[derive(Deserialize)]
struct RegistryEvent {
    #[serde(default)]
    id: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    target: Target,
}

#[derive(Deserialize, Default)]
struct Target {
    #[serde(default, rename = "mediaType")]
    media_type: String,
    #[serde(default)]
    repository: String,
    #[serde(default)]
    tag: Option<String>,
    #[serde(default)]
    digest: String,
}

impl RegistryEnvelope {
    /// The tagged manifest pushes of `body`. An event without the fields flotilla needs is
    /// counted as ignored, not refused: the registry retries a refused envelope forever and
    /// holds back the events after it.
    pub(crate) fn parse(body: &[u8]) -> Result<Self, String> {
        let envelope: Envelope = serde_json::from_slice(body).map_err(|err| err.to_string())?;
        let total = envelope.events.len();
        let pushes: Vec<(String, FleetEvent)> = envelope
            .events
            .into_iter()
            .filter_map(|event| {
                let tag = event.target.tag.filter(|t| !t.is_empty())?;
                let wanted = event.action == "push"
                    && MANIFEST_TYPES.contains(&event.target.media_type.as_str())
                    && !event.id.is_empty()
                    && event.id.len() <= 128
                    && !event.target.repository.is_empty()
                    && event.target.digest.starts_with("sha256:");
                wanted.then_some((
                    event.id,
                    FleetEvent::ImagePushed {
                        repository: event.target.repository,
                        tag,
                        digest: event.target.digest,
                    },
                ))
            })
            .collect();
        Ok(Self {
            ignored: total - pushes.len(),
            pushes,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_tagged_manifest_pushes_are_kept() {
        let body = r#"{"events":[
          {"id":"e1","action":"push","target":{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","repository":"spaceone/identity","digest":"sha256:aa"}},
          {"id":"e2","action":"push","target":{"mediaType":"application/vnd.oci.image.manifest.v1+json","repository":"spaceone/identity","tag":"1.2.3rc1","digest":"sha256:bb"}},
          {"id":"e3","action":"pull","target":{"mediaType":"application/vnd.oci.image.manifest.v1+json","repository":"spaceone/identity","tag":"1.2.3rc1","digest":"sha256:bb"}},
          {"id":"e4","action":"push","target":{"mediaType":"application/vnd.docker.distribution.manifest.v2+json","repository":"spaceone/identity","digest":"sha256:cc"}},
          {"id":"e5","action":"mount","target":{"mediaType":"application/octet-stream","repository":"spaceone/identity","digest":"sha256:dd"}}
        ]}"#;
        let envelope = RegistryEnvelope::parse(body.as_bytes()).unwrap();
        assert_eq!(envelope.ignored, 4);
        assert_eq!(
            envelope.pushes,
            vec![(
                "e2".to_owned(),
                FleetEvent::ImagePushed {
                    repository: "spaceone/identity".into(),
                    tag: "1.2.3rc1".into(),
                    digest: "sha256:bb".into(),
                }
            )]
        );
    }

    #[test]
    fn a_body_that_is_not_an_envelope_is_refused() {
        assert!(RegistryEnvelope::parse(b"{\"events\": 3}").is_err());
        assert!(RegistryEnvelope::parse(b"[]").is_err());
    }
}
