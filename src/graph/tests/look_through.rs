//! Root causes look through a `Failing` object whose upstream is broken (see `graph::root_cause`), and the
//! cached answers stay equal to a fresh build when the upstream breaks or recovers.

use super::*;
use crate::graph::root_cause::CauseClass;

fn auth_failing() -> Value {
    json!({"conditions": [{"type": "Ready", "status": "False", "reason": "AuthenticationFailed",
        "message": "failed to checkout and determine revision: unable to clone: authentication required"}]})
}

/// Failing for a reason the status derivation cannot tell apart from an own fault ("Source artifact not
/// found" is already Blocked there).
fn decrypt_failing() -> Value {
    json!({"conditions": [{"type": "Ready", "status": "False", "reason": "ReconciliationFailed",
        "message": "decryption failed for 'db-credentials': no key could decrypt the data"}]})
}

fn in_progress() -> Value {
    json!({"conditions": [
        {"type": "Ready", "status": "Unknown", "reason": "Progressing", "message": "reconciliation in progress"},
        {"type": "Reconciling", "status": "True", "reason": "Progressing", "message": "reconciliation in progress"}
    ]})
}

fn health(g: &Graph, r: &ResourceRef) -> Option<Health> {
    g.node(r).and_then(|n| n.health)
}

/// Checks the incremental graph against a fresh build of `objects`.
fn assert_same_as_scratch(g: &Graph, objects: &[FluxObject], when: &str) {
    let scratch = Graph::build(objects.iter().cloned());
    if let Some(d) = first_difference(g, &scratch) {
        panic!("{when}: {d}");
    }
    assert_eq!(*g, scratch, "{when}");
}

#[test]
fn failing_object_whose_source_cannot_authenticate_points_at_the_source() {
    let g = Graph::build([
        git("platform-secrets", auth_failing()),
        ks("secrets", "platform-secrets", &[], decrypt_failing()),
        ks("apps", "ok", &["secrets"], blocked()),
        git("ok", ready()),
    ]);
    let src = git_ref("platform-secrets");
    assert_eq!(health(&g, &ks_ref("secrets")), Some(Health::Failing));
    assert_eq!(g.cause_class(&ks_ref("secrets")), Some(CauseClass::Failing));
    assert_eq!(
        g.root_causes(&ks_ref("secrets")),
        std::slice::from_ref(&src)
    );
    assert_eq!(g.root_causes(&ks_ref("apps")), std::slice::from_ref(&src));
    assert_eq!(g.root_causes(&src), std::slice::from_ref(&src));
}

#[test]
fn failing_object_with_ready_or_merely_in_progress_upstream_is_its_own_cause() {
    let g = Graph::build([
        git("repo", ready()),
        git("slow", in_progress()),
        ks("a", "repo", &[], failing()),
        ks("b", "slow", &[], failing()),
        ks("c", "repo", &["a"], blocked()),
    ]);
    assert_eq!(health(&g, &git_ref("slow")), Some(Health::InProgress));
    for n in ["a", "b"] {
        assert_eq!(g.root_causes(&ks_ref(n)), &[ks_ref(n)], "{n}");
    }
    assert_eq!(g.root_causes(&ks_ref("c")), &[ks_ref("a")]);
}

#[test]
fn chain_of_failing_objects_is_looked_through_to_the_first_one() {
    // a fails because its source does, b (dependsOn a) fails too; both point at the source.
    let g = Graph::build([
        git("repo", auth_failing()),
        ks("a", "repo", &[], decrypt_failing()),
        ks("b", "other", &["a"], failing()),
        git("other", ready()),
    ]);
    for n in ["a", "b"] {
        assert_eq!(g.root_causes(&ks_ref(n)), &[git_ref("repo")], "{n}");
    }
}

#[test]
fn failing_object_takes_every_broken_upstream_and_a_dangling_reference_counts() {
    let g = Graph::build([
        git("repo", auth_failing()),
        ks("x", "repo", &[], blocked()),
        ks("apps", "missing", &["x", "fine"], failing()),
        ks("fine", "repo-ok", &[], ready()),
        git("repo-ok", ready()),
    ]);
    assert_eq!(
        g.root_causes(&ks_ref("apps")),
        &[git_ref("missing"), git_ref("repo")]
    );
}

#[test]
fn stalled_and_suspended_objects_stay_their_own_cause_under_a_broken_upstream() {
    let mut paused = ks("paused", "repo", &[], failing());
    paused.spec.suspend = Some(true);
    let g = Graph::build([
        git("repo", auth_failing()),
        ks("stuck", "repo", &[], stalled()),
        paused,
        ks("apps", "ok", &["stuck", "paused"], blocked()),
        git("ok", ready()),
    ]);
    assert_eq!(health(&g, &ks_ref("stuck")), Some(Health::Stalled));
    assert_eq!(g.root_causes(&ks_ref("stuck")), &[ks_ref("stuck")]);
    assert_eq!(g.root_causes(&ks_ref("paused")), &[ks_ref("paused")]);
    assert_eq!(
        g.root_causes(&ks_ref("apps")),
        &[ks_ref("paused"), ks_ref("stuck")]
    );
}

