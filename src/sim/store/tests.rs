//! Store behaviour the HTTP layer and the simulated controllers rely on.

use super::*;
use crate::flux::FluxKind;
use serde_json::json;

fn ks(name: &str) -> Value {
    json!({
        "apiVersion": "kustomize.toolkit.fluxcd.io/v1",
        "kind": "Kustomization",
        "metadata": {"name": name, "labels": {"team": "a"}},
        "spec": {"interval": "10m", "path": "./apps", "prune": true, "force": false,
                 "sourceRef": {"kind": "GitRepository", "name": "fleet"}}
    })
}

fn gr() -> GroupResource {
    GroupResource::flux(FluxKind::Kustomization)
}

#[test]
fn create_defaults_observed_generation_and_starts_generation_at_one() {
    let store = Store::standard();
    let obj = store
        .create(&gr(), "apps", ks("demo"), &WriteOptions::default())
        .unwrap();
    assert_eq!(obj["status"], json!({"observedGeneration": -1}));
    assert_eq!(obj["metadata"]["generation"], json!(1));
    assert_eq!(obj["metadata"]["namespace"], json!("apps"));
    assert_eq!(
        obj["metadata"]["resourceVersion"],
        json!(store.resource_version().to_string())
    );
}

#[test]
fn dry_run_create_returns_the_object_without_storing_it() {
    let store = Store::standard();
    let rv = store.resource_version();
    let obj = store
        .create(&gr(), "apps", ks("dry"), &WriteOptions::dry_run())
        .unwrap();
    assert_eq!(obj["metadata"]["name"], json!("dry"));
    assert!(obj["metadata"].get("resourceVersion").is_none());
    assert_eq!(store.resource_version(), rv);
    assert!(
        store
            .get(&ObjectKey::flux(FluxKind::Kustomization, "apps", "dry"))
            .is_none()
    );
}

#[test]
fn annotation_patch_keeps_generation_and_spec_patch_bumps_it() {
    let store = Store::standard();
    store
        .create(&gr(), "apps", ks("demo"), &WriteOptions::default())
        .unwrap();
    let key = ObjectKey::flux(FluxKind::Kustomization, "apps", "demo");
    let obj = store
        .patch_metadata_annotations(&key, &[("reconcile.fluxcd.io/requestedAt", Some("now"))])
        .unwrap();
    assert_eq!(obj["metadata"]["generation"], json!(1));
    let obj = store
        .patch(
            &key,
            &Patch::Merge(json!({"spec": {"suspend": true}})),
            Subresource::Main,
            &WriteOptions::default(),
        )
        .unwrap();
    assert_eq!(obj["metadata"]["generation"], json!(2));
}

#[test]
fn status_on_the_main_resource_is_ignored_and_status_writes_keep_generation() {
    let store = Store::standard();
    store
        .create(&gr(), "apps", ks("demo"), &WriteOptions::default())
        .unwrap();
    let key = ObjectKey::flux(FluxKind::Kustomization, "apps", "demo");
    let before = store.get(&key).unwrap();
    let same = store
        .patch(
            &key,
            &Patch::Merge(json!({"status": {"observedGeneration": 9}})),
            Subresource::Main,
            &WriteOptions::default(),
        )
        .unwrap();
    assert_eq!(
        same["metadata"]["resourceVersion"],
        before["metadata"]["resourceVersion"]
    );
    let after = store
        .patch_status(&key, &json!({"observedGeneration": 1}))
        .unwrap();
    assert_eq!(after["status"]["observedGeneration"], json!(1));
    assert_eq!(after["metadata"]["generation"], json!(1));
    let replaced = store
        .update_status(&key, json!({"conditions": []}))
        .unwrap();
    assert_eq!(replaced["status"], json!({"conditions": []}));
}

