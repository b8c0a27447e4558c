use super::*;
use serde_json::json;

#[test]
fn the_exact_path_and_values_are_named() {
    let old = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "a"},
        "spec": {"selector": {"matchLabels": {"app": "web"}}, "replicas": 1}});
    let mut new = old.clone();
    new["spec"]["selector"]["matchLabels"]["app"] = json!("web2");
    new["spec"]["replicas"] = json!(3);
    let c = changes(&old, &new);
    assert_eq!(c.len(), 1);
    assert_eq!(c[0].path, "spec.selector.matchLabels.app");
    assert_eq!(c[0].old, Some(json!("web")));
    assert_eq!(c[0].new, Some(json!("web2")));
}

#[test]
fn a_label_key_with_dots_has_its_own_old_and_new_values() {
    let old = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "a"},
        "spec": {"selector": {"matchLabels": {"app.kubernetes.io/name": "web"}}}});
    let mut new = old.clone();
    new["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"] = json!("shop");
    let c = changes(&old, &new);
    assert_eq!(c.len(), 1);
    assert_eq!(
        c[0].path,
        "spec.selector.matchLabels.app.kubernetes.io/name"
    );
    assert_eq!(c[0].old, Some(json!("web")));
    assert_eq!(c[0].new, Some(json!("shop")));
    // In a list: the values of the item's field, not the whole list.
    let old = json!({"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "db", "namespace": "a"},
        "spec": {"volumeClaimTemplates": [{"metadata": {"name": "data"},
            "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}]}});
    let mut new = old.clone();
    new["spec"]["volumeClaimTemplates"][0]["spec"]["accessModes"][0] = json!("ReadWriteMany");
    let c = changes(&old, &new);
    assert_eq!(c.len(), 1);
    assert_eq!(
        c[0].path,
        "spec.volumeClaimTemplates[0].spec.accessModes[0]"
    );
    assert_eq!(c[0].old, Some(json!("ReadWriteOnce")));
    assert_eq!(c[0].new, Some(json!("ReadWriteMany")));
}

/// The index of one file's documents.
fn index_of(file: &str, text: &str) -> Index {
    index_of_files(&[(file, text)])
}

/// The index of several files' documents, in the order given (as by path).
fn index_of_files(files: &[(&str, &str)]) -> Index {
    let mut by_name: BTreeMap<(String, String), Vec<Definition>> = BTreeMap::new();
    for (file, text) in files {
        for spans in yaml_span::spans_of(text) {
            let kind = spans.scalar("kind").unwrap_or_default().to_owned();
            let name = spans.scalar("metadata.name").unwrap_or_default().to_owned();
            by_name.entry((kind, name)).or_default().push(Definition {
                file: PathBuf::from(file),
                spans,
            });
        }
    }
    Index { by_name }
}

#[test]
fn the_definition_is_the_one_in_the_objects_namespace_and_the_one_writing_the_field() {
    // A patch of the same Deployment sorts first (by path) and does not write the selector; another
    // namespace's Deployment of the same name comes next; the base is last.
    let patch =
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 3\n";
    let other = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: b\nspec:\n  selector:\n    matchLabels:\n      app: web\n";
    let base = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: a\nspec:\n  replicas: 1\n  selector:\n    matchLabels:\n      app: web\n";
    let index = index_of_files(&[
        ("a/patch.yaml", patch),
        ("b/web.yaml", other),
        ("z/web.yaml", base),
    ]);
    let web = |ns: &str| {
        key(&json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "namespace": ns}}))
        .unwrap()
    };
    assert_eq!(
        index.locate_field(&web("a"), "spec.selector.matchLabels.app"),
        (PathBuf::from("z/web.yaml"), Some(10))
    );
    assert_eq!(
        index.locate_field(&web("b"), "spec.selector.matchLabels.app"),
        (PathBuf::from("b/web.yaml"), Some(9))
    );
    // A field no document writes: the object's own namespace first.
    assert_eq!(index.locate(&web("a")).0, PathBuf::from("z/web.yaml"));
    // A namespace no document names: a document naming none (the patch), its nearest line.
    assert_eq!(index.locate(&web("c")).0, PathBuf::from("a/patch.yaml"));
}

const SOURCE: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: a\nspec:\n  replicas: 1\n  selector:\n    matchLabels:\n      app: web\n---\napiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: db\n  namespace: a\nspec:\n  serviceName: db\n  volumeClaimTemplates:\n    - metadata:\n        name: data\n      spec:\n        resources:\n          requests:\n            storage: 1Gi\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  namespace: a\nspec:\n  clusterIP: 10.0.0.10\n";

fn lines_of(base: &[Value], head: &[Value]) -> Vec<(String, Option<usize>, String)> {
    let index = index_of("app/all.yaml", SOURCE);
    findings(base, head, &|k, p| index.locate_field(k, p))
        .into_iter()
        .map(|f| (f.file.display().to_string(), f.line, f.message))
        .collect()
}

#[test]
fn a_change_names_the_line_of_its_field_not_the_objects() {
    let deploy = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "a"},
        "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "web"}}}});
    let mut deploy2 = deploy.clone();
    deploy2["spec"]["selector"]["matchLabels"]["app"] = json!("web2");
    let sts = json!({"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "db", "namespace": "a"},
        "spec": {"serviceName": "db", "volumeClaimTemplates": [{"metadata": {"name": "data"},
        "spec": {"resources": {"requests": {"storage": "1Gi"}}}}]}});
    let mut sts2 = sts.clone();
    sts2["spec"]["volumeClaimTemplates"][0]["spec"]["resources"]["requests"]["storage"] =
        json!("5Gi");
    let svc = json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "a"},
        "spec": {"clusterIP": "10.0.0.10"}});
    let mut svc2 = svc.clone();
    svc2["spec"]["clusterIP"] = json!("10.0.0.11");
    let found = lines_of(&[deploy, sts, svc], &[deploy2, sts2, svc2]);
    let at: Vec<(&str, Option<usize>)> = found
        .iter()
        .map(|(_, l, m)| (m.split(" is immutable").next().unwrap_or_default(), *l))
        .collect();
    assert_eq!(
        at,
        [
            ("Deployment/a/web: spec.selector.matchLabels.app", Some(10)),
            (
                "StatefulSet/a/db: spec.volumeClaimTemplates[0].spec.resources.requests.storage",
                Some(25)
            ),
            ("Service/a/web: spec.clusterIP", Some(33)),
        ]
    );
    assert!(found.iter().all(|(f, _, _)| f == "app/all.yaml"));
}

