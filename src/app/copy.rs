//! `y` copies: the copy menu of the selected object (its reference `Kind/ns/name`, its Ready message, a
//! ready-to-run `flux` and `kubectl` command, its YAML with Secret data redacted), the texts themselves (pure,
//! sanitised: the copied text is what the screen would show), and what `update` does with the menu's keys and
//! the clipboard's answer. The copy is an [`Effect::Copy`]; the runner puts the text on the clipboard with
//! arboard, or answers that there is no display, and then `update` asks for OSC 52 ([`Effect::Osc52`], written
//! through the terminal layer). A flash says which way it went.

use super::action::Action;
use super::effect::Effect;
use super::state::{KindState, State};
use crate::cluster::inspect::Target;
use crate::flux::{FluxKind, ResourceRef};
use crate::text::{sanitize, sanitize_line, sanitize_name};
use serde_json::Value;

/// What to put on the clipboard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CopyContent {
    /// This text (already sanitised).
    Text(String),
    /// The object's YAML, fetched now (GET), redacted and sanitised by [`yaml_text`].
    Yaml(Target),
}

/// One copy: what it is (for the flash) and the content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyRequest {
    /// `reference of Kustomization/flux-system/apps`, said in the flash.
    pub what: String,
    pub content: CopyContent,
}

/// How a copy went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClipboardAnswer {
    /// On the system clipboard (arboard).
    Copied { what: String },
    /// No system clipboard (no display, over SSH, in tmux, or arboard failed): `update` sends `text` with
    /// OSC 52 instead.
    NoClipboard {
        what: String,
        text: String,
        why: String,
    },
    /// Written to the terminal with OSC 52 (`error`: the terminal refused).
    Osc52 { what: String, error: Option<String> },
    /// The content could not be had (the YAML fetch failed).
    Failed { what: String, why: String },
}

/// One entry of the copy menu.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyEntry {
    pub action: Action,
    /// `reference`, `message`, …
    pub label: &'static str,
    /// What will be copied (the text itself; for the YAML, a note), one line.
    pub preview: String,
    /// `None` when the entry cannot be copied (no message): why.
    pub unavailable: Option<&'static str>,
}

/// The open copy menu.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CopyState {
    pub target: Option<ResourceRef>,
    pub highlighted: usize,
}

/// `Kind/namespace/name`, names escaped as the screen shows them.
#[must_use]
pub fn reference(r: &ResourceRef) -> String {
    format!(
        "{}/{}/{}",
        r.kind,
        sanitize_name(&r.namespace),
        sanitize_name(&r.name)
    )
}

/// A word safe to paste into a POSIX shell: kept as is when it is only `[A-Za-z0-9._/:=@+-]`, else in single
/// quotes (a `'` inside written `'\''`).
#[must_use]
pub fn shell_word(word: &str) -> String {
    if !word.is_empty()
        && word
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._/:=@+-".contains(&b))
    {
        return word.to_owned();
    }
    format!("'{}'", word.replace('\'', r"'\''"))
}

/// `flux reconcile …` for the object (sources and appliers), with the source for appliers; `None` for kinds
/// the flux CLI cannot reconcile.
#[must_use]
pub fn flux_command(r: &ResourceRef) -> Option<String> {
    let (what, with_source) = match r.kind {
        FluxKind::Kustomization => ("kustomization", true),
        FluxKind::HelmRelease => ("helmrelease", true),
        FluxKind::GitRepository => ("source git", false),
        FluxKind::OCIRepository => ("source oci", false),
        FluxKind::HelmRepository => ("source helm", false),
        FluxKind::HelmChart => ("source chart", false),
        FluxKind::Bucket => ("source bucket", false),
        FluxKind::ExternalArtifact => return None,
    };
    Some(format!(
        "flux reconcile {what} {} -n {}{}",
        shell_word(&sanitize_name(&r.name)),
        shell_word(&sanitize_name(&r.namespace)),
        if with_source { " --with-source" } else { "" }
    ))
}

/// `kubectl get <plural>.<group> NAME -n NS -o yaml` (fully qualified: no clash with other CRDs' short names).
#[must_use]
pub fn kubectl_command(r: &ResourceRef) -> String {
    format!(
        "kubectl get {}.{} {} -n {} -o yaml",
        r.kind.plural(),
        r.kind.group(),
        shell_word(&sanitize_name(&r.name)),
        shell_word(&sanitize_name(&r.namespace))
    )
}

/// The text of the command entry: the flux command when there is one, else the kubectl one.
#[must_use]
pub fn command(r: &ResourceRef) -> String {
    flux_command(r).unwrap_or_else(|| kubectl_command(r))
}

