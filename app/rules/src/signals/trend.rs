//! A fall from last time: the trust's own levels below the final scores the organisation was
//! given in an earlier cycle. Maturity rarely goes backwards, and the earlier scores were
//! moderated, so a fall is a sign of scoring low, though a stricter framework or a real setback
//! explains some. A very large rise is the mirror image: worth a look (was the earlier score
//! gamed, or is this one generous?) but no sign of gaming, so it is a kind of its own.
//!
//! Earlier cycles run here give domain levels; results imported from before give only pillar
//! scores, so pillars are compared too.

use super::stats::Tally;
use super::{count, levels, list, score, AssessmentEvidence, Figure, Signal, SignalKind};
use crate::organisations::CareSetting;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A domain's fall speaks when it is this many levels: a single level is often one criterion read
/// more strictly.
pub const DOMAIN_FALL: f64 = 2.0;
/// A pillar's fall speaks when it is this much: half a level across a pillar is more than one
/// domain's slip.
pub const PILLAR_FALL: f64 = 0.5;
/// A domain's rise is worth a look when it is this many levels.
pub const DOMAIN_RISE: f64 = 2.0;
/// A pillar's rise is worth a look when it is this much: twice a fall's bar, since maturity is
/// expected to grow.
pub const PILLAR_RISE: f64 = 1.0;

/// An organisation's final scores from an earlier cycle, in one care setting.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PreviousScores {
    pub org_code: String,
    pub care_setting: CareSetting,
    /// Orders cycles as [`AssessmentEvidence::cycle`] does.
    pub cycle: i64,
    pub cycle_name: String,
    /// Final level per domain key; empty for results imported with pillar scores only.
    pub domains: BTreeMap<String, u8>,
    /// Final score per pillar key.
    pub pillars: BTreeMap<String, f64>,
}

/// The latest of `previous` from a cycle before `cycle`.
pub fn latest_before<'a>(
    previous: impl IntoIterator<Item = &'a PreviousScores>,
    cycle: i64,
) -> Option<&'a PreviousScores> {
    previous
        .into_iter()
        .filter(|scores| scores.cycle < cycle)
        .max_by_key(|scores| scores.cycle)
}

/// A domain's or pillar's score then and now.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Change {
    pub key: String,
    pub name: String,
    /// The final score in the earlier cycle.
    pub previous: f64,
    /// The trust's own score now.
    pub current: f64,
}

impl Change {
    /// Above zero a rise, below a fall.
    pub fn change(&self) -> f64 {
        self.current - self.previous
    }
}

/// The trust's own scores against its earlier final scores.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Trend {
    pub previous_cycle: String,
    /// The domains scored in both, in framework order.
    pub domains: Vec<Change>,
    /// The pillars scored in both, in framework order.
    pub pillars: Vec<Change>,
}

/// Compares the trust's own levels with `previous`.
pub fn trend(evidence: &AssessmentEvidence, previous: &PreviousScores) -> Trend {
    let domains = evidence
        .domains
        .iter()
        .filter_map(|domain| {
            Some(Change {
                key: domain.domain.clone(),
                name: domain.domain_name.clone(),
                previous: f64::from(*previous.domains.get(&domain.domain)?),
                current: f64::from(domain.self_level),
            })
        })
        .collect();
    let pillars = evidence
        .pillars
        .iter()
        .filter_map(|pillar| {
            let before = *previous.pillars.get(&pillar.key)?;
            let now = evidence
                .domains
                .iter()
                .filter(|d| d.pillar == pillar.key)
                .map(|d| f64::from(d.self_level))
                .collect::<Tally>()
                .mean()?;
            Some(Change {
                key: pillar.key.clone(),
                name: pillar.name.clone(),
                previous: before,
                current: now,
            })
        })
        .collect();
    Trend {
        previous_cycle: previous.cycle_name.clone(),
        domains,
        pillars,
    }
}

/// Which way a move goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Direction {
    Fall,
    Rise,
}

impl Direction {
    fn size(self, change: &Change) -> f64 {
        match self {
            Direction::Fall => -change.change(),
            Direction::Rise => change.change(),
        }
    }
}

