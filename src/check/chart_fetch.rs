//! Asks chart repositories and OCI registries which versions they have (the I/O of `charts`): a Helm
//! repository's `<url>/index.yaml` (chart name → versions), an OCI repository's tags
//! (`/v2/<repository>/tags/list`, following `Link` pages, with the anonymous bearer token a public registry
//! hands out on a `401`). Every source at most once, eight at a time, each request within
//! [`Options::timeout`] and all of them within [`Options::deadline`]; redirects followed (five at most);
//! answers larger than [`MAX_BODY`] refused. Answers are kept in the cache directory for
//! [`Options::max_age`], so a pre-commit hook does not fetch the same index on every commit.
//!
//! Proxies are the environment's (`HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY`, `NO_PROXY`), reached with `CONNECT`.
//!
//! Nothing here is trusted: a malformed index, a redirect loop or a registry that never answers each become
//! an [`Answer::Failed`] naming the URL, never an error of the whole check.

use super::charts::{Answer, Source};
use bytes::Bytes;
use futures::StreamExt as _;
use http::{HeaderMap, Request, StatusCode, Uri, header};
use http_body_util::{BodyExt as _, Empty, Limited};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::connect::proxy::Tunnel;
use hyper_util::client::legacy::{Client, ResponseFuture};
use hyper_util::client::proxy::matcher::Matcher;
use hyper_util::rt::TokioExecutor;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The largest answer read (an index of a big repository is tens of MB).
pub const MAX_BODY: usize = 128 * 1024 * 1024;
/// How many sources are asked at once.
const PARALLEL: usize = 8;
/// How many redirects are followed.
const REDIRECTS: usize = 5;
/// How many pages of tags are read.
const TAG_PAGES: usize = 50;

/// How to ask.
#[derive(Debug, Clone)]
pub struct Options {
    /// Each request's limit.
    pub timeout: Duration,
    /// The limit of all of them together.
    pub deadline: Duration,
    /// Where answers are kept (`None`: not kept).
    pub cache: Option<PathBuf>,
    pub max_age: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            timeout: Duration::from_secs(10),
            deadline: Duration::from_secs(30),
            cache: directories::ProjectDirs::from("", "", "fluxops")
                .map(|d| d.cache_dir().join("chart-versions")),
            max_age: Duration::from_secs(10 * 60),
        }
    }
}

type Direct = Client<hyper_rustls::HttpsConnector<HttpConnector>, Empty<Bytes>>;
type Tunneled = Client<hyper_rustls::HttpsConnector<Tunnel<HttpConnector>>, Empty<Bytes>>;

/// Requests go direct, or through the proxy the environment names for their URL (`HTTPS_PROXY`,
/// `HTTP_PROXY`, `ALL_PROXY`, `NO_PROXY`, as curl reads them), tunnelled with `CONNECT`.
struct HttpClient {
    tls: rustls::ClientConfig,
    direct: Direct,
    proxies: Matcher,
    tunnels: std::sync::Mutex<BTreeMap<String, Tunneled>>,
}

impl HttpClient {
    fn request(&self, request: Request<Empty<Bytes>>) -> ResponseFuture {
        let Some(intercept) = self.proxies.intercept(request.uri()) else {
            return self.direct.request(request);
        };
        let key = format!("{}", intercept.uri());
        let tunneled = match self.tunnels.lock() {
            Ok(mut tunnels) => tunnels
                .entry(key)
                .or_insert_with(|| {
                    let mut tunnel = Tunnel::new(intercept.uri().clone(), HttpConnector::new());
                    if let Some(auth) = intercept.basic_auth() {
                        tunnel = tunnel.with_auth(auth.clone());
                    }
                    let connector = hyper_rustls::HttpsConnectorBuilder::new()
                        .with_tls_config(self.tls.clone())
                        .https_or_http()
                        .enable_http1()
                        .wrap_connector(tunnel);
                    Client::builder(TokioExecutor::new()).build(connector)
                })
                .clone(),
            Err(_) => return self.direct.request(request),
        };
        tunneled.request(request)
    }
}

