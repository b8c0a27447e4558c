//! The system clipboard for `y` (copy): arboard when the process has a display of its own, else nothing — the
//! caller then writes OSC 52 to the terminal (`terminal::JobControl::osc52`), which reaches the clipboard of the
//! machine the user sits at, over SSH and (with `set-clipboard on`) through tmux.
//!
//! [`system_clipboard_usable`] decides from the environment (pure, tested): no `DISPLAY` and no
//! `WAYLAND_DISPLAY`, or `SSH_TTY` / `SSH_CONNECTION` set (a display forwarded over SSH is the remote
//! machine's, rarely the user's), or inside tmux (`TMUX`: the pane may be attached from anywhere) → OSC 52.
//! macOS and Windows always have a clipboard (unless over SSH). [`copy`] is blocking (arboard talks to the X
//! server or compositor): run it off the async threads.

/// Whether to use the system clipboard, given the environment (`var` returns a variable's value).
#[must_use]
pub fn system_clipboard_usable(var: impl Fn(&str) -> Option<String>) -> bool {
    let set = |name: &str| var(name).is_some_and(|v| !v.is_empty());
    if set("SSH_TTY") || set("SSH_CONNECTION") || set("TMUX") {
        return false;
    }
    if cfg!(any(target_os = "macos", target_os = "windows")) {
        return true;
    }
    set("DISPLAY") || set("WAYLAND_DISPLAY")
}

/// Puts `text` on the system clipboard with arboard.
///
/// # Errors
/// No clipboard could be opened or it refused the text (in words).
pub fn copy(text: &str) -> Result<(), String> {
    let mut clipboard = arboard::Clipboard::new().map_err(|e| e.to_string())?;
    clipboard.set_text(text).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn ssh_and_tmux_always_go_to_the_terminal() {
        assert!(!system_clipboard_usable(env(&[
            ("DISPLAY", ":0"),
            ("SSH_TTY", "/dev/pts/3")
        ])));
        assert!(!system_clipboard_usable(env(&[
            ("WAYLAND_DISPLAY", "wayland-0"),
            ("TMUX", "/tmp/tmux-1000/default,1,0")
        ])));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn linux_needs_a_display() {
        assert!(!system_clipboard_usable(env(&[])));
        assert!(!system_clipboard_usable(env(&[("DISPLAY", "")])));
        assert!(system_clipboard_usable(env(&[("DISPLAY", ":0")])));
        assert!(system_clipboard_usable(env(&[(
            "WAYLAND_DISPLAY",
            "wayland-1"
        )])));
    }
}
