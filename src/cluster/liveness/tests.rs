//! The monitor's schedule under paused tokio time: a scripted probe stands in for the API server, so every bound
//! below is exact, not a timing guess.

use super::*;
use std::sync::atomic::{AtomicUsize, Ordering};

#[derive(Clone, Debug)]
enum Answer {
    Ok,
    Hang,
    Fail(Failure),
}

struct Script {
    answer: Arc<Mutex<Answer>>,
    probes: Arc<AtomicUsize>,
}

impl Script {
    fn set(&self, answer: Answer) {
        *self.answer.lock().unwrap() = answer;
    }
    fn probes(&self) -> usize {
        self.probes.load(Ordering::SeqCst)
    }
}

fn scripted(answer: Answer) -> (Probe, Script) {
    let answer = Arc::new(Mutex::new(answer));
    let probes = Arc::new(AtomicUsize::new(0));
    let (a, p) = (Arc::clone(&answer), Arc::clone(&probes));
    let probe: Probe = Box::new(move |_client| {
        p.fetch_add(1, Ordering::SeqCst);
        let now = a.lock().unwrap().clone();
        Box::pin(async move {
            match now {
                Answer::Ok => Ok(()),
                Answer::Fail(f) => Err(f),
                Answer::Hang => std::future::pending().await,
            }
        })
    });
    (probe, Script { answer, probes })
}

fn slot() -> ClientSlot {
    let config = kube::Config::new("http://127.0.0.1:9".parse().unwrap());
    ClientSlot {
        client: kube::Client::try_from(config).unwrap(),
        credentials: Credentials {
            context: "prod".into(),
            user: "alice".into(),
            method: super::super::credentials::Method::Token { expires: None },
        },
        server: "http://127.0.0.1:9".into(),
        generation: 0,
    }
}

struct Running {
    handle: LinkHandle,
    script: Script,
    events: mpsc::Receiver<ClusterEvent>,
    clients: watch::Sender<ClientSlot>,
    cancel: CancellationToken,
}

fn start(answer: Answer) -> Running {
    let (probe, script) = scripted(answer);
    let (clients, clients_rx) = watch::channel(slot());
    let (tx, events) = mpsc::channel(16);
    let (monitor, handle) = monitor(probe, clients_rx, tx);
    let cancel = CancellationToken::new();
    tokio::spawn(monitor.run(cancel.clone()));
    Running {
        handle,
        script,
        events,
        clients,
        cancel,
    }
}

/// Advances paused time in small steps until `done` holds; returns how long that took.
async fn until(what: &str, limit: Duration, mut done: impl FnMut() -> bool) -> Duration {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() <= limit, "{what} not within {limit:?}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    start.elapsed()
}

fn is_down(h: &LinkHandle) -> bool {
    matches!(h.current().link, Link::Down { .. })
}

#[tokio::test(start_paused = true)]
async fn a_hung_server_is_reported_within_quiet_plus_probe_timeout_of_last_being_heard() {
    let r = start(Answer::Hang);
    r.handle.heartbeat().beat();
    let took = until("down", Duration::from_secs(20), || is_down(&r.handle)).await;
    assert!(
        took >= QUIET + PROBE_TIMEOUT - Duration::from_millis(20),
        "{took:?}"
    );
    assert!(
        took <= QUIET + PROBE_TIMEOUT + Duration::from_millis(50),
        "{took:?}"
    );
    assert!(
        took < Duration::from_secs(5),
        "stale must show within 5 s: {took:?}"
    );
    match r.handle.current().link {
        Link::Down { error, .. } => {
            assert!(
                error == "the API server is not answering (a probe got no answer within 3.0 s)",
                "{error}"
            );
        }
        other => panic!("{other:?}"),
    }
    r.cancel.cancel();
}

