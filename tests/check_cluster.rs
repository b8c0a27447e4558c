//! `fluxops check --cluster` through the real binary against the simulated API server (kube-rs unmodified):
//! a change the live cluster refuses as immutable is a finding at its file:line (exit 1); a clean change prints
//! the diff against live (exit 0); a Secret's values never reach the output; the server's request log shows
//! that every write was a `dryRun=All` one, also with `--readonly`, and that nothing stored changed; an
//! unreachable cluster or an unknown context is exit 3 naming the context.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

mod support;

use fluxops::sim::SimOptions;
use fluxops::sim::server::SimServer;
use kube::api::{Api, ApiResource, DynamicObject, GroupVersionKind, Patch, PatchParams};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const KS: &str = "apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: apps
  namespace: flux-system
spec:
  interval: 10m
  path: ./apps
  prune: true
  sourceRef:
    kind: GitRepository
    name: flux-system
";

fn deployment(selector: &str, replicas: u32) -> String {
    format!(
        "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: apps
spec:
  replicas: {replicas}
  selector:
    matchLabels:
      app: {selector}
  template:
    metadata:
      labels:
        app: {selector}
    spec:
      containers:
        - name: web
          image: nginx:1.27
"
    )
}

const CONFIG: &str = "apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: apps
data:
  mode: fast
";

fn tool() -> bool {
    let found = fluxops::check::tool::detect().is_some();
    if !found {
        eprintln!("no kustomize/kubectl: skipped");
    }
    found
}

fn git(dir: &Path, args: &[&str]) {
    let ok = Command::new("git")
        .args(["-c", "user.email=t@t", "-c", "user.name=t"])
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(ok.status.success(), "git {args:?}: {ok:?}");
}

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

/// A git repository whose base commit has `base` files, with `head` files written over it uncommitted.
fn repo(base: &[(&str, &str)], head: &[(&str, &str)]) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    git(root, &["init", "-q", "-b", "main"]);
    write(root, "clusters/dev/apps.yaml", KS);
    for (rel, text) in base {
        write(root, rel, text);
    }
    git(root, &["add", "-A"]);
    git(root, &["commit", "-q", "-m", "base"]);
    for (rel, text) in head {
        write(root, rel, text);
    }
    tmp
}

/// Applies `obj` to the live cluster as kustomize-controller would (a plain client, not fluxops).
async fn live(client: &kube::Client, obj: Value) {
    let api_version = obj["apiVersion"].as_str().unwrap();
    let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
    let gvk = GroupVersionKind::gvk(group, version, obj["kind"].as_str().unwrap());
    let ar = ApiResource::from_gvk(&gvk);
    let api: Api<DynamicObject> = Api::namespaced_with(
        client.clone(),
        obj["metadata"]["namespace"].as_str().unwrap(),
        &ar,
    );
    api.patch(
        obj["metadata"]["name"].as_str().unwrap(),
        &PatchParams::apply("kustomize-controller").force(),
        &Patch::Apply(&obj),
    )
    .await
    .unwrap();
}

fn live_deployment(selector: &str, replicas: u32) -> Value {
    json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "apps"},
           "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": selector}},
                    "template": {"metadata": {"labels": {"app": selector}},
                                 "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]}}}})
}

async fn server() -> (SimServer, kube::Client, tempfile::TempDir, PathBuf) {
    let (server, client) = support::sim::start_server(SimOptions::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("kubeconfig");
    server.write_kubeconfig(&kubeconfig).unwrap();
    (server, client, dir, kubeconfig)
}

async fn check(args: Vec<String>) -> Output {
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        support::cli::fluxops(&args)
    })
    .await
    .unwrap()
}

fn args(repo: &Path, kubeconfig: &Path, extra: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = vec![
        "check".into(),
        repo.display().to_string(),
        "--base".into(),
        "HEAD".into(),
        "--kubeconfig".into(),
        kubeconfig.display().to_string(),
    ];
    out.extend(extra.iter().map(|s| (*s).to_owned()));
    out
}

fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// Every write the server saw: (method, path and query, dry run).
fn writes(server: &SimServer) -> Vec<(String, String, bool)> {
    server
        .request_log()
        .entries()
        .into_iter()
        .filter(|e| e.is_write_verb())
        .map(|e| (e.method, e.path_and_query, e.dry_run))
        .collect()
}

