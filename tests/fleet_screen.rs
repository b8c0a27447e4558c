//! The fleet overview (`fleet`, key `7`) drawn on ratatui's TestBackend from the console fixture fleet with a
//! fixed clock: snapshots at 80x24 and 160x48 of three clusters (one live with failures, one all ready, one
//! unreachable); the console's run loop with two clusters end to end: each cluster's objects stay its own, `7`
//! shows both, `enter` scopes the screens to the selected one.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

mod support;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use fluxops::app::{Labels, State};
use fluxops::cluster::ClusterEvent;
use fluxops::cluster::fleet::{FleetEvent, Tagged};
use fluxops::config::Config;
use fluxops::fleet::{Fleet, FleetMsg, Member, update, view};
use fluxops::flux::{FluxKind, FluxObject, Health};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::sync::Arc;
use std::time::Duration;
use support::console::{fleet as fixture, now};

fn to(cluster: usize, event: ClusterEvent) -> FleetMsg {
    FleetMsg::Cluster(Tagged {
        cluster,
        event: FleetEvent::Cluster(event),
    })
}

fn member(name: &str) -> Member {
    let labels = Labels {
        context: name.to_owned(),
        namespace: None,
    };
    Member::new(name, State::new(Config::builtin(), labels))
}

fn synced(fleet: &mut Fleet, cluster: usize, objects: Vec<FluxObject>) {
    for obj in objects {
        update(fleet, to(cluster, ClusterEvent::Upserted(Arc::new(obj))));
    }
    for kind in FluxKind::ALL {
        let api_version = format!("{}/{}", kind.group(), kind.versions()[0]);
        update(
            fleet,
            to(cluster, ClusterEvent::KindSynced { kind, api_version }),
        );
    }
}

/// prod-eu-1: the fixture fleet (failures and all); staging: its Ready objects only; prod-us-2: the fixture
/// fleet, then its API server stopped answering at 03:12.
fn three() -> Fleet {
    let mut fleet = Fleet::new(vec![
        member("prod-eu-1"),
        member("staging"),
        member("prod-us-2"),
    ]);
    synced(&mut fleet, 0, fixture());
    let ready: Vec<FluxObject> = {
        let probe = &fleet.members[0].state;
        fixture()
            .into_iter()
            .filter(|o| {
                o.resource_ref()
                    .and_then(|r| probe.objects.get(&r))
                    .is_some_and(|e| e.status.health == Health::Ready)
            })
            .collect()
    };
    synced(&mut fleet, 1, ready);
    synced(&mut fleet, 2, fixture());
    for kind in FluxKind::ALL {
        let ev = ClusterEvent::Degraded {
            kind,
            error: "cannot reach the API server: Connection refused (os error 111)".to_owned(),
            since: "2026-11-24T03:12:00Z".to_owned(),
        };
        update(&mut fleet, to(2, ev));
    }
    update(&mut fleet, FleetMsg::Tick(now()));
    for (cluster, latency) in [
        (0, Ok(Duration::from_millis(42))),
        (1, Ok(Duration::from_millis(1350))),
        (2, Err("no answer within 4 s".to_owned())),
    ] {
        let event = FleetEvent::Latency(latency);
        update(&mut fleet, FleetMsg::Cluster(Tagged { cluster, event }));
    }
    let six = KeyEvent::new(KeyCode::Char('7'), KeyModifiers::NONE);
    update(&mut fleet, FleetMsg::Key(six));
    assert!(fleet.overview);
    fleet
}

fn render(fleet: &mut Fleet, width: u16, height: u16) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    let v = view::build(fleet, now(), width, height, true);
    let theme = fleet.members[0].state.theme;
    terminal
        .draw(|f| fluxops::ui::fleet::draw(f, &theme, f.area(), &v))
        .unwrap();
    terminal
}

#[test]
fn fleet_overview_80x24() {
    let mut fleet = three();
    let terminal = render(&mut fleet, 80, 24);
    let screen = terminal.backend().to_string();
    assert!(screen.contains("UNREACHABLE 03:12"), "{screen}");
    insta::assert_snapshot!(terminal.backend());
}

#[test]
fn fleet_overview_160x48() {
    let mut fleet = three();
    let terminal = render(&mut fleet, 160, 48);
    let screen = terminal.backend().to_string();
    assert!(screen.contains("UNREACHABLE since 03:12"), "{screen}");
    // Every cause row names its cluster; the all-ready cluster has none.
    let causes: Vec<&str> = screen
        .lines()
        .skip_while(|l| !l.contains("ROOT CAUSES  OBJECTS  GRAPH  TIMINGS ·"))
        .skip(1)
        .filter(|l| l.contains(" · "))
        .collect();
    assert!(!causes.is_empty(), "{screen}");
    for l in &causes {
        assert!(
            l.contains("prod-eu-1") || l.contains("prod-us-2"),
            "a cause row without its cluster: {l}"
        );
        assert!(!l.contains("staging"), "{l}");
    }
    insta::assert_snapshot!(terminal.backend());
}

