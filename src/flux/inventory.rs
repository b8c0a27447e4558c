//! Inventory entry ids (`status.inventory.entries[].id`) of Kustomizations and HelmReleases.
//!
//! The format is `<namespace>_<name>_<group>_<kind>` (FLUX.md §4); the API version lives in the separate `v`
//! field. Parsing follows cli-utils `ParseObjMetadata` exactly: namespace = text before the first `_`, kind =
//! after the last `_`, group = between the next-to-last and the last `_`, name = the remainder with `__`
//! transcoded back to `:` (RBAC names), rejected if the name still holds a `_`.

use super::kind::FluxKind;
use super::resource_ref::ResourceRef;
use std::fmt;
use thiserror::Error;

/// The parts of one inventory entry id.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct InventoryId {
    /// Empty for cluster-scoped objects.
    pub namespace: String,
    /// With `__` already turned back into `:`.
    pub name: String,
    /// Empty for the core group.
    pub group: String,
    pub kind: String,
}

/// Why an inventory id could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum InventoryIdError {
    #[error("inventory id '{id}' has fewer than four '_'-separated fields")]
    TooFewFields { id: String },
    #[error("inventory id '{id}' has an empty kind")]
    EmptyKind { id: String },
    #[error("inventory id '{id}' has an empty name")]
    EmptyName { id: String },
    #[error("inventory id '{id}' has a name containing '_' after transcoding '__' to ':'")]
    UnderscoreInName { id: String },
}

/// The `__` sequence cli-utils uses in place of `:` inside names.
const COLON_TRANSCODED: &str = "__";

impl InventoryId {
    /// Parses `<namespace>_<name>_<group>_<kind>`.
    ///
    /// # Errors
    /// Returns an [`InventoryIdError`] naming the id when it does not have the four fields, or when the name is
    /// empty or still contains `_` after `__` → `:`.
    pub fn parse(id: &str) -> Result<Self, InventoryIdError> {
        let too_few = || InventoryIdError::TooFewFields { id: id.to_owned() };
        let (namespace, rest) = id.split_once('_').ok_or_else(too_few)?;
        let (rest, kind) = rest.rsplit_once('_').ok_or_else(too_few)?;
        let (name, group) = rest.rsplit_once('_').ok_or_else(too_few)?;
        if kind.is_empty() {
            return Err(InventoryIdError::EmptyKind { id: id.to_owned() });
        }
        let name = name.replace(COLON_TRANSCODED, ":");
        if name.is_empty() {
            return Err(InventoryIdError::EmptyName { id: id.to_owned() });
        }
        if name.contains('_') {
            return Err(InventoryIdError::UnderscoreInName { id: id.to_owned() });
        }
        Ok(Self {
            namespace: namespace.to_owned(),
            name,
            group: group.to_owned(),
            kind: kind.to_owned(),
        })
    }

    /// The Flux object this entry names, if it is one (group and kind both match a Flux kind).
    #[must_use]
    pub fn flux_ref(&self) -> Option<ResourceRef> {
        let kind = FluxKind::from_kind(&self.kind).filter(|k| k.group() == self.group)?;
        Some(ResourceRef::new(kind, &self.namespace, &self.name))
    }
}

impl fmt::Display for InventoryId {
    /// Writes the id back in its encoded form (`:` → `__`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}_{}_{}_{}",
            self.namespace,
            self.name.replace(':', COLON_TRANSCODED),
            self.group,
            self.kind
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(ns: &str, name: &str, group: &str, kind: &str) -> InventoryId {
        InventoryId {
            namespace: ns.into(),
            name: name.into(),
            group: group.into(),
            kind: kind.into(),
        }
    }

    #[test]
    fn core_group_is_the_empty_field_between_double_underscores() {
        assert_eq!(
            InventoryId::parse("default_podinfo__Service"),
            Ok(id("default", "podinfo", "", "Service"))
        );
    }

    #[test]
    fn named_groups_parse() {
        assert_eq!(
            InventoryId::parse("default_podinfo_apps_Deployment"),
            Ok(id("default", "podinfo", "apps", "Deployment"))
        );
        assert_eq!(
            InventoryId::parse("default_podinfo_autoscaling_HorizontalPodAutoscaler"),
            Ok(id(
                "default",
                "podinfo",
                "autoscaling",
                "HorizontalPodAutoscaler"
            ))
        );
    }

    #[test]
    fn cluster_scoped_objects_have_an_empty_namespace() {
        assert_eq!(
            InventoryId::parse("_flux-system__Namespace"),
            Ok(id("", "flux-system", "", "Namespace"))
        );
    }

    #[test]
    fn rbac_names_get_their_colons_back() {
        let parsed = InventoryId::parse(
            "kube-system_kubeadm__nodes-kubeadm-config_rbac.authorization.k8s.io_Role",
        );
        assert_eq!(
            parsed,
            Ok(id(
                "kube-system",
                "kubeadm:nodes-kubeadm-config",
                "rbac.authorization.k8s.io",
                "Role"
            ))
        );
        let back = parsed.map(|p| p.to_string());
        assert_eq!(
            back.as_deref(),
            Ok("kube-system_kubeadm__nodes-kubeadm-config_rbac.authorization.k8s.io_Role")
        );
        assert_eq!(
            InventoryId::parse("_system__controller__foo_rbac.authorization.k8s.io_ClusterRole")
                .map(|p| p.name),
            Ok("system:controller:foo".to_owned())
        );
    }

    #[test]
    fn flux_objects_in_an_inventory_are_recognised_by_group_and_kind() {
        let parsed = InventoryId::parse("apps_podinfo_helm.toolkit.fluxcd.io_HelmRelease");
        assert_eq!(
            parsed.ok().and_then(|p| p.flux_ref()),
            Some(ResourceRef::new(FluxKind::HelmRelease, "apps", "podinfo"))
        );
        let wrong_group = InventoryId::parse("apps_podinfo_kustomize.config.k8s.io_Kustomization");
        assert_eq!(wrong_group.ok().and_then(|p| p.flux_ref()), None);
    }

    #[test]
    fn malformed_ids_are_rejected_with_the_id_in_the_message() {
        let err = InventoryId::parse("default_podinfo_Service");
        // Only three fields: the "name" is empty once group and kind are taken.
        assert!(err.is_err());
        let err = InventoryId::parse("nounderscore");
        assert_eq!(
            err,
            Err(InventoryIdError::TooFewFields {
                id: "nounderscore".into()
            })
        );
        let err = InventoryId::parse("default_my_app_apps_Deployment").map_err(|e| e.to_string());
        assert_eq!(
            err,
            Err("inventory id 'default_my_app_apps_Deployment' has a name containing '_' after transcoding '__' to ':'".to_owned())
        );
        assert!(matches!(
            InventoryId::parse("default_podinfo_apps_"),
            Err(InventoryIdError::EmptyKind { .. })
        ));
    }
}
