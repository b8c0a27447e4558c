//! Hostile text through the real screens: objects and Events decoded by the cluster layer's own decoders
//! (`cluster::decode`, `cluster::event_watch::flux_event`) with names and messages full of escape sequences,
//! invisible and combining characters, emoji sequences and width ligatures, and URLs with credentials; a user
//! keymap with a hostile key and description. The tree with its detail pane, the DAG, the timings list and the
//! help screen are drawn on ratatui's TestBackend, and each drawn row is checked as a terminal would draw it:
//! every cell moves the cursor by exactly the width ratatui gave it (so borders stay where they are drawn and no
//! old glyph stays behind), nothing invisible or escaping is sent, every box is closed, and no credential or
//! escape-sequence remnant is on screen.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers outside #[test] functions: a broken fixture must fail loudly"
)]

mod support;

use fluxops::app::{Action, Msg, State, update};
use fluxops::cluster::ClusterEvent;
use fluxops::cluster::decode::Decoded;
use fluxops::config::{Config, ConfigPaths};
use fluxops::flux::{FluxKind, FluxObject};
use k8s_openapi::api::core::v1::Event;
use ratatui::buffer::{Buffer, CellWidth};
use serde_json::{Value, json};
use std::sync::Arc;
use support::console::{act, labels, render};
use support::objects::r;
use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};
use unicode_width::UnicodeWidthChar;

const GIT: &str = "src\u{200d}❤\u{fe0f}👍\u{1f3fd}";
const APPS: &str = "apps\u{301}\u{302}\u{303}\u{304}\u{305}";
const EVIL: &str = "\u{202e}evil\u{2028}name\x1b[2J\u{644}\u{627}";
const WIDE: &str = "日本\u{3164}\u{ff76}\u{ff9e}";

const MESSAGE: &str = "failed to checkout and determine revision: unable to clone \
    'https://alice:s3cretT0ken@git.example.com/org/repo?X-Amz-Signature=SiGnAtUrE': \x1b[2JB \x1b]0;PWNTITLE\x07\
    \u{9b}31m authentication \u{200b}required \u{202e}deilaf\u{2029}next line \u{301}e\u{301}\u{302}\u{303}\u{304}";

/// What no screen may show.
const NEVER: &[&str] = &[
    "s3cretT0ken",
    "alice",
    "SiGnAtUrE",
    "[2J",
    "]0;",
    "PWNTITLE",
    "[31m",
    "31m ",
];

fn decoded(v: &Value) -> FluxObject {
    let Decoded(Ok(obj)) = Decoded::from_json(&v.to_string()) else {
        panic!("{v} does not decode");
    };
    obj
}

fn failing(message: &str) -> Value {
    json!({"observedGeneration": 1, "conditions": [
        {"type": "Ready", "status": "False", "reason": "GitOperationFailed\u{200d}", "message": message,
         "lastTransitionTime": "2026-11-24T03:20:00Z"}]})
}

fn objects() -> Vec<FluxObject> {
    let git = json!({"apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "GitRepository",
        "metadata": {"name": GIT, "namespace": "flux-system", "generation": 1},
        "spec": {"url": "https://alice:s3cretT0ken@git.example.com/org/repo", "interval": "1m"},
        "status": {"observedGeneration": 1, "conditions": failing(MESSAGE)["conditions"],
                   "artifact": {"revision": "main@sha1:0123456789abcdef0123456789abcdef01234567",
                                "url": "http://source-controller/x.tgz?X-Amz-Signature=SiGnAtUrE"}}});
    let ks = |name: &str, deps: &[&str]| {
        json!({"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
            "metadata": {"name": name, "namespace": "flux-system", "generation": 1},
            "spec": {"interval": "10m", "path": "./x", "prune": true,
                     "sourceRef": {"kind": "GitRepository", "name": GIT},
                     "dependsOn": deps.iter().map(|d| json!({"name": d})).collect::<Vec<_>>()},
            "status": failing(&format!("dependency 'flux-system/{APPS}' is not ready {MESSAGE}"))})
    };
    vec![
        decoded(&git),
        decoded(&ks(APPS, &[])),
        decoded(&ks(EVIL, &[APPS])),
        decoded(&ks(WIDE, &[EVIL])),
    ]
}

