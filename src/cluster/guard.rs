//! Read-only mode enforced in the Kubernetes client itself: a tower layer under every kube-rs request that, when
//! the client is read-only, refuses anything that could change the cluster and returns [`Refused`] without
//! sending a byte. The console, the commands and later the action executor all build their client through
//! [`client`], so no code path above can mutate in read-only mode, whatever the UI shows.
//!
//! What passes (the exact allow-list, [`permits`]):
//! - `GET` and `HEAD` (get, list, watch, logs, discovery, `/version`), except the `exec`, `attach`,
//!   `portforward` and `proxy` subresources: they run commands in containers or reach services and nodes, and
//!   a GET there can change anything (the path is percent-decoded first, as the API server does; a path with
//!   `.`/`..` or empty segments is refused, kube-rs never sends one);
//! - `POST` to exactly these review endpoints, which answer a question about the caller and store nothing:
//!   `/apis/authorization.k8s.io/v1/selfsubjectaccessreviews`, `…/v1/selfsubjectrulesreviews`,
//!   `/apis/authentication.k8s.io/{v1,v1beta1,v1alpha1}/selfsubjectreviews`.
//!
//! Everything else is refused: `PUT`, `PATCH`, `DELETE`, every other `POST` (including `TokenReview` and
//! `SubjectAccessReview`, which ask about others and need cluster rights a read-only console has no use for,
//! and server-side dry-runs, whose admission webhooks may have side effects), and any other method.

use http::{Method, Request};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use tower::{BoxError, Layer, Service};

/// The refusal a read-only client returns instead of sending a request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("read-only mode: {method} {path} was refused and not sent")]
pub struct Refused {
    pub method: String,
    pub path: String,
}

/// POST endpoints that create nothing: questions the caller asks about itself.
const REVIEW_ENDPOINTS: &[&str] = &[
    "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
    "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews",
    "/apis/authentication.k8s.io/v1/selfsubjectreviews",
    "/apis/authentication.k8s.io/v1beta1/selfsubjectreviews",
    "/apis/authentication.k8s.io/v1alpha1/selfsubjectreviews",
];

/// Subresources a GET may not reach in read-only mode.
const ACTIVE_SUBRESOURCES: &[&str] = &["exec", "attach", "portforward", "proxy"];

/// Whether a read-only client may send `method` to `path` (the path without the query; see the module doc).
#[must_use]
pub fn permits(method: &Method, path: &str) -> bool {
    if *method == Method::GET || *method == Method::HEAD {
        return passive_read(path);
    }
    *method == Method::POST && REVIEW_ENDPOINTS.contains(&path)
}