impl Trend {
    /// What the fall signal says, when a domain fell [`DOMAIN_FALL`] or a pillar [`PILLAR_FALL`].
    /// Its strength is the mean fall over every domain compared (rises count as none), or over
    /// the pillars when only they were compared.
    pub fn fall_signal(&self) -> Option<Signal> {
        let (domains, pillars) = self.moves(Direction::Fall, DOMAIN_FALL, PILLAR_FALL);
        if domains.is_empty() && pillars.is_empty() {
            return None;
        }
        let (all_falls, _) = self.moves(Direction::Fall, 1.0, f64::INFINITY);
        let mean_fall = all_falls
            .iter()
            .map(|c| -c.change())
            .collect::<Tally>()
            .mean();
        let mut sentences = Vec::new();
        if let Some(mean) = mean_fall {
            let named: Vec<String> = largest_first(&all_falls)
                .iter()
                .map(|c| format!("{} ({} to {})", c.name, c.previous, c.current))
                .collect();
            sentences.push(format!(
                "The trust's own levels are below its final levels of {} in {} of {}, by {} on average. The largest falls: {}.",
                self.previous_cycle,
                all_falls.len(),
                count(self.domains.len(), "domain", "domains"),
                levels(mean),
                list(&named, 3)
            ));
        }
        if !pillars.is_empty() {
            let named: Vec<String> = largest_first(&pillars)
                .iter()
                .map(|c| {
                    format!(
                        "'{}' ({} to {})",
                        c.name,
                        score(c.previous),
                        score(c.current)
                    )
                })
                .collect();
            sentences.push(format!(
                "{} fell by {} or more from {}: {}.",
                if pillars.len() == 1 {
                    "One pillar"
                } else {
                    "Pillars"
                },
                levels(PILLAR_FALL),
                self.previous_cycle,
                list(&named, 3)
            ));
        }
        Some(Signal {
            kind: SignalKind::Fall,
            strength: self.mean_size(Direction::Fall),
            reason: sentences.join(" "),
            figures: vec![
                Figure::new("Compared with", self.previous_cycle.clone()),
                Figure::new(
                    "Domains below last time",
                    format!("{} of {}", all_falls.len(), self.domains.len()),
                ),
                Figure::new(
                    "Average fall of those domains",
                    mean_fall.map_or("none".into(), levels),
                ),
                Figure::new(
                    "Pillars down by half a level or more",
                    pillars.len().to_string(),
                ),
            ],
        })
    }

    /// What the rise signal says, when a domain rose [`DOMAIN_RISE`] or a pillar [`PILLAR_RISE`]:
    /// worth a look, not a sign of gaming. Its strength is the mean rise over every domain
    /// compared (falls count as none), or over the pillars when only they were compared.
    pub fn rise_signal(&self) -> Option<Signal> {
        let (domains, pillars) = self.moves(Direction::Rise, DOMAIN_RISE, PILLAR_RISE);
        if domains.is_empty() && pillars.is_empty() {
            return None;
        }
        let named: Vec<String> = largest_first(&domains)
            .iter()
            .map(|c| format!("{} ({} to {})", c.name, c.previous, c.current))
            .chain(largest_first(&pillars).iter().map(|c| {
                format!(
                    "pillar '{}' ({} to {})",
                    c.name,
                    score(c.previous),
                    score(c.current)
                )
            }))
            .collect();
        let mut how_many = Vec::new();
        if !domains.is_empty() {
            how_many.push(format!(
                "by {} or more in {}",
                levels(DOMAIN_RISE),
                count(domains.len(), "domain", "domains")
            ));
        }
        if !pillars.is_empty() {
            how_many.push(format!(
                "by {} or more in {}",
                levels(PILLAR_RISE),
                count(pillars.len(), "pillar", "pillars")
            ));
        }
        let reason = format!(
            "Worth a look, though no sign of gaming: since {} the trust's own scores rose {}: {}.",
            self.previous_cycle,
            how_many.join(" and "),
            list(&named, 4)
        );
        Some(Signal {
            kind: SignalKind::LargeRise,
            strength: self.mean_size(Direction::Rise),
            reason,
            figures: vec![
                Figure::new("Compared with", self.previous_cycle.clone()),
                Figure::new(
                    "Domains up by 2 levels or more",
                    format!("{} of {}", domains.len(), self.domains.len()),
                ),
                Figure::new("Pillars up by a level or more", pillars.len().to_string()),
            ],
        })
    }

