//! The table of resource types the simulated API server knows: one `ResourceDef` per kind
//! (group, served versions, plural, scope, discovery facts, printer columns, schema facts).
//!
//! Adding a kind is one entry in `builtin_defs` or `flux_def`. No HTTP and no storage here.

use crate::flux::FluxKind;

/// A `(group, resource)` pair, e.g. `("kustomize.toolkit.fluxcd.io", "kustomizations")`; core group is `""`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GroupResource {
    pub group: String,
    pub resource: String,
}

impl GroupResource {
    #[must_use]
    pub fn new(group: &str, resource: &str) -> Self {
        Self {
            group: group.to_owned(),
            resource: resource.to_owned(),
        }
    }

    /// The Flux kind's group and plural.
    #[must_use]
    pub fn flux(kind: FluxKind) -> Self {
        Self::new(kind.group(), kind.plural())
    }

    /// `resource.group` (or just `resource` for the core group), as in API error messages.
    #[must_use]
    pub fn qualified(&self) -> String {
        if self.group.is_empty() {
            self.resource.clone()
        } else {
            format!("{}.{}", self.resource, self.group)
        }
    }
}

/// One printer column (`additionalPrinterColumns` for CRDs, built-in printers otherwise).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    pub name: &'static str,
    /// `string`, `date`, `integer`.
    pub type_: &'static str,
    /// A simple JSONPath: `.a.b.c`, or `.status.conditions[?(@.type=="Ready")].status`.
    pub json_path: &'static str,
    /// Column description shown in the Table.
    pub description: &'static str,
}

/// A field whose JSON type the schema fixes (checked on create/update, like the CRD's OpenAPI schema).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TypedField {
    /// Dotted path, e.g. `spec.prune`.
    pub path: &'static str,
    /// `boolean`, `integer`, `string`, `object`, `array`.
    pub type_: &'static str,
}

/// Everything the server knows about one resource type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceDef {
    pub group: &'static str,
    /// Served versions, preferred first.
    pub versions: Vec<&'static str>,
    /// Version objects are stored at (and converted from, by rewriting `apiVersion`).
    pub storage_version: &'static str,
    pub kind: &'static str,
    pub plural: &'static str,
    pub singular: &'static str,
    pub namespaced: bool,
    pub short_names: &'static [&'static str],
    pub categories: &'static [&'static str],
    /// A CustomResourceDefinition (verb order, 415 on strategic merge patch, unstructured JSON).
    pub custom: bool,
    pub status_subresource: bool,
    /// Whether `metadata.generation` is maintained.
    pub has_generation: bool,
    /// `status.observedGeneration: -1` defaulted on create (Kustomization, HelmRelease).
    pub default_observed_generation: bool,
    pub columns: &'static [Column],
    pub storage_version_hash: &'static str,
    /// `spec` fields the schema requires.
    pub required: &'static [&'static str],
    pub typed_fields: &'static [TypedField],
    /// The schema carries CEL rules (adds the "some validation rules were not checked" cause).
    pub has_cel_rules: bool,
}

impl ResourceDef {
    #[must_use]
    pub fn group_resource(&self) -> GroupResource {
        GroupResource::new(self.group, self.plural)
    }

    /// `group/version`, or just `version` for core.
    #[must_use]
    pub fn api_version(&self, version: &str) -> String {
        if self.group.is_empty() {
            version.to_owned()
        } else {
            format!("{}/{version}", self.group)
        }
    }

    /// Discovery verbs in the order the real server lists them.
    #[must_use]
    pub fn verbs(&self) -> &'static [&'static str] {
        if self.custom {
            &[
                "delete",
                "deletecollection",
                "get",
                "list",
                "patch",
                "create",
                "update",
                "watch",
            ]
        } else if self.kind == "Namespace" {
            &[
                "create", "delete", "get", "list", "patch", "update", "watch",
            ]
        } else {
            &[
                "create",
                "delete",
                "deletecollection",
                "get",
                "list",
                "patch",
                "update",
                "watch",
            ]
        }
    }

    /// Whether `version` is served.
    #[must_use]
    pub fn serves(&self, version: &str) -> bool {
        self.versions.contains(&version)
    }
}

