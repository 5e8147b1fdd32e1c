//! The server shell: configuration, start-up (database, migrations, reference data), the HTTP
//! router with its middleware, and the command-line commands.

pub mod commands;
pub mod config;
pub mod demo_moderation;
pub mod demo_results;
pub mod evidence;
pub mod http;
pub mod mailer;
pub mod org_import;
pub mod results_import;

use anyhow::Context;
use app::state::AppState;
use app::store::{organisations, Db};
use std::time::Instant;

/// Logs to standard error; RUST_LOG sets the detail (default: info).
pub fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// Opens the database, brings its schema up to date and, on a database with no organisations
/// yet, loads the bundled England reference data.
pub async fn open_database(database_url: &str) -> anyhow::Result<Db> {
    let db = Db::connect(database_url)
        .await
        .with_context(|| format!("opening the database at {}", redact(database_url)))?;
    db.migrate().await.context("updating the database schema")?;
    if organisations::current_snapshot(&db).await?.is_none() {
        let hierarchy = org_import::parse_hierarchy(&org_import::BUNDLED).map_err(|problems| {
            anyhow::anyhow!("the bundled organisation data is invalid: {}", problems[0])
        })?;
        organisations::import_snapshot(
            &db,
            &hierarchy,
            org_import::BUNDLED_LABEL,
            org_import::BUNDLED_AS_OF,
            "system",
        )
        .await
        .context("loading the bundled organisation data")?;
        tracing::info!(
            trusts = hierarchy.trusts.len(),
            "loaded the bundled England organisation data"
        );
    }
    if app::store::frameworks::versions(&db).await?.is_empty() {
        let framework = app::rules::framework::parse_framework(commands::BUNDLED_FRAMEWORK)
            .map_err(|problems| {
                anyhow::anyhow!("the bundled framework is invalid: {}", problems[0])
            })?;
        app::store::frameworks::load(&db, "system", &framework, commands::BUNDLED_FRAMEWORK)
            .await?;
        tracing::info!(version = %framework.version, "loaded the bundled framework");
    }
    Ok(db)
}

/// Serves the application until SIGTERM or Ctrl-C, finishing requests in flight.
pub async fn serve(config: config::Config) -> anyhow::Result<()> {
    let started = Instant::now();
    let hash_file = std::env::current_exe()
        .context("finding the server binary")?
        .with_file_name(&*config.leptos_options.hash_file);
    http::check_site(&config.leptos_options, &hash_file)?;
    let db = open_database(&config.database_url).await?;
    if config.demo {
        commands::print_demo_accounts(&commands::seed_demo_accounts(&db).await?);
        commands::seed_demo_cycle(&db, &config.public_url).await?;
        commands::seed_demo_review_cycle(&db, &config.public_url).await?;
        demo_moderation::seed_demo_moderation_cycle(&db, &config.public_url).await?;
        demo_results::seed_demo_published_results(&db).await?;
    }
    mailer::Mailer::new(&config.mail)?
        .spawn(db.writer().clone(), std::time::Duration::from_secs(5));
    spawn_expired_session_cleanup(db.clone());
    spawn_reply_deadline_job(db.clone());
    spawn_reminder_job(db.clone(), config.public_url.clone());
    let evidence = evidence::EvidenceFiles::open(&config.evidence)?;
    evidence.spawn_scanning(db.clone());
    let address = config.leptos_options.site_addr;
    let refused_attempts = app::store::refused_attempts::RefusedAttempts::default();
    spawn_refused_attempts_summary(db.clone(), refused_attempts.clone());
    let state = AppState {
        leptos_options: config.leptos_options,
        db: db.clone(),
        public_url: config.public_url.clone(),
        trust_proxy: config.trust_proxy,
        refused_attempts: refused_attempts.clone(),
    };
    let listener = tokio::net::TcpListener::bind(address)
        .await
        .with_context(|| format!("listening on {address}; is another program using that port?"))?;
    tracing::info!(
        "ready at http://{address} after {} ms (database: {})",
        started.elapsed().as_millis(),
        redact(&config.database_url)
    );
    let settings = http::HttpSettings {
        cookie_secure: config.cookie_secure,
        font_origin: config.font_origin.clone(),
        evidence: Some(evidence),
    };
    http::serve(
        listener,
        http::router_with(state, settings),
        shutdown_signal(),
    )
    .await
    .context("serving HTTP")?;
    // Windows still open are summarised as they stand, so no refused attempt goes unrecorded.
    app::store::refused_attempts::record(&db, &refused_attempts.take_all())
        .await
        .context("recording the attempts the limits turned away")?;
    tracing::info!("stopped");
    Ok(())
}

/// Deletes expired sessions every hour, so the table holds only live ones.
fn spawn_expired_session_cleanup(db: Db) {
    use tower_sessions::session_store::ExpiredDeletion;
    let store = app::store::sessions::DbSessionStore::new(db);
    tokio::spawn(async move {
        let mut hourly = tokio::time::interval(std::time::Duration::from_secs(3600));
        loop {
            hourly.tick().await;
            if let Err(error) = store.delete_expired().await {
                tracing::error!(%error, "deleting expired sessions failed");
            }
        }
    });
}

/// Every minute, writes to the audit trail a summary of each window of attempts the sign-in and
/// reset limits turned away that has closed (see `app::store::refused_attempts`).
fn spawn_refused_attempts_summary(db: Db, refused: app::store::refused_attempts::RefusedAttempts) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(60));
        loop {
            every.tick().await;
            let closed = refused.take_closed(jiff::Timestamp::now());
            if let Err(error) = app::store::refused_attempts::record(&db, &closed).await {
                tracing::error!(%error, refused = closed.len(), "recording refused attempts failed");
            }
        }
    });
}

/// Every hour, records "no reply received" for reviewed assessments whose reply deadline has
/// passed, so moderation can begin; the first run is at start, catching up after any downtime.
fn spawn_reply_deadline_job(db: Db) {
    tokio::spawn(async move {
        let mut hourly = tokio::time::interval(std::time::Duration::from_secs(3600));
        loop {
            hourly.tick().await;
            match app::api::replies::record_missing_replies(&db, &app::store::today()).await {
                Ok(0) => {}
                Ok(recorded) => tracing::info!(
                    recorded,
                    "recorded no reply received after the reply deadline"
                ),
                Err(error) => tracing::error!(%error, "recording missing replies failed"),
            }
        }
    });
}

/// Every 15 minutes (and at start, catching up after downtime), emails the reminders that have
/// come due. Several instances may run it at once: each reminder is claimed once in the database.
fn spawn_reminder_job(db: Db, public_url: String) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(15 * 60));
        loop {
            every.tick().await;
            let now = app::api::reminders::Timestamp::now();
            match app::api::reminders::send_due_reminders(&db, &public_url, now).await {
                Ok(0) => {}
                Ok(queued) => tracing::info!(queued, "queued deadline reminders"),
                Err(error) => tracing::error!(%error, "sending deadline reminders failed"),
            }
        }
    });
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::warn!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}

/// A database URL without its password, for logs.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &url[scheme_end + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn passwords_are_redacted_from_database_urls() {
        assert_eq!(
            super::redact("postgres://dma:secret@db:5432/dma"),
            "postgres://dma:***@db:5432/dma"
        );
        assert_eq!(
            super::redact("sqlite://data/dma.db"),
            "sqlite://data/dma.db"
        );
    }
}
