//! The router over HTTP, without a socket (tower's oneshot) except where the socket is the point:
//! caching rules, the public-page cache, precompressed files, the CSP and TCP_NODELAY.

use super::*;
use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Request};
use leptos::config::LeptosOptions;
use sha2::Digest;
use std::io::Read;
use std::time::{Duration, Instant};
use tempfile::TempDir;
use tower::ServiceExt;

/// A name as cargo-leptos's `hash-files` gives it: the MD5 of the file in URL-safe base64.
const HASHED_CSS: &str = "dma.Xr4Q0c9-Jq_3bT7sW2ZkLA.css";
const BROTLI_COPY: &[u8] = b"the brotli copy made at build time";
const GZIP_COPY: &[u8] = b"the gzip copy made at build time";

/// A database with the bundled organisations, and a built site with the files the tests ask for.
async fn state() -> (TempDir, AppState) {
    let folder = tempfile::tempdir().unwrap();
    let site = folder.path().join("site");
    let files: [(String, Vec<u8>); 5] = [
        ("pkg/dma.css".into(), b".app{}".to_vec()),
        (format!("pkg/{HASHED_CSS}"), b".app{}".to_vec()),
        (
            "nhsuk/nhsuk-frontend.min.css".into(),
            ".nhsuk{}".repeat(500).into_bytes(),
        ),
        (
            "nhsuk/nhsuk-frontend.min.css.br".into(),
            BROTLI_COPY.to_vec(),
        ),
        ("nhsuk/nhsuk-frontend.min.css.gz".into(), GZIP_COPY.to_vec()),
    ];
    for (path, contents) in files {
        let path = site.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, contents).unwrap();
    }
    let db = crate::open_database(&format!(
        "sqlite://{}",
        folder.path().join("dma.db").display()
    ))
    .await
    .unwrap();
    let leptos_options = LeptosOptions::builder()
        .output_name("dma")
        .site_root(site.display().to_string())
        .site_pkg_dir("pkg")
        .build();
    let state = AppState {
        leptos_options,
        db,
        public_url: "http://dma.test".into(),
        trust_proxy: false,
        refused_attempts: Default::default(),
    };
    (folder, state)
}

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

impl Answer {
    fn header(&self, name: header::HeaderName) -> &str {
        self.headers
            .get(&name)
            .map_or("", |value| value.to_str().unwrap())
    }

    fn text(&self) -> String {
        String::from_utf8(self.body.to_vec()).unwrap()
    }

    /// The nonce the CSP header allows.
    fn csp_nonce(&self) -> String {
        let csp = self.header(header::CONTENT_SECURITY_POLICY);
        let start = csp.find("'nonce-").expect("the CSP has a nonce") + "'nonce-".len();
        csp[start..].split('\'').next().unwrap().to_string()
    }
}

/// The text of the page's hydration script.
fn hydration_script(html: &str) -> &str {
    let tag = html
        .find("<script type=\"module\"")
        .expect("a hydration script");
    let start = tag + html[tag..].find('>').unwrap() + 1;
    let end = start + html[start..].find("</script>").unwrap();
    &html[start..end]
}

async fn request(router: &Router, request: Request<Body>) -> Answer {
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    Answer {
        status,
        headers,
        body,
    }
}

async fn get(router: &Router, uri: &str, headers: &[(&str, &str)]) -> Answer {
    let mut builder = Request::get(uri);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    request(router, builder.body(Body::empty()).unwrap()).await
}

#[tokio::test]
async fn static_files_named_by_their_hash_are_kept_for_a_year_and_others_briefly() {
    let (_folder, state) = state().await;
    let router = router(state, false);

    let hashed = get(&router, &format!("/pkg/{HASHED_CSS}"), &[]).await;
    assert_eq!(hashed.status, StatusCode::OK);
    assert_eq!(
        hashed.header(header::CACHE_CONTROL),
        "public, max-age=31536000, immutable"
    );
    let unhashed = get(&router, "/pkg/dma.css", &[]).await;
    assert_eq!(unhashed.status, StatusCode::OK);
    assert_eq!(unhashed.header(header::CACHE_CONTROL), "no-cache");
    let nhsuk = get(&router, "/nhsuk/nhsuk-frontend.min.css", &[]).await;
    assert_eq!(nhsuk.header(header::CACHE_CONTROL), "public, max-age=3600");
    assert!(nhsuk.header(header::VARY).contains("accept-encoding"));

    // The same for everyone: a session cookie changes nothing for a static file.
    let signed_in = get(
        &router,
        &format!("/pkg/{HASHED_CSS}"),
        &[("cookie", "dma-session=someone")],
    )
    .await;
    assert_eq!(
        signed_in.header(header::CACHE_CONTROL),
        "public, max-age=31536000, immutable"
    );

    // A browser's copy is confirmed without sending the file again.
    let again = get(
        &router,
        "/nhsuk/nhsuk-frontend.min.css",
        &[("if-modified-since", nhsuk.header(header::LAST_MODIFIED))],
    )
    .await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    assert_eq!(again.header(header::CACHE_CONTROL), "public, max-age=3600");
}

