//! Chart version constraints as source-controller reads them (Masterminds semver v3, the library Helm and Flux
//! use), pure: `1.2.3` is that version exactly (not `^1.2.3` as in Cargo), `1.2.x` / `1.2.*` / `1.2` a
//! wildcard, `>= 1.0, < 2` (comma or space) all of them, `||` any group, `1.2 - 1.4.5` a range, `~` / `~>`,
//! `^`, `!=`. A pre-release version matches a comparator only when that comparator names a pre-release itself;
//! versions are strict semver with an optional leading `v`, as `fluxcd/pkg/version.ParseVersion` reads them.
//! Comparison is by precedence (build metadata ignored). The syntax is translated here; the versions and their
//! order are the `semver` crate's.

use semver::{Prerelease, Version};
use std::cmp::Ordering;

/// A parsed constraint: any of its groups, each all of its comparators.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Constraint {
    groups: Vec<Vec<Comparator>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
    Tilde,
    Caret,
}

/// One comparator: an operator and a partial version (`None` parts were left out or written `x` / `*`).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Comparator {
    op: Op,
    major: Option<u64>,
    minor: Option<u64>,
    patch: Option<u64>,
    pre: Prerelease,
}

/// Why a constraint does not parse (source-controller fails the chart with it).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("improper constraint: {0}")]
pub struct Improper(pub String);

/// A chart version as source-controller reads it: strict semver, a leading `v` allowed.
#[must_use]
pub fn parse_version(text: &str) -> Option<Version> {
    Version::parse(text.strip_prefix('v').unwrap_or(text)).ok()
}

impl Constraint {
    /// Parses `text` (an empty text or `*`: the latest stable version).
    ///
    /// # Errors
    /// A comparator that is not an operator and a (partial) version.
    pub fn parse(text: &str) -> Result<Self, Improper> {
        let improper = || Improper(text.to_owned());
        let mut groups = Vec::new();
        for group in text.split("||") {
            let tokens = tokens(group);
            let mut comparators = Vec::new();
            let mut i = 0;
            while i < tokens.len() {
                // A hyphen range: `A - B`.
                if tokens.get(i + 1).map(String::as_str) == Some("-") {
                    let low = tokens.get(i).ok_or_else(improper)?;
                    let high = tokens.get(i + 2).ok_or_else(improper)?;
                    comparators.push(comparator(Op::Ge, low).ok_or_else(improper)?);
                    comparators.push(comparator(Op::Le, high).ok_or_else(improper)?);
                    i += 3;
                    continue;
                }
                comparators.push(parse_comparator(&tokens[i]).ok_or_else(improper)?);
                i += 1;
            }
            if comparators.is_empty() {
                // `""` and `*`: any stable version.
                if group.trim().is_empty() && text.split("||").count() > 1 {
                    return Err(improper());
                }
                comparators.push(Comparator {
                    op: Op::Ge,
                    major: None,
                    minor: None,
                    patch: None,
                    pre: Prerelease::EMPTY,
                });
            }
            groups.push(comparators);
        }
        Ok(Constraint { groups })
    }

    /// Whether `version` satisfies the constraint.
    #[must_use]
    pub fn matches(&self, version: &Version) -> bool {
        self.groups
            .iter()
            .any(|g| g.iter().all(|c| c.matches(version)))
    }
}

/// The comparators of one group as tokens: operators kept with their version (`>= 1.0` is one token), a
/// lone `-` kept for hyphen ranges; commas and spaces separate.
fn tokens(group: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut pending_op = String::new();
    for word in group.split([',', ' ', '\t']).filter(|w| !w.is_empty()) {
        if word.chars().all(|c| "=!<>~^".contains(c)) {
            pending_op.push_str(word);
            continue;
        }
        out.push(format!("{}{word}", std::mem::take(&mut pending_op)));
    }
    if !pending_op.is_empty() {
        out.push(pending_op);
    }
    out
}

