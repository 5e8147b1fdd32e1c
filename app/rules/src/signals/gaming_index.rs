//! The gaming index: per organisation, and per ICS, the gap between NHS England's moderated levels
//! and the organisations' own, cycle by cycle. One cycle's gap can be a misreading of the
//! framework; a gap that persists over cycles is a habit. The index is the mean gap (moderated
//! less self: above zero, the organisation scored itself low), how widely the gaps spread, and how
//! many domains it rests on, so a mean from three domains is not read like one from three
//! hundred.

use super::stats::Tally;
use super::{count, levels, AssessmentEvidence, Figure, Signal, SignalKind};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// An earlier gap speaks when its mean is at least a quarter of a level: a whole level in one
/// domain in four.
pub const HISTORY_GAP: f64 = 0.25;
/// …over at least this many moderated domains: about half of one assessment.
pub const HISTORY_DOMAINS: usize = 20;

/// What an index is of.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Subject {
    Organisation,
    /// All the assessments of organisations in the ICS, its ICB's own survey included.
    Ics,
}

/// The gap in one cycle.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CycleGap {
    pub cycle: i64,
    pub cycle_name: String,
    /// Moderated less self, per moderated domain: its count, mean and spread.
    pub gap: Tally,
}

/// One organisation's or ICS's gap between moderated and self levels over cycles.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GamingIndex {
    pub subject: Subject,
    /// The organisation's ODS code, or the ICB's.
    pub code: String,
    pub name: String,
    /// Oldest first.
    pub cycles: Vec<CycleGap>,
    /// Every cycle's gaps together.
    pub overall: Tally,
}

/// The gaming index of every organisation, or every ICS, with a moderated domain in
/// `assessments` (any cycles), in order of code.
pub fn gaming_index(assessments: &[AssessmentEvidence], subject: Subject) -> Vec<GamingIndex> {
    struct Group<'a> {
        name: &'a str,
        cycles: BTreeMap<i64, CycleGap>,
    }
    let mut groups: BTreeMap<&str, Group> = BTreeMap::new();
    for assessment in assessments {
        let (code, name) = match subject {
            Subject::Organisation => (&assessment.org_code, &assessment.org_name),
            Subject::Ics => (&assessment.ics_code, &assessment.ics_name),
        };
        let mut gaps = assessment
            .domains
            .iter()
            .filter_map(|d| Some(f64::from(d.moderated_level?) - f64::from(d.self_level)))
            .peekable();
        if gaps.peek().is_none() {
            continue;
        }
        let group = groups.entry(code).or_insert(Group {
            name,
            cycles: BTreeMap::new(),
        });
        let cycle = group
            .cycles
            .entry(assessment.cycle)
            .or_insert_with(|| CycleGap {
                cycle: assessment.cycle,
                cycle_name: assessment.cycle_name.clone(),
                gap: Tally::default(),
            });
        gaps.for_each(|gap| cycle.gap.add(gap));
    }
    groups
        .into_iter()
        .map(|(code, group)| {
            let cycles: Vec<CycleGap> = group.cycles.into_values().collect();
            GamingIndex {
                subject,
                code: code.to_string(),
                name: group.name.to_string(),
                overall: pooled(&cycles),
                cycles,
            }
        })
        .collect()
}

fn pooled<'a>(cycles: impl IntoIterator<Item = &'a CycleGap>) -> Tally {
    let mut all = Tally::default();
    for cycle in cycles {
        all.merge(&cycle.gap);
    }
    all
}

impl GamingIndex {
    /// The index in words, cycle by cycle.
    pub fn reason(&self) -> String {
        let whose = match self.subject {
            Subject::Organisation => "the organisation's own",
            Subject::Ics => "its organisations' own",
        };
        let (Some(mean), Some(spread)) = (self.overall.mean(), self.overall.spread()) else {
            return format!("{} has no moderated levels yet.", self.name);
        };
        let by_cycle: Vec<String> = self
            .cycles
            .iter()
            .filter_map(|c| {
                Some(format!(
                    "{}, {} ({})",
                    c.cycle_name,
                    gap_words(c.gap.mean()?),
                    count(c.gap.count(), "domain", "domains")
                ))
            })
            .collect();
        format!(
            "Across {}, NHS England's moderated levels for {} were on average {} {} (spread {}, over {}). By cycle: {}.",
            count(self.cycles.len(), "cycle", "cycles"),
            self.name,
            above_or_below(mean),
            whose,
            levels(spread),
            count(self.overall.count(), "domain", "domains"),
            by_cycle.join("; ")
        )
    }

    /// What the index says about an assessment in `cycle`: that in earlier cycles the moderated
    /// levels were on average at least [`HISTORY_GAP`] above the organisation's own, over at
    /// least [`HISTORY_DOMAINS`] domains. Its strength is that mean gap.
    pub fn history_signal(&self, cycle: i64) -> Option<Signal> {
        let earlier: Vec<&CycleGap> = self.cycles.iter().filter(|c| c.cycle < cycle).collect();
        let gap = pooled(earlier.iter().copied());
        let mean = gap.mean()?;
        if mean < HISTORY_GAP || gap.count() < HISTORY_DOMAINS {
            return None;
        }
        let spread = gap.spread().unwrap_or(0.0);
        Some(Signal {
            kind: SignalKind::GamingHistory,
            strength: mean,
            reason: format!(
                "In {} before this one, NHS England's moderated levels were on average {} the organisation's own (spread {}, over {}).",
                count(earlier.len(), "cycle", "cycles"),
                above_or_below(mean),
                levels(spread),
                count(gap.count(), "domain", "domains")
            ),
            figures: vec![
                Figure::new("Earlier cycles", earlier.len().to_string()),
                Figure::new("Mean gap, moderated less own", levels(mean)),
                Figure::new("Spread of the gaps", levels(spread)),
                Figure::new("Moderated domains", gap.count().to_string()),
            ],
        })
    }
}

