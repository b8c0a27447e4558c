//! Issue 8 item 8: 20,000 Events about objects that do not exist once added 52 MB to the console. The process's
//! resident memory is read around the flood (one test in this binary, so nothing else runs meanwhile); the
//! retained events themselves are counted in `tests/app_update.rs`.

#![allow(clippy::unwrap_used, reason = "a failed unwrap is a failed test")]

mod support;

use fluxops::app::{Msg, update};
use fluxops::cluster::ClusterEvent;
use fluxops::flux::FluxKind;
use std::sync::Arc;
use support::console::loaded_state;
use support::objects::r;

/// `VmRSS` of this process, in KiB.
fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[cfg(target_os = "linux")]
#[test]
fn twenty_thousand_events_about_objects_that_do_not_exist_cost_a_few_megabytes_not_fifty() {
    let mut state = loaded_state();
    let template = support::console::events().remove(0);
    let before = rss_kib();
    for i in 0..20_000 {
        let mut ev = template.clone();
        ev.involved = r(FluxKind::Kustomization, "ghosts", &format!("ghost-{i}"));
        ev.uid = format!("ghosts/ev-{i}");
        ev.message = "x".repeat(2_600);
        update(&mut state, Msg::Cluster(ClusterEvent::Event(Arc::new(ev))));
    }
    let grown = rss_kib().saturating_sub(before);
    println!(
        "20,000 events about objects that do not exist: resident memory +{grown} KiB, {} events kept",
        state.events.len()
    );
    // Unbounded, the flood keeps ~52 MB (2.6 kB messages plus bookkeeping); bounded, the pending set holds at
    // most 256 objects x 5 events.
    assert!(grown < 16 * 1024, "resident memory grew {grown} KiB");
}
