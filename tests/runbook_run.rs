//! `fluxops runbook run` through the real binary on the simulated cluster:
//! - the Helm-locked runbook on the demo's `data/postgresql` unlocks and resets it through the executor (a Job
//!   under its ServiceAccount) and walks to Ready; the transcript holds every step;
//! - the dependency-blocked runbook recovers a broken chain from its root cause down (the order of the
//!   reconcile patches read from the request log) and walks to Ready;
//! - a walk killed mid-action resumes (re-running a direct action, whose Job-less execution cannot be
//!   followed) and finishes; while it runs, a second walk on the same target is refused;
//! - the immutable-field runbook on the demo's `flux-system/apps` → `Deployment/apps/podinfo` recreates it;
//! - usage errors exit 2; `runbook validate` names file and line;
//! - a confirmation that cannot be given (standard input not a terminal, no `--yes`) stops the walk, the
//!   action's own confirmation as well as a `confirm` block: exit 4, the walk recorded as stopped with the
//!   reason (state and transcript), nothing written, and the next run on the target starts anew.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

#[path = "action_run_support/mod.rs"]
mod env;
mod support;

use env::{Env, OPERATOR, ks, text};
use fluxops::actions::Catalog;
use fluxops::job::rbac::{self, RbacOptions};
use fluxops::sim::SimSource;
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

fn command(env: &Env, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_fluxops"));
    cmd.args(args)
        .arg("--kubeconfig")
        .arg(&env.kubeconfig)
        .env("FLUXOPS_CONFIG_DIR", env.config_dir())
        .env("FLUXOPS_DATA_DIR", env.dir.path().join("data"))
        .env(
            "FLUXOPS_LOG_FILE",
            env.dir.path().join("data").join("fluxops.log"),
        )
        .env("RUST_BACKTRACE", "0")
        .env_remove("KUBECONFIG")
        .stdin(Stdio::null());
    cmd
}

async fn runbook(env: &Env, args: &[&str]) -> Output {
    let mut cmd = command(env, args);
    tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap()
}

/// The ServiceAccounts, Roles and bindings of `fluxops rbac`, put straight into the simulator.
fn install_rbac(env: &Env) {
    let options = RbacOptions {
        namespace: "fluxops-system".to_owned(),
        target_namespaces: vec![],
    };
    for obj in rbac::objects(&Catalog::builtin().unwrap(), &options) {
        env.sim
            .handle()
            .put_object(serde_json::to_value(&obj).unwrap())
            .unwrap();
    }
}

fn ready_reason(obj: &Value) -> Option<String> {
    obj["status"]["conditions"]
        .as_array()?
        .iter()
        .find(|c| c["type"] == "Ready")
        .map(|c| {
            format!(
                "{}/{}",
                c["status"].as_str().unwrap_or(""),
                c["reason"].as_str().unwrap_or("")
            )
        })
}

