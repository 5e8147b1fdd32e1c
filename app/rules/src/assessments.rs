//! Assessments: their states, what counts as a complete answer, when they can be changed, and
//! how two people's answers to one domain differ.

use super::cycles::{effective_deadline, Phase};
use super::framework::{Domain, Framework};
use super::lifecycle::{AssessmentStatus, Moment};
use super::organisations::CareSetting;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Longest evidence text accepted for one criterion.
pub const EVIDENCE_MAX_CHARS: usize = 2000;

/// An assessment as lists and page headings show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssessmentHeader {
    pub id: String,
    pub cycle_id: String,
    pub cycle_name: String,
    pub framework_version: String,
    pub phase: Phase,
    pub trust_ods_code: String,
    pub trust_name: String,
    pub care_setting: CareSetting,
    pub status: AssessmentStatus,
    pub submission_deadline: String,
    pub review_deadline: String,
    /// The last day the trust may reply to its reviews.
    pub reply_deadline: String,
    /// The trust's own later deadline, if NHS England extended it.
    pub extended_deadline: Option<String>,
    pub submitted_at: Option<String>,
    pub submitted_by: Option<String>,
}

impl AssessmentHeader {
    /// The deadline that applies to this assessment.
    pub fn deadline(&self) -> &str {
        effective_deadline(&self.submission_deadline, self.extended_deadline.as_deref())
    }

    /// Today, and this assessment's dates, as the lifecycle judges events against them.
    pub fn moment<'a>(&'a self, today: &'a str) -> Moment<'a> {
        Moment {
            phase: self.phase,
            today,
            submission_deadline: self.deadline(),
            review_deadline: &self.review_deadline,
            reply_deadline: Some(&self.reply_deadline),
        }
    }

    pub fn title(&self) -> String {
        format!("{} – {}", self.trust_name, self.care_setting.label())
    }
}

/// One criterion's answer. Evidence may be written before met or not met is chosen, and is
/// kept: saving as you go must never drop what someone typed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answer {
    /// `None` until met or not met is chosen.
    pub met: Option<bool>,
    pub evidence: String,
}

impl Answer {
    pub fn is_met(&self) -> bool {
        self.met == Some(true)
    }
}

/// A domain's answers by criterion key.
pub type DomainAnswers = BTreeMap<String, Answer>;

/// Where a domain stands in the task list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum DomainStatus {
    NotStarted,
    InProgress,
    Completed,
}

impl DomainStatus {
    pub fn label(self) -> &'static str {
        match self {
            DomainStatus::NotStarted => "Not started",
            DomainStatus::InProgress => "In progress",
            DomainStatus::Completed => "Completed",
        }
    }
}

/// Whether the criterion with this key is met in these answers.
pub fn is_met_in(answers: &DomainAnswers) -> impl Fn(&str) -> bool + '_ {
    |key| answers.get(key).is_some_and(Answer::is_met)
}

/// Whether the criterion with this key is met in any domain's answers.
pub fn is_met_anywhere(answers: &BTreeMap<String, DomainAnswers>) -> impl Fn(&str) -> bool + '_ {
    |key| answers.values().any(|domain| is_met_in(domain)(key))
}

/// A domain is complete when met or not met is chosen for every criterion and every "met" has
/// evidence.
pub fn domain_status(domain: &Domain, answers: &DomainAnswers) -> DomainStatus {
    if !domain
        .criteria()
        .any(|criterion| answers.contains_key(&criterion.key))
    {
        return DomainStatus::NotStarted;
    }
    let complete = domain.criteria().all(|criterion| {
        answers
            .get(&criterion.key)
            .is_some_and(|answer| match answer.met {
                Some(true) => !answer.evidence.is_empty(),
                Some(false) => true,
                None => false,
            })
    });
    if complete {
        DomainStatus::Completed
    } else {
        DomainStatus::InProgress
    }
}

/// What a person sent for one criterion: "met", "not-met" or nothing yet, and the evidence box.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CriterionInput {
    #[serde(default)]
    pub met: Option<String>,
    #[serde(default)]
    pub evidence: String,
}

/// The form field a criterion's problem points at.
pub fn evidence_field(criterion_key: &str) -> String {
    format!("evidence-{criterion_key}")
}

/// How strictly a domain form is checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Strictness {
    /// Saving as you go: keep whatever has been entered so far, half-finished or not.
    Draft,
    /// "Save and continue": every criterion touched must be finished, so the person hears about
    /// a missing choice or missing evidence before they leave the page.
    Finished,
}

