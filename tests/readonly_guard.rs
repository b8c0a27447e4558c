//! Read-only mode is enforced in the client: through the console's real connection (kubeconfig → kube-rs) to the
//! simulated API server, every write is refused before it is sent, and the server's request log proves nothing
//! reached it; reads and the self-review questions still go through. The same writes from a normal client do
//! reach the server (so the test can fail).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

mod support;

use fluxops::cluster::client::connect;
use fluxops::cluster::guard::refusal;
use fluxops::cluster::{ConnectOptions, Connection};
use fluxops::sim::SimOptions;
use fluxops::sim::server::SimServer;
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{Api, DeleteParams, ListParams, Patch, PatchParams, PostParams};
use serde_json::json;

async fn connection(server: &SimServer, readonly: bool) -> (Connection, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kubeconfig");
    server.write_kubeconfig(&path).unwrap();
    let options = ConnectOptions {
        kubeconfig: Some(path),
        readonly,
        ..ConnectOptions::default()
    };
    (connect(&options).await.unwrap(), dir)
}

fn config_map(name: &str) -> ConfigMap {
    serde_json::from_value(json!({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": "default"},
        "data": {"k": "v"}
    }))
    .unwrap()
}

fn writes(server: &SimServer) -> Vec<String> {
    server
        .request_log()
        .entries()
        .into_iter()
        .filter(|e| e.is_write_verb())
        .map(|e| format!("{} {}", e.method, e.path_and_query))
        .collect()
}

#[tokio::test]
async fn a_read_only_client_sends_no_write_and_still_reads() {
    let (server, plain) = support::sim::start_server(SimOptions::default()).await;
    Api::<ConfigMap>::namespaced(plain, "default")
        .create(&PostParams::default(), &config_map("existing"))
        .await
        .unwrap();
    server.request_log().clear();

    let (ro, _d2) = connection(&server, true).await;
    let api = Api::<ConfigMap>::namespaced(ro.client.clone(), "default");
    let listed = api.list(&ListParams::default()).await.unwrap();
    assert_eq!(listed.items.len(), 1, "reads go through");
    assert!(api.get("existing").await.is_ok());

    let mut refused = Vec::new();
    refused.push(
        api.create(&PostParams::default(), &config_map("new"))
            .await
            .unwrap_err(),
    );
    let dry_run = PostParams {
        dry_run: true,
        ..PostParams::default()
    };
    refused.push(api.create(&dry_run, &config_map("new")).await.unwrap_err());
    refused.push(
        api.patch(
            "existing",
            &PatchParams::default(),
            &Patch::Merge(json!({"data": {"k": "x"}})),
        )
        .await
        .unwrap_err(),
    );
    refused.push(
        api.replace("existing", &PostParams::default(), &config_map("existing"))
            .await
            .unwrap_err(),
    );
    refused.push(
        api.delete("existing", &DeleteParams::default())
            .await
            .unwrap_err(),
    );
    refused.push(
        api.delete_collection(&DeleteParams::default(), &ListParams::default())
            .await
            .unwrap_err(),
    );
    let exec = http::Request::get("/api/v1/namespaces/default/pods/web/exec?command=sh")
        .body(Vec::new())
        .unwrap();
    refused.push(
        ro.client
            .request::<serde_json::Value>(exec)
            .await
            .unwrap_err(),
    );
    for err in &refused {
        let r = refusal(err).unwrap_or_else(|| panic!("not a refusal: {err}"));
        assert!(
            err.to_string().contains("read-only mode") || r.to_string().contains("read-only mode")
        );
    }
    assert_eq!(
        writes(&server),
        Vec::<String>::new(),
        "nothing that writes reached the server"
    );
    assert!(
        !server
            .request_log()
            .entries()
            .iter()
            .any(|e| e.path_and_query.contains("/exec")),
        "exec never sent"
    );
    let stored = api.get("existing").await.unwrap();
    assert_eq!(stored.data.unwrap()["k"], "v");

    // A self-review asks and stores nothing: it passes the guard.
    let review = json!({
        "apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
        "spec": {"resourceAttributes": {"verb": "patch", "group": "apps", "resource": "deployments", "namespace": "default"}}
    });
    let request = http::Request::post("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews")
        .header("content-type", "application/json")
        .body(serde_json::to_vec(&review).unwrap())
        .unwrap();
    let answer = ro
        .client
        .request::<serde_json::Value>(request)
        .await
        .unwrap();
    assert_eq!(answer["kind"], "SelfSubjectAccessReview");
    assert_eq!(writes(&server).len(), 1, "{:?}", writes(&server));
}

