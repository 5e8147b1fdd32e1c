//! The optimiser: a min-cost flow over the candidate pairs, widened by column generation until the
//! node potentials prove the plan optimal over all pairs.

use super::flow::FlowNetwork;
use super::problem::Problem;
use super::types::{AssignmentInput, AssignmentPlan};
use std::cmp::Reverse;

/// Proposes reviewers: the most reviewer places the hard rules allow, at the least total cost.
/// The same input, in any order, gives the same plan.
pub fn assign(input: &AssignmentInput) -> AssignmentPlan {
    let problem = Problem::new(input);
    let batch = CANDIDATES_PER_PLACE * problem.places as usize;
    problem.plan(&solve(&problem, batch))
}

/// How many cheapest reviewers per reviewer place an assessment starts with, and the most
/// improving pairs it gains per round. More means fewer rounds but a bigger network each round.
const CANDIDATES_PER_PLACE: usize = 3;

/// The pairs in the network.
struct Candidates {
    /// Per assessment, (reviewer, pair cost) sorted by reviewer.
    pairs: Vec<Vec<(usize, i64)>>,
    /// How many assessments each reviewer is a candidate for.
    times_offered: Vec<u32>,
}

impl Candidates {
    fn offer(&mut self, a: usize, reviewers: impl Iterator<Item = (usize, i64)>) {
        let pairs = &mut self.pairs[a];
        for (r, cost) in reviewers {
            self.times_offered[r] += 1;
            pairs.push((r, cost));
        }
        pairs.sort_unstable();
    }
}

impl Problem<'_> {
    /// Each assessment's `batch` cheapest eligible reviewers. Equally cheap reviewers are shared
    /// out by how often they were already offered, then by id, so the starting network spreads
    /// load the way the optimum will.
    fn starting_candidates(&self, batch: usize) -> Candidates {
        let mut candidates = Candidates {
            pairs: Vec::with_capacity(self.assessments.len()),
            times_offered: vec![0; self.reviewers.len()],
        };
        let mut cheapest = Vec::new();
        for a in 0..self.assessments.len() {
            cheapest.clear();
            for (r, &offered) in candidates.times_offered.iter().enumerate() {
                if let Ok(cost) = self.pair_cost(a, r) {
                    cheapest.push((cost, offered, r));
                }
            }
            keep_smallest(&mut cheapest, batch);
            candidates.pairs.push(Vec::new());
            candidates.offer(a, cheapest.iter().map(|&(cost, _, r)| (r, cost)));
        }
        candidates
    }

    /// Adds to each assessment up to `batch` of the eligible pairs missing from the network that
    /// would lower the cost: those priced below `floor[r]`, the least potential reviewer `r` can
    /// have given the flow (see [`solve`]); the biggest savings first, then the reviewers offered
    /// least. Returns whether any were added.
    fn add_improving_candidates(
        &self,
        candidates: &mut Candidates,
        assessment_potential: impl Fn(usize) -> i64,
        floor: &[i64],
        batch: usize,
    ) -> bool {
        let mut is_candidate = vec![false; self.reviewers.len()];
        let mut improving = Vec::new();
        let mut added = false;
        for a in 0..self.assessments.len() {
            for &(r, _) in &candidates.pairs[a] {
                is_candidate[r] = true;
            }
            improving.clear();
            let potential = assessment_potential(a);
            for (r, &reviewer_floor) in floor.iter().enumerate() {
                if is_candidate[r] {
                    continue;
                }
                if let Ok(cost) = self.pair_cost(a, r) {
                    let saving = reviewer_floor.saturating_sub(potential + cost);
                    if saving > 0 {
                        let offered = candidates.times_offered[r];
                        improving.push((Reverse(saving), offered, r, cost));
                    }
                }
            }
            for &(r, _) in &candidates.pairs[a] {
                is_candidate[r] = false;
            }
            keep_smallest(&mut improving, batch);
            added |= !improving.is_empty();
            candidates.offer(a, improving.iter().map(|&(_, _, r, cost)| (r, cost)));
        }
        added
    }
}

/// Keeps only the `n` smallest items, in no particular order.
fn keep_smallest<T: Ord>(items: &mut Vec<T>, n: usize) {
    if items.len() > n {
        if n > 0 {
            items.select_nth_unstable(n - 1);
        }
        items.truncate(n);
    }
}

