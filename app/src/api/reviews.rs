//! The peer review of one assessment: the reviewer reads the trust's answers, judges each
//! domain, checks their answers and submits with a verdict; NHS England reads reviews, gives a
//! reviewer more time, reopens a submitted review, or closes an assessment's peer review with the
//! reviews received.

use super::assessments::SaveOutcome;
use super::form::{Checkbox, Then};
use crate::error::AppError;
use crate::rules::assessments::{AssessmentHeader, DomainAnswers, DomainStatus};
use crate::rules::framework::Domain;
use crate::rules::review::{DomainReview, Flag, JudgementInput, Verdict};
#[cfg(feature = "ssr")]
use crate::store::{AssessmentId, OdsCode, ReviewSlotId};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[cfg(feature = "ssr")]
use super::context::Cx;
#[cfg(feature = "ssr")]
use {
    super::{guard, mail_text, public_url},
    crate::rules::{
        access,
        assessments::{is_met_anywhere, is_met_in, Strictness},
        cycles::{is_valid_date, readable_moment},
        framework::Framework,
        lifecycle::{decide, Allowed, Event, Participant, Refusal},
        reasons::given_reason,
        review::{
            adjustments, check_domain_review, check_verdict, domain_review_status, flags,
            judgement_differences, reviewer_domain_score, unconfirmed_domains, DomainReviewInput,
            Judgement,
        },
        scoring::{domain_score, score_assessment},
    },
    crate::store::{
        self, assessments as assessment_store,
        outbox::OutgoingMail,
        published::ScoreScope,
        reviews::{self as review_store, ReviewError, ReviewSlot},
    },
    std::sync::Arc,
};

/// A domain's line on the review's task list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DomainReviewTask {
    pub key: String,
    pub name: String,
    pub status: DomainStatus,
    pub self_score: u8,
    pub reviewer_score: u8,
    pub flags: Vec<Flag>,
    /// Each criterion judged differently, with the reason.
    pub adjustments: Vec<String>,
}

/// A pillar's section of the review.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PillarReview {
    pub name: String,
    pub self_score: Option<f64>,
    pub reviewer_score: Option<f64>,
    pub domains: Vec<DomainReviewTask>,
}

/// The organisation's final scores from an earlier cycle.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PreviousScores {
    pub cycle_name: String,
    pub overall: Option<f64>,
    /// `(domain key, score)`.
    pub domains: Vec<(String, f64)>,
}

impl PreviousScores {
    pub fn domain(&self, key: &str) -> Option<f64> {
        self.domains
            .iter()
            .find(|(domain, _)| domain == key)
            .map(|(_, score)| *score)
    }
}

/// What NHS England may do to a review now.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewAdministration {
    /// The reviewer, named: NHS England sees who reviewed.
    pub reviewer: String,
    pub may_extend: bool,
    pub may_reopen: bool,
    pub may_close: bool,
    pub extension_reason: Option<String>,
}

/// Everything the review's task list and check-your-answers pages show.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReviewOverview {
    pub slot_id: String,
    pub header: AssessmentHeader,
    /// This review's deadline, with any extension.
    pub deadline: String,
    /// Why the review cannot be changed now, when it cannot.
    pub locked_reason: Option<String>,
    pub submitted_at: Option<String>,
    pub pillars: Vec<PillarReview>,
    pub self_overall: Option<f64>,
    pub reviewer_overall: Option<f64>,
    pub previous: Option<PreviousScores>,
    pub verdict: Option<(Verdict, String)>,
    /// Present for NHS England only.
    pub administration: Option<ReviewAdministration>,
}

impl ReviewOverview {
    pub fn domains(&self) -> impl Iterator<Item = &DomainReviewTask> {
        self.pillars.iter().flat_map(|pillar| &pillar.domains)
    }

    pub fn confirmed_count(&self) -> usize {
        self.domains()
            .filter(|domain| domain.status == DomainStatus::Completed)
            .count()
    }
}

