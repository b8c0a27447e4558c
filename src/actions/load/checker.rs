//! The checks of one catalog entry: each field of a raw action turned into its validated spec, or the first
//! problem with its line (called by `Catalog::parse`, which checks what spans actions: duplicates, inverses).

use super::*;

/// Checks one action; `line` is where its name is.
pub(super) struct Checker<'a> {
    pub(super) file: &'a Path,
    pub(super) line: u64,
}

impl Checker<'_> {
    fn problem(&self, line: u64, message: impl Into<String>) -> ConfigProblem {
        ConfigProblem::at(self.file, if line > 0 { line } else { self.line }, message)
    }

    pub(super) fn action(
        &self,
        raw: RawAction,
        defaults: Timeouts,
    ) -> Result<ActionSpec, ConfigProblem> {
        let name = raw.name.value.clone();
        let name_ok = Regex::new(r"^[a-z][a-z0-9-]*[a-z0-9]$").is_ok_and(|r| r.is_match(&name));
        if !name_ok || name.len() > MAX_NAME {
            return Err(self.problem(
                self.line,
                format!(
                    "action name '{name}' must be lowercase letters, digits and '-' (at most {MAX_NAME})"
                ),
            ));
        }
        if raw.help.trim().is_empty() {
            return Err(self.problem(self.line, format!("action '{name}' has no help text")));
        }
        let targets = self.targets(&raw.targets, &name)?;
        let params = raw
            .params
            .iter()
            .map(|p| self.param(p))
            .collect::<Result<Vec<_>, _>>()?;
        let mut seen = BTreeSet::new();
        for p in &raw.params {
            if !seen.insert(p.name.value.as_str()) {
                return Err(self.problem(
                    p.name.referenced.line(),
                    format!("parameter '{}' is defined twice", p.name.value),
                ));
            }
        }
        let executor = self.executor(&raw, &targets, &params)?;
        let rbac = raw
            .rbac
            .iter()
            .map(|r| self.rule(r))
            .collect::<Result<Vec<_>, _>>()?;
        if rbac.is_empty() {
            return Err(self.problem(
                self.line,
                format!("action '{name}' lists no RBAC rules (rbac:)"),
            ));
        }
        let mutates = raw.mutates.unwrap_or(true);
        let rollback = self.rollback(raw.rollback.as_ref(), &name, mutates)?;
        let after = words(
            &raw.after,
            "after",
            FollowUp::from_word,
            FollowUp::ALL,
            self,
        )?;
        if !after.is_empty() && !matches!(executor, Executor::Job(_)) {
            return Err(self.problem(self.line, "'after' applies to job actions only"));
        }
        for t in &raw.touches {
            if !t.value.starts_with('/') {
                return Err(self.problem(
                    t.referenced.line(),
                    format!(
                        "touches '{}' is not a JSON pointer (/spec/replicas)",
                        t.value
                    ),
                ));
            }
        }
        Ok(ActionSpec {
            owner_reverts: raw
                .owner_reverts
                .unwrap_or(matches!(executor, Executor::Job(_)) && mutates),
            timeouts: timeouts(raw.timeout.as_ref(), Some(defaults), self.file)?,
            preconditions: words(
                &raw.preconditions,
                "precondition",
                Precondition::from_word,
                Precondition::ALL,
                self,
            )?,
            postconditions: words(
                &raw.postconditions,
                "postcondition",
                Postcondition::from_word,
                Postcondition::ALL,
                self,
            )?,
            touches: raw.touches.into_iter().map(|t| t.value).collect(),
            defined_at: format!("{}:{}", self.file.display(), self.line),
            name,
            help: raw.help.trim().to_owned(),
            targets,
            executor,
            params,
            rbac,
            dangerous: raw.dangerous,
            mutates,
            rollback,
            after,
        })
    }

    fn targets(
        &self,
        raw: &[Spanned<String>],
        name: &str,
    ) -> Result<Vec<TargetKind>, ConfigProblem> {
        if raw.is_empty() {
            return Err(self.problem(self.line, format!("action '{name}' has no targets")));
        }
        let mut out = Vec::new();
        for t in raw {
            let kind = TargetKind::ALL
                .iter()
                .copied()
                .find(|k| k.as_str() == t.value)
                .ok_or_else(|| {
                    self.problem(
                        t.referenced.line(),
                        format!(
                            "unknown target kind '{}' (kinds: {})",
                            t.value,
                            TargetKind::ALL
                                .iter()
                                .map(|k| k.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    )
                })?;
            if !out.contains(&kind) {
                out.push(kind);
            }
        }
        Ok(out)
    }

    fn param(&self, raw: &RawParam) -> Result<ParamSpec, ConfigProblem> {
        let line = raw.name.referenced.line();
        let name = raw.name.value.clone();
        let name_ok = Regex::new(r"^[a-z][a-z0-9-]*$").is_ok_and(|r| r.is_match(&name));
        if !name_ok || RESERVED.contains(&name.as_str()) {
            return Err(self.problem(
                line,
                format!("parameter name '{name}' must be lowercase letters, digits and '-', and not one of {}", RESERVED.join(", ")),
            ));
        }
        let misplaced = |field: &str, kind: &str| {
            self.problem(
                line,
                format!("parameter '{name}': '{field}' does not apply to a {kind} parameter"),
            )
        };
        let kind = match raw.kind.value.as_str() {
            "int" => {
                for (set, field) in [
                    (raw.pattern.is_some(), "pattern"),
                    (raw.min_length.is_some(), "minLength"),
                    (raw.max_length.is_some(), "maxLength"),
                    (raw.values.is_some(), "values"),
                ] {
                    if set {
                        return Err(misplaced(field, "int"));
                    }
                }
                match (raw.min, raw.max) {
                    (Some(min), Some(max)) if min <= max => ParamKind::Int { min, max },
                    (Some(_), Some(_)) => {
                        return Err(
                            self.problem(line, format!("parameter '{name}': min is above max"))
                        );
                    }
                    _ => {
                        return Err(self.problem(
                            line,
                            format!("parameter '{name}': an int needs min and max"),
                        ));
                    }
                }
            }
            "string" => {
                for (set, field) in [
                    (raw.min.is_some(), "min"),
                    (raw.max.is_some(), "max"),
                    (raw.values.is_some(), "values"),
                ] {
                    if set {
                        return Err(misplaced(field, "string"));
                    }
                }
                let Some(max_length) = raw.max_length.filter(|m| *m <= MAX_STRING_PARAM) else {
                    return Err(self.problem(
                        line,
                        format!("parameter '{name}': a string needs maxLength (at most {MAX_STRING_PARAM})"),
                    ));
                };
                let min_length = raw.min_length.unwrap_or(0);
                if min_length > max_length {
                    return Err(self.problem(
                        line,
                        format!("parameter '{name}': minLength is above maxLength"),
                    ));
                }
                let pattern = raw
                    .pattern
                    .as_ref()
                    .map(|p| {
                        Regex::new(&format!("^(?:{p})$")).map_err(|e| {
                            self.problem(
                                line,
                                format!("parameter '{name}': pattern '{p}' is not a regex: {e}"),
                            )
                        })
                    })
                    .transpose()?;
                ParamKind::String {
                    pattern,
                    min_length,
                    max_length,
                }
            }
            "enum" => {
                let values = raw.values.clone().unwrap_or_default();
                let unique: BTreeSet<&String> = values.iter().collect();
                if values.is_empty() || unique.len() != values.len() {
                    return Err(self.problem(
                        line,
                        format!("parameter '{name}': an enum needs distinct values"),
                    ));
                }
                ParamKind::Enum { values }
            }
            "bool" => ParamKind::Bool,
            other => {
                return Err(self.problem(
                    raw.kind.referenced.line(),
                    format!("parameter '{name}': unknown type '{other}' (int, string, enum, bool)"),
                ));
            }
        };
        if raw.secret && !matches!(kind, ParamKind::String { .. }) {
            return Err(self.problem(
                line,
                format!("parameter '{name}': only a string can be secret"),
            ));
        }
        let default = raw.default.as_ref().map(|v| match v {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        });
        let spec = ParamSpec {
            name: name.clone(),
            help: raw.help.trim().to_owned(),
            kind,
            default,
            secret: raw.secret,
        };
        if let Some(default) = &spec.default {
            if spec.secret {
                return Err(
                    self.problem(line, format!("parameter '{name}': a secret has no default"))
                );
            }
            params::check(&spec, default)
                .map_err(|p| self.problem(line, format!("parameter '{name}': default {p}")))?;
        }
        Ok(spec)
    }

    fn executor(
        &self,
        raw: &RawAction,
        targets: &[TargetKind],
        params: &[ParamSpec],
    ) -> Result<Executor, ConfigProblem> {
        let line = raw.executor.referenced.line();
        match raw.executor.value.as_str() {
            "direct" => {
                if raw.command.is_some() {
                    return Err(self.problem(
                        line,
                        "a direct action has no command (the operation says what it does)",
                    ));
                }
                let Some(op) = &raw.operation else {
                    return Err(self.problem(line, "a direct action needs an operation"));
                };
                DirectOperation::from_word(&op.value)
                    .map(Executor::Direct)
                    .ok_or_else(|| {
                        self.problem(
                            op.referenced.line(),
                            format!(
                                "unknown operation '{}' ({})",
                                op.value,
                                list(DirectOperation::ALL.iter().map(|o| o.as_str()))
                            ),
                        )
                    })
            }
            "job" => {
                if let Some(op) = &raw.operation {
                    return Err(self.problem(
                        op.referenced.line(),
                        "a job action has no operation (its command says what it does)",
                    ));
                }
                let Some(command) = raw.command.as_ref().filter(|c| !c.is_empty()) else {
                    return Err(
                        self.problem(line, "a job action needs a command (kubectl arguments)")
                    );
                };
                let args = command
                    .iter()
                    .map(|a| self.arg(a, targets, params))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(Executor::Job(JobCommand { args }))
            }
            other => Err(self.problem(line, format!("unknown executor '{other}' (direct, job)"))),
        }
    }

    fn arg(
        &self,
        raw: &Spanned<serde_json::Value>,
        targets: &[TargetKind],
        params: &[ParamSpec],
    ) -> Result<Arg, ConfigProblem> {
        let line = raw.referenced.line();
        let (arg, file_arg) = match &raw.value {
            serde_json::Value::String(s) => (
                Arg::Text(Template::parse(s).map_err(|e| self.problem(line, e.to_string()))?),
                false,
            ),
            serde_json::Value::Object(map) if map.len() == 1 => {
                let (key, value) = map
                    .iter()
                    .next()
                    .map_or(("", &serde_json::Value::Null), |(k, v)| (k.as_str(), v));
                let json = json_template(value).map_err(|e| self.problem(line, e))?;
                match key {
                    "json" => (Arg::Json(json), false),
                    "file" => (Arg::File(json), true),
                    other => {
                        return Err(self.problem(
                            line,
                            format!("unknown argument form '{other}' (a string, json: or file:)"),
                        ));
                    }
                }
            }
            _ => return Err(self.problem(line, "an argument is a string, {json: …} or {file: …}")),
        };
        let names: Vec<&str> = match &arg {
            Arg::Text(t) => t.placeholders().collect(),
            Arg::Json(j) | Arg::File(j) => j.placeholders(),
        };
        for name in names {
            if let Some(p) = params.iter().find(|p| p.name == name) {
                if p.secret && !file_arg {
                    return Err(self.problem(line, format!("secret parameter '{name}' may only appear in a file: argument (never in the Job object)")));
                }
                continue;
            }
            builtin(name, targets).map_err(|m| self.problem(line, m))?;
        }
        Ok(arg)
    }

    fn rule(&self, raw: &Spanned<RawRule>) -> Result<RbacRule, ConfigProblem> {
        let line = raw.referenced.line();
        let r = &raw.value;
        if r.api_groups.is_empty() || r.resources.is_empty() || r.verbs.is_empty() {
            return Err(self.problem(line, "an RBAC rule needs apiGroups, resources and verbs"));
        }
        if r.api_groups
            .iter()
            .chain(&r.resources)
            .chain(&r.verbs)
            .any(|s| s.contains('*'))
        {
            return Err(self.problem(line, "RBAC rules may not use '*' (least privilege)"));
        }
        if let Some(v) = r.verbs.iter().find(|v| !VERBS.contains(&v.as_str())) {
            return Err(self.problem(
                line,
                format!("RBAC verb '{v}' is not allowed ({})", VERBS.join(", ")),
            ));
        }
        Ok(RbacRule {
            api_groups: r.api_groups.clone(),
            resources: r.resources.clone(),
            verbs: r.verbs.clone(),
            scope: r.scope,
        })
    }

    fn rollback(
        &self,
        raw: Option<&RawRollback>,
        name: &str,
        mutates: bool,
    ) -> Result<Rollback, ConfigProblem> {
        let Some(raw) = raw else {
            if mutates {
                return Err(self.problem(self.line, format!("action '{name}' changes the cluster: it needs rollback: (capture, inverse or a note why not)")));
            }
            return Ok(Rollback::default());
        };
        let capture = words(
            &raw.capture,
            "capture",
            Capture::from_word,
            Capture::ALL,
            self,
        )?;
        let inverse = raw
            .inverse
            .as_ref()
            .map(|i| {
                let params = i
                    .params
                    .iter()
                    .map(|(k, v)| {
                        let text = match v {
                            serde_json::Value::String(s) => s.clone(),
                            other => other.to_string(),
                        };
                        Template::parse(&text)
                            .map(|t| (k.clone(), t))
                            .map_err(|e| self.problem(i.action.referenced.line(), e.to_string()))
                    })
                    .collect::<Result<BTreeMap<_, _>, _>>()?;
                Ok::<_, ConfigProblem>(Inverse {
                    action: i.action.value.clone(),
                    params,
                })
            })
            .transpose()?;
        let note = raw
            .note
            .as_ref()
            .map(|n| n.trim().to_owned())
            .filter(|n| !n.is_empty());
        if mutates && inverse.is_none() && note.is_none() {
            return Err(self.problem(
                self.line,
                format!("action '{name}': rollback without an inverse needs a note saying why"),
            ));
        }
        Ok(Rollback {
            capture,
            inverse,
            note,
        })
    }
}

fn list<'a>(items: impl Iterator<Item = &'a str>) -> String {
    items.collect::<Vec<_>>().join(", ")
}

