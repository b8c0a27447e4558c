//! `fluxops runbook run ID --target Kind/ns/name [--input k=v]… [--yes] [--transcript FILE]`: the walker
//! (`runbook::walk`) driven against the cluster. Its effects are performed here: the walk saved in the data
//! directory after every step (fsync), each step printed as it happens, live checks re-read every `--poll`,
//! actions run through the one mutation path (`execution::Executor`: policy, permission, dry-run,
//! confirmation, execution, verification, audit), an execution started before a restart followed again by its
//! Job's labels, confirmations asked on the terminal (or taken as given with `--yes` when no answer must be
//! typed). An unfinished walk of the same runbook on the target is resumed; a walk running on the target in
//! another process is refused. The transcript is written when the walk ends.
//!
//! A confirmation that is declined, a typed answer that does not match, or a question that cannot be asked
//! (standard input closed, or not a terminal without `--yes`) stops the walk: it is recorded as stopped, the
//! reason in its state and transcript, the lock released; the next `runbook run` on the target starts anew.
//!
//! Exit codes: 0 succeeded; 1 failed, ended in a branch (a rollback), refused or unreachable; 2 usage;
//! [`EXIT_STOPPED`] (4) stopped at a confirmation.

use super::action::{EXIT_FAILURE, EXIT_USAGE, catalog};
use super::report;
use super::runbook_info::{self, print};
use crate::actions::TargetRef;
use crate::actions::params::parse_pair;
use crate::audit::{AuditLog, Outcome as AuditOutcome};
use crate::cli::{RunbookArgs, RunbookCommand, RunbookRunArgs, UsageError};
use crate::execution::{ActionRequest, ExecutionStatus, Executor, Parts, Phase as ExecPhase};
use crate::policy::{Confirmation, Gate, Mode};
use crate::runbook::check::Needs;
use crate::runbook::store::{Claim, Store, StoreError};
use crate::runbook::walk::{ActionCall, Effect, Millis, Msg, Outcome};
use crate::runbook::{Binding, Runbook, Walk, World, transcript};
use std::collections::VecDeque;
use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Runs `fluxops runbook …`.
pub async fn run(args: &RunbookArgs, cluster: &crate::cli::ClusterArgs) -> ExitCode {
    match &args.command {
        RunbookCommand::List(a) => runbook_info::list(a),
        RunbookCommand::Show(a) => runbook_info::show(a),
        RunbookCommand::Validate(a) => runbook_info::validate(a),
        RunbookCommand::Run(a) => walk(a, cluster).await,
    }
}

fn usage(message: String) -> ExitCode {
    report::print(&UsageError(message));
    ExitCode::from(EXIT_USAGE)
}

fn failure(message: &str) -> ExitCode {
    report::print(&UsageError(message.to_owned()));
    ExitCode::from(EXIT_FAILURE)
}

/// The exit code of a walk stopped at a confirmation (declined, a typed answer that did not match, standard
/// input closed or not a terminal).
pub const EXIT_STOPPED: u8 = 4;

