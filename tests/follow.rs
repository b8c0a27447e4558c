//! `fluxops follow` end to end: the real binary against the simulated cluster (its kubeconfig), the revision
//! pushed into the `rollout` scenario with `Simulation::push_revision`, failures injected with
//! `Simulation::inject_failure`. Fast: the scenario runs 20 times faster than real time, timeouts are short.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers fail the test loudly"
)]

mod support;

use fluxops::flux::{FluxKind, ResourceRef};
use fluxops::sim::scenario::FailurePlan;
use fluxops::sim::simulation::{SimConfig, SimSource, Simulation, start};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use support::objects::r;
use support::poll::eventually;
use support::sim::stored;

const SHA: &str = "4f1c2b9a7e3d5c6b8a9f0e1d2c3b4a5f6e7d8c9b";
const IMMUTABLE: &str = r#"Deployment/apps/podinfo dry-run failed (Invalid): Deployment.apps "podinfo" is invalid: spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"podinfo"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable"#;

struct Cluster {
    sim: Simulation,
    kubeconfig: PathBuf,
    /// Not a Git repository: no `.fluxops.yaml` applies.
    dir: tempfile::TempDir,
}

fn ks(ns: &str, name: &str) -> ResourceRef {
    r(FluxKind::Kustomization, ns, name)
}

fn git(ns: &str, name: &str) -> ResourceRef {
    r(FluxKind::GitRepository, ns, name)
}

/// Starts the rollout scenario and waits until `settled` are all Ready (the first reconcile wave is over).
async fn rollout(settled: &[ResourceRef]) -> Cluster {
    let sim = start(SimConfig::new(SimSource::Scenario("rollout".into())))
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("kubeconfig");
    sim.write_kubeconfig(&kubeconfig).unwrap();
    for o in settled {
        wait_until(&sim, o, |v| ready(v).is_some()).await;
    }
    Cluster {
        sim,
        kubeconfig,
        dir,
    }
}

fn ready(v: &Value) -> Option<()> {
    let conds = v.pointer("/status/conditions")?.as_array()?;
    conds
        .iter()
        .any(|c| c["type"] == "Ready" && c["status"] == "True")
        .then_some(())
}

async fn wait_until(sim: &Simulation, o: &ResourceRef, ok: impl Fn(&Value) -> bool) {
    let got = eventually(Duration::from_secs(15), || async {
        stored(sim, o).filter(|v| ok(v))
    })
    .await;
    assert!(got.is_some(), "{o} did not get there");
}

/// `fluxops follow` with `args`, in `dir`, against the cluster's kubeconfig.
fn follow(kubeconfig: &Path, dir: &Path, args: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_fluxops"))
        .arg("follow")
        .arg("--kubeconfig")
        .arg(kubeconfig)
        .args(args)
        .current_dir(dir)
        .env_remove("KUBECONFIG")
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap()
}

/// Reads stdout lines until one contains `marker` (returns the lines read), while follow runs.
async fn read_until(
    child: &mut Child,
    marker: &str,
) -> (Vec<String>, BufReader<tokio::process::ChildStdout>) {
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let mut lines = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let mut line = String::new();
        let n = tokio::time::timeout_at(deadline, reader.read_line(&mut line))
            .await
            .expect("follow printed the marker in time")
            .unwrap();
        assert!(n > 0, "follow ended before '{marker}': {lines:?}");
        let found = line.contains(marker);
        lines.push(line.trim_end().to_owned());
        if found {
            return (lines, reader);
        }
    }
}

/// Waits for the exit; returns (exit code, every stdout line, stderr).
async fn finish(
    mut child: Child,
    mut lines: Vec<String>,
    mut reader: BufReader<tokio::process::ChildStdout>,
) -> (i32, Vec<String>, String) {
    let mut rest = String::new();
    tokio::time::timeout(Duration::from_secs(60), async {
        use tokio::io::AsyncReadExt;
        reader.read_to_string(&mut rest).await.unwrap();
    })
    .await
    .expect("follow finished in time");
    lines.extend(rest.lines().map(str::to_owned));
    let status = child.wait().await.unwrap();
    let mut err = String::new();
    if let Some(mut e) = child.stderr.take() {
        use tokio::io::AsyncReadExt;
        e.read_to_string(&mut err).await.unwrap();
    }
    (status.code().unwrap_or(-1), lines, err)
}