fn hostile_event() -> Event {
    serde_json::from_value(json!({
        "metadata": {"name": "e1", "namespace": "flux-system"},
        "involvedObject": {"apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "GitRepository",
                           "name": GIT, "namespace": "flux-system"},
        "type": "Warning", "reason": "GitOperationFailed\x1b[5m", "message": MESSAGE,
        "lastTimestamp": "2026-11-24T03:29:00Z", "count": 3,
        "source": {"component": "source-controller"}}))
    .unwrap()
}

/// A state with the hostile objects and event, and a user keymap binding a bidi override key with an escape
/// sequence in its description.
fn hostile_state() -> (State, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("keymap.yaml"),
        "common:\n  - keys: [\"\\u202E\"]\n    action: toggle_help\n    desc: \"help \\e[2JB \\e]0;PWNTITLE\\a\\u200D me\"\n",
    )
    .unwrap();
    let config = Config::load(Some(&ConfigPaths::at(dir.path())));
    assert!(config.problems.is_empty(), "{:?}", config.problems);
    let mut state = State::new(config, labels());
    for obj in objects() {
        update(
            &mut state,
            Msg::Cluster(ClusterEvent::Upserted(Arc::new(obj))),
        );
    }
    for kind in FluxKind::ALL {
        update(
            &mut state,
            Msg::Cluster(ClusterEvent::KindSynced {
                kind,
                api_version: format!("{}/{}", kind.group(), kind.versions()[0]),
            }),
        );
    }
    let ev = fluxops::cluster::event_watch::flux_event(&hostile_event()).unwrap();
    update(&mut state, Msg::Cluster(ClusterEvent::Event(Arc::new(ev))));
    update(&mut state, Msg::Tick(support::console::now()));
    (state, dir)
}

fn w(c: char) -> usize {
    c.width().unwrap_or(0)
}

fn invisible(c: char) -> bool {
    c.is_control()
        || matches!(
            c.general_category(),
            GeneralCategory::Format
                | GeneralCategory::Unassigned
                | GeneralCategory::LineSeparator
                | GeneralCategory::ParagraphSeparator
        )
        || matches!(c, '\u{fe00}'..='\u{fe0f}' | '\u{3164}' | '\u{ffa0}')
}

/// Each row as a terminal draws it: the cells in order, each moving the cursor by the sum of its code points'
/// widths, which must be the width ratatui reserved for it; the row read back as text.
fn terminal_rows(buf: &Buffer, screen: &str) -> Vec<String> {
    let mut rows = Vec::new();
    for y in 0..buf.area.height {
        let mut row = String::new();
        let mut x = 0;
        while x < buf.area.width {
            let cell = buf[(x, y)].symbol();
            assert!(
                !cell.chars().any(invisible),
                "{screen}: cell ({x},{y}) {cell:?} sends an invisible or control character"
            );
            let drawn: usize = cell.chars().map(w).sum();
            let reserved = usize::from(cell.cell_width());
            assert_eq!(
                drawn, reserved,
                "{screen}: cell ({x},{y}) {cell:?}: the terminal draws {drawn} columns, ratatui reserved {reserved}"
            );
            let marks = cell.chars().skip(1).filter(|c| w(*c) == 0).count();
            assert!(
                marks <= fluxops::text::MAX_MARKS,
                "{screen}: {cell:?} stacks {marks} marks"
            );
            row.push_str(cell);
            x += u16::try_from(reserved.max(1)).unwrap();
        }
        rows.push(row);
    }
    rows
}

