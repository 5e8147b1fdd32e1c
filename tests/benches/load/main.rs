//! Many people using the service at once, against release servers in their own processes:
//! trust leads saving domains, peer reviewers saving reviews, moderators reading side-by-side
//! pages, an administrator inviting people (each an email) and the public reading results, each
//! signed in with a real session and pausing between requests, for a fixed time. Then every save
//! the service acknowledged is looked for in the database, the mail folder is compared with the
//! outbox, and the audit chain is verified with `server verify-audit`.
//!
//! `bash .ci/load` builds the release server and runs the scenarios; this program runs one:
//!
//! cargo bench -p e2e --bench load -- --server DIR/server --site DIR/site \
//!     [--database sqlite|postgres] [--instances 2] [--sessions 200] [--seconds 60] \
//!     [--think-ms 1000] [--crashes 3]
//!
//! With two instances, nginx (Debian's) spreads requests over them round robin. With crashes,
//! the (first) server is killed with SIGKILL that many times during the run and started again;
//! requests it could not answer are counted but are not acknowledged saves.
//! It prints figures and exits with failure if a check fails; it asserts no timings.

mod checks;
mod figures;
mod journeys;
mod people;
mod processes;

use app::store::Db;
use clap::{Parser, ValueEnum};
use e2e::TestServer;
use journeys::{Acknowledged, Person, Timed};
use people::Mix;
use processes::{free_port, Nginx, ServerCommand, ServerProcess};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Domains each lead and reviewer goes round: few enough that each is saved several times.
const DOMAINS_PER_PERSON: usize = 5;

