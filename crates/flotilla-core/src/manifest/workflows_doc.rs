//! The manifest's `workflows:` section: how `flotilla workflows` renders each repository's
//! GitHub Actions workflows. Read and resolved here, apart from the rest of the manifest.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;

use super::checks::suggest;
use super::diagnostic::Finding;
use crate::workflows::{FlotillaInstall, TemplateFiles, TemplateOverrides, WorkflowSettings};
use crate::yaml::spanned_tree::Cursor;

/// GitHub Actions workflows rendered into every repository (`flotilla workflows render |
/// check | sync`). Every key has a default.
#[derive(Default, Deserialize, JsonSchema)]
#[serde(rename = "workflows", deny_unknown_fields)]
pub(crate) struct WorkflowsDoc {
    /// The flotilla the jobs install, pinned.
    pub flotilla: Option<FlotillaDoc>,
    /// Where the jobs find this manifest on GitHub.
    pub fleet: Option<FleetDoc>,
    /// The `runs-on` label of every job. Default `ubuntu-latest`.
    pub runs_on: Option<String>,
    /// Further secrets, by name, that flotilla sees on the runner as environment variables of
    /// the same name; the credentials of the registries a repository publishes to are always
    /// passed. Never values.
    #[serde(default)]
    pub secrets: Vec<String>,
    /// Template files (minijinja) replacing the built-in ones, relative to the manifest.
    pub templates: Option<TemplatesDoc>,
}

/// The pinned flotilla: a release archive (`url`) or a container image (`image`), not both.
#[derive(Default, Deserialize, JsonSchema)]
#[serde(rename = "workflows_flotilla", deny_unknown_fields)]
pub(crate) struct FlotillaDoc {
    /// Default: this flotilla's own version.
    pub version: Option<String>,
    /// A `.tar.gz` holding the `flotilla` binary; `{version}` is replaced. Default: the
    /// project's release download for x86_64 Linux.
    pub url: Option<String>,
    /// SHA-256 (64 hex digits) of the archive, checked before it is unpacked.
    pub sha256: Option<String>,
    /// Instead of a download, the jobs run in this image (with flotilla on its `PATH`);
    /// `{version}` is replaced.
    pub image: Option<String>,
}

/// The repository holding this manifest, checked out by the jobs.
#[derive(Default, Deserialize, JsonSchema)]
#[serde(rename = "workflows_fleet", deny_unknown_fields)]
pub(crate) struct FleetDoc {
    /// `owner/name`. Default `${{ github.repository_owner }}/fleet`.
    pub repository: Option<String>,
    /// Branch or tag. Default: the repository's default branch.
    #[serde(rename = "ref")]
    pub git_ref: Option<String>,
    /// The manifest's path in it. Default `flotilla.yaml`.
    pub path: Option<String>,
    /// The secret holding a token that can read it (the workflow's own token when unset).
    /// Default `FLOTILLA_FLEET_TOKEN`.
    pub token_secret: Option<String>,
}

/// Template files by category and by repository (a repository's wins).
#[derive(Default, Deserialize, JsonSchema)]
#[serde(rename = "workflows_templates", deny_unknown_fields)]
pub(crate) struct TemplatesDoc {
    #[serde(default)]
    pub categories: BTreeMap<String, TemplateFilesDoc>,
    #[serde(default)]
    pub repositories: BTreeMap<String, TemplateFilesDoc>,
}

/// One template file per workflow, each optional.
#[derive(Default, Deserialize, JsonSchema)]
#[serde(rename = "workflows_template_files", deny_unknown_fields)]
pub(crate) struct TemplateFilesDoc {
    /// `flotilla-dev.yml` (master push).
    pub dev: Option<String>,
    /// `flotilla-release.yml` (dispatched by flotilla's github-actions executor).
    pub release: Option<String>,
    /// `flotilla-pr.yml` (pull requests).
    pub pr: Option<String>,
}