fn words<T: Copy + PartialEq + Vocabulary>(
    raw: &[Spanned<String>],
    what: &str,
    parse: fn(&str) -> Option<T>,
    all: &[T],
    checker: &Checker<'_>,
) -> Result<Vec<T>, ConfigProblem> {
    let mut out = Vec::new();
    for w in raw {
        let word = parse(&w.value).ok_or_else(|| {
            checker.problem(
                w.referenced.line(),
                format!(
                    "unknown {what} '{}' ({})",
                    w.value,
                    list(all.iter().map(|v| v.word()))
                ),
            )
        })?;
        if !out.contains(&word) {
            out.push(word);
        }
    }
    Ok(out)
}

/// The catalog word of a vocabulary value (for messages).
trait Vocabulary {
    fn word(&self) -> &'static str;
}

macro_rules! vocabulary_words {
    ($($t:ty),*) => {
        $(impl Vocabulary for $t {
            fn word(&self) -> &'static str {
                self.as_str()
            }
        })*
    };
}
vocabulary_words!(Precondition, Postcondition, Capture, FollowUp);

fn json_template(value: &serde_json::Value) -> Result<JsonTemplate, String> {
    Ok(match value {
        serde_json::Value::Null => JsonTemplate::Null,
        serde_json::Value::Bool(b) => JsonTemplate::Bool(*b),
        serde_json::Value::Number(n) => JsonTemplate::Number(n.clone()),
        serde_json::Value::String(s) => {
            JsonTemplate::String(Template::parse(s).map_err(|e| e.to_string())?)
        }
        serde_json::Value::Array(items) => {
            JsonTemplate::Array(items.iter().map(json_template).collect::<Result<_, _>>()?)
        }
        serde_json::Value::Object(map) => JsonTemplate::Object(
            map.iter()
                .map(|(k, v)| {
                    Ok((
                        Template::parse(k).map_err(|e| e.to_string())?,
                        json_template(v)?,
                    ))
                })
                .collect::<Result<_, String>>()?,
        ),
    })
}
