//! Chart versions against their repositories, pure: which HelmReleases and HelmCharts ask a HelmRepository for
//! which chart and version, and which OCIRepositories ask their registry for which tag ([`queries`]); and,
//! given what each repository answered (fetched by `chart_fetch`), the findings ([`judge`]).
//!
//! The lookup is source-controller's: an exact version string first, then the highest version matching the
//! constraint (`chart_range`); an empty version is the latest stable one. A HelmRepository of `type: oci`
//! answers with the tags of `<url>/<chart>`. Not asked: a repository that needs credentials (`secretRef`, or a
//! cloud `provider`), a version or URL still holding a `${variable}`, a chart from a GitRepository or Bucket
//! (its version is the chart's own), an OCIRepository pinned by digest. Each is counted in a note instead.

use super::chart_range::{self, Lookup};
use super::load::Repository;
use super::{Finding, rules};
use crate::flux::{FluxKind, FluxObject, ResourceRef};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

/// Where versions are listed.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Source {
    /// A Helm repository: `<url>/index.yaml` lists every chart's versions.
    Index { url: String },
    /// An OCI repository: its tags (`https://<registry>/v2/<repository>/tags/list`).
    Oci {
        registry: String,
        repository: String,
        /// `insecure: true`: plain HTTP.
        plain_http: bool,
    },
}

impl Source {
    /// How a user would name it (`https://…`, `oci://…`).
    #[must_use]
    pub fn describe(&self) -> String {
        match self {
            Source::Index { url } => url.clone(),
            Source::Oci {
                registry,
                repository,
                ..
            } => format!("oci://{registry}/{repository}"),
        }
    }
}

/// One object's question to a source.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Query {
    pub object: ResourceRef,
    /// Relative to the checked directory.
    pub file: PathBuf,
    /// The line of the version (else the chart, else the object).
    pub line: Option<usize>,
    pub source: Source,
    /// The chart's name (an OCI source's tags are its versions); empty for an OCIRepository.
    pub chart: String,
    /// The version or constraint as written; empty: the latest stable version.
    pub wanted: String,
    /// `wanted` is a tag to find as it is (an OCIRepository's `ref.tag`), not a version or constraint.
    pub exact: bool,
    /// An OCIRepository's `ref.semverFilter`: a regular expression a tag must match before the range is applied,
    /// and its line.
    pub filter: Option<(String, Option<usize>)>,
}

/// What a source answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// A Helm repository index: chart name → its versions.
    Index(BTreeMap<String, Vec<String>>),
    /// An OCI repository's tags.
    Tags(Vec<String>),
    /// The index or the OCI repository does not exist (HTTP 404, `NAME_UNKNOWN`).
    Missing(String),
    /// Could not ask (network, TLS, another status, a malformed answer), in words.
    Failed(String),
}

/// What was left out, and why (for the report's notes).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    pub queries: Vec<Query>,
    /// Objects whose repository needs credentials fluxops does not have.
    pub needs_credentials: BTreeSet<ResourceRef>,
    /// Objects whose version or URL still holds a `${variable}`.
    pub substituted: BTreeSet<ResourceRef>,
}