/// What every source answered (a source not answered within the deadline: [`Answer::Failed`]).
pub async fn ask(sources: &BTreeSet<Source>, options: &Options) -> BTreeMap<Source, Answer> {
    ask_with(sources, options, Matcher::from_env()).await
}

/// [`ask`] with these proxy rules.
async fn ask_with(
    sources: &BTreeSet<Source>,
    options: &Options,
    proxies: Matcher,
) -> BTreeMap<Source, Answer> {
    let mut answers = BTreeMap::new();
    let mut wanted = Vec::new();
    for source in sources {
        match options
            .cache
            .as_deref()
            .and_then(|d| cached(d, source, options.max_age))
        {
            Some(answer) => {
                answers.insert(source.clone(), answer);
            }
            None => wanted.push(source.clone()),
        }
    }
    if wanted.is_empty() {
        return answers;
    }
    let client = match client(proxies) {
        Ok(c) => Arc::new(c),
        Err(e) => {
            for s in wanted {
                answers.insert(s, Answer::Failed(format!("no HTTPS client: {e}")));
            }
            return answers;
        }
    };
    let fetched = Arc::new(std::sync::Mutex::new(BTreeMap::new()));
    let work = futures::stream::iter(wanted.clone())
        .map(|source| {
            let client = Arc::clone(&client);
            let fetched = Arc::clone(&fetched);
            let timeout = options.timeout;
            async move {
                let answer = fetch(&client, &source, timeout).await;
                if let Ok(mut f) = fetched.lock() {
                    f.insert(source, answer);
                }
            }
        })
        .buffer_unordered(PARALLEL)
        .collect::<()>();
    let _ = tokio::time::timeout(options.deadline, work).await;
    let fetched = fetched.lock().map(|f| f.clone()).unwrap_or_default();
    for source in wanted {
        let answer = fetched.get(&source).cloned().unwrap_or_else(|| {
            Answer::Failed(format!(
                "no answer within {}",
                humantime::format_duration(options.deadline)
            ))
        });
        if let Some(dir) = options.cache.as_deref() {
            keep(dir, &source, &answer);
        }
        answers.insert(source, answer);
    }
    answers
}

fn client(proxies: Matcher) -> Result<HttpClient, String> {
    use rustls_platform_verifier::BuilderVerifierExt as _;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_platform_verifier()
        .map_err(|e| e.to_string())?
        .with_no_client_auth();
    let connector = hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(tls.clone())
        .https_or_http()
        .enable_http1()
        .build();
    Ok(HttpClient {
        tls,
        direct: Client::builder(TokioExecutor::new()).build(connector),
        proxies,
        tunnels: std::sync::Mutex::new(BTreeMap::new()),
    })
}

async fn fetch(client: &HttpClient, source: &Source, timeout: Duration) -> Answer {
    match source {
        Source::Index { url } => index(client, url, timeout).await,
        Source::Oci {
            registry,
            repository,
            plain_http,
        } => tags(client, registry, repository, *plain_http, timeout).await,
    }
}

/// A Helm repository index: only `entries.<chart>[].version` is read.
#[derive(Deserialize)]
struct Index {
    #[serde(default)]
    entries: BTreeMap<String, Vec<IndexEntry>>,
}

#[derive(Deserialize)]
struct IndexEntry {
    #[serde(default)]
    version: String,
}

