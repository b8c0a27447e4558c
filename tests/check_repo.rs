//! `fluxops check` on the shared fleets (what fires, judged), on copies with injected problems (each rule at
//! its file:line), immutable-field changes between two commits of a generated git repository, the impact of
//! a one-file change against an independent walk, SARIF structure and exit codes.

#![allow(
    clippy::unwrap_used,
    clippy::panic,
    reason = "a failed unwrap is a failed test"
)]

use fluxops::check::{Finding, Severity};
use fluxops::cli::{CheckArgs, CheckFormat, FailOnArg};
use fluxops::launch::check::check_report;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

const FLEETS: &str = "../shared/data/fleets";

fn fleets_dir() -> PathBuf {
    let d = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(FLEETS);
    if d.is_dir() {
        d
    } else {
        PathBuf::from("/work/shared/data/fleets")
    }
}

fn args(path: &Path) -> CheckArgs {
    CheckArgs {
        path: Some(path.to_path_buf()),
        base: None,
        cluster: None,
        entry: None,
        output: CheckFormat::Text,
        fail_on: FailOnArg::Error,
        no_build: true,
        offline: true,
        kube: fluxops::cli::ClusterArgs::default(),
    }
}

fn copy(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let t = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy(&e.path(), &t);
        } else {
            std::fs::copy(e.path(), t).unwrap();
        }
    }
}

/// A copy of a shared fleet (and its context tree beside it) under a temporary directory.
fn fleet_copy(name: &str) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let src = fleets_dir();
    copy(&src.join(name), &tmp.path().join(name));
    let ctx = src.join("_kustomize-context").join(name);
    if ctx.is_dir() {
        copy(&ctx, &tmp.path().join("_kustomize-context").join(name));
    }
    let root = tmp.path().join(name);
    (tmp, root)
}

/// Appends a YAML document to a file; the line the document starts at.
fn append(file: &Path, doc: &str) -> usize {
    let mut text = std::fs::read_to_string(file).unwrap_or_default();
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    let line = text.matches('\n').count() + 2;
    text.push_str("---\n");
    text.push_str(doc);
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(file, text).unwrap();
    line
}

fn at(findings: &[Finding], rule: &str) -> Vec<(String, Option<usize>)> {
    findings
        .iter()
        .filter(|f| f.rule == rule)
        .map(|f| (f.file.display().to_string(), f.line))
        .collect()
}

/// The fleet snapshots keep only the files that hold Flux objects: a Kustomization path whose directory
/// holds only plain manifests is absent from the snapshot and from its context tree. Every `path-not-found`
/// must be such a directory (true of the data, said in the report), and nothing else may be an error.
#[test]
fn shared_fleets_have_no_false_errors() {
    let fleets = fleets_dir();
    for entry in std::fs::read_dir(&fleets).unwrap() {
        let dir = entry.unwrap().path();
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        if name.starts_with('_') {
            continue;
        }
        let report = check_report(&args(&dir)).unwrap();
        for f in report
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
        {
            assert_eq!(f.rule, "path-not-found", "{name}: {f:?}");
            let path = f
                .message
                .split("spec.path './")
                .nth(1)
                .and_then(|r| r.split('\'').next())
                .unwrap();
            assert!(!dir.join(path).exists(), "{name}: {path} exists");
            assert!(
                !fleets
                    .join("_kustomize-context")
                    .join(&name)
                    .join(path)
                    .exists(),
                "{name}: {path} exists in the context tree"
            );
        }
        // Duplicates across cluster entry points are not duplicates.
        assert!(
            at(&report.findings, "duplicate-object").is_empty(),
            "{name}"
        );
    }
}

const KS: &str = "apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: NAME
  namespace: flux-system
spec:
  interval: 10m
  retryInterval: 1m
  path: ./k8s/clusters/cluster-0/flux/orchestration
  prune: true
  sourceRef:
    kind: GitRepository
    name: home-ops
";

/// Lines of [`KS`] after its first (`apiVersion`), where a finding about that field must point; `extra`
/// starts at [`EXTRA`].
const INTERVAL: usize = 6;
const PATH: usize = 8;
const SOURCE_KIND: usize = 11;
const EXTRA: usize = 13;

fn ks(name: &str, extra: &str) -> String {
    let mut s = KS.replace("NAME", name);
    s.push_str(extra);
    s
}

