//! The risk-based moderation queue: where moderators look first. Assessments are ranked by a
//! combined risk, the weighted sum of the strengths of the signals they show, so every point of
//! risk comes from a signal with its reason. The top share by risk is moderated first; then a
//! random audit sample of the rest, so that an organisation that games without tripping any
//! signal still runs a real chance of a close look, and so that the queue's own blind spots show.
//!
//! The audit sample is drawn with a seed the caller records (the server draws one at random when
//! the queue is made): with the same seed and the same assessments anyone draws the same sample,
//! and without the seed no one can tell which assessments it will pick. Each assessment's place in
//! the draw depends only on the seed and its own id, so the order of the input does not matter.

use super::random::keyed;
use super::{AssessmentSignals, SignalKind};
use serde::{Deserialize, Serialize};

/// The share of assessments moderated first by risk, by default.
pub const TOP_SHARE: f64 = 0.2;
/// The share of the remaining assessments drawn at random for audit, by default.
pub const AUDIT_SHARE: f64 = 0.05;

/// What one unit of each signal's strength adds to the risk. The strengths are all in levels per
/// domain, so the weights say how much each kind of evidence is trusted.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RiskWeights {
    pub under_scoring: f64,
    pub far_below_similar: f64,
    pub fall: f64,
    pub large_rise: f64,
    pub far_from_consensus: f64,
    pub gaming_history: f64,
}

impl Default for RiskWeights {
    fn default() -> Self {
        RiskWeights {
            // The most direct evidence: independent reviewers from other ICSs all found more.
            under_scoring: 1.0,
            // Last time's scores were moderated, so a fall is strong evidence, but real setbacks
            // and stricter readings happen.
            fall: 0.75,
            // An organisation that under-scored before is likelier to again; but people change.
            gaming_history: 0.5,
            // Low maturity is common and honest: weaker evidence of gaming on its own.
            far_below_similar: 0.5,
            // No direction, and it overlaps under-scoring; it lifts assessments the reviewers
            // disagree with either way, over-scoring included, which need moderating too.
            far_from_consensus: 0.25,
            // Worth a look, not gaming: it orders such assessments above those with no signal.
            large_rise: 0.25,
        }
    }
}

impl RiskWeights {
    pub fn weight(&self, kind: SignalKind) -> f64 {
        match kind {
            SignalKind::UnderScoring => self.under_scoring,
            SignalKind::FarBelowSimilar => self.far_below_similar,
            SignalKind::Fall => self.fall,
            SignalKind::LargeRise => self.large_rise,
            SignalKind::FarFromConsensus => self.far_from_consensus,
            SignalKind::GamingHistory => self.gaming_history,
        }
    }
}

/// An assessment's combined risk: each signal's strength times its weight, added up.
pub fn risk(assessment: &AssessmentSignals, weights: &RiskWeights) -> f64 {
    assessment
        .signals
        .iter()
        .map(|s| weights.weight(s.kind) * s.strength.max(0.0))
        .sum()
}

/// How the queue is split.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QueuePlan {
    /// The share of assessments taken by risk, from 0 to 1.
    pub top_share: f64,
    /// The share of the rest drawn at random for audit, from 0 to 1.
    pub audit_share: f64,
    pub seed: u64,
}

impl QueuePlan {
    /// The default shares with `seed`.
    pub fn new(seed: u64) -> QueuePlan {
        QueuePlan {
            top_share: TOP_SHARE,
            audit_share: AUDIT_SHARE,
            seed,
        }
    }
}

/// Why an assessment is where it is in the queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Part {
    /// Among the top share by risk.
    ByRisk,
    /// Drawn at random for audit.
    Audit,
    /// Neither: moderated in the usual way, after the others.
    Neither,
}

/// What one signal adds to an assessment's risk.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Contribution {
    pub kind: SignalKind,
    pub risk: f64,
    pub reason: String,
}

/// One place in the queue.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QueueEntry {
    pub assessment_id: String,
    pub org_name: String,
    pub risk: f64,
    pub part: Part,
    /// Largest first.
    pub contributions: Vec<Contribution>,
}

/// Every assessment once: first those taken by risk, then the audit sample, then the rest, each
/// part highest risk first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RiskQueue {
    /// The seed the audit sample was drawn with, to draw it again.
    pub seed: u64,
    pub entries: Vec<QueueEntry>,
    pub by_risk: usize,
    pub audit: usize,
    /// What each part covers, in words.
    pub summary: String,
}

