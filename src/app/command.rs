//! The command line (`:` in the k9s manner), pure: what a typed line means ([`parse`]) and what it could
//! become ([`candidates`], shown under the prompt; `tab` takes the highlighted one). No state, no I/O: the
//! caller (`app::prompt`) gives the names it knows (namespaces seen, the kubeconfig's contexts).
//!
//! Commands: a kind (`:ks`, `:kustomizations`, `:hr`, `:git`, `:oci`, `:helm`, `:chart`, `:bucket`, `:ea`, and
//! every name `FluxKind::from_user` reads) narrows the tree to that kind (the filter term `kind:NAME`, see
//! [`term_matches`]); `:all` drops it; `:ns NAME` / `:ns all` (or `-A`) switch the namespace scope; `:ctx NAME`
//! the kubeconfig context; `:problems`, `:jobs`, `:tree`, `:dag`, `:timings` show a screen; `:trace` and `:logs`
//! open the selected object's trace and controller log (`:trace KIND/NS/NAME` traces any object by name, a
//! Deployment too: what applied it, its source, the revisions); `:find TEXT` opens
//! the finder; `:help`; `:q` quits.

use crate::flux::FluxKind;

/// What a command line asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Narrow the tree to one kind.
    Kind(FluxKind),
    /// Every kind again (drops a kind narrowing, keeps the rest of the filter).
    AllKinds,
    /// Watch one namespace (`Some`) or every namespace (`None`).
    Namespace(Option<String>),
    /// Switch to another kubeconfig context.
    Context(String),
    Problems,
    Jobs,
    Tree,
    Dag,
    Timings,
    /// The selected object's trace (applied by → source → revisions).
    Trace,
    /// The trace of an object named by kind (as typed: `deployment`, `deploy`, `ks` …), namespace (empty:
    /// the console's, or none for a cluster-scoped kind) and name.
    TraceObject {
        kind: String,
        namespace: String,
        name: String,
    },
    /// The controller log lines about the selected object, followed live.
    Logs,
    /// Open the finder with this text.
    Find(String),
    Help,
    Quit,
}

/// Why a line is not a command, in words for the flash.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error(
        "unknown command ':{0}' (tab lists the commands: :ks, :hr, :git, :ns NAME, :ctx NAME, :problems …)"
    )]
    Unknown(String),
    #[error(":{0} needs {1}")]
    MissingArgument(&'static str, &'static str),
    #[error(":{0} takes no argument (got '{1}')")]
    UnexpectedArgument(&'static str, String),
    #[error("'{0}' is not a namespace name (lower-case letters, digits and '-', at most 63)")]
    BadNamespace(String),
    #[error("'{0}' is not KIND/NAMESPACE/NAME (e.g. deployment/apps/podinfo) nor KIND/NAME")]
    BadObject(String),
}

/// What a command takes after its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Arg {
    None,
    Namespace,
    Context,
    Text,
    /// An optional `KIND/NS/NAME` or `KIND/NAME`.
    Object,
}

/// One command as listed: its names (the first is shown), argument and meaning.
struct Spec {
    names: &'static [&'static str],
    arg: Arg,
    help: &'static str,
}

/// The commands that are not kinds, in the order completion lists them.
const SPECS: &[Spec] = &[
    Spec {
        names: &["ns", "namespace", "namespaces"],
        arg: Arg::Namespace,
        help: "switch the namespace (all: every namespace)",
    },
    Spec {
        names: &["ctx", "context", "contexts"],
        arg: Arg::Context,
        help: "switch to another kubeconfig context",
    },
    Spec {
        names: &["problems", "pb"],
        arg: Arg::None,
        help: "the Problems screen",
    },
    Spec {
        names: &["jobs"],
        arg: Arg::None,
        help: "the Jobs screen",
    },
    Spec {
        names: &["tree"],
        arg: Arg::None,
        help: "the tree of objects",
    },
    Spec {
        names: &["dag"],
        arg: Arg::None,
        help: "the dependency DAG",
    },
    Spec {
        names: &["timings"],
        arg: Arg::None,
        help: "the timings list",
    },
    Spec {
        names: &["trace"],
        arg: Arg::Object,
        help: "trace the selected object, or KIND/NS/NAME (a Deployment too): applied by, source, revisions",
    },
    Spec {
        names: &["logs", "log"],
        arg: Arg::None,
        help: "the controller's log lines about the selected object",
    },
    Spec {
        names: &["all"],
        arg: Arg::None,
        help: "every kind again",
    },
    Spec {
        names: &["find"],
        arg: Arg::Text,
        help: "find an object by name (ctrl-p)",
    },
    Spec {
        names: &["help"],
        arg: Arg::None,
        help: "the keys",
    },
    Spec {
        names: &["q", "quit", "q!"],
        arg: Arg::None,
        help: "quit fluxops",
    },
];

