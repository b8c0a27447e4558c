//! Resource definitions of the Flux kinds: printer columns, required and typed `spec` fields and
//! discovery facts as the current Flux CRDs declare them.

use super::{Column, EnumField, Pattern, PatternField, ResourceDef, TypedField};
use crate::flux::FluxKind;

macro_rules! crd_col {
    ($name:expr, $type_:expr, $path:expr) => {
        Column {
            name: $name,
            type_: $type_,
            json_path: $path,
            description: concat!(
                "Custom resource definition column (in JSONPath format): ",
                $path
            ),
        }
    };
}

const AGE: Column = crd_col!("Age", "date", ".metadata.creationTimestamp");
const READY: Column = crd_col!(
    "Ready",
    "string",
    ".status.conditions[?(@.type==\"Ready\")].status"
);
const STATUS: Column = crd_col!(
    "Status",
    "string",
    ".status.conditions[?(@.type==\"Ready\")].message"
);
const URL: Column = crd_col!("URL", "string", ".spec.url");

const SUSPEND: TypedField = TypedField {
    path: "spec.suspend",
    type_: "boolean",
};

macro_rules! typed {
    ($path:expr, $type_:expr) => {
        TypedField {
            path: $path,
            type_: $type_,
        }
    };
}

const DURATION_REGEX: &str = "^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$";
const SHORT_DURATION_REGEX: &str = "^([0-9]+(\\.[0-9]+)?(ms|s|m))+$";

macro_rules! duration {
    ($path:expr) => {
        PatternField {
            path: $path,
            pattern: Pattern::Duration { with_hours: true },
            regex: DURATION_REGEX,
        }
    };
    ($path:expr, short) => {
        PatternField {
            path: $path,
            pattern: Pattern::Duration { with_hours: false },
            regex: SHORT_DURATION_REGEX,
        }
    };
}

macro_rules! url {
    ($regex:expr, $($scheme:expr),+) => {
        PatternField {
            path: "spec.url",
            pattern: Pattern::UrlScheme(&[$($scheme),+]),
            regex: $regex,
        }
    };
}

const SOURCE_REF_REQUIRED: &[(&str, &[&str])] = &[("spec.sourceRef", &["kind", "name"])];

/// Schema patterns, enums and nested required keys of a Flux kind's current version.
#[allow(
    clippy::type_complexity,
    reason = "a table of three schema facts, read as a row"
)]
fn schema_facts(
    kind: FluxKind,
) -> (
    &'static [PatternField],
    &'static [EnumField],
    &'static [(&'static str, &'static [&'static str])],
) {
    match kind {
        FluxKind::Kustomization => (
            &[
                duration!("spec.interval"),
                duration!("spec.retryInterval"),
                duration!("spec.timeout"),
            ],
            &[
                EnumField {
                    path: "spec.sourceRef.kind",
                    values: &[
                        "OCIRepository",
                        "GitRepository",
                        "Bucket",
                        "ExternalArtifact",
                    ],
                },
                EnumField {
                    path: "spec.deletionPolicy",
                    values: &["MirrorPrune", "Delete", "WaitForTermination", "Orphan"],
                },
            ],
            SOURCE_REF_REQUIRED,
        ),
        FluxKind::HelmRelease => (
            &[duration!("spec.interval"), duration!("spec.timeout")],
            &[EnumField {
                path: "spec.chartRef.kind",
                values: &["OCIRepository", "HelmChart", "ExternalArtifact"],
            }],
            &[
                ("spec.chartRef", &["kind", "name"]),
                ("spec.chart", &["spec"]),
            ],
        ),
        FluxKind::GitRepository => (
            &[
                duration!("spec.interval"),
                duration!("spec.timeout", short),
                url!("^(http|https|ssh)://.*$", "http", "https", "ssh"),
            ],
            &[EnumField {
                path: "spec.provider",
                values: &["generic", "aws", "azure", "github"],
            }],
            &[],
        ),
        FluxKind::OCIRepository => (
            &[
                duration!("spec.interval"),
                duration!("spec.timeout", short),
                url!("^oci://.*$", "oci"),
            ],
            &[EnumField {
                path: "spec.provider",
                values: &["generic", "aws", "azure", "gcp"],
            }],
            &[],
        ),
        FluxKind::HelmRepository => (
            &[
                duration!("spec.interval"),
                duration!("spec.timeout", short),
                url!("^(http|https|oci)://.*$", "http", "https", "oci"),
            ],
            &[
                EnumField {
                    path: "spec.provider",
                    values: &["generic", "aws", "azure", "gcp"],
                },
                EnumField {
                    path: "spec.type",
                    values: &["default", "oci"],
                },
            ],
            &[],
        ),
        FluxKind::HelmChart => (
            &[duration!("spec.interval")],
            &[
                EnumField {
                    path: "spec.reconcileStrategy",
                    values: &["ChartVersion", "Revision"],
                },
                EnumField {
                    path: "spec.sourceRef.kind",
                    values: &["HelmRepository", "GitRepository", "Bucket"],
                },
            ],
            SOURCE_REF_REQUIRED,
        ),
        FluxKind::Bucket => (
            &[duration!("spec.interval"), duration!("spec.timeout", short)],
            &[EnumField {
                path: "spec.provider",
                values: &["generic", "aws", "gcp", "azure"],
            }],
            &[],
        ),
        FluxKind::ExternalArtifact => (&[], &[], SOURCE_REF_REQUIRED),
    }
}

