//! The reads of a trace (`flux::trace` is the chain's logic): the object, its applier, the applier's source(s),
//! one GET each, every one read-only. An object that is not a Flux kind is read as metadata only
//! (`PartialObjectMetadata`): its labels are all a trace needs, and a Secret's data never leaves the server.
//!
//! `KIND` as typed (`deployment`, `Deployment`, `deploy`, `ks`, `hr` …) is resolved through the Flux kinds
//! first, then the server's discovery (kind, plural, singular, or a usual short name).

use crate::flux::trace::{self, Hop, Role, Trace};
use crate::flux::{FluxKind, ResourceRef};
use kube::api::{Api, DynamicObject};
use kube::core::{ApiResource, GroupVersionKind};
use kube::discovery::{Discovery, Scope};
use serde_json::Value;

/// Why a trace could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TraceError {
    #[error("the cluster serves no kind '{0}' (try e.g. deployment, service, ks, hr, gitrepo)")]
    UnknownKind(String),
    #[error("{kind} '{name}' not found in namespace '{namespace}'")]
    NotFound {
        kind: String,
        namespace: String,
        name: String,
    },
    #[error("no access to {kind} in namespace '{namespace}' (forbidden)")]
    Forbidden { kind: String, namespace: String },
    #[error("cannot read {what}: {why}")]
    Other { what: String, why: String },
}

/// An object to trace, its kind resolved.
#[derive(Debug, Clone)]
pub struct Start {
    pub resource: ApiResource,
    pub namespaced: bool,
    pub namespace: String,
    pub name: String,
}

/// The usual short names of built-in kinds (kubectl's), for `KIND` as typed.
const SHORT: &[(&str, &str)] = &[
    ("deploy", "deployments"),
    ("svc", "services"),
    ("cm", "configmaps"),
    ("sa", "serviceaccounts"),
    ("ns", "namespaces"),
    ("sts", "statefulsets"),
    ("ds", "daemonsets"),
    ("rs", "replicasets"),
    ("ing", "ingresses"),
    ("po", "pods"),
    ("cj", "cronjobs"),
    ("pvc", "persistentvolumeclaims"),
];

fn flux_resource(kind: FluxKind) -> ApiResource {
    let gvk = GroupVersionKind::gvk(kind.group(), kind.preferred_version(), kind.as_str());
    ApiResource::from_gvk_with_plural(&gvk, kind.plural())
}

/// Resolves `kind` as typed to a served resource.
///
/// # Errors
/// The kind is not served; discovery failed.
pub async fn resolve(client: &kube::Client, kind: &str) -> Result<(ApiResource, bool), TraceError> {
    if let Some(k) = FluxKind::from_user(kind) {
        return Ok((flux_resource(k), true));
    }
    let wanted = kind.to_ascii_lowercase();
    let plural = SHORT
        .iter()
        .find(|(s, _)| *s == wanted)
        .map_or(wanted.as_str(), |(_, p)| p);
    let discovery = Discovery::new(client.clone())
        .run()
        .await
        .map_err(|e| TraceError::Other {
            what: "the API discovery".to_owned(),
            why: e.to_string(),
        })?;
    for group in discovery.groups() {
        for (resource, caps) in group.recommended_resources() {
            let k = resource.kind.to_ascii_lowercase();
            if resource.plural == plural || k == wanted || format!("{k}s") == wanted {
                return Ok((resource, matches!(caps.scope, Scope::Namespaced)));
            }
        }
    }
    Err(TraceError::UnknownKind(kind.to_owned()))
}

/// The [`Start`] of `kind` as typed, `namespace` (empty: `default` for a namespaced kind, ignored for a
/// cluster-scoped one) and `name`: `fluxops trace`'s and the console's `:trace KIND/NS/NAME`.
///
/// # Errors
/// As [`resolve`].
pub async fn start_for(
    client: &kube::Client,
    kind: &str,
    namespace: &str,
    name: &str,
) -> Result<Start, TraceError> {
    let (resource, namespaced) = resolve(client, kind).await?;
    let namespace = match (namespaced, namespace.is_empty()) {
        (false, _) => String::new(),
        (true, true) => "default".to_owned(),
        (true, false) => namespace.to_owned(),
    };
    Ok(Start {
        resource,
        namespaced,
        namespace,
        name: name.to_owned(),
    })
}

fn api(
    client: &kube::Client,
    resource: &ApiResource,
    namespaced: bool,
    ns: &str,
) -> Api<DynamicObject> {
    if namespaced {
        Api::namespaced_with(client.clone(), ns, resource)
    } else {
        Api::all_with(client.clone(), resource)
    }
}

fn error(err: &kube::Error, kind: &str, namespace: &str, name: &str) -> TraceError {
    match err {
        kube::Error::Api(s) if s.code == 404 => TraceError::NotFound {
            kind: kind.to_owned(),
            namespace: namespace.to_owned(),
            name: name.to_owned(),
        },
        kube::Error::Api(s) if s.code == 403 => TraceError::Forbidden {
            kind: kind.to_owned(),
            namespace: namespace.to_owned(),
        },
        other => TraceError::Other {
            what: format!("{kind} {namespace}/{name}"),
            why: other.to_string(),
        },
    }
}

async fn get_flux(client: &kube::Client, r: &ResourceRef) -> Result<Value, TraceError> {
    let resource = flux_resource(r.kind);
    let found = api(client, &resource, true, &r.namespace)
        .get(&r.name)
        .await
        .map_err(|e| error(&e, r.kind.as_str(), &r.namespace, &r.name))?;
    let mut value = serde_json::to_value(found).map_err(|e| TraceError::Other {
        what: r.to_string(),
        why: e.to_string(),
    })?;
    value["apiVersion"] = Value::from(resource.api_version.clone());
    Ok(value)
}

/// Traces `start`: reads it, then walks `flux::trace`'s chain.
///
/// # Errors
/// The object itself cannot be read (the hops after it are reported in the trace, missing or not).
pub async fn trace(client: &kube::Client, start: &Start) -> Result<Trace, TraceError> {
    let kind = start.resource.kind.clone();
    let flux_kind = FluxKind::from_kind(&kind).filter(|k| k.group() == start.resource.group);
    let object: Value = match flux_kind {
        Some(k) => get_flux(client, &ResourceRef::new(k, &start.namespace, &start.name)).await?,
        None => {
            let meta = api(client, &start.resource, start.namespaced, &start.namespace)
                .get_metadata(&start.name)
                .await
                .map_err(|e| error(&e, &kind, &start.namespace, &start.name))?;
            serde_json::json!({"apiVersion": start.resource.api_version, "kind": kind,
                               "metadata": serde_json::to_value(meta.metadata).unwrap_or_default()})
        }
    };
    let owner = trace::owner(&object);
    let mut hops: Vec<Hop> = vec![trace::hop(Role::Object, &kind, &object)];
    let managed = owner.is_some();
    let mut next = owner.map(|o| (Role::AppliedBy, o));
    while let Some((role, r)) = next.take() {
        if hops.len() > trace::MAX_HOPS {
            break;
        }
        match get_flux(client, &r).await {
            Ok(obj) => {
                hops.push(trace::hop(role, r.kind.as_str(), &obj));
                next = trace::next_source(r.kind, &obj).map(|s| (Role::Source, s));
            }
            Err(e) => hops.push(trace::missing(role, &r, e.to_string())),
        }
    }
    Ok(Trace { managed, hops })
}
