//! What the end-to-end tests (the journeys binary) and the save benchmark share: a real server on
//! a free port with its own temporary SQLite database and mail folder; requests to it
//! ([`requests`]); accounts, cycles and assessments to start from ([`fixtures`]); and a headless
//! Chromium driven through chromedriver ([`browser`]).

pub mod browser;
pub mod external;
pub mod fixtures;
pub mod requests;
pub mod second_factor;

use app::state::AppState;
use app::store::{AssessmentId, CycleId};
use leptos::config::LeptosOptions;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use tempfile::TempDir;

/// A running service. Dropping it stops the server and its mail worker and deletes its database.
pub struct TestServer {
    pub base_url: String,
    pub state: AppState,
    /// Where the mail worker writes each email as an .eml file.
    pub mail_folder: PathBuf,
    /// Evidence files: kept in a folder of the server's own, scanned only when started with
    /// [`start_server_scanning`].
    pub evidence: std::sync::Arc<server::evidence::EvidenceFiles>,
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
    serve(folder, &database_url, cookie_secure, trust_proxy, None).await
}

/// As `start_server`, on the database at `database_url`, which should be empty (for PostgreSQL,
/// a fresh schema): it is migrated and loaded with the bundled organisations and framework.
pub async fn start_server_on(database_url: &str) -> TestServer {
    let folder = tempfile::tempdir().expect("a temporary folder");
    serve(folder, database_url, false, false, None).await
}

/// As `start_server`, scanning evidence files with the clamd at `clamd_address`.
pub async fn start_server_scanning(clamd_address: &str) -> TestServer {
    let folder = tempfile::tempdir().expect("a temporary folder");
    let database_url = format!("sqlite://{}", folder.path().join("dma.db").display());
    serve(folder, &database_url, false, false, Some(clamd_address)).await
}

/// Serves on a free port with `folder` for mail and evidence files (and the database, when it is
/// SQLite there).
async fn serve(
    folder: TempDir,
    database_url: &str,
    cookie_secure: bool,
    trust_proxy: bool,
    clamd_address: Option<&str>,
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
        refused_attempts: Default::default(),
    };
    let evidence = server::evidence::EvidenceFiles::open(&server::evidence::EvidenceConfig {
        store_url: folder.path().join("evidence").display().to_string(),
        clamd_address: clamd_address.map(str::to_string),
        limits: Default::default(),
        temp_dir: folder.path().join("uploads"),
    })
    .expect("the evidence folder opens");
    let scan_task = evidence.spawn_scanning(db.clone());
    let settings = server::http::HttpSettings {
        evidence: Some(evidence.clone()),
        ..server::http::HttpSettings::new(cookie_secure)
    };
    let router = server::http::router_with(state.clone(), settings);
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
    let mail_task = mailer.spawn(db.writer().clone(), Duration::from_millis(200));
    TestServer {
        base_url,
        state,
        mail_folder,
        evidence,
        tasks: vec![server_task, mail_task, scan_task],
        _folder: folder,
    }
}

impl TestServer {
    /// The id of a trust's acute assessment in a cycle.
    pub async fn acute_assessment(&self, cycle_id: &str, trust: &str) -> String {
        app::store::assessments::for_cycle(&self.state.db, &CycleId::from(cycle_id))
            .await
            .unwrap()
            .into_iter()
            .find(|a| a.trust_ods_code == trust)
            .unwrap_or_else(|| panic!("{trust} has an acute assessment"))
            .id
    }

    /// Where an assessment stands, from the store.
    pub async fn assessment_status(
        &self,
        assessment_id: &str,
    ) -> app::rules::lifecycle::AssessmentStatus {
        app::store::assessments::header(&self.state.db, &AssessmentId::from(assessment_id))
            .await
            .unwrap()
            .expect("the assessment exists")
            .status
    }

    /// The folder this server keeps evidence files in.
    pub fn evidence_folder(&self) -> PathBuf {
        self._folder.path().join("evidence")
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

/// Undoes quoted-printable encoding (soft line breaks and =XX), which mail uses for long lines;
/// robustly, so the headers' `=?utf-8?…` words pass through as written.
pub fn decode_quoted_printable(text: &str) -> String {
    let decoded = quoted_printable::decode(text, quoted_printable::ParseMode::Robust)
        .expect("robust decoding takes any text");
    String::from_utf8_lossy(&decoded).into_owned()
}

/// The first link in an email.
pub fn link_in(mail: &str) -> String {
    let start = mail.find("http").expect("a link in the email");
    mail[start..].split_whitespace().next().unwrap().to_string()
}
