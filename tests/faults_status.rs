//! Fault injection, bad answers: credentials rejected (401, and the kubeconfig reload that fixes them), every
//! request forbidden (403), throttled (429), failing (500), garbage instead of JSON, slow answers and dropped
//! watches — through the real watchers into the real app state, asserting the screen's words, how often the
//! server is asked while it fails, and how soon the console is live again.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

mod support;

use base64::Engine;
use fluxops::flux::{FluxKind, ResourceRef};
use fluxops::sim::SimOptions;
use fluxops::sim::fault::Fault;
use std::time::Duration;
use support::pipeline::{Console, Server, fleet, ks, not_ready};

const CONVERGE: Duration = Duration::from_secs(30);
/// "Live within 2 s of the server answering", plus a margin for a loaded machine.
const RECOVERY: Duration = Duration::from_secs(4);
const STALE: Duration = Duration::from_secs(10);

fn requests_since(server: &Server, from: usize) -> usize {
    server.sim().request_log().len() - from
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rejected_credentials_are_said_once_in_words_and_retried_slowly() {
    let server = Server::start(SimOptions::default(), &fleet()).await;
    let mut console = Console::start(&server).await;
    console.until("live", CONVERGE, Console::is_live).await;

    server.sim().handle().set_fault(&Fault::Status(401), true);
    console
        .until("credentials rejected", STALE, |c| {
            c.count_logged("CredentialsRejected") > 0 && c.is_stale()
        })
        .await;
    let banners = console.banners();
    let joined = banners.join("\n");
    assert!(
        joined.contains(
            "the API server rejected the credentials of user \"fluxops-sim\" (context \"fluxops-sim\"): \
             the bearer token is expired, revoked, or not valid for this cluster"
        ),
        "{joined}"
    );
    assert!(joined.contains("ctrl-r reloads the kubeconfig"), "{joined}");
    for debug in ["Status {", "ErrorResponse", "ApiError", "code:"] {
        assert!(!joined.contains(debug), "{joined}");
    }
    // Once, and backed off: a few requests in 10 s, not hundreds.
    let from = server.sim().request_log().len();
    console.drain(Duration::from_secs(10)).await;
    let asked = requests_since(&server, from);
    println!("requests in 10 s of 401s: {asked}");
    assert!(asked <= 30, "{asked} requests in 10 s of 401s");
    assert_eq!(
        console.count_logged("CredentialsRejected"),
        1,
        "{:#?}",
        console.log
    );
    assert_eq!(
        banners
            .iter()
            .filter(|b| b.contains("user \"fluxops-sim\""))
            .count(),
        1,
        "said once: {banners:#?}"
    );
    console.stop().await;
}

/// A JWT (unsigned; the simulator compares tokens as strings) that expired at 2023-11-14 22:13:20 UTC.
fn expired_jwt() -> String {
    let enc = |v: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v);
    format!(
        "{}.{}.c2ln",
        enc(r#"{"alg":"RS256","typ":"JWT"}"#),
        enc(r#"{"sub":"alice","exp":1700000000}"#)
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_token_is_named_and_reloading_a_fixed_kubeconfig_reconnects_at_once() {
    let server = Server::start(SimOptions::default(), &fleet()).await;
    let good = std::fs::read_to_string(&server.kubeconfig).unwrap();
    let expired = good.replace(
        "token: fluxops-sim-token",
        &format!("token: {}", expired_jwt()),
    );
    assert_ne!(good, expired);
    std::fs::write(&server.kubeconfig, &expired).unwrap();

    let mut console = Console::start(&server).await;
    console
        .until("credentials rejected", STALE, |c| {
            c.count_logged("CredentialsRejected") > 0
        })
        .await;
    let joined = console.banners().join("\n");
    assert!(
        joined.contains("the bearer token expired at 2023-11-14 22:13 UTC — get a new token"),
        "{joined}"
    );
    assert!(console.state.objects.is_empty());

    // The user gets a new token and presses the reload key.
    std::fs::write(&server.kubeconfig, &good).unwrap();
    let reloaded_at = tokio::time::Instant::now();
    console.control.reload();
    console
        .until("live after the reload", RECOVERY + CONVERGE, |c| {
            c.is_live() && c.state.objects.len() == fleet().len()
        })
        .await;
    let took = reloaded_at.elapsed();
    println!("live {took:?} after reloading the kubeconfig");
    assert!(took <= RECOVERY, "{took:?}");
    assert!(
        console
            .log
            .iter()
            .any(|l| l == "Reloaded Ok(\"fluxops-sim\")"),
        "{:#?}",
        console.log
    );
    assert!(console.log.iter().any(|l| l == "CredentialsAccepted"));
    assert!(
        !console
            .banners()
            .join("\n")
            .contains("rejected the credentials"),
        "the banner goes once the credentials work"
    );
    console.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kubeconfig_that_no_longer_reads_keeps_the_old_client_and_says_why() {
    let server = Server::start(SimOptions::default(), &fleet()).await;
    let mut console = Console::start(&server).await;
    console.until("live", CONVERGE, Console::is_live).await;
    std::fs::write(&server.kubeconfig, "contexts: [oops\n").unwrap();
    console.control.reload();
    console
        .until("the reload's answer", Duration::from_secs(5), |c| {
            c.count_logged("Reloaded") > 0
        })
        .await;
    let joined = console.banners().join("\n");
    assert!(
        joined.contains("reloading the kubeconfig failed"),
        "{joined}"
    );
    assert!(
        joined.contains(&server.kubeconfig.display().to_string()),
        "{joined}"
    );
    // Still watching with the old client.
    server.store.upsert(ks("team-a", "after-reload")).unwrap();
    let born = ResourceRef::new(FluxKind::Kustomization, "team-a", "after-reload");
    console
        .until("a new object", Duration::from_secs(10), |c| {
            c.state.objects.contains_key(&born)
        })
        .await;
    assert!(console.is_live());
    console.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_request_forbidden_marks_every_kind_forbidden_and_access_granted_shows_within_seconds()
 {
    let server = Server::start(SimOptions::default(), &fleet()).await;
    let mut console = Console::start(&server).await;
    console.until("live", CONVERGE, Console::is_live).await;
    server.sim().handle().set_fault(&Fault::Status(403), true);
    console
        .until("every kind forbidden", STALE, |c| {
            c.count_logged("KindUnavailable Kustomization Forbidden") > 0
                && c.count_logged("KindUnavailable HelmRelease Forbidden") > 0
        })
        .await;
    let joined = console.banners().join("\n");
    assert!(joined.contains("access forbidden"), "{joined}");
    assert!(
        joined.contains("User \"fluxops-sim\" cannot")
            && joined.contains("resource \"kustomizations\""),
        "{joined}"
    );
    assert!(console.is_stale(), "objects of forbidden kinds are stale");
    server.sim().handle().set_fault(&Fault::Status(403), false);
    let took = console
        .until("live", Duration::from_secs(15), Console::is_live)
        .await;
    println!("403s: live again {took:?} after access was granted");
    assert!(took <= Duration::from_secs(12), "{took:?}");
    console.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_errors_throttling_and_garbage_are_stale_in_words_and_recover_within_2_s() {
    let server = Server::start(SimOptions::default(), &fleet()).await;
    let mut console = Console::start(&server).await;
    console.until("live", CONVERGE, Console::is_live).await;
    for (fault, words) in [
        (
            Fault::Status(500),
            "the API server answered 500 Internal Server Error: Internal error occurred: etcdserver: request timed out",
        ),
        (
            Fault::Status(429),
            "the API server is overloaded (429 Too Many Requests, retry after 1 s)",
        ),
        (Fault::Garbage, "not a Kubernetes answer"),
    ] {
        server.sim().handle().set_fault(&fault, true);
        let what = format!("{fault:?}");
        console
            .until(&what, STALE, |c| {
                c.is_stale() && c.banners().join("\n").contains(words)
            })
            .await;
        let joined = console.banners().join("\n");
        for debug in ["Status {", "ErrorResponse", "ApiError"] {
            assert!(!joined.contains(debug), "{joined}");
        }
        let from = server.sim().request_log().len();
        console.drain(Duration::from_secs(5)).await;
        let asked = requests_since(&server, from);
        println!("{what}: {asked} requests in 5 s");
        assert!(
            asked <= 60,
            "{what}: {asked} requests in 5 s: not backing off"
        );
        server.sim().handle().set_fault(&fault, false);
        let took = console
            .until(&what, RECOVERY + CONVERGE, Console::is_live)
            .await;
        println!("{what}: live again {took:?} after it stopped");
        assert!(took <= RECOVERY, "{what}: live after {took:?}");
    }
    assert_eq!(console.count_logged("Deleted"), 0);
    console.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_server_loads_without_false_staleness() {
    let server = Server::start(SimOptions::default(), &fleet()).await;
    server
        .sim()
        .handle()
        .set_fault(&Fault::Slow(Duration::from_secs(2)), true);
    let mut console = Console::start(&server).await;
    let took = console.until("live", CONVERGE, Console::is_live).await;
    println!("slow server (2 s per answer): live after {took:?}");
    assert!(took >= Duration::from_secs(2));
    console.drain(Duration::from_secs(6)).await;
    assert!(console.is_live(), "{:?}", console.connection());
    assert_eq!(console.count_logged("Degraded"), 0, "{:#?}", console.log);
    assert_eq!(console.state.objects.len(), fleet().len());
    console.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropped_watches_lose_nothing_and_are_not_shown_as_an_outage() {
    let server = Server::start(SimOptions::default(), &fleet()).await;
    let mut console = Console::start(&server).await;
    console.until("live", CONVERGE, Console::is_live).await;
    // A load balancer that cuts idle connections: watches that lived a while are resumed quietly.
    console.drain(Duration::from_secs(6)).await;
    let key = fluxops::sim::ObjectKey::flux(FluxKind::Kustomization, "team-b", "app-2");
    let from = server.sim().request_log().len();
    server
        .sim()
        .handle()
        .set_fault(&Fault::DropWatches(None), true);
    server
        .store
        .patch_status(&key, &not_ready("HealthCheckFailed"))
        .unwrap();
    server.store.upsert(ks("team-b", "born")).unwrap();
    let target = ResourceRef::new(FluxKind::Kustomization, "team-b", "app-2");
    let born = ResourceRef::new(FluxKind::Kustomization, "team-b", "born");
    console
        .until("the changes after the drop", Duration::from_secs(10), |c| {
            c.row_reason(&target).contains("HealthCheckFailed")
                && c.state.objects.contains_key(&born)
        })
        .await;
    assert_eq!(console.count_logged("Deleted"), 0, "{:#?}", console.log);
    assert_eq!(console.count_logged("Degraded"), 0, "{:#?}", console.log);
    assert!(console.is_live());
    let relists: Vec<String> = server.sim().request_log().entries()[from..]
        .iter()
        .filter(|r| {
            r.path_and_query.contains("/kustomizations?") && !r.path_and_query.contains("watch=")
        })
        .map(|r| r.path_and_query.clone())
        .collect();
    assert!(relists.is_empty(), "resumed, not re-listed: {relists:#?}");
    console.stop().await;
}
