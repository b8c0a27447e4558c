//! Every file fluxops reads is a regular file of bounded size, read through `fluxops::bounded_file`: a FIFO never
//! blocks, a symlink to `/dev/zero` or a huge file is refused without being read, and the error names the file and
//! what is wrong. Covers each reader (keymap, theme, `.fluxops.yaml`, scenario, repository files, `diagnose`
//! input, kubeconfig), and a source scan keeps other `std::fs` reads out of `src/`.
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    reason = "test helpers outside #[test] functions: a broken fixture must fail loudly"
)]

use fluxops::config::{Config, ConfigPaths};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// Runs `f` on a thread and fails if it does not return within 10 s (a read that blocks on a FIFO).
fn within_time<T: Send + 'static>(what: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(Duration::from_secs(10))
        .unwrap_or_else(|_| panic!("{what} blocked for 10 s"))
}

fn fifo(path: &Path) {
    let status = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(status.success(), "mkfifo {}", path.display());
}

/// A sparse file larger than every cap (nothing is written to disk).
fn huge(path: &Path) {
    std::fs::File::create(path)
        .unwrap()
        .set_len(65 << 20)
        .unwrap();
}

fn zero_link(path: &Path) {
    std::os::unix::fs::symlink("/dev/zero", path).unwrap();
}

fn config_problem_of(dir: &Path) -> String {
    let paths = ConfigPaths::at(dir);
    let config = within_time("Config::load", move || Config::load(Some(&paths)));
    assert_eq!(config.problems.len(), 1, "{:?}", config.problems);
    config.problems[0].to_string()
}

#[test]
fn a_fifo_named_keymap_yaml_is_refused_without_blocking() {
    let dir = tempfile::tempdir().unwrap();
    fifo(&dir.path().join("keymap.yaml"));
    let problem = config_problem_of(dir.path());
    assert!(problem.contains("keymap.yaml"), "{problem}");
    assert!(
        problem.ends_with("is a FIFO (named pipe), not a regular file"),
        "{problem}"
    );
}

#[test]
fn a_theme_symlinked_to_dev_zero_is_refused_without_reading() {
    let dir = tempfile::tempdir().unwrap();
    zero_link(&dir.path().join("theme.yaml"));
    let problem = config_problem_of(dir.path());
    assert!(
        problem.contains("theme.yaml")
            && problem.ends_with("is a character device, not a regular file"),
        "{problem}"
    );
}

#[test]
fn a_config_file_over_one_mebibyte_is_refused_naming_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    huge(&dir.path().join("keymap.yaml"));
    let problem = config_problem_of(dir.path());
    assert!(
        problem.contains("more than the 1 MiB limit for config files"),
        "{problem}"
    );
}

#[test]
fn a_fifo_named_fluxops_yaml_is_refused_without_blocking() {
    let dir = tempfile::tempdir().unwrap();
    fifo(&dir.path().join(".fluxops.yaml"));
    let root = dir.path().to_path_buf();
    let result = within_time(".fluxops.yaml", move || {
        fluxops::follow::settings::FollowSettings::load(Some(&root)).map(|_| ())
    });
    let problem = result.unwrap_err().to_string();
    assert!(
        problem.contains(".fluxops.yaml") && problem.contains("not a regular file"),
        "{problem}"
    );
}

#[test]
fn a_scenario_fifo_or_dev_zero_is_refused_without_blocking() {
    let dir = tempfile::tempdir().unwrap();
    let pipe = dir.path().join("pipe.yaml");
    fifo(&pipe);
    let zero = dir.path().join("zero.yaml");
    zero_link(&zero);
    for path in [pipe, zero] {
        let p = path.clone();
        let err = within_time("Scenario::load", move || {
            fluxops::sim::scenario::Scenario::load(&p).map(|_| ())
        })
        .unwrap_err()
        .to_string();
        assert!(
            err.starts_with(&path.display().to_string()) && err.contains("not a regular file"),
            "{err}"
        );
    }
}

