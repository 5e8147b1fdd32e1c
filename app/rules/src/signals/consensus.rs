//! Agreement with the peer consensus: how far the self-assessment as a whole sits from what the
//! reviewers agreed, domain by domain. Like a workshop that grades each assessment by its distance
//! from the best one, the yardstick here is the reviewers' consensus (the median of their levels),
//! and the measure is the mean distance, either way, across every reviewed domain. Unlike
//! under-scoring it has no direction, so over-scoring shows too; the domains that contribute most
//! are named, as that is where a moderator looks first.

use super::stats::Tally;
use super::AssessmentEvidence;
use super::{count, levels, list, Figure, Signal, SignalKind};
use serde::{Deserialize, Serialize};

/// The signal speaks when the mean distance is at least half a level: on average every other
/// domain a whole level from the consensus.
pub const MEAN_DISTANCE: f64 = 0.5;
/// How many of the furthest domains are named.
pub const FURTHEST: usize = 3;

/// One domain's distance from the consensus.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DomainDistance {
    pub domain: String,
    pub domain_name: String,
    pub self_level: u8,
    pub consensus: f64,
    /// The consensus less the trust's level: above zero, the trust scored below the consensus.
    pub distance: f64,
}

/// The self-assessment against the reviewers' consensus.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConsensusDistance {
    /// How many domains were reviewed.
    pub domains: usize,
    /// The mean distance, either way.
    pub mean_distance: f64,
    /// The mean of the signed distances: above zero, the trust is below the consensus overall.
    pub mean_signed: f64,
    /// The [`FURTHEST`] furthest domains, furthest first (equal ones in framework order).
    pub furthest: Vec<DomainDistance>,
}

/// How far `evidence`'s self levels sit from its reviewers' consensus; `None` before any review.
pub fn consensus_distance(evidence: &AssessmentEvidence) -> Option<ConsensusDistance> {
    let mut distances: Vec<DomainDistance> = evidence
        .domains
        .iter()
        .filter_map(|domain| {
            let consensus = domain.consensus()?;
            Some(DomainDistance {
                domain: domain.domain.clone(),
                domain_name: domain.domain_name.clone(),
                self_level: domain.self_level,
                consensus,
                distance: consensus - f64::from(domain.self_level),
            })
        })
        .collect();
    let tally: Tally = distances.iter().map(|d| d.distance).collect();
    let (mean_signed, mean_distance) = (tally.mean()?, tally.mean_size()?);
    distances.sort_by(|a, b| b.distance.abs().total_cmp(&a.distance.abs()));
    distances.truncate(FURTHEST);
    Some(ConsensusDistance {
        domains: tally.count(),
        mean_distance,
        mean_signed,
        furthest: distances,
    })
}

impl ConsensusDistance {
    /// What the signal says, when the mean distance is at least [`MEAN_DISTANCE`]. Its strength
    /// is the mean distance.
    pub fn signal(&self) -> Option<Signal> {
        if self.mean_distance < MEAN_DISTANCE {
            return None;
        }
        let which_way = if self.mean_signed > 0.0 {
            format!("mostly below it ({} on balance)", levels(self.mean_signed))
        } else if self.mean_signed < 0.0 {
            format!("mostly above it ({} on balance)", levels(self.mean_signed))
        } else {
            "as much above it as below".to_string()
        };
        let named: Vec<String> = self
            .furthest
            .iter()
            .filter(|d| d.distance != 0.0)
            .map(|d| {
                format!(
                    "{} (the trust {}, the reviewers {})",
                    d.domain_name, d.self_level, d.consensus
                )
            })
            .collect();
        Some(Signal {
            kind: SignalKind::FarFromConsensus,
            strength: self.mean_distance,
            reason: format!(
                "Across {} reviewed, the trust's own levels are on average {} from the reviewers' consensus (the median of their levels), {}. Furthest: {}.",
                count(self.domains, "domain", "domains"),
                levels(self.mean_distance),
                which_way,
                list(&named, FURTHEST)
            ),
            figures: vec![
                Figure::new("Mean distance from the consensus", levels(self.mean_distance)),
                Figure::new(
                    "Trust below the consensus on balance by",
                    levels_signed(self.mean_signed),
                ),
                Figure::new("Domains reviewed", self.domains.to_string()),
            ],
        })
    }
}

/// A signed amount of levels: "0.5 levels", "-0.5 levels".
fn levels_signed(amount: f64) -> String {
    if amount < 0.0 && levels(amount) != "0 levels" {
        format!("-{}", levels(amount))
    } else {
        levels(amount)
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_evidence::{assessment, domain};
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_distance_is_the_mean_either_way_and_names_the_furthest() {
        let evidence = assessment(vec![
            domain("a", "p1", 1, &[3, 3], None), // 2 below
            domain("b", "p1", 4, &[3, 3], None), // 1 above
            domain("c", "p2", 2, &[3, 4], None), // 1.5 below
            domain("d", "p2", 3, &[3, 3], None), // agrees
        ]);
        let result = consensus_distance(&evidence).unwrap();
        assert_eq!(result.domains, 4);
        assert_eq!(result.mean_distance, 1.125);
        assert_eq!(result.mean_signed, 0.625);
        let furthest: Vec<&str> = result.furthest.iter().map(|d| d.domain.as_str()).collect();
        assert_eq!(furthest, ["a", "c", "b"]);
        let signal = result.signal().unwrap();
        assert_eq!(signal.strength, 1.125);
        assert_eq!(
            signal.reason,
            "Across 4 domains reviewed, the trust's own levels are on average 1.1 levels from the \
             reviewers' consensus (the median of their levels), mostly below it (0.6 levels on \
             balance). Furthest: Domain a (the trust 1, the reviewers 3), Domain c (the trust 2, \
             the reviewers 3.5) and Domain b (the trust 4, the reviewers 3)."
        );
    }

    #[test]
    fn a_small_distance_says_nothing_and_no_review_gives_no_distance() {
        let close = assessment(vec![
            domain("a", "p1", 3, &[3, 4], None),
            domain("b", "p1", 3, &[3, 3], None),
        ]);
        assert_eq!(consensus_distance(&close).unwrap().mean_distance, 0.25);
        assert_eq!(consensus_distance(&close).unwrap().signal(), None);
        let unreviewed = assessment(vec![domain("a", "p1", 3, &[], None)]);
        assert_eq!(consensus_distance(&unreviewed), None);
    }

    proptest! {
        #[test]
        fn the_distance_is_zero_exactly_when_everyone_agrees(
            domains in proptest::collection::vec((1u8..=5, 1u8..=5), 1..12),
        ) {
            let evidence = assessment(
                domains
                    .iter()
                    .enumerate()
                    .map(|(i, &(own, reviewers))| domain(&format!("d{i}"), "p1", own, &[reviewers, reviewers], None))
                    .collect(),
            );
            let result = consensus_distance(&evidence).unwrap();
            let agree = domains.iter().all(|(own, reviewers)| own == reviewers);
            prop_assert_eq!(result.mean_distance == 0.0, agree);
            prop_assert!(result.mean_distance >= result.mean_signed.abs() - 1e-12);
            prop_assert!(result.furthest.len() <= FURTHEST);
            for pair in result.furthest.windows(2) {
                prop_assert!(pair[0].distance.abs() >= pair[1].distance.abs());
            }
            prop_assert_eq!(result.signal().is_some(), result.mean_distance >= MEAN_DISTANCE);
        }
    }
}
