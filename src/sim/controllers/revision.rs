//! Realistic, deterministic source revisions and artifacts: Git `main@sha1:<40 hex>`, OCI `latest@sha256:<64 hex>`,
//! chart versions resolved from semver constraints, `status.artifact` blocks with digest, path, url, size and
//! lastUpdateTime. The same seed always gives the same text, so scenarios and tests are reproducible.

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// The storage host the source-controller advertises in artifact URLs.
pub const STORAGE_HOST: &str = "http://source-controller.flux-system.svc.cluster.local.";

/// `len` lowercase hex characters derived from `seed` (SHA-256, extended by re-hashing when `len > 64`).
#[must_use]
pub fn hex(seed: &str, len: usize) -> String {
    let mut out = String::with_capacity(len + 64);
    let mut block = Sha256::digest(seed.as_bytes());
    while out.len() < len {
        for byte in block {
            out.push_str(&format!("{byte:02x}"));
        }
        block = Sha256::digest(block);
    }
    out.truncate(len);
    out
}

/// `sha256:<64 hex>`.
#[must_use]
pub fn sha256_digest(seed: &str) -> String {
    format!("sha256:{}", hex(seed, 64))
}

/// A stable number in `0..modulo` derived from `seed`.
#[must_use]
pub fn number(seed: &str, modulo: u64) -> u64 {
    let h = Sha256::digest(seed.as_bytes());
    let mut bytes = [0_u8; 8];
    bytes.copy_from_slice(&h[..8]);
    u64::from_le_bytes(bytes) % modulo.max(1)
}

fn ref_field<'a>(spec_ref: Option<&'a Value>, key: &str) -> Option<&'a str> {
    spec_ref?.get(key)?.as_str().filter(|s| !s.is_empty())
}

/// A GitRepository revision for commit number `n`, following `spec.ref` (commit > name > semver > tag > branch,
/// default branch `master`, as source-controller does).
#[must_use]
pub fn git_revision(spec_ref: Option<&Value>, seed: &str, n: u32) -> String {
    if let Some(commit) = ref_field(spec_ref, "commit") {
        return match ref_field(spec_ref, "branch") {
            Some(branch) => format!("{branch}@sha1:{commit}"),
            None => format!("sha1:{commit}"),
        };
    }
    let sha = hex(&format!("{seed}#commit{n}"), 40);
    let label = if let Some(name) = ref_field(spec_ref, "name") {
        name.to_owned()
    } else if let Some(range) = ref_field(spec_ref, "semver") {
        format!("v{}", resolve_version(Some(range), seed, n))
    } else if let Some(tag) = ref_field(spec_ref, "tag") {
        tag.to_owned()
    } else {
        ref_field(spec_ref, "branch").unwrap_or("master").to_owned()
    };
    format!("{label}@sha1:{sha}")
}

/// An OCIRepository revision for push number `n`: `<tag>@sha256:<hex>`, `sha256:<digest>` when pinned by digest.
/// `version` overrides the tag (a scenario's `chartVersion`).
#[must_use]
pub fn oci_revision(spec_ref: Option<&Value>, seed: &str, n: u32, version: Option<&str>) -> String {
    if let Some(digest) = ref_field(spec_ref, "digest") {
        return digest.to_owned();
    }
    let digest = sha256_digest(&format!("{seed}#push{n}"));
    let tag = if let Some(v) = version {
        bump_patch(v, n)
    } else if let Some(range) = ref_field(spec_ref, "semver") {
        resolve_version(Some(range), seed, n)
    } else {
        ref_field(spec_ref, "tag").unwrap_or("latest").to_owned()
    };
    format!("{tag}@{digest}")
}

/// The tag part of an OCI revision (`6.5.3@sha256:…` → `6.5.3`), or `None` for a bare digest.
#[must_use]
pub fn oci_tag(revision: &str) -> Option<&str> {
    revision.split_once('@').map(|(tag, _)| tag)
}

