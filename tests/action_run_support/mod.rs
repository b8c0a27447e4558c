//! Shared by `tests/action_run*.rs`: a simulation with its kubeconfig and an isolated user (config and data
//! directories), the binary run against it, the request log read per user, an executor over it.

#![allow(
    dead_code,
    reason = "each test crate uses a different subset of the helpers"
)]

use fluxops::actions::{Catalog, TargetKind, TargetRef};
use fluxops::audit::{AuditLog, Event};
use fluxops::cluster::{ConnectOptions, client::connect};
use fluxops::execution::{Executor, Parts};
use fluxops::policy::Gate;
use fluxops::sim::{SimConfig, SimSource, Simulation, start};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub const OPERATOR: &str = "fluxops-sim";

/// A simulation with its kubeconfig and an isolated user (config and data directories).
pub struct Env {
    pub sim: Simulation,
    pub dir: tempfile::TempDir,
    pub kubeconfig: PathBuf,
}

impl Env {
    pub async fn scenario(source: SimSource, scale: f64) -> Self {
        let mut config = SimConfig::new(source);
        config.time_scale = Some(scale);
        let sim = start(config).await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let kubeconfig = dir.path().join("kubeconfig");
        sim.write_kubeconfig(&kubeconfig).unwrap();
        std::fs::create_dir_all(dir.path().join("config")).unwrap();
        Self {
            sim,
            dir,
            kubeconfig,
        }
    }

    pub async fn demo() -> Self {
        Self::scenario(SimSource::Scenario("demo".into()), 30.0).await
    }

    pub fn config_dir(&self) -> PathBuf {
        self.dir.path().join("config")
    }

    pub fn audit(&self) -> PathBuf {
        self.dir.path().join("data").join("audit.jsonl")
    }

    /// Runs the binary off the async threads (the simulated cluster is served by them).
    pub async fn fluxops(&self, args: &[&str]) -> Output {
        let mut argv: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
        if args.first() == Some(&"action") {
            argv.push("--kubeconfig".into());
            argv.push(self.kubeconfig.display().to_string());
        }
        let config = self.config_dir();
        let data = self.dir.path().join("data");
        tokio::task::spawn_blocking(move || {
            Command::new(env!("CARGO_BIN_EXE_fluxops"))
                .args(&argv)
                .env("FLUXOPS_CONFIG_DIR", &config)
                .env("FLUXOPS_DATA_DIR", &data)
                .env("FLUXOPS_LOG_FILE", data.join("fluxops.log"))
                .env("RUST_BACKTRACE", "0")
                .env_remove("KUBECONFIG")
                .stdin(std::process::Stdio::null())
                .output()
                .unwrap()
        })
        .await
        .unwrap()
    }

    pub fn policy(&self, name: &str, text: &str) {
        let dir = self.config_dir().join("policies");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(name), text).unwrap();
    }

    /// Every write request (any method but GET/HEAD, self-reviews excepted) the server saw from `user`.
    pub fn writes_by(&self, user: &str) -> Vec<String> {
        self.sim
            .handle()
            .request_log()
            .entries()
            .into_iter()
            .filter(|e| e.user == user && e.is_write_verb())
            .filter(|e| !e.path_and_query.contains("selfsubject"))
            .map(|e| format!("{} {} dryRun={}", e.method, e.path_and_query, e.dry_run))
            .collect()
    }

    pub async fn executor(&self, readonly: bool) -> Executor {
        let connection = connect(&ConnectOptions {
            kubeconfig: Some(self.kubeconfig.clone()),
            readonly,
            ..ConnectOptions::default()
        })
        .await
        .unwrap();
        Executor::new(
            &connection,
            Parts {
                catalog: Catalog::builtin().unwrap(),
                gate: Gate::load(None),
                audit: AuditLog::at(self.audit()),
                readonly,
                jobs: fluxops::job::JobSettings::default(),
            },
        )
    }

    pub async fn get(&self, target: &TargetRef) -> Value {
        let client = super::support::sim::client_from_kubeconfig(&self.sim.kubeconfig_yaml()).await;
        fluxops::execution::object::get(&client, target)
            .await
            .unwrap()
            .unwrap()
    }
}

pub fn ks(name: &str) -> TargetRef {
    TargetRef::namespaced(TargetKind::Kustomization, "flux-system", name)
}

pub fn text(out: &Output) -> String {
    format!(
        "{}\n--- stderr ---\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

pub fn records(path: &Path) -> Vec<Event> {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(fluxops::audit::verify(&text).problems.is_empty());
    text.lines()
        .map(|l| {
            serde_json::from_str::<fluxops::audit::Record>(l)
                .unwrap()
                .event
        })
        .collect()
}

/// A target of each kind and valid parameters for each action, so every action can be asked for.
pub fn target_and_params(action: &str, kind: TargetKind) -> (String, Vec<&'static str>) {
    let target = match kind {
        TargetKind::Node => "Node/worker-1".to_owned(),
        TargetKind::Kustomization => "Kustomization/flux-system/infra-controllers".to_owned(),
        other => format!("{}/apps/podinfo", other.as_str()),
    };
    let params = match action {
        "scale" => vec!["--param", "replicas=1"],
        "patch-configmap" => vec!["--param", "key=k", "--param", "value=v"],
        "patch-secret" => vec!["--param", "key=k", "--param", "value=hunter2"],
        "update-image" => vec!["--param", "container=app", "--param", "image=nginx:1"],
        "snapshot-restore" => vec!["--param", "snapshot=20261203-000000-0000"],
        _ => vec![],
    };
    (target, params)
}
