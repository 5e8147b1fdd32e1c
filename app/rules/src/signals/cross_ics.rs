//! The cross-ICS pattern: whether reviewers from one ICS are unusually lenient or harsh on the
//! organisations of another (reciprocity, or retaliation), tested against chance.
//!
//! A review's adjustment is its mean, over the domains, of the reviewer's level less the trust's.
//! The cell (reviewer ICS A, reviewed ICS B) is the mean adjustment of A's reviews of B. B's own
//! trusts may have under-scored, which raises every review of B, so a cell is judged against the
//! other reviews of B, not against zero: under the hypothesis of no pattern, any eligible reviewer
//! (anyone not from B) was as likely to do any of B's reviews. The permutation test re-draws who
//! did which of B's reviews many times, keeping how many each ICS did, and the p-value is the
//! share of re-draws whose cell is at least as far from B's mean as the one observed (counting
//! the observed one, so it is never 0). Each reviewed ICS draws from its own stream of the seeded
//! generator, so the result is the same for the same seed and data, whatever the order of input.
//!
//! Many cells are tested, so some fall below any threshold by chance: the result says how many
//! to expect. A cell flagged harsh may be retaliation or a stricter reading of the framework; a
//! lenient one may be reciprocity or one generous reviewer, which is why it says how many
//! reviewers the reviews came from.

use super::random::{keyed, SplitMix64};
use super::stats::Tally;
use super::{count, levels, AssessmentEvidence};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// How many re-draws by default: enough to tell p = 0.01 from p = 0.02.
pub const PERMUTATIONS: usize = 1_000;
/// A cell is flagged when its p-value is below this, by default.
pub const THRESHOLD: f64 = 0.01;
/// The fewest reviews in a cell before it is tested, by default: one or two reviews are one or
/// two people's reading of one or two trusts.
pub const MIN_REVIEWS: usize = 3;

/// How to run the test. Keep the seed with the result, so anyone can run it again.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CrossIcsPlan {
    pub seed: u64,
    pub permutations: usize,
    pub threshold: f64,
    pub min_reviews: usize,
}

impl CrossIcsPlan {
    /// The default plan with `seed`.
    pub fn new(seed: u64) -> CrossIcsPlan {
        CrossIcsPlan {
            seed,
            permutations: PERMUTATIONS,
            threshold: THRESHOLD,
            min_reviews: MIN_REVIEWS,
        }
    }
}

/// Which way a flagged cell leans.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Pattern {
    /// Higher than the other reviews of the same ICS.
    Lenient,
    /// Lower than the other reviews of the same ICS: harsh, perhaps retaliatory.
    Harsh,
}

/// Reviewers from one ICS on the organisations of another.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CrossIcsCell {
    pub reviewer_ics: String,
    pub reviewed_ics: String,
    pub reviews: usize,
    /// How many different reviewers did them.
    pub reviewers: usize,
    /// The mean adjustment of these reviews (reviewer less trust, levels).
    pub mean_adjustment: f64,
    /// The mean adjustment of every review of the reviewed ICS.
    pub reviewed_mean: f64,
    /// `None` when the cell has too few reviews to test.
    pub p_value: Option<f64>,
    /// `Some` when the p-value is below the plan's threshold.
    pub pattern: Option<Pattern>,
}

/// The matrix, every cell with at least one review, in order of reviewer ICS then reviewed ICS.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CrossIcs {
    pub plan: CrossIcsPlan,
    pub cells: Vec<CrossIcsCell>,
    /// How many cells had enough reviews to test.
    pub tested: usize,
    pub flagged: usize,
}

/// One review: who from where, and its adjustment.
struct Review<'a> {
    assessment: &'a str,
    reviewer: &'a str,
    reviewer_ics: &'a str,
    adjustment: f64,
}

