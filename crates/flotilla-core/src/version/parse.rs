//! Parsing every spelling the original system used (REFERENCE.md §A, version checks and tags
//! seen in the wild), and nothing else.

use super::{Stage, Version};

const ACCEPTED: &str = "x.y.z, x.y.zrcN, x.y.zdevN or x.y.z.N (N ≥ 1), optionally with a leading \
                        `v`; also v1.2.3-rc1, v1.2.3-dev1 and 1.2.3.dev1; numbers are ASCII digits \
                        without leading zeros";

/// A string that is not a version of the scheme.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid version {input:?}: {reason}; accepted forms: {ACCEPTED}")]
pub struct VersionError {
    pub input: String,
    pub reason: &'static str,
}

impl Version {
    /// Parses any accepted spelling; see [`VersionError`] for the list.
    pub fn parse(input: &str) -> Result<Self, VersionError> {
        parse(input)
    }

    /// Reads a tag of a repository's history as a version, more broadly than [`parse`]: every
    /// spelling `parse` accepts, and the two-part versions the platform's plugins and its 2.x
    /// development builds were tagged with (`v1.13` = 1.13.0, `v1.13-rc1` = 1.13.0rc1,
    /// `2.0.dev249` = 2.0.0dev249; REFERENCE.md §D). `None` for a tag that is not a version
    /// (`latest`, `stable`, `2.0-beta`). Only for reading what exists: flotilla writes its own
    /// tags strictly, from the manifest's template.
    ///
    /// [`parse`]: Version::parse
    pub fn read_tag(tag: &str) -> Option<Self> {
        parse(tag).ok().or_else(|| two_parts(tag))
    }
}

/// `x.y`, `x.y-rcN`, `x.yrcN`, `x.y.devN`, `x.y-devN` and `x.ydevN`, with an optional `v`:
/// the line `x.y.0`.
fn two_parts(input: &str) -> Option<Version> {
    let body = input.strip_prefix('v').unwrap_or(input);
    let mut cursor = Cursor { rest: body };
    let major = cursor.number().ok()?;
    cursor.expect('.').ok()?;
    let minor = cursor.number().ok()?;
    // A third number makes it a three-part version, which `parse` refused for a reason.
    if cursor
        .rest
        .strip_prefix('.')
        .is_some_and(|r| r.starts_with(|c: char| c.is_ascii_digit()))
    {
        return None;
    }
    let stage = stage(cursor.rest).ok()?;
    matches!(stage, Stage::Final | Stage::Rc(_) | Stage::Dev(_))
        .then(|| Version::new(major, minor, 0, stage))
}

fn parse(input: &str) -> Result<Version, VersionError> {
    let fail = |reason| VersionError {
        input: input.to_owned(),
        reason,
    };
    if input.is_empty() {
        return Err(fail("it is empty"));
    }
    let body = input.strip_prefix('v').unwrap_or(input);
    let mut cursor = Cursor { rest: body };
    let major = cursor.number().map_err(fail)?;
    cursor
        .expect('.')
        .map_err(|()| fail("expected three dot-separated numbers"))?;
    let minor = cursor.number().map_err(fail)?;
    cursor
        .expect('.')
        .map_err(|()| fail("expected three dot-separated numbers"))?;
    let patch = cursor.number().map_err(fail)?;
    let stage = stage(cursor.rest).map_err(fail)?;
    Ok(Version::new(major, minor, patch, stage))
}

fn stage(rest: &str) -> Result<Stage, &'static str> {
    if rest.is_empty() {
        return Ok(Stage::Final);
    }
    for (prefix, make) in [
        ("-rc", Stage::Rc as fn(u64) -> Stage),
        ("rc", Stage::Rc),
        ("-dev", Stage::Dev),
        (".dev", Stage::Dev),
        ("dev", Stage::Dev),
    ] {
        if let Some(number) = rest.strip_prefix(prefix) {
            return whole_number(number, "expected a number after rc/dev").map(make);
        }
    }
    if let Some(number) = rest.strip_prefix('.') {
        let n = whole_number(number, "expected a hotfix number after the third dot")?;
        return if n == 0 {
            Err("a hotfix number starts at 1 (x.y.z.0 is the final x.y.z)")
        } else {
            Ok(Stage::Hotfix(n))
        };
    }
    Err("unexpected text after x.y.z (only rcN, devN or .N may follow)")
}

