//! Graph findings: the graph's own warnings (`Graph::warnings`: dangling references, cycles, cross-kind
//! dependsOn, reference kinds a field does not accept, suspend traps) and the loader's problems (files that
//! do not parse, unknown API versions, duplicates within one cluster entry point) turned into findings at the
//! file and line where the fix goes; plus a Kustomization whose `spec.path` does not exist in this repository.
//! A finding about one field names that field's line ([`Locate`]): the `dependsOn` / `healthChecks` /
//! `include` entry naming the target, the `sourceRef` / `chartRef` (its `kind` when the kind is wrong), the
//! child's `suspend`, the parent's `wait`, the `path`. A reference of a HelmChart the repository does not hold
//! (helm-controller makes it from a HelmRelease) is reported at the HelmRelease's `spec.chart.spec.sourceRef`.
//!
//! "This repository" for `spec.path`: the source named `flux-system` (what `flux bootstrap` creates for the
//! repository itself) and any source some Kustomization of the repository builds a path of that exists here.
//! A Kustomization of another repository's source is not judged (its path is in that repository), nor a path
//! with a `${…}` substitution. Pure: the caller says which directories exist.

use super::load::Repository;
use super::rules::{self, Rule};
use super::{Finding, Severity};
use crate::flux::repo::Origin;
use crate::flux::{FluxKind, ResourceRef};
use crate::graph::suspend_check::HealthCheckVia;
use crate::graph::{EdgeKind, GraphWarning};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Which line of an object a finding names.
#[derive(Debug, Clone, Copy)]
pub enum Locate<'a> {
    /// Its first line (the finding is about the object as a whole).
    Object,
    /// The line of this field (`spec.path`), else of its nearest written parent.
    Field(&'a str),
    /// The item of the sequence `seq` whose `key` is `value` (`""`: the item itself).
    Item {
        seq: &'a str,
        key: &'a str,
        value: &'a str,
    },
}

impl Locate<'_> {
    /// The line in `repo` of this part of `r`, defined in `origin`.
    #[must_use]
    pub fn line(self, repo: &Repository, r: &ResourceRef, origin: &Origin) -> Option<usize> {
        match self {
            Locate::Object => origin.line,
            Locate::Field(path) => repo.field_line(r, origin, path),
            Locate::Item { seq, key, value } => repo.item_line(r, origin, seq, key, value),
        }
    }
}

/// The field of `from` that holds an edge of `kind` to `target`.
fn edge_field<'a>(kind: EdgeKind, from: &ResourceRef, target: &'a ResourceRef) -> Locate<'a> {
    match kind {
        EdgeKind::DependsOn => Locate::Item {
            seq: "spec.dependsOn",
            key: "name",
            value: &target.name,
        },
        EdgeKind::HealthCheck => Locate::Item {
            seq: "spec.healthChecks",
            key: "name",
            value: &target.name,
        },
        EdgeKind::Include => Locate::Item {
            seq: "spec.include",
            key: "repository.name",
            value: &target.name,
        },
        EdgeKind::SourceRef => Locate::Field("spec.sourceRef"),
        EdgeKind::ChartRef => Locate::Field("spec.chartRef"),
        EdgeKind::ChartSource if from.kind == FluxKind::HelmRelease => {
            Locate::Field("spec.chart.spec.sourceRef")
        }
        EdgeKind::ChartSource => Locate::Field("spec.sourceRef"),
        EdgeKind::Inventory | EdgeKind::OwnerLabel => Locate::Object,
    }
}

