//! A runbook file → a validated [`Runbook`]: the front matter and each block's YAML read with serde-saphyr
//! (unknown keys refused), lines mapped back to the Markdown file, then [`super::validate`]. The first problem
//! found is reported as `file:line: problem`.

use super::markdown::{self, Fence, RawStep};
use super::model::{
    ActionStep, Block, CheckSpec, Condition, Confirm, CountState, Goto, InputKind, InputSpec,
    Record, Runbook, Step,
};
use crate::actions::template::Template;
use crate::actions::{Catalog, TargetKind};
use crate::config::ConfigProblem;
use serde::Deserialize;
use serde_saphyr::Spanned;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

/// The largest runbook file read.
pub const MAX_RUNBOOK_BYTES: u64 = 1024 * 1024;
/// The longest timeout a check may wait.
pub const MAX_CHECK_TIMEOUT: Duration = Duration::from_secs(3600);

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFront {
    id: Spanned<String>,
    title: String,
    #[serde(default)]
    classes: Vec<Spanned<String>>,
    #[serde(default)]
    target: Option<RawTarget>,
    #[serde(default)]
    inputs: Vec<RawInput>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTarget {
    #[serde(default)]
    kinds: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawInput {
    name: Spanned<String>,
    #[serde(rename = "type")]
    kind: Spanned<String>,
    #[serde(default)]
    kinds: Vec<Spanned<String>>,
    #[serde(default)]
    help: String,
    #[serde(default)]
    default: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCheck {
    expect: Spanned<String>,
    #[serde(default)]
    object: Option<Spanned<String>>,
    #[serde(default)]
    revision: Option<Spanned<String>>,
    timeout: Spanned<String>,
    #[serde(default)]
    why: Option<String>,
    #[serde(default)]
    kind: Option<Spanned<String>>,
    #[serde(default)]
    namespace: Option<Spanned<String>>,
    #[serde(default)]
    state: Option<CountState>,
    #[serde(default)]
    min: Option<u64>,
    #[serde(default)]
    max: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAction {
    action: Spanned<String>,
    #[serde(default)]
    target: Option<Spanned<String>>,
    #[serde(default)]
    params: BTreeMap<String, Spanned<String>>,
    #[serde(default)]
    timeout: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfirm {
    prompt: Spanned<String>,
    #[serde(default)]
    answer: Option<Spanned<String>>,
}

/// Reads `path` (at most [`MAX_RUNBOOK_BYTES`]) and loads it against `catalog`.
///
/// # Errors
/// The file cannot be read, or its first problem.
pub fn load_file(path: &Path, catalog: &Catalog) -> Result<Runbook, ConfigProblem> {
    let text = crate::actions::load::read_bounded(path, MAX_RUNBOOK_BYTES)?;
    parse(&text, path, catalog)
}

/// Parses and validates runbook text; `file` names it in messages.
///
/// # Errors
/// The first problem found, with its line.
pub fn parse(text: &str, file: &Path, catalog: &Catalog) -> Result<Runbook, ConfigProblem> {
    let doc = markdown::split(text);
    let Some((front, front_line)) = doc.front else {
        return Err(ConfigProblem::at(
            file,
            1,
            "no front matter: a runbook starts with '---', YAML (id, title, classes, inputs), '---'",
        ));
    };
    let at = At {
        file,
        base: front_line,
    };
    let raw: RawFront = at.yaml(&front)?;
    let id = raw.id.value.trim().to_owned();
    if id.is_empty()
        || !id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return Err(at.problem(
            raw.id.referenced.line(),
            format!("id '{id}' must be kebab-case (a-z, 0-9, -)"),
        ));
    }
    let mut classes = Vec::new();
    for class in raw.classes {
        let known = crate::diagnosis::FailureClass::ALL
            .iter()
            .any(|c| c.as_str() == class.value);
        if !known {
            return Err(at.problem(
                class.referenced.line(),
                format!(
                    "unknown failure class '{}' (classes: {})",
                    class.value,
                    crate::diagnosis::FailureClass::ALL
                        .map(|c| c.as_str())
                        .join(", ")
                ),
            ));
        }
        classes.push(class.value);
    }
    let target_kinds = at.kinds(raw.target.map(|t| t.kinds).unwrap_or_default())?;
    let mut inputs: Vec<InputSpec> = Vec::new();
    for input in raw.inputs {
        let line = input.name.referenced.line();
        let name = input.name.value;
        if inputs.iter().any(|i| i.name == name) {
            return Err(at.problem(line, format!("input '{name}' is declared twice")));
        }
        let kind = match input.kind.value.as_str() {
            "object" => InputKind::Object {
                kinds: at.kinds(input.kinds)?,
            },
            "string" => InputKind::String,
            "int" => InputKind::Int,
            "duration" => InputKind::Duration,
            "bool" => InputKind::Bool,
            other => {
                return Err(at.problem(
                    input.kind.referenced.line(),
                    format!("input '{name}': unknown type '{other}' (object, string, int, duration, bool)"),
                ));
            }
        };
        if let Some(default) = &input.default {
            super::bind::check_value(&kind, default)
                .map_err(|why| at.problem(line, format!("input '{name}': default {why}")))?;
        }
        inputs.push(InputSpec {
            name,
            kind,
            help: input.help,
            default: input.default,
        });
    }
    let mut steps = Vec::with_capacity(doc.steps.len());
    for raw_step in doc.steps {
        steps.push(step(raw_step, file)?);
    }
    let runbook = Runbook {
        id,
        title: raw.title,
        classes,
        target_kinds,
        inputs,
        summary: doc.summary,
        steps,
        file: file.to_path_buf(),
    };
    super::validate::validate(&runbook, catalog)?;
    Ok(runbook)
}

/// Maps lines of a YAML fragment to lines of the file.
struct At<'a> {
    file: &'a Path,
    /// The file line of the fragment's first line.
    base: u64,
}

impl At<'_> {
    /// The file line of a fragment line.
    fn line(&self, line: u64) -> u64 {
        self.base + line.max(1) - 1
    }

    fn problem(&self, line: u64, message: impl Into<String>) -> ConfigProblem {
        ConfigProblem::at(self.file, self.line(line), message)
    }

    fn yaml<T: for<'de> Deserialize<'de>>(&self, text: &str) -> Result<T, ConfigProblem> {
        serde_saphyr::from_str(text).map_err(|e| {
            let mut problem = ConfigProblem::from_yaml(self.file, &e);
            problem.line = Some(self.base + problem.line.unwrap_or(1).max(1) - 1);
            problem
        })
    }

    fn template(&self, text: &Spanned<String>) -> Result<Template, ConfigProblem> {
        Template::parse(&text.value)
            .map_err(|e| self.problem(text.referenced.line(), e.to_string()))
    }

    fn duration(&self, text: &Spanned<String>) -> Result<Duration, ConfigProblem> {
        humantime::parse_duration(text.value.trim()).map_err(|e| {
            self.problem(
                text.referenced.line(),
                format!("duration '{}': {e}", text.value),
            )
        })
    }

    fn kinds(&self, kinds: Vec<Spanned<String>>) -> Result<Vec<TargetKind>, ConfigProblem> {
        kinds
            .into_iter()
            .map(|k| {
                TargetKind::from_user(&k.value).ok_or_else(|| {
                    self.problem(k.referenced.line(), format!("unknown kind '{}'", k.value))
                })
            })
            .collect()
    }
}

fn step(raw: RawStep, file: &Path) -> Result<Step, ConfigProblem> {
    if raw.title.is_empty() {
        return Err(ConfigProblem::at(
            file,
            raw.line,
            "a runbook block outside any step: put it under a '##' heading",
        ));
    }
    let id = raw.id.clone().unwrap_or_else(|| markdown::slug(&raw.title));
    if id.is_empty() {
        return Err(ConfigProblem::at(
            file,
            raw.line,
            format!("step '{}' has no id", raw.title),
        ));
    }
    let mut step = Step {
        id,
        title: raw.title,
        line: raw.line,
        branch: raw.classes.iter().any(|c| c == "branch"),
        prose: raw.prose,
        blocks: Vec::new(),
        on_failure: None,
        next: None,
    };
    for fence in raw.fences {
        let at = At {
            file,
            base: fence.body_line,
        };
        match fence.kind.as_str() {
            "check" => step.blocks.push(Block::Check(check(&at, &fence)?)),
            "action" => step.blocks.push(Block::Action(action(&at, &fence)?)),
            "confirm" => {
                let raw: RawConfirm = at.yaml(&fence.body)?;
                step.blocks.push(Block::Confirm(Confirm {
                    line: at.line(raw.prompt.referenced.line()),
                    prompt: at.template(&raw.prompt)?,
                    answer: raw.answer.as_ref().map(|a| at.template(a)).transpose()?,
                }));
            }
            "record" => {
                let text = fence.body.trim_end();
                if text.trim().is_empty() {
                    return Err(ConfigProblem::at(file, fence.line, "an empty record block"));
                }
                let text = Template::parse(text)
                    .map_err(|e| ConfigProblem::at(file, fence.body_line, e.to_string()))?;
                step.blocks.push(Block::Record(Record {
                    line: fence.body_line,
                    text,
                    git: fence.flags.iter().any(|f| f == "git"),
                }));
            }
            kind @ ("on-failure" | "next") => {
                let target = goto(&fence, file)?;
                let slot = if kind == "next" {
                    &mut step.next
                } else {
                    &mut step.on_failure
                };
                if slot.is_some() {
                    return Err(ConfigProblem::at(
                        file,
                        fence.line,
                        format!("step '{}' has two {kind} blocks", step.id),
                    ));
                }
                *slot = Some(target);
            }
            other => {
                return Err(ConfigProblem::at(
                    file,
                    fence.line,
                    format!("unknown block '{other}'"),
                ));
            }
        }
    }
    Ok(step)
}

fn goto(fence: &Fence, file: &Path) -> Result<Goto, ConfigProblem> {
    let body = fence.body.trim();
    let name = body.strip_prefix("goto:").unwrap_or(body).trim();
    if name.is_empty() || name.contains(char::is_whitespace) {
        return Err(ConfigProblem::at(
            file,
            fence.body_line,
            format!(
                "{} names one step id (e.g. 'rollback'), not '{body}'",
                fence.kind
            ),
        ));
    }
    Ok(Goto {
        step: name.to_owned(),
        line: fence.body_line,
    })
}

fn check(at: &At<'_>, fence: &Fence) -> Result<CheckSpec, ConfigProblem> {
    let raw: RawCheck = at.yaml(&fence.body)?;
    let line = raw.expect.referenced.line();
    let condition = match raw.expect.value.as_str() {
        "ready" => Condition::Ready {
            revision: raw.revision.as_ref().map(|r| at.template(r)).transpose()?,
        },
        "not-failing" => Condition::NotFailing,
        "present" => Condition::Present,
        "absent" => Condition::Absent,
        "suspended" => Condition::Suspended,
        "not-suspended" => Condition::NotSuspended,
        "no-dependent-blocked" => Condition::NoDependentBlocked,
        "job-succeeded" => Condition::JobSucceeded,
        "count" => {
            let kind = match &raw.kind {
                None => None,
                Some(k) => Some(crate::flux::FluxKind::from_kind(&k.value).ok_or_else(|| {
                    at.problem(
                        k.referenced.line(),
                        format!("count: unknown Flux kind '{}'", k.value),
                    )
                })?),
            };
            if raw.min.is_none() && raw.max.is_none() {
                return Err(at.problem(line, "count needs min, max or both"));
            }
            if let (Some(min), Some(max)) = (raw.min, raw.max)
                && min > max
            {
                return Err(at.problem(line, "count: min is above max"));
            }
            Condition::Count {
                kind,
                namespace: raw.namespace.as_ref().map(|n| at.template(n)).transpose()?,
                state: raw.state.unwrap_or(CountState::Any),
                min: raw.min,
                max: raw.max,
            }
        }
        other => {
            return Err(at.problem(
                line,
                format!(
                    "unknown check '{other}' (ready, not-failing, present, absent, suspended, not-suspended, no-dependent-blocked, job-succeeded, count)"
                ),
            ));
        }
    };
    if raw.revision.is_some() && !matches!(condition, Condition::Ready { .. }) {
        return Err(at.problem(line, "'revision' applies to 'expect: ready' only"));
    }
    let count_keys = raw.kind.is_some() || raw.namespace.is_some() || raw.state.is_some();
    if count_keys && !matches!(condition, Condition::Count { .. }) {
        return Err(at.problem(
            line,
            "'kind', 'namespace' and 'state' apply to 'expect: count' only",
        ));
    }
    let timeout = at.duration(&raw.timeout)?;
    if timeout > MAX_CHECK_TIMEOUT {
        return Err(at.problem(
            raw.timeout.referenced.line(),
            format!("timeout '{}' is above 1h", raw.timeout.value),
        ));
    }
    let object = match &raw.object {
        Some(o) => at.template(o)?,
        None => Template::parse("{{target}}").map_err(|e| at.problem(line, e.to_string()))?,
    };
    Ok(CheckSpec {
        line: at.line(line),
        condition,
        object,
        timeout,
        why: raw.why,
    })
}

fn action(at: &At<'_>, fence: &Fence) -> Result<ActionStep, ConfigProblem> {
    let raw: RawAction = at.yaml(&fence.body)?;
    let target = match &raw.target {
        Some(t) => at.template(t)?,
        None => Template::parse("{{target}}")
            .map_err(|e| at.problem(raw.action.referenced.line(), e.to_string()))?,
    };
    let mut params = Vec::new();
    for (name, value) in &raw.params {
        params.push((name.clone(), at.template(value)?));
    }
    Ok(ActionStep {
        line: at.line(raw.action.referenced.line()),
        action: raw.action.value.clone(),
        target,
        params,
        timeout: raw.timeout.as_ref().map(|t| at.duration(t)).transpose()?,
    })
}
