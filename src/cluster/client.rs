//! Building a `kube::Client` from a kubeconfig like kubectl does, and the namespace scope the console watches.
//!
//! Kubeconfig resolution follows kubectl: an explicit path, else every file in `$KUBECONFIG` (missing ones skipped,
//! the rest merged, first value wins), else `~/.kube/config`. The context is the one named, else `current-context`.
//!
//! Namespace scope (decided for a Flux console, see `Scope::resolve`): `-A` wins over everything (as in kubectl);
//! `-n NS` watches NS; with neither, the context's namespace is used only when the kubeconfig sets one explicitly,
//! otherwise all namespaces. Flux objects live across tenant namespaces, so kubectl's fallback to `default` (where
//! Flux objects almost never live) and the flux CLI's fallback to `flux-system` (which hides every tenant) would both
//! show a misleadingly small fleet; k9s likewise starts in the context's namespace when one is set. The commands
//! (console, `graph`, `follow`) go further and pass `-A` unless `-n` is given (`launch::connect_options`): a
//! context namespace of `default` showed an empty console.
//!
//! Must not live here: discovery, watching, anything drawn.

use kube::config::{KubeConfigOptions, Kubeconfig, KubeconfigError};
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Errors while finding the kubeconfig, picking the context, building the client or reaching the server.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("no kubeconfig found: {looked_in} (set KUBECONFIG or pass --kubeconfig)")]
    NoKubeconfig { looked_in: String },
    #[error("cannot read kubeconfig {path}: {source}")]
    ReadKubeconfig {
        path: PathBuf,
        #[source]
        source: KubeconfigError,
    },
    #[error("cannot read kubeconfig {0}")]
    KubeconfigFile(crate::bounded_file::Error),
    #[error("kubeconfig {files} sets no current-context; pass --context (contexts: {available})")]
    NoCurrentContext { files: String, available: String },
    #[error("context \"{context}\" is not in kubeconfig {files} (contexts: {available})")]
    UnknownContext {
        context: String,
        files: String,
        available: String,
    },
    #[error("context \"{context}\" in kubeconfig {files} is unusable: {source}")]
    BadContext {
        context: String,
        files: String,
        #[source]
        source: KubeconfigError,
    },
    #[error("cannot build a client for context \"{context}\": {source}")]
    Client {
        context: String,
        #[source]
        source: kube::Error,
    },
    #[error("cannot reach the API server {server} (context \"{context}\"): {detail}")]
    Unreachable {
        context: String,
        server: String,
        detail: String,
    },
    #[error("could not read kubeconfig: background task failed: {0}")]
    Task(String),
}

impl Error {
    /// A short, stable label for logs and the status bar.
    #[must_use]
    pub fn label(&self) -> &'static str {
        match self {
            Error::NoKubeconfig { .. } => "no-kubeconfig",
            Error::ReadKubeconfig { .. } | Error::KubeconfigFile(_) => "kubeconfig-unreadable",
            Error::NoCurrentContext { .. } => "no-context",
            Error::UnknownContext { .. } => "unknown-context",
            Error::BadContext { .. } => "bad-context",
            Error::Client { .. } => "client",
            Error::Unreachable { .. } => "unreachable",
            Error::Task(_) => "task",
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Which namespaces the console watches.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Scope {
    /// Every namespace (cluster-wide list/watch).
    All,
    /// One namespace.
    Namespace(String),
}

impl Scope {
    /// Resolves the scope from the flags and the context's namespace (see the module doc for why).
    #[must_use]
    pub fn resolve(
        namespace_flag: Option<&str>,
        all_namespaces: bool,
        context_namespace: Option<&str>,
    ) -> Scope {
        if all_namespaces {
            return Scope::All;
        }
        match namespace_flag.or(context_namespace) {
            Some(ns) if !ns.is_empty() => Scope::Namespace(ns.to_owned()),
            _ => Scope::All,
        }
    }

    /// The namespace, if the scope is one namespace.
    #[must_use]
    pub fn namespace(&self) -> Option<&str> {
        match self {
            Scope::All => None,
            Scope::Namespace(ns) => Some(ns),
        }
    }
}

impl fmt::Display for Scope {
    /// `all namespaces` or the namespace name, for the status bar.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scope::All => f.write_str("all namespaces"),
            Scope::Namespace(ns) => f.write_str(ns),
        }
    }
}

