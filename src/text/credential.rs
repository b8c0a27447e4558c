//! Credentials in URLs masked: the user information of `scheme://user:password@host` and the values of query
//! and fragment parameters whose names say they carry a secret, wherever a URL appears in a text.
//!
//! The rule, and why:
//! - **User information.** For SSH (`ssh://`, `git+ssh://`, `ssh+git://`, `sftp://`) the user is a login name
//!   and SSH authenticates by key, so `ssh://git@host` stays and only a password goes (`ssh://git:***@host`).
//!   For every other scheme (`https://`, `oci://`, `s3://`, `redis://`, …) the whole user information is masked
//!   (`https://***@host`): GitHub and GitLab take a token as the *user name* (`https://ghp_…@github.com`,
//!   `https://<token>:x-oauth-basic@…`), so keeping the user would keep the secret. As in the WHATWG URL parser,
//!   the authority ends at the first `/`, `?` or `#` and the user information at its last `@` (a `\` does not
//!   end it here: sanitised text writes invisible characters as `\u{…}`, and one in a password must not stop
//!   the mask).
//!   `git@host:org/repo` (scp form) has no password field and is left alone.
//! - **Parameters.** After `?` or `#`, `&`- or `;`-separated `name=value` pairs whose name, lower-cased and
//!   without punctuation, contains `token`, `sig`, `secret`, `passw`, `pwd`, `credential`, `key`, `auth` or
//!   `session`, or is `code` or `pass`, have their value replaced by `***`. That covers what cloud SDKs put in
//!   presigned URLs (AWS SigV4 `X-Amz-Signature`, `X-Amz-Credential`, `X-Amz-Security-Token`, SigV2
//!   `Signature`/`AWSAccessKeyId`; GCS `X-Goog-Signature`/`X-Goog-Credential`; Azure SAS `sig`; Alibaba OSS
//!   `Signature`, `security-token`) and OAuth 2.0 (`access_token`, `refresh_token`, `id_token`, `code`,
//!   `client_secret`). Masking a harmless value whose name merely looks secret (`X-Amz-SignedHeaders`) costs
//!   nothing; showing a secret is the failure to avoid.
//! - Masking is idempotent (`***` masks to itself), so it can be applied where text enters and again where it
//!   is drawn.

use std::borrow::Cow;

/// What a secret is replaced by.
pub const MASK: &str = "***";

/// Schemes whose user information is a login name, not a secret.
const SSH_SCHEMES: [&str; 4] = ["ssh", "git+ssh", "ssh+git", "sftp"];

/// Substrings of a parameter name (lower-cased, letters and digits only) that mark its value secret.
const SECRET_NAME_PARTS: [&str; 9] = [
    "token",
    "sig",
    "secret",
    "passw",
    "pwd",
    "credential",
    "key",
    "auth",
    "session",
];

/// Whole parameter names that mark their value secret.
const SECRET_NAMES: [&str; 2] = ["code", "pass"];

/// `input` with the credentials of every URL in it masked (see the module doc); borrowed when there is none.
#[must_use]
pub fn mask_credentials(input: &str) -> Cow<'_, str> {
    if !input.contains("://") && !input.contains(['?', '#']) {
        return Cow::Borrowed(input);
    }
    let mut out = String::with_capacity(input.len());
    let mut changed = false;
    let mut start = 0;
    for (i, c) in input.char_indices() {
        if c.is_whitespace() {
            changed |= mask_token(&input[start..i], &mut out);
            out.push(c);
            start = i + c.len_utf8();
        }
    }
    changed |= mask_token(&input[start..], &mut out);
    if changed {
        Cow::Owned(out)
    } else {
        Cow::Borrowed(input)
    }
}

/// Appends `token` (no whitespace in it) to `out` with its credentials masked; whether anything changed.
fn mask_token(token: &str, out: &mut String) -> bool {
    let mut spans = userinfo_spans(token);
    spans.extend(secret_value_spans(token));
    spans.sort_by_key(|s| s.0);
    let mut at = 0;
    let mut changed = false;
    for (from, to, replacement) in spans {
        if from < at {
            continue; // overlaps a span already masked
        }
        if token[from..to] != replacement {
            changed = true;
        }
        out.push_str(&token[at..from]);
        out.push_str(&replacement);
        at = to;
    }
    out.push_str(&token[at..]);
    changed
}

/// The user information of every `scheme://` in `token`, with its replacement.
fn userinfo_spans(token: &str) -> Vec<(usize, usize, String)> {
    let mut spans = Vec::new();
    for (sep, _) in token.match_indices("://") {
        let Some(scheme) = scheme_before(&token[..sep]) else {
            continue;
        };
        let from = sep + 3;
        let rest = &token[from..];
        let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
        let Some(at) = authority.rfind('@') else {
            continue;
        };
        let userinfo = &authority[..at];
        if userinfo.is_empty() {
            continue;
        }
        let ssh = SSH_SCHEMES.iter().any(|s| scheme.eq_ignore_ascii_case(s));
        let replacement = match (ssh, userinfo.split_once(':')) {
            (true, None) => continue,
            (true, Some((user, _))) => format!("{user}:{MASK}"),
            (false, _) => MASK.to_owned(),
        };
        spans.push((from, from + at, replacement));
    }
    spans
}