const NAME_DESCRIPTION: &str = "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names";

/// The `Name` column every Table starts with.
pub const NAME_COLUMN: Column = Column {
    name: "Name",
    type_: "string",
    json_path: ".metadata.name",
    description: NAME_DESCRIPTION,
};

macro_rules! crd_col {
    ($name:expr, $type_:expr, $path:expr) => {
        Column {
            name: $name,
            type_: $type_,
            json_path: $path,
            description: concat!(
                "Custom resource definition column (in JSONPath format): ",
                $path
            ),
        }
    };
}

const AGE: Column = crd_col!("Age", "date", ".metadata.creationTimestamp");
const READY: Column = crd_col!(
    "Ready",
    "string",
    ".status.conditions[?(@.type==\"Ready\")].status"
);
const STATUS: Column = crd_col!(
    "Status",
    "string",
    ".status.conditions[?(@.type==\"Ready\")].message"
);
const URL: Column = crd_col!("URL", "string", ".spec.url");

const SUSPEND: TypedField = TypedField {
    path: "spec.suspend",
    type_: "boolean",
};

macro_rules! typed {
    ($path:expr, $type_:expr) => {
        TypedField {
            path: $path,
            type_: $type_,
        }
    };
}

/// The definition of a Flux kind, served at `versions` (preferred first).
#[must_use]
pub fn flux_def(kind: FluxKind, versions: Vec<&'static str>) -> ResourceDef {
    let (columns, hash, required, typed_fields, cel): (
        &'static [Column],
        &'static str,
        &'static [&'static str],
        &'static [TypedField],
        bool,
    ) = match kind {
        FluxKind::Kustomization => (
            &[AGE, READY, STATUS],
            "GozwzC4McTQ=",
            &["interval", "prune", "sourceRef"],
            &[
                typed!("spec.prune", "boolean"),
                typed!("spec.force", "boolean"),
                typed!("spec.wait", "boolean"),
                SUSPEND,
                typed!("spec.interval", "string"),
                typed!("spec.path", "string"),
                typed!("spec.sourceRef", "object"),
                typed!("spec.dependsOn", "array"),
            ],
            true,
        ),
        FluxKind::HelmRelease => (
            &[AGE, READY, STATUS],
            "BzFiNEBrMqU=",
            &["interval"],
            &[
                SUSPEND,
                typed!("spec.maxHistory", "integer"),
                typed!("spec.interval", "string"),
                typed!("spec.dependsOn", "array"),
            ],
            true,
        ),
        FluxKind::GitRepository => (
            &[URL, AGE, READY, STATUS],
            "agejlvI8FcU=",
            &["interval", "url"],
            &[SUSPEND, typed!("spec.url", "string")],
            true,
        ),
        FluxKind::OCIRepository => (
            &[URL, READY, STATUS, AGE],
            "GGgn4oy0Eik=",
            &["interval", "url"],
            &[SUSPEND, typed!("spec.insecure", "boolean")],
            false,
        ),
        FluxKind::HelmRepository => (
            &[URL, AGE, READY, STATUS],
            "WgQB4f3a6jc=",
            &["url"],
            &[SUSPEND, typed!("spec.insecure", "boolean")],
            false,
        ),
        FluxKind::HelmChart => (
            &[
                crd_col!("Chart", "string", ".spec.chart"),
                crd_col!("Version", "string", ".spec.version"),
                crd_col!("Source Kind", "string", ".spec.sourceRef.kind"),
                crd_col!("Source Name", "string", ".spec.sourceRef.name"),
                AGE,
                READY,
                STATUS,
            ],
            "xdXyWReGs3w=",
            &["chart", "interval", "sourceRef"],
            &[SUSPEND],
            true,
        ),
        FluxKind::Bucket => (
            &[
                crd_col!("Endpoint", "string", ".spec.endpoint"),
                AGE,
                READY,
                STATUS,
            ],
            "baSnibBf0us=",
            &["bucketName", "endpoint", "interval"],
            &[SUSPEND, typed!("spec.insecure", "boolean")],
            true,
        ),
        FluxKind::ExternalArtifact => (
            &[
                AGE,
                READY,
                STATUS,
                crd_col!("Source", "string", ".spec.sourceRef.name"),
            ],
            "yu2foWxGOos=",
            &[],
            &[],
            false,
        ),
    };
    let short_names: &'static [&'static str] = match kind {
        FluxKind::Kustomization => &["ks"],
        FluxKind::HelmRelease => &["hr"],
        FluxKind::GitRepository => &["gitrepo"],
        FluxKind::OCIRepository => &["ocirepo"],
        FluxKind::HelmRepository => &["helmrepo"],
        FluxKind::HelmChart => &["hc"],
        FluxKind::Bucket => &[],
        FluxKind::ExternalArtifact => &["ea"],
    };
    let storage_version = versions
        .first()
        .copied()
        .unwrap_or(kind.preferred_version());
    ResourceDef {
        group: kind.group(),
        versions,
        storage_version,
        kind: kind.as_str(),
        plural: kind.plural(),
        singular: singular_of(kind),
        namespaced: true,
        short_names,
        categories: kind.categories(),
        custom: true,
        status_subresource: true,
        has_generation: true,
        default_observed_generation: kind.is_applier(),
        columns,
        storage_version_hash: hash,
        required,
        typed_fields,
        has_cel_rules: cel,
    }
}

