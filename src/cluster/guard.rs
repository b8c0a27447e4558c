//! Safety enforced in the Kubernetes client itself: a tower layer under every kube-rs request that refuses what
//! the client may not send and returns [`Refused`] without sending a byte. Every client the program builds for
//! a kubeconfig comes from [`client`] (or from an [`Opener`], for an execution), so no code path above can
//! mutate around it, whatever the UI shows.
//!
//! Two rules, one layer ([`Guard`]):
//! - **Closed** (the shared client of the console and every command): reads and self-reviews only, exactly
//!   the read-only allow-list below ([`permits`]). No PUT, PATCH, DELETE or other POST leaves the process
//!   through it, not even a server-side dry-run.
//! - **Permitted** (a client [`Opener::permitted`] derives for one execution): the same reads, plus exactly the
//!   `(method, path)` pairs of that execution's [`Permit`]: a dry-run permit lets them through only with
//!   `dryRun=All` in the query, an execute permit as they are. A permit is issued only for an allowed policy
//!   decision (`Permit::issue` refuses a denied or fail-closed one), and only `execution` issues them after its
//!   checks (docs/ACTIONS.md, "Safety below the UI").
//! - In **read-only** mode an opener derives only closed clients for executions: nothing but reads and
//!   self-reviews, dry-runs included (their admission webhooks may have side effects).
//! - **Dry-run only** (`Opener::dry_run_only`, for `fluxops check --cluster`): a [`Permit`] issued at
//!   [`Stage::DryRun`] by construction (`Permit::dry_run_only`, no policy decision: nothing can be stored), so
//!   every write it lets through carries `dryRun=All`; the one exception to read-only mode, because the guard
//!   proves each request is a dry-run (docs/CHECK.md, "Safety").
//!
//! The read allow-list ([`permits`]):
//! - `GET` and `HEAD` (get, list, watch, logs, discovery, `/version`), except the `exec`, `attach`,
//!   `portforward` and `proxy` subresources: they run commands in containers or reach services and nodes, and
//!   a GET there can change anything (the path is percent-decoded first, as the API server does; a path with
//!   `.`/`..` or empty segments is refused, kube-rs never sends one);
//! - `POST` to exactly these review endpoints, which answer a question about the caller and store nothing:
//!   `/apis/authorization.k8s.io/v1/selfsubjectaccessreviews`, `…/v1/selfsubjectrulesreviews`,
//!   `/apis/authentication.k8s.io/{v1,v1beta1,v1alpha1}/selfsubjectreviews`.
//!
//! Everything else needs a permit: `PUT`, `PATCH`, `DELETE`, every other `POST` (including `TokenReview` and
//! `SubjectAccessReview`, which ask about others), and any other method.

use http::{Method, Request};
use std::collections::BTreeSet;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use tower::{BoxError, Layer, Service};

/// The refusal a guarded client returns instead of sending a request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{why}: {method} {path} was refused and not sent")]
pub struct Refused {
    pub method: String,
    pub path: String,
    /// `read-only mode`, or why no permit covers the request.
    pub why: String,
}

/// Why the closed client refused: nothing mutates without an execution's permit.
pub const NO_PERMIT: &str =
    "no execution permit (only an allowed, confirmed fluxops action may change the cluster)";
/// Why a read-only client refused.
pub const READ_ONLY: &str = "read-only mode";

/// POST endpoints that create nothing: questions the caller asks about itself.
const REVIEW_ENDPOINTS: &[&str] = &[
    "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
    "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews",
    "/apis/authentication.k8s.io/v1/selfsubjectreviews",
    "/apis/authentication.k8s.io/v1beta1/selfsubjectreviews",
    "/apis/authentication.k8s.io/v1alpha1/selfsubjectreviews",
];

/// Subresources a GET may not reach without a permit.
const ACTIVE_SUBRESOURCES: &[&str] = &["exec", "attach", "portforward", "proxy"];

/// Whether a closed (or read-only) client may send `method` to `path` (the path without the query; see the
/// module doc).
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

/// What a permit lets through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Only as a server-side dry-run (`dryRun=All`): shown before the operator confirms.
    DryRun,
    /// As they are: the confirmed execution.
    Execute,
}

/// The requests one execution may send: exact `(method, path)` pairs, at one stage. See the module doc.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Permit {
    execution: String,
    stage: Stage,
    scope: BTreeSet<(String, String)>,
}