/// Every titled pane (`┌ Title ─┐` … `└─┘`; with `title`, those whose title starts with its first letter) is
/// closed: its corners line up and its sides are unbroken. (The DAG's edges use the same corner glyphs; a pane
/// is told by its title.)
fn boxes_are_closed(buf: &Buffer, screen: &str, title: &str) {
    let at = |x: u16, y: u16| buf[(x, y)].symbol();
    let titled = |x: u16, y: u16| {
        let first = title.chars().next().map(String::from).unwrap_or_default();
        at(x + 1, y) == " "
            && if title.is_empty() {
                at(x + 2, y).chars().all(char::is_alphabetic)
            } else {
                at(x + 2, y) == first
            }
    };
    let mut panes = 0;
    for y in 0..buf.area.height {
        for x in 0..buf.area.width.saturating_sub(2) {
            if at(x, y) != "┌" || !titled(x, y) {
                continue;
            }
            panes += 1;
            let right = (x + 1..buf.area.width).find(|&x2| at(x2, y) == "┐");
            let bottom = (y + 1..buf.area.height).find(|&y2| at(x, y2) == "└");
            let (Some(x2), Some(y2)) = (right, bottom) else {
                panic!("{screen}: box at ({x},{y}) has no corner");
            };
            assert_eq!(at(x2, y2), "┘", "{screen}: box at ({x},{y}) is not closed");
            for yy in y + 1..y2 {
                for xx in [x, x2] {
                    assert!(
                        matches!(at(xx, yy), "│" | "├" | "┤" | "┃"),
                        "{screen}: side of box ({x},{y}) broken at ({xx},{yy}): {:?}",
                        at(xx, yy)
                    );
                }
            }
        }
    }
    assert!(panes > 0, "{screen}: no pane found");
}

fn check(state: &mut State, width: u16, height: u16, screen: &str) -> String {
    let terminal = render(state, width, height);
    let buf = terminal.backend().buffer();
    let text = terminal_rows(buf, screen).join("\n");
    // The help popup covers the panes below it: only its own box is whole.
    boxes_are_closed(buf, screen, if screen == "help" { "Help" } else { "" });
    // A name is shown exactly, its escape character as `\u{1B}`; anywhere else `[2J` would be a remnant.
    let outside_names = text.replace("\\u{1B}[2J", "");
    for never in NEVER {
        assert!(
            !outside_names.contains(never),
            "{screen}: {never:?} on screen:\n{text}"
        );
    }
    text
}

#[test]
fn the_tree_and_detail_pane_draw_hostile_names_and_messages_as_the_terminal_shows_them() {
    let (mut state, _dir) = hostile_state();
    act(&mut state, &[Action::ExpandAll]);
    for (name, w, h) in [
        (GIT, 120, 30),
        (EVIL, 120, 30),
        (APPS, 80, 24),
        (WIDE, 100, 40),
    ] {
        state.reveal(&r(
            if name == GIT {
                FluxKind::GitRepository
            } else {
                FluxKind::Kustomization
            },
            "flux-system",
            name,
        ));
        let text = check(&mut state, w, h, &format!("tree {name:?} {w}x{h}"));
        if name == GIT && w == 120 {
            // Invisible characters of a name are shown, not dropped: the name cannot pass for another.
            assert!(text.contains("src\\u{200D}"), "{text}");
            assert!(
                text.contains("https://***@git.example.com/org/repo"),
                "{text}"
            );
            assert!(text.contains("authentication"), "{text}");
        }
    }
}

#[test]
fn the_dag_draws_hostile_names_in_closed_boxes() {
    let (mut state, _dir) = hostile_state();
    state.reveal(&r(FluxKind::Kustomization, "flux-system", EVIL));
    act(&mut state, &[Action::ShowDag]);
    for (w, h) in [(160, 48), (100, 30), (80, 24)] {
        let text = check(&mut state, w, h, &format!("dag {w}x{h}"));
        assert!(text.contains("evil"), "{text}");
    }
}

#[test]
fn the_timings_list_draws_hostile_names_in_their_columns() {
    let (mut state, _dir) = hostile_state();
    act(&mut state, &[Action::ShowTimings]);
    for (w, h) in [(120, 30), (80, 24)] {
        check(&mut state, w, h, &format!("timings {w}x{h}"));
    }
}

#[test]
fn the_help_screen_shows_a_hostile_keymap_description_without_escape_remnants() {
    let (mut state, _dir) = hostile_state();
    act(&mut state, &[Action::ToggleHelp]);
    let text = check(&mut state, 120, 400, "help");
    assert!(text.contains("help B"), "{text}");
    assert!(
        text.contains("\\u{202E}"),
        "the bidi key is shown, not obeyed:\n{text}"
    );
}
