//! Proposing peer reviewers for submitted assessments (workflow step 3).
//!
//! Each assessment needs N reviewers. The hard rules are never broken: a reviewer is never from the
//! assessed trust's ICS, never from the trust itself, never someone who declared a conflict with
//! the trust, never over their capacity and never twice on one assessment. The soft rules are costs
//! to keep low: a reviewer without expertise in the care setting, each further review a reviewer
//! takes (each dearer than the last, so load spreads out), a reviewer who reviewed the same trust
//! last cycle, and a reviewer from the same region.
//!
//! [`assign`] fills as many reviewer places as the hard rules allow and, among the plans that do,
//! returns one of least total cost. It solves a min-cost flow: source → assessment (N places) →
//! eligible reviewer (one place each) → sink (one edge per review, priced by load), plus an
//! "uncovered" edge from each assessment to the sink that costs more than any real plan could, so
//! coverage always comes first, and dearer still for an assessment's last empty place, so every
//! assessment gets its first reviewer before any gets its second. Nationally almost every reviewer is eligible for almost every
//! assessment, far too many pairs to put in the network, so it starts from each assessment's few
//! cheapest reviewers and adds the pairs that the solution's node potentials price as improving
//! (column generation) until there are none: the potentials then prove the plan optimal over all
//! pairs.

use super::organisations::CareSetting;
use serde::{Deserialize, Serialize};
use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap, HashSet};

/// A submitted assessment waiting for reviewers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assessment {
    pub id: String,
    pub trust_ods_code: String,
    /// The trust's ICS in the cycle's frozen hierarchy.
    pub icb_ods_code: String,
    pub region_ods_code: String,
    pub care_setting: CareSetting,
}

/// A person who can review other systems' assessments.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reviewer {
    pub id: String,
    /// The trust or ICB they work for.
    pub org_ods_code: String,
    pub icb_ods_code: String,
    pub region_ods_code: String,
    pub expertise: Vec<CareSetting>,
    /// The most reviews they can take this cycle.
    pub capacity: u32,
}

/// A reviewer's declared conflict of interest with a trust.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conflict {
    pub reviewer_id: String,
    pub trust_ods_code: String,
}

/// What each departure from the ideal reviewer costs. Integers, so optimal plans are exact; each
/// is clamped to 0..=1,000,000.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Costs {
    /// The reviewer has no expertise in the assessment's care setting.
    pub care_setting_mismatch: i64,
    /// Each review a reviewer takes costs this much more than their previous one (the first costs
    /// nothing), so two reviewers with one review each cost less than one with two.
    pub load_step: i64,
    /// The reviewer reviewed the same trust last cycle.
    pub reviewed_trust_last_cycle: i64,
    /// The reviewer is from the assessed trust's region.
    pub same_region: i64,
}

impl Default for Costs {
    fn default() -> Self {
        Costs {
            care_setting_mismatch: 100,
            load_step: 10,
            reviewed_trust_last_cycle: 60,
            same_region: 20,
        }
    }
}

