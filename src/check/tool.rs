//! The kustomize build tool on PATH: `kustomize build` when present, else `kubectl kustomize` (same engine,
//! vendored); none is said clearly (rule `build-tool-missing`). Both run with `--load-restrictor
//! LoadRestrictionsNone`, as kustomize-controller builds (files outside a kustomization's directory load).
//! The only process this module starts is that tool, with the directory as its argument.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The build tool found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tool {
    Kustomize(PathBuf),
    Kubectl(PathBuf),
}

impl Tool {
    /// `kustomize build` or `kubectl kustomize`, for notes.
    #[must_use]
    pub fn describe(&self) -> String {
        match self {
            Tool::Kustomize(p) => format!("kustomize build ({})", p.display()),
            Tool::Kubectl(p) => format!("kubectl kustomize ({})", p.display()),
        }
    }

    /// Builds the kustomization in `dir`: the YAML output, or the tool's error output (first lines).
    ///
    /// # Errors
    /// The build failed or the tool could not be started; the text says why.
    pub fn build(&self, dir: &Path) -> Result<String, String> {
        let mut command = match self {
            Tool::Kustomize(p) => {
                let mut c = Command::new(p);
                c.arg("build");
                c
            }
            Tool::Kubectl(p) => {
                let mut c = Command::new(p);
                c.arg("kustomize");
                c
            }
        };
        command
            .arg("--load-restrictor")
            .arg("LoadRestrictionsNone")
            .arg(dir)
            .stdin(std::process::Stdio::null());
        let output = command
            .output()
            .map_err(|e| format!("cannot run {}: {e}", self.describe()))?;
        if output.status.success() {
            Ok(String::from_utf8_lossy(&output.stdout).into_owned())
        } else {
            let err = String::from_utf8_lossy(&output.stderr);
            // kustomize prints deprecation warnings (`# Warning: 'patchesStrategicMerge' is deprecated…`)
            // before the error: they are not why the build failed.
            let text: Vec<&str> = err
                .lines()
                .filter(|l| !l.trim().is_empty() && !l.starts_with("# Warning"))
                .take(3)
                .collect();
            Err(text.join(" | "))
        }
    }
}

/// The first executable named `name` on `path` (a PATH value).
#[must_use]
pub fn find_in(path: &std::ffi::OsStr, name: &str) -> Option<PathBuf> {
    std::env::split_paths(path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// The tool on this process's PATH: `kustomize`, else `kubectl`.
#[must_use]
pub fn detect() -> Option<Tool> {
    let path = std::env::var_os("PATH")?;
    find_in(&path, "kustomize")
        .map(Tool::Kustomize)
        .or_else(|| find_in(&path, "kubectl").map(Tool::Kubectl))
}
