//! `fluxops graph`: read the fleet once (the cluster through `cluster::list::list_all`, or a repository through
//! `flux::repo::load_dir` like `fluxops sim --from-dir`), build the graph, print it in the chosen format.
//! Wiring only: the rendering is `graph::export`.
//!
//! Namespaces: every namespace unless `-n` is given (`launch::connect_options`); the context's namespace does
//! not narrow the graph. An empty graph of one namespace says so and suggests `-A`.
//!
//! Exit status (docs/graph.md): 0 when the graph was printed (an empty one too); 1 (an error naming what is
//! wrong) when the directory or the cluster cannot be read, a `--kind` is not a Flux kind, `--focus` matches
//! no object, or the repository has problems: files that do not parse, objects at unknown API versions,
//! templates that were not loaded, duplicate definitions (a multi-cluster repository loaded whole:
//! `--cluster NAME` picks one entry point). Each problem is printed as `file:line: message` on stderr after
//! the graph of what did load. 2: a usage error.

use crate::cli::{ClusterArgs, GraphArgs, GraphFormat};
use crate::cluster::{self, KindProblem};
use crate::flux::FluxKind;
use crate::flux::repo::{self, LoadOptions, LoadProblem, RepoError};
use crate::graph::Graph;
use crate::graph::export::{self, ExportInput, Filter, GraphExport, Origin};
use crate::graph::repo_owner::label_repo_owners;
use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::Path;

