//! Moderation and sign-off: each domain's moderated level (refusing a save made from an older
//! version), submitting a moderation (remembering who moderated), and an approver's decisions,
//! each refused in the store too when the approver had a hand in the moderation: four eyes.
//! Status changes go through `lifecycle::change_status`.

use super::lifecycle::{change_status, status_of, StatusChange, StatusChangeError};
use super::{joined_list, new_id, now_utc, split_list, Db};
use crate::ids::AssessmentId;
use crate::write::Audit;
use rules::lifecycle::{Allowed, AssessmentStatus};
use rules::moderation::DomainModeration;
use rules::organisations::readable_name;
use sqlx::{Any, Transaction};
use std::collections::{BTreeMap, BTreeSet};

/// Why a moderation or sign-off change was not made. The API puts these into words.
#[derive(Debug, thiserror::Error)]
pub enum ModerationError {
    /// The assessment does not exist, or its status changed after the caller looked (the one
    /// "moved on" error every status change gives).
    #[error(transparent)]
    StatusChange(#[from] StatusChangeError),
    /// Someone saved the domain's moderation after the version the save started from.
    #[error("the domain's moderation was saved since that version")]
    Conflict(Box<SavedModeration>),
    /// The approver had a hand in this assessment's moderation: someone else must decide.
    #[error("the approver had a hand in the assessment's moderation")]
    SameModerator,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// A domain's moderation as stored, with who saved it last.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SavedModeration {
    pub moderation: Option<DomainModeration>,
    /// 0 when nothing has been saved yet.
    pub version: i64,
    pub updated_at: Option<String>,
    pub updated_by: Option<String>,
}

#[derive(sqlx::FromRow)]
struct ModerationRow {
    domain_key: String,
    score: i64,
    criteria: String,
    rationale: String,
    version: i64,
    updated_at: String,
    updated_by: Option<String>,
}

impl ModerationRow {
    fn moderation(&self) -> DomainModeration {
        DomainModeration {
            score: u8::try_from(self.score).unwrap_or_default(),
            criteria: split_list(&self.criteria).map(str::to_string).collect(),
            rationale: self.rationale.clone(),
        }
    }
}

const MODERATION_QUERY: &str = "SELECT d.domain_key, d.score, d.criteria, d.rationale, d.version, \
    d.updated_at, a.display_name AS updated_by FROM domain_moderations d \
    LEFT JOIN accounts a ON a.id = d.updated_by";

async fn load(
    connection: &mut sqlx::AnyConnection,
    assessment_id: &AssessmentId,
    domain_key: &str,
) -> Result<SavedModeration, sqlx::Error> {
    let row: Option<ModerationRow> = sqlx::query_as(&format!(
        "{MODERATION_QUERY} WHERE d.assessment_id = $1 AND d.domain_key = $2"
    ))
    .bind(assessment_id)
    .bind(domain_key)
    .fetch_optional(&mut *connection)
    .await?;
    Ok(
        row.map_or_else(SavedModeration::default, |row| SavedModeration {
            moderation: Some(row.moderation()),
            version: row.version,
            updated_at: Some(row.updated_at),
            updated_by: row.updated_by,
        }),
    )
}

pub async fn domain_moderation(
    db: &Db,
    assessment_id: &AssessmentId,
    domain_key: &str,
) -> Result<SavedModeration, sqlx::Error> {
    let mut connection = db.pool.acquire().await?;
    load(&mut connection, assessment_id, domain_key).await
}

/// Every domain's moderation of an assessment, by domain key.
pub async fn all_moderations(
    db: &Db,
    assessment_id: &AssessmentId,
) -> Result<BTreeMap<String, DomainModeration>, sqlx::Error> {
    let rows: Vec<ModerationRow> =
        sqlx::query_as(&format!("{MODERATION_QUERY} WHERE d.assessment_id = $1"))
            .bind(assessment_id)
            .fetch_all(&db.pool)
            .await?;
    Ok(rows
        .iter()
        .map(|row| (row.domain_key.clone(), row.moderation()))
        .collect())
}

/// Replaces a domain's moderation, if the assessment is still in a status the save was allowed
/// in and nobody has saved the domain since `expected_version`. Returns the new version.
#[allow(clippy::too_many_arguments)]
pub async fn save_domain_moderation(
    db: &Db,
    actor: &str,
    assessment_id: &AssessmentId,
    allowed: Allowed,
    domain_key: &str,
    expected_version: i64,
    moderation: &DomainModeration,
) -> Result<i64, ModerationError> {
    let mut w = db.write(actor).await?;
    let status = status_of(w.tx(), assessment_id)
        .await?
        .ok_or(StatusChangeError::NoSuchAssessment)?;
    if !allowed.holds_in(status) {
        return Err(StatusChangeError::MovedOn(status).into());
    }
    let saved = load(w.tx(), assessment_id, domain_key).await?;
    if saved.version != expected_version {
        return Err(ModerationError::Conflict(Box::new(saved)));
    }
    let version = expected_version + 1;
    sqlx::query(
        "INSERT INTO domain_moderations (assessment_id, domain_key, score, criteria, rationale, version, updated_at, updated_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (assessment_id, domain_key) DO UPDATE SET \
         score = excluded.score, criteria = excluded.criteria, rationale = excluded.rationale, \
         version = excluded.version, updated_at = excluded.updated_at, updated_by = excluded.updated_by",
    )
    .bind(assessment_id)
    .bind(domain_key)
    .bind(i64::from(moderation.score))
    .bind(joined_list(&moderation.criteria))
    .bind(&moderation.rationale)
    .bind(version)
    .bind(now_utc())
    .bind(actor)
    .execute(&mut *w)
    .await?;
    w.audit(
        Audit::new(
            "assessment",
            &format!("{assessment_id}/{domain_key}"),
            "save moderation",
        )
        .before(
            saved
                .moderation
                .map(|before| format!("level {}", before.score)),
        )
        .after(format!("version {version}: level {}", moderation.score))
        .reason((!moderation.rationale.is_empty()).then(|| moderation.rationale.clone())),
    )
    .await?;
    w.commit().await?;
    Ok(version)
}

/// Submits the moderation as the lifecycle allowed, remembering who moderated; `scores`
/// describes them for the audit trail.
pub async fn submit(
    db: &Db,
    actor: &str,
    assessment_id: &AssessmentId,
    allowed: Allowed,
    scores: String,
) -> Result<(), ModerationError> {
    let mut w = db.write(actor).await?;
    change_status(
        w.tx(),
        StatusChange::new(assessment_id.as_str(), actor, allowed).detail(scores),
    )
    .await?;
    sqlx::query(
        "INSERT INTO moderations (assessment_id, moderated_by, submitted_at) VALUES ($1, $2, $3) \
         ON CONFLICT (assessment_id) DO UPDATE SET moderated_by = excluded.moderated_by, \
         submitted_at = excluded.submitted_at",
    )
    .bind(assessment_id)
    .bind(actor)
    .bind(now_utc())
    .execute(&mut *w)
    .await?;
    w.commit().await?;
    Ok(())
}

/// Who submitted the assessment's moderation, if anyone has: `(account id, name)`.
pub async fn moderator_of(
    db: &Db,
    assessment_id: &AssessmentId,
) -> Result<Option<(String, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT m.moderated_by, a.display_name FROM moderations m \
         JOIN accounts a ON a.id = m.moderated_by WHERE m.assessment_id = $1",
    )
    .bind(assessment_id)
    .fetch_optional(&db.pool)
    .await
}

