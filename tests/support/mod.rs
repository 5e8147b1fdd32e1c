//! What the end-to-end tests share: a real server on a free port with its own temporary SQLite
//! database, and a headless Chromium driven through chromedriver.

use app::rules::accounts::Role;
use app::state::AppState;
use app::store::accounts::{upsert_with_password, NewAccount};
use leptos::config::LeptosOptions;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tempfile::TempDir;

/// A running service. Dropping it stops the server and its mail worker and deletes its database.
pub struct TestServer {
    pub base_url: String,
    pub state: AppState,
    /// Where the mail worker writes each email as an .eml file.
    pub mail_folder: PathBuf,
    tasks: Vec<tokio::task::JoinHandle<()>>,
    _folder: TempDir,
}

impl Drop for TestServer {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// The folder cargo-leptos builds the site into: the wasm, its JS, the CSS and the NHS.UK assets.
pub fn site_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/site")
}

/// Starts the service the way `server serve` does, on 127.0.0.1 with a free port, with the
/// session cookie for plain http.
pub async fn start_server() -> TestServer {
    start_server_with(false, false).await
}

/// As `start_server`, choosing whether the session cookie is the HTTPS one and whether the
/// service trusts X-Forwarded-For as a load balancer's.
pub async fn start_server_with(cookie_secure: bool, trust_proxy: bool) -> TestServer {
    let folder = tempfile::tempdir().expect("a temporary folder");
    let database_url = format!("sqlite://{}", folder.path().join("dma.db").display());
    serve(folder, &database_url, cookie_secure, trust_proxy).await
}

/// As `start_server`, on the database at `database_url`, which should be empty (for PostgreSQL,
/// a fresh schema): it is migrated and loaded with the bundled organisations and framework.
pub async fn start_server_on(database_url: &str) -> TestServer {
    let folder = tempfile::tempdir().expect("a temporary folder");
    serve(folder, database_url, false, false).await
}

/// Serves on a free port with `folder` for mail (and the database, when it is SQLite there).
async fn serve(
    folder: TempDir,
    database_url: &str,
    cookie_secure: bool,
    trust_proxy: bool,
) -> TestServer {
    let db = server::open_database(database_url)
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
    let base_url = format!("http://{address}");
    let state = AppState {
        leptos_options,
        db: db.clone(),
        public_url: base_url.clone(),
        trust_proxy,
    };
    let router = server::http::router(state.clone(), cookie_secure);
    let server_task = tokio::spawn(async move {
        server::http::serve(listener, router, std::future::pending())
            .await
            .expect("the test server runs");
    });
    let mail_folder = folder.path().join("mail");
    let mail = server::config::MailConfig {
        from: "DMA tests <dma@tests.invalid>".into(),
        transport: server::config::MailTransportConfig::Files {
            folder: mail_folder.clone(),
        },
    };
    let mailer = server::mailer::Mailer::new(&mail).expect("the mail folder can be created");
    let mail_task = mailer.spawn(db.pool.clone(), Duration::from_millis(200));
    TestServer {
        base_url,
        state,
        mail_folder,
        tasks: vec![server_task, mail_task],
        _folder: folder,
    }
}

