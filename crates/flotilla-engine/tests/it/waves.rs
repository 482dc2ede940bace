//! A train's waves and gates: a dependent runs in a later wave, and only once its dependency's
//! package is visible in the (local, on-disk) registry the dependency published to.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use flotilla_engine::Progress;
use flotilla_store::{RunStatus, TrainStatus};
use flotilla_testkit::{Fleet, Sandbox};

use crate::recorder::Recorder;
use crate::support::{engine, release_start, run};

/// `core`, a Python library, and `identity`, a service that depends on it.
fn library_and_service(gate_timeout_secs: u64) -> Sandbox {
    Fleet::new()
        .setting(&format!("gate_timeout_secs: {gate_timeout_secs}"))
        .repo("core", "backend-core")
        .repo("identity", "backend")
        .depends_on(&["core"])
        .build()
}

/// The local Python index of the fleet, as the manifest's built-in `local-pypi` names it.
fn pypi_dir(sandbox: &Sandbox) -> PathBuf {
    sandbox.artifacts().join("pypi")
}

/// Whether the directory holds a distribution of `core` at `version`.
fn holds_core(pypi: &Path, version: &str) -> bool {
    walk(pypi).iter().any(|p| {
        let name = p.file_name().unwrap().to_string_lossy();
        name.starts_with("core-") && name.contains(version)
    })
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

fn is_gate_of_wave(event: &Progress, index: usize) -> bool {
    matches!(event, Progress::GateWaiting { wave, .. } if *wave == index)
}

fn run_started(event: &Progress, name: &str) -> bool {
    matches!(event, Progress::RunStarted { repo, .. } if repo == name)
}

fn run_finished(event: &Progress, name: &str) -> bool {
    matches!(event, Progress::RunFinished { repo, .. } if repo == name)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dependent_runs_in_the_next_wave_once_its_dependencys_package_is_in_the_registry() {
    let sandbox = library_and_service(20);
    let pypi = pypi_dir(&sandbox);
    let recorder = Recorder::default();
    let seen_at_gate = Arc::new(Mutex::new(None));
    let seen = Arc::clone(&seen_at_gate);
    let watched = pypi.clone();
    let sink = recorder.sink_with("engine", move |event| {
        if is_gate_of_wave(event, 1) {
            *seen.lock().unwrap() = Some(holds_core(&watched, "1.0.0rc1"));
        }
    });
    let engine = engine(&sandbox, sink).await;

    let summary = engine.start(&release_start("1.0.0")).await.unwrap();

    assert_eq!(summary.status, TrainStatus::Succeeded, "{summary:#?}");
    assert_eq!(
        (run(&summary, "core").wave, run(&summary, "identity").wave),
        (0, 1)
    );
    let core_done = recorder.expect("engine", "end of core's run", |e| run_finished(e, "core"));
    let gate = recorder.expect("engine", "gate before wave 2", |e| is_gate_of_wave(e, 1));
    let identity_starts = recorder.expect("engine", "start of identity's run", |e| {
        run_started(e, "identity")
    });
    assert!(
        core_done < gate && gate < identity_starts,
        "core finishes, the gate waits, identity starts: {:#?}",
        recorder.events()
    );
    let Progress::GateWaiting { artifacts, .. } = &recorder.events()[gate].1 else {
        unreachable!()
    };
    assert!(
        artifacts.iter().any(|a| a.contains("core==1.0.0rc1")),
        "the gate waits for core's package: {artifacts:?}"
    );
    assert_eq!(
        *seen_at_gate.lock().unwrap(),
        Some(true),
        "core's package was in {} when the gate was reached",
        pypi.display()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_gate_whose_package_never_shows_fails_the_dependent_and_resume_passes_it_once_it_does() {
    let sandbox = library_and_service(1);
    let pypi = pypi_dir(&sandbox);
    let hidden = sandbox.outside("pypi-hidden");
    let (from, to) = (pypi.clone(), hidden.clone());
    // The package leaves the registry as soon as core's run ends: the gate cannot see it.
    let sink = Recorder::default().sink_with("engine", move |event| {
        if run_finished(event, "core") {
            std::fs::rename(&from, &to).unwrap();
        }
    });
    let engine = engine(&sandbox, sink).await;

    let failed = engine.start(&release_start("1.0.0")).await.unwrap();

    assert_eq!(
        run(&failed, "core").status,
        RunStatus::Succeeded,
        "{failed:#?}"
    );
    let identity = run(&failed, "identity");
    assert_eq!(identity.status, RunStatus::Failed, "{failed:#?}");
    let error = identity.error.as_deref().unwrap_or_default();
    assert!(
        error.contains("gate") && error.contains("core==1.0.0rc1"),
        "the error names the missing package: {error}"
    );
    assert!(sandbox.tags("identity").is_empty(), "identity did nothing");

    std::fs::rename(&hidden, &pypi).unwrap();
    let resumed = engine.resume(&failed.train).await.unwrap();

    assert_eq!(resumed.status, TrainStatus::Succeeded, "{resumed:#?}");
    assert_eq!(run(&resumed, "identity").status, RunStatus::Succeeded);
    assert_eq!(sandbox.tags("identity"), ["v1.0.0rc1"]);
}
