//! Loading the policies into a prepared regorus engine: the shipped files (embedded), then the user's
//! (`<config dir>/policies/*.rego` and `data.json`), then one probe evaluation that proves the decision is
//! defined and well-formed. Any problem is a [`PolicyError`] naming the file and line; the caller keeps it and
//! denies every action (fail closed, see `gate`).
//!
//! regorus traps handled here (CRATES.md): Rego v1 only (`set_rego_v0` is never called), strict builtin errors
//! (a failing builtin is an error, not a silently undefined deny), `print` output gathered instead of written to
//! stderr, and loading — including the probe, which runs regorus' one-time preparation that can print warnings
//! — happens before the console takes the terminal. User policies must be in a package `user.<name>` and user
//! data is loaded under `data.settings.user`, so neither can redefine a shipped rule or datum.

use super::input::{ActionInput, Counts, Mode, PolicyInput, TargetInput};
use crate::actions::load::read_bounded;
use regorus::utils::limits::ExecutionTimerConfig;
use std::num::NonZeroU32;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// One policy file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// How messages name the file.
    pub path: PathBuf,
    pub text: String,
}

impl Source {
    fn new(path: &str, text: &str) -> Self {
        Self {
            path: PathBuf::from(path),
            text: text.to_owned(),
        }
    }
}

/// The largest policy or data file read.
pub const MAX_POLICY_BYTES: u64 = 1024 * 1024;
/// The most user policy files read.
pub const MAX_USER_FILES: usize = 64;
/// The rule fluxops evaluates.
pub const DECISION_RULE: &str = "data.fluxops.decision";

/// Every policy and data file of one evaluation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicySources {
    pub shipped: Vec<Source>,
    pub shipped_data: Source,
    pub user: Vec<Source>,
    pub user_data: Option<Source>,
}

/// Why the policies cannot decide. Each names what is wrong and, where there is one, the file and line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    #[error("{}", located(.file, *.line, .message))]
    Invalid {
        file: PathBuf,
        line: u64,
        message: String,
    },
    #[error("{0}")]
    Read(crate::config::ConfigProblem),
    #[error(
        "{file}: user policies must be in a package user.<name> (found '{package}'): they may add deny, warn and confirm rules, never change the shipped ones"
    )]
    Package { file: PathBuf, package: String },
    #[error("policy evaluation failed: {0}")]
    Eval(String),
    #[error("policy evaluation did not finish within {0:?}")]
    Timeout(Duration),
    #[error("the policies leave the decision undefined (data.fluxops.decision)")]
    Undefined,
    #[error("the policies' decision is malformed: {0}")]
    Shape(String),
    #[error("the policy input is {0} bytes, above the limit of {MAX_INPUT_BYTES}")]
    InputTooLarge(usize),
}

/// The largest input document evaluated.
pub const MAX_INPUT_BYTES: usize = 256 * 1024;

fn located(file: &Path, line: u64, message: &str) -> String {
    if line > 0 {
        format!("{}:{line}: {message}", file.display())
    } else {
        format!("{}: {message}", file.display())
    }
}

impl PolicyError {
    /// A short stable label for logs and the status bar.
    #[must_use]
    pub fn label(&self) -> &'static str {
        match self {
            PolicyError::Invalid { .. } => "policy-invalid",
            PolicyError::Read(_) => "policy-unreadable",
            PolicyError::Package { .. } => "policy-package",
            PolicyError::Eval(_) => "policy-eval",
            PolicyError::Timeout(_) => "policy-timeout",
            PolicyError::Undefined => "policy-undefined",
            PolicyError::Shape(_) => "policy-shape",
            PolicyError::InputTooLarge(_) => "policy-input-too-large",
        }
    }

    /// Reads regorus' `--> file:line:col … error: message` text.
    #[must_use]
    pub fn from_regorus(error: &dyn std::fmt::Display, fallback: &Path) -> Self {
        let text = error.to_string();
        let location = text
            .lines()
            .find_map(|l| l.trim().strip_prefix("--> "))
            .and_then(|loc| {
                let mut parts = loc.rsplitn(3, ':');
                let _col = parts.next()?;
                let line: u64 = parts.next()?.parse().ok()?;
                Some((PathBuf::from(parts.next()?), line))
            });
        let message = text
            .lines()
            .rev()
            .find_map(|l| l.trim().strip_prefix("error: "))
            .unwrap_or_else(|| text.trim())
            .to_owned();
        let (file, line) = location.unwrap_or_else(|| (fallback.to_path_buf(), 0));
        PolicyError::Invalid {
            file,
            line,
            message,
        }
    }
}

