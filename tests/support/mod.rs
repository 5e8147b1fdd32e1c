//! What the end-to-end tests share: a real server on a free port with its own temporary SQLite
//! database, and a headless Chromium driven through chromedriver.

use app::state::AppState;
use leptos::config::LeptosOptions;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tempfile::TempDir;

/// A running service. Dropping it stops the server task and deletes its database.
pub struct TestServer {
    pub base_url: String,
    pub state: AppState,
    task: tokio::task::JoinHandle<()>,
    _folder: TempDir,
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The folder cargo-leptos builds the site into: the wasm, its JS, the CSS and the NHS.UK assets.
pub fn site_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/site")
}

/// Starts the service the way `server serve` does, on 127.0.0.1 with a free port.
pub async fn start_server() -> TestServer {
    let folder = tempfile::tempdir().expect("a temporary folder");
    let database_url = format!("sqlite://{}", folder.path().join("dma.db").display());
    let db = server::open_database(&database_url)
        .await
        .expect("the database opens and migrates");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a free port");
    let address = listener.local_addr().expect("the bound address");
    let leptos_options = LeptosOptions::builder()
        .output_name("dma")
        .site_root(site_root().display().to_string())
        .site_pkg_dir("pkg")
        .site_addr(address)
        .build();
    let state = AppState { leptos_options, db };
    let router = server::http::router(state.clone());
    let task = tokio::spawn(async move {
        axum::serve(listener, router)
            .await
            .expect("the test server runs");
    });
    TestServer {
        base_url: format!("http://{address}"),
        state,
        task,
        _folder: folder,
    }
}

/// A chromedriver process on a free port, ended when dropped.
pub struct ChromeDriver {
    pub url: String,
    process: Child,
}

impl Drop for ChromeDriver {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub async fn start_chromedriver() -> ChromeDriver {
    let port = free_port();
    let process = Command::new("chromedriver")
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver runs: install it with `apt-get install chromium chromium-driver` (the README's test command does)");
    let url = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return ChromeDriver { url, process };
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("chromedriver did not start listening on port {port} within 20 s");
}

/// A headless Chromium session; `javascript: false` turns scripts off for the whole session.
pub async fn browser(driver: &ChromeDriver, javascript: bool) -> (fantoccini::Client, TempDir) {
    let profile = tempfile::tempdir().expect("a temporary browser profile");
    let mut chrome_options = serde_json::json!({
        "binary": "/usr/bin/chromium",
        "args": [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-dev-shm-usage", "--window-size=1280,900",
            format!("--user-data-dir={}", profile.path().display()),
        ],
    });
    if !javascript {
        chrome_options["prefs"] =
            serde_json::json!({"profile.managed_default_content_settings.javascript": 2});
    }
    let mut capabilities = serde_json::Map::new();
    capabilities.insert("browserName".into(), "chrome".into());
    capabilities.insert("goog:chromeOptions".into(), chrome_options);
    let client = fantoccini::ClientBuilder::native()
        .capabilities(capabilities)
        .connect(&driver.url)
        .await
        .expect("a Chromium session through chromedriver");
    (client, profile)
}

/// Waits for the wasm to hydrate the page (the app marks <body> once it has).
pub async fn wait_for_hydration(client: &fantoccini::Client) {
    client
        .wait()
        .at_most(Duration::from_secs(30))
        .for_element(fantoccini::Locator::Css("body[data-hydrated='true']"))
        .await
        .expect("the page hydrates within 30 s: is the site built (cargo leptos build)?");
}
