//! `fluxops trace KIND/NS/NAME`: connect like the other commands (read-only is enough: every read is a GET),
//! resolve the kind, walk the chain (`cluster::trace`, `flux::trace`) and print it as text (`flux trace` style,
//! every value sanitised) or JSON. Exit 0 when traced, managed or not; 1 when the object (or the cluster)
//! cannot be read, said in one line.

use crate::cli::{ClusterArgs, TraceArgs, TraceFormat};
use crate::cluster::trace::{self, TraceError};
use crate::text::sanitize_line;
use std::io::Write as _;
use std::process::ExitCode;

/// Why the trace was not printed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(
        "'{0}' is not KIND/NAMESPACE/NAME (e.g. deployment/apps/podinfo), nor KIND/NAME with -n"
    )]
    BadObject(String),
    #[error(transparent)]
    Connect(#[from] crate::cluster::client::Error),
    #[error(transparent)]
    Trace(#[from] TraceError),
    #[error("cannot write the trace: {0}")]
    Write(#[from] std::io::Error),
    #[error("cannot encode the trace as JSON: {0}")]
    Json(#[from] serde_json::Error),
}

/// `KIND/NS/NAME`, or `KIND/NAME` (namespace from `-n`, or none for cluster-scoped kinds).
///
/// # Errors
/// Any other shape.
pub fn parse_object(
    text: &str,
    namespace: Option<&str>,
) -> Result<(String, String, String), Error> {
    let parts: Vec<&str> = text.split('/').collect();
    let bad = || Error::BadObject(sanitize_line(text).into_owned());
    match parts.as_slice() {
        [kind, ns, name] if !kind.is_empty() && !ns.is_empty() && !name.is_empty() => {
            Ok(((*kind).to_owned(), (*ns).to_owned(), (*name).to_owned()))
        }
        [kind, name] if !kind.is_empty() && !name.is_empty() => Ok((
            (*kind).to_owned(),
            namespace.unwrap_or_default().to_owned(),
            (*name).to_owned(),
        )),
        _ => Err(bad()),
    }
}

/// Runs `fluxops trace`.
pub async fn run(args: &TraceArgs, cluster: &ClusterArgs) -> ExitCode {
    match trace_and_print(args, cluster).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            super::report::print(&e);
            ExitCode::from(1)
        }
    }
}

async fn trace_and_print(args: &TraceArgs, cluster: &ClusterArgs) -> Result<(), Error> {
    let (kind, namespace, name) = parse_object(&args.object, cluster.namespace.as_deref())?;
    let mut options = super::connect_options(cluster);
    // Every read is a GET: the guard costs nothing and proves it.
    options.readonly = true;
    let connection = crate::cluster::client::connect(&options).await?;
    let client = &connection.client;
    let start = trace::start_for(client, &kind, &namespace, &name).await?;
    let found = trace::trace(client, &start).await?;
    let mut out = std::io::stdout().lock();
    match args.output {
        TraceFormat::Text => {
            let text = crate::flux::trace::render(&found, &|s| sanitize_line(s).into_owned());
            out.write_all(text.as_bytes())?;
        }
        TraceFormat::Json => {
            // serde_json escapes control characters; nothing else needs cleaning for a JSON reader.
            serde_json::to_writer_pretty(&mut out, &found)?;
            out.write_all(b"\n")?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_are_kind_namespace_name_or_kind_name() {
        assert_eq!(
            parse_object("deployment/apps/podinfo", None).unwrap(),
            ("deployment".into(), "apps".into(), "podinfo".into())
        );
        assert_eq!(
            parse_object("ns/apps", Some("x")).unwrap(),
            ("ns".into(), "x".into(), "apps".into())
        );
        assert!(parse_object("deployment", None).is_err());
        assert!(parse_object("a//b", None).is_err());
        assert!(parse_object("a/b/c/d", None).is_err());
    }
}
