//! Kubernetes Jobs as the execution mechanism of `job` actions: the Job manifest built from a planned action
//! ([`manifest`], pure) and the RBAC the catalog needs ([`rbac`], `fluxops rbac`). Creating, following and
//! finding Jobs again is `execution::{job_run, job_follow, discover}`.

pub mod manifest;
pub mod rbac;

pub use manifest::{JobManifest, JobRequest, JobSettings};