/// One domain of a review: the trust's answers and the reviewer's judgements.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DomainReviewView {
    pub slot_id: String,
    pub header: AssessmentHeader,
    pub locked_reason: Option<String>,
    pub pillar_name: String,
    pub domain: Domain,
    pub trust_answers: DomainAnswers,
    pub review: DomainReview,
    pub version: i64,
    pub self_score: u8,
    pub reviewer_score: u8,
    pub previous_score: Option<f64>,
    pub last_saved: Option<String>,
    /// The evidence files attached to the domain as the assessment was submitted.
    pub evidence: Vec<super::evidence_files::EvidenceFile>,
}

/// A review, its assessment and framework, and the reader, once the reader may see it.
#[cfg(feature = "ssr")]
pub(super) struct ReadableReview {
    pub(super) cx: Cx,
    pub(super) slot: ReviewSlot,
    pub(super) header: AssessmentHeader,
    pub(super) framework: Arc<Framework>,
}

#[cfg(feature = "ssr")]
impl ReadableReview {
    /// "Peer review complete", to each of the trust's leads: sent when the last review is in or
    /// NHS England closes the peer review with the reviews received.
    async fn reviews_complete_notices(&self) -> Result<Vec<OutgoingMail>, AppError> {
        let link = format!("{}/assessments/{}", public_url()?, self.header.id);
        let leads =
            assessment_store::trust_leads(&self.cx.db, &OdsCode::from(&self.header.trust_ods_code))
                .await?;
        Ok(leads
            .iter()
            .map(|(email, name)| {
                mail_text::ReviewsComplete {
                    to: email,
                    name,
                    title: &self.header.title(),
                    cycle_name: &self.header.cycle_name,
                    link: &link,
                }
                .mail()
            })
            .collect())
    }

    fn is_reviewer(&self) -> bool {
        self.cx.actor.account_id == self.slot.reviewer_id
    }

    /// Whether the reader may cause `event` (saving or submitting the review) now: the
    /// lifecycle's judgement of the reviewer, against this reviewer's own deadline.
    fn judge(&self, event: Event) -> Result<Allowed, AppError> {
        Ok(self.judgement(event)??)
    }

    /// [`Self::judge`], with the lifecycle's refusal kept apart (and so not yet recorded).
    fn judgement(&self, event: Event) -> Result<Result<Allowed, Refusal>, AppError> {
        if !self.is_reviewer() {
            return Err(AppError::Forbidden(
                "Only the peer reviewer it is assigned to can change this review.".into(),
            ));
        }
        if self.slot.is_submitted() {
            return Err(ReviewError::AlreadySubmitted.into());
        }
        let today = store::today();
        let deadline = self.slot.deadline(&self.header.review_deadline);
        let moment = crate::rules::lifecycle::Moment {
            review_deadline: deadline,
            ..self.header.moment(&today)
        };
        let participant = Participant::person(&self.cx.actor, &self.header.trust_ods_code)
            .assigned_reviewer(self.slot.is_assigned());
        Ok(decide(event, self.header.status, &participant, &moment))
    }

    fn locked_reason(&self) -> Option<String> {
        match self.judgement(Event::SaveReviewDraft) {
            Ok(Ok(_)) => None,
            Ok(Err(refusal)) => Some(super::refusals::unrecorded(refusal).to_string()),
            Err(error) => Some(error.to_string()),
        }
    }

    /// The lifecycle's judgement of NHS England causing `event` to the assessment.
    fn judge_as_nhs_england(&self, event: Event) -> Result<Allowed, Refusal> {
        let today = store::today();
        decide(
            event,
            self.header.status,
            &Participant::person(&self.cx.actor, &self.header.trust_ods_code),
            &self.header.moment(&today),
        )
    }

    fn find_domain(&self, key: &str) -> Result<(String, Domain), AppError> {
        self.framework
            .domains_for(self.header.care_setting)
            .find(|(_, domain)| domain.key == key)
            .map(|(pillar, domain)| (pillar.name.clone(), domain.clone()))
            .ok_or_else(|| AppError::NotFound("This assessment has no such section.".into()))
    }

