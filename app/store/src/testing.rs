//! Fixtures for tests of the store and of what is built on it: a cycle and an account with
//! defaults, changed only where a test cares. Behind the `testing` feature.

use crate::accounts::NewAccount;
use crate::cycles::NewCycle;
use rules::accounts::Role;
use rules::cycles::CycleDates;
use rules::organisations::CareSetting;

/// A cycle: by default "DMA 2026/27" on framework 2026.1, opening on 2026-11-01 with that
/// year's deadlines, of acute assessments, two reviewers an assessment and three reviews a
/// reviewer, in every region.
pub struct CycleBuilder(NewCycle);

impl Default for CycleBuilder {
    fn default() -> Self {
        CycleBuilder(NewCycle {
            name: "DMA 2026/27".into(),
            framework_version: "2026.1".into(),
            dates: CycleDates {
                opens_on: "2026-11-01".into(),
                submission_deadline: "2027-01-31".into(),
                review_deadline: "2027-02-28".into(),
                moderation_deadline: "2027-03-31".into(),
                publication_on: "2027-04-15".into(),
            },
            care_settings: vec![CareSetting::Acute],
            region_ods_codes: Vec::new(),
            reviewers_per_assessment: 2,
            reviewer_capacity: 3,
        })
    }
}

impl CycleBuilder {
    pub fn named(mut self, name: &str) -> Self {
        self.0.name = name.into();
        self
    }

    pub fn care_settings(mut self, settings: &[CareSetting]) -> Self {
        self.0.care_settings = settings.to_vec();
        self
    }

    /// Every date on one day: a cycle that ran elsewhere and is over, as an imported one.
    pub fn all_on(mut self, date: &str) -> Self {
        self.0.dates = CycleDates {
            opens_on: date.into(),
            submission_deadline: date.into(),
            review_deadline: date.into(),
            moderation_deadline: date.into(),
            publication_on: date.into(),
        };
        self
    }

    pub fn reviewers(mut self, per_assessment: i64, capacity: i64) -> Self {
        self.0.reviewers_per_assessment = per_assessment;
        self.0.reviewer_capacity = capacity;
        self
    }

    pub fn build(self) -> NewCycle {
        self.0
    }
}

/// An account: by default "Jo Bloggs" at no organisation, holding no role.
pub struct AccountBuilder(NewAccount);

impl AccountBuilder {
    pub fn new(email: &str) -> Self {
        AccountBuilder(NewAccount {
            email: email.into(),
            display_name: "Jo Bloggs".into(),
            org_ods_code: None,
            roles: Vec::new(),
        })
    }

    pub fn named(mut self, name: &str) -> Self {
        self.0.display_name = name.into();
        self
    }

    pub fn at(mut self, org_ods_code: Option<&str>) -> Self {
        self.0.org_ods_code = org_ods_code.map(Into::into);
        self
    }

    pub fn roles(mut self, roles: &[Role]) -> Self {
        self.0.roles = roles.to_vec();
        self
    }

    pub fn build(self) -> NewAccount {
        self.0
    }
}