impl Permit {
    /// A permit for `execution`'s `scope` at `stage`, or `None` when `decision` does not allow it (denied, or
    /// the policies failed closed). Called by `execution` only, after its own checks.
    #[must_use]
    pub(crate) fn issue(
        execution: &str,
        decision: &crate::policy::Decision,
        stage: Stage,
        scope: impl IntoIterator<Item = (Method, String)>,
    ) -> Option<Self> {
        if !decision.allow || decision.failed_closed() {
            return None;
        }
        Some(Self {
            execution: execution.to_owned(),
            stage,
            scope: scope
                .into_iter()
                .map(|(m, p)| (m.as_str().to_owned(), p))
                .collect(),
        })
    }

    /// Whether the permit covers `method` `path` with `query`.
    #[must_use]
    pub fn covers(&self, method: &Method, path: &str, query: Option<&str>) -> bool {
        let listed = self
            .scope
            .contains(&(method.as_str().to_owned(), path.to_owned()));
        let dry = query.is_some_and(|q| q.split('&').any(|kv| kv == "dryRun=All"));
        listed && (self.stage == Stage::Execute || dry)
    }

    /// A permit for `scope` at [`Stage::DryRun`] only, needing no policy decision: its requests are
    /// server-side dry-runs (`dryRun=All`, enforced by [`Permit::covers`]) that store nothing. Issued by
    /// `execution::preview` (`fluxops check --cluster`), the one caller; it can never become an execute permit.
    #[must_use]
    pub(crate) fn dry_run_only(
        execution: &str,
        scope: impl IntoIterator<Item = (Method, String)>,
    ) -> Self {
        Self {
            execution: execution.to_owned(),
            stage: Stage::DryRun,
            scope: scope
                .into_iter()
                .map(|(m, p)| (m.as_str().to_owned(), p))
                .collect(),
        }
    }

    #[must_use]
    pub fn stage(&self) -> Stage {
        self.stage
    }

    #[must_use]
    pub fn execution(&self) -> &str {
        &self.execution
    }
}

/// The rule a guarded client applies.
#[derive(Debug, Clone)]
enum Rule {
    Closed { readonly: bool },
    Permitted(Arc<Permit>),
}

impl Rule {
    /// `None` when the request may go, else why not.
    fn refuse(&self, method: &Method, path: &str, query: Option<&str>) -> Option<&'static str> {
        if permits(method, path) {
            return None;
        }
        match self {
            Rule::Closed { readonly: true } => Some(READ_ONLY),
            Rule::Closed { readonly: false } => Some(NO_PERMIT),
            Rule::Permitted(permit) if permit.covers(method, path, query) => None,
            Rule::Permitted(_) => Some("outside the execution's permit"),
        }
    }
}

/// The layer; see the module doc.
#[derive(Debug, Clone)]
pub struct Guard {
    rule: Rule,
}

impl Guard {
    /// The closed rule (read-only or not, nothing mutates).
    #[must_use]
    pub fn closed(readonly: bool) -> Self {
        Self {
            rule: Rule::Closed { readonly },
        }
    }
}

impl<S> Layer<S> for Guard {
    type Service = Guarded<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Guarded {
            inner,
            rule: self.rule.clone(),
        }
    }
}

/// The service the layer wraps around kube-rs' stack.
#[derive(Debug, Clone)]
pub struct Guarded<S> {
    inner: S,
    rule: Rule,
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = Result<T, BoxError>> + Send>>;

impl<S, B> Service<Request<B>> for Guarded<S>
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
        let uri = request.uri();
        if let Some(why) = self.rule.refuse(request.method(), uri.path(), uri.query()) {
            let refused = Refused {
                method: request.method().to_string(),
                path: uri.path().to_owned(),
                why: why.to_owned(),
            };
            tracing::warn!("{refused}");
            return Box::pin(std::future::ready(Err(Box::new(refused) as BoxError)));
        }
        let future = self.inner.call(request);
        Box::pin(async move { future.await.map_err(Into::into) })
    }
}

/// A closed kube client for `config` (the only way the program builds its shared client for a kubeconfig):
/// reads and self-reviews only; see the module doc.
///
/// # Errors
/// What `kube::Client::try_from` fails with.
pub fn client(config: kube::Config, readonly: bool) -> Result<kube::Client, kube::Error> {
    Ok(kube::client::ClientBuilder::try_from(config)?
        .with_layer(&Guard::closed(readonly))
        .build())
}

/// Derives clients for executions from the connection's configuration (kept with the connection).
#[derive(Clone)]
pub struct Opener {
    config: kube::Config,
    readonly: bool,
}

impl std::fmt::Debug for Opener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Opener")
            .field("readonly", &self.readonly)
            .finish_non_exhaustive()
    }
}

impl Opener {
    #[must_use]
    pub fn new(config: kube::Config, readonly: bool) -> Self {
        Self { config, readonly }
    }

    /// Whether the connection is read-only (then every derived client is closed).
    #[must_use]
    pub fn readonly(&self) -> bool {
        self.readonly
    }

