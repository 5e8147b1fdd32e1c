//! Gaming signals: patterns in the scores that suggest a trust scored itself low to attract
//! funding, or that a reviewer, or the reviewers of one ICS, score others unfairly. They show
//! reviewers and moderators where to look, and order the moderation queue.
//!
//! Each signal is a pure function of plain data the store fills ([`AssessmentEvidence`],
//! [`PreviousScores`]), and says in plain words what it rests on, with the numbers behind it
//! ([`Signal`]). No signal ever changes a score: a signal is a reason to look, not a finding.
//!
//! - [`under_scoring`]: the reviewers scored higher than the trust, and whether they agree.
//! - [`cohort`]: a self score far below what similar organisations gave themselves this cycle.
//! - [`trend`]: a fall from the organisation's previous final scores (or a large rise, worth a
//!   look but no sign of gaming).
//! - [`consensus`]: how far the self-assessment sits from the reviewers' consensus.
//! - [`gaming_index`]: per organisation and per ICS, the gap between self and moderated scores
//!   over cycles.
//! - [`reliability`]: per reviewer, how far their scores sit from the moderated outcome.
//! - [`cross_ics`]: whether reviewers from one ICS are unusually lenient or harsh on another,
//!   tested against chance.
//! - [`risk_queue`]: assessments in order of risk, with a random audit sample.

pub mod cohort;
pub mod consensus;
pub mod cross_ics;
pub mod gaming_index;
pub mod random;
pub mod reliability;
pub mod risk_queue;
pub mod stats;
pub mod trend;
pub mod under_scoring;

#[cfg(test)]
mod test_evidence;

use super::organisations::CareSetting;
use super::results::two_decimals;
use cohort::Cohorts;
use gaming_index::GamingIndex;
use serde::{Deserialize, Serialize};
use stats::LevelCounts;
use std::collections::BTreeMap;
use trend::PreviousScores;

/// One assessment's levels, as far as they go: the trust's own, each reviewer's, NHS England's.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AssessmentEvidence {
    pub assessment_id: String,
    /// The trust's (or ICB's) ODS code.
    pub org_code: String,
    pub org_name: String,
    /// The ICB of the ICS the organisation is assessed in, in the cycle's frozen hierarchy.
    pub ics_code: String,
    pub ics_name: String,
    pub care_setting: CareSetting,
    /// Orders cycles in time: a later cycle has a larger number (the store's cycle id).
    pub cycle: i64,
    pub cycle_name: String,
    /// The framework's pillars, in framework order.
    pub pillars: Vec<PillarInfo>,
    /// The reviewers who submitted a review, in the order they were assigned.
    pub reviewers: Vec<Reviewer>,
    /// The domains that apply to the care setting, in framework order.
    pub domains: Vec<DomainScores>,
}

/// A pillar as the overall score needs it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PillarInfo {
    pub key: String,
    pub name: String,
    /// Its weight in the overall score.
    pub weight: f64,
}

/// A peer reviewer of an assessment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reviewer {
    pub id: String,
    /// The ICB of the ICS the reviewer works in.
    pub ics_code: String,
}

/// One domain's levels in one assessment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DomainScores {
    pub domain: String,
    pub domain_name: String,
    /// The key of the domain's pillar.
    pub pillar: String,
    pub self_level: u8,
    /// Each reviewer's level, in the order of the assessment's reviewers (a submitted review
    /// scores every domain).
    pub reviewer_levels: Vec<u8>,
    /// NHS England's level, once moderated.
    pub moderated_level: Option<u8>,
}

impl DomainScores {
    /// The reviewers' consensus: the median of their levels, so one reviewer far from the others
    /// moves it least. `None` before any review.
    pub fn consensus(&self) -> Option<f64> {
        LevelCounts::of(&self.reviewer_levels).median()
    }
}

/// What a signal is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum SignalKind {
    /// The reviewers scored higher than the trust did.
    UnderScoring,
    /// Self scores far below those of similar organisations this cycle.
    FarBelowSimilar,
    /// Self scores below the organisation's previous final scores.
    Fall,
    /// Self scores far above the organisation's previous final scores.
    LargeRise,
    /// Self scores far from the reviewers' consensus, either way.
    FarFromConsensus,
    /// Moderated scores above the organisation's own in earlier cycles.
    GamingHistory,
}

impl SignalKind {
    pub const ALL: [SignalKind; 6] = [
        SignalKind::UnderScoring,
        SignalKind::FarBelowSimilar,
        SignalKind::Fall,
        SignalKind::LargeRise,
        SignalKind::FarFromConsensus,
        SignalKind::GamingHistory,
    ];

    /// The signal's name as shown.
    pub fn label(self) -> &'static str {
        match self {
            SignalKind::UnderScoring => "Reviewers scored higher",
            SignalKind::FarBelowSimilar => "Far below similar organisations",
            SignalKind::Fall => "A fall from last time",
            SignalKind::LargeRise => "A large rise from last time",
            SignalKind::FarFromConsensus => "Far from the reviewers' consensus",
            SignalKind::GamingHistory => "Scored below moderation before",
        }
    }

    pub fn severity(self) -> Severity {
        match self {
            SignalKind::LargeRise => Severity::WorthALook,
            _ => Severity::Concern,
        }
    }
}