impl PolicySources {
    /// The shipped policies and data (embedded in the binary).
    #[must_use]
    pub fn shipped() -> Self {
        macro_rules! shipped {
            ($($file:literal),*) => {
                vec![$(Source::new(concat!("policies/", $file), include_str!(concat!("../../policies/", $file))),)*]
            };
        }
        Self {
            shipped: shipped!(
                "main.rego",
                "allowlist.rego",
                "namespaces.rego",
                "nodes.rego",
                "critical.rego",
                "patch_size.rego",
                "gitops.rego",
                "mass_change.rego"
            ),
            shipped_data: Source::new(
                "policies/data.json",
                include_str!("../../policies/data.json"),
            ),
            user: Vec::new(),
            user_data: None,
        }
    }

    /// These sources plus the user's: every `*.rego` in `dir` (sorted by name) and `dir/data.json`. A missing
    /// directory adds nothing.
    ///
    /// # Errors
    /// A file that cannot be read, or more than [`MAX_USER_FILES`] policy files.
    pub fn with_user_dir(mut self, dir: &Path) -> Result<Self, PolicyError> {
        let entries = match std::fs::read_dir(dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(self),
            Err(e) => {
                return Err(PolicyError::Read(crate::config::ConfigProblem::at(
                    dir,
                    0,
                    format!("cannot list the directory: {e}"),
                )));
            }
        };
        let mut files: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "rego"))
            .collect();
        files.sort();
        if files.len() > MAX_USER_FILES {
            return Err(PolicyError::Read(crate::config::ConfigProblem::at(
                dir,
                0,
                format!("more than {MAX_USER_FILES} policy files"),
            )));
        }
        for path in files {
            let text = read_bounded(&path, MAX_POLICY_BYTES).map_err(PolicyError::Read)?;
            self.user.push(Source { path, text });
        }
        let data = dir.join("data.json");
        if data.exists() {
            let text = read_bounded(&data, MAX_POLICY_BYTES).map_err(PolicyError::Read)?;
            self.user_data = Some(Source { path: data, text });
        }
        Ok(self)
    }
}

/// The cooperative time limit regorus checks in its loops; the hard deadline is the gate's.
pub fn timer(limit: Duration) -> ExecutionTimerConfig {
    ExecutionTimerConfig {
        limit,
        check_interval: NonZeroU32::MIN.saturating_add(31),
    }
}

fn json_data(source: &Source) -> Result<serde_json::Value, PolicyError> {
    let value: serde_json::Value =
        serde_json::from_str(&source.text).map_err(|e| PolicyError::Invalid {
            file: source.path.clone(),
            line: e.line() as u64,
            message: format!("not JSON: {e}"),
        })?;
    if !value.is_object() {
        return Err(PolicyError::Invalid {
            file: source.path.clone(),
            line: 1,
            message: "the data file must be a JSON object".to_owned(),
        });
    }
    Ok(value)
}

