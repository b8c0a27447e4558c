//! The audit log: records chain by SHA-256, are synced one by one, keep secrets out, and `verify` finds an edited,
//! removed, reordered or inserted line by its number; a damaged tail stops appending.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

use fluxops::actions::params::parse_pair;
use fluxops::actions::{Catalog, ExecutionId, ParamValues, TargetRef};
use fluxops::audit::{AuditError, AuditLog, Event, Outcome, verify};
use fluxops::policy::{Confirmation, Decision, Mode};

fn decision(allow: bool) -> Decision {
    Decision {
        allow,
        deny: if allow { vec![] } else { vec!["no".into()] },
        warnings: vec![],
        confirmation: Confirmation::Typed,
        break_glass: None,
        policy_error: None,
    }
}

fn events(n: usize) -> Vec<Event> {
    let catalog = Catalog::builtin().unwrap();
    let spec = catalog.get("scale").unwrap();
    let params = ParamValues::from_pairs(spec, &[parse_pair("replicas=2").unwrap()]).unwrap();
    let target = TargetRef::parse("Deployment/apps/web").unwrap();
    (0..n)
        .map(|i| {
            let id = ExecutionId::parse(&format!("{i:012x}")).unwrap();
            if i % 2 == 0 {
                Event::decision(
                    &id,
                    "scale",
                    &target,
                    "alice",
                    Mode::Cli,
                    &params,
                    &decision(true),
                )
            } else {
                Event::outcome(&id, "scale", &target, Outcome::Succeeded, "replicas 2/2")
            }
        })
        .collect()
}

fn written(n: usize) -> (tempfile::TempDir, AuditLog, String) {
    let dir = tempfile::tempdir().unwrap();
    let log = AuditLog::at(dir.path().join("nested/audit.jsonl"));
    for (i, event) in events(n).iter().enumerate() {
        let appended = log
            .append(event, &format!("2025-06-02T10:00:{i:02}Z"))
            .unwrap();
        assert_eq!(appended.seq, i as u64 + 1);
    }
    let text = std::fs::read_to_string(log.path()).unwrap();
    (dir, log, text)
}

fn problem_lines(text: &str) -> Vec<usize> {
    verify(text).problems.iter().map(|p| p.line).collect()
}

#[test]
fn records_chain_and_verify() {
    let (_dir, _log, text) = written(5);
    assert_eq!(text.lines().count(), 5);
    let v = verify(&text);
    assert!(v.intact(), "{:?}", v.problems);
    assert_eq!(v.records, 5);
    let last: serde_json::Value = serde_json::from_str(text.lines().last().unwrap()).unwrap();
    assert_eq!(v.head.as_deref(), last["digest"].as_str());
    let first: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    assert_eq!(first["prev"], fluxops::audit::record::GENESIS);
    assert_eq!(first["kind"], "decision");
    assert_eq!(first["decision_digest"], decision(true).digest());
}

#[test]
fn an_edited_line_is_found_by_its_number() {
    let (_dir, _log, text) = written(5);
    let edited = text.replacen("\"operator\":\"alice\"", "\"operator\":\"mallory\"", 2);
    // Lines 1 and 3 are decisions: both edited, both found; nothing else flagged.
    assert_eq!(problem_lines(&edited), [1, 3]);
    assert!(verify(&edited).problems[0].problem.contains("edited"));
}

#[test]
fn an_edit_with_a_recomputed_digest_breaks_the_next_line() {
    let (_dir, _log, text) = written(4);
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let (body, _) = fluxops::audit::record::split_digest(&lines[1]).unwrap();
    let body = body.replace("replicas 2/2", "replicas 0/2");
    let digest = fluxops::actions::params::sha256_hex(body.as_bytes());
    lines[1] = format!(
        "{}{}{digest}\"}}",
        body.strip_suffix('}').unwrap(),
        fluxops::audit::record::DIGEST_FIELD
    );
    let forged = lines.join("\n") + "\n";
    assert_eq!(problem_lines(&forged), [3]);
    assert!(
        verify(&forged).problems[0]
            .problem
            .contains("does not follow line 2")
    );
}

#[test]
fn removed_reordered_and_inserted_lines_are_found() {
    let (_dir, _log, text) = written(6);
    let lines: Vec<&str> = text.lines().collect();
    let without = |skip: usize| {
        lines
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != skip)
            .map(|(_, l)| *l)
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(
        problem_lines(&without(2)),
        [3],
        "line 3 removed: the old line 4, now 3, does not follow"
    );
    assert_eq!(problem_lines(&without(0)), [1], "the first line removed");
    let mut swapped = lines.clone();
    swapped.swap(3, 4);
    assert_eq!(problem_lines(&swapped.join("\n")), [4, 5, 6]);
    let mut inserted = lines.clone();
    inserted.insert(2, lines[2]);
    assert_eq!(problem_lines(&inserted.join("\n")), [4]);
    assert_eq!(problem_lines("not json at all\n"), [1]);
}

#[test]
fn secret_values_never_reach_a_record() {
    let catalog = Catalog::builtin().unwrap();
    let spec = catalog.get("patch-secret").unwrap();
    let value = "correct-horse-battery-staple";
    let params = ParamValues::from_pairs(
        spec,
        &[
            parse_pair("key=password").unwrap(),
            parse_pair(&format!("value={value}")).unwrap(),
        ],
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let log = AuditLog::at(dir.path().join("audit.jsonl"));
    let id = ExecutionId::random();
    let target = TargetRef::parse("Secret/apps/db").unwrap();
    log.append(
        &Event::decision(
            &id,
            "patch-secret",
            &target,
            "alice",
            Mode::Interactive,
            &params,
            &decision(true),
        ),
        "2025-06-02T10:00:00Z",
    )
    .unwrap();
    let text = std::fs::read_to_string(log.path()).unwrap();
    assert!(!text.contains(value), "{text}");
    assert!(text.contains("\"secret\":true"), "{text}");
    assert!(text.contains(&fluxops::actions::params::sha256_hex(value.as_bytes())));
}

#[test]
fn a_torn_last_line_stops_appending_and_an_unwritable_log_is_an_error() {
    let (_dir, log, text) = written(2);
    std::fs::write(log.path(), format!("{text}{{\"seq\":3,\"time\"")).unwrap();
    let err = log
        .append(&events(1)[0], "2025-06-02T10:01:00Z")
        .unwrap_err();
    assert!(matches!(err, AuditError::Corrupt { .. }), "{err}");
    assert!(err.to_string().contains("incomplete"), "{err}");
    let after = std::fs::read_to_string(log.path()).unwrap();
    assert!(after.ends_with("\"time\""), "nothing appended");

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("file"), "").unwrap();
    let blocked = AuditLog::at(dir.path().join("file/audit.jsonl"));
    assert!(matches!(
        blocked.append(&events(1)[0], "t"),
        Err(AuditError::Io { .. })
    ));
}

#[test]
fn appends_from_two_threads_keep_one_chain() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    let handles: Vec<_> = (0..2)
        .map(|_| {
            let log = AuditLog::at(&path);
            std::thread::spawn(move || {
                for event in events(20) {
                    log.append(&event, "2025-06-02T10:00:00Z").unwrap();
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    let text = std::fs::read_to_string(&path).unwrap();
    let v = verify(&text);
    assert!(v.intact(), "{:?}", v.problems);
    assert_eq!(v.records, 40);
}
