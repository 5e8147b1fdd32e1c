//! A seeded simulation of four national cycles, to check that the gaming signals find what was
//! planted and little else.
//!
//! 280 assessments a cycle, one per trust, the trusts spread over 42 ICSs and four care settings;
//! 47 domains in 7 pillars, every domain applying to every setting (a simplification: the real
//! framework leaves some out per setting, which changes the counts, not the logic). Each trust
//! has a true maturity that grows slowly; an honest trust scores itself at its true level give or
//! take a level now and then. A tenth of trusts are planted under-scorers: this cycle they mark
//! 70% of their domains one or two levels below the truth, and in each earlier cycle they did so
//! with even odds. Reviewers (three per ICS) see the truth give or take a level, except the
//! planted lenient tenth (a level above) and harsh tenth (a level below); moderation finds the
//! truth nine times in ten. One ICS's reviewers retaliate against another's trusts, marking them
//! one or two levels down; another pair of ICSs is made to review each other as often, without
//! any pattern, as a control.
//!
//! Run with `--nocapture` to see the figures.

use rules::organisations::CareSetting;
use rules::signals::cross_ics::{cross_ics, CrossIcsPlan, Pattern};
use rules::signals::gaming_index::{gaming_index, Subject};
use rules::signals::random::SplitMix64;
use rules::signals::reliability::{reviewer_reliability, Lean};
use rules::signals::risk_queue::{risk_queue, Part, QueuePlan, RiskWeights};
use rules::signals::trend::PreviousScores;
use rules::signals::{cycle_signals, AssessmentEvidence, DomainScores, PillarInfo, Reviewer};
use std::collections::BTreeMap;

const ICSS: usize = 42;
const TRUSTS: usize = 280;
const PILLARS: usize = 7;
const DOMAINS: usize = 47;
/// Three earlier cycles and the current one.
const CYCLES: i64 = 4;
const REVIEWERS_PER_ICS: usize = 3;
const UNDER_SCORERS: usize = TRUSTS / 10;
/// Reviewers from ICS 0 retaliate against trusts in ICS 1; ICS 2 reviews ICS 3 as often, fairly.
const RETALIATING: (usize, usize) = (0, 1);
const CONTROL: (usize, usize) = (2, 3);
/// How many of the reviewed ICS's assessments each planted pair reviews per cycle.
const PAIR_REVIEWS_PER_CYCLE: usize = 2;
const SEEDS: [u64; 5] = [1, 2, 3, 4, 5];

struct Trust {
    ics: usize,
    setting: CareSetting,
    /// The mean true level at the first cycle.
    base: f64,
    /// Each domain's true level relative to the trust's mean.
    offsets: Vec<f64>,
    under_scorer: bool,
}

struct SimReviewer {
    ics: usize,
    /// Levels added to the truth: +1 lenient, -1 harsh, 0 fair.
    bias: i32,
}

struct World {
    trusts: Vec<Trust>,
    reviewers: Vec<SimReviewer>,
    /// Every cycle's evidence, oldest first; the current cycle is moderated too, for the checks
    /// that run after moderation.
    cycles: Vec<Vec<AssessmentEvidence>>,
}

