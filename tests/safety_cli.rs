//! The commands of acting safely through the real binary, as a script or CI job meets them: `action list` (text
//! and JSON), `policy test` (the shipped cases pass; a failing case is named and exits 1), `policy eval`, `rbac`
//! (namespace configurable), `audit --verify` (an edited or removed record is named by line, exit 1), and every
//! broken policy, catalog or case file as one line `error: file:line: …`. Each run has its own config and data
//! directories, so the developer's files never leak in.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

use fluxops::actions::{Catalog, ExecutionId, ParamValues, TargetRef};
use fluxops::audit::{AuditLog, Event, Outcome};
use fluxops::policy::{Confirmation, Decision, Mode};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const MANIFEST_DIR: &str = env!("CARGO_MANIFEST_DIR");

/// An isolated user: its config directory (settings, policies) and data directory (audit log).
struct User {
    config: tempfile::TempDir,
    data: tempfile::TempDir,
}

impl User {
    fn new() -> Self {
        Self {
            config: tempfile::tempdir().unwrap(),
            data: tempfile::tempdir().unwrap(),
        }
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_fluxops"))
            .args(args)
            .current_dir(MANIFEST_DIR)
            .env("FLUXOPS_CONFIG_DIR", self.config.path())
            .env("FLUXOPS_DATA_DIR", self.data.path())
            .env("FLUXOPS_LOG_FILE", self.data.path().join("fluxops.log"))
            .env("RUST_BACKTRACE", "0")
            .env_remove("KUBECONFIG")
            .output()
            .unwrap()
    }