/// "0.8 levels above", "0.3 levels below", "level with".
fn above_or_below(gap: f64) -> String {
    match gap_words(gap) {
        none if none == NO_GAP => "level with".to_string(),
        words => words,
    }
}

const NO_GAP: &str = "no gap";

/// "0.8 levels above", "0.3 levels below", "no gap".
fn gap_words(gap: f64) -> String {
    match levels(gap) {
        none if none == "0 levels" => NO_GAP.to_string(),
        amount if gap > 0.0 => format!("{amount} above"),
        amount => format!("{amount} below"),
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_evidence::{assessment, domain};
    use super::*;
    use proptest::prelude::*;

    fn moderated(cycle: i64, pairs: &[(u8, u8)]) -> AssessmentEvidence {
        let mut evidence = assessment(
            pairs
                .iter()
                .enumerate()
                .map(|(i, &(own, moderated))| {
                    domain(&format!("d{i}"), "p1", own, &[], Some(moderated))
                })
                .collect(),
        );
        evidence.cycle = cycle;
        evidence.cycle_name = format!("Cycle {cycle}");
        evidence
    }

    #[test]
    fn the_index_is_the_mean_and_spread_of_moderated_less_self_per_cycle() {
        let assessments = [
            moderated(1, &[(1, 3), (2, 2)]),
            moderated(2, &[(2, 3), (2, 3), (3, 3), (3, 3)]),
        ];
        let index = &gaming_index(&assessments, Subject::Organisation)[0];
        assert_eq!(index.cycles.len(), 2);
        assert_eq!(index.cycles[0].gap.mean(), Some(1.0));
        assert_eq!(index.cycles[0].gap.spread(), Some(1.0));
        assert_eq!(index.cycles[1].gap.mean(), Some(0.5));
        // Gaps 2, 0, 1, 1, 0, 0: mean 4 / 6.
        assert_eq!(index.overall.count(), 6);
        assert!((index.overall.mean().unwrap() - 4.0 / 6.0).abs() < 1e-12);
        assert_eq!(
            index.reason(),
            "Across 2 cycles, NHS England's moderated levels for Trust One were on average 0.7 \
             levels above the organisation's own (spread 0.7 levels, over 6 domains). By cycle: \
             Cycle 1, 1 level above (2 domains); Cycle 2, 0.5 levels above (4 domains)."
        );
    }

    #[test]
    fn an_ics_pools_its_organisations() {
        let mut other = moderated(1, &[(3, 2)]);
        other.org_code = "T2".into();
        let assessments = [moderated(1, &[(1, 3)]), other];
        let by_ics = gaming_index(&assessments, Subject::Ics);
        assert_eq!(by_ics.len(), 1);
        assert_eq!(by_ics[0].name, "ICS A");
        assert_eq!(by_ics[0].overall.mean(), Some(0.5));
        assert_eq!(gaming_index(&assessments, Subject::Organisation).len(), 2);
    }

    #[test]
    fn history_counts_only_earlier_cycles_and_needs_enough_domains() {
        let assessments = [
            moderated(1, &[(2, 3); HISTORY_DOMAINS]),
            moderated(2, &[(3, 3); HISTORY_DOMAINS]),
        ];
        let index = &gaming_index(&assessments, Subject::Organisation)[0];
        assert_eq!(index.history_signal(1), None);
        assert_eq!(index.history_signal(2).unwrap().strength, 1.0);
        // Cycles 1 and 2 together: 0.5.
        assert_eq!(index.history_signal(3).unwrap().strength, 0.5);
        let thin = [moderated(1, &[(2, 3); HISTORY_DOMAINS - 1])];
        assert_eq!(
            gaming_index(&thin, Subject::Organisation)[0].history_signal(2),
            None
        );
    }

    #[test]
    fn unmoderated_assessments_have_no_index() {
        let unmoderated = assessment(vec![domain("a", "p1", 2, &[3, 3], None)]);
        assert!(gaming_index(&[unmoderated], Subject::Organisation).is_empty());
    }

    proptest! {
        #[test]
        fn moderation_that_keeps_every_level_gives_a_zero_index(
            levels in proptest::collection::vec(1u8..=5, 1..30),
        ) {
            let pairs: Vec<(u8, u8)> = levels.iter().map(|&l| (l, l)).collect();
            let index = &gaming_index(&[moderated(1, &pairs)], Subject::Organisation)[0];
            prop_assert_eq!(index.overall.mean(), Some(0.0));
            prop_assert_eq!(index.overall.spread(), Some(0.0));
            prop_assert!(index.history_signal(2).is_none());
        }

        #[test]
        fn the_overall_index_is_the_domain_weighted_mean_of_the_cycles(
            first in proptest::collection::vec((1u8..=5, 1u8..=5), 1..20),
            second in proptest::collection::vec((1u8..=5, 1u8..=5), 1..20),
        ) {
            let index = &gaming_index(&[moderated(1, &first), moderated(2, &second)], Subject::Organisation)[0];
            let all: Tally = first.iter().chain(&second).map(|&(s, m)| f64::from(m) - f64::from(s)).collect();
            prop_assert_eq!(index.overall.count(), first.len() + second.len());
            prop_assert!((index.overall.mean().unwrap() - all.mean().unwrap()).abs() < 1e-9);
            prop_assert!((index.overall.spread().unwrap() - all.spread().unwrap()).abs() < 1e-9);
        }
    }
}
