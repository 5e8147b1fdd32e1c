//! Scores: a domain's maturity level from which criteria are met, a pillar's as the mean of its
//! domains, and the overall score as the weighted mean of the pillars.
//!
//! Levels are cumulative gates: a domain reaches level 3 only if every criterion of levels 2 and 3
//! is met, however many level 4 criteria are also met. Level 1 is the floor every domain starts at.

use super::framework::{Domain, Framework};
use super::organisations::CareSetting;
use serde::{Deserialize, Serialize};

/// The score of a domain with no level's criteria met.
pub const FLOOR_LEVEL: u8 = 1;
/// The highest level a domain can reach.
pub const TOP_LEVEL: u8 = 5;

/// The highest level from 1 to 5 whose criteria, and those of every level below it, are all met.
/// `met` says whether the criterion with that key is met; an unanswered criterion is not met.
///
/// Expects a validated framework (levels 2 to 5, each with criteria): a level the domain does not
/// define would otherwise count as met.
pub fn domain_score(met: impl Fn(&str) -> bool, domain: &Domain) -> u8 {
    (FLOOR_LEVEL + 1..=TOP_LEVEL)
        .take_while(|&target| {
            domain
                .levels
                .iter()
                .filter(|level| level.level == target)
                .flat_map(|level| &level.criteria)
                .all(|criterion| met(&criterion.key))
        })
        .last()
        .unwrap_or(FLOOR_LEVEL)
}

/// The mean of a pillar's domain scores; `None` when no domain of the pillar applies.
pub fn pillar_score(domain_scores: &[u8]) -> Option<f64> {
    if domain_scores.is_empty() {
        return None;
    }
    let total: f64 = domain_scores.iter().map(|&score| f64::from(score)).sum();
    Some(total / domain_scores.len() as f64)
}

/// The mean of pillar scores weighted by `(weight, score)`; `None` when there are no pillars or
/// their weights add up to nothing.
pub fn overall_score(pillars: &[(f64, f64)]) -> Option<f64> {
    let total_weight: f64 = pillars.iter().map(|&(weight, _)| weight).sum();
    let weighted_total: f64 = pillars.iter().map(|&(weight, score)| weight * score).sum();
    (total_weight > 0.0).then(|| weighted_total / total_weight)
}

/// Every score of one assessment, in framework order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AssessmentScores {
    /// `(domain key, level)` for each domain that applies to the care setting.
    pub domains: Vec<(String, u8)>,
    /// `(pillar key, mean of its domains)` for each pillar with at least one domain that applies.
    pub pillars: Vec<(String, f64)>,
    /// The weighted mean of the pillars; `None` when no domain applies to the care setting.
    pub overall: Option<f64>,
}

impl AssessmentScores {
    /// The score of the pillar with this key; `None` when none of its domains applies.
    pub fn pillar(&self, key: &str) -> Option<f64> {
        self.pillars
            .iter()
            .find(|(pillar, _)| pillar == key)
            .map(|(_, score)| *score)
    }

    /// The level of the domain with this key; `None` when it does not apply.
    pub fn domain(&self, key: &str) -> Option<u8> {
        self.domains
            .iter()
            .find(|(domain, _)| domain == key)
            .map(|(_, score)| *score)
    }
}

/// Scores an assessment in `setting`, counting only the domains that apply to it, so a pillar
/// with none of them neither scores nor drags the overall score down.
pub fn score_assessment(
    framework: &Framework,
    setting: CareSetting,
    met: impl Fn(&str) -> bool,
) -> AssessmentScores {
    let mut domains = Vec::new();
    let mut pillars = Vec::new();
    let mut weighted_pillars = Vec::new();
    for pillar in &framework.pillars {
        let scores: Vec<u8> = pillar
            .domains
            .iter()
            .filter(|domain| domain.applies_to(setting))
            .map(|domain| {
                let score = domain_score(&met, domain);
                domains.push((domain.key.clone(), score));
                score
            })
            .collect();
        if let Some(score) = pillar_score(&scores) {
            pillars.push((pillar.key.clone(), score));
            weighted_pillars.push((pillar.weight, score));
        }
    }
    AssessmentScores {
        domains,
        pillars,
        overall: overall_score(&weighted_pillars),
    }
}