    fn policy_file(&self, name: &str, text: &str) -> PathBuf {
        let dir = self.config.path().join("policies");
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn code(out: &Output) -> i32 {
    out.status.code().unwrap()
}

/// Exactly one line on stderr, `error: ` first, naming `file:line:`.
fn assert_error_at(out: &Output, file: &Path, line: usize) -> String {
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(err.lines().count(), 1, "{err}");
    let want = format!("error: {}:{line}: ", file.display());
    assert!(err.starts_with(&want), "expected '{want}…', got {err}");
    assert!(!err.contains('\u{1b}'), "{err}");
    err
}

#[test]
fn action_list_shows_every_catalog_action_as_text_and_json() {
    let user = User::new();
    let catalog = Catalog::builtin().unwrap();
    let text = user.run(&["action", "list"]);
    assert_eq!(code(&text), 0);
    let json = user.run(&["action", "list", "-o", "json"]);
    assert_eq!(code(&json), 0);
    let listed: Vec<serde_json::Value> = serde_json::from_slice(&json.stdout).unwrap();
    let names: Vec<&str> = listed.iter().map(|a| a["name"].as_str().unwrap()).collect();
    let want: Vec<&str> = catalog.actions.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, want);
    for action in &catalog.actions {
        assert!(
            stdout(&text)
                .lines()
                .any(|l| l.starts_with(&format!("{}  ", action.name))),
            "{} missing from the text list",
            action.name
        );
    }
    let scale = listed.iter().find(|a| a["name"] == "scale").unwrap();
    assert_eq!(scale["executor"], "job");
    assert_eq!(scale["service_account"], "fluxops-scale");
    assert_eq!(scale["timeout"]["max_seconds"], 900);
    assert!(
        scale["params"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["name"] == "replicas" && p["max"].is_i64())
    );

    let deployments = user.run(&["action", "list", "--kind", "deploy", "-o", "json"]);
    let listed: Vec<serde_json::Value> = serde_json::from_slice(&deployments.stdout).unwrap();
    assert!(listed.iter().any(|a| a["name"] == "scale"));
    assert!(listed.iter().all(|a| {
        a["targets"]
            .as_array()
            .unwrap()
            .iter()
            .any(|k| k == "Deployment")
    }));
    assert!(!listed.iter().any(|a| a["name"] == "cordon"));

    let unknown = user.run(&["action", "list", "--kind", "Widget"]);
    assert_eq!(code(&unknown), 2);
    assert!(String::from_utf8_lossy(&unknown.stderr).starts_with("error: unknown kind 'Widget'"));
}

#[test]
fn policy_test_passes_the_shipped_cases_and_names_each_failing_one() {
    let user = User::new();
    let shipped = user.run(&["policy", "test"]);
    assert_eq!(code(&shipped), 0, "{}", stdout(&shipped));
    let cases = std::fs::read_dir(Path::new(MANIFEST_DIR).join("fixtures/policy"))
        .unwrap()
        .count();
    assert!(
        stdout(&shipped).ends_with(&format!("{cases} cases, {cases} passed, 0 failed\n")),
        "{}",
        stdout(&shipped)
    );
    let explicit = user.run(&["policy", "test", "fixtures/policy"]);
    assert_eq!(code(&explicit), 0, "{}", stdout(&explicit));

    // The user's own cases run with the shipped ones; two that expect the wrong thing fail, each by name.
    let tests = user.config.path().join("policies/tests");
    std::fs::create_dir_all(&tests).unwrap();
    for (name, from) in [
        ("wrong-allow", "critical-deny-scale-to-zero"),
        ("wrong-deny", "allowlist-allow-scale"),
    ] {
        let text = std::fs::read_to_string(
            Path::new(MANIFEST_DIR).join(format!("fixtures/policy/{from}.json")),
        )
        .unwrap();
        let mut case: serde_json::Value = serde_json::from_str(&text).unwrap();
        let allow = case["expect"]["allow"].as_bool().unwrap();
        case["expect"]["allow"] = serde_json::Value::Bool(!allow);
        std::fs::write(tests.join(format!("{name}.json")), case.to_string()).unwrap();
    }
    let failing = user.run(&["policy", "test"]);
    assert_eq!(code(&failing), 1);
    let out = stdout(&failing);
    for name in ["wrong-allow", "wrong-deny"] {
        assert!(
            out.lines()
                .any(|l| l.starts_with("FAIL") && l.contains(name)),
            "{out}"
        );
    }
    assert!(out.contains("allow: expected true, got false"), "{out}");
    assert!(
        out.ends_with(&format!("{} cases, {cases} passed, 2 failed\n", cases + 2)),
        "{out}"
    );
    let json = user.run(&["policy", "test", "-o", "json"]);
    let listed: Vec<serde_json::Value> = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(listed.iter().filter(|c| c["passed"] == false).count(), 2);
}

#[test]
fn policy_eval_decides_an_input_and_exits_by_the_verdict() {
    let user = User::new();
    let allowed = user.run(&[
        "policy",
        "eval",
        "--input",
        "fixtures/policy/allowlist-allow-scale.json",
    ]);
    assert_eq!(code(&allowed), 0);
    assert!(
        stdout(&allowed).starts_with("allowed (confirmation: "),
        "{}",
        stdout(&allowed)
    );
    let denied = user.run(&[
        "policy",
        "eval",
        "--input",
        "fixtures/policy/gitops-deny-owner-not-suspended.json",
        "-o",
        "json",
    ]);
    assert_eq!(code(&denied), 1);
    let shown: serde_json::Value = serde_json::from_slice(&denied.stdout).unwrap();
    assert_eq!(shown["decision"]["allow"], false);
    assert!(
        shown["decision"]["deny"][0]
            .as_str()
            .unwrap()
            .contains("not suspended")
    );
    assert!(shown["digest"].as_str().unwrap().starts_with("sha256:"));
    // A bare input document (the fixture's `input`) decides the same.
    let text = std::fs::read_to_string(
        Path::new(MANIFEST_DIR).join("fixtures/policy/gitops-deny-owner-not-suspended.json"),
    )
    .unwrap();
    let case: serde_json::Value = serde_json::from_str(&text).unwrap();
    let bare = user.config.path().join("input.json");
    std::fs::write(&bare, serde_json::to_string_pretty(&case["input"]).unwrap()).unwrap();
    let again = user.run(&[
        "policy",
        "eval",
        "--input",
        bare.to_str().unwrap(),
        "-o",
        "json",
    ]);
    assert_eq!(code(&again), 1);
    let again: serde_json::Value = serde_json::from_slice(&again.stdout).unwrap();
    assert_eq!(again["digest"], shown["digest"]);
}

#[test]
fn a_broken_policy_names_file_and_line_and_every_decision_denies() {
    let user = User::new();
    let rego = user.policy_file(
        "freeze.rego",
        "package user.freeze\n\ndeny contains \"x\" if {\n  input.mode ==\n}\n",
    );
    let tested = user.run(&["policy", "test"]);
    assert_eq!(code(&tested), 1);
    assert_error_at(&tested, &rego, 5);
    assert_eq!(
        stdout(&tested),
        "",
        "no case runs against policies that did not load"
    );

    let eval = user.run(&[
        "policy",
        "eval",
        "--input",
        "fixtures/policy/allowlist-allow-scale.json",
        "-o",
        "json",
    ]);
    assert_eq!(code(&eval), 1);
    assert_error_at(&eval, &rego, 5);
    let shown: serde_json::Value = serde_json::from_slice(&eval.stdout).unwrap();
    assert_eq!(shown["decision"]["allow"], false);
    let reason = shown["decision"]["deny"][0].as_str().unwrap();
    assert!(
        reason.contains("every action is denied")
            && reason.contains(&format!("{}:5:", rego.display())),
        "{reason}"
    );
}

#[test]
fn broken_catalog_and_case_files_name_file_and_line() {
    let user = User::new();
    let dir = Path::new(MANIFEST_DIR).join("fixtures/actions/invalid");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(files.len() >= 10);
    for file in &files {
        for command in [&["action", "list", "--catalog"][..], &["rbac", "--catalog"]] {
            let mut args = command.to_vec();
            args.push(file.to_str().unwrap());
            let out = user.run(&args);
            assert_eq!(code(&out), 1, "{args:?}");
            let err = String::from_utf8_lossy(&out.stderr).into_owned();
            let prefix = format!("error: {}:", file.display());
            let line: Option<usize> = err
                .strip_prefix(&prefix)
                .and_then(|r| r.split(':').next())
                .and_then(|n| n.parse().ok());
            assert!(line.is_some_and(|l| l > 0), "{args:?}: {err}");
            assert_eq!(err.lines().count(), 1, "{err}");
            assert_eq!(stdout(&out), "", "{args:?}");
        }
    }

    let cases = tempfile::tempdir().unwrap();
    let broken = cases.path().join("typo.json");
    std::fs::write(&broken, "{\n  \"description\": \"x\",\n  \"input\": {\"action\": {\"name\": \"scale\", \"executor\": \"job\"},\n    \"breakglass\": true},\n  \"expect\": {\"allow\": true, \"confirmation\": \"none\"}\n}\n").unwrap();
    let out = user.run(&["policy", "test", cases.path().to_str().unwrap()]);
    assert_eq!(code(&out), 1);
    assert!(assert_error_at(&out, &broken, 4).contains("unknown field `breakglass`"));
    let out = user.run(&["policy", "eval", "--input", broken.to_str().unwrap()]);
    assert_eq!(code(&out), 1);
    assert_error_at(&out, &broken, 4);
    std::fs::write(&broken, "{\"description\": \"x\",\n\"input\": [}\n").unwrap();
    assert_error_at(
        &user.run(&["policy", "test", cases.path().to_str().unwrap()]),
        &broken,
        2,
    );
}

fn yaml_documents(text: &str) -> Vec<serde_json::Value> {
    text.split("\n---\n")
        .skip(1)
        .map(|doc| {
            serde_saphyr::from_str::<serde_json::Value>(doc)
                .unwrap_or_else(|e| panic!("{e}: {doc}"))
        })
        .collect()
}

#[test]
fn rbac_prints_an_account_role_and_binding_per_job_action_in_the_namespace_asked() {
    let user = User::new();
    let catalog = Catalog::builtin().unwrap();
    for (args, namespace) in [
        (&["rbac"][..], "fluxops-system"),
        (&["rbac", "--namespace", "ops-actions"], "ops-actions"),
    ] {
        let out = user.run(args);
        assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
        let docs = yaml_documents(&stdout(&out));
        for action in catalog.actions.iter().filter(|a| a.job().is_some()) {
            let account = format!("fluxops-{}", action.name);
            assert!(
                docs.iter().any(|d| d["kind"] == "ServiceAccount"
                    && d["metadata"]["name"] == account.as_str()
                    && d["metadata"]["namespace"] == namespace),
                "{account} in {namespace}"
            );
            let bound = docs.iter().any(|d| {
                d["kind"].as_str().is_some_and(|k| k.ends_with("Binding"))
                    && d["subjects"].as_array().is_some_and(|s| {
                        s.iter()
                            .any(|s| s["name"] == account.as_str() && s["namespace"] == namespace)
                    })
            });
            assert!(bound, "{account} is bound to its role");
        }
        for d in docs
            .iter()
            .filter(|d| d["kind"].as_str().is_some_and(|k| k.ends_with("Role")))
        {
            for rule in d["rules"].as_array().unwrap() {
                for field in ["verbs", "resources", "apiGroups"] {
                    assert!(
                        !rule[field].as_array().unwrap().iter().any(|v| v == "*"),
                        "no wildcard: {d}"
                    );
                }
            }
        }
    }
    let bad = user.run(&["rbac", "--namespace", "Not_A_Namespace"]);
    assert_eq!(code(&bad), 2);
    assert!(
        String::from_utf8_lossy(&bad.stderr)
            .starts_with("error: 'Not_A_Namespace' is not a namespace name")
    );
    // The `actions.namespace` setting is the default.
    std::fs::write(
        user.config.path().join("settings.yaml"),
        "actions:\n  namespace: from-settings\n",
    )
    .unwrap();
    let docs = yaml_documents(&stdout(&user.run(&["rbac"])));
    assert!(docs.iter().any(|d| d["kind"] == "ServiceAccount" && d["metadata"]["namespace"] == "from-settings"));
    assert!(
        !docs
            .iter()
            .any(|d| d["metadata"]["namespace"] == "fluxops-system")
    );
}

fn write_log(path: &Path, n: usize) {
    let catalog = Catalog::builtin().unwrap();
    let spec = catalog.get("scale").unwrap();
    let params = ParamValues::from_pairs(
        spec,
        &[fluxops::actions::params::parse_pair("replicas=2").unwrap()],
    )
    .unwrap();
    let target = TargetRef::parse("Deployment/apps/web").unwrap();
    let decision = Decision {
        allow: true,
        deny: vec![],
        warnings: vec![],
        confirmation: Confirmation::Simple,
        break_glass: None,
        policy_error: None,
    };
    let log = AuditLog::at(path);
    for i in 0..n {
        let id = ExecutionId::parse(&format!("{i:012x}")).unwrap();
        let event = if i % 2 == 0 {
            Event::decision(
                &id,
                "scale",
                &target,
                "alice",
                Mode::Cli,
                &params,
                &decision,
            )
        } else {
            Event::outcome(&id, "scale", &target, Outcome::Succeeded, "replicas 2/2")
        };
        log.append(&event, &format!("2025-06-0{}T10:00:00Z", i + 1))
            .unwrap();
    }
}

#[test]
fn audit_lists_since_a_time_and_verify_names_an_edited_or_removed_record() {
    let user = User::new();
    let path = user.data.path().join("audit.jsonl");
    write_log(&path, 6);
    let listed = user.run(&["audit"]);
    assert_eq!(code(&listed), 0);
    assert_eq!(stdout(&listed).lines().count(), 6, "{}", stdout(&listed));
    let since = user.run(&["audit", "--since", "2025-06-04", "-o", "json"]);
    let records: Vec<serde_json::Value> = serde_json::from_slice(&since.stdout).unwrap();
    assert_eq!(records.len(), 3);
    let bad = user.run(&["audit", "--since", "last tuesday"]);
    assert_eq!(code(&bad), 2);

    let intact = user.run(&["audit", "--verify"]);
    assert_eq!(code(&intact), 0, "{}", stdout(&intact));
    assert!(
        stdout(&intact).contains("6 records, chain intact"),
        "{}",
        stdout(&intact)
    );

    let text = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    // Edited: the outcome of record 4 rewritten, its line otherwise intact.
    let edited: Vec<String> = lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            if i == 3 {
                l.replace("succeeded", "failed")
            } else {
                (*l).to_owned()
            }
        })
        .collect();
    assert_ne!(edited[3], lines[3]);
    std::fs::write(&path, edited.join("\n") + "\n").unwrap();
    let out = user.run(&["audit", "--verify"]);
    assert_eq!(code(&out), 1);
    assert!(
        stdout(&out).starts_with(&format!("{}:4: ", path.display())),
        "{}",
        stdout(&out)
    );
    // Removed: record 3 gone; the record after it is named (the line where the chain breaks).
    let removed: Vec<&str> = lines
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != 2)
        .map(|(_, l)| *l)
        .collect();
    std::fs::write(&path, removed.join("\n") + "\n").unwrap();
    let out = user.run(&["audit", "--verify", "-o", "json"]);
    assert_eq!(code(&out), 1);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["problems"][0]["line"], 3, "{v}");
}

#[test]
fn readonly_before_a_command_that_sends_nothing_is_accepted() {
    let user = User::new();
    for args in [
        &["--readonly", "action", "list"][..],
        &["--readonly", "rbac"],
        &["--readonly", "policy", "test"],
    ] {
        let out = user.run(args);
        assert_eq!(
            code(&out),
            0,
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let out = user.run(&["--readonly", "sim"]);
    assert_eq!(code(&out), 2);
}