/// The scheme ending `before` (`url=https` → `https`): letters, digits, `+`, `-`, `.`, starting with a letter.
fn scheme_before(before: &str) -> Option<&str> {
    let start = before
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        .last()
        .map(|(i, _)| i)?;
    let scheme = &before[start..];
    let first = scheme.find(|c: char| c.is_ascii_alphabetic())?;
    Some(&scheme[first..])
}

/// The values of secret parameters after the first `?` or `#` of `token`, each replaced by [`MASK`].
fn secret_value_spans(token: &str) -> Vec<(usize, usize, String)> {
    let Some(query) = token.find(['?', '#']) else {
        return Vec::new();
    };
    let mut spans = Vec::new();
    let mut pos = query + 1;
    while pos <= token.len() {
        let rest = &token[pos..];
        let end = rest.find(['&', ';', '#']).unwrap_or(rest.len());
        let param = &rest[..end];
        if let Some((name, value)) = param.split_once('=') {
            let value_end = value
                .find(['\'', '"', '<', '>', '`'])
                .unwrap_or(value.len());
            if value_end > 0 && is_secret_name(name) {
                let from = pos + name.len() + 1;
                spans.push((from, from + value_end, MASK.to_owned()));
            }
        }
        pos += end + 1;
    }
    spans
}

/// Whether a parameter named `name` carries a secret (see the module doc).
#[must_use]
pub fn is_secret_name(name: &str) -> bool {
    let folded: String = name
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    SECRET_NAMES.contains(&folded.as_str())
        || SECRET_NAME_PARTS.iter().any(|part| folded.contains(part))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(s: &str) -> String {
        mask_credentials(s).into_owned()
    }

    #[test]
    fn http_user_information_is_masked_whole() {
        assert_eq!(m("https://alice:token@host/x"), "https://***@host/x");
        assert_eq!(
            m("https://ghp_abc@github.com/o/r"),
            "https://***@github.com/o/r"
        );
        assert_eq!(m("oci://user:pass@ghcr.io/o/c"), "oci://***@ghcr.io/o/c");
        assert_eq!(m("HTTP://a:b@h"), "HTTP://***@h");
        // An '@' in the password: the user information ends at the last '@' of the authority.
        assert_eq!(m("https://u:p@ss@host/p@th"), "https://***@host/p@th");
    }

    #[test]
    fn ssh_keeps_the_login_name_and_loses_the_password() {
        assert_eq!(m("ssh://git@github.com/o/r"), "ssh://git@github.com/o/r");
        assert_eq!(m("ssh://git:token@host/r"), "ssh://git:***@host/r");
        assert_eq!(m("git+ssh://me:pw@h/r"), "git+ssh://me:***@h/r");
        assert_eq!(m("git@github.com:o/r.git"), "git@github.com:o/r.git");
    }

    #[test]
    fn urls_inside_messages_are_found_and_the_rest_kept() {
        assert_eq!(
            m(
                "failed to clone 'https://alice:s3cret@git.example.com/r': auth failed; email bob@x.io"
            ),
            "failed to clone 'https://***@git.example.com/r': auth failed; email bob@x.io"
        );
        assert_eq!(m("url=https://a:b@h,next"), "url=https://***@h,next");
        assert_eq!(m("(https://a:b@h)"), "(https://***@h)");
        assert_eq!(m("no url here: a@b, ok?"), "no url here: a@b, ok?");
    }

    #[test]
    fn secret_query_and_fragment_values_are_masked() {
        assert_eq!(
            m(
                "https://b.s3.amazonaws.com/k?X-Amz-Credential=AKIA%2F&X-Amz-Date=1&X-Amz-Signature=abc"
            ),
            "https://b.s3.amazonaws.com/k?X-Amz-Credential=***&X-Amz-Date=1&X-Amz-Signature=***"
        );
        assert_eq!(
            m("https://a.blob.core.windows.net/c?sv=2022&sp=r&sig=xyz%3D"),
            "https://a.blob.core.windows.net/c?sv=2022&sp=r&sig=***"
        );
        assert_eq!(
            m("https://app/cb#access_token=t0k&state=s"),
            "https://app/cb#access_token=***&state=s"
        );
        assert_eq!(m("GET /x?token=abc': denied"), "GET /x?token=***': denied");
        assert_eq!(
            m("https://h/?ref=main&page=2"),
            "https://h/?ref=main&page=2"
        );
    }

    #[test]
    fn masking_is_idempotent_and_borrows_when_nothing_changes() {
        for s in [
            "https://alice:token@host/x?token=a",
            "ssh://git:t@h",
            "plain text",
        ] {
            let once = m(s);
            assert_eq!(m(&once), once);
        }
        assert!(matches!(
            mask_credentials("https://host/x"),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn secret_names_follow_the_rule() {
        for n in [
            "token",
            "X-Amz-Security-Token",
            "sig",
            "Signature",
            "client_secret",
            "password",
            "passwd",
            "apiKey",
            "api-key",
            "AWSAccessKeyId",
            "auth",
            "code",
            "pass",
            "sessionid",
        ] {
            assert!(is_secret_name(n), "{n}");
        }
        for n in [
            "ref",
            "branch",
            "page",
            "X-Amz-Date",
            "sv",
            "state",
            "version",
        ] {
            assert!(!is_secret_name(n), "{n}");
        }
    }
}
