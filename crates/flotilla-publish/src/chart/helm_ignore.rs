use std::path::Path;

use crate::{PublishError, Result};

/// The rules of a chart's `.helmignore`, applied as Helm applies them: each line a
/// `filepath.Match` pattern, matched against the base name, or against the path from the chart
/// root when it holds a `/`; a trailing `/` matches directories only; `!` negates; `**` is
/// refused. Hidden files under `templates/` are always ignored, as Helm's defaults say.
pub(crate) struct HelmIgnore {
    rules: Vec<Rule>,
}

struct Rule {
    pattern: String,
    negate: bool,
    dir_only: bool,
    /// Matched against the whole relative path rather than the base name.
    whole_path: bool,
}

impl HelmIgnore {
    /// Reads `<chart>/.helmignore` if there is one.
    pub(crate) fn load(chart_dir: &Path) -> Result<Self> {
        let path = chart_dir.join(".helmignore");
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(PublishError::io("read", path, e)),
        };
        let mut rules = Vec::new();
        for line in text.lines().chain(["templates/.?*"]) {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if line.contains("**") || !well_formed(line) {
                return Err(PublishError::InvalidSource {
                    path: path.clone(),
                    problem: format!("its pattern `{line}` is not a Helm ignore pattern"),
                    hint: "use `*`, `?` and `[...]` as Go's filepath.Match does; `**` is not \
                           supported by Helm",
                });
            }
            let (negate, rest) = match line.strip_prefix('!') {
                Some(rest) => (true, rest),
                None => (false, line),
            };
            let (dir_only, rest) = match rest.strip_suffix('/') {
                Some(rest) => (true, rest),
                None => (false, rest),
            };
            let (whole_path, pattern) = match rest.strip_prefix('/') {
                Some(rest) => (true, rest),
                None => (rest.contains('/'), rest),
            };
            rules.push(Rule {
                pattern: pattern.to_owned(),
                negate,
                dir_only,
                whole_path,
            });
        }
        Ok(Self { rules })
    }

    /// Whether `rel` (`/`-separated, from the chart root) is left out of the package. Helm's
    /// negated rules ignore everything they do *not* match; that is kept for compatibility.
    pub(crate) fn ignores(&self, rel: &str, is_dir: bool) -> bool {
        let base = rel.rsplit('/').next().unwrap_or(rel);
        for rule in &self.rules {
            let subject = if rule.whole_path { rel } else { base };
            if rule.negate {
                if (rule.dir_only && !is_dir) || !glob_match(&rule.pattern, subject) {
                    return true;
                }
                continue;
            }
            if rule.dir_only && !is_dir {
                continue;
            }
            if glob_match(&rule.pattern, subject) {
                return true;
            }
        }
        false
    }
}

/// Whether every `[` opens a closed class, as `filepath.Match` requires of a pattern.
fn well_formed(pattern: &str) -> bool {
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.next().is_none() => return false,
            '[' => {
                let mut closed = false;
                let mut first = true;
                while let Some(c) = chars.next() {
                    match c {
                        ']' if !first => {
                            closed = true;
                            break;
                        }
                        '\\' => {
                            chars.next();
                        }
                        _ => {}
                    }
                    first = false;
                }
                if !closed {
                    return false;
                }
            }
            _ => {}
        }
    }
    true
}

/// Go's `filepath.Match` on `/`-separated paths: `*` is any run of non-`/` characters, `?`
/// one non-`/` character, `[a-z]` / `[^a-z]` a class, `\` escapes.
fn glob_match(pattern: &str, name: &str) -> bool {
    let pattern: Vec<char> = pattern.chars().collect();
    let name: Vec<char> = name.chars().collect();
    match_from(&pattern, &name)
}

fn match_from(pattern: &[char], name: &[char]) -> bool {
    let Some((&first, rest)) = pattern.split_first() else {
        return name.is_empty();
    };
    match first {
        '*' => (0..=name.len())
            .take_while(|&n| n == 0 || name[n - 1] != '/')
            .any(|n| match_from(rest, &name[n..])),
        '?' => name
            .split_first()
            .is_some_and(|(&c, name)| c != '/' && match_from(rest, name)),
        '[' => {
            let Some((&c, name_rest)) = name.split_first() else {
                return false;
            };
            match class_match(rest, c) {
                Some((matched, after)) => matched && c != '/' && match_from(after, name_rest),
                None => false,
            }
        }
        '\\' => match (rest.split_first(), name.split_first()) {
            (Some((&p, rest)), Some((&c, name))) => p == c && match_from(rest, name),
            _ => false,
        },
        p => name
            .split_first()
            .is_some_and(|(&c, name)| p == c && match_from(rest, name)),
    }
}

/// Matches `c` against the class whose body starts at `pattern` (after `[`); returns whether
/// it matched and the pattern after the closing `]`.
fn class_match(pattern: &[char], c: char) -> Option<(bool, &[char])> {
    let (negated, mut rest) = match pattern.split_first() {
        Some(('^', rest)) => (true, rest),
        _ => (false, pattern),
    };
    let mut matched = false;
    let mut first = true;
    loop {
        let (&lo, after) = rest.split_first()?;
        if lo == ']' && !first {
            return Some((matched != negated, after));
        }
        first = false;
        let (lo, after) = if lo == '\\' {
            let (&escaped, after) = after.split_first()?;
            (escaped, after)
        } else {
            (lo, after)
        };
        if let (Some('-'), Some(&hi)) = (after.first(), after.get(1))
            && hi != ']'
        {
            matched |= lo <= c && c <= hi;
            rest = &after[2..];
        } else {
            matched |= lo == c;
            rest = after;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_like_filepath_match() {
        assert!(glob_match("*.swp", "a.swp"));
        assert!(!glob_match("*.swp", "dir/a.swp"));
        assert!(glob_match("a?c", "abc"));
        assert!(glob_match("[a-c]x", "bx"));
        assert!(!glob_match("[^a-c]x", "bx"));
        assert!(glob_match("\\*", "*"));
        assert!(glob_match("templates/*.txt", "templates/n.txt"));
        assert!(!glob_match("*", "a/b"));
    }

    #[test]
    fn applies_rules_as_helm_does() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(".helmignore"),
            "# editor files\n*.bak\n.git/\n/ci/*.yaml\n",
        )
        .unwrap();
        let rules = HelmIgnore::load(dir.path()).unwrap();
        assert!(rules.ignores("values.yaml.bak", false));
        assert!(rules.ignores("templates/x.bak", false));
        assert!(rules.ignores(".git", true));
        assert!(!rules.ignores(".git", false));
        assert!(rules.ignores("ci/test.yaml", false));
        assert!(!rules.ignores("templates/ci/test.yaml", false));
        assert!(rules.ignores("templates/.hidden", false));
        assert!(!rules.ignores("templates/deploy.yaml", false));
        assert!(!rules.ignores(".helmignore", false));
    }

    #[test]
    fn refuses_double_star_and_broken_classes() {
        for bad in ["**/x", "[ab"] {
            let dir = tempfile::tempdir().unwrap();
            std::fs::write(dir.path().join(".helmignore"), bad).unwrap();
            assert!(HelmIgnore::load(dir.path()).is_err(), "{bad}");
        }
    }
}
