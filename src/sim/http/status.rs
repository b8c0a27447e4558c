//! `metav1.Status` bodies exactly as the real server writes them (field order included), and the
//! mapping from `StoreError` to HTTP code + Status.

use crate::sim::store::StoreError;
use serde::Serialize;

/// `details` of a Status. Every field is omitted when empty, as in Go's `omitempty`.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Details {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uid: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub causes: Vec<CauseBody>,
    #[serde(rename = "retryAfterSeconds", skip_serializing_if = "Option::is_none")]
    pub retry_after_seconds: Option<u32>,
}

/// One `details.causes` entry.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct CauseBody {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub reason: String,
    pub message: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub field: String,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct EmptyMeta {}

/// A `kind: Status` object.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct StatusBody {
    pub kind: &'static str,
    pub api_version: &'static str,
    pub metadata: EmptyMeta,
    pub status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<Details>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<u16>,
}

impl StatusBody {
    /// A failure Status.
    #[must_use]
    pub fn failure(
        code: u16,
        reason: &'static str,
        message: String,
        details: Option<Details>,
    ) -> Self {
        Self {
            kind: "Status",
            api_version: "v1",
            metadata: EmptyMeta {},
            status: "Failure",
            message: Some(message),
            reason: Some(reason),
            details,
            code: Some(code),
        }
    }

    /// The Success Status a delete answers with.
    #[must_use]
    pub fn deleted(details: Details) -> Self {
        Self {
            kind: "Status",
            api_version: "v1",
            metadata: EmptyMeta {},
            status: "Success",
            message: None,
            reason: None,
            details: Some(details),
            code: None,
        }
    }

    /// 403 for a user RBAC does not allow `verb` on `resource`.
    #[must_use]
    pub fn forbidden(
        user: &str,
        verb: &str,
        group: &str,
        resource: &str,
        namespace: Option<&str>,
        name: Option<&str>,
    ) -> Self {
        let qualified = if group.is_empty() {
            resource.to_owned()
        } else {
            format!("{resource}.{group}")
        };
        let subject = match name {
            Some(n) => format!("{qualified} \"{n}\""),
            None => qualified,
        };
        let scope = match namespace {
            Some(ns) => format!("in the namespace \"{ns}\""),
            None => "at the cluster scope".to_owned(),
        };
        let message = format!(
            "{subject} is forbidden: User \"{user}\" cannot {verb} resource \"{resource}\" in API group \"{group}\" {scope}"
        );
        Self::failure(
            403,
            "Forbidden",
            message,
            Some(Details {
                name: name.map(str::to_owned),
                group: (!group.is_empty()).then(|| group.to_owned()),
                kind: Some(resource.to_owned()),
                ..Details::default()
            }),
        )
    }

    /// 404 for a group/version or resource the server does not serve.
    #[must_use]
    pub fn not_served() -> Self {
        Self::failure(
            404,
            "NotFound",
            "the server could not find the requested resource".to_owned(),
            Some(Details::default()),
        )
    }

    /// 405 for a verb the resource does not support.
    #[must_use]
    pub fn method_not_allowed(method: &str) -> Self {
        Self::failure(
            405,
            "MethodNotAllowed",
            format!("the server does not allow this method on the requested resource ({method})"),
            Some(Details::default()),
        )
    }

    /// 415 for a patch type the resource does not accept (strategic merge on custom resources).
    #[must_use]
    pub fn unsupported_media_type() -> Self {
        Self::failure(
            415,
            "UnsupportedMediaType",
            "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml".to_owned(),
            Some(Details::default()),
        )
    }
}

/// HTTP code and Status body for a refused store operation.
#[must_use]
pub fn from_store_error(err: &StoreError) -> StatusBody {
    let message = err.to_string();
    let resource_details = |resource: &crate::sim::GroupResource, name: &str| Details {
        name: Some(name.to_owned()),
        group: (!resource.group.is_empty()).then(|| resource.group.clone()),
        kind: Some(resource.resource.clone()),
        ..Details::default()
    };
    match err {
        StoreError::NotFound { resource, name } => StatusBody::failure(
            404,
            "NotFound",
            message,
            Some(resource_details(resource, name)),
        ),
        StoreError::AlreadyExists { resource, name } => StatusBody::failure(
            409,
            "AlreadyExists",
            message,
            Some(resource_details(resource, name)),
        ),
        StoreError::Conflict { resource, name } => StatusBody::failure(
            409,
            "Conflict",
            message,
            Some(resource_details(resource, name)),
        ),
        StoreError::Invalid {
            group,
            kind,
            name,
            causes,
        } => StatusBody::failure(
            422,
            "Invalid",
            message,
            Some(Details {
                name: Some(name.clone()),
                group: (!group.is_empty()).then(|| group.clone()),
                kind: Some(kind.clone()),
                uid: None,
                retry_after_seconds: None,
                causes: causes
                    .iter()
                    .map(|c| CauseBody {
                        reason: c.reason.clone(),
                        message: c.message.clone(),
                        field: c.field.clone(),
                    })
                    .collect(),
            }),
        ),
        StoreError::BadRequest(_) => StatusBody::failure(400, "BadRequest", message, None),
        StoreError::Unprocessable(_) => StatusBody::failure(422, "Invalid", message, None),
        StoreError::Expired { .. } => StatusBody::failure(410, "Expired", message, None),
        StoreError::UnknownResource(_) => StatusBody::not_served(),
    }
}
