//! `flotilla trace`: what runs in an environment and where it came from.

use std::path::Path;

use flotilla_engine::{Trace, TraceQuery};

use crate::failure::{Failure, Outcome};
use crate::output;

pub async fn run(target: &str, environment: Option<&str>, manifest: &Path, json: bool) -> Outcome {
    let query = match environment {
        Some(environment) => TraceQuery::Service {
            service: target.to_owned(),
            environment: environment.to_owned(),
        },
        None if TraceQuery::looks_like_digest(target) => TraceQuery::Digest(target.to_owned()),
        None => {
            return Err(Failure::usage(format!(
                "{target:?} is not a digest (sha256:…), and no --env was given"
            ))
            .with_help(format!(
                "trace a service with `flotilla trace {target} --env prd`"
            )));
        }
    };
    let engine = super::release::engine(manifest, json).await?;
    let trace = engine.trace(&query).await.map_err(Failure::engine)?;
    if json {
        return output::json(&trace);
    }
    for line in lines(&trace) {
        output::line(line);
    }
    Ok(())
}

/// The chain as text, one link a line, from what runs back to the commit.
fn lines(trace: &Trace) -> Vec<String> {
    let mut lines = vec![trace.subject.clone()];
    let mut link = |label: &str, text: String| lines.push(format!("  {label:<11} {text}"));
    if let Some(d) = &trace.deployment {
        link(
            "deployment",
            format!(
                "{} {} {} in {} ({}, {})",
                d.id, d.service, d.version, d.environment, d.status, d.trigger
            ),
        );
    }
    link(
        "digest",
        if trace.digest.is_empty() {
            "(none recorded)".to_owned()
        } else {
            trace.digest.clone()
        },
    );
    for a in &trace.artifacts {
        link(
            "artifact",
            format!("{} {}:{} at {}", a.kind, a.name, a.version, a.target),
        );
    }
    if let Some(origin) = &trace.origin {
        let tag = origin.tag.as_deref().unwrap_or("(no tag)");
        let commit = match (&origin.commit, &origin.commit_note) {
            (Some(commit), _) => format!("commit {commit}"),
            (None, Some(note)) => format!("commit unknown: {note}"),
            (None, None) => "commit unknown".to_owned(),
        };
        link("tag", format!("{} {tag}, {commit}", origin.repo));
        link(
            "run",
            format!(
                "{} {} {} ({})",
                origin.run_id, origin.repo, origin.version, origin.run_status
            ),
        );
        match &origin.train {
            Some(t) => link(
                "train",
                format!("{} {} {} ({})", t.id, t.kind, t.version, t.status),
            ),
            None => link("train", "(a run outside any train)".to_owned()),
        }
    }
    for (i, a) in trace.approvals.iter().enumerate() {
        let decision = match (&a.decided_by, a.decided_at) {
            (Some(by), Some(at)) => format!("decided by {by} at {at}"),
            (Some(by), None) => format!("decided by {by}"),
            _ => "no approval needed".to_owned(),
        };
        link(
            if i == 0 { "path" } else { "" },
            format!("{} {} {} ({decision})", a.environment, a.version, a.status),
        );
    }
    if let Some(note) = &trace.note {
        link("note", note.clone());
    }
    lines
}