#[tokio::test]
async fn precompressed_copies_are_sent_as_built_not_compressed_per_request() {
    let (_folder, state) = state().await;
    let router = router(state, false);
    let brotli = get(
        &router,
        "/nhsuk/nhsuk-frontend.min.css",
        &[("accept-encoding", "gzip, deflate, br")],
    )
    .await;
    assert_eq!(brotli.header(header::CONTENT_ENCODING), "br");
    assert_eq!(brotli.header(header::CONTENT_TYPE), "text/css");
    assert_eq!(&brotli.body[..], BROTLI_COPY);
    let gzip = get(
        &router,
        "/nhsuk/nhsuk-frontend.min.css",
        &[("accept-encoding", "gzip")],
    )
    .await;
    assert_eq!(gzip.header(header::CONTENT_ENCODING), "gzip");
    assert_eq!(&gzip.body[..], GZIP_COPY);
    let plain = get(&router, "/nhsuk/nhsuk-frontend.min.css", &[]).await;
    assert_eq!(plain.header(header::CONTENT_ENCODING), "");
    assert_eq!(plain.text(), ".nhsuk{}".repeat(500));
}

#[tokio::test]
async fn a_public_page_is_served_from_the_cache_with_an_etag_and_304() {
    let (_folder, state) = state().await;
    let cache = Arc::new(PageCache::new(state.db.clone()));
    let router = router_with_cache(state, HttpSettings::new(false), cache.clone());

    let first = get(&router, "/organisations", &[]).await;
    assert_eq!(first.status, StatusCode::OK);
    assert!(first.text().contains("Organisations"));
    assert!(
        first.text().contains(">Sign in<"),
        "the page is the signed-out one"
    );
    assert_eq!(
        first.header(header::CACHE_CONTROL),
        "public, max-age=0, must-revalidate"
    );
    let etag = first.header(header::ETAG).to_string();
    assert!(
        etag.starts_with('"') && etag.len() > 20,
        "a strong ETag: {etag}"
    );
    assert!(first.header(header::VARY).contains("cookie"));
    // The page's script runs: the CSP allows it by its hash, and no nonce is handed out twice.
    let csp = first.header(header::CONTENT_SECURITY_POLICY).to_string();
    assert!(!csp.contains("'nonce-"), "{csp}");
    let script = hydration_script(&first.text()).to_string();
    let hash = base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(&script));
    assert!(csp.contains(&format!(" 'sha256-{hash}' ")), "{csp}");
    assert_eq!(cache.len(), 1);

    let second = get(&router, "/organisations", &[]).await;
    assert_eq!(second.body, first.body, "the same bytes, from the cache");
    assert_eq!(second.header(header::ETAG), etag);
    assert_eq!(second.header(header::CONTENT_SECURITY_POLICY), csp);
    assert_eq!(cache.len(), 1);

    let unchanged = get(&router, "/organisations", &[("if-none-match", &etag)]).await;
    assert_eq!(unchanged.status, StatusCode::NOT_MODIFIED);
    assert!(unchanged.body.is_empty());
    assert_eq!(unchanged.header(header::ETAG), etag);
    assert_eq!(
        unchanged.header(header::CACHE_CONTROL),
        "public, max-age=0, must-revalidate"
    );
    assert_eq!(
        unchanged.header(header::CONTENT_SECURITY_POLICY),
        csp,
        "the browser's copy keeps working"
    );

    // Compressed once when stored: brotli of the same page, with its own validator.
    let brotli = get(
        &router,
        "/organisations",
        &[("accept-encoding", "gzip, br"), ("if-none-match", &etag)],
    )
    .await;
    assert_eq!(brotli.status, StatusCode::OK);
    assert_eq!(brotli.header(header::CONTENT_ENCODING), "br");
    assert_ne!(brotli.header(header::ETAG), etag);
    let mut decompressed = Vec::new();
    brotli::Decompressor::new(&brotli.body[..], 4096)
        .read_to_end(&mut decompressed)
        .unwrap();
    assert_eq!(decompressed, first.body);
    let gzip = get(&router, "/organisations", &[("accept-encoding", "gzip")]).await;
    assert_eq!(gzip.header(header::CONTENT_ENCODING), "gzip");
    let mut decompressed = Vec::new();
    flate2::read::GzDecoder::new(&gzip.body[..])
        .read_to_end(&mut decompressed)
        .unwrap();
    assert_eq!(decompressed, first.body);

    let trust = get(&router, "/organisations/trusts/RR8", &[]).await;
    assert_eq!(trust.status, StatusCode::OK);
    assert!(!trust.header(header::ETAG).is_empty());
    let home = get(&router, "/", &[]).await;
    assert!(!home.header(header::ETAG).is_empty());
    assert_eq!(cache.len(), 3);

    // A page that does not exist is not kept.
    let missing = get(&router, "/organisations/trusts/NOPE", &[]).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.header(header::CACHE_CONTROL), "no-store");
    assert_eq!(cache.len(), 3);
}

