use super::*;
use axum::response::IntoResponse as _;

#[test]
fn an_index_reads_each_charts_versions() {
    let text = b"apiVersion: v1\nentries:\n  podinfo:\n  - name: podinfo\n    version: 6.6.1\n    urls: [a]\n  - version: 6.6.0\n  empty: []\ngenerated: x\n";
    let index = parse_index(text).unwrap();
    assert_eq!(index["podinfo"], ["6.6.1", "6.6.0"]);
    assert!(index["empty"].is_empty());
    assert!(parse_index(b"<html>not found</html>").is_err());
    assert!(parse_index(b"entries: [1, 2]").is_err());
}

#[test]
fn bearer_challenges_links_and_redirects() {
    let p = bearer_params(
        r#"Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:a/b:pull""#,
    )
    .unwrap();
    assert_eq!(p["realm"], "https://ghcr.io/token");
    assert_eq!(p["scope"], "repository:a/b:pull");
    assert!(bearer_params("Basic realm=\"x\"").is_none());
    let mut h = HeaderMap::new();
    h.insert(
        header::LINK,
        http::HeaderValue::from_static("</v2/a/tags/list?last=x&n=2>; rel=\"next\""),
    );
    assert_eq!(link_next(&h).unwrap(), "/v2/a/tags/list?last=x&n=2");
    assert_eq!(
        resolve("https://r.io/v2/a/tags/list?n=1", "/v2/a/tags/list?last=x"),
        "https://r.io/v2/a/tags/list?last=x"
    );
    assert_eq!(
        resolve("https://h.io/charts/index.yaml", "stable/index.yaml"),
        "https://h.io/charts/stable/index.yaml"
    );
    assert_eq!(resolve("https://h.io/x", "http://o.io/y"), "http://o.io/y");
}

