//! A snapshot against the live cluster, pure: objects only in the snapshot (`removed` since: a restore creates
//! them again), only live (`added` since: a restore leaves them), and `changed` ones with a field-by-field
//! diff (`spec.interval: "10m" → "5m"`). Both sides are cleaned the same way (`object::clean`), so server-managed
//! fields never show. Values of a Secret's `data`/`stringData` are never shown, only that they differ.

use super::object::ObjectKey;
use serde_json::Value;
use std::collections::BTreeMap;

/// Longest value shown in a field line (longer ones end with `…`).
pub const MAX_VALUE: usize = 120;

/// One field that differs; `None` where the field is absent on that side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldChange {
    /// `spec.interval`, `metadata.labels["app.kubernetes.io/name"]`, `spec.values.items[2]`.
    pub path: String,
    pub snapshot: Option<String>,
    pub live: Option<String>,
}

/// The whole comparison.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Diff {
    /// In the snapshot, not live.
    pub removed: Vec<ObjectKey>,
    /// Live, not in the snapshot.
    pub added: Vec<ObjectKey>,
    pub changed: Vec<(ObjectKey, Vec<FieldChange>)>,
    /// Equal on both sides.
    pub unchanged: usize,
}

impl Diff {
    /// Whether the cluster still equals the snapshot (objects created since aside).
    #[must_use]
    pub fn restores_nothing(&self) -> bool {
        self.removed.is_empty() && self.changed.is_empty()
    }

    /// The diff as text lines (`- removed`, `+ added`, `~ changed` with its fields indented), sanitised.
    #[must_use]
    pub fn lines(&self) -> Vec<String> {
        let mut out = Vec::new();
        for key in &self.removed {
            out.push(format!("- {} (deleted since the snapshot)", shown(key)));
        }
        for (key, fields) in &self.changed {
            out.push(format!("~ {}", shown(key)));
            for f in fields {
                let side = |v: &Option<String>| v.clone().unwrap_or_else(|| "(absent)".to_owned());
                out.push(format!(
                    "    {}: {} → {}",
                    crate::text::sanitize_line(&f.path),
                    crate::text::sanitize_line(&side(&f.snapshot)),
                    crate::text::sanitize_line(&side(&f.live)),
                ));
            }
        }
        for key in &self.added {
            out.push(format!("+ {} (created since the snapshot)", shown(key)));
        }
        out
    }
}

fn shown(key: &ObjectKey) -> String {
    crate::text::sanitize_line(&key.to_string()).into_owned()
}

/// Compares `snapshot` with `live`.
#[must_use]
pub fn diff(snapshot: &BTreeMap<ObjectKey, Value>, live: &BTreeMap<ObjectKey, Value>) -> Diff {
    let mut out = Diff::default();
    for (key, obj) in snapshot {
        match live.get(key) {
            None => out.removed.push(key.clone()),
            Some(now) => {
                let fields = fields(key, obj, now);
                if fields.is_empty() {
                    out.unchanged += 1;
                } else {
                    out.changed.push((key.clone(), fields));
                }
            }
        }
    }
    out.added = live
        .keys()
        .filter(|k| !snapshot.contains_key(*k))
        .cloned()
        .collect();
    out
}

/// The fields of one object that differ (`apiVersion` aside: the same object served at another version is
/// the same object).
#[must_use]
pub fn fields(key: &ObjectKey, snapshot: &Value, live: &Value) -> Vec<FieldChange> {
    let mut out = Vec::new();
    let secret = key.is_secret();
    match (snapshot, live) {
        // The top level walked here so `apiVersion` is left out without copying either object.
        (Value::Object(x), Value::Object(y)) => {
            let mut keys: Vec<&String> = x
                .keys()
                .chain(y.keys())
                .filter(|k| k.as_str() != "apiVersion")
                .collect();
            keys.sort();
            keys.dedup();
            for k in keys {
                let mut sub = segment("", k);
                walk(&mut sub, x.get(k), y.get(k), secret, &mut out);
            }
        }
        _ => walk(
            &mut String::new(),
            Some(snapshot),
            Some(live),
            secret,
            &mut out,
        ),
    }
    out
}

fn segment(path: &str, key: &str) -> String {
    let plain = !key.is_empty()
        && key
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-');
    match (path.is_empty(), plain) {
        (true, true) => key.to_owned(),
        (false, true) => format!("{path}.{key}"),
        (_, false) => format!("{path}[{}]", serde_json::to_string(key).unwrap_or_default()),
    }
}

