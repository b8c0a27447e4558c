//! `fluxops check` asking chart repositories for their versions, through the binary, against a local HTTP
//! server that is a Helm repository (an index, one behind a redirect, one missing) and an OCI registry that
//! wants the anonymous bearer token a public registry hands out and pages its tags. Also: `--offline` and an
//! unreachable repository send nothing / fail nothing; answers are kept in the cache directory.

#![allow(
    clippy::unwrap_used,
    clippy::panic,
    reason = "a failed unwrap is a failed test"
)]

use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use std::collections::HashMap;
use std::path::Path;
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};

const INDEX: &str = "apiVersion: v1\nentries:\n  podinfo:\n  - name: podinfo\n    version: 6.6.1\n  - name: podinfo\n    version: 6.6.0\n  - name: podinfo\n    version: 7.0.0-rc.1\ngenerated: \"2026-01-01T00:00:00Z\"\n";

#[derive(Clone, Default)]
struct Seen(Arc<Mutex<Vec<String>>>);

async fn serve(
    State(seen): State<Seen>,
    uri: Uri,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let path = uri.path().to_owned();
    seen.0.lock().unwrap().push(uri.to_string());
    let host = headers
        .get("host")
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    match path.as_str() {
        "/stable/index.yaml" => INDEX.into_response(),
        "/moved/index.yaml" => {
            (StatusCode::FOUND, [("location", "/stable/index.yaml")]).into_response()
        }
        "/token" => {
            assert_eq!(
                q.get("scope").map(String::as_str),
                Some("repository:org/charts/podinfo:pull")
            );
            axum::Json(serde_json::json!({"token": "t0k"})).into_response()
        }
        "/v2/org/charts/podinfo/tags/list" => {
            if headers.get("authorization").and_then(|h| h.to_str().ok()) != Some("Bearer t0k") {
                let challenge = format!(
                    "Bearer realm=\"http://{host}/token\",service=\"test\",scope=\"repository:org/charts/podinfo:pull\""
                );
                return (StatusCode::UNAUTHORIZED, [("www-authenticate", challenge)])
                    .into_response();
            }
            if q.contains_key("last") {
                axum::Json(serde_json::json!({"name": "org/charts/podinfo", "tags": ["6.6.1_abc"]}))
                    .into_response()
            } else {
                (
                    [(
                        "link",
                        "</v2/org/charts/podinfo/tags/list?last=6.6.0&n=1000>; rel=\"next\"",
                    )],
                    axum::Json(
                        serde_json::json!({"name": "org/charts/podinfo", "tags": ["6.6.0"]}),
                    ),
                )
                    .into_response()
            }
        }
        _ => (StatusCode::NOT_FOUND, "404 page not found").into_response(),
    }
}

async fn start() -> (String, Seen) {
    let seen = Seen::default();
    let app = Router::new().fallback(serve).with_state(seen.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("127.0.0.1:{}", addr.port()), seen)
}

fn release(name: &str, chart: &str, version: &str, repository: &str) -> String {
    format!(
        "---\napiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: {name}\n  namespace: apps\nspec:\n  interval: 10m\n  chart:\n    spec:\n      chart: {chart}\n      version: \"{version}\"\n      sourceRef:\n        kind: HelmRepository\n        name: {repository}\n        namespace: flux-system\n"
    )
}

fn repository(name: &str, url: &str, oci: bool) -> String {
    let extra = if oci {
        "  type: oci\n  insecure: true\n"
    } else {
        ""
    };
    format!(
        "---\napiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\nmetadata:\n  name: {name}\n  namespace: flux-system\nspec:\n  interval: 1h\n{extra}  url: {url}\n"
    )
}

/// A repository of sources and releases: good ones, and one of each problem.
fn write_repo(dir: &Path, host: &str) {
    let mut text = String::new();
    text += &repository("stable", &format!("http://{host}/stable"), false);
    text += &repository("moved", &format!("http://{host}/moved/"), false);
    text += &repository("gone", &format!("http://{host}/gone"), false);
    text += &repository("registry", &format!("oci://{host}/org/charts"), true);
    text += &release("good", "podinfo", "6.6.x", "stable");
    text += &release("via-redirect", "podinfo", ">=6.0.0 <7", "moved");
    text += &release("too-new", "podinfo", "9.*", "stable");
    text += &release("misspelt", "podinf", "*", "stable");
    text += &release("no-index", "podinfo", "*", "gone");
    text += &release("oci-good", "podinfo", "6.6.1+abc", "registry");
    text += &release("oci-missing", "podinfo", "6.7.0", "registry");
    std::fs::write(dir.join("releases.yaml"), text).unwrap();
}

fn check(dir: &Path, cache: &Path, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fluxops"))
        .arg("check")
        .arg(dir)
        .args(["-o", "json"])
        .args(extra)
        .env("XDG_CACHE_HOME", cache)
        .env("RUST_BACKTRACE", "0")
        .env("FLUXOPS_LOG_FILE", cache.join("fluxops.log"))
        .env_remove("KUBECONFIG")
        // The local repository is reached directly, whatever proxy the machine running the tests has.
        .env("NO_PROXY", "127.0.0.1")
        .env_remove("HTTP_PROXY")
        .env_remove("http_proxy")
        .env_remove("HTTPS_PROXY")
        .env_remove("https_proxy")
        .env_remove("ALL_PROXY")
        .env_remove("all_proxy")
        .output()
        .unwrap()
}

