//! The input indexed for solving, and its rules: the hard rules a reviewer must meet
//! ([`Ineligible`]) and the soft rules' costs ([`Problem::pair_cost`]); checking a plan against
//! them, and ranking the reviewers eligible for one assessment.

use super::explanation::count;
use super::types::{
    Assessment, AssignmentInput, AssignmentPlan, Costs, ProposedReview, Reviewer, Uncovered,
};
use crate::organisations::CareSetting;
use std::collections::{HashMap, HashSet};

/// The reviewers who could take `assessment_id` on top of `plan`, cheapest first (ties by id),
/// each with what it would cost and why they fit: for an admin swapping reviewers, or to replace
/// one who declines. Leaves out those already on it and those whose capacity `plan` uses up.
pub fn eligible_reviewers(
    input: &AssignmentInput,
    plan: &AssignmentPlan,
    assessment_id: &str,
) -> Vec<ProposedReview> {
    let problem = Problem::new(input);
    let Some(&a) = problem.assessment_index.get(assessment_id) else {
        return Vec::new();
    };
    let mut load: HashMap<&str, u32> = HashMap::new();
    let mut already_on_it = HashSet::new();
    for review in &plan.assignments {
        *load.entry(&review.reviewer_id).or_default() += 1;
        if review.assessment_id == assessment_id {
            already_on_it.insert(review.reviewer_id.as_str());
        }
    }
    let mut ranked: Vec<(i64, usize, u32)> = (0..problem.reviewers.len())
        .filter_map(|r| {
            let reviewer = problem.reviewers[r];
            let taken = load.get(reviewer.id.as_str()).copied().unwrap_or(0);
            if already_on_it.contains(reviewer.id.as_str()) || taken >= reviewer.capacity {
                return None;
            }
            let cost = problem.pair_cost(a, r).ok()?;
            Some((cost + problem.costs.review_load(taken + 1), r, taken + 1))
        })
        .collect();
    // Reviewers are indexed in id order, so this breaks cost ties by id.
    ranked.sort_unstable();
    ranked
        .into_iter()
        .map(|(cost, r, nth)| ProposedReview {
            assessment_id: assessment_id.to_string(),
            reviewer_id: problem.reviewers[r].id.clone(),
            cost,
            reasons: problem.reasons(a, r, nth),
        })
        .collect()
}

/// Every hard rule `plan` breaks, in words; empty for a plan the rules allow.
pub fn check_plan(input: &AssignmentInput, plan: &AssignmentPlan) -> Vec<String> {
    let problem = Problem::new(input);
    let mut violations = Vec::new();
    let mut seen = HashSet::new();
    let mut load = vec![0u32; problem.reviewers.len()];
    for review in &plan.assignments {
        let (assessment_id, reviewer_id) = (&review.assessment_id, &review.reviewer_id);
        let (Some(&a), Some(&r)) = (
            problem.assessment_index.get(assessment_id.as_str()),
            problem.reviewer_index.get(reviewer_id.as_str()),
        ) else {
            violations.push(format!(
                "{reviewer_id} on {assessment_id}: unknown reviewer or assessment"
            ));
            continue;
        };
        if !seen.insert((a, r)) {
            violations.push(format!(
                "{reviewer_id} is on {assessment_id} more than once"
            ));
            continue;
        }
        load[r] += 1;
        let assessment = problem.assessments[a];
        match problem.pair_cost(a, r) {
            Err(Ineligible::SameIcs) => violations.push(format!(
                "{reviewer_id} is in {}, the same ICS as {assessment_id}",
                problem.ics_name(&assessment.icb_ods_code)
            )),
            Err(Ineligible::FromTrust) => violations.push(format!(
                "{reviewer_id} works at {}, the trust under assessment {assessment_id}",
                assessment.trust_ods_code
            )),
            Err(Ineligible::DeclaredConflict) => violations.push(format!(
                "{reviewer_id} declared a conflict with {}, the trust under assessment {assessment_id}",
                assessment.trust_ods_code
            )),
            // Reported with the reviewer's load below.
            Err(Ineligible::NoCapacity) | Ok(_) => {}
        }
    }
    for (reviewer, &taken) in problem.reviewers.iter().zip(&load) {
        if taken > reviewer.capacity {
            violations.push(format!(
                "{} has {} but capacity for {}",
                reviewer.id,
                count(taken as usize, "review", "reviews"),
                reviewer.capacity
            ));
        }
    }
    violations
}

