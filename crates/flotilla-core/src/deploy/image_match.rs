use super::image_version::{ImageVersion, classify_tag};
use crate::fleet::Fleet;

/// A registry saw a new tag: the trigger of continuous deployment.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ImagePushed {
    /// The repository path inside the registry, as its notification names it, e.g.
    /// `spaceone/identity` or `spaceone-dev/identity`.
    pub image: String,
    pub tag: String,
    /// The manifest digest, `sha256:…`.
    pub digest: String,
}

/// A pushed image that belongs to a repository of the fleet.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MatchedImage {
    /// The fleet repository (the service) the image is built from.
    pub service: String,
    pub version: ImageVersion,
}

/// Why a pushed image deploys nowhere. None of these is a failure: a registry also holds
/// `latest`, other teams' images and tags flotilla did not make.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImageIgnored {
    #[error(
        "{image}:{tag} is neither a release (x.y.z, x.y.zrcN, x.y.zdevN, x.y.z.N) nor a master \
         build (x.y.z.YYYYMMDD.HHMMSS); nothing deploys it"
    )]
    NotAVersion { image: String, tag: String },
    #[error("no repository of the fleet publishes {image}; ignoring {image}:{tag}")]
    UnknownImage { image: String, tag: String },
    #[error(
        "{image}:{tag} is a {found} in the {namespace} of {service}, where flotilla publishes \
         only {expected}s; ignoring it"
    )]
    WrongNamespace {
        image: String,
        tag: String,
        service: String,
        found: &'static str,
        namespace: &'static str,
        expected: &'static str,
    },
    #[error(
        "{image} is the image of several repositories ({services}); give each repository its \
         own image name in the manifest"
    )]
    Ambiguous { image: String, services: String },
}

/// Finds the repository a pushed image belongs to: releases live under `image.name`, master
/// builds under `image.dev_name` (the dev namespace).
pub fn match_image(fleet: &Fleet, pushed: &ImagePushed) -> Result<MatchedImage, ImageIgnored> {
    let version = classify_tag(&pushed.tag).ok_or_else(|| ImageIgnored::NotAVersion {
        image: pushed.image.clone(),
        tag: pushed.tag.clone(),
    })?;
    let owners: Vec<_> = fleet
        .repos
        .iter()
        .filter_map(|repo| Some((repo, repo.image.as_ref()?)))
        .filter(|(_, image)| image.name == pushed.image || image.dev_name == pushed.image)
        .collect();
    let (repo, image) = match owners[..] {
        [] => {
            return Err(ImageIgnored::UnknownImage {
                image: pushed.image.clone(),
                tag: pushed.tag.clone(),
            });
        }
        [owner] => owner,
        _ => {
            let services: Vec<&str> = owners.iter().map(|(r, _)| r.name.as_str()).collect();
            return Err(ImageIgnored::Ambiguous {
                image: pushed.image.clone(),
                services: services.join(", "),
            });
        }
    };
    let in_place = match version {
        ImageVersion::Release(_) => image.name == pushed.image,
        ImageVersion::DevBuild(_) => image.dev_name == pushed.image,
    };
    if !in_place {
        let (found, namespace, expected) = match version {
            ImageVersion::Release(_) => ("release", "dev namespace", "master build"),
            ImageVersion::DevBuild(_) => ("master build", "release namespace", "release"),
        };
        return Err(ImageIgnored::WrongNamespace {
            image: pushed.image.clone(),
            tag: pushed.tag.clone(),
            service: repo.name.clone(),
            found,
            namespace,
            expected,
        });
    }
    Ok(MatchedImage {
        service: repo.name.clone(),
        version,
    })
}
