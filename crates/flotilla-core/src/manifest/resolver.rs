//! From the YAML structs to the [`Fleet`]: defaults applied, categories merged into
//! repositories, every name and reference checked. Each check records a [`Finding`] and goes
//! on, so that one run lists every problem; the fleet exists only when there are none.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Display;
use std::time::Duration;

use super::builtin::{self, BuiltinCategory};
use super::checks::{self, Refusal, suggest};
use super::dependency_graph;
use super::diagnostic::Finding;
use super::document::{
    CategoryDoc, ChartDoc, CommandDoc, DeployDoc, DeployKind, Document, EnvironmentDoc, ImageDoc,
    NotificationDoc, NpmDoc, PublishesDoc, PythonDoc, RegistryDoc, RepositoryDoc, SettingsDoc,
    VersionFileDoc,
};
use super::github_section::{self, RepoGithubKeys};
use super::node_deserializer::{Deferred, quoted_list, read};
use super::workflows_doc::WorkflowsDoc;
use crate::env_entry::{EnvEntry, FLOTILLA_SECRET_ENV};
use crate::fleet::{
    BUILDER_PLACEHOLDERS, Category, ChartArtifact, Command, DEFAULT_BUILDER_TIMEOUT_SECS, Deploy,
    Environment, Event, Fleet, ImageArtifact, Notification, NotifyOn, NpmArtifact, Publishes,
    PythonArtifact, Registry, RegistryKind, Repo, Settings,
};
use crate::github_settings::GithubSettings;
use crate::registry_limits::RegistryLimits;
use crate::template::{Template, TemplateError};
use crate::version::{BRANCH_PLACEHOLDERS, Stage, TAG_PLACEHOLDERS, Version};
use crate::version_file::{VersionFile, VersionFileFormat};
use crate::workflows::WorkflowSettings;
use crate::yaml::TextPos;
use crate::yaml::spanned_tree::{Cursor, Node, NodeId, ScalarKind, Tree, Value};

/// Resolves a parsed manifest.
pub(crate) fn resolve(tree: &Tree) -> Result<Fleet, Vec<Finding>> {
    resolve_with(tree, None)
}

/// [`resolve`], also asking `known_zone` (the caller's time zone database: a lookup is I/O)
/// whether `settings.timezone` exists.
pub(crate) fn resolve_with<'a>(
    tree: &'a Tree,
    known_zone: Option<&'a dyn Fn(&str) -> bool>,
) -> Result<Fleet, Vec<Finding>> {
    let root = tree.root();
    if matches!(&root.value, Value::Scalar(s) if s.kind == ScalarKind::Null) {
        return Err(vec![Finding::new(
            TextPos::START,
            "the manifest is empty: it needs at least a `repositories` list",
        )]);
    }
    let mut findings = Vec::new();
    let Some(document) = read::<Document>(root, &mut findings) else {
        return Err(findings);
    };
    let mut resolver = Resolver {
        index: tree.index(),
        root,
        findings,
        missing_registries: BTreeMap::new(),
        env_entries: Vec::new(),
        known_zone,
    };
    let (settings, image_namespace, namespace_ok) = resolver.settings(document.settings);
    let registries = resolver.registries(&document.registries, settings.registry_limits);
    let github = document.github.as_ref().and_then(|deferred| {
        let doc = resolver.read(deferred)?;
        let node = resolver.at(deferred.id);
        Some(github_section::settings(doc, node, &mut resolver.findings))
    });
    let categories = resolver.categories(&document.categories);
    let repos = resolver.repositories(
        &document.repositories,
        &Context {
            categories: &categories,
            registries: &registries,
            image_namespace: &image_namespace,
            namespace_ok,
            github: github.as_ref(),
            github_missing: document.github.is_none(),
        },
    );
    let environments = resolver.environments(&document.environments);
    let notifications = resolver.notifications(&document.notifications);
    resolver.refuse_secrets_in_env(&registries, &notifications);
    let workflows = resolver.workflows(document.workflows, &categories, &repos);
    if !resolver.findings.is_empty() {
        return Err(resolver.findings);
    }
    Ok(Fleet {
        settings,
        registries: registries
            .all
            .into_iter()
            .filter_map(|(n, r)| Some((n, r?)))
            .collect(),
        categories: categories
            .into_iter()
            .filter_map(|(n, c)| Some((n, c?.category)))
            .collect(),
        repos,
        environments,
        notifications,
        workflows,
        github,
    })
}

struct Resolver<'a> {
    index: Vec<&'a Node>,
    root: &'a Node,
    findings: Vec<Finding>,
    /// Repositories that need a registry of a kind none of the declared ones has: reported
    /// once per kind rather than once per repository.
    missing_registries: BTreeMap<&'static str, Vec<String>>,
    /// Every `env` entry read, with where it is and whose it is: checked against the secrets
    /// once the registries and notifications that name them are known.
    env_entries: Vec<(TextPos, EnvEntry, String)>,
    /// The time zone database's answer for a name, when the caller has one.
    known_zone: Option<&'a dyn Fn(&str) -> bool>,
}

/// Registries by name; `None` for one that could not be read (already reported), so that
/// references to it are not reported again.
struct Registries {
    all: BTreeMap<String, Option<Registry>>,
}

/// A category with what only the built-ins know.
struct ResolvedCategory {
    category: Category,
    image_prefix: Option<&'static str>,
    /// The category's external image builder, already checked.
    image_builder: Option<Vec<String>>,
    /// The category's `env`, already read.
    env: Vec<EnvEntry>,
    hotfix_semver: Option<crate::HotfixSemver>,
    /// The category's `version_files`, already read.
    version_files: Vec<VersionFile>,
    /// Where its `executor` is written (the manifest's start for a built-in default).
    executor_pos: TextPos,
}

/// What resolving a repository needs from the rest of the manifest.
struct Context<'c> {
    categories: &'c BTreeMap<String, Option<ResolvedCategory>>,
    registries: &'c Registries,
    image_namespace: &'c str,
    /// Whether the namespace is valid, so that names derived from it are worth checking.
    namespace_ok: bool,
    /// The `github:` section, when it was read.
    github: Option<&'c GithubSettings>,
    /// Whether the manifest has no `github:` section at all.
    github_missing: bool,
}

/// An example version for checking that templates render valid git refs.
const SAMPLE: Version = Version::new(1, 2, 3, Stage::Rc(1));

