//! Kustomization `status.history` (meta.History, FLUX.md §6): one entry per distinct (digest, outcome), most
//! recent first, at most 5; a repeated run at the same digest and outcome only bumps `lastReconciled`,
//! `lastReconciledDuration` and `totalReconciliations`.

use crate::flux::duration::format_go_duration;
use serde_json::{Map, Value, json};
use std::time::Duration;

const HISTORY_MAX: usize = 5;

/// Adds a run to `status.history` (dedup by digest + status, most recent first, at most 5).
pub fn record_history(
    status: &mut Map<String, Value>,
    digest: &str,
    revision: &str,
    outcome: &str,
    now: &str,
    took: Duration,
) {
    let mut history = match status.remove("history") {
        Some(Value::Array(items)) => items,
        _ => Vec::new(),
    };
    let same = history.iter().position(|h| {
        h.get("digest").and_then(Value::as_str) == Some(digest)
            && h.get("lastReconciledStatus").and_then(Value::as_str) == Some(outcome)
    });
    let entry = match same {
        Some(i) => {
            let mut h = history.remove(i);
            let total = h
                .get("totalReconciliations")
                .and_then(Value::as_i64)
                .unwrap_or(0);
            h["totalReconciliations"] = json!(total + 1);
            h["lastReconciled"] = json!(now);
            h["lastReconciledDuration"] = json!(format_go_duration(took));
            h
        }
        None => json!({
            "digest": digest,
            "firstReconciled": now,
            "lastReconciled": now,
            "lastReconciledDuration": format_go_duration(took),
            "lastReconciledStatus": outcome,
            "totalReconciliations": 1,
            "metadata": { "revision": revision },
        }),
    };
    history.insert(0, entry);
    history.truncate(HISTORY_MAX);
    status.insert("history".to_owned(), Value::Array(history));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_dedups_and_caps() {
        let mut st = Map::new();
        record_history(
            &mut st,
            "sha256:a",
            "r1",
            "ReconciliationSucceeded",
            "t1",
            Duration::from_millis(1500),
        );
        record_history(
            &mut st,
            "sha256:a",
            "r1",
            "ReconciliationSucceeded",
            "t2",
            Duration::from_millis(900),
        );
        let h = st["history"].as_array().unwrap();
        assert_eq!(h.len(), 1);
        assert_eq!(h[0]["totalReconciliations"], 2);
        assert_eq!(h[0]["firstReconciled"], "t1");
        assert_eq!(h[0]["lastReconciledDuration"], "900ms");
        for i in 0..7 {
            record_history(
                &mut st,
                &format!("sha256:{i}"),
                "r",
                "ReconciliationSucceeded",
                "t",
                Duration::from_secs(1),
            );
        }
        assert_eq!(st["history"].as_array().unwrap().len(), 5);
        assert_eq!(st["history"][0]["digest"], "sha256:6");
    }
}