fn whole_number(text: &str, missing: &'static str) -> Result<u64, &'static str> {
    let mut cursor = Cursor { rest: text };
    let n = cursor
        .number()
        .map_err(|reason| if text.is_empty() { missing } else { reason })?;
    if cursor.rest.is_empty() {
        Ok(n)
    } else {
        Err("unexpected text after the last number")
    }
}

struct Cursor<'a> {
    rest: &'a str,
}

impl Cursor<'_> {
    fn number(&mut self) -> Result<u64, &'static str> {
        let digits = self.rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return Err("expected a number");
        }
        let (text, rest) = self.rest.split_at(digits);
        if digits > 1 && text.starts_with('0') {
            return Err("numbers have no leading zeros");
        }
        let n = text.parse().map_err(|_| "a number is too large")?;
        self.rest = rest;
        Ok(n)
    }

    fn expect(&mut self, c: char) -> Result<(), ()> {
        self.rest = self.rest.strip_prefix(c).ok_or(())?;
        Ok(())
    }
}

impl crate::help::Help for VersionError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_every_spelling_of_the_original() {
        let cases = [
            ("1.2.3", "1.2.3"),
            ("v1.2.3", "1.2.3"),
            ("1.2.3rc1", "1.2.3rc1"),
            ("v1.2.3-rc1", "1.2.3rc1"),
            ("1.2.3dev4", "1.2.3dev4"),
            ("1.2.3.dev4", "1.2.3dev4"),
            ("v1.2.3-dev4", "1.2.3dev4"),
            ("1.2.3.1", "1.2.3.1"),
            ("v1.10.0.6", "1.10.0.6"),
            ("1.2.3rc0", "1.2.3rc0"),
            ("1.2.3dev0", "1.2.3dev0"),
            ("10.200.3000", "10.200.3000"),
        ];
        for (input, canonical) in cases {
            assert_eq!(parse(input).unwrap().to_string(), canonical, "{input}");
        }
    }

    #[test]
    fn reads_the_two_part_tags_of_plugins_and_dev_builds() {
        let cases = [
            ("v1.13", Some("1.13.0")),
            ("1.13", Some("1.13.0")),
            ("v1.13-rc1", Some("1.13.0rc1")),
            ("v1.13rc2", Some("1.13.0rc2")),
            ("2.0.dev249", Some("2.0.0dev249")),
            ("v2.0-dev3", Some("2.0.0dev3")),
            ("1.12.0", Some("1.12.0")),
            ("v1.11.0-rc1", Some("1.11.0rc1")),
            ("v1.11.0.12", Some("1.11.0.12")),
            ("1.2.3.dev4", Some("1.2.3dev4")),
            ("latest", None),
            ("v1", None),
            ("1.2-beta1", None),
            ("1.02", None),
            ("1.2.3-beta1", None),
            ("1.2.0.3.4", None),
            ("release-1.13", None),
            ("v1.13.x", None),
        ];
        for (tag, expected) in cases {
            assert_eq!(
                Version::read_tag(tag).map(|v| v.to_string()).as_deref(),
                expected,
                "{tag}"
            );
        }
        assert!(parse("v1.13").is_err(), "written versions stay strict");
    }

    #[test]
    fn refuses_everything_else_and_says_why() {
        let cases = [
            ("1.2", "three dot-separated"),
            ("1.2.3-beta1", "unexpected text"),
            ("01.2.3", "leading zeros"),
            ("1.02.3", "leading zeros"),
            ("1.2.3rc", "number after rc/dev"),
            ("1.2.3rc01", "leading zeros"),
            ("1.2.3.1rc1", "after the last number"),
            ("1.2.3.0", "starts at 1"),
            ("1.2.3 ", "unexpected text"),
            (" 1.2.3", "expected a number"),
            ("", "empty"),
            ("1.2.３", "expected a number"),
            ("vv1.2.3", "expected a number"),
            ("V1.2.3", "expected a number"),
            ("1.2.3.", "hotfix number"),
            ("1..3", "expected a number"),
            ("99999999999999999999.0.0", "too large"),
            ("1.2.3-rc-1", "expected a number"),
        ];
        for (input, reason) in cases {
            let err = parse(input).unwrap_err();
            let message = err.to_string();
            assert!(message.contains(reason), "{input:?}: {message}");
            assert!(
                message.contains(&format!("{input:?}")),
                "quotes the input: {message}"
            );
            assert!(message.contains("x.y.zrcN"), "lists the forms: {message}");
        }
    }
}
