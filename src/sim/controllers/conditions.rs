//! `status.conditions` editing with the Kubernetes and Flux semantics: `lastTransitionTime` changes only when
//! `status` changes, every condition carries the object's generation, and conditions are kept in the order the
//! Flux `conditions.Set` helpers leave them (Reconciling, Stalled, then Ready, then the rest by type).

use serde_json::{Map, Value, json};

/// `True` / `False` / `Unknown`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CondStatus {
    True,
    False,
    Unknown,
}

impl CondStatus {
    fn as_str(self) -> &'static str {
        match self {
            CondStatus::True => "True",
            CondStatus::False => "False",
            CondStatus::Unknown => "Unknown",
        }
    }
}

/// Takes the conditions out of a status object (empty when missing or malformed).
fn take_conditions(status: &mut Map<String, Value>) -> Vec<Value> {
    match status.remove("conditions") {
        Some(Value::Array(items)) => items,
        _ => Vec::new(),
    }
}

fn order_key(type_: &str) -> (u8, String) {
    let rank = match type_ {
        "Reconciling" => 0,
        "Stalled" => 1,
        "Ready" => 2,
        _ => 3,
    };
    (rank, type_.to_owned())
}

/// Sets a condition (metav1 `SetStatusCondition` semantics + Flux ordering).
pub fn set(
    status: &mut Map<String, Value>,
    type_: &str,
    cond_status: CondStatus,
    reason: &str,
    message: &str,
    generation: i64,
    now: &str,
) {
    let mut conds = take_conditions(status);
    let existing = conds
        .iter_mut()
        .find(|c| c.get("type").and_then(Value::as_str) == Some(type_));
    match existing {
        Some(c) => {
            let changed = c.get("status").and_then(Value::as_str) != Some(cond_status.as_str());
            c["status"] = json!(cond_status.as_str());
            c["reason"] = json!(reason);
            c["message"] = json!(message);
            c["observedGeneration"] = json!(generation);
            if changed || c.get("lastTransitionTime").is_none() {
                c["lastTransitionTime"] = json!(now);
            }
        }
        None => conds.push(json!({
            "lastTransitionTime": now,
            "message": message,
            "observedGeneration": generation,
            "reason": reason,
            "status": cond_status.as_str(),
            "type": type_,
        })),
    }
    conds.sort_by_key(|c| order_key(c.get("type").and_then(Value::as_str).unwrap_or_default()));
    status.insert("conditions".to_owned(), Value::Array(conds));
}

/// Removes a condition if present.
pub fn remove(status: &mut Map<String, Value>, type_: &str) {
    if let Some(Value::Array(conds)) = status.get_mut("conditions") {
        conds.retain(|c| c.get("type").and_then(Value::as_str) != Some(type_));
    }
}

/// The condition of `type_` in an object (not just its status), if present.
#[must_use]
pub fn get<'a>(object: &'a Value, type_: &str) -> Option<&'a Value> {
    object
        .pointer("/status/conditions")?
        .as_array()?
        .iter()
        .find(|c| c.get("type").and_then(Value::as_str) == Some(type_))
}

/// Whether the object's condition `type_` has status `True`.
#[must_use]
pub fn is_true(object: &Value, type_: &str) -> bool {
    get(object, type_).and_then(|c| c.get("status")?.as_str()) == Some("True")
}

/// The reason of condition `type_`, if present.
#[must_use]
pub fn reason<'a>(object: &'a Value, type_: &str) -> Option<&'a str> {
    get(object, type_)?.get("reason")?.as_str()
}

/// The message of condition `type_`, if present.
#[must_use]
pub fn message<'a>(object: &'a Value, type_: &str) -> Option<&'a str> {
    get(object, type_)?.get("message")?.as_str()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transition_time_moves_only_when_status_changes() {
        let mut st = Map::new();
        set(&mut st, "Ready", CondStatus::False, "A", "a", 1, "t1");
        set(&mut st, "Ready", CondStatus::False, "B", "b", 2, "t2");
        let obj = json!({"status": Value::Object(st.clone())});
        let ready = get(&obj, "Ready").unwrap();
        assert_eq!(ready["lastTransitionTime"], "t1");
        assert_eq!(ready["reason"], "B");
        assert_eq!(ready["observedGeneration"], 2);
        set(&mut st, "Ready", CondStatus::True, "C", "c", 2, "t3");
        let obj = json!({"status": Value::Object(st)});
        assert_eq!(get(&obj, "Ready").unwrap()["lastTransitionTime"], "t3");
    }

    #[test]
    fn conditions_are_ordered_like_flux() {
        let mut st = Map::new();
        set(
            &mut st,
            "ArtifactInStorage",
            CondStatus::True,
            "r",
            "m",
            1,
            "t",
        );
        set(&mut st, "Ready", CondStatus::True, "r", "m", 1, "t");
        set(&mut st, "Stalled", CondStatus::True, "r", "m", 1, "t");
        set(&mut st, "Reconciling", CondStatus::True, "r", "m", 1, "t");
        let types: Vec<_> = st["conditions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["type"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(
            types,
            ["Reconciling", "Stalled", "Ready", "ArtifactInStorage"]
        );
        remove(&mut st, "Stalled");
        assert_eq!(st["conditions"].as_array().unwrap().len(), 3);
    }
}
