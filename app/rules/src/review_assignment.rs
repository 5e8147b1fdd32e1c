//! The life of one reviewer's place on one assessment, and the read models of the assignment
//! pages. The solver itself is in `assignment`.

use serde::{Deserialize, Serialize};

stored_enum! {
    /// Proposed (an administrator's draft) → assigned (confirmed, the reviewer emailed) → declined
    /// (by the reviewer, with a reason) → replaced (an administrator assigned someone else).
    pub enum AssignmentStatus {
        Proposed = ("proposed", "Proposed"),
        Assigned = ("assigned", "Assigned"),
        Declined = ("declined", "Declined"),
        Replaced = ("replaced", "Replaced"),
    }
}

/// One reviewer's place on one assessment, as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewSlot {
    pub id: String,
    pub assessment_id: String,
    pub reviewer_id: String,
    pub status: AssignmentStatus,
    pub cost: i64,
    /// Why the reviewer fits, in words.
    pub reasons: Vec<String>,
    pub decline_reason: Option<String>,
}

/// A review on a reviewer's list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewTask {
    pub slot_id: String,
    pub cycle_name: String,
    /// This reviewer's deadline: their own later one, if given, or the cycle's.
    pub review_deadline: String,
    pub trust_name: String,
    pub care_setting: String,
    pub progress: ReviewProgress,
}

/// Where a review on a reviewer's list stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ReviewProgress {
    NotStarted,
    InProgress,
    Submitted,
    /// The assessment's peer review ended without this review.
    Closed,
}

impl ReviewProgress {
    /// From what is stored: whether the review was submitted, how many of its domains have been
    /// saved, and whether the assessment is still in review.
    pub fn of(submitted: bool, domains_saved: i64, assessment_in_review: bool) -> ReviewProgress {
        match (submitted, assessment_in_review, domains_saved) {
            (true, _, _) => ReviewProgress::Submitted,
            (false, false, _) => ReviewProgress::Closed,
            (false, true, 0) => ReviewProgress::NotStarted,
            (false, true, _) => ReviewProgress::InProgress,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ReviewProgress::NotStarted => "Not started",
            ReviewProgress::InProgress => "In progress",
            ReviewProgress::Submitted => "Submitted",
            ReviewProgress::Closed => "Closed",
        }
    }

    /// Whether the reviewer can still work on it (or decline it).
    pub fn is_open(self) -> bool {
        matches!(
            self,
            ReviewProgress::NotStarted | ReviewProgress::InProgress
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_survives_its_key() {
        for status in AssignmentStatus::ALL {
            assert_eq!(AssignmentStatus::from_key(status.key()), Some(status));
        }
        assert_eq!(AssignmentStatus::from_key("maybe"), None);
    }

    #[test]
    fn a_reviews_progress_follows_from_what_is_stored() {
        assert_eq!(
            ReviewProgress::of(false, 0, true),
            ReviewProgress::NotStarted
        );
        assert_eq!(
            ReviewProgress::of(false, 2, true),
            ReviewProgress::InProgress
        );
        assert_eq!(
            ReviewProgress::of(true, 2, false),
            ReviewProgress::Submitted
        );
        assert_eq!(ReviewProgress::of(false, 2, false), ReviewProgress::Closed);
        assert!(!ReviewProgress::Closed.is_open() && ReviewProgress::InProgress.is_open());
    }
}
