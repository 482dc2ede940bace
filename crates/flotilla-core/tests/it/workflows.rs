//! Workflow rendering: the files of fixture fleets (`tests/fixtures/workflows/<case>/in.yaml`,
//! template overrides beside it), pinned as `<repository>.<file>`; and the drift comparison.

use std::collections::BTreeMap;

use flotilla_core::manifest;
use flotilla_core::workflows::{DriftState, WorkflowDrift, WorkflowRenderer, is_generated};
use flotilla_testkit::fixtures::{self, Output};

#[test]
fn fixtures() {
    let ran = fixtures::run_each("workflows", |case| {
        let fleet = manifest::load("flotilla.yaml", &case.input("in.yaml"))
            .unwrap_or_else(|e| panic!("{}: {e}", case.name()));
        let overrides: BTreeMap<String, String> = fleet
            .workflows
            .templates
            .all_files()
            .into_iter()
            .map(|path| (path.to_owned(), case.input(path)))
            .collect();
        let renderer = WorkflowRenderer::new(&fleet, &overrides);
        let mut outputs = Vec::new();
        for repo in &fleet.repos {
            let first = renderer.render(repo).unwrap_or_else(|e| panic!("{e}"));
            // Deterministic: the same inputs give the same bytes.
            assert_eq!(renderer.render(repo).unwrap(), first);
            for workflow in first {
                assert!(is_generated(&workflow.text), "{}", workflow.path);
                let file = workflow.path.rsplit('/').next().unwrap().to_owned();
                // The default pinned version is this flotilla's: a placeholder in the files.
                let text = workflow
                    .text
                    .replace(env!("CARGO_PKG_VERSION"), "[VERSION]");
                outputs.push(Output::new(&format!("{}.{file}", repo.name), text));
            }
        }
        outputs
    });
    assert!(ran.cases() >= 2, "fixtures missing: {ran:?}");
}

