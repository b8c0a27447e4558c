//! Faults the simulated API server can be told to have, from the command line (`fluxops sim --fault SPEC`, see
//! docs/sim.md) or from tests (`SimHandle::set_fault`): what a broken cluster does to a client, reproducible.
//!
//! A spec is `NAME[=VALUE][@START][+DURATION]`: the fault starts `START` after the server (default at once) and
//! lasts `DURATION` (default for good). `drop-watches=EVERY` repeats. Durations are humantime (`500ms`, `30s`, `2m`).
//!
//! | spec | what the server does |
//! |---|---|
//! | `forbid=KIND` | answers 403 Forbidden for every verb on the Flux kind (RBAC denies it) |
//! | `hide-crd=KIND` | stops serving the Flux kind (its CRD is gone: discovery omits it, requests get 404) |
//! | `stall` | accepts connections and answers nothing; open watches go silent (a SIGSTOPped API server) |
//! | `slow=DURATION` | waits that long before every answer |
//! | `status=CODE` | answers every request with that error: 401, 403, 429 (Retry-After: 1), 500, 503 |
//! | `drop-watches[=EVERY]` | breaks every open watch connection (once, or every EVERY) |
//! | `garbage` | answers every request with an HTML error page instead of JSON, and writes one such line into each open watch |
//!
//! Must not live here: how the HTTP layer applies a fault (`http`, `controls`).

use crate::flux::FluxKind;
use crate::sim::server::SimHandle;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// One fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    Forbid(FluxKind),
    HideCrd(FluxKind),
    Stall,
    Slow(Duration),
    /// Every request answered with this status: 401, 403, 429, 500 or 503.
    Status(u16),
    /// Break open watches: once (`None`) or every so often.
    DropWatches(Option<Duration>),
    Garbage,
}

/// A fault and when it applies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaultPlan {
    pub fault: Fault,
    /// After the server started.
    pub start: Duration,
    /// `None`: for good.
    pub duration: Option<Duration>,
}

/// Why a spec is not understood.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("fault \"{spec}\": {reason} (see `fluxops sim --help` or docs/sim.md)")]
pub struct FaultError {
    spec: String,
    reason: String,
}

/// The status codes `status=CODE` accepts.
pub const STATUS_CODES: [u16; 5] = [401, 403, 429, 500, 503];

impl std::fmt::Display for FaultPlan {
    /// The plan as a spec (`stall@10s+30s`).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let human = |d: Duration| humantime::format_duration(d).to_string().replace(' ', "");
        match &self.fault {
            Fault::Forbid(k) => write!(f, "forbid={k}")?,
            Fault::HideCrd(k) => write!(f, "hide-crd={k}")?,
            Fault::Stall => f.write_str("stall")?,
            Fault::Slow(d) => write!(f, "slow={}", human(*d))?,
            Fault::Status(c) => write!(f, "status={c}")?,
            Fault::DropWatches(None) => f.write_str("drop-watches")?,
            Fault::DropWatches(Some(d)) => write!(f, "drop-watches={}", human(*d))?,
            Fault::Garbage => f.write_str("garbage")?,
        }
        if !self.start.is_zero() {
            write!(f, "@{}", human(self.start))?;
        }
        if let Some(d) = self.duration {
            write!(f, "+{}", human(d))?;
        }
        Ok(())
    }
}

impl std::str::FromStr for FaultPlan {
    type Err = FaultError;

    fn from_str(spec: &str) -> Result<Self, Self::Err> {
        let fail = |reason: String| FaultError {
            spec: spec.to_owned(),
            reason,
        };
        let duration = |text: &str| {
            humantime::parse_duration(text)
                .map_err(|e| fail(format!("\"{text}\" is not a duration: {e}")))
        };
        let (rest, lasting) = match spec.split_once('+') {
            Some((rest, d)) => (rest, Some(duration(d)?)),
            None => (spec, None),
        };
        let (rest, start) = match rest.split_once('@') {
            Some((rest, s)) => (rest, duration(s)?),
            None => (rest, Duration::ZERO),
        };
        let (name, value) = match rest.split_once('=') {
            Some((n, v)) => (n.trim(), Some(v.trim())),
            None => (rest.trim(), None),
        };
        let kind = |value: Option<&str>| {
            let value = value.ok_or_else(|| fail(format!("{name} needs a kind: {name}=KIND")))?;
            kind_named(value).ok_or_else(|| fail(format!("\"{value}\" is not a Flux kind")))
        };
        let fault = match name {
            "forbid" => Fault::Forbid(kind(value)?),
            "hide-crd" => Fault::HideCrd(kind(value)?),
            "stall" => Fault::Stall,
            "slow" => {
                Fault::Slow(duration(value.ok_or_else(|| {
                    fail("slow needs a duration: slow=2s".to_owned())
                })?)?)
            }
            "status" => {
                let code = value
                    .and_then(|v| v.parse::<u16>().ok())
                    .filter(|c| STATUS_CODES.contains(c))
                    .ok_or_else(|| {
                        fail(format!(
                            "status needs one of {}",
                            STATUS_CODES.map(|c| c.to_string()).join(", ")
                        ))
                    })?;
                Fault::Status(code)
            }
            "drop-watches" => Fault::DropWatches(value.map(duration).transpose()?),
            "garbage" => Fault::Garbage,
            other => {
                return Err(fail(format!(
                    "unknown fault \"{other}\" (forbid=KIND, hide-crd=KIND, stall, slow=DURATION, \
                     status=CODE, drop-watches[=EVERY], garbage)"
                )));
            }
        };
        Ok(FaultPlan {
            fault,
            start,
            duration: lasting,
        })
    }
}

