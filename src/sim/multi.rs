//! Several simulated clusters at once (`fluxops sim --clusters N`): N independent simulations, each with its own
//! API server (its own port), store, controllers and faults, and ONE kubeconfig with a context per cluster
//! (`sim-1` … `sim-N`, each its own cluster, user and token), so `--context sim-2`, `--context sim-1 --context
//! sim-3` and `--all-contexts` all work as against real clusters.
//!
//! Tests reach one cluster by name: [`SimFleet::get`] gives its [`Simulation`] (its `handle()` sets faults:
//! `stall`, `slow`, …) and [`SimFleet::stop`] shuts its API server down (connections refused: unreachable) while
//! the others go on. From the command line a fault names its cluster: `--fault sim-2:stall@30s` ([`Targeted`]).
//!
//! Must not live here: one cluster's server or controllers (`server`, `simulation`).

use crate::sim::fault::{FaultError, FaultPlan};
use crate::sim::simulation::{self, SimConfig, SimError, SimSource, Simulation};
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::Path;

/// The most clusters `--clusters` starts (each is a server with its controllers).
pub const MAX_CLUSTERS: usize = 16;

/// A fault for every cluster, or for the one named (`sim-2:stall@30s`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Targeted {
    /// `None`: every cluster.
    pub cluster: Option<String>,
    pub plan: FaultPlan,
}

impl std::str::FromStr for Targeted {
    type Err = FaultError;

    /// `SPEC` or `CLUSTER:SPEC`. No fault spec contains `:` (kinds, durations and codes do not), so the part
    /// before the first one, when it has no `=`, `@` or `+`, is a cluster name.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.split_once(':') {
            Some((cluster, spec)) if !cluster.contains(['=', '@', '+']) && !cluster.is_empty() => {
                Ok(Self {
                    cluster: Some(cluster.trim().to_owned()),
                    plan: spec.parse()?,
                })
            }
            _ => Ok(Self {
                cluster: None,
                plan: text.parse()?,
            }),
        }
    }
}

impl std::fmt::Display for Targeted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.cluster {
            Some(c) => write!(f, "{c}:{}", self.plan),
            None => write!(f, "{}", self.plan),
        }
    }
}