/// How to read a signal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Severity {
    /// A possible sign of gaming.
    Concern,
    /// Worth a look, but no sign of gaming in itself.
    WorthALook,
}

/// A number behind a signal, as shown: "Domains scored higher by reviewers", "12 of 47".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Figure {
    pub label: String,
    pub value: String,
}

impl Figure {
    fn new(label: &str, value: impl Into<String>) -> Figure {
        Figure {
            label: label.to_string(),
            value: value.into(),
        }
    }
}

/// Something a signal has to say about an assessment.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Signal {
    pub kind: SignalKind,
    /// How strong it is, in levels per domain (each kind says of what), for ranking: 0 or more.
    pub strength: f64,
    /// What it rests on, in plain English.
    pub reason: String,
    pub figures: Vec<Figure>,
}

/// Every signal with something to say about one assessment.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AssessmentSignals {
    pub assessment_id: String,
    pub org_name: String,
    pub signals: Vec<Signal>,
}

/// The signals about one assessment: its reviews, how it compares with `cohorts` (this cycle's
/// assessments), with `previous` (the organisation's latest earlier final scores in the same care
/// setting) and with `history` (the organisation's gaming index, of which only earlier cycles
/// count).
pub fn assessment_signals(
    evidence: &AssessmentEvidence,
    cohorts: &Cohorts,
    previous: Option<&PreviousScores>,
    history: Option<&GamingIndex>,
) -> AssessmentSignals {
    let mut signals = Vec::new();
    signals.extend(under_scoring::under_scoring(evidence).signal());
    signals.extend(cohort::compare_with_similar(evidence, cohorts).signal());
    if let Some(previous) = previous {
        let trend = trend::trend(evidence, previous);
        signals.extend(trend.fall_signal());
        signals.extend(trend.rise_signal());
    }
    signals.extend(consensus::consensus_distance(evidence).and_then(|c| c.signal()));
    signals.extend(history.and_then(|index| index.history_signal(evidence.cycle)));
    AssessmentSignals {
        assessment_id: evidence.assessment_id.clone(),
        org_name: evidence.org_name.clone(),
        signals,
    }
}

/// The signals about each of one cycle's assessments (`current`), given every organisation's
/// earlier final scores (`previous`, any cycles) and their gaming indexes by organisation
/// (`history`, from [`gaming_index::gaming_index`]).
pub fn cycle_signals(
    current: &[AssessmentEvidence],
    previous: &[PreviousScores],
    history: &[GamingIndex],
) -> Vec<AssessmentSignals> {
    let cohorts = cohort::cohorts(current);
    let mut earlier: BTreeMap<(&str, CareSetting), Vec<&PreviousScores>> = BTreeMap::new();
    for scores in previous {
        earlier
            .entry((scores.org_code.as_str(), scores.care_setting))
            .or_default()
            .push(scores);
    }
    let history: BTreeMap<&str, &GamingIndex> = history
        .iter()
        .map(|index| (index.code.as_str(), index))
        .collect();
    current
        .iter()
        .map(|evidence| {
            let latest = earlier
                .get(&(evidence.org_code.as_str(), evidence.care_setting))
                .and_then(|scores| trend::latest_before(scores.iter().copied(), evidence.cycle));
            let index = history.get(evidence.org_code.as_str()).copied();
            assessment_signals(evidence, &cohorts, latest, index)
        })
        .collect()
}

/// An amount of levels in words, without its sign (the sentence gives the direction): "1 level",
/// "1.5 levels", "0.3 levels".
fn levels(amount: f64) -> String {
    let tenths = (amount.abs() * 10.0).round() as i64;
    let number = if tenths % 10 == 0 {
        (tenths / 10).to_string()
    } else {
        format!("{}.{}", tenths / 10, tenths % 10)
    };
    if number == "1" {
        "1 level".into()
    } else {
        format!("{number} levels")
    }
}

