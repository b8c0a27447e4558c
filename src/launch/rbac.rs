//! `fluxops rbac [--namespace NS] [--target-namespace NS]… [--catalog FILE]`: the RBAC the catalog's Job actions
//! need (`job::rbac`), as YAML for `kubectl apply -f -`. Exit 0; 1 when the catalog is invalid.

use super::action::{EXIT_FAILURE, catalog};
use super::report;
use crate::cli::RbacArgs;
use crate::job::rbac::{self, RbacOptions};
use std::io::Write;
use std::process::ExitCode;

/// Runs `fluxops rbac`.
#[must_use]
pub fn run(args: &RbacArgs) -> ExitCode {
    let catalog = match catalog(args.catalog.as_deref()) {
        Ok(c) => c,
        Err(problem) => {
            report::print(&problem);
            return ExitCode::from(EXIT_FAILURE);
        }
    };
    let namespace = args
        .namespace
        .clone()
        .unwrap_or_else(|| crate::config::settings::Settings::discover().jobs.namespace);
    if let Some(bad) = std::iter::once(&namespace)
        .chain(&args.target_namespaces)
        .find(|ns| !is_namespace_name(ns))
    {
        report::print(&crate::cli::UsageError(format!(
            "'{}' is not a namespace name (lowercase letters, digits and '-', at most 63)",
            crate::text::sanitize(bad)
        )));
        return ExitCode::from(super::action::EXIT_USAGE);
    }
    let options = RbacOptions {
        namespace,
        target_namespaces: args.target_namespaces.clone(),
    };
    match rbac::to_yaml(&rbac::objects(&catalog, &options)) {
        Ok(yaml) => {
            let _ = std::io::stdout().lock().write_all(yaml.as_bytes());
            ExitCode::SUCCESS
        }
        Err(e) => {
            report::print(&e);
            ExitCode::from(EXIT_FAILURE)
        }
    }
}

/// A DNS-1123 label.
fn is_namespace_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 63
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !name.starts_with('-')
        && !name.ends_with('-')
}
