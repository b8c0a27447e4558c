//! Reading `policies/actions.yaml` (format: docs/ACTIONS.md) into a validated [`Catalog`]. Every problem names
//! the file, the line and what is wrong (a [`ConfigProblem`]); the first problem found is reported.

use super::kind::TargetKind;
use super::params;
use super::spec::{
    ActionSpec, Arg, Capture, Catalog, DEFAULT_TIMEOUT, DirectOperation, Executor, FollowUp,
    Inverse, JobCommand, JsonTemplate, MAX_TIMEOUT, ParamKind, ParamSpec, Postcondition,
    Precondition, RbacRule, RbacScope, Rollback, Timeouts,
};
use super::template::Template;
use crate::config::ConfigProblem;
use regex::Regex;
use serde::Deserialize;
use serde_saphyr::Spanned;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::Duration;

mod checker;
use checker::Checker;

/// The catalog shipped in the binary.
pub const BUILTIN: &str = include_str!("../../policies/actions.yaml");
/// The path the shipped catalog is reported under.
pub const BUILTIN_PATH: &str = "policies/actions.yaml";
/// The largest catalog file read.
pub const MAX_CATALOG_BYTES: u64 = 1024 * 1024;

/// The longest action name: `fluxops-<name>-<12-hex execution>` must stay a valid 63-character Job name.
const MAX_NAME: usize = 40;
/// The largest string parameter.
const MAX_STRING_PARAM: usize = 1024 * 1024;
/// RBAC verbs an action may ask for (no wildcard, no escalate/bind/impersonate).
const VERBS: &[&str] = &[
    "get",
    "list",
    "watch",
    "create",
    "update",
    "patch",
    "delete",
    "deletecollection",
];
/// Parameter names the built-in placeholders use.
const RESERVED: &[&str] = &["timeout", "execution", "target", "helm", "captured"];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCatalog {
    #[serde(default)]
    defaults: Option<RawDefaults>,
    actions: Vec<RawAction>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDefaults {
    #[serde(default)]
    timeout: Option<RawTimeouts>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTimeouts {
    #[serde(default)]
    default: Option<Spanned<String>>,
    #[serde(default)]
    max: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct RawAction {
    name: Spanned<String>,
    #[serde(default)]
    help: String,
    #[serde(default)]
    targets: Vec<Spanned<String>>,
    executor: Spanned<String>,
    #[serde(default)]
    operation: Option<Spanned<String>>,
    #[serde(default)]
    command: Option<Vec<Spanned<serde_json::Value>>>,
    #[serde(default)]
    params: Vec<RawParam>,
    #[serde(default)]
    rbac: Vec<Spanned<RawRule>>,
    #[serde(default)]
    timeout: Option<RawTimeouts>,
    #[serde(default)]
    dangerous: bool,
    #[serde(default)]
    mutates: Option<bool>,
    #[serde(default)]
    owner_reverts: Option<bool>,
    #[serde(default)]
    touches: Vec<Spanned<String>>,
    #[serde(default)]
    rollback: Option<RawRollback>,
    #[serde(default)]
    preconditions: Vec<Spanned<String>>,
    #[serde(default)]
    postconditions: Vec<Spanned<String>>,
    #[serde(default)]
    after: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct RawParam {
    name: Spanned<String>,
    #[serde(default)]
    help: String,
    #[serde(rename = "type")]
    kind: Spanned<String>,
    #[serde(default)]
    min: Option<i64>,
    #[serde(default)]
    max: Option<i64>,
    #[serde(default)]
    pattern: Option<String>,
    #[serde(default)]
    min_length: Option<usize>,
    #[serde(default)]
    max_length: Option<usize>,
    #[serde(default)]
    values: Option<Vec<String>>,
    #[serde(default)]
    default: Option<serde_json::Value>,
    #[serde(default)]
    secret: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct RawRule {
    api_groups: Vec<String>,
    resources: Vec<String>,
    verbs: Vec<String>,
    scope: RbacScope,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRollback {
    #[serde(default)]
    capture: Vec<Spanned<String>>,
    #[serde(default)]
    inverse: Option<RawInverse>,
    #[serde(default)]
    note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawInverse {
    action: Spanned<String>,
    #[serde(default)]
    params: BTreeMap<String, serde_json::Value>,
}

impl Catalog {
    /// The catalog shipped in the binary.
    ///
    /// # Errors
    /// Only if the shipped file is broken (a test proves it is not).
    pub fn builtin() -> Result<Self, ConfigProblem> {
        Self::parse(BUILTIN, Path::new(BUILTIN_PATH))
    }

    /// Reads and validates the catalog file at `path` (at most [`MAX_CATALOG_BYTES`]).
    ///
    /// # Errors
    /// The file cannot be read, or the first problem in it.
    pub fn load_file(path: &Path) -> Result<Self, ConfigProblem> {
        let text = read_bounded(path, MAX_CATALOG_BYTES)?;
        Self::parse(&text, path)
    }

    /// Parses and validates catalog text; `file` names it in messages.
    ///
    /// # Errors
    /// The first problem found, with its line.
    pub fn parse(yaml: &str, file: &Path) -> Result<Self, ConfigProblem> {
        let raw: RawCatalog =
            serde_saphyr::from_str(yaml).map_err(|e| ConfigProblem::from_yaml(file, &e))?;
        let defaults = timeouts(
            raw.defaults.as_ref().and_then(|d| d.timeout.as_ref()),
            None,
            file,
        )?;
        let mut actions: Vec<ActionSpec> = Vec::with_capacity(raw.actions.len());
        let mut inverses = Vec::new();
        for action in raw.actions {
            let line = action.name.referenced.line();
            if actions.iter().any(|a| a.name == action.name.value) {
                return Err(ConfigProblem::at(
                    file,
                    line,
                    format!("action '{}' is defined twice", action.name.value),
                ));
            }
            let inverse_line = action
                .rollback
                .as_ref()
                .and_then(|r| r.inverse.as_ref())
                .map(|i| i.action.referenced.line());
            let spec = Checker { file, line }.action(action, defaults)?;
            if let (Some(inverse), Some(at)) = (&spec.rollback.inverse, inverse_line) {
                inverses.push((spec.name.clone(), inverse.clone(), at));
            }
            actions.push(spec);
        }
        let catalog = Catalog { actions };
        for (name, inverse, line) in inverses {
            check_inverse(&catalog, &name, &inverse)
                .map_err(|message| ConfigProblem::at(file, line, message))?;
        }
        Ok(catalog)
    }
}

/// Reads a policy, catalog or fixture file through `bounded_file` (regular files only, at most `limit` bytes).
///
/// # Errors
/// Unreadable, not a regular file, larger than `limit`, or not UTF-8.
pub fn read_bounded(path: &Path, limit: u64) -> Result<String, ConfigProblem> {
    let limit = crate::bounded_file::Limit {
        bytes: limit,
        what: "policy, catalog and policy test files",
    };
    crate::bounded_file::read_to_string(path, limit).map_err(|e| ConfigProblem::unreadable(&e))
}

fn duration(text: &Spanned<String>, file: &Path) -> Result<Duration, ConfigProblem> {
    humantime::parse_duration(text.value.trim()).map_err(|e| {
        ConfigProblem::at(
            file,
            text.referenced.line(),
            format!("'{}' is not a duration (5m, 90s): {e}", text.value),
        )
    })
}

fn timeouts(
    raw: Option<&RawTimeouts>,
    inherited: Option<Timeouts>,
    file: &Path,
) -> Result<Timeouts, ConfigProblem> {
    let base = inherited.unwrap_or(Timeouts {
        default: DEFAULT_TIMEOUT,
        max: MAX_TIMEOUT,
    });
    let Some(raw) = raw else { return Ok(base) };
    let default = raw
        .default
        .as_ref()
        .map(|d| duration(d, file))
        .transpose()?;
    let max = raw.max.as_ref().map(|d| duration(d, file)).transpose()?;
    let out = Timeouts {
        default: default.unwrap_or(base.default),
        max: max.unwrap_or(base.max),
    };
    let line = raw
        .max
        .as_ref()
        .or(raw.default.as_ref())
        .map_or(0, |s| s.referenced.line());
    if out.max > MAX_TIMEOUT {
        return Err(ConfigProblem::at(
            file,
            line,
            format!(
                "maximum timeout {} is above the cap of {}",
                humantime::format_duration(out.max),
                humantime::format_duration(MAX_TIMEOUT)
            ),
        ));
    }
    if out.default.is_zero() || out.default > out.max {
        return Err(ConfigProblem::at(
            file,
            line,
            format!(
                "default timeout {} must be above zero and at most the maximum {}",
                humantime::format_duration(out.default),
                humantime::format_duration(out.max)
            ),
        ));
    }
    Ok(out)
}

/// An inverse names an action of the catalog, gives only its parameters, every required one, and uses only
/// the forward action's parameters, `captured.<what it captures>` and the target placeholders.
fn check_inverse(catalog: &Catalog, forward: &str, inverse: &Inverse) -> Result<(), String> {
    let Some(target) = catalog.get(&inverse.action) else {
        return Err(format!(
            "action '{forward}': inverse action '{}' is not in the catalog",
            inverse.action
        ));
    };
    let Some(spec) = catalog.get(forward) else {
        return Ok(());
    };
    for (name, template) in &inverse.params {
        if target.param(name).is_none() {
            return Err(format!(
                "action '{forward}': inverse '{}' has no parameter '{name}'",
                inverse.action
            ));
        }
        for placeholder in template.placeholders() {
            let ok = spec.param(placeholder).is_some()
                || placeholder
                    .strip_prefix("captured.")
                    .and_then(Capture::from_word)
                    .is_some_and(|c| spec.rollback.capture.contains(&c))
                || builtin(placeholder, &spec.targets).is_ok();
            if !ok {
                return Err(format!(
                    "action '{forward}': inverse parameter '{name}' uses '{{{{{placeholder}}}}}', which is neither a parameter nor a captured value"
                ));
            }
        }
    }
    for p in &target.params {
        if p.default.is_none() && !inverse.params.contains_key(&p.name) {
            return Err(format!(
                "action '{forward}': inverse '{}' needs parameter '{}'",
                inverse.action, p.name
            ));
        }
    }
    if !spec.targets.iter().all(|k| target.applies_to(*k)) {
        return Err(format!(
            "action '{forward}': inverse '{}' does not apply to every target kind",
            inverse.action
        ));
    }
    Ok(())
}

/// Whether `name` is a built-in placeholder usable for `targets`.
fn builtin(name: &str, targets: &[TargetKind]) -> Result<(), String> {
    match name {
        "target.name" | "target.kind" | "target.resource" | "timeout" | "execution" => Ok(()),
        "target.namespace" if targets.iter().all(|k| k.is_namespaced()) => Ok(()),
        "target.namespace" => {
            Err("'{{target.namespace}}' is used but a target kind is cluster-scoped".to_owned())
        }
        "helm.release" | "helm.storageNamespace" if targets == [TargetKind::HelmRelease] => Ok(()),
        "helm.release" | "helm.storageNamespace" => Err(format!(
            "'{{{{{name}}}}}' needs HelmRelease as the only target"
        )),
        _ => Err(format!(
            "unknown placeholder '{{{{{name}}}}}' (parameters, target.name, target.namespace, target.kind, target.resource, timeout, execution, helm.release, helm.storageNamespace)"
        )),
    }
}
