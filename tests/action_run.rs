//! `fluxops action run` through the real binary against the simulated cluster, proved from what reached the
//! server (its request log), the audit log and the cluster's objects:
//! - a reconcile succeeds: the exact patch (dry-run first), the audit records (two decisions and the outcome,
//!   the chain intact under `fluxops audit --verify`), the `FluxopsAction` Event;
//! - a denied action (a user policy), every action under `--readonly`, and every action while a user policy is
//!   broken each send zero writes; a user without RBAC is told what is missing before anything is sent;
//! - usage errors exit 2; a confirmation without a terminal and without `--yes` is refused.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

#[path = "action_run_support/mod.rs"]
mod env;
mod support;

use env::{Env, OPERATOR, ks, records, target_and_params, text};
use fluxops::actions::Catalog;
use fluxops::audit::{Event, Outcome};
use serde_json::Value;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reconcile_through_the_binary_is_patched_verified_audited_and_announced() {
    let env = Env::demo().await;
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    env.sim.handle().request_log().clear();
    let out = env
        .fluxops(&[
            "action",
            "run",
            "reconcile",
            "ks/flux-system/infra-controllers",
            "--yes",
        ])
        .await;
    let shown = text(&out);
    assert_eq!(out.status.code(), Some(0), "{shown}");
    assert!(shown.contains("policy:        allowed"), "{shown}");
    assert!(
        shown.contains("dry-run:       passed on the server"),
        "{shown}"
    );
    assert!(shown.contains("reconcile requested at"), "{shown}");
    assert!(shown.contains("outcome:       succeeded"), "{shown}");
    let path = "/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/flux-system/kustomizations/infra-controllers";
    let writes = env.writes_by(OPERATOR);
    let patches: Vec<&String> = writes.iter().filter(|w| w.starts_with("PATCH")).collect();
    assert_eq!(patches.len(), 2, "{writes:?}");
    assert!(
        patches[0].contains(path) && patches[0].ends_with("dryRun=true"),
        "{writes:?}"
    );
    assert!(
        patches[1].contains(path) && patches[1].ends_with("dryRun=false"),
        "{writes:?}"
    );
    assert!(
        writes.iter().all(|w| w.starts_with("PATCH")
            || w.starts_with("POST /api/v1/namespaces/flux-system/events")),
        "{writes:?}"
    );
    let obj = env.get(&ks("infra-controllers")).await;
    let requested = obj["metadata"]["annotations"]["reconcile.fluxcd.io/requestedAt"].clone();
    assert_eq!(obj["status"]["lastHandledReconcileAt"], requested);

    let events = records(&env.audit());
    assert_eq!(events.len(), 3, "{events:?}");
    assert!(matches!(&events[0], Event::Decision { decision, .. } if decision.allow));
    assert!(matches!(&events[1], Event::Decision { .. }));
    assert!(
        matches!(
            &events[2],
            Event::Outcome {
                outcome: Outcome::Succeeded,
                ..
            }
        ),
        "{events:?}"
    );
    let verified = env
        .fluxops(&[
            "audit",
            "--verify",
            "--file",
            &env.audit().display().to_string(),
        ])
        .await;
    assert_eq!(verified.status.code(), Some(0), "{}", text(&verified));

    let client = support::sim::client_from_kubeconfig(&env.sim.kubeconfig_yaml()).await;
    let api: kube::Api<k8s_openapi::api::core::v1::Event> =
        kube::Api::namespaced(client, "flux-system");
    let listed = api.list(&kube::api::ListParams::default()).await.unwrap();
    let ours: Vec<_> = listed
        .items
        .iter()
        .filter(|e| e.reason.as_deref() == Some("FluxopsAction"))
        .collect();
    assert_eq!(ours.len(), 1);
    assert_eq!(
        ours[0].involved_object.name.as_deref(),
        Some("infra-controllers")
    );
    let message = ours[0].message.clone().unwrap_or_default();
    assert!(
        message.contains("reconcile")
            && message.contains("succeeded")
            && message.contains(OPERATOR),
        "{message}"
    );
    env.sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn denied_read_only_and_broken_policy_actions_send_no_write() {
    let env = Env::demo().await;
    let catalog = Catalog::builtin().unwrap();

    // A user policy that denies reconciles.
    env.policy(
        "freeze.rego",
        "package user.freeze\n\ndeny contains \"change freeze: no reconciles\" if input.action.name == \"reconcile\"\n",
    );
    env.sim.handle().request_log().clear();
    let out = env
        .fluxops(&[
            "action",
            "run",
            "reconcile",
            "ks/flux-system/infra-controllers",
            "--yes",
        ])
        .await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("change freeze: no reconciles"),
        "{}",
        text(&out)
    );
    assert_eq!(env.writes_by(OPERATOR), Vec::<String>::new());

    // Every action under --readonly.
    std::fs::remove_file(env.config_dir().join("policies/freeze.rego")).unwrap();
    for spec in &catalog.actions {
        let (target, params) = target_and_params(&spec.name, spec.targets[0]);
        let mut args = vec![
            "action",
            "run",
            spec.name.as_str(),
            target.as_str(),
            "--yes",
            "--readonly",
        ];
        args.extend(params);
        let out = env.fluxops(&args).await;
        assert_eq!(out.status.code(), Some(1), "{}: {}", spec.name, text(&out));
        assert!(
            text(&out).contains("read-only mode"),
            "{}: {}",
            spec.name,
            text(&out)
        );
    }
    assert_eq!(env.writes_by(OPERATOR), Vec::<String>::new());

    // Every action while a user policy does not compile.
    env.policy(
        "broken.rego",
        "package user.broken\n\ndeny contains msg if {\n",
    );
    for spec in &catalog.actions {
        let (target, params) = target_and_params(&spec.name, spec.targets[0]);
        let mut args = vec![
            "action",
            "run",
            spec.name.as_str(),
            target.as_str(),
            "--yes",
        ];
        args.extend(params);
        let out = env.fluxops(&args).await;
        assert_eq!(out.status.code(), Some(1), "{}: {}", spec.name, text(&out));
        assert!(
            text(&out).contains("policies unavailable"),
            "{}: {}",
            spec.name,
            text(&out)
        );
    }
    assert_eq!(env.writes_by(OPERATOR), Vec::<String>::new());
    // Each was recorded as denied.
    let denied = records(&env.audit())
        .iter()
        .filter(|e| {
            matches!(
                e,
                Event::Outcome {
                    outcome: Outcome::Denied,
                    ..
                }
            )
        })
        .count();
    assert_eq!(denied, 1 + 2 * catalog.actions.len());
    env.sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usage_errors_exit_2_and_a_confirmation_without_a_terminal_is_refused() {
    let env = Env::demo().await;
    for args in [
        vec!["action", "run", "no-such-action", "ks/flux-system/apps"],
        vec!["action", "run", "reconcile", "Widget/a/b"],
        vec!["action", "run", "reconcile", "ks/apps"],
        vec![
            "action",
            "run",
            "scale",
            "Deployment/apps/podinfo",
            "--param",
            "replicas=-3",
        ],
        vec!["action", "run", "reconcile", "Deployment/apps/podinfo"],
        vec![
            "action",
            "run",
            "reconcile",
            "ks/flux-system/apps",
            "--timeout",
            "1h",
        ],
    ] {
        let out = env.fluxops(&args).await;
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", text(&out));
        assert!(
            String::from_utf8_lossy(&out.stderr).starts_with("error: "),
            "{}",
            text(&out)
        );
    }
    env.sim.handle().request_log().clear();
    let out = env
        .fluxops(&[
            "action",
            "run",
            "suspend",
            "ks/flux-system/infra-controllers",
        ])
        .await;
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("pass --yes"), "{}", text(&out));
    // Only the dry-run reached the server.
    assert!(
        env.writes_by(OPERATOR)
            .iter()
            .all(|w| w.ends_with("dryRun=true")),
        "{:?}",
        env.writes_by(OPERATOR)
    );
    env.sim.shutdown().await;
}

