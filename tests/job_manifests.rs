//! The Jobs built from catalog actions (YAML snapshots in tests/snapshots/) and the RBAC `fluxops rbac` derives:
//! hardened pod, labels and annotations, deadlines from the timeout, secrets only in the input Secret, no flag
//! injection through parameters, least-privilege roles.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

use fluxops::actions::params::parse_pair;
use fluxops::actions::target::HelmReleaseInfo;
use fluxops::actions::{Catalog, ExecutionId, ParamValues, Target, TargetKind, TargetRef};
use fluxops::job::manifest::{self, JobRequest, JobSettings, ManifestError};
use fluxops::job::rbac::{self, RbacOptions};
use fluxops::policy::{Confirmation, Decision};
use std::time::Duration;

fn catalog() -> Catalog {
    Catalog::builtin().unwrap()
}

fn decision() -> Decision {
    Decision {
        allow: true,
        deny: vec![],
        warnings: vec![],
        confirmation: Confirmation::Simple,
        break_glass: None,
        policy_error: None,
    }
}

struct Built {
    yaml: String,
    manifest: manifest::JobManifest,
}

fn build(action: &str, target: &str, params: &[&str]) -> Result<Built, ManifestError> {
    build_target(
        action,
        Target::bare(TargetRef::parse(target).unwrap()),
        params,
    )
}

fn build_target(action: &str, target: Target, params: &[&str]) -> Result<Built, ManifestError> {
    let catalog = catalog();
    let spec = catalog.get(action).unwrap();
    let pairs: Vec<_> = params.iter().map(|p| parse_pair(p).unwrap()).collect();
    let params = ParamValues::from_pairs(spec, &pairs).unwrap();
    let execution = ExecutionId::parse("0123456789ab").unwrap();
    let digest = decision().digest();
    let request = JobRequest {
        spec,
        target: &target,
        params: &params,
        timeout: spec.timeouts.default,
        execution: &execution,
        operator: "alice@example.com",
        decision_digest: &digest,
    };
    let manifest = manifest::build(&request, &JobSettings::default())?;
    let yaml = manifest::to_yaml(&manifest.job).unwrap();
    Ok(Built { yaml, manifest })
}

#[test]
fn scale_job_yaml() {
    let built = build("scale", "Deployment/apps/web", &["replicas=3"]).unwrap();
    insta::assert_snapshot!(built.yaml);
    assert!(built.manifest.input.is_none());
}

#[test]
fn drain_job_yaml_for_a_cluster_scoped_node() {
    let built = build("drain", "Node/worker-1", &["delete-emptydir-data=true"]).unwrap();
    insta::assert_snapshot!(built.yaml);
}

#[test]
fn helm_unlock_job_yaml_uses_the_release_and_its_storage_namespace() {
    let mut target = Target::bare(TargetRef::parse("HelmRelease/apps/podinfo").unwrap());
    target.facts.helm = Some(HelmReleaseInfo {
        release: "apps-podinfo".into(),
        storage_namespace: "apps".into(),
    });
    let built = build_target("helm-unlock", target, &[]).unwrap();
    insta::assert_snapshot!(built.yaml);
    // Without the release facts the Job cannot be built: nothing guessed.
    let err = build("helm-unlock", "HelmRelease/apps/podinfo", &[])
        .err()
        .unwrap();
    assert!(
        err.to_string()
            .contains("no value for '{{helm.storageNamespace}}'"),
        "{err}"
    );
}

#[test]
fn a_secret_value_is_in_the_input_secret_only() {
    let value = "s3cr3t-p4ssw0rd-value";
    let built = build(
        "patch-secret",
        "Secret/apps/db",
        &["key=password", &format!("value={value}")],
    )
    .unwrap();
    insta::assert_snapshot!(built.yaml);
    assert!(!built.yaml.contains(value));
    let input = built.manifest.input.as_ref().unwrap();
    assert!(!format!("{input:?}").contains(value));
    let summary = input.summary();
    assert_eq!(summary.keys().collect::<Vec<_>>(), ["arg-6.json"]);
    assert!(built.yaml.contains("/fluxops/input/arg-6.json"));
    let secret = input.secret("fluxops-system", std::collections::BTreeMap::new());
    let data = secret.data.unwrap();
    let file = String::from_utf8(data["arg-6.json"].0.clone()).unwrap();
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&file).unwrap(),
        serde_json::json!({"stringData": {"password": value}})
    );
    assert_eq!(
        secret.metadata.name.as_deref(),
        Some("fluxops-patch-secret-0123456789ab-input")
    );
}

