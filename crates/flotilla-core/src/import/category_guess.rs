//! Which category a repository belongs to, guessed from its files the way the seed's table
//! sorts the platform's repositories.

use serde::Serialize;

use super::evidence::Evidence;

/// A manifest category for repositories whose files say nothing flotilla can build: every
/// event, no artifacts (declared under `categories:` by the import).
pub const UNSORTED: &str = "unsorted";

/// The guessed category, why, and the doubt that remains.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CategoryGuess {
    pub category: String,
    /// The evidence, in words.
    pub because: String,
    /// What makes the guess uncertain, when something does.
    pub doubt: Option<String>,
}

impl CategoryGuess {
    /// The seed's table, as files show it: plugins by name; Python libraries without an
    /// image are backend core; publishable npm libraries without an image are frontend core;
    /// an image with an npm project is a frontend; an image with a Python package and a chart
    /// is a backend service; an image with a Python package that installs commands and has no
    /// chart is a tool.
    pub fn of(name: &str, evidence: &Evidence) -> Self {
        let python = evidence.python.is_some();
        let npm_library = evidence
            .npm
            .as_ref()
            .is_some_and(super::npm_package::NpmPackage::publishable);
        let npm = evidence.npm.is_some();
        let image = evidence.dockerfile;
        let chart = evidence.chart.is_some();
        let commands = evidence.python.as_ref().is_some_and(|p| p.console_scripts);
        let guess = |category: &str, because: &str, doubt: Option<&str>| Self {
            category: category.to_owned(),
            because: because.to_owned(),
            doubt: doubt.map(str::to_owned),
        };
        let mut guess = if name.starts_with("plugin-") {
            guess(
                "plugin",
                "its name starts with `plugin-`, as the seed's plugin repositories do",
                (!image).then_some("no Dockerfile at the root, though plugins publish an image"),
            )
        } else if python && !image {
            guess(
                "backend-core",
                "a Python package without a Dockerfile: a shared library",
                (commands && !evidence.pypi_dev_workflow()).then_some(
                    "it installs commands: a core library or a tool published to PyPI only (like \
                     the seed's tester)?",
                ),
            )
        } else if npm_library && !image {
            guess(
                "frontend-core",
                "a publishable npm package without a Dockerfile: a shared library",
                None,
            )
        } else if image && npm {
            guess("frontend", "a Dockerfile and a package.json", None)
        } else if image && python && chart {
            guess(
                "backend",
                "a Dockerfile, a Python package and a Helm chart",
                None,
            )
        } else if image && python && commands {
            guess(
                "tool",
                "a Dockerfile and a Python package that installs commands, without a chart",
                None,
            )
        } else if image && python {
            guess(
                "backend",
                "a Dockerfile and a Python package",
                Some("no chart and no commands installed: a backend service or a tool?"),
            )
        } else if image {
            guess(
                "tool",
                "a Dockerfile without a Python or npm package",
                Some(
                    "an image alone: a tool (like spaceone-initializer) or a frontend asset service?",
                ),
            )
        } else if npm {
            guess(
                UNSORTED,
                "a private npm package without a Dockerfile: nothing to publish",
                Some("nothing flotilla can publish; branches and tags only"),
            )
        } else {
            guess(
                UNSORTED,
                "no setup.py, pyproject.toml, package.json or Dockerfile",
                Some("no build files found; branches and tags only"),
            )
        };
        // The original's root repository gave each category its own workflow templates:
        // core libraries a PyPI dev workflow and no master push, the others a master push.
        if guess.category == "backend-core" && evidence.master_push_workflow() {
            guess.doubt = Some(
                "it has a master-push workflow, which the original's core libraries did not"
                    .to_owned(),
            );
        } else if guess.category == "backend-core" && evidence.pypi_dev_workflow() {
            guess.because.push_str(", with a PyPI dev-release workflow");
        } else if guess.category != "backend-core"
            && guess.category != UNSORTED
            && evidence.pypi_dev_workflow()
            && !evidence.master_push_workflow()
        {
            guess.doubt = Some(
                "its workflows are those of the original's core libraries (PyPI dev releases, \
                 no master push)"
                    .to_owned(),
            );
        }
        guess
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::python_project::PythonProject;

    fn python(console_scripts: bool) -> PythonProject {
        let scripts = if console_scripts {
            "entry_points={'console_scripts': ['x = x:main']}"
        } else {
            ""
        };
        PythonProject::from_setup_py("setup.py", &format!("setup(name='x', {scripts})"))
    }

    #[test]
    fn uncertain_shapes_say_why() {
        let image_only = CategoryGuess::of(
            "initializer",
            &Evidence {
                dockerfile: true,
                ..Evidence::default()
            },
        );
        assert_eq!(image_only.category, "tool");
        assert!(image_only.doubt.is_some());

        let service_without_chart = CategoryGuess::of(
            "worker",
            &Evidence {
                dockerfile: true,
                python: Some(python(false)),
                ..Evidence::default()
            },
        );
        assert_eq!(service_without_chart.category, "backend");
        assert!(service_without_chart.doubt.is_some());

        let tool = CategoryGuess::of(
            "cli",
            &Evidence {
                dockerfile: true,
                python: Some(python(true)),
                ..Evidence::default()
            },
        );
        assert_eq!((tool.category.as_str(), tool.doubt), ("tool", None));

        // The plain `plugin` repository of the seed is a backend service, not a plugin.
        let plugin_service = CategoryGuess::of(
            "plugin",
            &Evidence {
                dockerfile: true,
                python: Some(python(false)),
                chart: Some("deploy/helm".to_owned()),
                ..Evidence::default()
            },
        );
        assert_eq!(plugin_service.category, "backend");

        let library_with_master_builds = CategoryGuess::of(
            "lib",
            &Evidence {
                python: Some(python(false)),
                workflows: vec!["[CI]master push.yml".to_owned()],
                ..Evidence::default()
            },
        );
        assert_eq!(library_with_master_builds.category, "backend-core");
        assert!(
            library_with_master_builds
                .doubt
                .is_some_and(|d| d.contains("master-push workflow"))
        );

        let cli_without_image = CategoryGuess::of(
            "tester",
            &Evidence {
                python: Some(python(true)),
                ..Evidence::default()
            },
        );
        assert_eq!(cli_without_image.category, "backend-core");
        assert!(
            cli_without_image
                .doubt
                .is_some_and(|d| d.contains("tester"))
        );

        let nothing = CategoryGuess::of("docs", &Evidence::default());
        assert_eq!(nothing.category, UNSORTED);
    }
}
