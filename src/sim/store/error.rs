//! `StoreError`: why a store operation was refused, carrying what the API `Status` body needs.

use crate::sim::resource::GroupResource;

/// One entry of `details.causes` in an Invalid (422) Status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cause {
    /// `FieldValueRequired`, `FieldValueTypeInvalid`, `FieldValueInvalid`.
    pub reason: String,
    pub message: String,
    pub field: String,
}

/// A refused store operation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    #[error("{} \"{name}\" not found", resource.qualified())]
    NotFound {
        resource: GroupResource,
        name: String,
    },
    #[error("{} \"{name}\" already exists", resource.qualified())]
    AlreadyExists {
        resource: GroupResource,
        name: String,
    },
    #[error(
        "Operation cannot be fulfilled on {} \"{name}\": the object has been modified; please apply your changes to the latest version and try again",
        resource.qualified()
    )]
    Conflict {
        resource: GroupResource,
        name: String,
    },
    /// Schema or immutability violation. `kind` is the Kind (not the resource), as the real server reports it.
    #[error(
        "{kind}{} \"{name}\" is invalid: {}",
        group_suffix(group),
        causes_text(causes)
    )]
    Invalid {
        group: String,
        kind: String,
        name: String,
        causes: Vec<Cause>,
    },
    #[error("{0}")]
    BadRequest(String),
    /// A patch that cannot be applied (JSON patch test failed, path missing).
    #[error("the server rejected our request due to an error in our request: {0}")]
    Unprocessable(String),
    /// A watch from a compacted resourceVersion.
    #[error("too old resource version: {requested} ({oldest})")]
    Expired { requested: u64, oldest: u64 },
    #[error("the server could not find the requested resource")]
    UnknownResource(GroupResource),
}

fn group_suffix(group: &str) -> String {
    if group.is_empty() {
        String::new()
    } else {
        format!(".{group}")
    }
}

fn causes_text(causes: &[Cause]) -> String {
    let one = |c: &Cause| format!("{}: {}", c.field, c.message);
    match causes {
        [single] => one(single),
        many => format!("[{}]", many.iter().map(one).collect::<Vec<_>>().join(", ")),
    }
}

/// Result alias for store operations.
pub type Result<T> = std::result::Result<T, StoreError>;
