//! The one place that writes an assessment's status: creating an assessment in its first status,
//! and changing it. A change happens only if the status is
//! still the one the caller saw (compare-and-set) and always with its audit record, in the
//! caller's transaction. Whether the change is allowed at all is `rules::lifecycle::decide`'s
//! answer, which the caller passes in as `to`.

use super::audit::{self, AuditEntry};
use super::{new_id, now_utc};
use crate::ids::{AssessmentId, CycleId, OdsCode};
use rules::lifecycle::{Allowed, AssessmentStatus};
use rules::organisations::CareSetting;
use sqlx::{Any, Transaction};

/// A status change the lifecycle allowed.
#[derive(Clone, Debug)]
pub struct StatusChange<'a> {
    pub assessment_id: &'a str,
    /// Who causes it: an account id, or "system" for the service.
    pub actor: &'a str,
    /// The lifecycle's judgement: the event, the statuses it holds in, the status that follows.
    pub allowed: Allowed,
    /// Said in the audit record after the new status: the scores submitted, say.
    pub detail: Option<String>,
    pub reason: Option<String>,
}

impl<'a> StatusChange<'a> {
    pub fn new(assessment_id: &'a str, actor: &'a str, allowed: Allowed) -> Self {
        StatusChange {
            assessment_id,
            actor,
            allowed,
            detail: None,
            reason: None,
        }
    }

    pub fn detail(self, detail: String) -> Self {
        StatusChange {
            detail: Some(detail),
            ..self
        }
    }

    pub fn reason(self, reason: &str) -> Self {
        StatusChange {
            reason: Some(reason.to_string()),
            ..self
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StatusChangeError {
    #[error("no such assessment")]
    NoSuchAssessment,
    /// Someone changed it first; it is now in this status, and nothing was changed.
    #[error("the assessment is now {0:?}")]
    MovedOn(AssessmentStatus),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// Moves one assessment to the status the lifecycle allowed and audits it, if it is still in a
/// status the judgement holds for; otherwise changes nothing and says where it is now. An event
/// that keeps the status (saving an assessment in progress) writes nothing here. Call it in a
/// `Db::begin_write` transaction, so no other writer moves the status between read and write.
pub async fn change_status(
    tx: &mut Transaction<'static, Any>,
    change: StatusChange<'_>,
) -> Result<(), StatusChangeError> {
    let now = status_of(tx, &AssessmentId::from(change.assessment_id))
        .await?
        .ok_or(StatusChangeError::NoSuchAssessment)?;
    if !change.allowed.holds_in(now) {
        return Err(StatusChangeError::MovedOn(now));
    }
    let to = change.allowed.to();
    if now == to {
        return Ok(());
    }
    let changed = sqlx::query(
        "UPDATE assessments SET status = $1, updated_at = $2 WHERE id = $3 AND status = $4",
    )
    .bind(to.key())
    .bind(now_utc())
    .bind(change.assessment_id)
    .bind(now.key())
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if changed == 0 {
        let moved = status_of(tx, &AssessmentId::from(change.assessment_id)).await?;
        return Err(moved.map_or(
            StatusChangeError::NoSuchAssessment,
            StatusChangeError::MovedOn,
        ));
    }
    let after = match change.detail {
        Some(detail) => format!("{}: {detail}", to.label()),
        None => to.label().to_string(),
    };
    audit::record(
        tx,
        AuditEntry {
            actor: change.actor,
            action: change.allowed.event().audit_action(),
            entity_type: "assessment",
            entity_id: change.assessment_id,
            before: Some(now.label().to_string()),
            after: Some(after),
            reason: change.reason,
        },
    )
    .await?;
    Ok(())
}

/// Creates an assessment in the status it starts in: "not started" when a cycle opens, or
/// "published" for an earlier cycle's imported results. Returns its id.
pub async fn create_assessment(
    tx: &mut Transaction<'static, Any>,
    cycle_id: &CycleId,
    trust_ods_code: &OdsCode,
    care_setting: CareSetting,
    status: AssessmentStatus,
) -> Result<String, sqlx::Error> {
    let id = new_id();
    sqlx::query(
        "INSERT INTO assessments (id, cycle_id, trust_ods_code, care_setting, status, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&id)
    .bind(cycle_id)
    .bind(trust_ods_code)
    .bind(care_setting.label())
    .bind(status.key())
    .bind(now_utc())
    .execute(&mut **tx)
    .await?;
    Ok(id)
}

/// An assessment's status as it stands in this transaction.
pub async fn status_of(
    tx: &mut Transaction<'static, Any>,
    assessment_id: &AssessmentId,
) -> Result<Option<AssessmentStatus>, sqlx::Error> {
    let key: Option<String> = sqlx::query_scalar("SELECT status FROM assessments WHERE id = $1")
        .bind(assessment_id)
        .fetch_optional(&mut **tx)
        .await?;
    key.map(|key| {
        AssessmentStatus::from_key(&key)
            .ok_or_else(|| sqlx::Error::Decode(format!("unknown status {key}").into()))
    })
    .transpose()
}
