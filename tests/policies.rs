//! The shipped policies decide every case in fixtures/policy/ as expected (an allow and a deny case for each
//! policy), the gate fails closed on every way policies can break (load, evaluation error, timeout, undefined or
//! malformed decision), broken user policies name file and line, and user policies and data can only tighten.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

use fluxops::policy::engine::Source;
use fluxops::policy::fixture::{self, Fixture};
use fluxops::policy::{Gate, PolicyError, PolicySources};
use std::path::{Path, PathBuf};
use std::time::Duration;

fn fixtures() -> Vec<Fixture> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/policy");
    fixture::load_dir(&dir).unwrap_or_else(|p| panic!("{p}"))
}

fn shipped_gate() -> Gate {
    let gate = Gate::load(None);
    assert_eq!(gate.problem(), None);
    gate
}

fn fixture(name: &str) -> Fixture {
    fixtures()
        .into_iter()
        .find(|f| f.path.file_stem().is_some_and(|s| s == name))
        .unwrap_or_else(|| panic!("no fixture {name}"))
}

#[test]
fn every_fixture_gets_its_expected_decision() {
    let mut gate = shipped_gate();
    let outcomes = fixture::run(&mut gate, &fixtures());
    let failed: Vec<String> = outcomes
        .iter()
        .filter(|o| !o.passed())
        .map(|o| format!("{}: {}", o.path.display(), o.problems.join("; ")))
        .collect();
    assert!(failed.is_empty(), "{}", failed.join("\n"));
    assert!(outcomes.len() >= 20);
}