#[test]
fn a_field_the_file_does_not_write_names_its_nearest_written_parent_else_the_object() {
    // `tier` comes from a patch: the source file writes `matchLabels` only.
    let old = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "a"},
        "spec": {"selector": {"matchLabels": {"app": "web"}}}});
    let mut new = old.clone();
    new["spec"]["selector"]["matchLabels"]["tier"] = json!("front");
    let found = lines_of(std::slice::from_ref(&old), std::slice::from_ref(&new));
    assert_eq!(found.len(), 1);
    assert!(found[0].2.contains("spec.selector.matchLabels.tier"));
    assert_eq!(found[0].1, Some(9));
    let index = index_of("app/all.yaml", SOURCE);
    let Some(k) = key(&new) else {
        panic!("a key");
    };
    assert_eq!(
        index.locate_field(&k, "metadata.labels.app"),
        (PathBuf::from("app/all.yaml"), Some(3))
    );
    // Nothing of the path written at all: the object's first line.
    assert_eq!(
        index.locate_field(&k, "roleRef.name"),
        (PathBuf::from("app/all.yaml"), Some(1))
    );
    assert_eq!(index.locate(&k), (PathBuf::from("app/all.yaml"), Some(1)));
    // A name no file defines (a prefix added by the build): no place, the caller falls back.
    let mut renamed = new.clone();
    renamed["metadata"]["name"] = json!("prod-web");
    let Some(k) = key(&renamed) else {
        panic!("a key");
    };
    assert_eq!(
        index.locate_field(&k, "spec.selector"),
        (PathBuf::new(), None)
    );
}

#[test]
fn pvc_storage_growth_is_allowed_and_other_spec_changes_are_not() {
    let pvc = |size: &str, class: &str| {
        json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim",
        "metadata": {"name": "d"}, "spec": {"storageClassName": class,
        "resources": {"requests": {"storage": size}}}})
    };
    assert!(changes(&pvc("1Gi", "a"), &pvc("2Gi", "a")).is_empty());
    let c = changes(&pvc("1Gi", "a"), &pvc("1Gi", "b"));
    assert_eq!(c[0].path, "spec.storageClassName");
}
