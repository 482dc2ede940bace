//! Leases: two operations on one repository run one after the other, whichever engine (as two
//! processes would) runs them.

use std::path::{Path, PathBuf};

use flotilla_engine::Progress;
use flotilla_store::{RunStatus, TrainStatus};
use flotilla_testkit::{Fleet, Sandbox, wait};

use crate::recorder::Recorder;
use crate::support::{engine, push, release_start, run};

/// Repository `a` whose tag build announces it started (the file `started`) and then holds
/// until the file `release` exists, both in the scratch directory.
struct HeldBuild {
    sandbox: Sandbox,
    started: PathBuf,
    release: PathBuf,
    _scratch: tempfile::TempDir,
}

fn held_build(gate_timeout_secs: u64) -> HeldBuild {
    let scratch = tempfile::tempdir().unwrap();
    let (started, release) = (
        scratch.path().join("started"),
        scratch.path().join("release"),
    );
    let script = format!(
        "#!/bin/sh\ntouch '{}'\nwhile [ ! -f '{}' ]; do sleep 0.05; done\n",
        started.display(),
        release.display()
    );
    let sandbox = Fleet::new()
        .setting(&format!("gate_timeout_secs: {gate_timeout_secs}"))
        .category("svc")
        .repo("a", "svc")
        .file("scripts/build.sh", &script)
        .command("build", &["sh", "scripts/build.sh"], &["tag"])
        .build();
    HeldBuild {
        sandbox,
        started,
        release,
        _scratch: scratch,
    }
}

async fn wait_for_file(path: &Path) {
    wait::until_async(&format!("{} to appear", path.display()), || async {
        path.exists().then_some(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_operation_on_a_repository_waits_for_the_first_to_release_it() {
    let HeldBuild {
        sandbox,
        started,
        release,
        _scratch,
    } = held_build(120);
    let recorder = Recorder::default();
    let first = engine(&sandbox, recorder.sink("first")).await;
    let second = engine(&sandbox, recorder.sink("second")).await;

    let train = tokio::spawn(async move { first.start(&release_start("1.0.0")).await });
    wait_for_file(&started).await;
    let pushed = tokio::spawn(async move { second.start(&push("a")).await });
    let waiting = || recorder.position("second", |e| matches!(e, Progress::WaveStarted { .. }));
    wait::until_async("the push to reach its wave", || async { waiting() }).await;
    std::fs::write(&release, "").unwrap();
    let train = train.await.unwrap().unwrap();
    let pushed = pushed.await.unwrap().unwrap();

    assert_eq!(train.status, TrainStatus::Succeeded, "{train:#?}");
    assert_eq!(pushed.status, TrainStatus::Succeeded, "{pushed:#?}");
    let first_done = recorder.expect(
        "first",
        "end of a's run",
        |e| matches!(e, Progress::RunFinished { repo, .. } if repo == "a"),
    );
    let second_starts = recorder.expect(
        "second",
        "start of a's run",
        |e| matches!(e, Progress::RunStarted { repo, .. } if repo == "a"),
    );
    assert!(
        first_done < second_starts,
        "the push ran only after the release had finished with a: {:#?}",
        recorder.events()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_operation_gives_up_on_a_busy_repository_after_the_gate_timeout() {
    let HeldBuild {
        sandbox,
        started,
        release,
        _scratch,
    } = held_build(1);
    let first = engine(&sandbox, flotilla_engine::progress::silent()).await;
    let second = engine(&sandbox, flotilla_engine::progress::silent()).await;

    let train = tokio::spawn(async move { first.start(&release_start("1.0.0")).await });
    wait_for_file(&started).await;
    let pushed = second.start(&push("a")).await.unwrap();
    std::fs::write(&release, "").unwrap();
    let train = train.await.unwrap().unwrap();

    assert_eq!(train.status, TrainStatus::Succeeded, "{train:#?}");
    let a = run(&pushed, "a");
    assert_eq!(a.status, RunStatus::Failed, "{pushed:#?}");
    let error = a.error.as_deref().unwrap_or_default();
    assert!(
        error.contains("a is busy") && error.contains(&train.train),
        "the error names the holder: {error}"
    );
    assert_eq!(
        error.matches("help:").count(),
        1,
        "what to do, once: {error}"
    );
}