/// Why the clusters could not start.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("--clusters must be between 1 and {MAX_CLUSTERS} (got {0})")]
    Count(usize),
    #[error("--fault {fault}: there is no cluster \"{cluster}\" (clusters: {known})")]
    UnknownCluster {
        fault: String,
        cluster: String,
        known: String,
    },
    #[error("simulated cluster {name}: {source}")]
    Start {
        name: String,
        #[source]
        source: Box<SimError>,
    },
    #[error("cannot write the kubeconfig {path}: {source}")]
    Kubeconfig {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

/// One running simulated cluster and its name (its kubeconfig context).
#[derive(Debug)]
pub struct Member {
    pub name: String,
    /// `None` once stopped ([`SimFleet::stop`]).
    pub sim: Option<Simulation>,
    /// The address it served on (kept after it stopped: the kubeconfig still points there).
    pub addr: SocketAddr,
    user: String,
    token: String,
    namespace: String,
}

/// Several simulated clusters.
#[derive(Debug)]
pub struct SimFleet {
    pub members: Vec<Member>,
}

/// The name of cluster `index` (0-based) of a fleet: `sim-1`, `sim-2`, …
#[must_use]
pub fn cluster_name(index: usize) -> String {
    format!("sim-{}", index + 1)
}

/// Starts `count` clusters serving `source`, each on its own free port of `host` (its own store and controllers),
/// with the faults of `faults` that are for every cluster or name it.
///
/// # Errors
/// A count out of range, a fault naming no cluster, a cluster that cannot start (the ones started are stopped).
pub async fn start(
    count: usize,
    source: &SimSource,
    host: std::net::IpAddr,
    faults: &[Targeted],
    configure: impl Fn(&mut SimConfig),
) -> Result<SimFleet, Error> {
    if count == 0 || count > MAX_CLUSTERS {
        return Err(Error::Count(count));
    }
    let names: Vec<String> = (0..count).map(cluster_name).collect();
    for fault in faults {
        if let Some(c) = &fault.cluster
            && !names.contains(c)
        {
            return Err(Error::UnknownCluster {
                fault: fault.to_string(),
                cluster: c.clone(),
                known: names.join(", "),
            });
        }
    }
    let mut fleet = SimFleet {
        members: Vec::new(),
    };
    for name in names {
        let mut config = SimConfig::new(source.clone());
        config.listen = SocketAddr::new(host, 0);
        config.faults = faults
            .iter()
            .filter(|f| f.cluster.as_ref().is_none_or(|c| *c == name))
            .map(|f| f.plan.clone())
            .collect();
        // Each cluster its own user and token: a token of one is rejected by the others (401), as across clusters.
        config.server.user = format!("{name}-admin");
        config.server.token = format!("fluxops-{name}-token");
        configure(&mut config);
        let user = config.server.user.clone();
        let token = config.server.token.clone();
        let namespace = config.server.namespace.clone();
        match simulation::start(config).await {
            Ok(sim) => fleet.members.push(Member {
                name,
                addr: sim.addr(),
                sim: Some(sim),
                user,
                token,
                namespace,
            }),
            Err(source) => {
                fleet.shutdown().await;
                return Err(Error::Start {
                    name,
                    source: Box::new(source),
                });
            }
        }
    }
    Ok(fleet)
}

impl SimFleet {
    /// The cluster named `name`, if it runs.
    #[must_use]
    pub fn get(&self, name: &str) -> Option<&Simulation> {
        self.members
            .iter()
            .find(|m| m.name == name)
            .and_then(|m| m.sim.as_ref())
    }

    /// The context names, in order.
    #[must_use]
    pub fn names(&self) -> Vec<String> {
        self.members.iter().map(|m| m.name.clone()).collect()
    }

    /// Stops the API server and controllers of cluster `name`: its port refuses connections (unreachable);
    /// the others go on. Returns whether it was running.
    pub async fn stop(&mut self, name: &str) -> bool {
        let Some(member) = self.members.iter_mut().find(|m| m.name == name) else {
            return false;
        };
        match member.sim.take() {
            Some(sim) => {
                sim.shutdown().await;
                true
            }
            None => false,
        }
    }

    /// One kubeconfig with a cluster, user and context per simulated cluster (context = cluster name);
    /// `current-context` is the first.
    #[must_use]
    pub fn kubeconfig_yaml(&self) -> String {
        let mut clusters = String::new();
        let mut contexts = String::new();
        let mut users = String::new();
        for m in &self.members {
            let _ = write!(
                clusters,
                "- name: {n}\n  cluster:\n    server: http://{addr}\n",
                n = m.name,
                addr = m.addr
            );
            let _ = write!(
                contexts,
                "- name: {n}\n  context:\n    cluster: {n}\n    user: {u}\n    namespace: {ns}\n",
                n = m.name,
                u = m.user,
                ns = m.namespace
            );
            let _ = write!(
                users,
                "- name: {u}\n  user:\n    token: {t}\n",
                u = m.user,
                t = m.token
            );
        }
        let current = self.members.first().map_or("", |m| m.name.as_str());
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n{clusters}contexts:\n{contexts}current-context: {current}\nusers:\n{users}preferences: {{}}\n"
        )
    }

    /// Writes [`SimFleet::kubeconfig_yaml`] to `path`.
    ///
    /// # Errors
    /// I/O failure.
    pub fn write_kubeconfig(&self, path: &Path) -> Result<(), Error> {
        std::fs::write(path, self.kubeconfig_yaml()).map_err(|source| Error::Kubeconfig {
            path: path.display().to_string(),
            source,
        })
    }

    /// Stops every cluster.
    pub async fn shutdown(self) {
        for m in self.members {
            if let Some(sim) = m.sim {
                sim.shutdown().await;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::fault::Fault;
    use std::time::Duration;

    #[test]
    fn a_fault_names_its_cluster_or_applies_to_all() {
        let all: Targeted = "stall@10s".parse().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(all.cluster, None);
        assert_eq!(all.plan.start, Duration::from_secs(10));
        let one: Targeted = "sim-2:slow=2s+30s"
            .parse()
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(one.cluster.as_deref(), Some("sim-2"));
        assert_eq!(one.plan.fault, Fault::Slow(Duration::from_secs(2)));
        assert_eq!(one.to_string(), "sim-2:slow=2s+30s");
        assert!("sim-2:nonsense".parse::<Targeted>().is_err());
    }
}