#[tokio::test]
async fn people_asking_at_once_for_a_page_not_yet_kept_wait_for_one_render() {
    let (_folder, state) = state().await;
    let cache = Arc::new(PageCache::new(state.db.clone()));
    let renders = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = renders.clone();
    let router = Router::new()
        .route(
            "/organisations",
            axum::routing::get(move || {
                let counted = counted.clone();
                async move {
                    counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    axum::response::Html("<p>Organisations</p>")
                }
            }),
        )
        .layer(middleware::from_fn_with_state(cache, page_cache::caching));

    let mut asking = tokio::task::JoinSet::new();
    for _ in 0..20 {
        let router = router.clone();
        asking.spawn(async move { get(&router, "/organisations", &[]).await });
    }
    let answers = asking.join_all().await;
    assert!(answers
        .iter()
        .all(|answer| answer.status == StatusCode::OK && answer.text() == "<p>Organisations</p>"));
    assert_eq!(renders.load(std::sync::atomic::Ordering::SeqCst), 1);
    let searched = get(&router, "/organisations?q=leeds", &[]).await;
    assert_eq!(searched.status, StatusCode::OK);
    assert_eq!(
        renders.load(std::sync::atomic::Ordering::SeqCst),
        2,
        "another page renders in its own turn"
    );
}

#[tokio::test]
async fn a_new_organisation_snapshot_replaces_the_cached_pages() {
    let (_folder, state) = state().await;
    let db = state.db.clone();
    let cache = Arc::new(PageCache::with_recheck(db.clone(), Duration::ZERO));
    let router = router_with_cache(state, HttpSettings::new(false), cache.clone());
    let mut hierarchy = crate::org_import::parse_hierarchy(&crate::org_import::BUNDLED).unwrap();
    let trust = hierarchy.trusts[0].ods_code.clone();
    let path = format!("/organisations/trusts/{trust}");

    let before = get(&router, &path, &[]).await;
    assert_eq!(before.status, StatusCode::OK);
    assert!(!before.text().to_lowercase().contains("renamed test trust"));

    hierarchy.trusts[0].name = "RENAMED TEST TRUST".into();
    app::store::organisations::import_snapshot(&db, &hierarchy, "renamed", "2026-05-01", "tests")
        .await
        .unwrap();
    let after = get(&router, &path, &[]).await;
    assert!(
        after.text().to_lowercase().contains("renamed test trust"),
        "the page shows the new snapshot"
    );
    assert_ne!(after.header(header::ETAG), before.header(header::ETAG));
    let unchanged = get(
        &router,
        &path,
        &[("if-none-match", before.header(header::ETAG))],
    )
    .await;
    assert_eq!(
        unchanged.status,
        StatusCode::OK,
        "the old ETag no longer matches"
    );
}

