//! `fluxops check --cluster`: wiring only (docs/CHECK.md, "Against a live cluster"). Takes the objects the
//! change touches from the check already made (the one loaded repository and its builds, `check::Analysis`:
//! no second load), connects with the kubeconfig flags every command takes, has `execution::preview`
//! server-side dry-run them, and turns the server's refusals into findings at the file that defines the object
//! and the line of the field the refusal names (`details.causes[].field`, else the fields its message names:
//! [`refusal_fields`]), else of its nearest written parent, else the object's first line.

use super::check::{Analysis, CannotCheck};
use crate::check::output::ClusterDiff;
use crate::check::{Finding, immutable, rules};
use crate::cli::{CheckArgs, ClusterArgs};
use crate::cluster::ConnectOptions;
use crate::execution::preview::{self, Verdict};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

/// How long the first question to the API server may take before the check says it cannot check.
pub const REACH_TIMEOUT: Duration = Duration::from_secs(10);

/// What `--cluster` asks for: `None` when no cluster check was asked; else the contexts to dry-run against
/// ([`Wanted::One`]: `--cluster [NAME]` or one `--context`, `None` the current one; [`Wanted::Several`]:
/// `--context a --context b` or `--all-contexts`, each checked on its own).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Wanted {
    One(Option<String>),
    /// Several `--context`s, or every context of the kubeconfig (`all`).
    Several {
        named: Vec<String>,
        all: bool,
    },
}

/// What `--cluster` asks for (see [`Wanted`]).
///
/// # Errors
/// `--cluster NAME` and `--context OTHER` contradict each other, or `--cluster NAME` with several contexts;
/// `-n`/`-A` (a check reads every namespace the change touches).
pub fn wanted(args: &CheckArgs, kube: &ClusterArgs) -> Result<Option<Wanted>, CannotCheck> {
    if kube.namespace.is_some() || kube.all_namespaces {
        return Err(CannotCheck::Cluster(
            "-n/--namespace and -A are not used by `fluxops check`: --cluster dry-runs every object the change touches, in its own namespace".to_owned(),
        ));
    }
    let named = args.cluster.clone().flatten();
    if kube.context.len() > 1 || kube.all_contexts {
        if let Some(n) = named {
            return Err(CannotCheck::Cluster(format!(
                "--cluster {n} names one context and --context/--all-contexts several: give the contexts with --context only"
            )));
        }
        return Ok(Some(Wanted::Several {
            named: kube.context.clone(),
            all: kube.all_contexts,
        }));
    }
    let context = kube.context.first().cloned();
    match (&named, &context) {
        (Some(a), Some(b)) if a != b => Err(CannotCheck::Cluster(format!(
            "--cluster {a} and --context {b} name different contexts"
        ))),
        _ if args.cluster.is_none() && context.is_none() && kube.kubeconfig.is_none() => Ok(None),
        _ => Ok(Some(Wanted::One(named.or(context)))),
    }
}

/// Where a built object is defined: its document in the repository, else the Kustomization that builds it
/// (file and line: a generated or prefixed name no file defines).
#[derive(Debug, Clone)]
enum Place<'i> {
    Defined(&'i immutable::Definition),
    Built(PathBuf, Option<usize>),
}

impl Place<'_> {
    /// The file, and the line of the first of `fields` (`yaml_span` spelling) the definition writes, else of
    /// the nearest written parent of the first, else the object's (the Kustomization's) line.
    fn at(&self, fields: &[String]) -> (PathBuf, Option<usize>) {
        match self {
            Place::Defined(d) => (d.file.clone(), d.field_line(fields)),
            Place::Built(file, line) => (file.clone(), *line),
        }
    }
}

/// Where each built object is defined.
type Origins<'i> = BTreeMap<immutable::Key, Place<'i>>;

/// The objects the change touches: the built output of every Kustomization it feeds (each build when there
/// is no base) that `entry` applies (`None`: a repository with one entry point), with where each is defined
/// (the defining file, else the Kustomization's).
fn touched<'i>(
    analysis: &Analysis,
    index: &'i immutable::Index,
    entry: Option<&str>,
) -> (Vec<Value>, Origins<'i>) {
    let mut objects = Vec::new();
    let mut origin = BTreeMap::new();
    for built in analysis.built.iter().flatten() {
        if let Some(entry) = entry
            && !built.target.entries.iter().any(|e| e == entry)
        {
            continue;
        }
        let name = built.target.rref.to_string();
        if analysis
            .fed
            .as_ref()
            .is_some_and(|fed| !fed.contains(&name))
        {
            continue;
        }
        for obj in &built.objects {
            let Some(key) = immutable::key(obj) else {
                continue;
            };
            let place = match index.definition_in(&key, &built.target.path) {
                Some(d) => Place::Defined(d),
                None => Place::Built(built.target.file.clone(), built.target.line),
            };
            origin.insert(key, place);
            objects.push(obj.clone());
        }
    }
    (objects, origin)
}