    /// A client that may send exactly `permit`'s requests (closed in read-only mode, whatever the permit).
    ///
    /// # Errors
    /// What `kube::Client::try_from` fails with.
    pub(crate) fn permitted(&self, permit: Permit) -> Result<kube::Client, kube::Error> {
        let rule = if self.readonly {
            Rule::Closed { readonly: true }
        } else {
            Rule::Permitted(Arc::new(permit))
        };
        Ok(kube::client::ClientBuilder::try_from(self.config.clone())?
            .with_layer(&Guard { rule })
            .build())
    }
}

impl Opener {
    /// A client that may send exactly `permit`'s requests, each only as a server-side dry-run: `None` unless
    /// the permit is at [`Stage::DryRun`]. Unlike [`Opener::permitted`], read-only mode does not close it: the
    /// guard proves every write it lets through carries `dryRun=All` in its query, which the API server
    /// stores nothing for (and which it refuses to send to an admission webhook that declares side effects).
    /// Used by `fluxops check --cluster` only (docs/CHECK.md, "Safety").
    ///
    /// # Errors
    /// What `kube::Client::try_from` fails with.
    pub(crate) fn dry_run_only(&self, permit: Permit) -> Option<Result<kube::Client, kube::Error>> {
        if permit.stage != Stage::DryRun {
            return None;
        }
        let rule = Rule::Permitted(Arc::new(permit));
        Some(
            kube::client::ClientBuilder::try_from(self.config.clone())
                .map(|b| b.with_layer(&Guard { rule }).build()),
        )
    }
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

    fn allow() -> crate::policy::Decision {
        crate::policy::Decision {
            allow: true,
            deny: vec![],
            warnings: vec![],
            confirmation: crate::policy::Confirmation::None,
            break_glass: None,
            policy_error: None,
        }
    }

    #[test]
    fn a_permit_covers_exactly_its_requests_and_denied_decisions_get_none() {
        let path =
            "/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/flux-system/kustomizations/apps";
        let scope = || vec![(Method::PATCH, path.to_owned())];
        let denied = crate::policy::Decision::fail_closed("broken");
        assert!(Permit::issue("e", &denied, Stage::Execute, scope()).is_none());
        let mut no = allow();
        no.allow = false;
        assert!(Permit::issue("e", &no, Stage::Execute, scope()).is_none());
        let dry = Permit::issue("e", &allow(), Stage::DryRun, scope()).unwrap();
        assert!(dry.covers(
            &Method::PATCH,
            path,
            Some("dryRun=All&fieldManager=fluxops")
        ));
        assert!(!dry.covers(&Method::PATCH, path, Some("fieldManager=fluxops")));
        assert!(!dry.covers(&Method::PATCH, path, None));
        let run = Permit::issue("e", &allow(), Stage::Execute, scope()).unwrap();
        assert!(run.covers(&Method::PATCH, path, None));
        assert!(!run.covers(&Method::DELETE, path, None));
        assert!(!run.covers(&Method::PATCH, &format!("{path}x"), None));
        let rule = Rule::Permitted(Arc::new(run));
        assert_eq!(rule.refuse(&Method::GET, path, None), None);
        assert!(rule.refuse(&Method::PUT, path, None).is_some());
        assert_eq!(
            Rule::Closed { readonly: false }.refuse(&Method::PATCH, path, Some("dryRun=All")),
            Some(NO_PERMIT)
        );
        assert_eq!(
            Rule::Closed { readonly: true }.refuse(&Method::PATCH, path, None),
            Some(READ_ONLY)
        );
    }

    #[test]
    fn a_dry_run_only_permit_never_lets_a_real_write_through() {
        let path = "/apis/apps/v1/namespaces/apps/deployments/web";
        let permit = Permit::dry_run_only("check", vec![(Method::PATCH, path.to_owned())]);
        assert_eq!(permit.stage(), Stage::DryRun);
        let rule = Rule::Permitted(Arc::new(permit));
        assert_eq!(
            rule.refuse(
                &Method::PATCH,
                path,
                Some("dryRun=All&fieldManager=fluxops&force=true")
            ),
            None
        );
        for query in [
            None,
            Some("fieldManager=fluxops&force=true"),
            Some("dryRun=all"),
            Some("dryRun=All2"),
            Some("xdryRun=All"),
        ] {
            assert!(
                rule.refuse(&Method::PATCH, path, query).is_some(),
                "{query:?}"
            );
        }
        assert!(
            rule.refuse(&Method::DELETE, path, Some("dryRun=All"))
                .is_some()
        );
        assert!(
            rule.refuse(
                &Method::PATCH,
                "/apis/apps/v1/namespaces/apps/deployments/other",
                Some("dryRun=All")
            )
            .is_some()
        );
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
