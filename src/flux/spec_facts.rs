//! What a Flux object's full spec says about where its content comes from, as (label, value) lines for the
//! drill-down: for sources their URL, `ref`, provider, `secretRef` and verification; for a HelmRelease its chart,
//! version and values sources; for a Kustomization its source, path and the Secrets it decrypts or substitutes
//! from. Read from the object as served (JSON), since the watchers keep only what the graph and timings use.
//!
//! **Names only**: a Secret or ConfigMap is named, never read; inline HelmRelease `values` are counted, never
//! shown (they often carry credentials). Strings are not sanitised here (the view does that).

use serde_json::Value;

fn text<'a>(obj: &'a Value, pointer: &str) -> Option<&'a str> {
    obj.pointer(pointer)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

fn push(out: &mut Vec<(String, String)>, label: &str, value: Option<impl Into<String>>) {
    if let Some(v) = value {
        out.push((label.to_owned(), v.into()));
    }
}

/// `kind/name` (with `namespace/` when given) of a reference object.
fn reference(r: &Value) -> Option<String> {
    let name = text(r, "/name")?;
    let kind = text(r, "/kind").unwrap_or("");
    let ns = text(r, "/namespace")
        .map(|n| format!("{n}/"))
        .unwrap_or_default();
    Some(if kind.is_empty() {
        format!("{ns}{name}")
    } else {
        format!("{kind}/{ns}{name}")
    })
}

/// The `spec.ref` of a source as `branch main`, `tag v1.2.3`, `semver >=1.0`, `commit 0a1b…`, `digest …`.
fn source_ref(spec_ref: &Value) -> Option<String> {
    let Some(map) = spec_ref.as_object() else {
        return spec_ref.as_str().map(str::to_owned);
    };
    let order = [
        "name",
        "commit",
        "digest",
        "semver",
        "semverFilter",
        "tag",
        "branch",
    ];
    let parts: Vec<String> = order
        .iter()
        .filter_map(|k| {
            let v = map.get(*k)?.as_str().filter(|s| !s.is_empty())?;
            Some(format!("{k} {v}"))
        })
        .collect();
    (!parts.is_empty()).then(|| parts.join(", "))
}

/// `spec.verify` (Git: `mode` + `secretRef`; OCI: `provider` + `secretRef` / `matchOIDCIdentity`).
fn verification(verify: &Value) -> Option<String> {
    verify.as_object()?;
    let mut parts = Vec::new();
    if let Some(p) = text(verify, "/provider") {
        parts.push(p.to_owned());
    }
    if let Some(m) = text(verify, "/mode") {
        parts.push(format!("mode {m}"));
    }
    if let Some(s) = text(verify, "/secretRef/name") {
        parts.push(format!("keys in Secret {s}"));
    }
    if let Some(ids) = verify.get("matchOIDCIdentity").and_then(Value::as_array)
        && !ids.is_empty()
    {
        parts.push(format!("{} OIDC identities", ids.len()));
    }
    Some(if parts.is_empty() {
        "enabled".to_owned()
    } else {
        parts.join(", ")
    })
}

