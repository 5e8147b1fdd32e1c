//! Peer reviews: each domain's review saved as the reviewer goes (refusing a save made from an
//! older version), submitting with a verdict (which completes the assessment's peer review when
//! it is the last review outstanding), reopening a submitted review, a later deadline for one
//! reviewer, and closing an assessment's peer review with the reviews received.

use super::lifecycle::{change_status, status_of, StatusChange, StatusChangeError};
use super::outbox::OutgoingMail;
use super::published::{published_scores, ScoreScope};
use super::{now_utc, Db};
use crate::ids::{AssessmentId, CycleId, ReviewSlotId};
use crate::write::Audit;
use rules::lifecycle::{Allowed, AssessmentStatus};
use rules::review::{Confidence, DomainReview, Judgement, Verdict};
use rules::review_assignment::AssignmentStatus;
use sqlx::{Any, Transaction};
use std::collections::BTreeMap;

/// Why a change to a review was not made. The API puts these into words.
#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    #[error("no such review")]
    NoSuchReview,
    /// The reviewer declined it or was replaced.
    #[error("the review is no longer assigned")]
    NotAssigned,
    #[error("the review has been submitted")]
    AlreadySubmitted,
    #[error("the review has not been submitted")]
    NotSubmitted,
    /// The assessment does not exist, or its status changed after the caller looked (the one
    /// "moved on" error every status change gives).
    #[error(transparent)]
    StatusChange(#[from] StatusChangeError),
    /// Someone saved the domain's review after the version the save started from.
    #[error("the domain's review was saved since that version")]
    Conflict(Box<SavedDomainReview>),
    /// Closing a peer review needs at least one submitted review.
    #[error("no review has been submitted")]
    NoReviewsYet,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// One reviewer's review of one assessment, as its assignment and verdict stand.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct ReviewSlot {
    pub id: String,
    pub assessment_id: String,
    pub reviewer_id: String,
    pub reviewer_name: String,
    pub reviewer_email: String,
    /// The reviewer's organisation, as NHS England sees it.
    pub reviewer_org: String,
    #[sqlx(try_from = "String")]
    pub status: AssignmentStatus,
    pub extended_deadline: Option<String>,
    pub extension_reason: Option<String>,
    pub verdict: Option<String>,
    pub summary: Option<String>,
    pub submitted_at: Option<String>,
}

impl ReviewSlot {
    pub fn is_assigned(&self) -> bool {
        self.status == AssignmentStatus::Assigned
    }

    pub fn is_submitted(&self) -> bool {
        self.submitted_at.is_some()
    }

    /// The verdict given, if any (kept after reopening, for the reviewer to change).
    pub fn verdict(&self) -> Option<(Verdict, String)> {
        let verdict = Verdict::from_key(self.verdict.as_deref()?)?;
        Some((verdict, self.summary.clone().unwrap_or_default()))
    }

    /// This reviewer's deadline: their own later one, if given, or the cycle's.
    pub fn deadline<'a>(&'a self, cycle_review_deadline: &'a str) -> &'a str {
        self.extended_deadline
            .as_deref()
            .unwrap_or(cycle_review_deadline)
    }
}

const SLOT_QUERY: &str = "SELECT r.id, r.assessment_id, r.reviewer_id, p.display_name AS reviewer_name, p.email AS reviewer_email, \
    COALESCE(p.org_ods_code, '') AS reviewer_org, r.status, e.deadline AS extended_deadline, \
    e.reason AS extension_reason, v.verdict, v.summary, v.submitted_at \
    FROM review_assignments r JOIN accounts p ON p.id = r.reviewer_id \
    LEFT JOIN review_deadline_extensions e ON e.assignment_id = r.id \
    LEFT JOIN review_verdicts v ON v.assignment_id = r.id";

/// One review, if it exists.
pub async fn slot(db: &Db, id: &ReviewSlotId) -> Result<Option<ReviewSlot>, sqlx::Error> {
    sqlx::query_as(&format!("{SLOT_QUERY} WHERE r.id = $1"))
        .bind(id)
        .fetch_optional(&db.pool)
        .await
}

