//! Benchmark (issue 12, `fluxops check`): a check of a generated 300-file GitOps repository, without builds
//! (load, graph and timing findings) and with builds (every Kustomization built by `kubectl kustomize` /
//! `kustomize`, postBuild substitution). Targets: under 1 s without builds, under 5 s with them.
//!
//! `cargo bench --bench check`. The repository: 30 apps, each a Flux Kustomization (one after the other in
//! `dependsOn` chains of three, with postBuild variables) whose path holds a kustomization.yaml and nine
//! manifests (Deployment, Service, ConfigMap, HelmRelease, HelmRepository, …): 300 files in `apps/`, plus the
//! cluster entry point.

use criterion::{Criterion, criterion_group, criterion_main};
use fluxops::cli::{CheckArgs, CheckFormat, FailOnArg};
use fluxops::launch::check::check_report;
use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

const APPS: usize = 30;

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    if let Some(parent) = p.parent() {
        let _ = std::fs::create_dir_all(parent);
    }
    let _ = std::fs::write(p, text);
}

fn repository(root: &Path) {
    let mut entry = String::new();
    for i in 0..APPS {
        let depends = if i % 3 == 0 {
            String::new()
        } else {
            format!("  dependsOn:\n    - name: app{}\n", i - 1)
        };
        entry.push_str(&format!(
            "---\napiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: app{i}\n  namespace: flux-system\nspec:\n  interval: 10m\n  retryInterval: 1m\n  path: ./apps/app{i}\n  prune: true\n  targetNamespace: app{i}\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n{depends}  postBuild:\n    substitute:\n      DOMAIN: example.com\n"
        ));
        let dir = format!("apps/app{i}");
        write(
            root,
            &format!("{dir}/kustomization.yaml"),
            "resources:\n  - deploy.yaml\n  - svc.yaml\n  - cm.yaml\n  - sa.yaml\n  - pdb.yaml\n  - hr.yaml\n  - repo.yaml\n  - ingress.yaml\n  - secret.yaml\n",
        );
        write(
            root,
            &format!("{dir}/deploy.yaml"),
            &format!(
                "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app{i}\nspec:\n  selector:\n    matchLabels:\n      app: app{i}\n  template:\n    metadata:\n      labels:\n        app: app{i}\n    spec:\n      containers:\n        - name: app\n          image: nginx:1.27\n          env:\n            - name: HOST\n              value: app{i}.${{DOMAIN}}\n"
            ),
        );
        write(
            root,
            &format!("{dir}/svc.yaml"),
            &format!(
                "apiVersion: v1\nkind: Service\nmetadata:\n  name: app{i}\nspec:\n  selector:\n    app: app{i}\n  ports:\n    - port: 80\n"
            ),
        );
        write(
            root,
            &format!("{dir}/cm.yaml"),
            &format!(
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app{i}\ndata:\n  level: info\n"
            ),
        );
        write(
            root,
            &format!("{dir}/sa.yaml"),
            &format!("apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: app{i}\n"),
        );
        write(
            root,
            &format!("{dir}/pdb.yaml"),
            &format!(
                "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: app{i}\nspec:\n  minAvailable: 1\n  selector:\n    matchLabels:\n      app: app{i}\n"
            ),
        );
        write(
            root,
            &format!("{dir}/hr.yaml"),
            &format!(
                "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: app{i}-redis\nspec:\n  interval: 30m\n  chart:\n    spec:\n      chart: redis\n      version: 19.x\n      sourceRef:\n        kind: HelmRepository\n        name: app{i}-charts\n"
            ),
        );
        write(
            root,
            &format!("{dir}/repo.yaml"),
            &format!(
                "apiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\nmetadata:\n  name: app{i}-charts\nspec:\n  interval: 1h\n  url: https://charts.example.com\n"
            ),
        );
        write(
            root,
            &format!("{dir}/ingress.yaml"),
            &format!(
                "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: app{i}\nspec:\n  rules:\n    - host: app{i}.${{DOMAIN}}\n"
            ),
        );
        write(
            root,
            &format!("{dir}/secret.yaml"),
            &format!(
                "apiVersion: v1\nkind: Secret\nmetadata:\n  name: app{i}\nstringData:\n  token: t\n"
            ),
        );
    }
    write(root, "clusters/prod/apps.yaml", &entry);
}

fn args(root: &Path, no_build: bool) -> CheckArgs {
    CheckArgs {
        path: Some(root.to_path_buf()),
        base: None,
        cluster: None,
        entry: None,
        output: CheckFormat::Text,
        fail_on: FailOnArg::Error,
        no_build,
        offline: true,
        kube: fluxops::cli::ClusterArgs::default(),
    }
}

fn bench(c: &mut Criterion) {
    let Ok(tmp) = tempfile::tempdir() else {
        return;
    };
    repository(tmp.path());
    let mut group = c.benchmark_group("check_300_files");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(10));
    let fast = args(tmp.path(), true);
    group.bench_function("without_builds", |b| {
        b.iter(|| black_box(check_report(&fast).map(|r| r.findings.len()).ok()));
    });
    if fluxops::check::tool::detect().is_some() {
        let full = args(tmp.path(), false);
        group.bench_function("with_builds", |b| {
            b.iter(|| black_box(check_report(&full).map(|r| r.findings.len()).ok()));
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
