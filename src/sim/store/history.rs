//! The change history watches resume from: a bounded ring of `Change`s with a compaction point.

use super::error::{Result, StoreError};
use crate::sim::resource::GroupResource;
use serde_json::Value;
use std::collections::VecDeque;
use std::sync::Arc;

/// What happened to an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChangeType {
    Added,
    Modified,
    Deleted,
}

impl ChangeType {
    /// The watch event `type`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeType::Added => "ADDED",
            ChangeType::Modified => "MODIFIED",
            ChangeType::Deleted => "DELETED",
        }
    }
}

/// One change, as broadcast to subscribers and kept for watch resumption.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub type_: ChangeType,
    pub resource: GroupResource,
    pub namespace: String,
    pub name: String,
    /// The object after the change (for deletions: the last state, stamped with the deletion's resourceVersion).
    pub object: Arc<Value>,
    /// The stored object before the change (`None` for additions).
    pub previous: Option<Arc<Value>>,
    pub resource_version: u64,
}

/// Bounded history. A watch may resume from any resourceVersion `>= oldest`.
#[derive(Debug)]
pub(super) struct History {
    changes: VecDeque<Change>,
    capacity: usize,
    /// Changes with a resourceVersion `<= compacted` are gone.
    compacted: u64,
}

impl History {
    pub(super) fn new(capacity: usize) -> Self {
        Self {
            changes: VecDeque::new(),
            capacity: capacity.max(1),
            compacted: 0,
        }
    }

    pub(super) fn push(&mut self, change: Change) {
        if self.changes.len() >= self.capacity
            && let Some(dropped) = self.changes.pop_front()
        {
            self.compacted = dropped.resource_version;
        }
        self.changes.push_back(change);
    }

    /// Forgets everything up to and including `rv`.
    pub(super) fn compact_to(&mut self, rv: u64) {
        while self
            .changes
            .front()
            .is_some_and(|c| c.resource_version <= rv)
        {
            self.changes.pop_front();
        }
        self.compacted = self.compacted.max(rv);
    }

    pub(super) fn compacted(&self) -> u64 {
        self.compacted
    }

    /// The changes after `rv` for `resource`, oldest first, borrowed (a read at a past version walks them
    /// for every page).
    ///
    /// # Errors
    /// `Expired` when `rv` is older than the compaction point.
    pub(super) fn since_ref<'a>(
        &'a self,
        rv: u64,
        resource: &'a GroupResource,
    ) -> Result<impl DoubleEndedIterator<Item = &'a Change> + 'a> {
        if rv < self.compacted {
            return Err(StoreError::Expired {
                requested: rv,
                oldest: self.compacted,
            });
        }
        let start = self.changes.partition_point(|c| c.resource_version <= rv);
        Ok(self
            .changes
            .range(start..)
            .filter(move |c| &c.resource == resource))
    }

    /// Changes after `rv` for `resource` (and `namespace` when given).
    ///
    /// # Errors
    /// `Expired` when `rv` is older than the compaction point.
    pub(super) fn since(
        &self,
        rv: u64,
        resource: &GroupResource,
        namespace: Option<&str>,
    ) -> Result<Vec<Change>> {
        Ok(self
            .since_ref(rv, resource)?
            .filter(|c| namespace.is_none_or(|ns| c.namespace == ns))
            .cloned()
            .collect())
    }
}