fn singular_of(kind: FluxKind) -> &'static str {
    match kind {
        FluxKind::Kustomization => "kustomization",
        FluxKind::HelmRelease => "helmrelease",
        FluxKind::GitRepository => "gitrepository",
        FluxKind::OCIRepository => "ocirepository",
        FluxKind::HelmRepository => "helmrepository",
        FluxKind::HelmChart => "helmchart",
        FluxKind::Bucket => "bucket",
        FluxKind::ExternalArtifact => "externalartifact",
    }
}

#[allow(
    clippy::too_many_arguments,
    reason = "a table row constructor, read as a table"
)]
fn builtin(
    group: &'static str,
    version: &'static str,
    kind: &'static str,
    plural: &'static str,
    namespaced: bool,
    short_names: &'static [&'static str],
    status_subresource: bool,
    hash: &'static str,
) -> ResourceDef {
    ResourceDef {
        group,
        versions: vec![version],
        storage_version: version,
        kind,
        plural,
        singular: "",
        namespaced,
        short_names,
        categories: &[],
        custom: false,
        status_subresource,
        has_generation: false,
        default_observed_generation: false,
        columns: &[],
        storage_version_hash: hash,
        required: &[],
        typed_fields: &[],
        has_cel_rules: false,
    }
}

/// Built-in kinds (core, apps, batch) the simulator serves.
#[must_use]
pub fn builtin_defs() -> Vec<ResourceDef> {
    let mut namespaces = builtin(
        "",
        "v1",
        "Namespace",
        "namespaces",
        false,
        &["ns"],
        true,
        "Q3oi5N2YM8M=",
    );
    namespaces.singular = "namespace";
    let mut events = builtin(
        "",
        "v1",
        "Event",
        "events",
        true,
        &["ev"],
        false,
        "r2yiGXH7wu8=",
    );
    events.singular = "event";
    let mut configmaps = builtin(
        "",
        "v1",
        "ConfigMap",
        "configmaps",
        true,
        &["cm"],
        false,
        "qFsyl6wFWjQ=",
    );
    configmaps.singular = "configmap";
    let mut secrets = builtin(
        "",
        "v1",
        "Secret",
        "secrets",
        true,
        &[],
        false,
        "S6u1pOWzb84=",
    );
    secrets.singular = "secret";
    let mut serviceaccounts = builtin(
        "",
        "v1",
        "ServiceAccount",
        "serviceaccounts",
        true,
        &["sa"],
        false,
        "pbx9ZvyFpBE=",
    );
    serviceaccounts.singular = "serviceaccount";
    let mut pods = builtin("", "v1", "Pod", "pods", true, &["po"], true, "xPOwRZ+Yhw8=");
    pods.singular = "pod";
    pods.categories = &["all"];
    let mut deployments = builtin(
        "apps",
        "v1",
        "Deployment",
        "deployments",
        true,
        &["deploy"],
        true,
        "8aSe+NMegvE=",
    );
    deployments.singular = "deployment";
    deployments.categories = &["all"];
    deployments.has_generation = true;
    let mut jobs = builtin(
        "batch",
        "v1",
        "Job",
        "jobs",
        true,
        &[],
        true,
        "mudhfqk/qZY=",
    );
    jobs.singular = "job";
    jobs.categories = &["all"];
    jobs.has_generation = true;
    vec![
        namespaces,
        events,
        configmaps,
        secrets,
        serviceaccounts,
        pods,
        deployments,
        jobs,
    ]
}

