//! Releasing and publishing a cycle's results: assessments left out with a reason, the
//! provisional release with its window for queries, each published version's domain levels, and
//! reading a version back with where each organisation sits. Status changes go through
//! `lifecycle::change_status`, in the same transaction as the rest.

use super::lifecycle::{change_status, StatusChange, StatusChangeError};
use super::outbox::OutgoingMail;
use super::published::ScoreScope;
use super::{new_id, now_utc, Db};
use crate::ids::{AssessmentId, CycleId};
use crate::write::Audit;
use rules::cycles::Phase;
use rules::lifecycle::Allowed;
use rules::organisations::{readable_name, CareSetting};
use sqlx::{Any, Transaction};
use std::collections::BTreeMap;

/// Why a release, publication or query was not recorded. The API puts these into words.
#[derive(Debug, thiserror::Error)]
pub enum ResultsError {
    /// The assessment does not exist, or its status changed after the caller looked (the one
    /// "moved on" error every status change gives).
    #[error(transparent)]
    StatusChange(#[from] StatusChangeError),
    #[error("the cycle was already released provisionally")]
    AlreadyReleased,
    #[error("the assessment is already left out")]
    AlreadyExcluded,
    #[error("the domain already has a query")]
    QueryExists,
    #[error("the query was already answered")]
    AlreadyAnswered,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

fn unique_violation(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(error) if error.is_unique_violation())
}

/// Leaves an assessment out of its cycle's release and publication, with the reason audited.
pub async fn exclude(
    db: &Db,
    actor: &str,
    assessment_id: &AssessmentId,
    reason: &str,
) -> Result<(), ResultsError> {
    let mut w = db.write(actor).await?;
    let inserted = sqlx::query(
        "INSERT INTO release_exclusions (assessment_id, reason, excluded_by, excluded_at) \
         VALUES ($1, $2, $3, $4)",
    )
    .bind(assessment_id)
    .bind(reason)
    .bind(actor)
    .bind(now_utc())
    .execute(&mut *w)
    .await;
    match inserted {
        Err(error) if unique_violation(&error) => return Err(ResultsError::AlreadyExcluded),
        other => other?,
    };
    w.audit(
        Audit::new(
            "assessment",
            assessment_id,
            "leave assessment out of the results",
        )
        .reason(reason.to_string()),
    )
    .await?;
    w.commit().await?;
    Ok(())
}

/// The assessments of a cycle left out of its results, with the reason for each.
pub async fn exclusions(
    db: &Db,
    cycle_id: &CycleId,
) -> Result<BTreeMap<String, String>, sqlx::Error> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT x.assessment_id, x.reason FROM release_exclusions x \
         JOIN assessments a ON a.id = x.assessment_id WHERE a.cycle_id = $1",
    )
    .bind(cycle_id)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.into_iter().collect())
}

/// A cycle's provisional release.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct ProvisionalRelease {
    /// The last day a trust may query a score.
    pub queries_close_on: String,
    pub released_at: String,
}

pub async fn provisional_release(
    db: &Db,
    cycle_id: &CycleId,
) -> Result<Option<ProvisionalRelease>, sqlx::Error> {
    sqlx::query_as(
        "SELECT queries_close_on, released_at FROM provisional_releases WHERE cycle_id = $1",
    )
    .bind(cycle_id)
    .fetch_optional(&db.pool)
    .await
}

/// Releases results provisionally: each assessment in `changes` moves as the lifecycle allowed,
/// and `notices` are queued. With `queries_close_on`, this is the cycle's first release and
/// trusts may query until then (a second first release is refused); without, it releases again
/// the assessments signed off after a query. All or nothing.
pub async fn release_provisionally(
    db: &Db,
    actor: &str,
    cycle_id: &CycleId,
    queries_close_on: Option<&str>,
    changes: &[(String, Allowed)],
    notices: &[OutgoingMail],
) -> Result<(), ResultsError> {
    let mut w = db.write(actor).await?;
    if let Some(queries_close_on) = queries_close_on {
        open_query_window(w.tx(), actor, cycle_id, queries_close_on).await?;
    }
    for (assessment_id, allowed) in changes {
        change_status(w.tx(), StatusChange::new(assessment_id, actor, *allowed)).await?;
    }
    w.enqueue(notices).await?;
    w.audit(
        Audit::new("cycle", cycle_id, "release results provisionally").after(
            match queries_close_on {
                Some(date) => format!("{} assessments; queries close on {date}", changes.len()),
                None => format!("{} assessments signed off again", changes.len()),
            },
        ),
    )
    .await?;
    w.commit().await?;
    Ok(())
}