async fn index(client: &HttpClient, url: &str, timeout: Duration) -> Answer {
    let address = format!("{url}/index.yaml");
    let response = match get(client, &address, &HeaderMap::new(), timeout).await {
        Ok(r) => r,
        Err(e) => return Answer::Failed(format!("{address}: {e}")),
    };
    match response.status {
        s if s.is_success() => parse_index(&response.body)
            .map_err(|e| format!("{address}: not a Helm repository index: {e}"))
            .map_or_else(Answer::Failed, Answer::Index),
        StatusCode::NOT_FOUND | StatusCode::GONE => Answer::Missing(format!(
            "no index.yaml at this URL (HTTP {})",
            response.status.as_u16()
        )),
        s => Answer::Failed(format!("{address}: HTTP {}", s.as_u16())),
    }
}

/// Chart name → versions of an index document.
///
/// # Errors
/// Not YAML, or not an index.
pub fn parse_index(body: &[u8]) -> Result<BTreeMap<String, Vec<String>>, String> {
    let text = std::str::from_utf8(body).map_err(|e| e.to_string())?;
    let mut budget = serde_saphyr::Budget::default();
    budget.max_events = 100_000_000;
    budget.max_nodes = 50_000_000;
    budget.max_total_scalar_bytes = MAX_BODY;
    budget.max_documents = 1;
    let options =
        serde_saphyr::options! { strict_booleans: true, with_snippet: false, budget: Some(budget) };
    let index: Index =
        serde_saphyr::from_str_with_options(text, options).map_err(|e| e.to_string())?;
    Ok(index
        .entries
        .into_iter()
        .map(|(chart, versions)| (chart, versions.into_iter().map(|v| v.version).collect()))
        .collect())
}

#[derive(Deserialize)]
struct TagList {
    #[serde(default)]
    tags: Option<Vec<String>>,
}

#[derive(Deserialize)]
struct Token {
    #[serde(default)]
    token: Option<String>,
    #[serde(default)]
    access_token: Option<String>,
}

async fn tags(
    client: &HttpClient,
    registry: &str,
    repository: &str,
    plain_http: bool,
    timeout: Duration,
) -> Answer {
    let scheme = if plain_http { "http" } else { "https" };
    // Docker Hub's API is not at its name.
    let host = if registry == "docker.io" {
        "registry-1.docker.io"
    } else {
        registry
    };
    let base = format!("{scheme}://{host}");
    let mut next = Some(format!("{base}/v2/{repository}/tags/list?n=1000"));
    let mut headers = HeaderMap::new();
    let mut all = Vec::new();
    let mut pages = 0;
    while let Some(address) = next.take() {
        pages += 1;
        if pages > TAG_PAGES {
            break;
        }
        let mut response = match get(client, &address, &headers, timeout).await {
            Ok(r) => r,
            Err(e) => return Answer::Failed(format!("{address}: {e}")),
        };
        if response.status == StatusCode::UNAUTHORIZED
            && !headers.contains_key(header::AUTHORIZATION)
        {
            match anonymous_token(client, &response.headers, timeout).await {
                Ok(Some(token)) => {
                    if let Ok(v) = http::HeaderValue::from_str(&format!("Bearer {token}")) {
                        headers.insert(header::AUTHORIZATION, v);
                    }
                    response = match get(client, &address, &headers, timeout).await {
                        Ok(r) => r,
                        Err(e) => return Answer::Failed(format!("{address}: {e}")),
                    };
                }
                Ok(None) => {}
                Err(e) => return Answer::Failed(format!("{address}: token: {e}")),
            }
        }
        match response.status {
            s if s.is_success() => {}
            StatusCode::NOT_FOUND => {
                return Answer::Missing("no such repository in the registry (HTTP 404)".to_owned());
            }
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => {
                return Answer::Failed(format!(
                    "{address}: needs credentials (HTTP {})",
                    response.status.as_u16()
                ));
            }
            s => return Answer::Failed(format!("{address}: HTTP {}", s.as_u16())),
        }
        match serde_json::from_slice::<TagList>(&response.body) {
            Ok(list) => all.extend(list.tags.unwrap_or_default()),
            Err(e) => return Answer::Failed(format!("{address}: not a tag list: {e}")),
        }
        // Pages of this registry only: a `Link` elsewhere is not followed with its token.
        next = link_next(&response.headers)
            .map(|l| resolve(&address, &l))
            .filter(|n| origin_of(n) == origin_of(&address));
    }
    Answer::Tags(all)
}

