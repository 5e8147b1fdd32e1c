//! Counts for the administrators' dashboard, one query each: a cycle's assessments by status,
//! what is overdue in it, and declined reviews waiting for a replacement.

use super::Db;
use crate::ids::CycleId;

/// How many of a cycle's assessments are in each status (its key).
pub async fn status_counts(db: &Db, cycle_id: &CycleId) -> Result<Vec<(String, i64)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT status, COUNT(*) FROM assessments WHERE cycle_id = $1 GROUP BY status ORDER BY status",
    )
    .bind(cycle_id)
    .fetch_all(&db.pool)
    .await
}

/// Assessments not submitted whose deadline (the trust's own later one, if given) was before
/// `today`.
pub async fn overdue_submissions(
    db: &Db,
    cycle_id: &CycleId,
    today: &str,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM assessments a JOIN cycles c ON c.id = a.cycle_id \
         LEFT JOIN deadline_extensions e ON e.cycle_id = a.cycle_id AND e.trust_ods_code = a.trust_ods_code \
         WHERE a.cycle_id = $1 AND a.status IN ('not_started', 'in_progress') \
         AND COALESCE(e.deadline, c.submission_deadline) < $2",
    )
    .bind(cycle_id)
    .bind(today)
    .fetch_one(&db.pool)
    .await
}

/// Reviews assigned and not submitted whose deadline (the reviewer's own later one, if given)
/// was before `today`.
pub async fn overdue_reviews(db: &Db, cycle_id: &CycleId, today: &str) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM review_assignments r JOIN cycles c ON c.id = r.cycle_id \
         LEFT JOIN review_verdicts v ON v.assignment_id = r.id \
         LEFT JOIN review_deadline_extensions e ON e.assignment_id = r.id \
         WHERE r.cycle_id = $1 AND r.status = 'assigned' AND v.submitted_at IS NULL \
         AND COALESCE(e.deadline, c.review_deadline) < $2",
    )
    .bind(cycle_id)
    .bind(today)
    .fetch_one(&db.pool)
    .await
}

/// Reviews a reviewer declined that nobody has replaced yet.
pub async fn declined_reviews(db: &Db, cycle_id: &CycleId) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM review_assignments WHERE cycle_id = $1 AND status = 'declined'",
    )
    .bind(cycle_id)
    .fetch_one(&db.pool)
    .await
}