const SOURCE: usize = 0;
const SINK: usize = 1;

/// The reviewers (with pair costs, sorted by reviewer) for each assessment in an optimal plan.
///
/// Each round solves the min-cost flow over the candidate pairs exactly, then prices every other
/// eligible pair against the node potentials. Reviewer r's potential may be set anywhere at or
/// above `floor[r]`, the largest of π(a) + cost over the pairs r takes and, while r has capacity
/// left, π(sink) minus the cost of r's next review; a missing pair (a, r) with π(a) + cost below
/// that floor is an improving edge. When no missing pair is improving, setting each reviewer's
/// potential to its floor leaves every edge of the full network with a non-negative reduced cost,
/// which proves the flow optimal there too. Each round adds at least one pair, so it ends.
fn solve(problem: &Problem, batch: usize) -> Vec<Vec<(usize, i64)>> {
    let (assessments, reviewers) = (problem.assessments.len(), problem.reviewers.len());
    let mut chosen = vec![Vec::new(); assessments];
    if problem.places == 0 {
        return chosen;
    }
    let assessment_node = |a: usize| 2 + a;
    let reviewer_node = |r: usize| 2 + assessments + r;
    let mut candidates = problem.starting_candidates(batch);
    loop {
        let mut network = FlowNetwork::new(2 + assessments + reviewers);
        let mut pair_edges = Vec::new();
        let mut degree = vec![0u32; reviewers];
        for (a, list) in candidates.pairs.iter().enumerate() {
            network.add_edge(SOURCE, assessment_node(a), problem.places, 0);
            for &(r, cost) in list {
                let edge = network.add_edge(assessment_node(a), reviewer_node(r), 1, cost);
                pair_edges.push((a, r, cost, edge));
                degree[r] += 1;
            }
            // Empty places: all but the last at the usual price, and the last (leaving the
            // assessment with no reviewer) dearer than every other empty place together.
            network.add_edge(
                assessment_node(a),
                SINK,
                problem.places - 1,
                problem.uncovered_cost,
            );
            network.add_edge(
                assessment_node(a),
                SINK,
                1,
                problem.uncovered_cost + problem.unreviewed_cost,
            );
        }
        for (r, &pairs) in degree.iter().enumerate() {
            for nth in 1..=pairs.min(problem.reviewers[r].capacity) {
                network.add_edge(reviewer_node(r), SINK, 1, problem.costs.review_load(nth));
            }
        }
        network.send_max_flow(SOURCE, SINK);

        for list in &mut chosen {
            list.clear();
        }
        let mut load = vec![0u32; reviewers];
        for &(a, r, cost, edge) in &pair_edges {
            if network.flow(edge) > 0 {
                chosen[a].push((r, cost));
                load[r] += 1;
            }
        }
        let sink_potential = network.potential[SINK];
        let mut floor: Vec<i64> = (0..reviewers)
            .map(|r| {
                if load[r] < problem.reviewers[r].capacity {
                    sink_potential - problem.costs.review_load(load[r] + 1)
                } else {
                    i64::MIN
                }
            })
            .collect();
        for (a, list) in chosen.iter().enumerate() {
            for &(r, cost) in list {
                floor[r] = floor[r].max(network.potential[assessment_node(a)] + cost);
            }
        }
        let assessment_potential = |a: usize| network.potential[assessment_node(a)];
        if !problem.add_improving_candidates(&mut candidates, assessment_potential, &floor, batch) {
            return chosen;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::super::*;
    use super::*;
    use crate::organisations::CareSetting::{self, Acute, Community, MentalHealth};
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    #[test]
    fn each_further_review_costs_more_than_the_last() {
        // R1's 1st, 2nd and 3rd reviews cost 0, 10 and 20; R2 costs 15 for lacking expertise. The
        // best plan gives R1 two (0 + 10) and R2 one (15).
        let mut input = one_each(input_of(
            vec![bradford("A1"), bradford("A2"), bradford("A3")],
            vec![
                from_birmingham("R1", &[Acute], 3),
                from_birmingham("R2", &[Community], 3),
            ],
        ));
        input.costs = Costs {
            care_setting_mismatch: 15,
            load_step: 10,
            reviewed_trust_last_cycle: 0,
            same_region: 0,
        };
        let plan = assign(&input);
        assert_eq!(plan.total_cost, 25);
        assert_eq!(plan.load, [("R1".to_string(), 2), ("R2".to_string(), 1)]);
        let second = plan.assignments.iter().find(|r| r.cost == 10).unwrap();
        assert_eq!(
            second.reasons.last().unwrap(),
            "2nd review for this reviewer"
        );
    }

    #[test]
    fn load_spreads_evenly_among_equal_reviewers() {
        let input = one_each(input_of(
            (1..=4).map(|i| bradford(&format!("A{i}"))).collect(),
            vec![
                from_birmingham("R1", &[Acute], 4),
                from_birmingham("R2", &[Acute], 4),
            ],
        ));
        let plan = assign(&input);
        assert_eq!(plan.load, [("R1".to_string(), 2), ("R2".to_string(), 2)]);
        assert_eq!(plan.total_cost, 2 * input.costs.load_step);
    }

    #[test]
    fn coverage_comes_before_cost() {
        // Cheapest would be R1 on A1, leaving A2 with nobody; covering both costs more.
        let input = one_each(input_of(
            vec![bradford("A1"), assessment("A2", "RRK", "QHL", "Y60", Acute)],
            vec![
                reviewer("R1", "REF", "QT6", "Y58", &[Acute], 1),
                reviewer("R2", "RXX", "QHL", "Y60", &[], 1),
            ],
        ));
        let plan = assign(&input);
        assert_eq!(pairs(&plan), [("A1", "R2"), ("A2", "R1")]);
        assert!(plan.uncovered.is_empty());
    }

    #[test]
    fn needing_no_reviewers_proposes_none() {
        let mut input = input_of(
            vec![bradford("A1")],
            vec![from_birmingham("R1", &[Acute], 1)],
        );
        input.reviewers_per_assessment = 0;
        let plan = assign(&input);
        assert!(plan.assignments.is_empty() && plan.uncovered.is_empty());
        assert_eq!(plan.load, [("R1".to_string(), 0)]);
    }

    // Property tests on small random instances. Trusts sit in three ICSs over two regions.
    const TRUSTS: [(&str, &str, &str); 4] = [
        ("RT1", "QA", "Y1"),
        ("RT2", "QA", "Y1"),
        ("RT3", "QB", "Y1"),
        ("RT4", "QC", "Y2"),
    ];
    const ICSS: [(&str, &str); 3] = [("QA", "Y1"), ("QB", "Y1"), ("QC", "Y2")];
    const SETTINGS: [CareSetting; 3] = [Acute, Community, MentalHealth];

    /// Random instances of up to `max_assessments` × `max_reviewers`. A reviewer's organisation and
    /// ICS are drawn apart, so working at the trust and sharing its ICS are tested separately;
    /// conflicts and previous reviews may name reviewers that do not exist.
    fn instance(
        max_assessments: usize,
        max_reviewers: usize,
    ) -> impl Strategy<Value = AssignmentInput> {
        let pairs = |n| prop::collection::vec((0..max_reviewers, 0..TRUSTS.len()), 0..=n);
        (
            prop::collection::vec((0..TRUSTS.len(), 0..SETTINGS.len()), 1..=max_assessments),
            prop::collection::vec(
                (0..=TRUSTS.len(), 0..ICSS.len(), 0..8usize, 0u32..=3),
                1..=max_reviewers,
            ),
            pairs(3),
            pairs(4),
            1u32..=2,
            (0i64..=120, 0i64..=30, 0i64..=80, 0i64..=40),
        )
            .prop_map(|(assessments, reviewers, conflicts, previous, n, costs)| {
                let (care_setting_mismatch, load_step, reviewed_trust_last_cycle, same_region) =
                    costs;
                AssignmentInput {
                    assessments: assessments
                        .iter()
                        .enumerate()
                        .map(|(i, &(t, s))| {
                            let (trust, icb, region) = TRUSTS[t];
                            assessment(&format!("A{i}"), trust, icb, region, SETTINGS[s])
                        })
                        .collect(),
                    reviewers: reviewers
                        .iter()
                        .enumerate()
                        .map(|(i, &(org, ics, bits, capacity))| {
                            let org = TRUSTS.get(org).map_or("X1", |t| t.0);
                            let (icb, region) = ICSS[ics];
                            let expertise: Vec<CareSetting> = (0..SETTINGS.len())
                                .filter(|b| bits >> b & 1 == 1)
                                .map(|b| SETTINGS[b])
                                .collect();
                            reviewer(&format!("R{i}"), org, icb, region, &expertise, capacity)
                        })
                        .collect(),
                    conflicts: conflicts
                        .iter()
                        .map(|&(r, t)| Conflict {
                            reviewer_id: format!("R{r}"),
                            trust_ods_code: TRUSTS[t].0.into(),
                        })
                        .collect(),
                    previous_reviews: previous
                        .iter()
                        .map(|&(r, t)| (format!("R{r}"), TRUSTS[t].0.to_string()))
                        .collect(),
                    reviewers_per_assessment: n,
                    costs: Costs {
                        care_setting_mismatch,
                        load_step,
                        reviewed_trust_last_cycle,
                        same_region,
                    },
                    names: BTreeMap::new(),
                }
            })
    }

    /// The soft-rule cost of `reviewer` on `assessment`, or None if a hard rule forbids it:
    /// written from the rules, independently of the solver.
    fn cost_by_the_rules(
        input: &AssignmentInput,
        assessment: &Assessment,
        reviewer: &Reviewer,
    ) -> Option<i64> {
        let trust = &assessment.trust_ods_code;
        let conflicted = input
            .conflicts
            .iter()
            .any(|c| c.reviewer_id == reviewer.id && &c.trust_ods_code == trust);
        if reviewer.icb_ods_code == assessment.icb_ods_code
            || &reviewer.org_ods_code == trust
            || conflicted
            || reviewer.capacity == 0
        {
            return None;
        }
        let costs = &input.costs;
        let reviewed = input
            .previous_reviews
            .iter()
            .any(|(r, t)| r == &reviewer.id && t == trust);
        let mut cost = 0;
        if !reviewer.expertise.contains(&assessment.care_setting) {
            cost += costs.care_setting_mismatch;
        }
        if reviewed {
            cost += costs.reviewed_trust_last_cycle;
        }
        if reviewer.region_ods_code == assessment.region_ods_code {
            cost += costs.same_region;
        }
        Some(cost)
    }

    /// The best plan that keeps the hard rules, by trying them all: fewest assessments with no
    /// reviewer, then most places filled, then least total cost. Returns (assessments with no
    /// reviewer, places filled, cost).
    fn best_by_brute_force(input: &AssignmentInput) -> (u32, u32, i64) {
        let needed = input.reviewers_per_assessment;
        let options: Vec<Vec<Vec<(usize, i64)>>> = input
            .assessments
            .iter()
            .map(|a| {
                let eligible: Vec<(usize, i64)> = input
                    .reviewers
                    .iter()
                    .enumerate()
                    .filter_map(|(r, reviewer)| {
                        cost_by_the_rules(input, a, reviewer).map(|c| (r, c))
                    })
                    .collect();
                (0u32..1 << eligible.len())
                    .filter(|subset| subset.count_ones() <= needed)
                    .map(|subset| {
                        (0..eligible.len())
                            .filter(|i| subset >> i & 1 == 1)
                            .map(|i| eligible[i])
                            .collect()
                    })
                    .collect()
            })
            .collect();
        #[allow(clippy::too_many_arguments)]
        fn search(
            input: &AssignmentInput,
            options: &[Vec<Vec<(usize, i64)>>],
            load: &mut Vec<u32>,
            unreviewed: u32,
            filled: u32,
            pair_costs: i64,
            best: &mut (u32, u32, i64),
        ) {
            let Some((choices, rest)) = options.split_first() else {
                let step = input.costs.load_step;
                let load_costs: i64 = load
                    .iter()
                    .map(|&n| (1..=i64::from(n)).map(|k| step * (k - 1)).sum::<i64>())
                    .sum();
                let cost = pair_costs + load_costs;
                if (unreviewed, Reverse(filled), cost) < (best.0, Reverse(best.1), best.2) {
                    *best = (unreviewed, filled, cost);
                }
                return;
            };
            for choice in choices {
                if choice
                    .iter()
                    .any(|&(r, _)| load[r] >= input.reviewers[r].capacity)
                {
                    continue;
                }
                for &(r, _) in choice {
                    load[r] += 1;
                }
                let cost: i64 = choice.iter().map(|&(_, c)| c).sum();
                search(
                    input,
                    rest,
                    load,
                    unreviewed + u32::from(choice.is_empty() && input.reviewers_per_assessment > 0),
                    filled + choice.len() as u32,
                    pair_costs + cost,
                    best,
                );
                for &(r, _) in choice {
                    load[r] -= 1;
                }
            }
        }
        let mut best = (u32::MAX, 0, i64::MAX);
        search(
            input,
            &options,
            &mut vec![0; input.reviewers.len()],
            0,
            0,
            0,
            &mut best,
        );
        best
    }

    /// The plan agrees with itself: costs add up, loads match, every place is filled or missing.
    fn assert_consistent(input: &AssignmentInput, plan: &AssignmentPlan) {
        assert_eq!(
            plan.total_cost,
            plan.assignments.iter().map(|r| r.cost).sum::<i64>()
        );
        for (reviewer, load) in &plan.load {
            let reviews = plan
                .assignments
                .iter()
                .filter(|r| &r.reviewer_id == reviewer)
                .count();
            assert_eq!(reviews as u32, *load);
        }
        for a in &input.assessments {
            let found = plan
                .assignments
                .iter()
                .filter(|r| r.assessment_id == a.id)
                .count() as u32;
            let missing = plan
                .uncovered
                .iter()
                .find(|u| u.assessment_id == a.id)
                .map_or(0, |u| u.missing);
            assert_eq!(found + missing, input.reviewers_per_assessment);
        }
    }

    proptest! {
        #[test]
        fn solver_plans_break_no_hard_rule(input in instance(6, 8)) {
            let plan = assign(&input);
            prop_assert_eq!(check_plan(&input, &plan), Vec::<String>::new());
            assert_consistent(&input, &plan);
        }

        #[test]
        fn solver_plans_are_optimal(input in instance(4, 5)) {
            let (unreviewed, filled, cost) = best_by_brute_force(&input);
            let plan = assign(&input);
            let with_no_reviewer = |plan: &AssignmentPlan| {
                plan.uncovered
                    .iter()
                    .filter(|u| u.missing == input.reviewers_per_assessment)
                    .count() as u32
            };
            prop_assert_eq!(with_no_reviewer(&plan), unreviewed);
            prop_assert_eq!(plan.assignments.len() as u32, filled);
            prop_assert_eq!(plan.total_cost, cost);
            // Starting from one candidate each forces the pricing rounds to find the rest.
            let problem = Problem::new(&input);
            let priced = problem.plan(&solve(&problem, 1));
            prop_assert_eq!(priced.assignments.len() as u32, filled);
            prop_assert_eq!(priced.total_cost, cost);
        }

        #[test]
        fn load_alone_spreads_within_one_review(input in instance(6, 8), step in 1i64..=30) {
            let mut input = input;
            input.costs = Costs { care_setting_mismatch: 0, load_step: step, reviewed_trust_last_cycle: 0, same_region: 0 };
            let plan = assign(&input);
            let everywhere: Vec<(u32, u32)> = input
                .reviewers
                .iter()
                .filter(|r| input.assessments.iter().all(|a| cost_by_the_rules(&input, a, r).is_some()))
                .map(|r| (load_of(&plan, &r.id), r.capacity))
                .collect();
            let most = everywhere.iter().map(|&(load, _)| load).max().unwrap_or(0);
            let least_with_room = everywhere.iter().filter(|&&(load, capacity)| load < capacity).map(|&(load, _)| load).min();
            if let Some(least) = least_with_room {
                prop_assert!(most <= least + 1, "loads {:?}", everywhere);
            }
        }

        #[test]
        fn shuffling_the_input_gives_the_same_plan(input in instance(6, 8), turn in 0usize..8) {
            let mut shuffled = input.clone();
            shuffled.assessments.reverse();
            let turn = turn % shuffled.reviewers.len();
            shuffled.reviewers.rotate_left(turn);
            shuffled.conflicts.reverse();
            shuffled.previous_reviews.reverse();
            prop_assert_eq!(assign(&shuffled), assign(&input));
        }
    }
}