/// The short command of a kind (`ks`, `hr`, `git` …), what completion shows.
#[must_use]
pub fn kind_command(kind: FluxKind) -> &'static str {
    match kind {
        FluxKind::Kustomization => "ks",
        FluxKind::HelmRelease => "hr",
        FluxKind::GitRepository => "git",
        FluxKind::OCIRepository => "oci",
        FluxKind::HelmRepository => "helm",
        FluxKind::HelmChart => "chart",
        FluxKind::Bucket => "bucket",
        FluxKind::ExternalArtifact => "ea",
    }
}

/// Every name a kind answers to on the command line.
fn kind_names(kind: FluxKind) -> Vec<&'static str> {
    let mut names = vec![kind_command(kind), kind.plural()];
    names.extend(kind.short_name());
    names
}

/// The kind a command word names (`ks`, `Kustomization`, `kustomizations`, `git`, `helm` …).
fn kind_of(word: &str) -> Option<FluxKind> {
    let lower = word.to_ascii_lowercase();
    FluxKind::ALL
        .into_iter()
        .find(|k| kind_names(*k).contains(&lower.as_str()))
        .or_else(|| FluxKind::from_user(word))
}

/// Parses a command line (without the `:`).
///
/// # Errors
/// Unknown commands, a missing or unexpected argument, a namespace name that cannot be one.
pub fn parse(line: &str) -> Result<Command, ParseError> {
    let line = line.trim().trim_start_matches(':').trim();
    let (word, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
    let rest = rest.trim();
    if let Some(kind) = kind_of(word) {
        if !rest.is_empty() {
            return Err(ParseError::UnexpectedArgument(
                kind_command(kind),
                rest.to_owned(),
            ));
        }
        return Ok(Command::Kind(kind));
    }
    let lower = word.to_ascii_lowercase();
    let Some(spec) = SPECS.iter().find(|s| s.names.contains(&lower.as_str())) else {
        return Err(ParseError::Unknown(
            crate::text::sanitize_line(word).into_owned(),
        ));
    };
    let name = spec.names[0];
    match spec.arg {
        Arg::None if !rest.is_empty() => Err(ParseError::UnexpectedArgument(name, rest.to_owned())),
        Arg::None => Ok(match name {
            "problems" => Command::Problems,
            "jobs" => Command::Jobs,
            "tree" => Command::Tree,
            "dag" => Command::Dag,
            "timings" => Command::Timings,
            "trace" => Command::Trace,
            "logs" => Command::Logs,
            "all" => Command::AllKinds,
            "help" => Command::Help,
            _ => Command::Quit,
        }),
        Arg::Namespace => namespace(rest).map(Command::Namespace),
        Arg::Context if rest.is_empty() => Err(ParseError::MissingArgument(name, "a context name")),
        Arg::Context => Ok(Command::Context(rest.to_owned())),
        Arg::Text => Ok(Command::Find(rest.to_owned())),
        Arg::Object if rest.is_empty() => Ok(Command::Trace),
        Arg::Object => object(rest),
    }
}

/// `KIND/NS/NAME` or `KIND/NAME`, every part a non-empty word.
fn object(arg: &str) -> Result<Command, ParseError> {
    let parts: Vec<&str> = arg.split('/').collect();
    let word = |p: &&str| !p.is_empty() && !p.chars().any(char::is_whitespace);
    let (kind, namespace, name) = match parts.as_slice() {
        [kind, ns, name] if [kind, ns, name].iter().all(|p| word(p)) => (*kind, *ns, *name),
        [kind, name] if word(kind) && word(name) => (*kind, "", *name),
        _ => {
            return Err(ParseError::BadObject(
                crate::text::sanitize_line(arg).into_owned(),
            ));
        }
    };
    Ok(Command::TraceObject {
        kind: kind.to_owned(),
        namespace: namespace.to_owned(),
        name: name.to_owned(),
    })
}

/// `:ns` argument: `all`, `-A`, `*` → every namespace; else a namespace name.
fn namespace(arg: &str) -> Result<Option<String>, ParseError> {
    match arg {
        "" => Err(ParseError::MissingArgument(
            "ns",
            "a namespace name (or all)",
        )),
        "all" | "-A" | "*" | "--all-namespaces" => Ok(None),
        name if is_namespace_name(name) => Ok(Some(name.to_owned())),
        other => Err(ParseError::BadNamespace(
            crate::text::sanitize_line(other).into_owned(),
        )),
    }
}

/// A DNS label, what a namespace name must be.
#[must_use]
pub fn is_namespace_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 63
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !name.starts_with('-')
        && !name.ends_with('-')
}

