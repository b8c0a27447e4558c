//! `fluxops snapshot` through the real binary against the simulated cluster, proved from what reached the
//! server (its request log), the cluster's objects and the audit log:
//! - snapshot → delete objects → restore: the objects are back with the snapshot's spec, labels and
//!   annotations; only PATCHes (server-side applies and suspend/resume) were sent, dry-run first, audited;
//! - a snapshot with one byte changed, a truncated, extra or missing file is refused naming the file, and a
//!   restore of it sends nothing; `--include-secrets` is refused;
//! - a suspended object restored stays suspended;
//! - `--dry-run` sends only dry-run requests; `--readonly` refuses with zero writes.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

#[path = "action_run_support/mod.rs"]
mod env;
mod support;

use env::{Env, OPERATOR, records, text};
use fluxops::audit::{Event, Outcome};
use kube::Api;
use kube::api::{ApiResource, DeleteParams, DynamicObject, GroupVersionKind, Patch, PatchParams};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::process::Output;

fn kc(env: &Env) -> String {
    env.kubeconfig.display().to_string()
}

fn snapshots(env: &Env) -> PathBuf {
    env.dir.path().join("data").join("snapshots")
}

async fn create(env: &Env, extra: &[&str]) -> String {
    let kubeconfig = kc(env);
    let mut args = vec!["snapshot", "create", "--kubeconfig", kubeconfig.as_str()];
    args.extend(extra);
    let out = env.fluxops(&args).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    stdout
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("snapshot "))
        .and_then(|l| l.split_whitespace().next())
        .unwrap()
        .to_owned()
}

async fn show(env: &Env, id: &str) -> Output {
    env.fluxops(&["snapshot", "show", id]).await
}

async fn restore(env: &Env, id: &str, extra: &[&str]) -> Output {
    let kubeconfig = kc(env);
    let mut args = vec![
        "snapshot",
        "restore",
        id,
        "--kubeconfig",
        kubeconfig.as_str(),
    ];
    args.extend(extra);
    env.fluxops(&args).await
}

fn api(
    client: &kube::Client,
    group: &str,
    version: &str,
    kind: &str,
    plural: &str,
    ns: &str,
) -> Api<DynamicObject> {
    let gvk = GroupVersionKind::gvk(group, version, kind);
    Api::namespaced_with(
        client.clone(),
        ns,
        &ApiResource::from_gvk_with_plural(&gvk, plural),
    )
}

fn ks_api(client: &kube::Client) -> Api<DynamicObject> {
    api(
        client,
        "kustomize.toolkit.fluxcd.io",
        "v1",
        "Kustomization",
        "kustomizations",
        "flux-system",
    )
}

async fn client(env: &Env) -> kube::Client {
    support::sim::client_from_kubeconfig(&env.sim.kubeconfig_yaml()).await
}

async fn get(api: &Api<DynamicObject>, name: &str) -> Option<Value> {
    api.get_opt(name)
        .await
        .unwrap()
        .map(|o| serde_json::to_value(o).unwrap())
}

