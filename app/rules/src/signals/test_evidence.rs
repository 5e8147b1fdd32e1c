//! Small hand-made assessments for the signals' tests: pillars "p1" and "p2" of equal weight, an
//! Acute trust "T1" in ICS "QA" in cycle 2, and reviewers "r1", "r2", … from ICS "QB".

use super::{AssessmentEvidence, DomainScores, PillarInfo, Reviewer};
use crate::organisations::CareSetting;

pub fn domain(
    key: &str,
    pillar: &str,
    self_level: u8,
    reviewer_levels: &[u8],
    moderated_level: Option<u8>,
) -> DomainScores {
    DomainScores {
        domain: key.into(),
        domain_name: format!("Domain {key}"),
        pillar: pillar.into(),
        self_level,
        reviewer_levels: reviewer_levels.to_vec(),
        moderated_level,
    }
}

pub fn assessment(domains: Vec<DomainScores>) -> AssessmentEvidence {
    let reviewers = domains
        .iter()
        .map(|domain| domain.reviewer_levels.len())
        .max()
        .unwrap_or(0);
    AssessmentEvidence {
        assessment_id: "A1".into(),
        org_code: "T1".into(),
        org_name: "Trust One".into(),
        ics_code: "QA".into(),
        ics_name: "ICS A".into(),
        care_setting: CareSetting::Acute,
        cycle: 2,
        cycle_name: "DMA 2026/27".into(),
        pillars: ["p1", "p2"]
            .map(|key| PillarInfo {
                key: key.into(),
                name: format!("Pillar {key}"),
                weight: 1.0,
            })
            .into(),
        reviewers: (1..=reviewers)
            .map(|n| Reviewer {
                id: format!("r{n}"),
                ics_code: "QB".into(),
            })
            .collect(),
        domains,
    }
}
