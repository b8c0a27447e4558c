//! `fluxops watch` through the real binary in a pseudo-terminal, on a simulated API server run by the test (the
//! same server kills and restarts on its port): a storm of every key sends nothing but reads (the simulator's
//! request log), `q` quits with the terminal restored; the API server stopping shows the full-screen STALE within
//! 5 s, and its coming back on the same port clears it within 5 s.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

mod support;

use fluxops::sim::SimOptions;
use std::time::{Duration, Instant};
use support::pipeline::{Server, fleet};
use support::pty::{Console, after_last, contains};

/// The acceptance bound for showing STALE and for recovering.
const BOUND: Duration = Duration::from_secs(5);

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

fn log_of(console: &Console) -> String {
    std::fs::read_to_string(&console.log).unwrap_or_default()
}

fn spawn_watch(server: &Server) -> Console {
    let kubeconfig = server.kubeconfig.to_str().unwrap().to_owned();
    let console = Console::spawn(&["watch", "--kubeconfig", &kubeconfig]);
    console.wait_ready();
    console.wait_until("the wall drawn", Duration::from_secs(10), |c| {
        contains(&c.output(), b"ROOT CAUSES")
    });
    console
}

/// Every printable key, the keys of the console's actions, control keys and escape sequences, except what quits
/// (`q`, `Q`, ctrl-c) or stops the process (ctrl-z, ctrl-\).
fn key_storm() -> Vec<Vec<u8>> {
    let mut keys: Vec<Vec<u8>> = (0x20u8..0x7f)
        .filter(|b| *b != b'q' && *b != b'Q')
        .map(|b| vec![b])
        .collect();
    for ctrl in 1u8..0x20 {
        // ctrl-c, ctrl-z, ctrl-\ (SIGQUIT) and ESC alone are left out; ESC starts the sequences below.
        if ![0x03, 0x1a, 0x1c, 0x1b].contains(&ctrl) {
            keys.push(vec![ctrl]);
        }
    }
    for seq in [
        "\x1b[A",
        "\x1b[B",
        "\x1b[C",
        "\x1b[D",
        "\x1b[3~",
        "\x1b[5~",
        "\x1b[6~",
        "\x1b[H",
        "\x1b[F",
        "\x1bOP",
        "\x1bOQ",
        "\x1b[15~",
        "\x1b[200~kubectl delete ns flux-system\r\x1b[201~",
    ] {
        keys.push(seq.as_bytes().to_vec());
    }
    // The console's action keys in sequence, as a user would try them: menu, confirm, type, enter.
    for seq in ["a\r", "s\ry\r", "r\r", ":delete\r", "x", "dd", "\r\r\r"] {
        keys.push(seq.as_bytes().to_vec());
    }
    keys
}

#[test]
fn watch_sends_only_reads_whatever_keys_are_pressed_and_q_quits() {
    let rt = runtime();
    let server = rt.block_on(Server::start(SimOptions::default(), &fleet()));
    let mut console = spawn_watch(&server);
    server.sim().request_log().clear();
    for _ in 0..3 {
        for key in key_storm() {
            console.type_bytes(&key);
            std::thread::sleep(Duration::from_millis(2));
        }
    }
    // Time for anything the keys could have started to reach the server.
    std::thread::sleep(Duration::from_secs(3));
    assert!(
        matches!(console.state(), 'S' | 'R'),
        "still running after the storm: {}",
        console.state()
    );
    let entries = server.sim().request_log().entries();
    let writes: Vec<String> = entries
        .iter()
        .filter(|e| e.method != "GET")
        .map(|e| format!("{} {}", e.method, e.path_and_query))
        .collect();
    assert!(
        writes.is_empty(),
        "watch sent non-read requests: {writes:#?}"
    );
    assert!(
        !entries
            .iter()
            .any(|e| e.path_and_query.contains("/secrets")),
        "watch asked for Secrets"
    );
    let initial = console.initial;
    console.type_bytes(b"q");
    let (status, output) = console.wait_exit(Duration::from_secs(20));
    assert!(status.success(), "{status:?}");
    assert_eq!(console.modes(), initial, "the tty's modes are restored");
    let tail = after_last(&output, b"\x1b[?1049h").expect("entered the alternate screen");
    assert!(
        tail.ends_with(b"\x1b[?1049l\x1b[?25h"),
        "left the alternate screen last"
    );
    rt.block_on(async move {
        drop(server);
    });
}

#[test]
fn watch_shows_stale_within_5_s_of_the_api_server_stopping_and_recovers_within_5_s() {
    let rt = runtime();
    let mut server = rt.block_on(Server::start(SimOptions::default(), &fleet()));
    let console = spawn_watch(&server);
    let before = console.written();

    rt.block_on(server.kill());
    let stopped = Instant::now();
    console.wait_until("STALE drawn", BOUND * 3, |c| {
        log_of(c).contains("stale=true") && contains(&c.output()[before..], b"STALE since")
    });
    let took = stopped.elapsed();
    println!("STALE shown {took:?} after the API server stopped");
    assert!(took <= BOUND, "STALE after {took:?}");
    let at_stale = console.written();

    rt.block_on(server.restart());
    let back = Instant::now();
    console.wait_until("the wall back", BOUND * 3, |c| {
        log_of(c).contains("stale=false") && contains(&c.output()[at_stale..], b"ROOT CAUSES")
    });
    let took = back.elapsed();
    println!("wall back {took:?} after the API server answered again");
    assert!(took <= BOUND, "recovered after {took:?}");
    // Live again: the header says so.
    console.wait_until("LIVE", BOUND, |c| {
        contains(&c.output()[at_stale..], b"LIVE")
    });
    console.kill("TERM");
    rt.block_on(async move {
        drop(server);
    });
}
