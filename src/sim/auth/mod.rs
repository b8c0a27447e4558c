//! Who is asking, and may they: the simulated API server's authentication and authorization, as a real
//! kube-apiserver with `--authorization-mode=RBAC` does it.
//!
//! - Authentication (`Auth::authenticate`): the kubeconfig's bearer token is the operator (in `system:masters`,
//!   so every request is allowed, unless the server is started with a restricted operator); extra static users
//!   (`SimOptions::users`, like a `--token-auth-file`); ServiceAccount tokens minted by the TokenRequest
//!   subresource or by the token controller for `kubernetes.io/service-account-token` Secrets (`token`), mapped
//!   to `system:serviceaccount:<ns>:<name>`. A request without credentials is the operator (the simulator's
//!   convenience for curl); an unknown, expired or orphaned token is 401.
//! - Authorization (`rbac`): `system:masters` first (the privileged-group authorizer), then RBAC over the stored
//!   Roles, ClusterRoles and bindings (`rule`: verbs, groups, resources, subresources, resourceNames,
//!   nonResourceURLs), with the real allow reasons and missing-role errors.
//! - `bootstrap`: the default ClusterRoles and bindings every cluster has (discovery, basic-user,
//!   public-info-viewer, cluster-admin, admin, edit, view).
//!
//! The HTTP side (403 bodies, SelfSubjectAccessReview, SelfSubjectReview, TokenRequest) is `sim::http::auth`.

pub mod bootstrap;
pub mod rbac;
pub mod rule;
pub mod token;

pub use rbac::{Decision, authorize};
pub use rule::Request;
pub use token::{IssuedToken, TokenRegistry};

use crate::sim::store::{ObjectKey, Store};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::Arc;

/// The group whose members every request is allowed for.
pub const MASTERS: &str = "system:masters";
/// The group of every authenticated user.
pub const AUTHENTICATED: &str = "system:authenticated";

/// An authenticated user, as `authentication.k8s.io/v1` `UserInfo` (what SelfSubjectReview answers).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UserInfo {
    pub username: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uid: Option<String>,
    pub groups: Vec<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub extra: BTreeMap<String, Vec<String>>,
}

impl UserInfo {
    /// A user with these groups (`system:authenticated` is added when missing).
    #[must_use]
    pub fn new(username: &str, groups: &[&str]) -> Self {
        let mut groups: Vec<String> = groups.iter().map(|g| (*g).to_owned()).collect();
        if !groups.iter().any(|g| g == AUTHENTICATED) {
            groups.push(AUTHENTICATED.to_owned());
        }
        Self {
            username: username.to_owned(),
            uid: None,
            groups,
            extra: BTreeMap::new(),
        }
    }

    /// The user a ServiceAccount's token authenticates as.
    #[must_use]
    pub fn service_account(namespace: &str, name: &str, uid: Option<&str>) -> Self {
        let mut user = Self::new(
            &service_account_username(namespace, name),
            &[
                "system:serviceaccounts",
                &format!("system:serviceaccounts:{namespace}"),
            ],
        );
        user.uid = uid.map(str::to_owned);
        user
    }

    /// Whether the user is in `group`.
    #[must_use]
    pub fn in_group(&self, group: &str) -> bool {
        self.groups.iter().any(|g| g == group)
    }
}

/// `system:serviceaccount:<namespace>:<name>`.
#[must_use]
pub fn service_account_username(namespace: &str, name: &str) -> String {
    format!("system:serviceaccount:{namespace}:{name}")
}

/// A user known by a fixed bearer token (like a line of `--token-auth-file`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaticUser {
    pub token: String,
    pub name: String,
    pub groups: Vec<String>,
}

#[derive(Debug)]
struct Inner {
    operator: UserInfo,
    operator_token: String,
    users: Vec<StaticUser>,
    tokens: TokenRegistry,
    store: Store,
}

/// Authentication state of one server (cheap to clone): the operator, static users and issued tokens.
#[derive(Debug, Clone)]
pub struct Auth {
    inner: Arc<Inner>,
}

