//! `flotilla deploy image IMAGE:TAG [--digest D]`: what a person types is parsed before anything
//! is recorded, and only a tag the registry has is deployed, under the digest the registry says.

use flotilla_core::Digest;
use flotilla_core::fleet::RegistryKind;
use flotilla_publish::oci::{ImageName, ImageTarget, OciLayoutTarget, Tag};

use crate::cd::image_reference_error::ImageReferenceError;
use crate::steps::publish_target::{Target, oci_registry};
use crate::workspace::Workspace;

/// An image tag asked for by a person, well-formed but not yet looked up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ImageReference {
    pub image: String,
    pub tag: String,
    /// The digest the person expects the tag to name, if they gave one.
    pub expected: Option<Digest>,
}

impl ImageReference {
    /// Parses `IMAGE:TAG` and an optional digest (`""`: none given).
    pub(crate) fn parse(reference: &str, digest: &str) -> Result<Self, ImageReferenceError> {
        let malformed = |reason: String| ImageReferenceError::Malformed {
            reference: reference.to_owned(),
            reason,
        };
        let (image, tag) = reference
            .rsplit_once(':')
            .ok_or_else(|| malformed("it has no `:TAG`".to_owned()))?;
        ImageName::new(image).map_err(|err| malformed(err.to_string()))?;
        Tag::new(tag).map_err(|err| malformed(err.to_string()))?;
        let expected = if digest.is_empty() {
            None
        } else {
            Some(
                digest
                    .parse()
                    .map_err(|_| ImageReferenceError::MalformedDigest {
                        digest: digest.to_owned(),
                    })?,
            )
        };
        Ok(Self {
            image: image.to_owned(),
            tag: tag.to_owned(),
            expected,
        })
    }

    /// The digest the fleet's registry for this image gives the tag; blocking (registry I/O).
    /// Fails when no repository publishes the image, the tag does not exist, or it names
    /// another digest than the one expected.
    pub(crate) fn verify(&self, workspace: &Workspace) -> Result<Digest, ImageReferenceError> {
        let registry = workspace
            .fleet
            .repos
            .iter()
            .filter_map(|repo| repo.image.as_ref())
            .find(|image| image.name == self.image || image.dev_name == self.image)
            .map(|image| image.registry.clone())
            .ok_or_else(|| ImageReferenceError::NotInFleet {
                image: self.image.clone(),
            })?;
        let lookup = |err: String| ImageReferenceError::Lookup {
            image: self.image.clone(),
            tag: self.tag.clone(),
            registry: registry.clone(),
            reason: err,
        };
        let (target, label) = Target::resolve(workspace, &registry, RegistryKind::Image)
            .map_err(|err| lookup(err.to_string()))?;
        let found = match target {
            Target::Local(root) => {
                let name = ImageName::new(&self.image).map_err(|err| lookup(err.to_string()))?;
                OciLayoutTarget::new(root).digest(&name, &self.tag)
            }
            Target::Remote(registry) => {
                let (client, namespace) =
                    oci_registry(&registry).map_err(|err| lookup(err.to_string()))?;
                let full = namespace.map_or_else(
                    || self.image.clone(),
                    |namespace| format!("{namespace}/{}", self.image),
                );
                let name = ImageName::new(&full).map_err(|err| lookup(err.to_string()))?;
                client.digest(&name, &self.tag)
            }
        }
        .map_err(|err| lookup(err.to_string()))?;
        let found: Digest = found
            .ok_or_else(|| ImageReferenceError::NoSuchTag {
                image: self.image.clone(),
                tag: self.tag.clone(),
                registry: label.clone(),
            })?
            .to_string()
            .parse()
            .map_err(|err: flotilla_core::DigestError| lookup(err.to_string()))?;
        match &self.expected {
            Some(expected) if *expected != found => Err(ImageReferenceError::DigestMismatch {
                image: self.image.clone(),
                tag: self.tag.clone(),
                expected: expected.to_string(),
                found: found.to_string(),
                registry: label,
            }),
            _ => Ok(found),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_references_and_digests_are_refused() {
        for (reference, digest) in [
            (":::", ""),
            ("fleet/identity", ""),
            ("fleet/identity:", ""),
            ("Fleet/Identity:1.0.0", ""),
            (":1.0.0", ""),
            ("fleet/identity:1.0.0", "not-a-digest"),
            ("fleet/identity:1.0.0", "sha256:abc"),
        ] {
            assert!(
                ImageReference::parse(reference, digest).is_err(),
                "{reference} {digest}"
            );
        }
        let digest = format!("sha256:{}", "a".repeat(64));
        let parsed = ImageReference::parse("fleet/identity:1.0.0rc1", &digest).unwrap();
        assert_eq!(
            (parsed.image.as_str(), parsed.tag.as_str()),
            ("fleet/identity", "1.0.0rc1")
        );
        assert_eq!(parsed.expected.map(|d| d.to_string()), Some(digest));
    }
}
