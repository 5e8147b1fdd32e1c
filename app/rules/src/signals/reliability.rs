//! Reviewer reliability: how far each reviewer's levels sit from NHS England's moderated outcome,
//! over every review they have done. The mean difference (the reviewer's level less the
//! moderated one) says which way they lean: above zero lenient, below harsh. The mean distance
//! says how close they come either way, so a reviewer who is sometimes far above and sometimes far
//! below does not pass for accurate.
//!
//! A reviewer's domains within one review rise and fall together (one reading of one trust's
//! evidence), so it is the number of reviews, not of domains, that decides whether there is enough
//! to say which way they lean.

use super::stats::Tally;
use super::{count, levels, AssessmentEvidence};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The fewest reviews with moderated levels before a reviewer's lean is named: with fewer, one
/// unusual trust decides it.
pub const MIN_REVIEWS: usize = 3;
/// A lean is named when the mean difference is at least half a level: a whole level in every
/// other domain.
pub const LEAN: f64 = 0.5;

/// Which way a reviewer leans.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Lean {
    /// Above the moderated levels on average.
    Lenient,
    /// Below the moderated levels on average.
    Harsh,
    /// Neither, by at least [`LEAN`].
    Even,
    /// Fewer than [`MIN_REVIEWS`] reviews: nothing firm to say.
    TooFewReviews,
}

/// One cycle of a reviewer's differences from moderation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CycleDifference {
    pub cycle: i64,
    pub cycle_name: String,
    pub reviews: usize,
    /// Reviewer less moderated, per domain.
    pub difference: Tally,
}

/// One reviewer's levels against the moderated outcome.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReviewerReliability {
    pub reviewer: String,
    /// The ICB of the ICS they reviewed from (in their latest review).
    pub ics_code: String,
    /// Reviews with at least one moderated domain.
    pub reviews: usize,
    /// Reviewer less moderated, per domain: count, mean (the lean) and mean size (the distance).
    pub difference: Tally,
    pub lean: Lean,
    /// Oldest first.
    pub cycles: Vec<CycleDifference>,
}

/// The reliability of every reviewer of `assessments` (any cycles) with a moderated domain, in
/// order of reviewer id.
pub fn reviewer_reliability(assessments: &[AssessmentEvidence]) -> Vec<ReviewerReliability> {
    struct Record<'a> {
        ics_code: &'a str,
        latest: i64,
        cycles: BTreeMap<i64, (&'a str, usize, Tally)>,
    }
    let mut records: BTreeMap<&str, Record> = BTreeMap::new();
    for assessment in assessments {
        for (position, reviewer) in assessment.reviewers.iter().enumerate() {
            let differences: Tally = assessment
                .domains
                .iter()
                .filter_map(|d| {
                    let given = d.reviewer_levels.get(position)?;
                    Some(f64::from(*given) - f64::from(d.moderated_level?))
                })
                .collect();
            if differences.count() == 0 {
                continue;
            }
            let record = records.entry(&reviewer.id).or_insert(Record {
                ics_code: &reviewer.ics_code,
                latest: assessment.cycle,
                cycles: BTreeMap::new(),
            });
            if assessment.cycle >= record.latest {
                record.latest = assessment.cycle;
                record.ics_code = &reviewer.ics_code;
            }
            let (_, reviews, tally) = record.cycles.entry(assessment.cycle).or_insert((
                &assessment.cycle_name,
                0,
                Tally::default(),
            ));
            *reviews += 1;
            tally.merge(&differences);
        }
    }
    records
        .into_iter()
        .map(|(reviewer, record)| {
            let cycles: Vec<CycleDifference> = record
                .cycles
                .into_iter()
                .map(
                    |(cycle, (cycle_name, reviews, difference))| CycleDifference {
                        cycle,
                        cycle_name: cycle_name.to_string(),
                        reviews,
                        difference,
                    },
                )
                .collect();
            let reviews = cycles.iter().map(|c| c.reviews).sum();
            let mut difference = Tally::default();
            for cycle in &cycles {
                difference.merge(&cycle.difference);
            }
            ReviewerReliability {
                reviewer: reviewer.to_string(),
                ics_code: record.ics_code.to_string(),
                reviews,
                lean: lean(reviews, difference.mean().unwrap_or(0.0)),
                difference,
                cycles,
            }
        })
        .collect()
}

fn lean(reviews: usize, mean: f64) -> Lean {
    if reviews < MIN_REVIEWS {
        Lean::TooFewReviews
    } else if mean >= LEAN {
        Lean::Lenient
    } else if mean <= -LEAN {
        Lean::Harsh
    } else {
        Lean::Even
    }
}

