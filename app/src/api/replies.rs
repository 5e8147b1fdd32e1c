//! The trust's reply to its peer reviews: the reviews as the trust sees them ("Reviewer 1",
//! "Reviewer 2": their levels, the criteria they judged differently and why, their flags), an
//! answer for each adjusted domain, check your reply and submit with a declaration. After the
//! reply deadline the service records "no reply received". NHS England reads the same pages.

use super::form::Checkbox;
use crate::error::AppError;
use crate::rules::assessments::AssessmentHeader;
use crate::rules::reply::{DomainReply, ReplyOutcome, Response};
use crate::rules::review::{Confidence, Flag, Verdict};
#[cfg(feature = "ssr")]
use crate::store::{AssessmentId, OdsCode};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use super::context::{Cx, ReviewedAssessment};
#[cfg(feature = "ssr")]
use {
    super::assessments::{find_domain, judge},
    super::{mail_text, public_url},
    crate::rules::{
        assessments::is_met_in,
        cycles::readable_moment,
        framework::Domain,
        lifecycle::{decide, Allowed, AssessmentStatus, Event, Participant},
        reply::{check_domain_reply, is_adjusted, reviewer_label, unanswered},
        review::{adjustments, flags, reviewer_domain_score, DomainJudgements},
        scoring::domain_score,
    },
    crate::store::{
        self, assessments as assessment_store,
        replies::{self as reply_store, ReplyError},
    },
};

/// A reviewer's verdict as the trust sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewerVerdict {
    /// "Reviewer 1", …
    pub label: String,
    pub verdict: Verdict,
    pub summary: String,
}

/// A domain's line in the reply: the trust's level, each reviewer's, and the answer so far.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplyDomainTask {
    pub key: String,
    pub name: String,
    pub self_score: u8,
    /// In reviewer order.
    pub reviewer_scores: Vec<u8>,
    /// A reviewer judged a criterion differently: the trust must accept or contest.
    pub adjusted: bool,
    pub response: Option<Response>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplyPillar {
    pub name: String,
    pub domains: Vec<ReplyDomainTask>,
}

/// How the reply ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplyEnded {
    pub outcome: ReplyOutcome,
    pub at: String,
    pub by: Option<String>,
}

/// The reply's overview and check-your-answers pages.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplyOverview {
    pub header: AssessmentHeader,
    /// Why the reply cannot be changed now, when it cannot.
    pub locked_reason: Option<String>,
    pub reviewers: Vec<ReviewerVerdict>,
    pub pillars: Vec<ReplyPillar>,
    /// Names of the adjusted domains not answered yet.
    pub unanswered: Vec<String>,
    pub ended: Option<ReplyEnded>,
}

impl ReplyOverview {
    pub fn domains(&self) -> impl Iterator<Item = &ReplyDomainTask> {
        self.pillars.iter().flat_map(|pillar| &pillar.domains)
    }
}

/// One reviewer's review of one domain, as the trust sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnonymousDomainReview {
    pub label: String,
    pub level: u8,
    pub flags: Vec<Flag>,
    /// Each criterion judged differently, with the reason.
    pub adjustments: Vec<String>,
    pub confidence: Option<Confidence>,
    pub comment: String,
}

/// One domain of the reply.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplyDomainView {
    pub header: AssessmentHeader,
    pub locked_reason: Option<String>,
    pub pillar_name: String,
    pub domain_key: String,
    pub domain_name: String,
    pub self_score: u8,
    pub reviews: Vec<AnonymousDomainReview>,
    pub adjusted: bool,
    pub reply: Option<DomainReply>,
    pub version: i64,
    pub last_saved: Option<String>,
}