    fn link(&self) -> Result<String, AppError> {
        Ok(format!("{}/reviews/{}", public_url()?, self.slot.id))
    }
}

/// The organisation's final scores from the latest earlier cycle that published them.
#[cfg(feature = "ssr")]
pub(super) async fn previous_scores(
    db: &store::Db,
    assessment_id: &str,
) -> Result<Option<PreviousScores>, AppError> {
    Ok(
        review_store::previous_scores(db, &AssessmentId::from(assessment_id))
            .await?
            .map(|(cycle_name, scores)| PreviousScores {
                cycle_name,
                overall: scores
                    .iter()
                    .find(|(scope, _, _)| *scope == ScoreScope::Overall)
                    .map(|(_, _, score)| *score),
                domains: scores
                    .into_iter()
                    .filter(|(scope, _, _)| *scope == ScoreScope::Domain)
                    .map(|(_, key, score)| (key, score))
                    .collect(),
            }),
    )
}

/// The review's task list: every domain with the trust's level, the reviewer's and its status.
#[server]
pub async fn get_review(slot_id: String) -> Result<ReviewOverview, AppError> {
    let review = Cx::signed_in().await?.review(&slot_id).await?;
    let (db, header, framework) = (&review.cx.db, &review.header, &review.framework);
    let answers = assessment_store::all_answers(db, &AssessmentId::from(&header.id)).await?;
    let reviews = review_store::all_domain_reviews(db, &ReviewSlotId::from(&slot_id)).await?;
    let all_judgements: BTreeMap<String, Judgement> = reviews
        .values()
        .flat_map(|review| review.judgements.clone())
        .collect();
    let trust_met = is_met_anywhere(&answers);
    let reviewer_met = |key: &str| {
        all_judgements
            .get(key)
            .map_or_else(|| trust_met(key), |judgement| judgement.met)
    };
    let self_scores = score_assessment(framework, header.care_setting, &trust_met);
    let reviewer_scores = score_assessment(framework, header.care_setting, reviewer_met);
    let none = DomainAnswers::new();
    let pillars = framework
        .pillars
        .iter()
        .filter_map(|pillar| {
            let domains: Vec<DomainReviewTask> = pillar
                .domains
                .iter()
                .filter(|domain| domain.applies_to(header.care_setting))
                .map(|domain| {
                    let saved = reviews.get(&domain.key);
                    let trust = answers.get(&domain.key).unwrap_or(&none);
                    let judgements = saved.map(|r| r.judgements.clone()).unwrap_or_default();
                    let self_score = domain_score(is_met_in(trust), domain);
                    let reviewer_score = reviewer_domain_score(domain, trust, &judgements);
                    DomainReviewTask {
                        key: domain.key.clone(),
                        name: domain.name.clone(),
                        status: domain_review_status(saved),
                        self_score,
                        reviewer_score,
                        flags: flags(
                            self_score,
                            reviewer_score,
                            saved.is_some_and(|r| r.insufficient_evidence),
                        ),
                        adjustments: adjustments(domain, trust, &judgements),
                    }
                })
                .collect();
            (!domains.is_empty()).then(|| PillarReview {
                name: pillar.name.clone(),
                self_score: self_scores.pillar(&pillar.key),
                reviewer_score: reviewer_scores.pillar(&pillar.key),
                domains,
            })
        })
        .collect();
    let administration = (!review.is_reviewer()).then(|| ReviewAdministration {
        reviewer: format!(
            "{} ({})",
            review.slot.reviewer_name, review.slot.reviewer_org
        ),
        may_extend: access::may_assign_reviewers(&review.cx.actor).is_ok()
            && review.slot.is_assigned()
            && !review.slot.is_submitted(),
        may_reopen: review.slot.is_submitted()
            && review.judge_as_nhs_england(Event::ReopenReview).is_ok(),
        may_close: !review.slot.is_submitted()
            && review.judge_as_nhs_england(Event::CloseReview).is_ok(),
        extension_reason: review.slot.extension_reason.clone(),
    });
    Ok(ReviewOverview {
        slot_id: slot_id.clone(),
        deadline: review.slot.deadline(&header.review_deadline).to_string(),
        locked_reason: review.locked_reason(),
        submitted_at: review.slot.submitted_at.clone(),
        pillars,
        self_overall: self_scores.overall,
        reviewer_overall: reviewer_scores.overall,
        previous: previous_scores(db, &header.id).await?,
        verdict: review.slot.verdict(),
        administration,
        header: review.header,
    })
}

