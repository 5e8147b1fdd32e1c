//! The one way every server function finds out who is asking: the session names an account, the
//! account is loaded fresh (so a disabled account or changed role takes effect at once), and the
//! session is refused past its absolute lifetime.

use crate::error::AppError;
use crate::rules::access::{Actor, Refusal};
use crate::rules::sign_in::throttle_source;
use crate::store::accounts::{self, Throttled};
use crate::store::timestamp;
use crate::store::AccountId;
use jiff::{SignedDuration, Timestamp};
use tower_sessions::Session;

use crate::store::sessions::ACCOUNT_KEY;
/// When the person signed in: the absolute limit counts from it, and restarting the session
/// (after ending the account's others) keeps it.
const SIGNED_IN_AT_KEY: &str = "signed_in_at";
/// When this session's id was issued: at sign-in, or when the session was restarted. A session is
/// valid for its account if issued after the account's others were last ended.
const ISSUED_AT_KEY: &str = "issued_at";
/// Set when sign-in took a second factor (or one was set up in the session).
pub(crate) const WITH_SECOND_FACTOR_KEY: &str = "with_second_factor";
/// When the idle timer was last refreshed: changing it is what makes the session be saved, with
/// a new expiry, so it is changed at most once every [`REFRESH_IDLE_TIMER_EVERY`].
const ACTIVE_AT_KEY: &str = "active_at";
const REFRESH_IDLE_TIMER_EVERY: SignedDuration = SignedDuration::from_mins(1);
/// However active a session is, it ends this long after sign-in.
pub const ABSOLUTE_TIMEOUT_HOURS: i64 = 12;

/// Put on a request by the public-page cache before a page renders, and marked when the render
/// takes a session that names an id: such a page may show someone's menu or data, so it is never
/// kept for others, however the request spelt its cookie.
#[derive(Clone, Debug, Default)]
pub struct SessionRead(std::sync::Arc<std::sync::atomic::AtomicBool>);

impl SessionRead {
    pub fn happened(&self) -> bool {
        self.0.load(std::sync::atomic::Ordering::SeqCst)
    }

    pub fn mark(&self) {
        self.0.store(true, std::sync::atomic::Ordering::SeqCst);
    }
}

pub async fn session() -> Result<Session, AppError> {
    let session = leptos_axum::extract::<Session>().await.map_err(|error| {
        tracing::error!(%error, "no session layer in front of the server functions");
        AppError::Internal
    })?;
    if session.id().is_some() {
        if let Some(read) = leptos::prelude::use_context::<http::request::Parts>()
            .and_then(|parts| parts.extensions.get::<SessionRead>().cloned())
        {
            read.mark();
        }
    }
    Ok(session)
}

pub(crate) fn session_error(error: tower_sessions::session::Error) -> AppError {
    tracing::error!(%error, "session store");
    AppError::Internal
}

/// The signed-in person, or None.
pub async fn current_actor() -> Result<Option<Actor>, AppError> {
    actor_of(&session().await?, &super::db()?).await
}

/// The person `session` is signed in as, or None: for handlers outside Leptos (downloads).
pub async fn actor_of(session: &Session, db: &crate::store::Db) -> Result<Option<Actor>, AppError> {
    let account_id: Option<String> = session.get(ACCOUNT_KEY).await.map_err(session_error)?;
    let signed_in_at: Option<String> =
        session.get(SIGNED_IN_AT_KEY).await.map_err(session_error)?;
    let (Some(account_id), Some(signed_in_at)) = (account_id, signed_in_at) else {
        return Ok(None);
    };
    let oldest_allowed =
        timestamp(Timestamp::now() - SignedDuration::from_hours(ABSOLUTE_TIMEOUT_HOURS));
    // A session from before `issued_at` was kept was issued when it signed in.
    let issued_at: Option<String> = session.get(ISSUED_AT_KEY).await.map_err(session_error)?;
    let actor = if signed_in_at < oldest_allowed {
        None
    } else {
        let issued_at = issued_at.as_deref().unwrap_or(&signed_in_at);
        accounts::active_actor(db, &AccountId::from(&account_id), issued_at).await?
    };
    // Someone given an NHS England role after signing in with a password alone must sign in
    // again, with a second factor, before using it.
    let with_second_factor: Option<bool> = session
        .get(WITH_SECOND_FACTOR_KEY)
        .await
        .map_err(session_error)?;
    let actor = actor.filter(|actor| {
        with_second_factor == Some(true) || !crate::rules::second_factor::required(&actor.roles)
    });
    if actor.is_none() {
        session.flush().await.map_err(session_error)?;
    } else {
        refresh_idle_timer(session).await?;
    }
    Ok(actor)
}