async fn open_query_window(
    tx: &mut Transaction<'static, Any>,
    actor: &str,
    cycle_id: &CycleId,
    queries_close_on: &str,
) -> Result<(), ResultsError> {
    let inserted = sqlx::query(
        "INSERT INTO provisional_releases (cycle_id, queries_close_on, released_by, released_at) \
         VALUES ($1, $2, $3, $4)",
    )
    .bind(cycle_id)
    .bind(queries_close_on)
    .bind(actor)
    .bind(now_utc())
    .execute(&mut **tx)
    .await;
    match inserted {
        Err(error) if unique_violation(&error) => Err(ResultsError::AlreadyReleased),
        other => other.map(|_| ()).map_err(Into::into),
    }
}

/// Reopens a published assessment for correction (back to moderation), with the reason.
pub async fn reopen(
    db: &Db,
    actor: &str,
    assessment_id: &AssessmentId,
    allowed: Allowed,
    reason: &str,
) -> Result<(), ResultsError> {
    let mut w = db.write(actor).await?;
    change_status(
        w.tx(),
        StatusChange::new(assessment_id.as_str(), actor, allowed).reason(reason),
    )
    .await?;
    w.commit().await?;
    Ok(())
}

/// One assessment as a version publishes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AssessmentLevels {
    pub assessment_id: String,
    /// The status change publication makes, if the assessment is not already published.
    pub change: Option<Allowed>,
    /// `(domain key, final level, the trust's own level)`.
    pub levels: Vec<(String, u8, u8)>,
}

/// What a publication records.
#[derive(Clone, Debug)]
pub struct Publication<'a> {
    pub cycle_id: &'a str,
    /// What this version is, or for a correction what changed.
    pub note: &'a str,
    pub with_self_scores: bool,
    pub assessments: Vec<AssessmentLevels>,
}

/// Publishes a new version of a cycle's results: the next version number, every assessment's
/// levels, the status changes and the cycle's move to the published phase, all in one
/// transaction with their audit records. Returns the version.
pub async fn publish(
    db: &Db,
    actor: &str,
    publication: Publication<'_>,
) -> Result<i64, ResultsError> {
    let mut w = db.write(actor).await?;
    let latest: Option<i64> =
        sqlx::query_scalar("SELECT MAX(version) FROM result_versions WHERE cycle_id = $1")
            .bind(publication.cycle_id)
            .fetch_one(&mut *w)
            .await?;
    let version = latest.unwrap_or(0) + 1;
    let published_at = now_utc();
    sqlx::query(
        "INSERT INTO result_versions \
         (cycle_id, version, note, with_self_scores, published_by, published_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(publication.cycle_id)
    .bind(version)
    .bind(publication.note)
    .bind(i64::from(publication.with_self_scores))
    .bind(actor)
    .bind(&published_at)
    .execute(&mut *w)
    .await?;
    for assessment in &publication.assessments {
        if let Some(change) = assessment.change {
            change_status(
                w.tx(),
                StatusChange::new(&assessment.assessment_id, actor, change)
                    .detail(format!("version {version}")),
            )
            .await?;
        }
        insert_levels(
            w.tx(),
            &CycleId::from(publication.cycle_id),
            version,
            assessment,
        )
        .await?;
    }
    let moved = sqlx::query("UPDATE cycles SET phase = $1 WHERE id = $2 AND phase <> $1")
        .bind(Phase::Published.key())
        .bind(publication.cycle_id)
        .execute(&mut *w)
        .await?
        .rows_affected();
    if moved > 0 {
        w.audit(
            Audit::new("cycle", publication.cycle_id, "change cycle phase")
                .after(Phase::Published.label().to_string()),
        )
        .await?;
    }
    w.audit(
        Audit::new("cycle", publication.cycle_id, "publish results")
            .after(format!(
                "version {version}: {} assessments",
                publication.assessments.len()
            ))
            .reason(publication.note.to_string()),
    )
    .await?;
    w.commit().await?;
    Ok(version)
}

/// One statement per assessment: a national cycle has about 13,000 levels, and PostgreSQL
/// pays a round trip for each statement.
async fn insert_levels(
    tx: &mut Transaction<'static, Any>,
    cycle_id: &CycleId,
    version: i64,
    assessment: &AssessmentLevels,
) -> Result<(), sqlx::Error> {
    if assessment.levels.is_empty() {
        return Ok(());
    }
    let placeholders: Vec<String> = (0..assessment.levels.len())
        .map(|index| {
            let first = index * 6;
            let numbers: Vec<String> = (1..=6).map(|n| format!("${}", first + n)).collect();
            format!("({})", numbers.join(", "))
        })
        .collect();
    let sql = format!(
        "INSERT INTO result_levels \
         (cycle_id, version, assessment_id, domain_key, final_level, self_level) VALUES {}",
        placeholders.join(", ")
    );
    let mut insert = sqlx::query(&sql);
    for (domain, final_level, self_level) in &assessment.levels {
        insert = insert
            .bind(cycle_id)
            .bind(version)
            .bind(&assessment.assessment_id)
            .bind(domain)
            .bind(i64::from(*final_level))
            .bind(i64::from(*self_level));
    }
    insert.execute(&mut **tx).await?;
    Ok(())
}

/// One published version of a cycle's results.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct ResultVersion {
    pub version: i64,
    pub note: String,
    #[sqlx(try_from = "i64")]
    pub with_self_scores: StoredFlag,
    pub published_at: String,
}

