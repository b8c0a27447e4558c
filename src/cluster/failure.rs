//! What went wrong talking to the API server: classified for retrying, and said in words for the screen.
//!
//! kube's errors print their `Debug` form (`ApiError: Unauthorized: Unauthorized (ErrorResponse { status: …`),
//! which must never reach the screen. [`Failure::from_kube`] classifies an error by its HTTP status or transport
//! failure; [`Failure::words`] says what happened the way an SRE reads it (the API server's own message where it
//! has one, e.g. a Forbidden message naming user, verb and resource).
//!
//! Must not live here: retry policy (the watchers decide from the class), anything drawn.

use std::time::Duration;

/// One failed request, classified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// 410 Gone: the history a watch or continue token needed is compacted; the caller lists again.
    Expired,
    /// 403: RBAC denies the request. Carries the server's message (user, verb, resource).
    Forbidden(String),
    /// 404 on a collection: the kind is not served (its CRD was removed).
    NotFound,
    /// 401: the API server rejected the credentials.
    Unauthorized,
    /// 429: the server asks clients to slow down, for `retry_after` if it says.
    Throttled { retry_after: Option<Duration> },
    /// Any other error status (5xx, 4xx).
    Status {
        code: u16,
        reason: String,
        message: String,
    },
    /// No answer: connection refused or reset, DNS, TLS, or no answer in time.
    Unreachable(String),
    /// An answer that is not what a Kubernetes API server sends (not JSON, a truncated body).
    Garbage(String),
}

impl Failure {
    /// Classifies a kube client error.
    #[must_use]
    pub fn from_kube(err: &kube::Error) -> Failure {
        match err {
            kube::Error::Api(status) => Self::from_status(status),
            kube::Error::SerdeError(e) => Failure::Garbage(e.to_string()),
            kube::Error::FromUtf8(e) => Failure::Garbage(e.to_string()),
            kube::Error::LinesCodecMaxLineLengthExceeded => {
                Failure::Garbage("a watch line without an end".to_owned())
            }
            other => Failure::Unreachable(transport_words(other)),
        }
    }

    /// Classifies an error `Status` (an answer, or an ERROR event of a watch).
    #[must_use]
    pub fn from_status(status: &kube::core::Status) -> Failure {
        match status.code {
            410 => Failure::Expired,
            401 => Failure::Unauthorized,
            403 => Failure::Forbidden(if status.message.is_empty() {
                "forbidden".to_owned()
            } else {
                status.message.clone()
            }),
            404 => Failure::NotFound,
            429 => Failure::Throttled {
                retry_after: status
                    .details
                    .as_ref()
                    .map(|d| d.retry_after_seconds)
                    .filter(|s| *s > 0)
                    .map(|s| Duration::from_secs(u64::from(s))),
            },
            // kube makes a Status of an error answer that is not JSON (a proxy's HTML page).
            code if status.reason == "Failed to parse error data" => Failure::Status {
                code,
                reason: String::new(),
                message: format!("not a Kubernetes answer: {}", first_line(&status.message)),
            },
            code => Failure::Status {
                code,
                reason: status.reason.clone(),
                message: status.message.clone(),
            },
        }
    }

    /// What happened, in words (no debug text, one line).
    #[must_use]
    pub fn words(&self) -> String {
        match self {
            Failure::Expired => "the API server's history is compacted (listing again)".to_owned(),
            Failure::Forbidden(message) => first_line(message),
            Failure::NotFound => {
                "the API server does not serve this kind (CRD removed?)".to_owned()
            }
            Failure::Unauthorized => {
                "the API server rejected the credentials (401 Unauthorized)".to_owned()
            }
            Failure::Throttled { retry_after } => match retry_after {
                Some(d) => format!(
                    "the API server is overloaded (429 Too Many Requests, retry after {} s)",
                    d.as_secs()
                ),
                None => "the API server is overloaded (429 Too Many Requests)".to_owned(),
            },
            Failure::Status {
                code,
                reason,
                message,
            } => {
                let name = status_name(*code);
                let message = first_line(message);
                if message.is_empty() || message == *reason {
                    format!("the API server answered {code} {name}")
                } else {
                    format!("the API server answered {code} {name}: {message}")
                }
            }
            Failure::Unreachable(detail) => format!("cannot reach the API server: {detail}"),
            Failure::Garbage(detail) => {
                format!("the API server sent something that is not a Kubernetes answer: {detail}")
            }
        }
    }
}