async fn slot_in(
    tx: &mut Transaction<'static, Any>,
    id: &ReviewSlotId,
) -> Result<ReviewSlot, ReviewError> {
    sqlx::query_as(&format!("{SLOT_QUERY} WHERE r.id = $1"))
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or(ReviewError::NoSuchReview)
}

/// An assessment's reviews that are (or were, before a reopening) assigned, by reviewer name.
pub async fn slots_of(
    db: &Db,
    assessment_id: &AssessmentId,
) -> Result<Vec<ReviewSlot>, sqlx::Error> {
    sqlx::query_as(&format!(
        "{SLOT_QUERY} WHERE r.assessment_id = $1 AND r.status = 'assigned' ORDER BY p.display_name, r.id"
    ))
    .bind(assessment_id)
    .fetch_all(&db.pool)
    .await
}

/// How far an assigned review has got, for NHS England's overview of a cycle.
#[derive(Clone, Debug, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct AssignedReview {
    pub id: String,
    pub submitted_at: Option<String>,
    pub extended_deadline: Option<String>,
}

/// The progress of every assigned review in a cycle, by review id.
pub async fn assigned_in_cycle(
    db: &Db,
    cycle_id: &CycleId,
) -> Result<BTreeMap<String, AssignedReview>, sqlx::Error> {
    let rows: Vec<AssignedReview> = sqlx::query_as(
        "SELECT r.id, v.submitted_at, e.deadline AS extended_deadline FROM review_assignments r \
         LEFT JOIN review_verdicts v ON v.assignment_id = r.id \
         LEFT JOIN review_deadline_extensions e ON e.assignment_id = r.id \
         WHERE r.cycle_id = $1 AND r.status = 'assigned'",
    )
    .bind(cycle_id)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.into_iter().map(|row| (row.id.clone(), row)).collect())
}

/// A submitted review with every domain's judgements.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubmittedReview {
    pub slot: ReviewSlot,
    pub domains: BTreeMap<String, DomainReview>,
}

/// An assessment's submitted reviews, in the order they were assigned: the order that numbers
/// reviewers for the trust ("Reviewer 1", "Reviewer 2").
pub async fn submitted_reviews(
    db: &Db,
    assessment_id: &AssessmentId,
) -> Result<Vec<SubmittedReview>, sqlx::Error> {
    let slots: Vec<ReviewSlot> = sqlx::query_as(&format!(
        "{SLOT_QUERY} WHERE r.assessment_id = $1 AND r.status = 'assigned' \
         AND v.submitted_at IS NOT NULL ORDER BY r.assigned_at, r.id"
    ))
    .bind(assessment_id)
    .fetch_all(&db.pool)
    .await?;
    let mut reviews = Vec::with_capacity(slots.len());
    for slot in slots {
        let domains = all_domain_reviews(db, &ReviewSlotId::from(&slot.id)).await?;
        reviews.push(SubmittedReview { slot, domains });
    }
    Ok(reviews)
}

/// A domain's review as stored, with when it was saved last.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SavedDomainReview {
    pub review: DomainReview,
    /// 0 when nothing has been saved yet.
    pub version: i64,
    pub updated_at: Option<String>,
}

#[derive(sqlx::FromRow)]
struct DomainReviewRow {
    domain_key: String,
    version: i64,
    confirmed: i64,
    insufficient_evidence: i64,
    confidence: Option<String>,
    comment: String,
    updated_at: String,
}

#[derive(sqlx::FromRow)]
struct JudgementRow {
    domain_key: String,
    criterion_key: String,
    met: i64,
    reason: String,
}

impl DomainReviewRow {
    fn into_saved(self, judgements: BTreeMap<String, Judgement>) -> SavedDomainReview {
        SavedDomainReview {
            review: DomainReview {
                judgements,
                insufficient_evidence: self.insufficient_evidence != 0,
                confidence: self.confidence.as_deref().and_then(Confidence::from_key),
                comment: self.comment,
                confirmed: self.confirmed != 0,
            },
            version: self.version,
            updated_at: Some(self.updated_at),
        }
    }
}

