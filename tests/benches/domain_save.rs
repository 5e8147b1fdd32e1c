//! Times domain saves under concurrent load: 50 trust leads, each of a different acute trust and
//! signed in on its own client, save their own assessment's domains at the same time, over HTTP
//! through the SaveDomainAnswers server function of a server started in-process as the end-to-end
//! tests start it. Each session cycles through a few domains, alternating the answers so every
//! save changes data, and always quotes the version its previous save of that domain returned:
//! any conflict is an error. Prints latency percentiles, throughput and errors for SQLite and,
//! when BENCH_POSTGRES_URL or TEST_POSTGRES_URL is set, for PostgreSQL (in a fresh schema,
//! dropped afterwards).
//!
//! cargo bench -p e2e --bench domain_save
//!
//! Only the saves are timed, client-side (the clients share the server's runtime and cores):
//! account creation and the argon2 sign-ins happen before, and a few warm-up saves per session
//! are not counted.

use app::api::assessments::SaveDomainAnswers;
use app::rules::accounts::Role;
use app::rules::framework::Domain;
use app::store::Db;
use e2e::fixtures::{acute_domains, answer_fields, AccountBuilder, CycleBuilder};
use e2e::{start_server, start_server_on, TestServer};
use leptos::server_fn::ServerFn;
use std::sync::Arc;
use std::time::{Duration, Instant};

const SESSIONS: usize = 50;
const WARM_UP_SAVES: usize = 2;
const SAVES: usize = 20;
/// Few enough that each domain is saved several times, so updates are timed as well as first
/// saves.
const DOMAINS_PER_SESSION: usize = 5;

/// One trust lead's session and the version it last got back for each of its domains.
struct Session {
    client: reqwest::Client,
    assessment: String,
    versions: Vec<i64>,
    saves_done: usize,
}

/// What one database's run measured.
struct Figures {
    database: &'static str,
    latencies: Vec<Duration>,
    errors: Vec<String>,
    elapsed: Duration,
}

#[tokio::main]
async fn main() {
    let mut figures = vec![measure("sqlite", start_server().await).await];
    let postgres_url = std::env::var("BENCH_POSTGRES_URL")
        .or_else(|_| std::env::var("TEST_POSTGRES_URL"))
        .ok();
    if let Some(url) = postgres_url {
        figures.push(on_postgres(&url).await);
    }
    println!(
        "\n{SESSIONS} sessions x {SAVES} saves over {DOMAINS_PER_SESSION} domains each, after {WARM_UP_SAVES} warm-up saves each\n"
    );
    println!(
        "{:<10} {:>8} {:>6} {:>6} {:>8} {:>8} {:>8} {:>8} {:>11}",
        "database",
        "sessions",
        "saves",
        "errors",
        "p50_ms",
        "p90_ms",
        "p99_ms",
        "max_ms",
        "saves_per_s"
    );
    for run in &figures {
        let mut sorted = run.latencies.clone();
        sorted.sort();
        let ms =
            |duration: Option<&Duration>| duration.map_or(f64::NAN, |d| d.as_secs_f64() * 1000.0);
        println!(
            "{:<10} {:>8} {:>6} {:>6} {:>8.1} {:>8.1} {:>8.1} {:>8.1} {:>11.1}",
            run.database,
            SESSIONS,
            sorted.len(),
            run.errors.len(),
            ms(percentile(&sorted, 50.0)),
            ms(percentile(&sorted, 90.0)),
            ms(percentile(&sorted, 99.0)),
            ms(sorted.last()),
            sorted.len() as f64 / run.elapsed.as_secs_f64()
        );
    }
    for run in &figures {
        for error in run.errors.iter().take(5) {
            eprintln!("{} error: {error}", run.database);
        }
    }
}

/// Runs the benchmark in a fresh schema of the PostgreSQL database at `url`, then drops it.
async fn on_postgres(url: &str) -> Figures {
    let admin = Db::connect(url)
        .await
        .expect("PostgreSQL at BENCH_POSTGRES_URL or TEST_POSTGRES_URL answers");
    let started = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let schema = format!("bench_{}_{started}", std::process::id());
    sqlx::query(&format!("CREATE SCHEMA {schema}"))
        .execute(&admin.pool)
        .await
        .expect("create the benchmark schema");
    let separator = if url.contains('?') { '&' } else { '?' };
    let server = start_server_on(&format!(
        "{url}{separator}options=-c%20search_path%3D{schema}"
    ))
    .await;
    let pool = server.state.db.pool.clone();
    let figures = measure("postgres", server).await;
    // The server's connections go first, so nothing holds the schema's tables.
    pool.close().await;
    sqlx::query(&format!("DROP SCHEMA {schema} CASCADE"))
        .execute(&admin.pool)
        .await
        .expect("drop the benchmark schema");
    admin.pool.close().await;
    figures
}