/// Every write was a server-side apply with `dryRun=All` (the self-reviews aside), and there was one.
fn only_dry_runs(server: &SimServer) {
    let w = writes(server);
    assert!(
        w.iter().any(|(m, _, _)| m == "PATCH"),
        "no dry-run reached the server: {w:?}"
    );
    for (method, path, dry) in &w {
        assert!(
            *dry && path.contains("dryRun=All") && method == "PATCH",
            "a write that is not a dry-run: {method} {path}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_selector_the_live_object_refuses_is_a_finding_at_its_line() {
    if !tool() {
        return;
    }
    let (server, client, _k, kubeconfig) = server().await;
    live(&client, live_deployment("web", 1)).await;
    // Git never had this Deployment (no base-to-head immutable change): only the live object can say no.
    let head = deployment("web-v2", 1);
    // And a namespaced object without a namespace (no targetNamespace): kustomize-controller refuses it.
    let nons = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: nons\ndata:\n  a: b\n";
    let tmp = repo(
        &[("apps/config.yaml", CONFIG)],
        &[("apps/deployment.yaml", &head), ("apps/nons.yaml", nons)],
    );
    server.request_log().clear();
    let out = check(args(tmp.path(), &kubeconfig, &["--cluster", "fluxops-sim"])).await;
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    // At `selector:` (line 8), the field the 422 names, not the object's first line.
    assert!(
        stdout.contains("apps/deployment.yaml:8: error[cluster-immutable]: Deployment/apps/web: context fluxops-sim refuses"),
        "{stdout}"
    );
    assert!(stdout.contains("field is immutable"), "{stdout}");
    assert!(stdout.contains("recreate-immutable"), "{stdout}");
    assert!(
        stdout.contains("! Deployment/apps/web refused (422 Invalid)"),
        "{stdout}"
    );
    assert!(!stdout.contains("[immutable-field-changed]"), "{stdout}");
    assert!(
        stdout.contains("apps/nons.yaml:1: error[cluster-rejected]: ConfigMap/nons")
            && stdout.contains("namespace not specified"),
        "{stdout}"
    );
    only_dry_runs(&server);
    let api: Api<DynamicObject> = Api::namespaced_with(
        client.clone(),
        "apps",
        &ApiResource::from_gvk(&GroupVersionKind::gvk("apps", "v1", "Deployment")),
    );
    let stored = serde_json::to_value(api.get("web").await.unwrap()).unwrap();
    assert_eq!(stored["spec"]["selector"]["matchLabels"]["app"], "web");
}

/// One kubeconfig with a context per server, named as given (each server's own cluster and user).
fn merged_kubeconfig(servers: &[(&str, &SimServer)], path: &Path) {
    let (mut clusters, mut contexts, mut users) = (Vec::new(), Vec::new(), Vec::new());
    for (name, server) in servers {
        let one: Value = serde_saphyr::from_str(&server.kubeconfig_yaml()).unwrap();
        let user = format!("{name}-user");
        let mut cluster = one["clusters"][0].clone();
        cluster["name"] = json!(name);
        let mut u = one["users"][0].clone();
        u["name"] = json!(user);
        let mut context = one["contexts"][0].clone();
        context["name"] = json!(name);
        context["context"]["cluster"] = json!(name);
        context["context"]["user"] = json!(user);
        clusters.push(cluster);
        users.push(u);
        contexts.push(context);
    }
    let doc = json!({"apiVersion": "v1", "kind": "Config", "clusters": clusters, "contexts": contexts,
                     "users": users, "current-context": servers[0].0});
    // JSON is YAML.
    std::fs::write(path, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn several_contexts_are_each_dry_run_and_named_on_their_findings_and_diffs() {
    if !tool() {
        return;
    }
    // staging has the Deployment with the old selector (refuses the change); prod does not have it yet.
    let (staging, staging_client) = support::sim::start_server(SimOptions::default()).await;
    let (prod, _prod_client) = support::sim::start_server(SimOptions::default()).await;
    live(&staging_client, live_deployment("web", 1)).await;
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("kubeconfig");
    merged_kubeconfig(&[("staging", &staging), ("prod", &prod)], &kubeconfig);
    let tmp = repo(
        &[("apps/config.yaml", CONFIG)],
        &[("apps/deployment.yaml", &deployment("web-v2", 1))],
    );
    staging.request_log().clear();
    let out = check(args(
        tmp.path(),
        &kubeconfig,
        &["--cluster", "--context", "staging", "--context", "prod"],
    ))
    .await;
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("apps/deployment.yaml:8: error[cluster-immutable]: Deployment/apps/web: context staging refuses"),
        "{stdout}"
    );
    assert!(!stdout.contains("context prod refuses"), "{stdout}");
    assert!(
        stdout.contains("dry-run against context staging"),
        "{stdout}"
    );
    assert!(stdout.contains("dry-run against context prod"), "{stdout}");
    let prod_diff = stdout.split("dry-run against context prod").nth(1).unwrap();
    assert!(
        prod_diff.contains("+ Deployment/apps/web (created)"),
        "{stdout}"
    );
    only_dry_runs(&staging);
    only_dry_runs(&prod);
    // JSON: `clusters`, each with its context, in the order given.
    let out = check(args(
        tmp.path(),
        &kubeconfig,
        &[
            "--cluster",
            "--context",
            "staging",
            "--context",
            "prod",
            "-o",
            "json",
        ],
    ))
    .await;
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(doc.get("cluster").is_none(), "{doc:#}");
    let contexts: Vec<&str> = doc["clusters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["context"].as_str().unwrap())
        .collect();
    assert_eq!(contexts, ["staging", "prod"]);
    // `--cluster NAME` names one context: with several it is a usage error (exit 3), nothing sent.
    staging.request_log().clear();
    let out = check(args(
        tmp.path(),
        &kubeconfig,
        &[
            "--cluster",
            "staging",
            "--context",
            "staging",
            "--context",
            "prod",
        ],
    ))
    .await;
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("--cluster staging names one context"),
        "{stderr}"
    );
    assert!(writes(&staging).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clean_change_prints_the_diff_against_live_and_stores_nothing_also_read_only() {
    if !tool() {
        return;
    }
    let (server, client, _k, kubeconfig) = server().await;
    live(&client, live_deployment("web", 1)).await;
    let base = deployment("web", 1);
    let head = deployment("web", 3);
    // A second Kustomization the change does not feed: its objects are not sent.
    let other_ks = KS
        .replace("name: apps", "name: other")
        .replace("./apps", "./other");
    let other_cm = CONFIG.replace("name: settings", "name: untouched");
    let tmp = repo(
        &[
            ("apps/deployment.yaml", &base),
            ("clusters/dev/other.yaml", &other_ks),
            ("other/config.yaml", &other_cm),
        ],
        &[
            ("apps/deployment.yaml", &head),
            ("apps/config.yaml", CONFIG),
        ],
    );
    for extra in [&["--cluster"][..], &["--cluster", "--readonly"][..]] {
        server.request_log().clear();
        let out = check(args(tmp.path(), &kubeconfig, extra)).await;
        let (stdout, stderr) = text(&out);
        assert_eq!(out.status.code(), Some(0), "{extra:?}: {stdout}\n{stderr}");
        assert!(
            stdout.contains("dry-run against context fluxops-sim"),
            "{stdout}"
        );
        assert!(
            stdout.contains("~ Deployment/apps/web (changed)\n      spec.replicas: 1 → 3\n"),
            "{stdout}"
        );
        assert!(
            stdout.contains("+ ConfigMap/apps/settings (created)"),
            "{stdout}"
        );
        assert!(!stdout.contains("untouched"), "{stdout}");
        only_dry_runs(&server);
        assert!(
            !writes(&server)
                .iter()
                .any(|(_, p, _)| p.contains("untouched")),
            "an object of a Kustomization the change does not feed was sent"
        );
    }
    let api: Api<DynamicObject> = Api::namespaced_with(
        client.clone(),
        "apps",
        &ApiResource::from_gvk(&GroupVersionKind::gvk("apps", "v1", "Deployment")),
    );
    let stored = serde_json::to_value(api.get("web").await.unwrap()).unwrap();
    assert_eq!(stored["spec"]["replicas"], 1, "the dry-run stored nothing");
    let cms: Api<DynamicObject> = Api::namespaced_with(
        client,
        "apps",
        &ApiResource::from_gvk(&GroupVersionKind::gvk("", "v1", "ConfigMap")),
    );
    assert!(cms.get_opt("settings").await.unwrap().is_none());
    // Unchanged on a second look once Git equals live.
    let same = repo(
        &[("apps/config.yaml", CONFIG)],
        &[("apps/deployment.yaml", &base)],
    );
    let out = check(args(same.path(), &kubeconfig, &["--cluster"])).await;
    let (stdout, _) = text(&out);
    assert!(
        stdout.contains("= Deployment/apps/web (unchanged)"),
        "{stdout}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secret_values_never_reach_the_output() {
    if !tool() {
        return;
    }
    let (server, client, _k, kubeconfig) = server().await;
    let old = "old-secret-value-4711";
    let new = "new-secret-value-0815";
    let fresh = "fresh-token-value-2342";
    let b64 = |s: &str| base64::Engine::encode(&base64::engine::general_purpose::STANDARD, s);
    live(
        &client,
        json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "creds", "namespace": "apps"},
               "type": "Opaque", "data": {"password": b64(old)}}),
    )
    .await;
    let changed = format!(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\n  namespace: apps\ntype: Opaque\nstringData:\n  password: {new}\n"
    );
    let created = format!(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: token\n  namespace: apps\ntype: Opaque\ndata:\n  token: {}\n",
        b64(fresh)
    );
    let tmp = repo(
        &[("apps/config.yaml", CONFIG)],
        &[("apps/creds.yaml", &changed), ("apps/token.yaml", &created)],
    );
    server.request_log().clear();
    for format in ["text", "json", "sarif"] {
        let out = check(args(
            tmp.path(),
            &kubeconfig,
            &["--cluster", "--output", format],
        ))
        .await;
        let (stdout, stderr) = text(&out);
        assert_eq!(out.status.code(), Some(0), "{format}: {stdout}\n{stderr}");
        for secret in [old, new, fresh, &b64(old), &b64(new), &b64(fresh)] {
            assert!(
                !stdout.contains(secret) && !stderr.contains(secret),
                "{format}: {secret} shown:\n{stdout}\n{stderr}"
            );
        }
        if format == "json" {
            let doc: Value = serde_json::from_str(&stdout).unwrap();
            let objects = doc["cluster"]["objects"].as_array().unwrap();
            let creds = objects
                .iter()
                .find(|o| o["object"] == "Secret/apps/creds")
                .unwrap();
            assert_eq!(creds["result"], "changed");
            assert_eq!(creds["fields"][0]["live"], "(hidden)");
            assert_eq!(doc["cluster"]["context"], "fluxops-sim");
        }
        if format == "text" {
            assert!(
                stdout.contains(
                    "~ Secret/apps/creds (changed)\n      data.password: (hidden) → (hidden)\n"
                ),
                "{stdout}"
            );
            assert!(stdout.contains("+ Secret/apps/token (created)"), "{stdout}");
        }
    }
    only_dry_runs(&server);
}

/// An identity RBAC does not let patch a kind: that object was not checked against the cluster, a warning at
/// its file:line (exit 0, 1 with `--fail-on warning`), while the other objects are still dry-run.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_object_the_identity_may_not_patch_is_a_warning_and_the_rest_is_checked() {
    if !tool() {
        return;
    }
    let options = SimOptions {
        forbidden: vec![fluxops::sim::GroupResource::new("", "configmaps")],
        ..SimOptions::default()
    };
    let (server, client) = support::sim::start_server(options).await;
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("kubeconfig");
    server.write_kubeconfig(&kubeconfig).unwrap();
    live(&client, live_deployment("web", 1)).await;
    let tmp = repo(
        &[("apps/deployment.yaml", &deployment("web", 1))],
        &[
            ("apps/deployment.yaml", &deployment("web", 2)),
            ("apps/config.yaml", CONFIG),
        ],
    );
    server.request_log().clear();
    let out = check(args(tmp.path(), &kubeconfig, &["--cluster"])).await;
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("apps/config.yaml:1: warning[cluster-forbidden]: ConfigMap/apps/settings"),
        "{stdout}"
    );
    assert!(
        stdout.contains("~ Deployment/apps/web (changed)\n      spec.replicas: 1 → 2\n"),
        "{stdout}"
    );
    only_dry_runs(&server);
    let out = check(args(
        tmp.path(),
        &kubeconfig,
        &["--cluster", "--fail-on", "warning"],
    ))
    .await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out).0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_cluster_or_unknown_context_cannot_check() {
    if !tool() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("kubeconfig");
    // A port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    std::fs::write(
        &kubeconfig,
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: gone\n  cluster:\n    server: http://127.0.0.1:{port}\ncontexts:\n- name: prod-eu\n  context:\n    cluster: gone\n    user: u\ncurrent-context: prod-eu\nusers:\n- name: u\n  user:\n    token: t\n"
        ),
    )
    .unwrap();
    let tmp = repo(
        &[("apps/config.yaml", CONFIG)],
        &[("apps/deployment.yaml", &deployment("web", 1))],
    );
    let out = check(args(tmp.path(), &kubeconfig, &["--cluster"])).await;
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(3), "{stdout}\n{stderr}");
    assert!(stderr.contains("prod-eu"), "{stderr}");
    assert!(stderr.contains(&port.to_string()), "{stderr}");
    let out = check(args(tmp.path(), &kubeconfig, &["--cluster", "staging"])).await;
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(3), "{stdout}\n{stderr}");
    assert!(stderr.contains("staging"), "{stderr}");
    let out = check(args(
        tmp.path(),
        &kubeconfig,
        &["--cluster", "staging", "--context", "prod-eu"],
    ))
    .await;
    assert_eq!(out.status.code(), Some(3));
    assert!(text(&out).1.contains("different contexts"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_multi_cluster_repository_needs_the_entry_the_context_runs() {
    if !tool() {
        return;
    }
    let (server, _client, _k, kubeconfig) = server().await;
    let tmp = repo(
        &[
            ("clusters/prod/apps.yaml", KS),
            ("apps/config.yaml", CONFIG),
        ],
        &[("apps/deployment.yaml", &deployment("web", 1))],
    );
    server.request_log().clear();
    let out = check(args(tmp.path(), &kubeconfig, &["--cluster"])).await;
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(3), "{stdout}\n{stderr}");
    assert!(stderr.contains("--entry"), "{stderr}");
    assert!(writes(&server).is_empty());
    let out = check(args(
        tmp.path(),
        &kubeconfig,
        &["--cluster", "--entry", "prod"],
    ))
    .await;
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("+ Deployment/apps/web (created)"),
        "{stdout}"
    );
    only_dry_runs(&server);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_context_is_dry_run_with_the_cluster_entry_point_it_is_named_after() {
    if !tool() {
        return;
    }
    // Both clusters run `web` with the old selector; the staging entry point changes it, production does not.
    let (staging, staging_client) = support::sim::start_server(SimOptions::default()).await;
    let (prod, prod_client) = support::sim::start_server(SimOptions::default()).await;
    live(&staging_client, live_deployment("web", 1)).await;
    live(&prod_client, live_deployment("web", 1)).await;
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("kubeconfig");
    merged_kubeconfig(
        &[
            ("kind-staging", &staging),
            ("production", &prod),
            ("lab", &prod),
        ],
        &kubeconfig,
    );
    let entry = |path: &str| KS.replace("path: ./apps", &format!("path: ./{path}"));
    let tmp = repo(
        &[],
        &[
            ("clusters/staging/apps.yaml", &entry("apps-staging")),
            ("clusters/production/apps.yaml", &entry("apps-production")),
            ("apps-staging/deployment.yaml", &deployment("web-v2", 1)),
            ("apps-production/deployment.yaml", &deployment("web", 2)),
        ],
    );
    staging.request_log().clear();
    prod.request_log().clear();
    let out = check(args(
        tmp.path(),
        &kubeconfig,
        &[
            "--cluster",
            "--context",
            "kind-staging",
            "--context",
            "production",
        ],
    ))
    .await;
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("apps-staging/deployment.yaml:8: error[cluster-immutable]: Deployment/apps/web: context kind-staging refuses"),
        "{stdout}"
    );
    assert!(!stdout.contains("context production refuses"), "{stdout}");
    assert!(
        stdout.contains("dry-run against context kind-staging ("),
        "{stdout}"
    );
    assert!(stdout.contains("of clusters/staging:"), "{stdout}");
    let prod_diff = stdout.split("of clusters/production:").nth(1).unwrap();
    assert!(
        prod_diff.contains("~ Deployment/apps/web (changed)"),
        "{stdout}"
    );
    assert!(prod_diff.contains("spec.replicas: 1 → 2"), "{stdout}");
    only_dry_runs(&staging);
    only_dry_runs(&prod);
    // A context named after no entry point: exit 3 naming it and the entry points; nothing sent.
    prod.request_log().clear();
    let out = check(args(tmp.path(), &kubeconfig, &["--cluster", "lab"])).await;
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(3), "{stdout}\n{stderr}");
    assert!(
        stderr.contains("context 'lab' is not named after one of this repository's cluster entry points (clusters/{dev,production,staging})")
            && stderr.contains("--entry NAME"),
        "{stderr}"
    );
    assert!(writes(&prod).is_empty(), "{:?}", writes(&prod));
    // --entry says which, whatever the context's name.
    let out = check(args(
        tmp.path(),
        &kubeconfig,
        &["--cluster", "lab", "--entry", "production"],
    ))
    .await;
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
}
