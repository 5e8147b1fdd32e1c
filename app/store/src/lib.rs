//! The store: every SQL statement of the service, one module per aggregate, over one connection
//! pool (and, on SQLite, one writer connection). SQL is kept portable so SQLite (the default) and
//! PostgreSQL run the same text.

pub mod accounts;
pub mod assessments;
pub mod assignments;
pub mod audit;
pub mod column_checks;
pub mod cycles;
pub mod dashboard;
pub mod evidence_files;
pub mod evidence_requests;
pub mod frameworks;
pub mod ids;
pub mod lifecycle;
pub mod moderation;
pub mod organisations;
pub mod outbox;
pub mod people_import;
pub mod published;
pub mod refused_attempts;
pub mod reminders;
pub mod replies;
pub mod results;
pub mod reviewers;
pub mod reviews;
pub mod second_factor;
pub mod sessions;
pub mod signals;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod who_is_missing;
pub mod write;

pub use ids::{AccountId, AssessmentId, CycleId, OdsCode, ReviewSlotId};

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{Any, AnyPool, Executor, Transaction};
use std::str::FromStr;
use std::time::Duration;

/// How a short list (care setting labels, ODS codes) is kept in one text column: joined by '|',
/// which none of its items contains.
const LIST_SEPARATOR: char = '|';

pub(crate) fn joined_list<T: AsRef<str>>(items: impl IntoIterator<Item = T>) -> String {
    items
        .into_iter()
        .map(|item| item.as_ref().to_string())
        .collect::<Vec<_>>()
        .join(&LIST_SEPARATOR.to_string())
}

/// The items of a stored list; an empty column is an empty list.
pub(crate) fn split_list(text: &str) -> impl Iterator<Item = &str> {
    text.split(LIST_SEPARATOR).filter(|item| !item.is_empty())
}

/// Which database engine a pool talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The database: a connection pool and the engine behind it.
#[derive(Clone, Debug)]
pub struct Db {
    pub pool: AnyPool,
    /// What changes data goes through ([`Db::begin_write`], [`Db::writer`]). On SQLite, one
    /// connection of its own: a writer waits its turn in this pool's queue, first come first
    /// served, instead of in SQLite's busy handler, which sleeps 1, 2, 5 … 100 ms between tries
    /// and lets a newcomer in ahead of one that has waited (the long tail of saves under load).
    /// On PostgreSQL, the main pool.
    writer: AnyPool,
    pub backend: Backend,
}

impl Db {
    /// Connects to `url` (`sqlite://path`, `postgres://…`). A SQLite file and its folder are
    /// created if missing; every SQLite connection gets WAL, foreign keys and a busy timeout.
    pub async fn connect(url: &str) -> Result<Db, sqlx::Error> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            return Err(sqlx::Error::Configuration(
                format!("DATABASE_URL must start with sqlite: or postgres:, not {url:?}").into(),
            ));
        };
        let url = match backend {
            Backend::Sqlite => prepare_sqlite_url(url)?,
            Backend::Postgres => url.to_string(),
        };
        let options = AnyConnectOptions::from_str(&url)?;
        let pool = pool_options(backend, 8)
            .connect_with(options.clone())
            .await?;
        let writer = match backend {
            Backend::Sqlite => pool_options(backend, 1).connect_with(options).await?,
            Backend::Postgres => pool.clone(),
        };
        Ok(Db {
            pool,
            writer,
            backend,
        })
    }

    /// The pool for a single statement that changes data outside [`Db::begin_write`] (sessions,
    /// the mail outbox, sign-in counters), so that on SQLite it queues with the other writers.
    pub fn writer(&self) -> &AnyPool {
        &self.writer
    }

    /// Brings the schema up to date, and makes sure the database itself refuses to change or
    /// remove an audit record, and any value the code would never write; safe to run at every
    /// start.
    pub async fn migrate(&self) -> Result<(), sqlx::migrate::MigrateError> {
        sqlx::migrate!("../../migrations").run(&self.pool).await?;
        audit::protect(self).await?;
        column_checks::install(self).await?;
        Ok(())
    }

    /// Begins a transaction that changes data. Writers take turns, because each appends to the
    /// audit chain and must see the record before its own. SQLite takes its write lock at the
    /// start (BEGIN IMMEDIATE), where waiting is possible, rather than at the first write, where a
    /// busy database fails the transaction; PostgreSQL takes a transaction-scoped advisory lock.
    pub async fn begin_write(&self) -> Result<Transaction<'static, Any>, sqlx::Error> {
        match self.backend {
            Backend::Sqlite => self.writer.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => {
                let mut tx = self.pool.begin().await?;
                sqlx::query("SELECT pg_advisory_xact_lock(20261122)")
                    .execute(&mut *tx)
                    .await?;
                Ok(tx)
            }
        }
    }

    /// A cheap query that proves the database answers.
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map(|_| ())
    }
}