impl<'a> Resolver<'a> {
    fn at(&self, id: NodeId) -> Cursor<'a> {
        Cursor::new(self.index[id])
    }

    fn read<T: serde::de::DeserializeOwned>(&mut self, deferred: &Deferred<T>) -> Option<T> {
        read(self.index[deferred.id], &mut self.findings)
    }

    fn report(&mut self, finding: Finding) {
        self.findings.push(finding);
    }

    fn refuse(&mut self, pos: TextPos, subject: impl Display, refusal: Refusal) {
        self.report(
            Finding::new(pos, format!("{subject} {}", refusal.reason)).maybe_help(refusal.help),
        );
    }

    fn check(&mut self, pos: TextPos, subject: impl Display, result: Result<(), Refusal>) -> bool {
        match result {
            Ok(()) => true,
            Err(refusal) => {
                self.refuse(pos, subject, refusal);
                false
            }
        }
    }

    /// Reports a repeated name with both positions; `true` when `name` is new.
    fn unique(
        &mut self,
        seen: &mut HashMap<String, TextPos>,
        name: &str,
        pos: TextPos,
        what: &str,
    ) -> bool {
        if let Some(first) = seen.get(name) {
            let message = format!("duplicate {what} `{name}` (first at {first})");
            self.report(Finding::new(pos, message));
            false
        } else {
            seen.insert(name.to_owned(), pos);
            true
        }
    }

    fn workflows(
        &mut self,
        deferred: Option<Deferred<WorkflowsDoc>>,
        categories: &BTreeMap<String, Option<ResolvedCategory>>,
        repos: &[Repo],
    ) -> WorkflowSettings {
        let Some(deferred) = deferred else {
            return WorkflowSettings::default();
        };
        let node = self.at(deferred.id);
        let doc = self.read(&deferred).unwrap_or_default();
        let categories: Vec<&str> = categories.keys().map(String::as_str).collect();
        let repos: Vec<&str> = repos.iter().map(|r| r.name.as_str()).collect();
        doc.resolve(node, &categories, &repos, &mut self.findings)
    }

    fn nonzero<T: PartialEq + Default>(&mut self, value: T, pos: TextPos, message: &str) -> T {
        if value == T::default() {
            self.report(Finding::new(pos, message));
        }
        value
    }

    fn settings(&mut self, deferred: Option<Deferred<SettingsDoc>>) -> (Settings, String, bool) {
        let (doc, node) = match deferred {
            Some(d) => (self.read(&d).unwrap_or_default(), self.at(d.id)),
            None => (SettingsDoc::default(), Cursor::new(self.root)),
        };
        let registry_limits = self.registry_limits(&doc, node);
        let timezone = doc
            .timezone
            .unwrap_or_else(|| builtin::DEFAULT_TIMEZONE.to_owned());
        let valid_timezone = !timezone.is_empty()
            && !timezone.starts_with('/')
            && !timezone.contains("..")
            && timezone
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '_' | '+' | '-'));
        if !valid_timezone {
            self.report(
                Finding::new(
                    node.key("timezone").pos(),
                    format!("timezone {timezone:?} is not an IANA time zone name"),
                )
                .help("use a name such as `UTC` or `Asia/Seoul`"),
            );
        } else if self.known_zone.is_some_and(|known| !known(&timezone)) {
            self.report(
                Finding::new(
                    node.key("timezone").pos(),
                    format!("timezone {timezone:?} is not in the time zone database"),
                )
                .help("use an IANA name such as `UTC` or `Asia/Seoul`; `timedatectl list-timezones` lists them"),
            );
        }
        let git_user_name = doc
            .git_user_name
            .unwrap_or_else(|| builtin::DEFAULT_GIT_USER_NAME.to_owned());
        if git_user_name.trim().is_empty()
            || git_user_name.contains(['<', '>'])
            || git_user_name.contains(char::is_control)
        {
            self.report(Finding::new(
                node.key("git_user_name").pos(),
                "`git_user_name` must be a non-empty name without `<`, `>` or control characters",
            ));
        }
        let git_user_email = doc
            .git_user_email
            .unwrap_or_else(|| builtin::DEFAULT_GIT_USER_EMAIL.to_owned());
        if !git_user_email.contains('@')
            || git_user_email.contains(|c: char| c.is_whitespace() || c == '<' || c == '>')
        {
            self.report(Finding::new(
                node.key("git_user_email").pos(),
                format!("`git_user_email` {git_user_email:?} is not an e-mail address"),
            ));
        }
        let gate_timeout_secs = self.nonzero(
            doc.gate_timeout_secs
                .unwrap_or(builtin::DEFAULT_GATE_TIMEOUT_SECS),
            node.key("gate_timeout_secs").pos(),
            "`gate_timeout_secs` must be at least 1",
        );
        let namespace = doc
            .image_namespace
            .unwrap_or_else(|| builtin::DEFAULT_IMAGE_NAMESPACE.to_owned());
        let namespace_ok = self.check(
            node.key("image_namespace").pos(),
            format_args!("image namespace `{namespace}`"),
            checks::image_name(&namespace),
        );
        let sign = doc.sign.unwrap_or_default();
        let settings = Settings {
            timezone,
            git_user_name,
            git_user_email,
            sign_commits: sign.commits,
            sign_tags: sign.tags,
            gate_timeout_secs,
            registry_limits,
        };
        (settings, namespace, namespace_ok)
    }

    fn registry_limits(&mut self, doc: &SettingsDoc, node: Cursor<'a>) -> RegistryLimits {
        let mut limit = |value: Option<u64>, key: &str, default: u64| {
            let secs = self.nonzero(
                value.unwrap_or(default),
                node.key(key).pos(),
                &format!("`{key}` must be at least 1"),
            );
            Duration::from_secs(secs)
        };
        RegistryLimits {
            connect: limit(
                doc.registry_connect_timeout_secs,
                RegistryLimits::CONNECT_KEY,
                RegistryLimits::DEFAULT_CONNECT_SECS,
            ),
            read: limit(
                doc.registry_read_timeout_secs,
                RegistryLimits::READ_KEY,
                RegistryLimits::DEFAULT_READ_SECS,
            ),
            request: limit(
                doc.registry_request_timeout_secs,
                RegistryLimits::REQUEST_KEY,
                RegistryLimits::DEFAULT_REQUEST_SECS,
            ),
            total: limit(
                doc.registry_timeout_secs,
                RegistryLimits::TOTAL_KEY,
                RegistryLimits::DEFAULT_TOTAL_SECS,
            ),
        }
    }

    fn registries(
        &mut self,
        docs: &BTreeMap<String, Deferred<RegistryDoc>>,
        limits: RegistryLimits,
    ) -> Registries {
        if docs.is_empty() {
            let all = builtin::REGISTRIES
                .iter()
                .map(|&(name, kind, url)| {
                    let registry = Registry {
                        name: name.to_owned(),
                        kind,
                        url: url.to_owned(),
                        insecure: false,
                        username_env: None,
                        password_env: None,
                        token_env: None,
                        limits,
                    };
                    (name.to_owned(), Some(registry))
                })
                .collect();
            return Registries { all };
        }
        let section = Cursor::new(self.root).key("registries");
        let mut all = BTreeMap::new();
        for (name, deferred) in docs {
            self.check(
                section.key_pos(name),
                format_args!("registry name `{name}`"),
                checks::name(name),
            );
            let registry = self
                .read(deferred)
                .map(|doc| self.registry(name, doc, self.at(deferred.id), limits));
            all.insert(name.clone(), registry);
        }
        Registries { all }
    }

    /// A chart repository on a git branch: `git+<git URL>[#<branch>]`.
    fn git_registry(&mut self, name: &str, doc: &RegistryDoc, url_pos: TextPos) {
        const HELP: &str = "write `git+https://host/org/charts.git#gh-pages`, `git+ssh://…` or \
                            `git+file:///path/charts.git`; without `#<branch>` the branch is \
                            `gh-pages`";
        if doc.kind != RegistryKind::Chart {
            let message = format!(
                "registry `{name}` is a git repository, which holds only a chart repository, \
                 not {} artifacts",
                kind_name(doc.kind)
            );
            self.report(
                Finding::new(url_pos, message)
                    .help("set `kind: chart`, or give the registry's server URL"),
            );
            return;
        }
        let rest = &doc.url["git+".len()..];
        let (url, branch) = rest
            .rsplit_once('#')
            .unwrap_or((rest, crate::fleet::DEFAULT_CHART_BRANCH));
        let scheme = url.split_once("://").map(|(scheme, _)| scheme);
        let host_and_path = url.split_once("://").map_or("", |(_, r)| r);
        match scheme {
            Some("https" | "ssh" | "file") if !host_and_path.is_empty() => {}
            Some("http") if !host_and_path.is_empty() => {
                if !doc.insecure {
                    self.report(
                        Finding::new(url_pos, format!("registry `{name}` uses plain HTTP")).help(
                            "use https://, or set `insecure: true` for a local test \
                                   repository",
                        ),
                    );
                }
            }
            _ => {
                self.report(
                    Finding::new(
                        url_pos,
                        format!("registry `{name}` has no git URL after `git+`"),
                    )
                    .help(HELP),
                );
                return;
            }
        }
        self.check(
            url_pos,
            format_args!("the branch of registry `{name}`"),
            checks::ref_name(branch),
        );
    }

    fn registry(
        &mut self,
        name: &str,
        doc: RegistryDoc,
        node: Cursor<'a>,
        limits: RegistryLimits,
    ) -> Registry {
        let url_pos = node.key("url").pos();
        if doc.url.trim().is_empty() {
            self.report(Finding::new(
                url_pos,
                format!("registry `{name}` has an empty `url`"),
            ));
        } else if self.check(
            url_pos,
            format_args!("the url of registry `{name}`"),
            checks::no_inline_credentials(&doc.url),
        ) && doc.url.starts_with("http://")
            && !doc.insecure
        {
            self.report(
                Finding::new(url_pos, format!("registry `{name}` uses plain HTTP"))
                    .help("use https://, or set `insecure: true` for a local test registry"),
            );
        }
        if doc.url.starts_with("git+") {
            self.git_registry(name, &doc, url_pos);
        }
        for (key, value) in [
            ("username_env", &doc.username_env),
            ("password_env", &doc.password_env),
            ("token_env", &doc.token_env),
        ] {
            if let Some(value) = value {
                self.check(
                    node.key(key).pos(),
                    format_args!("`{key}` of registry `{name}`"),
                    checks::env_name(value),
                );
            }
        }
        if doc.username_env.is_some() != doc.password_env.is_some() {
            let message = format!(
                "registry `{name}` sets only one of `username_env` and `password_env`; set both \
                 or neither"
            );
            self.report(Finding::new(node.pos(), message));
        }
        Registry {
            name: name.to_owned(),
            kind: doc.kind,
            url: doc.url,
            insecure: doc.insecure,
            username_env: doc.username_env,
            password_env: doc.password_env,
            token_env: doc.token_env,
            limits,
        }
    }

    fn categories(
        &mut self,
        docs: &BTreeMap<String, Deferred<CategoryDoc>>,
    ) -> BTreeMap<String, Option<ResolvedCategory>> {
        let mut all = BTreeMap::new();
        for base in &builtin::CATEGORIES {
            if !docs.contains_key(base.name) {
                let resolved = self.category(
                    base.name,
                    base,
                    &CategoryDoc::default(),
                    Cursor::new(self.root),
                );
                all.insert(base.name.to_owned(), resolved);
            }
        }
        let section = Cursor::new(self.root).key("categories");
        for (name, deferred) in docs {
            self.check(
                section.key_pos(name),
                format_args!("category name `{name}`"),
                checks::name(name),
            );
            let base = builtin::category(name).unwrap_or(&builtin::NEW_CATEGORY);
            let resolved = self
                .read(deferred)
                .and_then(|doc| self.category(name, base, &doc, self.at(deferred.id)));
            all.insert(name.clone(), resolved);
        }
        all
    }

    fn category(
        &mut self,
        name: &str,
        base: &BuiltinCategory,
        doc: &CategoryDoc,
        node: Cursor<'a>,
    ) -> Option<ResolvedCategory> {
        let subject = format!("category `{name}`");
        let events = match &doc.events {
            Some(events) => self.events(events, node.key("events"), &subject),
            None => base.events.to_vec(),
        };
        let branch_template = self.branch_template(
            doc.branch_template
                .as_deref()
                .unwrap_or(base.branch_template),
            node.key("branch_template").pos(),
        );
        let tag_template = self.tag_template(
            doc.tag_template.as_deref().unwrap_or(base.tag_template),
            node.key("tag_template").pos(),
            "tag template",
        );
        let strip_paths = match &doc.strip_paths {
            Some(paths) => self.paths(paths, node.key("strip_paths"), "strip path"),
            None => base.strip_paths.iter().map(|&p| p.to_owned()).collect(),
        };
        let max_parallel = self.nonzero(
            doc.max_parallel.unwrap_or(base.max_parallel),
            node.key("max_parallel").pos(),
            "`max_parallel` must be at least 1: a train has to run something",
        );
        if let Some(builder) = &doc.image_builder {
            self.builder(builder, node.key("image_builder"), &subject);
        }
        let env = self.env(&doc.env, node.key("env"), &subject);
        let version_files = doc
            .version_files
            .as_deref()
            .map(|docs| self.version_files(docs, node.key("version_files"), &subject))
            .unwrap_or_default();
        if let Some(workflow) = &doc.release_workflow {
            github_section::workflow_file(
                workflow,
                node.key("release_workflow").pos(),
                &mut self.findings,
            );
        }
        Some(ResolvedCategory {
            category: Category {
                name: name.to_owned(),
                events,
                publishes: overlay(base.publishes, doc.publishes.unwrap_or_default()),
                branch_template: branch_template?,
                tag_template: tag_template?,
                strip_paths,
                dev_versions: doc.dev_versions.unwrap_or(base.dev_versions),
                wave_order: doc.wave_order.unwrap_or(base.wave_order),
                max_parallel,
                executor: doc.executor.unwrap_or_default(),
                release_workflow: doc.release_workflow.clone(),
            },
            image_prefix: base.image_prefix,
            image_builder: doc.image_builder.clone(),
            env,
            hotfix_semver: doc.hotfix_semver,
            version_files,
            executor_pos: node.key("executor").pos(),
        })
    }

    /// Reads a `version_files` list: each path relative and listed once, each format known.
    fn version_files(
        &mut self,
        docs: &[VersionFileDoc],
        list: Cursor<'a>,
        owner: &str,
    ) -> Vec<VersionFile> {
        let mut seen = HashMap::new();
        let mut files = Vec::with_capacity(docs.len());
        for (i, doc) in docs.iter().enumerate() {
            let node = list.index(i);
            let path_pos = node.key("path").pos();
            if !self.check(
                path_pos,
                format_args!("version file {:?} of {owner}", doc.path),
                checks::relative_path(&doc.path),
            ) {
                continue;
            }
            self.unique(&mut seen, &doc.path, path_pos, "version file");
            let name = doc.format.as_deref().unwrap_or("canonical");
            let Some(mut format) = VersionFileFormat::from_name(name) else {
                let help = match suggest(name, VersionFileFormat::NAMES.iter().copied()) {
                    Some(near) => format!("did you mean `{near}`?"),
                    None => format!(
                        "formats: {}",
                        quoted_list(VersionFileFormat::NAMES.iter().copied())
                    ),
                };
                self.report(
                    Finding::new(
                        node.key("format").pos(),
                        format!("version file {:?} has unknown format `{name}`", doc.path),
                    )
                    .help(help),
                );
                continue;
            };
            if let Some(source) = &doc.template {
                if let VersionFileFormat::Canonical { template } = &mut format {
                    let pos = node.key("template").pos();
                    match self.tag_template(source, pos, "version file template") {
                        Some(parsed) => *template = Some(parsed),
                        None => continue,
                    }
                } else {
                    self.report(
                        Finding::new(
                            node.key("template").pos(),
                            format!(
                                "version file {:?} of format `{name}` takes no `template`",
                                doc.path
                            ),
                        )
                        .help("only `format: canonical` files are written from a template"),
                    );
                    continue;
                }
            }
            if let Some(keys) = &doc.keys {
                let keys_node = node.key("keys");
                if let VersionFileFormat::ChartYaml {
                    version,
                    app_version,
                } = &mut format
                {
                    *version = false;
                    *app_version = false;
                    for (k, key) in keys.iter().enumerate() {
                        match key.as_str() {
                            "version" => *version = true,
                            "appVersion" => *app_version = true,
                            other => self.report(
                                Finding::new(
                                    keys_node.index(k).pos(),
                                    format!("`{other}` is not a version key of a Chart.yaml"),
                                )
                                .help("the keys are `version` and `appVersion`"),
                            ),
                        }
                    }
                    if keys.is_empty() {
                        self.report(
                            Finding::new(
                                keys_node.pos(),
                                "`keys` names no key: nothing would be written",
                            )
                            .help("list `version`, `appVersion` or both"),
                        );
                    }
                } else {
                    self.report(
                        Finding::new(
                            keys_node.pos(),
                            format!(
                                "version file {:?} of format `{name}` takes no `keys`",
                                doc.path
                            ),
                        )
                        .help("only `format: Chart.yaml` files have keys to choose"),
                    );
                    continue;
                }
            }
            files.push(VersionFile {
                path: doc.path.clone(),
                format,
            });
        }
        files
    }

    fn events(&mut self, events: &[Event], node: Cursor<'a>, subject: &str) -> Vec<Event> {
        if events.is_empty() {
            self.report(Finding::new(
                node.pos(),
                format!("{subject} handles no events: it would never run"),
            ));
        }
        let mut seen = HashMap::new();
        for (i, event) in events.iter().enumerate() {
            self.unique(&mut seen, event.as_str(), node.index(i).pos(), "event");
            if *event == Event::PreTag && !subject.starts_with("command ") {
                self.report(
                    Finding::new(
                        node.index(i).pos(),
                        format!(
                            "{subject} lists `pre-tag`, which is a point for commands, not an event"
                        ),
                    )
                    .help("run a command there with `on: [pre-tag]` in its `commands` entry"),
                );
            }
        }
        events.to_vec()
    }

    fn paths(&mut self, paths: &[String], node: Cursor<'a>, what: &str) -> Vec<String> {
        for (i, path) in paths.iter().enumerate() {
            self.check(
                node.index(i).pos(),
                format_args!("{what} {path:?}"),
                checks::relative_path(path),
            );
        }
        paths.to_vec()
    }

    fn template_error(&mut self, pos: TextPos, what: &str, err: &TemplateError) {
        let help = match err {
            TemplateError::UnknownPlaceholder { name, .. } => {
                let allowed = if what == "branch template" {
                    BRANCH_PLACEHOLDERS
                } else {
                    TAG_PLACEHOLDERS
                };
                suggest(name, allowed.iter().copied())
                    .map(|near| format!("did you mean {{{near}}}?"))
            }
            TemplateError::MissingPlaceholder { .. } => Some(
                "a template that renders the same text for every version cannot tell releases \
                 apart"
                    .to_owned(),
            ),
            TemplateError::Unbalanced { .. } => None,
        };
        self.report(Finding::new(pos, format!("invalid {what}: {err}")).maybe_help(help));
    }

    fn branch_template(&mut self, source: &str, pos: TextPos) -> Option<Template> {
        let template = match Template::parse_requiring(source, BRANCH_PLACEHOLDERS, &["x"]) {
            Ok(t) => t,
            Err(err) => {
                self.template_error(pos, "branch template", &err);
                return None;
            }
        };
        if !template.placeholders().any(|p| p == "x") || !template.placeholders().any(|p| p == "y")
        {
            self.report(
                Finding::new(
                    pos,
                    format!("invalid branch template: {source:?} must use both {{x}} and {{y}}"),
                )
                .help("each release line needs its own branch, as in `release-{x}.{y}.{z}`"),
            );
            return None;
        }
        let rendered = SAMPLE.render_branch(&template);
        self.check(
            pos,
            format_args!("branch template {source:?} renders `{rendered}`, which"),
            checks::ref_name(&rendered),
        )
        .then_some(template)
    }

    fn tag_template(&mut self, source: &str, pos: TextPos, what: &str) -> Option<Template> {
        match Template::parse_requiring(source, TAG_PLACEHOLDERS, &["canonical", "pep440"]) {
            Ok(template) => {
                if what == "tag template" {
                    let rendered = SAMPLE.render_tag(&template);
                    if !self.check(
                        pos,
                        format_args!("tag template {source:?} renders `{rendered}`, which"),
                        checks::ref_name(&rendered),
                    ) {
                        return None;
                    }
                }
                Some(template)
            }
            Err(err) => {
                self.template_error(pos, what, &err);
                None
            }
        }
    }

    fn repositories(
        &mut self,
        docs: &[Deferred<RepositoryDoc>],
        context: &Context<'_>,
    ) -> Vec<Repo> {
        let parsed: Vec<(NodeId, Option<RepositoryDoc>)> =
            docs.iter().map(|d| (d.id, self.read(d))).collect();
        // Names of repositories that could not be read still count, so that references to them
        // are not reported as unknown.
        let names: Vec<Option<String>> = parsed
            .iter()
            .map(|(id, doc)| match doc {
                Some(doc) => Some(doc.name.clone()),
                None => self.index[*id]
                    .get("name")
                    .and_then(Node::as_str)
                    .map(str::to_owned),
            })
            .collect();
        let mut seen = HashMap::new();
        let mut remotes = HashMap::new();
        let mut valid_names = HashSet::new();
        for ((id, doc), name) in parsed.iter().zip(&names) {
            let node = self.at(*id);
            if let Some(name) = name
                && self.check(
                    node.key("name").pos(),
                    format_args!("repository name `{name}`"),
                    checks::name(name),
                )
            {
                valid_names.insert(name.as_str());
                self.unique(&mut seen, name, node.key("name").pos(), "repository name");
            }
            if let Some(doc) = doc {
                self.unique(
                    &mut remotes,
                    &doc.remote,
                    node.key("remote").pos(),
                    "remote",
                );
            }
        }
        self.dependencies(&parsed, &names);
        let mut repos = Vec::new();
        for (id, doc) in parsed {
            let Some(doc) = doc else { continue };
            let node = self.at(id);
            let category = match context.categories.get(&doc.category) {
                Some(Some(category)) => category,
                Some(None) => continue,
                None => {
                    let known = context.categories.keys().map(String::as_str);
                    let help = match suggest(&doc.category, known.clone()) {
                        Some(near) => format!("did you mean `{near}`?"),
                        None => format!("known categories: {}", quoted_list(known)),
                    };
                    let message = format!(
                        "unknown category `{}` for repository `{}`",
                        doc.category, doc.name
                    );
                    self.report(Finding::new(node.key("category").pos(), message).help(help));
                    continue;
                }
            };
            // Names derived from an invalid repository name would only repeat its error.
            let derived_ok = context.namespace_ok && valid_names.contains(doc.name.as_str());
            if let Some(repo) = self.repository(doc, node, category, context, derived_ok) {
                repos.push(repo);
            }
        }
        let registries_pos = Cursor::new(self.root).key_pos("registries");
        for (kind, repos) in std::mem::take(&mut self.missing_registries) {
            let message = format!(
                "no {kind} registry is declared, but repositories publish to one: {}",
                quoted_list(repos.iter().map(String::as_str))
            );
            let help = format!(
                "declare a registry with `kind: {kind}` under `registries`, or switch these \
                 artifacts off with `publishes`"
            );
            self.report(Finding::new(registries_pos, message).help(help));
        }
        repos
    }

    /// Unknown, self and repeated dependencies, then cycles among the rest.
    fn dependencies(
        &mut self,
        parsed: &[(NodeId, Option<RepositoryDoc>)],
        names: &[Option<String>],
    ) {
        let by_name: HashMap<&str, usize> = names
            .iter()
            .enumerate()
            .filter_map(|(i, n)| Some((n.as_deref()?, i)))
            .rev()
            .collect();
        let mut edges = vec![Vec::new(); parsed.len()];
        // Where repository i names repository j, for pointing at a cycle.
        let mut edge_pos: HashMap<(usize, usize), TextPos> = HashMap::new();
        for (i, (id, doc)) in parsed.iter().enumerate() {
            let Some(doc) = doc else { continue };
            let list = self.at(*id).key("depends_on");
            let mut seen = HashMap::new();
            for (k, dependency) in doc.depends_on.iter().enumerate() {
                let pos = list.index(k).pos();
                if !self.unique(&mut seen, dependency, pos, "dependency") {
                    continue;
                }
                match by_name.get(dependency.as_str()) {
                    None => {
                        let near = suggest(dependency, names.iter().flatten().map(String::as_str));
                        let message = format!(
                            "repository `{}` depends on unknown repository `{dependency}`",
                            doc.name
                        );
                        self.report(
                            Finding::new(pos, message)
                                .maybe_help(near.map(|n| format!("did you mean `{n}`?"))),
                        );
                    }
                    Some(_) if *dependency == doc.name => {
                        self.report(Finding::new(
                            pos,
                            format!("repository `{}` depends on itself", doc.name),
                        ));
                    }
                    Some(&j) => {
                        edges[i].push(j);
                        edge_pos.insert((i, j), pos);
                    }
                }
            }
        }
        for cycle in dependency_graph::cycles(&edges) {
            let mut path: Vec<&str> = cycle.iter().filter_map(|&i| names[i].as_deref()).collect();
            path.push(path[0]);
            let pos = edge_pos[&(cycle[0], cycle[1 % cycle.len()])];
            let help = "a repository can only be released after the ones it depends on; remove \
                        one of these `depends_on` entries";
            let message = format!("dependency cycle: {}", path.join(" -> "));
            self.report(Finding::new(pos, message).help(help));
        }
    }

    fn repository(
        &mut self,
        doc: RepositoryDoc,
        node: Cursor<'a>,
        category: &ResolvedCategory,
        context: &Context<'_>,
        derived_ok: bool,
    ) -> Option<Repo> {
        let name = doc.name.as_str();
        let base = &category.category;
        let remote_pos = node.key("remote").pos();
        if doc.remote.trim().is_empty() {
            self.report(Finding::new(
                remote_pos,
                format!("repository `{name}` has an empty `remote`"),
            ));
        } else {
            self.check(
                remote_pos,
                format_args!("the remote of repository `{name}`"),
                checks::no_inline_credentials(&doc.remote),
            );
        }
        let default_branch = doc
            .default_branch
            .unwrap_or_else(|| builtin::DEFAULT_BRANCH.to_owned());
        self.check(
            node.key("default_branch").pos(),
            format_args!("default branch `{default_branch}`"),
            checks::ref_name(&default_branch),
        );
        let version_file = doc
            .version_file
            .unwrap_or_else(|| builtin::DEFAULT_VERSION_FILE.to_owned());
        self.check(
            node.key("version_file").pos(),
            format_args!("version file {version_file:?}"),
            checks::relative_path(&version_file),
        );
        let tag_template = match &doc.tag_template {
            Some(source) => {
                self.tag_template(source, node.key("tag_template").pos(), "tag template")
            }
            None => Some(base.tag_template.clone()),
        };
        let branch_template = match &doc.branch_template {
            Some(source) => self.branch_template(source, node.key("branch_template").pos()),
            None => Some(base.branch_template.clone()),
        };
        let version_file_template = match &doc.version_file_template {
            Some(source) => self.tag_template(
                source,
                node.key("version_file_template").pos(),
                "version file template",
            ),
            None => tag_template.clone(),
        };
        let subject = format!("repository `{name}`");
        // The single `version_file` is always written, as before; the list adds further files
        // (or gives that one another format when it names the same path).
        let listed = match &doc.version_files {
            Some(docs) => self.version_files(docs, node.key("version_files"), &subject),
            None => category.version_files.clone(),
        };
        let mut version_files = Vec::with_capacity(listed.len() + 1);
        if let Some(primary) = listed.iter().find(|f| f.path == version_file)
            && !matches!(
                primary.format,
                VersionFileFormat::Canonical { .. } | VersionFileFormat::Pep440
            )
        {
            self.report(
                Finding::new(
                    node.key_pos("version_files"),
                    format!(
                        "version file {version_file:?} is read back as the repository's version, \
                         so its format must be `canonical` or `pep440`"
                    ),
                )
                .help("name another `version_file`, or change the format of this one"),
            );
        }
        if !listed.iter().any(|f| f.path == version_file) {
            version_files.push(VersionFile {
                path: version_file.clone(),
                format: VersionFileFormat::Canonical { template: None },
            });
        }
        version_files.extend(listed);
        let events = match &doc.events {
            Some(events) => self.events(events, node.key("events"), &subject),
            None => base.events.clone(),
        };
        let strip_paths = match &doc.strip_paths {
            Some(paths) => self.paths(paths, node.key("strip_paths"), "strip path"),
            None => base.strip_paths.clone(),
        };
        let switches = doc.publishes.unwrap_or_default();
        let publishes = overlay(base.publishes, switches);
        let enabled = |on: bool, section: bool| on || section;
        for (key, switched_off, written) in [
            ("image", switches.image == Some(false), doc.image.is_some()),
            (
                "python",
                switches.python == Some(false),
                doc.python.is_some(),
            ),
            ("npm", switches.npm == Some(false), doc.npm.is_some()),
            ("chart", switches.chart == Some(false), doc.chart.is_some()),
        ] {
            if switched_off && written {
                let message = format!(
                    "repository `{name}` configures `{key}` but sets `publishes.{key}: false`"
                );
                let help = format!("remove the `{key}` section or the `publishes.{key}` switch");
                self.report(Finding::new(node.key_pos(key), message).help(help));
            }
        }
        let image = enabled(publishes.image, doc.image.is_some()).then(|| {
            self.image(
                doc.image.unwrap_or_default(),
                name,
                node,
                category,
                context,
                derived_ok,
            )
        });
        let python = enabled(publishes.python, doc.python.is_some()).then(|| {
            self.python(
                doc.python.unwrap_or_default(),
                name,
                node,
                context,
                derived_ok,
            )
        });
        let npm = enabled(publishes.npm, doc.npm.is_some())
            .then(|| self.npm(doc.npm.unwrap_or_default(), name, node, context, derived_ok));
        let chart = enabled(publishes.chart, doc.chart.is_some())
            .then(|| self.chart(doc.chart.unwrap_or_default(), name, node, context));
        let commands = self.commands(&doc.commands, node.key("commands"), name, &events);
        let mut env = category.env.clone();
        env.extend(self.env(&doc.env, node.key("env"), &format!("repository `{name}`")));
        if let Some(workflow) = &doc.release_workflow {
            github_section::workflow_file(
                workflow,
                node.key("release_workflow").pos(),
                &mut self.findings,
            );
        }
        let keys = RepoGithubKeys {
            name,
            kind: doc.executor.unwrap_or(base.executor),
            kind_pos: if doc.executor.is_some() {
                node.key("executor").pos()
            } else {
                category.executor_pos
            },
            workflow: doc
                .release_workflow
                .as_deref()
                .or(base.release_workflow.as_deref()),
            github_repository: doc.github_repository.as_deref(),
            github_repository_pos: node.key("github_repository").pos(),
        };
        let executor = github_section::executor(
            &keys,
            context.github,
            context.github_missing,
            &mut self.findings,
        );
        let release_workflow = keys
            .workflow
            .or(context.github.map(|g| g.release_workflow.as_str()))
            .unwrap_or(crate::github_settings::DEFAULT_RELEASE_WORKFLOW)
            .to_owned();
        Some(Repo {
            name: doc.name.clone(),
            remote: doc.remote,
            category: base.name.clone(),
            default_branch,
            version_file,
            version_file_template: version_file_template?,
            version_files,
            tag_template: tag_template?,
            branch_template: branch_template?,
            events,
            strip_paths,
            dev_versions: base.dev_versions,
            wave_order: base.wave_order,
            max_parallel: base.max_parallel,
            depends_on: doc.depends_on,
            hotfix_semver: doc.hotfix_semver.or(category.hotfix_semver),
            image: image.flatten(),
            python: python.flatten(),
            npm: npm.flatten(),
            chart: chart.flatten(),
            commands,
            env,
            executor,
            release_workflow,
        })
    }

    /// The registry an artifact goes to: the one it names, or the only one of its kind.
    fn registry_for(
        &mut self,
        kind: RegistryKind,
        named: Option<&str>,
        section: Cursor<'a>,
        (repo, owner): (&str, &str),
        context: &Context<'_>,
    ) -> Option<String> {
        let all = &context.registries.all;
        let kind_name = kind_name(kind);
        if let Some(named) = named {
            let pos = section.key("registry").pos();
            return self.registry_reference(named, kind, pos, owner, all);
        }
        if all.values().any(Option::is_none) {
            return None;
        }
        let of_kind: Vec<&str> = all
            .values()
            .flatten()
            .filter(|r| r.kind == kind)
            .map(|r| r.name.as_str())
            .collect();
        match of_kind.as_slice() {
            [only] => Some((*only).to_owned()),
            [] => {
                let repos = self.missing_registries.entry(kind_name).or_default();
                if !repos.iter().any(|r| r == repo) {
                    repos.push(repo.to_owned());
                }
                None
            }
            several => {
                self.report(
                    Finding::new(
                        section.pos(),
                        format!(
                            "{owner} could go to several {kind_name} registries: {}",
                            quoted_list(several.iter().copied())
                        ),
                    )
                    .help("name one with `registry:`"),
                );
                None
            }
        }
    }

    fn registry_reference(
        &mut self,
        named: &str,
        kind: RegistryKind,
        pos: TextPos,
        owner: &str,
        all: &BTreeMap<String, Option<Registry>>,
    ) -> Option<String> {
        match all.get(named) {
            Some(Some(registry)) if registry.kind == kind => Some(named.to_owned()),
            Some(Some(registry)) => {
                let message = format!(
                    "{owner} names registry `{named}`, which holds {} artifacts, not {}",
                    kind_name(registry.kind),
                    kind_name(kind)
                );
                self.report(Finding::new(pos, message));
                None
            }
            Some(None) => None,
            None => {
                let known = all.keys().map(String::as_str);
                let help = match suggest(named, known.clone()) {
                    Some(near) => format!("did you mean `{near}`?"),
                    None => format!("declared registries: {}", quoted_list(known)),
                };
                self.report(
                    Finding::new(pos, format!("{owner} names unknown registry `{named}`"))
                        .help(help),
                );
                None
            }
        }
    }

    fn image(
        &mut self,
        doc: ImageDoc,
        repo: &str,
        node: Cursor<'a>,
        category: &ResolvedCategory,
        context: &Context<'_>,
        derived_ok: bool,
    ) -> Option<ImageArtifact> {
        let prefix = category.image_prefix;
        let section = node.key("image");
        let owner = format!("the image of repository `{repo}`");
        let registry = self.registry_for(
            RegistryKind::Image,
            doc.registry.as_deref(),
            section,
            (repo, &owner),
            context,
        );
        let base_name = prefix
            .and_then(|p| repo.strip_prefix(p))
            .filter(|s| !s.is_empty())
            .unwrap_or(repo);
        let name = doc
            .name
            .clone()
            .unwrap_or_else(|| format!("{}/{base_name}", context.image_namespace));
        let name_ok = (doc.name.is_some() || derived_ok)
            && self.check(
                section.key("name").pos(),
                format_args!("image name `{name}`"),
                checks::image_name(&name),
            );
        let dev_name = doc
            .dev_name
            .clone()
            .unwrap_or_else(|| dev_image_name(&name));
        if doc.dev_name.is_some() || name_ok {
            self.check(
                section.key("dev_name").pos(),
                format_args!("image dev name `{dev_name}`"),
                checks::image_name(&dev_name),
            );
        }
        if dev_name == name {
            let message = format!("{owner} uses `{name}` for both releases and master-push builds");
            let help = "give `dev_name` its own repository path so that builds never overwrite \
                        releases";
            self.report(Finding::new(section.key("dev_name").pos(), message).help(help));
        }
        let mirrors_node = section.key("mirrors");
        let mut seen = HashMap::new();
        for (i, mirror) in doc.mirrors.iter().enumerate() {
            let pos = mirrors_node.index(i).pos();
            if !self.unique(&mut seen, mirror, pos, "mirror") {
                continue;
            }
            if registry.as_deref() == Some(mirror) {
                self.report(Finding::new(
                    pos,
                    format!("mirror `{mirror}` is the image's own registry"),
                ));
            } else {
                self.registry_reference(
                    mirror,
                    RegistryKind::Image,
                    pos,
                    &owner,
                    &context.registries.all,
                );
            }
        }
        let context_dir = doc
            .context
            .unwrap_or_else(|| builtin::DEFAULT_IMAGE_CONTEXT.to_owned());
        self.check(
            section.key("context").pos(),
            format_args!("image context {context_dir:?}"),
            checks::relative_path(&context_dir),
        );
        if let Some(builder) = &doc.builder {
            self.builder(builder, section.key("builder"), &owner);
        }
        let builder_timeout_secs = self.nonzero(
            doc.builder_timeout_secs
                .unwrap_or(DEFAULT_BUILDER_TIMEOUT_SECS),
            section.key("builder_timeout_secs").pos(),
            "`builder_timeout_secs` must be at least 1",
        );
        Some(ImageArtifact {
            registry: registry?,
            name,
            dev_name,
            mirrors: doc.mirrors,
            context: context_dir,
            builder: doc.builder.or_else(|| category.image_builder.clone()),
            builder_timeout_secs,
        })
    }

    /// Checks an image builder's argv: a program, known placeholders, and somewhere for the
    /// image to go (`{output}` or `{image}`), or flotilla could not find what it built.
    fn builder(&mut self, argv: &[String], node: Cursor<'a>, owner: &str) {
        if argv.first().is_none_or(String::is_empty) {
            self.report(Finding::new(
                node.pos(),
                format!("{owner} has an empty `builder`: give the program and its arguments"),
            ));
            return;
        }
        let mut used = Vec::new();
        for (i, arg) in argv.iter().enumerate() {
            match Template::parse(arg, BUILDER_PLACEHOLDERS) {
                Ok(template) => used.extend(template.placeholders().map(str::to_owned)),
                Err(err) => {
                    let help = match &err {
                        TemplateError::UnknownPlaceholder { name, .. } => {
                            suggest(name, BUILDER_PLACEHOLDERS.iter().copied())
                                .map(|near| format!("did you mean {{{near}}}?"))
                        }
                        _ => None,
                    };
                    self.report(
                        Finding::new(
                            node.index(i).pos(),
                            format!("invalid builder argument: {err}"),
                        )
                        .maybe_help(help),
                    );
                    return;
                }
            }
        }
        if !used.iter().any(|p| p == "output" || p == "image") {
            self.report(
                Finding::new(
                    node.pos(),
                    format!(
                        "the builder of {owner} neither writes `{{output}}` nor pushes `{{image}}`"
                    ),
                )
                .help(
                    "let it write an OCI layout to {output} (buildah: `-t oci:{output}`), which \
                     flotilla pushes, or push {image} itself",
                ),
            );
        }
    }

    fn python(
        &mut self,
        doc: PythonDoc,
        repo: &str,
        node: Cursor<'a>,
        context: &Context<'_>,
        derived_ok: bool,
    ) -> Option<PythonArtifact> {
        let section = node.key("python");
        let owner = format!("the Python distribution of repository `{repo}`");
        let registry = self.registry_for(
            RegistryKind::Pypi,
            doc.registry.as_deref(),
            section,
            (repo, &owner),
            context,
        );
        if doc.name.is_some() || derived_ok {
            let name = doc.name.as_deref().unwrap_or(repo);
            self.check(
                section.key("name").pos(),
                format_args!("Python name `{name}`"),
                checks::python_name(name),
            );
        }
        let name = doc.name.unwrap_or_else(|| repo.to_owned());
        let source = doc
            .source
            .unwrap_or_else(|| builtin::DEFAULT_PYTHON_SOURCE.to_owned());
        self.check(
            section.key("source").pos(),
            format_args!("Python source {source:?}"),
            checks::relative_path(&source),
        );
        let interpreter = doc
            .interpreter
            .unwrap_or_else(|| builtin::DEFAULT_PYTHON_INTERPRETER.to_owned());
        if interpreter.trim().is_empty() {
            self.report(
                Finding::new(
                    section.key("interpreter").pos(),
                    "the Python interpreter is empty",
                )
                .maybe_help(Some(
                    "name a program such as `python3` or a path such as \
                         `/opt/python/bin/python3`"
                        .to_owned(),
                )),
            );
        }
        Some(PythonArtifact {
            registry: registry?,
            name,
            source,
            interpreter,
            build_isolation: doc.build_isolation.unwrap_or(true),
        })
    }

    fn npm(
        &mut self,
        doc: NpmDoc,
        repo: &str,
        node: Cursor<'a>,
        context: &Context<'_>,
        derived_ok: bool,
    ) -> Option<NpmArtifact> {
        let section = node.key("npm");
        let owner = format!("the npm package of repository `{repo}`");
        let registry = self.registry_for(
            RegistryKind::Npm,
            doc.registry.as_deref(),
            section,
            (repo, &owner),
            context,
        );
        if doc.name.is_some() || derived_ok {
            let name = doc.name.as_deref().unwrap_or(repo);
            self.check(
                section.key("name").pos(),
                format_args!("npm name `{name}`"),
                checks::npm_name(name),
            );
        }
        let name = doc.name.unwrap_or_else(|| repo.to_owned());
        let directory = doc
            .directory
            .unwrap_or_else(|| builtin::DEFAULT_NPM_DIRECTORY.to_owned());
        self.check(
            section.key("directory").pos(),
            format_args!("npm directory {directory:?}"),
            checks::relative_path(&directory),
        );
        let binary = doc
            .binary
            .unwrap_or_else(|| builtin::DEFAULT_NPM_BINARY.to_owned());
        if binary.trim().is_empty() {
            self.report(
                Finding::new(section.key("binary").pos(), "npm `binary` is empty")
                    .help("name the npm client (`npm`) or its path"),
            );
        }
        Some(NpmArtifact {
            registry: registry?,
            name,
            directory,
            binary,
        })
    }

    fn chart(
        &mut self,
        doc: ChartDoc,
        repo: &str,
        node: Cursor<'a>,
        context: &Context<'_>,
    ) -> Option<ChartArtifact> {
        let section = node.key("chart");
        let owner = format!("the chart of repository `{repo}`");
        let registry = self.registry_for(
            RegistryKind::Chart,
            doc.registry.as_deref(),
            section,
            (repo, &owner),
            context,
        );
        let path = doc
            .path
            .unwrap_or_else(|| builtin::DEFAULT_CHART_PATH.to_owned());
        self.check(
            section.key("path").pos(),
            format_args!("chart path {path:?}"),
            checks::relative_path(&path),
        );
        let image_tag_key_required = doc.image_tag_key.is_some();
        let image_tag_key = doc
            .image_tag_key
            .unwrap_or_else(|| builtin::DEFAULT_CHART_IMAGE_TAG_KEY.to_owned());
        if image_tag_key.is_empty() || image_tag_key.split('.').any(str::is_empty) {
            self.report(
                Finding::new(
                    section.key("image_tag_key").pos(),
                    format!("chart `image_tag_key` {image_tag_key:?} is not a dotted key"),
                )
                .help("write dot-separated mapping keys of values.yaml, such as `image.version`"),
            );
        }
        Some(ChartArtifact {
            registry: registry?,
            path,
            image_tag_key,
            image_tag_key_required,
        })
    }

    fn commands(
        &mut self,
        docs: &[CommandDoc],
        list: Cursor<'a>,
        repo: &str,
        events: &[Event],
    ) -> Vec<Command> {
        let mut seen = HashMap::new();
        let mut commands = Vec::with_capacity(docs.len());
        for (i, doc) in docs.iter().enumerate() {
            let node = list.index(i);
            let name_pos = node.key("name").pos();
            if self.check(
                name_pos,
                format_args!("command name `{}`", doc.name),
                checks::name(&doc.name),
            ) {
                self.unique(&mut seen, &doc.name, name_pos, "command name");
            }
            if doc.argv.first().is_none_or(String::is_empty) {
                self.report(
                    Finding::new(
                        node.key("argv").pos(),
                        format!(
                            "command `{}` of repository `{repo}` has an empty `argv`",
                            doc.name
                        ),
                    )
                    .help("give the program and its arguments, as in `argv: [make, test]`"),
                );
            }
            let timeout_secs = self.nonzero(
                doc.timeout_secs
                    .unwrap_or(builtin::DEFAULT_COMMAND_TIMEOUT_SECS),
                node.key("timeout_secs").pos(),
                "`timeout_secs` must be at least 1",
            );
            let on = match &doc.on {
                Some(on) => {
                    let on_node = node.key("on");
                    for (k, event) in on.iter().enumerate() {
                        // `pre-tag` is a point of the tag flow: there when the repository tags.
                        let point = if *event == Event::PreTag {
                            Event::Tag
                        } else {
                            *event
                        };
                        if !events.contains(&point) {
                            let handled: Vec<&str> = events.iter().map(|e| e.as_str()).collect();
                            let message = format!(
                                "command `{}` runs on `{}`, which repository `{repo}` does not \
                                 handle",
                                doc.name,
                                event.as_str()
                            );
                            let help = format!("the repository handles {}", quoted_list(handled));
                            self.report(Finding::new(on_node.index(k).pos(), message).help(help));
                        }
                    }
                    self.events(on, on_node, &format!("command `{}`", doc.name))
                }
                None => events.to_vec(),
            };
            let env = self.env(
                &doc.env,
                node.key("env"),
                &format!("command `{}` of repository `{repo}`", doc.name),
            );
            commands.push(Command {
                name: doc.name.clone(),
                argv: doc.argv.clone(),
                on,
                timeout_secs,
                env,
            });
        }
        commands
    }

    /// Reads an `env` list; each entry is checked against the secrets at the end.
    fn env(&mut self, entries: &[String], list: Cursor<'a>, owner: &str) -> Vec<EnvEntry> {
        let mut env = Vec::with_capacity(entries.len());
        for (i, text) in entries.iter().enumerate() {
            let pos = list.index(i).pos();
            match EnvEntry::parse(text) {
                Ok(entry) => {
                    self.env_entries
                        .push((pos, entry.clone(), owner.to_owned()));
                    env.push(entry);
                }
                Err(reason) => self.report(
                    Finding::new(pos, format!("`env` of {owner}: {reason}"))
                        .help("write `NAME`, `PREFIX*` or `NAME=value`, as in `env: [CARGO_HOME]`"),
                ),
            }
        }
        env
    }

    /// No `env` entry may hand a command one of flotilla's secrets: repository code would read
    /// it, print it or send it away. Refused rather than skipped, so that a build that needs
    /// the value is told why it does not get it.
    fn refuse_secrets_in_env(&mut self, registries: &Registries, notifications: &[Notification]) {
        let mut secrets: Vec<&str> = FLOTILLA_SECRET_ENV.to_vec();
        secrets.extend(
            registries
                .all
                .values()
                .flatten()
                .flat_map(Registry::credential_env),
        );
        secrets.extend(notifications.iter().map(|n| n.url_env.as_str()));
        let entries = std::mem::take(&mut self.env_entries);
        for (pos, entry, owner) in &entries {
            if let Some(secret) = entry.touches(secrets.iter().copied()) {
                let message = format!(
                    "`env` of {owner}: `{entry}` would hand `{secret}` to repository code, and \
                     it holds a secret of flotilla's"
                );
                let help = "flotilla never passes its tokens, registry credentials or \
                            notification URLs to commands or builders; give the build a \
                            credential of its own under another name";
                self.report(Finding::new(*pos, message).help(help));
            }
        }
    }

    fn environments(&mut self, docs: &[Deferred<EnvironmentDoc>]) -> Vec<Environment> {
        let mut seen = HashMap::new();
        let mut environments = Vec::new();
        let names: Vec<Option<String>> = docs
            .iter()
            .map(|d| {
                self.index[d.id]
                    .get("name")
                    .and_then(Node::as_str)
                    .map(str::to_owned)
            })
            .collect();
        for (deferred, name) in docs.iter().zip(&names) {
            let node = self.at(deferred.id);
            if let Some(name) = name
                && self.check(
                    node.key("name").pos(),
                    format_args!("environment name `{name}`"),
                    checks::name(name),
                )
            {
                self.unique(&mut seen, name, node.key("name").pos(), "environment name");
            }
            if let Some(doc) = self.read(deferred)
                && let Some(environment) = self.environment(doc, node)
            {
                environments.push(environment);
            }
        }
        environments
    }

    fn environment(&mut self, doc: EnvironmentDoc, node: Cursor<'a>) -> Option<Environment> {
        let name = doc.name;
        if doc.channels.is_empty() && !doc.dev_builds {
            let message = format!(
                "environment `{name}` follows no channel and takes no dev builds: nothing would \
                 deploy there"
            );
            let help = "add `channels: [final]` (or `rc`, `hotfix`), or `dev_builds: true`";
            self.report(Finding::new(node.pos(), message).help(help));
        }
        let mut seen = HashMap::new();
        for (i, channel) in doc.channels.iter().enumerate() {
            self.unique(
                &mut seen,
                channel.as_str(),
                node.key("channels").index(i).pos(),
                "channel",
            );
        }
        let deploy = self.deploy(doc.deploy, node.key("deploy"), &name)?;
        Some(Environment {
            name,
            channels: doc.channels,
            dev_builds: doc.dev_builds,
            approval: doc.approval,
            four_eyes: doc.four_eyes,
            require_provenance: doc.require_provenance,
            deploy,
        })
    }

    fn deploy(&mut self, doc: DeployDoc, node: Cursor<'a>, environment: &str) -> Option<Deploy> {
        let kind = doc.kind.as_str();
        let (gitops_only, helm_only) = (
            [
                ("remote", doc.remote.is_some()),
                ("branch", doc.branch.is_some()),
                ("file", doc.file.is_some()),
                ("key", doc.key.is_some()),
            ],
            [
                ("release", doc.release.is_some()),
                ("chart", doc.chart.is_some()),
                ("namespace", doc.namespace.is_some()),
                ("kube_context", doc.kube_context.is_some()),
            ],
        );
        let (foreign, other) = match doc.kind {
            DeployKind::Gitops => (helm_only, "helm"),
            DeployKind::Helm => (gitops_only, "gitops"),
        };
        for (key, _) in foreign.iter().filter(|(_, set)| *set) {
            self.report(Finding::new(
                node.key_pos(key),
                format!("`{key}` applies to {other} deploys, not {kind}"),
            ));
        }
        let mut required = |value: Option<String>, key: &str| {
            if value.is_none() {
                self.report(Finding::new(
                    node.pos(),
                    format!("the {kind} deploy of environment `{environment}` needs `{key}`"),
                ));
            }
            value
        };
        let deploy = match doc.kind {
            DeployKind::Gitops => {
                let remote = required(doc.remote, "remote");
                let file = required(doc.file, "file");
                let branch = doc
                    .branch
                    .unwrap_or_else(|| builtin::DEFAULT_DEPLOY_BRANCH.to_owned());
                let key = doc
                    .key
                    .unwrap_or_else(|| builtin::DEFAULT_DEPLOY_KEY.to_owned());
                if let Some(remote) = &remote {
                    self.check(
                        node.key("remote").pos(),
                        "the deploy remote",
                        checks::no_inline_credentials(remote),
                    );
                }
                self.check(
                    node.key("branch").pos(),
                    format_args!("deploy branch `{branch}`"),
                    checks::ref_name(&branch),
                );
                let file = file.and_then(|file| {
                    let template = self.service_template(&file, node.key("file").pos(), "file")?;
                    self.check(
                        node.key("file").pos(),
                        format_args!("deploy file {file:?}"),
                        checks::relative_path(&file),
                    );
                    Some(template)
                });
                let key = self.service_template(&key, node.key("key").pos(), "key");
                Deploy::Gitops {
                    remote: remote?,
                    branch,
                    file: file?,
                    key: key?,
                }
            }
            DeployKind::Helm => {
                let chart = required(doc.chart, "chart");
                let release = doc
                    .release
                    .unwrap_or_else(|| builtin::DEFAULT_HELM_RELEASE.to_owned());
                let release = self.service_template(&release, node.key("release").pos(), "release");
                let chart = chart.and_then(|chart| {
                    self.service_template(&chart, node.key("chart").pos(), "chart")
                });
                let namespace = doc
                    .namespace
                    .unwrap_or_else(|| builtin::DEFAULT_HELM_NAMESPACE.to_owned());
                Deploy::Helm {
                    release: release?,
                    chart: chart?,
                    namespace,
                    kube_context: doc.kube_context,
                }
            }
        };
        Some(deploy)
    }

    /// Deploy strings may name the repository being deployed as `{service}`, and nothing else.
    fn service_template(&mut self, source: &str, pos: TextPos, key: &str) -> Option<Template> {
        match Template::parse(source, Deploy::PLACEHOLDERS) {
            Ok(template) => Some(template),
            Err(err) => {
                self.report(Finding::new(pos, format!("invalid deploy `{key}`: {err}")));
                None
            }
        }
    }

    fn notifications(&mut self, docs: &[Deferred<NotificationDoc>]) -> Vec<Notification> {
        let mut seen = HashMap::new();
        let mut notifications = Vec::new();
        for deferred in docs {
            let node = self.at(deferred.id);
            let Some(doc) = self.read(deferred) else {
                continue;
            };
            let name_pos = node.key("name").pos();
            if self.check(
                name_pos,
                format_args!("notification name `{}`", doc.name),
                checks::name(&doc.name),
            ) {
                self.unique(&mut seen, &doc.name, name_pos, "notification name");
            }
            self.check(
                node.key("url_env").pos(),
                format_args!("`url_env` of notification `{}`", doc.name),
                checks::env_name(&doc.url_env),
            );
            let on = doc
                .on
                .unwrap_or_else(|| vec![NotifyOn::Success, NotifyOn::Failure, NotifyOn::Unchanged]);
            if on.is_empty() {
                self.report(Finding::new(
                    node.key("on").pos(),
                    format!("notification `{}` is sent on nothing", doc.name),
                ));
            }
            notifications.push(Notification {
                name: doc.name,
                kind: doc.kind,
                url_env: doc.url_env,
                on,
            });
        }
        notifications
    }
}

