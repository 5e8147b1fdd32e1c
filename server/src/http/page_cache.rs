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
//! A page is keyed on its path and only the query parameters it reads, in a canonical order
//! ([`public_page_key`]), and rendered from that canonical address: `?n=1`, `?n=2`, … are one
//! entry, not a render and two compressions each. The cache is bounded in bytes
//! ([`MAX_CACHED_BYTES`]); past it the oldest pages go first.
//!
//! What is never cached: a request with any Cookie header (whatever its spelling: the session
//! layer percent-decodes cookie names and reads headers that are not ASCII, so only "no cookie
//! at all" is sure to be nobody's session), a response whose render read a session
//! ([`app::api::guard::SessionRead`]), a response that sets a cookie, a response other than 200,
//! and any other page. All of those get `Cache-Control: no-store`, as does everything else
//! rendered per request; static files keep their own rule (see [`super::static_cache_control`]).
//!
//! A cached page is sent to many people, so a nonce in it would be used many times, and a nonce
//! anyone can read off a public page guards nothing. The CSP of a cached page (200 or 304) allows
//! instead exactly its own inline scripts, by their SHA-256 hashes, computed when it is stored;
//! the `nonce` attributes left in it from rendering then match nothing.

use super::{CspScriptSources, StaticFile, NO_STORE};
use app::api::guard::SessionRead;
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
use std::collections::{HashMap, VecDeque};
use std::io::Write;
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::{Duration, Instant};

/// How long the current snapshot's id is trusted before it is read again: a newly imported
/// snapshot shows within this time.
pub const RECHECK_DATA_EVERY: Duration = Duration::from_secs(1);
/// The pages kept, counting each page's three copies (plain, brotli and gzip), take at most this
/// many bytes; past it the oldest are dropped, so that searches cannot grow memory without bound.
/// Every ICB, trust and results page of a year takes about 20 MB.
pub const MAX_CACHED_BYTES: usize = 64 << 20;
/// A page bigger than this is served but not kept.
pub const MAX_PAGE_BYTES: usize = 1 << 20;
/// A page whose canonical query (the parameters it reads) is longer than this is served but not kept.
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
    /// The keys of `by_path`, oldest first: the order they are dropped in.
    oldest_first: VecDeque<String>,
    /// The bytes of every page kept.
    bytes: usize,
}

impl Pages {
    fn clear(&mut self) {
        self.by_path.clear();
        self.oldest_first.clear();
        self.bytes = 0;
    }

    fn remove(&mut self, key: &str) {
        if let Some(page) = self.by_path.remove(key) {
            self.bytes -= page.bytes();
            self.oldest_first.retain(|kept| kept != key);
        }
    }

    /// Keeps `page`, dropping the oldest pages until all fit in `max_bytes`.
    fn insert(&mut self, key: String, page: Arc<CachedPage>, max_bytes: usize) {
        self.remove(&key);
        while self.bytes + page.bytes() > max_bytes {
            let Some(oldest) = self.oldest_first.pop_front() else {
                return;
            };
            if let Some(dropped) = self.by_path.remove(&oldest) {
                self.bytes -= dropped.bytes();
            }
        }
        self.bytes += page.bytes();
        self.oldest_first.push_back(key.clone());
        self.by_path.insert(key, page);
    }
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