fn now_ms() -> Millis {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// What was asked, checked before anything is read.
struct Asked {
    runbook: Runbook,
    binding: Binding,
    poll: Duration,
}

fn parse(args: &RunbookRunArgs, cluster: &crate::cli::ClusterArgs) -> Result<Asked, ExitCode> {
    if cluster.namespace.is_some() || cluster.all_namespaces {
        return Err(usage("-n/-A are not used by `runbook run`: --target names the namespace (Kind/namespace/name)".to_owned()));
    }
    let runbooks = runbook_info::runbooks(&args.dir)?;
    let Some(runbook) = runbooks.into_iter().find(|r| r.id == args.id) else {
        let runbooks = runbook_info::runbooks(&args.dir)?;
        return Err(usage(runbook_info::unknown(&args.id, &runbooks)));
    };
    let target = TargetRef::parse(&args.target).map_err(|e| usage(format!("--target: {e}")))?;
    let inputs = args
        .inputs
        .iter()
        .map(|p| parse_pair(p).map_err(|e| usage(format!("--input: {e}"))))
        .collect::<Result<Vec<_>, _>>()?;
    let binding = Binding::new(&runbook, target, &inputs).map_err(|e| usage(e.to_string()))?;
    if runbook.needs_typed_answers() && !std::io::stdin().is_terminal() {
        return Err(usage(format!(
            "runbook '{}' asks for typed answers and standard input is not a terminal: walk it in a terminal or in the console",
            runbook.id
        )));
    }
    let poll = match &args.poll {
        None => Duration::from_secs(2),
        Some(text) => humantime::parse_duration(text.trim())
            .map_err(|e| usage(format!("--poll '{}': {e}", crate::text::sanitize(text))))?,
    };
    Ok(Asked {
        runbook,
        binding,
        poll,
    })
}

/// The walk to continue on the target: the unfinished one of this runbook, or a new one.
fn existing(store: &Store, asked: &Asked, discard: bool) -> Result<Option<Walk>, StoreError> {
    let Some(walk) = store.load(&asked.binding.target)? else {
        return Ok(None);
    };
    if walk.done() {
        store.archive(&walk)?;
        return Ok(None);
    }
    if walk.runbook == asked.runbook.id && walk.binding == asked.binding {
        return Ok(Some(walk));
    }
    if discard {
        store.archive(&walk)?;
        return Ok(None);
    }
    Err(StoreError::Other {
        runbook: walk.runbook.clone(),
        target: walk.binding.target.to_string(),
        started: transcript::time(walk.started),
    })
}

/// How running one action went.
enum Ran {
    Finished(Box<ExecutionStatus>),
    /// Not prepared, denied, forbidden, a precondition or the dry-run failed, or the walk could not be saved.
    Refused(String),
    /// The confirmation was not given (why).
    Declined(String),
    Interrupted,
}

/// Everything a walk needs while it runs.
struct Runner {
    runbook: Runbook,
    store: Store,
    _claim: Claim,
    executor: Executor,
    client: kube::Client,
    jobs: crate::job::JobSettings,
    yes: bool,
    poll: Duration,
    cancel: CancellationToken,
}

async fn walk(args: &RunbookRunArgs, cluster: &crate::cli::ClusterArgs) -> ExitCode {
    let asked = match parse(args, cluster) {
        Ok(a) => a,
        Err(code) => return code,
    };
    let store = match Store::default_location() {
        Ok(s) => s,
        Err(e) => return failure(&e.to_string()),
    };
    let claim = match store.claim(&asked.binding.target) {
        Ok(c) => c,
        Err(e) => return failure(&e.to_string()),
    };
    let previous = match existing(&store, &asked, args.discard) {
        Ok(w) => w,
        Err(e) => return failure(&e.to_string()),
    };
    let catalog = match catalog(None) {
        Ok(c) => c,
        Err(p) => {
            report::print(&p);
            return ExitCode::from(EXIT_FAILURE);
        }
    };
    let settings = crate::config::settings::Settings::discover();
    let options = super::connect_options_with(cluster, &settings);
    let user_dir = args
        .policies
        .policies
        .clone()
        .or_else(crate::policy::user_dir);
    let gate = Gate::load(user_dir.as_deref());
    let audit = match AuditLog::default_location() {
        Ok(a) => a,
        Err(e) => return failure(&e.to_string()),
    };
    let connection = match crate::cluster::client::connect(&options).await {
        Ok(c) => c,
        Err(e) => {
            report::print(&e);
            return ExitCode::from(EXIT_FAILURE);
        }
    };
    let executor = Executor::new(
        &connection,
        Parts {
            catalog,
            gate,
            audit,
            readonly: settings.readonly,
            jobs: settings.jobs.clone(),
        },
    );
    // The Kubernetes identity the audit records; `$USER`, labelled, only when the cluster cannot say.
    let operator = crate::execution::access::walk_operator(
        &executor.operator().await,
        crate::execution::access::local_user().as_deref(),
    );
    let cancel = CancellationToken::new();
    let stop = cancel.clone();
    let interrupt = tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            stop.cancel();
        }
    });
    let runner = Runner {
        runbook: asked.runbook,
        store,
        _claim: claim,
        client: connection.client.clone(),
        executor,
        jobs: settings.jobs,
        yes: args.yes,
        poll: asked.poll,
        cancel,
    };
    let (mut walk, first) = match previous {
        Some(walk) => {
            print(&format!(
                "resuming the walk of '{}' on {} started {}\n",
                crate::text::sanitize(&walk.runbook),
                crate::text::sanitize(&walk.binding.target.to_string()),
                transcript::time(walk.started)
            ));
            (walk, Msg::Resume { now: now_ms() })
        }
        None => {
            let walk = Walk::new(&runner.runbook, asked.binding, &operator, now_ms());
            print(&format!(
                "walking '{}' on {} as {}\n",
                walk.runbook,
                walk.binding.target,
                crate::text::sanitize(&operator)
            ));
            (walk, Msg::Start { now: now_ms() })
        }
    };
    if !operator.is_empty() {
        walk.operator = operator;
    }
    let result = runner.drive(&mut walk, first).await;
    interrupt.abort();
    if let Some(path) = &args.transcript {
        match std::fs::write(path, transcript::render(&walk)) {
            Ok(()) => print(&format!("transcript: {}\n", path.display())),
            Err(e) => report::print(&UsageError(format!("{}: {e}", path.display()))),
        }
    }
    match result {
        Err(why) => failure(&why),
        Ok(()) => match &walk.outcome {
            Some(Outcome::Succeeded) => ExitCode::SUCCESS,
            Some(stopped @ Outcome::Stopped { .. }) => {
                report::print(&UsageError(format!(
                    "walk {}; recorded as stopped (the lock is released): `fluxops runbook run {} --target {}` starts it again",
                    transcript::outcome_text(Some(stopped)),
                    walk.runbook,
                    walk.binding.target
                )));
                ExitCode::from(EXIT_STOPPED)
            }
            Some(other) => failure(&transcript::outcome_text(Some(other))),
            None => failure(&format!(
                "walk paused; resume with `fluxops runbook run {} --target {}`",
                walk.runbook, walk.binding.target
            )),
        },
    }
}