/// The set of resource types a simulated cluster knows about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registry {
    defs: Vec<ResourceDef>,
}

impl Registry {
    /// Built-in kinds plus all Flux kinds at their current versions.
    #[must_use]
    pub fn standard() -> Self {
        let mut defs = builtin_defs();
        defs.extend(
            FluxKind::ALL
                .into_iter()
                .map(|k| flux_def(k, vec![k.preferred_version()])),
        );
        Self { defs }
    }

    #[must_use]
    pub fn from_defs(defs: Vec<ResourceDef>) -> Self {
        Self { defs }
    }

    /// Replaces the served versions of a Flux kind (e.g. serve only `v1beta2`), preferred first.
    pub fn set_flux_versions(&mut self, kind: FluxKind, versions: Vec<&'static str>) {
        let def = flux_def(kind, versions);
        if let Some(slot) = self
            .defs
            .iter_mut()
            .find(|d| d.group == def.group && d.plural == def.plural)
        {
            *slot = def;
        } else {
            self.defs.push(def);
        }
    }

    #[must_use]
    pub fn defs(&self) -> &[ResourceDef] {
        &self.defs
    }

    #[must_use]
    pub fn by_resource(&self, gr: &GroupResource) -> Option<&ResourceDef> {
        self.defs
            .iter()
            .find(|d| d.group == gr.group && d.plural == gr.resource)
    }

    /// The definition serving `group/version` `resource`.
    #[must_use]
    pub fn lookup(&self, group: &str, version: &str, resource: &str) -> Option<&ResourceDef> {
        self.defs
            .iter()
            .find(|d| d.group == group && d.plural == resource && d.serves(version))
    }

    /// The definition for `apiVersion` + `kind`, regardless of the version served.
    #[must_use]
    pub fn by_kind(&self, group: &str, kind: &str) -> Option<&ResourceDef> {
        self.defs
            .iter()
            .find(|d| d.group == group && d.kind == kind)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_flux_kind_is_served_at_its_preferred_version() {
        let reg = Registry::standard();
        for k in FluxKind::ALL {
            let def = reg
                .lookup(k.group(), k.preferred_version(), k.plural())
                .unwrap();
            assert_eq!(def.kind, k.as_str());
            assert!(def.status_subresource);
        }
    }

    #[test]
    fn older_versions_can_replace_the_current_one() {
        let mut reg = Registry::standard();
        reg.set_flux_versions(FluxKind::Kustomization, vec!["v1beta2"]);
        assert!(
            reg.lookup("kustomize.toolkit.fluxcd.io", "v1", "kustomizations")
                .is_none()
        );
        let def = reg
            .lookup("kustomize.toolkit.fluxcd.io", "v1beta2", "kustomizations")
            .unwrap();
        assert_eq!(def.storage_version, "v1beta2");
    }
}
