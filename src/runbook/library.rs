//! The shipped runbooks (`docs/runbooks/*.md`, embedded in the binary) and user runbooks from a directory.
//! A user runbook with the id of a shipped one replaces it.

use super::load;
use super::model::Runbook;
use crate::actions::Catalog;
use crate::config::ConfigProblem;
use std::path::{Path, PathBuf};

macro_rules! shipped {
    ($($name:literal),* $(,)?) => {
        /// Every shipped runbook: (path, text).
        pub const SHIPPED: &[(&str, &str)] = &[
            $((concat!("docs/runbooks/", $name, ".md"), include_str!(concat!("../../docs/runbooks/", $name, ".md")))),*
        ];
    };
}

shipped!(
    "break-glass",
    "check-chart-version",
    "check-credentials",
    "check-known-hosts",
    "check-kustomization-path",
    "check-rbac",
    "check-signature",
    "check-source",
    "check-source-ref",
    "configure-decryption",
    "decrypt-secrets",
    "fix-manifest-schema",
    "fix-source-url",
    "follow-dependency",
    "follow-source",
    "helm-drift",
    "helm-release-locked",
    "helm-remediation-failed",
    "helm-test-failed",
    "helm-wait-timeout",
    "inspect-failed-resources",
    "inspect-helm-install",
    "inspect-helm-upgrade",
    "inspect-object",
    "inspect-waited-resources",
    "install-crd-first",
    "missing-service-account",
    "postbuild-variables",
    "recreate-immutable",
    "reproduce-build",
    "reset-retries",
    "snapshot-restore",
    "stuck-reconciliation",
);

/// The shipped runbooks, loaded against `catalog`.
///
/// # Errors
/// The first shipped runbook with a problem (a test proves there is none).
pub fn builtin(catalog: &Catalog) -> Result<Vec<Runbook>, ConfigProblem> {
    SHIPPED
        .iter()
        .map(|(path, text)| load::parse(text, Path::new(path), catalog))
        .collect()
}

/// The `*.md` files of `dir`, sorted.
#[must_use]
pub fn files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    out.sort();
    out
}

/// The shipped runbooks with those of `user_dir` (when given) over them; each user file that does not load is
/// returned as a problem beside the rest.
#[must_use]
pub fn all(catalog: &Catalog, user_dir: Option<&Path>) -> (Vec<Runbook>, Vec<ConfigProblem>) {
    let mut problems = Vec::new();
    let mut runbooks = match builtin(catalog) {
        Ok(r) => r,
        Err(p) => {
            problems.push(p);
            Vec::new()
        }
    };
    for path in user_dir.map(files).unwrap_or_default() {
        match load::load_file(&path, catalog) {
            Ok(r) => {
                runbooks.retain(|b| b.id != r.id);
                runbooks.push(r);
            }
            Err(p) => problems.push(p),
        }
    }
    runbooks.sort_by(|a, b| a.id.cmp(&b.id));
    (runbooks, problems)
}