fn tab(fleet: &mut Fleet) {
    update(
        fleet,
        FleetMsg::Key(KeyEvent::new(KeyCode::Tab, KeyModifiers::NONE)),
    );
}

/// The rows of the list below the table (after its title, and the timings' header).
fn list_rows(screen: &str, title: &str, header: usize) -> Vec<String> {
    screen
        .lines()
        .map(|l| l.trim_matches('"').to_owned())
        .skip_while(|l| !l.starts_with(title))
        .skip(1 + header)
        .filter(|l| !l.trim().is_empty())
        .collect()
}

/// Every row starts (after the cursor column) with the name of one of the three clusters.
fn each_names_its_cluster(rows: &[String]) {
    for r in rows {
        let after_cursor: String = r.chars().skip(2).collect();
        assert!(
            ["prod-eu-1", "staging", "prod-us-2"]
                .iter()
                .any(|c| after_cursor.starts_with(c)),
            "a row without its cluster: {r}"
        );
    }
}

#[test]
fn every_clusters_objects_80x24() {
    let mut fleet = three();
    tab(&mut fleet);
    tab(&mut fleet);
    let terminal = render(&mut fleet, 80, 24);
    let screen = terminal.backend().to_string();
    let rows = list_rows(&screen, "ROOT CAUSES  OBJECTS", 0);
    assert!(rows.len() >= 10, "{screen}");
    // The worst first, each row naming its cluster; the cursor on the first.
    assert!(rows[0].starts_with("▶ "), "{screen}");
    each_names_its_cluster(&rows);
    assert!(!rows[0].contains("Ready"), "{screen}");
    // The unreachable cluster's rows say they are as last seen; the others' do not.
    for r in &rows {
        assert_eq!(
            r.contains("· stale since 03:12"),
            r.contains("prod-us-2"),
            "{r}"
        );
    }
    // The window says where it is: more rows than fit.
    assert!(screen.contains("every cluster · 1–16 of 32"), "{screen}");
    insta::assert_snapshot!(terminal.backend());
}

#[test]
fn every_clusters_timings_160x48() {
    let mut fleet = three();
    for _ in 0..4 {
        tab(&mut fleet);
    }
    let terminal = render(&mut fleet, 160, 48);
    let screen = terminal.backend().to_string();
    assert!(screen.contains("TIMINGS · every cluster"), "{screen}");
    let rows = list_rows(&screen, "ROOT CAUSES  OBJECTS  GRAPH  TIMINGS", 1);
    assert!(!rows.is_empty(), "{screen}");
    each_names_its_cluster(&rows);
    insta::assert_snapshot!(terminal.backend());
}

#[tokio::test]
async fn the_console_loop_keeps_two_clusters_apart_and_scopes_the_screens_to_one() {
    let (tx, rx) = tokio::sync::mpsc::channel(4096);
    // Cluster 0 has the fixture fleet; cluster 1 only one Kustomization, with a name cluster 0 also has.
    let all = fixture();
    let shared = all
        .iter()
        .find(|o| {
            o.resource_ref()
                .is_some_and(|r| r.kind == FluxKind::Kustomization)
        })
        .cloned()
        .unwrap();
    let shared_name = shared.resource_ref().unwrap().namespaced_name();
    for (cluster, objects) in [(0, all.clone()), (1, vec![shared])] {
        for obj in objects {
            let event = FleetEvent::Cluster(ClusterEvent::Upserted(Arc::new(obj)));
            tx.send(Tagged { cluster, event }).await.unwrap();
        }
    }
    let key = |c: KeyCode| Ok(Event::Key(KeyEvent::new(c, KeyModifiers::NONE)));
    let keys = futures::stream::iter(vec![
        key(KeyCode::Char('7')),
        key(KeyCode::Down),
        key(KeyCode::Enter),
        key(KeyCode::Char('1')),
    ]);
    let delayed = futures::StreamExt::then(keys, |k| async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        k
    });
    let input = futures::StreamExt::chain(
        delayed,
        futures::stream::once(async {
            tokio::time::sleep(Duration::from_millis(300)).await;
            key(KeyCode::Char('q'))
        }),
    );
    let clusters = ["alpha", "beta"]
        .into_iter()
        .map(|name| fluxops::app::fleet_run::Cluster {
            name: name.to_owned(),
            state: State::new(
                Config::builtin(),
                Labels {
                    context: name.to_owned(),
                    namespace: None,
                },
            ),
            control: fluxops::cluster::watch::Control::default(),
            client: None,
            server: String::new(),
            actions: None,
        })
        .collect();
    let tagged =
        futures::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|t| (t, rx)) });
    let mut terminal = Terminal::new(TestBackend::new(120, 30)).unwrap();
    let mut input = Box::pin(input);
    let result = tokio::time::timeout(
        Duration::from_secs(10),
        fluxops::app::fleet_run::run(&mut terminal, &mut input, Box::pin(tagged), clusters),
    )
    .await;
    assert!(
        matches!(result, Ok(Ok(fluxops::app::Exit::Quit))),
        "{result:?}"
    );
    // The last frame: beta's tree, its one object, beta in the status bar; nothing of alpha's.
    let screen = terminal.backend().to_string();
    assert!(screen.contains(&shared_name), "{screen}");
    assert!(screen.contains(" beta "), "{screen}");
    assert!(!screen.contains(" alpha "), "{screen}");
    assert!(
        !screen.contains("flux-system/flux-system") || shared_name == "flux-system/flux-system",
        "{screen}"
    );
    drop(tx);
}

