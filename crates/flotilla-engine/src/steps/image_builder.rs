//! Images an external builder (buildah, podman, docker, kaniko) makes from a Dockerfile.
//!
//! With `{output}` in its argv the builder writes an OCI image layout that flotilla reads,
//! checks and pushes with its own targets, so credentials, idempotency, mirrors and the
//! recorded digest are those of the daemonless builder. Without it the builder pushes `{image}`
//! itself and flotilla reads the digest (and, for further tags, the image) back from the
//! registry.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use flotilla_core::Template;
use flotilla_core::fleet::BUILDER_PLACEHOLDERS;
use flotilla_publish::oci::{
    BuiltImage, ImageName, ImageTarget, OciLayoutTarget, RegistryImageTarget, Tag,
};
use flotilla_publish::{Digest, Outcome, Published};

use crate::steps::publish_target::{Target, oci_registry};
use crate::steps::run_command::run_command;
use crate::steps::run_context::RunContext;
use crate::steps::step_error::{StepError, StepErrorKind};
use crate::steps::step_log::StepLog;

/// Labels every release image should carry; builders are told how to set them.
const OCI_LABELS: [(&str, &str); 3] = [
    ("org.opencontainers.image.version", "version"),
    ("org.opencontainers.image.revision", "revision"),
    ("org.opencontainers.image.source", "source"),
];

/// Where the image goes, with the repository path it has there.
enum Destination {
    Layout(OciLayoutTarget),
    Registry(Box<RegistryImageTarget>),
}

impl Destination {
    fn target(&self) -> &dyn ImageTarget {
        match self {
            Self::Layout(target) => target,
            Self::Registry(target) => target.as_ref(),
        }
    }
}

/// One image build by the repository's builder for one publish step.
pub struct ImageBuilder<'a> {
    pub ctx: &'a RunContext,
    pub log: &'a StepLog,
    pub argv: &'a [String],
    pub timeout_secs: u64,
}

