//! The problem's types: the assessments, reviewers, conflicts and costs that go in, and the plan
//! that comes out.

use crate::organisations::CareSetting;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A submitted assessment waiting for reviewers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assessment {
    pub id: String,
    pub trust_ods_code: String,
    /// The trust's ICS in the cycle's frozen hierarchy.
    pub icb_ods_code: String,
    pub region_ods_code: String,
    pub care_setting: CareSetting,
}

/// A person who can review other systems' assessments.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reviewer {
    pub id: String,
    /// The trust or ICB they work for.
    pub org_ods_code: String,
    pub icb_ods_code: String,
    pub region_ods_code: String,
    pub expertise: Vec<CareSetting>,
    /// The most reviews they can take this cycle.
    pub capacity: u32,
}

/// A reviewer's declared conflict of interest with a trust.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conflict {
    pub reviewer_id: String,
    pub trust_ods_code: String,
}

/// What each departure from the ideal reviewer costs. Integers, so optimal plans are exact; each
/// is clamped to 0..=1,000,000.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Costs {
    /// The reviewer has no expertise in the assessment's care setting.
    pub care_setting_mismatch: i64,
    /// Each review a reviewer takes costs this much more than their previous one (the first costs
    /// nothing), so two reviewers with one review each cost less than one with two.
    pub load_step: i64,
    /// The reviewer reviewed the same trust last cycle.
    pub reviewed_trust_last_cycle: i64,
    /// The reviewer is from the assessed trust's region.
    pub same_region: i64,
}

impl Default for Costs {
    fn default() -> Self {
        Costs {
            care_setting_mismatch: 100,
            load_step: 10,
            reviewed_trust_last_cycle: 60,
            same_region: 20,
        }
    }
}

impl Costs {
    /// What a reviewer's `nth` review (counting from 1) adds.
    pub(super) fn review_load(&self, nth: u32) -> i64 {
        self.load_step * (i64::from(nth) - 1)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssignmentInput {
    pub assessments: Vec<Assessment>,
    pub reviewers: Vec<Reviewer>,
    pub conflicts: Vec<Conflict>,
    /// (reviewer id, trust ODS code) for each review in the previous cycle.
    pub previous_reviews: Vec<(String, String)>,
    /// N, the reviewers each assessment needs.
    pub reviewers_per_assessment: u32,
    pub costs: Costs,
    /// Names for ODS codes, used in reasons: ICSs as they should read after "outside" (QWO → "NHS
    /// West Yorkshire ICS") and regions (Y60 → "Midlands"). A code without a name shows as the code.
    pub names: BTreeMap<String, String>,
}

impl Default for AssignmentInput {
    fn default() -> Self {
        AssignmentInput {
            assessments: Vec::new(),
            reviewers: Vec::new(),
            conflicts: Vec::new(),
            previous_reviews: Vec::new(),
            reviewers_per_assessment: 2,
            costs: Costs::default(),
            names: BTreeMap::new(),
        }
    }
}

/// One reviewer proposed for one assessment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProposedReview {
    pub assessment_id: String,
    pub reviewer_id: String,
    /// The pair's soft-rule costs plus what this review adds to the reviewer's load.
    pub cost: i64,
    /// How the reviewer fits, in plain English: "Acute expertise", "from another region
    /// (Midlands)", "2nd review for this reviewer".
    pub reasons: Vec<String>,
}

/// An assessment that could not get all the reviewers it needs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Uncovered {
    pub assessment_id: String,
    pub missing: u32,
    pub reason: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssignmentPlan {
    /// Sorted by assessment id, then reviewer id.
    pub assignments: Vec<ProposedReview>,
    /// The sum of the assignments' costs.
    pub total_cost: i64,
    /// Sorted by assessment id.
    pub uncovered: Vec<Uncovered>,
    /// Every reviewer's number of reviews in the plan, by reviewer id.
    pub load: Vec<(String, u32)>,
}