/// Signs in the leads of the first acute trusts of a new cycle, warms up, then times the saves.
async fn measure(database: &'static str, server: TestServer) -> Figures {
    let cycle = CycleBuilder::new().name("Benchmark").open(&server).await;
    let assessments = app::store::assessments::for_cycle(&server.state.db, &cycle)
        .await
        .expect("the cycle's assessments");
    assert!(
        assessments.len() >= SESSIONS,
        "only {} acute trusts",
        assessments.len()
    );
    let domains: Arc<Vec<Domain>> = Arc::new(
        acute_domains(&server)
            .await
            .into_iter()
            .take(DOMAINS_PER_SESSION)
            .collect(),
    );
    let mut sessions = Vec::with_capacity(SESSIONS);
    for assessment in &assessments[..SESSIONS] {
        let trust = &assessment.trust_ods_code;
        let email = format!("lead@{}.nhs.uk", trust.to_lowercase());
        sessions.push(Session {
            client: AccountBuilder::new(&email)
                .org(trust)
                .role(Role::TrustLead)
                .signed_in(&server)
                .await,
            assessment: assessment.id.clone(),
            versions: vec![0; domains.len()],
            saves_done: 0,
        });
    }
    let url = Arc::new(server.function_url(SaveDomainAnswers::PATH));
    let (sessions, _, warm_up_errors, _) =
        run_concurrently(sessions, WARM_UP_SAVES, &url, &domains).await;
    let (_, latencies, mut errors, elapsed) =
        run_concurrently(sessions, SAVES, &url, &domains).await;
    errors.extend(warm_up_errors);
    Figures {
        database,
        latencies,
        errors,
        elapsed,
    }
}

/// Each session makes `saves` saves, all sessions at once; returns the sessions, the latency of
/// every successful save, the errors, and the wall time until the last session finished.
async fn run_concurrently(
    sessions: Vec<Session>,
    saves: usize,
    url: &Arc<String>,
    domains: &Arc<Vec<Domain>>,
) -> (Vec<Session>, Vec<Duration>, Vec<String>, Duration) {
    let started = Instant::now();
    let tasks: Vec<_> = sessions
        .into_iter()
        .map(|mut session| {
            let url = Arc::clone(url);
            let domains = Arc::clone(domains);
            tokio::spawn(async move {
                let mut latencies = Vec::with_capacity(saves);
                let mut errors = Vec::new();
                for _ in 0..saves {
                    match session.save(&url, &domains).await {
                        Ok(latency) => latencies.push(latency),
                        Err(error) => errors.push(error),
                    }
                }
                (session, latencies, errors)
            })
        })
        .collect();
    let mut sessions = Vec::with_capacity(tasks.len());
    let mut latencies = Vec::new();
    let mut errors = Vec::new();
    for task in tasks {
        let (session, session_latencies, session_errors) = task.await.expect("a session runs");
        sessions.push(session);
        latencies.extend(session_latencies);
        errors.extend(session_errors);
    }
    (sessions, latencies, errors, started.elapsed())
}

impl Session {
    /// Saves the next domain in turn from the version last returned for it, met up to level 3
    /// one time and level 2 the next; returns how long the request took.
    async fn save(&mut self, url: &str, domains: &[Domain]) -> Result<Duration, String> {
        let index = self.saves_done % domains.len();
        let domain = &domains[index];
        let met_up_to = if (self.saves_done / domains.len()).is_multiple_of(2) {
            3
        } else {
            2
        };
        self.saves_done += 1;
        let fields = answer_fields(&self.assessment, domain, self.versions[index], met_up_to);
        let started = Instant::now();
        let response = self
            .client
            .post(url)
            .form(&fields)
            .send()
            .await
            .map_err(|error| error.to_string())?;
        let status = response.status().as_u16();
        let body = response.text().await.map_err(|error| error.to_string())?;
        let latency = started.elapsed();
        if status != 200 {
            return Err(format!("{status} {body}"));
        }
        let outcome: serde_json::Value =
            serde_json::from_str(&body).map_err(|error| format!("{error}: {body}"))?;
        self.versions[index] = outcome["version"]
            .as_i64()
            .ok_or_else(|| format!("no version in {body}"))?;
        Ok(latency)
    }
}

/// The nearest-rank percentile of sorted latencies.
fn percentile(sorted: &[Duration], percent: f64) -> Option<&Duration> {
    let rank = (percent / 100.0 * sorted.len() as f64).ceil() as usize;
    sorted.get(rank.max(1) - 1)
}
