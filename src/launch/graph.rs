//! `fluxops graph`: read the fleet once (the cluster through `cluster::list::list_all`, or a repository through
//! `flux::repo::load_dir` like `fluxops sim --from-dir`), build the graph, print it in the chosen format.
//! Wiring only: the rendering is `graph::export`.
//!
//! Exit status: 0 when the graph was printed; non-zero (an error naming what is wrong) when the directory or
//! the cluster cannot be read, a `--kind` is not a Flux kind, or the repository has problems: files that do not
//! parse, objects at unknown API versions, duplicate definitions (a multi-cluster repository loaded whole:
//! `--cluster NAME` picks one entry point). Each problem is printed as `file:line: message` on stderr after the
//! graph of what did load.

use crate::cli::{GraphArgs, GraphFormat};
use crate::cluster::{self, ConnectOptions, KindProblem};
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
        .map(|v| {
            let lower = v.to_ascii_lowercase();
            FluxKind::ALL
                .into_iter()
                .find(|k| {
                    k.as_str().eq_ignore_ascii_case(v)
                        || k.plural() == lower
                        || k.short_name() == Some(lower.as_str())
                })
                .ok_or_else(|| Error::UnknownKind(v.to_owned()))
        })
        .collect()
}

/// Runs `fluxops graph`; `kubeconfig` is the global `--kubeconfig`.
///
/// # Errors
/// See the module doc.
pub async fn run(args: &GraphArgs, kubeconfig: Option<&Path>) -> Result<(), Error> {
    let mut filter = Filter {
        kinds: parse_kinds(&args.kind)?,
        namespace: None,
        focus: args.focus.clone(),
        depth: args.depth,
    };
    let (export, problems) = match &args.from_dir {
        Some(dir) => {
            filter.namespace.clone_from(&args.namespace);
            from_dir(dir, args.cluster.as_deref(), &filter)?
        }
        None => (live(args, kubeconfig, &filter).await?, Vec::new()),
    };
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
        if args.cluster.is_none()
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

/// The export of a repository (only `clusters/<cluster>` of a multi-cluster one, if given), and the problems
/// of files that did not load.
///
/// # Errors
/// The directory cannot be read.
pub fn from_dir(
    dir: &Path,
    cluster: Option<&str>,
    filter: &Filter,
) -> Result<(GraphExport, Vec<LoadProblem>), Error> {
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
    };
    Ok((export::export(input, filter), load.problems))
}

async fn live(
    args: &GraphArgs,
    kubeconfig: Option<&Path>,
    filter: &Filter,
) -> Result<GraphExport, Error> {
    let options = ConnectOptions {
        kubeconfig: kubeconfig.map(Path::to_path_buf),
        context: args.context.clone(),
        namespace: args.namespace.clone(),
        all_namespaces: args.all_namespaces,
    };
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
    };
    Ok(export::export(input, filter))
}
