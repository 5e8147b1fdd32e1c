//! Far below similar organisations: a self score well below what the other organisations in the
//! same care setting gave themselves for that domain this cycle.
//!
//! Low maturity is common and honest, so the bar is high and robust: the self level must be at
//! least [`FAR_BELOW_Z`] robust standard deviations below the others' median (1.4826 × their
//! median absolute deviation), and at least [`SHARE_HIGHER`] of them must have scored higher.
//! Medians, because a few gamers in the cohort should not move the yardstick. Levels are whole
//! numbers, so most of a cohort often gives the same level and the MAD is 0; the spread is then
//! taken as [`MIN_SPREAD`], so that one level below a cohort that almost all agrees counts, but
//! only when nearly all of it scored higher.

use super::stats::LevelCounts;
use super::{count, levels, list, AssessmentEvidence, Figure, Signal, SignalKind};
use crate::organisations::CareSetting;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// The fewest other organisations a domain is compared with: below this nothing is said. England
/// has ten ambulance trusts, the smallest care setting, so eight others still lets each be
/// compared with its peers; with fewer, a single organisation is more than an eighth of the
/// yardstick, the MAD rests on three or four values, and "nine in ten scored higher" would rest on
/// a handful.
pub const MIN_COHORT: usize = 8;
/// How many robust standard deviations below the median is "far below": about the lowest 2% of a
/// normal spread.
pub const FAR_BELOW_Z: f64 = 2.0;
/// The least spread a cohort is taken to have, in levels: half a level, the smallest step a
/// cohort median of whole levels takes.
pub const MIN_SPREAD: f64 = 0.5;
/// The share of the cohort that must have scored higher.
pub const SHARE_HIGHER: f64 = 0.9;
/// Turns a MAD into an estimate of the standard deviation of normally spread scores.
const MAD_TO_SD: f64 = 1.4826;

/// The self levels of one cycle's assessments, per care setting and domain.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Cohorts {
    levels: BTreeMap<CareSetting, BTreeMap<String, LevelCounts>>,
    /// The assessments counted, so an assessment is never compared with itself.
    members: BTreeSet<String>,
}

/// Counts the self levels of `assessments`, which should all be of one cycle.
pub fn cohorts(assessments: &[AssessmentEvidence]) -> Cohorts {
    let mut cohorts = Cohorts::default();
    for assessment in assessments {
        if !cohorts.members.insert(assessment.assessment_id.clone()) {
            continue;
        }
        let by_domain = cohorts.levels.entry(assessment.care_setting).or_default();
        for domain in &assessment.domains {
            by_domain
                .entry(domain.domain.clone())
                .or_default()
                .add(domain.self_level);
        }
    }
    cohorts
}

/// Where one self level stands among the others'.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DomainStanding {
    pub domain: String,
    pub domain_name: String,
    pub self_level: u8,
    /// How many others it is compared with.
    pub others: usize,
    pub median: f64,
    pub mad: f64,
    /// Distance from the median in robust standard deviations; below zero is below it.
    pub robust_z: f64,
    /// The share of the others that scored higher, from 0 to 1.
    pub share_higher: f64,
    pub far_below: bool,
}

/// An assessment's self levels against its care setting's.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SimilarOrganisations {
    pub care_setting: CareSetting,
    /// The domains with at least [`MIN_COHORT`] others, in framework order.
    pub compared: Vec<DomainStanding>,
    /// How many domains had too few others to compare with.
    pub too_few: usize,
}

/// Compares each self level of `evidence` with the other assessments' in `cohorts` of its care
/// setting.
pub fn compare_with_similar(
    evidence: &AssessmentEvidence,
    cohorts: &Cohorts,
) -> SimilarOrganisations {
    let counted = cohorts.members.contains(&evidence.assessment_id);
    let by_domain = cohorts.levels.get(&evidence.care_setting);
    let mut compared = Vec::new();
    let mut too_few = 0;
    for domain in &evidence.domains {
        let own = domain.self_level;
        let others = by_domain
            .and_then(|levels| levels.get(&domain.domain))
            .map(|all| if counted { all.without(own) } else { *all })
            .filter(|others| others.total() >= MIN_COHORT);
        let figures = others.and_then(|others| {
            Some((
                others.total(),
                others.median()?,
                others.mad()?,
                others.share_above(own)?,
            ))
        });
        let Some((others, median, mad, share_higher)) = figures else {
            too_few += 1;
            continue;
        };
        let robust_z = (f64::from(own) - median) / (MAD_TO_SD * mad).max(MIN_SPREAD);
        compared.push(DomainStanding {
            domain: domain.domain.clone(),
            domain_name: domain.domain_name.clone(),
            self_level: own,
            others,
            median,
            mad,
            robust_z,
            share_higher,
            far_below: robust_z <= -FAR_BELOW_Z && share_higher >= SHARE_HIGHER,
        });
    }
    SimilarOrganisations {
        care_setting: evidence.care_setting,
        compared,
        too_few,
    }
}

