//! Who the operator is (a SelfSubjectReview, asked once) and what they may do (SelfSubjectAccessReviews, one
//! per `(verb, group, resource, namespace)`, cached for [`SSAR_TTL`] so the action menu answers in
//! microseconds after the first look). Both are questions the closed client may ask (`cluster::guard`).

use crate::policy::input::Operator;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long an access review answer is reused.
pub const SSAR_TTL: Duration = Duration::from_secs(30);

/// One question: may the operator `verb` `resource` in `group` in `namespace`?
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Access {
    pub verb: String,
    pub group: String,
    pub resource: String,
    /// `None`: cluster-scoped (or every namespace).
    pub namespace: Option<String>,
}

impl Access {
    #[must_use]
    pub fn new(verb: &str, group: &str, resource: &str, namespace: Option<&str>) -> Self {
        Self {
            verb: verb.to_owned(),
            group: group.to_owned(),
            resource: resource.to_owned(),
            namespace: namespace.map(str::to_owned),
        }
    }

    /// `cannot patch kustomizations.kustomize.toolkit.fluxcd.io in flux-system`.
    #[must_use]
    pub fn missing(&self, reason: &str) -> String {
        let resource = if self.group.is_empty() {
            self.resource.clone()
        } else {
            format!("{}.{}", self.resource, self.group)
        };
        let place = self
            .namespace
            .as_ref()
            .map_or_else(|| "cluster-wide".to_owned(), |ns| format!("in {ns}"));
        let why = if reason.is_empty() {
            String::new()
        } else {
            format!(" ({reason})")
        };
        format!("cannot {} {resource} {place}{why}", self.verb)
    }
}

/// Cached access answers.
#[derive(Debug, Default)]
pub struct AccessCache {
    answers: Mutex<HashMap<Access, (Instant, bool, String)>>,
}

impl AccessCache {
    /// Whether the operator may do `access` (and the server's reason when not). An unanswered question counts
    /// as not allowed, its error the reason: a permission that cannot be checked is not assumed.
    pub async fn check(&self, client: &kube::Client, access: &Access) -> (bool, String) {
        if let Ok(answers) = self.answers.lock()
            && let Some((at, allowed, reason)) = answers.get(access)
            && at.elapsed() < SSAR_TTL
        {
            return (*allowed, reason.clone());
        }
        let answer = ask(client, access).await;
        let (allowed, reason) = match answer {
            Ok(pair) => pair,
            Err(e) => return (false, format!("the access review failed: {e}")),
        };
        if let Ok(mut answers) = self.answers.lock() {
            answers.insert(access.clone(), (Instant::now(), allowed, reason.clone()));
        }
        (allowed, reason)
    }
}

async fn ask(client: &kube::Client, access: &Access) -> Result<(bool, String), kube::Error> {
    let mut attributes = json!({
        "verb": access.verb, "group": access.group, "resource": access.resource,
    });
    if let Some(ns) = &access.namespace {
        attributes["namespace"] = json!(ns);
    }
    let review = json!({
        "apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
        "spec": {"resourceAttributes": attributes},
    });
    let answer: Value = post(
        client,
        "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
        &review,
    )
    .await?;
    let allowed = answer
        .pointer("/status/allowed")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let reason = ["/status/reason", "/status/evaluationError"]
        .iter()
        .find_map(|p| answer.pointer(p).and_then(Value::as_str))
        .unwrap_or_default()
        .to_owned();
    Ok((allowed, reason))
}

async fn post(client: &kube::Client, path: &str, body: &Value) -> Result<Value, kube::Error> {
    let bytes = serde_json::to_vec(body).map_err(kube::Error::SerdeError)?;
    let request = http::Request::post(path)
        .header(http::header::CONTENT_TYPE, "application/json")
        .body(bytes)
        .map_err(kube::Error::HttpError)?;
    client.request::<Value>(request).await
}

/// The operator as the server knows them (SelfSubjectReview); an older server without the API gives
/// `unknown`, which the policy input and the audit records then say.
pub async fn whoami(client: &kube::Client) -> Operator {
    let review = json!({"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"});
    match post(
        client,
        "/apis/authentication.k8s.io/v1/selfsubjectreviews",
        &review,
    )
    .await
    {
        Ok(answer) => Operator {
            username: answer
                .pointer("/status/userInfo/username")
                .and_then(Value::as_str)
                .unwrap_or("unknown")
                .to_owned(),
            groups: answer
                .pointer("/status/userInfo/groups")
                .and_then(Value::as_array)
                .map(|g| {
                    g.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default(),
        },
        Err(e) => {
            tracing::warn!("SelfSubjectReview failed: {e}");
            Operator {
                username: "unknown".to_owned(),
                groups: Vec::new(),
            }
        }
    }
}

/// The operator a runbook walk records (and its transcript shows): the Kubernetes identity the review gave,
/// the one the audit records; when the review was not possible (`unknown`), the local user (`$USER`),
/// labelled as such so the record does not pass it off as a cluster identity.
#[must_use]
pub fn walk_operator(operator: &Operator, local_user: Option<&str>) -> String {
    let name = operator.username.trim();
    if !name.is_empty() && name != "unknown" {
        return name.to_owned();
    }
    match local_user.map(str::trim).filter(|u| !u.is_empty()) {
        Some(user) => {
            format!("{user} (local $USER: the cluster's SelfSubjectReview was not possible)")
        }
        None => "unknown (the cluster's SelfSubjectReview was not possible and $USER is not set)"
            .to_owned(),
    }
}

/// The local user (`$USER`), for [`walk_operator`]'s fallback.
#[must_use]
pub fn local_user() -> Option<String> {
    std::env::var("USER").ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_walk_names_the_cluster_identity_and_labels_the_local_user_fallback() {
        let known = Operator {
            username: "system:serviceaccount:ops:alice".to_owned(),
            groups: Vec::new(),
        };
        assert_eq!(
            walk_operator(&known, Some("bob")),
            "system:serviceaccount:ops:alice"
        );
        let unknown = Operator {
            username: "unknown".to_owned(),
            groups: Vec::new(),
        };
        let fallback = walk_operator(&unknown, Some("bob"));
        assert!(fallback.starts_with("bob (local $USER"), "{fallback}");
        assert!(fallback.contains("SelfSubjectReview was not possible"));
        assert!(walk_operator(&unknown, Some(" ")).starts_with("unknown ("));
        assert!(walk_operator(&Operator::default(), None).starts_with("unknown ("));
    }

    #[test]
    fn missing_permissions_read_like_kubectl() {
        let a = Access::new(
            "patch",
            "kustomize.toolkit.fluxcd.io",
            "kustomizations",
            Some("flux-system"),
        );
        assert_eq!(
            a.missing(""),
            "cannot patch kustomizations.kustomize.toolkit.fluxcd.io in flux-system"
        );
        let b = Access::new("create", "", "secrets", None);
        assert_eq!(b.missing("no"), "cannot create secrets cluster-wide (no)");
    }
}
