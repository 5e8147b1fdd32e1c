//! Builders shared by the tests of the assignment module.

use super::*;
use crate::organisations::CareSetting::{self, Acute};

pub(super) fn assessment(
    id: &str,
    trust: &str,
    icb: &str,
    region: &str,
    setting: CareSetting,
) -> Assessment {
    Assessment {
        id: id.into(),
        trust_ods_code: trust.into(),
        icb_ods_code: icb.into(),
        region_ods_code: region.into(),
        care_setting: setting,
    }
}

pub(super) fn reviewer(
    id: &str,
    org: &str,
    icb: &str,
    region: &str,
    expertise: &[CareSetting],
    capacity: u32,
) -> Reviewer {
    Reviewer {
        id: id.into(),
        org_ods_code: org.into(),
        icb_ods_code: icb.into(),
        region_ods_code: region.into(),
        expertise: expertise.to_vec(),
        capacity,
    }
}

/// An acute assessment of Bradford (RAE) in West Yorkshire (QWO, region Y63).
pub(super) fn bradford(id: &str) -> Assessment {
    assessment(id, "RAE", "QWO", "Y63", Acute)
}

/// A reviewer from Birmingham (QHL, Midlands) with the given expertise.
pub(super) fn from_birmingham(id: &str, expertise: &[CareSetting], capacity: u32) -> Reviewer {
    reviewer(id, "RRK", "QHL", "Y60", expertise, capacity)
}

pub(super) fn input_of(assessments: Vec<Assessment>, reviewers: Vec<Reviewer>) -> AssignmentInput {
    let names = [
        ("QWO", "NHS West Yorkshire ICS"),
        ("QHL", "NHS Birmingham and Solihull ICS"),
        ("Y60", "Midlands"),
        ("Y63", "North East and Yorkshire"),
    ];
    AssignmentInput {
        assessments,
        reviewers,
        names: names.iter().map(|&(c, n)| (c.into(), n.into())).collect(),
        ..AssignmentInput::default()
    }
}

pub(super) fn one_each(mut input: AssignmentInput) -> AssignmentInput {
    input.reviewers_per_assessment = 1;
    input
}

pub(super) fn pairs(plan: &AssignmentPlan) -> Vec<(&str, &str)> {
    plan.assignments
        .iter()
        .map(|r| (r.assessment_id.as_str(), r.reviewer_id.as_str()))
        .collect()
}

pub(super) fn load_of(plan: &AssignmentPlan, id: &str) -> u32 {
    plan.load
        .iter()
        .find(|(r, _)| r == id)
        .map_or(0, |&(_, n)| n)
}