/// Signs a trust lead in through the sign-in server function, and returns the session cookie
/// (`name=value`) the service set.
async fn signed_in_cookie(router: &Router, db: &app::store::Db) -> String {
    let password = "coffee lantern meadow bicycle";
    let hash = app::api::credentials::hash_password(password.into())
        .await
        .unwrap();
    app::store::accounts::upsert_with_password(
        db,
        "tests",
        &app::store::accounts::NewAccount {
            email: "lead@trust.test".into(),
            display_name: "Trust Lead".into(),
            org_ods_code: Some("RR8".into()),
            roles: vec![app::rules::accounts::Role::TrustLead],
        },
        &hash,
    )
    .await
    .unwrap();
    let sign_in = request(
        router,
        Request::post(<app::api::accounts::SignIn as leptos::server_fn::ServerFn>::PATH)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(format!(
                "email=lead%40trust.test&password={}&next=",
                password.replace(' ', "+")
            )))
            .unwrap(),
    )
    .await;
    let cookie = sign_in
        .header(header::SET_COOKIE)
        .split(';')
        .next()
        .unwrap()
        .to_string();
    assert!(cookie.starts_with("dma-session="), "signed in: {cookie:?}");
    assert_eq!(sign_in.header(header::CACHE_CONTROL), "no-store");
    cookie
}

#[tokio::test]
async fn a_request_with_a_session_is_never_served_from_the_cache_nor_stored() {
    let (_folder, state) = state().await;
    let db = state.db.clone();
    let cache = Arc::new(PageCache::new(db.clone()));
    let router = router_with_cache(state, HttpSettings::new(false), cache.clone());
    let public = get(&router, "/organisations", &[]).await;
    let etag = public.header(header::ETAG).to_string();

    // A real session: an account signs in, and its page shows its menu.
    let cookie = signed_in_cookie(&router, &db).await;

    for path in [
        "/organisations",
        "/",
        "/organisations/trusts/RR8",
        "/account",
    ] {
        let page = get(
            &router,
            path,
            &[("cookie", &cookie), ("if-none-match", &etag)],
        )
        .await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert_eq!(page.header(header::CACHE_CONTROL), "no-store", "{path}");
        assert_eq!(page.header(header::ETAG), "", "{path}");
        assert!(
            page.text().contains(">Your account<"),
            "{path} shows the person's menu"
        );
        assert!(page
            .text()
            .contains(&format!("nonce=\"{}\"", page.csp_nonce())));
    }
    // Nor did the signed-in pages go into the cache for others.
    assert_eq!(cache.len(), 1);
    let public_again = get(&router, "/organisations", &[]).await;
    assert!(!public_again.text().contains(">Your account<"));
    assert_eq!(public_again.header(header::ETAG), etag);
}