async fn run(dir: &Path, cache: &Path, extra: &[&str]) -> (Output, Value) {
    let (dir, cache) = (dir.to_path_buf(), cache.to_path_buf());
    let extra: Vec<String> = extra.iter().map(|s| (*s).to_owned()).collect();
    let out = tokio::task::spawn_blocking(move || {
        let extra: Vec<&str> = extra.iter().map(String::as_str).collect();
        check(&dir, &cache, &extra)
    })
    .await
    .unwrap();
    let json: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out, json)
}

/// (rule, severity, line) of each finding about `name`.
fn about(json: &Value, name: &str) -> Vec<(String, String, u64)> {
    json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| {
            f["message"]
                .as_str()
                .unwrap()
                .contains(&format!("apps/{name}"))
        })
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_owned(),
                f["severity"].as_str().unwrap().to_owned(),
                f["line"].as_u64().unwrap_or(0),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chart_versions_are_asked_of_their_repository_and_registry() {
    let (host, seen) = start().await;
    let repo = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    write_repo(repo.path(), &host);
    let (out, json) = run(repo.path(), cache.path(), &["--no-build"]).await;
    // --no-build: graph and timing only; nothing asked.
    assert!(
        seen.0.lock().unwrap().is_empty(),
        "{:?}",
        seen.0.lock().unwrap()
    );
    assert_eq!(out.status.code(), Some(0), "{json:#}");

    let (out, json) = run(repo.path(), cache.path(), &[]).await;
    assert_eq!(out.status.code(), Some(1), "errors found: {json:#}");
    for ok in ["good", "via-redirect", "oci-good"] {
        assert!(about(&json, ok).is_empty(), "{ok}: {json:#}");
    }
    // Each finding at the version line of its release (releases are 16 lines, after four 10/11-line sources).
    let line_of = |name: &str| {
        let text = std::fs::read_to_string(repo.path().join("releases.yaml")).unwrap();
        let start = text
            .lines()
            .position(|l| l == format!("  name: {name}"))
            .unwrap();
        (text
            .lines()
            .skip(start)
            .position(|l| l.trim_start().starts_with("version:"))
            .unwrap()
            + start
            + 1) as u64
    };
    assert_eq!(
        about(&json, "too-new"),
        [(
            "chart-version-not-found".into(),
            "error".into(),
            line_of("too-new")
        )]
    );
    let message = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| {
            f["rule"] == "chart-version-not-found"
                && f["message"].as_str().unwrap().contains("too-new")
        })
        .unwrap()["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(message.contains("latest: 6.6.1, 6.6.0"), "{message}");
    assert_eq!(about(&json, "misspelt")[0].0, "chart-not-found");
    assert_eq!(
        about(&json, "oci-missing"),
        [(
            "chart-version-not-found".into(),
            "error".into(),
            line_of("oci-missing")
        )]
    );
    // The index that is not there: a warning naming the URL, not an error.
    let gone = about(&json, "no-index");
    assert_eq!(gone.len(), 1, "{json:#}");
    assert_eq!(
        (gone[0].0.as_str(), gone[0].1.as_str()),
        ("repository-unavailable", "warning")
    );
    let requests = seen.0.lock().unwrap().clone();
    assert_eq!(
        requests
            .iter()
            .filter(|r| r.starts_with("/stable/index.yaml"))
            .count(),
        2,
        "once, and once behind the redirect: {requests:?}"
    );
    assert_eq!(
        requests.iter().filter(|r| r.starts_with("/token")).count(),
        1,
        "{requests:?}"
    );

    // Asked again within ten minutes: the answers are kept (only the missing index is asked again).
    seen.0.lock().unwrap().clear();
    let (_, again) = run(repo.path(), cache.path(), &[]).await;
    assert_eq!(again["findings"], json["findings"]);
    assert_eq!(*seen.0.lock().unwrap(), ["/gone/index.yaml"]);

    // --offline: nothing asked, and said so.
    seen.0.lock().unwrap().clear();
    let fresh = tempfile::tempdir().unwrap();
    let (out, json) = run(repo.path(), fresh.path(), &["--offline"]).await;
    assert!(seen.0.lock().unwrap().is_empty());
    assert_eq!(out.status.code(), Some(0), "{json:#}");
    assert!(
        json["notes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n.as_str().unwrap().starts_with("--offline")),
        "{json:#}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_repository_is_a_note_and_the_check_still_passes() {
    // A port nothing listens on.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let repo = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let mut text = repository("stable", &format!("http://127.0.0.1:{port}/stable"), false);
    text += &release("a", "podinfo", "6.6.x", "stable");
    text += &release("b", "podinfo", "latest", "stable");
    std::fs::write(repo.path().join("r.yaml"), text).unwrap();
    let (out, json) = run(repo.path(), cache.path(), &[]).await;
    let findings = json["findings"].as_array().unwrap();
    let notes: Vec<_> = findings
        .iter()
        .filter(|f| f["rule"] == "repository-unavailable")
        .collect();
    assert_eq!(notes.len(), 1, "one note for the repository: {json:#}");
    assert_eq!(notes[0]["severity"], "note");
    assert!(
        notes[0]["message"]
            .as_str()
            .unwrap()
            .contains(&format!("127.0.0.1:{port}"))
    );
    // A word for a version is caught without asking anyone.
    assert_eq!(about(&json, "b")[0].0, "chart-version-invalid");
    assert_eq!(out.status.code(), Some(1));
}
