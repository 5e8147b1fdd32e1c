//! The public pages, served from memory. The organisation directory (`/organisations`, an ICB's
//! page, a trust's page) shows only the current organisation snapshot, the results pages only
//! published versions (which never change; a correction is a new version), and the home page
//! nothing that changes, so what a person who is not signed in sees is the same for everyone until
//! a new snapshot is imported or a new version published.
//!
//! Each such page is rendered once per snapshot and results generation, compressed once (brotli
//! and gzip), and kept with a strong ETag per encoding; a request whose If-None-Match names it
//! gets 304. The entries are keyed on the path and query under the current snapshot's id and the
//! number of versions published, which are read from the database
//! at most once every [`RECHECK_DATA_EVERY`] (an import runs in another process), and dropped when
//! it changes.
//!
//! What is never cached: a request with a session cookie (the header shows the person's menu, and
//! pages may differ by role), a response that sets a cookie, a response other than 200, and any
//! other page. All of those get `Cache-Control: no-store`, as does everything else rendered per
//! request; static files keep their own rule (see [`super::static_cache_control`]).
//!
//! A cached page is sent to many people, so a nonce in it would be used many times, and a nonce
//! anyone can read off a public page guards nothing. The CSP of a cached page (200 or 304) allows
//! instead exactly its own inline scripts, by their SHA-256 hashes, computed when it is stored;
//! the `nonce` attributes left in it from rendering then match nothing.