/// Marks the session active, which saves it with a later expiry, unless that was done within the
/// last minute: an idle timeout of half an hour does not need a write on every request.
async fn refresh_idle_timer(session: &Session) -> Result<(), AppError> {
    let active_at: Option<String> = session.get(ACTIVE_AT_KEY).await.map_err(session_error)?;
    let stale = timestamp(Timestamp::now() - REFRESH_IDLE_TIMER_EVERY);
    if active_at.is_none_or(|at| at < stale) {
        session
            .insert(ACTIVE_AT_KEY, crate::store::now_utc())
            .await
            .map_err(session_error)?;
    }
    Ok(())
}

/// Whether this request is a form posted by a browser without JavaScript (it accepts HTML, and
/// Leptos answers it by sending the browser back to the page, with any error in the address).
pub async fn is_plain_form_post() -> bool {
    leptos_axum::extract::<http::HeaderMap>()
        .await
        .ok()
        .and_then(|headers| {
            headers
                .get(http::header::ACCEPT)
                .and_then(|accept| accept.to_str().ok())
                .map(|accept| accept.contains("text/html"))
        })
        .unwrap_or(false)
}

/// Turns a rule's refusal of `actor` into the "you do not have access" error, and records the
/// refusal in the audit trail: who, what (the server function asked) and from where. The record
/// is written beside the request, so a refusal costs the person no wait.
pub fn allowed(actor: &Actor, decision: Result<(), Refusal>) -> Result<(), AppError> {
    decision.map_err(|refusal| {
        record_refusal(actor, refusal);
        AppError::Forbidden(refusal.to_string())
    })
}

/// Where a request came from, put on it by the server shell's middleware: the socket's peer, or
/// behind a load balancer (`TRUST_PROXY=1`) the last address in X-Forwarded-For, the one our own
/// proxy added.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientAddress(pub String);

/// Where this request came from ([`ClientAddress`]), or "unknown".
pub fn client_address() -> String {
    leptos::prelude::use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<ClientAddress>().cloned())
        .map_or_else(|| "unknown".into(), |ClientAddress(address)| address)
}

/// Counts an attempt under `what` against the account it names and the client's address (see
/// `store::accounts::claim_attempt`), or turns it away in `allowed`'s words. A refusal is tallied
/// for the audit trail's summary of the window (`store::refused_attempts`), not written.
pub async fn claim_attempt(
    what: Throttled,
    named: &str,
    minutes: i64,
    allowed: fn(i64, i64) -> Result<(), String>,
) -> Result<String, AppError> {
    let state =
        leptos::prelude::use_context::<crate::state::AppState>().ok_or(AppError::Internal)?;
    let client = client_address();
    let refusal =
        match accounts::claim_attempt(&state.db, what, named, &client, minutes, allowed).await? {
            Ok(attempt) => return Ok(attempt),
            Err(refusal) => refusal,
        };
    let source = throttle_source(&client);
    let opened = state.refused_attempts.tally(
        what,
        &source,
        what.account_subject(named),
        &refusal,
        SignedDuration::from_mins(minutes),
        Timestamp::now(),
    );
    if opened {
        tracing::warn!(
            %source,
            action = what.refused_action(),
            "the limit turns attempts away; the audit trail gets their summary when its window closes"
        );
    }
    Err(AppError::Invalid(refusal))
}

