//! What the API server does to a Secret on every write: `stringData` merged into `data`.

use serde_json::Value;

/// A Secret's `stringData` written into `data` (base64), as the API server does on every write: the stored
/// and returned object never carries `stringData`.
pub(super) fn merge_string_data(obj: &mut Value) {
    use base64::Engine;
    if obj.get("kind").and_then(Value::as_str) != Some("Secret") {
        return;
    }
    let Some(map) = obj.as_object_mut() else {
        return;
    };
    let Some(Value::Object(strings)) = map.remove("stringData") else {
        return;
    };
    let data = map
        .entry("data")
        .or_insert_with(|| Value::Object(serde_json::Map::new()));
    if !data.is_object() {
        *data = Value::Object(serde_json::Map::new());
    }
    if let Some(data) = data.as_object_mut() {
        for (key, value) in strings {
            let text = value
                .as_str()
                .map_or_else(|| value.to_string(), str::to_owned);
            data.insert(
                key,
                Value::String(base64::engine::general_purpose::STANDARD.encode(text)),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::merge_string_data;
    use serde_json::json;

    #[test]
    fn string_data_is_merged_into_data_and_wins() {
        let mut secret = json!({"kind": "Secret", "data": {"a": "b2xk", "keep": "eA=="},
            "stringData": {"a": "new", "b": "two"}});
        merge_string_data(&mut secret);
        assert_eq!(
            secret,
            json!({"kind": "Secret", "data": {"a": "bmV3", "keep": "eA==", "b": "dHdv"}})
        );
        let mut cm = json!({"kind": "ConfigMap", "stringData": {"a": "x"}});
        merge_string_data(&mut cm);
        assert!(cm.get("stringData").is_some());
    }
}
