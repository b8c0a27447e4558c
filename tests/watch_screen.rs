//! `fluxops watch`, the wall display, drawn on ratatui's TestBackend from the console fixture fleet with a fixed
//! clock: snapshots at 80x24, 160x48 and 300x80 and of the STALE screen; what the pure core does with the
//! pipeline's events (transitions in the ticker, trend, pages rotating, keys that do nothing).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

mod support;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use fluxops::app::State;
use fluxops::cluster::ClusterEvent;
use fluxops::config::Config;
use fluxops::flux::{FluxKind, FluxObject};
use fluxops::watch::view::{self, WallView};
use fluxops::watch::wall::{Effect, Wall, WallMsg, update};
use k8s_openapi::jiff::SignedDuration;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::sync::Arc;
use std::time::Duration;
use support::console::{events, fleet, labels, now};

fn wall_with(objects: Vec<FluxObject>) -> Wall {
    let mut config = Config::builtin();
    let (theme, problems) =
        fluxops::watch::theme(&config, None, std::path::Path::new("theme.yaml"));
    assert!(problems.is_empty(), "{problems:?}");
    config.theme = theme;
    let mut wall = Wall::new(State::new(config, labels()), Duration::from_secs(15));
    let start = now() - SignedDuration::from_mins(20);
    update(&mut wall, WallMsg::Tick(start));
    for obj in objects {
        update(
            &mut wall,
            WallMsg::Cluster(ClusterEvent::Upserted(Arc::new(obj))),
        );
    }
    for kind in FluxKind::ALL {
        update(
            &mut wall,
            WallMsg::Cluster(ClusterEvent::KindSynced {
                kind,
                api_version: format!("{}/{}", kind.group(), kind.versions()[0]),
            }),
        );
    }
    for ev in events() {
        update(
            &mut wall,
            WallMsg::Cluster(ClusterEvent::Event(Arc::new(ev))),
        );
    }
    wall
}

/// The fixture fleet, synced 20 minutes before `now()`, then one Ready object turned failing 3 minutes before
/// and one deleted 1 minute before (the ticker and the trend have something to say).
fn loaded_wall() -> Wall {
    let objects = fleet();
    let mut wall = wall_with(objects.clone());
    // The trend's first sample: the fleet as listed.
    update(
        &mut wall,
        WallMsg::Tick(now() - SignedDuration::from_mins(19)),
    );
    let ready: Vec<&FluxObject> = objects
        .iter()
        .filter(|o| {
            o.resource_ref().is_some_and(|r| {
                wall.app.objects.get(&r).map(|e| e.status.health)
                    == Some(fluxops::flux::Health::Ready)
            })
        })
        .collect();
    assert!(ready.len() >= 2, "the fixture has Ready objects");
    let mut failing = ready[0].clone();
    for c in &mut failing.status.conditions {
        if c.type_ == "Ready" {
            c.status = "False".to_owned();
            c.reason = "HealthCheckFailed".to_owned();
            c.message = "health check failed after 5m0s: timeout waiting for: [Deployment/apps/web status: 'InProgress']".to_owned();
            c.last_transition_time = Some((now() - SignedDuration::from_mins(3)).to_string());
        }
    }
    update(
        &mut wall,
        WallMsg::Tick(now() - SignedDuration::from_mins(3)),
    );
    update(
        &mut wall,
        WallMsg::Cluster(ClusterEvent::Upserted(Arc::new(failing))),
    );
    update(
        &mut wall,
        WallMsg::Tick(now() - SignedDuration::from_mins(1)),
    );
    let gone = ready[1].resource_ref().unwrap();
    update(&mut wall, WallMsg::Cluster(ClusterEvent::Deleted(gone)));
    update(&mut wall, WallMsg::Tick(now()));
    wall
}

fn render(wall: &mut Wall, width: u16, height: u16) -> (Terminal<TestBackend>, WallView) {
    update(wall, WallMsg::Resize { width, height });
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    let view = view::build(wall, now(), width, height);
    let theme = wall.app.theme;
    terminal
        .draw(|f| fluxops::ui::watch::draw(f, &theme, &view))
        .unwrap();
    (terminal, view)
}

