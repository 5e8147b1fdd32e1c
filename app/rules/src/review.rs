//! A peer reviewer's review of one assessment. The reviewer agrees with the trust's answer on
//! every criterion unless they judge it differently, with a reason; their domain score follows
//! from those judgements by the same cumulative rule as the trust's, so every adjustment is
//! explained by named criteria. Also: what makes a domain and a review complete, the flags, and
//! the verdict.

use super::assessments::{is_met_in, DomainAnswers, DomainStatus, Strictness};
use super::framework::{Domain, Framework};
use super::organisations::CareSetting;
use super::scoring::domain_score;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Longest reason for judging one criterion differently.
pub const REASON_MAX_CHARS: usize = 1000;
/// Longest comment on one domain.
pub const COMMENT_MAX_CHARS: usize = 2000;
/// Longest summary of the verdict.
pub const SUMMARY_MAX_CHARS: usize = 4000;

stored_enum! {
    /// How sure the reviewer is of their judgement of a domain.
    pub enum Confidence {
        Low = ("low", "Low"),
        Medium = ("medium", "Medium"),
        High = ("high", "High"),
    }
}

stored_enum! {
    /// How far the self-assessment as a whole can be trusted.
    pub enum Verdict {
        Accurate = ("accurate", "Accurate"),
        MinorDifferences = ("minor_differences", "Minor differences"),
        SignificantlyUnderScored = ("significantly_under_scored", "Significantly under-scored"),
        SignificantlyOverScored = ("significantly_over_scored", "Significantly over-scored"),
        UnreliableEvidence = ("unreliable_evidence", "Evidence unreliable"),
    }
}

stored_enum! {
    /// What a domain's review draws attention to. Under- and over-scored follow from the two
    /// scores; insufficient evidence is the reviewer's to say.
    pub enum Flag {
        UnderScored = ("under_scored", "Under-scored"),
        OverScored = ("over_scored", "Over-scored"),
        InsufficientEvidence = ("insufficient_evidence", "Insufficient evidence"),
    }
}

/// The reviewer's own judgement of one criterion: whether it is met, and why. Kept where it
/// differs from the trust's answer, or where the reviewer wrote a reason anyway.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Judgement {
    pub met: bool,
    pub reason: String,
}

/// A domain's judgements by criterion key.
pub type DomainJudgements = BTreeMap<String, Judgement>;

/// One domain's review as saved.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DomainReview {
    pub judgements: DomainJudgements,
    pub insufficient_evidence: bool,
    pub confidence: Option<Confidence>,
    pub comment: String,
    /// The reviewer confirmed the domain ("Confirm and continue"); a later draft save unconfirms
    /// it until they confirm again.
    pub confirmed: bool,
}

/// Whether the reviewer holds the criterion with this key to be met: their judgement where they
/// gave one, otherwise the trust's answer.
pub fn reviewer_met<'a>(
    trust: &'a DomainAnswers,
    judgements: &'a DomainJudgements,
) -> impl Fn(&str) -> bool + 'a {
    move |key| {
        judgements
            .get(key)
            .map_or_else(|| is_met_in(trust)(key), |judgement| judgement.met)
    }
}

/// The reviewer's level for a domain, by the same cumulative rule as the trust's.
pub fn reviewer_domain_score(
    domain: &Domain,
    trust: &DomainAnswers,
    judgements: &DomainJudgements,
) -> u8 {
    domain_score(reviewer_met(trust, judgements), domain)
}

/// The flags of a domain's review: under- or over-scored when the reviewer's level differs from
/// the trust's, and insufficient evidence where the reviewer said so.
pub fn flags(self_score: u8, reviewer_score: u8, insufficient_evidence: bool) -> Vec<Flag> {
    let mut flags = Vec::new();
    if reviewer_score > self_score {
        flags.push(Flag::UnderScored);
    }
    if reviewer_score < self_score {
        flags.push(Flag::OverScored);
    }
    if insufficient_evidence {
        flags.push(Flag::InsufficientEvidence);
    }
    flags
}

fn met_words(met: bool) -> &'static str {
    if met {
        "met"
    } else {
        "not met"
    }
}

/// Each criterion the reviewer judged differently from the trust, in framework order, as
/// "Level 3: "c" – the trust said not met; the reviewer judged it met: reason".
pub fn adjustments(
    domain: &Domain,
    trust: &DomainAnswers,
    judgements: &DomainJudgements,
) -> Vec<String> {
    domain
        .levels
        .iter()
        .flat_map(|level| level.criteria.iter().map(move |c| (level.level, c)))
        .filter_map(|(level, criterion)| {
            let judgement = judgements.get(&criterion.key)?;
            let trust_met = is_met_in(trust)(&criterion.key);
            (judgement.met != trust_met).then(|| {
                format!(
                    "Level {level}: \"{}\" – the trust said {}; the reviewer judged it {}: {}",
                    criterion.text,
                    met_words(trust_met),
                    met_words(judgement.met),
                    judgement.reason
                )
            })
        })
        .collect()
}