/// What the user asked for on the command line.
#[derive(Debug, Clone, Default)]
pub struct ConnectOptions {
    /// `--kubeconfig PATH`; `None` means `$KUBECONFIG`, then `~/.kube/config`.
    pub kubeconfig: Option<PathBuf>,
    /// `--context NAME`; `None` means the kubeconfig's `current-context`.
    pub context: Option<String>,
    /// `-n NS`.
    pub namespace: Option<String>,
    /// `-A`.
    pub all_namespaces: bool,
    /// `--readonly`: the client refuses every request that could change the cluster (`guard`).
    pub readonly: bool,
}

/// A client plus what the status bar shows about it.
#[derive(Clone)]
pub struct Connection {
    pub client: kube::Client,
    /// The context in use.
    pub context: String,
    /// The context's own namespace (`contexts[].context.namespace`), if it sets one.
    pub context_namespace: Option<String>,
    /// The API server URL.
    pub server: String,
    /// What the console watches.
    pub scope: Scope,
    /// The kubeconfig file(s) read, joined with `:`.
    pub files: String,
    /// What the kubeconfig gives the context's user (for saying why a 401 happened).
    pub credentials: super::credentials::Credentials,
    /// Derives the clients an execution may mutate through (`cluster::guard`; only `execution` uses it).
    pub opener: super::guard::Opener,
}

impl fmt::Debug for Connection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connection")
            .field("context", &self.context)
            .field("context_namespace", &self.context_namespace)
            .field("server", &self.server)
            .field("scope", &self.scope)
            .field("files", &self.files)
            .finish_non_exhaustive()
    }
}

/// Reads the kubeconfig, picks the context and builds a client. Does not contact the server (see `check_reachable`).
pub async fn connect(options: &ConnectOptions) -> Result<Connection> {
    let explicit = options.kubeconfig.clone();
    let (kubeconfig, files) = tokio::task::spawn_blocking(move || read_kubeconfig(explicit))
        .await
        .map_err(|e| Error::Task(e.to_string()))??;
    let context = pick_context(&kubeconfig, options.context.as_deref(), &files)?;
    let context_namespace = kubeconfig
        .contexts
        .iter()
        .find(|c| c.name == context)
        .and_then(|c| c.context.as_ref())
        .and_then(|c| c.namespace.clone())
        .filter(|ns| !ns.is_empty());
    check_referenced_files(&kubeconfig, &context)?;
    let credentials = super::credentials::Credentials::from_kubeconfig(&kubeconfig, &context);
    let kube_options = KubeConfigOptions {
        context: Some(context.clone()),
        ..KubeConfigOptions::default()
    };
    let mut config = kube::Config::from_custom_kubeconfig(kubeconfig, &kube_options)
        .await
        .map_err(|source| Error::BadContext {
            context: context.clone(),
            files: files.clone(),
            source,
        })?;
    // kube's built-in retry of 429/503/504 backs off up to 1000 s over 15 attempts: during an overloaded or
    // unavailable API server a list would hang for minutes with nothing on screen saying so. The watchers retry
    // with their own capped backoff and report `Degraded` at once instead.
    config.default_retry = false;
    let server = config.cluster_url.to_string();
    let opener = super::guard::Opener::new(config.clone(), options.readonly);
    let client =
        super::guard::client(config, options.readonly).map_err(|source| Error::Client {
            context: context.clone(),
            source,
        })?;
    let scope = Scope::resolve(
        options.namespace.as_deref(),
        options.all_namespaces,
        context_namespace.as_deref(),
    );
    Ok(Connection {
        client,
        context,
        context_namespace,
        server,
        scope,
        files,
        credentials,
        opener,
    })
}

/// Asks the server for its version (within `timeout`), to tell "unreachable" apart from everything else early.
/// Returns the server's `gitVersion`.
pub async fn check_reachable(connection: &Connection, timeout: Duration) -> Result<String> {
    let unreachable = |detail: String| Error::Unreachable {
        context: connection.context.clone(),
        server: connection.server.clone(),
        detail,
    };
    match tokio::time::timeout(timeout, connection.client.apiserver_version()).await {
        Ok(Ok(info)) => Ok(info.git_version),
        Ok(Err(e)) => Err(unreachable(e.to_string())),
        Err(_) => Err(unreachable(format!("no answer within {timeout:?}"))),
    }
}