fn normal(rng: &mut SplitMix64) -> f64 {
    let u = 1.0 - rng.unit();
    let v = rng.unit();
    (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
}

/// -1 with probability `down`, +1 with probability `up`, otherwise 0.
fn wobble(rng: &mut SplitMix64, down: f64, up: f64) -> i32 {
    let draw = rng.unit();
    if draw < down {
        -1
    } else if draw < down + up {
        1
    } else {
        0
    }
}

fn level(value: i32) -> u8 {
    value.clamp(1, 5) as u8
}

fn ics_code(ics: usize) -> String {
    format!("Q{ics:02}")
}

fn pillars() -> Vec<PillarInfo> {
    (0..PILLARS)
        .map(|p| PillarInfo {
            key: format!("pillar-{p}"),
            name: format!("Pillar {p}"),
            weight: 1.0,
        })
        .collect()
}

fn build_world(seed: u64) -> World {
    let mut rng = SplitMix64::new(seed);
    let mut planted: Vec<usize> = (0..TRUSTS).collect();
    rng.shuffle(&mut planted);
    planted.truncate(UNDER_SCORERS);
    let trusts: Vec<Trust> = (0..TRUSTS)
        .map(|t| Trust {
            ics: t % ICSS,
            setting: match rng.below(20) {
                0..=11 => CareSetting::Acute,
                12..=15 => CareSetting::Community,
                16..=18 => CareSetting::MentalHealth,
                _ => CareSetting::Ambulance,
            },
            base: 1.5 + 2.5 * rng.unit(),
            offsets: (0..DOMAINS).map(|_| 0.6 * normal(&mut rng)).collect(),
            under_scorer: planted.contains(&t),
        })
        .collect();
    let reviewers: Vec<SimReviewer> = (0..ICSS * REVIEWERS_PER_ICS)
        .map(|r| SimReviewer {
            ics: r / REVIEWERS_PER_ICS,
            bias: match rng.below(10) {
                0 => 1,
                1 => -1,
                _ => 0,
            },
        })
        .collect();
    let pillars = pillars();
    let cycles = (1..=CYCLES)
        .map(|cycle| {
            let current = cycle == CYCLES;
            let mut forced: BTreeMap<usize, usize> = BTreeMap::new();
            trusts
                .iter()
                .enumerate()
                .map(|(t, trust)| {
                    let gaming = trust.under_scorer && (current || rng.unit() < 0.5);
                    let chosen = choose_reviewers(&mut rng, &reviewers, trust.ics, &mut forced);
                    let domains = (0..DOMAINS)
                        .map(|d| {
                            let truth = (trust.base
                                + 0.15 * cycle as f64
                                + trust.offsets[d]
                                + 0.2 * normal(&mut rng))
                            .round() as i32;
                            let own = if gaming && rng.unit() < 0.7 {
                                truth - 1 - i32::from(rng.unit() < 0.4)
                            } else {
                                truth + wobble(&mut rng, 0.08, 0.12)
                            };
                            let reviewer_levels = chosen
                                .iter()
                                .map(|&r| {
                                    let reviewer = &reviewers[r];
                                    let grudge = if (reviewer.ics, trust.ics) == RETALIATING {
                                        -1 - i32::from(rng.unit() < 0.5)
                                    } else {
                                        0
                                    };
                                    level(
                                        truth + reviewer.bias + grudge + wobble(&mut rng, 0.1, 0.1),
                                    )
                                })
                                .collect();
                            DomainScores {
                                domain: format!("domain-{d}"),
                                domain_name: format!("Domain {d}"),
                                pillar: format!("pillar-{}", d * PILLARS / DOMAINS),
                                self_level: level(own),
                                reviewer_levels,
                                moderated_level: Some(level(truth + wobble(&mut rng, 0.05, 0.05))),
                            }
                        })
                        .collect();
                    AssessmentEvidence {
                        assessment_id: format!("C{cycle}-T{t:03}"),
                        org_code: format!("T{t:03}"),
                        org_name: format!("Trust {t}"),
                        ics_code: ics_code(trust.ics),
                        ics_name: format!("ICS {}", trust.ics),
                        care_setting: trust.setting,
                        cycle,
                        cycle_name: format!("DMA 202{cycle}/2{}", cycle + 1),
                        pillars: pillars.clone(),
                        reviewers: chosen
                            .iter()
                            .map(|&r| Reviewer {
                                id: format!("R{r:03}"),
                                ics_code: ics_code(reviewers[r].ics),
                            })
                            .collect(),
                        domains,
                    }
                })
                .collect()
        })
        .collect();
    World {
        trusts,
        reviewers,
        cycles,
    }
}

/// Two reviewers from other ICSs, at random; the planted pairs' first reviews of the reviewed
/// ICS each cycle go to the reviewing ICS (`forced` counts them).
fn choose_reviewers(
    rng: &mut SplitMix64,
    reviewers: &[SimReviewer],
    ics: usize,
    forced: &mut BTreeMap<usize, usize>,
) -> Vec<usize> {
    let mut chosen = Vec::new();
    for (from, to) in [RETALIATING, CONTROL] {
        let done = forced.entry(to).or_default();
        if ics == to && *done < PAIR_REVIEWS_PER_CYCLE {
            *done += 1;
            chosen.push(from * REVIEWERS_PER_ICS + rng.below(REVIEWERS_PER_ICS));
        }
    }
    while chosen.len() < 2 {
        let candidate = rng.below(reviewers.len());
        if reviewers[candidate].ics != ics && !chosen.contains(&candidate) {
            chosen.push(candidate);
        }
    }
    chosen
}

/// Each earlier cycle's moderated levels, as the final scores the next cycle compares with.
fn previous_scores(cycles: &[Vec<AssessmentEvidence>]) -> Vec<PreviousScores> {
    cycles
        .iter()
        .flatten()
        .map(|evidence| {
            let domains: BTreeMap<String, u8> = evidence
                .domains
                .iter()
                .filter_map(|d| Some((d.domain.clone(), d.moderated_level?)))
                .collect();
            let pillars = evidence
                .pillars
                .iter()
                .map(|p| {
                    let levels: Vec<f64> = evidence
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
                .collect();
            PreviousScores {
                org_code: evidence.org_code.clone(),
                care_setting: evidence.care_setting,
                cycle: evidence.cycle,
                cycle_name: evidence.cycle_name.clone(),
                domains,
                pillars,
            }
        })
        .collect()
}

struct Figures {
    recall_at_k: f64,
    false_positive_rate_at_k: f64,
    recall_by_risk: f64,
    false_positive_rate_by_risk: f64,
    by_risk: usize,
    audit: usize,
}

/// The queue before moderation of the current cycle, and how well it finds the planted trusts.
fn queue_figures(world: &World, seed: u64) -> Figures {
    let (earlier, current) = world.cycles.split_at(world.cycles.len() - 1);
    let mut current = current[0].clone();
    for domain in current.iter_mut().flat_map(|a| a.domains.iter_mut()) {
        domain.moderated_level = None;
    }
    let mut known: Vec<AssessmentEvidence> = earlier.iter().flatten().cloned().collect();
    known.extend(current.iter().cloned());
    let history = gaming_index(&known, Subject::Organisation);
    let signals = cycle_signals(&current, &previous_scores(earlier), &history);
    let queue = risk_queue(&signals, &RiskWeights::default(), &QueuePlan::new(seed));
    let planted = |id: &str| {
        let trust: usize = id[id.len() - 3..].parse().unwrap();
        world.trusts[trust].under_scorer
    };
    let honest = TRUSTS - UNDER_SCORERS;
    let rates = |top: &[rules::signals::risk_queue::QueueEntry]| {
        let found = top.iter().filter(|e| planted(&e.assessment_id)).count();
        (
            found as f64 / UNDER_SCORERS as f64,
            (top.len() - found) as f64 / honest as f64,
        )
    };
    let (recall_at_k, false_positive_rate_at_k) = rates(&queue.entries[..UNDER_SCORERS]);
    let by_risk: Vec<_> = queue
        .entries
        .iter()
        .filter(|e| e.part == Part::ByRisk)
        .cloned()
        .collect();
    let (recall_by_risk, false_positive_rate_by_risk) = rates(&by_risk);
    Figures {
        recall_at_k,
        false_positive_rate_at_k,
        recall_by_risk,
        false_positive_rate_by_risk,
        by_risk: queue.by_risk,
        audit: queue.audit,
    }
}

#[test]
fn the_risk_queue_finds_planted_under_scorers() {
    println!(
        "seed  recall@K  FPR@K   recall@20%  FPR@20%  (K = {UNDER_SCORERS} planted of {TRUSTS})"
    );
    for seed in SEEDS {
        let world = build_world(seed);
        let figures = queue_figures(&world, seed);
        println!(
            "{seed:>4}  {:>8.3}  {:>5.3}  {:>10.3}  {:>7.3}  (by risk {}, audit {})",
            figures.recall_at_k,
            figures.false_positive_rate_at_k,
            figures.recall_by_risk,
            figures.false_positive_rate_by_risk,
            figures.by_risk,
            figures.audit
        );
        // A queue in random order would find a tenth of the planted trusts in its top K, and take
        // a tenth of the honest ones. The planted effect is large (one or two levels in 70% of
        // domains, seen by two reviewers and by last cycle's moderation), so the queue should
        // find at least four in five in its top K: the ones it may miss are trusts so immature
        // they cannot score much lower than the truth (level 1 is the floor). The honest trusts
        // that rank high are those unlucky enough to draw two lenient reviewers (about 1 in
        // 100); at most one in twenty honest trusts in the top K leaves moderators mostly
        // looking at real cases.
        assert!(
            figures.recall_at_k >= 0.8,
            "seed {seed}: recall {}",
            figures.recall_at_k
        );
        assert!(
            figures.false_positive_rate_at_k <= 0.05,
            "seed {seed}: false positives {}",
            figures.false_positive_rate_at_k
        );
        // The top 20% is twice K, so nearly every planted trust should be in it.
        assert!(
            figures.recall_by_risk >= 0.9,
            "seed {seed}: recall {}",
            figures.recall_by_risk
        );
        assert_eq!(figures.by_risk, TRUSTS / 5);
    }
}

#[test]
fn planted_reviewers_show_in_their_reliability() {
    println!("seed  lenient found  harsh found  fair named lenient or harsh");
    for seed in SEEDS {
        let world = build_world(seed);
        let all: Vec<AssessmentEvidence> = world.cycles.iter().flatten().cloned().collect();
        let reliability = reviewer_reliability(&all);
        let mut counts = BTreeMap::<(i32, bool), usize>::new();
        for reviewer in &reliability {
            let index: usize = reviewer.reviewer[1..].parse().unwrap();
            let bias = world.reviewers[index].bias;
            let named = match bias {
                1 => reviewer.lean == Lean::Lenient,
                -1 => reviewer.lean == Lean::Harsh,
                _ => matches!(reviewer.lean, Lean::Lenient | Lean::Harsh),
            };
            *counts.entry((bias, named)).or_default() += 1;
        }
        let share = |bias: i32| {
            let named = counts.get(&(bias, true)).copied().unwrap_or(0);
            let total = named + counts.get(&(bias, false)).copied().unwrap_or(0);
            (named, total)
        };
        let (lenient, harsh, fair) = (share(1), share(-1), share(0));
        println!(
            "{seed:>4}  {:>6} of {:<4}  {:>5} of {:<4}  {:>5} of {}",
            lenient.0, lenient.1, harsh.0, harsh.1, fair.0, fair.1
        );
        // About 18 reviews each over four cycles, a level off in every domain: a mean difference
        // near 0.9, far beyond the 0.5 that names a lean, so every planted reviewer should show;
        // a fair reviewer's mean sits within a tenth or two of zero, so none should.
        assert_eq!(
            lenient.0, lenient.1,
            "seed {seed}: lenient reviewers missed"
        );
        assert_eq!(harsh.0, harsh.1, "seed {seed}: harsh reviewers missed");
        assert_eq!(fair.0, 0, "seed {seed}: fair reviewers named");
    }
}

#[test]
fn a_retaliating_ics_is_flagged_and_a_control_pair_is_not() {
    println!("seed  retaliating p  control p  tested  flagged  expected by chance");
    for seed in SEEDS {
        let world = build_world(seed);
        let all: Vec<AssessmentEvidence> = world.cycles.iter().flatten().cloned().collect();
        let result = cross_ics(&all, &CrossIcsPlan::new(seed));
        let cell = |(from, to): (usize, usize)| {
            result
                .cells
                .iter()
                .find(|c| c.reviewer_ics == ics_code(from) && c.reviewed_ics == ics_code(to))
                .unwrap()
        };
        let (retaliating, control) = (cell(RETALIATING), cell(CONTROL));
        println!(
            "{seed:>4}  {:>13.4}  {:>9.4}  {:>6}  {:>7}  {:>18.1}",
            retaliating.p_value.unwrap_or(1.0),
            control.p_value.unwrap_or(1.0),
            result.tested,
            result.flagged,
            result.tested as f64 * result.plan.threshold
        );
        // Eight or more reviews a level and a half below the others' of the same trusts: far
        // beyond chance. The control pair has as many reviews and no pattern, so it is flagged
        // only by a 1-in-100 chance per seed; the seeds here do not hit it.
        assert_eq!(retaliating.pattern, Some(Pattern::Harsh), "seed {seed}");
        assert!(retaliating.reviews >= PAIR_REVIEWS_PER_CYCLE * CYCLES as usize);
        assert!(control.p_value.is_some(), "seed {seed}: control not tested");
        assert_eq!(control.pattern, None, "seed {seed}");
        // Other flags are real patterns when a planted lenient or harsh reviewer did the
        // reviews, leaning the way flagged; the rest are chance, and stay near what chance gives
        // (a Poisson count with that mean exceeds three times it plus two about once in a
        // thousand).
        let by_chance = result.tested as f64 * result.plan.threshold;
        let unexplained = result
            .cells
            .iter()
            .filter(|c| c.pattern.is_some() && c.reviewer_ics != ics_code(RETALIATING.0))
            .filter(|c| {
                let leaning = if c.pattern == Some(Pattern::Lenient) {
                    1
                } else {
                    -1
                };
                !all.iter()
                    .filter(|a| a.ics_code == c.reviewed_ics)
                    .flat_map(|a| &a.reviewers)
                    .filter(|r| r.ics_code == c.reviewer_ics)
                    .any(|r| world.reviewers[r.id[1..].parse::<usize>().unwrap()].bias == leaning)
            })
            .count();
        println!("      flags not explained by a planted reviewer: {unexplained}");
        assert!(
            unexplained as f64 <= 3.0 * by_chance + 2.0,
            "seed {seed}: {unexplained} unexplained flags"
        );
        // The same seed and data give the same test.
        assert_eq!(result, cross_ics(&all, &CrossIcsPlan::new(seed)));
    }
}

#[test]
fn planted_under_scorers_stand_out_in_the_gaming_index() {
    for seed in SEEDS {
        let world = build_world(seed);
        let all: Vec<AssessmentEvidence> = world.cycles.iter().flatten().cloned().collect();
        let index = gaming_index(&all, Subject::Organisation);
        let mean_of = |planted: bool| {
            let gaps: Vec<f64> = index
                .iter()
                .filter(|i| {
                    world.trusts[i.code[1..].parse::<usize>().unwrap()].under_scorer == planted
                })
                .filter_map(|i| i.overall.mean())
                .collect();
            gaps.iter().sum::<f64>() / gaps.len() as f64
        };
        let (planted, honest) = (mean_of(true), mean_of(false));
        println!("seed {seed}: mean gaming index, planted {planted:.2}, honest {honest:.2}");
        // Planted trusts under-score by 1.4 levels in 70% of domains this cycle and in half the
        // earlier ones: about 0.6 levels over four cycles, less where the floor of level 1 stops
        // them. Honest trusts lean a little above the truth.
        assert!(planted > 0.35 && honest.abs() < 0.2, "seed {seed}");
        assert!(planted - honest > 0.35, "seed {seed}");
        assert_eq!(gaming_index(&all, Subject::Ics).len(), ICSS);
    }
}
