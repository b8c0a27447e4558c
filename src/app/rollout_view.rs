//! The revision rollout of the selected source as detail-pane lines, and the short form for its navigator row
//! (`graph::rollout` computes it; this only words it). Names are sanitised here: they come from the cluster.

use super::state::State;
use crate::flux::ResourceRef;
use crate::graph::rollout::{Rollout, is_source};
use crate::text::sanitize_line;

/// How many lagging consumers the detail pane lists before "… and N more".
pub const LAGGING_SHOWN: usize = 8;

/// `(label, value)` lines for the detail pane: `Rollout 7/12 at main@sha1:…`, then one line per lagging
/// consumer with what it is doing. Empty for non-sources and sources nothing consumes.
#[must_use]
pub fn fields(state: &State, r: &ResourceRef) -> Vec<(String, String)> {
    if !is_source(r.kind) {
        return Vec::new();
    }
    let Some(rollout) = state.graph.rollout(r) else {
        return Vec::new();
    };
    lines(&rollout)
}

/// The detail-pane lines of a rollout.
#[must_use]
pub fn lines(rollout: &Rollout) -> Vec<(String, String)> {
    let mut out = vec![(
        "Rollout".to_owned(),
        sanitize_line(&rollout.to_string()).into_owned(),
    )];
    let lagging: Vec<_> = rollout.lagging().collect();
    for (i, c) in lagging.iter().take(LAGGING_SHOWN).enumerate() {
        let what = c.lag.map_or("", |l| l.label());
        let tried = if c.attempted { ", tried it" } else { "" };
        let at =
            c.at.as_deref()
                .map(|a| format!(", at {}", crate::graph::rollout::short_revision(a)))
                .unwrap_or_default();
        out.push((
            if i == 0 { "Lagging" } else { "" }.to_owned(),
            sanitize_line(&format!("{} ({what}{tried}{at})", c.consumer)).into_owned(),
        ));
    }
    if lagging.len() > LAGGING_SHOWN {
        out.push((
            String::new(),
            format!("… and {} more", lagging.len() - LAGGING_SHOWN),
        ));
    }
    out
}

/// The navigator suffix of a source row while its newest revision is still rolling out (` 7/12`), else empty.
#[must_use]
pub fn row_suffix(state: &State, r: &ResourceRef) -> String {
    if !is_source(r.kind) {
        return String::new();
    }
    match state.graph.rollout(r) {
        Some(ro) if !ro.complete() => format!(" ⇣ {}/{}", ro.applied(), ro.consumers.len()),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flux::FluxKind;
    use crate::graph::rollout::{ConsumerRollout, Lag};

    fn consumer(i: usize, lag: Option<Lag>) -> ConsumerRollout {
        ConsumerRollout {
            consumer: ResourceRef::new(
                FluxKind::Kustomization,
                "ns",
                format!("ks-{i:02}\u{1b}[2J"),
            ),
            lag,
            at: lag.map(|_| "main@sha1:0123456789abcdef0123".to_owned()),
            attempted: i == 0,
        }
    }

    #[test]
    fn lines_list_the_laggards_sanitised_and_cut_after_eight() {
        let mut consumers: Vec<ConsumerRollout> =
            (0..10).map(|i| consumer(i, Some(Lag::Failing))).collect();
        consumers.push(consumer(10, None));
        let rollout = Rollout {
            source: ResourceRef::new(FluxKind::GitRepository, "ns", "repo"),
            revision: "main@sha1:ffffffffffffffffffffffffffffffffffffffff".into(),
            consumers,
        };
        let out = lines(&rollout);
        assert_eq!(
            out[0],
            (
                "Rollout".to_owned(),
                "1/11 at main@sha1:ffffffffffff".to_owned()
            )
        );
        assert_eq!(out[1].0, "Lagging");
        assert_eq!(
            out[1].1,
            "Kustomization/ns/ks-00 (failing, tried it, at main@sha1:0123456789ab)"
        );
        assert_eq!(out[2].0, "");
        assert_eq!(out.len(), 1 + LAGGING_SHOWN + 1);
        assert_eq!(out.last().map(|l| l.1.as_str()), Some("… and 2 more"));
        assert!(out.iter().all(|(_, v)| !v.contains('\u{1b}')));
    }
}
