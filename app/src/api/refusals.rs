//! What the store's and the lifecycle's refusals mean, in words for the person asking. The store
//! says what happened as data; the words people read are chosen here, so `?` in a server
//! function turns any of them into the right `AppError`.

use crate::error::AppError;
use crate::rules::lifecycle::Refusal;
use crate::store::accounts::AccountError;
use crate::store::assessments::AssessmentError;
use crate::store::assignments::AssignmentError;
use crate::store::cycles::CycleError;
use crate::store::evidence_files::EvidenceFileError;
use crate::store::evidence_requests::EvidenceError;
use crate::store::lifecycle::StatusChangeError;
use crate::store::moderation::ModerationError;
use crate::store::replies::ReplyError;
use crate::store::results::ResultsError;
use crate::store::reviewers::ReviewerError;
use crate::store::reviews::ReviewError;

/// A refusal of something asked for: recorded in the audit trail (who, what, from where, why),
/// as [`super::guard::allowed`] records the access rules' refusals.
impl From<Refusal> for AppError {
    fn from(refusal: Refusal) -> Self {
        super::guard::record_refused(refusal.message());
        unrecorded(refusal)
    }
}

/// The error for a refusal, not recorded: for saying why something a page shows cannot be done
/// now, which nobody has asked to do.
pub(super) fn unrecorded(refusal: Refusal) -> AppError {
    match refusal {
        Refusal::NotAllowed(message) => AppError::Forbidden(message),
        Refusal::NotNow(message) => AppError::Invalid(message),
    }
}

/// A status change refused: the assessment is not found (`not_found` says what the person asked
/// for), or it moved on, in the words `moved_on` gives for where the person is.
fn status_change(
    error: StatusChangeError,
    not_found: &str,
    moved_on: impl FnOnce(crate::rules::lifecycle::AssessmentStatus) -> String,
) -> AppError {
    match error {
        StatusChangeError::NoSuchAssessment => AppError::NotFound(not_found.into()),
        StatusChangeError::MovedOn(status) => AppError::Invalid(moved_on(status)),
        StatusChangeError::Database(error) => error.into(),
    }
}

/// A conflict has its own words where it happens (it needs the domain to say what differs).
impl From<AssessmentError> for AppError {
    fn from(error: AssessmentError) -> Self {
        match error {
            AssessmentError::StatusChange(error) => status_change(error, "There is no such assessment.", |status| format!(
                "Nothing was changed: this assessment has just become {} (someone else changed it while you were looking). Reload the page to see it as it is now.",
                status.label().to_lowercase()
            )),
            AssessmentError::Conflict(_) => AppError::Invalid(
                "Someone else saved this section after you opened it. Nothing you entered has been saved. Reload the page.".into(),
            ),
            AssessmentError::Database(error) => error.into(),
        }
    }
}

impl From<EvidenceFileError> for AppError {
    fn from(error: EvidenceFileError) -> Self {
        match error {
            EvidenceFileError::StatusChange(error) => status_change(error, "There is no such assessment.", |status| format!(
                "Nothing was changed: this assessment has just become {} (someone else changed it while you were looking). Reload the page to see it as it is now.",
                status.label().to_lowercase()
            )),
            EvidenceFileError::Limit(exceeded) => AppError::Invalid(exceeded.message("The file")),
            EvidenceFileError::Quarantined => {
                AppError::Invalid("The file failed the virus check, so it cannot be attached.".into())
            }
            EvidenceFileError::NoSuchAttachment => AppError::NotFound(
                "There is no such file attached: it may have been removed already. Reload the page.".into(),
            ),
            EvidenceFileError::Database(error) => error.into(),
        }
    }
}

impl From<CycleError> for AppError {
    fn from(error: CycleError) -> Self {
        match error {
            CycleError::NameTaken(name) => AppError::field(
                "name",
                format!("There is already a cycle called {name}. Choose another name."),
            ),
            CycleError::NoSuchFramework(version) => AppError::field(
                "framework-version",
                format!("There is no framework version {version}."),
            ),
            CycleError::NoSuchCycle => AppError::NotFound("There is no such cycle.".into()),
            CycleError::PhaseMoved(phase) => AppError::Invalid(format!(
                "The cycle has moved on since you looked at it: it is now in {}. Reload the page.",
                phase.label().to_lowercase()
            )),
            CycleError::NoOrganisations => AppError::Invalid(
                "There are no organisation records to freeze. Import them first.".into(),
            ),
            CycleError::Database(error) => error.into(),
        }
    }
}

impl From<AssignmentError> for AppError {
    fn from(error: AssignmentError) -> Self {
        match error {
            AssignmentError::NoSuchCycle => AppError::NotFound("There is no such cycle.".into()),
            AssignmentError::NotInStatus(status) => AppError::Invalid(format!(
                "That review is no longer {}: reload the page.",
                status.label().to_lowercase()
            )),
            AssignmentError::NotReplaceable => AppError::Invalid(
                "That reviewer has already been replaced or has submitted their review, so nothing was changed: reload the page.".into(),
            ),
            AssignmentError::AssessmentMovedOn(status) => AppError::Invalid(format!(
                "Nothing was confirmed: an assessment in the proposal has become {} since it was proposed. Propose the assignment again.",
                status.label().to_lowercase()
            )),
            AssignmentError::BreaksTheRules(count) => {
                let places = match count {
                    1 => "1 of its places breaks".to_string(),
                    n => format!("{n} of its places break"),
                };
                AppError::Invalid(format!(
                    "Nothing was confirmed: {places} the rules for who may review what, because something changed after the proposal was made (a conflict of interest was declared, an account was disabled or lost its peer reviewer role, or a reviewer has too many reviews). Propose the assignment again."
                ))
            }
            AssignmentError::Database(error) => error.into(),
        }
    }
}

