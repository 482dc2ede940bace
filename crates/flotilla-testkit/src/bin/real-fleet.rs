//! `real-fleet DIR [--only NAME,…] [--suffix S]`: writes the real-shaped fleet's bare
//! repositories to `DIR/<name>.git` (for `scripts/real-fleet.sh`) and prints their paths.

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::path::PathBuf;
use std::process::ExitCode;

use flotilla_testkit::Git;
use flotilla_testkit::real_fleet::{ALL, real_fleet};

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let mut dir = None;
    let mut only: Option<String> = None;
    let mut suffix = String::new();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--only" => only = args.next(),
            "--suffix" => suffix = args.next().unwrap_or_default(),
            _ if dir.is_none() && !arg.starts_with('-') => dir = Some(PathBuf::from(arg)),
            _ => {
                eprintln!("usage: real-fleet DIR [--only NAME,…] [--suffix S]");
                return ExitCode::from(2);
            }
        }
    }
    let Some(dir) = dir else {
        eprintln!("usage: real-fleet DIR [--only NAME,…] [--suffix S]");
        return ExitCode::from(2);
    };
    let names: Vec<&str> = match &only {
        Some(list) => list.split(',').collect(),
        None => ALL.to_vec(),
    };
    if let Err(error) = std::fs::create_dir_all(&dir) {
        eprintln!("{}: {error}", dir.display());
        return ExitCode::FAILURE;
    }
    let git = Git::new();
    for repo in real_fleet(&names, &suffix) {
        let bare = dir.join(format!("{}.git", repo.name));
        if bare.exists() {
            eprintln!(
                "{} exists: give real-fleet a fresh directory",
                bare.display()
            );
            return ExitCode::from(2);
        }
        repo.create_bare(&git, &bare, &dir);
        println!("{}", bare.display());
    }
    ExitCode::SUCCESS
}
