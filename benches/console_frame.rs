//! Frame time while actions run (issue 9: "console frame time unchanged while 20 actions run"): one frame
//! (`view::build` + `ui::draw` on a 160x48 test terminal) of the tree on the 10,000-object synthetic fleet with no
//! execution, the same with 20 running executions (200 log lines each) receiving one status update per frame,
//! and the Jobs screen itself with those 20.
//!
//! `cargo bench --bench console_frame`.

use criterion::{Criterion, criterion_group, criterion_main};
use fluxops::actions::{ExecutionId, TargetKind, TargetRef};
use fluxops::app::{Action, Labels, Msg, State, update, view};
use fluxops::cluster::ClusterEvent;
use fluxops::config::Config;
use fluxops::execution::report::LOG_TAIL;
use fluxops::execution::{ExecutionStatus, Phase};
use fluxops::flux::FluxObject;
use fluxops::sim::fleet::{FleetSpec, generate};
use k8s_openapi::jiff::Timestamp;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

const NOW: &str = "2026-11-24T03:30:00Z";

fn fleet_state() -> State {
    let mut state = State::new(
        Config::builtin(),
        Labels {
            context: "bench".into(),
            namespace: None,
        },
    );
    let (objects, _) = generate(&FleetSpec::new(10_000));
    for o in objects {
        if let Ok(obj) = serde_json::from_value::<FluxObject>(o) {
            update(
                &mut state,
                Msg::Cluster(ClusterEvent::Upserted(Arc::new(obj))),
            );
        }
    }
    update(
        &mut state,
        Msg::Resize {
            width: 160,
            height: 48,
        },
    );
    update(&mut state, Msg::Action(Action::ShowTree));
    state
}

fn execution(i: u64, tick: u64) -> ExecutionStatus {
    ExecutionStatus {
        execution: ExecutionId::parse(&format!("{i:012x}")).unwrap_or_else(ExecutionId::random),
        action: "rollout-restart".to_owned(),
        target: TargetRef::namespaced(TargetKind::Deployment, "tenant-001", &format!("web-{i}")),
        operator: "bench@example.com".to_owned(),
        phase: Phase::Running,
        started: format!("2026-11-24T03:{:02}:00Z", 10 + i),
        finished: None,
        job: Some(format!("fluxops-system/fluxops-rollout-restart-{i:012x}")),
        steps: vec!["Job created".to_owned(), "pod running".to_owned()],
        postconditions: Vec::new(),
        log_tail: (0..LOG_TAIL as u64)
            .map(|l| {
                format!(
                    "deployment.apps/web-{i} restarted; waiting for rollout ({})",
                    tick + l
                )
            })
            .collect(),
        rollback_available: false,
    }
}

fn frame(state: &mut State, terminal: &mut Terminal<TestBackend>, now: Timestamp) {
    let view = view::build(state, now);
    let _ = terminal.draw(|f| fluxops::ui::draw(f, &view));
}

fn benches(c: &mut Criterion) {
    let now: Timestamp = NOW.parse().unwrap_or(Timestamp::UNIX_EPOCH);
    let mut g = c.benchmark_group("console_frame");
    g.sample_size(30).measurement_time(Duration::from_secs(8));
    let mut terminal = Terminal::new(TestBackend::new(160, 48)).unwrap_or_else(|_| unreachable!());

    let mut state = fleet_state();
    g.bench_function("tree_frame_no_executions", |b| {
        b.iter(|| frame(&mut state, &mut terminal, now));
    });

    for i in 0..20 {
        update(&mut state, Msg::Execution(execution(i, 0)));
    }
    let mut tick = 0_u64;
    g.bench_function("tree_frame_20_running_one_update_each_frame", |b| {
        b.iter(|| {
            tick += 1;
            update(&mut state, Msg::Execution(execution(tick % 20, tick)));
            frame(&mut state, &mut terminal, now);
        });
    });

    update(&mut state, Msg::Action(Action::ShowJobs));
    g.bench_function("jobs_frame_20_running_one_update_each_frame", |b| {
        b.iter(|| {
            tick += 1;
            update(&mut state, Msg::Execution(execution(tick % 20, tick)));
            frame(&mut state, &mut terminal, now);
            black_box(state.jobs.executions.len())
        });
    });
    g.finish();
}

criterion_group!(console_frame, benches);
criterion_main!(console_frame);