    /// The domains and pillars that moved `direction` by at least the given amounts.
    fn moves(
        &self,
        direction: Direction,
        domain_at_least: f64,
        pillar_at_least: f64,
    ) -> (Vec<&Change>, Vec<&Change>) {
        let far = |at_least: f64| move |change: &&Change| direction.size(change) >= at_least;
        (
            self.domains.iter().filter(far(domain_at_least)).collect(),
            self.pillars.iter().filter(far(pillar_at_least)).collect(),
        )
    }

    /// The mean move in `direction` over the domains compared (moves the other way count as
    /// none), or over the pillars when no domain was.
    fn mean_size(&self, direction: Direction) -> f64 {
        let changes = if self.domains.is_empty() {
            &self.pillars
        } else {
            &self.domains
        };
        changes
            .iter()
            .map(|c| direction.size(c).max(0.0))
            .collect::<Tally>()
            .mean()
            .unwrap_or(0.0)
    }
}

/// Changes largest first; equal ones keep their framework order.
fn largest_first<'a>(changes: &[&'a Change]) -> Vec<&'a Change> {
    let mut sorted = changes.to_vec();
    sorted.sort_by(|a, b| b.change().abs().total_cmp(&a.change().abs()));
    sorted
}

#[cfg(test)]
mod tests {
    use super::super::test_evidence::{assessment, domain};
    use super::*;
    use proptest::prelude::*;

    fn previous(domains: &[(&str, u8)], pillars: &[(&str, f64)]) -> PreviousScores {
        PreviousScores {
            org_code: "T1".into(),
            care_setting: CareSetting::Acute,
            cycle: 1,
            cycle_name: "DMA 2025/26".into(),
            domains: domains.iter().map(|&(k, l)| (k.to_string(), l)).collect(),
            pillars: pillars.iter().map(|&(k, s)| (k.to_string(), s)).collect(),
        }
    }

    #[test]
    fn a_fall_of_two_levels_in_a_domain_speaks() {
        let evidence = assessment(vec![
            domain("a", "p1", 2, &[], None),
            domain("b", "p1", 3, &[], None),
            domain("c", "p2", 3, &[], None),
        ]);
        let trend = trend(&evidence, &previous(&[("a", 4), ("b", 3), ("c", 4)], &[]));
        let signal = trend.fall_signal().unwrap();
        // Falls of 2, 0 and 1 over three domains.
        assert_eq!(signal.strength, 1.0);
        assert_eq!(
            signal.reason,
            "The trust's own levels are below its final levels of DMA 2025/26 in 2 of 3 domains, \
             by 1.5 levels on average. The largest falls: Domain a (4 to 2) and Domain c (4 to 3)."
        );
        assert_eq!(trend.rise_signal(), None);
    }

    #[test]
    fn a_fall_of_one_level_alone_is_not_enough() {
        let evidence = assessment(vec![domain("a", "p1", 3, &[], None)]);
        let trend = trend(&evidence, &previous(&[("a", 4)], &[("p1", 3.2)]));
        assert_eq!(trend.fall_signal(), None);
    }

    #[test]
    fn imported_pillar_scores_are_compared_when_there_are_no_domain_levels() {
        let evidence = assessment(vec![
            domain("a", "p1", 2, &[], None),
            domain("b", "p1", 3, &[], None),
            domain("c", "p2", 3, &[], None),
        ]);
        let trend = trend(&evidence, &previous(&[], &[("p1", 3.25), ("p2", 3.0)]));
        assert!(trend.domains.is_empty());
        let signal = trend.fall_signal().unwrap();
        // Pillar p1 fell 0.75, p2 not at all.
        assert_eq!(signal.strength, 0.375);
        assert_eq!(
            signal.reason,
            "One pillar fell by 0.5 levels or more from DMA 2025/26: 'Pillar p1' (3.25 to 2.50)."
        );
    }

