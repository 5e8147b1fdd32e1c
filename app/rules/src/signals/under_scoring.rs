//! Under-scoring: the reviewers found more than the trust claimed. The most direct sign of a trust
//! scoring itself low on purpose, since reviewers from other ICSs judged the same criteria against
//! the same evidence. One lenient reviewer proves little on their own, so the signal says whether
//! the reviewers agree, and its strength counts only what every reviewer found.

use super::stats::Tally;
use super::{count, levels, score, AssessmentEvidence, DomainScores, Figure, Signal, SignalKind};
use crate::scoring::overall_score;
use serde::{Deserialize, Serialize};

/// Reviewers agree on a domain when every one of them scored it above the trust and they are
/// within this many levels of each other.
pub const AGREEMENT_SPREAD: u8 = 1;
/// The signal speaks when the reviewers' consensus puts the overall score this far above the
/// trust's: a quarter of a level is a whole level in about one domain in four.
pub const OVERALL_GAP: f64 = 0.25;
/// …or one pillar's score this far above: half a level across a pillar is more than one domain's
/// slip.
pub const PILLAR_GAP: f64 = 0.5;

/// One domain: the trust's level against the reviewers'.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DomainGap {
    pub domain: String,
    pub domain_name: String,
    pub pillar: String,
    pub self_level: u8,
    /// The median of the reviewers' levels.
    pub consensus: f64,
    /// The consensus less the trust's level: above zero, the reviewers scored higher.
    pub gap: f64,
    pub reviewers: usize,
    pub reviewers_above: usize,
    /// The highest reviewer's level less the lowest's.
    pub spread: u8,
    /// Two or more reviewers, every one above the trust, within [`AGREEMENT_SPREAD`] of each other.
    pub agreed: bool,
    /// How far the lowest reviewer is above the trust (0 when not above): what every reviewer
    /// found.
    pub agreed_gap: f64,
}

/// One pillar, over its reviewed domains.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PillarGap {
    pub pillar: String,
    pub pillar_name: String,
    pub self_score: f64,
    /// The mean of the domains' consensus levels.
    pub consensus_score: f64,
    pub gap: f64,
    pub domains: usize,
    pub domains_above: usize,
    pub domains_agreed: usize,
}

/// The overall score, weighted by pillar as the framework weighs it, over the reviewed domains.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OverallGap {
    pub self_score: f64,
    pub consensus_score: f64,
    pub gap: f64,
}

/// The reviewers' levels against the trust's, per domain, pillar and overall.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UnderScoring {
    /// The reviewed domains, in framework order.
    pub domains: Vec<DomainGap>,
    /// The pillars with a reviewed domain, in framework order.
    pub pillars: Vec<PillarGap>,
    /// `None` before any review.
    pub overall: Option<OverallGap>,
    /// The mean over reviewed domains of [`DomainGap::agreed_gap`]: the signal's strength.
    pub agreed_gap: f64,
}

/// Compares the trust's levels with its reviewers', wherever a domain has been reviewed.
pub fn under_scoring(evidence: &AssessmentEvidence) -> UnderScoring {
    let domains: Vec<DomainGap> = evidence.domains.iter().filter_map(domain_gap).collect();
    let mut pillars = Vec::new();
    let mut weighted_self = Vec::new();
    let mut weighted_consensus = Vec::new();
    for pillar in &evidence.pillars {
        let gaps: Vec<&DomainGap> = domains.iter().filter(|g| g.pillar == pillar.key).collect();
        if gaps.is_empty() {
            continue;
        }
        let n = gaps.len() as f64;
        let self_score = gaps.iter().map(|g| f64::from(g.self_level)).sum::<f64>() / n;
        let consensus_score = gaps.iter().map(|g| g.consensus).sum::<f64>() / n;
        weighted_self.push((pillar.weight, self_score));
        weighted_consensus.push((pillar.weight, consensus_score));
        pillars.push(PillarGap {
            pillar: pillar.key.clone(),
            pillar_name: pillar.name.clone(),
            self_score,
            consensus_score,
            gap: consensus_score - self_score,
            domains: gaps.len(),
            domains_above: gaps.iter().filter(|g| g.gap > 0.0).count(),
            domains_agreed: gaps.iter().filter(|g| g.agreed).count(),
        });
    }
    let overall = match (
        overall_score(&weighted_self),
        overall_score(&weighted_consensus),
    ) {
        (Some(self_score), Some(consensus_score)) => Some(OverallGap {
            self_score,
            consensus_score,
            gap: consensus_score - self_score,
        }),
        _ => None,
    };
    let agreed_gap = domains
        .iter()
        .map(|g| g.agreed_gap)
        .collect::<Tally>()
        .mean()
        .unwrap_or(0.0);
    UnderScoring {
        domains,
        pillars,
        overall,
        agreed_gap,
    }
}