async fn run_to_end(child: Child) -> (i32, Vec<String>, String) {
    let mut child = child;
    let reader = BufReader::new(child.stdout.take().unwrap());
    finish(child, Vec::new(), reader).await
}

fn position(lines: &[String], needle: &str) -> usize {
    lines
        .iter()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("no line with '{needle}' in {lines:#?}"))
}

fn json_lines(lines: &[String]) -> Vec<Value> {
    lines
        .iter()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l}: {e}")))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_revision_rolls_through_the_chain_and_follow_exits_0_with_the_lines_in_order() {
    let c = rollout(&[
        ks("flux-system", "apps"),
        r(FluxKind::HelmRelease, "flux-system", "podinfo"),
    ])
    .await;
    let mut child = follow(
        &c.kubeconfig,
        c.dir.path(),
        &["--revision", SHA, "--timeout", "60s"],
    );
    let (lines, reader) = read_until(&mut child, "waiting for a source to pick up revision").await;
    c.sim
        .push_revision(&git("flux-system", "flux-system"), SHA)
        .unwrap();
    let (code, lines, err) = finish(child, lines, reader).await;
    assert_eq!(code, 0, "{lines:#?}\n{err}");
    let source = position(
        &lines,
        &format!(
            "↻ GitRepository/flux-system/flux-system: at main@sha1:{}",
            &SHA[..12]
        ),
    );
    let reconciling = position(&lines, "⟳ infra-controllers: reconciling main@sha1:");
    let controllers = position(&lines, "✓ infra-controllers: Ready (");
    let configs = position(&lines, "✓ infra-configs: Ready (");
    let apps = position(&lines, "✓ apps: Ready (");
    let podinfo = position(&lines, "✓ podinfo: Ready (");
    assert!(
        source < reconciling && reconciling < controllers,
        "{lines:#?}"
    );
    assert!(
        controllers < configs && configs < apps,
        "the chain is applied in dependsOn order: {lines:#?}"
    );
    assert!(source < podinfo, "{lines:#?}");
    assert!(
        lines
            .last()
            .unwrap()
            .starts_with(&format!("✓ revision {}: 4/4 Ready in", &SHA[..12])),
        "{lines:#?}"
    );
    assert!(
        !lines.iter().any(|l| l.contains("team-")),
        "other repositories are not followed: {lines:#?}"
    );
    c.sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_injected_failure_exits_1_with_the_failure_and_its_next_step() {
    let c = rollout(&[ks("flux-system", "apps")]).await;
    let failure = FailurePlan {
        reason: Some("ReconciliationFailed".into()),
        message: IMMUTABLE.into(),
        ..FailurePlan::default()
    };
    c.sim
        .inject_failure(&ks("flux-system", "apps"), failure)
        .unwrap();
    c.sim
        .push_revision(&git("flux-system", "flux-system"), SHA)
        .unwrap();
    let child = follow(
        &c.kubeconfig,
        c.dir.path(),
        &[
            "--revision",
            &SHA[..7],
            "--timeout",
            "60s",
            "--output",
            "json",
        ],
    );
    let (code, lines, err) = run_to_end(child).await;
    assert_eq!(code, 1, "{lines:#?}\n{err}");
    let events = json_lines(&lines);
    let failed = events
        .iter()
        .find(|e| e["event"] == "failed")
        .unwrap_or_else(|| panic!("no failed line: {lines:#?}"));
    assert_eq!(failed["object"]["name"], "apps");
    assert_eq!(failed["reason"], "ReconciliationFailed");
    assert!(
        failed["message"]
            .as_str()
            .unwrap()
            .contains("spec.selector: Invalid value"),
        "{failed}"
    );
    if let Some(diagnosis) = failed.get("diagnosis") {
        // Once the classifier is in, it must call this what it is.
        assert_eq!(diagnosis["class"], "immutable-field", "{diagnosis}");
    }
    let summary = events.last().unwrap();
    assert_eq!(summary["event"], "summary");
    assert_eq!(summary["verdict"], "failed");
    let apps = summary["objects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["object"]["name"] == "apps")
        .unwrap();
    assert_eq!(apps["state"], "failed");

    // The same failure in text: the reason line, then the next step.
    let child = follow(
        &c.kubeconfig,
        c.dir.path(),
        &["--revision", SHA, "--timeout", "30s"],
    );
    let (code, lines, err) = run_to_end(child).await;
    assert_eq!(code, 1, "{lines:#?}\n{err}");
    let at = position(&lines, "✗ apps: failed — ");
    assert!(
        lines[at + 1].trim_start().starts_with("next: "),
        "{lines:#?}"
    );
    c.sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hung_object_exits_2_at_the_timeout_saying_what_is_reconciling_blocked_or_not_reconciled()
{
    let c = rollout(&[ks("team-a", "team-a-apps"), ks("team-a", "team-a-legacy")]).await;
    c.sim.push_revision(&git("team-a", "team-a"), SHA).unwrap();
    let child = follow(
        &c.kubeconfig,
        c.dir.path(),
        &["--revision", SHA, "--timeout", "5s", "--output", "json"],
    );
    let (code, lines, err) = run_to_end(child).await;
    assert_eq!(code, 2, "{lines:#?}\n{err}");
    let summary = json_lines(&lines).pop().unwrap();
    assert_eq!(summary["verdict"], "timed-out");
    let state = |name: &str| {
        summary["objects"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["object"]["name"] == name)
            .cloned()
            .unwrap_or_else(|| panic!("{name} not in {summary}"))
    };
    // Stuck by the console's rules only past its timeout + 1m; within these seconds it is still reconciling.
    let hung = state("team-a");
    assert_eq!(hung["state"], "reconciling", "{hung}");
    let doing = format!("Fetching manifests for revision main@sha1:{SHA} with a timeout of 2s");
    assert_eq!(hung["why"], doing.as_str(), "{hung}");
    let blocked = state("team-a-apps");
    assert_eq!(blocked["state"], "blocked", "{blocked}");
    assert!(
        blocked["why"].as_str().unwrap().contains("team-a/team-a"),
        "{blocked}"
    );
    let overdue = state("team-a-legacy");
    assert_eq!(overdue["state"], "pending", "{overdue}");
    assert!(
        overdue["why"]
            .as_str()
            .unwrap()
            .starts_with("not at the revision yet: still at main@sha1:"),
        "{overdue}"
    );
    c.sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_fail_fast_a_cascade_behind_a_failure_settles_and_exits_1() {
    let c = rollout(&[ks("team-b", "team-b-apps")]).await;
    c.sim.push_revision(&git("team-b", "team-b"), SHA).unwrap();
    let child = follow(
        &c.kubeconfig,
        c.dir.path(),
        &["--revision", SHA, "--timeout", "60s", "--no-fail-fast"],
    );
    let (code, lines, err) = run_to_end(child).await;
    assert_eq!(code, 1, "{lines:#?}\n{err}");
    position(&lines, "✗ team-b-infra: failed — ");
    position(&lines, "… team-b-apps: waiting on team-b/team-b-infra");
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("  team-b-apps: blocked — waiting on")),
        "{lines:#?}"
    );
    c.sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failure_seen_before_the_timeout_exits_1_not_2() {
    // The same commit reaches flux-system (where apps fails) and team-a (where team-a hangs): without
    // fail-fast nothing settles, the timeout comes, and the failure seen before it is the verdict.
    let c = rollout(&[ks("flux-system", "apps"), ks("team-a", "team-a-apps")]).await;
    let failure = FailurePlan {
        reason: Some("ReconciliationFailed".into()),
        message: IMMUTABLE.into(),
        ..FailurePlan::default()
    };
    c.sim
        .inject_failure(&ks("flux-system", "apps"), failure)
        .unwrap();
    c.sim
        .push_revision(&git("flux-system", "flux-system"), SHA)
        .unwrap();
    c.sim.push_revision(&git("team-a", "team-a"), SHA).unwrap();
    let child = follow(
        &c.kubeconfig,
        c.dir.path(),
        &[
            "--revision",
            SHA,
            "--timeout",
            "25s",
            "--no-fail-fast",
            "-o",
            "json",
        ],
    );
    let (code, lines, err) = run_to_end(child).await;
    let events = json_lines(&lines);
    assert!(
        events
            .iter()
            .any(|e| e["event"] == "failed" && e["object"]["name"] == "apps"),
        "{lines:#?}"
    );
    let summary = events.last().unwrap();
    assert_eq!(summary["verdict"], "failed", "{summary}");
    assert_eq!(summary["revision"], SHA, "JSON keeps the whole revision");
    let hung = summary["objects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["object"]["name"] == "team-a")
        .unwrap();
    assert_ne!(
        hung["state"], "ready",
        "still unsettled at the timeout: {hung}"
    );
    assert_eq!(code, 1, "{lines:#?}\n{err}");
    c.sim.shutdown().await;
}

fn git_init(dir: &Path) {
    let ok = std::process::Command::new("git")
        .args(["init", "-q"])
        .current_dir(dir)
        .status()
        .unwrap()
        .success();
    assert!(ok, "git init");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_fluxops_yaml_fails_naming_file_line_and_field() {
    let dir = tempfile::tempdir().unwrap();
    git_init(dir.path());
    std::fs::write(
        dir.path().join(".fluxops.yaml"),
        "follow:\n  timeout: 5m\n  failfast: true\n",
    )
    .unwrap();
    let child = follow(
        Path::new("/nonexistent/kubeconfig"),
        dir.path(),
        &["--revision", SHA],
    );
    let (code, lines, err) = run_to_end(child).await;
    assert_eq!(code, 3, "{lines:#?}\n{err}");
    assert!(err.contains(".fluxops.yaml:3:"), "{err}");
    assert!(err.contains("failfast"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fluxops_yaml_sets_the_defaults_and_flags_override_them() {
    let c = rollout(&[]).await;
    git_init(c.dir.path());
    std::fs::write(
        c.dir.path().join(".fluxops.yaml"),
        "follow:\n  timeout: 2s\n  output: json\n",
    )
    .unwrap();
    let child = follow(
        &c.kubeconfig,
        c.dir.path(),
        &["--revision", "0123456789abcdef"],
    );
    let (code, lines, err) = run_to_end(child).await;
    assert_eq!(code, 2, "the file's 2s timeout applies: {lines:#?}\n{err}");
    let summary = json_lines(&lines).pop().unwrap();
    assert_eq!(
        summary["notes"][0],
        "no source has picked up revision 0123456789ab"
    );
    let child = follow(
        &c.kubeconfig,
        c.dir.path(),
        &["--revision", "0123456789abcdef", "--output", "text"],
    );
    let (code, lines, _) = run_to_end(child).await;
    assert_eq!(code, 2);
    assert!(
        lines[0].starts_with("… waiting for a source to pick up revision 0123456789ab"),
        "{lines:#?}"
    );
    c.sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credentials_in_a_failure_message_are_masked_in_text_and_json() {
    let c = rollout(&[ks("flux-system", "apps")]).await;
    let failure = FailurePlan {
        reason: Some("ArtifactFailed".into()),
        message: "failed to fetch 'https://bot:ghp_Zq9s3cret@git.example.com/o/r' and \
            'https://b.s3.amazonaws.com/a.tgz?X-Amz-Credential=AKIAZq9&X-Amz-Signature=Zq9sig': \x1b]0;PWN\x07403"
            .into(),
        ..FailurePlan::default()
    };
    c.sim
        .inject_failure(&ks("flux-system", "apps"), failure)
        .unwrap();
    c.sim
        .push_revision(&git("flux-system", "flux-system"), SHA)
        .unwrap();
    for output in ["json", "text"] {
        let child = follow(
            &c.kubeconfig,
            c.dir.path(),
            &["--revision", SHA, "--timeout", "60s", "--output", output],
        );
        let (code, lines, err) = run_to_end(child).await;
        assert_eq!(code, 1, "{lines:#?}\n{err}");
        let all = format!("{}\n{err}", lines.join("\n"));
        assert!(all.contains("git.example.com"), "{output}: {all}");
        for secret in ["Zq9", "ghp_", "bot:", "PWN", "\u{1b}"] {
            assert!(!all.contains(secret), "{output}: {secret:?} in {all}");
        }
    }
    c.sim.shutdown().await;
}
