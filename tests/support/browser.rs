//! A headless Chromium driven through chromedriver, and what the browser journeys do with it:
//! open a page (with or without JavaScript), fill, click, wait for what the page says, sign in.

use crate::fixtures::AccountBuilder;
use crate::TestServer;
use fantoccini::{Client, Locator};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tempfile::TempDir;

/// How long the wait_for_ helpers wait for the page to say what they expect.
const WAIT: Duration = Duration::from_secs(15);

/// A chromedriver process on a free port, ended when dropped.
pub struct ChromeDriver {
    pub url: String,
    process: Child,
}

impl Drop for ChromeDriver {
    /// Ends chromedriver and every Chromium it started (its process group), so a test that fails
    /// before closing its session leaves no browser running.
    fn drop(&mut self) {
        let group = format!("-{}", self.process.id());
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
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
        .process_group(0)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver runs: install it with `apt-get install chromium chromium-driver` (`bash .ci/test` does)");
    // Owned from here on, so a failure below still ends the process (see Drop).
    let driver = ChromeDriver {
        url: format!("http://127.0.0.1:{port}"),
        process,
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return driver;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("chromedriver did not start listening on port {port} within 20 s");
}

/// A headless Chromium session; `javascript: false` turns scripts off for the whole session.
/// Keep the profile folder until the session is closed.
pub async fn start_browser(driver: &ChromeDriver, javascript: bool) -> (Client, TempDir) {
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

/// Waits until the page's islands are interactive. A page without an island loads no code, so
/// there is nothing to wait for.
pub async fn wait_for_hydration(client: &Client) {
    if client
        .find_all(Locator::Css("leptos-island"))
        .await
        .map_or(true, |islands| islands.is_empty())
    {
        return;
    }
    client
        .wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::Css("body[data-hydrated='true']"))
        .await
        .expect("the page hydrates within 30 s: is the site built (cargo leptos build)?");
}

/// Goes to `url` and, with JavaScript on, waits until the page has hydrated.
pub async fn open(client: &Client, url: &str, javascript: bool) {
    client.goto(url).await.unwrap();
    if javascript {
        wait_for_hydration(client).await;
    }
}

/// Fills a text input found by id, replacing what it held.
pub async fn fill(client: &Client, id: &str, text: &str) {
    let input = client
        .find(Locator::Id(id))
        .await
        .unwrap_or_else(|_| panic!("an input #{id}"));
    input.clear().await.unwrap();
    input.send_keys(text).await.unwrap();
}

/// Clicks the first element matching `css`.
pub async fn click(client: &Client, css: &str) {
    client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|_| panic!("an element {css}"))
        .click()
        .await
        .unwrap();
}

/// Clicks the button that says `text`.
pub async fn click_button(client: &Client, text: &str) {
    client
        .find(Locator::XPath(&format!(
            "//button[normalize-space()='{text}']"
        )))
        .await
        .unwrap_or_else(|_| panic!("a button {text:?}"))
        .click()
        .await
        .unwrap();
}

/// Clicks the main content's submit button.
pub async fn submit(client: &Client) {
    click(client, "main button[type='submit']").await;
}

/// The text of the first element matching `css`.
pub async fn text_of(client: &Client, css: &str) -> String {
    client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|_| panic!("an element {css}"))
        .text()
        .await
        .unwrap()
}

/// The `checked` property of the input with id `id`: `Some("true")` when it is checked.
pub async fn checked(client: &Client, id: &str) -> Option<String> {
    client
        .find(Locator::Id(id))
        .await
        .unwrap_or_else(|_| panic!("an input #{id}"))
        .prop("checked")
        .await
        .unwrap()
}

/// Waits until an element matching `css` says `text`. Polls rather than taking the first match,
/// since the page before a form's submission may show the same element saying something else.
pub async fn wait_for_text(client: &Client, css: &str, text: &str) {
    let deadline = Instant::now() + WAIT;
    loop {
        let shown = match client.find(Locator::Css(css)).await {
            Ok(element) => element.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        if shown.contains(text) {
            return;
        }
        if Instant::now() > deadline {
            panic!("{css} says {shown:?}, not {text:?}, after 15 s");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits until the notification banner says `text`.
pub async fn wait_for_banner(client: &Client, text: &str) {
    wait_for_text(client, ".nhsuk-notification-banner", text).await;
}

/// Waits until the page's h1 is exactly `text`.
pub async fn wait_for_heading(client: &Client, text: &str) {
    let deadline = Instant::now() + WAIT;
    loop {
        if let Ok(heading) = client.find(Locator::Css("h1")).await {
            if heading.text().await.unwrap_or_default() == text {
                return;
            }
        }
        if Instant::now() > deadline {
            let url = client.current_url().await.unwrap();
            panic!("no heading {text:?} within 15 s (at {url})");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Creates `account` and signs in with it on the sign-in page, ending on their dashboard;
/// returns the account's id.
pub async fn sign_in_as(
    client: &Client,
    server: &TestServer,
    account: &AccountBuilder,
    javascript: bool,
) -> String {
    let id = account.create(server).await;
    open(client, &format!("{}/sign-in", server.base_url), javascript).await;
    fill(client, "email", &account.email).await;
    fill(client, "password", &account.password).await;
    submit(client).await;
    if account.has_authenticator() {
        wait_for_heading(client, "Enter the code from your authenticator app").await;
        let code = crate::second_factor::fresh_code(server, &id).await;
        fill(client, "code", &code).await;
        submit(client).await;
    }
    wait_for_heading(client, "What needs you now").await;
    id
}
