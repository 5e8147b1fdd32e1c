//! What every request handler and server function can reach: the database and Leptos's options.

use crate::store::Db;
use axum::extract::FromRef;
use leptos::config::LeptosOptions;

#[derive(Clone, Debug)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub db: Db,
    /// The address people reach the service at, for links in emails: `PUBLIC_URL`.
    pub public_url: String,
    /// `TRUST_PROXY=1`: the service sits behind a load balancer that appends the client's address
    /// to X-Forwarded-For, so that (the last entry) is the client, not the socket's peer.
    pub trust_proxy: bool,
    /// Attempts the sign-in and reset limits turned away, tallied for the audit trail's
    /// summary of each source and window.
    pub refused_attempts: crate::store::refused_attempts::RefusedAttempts,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}
