//! The command line through the real binary, as a user meets it: errors are one plain line `error: …` (no
//! colour when piped, no report frames, the cause once), exit codes say what happened (1 an error, 2 a usage
//! error; `follow`: 3, its 2 being a timeout), cluster flags go before or after the subcommand, commands
//! without a cluster refuse them, `fluxops sim` refuses any address but loopback, `completion` writes a
//! script.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

mod support;

use std::process::Output;
use support::cli::fluxops;

fn err(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// One line, `error: ` first, no escape sequence, no colour-eyre frames.
fn assert_one_plain_line(out: &Output, what: &str) -> String {
    let text = err(out);
    assert!(text.starts_with("error: "), "{what}: {text}");
    assert_eq!(text.lines().count(), 1, "{what}: {text}");
    assert!(!text.contains('\u{1b}'), "{what}: {text}");
    for frame in ["Location:", "BACKTRACE", "  0: "] {
        assert!(!text.contains(frame), "{what}: {text}");
    }
    text
}

#[test]
fn a_missing_kubeconfig_is_one_plain_line_whichever_side_the_flag_is_on() {
    for args in [
        &["graph", "--kubeconfig", "/nonexistent/kubeconfig"][..],
        &["--kubeconfig", "/nonexistent/kubeconfig", "graph"],
        &["--kubeconfig", "/nonexistent/kubeconfig"],
    ] {
        let out = fluxops(args);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", err(&out));
        let text = assert_one_plain_line(&out, &format!("{args:?}"));
        assert!(text.contains("/nonexistent/kubeconfig"), "{text}");
        assert_eq!(
            text.matches("No such file or directory").count(),
            1,
            "the cause once: {text}"
        );
    }
    // Follow keeps its own code for "cannot follow".
    let out = fluxops(&[
        "follow",
        "--revision",
        "0123456789abcdef",
        "--kubeconfig",
        "/nonexistent/kubeconfig",
        "--retries",
        "0",
    ]);
    assert_eq!(out.status.code(), Some(3), "{}", err(&out));
    assert_one_plain_line(&out, "follow");
}

#[test]
fn usage_errors_exit_2_and_3_for_follow() {
    let out = fluxops(&["graph", "--no-such-flag"]);
    assert_eq!(out.status.code(), Some(2));
    let out = fluxops(&["follow", "--no-such-flag"]);
    assert_eq!(out.status.code(), Some(3), "follow's 2 is a timeout");
    let out = fluxops(&["--context", "prod", "sim"]);
    assert_eq!(out.status.code(), Some(2));
    let text = assert_one_plain_line(&out, "sim");
    assert!(text.contains("`fluxops sim` reads no cluster"), "{text}");
    let out = fluxops(&["-n", "apps", "follow", "-A"]);
    assert_eq!(out.status.code(), Some(3));
    assert_one_plain_line(&out, "follow -n -A");
    let out = fluxops(&["graph", "--help"]);
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn sim_refuses_every_address_but_loopback() {
    for addr in ["0.0.0.0:0", "[::]:0", "192.168.1.20:6443"] {
        let out = fluxops(&["sim", "--scenario", "minimal", "--listen", addr]);
        assert_eq!(out.status.code(), Some(1), "{addr}");
        assert!(out.stdout.is_empty(), "nothing started for {addr}");
        let text = assert_one_plain_line(&out, addr);
        assert!(
            text.contains(&format!("refusing --listen {addr}")) && text.contains("loopback"),
            "{text}"
        );
    }
}

#[test]
fn completion_writes_a_script_for_each_shell() {
    for (shell, marker) in [
        ("bash", "_fluxops()"),
        ("zsh", "#compdef fluxops"),
        ("fish", "complete -c fluxops"),
    ] {
        let out = fluxops(&["completion", shell]);
        assert!(out.status.success(), "{shell}: {}", err(&out));
        let script = String::from_utf8(out.stdout).unwrap();
        assert!(script.contains(marker), "{shell}: {script}");
        // fish writes `-l kubeconfig`, the others `--kubeconfig`.
        for word in ["graph", "follow", "diagnose", "kubeconfig", "focus"] {
            assert!(script.contains(word), "{shell} lacks {word}");
        }
    }
}