/// Whether a review is overdue: not submitted, and its deadline (with any extension) passed.
/// Dates are `YYYY-MM-DD`.
pub fn is_overdue(submitted: bool, deadline: &str, today: &str) -> bool {
    !submitted && today > deadline
}

/// Where a domain's review stands: not started until first saved, reviewed once confirmed.
pub fn domain_review_status(saved: Option<&DomainReview>) -> DomainStatus {
    match saved {
        None => DomainStatus::NotStarted,
        Some(review) if review.confirmed => DomainStatus::Completed,
        Some(_) => DomainStatus::InProgress,
    }
}

/// The domains of the assessment whose review is not yet confirmed, in framework order.
pub fn unconfirmed_domains<'a>(
    framework: &'a Framework,
    setting: CareSetting,
    reviews: &BTreeMap<String, DomainReview>,
) -> Vec<&'a Domain> {
    framework
        .domains_for(setting)
        .map(|(_, domain)| domain)
        .filter(|domain| {
            reviews
                .get(&domain.key)
                .is_none_or(|review| !review.confirmed)
        })
        .collect()
}

/// What the review form sends for one criterion: "met", "not-met" (nothing: the trust's answer)
/// and the reason.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JudgementInput {
    #[serde(default)]
    pub met: Option<String>,
    #[serde(default)]
    pub reason: String,
}

/// What the review form sends for one domain.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DomainReviewInput {
    pub judgements: BTreeMap<String, JudgementInput>,
    pub confidence: Option<String>,
    pub insufficient_evidence: bool,
    pub comment: String,
}

/// The form field a criterion's reason is typed in.
pub fn reason_field(criterion_key: &str) -> String {
    format!("reason-{criterion_key}")
}

/// Turns a domain's review form into a review, against the trust's answers. Draft saves keep
/// whatever was entered; a finished (confirmed) domain needs a reason for every criterion judged
/// differently. Nothing may name another domain's criterion, and every text has a limit. The
/// error is `(field id, message)`.
pub fn check_domain_review(
    domain: &Domain,
    trust: &DomainAnswers,
    input: &DomainReviewInput,
    strictness: Strictness,
) -> Result<DomainReview, (String, String)> {
    if let Some(stranger) = input
        .judgements
        .keys()
        .find(|key| !domain.criteria().any(|criterion| &criterion.key == *key))
    {
        return Err((
            "judgements".into(),
            format!("The judgement for {stranger} does not belong to this section. Reload the page and try again."),
        ));
    }
    let mut judgements = DomainJudgements::new();
    for criterion in domain.criteria() {
        let Some(given) = input.judgements.get(&criterion.key) else {
            continue;
        };
        let trust_met = is_met_in(trust)(&criterion.key);
        let met = match given.met.as_deref() {
            Some("met") => true,
            Some("not-met") => false,
            None | Some("") => trust_met,
            Some(_) => {
                return Err((
                    format!("judgement-{}", criterion.key),
                    format!("Select met or not met for \"{}\"", criterion.text),
                ))
            }
        };
        let reason = given.reason.trim().to_string();
        if reason.chars().count() > REASON_MAX_CHARS {
            return Err((
                reason_field(&criterion.key),
                format!(
                    "Your reason for \"{}\" must be {REASON_MAX_CHARS} characters or fewer",
                    criterion.text
                ),
            ));
        }
        if met != trust_met && reason.is_empty() && strictness == Strictness::Finished {
            return Err((
                reason_field(&criterion.key),
                format!(
                    "Give your reason for judging \"{}\" {} when the trust said {}",
                    criterion.text,
                    met_words(met),
                    met_words(trust_met)
                ),
            ));
        }
        if met != trust_met || !reason.is_empty() {
            judgements.insert(criterion.key.clone(), Judgement { met, reason });
        }
    }
    let confidence = match input.confidence.as_deref() {
        None | Some("") => None,
        Some(key) => Some(Confidence::from_key(key).ok_or_else(|| {
            (
                "confidence".to_string(),
                "Select low, medium or high confidence".to_string(),
            )
        })?),
    };
    let comment = input.comment.trim().to_string();
    if comment.chars().count() > COMMENT_MAX_CHARS {
        return Err((
            "comment".into(),
            format!("Your comment must be {COMMENT_MAX_CHARS} characters or fewer"),
        ));
    }
    Ok(DomainReview {
        judgements,
        insufficient_evidence: input.insufficient_evidence,
        confidence,
        comment,
        confirmed: strictness == Strictness::Finished,
    })
}