/// The anonymous token a `401`'s `WWW-Authenticate: Bearer realm=…,service=…,scope=…` offers (`None`: no
/// bearer challenge).
async fn anonymous_token(
    client: &HttpClient,
    headers: &HeaderMap,
    timeout: Duration,
) -> Result<Option<String>, String> {
    let Some(challenge) = headers
        .get(header::WWW_AUTHENTICATE)
        .and_then(|v| v.to_str().ok())
    else {
        return Ok(None);
    };
    let Some(params) = bearer_params(challenge) else {
        return Ok(None);
    };
    let Some(realm) = params.get("realm") else {
        return Ok(None);
    };
    let query: Vec<String> = ["service", "scope"]
        .iter()
        .filter_map(|k| {
            params.get(*k).map(|v| {
                format!(
                    "{k}={}",
                    percent_encoding::utf8_percent_encode(v, percent_encoding::NON_ALPHANUMERIC)
                )
            })
        })
        .collect();
    let separator = if realm.contains('?') { '&' } else { '?' };
    let address = format!("{realm}{separator}{}", query.join("&"));
    let response = get(client, &address, &HeaderMap::new(), timeout).await?;
    if !response.status.is_success() {
        return Err(format!("HTTP {} from {address}", response.status.as_u16()));
    }
    let token: Token = serde_json::from_slice(&response.body).map_err(|e| e.to_string())?;
    Ok(token.token.or(token.access_token))
}

/// The parameters of a `Bearer` challenge.
#[must_use]
pub fn bearer_params(challenge: &str) -> Option<BTreeMap<String, String>> {
    let rest = challenge.trim().strip_prefix("Bearer ")?;
    let mut out = BTreeMap::new();
    let mut text = rest.trim();
    while !text.is_empty() {
        let (key, after) = text.split_once('=')?;
        let after = after.trim_start();
        let (value, tail) = if let Some(quoted) = after.strip_prefix('"') {
            let end = quoted.find('"')?;
            (&quoted[..end], &quoted[end + 1..])
        } else {
            after.split_once(',').map_or((after, ""), |(v, t)| (v, t))
        };
        out.insert(key.trim().to_ascii_lowercase(), value.to_owned());
        text = tail.trim_start().trim_start_matches(',').trim_start();
    }
    Some(out)
}

/// The `rel="next"` target of a `Link` header.
#[must_use]
pub fn link_next(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::LINK)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .find(|part| part.contains("rel=\"next\"") || part.contains("rel=next"))
        .and_then(|part| {
            let start = part.find('<')? + 1;
            let end = part.find('>')?;
            (start <= end).then(|| part[start..end].to_owned())
        })
}

/// `location` (absolute, absolute path, or relative) against `base`.
#[must_use]
pub fn resolve(base: &str, location: &str) -> String {
    if location.contains("://") {
        return location.to_owned();
    }
    let Ok(uri) = base.parse::<Uri>() else {
        return location.to_owned();
    };
    let origin = format!(
        "{}://{}",
        uri.scheme_str().unwrap_or("https"),
        uri.authority().map(|a| a.as_str()).unwrap_or_default()
    );
    if location.starts_with('/') {
        return format!("{origin}{location}");
    }
    let dir = uri.path().rsplit_once('/').map_or("", |(d, _)| d);
    format!("{origin}{dir}/{location}")
}