    /// How many bytes the pages kept take now.
    #[cfg(test)]
    pub fn bytes(&self) -> usize {
        self.pages
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .bytes
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
            pages.clear();
            pages.data = data;
        }
        pages.insert(key, page, MAX_CACHED_BYTES);
    }

    /// The public page `key` (its canonical address) from the cache, or rendered by `next` from
    /// that address and kept if it may be.
    async fn serve(
        &self,
        data: Arc<str>,
        key: String,
        mut request: Request,
        next: Next,
    ) -> Response {
        let wanted = Wanted::from(request.headers());
        if let Some(page) = self.get(&data, &key) {
            return page.respond(&wanted);
        }
        match key.parse() {
            Ok(canonical) => *request.uri_mut() = canonical,
            Err(error) => {
                tracing::error!(%error, %key, "a public page's canonical address is not a URI");
                return no_store(next.run(request).await);
            }
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
        let session_read = SessionRead::default();
        request.extensions_mut().insert(session_read.clone());
        let response = next.run(request).await;
        if session_read.happened() {
            // Someone's session was read: the page may be theirs alone.
            return no_store(response);
        }
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

/// The rule for every response but static files: a public page to a request without any cookie
/// comes from the cache; anything else rendered per request is `no-store`.
pub(super) async fn caching(
    State(cache): State<Arc<PageCache>>,
    request: Request,
    next: Next,
) -> Response {
    let key = (request.method() == Method::GET && !request.headers().contains_key(header::COOKIE))
        .then(|| public_page_key(request.uri().path(), request.uri().query()))
        .flatten();
    if let Some(key) = key {
        if let Some(data) = cache.data_version().await {
            return cache.serve(data, key, request, next).await;
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

/// The cache's key for the page at `path`, or None when it is not a public page: the pages that
/// show the same to everyone who is not signed in, and change only with the organisation snapshot
/// or a new published version of results (the routes in app::pages). The key is the path and, of
/// the query, only the parameters that page reads: each one's first non-empty value, by name, so
/// one page has one key however its address is spelt. A key longer than [`MAX_QUERY_BYTES`] of
/// query is not kept.
fn public_page_key(path: &str, query: Option<&str>) -> Option<String> {
    let reads = public_page_parameters(path)?;
    let pairs: Vec<_> = form_urlencoded::parse(query.unwrap_or("").as_bytes()).collect();
    let canonical: Vec<String> = reads
        .iter()
        .filter_map(|name| {
            pairs
                .iter()
                .find(|(key, value)| key == name && !value.is_empty())
                .map(|(_, value)| format!("{name}={}", app::url::percent_encode(value)))
        })
        .collect();
    let canonical = canonical.join("&");
    if canonical.len() > MAX_QUERY_BYTES {
        return None;
    }
    Some(if canonical.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{canonical}")
    })
}

/// The query parameters the public page at `path` reads, in alphabetical order; None when `path`
/// is not a public page.
fn public_page_parameters(path: &str) -> Option<&'static [&'static str]> {
    const NONE: &[&str] = &[];
    const RESULTS_FILTERS: &[&str] = &["care_setting", "region", "sort", "version"];
    let plain = |segment: &str| {
        !segment.is_empty()
            && segment
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match segments[..] {
        [""] | ["results"] => Some(NONE),
        ["organisations"] => Some(&["q"]),
        ["organisations", "icbs" | "trusts", code] if plain(code) => Some(NONE),
        ["results", cycle] | ["results", cycle, "trusts"] if plain(cycle) => Some(RESULTS_FILTERS),
        ["results", cycle, "trusts" | "ics", code] if plain(cycle) && plain(code) => {
            Some(&["version"])
        }
        _ => None,
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
    /// What keeping it costs: its three copies.
    fn bytes(&self) -> usize {
        self.identity.body.len() + self.brotli.body.len() + self.gzip.body.len()
    }

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
    fn a_public_page_is_keyed_on_the_parameters_it_reads_in_one_order() {
        let key =
            |path: &str, query: &str| public_page_key(path, Some(query).filter(|q| !q.is_empty()));
        assert_eq!(key("/", "").as_deref(), Some("/"));
        assert_eq!(key("/", "n=1").as_deref(), Some("/"));
        assert_eq!(key("/organisations", "").as_deref(), Some("/organisations"));
        assert_eq!(
            key("/organisations", "q=leeds").as_deref(),
            Some("/organisations?q=leeds")
        );
        assert_eq!(
            key("/organisations", "page=2&q=leeds+teaching&q=york").as_deref(),
            Some("/organisations?q=leeds%20teaching"),
            "the first value, spelt one way; what the page does not read is left out"
        );
        assert_eq!(
            key("/organisations/trusts/RR8", "x=1").as_deref(),
            Some("/organisations/trusts/RR8")
        );
        assert_eq!(
            key("/organisations/icbs/QWO", "").as_deref(),
            Some("/organisations/icbs/QWO")
        );
        assert_eq!(
            key(
                "/results/c1",
                "version=2&sort=name&n=7&region=&care_setting=Acute"
            )
            .as_deref(),
            Some("/results/c1?care_setting=Acute&sort=name&version=2")
        );
        assert_eq!(
            key("/results/c1/trusts/RR8", "sort=name&version=1").as_deref(),
            Some("/results/c1/trusts/RR8?version=1")
        );
        assert_eq!(key("/results", "version=1").as_deref(), Some("/results"));
        for n in 0..50 {
            assert_eq!(
                key("/results/c1/trusts", &format!("n={n}&version=3")).as_deref(),
                Some("/results/c1/trusts?version=3")
            );
        }
    }

    #[test]
    fn the_oldest_pages_go_first_once_the_bytes_are_spent() {
        let page = |text: &str| {
            Arc::new(CachedPage::new(
                HeaderMap::new(),
                Bytes::from(text.repeat(100)),
            ))
        };
        let size = page("a").bytes();
        let mut pages = Pages::default();
        for key in ["a", "b", "c"] {
            pages.insert(key.into(), page(key), 2 * size + size / 2);
        }
        let mut kept: Vec<&String> = pages.by_path.keys().collect();
        kept.sort();
        assert_eq!(
            kept,
            ["b", "c"],
            "the first page kept was dropped for the third"
        );
        assert_eq!(pages.oldest_first, ["b", "c"]);
        assert_eq!(
            pages.bytes,
            pages
                .by_path
                .values()
                .map(|page| page.bytes())
                .sum::<usize>()
        );
        pages.insert("b".into(), page("b"), 2 * size + size / 2);
        assert_eq!(
            pages.oldest_first,
            ["c", "b"],
            "a page kept again is the newest"
        );
        assert_eq!(pages.bytes, 2 * size);
        pages.insert("huge".into(), page(&"x".repeat(40)), size);
        assert!(
            pages.by_path.is_empty() && pages.bytes == 0,
            "a page bigger than the bound is not kept"
        );
    }

    #[test]
    fn only_the_public_pages_have_a_key() {
        let key = |path: &str| public_page_key(path, None);
        assert_eq!(key("/organisations/trusts/"), None);
        assert_eq!(key("/organisations/trusts/RR8/more"), None);
        assert_eq!(key("/results/c1/trusts.csv"), None);
        assert_eq!(key("/results/c1/regions.csv"), None);
        assert_eq!(key("/account"), None);
        assert_eq!(key("/assessments"), None);
        assert_eq!(key("/sign-in"), None);
        assert_eq!(
            public_page_key("/organisations", Some(&format!("q={}", "a".repeat(300)))),
            None,
            "too long a search is served but not kept"
        );
    }
}
