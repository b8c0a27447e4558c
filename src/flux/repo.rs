//! Loading Flux objects from a GitOps repository directory (`--from-dir`, tests on `data/fleets/`).
//!
//! What the loader does, and the decisions behind it:
//! - Walks `*.yaml` / `*.yml` files in path order (sorted, so results are deterministic). Directories named
//!   `archive` or `.archive` hold objects that are not deployed and are skipped, as are all other hidden
//!   directories (`.git`, `.github`). Symbolic links to directories are not followed (no loops).
//! - Templates are not loaded, and say so ([`RepoLoad::not_loaded`], never silently): files with a template
//!   extension (`*.j2`, `*.jinja`, `*.jinja2`, `*.tmpl`, `*.tpl`, `*.gotmpl`, `*.template`, …) that are YAML
//!   (`x.yaml.j2`) or nothing else (`x.j2`), and the `templates/` of a Helm chart (a directory with a
//!   `Chart.yaml`), which Helm renders.
//! - Reads multi-document YAML with serde-saphyr (YAML 1.2: redefined anchors load; `strict_booleans` so `no`
//!   stays a string). A malformed document or file becomes a [`LoadProblem`] naming the file and line; the rest
//!   of the repository still loads. A syntax error ends the file at that point (the parser cannot resync).
//! - Keeps only Flux kinds at a served apiVersion ([`FluxKind::knows_api_version`]). A Flux group at an unknown
//!   version is reported. `${VAR}` postBuild substitutions are kept verbatim.
//! - Skips patch-only partial objects (HelmRelease values overlays, Kustomization patches): files that a
//!   kustomization lists under `patches`/`patchesStrategicMerge`, and any object missing what its kind cannot
//!   work without (see [`missing_essential`]). They are listed in [`RepoLoad::partials`], not as problems.
//!   Exception: an object a parent Kustomization completes with its own `spec.patches` (see `repo_patch`) is
//!   a whole object and is loaded with the patch applied.
//! - Namespace, like the controllers: a file that Flux Kustomizations of the repository build (`repo_build`:
//!   their `spec.path` through the kustomization files, or the kustomization the controller generates) gets
//!   each namespace its builds give it (a Kustomization's `targetNamespace`, else the outermost
//!   `kustomization.yaml` `namespace:` on the way), one object per namespace (a build that gives no namespace
//!   to an object naming none is dropped when another build gives one). A file no Kustomization builds
//!   gets the namespace of the kustomization files listing it (`repo_context`; a `namespace:` applies only to
//!   what is listed, recursively, never to other files below it). Kustomization files come from the
//!   repository itself and, for directories that have none there, from an optional context tree with the same
//!   relative paths (the shared fleets keep them in `_kustomize-context/<fleet>/`; [`load_dir`] finds such a
//!   sibling tree by itself). With no namespace from either, the object keeps its `metadata.namespace`, else
//!   gets `flux-system`: Flux bootstrap applies the repository through the `flux-system` Kustomization whose
//!   objects land in `flux-system` when they name no namespace (and flux CLI's default namespace is
//!   `flux-system`).
//! - Credentials in URLs (`spec.url`, `spec.endpoint`, messages of load problems) are masked as objects are kept
//!   (`flux::redact`): a repository file is untrusted text entering the program.
//! - Multi-cluster repositories repeat the same (kind, namespace, name) under each `clusters/<env>`. By default
//!   the **first by path order is kept** and each later copy is a [`LoadProblem`] ("duplicate of …"). Pass
//!   [`LoadOptions::cluster`] to load one cluster entry point: files under `clusters/<other>/` are then skipped.

use super::api::FluxObject;
use super::kind::FluxKind;
use super::repo_build::{BuildRoot, Builds};
use super::repo_context::{
    KUSTOMIZATION_FILE_NAMES, KustomizeContext, parse_kustomization, yaml_options,
};
pub use super::repo_patch::missing_essential;
use super::repo_patch::{FluxPatch, patches_of};
use super::repo_walk::Walk;
pub use super::repo_walk::template_reason;
use super::resource_ref::ResourceRef;
use crate::bounded_file;
use serde::Deserialize;
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use thiserror::Error;

/// The namespace objects get when nothing else gives them one (see the module doc).
pub const DEFAULT_NAMESPACE: &str = "flux-system";

/// Something wrong in one file; the rest of the repository still loads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadProblem {
    /// The file, as found under the loaded directory (or the context directory).
    pub file: PathBuf,
    /// 1-based line, when known.
    pub line: Option<usize>,
    pub message: String,
}

