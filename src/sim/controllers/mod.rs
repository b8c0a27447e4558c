//! Simulated Flux controllers (source, kustomize, helm): tokio tasks that reconcile the objects in the
//! simulated API server's store on their interval, writing status and events the way the real controllers do.

pub mod clock;
pub mod conditions;
pub mod duration;
pub mod revision;
pub mod dependency;
pub mod events;
pub mod helm;
pub mod helm_release;
pub mod input;
pub mod inventory;
pub mod kustomize;
pub mod object;
pub mod plan;
pub mod source;
pub mod view;
