//! One-shot listing of every Flux kind, for the scriptable commands (`fluxops graph`) that need the fleet once
//! rather than a running watch.
//!
//! Same discovery (`discovery::discover`, newest served version per kind), same lean decoder (`decode::Decoded`:
//! a malformed object is named, not fatal) and same lists as the watchers' first load: every kind at once, each
//! from the API server's watch cache (`resourceVersion=0`, see `informer`), following continue tokens when a
//! server pages it. A
//! kind whose CRD is not installed or whose list is refused (RBAC) is reported in [`Listing::unavailable`] exactly
//! as the console reports it (`KindProblem`), and the other kinds are still listed. Only discovery failing as a
//! whole, or a list failing for another reason (server gone mid-way), is an error.
//!
//! Must not live here: watching, anything about the graph.

use super::decode::Decoded;
use super::discovery::{self, ServedKind};
use super::failure::Failure;
use super::informer::PAGE_SIZE;
use super::{KindProblem, Scope};
use crate::flux::{FluxKind, FluxObject, ResourceRef};
use kube::Api;
use kube::api::{ListParams, VersionMatch};

/// Why the fleet could not be listed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Discovery(#[from] discovery::Error),
    #[error("cannot list {kind}: {detail}")]
    List { kind: FluxKind, detail: String },
}

impl Error {
    /// A short, stable label for logs.
    #[must_use]
    pub fn label(&self) -> &'static str {
        match self {
            Error::Discovery(_) => "discovery",
            Error::List { .. } => "list",
        }
    }
}

/// Every Flux object in scope, listed once.
#[derive(Debug, Clone, Default)]
pub struct Listing {
    /// The objects that decoded, in kind order (`FluxKind::ALL`), then as the server listed them.
    pub objects: Vec<FluxObject>,
    /// Objects that exist but do not decode, with the reason (field path and serde error).
    pub invalid: Vec<(ResourceRef, String)>,
    /// Kinds that could not be listed, and why (missing CRD, forbidden).
    pub unavailable: Vec<(FluxKind, KindProblem)>,
}

/// Lists every served Flux kind in `scope` once (all pages).
///
/// # Errors
/// Discovery failing as a whole, or a list failing with anything but 403/404.
pub async fn list_all(client: &kube::Client, scope: &Scope) -> Result<Listing, Error> {
    let found = discovery::discover(client).await?;
    let mut listing = Listing {
        unavailable: found
            .missing
            .iter()
            .map(|k| (*k, KindProblem::MissingCrd))
            .collect(),
        ..Listing::default()
    };
    let lists = futures::future::join_all(found.served.iter().map(|served| async move {
        let mut one = Listing::default();
        list_kind(client, scope, served, &mut one)
            .await
            .map(|()| one)
    }))
    .await;
    for one in lists {
        let one = one?;
        listing.objects.extend(one.objects);
        listing.invalid.extend(one.invalid);
        listing.unavailable.extend(one.unavailable);
    }
    Ok(listing)
}

async fn list_kind(
    client: &kube::Client,
    scope: &Scope,
    served: &ServedKind,
    listing: &mut Listing,
) -> Result<(), Error> {
    let api: Api<Decoded> = match scope {
        Scope::All => Api::all_with(client.clone(), &served.resource),
        Scope::Namespace(ns) => Api::namespaced_with(client.clone(), ns, &served.resource),
    };
    // In one piece from the watch cache (see `informer`: kube leaves `resourceVersion=0` out with a limit); a
    // server that pages anyway is followed through its continue tokens.
    let mut params = ListParams::default()
        .at("0")
        .matching(VersionMatch::NotOlderThan);
    loop {
        let page = match api.list(&params).await {
            Ok(page) => page,
            Err(kube::Error::Api(status)) if status.code == 403 => {
                listing
                    .unavailable
                    .push((served.kind, KindProblem::Forbidden(status.message.clone())));
                return Ok(());
            }
            Err(kube::Error::Api(status)) if status.code == 404 => {
                listing
                    .unavailable
                    .push((served.kind, KindProblem::MissingCrd));
                return Ok(());
            }
            Err(e) => {
                return Err(Error::List {
                    kind: served.kind,
                    detail: Failure::from_kube(&e).words(),
                });
            }
        };
        for item in page.items {
            match item.0 {
                Ok(mut object) => {
                    if object.kind.is_empty() {
                        object.kind.clone_from(&served.resource.kind);
                    }
                    if object.api_version.is_empty() {
                        object.api_version.clone_from(&served.resource.api_version);
                    }
                    listing.objects.push(object);
                }
                Err(invalid) => listing.invalid.push((
                    ResourceRef::new(
                        served.kind,
                        invalid.metadata.namespace.unwrap_or_default(),
                        invalid.metadata.name.unwrap_or_default(),
                    ),
                    invalid.error,
                )),
            }
        }
        match page.metadata.continue_.filter(|c| !c.is_empty()) {
            Some(token) => {
                params = ListParams::default()
                    .limit(PAGE_SIZE)
                    .continue_token(&token)
            }
            None => return Ok(()),
        }
    }
}