fn parse_comparator(token: &str) -> Option<Comparator> {
    const OPS: [(&str, Op); 11] = [
        ("!=", Op::Ne),
        (">=", Op::Ge),
        ("=>", Op::Ge),
        ("<=", Op::Le),
        ("=<", Op::Le),
        ("~>", Op::Tilde),
        ("=", Op::Eq),
        (">", Op::Gt),
        ("<", Op::Lt),
        ("~", Op::Tilde),
        ("^", Op::Caret),
    ];
    for (text, op) in OPS {
        if let Some(rest) = token.strip_prefix(text) {
            return comparator(op, rest);
        }
    }
    comparator(Op::Eq, token)
}

/// `op` with the partial version `text` (`1`, `1.2`, `1.2.x`, `v1.2.3-rc.1`, `*`).
fn comparator(op: Op, text: &str) -> Option<Comparator> {
    let text = text.strip_prefix('v').unwrap_or(text);
    let (core, pre) = match text
        .split_once('+')
        .map_or(text, |(c, _)| c)
        .split_once('-')
    {
        Some((core, pre)) => (core, Prerelease::new(pre).ok()?),
        None => (
            text.split_once('+').map_or(text, |(c, _)| c),
            Prerelease::EMPTY,
        ),
    };
    let mut parts = core.split('.');
    let mut part = || -> Option<Option<u64>> {
        match parts.next() {
            None | Some("x" | "X" | "*") => Some(None),
            Some(n) if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => {
                // No leading zeros, as strict semver; a number too large is no version.
                if n != "0" && n.starts_with('0') {
                    return None;
                }
                n.parse().ok().map(Some)
            }
            Some(_) => None,
        }
    };
    let major = part()?;
    let minor = part()?;
    let patch = part()?;
    if parts.next().is_some() {
        return None;
    }
    // A wildcard part is followed only by wildcards.
    if (major.is_none() && (minor.is_some() || patch.is_some()))
        || (minor.is_none() && patch.is_some())
    {
        return None;
    }
    Some(Comparator {
        op,
        major,
        minor,
        patch,
        pre,
    })
}

impl Comparator {
    /// The version with wildcards as zeros.
    fn floor(&self) -> Version {
        Version {
            major: self.major.unwrap_or(0),
            minor: self.minor.unwrap_or(0),
            patch: self.patch.unwrap_or(0),
            pre: self.pre.clone(),
            build: semver::BuildMetadata::EMPTY,
        }
    }

    /// The first version past the wildcard (`1.2.x` → `1.3.0`, `1.x` → `2.0.0`); `None` when the major is a
    /// wildcard too or nothing is one.
    fn past_wildcard(&self) -> Option<Version> {
        match (self.major, self.minor, self.patch) {
            (Some(m), None, _) => Some(Version::new(m + 1, 0, 0)),
            (Some(m), Some(n), None) => Some(Version::new(m, n + 1, 0)),
            _ => None,
        }
    }

    fn is_wild(&self) -> bool {
        self.patch.is_none()
    }

    fn matches(&self, v: &Version) -> bool {
        if !v.pre.is_empty() && self.pre.is_empty() {
            return false;
        }
        let cmp = |a: &Version| precedence(v, a);
        let floor = self.floor();
        match self.op {
            Op::Eq => self.equal(v),
            Op::Ne => !self.equal(v),
            Op::Gt => match self.past_wildcard() {
                Some(next) if self.is_wild() => cmp(&next) != Ordering::Less,
                _ if self.major.is_none() => false,
                _ => cmp(&floor) == Ordering::Greater,
            },
            Op::Ge => cmp(&floor) != Ordering::Less,
            Op::Lt => cmp(&floor) == Ordering::Less,
            Op::Le => match self.past_wildcard() {
                Some(next) if self.is_wild() => cmp(&next) == Ordering::Less,
                _ if self.major.is_none() => true,
                _ => cmp(&floor) != Ordering::Greater,
            },
            Op::Tilde => {
                let upper = match (self.major, self.minor) {
                    (None, _) => return true,
                    (Some(m), None) => Version::new(m + 1, 0, 0),
                    (Some(m), Some(n)) => Version::new(m, n + 1, 0),
                };
                cmp(&floor) != Ordering::Less && cmp(&upper) == Ordering::Less
            }
            Op::Caret => {
                let upper = match (self.major, self.minor, self.patch) {
                    (None, _, _) => return true,
                    (Some(m), _, _) if m > 0 => Version::new(m + 1, 0, 0),
                    (Some(_), None, _) => Version::new(1, 0, 0),
                    (Some(_), Some(n), _) if n > 0 => Version::new(0, n + 1, 0),
                    (Some(_), Some(_), None) => Version::new(0, 1, 0),
                    (Some(_), Some(_), Some(p)) => Version::new(0, 0, p + 1),
                };
                cmp(&floor) != Ordering::Less && cmp(&upper) == Ordering::Less
            }
        }
    }

