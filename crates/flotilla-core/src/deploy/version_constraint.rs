use std::fmt;

use crate::version::{Stage, Version};

/// Which versions an environment accepts, e.g. `>=1.12.0, <2.0.0dev0` or `1.12.*`: every
/// comma-separated part must hold.
///
/// A part is a comparison (`>=`, `>`, `<=`, `<`, `=`) with a version of the scheme, or a line
/// wildcard `x.*` / `x.y.*`, which holds from the line's first possible version (`devN` of
/// `.0`) up to, excluding, the next line's. The scheme orders pre-releases before their final,
/// so `<2.0.0` still admits `2.0.0rc1`: write `<2.0.0dev0` or `1.*` to exclude the whole 2.0.0
/// line. A dev build is judged by the version its version file named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionConstraint {
    text: String,
    bounds: Vec<(Op, Version)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Ge,
    Gt,
    Le,
    Lt,
    Eq,
}

/// A constraint that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid version constraint {text:?}: {reason}; write comma-separated parts such as \
     `>=1.12.0, <2.0.0dev0` (operators >=, >, <=, <, =) or a line wildcard such as `1.12.*`"
)]
pub struct ConstraintError {
    pub text: String,
    pub reason: String,
}

/// The lowest version of the scheme in a line.
const FIRST_STAGE: Stage = Stage::Dev(0);

impl VersionConstraint {
    pub fn parse(text: &str) -> Result<Self, ConstraintError> {
        let fail = |reason: String| ConstraintError {
            text: text.to_owned(),
            reason,
        };
        let mut bounds = Vec::new();
        for part in text.split(',').map(str::trim) {
            if part.is_empty() {
                return Err(fail("it has an empty part".to_owned()));
            }
            if let Some(line) = part.strip_suffix(".*") {
                let (low, high) = wildcard(line).ok_or_else(|| {
                    fail(format!(
                        "`{part}` is not a line wildcard (x.* or x.y.*, numbers without leading zeros)"
                    ))
                })?;
                bounds.push((Op::Ge, low));
                bounds.push((Op::Lt, high));
                continue;
            }
            let (op, rest) = [
                (">=", Op::Ge),
                ("<=", Op::Le),
                (">", Op::Gt),
                ("<", Op::Lt),
                ("=", Op::Eq),
            ]
            .into_iter()
            .find_map(|(prefix, op)| part.strip_prefix(prefix).map(|rest| (op, rest)))
            .ok_or_else(|| fail(format!("`{part}` starts with no operator")))?;
            let version =
                Version::parse(rest.trim()).map_err(|err| fail(format!("in `{part}`, {err}")))?;
            bounds.push((op, version));
        }
        Ok(Self {
            text: text.trim().to_owned(),
            bounds,
        })
    }

    pub fn allows(&self, version: &Version) -> bool {
        self.bounds.iter().all(|(op, bound)| match op {
            Op::Ge => version >= bound,
            Op::Gt => version > bound,
            Op::Le => version <= bound,
            Op::Lt => version < bound,
            Op::Eq => version == bound,
        })
    }
}

/// `x` or `x.y` → the first version of that line and the first version after it.
fn wildcard(line: &str) -> Option<(Version, Version)> {
    let numbers: Vec<u64> = line
        .split('.')
        .map(|n| {
            let canonical = !n.is_empty()
                && n.bytes().all(|b| b.is_ascii_digit())
                && (n == "0" || !n.starts_with('0'));
            canonical.then(|| n.parse().ok()).flatten()
        })
        .collect::<Option<_>>()?;
    match numbers[..] {
        [x] => Some((
            Version::new(x, 0, 0, FIRST_STAGE),
            Version::new(x.checked_add(1)?, 0, 0, FIRST_STAGE),
        )),
        [x, y] => Some((
            Version::new(x, y, 0, FIRST_STAGE),
            Version::new(x, y.checked_add(1)?, 0, FIRST_STAGE),
        )),
        _ => None,
    }
}

/// The constraint as written.
impl fmt::Display for VersionConstraint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl std::str::FromStr for VersionConstraint {
    type Err = ConstraintError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}
