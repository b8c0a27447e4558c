//! The base revision of `fluxops check`, through the `git` binary: the merge base with the upstream branch
//! (the default), a revision checked out in a temporary worktree (removed again on drop), and the files
//! changed between it and the working tree (tracked changes, staged or not, and untracked files).

use std::path::{Path, PathBuf};
use std::process::Command;

fn git(dir: &Path, args: &[&str]) -> Result<String, String> {
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout)
            .trim_end()
            .to_owned())
    } else {
        let err = String::from_utf8_lossy(&output.stderr);
        Err(format!(
            "git {}: {}",
            args.join(" "),
            err.lines().next().unwrap_or("failed")
        ))
    }
}

/// The repository's top directory and the checked directory's path inside it (`""` at the top), or `None`
/// when `dir` is not in a git work tree.
#[must_use]
pub fn locate(dir: &Path) -> Option<(PathBuf, PathBuf)> {
    let top = git(dir, &["rev-parse", "--show-toplevel"]).ok()?;
    let prefix = git(dir, &["rev-parse", "--show-prefix"]).unwrap_or_default();
    Some((PathBuf::from(top), PathBuf::from(prefix)))
}

/// The commit `rev` names.
///
/// # Errors
/// `rev` names no commit.
pub fn resolve(dir: &Path, rev: &str) -> Result<String, String> {
    git(
        dir,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("{rev}^{{commit}}"),
        ],
    )
    .map_err(|_| format!("--base '{rev}' names no commit of the repository"))
}

/// The merge base of HEAD with its upstream branch, if there is an upstream.
#[must_use]
pub fn default_base(dir: &Path) -> Option<String> {
    git(dir, &["merge-base", "HEAD", "@{upstream}"]).ok()
}

/// Files changed between `base` and the working tree, relative to `dir`, sorted.
///
/// # Errors
/// git fails.
pub fn changed_files(dir: &Path, base: &str) -> Result<Vec<PathBuf>, String> {
    let tracked = git(dir, &["diff", "--name-only", "--relative", base, "--", "."])?;
    let untracked = git(
        dir,
        &["ls-files", "--others", "--exclude-standard", "--", "."],
    )?;
    let mut files: Vec<PathBuf> = tracked
        .lines()
        .chain(untracked.lines())
        .filter(|l| !l.is_empty())
        .map(PathBuf::from)
        .collect();
    files.sort();
    files.dedup();
    Ok(files)
}

/// A revision checked out in a temporary worktree; removed (worktree and directory) on drop.
#[derive(Debug)]
pub struct Checkout {
    top: PathBuf,
    path: PathBuf,
    _dir: tempfile::TempDir,
}

impl Checkout {
    /// Checks `rev` out (detached) beside nothing of the user's: a new worktree in a temporary directory.
    ///
    /// # Errors
    /// git fails.
    pub fn new(top: &Path, rev: &str) -> Result<Checkout, String> {
        let dir =
            tempfile::tempdir().map_err(|e| format!("cannot make a temporary directory: {e}"))?;
        let path = dir.path().join("base");
        let text = path.display().to_string();
        git(top, &["worktree", "add", "--detach", "--quiet", &text, rev])?;
        Ok(Checkout {
            top: top.to_path_buf(),
            path,
            _dir: dir,
        })
    }

    /// The worktree's top directory.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for Checkout {
    fn drop(&mut self) {
        let text = self.path.display().to_string();
        let _ = git(&self.top, &["worktree", "remove", "--force", &text]);
        let _ = git(&self.top, &["worktree", "prune"]);
    }
}