impl SimilarOrganisations {
    /// What the signal says, when a domain is far below. Its strength is how far below the
    /// median the far-below domains are, in levels, spread over every domain compared.
    pub fn signal(&self) -> Option<Signal> {
        let far: Vec<&DomainStanding> = self.compared.iter().filter(|d| d.far_below).collect();
        if far.is_empty() {
            return None;
        }
        let strength = far
            .iter()
            .map(|d| d.median - f64::from(d.self_level))
            .sum::<f64>()
            / self.compared.len() as f64;
        let named: Vec<String> = far
            .iter()
            .map(|d| {
                format!(
                    "{} (the trust {}, the {} others' median {})",
                    d.domain_name,
                    d.self_level,
                    d.others,
                    levels_number(d.median)
                )
            })
            .collect();
        let mut reason = format!(
            "In {} of {} compared, at least 9 in 10 other {} assessments this cycle scored higher than the trust, and the trust is at least {} below their median: {}.",
            far.len(),
            count(self.compared.len(), "domain", "domains"),
            self.care_setting,
            levels(MIN_SPREAD * FAR_BELOW_Z),
            list(&named, 3)
        );
        if self.too_few > 0 {
            reason += &format!(
                " {} had fewer than {MIN_COHORT} others to compare with, so nothing is said about {}.",
                count(self.too_few, "domain", "domains"),
                if self.too_few == 1 { "it" } else { "them" }
            );
        }
        Some(Signal {
            kind: SignalKind::FarBelowSimilar,
            strength,
            reason,
            figures: vec![
                Figure::new(
                    "Domains far below similar organisations",
                    format!("{} of {}", far.len(), self.compared.len()),
                ),
                Figure::new("Care setting", self.care_setting.label()),
                Figure::new(
                    "Domains with too few others to compare",
                    self.too_few.to_string(),
                ),
            ],
        })
    }
}