#[derive(Parser)]
struct Options {
    /// The release server binary, with its hash.txt beside it.
    #[arg(long)]
    server: PathBuf,
    /// The release site (LEPTOS_SITE_ROOT).
    #[arg(long)]
    site: PathBuf,
    #[arg(long, value_enum, default_value = "sqlite")]
    database: Database,
    /// PostgreSQL to use, in a fresh schema dropped afterwards.
    #[arg(long, env = "TEST_POSTGRES_URL")]
    postgres_url: Option<String>,
    /// Servers on the one database; with more than one, nginx in front.
    #[arg(long, default_value_t = 1)]
    instances: usize,
    /// People at work at once.
    #[arg(long, default_value_t = 200)]
    sessions: usize,
    #[arg(long, default_value_t = 60)]
    seconds: u64,
    /// The mean pause between one person's requests, in milliseconds.
    #[arg(long, default_value_t = 1000)]
    think_ms: u64,
    /// Times to kill the first server with SIGKILL during the run, starting it again each time.
    #[arg(long, default_value_t = 0)]
    crashes: usize,
    /// `cargo bench` passes --bench to every benchmark; there is nothing to choose.
    #[arg(long = "bench", hide = true)]
    _bench: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Database {
    Sqlite,
    Postgres,
}

#[tokio::main]
async fn main() -> ExitCode {
    let options = Options::parse();
    let work = tempfile::tempdir().expect("a temporary folder");
    // nginx's workers run as another user and write into its folder.
    std::fs::set_permissions(
        work.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .expect("the folder's permissions");
    let (database_url, schema) = match options.database {
        Database::Sqlite => (format!("sqlite://{}/dma.db", work.path().display()), None),
        Database::Postgres => {
            let url = options
                .postgres_url
                .as_deref()
                .expect("--postgres-url or TEST_POSTGRES_URL");
            let (url, schema) = fresh_schema(url).await;
            (url, Some(schema))
        }
    };
    let db = server::open_database(&database_url)
        .await
        .expect("the database opens and migrates");
    let mail_folder = work.path().join("mail");
    let log_folder = work.path().join("logs");
    std::fs::create_dir_all(&log_folder).unwrap();
    let ports: Vec<u16> = (0..options.instances).map(|_| free_port()).collect();
    let nginx_port = (options.instances > 1).then(free_port);
    let base_url = format!("http://127.0.0.1:{}", nginx_port.unwrap_or(ports[0]));
    let service = TestServer::external(&base_url, db.clone(), mail_folder.clone());

    let mix = Mix::of(options.sessions);
    let started = Instant::now();
    let people = people::set_up(&service, &mix).await;
    println!(
        "Set up {} people ({} leads, {} reviewers, {} moderators, {} administrators, {} public) in {:.1} s",
        people.len(),
        mix.leads,
        mix.reviewers,
        mix.moderators,
        mix.admins,
        mix.public,
        started.elapsed().as_secs_f64()
    );
    let command = ServerCommand {
        binary: options.server.clone(),
        site: options.site.clone(),
        database_url: database_url.clone(),
        mail_folder: mail_folder.clone(),
        public_url: base_url.clone(),
        behind_proxy: nginx_port.is_some(),
        log_folder: log_folder.clone(),
    };
    let servers_started = app::store::now_utc();
    let mut servers = Vec::new();
    for port in &ports {
        servers.push(ServerProcess::start(&command, *port).await);
    }
    let nginx = match nginx_port {
        Some(port) => Some(Nginx::start(&work.path().join("nginx"), port, &ports).await),
        None => None,
    };
    let started = Instant::now();
    let clients = people::sign_in(&service, &people).await;
    println!(
        "Signed in {} people in {:.1} s",
        people
            .iter()
            .filter(|person| person.email.is_some())
            .count(),
        started.elapsed().as_secs_f64()
    );

    let domains = Arc::new(
        e2e::fixtures::acute_domains(&service)
            .await
            .into_iter()
            .take(DOMAINS_PER_PERSON)
            .collect::<Vec<_>>(),
    );
    let think = Duration::from_millis(options.think_ms);
    let run = Duration::from_secs(options.seconds);
    let crashed = options.crashes > 0;
    let started = Instant::now();
    let until = started + run;
    let workers: Vec<_> = people
        .into_iter()
        .zip(clients)
        .enumerate()
        .map(|(number, (person, client))| {
            let person = Person::new(number, client, person.part, &base_url, domains.clone());
            tokio::spawn(person.work(until, think, crashed.then(|| db.clone())))
        })
        .collect();
    let mut downtime = Vec::new();
    for crash in 1..=options.crashes {
        let at = started + run.mul_f64(crash as f64 / (options.crashes + 1) as f64);
        tokio::time::sleep_until(at.into()).await;
        servers[0].kill();
        downtime.push(servers[0].restart().await);
    }
    let mut requests: Vec<Timed> = Vec::new();
    let mut acknowledged: Vec<Acknowledged> = Vec::new();
    let mut resynchronised = 0;
    for worker in workers {
        let record = worker.await.expect("a person's work ends");
        requests.extend(record.requests);
        acknowledged.extend(record.acknowledged);
        resynchronised += record.resynchronised;
    }
    let elapsed = started.elapsed();

    println!(
        "\n{}, {} server{}{}, {} people for {} s, pausing {} ms on average between requests:\n",
        match options.database {
            Database::Sqlite => "SQLite",
            Database::Postgres => "PostgreSQL",
        },
        options.instances,
        if options.instances == 1 {
            ""
        } else {
            "s behind nginx"
        },
        if crashed {
            format!(", killed with SIGKILL {} times", options.crashes)
        } else {
            String::new()
        },
        options.sessions,
        options.seconds,
        options.think_ms
    );
    let errors = figures::print(&requests, elapsed);
    let mut failed = !crashed && errors > 0;
    for error in requests
        .iter()
        .filter_map(|timed| timed.error.as_ref())
        .take(5)
    {
        println!("  error: {error}");
    }
    let logged = command.logged_problems();
    println!("The servers logged {} warnings or errors", logged.len());
    for line in logged.iter().take(10) {
        println!("  {line}");
    }
    if let Some(nginx) = &nginx {
        for (upstream, count) in nginx.requests_by_upstream() {
            println!("nginx sent {count} requests to {upstream}");
        }
    }
    for (number, took) in downtime.iter().enumerate() {
        println!(
            "crash {}: killed, started again and answering in {:.0} ms",
            number + 1,
            took.as_secs_f64() * 1000.0
        );
    }

    let saves = checks::saves(&db, &domains, &acknowledged, crashed).await;
    println!(
        "\nAcknowledged saves: {}; without their audit record: {}; domains not at the last acknowledged version: {}; with other content: {}{}",
        saves.acknowledged,
        saves.missing.len(),
        saves.wrong_version.len(),
        saves.wrong_content.len(),
        if crashed {
            format!("; versions read again after a lost answer: {resynchronised}")
        } else {
            String::new()
        }
    );
    for problem in saves
        .missing
        .iter()
        .chain(&saves.wrong_version)
        .chain(&saves.wrong_content)
        .take(10)
    {
        println!("  {problem}");
    }
    failed |= !saves.missing.is_empty()
        || !saves.wrong_version.is_empty()
        || !saves.wrong_content.is_empty();

    // A message claimed by a killed server waits out its lease (2 minutes) before it is sent.
    let patience = Duration::from_secs(if crashed { 180 } else { 30 });
    let mail = checks::mail(&db, &servers_started, &mail_folder, &acknowledged, patience).await;
    println!(
        "Mail: {} queued ({} deadline reminders), {} not sent; {} files, {} distinct Message-IDs, {} sent again under the same Message-ID; {} queued twice; {} acknowledged invitations without an email",
        mail.queued,
        mail.reminders,
        mail.unsent,
        mail.files,
        mail.distinct,
        mail.resent.len(),
        mail.queued_twice,
        mail.invitations_unsent.len()
    );
    failed |= mail.unsent > 0
        || mail.queued_twice > 0
        || !mail.invitations_unsent.is_empty()
        || mail.distinct as i64 != mail.queued
        || (!crashed && !mail.resent.is_empty());

    drop(nginx);
    drop(servers);
    let (verified, printed) = command.verify_audit();
    println!("server verify-audit: {}", printed.replace('\n', " / "));
    failed |= !verified;

    db.pool.close().await;
    if let (Some(schema), Some(url)) = (schema, options.postgres_url.as_deref()) {
        drop_schema(url, &schema).await;
    }
    if failed {
        println!("\nFAILED: see above");
        ExitCode::FAILURE
    } else {
        println!("\nAll checks passed");
        ExitCode::SUCCESS
    }
}

/// A new schema in the PostgreSQL database at `url`, and a URL whose connections use it.
async fn fresh_schema(url: &str) -> (String, String) {
    let admin = Db::connect(url).await.expect("PostgreSQL answers");
    let started = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let schema = format!("load_{}_{started}", std::process::id());
    sqlx::query(&format!("CREATE SCHEMA {schema}"))
        .execute(&admin.pool)
        .await
        .expect("create the schema");
    admin.pool.close().await;
    let separator = if url.contains('?') { '&' } else { '?' };
    (
        format!("{url}{separator}options=-c%20search_path%3D{schema}"),
        schema,
    )
}

async fn drop_schema(url: &str, schema: &str) {
    let admin = Db::connect(url).await.expect("PostgreSQL answers");
    sqlx::query(&format!("DROP SCHEMA {schema} CASCADE"))
        .execute(&admin.pool)
        .await
        .expect("drop the schema");
    admin.pool.close().await;
}
