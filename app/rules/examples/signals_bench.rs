//! How long the gaming signals take on a national cycle, and on ten times one.
//!
//! A national cycle is about 280 assessments of 47 domains, each with the trust's level, two
//! reviewers' and the moderated one, and three earlier cycles behind it; the larger case has
//! 2,800 assessments a cycle (and ten times the reviewers) in the same 42 ICSs. Each signal is
//! timed over the whole cycle, best of three runs:
//!
//! `cargo run -p rules --release --example signals_bench`

use rules::organisations::CareSetting;
use rules::signals::cohort::{cohorts, compare_with_similar};
use rules::signals::consensus::consensus_distance;
use rules::signals::cross_ics::{cross_ics, CrossIcsPlan};
use rules::signals::gaming_index::{gaming_index, Subject};
use rules::signals::random::SplitMix64;
use rules::signals::reliability::reviewer_reliability;
use rules::signals::risk_queue::{risk_queue, QueuePlan, RiskWeights};
use rules::signals::trend::{latest_before, trend, PreviousScores};
use rules::signals::under_scoring::under_scoring;
use rules::signals::{cycle_signals, AssessmentEvidence, DomainScores, PillarInfo, Reviewer};
use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::{Duration, Instant};

const ICSS: usize = 42;
const DOMAINS: usize = 47;
const PILLARS: usize = 7;
const CYCLES: i64 = 4;
const SEED: u64 = 2026;

fn main() {
    for scale in [1, 10] {
        run(280 * scale, 126 * scale);
    }
}

/// Every cycle's assessments, oldest first, and each earlier cycle's final scores.
fn national(
    trusts: usize,
    reviewers: usize,
) -> (Vec<Vec<AssessmentEvidence>>, Vec<PreviousScores>) {
    let mut rng = SplitMix64::new(SEED);
    let settings = [
        CareSetting::Acute,
        CareSetting::Acute,
        CareSetting::Community,
        CareSetting::MentalHealth,
        CareSetting::Ambulance,
    ];
    let pillars: Vec<PillarInfo> = (0..PILLARS)
        .map(|p| PillarInfo {
            key: format!("pillar-{p}"),
            name: format!("Pillar {p}"),
            weight: 1.0,
        })
        .collect();
    let bases: Vec<i32> = (0..trusts).map(|_| 1 + rng.below(4) as i32).collect();
    let mut cycles = Vec::new();
    let mut previous = Vec::new();
    for cycle in 1..=CYCLES {
        let assessments: Vec<AssessmentEvidence> = (0..trusts)
            .map(|t| {
                let ics = t % ICSS;
                let mut chosen: Vec<usize> = Vec::new();
                while chosen.len() < 2 {
                    let r = rng.below(reviewers);
                    if r % ICSS != ics && !chosen.contains(&r) {
                        chosen.push(r);
                    }
                }
                let jitter = |rng: &mut SplitMix64| rng.below(3) as i32 - 1;
                let domains = (0..DOMAINS)
                    .map(|d| {
                        let truth = bases[t] + jitter(&mut rng);
                        DomainScores {
                            domain: format!("domain-{d}"),
                            domain_name: format!("Domain {d}"),
                            pillar: format!("pillar-{}", d * PILLARS / DOMAINS),
                            self_level: (truth + jitter(&mut rng)).clamp(1, 5) as u8,
                            reviewer_levels: (0..2)
                                .map(|_| (truth + jitter(&mut rng)).clamp(1, 5) as u8)
                                .collect(),
                            moderated_level: Some(truth.clamp(1, 5) as u8),
                        }
                    })
                    .collect();
                AssessmentEvidence {
                    assessment_id: format!("C{cycle}-T{t:05}"),
                    org_code: format!("T{t:05}"),
                    org_name: format!("Trust {t}"),
                    ics_code: format!("Q{ics:02}"),
                    ics_name: format!("ICS {ics}"),
                    care_setting: settings[t % settings.len()],
                    cycle,
                    cycle_name: format!("Cycle {cycle}"),
                    pillars: pillars.clone(),
                    reviewers: chosen
                        .iter()
                        .map(|&r| Reviewer {
                            id: format!("R{r:05}"),
                            ics_code: format!("Q{:02}", r % ICSS),
                        })
                        .collect(),
                    domains,
                }
            })
            .collect();
        if cycle < CYCLES {
            previous.extend(assessments.iter().map(|a| {
                PreviousScores {
                    org_code: a.org_code.clone(),
                    care_setting: a.care_setting,
                    cycle,
                    cycle_name: a.cycle_name.clone(),
                    domains: a
                        .domains
                        .iter()
                        .filter_map(|d| Some((d.domain.clone(), d.moderated_level?)))
                        .collect(),
                    pillars: a
                        .pillars
                        .iter()
                        .map(|p| {
                            let levels: Vec<f64> = a
                                .domains
                                .iter()
                                .filter(|d| d.pillar == p.key)
                                .filter_map(|d| d.moderated_level.map(f64::from))
                                .collect();
                            (
                                p.key.clone(),
                                levels.iter().sum::<f64>() / levels.len() as f64,
                            )
                        })
                        .collect(),
                }
            }));
        }
        cycles.push(assessments);
    }
    (cycles, previous)
}