use super::{CspScriptSources, StaticFile, NO_STORE, SECURE_SESSION_COOKIE, SESSION_COOKIE};
use app::store::{organisations, results, Db};
use axum::{
    body::{Body, Bytes},
    extract::{Request, State},
    http::{header, HeaderMap, HeaderValue, Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};
use base64::Engine;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::{Duration, Instant};

/// How long the current snapshot's id is trusted before it is read again: a newly imported
/// snapshot shows within this time.
pub const RECHECK_DATA_EVERY: Duration = Duration::from_secs(1);
/// At most this many pages are kept (every ICB and trust page is about 260); beyond it, one is
/// dropped for each new one, so that searches cannot grow memory without bound.
pub const MAX_PAGES: usize = 1024;
/// A page bigger than this is served but not kept.
pub const MAX_PAGE_BYTES: usize = 1 << 20;
/// A search longer than this is served but not kept.
const MAX_QUERY_BYTES: usize = 200;

const REVALIDATE_PUBLIC: &str = "public, max-age=0, must-revalidate";

/// The cache, shared by every request of one router.
pub(crate) struct PageCache {
    db: Db,
    recheck_every: Duration,
    /// The data the pages show (the current snapshot's id), and when it was read.
    data: Mutex<Option<(Instant, Arc<str>)>>,
    pages: RwLock<Pages>,
    /// The pages being rendered now, each with the turn those who want it wait for.
    rendering: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

#[derive(Default)]
struct Pages {
    /// The data version every entry was rendered from.
    data: Arc<str>,
    by_path: HashMap<String, Arc<CachedPage>>,
}

impl PageCache {
    pub fn new(db: Db) -> PageCache {
        PageCache::with_recheck(db, RECHECK_DATA_EVERY)
    }

    /// As `new`, reading the current snapshot's id again after `recheck_every`.
    pub fn with_recheck(db: Db, recheck_every: Duration) -> PageCache {
        PageCache {
            db,
            recheck_every,
            data: Mutex::new(None),
            pages: RwLock::new(Pages::default()),
            rendering: Mutex::new(HashMap::new()),
        }
    }

    /// How many pages are kept now.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.pages
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .by_path
            .len()
    }

    /// The data the pages show now: the organisation snapshot's id (empty before any is loaded)
    /// and how many versions of results are published; None when the database cannot say, and
    /// then nothing is served from the cache.
    async fn data_version(&self) -> Option<Arc<str>> {
        {
            let data = self.data.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some((read_at, version)) = &*data {
                if read_at.elapsed() < self.recheck_every {
                    return Some(version.clone());
                }
            }
        }
        let read = async {
            let snapshot = organisations::current_snapshot(&self.db).await?;
            let results = results::generation(&self.db).await?;
            Ok::<_, sqlx::Error>((snapshot, results))
        };
        match read.await {
            Ok((snapshot, results)) => {
                let snapshot = snapshot.map(|s| s.id).unwrap_or_default();
                let version: Arc<str> = format!("{snapshot}/{results}").into();
                *self.data.lock().unwrap_or_else(PoisonError::into_inner) =
                    Some((Instant::now(), version.clone()));
                Some(version)
            }
            Err(error) => {
                tracing::error!(%error, "reading the organisation snapshot and results version for the page cache");
                None
            }
        }
    }

    fn get(&self, data: &str, key: &str) -> Option<Arc<CachedPage>> {
        let pages = self.pages.read().unwrap_or_else(PoisonError::into_inner);
        if *pages.data != *data {
            return None;
        }
        pages.by_path.get(key).cloned()
    }

    fn insert(&self, data: Arc<str>, key: String, page: Arc<CachedPage>) {
        // A page rendered while the data changed is not kept under either version.
        let current = self
            .data
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
            .map(|(_, version)| version.clone());
        if current.as_deref() != Some(&*data) {
            return;
        }
        let mut pages = self.pages.write().unwrap_or_else(PoisonError::into_inner);
        if pages.data != data {
            pages.by_path.clear();
            pages.data = data;
        }
        if pages.by_path.len() >= MAX_PAGES && !pages.by_path.contains_key(&key) {
            if let Some(victim) = pages.by_path.keys().next().cloned() {
                pages.by_path.remove(&victim);
            }
        }
        pages.by_path.insert(key, page);
    }

    /// A public page from the cache, or rendered by `next` and kept if it may be.
    async fn serve(&self, data: Arc<str>, request: Request, next: Next) -> Response {
        let key = request
            .uri()
            .path_and_query()
            .map_or("/", |path| path.as_str())
            .to_string();
        let wanted = Wanted::from(request.headers());
        if let Some(page) = self.get(&data, &key) {
            return page.respond(&wanted);
        }
        // One render of a page at a time: those who ask for it meanwhile wait and are served
        // that render. Without this, right after a start 200 people rendered the same results
        // pages together and held every database connection for seconds.
        let turn = self
            .rendering
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(key.clone())
            .or_default()
            .clone();
        let _turn = turn.lock().await;
        let _forget_turn = ForgetTurn {
            rendering: &self.rendering,
            key: key.clone(),
        };
        if let Some(page) = self.get(&data, &key) {
            return page.respond(&wanted);
        }
        let response = next.run(request).await;
        let is_html = response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|value| value.starts_with("text/html"));
        if response.status() != StatusCode::OK
            || !is_html
            || response.headers().contains_key(header::SET_COOKIE)
            || response.headers().contains_key(header::CONTENT_ENCODING)
        {
            return no_store(response);
        }
        let (parts, body) = response.into_parts();
        let body = match axum::body::to_bytes(body, usize::MAX).await {
            Ok(body) => body,
            Err(error) => {
                tracing::error!(%error, path = %key, "rendering a public page failed");
                return no_store(StatusCode::INTERNAL_SERVER_ERROR.into_response());
            }
        };
        if body.len() > MAX_PAGE_BYTES {
            return no_store(Response::from_parts(parts, Body::from(body)));
        }
        let headers = parts.headers;
        let page = match tokio::task::spawn_blocking(move || CachedPage::new(headers, body)).await {
            Ok(page) => Arc::new(page),
            Err(error) => {
                tracing::error!(%error, path = %key, "compressing a public page failed");
                return no_store(StatusCode::INTERNAL_SERVER_ERROR.into_response());
            }
        };
        self.insert(data, key, page.clone());
        page.respond(&wanted)
    }
}

/// Forgets a page's render turn once its render is over (before the turn is handed on: whoever
/// waited for it finds the page kept, or renders it in a turn of their own).
struct ForgetTurn<'a> {
    rendering: &'a Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    key: String,
}

impl Drop for ForgetTurn<'_> {
    fn drop(&mut self) {
        self.rendering
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&self.key);
    }
}