#[test]
fn put_with_a_stale_resource_version_conflicts() {
    let store = Store::standard();
    let created = store
        .create(&gr(), "apps", ks("demo"), &WriteOptions::default())
        .unwrap();
    let key = ObjectKey::flux(FluxKind::Kustomization, "apps", "demo");
    store
        .patch_metadata_annotations(&key, &[("a", Some("b"))])
        .unwrap();
    let err = store
        .update(&key, (*created).clone(), &WriteOptions::default())
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict { .. }));
}

#[test]
fn generate_name_gets_a_random_suffix() {
    let store = Store::standard();
    let mut obj = ks("x");
    obj["metadata"] = json!({"generateName": "fluxops-"});
    let created = store
        .create(&gr(), "apps", obj, &WriteOptions::default())
        .unwrap();
    let name = created["metadata"]["name"].as_str().unwrap();
    assert!(name.starts_with("fluxops-") && name.len() == "fluxops-".len() + 5);
}

#[test]
fn apply_creates_then_merges() {
    let store = Store::standard();
    let key = ObjectKey::flux(FluxKind::Kustomization, "apps", "ssa");
    let created = store
        .patch(
            &key,
            &Patch::Apply(ks("ssa")),
            Subresource::Main,
            &WriteOptions::manager("fluxops"),
        )
        .unwrap();
    assert_eq!(
        created["metadata"]["managedFields"][0]["operation"],
        json!("Apply")
    );
    let merged = store
        .patch(
            &key,
            &Patch::Apply(json!({"spec": {"path": "./y"}})),
            Subresource::Main,
            &WriteOptions::manager("fluxops"),
        )
        .unwrap();
    assert_eq!(merged["spec"]["path"], json!("./y"));
    assert_eq!(merged["spec"]["prune"], json!(true));
}

#[test]
fn watch_resumes_from_history_and_expires_after_compaction() {
    let store = Store::standard();
    let start = store.resource_version();
    store
        .create(&gr(), "apps", ks("a"), &WriteOptions::default())
        .unwrap();
    store
        .create(&gr(), "other", ks("b"), &WriteOptions::default())
        .unwrap();
    let w = store.watch_from(&gr(), Some("apps"), start).unwrap();
    assert_eq!(w.backlog.len(), 1);
    assert_eq!(w.backlog[0].type_, ChangeType::Added);
    store.compact();
    let err = store.watch_from(&gr(), None, start).unwrap_err();
    assert!(matches!(err, StoreError::Expired { .. }));
    assert!(
        store
            .watch_from(&gr(), None, store.resource_version())
            .is_ok()
    );
}

#[test]
fn deletion_is_broadcast_with_a_new_resource_version() {
    let store = Store::standard();
    store
        .create(&gr(), "apps", ks("a"), &WriteOptions::default())
        .unwrap();
    let mut rx = store.subscribe();
    let key = ObjectKey::flux(FluxKind::Kustomization, "apps", "a");
    store.delete(&key, &WriteOptions::default()).unwrap();
    let change = rx.try_recv().unwrap();
    assert_eq!(change.type_, ChangeType::Deleted);
    assert_eq!(
        change.object["metadata"]["resourceVersion"],
        json!(store.resource_version().to_string())
    );
    assert!(store.get(&key).is_none());
}

#[test]
fn list_pages_continue_where_the_last_page_ended() {
    let store = Store::standard();
    for i in 0..5 {
        store
            .create(
                &gr(),
                "apps",
                ks(&format!("k{i}")),
                &WriteOptions::default(),
            )
            .unwrap();
    }
    let sel = Selector::everything();
    let first = store.list_page(&gr(), Some("apps"), &sel, Some(2), None);
    assert_eq!(first.items.len(), 2);
    assert_eq!(first.remaining, 3);
    let second = store.list_page(
        &gr(),
        Some("apps"),
        &sel,
        Some(2),
        first.continue_after.as_ref(),
    );
    assert_eq!(second.items[0]["metadata"]["name"], json!("k2"));
}

