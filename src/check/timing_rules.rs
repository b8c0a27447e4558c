//! Intervals, timeouts and retry intervals that cannot work:
//! - a duration the API server rejects: the Flux CRDs validate `interval`, `timeout` and `retryInterval`
//!   against `^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$` (`5min`, `1d` and `10` are refused);
//! - `spec.timeout` longer than `spec.interval`: a reconcile can still be running when the next one is due;
//! - a Kustomization at the head of a long `dependsOn` chain ([`LONG_CHAIN`] or more objects waiting behind it,
//!   one behind the other) with an interval of [`SLOW_INTERVAL`] or more and no `retryInterval`: after one
//!   failure it retries only at the next interval (kustomize-controller's default retry interval is the
//!   interval), and everything behind it waits as long.
//!
//! Each finding names the line of the field it is about. Pure: objects and the graph in, findings out.

use super::load::Repository;
use super::{Finding, rules};
use crate::flux::duration::parse_go_duration;
use crate::flux::{FluxKind, FluxObject, ResourceRef};
use crate::graph::{EdgeKind, Graph};
use regex::Regex;
use std::collections::BTreeSet;
use std::sync::LazyLock;
use std::time::Duration;

/// How many objects, one behind the other, make a chain long.
pub const LONG_CHAIN: usize = 2;
/// The interval from which a missing retryInterval is a slow recovery.
pub const SLOW_INTERVAL: Duration = Duration::from_secs(10 * 60);

static DURATION: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$").ok());

/// Whether the API server accepts `text` as a Flux duration.
#[must_use]
pub fn valid_duration(text: &str) -> bool {
    DURATION.as_ref().is_some_and(|r| r.is_match(text))
}

/// Every timing finding of `repo`.
#[must_use]
pub fn findings(repo: &Repository) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    for entry in &repo.entries {
        for (obj, origin) in entry.load.objects.iter().zip(&entry.load.origins) {
            let Some(r) = obj.resource_ref() else {
                continue;
            };
            if !seen.insert(r.clone()) {
                continue;
            }
            for (rule, field, text) in object_problems(obj, &r, &entry.graph) {
                out.push(Finding::new(
                    rule,
                    repo.relative(&origin.file),
                    repo.field_line(&r, origin, field),
                    text,
                ));
            }
        }
    }
    out
}

/// The timing problems of one object, each with its rule and the field it is about (`spec.timeout`; a
/// missing `retryInterval` is about the `spec.interval` it falls back to).
#[must_use]
pub fn object_problems(
    obj: &FluxObject,
    r: &ResourceRef,
    graph: &Graph,
) -> Vec<(&'static rules::Rule, &'static str, String)> {
    let mut out = Vec::new();
    let fields = [
        ("interval", obj.spec.interval.as_deref()),
        ("timeout", obj.spec.timeout.as_deref()),
        ("retryInterval", obj.spec.retry_interval.as_deref()),
    ];
    let paths = ["spec.interval", "spec.timeout", "spec.retryInterval"];
    let mut parsed = [None, None, None];
    for (i, (name, value)) in fields.iter().enumerate() {
        let Some(value) = value else { continue };
        if value.contains("${") {
            continue;
        }
        if valid_duration(value) {
            parsed[i] = parse_go_duration(value).ok();
        } else {
            out.push((
                &rules::INVALID_DURATION,
                paths[i],
                format!(
                    "{r} has spec.{name} '{value}', which is not a duration the API server accepts"
                ),
            ));
        }
    }
    let [interval, timeout, retry] = parsed;
    if let (Some(i), Some(t)) = (interval, timeout)
        && t > i
        && !i.is_zero()
    {
        out.push((
            &rules::TIMEOUT_EXCEEDS_INTERVAL,
            paths[1],
            format!(
                "{r} has spec.timeout {} longer than spec.interval {}",
                fields[1].1.unwrap_or_default(),
                fields[0].1.unwrap_or_default()
            ),
        ));
    }
    if r.kind == FluxKind::Kustomization
        && retry.is_none()
        && obj.spec.retry_interval.is_none()
        && interval.is_some_and(|i| i >= SLOW_INTERVAL)
    {
        let depth = chain_depth(graph, r);
        if depth >= LONG_CHAIN {
            out.push((
                &rules::RETRY_INTERVAL_MISSING,
                paths[0],
                format!(
                    "{r} has no spec.retryInterval and {depth} levels of dependsOn wait behind it: a failure is retried only after spec.interval {}",
                    fields[0].1.unwrap_or_default()
                ),
            ));
        }
    }
    out
}

/// The longest chain of objects waiting on `r` through `dependsOn`, one behind the other (cycles cut; each
/// object's depth computed once).
#[must_use]
pub fn chain_depth(graph: &Graph, r: &ResourceRef) -> usize {
    fn walk(
        graph: &Graph,
        r: &ResourceRef,
        on_path: &mut BTreeSet<ResourceRef>,
        memo: &mut std::collections::HashMap<ResourceRef, usize>,
    ) -> usize {
        if let Some(d) = memo.get(r) {
            return *d;
        }
        let dependents: Vec<ResourceRef> = graph
            .in_edges(r)
            .filter(|(k, _)| *k == EdgeKind::DependsOn)
            .map(|(_, d)| d.clone())
            .collect();
        let mut best = 0;
        for d in dependents {
            if !on_path.insert(d.clone()) {
                continue;
            }
            best = best.max(1 + walk(graph, &d, on_path, memo));
            on_path.remove(&d);
        }
        memo.insert(r.clone(), best);
        best
    }
    let mut on_path = BTreeSet::from([r.clone()]);
    walk(
        graph,
        r,
        &mut on_path,
        &mut std::collections::HashMap::new(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_are_judged_like_the_crd_pattern() {
        for ok in ["10m", "1h30m", "30s", "500ms", "1.5h"] {
            assert!(valid_duration(ok), "{ok}");
        }
        for bad in ["5min", "1d", "10", "", "-1m", "1 m"] {
            assert!(!valid_duration(bad), "{bad}");
        }
    }
}
