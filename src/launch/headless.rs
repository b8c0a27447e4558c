//! `fluxops sim`: the simulated cluster alone, headless, until Ctrl-C.
//!
//! It listens on loopback only ([`listen_address`]): it is a writable Kubernetes API whose token is in the
//! kubeconfig it prints, so an address reachable from other machines (`0.0.0.0`, `::`, a LAN address, a
//! host name resolving to one) is refused before anything starts. `sim::server::serve` refuses them too.

use crate::cli::SimArgs;
use crate::sim::multi;
use crate::sim::simulation::{self, SimConfig, SimError};
use std::io::Write;
use std::net::{SocketAddr, ToSocketAddrs};

/// Errors of the headless simulated cluster.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot start the simulated cluster: {0}")]
    Start(#[from] SimError),
    #[error("cannot write the kubeconfig: {0}")]
    Kubeconfig(String),
    #[error("cannot wait for Ctrl-C: {0}")]
    Signal(#[source] std::io::Error),
    #[error(
        "refusing --listen {given}: {why}; the simulated cluster is a writable API with a fixed token, so it listens on loopback only (127.0.0.1:PORT, [::1]:PORT, localhost:PORT)"
    )]
    NotLoopback { given: String, why: String },
    #[error(transparent)]
    Fleet(#[from] multi::Error),
    #[error(
        "--listen {0} with --clusters: each cluster takes a free port of its own; give only the host (127.0.0.1:0)"
    )]
    PortWithClusters(String),
}

/// The address `--listen` names, if it is loopback: `IP:PORT`, `[IPv6]:PORT` or `HOST:PORT`, where every
/// address the host name resolves to must be loopback (the first is used).
///
/// # Errors
/// [`Error::NotLoopback`] naming the address: not `HOST:PORT`, unresolvable, or not loopback.
pub fn listen_address(given: &str) -> Result<SocketAddr, Error> {
    let refuse = |why: String| Error::NotLoopback {
        given: given.to_owned(),
        why,
    };
    let addresses: Vec<SocketAddr> = match given.parse::<SocketAddr>() {
        Ok(addr) => vec![addr],
        Err(_) => given
            .to_socket_addrs()
            .map_err(|e| refuse(format!("not a HOST:PORT that resolves ({e})")))?
            .collect(),
    };
    let Some(first) = addresses.first() else {
        return Err(refuse("it resolves to no address".to_owned()));
    };
    let outside: Vec<String> = addresses
        .iter()
        .filter(|a| !a.ip().to_canonical().is_loopback())
        .map(|a| a.ip().to_string())
        .collect();
    if !outside.is_empty() {
        let why = if given.parse::<SocketAddr>().is_ok() {
            format!("{} is not a loopback address", outside.join(", "))
        } else {
            format!("it resolves to {}, not loopback", outside.join(", "))
        };
        return Err(refuse(why));
    }
    Ok(SocketAddr::new(first.ip().to_canonical(), first.port()))
}

/// Starts the simulated cluster on `args.listen`, writes the kubeconfig if asked, prints where it listens and
/// serves until Ctrl-C.
///
/// # Errors
/// A non-loopback address, a fleet that cannot be loaded, an address that cannot be bound, a kubeconfig that
/// cannot be written.
pub async fn run(args: &SimArgs) -> Result<(), Error> {
    let listen = listen_address(&args.listen)?;
    if args.clusters != 1 {
        return run_many(args, listen).await;
    }
    let mut config = SimConfig::new(super::sim_source(&args.source));
    config.listen = listen;
    config.server.request_log.clone_from(&args.request_log);
    for fault in &args.faults {
        if let Some(cluster) = &fault.cluster {
            return Err(Error::Fleet(multi::Error::UnknownCluster {
                fault: fault.to_string(),
                cluster: cluster.clone(),
                known: "none: CLUSTER:SPEC needs --clusters N".to_owned(),
            }));
        }
        config.faults.push(fault.plan.clone());
    }
    let sim = simulation::start(config).await?;
    // What is printed is for whoever started it; a closed stdout (a script that read the first line and went
    // on) must not stop the server, so write errors are ignored rather than panicking in `println!`.
    let mut banner = String::new();
    if let Some(path) = &args.kubeconfig_out {
        sim.write_kubeconfig(path)
            .map_err(|e| Error::Kubeconfig(e.to_string()))?;
        banner.push_str(&format!(
            "fluxops sim: '{}' serving on {} (kubeconfig: {})\n",
            sim.name(),
            sim.url(),
            path.display()
        ));
    } else {
        banner.push_str(&format!(
            "fluxops sim: '{}' serving on {}\n{}",
            sim.name(),
            sim.url(),
            sim.kubeconfig_yaml()
        ));
    }
    for plan in &args.faults {
        banner.push_str(&format!("fault: {plan}\n"));
    }
    print_banner(&banner);
    let waited = tokio::signal::ctrl_c().await;
    sim.shutdown().await;
    waited.map_err(Error::Signal)
}

