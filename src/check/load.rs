//! The repository as `fluxops check` sees it: loaded with the loader of `graph --from-dir` (`flux::repo`, with
//! the sibling `_kustomize-context` tree when there is one), once per `clusters/<name>` entry point when the
//! repository has several (each cluster is checked as the controllers of that cluster see it, so the same
//! object under `clusters/staging` and `clusters/production` is not a duplicate), and the graph of each
//! (objects labelled with the Kustomization that applies them, `graph::repo_owner`).
//!
//! Also here: the raw document of a loaded object (what the typed `FluxObject` leaves out: `postBuild`,
//! `patches`, `namePrefix`), read again from its file at its line; and the line of each field of a loaded
//! object (`flux::yaml_span`, every file that defines an object mapped once at load), so a finding about one
//! field (a `dependsOn` entry, `sourceRef`, `path`, an interval) names that field's line.

use crate::flux::repo::{self, LoadOptions, RepoError, RepoLoad};
use crate::flux::repo_context::yaml_options;
use crate::flux::repo_walk::Walk;
use crate::flux::yaml_span::{self, DocumentSpans};
use crate::flux::{FluxObject, ResourceRef};
use crate::graph::Graph;
use crate::graph::repo_owner::label_repo_owners;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path, PathBuf};

/// One cluster entry point (or the whole repository) loaded.
#[derive(Debug, Clone)]
pub struct Entry {
    /// `clusters/<name>`; `None` for a repository with at most one.
    pub cluster: Option<String>,
    pub load: RepoLoad,
    pub graph: Graph,
}

/// The loaded repository.
#[derive(Debug, Clone)]
pub struct Repository {
    pub root: PathBuf,
    /// The kustomization-file tree beside it (`_kustomize-context/<name>`), if any.
    pub context: Option<PathBuf>,
    pub entries: Vec<Entry>,
    /// The kustomization files and YAML files ([`kustomize_tree`]).
    pub tree: super::impact::KustomizeTree,
    /// The field lines of every document of every file that defines a loaded object, by file.
    pub spans: BTreeMap<PathBuf, Vec<DocumentSpans>>,
}

impl Repository {
    /// Every loaded object once (the first entry that has it), with where it is defined.
    #[must_use]
    pub fn objects(&self) -> Vec<(&FluxObject, &repo::Origin)> {
        let mut seen = BTreeSet::new();
        let mut out = Vec::new();
        for entry in &self.entries {
            for (obj, origin) in entry.load.objects.iter().zip(&entry.load.origins) {
                if let Some(r) = obj.resource_ref()
                    && seen.insert(r)
                {
                    out.push((obj, origin));
                }
            }
        }
        out
    }

    /// Every object of every entry point with where it is defined, duplicates across entry points kept (the
    /// same `Kustomization/flux-system/apps` is defined once per cluster, in a different file each).
    pub fn all_objects(&self) -> impl Iterator<Item = (&FluxObject, &repo::Origin)> {
        self.entries
            .iter()
            .flat_map(|e| e.load.objects.iter().zip(&e.load.origins))
    }

    /// `path` relative to the root (as findings name files).
    #[must_use]
    pub fn relative(&self, path: &Path) -> PathBuf {
        relative_to(&self.root, self.context.as_deref(), path)
    }

    /// Whether the directory `rel` (relative to the root) exists in the repository or its context tree.
    #[must_use]
    pub fn has_dir(&self, rel: &Path) -> bool {
        self.root.join(rel).is_dir() || self.context.as_ref().is_some_and(|c| c.join(rel).is_dir())
    }
}

impl Repository {
    /// The field lines of the document that defines `r` in `origin` (the one at its line, else the one of
    /// that kind and name in the file).
    #[must_use]
    pub fn spans(&self, r: &ResourceRef, origin: &repo::Origin) -> Option<&DocumentSpans> {
        let docs = self.spans.get(&origin.file)?;
        let same = |d: &&DocumentSpans| {
            d.scalar("kind") == Some(r.kind.as_str()) && d.scalar("metadata.name") == Some(&r.name)
        };
        docs.iter()
            .filter(|d| d.first_line == origin.line)
            .find(same)
            .or_else(|| docs.iter().find(same))
            // A name the loader derived (a substitution): the document at the object's line.
            .or_else(|| docs.iter().find(|d| d.first_line == origin.line))
    }

    /// The line of the field at `path` (`spec.path`, `spec.sourceRef.kind`) of `r`, else of its nearest
    /// enclosing field that is written, else the object's first line.
    #[must_use]
    pub fn field_line(&self, r: &ResourceRef, origin: &repo::Origin, path: &str) -> Option<usize> {
        self.spans(r, origin)
            .and_then(|s| s.nearest_line(path))
            .or(origin.line)
    }