/// The chart version helm-controller records for an OCI chart: `<version>+<first 12 hex of the digest>`.
#[must_use]
pub fn oci_chart_version(revision: &str) -> String {
    match revision.split_once("@sha256:") {
        Some((tag, hex)) => format!("{tag}+{}", &hex[..hex.len().min(12)]),
        None => revision.to_owned(),
    }
}

/// `version` with its patch number raised by `n` (unchanged when it isn't semver).
#[must_use]
pub fn bump_patch(version: &str, n: u32) -> String {
    if n == 0 {
        return version.to_owned();
    }
    let (prefix, bare) = match version.strip_prefix('v') {
        Some(rest) => ("v", rest),
        None => ("", version),
    };
    match semver::Version::parse(bare) {
        Ok(mut v) => {
            v.patch += u64::from(n);
            v.pre = semver::Prerelease::EMPTY;
            format!("{prefix}{v}")
        }
        Err(_) => version.to_owned(),
    }
}

/// Turns a Masterminds/semver constraint (what Flux accepts) into Rust `semver` syntax: first `||` alternative,
/// hyphen ranges, space-separated comparators.
fn normalise_constraint(constraint: &str) -> String {
    let first = constraint.split("||").next().unwrap_or_default().trim();
    if let Some((low, high)) = first.split_once(" - ") {
        return format!(">={}, <={}", low.trim(), high.trim());
    }
    let mut parts: Vec<String> = Vec::new();
    for token in first.split_whitespace() {
        let glue_to_previous = parts
            .last()
            .is_some_and(|p| p.chars().all(|c| "<>=!~^".contains(c)));
        match parts.last_mut() {
            Some(last) if glue_to_previous => last.push_str(token),
            _ => parts.push(token.trim_end_matches(',').to_owned()),
        }
    }
    parts.join(", ")
}

/// A concrete version satisfying `constraint` (a chart `version`, an OCI/Git `semver` ref; `None`/`*` = any),
/// raised by `n` patch releases (new versions published over time). Deterministic in `seed`.
#[must_use]
pub fn resolve_version(constraint: Option<&str>, seed: &str, n: u32) -> String {
    let text = constraint.unwrap_or("*").trim();
    if let Ok(v) = semver::Version::parse(text.trim_start_matches('v')) {
        return bump_patch(&v.to_string(), n);
    }
    let numbers: Vec<u64> = text
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .take(3)
        .filter_map(|s| s.parse().ok())
        .collect();
    let base = |i: usize, fallback: u64| numbers.get(i).copied().unwrap_or(fallback);
    let (major, minor, patch) = (
        base(0, 1 + number(&format!("{seed}#major"), 9)),
        base(1, number(&format!("{seed}#minor"), 20)),
        base(2, number(&format!("{seed}#patch"), 10)),
    );
    let req = semver::VersionReq::parse(&normalise_constraint(text)).ok();
    let mut best = semver::Version::new(major, minor, patch);
    if let Some(req) = req {
        let mut candidates = Vec::new();
        for dmajor in 0..3 {
            for dminor in 0..8 {
                for dpatch in 0..8 {
                    candidates.push(semver::Version::new(
                        major + dmajor,
                        if dmajor == 0 { minor + dminor } else { dminor },
                        if dmajor == 0 && dminor == 0 {
                            patch + dpatch
                        } else {
                            dpatch
                        },
                    ));
                }
            }
        }
        // Prefer a version a little above the floor, like a real index with a few releases.
        let wanted = number(&format!("{seed}#pick"), 4);
        let matching: Vec<_> = candidates.into_iter().filter(|v| req.matches(v)).collect();
        if let Some(v) = matching.get(wanted as usize).or(matching.last()) {
            best = v.clone();
        }
    }
    bump_patch(&best.to_string(), n)
}