#[tokio::test]
async fn results_pages_are_cached_until_a_version_is_published_and_downloads_are_not() {
    let (_folder, state) = state().await;
    let db = state.db.clone();
    let cache = Arc::new(PageCache::with_recheck(db.clone(), Duration::ZERO));
    let router = router_with_cache(state, HttpSettings::new(false), cache.clone());
    let before = get(&router, "/results?x=1", &[]).await;
    assert_eq!(before.status, StatusCode::OK);
    assert!(
        !before.header(header::ETAG).is_empty(),
        "the results index is public"
    );
    assert!(before.text().contains("No results have been published yet"));
    let filtered = get(
        &router,
        "/results/c1/trusts?sort=name&care_setting=Acute",
        &[],
    )
    .await;
    assert_eq!(
        filtered.status,
        StatusCode::NOT_FOUND,
        "no such cycle: not kept"
    );
    assert_eq!(filtered.header(header::CACHE_CONTROL), "no-store");

    // An imported cycle is a published version: the cached index is replaced.
    sqlx::query(
        "INSERT INTO cycles (id, name, framework_version, opens_on, submission_deadline, \
         review_deadline, moderation_deadline, publication_on, care_settings, region_ods_codes, \
         reviewers_per_assessment, reviewer_capacity, phase, is_historical, created_at, created_by) \
         SELECT 'c1', 'DMA 2025/26', version, '2025-06-30', '2025-06-30', '2025-06-30', \
         '2025-06-30', '2025-06-30', 'Acute', '', 0, 0, 'published', 1, '2025-06-30', 'tests' \
         FROM frameworks LIMIT 1",
    )
    .execute(&db.pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO result_versions (cycle_id, version, note, with_self_scores, published_by, \
         published_at) VALUES ('c1', 1, 'Imported', 0, 'tests', '2025-06-30')",
    )
    .execute(&db.pool)
    .await
    .unwrap();
    let after = get(&router, "/results?x=1", &[]).await;
    assert!(
        after.text().contains("DMA 2025/26"),
        "the new version shows"
    );
    assert_ne!(after.header(header::ETAG), before.header(header::ETAG));

    let download = get(&router, "/results/c1/trusts.csv", &[]).await;
    assert_eq!(download.header(header::CACHE_CONTROL), "no-store");
    assert_eq!(download.header(header::ETAG), "");
    let unknown = get(&router, "/results/c1/secrets.csv", &[]).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn over_https_browsers_are_told_to_use_nothing_else() {
    let (_folder, state) = state().await;
    let secure = router(state.clone(), true);
    assert_eq!(
        get(&secure, "/healthz", &[])
            .await
            .header(header::STRICT_TRANSPORT_SECURITY),
        "max-age=31536000; includeSubDomains"
    );
    let plain = router(state, false);
    assert_eq!(
        get(&plain, "/healthz", &[])
            .await
            .header(header::STRICT_TRANSPORT_SECURITY),
        "",
        "not over plain HTTP, where it would be ignored"
    );
}

#[tokio::test]
async fn a_made_up_session_cookie_writes_no_session() {
    let (_folder, state) = state().await;
    let db = state.db.clone();
    let router = router(state, false);
    let cookie = format!("{SESSION_COOKIE}=made-up-session-id");
    for path in [
        "/healthz",
        "/nhsuk/nhsuk-frontend.min.css",
        "/organisations",
        "/no-such-page",
    ] {
        get(&router, path, &[("cookie", &cookie)]).await;
    }
    let sessions: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sessions")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(
        sessions, 0,
        "nothing is saved for a session that does not exist"
    );
}

#[tokio::test]
async fn pages_that_are_not_public_are_not_stored_anywhere() {
    let (_folder, state) = state().await;
    let router = router(state, false);
    for path in ["/sign-in", "/healthz", "/no-such-page"] {
        let answer = get(&router, path, &[]).await;
        assert_eq!(answer.header(header::CACHE_CONTROL), "no-store", "{path}");
        assert_eq!(answer.header(header::ETAG), "", "{path}");
    }
    let search = get(&router, "/organisations?q=leeds", &[]).await;
    assert_eq!(search.status, StatusCode::OK);
    assert!(
        !search.header(header::ETAG).is_empty(),
        "a search of the directory is public"
    );
    let paged = get(&router, "/organisations?page=2&q=leeds", &[]).await;
    assert_eq!(
        paged.header(header::ETAG),
        search.header(header::ETAG),
        "a parameter the page does not read makes no other page"
    );
}

#[tokio::test]
async fn a_signed_in_page_is_never_kept_however_the_cookie_is_spelt() {
    let (_folder, state) = state().await;
    let db = state.db.clone();
    let cache = Arc::new(PageCache::new(db.clone()));
    let router = router_with_cache(state, HttpSettings::new(false), cache.clone());
    let cookie = signed_in_cookie(&router, &db).await;
    let id = cookie.strip_prefix("dma-session=").unwrap();
    // The session layer percent-decodes cookie names and reads headers that are not ASCII, so
    // both of these sign the person in.
    let spellings = [
        HeaderValue::from_str(&format!("dma%2Dsession={id}")).unwrap(),
        HeaderValue::from_bytes(format!("dma-session={id}; x=\u{e9}").as_bytes()).unwrap(),
    ];
    for (index, spelling) in spellings.into_iter().enumerate() {
        let path = ["/organisations/trusts/RR8", "/organisations/icbs/QWO"][index];
        let mut asked = Request::get(path).body(Body::empty()).unwrap();
        asked.headers_mut().insert(header::COOKIE, spelling.clone());
        let signed_in = request(&router, asked).await;
        assert_eq!(signed_in.status, StatusCode::OK, "{spelling:?}");
        assert!(
            signed_in.text().contains(">Your account<"),
            "{spelling:?} signs the person in"
        );
        assert_eq!(
            signed_in.header(header::CACHE_CONTROL),
            "no-store",
            "{spelling:?}"
        );
        assert_eq!(
            cache.len(),
            index,
            "{spelling:?}: the signed-in page is not kept"
        );
        let stranger = get(&router, path, &[]).await;
        assert!(
            !stranger.text().contains(">Your account<")
                && !stranger.text().contains("lead@trust.test"),
            "a stranger never gets the signed-in page ({spelling:?})"
        );
        assert_eq!(cache.len(), index + 1, "the stranger's page is kept");
    }
    // Any cookie at all, even one that is nobody's session, keeps a request away from the cache.
    let with_other_cookie = get(&router, "/organisations", &[("cookie", "theme=dark")]).await;
    assert_eq!(with_other_cookie.header(header::CACHE_CONTROL), "no-store");
    assert_eq!(with_other_cookie.header(header::ETAG), "");
}