/// Who had a hand in the assessment's moderation, so is not a second pair of eyes on it: whoever
/// saved a domain of it, submitted it or answered a query on its scores (not only whoever
/// submitted last). Account ids.
pub async fn moderators_of(
    db: &Db,
    assessment_id: &AssessmentId,
) -> Result<BTreeSet<String>, sqlx::Error> {
    let mut connection = db.pool.acquire().await?;
    moderators_in(&mut connection, assessment_id).await
}

async fn moderators_in(
    connection: &mut sqlx::AnyConnection,
    assessment_id: &AssessmentId,
) -> Result<BTreeSet<String>, sqlx::Error> {
    let moderators: Vec<String> = sqlx::query_scalar(
        "SELECT updated_by FROM domain_moderations WHERE assessment_id = $1 \
         UNION SELECT moderated_by FROM moderations WHERE assessment_id = $1 \
         UNION SELECT answered_by FROM result_queries \
         WHERE assessment_id = $1 AND answered_by IS NOT NULL",
    )
    .bind(assessment_id)
    .fetch_all(&mut *connection)
    .await?;
    Ok(moderators.into_iter().collect())
}

/// An approver's decision on one moderated assessment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision<'a> {
    SignOff,
    ReturnToModerator { reason: &'a str },
}

/// Records an approver's decision as the lifecycle allowed, refusing it if the approver had a
/// hand in the moderation (checked here too, in the transaction, whatever the caller judged).
async fn decide_in(
    tx: &mut Transaction<'static, Any>,
    actor: &str,
    assessment_id: &AssessmentId,
    allowed: Allowed,
    decision: Decision<'_>,
) -> Result<(), ModerationError> {
    if moderators_in(tx, assessment_id).await?.contains(actor) {
        return Err(ModerationError::SameModerator);
    }
    let (key, reason) = match decision {
        Decision::SignOff => ("signed_off", ""),
        Decision::ReturnToModerator { reason } => ("returned", reason),
    };
    let change = StatusChange::new(assessment_id.as_str(), actor, allowed);
    let change = if reason.is_empty() {
        change
    } else {
        change.reason(reason)
    };
    change_status(tx, change).await?;
    sqlx::query(
        "INSERT INTO sign_offs (id, assessment_id, decision, reason, decided_by, decided_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(new_id())
    .bind(assessment_id)
    .bind(key)
    .bind(reason)
    .bind(actor)
    .bind(now_utc())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Signs off or returns each of `decisions` in one transaction: all or none. Each is recorded
/// and audited on its own.
pub async fn decide(
    db: &Db,
    actor: &str,
    decisions: &[(String, Allowed)],
    decision: Decision<'_>,
) -> Result<(), (String, ModerationError)> {
    let mut w = db
        .write(actor)
        .await
        .map_err(|error| (String::new(), error.into()))?;
    for (assessment_id, allowed) in decisions {
        decide_in(
            w.tx(),
            actor,
            &AssessmentId::from(assessment_id),
            *allowed,
            decision,
        )
        .await
        .map_err(|error| (assessment_id.clone(), error))?;
    }
    w.commit()
        .await
        .map_err(|error| (String::new(), error.into()))?;
    Ok(())
}

/// Reopens signed-off scores for moderation as the lifecycle allowed, with the reason, audited.
pub async fn reopen_signed_off(
    db: &Db,
    actor: &str,
    assessment_id: &AssessmentId,
    allowed: Allowed,
    reason: &str,
) -> Result<(), ModerationError> {
    let mut w = db.write(actor).await?;
    change_status(
        w.tx(),
        StatusChange::new(assessment_id.as_str(), actor, allowed).reason(reason),
    )
    .await?;
    w.commit().await?;
    Ok(())
}

/// One line of a moderation or sign-off queue.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct QueuedAssessment {
    pub id: String,
    pub cycle_id: String,
    pub moderation_deadline: String,
    pub trust_ods_code: String,
    pub trust_name: String,
    pub region_name: String,
    pub care_setting: String,
    pub status: String,
}

/// The assessments in any of `statuses` in cycles in moderation or sign-off, by region and
/// trust, with the trust's region in the cycle's frozen hierarchy.
pub async fn queue(
    db: &Db,
    statuses: &[AssessmentStatus],
) -> Result<Vec<QueuedAssessment>, sqlx::Error> {
    let keys: Vec<String> = statuses.iter().map(|s| format!("'{}'", s.key())).collect();
    let rows: Vec<QueuedAssessment> = sqlx::query_as(&format!(
        "SELECT a.id, a.cycle_id, c.moderation_deadline, a.trust_ods_code, \
         COALESCE(t.name, a.trust_ods_code) AS trust_name, COALESCE(r.name, '') AS region_name, \
         a.care_setting, a.status \
         FROM assessments a JOIN cycles c ON c.id = a.cycle_id \
         LEFT JOIN assessed_organisations t \
           ON t.snapshot_id = c.snapshot_id AND t.ods_code = a.trust_ods_code \
         LEFT JOIN regions r ON r.snapshot_id = c.snapshot_id AND r.ods_code = t.region_ods_code \
         WHERE a.status IN ({}) AND c.phase IN ('moderation', 'sign_off') \
         ORDER BY region_name, trust_name, a.care_setting",
        keys.join(", ")
    ))
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| QueuedAssessment {
            trust_name: readable_name(&row.trust_name),
            region_name: readable_name(&row.region_name),
            ..row
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assignments::tests::submitted_cycle;
    use crate::test_support::test_databases;
    use crate::CycleId;
    use crate::{assessments, lifecycle::status_of};
    use rules::fixtures::allowed;
    use rules::lifecycle::Event;

    /// The cycle's submitted assessments taken on to "replied" as the lifecycle allows, and two
    /// accounts to act as moderator and approver.
    async fn replied(db: &Db) -> (Vec<String>, String, String) {
        let (cycle, first, second) = submitted_cycle(db).await;
        let ids: Vec<String> = assessments::for_cycle(db, &CycleId::from(&cycle))
            .await
            .unwrap()
            .into_iter()
            .map(|a| a.id)
            .collect();
        let mut tx = db.begin_write().await.unwrap();
        for id in &ids {
            for (event, from) in [
                (Event::ConfirmReviewers, AssessmentStatus::Submitted),
                (Event::LastReviewSubmitted, AssessmentStatus::InReview),
                (Event::ReplySubmitted, AssessmentStatus::Reviewed),
            ] {
                change_status(&mut tx, StatusChange::new(id, "test", allowed(event, from)))
                    .await
                    .unwrap();
            }
        }
        tx.commit().await.unwrap();
        (ids, first, second)
    }

    async fn status(db: &Db, id: &str) -> AssessmentStatus {
        let mut tx = db.begin_write().await.unwrap();
        status_of(&mut tx, &AssessmentId::from(id))
            .await
            .unwrap()
            .unwrap()
    }

    #[tokio::test]
    async fn the_store_refuses_a_sign_off_by_the_moderator_and_signs_off_all_or_none() {
        for (db, _folder) in test_databases().await {
            let (ids, moderator, approver) = replied(&db).await;
            let (m1, p1) = (moderator.as_str(), approver.as_str());
            let moderate = allowed(Event::ModerationSubmitted, AssessmentStatus::Replied);
            submit(
                &db,
                m1,
                &AssessmentId::from(&ids[0]),
                moderate,
                "test".into(),
            )
            .await
            .unwrap();
            assert_eq!(
                moderator_of(&db, &AssessmentId::from(&ids[0]))
                    .await
                    .unwrap()
                    .map(|(id, _)| id),
                Some(moderator.clone())
            );
            let sign = allowed(Event::SignOff, AssessmentStatus::Moderated);

            // Whatever the caller judged, the moderator is refused in the transaction.
            let refused = decide(&db, m1, &[(ids[0].clone(), sign)], Decision::SignOff).await;
            assert!(matches!(refused, Err((id, ModerationError::SameModerator)) if id == ids[0]));
            // One of two not moderated yet: neither is signed off.
            let both = [(ids[0].clone(), sign), (ids[1].clone(), sign)];
            assert!(matches!(
                decide(&db, p1, &both, Decision::SignOff).await,
                Err((
                    _,
                    ModerationError::StatusChange(StatusChangeError::MovedOn(
                        AssessmentStatus::Replied
                    ))
                ))
            ));
            assert_eq!(
                status(&db, &ids[0]).await,
                AssessmentStatus::Moderated,
                "all or none"
            );

            decide(&db, p1, &both[..1], Decision::SignOff)
                .await
                .unwrap();
            assert_eq!(status(&db, &ids[0]).await, AssessmentStatus::SignedOff);
            assert_eq!(crate::audit::verify_chain(&db.pool).await.unwrap(), None);
        }
    }

    /// Four eyes by authorship: whoever saved a domain of the moderation, submitted it or
    /// answered a query on it may neither sign it off nor return it, whoever submitted last.
    #[tokio::test]
    async fn nobody_with_a_hand_in_the_moderation_signs_it_off_or_returns_it() {
        use crate::{assignments::tests::reviewer_at, results};
        for (db, _folder) in test_databases().await {
            let (ids, moderator, approver) = replied(&db).await;
            let id = &ids[0];
            // Two more accounts: the store judges by who acted, not by role.
            let saver = reviewer_at(&db, "saver@england.nhs.uk", "X26").await;
            let answerer = reviewer_at(&db, "answerer@england.nhs.uk", "X26").await;
            let saved = allowed(Event::ModerationSubmitted, AssessmentStatus::Replied);
            let level = DomainModeration {
                score: 1,
                criteria: Vec::new(),
                rationale: "As the reviewers found".into(),
            };
            save_domain_moderation(
                &db,
                &saver,
                &AssessmentId::from(id),
                saved,
                "digital-strategy",
                0,
                &level,
            )
            .await
            .unwrap();
            submit(
                &db,
                &moderator,
                &AssessmentId::from(id),
                saved,
                "test".into(),
            )
            .await
            .unwrap();
            let query = results::raise_query(
                &db,
                "lead",
                &AssessmentId::from(id),
                "digital-strategy",
                "Why?",
            )
            .await
            .unwrap();
            let query = results::query(&db, &query).await.unwrap().unwrap();
            results::answer_query(&db, &answerer, &query, "Because", None)
                .await
                .unwrap();

            let sign = allowed(Event::SignOff, AssessmentStatus::Moderated);
            let give_back = allowed(Event::ReturnToModerator, AssessmentStatus::Moderated);
            for hand in [&saver, &moderator, &answerer] {
                let signed = decide(&db, hand, &[(id.clone(), sign)], Decision::SignOff).await;
                assert!(
                    matches!(signed, Err(ref refused) if matches!(refused.1, ModerationError::SameModerator)),
                    "{hand} may not sign it off: {signed:?}"
                );
                let reason = Decision::ReturnToModerator {
                    reason: "Look again",
                };
                let returned = decide(&db, hand, &[(id.clone(), give_back)], reason).await;
                assert!(
                    matches!(returned, Err(ref refused) if matches!(refused.1, ModerationError::SameModerator)),
                    "{hand} may not return it: {returned:?}"
                );
            }
            assert_eq!(status(&db, id).await, AssessmentStatus::Moderated);
            decide(&db, &approver, &[(id.clone(), sign)], Decision::SignOff)
                .await
                .unwrap();
            assert_eq!(status(&db, id).await, AssessmentStatus::SignedOff);
        }
    }
}
