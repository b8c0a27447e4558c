//! `fluxops check` and `fluxops hook install`: wiring only (docs/CHECK.md). Loads the repository
//! (`check::load`), collects the findings of each `check` module, prints the report in the chosen format and
//! answers with the exit code: 0 clean, 1 findings at or above `--fail-on`, 3 cannot check.

use crate::check::output::{self, Report};
use crate::check::{
    self, EXIT_CANNOT_CHECK, FailOn, build, chart_fetch, charts, git, graph_rules, impact, load,
    rules, sarif, timing_rules, tool,
};
use crate::cli::{CheckArgs, CheckFormat, ClusterArgs, FailOnArg, HookArgs, HookCommand};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Why the repository could not be checked (exit 3).
#[derive(Debug, thiserror::Error)]
pub enum CannotCheck {
    #[error(transparent)]
    Repo(#[from] crate::flux::repo::RepoError),
    /// `--cluster`: the cluster cannot be asked (kubeconfig, context, unreachable), in words.
    #[error("{0}")]
    Cluster(String),
    #[error("{0}")]
    Other(String),
}

/// Runs `fluxops check` (`cluster`: the cluster flags from both sides of the subcommand).
pub async fn run(args: &CheckArgs, cluster: &ClusterArgs) -> ExitCode {
    let result = match check_analysis(args) {
        Ok((mut report, analysis)) => {
            if !args.no_build {
                let (findings, notes) = chart_findings(&analysis.repo, args.offline).await;
                report.findings.extend(findings);
                report.notes.extend(notes);
                check::normalise(&mut report.findings);
            }
            match super::check_cluster::dry_run(args, cluster, &analysis).await {
                Ok(mut diffs) => {
                    for (_, findings) in &mut diffs {
                        report.findings.append(findings);
                    }
                    check::normalise(&mut report.findings);
                    let mut diffs: Vec<_> = diffs.into_iter().map(|(d, _)| d).collect();
                    // One context: `cluster`, as before; several: `clusters`, each with its context.
                    if diffs.len() == 1 {
                        report.cluster = diffs.pop();
                    } else {
                        report.clusters = diffs;
                    }
                    Ok(report)
                }
                Err(e) => Err(e),
            }
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(report) => {
            let fail_on = match args.fail_on {
                FailOnArg::Error => FailOn::Error,
                FailOnArg::Warning => FailOn::Warning,
            };
            let rendered = match args.output {
                CheckFormat::Text => Ok(output::text(&report)),
                CheckFormat::Json => output::json(&report),
                CheckFormat::Sarif => sarif::render(&report),
            };
            let text = match rendered {
                Ok(t) => t,
                Err(e) => {
                    super::report::print(&e);
                    return ExitCode::from(EXIT_CANNOT_CHECK);
                }
            };
            let mut stdout = std::io::stdout().lock();
            let _ = stdout
                .write_all(text.as_bytes())
                .and_then(|()| stdout.flush());
            ExitCode::from(check::exit_code(&report.findings, fail_on))
        }
        Err(e) => {
            super::report::print(&e);
            ExitCode::from(EXIT_CANNOT_CHECK)
        }
    }
}

/// The report of `fluxops check` for `args` without `--cluster` (what [`run`] prints then).
///
/// # Errors
/// The repository cannot be checked (see [`CannotCheck`]).
pub fn check_report(args: &CheckArgs) -> Result<Report, CannotCheck> {
    check_analysis(args).map(|(report, _)| report)
}

/// What the repository check leaves for `--cluster`: the one loaded repository, its builds, and the
/// Kustomizations the change feeds (`None`: no base, every build counts as changed).
#[derive(Debug)]
pub struct Analysis {
    pub repo: load::Repository,
    /// `None`: nothing was built (`--no-build`, or no build tool).
    pub built: Option<Vec<build::Built>>,
    pub fed: Option<std::collections::BTreeSet<String>>,
}

/// The report without `--cluster`, and what it computed on the way.
///
/// # Errors
/// The repository cannot be checked (see [`CannotCheck`]).
pub fn check_analysis(args: &CheckArgs) -> Result<(Report, Analysis), CannotCheck> {
    let root: PathBuf = args.path.clone().unwrap_or_else(|| PathBuf::from("."));
    let repo = load::load(&root, args.entry.as_deref())?;
    let mut report = Report {
        schema: output::SCHEMA,
        path: root.display().to_string(),
        ..Report::default()
    };
    report.findings = static_findings(&repo);
    if repo.entries.len() > 1 {
        let names: Vec<String> = repo
            .entries
            .iter()
            .filter_map(|e| e.cluster.clone())
            .collect();
        report.notes.push(format!(
            "checked each cluster entry point on its own: clusters/{{{}}}",
            names.join(",")
        ));
    }
    let tool = if args.no_build {
        None
    } else {
        let tool = tool::detect();
        match &tool {
            Some(t) => report.notes.push(format!("built with {}", t.describe())),
            None => report.findings.push(check::Finding::new(
                &rules::BUILD_TOOL_MISSING,
                PathBuf::from("."),
                None,
                "neither `kustomize` nor `kubectl` is on PATH: builds, postBuild variables and immutable fields were not checked".to_owned(),
            )),
        }
        tool
    };
    let mut head_built = None;
    if let Some(tool) = &tool {
        let outcome = build::run(&repo, tool)
            .map_err(|e| CannotCheck::Other(format!("cannot prepare the build workspace: {e}")))?;
        report
            .notes
            .push(format!("built {} Kustomization(s)", outcome.attempted));
        report.findings.extend(outcome.findings);
        head_built = Some(outcome.built);
    }
    let mut fed = None;
    match base_revision(&root, args.base.as_deref())? {
        None => report.findings.push(check::Finding::new(
            &rules::BASE_UNAVAILABLE,
            PathBuf::from("."),
            None,
            "no --base and no upstream branch (or not a git repository): immutable-field changes and impact were not checked".to_owned(),
        )),
        Some((rev, label)) => {
            let changed = git::changed_files(&root, &rev).map_err(CannotCheck::Other)?;
            let mut impact = impact::compute(&repo, &repo.tree, &changed);
            impact.base = label.clone();
            fed = Some(impact.fed.iter().map(|f| f.object.clone()).collect());
            report.impact = Some(impact);
            if let (Some(tool), Some(head)) = (&tool, &head_built) {
                let found = immutable_findings(&root, &rev, args.entry.as_deref(), tool, &repo, head)?;
                report.findings.extend(found);
                report.notes.push(format!("compared the built output with {label}"));
            }
        }
    }
    check::normalise(&mut report.findings);
    Ok((
        report,
        Analysis {
            repo,
            built: head_built,
            fed,
        },
    ))
}

/// The base revision (commit, and how to name it): `--base` (an error when it names no commit), else the
/// merge base with the upstream branch, else none.
fn base_revision(root: &Path, base: Option<&str>) -> Result<Option<(String, String)>, CannotCheck> {
    if let Some(rev) = base {
        if git::locate(root).is_none() {
            return Err(CannotCheck::Other(format!(
                "--base '{rev}': '{}' is not in a git repository",
                root.display()
            )));
        }
        let commit = git::resolve(root, rev).map_err(CannotCheck::Other)?;
        return Ok(Some((commit, rev.to_owned())));
    }
    if git::locate(root).is_none() {
        return Ok(None);
    }
    Ok(git::default_base(root).map(|c| {
        let short: String = c.chars().take(12).collect();
        (c, format!("merge base {short}"))
    }))
}

/// Immutable-field changes between the build of `rev` and `head` (the working tree's builds).
fn immutable_findings(
    root: &Path,
    rev: &str,
    entry: Option<&str>,
    tool: &tool::Tool,
    repo: &load::Repository,
    head: &[build::Built],
) -> Result<Vec<check::Finding>, CannotCheck> {
    let (top, prefix) = git::locate(root).ok_or_else(|| {
        CannotCheck::Other(format!("'{}' is not in a git repository", root.display()))
    })?;
    let checkout = git::Checkout::new(&top, rev).map_err(CannotCheck::Other)?;
    let base_dir = checkout.path().join(prefix);
    if !base_dir.is_dir() {
        return Ok(Vec::new());
    }
    let base_repo = load::load(&base_dir, entry)?;
    let base = build::run(&base_repo, tool)
        .map_err(|e| CannotCheck::Other(format!("cannot prepare the base build workspace: {e}")))?;
    let index = check::immutable::index(repo);
    let mut out = Vec::new();
    for built in head {
        let dir = built.target.path.as_path();
        let locate =
            |k: &check::immutable::Key, path: &str| index.locate_field_in(k, path, Some(dir));
        let Some(old) = base_of(&base.built, &built.target) else {
            continue;
        };
        let found = check::immutable::findings(&old.objects, &built.objects, &locate);
        out.extend(found.into_iter().map(|mut f| {
            if f.file.as_os_str().is_empty() {
                f.file.clone_from(&built.target.file);
                f.line = built.target.line;
            }
            f
        }));
    }
    Ok(out)
}

/// The base build of the Kustomization `target` builds now: the one defined in the same file, else the one an
/// entry point of both applies, else the only one of that name.
fn base_of<'b>(base: &'b [build::Built], target: &build::Target) -> Option<&'b build::Built> {
    let same = || base.iter().filter(|b| b.target.rref == target.rref);
    same()
        .find(|b| b.target.file == target.file)
        .or_else(|| same().find(|b| b.target.entries.iter().any(|e| target.entries.contains(e))))
        .or_else(|| {
            let mut all = same();
            let first = all.next();
            all.next().is_none().then_some(first).flatten()
        })
}