impl Costs {
    /// What a reviewer's `nth` review (counting from 1) adds.
    fn review_load(&self, nth: u32) -> i64 {
        self.load_step * (i64::from(nth) - 1)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssignmentInput {
    pub assessments: Vec<Assessment>,
    pub reviewers: Vec<Reviewer>,
    pub conflicts: Vec<Conflict>,
    /// (reviewer id, trust ODS code) for each review in the previous cycle.
    pub previous_reviews: Vec<(String, String)>,
    /// N, the reviewers each assessment needs.
    pub reviewers_per_assessment: u32,
    pub costs: Costs,
    /// Names for ODS codes, used in reasons: ICSs as they should read after "outside" (QWO → "NHS
    /// West Yorkshire ICS") and regions (Y60 → "Midlands"). A code without a name shows as the code.
    pub names: BTreeMap<String, String>,
}

impl Default for AssignmentInput {
    fn default() -> Self {
        AssignmentInput {
            assessments: Vec::new(),
            reviewers: Vec::new(),
            conflicts: Vec::new(),
            previous_reviews: Vec::new(),
            reviewers_per_assessment: 2,
            costs: Costs::default(),
            names: BTreeMap::new(),
        }
    }
}

/// One reviewer proposed for one assessment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProposedReview {
    pub assessment_id: String,
    pub reviewer_id: String,
    /// The pair's soft-rule costs plus what this review adds to the reviewer's load.
    pub cost: i64,
    /// How the reviewer fits, in plain English: "Acute expertise", "from another region
    /// (Midlands)", "2nd review for this reviewer".
    pub reasons: Vec<String>,
}

/// An assessment that could not get all the reviewers it needs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Uncovered {
    pub assessment_id: String,
    pub missing: u32,
    pub reason: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssignmentPlan {
    /// Sorted by assessment id, then reviewer id.
    pub assignments: Vec<ProposedReview>,
    /// The sum of the assignments' costs.
    pub total_cost: i64,
    /// Sorted by assessment id.
    pub uncovered: Vec<Uncovered>,
    /// Every reviewer's number of reviews in the plan, by reviewer id.
    pub load: Vec<(String, u32)>,
}

/// Proposes reviewers: the most reviewer places the hard rules allow, at the least total cost.
/// The same input, in any order, gives the same plan.
pub fn assign(input: &AssignmentInput) -> AssignmentPlan {
    let problem = Problem::new(input);
    let batch = CANDIDATES_PER_PLACE * problem.places as usize;
    problem.plan(&solve(&problem, batch))
}

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

/// How many cheapest reviewers per reviewer place an assessment starts with, and the most
/// improving pairs it gains per round. More means fewer rounds but a bigger network each round.
const CANDIDATES_PER_PLACE: usize = 3;

/// The highest cost honoured; costs above it are clamped so no sum can overflow.
const MAX_COST: i64 = 1_000_000;

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

/// Why a reviewer may not review an assessment, in the order the rules are checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ineligible {
    SameIcs,
    FromTrust,
    DeclaredConflict,
    NoCapacity,
}

/// Codes turned into numbers so comparing them is cheap.
struct Codes {
    org: u32,
    icb: u32,
    region: u32,
}

/// The input sorted by id (keeping the first entry of a repeated id) and indexed, so the solver
/// works on numbers and reaches the same plan whatever order the input came in.
struct Problem<'a> {
    input: &'a AssignmentInput,
    assessments: Vec<&'a Assessment>,
    reviewers: Vec<&'a Reviewer>,
    assessment_index: HashMap<&'a str, usize>,
    reviewer_index: HashMap<&'a str, usize>,
    costs: Costs,
    /// Reviewers each assessment can get: N, but no more than there are reviewers.
    places: u32,
    /// What leaving one reviewer place empty costs: more than any plan's real cost.
    uncovered_cost: i64,
    /// What leaving an assessment with no reviewer at all costs on top: more than all the other
    /// empty places together, so every assessment gets its first reviewer before any its second.
    unreviewed_cost: i64,
    assessment_codes: Vec<Codes>,
    reviewer_codes: Vec<Codes>,
    setting_bit: Vec<u32>,
    expertise_bits: Vec<u32>,
    /// Per assessment, the reviewers (sorted) who declared a conflict with its trust.
    conflicted: Vec<Vec<u32>>,
    /// Per assessment, the reviewers (sorted) who reviewed its trust last cycle.
    reviewed_last_cycle: Vec<Vec<u32>>,
}

