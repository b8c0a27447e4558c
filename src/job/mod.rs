//! Kubernetes Jobs as the execution mechanism of `job` actions: the Job manifest built from a planned action
//! ([`manifest`], pure) and the RBAC the catalog needs ([`rbac`], `fluxops rbac`). Creating Jobs, streaming
//! their logs and reading their outcome come later (docs/ACTIONS.md says what is built).

pub mod manifest;
pub mod rbac;

pub use manifest::{JobManifest, JobRequest, JobSettings};
