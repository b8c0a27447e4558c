//! The README's own flow, through the real binaries, as a new user runs it: `fluxops sim --kubeconfig-out F`
//! in one terminal, then `fluxops --kubeconfig F` and `fluxops graph --kubeconfig F` in another. The simulated
//! cluster's kubeconfig sets `namespace: default` (as most kubeconfigs do), where no Flux object lives: the
//! console and `graph` must still show the fleet (every namespace unless `-n`), say the scope, and when one
//! namespace is empty say which and suggest `-A`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

mod support;

use portable_pty::{CommandBuilder, PtySize, native_pty_system};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use support::cli::fluxops;

/// `fluxops sim --kubeconfig-out F`, running until the guard is dropped.
struct Sim(Child);

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_sim(kubeconfig: &Path) -> Sim {
    let mut child = Command::new(env!("CARGO_BIN_EXE_fluxops"))
        .args(["sim", "--scenario", "minimal", "--kubeconfig-out"])
        .arg(kubeconfig)
        .env(
            "FLUXOPS_LOG_FILE",
            std::env::temp_dir().join("fluxops-readme-flow.log"),
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut first = String::new();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    out.read_line(&mut first).unwrap();
    // Read on, as a terminal would: the rest of the banner must not meet a closed pipe.
    std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
    assert!(first.contains("serving on http://127.0.0.1:"), "{first}");
    let text = std::fs::read_to_string(kubeconfig).unwrap();
    assert!(
        text.contains("namespace: default"),
        "the flow needs a context namespace: {text}"
    );
    Sim(child)
}

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn graph_on_the_readme_flow_shows_every_namespace_and_names_an_empty_one() {
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("sim.kubeconfig");
    let _sim = start_sim(&kubeconfig);
    let kc = kubeconfig.to_str().unwrap();

    let out = fluxops(&["graph", "--kubeconfig", kc]);
    assert!(out.status.success(), "{}", stderr(&out));
    let tree = stdout(&out);
    assert!(!tree.contains("(no objects"), "{tree}");
    assert!(tree.contains("Kustomization/flux-system/"), "{tree}");

    // The same with the flags before the subcommand.
    let before = fluxops(&["--kubeconfig", kc, "graph", "-o", "json"]);
    assert!(before.status.success(), "{}", stderr(&before));
    let json: serde_json::Value = serde_json::from_slice(&before.stdout).unwrap();
    assert!(json["counts"]["nodes"].as_u64().unwrap() > 0);
    assert!(json.get("namespace").is_none(), "every namespace: {json}");

    let empty = fluxops(&["graph", "--kubeconfig", kc, "-n", "default"]);
    assert!(empty.status.success(), "{}", stderr(&empty));
    assert!(
        stdout(&empty).contains("(no objects in namespace 'default'; -A shows every namespace)"),
        "{}",
        stdout(&empty)
    );

    let focus = fluxops(&["graph", "--kubeconfig", kc, "--focus", "no-such-thing"]);
    assert_eq!(focus.status.code(), Some(1), "{}", stdout(&focus));
    assert!(stdout(&focus).is_empty(), "{}", stdout(&focus));
    let err = stderr(&focus);
    assert!(
        err.starts_with("error: --focus 'no-such-thing' matches no object")
            && err.lines().count() == 1,
        "{err}"
    );
}

/// Runs the console in a pseudo-terminal until `want` is on the screen (or the time is up); the screen text.
fn console_screen(args: &[&str], want: &str) -> String {
    let pty = native_pty_system()
        .openpty(PtySize {
            rows: 30,
            cols: 120,
            pixel_width: 0,
            pixel_height: 0,
        })
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_fluxops"));
    cmd.args(args);
    cmd.env("FLUXOPS_LOG_FILE", dir.path().join("fluxops.log"));
    cmd.env("FLUXOPS_CONFIG_DIR", dir.path());
    cmd.env("TERM", "xterm-256color");
    cmd.env_remove("KUBECONFIG");
    let mut child = pty.slave.spawn_command(cmd).unwrap();
    let screen = Arc::new(Mutex::new(Vec::new()));
    let mut reader = pty.master.try_clone_reader().unwrap();
    let sink = Arc::clone(&screen);
    std::thread::spawn(move || {
        let mut buf = [0u8; 8192];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 {
                break;
            }
            sink.lock().unwrap().extend_from_slice(&buf[..n]);
        }
    });
    let mut writer = pty.master.take_writer().unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let text = loop {
        let text = String::from_utf8_lossy(&screen.lock().unwrap()).into_owned();
        if text.contains(want) || Instant::now() > deadline {
            break text;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    writer.write_all(b"q").unwrap();
    let _ = child.wait();
    text
}

#[test]
fn the_console_on_the_readme_flow_shows_the_fleet_and_names_its_scope() {
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("sim.kubeconfig");
    let _sim = start_sim(&kubeconfig);
    let kc = kubeconfig.to_str().unwrap();

    // The screen is the byte stream of every frame: the first frame (before the lists arrive) is empty.
    let screen = console_screen(&["--kubeconfig", kc], "flux-system/flux-system");
    assert!(screen.contains("all namespaces"), "{screen}");
    assert!(screen.contains("flux-system/flux-system"), "{screen}");

    let screen = console_screen(&["--kubeconfig", kc, "-n", "default"], "-A");
    assert!(screen.contains("ns: default"), "{screen}");
    assert!(
        screen.contains("No Flux objects in namespace 'default'"),
        "{screen}"
    );
}

#[test]
fn the_view_names_the_scope_and_an_empty_namespace_suggests_all_namespaces() {
    use fluxops::app::{Labels, State, view};
    use fluxops::config::Config;

    let mut all = support::console::synced_state(Vec::new());
    let v = view::build(&mut all, support::console::now());
    assert_eq!(v.status.namespace, "all namespaces");
    assert_eq!(v.empty, "No Flux objects (yet).");

    let labels = Labels {
        context: "ci".to_owned(),
        namespace: Some("default".to_owned()),
    };
    let mut one = State::new(Config::builtin(), labels);
    let listing = view::build(&mut one, support::console::now()).empty;
    assert!(
        listing.starts_with("No Flux objects in namespace 'default' (yet).")
            && listing.contains("-A"),
        "{listing}"
    );
    let v = view::build(&mut one, support::console::now());
    assert_eq!(v.status.namespace, "ns: default");
}
