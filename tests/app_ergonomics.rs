//! The command line (`:`), the fuzzy finder (`ctrl-p`) and the copy menu (`y`) through `update` with the real
//! default keymap: keys in, state and effects out. Screens in insta snapshots (tests/snapshots/).
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    reason = "test helpers outside #[test] functions: a broken fixture must fail loudly"
)]

mod support;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use fluxops::app::copy::{ClipboardAnswer, CopyContent, CopyRequest};
use fluxops::app::effect::Switch;
use fluxops::app::state::Screen;
use fluxops::app::{Effect, Msg, State, update};
use fluxops::config::Mode;
use fluxops::flux::FluxKind;
use support::console::{loaded_state, render};
use support::objects::r;

fn press(state: &mut State, code: KeyCode) -> Vec<Effect> {
    update(state, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn ctrl(state: &mut State, c: char) -> Vec<Effect> {
    update(
        state,
        Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)),
    )
}

fn type_text(state: &mut State, text: &str) -> Vec<Effect> {
    let mut out = Vec::new();
    for c in text.chars() {
        out.extend(press(state, KeyCode::Char(c)));
    }
    out
}

/// `:` + the line + enter: the effects of enter.
fn command(state: &mut State, line: &str) -> Vec<Effect> {
    assert!(press(state, KeyCode::Char(':')).is_empty());
    assert_eq!(state.mode(), Mode::Command);
    assert!(type_text(state, line).is_empty(), "typing runs nothing");
    press(state, KeyCode::Enter)
}

fn visible_kinds(state: &mut State) -> Vec<FluxKind> {
    fluxops::app::update::refresh(state);
    state
        .navigator
        .rows()
        .iter()
        .map(|row| row.object().kind)
        .collect()
}

#[test]
fn typed_keys_go_into_the_command_line_not_to_the_keymap() {
    let mut state = loaded_state();
    press(&mut state, KeyCode::Char(':'));
    // `q` would quit and `1` switch screens: in the command line they are text.
    assert!(type_text(&mut state, "q1y").is_empty());
    assert!(!state.quit);
    assert_eq!(state.prompt.text, "q1y");
    press(&mut state, KeyCode::Backspace);
    assert_eq!(state.prompt.text, "q1");
    press(&mut state, KeyCode::Esc);
    assert_eq!(state.mode(), Mode::Navigator);
    assert!(state.prompt.text.is_empty());
}

#[test]
fn kind_commands_narrow_the_tree_to_that_kind_and_all_widens_it() {
    let mut state = loaded_state();
    assert!(command(&mut state, "hr").is_empty());
    assert_eq!(state.screen, Screen::Tree);
    let kinds = visible_kinds(&mut state);
    assert!(!kinds.is_empty());
    // Rows on the way to a HelmRelease are shown too; every HelmRelease is reachable and nothing else leaks.
    assert_eq!(state.navigator.filter, "kind:helmrelease");
    assert!(kinds.contains(&FluxKind::HelmRelease));
    assert!(!kinds.contains(&FluxKind::GitRepository), "{kinds:?}");
    command(&mut state, "git");
    let kinds = visible_kinds(&mut state);
    assert!(
        kinds.iter().all(|k| *k == FluxKind::GitRepository),
        "{kinds:?}"
    );
    assert_eq!(state.navigator.filter, "kind:gitrepository");
    command(&mut state, "all");
    assert!(state.navigator.filter.is_empty());
    assert!(visible_kinds(&mut state).len() > 3);
}

#[test]
fn kind_command_keeps_the_words_of_the_filter() {
    let mut state = loaded_state();
    press(&mut state, KeyCode::Char('/'));
    type_text(&mut state, "podinfo");
    press(&mut state, KeyCode::Enter);
    command(&mut state, "ks");
    assert_eq!(state.navigator.filter, "kind:kustomization podinfo");
    fluxops::app::update::refresh(&mut state);
    let rows: Vec<_> = state
        .navigator
        .rows()
        .iter()
        .map(|row| row.object().clone())
        .collect();
    // The podinfo Kustomization, under its source (the tree keeps the way to a match); no other Kustomization.
    assert!(
        rows.contains(&r(FluxKind::Kustomization, "flux-system", "podinfo")),
        "{rows:?}"
    );
    assert!(
        rows.iter()
            .filter(|o| o.kind == FluxKind::Kustomization)
            .all(|o| o.name == "podinfo"),
        "{rows:?}"
    );
    assert!(
        rows.iter().all(|o| o.kind != FluxKind::HelmRelease),
        "{rows:?}"
    );
}

