//! Software versions as editors declare them, ordered for compatibilité ascendante (EQV-05).
//!
//! Accepted forms (case-insensitive, surrounding spaces ignored):
//! - a dotted numeric core: `5`, `5.1`, `5.1.0`, `12.0.3` — compared number by number, trailing
//!   zeros ignored (`5.1 == 5.1.0`, `5.10 > 5.9`);
//! - an optional leading `v` / `V`: `V5.1`;
//! - an optional suffix after `-`, `+`, `_`, a space, or in parentheses:
//!   - a build number: `5.1-build3`, `v12.0.3 (build 77)`, `5.1+b3`, or bare digits `5.1-3`,
//!     ordered after the release without build (`5.1 < 5.1-build1 < 5.1-build2`);
//!   - a pre-release tag with an optional number: `5.1-rc1`, `5.1-beta`, `5.1 alpha.2`,
//!     ordered before the release (`5.1-alpha < 5.1-beta < 5.1-rc1 < 5.1-rc2 < 5.1`).
//!
//! Refused (they cannot be ordered): the empty string, no numeric core (`abc`, `v`), empty
//! segments (`5..1`, `5.`), and suffixes that are neither a build number nor a tag (`5.1-??`).

use std::cmp::Ordering;

use crate::ParseError;

/// The part after the numeric core.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Suffix {
    /// Pre-release tag (`rc`, `beta`…) with its optional number: before the release.
    Pre(String, u64),
    /// The plain release.
    Release,
    /// Build number: after the release.
    Build(u64),
}

/// A parsed, orderable version.
#[derive(Debug, Clone)]
pub struct Version {
    raw: String,
    /// Numeric core without trailing zeros.
    core: Vec<u64>,
    suffix: Suffix,
}

impl Version {
    /// Parses a declared version; see the module documentation for accepted forms.
    pub fn parse(input: &str) -> Result<Self, ParseError> {
        let err = |why: &str| {
            ParseError::new(
                "version",
                format!(
                    "« {input} » : {why} (formes acceptées : 5.1, 5.1.0, V5.1-build3, v12.0.3 (build 77), 5.1-rc1)"
                ),
            )
        };
        let s = input.trim();
        let s = s.strip_prefix(['v', 'V']).unwrap_or(s);
        let core_len = s
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(s.len());
        let (core_str, rest) = s.split_at(core_len);
        if core_str.is_empty() || !core_str.starts_with(|c: char| c.is_ascii_digit()) {
            return Err(err("numéro de version absent"));
        }
        let mut core = Vec::new();
        for seg in core_str.split('.') {
            if seg.is_empty() {
                return Err(err("segment vide"));
            }
            core.push(seg.parse::<u64>().map_err(|_| err("nombre trop grand"))?);
        }
        while core.len() > 1 && core.last() == Some(&0) {
            core.pop();
        }
        if core == [0] {
            core.clear();
        }
        let suffix = parse_suffix(rest).ok_or_else(|| err("suffixe non ordonnable"))?;
        Ok(Self {
            raw: input.trim().to_owned(),
            core,
            suffix,
        })
    }

    /// Compares the numeric cores only (`5.1-build3` equals `5.1-build1`).
    pub fn cmp_core(&self, other: &Version) -> Ordering {
        self.core.cmp(&other.core)
    }

    /// The numeric core, trailing zeros removed (`5.1.0` → `[5, 1]`).
    pub fn core(&self) -> &[u64] {
        &self.core
    }

    /// The version as declared.
    pub fn as_str(&self) -> &str {
        &self.raw
    }
}

fn parse_suffix(rest: &str) -> Option<Suffix> {
    let mut r = rest.trim();
    if r.is_empty() {
        return Some(Suffix::Release);
    }
    if let Some(x) = r.strip_prefix(['-', '+', '_']) {
        r = x.trim();
    }
    if let Some(x) = r.strip_prefix('(').and_then(|x| x.strip_suffix(')')) {
        r = x.trim();
    }
    let lower = r.to_ascii_lowercase();
    if lower.is_empty() {
        return None;
    }
    if lower.chars().all(|c| c.is_ascii_digit()) {
        return lower.parse().ok().map(Suffix::Build);
    }
    let tag_len = lower
        .find(|c: char| !c.is_ascii_alphabetic())
        .unwrap_or(lower.len());
    let (tag, num) = lower.split_at(tag_len);
    let num = num.trim_start_matches(['.', ' ', '-', '_']);
    let n = if num.is_empty() {
        0
    } else if num.chars().all(|c| c.is_ascii_digit()) {
        num.parse().ok()?
    } else {
        return None;
    };
    match tag {
        "" => None,
        "build" | "b" | "patch" | "p" => Some(Suffix::Build(n)),
        t => Some(Suffix::Pre(t.to_owned(), n)),
    }
}

impl PartialEq for Version {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Version {}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        self.core
            .cmp(&other.core)
            .then_with(|| self.suffix.cmp(&other.suffix))
    }
}

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.raw)
    }
}

impl std::str::FromStr for Version {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn v(s: &str) -> Version {
        Version::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn eqv_05_accepted_forms_parse() {
        for s in [
            "5",
            "5.1",
            "5.1.0",
            "V5.1-build3",
            "v12.0.3 (build 77)",
            "5.1-rc1",
            "5.1 beta",
            "5.1+b3",
            "5.1-3",
            " 2.0 ",
        ] {
            v(s);
        }
    }

    #[test]
    fn eqv_05_unorderable_versions_are_refused() {
        for s in [
            "",
            "abc",
            "v",
            "5..1",
            "5.",
            ".5",
            "5.1-??",
            "5.1-rc1x",
            "5.1 (build)x",
        ] {
            assert!(Version::parse(s).is_err(), "{s} should be refused");
        }
    }

    #[test]
    fn eqv_05_trailing_zeros_are_ignored() {
        assert_eq!(v("5.1"), v("5.1.0"));
        assert_eq!(v("5.1"), v("V5.1.0.0"));
        assert_eq!(v("0"), v("0.0"));
    }

    #[test]
    fn eqv_05_numeric_not_lexical_order() {
        assert!(v("5.10") > v("5.9"));
        assert!(v("12.0.3") > v("9.9.9"));
        assert!(v("5.1.1") > v("5.1"));
    }

    #[test]
    fn eqv_05_suffix_order() {
        assert!(v("5.1-alpha") < v("5.1-beta"));
        assert!(v("5.1-beta") < v("5.1-rc1"));
        assert!(v("5.1-rc1") < v("5.1-rc2"));
        assert!(v("5.1-rc2") < v("5.1"));
        assert!(v("5.1") < v("5.1-build1"));
        assert!(v("V5.1-build3") < v("5.1 (build 10)"));
        assert!(v("v12.0.3 (build 77)") == v("12.0.3-build77"));
        assert!(v("5.1-build99") < v("5.1.1-rc1"));
        assert_eq!(v("5.1-build3").cmp_core(&v("5.1-build1")), Ordering::Equal);
    }

    proptest! {
        #[test]
        fn eqv_05_order_matches_numeric_tuples(a in proptest::collection::vec(0u64..50, 1..4), b in proptest::collection::vec(0u64..50, 1..4)) {
            let sa = a.iter().map(u64::to_string).collect::<Vec<_>>().join(".");
            let sb = b.iter().map(u64::to_string).collect::<Vec<_>>().join(".");
            let pad = |x: &Vec<u64>| { let mut x = x.clone(); x.resize(4, 0); x };
            prop_assert_eq!(v(&sa).cmp(&v(&sb)), pad(&a).cmp(&pad(&b)));
        }
    }
}