/// Where the source-controller stores an artifact: `<kind>/<ns>/<name>/<file>`.
#[must_use]
pub fn artifact_path(kind_lower: &str, namespace: &str, name: &str, file: &str) -> String {
    format!("{kind_lower}/{namespace}/{name}/{file}")
}

/// A `status.artifact` block (meta.Artifact).
#[must_use]
pub fn artifact(path: &str, revision: &str, now: &str) -> Value {
    let seed = format!("{path}#{revision}");
    json!({
        "digest": sha256_digest(&seed),
        "lastUpdateTime": now,
        "path": path,
        "revision": revision,
        "size": 4_096 + number(&seed, 200_000),
        "url": format!("{STORAGE_HOST}/{path}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_is_deterministic_and_sized() {
        assert_eq!(hex("a", 40), hex("a", 40));
        assert_ne!(hex("a", 40), hex("b", 40));
        assert_eq!(hex("a", 100).len(), 100);
        assert!(hex("a", 64).chars().all(|c| c.is_ascii_hexdigit()));
    }

    #[test]
    fn git_revisions_follow_the_ref() {
        let rev = git_revision(Some(&json!({"branch": "main"})), "s", 0);
        assert!(rev.starts_with("main@sha1:") && rev.len() == "main@sha1:".len() + 40);
        assert!(git_revision(None, "s", 0).starts_with("master@sha1:"));
        assert_eq!(
            git_revision(Some(&json!({"commit": "abc"})), "s", 0),
            "sha1:abc"
        );
        assert!(git_revision(Some(&json!({"tag": "v1.0.1"})), "s", 0).starts_with("v1.0.1@sha1:"));
        assert_ne!(
            git_revision(Some(&json!({"branch": "main"})), "s", 0),
            git_revision(Some(&json!({"branch": "main"})), "s", 1)
        );
    }

    #[test]
    fn oci_revisions_carry_tag_and_digest() {
        let rev = oci_revision(Some(&json!({"tag": "latest"})), "s", 0, None);
        assert!(rev.starts_with("latest@sha256:"));
        assert_eq!(oci_tag(&rev), Some("latest"));
        let chart = oci_revision(Some(&json!({"semver": "6.5.x"})), "s", 0, None);
        let tag = oci_tag(&chart).unwrap();
        assert!(
            semver::VersionReq::parse("6.5.*")
                .unwrap()
                .matches(&semver::Version::parse(tag).unwrap())
        );
        let v = oci_chart_version(&chart);
        assert_eq!(v.len(), tag.len() + 13);
    }

    #[test]
    fn versions_satisfy_their_constraints() {
        for (constraint, req) in [
            ("6.x", "6.*"),
            (">=1.2.0 <2.0.0", ">=1.2.0, <2.0.0"),
            ("~4.1", "~4.1"),
            ("^0.12.0", "^0.12.0"),
            ("1.2 - 1.4", ">=1.2, <=1.4"),
        ] {
            let v = resolve_version(Some(constraint), "seed", 0);
            let parsed = semver::Version::parse(&v).unwrap();
            assert!(
                semver::VersionReq::parse(req).unwrap().matches(&parsed),
                "{constraint} -> {v}"
            );
        }
        assert_eq!(resolve_version(Some("6.5.3"), "x", 0), "6.5.3");
        assert_eq!(resolve_version(Some("6.5.3"), "x", 2), "6.5.5");
        assert!(semver::Version::parse(&resolve_version(None, "x", 0)).is_ok());
    }

    #[test]
    fn artifacts_have_every_field() {
        let a = artifact(
            "gitrepository/ns/n/abc.tar.gz",
            "main@sha1:abc",
            "2024-01-01T00:00:00Z",
        );
        for key in [
            "digest",
            "lastUpdateTime",
            "path",
            "revision",
            "size",
            "url",
        ] {
            assert!(a.get(key).is_some(), "{key}");
        }
        assert!(
            a["url"]
                .as_str()
                .unwrap()
                .ends_with("/gitrepository/ns/n/abc.tar.gz")
        );
    }
}
