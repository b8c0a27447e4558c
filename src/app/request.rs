//! `Request<K, T>`: a single-slot, latest-wins background request (STYLE.md habit 10; flux9s `AsyncTask`,
//! gitui `AsyncSingleJob`).
//!
//! The screen that shows fetched data (the drill-down's YAML and inventory) owns one slot. `request(key)` hands
//! out a new id and makes it the one awaited: an older request still in flight is superseded, and when its answer
//! arrives `complete` drops it because its id is not the awaited one. So a user who opens the YAML of one object
//! and then of another never sees the first object's answer land on the second one's screen, however the answers
//! are ordered. The last completed answer is kept (with its key) until a newer one completes, so a screen can
//! keep showing it while a refresh is in flight.
//!
//! Pure data: no I/O, no tasks. `update` calls `request` and returns an `Effect` carrying the id; the effects
//! runner performs it and answers with a `Msg` carrying the same id, which `update` hands to `complete`.

/// One slot: what is awaited (if anything) and the last answer.
#[derive(Debug, Clone)]
pub struct Request<K, T> {
    next_id: u64,
    pending: Option<(u64, K)>,
    done: Option<(K, T)>,
}

impl<K, T> Default for Request<K, T> {
    fn default() -> Self {
        Self {
            next_id: 1,
            pending: None,
            done: None,
        }
    }
}

impl<K: PartialEq + Clone, T> Request<K, T> {
    /// Awaits an answer for `key` from now on (superseding any request in flight) and returns its id.
    pub fn request(&mut self, key: K) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        self.pending = Some((id, key));
        id
    }

    /// Takes the answer of request `id`. Returns `false` (and drops the answer) when `id` is not the request
    /// awaited: superseded by a newer one, or already answered.
    pub fn complete(&mut self, id: u64, answer: T) -> bool {
        match self.pending.take() {
            Some((awaited, key)) if awaited == id => {
                self.done = Some((key, answer));
                true
            }
            other => {
                self.pending = other;
                false
            }
        }
    }

    /// Stops awaiting anything (the screen closed); a late answer will be dropped.
    pub fn cancel(&mut self) {
        self.pending = None;
    }

    /// Forgets the last answer too (a fresh look); ids keep increasing, so no late answer can match.
    pub fn clear(&mut self) {
        self.pending = None;
        self.done = None;
    }

    /// Whether an answer for `key` is awaited.
    #[must_use]
    pub fn is_pending_for(&self, key: &K) -> bool {
        self.pending.as_ref().is_some_and(|(_, k)| k == key)
    }

    /// The id awaited, if any.
    #[must_use]
    pub fn pending_id(&self) -> Option<u64> {
        self.pending.as_ref().map(|(id, _)| *id)
    }

    /// The last answer, if it was for `key`.
    #[must_use]
    pub fn answer_for(&self, key: &K) -> Option<&T> {
        self.done.as_ref().filter(|(k, _)| k == key).map(|(_, t)| t)
    }
}

#[cfg(test)]
mod tests {
    use super::Request;

    #[test]
    fn a_newer_request_supersedes_an_older_one_and_its_late_answer_is_dropped() {
        let mut slot: Request<&str, u32> = Request::default();
        let first = slot.request("apps");
        let second = slot.request("infra");
        assert_ne!(first, second);
        // The first answer arrives after the second request: dropped, the second is still awaited.
        assert!(!slot.complete(first, 1));
        assert_eq!(slot.answer_for(&"apps"), None);
        assert!(slot.is_pending_for(&"infra"));
        assert!(slot.complete(second, 2));
        assert_eq!(slot.answer_for(&"infra"), Some(&2));
        assert!(!slot.is_pending_for(&"infra"));
        // Answering twice, or an id never handed out, changes nothing.
        assert!(!slot.complete(second, 3));
        assert!(!slot.complete(99, 4));
        assert_eq!(slot.answer_for(&"infra"), Some(&2));
    }

    #[test]
    fn the_last_answer_stays_while_a_refresh_is_in_flight_and_cancel_drops_the_late_one() {
        let mut slot: Request<&str, u32> = Request::default();
        let id = slot.request("apps");
        assert!(slot.complete(id, 1));
        let refresh = slot.request("apps");
        assert_eq!(slot.answer_for(&"apps"), Some(&1));
        assert_eq!(slot.pending_id(), Some(refresh));
        slot.cancel();
        assert!(!slot.complete(refresh, 2));
        assert_eq!(slot.answer_for(&"apps"), Some(&1));
    }

    #[test]
    fn clearing_forgets_the_answer_but_never_reuses_an_id() {
        let mut slot: Request<&str, u32> = Request::default();
        let old = slot.request("apps");
        slot.clear();
        let new = slot.request("apps");
        assert_ne!(old, new);
        assert!(
            !slot.complete(old, 1),
            "a request from before the clear is stale"
        );
        assert_eq!(slot.answer_for(&"apps"), None);
        assert!(slot.complete(new, 2));
    }
}