#[test]
fn tab_takes_the_highlighted_completion() {
    let mut state = loaded_state();
    press(&mut state, KeyCode::Char(':'));
    type_text(&mut state, "he");
    // `he`: helmreleases (hr), helmrepositories (helm), helmcharts (chart), help.
    let list = fluxops::app::prompt::candidates(&state);
    let lines: Vec<&str> = list.iter().map(|c| c.line.as_str()).collect();
    assert_eq!(lines, ["hr", "helm", "chart", "help"]);
    press(&mut state, KeyCode::Down);
    press(&mut state, KeyCode::Tab);
    assert_eq!(state.prompt.text, "helm");
    press(&mut state, KeyCode::Enter);
    assert_eq!(state.navigator.filter, "kind:helmrepository");
}

#[test]
fn namespace_completion_lists_the_namespaces_seen_and_switching_asks_the_launcher() {
    let mut state = loaded_state();
    press(&mut state, KeyCode::Char(':'));
    type_text(&mut state, "ns ");
    let lines: Vec<String> = fluxops::app::prompt::candidates(&state)
        .into_iter()
        .map(|c| c.line)
        .collect();
    assert_eq!(
        lines,
        ["ns all", "ns apps", "ns flux-system", "ns monitoring"]
    );
    type_text(&mut state, "ap");
    press(&mut state, KeyCode::Tab);
    assert_eq!(state.prompt.text, "ns apps");
    let effects = press(&mut state, KeyCode::Enter);
    let [
        Effect::Switch(Switch {
            context,
            namespace,
            namespaces,
        }),
    ] = effects.as_slice()
    else {
        panic!("{effects:?}");
    };
    assert_eq!(context, "prod-eu-1");
    assert_eq!(namespace.as_deref(), Some("apps"));
    // The next console still completes the other namespaces.
    assert!(namespaces.contains("monitoring"));
    assert!(
        state
            .input_note
            .as_deref()
            .unwrap()
            .contains("namespace apps")
    );
}

#[test]
fn all_namespaces_from_a_namespace_and_no_switch_to_where_we_are() {
    let mut state = loaded_state();
    // Already watching every namespace.
    assert!(command(&mut state, "ns all").is_empty());
    assert!(
        state
            .input_note
            .as_deref()
            .unwrap()
            .starts_with("already watching all namespaces")
    );
    state.labels.namespace = Some("apps".to_owned());
    let effects = command(&mut state, "ns -A");
    assert!(matches!(
        effects.as_slice(),
        [Effect::Switch(Switch {
            namespace: None,
            ..
        })]
    ));
}

#[test]
fn context_switch_only_to_a_context_of_the_kubeconfig() {
    let mut state = loaded_state();
    state.session.contexts = vec!["prod-eu-1".to_owned(), "staging".to_owned()];
    let effects = command(&mut state, "ctx nope");
    assert!(effects.is_empty());
    assert_eq!(
        state.input_note.as_deref(),
        Some("no context 'nope' in the kubeconfig (contexts: prod-eu-1, staging)")
    );
    press(&mut state, KeyCode::Char(':'));
    type_text(&mut state, "ctx st");
    press(&mut state, KeyCode::Tab);
    assert_eq!(state.prompt.text, "ctx staging");
    let effects = press(&mut state, KeyCode::Enter);
    let [Effect::Switch(s)] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    assert_eq!(s.context, "staging");
    assert_eq!(s.namespace, None, "the scope is kept");
    assert!(
        s.namespaces.is_empty(),
        "another cluster's namespaces are its own"
    );
}

#[test]
fn unknown_and_malformed_commands_flash_and_change_nothing() {
    let mut state = loaded_state();
    let before = state.screen;
    for line in [
        "frobnicate",
        "ns Not_A_Namespace",
        "ks extra",
        "ctx",
        "",
        "\u{1b}[2J",
    ] {
        let effects = command(&mut state, line);
        assert!(effects.is_empty(), "{line}: {effects:?}");
        let note = state.input_note.clone().unwrap();
        assert!(!note.contains('\u{1b}'), "{note:?}");
        assert_eq!(state.screen, before);
        assert_eq!(state.mode(), Mode::Navigator, "the prompt closes");
    }
    command(&mut state, "frobnicate");
    assert!(
        state
            .input_note
            .as_deref()
            .unwrap()
            .starts_with("unknown command ':frobnicate'")
    );
}

