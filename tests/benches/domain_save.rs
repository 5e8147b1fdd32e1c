//! Times domain saves under concurrent load, over HTTP through the server functions of a server
//! started in-process as the end-to-end tests start it, in two workloads:
//! - answers: 50 trust leads, each of a different acute trust and signed in on its own client,
//!   save their own assessment's domains at the same time (SaveDomainAnswers);
//! - review: 50 peer reviewers, each reviewing a different trust's assessment, save their
//!   review's domains at the same time (SaveDomainReview).
//!
//! Each session cycles through a few domains, alternating what it sends so every save changes
//! data, and always quotes the version its previous save of that domain returned: any conflict is
//! an error. Prints latency percentiles, throughput and errors for SQLite and,
//! when BENCH_POSTGRES_URL or TEST_POSTGRES_URL is set, for PostgreSQL (in a fresh schema,
//! dropped afterwards).
//!
//! cargo bench -p e2e --bench domain_save
//!
//! Only the saves are timed, client-side (the clients share the server's runtime and cores):
//! account creation and the argon2 sign-ins happen before, and a few warm-up saves per session
//! are not counted.

use app::api::assessments::SaveDomainAnswers;
use app::api::reviews::SaveDomainReview;
use app::rules::accounts::Role;
use app::rules::framework::Domain;
use app::rules::lifecycle::{AssessmentStatus, Event};
use app::store::Db;
use e2e::fixtures::{
    acute_domains, answer_fields, AccountBuilder, AssessmentBuilder, CycleBuilder,
};
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

/// What a session saves.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Workload {
    /// A trust lead's answers to their own assessment.
    Answers,
    /// A peer reviewer's review of another trust's assessment.
    Review,
}

impl Workload {
    fn name(self) -> &'static str {
        match self {
            Workload::Answers => "answers",
            Workload::Review => "review",
        }
    }
}

/// One person's session and the version it last got back for each of its domains.
struct Session {
    client: reqwest::Client,
    workload: Workload,
    /// The assessment (answers) or the review (review) saved.
    target: String,
    versions: Vec<i64>,
    saves_done: usize,
}

/// What one workload on one database measured.
struct Figures {
    database: &'static str,
    workload: Workload,
    latencies: Vec<Duration>,
    errors: Vec<String>,
    elapsed: Duration,
}

