//! The trust's reply to its peer reviews: each adjusted domain's answer (refusing a save made
//! from an older version), submitting the reply, and recording "no reply received" when the
//! deadline passes. Status changes go through `lifecycle::change_status`.

use super::lifecycle::{change_status, status_of, StatusChange, StatusChangeError};
use super::outbox::OutgoingMail;
use super::{now_utc, Db};
use crate::ids::AssessmentId;
use crate::write::Audit;
use rules::lifecycle::Allowed;
use rules::reply::{DomainReply, ReplyOutcome, Response};
use std::collections::BTreeMap;

/// Why a change to a reply was not made. The API puts these into words.
#[derive(Debug, thiserror::Error)]
pub enum ReplyError {
    /// The assessment does not exist, or its status changed after the caller looked (the one
    /// "moved on" error every status change gives).
    #[error(transparent)]
    StatusChange(#[from] StatusChangeError),
    /// Someone saved the domain's reply after the version the save started from.
    #[error("the domain's reply was saved since that version")]
    Conflict(Box<SavedReply>),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// A domain's reply as stored, with who saved it last.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SavedReply {
    pub reply: Option<DomainReply>,
    /// 0 when nothing has been saved yet.
    pub version: i64,
    pub updated_at: Option<String>,
    pub updated_by: Option<String>,
}

#[derive(sqlx::FromRow)]
struct ReplyRow {
    domain_key: String,
    response: String,
    comment: String,
    evidence: String,
    version: i64,
    updated_at: String,
    updated_by: Option<String>,
}

impl ReplyRow {
    fn reply(&self) -> Result<DomainReply, sqlx::Error> {
        let response = Response::from_key(&self.response).ok_or_else(|| {
            sqlx::Error::Decode(format!("unknown reply response {}", self.response).into())
        })?;
        Ok(DomainReply {
            response,
            comment: self.comment.clone(),
            evidence: self.evidence.clone(),
        })
    }
}

const REPLY_QUERY: &str = "SELECT d.domain_key, d.response, d.comment, d.evidence, d.version, \
    d.updated_at, a.display_name AS updated_by FROM domain_replies d \
    LEFT JOIN accounts a ON a.id = d.updated_by";

async fn load(
    connection: &mut sqlx::AnyConnection,
    assessment_id: &AssessmentId,
    domain_key: &str,
) -> Result<SavedReply, sqlx::Error> {
    let row: Option<ReplyRow> = sqlx::query_as(&format!(
        "{REPLY_QUERY} WHERE d.assessment_id = $1 AND d.domain_key = $2"
    ))
    .bind(assessment_id)
    .bind(domain_key)
    .fetch_optional(&mut *connection)
    .await?;
    let Some(row) = row else {
        return Ok(SavedReply::default());
    };
    Ok(SavedReply {
        reply: Some(row.reply()?),
        version: row.version,
        updated_at: Some(row.updated_at),
        updated_by: row.updated_by,
    })
}

/// One domain's reply and its version.
pub async fn domain_reply(
    db: &Db,
    assessment_id: &AssessmentId,
    domain_key: &str,
) -> Result<SavedReply, sqlx::Error> {
    let mut connection = db.pool.acquire().await?;
    load(&mut connection, assessment_id, domain_key).await
}

/// Every domain's reply of an assessment, by domain key.
pub async fn all_replies(
    db: &Db,
    assessment_id: &AssessmentId,
) -> Result<BTreeMap<String, DomainReply>, sqlx::Error> {
    let rows: Vec<ReplyRow> = sqlx::query_as(&format!("{REPLY_QUERY} WHERE d.assessment_id = $1"))
        .bind(assessment_id)
        .fetch_all(&db.pool)
        .await?;
    rows.iter()
        .map(|row| Ok((row.domain_key.clone(), row.reply()?)))
        .collect()
}

/// Replaces a domain's reply, if the assessment is still in the status the save was allowed in
/// and nobody has saved the domain's reply since `expected_version`. Returns the new version.
pub async fn save_domain_reply(
    db: &Db,
    actor: &str,
    assessment_id: &AssessmentId,
    allowed: Allowed,
    domain_key: &str,
    expected_version: i64,
    reply: &DomainReply,
) -> Result<i64, ReplyError> {
    let mut w = db.write(actor).await?;
    let status = status_of(w.tx(), assessment_id)
        .await?
        .ok_or(StatusChangeError::NoSuchAssessment)?;
    if !allowed.holds_in(status) {
        return Err(StatusChangeError::MovedOn(status).into());
    }
    let saved = load(w.tx(), assessment_id, domain_key).await?;
    if saved.version != expected_version {
        return Err(ReplyError::Conflict(Box::new(saved)));
    }
    let version = expected_version + 1;
    sqlx::query(
        "INSERT INTO domain_replies (assessment_id, domain_key, response, comment, evidence, version, updated_at, updated_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (assessment_id, domain_key) DO UPDATE SET \
         response = excluded.response, comment = excluded.comment, evidence = excluded.evidence, \
         version = excluded.version, updated_at = excluded.updated_at, updated_by = excluded.updated_by",
    )
    .bind(assessment_id)
    .bind(domain_key)
    .bind(reply.response.key())
    .bind(&reply.comment)
    .bind(&reply.evidence)
    .bind(version)
    .bind(now_utc())
    .bind(actor)
    .execute(&mut *w)
    .await?;
    w.audit(
        Audit::new(
            "assessment",
            &format!("{assessment_id}/{domain_key}"),
            "save reply",
        )
        .before((expected_version > 0).then(|| format!("version {expected_version}")))
        .after(format!("version {version}: {}", reply.response.label())),
    )
    .await?;
    w.commit().await?;
    Ok(version)
}

/// Records how the reply ended, moving the assessment on as the lifecycle allowed: submitted by
/// `actor`, or no reply received (the service, when the deadline passed). `notices` are queued
/// in the same transaction.
pub async fn finish(
    db: &Db,
    actor: &str,
    assessment_id: &AssessmentId,
    allowed: Allowed,
    outcome: ReplyOutcome,
    notices: &[OutgoingMail],
) -> Result<(), ReplyError> {
    let mut w = db.write(actor).await?;
    change_status(
        w.tx(),
        StatusChange::new(assessment_id.as_str(), actor, allowed)
            .detail(outcome.label().to_lowercase()),
    )
    .await?;
    sqlx::query(
        "INSERT INTO replies (assessment_id, outcome, submitted_at, submitted_by) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (assessment_id) DO UPDATE SET outcome = excluded.outcome, \
         submitted_at = excluded.submitted_at, submitted_by = excluded.submitted_by",
    )
    .bind(assessment_id)
    .bind(outcome.key())
    .bind(now_utc())
    .bind((outcome == ReplyOutcome::Submitted).then_some(actor))
    .execute(&mut *w)
    .await?;
    w.enqueue(notices).await?;
    w.commit().await?;
    Ok(())
}

/// How the reply ended, when it has: the outcome, when, and who submitted it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FinishedReply {
    pub outcome: ReplyOutcome,
    pub at: String,
    pub by: Option<String>,
}