/// The rule for every response but static files: a public page to a request without a session
/// cookie comes from the cache; anything else rendered per request is `no-store`.
pub(super) async fn caching(
    State(cache): State<Arc<PageCache>>,
    request: Request,
    next: Next,
) -> Response {
    if request.method() == Method::GET
        && !has_session_cookie(request.headers())
        && is_public_page(request.uri().path(), request.uri().query())
    {
        if let Some(data) = cache.data_version().await {
            return cache.serve(data, request, next).await;
        }
    }
    let response = next.run(request).await;
    if response.extensions().get::<StaticFile>().is_some() {
        response
    } else {
        no_store(response)
    }
}

fn no_store(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static(NO_STORE));
    response
}

/// Whether the request carries a session cookie, valid or not: such a person may be signed in.
fn has_session_cookie(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|cookie| cookie.split_once('='))
        .any(|(name, _)| matches!(name.trim(), SESSION_COOKIE | SECURE_SESSION_COOKIE))
}

/// The pages that show the same to everyone who is not signed in, and change only with the
/// organisation snapshot or a new published version of results (the routes in app::pages): the
/// home page, the directory (and a search of it), an ICB's page, a trust's page, and the results
/// pages with their filters.
fn is_public_page(path: &str, query: Option<&str>) -> bool {
    let query = query.unwrap_or("");
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    if segments[0] == "results" {
        let plain = |segment: &&str| !segment.is_empty() && !segment.contains('.');
        let page = match segments[1..] {
            [] => true,
            [cycle] | [cycle, "trusts"] => plain(&cycle),
            [cycle, "trusts" | "ics", code] => plain(&cycle) && plain(&code),
            _ => false,
        };
        return page && query.len() <= MAX_QUERY_BYTES;
    }
    match path {
        "/" => query.is_empty(),
        "/organisations" => {
            query.is_empty()
                || (query.len() <= MAX_QUERY_BYTES
                    && query.starts_with("q=")
                    && !query.contains('&'))
        }
        _ => {
            query.is_empty()
                && ["/organisations/icbs/", "/organisations/trusts/"]
                    .iter()
                    .filter_map(|prefix| path.strip_prefix(prefix))
                    .any(|code| !code.is_empty() && !code.contains('/'))
        }
    }
}

/// One page as rendered, and compressed.
struct CachedPage {
    /// The rendered response's headers (its content type), without its length.
    headers: HeaderMap,
    identity: Variant,
    brotli: Variant,
    gzip: Variant,
    /// The CSP sources that allow the page's inline scripts: `'sha256-…' ` for each.
    scripts: CspScriptSources,
}

struct Variant {
    body: Bytes,
    /// A strong validator: the page's hash, and the encoding.
    etag: HeaderValue,
    encoding: Option<HeaderValue>,
}

impl CachedPage {
    fn new(mut headers: HeaderMap, body: Bytes) -> CachedPage {
        headers.remove(header::CONTENT_LENGTH);
        headers.remove(header::TRANSFER_ENCODING);
        let digest = Sha256::digest(&body);
        let hash: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
        let etag = |suffix: &str| {
            HeaderValue::from_str(&format!("\"{hash}{suffix}\"")).expect("hex is a valid header")
        };
        let mut brotli = brotli::CompressorWriter::new(Vec::new(), 4096, 11, 22);
        brotli
            .write_all(&body)
            .expect("compressing into memory cannot fail");
        let brotli = brotli.into_inner();
        let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gzip.write_all(&body)
            .expect("compressing into memory cannot fail");
        let gzip = gzip.finish().expect("compressing into memory cannot fail");
        let scripts =
            CspScriptSources(inline_script_hashes(&String::from_utf8_lossy(&body)).into());
        CachedPage {
            headers,
            brotli: Variant {
                body: brotli.into(),
                etag: etag(".br"),
                encoding: Some(HeaderValue::from_static("br")),
            },
            gzip: Variant {
                body: gzip.into(),
                etag: etag(".gz"),
                encoding: Some(HeaderValue::from_static("gzip")),
            },
            identity: Variant {
                body,
                etag: etag(""),
                encoding: None,
            },
            scripts,
        }
    }

