//! The conventions of the command-line ecosystem: NO_COLOR and --color, JSON errors, JSON logs,
//! global options in any position, shell completions and man pages.

use std::path::Path;
use std::process::{Command, Stdio};

use flotilla_testkit::free_port;
use serde_json::Value;

use crate::serve::harness::{HOOK_SECRET, set_secrets};
use crate::support::{Sandbox, fleet};

fn small_fleet() -> Sandbox {
    fleet()
        .category("svc")
        .repo("core", "backend-core")
        .repo("identity", "backend")
        .depends_on(&["core"])
        .build()
}

/// `command` run under a pseudo-terminal (python's `pty.spawn`, argv only), with what it wrote
/// to the terminal.
fn under_pty(command: &Command) -> String {
    let mut pty = Command::new("python3");
    pty.args(["-c", "import pty, sys; pty.spawn(sys.argv[1:])"])
        .arg(command.get_program())
        .args(command.get_args())
        .stdin(Stdio::null());
    if let Some(dir) = command.get_current_dir() {
        pty.current_dir(dir);
    }
    for (name, value) in command.get_envs() {
        match value {
            Some(value) => pty.env(name, value),
            None => pty.env_remove(name),
        };
    }
    let output = pty.output().unwrap();
    String::from_utf8_lossy(&output.stdout).into_owned()
}

const ESC: char = '\u{1b}';

#[test]
fn escapes_follow_no_color_term_and_the_color_option() {
    let sandbox = small_fleet();
    let help = |args: &[&str], env: &[(&str, Option<&str>)]| {
        let mut command = sandbox.command(args);
        for (name, value) in env {
            match value {
                Some(value) => command.env(name, value),
                None => command.env_remove(name),
            };
        }
        command
    };
    let colorful = [("NO_COLOR", None), ("TERM", Some("xterm-256color"))];

    let terminal = under_pty(&help(&["--help"], &colorful));
    assert!(terminal.contains("Usage:"), "{terminal}");
    assert!(
        terminal.contains(ESC),
        "a terminal gets escapes:\n{terminal}"
    );

    for (what, args, env) in [
        (
            "NO_COLOR=1",
            &["--help"][..],
            [("NO_COLOR", Some("1")), ("TERM", Some("xterm-256color"))],
        ),
        (
            "TERM=dumb",
            &["--help"][..],
            [("NO_COLOR", None), ("TERM", Some("dumb"))],
        ),
        (
            "--color never",
            &["--color", "never", "--help"][..],
            colorful,
        ),
    ] {
        let text = under_pty(&help(args, &env));
        assert!(text.contains("Usage:"), "{what}: {text}");
        assert!(!text.contains(ESC), "{what} leaves no escape:\n{text}");
    }

    let piped = help(&["--help"], &colorful).output().unwrap();
    assert!(!String::from_utf8_lossy(&piped.stdout).contains(ESC));
    let forced = help(&["--color", "always", "--help"], &[("NO_COLOR", Some("1"))])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&forced.stdout).contains(ESC),
        "--color always overrides NO_COLOR and a pipe"
    );
    let usage = help(&["--color=always", "no-such-command"], &[])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&usage.stderr).contains(ESC));
}

/// The one JSON error object on stdout, with the exit code.
fn json_error(sandbox: &Sandbox, args: &[&str]) -> (i32, Value) {
    let out = sandbox.flotilla(args);
    let value: Value = serde_json::from_str(&out.stdout)
        .unwrap_or_else(|err| panic!("stdout is not one JSON value ({err}):\n{out}"));
    let error = &value["error"];
    for key in ["kind", "message", "help", "location"] {
        assert!(error.get(key).is_some(), "no {key}: {value}");
    }
    assert!(error["message"].as_str().is_some_and(|m| !m.is_empty()));
    (out.code.unwrap(), value)
}

