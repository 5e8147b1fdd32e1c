//! The trust's self-assessment: the dashboard, the task list, a domain's answers, check your
//! answers and submission, and NHS England reopening a submitted assessment.

use super::form::{Checkbox, Then};
use crate::error::AppError;
use crate::rules::assessments::{AssessmentHeader, CriterionInput, DomainAnswers, DomainStatus};
use crate::rules::framework::Domain;
#[cfg(feature = "ssr")]
use crate::store::{AssessmentId, OdsCode};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[cfg(feature = "ssr")]
use super::context::{Cx, ReadableAssessment};
#[cfg(feature = "ssr")]
use {
    super::{guard, mail_text, public_url},
    crate::rules::{
        access::Actor,
        accounts::Role,
        assessments::{
            answer_differences, check_domain_input, domain_status, incomplete_domains,
            is_met_anywhere, is_met_in, Strictness,
        },
        cycles::readable_moment,
        framework::Framework,
        lifecycle::{decide, Allowed, Event, Participant, Refusal},
        reasons::given_reason,
        scoring::{domain_score, round_for_display, score_assessment},
    },
    crate::store::{
        self,
        assessments::{self as assessment_store, AssessmentError},
    },
};

/// A domain's line in the task list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DomainTask {
    pub key: String,
    pub name: String,
    pub status: DomainStatus,
    pub score: u8,
    /// How many evidence files are attached to it.
    pub evidence_files: i64,
}

/// A pillar's section of the task list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PillarTasks {
    pub name: String,
    pub score: Option<f64>,
    pub domains: Vec<DomainTask>,
}

/// Everything the task list and check-your-answers pages show.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AssessmentOverview {
    pub header: AssessmentHeader,
    /// Why the answers cannot be changed now, when they cannot.
    pub locked_reason: Option<String>,
    pub may_reopen: bool,
    pub pillars: Vec<PillarTasks>,
    pub overall: Option<f64>,
}

impl AssessmentOverview {
    pub fn domains(&self) -> impl Iterator<Item = &DomainTask> {
        self.pillars.iter().flat_map(|pillar| &pillar.domains)
    }

    pub fn completed_count(&self) -> usize {
        self.domains()
            .filter(|domain| domain.status == DomainStatus::Completed)
            .count()
    }
}

/// One domain's page: its criteria and the answers saved so far.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DomainView {
    pub header: AssessmentHeader,
    pub locked_reason: Option<String>,
    pub pillar_name: String,
    pub domain: Domain,
    pub answers: DomainAnswers,
    pub version: i64,
    /// Who saved last and when, in words.
    pub last_saved: Option<String>,
    pub score: u8,
    pub evidence: super::evidence_files::DomainEvidence,
}

/// What a save gives back to the page that made it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SaveOutcome {
    pub version: i64,
    pub score: u8,
    pub status: DomainStatus,
}

/// The assessment with this id, or "not found".
#[cfg(feature = "ssr")]
pub(super) async fn existing_assessment(
    db: &store::Db,
    id: &str,
) -> Result<AssessmentHeader, AppError> {
    assessment_store::header(db, &AssessmentId::from(id))
        .await?
        .ok_or_else(|| AppError::NotFound("There is no such assessment.".into()))
}

/// Whether this reader may cause `event` to the assessment today, as the lifecycle says.
#[cfg(feature = "ssr")]
pub(super) fn judge(
    actor: &Actor,
    header: &AssessmentHeader,
    event: Event,
) -> Result<Allowed, Refusal> {
    judge_on(actor, header, event, &store::today())
}

/// [`judge`] on the service's `today` (the date in England, [`store::today_at`]).
#[cfg(feature = "ssr")]
fn judge_on(
    actor: &Actor,
    header: &AssessmentHeader,
    event: Event,
    today: &str,
) -> Result<Allowed, Refusal> {
    decide(
        event,
        header.status,
        &Participant::person(actor, &header.trust_ods_code),
        &header.moment(today),
    )
}