/// Compiles `sources` into a prepared engine and proves it decides.
///
/// # Errors
/// A file that does not parse or compile, a user policy outside `user.<name>`, bad data, or a probe evaluation
/// that errors or leaves the decision undefined or malformed.
pub fn compile(sources: &PolicySources, limit: Duration) -> Result<regorus::Engine, PolicyError> {
    let mut engine = regorus::Engine::new();
    engine.set_strict_builtin_errors(true);
    engine.set_gather_prints(true);
    engine.set_execution_timer_config(timer(limit));
    for source in &sources.shipped {
        engine
            .add_policy(source.path.display().to_string(), source.text.clone())
            .map_err(|e| PolicyError::from_regorus(&e, &source.path))?;
    }
    for source in &sources.user {
        let package = engine
            .add_policy(source.path.display().to_string(), source.text.clone())
            .map_err(|e| PolicyError::from_regorus(&e, &source.path))?;
        if !package.starts_with("data.user.") {
            return Err(PolicyError::Package {
                file: source.path.clone(),
                package: package.trim_start_matches("data.").to_owned(),
            });
        }
    }
    let shipped = json_data(&sources.shipped_data)?;
    let user = sources.user_data.as_ref().map(json_data).transpose()?;
    let mut settings = serde_json::json!({"shipped": shipped});
    if let Some(user) = user {
        settings["user"] = user;
    }
    let data = serde_json::json!({"settings": settings});
    let data = serde::Deserialize::deserialize(data)
        .map_err(|e: serde_json::Error| PolicyError::Shape(e.to_string()))?;
    engine
        .add_data(data)
        .map_err(|e| PolicyError::from_regorus(&e, &sources.shipped_data.path))?;
    let raw = evaluate(&mut engine, &probe_input())?;
    super::gate::read_decision(&raw)?;
    Ok(engine)
}

/// Evaluates the decision rule for `input` on a prepared engine; the gathered `print` output goes to the log.
///
/// # Errors
/// An evaluation error, an exceeded time limit, or an undefined decision.
pub fn evaluate(
    engine: &mut regorus::Engine,
    input: &regorus::Value,
) -> Result<serde_json::Value, PolicyError> {
    engine.set_input(input.clone());
    let result = engine.eval_rule(DECISION_RULE.to_owned());
    if let Ok(prints) = engine.take_prints() {
        for line in prints {
            tracing::debug!(target: "policy", "print: {line}");
        }
    }
    let value = result.map_err(|e| {
        let text = e.to_string();
        if text.contains("time limit") {
            PolicyError::Eval(format!(
                "the cooperative time limit was exceeded ({})",
                text.trim()
            ))
        } else {
            match PolicyError::from_regorus(&e, Path::new("policy")) {
                PolicyError::Invalid {
                    file,
                    line,
                    message,
                } if line > 0 => PolicyError::Eval(located(&file, line, &message)),
                _ => PolicyError::Eval(text.trim().to_owned()),
            }
        }
    })?;
    if value == regorus::Value::Undefined {
        return Err(PolicyError::Undefined);
    }
    serde_json::to_value(&value).map_err(|e| PolicyError::Shape(e.to_string()))
}

/// A mutating action on a Flux-owned Deployment: the probe every policy set must decide on.
#[must_use]
pub fn probe_input() -> regorus::Value {
    let input = PolicyInput {
        action: ActionInput {
            name: "scale".to_owned(),
            executor: "job".to_owned(),
            dangerous: false,
            mutates: true,
            owner_reverts: true,
        },
        parameters: [("replicas".to_owned(), serde_json::json!(1))].into(),
        target: TargetInput {
            kind: "Deployment".to_owned(),
            namespace: Some("default".to_owned()),
            name: "probe".to_owned(),
            labels: Default::default(),
            annotations: Default::default(),
            fields: Default::default(),
        },
        owner: None,
        counts: Counts::default(),
        operator: Default::default(),
        mode: Mode::Cli,
        context: String::new(),
        cluster: String::new(),
        time: "2025-01-01T00:00:00Z".to_owned(),
        break_glass: Default::default(),
    };
    to_value(&input).unwrap_or(regorus::Value::Undefined)
}

/// The regorus value of an input document, bounded in size.
///
/// # Errors
/// An input above [`MAX_INPUT_BYTES`] as JSON.
pub fn input_value(input: &PolicyInput) -> Result<regorus::Value, PolicyError> {
    let text = serde_json::to_string(input).map_err(|e| PolicyError::Shape(e.to_string()))?;
    if text.len() > MAX_INPUT_BYTES {
        return Err(PolicyError::InputTooLarge(text.len()));
    }
    regorus::Value::from_json_str(&text).map_err(|e| PolicyError::Shape(e.to_string()))
}

fn to_value(input: &PolicyInput) -> Option<regorus::Value> {
    input_value(input).ok()
}