/// The questions of every entry point of `repo` (an object patched differently per cluster asks once per
/// version; the same question from two entry points once).
#[must_use]
pub fn queries(repo: &Repository) -> Plan {
    let mut plan = Plan::default();
    let mut seen = BTreeSet::new();
    for entry in &repo.entries {
        let by_ref: BTreeMap<ResourceRef, &FluxObject> = entry
            .load
            .objects
            .iter()
            .filter_map(|o| Some((o.resource_ref()?, o)))
            .collect();
        for (obj, origin) in entry.load.objects.iter().zip(&entry.load.origins) {
            let Some(r) = obj.resource_ref() else {
                continue;
            };
            let Some(ask) = question(obj, &r, &by_ref) else {
                continue;
            };
            let (source_obj, chart, wanted, field, exact, filter) = match ask {
                Ask::Skip(Skip::Credentials) => {
                    plan.needs_credentials.insert(r);
                    continue;
                }
                Ask::Skip(Skip::Substituted) => {
                    plan.substituted.insert(r);
                    continue;
                }
                Ask::Chart {
                    repository,
                    chart,
                    wanted,
                    field,
                    exact,
                    filter,
                } => (repository, chart, wanted, field, exact, filter),
            };
            let source = match source_of(source_obj, &chart) {
                Ok(s) => s,
                Err(Skip::Credentials) => {
                    plan.needs_credentials.insert(r);
                    continue;
                }
                Err(Skip::Substituted) => {
                    plan.substituted.insert(r);
                    continue;
                }
            };
            let filter = filter.map(|f| (f, repo.field_line(&r, origin, "spec.ref.semverFilter")));
            let query = Query {
                file: repo.relative(&origin.file),
                line: repo.field_line(&r, origin, field),
                filter,
                object: r,
                chart,
                source,
                wanted,
                exact,
            };
            if seen.insert(query.clone()) {
                plan.queries.push(query);
            }
        }
    }
    plan
}

/// Why an object is not asked about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Skip {
    Credentials,
    Substituted,
}

/// An object's question: the repository object, chart, version and the field naming the version.
enum Ask<'o> {
    Chart {
        repository: &'o FluxObject,
        chart: String,
        wanted: String,
        field: &'static str,
        exact: bool,
        filter: Option<String>,
    },
    Skip(Skip),
}

fn question<'o>(
    obj: &'o FluxObject,
    r: &ResourceRef,
    by_ref: &BTreeMap<ResourceRef, &'o FluxObject>,
) -> Option<Ask<'o>> {
    let (chart, wanted, field, source_ref) = match r.kind {
        FluxKind::HelmRelease => {
            let spec = &obj.spec.chart.as_ref()?.spec;
            let field = if spec.version.is_some() {
                "spec.chart.spec.version"
            } else {
                "spec.chart.spec.chart"
            };
            (
                spec.chart.clone(),
                spec.version.clone().unwrap_or_default(),
                field,
                &spec.source_ref,
            )
        }
        FluxKind::HelmChart => {
            let chart = obj.spec.chart.as_ref()?.spec.chart.clone();
            let field = if obj.spec.version.is_some() {
                "spec.version"
            } else {
                "spec.chart"
            };
            (
                chart,
                obj.spec.version.clone().unwrap_or_default(),
                field,
                obj.spec.source_ref.as_ref()?,
            )
        }
        FluxKind::OCIRepository => {
            let reference = obj.spec.r#ref.as_ref();
            let text = |k: &str| {
                reference
                    .and_then(|v| v.get(k))
                    .and_then(|v| v.as_str())
                    .filter(|s| !s.is_empty())
            };
            if text("digest").is_some() {
                return None;
            }
            let (wanted, field, exact) = match (text("semver"), text("tag")) {
                (Some(s), _) => (s.to_owned(), "spec.ref.semver", false),
                (None, Some(t)) => (t.to_owned(), "spec.ref.tag", true),
                // No ref: the `latest` tag.
                (None, None) => ("latest".to_owned(), "spec.url", true),
            };
            // The filter narrows a semver range only.
            let filter = text("semverFilter").filter(|_| !exact).map(str::to_owned);
            if wanted.contains("${") || filter.as_deref().is_some_and(|f| f.contains("${")) {
                return Some(Ask::Skip(Skip::Substituted));
            }
            return Some(Ask::Chart {
                repository: obj,
                chart: String::new(),
                wanted,
                field,
                exact,
                filter,
            });
        }
        _ => return None,
    };
    if source_ref.kind != "HelmRepository" {
        return None;
    }
    if chart.contains("${") || wanted.contains("${") {
        return Some(Ask::Skip(Skip::Substituted));
    }
    let namespace = source_ref
        .namespace
        .clone()
        .unwrap_or_else(|| r.namespace.clone());
    let repository = by_ref.get(&ResourceRef::new(
        FluxKind::HelmRepository,
        namespace,
        source_ref.name.clone(),
    ))?;
    Some(Ask::Chart {
        repository,
        chart,
        wanted,
        field,
        exact: false,
        filter: None,
    })
}

