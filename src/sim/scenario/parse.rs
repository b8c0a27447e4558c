//! Scenario text → [`Scenario`]: splits the YAML stream into documents (keeping each one's first line so every
//! error names the line in the file), reads the header, validates each manifest's kind, apiVersion and name,
//! and separates the `simulation:` block from the manifest.

use super::{Behaviour, Scenario, ScenarioError, ScenarioObject};
use crate::flux::{FluxKind, ResourceRef};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use serde_saphyr::Spanned;
use std::collections::BTreeMap;
use std::path::Path;

/// How much faster than real time a scenario's warm-up runs unless it says otherwise.
const DEFAULT_WARMUP_SCALE: f64 = 30.0;

/// One YAML document of the stream and the file line its text starts on.
struct Document {
    text: String,
    first_line: u64,
}

/// Splits on `---` document markers at the start of a line; drops documents with only comments or blanks.
fn split_documents(text: &str) -> Vec<Document> {
    let mut docs = Vec::new();
    let mut current = String::new();
    let mut first_line = 1_u64;
    for (index, line) in text.lines().enumerate() {
        let line_no = index as u64 + 1;
        if line.starts_with("---")
            && line[3..]
                .trim_start()
                .chars()
                .next()
                .is_none_or(|c| c == '#')
        {
            docs.push(Document {
                text: std::mem::take(&mut current),
                first_line,
            });
            first_line = line_no + 1;
            continue;
        }
        current.push_str(line);
        current.push('\n');
    }
    docs.push(Document {
        text: current,
        first_line,
    });
    docs.retain(|d| {
        d.text
            .lines()
            .any(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
    });
    docs
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Header {
    #[allow(dead_code, reason = "checked through `KindOnly` first")]
    kind: String,
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    time_scale: Option<Spanned<f64>>,
    #[serde(default)]
    warmup: Option<super::SimDuration>,
    #[serde(default)]
    warmup_scale: Option<Spanned<f64>>,
    #[serde(default)]
    served: BTreeMap<String, Spanned<Vec<String>>>,
}

/// Only the `kind` of a document (to tell a missing header from a malformed one).
#[derive(Debug, Deserialize)]
struct KindOnly {
    #[serde(default)]
    kind: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
struct MetaShape {
    #[serde(default)]
    name: Option<Spanned<String>>,
    #[serde(default)]
    namespace: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ManifestShape {
    #[serde(default)]
    api_version: Option<Spanned<String>>,
    #[serde(default)]
    kind: Option<Spanned<String>>,
    #[serde(default)]
    metadata: Option<Spanned<MetaShape>>,
    #[serde(default)]
    simulation: Option<Behaviour>,
}

/// Parsing context: the file name and the document being read.
struct Ctx<'a> {
    file: &'a Path,
}

impl Ctx<'_> {
    fn invalid(&self, line: u64, problem: impl Into<String>) -> ScenarioError {
        ScenarioError::Invalid {
            file: self.file.to_owned(),
            line,
            problem: problem.into(),
        }
    }

    fn de<T: DeserializeOwned>(&self, doc: &Document) -> Result<T, ScenarioError> {
        let options = serde_saphyr::options! { strict_booleans: true };
        serde_saphyr::from_str_with_options(&doc.text, options).map_err(|err| {
            let line = err.location().map_or(doc.first_line, |l| {
                doc.first_line + l.line().saturating_sub(1)
            });
            self.invalid(line, plain_message(&err))
        })
    }
}

/// The error text without serde-saphyr's own `line X column Y:` prefix and snippet (we print file:line).
fn plain_message(err: &serde_saphyr::Error) -> String {
    if let Some(words) = crate::text::yaml_limit_message(err) {
        return words;
    }
    let text = err.without_snippet().to_string();
    let text = text.strip_prefix("error: ").unwrap_or(&text);
    let text = match text.strip_prefix("line ") {
        Some(rest) => rest.split_once(": ").map_or(rest, |(_, message)| message),
        None => text,
    };
    let first = text.lines().next().unwrap_or_default();
    // Custom (serde) errors carry the document-local position at the end: we print the file line instead.
    match first.rfind(" at line ") {
        Some(i) if first[i..].contains(", column ") => first[..i].to_owned(),
        _ => first.to_owned(),
    }
}

fn line_of<T>(doc: &Document, spanned: &Spanned<T>) -> u64 {
    doc.first_line + spanned.referenced.line().saturating_sub(1)
}

pub(super) fn parse(text: &str, file: &Path) -> Result<Scenario, ScenarioError> {
    let ctx = Ctx { file };
    let docs = split_documents(text);
    let Some((head, rest)) = docs.split_first() else {
        return Err(ctx.invalid(
            1,
            "empty scenario: expected a 'kind: Scenario' header document",
        ));
    };
    let kind: KindOnly = ctx.de(head)?;
    match kind.kind {
        Some(k) if k.value == "Scenario" => {}
        Some(k) => {
            return Err(ctx.invalid(
                line_of(head, &k),
                format!(
                    "the first document must be 'kind: Scenario', found 'kind: {}'",
                    k.value
                ),
            ));
        }
        None => {
            return Err(ctx.invalid(
                head.first_line,
                "the first document must be the 'kind: Scenario' header",
            ));
        }
    }
    let header: Header = ctx.de(head)?;
    let time_scale = match header.time_scale {
        Some(s) if !(s.value.is_finite() && s.value > 0.0) => {
            return Err(ctx.invalid(
                line_of(head, &s),
                format!("timeScale must be a positive number, found {}", s.value),
            ));
        }
        Some(s) => s.value,
        None => 1.0,
    };
    let warmup_scale = match header.warmup_scale {
        Some(s) if !(s.value.is_finite() && s.value > 0.0) => {
            return Err(ctx.invalid(
                line_of(head, &s),
                format!("warmupScale must be a positive number, found {}", s.value),
            ));
        }
        Some(s) => s.value,
        None => DEFAULT_WARMUP_SCALE,
    };
    let served = served_versions(&ctx, head, &header.served)?;
    let mut objects = Vec::new();
    let mut cluster_objects = Vec::new();
    let mut seen: BTreeMap<ResourceRef, u64> = BTreeMap::new();
    let mut seen_cluster: BTreeMap<String, u64> = BTreeMap::new();
    for doc in rest {
        if let Some(object) = cluster_object(&ctx, doc)? {
            let m = &object.manifest;
            let id = format!(
                "{} {}/{}",
                m["kind"].as_str().unwrap_or_default(),
                m["metadata"]["namespace"].as_str().unwrap_or_default(),
                m["metadata"]["name"].as_str().unwrap_or_default()
            );
            if let Some(first) = seen_cluster.insert(id.clone(), object.line) {
                return Err(ctx.invalid(
                    object.line,
                    format!("{id} is defined twice (first at line {first})"),
                ));
            }
            cluster_objects.push(object);
            continue;
        }
        let object = manifest(&ctx, doc, &served)?;
        if let Some(r) = object.resource_ref()
            && let Some(first) = seen.insert(r.clone(), object.line)
        {
            return Err(ctx.invalid(
                object.line,
                format!("{r} is defined twice (first at line {first})"),
            ));
        }
        objects.push(object);
    }
    Ok(Scenario {
        name: header.name,
        description: header.description,
        time_scale,
        warmup: header.warmup.map(|w| w.0).unwrap_or_default(),
        warmup_scale,
        served,
        objects,
        cluster_objects,
    })
}

/// A built-in object the simulated cluster serves (a document whose `kind` is not a Flux kind but a
/// `kind` + `apiVersion` of `sim::resource::builtin_defs`), or `None` for anything else (checked as a Flux
/// manifest then). Namespaced objects default to `default`; a `simulation:` block is an error.
fn cluster_object(ctx: &Ctx<'_>, doc: &Document) -> Result<Option<ScenarioObject>, ScenarioError> {
    let shape: ManifestShape = ctx.de(doc)?;
    let (Some(kind), Some(api_version)) = (&shape.kind, &shape.api_version) else {
        return Ok(None);
    };
    if FluxKind::from_kind(&kind.value).is_some() {
        return Ok(None);
    }
    let (group, version) = api_version
        .value
        .rsplit_once('/')
        .unwrap_or(("", &api_version.value));
    let defs = crate::sim::resource::builtin_defs();
    let Some(def) = defs
        .iter()
        .find(|d| d.group == group && d.kind == kind.value && d.serves(version))
    else {
        return Ok(None);
    };
    let kind_line = line_of(doc, kind);
    if shape.simulation.is_some() {
        return Err(ctx.invalid(
            kind_line,
            format!("{}: 'simulation:' is only for Flux objects", kind.value),
        ));
    }
    let named = shape
        .metadata
        .as_ref()
        .and_then(|m| m.value.name.as_ref())
        .is_some_and(|n| !n.value.trim().is_empty());
    if !named {
        return Err(ctx.invalid(kind_line, format!("{} has no 'metadata.name'", kind.value)));
    }
    let mut value: Value = ctx.de(doc)?;
    let has_namespace = shape
        .metadata
        .as_ref()
        .is_some_and(|m| m.value.namespace.is_some());
    if def.namespaced && !has_namespace {
        value["metadata"]["namespace"] = Value::String("default".to_owned());
    }
    Ok(Some(ScenarioObject {
        manifest: value,
        behaviour: Behaviour::default(),
        line: doc.first_line,
    }))
}

fn served_versions(
    ctx: &Ctx<'_>,
    doc: &Document,
    served: &BTreeMap<String, Spanned<Vec<String>>>,
) -> Result<BTreeMap<FluxKind, Vec<&'static str>>, ScenarioError> {
    let mut out = BTreeMap::new();
    for (kind_name, versions) in served {
        let line = line_of(doc, versions);
        let kind = FluxKind::from_kind(kind_name).ok_or_else(|| {
            ctx.invalid(
                line,
                format!("served: '{kind_name}' is not a Flux kind ({})", kind_list()),
            )
        })?;
        let mut list = Vec::new();
        for v in &versions.value {
            let known = kind.versions().iter().find(|k| *k == v).ok_or_else(|| {
                ctx.invalid(
                    line,
                    format!(
                        "served: {kind} has never been served at '{v}' (known: {})",
                        kind.versions().join(", ")
                    ),
                )
            })?;
            list.push(*known);
        }
        out.insert(kind, list);
    }
    Ok(out)
}

fn kind_list() -> String {
    FluxKind::ALL.map(FluxKind::as_str).join(", ")
}

fn manifest(
    ctx: &Ctx<'_>,
    doc: &Document,
    served: &BTreeMap<FluxKind, Vec<&'static str>>,
) -> Result<ScenarioObject, ScenarioError> {
    let mut value: Value = ctx.de(doc)?;
    if !value.is_object() {
        return Err(ctx.invalid(
            doc.first_line,
            "expected a Kubernetes manifest (a mapping with apiVersion, kind, metadata)",
        ));
    }
    let shape: ManifestShape = ctx.de(doc)?;
    let kind_field = shape
        .kind
        .ok_or_else(|| ctx.invalid(doc.first_line, "manifest has no 'kind'"))?;
    let kind_line = line_of(doc, &kind_field);
    let kind = FluxKind::from_kind(&kind_field.value).ok_or_else(|| {
        ctx.invalid(
            kind_line,
            format!(
                "kind '{}' is not a Flux kind ({}) nor a built-in kind the simulated cluster serves at '{}'",
                kind_field.value,
                kind_list(),
                shape.api_version.as_ref().map_or("", |a| a.value.as_str())
            ),
        )
    })?;
    let api_version = shape
        .api_version
        .ok_or_else(|| ctx.invalid(kind_line, format!("{kind} has no 'apiVersion'")))?;
    let api_line = line_of(doc, &api_version);
    if !kind.knows_api_version(&api_version.value) {
        return Err(ctx.invalid(
            api_line,
            format!(
                "apiVersion '{}' is not a version of {kind} (known: {})",
                api_version.value,
                kind.versions()
                    .iter()
                    .map(|v| format!("{}/{v}", kind.group()))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    if let Some(versions) = served.get(&kind) {
        let version = api_version.value.rsplit('/').next().unwrap_or_default();
        if !versions.contains(&version) {
            return Err(ctx.invalid(
                api_line,
                format!(
                    "apiVersion '{}' is not served by this scenario's cluster (served {kind} versions: {})",
                    api_version.value,
                    if versions.is_empty() { "none".to_owned() } else { versions.join(", ") }
                ),
            ));
        }
    }
    let meta = shape
        .metadata
        .ok_or_else(|| ctx.invalid(kind_line, format!("{kind} has no 'metadata'")))?;
    let meta_line = line_of(doc, &meta);
    let name_ok = meta
        .value
        .name
        .as_ref()
        .is_some_and(|n| !n.value.trim().is_empty());
    if !name_ok {
        return Err(ctx.invalid(meta_line, format!("{kind} has no 'metadata.name'")));
    }
    if meta.value.namespace.is_none() {
        value["metadata"]["namespace"] = Value::String("default".to_owned());
    }
    if let Some(map) = value.as_object_mut() {
        map.remove("simulation");
    }
    Ok(ScenarioObject {
        manifest: value,
        behaviour: shape.simulation.unwrap_or_default(),
        line: doc.first_line,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = "kind: Scenario\nname: t\n";

    fn parse_str(text: &str) -> Result<Scenario, ScenarioError> {
        parse(text, Path::new("t.yaml"))
    }

    fn err_text(text: &str) -> String {
        parse_str(text).unwrap_err().to_string()
    }

    #[test]
    fn splits_documents_with_their_lines() {
        let docs = split_documents("# c\n---\na: 1\n---\n\n---\nb: 2\n");
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[0].first_line, 3);
        assert_eq!(docs[1].first_line, 7);
    }

    #[test]
    fn a_manifest_with_simulation_parses() {
        let s = parse_str(&format!(
            "{HEAD}timeScale: 10\n---\napiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata:\n  name: repo\nspec:\n  interval: 1m\nsimulation:\n  reconcile: 1.5s\n"
        ))
        .unwrap();
        assert_eq!(s.objects.len(), 1);
        assert!((s.time_scale - 10.0).abs() < f64::EPSILON);
        let o = &s.objects[0];
        assert!(o.manifest.get("simulation").is_none());
        assert_eq!(o.manifest["metadata"]["namespace"], "default");
        assert_eq!(
            o.behaviour.reconcile.unwrap().0,
            std::time::Duration::from_millis(1500)
        );
        assert_eq!(o.line, 5);
    }

    #[test]
    fn errors_name_file_and_line() {
        let bad_duration = format!(
            "{HEAD}---\napiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata: {{name: r}}\nsimulation:\n  reconcile: 5 minutes\n"
        );
        let msg = err_text(&bad_duration);
        assert!(msg.starts_with("t.yaml:8: "), "{msg}");
        assert!(msg.contains("invalid duration '5 minutes'"), "{msg}");

        let unknown_key = format!(
            "{HEAD}---\napiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata: {{name: r}}\nsimulation:\n  reconcil: 5m\n"
        );
        let msg = err_text(&unknown_key);
        assert!(
            msg.starts_with("t.yaml:8: ") && msg.contains("reconcil"),
            "{msg}"
        );

        let bad_kind =
            format!("{HEAD}---\napiVersion: example.com/v1\nkind: Widget\nmetadata: {{name: r}}\n");
        assert!(err_text(&bad_kind).starts_with("t.yaml:5: kind 'Widget' is not a Flux kind"));
        // A built-in kind at a version the server does not serve is not one either.
        let bad_version = format!(
            "{HEAD}---\napiVersion: apps/v1beta1\nkind: Deployment\nmetadata: {{name: r}}\n"
        );
        assert!(
            err_text(&bad_version)
                .contains("nor a built-in kind the simulated cluster serves at 'apps/v1beta1'")
        );

        let bad_version = format!(
            "{HEAD}---\napiVersion: kustomize.toolkit.fluxcd.io/v3\nkind: Kustomization\nmetadata: {{name: r}}\n"
        );
        assert!(
            err_text(&bad_version)
                .starts_with("t.yaml:4: apiVersion 'kustomize.toolkit.fluxcd.io/v3'")
        );

        let no_name = format!(
            "{HEAD}---\napiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  namespace: x\n"
        );
        assert!(err_text(&no_name).contains("has no 'metadata.name'"));
    }

    #[test]
    fn built_in_objects_are_kept_apart_with_their_status() {
        let s = parse_str(&format!(
            "{HEAD}---\napiVersion: batch/v1\nkind: Job\nmetadata: {{name: smoke, namespace: apps}}\nstatus:\n  failed: 3\n---\napiVersion: v1\nkind: Secret\nmetadata: {{name: s}}\n"
        ))
        .unwrap();
        assert!(s.objects.is_empty());
        assert_eq!(s.cluster_objects.len(), 2);
        assert_eq!(s.cluster_objects[0].manifest["status"]["failed"], 3);
        assert_eq!(
            s.cluster_objects[1].manifest["metadata"]["namespace"],
            "default"
        );
        assert_eq!(s.cluster_objects[1].line, 10);
        let with_behaviour = format!(
            "{HEAD}---\napiVersion: v1\nkind: Pod\nmetadata: {{name: p}}\nsimulation:\n  reconcile: 1s\n"
        );
        assert!(err_text(&with_behaviour).contains("'simulation:' is only for Flux objects"));
        let twice = format!(
            "{HEAD}---\napiVersion: v1\nkind: Pod\nmetadata: {{name: p}}\n---\napiVersion: v1\nkind: Pod\nmetadata: {{name: p}}\n"
        );
        assert!(err_text(&twice).contains("Pod default/p is defined twice (first at line 4)"));
    }

    #[test]
    fn served_versions_are_checked() {
        let text = format!(
            "{HEAD}served:\n  Kustomization: [v1beta2]\n---\napiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {{name: r}}\n"
        );
        let msg = err_text(&text);
        assert!(
            msg.starts_with("t.yaml:6: ") && msg.contains("not served"),
            "{msg}"
        );
        let unknown = format!("{HEAD}served:\n  Kustomization: [v9]\n");
        assert!(
            err_text(&unknown)
                .starts_with("t.yaml:4: served: Kustomization has never been served at 'v9'")
        );
    }

    #[test]
    fn duplicates_and_headers_are_rejected() {
        let dup = format!(
            "{HEAD}---\napiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata: {{name: r}}\n---\napiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata: {{name: r}}\n"
        );
        assert!(err_text(&dup).contains("defined twice (first at line 4)"));
        assert!(err_text("kind: Other\nname: x\n").contains("must be 'kind: Scenario'"));
        assert!(err_text("").contains("empty scenario"));
        assert!(err_text("kind: Scenario\nname: x\ntimescale: 3\n").starts_with("t.yaml:3: "));
    }
}
