//! The trust's reply to its peer reviews: for each domain a reviewer adjusted, the trust accepts
//! the adjustment or contests it with a comment (and more evidence if it wishes). Reviewers are
//! shown to the trust by their place ("Reviewer 1", "Reviewer 2"), never by name. A reply not
//! made by the deadline is recorded as "no reply received", never as agreement.

use super::assessments::{is_met_in, DomainAnswers};
use super::review::DomainJudgements;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Longest comment contesting one domain's adjustments.
pub const COMMENT_MAX_CHARS: usize = 1500;
/// Longest further evidence for one domain.
pub const EVIDENCE_MAX_CHARS: usize = 2000;

stored_enum! {
    /// The trust's answer to the reviewers' adjustments of one domain.
    pub enum Response {
        Accept = ("accept", "Accepted"),
        Contest = ("contest", "Contested"),
    }
}

stored_enum! {
    /// How the trust's reply ended.
    pub enum ReplyOutcome {
        Submitted = ("submitted", "Reply submitted"),
        NoReply = ("no_reply", "No reply received"),
    }
}

/// The trust's reply on one domain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DomainReply {
    pub response: Response,
    pub comment: String,
    pub evidence: String,
}

/// How the trust sees the reviewer at `index` (from 0) in the order reviews were assigned.
pub fn reviewer_label(index: usize) -> String {
    format!("Reviewer {}", index + 1)
}

/// Whether any reviewer judged a criterion of the domain differently from the trust.
pub fn is_adjusted<'a>(
    trust: &DomainAnswers,
    reviews: impl IntoIterator<Item = &'a DomainJudgements>,
) -> bool {
    let trust_met = is_met_in(trust);
    reviews.into_iter().any(|judgements| {
        judgements
            .iter()
            .any(|(key, judgement)| judgement.met != trust_met(key))
    })
}

/// The adjusted domains (keys, in order) the trust has not answered yet.
pub fn unanswered<'a>(
    adjusted: &[&'a str],
    replies: &BTreeMap<String, DomainReply>,
) -> Vec<&'a str> {
    adjusted
        .iter()
        .copied()
        .filter(|key| !replies.contains_key(*key))
        .collect()
}

/// Turns a domain's reply form into a reply: a response is required, contesting needs a
/// comment, and each text has a limit. The error is `(field id, message)`.
pub fn check_domain_reply(
    response: Option<&str>,
    comment: &str,
    evidence: &str,
) -> Result<DomainReply, (String, String)> {
    let response = response.and_then(Response::from_key).ok_or_else(|| {
        (
            "response".to_string(),
            "Select whether you accept or contest the reviewers' adjustments".to_string(),
        )
    })?;
    let comment = comment.trim();
    let length = comment.chars().count();
    if length > COMMENT_MAX_CHARS {
        return Err((
            "comment".into(),
            format!(
                "Your comment must be {COMMENT_MAX_CHARS} characters or fewer; it has {length}"
            ),
        ));
    }
    if response == Response::Contest && comment.is_empty() {
        return Err((
            "comment".into(),
            "Say why you contest the adjustments: the moderator will read it".into(),
        ));
    }
    let evidence = evidence.trim();
    if evidence.chars().count() > EVIDENCE_MAX_CHARS {
        return Err((
            "evidence".into(),
            format!("Further evidence must be {EVIDENCE_MAX_CHARS} characters or fewer"),
        ));
    }
    Ok(DomainReply {
        response,
        comment: comment.to_string(),
        evidence: evidence.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assessments::Answer;
    use crate::review::Judgement;

    fn trust(met: &[(&str, bool)]) -> DomainAnswers {
        met.iter()
            .map(|&(key, met)| {
                (
                    key.to_string(),
                    Answer {
                        met: Some(met),
                        evidence: String::new(),
                    },
                )
            })
            .collect()
    }

    fn judged(pairs: &[(&str, bool)]) -> DomainJudgements {
        pairs
            .iter()
            .map(|&(key, met)| {
                (
                    key.to_string(),
                    Judgement {
                        met,
                        reason: "Because".into(),
                    },
                )
            })
            .collect()
    }

    #[test]
    fn a_domain_is_adjusted_when_any_reviewer_judged_a_criterion_differently() {
        let answers = trust(&[("a", true), ("b", false)]);
        assert!(
            !is_adjusted(&answers, [&judged(&[]), &judged(&[("a", true)])]),
            "a note is not an adjustment"
        );
        assert!(is_adjusted(
            &answers,
            [&judged(&[]), &judged(&[("b", true)])]
        ));
        assert!(is_adjusted(&answers, [&judged(&[("a", false)])]));
    }

    #[test]
    fn contesting_needs_a_comment_within_its_limit() {
        assert_eq!(check_domain_reply(None, "", "").unwrap_err().0, "response");
        assert_eq!(
            check_domain_reply(Some("maybe"), "", "").unwrap_err().0,
            "response"
        );
        assert_eq!(
            check_domain_reply(Some("contest"), "  ", "").unwrap_err().0,
            "comment"
        );
        let long = "x".repeat(COMMENT_MAX_CHARS + 1);
        let (field, message) = check_domain_reply(Some("accept"), &long, "").unwrap_err();
        assert_eq!(field, "comment");
        assert!(message.ends_with("it has 1501"), "{message}");
        let long = "x".repeat(EVIDENCE_MAX_CHARS + 1);
        assert_eq!(
            check_domain_reply(Some("contest"), "Why", &long)
                .unwrap_err()
                .0,
            "evidence"
        );
        assert_eq!(
            check_domain_reply(Some("contest"), " The minutes show it ", " Board minutes "),
            Ok(DomainReply {
                response: Response::Contest,
                comment: "The minutes show it".into(),
                evidence: "Board minutes".into(),
            })
        );
        assert!(check_domain_reply(Some("accept"), "", "").is_ok());
    }

    #[test]
    fn reviewers_are_numbered_from_one_and_unanswered_domains_listed() {
        assert_eq!(reviewer_label(0), "Reviewer 1");
        let replies: BTreeMap<String, DomainReply> = [(
            "b".to_string(),
            DomainReply {
                response: Response::Accept,
                comment: String::new(),
                evidence: String::new(),
            },
        )]
        .into();
        assert_eq!(unanswered(&["a", "b", "c"], &replies), ["a", "c"]);
    }
}
