//! Peer reviewer assignment: an administrator proposes an optimal plan, swaps reviewers with a
//! reason, confirms it (reviewers are emailed), follows each review's progress, and replaces
//! reviewers who decline or miss their deadline; reviewers see their reviews and may decline one
//! with a reason.

use crate::error::AppError;
use crate::rules::review_assignment::{ReviewSlot, ReviewTask};
#[cfg(feature = "ssr")]
use crate::store::{AccountId, AssessmentId, CycleId, ReviewSlotId};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use super::context::Cx;
#[cfg(feature = "ssr")]
use {
    super::{guard, mail_text, public_url},
    crate::rules::{
        access::{self, Actor},
        accounts::Role,
        assignment::{assign, check_plan, ProposedReview},
        cycles::{is_valid_date, readable_moment, Cycle},
        lifecycle::{decide, Allowed, AssessmentStatus, Event, Participant},
        reasons::given_reason,
        review::is_overdue,
        review_assignment::AssignmentStatus,
    },
    crate::store::{
        self,
        assignments::{self as assignment_store, CycleAssignmentData, ReplacementDeadline},
        reviews as review_store,
    },
    std::collections::{BTreeMap, BTreeSet},
};

/// A reviewer who could fill a place, as the page offers them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Candidate {
    pub reviewer_id: String,
    /// "Name (Organisation): why they fit".
    pub label: String,
}

/// One place on an assessment, with who could fill it instead.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlotView {
    pub slot: ReviewSlot,
    pub reviewer_name: String,
    /// For a proposed place: the eligible reviewers to swap in, best first.
    pub alternatives: Vec<Candidate>,
    /// For a declined place, or an overdue reviewer's: the best eligible replacement, if
    /// anyone is left.
    pub replacement: Option<Candidate>,
    /// For an assigned place: how the review stands, in words ("Submitted", "Due by …",
    /// "Overdue: was due by …").
    pub progress: Option<String>,
    pub overdue: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssessmentReviewers {
    pub assessment_id: String,
    pub title: String,
    pub slots: Vec<SlotView>,
}

/// A reviewer's load: proposed and confirmed reviews against their capacity.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewerLoad {
    pub name: String,
    pub proposed: u32,
    pub assigned: u32,
    pub capacity: u32,
}

/// The assignment page of a cycle.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssignmentView {
    pub cycle_id: String,
    pub cycle_name: String,
    pub reviewers_per_assessment: u32,
    /// Submitted assessments with no confirmed reviewers.
    pub awaiting: usize,
    pub reviewer_count: usize,
    pub assessments: Vec<AssessmentReviewers>,
    /// Assessments a proposal cannot fully cover: (title, why).
    pub uncovered: Vec<(String, String)>,
    pub load: Vec<ReviewerLoad>,
    pub proposed_count: usize,
}

/// How many alternatives a proposed place offers.
#[cfg(feature = "ssr")]
const ALTERNATIVES_SHOWN: usize = 10;

/// "Trust name – Care setting".
#[cfg(feature = "ssr")]
fn assessment_title(data: &CycleAssignmentData, assessment_id: &str) -> String {
    data.assessment_names
        .get(assessment_id)
        .map(|(trust, setting)| format!("{trust} – {}", setting.label()))
        .unwrap_or_default()
}

/// "Name (Organisation)".
#[cfg(feature = "ssr")]
fn reviewer_label(data: &CycleAssignmentData, reviewer_id: &str) -> Option<String> {
    data.reviewer_names
        .get(reviewer_id)
        .map(|(name, organisation)| format!("{name} ({organisation})"))
}

#[cfg(feature = "ssr")]
fn candidate(data: &CycleAssignmentData, review: &ProposedReview) -> Candidate {
    let name =
        reviewer_label(data, &review.reviewer_id).unwrap_or_else(|| review.reviewer_id.clone());
    Candidate {
        reviewer_id: review.reviewer_id.clone(),
        label: format!("{name}: {}", review.reasons.join(", ")),
    }
}

/// The cycle, checked to be one whose assessments can be reviewed.
#[cfg(feature = "ssr")]
async fn reviewable_cycle(
    cx: &Cx,
    cycle_id: &str,
) -> Result<crate::rules::cycles::Cycle, AppError> {
    let cycle = cx.cycle(cycle_id).await?;
    if cycle.is_historical || cycle.phase == crate::rules::cycles::Phase::Setup {
        return Err(AppError::Invalid(
            "Reviewers can be assigned once the cycle is open and assessments are submitted."
                .into(),
        ));
    }
    Ok(cycle)
}

