//! The shipped action catalog (policies/actions.yaml) loads and says what issue 9 asks for, parameters are checked
//! against their bounds, and each file in fixtures/actions/invalid/ fails with the message its first line
//! announces (`# expect: <line>: <message>`), naming file and line.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

use fluxops::actions::params::{ParamError, parse_pair};
use fluxops::actions::spec::{DirectOperation, Executor, MAX_TIMEOUT};
use fluxops::actions::{Catalog, ParamValue, ParamValues, TargetKind};
use std::path::{Path, PathBuf};
use std::time::Duration;

fn catalog() -> Catalog {
    Catalog::builtin().unwrap_or_else(|p| panic!("{p}"))
}

#[test]
fn the_shipped_catalog_has_every_action_of_the_issue_with_its_executor() {
    let catalog = catalog();
    let direct = [
        ("reconcile", DirectOperation::Reconcile),
        (
            "reconcile-with-source",
            DirectOperation::ReconcileWithSource,
        ),
        ("suspend", DirectOperation::Suspend),
        ("resume", DirectOperation::Resume),
        ("helmrelease-force", DirectOperation::Force),
        ("helmrelease-reset", DirectOperation::Reset),
        ("recover-chain", DirectOperation::RecoverChain),
        ("snapshot-restore", DirectOperation::Restore),
    ];
    for (name, op) in direct {
        let spec = catalog
            .get(name)
            .unwrap_or_else(|| panic!("{name} missing"));
        assert_eq!(spec.executor, Executor::Direct(op), "{name}");
    }
    let jobs = [
        ("scale", TargetKind::Deployment),
        ("rollout-restart", TargetKind::Deployment),
        ("delete-pod", TargetKind::Pod),
        ("patch-configmap", TargetKind::ConfigMap),
        ("patch-secret", TargetKind::Secret),
        ("update-image", TargetKind::Deployment),
        ("cordon", TargetKind::Node),
        ("drain", TargetKind::Node),
        ("uncordon", TargetKind::Node),
        ("rollout-status", TargetKind::Deployment),
        ("recreate", TargetKind::Deployment),
        ("helm-unlock", TargetKind::HelmRelease),
    ];
    for (name, kind) in jobs {
        let spec = catalog
            .get(name)
            .unwrap_or_else(|| panic!("{name} missing"));
        assert!(spec.job().is_some(), "{name} runs as a Job");
        assert!(spec.applies_to(kind), "{name} on {kind}");
        assert_eq!(spec.service_account(), format!("fluxops-{name}"));
    }
    assert_eq!(catalog.actions.len(), direct.len() + jobs.len());
}

#[test]
fn timeouts_rbac_and_rollback_are_complete_and_bounded() {
    for spec in &catalog().actions {
        let name = &spec.name;
        assert!(spec.timeouts.default <= spec.timeouts.max, "{name}");
        assert!(spec.timeouts.max <= MAX_TIMEOUT, "{name}");
        assert!(!spec.rbac.is_empty(), "{name}");
        for rule in &spec.rbac {
            for word in rule
                .api_groups
                .iter()
                .chain(&rule.resources)
                .chain(&rule.verbs)
            {
                assert!(!word.contains('*'), "{name}: wildcard");
            }
        }
        if spec.mutates {
            assert!(
                spec.rollback.inverse.is_some() || spec.rollback.note.is_some(),
                "{name}: rollback or why not"
            );
        }
        assert!(!spec.preconditions.is_empty(), "{name}: preconditions");
        assert!(!spec.postconditions.is_empty(), "{name}: postconditions");
        // The Job name `fluxops-<action>-<12 hex>` must be a valid 63-character name.
        assert!(format!("fluxops-{name}-000000000000").len() <= 63, "{name}");
    }
    let catalog = catalog();
    assert_eq!(
        catalog.get("scale").unwrap().timeouts.default,
        Duration::from_secs(300)
    );
    assert!(catalog.get("drain").unwrap().dangerous);
    assert!(!catalog.get("rollout-status").unwrap().mutates);
    let scale = catalog.get("scale").unwrap();
    assert_eq!(scale.rollback.inverse.as_ref().unwrap().action, "scale");
    assert!(
        catalog
            .get("patch-secret")
            .unwrap()
            .param("value")
            .unwrap()
            .secret
    );
}