#[test]
fn repeated_events_aggregate_into_one_with_a_count() {
    let store = Store::standard();
    let record = EventRecord {
        api_version: "kustomize.toolkit.fluxcd.io/v1".into(),
        kind: "Kustomization".into(),
        namespace: "apps".into(),
        name: "demo".into(),
        type_: "Normal".into(),
        reason: "ReconciliationSucceeded".into(),
        message: "Reconciliation finished in 1s, next run in 10m0s".into(),
        component: "kustomize-controller".into(),
        ..EventRecord::default()
    };
    store.record_event(&record).unwrap();
    let second = store.record_event(&record).unwrap();
    assert_eq!(second["count"], json!(2));
    let events = store.list(
        &GroupResource::new("", "events"),
        Some("apps"),
        &Selector::parse(None, Some("involvedObject.name=demo"), true).unwrap(),
    );
    assert_eq!(events.items.len(), 1);
}

#[test]
fn invalid_kustomization_is_refused() {
    let store = Store::standard();
    let err = store
        .create(
            &gr(),
            "apps",
            json!({"metadata": {"name": "bad"}, "spec": {"prune": "x"}}),
            &WriteOptions::default(),
        )
        .unwrap_err();
    assert!(matches!(err, StoreError::Invalid { .. }));
}

#[test]
fn deleting_a_namespace_deletes_what_it_contains() {
    let store = Store::standard();
    let ns = GroupResource::new("", "namespaces");
    store
        .create(
            &ns,
            "",
            json!({"metadata": {"name": "apps"}}),
            &WriteOptions::default(),
        )
        .unwrap();
    store
        .create(&gr(), "apps", ks("a"), &WriteOptions::default())
        .unwrap();
    store
        .create(&gr(), "other", ks("b"), &WriteOptions::default())
        .unwrap();
    store
        .delete(
            &ObjectKey::core("namespaces", "", "apps"),
            &WriteOptions::default(),
        )
        .unwrap();
    assert_eq!(store.count(&gr()), 1);
    assert!(
        store
            .get(&ObjectKey::flux(FluxKind::Kustomization, "other", "b"))
            .is_some()
    );
}

/// A dry-run answers what a real write would store: the API server defaults and converts every decoded object,
/// dry-run or not (a `flux diff`-style comparison of the answer with the live object relies on it).
#[test]
fn a_dry_run_apply_answers_the_stored_shape() {
    let store = Store::standard();
    let deploy = |replicas: u32| {
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "apps"},
               "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": "web"}},
                        "template": {"metadata": {"labels": {"app": "web"}},
                                     "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]}}}})
    };
    let key = ObjectKey::new(GroupResource::new("apps", "deployments"), "apps", "web");
    let live = store
        .patch(
            &key,
            &Patch::Apply(deploy(1)),
            Subresource::Main,
            &WriteOptions::manager("k"),
        )
        .unwrap();
    let answer = store
        .patch(
            &key,
            &Patch::Apply(deploy(3)),
            Subresource::Main,
            &WriteOptions::dry_run(),
        )
        .unwrap();
    assert_eq!(answer["spec"]["replicas"], json!(3));
    let container = |v: &Value| v["spec"]["template"]["spec"]["containers"][0].clone();
    assert_eq!(container(&answer), container(&live), "defaults kept");
    assert_eq!(container(&answer)["imagePullPolicy"], json!("IfNotPresent"));

    let secret = ObjectKey::core("secrets", "apps", "creds");
    let body = json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "creds", "namespace": "apps"},
                      "stringData": {"password": "p"}});
    let created = store
        .patch(
            &secret,
            &Patch::Apply(body.clone()),
            Subresource::Main,
            &WriteOptions::dry_run(),
        )
        .unwrap();
    assert_eq!(created["data"], json!({"password": "cA=="}));
    assert!(created.get("stringData").is_none());
    store
        .patch(&secret, &Patch::Apply(json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "creds", "namespace": "apps"}, "data": {"password": "eA=="}})), Subresource::Main, &WriteOptions::manager("k"))
        .unwrap();
    let updated = store
        .patch(
            &secret,
            &Patch::Apply(body),
            Subresource::Main,
            &WriteOptions::dry_run(),
        )
        .unwrap();
    assert_eq!(updated["data"], json!({"password": "cA=="}));
    assert!(updated.get("stringData").is_none());
}