impl std::fmt::Display for LoadProblem {
    /// `file:line: message` (the form editors and CI logs understand). Not sanitised: the UI strips control
    /// characters before drawing.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Where a loaded object was defined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub file: PathBuf,
    /// 1-based line of the document's first node.
    pub line: Option<usize>,
}

/// An object that was left out because it is a patch, not a whole object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Partial {
    pub kind: FluxKind,
    pub name: String,
    pub origin: Origin,
    /// Why it counts as partial (listed as a patch, or the missing field).
    pub reason: String,
}

/// A file that was not loaded on purpose, and why (templates).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotLoaded {
    /// The file or directory, as found under the loaded directory.
    pub file: PathBuf,
    pub reason: String,
}

impl std::fmt::Display for NotLoaded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "not loaded: {}: {}", self.file.display(), self.reason)
    }
}

/// The result of loading a repository.
#[derive(Debug, Clone, Default)]
pub struct RepoLoad {
    /// Flux objects with apiVersion, kind, metadata (namespace resolved) and spec; no status.
    pub objects: Vec<FluxObject>,
    /// `origins[i]` is where `objects[i]` came from.
    pub origins: Vec<Origin>,
    pub problems: Vec<LoadProblem>,
    /// Patch-only objects that were skipped.
    pub partials: Vec<Partial>,
    /// Files that were not read on purpose (templates), in path order.
    pub not_loaded: Vec<NotLoaded>,
}

impl RepoLoad {
    /// Number of loaded objects of a kind.
    #[must_use]
    pub fn count(&self, kind: FluxKind) -> usize {
        self.objects
            .iter()
            .filter(|o| o.flux_kind() == Some(kind))
            .count()
    }
}

/// How to load.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// A tree of `kustomization.yaml` files with the same relative paths as the repository.
    pub context: Option<PathBuf>,
    /// Load only this `clusters/<name>` entry point (files under other `clusters/*` directories are skipped).
    pub cluster: Option<String>,
}

/// Failures that stop the whole load (a bad file never does).
#[derive(Debug, Error)]
pub enum RepoError {
    #[error("cannot read repository directory '{path}': {source}")]
    Root {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("'{path}' is not a directory")]
    NotADirectory { path: PathBuf },
}

/// Loads every Flux object under `path`, with the context tree of [`sibling_context`] when there is one.
///
/// # Errors
/// Only when `path` cannot be read or is not a directory.
pub fn load_dir(path: &Path) -> Result<RepoLoad, RepoError> {
    let options = LoadOptions {
        context: sibling_context(path),
        cluster: None,
    };
    load_dir_with(path, &options)
}

/// The context tree laid out like the shared fleets: `<parent>/_kustomize-context/<name>/` next to
/// `<parent>/<name>/`, if that directory exists. This is how `--from-dir` on a shared fleet gets its namespaces
/// without an extra flag.
#[must_use]
pub fn sibling_context(path: &Path) -> Option<PathBuf> {
    let name = path.file_name()?;
    let candidate = path.parent()?.join("_kustomize-context").join(name);
    candidate.is_dir().then_some(candidate)
}

/// Loads every Flux object under `path`, taking namespaces also from the kustomization files under `context`
/// (`None`: only from the tree itself).
///
/// # Errors
/// Only when `path` cannot be read or is not a directory.
pub fn load_dir_with_context(path: &Path, context: Option<&Path>) -> Result<RepoLoad, RepoError> {
    let options = LoadOptions {
        context: context.map(Path::to_path_buf),
        cluster: None,
    };
    load_dir_with(path, &options)
}