/// The wall with three clusters: the combined page (a row per cluster, read-only, the clock), then each
/// cluster's own wall, one `--rotate` each; `--pages combined` keeps the combined page.
#[test]
fn watch_combined_page_80x24_and_the_pages_in_turn() {
    use fluxops::watch::wall::{Wall, WallMsg, update as wall_update};
    use fluxops::watch::{Pages, Shown, Walls};
    let source = three();
    let mut walls: Vec<Wall> = Vec::new();
    let objects = [fixture(), fixture(), fixture()];
    for (m, objs) in source.members.iter().zip(objects) {
        let mut wall = Wall::new(
            State::new(Config::builtin(), m.state.labels.clone()),
            Duration::from_secs(15),
        );
        wall_update(&mut wall, WallMsg::Tick(now()));
        for obj in objs {
            wall_update(
                &mut wall,
                WallMsg::Cluster(ClusterEvent::Upserted(Arc::new(obj))),
            );
        }
        for kind in FluxKind::ALL {
            let api_version = format!("{}/{}", kind.group(), kind.versions()[0]);
            wall_update(
                &mut wall,
                WallMsg::Cluster(ClusterEvent::KindSynced { kind, api_version }),
            );
        }
        walls.push(wall);
    }
    for kind in FluxKind::ALL {
        let ev = ClusterEvent::Degraded {
            kind,
            error: "cannot reach the API server: Connection refused (os error 111)".to_owned(),
            since: "2026-11-24T03:12:00Z".to_owned(),
        };
        wall_update(&mut walls[2], WallMsg::Cluster(ev));
    }
    let mut all = Walls {
        walls,
        latency: vec![
            Some(Ok(Duration::from_millis(42))),
            Some(Ok(Duration::from_millis(7))),
            None,
        ],
        pages: Pages::Both,
        rotate: Duration::from_secs(15),
    };
    let at = |s: i64| now() + k8s_openapi::jiff::SignedDuration::from_secs(s);
    let shown: Vec<Shown> = [0, 15, 30, 45, 60]
        .into_iter()
        .map(|s| all.shown(at(s)))
        .collect();
    assert_eq!(
        shown,
        [
            Shown::Combined,
            Shown::Cluster(0),
            Shown::Cluster(1),
            Shown::Cluster(2),
            Shown::Combined
        ]
    );
    all.pages = Pages::Combined;
    assert_eq!(all.shown(at(15)), Shown::Combined);
    all.pages = Pages::Clusters;
    assert_eq!(all.shown(at(15)), Shown::Cluster(1));
    let v = all.combined(now(), 80, 24);
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    let theme = all.walls[0].app.theme;
    terminal
        .draw(|f| fluxops::ui::fleet::draw(f, &theme, f.area(), &v))
        .unwrap();
    let screen = terminal.backend().to_string();
    assert!(
        screen.contains("UNREACHABLE 03:12") && screen.contains("read-only"),
        "{screen}"
    );
    insta::assert_snapshot!(terminal.backend());
}

/// The graph of every cluster: each cluster's dependency tree in turn, every row naming its cluster, objects
/// indented under what they wait on (a source at the left, what reads it further in).
#[test]
fn every_clusters_graph_160x48() {
    let mut fleet = three();
    for _ in 0..3 {
        tab(&mut fleet);
    }
    let terminal = render(&mut fleet, 160, 48);
    let screen = terminal.backend().to_string();
    assert!(
        screen.contains("GRAPH  TIMINGS · every cluster"),
        "{screen}"
    );
    let rows = list_rows(&screen, "ROOT CAUSES  OBJECTS  GRAPH  TIMINGS", 0);
    assert!(!rows.is_empty(), "{screen}");
    each_names_its_cluster(&rows);
    // Indented: some row starts further in than the first (a root).
    let start = |r: &str| {
        r.char_indices()
            .skip(12)
            .find(|(_, c)| !c.is_whitespace())
            .map(|(i, _)| i)
    };
    assert!(
        rows.iter()
            .any(|r| start(r.as_str()) > start(rows[0].as_str())),
        "{screen}"
    );
    insta::assert_snapshot!(terminal.backend());
}