fn percent_decode(path: &str) -> Option<String> {
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn passive_read(path: &str) -> bool {
    let Some(decoded) = percent_decode(path) else {
        return false;
    };
    let Some(rest) = decoded.strip_prefix('/') else {
        return false;
    };
    let segments: Vec<&str> = rest.split('/').collect();
    let interior = &segments[..segments.len().saturating_sub(1)];
    if segments.iter().any(|s| *s == "." || *s == "..") || interior.iter().any(|s| s.is_empty()) {
        return false;
    }
    let resource_path = match segments.first().copied() {
        Some("api") => segments.get(2..),
        Some("apis") => segments.get(3..),
        _ => return true,
    };
    let Some(mut rest) = resource_path else {
        return true;
    };
    if rest.first() == Some(&"proxy") {
        return false;
    }
    if rest.first() == Some(&"namespaces") && rest.len() > 2 {
        rest = &rest[2..];
    }
    !matches!(rest.get(2), Some(sub) if ACTIVE_SUBRESOURCES.contains(sub))
}

/// The layer; see the module doc.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReadOnlyLayer;

impl<S> Layer<S> for ReadOnlyLayer {
    type Service = ReadOnly<S>;

    fn layer(&self, inner: S) -> Self::Service {
        ReadOnly { inner }
    }
}

/// The service the layer wraps around kube-rs' stack.
#[derive(Debug, Clone)]
pub struct ReadOnly<S> {
    inner: S,
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = Result<T, BoxError>> + Send>>;

impl<S, B> Service<Request<B>> for ReadOnly<S>
where
    S: Service<Request<B>>,
    S::Error: Into<BoxError>,
    S::Future: Send + 'static,
    S::Response: Send + 'static,
{
    type Response = S::Response;
    type Error = BoxError;
    type Future = BoxFuture<S::Response>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        if !permits(request.method(), request.uri().path()) {
            let refused = Refused {
                method: request.method().to_string(),
                path: request.uri().path().to_owned(),
            };
            tracing::warn!("{refused}");
            return Box::pin(std::future::ready(Err(Box::new(refused) as BoxError)));
        }
        let future = self.inner.call(request);
        Box::pin(async move { future.await.map_err(Into::into) })
    }
}

/// A kube client for `config`, read-only when `readonly` (the only way the program builds clients for a
/// kubeconfig).
///
/// # Errors
/// What `kube::Client::try_from` fails with.
pub fn client(config: kube::Config, readonly: bool) -> Result<kube::Client, kube::Error> {
    let builder = kube::client::ClientBuilder::try_from(config)?;
    Ok(if readonly {
        builder.with_layer(&ReadOnlyLayer).build()
    } else {
        builder.build()
    })
}

/// The refusal inside a kube error, if the error is one.
#[must_use]
pub fn refusal(error: &kube::Error) -> Option<&Refused> {
    match error {
        kube::Error::Service(inner) => inner.downcast_ref::<Refused>(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_pass_and_writes_do_not() {
        for path in [
            "/api/v1/namespaces/apps/pods",
            "/apis/apps/v1/namespaces/apps/deployments/web",
            "/api/v1/namespaces/apps/pods/web-1/log",
            "/apis/kustomize.toolkit.fluxcd.io/v1/kustomizations",
            "/api/v1/namespaces/apps/configmaps/proxy",
            "/api/v1/nodes/exec",
            "/version",
            "/apis",
        ] {
            assert!(permits(&Method::GET, path), "{path}");
        }
        for method in [
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
            Method::POST,
            Method::OPTIONS,
        ] {
            assert!(
                !permits(&method, "/apis/apps/v1/namespaces/apps/deployments/web"),
                "{method}"
            );
        }
    }

    #[test]
    fn active_subresources_are_refused_even_as_get_and_encoded() {
        for path in [
            "/api/v1/namespaces/apps/pods/web-1/exec",
            "/api/v1/namespaces/apps/pods/web-1/attach",
            "/api/v1/namespaces/apps/pods/web-1/portforward",
            "/api/v1/namespaces/apps/services/web:80/proxy/admin/delete",
            "/api/v1/nodes/worker-1/proxy/run",
            "/api/v1/proxy/namespaces/apps/services/web",
            "/api/v1/namespaces/apps/pods/web-1/%65xec",
            "/api/v1/namespaces/apps/pods/web-1/log/../exec",
            "/api/v1/namespaces/apps/pods//web-1/exec",
            "/api/v1/namespaces/apps/pods/web-1/%zz",
        ] {
            assert!(!permits(&Method::GET, path), "{path}");
        }
    }

    #[test]
    fn only_the_self_review_posts_pass() {
        assert!(permits(
            &Method::POST,
            "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"
        ));
        assert!(permits(
            &Method::POST,
            "/apis/authentication.k8s.io/v1/selfsubjectreviews"
        ));
        for path in [
            "/apis/authentication.k8s.io/v1/tokenreviews",
            "/apis/authorization.k8s.io/v1/subjectaccessreviews",
            "/apis/authorization.k8s.io/v1/namespaces/apps/localsubjectaccessreviews",
            "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews/x",
            "/apis/batch/v1/namespaces/fluxops-system/jobs",
        ] {
            assert!(!permits(&Method::POST, path), "{path}");
        }
    }
}
