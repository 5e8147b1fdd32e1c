//! Moderation: NHS England sets each domain's moderated level, weighing the self-assessment, the
//! reviews and the trust's reply. Wherever it differs from the trust's own level it needs a
//! rationale and the criteria it rests on; pillar and overall moderated scores follow by the
//! framework's rules. What an approver signs off is the list of those changes.

use super::assessments::Strictness;
use super::framework::{Domain, Framework};
use super::organisations::CareSetting;
use super::scoring::{overall_score, pillar_score};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Longest rationale for one domain.
pub const RATIONALE_MAX_CHARS: usize = 2000;

/// One domain's moderated level, with why, where it differs from the trust's.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DomainModeration {
    pub score: u8,
    /// The criteria (keys) the moderated level rests on; empty where it is the trust's level.
    pub criteria: Vec<String>,
    pub rationale: String,
}

/// Turns a domain's moderation form into a moderation. A level from 1 to 5 is required; where it
/// differs from `self_score` a finished moderation names the criteria it rests on (from this
/// domain) and gives a rationale, while a draft (saving as you go) may not have them yet. The
/// error is `(field id, message)`.
pub fn check_domain_moderation(
    domain: &Domain,
    self_score: u8,
    score: Option<&str>,
    criteria: &[String],
    rationale: &str,
    strictness: Strictness,
) -> Result<DomainModeration, (String, String)> {
    let score = score
        .and_then(|text| text.trim().parse::<u8>().ok())
        .filter(|score| (1..=5).contains(score))
        .ok_or_else(|| {
            (
                "score".to_string(),
                "Select the moderated level, from 1 to 5".to_string(),
            )
        })?;
    if let Some(stranger) = criteria
        .iter()
        .find(|key| !domain.criteria().any(|criterion| &criterion.key == *key))
    {
        return Err((
            "criteria".into(),
            format!("The criterion {stranger} does not belong to this section. Reload the page and try again."),
        ));
    }
    let rationale = rationale.trim();
    if rationale.chars().count() > RATIONALE_MAX_CHARS {
        return Err((
            "rationale".into(),
            format!("The rationale must be {RATIONALE_MAX_CHARS} characters or fewer"),
        ));
    }
    if score != self_score && strictness == Strictness::Finished {
        if criteria.is_empty() {
            return Err((
                "criteria".into(),
                format!("Select the criteria the moderated level {score} rests on: it differs from the trust's level {self_score}"),
            ));
        }
        if rationale.is_empty() {
            return Err((
                "rationale".into(),
                format!("Give the rationale for level {score} rather than the trust's level {self_score}"),
            ));
        }
    }
    let mut criteria: Vec<String> = criteria.to_vec();
    criteria.sort();
    criteria.dedup();
    Ok(DomainModeration {
        score,
        criteria,
        rationale: rationale.to_string(),
    })
}

/// The most days a trust may be given to answer a request for more evidence: a few working days.
pub const EVIDENCE_DAYS_MAX: i64 = 10;
/// Longest question, and longest answer, about more evidence.
pub const QUESTION_MAX_CHARS: usize = 1000;
pub const ANSWER_MAX_CHARS: usize = 2000;

/// A request for more evidence as the moderator filled it in: at least one domain, a question,
/// and a deadline after `today` and at most [`EVIDENCE_DAYS_MAX`] days away. Returns the
/// question, trimmed. The error is `(field id, message)`.
pub fn check_evidence_request(
    domain_count: usize,
    question: &str,
    deadline: &str,
    today: &str,
) -> Result<String, (String, String)> {
    if domain_count == 0 {
        return Err((
            "evidence-domains".into(),
            "Select the sections you need more evidence for".into(),
        ));
    }
    let question = question.trim();
    if question.is_empty() || question.chars().count() > QUESTION_MAX_CHARS {
        return Err((
            "evidence-question".into(),
            format!(
                "Enter your question for the trust, in {QUESTION_MAX_CHARS} characters or fewer"
            ),
        ));
    }
    let latest = super::cycles::add_days(today, EVIDENCE_DAYS_MAX).unwrap_or_default();
    if !super::cycles::is_valid_date(deadline) || deadline <= today || deadline > latest.as_str() {
        return Err((
            "evidence-deadline".into(),
            format!("Enter a deadline after today and no later than {latest}, like {latest}"),
        ));
    }
    Ok(question.to_string())
}

