//! What credentials the kubeconfig gives the context's user, so that a 401 can be said in words: which user, what
//! kind of credential, and for a bearer token that is a JWT (service-account and OIDC tokens) when it expired.
//!
//! Nothing secret is kept or shown: only the user name, the method, an exec plugin's command name, a token file's
//! path and a token's expiry time (its `exp` claim, read without verifying anything).
//!
//! Must not live here: building the client, retrying.

use base64::Engine;
use k8s_openapi::jiff::Timestamp;
use kube::config::{AuthInfo, Kubeconfig};
use secrecy::ExposeSecret;

/// How the user authenticates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Method {
    /// A bearer token in the kubeconfig; `expires` when it is a JWT with an `exp` claim.
    Token {
        expires: Option<Timestamp>,
    },
    /// A bearer token read from a file.
    TokenFile(String),
    ClientCertificate,
    /// An exec credential plugin (`aws`, `gke-gcloud-auth-plugin`, `kubelogin` …).
    Exec {
        command: String,
    },
    /// A legacy auth provider (`oidc`, …).
    AuthProvider {
        name: String,
    },
    Basic,
    /// No credentials at all.
    Anonymous,
    /// Not known (the client was not built from a kubeconfig).
    Unknown,
}

/// The kubeconfig's credentials for one context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    pub context: String,
    /// The kubeconfig user name (`contexts[].context.user`).
    pub user: String,
    pub method: Method,
}

impl Credentials {
    /// Credentials of a client not built from a kubeconfig.
    #[must_use]
    pub fn unknown() -> Self {
        Self {
            context: String::new(),
            user: String::new(),
            method: Method::Unknown,
        }
    }

    /// The credentials `kubeconfig` gives the user of `context`.
    #[must_use]
    pub fn from_kubeconfig(kubeconfig: &Kubeconfig, context: &str) -> Self {
        let user = kubeconfig
            .contexts
            .iter()
            .find(|c| c.name == context)
            .and_then(|c| c.context.as_ref())
            .and_then(|c| c.user.clone())
            .unwrap_or_default();
        let info = kubeconfig
            .auth_infos
            .iter()
            .find(|a| a.name == user)
            .and_then(|a| a.auth_info.as_ref());
        Self {
            context: context.to_owned(),
            user,
            method: info.map_or(Method::Anonymous, method_of),
        }
    }

    /// Why the API server rejected them (401), in words, as of `now`. Says who, with what, and the likely cause.
    #[must_use]
    pub fn rejected_words(&self, now: Timestamp) -> String {
        let who = if self.user.is_empty() {
            String::new()
        } else if self.context.is_empty() {
            format!(" of user \"{}\"", self.user)
        } else {
            format!(" of user \"{}\" (context \"{}\")", self.user, self.context)
        };
        let head = "the API server rejected the credentials";
        match &self.method {
            Method::Token { expires: Some(exp) } if *exp <= now => format!(
                "{head}{who}: the bearer token expired at {} — get a new token",
                exp.strftime("%Y-%m-%d %H:%M UTC")
            ),
            Method::Token { .. } => format!(
                "{head}{who}: the bearer token is expired, revoked, or not valid for this cluster"
            ),
            Method::TokenFile(path) => format!(
                "{head}{who}: the token in {path} is expired, revoked, or not valid for this cluster"
            ),
            Method::ClientCertificate => format!(
                "{head}{who}: the client certificate is expired or not signed by a CA this cluster trusts"
            ),
            Method::Exec { command } => format!(
                "{head}{who}: the token the exec plugin \"{command}\" produced is not accepted — log in again"
            ),
            Method::AuthProvider { name } => {
                format!("{head}{who}: the {name} token is not accepted — log in again")
            }
            Method::Basic => format!("{head}{who}: wrong username or password"),
            Method::Anonymous => {
                format!("the API server requires credentials and the kubeconfig gives none{who}")
            }
            Method::Unknown => format!("{head}{who} (401 Unauthorized)"),
        }
    }
}

