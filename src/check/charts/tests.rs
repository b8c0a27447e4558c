use super::*;

const REPO: &str = r#"apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata:
  name: public
  namespace: flux-system
spec:
  interval: 1h
  url: https://charts.example/stable/
---
apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata:
  name: ghcr
  namespace: flux-system
spec:
  type: oci
  interval: 1h
  url: oci://ghcr.example/org/charts
---
apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata:
  name: private
  namespace: flux-system
spec:
  interval: 1h
  url: https://private.example
  secretRef:
    name: creds
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: good
  namespace: apps
spec:
  interval: 10m
  chart:
    spec:
      chart: podinfo
      version: 6.6.x
      sourceRef:
        kind: HelmRepository
        name: public
        namespace: flux-system
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: too-new
  namespace: apps
spec:
  interval: 10m
  chart:
    spec:
      chart: podinfo
      version: "9.*"
      sourceRef:
        kind: HelmRepository
        name: public
        namespace: flux-system
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: misspelt
  namespace: apps
spec:
  interval: 10m
  chart:
    spec:
      chart: podinf
      sourceRef:
        kind: HelmRepository
        name: public
        namespace: flux-system
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: words
  namespace: apps
spec:
  interval: 10m
  chart:
    spec:
      chart: podinfo
      version: latest
      sourceRef:
        kind: HelmRepository
        name: public
        namespace: flux-system
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: from-oci
  namespace: apps
spec:
  interval: 10m
  chart:
    spec:
      chart: podinfo
      version: 6.6.1+abc
      sourceRef:
        kind: HelmRepository
        name: ghcr
        namespace: flux-system
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: secret
  namespace: apps
spec:
  interval: 10m
  chart:
    spec:
      chart: internal
      version: 1.0.0
      sourceRef:
        kind: HelmRepository
        name: private
        namespace: flux-system
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: templated
  namespace: apps
spec:
  interval: 10m
  chart:
    spec:
      chart: podinfo
      version: ${podinfo_version}
      sourceRef:
        kind: HelmRepository
        name: public
        namespace: flux-system
---
apiVersion: source.toolkit.fluxcd.io/v1
kind: OCIRepository
metadata:
  name: manifests
  namespace: flux-system
spec:
  interval: 5m
  url: oci://ghcr.example/org/manifests
  ref:
    tag: v1.2.3
"#;

fn repo() -> (tempfile::TempDir, Repository) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("sources.yaml"), REPO).unwrap();
    let repo = crate::check::load::load(dir.path(), None).unwrap();
    (dir, repo)
}

fn named<'q>(plan: &'q Plan, name: &str) -> &'q Query {
    plan.queries
        .iter()
        .find(|q| q.object.name == name)
        .unwrap_or_else(|| panic!("no query for {name}: {:#?}", plan.queries))
}

#[test]
fn each_release_asks_its_repository_for_its_chart_and_version_at_the_version_line() {
    let (_dir, repo) = repo();
    let plan = queries(&repo);
    let good = named(&plan, "good");
    assert_eq!(
        good.source,
        Source::Index {
            url: "https://charts.example/stable".into()
        }
    );
    assert_eq!(
        (good.chart.as_str(), good.wanted.as_str()),
        ("podinfo", "6.6.x")
    );
    assert_eq!(good.file, PathBuf::from("sources.yaml"));
    assert_eq!(good.line, Some(41), "the version line");
    // No version: the chart's line, and the latest stable version.
    let misspelt = named(&plan, "misspelt");
    assert_eq!((misspelt.wanted.as_str(), misspelt.line), ("", Some(72)));
    let oci = named(&plan, "from-oci");
    assert_eq!(
        oci.source,
        Source::Oci {
            registry: "ghcr.example".into(),
            repository: "org/charts/podinfo".into(),
            plain_http: false
        }
    );
    let manifests = named(&plan, "manifests");
    assert!(manifests.exact);
    assert_eq!(manifests.wanted, "v1.2.3");
    let secret = ResourceRef::new(FluxKind::HelmRelease, "apps", "secret");
    assert!(plan.needs_credentials.contains(&secret));
    let templated = ResourceRef::new(FluxKind::HelmRelease, "apps", "templated");
    assert!(plan.substituted.contains(&templated));
    assert!(
        plan.queries
            .iter()
            .all(|q| q.object != secret && q.object != templated)
    );
}