/// The assessment and its reviews, for reading, once its peer review is complete.
#[cfg(feature = "ssr")]
async fn reviewed_assessment(id: &str) -> Result<ReviewedAssessment, AppError> {
    let assessment = Cx::signed_in().await?.assessment(id).await?;
    if matches!(
        assessment.header.status,
        AssessmentStatus::NotStarted
            | AssessmentStatus::InProgress
            | AssessmentStatus::Submitted
            | AssessmentStatus::InReview
    ) {
        return Err(AppError::Invalid(
            "The peer review of this assessment is not complete yet. The reviews appear here when it is, and the trust's leads are emailed.".into(),
        ));
    }
    assessment.with_reviews().await
}

/// The assessment and its reviews, for replying (`event` is saving or submitting the reply): only
/// the trust's own leads, while the reply is open, as the lifecycle judges it.
#[cfg(feature = "ssr")]
async fn replying_to(id: &str, event: Event) -> Result<(ReviewedAssessment, Allowed), AppError> {
    let assessment = Cx::signed_in().await?.assessment(id).await?;
    let allowed = judge(&assessment.cx.actor, &assessment.header, event)?;
    Ok((assessment.with_reviews().await?, allowed))
}

/// What the reply weighs of the reviewed assessment.
#[cfg(feature = "ssr")]
impl ReviewedAssessment {
    fn reply_locked_reason(&self) -> Option<String> {
        judge(&self.cx.actor, &self.header, Event::SaveReplyDraft)
            .err()
            .map(|refusal| refusal.message().to_string())
    }

    fn is_adjusted(&self, domain: &Domain) -> bool {
        let judgements: Vec<DomainJudgements> = self.judgements(domain).collect();
        is_adjusted(&self.trust_answers(domain), &judgements)
    }

    fn adjusted_domains(&self) -> Vec<&Domain> {
        self.framework
            .domains_for(self.header.care_setting)
            .map(|(_, domain)| domain)
            .filter(|domain| self.is_adjusted(domain))
            .collect()
    }
}

/// The reply's overview: the reviewers' verdicts, and every domain with the trust's level, each
/// reviewer's and the trust's answer.
#[server]
pub async fn get_reply(assessment_id: String) -> Result<ReplyOverview, AppError> {
    let reviewed = reviewed_assessment(&assessment_id).await?;
    let replies =
        reply_store::all_replies(&reviewed.cx.db, &AssessmentId::from(&assessment_id)).await?;
    let pillars: Vec<ReplyPillar> = reviewed
        .framework
        .pillars
        .iter()
        .filter_map(|pillar| {
            let domains: Vec<ReplyDomainTask> = pillar
                .domains
                .iter()
                .filter(|domain| domain.applies_to(reviewed.header.care_setting))
                .map(|domain| {
                    let trust = reviewed.trust_answers(domain);
                    ReplyDomainTask {
                        key: domain.key.clone(),
                        name: domain.name.clone(),
                        self_score: domain_score(is_met_in(&trust), domain),
                        reviewer_scores: reviewed
                            .judgements(domain)
                            .map(|judgements| reviewer_domain_score(domain, &trust, &judgements))
                            .collect(),
                        adjusted: reviewed.is_adjusted(domain),
                        response: replies.get(&domain.key).map(|reply| reply.response),
                    }
                })
                .collect();
            (!domains.is_empty()).then(|| ReplyPillar {
                name: pillar.name.clone(),
                domains,
            })
        })
        .collect();
    // Each domain's task already says whether it was adjusted and answered.
    let unanswered_names = pillars
        .iter()
        .flat_map(|pillar| &pillar.domains)
        .filter(|domain| domain.adjusted && domain.response.is_none())
        .map(|domain| domain.name.clone())
        .collect();
    let ended = reply_store::finished(&reviewed.cx.db, &AssessmentId::from(&assessment_id))
        .await?
        .map(|finished| ReplyEnded {
            outcome: finished.outcome,
            at: finished.at,
            by: finished.by,
        });
    Ok(ReplyOverview {
        locked_reason: reviewed.reply_locked_reason(),
        reviewers: reviewed
            .reviews
            .iter()
            .enumerate()
            .filter_map(|(index, review)| {
                let (verdict, summary) = review.slot.verdict()?;
                Some(ReviewerVerdict {
                    label: reviewer_label(index),
                    verdict,
                    summary,
                })
            })
            .collect(),
        unanswered: unanswered_names,
        pillars,
        ended,
        header: reviewed.header,
    })
}