impl Runner {
    /// Feeds `first` to the walk and performs its effects until it ends or is interrupted.
    async fn drive(&self, walk: &mut Walk, first: Msg<'_>) -> Result<(), String> {
        let mut queue: VecDeque<Effect> = walk.update(&self.runbook, first).into();
        loop {
            while let Some(effect) = queue.pop_front() {
                if self.cancel.is_cancelled() {
                    self.save(walk)?;
                    return Ok(());
                }
                let more = self.perform(walk, effect).await?;
                queue.extend(more);
            }
            if walk.done() {
                return Ok(());
            }
            let Some(check) = walk.waiting_check().cloned() else {
                return Ok(());
            };
            tokio::select! {
                () = tokio::time::sleep(self.poll) => {}
                () = self.cancel.cancelled() => {
                    self.save(walk)?;
                    return Ok(());
                }
            }
            let needs = crate::runbook::check::needs(&check, &World::default());
            queue.push_back(Effect::Observe(needs));
        }
    }

    fn save(&self, walk: &Walk) -> Result<(), String> {
        self.store.save(walk).map_err(|e| e.to_string())
    }

    async fn perform(&self, walk: &mut Walk, effect: Effect) -> Result<Vec<Effect>, String> {
        Ok(match effect {
            Effect::Persist => {
                self.save(walk)?;
                Vec::new()
            }
            Effect::Say(line) => {
                print(&format!("{line}\n"));
                Vec::new()
            }
            Effect::Finished(_) => Vec::new(),
            Effect::Observe(needs) => {
                let world = self.observe(&needs).await;
                let mut more = walk.update(
                    &self.runbook,
                    Msg::Observed {
                        now: now_ms(),
                        world: &world,
                    },
                );
                // Asked again for what could not be read: the next poll reads it, not a tight loop.
                more.retain(|e| !matches!(e, Effect::Observe(n) if *n == needs));
                more
            }
            Effect::Ask { prompt, answer } => {
                let msg = match self.ask(&prompt, answer.as_deref()) {
                    Ok(given) => Msg::Answered {
                        now: now_ms(),
                        answer: Some(given),
                    },
                    Err(why) => Msg::Stop { now: now_ms(), why },
                };
                walk.update(&self.runbook, msg)
            }
            Effect::RunAction(call) => self.act(walk, &call).await,
            Effect::Reattach { call, execution } => match self.reattach(&execution).await {
                Some(mut status) => {
                    if status.phase == ExecPhase::Succeeded {
                        self.follow_ups(&call, &mut status).await;
                    }
                    self.finished(walk, &status)
                }
                None => self.act(walk, &call).await,
            },
        })
    }