#[test]
fn health_check_on_a_failing_release_points_at_the_release() {
    let mut infra = ks("infra", "repo", &[], failing());
    infra.spec.health_checks = vec![serde_json::from_value(json!(
        {"apiVersion": "helm.toolkit.fluxcd.io/v2", "kind": "HelmRelease", "name": "web", "namespace": "apps"}
    ))
    .unwrap()];
    let g = Graph::build([
        git("repo", ready()),
        infra,
        hr("web", "charts", failing()),
        obj(json!({
            "apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "HelmRepository",
            "metadata": {"name": "charts", "namespace": "flux-system"},
            "spec": {"url": "https://charts.example.com"}, "status": ready()
        })),
    ]);
    let web = r(FluxKind::HelmRelease, "apps", "web");
    assert_eq!(g.root_causes(&web), std::slice::from_ref(&web));
    assert_eq!(g.root_causes(&ks_ref("infra")), std::slice::from_ref(&web));
}

#[test]
fn cycle_of_failing_objects_blames_what_it_waits_on_else_its_failing_members() {
    let g = Graph::build([
        git("repo", ready()),
        ks("a", "repo", &["b"], failing()),
        ks("b", "repo", &["a"], failing()),
        ks("c", "repo", &["a"], blocked()),
    ]);
    for n in ["a", "b", "c"] {
        assert_eq!(
            g.root_causes(&ks_ref(n)),
            &[ks_ref("a"), ks_ref("b")],
            "{n}"
        );
    }
    let g = Graph::build([
        git("repo", auth_failing()),
        ks("a", "repo", &["b"], failing()),
        ks("b", "repo", &["a"], blocked()),
    ]);
    for n in ["a", "b"] {
        assert_eq!(g.root_causes(&ks_ref(n)), &[git_ref("repo")], "{n}");
    }
}

#[test]
fn source_breaking_and_recovering_moves_the_cause_of_failing_dependents_incrementally() {
    let healthy = vec![
        git("platform-secrets", ready()),
        ks("secrets", "platform-secrets", &[], decrypt_failing()),
        ks("apps", "platform-secrets", &["secrets"], failing()),
        ks("web", "ok", &["apps"], blocked()),
        git("ok", ready()),
    ];
    let mut g = Graph::build(healthy.clone());
    assert_eq!(g.root_causes(&ks_ref("web")), &[ks_ref("secrets")]);
    // The source breaks: every failing object downstream now points at it.
    let mut broken = healthy.clone();
    broken[0] = git("platform-secrets", auth_failing());
    assert!(g.upsert(broken[0].clone()));
    assert_same_as_scratch(&g, &broken, "after the source broke");
    for n in ["secrets", "apps", "web"] {
        assert_eq!(
            g.root_causes(&ks_ref(n)),
            &[git_ref("platform-secrets")],
            "{n}"
        );
    }
    // It stalls (own failure, still not ready): unchanged answers downstream.
    let mut stalled_src = healthy.clone();
    stalled_src[0] = git("platform-secrets", stalled());
    assert!(g.upsert(stalled_src[0].clone()));
    assert_same_as_scratch(&g, &stalled_src, "after the source stalled");
    // It recovers: the failing Kustomization is its own cause again.
    assert!(g.upsert(healthy[0].clone()));
    assert_same_as_scratch(&g, &healthy, "after the source recovered");
    assert_eq!(g.root_causes(&ks_ref("secrets")), &[ks_ref("secrets")]);
    // It is deleted: the dangling reference is the cause.
    assert!(g.remove(&git_ref("platform-secrets")));
    assert_same_as_scratch(&g, &healthy[1..], "after the source was removed");
    assert_eq!(
        g.root_causes(&ks_ref("web")),
        &[git_ref("platform-secrets")]
    );
    // The middle object recovers: what is below it is shielded again.
    let mut later = healthy[1..].to_vec();
    later[1] = ks("apps", "platform-secrets", &["secrets"], ready());
    assert!(g.upsert(later[1].clone()));
    assert_same_as_scratch(&g, &later, "after apps turned ready");
    assert!(g.root_causes(&ks_ref("web")).is_empty());
}

#[test]
fn incremental_answers_match_a_fresh_build_on_more_random_histories() {
    // The random fleet mixes Failing, Stalled, Blocked, Ready and Unknown objects, so failing objects with a
    // broken upstream (look-through) come up at every step.
    for seed in 100..=105 {
        check_incremental_matches_scratch(seed);
    }
}
