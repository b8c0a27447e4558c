//! Every output fluxops writes for programs, fed hostile names and messages (C0/C1 controls, DEL, escape
//! sequences, bidi overrides, zero-width and other format characters, line separators): nothing of the kind
//! comes out raw. JSON escapes them as `\uXXXX` and parses back to the very same strings; DOT and Mermaid
//! show them as the text `\uXXXX`; the human outputs (tree, follow text) pass what they print through
//! `crate::text` (controls, escape sequences and bidi controls never reach the terminal).
//! Outputs: `graph -o json|dot|mermaid|tree` (through the binary), `diagnose` (through the binary), `follow
//! -o json` and its text (through its renderer: its input comes from a cluster).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

mod support;

use fluxops::flux::{FluxKind, ResourceRef};
use fluxops::follow::{Change, FollowLine, Format, Renderer, Summary, Verdict};
use fluxops::machine_text::needs_escape;
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;
use support::cli::fluxops;

/// Characters an attacker would use, one of each class.
const HOSTILE: [char; 12] = [
    '\u{9b}',
    '\u{9d}',
    '\u{7f}',
    '\u{1b}',
    '\u{7}',
    '\u{202e}',
    '\u{2066}',
    '\u{200d}',
    '\u{2028}',
    '\u{feff}',
    '\u{e0041}',
    '\u{85}',
];

fn hostile(prefix: &str) -> String {
    let mut s = prefix.to_owned();
    for c in HOSTILE {
        s.push(c);
        s.push('x');
    }
    s
}

/// The raw characters of `text` that must not be in machine output.
fn raw(text: &str) -> Vec<String> {
    text.chars()
        .filter(|c| needs_escape(*c) && *c != '\n')
        .map(|c| format!("U+{:04X}", u32::from(c)))
        .collect()
}

/// The raw characters of `text` that must not reach a terminal from human output (`crate::text`'s job:
/// controls, escape sequences, bidi controls; what else it makes visible is its own tests').
fn raw_for_terminal(text: &str) -> Vec<String> {
    text.chars()
        .filter(|c| {
            (c.is_control() && *c != '\n')
                || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        })
        .map(|c| format!("U+{:04X}", u32::from(c)))
        .collect()
}

/// YAML double-quoted form of `s` (every non-ASCII or control character as `\uXXXX` / `\UXXXXXXXX`).
fn yaml_quoted(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        let code = u32::from(c);
        if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
            out.push(c);
        } else if code <= 0xFFFF {
            out.push_str(&format!("\\u{code:04X}"));
        } else {
            out.push_str(&format!("\\U{code:08X}"));
        }
    }
    out.push('"');
    out
}

#[test]
fn graph_outputs_escape_or_strip_every_hostile_character() {
    let dir = tempfile::tempdir().unwrap();
    let name = hostile("app");
    let source = hostile("repo");
    std::fs::write(
        dir.path().join("fleet.yaml"),
        format!(
            "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: {}\n  namespace: apps\nspec:\n  interval: 10m\n  path: ./x\n  sourceRef:\n    kind: GitRepository\n    name: {}\n",
            yaml_quoted(&name),
            yaml_quoted(&source)
        ),
    )
    .unwrap();
    let d = dir.path().to_str().unwrap();
    for format in ["json", "dot", "mermaid", "tree"] {
        let out = fluxops(&["graph", "--from-dir", d, "-o", format]);
        assert!(
            out.status.success(),
            "{format}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8(out.stdout).unwrap();
        let found = if format == "tree" {
            raw_for_terminal(&text)
        } else {
            raw(&text)
        };
        assert_eq!(found, Vec::<String>::new(), "{format}:\n{text}");
        match format {
            "json" => {
                let json: serde_json::Value = serde_json::from_str(&text).unwrap();
                let names: Vec<&str> = json["nodes"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|n| n["name"].as_str().unwrap())
                    .collect();
                assert!(names.contains(&name.as_str()), "lossless: {names:?}");
                assert!(names.contains(&source.as_str()), "lossless: {names:?}");
                assert!(
                    text.contains("\\u202e") && text.contains("\\u009b"),
                    "{text}"
                );
            }
            "dot" | "mermaid" => {
                assert!(
                    text.contains("\\u202E")
                        && text.contains("\\u009B")
                        && text.contains("\\u{E0041}"),
                    "{format} shows them:\n{text}"
                );
            }
            _ => assert!(text.contains("Kustomization/apps/app"), "{text}"),
        }
    }
}

#[test]
fn diagnose_json_lines_escape_every_hostile_character() {
    let deployment = hostile("web");
    let message = format!(
        "Deployment/apps/{deployment} dry-run failed (Invalid): Deployment.apps \"{deployment}\" is invalid: spec.selector: Invalid value: x: field is immutable\n"
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_fluxops"))
        .arg("diagnose")
        .env_remove("KUBECONFIG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(message.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.lines().count(), 1, "{text}");
    assert_eq!(raw(&text), Vec::<String>::new(), "{text}");
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(json["class"], "immutable-field", "{json}");
}

#[test]
fn follow_json_escapes_and_follow_text_strips_every_hostile_character() {
    let object = ResourceRef::new(FluxKind::Kustomization, "apps", hostile("web"));
    let lines = [
        FollowLine {
            elapsed: Duration::from_secs(1),
            label: hostile("web"),
            change: Change::Failed {
                object: object.clone(),
                reason: hostile("Reason"),
                message: hostile("message"),
                diagnosis: None,
            },
        },
        FollowLine {
            elapsed: Duration::from_secs(2),
            label: String::new(),
            change: Change::SourceAt {
                source: object.clone(),
                revision: hostile("main@sha1:"),
                consumers: 1,
            },
        },
        FollowLine {
            elapsed: Duration::from_secs(3),
            label: String::new(),
            change: Change::ApiError {
                error: hostile("error"),
            },
        },
    ];
    let summary = Summary {
        event: "summary",
        verdict: Verdict::Failed,
        revision: hostile("rev"),
        elapsed: Duration::from_secs(4),
        sources: vec![object],
        objects: Vec::new(),
        notes: vec![hostile("note")],
    };
    for format in [Format::Json, Format::Text] {
        let renderer = Renderer {
            format,
            color: false,
            timestamps: false,
            started: "2026-11-24T06:00:00Z".parse().unwrap(),
        };
        for line in &lines {
            let text = renderer.line(line);
            let found = if format == Format::Json {
                raw(&text)
            } else {
                raw_for_terminal(&text)
            };
            assert_eq!(found, Vec::<String>::new(), "{format:?}: {text}");
            if format == Format::Json {
                let json: serde_json::Value = serde_json::from_str(&text).unwrap();
                assert_eq!(json, serde_json::to_value(line).unwrap(), "lossless");
            }
        }
        let text = renderer.summary(&summary);
        let found = if format == Format::Json {
            raw(&text)
        } else {
            raw_for_terminal(&text)
        };
        assert_eq!(found, Vec::<String>::new(), "{format:?}: {text}");
    }
}