/// Turns a domain form into answers. Criteria left blank stay unanswered, so work can be saved
/// part-way through; nothing may name another domain's criterion, and evidence has a length
/// limit. Finished answers also need a choice wherever there is evidence, and evidence for every
/// "met". The error is `(field id, message)`.
pub fn check_domain_input(
    domain: &Domain,
    input: &BTreeMap<String, CriterionInput>,
    strictness: Strictness,
) -> Result<DomainAnswers, (String, String)> {
    if let Some(stranger) = input
        .keys()
        .find(|key| !domain.criteria().any(|criterion| &criterion.key == *key))
    {
        return Err((
            "answers".into(),
            format!("The answer for {stranger} does not belong to this section. Reload the page and try again."),
        ));
    }
    let mut answers = DomainAnswers::new();
    for criterion in domain.criteria() {
        let Some(given) = input.get(&criterion.key) else {
            continue;
        };
        let evidence = given.evidence.trim().to_string();
        if evidence.chars().count() > EVIDENCE_MAX_CHARS {
            return Err((
                evidence_field(&criterion.key),
                format!(
                    "Evidence for \"{}\" must be {EVIDENCE_MAX_CHARS} characters or fewer",
                    criterion.text
                ),
            ));
        }
        let met = match given.met.as_deref() {
            Some("met") => Some(true),
            Some("not-met") => Some(false),
            None | Some("") if evidence.is_empty() => continue,
            None | Some("") => None,
            Some(_) => {
                return Err((
                    format!("met-{}", criterion.key),
                    format!("Select met or not met for \"{}\"", criterion.text),
                ))
            }
        };
        if strictness == Strictness::Finished {
            if met.is_none() {
                return Err((
                    format!("met-{}", criterion.key),
                    format!(
                        "Select met or not met for \"{}\", or clear its evidence",
                        criterion.text
                    ),
                ));
            }
            if met == Some(true) && evidence.is_empty() {
                return Err((
                    evidence_field(&criterion.key),
                    format!(
                        "Describe the evidence that \"{}\" is met, or select not met",
                        criterion.text
                    ),
                ));
            }
        }
        answers.insert(criterion.key.clone(), Answer { met, evidence });
    }
    Ok(answers)
}

/// In words, each criterion where the saved answers differ from the ones a person tried to save.
pub fn answer_differences(
    domain: &Domain,
    saved: &DomainAnswers,
    yours: &DomainAnswers,
) -> Vec<String> {
    let describe = |answer: Option<&Answer>| {
        let Some(answer) = answer else {
            return "not answered".to_string();
        };
        let choice = match answer.met {
            Some(true) => "met",
            Some(false) => "not met",
            None => "not answered",
        };
        if answer.evidence.is_empty() {
            choice.to_string()
        } else {
            format!("{choice}, evidence \"{}\"", answer.evidence)
        }
    };
    domain
        .criteria()
        .filter_map(|criterion| {
            let theirs = saved.get(&criterion.key);
            let mine = yours.get(&criterion.key);
            (theirs != mine).then(|| {
                format!(
                    "\"{}\": saved as {}; you entered {}",
                    criterion.text,
                    describe(theirs),
                    describe(mine)
                )
            })
        })
        .collect()
}