/// A score to one decimal place, halves rounded up ("2.25" shows as "2.3"), as in the
/// spreadsheets people compare these results with.
pub fn round_for_display(score: f64) -> String {
    format!("{:.1}", (score * 10.0).round() / 10.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{DEFAULT_FRAMEWORK, SMALL_FRAMEWORK};
    use crate::framework::{parse_framework, Criterion, Level};
    use proptest::prelude::*;
    use std::collections::HashSet;

    /// A domain whose level `n` has `criteria_per_level[n - 2]` criteria keyed "c{n}-{i}".
    fn domain_with(criteria_per_level: [usize; 4]) -> Domain {
        let levels = (2..=5u8)
            .zip(criteria_per_level)
            .map(|(level, count)| Level {
                level,
                summary: format!("Level {level}"),
                criteria: (0..count)
                    .map(|index| Criterion {
                        key: format!("c{level}-{index}"),
                        text: "Something is done.".into(),
                        evidence: "A document.".into(),
                    })
                    .collect(),
            })
            .collect();
        Domain {
            key: "domain".into(),
            name: "Domain".into(),
            description: String::new(),
            care_settings: vec!["Acute".into()],
            levels,
        }
    }

    /// The keys of the criteria of levels 2 to `top`.
    fn keys_up_to(domain: &Domain, top: u8) -> HashSet<String> {
        domain
            .levels
            .iter()
            .filter(|level| level.level <= top)
            .flat_map(|level| &level.criteria)
            .map(|criterion| criterion.key.clone())
            .collect()
    }

    fn score_with(domain: &Domain, met: &HashSet<String>) -> u8 {
        domain_score(|key| met.contains(key), domain)
    }

    fn assert_close(actual: f64, expected: f64) {
        assert!(
            (actual - expected).abs() < 1e-9,
            "{actual} is not {expected}"
        );
    }

    #[test]
    fn a_domain_with_nothing_met_scores_the_floor() {
        assert_eq!(domain_score(|_| false, &domain_with([2, 2, 2, 2])), 1);
    }

    #[test]
    fn a_domain_with_everything_met_scores_five() {
        assert_eq!(domain_score(|_| true, &domain_with([2, 2, 2, 2])), 5);
    }

    #[test]
    fn a_domain_stops_at_the_first_level_not_fully_met() {
        let domain = domain_with([1, 2, 1, 1]);
        let mut met = keys_up_to(&domain, 5);
        met.remove("c3-1");
        assert_eq!(score_with(&domain, &met), 2);
    }

    #[test]
    fn higher_levels_do_not_count_without_the_levels_below() {
        let domain = domain_with([1, 1, 1, 1]);
        let met: HashSet<String> = ["c3-0", "c4-0", "c5-0"].map(String::from).into();
        assert_eq!(score_with(&domain, &met), 1);
    }

    #[test]
    fn an_unanswered_criterion_counts_as_not_met() {
        let domain = domain_with([1, 1, 1, 1]);
        let answers: Vec<(&str, bool)> = vec![("c2-0", true), ("c3-0", true), ("c5-0", true)];
        let met = |key: &str| answers.iter().any(|&(k, yes)| k == key && yes);
        assert_eq!(domain_score(met, &domain), 3);
    }

    #[test]
    fn a_pillar_scores_the_mean_of_its_domains() {
        assert_eq!(pillar_score(&[1, 2, 3, 4]), Some(2.5));
        assert_eq!(pillar_score(&[5]), Some(5.0));
    }

    #[test]
    fn a_pillar_with_no_domains_has_no_score() {
        assert_eq!(pillar_score(&[]), None);
    }

    #[test]
    fn the_overall_score_weights_each_pillar() {
        assert_close(overall_score(&[(2.0, 3.0), (1.0, 1.0)]).unwrap(), 7.0 / 3.0);
    }

    #[test]
    fn there_is_no_overall_score_without_pillars_or_weight() {
        assert_eq!(overall_score(&[]), None);
        assert_eq!(overall_score(&[(0.0, 3.0), (0.0, 4.0)]), None);
    }

    #[test]
    fn an_assessment_scores_only_the_domains_of_its_care_setting() {
        let framework = parse_framework(SMALL_FRAMEWORK).unwrap();
        let met: HashSet<&str> = ["strategy-2a", "strategy-3a", "infra-2a", "infra-3a"].into();
        let met = |key: &str| met.contains(key);

        let icb = score_assessment(&framework, CareSetting::Icb, met);
        assert_eq!(icb.domains, [("digital-strategy".to_string(), 3)]);
        assert_eq!(icb.pillars, [("well-led".to_string(), 3.0)]);
        assert_eq!(icb.overall, Some(3.0));

        let acute = score_assessment(&framework, CareSetting::Acute, met);
        assert_eq!(
            acute.domains,
            [
                ("digital-strategy".to_string(), 3),
                ("infrastructure".to_string(), 2)
            ]
        );
        assert_eq!(
            acute.pillars,
            [
                ("well-led".to_string(), 3.0),
                ("smart-foundations".to_string(), 2.0)
            ]
        );
        // Well Led weighs 2, Smart Foundations 1.
        assert_close(acute.overall.unwrap(), 8.0 / 3.0);
    }

    #[test]
    fn an_assessment_with_no_domains_for_its_setting_has_no_overall_score() {
        let framework = parse_framework(SMALL_FRAMEWORK).unwrap();
        let framework = Framework {
            pillars: framework.pillars[..1].to_vec(),
            ..framework
        };
        let community = score_assessment(&framework, CareSetting::Community, |_| true);
        assert_eq!(
            community,
            AssessmentScores {
                domains: vec![],
                pillars: vec![],
                overall: None
            }
        );
    }

    #[test]
    fn the_default_framework_scores_five_with_everything_met_and_one_with_nothing() {
        let framework = parse_framework(DEFAULT_FRAMEWORK).unwrap();
        for setting in CareSetting::ALL {
            let best = score_assessment(&framework, setting, |_| true);
            assert!(!best.domains.is_empty(), "no domains for {setting}");
            assert!(best.domains.iter().all(|&(_, score)| score == 5));
            assert_eq!(best.overall, Some(5.0), "{setting}");

            let worst = score_assessment(&framework, setting, |_| false);
            assert!(worst.domains.iter().all(|&(_, score)| score == 1));
            assert_eq!(worst.overall, Some(1.0), "{setting}");
        }
    }

    #[test]
    fn the_default_framework_scores_each_setting_on_its_own_domains() {
        let framework = parse_framework(DEFAULT_FRAMEWORK).unwrap();
        for setting in CareSetting::ALL {
            let scores = score_assessment(&framework, setting, |_| false);
            let expected: Vec<&str> = framework
                .domains_for(setting)
                .map(|(_, domain)| domain.key.as_str())
                .collect();
            let scored: Vec<&str> = scores.domains.iter().map(|(key, _)| key.as_str()).collect();
            assert_eq!(scored, expected, "{setting}");
        }
    }

    #[test]
    fn scores_display_to_one_decimal_place_with_halves_rounded_up() {
        assert_eq!(round_for_display(2.5), "2.5");
        assert_eq!(round_for_display(3.0), "3.0");
        assert_eq!(round_for_display(2.25), "2.3");
        assert_eq!(round_for_display(8.0 / 3.0), "2.7");
        assert_eq!(round_for_display(4.96), "5.0");
    }

    /// A valid domain shape: one to four criteria at each level.
    fn any_domain() -> impl Strategy<Value = Domain> {
        [1usize..=4, 1usize..=4, 1usize..=4, 1usize..=4].prop_map(domain_with)
    }

    /// Which criteria are met, by position in the domain (at most 16 criteria).
    fn any_answers() -> impl Strategy<Value = Vec<bool>> {
        proptest::collection::vec(any::<bool>(), 16)
    }

    fn met_keys(domain: &Domain, answers: &[bool]) -> HashSet<String> {
        domain
            .criteria()
            .zip(answers)
            .filter(|&(_, &yes)| yes)
            .map(|(criterion, _)| criterion.key.clone())
            .collect()
    }

    proptest! {
        #[test]
        fn a_domain_score_is_always_a_level_from_one_to_five(
            domain in any_domain(),
            answers in any_answers(),
        ) {
            let score = score_with(&domain, &met_keys(&domain, &answers));
            prop_assert!((1..=5).contains(&score));
        }

        #[test]
        fn meeting_more_criteria_never_lowers_a_domain_score(
            domain in any_domain(),
            answers in any_answers(),
            more in any_answers(),
        ) {
            let fewer = met_keys(&domain, &answers);
            let more: Vec<bool> = answers.iter().zip(&more).map(|(a, b)| *a || *b).collect();
            let more = met_keys(&domain, &more);
            prop_assert!(score_with(&domain, &more) >= score_with(&domain, &fewer));
        }

        #[test]
        fn meeting_exactly_the_levels_up_to_k_scores_k(domain in any_domain(), k in 1u8..=5) {
            prop_assert_eq!(score_with(&domain, &keys_up_to(&domain, k)), k);
        }

        #[test]
        fn a_pillar_score_lies_between_its_lowest_and_highest_domain(
            scores in proptest::collection::vec(1u8..=5, 1..20),
        ) {
            let mean = pillar_score(&scores).unwrap();
            let lowest = f64::from(*scores.iter().min().unwrap());
            let highest = f64::from(*scores.iter().max().unwrap());
            prop_assert!(lowest - 1e-9 <= mean && mean <= highest + 1e-9);
        }

        #[test]
        fn an_overall_score_lies_between_its_lowest_and_highest_pillar(
            pillars in proptest::collection::vec((0.01f64..100.0, 1.0f64..=5.0), 1..10),
        ) {
            let overall = overall_score(&pillars).unwrap();
            let lowest = pillars.iter().map(|&(_, s)| s).fold(f64::INFINITY, f64::min);
            let highest = pillars.iter().map(|&(_, s)| s).fold(f64::NEG_INFINITY, f64::max);
            prop_assert!(lowest - 1e-9 <= overall && overall <= highest + 1e-9);
        }

        #[test]
        fn equal_weights_give_the_plain_mean(
            weight in 0.01f64..100.0,
            scores in proptest::collection::vec(1.0f64..=5.0, 1..10),
        ) {
            let weighted: Vec<(f64, f64)> = scores.iter().map(|&s| (weight, s)).collect();
            let mean = scores.iter().sum::<f64>() / scores.len() as f64;
            prop_assert!((overall_score(&weighted).unwrap() - mean).abs() < 1e-9);
        }

        #[test]
        fn every_score_of_the_default_framework_stays_within_one_to_five(
            answers in proptest::collection::vec(any::<bool>(), 484),
            setting in proptest::sample::select(CareSetting::ALL.to_vec()),
        ) {
            let framework = parse_framework(DEFAULT_FRAMEWORK).unwrap();
            let met: HashSet<&str> = framework
                .pillars
                .iter()
                .flat_map(|pillar| &pillar.domains)
                .flat_map(|domain| domain.criteria())
                .zip(&answers)
                .filter(|&(_, &yes)| yes)
                .map(|(criterion, _)| criterion.key.as_str())
                .collect();
            let scores = score_assessment(&framework, setting, |key| met.contains(key));
            prop_assert!(scores.domains.iter().all(|&(_, s)| (1..=5).contains(&s)));
            prop_assert!(scores.pillars.iter().all(|&(_, s)| (1.0..=5.0).contains(&s)));
            let overall = scores.overall.unwrap();
            prop_assert!((1.0..=5.0).contains(&overall));
        }
    }
}