/// The facts of `obj` (a Flux object as served), in display order.
#[must_use]
pub fn of(obj: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let kind = text(obj, "/kind").unwrap_or("");
    let spec = obj.get("spec").unwrap_or(&Value::Null);
    match kind {
        "GitRepository" | "OCIRepository" | "HelmRepository" | "Bucket" => {
            push(&mut out, "URL", text(spec, "/url"));
            if kind == "Bucket" {
                push(&mut out, "Bucket", text(spec, "/bucketName"));
                push(&mut out, "Endpoint", text(spec, "/endpoint"));
                push(&mut out, "Region", text(spec, "/region"));
            }
            if kind == "HelmRepository" {
                push(&mut out, "Type", text(spec, "/type"));
            }
            push(&mut out, "Ref", spec.get("ref").and_then(source_ref));
            push(&mut out, "Provider", text(spec, "/provider"));
            push(&mut out, "Secret", text(spec, "/secretRef/name"));
            push(&mut out, "Cert secret", text(spec, "/certSecretRef/name"));
            push(&mut out, "Proxy secret", text(spec, "/proxySecretRef/name"));
            push(
                &mut out,
                "Verify",
                spec.get("verify").and_then(verification),
            );
            push(&mut out, "Artifact", text(obj, "/status/artifact/revision"));
        }
        "HelmChart" => {
            push(&mut out, "Chart", text(spec, "/chart"));
            push(&mut out, "Version", text(spec, "/version"));
            push(
                &mut out,
                "Source",
                spec.get("sourceRef").and_then(reference),
            );
            push(
                &mut out,
                "Verify",
                spec.get("verify").and_then(verification),
            );
        }
        "HelmRelease" => helm_release(obj, spec, &mut out),
        "Kustomization" => {
            push(
                &mut out,
                "Source",
                spec.get("sourceRef").and_then(reference),
            );
            push(&mut out, "Path", text(spec, "/path"));
            push(&mut out, "Target ns", text(spec, "/targetNamespace"));
            push(&mut out, "Service acct", text(spec, "/serviceAccountName"));
            push(
                &mut out,
                "Decryption",
                text(spec, "/decryption/secretRef/name").map(|s| format!("Secret {s}")),
            );
            for r in array(spec, "/postBuild/substituteFrom") {
                push(&mut out, "Substitute", reference(r));
            }
            push(
                &mut out,
                "Applied",
                text(obj, "/status/lastAppliedRevision"),
            );
        }
        _ => {}
    }
    out
}

fn array<'a>(obj: &'a Value, pointer: &str) -> impl Iterator<Item = &'a Value> {
    obj.pointer(pointer)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
}

