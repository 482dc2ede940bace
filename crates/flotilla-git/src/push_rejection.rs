/// The refs a `git push` refused to update, parsed from its `--porcelain` report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushRejection {
    refs: Vec<RejectedRef>,
}

/// One ref that the push did not update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectedRef {
    /// The local side of the refspec (empty for a deletion).
    pub source: String,
    /// The ref on the remote that was not updated.
    pub destination: String,
    pub reason: RejectReason,
}

/// Why git refused a ref.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RejectReason {
    /// The remote has commits the pushed history does not contain (git's "non-fast-forward" and
    /// "fetch first"): fetch, rebuild on top, push again.
    NonFastForward,
    /// A `--force-with-lease` expectation no longer holds (git's "stale info").
    Stale,
    /// The tag already exists on the remote with another value.
    AlreadyExists,
    /// This ref was fine, but an `--atomic` push refused everything because another ref failed.
    AtomicPushFailed,
    /// The remote refused the update (a hook, branch protection); the text is the remote's.
    RemoteRejected(String),
    /// Any other refusal; the text is git's.
    Other(String),
}

impl PushRejection {
    /// Parses the stdout of `git push --porcelain`; `None` when no ref was rejected.
    pub(crate) fn parse(porcelain: &str) -> Option<Self> {
        let refs: Vec<RejectedRef> = porcelain.lines().filter_map(parse_line).collect();
        (!refs.is_empty()).then_some(Self { refs })
    }

    pub fn refs(&self) -> &[RejectedRef] {
        &self.refs
    }

    /// True when at least one ref failed because the remote moved on: fetching and redoing the
    /// change on top of the new remote state is the way forward.
    pub fn is_out_of_date(&self) -> bool {
        self.refs.iter().any(|rejected| {
            matches!(
                rejected.reason,
                RejectReason::NonFastForward | RejectReason::Stale
            )
        })
    }

    /// True when a server hook refused the update and nothing else was wrong with it. A hook
    /// may refuse because the branch moved while it ran, so the caller tells a race from a
    /// rule by looking whether the branch moved; an unpack failure is never a race.
    pub fn is_hook_refusal(&self) -> bool {
        self.refs.iter().all(|rejected| {
            matches!(&rejected.reason, RejectReason::RemoteRejected(detail) if detail.contains("hook"))
        })
    }

    /// Git's words for each refused ref, `destination: reason`, separated by `; `.
    pub fn describe(&self) -> String {
        self.refs
            .iter()
            .map(|rejected| format!("{}: {}", rejected.destination, rejected.reason))
            .collect::<Vec<_>>()
            .join("; ")
    }

    pub(crate) fn hint(&self) -> &'static str {
        let reasons = || self.refs.iter().map(|rejected| &rejected.reason);
        if self.is_out_of_date() {
            "the remote changed since it was fetched: fetch, redo the change on top of it, and push again"
        } else if reasons().any(|reason| *reason == RejectReason::AlreadyExists) {
            "the tag already exists on the remote with a different value: check which commit it names, or release a new version"
        } else if reasons().any(|reason| matches!(reason, RejectReason::RemoteRejected(_))) {
            "the remote refused the update (a server hook or branch protection): check the remote's rules"
        } else {
            "check the refs listed above and the remote's state"
        }
    }
}

/// Git's own words for the refusal, as its porcelain report printed them.
impl std::fmt::Display for RejectReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NonFastForward => f.write_str("rejected (non-fast-forward)"),
            Self::Stale => f.write_str("rejected (stale info)"),
            Self::AlreadyExists => f.write_str("rejected (already exists)"),
            Self::AtomicPushFailed => f.write_str("rejected (atomic push failed)"),
            Self::RemoteRejected(detail) => write!(f, "remote rejected ({detail})"),
            Self::Other(summary) => f.write_str(summary),
        }
    }
}

fn parse_line(line: &str) -> Option<RejectedRef> {
    let mut fields = line.splitn(3, '\t');
    if fields.next()? != "!" {
        return None;
    }
    let (source, destination) = fields.next()?.split_once(':')?;
    let summary = fields.next().unwrap_or_default();
    let (status, detail) = match summary.split_once(" (") {
        Some((status, detail)) => (status, detail.strip_suffix(')').unwrap_or(detail)),
        None => (summary, ""),
    };
    let reason = match (status, detail) {
        ("[remote rejected]", detail) => RejectReason::RemoteRejected(detail.to_owned()),
        (_, "non-fast-forward" | "fetch first") => RejectReason::NonFastForward,
        (_, "stale info" | "remote ref updated since checkout") => RejectReason::Stale,
        (_, "already exists") => RejectReason::AlreadyExists,
        (_, "atomic push failed") => RejectReason::AtomicPushFailed,
        _ => RejectReason::Other(summary.to_owned()),
    };
    Some(RejectedRef {
        source: source.to_owned(),
        destination: destination.to_owned(),
        reason,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rejections_and_ignores_accepted_refs() {
        let porcelain = "To /tmp/remote.git\n\
            *\trefs/tags/v2:refs/tags/v2\t[new tag]\n\
            !\tHEAD:refs/heads/master\t[rejected] (fetch first)\n\
            !\trefs/tags/v3:refs/tags/v3\t[rejected] (atomic push failed)\n\
            !\trefs/heads/a:refs/heads/a\t[remote rejected] (pre-receive hook declined)\n\
            !\trefs/heads/b:refs/heads/b\t[rejected] (stale info)\n\
            Done\n";
        let rejection = PushRejection::parse(porcelain).unwrap();
        let reasons: Vec<_> = rejection.refs().iter().map(|r| r.reason.clone()).collect();
        assert_eq!(
            reasons,
            [
                RejectReason::NonFastForward,
                RejectReason::AtomicPushFailed,
                RejectReason::RemoteRejected("pre-receive hook declined".to_owned()),
                RejectReason::Stale,
            ]
        );
        assert_eq!(rejection.refs()[0].source, "HEAD");
        assert_eq!(rejection.refs()[0].destination, "refs/heads/master");
        assert!(rejection.is_out_of_date());
    }

    #[test]
    fn a_hook_refusal_is_told_from_an_unpack_failure() {
        let hook = PushRejection::parse(
            "!\tHEAD:refs/heads/master\t[remote rejected] (pre-receive hook declined)\n",
        )
        .unwrap();
        assert!(hook.is_hook_refusal() && !hook.is_out_of_date());
        assert_eq!(
            hook.describe(),
            "refs/heads/master: remote rejected (pre-receive hook declined)"
        );
        let unpack =
            PushRejection::parse("!\tHEAD:refs/heads/master\t[remote rejected] (unpacker error)\n")
                .unwrap();
        assert!(!unpack.is_hook_refusal() && !unpack.is_out_of_date());
    }

    #[test]
    fn no_rejection_when_everything_was_accepted() {
        assert_eq!(
            PushRejection::parse("To x\n=\tHEAD:refs/heads/m\t[up to date]\nDone\n"),
            None
        );
    }
}
