//! The list options of a collection GET, checked and interpreted as a kube-apiserver v1.28 does
//! (`ValidateListOptions` in apimachinery, `shouldDelegateList` in the apiserver's cacher, the etcd3 store's
//! `GetList`), with the WatchList feature gate off unless the server is configured otherwise.
//!
//! - **Validation** (422 `ListOptions.meta.k8s.io "" is invalid`): `resourceVersionMatch` needs a
//!   `resourceVersion`, not with `continue`, only `Exact`/`NotOlderThan`, never `Exact` with `"0"`;
//!   `sendInitialEvents` is forbidden on a list; on a watch it needs `resourceVersionMatch=NotOlderThan` and the
//!   WatchList feature gate, and `resourceVersionMatch` needs `sendInitialEvents`.
//! - **Where a list is read from**: the watch cache when a `resourceVersion` is given, there is no `continue`, no
//!   `limit` (or the version is `"0"`: a `limit` is then ignored and the list comes in one piece) and the match
//!   is not `Exact`; storage (etcd) otherwise — `resourceVersion` unset is a consistent read (ConsistentListFromCache
//!   is alpha, off, in 1.28), `Exact` (or a legacy `resourceVersion=N` with a `limit`) reads the snapshot at N,
//!   `NotOlderThan` reads the latest.

use super::Req;
use super::status::{CauseBody, Details, StatusBody};

/// Where a list is served from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadFrom {
    /// The watch cache: the whole list in one piece, at least as new as the version (0: any).
    Cache { not_older_than: u64 },
    /// Storage, paged by `limit`: the latest state, checked to be at least `not_older_than`.
    Latest { not_older_than: u64 },
    /// Storage, paged by `limit`: the snapshot at exactly this resourceVersion.
    Exact(u64),
    /// Storage, continuing a paged list (the token carries the snapshot's version).
    Continue,
}

/// One field error (`field.Error`).
struct FieldError {
    field: &'static str,
    reason: &'static str,
    /// The detail, as `field.Error` prints it after the field (`Forbidden: …`).
    detail: String,
}

fn forbidden(field: &'static str, message: &str) -> FieldError {
    FieldError {
        field,
        reason: "FieldValueForbidden",
        detail: format!("Forbidden: {message}"),
    }
}

fn not_supported(field: &'static str, value: &str, supported: &[&str]) -> FieldError {
    let supported: Vec<String> = supported.iter().map(|s| format!("\"{s}\"")).collect();
    FieldError {
        field,
        reason: "FieldValueNotSupported",
        detail: format!(
            "Unsupported value: \"{value}\": supported values: {}",
            supported.join(", ")
        ),
    }
}

/// The 422 the real server answers for invalid list options.
fn invalid(errors: &[FieldError]) -> StatusBody {
    let each: Vec<String> = errors
        .iter()
        .map(|e| format!("{}: {}", e.field, e.detail))
        .collect();
    let joined = if each.len() == 1 {
        each.join("")
    } else {
        format!("[{}]", each.join(", "))
    };
    StatusBody::failure(
        422,
        "Invalid",
        format!("ListOptions.meta.k8s.io \"\" is invalid: {joined}"),
        Some(Details {
            group: Some("meta.k8s.io".to_owned()),
            kind: Some("ListOptions".to_owned()),
            causes: errors
                .iter()
                .map(|e| CauseBody {
                    reason: e.reason.to_owned(),
                    message: e.detail.clone(),
                    field: e.field.to_owned(),
                })
                .collect(),
            ..Details::default()
        }),
    )
}

fn bad_version(text: &str) -> StatusBody {
    StatusBody::failure(
        400,
        "BadRequest",
        format!("invalid resource version: {text}"),
        None,
    )
}