impl From<AccountError> for AppError {
    fn from(error: AccountError) -> Self {
        match error {
            AccountError::EmailTaken(email) => {
                AppError::field("email", format!("An account already exists for {email}"))
            }
            AccountError::NoSuchAccount => AppError::NotFound("There is no such account.".into()),
            AccountError::TooManyInvitations(message) => AppError::Invalid(message),
            AccountError::Database(error) => error.into(),
        }
    }
}

impl From<ReviewerError> for AppError {
    fn from(error: ReviewerError) -> Self {
        match error {
            ReviewerError::NoSuchConflict(trust) => AppError::Invalid(format!(
                "There is no declared conflict of interest with {trust}. It may have been withdrawn already: reload the page."
            )),
            ReviewerError::Refused(refusal) => {
                super::guard::record_refused(refusal);
                AppError::Forbidden(refusal.to_string())
            }
            ReviewerError::Database(error) => error.into(),
        }
    }
}

/// A conflict has its own words where it happens (it needs the domain to say what differs).
impl From<ReviewError> for AppError {
    fn from(error: ReviewError) -> Self {
        match error {
            ReviewError::NoSuchReview => AppError::NotFound("There is no such review.".into()),
            ReviewError::NotAssigned => AppError::Forbidden(
                "This review is no longer assigned to you: you declined it or NHS England asked someone else.".into(),
            ),
            ReviewError::AlreadySubmitted => AppError::Invalid(
                "This review has been submitted, so it cannot be changed. Ask NHS England to reopen it if something needs correcting.".into(),
            ),
            ReviewError::NotSubmitted => {
                AppError::Invalid("This review has not been submitted, so there is nothing to reopen.".into())
            }
            ReviewError::StatusChange(error) => status_change(error, "There is no such review.", |status| format!(
                "Nothing was changed: the assessment is now {}, so its peer review is closed.",
                status.label().to_lowercase()
            )),
            ReviewError::Conflict(_) => AppError::Invalid(
                "This section of your review was saved elsewhere after you opened it. Nothing you entered has been saved. Reload the page.".into(),
            ),
            ReviewError::NoReviewsYet => AppError::Invalid(
                "No review of this assessment has been submitted yet, so its peer review cannot be closed. Give the reviewers more time or replace them.".into(),
            ),
            ReviewError::Database(error) => error.into(),
        }
    }
}

/// A conflict has its own words where it happens (it names who saved first).
impl From<ReplyError> for AppError {
    fn from(error: ReplyError) -> Self {
        match error {
            ReplyError::StatusChange(error) => status_change(error, "There is no such assessment.", |status| format!(
                "Nothing was changed: this assessment has just become {}, so the reply is closed. Reload the page to see it as it is now.",
                status.label().to_lowercase()
            )),
            ReplyError::Conflict(_) => AppError::Invalid(
                "Someone else saved a reply to this section after you opened it. Nothing you entered has been saved. Reload the page.".into(),
            ),
            ReplyError::Database(error) => error.into(),
        }
    }
}

/// A conflict has its own words where it happens (it names who saved first).
impl From<ModerationError> for AppError {
    fn from(error: ModerationError) -> Self {
        match error {
            ModerationError::StatusChange(error) => status_change(error, "There is no such assessment.", |status| format!(
                "Nothing was changed: this assessment has just become {} (someone else acted on it while you were looking). Reload the page.",
                status.label().to_lowercase()
            )),
            ModerationError::Conflict(_) => AppError::Invalid(
                "Someone else saved this section's moderation after you opened it. Nothing you entered has been saved. Reload the page.".into(),
            ),
            ModerationError::SameModerator => AppError::Forbidden(
                "You had a hand in moderating this assessment (you saved a section of it, submitted it or answered a query on it), so another approver must sign it off or return it.".into(),
            ),
            ModerationError::Database(error) => error.into(),
        }
    }
}

impl From<ResultsError> for AppError {
    fn from(error: ResultsError) -> Self {
        match error {
            ResultsError::StatusChange(error) => {
                status_change(error, "There is no such assessment.", |status| {
                    format!(
                "Nothing was changed: an assessment has just become {} (someone else acted on it while you were looking). Reload the page.",
                status.label().to_lowercase()
            )
                })
            }
            ResultsError::AlreadyReleased => AppError::Invalid(
                "These results were released provisionally already. Reload the page.".into(),
            ),
            ResultsError::AlreadyExcluded => {
                AppError::Invalid("This assessment is already left out of the results.".into())
            }
            ResultsError::QueryExists => AppError::Invalid(
                "You have already raised a query on this section. NHS England will answer it."
                    .into(),
            ),
            ResultsError::AlreadyAnswered => AppError::Invalid(
                "This query has been answered already. Reload the page to read the answer.".into(),
            ),
            ResultsError::Database(error) => error.into(),
        }
    }
}

impl From<EvidenceError> for AppError {
    fn from(error: EvidenceError) -> Self {
        match error {
            EvidenceError::NoSuchRequest => AppError::NotFound("There is no such request.".into()),
            EvidenceError::MovedOn(status) => AppError::Invalid(format!(
                "Nothing was changed: the assessment is now {}, so its moderation has moved on.",
                status.label().to_lowercase()
            )),
            EvidenceError::AlreadyAnswered => AppError::Invalid(
                "This request has already been answered, so the answer cannot be changed.".into(),
            ),
            EvidenceError::DeadlinePassed(deadline) => AppError::Invalid(format!(
                "The deadline for this answer was {}, so it can no longer be answered here. Contact NHS England's moderators.",
                crate::rules::deadlines::deadline_shown(&deadline)
            )),
            EvidenceError::Database(error) => error.into(),
        }
    }
}
