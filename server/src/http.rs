//! The HTTP router: Leptos pages and server functions, the health check, static files, and the
//! middleware every response passes through (tracing, compression, caching rules, security
//! headers); and the listener that serves it.
//!
//! What a browser or proxy may keep, by kind of response:
//! - static files (the site root: `/pkg/`, the NHS.UK assets): a file whose name carries
//!   cargo-leptos's content hash never changes, so it is kept for a year (`immutable`); any other
//!   is kept briefly ([`SHORT_LIVED`]) or, under `/pkg/`, revalidated every time. Brotli and gzip
//!   copies built beside a file (`cargo leptos build --release --precompress`) are sent as they
//!   are, never compressed per request;
//! - the public pages (the organisation directory and the home page) to a request without a
//!   session cookie: from [`page_cache`], with an ETag, revalidated every time;
//! - everything else, and every response to a request with a session cookie: `no-store`.

mod client_address;
mod downloads;
mod evidence_files;
mod page_cache;
mod people_upload;

use app::state::AppState;
use app::store::sessions::DbSessionStore;
use app::{shell, App};
use axum::{
    extract::{DefaultBodyLimit, Request, State},
    handler::Handler,
    http::{header, HeaderValue, Method, StatusCode},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::{get, post},
    serve::ListenerExt,
    Extension, Router,
};
use base64::Engine;
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, LeptosRoutes};
use rand::RngCore;
use std::sync::Arc;
use tower::Layer;
use tower_http::{compression::CompressionLayer, services::ServeDir, trace::TraceLayer};
use tower_sessions::{cookie::SameSite, Expiry, SessionManagerLayer};

use page_cache::PageCache;
pub use page_cache::RECHECK_DATA_EVERY;

/// A session ends after this long without a request (and 12 hours after sign-in regardless:
/// see app::api::guard).
pub const IDLE_TIMEOUT_MINUTES: i64 = 30;

/// The session cookie over plain HTTP, and over HTTPS (`COOKIE_SECURE=1`).
pub const SESSION_COOKIE: &str = "dma-session";
pub const SECURE_SESSION_COOKIE: &str = "__Host-dma-session";

/// Where the NHS.UK stylesheet loads its Frutiger web font from, unless `FONT_ORIGIN` says otherwise.
pub const DEFAULT_FONT_ORIGIN: &str = "https://assets.nhs.uk";

/// A static file whose URL carries its content's hash: it can never change.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// A static file at a fixed URL outside `/pkg/` (the NHS.UK stylesheet and icons): they change
/// only when the NHS.UK frontend is upgraded, so a browser may use its copy for an hour.
pub const SHORT_LIVED: &str = "public, max-age=3600";
/// A file at a fixed URL under `/pkg/` (a build without hashed names): asked again every time.
pub const REVALIDATE: &str = "no-cache";
/// Anything rendered per request that is not a cached public page.
pub const NO_STORE: &str = "no-store";

/// What the router needs besides the application state.
#[derive(Clone, Debug)]
pub struct HttpSettings {
    /// Served over HTTPS (an https `PUBLIC_URL`, or `COOKIE_SECURE`): the session cookie is
    /// `Secure` and `__Host-`, and Strict-Transport-Security is sent.
    pub cookie_secure: bool,
    /// `FONT_ORIGIN`: the origin besides this site that the CSP lets fonts load from; None: none.
    pub font_origin: Option<String>,
    /// Evidence files' store, scanner and limits; None: no upload or download routes.
    pub evidence: Option<Arc<crate::evidence::EvidenceFiles>>,
}

impl HttpSettings {
    /// The defaults: NHS.UK's font host allowed.
    pub fn new(cookie_secure: bool) -> HttpSettings {
        HttpSettings {
            cookie_secure,
            font_origin: Some(DEFAULT_FONT_ORIGIN.to_string()),
            evidence: None,
        }
    }
}

/// A fresh random value per response, allowed by the CSP to run the page's inline scripts.
#[derive(Clone, Debug)]
struct CspNonce(Arc<str>);