/// One completion: the whole line it makes, and what it means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// The command line after taking this candidate (an argument-taking command ends with a space).
    pub line: String,
    pub help: String,
}

/// What completion knows besides the commands.
#[derive(Debug, Clone, Copy, Default)]
pub struct Known<'a> {
    /// Namespaces seen (sorted, no duplicates).
    pub namespaces: &'a [String],
    /// The kubeconfig's contexts.
    pub contexts: &'a [String],
    /// The context in use (marked in the list).
    pub context: &'a str,
}

/// The completions of `line`: commands whose name starts with the word typed, or, after `ns ` / `ctx `, the
/// namespaces / contexts starting with the argument typed. Matching ignores case.
#[must_use]
pub fn candidates(line: &str, known: Known<'_>) -> Vec<Candidate> {
    let line = line.trim_start().trim_start_matches(':');
    match line.split_once(char::is_whitespace) {
        None => commands_starting(line),
        Some((word, arg)) => {
            let lower = word.to_ascii_lowercase();
            let Some(spec) = SPECS.iter().find(|s| s.names.contains(&lower.as_str())) else {
                return Vec::new();
            };
            let arg = arg.trim_start();
            let (values, current): (Vec<&str>, &str) = match spec.arg {
                Arg::Namespace => {
                    let mut v = vec!["all"];
                    v.extend(known.namespaces.iter().map(String::as_str));
                    (v, "")
                }
                Arg::Context => (
                    known.contexts.iter().map(String::as_str).collect(),
                    known.context,
                ),
                Arg::None | Arg::Text | Arg::Object => return Vec::new(),
            };
            let name = spec.names[0];
            values
                .into_iter()
                .filter(|v| starts_with_ignore_case(v, arg))
                .map(|v| Candidate {
                    line: format!("{name} {v}"),
                    help: if v == "all" && spec.arg == Arg::Namespace {
                        "every namespace".to_owned()
                    } else if !current.is_empty() && v == current {
                        "(current)".to_owned()
                    } else {
                        String::new()
                    },
                })
                .collect()
        }
    }
}

fn commands_starting(word: &str) -> Vec<Candidate> {
    let mut out = Vec::new();
    for kind in FluxKind::ALL {
        if kind_names(kind)
            .iter()
            .any(|n| starts_with_ignore_case(n, word))
        {
            out.push(Candidate {
                line: kind_command(kind).to_owned(),
                help: format!("{} only", super::view::plural(kind)),
            });
        }
    }
    for spec in SPECS {
        if spec.names.iter().any(|n| starts_with_ignore_case(n, word)) {
            let takes = spec.arg != Arg::None;
            out.push(Candidate {
                line: format!("{}{}", spec.names[0], if takes { " " } else { "" }),
                help: spec.help.to_owned(),
            });
        }
    }
    out
}

