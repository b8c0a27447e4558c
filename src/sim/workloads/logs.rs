//! What the simulated kubelet keeps of containers' output: the log text of each pod container, served by
//! `GET …/pods/<name>/log` and written by the Job runner as its process prints.

use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};

/// `(namespace, pod, container)`.
type ContainerKey = (String, String, String);

/// Pod logs by container (cheap to clone, shared).
#[derive(Debug, Clone, Default)]
pub struct PodLogs {
    logs: Arc<RwLock<HashMap<ContainerKey, String>>>,
}

impl PodLogs {
    /// Appends `text` to the log of `container` in `namespace/pod`.
    pub fn append(&self, namespace: &str, pod: &str, container: &str, text: &str) {
        self.logs
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .entry((namespace.to_owned(), pod.to_owned(), container.to_owned()))
            .or_default()
            .push_str(text);
    }

    /// The log of `container` in `namespace/pod` so far (`None`: nothing was ever written).
    #[must_use]
    pub fn get(&self, namespace: &str, pod: &str, container: &str) -> Option<String> {
        self.logs
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&(namespace.to_owned(), pod.to_owned(), container.to_owned()))
            .cloned()
    }

    /// Forgets the logs of a deleted pod.
    pub fn remove_pod(&self, namespace: &str, pod: &str) {
        self.logs
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .retain(|(ns, p, _), _| !(ns == namespace && p == pod));
    }
}