#[test]
fn with_json_errors_are_json_objects_on_stdout_with_the_same_exit_codes() {
    let sandbox = small_fleet();

    let (code, value) = json_error(&sandbox, &["--json", "version", "render", "1.x"]);
    assert_eq!(code, 2);
    assert_eq!(value["error"]["location"], Value::Null);
    assert!(value["error"]["message"].as_str().unwrap().contains("1.x"));

    let (code, value) = json_error(&sandbox, &["release", "status", "nosuchtrain", "--json"]);
    assert_eq!(
        code,
        sandbox
            .flotilla(&["release", "status", "nosuchtrain"])
            .code
            .unwrap()
    );
    assert_ne!(code, 0);
    assert!(
        value["error"]["message"]
            .as_str()
            .unwrap()
            .contains("nosuchtrain"),
        "{value}"
    );

    let (code, value) = json_error(&sandbox, &["--json", "no-such-command"]);
    assert_eq!(code, 2);
    assert_eq!(value["error"]["kind"], "usage");
    let (code, value) = json_error(&sandbox, &["plan", "release", "start", "--json"]);
    assert_eq!(code, 2, "a missing argument is a usage error: {value}");
    let (code, value) = json_error(&sandbox, &["--json", "release"]);
    assert_eq!(code, 2);
    assert_eq!(
        value["error"]["message"],
        "a subcommand is missing: flotilla release [OPTIONS] <COMMAND>"
    );

    let text = std::fs::read_to_string(sandbox.manifest()).unwrap();
    std::fs::write(sandbox.manifest(), format!("{text}\nbogus_key: 1\n")).unwrap();
    let (code, value) = json_error(&sandbox, &["check", "--json"]);
    assert_eq!(code, 2);
    assert_eq!(value["error"]["kind"], "manifest");
    let location = &value["error"]["location"];
    assert!(
        location["file"]
            .as_str()
            .unwrap()
            .ends_with("flotilla.yaml"),
        "{value}"
    );
    assert_eq!(location["line"], text.lines().count() + 2, "{value}");
    assert_eq!(location["column"], 1, "{value}");
    // Without --json: text on stderr, nothing on stdout, as before.
    let out = sandbox.flotilla(&["check"]);
    assert_eq!(out.code, Some(2));
    assert!(out.stdout.is_empty(), "{out}");
    assert!(out.stderr.starts_with("error: "), "{out}");

    std::fs::write(sandbox.manifest(), &text).unwrap();

    // A refused request lists each refusal with its repository and help, on stdout and in
    // `plan` alike, and the text form says the same.
    for args in [
        &["--json", "release", "final", "9.9.9"][..],
        &["--json", "plan", "release", "final", "9.9.9"][..],
    ] {
        let (code, value) = json_error(&sandbox, args);
        assert_eq!(code, 2, "{value}");
        assert_eq!(value["error"]["kind"], "refused", "{value}");
        let refusals = value["error"]["refusals"].as_array().unwrap();
        let repos: Vec<&str> = refusals
            .iter()
            .map(|r| r["repo"].as_str().unwrap())
            .collect();
        assert_eq!(repos, ["core", "identity"], "{value}");
        for refusal in refusals {
            assert_eq!(
                refusal["message"],
                "release branch release-9.9.9 does not exist"
            );
            assert_eq!(
                refusal["help"],
                "start the line first: flotilla release start 9.9.9"
            );
        }
    }
    let (code, value) = json_error(
        &sandbox,
        &["--json", "release", "final", "9.9.9", "--repo", "core"],
    );
    assert_eq!(code, 2);
    assert_eq!(
        value["error"]["message"], "core: release branch release-9.9.9 does not exist",
        "one refusal is the message itself: {value}"
    );
    assert_eq!(
        value["error"]["help"],
        "start the line first: flotilla release start 9.9.9"
    );
}

#[test]
fn an_unknown_time_zone_is_refused_by_check_at_its_position() {
    let sandbox = small_fleet();
    let text = std::fs::read_to_string(sandbox.manifest()).unwrap();
    let (line, column) = text
        .lines()
        .enumerate()
        .find_map(|(n, l)| {
            l.find("timezone:")
                .map(|c| (n + 1, c + "timezone: ".len() + 1))
        })
        .expect("the fixture's manifest names a timezone");
    std::fs::write(
        sandbox.manifest(),
        text.replacen("timezone: UTC", "timezone: Mars/Olympus", 1),
    )
    .unwrap();

    let out = sandbox.flotilla(&["check"]);
    assert_eq!(out.code, Some(2), "{out}");
    assert!(
        out.stderr.contains(&format!(
            "flotilla.yaml:{line}:{column}: timezone \"Mars/Olympus\""
        )),
        "{out}"
    );
    assert!(out.stderr.contains("Asia/Seoul"), "{out}");

    std::fs::write(
        sandbox.manifest(),
        text.replacen("timezone: UTC", "timezone: Asia/Seoul", 1),
    )
    .unwrap();
    sandbox.flotilla(&["check"]).success();
}

/// The help of the commands touched by the conventions, pinned: the global options, the plan
/// options and the arguments that had no help before.
#[test]
fn help_texts() {
    let sandbox = small_fleet();
    for (name, args) in [
        ("help_flotilla", &["--help"][..]),
        ("help_plan", &["plan", "--help"][..]),
        ("help_release_hotfix", &["release", "hotfix", "--help"][..]),
        ("help_completions", &["completions", "--help"][..]),
    ] {
        let mut command = sandbox.command(args);
        command.env_remove("NO_COLOR").env("COLUMNS", "100");
        let out = flotilla_testkit::Outcome::from_output(&command.output().unwrap()).success();
        crate::cli_output::assert_outcome(&sandbox, name, &out);
    }
}