/// A 0/1 column read as a bool.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StoredFlag(pub bool);

impl From<i64> for StoredFlag {
    fn from(value: i64) -> Self {
        StoredFlag(value != 0)
    }
}

/// A cycle's published versions, the latest first.
pub async fn versions(db: &Db, cycle_id: &CycleId) -> Result<Vec<ResultVersion>, sqlx::Error> {
    sqlx::query_as(
        "SELECT version, note, with_self_scores, published_at FROM result_versions \
         WHERE cycle_id = $1 ORDER BY version DESC",
    )
    .bind(cycle_id)
    .fetch_all(&db.pool)
    .await
}

/// A cycle with published results.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct PublishedCycle {
    pub id: String,
    pub name: String,
    pub framework_version: String,
    pub latest_version: i64,
    /// When its first version was published.
    pub first_published_at: String,
}

/// Every cycle with published results, the newest first.
pub async fn published_cycles(db: &Db) -> Result<Vec<PublishedCycle>, sqlx::Error> {
    sqlx::query_as(
        "SELECT c.id, c.name, c.framework_version, MAX(v.version) AS latest_version, \
         MIN(v.published_at) AS first_published_at \
         FROM cycles c JOIN result_versions v ON v.cycle_id = c.id \
         GROUP BY c.id, c.name, c.framework_version, c.opens_on \
         ORDER BY c.opens_on DESC, c.name",
    )
    .fetch_all(&db.pool)
    .await
}

/// How many versions have been published in all: it only grows, so a page built from results
/// is current while it stands.
pub async fn generation(db: &Db) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM result_versions")
        .fetch_one(&db.pool)
        .await
}

/// One assessment's scores as a version stores them, with where its organisation sat in the
/// cycle's organisation snapshot.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredResult {
    pub assessment_id: String,
    pub trust_ods_code: String,
    pub trust_name: String,
    pub ics_ods_code: String,
    pub ics_name: String,
    pub region_ods_code: String,
    pub region_name: String,
    pub care_setting: CareSetting,
    /// `(domain key, final level, the trust's own level)`: for cycles run here.
    pub levels: Vec<(String, u8, u8)>,
    /// `(pillar key, score)` as an earlier cycle published them: for imported cycles.
    pub imported_pillars: Vec<(String, f64)>,
    /// `(domain key, level)` where an imported file gave them.
    pub imported_domains: Vec<(String, u8)>,
}