/// Why this reader cannot change the answers now, if they cannot.
#[cfg(feature = "ssr")]
fn locked_reason(actor: &Actor, header: &AssessmentHeader) -> Option<String> {
    judge(actor, header, Event::Save)
        .err()
        .map(|refusal| refusal.message().to_string())
}

#[cfg(feature = "ssr")]
pub(super) fn find_domain<'a>(
    framework: &'a Framework,
    header: &AssessmentHeader,
    key: &str,
) -> Result<(&'a str, &'a Domain), AppError> {
    framework
        .domains_for(header.care_setting)
        .find(|(_, domain)| domain.key == key)
        .map(|(pillar, domain)| (pillar.name.as_str(), domain))
        .ok_or_else(|| AppError::NotFound("This assessment has no such section.".into()))
}

/// A domain's answers in a line, for the audit trail.
#[cfg(feature = "ssr")]
fn answers_summary(domain: &Domain, answers: &DomainAnswers) -> String {
    let score = domain_score(is_met_in(answers), domain);
    let count = |choice: Option<bool>| answers.values().filter(|a| a.met == choice).count();
    format!(
        "{} met, {} not met, {} unanswered; level {score}",
        count(Some(true)),
        count(Some(false)),
        domain.criteria().count() - count(Some(true)) - count(Some(false))
    )
}

/// Saves one domain's answers from `version`, audited with a summary of them.
#[cfg(feature = "ssr")]
async fn save_answers(
    db: &store::Db,
    actor: &Actor,
    header: &AssessmentHeader,
    allowed: Allowed,
    domain: &Domain,
    version: i64,
    answers: &DomainAnswers,
) -> Result<i64, AppError> {
    assessment_store::save_domain(
        db,
        &actor.account_id,
        &AssessmentId::from(&header.id),
        allowed,
        &domain.key,
        version,
        answers,
        answers_summary(domain, answers),
    )
    .await
    .map_err(|error| save_error(domain, answers, error))
}

/// A refused save in words; a conflict says who saved and how their answers differ from `yours`.
#[cfg(feature = "ssr")]
fn save_error(domain: &Domain, yours: &DomainAnswers, error: AssessmentError) -> AppError {
    match error {
        AssessmentError::Conflict(saved) => AppError::Conflict {
            message: format!(
                "{} saved this section on {}, after you opened it. Nothing you entered has been saved. Their answers differ from yours here:",
                saved.updated_by.as_deref().unwrap_or("Someone"),
                saved.updated_at.as_deref().map(readable_moment).unwrap_or_default()
            ),
            changes: answer_differences(domain, &saved.answers, yours),
            current_version: saved.version,
        },
        other => other.into(),
    }
}

/// The signed-in trust lead's assessments, the newest cycle first. Empty for anyone else.
#[server]
pub async fn my_assessments() -> Result<Vec<AssessmentHeader>, AppError> {
    let Cx { actor, db } = Cx::signed_in().await?;
    match (&actor.org_ods_code, actor.has(Role::TrustLead)) {
        (Some(trust), true) => Ok(assessment_store::for_trust(&db, &OdsCode::from(trust)).await?),
        _ => Ok(Vec::new()),
    }
}

