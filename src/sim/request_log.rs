//! The request log: one `LoggedRequest` per HTTP request the simulated API server answered, kept
//! in memory so tests can prove what did (or did not) reach the cluster.

use std::sync::{Arc, Mutex, PoisonError};

/// One answered request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedRequest {
    pub method: String,
    /// Path and query, as sent.
    pub path_and_query: String,
    /// Request `content-type`, if any.
    pub content_type: Option<String>,
    /// Request `accept`, if any.
    pub accept: Option<String>,
    pub body_bytes: usize,
    /// Response status code.
    pub status: u16,
    /// `dryRun=All` was requested (query or DeleteOptions body).
    pub dry_run: bool,
    /// When the request arrived (RFC 3339, seconds).
    pub timestamp: String,
}

impl LoggedRequest {
    /// A write that changed (or would have changed) cluster state: POST/PUT/PATCH/DELETE that
    /// succeeded and was not a dry run.
    #[must_use]
    pub fn is_mutation(&self) -> bool {
        matches!(self.method.as_str(), "POST" | "PUT" | "PATCH" | "DELETE")
            && !self.dry_run
            && (200..300).contains(&self.status)
            && !self.path_and_query.contains("/selfsubjectaccessreviews")
    }

    /// Whether this was a write verb at all (successful or not, dry run or not).
    #[must_use]
    pub fn is_write_verb(&self) -> bool {
        matches!(self.method.as_str(), "POST" | "PUT" | "PATCH" | "DELETE")
    }
}

/// Shared, append-only request log (cheap to clone).
#[derive(Debug, Clone, Default)]
pub struct RequestLog {
    entries: Arc<Mutex<Vec<LoggedRequest>>>,
}

impl RequestLog {
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&self, entry: LoggedRequest) {
        self.entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(entry);
    }

    /// A copy of every entry so far, oldest first.
    #[must_use]
    pub fn entries(&self) -> Vec<LoggedRequest> {
        self.entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Entries that changed cluster state (see `LoggedRequest::is_mutation`).
    #[must_use]
    pub fn mutations(&self) -> Vec<LoggedRequest> {
        self.entries()
            .into_iter()
            .filter(LoggedRequest::is_mutation)
            .collect()
    }

    pub fn clear(&self) {
        self.entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }

    #[must_use]
    pub fn len(&self) -> usize {
        self.entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