/// The source a HelmRepository (for `chart`) or an OCIRepository answers from.
fn source_of(repository: &FluxObject, chart: &str) -> Result<Source, Skip> {
    let spec = &repository.spec;
    let url = spec.url.clone().unwrap_or_default();
    if url.contains("${") {
        return Err(Skip::Substituted);
    }
    // An OCIRepository's service account brings its image pull secrets.
    let service_account = repository.kind == "OCIRepository" && spec.service_account_name.is_some();
    if spec.secret_ref.is_some()
        || service_account
        || spec
            .provider
            .as_deref()
            .is_some_and(|p| !p.is_empty() && p != "generic")
    {
        return Err(Skip::Credentials);
    }
    let oci = repository.kind == "OCIRepository"
        || spec.repo_type.as_deref() == Some("oci")
        || url.starts_with("oci://");
    if !oci {
        return Ok(Source::Index {
            url: url.trim_end_matches('/').to_owned(),
        });
    }
    let rest = url.strip_prefix("oci://").unwrap_or(&url);
    let (registry, path) = rest.split_once('/').unwrap_or((rest, ""));
    let repository_path = [path.trim_matches('/'), chart]
        .iter()
        .filter(|p| !p.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join("/");
    Ok(Source::Oci {
        registry: registry.to_owned(),
        repository: repository_path,
        plain_http: spec.insecure == Some(true),
    })
}

/// The findings of `queries` given each source's answer (a source with no answer: not asked, no finding).
#[must_use]
pub fn judge(queries: &[Query], answers: &BTreeMap<Source, Answer>) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut failed = BTreeSet::new();
    for q in queries {
        let Some(answer) = answers.get(&q.source) else {
            continue;
        };
        let at = |rule: &rules::Rule, message: String| {
            Finding::new(rule, q.file.clone(), q.line, message)
        };
        let whose = object_name(&q.object);
        let wanted = if q.wanted.is_empty() { "*" } else { &q.wanted };
        let from = q.source.describe();
        let converted: Vec<String>;
        let versions = match answer {
            Answer::Index(entries) => match entries.get(&q.chart) {
                Some(v) if !v.is_empty() => v.as_slice(),
                _ => {
                    out.push(at(
                        &rules::CHART_NOT_FOUND,
                        format!("{whose}: no chart '{}' in the index of {from}", q.chart),
                    ));
                    continue;
                }
            },
            // Helm pushes a chart version's `+` as `_` (tags cannot hold `+`).
            Answer::Tags(tags) if q.object.kind != FluxKind::OCIRepository => {
                converted = tags.iter().map(|t| t.replace('_', "+")).collect();
                converted.as_slice()
            }
            Answer::Tags(tags) => tags.as_slice(),
            Answer::Missing(why) => {
                let finding = if q.object.kind == FluxKind::OCIRepository {
                    at(&rules::OCI_TAG_NOT_FOUND, format!("{whose}: {from}: {why}"))
                } else if matches!(q.source, Source::Oci { .. }) {
                    at(
                        &rules::CHART_NOT_FOUND,
                        format!("{whose}: no chart at {from}: {why}"),
                    )
                } else if failed.insert(q.source.clone()) {
                    // The index itself is missing: the HelmRepository's URL is wrong; said once.
                    at(
                        &rules::REPOSITORY_UNAVAILABLE,
                        format!("{from}: {why} (asked for {whose})"),
                    )
                    .with_severity(super::Severity::Warning)
                } else {
                    continue;
                };
                out.push(finding);
                continue;
            }
            Answer::Failed(why) => {
                if failed.insert(q.source.clone()) {
                    // `why` names the address asked.
                    out.push(at(
                        &rules::REPOSITORY_UNAVAILABLE,
                        format!("{why} (asked for {whose})"),
                    ));
                }
                continue;
            }
        };
        let filtered: Vec<String>;
        let versions = match &q.filter {
            None => versions,
            Some((f, _)) => match regex::Regex::new(f) {
                Ok(re) => {
                    filtered = versions
                        .iter()
                        .filter(|t| re.is_match(t))
                        .cloned()
                        .collect();
                    filtered.as_slice()
                }
                // `offline` said it already.
                Err(_) => continue,
            },
        };
        let outcome = if q.exact {
            if versions.contains(&q.wanted) {
                Lookup::Found(q.wanted.clone())
            } else {
                Lookup::NoMatch
            }
        } else {
            chart_range::lookup(&q.wanted, versions)
        };
        match outcome {
            Lookup::Found(_) => {}
            Lookup::NoMatch => {
                let (rule, what) = if q.object.kind == FluxKind::OCIRepository {
                    let what = if q.exact { "no tag" } else { "no tag matching" };
                    let filter = q
                        .filter
                        .as_ref()
                        .map(|(f, _)| format!(" among the tags matching semverFilter '{f}'"))
                        .unwrap_or_default();
                    (
                        &rules::OCI_TAG_NOT_FOUND,
                        format!("{what} '{wanted}'{filter} in {from}"),
                    )
                } else {
                    (
                        &rules::CHART_VERSION_NOT_FOUND,
                        format!(
                            "no '{}' chart with version matching '{wanted}' in {from}",
                            q.chart
                        ),
                    )
                };
                out.push(at(rule, format!("{whose}: {what}{}", latest(versions))));
            }
            // A Helm repository's versions are semver: `offline` said it already.
            Lookup::Improper(_) if matches!(q.source, Source::Index { .. }) => {}
            Lookup::Improper(e) => out.push(at(
                &rules::CHART_VERSION_INVALID,
                format!("{whose}: version '{wanted}': {e}{}", latest(versions)),
            )),
        }
    }
    out
}

