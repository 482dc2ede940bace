//! What differs between a repository's `.github/workflows` and flotilla's rendering of it.

use std::collections::BTreeMap;

use serde::Serialize;

use super::rendered_workflow::RenderedWorkflow;
use super::workflow_renderer::GENERATED_MARKER;

/// One repository's drift. Empty `files`: in sync.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WorkflowDrift {
    pub repo: String,
    pub files: Vec<FileDrift>,
    /// Workflow files without flotilla's header: hand-written, never changed or reported as
    /// drift.
    pub unmanaged: Vec<String>,
}

/// A file that differs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileDrift {
    pub path: String,
    #[serde(flatten)]
    pub state: DriftState,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "lowercase")]
pub enum DriftState {
    /// Rendered, absent from the repository.
    Missing,
    /// Present with other content; `diff` is unified, from the repository's to the rendering.
    Changed { diff: String },
    /// A file with flotilla's header that is no longer rendered (a dev build for a repository
    /// that stopped building on master pushes, a renamed file): `sync` deletes it.
    Unexpected,
}

impl DriftState {
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Missing => "missing",
            Self::Changed { .. } => "changed",
            Self::Unexpected => "unexpected",
        }
    }
}

impl WorkflowDrift {
    /// Compares `rendered` with `existing`: the repository's files under `.github/workflows`,
    /// by path from the repository's root.
    pub fn compare(
        repo: &str,
        rendered: &[RenderedWorkflow],
        existing: &BTreeMap<String, String>,
    ) -> Self {
        let mut files = Vec::new();
        for workflow in rendered {
            match existing.get(&workflow.path) {
                None => files.push(FileDrift {
                    path: workflow.path.clone(),
                    state: DriftState::Missing,
                }),
                Some(text) if *text != workflow.text => files.push(FileDrift {
                    path: workflow.path.clone(),
                    state: DriftState::Changed {
                        diff: unified_diff(&workflow.path, text, &workflow.text),
                    },
                }),
                Some(_) => {}
            }
        }
        let mut unmanaged = Vec::new();
        for (path, text) in existing {
            if rendered.iter().any(|w| w.path == *path) {
                continue;
            }
            if is_generated(text) {
                files.push(FileDrift {
                    path: path.clone(),
                    state: DriftState::Unexpected,
                });
            } else {
                unmanaged.push(path.clone());
            }
        }
        files.sort_by(|a, b| a.path.cmp(&b.path));
        Self {
            repo: repo.to_owned(),
            files,
            unmanaged,
        }
    }

    pub fn is_clean(&self) -> bool {
        self.files.is_empty()
    }
}

/// Whether a workflow file is flotilla's: its first line is the generated header.
pub fn is_generated(text: &str) -> bool {
    text.starts_with(GENERATED_MARKER)
}

fn unified_diff(path: &str, old: &str, new: &str) -> String {
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{path}"), &format!("b/{path}"))
        .to_string()
}