    /// The line of the item of the sequence `seq` of `r` whose `key` is `value` (`spec.dependsOn` entry
    /// named `infra`), else of the sequence, else the object's first line.
    #[must_use]
    pub fn item_line(
        &self,
        r: &ResourceRef,
        origin: &repo::Origin,
        seq: &str,
        key: &str,
        value: &str,
    ) -> Option<usize> {
        let index = self
            .spans(r, origin)
            .and_then(|s| s.item_where(seq, key, value));
        match index {
            Some(i) => self.field_line(r, origin, &format!("{seq}[{i}]")),
            None => self.field_line(r, origin, seq),
        }
    }
}

impl Repository {
    /// The cluster entry directories (`<prefix>/clusters/<name>`, relative), sorted; empty when there is none.
    #[must_use]
    pub fn entry_dirs(&self) -> Vec<PathBuf> {
        let mut dirs = BTreeSet::new();
        for f in &self.tree.files {
            let parts: Vec<Component> = f.components().collect();
            for i in 0..parts.len().saturating_sub(2) {
                if parts[i].as_os_str() == "clusters" {
                    dirs.insert(parts[..=i + 1].iter().collect::<PathBuf>());
                }
            }
        }
        dirs.into_iter().collect()
    }

    /// The files one cluster applies, starting from its entry directory: the files below it, then what the
    /// builds of the Kustomizations defined in applied files read, until nothing is added.
    #[must_use]
    pub fn applied_from(&self, entry_dir: &Path) -> BTreeSet<PathBuf> {
        let mut applied: BTreeSet<PathBuf> = self
            .tree
            .files
            .iter()
            .filter(|f| f.starts_with(entry_dir))
            .cloned()
            .collect();
        let kustomizations: Vec<(PathBuf, PathBuf, Vec<PathBuf>)> = self
            .objects()
            .into_iter()
            .filter(|(o, _)| o.flux_kind() == Some(crate::flux::FluxKind::Kustomization))
            .filter_map(|(o, origin)| {
                let path = o
                    .spec
                    .path
                    .as_deref()
                    .and_then(super::graph_rules::local_path)?;
                Some((self.relative(&origin.file), path, Vec::new()))
            })
            .collect();
        let mut done: BTreeSet<usize> = BTreeSet::new();
        loop {
            let mut added = false;
            for (i, (file, path, components)) in kustomizations.iter().enumerate() {
                if done.contains(&i) || !applied.contains(file) {
                    continue;
                }
                done.insert(i);
                for f in super::impact::reads(&self.tree, path, components).into_keys() {
                    added |= applied.insert(f);
                }
            }
            if !added {
                return applied;
            }
        }
    }
}

/// `path` relative to `root` (or to the context tree), else as given.
#[must_use]
pub fn relative_to(root: &Path, context: Option<&Path>, path: &Path) -> PathBuf {
    path.strip_prefix(root)
        .ok()
        .or_else(|| context.and_then(|c| path.strip_prefix(c).ok()))
        .unwrap_or(path)
        .to_path_buf()
}

/// The `clusters/<name>` entry points under `root`, sorted (files under `.../clusters/<name>/...`).
#[must_use]
pub fn cluster_entries(root: &Path) -> Vec<String> {
    let mut files = Vec::new();
    let mut problems = Vec::new();
    Walk {
        root,
        files: &mut files,
        problems: &mut problems,
        not_loaded: None,
    }
    .dir(root);
    let mut names = BTreeSet::new();
    for f in &files {
        let parts: Vec<&std::ffi::OsStr> = f
            .components()
            .filter_map(|c| match c {
                Component::Normal(p) => Some(p),
                _ => None,
            })
            .collect();
        // `clusters/<name>/<something>`: the name is a directory.
        for w in parts.windows(3) {
            if w[0] == "clusters" {
                names.insert(w[1].to_string_lossy().into_owned());
            }
        }
    }
    names.into_iter().collect()
}

/// Loads `root`: one entry per cluster entry point, or one for the whole repository (`only`: just that
/// cluster entry point).
///
/// # Errors
/// The directory cannot be read.
pub fn load(root: &Path, only: Option<&str>) -> Result<Repository, RepoError> {
    let context = repo::sibling_context(root);
    let clusters: Vec<Option<String>> = match only {
        Some(name) => vec![Some(name.to_owned())],
        None => {
            let names = cluster_entries(root);
            if names.len() > 1 {
                names.into_iter().map(Some).collect()
            } else {
                vec![None]
            }
        }
    };
    let mut entries = Vec::new();
    for cluster in clusters {
        let options = LoadOptions {
            context: context.clone(),
            cluster: cluster.clone(),
        };
        let mut load = repo::load_dir_with(root, &options)?;
        label_repo_owners(&mut load, root);
        let graph = Graph::build(load.objects.clone());
        entries.push(Entry {
            cluster,
            load,
            graph,
        });
    }
    let spans = field_spans(&entries);
    let mut repo = Repository {
        root: root.to_path_buf(),
        context,
        entries,
        tree: super::impact::KustomizeTree::default(),
        spans,
    };
    repo.tree = kustomize_tree(&repo);
    Ok(repo)
}