/// Why `fluxops graph` failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(
        "unknown kind '{0}' (kinds: Kustomization, HelmRelease, GitRepository, OCIRepository, HelmRepository, HelmChart, Bucket, ExternalArtifact)"
    )]
    UnknownKind(String),
    #[error("--focus '{focus}' matches no object{scope}{hint}")]
    FocusMatchesNothing {
        focus: String,
        /// ` in namespace 'x'`, ` of kind …`, or empty.
        scope: String,
        /// `; objects with that in their name: …`, or the forms a focus takes.
        hint: String,
    },
    #[error(transparent)]
    Repo(#[from] RepoError),
    #[error("{count} problem(s) reading '{path}':\n{list}")]
    Problems {
        path: String,
        count: usize,
        list: String,
    },
    #[error(transparent)]
    Connect(#[from] cluster::client::Error),
    #[error(transparent)]
    List(#[from] cluster::list::Error),
    #[error("cannot write the output: {0}")]
    Output(#[source] std::io::Error),
    #[error("cannot encode JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("{0}")]
    Clusters(String),
}

/// Parses `--kind` values (exact kind names, short names like `ks`/`hr`, or plurals; case-insensitive).
///
/// # Errors
/// A value that names no Flux kind.
pub fn parse_kinds(values: &[String]) -> Result<Vec<FluxKind>, Error> {
    values
        .iter()
        .map(|v| v.trim())
        .filter(|v| !v.is_empty())
        .map(|v| FluxKind::from_user(v).ok_or_else(|| Error::UnknownKind(v.to_owned())))
        .collect()
}

/// The error for a `--focus` that matched nothing: where it looked and, when some objects have the text in
/// their name, which (at most five).
fn focus_error(export: &GraphExport, filter: &Filter, candidates: &[String]) -> Error {
    let focus = filter.focus.clone().unwrap_or_default();
    let mut scope = String::new();
    if let Some(ns) = export.namespace.as_deref() {
        scope.push_str(&format!(" in namespace '{ns}'"));
    }
    if !filter.kinds.is_empty() {
        let kinds: Vec<&str> = filter.kinds.iter().map(|k| k.as_str()).collect();
        scope.push_str(&format!(" of kind {}", kinds.join(", ")));
    }
    let hint = if candidates.is_empty() {
        "; a focus is `name`, `namespace/name` or `Kind/namespace/name`".to_owned()
    } else {
        format!(
            "; objects with '{focus}' in their name: {}",
            candidates.join(", ")
        )
    };
    Error::FocusMatchesNothing {
        focus: crate::text::sanitize_line(&focus).into_owned(),
        scope: crate::text::sanitize_line(&scope).into_owned(),
        hint: crate::text::sanitize_line(&hint).into_owned(),
    }
}

/// Runs `fluxops graph`; `cluster` holds the cluster flags from both sides of the subcommand.
///
/// # Errors
/// See the module doc.
pub async fn run(args: &GraphArgs, cluster: &ClusterArgs) -> Result<(), Error> {
    let mut filter = Filter {
        kinds: parse_kinds(&args.kind)?,
        namespace: None,
        focus: args.focus.clone(),
        depth: args.depth,
    };
    let (export, problems, candidates) = match &args.from_dir {
        Some(dir) => {
            // A directory holds every namespace: `-n` keeps only its objects. (A cluster is listed in the
            // namespace only; placeholders of what its objects reference elsewhere are kept.)
            filter.namespace.clone_from(&cluster.namespace);
            let (export, problems, candidates) =
                from_dir(dir, args.cluster_entry.as_deref(), &filter)?;
            (export, problems, candidates)
        }
        None => {
            let contexts =
                super::fleet::contexts(cluster, &crate::config::settings::Settings::discover())
                    .await?;
            if contexts.len() > 1 {
                return many(args, cluster, &filter, contexts).await;
            }
            let (export, candidates) = live(cluster, &filter).await?;
            (export, Vec::new(), candidates)
        }
    };
    if filter.focus.is_some() && export.nodes.is_empty() {
        return Err(focus_error(&export, &filter, &candidates));
    }
    let text = render(&export, args.output)?;
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Ok(()) => {}
        // `fluxops graph | head`: the reader went away; not an error.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        Err(e) => return Err(Error::Output(e)),
    }
    if let Some(dir) = &args.from_dir
        && !problems.is_empty()
    {
        let mut list: Vec<String> = problems
            .iter()
            .map(|p| format!("  {}", crate::text::sanitize_line(&p.to_string())))
            .collect();
        if args.cluster_entry.is_none()
            && problems
                .iter()
                .any(|p| p.message.starts_with("duplicate of"))
        {
            list.push(
                "  (a repository with several clusters/<name> entry points: pick one with --cluster NAME)"
                    .to_owned(),
            );
        }
        return Err(Error::Problems {
            path: dir.display().to_string(),
            count: problems.len(),
            list: list.join("\n"),
        });
    }
    Ok(())
}

/// Several clusters (`--context a --context b`, `--all-contexts`): each listed at once, its graph printed under
/// a heading naming it (JSON: `{"clusters": [{"context", "graph"}]}`), in the order given. A cluster that cannot be
/// read is named with why, the others are still printed, and the exit status is 1.
async fn many(
    args: &GraphArgs,
    cluster: &ClusterArgs,
    filter: &Filter,
    contexts: Vec<Option<String>>,
) -> Result<(), Error> {
    let runs = contexts.iter().map(|context| {
        let mut one = cluster.clone();
        one.context = context.iter().cloned().collect();
        one.all_contexts = false;
        async move { live(&one, filter).await }
    });
    let results = futures::future::join_all(runs).await;
    let mut text = String::new();
    let mut json = Vec::new();
    let mut failed = Vec::new();
    let mut matched = false;
    for (context, result) in contexts.iter().zip(results) {
        let name = crate::text::sanitize_line(context.as_deref().unwrap_or("")).into_owned();
        match result {
            Ok((export, _)) => {
                matched |= !export.nodes.is_empty();
                match args.output {
                    GraphFormat::Json => {
                        let graph: serde_json::Value =
                            serde_json::from_str(&export::json::render(&export)?)?;
                        json.push(serde_json::json!({"context": name, "graph": graph}));
                    }
                    GraphFormat::Tree => text.push_str(&format!("== cluster {name} ==\n")),
                    GraphFormat::Dot => text.push_str(&format!("// cluster {name}\n")),
                    GraphFormat::Mermaid => text.push_str(&format!("%% cluster {name}\n")),
                }
                if args.output != GraphFormat::Json {
                    text.push_str(&render(&export, args.output)?);
                    text.push('\n');
                }
            }
            Err(e) => failed.push(format!("cluster {name}: {e}")),
        }
    }
    if args.output == GraphFormat::Json {
        text = crate::machine_text::to_json_string_pretty(&serde_json::json!({"clusters": json}))?;
        text.push('\n');
    }
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        Err(e) => return Err(Error::Output(e)),
    }
    if !failed.is_empty() {
        return Err(Error::Clusters(failed.join("\n")));
    }
    if filter.focus.is_some() && !matched {
        return Err(Error::FocusMatchesNothing {
            focus: filter.focus.clone().unwrap_or_default(),
            scope: " in any cluster".to_owned(),
            hint: String::new(),
        });
    }
    Ok(())
}

/// Renders `export` in `format`.
///
/// # Errors
/// JSON encoding (cannot happen for this type).
pub fn render(export: &GraphExport, format: GraphFormat) -> Result<String, Error> {
    Ok(match format {
        GraphFormat::Tree => export::tree::render(export),
        GraphFormat::Json => export::json::render(export)?,
        GraphFormat::Dot => export::dot::render(export),
        GraphFormat::Mermaid => export::mermaid::render(export),
    })
}

/// Up to five objects (`Kind/ns/name`) of the selected kinds and namespace whose name contains the focus
/// text, ignoring case: what the user may have meant when the focus matched nothing.
#[must_use]
pub fn focus_candidates(graph: &Graph, filter: &Filter) -> Vec<String> {
    let Some(focus) = filter.focus.as_deref().map(str::to_lowercase) else {
        return Vec::new();
    };
    let wanted = focus.rsplit('/').next().unwrap_or_default().to_owned();
    graph
        .nodes()
        .map(|n| &n.rref)
        .filter(|r| filter.kinds.is_empty() || filter.kinds.contains(&r.kind))
        .filter(|r| {
            filter
                .namespace
                .as_ref()
                .is_none_or(|ns| *ns == r.namespace)
        })
        .filter(|r| !wanted.is_empty() && r.name.to_lowercase().contains(&wanted))
        .take(5)
        .map(ToString::to_string)
        .collect()
}

/// The export of a repository (only `clusters/<cluster>` of a multi-cluster one, if given), the problems
/// of files that did not load, and the focus candidates ([`focus_candidates`]).
///
/// # Errors
/// The directory cannot be read.
pub fn from_dir(
    dir: &Path,
    cluster: Option<&str>,
    filter: &Filter,
) -> Result<(GraphExport, Vec<LoadProblem>, Vec<String>), Error> {
    let options = LoadOptions {
        context: repo::sibling_context(dir),
        cluster: cluster.map(str::to_owned),
    };
    let mut load = repo::load_dir_with(dir, &options)?;
    label_repo_owners(&mut load, dir);
    let files: BTreeMap<_, _> = load
        .objects
        .iter()
        .zip(&load.origins)
        .filter_map(|(o, origin)| {
            let file = origin.file.strip_prefix(dir).unwrap_or(&origin.file);
            let at = match origin.line {
                Some(l) => format!("{}:{l}", file.display()),
                None => file.display().to_string(),
            };
            Some((o.resource_ref()?, at))
        })
        .collect();
    let notes = load
        .partials
        .iter()
        .map(|p| {
            format!(
                "skipped {} {} at {}: {}",
                p.kind,
                p.name,
                p.origin.file.display(),
                p.reason
            )
        })
        .chain(load.not_loaded.iter().map(ToString::to_string))
        .chain(load.problems.iter().map(ToString::to_string))
        .collect();
    let graph = Graph::build(load.objects);
    let input = ExportInput {
        graph: &graph,
        origin: Origin::Directory {
            path: dir.display().to_string(),
        },
        live: false,
        files,
        notes,
        unlisted: Vec::new(),
        namespace: filter.namespace.clone(),
    };
    let candidates = focus_candidates(&graph, filter);
    Ok((export::export(input, filter), load.problems, candidates))
}

async fn live(cluster: &ClusterArgs, filter: &Filter) -> Result<(GraphExport, Vec<String>), Error> {
    let options = super::connect_options(cluster);
    let connection = cluster::client::connect(&options).await?;
    cluster::client::check_reachable(&connection, std::time::Duration::from_secs(10)).await?;
    let listing = cluster::list::list_all(&connection.client, &connection.scope).await?;
    let mut notes: Vec<String> = listing
        .unavailable
        .iter()
        .map(|(kind, problem)| match problem {
            KindProblem::MissingCrd => format!("{kind}: not served (CRD not installed)"),
            KindProblem::Forbidden(msg) => format!("{kind}: cannot list (forbidden): {msg}"),
        })
        .collect();
    notes.extend(
        listing
            .invalid
            .iter()
            .map(|(r, e)| format!("{r}: does not decode: {e}")),
    );
    // Kinds not served: references into them are "unlisted". Kinds forbidden: "unknown (no access)", in the
    // graph itself (not missing, no root cause).
    let unlisted_kinds: Vec<FluxKind> = listing
        .unavailable
        .iter()
        .filter(|(_, p)| *p == KindProblem::MissingCrd)
        .map(|(k, _)| *k)
        .collect();
    let mut graph = Graph::build(listing.objects);
    for (kind, problem) in &listing.unavailable {
        if matches!(problem, KindProblem::Forbidden(_)) {
            graph.set_unreadable(*kind, true);
        }
    }
    let input = ExportInput {
        graph: &graph,
        origin: Origin::Cluster {
            context: connection.context.clone(),
            server: connection.server.clone(),
        },
        live: true,
        files: BTreeMap::new(),
        notes,
        unlisted: unlisted_kinds,
        namespace: connection.scope.namespace().map(str::to_owned),
    };
    let candidates = focus_candidates(&graph, filter);
    Ok((export::export(input, filter), candidates))
}