/// Tests every pair of ICSs in `assessments` (any cycles). A review by someone from the reviewed
/// organisation's own ICS breaks the assignment rules and is left out.
pub fn cross_ics(assessments: &[AssessmentEvidence], plan: &CrossIcsPlan) -> CrossIcs {
    let mut by_reviewed: BTreeMap<&str, Vec<Review>> = BTreeMap::new();
    for assessment in assessments {
        for (position, reviewer) in assessment.reviewers.iter().enumerate() {
            if reviewer.ics_code == assessment.ics_code {
                continue;
            }
            let adjustment: Tally = assessment
                .domains
                .iter()
                .filter_map(|d| {
                    Some(f64::from(*d.reviewer_levels.get(position)?) - f64::from(d.self_level))
                })
                .collect();
            if let Some(adjustment) = adjustment.mean() {
                by_reviewed
                    .entry(&assessment.ics_code)
                    .or_default()
                    .push(Review {
                        assessment: &assessment.assessment_id,
                        reviewer: &reviewer.id,
                        reviewer_ics: &reviewer.ics_code,
                        adjustment,
                    });
            }
        }
    }
    let mut cells: Vec<CrossIcsCell> = by_reviewed
        .iter_mut()
        .flat_map(|(reviewed, reviews)| {
            // One order whatever the input's, so the same seed re-draws the same way.
            reviews.sort_by(|a, b| (a.assessment, a.reviewer).cmp(&(b.assessment, b.reviewer)));
            test_reviewed(reviewed, reviews, plan)
        })
        .collect();
    cells.sort_by(|a, b| {
        (&a.reviewer_ics, &a.reviewed_ics).cmp(&(&b.reviewer_ics, &b.reviewed_ics))
    });
    CrossIcs {
        plan: plan.clone(),
        tested: cells.iter().filter(|c| c.p_value.is_some()).count(),
        flagged: cells.iter().filter(|c| c.pattern.is_some()).count(),
        cells,
    }
}

/// The cells of one reviewed ICS, each reviewer ICS with enough reviews tested.
fn test_reviewed(reviewed: &str, reviews: &[Review], plan: &CrossIcsPlan) -> Vec<CrossIcsCell> {
    let groups: Vec<&str> = reviews
        .iter()
        .map(|r| r.reviewer_ics)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut labels: Vec<usize> = reviews
        .iter()
        .map(|r| groups.binary_search(&r.reviewer_ics).unwrap_or(0))
        .collect();
    let adjustments: Vec<f64> = reviews.iter().map(|r| r.adjustment).collect();
    let reviewed_mean = adjustments.iter().sum::<f64>() / adjustments.len() as f64;
    let sizes: Vec<usize> = (0..groups.len())
        .map(|g| labels.iter().filter(|&&l| l == g).count())
        .collect();
    let observed = cell_means(&labels, &adjustments, &sizes);
    let testable: Vec<bool> = sizes.iter().map(|&n| n >= plan.min_reviews).collect();
    let mut as_far = vec![0usize; groups.len()];
    if testable.contains(&true) {
        let mut rng = SplitMix64::new(keyed(plan.seed, reviewed));
        // A tiny allowance so that re-draws equal to the observed cell, up to rounding, count.
        let observed_distance: Vec<f64> = observed
            .iter()
            .map(|mean| (mean - reviewed_mean).abs() - 1e-12)
            .collect();
        for _ in 0..plan.permutations {
            rng.shuffle(&mut labels);
            let drawn = cell_means(&labels, &adjustments, &sizes);
            for g in 0..groups.len() {
                if testable[g] && (drawn[g] - reviewed_mean).abs() >= observed_distance[g] {
                    as_far[g] += 1;
                }
            }
        }
    }
    groups
        .iter()
        .enumerate()
        .map(|(g, reviewer_ics)| {
            let reviewers: BTreeSet<&str> = reviews
                .iter()
                .filter(|r| r.reviewer_ics == *reviewer_ics)
                .map(|r| r.reviewer)
                .collect();
            let p_value =
                testable[g].then(|| (as_far[g] + 1) as f64 / (plan.permutations + 1) as f64);
            let pattern = p_value.filter(|&p| p < plan.threshold).map(|_| {
                if observed[g] > reviewed_mean {
                    Pattern::Lenient
                } else {
                    Pattern::Harsh
                }
            });
            CrossIcsCell {
                reviewer_ics: reviewer_ics.to_string(),
                reviewed_ics: reviewed.to_string(),
                reviews: sizes[g],
                reviewers: reviewers.len(),
                mean_adjustment: observed[g],
                reviewed_mean,
                p_value,
                pattern,
            }
        })
        .collect()
}