/// The definition of a Flux kind, served at `versions` (preferred first).
#[must_use]
pub fn flux_def(kind: FluxKind, versions: Vec<&'static str>) -> ResourceDef {
    let (columns, hash, required, typed_fields, cel): (
        &'static [Column],
        &'static str,
        &'static [&'static str],
        &'static [TypedField],
        bool,
    ) = match kind {
        FluxKind::Kustomization => (
            &[AGE, READY, STATUS],
            "GozwzC4McTQ=",
            &["interval", "prune", "sourceRef"],
            &[
                typed!("spec.prune", "boolean"),
                typed!("spec.force", "boolean"),
                typed!("spec.wait", "boolean"),
                SUSPEND,
                typed!("spec.interval", "string"),
                typed!("spec.path", "string"),
                typed!("spec.sourceRef", "object"),
                typed!("spec.dependsOn", "array"),
            ],
            true,
        ),
        FluxKind::HelmRelease => (
            &[AGE, READY, STATUS],
            "BzFiNEBrMqU=",
            &["interval"],
            &[
                SUSPEND,
                typed!("spec.maxHistory", "integer"),
                typed!("spec.interval", "string"),
                typed!("spec.dependsOn", "array"),
            ],
            true,
        ),
        FluxKind::GitRepository => (
            &[URL, AGE, READY, STATUS],
            "agejlvI8FcU=",
            &["interval", "url"],
            &[SUSPEND, typed!("spec.url", "string")],
            true,
        ),
        FluxKind::OCIRepository => (
            &[URL, READY, STATUS, AGE],
            "GGgn4oy0Eik=",
            &["interval", "url"],
            &[SUSPEND, typed!("spec.insecure", "boolean")],
            false,
        ),
        FluxKind::HelmRepository => (
            &[URL, AGE, READY, STATUS],
            "WgQB4f3a6jc=",
            &["url"],
            &[SUSPEND, typed!("spec.insecure", "boolean")],
            false,
        ),
        FluxKind::HelmChart => (
            &[
                crd_col!("Chart", "string", ".spec.chart"),
                crd_col!("Version", "string", ".spec.version"),
                crd_col!("Source Kind", "string", ".spec.sourceRef.kind"),
                crd_col!("Source Name", "string", ".spec.sourceRef.name"),
                AGE,
                READY,
                STATUS,
            ],
            "xdXyWReGs3w=",
            &["chart", "interval", "sourceRef"],
            &[SUSPEND],
            true,
        ),
        FluxKind::Bucket => (
            &[
                crd_col!("Endpoint", "string", ".spec.endpoint"),
                AGE,
                READY,
                STATUS,
            ],
            "baSnibBf0us=",
            &["bucketName", "endpoint", "interval"],
            &[SUSPEND, typed!("spec.insecure", "boolean")],
            true,
        ),
        FluxKind::ExternalArtifact => (
            &[
                AGE,
                READY,
                STATUS,
                crd_col!("Source", "string", ".spec.sourceRef.name"),
            ],
            "yu2foWxGOos=",
            &[],
            &[],
            false,
        ),
    };
    let short_names: &'static [&'static str] = match kind {
        FluxKind::Kustomization => &["ks"],
        FluxKind::HelmRelease => &["hr"],
        FluxKind::GitRepository => &["gitrepo"],
        FluxKind::OCIRepository => &["ocirepo"],
        FluxKind::HelmRepository => &["helmrepo"],
        FluxKind::HelmChart => &["hc"],
        FluxKind::Bucket => &[],
        FluxKind::ExternalArtifact => &["ea"],
    };
    let (pattern_fields, enum_fields, nested_required) = schema_facts(kind);
    let storage_version = versions
        .first()
        .copied()
        .unwrap_or(kind.preferred_version());
    ResourceDef {
        extra_subresources: &[],
        group: kind.group(),
        versions,
        storage_version,
        kind: kind.as_str(),
        plural: kind.plural(),
        singular: singular_of(kind),
        namespaced: true,
        short_names,
        categories: kind.categories(),
        custom: true,
        status_subresource: true,
        scale_subresource: false,
        has_generation: true,
        default_observed_generation: kind.is_applier(),
        columns,
        storage_version_hash: hash,
        required,
        typed_fields,
        pattern_fields,
        enum_fields,
        nested_required,
        has_cel_rules: cel,
    }
}

fn singular_of(kind: FluxKind) -> &'static str {
    match kind {
        FluxKind::Kustomization => "kustomization",
        FluxKind::HelmRelease => "helmrelease",
        FluxKind::GitRepository => "gitrepository",
        FluxKind::OCIRepository => "ocirepository",
        FluxKind::HelmRepository => "helmrepository",
        FluxKind::HelmChart => "helmchart",
        FluxKind::Bucket => "bucket",
        FluxKind::ExternalArtifact => "externalartifact",
    }
}