/// Every assessment in `version` of a cycle's results, by trust and care setting. An imported
/// cycle has one version, its published scores.
pub async fn stored_results(
    db: &Db,
    cycle_id: &CycleId,
    version: i64,
) -> Result<Vec<StoredResult>, sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct ResultRow {
        id: String,
        trust_ods_code: String,
        #[sqlx(try_from = "String")]
        care_setting: CareSetting,
        trust_name: String,
        icb: String,
        icb_name: String,
        region: String,
        region_name: String,
        is_historical: i64,
    }
    let rows: Vec<ResultRow> = sqlx::query_as(
        "SELECT a.id, a.trust_ods_code, a.care_setting, t.name AS trust_name, \
         t.ics_ods_code AS icb, i.name AS icb_name, \
         i.region_ods_code AS region, r.name AS region_name, c.is_historical \
         FROM assessments a JOIN cycles c ON c.id = a.cycle_id \
         JOIN assessed_organisations t \
           ON t.snapshot_id = c.snapshot_id AND t.ods_code = a.trust_ods_code \
         JOIN icbs i ON i.snapshot_id = c.snapshot_id AND i.ods_code = t.ics_ods_code \
         JOIN regions r ON r.snapshot_id = c.snapshot_id AND r.ods_code = i.region_ods_code \
         WHERE a.cycle_id = $1 AND a.id NOT IN (SELECT assessment_id FROM release_exclusions) \
         ORDER BY a.trust_ods_code, a.care_setting",
    )
    .bind(cycle_id)
    .fetch_all(&db.pool)
    .await?;
    let historical = match rows.first() {
        Some(row) => row.is_historical != 0,
        None => return Ok(Vec::new()),
    };
    let mut levels: BTreeMap<String, Vec<(String, u8, u8)>> = BTreeMap::new();
    let mut imported: BTreeMap<String, Vec<(ScoreScope, String, f64)>> = BTreeMap::new();
    if historical {
        let scores: Vec<(String, String, String, i64)> = sqlx::query_as(
            "SELECT p.assessment_id, p.scope, p.score_key, p.score_hundredths \
             FROM published_scores p JOIN assessments a ON a.id = p.assessment_id \
             WHERE a.cycle_id = $1 ORDER BY p.assessment_id, p.score_key",
        )
        .bind(cycle_id)
        .fetch_all(&db.pool)
        .await?;
        for (assessment, scope, key, hundredths) in scores {
            if let Some(scope) = ScoreScope::from_key(&scope) {
                imported.entry(assessment).or_default().push((
                    scope,
                    key,
                    hundredths as f64 / 100.0,
                ));
            }
        }
    } else {
        let stored: Vec<(String, String, i64, i64)> = sqlx::query_as(
            "SELECT assessment_id, domain_key, final_level, self_level FROM result_levels \
             WHERE cycle_id = $1 AND version = $2 ORDER BY assessment_id, domain_key",
        )
        .bind(cycle_id)
        .bind(version)
        .fetch_all(&db.pool)
        .await?;
        for (assessment, domain, final_level, self_level) in stored {
            levels.entry(assessment).or_default().push((
                domain,
                level(final_level),
                level(self_level),
            ));
        }
    }
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            let id = row.id;
            // Only assessments the version published: a cycle run here publishes levels for
            // every assessment it includes.
            if !historical && !levels.contains_key(&id) {
                return None;
            }
            let scores = imported.remove(&id).unwrap_or_default();
            Some(StoredResult {
                trust_ods_code: row.trust_ods_code,
                trust_name: readable_name(&row.trust_name),
                ics_ods_code: row.icb,
                ics_name: readable_name(&row.icb_name),
                region_ods_code: row.region,
                region_name: readable_name(&row.region_name),
                care_setting: row.care_setting,
                levels: levels.remove(&id).unwrap_or_default(),
                imported_pillars: scores
                    .iter()
                    .filter(|(scope, _, _)| *scope == ScoreScope::Pillar)
                    .map(|(_, key, score)| (key.clone(), *score))
                    .collect(),
                imported_domains: scores
                    .iter()
                    .filter(|(scope, _, _)| *scope == ScoreScope::Domain)
                    .map(|(_, key, score)| (key.clone(), level(score.round() as i64)))
                    .collect(),
                assessment_id: id,
            })
        })
        .collect())
}

