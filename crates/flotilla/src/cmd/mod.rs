//! One module per command group.

mod audit_trail;
mod demo;
mod deploy;
mod docs;
mod import;
mod manifest;
mod people;
mod plan;
mod release;
mod runner;
mod trace;
mod version;
mod workflows;

use crate::async_runtime::runtime;
use crate::cli::{Cli, Command};
use crate::failure::Outcome;

pub fn run(cli: &Cli) -> Outcome {
    match &cli.command {
        Command::Version(command) => version::run(command, cli.json),
        Command::Check => manifest::check(&cli.manifest, cli.json),
        Command::Schema => manifest::schema(),
        Command::Init(args) => manifest::init(args, &cli.manifest),
        Command::Import(args) => import::run(args, &cli.manifest, cli.json),
        Command::Plan(args) => plan::run(args, &cli.manifest, cli.json),
        Command::Release(command) => {
            runtime()?.block_on(release::run(command, &cli.manifest, cli.json))
        }
        Command::Push { repo } => runtime()?.block_on(async {
            let engine = release::engine(&cli.manifest, cli.json).await?;
            release::start(
                &engine,
                &flotilla_core::plan::Request::Push { repo: repo.clone() },
                cli.json,
            )
            .await
        }),
        Command::Status => runtime()?.block_on(demo::fleet_table(&cli.manifest, cli.json)),
        Command::Logs { run, step } => {
            runtime()?.block_on(demo::logs(&cli.manifest, run, step.as_deref()))
        }
        Command::Trace { target, env } => {
            runtime()?.block_on(trace::run(target, env.as_deref(), &cli.manifest, cli.json))
        }
        Command::Workflows(command) => workflows::run(command, &cli.manifest, cli.json),
        Command::Demo(args) => runtime()?.block_on(demo::run(args, cli.json)),
        Command::Serve(args) => runtime()?.block_on(deploy::serve(args, &cli.manifest)),
        Command::Hook(command) => deploy::hook(command, cli.json),
        Command::Deploy(command) => {
            runtime()?.block_on(deploy::run(command, &cli.manifest, cli.json))
        }
        Command::Token(command) => {
            runtime()?.block_on(people::token(command, &cli.manifest, cli.json))
        }
        Command::Audit { limit } => {
            runtime()?.block_on(people::audit(*limit, &cli.manifest, cli.json))
        }
        Command::Completions { shell } => {
            docs::completions(*shell);
            Ok(())
        }
        Command::Man { out } => docs::man(out, cli.json),
        Command::Runner(command) => runtime()?.block_on(runner::run(command, &cli.manifest)),
    }
}