/// The mean adjustment of each group's reviews, given each review's group.
fn cell_means(labels: &[usize], adjustments: &[f64], sizes: &[usize]) -> Vec<f64> {
    let mut sums = vec![0.0; sizes.len()];
    for (&label, &adjustment) in labels.iter().zip(adjustments) {
        sums[label] += adjustment;
    }
    sums.iter()
        .zip(sizes)
        .map(|(sum, &n)| sum / n.max(1) as f64)
        .collect()
}

impl CrossIcs {
    /// The test as a whole in words, with how many flags chance alone would give.
    pub fn summary(&self) -> String {
        let by_chance = self.tested as f64 * self.plan.threshold;
        format!(
            "Tested {} of ICSs with {} or more reviews, re-drawing who did which review {} times (seed {}). {} a pattern at p below {}; about {} would by chance alone.",
            count(self.tested, "pair", "pairs"),
            self.plan.min_reviews,
            self.plan.permutations,
            self.plan.seed,
            match self.flagged {
                0 => "None shows".to_string(),
                1 => "1 shows".to_string(),
                n => format!("{n} show"),
            },
            self.plan.threshold,
            (by_chance * 10.0).round() / 10.0
        )
    }
}

impl CrossIcsCell {
    /// The cell in words, for a cell that was tested.
    pub fn reason(&self) -> Option<String> {
        let p = self.p_value?;
        let by = |mean: f64| {
            if levels(mean) == "0 levels" {
                "the same as the organisations' own levels".to_string()
            } else if mean > 0.0 {
                format!("{} above the organisations' own levels", levels(mean))
            } else {
                format!("{} below the organisations' own levels", levels(mean))
            }
        };
        let finding = match self.pattern {
            Some(Pattern::Lenient) => format!(
                "More lenient than chance explains (p = {p:.3}): reciprocity, or generous reviewers."
            ),
            Some(Pattern::Harsh) => format!(
                "Harsher than chance explains (p = {p:.3}): retaliation, or a stricter reading of the framework. Compare how reviewers from {} scored organisations in {}.",
                self.reviewed_ics, self.reviewer_ics
            ),
            None => format!("Within what chance explains (p = {p:.3})."),
        };
        Some(format!(
            "Reviewers from {} scored organisations in {} on average {} over {} by {}, while all reviews of {} were on average {}. {finding}",
            self.reviewer_ics,
            self.reviewed_ics,
            by(self.mean_adjustment),
            count(self.reviews, "review", "reviews"),
            count(self.reviewers, "reviewer", "reviewers"),
            self.reviewed_ics,
            by(self.reviewed_mean),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_evidence::{assessment, domain};
    use super::super::Reviewer;
    use super::*;
    use proptest::prelude::*;

    /// An assessment in `reviewed` ICS scored 3 by the trust, reviewed from each `(ICS, level)`.
    fn review_of(reviewed: &str, id: usize, reviews: &[(&str, u8)]) -> AssessmentEvidence {
        let levels: Vec<u8> = reviews.iter().map(|&(_, level)| level).collect();
        let mut evidence = assessment(vec![domain("a", "p1", 3, &levels, None)]);
        evidence.assessment_id = format!("{reviewed}-{id}");
        evidence.ics_code = reviewed.into();
        evidence.reviewers = reviews
            .iter()
            .enumerate()
            .map(|(n, &(ics, _))| Reviewer {
                id: format!("{ics}-reviewer-{n}"),
                ics_code: ics.into(),
            })
            .collect();
        evidence
    }

    /// Twelve trusts in QB, each scoring itself 3: QA's one reviewer gives five of them 1, the
    /// other reviewers (QC, QD, QE) give 3 or 4 in turn.
    fn retaliation() -> Vec<AssessmentEvidence> {
        (0..12)
            .map(|i| {
                let first = if i < 5 {
                    ("QA", 1)
                } else {
                    ("QC", 3 + (i % 2) as u8)
                };
                let turn = 3 + (i / 2 % 2) as u8;
                let second = if i % 2 == 0 {
                    ("QD", turn)
                } else {
                    ("QE", turn)
                };
                review_of("QB", i, &[first, second])
            })
            .collect()
    }

    #[test]
    fn a_harsh_ics_is_flagged_and_the_others_are_not() {
        let result = cross_ics(&retaliation(), &CrossIcsPlan::new(7));
        let cell = |from: &str| {
            result
                .cells
                .iter()
                .find(|c| c.reviewer_ics == from && c.reviewed_ics == "QB")
                .unwrap()
        };
        let harsh = cell("QA");
        assert_eq!((harsh.reviews, harsh.reviewers), (5, 1));
        assert_eq!(harsh.mean_adjustment, -2.0);
        assert_eq!(harsh.pattern, Some(Pattern::Harsh));
        assert!(harsh.p_value.unwrap() < 0.01);
        assert_eq!(cell("QD").pattern, None);
        assert_eq!(
            harsh.reason().unwrap(),
            "Reviewers from QA scored organisations in QB on average 2 levels below the \
             organisations' own levels over 5 reviews by 1 reviewer, while all reviews of QB were \
             on average the same as the organisations' own levels. Harsher than chance explains \
             (p = 0.001): retaliation, or a stricter reading of the framework. Compare how \
             reviewers from QB scored organisations in QA."
        );
        assert_eq!(result.tested, 4);
        assert_eq!(result.flagged, 1);
    }

    #[test]
    fn too_few_reviews_are_not_tested() {
        let result = cross_ics(
            &[review_of("QB", 0, &[("QA", 1), ("QC", 3)])],
            &CrossIcsPlan::new(1),
        );
        assert!(result
            .cells
            .iter()
            .all(|c| c.p_value.is_none() && c.reason().is_none()));
        assert_eq!(result.tested, 0);
    }

    #[test]
    fn reviews_from_the_reviewed_ics_itself_are_left_out() {
        let result = cross_ics(&[review_of("QB", 0, &[("QB", 5)])], &CrossIcsPlan::new(1));
        assert!(result.cells.is_empty());
    }

    #[test]
    fn the_summary_says_what_chance_alone_would_give() {
        let result = cross_ics(&retaliation(), &CrossIcsPlan::new(7));
        assert_eq!(
            result.summary(),
            "Tested 4 pairs of ICSs with 3 or more reviews, re-drawing who did which review 1000 \
             times (seed 7). 1 shows a pattern at p below 0.01; about 0 would by chance alone."
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(32))]

        #[test]
        fn the_test_is_the_same_for_the_same_seed_and_p_is_a_probability(
            seed: u64,
            levels in proptest::collection::vec((0usize..4, 1u8..=5, 1u8..=5), 6..30),
        ) {
            let sources = ["QA", "QC", "QD", "QE"];
            let assessments: Vec<AssessmentEvidence> = levels
                .iter()
                .enumerate()
                .map(|(i, &(from, a, b))| {
                    review_of("QB", i, &[(sources[from], a), (sources[(from + 1) % 4], b)])
                })
                .collect();
            let plan = CrossIcsPlan { permutations: 200, ..CrossIcsPlan::new(seed) };
            let first = cross_ics(&assessments, &plan);
            let mut reversed = assessments.clone();
            reversed.reverse();
            prop_assert_eq!(&first, &cross_ics(&assessments, &plan));
            prop_assert_eq!(&first, &cross_ics(&reversed, &plan));
            for cell in &first.cells {
                if let Some(p) = cell.p_value {
                    prop_assert!(p > 0.0 && p <= 1.0);
                    prop_assert!(cell.reviews >= plan.min_reviews);
                }
                prop_assert_eq!(cell.pattern.is_some(), cell.p_value.is_some_and(|p| p < plan.threshold));
            }
        }
    }
}