#[test]
fn every_shipped_policy_has_allow_and_deny_cases() {
    let names: Vec<String> = fixtures()
        .iter()
        .map(|f| f.path.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    for source in PolicySources::shipped().shipped {
        let stem = source
            .path
            .file_stem()
            .unwrap()
            .to_string_lossy()
            .replace('_', "-");
        if stem == "main" {
            continue;
        }
        for verdict in ["allow", "deny"] {
            let prefix = format!("{stem}-{verdict}-");
            assert!(
                names.iter().any(|n| n.starts_with(&prefix)),
                "{}: no {verdict} fixture ({prefix}*)",
                source.path.display()
            );
        }
    }
}

fn with_user(files: &[(&str, &str)], data: Option<&str>) -> (Gate, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    if let Some(data) = data {
        std::fs::write(dir.path().join("data.json"), data).unwrap();
    }
    (Gate::load(Some(dir.path())), dir)
}

fn assert_fails_closed(gate: &mut Gate, case: &str, why: &str) {
    let decision = gate.decide(&fixture(case).input);
    assert!(!decision.allow, "{case}");
    assert!(decision.failed_closed(), "{case}: {decision:?}");
    assert!(
        decision.deny.iter().any(|d| d.contains(why)),
        "{case}: expected '{why}' in {:?}",
        decision.deny
    );
}

#[test]
fn a_user_policy_that_does_not_parse_denies_everything_naming_file_and_line() {
    let (mut gate, dir) = with_user(
        &[(
            "freeze.rego",
            "package user.freeze\n\ndeny contains \"x\" if {\n  input.mode ==\n}\n",
        )],
        None,
    );
    let problem = gate.problem().cloned().expect("a load problem");
    let file = dir.path().join("freeze.rego");
    assert!(
        matches!(&problem, PolicyError::Invalid { line: 5, .. }),
        "{problem:?}"
    );
    assert!(
        problem
            .to_string()
            .starts_with(&format!("{}:5: ", file.display())),
        "{problem}"
    );
    assert_fails_closed(
        &mut gate,
        "allowlist-allow-scale",
        &format!("{}:5:", file.display()),
    );
    // v0 syntax is refused, never read in the v0 mode that evaluates v1 text wrongly.
    let (gate, _dir) = with_user(
        &[(
            "old.rego",
            "package user.old\n\ndeny[msg] { msg := \"x\" }\n",
        )],
        None,
    );
    assert!(
        gate.problem()
            .unwrap()
            .to_string()
            .contains("`if` keyword is required")
    );
}

#[test]
fn user_policies_cannot_redefine_shipped_rules() {
    for (text, package) in [
        ("package fluxops\n\nallow := true\n", "fluxops"),
        ("package fluxops.deny\n\nx := 1\n", "fluxops.deny"),
        ("package settings\n\nshipped := {}\n", "settings"),
    ] {
        let (mut gate, _dir) = with_user(&[("loosen.rego", text)], None);
        let problem = gate.problem().cloned().expect("refused");
        assert!(
            matches!(&problem, PolicyError::Package { package: p, .. } if p == package),
            "{problem:?}"
        );
        assert_fails_closed(&mut gate, "allowlist-allow-scale", "package user.<name>");
    }
}

#[test]
fn user_policies_and_data_only_tighten() {
    let freeze = "package user.freeze\n\n\
        deny contains \"change freeze until Monday\" if input.target.namespace == \"apps\"\n\n\
        warn contains \"freeze week\" if true\n\n\
        confirm contains \"typed\" if true\n";
    let helper = "package user.helper\n\n# Own rules of the same names as shipped helpers change nothing shipped.\n\
        break_glass_ok if true\n\nallowed_actions := {\"exec-shell\"}\n\ndeny := set()\n";
    let data = r#"{"protected_namespaces": ["apps"], "allowed_actions": ["scale", "reconcile", "exec-shell"],
        "limits": {"mass_change_deny_above": 1000, "mass_change_typed_above": 2},
        "fluxops": {"deny": []}}"#;
    let (mut gate, _dir) = with_user(
        &[("freeze.rego", freeze), ("helper.rego", helper)],
        Some(data),
    );
    assert_eq!(gate.problem(), None);
    let scale = gate.decide(&fixture("allowlist-allow-scale").input);
    assert!(!scale.allow);
    assert!(
        scale
            .deny
            .iter()
            .any(|d| d == "change freeze until Monday (user policy freeze)"),
        "{:?}",
        scale.deny
    );
    assert!(
        scale
            .deny
            .iter()
            .any(|d| d.contains("namespace 'apps' is protected")),
        "{:?}",
        scale.deny
    );
    assert!(scale.warnings.contains(&"freeze week".to_owned()));
    assert_eq!(scale.confirmation.to_string(), "typed");
    // Raised limits stay at the shipped ones; lowered ones apply.
    let bulk = gate.decide(&fixture("mass-change-deny-above-m").input);
    assert!(
        bulk.deny
            .iter()
            .any(|d| d.contains("more than the 50 allowed")),
        "{:?}",
        bulk.deny
    );
    // The allow-list is narrowed, never widened.
    let unknown = gate.decide(&fixture("allowlist-deny-unknown-action").input);
    assert!(!unknown.allow);
    let drain = gate.decide(&fixture("nodes-allow-cordon-worker").input);
    assert!(
        drain
            .deny
            .iter()
            .any(|d| d.contains("'cordon' is not in the allow-list")),
        "{:?}",
        drain.deny
    );
    // The Git rule still holds: the user's `break_glass_ok` is its own package's.
    let owned = gate.decide(&fixture("gitops-deny-owner-not-suspended").input);
    assert!(
        owned.deny.iter().any(|d| d.contains("applied from Git")),
        "{:?}",
        owned.deny
    );
}

#[test]
fn an_evaluation_error_denies_that_action_saying_why() {
    let rule = "package user.strict\n\n\
        deny contains msg if {\n  input.action.name == \"cordon\"\n  msg := sprintf(\"%v\", [to_number(\"twelve\")])\n}\n";
    let (mut gate, dir) = with_user(&[("strict.rego", rule)], None);
    assert_eq!(
        gate.problem(),
        None,
        "the probe does not reach the failing rule"
    );
    assert_fails_closed(
        &mut gate,
        "nodes-allow-cordon-worker",
        &dir.path().join("strict.rego").display().to_string(),
    );
    let ok = gate.decide(&fixture("allowlist-allow-scale").input);
    assert!(ok.allow, "other actions still decide: {ok:?}");
}

