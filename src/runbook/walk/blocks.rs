//! The walker's steps and blocks: entering a step (visits counted), running its blocks in order (`record`,
//! `confirm`, `action`, `check`), and where a passed or failed block or step goes next, up to the end of the walk.

use super::*;

impl Walk {
    pub(super) fn enter(
        &mut self,
        runbook: &Runbook,
        index: Option<usize>,
        now: Millis,
        out: &mut Vec<Effect>,
    ) {
        let Some(index) = index else {
            self.finish(now, Outcome::Succeeded, out);
            return;
        };
        let Some(progress) = self.steps.get_mut(index) else {
            self.finish(now, Outcome::Succeeded, out);
            return;
        };
        progress.visits += 1;
        if progress.visits > MAX_VISITS {
            let id = progress.id.clone();
            self.finish(
                now,
                Outcome::Failed {
                    step: id.clone(),
                    why: format!("step '{id}' entered {MAX_VISITS} times without holding"),
                },
                out,
            );
            return;
        }
        progress.state = StepState::Running;
        progress.started = Some(now);
        progress.finished = None;
        let (id, title) = (progress.id.clone(), progress.title.clone());
        self.note(now, &id, "step", format!("▶ {title}"), out);
        self.cursor = Some((index, 0));
        out.push(Effect::Persist);
        self.run_block(runbook, index, 0, now, out);
    }

    pub(super) fn run_block(
        &mut self,
        runbook: &Runbook,
        step: usize,
        block: usize,
        now: Millis,
        out: &mut Vec<Effect>,
    ) {
        self.cursor = Some((step, block));
        self.phase = None;
        let Some(spec) = runbook.steps.get(step) else {
            return;
        };
        let Some(b) = spec.blocks.get(block) else {
            self.step_passed(runbook, now, out);
            return;
        };
        let id = spec.id.clone();
        let render = |t: &crate::actions::template::Template| {
            self.binding.render(t).map_err(|e| e.to_string())
        };
        match b {
            Block::Record(record) => match render(&record.text) {
                Ok(text) => {
                    if record.git {
                        self.git_changes.push(text.clone());
                    }
                    self.note(now, &id, "record", text, out);
                    self.run_block(runbook, step, block + 1, now, out);
                }
                Err(why) => self.block_failed(runbook, now, why, out),
            },
            Block::Confirm(confirm) => {
                let prompt = render(&confirm.prompt);
                let answer = confirm.answer.as_ref().map(render).transpose();
                match (prompt, answer) {
                    (Ok(prompt), Ok(answer)) => {
                        self.phase = Some(Phase::Asking {
                            prompt: prompt.clone(),
                            answer: answer.clone(),
                        });
                        out.push(Effect::Persist);
                        out.push(Effect::Ask { prompt, answer });
                    }
                    (Err(why), _) | (_, Err(why)) => self.block_failed(runbook, now, why, out),
                }
            }
            Block::Action(action) => {
                let call = render(&action.target)
                    .and_then(|t| TargetRef::parse(&t).map_err(|e| e.to_string()))
                    .and_then(|target| {
                        let params = action
                            .params
                            .iter()
                            .map(|(n, t)| render(t).map(|v| (n.clone(), v)))
                            .collect::<Result<Vec<_>, _>>()?;
                        Ok(ActionCall {
                            action: action.action.clone(),
                            target,
                            params,
                            timeout: action.timeout,
                        })
                    });
                match call {
                    Ok(call) => {
                        self.note(
                            now,
                            &id,
                            "action",
                            format!("running {} on {}", call.action, call.target),
                            out,
                        );
                        self.phase = Some(Phase::Acting {
                            call: call.clone(),
                            execution: None,
                        });
                        out.push(Effect::Persist);
                        out.push(Effect::RunAction(call));
                    }
                    Err(why) => self.block_failed(runbook, now, why, out),
                }
            }
            Block::Check(spec_check) => match check::resolve(spec_check, &self.binding) {
                Ok(resolved) => {
                    let timeout = u64::try_from(spec_check.timeout.as_millis()).unwrap_or(u64::MAX);
                    let what = match &spec_check.why {
                        Some(why) => format!("{} {} ({why})", resolved.condition, resolved.object),
                        None => format!("{} {}", resolved.condition, resolved.object),
                    };
                    self.note(
                        now,
                        &id,
                        "check",
                        format!(
                            "{what}, within {}",
                            humantime::format_duration(spec_check.timeout)
                        ),
                        out,
                    );
                    let needs = check::needs(&resolved, &World::default());
                    self.phase = Some(Phase::Checking {
                        check: resolved,
                        deadline: now.saturating_add(timeout),
                        last: String::new(),
                    });
                    out.push(Effect::Persist);
                    out.push(Effect::Observe(needs));
                }
                Err(why) => self.block_failed(runbook, now, why, out),
            },
        }
    }

    pub(super) fn block_passed(&mut self, runbook: &Runbook, now: Millis, out: &mut Vec<Effect>) {
        if let Some((s, b)) = self.cursor {
            self.run_block(runbook, s, b + 1, now, out);
        }
    }

    pub(super) fn step_passed(&mut self, runbook: &Runbook, now: Millis, out: &mut Vec<Effect>) {
        let Some((s, _)) = self.cursor else { return };
        if let Some(p) = self.steps.get_mut(s) {
            p.state = StepState::Passed;
            p.finished = Some(now);
        }
        let next = validate::after(runbook, s);
        match next {
            None if runbook.steps.get(s).is_some_and(|st| st.branch) => {
                let step = self.current_id();
                self.finish(now, Outcome::Branched { step }, out);
            }
            next => self.enter(runbook, next, now, out),
        }
    }

    pub(super) fn block_failed(
        &mut self,
        runbook: &Runbook,
        now: Millis,
        why: String,
        out: &mut Vec<Effect>,
    ) {
        let Some((s, _)) = self.cursor else { return };
        self.phase = None;
        let id = self.current_id();
        if let Some(p) = self.steps.get_mut(s) {
            p.state = StepState::Failed;
            p.finished = Some(now);
        }
        self.note(now, &id, "failed", why.clone(), out);
        match runbook
            .steps
            .get(s)
            .and_then(|st| st.on_failure.as_ref())
            .and_then(|g| runbook.step(&g.step))
        {
            Some((j, target)) => {
                let text = format!("on failure of '{id}', going to '{}'", target.id);
                self.note(now, &id, "branch", text, out);
                self.enter(runbook, Some(j), now, out);
            }
            None => self.finish(now, Outcome::Failed { step: id, why }, out),
        }
    }

    pub(super) fn finish(&mut self, now: Millis, outcome: Outcome, out: &mut Vec<Effect>) {
        for p in &mut self.steps {
            match p.state {
                StepState::Pending => p.state = StepState::Skipped,
                StepState::Running if !matches!(outcome, Outcome::Succeeded) => {
                    p.state = StepState::Failed
                }
                _ => {}
            }
        }
        self.phase = None;
        let text = match &outcome {
            Outcome::Succeeded => "walk succeeded".to_owned(),
            Outcome::Branched { step } => format!("walk ended in branch '{step}'"),
            Outcome::Failed { step, why } => format!("walk failed at '{step}': {why}"),
            Outcome::Aborted { why } => format!("walk aborted: {why}"),
            Outcome::Stopped { step, why } => format!("walk stopped at '{step}': {why}"),
        };
        let step = self.current_id();
        self.note(now, &step, "end", text, out);
        self.outcome = Some(outcome.clone());
        self.finished = Some(now);
        out.push(Effect::Persist);
        out.push(Effect::Finished(outcome));
    }
}
