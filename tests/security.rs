//! The guarantees of docs/SECURITY.md that need the whole program:
//! - what the console asks the API server for, from the simulator's request log: a whole console session
//!   (`app::run` on a TestBackend, the real connection and watch pipeline on the `demo` scenario) driven by every
//!   key of the keyboard, alone and with ctrl/alt/shift, on every screen the keys open, sends no mutating
//!   request and never lists, gets or watches Secrets (guarantees 3 and 4);
//! - the binary's own error reports are sanitised: an error quoting hostile text prints no escape sequence and
//!   no credential (guarantees 1 and 2).

#![allow(clippy::unwrap_used, reason = "test")]

mod support;

use support::cli::fluxops;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use fluxops::app::Labels;
use fluxops::cluster::Scope;
use fluxops::config::Config;
use fluxops::sim::simulation::{SimConfig, SimSource, start};
use futures::StreamExt;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::time::Duration;
use support::watch::{connect_console, spawn_watch};

/// Every key, alone and with each modifier, except the ones that quit (sent last).
fn keys() -> Vec<KeyEvent> {
    let mut codes: Vec<KeyCode> = (' '..='~').map(KeyCode::Char).collect();
    codes.extend([
        KeyCode::Up,
        KeyCode::Down,
        KeyCode::Left,
        KeyCode::Right,
        KeyCode::Enter,
        KeyCode::Tab,
        KeyCode::BackTab,
        KeyCode::Home,
        KeyCode::End,
        KeyCode::PageUp,
        KeyCode::PageDown,
        KeyCode::Delete,
        KeyCode::Backspace,
        KeyCode::Insert,
        KeyCode::Esc,
    ]);
    codes.extend((1..=12).map(KeyCode::F));
    let mut keys = Vec::new();
    for modifiers in [
        KeyModifiers::NONE,
        KeyModifiers::SHIFT,
        KeyModifiers::CONTROL,
        KeyModifiers::ALT,
    ] {
        for code in &codes {
            let quits = matches!(code, KeyCode::Char('q'))
                || (modifiers == KeyModifiers::CONTROL && *code == KeyCode::Char('c'));
            if !quits {
                keys.push(KeyEvent::new(*code, modifiers));
            }
        }
    }
    keys.push(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE));
    keys.push(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL));
    keys
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_sends_no_mutating_request_and_never_asks_for_secrets() {
    let sim = start(SimConfig::new(SimSource::Scenario("demo".into())))
        .await
        .unwrap();
    let (connection, _dir) = connect_console(&sim).await;
    let (events, cancel) = spawn_watch(connection.client.clone(), Scope::All);
    let keys = keys();
    let count = keys.len();
    // A key every 2 ms after the first second: the watches list, watch and deliver while keys arrive.
    let input = Box::pin(futures::stream::iter(keys.into_iter().enumerate()).then(
        |(i, key)| async move {
            let pause = if i == 0 { 1_000 } else { 2 };
            tokio::time::sleep(Duration::from_millis(pause)).await;
            Ok::<_, std::io::Error>(Event::Key(key))
        },
    ));
    let mut terminal = Terminal::new(TestBackend::new(120, 30)).unwrap();
    let labels = Labels {
        context: "sim".to_owned(),
        namespace: None,
    };
    tokio::time::timeout(
        Duration::from_secs(120),
        fluxops::app::run(&mut terminal, input, events, Config::builtin(), labels),
    )
    .await
    .expect("the session ends with ctrl-c")
    .unwrap();
    cancel.cancel();
    let log = sim.handle().request_log().entries();
    assert!(log.len() > 5, "the console talked to the server: {log:?}");
    let writes: Vec<_> = log
        .iter()
        .filter(|r| r.method != "GET" || r.is_mutation())
        .collect();
    assert!(writes.is_empty(), "{count} keys sent {writes:#?}");
    let secrets: Vec<_> = log
        .iter()
        .filter(|r| r.path_and_query.contains("/secrets"))
        .collect();
    assert!(secrets.is_empty(), "{secrets:#?}");
    sim.shutdown().await;
}

#[test]
fn an_error_quoting_hostile_text_is_printed_without_escapes_or_credentials() {
    let dir =
        "/nonexistent/https://bot:Zq9pw@git.example.com/\u{1b}]0;PWNED\u{7}\u{1b}[2Jrepo\u{202e}";
    let out = fluxops(&["graph", "--from-dir", dir]);
    assert!(!out.status.success());
    // Only `error:` may be coloured (SGR `ESC [ n m`, on a terminal); the input holds no SGR, so any other escape
    // would be a leak.
    let sgr = regex::Regex::new("\u{1b}\\[[0-9;]*m").unwrap();
    let err = sgr
        .replace_all(&String::from_utf8_lossy(&out.stderr), "")
        .into_owned();
    assert!(err.contains("git.example.com"), "{err}");
    for never in ["\u{1b}", "\u{7}", "\u{202e}", "Zq9pw", "PWNED"] {
        assert!(!err.contains(never), "{never:?} in {err}");
    }
}