impl Auth {
    /// `operator` authenticates with `operator_token`; `restricted` leaves it out of `system:masters`, so RBAC
    /// decides its requests too.
    #[must_use]
    pub fn new(
        store: Store,
        operator: &str,
        operator_token: &str,
        restricted: bool,
        users: Vec<StaticUser>,
    ) -> Self {
        let groups: &[&str] = if restricted { &[] } else { &[MASTERS] };
        Self {
            inner: Arc::new(Inner {
                operator: UserInfo::new(operator, groups),
                operator_token: operator_token.to_owned(),
                users,
                tokens: TokenRegistry::default(),
                store,
            }),
        }
    }

    /// The tokens this server has issued.
    #[must_use]
    pub fn tokens(&self) -> &TokenRegistry {
        &self.inner.tokens
    }

    /// The operator (the kubeconfig's user).
    #[must_use]
    pub fn operator(&self) -> &UserInfo {
        &self.inner.operator
    }

    /// The user an `Authorization` header authenticates, `None` for credentials the server does not accept
    /// (401). No header is the operator.
    #[must_use]
    pub fn authenticate(&self, authorization: Option<&str>) -> Option<UserInfo> {
        let Some(header) = authorization else {
            return Some(self.inner.operator.clone());
        };
        let token = header.strip_prefix("Bearer ")?.trim();
        if token == self.inner.operator_token {
            return Some(self.inner.operator.clone());
        }
        if let Some(user) = self.inner.users.iter().find(|u| u.token == token) {
            let groups: Vec<&str> = user.groups.iter().map(String::as_str).collect();
            return Some(UserInfo::new(&user.name, &groups));
        }
        let issued = self.inner.tokens.lookup(token)?;
        // The ServiceAccount (and, for a Secret-based token, the Secret) must still exist, with the same uid.
        let sa = self.inner.store.get(&ObjectKey::core(
            "serviceaccounts",
            &issued.namespace,
            &issued.service_account,
        ))?;
        let uid = sa.pointer("/metadata/uid").and_then(Value::as_str);
        if issued.service_account_uid.is_some() && uid != issued.service_account_uid.as_deref() {
            return None;
        }
        if let Some(secret) = &issued.secret {
            self.inner
                .store
                .get(&ObjectKey::core("secrets", &issued.namespace, secret))?;
        }
        Some(UserInfo::service_account(
            &issued.namespace,
            &issued.service_account,
            uid,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn tokens_map_to_their_users() {
        let store = Store::standard();
        let auth = Auth::new(
            store.clone(),
            "admin",
            "op",
            false,
            vec![StaticUser {
                token: "t2".into(),
                name: "dev".into(),
                groups: vec!["devs".into()],
            }],
        );
        let op = auth.authenticate(Some("Bearer op")).unwrap();
        assert!(op.in_group(MASTERS) && op.in_group(AUTHENTICATED));
        assert_eq!(auth.authenticate(None).unwrap().username, "admin");
        assert_eq!(
            auth.authenticate(Some("Bearer t2")).unwrap().groups,
            ["devs", AUTHENTICATED]
        );
        assert!(auth.authenticate(Some("Bearer nope")).is_none());
        assert!(auth.authenticate(Some("Basic abc")).is_none());
        let sa = store
            .upsert(json!({"apiVersion": "v1", "kind": "ServiceAccount",
                "metadata": {"name": "runner", "namespace": "ops"}}))
            .unwrap();
        let uid = sa["metadata"]["uid"].as_str().unwrap();
        let issued = auth.tokens().issue("ops", "runner", Some(uid), None, None);
        let user = auth
            .authenticate(Some(&format!("Bearer {}", issued.token)))
            .unwrap();
        assert_eq!(user.username, "system:serviceaccount:ops:runner");
        assert!(user.in_group("system:serviceaccounts:ops"));
        store
            .delete(
                &ObjectKey::core("serviceaccounts", "ops", "runner"),
                &Default::default(),
            )
            .unwrap();
        assert!(
            auth.authenticate(Some(&format!("Bearer {}", issued.token)))
                .is_none(),
            "a deleted ServiceAccount's token no longer authenticates"
        );
    }
}
