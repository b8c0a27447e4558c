//! What a request asks to do (the authorizer's attributes) and whether one RBAC `PolicyRule` allows it, with
//! the RBAC authorizer's matching rules: `*` wildcards for verbs, groups and resources, `resource/subresource`
//! and `*/subresource`, `resourceNames` (only for requests that name an object), and `nonResourceURLs` with a
//! trailing `*` prefix match. Rules are read from stored JSON as written by users, so missing lists match nothing.

use serde_json::Value;

/// The authorization attributes of one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// A request for an API object or collection.
    Resource {
        verb: String,
        group: String,
        resource: String,
        /// Empty when none.
        subresource: String,
        /// Empty for cluster-scoped requests.
        namespace: String,
        /// Empty when the request names no object.
        name: String,
    },
    /// A request for any other path (`/api`, `/version`, `/healthz` …); the verb is the lowercased method.
    NonResource { verb: String, path: String },
}

impl Request {
    /// A resource request.
    #[must_use]
    pub fn resource(
        verb: &str,
        group: &str,
        resource: &str,
        subresource: &str,
        namespace: &str,
        name: &str,
    ) -> Self {
        Self::Resource {
            verb: verb.to_owned(),
            group: group.to_owned(),
            resource: resource.to_owned(),
            subresource: subresource.to_owned(),
            namespace: namespace.to_owned(),
            name: name.to_owned(),
        }
    }

    /// The namespace the request is in (empty for cluster scope and non-resource paths).
    #[must_use]
    pub fn namespace(&self) -> &str {
        match self {
            Self::Resource { namespace, .. } => namespace,
            Self::NonResource { .. } => "",
        }
    }

    #[must_use]
    pub fn verb(&self) -> &str {
        match self {
            Self::Resource { verb, .. } | Self::NonResource { verb, .. } => verb,
        }
    }
}

fn strings(rule: &Value, field: &str) -> Vec<String> {
    rule.get(field)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

fn has_or_all(list: &[String], want: &str) -> bool {
    list.iter().any(|v| v == "*" || v == want)
}

fn resource_matches(rules: &[String], combined: &str, subresource: &str) -> bool {
    rules.iter().any(|r| {
        r == "*"
            || r == combined
            || (!subresource.is_empty()
                && r.len() == subresource.len() + 2
                && r.starts_with("*/")
                && r.ends_with(subresource))
    })
}

fn url_matches(urls: &[String], path: &str) -> bool {
    urls.iter().any(|u| {
        u == "*"
            || u == path
            || u.strip_suffix('*')
                .is_some_and(|prefix| path.starts_with(prefix))
    })
}

/// Whether `rule` (a `PolicyRule` object) allows `request`.
#[must_use]
pub fn allows(rule: &Value, request: &Request) -> bool {
    if !has_or_all(&strings(rule, "verbs"), request.verb()) {
        return false;
    }
    match request {
        Request::Resource {
            group,
            resource,
            subresource,
            name,
            ..
        } => {
            let combined = if subresource.is_empty() {
                resource.clone()
            } else {
                format!("{resource}/{subresource}")
            };
            let names = strings(rule, "resourceNames");
            has_or_all(&strings(rule, "apiGroups"), group)
                && resource_matches(&strings(rule, "resources"), &combined, subresource)
                && (names.is_empty() || names.iter().any(|n| n == name))
        }
        Request::NonResource { path, .. } => url_matches(&strings(rule, "nonResourceURLs"), path),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn patch_deploy(name: &str) -> Request {
        Request::resource("patch", "apps", "deployments", "", "apps", name)
    }

    #[test]
    fn verbs_groups_and_resources_must_all_match() {
        let rule =
            json!({"apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["get", "patch"]});
        assert!(allows(&rule, &patch_deploy("podinfo")));
        assert!(!allows(
            &rule,
            &Request::resource("delete", "apps", "deployments", "", "apps", "x")
        ));
        assert!(!allows(
            &rule,
            &Request::resource("patch", "", "deployments", "", "apps", "x")
        ));
        let star = json!({"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]});
        assert!(allows(&star, &patch_deploy("x")));
    }

    #[test]
    fn subresources_need_their_own_rule() {
        let scale = Request::resource("patch", "apps", "deployments", "scale", "apps", "podinfo");
        let main = json!({"apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["patch"]});
        assert!(!allows(&main, &scale));
        let sub =
            json!({"apiGroups": ["apps"], "resources": ["deployments/scale"], "verbs": ["patch"]});
        assert!(allows(&sub, &scale));
        let any = json!({"apiGroups": ["apps"], "resources": ["*/scale"], "verbs": ["patch"]});
        assert!(allows(&any, &scale));
        assert!(!allows(&any, &patch_deploy("podinfo")));
    }

    #[test]
    fn resource_names_limit_named_requests_only() {
        let rule = json!({"apiGroups": ["apps"], "resources": ["deployments"], "resourceNames": ["podinfo"],
                          "verbs": ["patch", "list"]});
        assert!(allows(&rule, &patch_deploy("podinfo")));
        assert!(!allows(&rule, &patch_deploy("other")));
        assert!(!allows(
            &rule,
            &Request::resource("list", "apps", "deployments", "", "apps", "")
        ));
    }

    #[test]
    fn non_resource_urls_match_exactly_or_by_prefix() {
        let rule = json!({"nonResourceURLs": ["/api", "/apis/*"], "verbs": ["get"]});
        let get = |p: &str| Request::NonResource {
            verb: "get".into(),
            path: p.into(),
        };
        assert!(allows(&rule, &get("/api")));
        assert!(allows(&rule, &get("/apis/apps/v1")));
        assert!(!allows(&rule, &get("/api/v1")));
        assert!(!allows(&rule, &patch_deploy("x")));
    }
}