#[tokio::test(start_paused = true)]
async fn traffic_postpones_the_probe_and_a_quiet_healthy_server_is_probed_once_per_quiet_period() {
    let r = start(Answer::Ok);
    for _ in 0..30 {
        r.handle.heartbeat().beat();
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    assert_eq!(
        r.script.probes(),
        0,
        "watch traffic proves the server answers"
    );
    tokio::time::sleep(Duration::from_secs(30)).await;
    // One per QUIET period, give or take the edges.
    let probes = r.script.probes();
    let expected = (Duration::from_secs(30).as_millis() / QUIET.as_millis()) as usize;
    assert!(
        (expected - 1..=expected + 1).contains(&probes),
        "{probes} probes in 30 quiet seconds, expected about {expected}"
    );
    assert_eq!(r.handle.current().link, Link::Up);
    r.cancel.cancel();
}

#[tokio::test(start_paused = true)]
async fn recovery_is_seen_within_about_a_second_of_the_server_answering_however_long_the_outage() {
    let refused = Failure::Unreachable("Connection refused (os error 111)".into());
    let r = start(Answer::Fail(refused));
    r.handle.report(Report::Failed);
    until("down", Duration::from_secs(1), || is_down(&r.handle)).await;
    let wake = r.handle.current().wake;
    // A long outage: the probe keeps its short cadence.
    tokio::time::sleep(Duration::from_secs(300)).await;
    let probes = r.script.probes();
    assert!(
        (240..=380).contains(&probes),
        "{probes} probes in 300 s down"
    );
    r.script.set(Answer::Ok);
    let took = until("up", Duration::from_secs(5), || {
        r.handle.current().link == Link::Up
    })
    .await;
    assert!(
        took <= DOWN_PROBE_EVERY.mul_f64(1.2) + Duration::from_millis(20),
        "{took:?}"
    );
    assert_eq!(
        r.handle.current().wake,
        wake + 1,
        "waiting requests are woken"
    );
    r.cancel.cancel();
}

#[tokio::test(start_paused = true)]
async fn reports_of_failures_do_not_speed_the_probe_up_while_down() {
    let r = start(Answer::Fail(Failure::Status {
        code: 500,
        reason: "InternalError".into(),
        message: "boom".into(),
    }));
    r.handle.report(Report::Failed);
    until("down", Duration::from_secs(1), || is_down(&r.handle)).await;
    let before = r.script.probes();
    for _ in 0..600 {
        r.handle.report(Report::Failed);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let probes = r.script.probes() - before;
    assert!(
        (48..=76).contains(&probes),
        "{probes} probes in 60 s of reports"
    );
    match r.handle.current().link {
        Link::Down { error, .. } => {
            assert_eq!(
                error,
                "the API server answered 500 Internal Server Error: boom"
            );
        }
        other => panic!("{other:?}"),
    }
    r.cancel.cancel();
}

#[tokio::test(start_paused = true)]
async fn rejected_credentials_are_said_once_and_probed_with_backoff_until_a_reload_fixes_them() {
    let mut r = start(Answer::Fail(Failure::Unauthorized));
    r.handle.report(Report::Unauthorized);
    let event = r.events.recv().await.unwrap();
    let ClusterEvent::CredentialsRejected(words) = event else {
        panic!("{event:?}");
    };
    assert!(
        words.contains("user \"alice\" (context \"prod\")"),
        "{words}"
    );
    let before = r.script.probes();
    for _ in 0..50 {
        r.handle.report(Report::Unauthorized);
    }
    tokio::time::sleep(Duration::from_secs(300)).await;
    let probes = r.script.probes() - before;
    assert!(
        (2..=8).contains(&probes),
        "{probes} probes in 5 min: backed off"
    );
    assert!(r.events.try_recv().is_err(), "said once");
    // A reload with working credentials: the probe runs at once.
    r.script.set(Answer::Ok);
    r.clients.send_modify(|s| s.generation += 1);
    let took = until("up", Duration::from_secs(2), || {
        r.handle.current().link == Link::Up
    })
    .await;
    assert!(took < Duration::from_millis(100), "{took:?}");
    assert!(matches!(
        r.events.recv().await,
        Some(ClusterEvent::CredentialsAccepted)
    ));
    r.cancel.cancel();
}

#[tokio::test(start_paused = true)]
async fn throttling_probes_no_faster_than_the_server_asks() {
    let r = start(Answer::Fail(Failure::Throttled {
        retry_after: Some(Duration::from_secs(5)),
    }));
    r.handle.report(Report::Failed);
    until("down", Duration::from_secs(1), || is_down(&r.handle)).await;
    let before = r.script.probes();
    tokio::time::sleep(Duration::from_secs(60)).await;
    let probes = r.script.probes() - before;
    assert!(
        (10..=13).contains(&probes),
        "{probes} probes in 60 s at Retry-After 5 s"
    );
    r.cancel.cancel();
}
