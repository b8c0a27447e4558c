//! The validated catalog types: [`ActionSpec`] and its parts. Built only by [`super::load`], so every value here
//! has passed the catalog's checks (known placeholders, consistent bounds, timeouts within the cap, inverse
//! actions that exist, RBAC rules without wildcards).

use super::kind::TargetKind;
use super::template::Template;
use regex::Regex;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::Duration;

/// The hard cap on any action's timeout.
pub const MAX_TIMEOUT: Duration = Duration::from_secs(15 * 60);
/// The default timeout when an action gives none.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5 * 60);

macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $text:literal, $doc:literal;)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum $name {
            $(#[doc = $doc] #[serde(rename = $text)] $variant,)*
        }

        impl $name {
            /// Every word of the vocabulary.
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];

            /// The word as the catalog writes it.
            #[must_use]
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)*
                }
            }

            /// What it means.
            #[must_use]
            pub fn description(self) -> &'static str {
                match self {
                    $($name::$variant => $doc,)*
                }
            }

            /// Parses the catalog word.
            #[must_use]
            pub fn from_word(word: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.as_str() == word)
            }
        }
    };
}

vocabulary! {
    /// What a `direct` action does, by the operator's own identity (FLUX.md §7).
    DirectOperation {
        Reconcile => "reconcile", "annotate reconcile.fluxcd.io/requestedAt and wait until it is handled";
        ReconcileWithSource => "reconcile-with-source", "reconcile the source, wait for its new artifact, then the object";
        Suspend => "suspend", "merge-patch spec.suspend=true";
        Resume => "resume", "merge-patch spec.suspend=false and wait for Ready";
        Force => "force", "HelmRelease: forceAt equal to requestedAt (a one-off forced upgrade)";
        Reset => "reset", "HelmRelease: resetAt equal to requestedAt (clear failure counters)";
        RecoverChain => "recover-chain", "reconcile a blocked chain from its root cause down, in dependency order, waiting for each";
        Restore => "restore", "server-side apply the target as a snapshot holds it: owners suspended, applied, resumed in dependency order, verified (execution::restore)";
    }
}

vocabulary! {
    /// Checked before an action runs.
    Precondition {
        TargetExists => "target-exists", "the target exists";
        TargetUnchanged => "target-unchanged", "the target's resourceVersion is the one shown when the action was chosen";
        OwnerAsDecided => "owner-as-decided", "the Flux owner and its suspend state are what the policy decided on";
        NotSuspended => "not-suspended", "the target is not suspended";
        Suspended => "suspended", "the target is suspended";
        NoRolloutInProgress => "no-rollout-in-progress", "the workload has no rollout in progress";
        ReleasePending => "release-pending", "the HelmRelease's Helm release is in a pending state";
        ImmutableFieldFailure => "immutable-field-failure", "the owner fails on an immutable-field change of the target";
    }
}

vocabulary! {
    /// Checked after an action ran; a failed postcondition fails the execution and offers the rollback.
    Postcondition {
        FluxReady => "flux-ready", "the Flux object is Ready at the expected revision";
        SourceArtifactUpdated => "source-artifact-updated", "the source produced an artifact after the request";
        ChainReady => "chain-ready", "every object of the chain is Ready";
        SuspendedState => "suspended", "the Flux object is suspended";
        RolloutComplete => "rollout-complete", "the workload's rollout completed (updated, available replicas)";
        PodsNotCrashLooping => "pods-not-crash-looping", "no pod of the workload is crash-looping";
        PodReplaced => "pod-replaced", "a new pod replaced the deleted one";
        DataApplied => "data-applied", "the ConfigMap/Secret key holds the new value (compared by digest)";
        NodeUnschedulable => "node-unschedulable", "the Node is unschedulable";
        NodeSchedulable => "node-schedulable", "the Node is schedulable";
        NodeDrained => "node-drained", "only DaemonSet and mirror pods remain on the Node";
        TargetRecreated => "target-recreated", "the target exists again with a new uid";
        ReleaseNotPending => "release-not-pending", "the Helm release is no longer pending";
    }
}

