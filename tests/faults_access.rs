//! Fault injection, access: a kind the user may not list (RBAC) and a kind whose CRD disappears, through the real
//! watchers into the real app state. A reference into a kind that cannot be read is "unknown (no access)", never
//! missing; objects of a kind that became forbidden stay on screen marked stale; access granted again shows within
//! seconds.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

mod support;

use fluxops::app::detail_view;
use fluxops::cluster::KindProblem;
use fluxops::flux::{FluxKind, ResourceRef};
use fluxops::graph::{GraphWarning, NodeState};
use fluxops::sim::SimOptions;
use fluxops::sim::fault::Fault;
use fluxops::sim::resource::GroupResource;
use std::time::Duration;
use support::pipeline::{Console, Server, fleet};

const CONVERGE: Duration = Duration::from_secs(30);

fn charts() -> ResourceRef {
    ResourceRef::new(FluxKind::HelmRepository, "flux-system", "charts")
}

fn settled(c: &mut Console) -> bool {
    FluxKind::ALL.iter().all(|k| {
        !matches!(
            c.state.kinds.get(k),
            None | Some(fluxops::app::state::KindState::Pending)
        )
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reference_into_a_forbidden_kind_is_unknown_no_access_never_missing() {
    let options = SimOptions {
        forbidden: vec![GroupResource::flux(FluxKind::HelmRepository)],
        ..SimOptions::default()
    };
    let server = Server::start(options, &fleet()).await;
    let mut console = Console::start(&server).await;
    console.until("every kind settled", CONVERGE, settled).await;
    assert!(matches!(
        console.state.kinds.get(&FluxKind::HelmRepository),
        Some(fluxops::app::state::KindState::Unavailable {
            problem: KindProblem::Forbidden(_),
            ..
        })
    ));
    // The HelmReleases point at a HelmRepository the console may not list.
    let node = console.state.graph.node(&charts()).expect("a placeholder");
    assert_eq!(node.state, NodeState::NoAccess);
    assert!(
        !console
            .state
            .graph
            .warnings()
            .iter()
            .any(|w| matches!(w, GraphWarning::Dangling(d) if d.target == charts())),
        "not reported as referenced-but-missing"
    );
    let reason = console.row_reason(&charts());
    assert!(reason.starts_with("unknown (no access)"), "{reason}");
    assert!(
        !reason.contains("not found") && !reason.contains("missing"),
        "{reason}"
    );
    let detail = detail_view::build(
        &console.state,
        &charts(),
        k8s_openapi::jiff::Timestamp::now(),
    );
    let fields: Vec<String> = detail
        .fields
        .iter()
        .map(|(k, v)| format!("{k}: {v}"))
        .collect();
    assert!(
        fields.iter().any(|f| f == "Problem: unknown (no access)"),
        "{fields:#?}"
    );
    // A HelmRelease waiting on it is not blamed on a "missing" source.
    let release = ResourceRef::new(FluxKind::HelmRelease, "team-a", "chart-0");
    assert!(
        !console
            .state
            .graph
            .root_causes(&release)
            .contains(&charts()),
        "an unreadable object is no root cause"
    );
    let banners = console.banners().join("\n");
    assert!(
        banners.contains("HelmRepository: access forbidden"),
        "{banners}"
    );
    console.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kind_forbidden_while_running_keeps_its_objects_marked_stale_until_access_returns() {
    let server = Server::start(SimOptions::default(), &fleet()).await;
    let mut console = Console::start(&server).await;
    console.until("live", CONVERGE, Console::is_live).await;
    let app0 = ResourceRef::new(FluxKind::Kustomization, "team-a", "app-0");
    let kustomizations = console
        .state
        .objects
        .keys()
        .filter(|r| r.kind == FluxKind::Kustomization)
        .count();

    server
        .sim()
        .handle()
        .set_fault(&Fault::Forbid(FluxKind::Kustomization), true);
    // The open watch keeps delivering until it is dropped or re-started; drop it as RBAC revocation does on a
    // real server at the next request.
    server.sim().handle().drop_watches();
    console
        .until("Kustomization forbidden", Duration::from_secs(10), |c| {
            c.count_logged("KindUnavailable Kustomization Forbidden") > 0
        })
        .await;
    assert!(console.is_stale(), "{:?}", console.connection());
    let reason = console.row_reason(&app0);
    assert!(reason.contains("stale"), "{reason}");
    let banners = console.banners().join("\n");
    assert!(
        banners.contains(&format!("{kustomizations} Kustomizations shown are stale")),
        "{banners}"
    );
    assert_eq!(
        console
            .state
            .objects
            .keys()
            .filter(|r| r.kind == FluxKind::Kustomization)
            .count(),
        kustomizations,
        "kept, not dropped"
    );
    let detail = detail_view::build(&console.state, &app0, k8s_openapi::jiff::Timestamp::now());
    assert!(
        detail
            .fields
            .iter()
            .any(|(k, v)| k == "Data" && v.contains("stale")),
        "{:#?}",
        detail.fields
    );

    server
        .sim()
        .handle()
        .set_fault(&Fault::Forbid(FluxKind::Kustomization), false);
    let took = console
        .until("live again", Duration::from_secs(20), Console::is_live)
        .await;
    println!("access granted: live again after {took:?}");
    assert!(took <= Duration::from_secs(12), "{took:?}");
    assert!(!console.row_reason(&app0).contains("stale"));
    assert_eq!(console.count_logged("Deleted"), 0);
    console.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crd_removed_and_installed_again_is_shown_and_picked_up() {
    let server = Server::start(SimOptions::default(), &fleet()).await;
    let mut console = Console::start(&server).await;
    console.until("live", CONVERGE, Console::is_live).await;
    server
        .sim()
        .handle()
        .set_fault(&Fault::HideCrd(FluxKind::HelmRelease), true);
    console
        .until("HelmRelease missing", Duration::from_secs(15), |c| {
            c.count_logged("KindUnavailable HelmRelease MissingCrd") > 0
        })
        .await;
    let banners = console.banners().join("\n");
    assert!(banners.contains("CRD not installed"), "{banners}");
    server
        .sim()
        .handle()
        .set_fault(&Fault::HideCrd(FluxKind::HelmRelease), false);
    console
        .until("HelmRelease back", Duration::from_secs(30), |c| {
            c.count_logged("Recovered HelmRelease") > 0 && c.is_live()
        })
        .await;
    console.stop().await;
}