fn helm_release(obj: &Value, spec: &Value, out: &mut Vec<(String, String)>) {
    if let Some(template) = spec.pointer("/chart/spec") {
        push(out, "Chart", text(template, "/chart"));
        push(
            out,
            "Version",
            text(template, "/version").or(Some("latest")),
        );
        push(out, "Source", template.get("sourceRef").and_then(reference));
    } else {
        push(out, "Chart", spec.get("chartRef").and_then(reference));
    }
    // `status.history` is newest first; the release running is the newest `deployed` one, and a newer
    // attempt that did not deploy is named with how it ended.
    let chart = |h: &Value| {
        Some(format!(
            "{}@{}",
            text(h, "/chartName")?,
            text(h, "/chartVersion")?
        ))
    };
    let history: Vec<&Value> = array(obj, "/status/history").collect();
    let deployed = history
        .iter()
        .position(|h| text(h, "/status") == Some("deployed"));
    push(out, "Deployed", deployed.and_then(|i| chart(history[i])));
    if let Some(last) = history.first().filter(|_| deployed != Some(0)) {
        let status = text(last, "/status").unwrap_or("unknown");
        push(
            out,
            "Attempted",
            chart(last).map(|c| format!("{c} ({status})")),
        );
    }
    push(out, "Release", text(spec, "/releaseName"));
    push(out, "Target ns", text(spec, "/targetNamespace"));
    for v in array(spec, "/valuesFrom") {
        let Some(name) = text(v, "/name") else {
            continue;
        };
        let kind = text(v, "/kind").unwrap_or("ConfigMap");
        let key = text(v, "/valuesKey")
            .map(|k| format!(" key {k}"))
            .unwrap_or_default();
        let optional = if v.get("optional").and_then(Value::as_bool) == Some(true) {
            " (optional)"
        } else {
            ""
        };
        out.push((
            "Values from".to_owned(),
            format!("{kind}/{name}{key}{optional}"),
        ));
    }
    if let Some(values) = spec.get("values").and_then(Value::as_object)
        && !values.is_empty()
    {
        let n = values.len();
        let keys = if n == 1 { "key" } else { "keys" };
        out.push((
            "Values".to_owned(),
            format!("inline, {n} top-level {keys} (not shown)"),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::of;
    use serde_json::json;

    #[test]
    fn sources_name_their_url_ref_provider_and_secrets_but_nothing_secret() {
        let git = json!({"kind": "GitRepository", "spec": {
            "url": "https://github.com/acme/platform-secrets", "ref": {"branch": "main"},
            "secretRef": {"name": "platform-secrets-auth"},
            "verify": {"mode": "HEAD", "secretRef": {"name": "pgp-public-keys"}}},
            "status": {"artifact": {"revision": "main@sha1:0123"}}});
        assert_eq!(
            of(&git),
            [
                ("URL", "https://github.com/acme/platform-secrets"),
                ("Ref", "branch main"),
                ("Secret", "platform-secrets-auth"),
                ("Verify", "mode HEAD, keys in Secret pgp-public-keys"),
                ("Artifact", "main@sha1:0123"),
            ]
            .map(|(a, b)| (a.to_owned(), b.to_owned()))
        );
        let oci = json!({"kind": "OCIRepository", "spec": {"url": "oci://ghcr.io/x", "provider": "aws",
            "ref": {"semver": ">=6.5.0 <7.0.0"},
            "verify": {"provider": "cosign", "matchOIDCIdentity": [{"issuer": "a", "subject": "b"}]}}});
        let facts = of(&oci);
        assert!(facts.contains(&("Provider".to_owned(), "aws".to_owned())));
        assert!(facts.contains(&("Ref".to_owned(), "semver >=6.5.0 <7.0.0".to_owned())));
        assert!(facts.contains(&("Verify".to_owned(), "cosign, 1 OIDC identities".to_owned())));
    }

    #[test]
    fn a_helm_release_names_its_chart_and_values_sources_never_the_values() {
        let hr = json!({"kind": "HelmRelease", "spec": {
            "chart": {"spec": {"chart": "redis", "version": "20.x", "sourceRef": {"kind": "HelmRepository", "name": "bitnami"}}},
            "valuesFrom": [{"kind": "Secret", "name": "redis-values", "valuesKey": "prod.yaml"},
                           {"name": "common", "optional": true}],
            "values": {"auth": {"password": "hunter2"}}},
            "status": {"history": [{"chartName": "redis", "chartVersion": "20.6.3", "status": "failed"},
                                   {"chartName": "redis", "chartVersion": "20.6.2", "status": "deployed"}]}});
        let facts = of(&hr);
        let text = format!("{facts:?}");
        assert!(!text.contains("hunter2"), "{text}");
        assert_eq!(facts[0], ("Chart".to_owned(), "redis".to_owned()));
        assert_eq!(facts[1], ("Version".to_owned(), "20.x".to_owned()));
        assert_eq!(
            facts[2],
            ("Source".to_owned(), "HelmRepository/bitnami".to_owned())
        );
        assert_eq!(facts[3], ("Deployed".to_owned(), "redis@20.6.2".to_owned()));
        assert_eq!(
            facts[4],
            ("Attempted".to_owned(), "redis@20.6.3 (failed)".to_owned())
        );
        assert!(facts.contains(&(
            "Values from".to_owned(),
            "Secret/redis-values key prod.yaml".to_owned()
        )));
        assert!(facts.contains(&(
            "Values from".to_owned(),
            "ConfigMap/common (optional)".to_owned()
        )));
        assert!(facts.contains(&(
            "Values".to_owned(),
            "inline, 1 top-level key (not shown)".to_owned()
        )));
        let by_ref = json!({"kind": "HelmRelease", "spec": {"chartRef": {"kind": "OCIRepository", "name": "podinfo", "namespace": "apps"}}});
        assert_eq!(
            of(&by_ref)[0],
            ("Chart".to_owned(), "OCIRepository/apps/podinfo".to_owned())
        );
    }

    #[test]
    fn a_kustomization_names_its_source_path_and_secret_inputs() {
        let ks = json!({"kind": "Kustomization", "spec": {"sourceRef": {"kind": "GitRepository", "name": "flux-system"},
            "path": "./apps", "decryption": {"provider": "sops", "secretRef": {"name": "sops-age"}},
            "postBuild": {"substituteFrom": [{"kind": "Secret", "name": "cluster-vars"}]}}});
        let facts = of(&ks);
        assert_eq!(
            facts[0],
            ("Source".to_owned(), "GitRepository/flux-system".to_owned())
        );
        assert!(facts.contains(&("Decryption".to_owned(), "Secret sops-age".to_owned())));
        assert!(facts.contains(&("Substitute".to_owned(), "Secret/cluster-vars".to_owned())));
    }
}