/// The domains of an assessment that are not yet complete, in framework order.
pub fn incomplete_domains<'a>(
    framework: &'a Framework,
    setting: CareSetting,
    answers: &BTreeMap<String, DomainAnswers>,
) -> Vec<&'a Domain> {
    let none = DomainAnswers::new();
    framework
        .domains_for(setting)
        .map(|(_, domain)| domain)
        .filter(|domain| {
            domain_status(domain, answers.get(&domain.key).unwrap_or(&none))
                != DomainStatus::Completed
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::SMALL_FRAMEWORK;
    use crate::framework::parse_framework;
    use proptest::prelude::*;

    fn first_domain() -> Domain {
        parse_framework(SMALL_FRAMEWORK).unwrap().pillars[0].domains[0].clone()
    }

    fn input(met: Option<&str>, evidence: &str) -> CriterionInput {
        CriterionInput {
            met: met.map(str::to_string),
            evidence: evidence.to_string(),
        }
    }

    fn all_answered(domain: &Domain, met: bool) -> DomainAnswers {
        let met = Some(met);
        domain
            .criteria()
            .map(|criterion| {
                (
                    criterion.key.clone(),
                    Answer {
                        met,
                        evidence: "Board minutes".into(),
                    },
                )
            })
            .collect()
    }

    #[test]
    fn a_domain_is_complete_only_when_every_criterion_is_answered() {
        let domain = first_domain();
        assert_eq!(
            domain_status(&domain, &DomainAnswers::new()),
            DomainStatus::NotStarted
        );
        let mut answers = all_answered(&domain, true);
        assert_eq!(domain_status(&domain, &answers), DomainStatus::Completed);
        let first = domain.criteria().next().unwrap().key.clone();
        answers.remove(&first);
        assert_eq!(domain_status(&domain, &answers), DomainStatus::InProgress);
        answers.insert(
            first,
            Answer {
                met: Some(true),
                evidence: String::new(),
            },
        );
        assert_eq!(domain_status(&domain, &answers), DomainStatus::InProgress);
    }

    #[test]
    fn met_needs_evidence_and_unanswered_criteria_can_wait() {
        let domain = first_domain();
        let keys: Vec<String> = domain.criteria().map(|c| c.key.clone()).collect();
        let mut form = BTreeMap::new();
        form.insert(
            keys[0].clone(),
            input(Some("met"), "  Board minutes, May 2026 "),
        );
        form.insert(keys[1].clone(), input(Some("not-met"), ""));
        form.insert(keys[2].clone(), input(None, ""));
        let answers = check_domain_input(&domain, &form, Strictness::Finished).unwrap();
        assert_eq!(answers.len(), 2);
        assert_eq!(answers[&keys[0]].evidence, "Board minutes, May 2026");
        assert_eq!(answers[&keys[1]].met, Some(false));

        form.insert(keys[1].clone(), input(Some("met"), "   "));
        let (field, message) =
            check_domain_input(&domain, &form, Strictness::Finished).unwrap_err();
        assert_eq!(field, evidence_field(&keys[1]));
        assert!(message.starts_with("Describe the evidence"), "{message}");

        let mut form = BTreeMap::new();
        form.insert(keys[0].clone(), input(None, "some notes"));
        assert_eq!(
            check_domain_input(&domain, &form, Strictness::Finished)
                .unwrap_err()
                .0,
            format!("met-{}", keys[0])
        );
        let mut form = BTreeMap::new();
        form.insert(keys[0].clone(), input(Some("maybe"), ""));
        assert!(check_domain_input(&domain, &form, Strictness::Finished).is_err());
        let mut form = BTreeMap::new();
        form.insert(
            keys[0].clone(),
            input(Some("met"), &"x".repeat(EVIDENCE_MAX_CHARS + 1)),
        );
        assert_eq!(
            check_domain_input(&domain, &form, Strictness::Finished)
                .unwrap_err()
                .0,
            evidence_field(&keys[0])
        );
    }

    #[test]
    fn a_draft_keeps_evidence_written_before_the_choice_and_met_without_evidence() {
        let domain = first_domain();
        let keys: Vec<String> = domain.criteria().map(|c| c.key.clone()).collect();
        let mut form = BTreeMap::new();
        form.insert(keys[0].clone(), input(None, "Board minutes"));
        form.insert(keys[1].clone(), input(Some("met"), ""));
        let answers = check_domain_input(&domain, &form, Strictness::Draft).unwrap();
        assert_eq!(answers[&keys[0]].met, None);
        assert_eq!(answers[&keys[0]].evidence, "Board minutes");
        assert!(answers[&keys[1]].is_met());
        assert_eq!(domain_status(&domain, &answers), DomainStatus::InProgress);
        assert!(check_domain_input(&domain, &form, Strictness::Finished).is_err());
    }

    #[test]
    fn a_criterion_of_another_domain_is_refused() {
        let domain = first_domain();
        let mut form = BTreeMap::new();
        form.insert(
            "someone-elses-criterion".to_string(),
            input(Some("met"), "x"),
        );
        assert_eq!(
            check_domain_input(&domain, &form, Strictness::Finished)
                .unwrap_err()
                .0,
            "answers"
        );
    }

    #[test]
    fn differences_name_each_changed_criterion_in_words() {
        let domain = first_domain();
        let saved = all_answered(&domain, true);
        let mut yours = saved.clone();
        let first = domain.criteria().next().unwrap();
        yours.insert(
            first.key.clone(),
            Answer {
                met: Some(false),
                evidence: String::new(),
            },
        );
        let differences = answer_differences(&domain, &saved, &yours);
        assert_eq!(
            differences,
            vec![format!(
                "\"{}\": saved as met, evidence \"Board minutes\"; you entered not met",
                first.text
            )]
        );
        assert!(answer_differences(&domain, &saved, &saved).is_empty());
    }

    proptest! {
        /// Whatever is sent, accepted answers only name this domain's criteria and every "met"
        /// carries evidence.
        #[test]
        fn accepted_answers_are_always_well_formed(
            choices in proptest::collection::vec((0usize..4, "[a-z ]{0,12}"), 0..30)
        ) {
            let domain = first_domain();
            let keys: Vec<String> = domain.criteria().map(|c| c.key.clone()).collect();
            let form: BTreeMap<String, CriterionInput> = choices
                .iter()
                .enumerate()
                .filter(|(index, _)| *index < keys.len())
                .map(|(index, (choice, evidence))| {
                    let met = [None, Some("met"), Some("not-met"), Some("")][*choice];
                    (keys[index].clone(), input(met, evidence))
                })
                .collect();
            if let Ok(answers) = check_domain_input(&domain, &form, Strictness::Finished) {
                for (key, answer) in &answers {
                    prop_assert!(keys.contains(key));
                    prop_assert!(answer.met != Some(true) || !answer.evidence.is_empty());
                }
            }
        }
    }
}