/// What the CSP allows to run instead of the request's nonce: a cached page, sent to many people,
/// allows its own inline scripts by their hashes (see [`page_cache`]), so that no nonce is ever
/// used twice.
#[derive(Clone, Debug)]
struct CspScriptSources(Arc<str>);

/// Marks a response as an uploaded file: its CSP is [`SANDBOXED`], not a page's.
#[derive(Clone, Copy, Debug)]
struct SandboxedFile;

/// The CSP of an uploaded file: nothing in it may load or run, and opened in the browser it is
/// in a sandbox of its own origin.
pub const SANDBOXED: &str = "sandbox; default-src 'none'; frame-ancestors 'none'";

/// Marks a response as a static file, whose caching rule is its own.
#[derive(Clone, Copy, Debug)]
struct StaticFile;

/// Serves `router` on `listener` until `shutdown` completes. Every accepted connection has
/// TCP_NODELAY set: hyper writes a response's head and body separately, and with Nagle's
/// algorithm the body waited for the client's delayed ACK of the head (about 40 ms per response
/// on a kept-alive connection).
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let listener = listener.tap_io(|connection| {
        if let Err(error) = connection.set_nodelay(true) {
            tracing::warn!(%error, "could not set TCP_NODELAY on a connection");
        }
    });
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

/// The session cookie: HttpOnly and SameSite=Lax always; over HTTPS also Secure, with the
/// __Host- prefix that pins it to this host and path. A session is written only when it changes:
/// signing in, and the idle timer that `guard` refreshes (at most once a minute) when a signed-in
/// person's request reaches a server function; a static file or a made-up cookie writes nothing.
fn session_layer(state: &AppState, cookie_secure: bool) -> SessionManagerLayer<DbSessionStore> {
    SessionManagerLayer::new(DbSessionStore::new(state.db.clone()))
        .with_name(if cookie_secure {
            SECURE_SESSION_COOKIE
        } else {
            SESSION_COOKIE
        })
        .with_secure(cookie_secure)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(time::Duration::minutes(
            IDLE_TIMEOUT_MINUTES,
        )))
}

/// The router with the default settings (NHS.UK's font host allowed).
pub fn router(state: AppState, cookie_secure: bool) -> Router {
    router_with(state, HttpSettings::new(cookie_secure))
}

pub fn router_with(state: AppState, settings: HttpSettings) -> Router {
    let pages = Arc::new(PageCache::new(state.db.clone()));
    router_with_cache(state, settings, pages)
}