#[test]
fn each_graph_rule_fires_on_its_injected_case_at_the_line_of_its_field() {
    let (_tmp, root) = fleet_copy("bjw-s-labs__home-ops@2022-06");
    let orch = root.join("k8s/clusters/cluster-0/flux/orchestration");
    let mut expected: BTreeMap<&str, (String, usize)> = BTreeMap::new();
    let rel = |p: &Path| p.strip_prefix(&root).unwrap().display().to_string();
    let f = orch.join("dev.yaml");
    let l = append(
        &f,
        &ks("inj-cycle-a", "  dependsOn:\n    - name: inj-cycle-b\n"),
    );
    append(
        &f,
        &ks("inj-cycle-b", "  dependsOn:\n    - name: inj-cycle-a\n"),
    );
    // The first member's dependsOn entry naming the next one.
    expected.insert("dependency-cycle", (rel(&f), l + EXTRA + 1));
    let f = orch.join("media.yaml");
    // The second entry dangles: its line, not the object's nor the first entry's.
    let l = append(
        &f,
        &ks(
            "inj-dangling",
            "  dependsOn:\n    - name: media-plex\n    - name: no-such-thing\n",
        ),
    );
    expected.insert("dangling-reference", (rel(&f), l + EXTRA + 2));
    let f = orch.join("network.yaml");
    let l = append(
        &f,
        &ks(
            "inj-cross",
            "  dependsOn:\n    - name: media-plex\n      kind: HelmRelease\n",
        ),
    );
    expected.insert("cross-kind-depends-on", (rel(&f), l + EXTRA + 1));
    let f = orch.join("zz-duplicate.yaml");
    let original = std::fs::read_to_string(orch.join("scripts.yaml")).unwrap();
    let first_doc = original
        .split("\n---")
        .next()
        .unwrap()
        .trim_start_matches("---\n");
    let l = append(&f, first_doc);
    expected.insert("duplicate-object", (rel(&f), l));
    let f = orch.join("selfhosted.yaml");
    let l = append(
        &f,
        &ks("inj-path", "").replace(
            "./k8s/clusters/cluster-0/flux/orchestration",
            "./k8s/clusters/cluster-0/no-such-dir",
        ),
    );
    expected.insert("path-not-found", (rel(&f), l + PATH));
    let f = orch.join("system.yaml");
    let l = append(
        &f,
        &ks("inj-kind", "").replace("kind: GitRepository", "kind: HelmRepository"),
    );
    expected.insert("invalid-source-kind", (rel(&f), l + SOURCE_KIND));
    let f = orch.join("trilio.yaml");
    let l = append(
        &f,
        &ks("inj-duration", "").replace("interval: 10m", "interval: 5min"),
    );
    expected.insert("invalid-duration", (rel(&f), l + INTERVAL));
    let f = orch.join("vpn.yaml");
    let l = append(&f, &ks("inj-timeout", "  timeout: 30m\n"));
    expected.insert("timeout-exceeds-interval", (rel(&f), l + EXTRA));
    let f = orch.join("rook-ceph.yaml");
    let l = append(
        &f,
        &ks("inj-chain-head", "")
            .replace("  retryInterval: 1m\n", "")
            .replace("10m", "1h"),
    );
    append(
        &f,
        &ks(
            "inj-chain-mid",
            "  dependsOn:\n    - name: inj-chain-head\n",
        ),
    );
    append(
        &f,
        &ks(
            "inj-chain-tail",
            "  dependsOn:\n    - name: inj-chain-mid\n",
        ),
    );
    // No retryInterval to point at: the interval it falls back to.
    expected.insert("retry-interval-missing", (rel(&f), l + INTERVAL));
    let report = check_report(&args(&root)).unwrap();
    for (rule, (file, line)) in &expected {
        let found = at(&report.findings, rule);
        assert!(
            found.contains(&(file.clone(), Some(*line))),
            "{rule}: expected at {file}:{line}, found {found:?}"
        );
    }
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

const APP_KS: &str = "apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: app
  namespace: flux-system
spec:
  interval: 10m
  path: ./app
  prune: true
  sourceRef:
    kind: GitRepository
    name: flux-system
  targetNamespace: app
";

/// Base objects, each with the field that will change.
const OBJECTS: &[(&str, &str, &str)] = &[
    (
        "deploy.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  selector:\n    matchLabels:\n      app: web\n  template:\n    metadata:\n      labels:\n        app: web\n    spec:\n      containers:\n        - name: c\n          image: nginx\n",
        "spec.selector.matchLabels.app",
    ),
    (
        "ds.yaml",
        "apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: ds\nspec:\n  selector:\n    matchLabels:\n      app: ds\n  template:\n    metadata:\n      labels:\n        app: ds\n    spec:\n      containers:\n        - name: c\n          image: nginx\n",
        "spec.selector.matchLabels.app",
    ),
    (
        "rs.yaml",
        "apiVersion: apps/v1\nkind: ReplicaSet\nmetadata:\n  name: rs\nspec:\n  selector:\n    matchLabels:\n      app: rs\n  template:\n    metadata:\n      labels:\n        app: rs\n    spec:\n      containers:\n        - name: c\n          image: nginx\n",
        "spec.selector.matchLabels.app",
    ),
    (
        "sts.yaml",
        "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: db\nspec:\n  serviceName: db\n  podManagementPolicy: OrderedReady\n  selector:\n    matchLabels:\n      app: db\n  volumeClaimTemplates:\n    - metadata:\n        name: data\n      spec:\n        accessModes: [ReadWriteOnce]\n        resources:\n          requests:\n            storage: 1Gi\n  template:\n    metadata:\n      labels:\n        app: db\n    spec:\n      containers:\n        - name: c\n          image: postgres\n",
        "",
    ),
    (
        "job.yaml",
        "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: migrate\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n        - name: c\n          image: migrate:1\n",
        "spec.template.spec.containers[0].image",
    ),
    (
        "svc.yaml",
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  clusterIP: 10.0.0.10\n  clusterIPs: [10.0.0.10]\n  ipFamilies: [IPv4]\n  ports:\n    - port: 80\n",
        "",
    ),
    (
        "svc-type.yaml",
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: ext\nspec:\n  type: ClusterIP\n  ports:\n    - port: 80\n",
        "spec.type",
    ),
    (
        "pvc.yaml",
        "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: data\nspec:\n  storageClassName: fast\n  accessModes: [ReadWriteOnce]\n  resources:\n    requests:\n      storage: 1Gi\n",
        "spec.storageClassName",
    ),
    (
        "cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\nimmutable: true\ndata:\n  level: info\n",
        "data.level",
    ),
    (
        "secret.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\nimmutable: true\nstringData:\n  token: abc\n",
        "stringData.token",
    ),
    (
        "crd.yaml",
        "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: widgets.example.com\nspec:\n  group: example.com\n  scope: Namespaced\n  names:\n    kind: Widget\n    plural: widgets\n  versions:\n    - name: v1\n      served: true\n      storage: true\n      schema:\n        openAPIV3Schema:\n          type: object\n",
        "",
    ),
];

/// The working-tree edits: (file, from, to).
const EDITS: &[(&str, &str, &str)] = &[
    (
        "deploy.yaml",
        "app: web\n  template",
        "app: web2\n  template",
    ),
    ("ds.yaml", "app: ds\n  template", "app: ds2\n  template"),
    ("rs.yaml", "app: rs\n  template", "app: rs2\n  template"),
    ("sts.yaml", "serviceName: db", "serviceName: db-headless"),
    ("sts.yaml", "OrderedReady", "Parallel"),
    ("sts.yaml", "storage: 1Gi", "storage: 5Gi"),
    (
        "sts.yaml",
        "  selector:\n    matchLabels:\n      app: db\n",
        "  selector:\n    matchLabels:\n      app: db\n      tier: data\n",
    ),
    ("job.yaml", "migrate:1", "migrate:2"),
    (
        "job.yaml",
        "  template:\n",
        "  selector:\n    matchLabels:\n      job: m\n  template:\n",
    ),
    ("svc.yaml", "clusterIP: 10.0.0.10", "clusterIP: 10.0.0.11"),
    (
        "svc.yaml",
        "clusterIPs: [10.0.0.10]",
        "clusterIPs: [10.0.0.11]",
    ),
    ("svc.yaml", "ipFamilies: [IPv4]", "ipFamilies: [IPv6]"),
    (
        "svc-type.yaml",
        "type: ClusterIP",
        "type: ExternalName\n  externalName: example.com",
    ),
    (
        "pvc.yaml",
        "storageClassName: fast",
        "storageClassName: slow",
    ),
    ("pvc.yaml", "storage: 1Gi", "storage: 2Gi"),
    ("cm.yaml", "level: info", "level: debug"),
    ("secret.yaml", "token: abc", "token: xyz"),
    ("crd.yaml", "scope: Namespaced", "scope: Cluster"),
    ("crd.yaml", "plural: widgets", "plural: gadgets"),
    ("crd.yaml", "kind: Widget", "kind: Gadget"),
];

#[test]
fn immutable_changes_between_two_commits_are_found_for_every_listed_field() {
    if fluxops::check::tool::detect().is_none() {
        eprintln!("no kustomize/kubectl: skipped");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    git(root, &["init", "-q"]);
    write(root, "clusters/prod/app.yaml", APP_KS);
    let mut kustomization = String::from("resources:\n");
    for (file, text, _) in OBJECTS {
        write(root, &format!("app/{file}"), text);
        kustomization.push_str(&format!("  - {file}\n"));
    }
    write(root, "app/kustomization.yaml", &kustomization);
    git(root, &["add", "-A"]);
    git(root, &["commit", "-qm", "base"]);
    for (file, from, to) in EDITS {
        let p = root.join("app").join(file);
        let text = std::fs::read_to_string(&p).unwrap();
        assert!(text.contains(from), "{file}: {from}");
        std::fs::write(&p, text.replacen(from, to, 1)).unwrap();
    }
    let mut a = args(root);
    a.no_build = false;
    a.base = Some("HEAD".into());
    let report = check_report(&a).unwrap();
    // Each finding names the line of the field that changed in the file that defines the object.
    let found: BTreeSet<(String, String, Option<usize>)> = report
        .findings
        .iter()
        .filter(|f| f.rule == "immutable-field-changed")
        .map(|f| {
            let path = f
                .message
                .split(": ")
                .nth(1)
                .unwrap()
                .split(" is immutable")
                .next()
                .unwrap();
            (f.file.display().to_string(), path.to_owned(), f.line)
        })
        .collect();
    let expected: BTreeSet<(String, String, Option<usize>)> = [
        ("deploy.yaml", "spec.selector.matchLabels.app", 8),
        ("ds.yaml", "spec.selector.matchLabels.app", 8),
        ("rs.yaml", "spec.selector.matchLabels.app", 8),
        ("sts.yaml", "spec.selector.matchLabels.tier", 11),
        ("sts.yaml", "spec.serviceName", 6),
        ("sts.yaml", "spec.podManagementPolicy", 7),
        (
            "sts.yaml",
            "spec.volumeClaimTemplates[0].spec.resources.requests.storage",
            19,
        ),
        ("job.yaml", "spec.template.spec.containers[0].image", 14),
        ("job.yaml", "spec.selector", 6),
        ("svc.yaml", "spec.clusterIP", 6),
        ("svc.yaml", "spec.clusterIPs[0]", 7),
        ("svc.yaml", "spec.ipFamilies[0]", 8),
        ("svc-type.yaml", "spec.type", 6),
        ("pvc.yaml", "spec.storageClassName", 6),
        ("cm.yaml", "data.level", 7),
        ("secret.yaml", "stringData.token", 7),
        ("crd.yaml", "spec.scope", 7),
        ("crd.yaml", "spec.names.plural", 10),
        ("crd.yaml", "spec.names.kind", 9),
    ]
    .iter()
    .map(|(f, p, l)| (format!("app/{f}"), (*p).to_owned(), Some(*l)))
    .collect();
    assert_eq!(found, expected);
    // The PVC's storage growth alone is allowed; Secret values are never printed.
    assert!(!report.findings.iter().any(|f| f.message.contains("xyz")));
    assert!(
        report
            .findings
            .iter()
            .filter(|f| f.rule == "immutable-field-changed")
            .all(|f| f.fix.contains("recreate-immutable"))
    );
    // The worktree of the base is gone again.
    let list = Command::new("git")
        .args(["worktree", "list"])
        .current_dir(root)
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&list.stdout).lines().count(), 1);
}