#[tokio::test]
async fn a_page_whose_render_read_a_session_is_not_kept() {
    let (_folder, state) = state().await;
    let cache = Arc::new(PageCache::new(state.db.clone()));
    let router = Router::new()
        .route(
            "/organisations",
            axum::routing::get(|request: Request<Body>| async move {
                if let Some(read) = request.extensions().get::<app::api::guard::SessionRead>() {
                    read.mark();
                }
                axum::response::Html("<p>Somebody's organisations</p>")
            }),
        )
        .layer(middleware::from_fn_with_state(
            cache.clone(),
            page_cache::caching,
        ));
    let answer = get(&router, "/organisations", &[]).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.header(header::CACHE_CONTROL), "no-store");
    assert_eq!(
        cache.len(),
        0,
        "a page that read a session is never kept, whatever the request looked like"
    );
}

#[tokio::test]
async fn a_thousand_query_strings_to_one_page_keep_one_copy() {
    let (_folder, state) = state().await;
    let cache = Arc::new(PageCache::new(state.db.clone()));
    let router = router_with_cache(state, HttpSettings::new(false), cache.clone());
    let first = get(&router, "/organisations/trusts/RR8", &[]).await;
    for n in 0..1000 {
        let answer = get(&router, &format!("/organisations/trusts/RR8?n={n}"), &[]).await;
        assert_eq!(
            answer.header(header::ETAG),
            first.header(header::ETAG),
            "?n={n}"
        );
    }
    assert_eq!(cache.len(), 1);
    assert!(cache.bytes() > 0 && cache.bytes() < 3 * page_cache::MAX_PAGE_BYTES);
}

#[tokio::test]
async fn the_not_found_page_script_carries_the_nonce_the_csp_allows() {
    let (_folder, state) = state().await;
    let router = router(state, false);
    let page = get(&router, "/no-such-page", &[]).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    let nonce = page.csp_nonce();
    let text = page.text();
    assert!(
        text.contains("<script"),
        "the page has its hydration script"
    );
    assert!(
        text.contains(&format!("nonce=\"{nonce}\"")),
        "the script's nonce is {nonce}: {text}"
    );
}

#[tokio::test]
async fn the_csp_lets_fonts_load_from_the_configured_origin_only() {
    let (_folder, state) = state().await;
    let default = get(&router(state.clone(), false), "/sign-in", &[]).await;
    assert!(default
        .header(header::CONTENT_SECURITY_POLICY)
        .contains("font-src 'self' https://assets.nhs.uk;"));
    let none = HttpSettings {
        cookie_secure: false,
        font_origin: None,
        evidence: None,
    };
    let page = get(&router_with(state.clone(), none), "/sign-in", &[]).await;
    assert!(page
        .header(header::CONTENT_SECURITY_POLICY)
        .contains("font-src 'self';"));
    let other = HttpSettings {
        cookie_secure: false,
        font_origin: Some("https://fonts.example.org".into()),
        evidence: None,
    };
    let page = get(&router_with(state, other), "/organisations", &[]).await;
    assert!(page
        .header(header::CONTENT_SECURITY_POLICY)
        .contains("font-src 'self' https://fonts.example.org;"));
}