/// The standard name of an HTTP status code.
fn status_name(code: u16) -> &'static str {
    match code {
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        409 => "Conflict",
        413 => "Payload Too Large",
        415 => "Unsupported Media Type",
        422 => "Unprocessable Entity",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "error",
    }
}

/// The innermost cause of a transport error, in the words of the layer that failed ("Connection refused (os
/// error 111)"), without kube's wrappers ("ServiceError: client error (Connect)").
fn transport_words(err: &kube::Error) -> String {
    let mut innermost: &(dyn std::error::Error + 'static) = err;
    while let Some(next) = innermost.source() {
        innermost = next;
    }
    let text = innermost.to_string();
    if text.is_empty() {
        err.to_string()
    } else {
        first_line(&text)
    }
}

/// The first line of `text`, at most 300 characters.
fn first_line(text: &str) -> String {
    let line = text.lines().next().unwrap_or_default().trim();
    if line.chars().count() > 300 {
        let cut: String = line.chars().take(299).collect();
        format!("{cut}…")
    } else {
        line.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kube::core::Status;

    fn api(code: u16, reason: &str, msg: &str) -> kube::Error {
        let mut status = Status::failure(msg, reason).with_code(code);
        status.reason = reason.to_owned();
        kube::Error::Api(Box::new(status))
    }

    #[test]
    fn status_codes_are_classified() {
        assert_eq!(
            Failure::from_kube(&api(403, "Forbidden", "no list for you")),
            Failure::Forbidden("no list for you".into())
        );
        assert_eq!(
            Failure::from_kube(&api(410, "Expired", "too old")),
            Failure::Expired
        );
        assert_eq!(
            Failure::from_kube(&api(404, "NotFound", "page not found")),
            Failure::NotFound
        );
        assert_eq!(
            Failure::from_kube(&api(401, "Unauthorized", "Unauthorized")),
            Failure::Unauthorized
        );
        assert!(matches!(
            Failure::from_kube(&api(500, "InternalError", "boom")),
            Failure::Status { code: 500, .. }
        ));
    }

    #[test]
    fn words_carry_no_debug_text() {
        for err in [
            api(401, "Unauthorized", "Unauthorized"),
            api(
                500,
                "InternalError",
                "Internal error occurred: etcd timeout",
            ),
            api(
                503,
                "ServiceUnavailable",
                "the server is currently unable to handle the request",
            ),
            api(
                429,
                "TooManyRequests",
                "Too many requests, please try again later.",
            ),
        ] {
            let words = Failure::from_kube(&err).words();
            for debug in ["ErrorResponse", "Status {", "ApiError", "code:", "{", "}"] {
                assert!(!words.contains(debug), "{words}");
            }
        }
        assert_eq!(
            Failure::from_kube(&api(
                500,
                "InternalError",
                "Internal error occurred: etcd timeout"
            ))
            .words(),
            "the API server answered 500 Internal Server Error: Internal error occurred: etcd timeout"
        );
        assert_eq!(
            Failure::from_kube(&api(401, "Unauthorized", "Unauthorized")).words(),
            "the API server rejected the credentials (401 Unauthorized)"
        );
    }

    #[test]
    fn throttling_carries_the_servers_retry_after() {
        let mut status = Status::failure("Too many requests", "TooManyRequests").with_code(429);
        status.details = serde_json::from_value(serde_json::json!({"retryAfterSeconds": 3})).ok();
        assert_eq!(
            Failure::from_status(&status),
            Failure::Throttled {
                retry_after: Some(Duration::from_secs(3))
            }
        );
    }

    #[test]
    fn a_non_json_error_page_is_named_as_such() {
        let status = Status::failure(
            "<html><body>502 Bad Gateway</body></html>",
            "Failed to parse error data",
        )
        .with_code(502);
        let words = Failure::from_status(&status).words();
        assert!(
            words.starts_with("the API server answered 502 Bad Gateway: not a Kubernetes answer"),
            "{words}"
        );
    }
}