#[test]
fn answers_become_findings_only_where_the_repository_cannot_serve() {
    let (_dir, repo) = repo();
    let plan = queries(&repo);
    let index = Source::Index {
        url: "https://charts.example/stable".into(),
    };
    let versions = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    let answers = BTreeMap::from([
        (
            index,
            Answer::Index(BTreeMap::from([(
                "podinfo".to_owned(),
                versions(&["6.6.1", "6.6.0", "6.5.4", "7.0.0-rc.1"]),
            )])),
        ),
        (
            named(&plan, "from-oci").source.clone(),
            // Helm pushes `+` as `_`.
            Answer::Tags(versions(&["6.6.0", "6.6.1_abc"])),
        ),
        (
            named(&plan, "manifests").source.clone(),
            Answer::Tags(versions(&["v1.2.2", "latest"])),
        ),
    ]);
    let found = judge(&plan.queries, &answers);
    let by_object = |name: &str| -> Vec<&Finding> {
        found
            .iter()
            .filter(|f| f.message.contains(&format!("/{name}:")))
            .collect()
    };
    assert!(by_object("good").is_empty(), "{found:#?}");
    assert!(by_object("from-oci").is_empty(), "{found:#?}");
    let too_new = by_object("too-new");
    assert_eq!(too_new.len(), 1);
    assert_eq!(too_new[0].rule, "chart-version-not-found");
    assert!(
        too_new[0].message.contains("'9.*'"),
        "{}",
        too_new[0].message
    );
    assert!(
        too_new[0].message.contains("latest: 6.6.1, 6.6.0, 6.5.4"),
        "{}",
        too_new[0].message
    );
    assert_eq!(too_new[0].line, Some(57));
    assert_eq!(by_object("misspelt")[0].rule, "chart-not-found");
    // A word for a version of a Helm repository is the offline finding's (not said twice).
    assert!(by_object("words").is_empty(), "{found:#?}");
    let manifests = by_object("manifests");
    assert_eq!(manifests[0].rule, "oci-tag-not-found");
    assert!(manifests[0].message.contains("'v1.2.3'"));
    assert_eq!(found.len(), 3, "{found:#?}");
}

#[test]
fn an_unreachable_repository_is_one_note_and_a_missing_index_a_warning() {
    let (_dir, repo) = repo();
    let plan = queries(&repo);
    let index = named(&plan, "good").source.clone();
    let failed = BTreeMap::from([(index.clone(), Answer::Failed("connection refused".into()))]);
    let found = judge(&plan.queries, &failed);
    assert_eq!(found.len(), 1, "one note for the repository: {found:#?}");
    assert_eq!(found[0].rule, "repository-unavailable");
    assert_eq!(found[0].severity, crate::check::Severity::Note);
    let missing = BTreeMap::from([(index, Answer::Missing("no index.yaml (HTTP 404)".into()))]);
    let found = judge(&plan.queries, &missing);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].severity, crate::check::Severity::Warning);
    let oci_missing = BTreeMap::from([(
        named(&plan, "from-oci").source.clone(),
        Answer::Missing("HTTP 404".into()),
    )]);
    let found = judge(&plan.queries, &oci_missing);
    assert_eq!(found[0].rule, "chart-not-found");
}

#[test]
fn offline_a_word_for_a_version_is_still_caught() {
    let (_dir, repo) = repo();
    let plan = queries(&repo);
    let found = offline(&plan.queries);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].rule, "chart-version-invalid");
    assert!(found[0].message.contains("HelmRelease/apps/words"));
}

const FILTERED: &str = r#"apiVersion: source.toolkit.fluxcd.io/v1
kind: OCIRepository
metadata:
  name: candidates
  namespace: flux-system
spec:
  interval: 5m
  url: oci://ghcr.example/org/candidates
  ref:
    semver: ">=1.0.0-0"
    semverFilter: ".*-rc.*"
---
apiVersion: source.toolkit.fluxcd.io/v1
kind: OCIRepository
metadata:
  name: staging-only
  namespace: flux-system
spec:
  interval: 5m
  url: oci://ghcr.example/org/candidates
  ref:
    semver: ">=1.0.0-0"
    semverFilter: "-staging$"
---
apiVersion: source.toolkit.fluxcd.io/v1
kind: OCIRepository
metadata:
  name: broken-filter
  namespace: flux-system
spec:
  interval: 5m
  url: oci://ghcr.example/org/candidates
  ref:
    semver: ">=1.0.0"
    semverFilter: "v1.[0-"
"#;

/// `ref.semverFilter` narrows the tags (a regular expression on the tag, as source-controller applies it) before
/// the range: a filter nothing passes is a tag not found that names the filter; a filter that does not compile is
/// caught offline at its own line.
#[test]
fn an_oci_semver_filter_narrows_the_tags_and_a_broken_one_is_caught_offline() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("oci.yaml"), FILTERED).unwrap();
    let repo = crate::check::load::load(dir.path(), None).unwrap();
    let plan = queries(&repo);
    assert_eq!(
        named(&plan, "candidates").filter,
        Some((".*-rc.*".to_owned(), Some(11)))
    );
    let tags = ["1.0.0", "1.1.0-rc.1", "1.1.0"].map(str::to_owned).to_vec();
    let answers = BTreeMap::from([(
        named(&plan, "candidates").source.clone(),
        Answer::Tags(tags),
    )]);
    let found = judge(&plan.queries, &answers);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].rule, "oci-tag-not-found");
    assert!(
        found[0].message.contains("/staging-only:"),
        "{}",
        found[0].message
    );
    assert!(
        found[0].message.contains("semverFilter '-staging$'"),
        "{}",
        found[0].message
    );
    let off = offline(&plan.queries);
    assert_eq!(off.len(), 1, "{off:#?}");
    assert_eq!(off[0].rule, "chart-version-invalid");
    assert_eq!(off[0].line, Some(35));
    assert!(
        off[0]
            .message
            .contains("broken-filter: semverFilter 'v1.[0-'"),
        "{}",
        off[0].message
    );
}