    #[test]
    fn a_large_rise_is_worth_a_look_not_gaming() {
        let evidence = assessment(vec![domain("a", "p1", 5, &[], None)]);
        let trend = trend(&evidence, &previous(&[("a", 2)], &[]));
        assert_eq!(trend.fall_signal(), None);
        let signal = trend.rise_signal().unwrap();
        assert_eq!(signal.kind.severity(), super::super::Severity::WorthALook);
        assert_eq!(signal.strength, 3.0);
        assert!(
            signal.reason.starts_with("Worth a look"),
            "{}",
            signal.reason
        );
    }

    #[test]
    fn the_latest_earlier_cycle_is_the_one_compared() {
        let mut first = previous(&[], &[]);
        let mut second = first.clone();
        let mut later = first.clone();
        first.cycle = 1;
        second.cycle = 3;
        later.cycle = 5;
        let all = [first, second, later];
        assert_eq!(latest_before(&all, 4).map(|s| s.cycle), Some(3));
        assert_eq!(latest_before(&all, 1), None);
    }

    fn build(levels: &[u8]) -> AssessmentEvidence {
        assessment(
            levels
                .iter()
                .enumerate()
                .map(|(i, &l)| {
                    domain(
                        &format!("d{i}"),
                        if i % 2 == 0 { "p1" } else { "p2" },
                        l,
                        &[],
                        None,
                    )
                })
                .collect(),
        )
    }

    fn as_previous(evidence: &AssessmentEvidence) -> PreviousScores {
        let domains = evidence
            .domains
            .iter()
            .map(|d| (d.domain.clone(), d.self_level))
            .collect();
        let pillars = evidence
            .pillars
            .iter()
            .filter_map(|p| {
                let mean = evidence
                    .domains
                    .iter()
                    .filter(|d| d.pillar == p.key)
                    .map(|d| f64::from(d.self_level))
                    .collect::<Tally>()
                    .mean()?;
                Some((p.key.clone(), mean))
            })
            .collect();
        PreviousScores {
            domains,
            pillars,
            ..previous(&[], &[])
        }
    }

    fn keys(changes: &[&Change]) -> Vec<String> {
        changes.iter().map(|c| c.key.clone()).collect()
    }

    proptest! {
        #[test]
        fn a_fall_one_way_is_the_same_rise_the_other_way(
            pairs in proptest::collection::vec((1u8..=5, 1u8..=5), 1..12),
            domain_at_least in 0.5f64..4.0,
            pillar_at_least in 0.1f64..4.0,
        ) {
            let (then, now): (Vec<u8>, Vec<u8>) = pairs.iter().copied().unzip();
            let (then, now) = (build(&then), build(&now));
            let forward = trend(&now, &as_previous(&then));
            let backward = trend(&then, &as_previous(&now));
            for (f, b) in forward.domains.iter().zip(&backward.domains) {
                prop_assert_eq!(f.change(), -b.change());
            }
            let (fall_d, fall_p) = forward.moves(Direction::Fall, domain_at_least, pillar_at_least);
            let (rise_d, rise_p) = backward.moves(Direction::Rise, domain_at_least, pillar_at_least);
            prop_assert_eq!(keys(&fall_d), keys(&rise_d));
            prop_assert_eq!(keys(&fall_p), keys(&rise_p));
            prop_assert!(
                (forward.mean_size(Direction::Fall) - backward.mean_size(Direction::Rise)).abs() < 1e-12
            );
        }

        #[test]
        fn nothing_changes_nothing_speaks(levels in proptest::collection::vec(1u8..=5, 1..12)) {
            let evidence = build(&levels);
            let trend = trend(&evidence, &as_previous(&evidence));
            prop_assert!(trend.fall_signal().is_none());
            prop_assert!(trend.rise_signal().is_none());
        }

        #[test]
        fn scoring_lower_now_never_weakens_the_fall(
            levels in proptest::collection::vec(1u8..=5, 1..12),
            which in any::<prop::sample::Index>(),
        ) {
            let evidence = build(&levels);
            let previous = as_previous(&build(&vec![5; levels.len()]));
            let mut lower = levels.clone();
            let i = which.index(lower.len());
            lower[i] = lower[i].saturating_sub(1).max(1);
            let before = trend(&evidence, &previous).mean_size(Direction::Fall);
            let after = trend(&build(&lower), &previous).mean_size(Direction::Fall);
            prop_assert!(after >= before);
        }
    }
}