#[test]
fn screen_commands_and_quit() {
    let mut state = loaded_state();
    command(&mut state, "problems");
    assert_eq!(state.screen, Screen::Problems);
    command(&mut state, "jobs");
    assert_eq!(state.screen, Screen::Jobs);
    command(&mut state, "tree");
    assert_eq!(state.screen, Screen::Tree);
    assert_eq!(command(&mut state, "q"), vec![Effect::Quit]);
}

#[test]
fn finder_matches_fuzzily_and_enter_selects_on_the_tree() {
    let mut state = loaded_state();
    assert!(ctrl(&mut state, 'p').is_empty());
    assert_eq!(state.mode(), Mode::Finder);
    let all = state.prompt.matches.len();
    assert_eq!(all, state.objects.len() + state.invalid.len());
    type_text(&mut state, "kps");
    // kube-prometheus-stack (HelmRelease) and monitoring-kube-prometheus-stack (Kustomization) match.
    let found = state.prompt.matches.clone();
    assert!(
        found.contains(&r(
            FluxKind::HelmRelease,
            "monitoring",
            "kube-prometheus-stack"
        )),
        "{found:?}"
    );
    assert!(found.len() < all);
    let target = found[0].clone();
    press(&mut state, KeyCode::Enter);
    assert_eq!(state.mode(), Mode::Navigator);
    assert_eq!(state.selected(), Some(&target));
}

#[test]
fn finder_words_in_any_order_and_kind_narrow() {
    let mut state = loaded_state();
    ctrl(&mut state, 'p');
    type_text(&mut state, "podinfo git");
    assert_eq!(
        state.prompt.matches.first(),
        Some(&r(FluxKind::GitRepository, "flux-system", "podinfo"))
    );
    press(&mut state, KeyCode::Esc);
    ctrl(&mut state, 'p');
    type_text(&mut state, "zzzzqqq");
    assert!(state.prompt.matches.is_empty());
    press(&mut state, KeyCode::Enter);
    assert_eq!(state.input_note.as_deref(), Some("nothing found"));
}

#[test]
fn finder_selects_in_the_dag_when_the_dag_is_shown() {
    let mut state = loaded_state();
    press(&mut state, KeyCode::Char('2'));
    assert_eq!(state.screen, Screen::Dag);
    ctrl(&mut state, 'p');
    type_text(&mut state, "redis");
    press(&mut state, KeyCode::Enter);
    assert_eq!(state.screen, Screen::Dag);
    assert_eq!(
        state.dag.selected_ref(),
        Some(&r(FluxKind::HelmRelease, "apps", "redis"))
    );
}

fn copy_effect(effects: &[Effect]) -> &CopyRequest {
    match effects {
        [Effect::Copy(request)] => request,
        other => panic!("{other:?}"),
    }
}

#[test]
fn y_opens_the_copy_menu_and_each_entry_copies_its_text() {
    let mut state = loaded_state();
    state.reveal(&r(FluxKind::GitRepository, "flux-system", "podinfo"));
    press(&mut state, KeyCode::Char('y'));
    assert_eq!(state.mode(), Mode::Copy);
    let effects = press(&mut state, KeyCode::Char('r'));
    let req = copy_effect(&effects);
    assert_eq!(
        req.content,
        CopyContent::Text("GitRepository/flux-system/podinfo".to_owned())
    );
    assert_eq!(state.mode(), Mode::Navigator, "the menu closes");

    press(&mut state, KeyCode::Char('y'));
    let effects = press(&mut state, KeyCode::Char('c'));
    assert_eq!(
        copy_effect(&effects).content,
        CopyContent::Text("flux reconcile source git podinfo -n flux-system".to_owned())
    );
    press(&mut state, KeyCode::Char('y'));
    let effects = press(&mut state, KeyCode::Char('g'));
    assert_eq!(
        copy_effect(&effects).content,
        CopyContent::Text(
            "kubectl get gitrepositories.source.toolkit.fluxcd.io podinfo -n flux-system -o yaml"
                .to_owned()
        )
    );
    press(&mut state, KeyCode::Char('y'));
    let effects = press(&mut state, KeyCode::Char('m'));
    let CopyContent::Text(message) = &copy_effect(&effects).content else {
        panic!()
    };
    assert!(message.contains("refs/heads/invalid"), "{message}");
    // The YAML is fetched when copied.
    press(&mut state, KeyCode::Char('y'));
    let effects = press(&mut state, KeyCode::Char('y'));
    let CopyContent::Yaml(target) = &copy_effect(&effects).content else {
        panic!()
    };
    assert_eq!(
        (target.kind, target.name.as_str()),
        (FluxKind::GitRepository, "podinfo")
    );
    // Arrows and enter work too; esc closes without copying.
    press(&mut state, KeyCode::Char('y'));
    press(&mut state, KeyCode::Down);
    let effects = press(&mut state, KeyCode::Enter);
    assert!(matches!(
        copy_effect(&effects).content,
        CopyContent::Text(_)
    ));
    press(&mut state, KeyCode::Char('y'));
    assert!(press(&mut state, KeyCode::Esc).is_empty());
    assert_eq!(state.mode(), Mode::Navigator);
}