/// The fields a refusal is about, in `yaml_span` spelling (`metadata.labels[app]` → `metadata.labels.app`): its
/// Status' `details.causes[].field` when it has them, else the fields its message names
/// (`diagnosis::segment::fields`: `spec.selector` of `… is invalid: spec.selector: Invalid value: …`, each
/// item of a bracket list `[spec.a: Required value, spec.b: …]`).
#[must_use]
pub fn refusal_fields(causes: &[String], message: &str) -> Vec<String> {
    let named = if causes.is_empty() {
        crate::diagnosis::segment::fields(message)
    } else {
        causes.to_vec()
    };
    named
        .iter()
        .map(|f| crate::flux::yaml_span::from_api_path(f))
        .collect()
}

/// The rule of a refusal: an immutable field, the checking identity's own RBAC, or anything else the
/// cluster says no to.
fn rule_of(code: u16, message: &str) -> &'static rules::Rule {
    let lower = message.to_ascii_lowercase();
    // kustomize-controller's own detector (FLUX.md §9): `is immutable`, `immutable field` (CEL, webhooks).
    if lower.contains("is immutable") || lower.contains("immutable field") {
        &rules::CLUSTER_IMMUTABLE
    } else if code == 403 && lower.contains("cannot ") && lower.contains("user \"") {
        &rules::CLUSTER_FORBIDDEN
    } else {
        &rules::CLUSTER_REJECTED
    }
}

/// Runs the cluster half of the check when asked: the diff against live and the findings of its refusals.
///
/// # Errors
/// The cluster cannot be checked ([`CannotCheck::Cluster`], exit 3): flags that contradict, nothing built,
/// a kubeconfig or context that does not work, an unreachable API server.
pub async fn dry_run(
    args: &CheckArgs,
    kube: &ClusterArgs,
    analysis: &Analysis,
) -> Result<Vec<(ClusterDiff, Vec<Finding>)>, CannotCheck> {
    let Some(wanted) = wanted(args, kube)? else {
        return Ok(Vec::new());
    };
    if analysis.built.is_none() {
        return Err(CannotCheck::Cluster(
            "--cluster dry-runs the built output, and nothing was built (--no-build, or neither `kustomize` nor `kubectl` on PATH)".to_owned(),
        ));
    }
    let contexts: Vec<Option<String>> = match wanted {
        Wanted::One(context) => vec![context],
        Wanted::Several { named, all } => {
            let mut several = kube.clone();
            several.context = named;
            several.all_contexts = all;
            super::fleet::contexts(&several, &crate::config::settings::Settings::default())
                .await
                .map_err(|e| CannotCheck::Cluster(format!("--cluster: {e}")))?
        }
    };
    // Each context on its own, at once: one slow cluster does not hold up the others' dry-runs.
    let runs = contexts
        .into_iter()
        .map(|context| against(kube, analysis, context));
    futures::future::join_all(runs).await.into_iter().collect()
}

/// The cluster entry point (`clusters/<name>`) a context runs: the one it is named after — the same name, else
/// the one found in it between separators (`kind-staging` → `staging`, `arn:…:cluster/production` →
/// `production`; `gke_p_eu_prod-eu` → `prod-eu` rather than `prod`, which it contains).
///
/// # Errors
/// None or several (not one within the other) match: the context and the entry points named, and `--entry` suggested.
pub fn entry_for(context: &str, entries: &[String]) -> Result<String, String> {
    let lower = context.to_lowercase();
    if let Some(e) = entries.iter().find(|e| e.to_lowercase() == lower) {
        return Ok(e.clone());
    }
    let boundary = |c: Option<char>| c.is_none_or(|c| !c.is_alphanumeric());
    let within = |e: &str| {
        let e = e.to_lowercase();
        lower.match_indices(&e).any(|(at, _)| {
            boundary(lower[..at].chars().next_back())
                && boundary(lower[at + e.len()..].chars().next())
        })
    };
    let mut found: Vec<&String> = entries.iter().filter(|e| within(e)).collect();
    found.sort_by_key(|e| std::cmp::Reverse(e.len()));
    let listed = || {
        format!(
            "clusters/{{{}}}",
            entries
                .iter()
                .map(|e| crate::text::sanitize_line(e).into_owned())
                .collect::<Vec<_>>()
                .join(",")
        )
    };
    let context = crate::text::sanitize_line(context);
    match found.as_slice() {
        [one] => Ok((*one).clone()),
        // `prod-eu` over `prod`: the shorter ones within the longest.
        [a, rest @ ..]
            if rest
                .iter()
                .all(|b| b.len() < a.len() && a.to_lowercase().contains(&b.to_lowercase())) =>
        {
            Ok((*a).clone())
        }
        [] => Err(format!(
            "--cluster: context '{context}' is not named after one of this repository's cluster entry points ({}): check it with --entry NAME, the one it runs",
            listed()
        )),
        _ => Err(format!(
            "--cluster: context '{context}' names several cluster entry points ({}): check it with --entry NAME, the one it runs",
            listed()
        )),
    }
}