/// The task list: every domain with its status and score, by pillar.
#[server]
pub async fn get_assessment(id: String) -> Result<AssessmentOverview, AppError> {
    let ReadableAssessment {
        cx: Cx { actor, db },
        header,
        framework,
    } = Cx::signed_in().await?.assessment(&id).await?;
    let answers = assessment_store::all_answers(&db, &AssessmentId::from(&id)).await?;
    let evidence_counts =
        store::evidence_files::counts_by_domain(&db, &AssessmentId::from(&id)).await?;
    let none = DomainAnswers::new();
    let scores = score_assessment(&framework, header.care_setting, is_met_anywhere(&answers));
    let pillars = framework
        .pillars
        .iter()
        .filter_map(|pillar| {
            let domains: Vec<DomainTask> = pillar
                .domains
                .iter()
                .filter(|domain| domain.applies_to(header.care_setting))
                .map(|domain| {
                    let saved = answers.get(&domain.key).unwrap_or(&none);
                    DomainTask {
                        key: domain.key.clone(),
                        name: domain.name.clone(),
                        status: domain_status(domain, saved),
                        score: scores.domain(&domain.key).unwrap_or_default(),
                        evidence_files: evidence_counts
                            .get(&domain.key)
                            .copied()
                            .unwrap_or_default(),
                    }
                })
                .collect();
            (!domains.is_empty()).then(|| PillarTasks {
                name: pillar.name.clone(),
                score: scores.pillar(&pillar.key),
                domains,
            })
        })
        .collect();
    Ok(AssessmentOverview {
        locked_reason: locked_reason(&actor, &header),
        may_reopen: judge(&actor, &header, Event::Reopen).is_ok(),
        header,
        pillars,
        overall: scores.overall,
    })
}

/// One domain with its saved answers.
#[server]
pub async fn get_domain(assessment_id: String, domain_key: String) -> Result<DomainView, AppError> {
    let ReadableAssessment {
        cx: Cx { actor, db },
        header,
        framework,
    } = Cx::signed_in().await?.assessment(&assessment_id).await?;
    let (pillar_name, domain) = find_domain(&framework, &header, &domain_key)?;
    let saved =
        assessment_store::domain(&db, &AssessmentId::from(&assessment_id), &domain_key).await?;
    let score = domain_score(is_met_in(&saved.answers), domain);
    let evidence =
        super::evidence_files::attached_to_domain(&db, &assessment_id, &domain_key).await?;
    Ok(DomainView {
        locked_reason: locked_reason(&actor, &header),
        header,
        pillar_name: pillar_name.to_string(),
        domain: domain.clone(),
        last_saved: match (&saved.updated_by, &saved.updated_at) {
            (Some(by), Some(at)) => Some(format!("Last saved by {by} on {}", readable_moment(at))),
            _ => None,
        },
        answers: saved.answers,
        version: saved.version,
        score,
        evidence,
    })
}

/// Saves one domain's answers. `version` is the version the page was showing: if someone has
/// saved since, nothing is saved and the conflict says what differs. With `then` set to
/// "continue" (the button, with or without JavaScript) it goes on to the task list; without it
/// (saving as you go) it stays.
#[server]
pub async fn save_domain_answers(
    assessment_id: String,
    domain_key: String,
    version: i64,
    #[server(default)] answers: BTreeMap<String, CriterionInput>,
    #[server(default)] then: Then,
) -> Result<SaveOutcome, AppError> {
    let ReadableAssessment {
        cx: Cx { actor, db },
        header,
        framework,
    } = Cx::signed_in().await?.assessment(&assessment_id).await?;
    let allowed = judge(&actor, &header, Event::Save)?;
    let (_, domain) = find_domain(&framework, &header, &domain_key)?;
    let strictness = if then == Then::Continue {
        Strictness::Finished
    } else {
        Strictness::Draft
    };
    let checked = match check_domain_input(domain, &answers, strictness) {
        Ok(checked) => checked,
        Err((field, message)) => {
            // Without JavaScript the page is loaded afresh to show the error: keep what was
            // typed by saving it as a draft first, as saving as you go would have.
            if strictness == Strictness::Finished && guard::is_plain_form_post().await {
                if let Ok(draft) = check_domain_input(domain, &answers, Strictness::Draft) {
                    save_answers(&db, &actor, &header, allowed, domain, version, &draft).await?;
                }
            }
            return Err(AppError::field(&field, message));
        }
    };
    let score = domain_score(is_met_in(&checked), domain);
    let saved = save_answers(&db, &actor, &header, allowed, domain, version, &checked).await?;
    if then == Then::Continue {
        leptos_axum::redirect(
            &crate::routes::Route::Assessment { id: &assessment_id }.with(
                crate::flash::Flash::Saved {
                    domain: domain_key.clone(),
                },
            ),
        );
    }
    Ok(SaveOutcome {
        version: saved,
        score,
        status: domain_status(domain, &checked),
    })
}

