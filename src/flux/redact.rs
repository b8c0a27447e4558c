//! Credentials masked where untrusted text enters: every text field of a decoded object or event that can carry
//! a URL (`spec.url`, `spec.endpoint`, `status.url`, `status.artifact.url`, condition messages, event messages,
//! annotations, artifact and history metadata) goes through [`crate::text::mask_credentials`], so nothing
//! downstream (screens, `fluxops follow` text and JSON, `fluxops graph`, logs) holds a password or a token.
//! Called by `cluster::decode` (listed and watched objects), `cluster::event_watch` (Events) and `flux::repo`
//! (repository files). Names, namespaces and references are identities and are left alone.

use super::api::{Artifact, FluxObject};
use super::event::FluxEvent;
use crate::text::mask_credentials;
use std::borrow::Cow;
use std::collections::BTreeMap;

/// Masks `s` in place (no allocation when there is nothing to mask).
pub fn mask(s: &mut String) {
    if let Cow::Owned(masked) = mask_credentials(s) {
        *s = masked;
    }
}

fn mask_opt(s: &mut Option<String>) {
    if let Some(s) = s {
        mask(s);
    }
}

fn mask_values(map: &mut Option<BTreeMap<String, String>>) {
    for v in map.iter_mut().flat_map(BTreeMap::values_mut) {
        mask(v);
    }
}

/// Masks the credentials in every URL-bearing text field of `obj`.
pub fn object(obj: &mut FluxObject) {
    mask_values(&mut obj.metadata.annotations);
    let spec = &mut obj.spec;
    mask_opt(&mut spec.url);
    mask_opt(&mut spec.endpoint);
    let status = &mut obj.status;
    mask_opt(&mut status.url);
    for c in &mut status.conditions {
        mask(&mut c.message);
        mask(&mut c.reason);
    }
    if let Some(Artifact { url, metadata, .. }) = &mut status.artifact {
        mask_opt(url);
        mask_values(metadata);
    }
    for h in &mut status.history {
        mask_values(&mut h.metadata);
    }
}

/// Masks the credentials in an event's message and reason.
pub fn event(ev: &mut FluxEvent) {
    mask(&mut ev.message);
    mask(&mut ev.reason);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_url_bearing_field_of_an_object_is_masked() {
        let mut obj: FluxObject = serde_json::from_value(serde_json::json!({
            "kind": "GitRepository",
            "metadata": {"name": "r", "namespace": "n",
                         "annotations": {"note": "mirror https://u:p@m.example/r"}},
            "spec": {"url": "https://alice:token@git.example/r", "endpoint": "https://k:s@minio:9000"},
            "status": {
                "url": "http://source-controller/r?token=abc",
                "conditions": [{"type": "Ready", "status": "False", "reason": "AuthFailed",
                                "message": "failed to clone 'https://alice:token@git.example/r': 401"}],
                "artifact": {"revision": "main@sha1:1", "url": "https://x/a.tgz?X-Amz-Signature=sig",
                             "metadata": {"source": "oci://u:p@ghcr.io/x"}},
                "history": [{"metadata": {"origin": "https://u:p@h/o"}}]
            }
        }))
        .unwrap();
        object(&mut obj);
        let text = serde_json::to_string(&obj).unwrap();
        for secret in ["alice", "token@", ":p@", "k:s", "=abc", "=sig"] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
        assert_eq!(obj.spec.url.as_deref(), Some("https://***@git.example/r"));
        assert_eq!(obj.name(), "r");
    }

    #[test]
    fn event_messages_are_masked() {
        let mut ev = FluxEvent {
            involved: crate::flux::ResourceRef::new(crate::flux::FluxKind::GitRepository, "n", "r"),
            type_: crate::flux::EventType::Warning,
            reason: "GitOperationFailed".to_owned(),
            message: "unable to clone 'ssh://git:hunter2@host/r'".to_owned(),
            last_seen: None,
            first_seen: None,
            count: 1,
            source: String::new(),
            uid: String::new(),
        };
        event(&mut ev);
        assert_eq!(ev.message, "unable to clone 'ssh://git:***@host/r'");
    }
}