/// `spaceone/identity` → `spaceone-dev/identity`: master-push builds live beside releases.
fn dev_image_name(name: &str) -> String {
    match name.split_once('/') {
        Some((first, rest)) => format!("{first}-dev/{rest}"),
        None => format!("{name}-dev"),
    }
}

fn overlay(base: Publishes, switches: PublishesDoc) -> Publishes {
    Publishes {
        image: switches.image.unwrap_or(base.image),
        python: switches.python.unwrap_or(base.python),
        npm: switches.npm.unwrap_or(base.npm),
        chart: switches.chart.unwrap_or(base.chart),
    }
}

fn kind_name(kind: RegistryKind) -> &'static str {
    match kind {
        RegistryKind::Image => "image",
        RegistryKind::Pypi => "pypi",
        RegistryKind::Npm => "npm",
        RegistryKind::Chart => "chart",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dev_names_sit_beside_release_names() {
        assert_eq!(dev_image_name("spaceone/identity"), "spaceone-dev/identity");
        assert_eq!(dev_image_name("a/b/c"), "a-dev/b/c");
        assert_eq!(dev_image_name("solo"), "solo-dev");
    }

    #[test]
    fn builtin_templates_are_valid_and_new_categories_come_last() {
        let tree = Tree::parse("repositories: []\n").unwrap();
        let fleet = resolve(&tree).unwrap();
        assert_eq!(fleet.categories.len(), builtin::CATEGORIES.len());
        let last = builtin::CATEGORIES
            .iter()
            .map(|c| c.wave_order)
            .max()
            .unwrap();
        assert!(builtin::NEW_CATEGORY.wave_order > last);
    }
}