/// Loads with explicit [`LoadOptions`].
///
/// # Errors
/// Only when `path` cannot be read or is not a directory.
pub fn load_dir_with(path: &Path, options: &LoadOptions) -> Result<RepoLoad, RepoError> {
    let meta = std::fs::metadata(path).map_err(|source| RepoError::Root {
        path: path.to_path_buf(),
        source,
    })?;
    if !meta.is_dir() {
        return Err(RepoError::NotADirectory {
            path: path.to_path_buf(),
        });
    }
    let mut load = RepoLoad::default();
    let mut files = Vec::new();
    let mut walk_out = Walk {
        root: path,
        files: &mut files,
        problems: &mut load.problems,
        not_loaded: Some(&mut load.not_loaded),
    };
    walk_out.dir(path);
    let mut context = KustomizeContext::default();
    read_kustomizations(path, &files, &mut context, &mut load.problems);
    if let Some(ctx_root) = &options.context {
        let mut ctx_files = Vec::new();
        if ctx_root.is_dir() {
            Walk {
                root: ctx_root,
                files: &mut ctx_files,
                problems: &mut load.problems,
                not_loaded: None,
            }
            .dir(ctx_root);
        } else {
            load.problems.push(LoadProblem {
                file: ctx_root.clone(),
                line: None,
                message: "context directory does not exist".to_owned(),
            });
        }
        read_kustomizations(ctx_root, &ctx_files, &mut context, &mut load.problems);
    }
    load.not_loaded
        .retain(|n| in_cluster(&n.file, options.cluster.as_deref()));
    let manifests: BTreeSet<PathBuf> = files
        .into_iter()
        .filter(|rel| !is_kustomization_file(rel) && in_cluster(rel, options.cluster.as_deref()))
        .collect();
    let mut loader = Loader {
        root: path,
        context: &context,
        load,
        seen: HashMap::new(),
        pending: Vec::new(),
        patches: Vec::new(),
        documents: Vec::new(),
    };
    for rel in &manifests {
        loader.load_file(rel);
    }
    loader.instantiate(&manifests);
    loader.resolve_pending();
    Ok(loader.load)
}

/// Loads the text of one repository file named `file` as a one-file repository (no kustomization context):
/// a kustomization file is checked, any other file's Flux objects are loaded. Pure; what `load_dir` does per
/// file after reading it, and the entry point of the fuzz targets.
#[must_use]
pub fn parse(text: &str, file: &Path) -> RepoLoad {
    let mut load = RepoLoad::default();
    let rel = Path::new(file.file_name().unwrap_or(file.as_os_str()));
    if is_kustomization_file(rel) {
        if let Err(e) = parse_kustomization(text, Path::new("")) {
            load.problems.push(LoadProblem {
                file: file.to_path_buf(),
                line: error_line(&e),
                message: format!("invalid kustomization file: {}", error_text(&e)),
            });
        }
        return load;
    }
    let context = KustomizeContext::default();
    let mut loader = Loader {
        root: Path::new(""),
        context: &context,
        load,
        seen: HashMap::new(),
        pending: Vec::new(),
        patches: Vec::new(),
        documents: Vec::new(),
    };
    loader.load_bytes(file, rel, text.as_bytes().to_vec());
    loader.instantiate(&BTreeSet::from([rel.to_path_buf()]));
    loader.resolve_pending();
    loader.load
}

fn is_kustomization_file(rel: &Path) -> bool {
    rel.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| KUSTOMIZATION_FILE_NAMES.contains(&n))
}

/// Whether `rel` belongs to the selected cluster (always, when none is selected).
fn in_cluster(rel: &Path, cluster: Option<&str>) -> bool {
    let Some(cluster) = cluster else {
        return true;
    };
    let parts: Vec<_> = rel.components().map(|c| c.as_os_str()).collect();
    parts
        .windows(3)
        .all(|w| w[0] != "clusters" || w[1] == cluster)
}

fn read_kustomizations(
    root: &Path,
    files: &[PathBuf],
    context: &mut KustomizeContext,
    problems: &mut Vec<LoadProblem>,
) {
    for rel in files.iter().filter(|r| is_kustomization_file(r)) {
        let dir = rel.parent().unwrap_or(Path::new("")).to_path_buf();
        if context.has_dir(&dir) {
            continue;
        }
        let full = root.join(rel);
        let text = match bounded_file::read_to_string(&full, bounded_file::DATA) {
            Ok(t) => t,
            Err(e) => {
                problems.push(LoadProblem {
                    file: full,
                    line: None,
                    message: e.problem.to_string(),
                });
                continue;
            }
        };
        match parse_kustomization(&text, &dir) {
            Ok(k) => context.insert(dir, k),
            Err(e) => problems.push(LoadProblem {
                file: full,
                line: error_line(&e),
                message: format!("invalid kustomization file: {}", error_text(&e)),
            }),
        }
    }
}

fn error_line(e: &serde_saphyr::Error) -> Option<usize> {
    e.location()
        .map(|l| l.line())
        .filter(|l| *l > 0)
        .and_then(|l| usize::try_from(l).ok())
}