/// The highest cost honoured; costs above it are clamped so no sum can overflow.
const MAX_COST: i64 = 1_000_000;

/// Why a reviewer may not review an assessment, in the order the rules are checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Ineligible {
    SameIcs,
    FromTrust,
    DeclaredConflict,
    NoCapacity,
}

/// Codes turned into numbers so comparing them is cheap.
pub(super) struct Codes {
    org: u32,
    icb: u32,
    pub(super) region: u32,
}

/// The input sorted by id (keeping the first entry of a repeated id) and indexed, so the solver
/// works on numbers and reaches the same plan whatever order the input came in.
pub(super) struct Problem<'a> {
    pub(super) input: &'a AssignmentInput,
    pub(super) assessments: Vec<&'a Assessment>,
    pub(super) reviewers: Vec<&'a Reviewer>,
    assessment_index: HashMap<&'a str, usize>,
    reviewer_index: HashMap<&'a str, usize>,
    pub(super) costs: Costs,
    /// Reviewers each assessment can get: N, but no more than there are reviewers.
    pub(super) places: u32,
    /// What leaving one reviewer place empty costs: more than any plan's real cost.
    pub(super) uncovered_cost: i64,
    /// What leaving an assessment with no reviewer at all costs on top: more than all the other
    /// empty places together, so every assessment gets its first reviewer before any its second.
    pub(super) unreviewed_cost: i64,
    pub(super) assessment_codes: Vec<Codes>,
    pub(super) reviewer_codes: Vec<Codes>,
    pub(super) setting_bit: Vec<u32>,
    pub(super) expertise_bits: Vec<u32>,
    /// Per assessment, the reviewers (sorted) who declared a conflict with its trust.
    conflicted: Vec<Vec<u32>>,
    /// Per assessment, the reviewers (sorted) who reviewed its trust last cycle.
    pub(super) reviewed_last_cycle: Vec<Vec<u32>>,
}

