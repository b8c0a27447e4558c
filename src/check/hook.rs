//! `fluxops hook install`: a git pre-commit hook that runs `fluxops check` on the repository and stops the
//! commit on findings at or above `--fail-on` (exit 1); a repository that cannot be checked (exit 3) stops it
//! too. The hook is a small POSIX shell script marked as ours ([`MARKER`]): installing again replaces our
//! hook, never someone else's without `--force`. docs/CHECK.md also has the pre-commit framework entry and a
//! CI step.

use std::path::{Path, PathBuf};

/// The line that marks a hook as written by fluxops.
pub const MARKER: &str = "# fluxops-check-hook";

/// The hook script.
#[must_use]
pub fn script() -> String {
    format!(
        "#!/bin/sh\n{MARKER}\n# Written by `fluxops hook install`: checks the GitOps repository before each commit.\n\
         # Skip once with `git commit --no-verify`.\n\
         command -v fluxops >/dev/null 2>&1 || {{ echo 'fluxops not found on PATH; skipping fluxops check' >&2; exit 0; }}\n\
         exec fluxops check \"$(git rev-parse --show-toplevel)\" --fail-on error\n"
    )
}

/// What installing did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Installed {
    New(PathBuf),
    Replaced(PathBuf),
}

/// Why the hook was not installed.
#[derive(Debug, thiserror::Error)]
pub enum HookError {
    #[error("'{0}' is not in a git repository")]
    NotGit(PathBuf),
    #[error("'{0}' already exists and was not written by fluxops (use --force to replace it)")]
    Exists(PathBuf),
    #[error("cannot write '{path}': {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Writes the pre-commit hook of the repository at `dir` (the hooks directory git says, `core.hooksPath`
/// included).
///
/// # Errors
/// See [`HookError`].
pub fn install(dir: &Path, force: bool) -> Result<Installed, HookError> {
    let output = std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["rev-parse", "--path-format=absolute", "--git-path", "hooks"])
        .output()
        .map_err(|_| HookError::NotGit(dir.to_path_buf()))?;
    if !output.status.success() {
        return Err(HookError::NotGit(dir.to_path_buf()));
    }
    let hooks = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
    let path = hooks.join("pre-commit");
    let existing = crate::bounded_file::read_to_string(&path, crate::bounded_file::CONFIG).ok();
    let replaced = existing.is_some();
    if let Some(text) = existing
        && !text.contains(MARKER)
        && !force
    {
        return Err(HookError::Exists(path));
    }
    let write = |p: &Path| -> std::io::Result<()> {
        std::fs::create_dir_all(&hooks)?;
        std::fs::write(p, script())?;
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755))
    };
    write(&path).map_err(|source| HookError::Write {
        path: path.clone(),
        source,
    })?;
    Ok(if replaced {
        Installed::Replaced(path)
    } else {
        Installed::New(path)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn installs_once_replaces_its_own_and_keeps_a_foreign_hook() {
        let dir = tempfile::tempdir().unwrap();
        let ok = std::process::Command::new("git")
            .args(["init", "-q"])
            .current_dir(dir.path())
            .status()
            .unwrap();
        assert!(ok.success());
        let first = install(dir.path(), false).unwrap();
        let Installed::New(path) = first else {
            panic!("expected a new hook")
        };
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with("#!/bin/sh\n") && text.contains("fluxops check"));
        assert!(matches!(
            install(dir.path(), false).unwrap(),
            Installed::Replaced(_)
        ));
        std::fs::write(&path, "#!/bin/sh\necho mine\n").unwrap();
        assert!(matches!(
            install(dir.path(), false),
            Err(HookError::Exists(_))
        ));
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "#!/bin/sh\necho mine\n"
        );
        assert!(install(dir.path(), true).is_ok());
    }
}
