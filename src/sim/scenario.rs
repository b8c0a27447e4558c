//! Scenarios: a fleet of Flux objects plus how each one behaves in the simulated cluster.
//!
//! A scenario file (`fixtures/scenarios/<name>.yaml`) is a multi-document YAML stream. The first document is
//! the header:
//!
//! ```yaml
//! kind: Scenario
//! name: chain
//! description: three Kustomizations in a dependsOn chain
//! timeScale: 1            # simulated seconds per real second (default 1)
//! warmup: 5m              # optional: run the first 5 simulated minutes fast (a cluster already running)
//! warmupScale: 30         # how fast the warm-up runs (default 30)
//! served:                 # optional: the Flux API versions the cluster serves (default: all current ones)
//!   Kustomization: [v1beta2]   # an old cluster
//!   Bucket: []                 # CRD not installed
//! ```
//!
//! Every following document is a real Flux manifest (any served `apiVersion`), optionally with a top-level
//! `simulation:` block (see [`Behaviour`]) that is removed before the object is stored. A document may also be a
//! built-in Kubernetes object the simulated cluster serves (a Deployment, a Job, a Pod, a Secret …), stored as
//! written, `status` included: the live objects an inventory lists, which nothing simulates (their status stays
//! what the scenario says) and which the drill-down reads ([`Scenario::cluster_objects`]):
//!
//! ```yaml
//! apiVersion: kustomize.toolkit.fluxcd.io/v1
//! kind: Kustomization
//! metadata: {name: apps, namespace: flux-system}
//! spec: {interval: 10m, path: ./apps, prune: true, sourceRef: {kind: GitRepository, name: flux-system}}
//! simulation:
//!   reconcile: 3m
//!   failure: {reason: ReconciliationFailed, message: "…", after: 1}
//! ```
//!
//! Errors name the file, the line and the problem.

mod behaviour;
pub mod load;
mod parse;

pub use behaviour::{
    Behaviour, FailurePlan, HelmAction, Interruption, InventoryItem, ManifestVersion,
    PendingStatus, RevisionPlan, SimDuration,
};

use crate::flux::{FluxKind, ResourceRef};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use thiserror::Error;

/// What went wrong loading a scenario.
#[derive(Debug, Error)]
pub enum ScenarioError {
    /// The file was not read (missing, not a regular file, too large, unreadable); names the file.
    #[error(transparent)]
    Read(crate::bounded_file::Error),
    #[error("{file}:{line}: {problem}")]
    Invalid {
        file: PathBuf,
        line: u64,
        problem: String,
    },
    #[error("scenario '{name}' not found in {dir} (available: {available})")]
    NotFound {
        name: String,
        dir: PathBuf,
        available: String,
    },
}

/// One object of a scenario: its manifest (without the `simulation:` block) and its behaviour.
#[derive(Debug, Clone, PartialEq)]
pub struct ScenarioObject {
    pub manifest: Value,
    pub behaviour: Behaviour,
    /// The line of the document in the scenario file.
    pub line: u64,
}

impl ScenarioObject {
    /// The object's identity.
    #[must_use]
    pub fn resource_ref(&self) -> Option<ResourceRef> {
        let kind = FluxKind::from_kind(self.manifest.get("kind")?.as_str()?)?;
        let meta = self.manifest.get("metadata")?;
        Some(ResourceRef::new(
            kind,
            meta.get("namespace")
                .and_then(Value::as_str)
                .unwrap_or("default"),
            meta.get("name")?.as_str()?,
        ))
    }
}

/// A loaded scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    pub name: String,
    pub description: String,
    /// Simulated seconds per real second.
    pub time_scale: f64,
    /// Simulated time run at `warmup_scale` before `time_scale` applies (zero: none).
    pub warmup: std::time::Duration,
    pub warmup_scale: f64,
    /// Served versions per kind that differ from the default (every kind at all its current versions);
    /// an empty list means the CRD is not installed.
    pub served: BTreeMap<FluxKind, Vec<&'static str>>,
    pub objects: Vec<ScenarioObject>,
    /// Built-in objects (Deployments, Jobs, Pods, Secrets …) stored as written, status included; they have no
    /// behaviour.
    pub cluster_objects: Vec<ScenarioObject>,
}