#[test]
fn an_evaluation_past_the_deadline_denies_and_the_next_decision_still_works() {
    // `numbers.range` builds its whole array before regorus' cooperative time check runs again.
    let slow = "package user.slow\n\n\
        deny contains \"slow\" if {\n  input.action.name == \"cordon\"\n  count(numbers.range(1, 3000000)) < 0\n}\n";
    let (gate, _dir) = with_user(&[("slow.rego", slow)], None);
    let mut gate = gate.with_deadline(Duration::from_millis(20));
    assert_fails_closed(
        &mut gate,
        "nodes-allow-cordon-worker",
        "did not finish within",
    );
    let next = gate.decide(&fixture("allowlist-allow-scale").input);
    assert!(next.allow, "{next:?}");
    // A loop is stopped by the cooperative limit itself.
    let looping = "package user.loop\n\n\
        deny contains \"loop\" if {\n  input.action.name == \"cordon\"\n  every x in numbers.range(1, 4000) { every y in numbers.range(1, 4000) { x + y > 0 } }\n}\n";
    let (gate, _dir) = with_user(&[("loop.rego", looping)], None);
    let mut gate = gate.with_deadline(Duration::from_millis(20));
    let decision = gate.decide(&fixture("nodes-allow-cordon-worker").input);
    assert!(decision.failed_closed(), "{decision:?}");
}

fn shipped_with_main(edit: impl Fn(&str) -> String) -> Gate {
    let mut sources = PolicySources::shipped();
    let main = sources
        .shipped
        .iter_mut()
        .find(|s| s.path == Path::new("policies/main.rego"))
        .unwrap();
    main.text = edit(&main.text);
    Gate::from_sources(&sources)
}

#[test]
fn an_undefined_or_malformed_decision_denies() {
    let mut undefined = shipped_with_main(|t| {
        t.replace(
            "decision := {",
            "decision := {\"x\": 1} if input.mode == \"none\"\n\nunused := {",
        )
    });
    let problem = undefined
        .problem()
        .cloned()
        .expect("the probe sees no decision");
    assert_eq!(problem, PolicyError::Undefined);
    assert_fails_closed(
        &mut undefined,
        "allowlist-allow-scale",
        "leave the decision undefined",
    );

    let mut runbook_only = shipped_with_main(|t| {
        t.replace(
            "decision := {",
            "decision := d if input.mode != \"runbook\"\n\nd := {",
        )
    });
    assert_eq!(runbook_only.problem(), None);
    let mut input = fixture("allowlist-allow-scale").input;
    input.mode = fluxops::policy::Mode::Runbook;
    let decision = runbook_only.decide(&input);
    assert!(
        decision.failed_closed() && decision.deny[0].contains("undefined"),
        "{decision:?}"
    );

    let mut malformed =
        shipped_with_main(|t| t.replace("\"allow\": allow,", "\"allow\": \"yes\","));
    assert!(
        matches!(malformed.problem(), Some(PolicyError::Shape(_))),
        "{:?}",
        malformed.problem()
    );
    assert_fails_closed(&mut malformed, "allowlist-allow-scale", "malformed");
}

#[test]
fn the_decision_is_allowed_only_without_deny_reasons_whatever_allow_says() {
    let mut gate = shipped_with_main(|t| t.replace("allow if count(deny) == 0", "allow := true"));
    assert_eq!(gate.problem(), None);
    let denied = gate.decide(&fixture("critical-deny-scale-to-zero").input);
    assert!(!denied.allow, "{denied:?}");
    let shipped = shipped_gate().decide(&fixture("critical-deny-scale-to-zero").input);
    assert_eq!(denied.deny, shipped.deny);
}