fn screen_text(terminal: &Terminal<TestBackend>) -> String {
    let buffer = terminal.backend().buffer();
    let mut out = String::new();
    for y in 0..buffer.area.height {
        for x in 0..buffer.area.width {
            out.push_str(buffer[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

#[test]
fn wall_80x24() {
    let mut wall = loaded_wall();
    let (terminal, _) = render(&mut wall, 80, 24);
    insta::assert_snapshot!(terminal.backend());
}

#[test]
fn wall_160x48() {
    let mut wall = loaded_wall();
    let (terminal, _) = render(&mut wall, 160, 48);
    insta::assert_snapshot!(terminal.backend());
}

#[test]
fn wall_300x80() {
    let mut wall = loaded_wall();
    let (terminal, _) = render(&mut wall, 300, 80);
    insta::assert_snapshot!(terminal.backend());
}

#[test]
fn stale_full_screen_160x48() {
    let mut wall = loaded_wall();
    for kind in FluxKind::ALL {
        update(
            &mut wall,
            WallMsg::Cluster(ClusterEvent::Degraded {
                kind,
                error: "cannot reach the API server: Connection refused (os error 111)".to_owned(),
                since: "2026-11-24T03:29:12Z".to_owned(),
            }),
        );
    }
    let (terminal, view) = render(&mut wall, 160, 48);
    let text = screen_text(&terminal);
    assert!(text.contains("STALE since 03:29"), "{text}");
    // Nothing of the (possibly wrong) data is on the screen, only the notice and the clock.
    assert!(!text.contains("ROOT CAUSES"), "{text}");
    assert!(view.stale.is_some());
    insta::assert_snapshot!(terminal.backend());
    // It goes away by itself when the watches recover.
    for kind in FluxKind::ALL {
        update(&mut wall, WallMsg::Cluster(ClusterEvent::Recovered(kind)));
    }
    let (terminal, view) = render(&mut wall, 160, 48);
    assert!(view.stale.is_none());
    assert!(screen_text(&terminal).contains("ROOT CAUSES"));
}

#[test]
fn one_kind_failing_is_a_header_notice_not_the_stale_screen() {
    let mut wall = loaded_wall();
    update(
        &mut wall,
        WallMsg::Cluster(ClusterEvent::Degraded {
            kind: FluxKind::HelmRelease,
            error: "the server is currently unable to handle the request".to_owned(),
            since: "2026-11-24T03:28:00Z".to_owned(),
        }),
    );
    let (terminal, view) = render(&mut wall, 120, 30);
    assert!(view.stale.is_none());
    let text = screen_text(&terminal);
    assert!(text.contains("STALE since 03:28"), "{text}");
    assert!(text.contains("ROOT CAUSES"), "{text}");
}

#[test]
fn transitions_after_the_first_listing_reach_the_ticker_newest_first() {
    let wall = loaded_wall();
    let seen: Vec<_> = wall.ticker.iter().map(|t| (t.from, t.to)).collect();
    use fluxops::flux::Health::{Failing, Ready};
    assert_eq!(
        seen,
        vec![(Some(Ready), None), (Some(Ready), Some(Failing))]
    );
    // The first listing itself is not news.
    assert_eq!(wall_with(fleet()).ticker.len(), 0);
}

#[test]
fn the_trend_compares_with_the_fleet_15_minutes_ago() {
    let mut wall = loaded_wall();
    let (_, view) = render(&mut wall, 160, 48);
    let failing = view
        .tiles
        .iter()
        .find(|t| t.label.contains("Failing"))
        .unwrap();
    assert!(failing.trend.starts_with("▲1"), "{failing:?}");
    let ready = view
        .tiles
        .iter()
        .find(|t| t.label.contains("Ready"))
        .unwrap();
    assert!(ready.trend.starts_with("▼2"), "{ready:?}");
}

#[test]
fn pages_rotate_with_the_clock_when_the_lists_do_not_fit() {
    // Many root causes on a small screen: several pages, changing every 15 s.
    let mut objects = Vec::new();
    for i in 0..30 {
        let mut o = fleet()
            .into_iter()
            .find(|o| o.kind == "GitRepository")
            .unwrap();
        o.metadata.name = Some(format!("repo-{i:02}"));
        o.status.conditions = vec![fluxops::flux::api::Condition {
            type_: "Ready".to_owned(),
            status: "False".to_owned(),
            reason: "GitOperationFailed".to_owned(),
            message: "authentication required".to_owned(),
            ..Default::default()
        }];
        objects.push(o);
    }
    let mut wall = wall_with(objects);
    update(&mut wall, WallMsg::Tick(now()));
    let first = view::build(&mut wall, now(), 80, 24);
    assert!(first.page.1 > 1, "{:?}", first.page);
    assert_eq!(first.page.0, 1);
    let started = wall.started.unwrap();
    let later = view::build(&mut wall, started + SignedDuration::from_secs(16), 80, 24);
    assert_eq!(later.page.0, 2);
    assert_ne!(first.columns, later.columns);
    // Wide enough and tall enough: one page.
    let big = view::build(&mut wall, now(), 300, 80);
    assert_eq!(big.page, (1, 1));
}

#[test]
fn only_q_ctrl_c_and_ctrl_z_mean_anything() {
    let mut wall = loaded_wall();
    let key = |code, modifiers| WallMsg::Key(KeyEvent::new(code, modifiers));
    for code in [
        KeyCode::Char('s'),
        KeyCode::Char('r'),
        KeyCode::Char('x'),
        KeyCode::Char('a'),
        KeyCode::Enter,
        KeyCode::Delete,
        KeyCode::Char(':'),
        KeyCode::Char('y'),
    ] {
        assert!(update(&mut wall, key(code, KeyModifiers::NONE)).is_empty());
    }
    assert_eq!(
        update(&mut wall, key(KeyCode::Char('q'), KeyModifiers::NONE)),
        vec![Effect::Quit]
    );
    assert_eq!(
        update(&mut wall, key(KeyCode::Char('c'), KeyModifiers::CONTROL)),
        vec![Effect::Quit]
    );
    assert_eq!(
        update(&mut wall, key(KeyCode::Char('z'), KeyModifiers::CONTROL)),
        vec![Effect::Suspend]
    );
}
