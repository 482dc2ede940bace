//! `flotilla completions` and `flotilla man`: generated from the parser's own definitions, so
//! they cannot drift from it.

use std::path::{Path, PathBuf};

use clap::CommandFactory;

use crate::cli::Cli;
use crate::failure::{Failure, Outcome};
use crate::output;

pub fn completions(shell: clap_complete::Shell) {
    let mut command = Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command, "flotilla", &mut script);
    output::line(String::from_utf8_lossy(&script).trim_end());
}

/// One page per command and subcommand, named by its path (`flotilla-release-start.1`).
pub fn man(out: &Path, json: bool) -> Outcome {
    let cannot = |err: std::io::Error| {
        Failure::failed(format!(
            "cannot write man pages to {}: {err}",
            out.display()
        ))
    };
    std::fs::create_dir_all(out).map_err(cannot)?;
    let mut command = Cli::command().disable_help_subcommand(true);
    command.build();
    let mut written = Vec::new();
    write_pages(command, out, &mut written).map_err(cannot)?;
    if json {
        return output::json(&written);
    }
    for path in &written {
        output::line(path.display());
    }
    Ok(())
}

fn write_pages(
    command: clap::Command,
    out: &Path,
    written: &mut Vec<PathBuf>,
) -> std::io::Result<()> {
    for sub in command.get_subcommands().filter(|s| !s.is_hide_set()) {
        write_pages(sub.clone(), out, written)?;
    }
    written.push(clap_mangen::Man::new(command).generate_to(out)?);
    Ok(())
}