/// One domain of the review, with the trust's answers beside the reviewer's judgements.
#[server]
pub async fn get_domain_review(
    slot_id: String,
    domain_key: String,
) -> Result<DomainReviewView, AppError> {
    let review = Cx::signed_in().await?.review(&slot_id).await?;
    let (pillar_name, domain) = review.find_domain(&domain_key)?;
    let trust = assessment_store::domain(
        &review.cx.db,
        &AssessmentId::from(&review.header.id),
        &domain_key,
    )
    .await?
    .answers;
    let saved =
        review_store::domain_review(&review.cx.db, &ReviewSlotId::from(&slot_id), &domain_key)
            .await?;
    let previous = previous_scores(&review.cx.db, &review.header.id).await?;
    let evidence =
        super::evidence_files::submitted_to_domain(&review.cx.db, &review.header.id, &domain_key)
            .await?;
    Ok(DomainReviewView {
        evidence,
        locked_reason: review.locked_reason(),
        self_score: domain_score(is_met_in(&trust), &domain),
        reviewer_score: reviewer_domain_score(&domain, &trust, &saved.review.judgements),
        previous_score: previous.and_then(|previous| previous.domain(&domain_key)),
        last_saved: saved
            .updated_at
            .as_deref()
            .map(|at| format!("Last saved on {}", readable_moment(at))),
        slot_id,
        header: review.header,
        pillar_name,
        domain,
        trust_answers: trust,
        review: saved.review,
        version: saved.version,
    })
}

