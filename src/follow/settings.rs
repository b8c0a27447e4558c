//! `.fluxops.yaml` at the repository root: the defaults of `fluxops follow` for everyone working in that
//! repository, overridden by command-line flags. Parsed strictly with serde-saphyr: an unknown key, a bad value
//! or a bad type is a [`ConfigProblem`] naming the file, the line and the field — never a silent default.
//!
//! ```yaml
//! follow:
//!   timeout: 10m               # Go duration (`90s`, `1h30m`)
//!   kinds: [Kustomization, HelmRelease]
//!   output: text               # text | json
//!   color: auto                # auto (only on a terminal, NO_COLOR respected) | always | never
//!   timestamps: false          # prefix every line with the UTC time
//!   failFast: true             # stop at the first failure (false: wait until every object is settled)
//!   retries: 5                 # API failures tolerated (connection attempts at start, watch failure streaks)
//! ```

use super::output::Format;
use crate::config::ConfigProblem;
use crate::flux::FluxKind;
use crate::flux::duration::parse_go_duration;
use serde::Deserialize;
use serde_saphyr::Spanned;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The file name looked up at the repository root.
pub const FILE_NAME: &str = ".fluxops.yaml";

/// `color`: when to colour the output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum ColorMode {
    /// Only when stdout is a terminal and `NO_COLOR` is not set.
    #[default]
    Auto,
    Always,
    Never,
}

impl ColorMode {
    /// Whether to colour, given whether stdout is a terminal and the `NO_COLOR` value.
    #[must_use]
    pub fn enabled(self, is_tty: bool, no_color: Option<&str>) -> bool {
        match self {
            ColorMode::Always => true,
            ColorMode::Never => false,
            ColorMode::Auto => is_tty && no_color.is_none_or(str::is_empty),
        }
    }
}

/// The effective defaults of follow (built-in, then the file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowSettings {
    pub timeout: Duration,
    pub kinds: BTreeSet<FluxKind>,
    pub output: Format,
    pub color: ColorMode,
    pub timestamps: bool,
    pub fail_fast: bool,
    pub retries: u32,
}

