use std::fmt;

/// A branch or tag name (short, like `release-1.2.3`, or full, like `refs/heads/main`) that git
/// accepts.
///
/// Validation is a pure function that follows `git check-ref-format --allow-onelevel` and
/// additionally refuses a leading `-`, so that a name can never be read as an option.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RefName(String);

/// Why a ref name was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefNameProblem {
    Empty,
    LeadingDash,
    SingleAt,
    ForbiddenCharacter(char),
    DoubleDot,
    AtBrace,
    EmptyComponent,
    TrailingDot,
    ComponentStartsWithDot,
    ComponentEndsWithLock,
}

/// A string that git would refuse as a ref name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{name:?} is not a valid git branch or tag name: {problem}")]
pub struct RefNameError {
    name: String,
    problem: RefNameProblem,
}

impl RefName {
    pub fn new(name: impl Into<String>) -> Result<Self, RefNameError> {
        let name = name.into();
        match check(&name) {
            Ok(()) => Ok(Self(name)),
            Err(problem) => Err(RefNameError {
                name: name.chars().take(120).collect(),
                problem,
            }),
        }
    }

    /// Checks a name without keeping it.
    pub fn validate(name: &str) -> Result<(), RefNameError> {
        Self::new(name).map(drop)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl RefNameError {
    pub fn problem(&self) -> RefNameProblem {
        self.problem
    }
}

#[expect(
    clippy::case_sensitive_file_extension_comparisons,
    reason = "git itself compares `.lock` case-sensitively"
)]
fn check(name: &str) -> Result<(), RefNameProblem> {
    if name.is_empty() {
        return Err(RefNameProblem::Empty);
    }
    if name.starts_with('-') {
        return Err(RefNameProblem::LeadingDash);
    }
    if name == "@" {
        return Err(RefNameProblem::SingleAt);
    }
    if let Some(forbidden) = name.chars().find(|&character| {
        character.is_ascii_control()
            || matches!(character, ' ' | '~' | '^' | ':' | '?' | '*' | '[' | '\\')
    }) {
        return Err(RefNameProblem::ForbiddenCharacter(forbidden));
    }
    if name.contains("..") {
        return Err(RefNameProblem::DoubleDot);
    }
    if name.contains("@{") {
        return Err(RefNameProblem::AtBrace);
    }
    if name.ends_with('.') {
        return Err(RefNameProblem::TrailingDot);
    }
    for component in name.split('/') {
        if component.is_empty() {
            return Err(RefNameProblem::EmptyComponent);
        }
        if component.starts_with('.') {
            return Err(RefNameProblem::ComponentStartsWithDot);
        }
        if component.ends_with(".lock") {
            return Err(RefNameProblem::ComponentEndsWithLock);
        }
    }
    Ok(())
}

impl fmt::Display for RefNameProblem {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => formatter.write_str("it is empty"),
            Self::LeadingDash => formatter.write_str("it starts with `-`"),
            Self::SingleAt => formatter.write_str("`@` alone means HEAD"),
            Self::ForbiddenCharacter(character) => write!(
                formatter,
                "it contains {character:?}; spaces, control characters and `~^:?*[\\` are not allowed"
            ),
            Self::DoubleDot => formatter.write_str("it contains `..`"),
            Self::AtBrace => formatter.write_str("it contains `@{`"),
            Self::EmptyComponent => {
                formatter.write_str("it starts or ends with `/` or contains `//`")
            }
            Self::TrailingDot => formatter.write_str("it ends with `.`"),
            Self::ComponentStartsWithDot => {
                formatter.write_str("a `/`-separated part starts with `.`")
            }
            Self::ComponentEndsWithLock => {
                formatter.write_str("a `/`-separated part ends with `.lock`")
            }
        }
    }
}

impl fmt::Display for RefName {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.0)
    }
}

impl AsRef<str> for RefName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl TryFrom<&str> for RefName {
    type Error = RefNameError;

    fn try_from(name: &str) -> Result<Self, Self::Error> {
        Self::new(name)
    }
}

impl TryFrom<String> for RefName {
    type Error = RefNameError;

    fn try_from(name: String) -> Result<Self, Self::Error> {
        Self::new(name)
    }
}