/// A median as shown: "3" or "3.5".
fn levels_number(median: f64) -> String {
    if median.fract() == 0.0 {
        format!("{median:.0}")
    } else {
        format!("{median:.1}")
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_evidence::{assessment, domain};
    use super::*;
    use proptest::prelude::*;

    /// The trust ("A1", self level `own`) and others with the given levels, all in domain "a".
    fn cohort_of(own: u8, others: &[u8]) -> (AssessmentEvidence, Cohorts) {
        let trust = assessment(vec![domain("a", "p1", own, &[], None)]);
        let mut everyone = vec![trust.clone()];
        for (i, &level) in others.iter().enumerate() {
            let mut other = assessment(vec![domain("a", "p1", level, &[], None)]);
            other.assessment_id = format!("other-{i}");
            everyone.push(other);
        }
        (trust, cohorts(&everyone))
    }

    #[test]
    fn one_level_below_a_cohort_that_all_agrees_is_far_below() {
        // Ten others at 3: median 3, MAD 0, so the spread is taken as half a level: z = -2.
        let (trust, cohorts) = cohort_of(2, &[3; 10]);
        let result = compare_with_similar(&trust, &cohorts);
        let standing = &result.compared[0];
        assert_eq!(
            (standing.others, standing.median, standing.mad),
            (10, 3.0, 0.0)
        );
        assert_eq!(standing.robust_z, -2.0);
        assert_eq!(standing.share_higher, 1.0);
        assert!(standing.far_below);
        let signal = result.signal().unwrap();
        assert_eq!(signal.strength, 1.0);
        assert_eq!(
            signal.reason,
            "In 1 of 1 domain compared, at least 9 in 10 other Acute assessments this cycle scored \
             higher than the trust, and the trust is at least 1 level below their median: Domain a \
             (the trust 2, the 10 others' median 3)."
        );
    }

    #[test]
    fn the_trusts_own_level_is_not_part_of_its_yardstick() {
        // Counting itself the cohort would be eleven; the trust is compared with the ten others.
        let (trust, cohorts) = cohort_of(1, &[4, 4, 4, 4, 4, 3, 3, 3, 5, 5]);
        let standing = &compare_with_similar(&trust, &cohorts).compared[0];
        assert_eq!(standing.others, 10);
        assert_eq!(standing.median, 4.0);
    }

    #[test]
    fn a_widely_spread_cohort_needs_a_much_larger_gap() {
        // Median 3, MAD 1: a robust SD of 1.48, so level 1 is only 1.35 below.
        let (trust, cohorts) = cohort_of(1, &[2, 2, 3, 3, 3, 4, 4, 5, 5, 2]);
        let result = compare_with_similar(&trust, &cohorts);
        assert_eq!(result.compared[0].mad, 1.0);
        assert!(!result.compared[0].far_below);
        assert_eq!(result.signal(), None);
    }

    #[test]
    fn a_level_that_many_others_share_is_not_far_below() {
        // Median 4 and MAD 0, but two of ten others also gave level 2: only 8 in 10 scored higher.
        let (trust, cohorts) = cohort_of(2, &[4, 4, 4, 4, 4, 4, 4, 4, 2, 2]);
        let standing = &compare_with_similar(&trust, &cohorts).compared[0];
        assert!(standing.robust_z <= -FAR_BELOW_Z);
        assert_eq!(standing.share_higher, 0.8);
        assert!(!standing.far_below);
    }

    #[test]
    fn below_the_minimum_cohort_nothing_is_said() {
        let (trust, cohorts) = cohort_of(1, &[5; MIN_COHORT - 1]);
        let result = compare_with_similar(&trust, &cohorts);
        assert!(result.compared.is_empty());
        assert_eq!(result.too_few, 1);
        assert_eq!(result.signal(), None);
    }

    #[test]
    fn other_care_settings_are_not_similar() {
        let (mut trust, cohorts) = cohort_of(1, &[5; 20]);
        trust.assessment_id = "elsewhere".into();
        trust.care_setting = CareSetting::Community;
        assert_eq!(compare_with_similar(&trust, &cohorts).too_few, 1);
    }

    proptest! {
        #[test]
        fn the_signal_never_speaks_below_the_minimum_cohort(
            own in 1u8..=5,
            others in proptest::collection::vec(1u8..=5, 0..MIN_COHORT),
        ) {
            let (trust, cohorts) = cohort_of(own, &others);
            let result = compare_with_similar(&trust, &cohorts);
            prop_assert!(result.compared.is_empty());
            prop_assert!(result.signal().is_none());
        }

        #[test]
        fn far_below_means_below_the_median_and_at_most_one_in_ten_as_high(
            own in 1u8..=5,
            others in proptest::collection::vec(1u8..=5, MIN_COHORT..40),
        ) {
            let (trust, cohorts) = cohort_of(own, &others);
            let result = compare_with_similar(&trust, &cohorts);
            let standing = &result.compared[0];
            if standing.far_below {
                prop_assert!(f64::from(own) < standing.median);
                let as_high = others.iter().filter(|&&l| l <= own).count();
                prop_assert!(as_high as f64 <= 0.1 * others.len() as f64 + 1e-9);
                prop_assert!(result.signal().unwrap().strength > 0.0);
            }
        }

        #[test]
        fn scoring_lower_never_makes_a_domain_less_far_below(
            own in 2u8..=5,
            others in proptest::collection::vec(1u8..=5, MIN_COHORT..40),
        ) {
            let (higher, cohorts) = cohort_of(own, &others);
            let (lower, lower_cohorts) = cohort_of(own - 1, &others);
            let at_own = &compare_with_similar(&higher, &cohorts).compared[0];
            let below = &compare_with_similar(&lower, &lower_cohorts).compared[0];
            prop_assert!(below.robust_z <= at_own.robust_z);
            prop_assert!(!at_own.far_below || below.far_below);
        }
    }
}
