use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use super::image_version::ImageVersion;
use crate::fleet::Environment;

/// What continuous deployment does with a new version in one environment.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "action", rename_all = "kebab-case")]
pub enum Decision {
    Deploy {
        environment: String,
        version: ImageVersion,
        /// The environment is protected: the deployment waits as `pending` for an approval.
        needs_approval: bool,
        /// The version is older than what runs there, which only a forced deployment allows.
        rollback: bool,
    },
    Skip {
        environment: String,
        reason: SkipReason,
    },
}

impl Decision {
    pub fn environment(&self) -> &str {
        match self {
            Self::Deploy { environment, .. } | Self::Skip { environment, .. } => environment,
        }
    }
}

/// Why a version does not deploy to an environment.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum SkipReason {
    /// The environment does not follow the version's channel (`rc`, `final`, …, `dev build`).
    ChannelNotFollowed { channel: &'static str },
    /// This very version runs there already.
    AlreadyRunning { version: ImageVersion },
    /// A newer version runs there; deployments never go back unless forced.
    Older {
        version: ImageVersion,
        running: ImageVersion,
    },
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ChannelNotFollowed { channel } => {
                write!(f, "the environment does not follow the {channel} channel")
            }
            Self::AlreadyRunning { version } => write!(f, "{version} runs there already"),
            Self::Older { version, running } => write!(
                f,
                "{version} is older than {running}, which runs there; going back takes an \
                 explicit rollback"
            ),
        }
    }
}

/// What a caller adds to the manifest's rules.
#[derive(Debug, Clone, Default)]
pub struct DeployOptions {
    /// Environments where going back to an older version is allowed: a rollback names its
    /// environment, so that no other environment goes back with it.
    pub force: BTreeSet<String>,
}

/// Decides, for each environment in manifest order, whether `version` of a service deploys
/// there. `running` holds what runs now by environment name; an environment missing from it
/// runs nothing flotilla knows of, so any version it follows deploys.
pub fn decide(
    environments: &[Environment],
    version: &ImageVersion,
    running: &BTreeMap<String, ImageVersion>,
    options: &DeployOptions,
) -> Vec<Decision> {
    environments
        .iter()
        .map(|environment| {
            let name = environment.name.clone();
            match skip_reason(environment, version, running.get(&name), options) {
                Ok(rollback) => Decision::Deploy {
                    environment: name,
                    version: *version,
                    needs_approval: environment.approval,
                    rollback,
                },
                Err(reason) => Decision::Skip {
                    environment: name,
                    reason,
                },
            }
        })
        .collect()
}

/// `Ok(rollback)` when the version deploys, or why it does not.
fn skip_reason(
    environment: &Environment,
    version: &ImageVersion,
    running: Option<&ImageVersion>,
    options: &DeployOptions,
) -> Result<bool, SkipReason> {
    let follows = match version {
        ImageVersion::Release(release) => environment.channels.contains(&release.channel()),
        ImageVersion::DevBuild(_) => environment.dev_builds,
    };
    if !follows {
        return Err(SkipReason::ChannelNotFollowed {
            channel: version.channel_name(),
        });
    }
    let Some(running) = running else {
        return Ok(false);
    };
    match version.deploy_order(running) {
        Ordering::Greater => Ok(false),
        Ordering::Equal => Err(SkipReason::AlreadyRunning { version: *version }),
        Ordering::Less if options.force.contains(&environment.name) => Ok(true),
        Ordering::Less => Err(SkipReason::Older {
            version: *version,
            running: *running,
        }),
    }
}