/// "1 domain", "3 domains".
fn count(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// The first `shown` items as a list in words, and how many more: "a, b and c", "a, b and 3 more".
fn list(items: &[String], shown: usize) -> String {
    let (first, rest) = items.split_at(items.len().min(shown));
    match (first, rest.len()) {
        ([], _) => String::new(),
        ([only], 0) => only.clone(),
        (first, 0) => format!(
            "{} and {}",
            first[..first.len() - 1].join(", "),
            first[first.len() - 1]
        ),
        (first, more) => format!("{} and {more} more", first.join(", ")),
    }
}

/// A score as shown beside the service's other scores.
fn score(value: f64) -> String {
    two_decimals(value)
}

#[cfg(test)]
mod tests {
    use super::test_evidence::{assessment, domain};
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn amounts_of_levels_read_plainly() {
        assert_eq!(levels(1.0), "1 level");
        assert_eq!(levels(-1.5), "1.5 levels");
        assert_eq!(levels(0.26), "0.3 levels");
        assert_eq!(levels(2.0), "2 levels");
        assert_eq!(levels(0.96), "1 level");
    }

    #[test]
    fn lists_name_the_first_few_and_count_the_rest() {
        let items: Vec<String> = ["a", "b", "c", "d"].map(String::from).into();
        assert_eq!(list(&items[..1], 3), "a");
        assert_eq!(list(&items[..2], 3), "a and b");
        assert_eq!(list(&items[..3], 3), "a, b and c");
        assert_eq!(list(&items, 2), "a, b and 2 more");
        assert_eq!(count(1, "domain", "domains"), "1 domain");
    }

    #[test]
    fn an_assessment_everyone_agrees_on_has_no_signals() {
        let evidence = assessment(vec![
            domain("a", "p1", 3, &[3, 3], Some(3)),
            domain("b", "p2", 2, &[2, 2], Some(2)),
        ]);
        let cohorts = cohort::cohorts(std::slice::from_ref(&evidence));
        let signals = assessment_signals(&evidence, &cohorts, None, None);
        assert!(signals.signals.is_empty(), "{signals:?}");
    }

    #[test]
    fn a_clear_under_scorer_gets_signals_with_reasons() {
        let evidence = assessment(vec![
            domain("a", "p1", 1, &[3, 3], None),
            domain("b", "p1", 2, &[4, 3], None),
            domain("c", "p2", 1, &[3, 4], None),
        ]);
        let cohorts = cohort::cohorts(std::slice::from_ref(&evidence));
        let signals = assessment_signals(&evidence, &cohorts, None, None);
        let kinds: Vec<SignalKind> = signals.signals.iter().map(|s| s.kind).collect();
        assert_eq!(
            kinds,
            [SignalKind::UnderScoring, SignalKind::FarFromConsensus]
        );
        assert!(signals.signals.iter().all(|s| !s.reason.is_empty()));
    }

    /// An assessment of `domains` `(self, reviewers, moderated, pillar 1?)`, its previous final
    /// scores `then` per domain, and an earlier, moderated cycle of the same levels.
    fn with_history(
        domains: &[(u8, Vec<u8>, u8, bool)],
        then: &[u8],
    ) -> (AssessmentEvidence, PreviousScores, Vec<GamingIndex>) {
        let evidence = assessment(
            domains
                .iter()
                .enumerate()
                .map(|(i, (own, reviewers, moderated, first))| {
                    let pillar = if *first { "p1" } else { "p2" };
                    domain(&format!("d{i}"), pillar, *own, reviewers, Some(*moderated))
                })
                .collect(),
        );
        let previous = PreviousScores {
            org_code: evidence.org_code.clone(),
            care_setting: evidence.care_setting,
            cycle: evidence.cycle - 1,
            cycle_name: "DMA 2025/26".into(),
            domains: evidence
                .domains
                .iter()
                .zip(then)
                .map(|(d, &level)| (d.domain.clone(), level))
                .collect(),
            pillars: BTreeMap::new(),
        };
        let mut earlier = evidence.clone();
        earlier.cycle -= 1;
        let history = gaming_index::gaming_index(
            &[earlier, evidence.clone()],
            gaming_index::Subject::Organisation,
        );
        (evidence, previous, history)
    }

    proptest! {
        #[test]
        fn no_signal_when_self_reviewers_moderation_and_last_time_all_agree(
            levels in proptest::collection::vec((1u8..=5, 1usize..4, any::<bool>()), 1..30),
        ) {
            let domains: Vec<(u8, Vec<u8>, u8, bool)> = levels
                .iter()
                .map(|&(level, reviewers, first)| (level, vec![level; reviewers], level, first))
                .collect();
            let then: Vec<u8> = levels.iter().map(|&(level, _, _)| level).collect();
            let (evidence, previous, history) = with_history(&domains, &then);
            let cohorts = cohort::cohorts(std::slice::from_ref(&evidence));
            let signals = assessment_signals(&evidence, &cohorts, Some(&previous), history.first());
            prop_assert!(signals.signals.is_empty(), "{:?}", signals.signals);
        }

        #[test]
        fn every_signal_has_a_reason_and_a_strength_of_zero_or_more(
            domains in proptest::collection::vec(
                (1u8..=5, proptest::collection::vec(1u8..=5, 0..4), 1u8..=5, any::<bool>()),
                1..30,
            ),
            then in proptest::collection::vec(1u8..=5, 30),
        ) {
            let (evidence, previous, history) = with_history(&domains, &then);
            let cohorts = cohort::cohorts(std::slice::from_ref(&evidence));
            let signals = assessment_signals(&evidence, &cohorts, Some(&previous), history.first());
            for signal in &signals.signals {
                prop_assert!(signal.strength >= 0.0 && signal.strength.is_finite());
                prop_assert!(signal.reason.ends_with('.'), "{}", signal.reason);
                prop_assert!(!signal.figures.is_empty());
            }
        }
    }
}
