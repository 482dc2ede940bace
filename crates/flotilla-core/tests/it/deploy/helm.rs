//! No Kubernetes API server or helm binary runs on the machines these tests run on: these test
//! the command line flotilla builds and how it reads helm's exit, from helm's documented
//! behaviour and the error texts helm 3 and helm 4 print. A real-cluster test belongs to the
//! engine, behind an environment variable naming the cluster.

use flotilla_core::deploy::{HelmOutcome, classify_helm_exit, helm_upgrade_argv};

#[test]
fn helm_argv_without_a_cluster() {
    assert_eq!(
        helm_upgrade_argv(
            "identity",
            "oci://charts.example.com/spaceone/identity",
            "spaceone",
            Some("arn:aws:eks:ap-northeast-2:1:cluster/prd"),
            "1.12.0rc1",
        )
        .unwrap(),
        [
            "helm",
            "upgrade",
            "--install",
            "identity",
            "oci://charts.example.com/spaceone/identity",
            "--namespace",
            "spaceone",
            "--kube-context",
            "arn:aws:eks:ap-northeast-2:1:cluster/prd",
            "--set",
            "image.version=1.12.0rc1",
            "--wait",
            "--atomic",
        ]
    );
    assert_eq!(
        helm_upgrade_argv(
            "web.v2",
            "./deploy/helm",
            "dev",
            None,
            "0.9.0.20261126.071233"
        )
        .unwrap()
        .join(" "),
        "helm upgrade --install web.v2 ./deploy/helm --namespace dev --set \
         image.version=0.9.0.20261126.071233 --wait --atomic"
    );
}

#[test]
fn helm_argv_refuses_what_helm_would_misread() {
    let refused = |release, chart, namespace, context, tag| {
        helm_upgrade_argv(release, chart, namespace, context, tag)
            .unwrap_err()
            .to_string()
    };
    let cases = [
        (
            refused("identity", "c", "ns", None, "1.0.0,replicas=9"),
            "the image tag \"1.0.0,replicas=9\" contains `,` or `=`",
        ),
        (
            refused("identity", "c", "ns", None, "a=b"),
            "the image tag \"a=b\" contains `,` or `=`",
        ),
        (
            refused("identity", "c", "ns", None, "-1.0.0"),
            "the image tag \"-1.0.0\" starts with `-`",
        ),
        (
            refused("identity", "c", "ns", None, ".hidden"),
            "is not an image tag",
        ),
        (
            refused("identity", "c", "ns", None, ""),
            "is not an image tag",
        ),
        (
            refused("identity", "c", "ns", None, "a{b}"),
            "is not an image tag",
        ),
        (
            refused("--dry-run", "c", "ns", None, "1.0.0"),
            "the release name \"--dry-run\" starts with `-`",
        ),
        (
            refused("a,b=c", "c", "ns", None, "1.0.0"),
            "is not a release name",
        ),
        (
            refused("Identity", "c", "ns", None, "1.0.0"),
            "is not a release name",
        ),
        (
            refused(&"a".repeat(54), "c", "ns", None, "1.0.0"),
            "is not a release name",
        ),
        (
            refused("", "c", "ns", None, "1.0.0"),
            "release name \"\" is empty",
        ),
        (
            refused("identity", "-c", "ns", None, "1.0.0"),
            "the chart \"-c\" starts with `-`",
        ),
        (
            refused("identity", "", "ns", None, "1.0.0"),
            "chart \"\" is empty",
        ),
        (
            refused("identity", "c", "-n", None, "1.0.0"),
            "the namespace \"-n\" starts with `-`",
        ),
        (
            refused("identity", "c", "a.b", None, "1.0.0"),
            "is not a namespace name",
        ),
        (
            refused("identity", "c", "ns", Some("--insecure"), "1.0.0"),
            "the kube context \"--insecure\" starts with `-`",
        ),
        (
            refused("identity", "c", "ns", Some("a\nb"), "1.0.0"),
            "contains a control character",
        ),
    ];
    for (message, expected) in cases {
        assert!(message.starts_with("refusing to run helm: "), "{message}");
        assert!(message.contains(expected), "{message} lacks {expected}");
    }
    assert!(helm_upgrade_argv(&"a".repeat(53), "c", "ns", None, &"t".repeat(128)).is_ok());
    assert!(helm_upgrade_argv("a", "c", "ns", None, &"t".repeat(129)).is_err());
}