impl WorkflowsDoc {
    /// The settings, with every problem found; `node` is the section's.
    pub(crate) fn resolve(
        self,
        node: Cursor<'_>,
        categories: &[&str],
        repositories: &[&str],
        findings: &mut Vec<Finding>,
    ) -> WorkflowSettings {
        let defaults = WorkflowSettings::default();
        let flotilla_node = node.key("flotilla");
        let flotilla = self.flotilla.unwrap_or_default();
        let version = flotilla
            .version
            .unwrap_or_else(|| defaults.flotilla.version().to_owned());
        if version.is_empty()
            || !version
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || ".-+".contains(c))
        {
            findings.push(
                Finding::new(
                    flotilla_node.key("version").pos(),
                    format!("`{version}` is not a flotilla version"),
                )
                .help("write the release to install, e.g. 0.1.0"),
            );
        }
        if let Some(sha) = &flotilla.sha256
            && (sha.len() != 64 || !sha.chars().all(|c| c.is_ascii_hexdigit()))
        {
            findings.push(
                Finding::new(
                    flotilla_node.key("sha256").pos(),
                    "sha256 is not 64 hex digits",
                )
                .help("write the archive's `sha256sum`"),
            );
        }
        let install = match (flotilla.url, flotilla.image) {
            (Some(_), Some(_)) => {
                findings.push(
                    Finding::new(flotilla_node.key("image").pos(), "`url` and `image` both say how to install flotilla")
                        .help("keep one: `url` downloads a release archive, `image` runs the jobs in a container"),
                );
                defaults.flotilla.clone()
            }
            (url, None) => FlotillaInstall::Url {
                url: url
                    .unwrap_or_else(|| crate::workflows::DEFAULT_INSTALL_URL.to_owned())
                    .replace("{version}", &version),
                sha256: flotilla.sha256,
                version,
            },
            (None, Some(image)) => {
                if flotilla.sha256.is_some() {
                    findings.push(Finding::new(
                        flotilla_node.key("sha256").pos(),
                        "sha256 checks a downloaded archive; with `image` pin the image by digest instead",
                    ));
                }
                FlotillaInstall::Image {
                    image: image.replace("{version}", &version),
                    version,
                }
            }
        };
        let fleet = self.fleet.unwrap_or_default();
        let token_secret = fleet
            .token_secret
            .unwrap_or(defaults.fleet_token_secret.clone());
        secret_name(
            &token_secret,
            node.key("fleet").key("token_secret").pos(),
            findings,
        );
        for (index, secret) in self.secrets.iter().enumerate() {
            secret_name(secret, node.key("secrets").index(index).pos(), findings);
        }
        let templates = self.templates.unwrap_or_default();
        let templates_node = node.key("templates");
        let mut overrides = TemplateOverrides::default();
        for (name, files) in templates.categories {
            known(
                name.as_str(),
                "category",
                categories,
                templates_node.key("categories").key_pos(&name),
                findings,
            );
            overrides.categories.insert(name, files.into());
        }
        for (name, files) in templates.repositories {
            known(
                name.as_str(),
                "repository",
                repositories,
                templates_node.key("repositories").key_pos(&name),
                findings,
            );
            overrides.repositories.insert(name, files.into());
        }
        WorkflowSettings {
            flotilla: install,
            fleet_repository: fleet.repository.unwrap_or(defaults.fleet_repository),
            fleet_ref: fleet.git_ref,
            fleet_path: fleet.path.unwrap_or(defaults.fleet_path),
            fleet_token_secret: token_secret,
            runs_on: self.runs_on.unwrap_or(defaults.runs_on),
            secrets: self.secrets,
            templates: overrides,
        }
    }
}

impl From<TemplateFilesDoc> for TemplateFiles {
    fn from(doc: TemplateFilesDoc) -> Self {
        Self {
            dev: doc.dev,
            release: doc.release,
            pr: doc.pr,
        }
    }
}

/// GitHub's rule for secret names: letters, digits and `_`, not starting with a digit or
/// `GITHUB_`.
fn secret_name(name: &str, pos: crate::yaml::TextPos, findings: &mut Vec<Finding>) {
    let valid = !name.is_empty()
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && !name.to_ascii_uppercase().starts_with("GITHUB_")
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !valid {
        findings.push(
            Finding::new(pos, format!("`{name}` is not a GitHub secret name"))
                .help("letters, digits and `_`, not starting with a digit or GITHUB_"),
        );
    }
}

fn known(
    name: &str,
    what: &str,
    names: &[&str],
    pos: crate::yaml::TextPos,
    findings: &mut Vec<Finding>,
) {
    if names.contains(&name) {
        return;
    }
    let mut finding = Finding::new(
        pos,
        format!("workflow templates for unknown {what} `{name}`"),
    );
    if let Some(near) = suggest(name, names.iter().copied()) {
        finding = finding.help(format!("did you mean `{near}`?"));
    }
    findings.push(finding);
}
