use flotilla_core::Help;
use flotilla_github::{GithubAuth, GithubClient, GithubError, Secret};
use flotilla_testkit::FakeGithub;

use crate::common::{TOKEN, WORKFLOW, config, inputs, repo, token_fake};

#[test]
fn a_refused_token_is_unauthorized_with_help_and_without_the_token() {
    let fake = FakeGithub::start();
    fake.require_token(TOKEN);
    let wrong = "ghp_WRONG_SECRET_fedcba9876543210";
    let config = config(&fake, GithubAuth::Token(Secret::new(wrong)));
    let client = GithubClient::new(config.clone()).unwrap();
    let error = client
        .dispatch(&repo(), WORKFLOW, "v1", &inputs("x"))
        .unwrap_err();
    assert!(
        matches!(error, GithubError::Unauthorized { app_jwt: false, .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("401"), "{error}");
    assert!(error.help().unwrap().contains("token is invalid"));
    assert_eq!(fake.unauthorized(), 1, "a 401 is not retried");
    for shown in [
        format!("{error}"),
        format!("{error:?}"),
        error.with_help(),
        format!("{client:?}"),
        format!("{config:?}"),
    ] {
        assert!(!shown.contains("WRONG_SECRET"), "{shown}");
    }
}

#[test]
fn a_workflow_missing_from_the_default_branch_is_not_found_with_help() {
    let (fake, client) = token_fake();
    fake.hide_workflow("missing.yml");
    let error = client
        .dispatch(&repo(), "missing.yml", "v1", &inputs("x"))
        .unwrap_err();
    assert!(matches!(error, GithubError::NotFound { .. }), "{error:?}");
    assert!(
        error
            .to_string()
            .contains("actions/workflows/missing.yml/dispatches"),
        "{error}"
    );
    let help = error.help().unwrap();
    assert!(help.contains("cannot see owner/repo"), "{help}");
    assert!(help.contains("not on the default"), "{help}");
}

#[test]
fn a_missing_token_variable_names_the_variable() {
    let error = GithubAuth::token_from_env("FLOTILLA_TEST_SURELY_UNSET_TOKEN").unwrap_err();
    assert!(matches!(error, GithubError::MissingToken { .. }));
    assert!(
        error
            .to_string()
            .contains("FLOTILLA_TEST_SURELY_UNSET_TOKEN")
    );
}