    fn respond(&self, wanted: &Wanted) -> Response {
        let variant = match wanted.encoding {
            Encoding::Brotli => &self.brotli,
            Encoding::Gzip => &self.gzip,
            Encoding::Identity => &self.identity,
        };
        let mut response = if wanted.has_unchanged(&variant.etag) {
            StatusCode::NOT_MODIFIED.into_response()
        } else {
            let mut response = Response::new(Body::from(variant.body.clone()));
            *response.headers_mut() = self.headers.clone();
            if let Some(encoding) = &variant.encoding {
                response
                    .headers_mut()
                    .insert(header::CONTENT_ENCODING, encoding.clone());
            }
            response
                .headers_mut()
                .insert(header::CONTENT_LENGTH, variant.body.len().into());
            response
        };
        let headers = response.headers_mut();
        headers.insert(header::ETAG, variant.etag.clone());
        headers.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static(REVALIDATE_PUBLIC),
        );
        // A shared cache must not give this page to a request with a session cookie.
        headers.insert(
            header::VARY,
            HeaderValue::from_static("accept-encoding, cookie"),
        );
        response.extensions_mut().insert(self.scripts.clone());
        response
    }
}

/// The CSP sources allowing each inline `<script>` of `html` by its content's SHA-256, each followed
/// by a space. A script's content is its raw text up to `</script>`, which is what browsers hash.
fn inline_script_hashes(html: &str) -> String {
    let mut sources = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<script") {
        let tag = &rest[start + "<script".len()..];
        let Some(tag_end) = tag.find('>') else { break };
        let attributes = &tag[..tag_end];
        let after = &tag[tag_end + 1..];
        let Some(script_end) = after.find("</script>") else {
            break;
        };
        let script = &after[..script_end];
        let external = attributes
            .split_ascii_whitespace()
            .any(|attribute| attribute.starts_with("src="));
        if !external && !script.is_empty() {
            let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(script));
            sources.push(format!("'sha256-{hash}' "));
        }
        rest = &after[script_end + "</script>".len()..];
    }
    sources.sort();
    sources.dedup();
    sources.concat()
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Encoding {
    Brotli,
    Gzip,
    Identity,
}

/// What the request asks for: an encoding, and whether its copy is still current.
struct Wanted {
    encoding: Encoding,
    if_none_match: Vec<String>,
}

impl From<&HeaderMap> for Wanted {
    fn from(headers: &HeaderMap) -> Wanted {
        let mut brotli = None;
        let mut gzip = None;
        let mut any = None;
        for value in headers.get_all(header::ACCEPT_ENCODING) {
            for item in value.to_str().unwrap_or("").split(',') {
                let mut parts = item.split(';');
                let name = parts.next().unwrap_or("").trim().to_ascii_lowercase();
                let quality = parts
                    .find_map(|param| param.trim().strip_prefix("q="))
                    .map_or(1.0, |q| q.trim().parse::<f32>().unwrap_or(0.0));
                match name.as_str() {
                    "br" => brotli = Some(quality),
                    "gzip" | "x-gzip" => gzip = Some(quality),
                    "*" => any = Some(quality),
                    _ => {}
                }
            }
        }
        let brotli = brotli.or(any).unwrap_or(0.0);
        let gzip = gzip.or(any).unwrap_or(0.0);
        let encoding = if brotli > 0.0 && brotli >= gzip {
            Encoding::Brotli
        } else if gzip > 0.0 {
            Encoding::Gzip
        } else {
            Encoding::Identity
        };
        let if_none_match = headers
            .get_all(header::IF_NONE_MATCH)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .map(|tag| tag.trim().to_string())
            .collect();
        Wanted {
            encoding,
            if_none_match,
        }
    }
}

