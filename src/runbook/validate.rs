//! What is checked when a runbook loads, beyond its YAML: every action is in the catalog and its parameters are
//! the action's own (required ones given); every template names the target or a declared input (an object
//! input's `.kind`/`.namespace`/`.name`); every branch names a step; ids are unique; every step is reachable
//! from the first (the main path, `next` and `on-failure` branches); a confirm has a prompt. Each problem names
//! the line of the block or step.

use super::model::{Block, InputKind, Runbook, Step};
use crate::actions::Catalog;
use crate::actions::template::Template;
use crate::config::ConfigProblem;
use std::collections::BTreeSet;

/// Checks a parsed runbook.
///
/// # Errors
/// The first problem, with its line.
pub fn validate(runbook: &Runbook, catalog: &Catalog) -> Result<(), ConfigProblem> {
    let file = runbook.file.as_path();
    let problem = |line: u64, message: String| ConfigProblem::at(file, line, message);
    if runbook.steps.is_empty() {
        return Err(problem(
            1,
            format!("runbook '{}' has no steps ('##' headings)", runbook.id),
        ));
    }
    let mut ids = BTreeSet::new();
    for step in &runbook.steps {
        if !ids.insert(step.id.as_str()) {
            return Err(problem(
                step.line,
                format!("step id '{}' is used twice", step.id),
            ));
        }
    }
    for step in &runbook.steps {
        for goto in step.on_failure.iter().chain(&step.next) {
            if !ids.contains(goto.step.as_str()) {
                return Err(problem(
                    goto.line,
                    format!(
                        "step '{}' branches to '{}', which is not a step (steps: {})",
                        step.id,
                        goto.step,
                        ids.iter().copied().collect::<Vec<_>>().join(", ")
                    ),
                ));
            }
        }
        for block in &step.blocks {
            check_block(runbook, catalog, block).map_err(|m| problem(block.line(), m))?;
        }
    }
    if let Some(step) = unreachable(runbook).first() {
        return Err(problem(
            step.line,
            format!(
                "step '{}' is unreachable: no step leads to it (a branch step is entered only by 'next' or 'on-failure')",
                step.id
            ),
        ));
    }
    Ok(())
}

/// The step after `index` when it passes and names no `next`: on the main path the next main step; in a
/// branch the following step while it is a branch step; `None` ends the walk.
#[must_use]
pub fn default_next(runbook: &Runbook, index: usize) -> Option<usize> {
    let step = runbook.steps.get(index)?;
    if step.branch {
        let next = index + 1;
        return runbook.steps.get(next).filter(|s| s.branch).map(|_| next);
    }
    (index + 1..runbook.steps.len()).find(|&i| !runbook.steps[i].branch)
}

/// The first step of the main path.
#[must_use]
pub fn first(runbook: &Runbook) -> Option<usize> {
    runbook.steps.iter().position(|s| !s.branch)
}

/// Where a step goes when it passes.
#[must_use]
pub fn after(runbook: &Runbook, index: usize) -> Option<usize> {
    match runbook.steps.get(index).and_then(|s| s.next.as_ref()) {
        Some(goto) => runbook.step(&goto.step).map(|(i, _)| i),
        None => default_next(runbook, index),
    }
}

fn unreachable(runbook: &Runbook) -> Vec<&Step> {
    let mut seen = vec![false; runbook.steps.len()];
    let mut todo: Vec<usize> = first(runbook).into_iter().collect();
    while let Some(i) = todo.pop() {
        if std::mem::replace(&mut seen[i], true) {
            continue;
        }
        todo.extend(after(runbook, i));
        if let Some(goto) = &runbook.steps[i].on_failure
            && let Some((j, _)) = runbook.step(&goto.step)
        {
            todo.push(j);
        }
    }
    runbook
        .steps
        .iter()
        .zip(seen)
        .filter(|(_, s)| !s)
        .map(|(s, _)| s)
        .collect()
}

fn check_block(runbook: &Runbook, catalog: &Catalog, block: &Block) -> Result<(), String> {
    match block {
        Block::Check(check) => {
            templates(runbook, std::iter::once(&check.object))?;
            if let super::model::Condition::Ready { revision: Some(r) } = &check.condition
                && r.source() != "source"
            {
                templates(runbook, std::iter::once(r))?;
            }
            if let super::model::Condition::Count {
                namespace: Some(ns),
                ..
            } = &check.condition
            {
                templates(runbook, std::iter::once(ns))?;
            }
            Ok(())
        }
        Block::Action(action) => {
            let Some(spec) = catalog.get(&action.action) else {
                return Err(format!(
                    "unknown action '{}' (actions: {})",
                    action.action,
                    catalog.names().collect::<Vec<_>>().join(", ")
                ));
            };
            for (name, _) in &action.params {
                if spec.param(name).is_none() {
                    let known: Vec<&str> = spec.params.iter().map(|p| p.name.as_str()).collect();
                    return Err(format!(
                        "action '{}' has no parameter '{name}' (parameters: {})",
                        spec.name,
                        if known.is_empty() {
                            "none".to_owned()
                        } else {
                            known.join(", ")
                        }
                    ));
                }
            }
            for p in &spec.params {
                if p.default.is_none() && !action.params.iter().any(|(n, _)| *n == p.name) {
                    return Err(format!(
                        "action '{}' needs parameter '{}'",
                        spec.name, p.name
                    ));
                }
            }
            templates(
                runbook,
                std::iter::once(&action.target).chain(action.params.iter().map(|(_, t)| t)),
            )
        }
        Block::Confirm(confirm) => {
            if confirm.prompt.source().trim().is_empty() {
                return Err("a confirm block needs a prompt".to_owned());
            }
            templates(
                runbook,
                std::iter::once(&confirm.prompt).chain(&confirm.answer),
            )
        }
        Block::Record(record) => templates(runbook, std::iter::once(&record.text)),
    }
}

fn templates<'a>(
    runbook: &Runbook,
    templates: impl Iterator<Item = &'a Template>,
) -> Result<(), String> {
    for template in templates {
        for name in template.placeholders() {
            if !known_placeholder(runbook, name) {
                return Err(format!(
                    "unknown placeholder '{{{{{name}}}}}' in '{}' (target, target.kind, target.namespace, target.name, input.NAME; inputs: {})",
                    template.source(),
                    if runbook.inputs.is_empty() {
                        "none".to_owned()
                    } else {
                        runbook
                            .inputs
                            .iter()
                            .map(|i| i.name.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    }
                ));
            }
        }
    }
    Ok(())
}

fn known_placeholder(runbook: &Runbook, name: &str) -> bool {
    if matches!(
        name,
        "target" | "target.kind" | "target.namespace" | "target.name"
    ) {
        return true;
    }
    let Some(rest) = name.strip_prefix("input.") else {
        return false;
    };
    if runbook.input(rest).is_some() {
        return true;
    }
    rest.rsplit_once('.').is_some_and(|(input, field)| {
        matches!(field, "kind" | "namespace" | "name")
            && runbook
                .input(input)
                .is_some_and(|i| matches!(i.kind, InputKind::Object { .. }))
    })
}
