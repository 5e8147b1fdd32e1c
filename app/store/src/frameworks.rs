//! Framework versions. Each is stored as the file it was loaded from, and never changes.

use super::{now_utc, Db};
use crate::write::Audit;
use rules::framework::{parse_framework, Framework};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

#[derive(Debug, thiserror::Error)]
pub enum FrameworkStoreError {
    #[error("Version {0} of the framework is already loaded with different content. A loaded version never changes: give the new file a new version.")]
    VersionTaken(String),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoadOutcome {
    Loaded,
    /// The same file was loaded before; nothing changed.
    AlreadyLoaded,
}

/// A loaded version, for lists.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FrameworkVersion {
    pub version: String,
    pub title: String,
    pub loaded_at: String,
}

/// Stores a validated framework with the exact text it was parsed from, and its audit record.
pub async fn load(
    db: &Db,
    actor: &str,
    framework: &Framework,
    source: &str,
) -> Result<LoadOutcome, FrameworkStoreError> {
    let digest = hex::encode(Sha256::digest(source.as_bytes()));
    let mut w = db.write(actor).await?;
    let existing: Option<String> =
        sqlx::query_scalar("SELECT source_sha256 FROM frameworks WHERE version = $1")
            .bind(&framework.version)
            .fetch_optional(&mut *w)
            .await?;
    match existing {
        Some(stored) if stored == digest => return Ok(LoadOutcome::AlreadyLoaded),
        Some(_) => return Err(FrameworkStoreError::VersionTaken(framework.version.clone())),
        None => {}
    }
    sqlx::query(
        "INSERT INTO frameworks (version, title, source_toml, source_sha256, loaded_at, loaded_by) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&framework.version)
    .bind(&framework.title)
    .bind(source)
    .bind(&digest)
    .bind(now_utc())
    .bind(actor)
    .execute(&mut *w)
    .await?;
    w.audit(
        Audit::new("framework", &framework.version, "load framework").after(format!(
            "{} ({} pillars, {} criteria, sha256 {digest})",
            framework.title,
            framework.pillars.len(),
            framework.criterion_count()
        )),
    )
    .await?;
    w.commit().await?;
    Ok(LoadOutcome::Loaded)
}

/// Every loaded version, newest first.
pub async fn versions(db: &Db) -> Result<Vec<FrameworkVersion>, sqlx::Error> {
    let rows: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT version, title, loaded_at FROM frameworks ORDER BY loaded_at DESC, version",
    )
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(version, title, loaded_at)| FrameworkVersion {
            version,
            title,
            loaded_at,
        })
        .collect())
}

/// One version, parsed from its stored file.
pub async fn get(db: &Db, version: &str) -> Result<Option<Framework>, sqlx::Error> {
    let source: Option<String> =
        sqlx::query_scalar("SELECT source_toml FROM frameworks WHERE version = $1")
            .bind(version)
            .fetch_optional(&db.pool)
            .await?;
    // Only validated files are stored, so a failure here means the parser changed incompatibly.
    source
        .map(|text| {
            parse_framework(&text).map_err(|problems| {
                sqlx::Error::Decode(
                    format!(
                        "stored framework {version} no longer parses: {}",
                        problems[0]
                    )
                    .into(),
                )
            })
        })
        .transpose()
}

/// One version, shared from a cache keyed by the file's digest: a loaded version never changes,
/// so once parsed it can be kept for the life of the process.
pub async fn cached(db: &Db, version: &str) -> Result<Option<Arc<Framework>>, sqlx::Error> {
    static CACHE: OnceLock<Mutex<HashMap<String, Arc<Framework>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let digest: Option<String> =
        sqlx::query_scalar("SELECT source_sha256 FROM frameworks WHERE version = $1")
            .bind(version)
            .fetch_optional(&db.pool)
            .await?;
    let Some(digest) = digest else {
        return Ok(None);
    };
    if let Some(framework) = cache.lock().expect("cache lock").get(&digest) {
        return Ok(Some(framework.clone()));
    }
    let Some(framework) = get(db, version).await? else {
        return Ok(None);
    };
    let framework = Arc::new(framework);
    cache
        .lock()
        .expect("cache lock")
        .insert(digest, framework.clone());
    Ok(Some(framework))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit;
    use crate::test_support::test_databases;

    const DEFAULT: &str = include_str!("../../../server/data/framework/dma-2026.toml");

    #[tokio::test]
    async fn a_version_is_stored_once_and_never_changes() {
        let framework = parse_framework(DEFAULT).unwrap();
        for (db, _folder) in test_databases().await {
            assert_eq!(
                load(&db, "tester", &framework, DEFAULT).await.unwrap(),
                LoadOutcome::Loaded
            );
            assert_eq!(
                load(&db, "tester", &framework, DEFAULT).await.unwrap(),
                LoadOutcome::AlreadyLoaded
            );
            let edited = DEFAULT.replacen("weight = 1.0", "weight = 2.0", 1);
            let changed = parse_framework(&edited).unwrap();
            assert!(matches!(
                load(&db, "tester", &changed, &edited).await,
                Err(FrameworkStoreError::VersionTaken(_))
            ));

            assert_eq!(
                get(&db, &framework.version).await.unwrap(),
                Some(framework.clone())
            );
            assert_eq!(get(&db, "no-such-version").await.unwrap(), None);
            let listed = versions(&db).await.unwrap();
            assert_eq!(listed.len(), 1);
            let records = audit::recent(&db.pool, 5).await.unwrap();
            assert_eq!(records.len(), 1, "only the real load is audited");
            assert_eq!(records[0].action, "load framework");
        }
    }
}