/// The object as YAML for the clipboard: `managedFields` dropped, every Secret's `data` and `stringData` values
/// replaced by `<redacted>` (also Secrets inside a `List` or any other nesting), then sanitised like the screen.
#[must_use]
pub fn yaml_text(object: &Value) -> String {
    let mut object = object.clone();
    redact(&mut object);
    let yaml = serde_saphyr::to_string(&object)
        .unwrap_or_else(|e| format!("# cannot write this object as YAML: {e}\n"));
    sanitize(&yaml).into_owned()
}

/// What [`yaml_text`] never lets out.
pub const REDACTED: &str = "<redacted>";

fn redact(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if let Some(meta) = map.get_mut("metadata").and_then(Value::as_object_mut) {
                meta.remove("managedFields");
                // `kubectl apply` keeps the whole last applied object, Secret data included.
                if let Some(ann) = meta.get_mut("annotations").and_then(Value::as_object_mut) {
                    ann.remove("kubectl.kubernetes.io/last-applied-configuration");
                }
            }
            let secret = map.get("kind").and_then(Value::as_str) == Some("Secret");
            for (key, v) in map.iter_mut() {
                if secret && (key == "data" || key == "stringData") {
                    if let Value::Object(fields) = v {
                        for field in fields.values_mut() {
                            *field = Value::String(REDACTED.to_owned());
                        }
                    } else {
                        *v = Value::String(REDACTED.to_owned());
                    }
                } else {
                    redact(v);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact),
        _ => {}
    }
}

/// The menu's entries for `r`.
#[must_use]
pub fn entries(state: &State, r: &ResourceRef) -> Vec<CopyEntry> {
    let message = message(state, r);
    let mut out = vec![
        CopyEntry {
            action: Action::CopyReference,
            label: "reference",
            preview: reference(r),
            unavailable: None,
        },
        CopyEntry {
            action: Action::CopyMessage,
            label: "message",
            preview: sanitize_line(&message).into_owned(),
            unavailable: message.is_empty().then_some("no message"),
        },
        CopyEntry {
            action: Action::CopyCommand,
            label: "command",
            preview: command(r),
            unavailable: None,
        },
    ];
    if flux_command(r).is_some() {
        out.push(CopyEntry {
            action: Action::CopyKubectl,
            label: "kubectl",
            preview: kubectl_command(r),
            unavailable: None,
        });
    }
    out.push(CopyEntry {
        action: Action::CopyYaml,
        label: "YAML",
        preview: "fetched now; Secret data redacted".to_owned(),
        unavailable: None,
    });
    out
}

/// The object's Ready message (or why it could not be parsed).
fn message(state: &State, r: &ResourceRef) -> String {
    if let Some(e) = state.objects.get(r) {
        return e
            .object
            .condition("Ready")
            .map_or_else(|| e.status.message.clone(), |c| c.message.clone());
    }
    state.invalid.get(r).cloned().unwrap_or_default()
}

/// Opens the copy menu on the current screen's selection.
pub fn open(state: &mut State) {
    match super::inspect::screen_selection(state) {
        Some(r) => {
            state.copy = CopyState {
                target: Some(r),
                highlighted: 0,
            };
        }
        None => state.input_note = Some("nothing selected to copy".to_owned()),
    }
}

/// The menu's keys while it is open; `None` when it is closed.
pub fn on_action(state: &mut State, action: Action) -> Option<Vec<Effect>> {
    let r = state.copy.target.clone()?;
    state.dirty = true;
    let list = entries(state, &r);
    let chosen = match action {
        Action::CloseCopy => {
            state.copy = CopyState::default();
            return Some(Vec::new());
        }
        Action::MoveDown | Action::PromptNext => {
            state.copy.highlighted = (state.copy.highlighted + 1) % list.len().max(1);
            return Some(Vec::new());
        }
        Action::MoveUp | Action::PromptPrev => {
            state.copy.highlighted =
                (state.copy.highlighted + list.len().max(1) - 1) % list.len().max(1);
            return Some(Vec::new());
        }
        Action::CopySelected | Action::ChooseAction => list.get(state.copy.highlighted),
        Action::CopyReference
        | Action::CopyMessage
        | Action::CopyCommand
        | Action::CopyKubectl
        | Action::CopyYaml => list.iter().find(|e| e.action == action),
        _ => return Some(Vec::new()),
    };
    let Some(entry) = chosen.cloned() else {
        return Some(Vec::new());
    };
    if let Some(why) = entry.unavailable {
        state.input_note = Some(format!("nothing to copy: {why}"));
        return Some(Vec::new());
    }
    state.copy = CopyState::default();
    Some(vec![Effect::Copy(request(state, &r, &entry))])
}