/// Orders `assessments` for moderation. The top [`QueuePlan::top_share`] (rounded up) is taken
/// by risk, though never an assessment with no signal; then [`QueuePlan::audit_share`] of the
/// rest (rounded up) is drawn with the plan's seed.
pub fn risk_queue(
    assessments: &[AssessmentSignals],
    weights: &RiskWeights,
    plan: &QueuePlan,
) -> RiskQueue {
    let total = assessments.len();
    let risks: Vec<f64> = assessments.iter().map(|a| risk(a, weights)).collect();
    let mut by_risk: Vec<usize> = (0..total).collect();
    by_risk.sort_by(|&a, &b| {
        risks[b].total_cmp(&risks[a]).then_with(|| {
            assessments[a]
                .assessment_id
                .cmp(&assessments[b].assessment_id)
        })
    });
    let wanted = share_of(plan.top_share, total);
    let taken = by_risk
        .iter()
        .take(wanted)
        .take_while(|&&i| risks[i] > 0.0)
        .count();
    let mut rest: Vec<usize> = by_risk[taken..].to_vec();
    let audit = share_of(plan.audit_share, rest.len());
    let draw_keys: Vec<u64> = assessments
        .iter()
        .map(|a| keyed(plan.seed, &a.assessment_id))
        .collect();
    rest.sort_by(|&a, &b| {
        draw_keys[a].cmp(&draw_keys[b]).then_with(|| {
            assessments[a]
                .assessment_id
                .cmp(&assessments[b].assessment_id)
        })
    });
    let mut rank = vec![0; total];
    for (place, &i) in by_risk.iter().enumerate() {
        rank[i] = place;
    }
    let mut drawn = rest[..audit].to_vec();
    drawn.sort_by_key(|&i| rank[i]);
    let mut part = vec![Part::Neither; total];
    for &i in &by_risk[..taken] {
        part[i] = Part::ByRisk;
    }
    for &i in &drawn {
        part[i] = Part::Audit;
    }
    let order = by_risk[..taken]
        .iter()
        .chain(&drawn)
        .chain(by_risk.iter().filter(|&&i| part[i] == Part::Neither));
    let entries = order
        .map(|&i| entry(&assessments[i], risks[i], part[i], weights))
        .collect();
    RiskQueue {
        seed: plan.seed,
        entries,
        by_risk: taken,
        audit,
        summary: summary(plan, total, wanted, taken, audit),
    }
}

fn entry(
    assessment: &AssessmentSignals,
    risk: f64,
    part: Part,
    weights: &RiskWeights,
) -> QueueEntry {
    let mut contributions: Vec<Contribution> = assessment
        .signals
        .iter()
        .map(|s| Contribution {
            kind: s.kind,
            risk: weights.weight(s.kind) * s.strength.max(0.0),
            reason: s.reason.clone(),
        })
        .collect();
    contributions.sort_by(|a, b| b.risk.total_cmp(&a.risk));
    QueueEntry {
        assessment_id: assessment.assessment_id.clone(),
        org_name: assessment.org_name.clone(),
        risk,
        part,
        contributions,
    }
}

/// `share` of `total`, rounded up; a share outside 0 to 1 counts as the nearer end.
fn share_of(share: f64, total: usize) -> usize {
    let share = if share.is_nan() {
        0.0
    } else {
        share.clamp(0.0, 1.0)
    };
    // Less a hair, so that 0.2 × 280, which floating point makes a shade over 56, is 56.
    ((share * total as f64 - 1e-9).ceil().max(0.0) as usize).min(total)
}

fn summary(plan: &QueuePlan, total: usize, wanted: usize, taken: usize, audit: usize) -> String {
    let first = if taken == wanted {
        format!(
            "Top {} by risk: {taken} of {total} assessments",
            percent(plan.top_share)
        )
    } else {
        format!(
            "By risk: {taken} of {total} assessments, every one with a signal (the top {} would be {wanted})",
            percent(plan.top_share)
        )
    };
    format!(
        "{first}; random audit: {audit} ({}) of the remaining {}, drawn with seed {}.",
        percent(plan.audit_share),
        total - taken,
        plan.seed
    )
}

