//! A server function's request context: the signed-in person, once authenticated and allowed,
//! and the database; with loaders for the records journeys open, each checking the person's
//! access to that record once.

use super::reviews::ReadableReview;
use super::{db, guard};
use crate::error::AppError;
use crate::rules::access::{self, Actor, Refusal};
use crate::rules::assessments::{AssessmentHeader, DomainAnswers};
use crate::rules::cycles::Cycle;
use crate::rules::framework::{Domain, Framework};
use crate::rules::review::DomainJudgements;
use crate::store::{self, reviews::SubmittedReview, Db};
use crate::store::{AssessmentId, CycleId, ReviewSlotId};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Who is asking and the database to answer from.
pub struct Cx {
    pub db: Db,
    pub actor: Actor,
}

impl Cx {
    /// The signed-in person, or "sign in": for functions whose authorisation depends on the
    /// record they open.
    pub async fn signed_in() -> Result<Cx, AppError> {
        let actor = guard::current_actor()
            .await?
            .ok_or(AppError::SignInRequired)?;
        Ok(Cx { db: db()?, actor })
    }

    /// The signed-in person, allowed by `rule`; a refusal is recorded in the audit trail.
    pub async fn require(rule: impl FnOnce(&Actor) -> Result<(), Refusal>) -> Result<Cx, AppError> {
        let cx = Cx::signed_in().await?;
        cx.allowed(rule(&cx.actor))?;
        Ok(cx)
    }

    /// An access rule's decision about this person: a refusal becomes "you do not have access"
    /// and is recorded in the audit trail.
    pub fn allowed(&self, decision: Result<(), Refusal>) -> Result<(), AppError> {
        guard::allowed(&self.actor, decision)
    }

    /// The assessment with this id and its framework, once this person may see it.
    pub async fn assessment(self, id: &str) -> Result<ReadableAssessment, AppError> {
        let header = super::assessments::existing_assessment(&self.db, id).await?;
        self.allowed(access::may_view_assessment(
            &self.actor,
            &header.trust_ods_code,
        ))?;
        let framework = store::frameworks::cached(&self.db, &header.framework_version)
            .await?
            .ok_or(AppError::Internal)?;
        Ok(ReadableAssessment {
            cx: self,
            header,
            framework,
        })
    }

    /// The review in this slot, its assessment and framework, once this person may read it.
    pub async fn review(self, slot_id: &str) -> Result<ReadableReview, AppError> {
        let slot = store::reviews::slot(&self.db, &ReviewSlotId::from(slot_id))
            .await?
            .ok_or_else(|| AppError::NotFound("There is no such review.".into()))?;
        let header = store::assessments::header(&self.db, &AssessmentId::from(&slot.assessment_id))
            .await?
            .ok_or(AppError::Internal)?;
        self.allowed(access::may_read_review(
            &self.actor,
            &slot.reviewer_id,
            slot.is_assigned(),
            &header.trust_ods_code,
        ))?;
        let framework = store::frameworks::cached(&self.db, &header.framework_version)
            .await?
            .ok_or(AppError::Internal)?;
        Ok(ReadableReview {
            cx: self,
            slot,
            header,
            framework,
        })
    }

    /// The assessment with its answers and submitted reviews, once this person may see its
    /// moderation.
    pub async fn moderation(self, id: &str) -> Result<ReviewedAssessment, AppError> {
        let assessment = self.assessment(id).await?;
        assessment.cx.allowed(access::may_view_moderation(
            &assessment.cx.actor,
            &assessment.header.trust_ods_code,
        ))?;
        assessment.with_reviews().await
    }

    /// The cycle with this id, or "not found".
    pub async fn cycle(&self, id: &str) -> Result<Cycle, AppError> {
        store::cycles::get(&self.db, &CycleId::from(id))
            .await?
            .ok_or_else(|| AppError::NotFound("There is no such cycle.".into()))
    }
}

/// An assessment, its framework, and the person reading it, once they may see it.
pub struct ReadableAssessment {
    pub cx: Cx,
    pub header: AssessmentHeader,
    pub framework: Arc<Framework>,
}

impl ReadableAssessment {
    /// The same assessment with the trust's answers and its submitted reviews.
    pub async fn with_reviews(self) -> Result<ReviewedAssessment, AppError> {
        let answers =
            store::assessments::all_answers(&self.cx.db, &AssessmentId::from(&self.header.id))
                .await?;
        let reviews =
            store::reviews::submitted_reviews(&self.cx.db, &AssessmentId::from(&self.header.id))
                .await?;
        Ok(ReviewedAssessment {
            cx: self.cx,
            header: self.header,
            framework: self.framework,
            answers,
            reviews,
        })
    }
}

/// An assessment with the trust's answers and its submitted reviews: what the trust's reply and
/// moderation weigh.
pub struct ReviewedAssessment {
    pub cx: Cx,
    pub header: AssessmentHeader,
    pub framework: Arc<Framework>,
    pub answers: BTreeMap<String, DomainAnswers>,
    pub reviews: Vec<SubmittedReview>,
}

impl ReviewedAssessment {
    pub fn trust_answers(&self, domain: &Domain) -> DomainAnswers {
        self.answers.get(&domain.key).cloned().unwrap_or_default()
    }

    /// Each reviewer's judgements of the domain, in reviewer order.
    pub fn judgements<'a>(
        &'a self,
        domain: &'a Domain,
    ) -> impl Iterator<Item = DomainJudgements> + 'a {
        self.reviews.iter().map(|review| {
            review
                .domains
                .get(&domain.key)
                .map(|domain_review| domain_review.judgements.clone())
                .unwrap_or_default()
        })
    }
}