#[test]
fn every_job_is_hardened_and_labelled() {
    let catalog = catalog();
    for spec in catalog.actions.iter().filter(|a| a.job().is_some()) {
        let kind = spec.targets[0];
        let rref = if kind.is_namespaced() {
            TargetRef::namespaced(kind, "apps", "web")
        } else {
            TargetRef {
                kind,
                namespace: None,
                name: "worker-1".into(),
            }
        };
        let mut target = Target::bare(rref);
        target.facts.helm = (kind == TargetKind::HelmRelease).then(|| HelmReleaseInfo {
            release: "web".into(),
            storage_namespace: "apps".into(),
        });
        let params: Vec<String> = spec
            .params
            .iter()
            .filter(|p| p.default.is_none())
            .map(|p| {
                format!(
                    "{}={}",
                    p.name,
                    if p.kind.name() == "int" { "1" } else { "web" }
                )
            })
            .collect();
        let params: Vec<&str> = params.iter().map(String::as_str).collect();
        let built = build_target(&spec.name, target, &params).unwrap_or_else(|e| panic!("{e}"));
        let job = &built.manifest.job;
        let job_spec = job.spec.as_ref().unwrap();
        assert_eq!(job_spec.backoff_limit, Some(0), "{}", spec.name);
        assert_eq!(
            job_spec.active_deadline_seconds,
            Some(i64::try_from((spec.timeouts.default + manifest::START_GRACE).as_secs()).unwrap())
        );
        assert!(job_spec.ttl_seconds_after_finished.is_some());
        let pod = job_spec.template.spec.as_ref().unwrap();
        assert_eq!(
            pod.service_account_name.as_deref(),
            Some(format!("fluxops-{}", spec.name).as_str())
        );
        assert_eq!(pod.restart_policy.as_deref(), Some("Never"));
        let psc = pod.security_context.as_ref().unwrap();
        assert_eq!(psc.run_as_non_root, Some(true));
        assert_eq!(
            psc.seccomp_profile.as_ref().unwrap().type_,
            "RuntimeDefault"
        );
        let sc = pod.containers[0].security_context.as_ref().unwrap();
        assert_eq!(sc.allow_privilege_escalation, Some(false));
        assert_eq!(sc.read_only_root_filesystem, Some(true));
        assert_eq!(
            sc.capabilities.as_ref().unwrap().drop.as_deref(),
            Some(&["ALL".to_owned()][..])
        );
        let name = job.metadata.name.as_ref().unwrap();
        assert!(name.len() <= 63, "{name}");
        let labels = job.metadata.labels.as_ref().unwrap();
        assert_eq!(labels["fluxops.io/action"], spec.name);
        assert_eq!(labels["fluxops.io/execution"], "0123456789ab");
        let annotations = job.metadata.annotations.as_ref().unwrap();
        assert_eq!(annotations["fluxops.io/operator"], "alice@example.com");
        assert_eq!(
            annotations["fluxops.io/decision-digest"],
            decision().digest()
        );
        assert!(
            annotations["fluxops.io/target"].contains("web")
                || annotations["fluxops.io/target"].contains("worker-1")
        );
    }
}