/// Deletes `name` and waits (at most 5 s) until the server no longer has it.
async fn delete_and_wait(api: &Api<DynamicObject>, name: &str) {
    api.delete(name, &DeleteParams::default()).await.unwrap();
    for _ in 0..50 {
        if get(api, name).await.is_none() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(get(api, name).await.is_none(), "{name} is still there");
}

/// What a restore must bring back equal.
fn applied_part(obj: &Value) -> Value {
    json!({
        "spec": obj.get("spec"),
        "data": obj.get("data"),
        "labels": obj.pointer("/metadata/labels"),
        "annotations": obj.pointer("/metadata/annotations"),
    })
}

/// The stored object of `kind`/`name` in the snapshot's files.
fn stored(env: &Env, id: &str, file: &str, name: &str) -> Value {
    let path = snapshots(env).join(id).join("objects").join(file);
    let items: Vec<Value> =
        serde_saphyr::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    items
        .into_iter()
        .find(|o| o.pointer("/metadata/name").and_then(Value::as_str) == Some(name))
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleted_objects_are_restored_equal_through_the_one_mutation_path_and_audited() {
    let env = Env::demo().await;
    let c = client(&env).await;
    let ks = ks_api(&c);
    let cms = api(&c, "", "v1", "ConfigMap", "configmaps", "ingress-nginx");
    // The ConfigMap is applied by the simulated controller: wait for it (a fixed pause is too short on a busy
    // machine).
    for _ in 0..120 {
        if get(&cms, "ingress-nginx-custom-headers").await.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    let id = create(&env, &["--with-inventory"]).await;
    delete_and_wait(&ks, "monitoring-configs").await;
    cms.delete("ingress-nginx-custom-headers", &DeleteParams::default())
        .await
        .unwrap();
    env.sim.handle().request_log().clear();

    let out = restore(
        &env,
        &id,
        &[
            "--only",
            "ks/flux-system/monitoring-configs",
            "--only",
            "ConfigMap/ingress-nginx/ingress-*",
            "--yes",
            "--timeout",
            "90s",
        ],
    )
    .await;
    let shown = text(&out);
    assert_eq!(out.status.code(), Some(0), "{shown}");
    assert!(
        shown.contains("+ Kustomization/flux-system/monitoring-configs (deleted since"),
        "{shown}"
    );
    assert!(
        shown.contains("dry-run:       passed on the server"),
        "{shown}"
    );
    assert!(shown.contains("outcome:       succeeded"), "{shown}");

    let ks_now = get(&ks, "monitoring-configs").await.unwrap();
    let ks_then = stored(
        &env,
        &id,
        "Kustomization.kustomize.toolkit.fluxcd.io.yaml",
        "monitoring-configs",
    );
    assert_eq!(applied_part(&ks_now), applied_part(&ks_then));
    let cm_now = get(&cms, "ingress-nginx-custom-headers").await.unwrap();
    let cm_then = stored(&env, &id, "ConfigMap.yaml", "ingress-nginx-custom-headers");
    assert_eq!(applied_part(&cm_now), applied_part(&cm_then));

    // Only PATCHes: the dry-runs first, then suspend, apply, resume; never a DELETE, PUT or POST.
    let writes = env.writes_by(OPERATOR);
    assert!(writes.iter().all(|w| w.starts_with("PATCH ")), "{writes:?}");
    let first_real = writes
        .iter()
        .position(|w| w.ends_with("dryRun=false"))
        .unwrap();
    assert!(
        first_real > 0
            && writes[..first_real]
                .iter()
                .all(|w| w.ends_with("dryRun=true")),
        "{writes:?}"
    );
    let ks_path = "/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/flux-system/kustomizations/monitoring-configs";
    let cm_path = "/api/v1/namespaces/ingress-nginx/configmaps/ingress-nginx-custom-headers";
    for path in [ks_path, cm_path] {
        let real: Vec<&String> = writes
            .iter()
            .filter(|w| w.contains(path) && w.ends_with("dryRun=false"))
            .collect();
        assert_eq!(real.len(), 1, "{path}: {writes:?}");
        assert!(
            real[0].contains("fieldManager=fluxops") && real[0].contains("force=true"),
            "{writes:?}"
        );
    }
    let owner =
        "/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/flux-system/kustomizations/infra-configs?";
    assert_eq!(
        writes
            .iter()
            .filter(|w| w.contains(owner) && w.ends_with("dryRun=false"))
            .count(),
        2,
        "the owner suspended then resumed: {writes:?}"
    );
    let owner_obj = get(&ks, "infra-configs").await.unwrap();
    assert_eq!(owner_obj.pointer("/spec/suspend"), Some(&json!(false)));

    let events = records(&env.audit());
    assert!(
        events.iter().any(|e| matches!(e, Event::Decision { action, decision, .. } if action == "snapshot-restore" && decision.allow))
    );
    assert!(events.iter().any(|e| matches!(
        e,
        Event::Outcome { action, outcome: Outcome::Succeeded, .. } if action == "snapshot-restore"
    )));
    let verify = env.fluxops(&["audit", "--verify"]).await;
    assert_eq!(verify.status.code(), Some(0), "{}", text(&verify));
    env.sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_snapshot_restore_runbook_walks_a_deleted_object_back() {
    let env = Env::demo().await;
    let c = client(&env).await;
    let ks = ks_api(&c);
    let id = create(&env, &[]).await;
    let kept = stored(
        &env,
        &id,
        "Kustomization.kustomize.toolkit.fluxcd.io.yaml",
        "monitoring-configs",
    );
    delete_and_wait(&ks, "monitoring-configs").await;

    let transcript = env.dir.path().join("restore.md");
    let kubeconfig = kc(&env);
    let input = format!("snapshot={id}");
    let out = env
        .fluxops(&[
            "runbook",
            "run",
            "snapshot-restore",
            "--target",
            "Kustomization/flux-system/monitoring-configs",
            "--input",
            &input,
            "--yes",
            "--transcript",
            transcript.to_str().unwrap(),
            "--kubeconfig",
            &kubeconfig,
        ])
        .await;
    let shown = text(&out);
    assert_eq!(out.status.code(), Some(0), "{shown}");
    // Back as the snapshot holds it, through the action (audited), and the walk's record says so.
    let back = get(&ks, "monitoring-configs").await.expect("restored");
    assert_eq!(applied_part(&back), applied_part(&kept));
    assert!(records(&env.audit()).iter().any(|e| matches!(
        e,
        Event::Outcome { action, outcome: Outcome::Succeeded, .. } if action == "snapshot-restore"
    )));
    let record = std::fs::read_to_string(&transcript).unwrap();
    for step in [
        "Take a snapshot of now",
        "Review what changes",
        "Restore the object",
        "Verify",
        "Make Git agree",
    ] {
        assert!(record.contains(step), "{step} missing from:\n{record}");
    }
    assert!(
        record.contains(&format!(
            "Restoring Kustomization/flux-system/monitoring-configs from snapshot {id}"
        )),
        "{record}"
    );
    env.sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_altered_truncated_or_incomplete_snapshot_is_refused_naming_the_file() {
    let env = Env::demo().await;
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    let refused = env
        .fluxops(&[
            "snapshot",
            "create",
            "--include-secrets",
            "--kubeconfig",
            &kc(&env),
        ])
        .await;
    assert_eq!(refused.status.code(), Some(2), "{}", text(&refused));
    assert!(
        text(&refused).contains("never writes Secret data"),
        "{}",
        text(&refused)
    );

    let id = create(&env, &[]).await;
    let dir = snapshots(&env).join(&id);
    let file = dir
        .join("objects")
        .join("Kustomization.kustomize.toolkit.fluxcd.io.yaml");
    let original = std::fs::read(&file).unwrap();
    let check = |out: &Output, file: &str, problem: &str| {
        let shown = text(out);
        assert_eq!(out.status.code(), Some(1), "{shown}");
        assert!(
            shown.contains(file) && shown.contains(problem),
            "expected {file} and {problem} in {shown}"
        );
    };
    assert_eq!(show(&env, &id).await.status.code(), Some(0));

    // One byte changed (same size): the checksum names the file.
    let mut bytes = original.clone();
    let at = bytes.iter().position(|b| *b == b'm').unwrap();
    bytes[at] = b'n';
    std::fs::write(&file, &bytes).unwrap();
    let shown = file.display().to_string();
    check(&show(&env, &id).await, &shown, "checksum mismatch");
    env.sim.handle().request_log().clear();
    let out = restore(&env, &id, &["--yes"]).await;
    check(&out, &shown, "checksum mismatch");
    assert_eq!(env.writes_by(OPERATOR), Vec::<String>::new());

    // Truncated.
    std::fs::write(&file, &original[..original.len() / 2]).unwrap();
    check(&show(&env, &id).await, &shown, "truncated or altered");
    // Missing.
    std::fs::remove_file(&file).unwrap();
    check(&show(&env, &id).await, &shown, "no such file");
    // Back whole, plus a file the manifest does not list.
    std::fs::write(&file, &original).unwrap();
    assert_eq!(show(&env, &id).await.status.code(), Some(0));
    let extra = dir.join("objects").join("Secret.yaml");
    std::fs::write(
        &extra,
        "- {apiVersion: v1, kind: Secret, metadata: {name: x}}\n",
    )
    .unwrap();
    check(
        &show(&env, &id).await,
        &extra.display().to_string(),
        "does not list",
    );
    std::fs::remove_file(&extra).unwrap();
    // A manifest that is not JSON.
    let manifest = dir.join("manifest.json");
    let text_before = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(&manifest, &text_before[..text_before.len() - 2]).unwrap();
    check(
        &show(&env, &id).await,
        &manifest.display().to_string(),
        "not a snapshot manifest",
    );
    env.sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_suspended_object_restored_stays_suspended() {
    let env = Env::demo().await;
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    let c = client(&env).await;
    let ks = ks_api(&c);
    ks.patch(
        "monitoring-configs",
        &PatchParams::default(),
        &Patch::Merge(json!({"spec": {"suspend": true}})),
    )
    .await
    .unwrap();
    let id = create(&env, &[]).await;
    ks.delete("monitoring-configs", &DeleteParams::default())
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let out = restore(
        &env,
        &id,
        &[
            "--only",
            "Kustomization/flux-system/monitoring-configs",
            "--yes",
            "--timeout",
            "90s",
        ],
    )
    .await;
    let shown = text(&out);
    assert_eq!(out.status.code(), Some(0), "{shown}");
    assert!(
        shown.contains("kept suspended: Kustomization/flux-system/monitoring-configs"),
        "{shown}"
    );
    assert!(shown.contains("suspended, as in the snapshot"), "{shown}");
    // Still suspended after the owner's resume and a while of controllers running.
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    let now = get(&ks, "monitoring-configs").await.unwrap();
    assert_eq!(now.pointer("/spec/suspend"), Some(&json!(true)), "{now}");
    env.sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_run_sends_only_dry_runs_and_readonly_sends_nothing() {
    let env = Env::demo().await;
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    let id = create(&env, &["--with-inventory"]).await;
    let c = client(&env).await;
    let cms = api(&c, "", "v1", "ConfigMap", "configmaps", "ingress-nginx");
    cms.delete("ingress-nginx-custom-headers", &DeleteParams::default())
        .await
        .unwrap();
    env.sim.handle().request_log().clear();

    let out = restore(
        &env,
        &id,
        &["--only", "ConfigMap/*/*", "--dry-run", "--yes"],
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        text(&out).contains("dry-run:       passed on the server"),
        "{}",
        text(&out)
    );
    let writes = env.writes_by(OPERATOR);
    assert!(
        !writes.is_empty() && writes.iter().all(|w| w.ends_with("dryRun=true")),
        "{writes:?}"
    );
    assert!(get(&cms, "ingress-nginx-custom-headers").await.is_none());

    env.sim.handle().request_log().clear();
    let out = restore(
        &env,
        &id,
        &["--only", "ConfigMap/*/*", "--yes", "--readonly"],
    )
    .await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("read-only mode"), "{}", text(&out));
    assert_eq!(env.writes_by(OPERATOR), Vec::<String>::new());
    assert!(get(&cms, "ingress-nginx-custom-headers").await.is_none());

    // diff says what a restore would do, and exits 1 while the cluster differs.
    let out = env
        .fluxops(&["snapshot", "diff", &id, "--kubeconfig", &kc(&env)])
        .await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains(
            "- ConfigMap/ingress-nginx/ingress-nginx-custom-headers (deleted since the snapshot)"
        ),
        "{}",
        text(&out)
    );

    // The catalog action through the generic pipeline (what the console and the runbooks call).
    env.sim.handle().request_log().clear();
    let param = format!("snapshot={id}");
    let out = env
        .fluxops(&[
            "action",
            "run",
            "snapshot-restore",
            "ConfigMap/ingress-nginx/ingress-nginx-custom-headers",
            "--param",
            &param,
            "--yes",
            "--timeout",
            "90s",
        ])
        .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        text(&out).contains("outcome:       succeeded"),
        "{}",
        text(&out)
    );
    let back = get(&cms, "ingress-nginx-custom-headers").await.unwrap();
    let then = stored(&env, &id, "ConfigMap.yaml", "ingress-nginx-custom-headers");
    assert_eq!(applied_part(&back), applied_part(&then));
    let writes = env.writes_by(OPERATOR);
    assert!(writes.iter().all(|w| w.starts_with("PATCH ")), "{writes:?}");
    env.sim.shutdown().await;
}