/// A Flux kind by name, plural or short name, any case (`Kustomization`, `kustomizations`, `ks`).
fn kind_named(value: &str) -> Option<FluxKind> {
    let lower = value.to_ascii_lowercase();
    FluxKind::ALL.into_iter().find(|k| {
        k.as_str().eq_ignore_ascii_case(value)
            || k.plural() == lower
            || k.short_name() == Some(lower.as_str())
    })
}

impl SimHandle {
    /// Starts (`on`) or ends a fault.
    pub fn set_fault(&self, fault: &Fault, on: bool) {
        let controls = self.controls();
        match fault {
            Fault::Forbid(kind) => self.set_flux_kind_forbidden(*kind, on),
            Fault::HideCrd(kind) => self.set_flux_kind_missing(*kind, on),
            Fault::Stall => controls.set_stalled(on),
            Fault::Slow(latency) => self.set_latency(if on { *latency } else { Duration::ZERO }),
            Fault::Status(code) => controls.set_failing(on.then_some(*code)),
            Fault::DropWatches(_) => {
                if on {
                    self.drop_watches();
                }
            }
            Fault::Garbage => controls.set_garbage(on),
        }
    }
}

/// Applies `plans` on their schedule until `cancel` fires.
pub async fn run_plans(handle: SimHandle, plans: Vec<FaultPlan>, cancel: CancellationToken) {
    let mut tasks = tokio::task::JoinSet::new();
    for plan in plans {
        let handle = handle.clone();
        tasks.spawn(async move {
            tokio::time::sleep(plan.start).await;
            tracing::info!(fault = ?plan.fault, "simulated fault starts");
            handle.set_fault(&plan.fault, true);
            if let Fault::DropWatches(Some(every)) = plan.fault {
                let until = plan.duration.map(|d| tokio::time::Instant::now() + d);
                let every = every.max(Duration::from_millis(100));
                loop {
                    tokio::time::sleep(every).await;
                    if until.is_some_and(|u| tokio::time::Instant::now() >= u) {
                        break;
                    }
                    handle.drop_watches();
                }
                return;
            }
            if let Some(lasting) = plan.duration {
                tokio::time::sleep(lasting).await;
                tracing::info!(fault = ?plan.fault, "simulated fault ends");
                handle.set_fault(&plan.fault, false);
            }
        });
    }
    cancel.cancelled().await;
    tasks.abort_all();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(spec: &str) -> FaultPlan {
        spec.parse().unwrap()
    }

    #[test]
    fn specs_parse_with_start_and_duration() {
        assert_eq!(
            plan("stall@10s+30s"),
            FaultPlan {
                fault: Fault::Stall,
                start: Duration::from_secs(10),
                duration: Some(Duration::from_secs(30)),
            }
        );
        assert_eq!(plan("status=401").fault, Fault::Status(401));
        assert_eq!(
            plan("forbid=Kustomization").fault,
            Fault::Forbid(FluxKind::Kustomization)
        );
        assert_eq!(
            plan("hide-crd=hr").fault,
            Fault::HideCrd(FluxKind::HelmRelease)
        );
        assert_eq!(plan("slow=2s").fault, Fault::Slow(Duration::from_secs(2)));
        assert_eq!(
            plan("drop-watches=5s").fault,
            Fault::DropWatches(Some(Duration::from_secs(5)))
        );
        assert_eq!(plan("drop-watches").fault, Fault::DropWatches(None));
        assert_eq!(plan("garbage@1m").start, Duration::from_secs(60));
        for spec in [
            "stall@10s+30s",
            "status=401",
            "forbid=Kustomization",
            "drop-watches=5s",
            "slow=2s@1m",
        ] {
            assert_eq!(plan(spec).to_string(), spec);
        }
    }

    #[test]
    fn bad_specs_say_what_is_wrong() {
        for (spec, says) in [
            ("status=418", "status needs one of 401, 403, 429, 500, 503"),
            ("forbid=Pod", "\"Pod\" is not a Flux kind"),
            ("forbid", "forbid needs a kind"),
            ("slow=fast", "\"fast\" is not a duration"),
            ("melt", "unknown fault \"melt\""),
            ("stall@soon", "\"soon\" is not a duration"),
        ] {
            let err = spec.parse::<FaultPlan>().unwrap_err().to_string();
            assert!(err.contains(says), "{spec}: {err}");
            assert!(err.starts_with(&format!("fault \"{spec}\"")), "{err}");
        }
    }
}