#[test]
fn repository_files_that_are_huge_or_symlinks_to_devices_are_problems_and_the_rest_loads() {
    let dir = tempfile::tempdir().unwrap();
    let fleet = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/flux/console-fleet.yaml");
    std::fs::copy(fleet, dir.path().join("fleet.yaml")).unwrap();
    huge(&dir.path().join("huge.yaml"));
    zero_link(&dir.path().join("zero.yaml"));
    std::fs::write(
        dir.path().join("kustomization.yaml"),
        "resources: [fleet.yaml]\n",
    )
    .unwrap();
    let root = dir.path().to_path_buf();
    let load = within_time("load_dir", move || {
        fluxops::flux::repo::load_dir(&root).unwrap()
    });
    assert!(!load.objects.is_empty(), "the regular file still loads");
    let huge_problem = load
        .problems
        .iter()
        .find(|p| p.file.ends_with("huge.yaml"))
        .unwrap_or_else(|| panic!("no problem for huge.yaml: {:?}", load.problems));
    assert!(
        huge_problem.message.contains(
            "more than the 64 MiB limit for scenario, repository and diagnose input files"
        ),
        "{huge_problem}"
    );
}

#[test]
fn a_huge_kustomization_file_is_a_problem_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    huge(&dir.path().join("kustomization.yaml"));
    let root = dir.path().to_path_buf();
    let load = within_time("load_dir", move || {
        fluxops::flux::repo::load_dir(&root).unwrap()
    });
    assert!(
        load.problems
            .iter()
            .any(|p| p.file.ends_with("kustomization.yaml") && p.message.contains("limit")),
        "{:?}",
        load.problems
    );
}

#[test]
fn diagnose_refuses_a_fifo_and_dev_zero_and_still_reads_the_other_files() {
    let dir = tempfile::tempdir().unwrap();
    let pipe = dir.path().join("pipe.txt");
    fifo(&pipe);
    let zero = dir.path().join("zero.txt");
    zero_link(&zero);
    let good = dir.path().join("good.txt");
    std::fs::write(&good, "authentication required\n").unwrap();
    let args: Vec<PathBuf> = vec![pipe.clone(), zero.clone(), good];
    let output = within_time("fluxops diagnose", move || {
        Command::new(env!("CARGO_BIN_EXE_fluxops"))
            .arg("diagnose")
            .args(&args)
            .output()
            .unwrap()
    });
    let stderr = String::from_utf8_lossy(&output.stderr);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    for path in [&pipe, &zero] {
        assert!(
            stderr.contains(&format!("{}: cannot read: is a", path.display())),
            "{stderr}"
        );
    }
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
}

#[tokio::test]
async fn a_kubeconfig_fifo_is_refused_without_blocking() {
    let dir = tempfile::tempdir().unwrap();
    let pipe = dir.path().join("config");
    fifo(&pipe);
    let options = fluxops::cluster::ConnectOptions {
        kubeconfig: Some(pipe.clone()),
        context: None,
        namespace: None,
        all_namespaces: false,
    };
    let result = tokio::time::timeout(
        Duration::from_secs(10),
        fluxops::cluster::client::connect(&options),
    )
    .await
    .expect("connect blocked on a FIFO kubeconfig");
    let err = result.map(|_| ()).unwrap_err().to_string();
    assert!(
        err.contains(&pipe.display().to_string()) && err.contains("FIFO"),
        "{err}"
    );
}

/// Non-test Rust code under `src/`: each file up to its `#[cfg(test)]` module, test-only files left out.
fn source_files(dir: &Path, out: &mut Vec<(PathBuf, String)>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n != "tests") {
                source_files(&path, out);
            }
            continue;
        }
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if !name.ends_with(".rs") || name == "tests.rs" || name.ends_with("_tests.rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let code = text
            .split("#[cfg(test)]")
            .next()
            .unwrap_or_default()
            .to_owned();
        out.push((path, code));
    }
}

#[test]
fn no_file_is_read_in_src_except_through_bounded_file() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    source_files(&src, &mut files);
    assert!(files.len() > 50, "scanned only {} files", files.len());
    let forbidden = [
        "fs::read_to_string",
        "fs::read(",
        "File::open",
        "read_to_end",
        "read_to_string(",
        "tokio::fs",
        "Kubeconfig::read(",
        "from_reader(std::fs",
    ];
    let mut found = Vec::new();
    for (path, code) in &files {
        if path.ends_with("bounded_file.rs") {
            continue;
        }
        for (i, line) in code.lines().enumerate() {
            if line.trim_start().starts_with("//") {
                continue;
            }
            for pattern in forbidden {
                if line.contains(pattern) && !line.contains("bounded_file::") {
                    found.push(format!("{}:{}: {}", path.display(), i + 1, line.trim()));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "read files through fluxops::bounded_file (regular files, size cap):\n{}",
        found.join("\n")
    );
}