/// A share as a percentage: "20%", "2.5%".
fn percent(share: f64) -> String {
    let tenths = (share.clamp(0.0, 1.0) * 1000.0).round() as i64;
    if tenths % 10 == 0 {
        format!("{}%", tenths / 10)
    } else {
        format!("{}.{}%", tenths / 10, tenths % 10)
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Signal, SignalKind};
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeSet;

    fn assessment(id: usize, strengths: &[(SignalKind, f64)]) -> AssessmentSignals {
        AssessmentSignals {
            assessment_id: format!("A{id:03}"),
            org_name: format!("Trust {id}"),
            signals: strengths
                .iter()
                .map(|&(kind, strength)| Signal {
                    kind,
                    strength,
                    reason: format!("{} by {strength}", kind.label()),
                    figures: Vec::new(),
                })
                .collect(),
        }
    }

    #[test]
    fn the_risk_is_the_weighted_sum_of_the_signals() {
        let one = assessment(
            1,
            &[(SignalKind::UnderScoring, 1.5), (SignalKind::Fall, 1.0)],
        );
        assert_eq!(risk(&one, &RiskWeights::default()), 2.25);
        assert_eq!(risk(&assessment(2, &[]), &RiskWeights::default()), 0.0);
    }

    #[test]
    fn the_queue_takes_the_riskiest_then_an_audit_sample_of_the_rest() {
        let assessments: Vec<AssessmentSignals> = (0..40)
            .map(|i| assessment(i, &[(SignalKind::UnderScoring, i as f64 / 10.0)]))
            .collect();
        let queue = risk_queue(&assessments, &RiskWeights::default(), &QueuePlan::new(99));
        assert_eq!(queue.by_risk, 8);
        assert_eq!(queue.audit, 2);
        let first: Vec<&str> = queue.entries[..3]
            .iter()
            .map(|e| e.assessment_id.as_str())
            .collect();
        assert_eq!(first, ["A039", "A038", "A037"]);
        assert!(queue.entries[8..10].iter().all(|e| e.part == Part::Audit));
        assert_eq!(
            queue.summary,
            "Top 20% by risk: 8 of 40 assessments; random audit: 2 (5%) of the remaining 32, \
             drawn with seed 99."
        );
        assert_eq!(
            queue.entries[0].contributions[0].reason,
            "Reviewers scored higher by 3.9"
        );
    }

    #[test]
    fn assessments_with_no_signal_are_never_taken_by_risk() {
        let mut assessments: Vec<AssessmentSignals> = (0..9).map(|i| assessment(i, &[])).collect();
        assessments.push(assessment(9, &[(SignalKind::Fall, 1.0)]));
        let queue = risk_queue(&assessments, &RiskWeights::default(), &QueuePlan::new(1));
        assert_eq!(queue.by_risk, 1);
        assert_eq!(
            queue.summary,
            "By risk: 1 of 10 assessments, every one with a signal (the top 20% would be 2); \
             random audit: 1 (5%) of the remaining 9, drawn with seed 1."
        );
    }

    #[test]
    fn shares_round_up_and_stay_within_the_whole() {
        assert_eq!(share_of(0.2, 280), 56);
        assert_eq!(share_of(0.05, 224), 12);
        assert_eq!(share_of(0.0, 10), 0);
        assert_eq!(share_of(1.5, 10), 10);
        assert_eq!(share_of(f64::NAN, 10), 0);
        assert_eq!(percent(0.025), "2.5%");
    }

    fn any_assessments() -> impl Strategy<Value = Vec<AssessmentSignals>> {
        proptest::collection::vec(
            proptest::collection::vec(
                (
                    proptest::sample::select(SignalKind::ALL.to_vec()),
                    0.0f64..3.0,
                ),
                0..3,
            ),
            0..60,
        )
        .prop_map(|all| {
            all.iter()
                .enumerate()
                .map(|(i, s)| assessment(i, s))
                .collect()
        })
    }

    proptest! {
        #[test]
        fn the_queue_holds_every_assessment_once(
            assessments in any_assessments(),
            seed: u64,
            top_share in 0.0f64..=1.0,
            audit_share in 0.0f64..=1.0,
        ) {
            let plan = QueuePlan { top_share, audit_share, seed };
            let queue = risk_queue(&assessments, &RiskWeights::default(), &plan);
            let mut ids: Vec<&str> = queue.entries.iter().map(|e| e.assessment_id.as_str()).collect();
            ids.sort_unstable();
            let mut expected: Vec<&str> = assessments.iter().map(|a| a.assessment_id.as_str()).collect();
            expected.sort_unstable();
            prop_assert_eq!(ids, expected);
            let audited: Vec<&QueueEntry> = queue.entries.iter().filter(|e| e.part == Part::Audit).collect();
            prop_assert_eq!(audited.len(), queue.audit);
            prop_assert_eq!(queue.audit, share_of(audit_share, assessments.len() - queue.by_risk));
            let unique: BTreeSet<&str> = audited.iter().map(|e| e.assessment_id.as_str()).collect();
            prop_assert_eq!(unique.len(), audited.len());
            prop_assert!(queue.by_risk <= share_of(top_share, assessments.len()));
            // Nothing left out by risk is riskier than what was taken.
            let lowest_taken = queue.entries[..queue.by_risk].iter().map(|e| e.risk).fold(f64::INFINITY, f64::min);
            prop_assert!(queue.entries[queue.by_risk..].iter().all(|e| e.risk <= lowest_taken));
        }

        #[test]
        fn the_same_seed_draws_the_same_sample_whatever_the_order(
            assessments in any_assessments(),
            seed: u64,
        ) {
            let plan = QueuePlan { top_share: 0.1, audit_share: 0.3, seed };
            let queue = risk_queue(&assessments, &RiskWeights::default(), &plan);
            let mut reversed = assessments.clone();
            reversed.reverse();
            prop_assert_eq!(&queue, &risk_queue(&reversed, &RiskWeights::default(), &plan));
            prop_assert_eq!(queue.seed, seed);
        }
    }
}
