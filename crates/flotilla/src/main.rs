//! The `flotilla` binary: parses arguments, calls the core and the engine, and alone prints.

mod async_runtime;
mod cli;
mod cmd;
mod color_choice;
mod failure;
mod fleet_file;
mod local_user;
mod log_format;
mod output;
mod progress_bars;
mod progress_line;

use std::ffi::OsString;
use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};

use crate::color_choice::ColorChoice;
use crate::failure::Failure;
use crate::log_format::LogFormat;

fn main() -> ExitCode {
    let args: Vec<OsString> = std::env::args_os().collect();
    let color = ColorChoice::from_args(&args);
    color.set();
    // Known before parsing, so that clap's own usage errors can be JSON too.
    let json = args
        .iter()
        .skip(1)
        .take_while(|a| *a != "--")
        .any(|a| a == "--json");
    let matches = cli::Cli::command()
        .color(color.for_clap())
        .try_get_matches_from(&args);
    let cli = match matches.and_then(|m| cli::Cli::from_arg_matches(&m)) {
        Ok(cli) => cli,
        Err(err) => return usage_error(&err, json),
    };
    cli.log_format.set();
    init_tracing(cli.verbose, cli.log_format, color.escapes_on_stderr());
    match cmd::run(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        // A result already on stdout (a failed train's summary) is the JSON; the failure goes
        // to stderr as text, so that stdout stays one JSON value.
        Err(failure) if cli.json && !output::json_written() => {
            output::line(failure.to_json());
            failure.exit_code()
        }
        Err(failure) => failure.report(),
    }
}

/// clap's help and version as clap prints them; its usage errors as clap prints them, or as
/// the JSON error object with --json (exit 2 either way).
fn usage_error(err: &clap::Error, json: bool) -> ExitCode {
    use clap::error::ErrorKind;
    // A missing subcommand shows help but is an error (exit 2): JSON with --json.
    let informational = matches!(
        err.kind(),
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion
    );
    if !json || informational {
        err.exit();
    }
    let text = err.render().to_string();
    let message = if err.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
        let usage = text
            .lines()
            .find_map(|l| l.strip_prefix("Usage: "))
            .unwrap_or_default();
        format!("a subcommand is missing: {usage}")
    } else {
        text.lines()
            .next()
            .unwrap_or_default()
            .trim_start_matches("error: ")
            .to_owned()
    };
    let failure =
        Failure::usage(message).with_help("run with --help to see the commands and options");
    output::line(failure.to_json());
    failure.exit_code()
}

fn init_tracing(verbose: u8, format: LogFormat, ansi: bool) {
    let default = match verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("FLOTILLA_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false);
    match format {
        LogFormat::Text => builder.with_ansi(ansi).init(),
        LogFormat::Json => builder.json().with_ansi(false).init(),
    }
}