fn router_with_cache(state: AppState, settings: HttpSettings, pages: Arc<PageCache>) -> Router {
    let routes = route_list();
    let leptos_options = state.leptos_options.clone();
    let sessions = session_layer(&state, settings.cookie_secure);
    let csp = Arc::new(ContentSecurityPolicy::new(settings.font_origin.as_deref()));
    let router = Router::new()
        .route("/healthz", get(healthz))
        .route("/results/{cycle}/{file}", get(downloads::results_download))
        .route(
            "/admin/cycles/{id}/results/{file}",
            get(downloads::full_data_download),
        )
        .route(
            app::pages::people_import::UPLOAD_PATH,
            post(people_upload::upload).layer(DefaultBodyLimit::max(people_upload::BODY_LIMIT)),
        )
        .route(
            app::pages::people_import::TEMPLATE_PATH,
            get(people_upload::template),
        );
    // What the domain pages say of the limits and scanning (see `provide_request_nonce`).
    let evidence_settings = settings.evidence.as_ref().map(|files| files.settings());
    let router = match settings.evidence {
        Some(files) => {
            // The file's own limit is enforced as it streams in; this bounds the whole form.
            let form_limit = usize::try_from(files.limits.max_file_bytes)
                .unwrap_or(usize::MAX)
                .saturating_add(1024 * 1024);
            router
                .route(
                    "/assessments/{id}/domains/{key}/evidence",
                    post(evidence_files::upload).layer(DefaultBodyLimit::max(form_limit)),
                )
                .route("/evidence/{attachment}", get(evidence_files::download))
                .layer(Extension(files))
        }
        None => router,
    };
    router
        .leptos_routes_with_context(&state, routes, provide_request_nonce, move || {
            shell(leptos_options.clone())
        })
        .fallback_service(static_files(&state))
        .layer(Extension(evidence_settings))
        .layer(sessions)
        .layer(middleware::from_fn(refuse_cross_site_writes))
        .layer(middleware::from_fn_with_state(pages, page_cache::caching))
        .layer(middleware::from_fn_with_state(csp, security_headers))
        .layer(middleware::from_fn_with_state(
            settings.cookie_secure,
            strict_transport_security,
        ))
        .layer(middleware::from_fn_with_state(
            state.trust_proxy,
            client_address::client_address,
        ))
        .layer(CompressionLayer::new())
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// The app's routes, listed once per process. Listing them renders the app once, and while it
/// does Leptos sets a flag for the whole process that leaves every `Resource` first polled
/// meanwhile pending forever (`IS_SUPPRESSING_RESOURCE_LOAD`, leptos-rs/leptos#4773): listed per
/// router, a page that another router was rendering at that moment (another test's server, in
/// the tests) never answered.
fn route_list() -> Vec<leptos_axum::AxumRouteListing> {
    static ROUTES: std::sync::OnceLock<Vec<leptos_axum::AxumRouteListing>> =
        std::sync::OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

/// Files under the site root, with their precompressed copies, and the "page not found" page for
/// anything else (with the request's CSP nonce, like every other page).
fn static_files(
    state: &AppState,
) -> impl tower::Service<
    Request,
    Response = Response,
    Error = std::convert::Infallible,
    Future = impl Send,
> + Clone
       + Send
       + Sync
       + 'static {
    let not_found = leptos_axum::file_and_error_handler_with_context::<AppState, _>(
        provide_request_nonce,
        shell,
    )
    .with_state(state.clone());
    let files = ServeDir::new(&*state.leptos_options.site_root)
        .precompressed_br()
        .precompressed_gzip()
        .call_fallback_on_method_not_allowed(true)
        .fallback(not_found);
    let pkg_dir: Arc<str> =
        format!("/{}/", state.leptos_options.site_pkg_dir.trim_matches('/')).into();
    middleware::from_fn_with_state(pkg_dir, static_cache_control).layer(files)
}

/// Sets how long a static file may be kept, by its URL: see [`static_policy`].
async fn static_cache_control(
    State(pkg_dir): State<Arc<str>>,
    request: Request,
    next: Next,
) -> Response {
    let policy = static_policy(request.uri().path(), &pkg_dir);
    let mut response = next.run(request).await;
    let status = response.status();
    if status.is_success() || status == StatusCode::NOT_MODIFIED {
        let headers = response.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
        // Which copy is sent (brotli, gzip or neither) depends on Accept-Encoding.
        headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
        response.extensions_mut().insert(StaticFile);
    }
    response
}

/// The caching rule of a static file at `path`.
fn static_policy(path: &str, pkg_dir: &str) -> &'static str {
    match path.strip_prefix(pkg_dir) {
        Some(file) if has_content_hash(file.rsplit('/').next().unwrap_or(file)) => IMMUTABLE,
        Some(_) => REVALIDATE,
        None => SHORT_LIVED,
    }
}