#[test]
fn impact_of_a_one_file_change_on_a_real_fleet_matches_an_independent_walk() {
    let (_tmp, root) = fleet_copy("bjw-s-labs__home-ops@2022-06");
    git(&root, &["init", "-q"]);
    git(&root, &["add", "-A"]);
    git(&root, &["commit", "-qm", "base"]);
    // A HelmRepository many HelmReleases take their charts from.
    let changed = "k8s/global/flux/repositories/helm/bitnami-charts.yaml";
    let p = root.join(changed);
    let text = std::fs::read_to_string(&p).unwrap();
    std::fs::write(&p, format!("{text}# changed\n")).unwrap();
    let mut a = args(&root);
    a.base = Some("HEAD".into());
    let report = check_report(&a).unwrap();
    let impact = report.impact.unwrap();
    assert_eq!(impact.changed, [PathBuf::from(changed)]);
    // Independent walk: objects defined in the file, then whatever names one of them in dependsOn,
    // sourceRef or a chart's sourceRef, transitively (on the loaded objects' specs).
    let repo = fluxops::check::load::load(&root, None).unwrap();
    let objects = repo.objects();
    let mut reached: BTreeSet<String> = BTreeSet::new();
    let mut frontier: Vec<(String, String, String)> = Vec::new();
    for (o, origin) in &objects {
        if origin.file.ends_with(changed) {
            frontier.push((
                o.kind.clone(),
                o.namespace().to_owned(),
                o.name().to_owned(),
            ));
        }
    }
    let defined: BTreeSet<String> = frontier
        .iter()
        .map(|(k, n, m)| format!("{k}/{n}/{m}"))
        .collect();
    let fed: BTreeSet<String> = impact.fed.iter().map(|f| f.object.clone()).collect();
    assert!(defined.is_subset(&fed), "{defined:?} {fed:?}");
    for f in &impact.fed {
        let mut parts = f.object.splitn(3, '/');
        frontier.push((
            parts.next().unwrap().into(),
            parts.next().unwrap().into(),
            parts.next().unwrap().into(),
        ));
    }
    while let Some((kind, ns, name)) = frontier.pop() {
        for (o, _) in &objects {
            let own_ns = o.namespace();
            let names = |n: &str, rns: Option<&str>| {
                n == name && rns.filter(|s| !s.is_empty()).unwrap_or(own_ns) == ns
            };
            let depends = o.kind == kind
                && o.spec
                    .depends_on
                    .iter()
                    .any(|d| names(&d.name, d.namespace.as_deref()));
            let source = o
                .spec
                .source_ref
                .as_ref()
                .is_some_and(|s| s.kind == kind && names(&s.name, s.namespace.as_deref()));
            let chart = o.spec.chart.as_ref().is_some_and(|c| {
                c.spec.source_ref.kind == kind
                    && names(
                        &c.spec.source_ref.name,
                        c.spec.source_ref.namespace.as_deref(),
                    )
            });
            let health = o
                .spec
                .health_checks
                .iter()
                .any(|h| h.kind == kind && names(&h.name, h.namespace.as_deref()));
            if depends || source || chart || health {
                let id = format!("{}/{}/{}", o.kind, own_ns, o.name());
                if !fed.contains(&id) && reached.insert(id) {
                    frontier.push((o.kind.clone(), own_ns.to_owned(), o.name().to_owned()));
                }
            }
        }
    }
    let downstream: BTreeSet<String> = impact.downstream.iter().cloned().collect();
    assert!(!downstream.is_empty());
    assert_eq!(downstream, reached);
}

