//! `settings.yaml` in the config directory: preferences that are neither theme nor keymap (docs/ACTIONS.md).
//!
//! ```yaml
//! readonly: true            # like --readonly on every command
//! actions:
//!   namespace: fluxops-system
//!   image: registry.k8s.io/kubectl:v1.33.6
//!   kubectl: /bin/kubectl
//!   ttl: 24h                # how long finished Jobs are kept
//! contexts: [staging, prod] # the clusters watched when no --context / --all-contexts is given
//! ```
//!
//! A missing file means the defaults. A file that cannot be read or parsed makes the session **read-only** (the
//! safe reading of a broken safety setting) and is reported as a [`ConfigProblem`].

use super::{ConfigPaths, ConfigProblem};
use crate::job::JobSettings;
use serde::Deserialize;
use std::path::Path;

/// File name of the settings.
pub const SETTINGS_FILE: &str = "settings.yaml";

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Raw {
    #[serde(default)]
    readonly: Option<bool>,
    #[serde(default)]
    actions: Option<RawActions>,
    #[serde(default)]
    contexts: Option<Vec<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawActions {
    #[serde(default)]
    namespace: Option<String>,
    #[serde(default)]
    image: Option<String>,
    #[serde(default)]
    kubectl: Option<String>,
    #[serde(default)]
    ttl: Option<serde_saphyr::Spanned<String>>,
}

/// The effective settings.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Settings {
    pub readonly: bool,
    pub jobs: JobSettings,
    /// `contexts: [staging, prod]`: the clusters to watch when no `--context` / `--all-contexts` is given.
    pub contexts: Vec<String>,
    /// What was wrong with the file, if anything (the session is then read-only).
    pub problem: Option<ConfigProblem>,
}

impl Settings {
    /// Parses settings text.
    ///
    /// # Errors
    /// YAML or shape errors, or a bad duration, with the line.
    pub fn parse(yaml: &str, file: &Path) -> Result<Self, ConfigProblem> {
        let raw: Option<Raw> =
            serde_saphyr::from_str(yaml).map_err(|e| ConfigProblem::from_yaml(file, &e))?;
        let raw = raw.unwrap_or_default();
        let mut jobs = JobSettings::default();
        if let Some(actions) = raw.actions {
            if let Some(ns) = actions.namespace {
                jobs.namespace = ns;
            }
            if let Some(image) = actions.image {
                jobs.image = image;
            }
            if let Some(kubectl) = actions.kubectl {
                jobs.kubectl = kubectl;
            }
            if let Some(ttl) = actions.ttl {
                jobs.ttl = humantime::parse_duration(&ttl.value).map_err(|e| {
                    ConfigProblem::at(
                        file,
                        ttl.referenced.line(),
                        format!("ttl '{}' is not a duration: {e}", ttl.value),
                    )
                })?;
            }
        }
        Ok(Self {
            readonly: raw.readonly.unwrap_or(false),
            jobs,
            contexts: raw.contexts.unwrap_or_default(),
            problem: None,
        })
    }

    /// The settings in `paths` (defaults when absent; read-only with the problem when broken).
    #[must_use]
    pub fn load(paths: Option<&ConfigPaths>) -> Self {
        let Some(paths) = paths else {
            return Self::default();
        };
        let file = paths.dir().join(SETTINGS_FILE);
        let text = match crate::bounded_file::read_to_string(&file, crate::bounded_file::CONFIG) {
            Ok(text) => text,
            Err(e) if e.is_not_found() => return Self::default(),
            Err(e) => return Self::broken(ConfigProblem::unreadable(&e)),
        };
        Self::parse(&text, &file).unwrap_or_else(Self::broken)
    }

    /// The settings of the config directory in use (`FLUXOPS_CONFIG_DIR` or the platform's).
    #[must_use]
    pub fn discover() -> Self {
        Self::load(ConfigPaths::discover().as_ref())
    }

    fn broken(problem: ConfigProblem) -> Self {
        tracing::warn!("{problem}: running read-only");
        Self {
            readonly: true,
            jobs: JobSettings::default(),
            contexts: Vec::new(),
            problem: Some(problem),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_parse_and_default() {
        let s = Settings::parse(
            "readonly: true\nactions:\n  namespace: ops\n  ttl: 1h\n",
            Path::new("settings.yaml"),
        )
        .unwrap();
        assert!(s.readonly);
        assert_eq!(s.jobs.namespace, "ops");
        assert_eq!(s.jobs.ttl, std::time::Duration::from_secs(3600));
        assert_eq!(s.jobs.image, JobSettings::default().image);
        let empty = Settings::parse("", Path::new("settings.yaml")).unwrap();
        assert!(!empty.readonly);
    }

    #[test]
    fn a_broken_file_makes_the_session_read_only_and_says_where() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(SETTINGS_FILE),
            "readonly: false\nbogus: 1\n",
        )
        .unwrap();
        let s = Settings::load(Some(&ConfigPaths::at(dir.path())));
        assert!(s.readonly);
        let problem = s.problem.unwrap().to_string();
        assert!(problem.contains("settings.yaml:2"), "{problem}");
        std::fs::write(dir.path().join(SETTINGS_FILE), "actions:\n  ttl: soon\n").unwrap();
        let s = Settings::load(Some(&ConfigPaths::at(dir.path())));
        assert!(s.readonly);
        assert!(
            s.problem
                .unwrap()
                .to_string()
                .contains("settings.yaml:2: ttl 'soon'")
        );
    }
}