fn transcript_holds_every_step(path: &Path, titles: &[&str]) -> String {
    let transcript = std::fs::read_to_string(path).unwrap();
    for title in titles {
        assert!(
            transcript.contains(&format!("### {title}")),
            "{title} missing:\n{transcript}"
        );
        assert!(
            transcript.contains(&format!("| {title} | passed |")),
            "{title} not passed:\n{transcript}"
        );
    }
    assert!(transcript.contains("- Outcome: succeeded"), "{transcript}");
    assert!(
        transcript.contains(&format!("- Operator: {OPERATOR}")),
        "{transcript}"
    );
    transcript
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_helm_locked_runbook_unlocks_postgresql_and_walks_to_ready() {
    let env = Env::demo().await;
    install_rbac(&env);
    let hr = fluxops::actions::TargetRef::parse("HelmRelease/data/postgresql").unwrap();
    let locked = support::poll::eventually(Duration::from_secs(30), || async {
        let obj = env.get(&hr).await;
        obj["status"]["conditions"]
            .to_string()
            .contains("another operation")
            .then_some(())
    })
    .await;
    assert!(locked.is_some(), "postgresql never got locked");
    let file = env.dir.path().join("transcript.md");
    let out = runbook(
        &env,
        &[
            "runbook",
            "run",
            "helm-release-locked",
            "--target",
            "HelmRelease/data/postgresql",
            "--yes",
            "--transcript",
            file.to_str().unwrap(),
        ],
    )
    .await;
    let shown = text(&out);
    assert_eq!(out.status.code(), Some(0), "{shown}");
    assert!(
        shown.contains("helm-unlock on HelmRelease/data/postgresql: succeeded"),
        "{shown}"
    );
    assert_eq!(
        ready_reason(&env.get(&hr).await)
            .as_deref()
            .map(|r| r.starts_with("True/")),
        Some(true)
    );
    let transcript = transcript_holds_every_step(
        &file,
        &[
            "Make sure no Helm operation is running",
            "Unlock the release and reset its retries",
            "Verify",
        ],
    );
    assert!(
        transcript.contains("| Roll back | skipped |"),
        "{transcript}"
    );
    assert!(
        transcript.contains("confirmed by fluxops-sim (--yes)"),
        "{transcript}"
    );
    assert!(
        transcript.contains("Job fluxops-system/fluxops-helm-unlock-"),
        "{transcript}"
    );
    // The walk went through the audited pipeline.
    let audit = std::fs::read_to_string(env.audit()).unwrap();
    assert!(
        audit.contains("helm-unlock") && audit.contains("\"succeeded\""),
        "{audit}"
    );
    env.sim.shutdown().await;
}

const CHAIN: &str = r"
kind: Scenario
name: broken-chain
description: infra fails once and blocks configs and apps behind it.
---
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {name: repo, namespace: flux-system}
spec: {interval: 1h, url: 'https://example.com/fleet', ref: {branch: main}}
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: infra, namespace: flux-system}
spec: {interval: 1h, retryInterval: 1h, timeout: 1m, path: ./infra, prune: true, sourceRef: {kind: GitRepository, name: repo}}
simulation:
  reconcile: 2s
  failure: {reason: ReconciliationFailed, message: 'apply failed: webhook unavailable', times: 1}
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: configs, namespace: flux-system}
spec: {dependsOn: [{name: infra}], interval: 1h, retryInterval: 1h, timeout: 1m, path: ./configs, prune: true, sourceRef: {kind: GitRepository, name: repo}}
simulation: {reconcile: 2s}
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: apps, namespace: flux-system}
spec: {dependsOn: [{name: configs}], interval: 1h, retryInterval: 1h, timeout: 1m, path: ./apps, prune: true, sourceRef: {kind: GitRepository, name: repo}}
simulation: {reconcile: 2s}
";

/// The broken chain, once `apps` waits behind the failed `infra`.
async fn blocked_chain(scale: f64) -> (Env, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("chain.yaml");
    std::fs::write(&file, CHAIN).unwrap();
    let env = Env::scenario(SimSource::Scenario(file.display().to_string()), scale).await;
    let blocked = support::poll::eventually(Duration::from_secs(30), || async {
        let apps = ready_reason(&env.get(&ks("apps")).await);
        let infra = ready_reason(&env.get(&ks("infra")).await);
        (infra.as_deref() == Some("False/ReconciliationFailed")
            && apps.as_deref() == Some("False/DependencyNotReady"))
        .then_some(())
    })
    .await;
    assert!(blocked.is_some(), "the chain never got blocked");
    (env, dir)
}

