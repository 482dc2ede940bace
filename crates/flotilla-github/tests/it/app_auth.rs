use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use flotilla_core::Help;
use flotilla_github::{AppKey, GithubAuth, GithubClient, GithubError};
use flotilla_testkit::FakeGithub;

use crate::common::{WORKFLOW, config, dispatch_and_find, inputs, repo};

const APP_ID: u64 = 424_242;
const INSTALLATION: u64 = 5_150;

fn openssl(args: &[&str]) {
    let output = Command::new("openssl")
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("openssl is needed (scripts/install-test-deps.sh): {e}"));
    assert!(
        output.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A fresh 2048-bit RSA key in `dir` as GitHub hands them out (PKCS#1 PEM) or as PKCS#8, and
/// its public half as PKCS#1 DER, both made by openssl.
fn generate_key(dir: &Path, pkcs8: bool) -> (PathBuf, Vec<u8>) {
    let pem = dir.join(if pkcs8 { "key8.pem" } else { "key.pem" });
    let pem_arg = pem.to_str().unwrap();
    if pkcs8 {
        openssl(&[
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:2048",
            "-out",
            pem_arg,
        ]);
    } else {
        openssl(&["genrsa", "-traditional", "-out", pem_arg, "2048"]);
    }
    let der = dir.join(if pkcs8 { "pub8.der" } else { "pub.der" });
    openssl(&[
        "rsa",
        "-in",
        pem_arg,
        "-RSAPublicKey_out",
        "-outform",
        "DER",
        "-out",
        der.to_str().unwrap(),
    ]);
    (pem, std::fs::read(der).unwrap())
}

fn app_client(fake: &FakeGithub, pem: &Path) -> GithubClient {
    let key = AppKey::from_file(pem).unwrap();
    GithubClient::new(config(fake, GithubAuth::app(APP_ID, INSTALLATION, key))).unwrap()
}

#[test]
fn an_app_jwt_buys_an_installation_token_that_is_reused_while_fresh() {
    let dir = tempfile::tempdir().unwrap();
    let (pem, public) = generate_key(dir.path(), false);
    assert!(
        std::fs::read_to_string(&pem)
            .unwrap()
            .contains("BEGIN RSA PRIVATE KEY")
    );
    let fake = FakeGithub::start();
    fake.accept_app(APP_ID, INSTALLATION, public, Duration::from_hours(1));
    let client = app_client(&fake, &pem);
    let run = dispatch_and_find(&client, "as-app");
    client.run(&repo(), run.id).unwrap();
    assert_eq!(fake.calls(FakeGithub::ACCESS_TOKEN), 1);
    assert_eq!(fake.unauthorized(), 0);
    assert!(client.calls() >= 4);
}

#[test]
fn an_installation_token_near_its_expiry_is_replaced_before_use() {
    let dir = tempfile::tempdir().unwrap();
    let (pem, public) = generate_key(dir.path(), true);
    assert!(
        std::fs::read_to_string(&pem)
            .unwrap()
            .contains("BEGIN PRIVATE KEY")
    );
    let fake = FakeGithub::start();
    // Four minutes: inside the five-minute margin from the start, so never reused.
    fake.accept_app(APP_ID, INSTALLATION, public, Duration::from_mins(4));
    let client = app_client(&fake, &pem);
    client
        .dispatch(&repo(), WORKFLOW, "v1", &inputs("first"))
        .unwrap();
    client
        .dispatch(&repo(), WORKFLOW, "v1", &inputs("second"))
        .unwrap();
    assert_eq!(fake.calls(FakeGithub::ACCESS_TOKEN), 2);
    assert_eq!(fake.unauthorized(), 0);
    assert_eq!(fake.dispatches().len(), 2);
}

#[test]
fn a_jwt_signed_with_another_key_is_refused_with_app_help_and_no_secret_shown() {
    let dir = tempfile::tempdir().unwrap();
    let (pem, _) = generate_key(dir.path(), false);
    let (_, other_public) = generate_key(dir.path(), true);
    let fake = FakeGithub::start();
    fake.accept_app(APP_ID, INSTALLATION, other_public, Duration::from_hours(1));
    let key = AppKey::from_file(&pem).unwrap();
    let config = config(&fake, GithubAuth::app(APP_ID, INSTALLATION, key.clone()));
    let client = GithubClient::new(config.clone()).unwrap();
    let error = client.find(&repo(), WORKFLOW, "x").unwrap_err();
    assert!(
        matches!(error, GithubError::Unauthorized { app_jwt: true, .. }),
        "{error:?}"
    );
    assert!(error.help().unwrap().contains("private key"));
    assert_eq!(fake.calls(FakeGithub::LIST_RUNS), 0);

    let pem_text = std::fs::read_to_string(&pem).unwrap();
    let body_line = pem_text.lines().nth(1).unwrap();
    let jwt = key.jwt(APP_ID, 1_700_000_000).unwrap();
    let jwt_signature = jwt.expose().rsplit('.').next().unwrap();
    for shown in [
        format!("{error}"),
        format!("{error:?}"),
        error.with_help(),
        format!("{client:?}"),
        format!("{config:?}"),
        format!("{key:?}"),
        format!("{jwt:?}"),
    ] {
        assert!(!shown.contains(body_line), "the private key in {shown}");
        assert!(!shown.contains(jwt_signature), "the JWT in {shown}");
    }
}

#[test]
fn a_private_key_that_is_not_rsa_is_refused_without_quoting_it() {
    let dir = tempfile::tempdir().unwrap();
    let pem = dir.path().join("ec.pem");
    openssl(&[
        "ecparam",
        "-name",
        "prime256v1",
        "-genkey",
        "-noout",
        "-out",
        pem.to_str().unwrap(),
    ]);
    let error = AppKey::from_file(&pem).unwrap_err();
    assert!(matches!(error, GithubError::PrivateKey { .. }), "{error:?}");
    let body_line = std::fs::read_to_string(&pem)
        .unwrap()
        .lines()
        .nth(1)
        .unwrap()
        .to_owned();
    assert!(!error.to_string().contains(&body_line), "{error}");
    assert!(error.help().unwrap().contains("RSA PRIVATE KEY"));
}
