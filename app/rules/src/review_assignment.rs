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
    pub review_deadline: String,
    pub trust_name: String,
    pub care_setting: String,
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
}