fn judgement_of(row: JudgementRow) -> (String, Judgement) {
    (
        row.criterion_key,
        Judgement {
            met: row.met != 0,
            reason: row.reason,
        },
    )
}

async fn load_domain_review(
    connection: &mut sqlx::AnyConnection,
    slot_id: &ReviewSlotId,
    domain_key: &str,
) -> Result<SavedDomainReview, sqlx::Error> {
    let row: Option<DomainReviewRow> = sqlx::query_as(
        "SELECT domain_key, version, confirmed, insufficient_evidence, confidence, comment, updated_at \
         FROM domain_reviews WHERE assignment_id = $1 AND domain_key = $2",
    )
    .bind(slot_id)
    .bind(domain_key)
    .fetch_optional(&mut *connection)
    .await?;
    let Some(row) = row else {
        return Ok(SavedDomainReview::default());
    };
    let judgements: Vec<JudgementRow> = sqlx::query_as(
        "SELECT domain_key, criterion_key, met, reason FROM criterion_judgements \
         WHERE assignment_id = $1 AND domain_key = $2",
    )
    .bind(slot_id)
    .bind(domain_key)
    .fetch_all(&mut *connection)
    .await?;
    Ok(row.into_saved(judgements.into_iter().map(judgement_of).collect()))
}

/// One domain's review and its version.
pub async fn domain_review(
    db: &Db,
    slot_id: &ReviewSlotId,
    domain_key: &str,
) -> Result<SavedDomainReview, sqlx::Error> {
    let mut connection = db.pool.acquire().await?;
    load_domain_review(&mut connection, slot_id, domain_key).await
}

/// Every saved domain review of one review, by domain key.
pub async fn all_domain_reviews(
    db: &Db,
    slot_id: &ReviewSlotId,
) -> Result<BTreeMap<String, DomainReview>, sqlx::Error> {
    let rows: Vec<DomainReviewRow> = sqlx::query_as(
        "SELECT domain_key, version, confirmed, insufficient_evidence, confidence, comment, updated_at \
         FROM domain_reviews WHERE assignment_id = $1",
    )
    .bind(slot_id)
    .fetch_all(&db.pool)
    .await?;
    let judgements: Vec<JudgementRow> = sqlx::query_as(
        "SELECT domain_key, criterion_key, met, reason FROM criterion_judgements WHERE assignment_id = $1",
    )
    .bind(slot_id)
    .fetch_all(&db.pool)
    .await?;
    let mut by_domain: BTreeMap<String, BTreeMap<String, Judgement>> = BTreeMap::new();
    for row in judgements {
        let domain = row.domain_key.clone();
        let (key, judgement) = judgement_of(row);
        by_domain.entry(domain).or_default().insert(key, judgement);
    }
    Ok(rows
        .into_iter()
        .map(|row| {
            let judgements = by_domain.remove(&row.domain_key).unwrap_or_default();
            (row.domain_key.clone(), row.into_saved(judgements).review)
        })
        .collect())
}

/// Refuses a change to a review that is no longer the reviewer's to change: declined or
/// replaced, already submitted, or on an assessment no longer in review.
async fn open_slot(
    tx: &mut Transaction<'static, Any>,
    slot_id: &ReviewSlotId,
) -> Result<ReviewSlot, ReviewError> {
    let slot = slot_in(tx, slot_id).await?;
    if !slot.is_assigned() {
        return Err(ReviewError::NotAssigned);
    }
    if slot.is_submitted() {
        return Err(ReviewError::AlreadySubmitted);
    }
    let status = status_of(tx, &AssessmentId::from(&slot.assessment_id))
        .await?
        .ok_or(ReviewError::NoSuchReview)?;
    if status != AssessmentStatus::InReview {
        return Err(StatusChangeError::MovedOn(status).into());
    }
    Ok(slot)
}