vocabulary! {
    /// Rollback information captured before an action runs, kept with its execution.
    Capture {
        Replicas => "replicas", "spec.replicas";
        ContainerImage => "container-image", "the image of the named container";
        ConfigMapValue => "configmap-value", "the previous value of the ConfigMap key (or its absence)";
        SecretKeyDigest => "secret-key-digest", "the SHA-256 of the previous Secret value (never the value)";
        Unschedulable => "unschedulable", "spec.unschedulable of the Node";
        SuspendState => "suspend", "spec.suspend";
        Manifest => "manifest", "the whole object as served (managedFields and status dropped)";
        RestartedAt => "restarted-at", "the kubectl.kubernetes.io/restartedAt template annotation";
        PendingReleaseRecords => "pending-release-records", "names and versions of the pending Helm release records";
    }
}

vocabulary! {
    /// What the executor does once a Job succeeded.
    FollowUp {
        ReconcileOwner => "reconcile-owner", "reconcile the target's Flux owner and wait for it";
        ResetHelmRelease => "reset-helmrelease", "reset the target HelmRelease (resetAt) and wait for it";
    }
}

/// Who runs the action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Executor {
    /// A patch by the operator's own identity.
    Direct(DirectOperation),
    /// A Kubernetes Job running kubectl under the action's ServiceAccount.
    Job(JobCommand),
}

impl Executor {
    /// `direct` or `job`.
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            Executor::Direct(_) => "direct",
            Executor::Job(_) => "job",
        }
    }
}

/// The kubectl arguments of a Job action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobCommand {
    pub args: Vec<Arg>,
}

/// One kubectl argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Arg {
    /// A text template.
    Text(Template),
    /// A JSON document (e.g. a merge patch) whose string leaves are templates; written as compact JSON.
    Json(JsonTemplate),
    /// A JSON document delivered as a file from the execution's input Secret; the argument is its path. The
    /// only place a `secret: true` parameter may appear.
    File(JsonTemplate),
}

/// A JSON value whose strings (keys and values) are templates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JsonTemplate {
    Null,
    Bool(bool),
    Number(serde_json::Number),
    String(Template),
    Array(Vec<JsonTemplate>),
    Object(Vec<(Template, JsonTemplate)>),
}

impl JsonTemplate {
    /// Every placeholder name in keys and values.
    #[must_use]
    pub fn placeholders(&self) -> Vec<&str> {
        let mut out = Vec::new();
        self.collect(&mut out);
        out
    }

    fn collect<'a>(&'a self, out: &mut Vec<&'a str>) {
        match self {
            JsonTemplate::String(t) => out.extend(t.placeholders()),
            JsonTemplate::Array(items) => items.iter().for_each(|i| i.collect(out)),
            JsonTemplate::Object(entries) => {
                for (k, v) in entries {
                    out.extend(k.placeholders());
                    v.collect(out);
                }
            }
            JsonTemplate::Null | JsonTemplate::Bool(_) | JsonTemplate::Number(_) => {}
        }
    }
}

/// The type and bounds of a parameter.
#[derive(Debug, Clone)]
pub enum ParamKind {
    Int {
        min: i64,
        max: i64,
    },
    String {
        pattern: Option<Regex>,
        min_length: usize,
        max_length: usize,
    },
    Enum {
        values: Vec<String>,
    },
    Bool,
}

impl ParamKind {
    /// `int`, `string`, `enum` or `bool`.
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            ParamKind::Int { .. } => "int",
            ParamKind::String { .. } => "string",
            ParamKind::Enum { .. } => "enum",
            ParamKind::Bool => "bool",
        }
    }

    /// The bounds in words (`0..=100`, `≤ 253 chars matching ^…$`, `one of a, b`).
    #[must_use]
    pub fn bounds(&self) -> String {
        match self {
            ParamKind::Int { min, max } => format!("{min}..={max}"),
            ParamKind::String {
                pattern,
                min_length,
                max_length,
            } => {
                let mut text = format!("{min_length}..={max_length} bytes");
                if let Some(p) = pattern {
                    text.push_str(&format!(" matching {}", p.as_str()));
                }
                text
            }
            ParamKind::Enum { values } => format!("one of {}", values.join(", ")),
            ParamKind::Bool => "true or false".to_owned(),
        }
    }
}