/// Finds and merges the kubeconfig files kubectl would read. Blocking (file I/O): run off the async threads.
/// The context names of the kubeconfig `explicit` (or the default ones), in file order (`--all-contexts`).
///
/// # Errors
/// No kubeconfig, or one that cannot be read.
pub async fn context_names(explicit: Option<PathBuf>) -> Result<Vec<String>> {
    let (kubeconfig, _) = tokio::task::spawn_blocking(move || read_kubeconfig(explicit))
        .await
        .map_err(|e| Error::Task(e.to_string()))??;
    Ok(kubeconfig.contexts.into_iter().map(|c| c.name).collect())
}

fn read_kubeconfig(explicit: Option<PathBuf>) -> Result<(Kubeconfig, String)> {
    let paths: Vec<PathBuf> = if let Some(path) = explicit {
        vec![path]
    } else if let Some(list) = std::env::var_os("KUBECONFIG").filter(|v| !v.is_empty()) {
        let listed: Vec<PathBuf> = std::env::split_paths(&list)
            .filter(|p| !p.as_os_str().is_empty())
            .collect();
        let existing: Vec<PathBuf> = listed.iter().filter(|p| p.exists()).cloned().collect();
        if existing.is_empty() {
            return Err(Error::NoKubeconfig {
                looked_in: format!("KUBECONFIG={}", join_paths(&listed)),
            });
        }
        existing
    } else {
        let home = directories::BaseDirs::new()
            .map(|d| d.home_dir().join(".kube").join("config"))
            .filter(|p| p.exists());
        match home {
            Some(p) => vec![p],
            None => {
                return Err(Error::NoKubeconfig {
                    looked_in: "KUBECONFIG is unset and ~/.kube/config does not exist".to_owned(),
                });
            }
        }
    };
    let mut merged: Option<Kubeconfig> = None;
    for path in &paths {
        // kube reads the file itself: check first that it is a regular file of a sane size (a FIFO would hang).
        // A missing file is left to kube, which names it.
        if let Err(e) = crate::bounded_file::check(path, crate::bounded_file::KUBECONFIG)
            && !e.is_not_found()
        {
            return Err(Error::KubeconfigFile(e));
        }
        let read = Kubeconfig::read_from(path).map_err(|source| Error::ReadKubeconfig {
            path: path.clone(),
            source,
        })?;
        merged = Some(match merged {
            None => read,
            Some(m) => m.merge(read).map_err(|source| Error::ReadKubeconfig {
                path: path.clone(),
                source,
            })?,
        });
    }
    Ok((merged.unwrap_or_default(), join_paths(&paths)))
}

/// The files the context's cluster and user name (CA, client certificate and key, token file): kube reads them
/// itself, so each is checked first to be a regular file of a sane size (a FIFO would hang the connection, a
/// device would be read without end). A missing file is left to kube, which names it.
fn check_referenced_files(kubeconfig: &Kubeconfig, context: &str) -> Result<()> {
    let Some(ctx) = kubeconfig
        .contexts
        .iter()
        .find(|c| c.name == context)
        .and_then(|c| c.context.as_ref())
    else {
        return Ok(());
    };
    let cluster = kubeconfig
        .clusters
        .iter()
        .find(|c| c.name == ctx.cluster)
        .and_then(|c| c.cluster.as_ref());
    let user = ctx.user.as_deref().and_then(|u| {
        kubeconfig
            .auth_infos
            .iter()
            .find(|a| a.name == u)
            .and_then(|a| a.auth_info.as_ref())
    });
    let files = cluster
        .and_then(|c| c.certificate_authority.as_deref())
        .into_iter()
        .chain(user.into_iter().flat_map(|u| {
            [
                u.client_certificate.as_deref(),
                u.client_key.as_deref(),
                u.token_file.as_deref(),
            ]
            .into_iter()
            .flatten()
        }));
    for file in files {
        if let Err(e) = crate::bounded_file::check(Path::new(file), crate::bounded_file::KUBECONFIG)
            && !e.is_not_found()
        {
            return Err(Error::KubeconfigFile(e));
        }
    }
    Ok(())
}