fn reconciled_order(env: &Env) -> Vec<String> {
    env.writes_by(OPERATOR)
        .into_iter()
        .filter(|w| w.starts_with("PATCH") && w.ends_with("dryRun=false"))
        .map(|w| {
            w.split('/')
                .nth(7)
                .unwrap_or_default()
                .split('?')
                .next()
                .unwrap_or_default()
                .to_owned()
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dependency_blocked_runbook_recovers_the_chain_from_its_root_cause() {
    let (env, _dir) = blocked_chain(10.0).await;
    env.sim.handle().request_log().clear();
    let file = env.dir.path().join("transcript.md");
    let out = runbook(
        &env,
        &[
            "runbook",
            "run",
            "follow-dependency",
            "--target",
            "Kustomization/flux-system/apps",
            "--yes",
            "--poll",
            "200ms",
            "--transcript",
            file.to_str().unwrap(),
        ],
    )
    .await;
    let shown = text(&out);
    assert_eq!(out.status.code(), Some(0), "{shown}");
    assert_eq!(
        reconciled_order(&env),
        ["infra", "configs", "apps"],
        "{shown}"
    );
    for name in ["infra", "configs", "apps"] {
        assert_eq!(
            ready_reason(&env.get(&ks(name)).await)
                .as_deref()
                .map(|r| r.starts_with("True/")),
            Some(true)
        );
    }
    let transcript = transcript_holds_every_step(
        &file,
        &[
            "Find the root cause",
            "Fix the root cause",
            "Recover the chain from the root cause down",
            "Verify",
        ],
    );
    assert!(transcript.contains("is Ready at"), "{transcript}");
    assert!(
        transcript.contains("| Diagnose again | skipped |"),
        "{transcript}"
    );
    env.sim.shutdown().await;
}

/// Starts the binary and returns it once a line of its output contains `marker` (the lines so far too).
async fn start_until(
    env: &Env,
    args: &[&str],
    marker: &'static str,
) -> (std::process::Child, Vec<String>) {
    let mut cmd = command(env, args);
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    tokio::task::spawn_blocking(move || {
        let mut child = cmd.spawn().unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut seen = Vec::new();
        for line in BufReader::new(stdout).lines() {
            let line = line.unwrap();
            let found = line.contains(marker);
            seen.push(line);
            if found {
                return (child, seen);
            }
        }
        panic!(
            "'{marker}' never printed: {seen:?}\n{:?}",
            child.wait_with_output()
        );
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_walk_killed_mid_action_resumes_and_finishes_and_a_second_walk_is_refused() {
    // Real time: each reconcile of the chain takes 2s, so the kill lands inside recover-chain.
    let (env, _dir) = blocked_chain(1.0).await;
    let args = [
        "runbook",
        "run",
        "follow-dependency",
        "--target",
        "Kustomization/flux-system/apps",
        "--yes",
        "--poll",
        "200ms",
    ];
    let (mut child, seen) = start_until(&env, &args, "started").await;
    assert!(
        seen.iter().any(|l| l.contains("running recover-chain")),
        "{seen:?}"
    );

    // While it runs, a second walk on the target is refused and changes nothing.
    let second = runbook(&env, &args).await;
    assert_eq!(second.status.code(), Some(1), "{}", text(&second));
    assert!(
        text(&second).contains("already running in another process"),
        "{}",
        text(&second)
    );

    child.kill().unwrap();
    let _ = child.wait();
    let saved: PathBuf = env
        .dir
        .path()
        .join("data/runbooks/Kustomization_flux-system_apps.json");
    let walk: Value = serde_json::from_str(&std::fs::read_to_string(&saved).unwrap()).unwrap();
    assert!(walk["outcome"].is_null(), "{walk}");
    assert_eq!(
        walk["phase"]["acting"]["call"]["action"], "recover-chain",
        "{walk}"
    );

    let file = env.dir.path().join("transcript.md");
    let mut resumed_args = args.to_vec();
    resumed_args.extend(["--transcript", file.to_str().unwrap()]);
    let out = runbook(&env, &resumed_args).await;
    let shown = text(&out);
    assert_eq!(out.status.code(), Some(0), "{shown}");
    assert!(
        shown.contains("resuming the walk of 'follow-dependency'"),
        "{shown}"
    );
    let transcript = transcript_holds_every_step(
        &file,
        &[
            "Find the root cause",
            "Fix the root cause",
            "Recover the chain from the root cause down",
            "Verify",
        ],
    );
    assert!(
        transcript.contains("**resume**: walk resumed by fluxops-sim"),
        "{transcript}"
    );
    assert_eq!(
        ready_reason(&env.get(&ks("apps")).await)
            .as_deref()
            .map(|r| r.starts_with("True/")),
        Some(true)
    );
    env.sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_immutable_field_runbook_recreates_podinfo_and_walks_apps_to_ready() {
    let env = Env::demo().await;
    install_rbac(&env);
    let failing = support::poll::eventually(Duration::from_secs(30), || async {
        let obj = env.get(&ks("apps")).await;
        obj["status"]["conditions"]
            .to_string()
            .contains("field is immutable")
            .then_some(())
    })
    .await;
    assert!(failing.is_some(), "apps never hit the immutable field");
    let file = env.dir.path().join("transcript.md");
    let out = runbook(
        &env,
        &[
            "runbook",
            "run",
            "recreate-immutable",
            "--target",
            "Kustomization/flux-system/apps",
            "--input",
            "object=Deployment/apps/podinfo",
            "--yes",
            "--transcript",
            file.to_str().unwrap(),
        ],
    )
    .await;
    let shown = text(&out);
    assert_eq!(out.status.code(), Some(0), "{shown}");
    transcript_holds_every_step(
        &file,
        &[
            "Confirm the object and the field",
            "Accept the disruption",
            "Recreate the object",
            "Verify",
            "Record the Git follow-up",
        ],
    );
    assert!(
        std::fs::read_to_string(&file)
            .unwrap()
            .contains("kustomize.toolkit.fluxcd.io/force: enabled")
    );
    env.sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usage_errors_exit_2_and_validate_names_file_and_line() {
    let env = Env::demo().await;
    let unknown = runbook(
        &env,
        &[
            "runbook",
            "run",
            "no-such",
            "--target",
            "ks/flux-system/apps",
        ],
    )
    .await;
    assert_eq!(unknown.status.code(), Some(2), "{}", text(&unknown));
    assert!(text(&unknown).contains("unknown runbook 'no-such'"));
    let missing = runbook(
        &env,
        &[
            "runbook",
            "run",
            "recreate-immutable",
            "--target",
            "ks/flux-system/apps",
        ],
    )
    .await;
    assert_eq!(missing.status.code(), Some(2), "{}", text(&missing));
    assert!(
        text(&missing).contains("input 'object' is required"),
        "{}",
        text(&missing)
    );
    let kind = runbook(
        &env,
        &[
            "runbook",
            "run",
            "helm-release-locked",
            "--target",
            "ks/flux-system/apps",
        ],
    )
    .await;
    assert_eq!(kind.status.code(), Some(2), "{}", text(&kind));
    assert!(
        text(&kind).contains("applies to HelmRelease, not Kustomization"),
        "{}",
        text(&kind)
    );
    // Nothing was written by any of them.
    assert!(
        env.writes_by(OPERATOR).is_empty(),
        "{:?}",
        env.writes_by(OPERATOR)
    );
    let config = env.config_dir();
    env.sim.shutdown().await;

    let mut valid = Command::new(env!("CARGO_BIN_EXE_fluxops"));
    let ok = valid
        .args(["runbook", "validate"])
        .env("FLUXOPS_CONFIG_DIR", &config)
        .output()
        .unwrap();
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok));
    assert!(String::from_utf8_lossy(&ok.stdout).contains("runbook(s) valid"));
    let bad = Command::new(env!("CARGO_BIN_EXE_fluxops"))
        .args([
            "runbook",
            "validate",
            "fixtures/runbooks/invalid/unknown-action.md",
        ])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(1), "{}", text(&bad));
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains(
            "fixtures/runbooks/invalid/unknown-action.md:10: unknown action 'frobnicate'"
        ),
        "{}",
        text(&bad)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_walk_killed_while_its_job_runs_re_attaches_to_the_job_and_finishes() {
    let env = Env::scenario(SimSource::Scenario("demo".into()), 30.0).await;
    install_rbac(&env);
    let hr = fluxops::actions::TargetRef::parse("HelmRelease/data/postgresql").unwrap();
    let locked = support::poll::eventually(Duration::from_secs(30), || async {
        let obj = env.get(&hr).await;
        obj["status"]["conditions"]
            .to_string()
            .contains("another operation")
            .then_some(())
    })
    .await;
    assert!(locked.is_some(), "postgresql never got locked");
    let args = [
        "runbook",
        "run",
        "helm-release-locked",
        "--target",
        "HelmRelease/data/postgresql",
        "--yes",
        "--poll",
        "200ms",
    ];
    let (mut child, seen) =
        start_until(&env, &args, "created (ServiceAccount fluxops-helm-unlock)").await;
    child.kill().unwrap();
    let _ = child.wait();
    let walk: Value = serde_json::from_str(
        &std::fs::read_to_string(
            env.dir
                .path()
                .join("data/runbooks/HelmRelease_data_postgresql.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let execution = walk["phase"]["acting"]["execution"]
        .as_str()
        .unwrap_or_else(|| panic!("{walk}\n{seen:?}"))
        .to_owned();
    env.sim.handle().request_log().clear();

    let file = env.dir.path().join("transcript.md");
    let mut resumed = args.to_vec();
    resumed.extend(["--transcript", file.to_str().unwrap()]);
    let out = runbook(&env, &resumed).await;
    let shown = text(&out);
    assert_eq!(out.status.code(), Some(0), "{shown}");
    assert!(
        shown.contains(&format!(
            "re-attached to Job fluxops-helm-unlock-{execution}"
        )),
        "{shown}"
    );
    assert!(
        shown.contains(
            "helmrelease-reset HelmRelease/data/postgresql after the re-attached Job: succeeded"
        ),
        "{shown}"
    );
    // The unlock was not run again: the resumed walk created no Job, only the reset's patches.
    let writes = env.writes_by(OPERATOR);
    assert!(
        !writes.iter().any(|w| w.contains("/jobs")),
        "{writes:#?}\n{shown}"
    );
    assert!(
        writes.iter().any(|w| w.starts_with("PATCH")
            && w.contains("helmreleases/postgresql")
            && w.ends_with("dryRun=false")),
        "{writes:#?}"
    );
    transcript_holds_every_step(
        &file,
        &[
            "Make sure no Helm operation is running",
            "Unlock the release and reset its retries",
            "Verify",
        ],
    );
    assert_eq!(
        ready_reason(&env.get(&hr).await)
            .as_deref()
            .map(|r| r.starts_with("True/")),
        Some(true)
    );
    env.sim.shutdown().await;
}

/// A user runbook whose first block is an action (its confirmation is the executor's), and one whose first is a
/// `confirm` block.
const NUDGE: &str = "---
id: nudge
title: Nudge
classes: [unclassified]
target:
  kinds: [Kustomization]
---
# Nudge

Reconciles the target and waits for it.

## Reconcile it {#reconcile}

```action
action: reconcile
target: \"{{target}}\"
```

## Verify {#verify}

```check
expect: ready
timeout: 1m
```
";

const ACKNOWLEDGE: &str = "---
id: acknowledge
title: Acknowledge
classes: [unclassified]
target:
  kinds: [Kustomization]
---
# Acknowledge

## Agree {#agree}

```confirm
prompt: Nothing else touches {{target}} now.
```

## Reconcile it {#reconcile}

```action
action: reconcile
target: \"{{target}}\"
```
";

fn saved_walk(env: &Env) -> Value {
    let saved = env
        .dir
        .path()
        .join("data/runbooks/Kustomization_flux-system_apps.json");
    serde_json::from_str(&std::fs::read_to_string(&saved).unwrap()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_confirmation_not_given_stops_the_walk_with_why_and_frees_the_target() {
    let env = Env::demo().await;
    let dir = env.config_dir().join("runbooks");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("nudge.md"), NUDGE).unwrap();
    std::fs::write(dir.join("acknowledge.md"), ACKNOWLEDGE).unwrap();
    let file = env.dir.path().join("transcript.md");
    let args = [
        "runbook",
        "run",
        "nudge",
        "--target",
        "Kustomization/flux-system/apps",
        "--transcript",
        file.to_str().unwrap(),
    ];
    // Standard input is not a terminal and there is no --yes: the reconcile's confirmation cannot be asked.
    let out = runbook(&env, &args).await;
    let shown = text(&out);
    assert_eq!(out.status.code(), Some(4), "{shown}");
    assert!(shown.contains("walk stopped at 'reconcile'"), "{shown}");
    assert!(
        shown.contains("standard input is not a terminal"),
        "{shown}"
    );
    assert!(shown.contains("recorded as stopped"), "{shown}");
    let walk = saved_walk(&env);
    assert_eq!(walk["outcome"]["outcome"], "stopped", "{walk}");
    assert_eq!(walk["outcome"]["step"], "reconcile", "{walk}");
    assert!(
        walk["outcome"]["why"]
            .as_str()
            .unwrap()
            .contains("Run reconcile on Kustomization/flux-system/apps?"),
        "{walk}"
    );
    assert!(walk["phase"].is_null(), "no block left running: {walk}");
    assert_eq!(walk["steps"][0]["state"], "failed", "{walk}");
    assert_eq!(walk["steps"][1]["state"], "skipped", "{walk}");
    let transcript = std::fs::read_to_string(&file).unwrap();
    assert!(
        transcript.contains("- Outcome: stopped at 'reconcile': not confirmed"),
        "{transcript}"
    );
    assert!(
        transcript.contains("**stop**: not confirmed"),
        "{transcript}"
    );
    // Nothing was changed: the only request that writes is the preparation's server-side dry-run.
    let applied = |env: &Env| -> Vec<String> {
        env.writes_by(OPERATOR)
            .into_iter()
            .filter(|w| !w.contains("dryRun=All"))
            .collect()
    };
    assert!(applied(&env).is_empty(), "{:?}", applied(&env));
    // The audit record of the action says it was cancelled, and why.
    let audit = std::fs::read_to_string(env.audit()).unwrap();
    assert!(
        audit.contains("\"cancelled\"") && audit.contains("standard input is not a terminal"),
        "{audit}"
    );

    // The target is free and the stopped walk finished: another runbook starts a new walk on it (no --discard
    // needed), and stops at its `confirm` block for the same reason.
    let other = runbook(
        &env,
        &[
            "runbook",
            "run",
            "acknowledge",
            "--target",
            "Kustomization/flux-system/apps",
        ],
    )
    .await;
    let shown = text(&other);
    assert_eq!(other.status.code(), Some(4), "{shown}");
    assert!(shown.contains("walking 'acknowledge'"), "{shown}");
    assert!(!shown.contains("resuming"), "{shown}");
    assert!(shown.contains("walk stopped at 'agree'"), "{shown}");
    let walk = saved_walk(&env);
    assert_eq!(walk["runbook"], "acknowledge", "{walk}");
    assert_eq!(walk["outcome"]["outcome"], "stopped", "{walk}");
    assert_eq!(walk["steps"][0]["state"], "failed", "{walk}");
    assert!(applied(&env).is_empty(), "{:?}", applied(&env));
    env.sim.shutdown().await;
}