/// Replaces a domain's review, if the review is still open and nobody has saved the domain
/// since `expected_version`. Returns the new version. `summary` describes the review for the
/// audit trail.
pub async fn save_domain_review(
    db: &Db,
    actor: &str,
    slot_id: &ReviewSlotId,
    domain_key: &str,
    expected_version: i64,
    review: &DomainReview,
    summary: String,
) -> Result<i64, ReviewError> {
    let mut w = db.write(actor).await?;
    open_slot(w.tx(), slot_id).await?;
    let saved = load_domain_review(w.tx(), slot_id, domain_key).await?;
    if saved.version != expected_version {
        return Err(ReviewError::Conflict(Box::new(saved)));
    }
    let version = expected_version + 1;
    sqlx::query(
        "INSERT INTO domain_reviews (assignment_id, domain_key, version, confirmed, insufficient_evidence, confidence, comment, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
         ON CONFLICT (assignment_id, domain_key) DO UPDATE SET version = excluded.version, \
         confirmed = excluded.confirmed, insufficient_evidence = excluded.insufficient_evidence, \
         confidence = excluded.confidence, comment = excluded.comment, updated_at = excluded.updated_at",
    )
    .bind(slot_id)
    .bind(domain_key)
    .bind(version)
    .bind(i64::from(review.confirmed))
    .bind(i64::from(review.insufficient_evidence))
    .bind(review.confidence.map(Confidence::key))
    .bind(&review.comment)
    .bind(now_utc())
    .execute(&mut *w)
    .await?;
    sqlx::query("DELETE FROM criterion_judgements WHERE assignment_id = $1 AND domain_key = $2")
        .bind(slot_id)
        .bind(domain_key)
        .execute(&mut *w)
        .await?;
    for (criterion_key, judgement) in &review.judgements {
        sqlx::query(
            "INSERT INTO criterion_judgements (assignment_id, domain_key, criterion_key, met, reason) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(slot_id)
        .bind(domain_key)
        .bind(criterion_key)
        .bind(i64::from(judgement.met))
        .bind(&judgement.reason)
        .execute(&mut *w)
        .await?;
    }
    w.audit(
        Audit::new("review", &format!("{slot_id}/{domain_key}"), "save review")
            .before((expected_version > 0).then(|| format!("version {expected_version}")))
            .after(format!("version {version}: {summary}")),
    )
    .await?;
    w.commit().await?;
    Ok(version)
}

/// The assigned reviews of an assessment still to be submitted, in this transaction.
async fn outstanding_reviews(
    tx: &mut Transaction<'static, Any>,
    assessment_id: &AssessmentId,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM review_assignments r \
         LEFT JOIN review_verdicts v ON v.assignment_id = r.id \
         WHERE r.assessment_id = $1 AND r.status = 'assigned' AND v.submitted_at IS NULL",
    )
    .bind(assessment_id)
    .fetch_one(&mut **tx)
    .await
}

/// How a submission left the assessment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Submitted {
    /// Other reviews are still outstanding.
    Waiting,
    /// It was the last: the assessment is reviewed and the notices were queued.
    Completed,
}

/// Submits a review with its verdict; it becomes read-only. If no other assigned review of the
/// assessment is outstanding, the assessment moves on as `completes` allows (the lifecycle's
/// judgement of the reviewer submitting the last review) and `notices` are queued, all in one
/// transaction.
pub async fn submit(
    db: &Db,
    actor: &str,
    slot_id: &ReviewSlotId,
    verdict: Verdict,
    summary: &str,
    completes: Allowed,
    notices: &[OutgoingMail],
) -> Result<Submitted, ReviewError> {
    let mut w = db.write(actor).await?;
    let slot = open_slot(w.tx(), slot_id).await?;
    let now = now_utc();
    sqlx::query(
        "INSERT INTO review_verdicts (assignment_id, verdict, summary, submitted_at, updated_at) \
         VALUES ($1, $2, $3, $4, $4) ON CONFLICT (assignment_id) DO UPDATE SET \
         verdict = excluded.verdict, summary = excluded.summary, submitted_at = excluded.submitted_at, \
         updated_at = excluded.updated_at",
    )
    .bind(slot_id)
    .bind(verdict.key())
    .bind(summary)
    .bind(&now)
    .execute(&mut *w)
    .await?;
    w.audit(
        Audit::new("review", slot_id, "submit review")
            .after(format!("{}: {summary}", verdict.label())),
    )
    .await?;
    let outcome =
        if outstanding_reviews(w.tx(), &AssessmentId::from(&slot.assessment_id)).await? == 0 {
            change_status(
                w.tx(),
                StatusChange::new(&slot.assessment_id, actor, completes),
            )
            .await?;
            w.enqueue(notices).await?;
            Submitted::Completed
        } else {
            Submitted::Waiting
        };
    w.commit().await?;
    Ok(outcome)
}