/// The error text without the multi-line source snippet, in words for a size limit, credentials masked.
fn error_text(e: &serde_saphyr::Error) -> String {
    let mut text = crate::text::yaml_limit_message(e).unwrap_or_else(|| {
        let text = e.to_string();
        text.lines().next().unwrap_or_default().to_owned()
    });
    super::redact::mask(&mut text);
    text
}

/// Per-load state: what has been loaded so far, and what waits for a parent's patches.
struct Loader<'a> {
    root: &'a Path,
    context: &'a KustomizeContext,
    load: RepoLoad,
    seen: HashMap<ResourceRef, Origin>,
    /// Objects missing an essential field, kept until every parent's patches are known.
    pending: Vec<Pending>,
    patches: Vec<FluxPatch>,
    /// Every Flux document read, before its namespaces are known.
    documents: Vec<Document>,
}

/// A Flux document of a known kind and version, as read.
struct Document {
    kind: FluxKind,
    value: serde_json::Value,
    origin: Origin,
    rel: PathBuf,
}

struct Pending {
    kind: FluxKind,
    raw: serde_json::Value,
    obj: FluxObject,
    origin: Origin,
    rel: PathBuf,
    missing: &'static str,
}

impl Loader<'_> {
    fn load_file(&mut self, rel: &Path) {
        let full = self.root.join(rel);
        match bounded_file::read(&full, bounded_file::DATA) {
            Ok(bytes) => self.load_bytes(&full, rel, bytes),
            Err(e) => self.load.problems.push(LoadProblem {
                file: full,
                line: None,
                message: e.problem.to_string(),
            }),
        }
    }

    /// Loads the documents of one file (`full` names it in problems, `rel` places it in the repository).
    fn load_bytes(&mut self, full: &Path, rel: &Path, bytes: Vec<u8>) {
        let mut cursor = std::io::Cursor::new(bytes);
        let docs = serde_saphyr::read_with_options::<_, serde_saphyr::Spanned<serde_json::Value>>(
            &mut cursor,
            yaml_options(),
        );
        for doc in docs {
            let doc = match doc {
                Ok(d) => d,
                Err(e) => {
                    self.load.problems.push(LoadProblem {
                        file: full.to_path_buf(),
                        line: error_line(&e),
                        message: format!("invalid YAML: {}", error_text(&e)),
                    });
                    continue;
                }
            };
            let origin = Origin {
                file: full.to_path_buf(),
                line: usize::try_from(doc.referenced.line())
                    .ok()
                    .filter(|l| *l > 0),
            };
            self.collect(doc.value, origin, rel);
        }
    }

    fn problem(&mut self, origin: &Origin, mut message: String) {
        // serde's errors quote values, which may be URLs with passwords.
        super::redact::mask(&mut message);
        self.load.problems.push(LoadProblem {
            file: origin.file.clone(),
            line: origin.line,
            message,
        });
    }

    /// Keeps a document of a Flux kind at a version some Flux release served; reports a Flux group at an
    /// unknown version.
    fn collect(&mut self, value: serde_json::Value, origin: Origin, rel: &Path) {
        let field = |key: &str| {
            value
                .get(key)
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_owned()
        };
        let (api_version, kind_name) = (field("apiVersion"), field("kind"));
        let Some(kind) = FluxKind::from_kind(&kind_name) else {
            return;
        };
        if !kind.knows_api_version(&api_version) {
            if api_version.split_once('/').map(|(g, _)| g) == Some(kind.group()) {
                self.problem(
                    &origin,
                    format!(
                        "{kind_name} has apiVersion '{api_version}', which no Flux release served"
                    ),
                );
            }
            return;
        }
        self.documents.push(Document {
            kind,
            value,
            origin,
            rel: rel.to_path_buf(),
        });
    }

    /// The namespaces a document's objects get (see the module doc).
    fn namespaces(&self, doc: &Document, builds: &Builds) -> BTreeSet<String> {
        let own = doc
            .value
            .pointer("/metadata/namespace")
            .and_then(|n| n.as_str())
            .filter(|n| !n.is_empty())
            .map(str::to_owned);
        let resolve = |given: Option<String>| {
            given
                .or_else(|| own.clone())
                .unwrap_or_else(|| DEFAULT_NAMESPACE.to_owned())
        };
        match builds.namespaces_for(&doc.rel) {
            // A build that gives no namespace to an object that names none would fail in the controller
            // ("namespace not specified"); when another build gives it one, that is where it lives.
            Some(set) if own.is_none() && set.iter().any(Option::is_some) => {
                set.iter().flatten().cloned().collect()
            }
            Some(set) => set.iter().cloned().map(resolve).collect(),
            None => std::iter::once(resolve(
                self.context.namespace_for(&doc.rel).map(str::to_owned),
            ))
            .collect(),
        }
    }

    /// Loads every document read once per namespace its builds give it (`manifests`: the files read).
    fn instantiate(&mut self, manifests: &BTreeSet<PathBuf>) {
        let documents = std::mem::take(&mut self.documents);
        let roots: Vec<BuildRoot> = documents
            .iter()
            .filter(|d| d.kind == FluxKind::Kustomization && !self.context.is_patch_file(&d.rel))
            .filter_map(|d| BuildRoot::of(&d.value))
            .collect();
        let builds = Builds::compute(&roots, self.context, manifests);
        for doc in documents {
            for namespace in self.namespaces(&doc, &builds) {
                let mut value = doc.value.clone();
                if let Some(meta) = value.get_mut("metadata").and_then(|m| m.as_object_mut()) {
                    meta.insert("namespace".to_owned(), serde_json::Value::String(namespace));
                }
                self.load_document(doc.kind, value, doc.origin.clone(), &doc.rel);
            }
        }
    }

    /// Loads one object whose namespace is resolved.
    fn load_document(
        &mut self,
        kind: FluxKind,
        value: serde_json::Value,
        origin: Origin,
        rel: &Path,
    ) {
        let kind_name = kind.as_str();
        let mut obj = match serde_path_to_error::deserialize::<_, FluxObject>(&value) {
            Ok(o) => o,
            Err(e) => {
                // The field that is wrong, by its path (`spec.interval: invalid type: …`).
                let at = e.path().to_string();
                let problem = if at == "." {
                    format!("invalid {kind_name}: {}", e.inner())
                } else {
                    format!("invalid {kind_name} at {at}: {}", e.inner())
                };
                self.problem(&origin, problem);
                return;
            }
        };
        obj.status = super::api::Status::default();
        if obj.name().is_empty() {
            self.problem(&origin, format!("{kind_name} without metadata.name"));
            return;
        }
        if self.context.is_patch_file(rel) {
            self.load.partials.push(Partial {
                kind,
                name: obj.name().to_owned(),
                origin,
                reason: "listed as a patch in a kustomization file".to_owned(),
            });
            return;
        }
        if let Some(missing) = missing_essential(kind, &obj) {
            self.pending.push(Pending {
                kind,
                raw: value,
                obj,
                origin,
                rel: rel.to_path_buf(),
                missing,
            });
            return;
        }
        if kind == FluxKind::Kustomization
            && let Some(raw) = value.get("spec").and_then(|s| s.get("patches"))
        {
            self.patches.extend(patches_of(&obj, raw));
        }
        self.keep(obj, origin);
    }

    /// Completes pending objects with their parents' patches; the rest are partials.
    fn resolve_pending(&mut self) {
        for mut p in std::mem::take(&mut self.pending) {
            let applying: Vec<&FluxPatch> = self
                .patches
                .iter()
                .filter(|patch| patch.applies_to(&p.obj, &p.rel))
                .collect();
            if !applying.is_empty() {
                for patch in applying {
                    patch.apply(&mut p.raw);
                }
                if let Ok(mut obj) = FluxObject::deserialize(&p.raw) {
                    obj.status = super::api::Status::default();
                    if missing_essential(p.kind, &obj).is_none() {
                        self.keep(obj, p.origin);
                        continue;
                    }
                }
            }
            self.load.partials.push(Partial {
                kind: p.kind,
                name: p.obj.name().to_owned(),
                origin: p.origin,
                reason: format!("no {}: a patch, not a whole object", p.missing),
            });
        }
    }

    fn keep(&mut self, mut obj: FluxObject, origin: Origin) {
        super::redact::object(&mut obj);
        let Some(rref) = obj.resource_ref() else {
            return;
        };
        if let Some(first) = self.seen.get(&rref) {
            let message = format!(
                "duplicate of {rref} first defined in {}{}; keeping the first",
                first.file.display(),
                first.line.map(|l| format!(":{l}")).unwrap_or_default()
            );
            self.problem(&origin, message);
            return;
        }
        self.seen.insert(rref, origin.clone());
        self.load.objects.push(obj);
        self.load.origins.push(origin);
    }
}
