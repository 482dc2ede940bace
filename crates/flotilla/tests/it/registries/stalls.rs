//! Registries that accept connections and never answer: a listener that never replies, and a
//! docker-registry of the test's own frozen with SIGSTOP. The manifest's limits end the
//! publish step, with an error naming the registry and the limit, instead of holding it for
//! the minutes of every attempt; once the registry answers again `resume` finishes the train.

use std::net::{TcpListener, TcpStream};

use super::Named;
use super::clients::{http_json, oci_tags};
use crate::support::{Sandbox, fleet, run_states, states};
use flotilla_testkit::services::own_oci_registry;

/// Tiny limits, so that a stall fails the step at once.
const LIMITS: [&str; 4] = [
    "registry_connect_timeout_secs: 1",
    "registry_read_timeout_secs: 1",
    "registry_request_timeout_secs: 1",
    "registry_timeout_secs: 3",
];

/// A port that accepts connections and never answers on them; the connections stay open
/// until the test process ends.
fn silent_registry() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut held: Vec<TcpStream> = Vec::new();
        while let Ok((stream, _)) = listener.accept() {
            held.push(stream);
        }
    });
    port
}

fn limited_fleet(registries: &str) -> flotilla_testkit::Fleet {
    LIMITS
        .iter()
        .fold(fleet(), |fleet, line| fleet.setting(line))
        .section(registries)
}

/// The error `release status` recorded for the run of `repo`.
fn run_error(fleet: &Sandbox, train: &str, repo: &str) -> String {
    let status = fleet
        .flotilla(&["release", "status", train, "--json"])
        .success()
        .json();
    status["runs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["repo"] == repo)
        .unwrap()["error"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// The repositories of a registry of the test's own.
fn catalog(url: &str) -> Vec<String> {
    http_json(&format!("{url}/v2/_catalog"))
        .and_then(|c| c["repositories"].as_array().cloned())
        .unwrap_or_default()
        .iter()
        .map(|r| r.as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn a_registry_that_never_answers_fails_the_publish_step_naming_the_registry_and_the_limit() {
    let (image_port, pypi_port) = (silent_registry(), silent_registry());
    let n = Named::new();
    let (plugin, library) = (n.repo("plugin"), n.repo("library"));
    let fleet = limited_fleet(&format!(
        "registries:\n  images: {{kind: image, url: http://127.0.0.1:{image_port}, insecure: true}}\n  \
         pypi: {{kind: pypi, url: http://127.0.0.1:{pypi_port}, insecure: true}}\n"
    ))
    .setting(&format!("image_namespace: {}", n.namespace()))
    .repo(&plugin, "plugin")
    .repo(&library, "backend-core")
    .build();

    let args = ["release", "start", "1.0.0", "--json"];
    // A generous outer wait: without limits each attempt would hold the step for minutes.
    let failed = fleet.finish(fleet.spawn(&args), &args).failure();
    let summary = failed.json();
    assert_eq!(
        run_states(&summary),
        states(&[(&plugin, "failed"), (&library, "failed")]),
        "{failed}"
    );
    let train = summary["train"].as_str().unwrap();
    for (repo, port) in [(&plugin, image_port), (&library, pypi_port)] {
        let error = run_error(&fleet, train, repo);
        assert!(
            error.contains(&format!("127.0.0.1:{port}")) && error.contains("publish"),
            "the error names the step and the registry: {error}"
        );
        assert!(
            error.contains("`registry_read_timeout_secs`")
                || error.contains("`registry_timeout_secs`"),
            "the error names the limit that ran out: {error}"
        );
    }
}

#[test]
fn a_frozen_registry_fails_the_step_and_resume_completes_once_it_runs_again() {
    let Some(registry) = own_oci_registry(None) else {
        return;
    };
    let n = Named::new();
    let plugin = n.repo("plugin");
    let url = registry.url("");
    let fleet = limited_fleet(&format!(
        "registries:\n  images: {{kind: image, url: {url}, insecure: true}}\n"
    ))
    .setting(&format!("image_namespace: {}", n.namespace()))
    .repo(&plugin, "plugin")
    .build();

    registry.freeze();
    let args = ["release", "start", "1.0.0", "--json"];
    let failed = fleet.finish(fleet.spawn(&args), &args);
    registry.thaw();
    let summary = failed.failure().json();
    let train = summary["train"].as_str().unwrap().to_owned();
    assert_eq!(
        run_states(&summary),
        states(&[(&plugin, "failed")]),
        "{summary}"
    );
    let error = run_error(&fleet, &train, &plugin);
    assert!(
        error.contains(&registry.address()) && error.contains("registry_"),
        "the error names the registry and the limit: {error}"
    );
    assert!(
        catalog(&url).is_empty(),
        "nothing was published while the registry was frozen"
    );

    let resumed = fleet
        .flotilla(&["release", "resume", &train, "--json"])
        .success();
    assert_eq!(
        run_states(&resumed.json()),
        states(&[(&plugin, "succeeded")]),
        "{resumed}"
    );
    let images = catalog(&url);
    assert_eq!(images.len(), 1, "resume published the image: {images:?}");
    let tags = oci_tags(&url, &images[0]);
    assert!(
        tags.contains(&"1.0.0rc1".to_owned()),
        "resume published the image: {tags:?}"
    );
}

#[test]
fn a_registry_that_stalled_once_is_not_waited_on_again_by_the_same_train() {
    let port = silent_registry();
    let n = Named::new();
    let (first, second) = (n.repo("first"), n.repo("second"));
    // One repository at a time: the second call begins after the first one stalled.
    let fleet = limited_fleet(&format!(
        "registries:\n  images: {{kind: image, url: http://127.0.0.1:{port}, insecure: true}}\n"
    ))
    .section(
        "categories:\n  images:\n    publishes: {image: true, python: false, npm: false, \
         chart: false}\n    max_parallel: 1",
    )
    .setting(&format!("image_namespace: {}", n.namespace()))
    .repo(&first, "images")
    .repo(&second, "images")
    .build();

    let args = ["release", "start", "1.0.0", "--json"];
    let failed = fleet.finish(fleet.spawn(&args), &args).failure();
    let summary = failed.json();
    assert_eq!(
        run_states(&summary),
        states(&[(&first, "failed"), (&second, "failed")]),
        "{failed}"
    );
    let train = summary["train"].as_str().unwrap();
    let errors = [
        run_error(&fleet, train, &first),
        run_error(&fleet, train, &second),
    ];
    let waited = errors.iter().filter(|e| e.contains("failed ")).count();
    let not_sent = errors
        .iter()
        .filter(|e| e.contains("was not sent: the registry answered nothing"))
        .count();
    assert_eq!(
        (waited, not_sent),
        (1, 1),
        "one waited out the limits, the other was not sent: {errors:#?}"
    );
    for error in &errors {
        assert!(error.contains(&format!("127.0.0.1:{port}")), "{error}");
        assert!(error.contains("`registry_"), "names the limit: {error}");
    }
}
