//! The console's effects on the data directory and the snapshots, as data ([`FileEffect`], answered by
//! [`FileAnswer`]) and performed by [`Files`] (owned by the effects runner): the runbook library (shipped and
//! the user's `runbooks/` directory), walks kept by `runbook::store` (the per-target lock held while the console
//! walks, so a CLI walk of the same target is refused, and released on pause or end), the objects a check
//! needs that the watch does not carry, the transcript written to a file, and the snapshots listed, read
//! (verified) and diffed against the live cluster. Restoring goes through the action pipeline
//! (`snapshot-restore`), never here.

use super::msg::Msg;
use crate::actions::TargetRef;
use crate::runbook::store::{Claim, Store};
use crate::runbook::{Binding, Runbook, Walk};
use crate::snapshot::{Manifest, ObjectKey};
use serde_json::Value;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::sync::mpsc;

/// A file or snapshot effect `update` asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileEffect {
    /// The runbook library; answered by [`FileAnswer::Runbooks`].
    LoadRunbooks,
    /// Lock the target and read its saved walk; answered by [`FileAnswer::WalkOpened`]. `discard`: an
    /// unfinished walk of another runbook is set aside (kept as `<key>.<started>.json`).
    OpenWalk {
        runbook: String,
        binding: Binding,
        discard: bool,
    },
    /// Save the walk (fsync); answered only when it fails ([`FileAnswer::Note`]).
    SaveWalk(Box<Walk>),
    /// Release the lock on the target's walk (paused or ended).
    ReleaseWalk(TargetRef),
    /// Every saved walk; answered by [`FileAnswer::Walks`].
    ListWalks,
    /// Read these objects (kinds the watch does not carry); answered by [`FileAnswer::Fetched`].
    FetchObjects(Vec<TargetRef>),
    /// Write a transcript as `name` under the walks' directory; answered by [`FileAnswer::Note`] with the path.
    WriteTranscript { name: String, text: String },
    /// The snapshots; answered by [`FileAnswer::Snapshots`].
    ListSnapshots,
    /// Read (and verify) one snapshot; answered by [`FileAnswer::SnapshotLoaded`].
    LoadSnapshot(String),
    /// Diff one snapshot against the live cluster; answered by [`FileAnswer::SnapshotDiffed`].
    DiffSnapshot(String),
    /// Take a snapshot of `scope` (what the console watches) into the snapshot directory, as
    /// `fluxops snapshot create` does (`snapshot::capture::take`); answered by [`FileAnswer::SnapshotCreated`].
    CreateSnapshot {
        scope: crate::cluster::Scope,
        context: String,
        /// Also the live objects the inventories list (Secrets left out), as `--with-inventory`.
        with_inventory: bool,
    },
}

/// A snapshot as listed (its manifest read, its files not yet verified).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedSnapshot {
    pub id: String,
    /// The manifest, or why it cannot be read.
    pub manifest: Result<Manifest, String>,
}

/// The answer to a [`FileEffect`].
#[derive(Debug, Clone)]
pub enum FileAnswer {
    Runbooks {
        runbooks: Vec<Arc<Runbook>>,
        problems: Vec<String>,
    },
    WalkOpened {
        runbook: String,
        binding: Binding,
        /// The unfinished walk of this runbook on the target (to resume), `None` for a new one; `Err`: why
        /// the walk cannot begin (busy in another process, another runbook's walk unfinished, no data dir).
        result: Result<Option<Box<Walk>>, String>,
        operator: String,
    },
    Walks(Vec<Walk>),
    Fetched(Vec<(TargetRef, Option<Value>)>),
    /// Something to tell the operator (a path written, a save that failed).
    Note(String),
    Snapshots(Result<Vec<ListedSnapshot>, String>),
    SnapshotLoaded {
        id: String,
        /// The manifest and every object's key, or why the snapshot is refused.
        result: Result<(Manifest, Vec<ObjectKey>), String>,
    },
    SnapshotDiffed {
        id: String,
        result: Result<crate::snapshot::diff::Diff, String>,
    },
    /// The snapshot taken (its manifest), or why none was.
    SnapshotCreated(Result<Manifest, String>),
}

/// Performs [`FileEffect`]s; keeps the walk locks the console holds.
#[derive(Default)]
pub struct Files {
    claims: HashMap<String, Claim>,
    /// The API server's address, for a snapshot's manifest (empty: not known).
    server: String,
    /// The operator's Kubernetes identity, once asked.
    identity: Arc<tokio::sync::OnceCell<crate::policy::input::Operator>>,
}

