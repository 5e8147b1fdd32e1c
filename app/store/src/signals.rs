//! What the gaming signals are worked out from, a whole cycle at a time: each assessment's
//! organisation and ICS, the criteria the trust marked met, the submitted reviews' judgements,
//! NHS England's moderated levels, earlier final scores, and the recorded seed of the cycle's
//! random audit sample. One query each, whatever the number of assessments.

use super::{now_utc, Db};
use crate::ids::{CycleId, OdsCode};
use crate::write::Audit;

/// An assessment of the cycle with its organisation as the cycle's organisation snapshot had it.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct AssessedOrganisation {
    pub assessment_id: String,
    pub org_code: String,
    pub org_name: Option<String>,
    pub ics_code: Option<String>,
    pub ics_name: Option<String>,
    pub care_setting: String,
    pub status: String,
}

/// The ICS (its ICB's ODS code) an organisation is in, in the cycle's frozen hierarchy.
pub async fn ics_of(
    db: &Db,
    cycle_id: &CycleId,
    org_ods_code: &OdsCode,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT o.ics_ods_code FROM cycles c JOIN assessed_organisations o \
         ON o.snapshot_id = c.snapshot_id AND o.ods_code = $2 WHERE c.id = $1",
    )
    .bind(cycle_id)
    .bind(org_ods_code)
    .fetch_optional(&db.pool)
    .await
}

pub async fn assessments(
    db: &Db,
    cycle_id: &CycleId,
) -> Result<Vec<AssessedOrganisation>, sqlx::Error> {
    sqlx::query_as(
        "SELECT a.id AS assessment_id, a.trust_ods_code AS org_code, o.name AS org_name, \
         o.ics_ods_code AS ics_code, i.name AS ics_name, a.care_setting, a.status \
         FROM assessments a JOIN cycles c ON c.id = a.cycle_id \
         LEFT JOIN assessed_organisations o ON o.snapshot_id = c.snapshot_id AND o.ods_code = a.trust_ods_code \
         LEFT JOIN icbs i ON i.snapshot_id = c.snapshot_id AND i.ods_code = o.ics_ods_code \
         WHERE a.cycle_id = $1 ORDER BY a.id",
    )
    .bind(cycle_id)
    .fetch_all(&db.pool)
    .await
}

/// A criterion a trust marked met.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct MetCriterion {
    pub assessment_id: String,
    pub domain_key: String,
    pub criterion_key: String,
}

pub async fn met_criteria(db: &Db, cycle_id: &CycleId) -> Result<Vec<MetCriterion>, sqlx::Error> {
    sqlx::query_as(
        "SELECT ca.assessment_id, ca.domain_key, ca.criterion_key FROM criterion_answers ca \
         JOIN assessments a ON a.id = ca.assessment_id WHERE a.cycle_id = $1 AND ca.met = 1",
    )
    .bind(cycle_id)
    .fetch_all(&db.pool)
    .await
}

/// A submitted review: whose, and the ICS of the reviewer's organisation.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct SubmittedSlot {
    pub slot_id: String,
    pub assessment_id: String,
    pub reviewer_id: String,
    pub reviewer_ics: Option<String>,
}

/// The cycle's submitted reviews, each assessment's in the order they were assigned.
pub async fn submitted_slots(
    db: &Db,
    cycle_id: &CycleId,
) -> Result<Vec<SubmittedSlot>, sqlx::Error> {
    sqlx::query_as(
        "SELECT r.id AS slot_id, r.assessment_id, r.reviewer_id, o.ics_ods_code AS reviewer_ics \
         FROM review_assignments r JOIN cycles c ON c.id = r.cycle_id \
         JOIN review_verdicts v ON v.assignment_id = r.id \
         JOIN accounts acc ON acc.id = r.reviewer_id \
         LEFT JOIN assessed_organisations o ON o.snapshot_id = c.snapshot_id AND o.ods_code = acc.org_ods_code \
         WHERE r.cycle_id = $1 AND r.status = 'assigned' AND v.submitted_at IS NOT NULL \
         ORDER BY r.assessment_id, r.assigned_at, r.id",
    )
    .bind(cycle_id)
    .fetch_all(&db.pool)
    .await
}