/// `--clusters N`: N clusters on free ports of the `--listen` host (its port is not used: each cluster takes
/// its own), one kubeconfig with a context each.
async fn run_many(args: &SimArgs, listen: SocketAddr) -> Result<(), Error> {
    if listen.port() != 0 {
        return Err(Error::PortWithClusters(listen.to_string()));
    }
    let request_log = args.request_log.clone();
    let fleet = multi::start(
        args.clusters,
        &super::sim_source(&args.source),
        listen.ip(),
        &args.faults,
        |config| {
            // One request log per cluster: FILE.sim-2 beside FILE.
            if let Some(path) = &request_log {
                let mut name = path.as_os_str().to_owned();
                name.push(format!(
                    ".{}",
                    config.server.user.trim_end_matches("-admin")
                ));
                config.server.request_log = Some(name.into());
            }
        },
    )
    .await?;
    let mut banner = String::new();
    for m in &fleet.members {
        banner.push_str(&format!(
            "fluxops sim: cluster {} serving on http://{}\n",
            m.name, m.addr
        ));
    }
    match &args.kubeconfig_out {
        Some(path) => {
            fleet.write_kubeconfig(path)?;
            banner.push_str(&format!(
                "kubeconfig: {} (contexts: {})\n",
                path.display(),
                fleet.names().join(", ")
            ));
        }
        None => banner.push_str(&fleet.kubeconfig_yaml()),
    }
    for plan in &args.faults {
        banner.push_str(&format!("fault: {plan}\n"));
    }
    print_banner(&banner);
    let waited = tokio::signal::ctrl_c().await;
    fleet.shutdown().await;
    waited.map_err(Error::Signal)
}

fn print_banner(banner: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out
        .write_all(banner.as_bytes())
        .and_then(|()| out.write_all(b"Press Ctrl-C to stop.\n"))
        .and_then(|()| out.flush());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_addresses_are_accepted() {
        for (given, want) in [
            ("127.0.0.1:6443", "127.0.0.1:6443"),
            ("127.1.2.3:0", "127.1.2.3:0"),
            ("[::1]:6443", "[::1]:6443"),
            ("[::ffff:127.0.0.1]:6443", "127.0.0.1:6443"),
            ("localhost:6443", ""),
        ] {
            let addr = listen_address(given).unwrap_or_else(|e| panic!("{given}: {e}"));
            assert!(addr.ip().is_loopback(), "{given}: {addr}");
            if !want.is_empty() {
                assert_eq!(addr.to_string(), want);
            }
        }
    }

    #[test]
    fn every_other_address_is_refused_with_the_reason() {
        for given in [
            "0.0.0.0:6443",
            "[::]:6443",
            "192.168.1.10:6443",
            "10.0.0.1:80",
            "[2001:db8::1]:6443",
            "[::ffff:10.0.0.1]:6443",
        ] {
            let err = listen_address(given).unwrap_err().to_string();
            assert!(
                err.starts_with(&format!("refusing --listen {given}:"))
                    && err.contains("is not a loopback address")
                    && err.contains("loopback only"),
                "{err}"
            );
        }
        for given in ["6443", "localhost", "no-such-host.invalid:6443"] {
            let err = listen_address(given).unwrap_err().to_string();
            assert!(err.contains("not a HOST:PORT"), "{given}: {err}");
        }
    }
}