    /// `=`: the same version, or inside the wildcard.
    fn equal(&self, v: &Version) -> bool {
        match self.past_wildcard() {
            Some(next) if self.is_wild() => {
                precedence(v, &self.floor()) != Ordering::Less
                    && precedence(v, &next) == Ordering::Less
            }
            _ if self.major.is_none() => true,
            _ => precedence(v, &self.floor()) == Ordering::Equal,
        }
    }
}

/// Order by precedence: build metadata does not count.
fn precedence(a: &Version, b: &Version) -> Ordering {
    a.cmp_precedence(b)
}

/// The outcome of looking `wanted` up among `available` versions, as source-controller does: an exact
/// string match first, then the highest version satisfying the constraint (an empty `wanted` or `*`: the
/// latest stable one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    /// This version would be used.
    Found(String),
    /// Nothing in `available` satisfies it.
    NoMatch,
    /// `wanted` is neither one of the versions nor a constraint.
    Improper(Improper),
}

/// Looks `wanted` up among `available`.
#[must_use]
pub fn lookup(wanted: &str, available: &[String]) -> Lookup {
    if !wanted.is_empty()
        && let Some(exact) = available.iter().find(|v| *v == wanted)
    {
        return Lookup::Found(exact.clone());
    }
    let constraint = match Constraint::parse(wanted) {
        Ok(c) => c,
        Err(e) => return Lookup::Improper(e),
    };
    available
        .iter()
        .filter_map(|text| parse_version(text).map(|v| (v, text)))
        .filter(|(v, _)| constraint.matches(v))
        .max_by(|(a, _), (b, _)| precedence(a, b))
        .map_or(Lookup::NoMatch, |(_, text)| Lookup::Found(text.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(constraint: &str, version: &str) -> bool {
        let c = Constraint::parse(constraint).unwrap();
        c.matches(&parse_version(version).unwrap())
    }

    #[test]
    fn a_bare_version_is_that_version_not_a_caret_range() {
        assert!(ok("1.2.3", "1.2.3"));
        assert!(ok("1.2.3", "v1.2.3"));
        assert!(!ok("1.2.3", "1.2.4"));
        assert!(ok("v1.2.3", "1.2.3+build.7"));
        assert!(ok("=1.2.3", "1.2.3"));
    }

    #[test]
    fn wildcards_and_partial_versions() {
        for c in ["1.2.x", "1.2.*", "1.2", "=1.2", "1.2.X"] {
            assert!(ok(c, "1.2.0"), "{c}");
            assert!(ok(c, "1.2.99"), "{c}");
            assert!(!ok(c, "1.3.0"), "{c}");
            assert!(!ok(c, "1.1.9"), "{c}");
        }
        assert!(ok("1.x", "1.9.0"));
        assert!(!ok("1.x", "2.0.0"));
        assert!(ok("*", "0.0.1"));
        assert!(ok("", "99.0.0"));
        assert!(!ok("*", "1.0.0-rc.1"));
        assert!(ok(">1.2.x", "1.3.0"));
        assert!(!ok(">1.2.x", "1.2.9"));
        assert!(ok("<=1.2.x", "1.2.9"));
        assert!(!ok("<=1.2.x", "1.3.0"));
    }

    #[test]
    fn ranges_with_commas_spaces_or_and_hyphens() {
        for c in [">=1.0, <2", ">= 1.0 < 2", ">=1.0.0,<2.0.0", "=>1.0 =<1.99"] {
            assert!(ok(c, "1.5.0"), "{c}");
            assert!(!ok(c, "2.0.0"), "{c}");
            assert!(!ok(c, "0.9.0"), "{c}");
        }
        assert!(ok("<1.0 || >=3", "0.5.0"));
        assert!(ok("<1.0 || >=3", "3.1.0"));
        assert!(!ok("<1.0 || >=3", "2.0.0"));
        assert!(ok("1.2 - 1.4.5", "1.4.5"));
        assert!(ok("1.2 - 1.4.5", "1.2.0"));
        assert!(!ok("1.2 - 1.4.5", "1.4.6"));
        assert!(!ok("!=1.2.3", "1.2.3"));
        assert!(ok(">=1, !=1.2.3", "1.2.4"));
        assert!(!ok(">=1, !=1.2.3", "1.2.3"));
        assert!(!ok(">1", "1.5.0"), "> 1 is past 1.x");
        assert!(ok(">1.0.0", "1.0.1"));
        assert!(!ok("<1.0.0", "1.0.0"));
    }

    #[test]
    fn tilde_and_caret_as_helm_reads_them() {
        assert!(ok("~1.2.3", "1.2.9"));
        assert!(!ok("~1.2.3", "1.3.0"));
        assert!(ok("~>1.2", "1.2.0"));
        assert!(ok("~1", "1.9.9"));
        assert!(!ok("~1", "2.0.0"));
        assert!(ok("^1.2.3", "1.9.0"));
        assert!(!ok("^1.2.3", "2.0.0"));
        assert!(!ok("^1.2.3", "1.2.2"));
        assert!(ok("^0.2.3", "0.2.9"));
        assert!(!ok("^0.2.3", "0.3.0"));
        assert!(ok("^0.0.3", "0.0.3"));
        assert!(!ok("^0.0.3", "0.0.4"));
        assert!(ok("^0", "0.9.0"));
        assert!(!ok("^0", "1.0.0"));
    }

    #[test]
    fn pre_releases_match_only_comparators_that_name_one() {
        assert!(!ok(">=1.0.0", "2.0.0-rc.1"));
        assert!(ok(">=1.0.0-alpha", "2.0.0-rc.1"));
        assert!(ok(">=1.0.0-alpha", "1.0.0"));
        assert!(ok("1.0.0-rc.1", "1.0.0-rc.1"));
        assert!(!ok("1.0.0-rc.1", "1.0.0-rc.2"));
    }

    #[test]
    fn improper_constraints_are_refused() {
        for c in [
            "latest", "1.2.3.4", ">=", "01.2.3", "1.x.3", "abc || 1", "1 ||", "~", "1.2 -",
        ] {
            assert!(Constraint::parse(c).is_err(), "{c}");
        }
    }

    #[test]
    fn lookup_takes_an_exact_string_first_then_the_highest_match() {
        let versions: Vec<String> = ["6.5.4", "6.6.0", "6.6.1", "7.0.0-rc.1", "latest", "v6.4.0"]
            .map(String::from)
            .to_vec();
        assert_eq!(lookup("", &versions), Lookup::Found("6.6.1".into()));
        assert_eq!(lookup("*", &versions), Lookup::Found("6.6.1".into()));
        assert_eq!(lookup("6.5.x", &versions), Lookup::Found("6.5.4".into()));
        assert_eq!(lookup("6.4.0", &versions), Lookup::Found("v6.4.0".into()));
        assert_eq!(lookup("latest", &versions), Lookup::Found("latest".into()));
        assert_eq!(lookup("9.*", &versions), Lookup::NoMatch);
        assert_eq!(
            lookup(">=7.0.0-0", &versions),
            Lookup::Found("7.0.0-rc.1".into())
        );
        assert!(matches!(lookup("newest", &versions), Lookup::Improper(_)));
    }
}
