//! The message clean-up git applies with `--cleanup=whitespace`, for objects written with the
//! plumbing commands (which take messages as they are).

/// `message` as `git commit --cleanup=whitespace -m` and `git tag --cleanup=whitespace -m`
/// store it: trailing whitespace of every line removed, runs of empty lines collapsed to one,
/// leading and trailing empty lines removed, and a final newline; empty stays empty.
pub fn cleanup_whitespace(message: &str) -> String {
    let mut out = String::with_capacity(message.len() + 1);
    let mut pending_empty = false;
    for line in message.split('\n') {
        let line = line.trim_end_matches([' ', '\t', '\r', '\x0b', '\x0c']);
        if line.is_empty() {
            pending_empty = !out.is_empty();
            continue;
        }
        if pending_empty {
            out.push('\n');
            pending_empty = false;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::cleanup_whitespace;

    #[test]
    fn cleans_like_git() {
        assert_eq!(cleanup_whitespace("subject"), "subject\n");
        assert_eq!(
            cleanup_whitespace("\n\nsubject  \n\n\n\nbody\t\n# kept\n\n"),
            "subject\n\nbody\n# kept\n"
        );
        assert_eq!(cleanup_whitespace(" \n\n"), "");
    }
}