fn walk(
    path: &mut String,
    a: Option<&Value>,
    b: Option<&Value>,
    secret: bool,
    out: &mut Vec<FieldChange>,
) {
    if a == b {
        return;
    }
    match (a, b) {
        (Some(Value::Object(x)), Some(Value::Object(y))) => {
            let mut keys: Vec<&String> = x.keys().chain(y.keys()).collect();
            keys.sort();
            keys.dedup();
            for k in keys {
                let mut sub = segment(path, k);
                walk(&mut sub, x.get(k), y.get(k), secret, out);
            }
        }
        (Some(Value::Array(x)), Some(Value::Array(y))) if x.len() == y.len() => {
            for (i, (p, q)) in x.iter().zip(y).enumerate() {
                let mut sub = format!("{path}[{i}]");
                walk(&mut sub, Some(p), Some(q), secret, out);
            }
        }
        _ => {
            let hidden = secret && (path.starts_with("data") || path.starts_with("stringData"));
            let show = |v: Option<&Value>| {
                v.map(|v| {
                    if hidden {
                        "(hidden)".to_owned()
                    } else {
                        short(&serde_json::to_string(v).unwrap_or_default())
                    }
                })
            };
            out.push(FieldChange {
                path: path.clone(),
                snapshot: show(a),
                live: show(b),
            });
        }
    }
}

fn short(text: &str) -> String {
    if text.chars().count() <= MAX_VALUE {
        return text.to_owned();
    }
    let mut s: String = text.chars().take(MAX_VALUE - 1).collect();
    s.push('…');
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn key(kind: &str, name: &str) -> ObjectKey {
        ObjectKey {
            group: String::new(),
            kind: kind.into(),
            namespace: "apps".into(),
            name: name.into(),
        }
    }

    #[test]
    fn removed_added_changed_and_unchanged() {
        let snap = BTreeMap::from([
            (
                key("ConfigMap", "a"),
                json!({"apiVersion": "v1", "data": {"x": "1"}}),
            ),
            (
                key("ConfigMap", "b"),
                json!({"apiVersion": "v1", "data": {"x": "1"}}),
            ),
            (
                key("ConfigMap", "c"),
                json!({"apiVersion": "v1", "metadata": {"labels": {"app.kubernetes.io/name": "c"}},
                       "data": {"x": "1", "gone": "y"}, "list": [1, 2]}),
            ),
        ]);
        let live = BTreeMap::from([
            (
                key("ConfigMap", "b"),
                json!({"apiVersion": "v2", "data": {"x": "1"}}),
            ),
            (
                key("ConfigMap", "c"),
                json!({"apiVersion": "v1", "metadata": {"labels": {"app.kubernetes.io/name": "d"}},
                       "data": {"x": "2"}, "list": [1, 3]}),
            ),
            (key("ConfigMap", "new"), json!({})),
        ]);
        let d = diff(&snap, &live);
        assert_eq!(d.removed, vec![key("ConfigMap", "a")]);
        assert_eq!(d.added, vec![key("ConfigMap", "new")]);
        assert_eq!(d.unchanged, 1);
        assert!(!d.restores_nothing());
        let (k, fields) = &d.changed[0];
        assert_eq!(k, &key("ConfigMap", "c"));
        let paths: Vec<(&str, Option<&str>, Option<&str>)> = fields
            .iter()
            .map(|f| (f.path.as_str(), f.snapshot.as_deref(), f.live.as_deref()))
            .collect();
        assert_eq!(
            paths,
            vec![
                ("data.gone", Some("\"y\""), None),
                ("data.x", Some("\"1\""), Some("\"2\"")),
                ("list[1]", Some("2"), Some("3")),
                (
                    "metadata.labels[\"app.kubernetes.io/name\"]",
                    Some("\"c\""),
                    Some("\"d\"")
                ),
            ]
        );
        let text = d.lines().join("\n");
        assert!(
            text.contains("- ConfigMap/apps/a (deleted since the snapshot)"),
            "{text}"
        );
        assert!(text.contains("    data.x: \"1\" → \"2\""), "{text}");
        assert!(text.contains("+ ConfigMap/apps/new"), "{text}");
    }

    #[test]
    fn secret_values_are_never_shown() {
        let k = key("Secret", "s");
        let f = fields(
            &k,
            &json!({"data": {"password": "aHVudGVyMg=="}, "type": "Opaque"}),
            &json!({"data": {"password": "c2VjcmV0"}, "type": "Other"}),
        );
        let text = format!("{f:?}");
        assert!(
            !text.contains("aHVudGVyMg") && !text.contains("c2VjcmV0"),
            "{text}"
        );
        assert!(
            text.contains("(hidden)") && text.contains("Other"),
            "{text}"
        );
    }

    #[test]
    fn long_values_are_cut_and_escapes_never_printed() {
        let k = key("ConfigMap", "x");
        let long = "a".repeat(500);
        let f = fields(&k, &json!({"v": long}), &json!({"v": "\u{1b}[31mred"}));
        assert!(f[0].snapshot.as_ref().unwrap().ends_with('…'));
        let d = Diff {
            changed: vec![(k, f)],
            ..Diff::default()
        };
        assert!(!d.lines().join("\n").contains('\u{1b}'));
    }
}