impl ReviewerReliability {
    /// The reviewer's reliability in words.
    pub fn reason(&self) -> String {
        let mean = self.difference.mean().unwrap_or(0.0);
        let distance = self.difference.mean_size().unwrap_or(0.0);
        let way = if levels(mean) == "0 levels" {
            "level with".to_string()
        } else if mean > 0.0 {
            format!("{} above", levels(mean))
        } else {
            format!("{} below", levels(mean))
        };
        let evidence = format!(
            "Across {} ({}) in {}, this reviewer's levels were on average {way} NHS England's moderated levels, and {} away from them ignoring direction",
            count(self.reviews, "review", "reviews"),
            count(self.difference.count(), "domain", "domains"),
            count(self.cycles.len(), "cycle", "cycles"),
            levels(distance)
        );
        match self.lean {
            Lean::Lenient => format!("{evidence}: lenient."),
            Lean::Harsh => format!("{evidence}: harsh."),
            Lean::Even => format!("{evidence}: no clear lean."),
            Lean::TooFewReviews => format!(
                "{evidence}. That is too few reviews to say whether they lean either way: it takes {MIN_REVIEWS}."
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_evidence::{assessment, domain};
    use super::*;
    use proptest::prelude::*;

    /// An assessment in `cycle` reviewed by "r1" and "r2", each domain `(r1, r2, moderated)`.
    fn reviewed(cycle: i64, domains: &[(u8, u8, u8)]) -> AssessmentEvidence {
        let mut evidence = assessment(
            domains
                .iter()
                .enumerate()
                .map(|(i, &(a, b, m))| domain(&format!("d{i}"), "p1", 3, &[a, b], Some(m)))
                .collect(),
        );
        evidence.cycle = cycle;
        evidence
    }

    #[test]
    fn a_reviewer_above_moderation_in_enough_reviews_is_lenient() {
        let assessments = [
            reviewed(1, &[(4, 3, 3), (5, 3, 4)]),
            reviewed(2, &[(4, 2, 3)]),
            reviewed(2, &[(3, 3, 3), (5, 4, 4)]),
        ];
        let all = reviewer_reliability(&assessments);
        let r1 = &all[0];
        assert_eq!(r1.reviewer, "r1");
        assert_eq!(r1.reviews, 3);
        // Differences 1, 1, 1, 0, 1.
        assert_eq!(r1.difference.count(), 5);
        assert!((r1.difference.mean().unwrap() - 0.8).abs() < 1e-12);
        assert_eq!(r1.lean, Lean::Lenient);
        assert_eq!(r1.cycles.len(), 2);
        assert_eq!(
            r1.reason(),
            "Across 3 reviews (5 domains) in 2 cycles, this reviewer's levels were on average 0.8 \
             levels above NHS England's moderated levels, and 0.8 levels away from them ignoring direction: lenient."
        );
        // Differences 0, -1, -1, 0, 0.
        let r2 = &all[1];
        assert!((r2.difference.mean().unwrap() + 0.4).abs() < 1e-12);
        assert_eq!(r2.lean, Lean::Even);
    }

    #[test]
    fn below_the_minimum_reviews_nothing_firm_is_said() {
        let all = reviewer_reliability(&[reviewed(1, &[(1, 3, 4)]), reviewed(1, &[(1, 3, 4)])]);
        assert_eq!(all[0].lean, Lean::TooFewReviews);
        assert!(
            all[0].reason().contains("too few reviews"),
            "{}",
            all[0].reason()
        );
    }

    #[test]
    fn unmoderated_reviews_do_not_count() {
        let mut evidence = reviewed(1, &[(4, 4, 3)]);
        evidence.domains[0].moderated_level = None;
        assert!(reviewer_reliability(&[evidence]).is_empty());
    }

    proptest! {
        #[test]
        fn a_reviewer_who_gives_the_moderated_levels_is_even(
            levels in proptest::collection::vec(proptest::collection::vec(1u8..=5, 1..10), 3..8),
        ) {
            let assessments: Vec<AssessmentEvidence> = levels
                .iter()
                .map(|domains| {
                    let triples: Vec<(u8, u8, u8)> = domains.iter().map(|&l| (l, 1, l)).collect();
                    reviewed(1, &triples)
                })
                .collect();
            let r1 = &reviewer_reliability(&assessments)[0];
            prop_assert_eq!(r1.lean, Lean::Even);
            prop_assert_eq!(r1.difference.mean_size(), Some(0.0));
        }

        #[test]
        fn the_lean_follows_the_sign_of_the_mean(
            domains in proptest::collection::vec((1u8..=5, 1u8..=5, 1u8..=5), 1..10),
            reviews in 1usize..6,
        ) {
            let assessments = vec![reviewed(1, &domains); reviews];
            for reviewer in reviewer_reliability(&assessments) {
                let mean = reviewer.difference.mean().unwrap();
                prop_assert!(reviewer.difference.mean_size().unwrap() >= mean.abs() - 1e-12);
                match reviewer.lean {
                    Lean::Lenient => prop_assert!(mean >= LEAN && reviews >= MIN_REVIEWS),
                    Lean::Harsh => prop_assert!(mean <= -LEAN && reviews >= MIN_REVIEWS),
                    Lean::Even => prop_assert!(mean.abs() < LEAN && reviews >= MIN_REVIEWS),
                    Lean::TooFewReviews => prop_assert!(reviews < MIN_REVIEWS),
                }
            }
        }
    }
}