impl ImageBuilder<'_> {
    /// Builds the image of `context` and publishes it as `name` under `tags`.
    pub fn publish(
        &self,
        destination: Target,
        name: &str,
        tags: &[Tag],
        context: &Path,
    ) -> Result<Published, StepError> {
        // `work/./` would reach the builder's argv and its error messages as is.
        let context: PathBuf = context.components().collect();
        let context = context.as_path();
        let (destination, name) = match destination {
            Target::Local(root) => (
                Destination::Layout(OciLayoutTarget::new(root)),
                ImageName::new(name)?,
            ),
            Target::Remote(registry) => {
                let (client, namespace) = oci_registry(&registry)?;
                let full = namespace.map_or_else(|| name.to_owned(), |ns| format!("{ns}/{name}"));
                (
                    Destination::Registry(Box::new(client)),
                    ImageName::new(&full)?,
                )
            }
        };
        // The tag a builder that pushes itself writes: the version, not a moving `latest`.
        let tag = tags
            .iter()
            .find(|t| !t.is_mutable())
            .or_else(|| tags.first())
            .ok_or_else(|| StepErrorKind::NoImageTag {
                image: name.to_string(),
            })?;
        if let Some(published) = self.already_published(&destination, &name, tags)? {
            return Ok(published);
        }
        let revision = self
            .ctx
            .work
            .head()?
            .map(|o| o.to_string())
            .unwrap_or_default();
        let writes_layout = self.uses("output");
        let output = self.output_dir(&revision, context, tags)?;
        let image_ref = match &destination {
            Destination::Registry(client) => client.reference(&name, tag.name()),
            Destination::Layout(_) => format!("{name}:{}", tag.name()),
        };
        let values = BTreeMap::from([
            ("context", context.display().to_string()),
            (
                "dockerfile",
                context.join("Dockerfile").display().to_string(),
            ),
            ("output", output.display().to_string()),
            ("image", image_ref.clone()),
            ("tag", tag.name().to_owned()),
            ("version", self.ctx.run.version.clone()),
            ("revision", revision),
            ("source", self.log.redact(&self.ctx.url)),
        ]);
        let built = match &destination {
            _ if writes_layout => self.built_layout(&output, &values)?,
            Destination::Registry(client) => {
                self.run(&values)?;
                self.pushed_image(client, &name, tag, tags, &image_ref, &output)?
            }
            Destination::Layout(_) => {
                return Err(StepError::from(StepErrorKind::BuilderNeedsServer {
                    repo: self.ctx.repo.name.clone(),
                })
                .with_help(
                    "let the builder write an OCI layout to {output} (buildah: `-t oci:{output}`)",
                ));
            }
        };
        let image = match built {
            Pushed::Complete(published) => return Ok(published),
            Pushed::Image(image) => image,
        };
        let labels = image.labels();
        for (label, placeholder) in OCI_LABELS {
            if !labels.contains_key(label) {
                self.log.line(format!(
                    "note: the image has no label {label}; pass `--label {label}={{{placeholder}}}` \
                     to the builder"
                ));
            }
        }
        Ok(destination.target().push(&name, &image, tags)?)
    }

    fn uses(&self, placeholder: &str) -> bool {
        self.argv.iter().any(|arg| {
            Template::parse(arg, BUILDER_PLACEHOLDERS)
                .is_ok_and(|t| t.placeholders().any(|p| p == placeholder))
        })
    }

    /// A release already pushed under every (immutable) tag is not built again: builders are
    /// rarely reproducible, so a second build would differ and be refused as a moved tag.
    fn already_published(
        &self,
        destination: &Destination,
        name: &ImageName,
        tags: &[Tag],
    ) -> Result<Option<Published>, StepError> {
        if tags.iter().any(Tag::is_mutable) {
            return Ok(None);
        }
        let mut found: Option<Digest> = None;
        for tag in tags {
            match destination.target().digest(name, tag.name())? {
                Some(digest) if found.is_none_or(|f| f == digest) => found = Some(digest),
                _ => return Ok(None),
            }
        }
        Ok(found.map(|digest| {
            self.log.line(format!(
                "{name}:{} is already published as {digest}; the builder is not run again",
                tags.first().map_or("", |t| t.name())
            ));
            Published {
                kind: flotilla_publish::ArtifactKind::Image,
                name: name.to_string(),
                version: tags
                    .first()
                    .map(|t| t.name().to_owned())
                    .unwrap_or_default(),
                digest,
                location: name.to_string(),
                tags: tags.iter().map(|t| t.name().to_owned()).collect(),
                outcome: Outcome::Unchanged,
            }
        }))
    }

    /// The layout dir the builder writes: one per commit, context, tags and builder, shared by
    /// the steps pushing to mirrors so that every registry gets the same image.
    fn output_dir(
        &self,
        revision: &str,
        context: &Path,
        tags: &[Tag],
    ) -> Result<PathBuf, StepError> {
        let key = [
            revision.to_owned(),
            context.display().to_string(),
            tags.iter().map(Tag::name).collect::<Vec<_>>().join(","),
            self.argv.join("\0"),
        ]
        .join("\n");
        let builds = self
            .ctx
            .workspace
            .state_dir
            .join("build")
            .join(&self.ctx.repo.name);
        let dir = builds.join(format!(
            "image-builder-{}",
            &Digest::of_bytes(key.as_bytes()).hex()[..16]
        ));
        // Earlier builds of this repository are never reused: only this one is kept.
        if let Ok(entries) = std::fs::read_dir(&builds) {
            for entry in entries.flatten() {
                let path = entry.path();
                let stale = path != dir
                    && entry
                        .file_name()
                        .to_string_lossy()
                        .starts_with("image-builder-");
                if stale {
                    std::fs::remove_dir_all(&path)?;
                }
            }
        }
        Ok(dir.join("layout"))
    }

    /// Runs the builder into `output` unless an earlier step of this run already did, and
    /// reads what it wrote.
    fn built_layout(
        &self,
        output: &Path,
        values: &BTreeMap<&str, String>,
    ) -> Result<Pushed, StepError> {
        let done = output.with_file_name("complete");
        if done.is_file() {
            self.log.line(format!(
                "reusing the image built into {} by an earlier step",
                output.display()
            ));
        } else {
            if output.exists() {
                std::fs::remove_dir_all(output)?;
            }
            std::fs::create_dir_all(output)?;
            self.run(values)?;
        }
        let image = BuiltImage::from_layout(output).map_err(|source| {
            StepErrorKind::BuilderOutputUnusable {
                repo: self.ctx.repo.name.clone(),
                program: self.program().to_owned(),
                source,
            }
        })?;
        std::fs::write(&done, image.digest().to_string())?;
        Ok(Pushed::Image(image))
    }

    /// After a builder pushed `image_ref` itself: its digest, and for further tags the image
    /// read back so that the usual push points them at it.
    fn pushed_image(
        &self,
        client: &RegistryImageTarget,
        name: &ImageName,
        tag: &Tag,
        tags: &[Tag],
        image_ref: &str,
        staging: &Path,
    ) -> Result<Pushed, StepError> {
        let Some(digest) = client.digest(name, tag.name())? else {
            return Err(StepError::from(StepErrorKind::BuilderPushedNothing {
                repo: self.ctx.repo.name.clone(),
                program: self.program().to_owned(),
                image: image_ref.to_owned(),
            })
            .with_help("let the builder push {image}, or write an OCI layout to {output}"));
        };
        self.log
            .line(format!("the builder pushed {image_ref} as {digest}"));
        if tags.len() == 1 {
            return Ok(Pushed::Complete(Published {
                kind: flotilla_publish::ArtifactKind::Image,
                name: name.to_string(),
                version: tag.name().to_owned(),
                digest,
                location: image_ref.to_owned(),
                tags: vec![tag.name().to_owned()],
                outcome: Outcome::Written,
            }));
        }
        let blob_dir = staging.join("blobs").join("sha256");
        std::fs::create_dir_all(&blob_dir)?;
        let (_, manifest) = client.manifest(name, &digest.to_string())?.ok_or_else(|| {
            StepErrorKind::ImageVanished {
                image: image_ref.to_owned(),
            }
        })?;
        let listed: serde_json::Value = serde_json::from_slice(&manifest)?;
        let blobs = std::iter::once(&listed["config"])
            .chain(listed["layers"].as_array().into_iter().flatten())
            .filter_map(|d| d["digest"].as_str()?.parse::<Digest>().ok());
        for blob in blobs {
            client.blob_to_file(name, blob, &blob_dir.join(blob.hex()))?;
        }
        Ok(Pushed::Image(BuiltImage::from_manifest(
            manifest, blob_dir,
        )?))
    }

    /// Runs the builder as a repository command: argv without a shell, in the work tree, in
    /// its own process group, output to the step log, killed after the timeout.
    fn run(&self, values: &BTreeMap<&str, String>) -> Result<(), StepError> {
        let argv = self
            .argv
            .iter()
            .map(|arg| {
                Template::parse(arg, BUILDER_PLACEHOLDERS)
                    .map(|t| t.render(|p| values.get(p).cloned()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        self.log
            .line(format!("$ {}", self.log.redact(&argv.join(" "))));
        run_command(
            self.ctx,
            "image-builder",
            &argv,
            self.timeout_secs,
            &[],
            self.log,
        )
        .map(drop)
        .map_err(|failure| {
            let what = match failure.exit_code {
                Some(code) => format!(
                    "exited with status {code}; its output is in {}",
                    self.log.path().display()
                ),
                // Timed out, cancelled or not started: the runner's words, without its help
                // for repository commands.
                None => failure.kind.to_string(),
            };
            let longer = if failure.exit_code.is_none() {
                "; give a slow builder more time with `image.builder_timeout_secs`"
            } else {
                ""
            };
            StepError::from(StepErrorKind::BuilderFailed {
                repo: self.ctx.repo.name.clone(),
                program: self.program().to_owned(),
                what,
            })
            .with_help(format!(
                "read its output with `flotilla logs {}`{longer}",
                logs_arguments(self.log.path())
            ))
            .with_exit_code(failure.exit_code)
        })
    }

    fn program(&self) -> &str {
        self.argv.first().map_or("", String::as_str)
    }
}

/// What a build yields: an image to push, or a push the builder already completed.
enum Pushed {
    Image(BuiltImage),
    Complete(Published),
}

/// `RUN STEP` of `flotilla logs` for a step log at `logs/<run>/<NN>-<step>.log`.
fn logs_arguments(log: &Path) -> String {
    let run = log
        .parent()
        .and_then(Path::file_name)
        .map(|r| r.to_string_lossy().into_owned())
        .unwrap_or_default();
    let step = log
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .and_then(|f| {
            f.split_once('-')
                .map(|(n, _)| n.trim_start_matches('0').to_owned())
        })
        .map(|n| if n.is_empty() { "0".to_owned() } else { n })
        .unwrap_or_default();
    format!("{run} {step}")
}