/// The trust's answer to a request for more evidence, trimmed: it must say something, within
/// its limit.
pub fn check_evidence_answer(answer: &str) -> Result<String, (String, String)> {
    let answer = answer.trim();
    if answer.is_empty() || answer.chars().count() > ANSWER_MAX_CHARS {
        return Err((
            "answer".into(),
            format!("Enter your answer, in {ANSWER_MAX_CHARS} characters or fewer"),
        ));
    }
    Ok(answer.to_string())
}

/// The moderated scores of an assessment: `(pillar key, mean)` for each pillar whose domains are
/// all moderated, and the weighted overall score once every domain is.
pub fn moderated_scores(
    framework: &Framework,
    setting: CareSetting,
    moderated: &BTreeMap<String, DomainModeration>,
) -> (Vec<(String, f64)>, Option<f64>) {
    let mut pillars = Vec::new();
    let mut weighted = Vec::new();
    let mut complete = true;
    for pillar in &framework.pillars {
        let domains: Vec<&Domain> = pillar
            .domains
            .iter()
            .filter(|domain| domain.applies_to(setting))
            .collect();
        let scores: Vec<u8> = domains
            .iter()
            .filter_map(|domain| moderated.get(&domain.key).map(|m| m.score))
            .collect();
        if scores.len() < domains.len() {
            complete = false;
            continue;
        }
        if let Some(score) = pillar_score(&scores) {
            pillars.push((pillar.key.clone(), score));
            weighted.push((pillar.weight, score));
        }
    }
    let overall = if complete {
        overall_score(&weighted)
    } else {
        None
    };
    (pillars, overall)
}

/// Whether a saved moderation is finished: a different level has its criteria and rationale.
pub fn is_finished(domain: &Domain, self_score: u8, moderation: &DomainModeration) -> bool {
    check_domain_moderation(
        domain,
        self_score,
        Some(&moderation.score.to_string()),
        &moderation.criteria,
        &moderation.rationale,
        Strictness::Finished,
    )
    .is_ok()
}