/// The assignment page: proposed and confirmed reviewers by assessment, with alternatives,
/// declines and their replacements, what cannot be covered and why, and each reviewer's load.
#[server]
pub async fn get_assignment(cycle_id: String) -> Result<AssignmentView, AppError> {
    let cx = Cx::require(access::may_assign_reviewers).await?;
    let cycle = reviewable_cycle(&cx, &cycle_id).await?;
    let Cx { db, .. } = cx;
    let data = assignment_store::cycle_data(&db, &CycleId::from(&cycle_id)).await?;
    let progress = review_store::assigned_in_cycle(&db, &CycleId::from(&cycle_id)).await?;
    let today = store::today();
    let mut by_assessment: BTreeMap<&str, Vec<SlotView>> = BTreeMap::new();
    for slot in &data.slots {
        let review = progress.get(&slot.id);
        let deadline = review
            .and_then(|review| review.extended_deadline.as_deref())
            .unwrap_or(&cycle.dates.review_deadline);
        let submitted = review.is_some_and(|review| review.submitted_at.is_some());
        let overdue = review.is_some() && is_overdue(submitted, deadline, &today);
        let progress = review.map(|review| match &review.submitted_at {
            Some(at) => format!("Submitted on {}", readable_moment(at)),
            None if overdue => {
                format!(
                    "Overdue: was due by {}",
                    crate::rules::deadlines::deadline_shown(deadline)
                )
            }
            None => format!(
                "Due by {}",
                crate::rules::deadlines::deadline_shown(deadline)
            ),
        });
        let (alternatives, replacement) = match slot.status {
            AssignmentStatus::Proposed => (
                data.swap_candidates(slot)
                    .iter()
                    .take(ALTERNATIVES_SHOWN)
                    .map(|review| candidate(&data, review))
                    .collect(),
                None,
            ),
            AssignmentStatus::Declined | AssignmentStatus::Assigned
                if slot.status == AssignmentStatus::Declined || overdue =>
            {
                (
                    Vec::new(),
                    data.replacement_candidates(&AssessmentId::from(&slot.assessment_id))
                        .first()
                        .map(|review| candidate(&data, review)),
                )
            }
            _ => (Vec::new(), None),
        };
        by_assessment
            .entry(slot.assessment_id.as_str())
            .or_default()
            .push(SlotView {
                reviewer_name: reviewer_label(&data, &slot.reviewer_id)
                    .unwrap_or_else(|| "A former reviewer".into()),
                slot: slot.clone(),
                alternatives,
                replacement,
                progress,
                overdue,
            });
    }
    let title = |id: &str| assessment_title(&data, id);
    let mut assessments: Vec<AssessmentReviewers> = by_assessment
        .into_iter()
        .map(|(id, slots)| AssessmentReviewers {
            assessment_id: id.to_string(),
            title: title(id),
            slots,
        })
        .collect();
    assessments.sort_by(|a, b| a.title.cmp(&b.title));
    let proposed_count = data
        .slots
        .iter()
        .filter(|slot| slot.status == AssignmentStatus::Proposed)
        .count();
    let uncovered = if proposed_count > 0 {
        assign(&data.proposal_input())
            .uncovered
            .into_iter()
            .map(|gap| (title(&gap.assessment_id), gap.reason))
            .collect()
    } else {
        Vec::new()
    };
    // (proposed, assigned) per reviewer, counted in one pass over the slots.
    let mut held: BTreeMap<&str, (u32, u32)> = BTreeMap::new();
    for slot in &data.slots {
        let counts = held.entry(slot.reviewer_id.as_str()).or_default();
        match slot.status {
            AssignmentStatus::Proposed => counts.0 += 1,
            AssignmentStatus::Assigned => counts.1 += 1,
            _ => {}
        }
    }
    let mut load: Vec<ReviewerLoad> = data
        .input
        .reviewers
        .iter()
        .filter_map(|reviewer| {
            let &(proposed, assigned) = held.get(reviewer.id.as_str())?;
            (proposed + assigned > 0).then(|| ReviewerLoad {
                name: reviewer_label(&data, &reviewer.id).unwrap_or_default(),
                proposed,
                assigned,
                capacity: reviewer.capacity,
            })
        })
        .collect();
    load.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(AssignmentView {
        cycle_id,
        cycle_name: cycle.name,
        reviewers_per_assessment: data.input.reviewers_per_assessment,
        awaiting: data.awaiting_reviewers.len(),
        reviewer_count: data.input.reviewers.len(),
        assessments,
        uncovered,
        load,
        proposed_count,
    })
}