impl<'a> Problem<'a> {
    pub(super) fn new(input: &'a AssignmentInput) -> Self {
        let mut assessments: Vec<&Assessment> = input.assessments.iter().collect();
        assessments.sort_by(|x, y| {
            let key = |a: &'a Assessment| {
                let codes = (&a.trust_ods_code, &a.icb_ods_code, &a.region_ods_code);
                (&a.id, codes, a.care_setting)
            };
            key(x).cmp(&key(y))
        });
        assessments.dedup_by(|later, earlier| later.id == earlier.id);
        let mut reviewers: Vec<&Reviewer> = input.reviewers.iter().collect();
        reviewers.sort_by(|x, y| {
            let key = |r: &'a Reviewer| {
                let codes = (&r.org_ods_code, &r.icb_ods_code, &r.region_ods_code);
                (&r.id, codes, &r.expertise, r.capacity)
            };
            key(x).cmp(&key(y))
        });
        reviewers.dedup_by(|later, earlier| later.id == earlier.id);

        let assessment_index: HashMap<&str, usize> = assessments
            .iter()
            .enumerate()
            .map(|(a, assessment)| (assessment.id.as_str(), a))
            .collect();
        let reviewer_index: HashMap<&str, usize> = reviewers
            .iter()
            .enumerate()
            .map(|(r, reviewer)| (reviewer.id.as_str(), r))
            .collect();

        let mut interned: HashMap<&str, u32> = HashMap::new();
        let mut intern = |code: &'a str| {
            let next = interned.len() as u32;
            *interned.entry(code).or_insert(next)
        };
        let assessment_codes = assessments
            .iter()
            .map(|a| Codes {
                org: intern(&a.trust_ods_code),
                icb: intern(&a.icb_ods_code),
                region: intern(&a.region_ods_code),
            })
            .collect();
        let reviewer_codes = reviewers
            .iter()
            .map(|r| Codes {
                org: intern(&r.org_ods_code),
                icb: intern(&r.icb_ods_code),
                region: intern(&r.region_ods_code),
            })
            .collect();

        let mut assessments_of_trust: HashMap<&str, Vec<usize>> = HashMap::new();
        for (a, assessment) in assessments.iter().enumerate() {
            assessments_of_trust
                .entry(&assessment.trust_ods_code)
                .or_default()
                .push(a);
        }
        let per_assessment = |pairs: &mut dyn Iterator<Item = (&str, &str)>| {
            let mut lists = vec![Vec::new(); assessments.len()];
            for (reviewer_id, trust) in pairs {
                if let (Some(&r), Some(of_trust)) = (
                    reviewer_index.get(reviewer_id),
                    assessments_of_trust.get(trust),
                ) {
                    for &a in of_trust {
                        lists[a].push(r as u32);
                    }
                }
            }
            for list in &mut lists {
                list.sort_unstable();
                list.dedup();
            }
            lists
        };
        let conflicted = per_assessment(
            &mut input
                .conflicts
                .iter()
                .map(|c| (c.reviewer_id.as_str(), c.trust_ods_code.as_str())),
        );
        let reviewed_last_cycle = per_assessment(
            &mut input
                .previous_reviews
                .iter()
                .map(|(reviewer_id, trust)| (reviewer_id.as_str(), trust.as_str())),
        );

        let clamp = |cost: i64| cost.clamp(0, MAX_COST);
        let costs = Costs {
            care_setting_mismatch: clamp(input.costs.care_setting_mismatch),
            load_step: clamp(input.costs.load_step),
            reviewed_trust_last_cycle: clamp(input.costs.reviewed_trust_last_cycle),
            same_region: clamp(input.costs.same_region),
        };
        let places = input
            .reviewers_per_assessment
            .min(reviewers.len().try_into().unwrap_or(u32::MAX));
        let most_reviews = reviewers
            .iter()
            .map(|r| r.capacity.min(assessments.len() as u32))
            .max()
            .unwrap_or(0);
        let dearest_review = costs.care_setting_mismatch
            + costs.reviewed_trust_last_cycle
            + costs.same_region
            + costs.review_load(most_reviews.max(1));
        let uncovered_cost = 1 + i64::from(places) * assessments.len() as i64 * dearest_review;
        let unreviewed_cost = uncovered_cost * (1 + i64::from(places) * assessments.len() as i64);

        Problem {
            input,
            setting_bit: assessments.iter().map(|a| bit(a.care_setting)).collect(),
            expertise_bits: reviewers
                .iter()
                .map(|r| r.expertise.iter().fold(0, |bits, &s| bits | bit(s)))
                .collect(),
            assessments,
            reviewers,
            assessment_index,
            reviewer_index,
            costs,
            places,
            uncovered_cost,
            unreviewed_cost,
            assessment_codes,
            reviewer_codes,
            conflicted,
            reviewed_last_cycle,
        }
    }

    /// What reviewer `r` on assessment `a` costs by the soft rules, or the hard rule that forbids it.
    pub(super) fn pair_cost(&self, a: usize, r: usize) -> Result<i64, Ineligible> {
        let (assessment, reviewer) = (&self.assessment_codes[a], &self.reviewer_codes[r]);
        if assessment.icb == reviewer.icb {
            return Err(Ineligible::SameIcs);
        }
        if assessment.org == reviewer.org {
            return Err(Ineligible::FromTrust);
        }
        if self.conflicted[a].binary_search(&(r as u32)).is_ok() {
            return Err(Ineligible::DeclaredConflict);
        }
        if self.reviewers[r].capacity == 0 {
            return Err(Ineligible::NoCapacity);
        }
        let mut cost = 0;
        if self.expertise_bits[r] & self.setting_bit[a] == 0 {
            cost += self.costs.care_setting_mismatch;
        }
        if self.reviewed_last_cycle[a]
            .binary_search(&(r as u32))
            .is_ok()
        {
            cost += self.costs.reviewed_trust_last_cycle;
        }
        if assessment.region == reviewer.region {
            cost += self.costs.same_region;
        }
        Ok(cost)
    }

    /// The plan for `chosen`: per assessment, its reviewers and their pair costs.
    pub(super) fn plan(&self, chosen: &[Vec<(usize, i64)>]) -> AssignmentPlan {
        let mut reviews_of = vec![Vec::new(); self.reviewers.len()];
        for (a, reviewers) in chosen.iter().enumerate() {
            for &(r, _) in reviewers {
                reviews_of[r].push(a);
            }
        }
        let needed = self.input.reviewers_per_assessment;
        let mut assignments = Vec::new();
        let mut uncovered = Vec::new();
        for (a, reviewers) in chosen.iter().enumerate() {
            for &(r, pair_cost) in reviewers {
                let nth = reviews_of[r].partition_point(|&earlier| earlier < a) as u32 + 1;
                assignments.push(ProposedReview {
                    assessment_id: self.assessments[a].id.clone(),
                    reviewer_id: self.reviewers[r].id.clone(),
                    cost: pair_cost + self.costs.review_load(nth),
                    reasons: self.reasons(a, r, nth),
                });
            }
            let found = reviewers.len() as u32;
            if found < needed {
                uncovered.push(Uncovered {
                    assessment_id: self.assessments[a].id.clone(),
                    missing: needed - found,
                    reason: self.uncovered_reason(a, found as usize),
                });
            }
        }
        AssignmentPlan {
            total_cost: assignments.iter().map(|review| review.cost).sum(),
            assignments,
            uncovered,
            load: self
                .reviewers
                .iter()
                .zip(&reviews_of)
                .map(|(reviewer, reviews)| (reviewer.id.clone(), reviews.len() as u32))
                .collect(),
        }
    }
}

