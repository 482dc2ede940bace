//! The fleet manifest: fixtures of refused manifests with their exact diagnostics, and the
//! defaults a valid one resolves to.
//!
//! Fixtures live in `tests/fixtures/manifest/<case>/in.yaml` with the expected output in
//! `out.txt`; run with `UPDATE_FIXTURES=1` to rewrite the outputs after a deliberate change.

use flotilla_core::fleet::{Deploy, Event, Fleet, NotifyOn, RegistryKind};
use flotilla_core::manifest::{self, ManifestErrors};
use flotilla_core::version::HotfixSemver;
use flotilla_testkit::fixtures::{self, Output};

fn load(text: &str) -> Result<Fleet, ManifestErrors> {
    manifest::load("flotilla.yaml", text)
}

fn fleet(text: &str) -> Fleet {
    load(text).unwrap_or_else(|e| panic!("manifest refused:\n{e}"))
}

fn errors(text: &str) -> String {
    match load(text) {
        Ok(_) => panic!("manifest accepted:\n{text}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn fixtures() {
    let ran = fixtures::run("manifest", |case| {
        let actual = match load(&case.input("in.yaml")) {
            Ok(_) => "ok\n".to_owned(),
            Err(e) => format!("{e}\n"),
        };
        Output::new("out.txt", actual)
    });
    assert!(ran.cases() >= 15, "fixtures missing: {ran:?}");
}

#[test]
fn the_time_zone_is_asked_of_the_callers_database_at_its_position() {
    let text = manifest::STARTER.replacen("timezone: UTC", "timezone: Mars/Olympus", 1);
    let line = text
        .lines()
        .position(|l| l.contains("Mars/Olympus"))
        .unwrap()
        + 1;
    // An in-process fake of the time zone database: the core does no I/O to ask a real one.
    let database = |name: &str| matches!(name, "UTC" | "Asia/Seoul");
    let errors = manifest::load_bytes_with_zones("f.yaml", text.as_bytes(), &database).unwrap_err();
    assert_eq!(errors.diagnostics.len(), 1, "{errors}");
    let found = &errors.diagnostics[0];
    assert_eq!((found.line, found.column), (line as u64, 13), "{errors}");
    assert!(
        found.message.contains("not in the time zone database"),
        "{errors}"
    );
    assert!(found.help.as_deref().unwrap().contains("Asia/Seoul"));
    // Without a database only the spelling is checked, as before.
    manifest::load_bytes("f.yaml", text.as_bytes()).unwrap();
    let seoul = manifest::STARTER.replacen("timezone: UTC", "timezone: Asia/Seoul", 1);
    manifest::load_bytes_with_zones("f.yaml", seoul.as_bytes(), &database).unwrap();
}

#[test]
fn embedded_manifests_load() {
    fleet(manifest::STARTER);
    let spaceone = fleet(manifest::SPACEONE_EXAMPLE);
    let table: [(&str, &[&str]); 6] = [
        (
            "frontend",
            &[
                "console",
                "console-api",
                "console-assets",
                "marketplace-assets",
            ],
        ),
        (
            "backend",
            &[
                "billing",
                "config",
                "cost-analysis",
                "cost-saving",
                "identity",
                "inventory",
                "monitoring",
                "notification",
                "plugin",
                "power-scheduler",
                "secret",
                "spot-automation",
                "statistics",
                "supervisor",
            ],
        ),
        ("backend-core", &["api", "python-core"]),
        (
            "frontend-core",
            &["console-core-lib", "spaceone-design-system"],
        ),
        ("tool", &["spacectl", "spaceone-initializer", "tester"]),
        (
            "plugin",
            &[
                "plugin-aws-ec2-inven-collector",
                "plugin-slack-notification-protocol",
            ],
        ),
    ];
    for (category, names) in table {
        for name in names {
            let repo = spaceone
                .repo(name)
                .unwrap_or_else(|| panic!("{name} missing"));
            assert_eq!(repo.category, category, "{name}");
            assert_eq!(
                repo.remote,
                format!("git@github.com:cloudforet-io/{name}.git")
            );
        }
    }
    let identity = spaceone.repo("identity").unwrap();
    assert_eq!(identity.depends_on, ["python-core", "api"]);
    assert_eq!(identity.python.as_ref().unwrap().name, "spaceone-identity");
    assert_eq!(identity.image.as_ref().unwrap().name, "spaceone/identity");
    assert_eq!(
        identity.image.as_ref().unwrap().dev_name,
        "spaceone-dev/identity"
    );
    let plugin = spaceone.repo("plugin-aws-ec2-inven-collector").unwrap();
    assert_eq!(
        plugin.image.as_ref().unwrap().name,
        "spaceone/aws-ec2-inven-collector"
    );
    assert_eq!(plugin.branch_template.source(), "release-{x}.{y}");
    // The backend service named `plugin` keeps its name: only the plugin category strips it.
    assert_eq!(
        spaceone
            .repo("plugin")
            .unwrap()
            .image
            .as_ref()
            .unwrap()
            .name,
        "spaceone/plugin"
    );
    let design = spaceone.repo("spaceone-design-system").unwrap();
    assert_eq!(design.hotfix_semver, Some(HotfixSemver::PatchBump));
    assert_eq!(design.npm.as_ref().unwrap().name, "@spaceone/design-system");
    assert!(spaceone.repo("tester").unwrap().image.is_none());
    assert!(
        spaceone
            .repo("spaceone-initializer")
            .unwrap()
            .python
            .is_none()
    );
    let envs: Vec<&str> = spaceone
        .environments
        .iter()
        .map(|e| e.name.as_str())
        .collect();
    assert_eq!(envs, ["dev", "stg", "prd"]);
    assert!(
        spaceone
            .environments
            .iter()
            .all(|e| matches!(e.deploy, Deploy::Gitops { .. }))
    );
    assert_eq!(spaceone.notifications[0].url_env, "SLACK_WEBHOOK_URL");
    assert_eq!(spaceone.settings.timezone, "Asia/Seoul");
}

#[test]
fn defaults_resolve_from_the_category() {
    let fleet = fleet(
        "repositories:\n\
         \x20 - {name: identity, remote: ../identity.git, category: backend}\n\
         \x20 - {name: api, remote: ../api.git, category: backend-core}\n\
         \x20 - {name: plugin-aws-ec2, remote: ../p.git, category: plugin}\n",
    );
    assert_eq!(fleet.settings.timezone, "UTC");
    assert_eq!(fleet.settings.git_user_name, "flotilla");
    assert_eq!(fleet.settings.git_user_email, "flotilla@localhost");
    assert_eq!(fleet.settings.gate_timeout_secs, 600);
    let registries: Vec<(&str, RegistryKind, &str)> = fleet
        .registries
        .values()
        .map(|r| (r.name.as_str(), r.kind, r.url.as_str()))
        .collect();
    assert_eq!(
        registries,
        [
            (
                "local-charts",
                RegistryKind::Chart,
                ".flotilla/artifacts/charts"
            ),
            (
                "local-images",
                RegistryKind::Image,
                ".flotilla/artifacts/oci"
            ),
            ("local-npm", RegistryKind::Npm, ".flotilla/artifacts/npm"),
            ("local-pypi", RegistryKind::Pypi, ".flotilla/artifacts/pypi"),
        ]
    );
    let identity = fleet.repo("identity").unwrap();
    assert_eq!(identity.default_branch, "master");
    assert_eq!(identity.version_file, "VERSION");
    assert_eq!(identity.tag_template.source(), "v{canonical}");
    assert_eq!(identity.version_file_template.source(), "v{canonical}");
    assert_eq!(identity.branch_template.source(), "release-{x}.{y}.{z}");
    assert_eq!(
        identity.events,
        [
            Event::Push,
            Event::ReleaseBranch,
            Event::Tag,
            Event::Reflect
        ]
    );
    assert_eq!(identity.strip_paths, [".github"]);
    assert_eq!(
        (
            identity.wave_order,
            identity.max_parallel,
            identity.dev_versions
        ),
        (3, 4, false)
    );
    let image = identity.image.as_ref().unwrap();
    assert_eq!(
        (
            image.registry.as_str(),
            image.name.as_str(),
            image.dev_name.as_str(),
            image.context.as_str()
        ),
        ("local-images", "fleet/identity", "fleet-dev/identity", ".")
    );
    let python = identity.python.as_ref().unwrap();
    assert_eq!(
        (python.name.as_str(), python.source.as_str()),
        ("identity", "src")
    );
    assert_eq!(identity.chart.as_ref().unwrap().path, "deploy/helm");
    assert!(identity.npm.is_none());

    let api = fleet.repo("api").unwrap();
    assert_eq!(
        api.events,
        [Event::ReleaseBranch, Event::Tag, Event::Reflect]
    );
    assert!(api.dev_versions && api.image.is_none() && api.chart.is_none());
    assert_eq!(api.python.as_ref().unwrap().registry, "local-pypi");

    let plugin = fleet.repo("plugin-aws-ec2").unwrap();
    assert_eq!(plugin.image.as_ref().unwrap().name, "fleet/aws-ec2");
    assert_eq!(plugin.branch_template.source(), "release-{x}.{y}");
    assert!(plugin.python.is_none() && plugin.chart.is_none());

    let orders: Vec<(&str, u32)> = fleet
        .categories
        .values()
        .map(|c| (c.name.as_str(), c.wave_order))
        .collect();
    assert_eq!(
        orders,
        [
            ("backend", 3),
            ("backend-core", 0),
            ("frontend", 2),
            ("frontend-core", 1),
            ("plugin", 4),
            ("tool", 5)
        ]
    );
}

#[test]
fn a_category_override_keeps_the_other_defaults() {
    let fleet = fleet(
        "categories:\n  backend: {max_parallel: 8}\n  docs: {publishes: {image: true}, wave_order: 9}\n\
         repositories:\n\
         \x20 - {name: identity, remote: ../identity.git, category: backend}\n\
         \x20 - {name: handbook, remote: ../handbook.git, category: docs}\n",
    );
    let backend = &fleet.categories["backend"];
    assert_eq!(backend.max_parallel, 8);
    assert_eq!(backend.wave_order, 3);
    assert!(backend.publishes.python && backend.publishes.image && backend.publishes.chart);
    assert_eq!(backend.events.len(), 4);
    assert_eq!(backend.strip_paths, [".github"]);
    assert_eq!(fleet.repo("identity").unwrap().max_parallel, 8);
    let handbook = fleet.repo("handbook").unwrap();
    assert_eq!((handbook.wave_order, handbook.max_parallel), (9, 2));
    assert!(handbook.image.is_some() && handbook.python.is_none());
}

#[test]
fn repositories_switch_artifacts_and_pick_registries() {
    let fleet = fleet(
        "registries:\n\
         \x20 hub: {kind: image, url: 'https://hub.example.com', token_env: HUB_TOKEN}\n\
         \x20 quay: {kind: image, url: 'https://quay.example.com'}\n\
         \x20 pypi: {kind: pypi, url: 'https://pypi.example.com'}\n\
         \x20 charts: {kind: chart, url: 'http://127.0.0.1:8080', insecure: true}\n\
         repositories:\n\
         \x20 - name: identity\n    remote: ../identity.git\n    category: backend\n\
         \x20   image: {registry: hub, mirrors: [quay], name: spaceone/identity}\n\
         \x20   publishes: {chart: false}\n\
         \x20 - name: spacectl\n    remote: ../spacectl.git\n    category: tool\n\
         \x20   publishes: {image: false}\n    chart: {path: helm}\n",
    );
    let identity = fleet.repo("identity").unwrap();
    let image = identity.image.as_ref().unwrap();
    assert_eq!(
        (image.registry.as_str(), image.mirrors.as_slice()),
        ("hub", &["quay".to_owned()][..])
    );
    assert_eq!(image.dev_name, "spaceone-dev/identity");
    assert_eq!(identity.python.as_ref().unwrap().registry, "pypi");
    assert!(identity.chart.is_none());
    let spacectl = fleet.repo("spacectl").unwrap();
    assert!(spacectl.image.is_none());
    assert_eq!(spacectl.chart.as_ref().unwrap().registry, "charts");
    assert_eq!(spacectl.chart.as_ref().unwrap().path, "helm");
    assert_eq!(
        fleet.registries["hub"].token_env.as_deref(),
        Some("HUB_TOKEN")
    );
    assert_eq!(
        fleet.registries.len(),
        4,
        "declared registries replace the local ones"
    );
}

#[test]
fn commands_and_environments_get_their_defaults() {
    let fleet = fleet(
        "repositories:\n\
         \x20 - name: api\n    remote: ../api.git\n    category: backend-core\n\
         \x20   commands: [{name: test, argv: [make, test]}]\n\
         environments:\n\
         \x20 - {name: dev, dev_builds: true, deploy: {kind: gitops, remote: ../deploy.git, file: dev.yaml}}\n\
         \x20 - {name: prd, channels: [final], deploy: {kind: helm, chart: ./chart}}\n\
         notifications:\n\
         \x20 - {name: team, kind: webhook, url_env: HOOK_URL}\n",
    );
    let command = &fleet.repo("api").unwrap().commands[0];
    assert_eq!(
        command.on,
        [Event::ReleaseBranch, Event::Tag, Event::Reflect]
    );
    assert_eq!(command.timeout_secs, 600);
    let Deploy::Gitops { branch, key, .. } = &fleet.environments[0].deploy else {
        panic!("{:?}", fleet.environments[0].deploy);
    };
    assert_eq!(
        (branch.as_str(), key.source()),
        ("master", "{service}.image.version")
    );
    let Deploy::Helm {
        release, namespace, ..
    } = &fleet.environments[1].deploy
    else {
        panic!("{:?}", fleet.environments[1].deploy);
    };
    assert_eq!(
        (release.source(), namespace.as_str()),
        ("{service}", "default")
    );
    assert_eq!(
        fleet.notifications[0].on,
        [NotifyOn::Success, NotifyOn::Failure, NotifyOn::Unchanged]
    );
}

#[test]
fn diagnostics_are_positioned_sorted_and_keep_secrets_out() {
    let err = load(
        "repositories:\n  - name: a\n    remote: ../a.git\n    category: nope\n  - {name: B, remote: ../b.git, category: tool}\n",
    )
    .unwrap_err();
    let positions: Vec<(u64, u64)> = err.diagnostics.iter().map(|d| (d.line, d.column)).collect();
    assert_eq!(positions, [(4, 15), (5, 12)]);
    assert!(err.diagnostics.iter().all(|d| d.file == "flotilla.yaml"));
    let secret = "hunter2-very-secret";
    let text = errors(&format!(
        "registries:\n  hub: {{kind: image, url: 'https://u:{secret}@h.example.com', password_env: '{secret}', username_env: U}}\nrepositories: []\n"
    ));
    assert!(!text.contains(secret), "{text}");
    assert!(
        text.contains("name the environment variable, not the secret"),
        "{text}"
    );
}

#[test]
fn json_schema_describes_the_yaml() {
    let schema = manifest::json_schema();
    assert_eq!(schema["additionalProperties"], false);
    assert!(
        schema["required"]
            .as_array()
            .unwrap()
            .contains(&"repositories".into())
    );
    let repository = &schema["$defs"]["repository"];
    assert_eq!(repository["additionalProperties"], false);
    for key in [
        "name",
        "remote",
        "category",
        "depends_on",
        "hotfix_semver",
        "publishes",
        "commands",
    ] {
        assert!(repository["properties"].get(key).is_some(), "{key} missing");
    }
    assert!(repository["patternProperties"].get("^x-").is_some());
    let text = schema.to_string();
    assert!(
        text.contains("release-branch") && text.contains("patch-bump"),
        "enums inlined"
    );
}