/// The dry-run against one context.
async fn against(
    kube: &ClusterArgs,
    analysis: &Analysis,
    context: Option<String>,
) -> Result<(ClusterDiff, Vec<Finding>), CannotCheck> {
    let which = context.as_ref().map_or_else(String::new, |c| {
        format!(" (context {})", crate::text::sanitize_line(c))
    });
    let options = ConnectOptions {
        kubeconfig: kube.kubeconfig.clone(),
        context,
        readonly: kube.readonly,
        ..ConnectOptions::default()
    };
    let connection = crate::cluster::client::connect(&options)
        .await
        .map_err(|e| CannotCheck::Cluster(format!("--cluster{which}: {e}")))?;
    crate::cluster::client::check_reachable(&connection, REACH_TIMEOUT)
        .await
        .map_err(|e| CannotCheck::Cluster(format!("--cluster{which}: {e}")))?;
    let entries: Vec<String> = analysis
        .repo
        .entries
        .iter()
        .filter_map(|e| e.cluster.clone())
        .collect();
    let entry = if entries.len() > 1 {
        Some(entry_for(&connection.context, &entries).map_err(CannotCheck::Cluster)?)
    } else {
        None
    };
    let index = immutable::index(&analysis.repo);
    let (objects, origin) = touched(analysis, &index, entry.as_deref());
    let previewed = preview::preview(&connection, &objects).await.map_err(|e| {
        CannotCheck::Cluster(format!(
            "--cluster: cannot check against context '{}' ({}): {e}",
            connection.context, connection.server
        ))
    })?;
    let mut findings = Vec::new();
    for p in &previewed {
        let Verdict::Refused {
            code,
            reason,
            message,
            fields,
        } = &p.verdict
        else {
            continue;
        };
        let key: immutable::Key = (
            p.key.group.clone(),
            p.key.kind.clone(),
            p.key.namespace.clone(),
            p.key.name.clone(),
        );
        let (file, line) = origin
            .get(&key)
            .or_else(|| {
                // A namespace the preview filled in, or one a cluster-scoped kind does not have.
                origin
                    .iter()
                    .find(|(k, _)| k.0 == key.0 && k.1 == key.1 && k.3 == key.3)
                    .map(|(_, v)| v)
            })
            .map(|place| place.at(&refusal_fields(fields, message)))
            .unwrap_or_default();
        findings.push(Finding::new(
            rule_of(*code, message),
            file,
            line,
            format!(
                "{}: context {} refuses the server-side dry-run ({}): {message}",
                p.object,
                connection.context,
                Verdict::status(*code, reason)
            ),
        ));
    }
    Ok((
        ClusterDiff {
            context: connection.context.clone(),
            server: connection.server.clone(),
            entry,
            objects: previewed,
        },
        findings,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    const KS: &str = "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: bad\n  namespace: flux-system\nspec:\n  path: ./apps\n  prune: \"string\"\n";
    const DEPLOY: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: apps\nspec:\n  replicas: 1\n  selector:\n    matchLabels:\n      app: web\n";
    /// The real v1.28 messages (/work/shared/data/apiserver-v1.28: deploy-selector-immutable-dryrun-422,
    /// ks-invalid-422).
    const IMMUTABLE: &str = r#"Deployment.apps "web" is invalid: spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"web", "tier":"front"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable"#;
    const SCHEMA: &str = r#"Kustomization.kustomize.toolkit.fluxcd.io "bad" is invalid: [spec.prune: Invalid value: "string": spec.prune in body must be of type boolean: "string", spec.interval: Required value, spec.sourceRef: Required value, <nil>: Invalid value: "null": some validation rules were not checked because the object was invalid; correct the existing errors to complete validation]"#;

    fn defined(text: &str) -> immutable::Definition {
        immutable::Definition {
            file: PathBuf::from("apps/x.yaml"),
            spans: crate::flux::yaml_span::spans_of(text)
                .into_iter()
                .next()
                .unwrap_or_default(),
        }
    }

    #[test]
    fn the_fields_come_from_the_causes_else_from_the_message_in_yaml_span_spelling() {
        assert_eq!(
            refusal_fields(&[], SCHEMA),
            ["spec.prune", "spec.interval", "spec.sourceRef"]
        );
        assert_eq!(refusal_fields(&[], IMMUTABLE), ["spec.selector"]);
        // The causes win over the message; a map key in brackets becomes a field.
        assert_eq!(
            refusal_fields(
                &["metadata.labels[app.kubernetes.io/name]".to_owned()],
                IMMUTABLE
            ),
            ["metadata.labels.app.kubernetes.io/name"]
        );
        assert!(refusal_fields(&[], "admission webhook \"p\" denied the request: no").is_empty());
    }

    #[test]
    fn a_refusal_names_the_line_of_its_field_else_a_parent_else_the_object() {
        let deploy = defined(DEPLOY);
        let at = Place::Defined(&deploy).at(&refusal_fields(&[], IMMUTABLE));
        assert_eq!(at, (PathBuf::from("apps/x.yaml"), Some(8)));
        // Several causes: the first field the file writes (`spec.prune`; interval and sourceRef are missing).
        let ks = defined(KS);
        assert_eq!(
            Place::Defined(&ks).at(&refusal_fields(&[], SCHEMA)).1,
            Some(8)
        );
        // None written: the nearest written parent of the first (`spec.interval` → `spec`).
        let required = r#"Kustomization.kustomize.toolkit.fluxcd.io "bad" is invalid: [spec.interval: Required value, spec.sourceRef: Required value]"#;
        assert_eq!(
            Place::Defined(&ks).at(&refusal_fields(&[], required)).1,
            Some(6)
        );
        // No field named: the object's first line; a generated object: the Kustomization's line.
        assert_eq!(Place::Defined(&ks).at(&[]).1, Some(1));
        let built = Place::Built(PathBuf::from("clusters/apps.yaml"), Some(12));
        assert_eq!(
            built.at(&refusal_fields(&[], IMMUTABLE)),
            (PathBuf::from("clusters/apps.yaml"), Some(12))
        );
    }

    #[test]
    fn a_context_runs_the_entry_point_it_is_named_after() {
        let entries: Vec<String> = ["prod", "prod-eu", "staging", "dev"]
            .map(String::from)
            .to_vec();
        for (context, entry) in [
            ("staging", "staging"),
            ("STAGING", "staging"),
            ("kind-staging", "staging"),
            ("gke_project_europe-west1_prod-eu", "prod-eu"),
            ("arn:aws:eks:eu-west-1:1234:cluster/prod", "prod"),
            ("dev@admin", "dev"),
        ] {
            assert_eq!(
                entry_for(context, &entries).as_deref(),
                Ok(entry),
                "{context}"
            );
        }
        for context in ["lab", "development", "prodx", "stagingdev"] {
            let e = entry_for(context, &entries).unwrap_err();
            assert!(
                e.contains("clusters/{prod,prod-eu,staging,dev}") && e.contains("--entry"),
                "{e}"
            );
        }
        // Two entry points of the same length in one name: which one is not guessed.
        for context in ["dev-staging", "dev-ops-x"] {
            let three = ["dev".into(), "staging".into(), "ops".into()];
            assert!(
                entry_for(context, &three).unwrap_err().contains("several"),
                "{context}"
            );
        }
    }

    #[test]
    fn refusals_map_to_their_rules() {
        assert_eq!(
            rule_of(
                422,
                "Deployment.apps \"web\" is invalid: spec.selector: Invalid value: v1.LabelSelector{…}: field is immutable"
            )
            .id,
            "cluster-immutable"
        );
        assert_eq!(
            rule_of(
                403,
                "deployments.apps \"web\" is forbidden: User \"ci\" cannot patch resource \"deployments\" in API group \"apps\" in the namespace \"apps\""
            )
            .id,
            "cluster-forbidden"
        );
        assert_eq!(
            rule_of(
                403,
                "pods \"x\" is forbidden: exceeded quota: compute, requested: cpu=2, used: cpu=1, limited: cpu=2"
            )
            .id,
            "cluster-rejected"
        );
        assert_eq!(
            rule_of(
                400,
                "admission webhook \"policy.example.com\" denied the request: no latest tag"
            )
            .id,
            "cluster-rejected"
        );
    }
}
