//! A moderator's requests to the trust for more evidence on chosen domains, and the trust's
//! answers: asked while the assessment is being moderated, answered once, by the deadline.

use super::lifecycle::status_of;
use super::outbox::OutgoingMail;
use super::{joined_list, new_id, now_utc, split_list, Db};
use crate::ids::AssessmentId;
use crate::write::Audit;
use rules::lifecycle::{Allowed, AssessmentStatus};

/// Why a request or answer was not recorded. The API puts these into words.
#[derive(Debug, thiserror::Error)]
pub enum EvidenceError {
    #[error("no such request")]
    NoSuchRequest,
    #[error("the assessment moved on to {0:?}")]
    MovedOn(AssessmentStatus),
    #[error("the request has been answered")]
    AlreadyAnswered,
    /// Its deadline, this date, has passed.
    #[error("the deadline passed")]
    DeadlinePassed(String),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// One request and its answer, if given.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct EvidenceRequest {
    pub id: String,
    pub assessment_id: String,
    domain_keys: String,
    pub question: String,
    pub deadline: String,
    pub answer: Option<String>,
}

impl EvidenceRequest {
    pub fn domain_keys(&self) -> impl Iterator<Item = &str> {
        split_list(&self.domain_keys)
    }
}

const REQUEST_QUERY: &str =
    "SELECT id, assessment_id, domain_keys, question, deadline, answer FROM evidence_requests";

/// An assessment's requests, the oldest first.
pub async fn for_assessment(
    db: &Db,
    assessment_id: &AssessmentId,
) -> Result<Vec<EvidenceRequest>, sqlx::Error> {
    sqlx::query_as(&format!(
        "{REQUEST_QUERY} WHERE assessment_id = $1 ORDER BY asked_at, id"
    ))
    .bind(assessment_id)
    .fetch_all(&db.pool)
    .await
}

pub async fn get(db: &Db, id: &str) -> Result<Option<EvidenceRequest>, sqlx::Error> {
    sqlx::query_as(&format!("{REQUEST_QUERY} WHERE id = $1"))
        .bind(id)
        .fetch_optional(&db.pool)
        .await
}

/// What a moderator asks.
#[derive(Clone, Copy, Debug)]
pub struct NewRequest<'a> {
    pub domain_keys: &'a [String],
    pub question: &'a str,
    pub deadline: &'a str,
}

/// Records a request, if the assessment is still in a status the moderator's judgement
/// (`allowed`) holds in; `notices` (to the trust's leads) are queued in the same transaction.
pub async fn ask(
    db: &Db,
    actor: &str,
    assessment_id: &AssessmentId,
    allowed: Allowed,
    request: NewRequest<'_>,
    notices: &[OutgoingMail],
) -> Result<String, EvidenceError> {
    let NewRequest {
        domain_keys,
        question,
        deadline,
    } = request;
    let mut w = db.write(actor).await?;
    let status = status_of(w.tx(), assessment_id)
        .await?
        .ok_or(EvidenceError::NoSuchRequest)?;
    if !allowed.holds_in(status) {
        return Err(EvidenceError::MovedOn(status));
    }
    let id = new_id();
    sqlx::query(
        "INSERT INTO evidence_requests (id, assessment_id, domain_keys, question, deadline, asked_by, asked_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&id)
    .bind(assessment_id)
    .bind(joined_list(domain_keys))
    .bind(question)
    .bind(deadline)
    .bind(actor)
    .bind(now_utc())
    .execute(&mut *w)
    .await?;
    w.audit(
        Audit::new("assessment", assessment_id, "ask for more evidence").after(format!(
            "{} by {deadline}: {question}",
            joined_list(domain_keys)
        )),
    )
    .await?;
    w.enqueue(notices).await?;
    w.commit().await?;
    Ok(id)
}

/// Records the trust's answer: once, by the deadline (`today` at the latest), while the
/// assessment is being moderated.
pub async fn answer(
    db: &Db,
    actor: &str,
    request_id: &str,
    answer: &str,
    today: &str,
) -> Result<(), EvidenceError> {
    let mut w = db.write(actor).await?;
    let request: EvidenceRequest = sqlx::query_as(&format!("{REQUEST_QUERY} WHERE id = $1"))
        .bind(request_id)
        .fetch_optional(&mut *w)
        .await?
        .ok_or(EvidenceError::NoSuchRequest)?;
    if request.answer.is_some() {
        return Err(EvidenceError::AlreadyAnswered);
    }
    if today > request.deadline.as_str() {
        return Err(EvidenceError::DeadlinePassed(request.deadline));
    }
    let status = status_of(w.tx(), &AssessmentId::from(&request.assessment_id))
        .await?
        .ok_or(EvidenceError::NoSuchRequest)?;
    if status != AssessmentStatus::Replied {
        return Err(EvidenceError::MovedOn(status));
    }
    sqlx::query(
        "UPDATE evidence_requests SET answer = $1, answered_by = $2, answered_at = $3 \
         WHERE id = $4 AND answer IS NULL",
    )
    .bind(answer)
    .bind(actor)
    .bind(now_utc())
    .bind(request_id)
    .execute(&mut *w)
    .await?;
    w.audit(
        Audit::new(
            "assessment",
            &request.assessment_id,
            "answer evidence request",
        )
        .after(answer.to_string()),
    )
    .await?;
    w.commit().await?;
    Ok(())
}