impl Default for FollowSettings {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(600),
            kinds: [FluxKind::Kustomization, FluxKind::HelmRelease].into(),
            output: Format::Text,
            color: ColorMode::Auto,
            timestamps: false,
            fail_fast: true,
            retries: 5,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileShape {
    #[serde(default)]
    follow: Option<FollowShape>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct FollowShape {
    #[serde(default)]
    timeout: Option<Spanned<String>>,
    #[serde(default)]
    kinds: Option<Spanned<Vec<Spanned<String>>>>,
    #[serde(default)]
    output: Option<Format>,
    #[serde(default)]
    color: Option<ColorMode>,
    #[serde(default)]
    timestamps: Option<bool>,
    #[serde(default)]
    fail_fast: Option<bool>,
    #[serde(default)]
    retries: Option<u32>,
}

/// Parses a Go duration, tolerating spaces between the parts (`1m 30s`).
///
/// # Errors
/// Text that is not a duration, or a zero duration.
pub fn parse_timeout(text: &str) -> Result<Duration, String> {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    match parse_go_duration(&compact) {
        Ok(d) if d.is_zero() => Err(format!("timeout must be more than zero, found '{text}'")),
        Ok(d) => Ok(d),
        Err(e) => Err(format!(
            "'{text}' is not a duration (like 90s, 10m, 1h30m): {e}"
        )),
    }
}

/// Parses a kind name as the controllers spell it (`Kustomization`) or its short name (`ks`, `hr`).
///
/// # Errors
/// A name that is not a Kustomization or HelmRelease kind (only appliers are followed).
pub fn parse_kind(text: &str) -> Result<FluxKind, String> {
    let t = text.trim();
    let kind = FluxKind::from_kind(t).or_else(|| {
        FluxKind::ALL
            .into_iter()
            .find(|k| k.short_name() == Some(t) || k.plural() == t)
    });
    match kind {
        Some(k) if k.is_applier() => Ok(k),
        _ => Err(format!(
            "'{t}' is not a kind follow can wait for (Kustomization, HelmRelease)"
        )),
    }
}

impl FollowSettings {
    /// The defaults patched by the file's text; `file` names the file in problems.
    ///
    /// # Errors
    /// Syntax errors, unknown keys, wrong types, bad durations or kinds, each with file and line.
    pub fn patched(&self, yaml: &str, file: &Path) -> Result<Self, ConfigProblem> {
        let mut out = self.clone();
        if yaml.trim().is_empty() {
            return Ok(out);
        }
        let shape: FileShape =
            serde_saphyr::from_str(yaml).map_err(|e| ConfigProblem::from_yaml(file, &e))?;
        let Some(f) = shape.follow else {
            return Ok(out);
        };
        if let Some(t) = f.timeout {
            out.timeout = parse_timeout(&t.value).map_err(|m| {
                ConfigProblem::at(file, t.referenced.line(), format!("follow.timeout: {m}"))
            })?;
        }
        if let Some(kinds) = f.kinds {
            let mut set = BTreeSet::new();
            for k in &kinds.value {
                let kind = parse_kind(&k.value).map_err(|m| {
                    ConfigProblem::at(file, k.referenced.line(), format!("follow.kinds: {m}"))
                })?;
                set.insert(kind);
            }
            if set.is_empty() {
                let line = kinds.referenced.line();
                return Err(ConfigProblem::at(
                    file,
                    line,
                    "follow.kinds: the list is empty",
                ));
            }
            out.kinds = set;
        }
        out.output = f.output.unwrap_or(out.output);
        out.color = f.color.unwrap_or(out.color);
        out.timestamps = f.timestamps.unwrap_or(out.timestamps);
        out.fail_fast = f.fail_fast.unwrap_or(out.fail_fast);
        out.retries = f.retries.unwrap_or(out.retries);
        Ok(out)
    }

    /// The built-in defaults patched by `<root>/.fluxops.yaml` when it exists. Returns the file used.
    ///
    /// # Errors
    /// An unreadable or invalid file.
    pub fn load(root: Option<&Path>) -> Result<(Self, Option<PathBuf>), ConfigProblem> {
        let defaults = Self::default();
        let Some(root) = root else {
            return Ok((defaults, None));
        };
        let path = root.join(FILE_NAME);
        match std::fs::read_to_string(&path) {
            Ok(text) => Ok((defaults.patched(&text, &path)?, Some(path))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok((defaults, None)),
            Err(e) => Err(ConfigProblem::unreadable(&path, &e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn patch(yaml: &str) -> Result<FollowSettings, ConfigProblem> {
        FollowSettings::default().patched(yaml, Path::new("/repo/.fluxops.yaml"))
    }

    #[test]
    fn every_key_overrides_its_default() {
        let s = patch(
            "follow:\n  timeout: 1m 30s\n  kinds: [ks]\n  output: json\n  color: never\n  timestamps: true\n  failFast: false\n  retries: 2\n",
        )
        .unwrap();
        assert_eq!(s.timeout, Duration::from_secs(90));
        assert_eq!(s.kinds, [FluxKind::Kustomization].into());
        assert_eq!(s.output, Format::Json);
        assert_eq!(s.color, ColorMode::Never);
        assert!(s.timestamps && !s.fail_fast);
        assert_eq!(s.retries, 2);
    }

    #[test]
    fn empty_file_or_section_keeps_the_defaults() {
        assert_eq!(patch("").unwrap(), FollowSettings::default());
        assert_eq!(patch("follow: {}\n").unwrap(), FollowSettings::default());
    }

    #[test]
    fn unknown_key_names_the_file_line_and_field() {
        let p = patch("follow:\n  timeout: 5m\n  failfast: true\n").unwrap_err();
        assert_eq!(p.line, Some(3), "{p}");
        assert!(p.message.contains("failfast"), "{p}");
        assert!(p.to_string().starts_with("/repo/.fluxops.yaml:3:"), "{p}");
    }

    #[test]
    fn bad_values_name_their_line_and_field() {
        let p = patch("follow:\n  output: text\n  timeout: soon\n").unwrap_err();
        assert_eq!(p.line, Some(3), "{p}");
        assert!(p.message.starts_with("follow.timeout:"), "{p}");
        let p = patch("follow:\n  kinds:\n    - Kustomization\n    - GitRepository\n").unwrap_err();
        assert_eq!(p.line, Some(4), "{p}");
        assert!(p.message.contains("GitRepository"), "{p}");
        let p = patch("follow:\n  color: sometimes\n").unwrap_err();
        assert_eq!(p.line, Some(2), "{p}");
        let p = patch("follow:\n  retries: many\n").unwrap_err();
        assert_eq!(p.line, Some(2), "{p}");
    }

    #[test]
    fn colour_auto_needs_a_terminal_and_no_no_color() {
        assert!(ColorMode::Auto.enabled(true, None));
        assert!(ColorMode::Auto.enabled(true, Some("")));
        assert!(!ColorMode::Auto.enabled(true, Some("1")));
        assert!(!ColorMode::Auto.enabled(false, None));
        assert!(ColorMode::Always.enabled(false, Some("1")));
        assert!(!ColorMode::Never.enabled(true, None));
    }
}