/// Every graph finding of every entry point of `repo`.
#[must_use]
pub fn findings(repo: &Repository) -> Vec<Finding> {
    let mut out = Vec::new();
    let applied: Vec<BTreeSet<PathBuf>> = repo
        .entry_dirs()
        .iter()
        .map(|d| repo.applied_from(d))
        .collect();
    for entry in &repo.entries {
        let origins: BTreeMap<ResourceRef, &Origin> = entry
            .load
            .objects
            .iter()
            .zip(&entry.load.origins)
            .filter_map(|(o, origin)| Some((o.resource_ref()?, origin)))
            .collect();
        let at = |r: &ResourceRef, part: Locate<'_>, rule: &Rule, message: String| -> Finding {
            let (file, line) = origins.get(r).map_or((PathBuf::new(), None), |o| {
                (repo.relative(&o.file), part.line(repo, r, o))
            });
            Finding::new(rule, file, line, message)
        };
        // A reference of a HelmChart the repository does not hold (helm-controller makes it from a
        // HelmRelease's spec.chart) is written in that HelmRelease.
        let implied_by = |r: &ResourceRef| -> Option<ResourceRef> {
            if origins.contains_key(r) || r.kind != FluxKind::HelmChart {
                return None;
            }
            entry
                .graph
                .in_edges(r)
                .find(|(k, from)| *k == EdgeKind::ChartSource && from.kind == FluxKind::HelmRelease)
                .map(|(_, release)| release.clone())
        };
        for warning in entry.graph.warnings() {
            out.push(warning_finding(&warning, &at, &implied_by));
        }
        for problem in &entry.load.problems {
            let rule = if problem.message.starts_with("duplicate of") {
                let first = first_definition(&problem.message)
                    .map(|f| repo.relative(Path::new(&f)))
                    .unwrap_or_default();
                if !applied_together(&applied, &first, &repo.relative(&problem.file)) {
                    continue;
                }
                &rules::DUPLICATE_OBJECT
            } else {
                &rules::LOAD_ERROR
            };
            let mut message = problem.message.clone();
            if let Some(cluster) = &entry.cluster
                && rule.id == rules::DUPLICATE_OBJECT.id
            {
                message.push_str(&format!(" (cluster entry point clusters/{cluster})"));
            }
            out.push(Finding::new(
                rule,
                repo.relative(&problem.file),
                problem.line,
                message,
            ));
        }
    }
    out.extend(path_findings(repo, |rel| repo.has_dir(rel)));
    out
}