fn pick_context(kubeconfig: &Kubeconfig, wanted: Option<&str>, files: &str) -> Result<String> {
    let available = || {
        let names: Vec<&str> = kubeconfig
            .contexts
            .iter()
            .map(|c| c.name.as_str())
            .collect();
        if names.is_empty() {
            "none".to_owned()
        } else {
            names.join(", ")
        }
    };
    let name = match wanted.or(kubeconfig.current_context.as_deref()) {
        Some(n) if !n.is_empty() => n,
        _ => {
            return Err(Error::NoCurrentContext {
                files: files.to_owned(),
                available: available(),
            });
        }
    };
    if kubeconfig.contexts.iter().any(|c| c.name == name) {
        Ok(name.to_owned())
    } else {
        Err(Error::UnknownContext {
            context: name.to_owned(),
            files: files.to_owned(),
            available: available(),
        })
    }
}

fn join_paths(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(":")
}

#[cfg(test)]
mod tests {
    use super::*;

    const KUBECONFIG: &str = r"
apiVersion: v1
kind: Config
current-context: dev
clusters:
- name: c
  cluster:
    server: http://127.0.0.1:1
contexts:
- name: dev
  context:
    cluster: c
    user: u
    namespace: team-a
- name: ops
  context:
    cluster: c
    user: u
users:
- name: u
  user:
    token: t
";

    fn write(dir: &tempfile::TempDir, text: &str) -> PathBuf {
        let path = dir.path().join("config");
        std::fs::write(&path, text).unwrap();
        path
    }

    fn options(path: PathBuf, context: Option<&str>) -> ConnectOptions {
        ConnectOptions {
            kubeconfig: Some(path),
            context: context.map(str::to_owned),
            ..ConnectOptions::default()
        }
    }

    #[tokio::test]
    async fn current_context_and_its_namespace_are_used_by_default() {
        let dir = tempfile::tempdir().unwrap();
        let conn = connect(&options(write(&dir, KUBECONFIG), None))
            .await
            .unwrap();
        assert_eq!(conn.context, "dev");
        assert_eq!(conn.context_namespace.as_deref(), Some("team-a"));
        assert_eq!(conn.scope, Scope::Namespace("team-a".into()));
        assert!(conn.server.starts_with("http://127.0.0.1:1"));
    }

    #[tokio::test]
    async fn context_without_namespace_watches_all_namespaces() {
        let dir = tempfile::tempdir().unwrap();
        let conn = connect(&options(write(&dir, KUBECONFIG), Some("ops")))
            .await
            .unwrap();
        assert_eq!(conn.context, "ops");
        assert_eq!(conn.scope, Scope::All);
    }

    #[tokio::test]
    async fn unknown_context_names_the_file_and_the_choices() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(&dir, KUBECONFIG);
        let err = connect(&options(path.clone(), Some("prod")))
            .await
            .unwrap_err();
        let msg = err.to_string();
        assert!(matches!(err, Error::UnknownContext { .. }), "{msg}");
        assert!(msg.contains("prod") && msg.contains(&path.display().to_string()));
        assert!(msg.contains("dev, ops"), "{msg}");
    }

    #[tokio::test]
    async fn missing_kubeconfig_file_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nope");
        let err = connect(&options(path.clone(), None)).await.unwrap_err();
        assert!(matches!(err, Error::ReadKubeconfig { .. }));
        assert!(err.to_string().contains(&path.display().to_string()));
    }

    #[tokio::test]
    async fn malformed_kubeconfig_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(&dir, "contexts: [oops\n");
        let err = connect(&options(path.clone(), None)).await.unwrap_err();
        assert!(err.to_string().contains(&path.display().to_string()));
    }

    #[tokio::test]
    async fn unreachable_server_is_reported_with_context_and_url() {
        let dir = tempfile::tempdir().unwrap();
        let conn = connect(&options(write(&dir, KUBECONFIG), None))
            .await
            .unwrap();
        let err = check_reachable(&conn, Duration::from_secs(5))
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Unreachable { .. }));
        assert!(err.to_string().contains("\"dev\""));
        assert!(err.to_string().contains("127.0.0.1:1"));
    }

    #[test]
    fn flags_resolve_like_kubectl_with_all_namespaces_as_fallback() {
        assert_eq!(Scope::resolve(Some("x"), true, Some("y")), Scope::All);
        assert_eq!(
            Scope::resolve(Some("x"), false, Some("y")),
            Scope::Namespace("x".into())
        );
        assert_eq!(
            Scope::resolve(None, false, Some("y")),
            Scope::Namespace("y".into())
        );
        assert_eq!(Scope::resolve(None, false, None), Scope::All);
    }
}