fn seed() -> flotilla_core::fleet::Fleet {
    let path = fixtures::root("workflows").join("seed/in.yaml");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    manifest::load("flotilla.yaml", &text).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn only_repositories_built_on_master_pushes_get_a_dev_workflow() {
    let fleet = seed();
    let none = BTreeMap::new();
    let renderer = WorkflowRenderer::new(&fleet, &none);
    let files = |name: &str| -> Vec<String> {
        renderer
            .render(fleet.repo(name).unwrap())
            .unwrap()
            .into_iter()
            .map(|w| w.path)
            .collect()
    };
    assert_eq!(
        files("identity"),
        [
            ".github/workflows/flotilla-dev.yml",
            ".github/workflows/flotilla-release.yml",
            ".github/workflows/flotilla-pr.yml"
        ]
    );
    assert_eq!(
        files("python-core"),
        [
            ".github/workflows/flotilla-release.yml",
            ".github/workflows/flotilla-pr.yml"
        ]
    );
}

#[test]
fn the_release_workflow_keeps_the_executor_contract_and_names_secrets_only() {
    let fleet = seed();
    let none = BTreeMap::new();
    let renderer = WorkflowRenderer::new(&fleet, &none);
    let release = renderer
        .render(fleet.repo("identity").unwrap())
        .unwrap()
        .into_iter()
        .find(|w| w.path.ends_with("flotilla-release.yml"))
        .unwrap();
    let text = &release.text;
    assert!(
        text.contains("run-name: flotilla ${{ inputs.correlation }}\n"),
        "{text}"
    );
    for input in ["version", "train", "run", "steps", "correlation"] {
        assert!(
            text.contains(&format!("      {input}:\n")),
            "{input}: {text}"
        );
    }
    assert!(text.contains(
        "run: flotilla runner run-steps --repo identity --version \"${{ inputs.version }}\" \
         --steps \"${{ inputs.steps }}\" --train \"${{ inputs.train }}\" --run \"${{ inputs.run }}\"\n"
    ));
    // The registries' credentials by name, for the registries it publishes to only.
    for secret in ["HUB_PASSWORD", "HUB_USER", "PYPI_TOKEN"] {
        assert!(
            text.contains(&format!("{secret}: ${{{{ secrets.{secret} }}}}")),
            "{secret}: {text}"
        );
    }
    assert!(!text.contains("NPM_TOKEN"), "{text}");
}

#[test]
fn drift_is_missing_changed_or_unexpected_and_hand_written_files_are_left_alone() {
    let fleet = seed();
    let rendered = WorkflowRenderer::new(&fleet, &BTreeMap::new())
        .render(fleet.repo("identity").unwrap())
        .unwrap();
    let mut existing: BTreeMap<String, String> = rendered
        .iter()
        .map(|w| (w.path.clone(), w.text.clone()))
        .collect();
    assert!(WorkflowDrift::compare("identity", &rendered, &existing).is_clean());

    existing.remove(".github/workflows/flotilla-pr.yml");
    let release = existing
        .get_mut(".github/workflows/flotilla-release.yml")
        .unwrap();
    *release = release.replace("timeout-minutes: 120", "timeout-minutes: 5");
    existing.insert(
        ".github/workflows/flotilla-old.yml".to_owned(),
        format!(
            "{}\nname: old\n",
            flotilla_core::workflows::GENERATED_MARKER
        ),
    );
    existing.insert(
        ".github/workflows/codeql.yml".to_owned(),
        "name: CodeQL\n".to_owned(),
    );
    let drift = WorkflowDrift::compare("identity", &rendered, &existing);
    let states: Vec<(&str, &str)> = drift
        .files
        .iter()
        .map(|f| (f.path.as_str(), f.state.as_str()))
        .collect();
    assert_eq!(
        states,
        [
            (".github/workflows/flotilla-old.yml", "unexpected"),
            (".github/workflows/flotilla-pr.yml", "missing"),
            (".github/workflows/flotilla-release.yml", "changed"),
        ]
    );
    assert_eq!(drift.unmanaged, [".github/workflows/codeql.yml"]);
    let DriftState::Changed { diff } = &drift.files[2].state else {
        panic!("{drift:?}")
    };
    assert!(
        diff.starts_with("--- a/.github/workflows/flotilla-release.yml\n+++ b/"),
        "{diff}"
    );
    assert!(
        diff.contains("\n-    timeout-minutes: 5\n+    timeout-minutes: 120\n"),
        "{diff}"
    );
}

#[test]
fn a_broken_template_is_refused_with_its_name_and_line() {
    let text = "workflows:\n  templates:\n    repositories:\n      api: {pr: pr.yml.j2}\n\
        repositories:\n  - {name: api, remote: ../api.git, category: backend-core}\n";
    let fleet = manifest::load("flotilla.yaml", text).unwrap();
    let overrides = BTreeMap::from([(
        "pr.yml.j2".to_owned(),
        "name: x\n{% if repo.name %}\non: push\n".to_owned(),
    )]);
    let err = WorkflowRenderer::new(&fleet, &overrides)
        .render(fleet.repo("api").unwrap())
        .unwrap_err();
    let shown = err.to_string();
    assert!(
        shown.starts_with("workflow template pr.yml.j2: line"),
        "{shown}"
    );
    let unknown = BTreeMap::from([("pr.yml.j2".to_owned(), "name: {{ repo.nmae }}\n".to_owned())]);
    let err = WorkflowRenderer::new(&fleet, &unknown)
        .render(fleet.repo("api").unwrap())
        .unwrap_err();
    assert!(err.to_string().contains("line 1"), "{err}");
}

#[test]
fn the_release_workflow_is_written_where_the_executor_dispatches_it() {
    let mut fleet = seed();
    let repo = fleet.repos[0].clone();
    fleet.repos[0].release_workflow = "release-on-runner.yml".to_owned();
    let none = BTreeMap::new();
    let renderer = WorkflowRenderer::new(&fleet, &none);
    let paths: Vec<String> = renderer
        .render(&fleet.repos[0])
        .unwrap()
        .into_iter()
        .map(|w| w.path)
        .collect();
    assert!(
        paths.contains(&".github/workflows/release-on-runner.yml".to_owned()),
        "{}: {paths:?}",
        repo.name
    );
    assert!(!paths.iter().any(|p| p.ends_with("/flotilla-release.yml")));
}
