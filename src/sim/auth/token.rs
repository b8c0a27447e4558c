//! ServiceAccount tokens the simulated server issues: JWT-shaped bearer tokens (header, claims as the real
//! issuer writes them, random signature) remembered in a registry, with an expiry for TokenRequest tokens and
//! none for the legacy `kubernetes.io/service-account-token` Secrets. The claims are for clients that decode
//! them; the server trusts only its registry.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use k8s_openapi::jiff::{SignedDuration, Timestamp};
use serde_json::json;
use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

/// The issuer and default audience of the simulated cluster.
pub const ISSUER: &str = "https://kubernetes.default.svc.cluster.local";

/// What a token stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedToken {
    pub token: String,
    pub namespace: String,
    pub service_account: String,
    pub service_account_uid: Option<String>,
    /// The Secret holding a legacy token (the token dies with it).
    pub secret: Option<String>,
    /// `None`: never expires (legacy Secret tokens).
    pub expires: Option<Timestamp>,
}

/// Issued tokens (cheap to clone, shared).
#[derive(Debug, Clone, Default)]
pub struct TokenRegistry {
    tokens: Arc<RwLock<HashMap<String, IssuedToken>>>,
}

fn encode(value: &serde_json::Value) -> String {
    URL_SAFE_NO_PAD.encode(value.to_string())
}

impl TokenRegistry {
    /// Mints a token for `namespace/name` valid for `lifetime` (`None`: no expiry), optionally tied to a
    /// Secret.
    #[must_use]
    pub fn issue(
        &self,
        namespace: &str,
        name: &str,
        uid: Option<&str>,
        lifetime: Option<Duration>,
        secret: Option<&str>,
    ) -> IssuedToken {
        let now = Timestamp::now();
        let expires = lifetime.and_then(|d| {
            SignedDuration::try_from(d)
                .ok()
                .and_then(|d| now.checked_add(d).ok())
        });
        let mut claims = json!({
            "aud": [ISSUER],
            "iat": now.as_second(),
            "iss": ISSUER,
            "jti": crate::sim::store::meta::new_uid(),
            "kubernetes.io": {"namespace": namespace,
                              "serviceaccount": {"name": name, "uid": uid.unwrap_or_default()}},
            "nbf": now.as_second(),
            "sub": super::service_account_username(namespace, name),
        });
        if let Some(e) = expires {
            claims["exp"] = json!(e.as_second());
        }
        if let Some(s) = secret {
            claims["kubernetes.io"]["secret"] = json!({ "name": s });
        }
        let signature: [u8; 32] = rand::random();
        let token = format!(
            "{}.{}.{}",
            encode(&json!({"alg": "RS256", "kid": "fluxops-sim"})),
            encode(&claims),
            URL_SAFE_NO_PAD.encode(signature)
        );
        let issued = IssuedToken {
            token: token.clone(),
            namespace: namespace.to_owned(),
            service_account: name.to_owned(),
            service_account_uid: uid.map(str::to_owned),
            secret: secret.map(str::to_owned),
            expires,
        };
        self.tokens
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(token, issued.clone());
        issued
    }

    /// The token's record, if it was issued here and has not expired.
    #[must_use]
    pub fn lookup(&self, token: &str) -> Option<IssuedToken> {
        let found = self
            .tokens
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(token)
            .cloned()?;
        found
            .expires
            .is_none_or(|e| e > Timestamp::now())
            .then_some(found)
    }

    /// Forgets every token issued for a Secret (it was deleted).
    pub fn revoke_secret(&self, namespace: &str, secret: &str) {
        self.tokens
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .retain(|_, t| !(t.namespace == namespace && t.secret.as_deref() == Some(secret)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    #[test]
    fn tokens_are_jwt_shaped_and_expire() {
        let reg = TokenRegistry::default();
        let t = reg.issue(
            "ops",
            "runner",
            Some("u1"),
            Some(Duration::from_secs(600)),
            None,
        );
        let parts: Vec<&str> = t.token.split('.').collect();
        assert_eq!(parts.len(), 3);
        let claims: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
        assert_eq!(claims["sub"], "system:serviceaccount:ops:runner");
        assert!(reg.lookup(&t.token).is_some());
        let gone = reg.issue("ops", "runner", None, Some(Duration::ZERO), None);
        assert!(reg.lookup(&gone.token).is_none(), "expired");
        let legacy = reg.issue("ops", "runner", None, None, Some("runner-token"));
        reg.revoke_secret("ops", "runner-token");
        assert!(reg.lookup(&legacy.token).is_none());
    }
}
