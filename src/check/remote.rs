//! A build that failed only because a remote resource could not be reached, pure: kustomize's error read for the
//! remote it was accumulating (`github.com/org/repo/path?ref=v1`, `https://host/file.yaml`, `git@host:org/repo`)
//! and a network failure under it (DNS, refused, timed out, unreachable, as git/curl and Go's net package word
//! them). Such a build says nothing about the repository: it is a note (`remote-unavailable`), not a
//! `build-failed` error, so an offline pre-commit hook or CI runner does not fail on a path that builds in the
//! cluster. A remote that answers (a 404, a missing ref, a bad file) is not a network failure and stays an error.

/// What could not be fetched, and why, in kustomize's and git's own words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreachable {
    /// The remote resource as the kustomization lists it.
    pub remote: String,
    /// The network failure, e.g. `Could not resolve host: github.com`.
    pub reason: String,
}

/// How git, curl and Go's net package say the network could not be used (matched ignoring case).
const NETWORK_FAILURES: &[&str] = &[
    "could not resolve host",
    "could not resolve proxy",
    "no such host",
    "temporary failure in name resolution",
    "name or service not known",
    "connection refused",
    "connection timed out",
    "connection reset",
    "operation timed out",
    "i/o timeout",
    "tls handshake timeout",
    "network is unreachable",
    "no route to host",
    "failed to connect to",
];

/// The remote resource whose fetch failed for want of a network, when that is why the build failed.
#[must_use]
pub fn unreachable(error: &str) -> Option<Unreachable> {
    let remote = accumulated(error)
        .into_iter()
        .rev()
        .find(|r| is_remote(r))
        .map(str::to_owned)
        .or_else(|| first_url(error))?;
    let phrases = NETWORK_FAILURES.join("|");
    let failure = regex::Regex::new(&format!("(?i){phrases}")).ok()?;
    let rest = &error[failure.find(error)?.start()..];
    let reason: String = rest
        .split(['\n', '\'', '"'])
        .next()
        .unwrap_or_default()
        .trim()
        .trim_end_matches(':')
        .chars()
        .take(160)
        .collect();
    Some(Unreachable { remote, reason })
}

/// Every `accumulating resources from '…'` target of the error, outermost first.
fn accumulated(error: &str) -> Vec<&str> {
    const MARK: &str = "accumulating resources from '";
    error
        .match_indices(MARK)
        .filter_map(|(i, _)| {
            let rest = &error[i + MARK.len()..];
            rest.find('\'').map(|end| &rest[..end])
        })
        .collect()
}

/// The first URL of the error (a generator's `files:` from `https://…`: kustomize quotes the source, then Go's
/// `Get "…"`).
fn first_url(error: &str) -> Option<String> {
    let re = regex::Regex::new(r#"(?i)\b(?:https?|ssh|git)://[^\s"'\\\[\]]+"#).ok()?;
    re.find(error).map(|m| m.as_str().to_owned())
}

/// A kustomization entry that names something kustomize must fetch: a URL, `git@host:…`, or a host-qualified
/// path (`github.com/org/repo/…`: its first segment is a host name ending in a
/// letters-only top-level domain, and it is not relative).
#[must_use]
pub fn is_remote(entry: &str) -> bool {
    if entry.contains("://") || entry.starts_with("git@") {
        return true;
    }
    if entry.starts_with('.') || entry.starts_with('/') {
        return false;
    }
    entry.split_once('/').is_some_and(|(host, rest)| {
        let tld = host.rsplit('.').next().unwrap_or_default();
        host.contains('.')
            && tld.len() >= 2
            && tld.chars().all(|c| c.is_ascii_alphabetic())
            && !rest.is_empty()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const GIT_DNS: &str = "accumulating resources: accumulation err='accumulating resources from \
        'github.com/fluxcd/flux2/manifests/install?ref=v0.30.2': evalsymlink failure on \
        '/tmp/kr/github.com/fluxcd/flux2/manifests/install?ref=v0.30.2' : lstat /tmp/kr/github.com: no such file \
        or directory': failed to run '/usr/local/bin/git fetch --depth=1 https://github.com/fluxcd/flux2 v0.30.2': \
        fatal: unable to access 'https://github.com/fluxcd/flux2/': Could not resolve host: github.com\n\t: exit \
        status 128";

    #[test]
    fn a_git_remote_that_cannot_be_resolved_is_unreachable() {
        let u = unreachable(GIT_DNS).unwrap();
        assert_eq!(
            u.remote,
            "github.com/fluxcd/flux2/manifests/install?ref=v0.30.2"
        );
        assert_eq!(u.reason, "Could not resolve host: github.com");
    }

    #[test]
    fn an_https_file_behind_a_local_base_names_the_remote_not_the_base() {
        let e = "accumulating resources: accumulation err='accumulating resources from '../base': \
            accumulating resources from 'https://raw.githubusercontent.com/x/y/main/crd.yaml': Get \
            \"https://raw.githubusercontent.com/x/y/main/crd.yaml\": dial tcp 1.2.3.4:443: i/o timeout'";
        let u = unreachable(e).unwrap();
        assert_eq!(
            u.remote,
            "https://raw.githubusercontent.com/x/y/main/crd.yaml"
        );
        assert!(u.reason.starts_with("i/o timeout"), "{}", u.reason);
    }

    #[test]
    fn a_generator_file_from_a_url_is_named_by_its_url() {
        let e = r#"loading KV pairs: file sources: [d.json=https://127.0.0.1:9/cluster.json]: Get "https://127.0.0.1:9/cluster.json": dial tcp 127.0.0.1:9: connect: connection refused"#;
        let u = unreachable(e).unwrap();
        assert_eq!(u.remote, "https://127.0.0.1:9/cluster.json");
        assert_eq!(u.reason, "connection refused");
        let ssh = "accumulating resources from 'git@fluxops.invalid:org/repo.git//deploy?ref=v1': failed to \
            run 'git fetch': ssh: Could not resolve hostname fluxops.invalid: Name or service not known\n\tfatal";
        let u = unreachable(ssh).unwrap();
        assert_eq!(u.remote, "git@fluxops.invalid:org/repo.git//deploy?ref=v1");
        assert_eq!(
            u.reason,
            "Could not resolve hostname fluxops.invalid: Name or service not known"
        );
    }

    #[test]
    fn a_remote_that_answers_or_a_local_failure_is_not_a_network_failure() {
        let not_found = "accumulating resources from 'github.com/o/r/p?ref=v9': failed to run 'git fetch': \
            fatal: couldn't find remote ref v9";
        assert_eq!(unreachable(not_found), None);
        let local = "accumulating resources from './apps': lstat ./apps/x.yaml: no such file or directory \
            (connection refused in a comment)";
        assert_eq!(unreachable(local), None, "a local path is never remote");
        assert_eq!(unreachable("map[string]interface {}: yaml: line 3"), None);
    }

    #[test]
    fn remote_entries_are_told_from_local_paths() {
        for r in [
            "github.com/org/repo/path?ref=v1",
            "https://example.com/a.yaml",
            "git@github.com:org/repo.git",
            "ssh://git@host/org/repo",
        ] {
            assert!(is_remote(r), "{r}");
        }
        for l in [
            "./apps",
            "../base",
            "apps/base",
            "/abs/path",
            "crd.yaml",
            "v1.2/x",
        ] {
            assert!(!is_remote(l), "{l}");
        }
    }
}
