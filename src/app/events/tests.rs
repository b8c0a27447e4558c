use super::*;
use crate::flux::{EventType, FluxKind};

fn ev(name: &str, uid: &str, message: &str) -> Arc<FluxEvent> {
    Arc::new(FluxEvent {
        involved: ResourceRef::new(FluxKind::Kustomization, "ns", name),
        type_: EventType::Normal,
        reason: "Progressing".to_owned(),
        message: message.to_owned(),
        last_seen: None,
        first_seen: None,
        count: 1,
        source: "kustomize-controller".to_owned(),
        uid: uid.to_owned(),
    })
}

fn r(name: &str) -> ResourceRef {
    ResourceRef::new(FluxKind::Kustomization, "ns", name)
}

#[test]
fn a_known_object_keeps_its_newest_events_and_an_update_replaces_its_copy() {
    let mut store = EventStore::new();
    for i in 0..30 {
        store.record(ev("a", &format!("e{i}"), "m"), true, false);
    }
    assert_eq!(
        store.get(&r("a")).map(VecDeque::len),
        Some(EVENTS_PER_OBJECT)
    );
    assert_eq!(store.len(), EVENTS_PER_OBJECT);
    store.record(ev("a", "e29", "again"), true, false);
    let ring = store.get(&r("a")).unwrap();
    assert_eq!(ring.len(), EVENTS_PER_OBJECT);
    assert_eq!(ring.back().unwrap().message, "again");
    assert_eq!(store.len(), EVENTS_PER_OBJECT);
    store.remove(&r("a"));
    assert!(store.get(&r("a")).is_none());
    assert!(store.is_empty());
}

#[test]
fn events_about_objects_never_seen_stay_within_the_pending_bound() {
    let mut store = EventStore::new();
    for i in 0..20_000 {
        store.record(
            ev(&format!("ghost-{i}"), &format!("e{i}"), "x"),
            false,
            false,
        );
        store.record(ev("ghost-0", &format!("g{i}"), "x"), false, false);
    }
    assert!(store.pending_objects() <= PENDING_OBJECTS);
    assert!(
        store.len() <= PENDING_OBJECTS * PENDING_PER_OBJECT,
        "{}",
        store.len()
    );
    assert!(
        store.get(&r("ghost-19999")).is_none(),
        "pending events are not an object's events"
    );
}

#[test]
fn pending_events_become_the_objects_when_it_appears_and_go_when_it_is_deleted() {
    let mut store = EventStore::new();
    for i in 0..3 {
        store.record(ev("late", &format!("e{i}"), "m"), false, false);
    }
    let adopted = store.adopt(&r("late"));
    assert_eq!(adopted.len(), 3);
    assert_eq!(store.get(&r("late")).map(VecDeque::len), Some(3));
    assert_eq!(store.pending_objects(), 0);
    assert_eq!(store.len(), 3);
    store.record(ev("gone", "e", "m"), false, false);
    store.remove(&r("gone"));
    assert_eq!(store.pending_objects(), 0);
    assert_eq!(store.len(), 3);
}

#[test]
fn while_the_first_lists_come_in_an_unseen_object_keeps_a_known_objects_share_then_the_small_one() {
    let mut store = EventStore::new();
    for i in 0..EVENTS_PER_OBJECT {
        store.record(ev("unlisted", &format!("e{i}"), "m"), false, true);
    }
    assert_eq!(store.len(), EVENTS_PER_OBJECT);
    assert_eq!(store.adopt(&r("unlisted")).len(), EVENTS_PER_OBJECT);
    for i in 0..EVENTS_PER_OBJECT {
        store.record(ev("never", &format!("e{i}"), "m"), false, true);
    }
    // The lists are in: what still waits is cut to the small bound.
    store.record(ev("other", "e", "m"), false, false);
    assert_eq!(store.len(), EVENTS_PER_OBJECT + PENDING_PER_OBJECT + 1);
}

#[test]
fn the_total_is_bounded_oldest_first() {
    let mut store = EventStore::new();
    let objects = MAX_EVENTS / EVENTS_PER_OBJECT + 10;
    for o in 0..objects {
        for i in 0..EVENTS_PER_OBJECT {
            store.record(ev(&format!("o{o}"), &format!("e{i}"), "m"), true, false);
        }
    }
    assert_eq!(store.len(), MAX_EVENTS);
    // The first objects' events were the oldest: they went first.
    assert!(store.get(&r("o0")).is_none());
    assert_eq!(
        store
            .get(&r(&format!("o{}", objects - 1)))
            .map(VecDeque::len),
        Some(EVENTS_PER_OBJECT)
    );
}

#[test]
fn long_texts_are_cut_at_a_character_boundary() {
    let mut store = EventStore::new();
    let long = "é".repeat(MAX_MESSAGE_BYTES);
    let kept = store.record(ev("a", "e", &long), true, false);
    assert!(kept.message.len() <= MAX_MESSAGE_BYTES + '…'.len_utf8());
    assert!(kept.message.ends_with('…'));
    assert!(store.text_bytes() < MAX_MESSAGE_BYTES + 200);
}
