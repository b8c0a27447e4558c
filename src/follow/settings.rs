//! `.fluxops.yaml` at the repository root: the defaults of `fluxops follow` for everyone working in that
//! repository, overridden by command-line flags. Parsed strictly with serde-saphyr: an unknown key, a bad value
//! or a bad type is a [`ConfigProblem`] naming the file, the line and the field — never a silent default.
//!
//! ```yaml
//! follow:
//!   timeout: 10m               # Go or humantime duration (`90s`, `1h30m`, `10 minutes`)
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
use serde_json::Value;
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

/// Values are read untyped with their position and checked by hand, so a wrong value or type names its field.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct FollowShape {
    #[serde(default)]
    timeout: Option<Spanned<Value>>,
    #[serde(default)]
    kinds: Option<Spanned<Vec<Spanned<Value>>>>,
    #[serde(default)]
    output: Option<Spanned<Value>>,
    #[serde(default)]
    color: Option<Spanned<Value>>,
    #[serde(default)]
    timestamps: Option<Spanned<Value>>,
    #[serde(default)]
    fail_fast: Option<Spanned<Value>>,
    #[serde(default)]
    retries: Option<Spanned<Value>>,
}

/// Reads one field: `read` turns the value into the setting or says what is wrong with it.
fn field<T>(
    file: &Path,
    name: &str,
    value: Option<Spanned<Value>>,
    read: impl Fn(&Value) -> Result<T, String>,
) -> Result<Option<T>, ConfigProblem> {
    value
        .map(|v| {
            read(&v.value).map_err(|m| {
                ConfigProblem::at(file, v.referenced.line(), format!("follow.{name}: {m}"))
            })
        })
        .transpose()
}

fn shown(v: &Value) -> String {
    match v {
        Value::String(s) => format!("'{s}'"),
        other => format!("'{other}'"),
    }
}

fn text(v: &Value) -> Result<&str, String> {
    v.as_str()
        .ok_or_else(|| format!("expected text, found {}", shown(v)))
}

fn boolean(v: &Value) -> Result<bool, String> {
    v.as_bool()
        .ok_or_else(|| format!("expected true or false, found {}", shown(v)))
}

fn one_of<T: Copy>(v: &Value, choices: &[(&str, T)]) -> Result<T, String> {
    let t = text(v)?;
    choices
        .iter()
        .find(|(n, _)| *n == t)
        .map(|(_, c)| *c)
        .ok_or_else(|| {
            let names: Vec<&str> = choices.iter().map(|(n, _)| *n).collect();
            format!("'{t}' is not one of {}", names.join(", "))
        })
}

/// Parses a duration: Go syntax (`90s`, `10m`, `1h30m`, what Flux specs use), else humantime's (`1m 30s`,
/// `10 minutes`, `2h`).
///
/// # Errors
/// Text that is neither, or a zero duration.
pub fn parse_timeout(text: &str) -> Result<Duration, String> {
    let parsed = parse_go_duration(text.trim()).or_else(|go| {
        humantime::parse_duration(text.trim()).map_err(|human| format!("{go}; {human}"))
    });
    match parsed {
        Ok(d) if d.is_zero() => Err(format!("timeout must be more than zero, found '{text}'")),
        Ok(d) => Ok(d),
        Err(e) => Err(format!(
            "'{text}' is not a duration (like 90s, 10m, 1h30m, '10 minutes'): {e}"
        )),
    }
}

/// Parses a kind as `fluxops graph --kind` does (`FluxKind::from_user`: `Kustomization`, `ks`,
/// `helmreleases`, any case).
///
/// # Errors
/// A name that is not a Kustomization or HelmRelease kind (only appliers are followed).
pub fn parse_kind(text: &str) -> Result<FluxKind, String> {
    let t = text.trim();
    match FluxKind::from_user(t) {
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
        if let Some(t) = field(file, "timeout", f.timeout, |v| parse_timeout(text(v)?))? {
            out.timeout = t;
        }
        if let Some(kinds) = f.kinds {
            let mut set = BTreeSet::new();
            let line = kinds.referenced.line();
            for k in kinds.value {
                if let Some(kind) = field(file, "kinds", Some(k), |v| parse_kind(text(v)?))? {
                    set.insert(kind);
                }
            }
            if set.is_empty() {
                return Err(ConfigProblem::at(
                    file,
                    line,
                    "follow.kinds: the list is empty",
                ));
            }
            out.kinds = set;
        }
        let formats = [("text", Format::Text), ("json", Format::Json)];
        let colors = [
            ("auto", ColorMode::Auto),
            ("always", ColorMode::Always),
            ("never", ColorMode::Never),
        ];
        let count = |v: &Value| {
            v.as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .ok_or_else(|| format!("expected a whole number, found {}", shown(v)))
        };
        out.output =
            field(file, "output", f.output, |v| one_of(v, &formats))?.unwrap_or(out.output);
        out.color = field(file, "color", f.color, |v| one_of(v, &colors))?.unwrap_or(out.color);
        out.timestamps =
            field(file, "timestamps", f.timestamps, boolean)?.unwrap_or(out.timestamps);
        out.fail_fast = field(file, "failFast", f.fail_fast, boolean)?.unwrap_or(out.fail_fast);
        out.retries = field(file, "retries", f.retries, count)?.unwrap_or(out.retries);
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
        match crate::bounded_file::read_to_string(&path, crate::bounded_file::CONFIG) {
            Ok(text) => Ok((defaults.patched(&text, &path)?, Some(path))),
            Err(e) if e.is_not_found() => Ok((defaults, None)),
            Err(e) => Err(ConfigProblem::unreadable(&e)),
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
        assert_eq!(
            (p.line, p.message.as_str()),
            (
                Some(2),
                "follow.color: 'sometimes' is not one of auto, always, never"
            )
        );
        let p = patch("follow:\n  retries: many\n").unwrap_err();
        assert_eq!(
            (p.line, p.message.as_str()),
            (
                Some(2),
                "follow.retries: expected a whole number, found 'many'"
            )
        );
        let p = patch("follow:\n  failFast: 3\n").unwrap_err();
        assert_eq!(
            (p.line, p.message.as_str()),
            (
                Some(2),
                "follow.failFast: expected true or false, found '3'"
            )
        );
        let p = patch("follow:\n\n  output: yaml\n").unwrap_err();
        assert_eq!(
            (p.line, p.message.as_str()),
            (Some(3), "follow.output: 'yaml' is not one of text, json")
        );
    }

    #[test]
    fn kinds_are_read_like_graph_reads_them_and_only_appliers_are_followed() {
        for (text, kind) in [
            ("ks", FluxKind::Kustomization),
            ("HR", FluxKind::HelmRelease),
            ("kustomization", FluxKind::Kustomization),
            ("helmreleases", FluxKind::HelmRelease),
        ] {
            assert_eq!(parse_kind(text), Ok(kind), "{text}");
        }
        assert!(parse_kind("GitRepository").is_err());
        assert!(parse_kind("pods").is_err());
    }

    #[test]
    fn timeouts_are_go_or_humantime_durations() {
        assert_eq!(parse_timeout("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_timeout("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_timeout("10 minutes"), Ok(Duration::from_secs(600)));
        assert_eq!(parse_timeout("1m 30s"), Ok(Duration::from_secs(90)));
        assert!(parse_timeout("0s").is_err());
        assert!(parse_timeout("soon").is_err());
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