/// The verdict as chosen, with its summary: a summary is required unless the self-assessment is
/// accurate. The error is `(field id, message)`.
pub fn check_verdict(
    verdict: Option<&str>,
    summary: &str,
) -> Result<(Verdict, String), (String, String)> {
    let verdict = verdict.and_then(Verdict::from_key).ok_or_else(|| {
        (
            "verdict".to_string(),
            "Select how far the self-assessment can be trusted".to_string(),
        )
    })?;
    let summary = summary.trim();
    if summary.chars().count() > SUMMARY_MAX_CHARS {
        return Err((
            "summary".into(),
            format!("Your summary must be {SUMMARY_MAX_CHARS} characters or fewer"),
        ));
    }
    if summary.is_empty() && verdict != Verdict::Accurate {
        return Err((
            "summary".into(),
            format!(
                "Summarise why the self-assessment is \"{}\": the trust and NHS England will read it",
                verdict.label().to_lowercase()
            ),
        ));
    }
    Ok((verdict, summary.to_string()))
}

/// The differences between a domain's review as saved by someone else and as entered here, in
/// words, for the conflict message.
pub fn judgement_differences(
    domain: &Domain,
    saved: &DomainReview,
    yours: &DomainReview,
) -> Vec<String> {
    let describe = |judgement: Option<&Judgement>| match judgement {
        None => "as the trust answered".to_string(),
        Some(judgement) if judgement.reason.is_empty() => met_words(judgement.met).to_string(),
        Some(judgement) => format!("{}, \"{}\"", met_words(judgement.met), judgement.reason),
    };
    let mut differences: Vec<String> = domain
        .criteria()
        .filter_map(|criterion| {
            let theirs = saved.judgements.get(&criterion.key);
            let mine = yours.judgements.get(&criterion.key);
            (theirs != mine).then(|| {
                format!(
                    "\"{}\": saved as {}; you entered {}",
                    criterion.text,
                    describe(theirs),
                    describe(mine)
                )
            })
        })
        .collect();
    if saved.comment != yours.comment {
        differences.push(format!(
            "Comment: saved as \"{}\"; you entered \"{}\"",
            saved.comment, yours.comment
        ));
    }
    if saved.confidence != yours.confidence
        || saved.insufficient_evidence != yours.insufficient_evidence
    {
        differences.push("Confidence or flags differ".to_string());
    }
    differences
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assessments::Answer;
    use crate::fixtures::SMALL_FRAMEWORK;
    use crate::framework::parse_framework;
    use proptest::prelude::*;

    fn strategy_domain() -> Domain {
        let framework = parse_framework(SMALL_FRAMEWORK).unwrap();
        framework.pillars[0].domains[0].clone()
    }

    fn trust_answers(domain: &Domain, met: impl Fn(usize) -> bool) -> DomainAnswers {
        domain
            .criteria()
            .enumerate()
            .map(|(index, criterion)| {
                let met = met(index);
                (
                    criterion.key.clone(),
                    Answer {
                        met: Some(met),
                        evidence: if met {
                            "Board minutes".into()
                        } else {
                            String::new()
                        },
                    },
                )
            })
            .collect()
    }

    fn input(pairs: &[(&str, &str, &str)]) -> DomainReviewInput {
        DomainReviewInput {
            judgements: pairs
                .iter()
                .map(|&(key, met, reason)| {
                    (
                        key.to_string(),
                        JudgementInput {
                            met: Some(met.to_string()),
                            reason: reason.to_string(),
                        },
                    )
                })
                .collect(),
            ..Default::default()
        }
    }

    #[test]
    fn agreeing_everywhere_keeps_no_judgements_and_the_trusts_score() {
        let domain = strategy_domain();
        let trust = trust_answers(&domain, |index| index < 2);
        let echoed: Vec<(String, String)> = domain
            .criteria()
            .map(|c| {
                let met = if is_met_in(&trust)(&c.key) {
                    "met"
                } else {
                    "not-met"
                };
                (c.key.clone(), met.to_string())
            })
            .collect();
        let pairs: Vec<(&str, &str, &str)> = echoed
            .iter()
            .map(|(k, m)| (k.as_str(), m.as_str(), ""))
            .collect();
        let review =
            check_domain_review(&domain, &trust, &input(&pairs), Strictness::Finished).unwrap();
        assert!(review.judgements.is_empty());
        assert_eq!(
            reviewer_domain_score(&domain, &trust, &review.judgements),
            domain_score(is_met_in(&trust), &domain)
        );
        assert!(review.confirmed);
    }

    #[test]
    fn judging_a_criterion_differently_needs_a_reason_once_confirmed() {
        let domain = strategy_domain();
        let trust = trust_answers(&domain, |_| true);
        let key = domain.criteria().next().unwrap().key.clone();
        let without = input(&[(&key, "not-met", "")]);
        let (field, message) =
            check_domain_review(&domain, &trust, &without, Strictness::Finished).unwrap_err();
        assert_eq!(field, reason_field(&key));
        assert!(
            message.starts_with("Give your reason for judging"),
            "{message}"
        );
        // A draft keeps it, reason or not.
        let draft = check_domain_review(&domain, &trust, &without, Strictness::Draft).unwrap();
        assert!(!draft.judgements[&key].met);
        assert!(!draft.confirmed);
    }

    #[test]
    fn an_adjustment_names_the_criterion_its_level_and_the_reason() {
        let domain = strategy_domain();
        let trust = trust_answers(&domain, |_| true);
        let criterion = domain.criteria().next().unwrap();
        let review = check_domain_review(
            &domain,
            &trust,
            &input(&[(&criterion.key, "not-met", "No strategy was shown")]),
            Strictness::Finished,
        )
        .unwrap();
        let lines = adjustments(&domain, &trust, &review.judgements);
        assert_eq!(
            lines,
            [format!(
                "Level 2: \"{}\" – the trust said met; the reviewer judged it not met: No strategy was shown",
                criterion.text
            )]
        );
        assert_eq!(
            reviewer_domain_score(&domain, &trust, &review.judgements),
            1
        );
    }

    #[test]
    fn a_note_on_an_agreed_criterion_is_kept_but_is_no_adjustment() {
        let domain = strategy_domain();
        let trust = trust_answers(&domain, |_| true);
        let key = domain.criteria().next().unwrap().key.clone();
        let review = check_domain_review(
            &domain,
            &trust,
            &input(&[(&key, "met", "Seen in the minutes")]),
            Strictness::Finished,
        )
        .unwrap();
        assert_eq!(review.judgements[&key].reason, "Seen in the minutes");
        assert!(adjustments(&domain, &trust, &review.judgements).is_empty());
    }

    #[test]
    fn bad_input_is_refused_with_the_field_it_concerns() {
        let domain = strategy_domain();
        let trust = trust_answers(&domain, |_| true);
        let key = domain.criteria().next().unwrap().key.clone();
        let cases = [
            (input(&[("someone-elses", "met", "")]), "judgements"),
            (input(&[(&key, "maybe", "")]), "judgement-"),
            (
                input(&[(&key, "not-met", &"x".repeat(REASON_MAX_CHARS + 1))]),
                "reason-",
            ),
            (
                DomainReviewInput {
                    confidence: Some("certain".into()),
                    ..Default::default()
                },
                "confidence",
            ),
            (
                DomainReviewInput {
                    comment: "x".repeat(COMMENT_MAX_CHARS + 1),
                    ..Default::default()
                },
                "comment",
            ),
        ];
        for (given, field) in cases {
            let (actual, _) =
                check_domain_review(&domain, &trust, &given, Strictness::Draft).unwrap_err();
            assert!(actual.starts_with(field), "{actual} for {given:?}");
        }
    }

    #[test]
    fn flags_follow_from_the_scores_and_the_reviewers_word() {
        assert_eq!(flags(2, 4, false), [Flag::UnderScored]);
        assert_eq!(
            flags(4, 2, true),
            [Flag::OverScored, Flag::InsufficientEvidence]
        );
        assert!(flags(3, 3, false).is_empty());
    }

    #[test]
    fn a_review_is_overdue_only_after_its_deadline_and_until_submitted() {
        assert!(!is_overdue(false, "2027-02-28", "2027-02-28"));
        assert!(is_overdue(false, "2027-02-28", "2027-03-01"));
        assert!(!is_overdue(true, "2027-02-28", "2027-03-01"));
    }

    #[test]
    fn a_domain_is_reviewed_only_once_confirmed() {
        assert_eq!(domain_review_status(None), DomainStatus::NotStarted);
        let mut review = DomainReview::default();
        assert_eq!(
            domain_review_status(Some(&review)),
            DomainStatus::InProgress
        );
        review.confirmed = true;
        assert_eq!(domain_review_status(Some(&review)), DomainStatus::Completed);
    }

    #[test]
    fn every_domain_of_the_setting_must_be_confirmed() {
        let framework = parse_framework(SMALL_FRAMEWORK).unwrap();
        let setting = CareSetting::Acute;
        let keys: Vec<String> = framework
            .domains_for(setting)
            .map(|(_, d)| d.key.clone())
            .collect();
        let mut reviews = BTreeMap::new();
        assert_eq!(
            unconfirmed_domains(&framework, setting, &reviews).len(),
            keys.len()
        );
        for key in &keys {
            reviews.insert(
                key.clone(),
                DomainReview {
                    confirmed: true,
                    ..Default::default()
                },
            );
        }
        assert!(unconfirmed_domains(&framework, setting, &reviews).is_empty());
    }

    #[test]
    fn a_verdict_other_than_accurate_needs_a_summary() {
        assert_eq!(
            check_verdict(Some("accurate"), " "),
            Ok((Verdict::Accurate, String::new()))
        );
        assert_eq!(
            check_verdict(Some("minor_differences"), "").unwrap_err().0,
            "summary"
        );
        assert_eq!(check_verdict(None, "text").unwrap_err().0, "verdict");
        assert_eq!(
            check_verdict(Some("great"), "text").unwrap_err().0,
            "verdict"
        );
        let long = "x".repeat(SUMMARY_MAX_CHARS + 1);
        assert_eq!(
            check_verdict(Some("accurate"), &long).unwrap_err().0,
            "summary"
        );
        assert_eq!(
            check_verdict(
                Some("significantly_under_scored"),
                " Board papers show more "
            ),
            Ok((
                Verdict::SignificantlyUnderScored,
                "Board papers show more".into()
            ))
        );
    }

    /// A domain of the default framework, the trust's answers and the reviewer's judgements, by
    /// criterion position.
    fn any_case() -> impl Strategy<Value = (Domain, Vec<bool>, Vec<Option<bool>>)> {
        let framework = parse_framework(crate::fixtures::DEFAULT_FRAMEWORK).unwrap();
        let domains: Vec<Domain> = framework
            .pillars
            .iter()
            .flat_map(|pillar| pillar.domains.clone())
            .collect();
        (
            proptest::sample::select(domains),
            proptest::collection::vec(any::<bool>(), 40),
            proptest::collection::vec(proptest::option::of(any::<bool>()), 40),
        )
    }

    fn judged(domain: &Domain, judgements: &[Option<bool>]) -> DomainJudgements {
        domain
            .criteria()
            .zip(judgements)
            .filter_map(|(criterion, judgement)| {
                judgement.map(|met| {
                    (
                        criterion.key.clone(),
                        Judgement {
                            met,
                            reason: "Because".into(),
                        },
                    )
                })
            })
            .collect()
    }

    proptest! {
        #[test]
        fn with_no_disagreement_the_reviewer_score_is_the_self_score(
            (domain, trust, _) in any_case(),
        ) {
            let trust = trust_answers(&domain, |index| trust[index]);
            prop_assert_eq!(
                reviewer_domain_score(&domain, &trust, &DomainJudgements::new()),
                domain_score(is_met_in(&trust), &domain)
            );
        }

        #[test]
        fn the_reviewer_score_is_a_level_from_one_to_five(
            (domain, trust, judgements) in any_case(),
        ) {
            let trust = trust_answers(&domain, |index| trust[index]);
            let score = reviewer_domain_score(&domain, &trust, &judged(&domain, &judgements));
            prop_assert!((1..=5).contains(&score));
        }

        #[test]
        fn judging_more_criteria_met_never_lowers_the_reviewer_score(
            (domain, trust, judgements) in any_case(),
            position in 0usize..40,
        ) {
            let trust = trust_answers(&domain, |index| trust[index]);
            let mut more = judgements.clone();
            more[position] = Some(true);
            prop_assert!(
                reviewer_domain_score(&domain, &trust, &judged(&domain, &more))
                    >= reviewer_domain_score(&domain, &trust, &judged(&domain, &judgements))
            );
        }

        #[test]
        fn every_score_change_is_explained_by_an_adjustment(
            (domain, trust, judgements) in any_case(),
        ) {
            let trust = trust_answers(&domain, |index| trust[index]);
            let judgements = judged(&domain, &judgements);
            let changed = reviewer_domain_score(&domain, &trust, &judgements)
                != domain_score(is_met_in(&trust), &domain);
            prop_assert!(!changed || !adjustments(&domain, &trust, &judgements).is_empty());
        }
    }
}