/// A parameter of an action.
#[derive(Debug, Clone)]
pub struct ParamSpec {
    pub name: String,
    pub help: String,
    pub kind: ParamKind,
    /// The value used when none is given (already validated against the bounds); `None` means required.
    pub default: Option<String>,
    /// A secret value: never drawn, logged, audited or put into a Job object (see `params::ParamValue`).
    pub secret: bool,
}

/// Namespaced or cluster-wide RBAC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RbacScope {
    Namespaced,
    Cluster,
}

/// One RBAC policy rule an action needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RbacRule {
    pub api_groups: Vec<String>,
    pub resources: Vec<String>,
    pub verbs: Vec<String>,
    pub scope: RbacScope,
}

/// Default and maximum timeout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    pub default: Duration,
    pub max: Duration,
}

/// The action that undoes another, with its parameters as templates over the forward action's parameters
/// and `captured.<capture>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inverse {
    pub action: String,
    pub params: BTreeMap<String, Template>,
}

/// What to capture first, and how to undo.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rollback {
    pub capture: Vec<Capture>,
    pub inverse: Option<Inverse>,
    /// Why there is no inverse (required when `inverse` is absent on a mutating action).
    pub note: Option<String>,
}

/// One action of the catalog.
#[derive(Debug, Clone)]
pub struct ActionSpec {
    pub name: String,
    pub help: String,
    pub targets: Vec<TargetKind>,
    pub executor: Executor,
    pub params: Vec<ParamSpec>,
    pub rbac: Vec<RbacRule>,
    pub timeouts: Timeouts,
    /// Needs the target's name typed to confirm (the shipped policy asks for typed confirmation).
    pub dangerous: bool,
    /// Changes cluster state (`rollout-status` does not, apart from its Job).
    pub mutates: bool,
    /// Whether a Flux owner applying the target from Git undoes the change (the Git-is-the-source-of-truth
    /// policy denies such changes while the owner is not suspended).
    pub owner_reverts: bool,
    /// JSON pointers of the target fields the action changes; given to the policy as `target.fields`.
    pub touches: Vec<String>,
    pub rollback: Rollback,
    pub preconditions: Vec<Precondition>,
    pub postconditions: Vec<Postcondition>,
    pub after: Vec<FollowUp>,
    /// Where the action is defined (`file:line`), for messages.
    pub defined_at: String,
}

impl ActionSpec {
    /// The parameter called `name`.
    #[must_use]
    pub fn param(&self, name: &str) -> Option<&ParamSpec> {
        self.params.iter().find(|p| p.name == name)
    }

    /// Whether the action applies to `kind`.
    #[must_use]
    pub fn applies_to(&self, kind: TargetKind) -> bool {
        self.targets.contains(&kind)
    }

    /// The Job command, for `job` actions.
    #[must_use]
    pub fn job(&self) -> Option<&JobCommand> {
        match &self.executor {
            Executor::Job(command) => Some(command),
            Executor::Direct(_) => None,
        }
    }

    /// The ServiceAccount a Job action runs as: `fluxops-<action>`.
    #[must_use]
    pub fn service_account(&self) -> String {
        format!("fluxops-{}", self.name)
    }
}

/// The loaded catalog.
#[derive(Debug, Clone)]
pub struct Catalog {
    pub actions: Vec<ActionSpec>,
}

impl Catalog {
    /// The action called `name`.
    #[must_use]
    pub fn get(&self, name: &str) -> Option<&ActionSpec> {
        self.actions.iter().find(|a| a.name == name)
    }

    /// The actions that apply to `kind`, in catalog order.
    pub fn for_kind(&self, kind: TargetKind) -> impl Iterator<Item = &ActionSpec> {
        self.actions.iter().filter(move |a| a.applies_to(kind))
    }

    /// The names, in catalog order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.actions.iter().map(|a| a.name.as_str())
    }
}