/// The shared client of a writable connection is closed too: no write leaves without an execution's permit
/// (`execution` derives permitted clients), and the refusal says so. The same writes from a plain kube client
/// do reach the server (so the test can fail).
#[tokio::test]
async fn the_shared_client_refuses_writes_without_a_permit_and_a_plain_client_does_not() {
    let (server, plain) = support::sim::start_server(SimOptions::default()).await;
    let (shared, _dir) = connection(&server, false).await;
    assert!(!shared.opener.readonly());
    let api = Api::<ConfigMap>::namespaced(shared.client.clone(), "default");
    let refused = api
        .create(&PostParams::default(), &config_map("web"))
        .await
        .unwrap_err();
    let r = refusal(&refused).unwrap_or_else(|| panic!("not a refusal: {refused}"));
    assert!(r.why.contains("no execution permit"), "{r}");
    let dry_run = PostParams {
        dry_run: true,
        ..PostParams::default()
    };
    assert!(refusal(&api.create(&dry_run, &config_map("web")).await.unwrap_err()).is_some());
    assert_eq!(writes(&server), Vec::<String>::new());

    let api = Api::<ConfigMap>::namespaced(plain, "default");
    api.create(&PostParams::default(), &config_map("web"))
        .await
        .unwrap();
    api.patch(
        "web",
        &PatchParams::default(),
        &Patch::Merge(json!({"data": {"k": "x"}})),
    )
    .await
    .unwrap();
    api.delete("web", &DeleteParams::default()).await.unwrap();
    let sent = writes(&server);
    assert_eq!(sent.len(), 3, "{sent:?}");
}

/// The options every command and the console connect with (`launch::connect_options`): `--readonly` or the
/// `readonly: true` setting gives a read-only client (and opener); neither, a closed one whose opener may
/// derive permitted clients. Proved by what reaches the server and by the refusal's reason.
#[tokio::test]
async fn the_readonly_flag_and_setting_both_install_the_guard_for_the_commands_and_console() {
    use fluxops::cli::ClusterArgs;
    use fluxops::config::settings::Settings;
    use fluxops::launch::connect_options_with;
    let (server, _) = support::sim::start_server(SimOptions::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("kubeconfig");
    server.write_kubeconfig(&kubeconfig).unwrap();
    let on = Settings {
        readonly: true,
        ..Settings::default()
    };
    let off = Settings::default();
    for (flag, settings, guarded) in [
        (true, &off, true),
        (false, &on, true),
        (true, &on, true),
        (false, &off, false),
    ] {
        let args = ClusterArgs {
            kubeconfig: Some(kubeconfig.clone()),
            readonly: flag,
            ..ClusterArgs::default()
        };
        let options = connect_options_with(&args, settings);
        assert_eq!(options.readonly, guarded);
        let connection = connect(&options).await.unwrap();
        server.request_log().clear();
        let api = Api::<ConfigMap>::namespaced(connection.client.clone(), "default");
        let created = api
            .create(&PostParams::default(), &config_map("probe"))
            .await;
        let sent = writes(&server);
        assert_eq!(sent, Vec::<String>::new());
        assert_eq!(connection.opener.readonly(), guarded);
        let error = created.unwrap_err();
        let why = &refusal(&error)
            .unwrap_or_else(|| panic!("flag {flag}, setting {}: {error}", settings.readonly))
            .why;
        assert_eq!(
            why.contains("read-only mode"),
            guarded,
            "flag {flag}, setting {}: {why}",
            settings.readonly
        );
    }
}