#[test]
fn sarif_output_has_the_structure_code_scanning_reads() {
    let (_tmp, root) = fleet_copy("flux2-multi-tenancy");
    append(
        &root.join("clusters/production/infrastructure.yaml"),
        "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: bad\n  namespace: flux-system\nspec:\n  interval: 5min\n  path: ./infrastructure\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n",
    );
    let report = check_report(&args(&root)).unwrap();
    let doc: serde_json::Value =
        serde_json::from_str(&fluxops::check::sarif::render(&report).unwrap()).unwrap();
    assert_eq!(doc["version"], "2.1.0");
    let run = &doc["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "fluxops");
    let rule_ids: BTreeSet<&str> = run["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), report.findings.len());
    assert!(results.iter().any(|r| r["ruleId"] == "invalid-duration"));
    for r in results {
        assert!(rule_ids.contains(r["ruleId"].as_str().unwrap()));
        assert!(["error", "warning", "note"].contains(&r["level"].as_str().unwrap()));
        assert!(!r["message"]["text"].as_str().unwrap().is_empty());
        let loc = &r["locations"][0]["physicalLocation"];
        assert!(loc["artifactLocation"]["uri"].is_string());
        if r["ruleId"] == "invalid-duration" {
            assert_eq!(
                loc["artifactLocation"]["uri"],
                "clusters/production/infrastructure.yaml"
            );
            assert!(loc["region"]["startLine"].as_u64().unwrap() > 1);
        }
    }
}

#[test]
fn exit_codes_are_clean_findings_and_cannot_check() {
    let bin = env!("CARGO_BIN_EXE_fluxops");
    let run = |args: &[&str]| Command::new(bin).args(args).output().unwrap().status.code();
    let (_tmp, root) = fleet_copy("flux2-kustomize-helm-example");
    let r = root.display().to_string();
    assert_eq!(run(&["check", "--no-build", &r]), Some(0));
    append(
        &root.join("clusters/production/apps.yaml"),
        "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: x\n  namespace: flux-system\nspec:\n  interval: 1m\n  timeout: 5m\n  path: ./apps/production\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n",
    );
    assert_eq!(run(&["check", "--no-build", &r]), Some(0));
    assert_eq!(
        run(&["check", "--no-build", "--fail-on", "warning", &r]),
        Some(1)
    );
    assert_eq!(run(&["check", "--no-build", "/no/such/dir"]), Some(3));
    assert_eq!(run(&["check", "--no-build", "--base", "nope", &r]), Some(3));
    assert_eq!(run(&["check", "--bogus"]), Some(3));
}

/// What could not be checked is said as notes, each once, and never fails the check: no kustomize or kubectl on
/// PATH (nothing built), no base to compare with (not a git repository), a source created outside the repository
/// (at the line of the sourceRef that names it).
#[test]
fn notes_say_what_was_not_checked_and_never_fail_the_check() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("repo");
    write(
        &root,
        "clusters/prod/apps.yaml",
        "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: apps\n  namespace: flux-system\nspec:\n  interval: 10m\n  path: ./apps\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n",
    );
    write(
        &root,
        "apps/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n  namespace: apps\n",
    );
    // A PATH with neither kustomize nor kubectl (nor git).
    let empty = tmp.path().join("bin");
    std::fs::create_dir_all(&empty).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_fluxops"))
        .args(["check", "--offline"])
        .arg(&root)
        .env("PATH", &empty)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    for rule in [
        "build-tool-missing",
        "base-unavailable",
        "external-reference",
    ] {
        let lines: Vec<&str> = stdout
            .lines()
            .filter(|l| l.contains(&format!(": note[{rule}]: ")))
            .collect();
        assert_eq!(lines.len(), 1, "{rule} once: {stdout}");
    }
    assert!(
        stdout.contains("clusters/prod/apps.yaml:10: note[external-reference]: GitRepository/flux-system/flux-system"),
        "{stdout}"
    );
    assert!(
        stdout.contains("0 error(s), 0 warning(s), 3 note(s)"),
        "{stdout}"
    );
}

#[test]
fn build_rules_fire_at_the_kustomization_that_builds() {
    if fluxops::check::tool::detect().is_none() {
        eprintln!("no kustomize/kubectl: skipped");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let ks = |name: &str, path: &str, extra: &str| {
        format!(
            "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: {name}\n  namespace: flux-system\nspec:\n  interval: 10m\n  path: {path}\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n{extra}"
        )
    };
    let entry = [
        ks("broken", "./apps/broken", ""),
        ks(
            "vars",
            "./apps/vars",
            "  targetNamespace: shop\n  components:\n    - ../../components/labels\n  postBuild:\n    substitute:\n      DOMAIN: example.com\n    substituteFrom:\n      - kind: ConfigMap\n        name: cluster-settings\n",
        ),
        ks(
            "missing-from",
            "./apps/plain",
            "  postBuild:\n    substituteFrom:\n      - kind: ConfigMap\n        name: not-in-repo\n      - kind: Secret\n        name: optional-one\n        optional: true\n",
        ),
        ks("settings", "./settings", ""),
    ]
    .join("---\n");
    write(root, "clusters/prod/apps.yaml", &entry);
    write(
        root,
        "apps/broken/kustomization.yaml",
        "resources:\n  - missing.yaml\n",
    );
    // No kustomization.yaml: the generated one lists the manifests (values.yaml, not a manifest, is left out).
    write(
        root,
        "apps/vars/deploy.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  host: ${DOMAIN}\n  region: ${REGION}\n  tier: ${TIER:=gold}\n  missing: ${NOT_SET}\n",
    );
    write(root, "apps/vars/values.yaml", "replicas: 2\n");
    write(
        root,
        "components/labels/kustomization.yaml",
        "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nlabels:\n  - pairs:\n      team: shop\n",
    );
    write(
        root,
        "apps/plain/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: plain\ndata:\n  a: ${ANYTHING}\n",
    );
    // The substituteFrom ConfigMap comes from a generator of another build.
    write(
        root,
        "settings/kustomization.yaml",
        "namespace: flux-system\nconfigMapGenerator:\n  - name: cluster-settings\n    literals:\n      - REGION=eu-west-1\ngeneratorOptions:\n  disableNameSuffixHash: true\n",
    );
    let mut a = args(root);
    a.no_build = false;
    let report = check_report(&a).unwrap();
    let f = "clusters/prod/apps.yaml".to_owned();
    // Each at the line of its field: spec.path, spec.postBuild.substitute, the substituteFrom entry.
    assert_eq!(at(&report.findings, "build-failed"), [(f.clone(), Some(8))]);
    let unresolved: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|x| x.rule == "unresolved-variable")
        .collect();
    assert_eq!(unresolved.len(), 1, "{unresolved:?}");
    assert_eq!(unresolved[0].line, Some(30));
    assert!(unresolved[0].message.contains("${NOT_SET}"));
    assert!(unresolved[0].message.contains("ConfigMap/shop/web"));
    assert_eq!(
        at(&report.findings, "substitute-from-missing"),
        [(f, Some(50))]
    );
    assert!(
        report
            .findings
            .iter()
            .all(|x| !x.message.contains("ANYTHING"))
    );
    // The build itself: targetNamespace, the component and the substitution.
    let repo = fluxops::check::load::load(root, None).unwrap();
    let tool = fluxops::check::tool::detect().unwrap();
    let outcome = fluxops::check::build::run(&repo, &tool).unwrap();
    let vars = outcome
        .built
        .iter()
        .find(|b| b.target.rref.name == "vars")
        .unwrap();
    let cm = &vars.objects[0];
    assert_eq!(cm["metadata"]["namespace"], "shop");
    assert_eq!(cm["metadata"]["labels"]["team"], "shop");
    assert_eq!(cm["data"]["host"], "example.com");
    assert_eq!(cm["data"]["region"], "eu-west-1");
    assert_eq!(cm["data"]["tier"], "gold");
    assert_eq!(vars.objects.len(), 1);
}

/// A path whose build needs a remote that cannot be reached from here (an unresolvable host, a refused port) is a
/// `remote-unavailable` note at `spec.path`, never a `build-failed` error: the check does not fail offline on a
/// path the cluster builds. A local failure beside it stays an error.
#[test]
fn a_remote_that_cannot_be_reached_is_a_note_not_a_build_failure() {
    if fluxops::check::tool::detect().is_none() {
        eprintln!("no kustomize/kubectl: skipped");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let ks = |name: &str| {
        format!(
            "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: {name}\n  namespace: flux-system\nspec:\n  interval: 10m\n  path: ./apps/{name}\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n"
        )
    };
    let entry = [ks("git"), ks("file"), ks("local")].join("---\n");
    write(root, "clusters/prod/apps.yaml", &entry);
    // `.invalid` never resolves (RFC 2606); port 9 on loopback refuses. A generator's file from a URL too.
    write(
        root,
        "apps/git/kustomization.yaml",
        "resources:\n  - https://fluxops.invalid/org/repo//deploy?ref=v1\n",
    );
    write(
        root,
        "apps/file/kustomization.yaml",
        "resources:\n  - ../../base\n",
    );
    write(
        root,
        "base/kustomization.yaml",
        "configMapGenerator:\n  - name: d\n    files:\n      - d.json=https://127.0.0.1:9/d.json\n",
    );
    write(
        root,
        "apps/local/kustomization.yaml",
        "resources:\n  - missing.yaml\n",
    );
    let mut a = args(root);
    a.no_build = false;
    let report = check_report(&a).unwrap();
    let f = "clusters/prod/apps.yaml".to_owned();
    assert_eq!(
        at(&report.findings, "remote-unavailable"),
        [(f.clone(), Some(8)), (f.clone(), Some(21))],
        "{:?}",
        report.findings
    );
    assert_eq!(at(&report.findings, "build-failed"), [(f, Some(34))]);
    let notes: Vec<&str> = report
        .findings
        .iter()
        .filter(|x| x.rule == "remote-unavailable")
        .map(|x| x.message.as_str())
        .collect();
    assert!(
        notes[0].contains("https://fluxops.invalid/org/repo//deploy?ref=v1"),
        "{}",
        notes[0]
    );
    assert!(
        notes[1].contains("https://127.0.0.1:9/d.json"),
        "{}",
        notes[1]
    );
    assert!(
        notes.iter().all(|n| n.contains("could not be fetched (")),
        "{notes:?}"
    );
}

/// The rules the injected-case test above does not inject: both suspend traps and a file that does not parse,
/// each at the file and line of its field (the child's `suspend` for suspend-reverted, the health-checking
/// parent's `healthChecks` entry for suspended-health-checked, the broken document for load-error).
#[test]
fn suspend_traps_and_load_errors_fire_at_their_file_and_line() {
    let (_tmp, root) = fleet_copy("bjw-s-labs__home-ops@2022-06");
    let orch = root.join("k8s/clusters/cluster-0/flux/orchestration");
    let rel = |p: &Path| p.strip_prefix(&root).unwrap().display().to_string();
    let mut expected: BTreeMap<&str, (String, usize)> = BTreeMap::new();
    // A child whose manifest says suspend: false: its parent (which applies this directory) resumes it.
    let f = orch.join("dev.yaml");
    let l = append(&f, &ks("inj-suspend-false", "  suspend: false\n"));
    expected.insert("suspend-reverted", (rel(&f), l + EXTRA));
    // A suspended Kustomization another one health-checks.
    let f = orch.join("media.yaml");
    append(&f, &ks("inj-suspended", "  suspend: true\n"));
    let l = append(
        &f,
        &ks(
            "inj-waits",
            "  healthChecks:\n    - apiVersion: kustomize.toolkit.fluxcd.io/v1\n      kind: Kustomization\n      name: other\n      namespace: flux-system\n    - apiVersion: kustomize.toolkit.fluxcd.io/v1\n      kind: Kustomization\n      name: inj-suspended\n      namespace: flux-system\n",
        ),
    );
    // The healthChecks entry naming the suspended child.
    expected.insert("suspended-health-checked", (rel(&f), l + EXTRA + 5));
    // A document that does not parse.
    let f = orch.join("zz-broken.yaml");
    let l = append(
        &f,
        "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: [broken\n",
    );
    let report = check_report(&args(&root)).unwrap();
    for (rule, (file, line)) in &expected {
        let found = at(&report.findings, rule);
        assert!(
            found.contains(&(file.clone(), Some(*line))),
            "{rule}: expected at {file}:{line}, found {found:?}"
        );
    }
    let broken = at(&report.findings, "load-error");
    let file = rel(&f);
    assert!(
        broken
            .iter()
            .any(|(f, line)| *f == file && line.is_some_and(|n| n >= l && n <= l + 4)),
        "load-error: expected in {file} at or below line {l}, found {broken:?}"
    );
    // Nothing else was injected: the untouched fleet's own findings aside, no new rule fires.
    let clean = check_report(&args(&fleet_copy("bjw-s-labs__home-ops@2022-06").1)).unwrap();
    for rule in ["suspend-reverted", "suspended-health-checked", "load-error"] {
        assert!(
            at(&clean.findings, rule).is_empty(),
            "{rule} on the clean fleet"
        );
    }
}

/// With builds too, every error on a shared fleet is explained by the data, not by the check: a path the
/// snapshot does not hold (`path-not-found`, as above), a file a kustomization lists that the snapshot does not
/// hold (it keeps only files with Flux objects: kustomize's `lstat|open …: no such file or directory` names it, and
/// it is in neither the fleet nor its context tree). A remote resource that cannot be fetched here is a note.
#[test]
fn shared_fleets_have_no_false_errors_with_builds() {
    if fluxops::check::tool::detect().is_none() {
        eprintln!("no kustomize/kubectl: skipped");
        return;
    }
    let fleets = fleets_dir();
    for entry in std::fs::read_dir(&fleets).unwrap() {
        let dir = entry.unwrap().path();
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        if name.starts_with('_') {
            continue;
        }
        let mut a = args(&dir);
        a.no_build = false;
        let report = check_report(&a).unwrap();
        let absent = |p: &str| {
            let p = p.trim_start_matches("./");
            !dir.join(p).exists()
                && !fleets
                    .join("_kustomize-context")
                    .join(&name)
                    .join(p)
                    .exists()
        };
        for f in report
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
        {
            match f.rule {
                "path-not-found" => {}
                "build-failed" => {
                    // `lstat ./a/b.yaml: no such file…`, `open ./a/c.yaml: no such file…`.
                    let missing = f
                        .message
                        .split_once(": no such file or directory")
                        .and_then(|(before, _)| before.rsplit(' ').next());
                    assert!(
                        missing.is_some_and(absent),
                        "{name}: a build failure the data does not explain: {f:?}"
                    );
                }
                other => panic!("{name}: {other}: {f:?}"),
            }
        }
    }
}

/// A repository with one entry point per cluster defines the same object once per cluster: a change to the
/// second cluster's copy (here staging's `apps` Kustomization, also defined for production) feeds it.
#[test]
fn a_change_to_one_clusters_copy_of_an_object_feeds_it() {
    let (_tmp, root) = fleet_copy("flux2-kustomize-helm-example");
    git(&root, &["init", "-q"]);
    git(&root, &["add", "-A"]);
    git(&root, &["commit", "-qm", "base"]);
    let changed = "clusters/staging/apps.yaml";
    let p = root.join(changed);
    let text = std::fs::read_to_string(&p).unwrap();
    assert!(text.contains("name: apps"), "{text}");
    std::fs::write(&p, format!("{text}# changed\n")).unwrap();
    let mut a = args(&root);
    a.base = Some("HEAD".into());
    let impact = check_report(&a).unwrap().impact.unwrap();
    assert!(
        impact
            .fed
            .iter()
            .any(|f| f.object == "Kustomization/flux-system/apps" && f.file == Path::new(changed)),
        "{:?}",
        impact.fed
    );
}

/// Field lines beyond the fleet's block style: a HelmRelease's `spec.chart.spec.sourceRef`, a flow-style
/// `sourceRef` of the wrong kind, a GitRepository's second `include` entry, an invalid `timeout` — each finding at
/// its field's line, in a file with several documents.
#[test]
fn findings_about_nested_flow_and_listed_fields_name_their_lines() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let text = "\
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata:
  name: flux-system
  namespace: flux-system
spec:
  interval: 1m
  url: https://example.com/fleet
  include:
    - repository: {name: flux-system}
    - repository:
        name: no-such-repo
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: web
  namespace: apps
spec:
  interval: 10m
  timeout: 5 minutes
  chart:
    spec:
      chart: web
      sourceRef:
        kind: HelmRepository
        name: no-such-charts
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: apps, namespace: flux-system}
spec:
  interval: 10m
  path: ./clusters/prod
  prune: true
  sourceRef: {kind: HelmRepository, name: flux-system}
";
    write(root, "clusters/prod/flux.yaml", text);
    let report = check_report(&args(root)).unwrap();
    let f = "clusters/prod/flux.yaml".to_owned();
    let dangling = at(&report.findings, "dangling-reference");
    for line in [11, 25] {
        assert!(
            dangling.contains(&(f.clone(), Some(line))),
            "dangling-reference at {f}:{line}: {dangling:?}"
        );
    }
    assert_eq!(
        at(&report.findings, "invalid-duration"),
        [(f.clone(), Some(21))]
    );
    assert_eq!(at(&report.findings, "invalid-source-kind"), [(f, Some(36))]);
}