/// Reopens a submitted review for its reviewer to change, with the reason, audited; the
/// assessment goes back into review if it had moved on (`allowed`). `notice` (to the reviewer)
/// is queued in the same transaction.
pub async fn reopen(
    db: &Db,
    actor: &str,
    slot_id: &ReviewSlotId,
    allowed: Allowed,
    reason: &str,
    notice: &OutgoingMail,
) -> Result<(), ReviewError> {
    let mut w = db.write(actor).await?;
    let slot = slot_in(w.tx(), slot_id).await?;
    if !slot.is_submitted() {
        return Err(ReviewError::NotSubmitted);
    }
    change_status(
        w.tx(),
        StatusChange::new(&slot.assessment_id, actor, allowed).reason(reason),
    )
    .await?;
    sqlx::query(
        "UPDATE review_verdicts SET submitted_at = NULL, updated_at = $1 WHERE assignment_id = $2",
    )
    .bind(now_utc())
    .bind(slot_id)
    .execute(&mut *w)
    .await?;
    w.audit(
        Audit::new("review", slot_id, "reopen review")
            .before("submitted".to_string())
            .after("reopened".to_string())
            .reason(reason.to_string()),
    )
    .await?;
    w.enqueue([notice]).await?;
    w.commit().await?;
    Ok(())
}

/// Gives one reviewer a later deadline (replacing an earlier extension), with the reason,
/// audited; `notice` (to the reviewer) is queued in the same transaction.
pub async fn extend_deadline(
    db: &Db,
    actor: &str,
    slot_id: &ReviewSlotId,
    deadline: &str,
    reason: &str,
    notice: &OutgoingMail,
) -> Result<(), ReviewError> {
    let mut w = db.write(actor).await?;
    let slot = slot_in(w.tx(), slot_id).await?;
    if !slot.is_assigned() {
        return Err(ReviewError::NotAssigned);
    }
    sqlx::query(
        "INSERT INTO review_deadline_extensions (assignment_id, deadline, reason, granted_by, granted_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (assignment_id) DO UPDATE SET \
         deadline = excluded.deadline, reason = excluded.reason, granted_by = excluded.granted_by, \
         granted_at = excluded.granted_at",
    )
    .bind(slot_id)
    .bind(deadline)
    .bind(reason)
    .bind(actor)
    .bind(now_utc())
    .execute(&mut *w)
    .await?;
    w.audit(
        Audit::new("review", slot_id, "extend review deadline")
            .before(slot.extended_deadline)
            .after(deadline.to_string())
            .reason(reason.to_string()),
    )
    .await?;
    w.enqueue([notice]).await?;
    w.commit().await?;
    Ok(())
}

/// Ends an assessment's peer review with the reviews received (at least one), as the lifecycle
/// allowed, with the reason; `notices` (to the trust's leads) are queued in the same transaction.
pub async fn close(
    db: &Db,
    actor: &str,
    assessment_id: &AssessmentId,
    allowed: Allowed,
    reason: &str,
    notices: &[OutgoingMail],
) -> Result<(), ReviewError> {
    let mut w = db.write(actor).await?;
    let submitted: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM review_assignments r JOIN review_verdicts v ON v.assignment_id = r.id \
         WHERE r.assessment_id = $1 AND r.status = 'assigned' AND v.submitted_at IS NOT NULL",
    )
    .bind(assessment_id)
    .fetch_one(&mut *w)
    .await?;
    if submitted == 0 {
        return Err(ReviewError::NoReviewsYet);
    }
    change_status(
        w.tx(),
        StatusChange::new(assessment_id.as_str(), actor, allowed)
            .detail(format!("{submitted} reviews received"))
            .reason(reason),
    )
    .await?;
    w.enqueue(notices).await?;
    w.commit().await?;
    Ok(())
}