fn starts_with_ignore_case(value: &str, prefix: &str) -> bool {
    value
        .get(..prefix.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
}

/// The filter term a kind command sets: `kind:NAME`.
#[must_use]
pub fn kind_term(kind: FluxKind) -> String {
    format!("kind:{}", kind.as_str().to_ascii_lowercase())
}

/// Whether one lower-cased filter term matches an object of `kind` whose search text is `hay`: `kind:NAME`
/// matches the kind (any name `:NAME` takes: `kind:hr`, `kind:helmrelease`); any other term is a substring.
#[must_use]
pub fn term_matches(term: &str, kind: FluxKind, hay: &str) -> bool {
    match term.strip_prefix("kind:") {
        Some(name) => {
            kind.as_str().eq_ignore_ascii_case(name)
                || kind.plural() == name
                || kind.short_name() == Some(name)
                || kind_command(kind) == name
        }
        None => hay.contains(term),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_parse_by_every_name() {
        for (line, kind) in [
            ("ks", FluxKind::Kustomization),
            (":kustomizations", FluxKind::Kustomization),
            ("hr", FluxKind::HelmRelease),
            ("HelmReleases", FluxKind::HelmRelease),
            ("git", FluxKind::GitRepository),
            ("gitrepo", FluxKind::GitRepository),
            ("oci", FluxKind::OCIRepository),
            ("helm", FluxKind::HelmRepository),
            ("bucket", FluxKind::Bucket),
            ("buckets", FluxKind::Bucket),
        ] {
            assert_eq!(parse(line), Ok(Command::Kind(kind)), "{line}");
        }
    }

    #[test]
    fn namespace_and_context_take_their_argument() {
        assert_eq!(
            parse("ns apps"),
            Ok(Command::Namespace(Some("apps".into())))
        );
        assert_eq!(parse("ns all"), Ok(Command::Namespace(None)));
        assert_eq!(parse("ns -A"), Ok(Command::Namespace(None)));
        assert_eq!(
            parse("ctx kind-prod"),
            Ok(Command::Context("kind-prod".into()))
        );
        assert!(matches!(parse("ns"), Err(ParseError::MissingArgument(..))));
        assert!(matches!(
            parse("ctx "),
            Err(ParseError::MissingArgument(..))
        ));
        assert!(matches!(
            parse("ns Apps!"),
            Err(ParseError::BadNamespace(_))
        ));
        assert!(matches!(
            parse("ks extra"),
            Err(ParseError::UnexpectedArgument("ks", _))
        ));
    }

    #[test]
    fn trace_takes_an_optional_object() {
        assert_eq!(parse("trace"), Ok(Command::Trace));
        assert_eq!(
            parse("trace deployment/apps/podinfo"),
            Ok(Command::TraceObject {
                kind: "deployment".into(),
                namespace: "apps".into(),
                name: "podinfo".into()
            })
        );
        assert_eq!(
            parse("trace ks/apps"),
            Ok(Command::TraceObject {
                kind: "ks".into(),
                namespace: String::new(),
                name: "apps".into()
            })
        );
        for bad in ["trace podinfo", "trace a//b", "trace a/b/c/d", "trace /x"] {
            assert!(
                matches!(parse(bad), Err(ParseError::BadObject(_))),
                "{bad}: {:?}",
                parse(bad)
            );
        }
        let err = parse("trace x\u{1b}[2J").unwrap_err();
        assert!(!err.to_string().contains('\u{1b}'), "{err}");
    }

    #[test]
    fn unknown_commands_are_named_sanitised() {
        let err = parse("frobnicate\u{1b}[2J now").unwrap_err();
        assert!(matches!(err, ParseError::Unknown(ref w) if !w.contains('\u{1b}')));
        assert!(err.to_string().starts_with("unknown command ':frobnicate"));
        assert!(matches!(parse(""), Err(ParseError::Unknown(_))));
    }

    #[test]
    fn screens_and_quit_parse() {
        assert_eq!(parse("problems"), Ok(Command::Problems));
        assert_eq!(parse("jobs"), Ok(Command::Jobs));
        assert_eq!(parse("q"), Ok(Command::Quit));
        assert_eq!(parse("q!"), Ok(Command::Quit));
        assert_eq!(parse("find pod info"), Ok(Command::Find("pod info".into())));
    }

    #[test]
    fn completion_lists_commands_by_prefix() {
        let lines = |t: &str| -> Vec<String> {
            candidates(t, Known::default())
                .into_iter()
                .map(|c| c.line)
                .collect()
        };
        assert_eq!(lines("h"), ["hr", "helm", "chart", "help"]);
        assert_eq!(lines("n"), ["ns "]);
        assert_eq!(lines("kus"), ["ks"]);
        assert!(lines("").len() > 10);
        assert!(lines("zz").is_empty());
    }

    #[test]
    fn completion_of_arguments_lists_namespaces_and_contexts() {
        let namespaces = ["apps".to_owned(), "flux-system".to_owned()];
        let contexts = ["kind-dev".to_owned(), "kind-prod".to_owned()];
        let known = Known {
            namespaces: &namespaces,
            contexts: &contexts,
            context: "kind-dev",
        };
        let c = candidates("ns ", known);
        let lines: Vec<&str> = c.iter().map(|c| c.line.as_str()).collect();
        assert_eq!(lines, ["ns all", "ns apps", "ns flux-system"]);
        let c = candidates("ns a", known);
        assert_eq!(c.len(), 2);
        let c = candidates("ctx kind-p", known);
        assert_eq!(c[0].line, "ctx kind-prod");
        let c = candidates("ctx ", known);
        assert_eq!(c[0].help, "(current)");
        assert!(candidates("ks x", known).is_empty());
    }

    #[test]
    fn kind_terms_match_the_kind_only() {
        assert!(term_matches("kind:helmrelease", FluxKind::HelmRelease, ""));
        assert!(term_matches("kind:hr", FluxKind::HelmRelease, ""));
        assert!(!term_matches(
            "kind:helmrelease",
            FluxKind::Kustomization,
            "kustomization ks flux-system flux-system/helmrelease-x"
        ));
        assert!(term_matches(
            "podinfo",
            FluxKind::Kustomization,
            "ks apps/podinfo"
        ));
        assert_eq!(kind_term(FluxKind::GitRepository), "kind:gitrepository");
    }
}
