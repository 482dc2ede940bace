//! `flotilla demo`: a sample fleet shaped like the seed's table, as local bare repositories
//! with tiny real builds, and the main job run end to end on the embedded defaults.

mod sample_fleet;

use std::path::{Path, PathBuf};

use flotilla_core::Version;
use flotilla_core::plan::Request;
use flotilla_git::{Git, PushOptions, RefName};
use serde::Serialize;

pub use sample_fleet::{INITIAL_VERSION, SAMPLE_REPOS, SampleRepo};

use crate::engine::{Engine, TrainSummary};
use crate::engine_error::EngineError;

/// Creates the sample fleet in `dir` (bare remotes under `remotes/` and `flotilla.yaml`) unless
/// it is there already, and returns the manifest's path.
pub fn prepare(dir: &Path, git: &Git) -> Result<PathBuf, EngineError> {
    let remotes = dir.join("remotes");
    std::fs::create_dir_all(&remotes).map_err(|source| EngineError::Io {
        action: "create",
        path: remotes.clone(),
        source,
    })?;
    let master = RefName::new("master").map_err(|e| EngineError::Other(e.to_string()))?;
    for sample in SAMPLE_REPOS {
        let bare = remotes.join(format!("{}.git", sample.name));
        if bare.join("HEAD").exists() {
            continue;
        }
        git.init_bare(&bare, Some(&master))?;
        let seed = dir.join(".seed").join(sample.name);
        if seed.exists() {
            std::fs::remove_dir_all(&seed).map_err(|source| EngineError::Io {
                action: "clear",
                path: seed.clone(),
                source,
            })?;
        }
        let work = git.clone_repo(&bare.display().to_string(), &seed, None)?;
        work.switch_create(&master, "HEAD").ok();
        for (path, content) in sample.files() {
            work.write_file(&path, content.as_bytes())?;
        }
        work.add_all()?;
        work.commit(&format!("Initial commit of {}", sample.name))?;
        work.push(
            "origin",
            &["refs/heads/master:refs/heads/master"],
            &PushOptions::new(),
        )?;
        std::fs::remove_dir_all(&seed).map_err(|source| EngineError::Io {
            action: "clean up",
            path: seed,
            source,
        })?;
    }
    let manifest_path = dir.join("flotilla.yaml");
    let manifest = sample_fleet::manifest(|name| format!("remotes/{name}.git"));
    std::fs::write(&manifest_path, manifest).map_err(|source| EngineError::Io {
        action: "write",
        path: manifest_path.clone(),
        source,
    })?;
    Ok(manifest_path)
}

/// One act of the demo's story.
#[derive(Debug, Clone, Serialize)]
pub struct Act {
    pub title: String,
    pub request: Request,
}

/// The demo's story: master pushes, a release train with rc1, an rc2 of one repository, the
/// final release and a hotfix of identity.
pub fn story(engine: &Engine) -> Vec<Act> {
    let line =
        Version::parse("1.0.0").unwrap_or(Version::new(1, 0, 0, flotilla_core::Stage::Final));
    let mut acts: Vec<Act> = engine
        .workspace()
        .fleet
        .repos
        .iter()
        .filter(|r| r.handles(flotilla_core::fleet::Event::Push))
        .map(|r| Act {
            title: format!("master push of {}", r.name),
            request: Request::Push {
                repo: r.name.clone(),
            },
        })
        .collect();
    let v = |stage| Version::new(line.major, line.minor, line.patch, stage);
    acts.extend([
        Act {
            title: "release start 1.0.0 (branches and 1.0.0rc1 everywhere)".into(),
            request: Request::ReleaseStart {
                line,
                repos: vec![],
            },
        },
        Act {
            title: "release tag 1.0.0rc2 of identity".into(),
            request: Request::ReleaseTag {
                version: v(flotilla_core::Stage::Rc(2)),
                repos: vec!["identity".into()],
                republish: false,
            },
        },
        Act {
            title: "release final 1.0.0".into(),
            request: Request::ReleaseFinal {
                line,
                repos: vec![],
            },
        },
        Act {
            title: "hotfix 1.0.0.1 of identity".into(),
            request: Request::ReleaseHotfix {
                version: v(flotilla_core::Stage::Hotfix(1)),
                repos: vec!["identity".into()],
            },
        },
    ]);
    acts
}

/// Runs one act; a train that finishes with failures is reported, not an error.
pub async fn play(engine: &Engine, act: &Act) -> Result<TrainSummary, EngineError> {
    engine.start(&act.request).await
}
