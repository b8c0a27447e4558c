//! The revision `fluxops follow` waits for, and whether a Flux revision string carries it.
//!
//! A revision is given as a commit sha (full or a prefix of at least [`MIN_PREFIX`] hex digits), a digest, or a
//! whole Flux revision (`main@sha1:<sha>`, `sha1:<sha>`, `latest@sha256:<digest>`, legacy `master/<sha>`); the
//! hex part is what is compared. A Flux revision string *carries* it when one of its hex parts starts with it
//! (case-insensitively): `main@sha1:<40 hex>`, `refs/heads/main@sha1:…`, `v1.2.3@sha1:…`, `sha1:…` (Git),
//! `latest@sha256:…`, `sha256:…` (OCI, Bucket), `master/<sha>` (pre-Flux-2.0).

use std::fmt;

/// Git's default abbreviation length: shorter prefixes are refused (too many false matches).
pub const MIN_PREFIX: usize = 7;

/// Why a `--revision` value cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RevisionError {
    #[error(
        "revision '{0}' has no commit sha or digest (expected hex like 'a1b2c3d' or 'main@sha1:<sha>')"
    )]
    NoHex(String),
    #[error("revision '{given}' is too short: at least {MIN_PREFIX} hex digits are needed")]
    TooShort { given: String },
}

/// The revision being followed: the hex of a commit sha or digest, lowercase.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetRevision {
    hex: String,
}

impl TargetRevision {
    /// Parses a sha, digest or Flux revision string.
    ///
    /// # Errors
    /// No hex part, or fewer than [`MIN_PREFIX`] hex digits.
    pub fn parse(given: &str) -> Result<Self, RevisionError> {
        let trimmed = given.trim();
        let hex = hex_parts(trimmed)
            .last()
            .map(str::to_ascii_lowercase)
            .ok_or_else(|| RevisionError::NoHex(trimmed.to_owned()))?;
        if hex.len() < MIN_PREFIX {
            return Err(RevisionError::TooShort {
                given: trimmed.to_owned(),
            });
        }
        Ok(Self { hex })
    }

    /// The hex digits compared.
    #[must_use]
    pub fn hex(&self) -> &str {
        &self.hex
    }

    /// The short form shown to users (the first 12 hex digits at most, like `flux` truncates).
    #[must_use]
    pub fn short(&self) -> &str {
        &self.hex[..self.hex.len().min(12)]
    }

    /// Whether the Flux revision string `revision` carries this revision (see the module doc).
    #[must_use]
    pub fn carried_by(&self, revision: &str) -> bool {
        hex_parts(revision).any(|part| {
            part.len() >= self.hex.len()
                && part.is_char_boundary(self.hex.len())
                && part[..self.hex.len()].eq_ignore_ascii_case(&self.hex)
        })
    }
}

impl fmt::Display for TargetRevision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.short())
    }
}

/// The hex parts of a revision string: after `<algo>:` (`sha1:`, `sha256:`), after the last `/` (legacy), or
/// the whole `@`-separated part when it is all hex. Parts that are not all hex are skipped.
fn hex_parts(revision: &str) -> impl Iterator<Item = &str> {
    revision.split('@').filter_map(|part| {
        let tail = part
            .rsplit_once(':')
            .map(|(_, t)| t)
            .or_else(|| part.rsplit_once('/').map(|(_, t)| t))
            .unwrap_or(part);
        (!tail.is_empty() && tail.chars().all(|c| c.is_ascii_hexdigit())).then_some(tail)
    })
}

/// Shortens the hex in a Flux revision for display (`main@sha1:0123456789ab…` → `main@sha1:0123456789ab`).
#[must_use]
pub fn display_revision(revision: &str) -> String {
    match revision.rsplit_once(':') {
        Some((head, hex)) if hex.len() > 12 && hex.chars().all(|c| c.is_ascii_hexdigit()) => {
            format!("{head}:{}", &hex[..12])
        }
        _ => revision.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHA: &str = "9e0f3c4a1b2c3d4e5f60718293a4b5c6d7e8f901";

    #[test]
    fn every_git_revision_form_carries_its_commit_and_its_prefixes() {
        let target = TargetRevision::parse(SHA).unwrap();
        let short = TargetRevision::parse(&SHA[..7]).unwrap();
        for rev in [
            format!("main@sha1:{SHA}"),
            format!("refs/heads/main@sha1:{SHA}"),
            format!("v1.2.3@sha1:{SHA}"),
            format!("sha1:{SHA}"),
            format!("master/{SHA}"),
            SHA.to_uppercase(),
        ] {
            assert!(target.carried_by(&rev), "{rev}");
            assert!(short.carried_by(&rev), "{rev}");
        }
        assert!(!target.carried_by(&format!("main@sha1:{}", &SHA[..20])));
        assert!(!short.carried_by("main@sha1:0000000000000000000000000000000000000000"));
        assert!(!short.carried_by("6.5.3"));
    }

    #[test]
    fn a_whole_flux_revision_or_digest_is_accepted_as_the_target() {
        let from_rev = TargetRevision::parse(&format!("main@sha1:{SHA}")).unwrap();
        assert_eq!(from_rev.hex(), SHA);
        let digest = TargetRevision::parse(
            "sha256:3b6cdcc7adcc9a84d3214ee1c029543789d90b5ae69debe9efa3f66e982875de",
        )
        .unwrap();
        assert!(digest.carried_by(
            "latest@sha256:3b6cdcc7adcc9a84d3214ee1c029543789d90b5ae69debe9efa3f66e982875de"
        ));
        assert!(!digest.carried_by(&format!("main@sha1:{SHA}")));
    }

    #[test]
    fn short_or_hexless_revisions_are_refused() {
        assert_eq!(
            TargetRevision::parse("abc12"),
            Err(RevisionError::TooShort {
                given: "abc12".into()
            })
        );
        assert!(matches!(
            TargetRevision::parse("main"),
            Err(RevisionError::NoHex(_))
        ));
        assert!(matches!(
            TargetRevision::parse(""),
            Err(RevisionError::NoHex(_))
        ));
    }

    #[test]
    fn display_truncates_long_hex_only() {
        assert_eq!(
            display_revision(&format!("main@sha1:{SHA}")),
            "main@sha1:9e0f3c4a1b2c"
        );
        assert_eq!(display_revision("6.5.3"), "6.5.3");
    }
}
