//! The simulated cluster: a Kubernetes API server on 127.0.0.1 plus simulated Flux controllers driven by
//! scenarios (`fixtures/scenarios`), synthetic fleets or a GitOps repository directory.

pub mod controllers;
pub mod scenario;