/// A CONNECT proxy: counts the tunnels it opened.
async fn connect_proxy() -> (u16, Arc<std::sync::atomic::AtomicUsize>) {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let tunnels = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let count = Arc::clone(&tunnels);
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            let count = Arc::clone(&count);
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") {
                    if client.read(&mut byte).await.unwrap_or(0) == 0 {
                        return;
                    }
                    head.push(byte[0]);
                }
                let head = String::from_utf8_lossy(&head).into_owned();
                let target = head
                    .split_whitespace()
                    .nth(1)
                    .unwrap_or_default()
                    .to_owned();
                assert!(head.starts_with("CONNECT "), "{head}");
                let mut upstream = tokio::net::TcpStream::connect(target).await.unwrap();
                count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                client
                    .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
                    .await
                    .unwrap();
                let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
            });
        }
    });
    (port, tunnels)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_go_through_the_proxy_the_environment_names() {
    let app = axum::Router::new().route(
        "/r/index.yaml",
        axum::routing::get(|| async { "entries:\n  a:\n  - version: 1.0.0\n" }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    let source = Source::Index {
        url: format!("http://{addr}/r"),
    };
    let sources = BTreeSet::from([source.clone()]);
    let options = Options {
        cache: None,
        ..Options::default()
    };
    let want = Answer::Index(BTreeMap::from([("a".to_owned(), vec!["1.0.0".to_owned()])]));
    let direct = ask_with(&sources, &options, Matcher::builder().build()).await;
    assert_eq!(direct[&source], want);
    let (port, tunnels) = connect_proxy().await;
    let proxied = Matcher::builder()
        .http(format!("http://127.0.0.1:{port}"))
        .build();
    let via = ask_with(&sources, &options, proxied).await;
    assert_eq!(via[&source], want);
    assert_eq!(tunnels.load(std::sync::atomic::Ordering::SeqCst), 1);
    // A proxy nobody listens on: the answer is a failure, not a direct request.
    let dead = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let proxied = Matcher::builder()
        .http(format!("http://127.0.0.1:{dead}"))
        .build();
    let failed = ask_with(&sources, &options, proxied).await;
    assert!(matches!(&failed[&source], Answer::Failed(_)), "{failed:?}");
    // NO_PROXY: direct.
    let excepted = Matcher::builder()
        .http(format!("http://127.0.0.1:{dead}"))
        .no("127.0.0.1")
        .build();
    assert_eq!(ask_with(&sources, &options, excepted).await[&source], want);
}

#[test]
fn answers_are_kept_for_their_age_and_failures_are_not() {
    let dir = tempfile::tempdir().unwrap();
    let source = Source::Index {
        url: "https://charts.example".into(),
    };
    let answer = Answer::Index(BTreeMap::from([("a".to_owned(), vec!["1.0.0".to_owned()])]));
    keep(dir.path(), &source, &answer);
    assert_eq!(
        cached(dir.path(), &source, Duration::from_secs(60)),
        Some(answer)
    );
    let other = Source::Index {
        url: "https://other.example".into(),
    };
    keep(dir.path(), &other, &Answer::Failed("down".into()));
    assert_eq!(cached(dir.path(), &other, Duration::from_secs(60)), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_is_not_sent_where_a_redirect_or_a_link_points_elsewhere() {
    use axum::http::HeaderMap as Headers;
    let seen: Arc<std::sync::Mutex<Vec<(String, bool)>>> = Arc::default();
    // The other origin: records whether a token reached it.
    let log = Arc::clone(&seen);
    let other = axum::Router::new().fallback(move |uri: axum::http::Uri, h: Headers| {
        let log = Arc::clone(&log);
        async move {
            log.lock()
                .unwrap()
                .push((uri.to_string(), h.contains_key("authorization")));
            axum::Json(serde_json::json!({"tags": ["9.9.9"]}))
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let elsewhere = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, other).await });
    // The registry: a token on a 401, then a page whose Link points at the other origin.
    let registry = axum::Router::new()
        .route(
            "/token",
            axum::routing::get(|| async { axum::Json(serde_json::json!({"token": "secret"})) }),
        )
        .fallback(move |uri: axum::http::Uri, h: Headers| async move {
            if h.get("authorization").is_none() {
                let host = h.get("host").unwrap().to_str().unwrap().to_owned();
                let challenge = format!("Bearer realm=\"http://{host}/token\",service=\"s\"");
                return (
                    axum::http::StatusCode::UNAUTHORIZED,
                    [("www-authenticate", challenge)],
                )
                    .into_response();
            }
            if uri.path().starts_with("/v2/moved/") {
                let to = format!("http://{elsewhere}/v2/moved/tags/list");
                return (
                    axum::http::StatusCode::TEMPORARY_REDIRECT,
                    [("location", to)],
                )
                    .into_response();
            }
            let link = format!("<http://{elsewhere}/v2/r/tags/list?last=1>; rel=\"next\"");
            (
                [("link", link)],
                axum::Json(serde_json::json!({"tags": ["1.0.0"]})),
            )
                .into_response()
        });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, registry).await });
    let source = Source::Oci {
        registry: addr.to_string(),
        repository: "r".into(),
        plain_http: true,
    };
    let options = Options {
        cache: None,
        ..Options::default()
    };
    let answers = ask_with(
        &BTreeSet::from([source.clone()]),
        &options,
        Matcher::builder().build(),
    )
    .await;
    assert_eq!(answers[&source], Answer::Tags(vec!["1.0.0".into()]));
    assert!(
        seen.lock().unwrap().is_empty(),
        "a Link to another origin was followed: {seen:?}"
    );
    // Redirected elsewhere: followed, without the token.
    let moved = Source::Oci {
        registry: addr.to_string(),
        repository: "moved".into(),
        plain_http: true,
    };
    let answers = ask_with(
        &BTreeSet::from([moved.clone()]),
        &options,
        Matcher::builder().build(),
    )
    .await;
    assert_eq!(answers[&moved], Answer::Tags(vec!["9.9.9".into()]));
    assert_eq!(
        *seen.lock().unwrap(),
        [("/v2/moved/tags/list".to_owned(), false)]
    );
    assert_eq!(
        origin_of("https://a.io:5000/v2/x?y=1").as_deref(),
        Some("https://a.io:5000")
    );
}
