//! Discovery documents: `/version`, `/api`, `/apis`, `/apis/<group>/<version>` (APIResourceList)
//! and aggregated discovery (`apidiscovery.k8s.io/v2beta1`, what v1.28 serves to kubectl).

use crate::sim::controls::Controls;
use crate::sim::resource::{Registry, ResourceDef};
use serde::Serialize;
use serde_json::{Value, json};

/// `/version` of a v1.28.0 server.
#[must_use]
pub fn version() -> Value {
    json!({
        "major": "1",
        "minor": "28",
        "gitVersion": "v1.28.0",
        "gitCommit": "$Format:%H$",
        "gitTreeState": "clean",
        "buildDate": "2026-11-24T02:21:31Z",
        "goVersion": "go1.23.5",
        "compiler": "gc",
        "platform": "linux/amd64"
    })
}

/// Kinds currently served (not marked missing), in registry order.
fn served<'a>(registry: &'a Registry, controls: &Controls) -> Vec<&'a ResourceDef> {
    registry
        .defs()
        .iter()
        .filter(|d| !controls.is_missing(&d.group_resource()))
        .collect()
}

/// Groups with at least one served kind: `(group, versions preferred first)`, built-in groups
/// first, then custom groups sorted by name (as the real server orders them).
#[must_use]
pub fn served_groups(registry: &Registry, controls: &Controls) -> Vec<(String, Vec<String>)> {
    let defs = served(registry, controls);
    let mut builtin: Vec<(String, Vec<String>)> = Vec::new();
    let mut custom: Vec<(String, Vec<String>)> = Vec::new();
    for def in defs {
        let list = if def.custom {
            &mut custom
        } else {
            &mut builtin
        };
        let slot = match list.iter().position(|(g, _)| g == def.group) {
            Some(i) => &mut list[i].1,
            None => {
                list.push((def.group.to_owned(), Vec::new()));
                let last = list.len() - 1;
                &mut list[last].1
            }
        };
        for v in &def.versions {
            if !slot.iter().any(|s| s == v) {
                slot.push((*v).to_owned());
            }
        }
    }
    builtin.push(("authorization.k8s.io".to_owned(), vec!["v1".to_owned()]));
    builtin.push(("authentication.k8s.io".to_owned(), vec!["v1".to_owned()]));
    custom.sort_by(|a, b| a.0.cmp(&b.0));
    builtin.into_iter().chain(custom).collect()
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct GroupVersion {
    group_version: String,
    version: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ApiGroup {
    name: String,
    versions: Vec<GroupVersion>,
    preferred_version: GroupVersion,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ApiGroupList {
    kind: &'static str,
    api_version: &'static str,
    groups: Vec<ApiGroup>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ServerAddress {
    #[serde(rename = "clientCIDR")]
    client_cidr: &'static str,
    server_address: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ApiVersions {
    kind: &'static str,
    versions: Vec<&'static str>,
    #[serde(rename = "serverAddressByClientCIDRs")]
    server_addresses: Vec<ServerAddress>,
}

/// `/api`.
pub fn core_versions(server_address: &str) -> impl Serialize {
    ApiVersions {
        kind: "APIVersions",
        versions: vec!["v1"],
        server_addresses: vec![ServerAddress {
            client_cidr: "0.0.0.0/0",
            server_address: server_address.to_owned(),
        }],
    }
}

fn gv(group: &str, version: &str) -> GroupVersion {
    GroupVersion {
        group_version: format!("{group}/{version}"),
        version: version.to_owned(),
    }
}

fn api_group(group: &str, versions: &[String]) -> ApiGroup {
    ApiGroup {
        name: group.to_owned(),
        versions: versions.iter().map(|v| gv(group, v)).collect(),
        preferred_version: gv(group, versions.first().map_or("v1", String::as_str)),
    }
}

/// `/apis` (legacy form).
pub fn group_list(registry: &Registry, controls: &Controls) -> impl Serialize {
    ApiGroupList {
        kind: "APIGroupList",
        api_version: "v1",
        groups: served_groups(registry, controls)
            .into_iter()
            .filter(|(g, _)| !g.is_empty())
            .map(|(g, vs)| api_group(&g, &vs))
            .collect(),
    }
}

/// `/apis/<group>` (APIGroup), if the group is served.
pub fn group(registry: &Registry, controls: &Controls, name: &str) -> Option<Value> {
    let (g, vs) = served_groups(registry, controls)
        .into_iter()
        .find(|(g, _)| g == name && !g.is_empty())?;
    let mut value = serde_json::to_value(api_group(&g, &vs)).ok()?;
    if let Some(map) = value.as_object_mut() {
        map.insert("kind".to_owned(), json!("APIGroup"));
        map.insert("apiVersion".to_owned(), json!("v1"));
    }
    Some(value)
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ApiResource {
    name: String,
    singular_name: &'static str,
    namespaced: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    group: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<&'static str>,
    kind: &'static str,
    verbs: Vec<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    short_names: Vec<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    categories: Vec<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    storage_version_hash: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ApiResourceList {
    kind: &'static str,
    api_version: &'static str,
    group_version: String,
    resources: Vec<ApiResource>,
}

fn extra_resources(group: &str) -> Vec<ApiResource> {
    let review = |name: &str, kind: &'static str| ApiResource {
        name: name.to_owned(),
        singular_name: "",
        namespaced: false,
        group: None,
        version: None,
        kind,
        verbs: vec!["create"],
        short_names: Vec::new(),
        categories: Vec::new(),
        storage_version_hash: None,
    };
    match group {
        "authorization.k8s.io" => vec![review(
            "selfsubjectaccessreviews",
            "SelfSubjectAccessReview",
        )],
        "authentication.k8s.io" => vec![
            review("selfsubjectreviews", "SelfSubjectReview"),
            review("tokenreviews", "TokenReview"),
        ],
        _ => Vec::new(),
    }
}

/// `/apis/<group>/<version>` or `/api/v1`, if served.
pub fn resource_list(
    registry: &Registry,
    controls: &Controls,
    group: &str,
    version: &str,
) -> Option<impl Serialize> {
    let mut resources = Vec::new();
    for def in served(registry, controls) {
        if def.group != group || !def.serves(version) {
            continue;
        }
        resources.push(ApiResource {
            name: def.plural.to_owned(),
            singular_name: def.singular,
            namespaced: def.namespaced,
            group: None,
            version: None,
            kind: def.kind,
            verbs: def.verbs().to_vec(),
            short_names: def.short_names.to_vec(),
            categories: def.categories.to_vec(),
            storage_version_hash: Some(def.storage_version_hash),
        });
        if def.status_subresource {
            resources.push(ApiResource {
                name: format!("{}/status", def.plural),
                singular_name: "",
                namespaced: def.namespaced,
                group: None,
                version: None,
                kind: def.kind,
                verbs: vec!["get", "patch", "update"],
                short_names: Vec::new(),
                categories: Vec::new(),
                storage_version_hash: None,
            });
        }
        if def.scale_subresource {
            resources.push(ApiResource {
                name: format!("{}/scale", def.plural),
                singular_name: "",
                namespaced: def.namespaced,
                group: Some("autoscaling"),
                version: Some("v1"),
                kind: "Scale",
                verbs: vec!["get", "patch", "update"],
                short_names: Vec::new(),
                categories: Vec::new(),
                storage_version_hash: None,
            });
        }
        for sub in def.extra_subresources {
            resources.push(ApiResource {
                name: format!("{}/{}", def.plural, sub.name),
                singular_name: "",
                namespaced: def.namespaced,
                group: (!sub.group.is_empty()).then_some(sub.group),
                version: (!sub.version.is_empty()).then_some(sub.version),
                kind: sub.kind,
                verbs: sub.verbs.to_vec(),
                short_names: Vec::new(),
                categories: Vec::new(),
                storage_version_hash: None,
            });
        }
    }
    if version == "v1" {
        resources.extend(extra_resources(group));
    }
    if resources.is_empty() {
        return None;
    }
    Some(ApiResourceList {
        kind: "APIResourceList",
        api_version: "v1",
        group_version: if group.is_empty() {
            version.to_owned()
        } else {
            format!("{group}/{version}")
        },
        resources,
    })
}

/// Whether an `Accept` header asks for aggregated discovery in a version v1.28 serves.
#[must_use]
pub fn wants_aggregated(accept: &str) -> bool {
    accept.split(',').any(|part| {
        part.contains("as=APIGroupDiscoveryList")
            && part.contains("g=apidiscovery.k8s.io")
            && part.contains("v=v2beta1")
    })
}

/// The aggregated discovery content type v1.28 answers with.
pub const AGGREGATED_CONTENT_TYPE: &str =
    "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList";

fn response_kind(def: &ResourceDef, version: &str) -> Value {
    if def.custom {
        json!({"group": def.group, "version": version, "kind": def.kind})
    } else {
        json!({"group": "", "version": "", "kind": def.kind})
    }
}

fn discovery_resource(def: &ResourceDef, version: &str) -> Value {
    let mut r = serde_json::Map::new();
    r.insert("resource".to_owned(), json!(def.plural));
    r.insert("responseKind".to_owned(), response_kind(def, version));
    r.insert(
        "scope".to_owned(),
        json!(if def.namespaced {
            "Namespaced"
        } else {
            "Cluster"
        }),
    );
    r.insert("singularResource".to_owned(), json!(def.singular));
    r.insert("verbs".to_owned(), json!(def.verbs()));
    if !def.short_names.is_empty() {
        r.insert("shortNames".to_owned(), json!(def.short_names));
    }
    if !def.categories.is_empty() {
        r.insert("categories".to_owned(), json!(def.categories));
    }
    let mut subresources = Vec::new();
    if def.scale_subresource {
        subresources.push(json!({
            "subresource": "scale",
            "responseKind": {"group": "autoscaling", "version": "v1", "kind": "Scale"},
            "verbs": ["get", "patch", "update"]
        }));
    }
    if def.status_subresource {
        subresources.push(json!({
            "subresource": "status",
            "responseKind": response_kind(def, version),
            "verbs": ["get", "patch", "update"]
        }));
    }
    for sub in def.extra_subresources {
        subresources.push(json!({
            "subresource": sub.name,
            "responseKind": {"group": sub.group, "version": sub.version, "kind": sub.kind},
            "verbs": sub.verbs
        }));
    }
    subresources.sort_by(|a, b| a["subresource"].as_str().cmp(&b["subresource"].as_str()));
    if !subresources.is_empty() {
        r.insert("subresources".to_owned(), Value::Array(subresources));
    }
    Value::Object(r)
}

/// Aggregated discovery for `/api` (`core == true`) or `/apis`.
#[must_use]
pub fn aggregated(registry: &Registry, controls: &Controls, core: bool) -> Value {
    let defs = served(registry, controls);
    let items: Vec<Value> = served_groups(registry, controls)
        .into_iter()
        .filter(|(g, _)| g.is_empty() == core)
        .map(|(group, versions)| {
            let versions: Vec<Value> = versions
                .iter()
                .map(|v| {
                    let mut resources: Vec<Value> = defs
                        .iter()
                        .filter(|d| d.group == group && d.serves(v))
                        .map(|d| discovery_resource(d, v))
                        .collect();
                    for extra in extra_resources(&group) {
                        resources.push(json!({
                            "resource": extra.name,
                            "responseKind": {"group": "", "version": "", "kind": extra.kind},
                            "scope": "Cluster",
                            "singularResource": extra.name.trim_end_matches('s'),
                            "verbs": ["create"],
                        }));
                    }
                    json!({"version": v, "resources": resources, "freshness": "Current"})
                })
                .collect();
            let metadata = if group.is_empty() {
                json!({"creationTimestamp": null})
            } else {
                json!({"name": group, "creationTimestamp": null})
            };
            json!({"metadata": metadata, "versions": versions})
        })
        .collect();
    json!({
        "kind": "APIGroupDiscoveryList",
        "apiVersion": "apidiscovery.k8s.io/v2beta1",
        "metadata": {},
        "items": items,
    })
}