/// One domain of the reply: each reviewer's level, adjustments and comment, and the trust's
/// answer so far.
#[server]
pub async fn get_domain_reply(
    assessment_id: String,
    domain_key: String,
) -> Result<ReplyDomainView, AppError> {
    let reviewed = reviewed_assessment(&assessment_id).await?;
    let (pillar_name, domain) = find_domain(&reviewed.framework, &reviewed.header, &domain_key)?;
    let trust = reviewed.trust_answers(domain);
    let self_score = domain_score(is_met_in(&trust), domain);
    let reviews = reviewed
        .reviews
        .iter()
        .enumerate()
        .map(|(index, review)| {
            let saved = review.domains.get(&domain.key).cloned().unwrap_or_default();
            let level = reviewer_domain_score(domain, &trust, &saved.judgements);
            AnonymousDomainReview {
                label: reviewer_label(index),
                level,
                flags: flags(self_score, level, saved.insufficient_evidence),
                adjustments: adjustments(domain, &trust, &saved.judgements),
                confidence: saved.confidence,
                comment: saved.comment,
            }
        })
        .collect();
    let saved = reply_store::domain_reply(
        &reviewed.cx.db,
        &AssessmentId::from(&assessment_id),
        &domain_key,
    )
    .await?;
    Ok(ReplyDomainView {
        locked_reason: reviewed.reply_locked_reason(),
        pillar_name: pillar_name.to_string(),
        domain_key: domain.key.clone(),
        domain_name: domain.name.clone(),
        self_score,
        reviews,
        adjusted: reviewed.is_adjusted(domain),
        reply: saved.reply,
        version: saved.version,
        last_saved: match (&saved.updated_by, &saved.updated_at) {
            (Some(by), Some(at)) => Some(format!("Last saved by {by} on {}", readable_moment(at))),
            _ => None,
        },
        header: reviewed.header,
    })
}

/// Saves the trust's answer to one adjusted domain, from the version the page showed, and goes
/// back to the reply's overview.
#[server]
pub async fn save_domain_reply(
    assessment_id: String,
    domain_key: String,
    version: i64,
    response: Option<String>,
    #[server(default)] comment: String,
    #[server(default)] evidence: String,
) -> Result<(), AppError> {
    let (reviewed, allowed) = replying_to(&assessment_id, Event::SaveReplyDraft).await?;
    let (_, domain) = find_domain(&reviewed.framework, &reviewed.header, &domain_key)?;
    if !reviewed.is_adjusted(domain) {
        return Err(AppError::Invalid(
            "No reviewer adjusted this section, so there is nothing to reply to.".into(),
        ));
    }
    let keep = [
        ("response", response.as_deref().unwrap_or_default()),
        ("comment", comment.as_str()),
        ("evidence", evidence.as_str()),
    ];
    let reply = check_domain_reply(response.as_deref(), &comment, &evidence)
        .map_err(|(field, message)| AppError::field(&field, message).keeping(&keep))?;
    reply_store::save_domain_reply(
        &reviewed.cx.db,
        &reviewed.cx.actor.account_id,
        &AssessmentId::from(&assessment_id),
        allowed,
        &domain_key,
        version,
        &reply,
    )
    .await
    .map_err(|error| match error {
        ReplyError::Conflict(saved) => AppError::field(
            "response",
            format!(
                "{} saved a reply to this section on {}, after you opened it. Nothing you entered has been saved: read their reply below, then save yours again.",
                saved.updated_by.as_deref().unwrap_or("Someone"),
                saved.updated_at.as_deref().map(readable_moment).unwrap_or_default()
            ),
        )
        .keeping(&keep),
        other => other.into(),
    })?;
    leptos_axum::redirect(&crate::routes::Route::Reply { id: &assessment_id }.with(
        crate::flash::Flash::Saved {
            domain: domain_key.clone(),
        },
    ));
    Ok(())
}