/// A care setting as one bit, so a reviewer's expertise is one number.
fn bit(setting: CareSetting) -> u32 {
    1 << setting as u32
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::super::*;
    use crate::organisations::CareSetting::{Acute, Community, MentalHealth};

    #[test]
    fn never_a_reviewer_from_the_assessed_trusts_ics() {
        // R1 has the expertise but sits in West Yorkshire; R2 lacks it but is outside.
        let input = one_each(input_of(
            vec![bradford("A1")],
            vec![
                reviewer("R1", "RGD", "QWO", "Y63", &[Acute], 5),
                from_birmingham("R2", &[Community], 5),
            ],
        ));
        assert_eq!(pairs(&assign(&input)), [("A1", "R2")]);
    }

    #[test]
    fn never_a_reviewer_from_the_trust_itself_even_if_listed_in_another_ics() {
        let input = one_each(input_of(
            vec![bradford("A1")],
            vec![
                reviewer("R1", "RAE", "QHL", "Y60", &[Acute], 5),
                from_birmingham("R2", &[Community], 5),
            ],
        ));
        assert_eq!(pairs(&assign(&input)), [("A1", "R2")]);
    }

    #[test]
    fn never_a_reviewer_with_a_declared_conflict() {
        let mut input = one_each(input_of(
            vec![bradford("A1")],
            vec![
                from_birmingham("R1", &[Acute], 5),
                from_birmingham("R2", &[Community], 5),
            ],
        ));
        input.conflicts = vec![Conflict {
            reviewer_id: "R1".into(),
            trust_ods_code: "RAE".into(),
        }];
        assert_eq!(pairs(&assign(&input)), [("A1", "R2")]);
    }

    #[test]
    fn never_above_capacity() {
        let input = one_each(input_of(
            vec![bradford("A1"), bradford("A2"), bradford("A3")],
            vec![
                from_birmingham("R1", &[Acute], 1),
                from_birmingham("R2", &[Community], 5),
                from_birmingham("R3", &[Acute], 0),
            ],
        ));
        let plan = assign(&input);
        assert_eq!(load_of(&plan, "R1"), 1);
        assert_eq!(load_of(&plan, "R2"), 2);
        assert_eq!(load_of(&plan, "R3"), 0);
        assert!(plan.uncovered.is_empty());
    }

    #[test]
    fn never_the_same_reviewer_twice_on_one_assessment() {
        let mut input = input_of(
            vec![bradford("A1")],
            vec![
                from_birmingham("R1", &[Acute], 5),
                from_birmingham("R2", &[Acute], 5),
            ],
        );
        input.conflicts = vec![Conflict {
            reviewer_id: "R2".into(),
            trust_ods_code: "RAE".into(),
        }];
        let plan = assign(&input);
        assert_eq!(pairs(&plan), [("A1", "R1")]);
        assert_eq!(
            plan.uncovered,
            [Uncovered {
                assessment_id: "A1".into(),
                missing: 1,
                reason: "needs 2 reviewers but only 1 reviewer outside NHS West Yorkshire ICS \
                         is eligible (1 has declared a conflict)"
                    .into(),
            }]
        );
    }

    #[test]
    fn prefers_expertise_in_the_care_setting() {
        let input = one_each(input_of(
            vec![bradford("A1")],
            vec![
                from_birmingham("R1", &[Community, MentalHealth], 5),
                from_birmingham("R2", &[Acute], 5),
            ],
        ));
        let plan = assign(&input);
        assert_eq!(pairs(&plan), [("A1", "R2")]);
        assert_eq!(plan.total_cost, 0);
        assert_eq!(plan.assignments[0].reasons[0], "Acute expertise");
    }

    #[test]
    fn prefers_a_reviewer_from_another_region() {
        // R1 is in Humber and North Yorkshire: another ICS, but the same region as Bradford.
        let input = one_each(input_of(
            vec![bradford("A1")],
            vec![
                reviewer("R1", "RCB", "QOQ", "Y63", &[Acute], 5),
                from_birmingham("R2", &[Acute], 5),
            ],
        ));
        let plan = assign(&input);
        assert_eq!(pairs(&plan), [("A1", "R2")]);
        assert_eq!(
            plan.assignments[0].reasons[1],
            "from another region (Midlands)"
        );
    }

    #[test]
    fn avoids_whoever_reviewed_the_trust_last_cycle() {
        let mut input = one_each(input_of(
            vec![bradford("A1")],
            vec![
                from_birmingham("R1", &[Acute], 5),
                from_birmingham("R2", &[Acute], 5),
            ],
        ));
        input.previous_reviews = vec![("R1".into(), "RAE".into())];
        assert_eq!(pairs(&assign(&input)), [("A1", "R2")]);

        input.reviewers.truncate(1);
        let plan = assign(&input);
        assert_eq!(plan.total_cost, input.costs.reviewed_trust_last_cycle);
        assert!(plan.assignments[0]
            .reasons
            .contains(&"reviewed this trust last cycle".to_string()));
    }

    #[test]
    fn eligible_reviewers_rank_replacements_cheapest_first() {
        let input = one_each(input_of(
            vec![bradford("A1"), assessment("A2", "RR8", "QWO", "Y63", Acute)],
            vec![
                from_birmingham("R1", &[Acute], 2),
                from_birmingham("R2", &[Acute], 1),
                from_birmingham("R3", &[Community], 3),
                from_birmingham("R4", &[Acute], 3),
                reviewer("R5", "RGD", "QWO", "Y63", &[Acute], 3),
            ],
        ));
        let plan = AssignmentPlan {
            assignments: [("A1", "R1"), ("A2", "R2"), ("A2", "R4")]
                .map(|(a, r)| ProposedReview {
                    assessment_id: a.into(),
                    reviewer_id: r.into(),
                    cost: 0,
                    reasons: Vec::new(),
                })
                .to_vec(),
            total_cost: 0,
            uncovered: Vec::new(),
            load: Vec::new(),
        };
        // R1 is already on A1; R2 is full; R5 is in West Yorkshire; R4 has one review already.
        let ranked = eligible_reviewers(&input, &plan, "A1");
        let ranked: Vec<(&str, i64)> = ranked
            .iter()
            .map(|review| (review.reviewer_id.as_str(), review.cost))
            .collect();
        assert_eq!(ranked, [("R4", 10), ("R3", 100)]);
        assert_eq!(
            eligible_reviewers(&input, &plan, "A1")[0].reasons,
            [
                "Acute expertise",
                "from another region (Midlands)",
                "2nd review for this reviewer"
            ]
        );
        assert!(eligible_reviewers(&input, &plan, "A9").is_empty());
    }

    #[test]
    fn check_plan_names_every_broken_rule() {
        let mut input = input_of(
            vec![bradford("A1")],
            vec![
                reviewer("R1", "RGD", "QWO", "Y63", &[Acute], 5),
                reviewer("R2", "RAE", "QHL", "Y60", &[Acute], 5),
                from_birmingham("R3", &[Acute], 5),
                from_birmingham("R4", &[Acute], 0),
            ],
        );
        input.conflicts = vec![Conflict {
            reviewer_id: "R3".into(),
            trust_ods_code: "RAE".into(),
        }];
        let plan = AssignmentPlan {
            assignments: ["R1", "R2", "R3", "R4", "R4", "R9"]
                .map(|r| ProposedReview {
                    assessment_id: "A1".into(),
                    reviewer_id: r.into(),
                    cost: 0,
                    reasons: Vec::new(),
                })
                .to_vec(),
            total_cost: 0,
            uncovered: Vec::new(),
            load: Vec::new(),
        };
        assert_eq!(
            check_plan(&input, &plan),
            [
                "R1 is in NHS West Yorkshire ICS, the same ICS as A1",
                "R2 works at RAE, the trust under assessment A1",
                "R3 declared a conflict with RAE, the trust under assessment A1",
                "R4 is on A1 more than once",
                "R9 on A1: unknown reviewer or assessment",
                "R4 has 1 review but capacity for 0",
            ]
        );
    }

    /// A fixed, varied instance: 12 assessments across three ICSs, 10 reviewers.
    fn mixed_instance() -> AssignmentInput {
        let icss = [("QWO", "Y63"), ("QHL", "Y60"), ("QOQ", "Y63")];
        let settings = [Acute, Community, MentalHealth];
        let assessments = (0..12)
            .map(|i| {
                let (icb, region) = icss[i % 3];
                assessment(
                    &format!("A{i:02}"),
                    &format!("T{}", i / 2),
                    icb,
                    region,
                    settings[i % 3],
                )
            })
            .collect();
        let reviewers = (0..10)
            .map(|i| {
                let (icb, region) = icss[(i + 1) % 3];
                let org = format!("T{}", (i * 7) % 6);
                reviewer(
                    &format!("R{i:02}"),
                    &org,
                    icb,
                    region,
                    &[settings[i % 3]],
                    1 + i as u32 % 3,
                )
            })
            .collect();
        let mut input = input_of(assessments, reviewers);
        input.previous_reviews = vec![("R03".into(), "T1".into()), ("R05".into(), "T2".into())];
        input.conflicts = vec![Conflict {
            reviewer_id: "R07".into(),
            trust_ods_code: "T4".into(),
        }];
        input
    }

    #[test]
    fn the_same_input_gives_the_same_plan() {
        let input = mixed_instance();
        let plan = assign(&input);
        assert!(check_plan(&input, &plan).is_empty());
        assert_eq!(assign(&input), plan);
    }

    #[test]
    fn input_order_does_not_change_the_plan() {
        let input = mixed_instance();
        let mut shuffled = input.clone();
        shuffled.assessments.reverse();
        shuffled.assessments.rotate_left(5);
        shuffled.reviewers.reverse();
        shuffled.reviewers.rotate_left(3);
        shuffled.previous_reviews.reverse();
        assert_eq!(assign(&shuffled), assign(&input));
    }
}