fn level(stored: i64) -> u8 {
    u8::try_from(stored.clamp(1, 5)).unwrap_or(1)
}

/// A trust's query on one domain's provisional score, and its answer.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct ResultQuery {
    pub id: String,
    pub assessment_id: String,
    pub domain_key: String,
    pub question: String,
    pub raised_at: String,
    pub answer: Option<String>,
    #[sqlx(try_from = "i64")]
    pub upheld: StoredFlag,
    pub answered_at: Option<String>,
}

/// Records a trust's query on a domain; one per domain.
pub async fn raise_query(
    db: &Db,
    actor: &str,
    assessment_id: &AssessmentId,
    domain_key: &str,
    question: &str,
) -> Result<String, ResultsError> {
    let id = new_id();
    let mut w = db.write(actor).await?;
    let inserted = sqlx::query(
        "INSERT INTO result_queries (id, assessment_id, domain_key, question, raised_by, raised_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&id)
    .bind(assessment_id)
    .bind(domain_key)
    .bind(question)
    .bind(actor)
    .bind(now_utc())
    .execute(&mut *w)
    .await;
    match inserted {
        Err(error) if unique_violation(&error) => return Err(ResultsError::QueryExists),
        other => other?,
    };
    w.audit(
        Audit::new("assessment", assessment_id, "query a provisional score")
            .after(format!("{domain_key}: {question}")),
    )
    .await?;
    w.commit().await?;
    Ok(id)
}

const QUERY_COLUMNS: &str =
    "id, assessment_id, domain_key, question, raised_at, answer, upheld, answered_at";

/// An assessment's queries, by domain.
pub async fn queries_for(
    db: &Db,
    assessment_id: &AssessmentId,
) -> Result<Vec<ResultQuery>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {QUERY_COLUMNS} FROM result_queries WHERE assessment_id = $1 ORDER BY domain_key"
    ))
    .bind(assessment_id)
    .fetch_all(&db.pool)
    .await
}

pub async fn query(db: &Db, id: &str) -> Result<Option<ResultQuery>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {QUERY_COLUMNS} FROM result_queries WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(&db.pool)
    .await
}

/// Answers a query once. With `reopen`, the answer upholds it and the assessment goes back to
/// moderation as the lifecycle allowed, in the same transaction.
pub async fn answer_query(
    db: &Db,
    actor: &str,
    query: &ResultQuery,
    answer: &str,
    reopen: Option<Allowed>,
) -> Result<(), ResultsError> {
    let mut w = db.write(actor).await?;
    let answered = sqlx::query(
        "UPDATE result_queries SET answer = $1, upheld = $2, answered_by = $3, answered_at = $4 \
         WHERE id = $5 AND answer IS NULL",
    )
    .bind(answer)
    .bind(i64::from(reopen.is_some()))
    .bind(actor)
    .bind(now_utc())
    .bind(&query.id)
    .execute(&mut *w)
    .await?
    .rows_affected();
    if answered == 0 {
        return Err(ResultsError::AlreadyAnswered);
    }
    if let Some(allowed) = reopen {
        change_status(
            w.tx(),
            StatusChange::new(&query.assessment_id, actor, allowed).reason(answer),
        )
        .await?;
    }
    w.audit(
        Audit::new(
            "assessment",
            &query.assessment_id,
            "answer a query on a provisional score",
        )
        .after(format!(
            "{}: {}",
            query.domain_key,
            if reopen.is_some() {
                "upheld"
            } else {
                "not upheld"
            }
        ))
        .reason(answer.to_string()),
    )
    .await?;
    w.commit().await?;
    Ok(())
}

/// The unanswered queries of a cycle, oldest first.
pub async fn open_queries(db: &Db, cycle_id: &CycleId) -> Result<Vec<ResultQuery>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT q.{} FROM result_queries q JOIN assessments a ON a.id = q.assessment_id \
         WHERE a.cycle_id = $1 AND q.answer IS NULL ORDER BY q.raised_at",
        QUERY_COLUMNS.replace(", ", ", q.")
    ))
    .bind(cycle_id)
    .fetch_all(&db.pool)
    .await
}
