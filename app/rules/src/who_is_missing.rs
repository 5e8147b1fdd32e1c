//! Who is missing from a cycle: organisations in scope that nobody can answer for (no active trust
//! lead, or leads who have never signed in), and ICSs whose own peer reviewers offer fewer reviews
//! than their assessments need. Each ICS is expected to give as many reviews as it takes: its
//! assessments × the cycle's reviewers per assessment, against its reviewers' capacities (a
//! reviewer's own, or the cycle's usual number), as the assignment of reviewers counts them.

use serde::{Deserialize, Serialize};

/// An organisation in a cycle's scope and its trust leads.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrganisationLeads {
    pub ods_code: String,
    pub name: String,
    /// Active accounts with the trust lead role at this organisation.
    pub active_leads: u32,
    /// Of those, how many have ever signed in.
    pub leads_signed_in: u32,
}

/// An ICS's assessments in the cycle and the peer reviewers of its organisations.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IcsReviewers {
    /// The ICS's board's ODS code.
    pub ics_ods_code: String,
    pub ics_name: String,
    pub assessments: u32,
    /// The capacity of each active peer reviewer of the ICS's trusts and board.
    pub reviewer_capacities: Vec<u32>,
}

/// An ICS whose reviewers offer fewer reviews than its assessments need.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewerShortfall {
    pub ics_ods_code: String,
    pub ics_name: String,
    pub assessments: u32,
    pub reviewers: u32,
    /// Reviews its assessments need.
    pub needed: u32,
    /// Reviews its reviewers can take.
    pub offered: u32,
    pub short_by: u32,
}

/// Who is missing from one cycle, each list in ODS code order.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WhoIsMissing {
    pub without_lead: Vec<OrganisationLeads>,
    /// Organisations with leads, none of whom has ever signed in.
    pub leads_never_signed_in: Vec<OrganisationLeads>,
    pub short_of_reviewers: Vec<ReviewerShortfall>,
}

impl WhoIsMissing {
    pub fn is_empty(&self) -> bool {
        self.without_lead.is_empty()
            && self.leads_never_signed_in.is_empty()
            && self.short_of_reviewers.is_empty()
    }
}

/// The ICS's shortfall of reviews, if its reviewers offer fewer than its assessments need.
pub fn reviewer_shortfall(
    ics: &IcsReviewers,
    reviewers_per_assessment: u32,
) -> Option<ReviewerShortfall> {
    let needed = ics.assessments.saturating_mul(reviewers_per_assessment);
    let offered = ics
        .reviewer_capacities
        .iter()
        .fold(0u32, |sum, capacity| sum.saturating_add(*capacity));
    (offered < needed).then(|| ReviewerShortfall {
        ics_ods_code: ics.ics_ods_code.clone(),
        ics_name: ics.ics_name.clone(),
        assessments: ics.assessments,
        reviewers: u32::try_from(ics.reviewer_capacities.len()).unwrap_or(u32::MAX),
        needed,
        offered,
        short_by: needed - offered,
    })
}

/// Sorts the organisations and ICSs of a cycle into who is missing.
pub fn who_is_missing(
    organisations: Vec<OrganisationLeads>,
    systems: &[IcsReviewers],
    reviewers_per_assessment: u32,
) -> WhoIsMissing {
    let mut missing = WhoIsMissing::default();
    for organisation in organisations {
        if organisation.active_leads == 0 {
            missing.without_lead.push(organisation);
        } else if organisation.leads_signed_in == 0 {
            missing.leads_never_signed_in.push(organisation);
        }
    }
    missing
        .without_lead
        .sort_by(|a, b| a.ods_code.cmp(&b.ods_code));
    missing
        .leads_never_signed_in
        .sort_by(|a, b| a.ods_code.cmp(&b.ods_code));
    missing.short_of_reviewers = systems
        .iter()
        .filter_map(|ics| reviewer_shortfall(ics, reviewers_per_assessment))
        .collect();
    missing
        .short_of_reviewers
        .sort_by(|a, b| a.ics_ods_code.cmp(&b.ics_ods_code));
    missing
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn org(code: &str, active_leads: u32, leads_signed_in: u32) -> OrganisationLeads {
        OrganisationLeads {
            ods_code: code.into(),
            name: format!("{code} Trust"),
            active_leads,
            leads_signed_in,
        }
    }

    fn ics(code: &str, assessments: u32, capacities: &[u32]) -> IcsReviewers {
        IcsReviewers {
            ics_ods_code: code.into(),
            ics_name: format!("{code} ICS"),
            assessments,
            reviewer_capacities: capacities.to_vec(),
        }
    }

    #[test]
    fn organisations_without_a_lead_or_whose_leads_never_signed_in_are_listed() {
        let missing = who_is_missing(
            vec![
                org("RY6", 0, 0),
                org("RR8", 2, 1),
                org("R0A", 1, 0),
                org("QWO", 0, 0),
            ],
            &[],
            2,
        );
        let codes = |list: &[OrganisationLeads]| -> Vec<String> {
            list.iter().map(|o| o.ods_code.clone()).collect()
        };
        assert_eq!(codes(&missing.without_lead), vec!["QWO", "RY6"]);
        assert_eq!(codes(&missing.leads_never_signed_in), vec!["R0A"]);
        assert!(!missing.is_empty());
        assert!(who_is_missing(vec![org("RR8", 1, 1)], &[], 2).is_empty());
    }

    #[test]
    fn an_ics_whose_reviewers_offer_fewer_reviews_than_its_assessments_need_is_short() {
        let missing = who_is_missing(
            Vec::new(),
            &[
                ics("QWO", 3, &[3, 2]),
                ics("QOX", 2, &[3, 1]),
                ics("QHM", 1, &[]),
            ],
            2,
        );
        assert_eq!(
            missing.short_of_reviewers,
            vec![
                ReviewerShortfall {
                    ics_ods_code: "QHM".into(),
                    ics_name: "QHM ICS".into(),
                    assessments: 1,
                    reviewers: 0,
                    needed: 2,
                    offered: 0,
                    short_by: 2,
                },
                ReviewerShortfall {
                    ics_ods_code: "QWO".into(),
                    ics_name: "QWO ICS".into(),
                    assessments: 3,
                    reviewers: 2,
                    needed: 6,
                    offered: 5,
                    short_by: 1,
                },
            ],
            "QOX's 4 reviews cover its 2 assessments × 2"
        );
    }

    proptest! {
        #[test]
        fn a_shortfall_is_exactly_what_the_capacities_leave_uncovered(
            assessments in 0u32..50,
            capacities in prop::collection::vec(1u32..=20, 0..10),
            per_assessment in 1u32..=5,
        ) {
            let system = ics("QWO", assessments, &capacities);
            let offered: u32 = capacities.iter().sum();
            match reviewer_shortfall(&system, per_assessment) {
                Some(shortfall) => {
                    prop_assert!(offered < assessments * per_assessment);
                    prop_assert_eq!(shortfall.offered + shortfall.short_by, assessments * per_assessment);
                    prop_assert!(shortfall.short_by > 0);
                }
                None => prop_assert!(offered >= assessments * per_assessment),
            }
        }
    }
}