/// Saves one domain of a review. `version` is the version the page was showing: if it has been
/// saved since (another tab), nothing is saved and the conflict says what differs. `score`, if
/// sent, must be the level that follows from the judgements. With `then` set to "continue" the
/// domain is confirmed and the reviewer goes on to the task list; without it (saving as you go)
/// it is a draft.
#[server]
#[allow(clippy::too_many_arguments)]
pub async fn save_domain_review(
    slot_id: String,
    domain_key: String,
    version: i64,
    #[server(default)] judgements: BTreeMap<String, JudgementInput>,
    confidence: Option<String>,
    #[server(default)] insufficient_evidence: Checkbox,
    #[server(default)] comment: String,
    score: Option<u8>,
    #[server(default)] then: Then,
) -> Result<SaveOutcome, AppError> {
    let review = Cx::signed_in().await?.review(&slot_id).await?;
    review.judge(Event::SaveReviewDraft)?;
    let (_, domain) = review.find_domain(&domain_key)?;
    let trust = assessment_store::domain(
        &review.cx.db,
        &AssessmentId::from(&review.header.id),
        &domain_key,
    )
    .await?
    .answers;
    let strictness = if then == Then::Continue {
        Strictness::Finished
    } else {
        Strictness::Draft
    };
    let input = DomainReviewInput {
        judgements,
        confidence,
        insufficient_evidence: insufficient_evidence.ticked(),
        comment,
    };
    let save = |checked: DomainReview| {
        let review = &review;
        let domain = &domain;
        let trust = &trust;
        let slot_id = &slot_id;
        async move {
            let level = reviewer_domain_score(domain, trust, &checked.judgements);
            let summary = format!(
                "{} judged differently; level {level}{}",
                adjustments(domain, trust, &checked.judgements).len(),
                if checked.confirmed { ", confirmed" } else { "" }
            );
            review_store::save_domain_review(
                &review.cx.db,
                &review.cx.actor.account_id,
                &ReviewSlotId::from(slot_id),
                &domain.key,
                version,
                &checked,
                summary,
            )
            .await
            .map_err(|error| match error {
                ReviewError::Conflict(saved) => AppError::Conflict {
                    message: format!(
                        "This section of your review was saved on {}, after you opened it here (in another tab or window, perhaps). Nothing you entered has been saved. The saved review differs from yours here:",
                        saved.updated_at.as_deref().map(readable_moment).unwrap_or_default()
                    ),
                    changes: judgement_differences(domain, &saved.review, &checked),
                    current_version: saved.version,
                },
                other => other.into(),
            })
        }
    };
    let checked = match check_domain_review(&domain, &trust, &input, strictness) {
        Ok(checked) => checked,
        Err((field, message)) => {
            // Without JavaScript the page is loaded afresh to show the error: keep what was
            // typed by saving it as a draft first, as saving as you go would have.
            if strictness == Strictness::Finished && guard::is_plain_form_post().await {
                if let Ok(draft) = check_domain_review(&domain, &trust, &input, Strictness::Draft) {
                    save(draft).await?;
                }
            }
            return Err(AppError::field(&field, message));
        }
    };
    let level = reviewer_domain_score(&domain, &trust, &checked.judgements);
    if let Some(sent) = score.filter(|&sent| sent != level) {
        return Err(AppError::field(
            "judgements",
            format!("Your judgements give this section level {level}, not level {sent}: the level follows from which criteria are met. Nothing has been saved."),
        ));
    }
    let status = domain_review_status(Some(&checked));
    let saved = save(checked).await?;
    if then == Then::Continue {
        leptos_axum::redirect(&crate::routes::Route::Review { slot: &slot_id }.with(
            crate::flash::Flash::Saved {
                domain: domain_key.clone(),
            },
        ));
    }
    Ok(SaveOutcome {
        version: saved,
        score: level,
        status,
    })
}

/// Submits a review with its verdict. When it is the last outstanding review of the assessment,
/// the assessment becomes reviewed and the trust's leads are emailed (without reviewers' names).
#[server]
pub async fn submit_review(
    slot_id: String,
    verdict: Option<String>,
    #[server(default)] summary: String,
) -> Result<(), AppError> {
    let review = Cx::signed_in().await?.review(&slot_id).await?;
    let allowed = review.judge(Event::LastReviewSubmitted)?;
    let reviews =
        review_store::all_domain_reviews(&review.cx.db, &ReviewSlotId::from(&slot_id)).await?;
    let unconfirmed = unconfirmed_domains(&review.framework, review.header.care_setting, &reviews);
    if !unconfirmed.is_empty() {
        let names: Vec<&str> = unconfirmed.iter().map(|d| d.name.as_str()).collect();
        return Err(AppError::Invalid(format!(
            "Confirm every section before you submit. Not yet confirmed: {}.",
            names.join(", ")
        )));
    }
    let (verdict, summary) =
        check_verdict(verdict.as_deref(), &summary).map_err(|(field, message)| {
            AppError::field(&field, message).keeping(&[("summary", summary.as_str())])
        })?;
    let notices = review.reviews_complete_notices().await?;
    review_store::submit(
        &review.cx.db,
        &review.cx.actor.account_id,
        &ReviewSlotId::from(&slot_id),
        verdict,
        &summary,
        allowed,
        &notices,
    )
    .await?;
    leptos_axum::redirect(&crate::routes::Route::ReviewSubmitted { slot: &slot_id }.href());
    Ok(())
}