fn domain_gap(domain: &DomainScores) -> Option<DomainGap> {
    let consensus = domain.consensus()?;
    let lowest = *domain.reviewer_levels.iter().min()?;
    let highest = *domain.reviewer_levels.iter().max()?;
    let own = domain.self_level;
    let reviewers = domain.reviewer_levels.len();
    Some(DomainGap {
        domain: domain.domain.clone(),
        domain_name: domain.domain_name.clone(),
        pillar: domain.pillar.clone(),
        self_level: own,
        consensus,
        gap: consensus - f64::from(own),
        reviewers,
        reviewers_above: domain.reviewer_levels.iter().filter(|&&l| l > own).count(),
        spread: highest - lowest,
        agreed: reviewers >= 2 && lowest > own && highest - lowest <= AGREEMENT_SPREAD,
        agreed_gap: f64::from(lowest.saturating_sub(own)),
    })
}

impl UnderScoring {
    /// What the signal says, when the reviewers put the overall score [`OVERALL_GAP`] or a
    /// pillar's [`PILLAR_GAP`] above the trust's. Its strength is [`UnderScoring::agreed_gap`].
    pub fn signal(&self) -> Option<Signal> {
        let overall = self.overall.as_ref()?;
        if overall.gap < OVERALL_GAP && self.pillars.iter().all(|p| p.gap < PILLAR_GAP) {
            return None;
        }
        let above: Vec<&DomainGap> = self.domains.iter().filter(|g| g.gap > 0.0).collect();
        let agreed = above.iter().filter(|g| g.agreed).count();
        let mean_above = above.iter().map(|g| g.gap).collect::<Tally>().mean();
        let mut reason = match mean_above {
            Some(mean) => format!(
                "Reviewers scored {} of {} higher than the trust did, by {} on average. ",
                above.len(),
                count(self.domains.len(), "domain", "domains"),
                levels(mean)
            ),
            None => "Reviewers scored no domain higher than the trust did. ".to_string(),
        };
        reason += &match agreed {
            0 if !above.is_empty() => "On none of them were all the reviewers higher and within a level of each other, so they do not agree. ".to_string(),
            0 => String::new(),
            n if n == above.len() => "On every one, all the reviewers were higher and within a level of each other. ".to_string(),
            n => format!("On {n} of them, all the reviewers were higher and within a level of each other. "),
        };
        reason += &format!(
            "Overall, the reviewers' consensus comes to {} against the trust's {}.",
            score(overall.consensus_score),
            score(overall.self_score)
        );
        let widest = self
            .pillars
            .iter()
            .filter(|p| p.gap > 0.0)
            .max_by(|a, b| a.gap.total_cmp(&b.gap));
        if let Some(pillar) = widest {
            reason += &format!(
                " The widest gap is in pillar '{}': {} of {} higher, the pillar {} higher.",
                pillar.pillar_name,
                pillar.domains_above,
                count(pillar.domains, "domain", "domains"),
                levels(pillar.gap)
            );
        }
        Some(Signal {
            kind: SignalKind::UnderScoring,
            strength: self.agreed_gap,
            reason,
            figures: vec![
                Figure::new(
                    "Domains scored higher by reviewers",
                    format!("{} of {}", above.len(), self.domains.len()),
                ),
                Figure::new(
                    "Average amount higher",
                    mean_above.map_or("none".into(), levels),
                ),
                Figure::new("Domains where the reviewers agree", agreed.to_string()),
                Figure::new("Overall score, trust", score(overall.self_score)),
                Figure::new(
                    "Overall score, reviewers' consensus",
                    score(overall.consensus_score),
                ),
                Figure::new(
                    "Found by every reviewer, per domain",
                    levels(self.agreed_gap),
                ),
            ],
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_evidence::{assessment, domain};
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn self_one_with_reviewers_three_and_three_is_two_levels_under_with_agreement() {
        let analysis = under_scoring(&assessment(vec![domain("a", "p1", 1, &[3, 3], None)]));
        let gap = &analysis.domains[0];
        assert_eq!(gap.consensus, 3.0);
        assert_eq!(gap.gap, 2.0);
        assert_eq!(gap.reviewers_above, 2);
        assert!(gap.agreed);
        assert_eq!(gap.agreed_gap, 2.0);
        assert_eq!(analysis.overall.as_ref().unwrap().gap, 2.0);
        let signal = analysis.signal().unwrap();
        assert_eq!(signal.strength, 2.0);
        assert_eq!(
            signal.reason,
            "Reviewers scored 1 of 1 domain higher than the trust did, by 2 levels on average. \
             On every one, all the reviewers were higher and within a level of each other. \
             Overall, the reviewers' consensus comes to 3.00 against the trust's 1.00. \
             The widest gap is in pillar 'Pillar p1': 1 of 1 domain higher, the pillar 2 levels higher."
        );
    }

    #[test]
    fn one_lenient_reviewer_is_not_agreement() {
        // Self 2; reviewers 4 and 2: consensus 3, one above, no agreement, nothing found by both.
        let analysis = under_scoring(&assessment(vec![domain("a", "p1", 2, &[4, 2], None)]));
        let gap = &analysis.domains[0];
        assert_eq!(gap.gap, 1.0);
        assert_eq!(gap.reviewers_above, 1);
        assert!(!gap.agreed);
        assert_eq!(gap.agreed_gap, 0.0);
        let signal = analysis.signal().unwrap();
        assert_eq!(signal.strength, 0.0);
        assert!(
            signal.reason.contains("so they do not agree"),
            "{}",
            signal.reason
        );
    }

    #[test]
    fn reviewers_far_apart_do_not_agree_even_when_both_are_above() {
        let analysis = under_scoring(&assessment(vec![domain("a", "p1", 1, &[2, 5], None)]));
        assert!(!analysis.domains[0].agreed);
        assert_eq!(analysis.domains[0].agreed_gap, 1.0);
    }

    #[test]
    fn pillars_and_overall_follow_the_framework_weights() {
        let mut evidence = assessment(vec![
            domain("a", "p1", 2, &[3, 3], None),
            domain("b", "p1", 2, &[2, 2], None),
            domain("c", "p2", 3, &[3, 3], None),
        ]);
        evidence.pillars[0].weight = 3.0;
        let analysis = under_scoring(&evidence);
        assert_eq!(analysis.pillars[0].gap, 0.5);
        assert_eq!(analysis.pillars[0].domains_above, 1);
        assert_eq!(analysis.pillars[1].gap, 0.0);
        // (3 × 0.5 + 1 × 0) / 4.
        assert!((analysis.overall.as_ref().unwrap().gap - 0.375).abs() < 1e-12);
        // A pillar half a level higher is enough to speak.
        assert!(analysis.signal().is_some());
    }

    #[test]
    fn unreviewed_domains_are_left_out_and_an_unreviewed_assessment_says_nothing() {
        let analysis = under_scoring(&assessment(vec![
            domain("a", "p1", 1, &[], None),
            domain("b", "p2", 3, &[3, 3], None),
        ]));
        assert_eq!(analysis.domains.len(), 1);
        assert_eq!(analysis.pillars.len(), 1);
        let none = under_scoring(&assessment(vec![domain("a", "p1", 1, &[], None)]));
        assert_eq!(none.overall, None);
        assert_eq!(none.signal(), None);
    }

    #[test]
    fn reviewers_below_the_trust_are_not_under_scoring() {
        let analysis = under_scoring(&assessment(vec![domain("a", "p1", 4, &[2, 3], None)]));
        assert_eq!(analysis.domains[0].gap, -1.5);
        assert_eq!(analysis.signal(), None);
    }

    fn any_domains() -> impl Strategy<Value = Vec<(u8, Vec<u8>, bool)>> {
        proptest::collection::vec(
            (
                1u8..=5,
                proptest::collection::vec(1u8..=5, 0..4),
                any::<bool>(),
            ),
            1..12,
        )
    }

    fn build(domains: &[(u8, Vec<u8>, bool)]) -> AssessmentEvidence {
        assessment(
            domains
                .iter()
                .enumerate()
                .map(|(i, (own, reviewers, first_pillar))| {
                    let pillar = if *first_pillar { "p1" } else { "p2" };
                    domain(&format!("d{i}"), pillar, *own, reviewers, None)
                })
                .collect(),
        )
    }

    proptest! {
        #[test]
        fn no_signal_when_the_reviewers_give_the_trusts_own_levels(
            levels in proptest::collection::vec((1u8..=5, 1usize..4), 1..12),
        ) {
            let evidence = assessment(
                levels
                    .iter()
                    .enumerate()
                    .map(|(i, &(level, reviewers))| {
                        domain(&format!("d{i}"), "p1", level, &vec![level; reviewers], Some(level))
                    })
                    .collect(),
            );
            let analysis = under_scoring(&evidence);
            prop_assert_eq!(analysis.agreed_gap, 0.0);
            prop_assert!(analysis.signal().is_none());
        }

        #[test]
        fn raising_a_reviewers_level_never_lowers_the_under_scoring(
            domains in any_domains(),
            which in any::<prop::sample::Index>(),
        ) {
            let before = under_scoring(&build(&domains));
            let mut raised = domains.clone();
            let reviewed: Vec<usize> =
                (0..raised.len()).filter(|&i| !raised[i].1.is_empty()).collect();
            prop_assume!(!reviewed.is_empty());
            let target = reviewed[which.index(reviewed.len())];
            let reviewer = which.index(raised[target].1.len());
            let level = &mut raised[target].1[reviewer];
            *level = (*level + 1).min(5);
            let after = under_scoring(&build(&raised));
            for (b, a) in before.domains.iter().zip(&after.domains) {
                prop_assert!(a.gap >= b.gap && a.agreed_gap >= b.agreed_gap);
            }
            for (b, a) in before.pillars.iter().zip(&after.pillars) {
                prop_assert!(a.gap >= b.gap - 1e-12);
            }
            let (b, a) = (before.overall.unwrap(), after.overall.unwrap());
            prop_assert!(a.gap >= b.gap - 1e-12);
            prop_assert!(after.agreed_gap >= before.agreed_gap - 1e-12);
        }

        #[test]
        fn the_strength_is_never_more_than_the_mean_gap_above(domains in any_domains()) {
            let analysis = under_scoring(&build(&domains));
            let positive: f64 = analysis.domains.iter().map(|g| g.gap.max(0.0)).sum();
            let n = analysis.domains.len().max(1) as f64;
            prop_assert!(analysis.agreed_gap >= 0.0);
            prop_assert!(analysis.agreed_gap <= positive / n + 1e-12);
        }
    }
}