#[test]
fn the_yaml_view_moved_to_shift_y() {
    let mut state = loaded_state();
    state.reveal(&r(FluxKind::GitRepository, "flux-system", "podinfo"));
    let effects = press(&mut state, KeyCode::Char('Y'));
    assert_eq!(state.screen, Screen::Inspect);
    assert!(matches!(effects.as_slice(), [Effect::Inspect(_)]));
}

#[test]
fn clipboard_answers_flash_which_way_it_went() {
    let mut state = loaded_state();
    let effects = update(
        &mut state,
        Msg::Clipboard(ClipboardAnswer::Copied {
            what: "reference of Kustomization/flux-system/apps".to_owned(),
        }),
    );
    assert!(effects.is_empty());
    assert_eq!(
        state.input_note.as_deref(),
        Some("copied reference of Kustomization/flux-system/apps via clipboard")
    );
    // No display: OSC 52, then the flash says so.
    let effects = update(
        &mut state,
        Msg::Clipboard(ClipboardAnswer::NoClipboard {
            what: "YAML of X".to_owned(),
            text: "kind: X\n".to_owned(),
            why: "no display".to_owned(),
        }),
    );
    assert_eq!(
        effects,
        vec![Effect::Osc52 {
            what: "YAML of X".to_owned(),
            text: "kind: X\n".to_owned()
        }]
    );
    update(
        &mut state,
        Msg::Clipboard(ClipboardAnswer::Osc52 {
            what: "YAML of X".to_owned(),
            error: None,
        }),
    );
    assert_eq!(
        state.input_note.as_deref(),
        Some("YAML of X sent to terminal clipboard (OSC 52)")
    );
    update(
        &mut state,
        Msg::Clipboard(ClipboardAnswer::Failed {
            what: "YAML of X".to_owned(),
            why: "not found\u{1b}[31m".to_owned(),
        }),
    );
    let note = state.input_note.clone().unwrap();
    assert!(note.starts_with("cannot copy YAML of X: not found"));
    assert!(!note.contains('\u{1b}'));
}

#[test]
fn osc52_is_written_through_the_terminal_layer_base64_encoded() {
    use fluxops::terminal::JobControl;
    use std::sync::{Arc, Mutex};
    struct Shared(Arc<Mutex<Vec<u8>>>);
    impl std::io::Write for Shared {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let bytes = Arc::new(Mutex::new(Vec::new()));
    let mut backend = ratatui::backend::CrosstermBackend::new(Shared(Arc::clone(&bytes)));
    backend.osc52("Kustomization/flux-system/apps").unwrap();
    let written = String::from_utf8(bytes.lock().unwrap().clone()).unwrap();
    // base64("Kustomization/flux-system/apps")
    assert_eq!(
        written,
        "\u{1b}]52;c;S3VzdG9taXphdGlvbi9mbHV4LXN5c3RlbS9hcHBz\u{1b}\\"
    );
}

#[test]
fn command_line_with_completions_80x24() {
    let mut state = loaded_state();
    press(&mut state, KeyCode::Char(':'));
    type_text(&mut state, "h");
    insta::assert_snapshot!(render(&mut state, 80, 24).backend());
}

#[test]
fn finder_120x30() {
    let mut state = loaded_state();
    ctrl(&mut state, 'p');
    type_text(&mut state, "prom");
    insta::assert_snapshot!(render(&mut state, 120, 30).backend());
}

#[test]
fn copy_menu_120x30() {
    let mut state = loaded_state();
    state.reveal(&r(FluxKind::Kustomization, "flux-system", "apps"));
    press(&mut state, KeyCode::Char('y'));
    insta::assert_snapshot!(render(&mut state, 120, 30).backend());
}