#[test]
fn plan_options_and_json_work_before_and_after_the_request() {
    let sandbox = small_fleet();
    let before = sandbox
        .flotilla(&["plan", "--steps", "--offline", "release", "start", "2.0.0"])
        .success();
    let after = sandbox
        .flotilla(&["plan", "release", "start", "2.0.0", "--steps", "--offline"])
        .success();
    assert_eq!(before.stdout, after.stdout);
    let brief = sandbox
        .flotilla(&["plan", "--offline", "release", "start", "2.0.0"])
        .success();
    assert_ne!(
        brief.stdout, after.stdout,
        "--steps after the request was ignored"
    );

    let first = sandbox
        .flotilla(&["--json", "plan", "--offline", "release", "start", "2.0.0"])
        .success();
    let last = sandbox
        .flotilla(&["plan", "release", "start", "2.0.0", "--offline", "--json"])
        .success();
    let first: Value = serde_json::from_str(&first.stdout).unwrap();
    let last: Value = serde_json::from_str(&last.stdout).unwrap();
    assert_eq!(first, last);
}

#[test]
fn serve_writes_json_log_lines_without_secrets() {
    let mut sandbox = small_fleet();
    set_secrets(&mut sandbox);
    sandbox.set_env("FLOTILLA_LOG_FORMAT", "json");
    let port = free_port();
    let addr = format!("127.0.0.1:{port}");
    let command = sandbox.command(&["-v", "serve", "--listen", &addr]);
    let log_path = sandbox.outside("serve.log");
    let server = flotilla_testkit::Server::start(command, port, "/healthz", log_path);
    let log = server.log();
    drop(server);

    let events: Vec<Value> = log
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|err| panic!("{err}: {l:?}\n{log}")))
        .collect();
    let message = |e: &Value| {
        e["fields"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };
    // The server's tracing event, and the binary's own progress line in the same shape.
    for (start, target) in [
        ("flotilla serve listening on", None),
        ("flotilla serve: listening on", Some("flotilla::progress")),
    ] {
        let event = events
            .iter()
            .find(|e| message(e).starts_with(start))
            .unwrap_or_else(|| panic!("no {start:?} event:\n{log}"));
        assert_eq!(event["level"], "INFO", "{event}");
        assert!(event["timestamp"].is_string(), "{event}");
        if let Some(target) = target {
            assert_eq!(event["target"], target, "{event}");
        }
    }
    assert!(!log.contains(HOOK_SECRET));
    assert!(!log.contains(ESC));
}

#[test]
fn the_text_log_follows_the_color_option() {
    let mut logs = Vec::new();
    for color in ["always", "auto"] {
        let mut sandbox = small_fleet();
        set_secrets(&mut sandbox);
        let port = free_port();
        let addr = format!("127.0.0.1:{port}");
        let command = sandbox.command(&["-v", "--color", color, "serve", "--listen", &addr]);
        let log_path = sandbox.outside("serve.log");
        let server = flotilla_testkit::Server::start(command, port, "/healthz", log_path);
        logs.push(server.log());
    }
    assert!(
        logs[0].contains("listening on") && logs[0].contains(ESC),
        "{}",
        logs[0]
    );
    assert!(
        logs[1].contains("listening on") && !logs[1].contains(ESC),
        "{}",
        logs[1]
    );
}

#[test]
fn completions_are_generated_for_every_shell() {
    let sandbox = small_fleet();
    let bash = sandbox.flotilla(&["completions", "bash"]).success();
    let script = sandbox.outside("flotilla.bash");
    std::fs::write(&script, &bash.stdout).unwrap();
    let check = Command::new("bash")
        .arg("-n")
        .arg(&script)
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let out = sandbox.flotilla(&["completions", shell]).success();
        for command in ["release", "plan", "deploy", "completions", "man"] {
            assert!(out.stdout.contains(command), "{shell} lacks {command}");
        }
    }
    assert!(bash.stdout.contains("--steps"), "options too");
}

#[test]
fn man_pages_are_written_for_every_command_and_parse() {
    let sandbox = small_fleet();
    let dir = sandbox.outside("man");
    let out = sandbox
        .flotilla(&["man", "--out", dir.to_str().unwrap()])
        .success();
    for page in [
        "flotilla.1",
        "flotilla-release.1",
        "flotilla-release-start.1",
        "flotilla-plan.1",
        "flotilla-deploy-rollback.1",
        "flotilla-completions.1",
    ] {
        let path = dir.join(page);
        assert!(path.is_file(), "{page} missing:\n{out}");
        assert!(std::fs::read_to_string(&path).unwrap().contains(".TH"));
    }
    let count = std::fs::read_dir(&dir).unwrap().count();
    assert_eq!(count, out.stdout.lines().count());
    assert!(count > 30, "one page per subcommand, {count}");
    render(&dir.join("flotilla-release-start.1"));
}

/// The page rendered by groff, when it is installed, checked for its sections.
fn render(page: &Path) {
    let Ok(output) = Command::new("groff")
        .args(["-man", "-Tutf8", "-ww", "-P-cbou"])
        .arg(page)
        .output()
    else {
        return;
    };
    assert!(output.status.success());
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("NAME") && text.contains("SYNOPSIS"), "{text}");
    assert!(text.contains("flotilla-release-start"), "{text}");
    assert!(
        String::from_utf8_lossy(&output.stderr).is_empty(),
        "groff warned: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}