#[tokio::main]
async fn main() {
    let mut figures = measure("sqlite", start_server().await).await;
    let postgres_url = std::env::var("BENCH_POSTGRES_URL")
        .or_else(|_| std::env::var("TEST_POSTGRES_URL"))
        .ok();
    if let Some(url) = postgres_url {
        figures.extend(on_postgres(&url).await);
    }
    println!(
        "\n{SESSIONS} sessions x {SAVES} saves over {DOMAINS_PER_SESSION} domains each, after {WARM_UP_SAVES} warm-up saves each\n"
    );
    println!(
        "{:<10} {:<8} {:>8} {:>6} {:>6} {:>8} {:>8} {:>8} {:>8} {:>11}",
        "database",
        "saving",
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
            "{:<10} {:<8} {:>8} {:>6} {:>6} {:>8.1} {:>8.1} {:>8.1} {:>8.1} {:>11.1}",
            run.database,
            run.workload.name(),
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
async fn on_postgres(url: &str) -> Vec<Figures> {
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

/// Both workloads, one after the other, on one server.
async fn measure(database: &'static str, server: TestServer) -> Vec<Figures> {
    let domains: Arc<Vec<Domain>> = Arc::new(
        acute_domains(&server)
            .await
            .into_iter()
            .take(DOMAINS_PER_SESSION)
            .collect(),
    );
    let answers = answer_sessions(&server, domains.len()).await;
    let answers = time(database, Workload::Answers, answers, &server, &domains).await;
    let reviews = review_sessions(&server, domains.len()).await;
    let reviews = time(database, Workload::Review, reviews, &server, &domains).await;
    vec![answers, reviews]
}

/// Warms the sessions up, then times their saves.
async fn time(
    database: &'static str,
    workload: Workload,
    sessions: Vec<Session>,
    server: &TestServer,
    domains: &Arc<Vec<Domain>>,
) -> Figures {
    let path = match workload {
        Workload::Answers => SaveDomainAnswers::PATH,
        Workload::Review => SaveDomainReview::PATH,
    };
    let url = Arc::new(server.function_url(path));
    let (sessions, _, warm_up_errors, _) =
        run_concurrently(sessions, WARM_UP_SAVES, &url, domains).await;
    let (_, latencies, mut errors, elapsed) =
        run_concurrently(sessions, SAVES, &url, domains).await;
    errors.extend(warm_up_errors);
    Figures {
        database,
        workload,
        latencies,
        errors,
        elapsed,
    }
}

/// The leads of the first acute trusts of a new cycle, signed in.
async fn answer_sessions(server: &TestServer, domain_count: usize) -> Vec<Session> {
    let cycle = CycleBuilder::new().name("Benchmark").open(server).await;
    let assessments = app::store::assessments::for_cycle(&server.state.db, &cycle)
        .await
        .expect("the cycle's assessments");
    assert!(
        assessments.len() >= SESSIONS,
        "only {} acute trusts",
        assessments.len()
    );
    let mut sessions = Vec::with_capacity(SESSIONS);
    for assessment in &assessments[..SESSIONS] {
        let trust = &assessment.trust_ods_code;
        let email = format!("lead@{}.nhs.uk", trust.to_lowercase());
        sessions.push(Session {
            client: AccountBuilder::new(&email)
                .org(trust)
                .role(Role::TrustLead)
                .signed_in(server)
                .await,
            workload: Workload::Answers,
            target: assessment.id.clone(),
            versions: vec![0; domain_count],
            saves_done: 0,
        });
    }
    sessions
}

/// A cycle in peer review whose first acute assessments, answered and submitted, each have one
/// reviewer of their own; the reviewers, signed in.
async fn review_sessions(server: &TestServer, domain_count: usize) -> Vec<Session> {
    use app::rules::assignment::{AssignmentPlan, ProposedReview};
    use app::store::assignments;
    let db = &server.state.db;
    let cycle = CycleBuilder::new()
        .name("Benchmark review")
        .in_peer_review(server)
        .await;
    let assessments = app::store::assessments::for_cycle(db, &cycle)
        .await
        .expect("the cycle's assessments");
    let mut plan = AssignmentPlan {
        assignments: Vec::new(),
        total_cost: 0,
        uncovered: Vec::new(),
        load: Vec::new(),
    };
    let mut reviewers = Vec::with_capacity(SESSIONS);
    for (index, assessment) in assessments[..SESSIONS].iter().enumerate() {
        AssessmentBuilder::new(&cycle, &assessment.trust_ods_code)
            .status(AssessmentStatus::Submitted)
            .answer_domains(..)
            .build(server)
            .await;
        let reviewer = AccountBuilder::new(&format!("reviewer{index}@qop.nhs.uk"))
            .org("QOP")
            .role(Role::PeerReviewer);
        let (client, id) = reviewer.signed_in_with_id(server).await;
        plan.assignments.push(ProposedReview {
            assessment_id: assessment.id.clone(),
            reviewer_id: id.clone(),
            cost: 0,
            reasons: Vec::new(),
        });
        reviewers.push((client, id, assessment.id.clone()));
    }
    assignments::propose(db, "bench", &cycle, &plan)
        .await
        .expect("the reviewers are proposed");
    let into_review: Vec<_> = reviewers
        .iter()
        .map(|(_, _, assessment)| {
            (
                assessment.clone(),
                rules::fixtures::allowed(Event::ConfirmReviewers, AssessmentStatus::Submitted),
            )
        })
        .collect();
    assignments::confirm(db, "bench", &cycle, &into_review, &[])
        .await
        .expect("the assignment is confirmed");
    let mut sessions = Vec::with_capacity(SESSIONS);
    for (client, reviewer, assessment) in reviewers {
        let slot = app::store::reviews::slots_of(db, &assessment)
            .await
            .expect("the assessment's reviews")
            .into_iter()
            .find(|slot| slot.reviewer_id == reviewer)
            .expect("the reviewer's review");
        sessions.push(Session {
            client,
            workload: Workload::Review,
            target: slot.id,
            versions: vec![0; domain_count],
            saves_done: 0,
        });
    }
    sessions
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
    /// Saves the next domain in turn from the version last returned for it, changing it every
    /// time (answers met up to level 3 one time and level 2 the next; a review judging the first
    /// criterion not met, with a reason, one time and agreeing the next); returns how long the
    /// request took.
    async fn save(&mut self, url: &str, domains: &[Domain]) -> Result<Duration, String> {
        let index = self.saves_done % domains.len();
        let domain = &domains[index];
        let even_round = (self.saves_done / domains.len()).is_multiple_of(2);
        self.saves_done += 1;
        let version = self.versions[index];
        let fields = match self.workload {
            Workload::Answers => answer_fields(
                &self.target,
                domain,
                version,
                if even_round { 3 } else { 2 },
            ),
            Workload::Review => review_fields(&self.target, domain, version, even_round),
        };
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

/// A domain review's form: the first criterion judged not met with a reason, or agreed with.
fn review_fields(
    slot: &str,
    domain: &Domain,
    version: i64,
    disagree: bool,
) -> Vec<(String, String)> {
    let criterion = &domain.levels[0].criteria[0].key;
    let mut fields = vec![
        ("slot_id".to_string(), slot.to_string()),
        ("domain_key".to_string(), domain.key.clone()),
        ("version".to_string(), version.to_string()),
        ("confidence".to_string(), "medium".to_string()),
    ];
    if disagree {
        fields.push((format!("judgements[{criterion}][met]"), "not-met".into()));
        fields.push((
            format!("judgements[{criterion}][reason]"),
            "The evidence shows a draft only".into(),
        ));
    }
    fields
}

/// The nearest-rank percentile of sorted latencies.
fn percentile(sorted: &[Duration], percent: f64) -> Option<&Duration> {
    let rank = (percent / 100.0 * sorted.len() as f64).ceil() as usize;
    sorted.get(rank.max(1) - 1)
}
