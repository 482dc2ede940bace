//! The version parser on hostile input: arbitrary strings never panic, whatever it accepts
//! prints back to itself, and the order is total and agrees with equality. `version_props`
//! checks the scheme itself; this file checks the parser cannot be broken.

use std::cmp::Ordering;

use flotilla_core::Version;
use proptest::prelude::*;

const CASES: u32 = 1024;

/// Strings close to versions: every form (`x.y.z`, `rcN`, `devN`, `.N`), with and without `v`
/// and separators, numbers from empty to far past `u64::MAX`, and a stray character at times.
fn near_version() -> impl Strategy<Value = String> {
    "v?[0-9]{0,22}\\.[0-9]{0,22}\\.[0-9]{0,22}((rc|dev|-rc|-dev|\\.dev|\\.rc|\\.|-|\\+)[0-9]{0,22})?\\PC?"
}

fn number() -> impl Strategy<Value = u64> {
    prop_oneof![3 => 0..20_u64, 1 => any::<u64>()]
}

/// Versions the parser accepted, from every spelling it takes: no case is rejected.
fn parsed() -> impl Strategy<Value = Version> {
    let suffix = prop_oneof![
        Just(String::new()),
        number().prop_map(|n| format!("rc{n}")),
        number().prop_map(|n| format!("-dev{n}")),
        number().prop_map(|n| format!(".dev{n}")),
        number().prop_map(|n| format!(".{}", n.max(1))),
    ];
    (any::<bool>(), number(), number(), number(), suffix).prop_map(|(v, x, y, z, suffix)| {
        let text = format!("{}{x}.{y}.{z}{suffix}", if v { "v" } else { "" });
        Version::parse(&text).unwrap_or_else(|e| panic!("{text}: {e}"))
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    #[test]
    fn arbitrary_strings_never_panic(s in any::<String>()) {
        let _ = Version::parse(&s);
    }

    #[test]
    fn near_versions_never_panic_and_accepted_ones_round_trip(s in near_version()) {
        if let Ok(v) = Version::parse(&s) {
            let shown = v.to_string();
            prop_assert_eq!(Version::parse(&shown), Ok(v), "{} shown as {}", s, shown);
        }
    }

    #[test]
    fn the_order_is_total_and_agrees_with_equality(a in parsed(), b in parsed(), c in parsed()) {
        prop_assert_eq!(a.cmp(&b), b.cmp(&a).reverse());
        prop_assert_eq!(a.cmp(&b) == Ordering::Equal, a == b);
        prop_assert_eq!(a == b, a.to_string() == b.to_string());
        prop_assert_eq!(a.partial_cmp(&b), Some(a.cmp(&b)));
        let mut sorted = [a, b, c];
        sorted.sort();
        prop_assert!(sorted[0] <= sorted[1] && sorted[1] <= sorted[2] && sorted[0] <= sorted[2]);
    }
}
