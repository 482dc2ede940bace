//! The manifest reader on hostile input: arbitrary bytes and mutations of valid manifests never
//! panic, and every diagnostic points inside the text it is about.

use flotilla_core::manifest::{self, ManifestErrors, SPACEONE_EXAMPLE, STARTER};
use proptest::prelude::*;
use proptest::sample::Index;

/// A thousand cases of each, in well under a second of the test run each.
const CASES: u32 = 1024;

/// Lines as a YAML reader counts them: `\n`, `\r\n` and a lone `\r` all end one; each line's
/// length in characters, what a column counts.
fn line_lengths(bytes: &[u8]) -> Vec<usize> {
    let text = String::from_utf8_lossy(bytes);
    text.replace("\r\n", "\n")
        .split(['\n', '\r'])
        .map(|line| line.chars().count())
        .collect()
}

/// Every diagnostic is on a line of `bytes` and at most one column past its end.
fn assert_within(bytes: &[u8], errors: &ManifestErrors) -> Result<(), TestCaseError> {
    let lines = line_lengths(bytes);
    prop_assert!(!errors.diagnostics.is_empty(), "a refusal says why");
    for d in &errors.diagnostics {
        let line = usize::try_from(d.line).unwrap_or(usize::MAX);
        let column = usize::try_from(d.column).unwrap_or(usize::MAX);
        prop_assert!(
            (1..=lines.len()).contains(&line),
            "line {} of {} lines: {}",
            line,
            lines.len(),
            d
        );
        prop_assert!(
            (1..=lines[line - 1] + 1).contains(&column),
            "column {} on a line of {} characters: {}",
            column,
            lines[line - 1],
            d
        );
    }
    Ok(())
}

fn check(bytes: &[u8]) -> Result<(), TestCaseError> {
    match manifest::load_bytes("flotilla.yaml", bytes) {
        Ok(_) => Ok(()),
        Err(errors) => assert_within(bytes, &errors),
    }
}

/// One edit of a text: a byte replaced, inserted or removed, a span cut out or repeated.
#[derive(Debug, Clone)]
enum Edit {
    Replace(Index, u8),
    Insert(Index, u8),
    Remove(Index),
    Cut(Index, Index),
    Repeat(Index, Index),
}

/// Bytes that matter to YAML, more often than the rest.
fn yaml_byte() -> impl Strategy<Value = u8> {
    prop_oneof![
        3 => prop::sample::select(b":-{}[],#&*!|>'\"%@` \t\n\r?0.".to_vec()),
        1 => any::<u8>(),
    ]
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<Index>(), yaml_byte()).prop_map(|(i, b)| Edit::Replace(i, b)),
        (any::<Index>(), yaml_byte()).prop_map(|(i, b)| Edit::Insert(i, b)),
        any::<Index>().prop_map(Edit::Remove),
        (any::<Index>(), any::<Index>()).prop_map(|(a, b)| Edit::Cut(a, b)),
        (any::<Index>(), any::<Index>()).prop_map(|(a, b)| Edit::Repeat(a, b)),
    ]
}

fn apply(text: &mut Vec<u8>, edit: &Edit) {
    if text.is_empty() {
        return;
    }
    let span = |a: &Index, b: &Index| {
        let (a, b) = (a.index(text.len()), b.index(text.len()));
        (a.min(b), a.max(b))
    };
    match edit {
        Edit::Replace(i, b) => {
            let i = i.index(text.len());
            text[i] = *b;
        }
        Edit::Insert(i, b) => text.insert(i.index(text.len() + 1), *b),
        Edit::Remove(i) => {
            text.remove(i.index(text.len()));
        }
        Edit::Cut(a, b) => {
            let (a, b) = span(a, b);
            text.drain(a..b);
        }
        Edit::Repeat(a, b) => {
            let (a, b) = span(a, b);
            let copy = text[a..b].to_vec();
            text.splice(b..b, copy);
        }
    }
}

/// A valid manifest with a few edits.
fn mutated() -> impl Strategy<Value = Vec<u8>> {
    (
        prop_oneof![3 => Just(STARTER), 1 => Just(SPACEONE_EXAMPLE)],
        prop::collection::vec(edit(), 1..8),
    )
        .prop_map(|(base, edits)| {
            let mut text = base.as_bytes().to_vec();
            for edit in &edits {
                apply(&mut text, edit);
            }
            text
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    #[test]
    fn arbitrary_bytes_never_panic_and_errors_point_inside(
        bytes in prop::collection::vec(any::<u8>(), 0..512)
    ) {
        check(&bytes)?;
    }

    #[test]
    fn yaml_shaped_noise_never_panics_and_errors_point_inside(
        bytes in prop::collection::vec(yaml_byte(), 0..256)
    ) {
        check(&bytes)?;
    }

    #[test]
    fn mutated_manifests_never_panic_and_errors_point_inside(bytes in mutated()) {
        check(&bytes)?;
    }
}
