//! `ConfigProblem`: what is wrong with a user's config file, worded for the banner and `validate-config`.

use std::fmt;
use std::path::{Path, PathBuf};

/// One problem in one config file. The app shows it in a banner and keeps running on the defaults.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ConfigProblem {
    /// The file the problem is in.
    pub file: PathBuf,
    /// 1-based line, when known.
    pub line: Option<u64>,
    /// What is wrong; bad values are named in 'single quotes'.
    pub message: String,
}

impl ConfigProblem {
    /// A problem at a known line (0 means unknown).
    #[must_use]
    pub fn at(file: &Path, line: u64, message: impl Into<String>) -> Self {
        Self {
            file: file.to_path_buf(),
            line: (line > 0).then_some(line),
            message: message.into(),
        }
    }

    /// A YAML syntax or shape error from serde-saphyr, reduced to its first line plus the location.
    #[must_use]
    pub fn from_yaml(file: &Path, err: &serde_saphyr::Error) -> Self {
        let line = err.location().map_or(0, |l| l.line());
        if let Some(words) = crate::text::yaml_limit_message(err) {
            return Self::at(file, line, words);
        }
        let rendered = err.without_snippet().to_string();
        let first = rendered.lines().next().unwrap_or_default().trim();
        // serde-saphyr appends " at line L column C"; the location is shown separately.
        let message = first
            .split(" at line ")
            .next()
            .unwrap_or(first)
            .replace('`', "'");
        Self::at(file, line, message)
    }

    /// A file that exists but was not read (unreadable, not a regular file, too large, not UTF-8).
    #[must_use]
    pub fn unreadable(err: &crate::bounded_file::Error) -> Self {
        Self::at(&err.path, 0, err.problem.to_string())
    }
}

impl fmt::Display for ConfigProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}: {}", self.file.display(), self.message),
            None => write!(f, "{}: {}", self.file.display(), self.message),
        }
    }
}