fn send(tx: &mpsc::Sender<Msg>, answer: FileAnswer) {
    let tx = tx.clone();
    tokio::spawn(async move {
        let _ = tx.send(Msg::Files(answer)).await;
    });
}

/// The walk's operator: the Kubernetes identity (a SelfSubjectReview, asked once per console, as the audit
/// asks it), `$USER` labelled when the review is not possible (`execution::access::walk_operator`).
async fn operator(
    client: Option<kube::Client>,
    identity: &tokio::sync::OnceCell<crate::policy::input::Operator>,
) -> String {
    use crate::execution::access;
    let local = access::local_user();
    let Some(client) = client else {
        return access::walk_operator(&crate::policy::input::Operator::default(), local.as_deref());
    };
    let who = identity
        .get_or_init(|| async move { access::whoami(&client).await })
        .await;
    access::walk_operator(who, local.as_deref())
}

impl Files {
    /// Files performing effects for the cluster at `server` (its address, named in snapshot manifests).
    #[must_use]
    pub fn for_server(server: String) -> Self {
        Self {
            server,
            ..Self::default()
        }
    }

    /// Starts performing `effect` (returns at once; slow work runs in tasks).
    pub fn run(
        &mut self,
        effect: FileEffect,
        client: Option<kube::Client>,
        tx: &mpsc::Sender<Msg>,
    ) {
        match effect {
            FileEffect::LoadRunbooks => {
                let tx = tx.clone();
                tokio::task::spawn_blocking(move || {
                    let answer = match crate::actions::Catalog::builtin() {
                        Ok(catalog) => {
                            let dir = crate::config::ConfigPaths::discover()
                                .map(|p| p.dir.join("runbooks"));
                            let (runbooks, problems) =
                                crate::runbook::library::all(&catalog, dir.as_deref());
                            FileAnswer::Runbooks {
                                runbooks: runbooks.into_iter().map(Arc::new).collect(),
                                problems: problems.iter().map(ToString::to_string).collect(),
                            }
                        }
                        Err(p) => FileAnswer::Note(p.to_string()),
                    };
                    let _ = tx.blocking_send(Msg::Files(answer));
                });
            }
            FileEffect::OpenWalk {
                runbook,
                binding,
                discard,
            } => {
                let result = self.open(&runbook, &binding, discard);
                let tx = tx.clone();
                let identity = Arc::clone(&self.identity);
                tokio::spawn(async move {
                    let operator = operator(client, &identity).await;
                    let answer = FileAnswer::WalkOpened {
                        runbook,
                        binding,
                        result,
                        operator,
                    };
                    let _ = tx.send(Msg::Files(answer)).await;
                });
            }
            FileEffect::SaveWalk(walk) => {
                let saved = Store::default_location()
                    .map_err(|e| e.to_string())
                    .and_then(|s| s.save(&walk).map_err(|e| e.to_string()));
                if let Err(why) = saved {
                    send(tx, FileAnswer::Note(format!("walk not saved: {why}")));
                }
            }
            FileEffect::ReleaseWalk(target) => {
                self.claims.remove(&Store::key(&target));
            }
            FileEffect::ListWalks => {
                let walks = Store::default_location()
                    .map(|s| s.list())
                    .unwrap_or_default();
                send(tx, FileAnswer::Walks(walks));
            }
            FileEffect::FetchObjects(targets) => {
                let tx = tx.clone();
                tokio::spawn(async move {
                    let Some(client) = client else { return };
                    let mut out = Vec::new();
                    for t in targets {
                        if let Ok(obj) = crate::execution::object::get(&client, &t).await {
                            out.push((t, obj));
                        }
                    }
                    let _ = tx.send(Msg::Files(FileAnswer::Fetched(out))).await;
                });
            }
            FileEffect::WriteTranscript { name, text } => {
                let written = write_transcript(&name, &text);
                send(
                    tx,
                    FileAnswer::Note(match written {
                        Ok(path) => format!("transcript written to {}", path.display()),
                        Err(why) => format!("transcript not written: {why}"),
                    }),
                );
            }
            FileEffect::ListSnapshots => {
                let tx = tx.clone();
                tokio::task::spawn_blocking(move || {
                    let answer = crate::snapshot::store::root()
                        .map(|root| {
                            crate::snapshot::store::list(&root)
                                .into_iter()
                                .map(|l| ListedSnapshot {
                                    id: l.id,
                                    manifest: l.manifest,
                                })
                                .collect()
                        })
                        .map_err(|e| e.to_string());
                    let _ = tx.blocking_send(Msg::Files(FileAnswer::Snapshots(answer)));
                });
            }
            FileEffect::LoadSnapshot(id) => {
                let tx = tx.clone();
                tokio::task::spawn_blocking(move || {
                    let result = load_snapshot(&id)
                        .map(|s| (s.manifest, s.objects.into_keys().collect::<Vec<_>>()));
                    let _ = tx.blocking_send(Msg::Files(FileAnswer::SnapshotLoaded { id, result }));
                });
            }
            FileEffect::CreateSnapshot {
                scope,
                context,
                with_inventory,
            } => {
                let tx = tx.clone();
                let server = self.server.clone();
                tokio::spawn(async move {
                    let result = match client {
                        None => Err("not connected to a cluster".to_owned()),
                        Some(client) => {
                            create_snapshot(&client, &scope, with_inventory, &server, &context)
                                .await
                        }
                    };
                    let _ = tx
                        .send(Msg::Files(FileAnswer::SnapshotCreated(result)))
                        .await;
                });
            }
            FileEffect::DiffSnapshot(id) => {
                let tx = tx.clone();
                tokio::spawn(async move {
                    let result = match client {
                        None => Err("not connected to a cluster".to_owned()),
                        Some(client) => diff_snapshot(&client, &id).await,
                    };
                    let _ = tx
                        .send(Msg::Files(FileAnswer::SnapshotDiffed { id, result }))
                        .await;
                });
            }
        }
    }