/// Checks the options of a list (not a watch) and says where to read it from.
///
/// # Errors
/// The Status the real server answers: 422 for invalid options, 400 for a malformed resourceVersion.
pub(crate) fn list(req: &Req) -> Result<ReadFrom, Box<StatusBody>> {
    let version = req.param("resourceVersion");
    let matching = req.param("resourceVersionMatch");
    let continuing = req.param("continue").is_some();
    let mut errors = Vec::new();
    if let Some(m) = matching {
        if version.is_none() {
            errors.push(forbidden(
                "resourceVersionMatch",
                "resourceVersionMatch is forbidden unless resourceVersion is provided",
            ));
        }
        if continuing {
            errors.push(forbidden(
                "resourceVersionMatch",
                "resourceVersionMatch is forbidden when continue is provided",
            ));
        }
        if m != "Exact" && m != "NotOlderThan" {
            errors.push(not_supported(
                "resourceVersionMatch",
                m,
                &["Exact", "NotOlderThan", ""],
            ));
        }
        if m == "Exact" && version == Some("0") {
            errors.push(forbidden(
                "resourceVersionMatch",
                "resourceVersionMatch \"exact\" is forbidden for resourceVersion \"0\"",
            ));
        }
    }
    if req.query.contains_key("sendInitialEvents") {
        errors.push(forbidden(
            "sendInitialEvents",
            "sendInitialEvents is forbidden for list",
        ));
    }
    if !errors.is_empty() {
        return Err(Box::new(invalid(&errors)));
    }
    let limited = req
        .param("limit")
        .and_then(|l| l.parse::<i64>().ok())
        .is_some_and(|l| l > 0);
    if continuing {
        return Ok(ReadFrom::Continue);
    }
    let Some(text) = version else {
        return Ok(ReadFrom::Latest { not_older_than: 0 });
    };
    let rv = text
        .parse::<u64>()
        .map_err(|_| Box::new(bad_version(text)))?;
    let exact = matching == Some("Exact");
    // The cacher's `shouldDelegateList`, inverted: no Exact match, and no limit unless the version is "0".
    if !(exact || limited && rv != 0) {
        return Ok(ReadFrom::Cache { not_older_than: rv });
    }
    Ok(match matching {
        Some("Exact") => ReadFrom::Exact(rv),
        Some(_) => ReadFrom::Latest { not_older_than: rv },
        // The legacy meaning of a resourceVersion with a limit: the snapshot at it.
        None if rv > 0 => ReadFrom::Exact(rv),
        None => ReadFrom::Latest { not_older_than: 0 },
    })
}

/// Checks the options of a watch. `watch_list`: the server's WatchList feature gate.
///
/// # Errors
/// The 422 the real server answers.
pub(crate) fn watch(req: &Req, watch_list: bool) -> Result<(), Box<StatusBody>> {
    let matching = req.param("resourceVersionMatch");
    let initial = req.query.contains_key("sendInitialEvents");
    let mut errors = Vec::new();
    if initial {
        if matching != Some("NotOlderThan") {
            errors.push(forbidden(
                "resourceVersionMatch",
                "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan",
            ));
        }
        if !watch_list {
            errors.push(forbidden(
                "sendInitialEvents",
                "sendInitialEvents is forbidden for watch unless the WatchList feature gate is enabled",
            ));
        }
    }
    if let Some(m) = matching {
        if !initial {
            errors.push(forbidden(
                "resourceVersionMatch",
                "resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided",
            ));
        }
        if m != "NotOlderThan" {
            errors.push(not_supported("resourceVersionMatch", m, &["NotOlderThan"]));
        }
        if req.param("continue").is_some() {
            errors.push(forbidden(
                "resourceVersionMatch",
                "resourceVersionMatch is forbidden when continue is provided",
            ));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Box::new(invalid(&errors)))
    }
}

/// 504 `Too large resource version` (the cache did not reach the version within 3 s; retry after 1 s).
#[must_use]
pub fn too_large(requested: u64, current: u64) -> StatusBody {
    StatusBody::failure(
        504,
        "Timeout",
        format!("Too large resource version: {requested}, current: {current}"),
        Some(Details {
            causes: vec![CauseBody {
                reason: "ResourceVersionTooLarge".to_owned(),
                message: "Too large resource version".to_owned(),
                field: String::new(),
            }],
            retry_after_seconds: Some(1),
            ..Details::default()
        }),
    )
}

/// 410 for a list snapshot no longer in the history.
#[must_use]
pub fn list_expired() -> StatusBody {
    StatusBody::failure(
        410,
        "Expired",
        "The resourceVersion for the provided list is too old.".to_owned(),
        None,
    )
}

/// 410 for a continue token whose snapshot is no longer in the history.
#[must_use]
pub fn continue_expired() -> StatusBody {
    StatusBody::failure(
        410,
        "Expired",
        "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.".to_owned(),
        None,
    )
}
