//! `flotilla demo`: a sample fleet shaped like the seed's table, as local bare repositories
//! with tiny real builds, and the main job run end to end on the embedded defaults.

mod sample_fleet;

use std::path::{Path, PathBuf};

use flotilla_core::plan::Request;
use flotilla_core::{Stage, Version};
use flotilla_git::{Git, PushOptions, RefName};
use flotilla_store::Deployment;
use serde::Serialize;

pub use sample_fleet::{DemoRegistries, INITIAL_VERSION, SAMPLE_REPOS, SampleRepo};

use crate::engine::{Engine, TrainSummary};
use crate::engine_error::EngineError;

/// Creates the sample fleet in `dir` (bare remotes under `remotes/` and `flotilla.yaml`) unless
/// it is there already, and returns the manifest's path.
pub fn prepare(dir: &Path, git: &Git, registries: &DemoRegistries) -> Result<PathBuf, EngineError> {
    let remotes = dir.join("remotes");
    std::fs::create_dir_all(&remotes).map_err(|source| EngineError::Io {
        action: "create",
        path: remotes.clone(),
        source,
    })?;
    for sample in SAMPLE_REPOS {
        let bare = remotes.join(format!("{}.git", sample.name));
        if !bare.join("HEAD").exists() {
            seed_bare(git, dir, &bare, sample.name, &sample.files())?;
        }
    }
    let deploy = remotes.join("deploy.git");
    if !deploy.join("HEAD").exists() {
        let files: Vec<(String, String)> = ["dev", "stg", "prd"]
            .iter()
            .map(|env| {
                (
                    format!("values/{env}.yaml"),
                    sample_fleet::deploy_values(env),
                )
            })
            .collect();
        seed_bare(git, dir, &deploy, "deploy", &files)?;
    }
    let manifest_path = dir.join("flotilla.yaml");
    let manifest = sample_fleet::manifest(|name| format!("remotes/{name}.git"), registries);
    std::fs::write(&manifest_path, manifest).map_err(|source| EngineError::Io {
        action: "write",
        path: manifest_path.clone(),
        source,
    })?;
    Ok(manifest_path)
}

/// Creates a bare repository whose master holds `files` in one commit.
fn seed_bare(
    git: &Git,
    dir: &Path,
    bare: &Path,
    name: &str,
    files: &[(String, String)],
) -> Result<(), EngineError> {
    let io = |action: &'static str, path: &Path| {
        let path = path.to_path_buf();
        move |source| EngineError::Io {
            action,
            path,
            source,
        }
    };
    let master = RefName::new("master").map_err(|e| EngineError::Other(e.to_string()))?;
    git.init_bare(bare, Some(&master))?;
    let seed = dir.join(".seed").join(name);
    if seed.exists() {
        std::fs::remove_dir_all(&seed).map_err(io("clear", &seed))?;
    }
    let work = git.clone_repo(&bare.display().to_string(), &seed, None)?;
    // A clone of an empty repository has no branch yet; start master explicitly.
    drop(work.switch_create(&master, "HEAD"));
    for (path, content) in files {
        work.write_file(path, content.as_bytes())?;
    }
    work.add_all()?;
    work.commit(&format!("Initial commit of {name}"))?;
    work.push(
        "origin",
        &["refs/heads/master:refs/heads/master"],
        &PushOptions::new(),
    )?;
    std::fs::remove_dir_all(&seed).map_err(io("clean up", &seed))?;
    Ok(())
}

/// One act of the demo's story.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "act", rename_all = "kebab-case")]
pub enum Act {
    /// A train: master push, release start, tag, final, hotfix.
    Train { title: String, request: Request },
    /// Approve every deployment waiting for one (production).
    ApprovePending { title: String },
    /// Roll a service back in an environment.
    Rollback {
        title: String,
        service: String,
        environment: String,
    },
}

impl Act {
    pub fn title(&self) -> &str {
        match self {
            Self::Train { title, .. }
            | Self::ApprovePending { title }
            | Self::Rollback { title, .. } => title,
        }
    }
}

/// What an act did.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum ActOutcome {
    Train(TrainSummary),
    Deployments(Vec<Deployment>),
}

/// The demo's story: master pushes (deployed to dev), a release train with rc1 (deployed to
/// stg), an rc2 of one repository, the final release (production after approval), a hotfix of
/// identity (approved), and a rollback of identity in production.
pub fn story(engine: &Engine) -> Vec<Act> {
    let v = |stage| Version::new(1, 0, 0, stage);
    let mut acts: Vec<Act> = engine
        .workspace()
        .fleet
        .repos
        .iter()
        .filter(|r| r.handles(flotilla_core::fleet::Event::Push))
        .map(|r| Act::Train {
            title: format!("master push of {}", r.name),
            request: Request::Push {
                repo: r.name.clone(),
            },
        })
        .collect();
    acts.extend([
        Act::Train {
            title: "release start 1.0.0 (branches and 1.0.0rc1 everywhere)".into(),
            request: Request::ReleaseStart {
                line: v(Stage::Final),
                repos: vec![],
            },
        },
        Act::Train {
            title: "release tag 1.0.0rc2 of identity".into(),
            request: Request::ReleaseTag {
                version: v(Stage::Rc(2)),
                repos: vec!["identity".into()],
                republish: false,
            },
        },
        Act::Train {
            title: "release final 1.0.0".into(),
            request: Request::ReleaseFinal {
                line: v(Stage::Final),
                repos: vec![],
            },
        },
        Act::ApprovePending {
            title: "approve the production deployments of 1.0.0".into(),
        },
        Act::Train {
            title: "hotfix 1.0.0.1 of identity".into(),
            request: Request::ReleaseHotfix {
                version: v(Stage::Hotfix(1)),
                repos: vec!["identity".into()],
            },
        },
        Act::ApprovePending {
            title: "approve identity 1.0.0.1 in production".into(),
        },
        Act::Rollback {
            title: "roll identity back in production".into(),
            service: "identity".into(),
            environment: "prd".into(),
        },
    ]);
    acts
}

/// Plays one act; a train or deployment that fails is reported in the outcome, not an error.
pub async fn play(engine: &Engine, act: &Act) -> Result<ActOutcome, EngineError> {
    match act {
        Act::Train { request, .. } => Ok(ActOutcome::Train(engine.start(request).await?)),
        Act::ApprovePending { .. } => {
            let mut done = Vec::new();
            for pending in engine.workspace().store.pending_deployments().await? {
                done.push(engine.approve(pending.id.as_str(), "demo").await?);
            }
            Ok(ActOutcome::Deployments(done))
        }
        Act::Rollback {
            service,
            environment,
            ..
        } => Ok(ActOutcome::Deployments(vec![
            engine.rollback(service, environment, "demo").await?,
        ])),
    }
}