fn method_of(info: &AuthInfo) -> Method {
    if let Some(exec) = &info.exec {
        let command = exec.command.clone().unwrap_or_default();
        let name = std::path::Path::new(&command)
            .file_name()
            .map_or(command.clone(), |n| n.to_string_lossy().into_owned());
        return Method::Exec { command: name };
    }
    if let Some(provider) = &info.auth_provider {
        return Method::AuthProvider {
            name: provider.name.clone(),
        };
    }
    if let Some(token) = &info.token {
        return Method::Token {
            expires: jwt_expiry(token.expose_secret()),
        };
    }
    if let Some(file) = &info.token_file {
        return Method::TokenFile(file.clone());
    }
    if info.client_certificate.is_some() || info.client_certificate_data.is_some() {
        return Method::ClientCertificate;
    }
    if info.username.is_some() {
        return Method::Basic;
    }
    Method::Anonymous
}

/// The `exp` claim of a JWT (`header.payload.signature`, base64url), if `token` is one.
fn jwt_expiry(token: &str) -> Option<Timestamp> {
    let mut parts = token.trim().split('.');
    let (_header, payload, _signature) = (parts.next()?, parts.next()?, parts.next()?);
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    let exp = claims.get("exp")?.as_i64()?;
    Timestamp::from_second(exp).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kubeconfig(user: &str) -> Kubeconfig {
        Kubeconfig::from_yaml(&format!(
            "apiVersion: v1\nkind: Config\ncurrent-context: prod\nclusters:\n- name: c\n  cluster:\n    server: https://k.example:6443\ncontexts:\n- name: prod\n  context:\n    cluster: c\n    user: alice\nusers:\n- name: alice\n  user:\n{user}"
        ))
        .unwrap()
    }

    fn jwt(exp: i64) -> String {
        let enc = |v: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v);
        format!(
            "{}.{}.sig",
            enc(r#"{"alg":"RS256"}"#),
            enc(&format!(
                r#"{{"sub":"system:serviceaccount:x:y","exp":{exp}}}"#
            ))
        )
    }

    #[test]
    fn an_expired_jwt_is_named_with_its_expiry_time() {
        let creds = Credentials::from_kubeconfig(
            &kubeconfig(&format!("    token: {}\n", jwt(1_700_000_000))),
            "prod",
        );
        let now: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
        let words = creds.rejected_words(now);
        assert_eq!(
            words,
            "the API server rejected the credentials of user \"alice\" (context \"prod\"): the bearer token \
             expired at 2023-11-14 22:13 UTC — get a new token"
        );
    }

    #[test]
    fn each_method_is_said_in_words_without_secrets() {
        let now: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
        let cases = [
            (
                "    token: s3cr3t-opaque\n",
                "bearer token is expired, revoked",
            ),
            (
                "    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n      command: /usr/local/bin/aws\n      args: [eks, get-token]\n",
                "exec plugin \"aws\"",
            ),
            (
                "    client-certificate-data: AAAA\n    client-key-data: BBBB\n",
                "client certificate",
            ),
            (
                "    username: admin\n    password: hunter2\n",
                "wrong username or password",
            ),
            (
                "    tokenFile: /var/run/token\n",
                "the token in /var/run/token",
            ),
            ("    {}\n", "gives none of user \"alice\""),
        ];
        for (user, expected) in cases {
            let words = Credentials::from_kubeconfig(&kubeconfig(user), "prod").rejected_words(now);
            assert!(words.contains(expected), "{user}: {words}");
            for secret in ["s3cr3t", "hunter2", "AAAA", "BBBB"] {
                assert!(!words.contains(secret), "{words}");
            }
        }
    }

    #[test]
    fn a_token_that_is_not_a_jwt_has_no_expiry() {
        assert_eq!(jwt_expiry("abc"), None);
        assert_eq!(jwt_expiry("a.b.c"), None);
        assert_eq!(
            jwt_expiry(&jwt(1_700_000_000)),
            Some(Timestamp::from_second(1_700_000_000).unwrap())
        );
    }
}
