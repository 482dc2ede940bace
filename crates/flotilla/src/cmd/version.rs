//! `flotilla version`: the version scheme at the command line.

use flotilla_core::version::{BRANCH_PLACEHOLDERS, TAG_PLACEHOLDERS};
use flotilla_core::{Template, Version};
use serde::Serialize;

use crate::cli::{NextKind, RenderArgs, VersionCommand};
use crate::failure::{Failure, Outcome};
use crate::output;

#[derive(Serialize)]
struct Rendered {
    canonical: String,
    channel: &'static str,
    docker: String,
    tag: String,
    pep440: String,
    semver: Option<String>,
    branch: String,
}

pub fn run(command: &VersionCommand, json: bool) -> Outcome {
    match command {
        VersionCommand::Render(args) => render(args, json),
        VersionCommand::Compare { a, b } => {
            let (a, b) = (parse(a)?, parse(b)?);
            let symbol = match a.cmp(&b) {
                std::cmp::Ordering::Less => "<",
                std::cmp::Ordering::Equal => "=",
                std::cmp::Ordering::Greater => ">",
            };
            if json {
                output::json(&serde_json::json!({ "a": a, "b": b, "order": symbol }))
            } else {
                output::line(symbol);
                Ok(())
            }
        }
        VersionCommand::Next { kind, version } => {
            let version = parse(version)?;
            let next = match kind {
                NextKind::Rc => version.next_rc(),
                NextKind::Dev => version.next_dev(),
                NextKind::Final => Ok(version.final_of_line()),
                NextKind::Hotfix => version.next_hotfix(),
            }
            .map_err(Failure::input)?;
            if json {
                output::json(&serde_json::json!({ "version": next }))
            } else {
                output::line(next);
                Ok(())
            }
        }
    }
}

fn parse(text: &str) -> Result<Version, Failure> {
    Version::parse(text).map_err(Failure::input)
}

fn render(args: &RenderArgs, json: bool) -> Outcome {
    let version = parse(&args.version)?;
    let tag_template = Template::parse_requiring(
        &args.tag_template,
        TAG_PLACEHOLDERS,
        &["canonical", "pep440"],
    )
    .map_err(Failure::input)?;
    let branch_template =
        Template::parse_requiring(&args.branch_template, BRANCH_PLACEHOLDERS, &["x"])
            .map_err(Failure::input)?;
    let rendered = Rendered {
        canonical: version.to_string(),
        channel: version.channel().as_str(),
        docker: version.docker_tag(),
        tag: version.render_tag(&tag_template),
        pep440: version.pep440(),
        semver: version.semver(args.hotfix_semver.map(Into::into)).ok(),
        branch: version.render_branch(&branch_template),
    };
    if json {
        return output::json(&rendered);
    }
    let mut table = output::Table::new(&["rendering", "value"]);
    for (name, value) in [
        ("canonical", rendered.canonical),
        ("channel", rendered.channel.to_owned()),
        ("docker", rendered.docker),
        ("tag", rendered.tag),
        ("pep440", rendered.pep440),
        (
            "semver",
            rendered
                .semver
                .unwrap_or_else(|| "(none: choose --hotfix-semver)".to_owned()),
        ),
        ("branch", rendered.branch),
    ] {
        table.row(vec![name.to_owned(), value]);
    }
    table.print();
    Ok(())
}