#[test]
fn seeded_deployments_carry_the_defaults() {
    let store = Store::standard();
    let seeded = store
        .upsert(json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "apps"},
                       "spec": {"selector": {"matchLabels": {"app": "web"}},
                                "template": {"metadata": {"labels": {"app": "web"}},
                                             "spec": {"containers": [{"name": "web", "image": "web:latest"}]}}}}))
        .unwrap();
    assert_eq!(seeded["spec"]["replicas"], json!(1));
    let c = &seeded["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(c["imagePullPolicy"], json!("Always"));
    assert_eq!(c["terminationMessagePolicy"], json!("File"));
    assert_eq!(
        seeded["spec"]["template"]["spec"]["dnsPolicy"],
        json!("ClusterFirst")
    );
}

#[test]
fn a_read_at_a_past_version_pages_the_objects_as_they_were() {
    let store = Store::standard();
    for name in ["a", "c", "e", "g"] {
        store
            .create(&gr(), "apps", ks(name), &WriteOptions::default())
            .unwrap();
    }
    let at = store.resource_version();
    // Since then: one created before the first, one between, one changed, one deleted.
    for name in ["0", "d"] {
        store
            .create(&gr(), "apps", ks(name), &WriteOptions::default())
            .unwrap();
    }
    let c = ObjectKey::flux(FluxKind::Kustomization, "apps", "c");
    let mut changed = (*store.get(&c).unwrap()).clone();
    changed["spec"]["interval"] = json!("1m");
    store.update(&c, changed, &WriteOptions::default()).unwrap();
    store
        .delete(
            &ObjectKey::flux(FluxKind::Kustomization, "apps", "e"),
            &WriteOptions::default(),
        )
        .unwrap();
    let everything = Selector::everything();
    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let page = store
            .list_page_at(&gr(), None, &everything, Some(3), after.as_ref(), Some(at))
            .unwrap();
        assert_eq!(page.resource_version, at);
        seen.extend(page.items.iter().map(|o| {
            (
                o["metadata"]["name"].as_str().unwrap().to_owned(),
                o["spec"]["interval"].as_str().unwrap().to_owned(),
            )
        }));
        match page.continue_after {
            Some(last) => after = Some(last),
            None => break,
        }
    }
    let want: Vec<(String, String)> = ["a", "c", "e", "g"]
        .iter()
        .map(|n| ((*n).to_owned(), "10m".to_owned()))
        .collect();
    assert_eq!(seen, want, "the objects at {at}, paged by three");
}

#[test]
fn a_write_is_a_no_op_only_when_nothing_but_the_resource_version_or_managed_fields_differ() {
    let mut a = ks("demo");
    a["metadata"]["resourceVersion"] = json!("7");
    a["metadata"]["managedFields"] = json!([{"manager": "x"}]);
    let mut b = ks("demo");
    b["metadata"]["resourceVersion"] = json!("8");
    assert!(meta::same_content(&a, &b));
    let mut labelled = b.clone();
    labelled["metadata"]["labels"]["team"] = json!("b");
    assert!(!meta::same_content(&a, &labelled));
    let mut extra = b.clone();
    extra["metadata"]["annotations"] = json!({"k": "v"});
    assert!(!meta::same_content(&a, &extra));
    assert!(!meta::same_content(&extra, &a));
    let mut spec = b.clone();
    spec["spec"]["interval"] = json!("1m");
    assert!(!meta::same_content(&a, &spec));
    let mut bare = b;
    bare.as_object_mut().unwrap().remove("metadata");
    assert!(!meta::same_content(&a, &bare));
}