struct Response {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

/// GET `address`, following redirects, the whole answer within `timeout`.
async fn get(
    client: &HttpClient,
    address: &str,
    headers: &HeaderMap,
    timeout: Duration,
) -> Result<Response, String> {
    let work = async {
        let origin = origin_of(address);
        let mut address = address.to_owned();
        for _ in 0..=REDIRECTS {
            let uri: Uri = address.parse().map_err(|e| format!("not a URL: {e}"))?;
            let mut request = Request::get(uri)
                .header(
                    header::USER_AGENT,
                    concat!("fluxops/", env!("CARGO_PKG_VERSION")),
                )
                .body(Empty::<Bytes>::new())
                .map_err(|e| e.to_string())?;
            request.headers_mut().extend(headers.clone());
            // A token is for the origin it was asked for, not for where a redirect points.
            if origin_of(&address) != origin {
                request.headers_mut().remove(header::AUTHORIZATION);
            }
            let response = client.request(request).await.map_err(describe)?;
            let status = response.status();
            if status.is_redirection()
                && let Some(location) = response
                    .headers()
                    .get(header::LOCATION)
                    .and_then(|l| l.to_str().ok())
            {
                address = resolve(&address, location);
                continue;
            }
            let headers = response.headers().clone();
            let body = Limited::new(response.into_body(), MAX_BODY)
                .collect()
                .await
                .map_err(|e| format!("reading the answer: {e}"))?
                .to_bytes();
            return Ok(Response {
                status,
                headers,
                body,
            });
        }
        Err(format!("more than {REDIRECTS} redirects"))
    };
    tokio::time::timeout(timeout, work)
        .await
        .map_err(|_| format!("no answer within {}", humantime::format_duration(timeout)))?
}

/// `scheme://authority` of an address (`None`: not a URL).
fn origin_of(address: &str) -> Option<String> {
    let uri: Uri = address.parse().ok()?;
    Some(format!("{}://{}", uri.scheme_str()?, uri.authority()?))
}

/// A client error with its causes (hyper's own text is only "client error (Connect)").
fn describe(e: hyper_util::client::legacy::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// What the cache keeps: the answers worth keeping, and when.
#[derive(Serialize, Deserialize)]
struct Kept {
    source: String,
    fetched: u64,
    index: Option<BTreeMap<String, Vec<String>>>,
    tags: Option<Vec<String>>,
}

fn cache_file(dir: &Path, source: &Source) -> PathBuf {
    use sha2::Digest as _;
    let digest = sha2::Sha256::digest(source.describe().as_bytes());
    let name: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
    dir.join(format!("{name}.json"))
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn cached(dir: &Path, source: &Source, max_age: Duration) -> Option<Answer> {
    let bytes =
        crate::bounded_file::read(&cache_file(dir, source), crate::bounded_file::DATA).ok()?;
    let kept: Kept = serde_json::from_slice(&bytes).ok()?;
    if kept.source != source.describe() || now().saturating_sub(kept.fetched) > max_age.as_secs() {
        return None;
    }
    match (kept.index, kept.tags) {
        (Some(index), _) => Some(Answer::Index(index)),
        (None, Some(tags)) => Some(Answer::Tags(tags)),
        (None, None) => None,
    }
}

/// Keeps an index or a tag list (a failure is asked again next time); a cache that cannot be written is
/// no cache.
fn keep(dir: &Path, source: &Source, answer: &Answer) {
    let (index, tags) = match answer {
        Answer::Index(i) => (Some(i.clone()), None),
        Answer::Tags(t) => (None, Some(t.clone())),
        Answer::Missing(_) | Answer::Failed(_) => return,
    };
    let kept = Kept {
        source: source.describe(),
        fetched: now(),
        index,
        tags,
    };
    let Ok(text) = serde_json::to_vec(&kept) else {
        return;
    };
    if std::fs::create_dir_all(dir).is_err() {
        return;
    }
    let Ok(mut file) = tempfile::NamedTempFile::new_in(dir) else {
        return;
    };
    if std::io::Write::write_all(&mut file, &text).is_ok() {
        let _ = file.persist(cache_file(dir, source));
    }
}

#[cfg(test)]
#[path = "chart_fetch/tests.rs"]
mod tests;
