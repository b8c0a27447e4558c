//! Which clusters a command reads, and connecting to each: `--context` (repeatable), `--all-contexts` (every
//! context of the kubeconfig), else the `contexts:` list of `settings.yaml`, else the kubeconfig's current
//! context (one cluster: the usual case, the same code). Each context gets its own `ConnectOptions` (the same
//! kubeconfig, namespace and read-only flag) and so its own client with its own guard (`cluster::guard`):
//! read-only is enforced per cluster where the requests are made.

use crate::cli::ClusterArgs;
use crate::cluster::client::{self, Connection};
use crate::cluster::{ConnectOptions, watch::Target};
use crate::config::settings::Settings;

/// The contexts named (`None`: the kubeconfig's current one), in the order given, duplicates dropped.
///
/// # Errors
/// `--all-contexts` with a kubeconfig that cannot be read or has no context.
pub async fn contexts(
    args: &ClusterArgs,
    settings: &Settings,
) -> Result<Vec<Option<String>>, client::Error> {
    let names: Vec<String> = if args.all_contexts {
        let names = client::context_names(args.kubeconfig.clone()).await?;
        if names.is_empty() {
            return Err(client::Error::NoCurrentContext {
                files: args
                    .kubeconfig
                    .as_ref()
                    .map_or_else(|| "(default)".to_owned(), |p| p.display().to_string()),
                available: "none".to_owned(),
            });
        }
        names
    } else if !args.context.is_empty() {
        args.context.clone()
    } else {
        settings.contexts.clone()
    };
    if names.is_empty() {
        return Ok(vec![None]);
    }
    let mut seen = std::collections::BTreeSet::new();
    Ok(names
        .into_iter()
        .filter(|n| seen.insert(n.clone()))
        .map(Some)
        .collect())
}

/// One cluster to watch: how it was connected (for reloading) and the connection.
#[derive(Debug, Clone)]
pub struct Cluster {
    pub options: ConnectOptions,
    pub connection: Connection,
}

impl Cluster {
    /// The name shown for it: its context.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.connection.context
    }

    /// What its watchers watch; reloadable from its options when `reload`.
    #[must_use]
    pub fn target(&self, reload: bool) -> Target {
        Target::new(&self.connection, reload.then(|| self.options.clone()))
    }
}

/// Connects to every cluster the flags name (no request is sent: an unreachable cluster is found by its
/// watchers, not here). `readonly` forces the guard on (`watch`).
///
/// # Errors
/// A kubeconfig that cannot be read, a context not in it: named, before anything runs.
pub async fn connect(
    args: &ClusterArgs,
    settings: &Settings,
    readonly: bool,
) -> Result<Vec<Cluster>, client::Error> {
    let base = super::connect_options_with(args, settings);
    let mut out = Vec::new();
    for context in contexts(args, settings).await? {
        let mut options = base.clone();
        options.context = context;
        options.readonly |= readonly;
        let connection = client::connect(&options).await?;
        out.push(Cluster {
            options,
            connection,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KUBECONFIG: &str = "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: http://127.0.0.1:1\ncontexts:\n- name: a\n  context:\n    cluster: c\n    user: u\n- name: b\n  context:\n    cluster: c\n    user: u\ncurrent-context: b\nusers:\n- name: u\n  user:\n    token: t\n";

    #[tokio::test]
    async fn flags_then_settings_then_the_current_context() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k");
        std::fs::write(&path, KUBECONFIG).unwrap();
        let args = |context: &[&str], all: bool| ClusterArgs {
            kubeconfig: Some(path.clone()),
            context: context.iter().map(|s| (*s).to_owned()).collect(),
            all_contexts: all,
            ..ClusterArgs::default()
        };
        let none = Settings::default();
        let listed = Settings {
            contexts: vec!["a".into()],
            ..Settings::default()
        };
        let names = |v: Vec<Option<String>>| {
            v.into_iter()
                .map(|c| c.unwrap_or_default())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            names(contexts(&args(&[], true), &none).await.unwrap()),
            ["a", "b"]
        );
        assert_eq!(
            names(
                contexts(&args(&["b", "a", "b"], false), &listed)
                    .await
                    .unwrap()
            ),
            ["b", "a"]
        );
        assert_eq!(
            names(contexts(&args(&[], false), &listed).await.unwrap()),
            ["a"]
        );
        assert_eq!(
            contexts(&args(&[], false), &none).await.unwrap(),
            vec![None]
        );
        let clusters = connect(&args(&["a", "b"], false), &none, true)
            .await
            .unwrap();
        let shown: Vec<&str> = clusters.iter().map(Cluster::name).collect();
        assert_eq!(shown, ["a", "b"]);
        assert!(clusters.iter().all(|c| c.options.readonly));
        let err = connect(&args(&["a", "nope"], false), &none, false)
            .await
            .unwrap_err();
        assert!(err.to_string().contains("\"nope\""), "{err}");
    }
}