#[test]
fn a_parameter_cannot_become_a_kubectl_flag_and_direct_actions_have_no_job() {
    // The container name leads its argument (`{{container}}={{image}}`); its pattern already refuses '-', and
    // the builder refuses any leading-placeholder argument that would start with '-'.
    let err = build("reconcile", "Kustomization/flux-system/apps", &[])
        .err()
        .unwrap();
    assert_eq!(err, ManifestError::NotAJob("reconcile".into()));
    let err = build("scale", "StatefulSet/apps/db", &["replicas=1"])
        .err()
        .unwrap();
    assert!(matches!(err, ManifestError::WrongKind { .. }), "{err}");
    let mut target = Target::bare(TargetRef::parse("HelmRelease/apps/podinfo").unwrap());
    target.facts.helm = Some(HelmReleaseInfo {
        release: "x".into(),
        storage_namespace: "--all-namespaces".into(),
    });
    let built = build_target("helm-unlock", target, &[]).unwrap();
    let args = built
        .manifest
        .job
        .spec
        .unwrap()
        .template
        .spec
        .unwrap()
        .containers[0]
        .args
        .clone()
        .unwrap();
    assert!(
        args.contains(&"--namespace=--all-namespaces".to_owned()),
        "a value inside a flag stays a value"
    );
}

#[test]
fn timeouts_reach_the_deadline_and_kubectl() {
    let catalog = catalog();
    let spec = catalog.get("delete-pod").unwrap();
    let target = Target::bare(TargetRef::parse("Pod/apps/web-1").unwrap());
    let params = ParamValues::default();
    let execution = ExecutionId::parse("0123456789ab").unwrap();
    let request = JobRequest {
        spec,
        target: &target,
        params: &params,
        timeout: Duration::from_secs(90),
        execution: &execution,
        operator: "alice",
        decision_digest: "sha256:00",
    };
    let job = manifest::build(&request, &JobSettings::default())
        .unwrap()
        .job;
    let spec = job.spec.unwrap();
    assert_eq!(spec.active_deadline_seconds, Some(150));
    assert!(
        spec.template.spec.unwrap().containers[0]
            .args
            .as_ref()
            .unwrap()
            .contains(&"--timeout=90s".to_owned())
    );
}

#[test]
fn rbac_for_every_namespace() {
    let objects = rbac::objects(
        &catalog(),
        &RbacOptions {
            namespace: "fluxops-system".into(),
            target_namespaces: vec![],
        },
    );
    let yaml = rbac::to_yaml(&objects).unwrap();
    insta::assert_snapshot!(yaml);
}

#[test]
fn rbac_limited_to_target_namespaces_keeps_node_rules_cluster_wide() {
    let objects = rbac::objects(
        &catalog(),
        &RbacOptions {
            namespace: "ops".into(),
            target_namespaces: vec!["apps".into(), "web".into()],
        },
    );
    let docs: Vec<serde_json::Value> = objects
        .iter()
        .map(|o| serde_json::to_value(o).unwrap())
        .collect();
    let find = |kind: &str, name: &str, ns: Option<&str>| {
        docs.iter().find(|d| {
            d["kind"] == kind
                && d["metadata"]["name"] == name
                && d["metadata"]["namespace"].as_str() == ns
        })
    };
    assert!(find("Role", "fluxops-scale", Some("apps")).is_some());
    assert!(find("RoleBinding", "fluxops-scale", Some("web")).is_some());
    assert!(
        find("ClusterRole", "fluxops-scale", None).is_none(),
        "scale is namespaced only"
    );
    let drain = find("ClusterRole", "fluxops-drain", None).expect("node rules stay cluster-wide");
    assert!(
        drain["rules"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["resources"] != serde_json::json!(["deployments"]))
    );
    let binding = find("RoleBinding", "fluxops-scale", Some("apps")).unwrap();
    assert_eq!(binding["subjects"][0]["namespace"], "ops");
    assert_eq!(binding["roleRef"]["kind"], "Role");
    assert!(find("ServiceAccount", "fluxops-scale", Some("ops")).is_some());
    assert!(
        find("ServiceAccount", "fluxops-reconcile", Some("ops")).is_none(),
        "direct actions run as the operator"
    );
    let text = serde_json::to_string(&docs).unwrap();
    assert!(!text.contains("\"*\""), "no wildcard");
}