/// Submits the reply with the lead's declaration, once every adjusted domain is answered; the
/// assessment moves on to moderation and every lead of the trust gets a receipt.
#[server]
pub async fn submit_reply(
    assessment_id: String,
    #[server(default)] declaration: Checkbox,
) -> Result<(), AppError> {
    let (reviewed, allowed) = replying_to(&assessment_id, Event::ReplySubmitted).await?;
    let replies =
        reply_store::all_replies(&reviewed.cx.db, &AssessmentId::from(&assessment_id)).await?;
    let adjusted = reviewed.adjusted_domains();
    let keys: Vec<&str> = adjusted.iter().map(|domain| domain.key.as_str()).collect();
    let missing = unanswered(&keys, &replies);
    if !missing.is_empty() {
        let names: Vec<&str> = adjusted
            .iter()
            .filter(|domain| missing.contains(&domain.key.as_str()))
            .map(|domain| domain.name.as_str())
            .collect();
        return Err(AppError::Invalid(format!(
            "Accept or contest every adjusted section before you submit. Not yet answered: {}.",
            names.join(", ")
        )));
    }
    if !declaration.ticked() {
        return Err(AppError::field(
            "declaration",
            "Confirm that the reply is accurate and can be shown to NHS England's moderators",
        ));
    }
    let contested = replies
        .values()
        .filter(|reply| reply.response == Response::Contest)
        .count();
    let link = format!("{}/assessments/{assessment_id}/reply", public_url()?);
    let receipts: Vec<_> = assessment_store::trust_leads(
        &reviewed.cx.db,
        &OdsCode::from(&reviewed.header.trust_ods_code),
    )
    .await?
    .iter()
    .map(|(email, name)| {
        mail_text::ReplyReceipt {
            to: email,
            name,
            title: &reviewed.header.title(),
            submitted_by: &reviewed.cx.actor.display_name,
            accepted: replies.len() - contested,
            contested,
            link: &link,
        }
        .mail()
    })
    .collect();
    reply_store::finish(
        &reviewed.cx.db,
        &reviewed.cx.actor.account_id,
        &AssessmentId::from(&assessment_id),
        allowed,
        ReplyOutcome::Submitted,
        &receipts,
    )
    .await?;
    leptos_axum::redirect(&crate::routes::Route::ReplySubmitted { id: &assessment_id }.href());
    Ok(())
}

/// Records "no reply received" for every reviewed assessment whose reply deadline passed before
/// `today`, as the lifecycle allows the service to; returns how many. Run on a schedule.
#[cfg(feature = "ssr")]
pub async fn record_missing_replies(db: &store::Db, today: &str) -> Result<usize, AppError> {
    let mut recorded = 0;
    for header in assessment_store::with_status(db, AssessmentStatus::Reviewed).await? {
        let Ok(allowed) = decide(
            Event::ReplyDeadlinePassed,
            header.status,
            &Participant::Service,
            &header.moment(today),
        ) else {
            continue;
        };
        match reply_store::finish(
            db,
            "system",
            &AssessmentId::from(&header.id),
            allowed,
            ReplyOutcome::NoReply,
            &[],
        )
        .await
        {
            Ok(()) => recorded += 1,
            // A lead submitted the reply a moment ago: that reply stands.
            Err(ReplyError::StatusChange(store::lifecycle::StatusChangeError::MovedOn(_))) => {}
            Err(error) => return Err(error.into()),
        }
    }
    Ok(recorded)
}