fn record_refusal(actor: &Actor, refusal: Refusal) {
    record_refusal_of(Some(actor.account_id.clone()), None, refusal.to_string());
}

/// Records in the audit trail, as [`allowed`] does, a refusal made where the person asking is not
/// at hand (the lifecycle's and the store's refusals, turned into errors by `?`): the session
/// names them.
pub fn record_refused(reason: &str) {
    let session = leptos::prelude::use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<Session>().cloned());
    record_refusal_of(None, session, reason.to_string());
}

/// Writes the "refused" record beside the request: who (`account`, or the account `session`
/// names, or "anonymous"), what (the server function asked), from where, and why.
fn record_refusal_of(account: Option<String>, session: Option<Session>, reason: String) {
    let Some(state) = leptos::prelude::use_context::<crate::state::AppState>() else {
        return;
    };
    let asked = leptos::prelude::use_context::<http::request::Parts>()
        .map(|parts| parts.uri.path().to_string())
        .unwrap_or_default();
    let from = format!("from {}", client_address());
    tokio::spawn(async move {
        let account = match (account, session) {
            (Some(account), _) => Some(account),
            (None, Some(session)) => session.get::<String>(ACCOUNT_KEY).await.ok().flatten(),
            (None, None) => None,
        }
        .unwrap_or_else(|| "anonymous".into());
        let recorded = async {
            let mut tx = state.db.begin_write().await?;
            crate::store::audit::record(
                &mut tx,
                crate::store::audit::AuditEntry {
                    actor: &account,
                    action: "refused",
                    entity_type: "request",
                    entity_id: &asked,
                    after: Some(from),
                    reason: Some(reason),
                    ..Default::default()
                },
            )
            .await?;
            tx.commit().await
        };
        if let Err(error) = recorded.await {
            tracing::error!(%error, "recording a refused request in the audit trail");
        }
    });
}

/// Starts a signed-in session under a new id, so an id planted before sign-in is useless; with
/// `with_second_factor` when sign-in took one.
pub async fn start_session(account_id: &str, with_second_factor: bool) -> Result<(), AppError> {
    issue_session(account_id, with_second_factor, &crate::store::now_utc()).await
}

/// Starts the signed-in person's session afresh under a new id (after ending their others),
/// keeping when they signed in, so the absolute limit still counts from then, and whether
/// sign-in took a second factor.
pub async fn restart_session(account_id: &str) -> Result<(), AppError> {
    let session = session().await?;
    let with_second_factor: Option<bool> = session
        .get(WITH_SECOND_FACTOR_KEY)
        .await
        .map_err(session_error)?;
    let signed_in_at: Option<String> =
        session.get(SIGNED_IN_AT_KEY).await.map_err(session_error)?;
    let signed_in_at = signed_in_at.ok_or(AppError::SignInRequired)?;
    issue_session(account_id, with_second_factor == Some(true), &signed_in_at).await
}

/// Clears the session and gives it a new id, signed in as `account_id` since `signed_in_at`.
async fn issue_session(
    account_id: &str,
    with_second_factor: bool,
    signed_in_at: &str,
) -> Result<(), AppError> {
    let session = session().await?;
    session.clear().await;
    session.cycle_id().await.map_err(session_error)?;
    let now = crate::store::now_utc();
    for (key, value) in [
        (
            WITH_SECOND_FACTOR_KEY,
            serde_json::json!(with_second_factor),
        ),
        (ACCOUNT_KEY, serde_json::json!(account_id)),
        (SIGNED_IN_AT_KEY, serde_json::json!(signed_in_at)),
        (ISSUED_AT_KEY, serde_json::json!(now)),
        (ACTIVE_AT_KEY, serde_json::json!(now)),
    ] {
        session.insert(key, value).await.map_err(session_error)?;
    }
    Ok(())
}

/// Ends the session server-side: the record is deleted and the cookie cleared.
pub async fn end_session() -> Result<(), AppError> {
    session().await?.flush().await.map_err(session_error)
}
