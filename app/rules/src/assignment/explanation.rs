//! The plan in words: why each reviewer fits, and exactly why an assessment is short of reviewers.

use super::problem::{Ineligible, Problem};

impl Problem<'_> {
    /// Why reviewer `r` fits assessment `a`, where it is their `nth` review.
    pub(super) fn reasons(&self, a: usize, r: usize, nth: u32) -> Vec<String> {
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
    pub(super) fn uncovered_reason(&self, a: usize, found: usize) -> String {
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

    pub(super) fn ics_name(&self, code: &str) -> String {
        match self.input.names.get(code) {
            Some(name) => crate::organisations::ics_name(name),
            None => format!("ICS {code}"),
        }
    }
}

/// "1 reviewer", "3 reviewers".
pub(super) fn count(n: usize, one: &str, many: &str) -> String {
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

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::super::*;
    use super::*;
    use crate::organisations::CareSetting::{Acute, Community};

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
}