impl<'a> Problem<'a> {
    fn new(input: &'a AssignmentInput) -> Self {
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
    fn pair_cost(&self, a: usize, r: usize) -> Result<i64, Ineligible> {
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

    /// The plan for `chosen`: per assessment, its reviewers and their pair costs.
    fn plan(&self, chosen: &[Vec<(usize, i64)>]) -> AssignmentPlan {
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

    /// Why reviewer `r` fits assessment `a`, where it is their `nth` review.
    fn reasons(&self, a: usize, r: usize, nth: u32) -> Vec<String> {
        let setting = self.assessments[a].care_setting.label();
        let region = self.name(&self.reviewers[r].region_ods_code);
        let mut reasons = vec![
            if self.expertise_bits[r] & self.setting_bit[a] != 0 {
                format!("{setting} expertise")
            } else {
                format!("no {setting} expertise")
            },
            if self.assessment_codes[a].region == self.reviewer_codes[r].region {
                format!("from the same region ({region})")
            } else {
                format!("from another region ({region})")
            },
        ];
        if self.reviewed_last_cycle[a].contains(&(r as u32)) {
            reasons.push("reviewed this trust last cycle".to_string());
        }
        reasons.push(format!("{} review for this reviewer", ordinal(nth)));
        reasons
    }

    /// Why assessment `a` got only `found` reviewers. Exact because the plan fills as many places
    /// as possible: every eligible reviewer not on it is at capacity.
    fn uncovered_reason(&self, a: usize, found: usize) -> String {
        let needed = self.input.reviewers_per_assessment as usize;
        let needs = format!("needs {}", count(needed, "reviewer", "reviewers"));
        let ics = self.ics_name(&self.assessments[a].icb_ods_code);
        let (mut outside, mut from_trust, mut conflicted, mut no_capacity) = (0, 0, 0, 0);
        for r in 0..self.reviewers.len() {
            match self.pair_cost(a, r) {
                Err(Ineligible::SameIcs) => continue,
                Err(Ineligible::FromTrust) => from_trust += 1,
                Err(Ineligible::DeclaredConflict) => conflicted += 1,
                Err(Ineligible::NoCapacity) => no_capacity += 1,
                Ok(_) => {}
            }
            outside += 1;
        }
        if outside == 0 {
            return format!("{needs} but there is no reviewer outside {ics}");
        }
        let eligible = outside - from_trust - conflicted - no_capacity;
        let booked = eligible - found;
        if eligible >= needed {
            return match (found, eligible) {
                (0, 1) => format!("{needs} but the only eligible reviewer outside {ics} is fully booked"),
                (0, _) => format!("{needs} but all {eligible} eligible reviewers outside {ics} are fully booked"),
                (1, _) => format!(
                    "{needs} but only 1 eligible reviewer outside {ics} has capacity left ({} fully booked)",
                    count(booked, "more is", "more are")
                ),
                _ => format!(
                    "{needs} but only {found} eligible reviewers outside {ics} have capacity left ({} fully booked)",
                    count(booked, "more is", "more are")
                ),
            };
        }
        let who = match eligible {
            0 => format!("no reviewer outside {ics} is eligible"),
            1 => format!("only 1 reviewer outside {ics} is eligible"),
            _ => format!("only {eligible} reviewers outside {ics} are eligible"),
        };
        let excluded: Vec<String> = [
            (
                from_trust,
                "works at the trust itself",
                "work at the trust itself",
            ),
            (
                conflicted,
                "has declared a conflict",
                "have declared a conflict",
            ),
            (no_capacity, "has no capacity", "have no capacity"),
        ]
        .into_iter()
        .filter(|&(n, _, _)| n > 0)
        .map(|(n, one, many)| count(n, one, many))
        .collect();
        let not_eligible = if excluded.is_empty() {
            String::new()
        } else {
            format!(" ({})", excluded.join(", "))
        };
        let fully_booked = match booked {
            0 => String::new(),
            1 if eligible == 1 => ", and that one is fully booked".to_string(),
            _ if booked == eligible => ", and all of them are fully booked".to_string(),
            _ => format!(
                ", and {} fully booked",
                count(booked, "of them is", "of them are")
            ),
        };
        format!("{needs} but {who}{not_eligible}{fully_booked}")
    }

    fn name<'s>(&'s self, code: &'s str) -> &'s str {
        self.input.names.get(code).map_or(code, String::as_str)
    }

    fn ics_name(&self, code: &str) -> String {
        match self.input.names.get(code) {
            Some(name) => super::organisations::ics_name(name),
            None => format!("ICS {code}"),
        }
    }
}

/// A care setting as one bit, so a reviewer's expertise is one number.
fn bit(setting: CareSetting) -> u32 {
    1 << setting as u32
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

/// "1 reviewer", "3 reviewers".
fn count(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// 1st, 2nd, 3rd, 4th, …, 11th, 12th, 13th, …, 21st.
fn ordinal(n: u32) -> String {
    let suffix = match (n % 10, n % 100) {
        (1, tens) if tens != 11 => "st",
        (2, tens) if tens != 12 => "nd",
        (3, tens) if tens != 13 => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
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

/// One direction of an edge in the residual network.
struct FlowEdge {
    to: usize,
    residual: u32,
    cost: i64,
}

/// A min-cost flow network solved by successive shortest paths: Dijkstra on costs reduced by node
/// potentials, then as many augmenting paths as the zero-reduced-cost edges carry, repeated until
/// the sink is out of reach. Costs must start non-negative.
struct FlowNetwork {
    /// Edge `e` and edge `e ^ 1` are each other's reverse.
    edges: Vec<FlowEdge>,
    outgoing: Vec<Vec<usize>>,
    /// Node potentials: with them every residual edge has a non-negative reduced cost.
    potential: Vec<i64>,
}

impl FlowNetwork {
    fn new(nodes: usize) -> Self {
        FlowNetwork {
            edges: Vec::new(),
            outgoing: vec![Vec::new(); nodes],
            potential: vec![0; nodes],
        }
    }

    /// Adds an edge (and its reverse) and returns its number.
    fn add_edge(&mut self, from: usize, to: usize, capacity: u32, cost: i64) -> usize {
        let edge = self.edges.len();
        self.edges.push(FlowEdge {
            to,
            residual: capacity,
            cost,
        });
        self.edges.push(FlowEdge {
            to: from,
            residual: 0,
            cost: -cost,
        });
        self.outgoing[from].push(edge);
        self.outgoing[to].push(edge + 1);
        edge
    }

    fn flow(&self, edge: usize) -> u32 {
        self.edges[edge ^ 1].residual
    }

    fn reduced_cost(&self, from: usize, edge: usize) -> i64 {
        let FlowEdge { to, cost, .. } = self.edges[edge];
        cost + self.potential[from] - self.potential[to]
    }

    fn send_max_flow(&mut self, source: usize, sink: usize) {
        while self.reprice(source, sink) {
            self.augment_along_zero_cost_paths(source, sink);
        }
    }

    /// Dijkstra from `source`, stopping at `sink`, then raises each node's potential by its
    /// distance (capped at the sink's, which keeps every reduced cost non-negative), so shortest
    /// paths to the sink cost zero. False when the sink is out of reach.
    fn reprice(&mut self, source: usize, sink: usize) -> bool {
        let mut distance = vec![i64::MAX; self.outgoing.len()];
        let mut queue = BinaryHeap::new();
        distance[source] = 0;
        queue.push(Reverse((0, source)));
        while let Some(Reverse((so_far, node))) = queue.pop() {
            if so_far > distance[node] {
                continue;
            }
            if node == sink {
                break;
            }
            for &edge in &self.outgoing[node] {
                if self.edges[edge].residual == 0 {
                    continue;
                }
                let reduced = self.reduced_cost(node, edge);
                debug_assert!(reduced >= 0, "negative reduced cost {reduced}");
                let to = self.edges[edge].to;
                if so_far + reduced < distance[to] {
                    distance[to] = so_far + reduced;
                    queue.push(Reverse((so_far + reduced, to)));
                }
            }
        }
        let to_sink = distance[sink];
        if to_sink == i64::MAX {
            return false;
        }
        for (potential, &d) in self.potential.iter_mut().zip(&distance) {
            *potential += d.min(to_sink);
        }
        true
    }

    /// Augments along zero-reduced-cost paths from `source` to `sink` (depth-first, never
    /// revisiting a node that led nowhere) until none is left. Every such path is a shortest one,
    /// and its reverse edges cost zero too, so the potentials stay valid.
    fn augment_along_zero_cost_paths(&mut self, source: usize, sink: usize) {
        let nodes = self.outgoing.len();
        let mut next_edge = vec![0; nodes];
        let mut dead_end = vec![false; nodes];
        let mut on_path = vec![false; nodes];
        let mut path: Vec<usize> = Vec::new();
        on_path[source] = true;
        loop {
            let node = path.last().map_or(source, |&edge| self.edges[edge].to);
            if node == sink {
                let amount = path
                    .iter()
                    .map(|&edge| self.edges[edge].residual)
                    .min()
                    .unwrap_or(0);
                for &edge in &path {
                    self.edges[edge].residual -= amount;
                    self.edges[edge ^ 1].residual += amount;
                    on_path[self.edges[edge].to] = false;
                }
                path.clear();
                continue;
            }
            let step = loop {
                let Some(&edge) = self.outgoing[node].get(next_edge[node]) else {
                    break None;
                };
                let to = self.edges[edge].to;
                if self.edges[edge].residual > 0
                    && !dead_end[to]
                    && !on_path[to]
                    && self.reduced_cost(node, edge) == 0
                {
                    break Some(edge);
                }
                next_edge[node] += 1;
            };
            match step {
                Some(edge) => {
                    on_path[self.edges[edge].to] = true;
                    path.push(edge);
                }
                None => {
                    dead_end[node] = true;
                    on_path[node] = false;
                    match path.pop() {
                        Some(edge) => next_edge[self.edges[edge ^ 1].to] += 1,
                        None => return,
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use CareSetting::{Acute, Community, MentalHealth};

    fn assessment(
        id: &str,
        trust: &str,
        icb: &str,
        region: &str,
        setting: CareSetting,
    ) -> Assessment {
        Assessment {
            id: id.into(),
            trust_ods_code: trust.into(),
            icb_ods_code: icb.into(),
            region_ods_code: region.into(),
            care_setting: setting,
        }
    }

    fn reviewer(
        id: &str,
        org: &str,
        icb: &str,
        region: &str,
        expertise: &[CareSetting],
        capacity: u32,
    ) -> Reviewer {
        Reviewer {
            id: id.into(),
            org_ods_code: org.into(),
            icb_ods_code: icb.into(),
            region_ods_code: region.into(),
            expertise: expertise.to_vec(),
            capacity,
        }
    }

    /// An acute assessment of Bradford (RAE) in West Yorkshire (QWO, region Y63).
    fn bradford(id: &str) -> Assessment {
        assessment(id, "RAE", "QWO", "Y63", Acute)
    }

    /// A reviewer from Birmingham (QHL, Midlands) with the given expertise.
    fn from_birmingham(id: &str, expertise: &[CareSetting], capacity: u32) -> Reviewer {
        reviewer(id, "RRK", "QHL", "Y60", expertise, capacity)
    }

    fn input_of(assessments: Vec<Assessment>, reviewers: Vec<Reviewer>) -> AssignmentInput {
        let names = [
            ("QWO", "NHS West Yorkshire ICS"),
            ("QHL", "NHS Birmingham and Solihull ICS"),
            ("Y60", "Midlands"),
            ("Y63", "North East and Yorkshire"),
        ];
        AssignmentInput {
            assessments,
            reviewers,
            names: names.iter().map(|&(c, n)| (c.into(), n.into())).collect(),
            ..AssignmentInput::default()
        }
    }

    fn one_each(mut input: AssignmentInput) -> AssignmentInput {
        input.reviewers_per_assessment = 1;
        input
    }

    fn pairs(plan: &AssignmentPlan) -> Vec<(&str, &str)> {
        plan.assignments
            .iter()
            .map(|r| (r.assessment_id.as_str(), r.reviewer_id.as_str()))
            .collect()
    }

    fn load_of(plan: &AssignmentPlan, id: &str) -> u32 {
        plan.load
            .iter()
            .find(|(r, _)| r == id)
            .map_or(0, |&(_, n)| n)
    }

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
    fn reasons_say_how_each_reviewer_fits() {
        let input = one_each(input_of(
            vec![
                bradford("A1"),
                assessment("A2", "RR8", "QWO", "Y63", Community),
            ],
            vec![from_birmingham("R1", &[Acute], 2)],
        ));
        let plan = assign(&input);
        assert_eq!(
            plan.assignments[0].reasons,
            [
                "Acute expertise",
                "from another region (Midlands)",
                "1st review for this reviewer"
            ]
        );
        assert_eq!(
            plan.assignments[1].reasons,
            [
                "no Community expertise",
                "from another region (Midlands)",
                "2nd review for this reviewer"
            ]
        );
        assert_eq!(plan.assignments[1].cost, 100 + 10);
        assert_eq!(plan.total_cost, 110);
    }

    #[test]
    fn an_impossible_instance_says_exactly_why() {
        let west_yorkshire_only = input_of(
            vec![bradford("A1")],
            vec![reviewer("R1", "RGD", "QWO", "Y63", &[Acute], 5)],
        );
        let plan = assign(&west_yorkshire_only);
        assert!(plan.assignments.is_empty());
        assert_eq!(
            plan.uncovered,
            [Uncovered {
                assessment_id: "A1".into(),
                missing: 2,
                reason: "needs 2 reviewers but there is no reviewer outside NHS West Yorkshire ICS"
                    .into(),
            }]
        );

        let mut all_excluded = input_of(
            vec![bradford("A1")],
            vec![
                reviewer("R1", "RAE", "QHL", "Y60", &[Acute], 5),
                from_birmingham("R2", &[Acute], 5),
                from_birmingham("R3", &[Acute], 5),
                from_birmingham("R4", &[Acute], 0),
            ],
        );
        all_excluded.conflicts = ["R2", "R3"]
            .map(|r| Conflict {
                reviewer_id: r.into(),
                trust_ods_code: "RAE".into(),
            })
            .to_vec();
        assert_eq!(
            assign(&all_excluded).uncovered[0].reason,
            "needs 2 reviewers but no reviewer outside NHS West Yorkshire ICS is eligible \
             (1 works at the trust itself, 2 have declared a conflict, 1 has no capacity)"
        );

        let capacity_runs_out = input_of(
            vec![bradford("A1"), bradford("A2")],
            vec![
                from_birmingham("R1", &[Acute], 2),
                from_birmingham("R2", &[Acute], 1),
            ],
        );
        let plan = assign(&capacity_runs_out);
        assert_eq!(plan.assignments.len(), 3);
        assert_eq!(plan.uncovered.len(), 1);
        assert_eq!(plan.uncovered[0].missing, 1);
        assert_eq!(
            plan.uncovered[0].reason,
            "needs 2 reviewers but only 1 eligible reviewer outside NHS West Yorkshire ICS has \
             capacity left (1 more is fully booked)"
        );

        let one_place = one_each(input_of(
            vec![bradford("A1"), bradford("A2")],
            vec![from_birmingham("R1", &[Acute], 1)],
        ));
        assert_eq!(
            assign(&one_place).uncovered[0].reason,
            "needs 1 reviewer but the only eligible reviewer outside NHS West Yorkshire ICS is \
             fully booked"
        );
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

    #[test]
    fn ordinals_read_as_words_do() {
        let read: Vec<String> = [1, 2, 3, 4, 11, 12, 13, 21, 22, 101, 111]
            .map(ordinal)
            .to_vec();
        assert_eq!(
            read,
            [
                "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "101st",
                "111th"
            ]
        );
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
