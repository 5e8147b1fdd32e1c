//! Why a domain's final score is what it is, in the order it came about: the trust's own score,
//! each peer reviewer's level and adjustments, the trust's reply, and the moderated score with its
//! rationale and the criteria it rests on. Reviewers are numbered, never named, so the trust can
//! read it.

use super::assessments::{is_met_in, DomainAnswers};
use super::framework::Domain;
use super::moderation::DomainModeration;
use super::reply::{reviewer_label, DomainReply, Response};
use super::review::{adjustments, reviewer_domain_score, DomainJudgements};
use super::scoring::domain_score;
use serde::{Deserialize, Serialize};

/// One step on the way to the final score.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    /// Who took the step: "Self-assessment", "Reviewer 1", "The trust's reply", "Moderation".
    pub by: String,
    /// The level this step gave, where it gave one.
    pub level: Option<u8>,
    /// What the step rests on, in sentences.
    pub reasons: Vec<String>,
}

/// A domain's final level and the steps to it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Explanation {
    pub final_level: u8,
    pub steps: Vec<Step>,
}

/// Explains `domain`'s final level from the trust's answers, the submitted reviews' judgements
/// (in the order the reviewers were assigned), the trust's reply and the moderation. Without a
/// moderation the final level is the trust's own.
pub fn explain(
    domain: &Domain,
    answers: &DomainAnswers,
    reviews: &[DomainJudgements],
    reply: Option<&DomainReply>,
    moderation: Option<&DomainModeration>,
) -> Explanation {
    let own = domain_score(is_met_in(answers), domain);
    let mut steps = vec![Step {
        by: "Self-assessment".into(),
        level: Some(own),
        reasons: vec![format!(
            "{} of {} criteria marked met.",
            domain
                .criteria()
                .filter(|c| is_met_in(answers)(&c.key))
                .count(),
            domain.criteria().count()
        )],
    }];
    for (index, judgements) in reviews.iter().enumerate() {
        let changes = adjustments(domain, answers, judgements);
        steps.push(Step {
            by: reviewer_label(index),
            level: Some(reviewer_domain_score(domain, answers, judgements)),
            reasons: if changes.is_empty() {
                vec!["Agreed with every criterion as the trust marked it.".into()]
            } else {
                changes
            },
        });
    }
    if let Some(reply) = reply {
        let answer = match reply.response {
            Response::Accept => "Accepted the reviewers' adjustments.",
            Response::Contest => "Contested the reviewers' adjustments.",
        };
        let mut reasons = vec![answer.to_string()];
        reasons.extend(
            [&reply.comment, &reply.evidence]
                .into_iter()
                .filter(|text| !text.trim().is_empty())
                .cloned(),
        );
        steps.push(Step {
            by: "The trust's reply".into(),
            level: None,
            reasons,
        });
    }
    let final_level = moderation.map_or(own, |m| m.score);
    if let Some(moderation) = moderation {
        let mut reasons = Vec::new();
        if moderation.score == own {
            reasons.push("Kept the trust's own level.".to_string());
        } else {
            reasons.push(format!(
                "Set level {} where the trust had {own}.",
                moderation.score
            ));
        }
        if !moderation.rationale.trim().is_empty() {
            reasons.push(moderation.rationale.clone());
        }
        for level in &domain.levels {
            for criterion in &level.criteria {
                if moderation.criteria.contains(&criterion.key) {
                    reasons.push(format!(
                        "Rests on level {}: \"{}\"",
                        level.level, criterion.text
                    ));
                }
            }
        }
        steps.push(Step {
            by: "Moderation".into(),
            level: Some(moderation.score),
            reasons,
        });
    }
    Explanation { final_level, steps }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assessments::Answer;
    use crate::fixtures::SMALL_FRAMEWORK;
    use crate::framework::parse_framework;
    use crate::review::Judgement;

    fn first_domain() -> Domain {
        let framework = parse_framework(SMALL_FRAMEWORK).unwrap();
        framework.pillars[0].domains[0].clone()
    }

    /// Every criterion of levels 2 and 3 met: the trust's level is 3.
    fn answers_to_level_three(domain: &Domain) -> DomainAnswers {
        domain
            .levels
            .iter()
            .filter(|level| level.level <= 3)
            .flat_map(|level| &level.criteria)
            .map(|criterion| {
                (
                    criterion.key.clone(),
                    Answer {
                        met: Some(true),
                        evidence: "Board minutes".into(),
                    },
                )
            })
            .collect()
    }

    #[test]
    fn the_explanation_runs_from_self_score_through_reviews_and_reply_to_moderation() {
        let domain = first_domain();
        let answers = answers_to_level_three(&domain);
        let level_three = &domain
            .levels
            .iter()
            .find(|l| l.level == 3)
            .unwrap()
            .criteria[0];
        let adjusted: DomainJudgements = [(
            level_three.key.clone(),
            Judgement {
                met: false,
                reason: "The strategy is a draft, not approved by the board.".into(),
            },
        )]
        .into();
        let reply = DomainReply {
            response: Response::Contest,
            comment: "The board approved it in March.".into(),
            evidence: "Minutes of 14 March".into(),
        };
        let moderation = DomainModeration {
            score: 2,
            criteria: vec![level_three.key.clone()],
            rationale: "The minutes record a discussion, not an approval.".into(),
        };
        let explanation = explain(
            &domain,
            &answers,
            &[adjusted, DomainJudgements::new()],
            Some(&reply),
            Some(&moderation),
        );
        assert_eq!(explanation.final_level, 2);
        insta::assert_yaml_snapshot!(explanation);
    }

    #[test]
    fn without_moderation_the_final_level_is_the_trusts_own() {
        let domain = first_domain();
        let answers = answers_to_level_three(&domain);
        let explanation = explain(&domain, &answers, &[], None, None);
        assert_eq!(explanation.final_level, 3);
        assert_eq!(explanation.steps.len(), 1);
    }
}