#[test]
fn actions_for_a_kind_are_listed_in_catalog_order() {
    let catalog = catalog();
    let node: Vec<&str> = catalog
        .for_kind(TargetKind::Node)
        .map(|a| a.name.as_str())
        .collect();
    assert_eq!(node, ["cordon", "drain", "uncordon"]);
    let hr: Vec<&str> = catalog
        .for_kind(TargetKind::HelmRelease)
        .map(|a| a.name.as_str())
        .collect();
    assert!(
        hr.contains(&"helm-unlock") && hr.contains(&"helmrelease-reset"),
        "{hr:?}"
    );
}

fn pairs(list: &[&str]) -> Vec<(String, String)> {
    list.iter().map(|p| parse_pair(p).unwrap()).collect()
}

#[test]
fn parameters_are_checked_against_their_bounds_and_defaults_fill_in() {
    let catalog = catalog();
    let scale = catalog.get("scale").unwrap();
    let ok = ParamValues::from_pairs(scale, &pairs(&["replicas=3"])).unwrap();
    assert_eq!(ok.get("replicas"), Some(&ParamValue::Int(3)));
    for (args, fragment) in [
        (vec!["replicas=1001"], "outside 0..=1000"),
        (vec!["replicas=-1"], "outside 0..=1000"),
        (vec!["replicas=three"], "not a whole number"),
        (vec![], "is required"),
        (vec!["replicas=1", "replicas=2"], "given twice"),
        (vec!["replica=1"], "has no parameter 'replica'"),
    ] {
        let err = ParamValues::from_pairs(scale, &pairs(&args))
            .unwrap_err()
            .to_string();
        assert!(err.contains(fragment), "{args:?}: {err}");
    }
    let drain = catalog.get("drain").unwrap();
    let defaults = ParamValues::from_pairs(drain, &[]).unwrap();
    assert_eq!(defaults.get("grace-period"), Some(&ParamValue::Int(-1)));
    assert_eq!(
        defaults.get("delete-emptydir-data"),
        Some(&ParamValue::Bool(false))
    );
    let image = catalog.get("update-image").unwrap();
    let err =
        ParamValues::from_pairs(image, &pairs(&["container=web", "image=--all"])).unwrap_err();
    assert!(matches!(err, ParamError::Invalid { .. }), "{err}");
    assert!(matches!(
        parse_pair("novalue"),
        Err(ParamError::NotAPair(_))
    ));
}

#[test]
fn a_secret_parameter_is_never_in_messages_summaries_or_debug_output() {
    let catalog = catalog();
    let spec = catalog.get("patch-secret").unwrap();
    let secret = "hunter2-very-secret";
    let values =
        ParamValues::from_pairs(spec, &pairs(&["key=password", &format!("value={secret}")]))
            .unwrap();
    let shown = format!(
        "{values:?} {} {:?}",
        serde_json::to_string(&values.summary(4096)).unwrap(),
        values.redacted()
    );
    assert!(!shown.contains(secret), "{shown}");
    assert!(shown.contains("sha256:"), "{shown}");
    assert_eq!(
        values.text("value"),
        None,
        "templates never get a secret as text"
    );
    let long = "x".repeat(2_000_000);
    let err = ParamValues::from_pairs(spec, &pairs(&["key=k", &format!("value={long}")]))
        .unwrap_err()
        .to_string();
    assert!(!err.contains("xxxx"), "a refused secret is not echoed");
}

fn invalid_files() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/actions/invalid");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(files.len() >= 10);
    files
}

#[test]
fn every_invalid_catalog_fails_naming_file_line_and_problem() {
    for path in invalid_files() {
        let text = std::fs::read_to_string(&path).unwrap();
        let expect = text
            .lines()
            .next()
            .unwrap()
            .strip_prefix("# expect: ")
            .unwrap();
        let (line, message) = expect
            .split_once(": ")
            .unwrap_or((expect.trim_end_matches(':'), ""));
        let problem = Catalog::load_file(&path).expect_err(&path.display().to_string());
        let shown = problem.to_string();
        assert_eq!(problem.line, Some(line.parse().unwrap()), "{shown}");
        assert!(
            shown.starts_with(&format!("{}:{line}: ", path.display())),
            "{shown}"
        );
        assert!(
            shown.contains(message.trim()),
            "{}: expected '{message}' in '{shown}'",
            path.display()
        );
    }
}
