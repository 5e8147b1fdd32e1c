//! Where a request came from, worked out once, before anything else asks: the audit trail's
//! "from" and the sign-in limits read it through `app::api::guard::client_address`.

use app::api::guard::ClientAddress;
use axum::{
    extract::{ConnectInfo, Request, State},
    middleware::Next,
    response::Response,
};
use std::net::SocketAddr;

/// Puts the request's [`ClientAddress`] on it: the socket's peer, or behind a load balancer
/// (`trust_proxy`, `TRUST_PROXY=1`) the last address in X-Forwarded-For, the one our own proxy
/// added (any before it are whatever the client claimed).
pub async fn client_address(
    State(trust_proxy): State<bool>,
    mut request: Request,
    next: Next,
) -> Response {
    let address = trust_proxy
        .then(|| forwarded_for(&request))
        .flatten()
        .or_else(|| {
            request
                .extensions()
                .get::<ConnectInfo<SocketAddr>>()
                .map(|ConnectInfo(peer)| peer.ip().to_string())
        })
        .unwrap_or_else(|| "unknown".into());
    request.extensions_mut().insert(ClientAddress(address));
    next.run(request).await
}

/// The last address in X-Forwarded-For, if there is one.
fn forwarded_for(request: &Request) -> Option<String> {
    request
        .headers()
        .get("x-forwarded-for")
        .and_then(|header| header.to_str().ok())
        .and_then(|header| header.rsplit(',').next())
        .map(|address| address.trim().to_string())
        .filter(|address| !address.is_empty())
}