/// The previous final scores of the same trust and care setting, from the latest earlier cycle
/// with published scores: that cycle's name and the scores.
pub async fn previous_scores(
    db: &Db,
    assessment_id: &AssessmentId,
) -> Result<Option<(String, Vec<(ScoreScope, String, f64)>)>, sqlx::Error> {
    let earlier: Option<(String, String)> = sqlx::query_as(
        "SELECT p.id, pc.name FROM assessments a JOIN cycles c ON c.id = a.cycle_id \
         JOIN assessments p ON p.trust_ods_code = a.trust_ods_code AND p.care_setting = a.care_setting \
         JOIN cycles pc ON pc.id = p.cycle_id \
         WHERE a.id = $1 AND pc.opens_on < c.opens_on \
         AND EXISTS (SELECT 1 FROM published_scores s WHERE s.assessment_id = p.id) \
         ORDER BY pc.opens_on DESC LIMIT 1",
    )
    .bind(assessment_id)
    .fetch_optional(&db.pool)
    .await?;
    let Some((earlier_id, name)) = earlier else {
        return Ok(None);
    };
    let scores = published_scores(db, &AssessmentId::from(&earlier_id)).await?;
    Ok(Some((name, scores)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assignments::{self, tests::submitted_cycle};
    use crate::outbox;
    use crate::test_support::test_databases;
    use crate::AccountId;
    use crate::{assessments, audit, lifecycle};
    use rules::assignment::{AssignmentPlan, ProposedReview};
    use rules::fixtures::allowed;
    use rules::lifecycle::Event;

    fn notice() -> OutgoingMail {
        OutgoingMail {
            html: String::new(),
            to: "lead@rr8.nhs.uk".into(),
            subject: "Peer review complete".into(),
            body: String::new(),
        }
    }

    /// RR8's acute assessment in review by two reviewers; returns its id and their reviews.
    async fn in_review(db: &Db) -> (String, [String; 2]) {
        let (cycle, midlands, yorkshire) = submitted_cycle(db).await;
        let assessment = assessments::for_cycle(db, &CycleId::from(&cycle))
            .await
            .unwrap()
            .into_iter()
            .find(|a| a.trust_ods_code == "RR8")
            .unwrap()
            .id;
        let plan = AssignmentPlan {
            assignments: [&midlands, &yorkshire]
                .map(|reviewer| ProposedReview {
                    assessment_id: assessment.clone(),
                    reviewer_id: reviewer.clone(),
                    cost: 0,
                    reasons: Vec::new(),
                })
                .to_vec(),
            total_cost: 0,
            uncovered: Vec::new(),
            load: Vec::new(),
        };
        assignments::propose(db, "admin", &CycleId::from(&cycle), &plan)
            .await
            .unwrap();
        let into_review = [(
            assessment.clone(),
            allowed(Event::ConfirmReviewers, AssessmentStatus::Submitted),
        )];
        assignments::confirm(
            db,
            "admin",
            &CycleId::from(&cycle),
            &into_review,
            &[],
            |_| Ok(()),
        )
        .await
        .unwrap();
        let slots = slots_of(db, &AssessmentId::from(&assessment))
            .await
            .unwrap();
        let slot_of = |reviewer: &str| {
            slots
                .iter()
                .find(|slot| slot.reviewer_id == reviewer)
                .unwrap()
                .id
                .clone()
        };
        (assessment, [slot_of(&midlands), slot_of(&yorkshire)])
    }

    fn last_review() -> Allowed {
        allowed(Event::LastReviewSubmitted, AssessmentStatus::InReview)
    }

    async fn status(db: &Db, assessment: &str) -> AssessmentStatus {
        let mut tx = db.begin_write().await.unwrap();
        lifecycle::status_of(&mut tx, &AssessmentId::from(assessment))
            .await
            .unwrap()
            .unwrap()
    }

    fn judged_not_met(criterion: &str) -> DomainReview {
        DomainReview {
            judgements: [(
                criterion.to_string(),
                Judgement {
                    met: false,
                    reason: "Only a draft".into(),
                },
            )]
            .into(),
            confidence: Some(Confidence::High),
            comment: "Checked the board papers".into(),
            confirmed: true,
            ..Default::default()
        }
    }

    #[tokio::test]
    async fn saves_are_versioned_and_the_last_submission_completes_the_assessment() {
        for (db, _folder) in test_databases().await {
            let (assessment, [first, second]) = in_review(&db).await;
            let review = judged_not_met("strategy-2a");
            let save = |version: i64, review: DomainReview| {
                let (db, first) = (db.clone(), first.clone());
                async move {
                    save_domain_review(
                        &db,
                        "r1",
                        &ReviewSlotId::from(&first),
                        "digital-strategy",
                        version,
                        &review,
                        "test".into(),
                    )
                    .await
                }
            };
            assert_eq!(save(0, review.clone()).await.unwrap(), 1);
            let Err(ReviewError::Conflict(saved)) = save(0, DomainReview::default()).await else {
                panic!("a save from version 0 after version 1 is a conflict");
            };
            assert_eq!((saved.version, &saved.review), (1, &review));
            let read = domain_review(&db, &ReviewSlotId::from(&first), "digital-strategy")
                .await
                .unwrap();
            assert_eq!(read.review, review, "read back as saved");
            assert_eq!(
                all_domain_reviews(&db, &ReviewSlotId::from(&first))
                    .await
                    .unwrap()["digital-strategy"],
                review
            );

            let outcome = submit(
                &db,
                "r1",
                &ReviewSlotId::from(&first),
                Verdict::MinorDifferences,
                "Small gaps",
                last_review(),
                &[notice()],
            )
            .await
            .unwrap();
            assert_eq!(outcome, Submitted::Waiting);
            assert_eq!(status(&db, &assessment).await, AssessmentStatus::InReview);
            assert_eq!(
                outbox::unsent_count(&db.pool).await.unwrap(),
                0,
                "no notice yet"
            );
            assert!(matches!(
                save(1, review.clone()).await,
                Err(ReviewError::AlreadySubmitted)
            ));
            let slot = slot(&db, &ReviewSlotId::from(&first))
                .await
                .unwrap()
                .unwrap();
            assert_eq!(
                slot.verdict(),
                Some((Verdict::MinorDifferences, "Small gaps".into()))
            );

            let outcome = submit(
                &db,
                "r2",
                &ReviewSlotId::from(&second),
                Verdict::Accurate,
                "",
                last_review(),
                &[notice()],
            )
            .await
            .unwrap();
            assert_eq!(outcome, Submitted::Completed);
            assert_eq!(status(&db, &assessment).await, AssessmentStatus::Reviewed);
            assert_eq!(outbox::unsent_count(&db.pool).await.unwrap(), 1);
            assert_eq!(audit::verify_chain(&db.pool).await.unwrap(), None);
        }
    }

    #[tokio::test]
    async fn two_last_reviews_submitted_at_once_complete_the_assessment_exactly_once() {
        for (db, _folder) in test_databases().await {
            let (assessment, [first, second]) = in_review(&db).await;
            let submit_as = |slot: String| {
                let db = db.clone();
                async move {
                    submit(
                        &db,
                        "r",
                        &ReviewSlotId::from(&slot),
                        Verdict::Accurate,
                        "",
                        last_review(),
                        &[notice()],
                    )
                    .await
                }
            };
            let (one, two) = tokio::join!(submit_as(first), submit_as(second));
            let mut outcomes = [one.unwrap(), two.unwrap()];
            outcomes.sort_by_key(|outcome| *outcome == Submitted::Completed);
            assert_eq!(outcomes, [Submitted::Waiting, Submitted::Completed]);
            assert_eq!(status(&db, &assessment).await, AssessmentStatus::Reviewed);
            assert_eq!(
                outbox::unsent_count(&db.pool).await.unwrap(),
                1,
                "one notice per lead"
            );
        }
    }

    #[tokio::test]
    async fn closing_needs_a_review_and_reopening_puts_the_assessment_back_in_review() {
        for (db, _folder) in test_databases().await {
            let (assessment, [first, second]) = in_review(&db).await;
            let close_review = allowed(Event::CloseReview, AssessmentStatus::InReview);
            assert!(matches!(
                close(
                    &db,
                    "admin",
                    &AssessmentId::from(&assessment),
                    close_review,
                    "Unreachable",
                    &[]
                )
                .await,
                Err(ReviewError::NoReviewsYet)
            ));
            submit(
                &db,
                "r1",
                &ReviewSlotId::from(&first),
                Verdict::Accurate,
                "",
                last_review(),
                &[],
            )
            .await
            .unwrap();
            close(
                &db,
                "admin",
                &AssessmentId::from(&assessment),
                close_review,
                "Unreachable",
                &[notice()],
            )
            .await
            .unwrap();
            assert_eq!(status(&db, &assessment).await, AssessmentStatus::Reviewed);
            assert!(matches!(
                save_domain_review(
                    &db,
                    "r2",
                    &ReviewSlotId::from(&second),
                    "digital-strategy",
                    0,
                    &DomainReview::default(),
                    "late".into()
                )
                .await,
                Err(ReviewError::StatusChange(StatusChangeError::MovedOn(
                    AssessmentStatus::Reviewed
                )))
            ));

            let reopen_review = allowed(Event::ReopenReview, AssessmentStatus::Reviewed);
            assert!(matches!(
                reopen(
                    &db,
                    "admin",
                    &ReviewSlotId::from(&second),
                    reopen_review,
                    "Why",
                    &notice()
                )
                .await,
                Err(ReviewError::NotSubmitted)
            ));
            reopen(
                &db,
                "admin",
                &ReviewSlotId::from(&first),
                reopen_review,
                "Look again",
                &notice(),
            )
            .await
            .unwrap();
            assert_eq!(status(&db, &assessment).await, AssessmentStatus::InReview);
            let reopened = slot(&db, &ReviewSlotId::from(&first))
                .await
                .unwrap()
                .unwrap();
            assert!(!reopened.is_submitted());
            assert_eq!(
                reopened.verdict(),
                Some((Verdict::Accurate, String::new())),
                "kept to change"
            );

            extend_deadline(
                &db,
                "admin",
                &ReviewSlotId::from(&second),
                "2027-03-14",
                "Illness",
                &notice(),
            )
            .await
            .unwrap();
            let extended = slot(&db, &ReviewSlotId::from(&second))
                .await
                .unwrap()
                .unwrap();
            assert_eq!(extended.deadline("2027-02-28"), "2027-03-14");
            assert_eq!(extended.extension_reason.as_deref(), Some("Illness"));
            assert_eq!(audit::verify_chain(&db.pool).await.unwrap(), None);
        }
    }

    #[tokio::test]
    async fn a_declined_review_can_no_longer_be_changed() {
        for (db, _folder) in test_databases().await {
            let (_, [first, _]) = in_review(&db).await;
            let reviewer = slot(&db, &ReviewSlotId::from(&first))
                .await
                .unwrap()
                .unwrap()
                .reviewer_id;
            assignments::decline(
                &db,
                &AccountId::from(&reviewer),
                &ReviewSlotId::from(&first),
                "On leave",
                &[],
            )
            .await
            .unwrap();
            assert!(matches!(
                save_domain_review(
                    &db,
                    &reviewer,
                    &ReviewSlotId::from(&first),
                    "digital-strategy",
                    0,
                    &DomainReview::default(),
                    "x".into()
                )
                .await,
                Err(ReviewError::NotAssigned)
            ));
        }
    }
}
