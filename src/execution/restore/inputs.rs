//! What each restored object is to the decision: its target kind and Flux owner (labels), the policy input of
//! one object, the decisions combined, and the RBAC accesses the whole restore needs.

use super::*;

/// The target kind of `key`, when actions know it (the Flux kinds, common workloads).
pub(super) fn target_kind(key: &ObjectKey) -> Option<TargetKind> {
    TargetKind::ALL
        .iter()
        .copied()
        .find(|k| k.as_str() == key.kind && k.group() == key.group)
}

pub(super) fn flux_ref(key: &ObjectKey) -> Option<TargetRef> {
    let kind = target_kind(key).filter(|k| k.flux().is_some())?;
    Some(TargetRef {
        kind,
        namespace: (!key.namespace.is_empty()).then(|| key.namespace.clone()),
        name: key.name.clone(),
    })
}

/// The owner named by the object's own Flux labels.
pub(super) fn label_owner(obj: &Value) -> Option<OwnerInput> {
    let labels = obj.pointer("/metadata/labels")?.as_object()?;
    let text = |k: &str| labels.get(k).and_then(Value::as_str).map(str::to_owned);
    [
        ("helm.toolkit.fluxcd.io", "HelmRelease"),
        ("kustomize.toolkit.fluxcd.io", "Kustomization"),
    ]
    .iter()
    .find_map(|(group, kind)| {
        Some(OwnerInput {
            kind: (*kind).to_owned(),
            name: text(&format!("{group}/name"))?,
            namespace: text(&format!("{group}/namespace"))?,
            suspended: false,
            interval: None,
        })
    })
}

pub(super) fn labels_of(obj: &Value) -> BTreeMap<String, String> {
    crate::execution::object::string_map(obj, "/metadata/labels")
}

pub(super) fn owner_ref(owner: &OwnerInput) -> Option<TargetRef> {
    let kind = TargetKind::from_user(&owner.kind)?;
    Some(TargetRef::namespaced(kind, &owner.namespace, &owner.name))
}

/// The strictest of `decisions`: the first that denies, else the one asking the most, with every warning.
pub(super) fn combine(decisions: Vec<Decision>) -> Decision {
    let mut warnings: BTreeSet<String> = BTreeSet::new();
    let mut deny: BTreeSet<String> = BTreeSet::new();
    for d in &decisions {
        warnings.extend(d.warnings.iter().cloned());
        deny.extend(d.deny.iter().cloned());
    }
    let pick = decisions
        .iter()
        .find(|d| !d.allow || d.failed_closed())
        .or_else(|| decisions.iter().max_by_key(|d| d.confirmation))
        .cloned();
    let Some(mut out) = pick else {
        return Decision::fail_closed("nothing was decided");
    };
    out.warnings = warnings.into_iter().collect();
    out.deny = deny.into_iter().collect();
    out.allow = out.allow && out.deny.is_empty();
    out
}

pub(super) fn restore_accesses(
    applies: &[Apply],
    suspend: &[TargetRef],
    items: &[RestoreItem],
) -> Vec<Access> {
    let mut out: Vec<Access> = Vec::new();
    let mut push = |a: Access| {
        if !out.contains(&a) {
            out.push(a);
        }
    };
    for owner in suspend {
        push(Access::new(
            "patch",
            owner.kind.group(),
            owner.kind.plural(),
            owner.namespace.as_deref(),
        ));
    }
    for (a, item) in applies.iter().zip(items) {
        let ns = (!a.key.namespace.is_empty()).then_some(a.key.namespace.as_str());
        push(Access::new(
            "patch",
            &a.resource.group,
            &a.resource.plural,
            ns,
        ));
        if item.create {
            push(Access::new(
                "create",
                &a.resource.group,
                &a.resource.plural,
                ns,
            ));
        }
    }
    out
}

/// The policy input for one restored object: the catalog action, the object as the target.
pub(super) fn input_for(
    spec: &crate::actions::ActionSpec,
    snapshot: &str,
    key: &ObjectKey,
    stored: &Value,
    situation: Situation,
) -> PolicyInput {
    let proxy = Target {
        rref: TargetRef::namespaced(TargetKind::ConfigMap, "default", "proxy"),
        facts: crate::actions::TargetFacts::default(),
    };
    let params = crate::actions::ParamValues::default();
    let mut input = PolicyInput::build(spec, &proxy, &params, situation);
    input
        .parameters
        .insert("snapshot".to_owned(), Value::String(snapshot.to_owned()));
    let map = |p: &str| crate::execution::object::string_map(stored, p);
    input.target = TargetInput {
        kind: key.kind.clone(),
        namespace: (!key.namespace.is_empty()).then(|| key.namespace.clone()),
        name: key.name.clone(),
        labels: map("/metadata/labels"),
        annotations: map("/metadata/annotations"),
        fields: BTreeMap::new(),
    };
    input
}