#[test]
fn a_broken_fixture_names_file_and_line() {
    let path = Path::new("fixtures/policy/typo.json");
    let text = "{\n  \"description\": \"x\",\n  \"input\": {\"action\": {\"name\": \"scale\", \"executor\": \"job\"},\n    \"breakglass\": true},\n  \"expect\": {\"allow\": true, \"confirmation\": \"none\"}\n}\n";
    let problem = fixture::parse(text, path).unwrap_err();
    assert!(
        problem.to_string().contains("unknown field `breakglass`"),
        "{problem}"
    );
    assert!(problem.line.is_some());
    let shipped_source = Source {
        path: PathBuf::from("policies/main.rego"),
        text: String::new(),
    };
    assert!(
        PolicySources::shipped()
            .shipped
            .iter()
            .any(|s| s.path == shipped_source.path)
    );
}

/// The input of every catalog action on a target of its first kind (namespace `apps`, none for nodes).
fn every_action_input() -> Vec<fluxops::policy::PolicyInput> {
    let catalog = fluxops::actions::Catalog::builtin().unwrap();
    let base = fixture("allowlist-allow-scale").input;
    catalog
        .actions
        .iter()
        .map(|spec| {
            let mut input = base.clone();
            input.action.name = spec.name.clone();
            input.action.executor = spec.executor.name().to_owned();
            input.action.dangerous = spec.dangerous;
            input.action.mutates = spec.mutates;
            input.action.owner_reverts = spec.owner_reverts;
            input.parameters.clear();
            let kind = spec.targets[0];
            input.target.kind = kind.as_str().to_owned();
            input.target.namespace = kind.is_namespaced().then(|| "apps".to_owned());
            input
        })
        .collect()
}

#[test]
fn every_mutating_action_is_denied_when_policies_fail_to_load_error_or_decide_nothing() {
    let inputs = every_action_input();
    assert!(inputs.iter().filter(|i| i.action.mutates).count() >= 15);
    let (broken, dir) = with_user(
        &[(
            "broken.rego",
            "package user.broken\n\ndeny contains \"x\" if {\n",
        )],
        None,
    );
    let failing = "package user.failing\n\ndeny contains msg if {\n  msg := sprintf(\"%v\", [to_number(input.target.name)])\n}\n";
    let (erroring, _dir2) = with_user(&[("failing.rego", failing)], None);
    let undefined = shipped_with_main(|t| {
        t.replace(
            "decision := {",
            "decision := {\"x\": 1} if input.mode == \"none\"\n\nunused := {",
        )
    });
    let broken_file = dir.path().join("broken.rego").display().to_string();
    for (name, mut gate, why) in [
        ("load error", broken, broken_file.as_str()),
        ("runtime error", erroring, "failing.rego"),
        ("undefined decision", undefined, "undefined"),
    ] {
        for input in inputs.iter().filter(|i| i.action.mutates) {
            let decision = gate.decide(input);
            assert!(
                !decision.allow && decision.failed_closed(),
                "{name}: {} allowed: {decision:?}",
                input.action.name
            );
            assert!(
                decision.deny.iter().any(|d| d.contains(why)),
                "{name}: {}: the reason lacks '{why}': {:?}",
                input.action.name,
                decision.deny
            );
        }
    }
    // The same inputs are decided (not failed closed) by the intact shipped policies: the denials above come
    // from the failures.
    let mut shipped = shipped_gate();
    for input in &inputs {
        let decision = shipped.decide(input);
        assert!(
            !decision.failed_closed(),
            "{}: {decision:?}",
            input.action.name
        );
    }
}

#[test]
fn the_embedded_cases_are_the_fixture_directory() {
    let mut embedded: Vec<String> = fixture::SHIPPED
        .iter()
        .map(|(p, _)| (*p).to_owned())
        .collect();
    embedded.sort();
    let on_disk: Vec<String> = fixtures()
        .iter()
        .map(|f| {
            format!(
                "fixtures/policy/{}",
                f.path.file_name().unwrap().to_string_lossy()
            )
        })
        .collect();
    assert_eq!(
        embedded, on_disk,
        "list a new case in policy::fixture::SHIPPED"
    );
    assert_eq!(fixture::shipped().unwrap().len(), on_disk.len());
}