/// Submits a complete assessment with the lead's declaration; every lead of the trust gets a
/// receipt with the scores.
#[server]
pub async fn submit_assessment(
    assessment_id: String,
    #[server(default)] declaration: Checkbox,
) -> Result<(), AppError> {
    let ReadableAssessment {
        cx: Cx { actor, db },
        header,
        framework,
    } = Cx::signed_in().await?.assessment(&assessment_id).await?;
    let allowed = judge(&actor, &header, Event::Submit)?;
    let answers = assessment_store::all_answers(&db, &AssessmentId::from(&assessment_id)).await?;
    let incomplete = incomplete_domains(&framework, header.care_setting, &answers);
    if !incomplete.is_empty() {
        let names: Vec<&str> = incomplete
            .iter()
            .map(|domain| domain.name.as_str())
            .collect();
        return Err(AppError::Invalid(format!(
            "Complete every section before you submit. Not yet complete: {}.",
            names.join(", ")
        )));
    }
    if !declaration.ticked() {
        return Err(AppError::field(
            "declaration",
            "Confirm that the answers are accurate and the evidence can be shown to reviewers",
        ));
    }
    let scores = score_assessment(&framework, header.care_setting, is_met_anywhere(&answers));
    let mut lines: Vec<String> = framework
        .pillars
        .iter()
        .filter_map(|pillar| {
            scores
                .pillar(&pillar.key)
                .map(|score| format!("{}: {}", pillar.name, round_for_display(score)))
        })
        .collect();
    let overall = scores.overall.map(round_for_display).unwrap_or_default();
    lines.push(format!("Overall: {overall}"));
    let link = format!("{}/assessments/{assessment_id}", public_url()?);
    let receipts: Vec<_> =
        assessment_store::trust_leads(&db, &OdsCode::from(&header.trust_ods_code))
            .await?
            .iter()
            .map(|(email, name)| {
                mail_text::SubmissionReceipt {
                    to: email,
                    name,
                    title: &header.title(),
                    cycle_name: &header.cycle_name,
                    submitted_by: &actor.display_name,
                    scores: &lines,
                    link: &link,
                }
                .mail()
            })
            .collect();
    assessment_store::submit(
        &db,
        &actor.account_id,
        &AssessmentId::from(&assessment_id),
        allowed,
        format!("overall {overall}"),
        &receipts,
    )
    .await?;
    leptos_axum::redirect(&crate::routes::Route::AssessmentSubmitted { id: &assessment_id }.href());
    Ok(())
}