/// Whether a file name carries cargo-leptos's content hash (`hash-files`): `dma.<hash>.css`,
/// where the hash is an MD5 in unpadded URL-safe base64, 22 characters.
fn has_content_hash(file_name: &str) -> bool {
    let parts: Vec<&str> = file_name.split('.').collect();
    parts.len() >= 3
        && parts[1..parts.len() - 1].iter().any(|part| {
            part.len() == 22
                && part
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

/// With `LEPTOS_HASH_FILES=true`, Leptos links the wasm, JS and CSS by the hashes cargo-leptos
/// wrote to `hash_file` (beside the server binary); a site built without hashed names (or a hash
/// file from another build) would leave every page without its script and stylesheet. Refuses to
/// start then, and warns when the site has hashed names but hashing is off.
pub fn check_site(
    options: &leptos::config::LeptosOptions,
    hash_file: &std::path::Path,
) -> anyhow::Result<()> {
    let pkg = std::path::Path::new(&*options.site_root).join(&*options.site_pkg_dir);
    let name = &*options.output_name;
    if !options.hash_files {
        if !pkg.join(format!("{name}.js")).exists() && hash_file.exists() {
            tracing::warn!(
                "{} has no {name}.js: if the site was built with LEPTOS_HASH_FILES=true, the server needs it too",
                pkg.display()
            );
        }
        return Ok(());
    }
    let hashes = std::fs::read_to_string(hash_file).map_err(|error| {
        anyhow::anyhow!(
            "LEPTOS_HASH_FILES=true but the hash file {} cannot be read ({error}); build the site with LEPTOS_HASH_FILES=true and keep hash.txt beside the server binary",
            hash_file.display()
        )
    })?;
    for line in hashes.lines() {
        let Some((extension, hash)) = line.split_once(':') else {
            continue;
        };
        let (extension, hash) = (extension.trim(), hash.trim());
        if !matches!(extension, "js" | "wasm" | "css") {
            continue;
        }
        let file = pkg.join(format!("{name}.{hash}.{extension}"));
        anyhow::ensure!(
            file.exists(),
            "{} names {}, which is not in the site: the site and the hash file come from different builds",
            hash_file.display(),
            file.display()
        );
    }
    Ok(())
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
/// Leptos provides a random nonce of its own first; this replaces it. Also hands on the evidence
/// settings the domain pages show.
fn provide_request_nonce() {
    if let Some(parts) = leptos::prelude::use_context::<axum::http::request::Parts>() {
        if let Some(CspNonce(nonce)) = parts.extensions.get::<CspNonce>() {
            provide_context(leptos::nonce::Nonce::from_value(nonce.clone()));
        }
        if let Some(Some(evidence)) = parts
            .extensions
            .get::<Option<app::api::evidence_files::EvidenceSettings>>()
        {
            provide_context(*evidence);
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

/// The Content-Security-Policy, but for the scripts it allows: what comes before and after them.
#[derive(Debug)]
struct ContentSecurityPolicy {
    before_scripts: String,
    after_scripts: String,
}

impl ContentSecurityPolicy {
    fn new(font_origin: Option<&str>) -> ContentSecurityPolicy {
        let font_src = match font_origin {
            Some(origin) => format!("'self' {origin}"),
            None => "'self'".to_string(),
        };
        ContentSecurityPolicy {
            before_scripts: "default-src 'self'; script-src 'self' ".to_string(),
            after_scripts: format!(
                "'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; font-src {font_src}; \
                 connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; \
                 frame-ancestors 'none'"
            ),
        }
    }

    /// The policy allowing `scripts` (CSP sources, each followed by a space) to run.
    fn allowing(&self, scripts: &str) -> String {
        [
            self.before_scripts.as_str(),
            scripts,
            self.after_scripts.as_str(),
        ]
        .concat()
    }
}

async fn security_headers(
    State(csp): State<Arc<ContentSecurityPolicy>>,
    mut request: Request,
    next: Next,
) -> Response {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    let nonce: Arc<str> = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(bytes)
        .into();
    request.extensions_mut().insert(CspNonce(nonce.clone()));
    let mut response = next.run(request).await;
    let policy = match response.extensions_mut().remove::<CspScriptSources>() {
        _ if response.extensions().get::<SandboxedFile>().is_some() => SANDBOXED.to_string(),
        Some(CspScriptSources(scripts)) => csp.allowing(&scripts),
        None => csp.allowing(&format!("'nonce-{nonce}' ")),
    };
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_str(&policy).expect("the CSP is ASCII"),
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

/// Over HTTPS, tells browsers to use nothing else for this host for a year.
async fn strict_transport_security(
    State(over_https): State<bool>,
    request: Request,
    next: Next,
) -> Response {
    let mut response = next.run(request).await;
    if over_https {
        response.headers_mut().insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    response
}

#[cfg(test)]
mod tests;