/// A user without the right to patch Kustomizations (a ServiceAccount that may only read Flux objects): the
/// access review says so before anything is sent, and the message names what is missing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forbidden_action_is_reported_before_anything_is_sent() {
    let env = Env::demo().await;
    let client = support::sim::client_from_kubeconfig(&env.sim.kubeconfig_yaml()).await;
    let create = |path: &'static str, body: Value| {
        let client = client.clone();
        async move {
            let request = http::Request::post(path)
                .header("content-type", "application/json")
                .body(serde_json::to_vec(&body).unwrap())
                .unwrap();
            client.request::<Value>(request).await.unwrap()
        }
    };
    create(
        "/api/v1/namespaces/flux-system/serviceaccounts",
        serde_json::json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "viewer", "namespace": "flux-system"}}),
    )
    .await;
    create(
        "/apis/rbac.authorization.k8s.io/v1/clusterroles",
        serde_json::json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "flux-viewer"},
            "rules": [{"apiGroups": ["kustomize.toolkit.fluxcd.io", "source.toolkit.fluxcd.io", "helm.toolkit.fluxcd.io"], "resources": ["*"], "verbs": ["get", "list", "watch"]}]}),
    )
    .await;
    create(
        "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
        serde_json::json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding", "metadata": {"name": "flux-viewer"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "flux-viewer"},
            "subjects": [{"kind": "ServiceAccount", "name": "viewer", "namespace": "flux-system"}]}),
    )
    .await;
    let issued = create(
        "/api/v1/namespaces/flux-system/serviceaccounts/viewer/token",
        serde_json::json!({"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", "spec": {"expirationSeconds": 3600}}),
    )
    .await;
    let token = issued["status"]["token"].as_str().unwrap();
    let yaml = env
        .sim
        .kubeconfig_yaml()
        .replace("token: fluxops-sim-token", &format!("token: {token}"));
    assert!(yaml.contains(token));
    std::fs::write(&env.kubeconfig, yaml).unwrap();

    env.sim.handle().request_log().clear();
    let out = env
        .fluxops(&[
            "action",
            "run",
            "suspend",
            "ks/flux-system/infra-controllers",
            "--yes",
        ])
        .await;
    let shown = text(&out);
    assert_eq!(out.status.code(), Some(1), "{shown}");
    assert!(
        shown.contains(
            "forbidden: cannot patch kustomizations.kustomize.toolkit.fluxcd.io in flux-system"
        ),
        "{shown}"
    );
    let user = "system:serviceaccount:flux-system:viewer";
    assert_eq!(env.writes_by(user), Vec::<String>::new());
    let reviews = env
        .sim
        .handle()
        .request_log()
        .entries()
        .into_iter()
        .filter(|e| e.user == user && e.path_and_query.contains("selfsubjectaccessreviews"))
        .count();
    assert!(reviews >= 1);
    env.sim.shutdown().await;
}

/// The API server gone: the error names the target and says it cannot be reached, in words (never kube's
/// wrappers such as "ServiceError: client error (Connect)"), exit 1.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_api_server_is_said_in_words() {
    let env = Env::demo().await;
    // The kubeconfig now points at a port nothing listens on.
    let gone = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let config = std::fs::read_to_string(&env.kubeconfig).unwrap();
    let moved = config.replace(&env.sim.url(), &format!("http://{gone}"));
    assert_ne!(moved, config);
    std::fs::write(&env.kubeconfig, moved).unwrap();
    let out = env
        .fluxops(&[
            "action",
            "run",
            "reconcile",
            "ks/flux-system/apps",
            "--dry-run",
        ])
        .await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("Kustomization/flux-system/apps")
            && stderr.contains("cannot reach the API server"),
        "{stderr}"
    );
    assert!(!stderr.contains("ServiceError"), "{stderr}");
    env.sim.shutdown().await;
}
