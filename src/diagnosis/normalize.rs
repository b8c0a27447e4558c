//! Messages from untrusted clusters made ready for matching: bounded in size, HTML entities decoded (`&#39;`,
//! `&#34;`, `&quot;` appear in controller logs and issue threads), the escapes of a message printed inside JSON
//! or a Go `%q` (`\"`, `\\\"`, a literal `\n` or `\t`) undone, escape sequences removed whole and invisible
//! characters shown (`text::sanitize_line`), every run of whitespace (line breaks from wrapped pastes, tabs) made
//! one space, and the wrappers that say nothing about the cause removed (`Reconciler error`, the flux CLI's
//! `✗ Kustomization reconciliation failed: `, the Stalled prefix `Reconciliation failed terminally due to
//! configuration error: `, kubectl's `(combined from similar events): `).

use regex::Regex;
use std::sync::LazyLock;

/// Bytes of a message that are looked at. Kubernetes bounds condition messages at 32768 characters; the causes
/// are at the start.
pub const MAX_MESSAGE_BYTES: usize = 32 * 1024;

static WRAPPER: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(
        r"(?i)^(?:✗\s*|\(combined from similar events\):\s*|(?:[a-z]+ )?reconciliation failed(?: terminally due to configuration error)?:\s*|reconciler error:?\s*)+",
    )
    .ok()
});

/// Escapes of a message that was printed inside JSON or a Go `%q` string: backslashes before a quote, and the
/// two-character `\n`, `\t`, `\r` that stand for whitespace.
static ESCAPES: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r#"\\+(?:"|[ntr](?:[^a-z]|$))"#).ok());

/// The message as the rules see it.
#[must_use]
pub fn normalize(message: &str) -> String {
    let bounded = bounded(message, MAX_MESSAGE_BYTES);
    let decoded = html_escape::decode_html_entities(bounded);
    let decoded = match ESCAPES.as_ref() {
        Some(re) if decoded.contains('\\') => {
            re.replace_all(&decoded, |c: &regex::Captures<'_>| {
                let m = &c[0];
                let tail = m.trim_start_matches('\\');
                match tail.chars().next() {
                    Some('"') => tail.to_owned(),
                    // `\n` + the next character: whitespace, then that character.
                    _ => format!(" {}", tail.get(1..).unwrap_or_default()),
                }
            })
        }
        _ => decoded,
    };
    // Escape sequences go whole, before whitespace is collapsed: splitting on control characters first would leave
    // their parameters (`[2J`, `]0;title`) in the text and in the facts read from it. Printable ASCII with line
    // breaks and tabs (most messages) holds no escape sequence: collapsed first, it takes the sanitiser's fast
    // path (the grapheme pass costs about 100 µs on a 1 KiB multi-line message).
    let ascii = decoded
        .bytes()
        .all(|b| (0x20..0x7f).contains(&b) || matches!(b, b'\t' | b'\n' | b'\r'));
    let out = if ascii {
        crate::text::sanitize_line(&collapse(&decoded)).into_owned()
    } else {
        collapse(&crate::text::sanitize_line(&decoded))
    };
    match WRAPPER.as_ref().and_then(|re| re.find(&out)) {
        Some(m) if m.end() < out.len() => out[m.end()..].to_owned(),
        _ => out,
    }
}

/// Every run of whitespace or control characters made one space, none at the ends.
fn collapse(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for piece in text
        .split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|p| !p.is_empty())
    {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(piece);
    }
    out
}

/// The longest prefix of `s` of at most `max` bytes that ends on a character boundary.
#[must_use]
pub fn bounded(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_entities_are_decoded_before_matching() {
        assert_eq!(
            normalize(
                "unable to clone &#39;https://x&#39;, error: &quot;a&quot; &#34;b&#34; &amp;"
            ),
            "unable to clone 'https://x', error: \"a\" \"b\" &"
        );
    }

    #[test]
    fn the_ascii_fast_path_gives_what_the_sanitiser_gives() {
        // Same text, once plain ASCII with breaks (fast path) and once with a non-ASCII word (full sanitiser).
        let plain = normalize("Get https://bot:tok@git.example/r\n\tfailed:\r\n  auth");
        assert_eq!(plain, "Get https://***@git.example/r failed: auth");
        let full = normalize("Get https://bot:tok@git.example/r\n\tfailed:\r\n  auth ✗");
        assert_eq!(full, format!("{plain} ✗"));
    }

    #[test]
    fn line_breaks_tabs_and_controls_become_single_spaces() {
        assert_eq!(
            normalize("  updates\n to statefulset\r\n\tspec\x1b[31m x  "),
            "updates to statefulset spec x"
        );
        assert_eq!(
            normalize("a\x1b[2JB \x1b]0;PWNTITLE\x07c\n\u{9b}2Jd"),
            "aB c d"
        );
    }

    #[test]
    fn cli_and_log_wrappers_are_removed() {
        assert_eq!(
            normalize("✗ Kustomization reconciliation failed: dependency 'a/b' is not ready"),
            "dependency 'a/b' is not ready"
        );
        assert_eq!(
            normalize("Reconciler error terminal error: exceeded maximum retries"),
            "terminal error: exceeded maximum retries"
        );
        assert_eq!(
            normalize("Reconciliation failed terminally due to configuration error: invalid CEL"),
            "invalid CEL"
        );
        assert_eq!(
            normalize("Reconciliation failed after 1m9s, next try in 1m0s"),
            "Reconciliation failed after 1m9s, next try in 1m0s"
        );
    }

    #[test]
    fn json_and_go_escapes_are_undone() {
        assert_eq!(
            normalize(r#"Job.batch \"x\" is invalid: a\n  b\t c"#),
            r#"Job.batch "x" is invalid: a b c"#
        );
        assert_eq!(
            normalize(r#"message":"Deployment.apps \\"web\\" is invalid"#),
            r#"message":"Deployment.apps "web" is invalid"#
        );
        // A regular expression quoted in a message keeps its escapes.
        assert_eq!(normalize(r"(\.[a-z0-9])?"), r"(\.[a-z0-9])?");
        assert_eq!(
            normalize("(combined from similar events): Helm upgrade failed: x"),
            "Helm upgrade failed: x"
        );
        assert_eq!(
            normalize("✗ GitRepository/a/b dry-run failed"),
            "GitRepository/a/b dry-run failed"
        );
    }

    #[test]
    fn huge_messages_are_bounded_on_a_character_boundary() {
        let huge = "é".repeat(MAX_MESSAGE_BYTES);
        let n = normalize(&huge);
        assert!(n.len() <= MAX_MESSAGE_BYTES);
        assert!(n.chars().all(|c| c == 'é'));
    }
}