    /// Reads what a check needs; an object that cannot be read stays unknown.
    async fn observe(&self, needs: &Needs) -> World<'static> {
        let mut world = World::default();
        for rref in &needs.objects {
            if let Ok(obj) = crate::execution::object::get(&self.client, rref).await {
                world.set(rref.clone(), obj);
            }
        }
        if needs.graph
            && let Ok(listing) =
                crate::cluster::list::list_all(&self.client, &crate::cluster::Scope::All).await
        {
            world.set_graph(Arc::new(crate::graph::Graph::build(listing.objects)));
        }
        world
    }

    /// Asks `prompt` on the terminal: the answer given (a typed one: exactly `answer`), else why none was.
    fn ask(&self, prompt: &str, answer: Option<&str>) -> Result<String, String> {
        let shown = crate::text::sanitize(prompt);
        if self.yes && answer.is_none() {
            print(&format!("  confirm: {shown} [--yes]\n"));
            return Ok("--yes".to_owned());
        }
        let stdin = std::io::stdin();
        if !stdin.is_terminal() {
            print(&format!("  confirm: {shown}\n"));
            return Err(format!(
                "not confirmed: {shown} (standard input is not a terminal{})",
                if answer.is_none() {
                    "; pass --yes to take it as given"
                } else {
                    ""
                }
            ));
        }
        let question = match answer {
            Some(a) => format!(
                "  {shown}\n  Type '{}' to go on: ",
                crate::text::sanitize(a)
            ),
            None => format!("  {shown} [y/N] "),
        };
        eprint!("{question}");
        let _ = std::io::stderr().flush();
        let mut line = String::new();
        match stdin.lock().read_line(&mut line) {
            Ok(0) => {
                return Err(format!(
                    "not confirmed: {shown} (standard input was closed)"
                ));
            }
            Ok(_) => {}
            Err(e) => return Err(format!("not confirmed: {shown} (standard input: {e})")),
        }
        let line = line.trim().to_owned();
        match answer {
            Some(wanted) if line != wanted => Err(format!(
                "not confirmed: {shown} (the typed answer did not match '{}')",
                crate::text::sanitize(wanted)
            )),
            Some(_) => Ok(line),
            None if matches!(line.as_str(), "y" | "Y" | "yes") => Ok(line),
            None => Err(format!("declined: {shown}")),
        }
    }

    /// Runs one catalog action through the executor (prepare, decide, dry-run, confirm, execute, verify) and
    /// tells the walk how it went.
    async fn act(&self, walk: &mut Walk, call: &ActionCall) -> Vec<Effect> {
        match self.execute(call, Some(walk)).await {
            Ran::Finished(status) => self.finished(walk, &status),
            Ran::Refused(why) => walk.update(
                &self.runbook,
                Msg::ActionFinished {
                    now: now_ms(),
                    succeeded: false,
                    summary: why,
                    lines: Vec::new(),
                },
            ),
            Ran::Declined(why) => walk.update(&self.runbook, Msg::Stop { now: now_ms(), why }),
            Ran::Interrupted => Vec::new(),
        }
    }

    /// One action through the executor; with `walk`, its execution id is saved in the walk before anything
    /// is sent, so a restart can find its Job.
    async fn execute(&self, call: &ActionCall, walk: Option<&mut Walk>) -> Ran {
        let mut request = ActionRequest::new(&call.action, call.target.clone(), Mode::Cli);
        request.params.clone_from(&call.params);
        request.timeout = call.timeout;
        let preparation = match self.executor.prepare(&request).await {
            Ok(p) => p,
            Err(e) => return Ran::Refused(format!("not prepared: {e}")),
        };
        print(&indent(&super::action_text::preparation(&preparation)));
        if let Some(why) = super::action_text::not_executable(&preparation) {
            let outcome = if preparation.decision.allow {
                AuditOutcome::Failed
            } else {
                AuditOutcome::Denied
            };
            self.executor.close(&preparation, outcome, &why);
            return Ran::Refused(why);
        }
        let typed = preparation.target.name.clone();
        if preparation.confirmation != Confirmation::None && !self.yes {
            let question = format!("Run {} on {}?", preparation.action, preparation.target);
            let answer = match preparation.confirmation {
                Confirmation::Typed => self.ask(&question, Some(&typed)),
                _ => self.ask(&question, None),
            };
            if let Err(why) = answer {
                self.executor
                    .close(&preparation, AuditOutcome::Cancelled, &why);
                return Ran::Declined(why);
            }
        }
        if let Some(walk) = walk {
            let effects = walk.update(
                &self.runbook,
                Msg::ActionStarted {
                    now: now_ms(),
                    execution: preparation.execution.to_string(),
                },
            );
            if let Err(why) = self.save(walk) {
                self.executor
                    .close(&preparation, AuditOutcome::Failed, &why);
                return Ran::Refused(why);
            }
            for effect in effects {
                if let Effect::Say(line) = effect {
                    print(&format!("{line}\n"));
                }
            }
        }
        let (tx, mut rx) = tokio::sync::mpsc::channel::<ExecutionStatus>(64);
        let printer = tokio::spawn(async move {
            let mut shown = 0;
            while let Some(status) = rx.recv().await {
                for step in status.steps.iter().skip(shown) {
                    print(&format!("      {}\n", crate::text::sanitize(step)));
                }
                shown = status.steps.len();
            }
        });
        let status = self
            .executor
            .execute(&preparation, &typed, tx, self.cancel.child_token())
            .await;
        let _ = printer.await;
        if self.cancel.is_cancelled() {
            return Ran::Interrupted;
        }
        Ran::Finished(Box::new(status))
    }

    /// The follow-ups of a Job action re-attached after a restart (the executor that started it ran them after
    /// the Job; that process is gone): a HelmRelease reset is run as the `helmrelease-reset` action. A
    /// `reconcile-owner` follow-up is left to the owner's own interval (the walk's checks wait for it).
    async fn follow_ups(&self, call: &ActionCall, status: &mut ExecutionStatus) {
        let Some(spec) = self.executor.catalog().get(&call.action) else {
            return;
        };
        for follow_up in &spec.after {
            if *follow_up != crate::actions::spec::FollowUp::ResetHelmRelease {
                status.steps.push(format!(
                    "{}: left to the owner's interval after the restart",
                    follow_up.as_str()
                ));
                continue;
            }
            let reset = ActionCall {
                action: "helmrelease-reset".to_owned(),
                target: call.target.clone(),
                params: Vec::new(),
                timeout: None,
            };
            match self.execute(&reset, None).await {
                Ran::Finished(done) if done.phase == ExecPhase::Succeeded => {
                    status.steps.push(format!(
                        "helmrelease-reset {} after the re-attached Job: succeeded",
                        call.target
                    ));
                }
                Ran::Finished(done) => {
                    status.phase = done.phase;
                }
                Ran::Refused(why) => status.phase = ExecPhase::Failed { why },
                Ran::Declined(why) => status.phase = ExecPhase::Failed { why },
                Ran::Interrupted => {}
            }
        }
    }

    fn finished(&self, walk: &mut Walk, status: &ExecutionStatus) -> Vec<Effect> {
        let (succeeded, summary) = match &status.phase {
            ExecPhase::Succeeded => (true, "succeeded".to_owned()),
            ExecPhase::Failed { why } | ExecPhase::Cancelled { why } => (false, why.clone()),
            other => (false, format!("ended as {other:?}")),
        };
        let mut lines: Vec<String> = status.steps.clone();
        lines.extend(
            status
                .postconditions
                .iter()
                .map(|c| format!("{} {}", if c.passed { "✓" } else { "✗" }, c.name)),
        );
        walk.update(
            &self.runbook,
            Msg::ActionFinished {
                now: now_ms(),
                succeeded,
                summary,
                lines,
            },
        )
    }

    /// Follows the execution `id` started before a restart to its end, if its Job exists.
    async fn reattach(&self, id: &str) -> Option<ExecutionStatus> {
        let found = crate::execution::discover::discover(&self.client, &self.jobs)
            .await
            .ok()?;
        let (handle, status) = found
            .into_iter()
            .find(|(h, _)| h.execution.to_string() == id)?;
        print(&format!(
            "  re-attached to Job {} of execution {id}\n",
            handle.name
        ));
        if !matches!(status.phase, ExecPhase::Pending | ExecPhase::Running) {
            return Some(status);
        }
        let mut updates = |_: &ExecutionStatus| {};
        Some(
            crate::execution::job_follow::follow(&self.client, &handle, &mut updates, &self.cancel)
                .await,
        )
    }
}

/// The preparation indented under its step, without the Job's YAML (`fluxops action run --dry-run` shows it).
fn indent(text: &str) -> String {
    let mut out = String::new();
    let mut in_job = false;
    for line in text.lines() {
        if line.starts_with("job:") {
            in_job = true;
            continue;
        }
        if in_job && line.starts_with(' ') {
            continue;
        }
        in_job = false;
        out.push_str("    ");
        out.push_str(line);
        out.push('\n');
    }
    out
}