/// The findings that need no answer: a version that is neither a version nor a constraint, for a Helm
/// repository index (whose versions are semver; an OCI tag may be any word, so that waits for the tags).
#[must_use]
pub fn offline(queries: &[Query]) -> Vec<Finding> {
    let filters = queries.iter().filter_map(|q| {
        let (f, line) = q.filter.as_ref()?;
        let e = regex::Regex::new(f).err()?;
        let e = e.to_string();
        let why = e.lines().last().unwrap_or_default().trim();
        Some(Finding::new(
            &rules::CHART_VERSION_INVALID,
            q.file.clone(),
            *line,
            format!(
                "{}: semverFilter '{f}' is not a regular expression: {why}",
                object_name(&q.object)
            ),
        ))
    });
    let versions = queries
        .iter()
        .filter(|q| matches!(q.source, Source::Index { .. }) && !q.wanted.is_empty())
        .filter_map(|q| {
            let e = chart_range::Constraint::parse(&q.wanted).err()?;
            Some(Finding::new(
                &rules::CHART_VERSION_INVALID,
                q.file.clone(),
                q.line,
                format!("{}: version '{}': {e}", object_name(&q.object), q.wanted),
            ))
        });
    filters.chain(versions).collect()
}

fn object_name(r: &ResourceRef) -> String {
    if r.namespace.is_empty() {
        format!("{}/{}", r.kind, r.name)
    } else {
        format!("{}/{}/{}", r.kind, r.namespace, r.name)
    }
}

/// `(latest: 6.6.1, 6.6.0, 6.5.4)`: the three highest stable versions, for the message.
fn latest(versions: &[String]) -> String {
    let mut parsed: Vec<(semver::Version, &String)> = versions
        .iter()
        .filter_map(|t| chart_range::parse_version(t).map(|v| (v, t)))
        .collect();
    // Stable versions, unless the repository has only pre-releases.
    if parsed.iter().any(|(v, _)| v.pre.is_empty()) {
        parsed.retain(|(v, _)| v.pre.is_empty());
    }
    parsed.sort_by(|(a, _), (b, _)| b.cmp_precedence(a));
    let top: Vec<&str> = parsed.iter().take(3).map(|(_, t)| t.as_str()).collect();
    if top.is_empty() {
        String::new()
    } else {
        format!(" (latest: {})", top.join(", "))
    }
}

#[cfg(test)]
#[path = "charts/tests.rs"]
mod tests;
