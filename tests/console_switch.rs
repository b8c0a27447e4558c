//! `:ns` and `:ctx` through the real binary in a pseudo-terminal, on a simulated API server: the console
//! connects again through the kubeconfig (the same path as at start), the watchers list and watch in the new
//! scope (the simulator's request log shows the namespaced paths), and the status bar names the scope and the
//! context.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

mod support;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use support::pty::Console;

/// `fluxops sim`, running until dropped.
struct Sim(Child);

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_sim(kubeconfig: &Path, requests: &Path) -> Sim {
    let mut child = Command::new(env!("CARGO_BIN_EXE_fluxops"))
        .args(["sim", "--scenario", "demo", "--kubeconfig-out"])
        .arg(kubeconfig)
        .arg("--request-log")
        .arg(requests)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut first = String::new();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    out.read_line(&mut first).unwrap();
    std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
    assert!(first.contains("serving on http://127.0.0.1:"), "{first}");
    Sim(child)
}

fn log_has(console: &Console, what: &str) -> bool {
    std::fs::read_to_string(&console.log).is_ok_and(|l| l.contains(what))
}

#[test]
fn ns_and_ctx_reconnect_through_the_kubeconfig_in_the_new_scope() {
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("kubeconfig");
    let requests = dir.path().join("requests.jsonl");
    let _sim = start_sim(&kubeconfig, &requests);
    // A second context on the same cluster, as a kubeconfig with several would have.
    let text = std::fs::read_to_string(&kubeconfig).unwrap();
    let text = text.replacen(
        "contexts:\n",
        "contexts:\n- name: second\n  context:\n    cluster: fluxops-sim\n    user: fluxops-sim\n",
        1,
    );
    std::fs::write(&kubeconfig, text).unwrap();

    let mut console = Console::spawn(&["--kubeconfig", kubeconfig.to_str().unwrap()]);
    console.wait_ready();
    console.type_bytes(b"1:ns apps\r");
    console.wait_until(
        "the console in namespace apps",
        Duration::from_secs(60),
        |c| {
            log_has(c, "Namespace(\"apps\")")
                && String::from_utf8_lossy(&c.output()).contains("ns: apps")
        },
    );
    console.wait_until("a namespaced list", Duration::from_secs(30), |_| {
        std::fs::read_to_string(&requests).is_ok_and(|l| {
            l.contains("/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/apps/kustomizations")
        })
    });

    console.type_bytes(b":ctx second\r");
    console.wait_until(
        "the console on context second",
        Duration::from_secs(60),
        |c| {
            log_has(c, "context: \"second\"")
                && String::from_utf8_lossy(&c.output()).contains(" second ")
        },
    );
    // The scope stays what it was.
    let log = std::fs::read_to_string(&console.log).unwrap();
    let last = log
        .lines()
        .rfind(|l| l.contains("connected"))
        .unwrap()
        .to_owned();
    assert!(
        last.contains("second") && last.contains("Namespace(\"apps\")"),
        "{last}"
    );

    // A context the kubeconfig does not have: a flash, the console stays.
    console.type_bytes(b":ctx nowhere\r");
    console.wait_until("the flash", Duration::from_secs(10), |c| {
        String::from_utf8_lossy(&c.output()).contains("no context 'nowhere' in the kubeconfig")
    });
    console.type_bytes(b"q");
    let (status, _) = console.wait_exit(Duration::from_secs(30));
    assert!(status.success());
}