/// Proposes the optimal reviewers for every submitted assessment that has none confirmed,
/// replacing any earlier proposal.
#[server]
pub async fn propose_assignment(cycle_id: String) -> Result<(), AppError> {
    let cx = Cx::require(access::may_assign_reviewers).await?;
    reviewable_cycle(&cx, &cycle_id).await?;
    let Cx { actor, db } = cx;
    let data = assignment_store::cycle_data(&db, &CycleId::from(&cycle_id)).await?;
    if data.awaiting_reviewers.is_empty() {
        return Err(AppError::Invalid(
            "No submitted assessment is waiting for reviewers.".into(),
        ));
    }
    let plan = assign(&data.proposal_input());
    assignment_store::propose(&db, &actor.account_id, &CycleId::from(&cycle_id), &plan).await?;
    leptos_axum::redirect(
        &crate::routes::Route::Assignment { cycle: &cycle_id }.with(crate::flash::Flash::Proposed),
    );
    Ok(())
}

/// Puts another eligible reviewer in a proposed place, with the reason for the change.
#[server]
pub async fn swap_reviewer(
    slot_id: String,
    reviewer_id: String,
    reason: String,
) -> Result<(), AppError> {
    let Cx { actor, db } = Cx::require(access::may_assign_reviewers).await?;
    let (cycle_id, _) = assignment_store::slot_owner(&db, &ReviewSlotId::from(&slot_id))
        .await?
        .ok_or_else(|| AppError::NotFound("There is no such review.".into()))?;
    let reason = given_reason(&reason, 500).ok_or_else(|| {
        AppError::field(
            &format!("swap-reason-{slot_id}"),
            "Enter the reason for the change, in 500 characters or fewer",
        )
    })?;
    let data = assignment_store::cycle_data(&db, &CycleId::from(&cycle_id)).await?;
    let slot = data
        .slots
        .iter()
        .find(|slot| slot.id == slot_id && slot.status == AssignmentStatus::Proposed)
        .ok_or_else(|| {
            AppError::Invalid("That place is no longer proposed: reload the page.".into())
        })?;
    let replacement = data
        .swap_candidates(slot)
        .into_iter()
        .find(|review| review.reviewer_id == reviewer_id)
        .ok_or_else(|| {
            AppError::field(
                &format!("swap-reviewer-{slot_id}"),
                "Choose a reviewer from the list: only eligible reviewers with room can be swapped in",
            )
        })?;
    assignment_store::swap(
        &db,
        &actor.account_id,
        &ReviewSlotId::from(&slot_id),
        &replacement,
        reason,
    )
    .await?;
    leptos_axum::redirect(
        &crate::routes::Route::Assignment { cycle: &cycle_id }.with(crate::flash::Flash::Swapped),
    );
    Ok(())
}

/// The submitted assessments a confirmation puts into review, each with the lifecycle's
/// permission; refused if an assessment of the proposal is neither submitted nor in review any
/// more (reopened since it was proposed, say).
#[cfg(feature = "ssr")]
fn assessments_into_review(
    actor: &Actor,
    cycle: &Cycle,
    data: &CycleAssignmentData,
) -> Result<Vec<(String, Allowed)>, AppError> {
    let today = store::today();
    let moment = cycle.moment(&today);
    let proposed: BTreeSet<&str> = data
        .slots
        .iter()
        .filter(|slot| slot.status == AssignmentStatus::Proposed)
        .map(|slot| slot.assessment_id.as_str())
        .collect();
    let mut into_review = Vec::new();
    for assessment_id in proposed {
        let assessment = data
            .input
            .assessments
            .iter()
            .find(|assessment| assessment.id == assessment_id)
            .ok_or_else(|| {
                AppError::Invalid(format!(
                    "{} is no longer submitted: it may have been reopened. Propose the assignment again.",
                    assessment_title(data, assessment_id)
                ))
            })?;
        if data.awaiting_reviewers.iter().any(|id| id == assessment_id) {
            let participant = Participant::person(actor, &assessment.trust_ods_code);
            let allowed = decide(
                Event::ConfirmReviewers,
                AssessmentStatus::Submitted,
                &participant,
                &moment,
            )?;
            into_review.push((assessment_id.to_string(), allowed));
        }
    }
    Ok(into_review)
}