#[test]
fn each_cluster_entry_point_builds_its_own_kustomizations() {
    if fluxops::check::tool::detect().is_none() {
        eprintln!("no kustomize/kubectl: skipped");
        return;
    }
    // The same Kustomization name under two entry points, each with its own path: both are built (before,
    // only the first entry point's was, and a broken staging overlay went unseen).
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let ks = |path: &str| {
        format!(
            "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: apps\n  namespace: flux-system\nspec:\n  interval: 10m\n  path: {path}\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n"
        )
    };
    write(
        root,
        "clusters/production/apps.yaml",
        &ks("./apps/production"),
    );
    write(root, "clusters/staging/apps.yaml", &ks("./apps/staging"));
    write(
        root,
        "apps/production/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n  namespace: apps\ndata:\n  a: b\n",
    );
    write(
        root,
        "apps/staging/kustomization.yaml",
        "resources:\n  - missing.yaml\n",
    );
    let mut a = args(root);
    a.no_build = false;
    let report = check_report(&a).unwrap();
    let failed: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|f| f.rule == "build-failed")
        .collect();
    assert_eq!(failed.len(), 1, "{:#?}", report.findings);
    assert_eq!(failed[0].file, PathBuf::from("clusters/staging/apps.yaml"));
    assert!(
        report.notes.iter().any(|n| n == "built 2 Kustomization(s)"),
        "{:?}",
        report.notes
    );
}