/// Without TCP_NODELAY most responses on a kept-alive connection waited about 40 ms for the
/// client's delayed ACK: 30 requests took about 0.9 s. With it they take about 12 ms in all.
#[tokio::test]
async fn responses_on_a_kept_alive_connection_are_not_held_back_by_nagle() {
    use tokio::io::AsyncWriteExt;
    let (_folder, state) = state().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let server = tokio::spawn(serve(
        listener,
        router(state, false),
        std::future::pending(),
    ));
    let mut connection = tokio::net::TcpStream::connect(address).await.unwrap();
    connection.set_nodelay(true).unwrap();
    let mut buffer = Vec::new();
    let started = Instant::now();
    for _ in 0..30 {
        connection
            .write_all(b"GET /pkg/dma.css HTTP/1.1\r\nHost: dma.test\r\n\r\n")
            .await
            .unwrap();
        read_response(&mut connection, &mut buffer).await;
    }
    let elapsed = started.elapsed();
    server.abort();
    assert!(
        elapsed < Duration::from_millis(300),
        "30 requests on one connection took {elapsed:?}"
    );
}

/// Reads one whole response (with a Content-Length) from `connection`, keeping what follows.
async fn read_response(connection: &mut tokio::net::TcpStream, buffer: &mut Vec<u8>) {
    use tokio::io::AsyncReadExt;
    loop {
        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buffer[..end]).to_lowercase();
            let length: usize = head
                .lines()
                .find_map(|line| line.strip_prefix("content-length:"))
                .expect("a content length")
                .trim()
                .parse()
                .unwrap();
            if buffer.len() >= end + 4 + length {
                assert!(head.starts_with("http/1.1 200"), "{head}");
                buffer.drain(..end + 4 + length);
                return;
            }
        }
        let mut chunk = [0u8; 4096];
        let read = connection.read(&mut chunk).await.unwrap();
        assert!(read > 0, "the server closed the connection");
        buffer.extend_from_slice(&chunk[..read]);
    }
}

#[test]
fn cargo_leptos_hashed_names_are_recognised() {
    assert!(has_content_hash(HASHED_CSS));
    assert!(has_content_hash("dma.AAAAAAAAAAAAAAAAAAAAAA.wasm"));
    assert!(!has_content_hash("dma.css"));
    assert!(!has_content_hash("dma.wasm"));
    assert!(!has_content_hash("nhsuk-frontend.min.css"));
    assert!(!has_content_hash("AAAAAAAAAAAAAAAAAAAAAA.css"));
    assert!(
        !has_content_hash("dma.AAAAAAAAAAAAAAAAAAAAA.css"),
        "21 characters"
    );
    assert_eq!(static_policy("/pkg/dma.css", "/pkg/"), REVALIDATE);
    assert_eq!(
        static_policy(&format!("/pkg/{HASHED_CSS}"), "/pkg/"),
        IMMUTABLE
    );
    assert_eq!(
        static_policy("/assets/images/favicon.ico", "/pkg/"),
        SHORT_LIVED
    );
    assert_eq!(
        static_policy("/nhsuk/dma.AAAAAAAAAAAAAAAAAAAAAA.css", "/pkg/"),
        SHORT_LIVED,
        "only cargo-leptos's own output is hashed"
    );
}

#[test]
fn a_hashed_site_must_match_its_hash_file() {
    let folder = tempfile::tempdir().unwrap();
    let pkg = folder.path().join("pkg");
    std::fs::create_dir_all(&pkg).unwrap();
    for file in [
        "dma.AAAAAAAAAAAAAAAAAAAAAA.js",
        "dma.BBBBBBBBBBBBBBBBBBBBBB.wasm",
        "dma.CCCCCCCCCCCCCCCCCCCCCC.css",
    ] {
        std::fs::write(pkg.join(file), "").unwrap();
    }
    let hash_file = folder.path().join("hash.txt");
    let options = |hash_files: bool| {
        LeptosOptions::builder()
            .output_name("dma")
            .site_root(folder.path().display().to_string())
            .site_pkg_dir("pkg")
            .hash_files(hash_files)
            .build()
    };
    assert!(check_site(&options(false), &hash_file).is_ok());
    assert!(
        check_site(&options(true), &hash_file).is_err(),
        "no hash file"
    );
    std::fs::write(
        &hash_file,
        "js: AAAAAAAAAAAAAAAAAAAAAA\nwasm: BBBBBBBBBBBBBBBBBBBBBB\ncss: CCCCCCCCCCCCCCCCCCCCCC\n",
    )
    .unwrap();
    assert!(check_site(&options(true), &hash_file).is_ok());
    std::fs::write(&hash_file, "js: DDDDDDDDDDDDDDDDDDDDDD\n").unwrap();
    let error = check_site(&options(true), &hash_file)
        .unwrap_err()
        .to_string();
    assert!(error.contains("different builds"), "{error}");
}