/// Confirms the proposal: the reviews are assigned, their assessments go into review and each
/// reviewer is emailed their list and deadline.
#[server]
pub async fn confirm_assignment(cycle_id: String) -> Result<(), AppError> {
    let cx = Cx::require(access::may_assign_reviewers).await?;
    let cycle = reviewable_cycle(&cx, &cycle_id).await?;
    let Cx { actor, db } = cx;
    let data = assignment_store::cycle_data(&db, &CycleId::from(&cycle_id)).await?;
    let mut lists: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for slot in data
        .slots
        .iter()
        .filter(|slot| slot.status == AssignmentStatus::Proposed)
    {
        lists
            .entry(slot.reviewer_id.as_str())
            .or_default()
            .push(assessment_title(&data, &slot.assessment_id));
    }
    if lists.is_empty() {
        return Err(AppError::Invalid(
            "There is no proposal to confirm. Propose an assignment first.".into(),
        ));
    }
    let into_review = assessments_into_review(&actor, &cycle, &data)?;
    let link = format!("{}/reviews", public_url()?);
    let deadline = crate::rules::deadlines::deadline_shown(&cycle.dates.review_deadline);
    let mails: Vec<_> = lists
        .into_iter()
        .filter_map(|(reviewer_id, titles)| {
            let (email, name) = data.reviewer_contacts.get(reviewer_id)?;
            Some(
                mail_text::ReviewsAssigned {
                    to: email,
                    name,
                    cycle_name: &cycle.name,
                    assessments: &titles,
                    deadline: &deadline,
                    link: &link,
                }
                .mail(),
            )
        })
        .collect();
    // Conflicts declared, accounts disabled and roles removed since the proposal was made count:
    // the hard rules are checked again inside the transaction that confirms.
    assignment_store::confirm(
        &db,
        &actor.account_id,
        &CycleId::from(&cycle_id),
        &into_review,
        &mails,
        |now| {
            let violations = check_plan(
                &now.input,
                &now.plan_of(&[AssignmentStatus::Proposed, AssignmentStatus::Assigned]),
            );
            if violations.is_empty() {
                Ok(())
            } else {
                tracing::warn!(?violations, cycle = %cycle_id, "a proposal no longer keeps the rules");
                Err(assignment_store::AssignmentError::BreaksTheRules(violations.len()))
            }
        },
    )
    .await?;
    leptos_axum::redirect(
        &crate::routes::Route::Assignment { cycle: &cycle_id }.with(crate::flash::Flash::Confirmed),
    );
    Ok(())
}

/// Assigns the reviewer offered in place of one who declined, or of one who has missed their
/// deadline without submitting; emails them (and the reviewer replaced, if overdue). An overdue
/// reviewer's replacement needs a new deadline and a reason.
#[server]
pub async fn replace_reviewer(
    slot_id: String,
    reviewer_id: String,
    #[server(default)] deadline: String,
    #[server(default)] reason: String,
) -> Result<(), AppError> {
    let cx = Cx::require(access::may_assign_reviewers).await?;
    let (cycle_id, _) = assignment_store::slot_owner(&cx.db, &ReviewSlotId::from(&slot_id))
        .await?
        .ok_or_else(|| AppError::NotFound("There is no such review.".into()))?;
    let cycle = reviewable_cycle(&cx, &cycle_id).await?;
    let Cx { actor, db } = cx;
    let data = assignment_store::cycle_data(&db, &CycleId::from(&cycle_id)).await?;
    let replaced = data
        .slots
        .iter()
        .find(|slot| slot.id == slot_id)
        .ok_or(AppError::Internal)?;
    let today = store::today();
    let (later, mut mails) = match replaced.status {
        AssignmentStatus::Declined => (None, Vec::new()),
        AssignmentStatus::Assigned => {
            let review = review_store::slot(&db, &ReviewSlotId::from(&slot_id))
                .await?
                .ok_or(AppError::Internal)?;
            if !is_overdue(
                review.is_submitted(),
                review.deadline(&cycle.dates.review_deadline),
                &today,
            ) {
                return Err(AppError::Invalid(
                    "This reviewer has not missed their deadline, or has submitted: only a reviewer who declined or is overdue can be replaced.".into(),
                ));
            }
            let keep = [("deadline", deadline.as_str()), ("reason", reason.as_str())];
            let deadline_field = format!("replace-deadline-{slot_id}");
            if !is_valid_date(deadline.trim()) || deadline.trim() < today.as_str() {
                return Err(AppError::field(
                    &deadline_field,
                    "Enter the replacement reviewer's deadline, today or later, like 2027-03-14",
                )
                .keeping(&keep));
            }
            let Some(reason) = given_reason(&reason, 1000) else {
                return Err(AppError::field(
                    &format!("replace-reason-{slot_id}"),
                    "Enter why the reviewer is being replaced, in 1000 characters or fewer",
                )
                .keeping(&keep));
            };
            let title = assessment_title(&data, &replaced.assessment_id);
            let withdrawn = mail_text::ReviewWithdrawn {
                to: &review.reviewer_email,
                name: &review.reviewer_name,
                title: &title,
            }
            .mail();
            (
                Some((deadline.trim().to_string(), reason.to_string())),
                vec![withdrawn],
            )
        }
        _ => {
            return Err(AppError::Invalid(
                "That review has already been replaced: reload the page.".into(),
            ))
        }
    };
    let replacement = data
        .replacement_candidates(&AssessmentId::from(&replaced.assessment_id))
        .into_iter()
        .find(|review| review.reviewer_id == reviewer_id)
        .ok_or_else(|| {
            AppError::Invalid(
                "That reviewer can no longer take this review: reload the page for the next best."
                    .into(),
            )
        })?;
    let (email, name) = data
        .reviewer_contacts
        .get(&reviewer_id)
        .ok_or(AppError::Internal)?;
    let title = assessment_title(&data, &replaced.assessment_id);
    let due = later
        .as_ref()
        .map_or(cycle.dates.review_deadline.as_str(), |(deadline, _)| {
            deadline.as_str()
        });
    mails.push(
        mail_text::ReviewsAssigned {
            to: email,
            name,
            cycle_name: &cycle.name,
            assessments: &[title],
            deadline: &crate::rules::deadlines::deadline_shown(due),
            link: &format!("{}/reviews", public_url()?),
        }
        .mail(),
    );
    let later = later
        .as_ref()
        .map(|(deadline, reason)| ReplacementDeadline { deadline, reason });
    assignment_store::replace(
        &db,
        &actor.account_id,
        &ReviewSlotId::from(&slot_id),
        &replacement,
        later,
        &mails,
    )
    .await?;
    leptos_axum::redirect(
        &crate::routes::Route::Assignment { cycle: &cycle_id }.with(crate::flash::Flash::Replaced),
    );
    Ok(())
}

