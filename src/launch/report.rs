//! How a failure reaches the user: one plain line `error: …` on standard error (the word `error:` in red only
//! when standard error is a terminal and `NO_COLOR` is unset), the cause said once. Our errors put their
//! cause in their own message (`cannot read kubeconfig F: No such file…`) and also chain it as `source()`;
//! printing both would say it twice, so a source is appended only when its text is not already there.

use std::error::Error;
use std::io::IsTerminal;

/// The error and its causes on one line, each cause once, sanitised: errors quote what they could not read (an
/// API server's message, a YAML value, a path), so escape sequences, invisible characters and credentials in
/// URLs go (`text::sanitize_line`).
#[must_use]
pub fn message(error: &dyn Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let part = cause.to_string();
        if !part.is_empty() && !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        source = cause.source();
    }
    crate::text::sanitize_line(&text).into_owned()
}

/// Whether to colour the `error:` prefix: a terminal, and `NO_COLOR` unset or empty (no-color.org).
#[must_use]
pub fn colour(is_terminal: bool, no_color: Option<&str>) -> bool {
    is_terminal && no_color.is_none_or(str::is_empty)
}

/// The line printed for `error`, with the prefix coloured or not.
#[must_use]
pub fn line(error: &dyn Error, coloured: bool) -> String {
    let prefix = if coloured {
        "\u{1b}[1;31merror:\u{1b}[0m"
    } else {
        "error:"
    };
    format!("{prefix} {}", message(error))
}

/// Prints `error` on standard error.
pub fn print(error: &dyn Error) {
    let coloured = colour(
        std::io::stderr().is_terminal(),
        std::env::var("NO_COLOR").ok().as_deref(),
    );
    eprintln!("{}", line(error, coloured));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("cannot read kubeconfig /tmp/k: {source}")]
    struct Repeats {
        #[source]
        source: std::io::Error,
    }

    #[derive(Debug, thiserror::Error)]
    #[error("cannot start")]
    struct Hides {
        #[source]
        source: std::io::Error,
    }

    fn not_found() -> std::io::Error {
        std::io::Error::new(std::io::ErrorKind::NotFound, "No such file or directory")
    }

    #[test]
    fn a_cause_already_in_the_message_is_not_repeated() {
        let e = Repeats {
            source: not_found(),
        };
        assert_eq!(
            line(&e, false),
            "error: cannot read kubeconfig /tmp/k: No such file or directory"
        );
    }

    #[test]
    fn a_cause_not_in_the_message_is_appended_once() {
        let e = Hides {
            source: not_found(),
        };
        assert_eq!(
            line(&e, false),
            "error: cannot start: No such file or directory"
        );
    }

    #[test]
    fn colour_only_on_a_terminal_without_no_color() {
        assert!(colour(true, None));
        assert!(colour(true, Some("")));
        assert!(!colour(true, Some("1")));
        assert!(!colour(false, None));
        let e = Hides {
            source: not_found(),
        };
        assert!(line(&e, true).starts_with("\u{1b}[1;31merror:"));
        assert!(!line(&e, false).contains('\u{1b}'));
    }
}