/// A pool of at most `sqlite_connections` connections on SQLite (16 on PostgreSQL); every SQLite
/// connection gets WAL, foreign keys and a busy timeout (for other processes: the commands).
fn pool_options(backend: Backend, sqlite_connections: u32) -> AnyPoolOptions {
    AnyPoolOptions::new()
        .max_connections(match backend {
            Backend::Sqlite => sqlite_connections,
            Backend::Postgres => 16,
        })
        .acquire_timeout(Duration::from_secs(10))
        .after_connect(move |connection, _| {
            Box::pin(async move {
                if backend == Backend::Sqlite {
                    connection
                        .execute(
                            "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; \
                             PRAGMA busy_timeout = 5000; PRAGMA synchronous = NORMAL;",
                        )
                        .await?;
                }
                Ok(())
            })
        })
}

/// Makes sure the folder of a SQLite file exists and the file is created on first use.
fn prepare_sqlite_url(url: &str) -> Result<String, sqlx::Error> {
    let rest = url.trim_start_matches("sqlite:").trim_start_matches("//");
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    if path != ":memory:" && !path.is_empty() {
        if let Some(folder) = std::path::Path::new(path).parent() {
            if !folder.as_os_str().is_empty() {
                std::fs::create_dir_all(folder).map_err(|error| {
                    sqlx::Error::Configuration(
                        format!("cannot create the database folder {folder:?}: {error}").into(),
                    )
                })?;
            }
        }
    }
    let query = if query.contains("mode=") {
        query.to_string()
    } else if query.is_empty() {
        "mode=rwc".to_string()
    } else {
        format!("{query}&mode=rwc")
    };
    Ok(format!("sqlite://{path}?{query}"))
}

/// Now, as stored: see [`timestamp`].
pub fn now_utc() -> String {
    timestamp(jiff::Timestamp::now())
}

/// A moment as stored: RFC 3339 in UTC with exactly six fractional digits, so that comparing the
/// text (in SQL too) orders moments correctly.
pub fn timestamp(moment: jiff::Timestamp) -> String {
    moment.strftime("%Y-%m-%dT%H:%M:%S.%6fZ").to_string()
}

/// Today's date in England, `YYYY-MM-DD`, as cycle dates are written: the `today` every deadline
/// is enforced against. A deadline is the end of its day in Europe/London, so between 00:00 and
/// 01:00 BST the day after a deadline it has passed, though the date in UTC is still the
/// deadline's.
pub fn today() -> String {
    today_at(jiff::Timestamp::now())
}

/// The service's today at `now`: the date in England (see [`today`]).
pub fn today_at(now: jiff::Timestamp) -> String {
    rules::deadlines::uk_today(now)
}

/// The date `days` from today in England (negative: before), `YYYY-MM-DD`.
pub fn date_in_days(days: i64) -> String {
    rules::deadlines::uk_date_in_days(jiff::Timestamp::now(), days)
}

pub fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

#[cfg(test)]
pub(crate) mod test_support {
    use super::Db;

    /// The databases every store test runs on: a fresh SQLite file always, and PostgreSQL too
    /// when TEST_POSTGRES_URL is set (each test gets its own schema there).
    pub async fn test_databases() -> Vec<(Db, Option<tempfile::TempDir>)> {
        let folder = tempfile::tempdir().expect("a temporary folder");
        let url = format!("sqlite://{}", folder.path().join("test.db").display());
        let sqlite = Db::connect(&url).await.expect("SQLite opens");
        sqlite.migrate().await.expect("migrations run on SQLite");
        let mut databases = vec![(sqlite, Some(folder))];
        if let Ok(url) = std::env::var("TEST_POSTGRES_URL") {
            databases.push((fresh_postgres(&url).await, None));
        }
        databases
    }

    async fn fresh_postgres(url: &str) -> Db {
        let schema = format!("test_{}", uuid::Uuid::new_v4().simple());
        let admin = Db::connect(url)
            .await
            .expect("PostgreSQL at TEST_POSTGRES_URL answers");
        sqlx::query(&format!("CREATE SCHEMA {schema}"))
            .execute(&admin.pool)
            .await
            .expect("create a test schema");
        admin.pool.close().await;
        let separator = if url.contains('?') { '&' } else { '?' };
        let url = format!("{url}{separator}options=-c%20search_path%3D{schema}");
        let db = Db::connect(&url)
            .await
            .expect("PostgreSQL test schema opens");
        db.migrate().await.expect("migrations run on PostgreSQL");
        db
    }
}

#[cfg(test)]
mod tests {
    use super::{joined_list, split_list};

    #[test]
    fn a_stored_list_reads_back_as_written_and_empty_is_empty() {
        let text = joined_list(["Acute", "Mental Health"]);
        assert_eq!(text, "Acute|Mental Health");
        assert_eq!(
            split_list(&text).collect::<Vec<_>>(),
            ["Acute", "Mental Health"]
        );
        assert_eq!(joined_list(Vec::<&str>::new()), "");
        assert_eq!(split_list("").count(), 0);
    }
}