fn warning_finding(
    warning: &GraphWarning,
    at: &impl Fn(&ResourceRef, Locate<'_>, &Rule, String) -> Finding,
    implied_by: &impl Fn(&ResourceRef) -> Option<ResourceRef>,
) -> Finding {
    let message = warning.to_string();
    match warning {
        GraphWarning::Dangling(d) => {
            let rule = if d.expected {
                &rules::DANGLING_EXPECTED
            } else {
                &rules::DANGLING
            };
            let (subject, part) = match d.referrers.first() {
                None => (d.target.clone(), Locate::Object),
                Some((kind, r)) => match implied_by(r) {
                    Some(release) => (release, Locate::Field("spec.chart.spec.sourceRef")),
                    None => (r.clone(), edge_field(*kind, r, &d.target)),
                },
            };
            at(&subject, part, rule, message).with_fix(if d.expected {
                rule.fix.to_owned()
            } else {
                format!(
                    "add {} to the repository, or correct the reference's name/namespace",
                    d.target
                )
            })
        }
        GraphWarning::Cycle(members) => {
            let first = members.first().cloned().unwrap_or_else(|| {
                ResourceRef::new(FluxKind::Kustomization, String::new(), String::new())
            });
            // The first member's dependsOn entry that closes the cycle (it names the next member).
            let next = members.get(1).or(members.last()).unwrap_or(&first);
            let part = Locate::Item {
                seq: "spec.dependsOn",
                key: "name",
                value: &next.name,
            };
            at(&first, part, &rules::CYCLE, message)
        }
        GraphWarning::CrossKindDependsOn(c) => {
            let fix = if c.dependent.kind == FluxKind::Kustomization {
                format!(
                    "replace the dependsOn entry '{}' with a healthChecks entry for the HelmRelease",
                    c.target.namespaced_name()
                )
            } else {
                format!(
                    "a HelmRelease can only depend on HelmReleases: remove '{}' from dependsOn",
                    c.target.namespaced_name()
                )
            };
            let part = Locate::Item {
                seq: "spec.dependsOn",
                key: "name",
                value: &c.target.name,
            };
            at(&c.dependent, part, &rules::CROSS_KIND_DEPENDS_ON, message).with_fix(fix)
        }
        GraphWarning::InvalidRef(r) => {
            let accepted: Vec<&str> = r.accepted.iter().map(|k| k.as_str()).collect();
            let kind_field = format!("{}.kind", r.field);
            at(
                &r.from,
                Locate::Field(&kind_field),
                &rules::INVALID_SOURCE_KIND,
                message,
            )
            .with_fix(format!(
                "set {}.kind to one of {}",
                r.field,
                accepted.join(", ")
            ))
        }
        GraphWarning::SuspendReverted(s) => at(
            &s.child,
            Locate::Field("spec.suspend"),
            &rules::SUSPEND_REVERTED,
            message,
        ),
        GraphWarning::SuspendedHealthChecked(s) => {
            let fix = match s.via {
                HealthCheckVia::HealthChecks => format!(
                    "remove {} from {}'s healthChecks while it is suspended, or resume it",
                    s.child, s.parent
                ),
                HealthCheckVia::Wait => format!(
                    "resume {} or set wait: false on {} while it is suspended",
                    s.child, s.parent
                ),
            };
            let part = match s.via {
                HealthCheckVia::HealthChecks => Locate::Item {
                    seq: "spec.healthChecks",
                    key: "name",
                    value: &s.child.name,
                },
                HealthCheckVia::Wait => Locate::Field("spec.wait"),
            };
            at(&s.parent, part, &rules::SUSPENDED_HEALTH_CHECKED, message).with_fix(fix)
        }
    }
}

/// The file named in the loader's "duplicate of … first defined in FILE:LINE; keeping the first".
fn first_definition(message: &str) -> Option<String> {
    let rest = message.split_once(" first defined in ")?.1;
    let at = rest
        .rsplit_once("; keeping the first")
        .map_or(rest, |(a, _)| a);
    let file = match at.rsplit_once(':') {
        Some((f, line)) if line.chars().all(|c| c.is_ascii_digit()) => f,
        _ => at,
    };
    Some(file.to_owned())
}

/// Whether one cluster applies both files: true when the repository has no `clusters/<name>` entry point
/// (one cluster), else when some entry point's applied files hold both.
fn applied_together(applied: &[BTreeSet<PathBuf>], a: &Path, b: &Path) -> bool {
    applied.is_empty() || applied.iter().any(|set| set.contains(a) && set.contains(b))
}

/// `spec.path` without `./`, `None` with a substitution or climbing above the root.
#[must_use]
pub fn local_path(path: &str) -> Option<PathBuf> {
    if path.contains("${") {
        return None;
    }
    crate::flux::repo_context::normalize(Path::new(path.trim_start_matches('/')))
}

/// Kustomizations of this repository's sources whose path does not exist (`exists`: whether a directory
/// relative to the root does).
pub fn path_findings(repo: &Repository, exists: impl Fn(&Path) -> bool) -> Vec<Finding> {
    let objects = repo.objects();
    let kustomizations: Vec<_> = objects
        .iter()
        .filter(|(o, _)| o.flux_kind() == Some(FluxKind::Kustomization))
        .filter_map(|(o, origin)| {
            let source = o.spec.source_ref.as_ref()?;
            let ns = source
                .namespace
                .clone()
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| o.namespace().to_owned());
            let path = o.spec.path.as_deref().and_then(local_path)?;
            Some((
                o,
                origin,
                (source.kind.clone(), ns, source.name.clone()),
                path,
            ))
        })
        .collect();
    let mut local: BTreeSet<(String, String, String)> = BTreeSet::new();
    for (_, _, source, path) in &kustomizations {
        if source.2 == "flux-system" || (!path.as_os_str().is_empty() && exists(path)) {
            local.insert(source.clone());
        }
    }
    kustomizations
        .iter()
        .filter(|(_, _, source, path)| local.contains(source) && !exists(path))
        .map(|(o, origin, _, path)| {
            let r = o
                .resource_ref()
                .unwrap_or_else(|| ResourceRef::new(FluxKind::Kustomization, o.namespace(), o.name()));
            Finding::new(
                &rules::PATH_NOT_FOUND,
                repo.relative(&origin.file),
                repo.field_line(&r, origin, "spec.path"),
                format!(
                    "Kustomization {}/{} has spec.path './{}', which is not a directory of this repository",
                    o.namespace(),
                    o.name(),
                    path.display()
                ),
            )
            .with_severity(Severity::Error)
        })
        .collect()
}
