//! `fluxops snapshot create|list|show|diff|restore` (docs/SNAPSHOTS.md): wiring of `snapshot` (taking,
//! storing, verifying, comparing) and, for `restore`, `execution::restore` (`snapshot_restore`).
//!
//! Exit codes: 0 done (`diff`: the cluster equals the snapshot); 1 failed, refused (a corrupt or altered
//! snapshot, denied, forbidden, dry-run failed), or `diff` found differences; 2 usage (`--include-secrets`,
//! a bad `--only` pattern or timeout).

use super::action::{EXIT_FAILURE, EXIT_USAGE};
use super::report;
use crate::cli::{ClusterArgs, SnapshotArgs, SnapshotCommand, SnapshotCreateArgs, UsageError};
use crate::cluster::Scope;
use crate::snapshot::{Manifest, Snapshot, store};
use std::fmt::Write as _;
use std::io::Write;
use std::process::ExitCode;

/// Why `--include-secrets` is refused.
pub const NO_SECRETS: &str = "--include-secrets is refused: fluxops never writes Secret data to a snapshot (it \
has no encryption for it); Secrets an inventory lists are named in the manifest and left out";

pub(super) fn usage(message: &str) -> ExitCode {
    report::print(&UsageError(message.to_owned()));
    ExitCode::from(EXIT_USAGE)
}

pub(super) fn failure(message: &str) -> ExitCode {
    report::print(&UsageError(message.to_owned()));
    ExitCode::from(EXIT_FAILURE)
}

pub(super) fn print(text: &str) {
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}

pub(super) fn clean(text: &str) -> String {
    crate::text::sanitize_line(text).into_owned()
}

/// Runs `fluxops snapshot …`.
pub async fn run(args: &SnapshotArgs, cluster: &ClusterArgs) -> ExitCode {
    match &args.command {
        SnapshotCommand::Create(a) => create(a, cluster).await,
        SnapshotCommand::List => list(),
        SnapshotCommand::Show(a) => match load(&a.id) {
            Ok(s) => {
                print(&show(&s, a.objects));
                ExitCode::SUCCESS
            }
            Err(code) => code,
        },
        SnapshotCommand::Diff(a) => diff(&a.id, cluster).await,
        SnapshotCommand::Restore(a) => super::snapshot_restore::run(a, cluster).await,
    }
}

/// Loads and verifies the snapshot `id`, or prints why not.
pub(super) fn load(id: &str) -> Result<Snapshot, ExitCode> {
    let root = store::root().map_err(|e| failure(&e.to_string()))?;
    store::load(&store::resolve(&root, id)).map_err(|e| failure(&e.to_string()))
}

/// The scope a snapshot was taken in.
pub(super) fn scope_of(manifest: &Manifest) -> Scope {
    match manifest.scope.strip_prefix("namespace ") {
        Some(ns) => Scope::Namespace(ns.to_owned()),
        None => Scope::All,
    }
}

async fn create(args: &SnapshotCreateArgs, cluster: &ClusterArgs) -> ExitCode {
    if args.include_secrets {
        return usage(NO_SECRETS);
    }
    let dir = match &args.to {
        Some(d) => d.clone(),
        None => match store::root() {
            Ok(root) => root.join(store::new_id()),
            Err(e) => return failure(&e.to_string()),
        },
    };
    let options = super::connect_options(cluster);
    let connection = match crate::cluster::client::connect(&options).await {
        Ok(c) => c,
        Err(e) => {
            report::print(&e);
            return ExitCode::from(EXIT_FAILURE);
        }
    };
    let taken = crate::snapshot::capture::take(
        &connection.client,
        crate::snapshot::capture::Take {
            scope: &connection.scope,
            with_inventory: args.with_inventory,
            dir: &dir,
            cluster: &connection.server,
            context: &connection.context,
        },
    )
    .await;
    match taken {
        Ok(m) => {
            print(&format!(
                "snapshot {} written to {}\n",
                clean(&m.id),
                clean(&dir.display().to_string())
            ));
            print(&summary(&m));
            ExitCode::SUCCESS
        }
        Err(e) => failure(&e.to_string()),
    }
}