pub async fn finished(
    db: &Db,
    assessment_id: &AssessmentId,
) -> Result<Option<FinishedReply>, sqlx::Error> {
    let row: Option<(String, String, Option<String>)> = sqlx::query_as(
        "SELECT r.outcome, r.submitted_at, a.display_name FROM replies r \
         LEFT JOIN accounts a ON a.id = r.submitted_by WHERE r.assessment_id = $1",
    )
    .bind(assessment_id)
    .fetch_optional(&db.pool)
    .await?;
    row.map(|(outcome, at, by)| {
        let outcome = ReplyOutcome::from_key(&outcome).ok_or_else(|| {
            sqlx::Error::Decode(format!("unknown reply outcome {outcome}").into())
        })?;
        Ok(FinishedReply { outcome, at, by })
    })
    .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assignments::tests::submitted_cycle;
    use crate::test_support::test_databases;
    use crate::CycleId;
    use crate::{assessments, audit};
    use rules::fixtures::allowed;
    use rules::lifecycle::AssessmentStatus;
    use rules::lifecycle::Event;

    /// A submitted assessment taken on to "reviewed" as the lifecycle allows.
    async fn reviewed(db: &Db) -> String {
        let (cycle, _, _) = submitted_cycle(db).await;
        let assessment = assessments::for_cycle(db, &CycleId::from(&cycle))
            .await
            .unwrap()
            .remove(0)
            .id;
        let mut tx = db.begin_write().await.unwrap();
        for (event, from) in [
            (Event::ConfirmReviewers, AssessmentStatus::Submitted),
            (Event::LastReviewSubmitted, AssessmentStatus::InReview),
        ] {
            change_status(
                &mut tx,
                StatusChange::new(&assessment, "test", allowed(event, from)),
            )
            .await
            .unwrap();
        }
        tx.commit().await.unwrap();
        assessment
    }

    fn contest(comment: &str) -> DomainReply {
        DomainReply {
            response: Response::Contest,
            comment: comment.into(),
            evidence: "Board minutes".into(),
        }
    }

    #[tokio::test]
    async fn a_reply_is_saved_by_version_and_finishes_once() {
        for (db, _folder) in test_databases().await {
            let assessment = reviewed(&db).await;
            let reply = allowed(Event::ReplySubmitted, AssessmentStatus::Reviewed);
            let save = |version: i64, answer: DomainReply| {
                let (db, assessment) = (db.clone(), assessment.clone());
                async move {
                    save_domain_reply(
                        &db,
                        "lead",
                        &AssessmentId::from(&assessment),
                        reply,
                        "digital-strategy",
                        version,
                        &answer,
                    )
                    .await
                }
            };
            assert_eq!(save(0, contest("We disagree")).await.unwrap(), 1);
            let Err(ReplyError::Conflict(saved)) = save(0, contest("Other tab")).await else {
                panic!("a save from version 0 after version 1 is a conflict");
            };
            assert_eq!(saved.reply, Some(contest("We disagree")));
            assert_eq!(
                all_replies(&db, &AssessmentId::from(&assessment))
                    .await
                    .unwrap()["digital-strategy"],
                contest("We disagree")
            );

            finish(
                &db,
                "lead",
                &AssessmentId::from(&assessment),
                reply,
                ReplyOutcome::Submitted,
                &[],
            )
            .await
            .unwrap();
            let ended = finished(&db, &AssessmentId::from(&assessment))
                .await
                .unwrap()
                .unwrap();
            assert_eq!(ended.outcome, ReplyOutcome::Submitted);
            assert!(matches!(
                save(1, contest("Too late")).await,
                Err(ReplyError::StatusChange(StatusChangeError::MovedOn(
                    AssessmentStatus::Replied
                )))
            ));
            let no_reply = allowed(Event::ReplyDeadlinePassed, AssessmentStatus::Reviewed);
            assert!(matches!(
                finish(
                    &db,
                    "system",
                    &AssessmentId::from(&assessment),
                    no_reply,
                    ReplyOutcome::NoReply,
                    &[]
                )
                .await,
                Err(ReplyError::StatusChange(StatusChangeError::MovedOn(
                    AssessmentStatus::Replied
                )))
            ));
            assert_eq!(
                finished(&db, &AssessmentId::from(&assessment))
                    .await
                    .unwrap()
                    .unwrap()
                    .outcome,
                ReplyOutcome::Submitted,
                "the reply stands"
            );
            assert_eq!(audit::verify_chain(&db.pool).await.unwrap(), None);
        }
    }
}