fn request(state: &State, r: &ResourceRef, entry: &CopyEntry) -> CopyRequest {
    let what = format!("{} of {}", entry.label, reference(r));
    let content = match entry.action {
        Action::CopyReference => CopyContent::Text(reference(r)),
        Action::CopyMessage => CopyContent::Text(sanitize(&message(state, r)).into_owned()),
        Action::CopyCommand => CopyContent::Text(command(r)),
        Action::CopyKubectl => CopyContent::Text(kubectl_command(r)),
        _ => {
            let api_version = match state.kinds.get(&r.kind) {
                Some(KindState::Synced { api_version }) if api_version.contains('/') => {
                    api_version.clone()
                }
                _ => format!("{}/{}", r.kind.group(), r.kind.preferred_version()),
            };
            CopyContent::Yaml(Target {
                kind: r.kind,
                api_version,
                namespace: r.namespace.clone(),
                name: r.name.clone(),
            })
        }
    };
    CopyRequest { what, content }
}

/// The clipboard's answer: a flash, and OSC 52 when there was no clipboard.
pub fn on_answer(state: &mut State, answer: ClipboardAnswer) -> Vec<Effect> {
    state.dirty = true;
    match answer {
        ClipboardAnswer::Copied { what } => {
            state.input_note = Some(format!("copied {what} via clipboard"));
            Vec::new()
        }
        ClipboardAnswer::NoClipboard { what, text, why } => {
            tracing::debug!("no system clipboard ({why}): OSC 52");
            vec![Effect::Osc52 { what, text }]
        }
        ClipboardAnswer::Osc52 { what, error: None } => {
            state.input_note = Some(format!("{what} sent to terminal clipboard (OSC 52)"));
            Vec::new()
        }
        ClipboardAnswer::Osc52 {
            what,
            error: Some(e),
        } => {
            state.input_note = Some(format!(
                "cannot copy {what}: no clipboard and the terminal refused OSC 52: {}",
                sanitize_line(&e)
            ));
            Vec::new()
        }
        ClipboardAnswer::Failed { what, why } => {
            state.input_note = Some(format!("cannot copy {what}: {}", sanitize_line(&why)));
            Vec::new()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn r(kind: FluxKind, ns: &str, name: &str) -> ResourceRef {
        ResourceRef::new(kind, ns, name)
    }

    #[test]
    fn commands_are_ready_to_run() {
        let ks = r(FluxKind::Kustomization, "flux-system", "apps");
        assert_eq!(
            flux_command(&ks).unwrap(),
            "flux reconcile kustomization apps -n flux-system --with-source"
        );
        let git = r(FluxKind::GitRepository, "flux-system", "flux-system");
        assert_eq!(
            flux_command(&git).unwrap(),
            "flux reconcile source git flux-system -n flux-system"
        );
        assert_eq!(
            kubectl_command(&git),
            "kubectl get gitrepositories.source.toolkit.fluxcd.io flux-system -n flux-system -o yaml"
        );
        let ea = r(FluxKind::ExternalArtifact, "x", "y");
        assert!(command(&ea).starts_with("kubectl get externalartifacts"));
    }

    #[test]
    fn hostile_names_are_quoted_and_escaped() {
        let bad = r(FluxKind::HelmRelease, "ns", "a'b; rm -rf /\u{1b}[2J");
        let cmd = command(&bad);
        assert!(!cmd.contains('\u{1b}'));
        assert!(cmd.contains(r"'a'\''b; rm -rf /\u{1B}[2J'"), "{cmd}");
        assert_eq!(shell_word("apps"), "apps");
        assert_eq!(shell_word(""), "''");
    }

    #[test]
    fn secret_values_never_reach_the_yaml() {
        let list = json!({
            "apiVersion": "v1",
            "kind": "List",
            "items": [
                {"apiVersion": "v1", "kind": "Secret",
                 "metadata": {"name": "s", "annotations": {
                     "kubectl.kubernetes.io/last-applied-configuration": "{\"data\":{\"password\":\"aHVudGVyMg==\"}}"}},
                 "data": {"password": "aHVudGVyMg=="},
                 "stringData": {"token": "hunter2"}},
                {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"},
                 "data": {"visible": "yes-visible"}}
            ]
        });
        let text = yaml_text(&list);
        assert!(!text.contains("aHVudGVyMg"), "{text}");
        assert!(!text.contains("hunter2"), "{text}");
        assert!(text.contains("password: <redacted>"), "{text}");
        assert!(text.contains("token: <redacted>"), "{text}");
        // Not a Secret: kept.
        assert!(text.contains("yes-visible"), "{text}");
    }

    #[test]
    fn yaml_is_sanitised_and_managed_fields_dropped() {
        let obj = json!({"kind": "Kustomization", "metadata": {"name": "a\u{1b}]52;c;x\u{7}", "managedFields": [{"manager": "m"}]}});
        let text = yaml_text(&obj);
        assert!(
            !text.contains('\u{1b}') && !text.contains('\u{7}'),
            "{text:?}"
        );
        assert!(!text.contains("managedFields"));
    }
}