/// Gives one reviewer a later deadline, with the reason; they are emailed. Administrators only.
#[server]
pub async fn extend_review_deadline(
    slot_id: String,
    deadline: String,
    reason: String,
) -> Result<(), AppError> {
    let review = Cx::signed_in().await?.review(&slot_id).await?;
    review
        .cx
        .allowed(access::may_assign_reviewers(&review.cx.actor))?;
    let deadline = deadline.trim().to_string();
    let today = store::today();
    if !is_valid_date(&deadline) || deadline < today || deadline <= review.header.review_deadline {
        return Err(AppError::field(
            "deadline",
            format!(
                "Enter a date after the review deadline of {} and not in the past, like 2027-03-07",
                review.header.review_deadline
            ),
        )
        .keeping(&[("deadline", deadline.as_str()), ("reason", reason.as_str())]));
    }
    let Some(reason) = given_reason(&reason, 1000) else {
        return Err(AppError::field(
            "reason",
            "Enter the reason for the extension, in 1000 characters or fewer",
        )
        .keeping(&[("deadline", deadline.as_str()), ("reason", reason.as_str())]));
    };
    let notice = mail_text::ReviewDeadlineExtended {
        to: &review.slot.reviewer_email,
        name: &review.slot.reviewer_name,
        title: &review.header.title(),
        deadline: &crate::rules::deadlines::deadline_shown(&deadline),
        link: &review.link()?,
    }
    .mail();
    review_store::extend_deadline(
        &review.cx.db,
        &review.cx.actor.account_id,
        &ReviewSlotId::from(&slot_id),
        &deadline,
        reason,
        &notice,
    )
    .await?;
    leptos_axum::redirect(
        &crate::routes::Route::Review { slot: &slot_id }.with(crate::flash::Flash::ReviewExtended),
    );
    Ok(())
}

/// Reopens a submitted review for its reviewer to change, with the reason they are emailed. The
/// assessment goes back into review if this review had completed it. Administrators only.
#[server]
pub async fn reopen_review(slot_id: String, reason: String) -> Result<(), AppError> {
    let review = Cx::signed_in().await?.review(&slot_id).await?;
    let allowed = review.judge_as_nhs_england(Event::ReopenReview)?;
    let reason = given_reason(&reason, 1000).ok_or_else(|| {
        AppError::field(
            "reopen-reason",
            "Enter the reason for reopening, in 1000 characters or fewer: the reviewer will read it",
        )
    })?;
    let notice = mail_text::ReviewReopened {
        to: &review.slot.reviewer_email,
        name: &review.slot.reviewer_name,
        title: &review.header.title(),
        reason,
        deadline: &crate::rules::deadlines::deadline_shown(
            review.slot.deadline(&review.header.review_deadline),
        ),
        link: &review.link()?,
    }
    .mail();
    review_store::reopen(
        &review.cx.db,
        &review.cx.actor.account_id,
        &ReviewSlotId::from(&slot_id),
        allowed,
        reason,
        &notice,
    )
    .await?;
    leptos_axum::redirect(
        &crate::routes::Route::Review { slot: &slot_id }.with(crate::flash::Flash::Reopened),
    );
    Ok(())
}

/// Ends the assessment's peer review with the reviews received (at least one), with the reason;
/// the trust's leads are emailed that the reviews are ready. Administrators only.
#[server]
pub async fn close_review(slot_id: String, reason: String) -> Result<(), AppError> {
    let review = Cx::signed_in().await?.review(&slot_id).await?;
    let allowed = review.judge_as_nhs_england(Event::CloseReview)?;
    let reason = given_reason(&reason, 1000).ok_or_else(|| {
        AppError::field(
            "close-reason",
            "Enter the reason for closing the peer review, in 1000 characters or fewer",
        )
    })?;
    let notices = review.reviews_complete_notices().await?;
    review_store::close(
        &review.cx.db,
        &review.cx.actor.account_id,
        &AssessmentId::from(&review.header.id),
        allowed,
        reason,
        &notices,
    )
    .await?;
    leptos_axum::redirect(
        &crate::routes::Route::Review { slot: &slot_id }.with(crate::flash::Flash::Closed),
    );
    Ok(())
}