impl Wanted {
    /// If-None-Match names `etag` (compared weakly, as RFC 9110 says for this header) or is `*`.
    fn has_unchanged(&self, etag: &HeaderValue) -> bool {
        let etag = etag.to_str().unwrap_or("");
        self.if_none_match
            .iter()
            .any(|tag| tag == "*" || tag.strip_prefix("W/").unwrap_or(tag) == etag)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(header::HeaderName, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    #[test]
    fn brotli_is_preferred_where_accepted_and_refusals_are_respected() {
        let encoding =
            |value: &str| Wanted::from(&headers(&[(header::ACCEPT_ENCODING, value)])).encoding;
        assert_eq!(encoding("gzip, deflate, br, zstd"), Encoding::Brotli);
        assert_eq!(encoding("gzip, deflate"), Encoding::Gzip);
        assert_eq!(encoding("br;q=0, gzip"), Encoding::Gzip);
        assert_eq!(encoding("gzip;q=0.5, br;q=0.8"), Encoding::Brotli);
        assert_eq!(encoding("br;q=0.2, gzip;q=0.9"), Encoding::Gzip);
        assert_eq!(encoding("*"), Encoding::Brotli);
        assert_eq!(encoding("identity"), Encoding::Identity);
        assert_eq!(Wanted::from(&HeaderMap::new()).encoding, Encoding::Identity);
    }

    #[test]
    fn if_none_match_is_compared_weakly_and_in_lists() {
        let etag = HeaderValue::from_static("\"abc\"");
        let wanted = |value: &str| Wanted::from(&headers(&[(header::IF_NONE_MATCH, value)]));
        assert!(wanted("\"abc\"").has_unchanged(&etag));
        assert!(wanted("W/\"abc\"").has_unchanged(&etag));
        assert!(wanted("\"x\", \"abc\"").has_unchanged(&etag));
        assert!(wanted("*").has_unchanged(&etag));
        assert!(!wanted("\"abc.br\"").has_unchanged(&etag));
        assert!(!Wanted::from(&HeaderMap::new()).has_unchanged(&etag));
    }

    #[test]
    fn every_inline_script_is_allowed_by_its_hash_and_only_those() {
        let html = "<head><script type=\"module\" nonce=\"n\">run()</script>\
                    <script src=\"/pkg/x.js\"></script></head>\
                    <body><script>data = 1</script><script>run()</script></body>";
        let hash =
            |script: &str| base64::engine::general_purpose::STANDARD.encode(Sha256::digest(script));
        let mut expected = [
            format!("'sha256-{}' ", hash("run()")),
            format!("'sha256-{}' ", hash("data = 1")),
        ];
        expected.sort();
        assert_eq!(inline_script_hashes(html), expected.concat());
        // The hash of `alert(1)` in base64: what a browser computes for that script.
        assert_eq!(
            inline_script_hashes("<script>alert(1)</script>"),
            "'sha256-bhHHL3z2vDgxUt0W3dWQOrprscmda2Y5pLsLg4GF+pI=' "
        );
        assert_eq!(inline_script_hashes("<p>no scripts</p>"), "");
    }

    #[test]
    fn only_the_session_cookie_counts_as_a_session() {
        let has = |value: &str| has_session_cookie(&headers(&[(header::COOKIE, value)]));
        assert!(has("dma-session=abc"));
        assert!(has("theme=dark; __Host-dma-session=abc"));
        assert!(!has("theme=dark"));
        assert!(!has("not-dma-session=abc"));
        assert!(!has_session_cookie(&HeaderMap::new()));
    }

    #[test]
    fn the_public_pages_are_the_directory_and_home() {
        assert!(is_public_page("/", None));
        assert!(is_public_page("/organisations", None));
        assert!(is_public_page("/organisations", Some("q=leeds")));
        assert!(is_public_page("/organisations/icbs/QWO", None));
        assert!(is_public_page("/organisations/trusts/RR8", None));
        assert!(!is_public_page("/organisations", Some("q=leeds&x=1")));
        assert!(!is_public_page(
            "/organisations",
            Some(&format!("q={}", "a".repeat(300)))
        ));
        assert!(!is_public_page("/organisations/trusts/", None));
        assert!(!is_public_page("/organisations/trusts/RR8/more", None));
        assert!(!is_public_page("/organisations/trusts/RR8", Some("x=1")));
        assert!(!is_public_page("/account", None));
        assert!(!is_public_page("/assessments", None));
        assert!(!is_public_page("/sign-in", None));
    }
}