#[test]
fn helm_exit_codes_without_a_cluster() {
    let rolled_back = |uninstalled: bool, cause: &str| HelmOutcome::RolledBack {
        uninstalled,
        cause: cause.to_owned(),
    };
    let cases = [
        (
            Some(0),
            "Release \"identity\" has been upgraded. Happy Helming!\n",
            HelmOutcome::Success,
        ),
        (
            // Helm 4 warns about the deprecated flag and still succeeds.
            Some(0),
            "Flag --atomic has been deprecated, use --rollback-on-failure instead\n",
            HelmOutcome::Success,
        ),
        (
            Some(1),
            "Error: UPGRADE FAILED: release identity failed, and has been rolled back due to \
             atomic being set: context deadline exceeded\n",
            rolled_back(false, "context deadline exceeded"),
        ),
        (
            Some(1),
            "Flag --atomic has been deprecated, use --rollback-on-failure instead\nError: \
             UPGRADE FAILED: release hello failed, and has been rolled back due to \
             rollback-on-failure being set: resource Deployment/demo/hello not ready. status: \
             InProgress, message: Updated: 2/3\ncontext deadline exceeded\n",
            rolled_back(
                false,
                "resource Deployment/demo/hello not ready. status: InProgress, message: Updated: \
                 2/3\ncontext deadline exceeded",
            ),
        ),
        (
            Some(1),
            "Release \"web\" does not exist. Installing it now.\nError: release web failed, and \
             has been uninstalled due to atomic being set: timed out waiting for the condition\n",
            rolled_back(true, "timed out waiting for the condition"),
        ),
        (
            Some(1),
            "Error: UPGRADE FAILED: an error occurred while rolling back the release. original \
             upgrade error: context deadline exceeded: timed out waiting for the condition\n",
            HelmOutcome::Failed {
                detail: "Error: UPGRADE FAILED: an error occurred while rolling back the \
                         release. original upgrade error: context deadline exceeded: timed out \
                         waiting for the condition"
                    .to_owned(),
            },
        ),
        (
            Some(1),
            "Error: UPGRADE FAILED: context deadline exceeded\n",
            HelmOutcome::TimedOut {
                detail: "Error: UPGRADE FAILED: context deadline exceeded".to_owned(),
            },
        ),
        (
            Some(1),
            "Error: Kubernetes cluster unreachable: Get \"https://10.0.0.1:6443/version\": dial \
             tcp 10.0.0.1:6443: i/o timeout (Client.Timeout exceeded; context deadline exceeded)\n",
            HelmOutcome::ClusterUnreachable {
                detail: "Error: Kubernetes cluster unreachable: Get \
                         \"https://10.0.0.1:6443/version\": dial tcp 10.0.0.1:6443: i/o timeout \
                         (Client.Timeout exceeded; context deadline exceeded)"
                    .to_owned(),
            },
        ),
        (
            Some(1),
            "walk.go:75: found symbolic link\nError: UPGRADE FAILED: another operation \
             (install/upgrade/rollback) is in progress\n",
            HelmOutcome::Failed {
                detail: "Error: UPGRADE FAILED: another operation (install/upgrade/rollback) is \
                         in progress"
                    .to_owned(),
            },
        ),
        (
            Some(1),
            "",
            HelmOutcome::Failed {
                detail: "helm exited with status 1 and printed no error".to_owned(),
            },
        ),
        (
            Some(127),
            "sh: helm: not found\n",
            HelmOutcome::Failed {
                detail: "sh: helm: not found".to_owned(),
            },
        ),
    ];
    for (code, stderr, expected) in cases {
        assert_eq!(classify_helm_exit(code, stderr), expected, "{stderr}");
    }
    let HelmOutcome::Failed { detail } = classify_helm_exit(None, "") else {
        panic!("a signal is a failure");
    };
    assert!(detail.contains("killed by a signal"), "{detail}");
    assert!(detail.contains("helm status"), "{detail}");
    let HelmOutcome::Failed { detail } = classify_helm_exit(Some(1), &"x".repeat(10_000)) else {
        panic!("unknown output is a failure");
    };
    assert_eq!(
        detail.chars().count(),
        2001,
        "long output is cut with an ellipsis"
    );
    assert_eq!(
        serde_json::to_value(classify_helm_exit(Some(0), "")).unwrap(),
        serde_json::json!({"outcome": "success"})
    );
}