/// The field lines of every file that defines a loaded object, each file read and parsed once.
fn field_spans(entries: &[Entry]) -> BTreeMap<PathBuf, Vec<DocumentSpans>> {
    let mut out = BTreeMap::new();
    for origin in entries.iter().flat_map(|e| &e.load.origins) {
        if out.contains_key(&origin.file) {
            continue;
        }
        let text = crate::bounded_file::read_to_string(&origin.file, crate::bounded_file::DATA)
            .unwrap_or_default();
        out.insert(origin.file.clone(), yaml_span::spans_of(&text));
    }
    out
}

/// The kustomization files of the repository and of its context tree (the repository's own win), and its
/// YAML files, for [`super::impact`] and the builds.
#[must_use]
pub fn kustomize_tree(repo: &Repository) -> super::impact::KustomizeTree {
    let mut tree = super::impact::KustomizeTree::default();
    let roots: Vec<&Path> = std::iter::once(repo.root.as_path())
        .chain(repo.context.as_deref())
        .collect();
    for (i, root) in roots.iter().enumerate() {
        let mut files = Vec::new();
        let mut problems = Vec::new();
        Walk {
            root,
            files: &mut files,
            problems: &mut problems,
            not_loaded: None,
        }
        .dir(root);
        for rel in files {
            let name = rel.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            if crate::flux::repo_context::KUSTOMIZATION_FILE_NAMES.contains(&name) {
                let dir = rel.parent().unwrap_or(Path::new("")).to_path_buf();
                if tree.dirs.contains_key(&dir) {
                    continue;
                }
                let text = crate::bounded_file::read_to_string(
                    &root.join(&rel),
                    crate::bounded_file::DATA,
                )
                .unwrap_or_default();
                let parsed = super::impact::parse_dir(&text, &dir, rel.clone());
                tree.dirs.insert(dir, parsed);
            } else if i == 0 {
                tree.files.insert(rel);
            }
        }
    }
    tree
}

/// The raw YAML documents of a file with the line each starts at (unreadable files: none).
#[must_use]
pub fn documents(path: &Path) -> Vec<(Option<usize>, serde_json::Value)> {
    let Ok(bytes) = crate::bounded_file::read(path, crate::bounded_file::DATA) else {
        return Vec::new();
    };
    documents_of(&bytes)
}

/// The documents of YAML text with their first lines; a syntax error ends the list.
#[must_use]
pub fn documents_of(bytes: &[u8]) -> Vec<(Option<usize>, serde_json::Value)> {
    let mut cursor = std::io::Cursor::new(bytes);
    serde_saphyr::read_with_options::<_, serde_saphyr::Spanned<serde_json::Value>>(
        &mut cursor,
        yaml_options(),
    )
    .map_while(Result::ok)
    .map(|d| {
        let line = usize::try_from(d.referenced.line()).ok().filter(|l| *l > 0);
        (line, d.value)
    })
    .collect()
}

/// Raw documents by file, read once.
#[derive(Debug, Default)]
pub struct RawCache {
    files: BTreeMap<PathBuf, Vec<(Option<usize>, serde_json::Value)>>,
}

impl RawCache {
    /// The raw document of `r` defined in `origin` (the one at its line of that kind and name).
    pub fn raw(&mut self, r: &ResourceRef, origin: &repo::Origin) -> Option<serde_json::Value> {
        let docs = self
            .files
            .entry(origin.file.clone())
            .or_insert_with(|| documents(&origin.file));
        let same = |v: &serde_json::Value| {
            v.get("kind").and_then(|k| k.as_str()) == Some(r.kind.as_str())
                && v.pointer("/metadata/name").and_then(|n| n.as_str()) == Some(r.name.as_str())
        };
        docs.iter()
            .find(|(line, v)| *line == origin.line && same(v))
            .or_else(|| docs.iter().find(|(_, v)| same(v)))
            .map(|(_, v)| v.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cluster_entry_points_are_the_directories_under_clusters() {
        let dir = tempfile::tempdir().unwrap();
        for f in [
            "clusters/staging/apps.yaml",
            "clusters/production/apps.yaml",
            "apps/base/x.yaml",
        ] {
            let p = dir.path().join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, "a: 1\n").unwrap();
        }
        assert_eq!(cluster_entries(dir.path()), ["production", "staging"]);
        let docs = documents_of(b"a: 1\n---\n# c\nb: 2\n");
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[0].0, Some(1));
        assert_eq!(docs[1].0, Some(4));
    }
}
