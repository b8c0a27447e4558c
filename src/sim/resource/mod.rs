//! The table of resource types the simulated API server knows: one `ResourceDef` per kind
//! (group, served versions, plural, scope, discovery facts, printer columns, schema facts).
//!
//! Adding a kind is one entry in `builtin::builtin_defs` or `flux::flux_def`. No HTTP and no storage here.

mod builtin;
mod flux;
mod workload;

pub use builtin::builtin_defs;
pub use flux::flux_def;

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
    /// A simple JSONPath: `.a.b.c`, or `.status.conditions[?(@.type=="Ready")].status`; built-in
    /// printers also use `#since:<path>` (age of a timestamp), `#count:<path>` (entries) and
    /// `#involved-object` (`kind/name` of an Event's object).
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

/// What a string field's schema `pattern` admits (the patterns the Flux CRDs use).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pattern {
    /// Go-style duration `^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$` (`with_hours: false` drops `h`).
    Duration { with_hours: bool },
    /// `^(<scheme>|…)://.*$`
    UrlScheme(&'static [&'static str]),
}

/// A string field constrained by a schema `pattern` (the regex text is quoted in errors).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PatternField {
    pub path: &'static str,
    pub pattern: Pattern,
    pub regex: &'static str,
}

/// A string field constrained by a schema `enum`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EnumField {
    pub path: &'static str,
    pub values: &'static [&'static str],
}

/// A subresource served by a handler of its own (`pods/eviction`, `pods/log`, `serviceaccounts/token`), listed in
/// discovery with its own group, version and kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExtraSubresource {
    pub name: &'static str,
    /// Group and version of the kind the subresource takes or answers (`policy`/`v1` for evictions; empty group
    /// and version: the parent's).
    pub group: &'static str,
    pub version: &'static str,
    pub kind: &'static str,
    pub verbs: &'static [&'static str],
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
    /// Serves `…/scale` (autoscaling/v1 Scale), like Deployments.
    pub scale_subresource: bool,
    /// Whether `metadata.generation` is maintained.
    pub has_generation: bool,
    /// `status.observedGeneration: -1` defaulted on create (Kustomization, HelmRelease).
    pub default_observed_generation: bool,
    /// Printer columns: for custom resources after the implicit `Name`; for built-ins, all of them.
    pub columns: &'static [Column],
    pub storage_version_hash: &'static str,
    /// `spec` fields the schema requires.
    pub required: &'static [&'static str],
    pub typed_fields: &'static [TypedField],
    pub pattern_fields: &'static [PatternField],
    pub enum_fields: &'static [EnumField],
    /// `(object path, required keys)` below `spec`, e.g. `("spec.sourceRef", ["kind", "name"])`.
    pub nested_required: &'static [(&'static str, &'static [&'static str])],
    /// The schema carries CEL rules (adds the "some validation rules were not checked" cause).
    pub has_cel_rules: bool,
    /// Subresources besides `status` and `scale`.
    pub extra_subresources: &'static [ExtraSubresource],
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