impl TestServer {
    /// Creates an account with a password, as the demo data does; returns its id.
    pub async fn create_account(
        &self,
        email: &str,
        org: Option<&str>,
        roles: &[Role],
        password: &str,
    ) -> String {
        let hash = app::api::credentials::hash_password(password.to_string())
            .await
            .expect("hashing works");
        let account = NewAccount {
            email: email.into(),
            display_name: format!(
                "Test {}",
                roles
                    .iter()
                    .map(|r| r.label())
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
            org_ods_code: org.map(Into::into),
            roles: roles.to_vec(),
        };
        upsert_with_password(&self.state.db, "tests", &account, &hash)
            .await
            .expect("the account is stored")
    }

    /// An account with a password, signed in on a fresh client.
    pub async fn signed_in_client(
        &self,
        email: &str,
        org: Option<&str>,
        roles: &[Role],
    ) -> reqwest::Client {
        const PASSWORD: &str = "coffee lantern meadow bicycle";
        self.create_account(email, org, roles, PASSWORD).await;
        let client = api_client();
        let (status, body) = call(
            &client,
            &self.function_url(<app::api::accounts::SignIn as leptos::server_fn::ServerFn>::PATH),
            &[("email", email), ("password", PASSWORD), ("next", "")],
        )
        .await;
        assert_eq!(status, 200, "{email} signs in: {body}");
        client
    }

    /// Creates a cycle of acute assessments whose submission deadline is `deadline_in_days`
    /// from today (negative: already passed), and opens it. Returns the cycle's id.
    pub async fn open_acute_cycle(&self, name: &str, deadline_in_days: i64) -> String {
        use app::store::cycles::{create, open, NewCycle};
        let dates = app::rules::cycles::CycleDates {
            opens_on: app::store::date_in_days(-30),
            submission_deadline: app::store::date_in_days(deadline_in_days),
            review_deadline: app::store::date_in_days(deadline_in_days + 30),
            moderation_deadline: app::store::date_in_days(deadline_in_days + 60),
            publication_on: app::store::date_in_days(deadline_in_days + 90),
        };
        let cycle = NewCycle {
            name: name.into(),
            framework_version: "2026.1".into(),
            dates,
            care_settings: vec![app::rules::organisations::CareSetting::Acute],
            region_ods_codes: Vec::new(),
            reviewers_per_assessment: 2,
            reviewer_capacity: 3,
        };
        let db = &self.state.db;
        let id = create(db, "tests", &cycle, false)
            .await
            .expect("the cycle is created");
        open(db, "tests", &id, |lead| app::store::outbox::OutgoingMail {
            to: lead.email.clone(),
            subject: "Cycle open".into(),
            body: String::new(),
        })
        .await
        .expect("the cycle opens");
        id
    }

    /// The id of a trust's acute assessment in a cycle.
    pub async fn acute_assessment(&self, cycle_id: &str, trust: &str) -> String {
        app::store::assessments::for_cycle(&self.state.db, cycle_id)
            .await
            .unwrap()
            .into_iter()
            .find(|a| a.trust_ods_code == trust)
            .unwrap_or_else(|| panic!("{trust} has an acute assessment"))
            .id
    }

    /// The URL of a server function, from its `PATH`.
    pub fn function_url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// Waits for an email to `to` to appear as a file, and returns its text, decoded.
    pub async fn wait_for_mail_to(&self, to: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(15);
        while Instant::now() < deadline {
            if let Ok(entries) = std::fs::read_dir(&self.mail_folder) {
                for entry in entries.flatten() {
                    let text = decode_quoted_printable(
                        &std::fs::read_to_string(entry.path()).unwrap_or_default(),
                    );
                    if text.contains(&format!("To: {to}")) {
                        return text;
                    }
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("no email to {to} within 15 s");
    }
}

/// The form fields that answer every criterion of `domain`: met (with evidence) up to and
/// including `met_up_to`, not met above it.
pub fn answer_fields(
    assessment: &str,
    domain: &app::rules::framework::Domain,
    version: i64,
    met_up_to: u8,
) -> Vec<(String, String)> {
    let mut fields = vec![
        ("assessment_id".to_string(), assessment.to_string()),
        ("domain_key".to_string(), domain.key.clone()),
        ("version".to_string(), version.to_string()),
    ];
    for level in &domain.levels {
        for criterion in &level.criteria {
            let met = level.level <= met_up_to;
            fields.push((
                format!("answers[{}][met]", criterion.key),
                if met { "met" } else { "not-met" }.to_string(),
            ));
            fields.push((
                format!("answers[{}][evidence]", criterion.key),
                if met {
                    format!("Board paper for {}", criterion.key)
                } else {
                    String::new()
                },
            ));
        }
    }
    fields
}

/// Undoes quoted-printable encoding (soft line breaks and =XX), which mail uses for long lines.
pub fn decode_quoted_printable(text: &str) -> String {
    let joined = text.replace("=\r\n", "").replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' && i + 3 <= bytes.len() {
            if let Some(byte) = std::str::from_utf8(&bytes[i + 1..i + 3])
                .ok()
                .and_then(|hex| u8::from_str_radix(hex, 16).ok())
            {
                out.push(byte);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The first link in an email.
pub fn link_in(mail: &str) -> String {
    let start = mail.find("http").expect("a link in the email");
    mail[start..].split_whitespace().next().unwrap().to_string()
}

/// Longest a test waits for one response: a hung request fails its test instead of the whole run.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// A client that keeps cookies, does not follow redirects, and (sending no Accept: text/html)
/// calls server functions as the browser's hydrated client does.
pub fn api_client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(REQUEST_TIMEOUT)
        .build()
        .unwrap()
}

/// Calls a server function with form fields; returns the status and the body.
pub async fn call(client: &reqwest::Client, url: &str, fields: &[(&str, &str)]) -> (u16, String) {
    let response = client
        .post(url)
        .form(fields)
        .send()
        .await
        .expect("the server answers");
    let status = response.status().as_u16();
    (status, response.text().await.unwrap_or_default())
}

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
        .expect("chromedriver runs: install it with `apt-get install chromium chromium-driver` (the README's test command does)");
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
/// Waits until the page's islands are interactive. A page without an island loads no code, so
/// there is nothing to wait for.
pub async fn wait_for_hydration(client: &fantoccini::Client) {
    if client
        .find_all(fantoccini::Locator::Css("leptos-island"))
        .await
        .map_or(true, |islands| islands.is_empty())
    {
        return;
    }
    client
        .wait()
        .at_most(Duration::from_secs(30))
        .for_element(fantoccini::Locator::Css("body[data-hydrated='true']"))
        .await
        .expect("the page hydrates within 30 s: is the site built (cargo leptos build)?");
}