/// The signed-in peer reviewer's assigned reviews.
#[server]
pub async fn my_reviews() -> Result<Vec<ReviewTask>, AppError> {
    let Cx { actor, db } =
        Cx::require(|actor| access::may_act_on_own_review(actor, &actor.account_id)).await?;
    Ok(assignment_store::for_reviewer(&db, &AccountId::from(&actor.account_id)).await?)
}

/// A reviewer turns down one of their reviews, with a reason the administrators see.
#[server]
pub async fn decline_review(slot_id: String, reason: String) -> Result<(), AppError> {
    let Cx { actor, db } = Cx::signed_in().await?;
    let (_, reviewer_id) = assignment_store::slot_owner(&db, &ReviewSlotId::from(&slot_id))
        .await?
        .ok_or_else(|| AppError::NotFound("There is no such review.".into()))?;
    guard::allowed(&actor, access::may_act_on_own_review(&actor, &reviewer_id))?;
    let reason = given_reason(&reason, 500).ok_or_else(|| {
        AppError::field(
            &format!("decline-reason-{slot_id}"),
            "Enter why you cannot do this review, in 500 characters or fewer",
        )
    })?;
    let slot = crate::store::reviews::slot(&db, &ReviewSlotId::from(&slot_id))
        .await?
        .ok_or(AppError::Internal)?;
    let header = super::assessments::existing_assessment(&db, &slot.assessment_id).await?;
    let link = format!(
        "{}/admin/cycles/{}/assignment",
        public_url()?,
        header.cycle_id
    );
    let reviewer = format!(
        "{} ({})",
        actor.display_name,
        actor.org_ods_code.as_deref().unwrap_or("no organisation")
    );
    let notices: Vec<_> = crate::store::accounts::list(&db, None, Some(Role::Admin))
        .await?
        .into_iter()
        .filter(|admin| admin.is_active)
        .map(|admin| {
            mail_text::ReviewDeclined {
                to: &admin.email,
                name: &admin.display_name,
                reviewer: &reviewer,
                title: &header.title(),
                reason,
                link: &link,
            }
            .mail()
        })
        .collect();
    assignment_store::decline(
        &db,
        &AccountId::from(&actor.account_id),
        &ReviewSlotId::from(&slot_id),
        reason,
        &notices,
    )
    .await?;
    leptos_axum::redirect(&crate::routes::Route::Reviews.with(crate::flash::Flash::Declined));
    Ok(())
}