impl Scenario {
    /// Parses scenario text; `file` is only used in error messages.
    pub fn parse(text: &str, file: &Path) -> Result<Scenario, ScenarioError> {
        parse::parse(text, file)
    }

    /// Reads and parses a scenario file.
    pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
        let text = crate::bounded_file::read_to_string(path, crate::bounded_file::DATA)
            .map_err(ScenarioError::Read)?;
        Scenario::parse(&text, path)
    }

    /// Loads `<dir>/<name>.yaml`; a missing name lists the available ones.
    pub fn load_named(dir: &Path, name: &str) -> Result<Scenario, ScenarioError> {
        let path = dir.join(format!("{name}.yaml"));
        if path.is_file() {
            return Scenario::load(&path);
        }
        Err(ScenarioError::NotFound {
            name: name.to_owned(),
            dir: dir.to_owned(),
            available: available_names(dir).join(", "),
        })
    }

    /// The behaviour of each object by identity.
    #[must_use]
    pub fn behaviours(&self) -> BTreeMap<ResourceRef, Behaviour> {
        self.objects
            .iter()
            .filter_map(|o| Some((o.resource_ref()?, o.behaviour.clone())))
            .collect()
    }

    /// How many objects of `kind` the scenario has.
    #[must_use]
    pub fn count(&self, kind: FluxKind) -> usize {
        self.objects
            .iter()
            .filter(|o| o.resource_ref().is_some_and(|r| r.kind == kind))
            .count()
    }
}

/// The directory holding the shipped scenarios (`fixtures/scenarios` of this crate).
#[must_use]
pub fn default_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/scenarios"))
}

/// The shipped scenarios, embedded in the binary: `(name, text)`.
pub const BUILTIN: [(&str, &str); 6] = [
    ("demo", include_str!("../../fixtures/scenarios/demo.yaml")),
    (
        "minimal",
        include_str!("../../fixtures/scenarios/minimal.yaml"),
    ),
    ("chain", include_str!("../../fixtures/scenarios/chain.yaml")),
    (
        "old-api",
        include_str!("../../fixtures/scenarios/old-api.yaml"),
    ),
    (
        "rollout",
        include_str!("../../fixtures/scenarios/rollout.yaml"),
    ),
    (
        "runbooks",
        include_str!("../../fixtures/scenarios/runbooks.yaml"),
    ),
];

impl Scenario {
    /// A shipped scenario by name, or a scenario file when `name_or_path` is a path (contains `/` or ends
    /// in `.yaml`).
    ///
    /// # Errors
    /// Unknown name (listing the shipped ones), unreadable file, invalid scenario.
    pub fn named(name_or_path: &str) -> Result<Scenario, ScenarioError> {
        if name_or_path.contains('/') || name_or_path.ends_with(".yaml") {
            return Scenario::load(Path::new(name_or_path));
        }
        match BUILTIN.iter().find(|(n, _)| *n == name_or_path) {
            Some((n, text)) => {
                Scenario::parse(text, Path::new(&format!("fixtures/scenarios/{n}.yaml")))
            }
            None => Err(ScenarioError::NotFound {
                name: name_or_path.to_owned(),
                dir: PathBuf::from("fixtures/scenarios"),
                available: BUILTIN.map(|(n, _)| n).join(", "),
            }),
        }
    }
}

/// Scenario names (file stems) in `dir`, sorted.
#[must_use]
pub fn available_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .filter_map(|p| Some(p.file_stem()?.to_str()?.to_owned()))
        .collect();
    names.sort();
    names
}