/// The manifest in lines.
fn summary(m: &Manifest) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "  cluster:  {} (context {})",
        clean(&m.cluster),
        clean(&m.context)
    );
    let _ = writeln!(
        out,
        "  taken:    {} by {}, {}",
        m.created,
        clean(&m.tool),
        clean(&m.scope)
    );
    let at = match (&m.resource_version, m.consistent) {
        (Some(rv), true) => format!("every list at resourceVersion {}", clean(rv)),
        (Some(rv), false) => format!("not at one resourceVersion (first list at {})", clean(rv)),
        (None, _) => "no resourceVersion".to_owned(),
    };
    let _ = writeln!(out, "  lists:    {at}");
    let _ = writeln!(
        out,
        "  objects:  {}{}",
        m.objects,
        if m.with_inventory {
            " (with inventories)"
        } else {
            ""
        }
    );
    for (kind, n) in &m.counts {
        let _ = writeln!(out, "    {n:>6}  {}", clean(kind));
    }
    if !m.excluded.is_empty() {
        let _ = writeln!(
            out,
            "  left out (Secrets are never stored): {}",
            m.excluded.len()
        );
        for e in &m.excluded {
            let _ = writeln!(out, "    {}", clean(e));
        }
    }
    for u in &m.unreadable {
        let _ = writeln!(out, "  not read: {}", clean(u));
    }
    out
}

fn list() -> ExitCode {
    let root = match store::root() {
        Ok(r) => r,
        Err(e) => return failure(&e.to_string()),
    };
    let listed = store::list(&root);
    if listed.is_empty() {
        print(&format!(
            "no snapshots in {}\n",
            clean(&root.display().to_string())
        ));
        return ExitCode::SUCCESS;
    }
    let mut out = String::new();
    for l in listed {
        match l.manifest {
            Ok(m) => {
                let _ = writeln!(
                    out,
                    "{}  {}  {}  {} objects  {}{}",
                    clean(&l.id),
                    m.created,
                    clean(&m.context),
                    m.objects,
                    clean(&m.scope),
                    if m.with_inventory {
                        ", with inventories"
                    } else {
                        ""
                    }
                );
            }
            Err(why) => {
                let _ = writeln!(out, "{}  unreadable: {}", clean(&l.id), clean(&why));
            }
        }
    }
    print(&out);
    ExitCode::SUCCESS
}

fn show(s: &Snapshot, objects: bool) -> String {
    let mut out = format!(
        "snapshot {} ({}): verified\n",
        clean(&s.manifest.id),
        clean(&s.dir.display().to_string())
    );
    out.push_str(&summary(&s.manifest));
    let _ = writeln!(out, "objects:");
    for key in s.objects.keys() {
        let _ = writeln!(out, "  {}", clean(&key.to_string()));
    }
    if objects {
        for obj in s.objects.values() {
            let yaml = serde_saphyr::to_string(obj).unwrap_or_default();
            out.push_str("---\n");
            out.push_str(&crate::text::sanitize(&yaml));
        }
    }
    out
}

async fn diff(id: &str, cluster: &ClusterArgs) -> ExitCode {
    let snapshot = match load(id) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let options = super::connect_options(cluster);
    let connection = match crate::cluster::client::connect(&options).await {
        Ok(c) => c,
        Err(e) => {
            report::print(&e);
            return ExitCode::from(EXIT_FAILURE);
        }
    };
    if connection.server != snapshot.manifest.cluster {
        print(&format!(
            "note: the snapshot was taken of {}, this is {}\n",
            clean(&snapshot.manifest.cluster),
            clean(&connection.server)
        ));
    }
    let live = match live_of(&connection.client, &snapshot).await {
        Ok(l) => l,
        Err(e) => return failure(&e),
    };
    let d = crate::snapshot::diff::diff(&snapshot.objects, &live);
    let mut out = d.lines().join("\n");
    if !out.is_empty() {
        out.push('\n');
    }
    let _ = writeln!(
        out,
        "{} deleted since, {} changed, {} created since, {} unchanged",
        d.removed.len(),
        d.changed.len(),
        d.added.len(),
        d.unchanged
    );
    print(&out);
    if d.restores_nothing() && d.added.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_FAILURE)
    }
}

/// The live side of a diff of `snapshot`.
pub(crate) async fn live_of(
    client: &kube::Client,
    snapshot: &Snapshot,
) -> Result<std::collections::BTreeMap<crate::snapshot::ObjectKey, serde_json::Value>, String> {
    let keys = snapshot.objects.keys().cloned().collect();
    let versions = snapshot
        .objects
        .iter()
        .filter_map(|(k, v)| Some((k.clone(), v.get("apiVersion")?.as_str()?.to_owned())))
        .collect();
    crate::snapshot::capture::live_for(client, &scope_of(&snapshot.manifest), &keys, &versions)
        .await
        .map(|c| c.objects)
        .map_err(|e| e.to_string())
}