    /// Locks the target (kept until released) and reads its walk: the unfinished one of `runbook` with this
    /// binding is resumed; a finished one is set aside; another runbook's unfinished walk is refused unless
    /// `discard`.
    fn open(
        &mut self,
        runbook: &str,
        binding: &Binding,
        discard: bool,
    ) -> Result<Option<Box<Walk>>, String> {
        let store = Store::default_location().map_err(|e| e.to_string())?;
        let key = Store::key(&binding.target);
        if !self.claims.contains_key(&key) {
            let claim = store.claim(&binding.target).map_err(|e| e.to_string())?;
            self.claims.insert(key.clone(), claim);
        }
        let found = match store.load(&binding.target) {
            Ok(w) => w,
            Err(e) => {
                self.claims.remove(&key);
                return Err(e.to_string());
            }
        };
        let Some(walk) = found else { return Ok(None) };
        if walk.done() || (walk.runbook != runbook && discard) {
            store.archive(&walk).map_err(|e| e.to_string())?;
            return Ok(None);
        }
        if walk.runbook == runbook {
            // The saved walk's own inputs win: it is resumed as it was begun.
            return Ok(Some(Box::new(walk)));
        }
        self.claims.remove(&key);
        Err(format!(
            "an unfinished walk of runbook '{}' on {} exists (started {}): resume it from the runbook list (5), or set it aside with `fluxops runbook run {} --target {} --discard`",
            crate::text::sanitize_line(&walk.runbook),
            walk.binding.target,
            crate::runbook::transcript::time(walk.started),
            runbook,
            binding.target
        ))
    }
}

fn write_transcript(name: &str, text: &str) -> Result<PathBuf, String> {
    let store = Store::default_location().map_err(|e| e.to_string())?;
    let dir = store.dir().join("transcripts");
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let path = dir.join(name);
    std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(path)
}

fn load_snapshot(id: &str) -> Result<crate::snapshot::store::Snapshot, String> {
    let root = crate::snapshot::store::root().map_err(|e| e.to_string())?;
    crate::snapshot::store::load(&crate::snapshot::store::resolve(&root, id))
        .map_err(|e| format!("snapshot refused: {e}"))
}

async fn diff_snapshot(
    client: &kube::Client,
    id: &str,
) -> Result<crate::snapshot::diff::Diff, String> {
    let id = id.to_owned();
    let snapshot = tokio::task::spawn_blocking(move || load_snapshot(&id))
        .await
        .map_err(|e| e.to_string())??;
    let live = crate::launch::snapshot::live_of(client, &snapshot).await?;
    Ok(crate::snapshot::diff::diff(&snapshot.objects, &live))
}

/// Takes a snapshot of `scope` into a new directory under the snapshot root (`snapshot::capture::take`).
async fn create_snapshot(
    client: &kube::Client,
    scope: &crate::cluster::Scope,
    with_inventory: bool,
    server: &str,
    context: &str,
) -> Result<Manifest, String> {
    let root = crate::snapshot::store::root().map_err(|e| e.to_string())?;
    let dir = root.join(crate::snapshot::store::new_id());
    crate::snapshot::capture::take(
        client,
        crate::snapshot::capture::Take {
            scope,
            with_inventory,
            dir: &dir,
            cluster: server,
            context,
        },
    )
    .await
    .map_err(|e| e.to_string())
}
