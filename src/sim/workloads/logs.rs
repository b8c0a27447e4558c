//! What the simulated kubelet keeps of containers' output: per pod container a ring buffer of timestamped lines
//! (bounded: [`MAX_LINES`] lines and [`MAX_BYTES`] bytes, the oldest dropped first, as a rotated container log),
//! served by `GET …/pods/<name>/log` and written by the Job runner and the simulated Flux controllers as they
//! print. Every line has a sequence number, so a follower reads exactly what came after what it has.

use k8s_openapi::jiff::Timestamp;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, PoisonError, RwLock};

/// Lines kept per container at most.
pub const MAX_LINES: usize = 4096;
/// Bytes kept per container at most.
pub const MAX_BYTES: usize = 1 << 20;

/// `(namespace, pod, container)`.
type ContainerKey = (String, String, String);

/// One line a container printed, without its newline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    /// Position in the container's output (0 = its first line, ever).
    pub seq: u64,
    /// When the kubelet read it.
    pub at: Timestamp,
    pub text: String,
}

/// A container's log as read at one moment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogRead {
    /// The complete lines from the sequence number asked for (or the oldest kept).
    pub lines: Vec<LogLine>,
    /// Text printed after the last newline (not a line yet).
    pub partial: Option<LogLine>,
    /// The sequence number the next line will have.
    pub next: u64,
}

#[derive(Debug, Default)]
struct ContainerLog {
    lines: VecDeque<LogLine>,
    bytes: usize,
    next: u64,
    partial: String,
    partial_at: Option<Timestamp>,
}

impl ContainerLog {
    fn push(&mut self, at: Timestamp, text: String) {
        self.bytes += text.len() + 1;
        self.lines.push_back(LogLine {
            seq: self.next,
            at,
            text,
        });
        self.next += 1;
        while self.lines.len() > MAX_LINES || (self.bytes > MAX_BYTES && self.lines.len() > 1) {
            if let Some(old) = self.lines.pop_front() {
                self.bytes = self.bytes.saturating_sub(old.text.len() + 1);
            }
        }
    }

    fn append(&mut self, at: Timestamp, text: &str) {
        let mut rest = text;
        while let Some(i) = rest.find('\n') {
            let mut line = std::mem::take(&mut self.partial);
            line.push_str(&rest[..i]);
            let when = self.partial_at.take().unwrap_or(at);
            self.push(when, line);
            rest = &rest[i + 1..];
        }
        if !rest.is_empty() {
            if self.partial.is_empty() {
                self.partial_at = Some(at);
            }
            self.partial.push_str(rest);
            if self.partial.len() > MAX_BYTES / 4 {
                // A line that never ends is cut, as the kubelet splits long lines.
                let line = std::mem::take(&mut self.partial);
                let when = self.partial_at.take().unwrap_or(at);
                self.push(when, line);
            }
        }
    }

    fn read(&self, from: u64) -> LogRead {
        LogRead {
            lines: self
                .lines
                .iter()
                .filter(|l| l.seq >= from)
                .cloned()
                .collect(),
            partial: (!self.partial.is_empty()).then(|| LogLine {
                seq: self.next,
                at: self.partial_at.unwrap_or_else(Timestamp::now),
                text: self.partial.clone(),
            }),
            next: self.next,
        }
    }
}

/// Pod logs by container (cheap to clone, shared).
#[derive(Debug, Clone, Default)]
pub struct PodLogs {
    logs: Arc<RwLock<HashMap<ContainerKey, ContainerLog>>>,
}

fn key(namespace: &str, pod: &str, container: &str) -> ContainerKey {
    (namespace.to_owned(), pod.to_owned(), container.to_owned())
}

impl PodLogs {
    /// Appends `text` to the log of `container` in `namespace/pod`, stamped now.
    pub fn append(&self, namespace: &str, pod: &str, container: &str, text: &str) {
        self.append_at(namespace, pod, container, Timestamp::now(), text);
    }

    /// Appends `text` stamped `at`.
    pub fn append_at(
        &self,
        namespace: &str,
        pod: &str,
        container: &str,
        at: Timestamp,
        text: &str,
    ) {
        self.logs
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(key(namespace, pod, container))
            .or_default()
            .append(at, text);
    }

    /// Whether `container` in `namespace/pod` ever printed anything (and the pod was not removed since).
    #[must_use]
    pub fn exists(&self, namespace: &str, pod: &str, container: &str) -> bool {
        self.logs
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .contains_key(&key(namespace, pod, container))
    }

    /// The lines of `container` in `namespace/pod` from sequence number `from` (`None`: nothing was ever written).
    #[must_use]
    pub fn read(&self, namespace: &str, pod: &str, container: &str, from: u64) -> Option<LogRead> {
        self.logs
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&key(namespace, pod, container))
            .map(|c| c.read(from))
    }

    /// The whole log kept of `container` as text (`None`: nothing was ever written).
    #[must_use]
    pub fn get(&self, namespace: &str, pod: &str, container: &str) -> Option<String> {
        let read = self.read(namespace, pod, container, 0)?;
        let mut text = String::new();
        for l in &read.lines {
            text.push_str(&l.text);
            text.push('\n');
        }
        if let Some(p) = read.partial {
            text.push_str(&p.text);
        }
        Some(text)
    }

    /// Forgets the logs of a deleted pod.
    pub fn remove_pod(&self, namespace: &str, pod: &str) {
        self.logs
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .retain(|(ns, p, _), _| !(ns == namespace && p == pod));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_split_numbered_and_partial_text_waits_for_its_newline() {
        let logs = PodLogs::default();
        logs.append("ns", "p", "c", "one\ntw");
        let read = logs.read("ns", "p", "c", 0).unwrap();
        assert_eq!(read.lines.len(), 1);
        assert_eq!(read.partial.as_ref().map(|l| l.text.as_str()), Some("tw"));
        logs.append("ns", "p", "c", "o\nthree\n");
        let read = logs.read("ns", "p", "c", 1).unwrap();
        let texts: Vec<&str> = read.lines.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(texts, ["two", "three"]);
        assert_eq!(read.next, 3);
        assert_eq!(logs.get("ns", "p", "c").unwrap(), "one\ntwo\nthree\n");
    }

    #[test]
    fn a_container_keeps_at_most_the_bounded_number_of_lines() {
        let logs = PodLogs::default();
        for i in 0..(MAX_LINES + 10) {
            logs.append("ns", "p", "c", &format!("line {i}\n"));
        }
        let read = logs.read("ns", "p", "c", 0).unwrap();
        assert_eq!(read.lines.len(), MAX_LINES);
        assert_eq!(read.lines[0].text, "line 10");
        assert_eq!(read.next, u64::try_from(MAX_LINES + 10).unwrap());
        let big = "x".repeat(MAX_BYTES / 8);
        for _ in 0..20 {
            logs.append("ns", "p", "c", &format!("{big}\n"));
        }
        let read = logs.read("ns", "p", "c", 0).unwrap();
        let bytes: usize = read.lines.iter().map(|l| l.text.len() + 1).sum();
        assert!(bytes <= MAX_BYTES, "{bytes} bytes kept");
    }
}
