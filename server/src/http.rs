//! The HTTP router: Leptos pages and server functions, the health check, static files, and the
//! middleware every response passes through (tracing, compression, security headers).

use app::state::AppState;
use app::store::sessions::DbSessionStore;
use app::{shell, App};
use axum::{
    extract::{Request, State},
    http::{header, HeaderValue, Method, StatusCode},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::get,
    Router,
};
use base64::Engine;
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, LeptosRoutes};
use rand::RngCore;
use tower_http::{compression::CompressionLayer, trace::TraceLayer};
use tower_sessions::{cookie::SameSite, Expiry, SessionManagerLayer};

/// A session ends after this long without a request (and 12 hours after sign-in regardless:
/// see app::api::guard).
pub const IDLE_TIMEOUT_MINUTES: i64 = 30;

/// A fresh random value per response, allowed by the CSP to run the one inline hydration script.
#[derive(Clone, Debug)]
struct CspNonce(String);

/// The session cookie: HttpOnly and SameSite=Lax always; over HTTPS also Secure, with the
/// __Host- prefix that pins it to this host and path.
fn session_layer(state: &AppState, cookie_secure: bool) -> SessionManagerLayer<DbSessionStore> {
    SessionManagerLayer::new(DbSessionStore::new(state.db.clone()))
        .with_name(if cookie_secure {
            "__Host-dma-session"
        } else {
            "dma-session"
        })
        .with_secure(cookie_secure)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(time::Duration::minutes(
            IDLE_TIMEOUT_MINUTES,
        )))
        .with_always_save(true)
}

pub fn router(state: AppState, cookie_secure: bool) -> Router {
    let routes = generate_route_list(App);
    let leptos_options = state.leptos_options.clone();
    let sessions = session_layer(&state, cookie_secure);
    Router::new()
        .route("/healthz", get(healthz))
        .leptos_routes_with_context(&state, routes, provide_request_nonce, move || {
            shell(leptos_options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(sessions)
        .layer(middleware::from_fn(refuse_cross_site_writes))
        .layer(middleware::from_fn(security_headers))
        .layer(CompressionLayer::new())
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// 200 when the database answers, 503 when it does not.
async fn healthz(State(state): State<AppState>) -> Response {
    match state.db.ping().await {
        Ok(()) => (StatusCode::OK, "ok").into_response(),
        Err(error) => {
            tracing::error!(%error, "health check: database did not answer");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
}

/// Hands the middleware's nonce to Leptos so the hydration script carries the one the CSP allows.
fn provide_request_nonce() {
    if let Some(parts) = leptos::prelude::use_context::<axum::http::request::Parts>() {
        if let Some(CspNonce(nonce)) = parts.extensions.get::<CspNonce>() {
            provide_context(leptos::nonce::Nonce::from_value(nonce.as_str()));
        }
    }
}

/// The CSRF defence: a request that can change state (anything but GET, HEAD and OPTIONS) must
/// come from this site. Browsers say where a request comes from in Sec-Fetch-Site, and older
/// ones in Origin; a request with neither is not from a browser, so carries no ambient cookie risk.
async fn refuse_cross_site_writes(request: Request, next: Next) -> Response {
    if matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    ) {
        return next.run(request).await;
    }
    let headers = request.headers();
    let same_site = match headers
        .get("sec-fetch-site")
        .and_then(|value| value.to_str().ok())
    {
        Some(site) => site == "same-origin" || site == "none",
        None => match headers
            .get(header::ORIGIN)
            .and_then(|value| value.to_str().ok())
        {
            Some(origin) => {
                let origin_host = origin.split_once("://").map_or(origin, |(_, host)| host);
                headers
                    .get(header::HOST)
                    .and_then(|value| value.to_str().ok())
                    == Some(origin_host)
            }
            None => true,
        },
    };
    if same_site {
        next.run(request).await
    } else {
        tracing::warn!(path = %request.uri().path(), "refused a cross-site request that could change state");
        (StatusCode::FORBIDDEN, "This request came from another website, so it was refused. Go back to the service and try again.").into_response()
    }
}

async fn security_headers(mut request: Request, next: Next) -> Response {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    let nonce = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    request.extensions_mut().insert(CspNonce(nonce.clone()));
    let mut response = next.run(request).await;
    let csp = format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self'; \
         img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; \
         base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    );
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_str(&csp).expect("the CSP is ASCII"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("strict-origin-when-cross-origin"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::HeaderName::from_static("permissions-policy"),
        HeaderValue::from_static("camera=(), microphone=(), geolocation=()"),
    );
    response
}