/// The domains of the assessment without a finished moderation, in framework order;
/// `self_score` gives the trust's level of each.
pub fn unmoderated_domains<'a>(
    framework: &'a Framework,
    setting: CareSetting,
    moderated: &BTreeMap<String, DomainModeration>,
    self_score: impl Fn(&Domain) -> u8,
) -> Vec<&'a Domain> {
    framework
        .domains_for(setting)
        .map(|(_, domain)| domain)
        .filter(|domain| {
            moderated
                .get(&domain.key)
                .is_none_or(|moderation| !is_finished(domain, self_score(domain), moderation))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::SMALL_FRAMEWORK;
    use crate::framework::parse_framework;
    use proptest::prelude::*;

    fn strategy() -> Domain {
        parse_framework(SMALL_FRAMEWORK).unwrap().pillars[0].domains[0].clone()
    }

    #[test]
    fn the_trusts_own_level_needs_no_rationale() {
        let moderation =
            check_domain_moderation(&strategy(), 3, Some("3"), &[], "", Strictness::Finished)
                .unwrap();
        assert_eq!(moderation.score, 3);
    }

    #[test]
    fn a_different_level_needs_its_criteria_and_a_rationale() {
        let domain = strategy();
        let named = vec!["strategy-3a".to_string()];
        assert_eq!(
            check_domain_moderation(
                &domain,
                3,
                Some("2"),
                &[],
                "Draft only",
                Strictness::Finished
            )
            .unwrap_err()
            .0,
            "criteria"
        );
        assert_eq!(
            check_domain_moderation(&domain, 3, Some("2"), &named, " ", Strictness::Finished)
                .unwrap_err()
                .0,
            "rationale"
        );
        let draft =
            check_domain_moderation(&domain, 3, Some("2"), &[], "", Strictness::Draft).unwrap();
        assert!(
            !is_finished(&domain, 3, &draft),
            "a draft may lack them, and is not finished"
        );
        let moderation = check_domain_moderation(
            &domain,
            3,
            Some("2"),
            &named,
            " Draft only ",
            Strictness::Finished,
        )
        .unwrap();
        assert!(is_finished(&domain, 3, &moderation));
        assert_eq!(
            moderation,
            DomainModeration {
                score: 2,
                criteria: named,
                rationale: "Draft only".into()
            }
        );
    }

    #[test]
    fn bad_input_is_refused_with_its_field() {
        let domain = strategy();
        for score in [None, Some("0"), Some("6"), Some("two")] {
            assert_eq!(
                check_domain_moderation(&domain, 3, score, &[], "", Strictness::Finished)
                    .unwrap_err()
                    .0,
                "score"
            );
        }
        let stranger = vec!["infra-2a".to_string()];
        assert_eq!(
            check_domain_moderation(
                &domain,
                3,
                Some("2"),
                &stranger,
                "Why",
                Strictness::Finished
            )
            .unwrap_err()
            .0,
            "criteria"
        );
        let long = "x".repeat(RATIONALE_MAX_CHARS + 1);
        assert_eq!(
            check_domain_moderation(&domain, 3, Some("3"), &[], &long, Strictness::Finished)
                .unwrap_err()
                .0,
            "rationale"
        );
    }

    #[test]
    fn pillar_and_overall_scores_follow_once_every_domain_is_moderated() {
        let framework = parse_framework(SMALL_FRAMEWORK).unwrap();
        let at = |score: u8| DomainModeration {
            score,
            criteria: Vec::new(),
            rationale: String::new(),
        };
        let mut moderated: BTreeMap<String, DomainModeration> =
            [("digital-strategy".to_string(), at(4))].into();
        let (pillars, overall) = moderated_scores(&framework, CareSetting::Acute, &moderated);
        assert_eq!(pillars, [("well-led".to_string(), 4.0)]);
        assert_eq!(overall, None, "infrastructure is not moderated yet");
        assert_eq!(
            unmoderated_domains(&framework, CareSetting::Acute, &moderated, |_| 4).len(),
            1
        );
        moderated.insert("infrastructure".into(), at(1));
        let (_, overall) = moderated_scores(&framework, CareSetting::Acute, &moderated);
        // Well Led weighs 2, Smart Foundations 1.
        assert!((overall.unwrap() - 3.0).abs() < 1e-9);
    }

    #[test]
    fn a_request_for_evidence_needs_sections_a_question_and_a_short_deadline() {
        let today = "2027-03-01";
        assert_eq!(
            check_evidence_request(0, "Why?", "2027-03-05", today)
                .unwrap_err()
                .0,
            "evidence-domains"
        );
        assert_eq!(
            check_evidence_request(1, " ", "2027-03-05", today)
                .unwrap_err()
                .0,
            "evidence-question"
        );
        for deadline in ["2027-03-01", "2027-03-12", "next week"] {
            assert_eq!(
                check_evidence_request(1, "Why?", deadline, today)
                    .unwrap_err()
                    .0,
                "evidence-deadline",
                "{deadline}"
            );
        }
        assert_eq!(
            check_evidence_request(2, " Board minutes? ", "2027-03-11", today),
            Ok("Board minutes?".into())
        );
        assert_eq!(check_evidence_answer("  ").unwrap_err().0, "answer");
        assert_eq!(check_evidence_answer(" Attached ").unwrap(), "Attached");
    }

    proptest! {
        #[test]
        fn the_moderated_overall_score_stays_within_its_domains(
            strategy_score in 1u8..=5,
            infrastructure_score in 1u8..=5,
        ) {
            let framework = parse_framework(SMALL_FRAMEWORK).unwrap();
            let at = |score: u8| DomainModeration { score, criteria: Vec::new(), rationale: String::new() };
            let moderated: BTreeMap<String, DomainModeration> = [
                ("digital-strategy".to_string(), at(strategy_score)),
                ("infrastructure".to_string(), at(infrastructure_score)),
            ]
            .into();
            let overall = moderated_scores(&framework, CareSetting::Acute, &moderated).1.unwrap();
            let low = f64::from(strategy_score.min(infrastructure_score));
            let high = f64::from(strategy_score.max(infrastructure_score));
            prop_assert!(low - 1e-9 <= overall && overall <= high + 1e-9);
        }
    }
}