/// The best of three runs of `work`.
fn time<T>(mut work: impl FnMut() -> T) -> Duration {
    (0..3)
        .map(|_| {
            let start = Instant::now();
            black_box(work());
            start.elapsed()
        })
        .min()
        .unwrap_or_default()
}

fn run(trusts: usize, reviewers: usize) {
    let (cycles, previous) = national(trusts, reviewers);
    let current = &cycles[cycles.len() - 1];
    let all: Vec<AssessmentEvidence> = cycles.iter().flatten().cloned().collect();
    println!(
        "\n{} assessments a cycle × {DOMAINS} domains, {reviewers} reviewers, {CYCLES} cycles ({} assessments in all)",
        current.len(),
        all.len()
    );
    let cohort = cohorts(current);
    let history = gaming_index(&all, Subject::Organisation);
    let signals = cycle_signals(current, &previous, &history);
    let mut by_org: BTreeMap<&str, Vec<&PreviousScores>> = BTreeMap::new();
    for scores in &previous {
        by_org.entry(&scores.org_code).or_default().push(scores);
    }
    let latest: Vec<Option<&PreviousScores>> = current
        .iter()
        .map(|a| latest_before(by_org.get(a.org_code.as_str())?.iter().copied(), a.cycle))
        .collect();
    let timings = [
        (
            "under-scoring",
            time(|| current.iter().map(under_scoring).collect::<Vec<_>>()),
        ),
        ("cohorts (counting)", time(|| cohorts(current))),
        (
            "far below similar",
            time(|| {
                current
                    .iter()
                    .map(|a| compare_with_similar(a, &cohort).signal())
                    .collect::<Vec<_>>()
            }),
        ),
        (
            "fall and rise",
            time(|| {
                current
                    .iter()
                    .zip(&latest)
                    .filter_map(|(a, previous)| {
                        let trend = trend(a, previous.as_ref()?);
                        Some((trend.fall_signal(), trend.rise_signal()))
                    })
                    .collect::<Vec<_>>()
            }),
        ),
        (
            "consensus distance",
            time(|| {
                current
                    .iter()
                    .filter_map(consensus_distance)
                    .collect::<Vec<_>>()
            }),
        ),
        (
            "gaming index (org and ICS, all cycles)",
            time(|| {
                (
                    gaming_index(&all, Subject::Organisation),
                    gaming_index(&all, Subject::Ics),
                )
            }),
        ),
        (
            "reviewer reliability (all cycles)",
            time(|| reviewer_reliability(&all)),
        ),
        (
            "cross-ICS, 1,000 re-draws (all cycles)",
            time(|| cross_ics(&all, &CrossIcsPlan::new(SEED))),
        ),
        (
            "every assessment's signals (cycle_signals)",
            time(|| cycle_signals(current, &previous, &history)),
        ),
        (
            "risk queue",
            time(|| risk_queue(&signals, &RiskWeights::default(), &QueuePlan::new(SEED))),
        ),
    ];
    for (name, took) in &timings {
        println!("  {name:<44} {:>10.2} ms", took.as_secs_f64() * 1000.0);
    }
    // The whole run a moderation queue needs, start to finish.
    let total = time(|| {
        let history = gaming_index(&all, Subject::Organisation);
        let signals = cycle_signals(current, &previous, &history);
        (
            risk_queue(&signals, &RiskWeights::default(), &QueuePlan::new(SEED)),
            gaming_index(&all, Subject::Ics),
            reviewer_reliability(&all),
            cross_ics(&all, &CrossIcsPlan::new(SEED)),
        )
    });
    println!(
        "  {:<44} {:>10.2} ms",
        "total: every signal, index and the queue",
        total.as_secs_f64() * 1000.0
    );
    let queue = risk_queue(&signals, &RiskWeights::default(), &QueuePlan::new(SEED));
    println!("  {}", queue.summary);
}