/// Returns a submitted assessment to the trust, with the reason, which its leads are emailed.
/// NHS England moderators and administrators only.
#[server]
pub async fn reopen_assessment(assessment_id: String, reason: String) -> Result<(), AppError> {
    let ReadableAssessment {
        cx: Cx { actor, db },
        header,
        framework: _,
    } = Cx::signed_in().await?.assessment(&assessment_id).await?;
    let allowed = judge(&actor, &header, Event::Reopen)?;
    let reason = given_reason(&reason, 1000).ok_or_else(|| {
        AppError::field(
            "reason",
            "Enter the reason for reopening, in 1000 characters or fewer: the trust will read it",
        )
    })?;
    let link = format!("{}/assessments/{assessment_id}", public_url()?);
    let notices: Vec<_> =
        assessment_store::trust_leads(&db, &OdsCode::from(&header.trust_ods_code))
            .await?
            .iter()
            .map(|(email, name)| {
                mail_text::Reopened {
                    to: email,
                    name,
                    title: &header.title(),
                    reopened_by: &actor.display_name,
                    reason,
                    deadline: &crate::rules::deadlines::deadline_shown(header.deadline()),
                    link: &link,
                }
                .mail()
            })
            .collect();
    assessment_store::reopen(
        &db,
        &actor.account_id,
        &AssessmentId::from(&assessment_id),
        allowed,
        reason,
        &notices,
    )
    .await?;
    leptos_axum::redirect(
        &crate::routes::Route::Assessment { id: &assessment_id }
            .with(crate::flash::Flash::Reopened),
    );
    Ok(())
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;
    use rules::cycles::Phase;
    use rules::lifecycle::AssessmentStatus;
    use rules::organisations::CareSetting;

    fn lead() -> Actor {
        Actor {
            account_id: "lead".into(),
            email: "lead@example.nhs.uk".into(),
            display_name: "Lead".into(),
            org_ods_code: Some("RR8".into()),
            roles: [Role::TrustLead].into(),
        }
    }

    fn draft_due(deadline: &str) -> AssessmentHeader {
        AssessmentHeader {
            id: "a".into(),
            cycle_id: "c".into(),
            cycle_name: "DMA 2027/28".into(),
            framework_version: "1".into(),
            phase: Phase::Submission,
            trust_ods_code: "RR8".into(),
            trust_name: "Leeds".into(),
            care_setting: CareSetting::Acute,
            status: AssessmentStatus::InProgress,
            submission_deadline: deadline.into(),
            review_deadline: "2027-07-01".into(),
            reply_deadline: "2027-07-15".into(),
            extended_deadline: None,
            submitted_at: None,
            submitted_by: None,
        }
    }

    fn at(instant: &str) -> jiff::Timestamp {
        instant.parse().expect("an instant")
    }

    /// 23:30 UTC on the deadline day in summer is 00:30 BST the next day: the deadline has
    /// passed, so saving and submitting are refused, as the reminders already say overdue.
    #[test]
    fn a_deadline_is_enforced_at_midnight_in_england_not_in_utc() {
        let header = draft_due("2027-06-03");
        let submit_at = |instant: &str| {
            judge_on(
                &lead(),
                &header,
                Event::Submit,
                &store::today_at(at(instant)),
            )
        };
        let save_at =
            |instant: &str| judge_on(&lead(), &header, Event::Save, &store::today_at(at(instant)));
        // 23:59 BST on the deadline day: on time.
        assert!(submit_at("2027-06-03T22:59:00Z").is_ok());
        assert!(save_at("2027-06-03T22:59:00Z").is_ok());
        // 00:30 BST the next day, still 3 June in UTC: too late.
        assert!(submit_at("2027-06-03T23:30:00Z").is_err());
        assert!(save_at("2027-06-03T23:30:00Z").is_err());
        assert_eq!(
            rules::deadlines::is_past("2027-06-03", at("2027-06-03T23:30:00Z")),
            Some(true)
        );
        // In winter UK time is UTC: 23:30 UTC is still the deadline day.
        let winter = draft_due("2027-01-15");
        assert!(judge_on(
            &lead(),
            &winter,
            Event::Submit,
            &store::today_at(at("2027-01-15T23:30:00Z"))
        )
        .is_ok());
    }

    #[test]
    fn the_services_dates_are_counted_from_the_date_in_england() {
        assert_eq!(
            rules::deadlines::uk_date_in_days(at("2027-06-03T23:30:00Z"), -1),
            "2027-06-03"
        );
        assert_eq!(
            rules::deadlines::uk_date_in_days(at("2027-06-03T23:30:00Z"), 7),
            "2027-06-11"
        );
        assert_eq!(store::today_at(at("2027-10-31T00:30:00Z")), "2027-10-31");
    }
}
