//! Parsing request paths and query strings into what the API server routes on.

use std::collections::HashMap;

/// What a request path addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    Version,
    /// `/healthz`, `/livez`, `/readyz`
    Health,
    /// `/openapi/v2` (kubectl apply fetches it; answered with an empty protobuf document).
    OpenApiV2,
    /// `/api`
    CoreGroups,
    /// `/apis`
    Groups,
    /// `/api/v1` or `/apis/<group>/<version>`
    ResourceList {
        group: String,
        version: String,
    },
    /// Anything under a group/version.
    Resource(ResourcePath),
    /// `/apis/<group>` (group info) — answered like the real server.
    Group {
        group: String,
    },
    Unknown,
}

/// `/apis/<group>/<version>[/namespaces/<ns>]/<resource>[/<name>[/<subresource>]]`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourcePath {
    pub group: String,
    pub version: String,
    pub namespace: Option<String>,
    pub resource: String,
    pub name: Option<String>,
    pub subresource: Option<String>,
}

/// Parses a request path.
#[must_use]
pub fn parse_route(path: &str) -> Route {
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    match parts.as_slice() {
        ["version"] => Route::Version,
        ["openapi", "v2"] => Route::OpenApiV2,
        ["healthz" | "livez" | "readyz"] => Route::Health,
        ["api"] => Route::CoreGroups,
        ["apis"] => Route::Groups,
        ["api", version] => Route::ResourceList {
            group: String::new(),
            version: (*version).to_owned(),
        },
        ["apis", group] => Route::Group {
            group: (*group).to_owned(),
        },
        ["apis", group, version] => Route::ResourceList {
            group: (*group).to_owned(),
            version: (*version).to_owned(),
        },
        ["api", version, rest @ ..] => resource_path("", version, rest),
        ["apis", group, version, rest @ ..] => resource_path(group, version, rest),
        _ => Route::Unknown,
    }
}

fn resource_path(group: &str, version: &str, rest: &[&str]) -> Route {
    let make = |namespace: Option<&str>, resource: &str, name: Option<&str>, sub: Option<&str>| {
        Route::Resource(ResourcePath {
            group: group.to_owned(),
            version: version.to_owned(),
            namespace: namespace.map(str::to_owned),
            resource: resource.to_owned(),
            name: name.map(str::to_owned),
            subresource: sub.map(str::to_owned),
        })
    };
    match rest {
        // The namespace object itself and its subresources.
        ["namespaces", name, sub @ ("status" | "finalize")] if group.is_empty() => {
            make(None, "namespaces", Some(name), Some(sub))
        }
        ["namespaces", ns, resource] => make(Some(ns), resource, None, None),
        ["namespaces", ns, resource, name] => make(Some(ns), resource, Some(name), None),
        ["namespaces", ns, resource, name, sub] => make(Some(ns), resource, Some(name), Some(sub)),
        [resource] => make(None, resource, None, None),
        [resource, name] => make(None, resource, Some(name), None),
        [resource, name, sub] => make(None, resource, Some(name), Some(sub)),
        _ => Route::Unknown,
    }
}

/// Decodes an `application/x-www-form-urlencoded` query string (last value wins).
#[must_use]
pub fn parse_query(query: Option<&str>) -> HashMap<String, String> {
    query
        .unwrap_or_default()
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
                match u8::from_str_radix(hex, 16) {
                    Ok(b) => {
                        out.push(b);
                        i += 2;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespaced_item_paths_split_into_their_parts() {
        let Route::Resource(p) = parse_route(
            "/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/capture/kustomizations/demo/status",
        ) else {
            panic!("not a resource path")
        };
        assert_eq!(p.namespace.as_deref(), Some("capture"));
        assert_eq!(p.name.as_deref(), Some("demo"));
        assert_eq!(p.subresource.as_deref(), Some("status"));
    }

    #[test]
    fn namespaces_themselves_are_cluster_scoped() {
        let Route::Resource(p) = parse_route("/api/v1/namespaces/capture") else {
            panic!("not a resource path")
        };
        assert_eq!(p.resource, "namespaces");
        assert_eq!(p.name.as_deref(), Some("capture"));
        assert_eq!(p.namespace, None);
        let Route::Resource(p) = parse_route("/api/v1/namespaces/capture/events") else {
            panic!("not a resource path")
        };
        assert_eq!(p.namespace.as_deref(), Some("capture"));
    }

    #[test]
    fn query_values_are_percent_decoded() {
        let q = parse_query(Some(
            "labelSelector=team%3Da&fieldSelector=a%3Db,c%3Dd&watch=1",
        ));
        assert_eq!(q["labelSelector"], "team=a");
        assert_eq!(q["fieldSelector"], "a=b,c=d");
        assert_eq!(q["watch"], "1");
    }
}