/// The findings that need no build tool, no base and no network: graph, timing, and chart versions that are
/// no version at all.
#[must_use]
pub fn static_findings(repo: &load::Repository) -> Vec<check::Finding> {
    let mut findings = graph_rules::findings(repo);
    findings.extend(timing_rules::findings(repo));
    findings.extend(charts::offline(&charts::queries(repo).queries));
    findings
}

/// `1 repository`, `3 repositories` (a Helm index or an OCI repository each).
fn repositories(n: usize) -> String {
    if n == 1 {
        "1 repository".to_owned()
    } else {
        format!("{n} repositories")
    }
}

/// Chart versions (and OCIRepository tags) asked of their repositories, and the notes saying what was not
/// asked (`offline`: nothing is).
async fn chart_findings(
    repo: &load::Repository,
    offline: bool,
) -> (Vec<check::Finding>, Vec<String>) {
    let plan = charts::queries(repo);
    let mut notes = Vec::new();
    if !plan.needs_credentials.is_empty() {
        notes.push(format!(
            "chart versions of {} object(s) not asked: their repository needs credentials",
            plan.needs_credentials.len()
        ));
    }
    if !plan.substituted.is_empty() {
        notes.push(format!(
            "chart versions of {} object(s) not asked: version or URL set by postBuild substitution",
            plan.substituted.len()
        ));
    }
    if plan.queries.is_empty() {
        return (Vec::new(), notes);
    }
    let sources: std::collections::BTreeSet<_> =
        plan.queries.iter().map(|q| q.source.clone()).collect();
    if offline {
        notes.push(format!(
            "--offline: {} chart version(s) not asked of {}",
            plan.queries.len(),
            repositories(sources.len())
        ));
        return (Vec::new(), notes);
    }
    let answers = chart_fetch::ask(&sources, &chart_fetch::Options::default()).await;
    notes.push(format!(
        "asked {} for {} chart version(s) / tag(s)",
        repositories(sources.len()),
        plan.queries.len()
    ));
    (charts::judge(&plan.queries, &answers), notes)
}

/// Runs `fluxops hook …`: 0 when the hook was written, 1 otherwise (the reason printed).
#[must_use]
pub fn hook(args: &HookArgs) -> ExitCode {
    let HookCommand::Install { path, force } = &args.command;
    let dir = path.clone().unwrap_or_else(|| PathBuf::from("."));
    match check::hook::install(&dir, *force) {
        Ok(installed) => {
            let (word, path) = match installed {
                check::hook::Installed::New(p) => ("installed", p),
                check::hook::Installed::Replaced(p) => ("replaced", p),
            };
            println!(
                "{word} {}",
                crate::text::sanitize_line(&path.display().to_string())
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            super::report::print(&e);
            ExitCode::from(1)
        }
    }
}
