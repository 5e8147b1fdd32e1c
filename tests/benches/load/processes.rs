//! The processes a run drives: release servers on loopback ports, each on the run's database and
//! mail folder, and nginx spreading requests round robin over two of them.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A port nothing listens on now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free loopback port")
        .port()
}

/// How to start one server: the release binary (its hash.txt beside it) and its settings.
#[derive(Clone)]
pub struct ServerCommand {
    pub binary: PathBuf,
    pub site: PathBuf,
    pub database_url: String,
    pub mail_folder: PathBuf,
    pub public_url: String,
    pub behind_proxy: bool,
    pub log_folder: PathBuf,
}

/// One running server process; killed when dropped.
pub struct ServerProcess {
    command: ServerCommand,
    pub port: u16,
    child: Child,
    /// How many times it has been started, naming its log files.
    starts: u32,
}

impl ServerCommand {
    fn spawn(&self, port: u16, start: u32) -> Child {
        let log = File::create(self.log_folder.join(format!("server-{port}-{start}.log")))
            .expect("a log file");
        Command::new(&self.binary)
            .arg("serve")
            .env("DATABASE_URL", &self.database_url)
            .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
            .env("LEPTOS_SITE_ROOT", &self.site)
            .env("LEPTOS_OUTPUT_NAME", "dma")
            .env("LEPTOS_HASH_FILES", "true")
            .env("MAIL_DIR", &self.mail_folder)
            .env("PUBLIC_URL", &self.public_url)
            .env("TRUST_PROXY", if self.behind_proxy { "1" } else { "0" })
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|error| panic!("starting {}: {error}", self.binary.display()))
    }

    /// The warnings and errors the servers logged (RUST_LOG=warn: nothing else is logged), errors
    /// first.
    pub fn logged_problems(&self) -> Vec<String> {
        let mut files: Vec<_> = std::fs::read_dir(&self.log_folder)
            .map(|entries| entries.flatten().map(|entry| entry.path()).collect())
            .unwrap_or_default();
        files.sort();
        let mut lines: Vec<String> = files
            .iter()
            .flat_map(|file| {
                let name = file
                    .file_name()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .to_string();
                std::fs::read_to_string(file)
                    .unwrap_or_default()
                    .lines()
                    .map(|line| format!("{name}: {}", without_colours(line)))
                    .collect::<Vec<_>>()
            })
            .collect();
        lines.sort_by_key(|line| !line.contains(" ERROR "));
        lines
    }

    /// `server verify-audit` on the run's database: its exit status and what it printed.
    pub fn verify_audit(&self) -> (bool, String) {
        let output = Command::new(&self.binary)
            .arg("verify-audit")
            .env("DATABASE_URL", &self.database_url)
            .env("LEPTOS_OUTPUT_NAME", "dma")
            .env("RUST_LOG", "warn")
            .output()
            .expect("running verify-audit");
        let printed = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        (output.status.success(), printed.trim().to_string())
    }
}

impl ServerProcess {
    /// Starts a server on `port` and waits until it answers.
    pub async fn start(command: &ServerCommand, port: u16) -> ServerProcess {
        let child = command.spawn(port, 1);
        let process = ServerProcess {
            command: command.clone(),
            port,
            child,
            starts: 1,
        };
        process.wait_until_ready().await;
        process
    }

    /// Kills it with SIGKILL, as a power cut or the OOM killer would: nothing is flushed.
    pub fn kill(&mut self) {
        self.child.kill().expect("SIGKILL");
        self.child.wait().expect("the killed server is reaped");
    }

    /// Starts it again on the same port and waits until it answers; returns how long that took.
    pub async fn restart(&mut self) -> Duration {
        let started = Instant::now();
        self.starts += 1;
        self.child = self.command.spawn(self.port, self.starts);
        self.wait_until_ready().await;
        started.elapsed()
    }

    async fn wait_until_ready(&self) {
        assert!(
            healthy_within(self.port, Duration::from_secs(60)).await,
            "the server on port {} did not answer within 60 s; see its log in {}",
            self.port,
            self.command.log_folder.display()
        );
    }
}

/// Whether `GET /healthz` on `port` answers 200 within `limit`, asking every 50 ms.
async fn healthy_within(port: u16, limit: Duration) -> bool {
    let url = format!("http://127.0.0.1:{port}/healthz");
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if let Ok(response) = reqwest::get(&url).await {
            if response.status().is_success() {
                return true;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Debian's nginx with a configuration of its own: round robin over the servers, passing on the
/// client's address in X-Forwarded-For, and logging which server answered each request.
pub struct Nginx {
    child: Child,
    access_log: PathBuf,
}

impl Nginx {
    /// Starts nginx on `port`, in front of the servers on `upstream_ports`.
    pub async fn start(folder: &Path, port: u16, upstream_ports: &[u16]) -> Nginx {
        std::fs::create_dir_all(folder).expect("the nginx folder");
        let upstreams: String = upstream_ports
            .iter()
            .map(|port| format!("    server 127.0.0.1:{port};\n"))
            .collect();
        let folder_text = folder.display();
        let access_log = folder.join("upstreams.log");
        let configuration = format!(
            "worker_processes 1;
pid {folder_text}/nginx.pid;
error_log {folder_text}/error.log warn;
daemon off;
events {{ worker_connections 4096; }}
http {{
  log_format upstream '$upstream_addr';
  access_log {log} upstream;
  client_body_temp_path {folder_text}/body;
  proxy_temp_path {folder_text}/proxy;
  fastcgi_temp_path {folder_text}/fastcgi;
  uwsgi_temp_path {folder_text}/uwsgi;
  scgi_temp_path {folder_text}/scgi;
  upstream dma {{
{upstreams}    keepalive 64;
  }}
  server {{
    listen 127.0.0.1:{port};
    location / {{
      proxy_pass http://dma;
      proxy_http_version 1.1;
      proxy_set_header Connection \"\";
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
    }}
  }}
}}
",
            log = access_log.display()
        );
        let config_file = folder.join("nginx.conf");
        std::fs::write(&config_file, configuration).expect("the nginx configuration");
        let child = Command::new("nginx")
            .arg("-e")
            .arg(folder.join("error.log"))
            .arg("-p")
            .arg(folder)
            .arg("-c")
            .arg(&config_file)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("starting nginx (apt-get install nginx)");
        let nginx = Nginx { child, access_log };
        assert!(
            healthy_within(port, Duration::from_secs(20)).await,
            "nginx did not answer on {port}"
        );
        nginx
    }

    /// How many requests each server answered, from nginx's log.
    pub fn requests_by_upstream(&self) -> Vec<(String, usize)> {
        let log = std::fs::read_to_string(&self.access_log).unwrap_or_default();
        let mut counts = std::collections::BTreeMap::new();
        for line in log.lines() {
            *counts.entry(line.to_string()).or_insert(0) += 1;
        }
        counts.into_iter().collect()
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `line` without the terminal colour codes the server's log writes.
fn without_colours(line: &str) -> String {
    let mut plain = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            chars.by_ref().find(|c| c.is_ascii_alphabetic());
        } else {
            plain.push(c);
        }
    }
    plain
}