/// A reviewer's judgement of one criterion.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct SlotJudgement {
    pub slot_id: String,
    pub domain_key: String,
    pub criterion_key: String,
    pub met: i64,
}

pub async fn judgements(db: &Db, cycle_id: &CycleId) -> Result<Vec<SlotJudgement>, sqlx::Error> {
    sqlx::query_as(
        "SELECT j.assignment_id AS slot_id, j.domain_key, j.criterion_key, j.met \
         FROM criterion_judgements j JOIN review_assignments r ON r.id = j.assignment_id \
         WHERE r.cycle_id = $1 AND r.status = 'assigned'",
    )
    .bind(cycle_id)
    .fetch_all(&db.pool)
    .await
}

/// A level given to one domain of one assessment: NHS England's moderated level, or a final
/// level as published.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct DomainLevel {
    pub assessment_id: String,
    pub domain_key: String,
    pub level: i64,
}

pub async fn moderated_levels(
    db: &Db,
    cycle_id: &CycleId,
) -> Result<Vec<DomainLevel>, sqlx::Error> {
    sqlx::query_as(
        "SELECT m.assessment_id, m.domain_key, m.score AS level FROM domain_moderations m \
         JOIN assessments a ON a.id = m.assessment_id WHERE a.cycle_id = $1",
    )
    .bind(cycle_id)
    .fetch_all(&db.pool)
    .await
}

/// The final levels of the cycle's latest published version (cycles run here).
pub async fn final_levels(db: &Db, cycle_id: &CycleId) -> Result<Vec<DomainLevel>, sqlx::Error> {
    sqlx::query_as(
        "SELECT l.assessment_id, l.domain_key, l.final_level AS level FROM result_levels l \
         WHERE l.cycle_id = $1 AND l.version = \
           (SELECT MAX(v.version) FROM result_versions v WHERE v.cycle_id = $1)",
    )
    .bind(cycle_id)
    .fetch_all(&db.pool)
    .await
}

/// A score NHS England published before this service (imported), in hundredths.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct ImportedScore {
    pub assessment_id: String,
    pub scope: String,
    pub score_key: String,
    pub score_hundredths: i64,
}

pub async fn imported_scores(
    db: &Db,
    cycle_id: &CycleId,
) -> Result<Vec<ImportedScore>, sqlx::Error> {
    sqlx::query_as(
        "SELECT s.assessment_id, s.scope, s.score_key, s.score_hundredths FROM published_scores s \
         JOIN assessments a ON a.id = s.assessment_id WHERE a.cycle_id = $1",
    )
    .bind(cycle_id)
    .fetch_all(&db.pool)
    .await
}

/// The seed of the cycle's audit sample: the one recorded, or `fresh` recorded now by `actor`,
/// with the audit record. Whoever records first wins, so two moderators at once see one sample.
pub async fn audit_sample_seed(
    db: &Db,
    cycle_id: &CycleId,
    fresh: u64,
    actor: &str,
) -> Result<u64, sqlx::Error> {
    let recorded = |seed: i64| u64::from_ne_bytes(seed.to_ne_bytes());
    let existing: Option<i64> =
        sqlx::query_scalar("SELECT seed FROM audit_sample_seeds WHERE cycle_id = $1")
            .bind(cycle_id)
            .fetch_optional(&db.pool)
            .await?;
    if let Some(seed) = existing {
        return Ok(recorded(seed));
    }
    let mut w = db.write(actor).await?;
    let inserted = sqlx::query(
        "INSERT INTO audit_sample_seeds (cycle_id, seed, drawn_by, drawn_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (cycle_id) DO NOTHING",
    )
    .bind(cycle_id)
    .bind(i64::from_ne_bytes(fresh.to_ne_bytes()))
    .bind(actor)
    .bind(now_utc())
    .execute(&mut *w)
    .await?
    .rows_affected()
        == 1;
    if inserted {
        w.audit(Audit::new("cycle", cycle_id, "draw audit sample seed").after(fresh.to_string()))
            .await?;
    }
    let seed: i64 = sqlx::query_scalar("SELECT seed FROM audit_sample_seeds WHERE cycle_id = $1")
        .bind(cycle_id)
        .fetch_one(&mut *w)
        .await?;
    w.commit().await?;
    Ok(recorded(seed))
}
