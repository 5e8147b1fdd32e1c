//! Moderation by NHS England: the queue of assessments ready for moderation, filtered by region,
//! care setting and status; each domain side by side (the trust's answers, each reviewer by name,
//! the trust's reply, the previous final score) with the moderated level and its rationale; and
//! submission once every domain has a moderated level.

use super::assessments::SaveOutcome;
use super::form::Then;
use crate::error::AppError;
use crate::rules::assessments::{AssessmentHeader, DomainAnswers};
use crate::rules::framework::Domain;
use crate::rules::moderation::DomainModeration;
use crate::rules::reply::DomainReply;
use crate::rules::review::Flag;
#[cfg(feature = "ssr")]
use crate::store::AssessmentId;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[cfg(feature = "ssr")]
use super::context::{Cx, ReadableAssessment, ReviewedAssessment};
#[cfg(feature = "ssr")]
use {
    super::assessments::{find_domain, judge},
    super::reviews::previous_scores,
    crate::rules::{
        access::{self, Actor},
        assessments::{is_met_in, DomainStatus, Strictness},
        cycles::readable_moment,
        lifecycle::{AssessmentStatus, Event},
        moderation::{check_domain_moderation, is_finished, moderated_scores, unmoderated_domains},
        review::{adjustments, flags, reviewer_domain_score},
        scoring::{domain_score, round_for_display, score_assessment},
    },
    crate::store::{
        self, assessments as assessment_store,
        moderation::{self as moderation_store, ModerationError},
        replies as reply_store,
    },
};

/// A line of the moderation queue.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueLine {
    pub assessment_id: String,
    pub title: String,
    /// False for the moderator's own organisation's assessment, which a colleague moderates.
    pub may_open: bool,
    pub region: String,
    pub status: String,
    pub moderation_deadline: String,
    /// Where risk puts it, when the queue is ordered by risk.
    pub risk: Option<QueueRisk>,
}

/// An assessment's place in the queue ordered by risk.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueRisk {
    /// "High risk", "Random audit" or "Other".
    pub part: String,
    /// The combined risk, "1.25".
    pub risk: String,
    /// The signals behind it, largest first.
    pub reasons: Vec<String>,
}

/// The moderation queue, with what it can be filtered by.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueView {
    pub lines: Vec<QueueLine>,
    /// `(status label, count)` over the whole queue, before filtering.
    pub counts: Vec<(String, usize)>,
    pub regions: Vec<String>,
    pub care_settings: Vec<String>,
    pub statuses: Vec<String>,
    /// When ordered by risk: what each part of each cycle's queue covers, with the audit
    /// sample's seed.
    pub risk_summaries: Vec<String>,
}

/// A domain's line on the moderation page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModerationDomainTask {
    pub key: String,
    pub name: String,
    pub self_score: u8,
    pub reviewer_scores: Vec<u8>,
    pub contested: Option<bool>,
    pub previous: Option<String>,
    pub moderated: Option<u8>,
}

/// The moderation page of one assessment.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModerationOverview {
    pub header: AssessmentHeader,
    /// Why this reader cannot moderate it now, when they cannot.
    pub locked_reason: Option<String>,
    /// `(name (organisation), verdict, summary)`: NHS England sees who reviewed.
    pub reviewers: Vec<(String, String, String)>,
    pub reply: String,
    pub domains: Vec<(String, Vec<ModerationDomainTask>)>,
    pub self_overall: Option<f64>,
    pub moderated_overall: Option<f64>,
    pub unmoderated: usize,
}

/// One reviewer's review of one domain, named.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NamedDomainReview {
    pub reviewer: String,
    pub level: u8,
    pub flags: Vec<Flag>,
    pub adjustments: Vec<String>,
    pub comment: String,
}

/// One domain side by side, with its moderation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModerationDomainView {
    pub header: AssessmentHeader,
    pub locked_reason: Option<String>,
    pub pillar_name: String,
    pub domain: Domain,
    pub trust_answers: DomainAnswers,
    pub self_score: u8,
    pub reviews: Vec<NamedDomainReview>,
    pub reply: Option<DomainReply>,
    pub previous: Option<f64>,
    pub moderation: Option<DomainModeration>,
    pub version: i64,
    pub last_saved: Option<String>,
}

/// What moderation weighs of the reviewed assessment.
#[cfg(feature = "ssr")]
impl ReviewedAssessment {
    fn moderation_locked_reason(&self) -> Option<String> {
        judge(&self.cx.actor, &self.header, Event::SaveModerationDraft)
            .err()
            .map(|refusal| refusal.message().to_string())
    }

    fn reviewer_scores(&self, domain: &Domain) -> Vec<u8> {
        let trust = self.trust_answers(domain);
        self.judgements(domain)
            .map(|judgements| reviewer_domain_score(domain, &trust, &judgements))
            .collect()
    }
}

/// A queued assessment still to be moderated after its cycle's moderation deadline (`today`
/// being the service's, the date in England).
#[cfg(feature = "ssr")]
pub(crate) fn overdue_for_moderation(
    row: &moderation_store::QueuedAssessment,
    today: &str,
) -> bool {
    row.status == AssessmentStatus::Replied.key() && row.moderation_deadline.as_str() < today
}

/// The assessments ready for moderation or being moderated, in cycles in moderation, filtered by
/// region name, care setting and status label (empty: all), and to those past their moderation
/// deadline when `overdue` is "1". Moderators only.
#[server]
pub async fn moderation_queue(
    #[server(default)] region: String,
    #[server(default)] care_setting: String,
    #[server(default)] status: String,
    #[server(default)] order: String,
    #[server(default)] overdue: String,
) -> Result<QueueView, AppError> {
    let Cx { actor, db } = Cx::require(access::may_moderate).await?;
    let overdue_only = match overdue.as_str() {
        "" => false,
        "1" => true,
        _ => {
            return Err(AppError::Invalid(
                "Choose whether to show only the assessments past their moderation deadline."
                    .into(),
            ))
        }
    };
    let today = store::today();
    let all = moderation_store::queue(
        &db,
        &[AssessmentStatus::Replied, AssessmentStatus::Moderated],
    )
    .await?;
    let label = |key: &str| {
        AssessmentStatus::from_key(key)
            .map(|status| match status {
                AssessmentStatus::Replied => "Ready for moderation",
                _ => "Moderated",
            })
            .unwrap_or_default()
            .to_string()
    };
    let distinct = |values: Vec<String>| {
        let mut values = values;
        values.sort();
        values.dedup();
        values
    };
    let statuses = distinct(all.iter().map(|row| label(&row.status)).collect());
    let counts = statuses
        .iter()
        .map(|status| {
            (
                status.clone(),
                all.iter()
                    .filter(|row| label(&row.status) == *status)
                    .count(),
            )
        })
        .collect();
    let (risks, risk_summaries) = if order == "risk" {
        risk_order(&db, &actor, &all).await?
    } else {
        (BTreeMap::new(), Vec::new())
    };
    let mut lines: Vec<QueueLine> = all
        .iter()
        .filter(|row| region.is_empty() || row.region_name == region)
        .filter(|row| care_setting.is_empty() || row.care_setting == care_setting)
        .filter(|row| status.is_empty() || label(&row.status) == status)
        .filter(|row| !overdue_only || overdue_for_moderation(row, &today))
        .map(|row| QueueLine {
            assessment_id: row.id.clone(),
            title: format!("{} – {}", row.trust_name, row.care_setting),
            may_open: access::may_view_moderation(&actor, &row.trust_ods_code).is_ok(),
            region: row.region_name.clone(),
            status: label(&row.status),
            moderation_deadline: row.moderation_deadline.clone(),
            risk: risks.get(&row.id).map(|(_, risk)| risk.clone()),
        })
        .collect();
    if !risks.is_empty() {
        lines.sort_by_key(|line| risks.get(&line.assessment_id).map(|(place, _)| *place));
    }
    Ok(QueueView {
        regions: distinct(all.iter().map(|row| row.region_name.clone()).collect()),
        care_settings: distinct(all.iter().map(|row| row.care_setting.clone()).collect()),
        counts,
        lines,
        statuses,
        risk_summaries,
    })
}

/// Each queued assessment's place and risk in its cycle's risk queue (the cycle's signals over
/// the assessments queued, with the cycle's recorded audit seed), and what each cycle's parts
/// cover. The moderator's own organisation is left out of the queue and placed last, its signals
/// not shown.
#[cfg(feature = "ssr")]
async fn risk_order(
    db: &store::Db,
    actor: &Actor,
    queued: &[moderation_store::QueuedAssessment],
) -> Result<(BTreeMap<String, (usize, QueueRisk)>, Vec<String>), AppError> {
    use crate::rules::signals::risk_queue::{risk_queue, Part, QueuePlan, RiskWeights};
    let mut cycles: Vec<&str> = queued.iter().map(|row| row.cycle_id.as_str()).collect();
    cycles.sort();
    cycles.dedup();
    let mut places = BTreeMap::new();
    let mut summaries = Vec::new();
    for cycle_id in cycles {
        let in_queue: Vec<_> = super::signal_evidence::cycle_signals_kept(db, cycle_id)
            .await?
            .iter()
            .filter(|signals| {
                queued.iter().any(|row| {
                    row.id == signals.assessment_id
                        && access::may_see_signals(actor, &row.trust_ods_code).is_ok()
                })
            })
            .cloned()
            .collect();
        let seed = super::signals::cycle_seed(db, cycle_id, &actor.account_id).await?;
        let queue = risk_queue(&in_queue, &RiskWeights::default(), &QueuePlan::new(seed));
        summaries.push(queue.summary.clone());
        for entry in queue.entries {
            let risk = QueueRisk {
                part: match entry.part {
                    Part::ByRisk => "High risk",
                    Part::Audit => "Random audit",
                    Part::Neither => "Other",
                }
                .to_string(),
                risk: format!("{:.2}", entry.risk),
                reasons: entry
                    .contributions
                    .iter()
                    .map(|contribution| contribution.kind.label().to_string())
                    .collect(),
            };
            places.insert(entry.assessment_id, (places.len(), risk));
        }
    }
    for row in queued {
        if let Err(refusal) = access::may_see_signals(actor, &row.trust_ods_code) {
            let hidden = QueueRisk {
                part: "Not shown".to_string(),
                risk: "Not shown".to_string(),
                reasons: vec![refusal.to_string()],
            };
            places.insert(row.id.clone(), (usize::MAX, hidden));
        }
    }
    Ok((places, summaries))
}

/// The moderation page: every domain's self, reviewer, replied and moderated levels, and the
/// self and moderated overall scores. NHS England only.
#[server]
pub async fn get_moderation(assessment_id: String) -> Result<ModerationOverview, AppError> {
    let weighed = Cx::signed_in().await?.moderation(&assessment_id).await?;
    let replies =
        reply_store::all_replies(&weighed.cx.db, &AssessmentId::from(&assessment_id)).await?;
    let reply = reply_store::finished(&weighed.cx.db, &AssessmentId::from(&assessment_id))
        .await?
        .map_or_else(
            || "No reply yet".to_string(),
            |ended| ended.outcome.label().to_string(),
        );
    let moderated =
        moderation_store::all_moderations(&weighed.cx.db, &AssessmentId::from(&assessment_id))
            .await?;
    let previous = previous_scores(&weighed.cx.db, &assessment_id).await?;
    let setting = weighed.header.care_setting;
    let domains = weighed
        .framework
        .pillars
        .iter()
        .filter_map(|pillar| {
            let tasks: Vec<ModerationDomainTask> = pillar
                .domains
                .iter()
                .filter(|domain| domain.applies_to(setting))
                .map(|domain| ModerationDomainTask {
                    key: domain.key.clone(),
                    name: domain.name.clone(),
                    self_score: domain_score(is_met_in(&weighed.trust_answers(domain)), domain),
                    reviewer_scores: weighed.reviewer_scores(domain),
                    contested: replies
                        .get(&domain.key)
                        .map(|reply| reply.response == crate::rules::reply::Response::Contest),
                    previous: previous
                        .as_ref()
                        .and_then(|previous| previous.domain(&domain.key))
                        .map(round_for_display),
                    moderated: moderated.get(&domain.key).map(|m| m.score),
                })
                .collect();
            (!tasks.is_empty()).then(|| (pillar.name.clone(), tasks))
        })
        .collect();
    let self_overall = score_assessment(
        &weighed.framework,
        setting,
        crate::rules::assessments::is_met_anywhere(&weighed.answers),
    )
    .overall;
    let reviewers = weighed
        .reviews
        .iter()
        .map(|review| {
            let (verdict, summary) = review
                .slot
                .verdict()
                .unwrap_or((crate::rules::review::Verdict::Accurate, String::new()));
            (
                format!(
                    "{} ({})",
                    review.slot.reviewer_name, review.slot.reviewer_org
                ),
                verdict.label().to_string(),
                summary,
            )
        })
        .collect();
    Ok(ModerationOverview {
        locked_reason: weighed.moderation_locked_reason(),
        reviewers,
        reply,
        domains,
        self_overall,
        moderated_overall: moderated_scores(&weighed.framework, setting, &moderated).1,
        unmoderated: unmoderated_domains(&weighed.framework, setting, &moderated, |domain| {
            domain_score(is_met_in(&weighed.trust_answers(domain)), domain)
        })
        .len(),
        header: weighed.header,
    })
}

/// One domain side by side with its moderation. NHS England only.
#[server]
pub async fn get_domain_moderation(
    assessment_id: String,
    domain_key: String,
) -> Result<ModerationDomainView, AppError> {
    let weighed = Cx::signed_in().await?.moderation(&assessment_id).await?;
    let (pillar_name, domain) = find_domain(&weighed.framework, &weighed.header, &domain_key)?;
    let trust = weighed.trust_answers(domain);
    let self_score = domain_score(is_met_in(&trust), domain);
    let reviews = weighed
        .reviews
        .iter()
        .map(|review| {
            let saved = review.domains.get(&domain.key).cloned().unwrap_or_default();
            let level = reviewer_domain_score(domain, &trust, &saved.judgements);
            NamedDomainReview {
                reviewer: format!(
                    "{} ({})",
                    review.slot.reviewer_name, review.slot.reviewer_org
                ),
                level,
                flags: flags(self_score, level, saved.insufficient_evidence),
                adjustments: adjustments(domain, &trust, &saved.judgements),
                comment: saved.comment,
            }
        })
        .collect();
    let reply = reply_store::domain_reply(
        &weighed.cx.db,
        &AssessmentId::from(&assessment_id),
        &domain_key,
    )
    .await?
    .reply;
    let saved = moderation_store::domain_moderation(
        &weighed.cx.db,
        &AssessmentId::from(&assessment_id),
        &domain_key,
    )
    .await?;
    let previous = previous_scores(&weighed.cx.db, &assessment_id)
        .await?
        .and_then(|previous| previous.domain(&domain_key));
    Ok(ModerationDomainView {
        locked_reason: weighed.moderation_locked_reason(),
        pillar_name: pillar_name.to_string(),
        domain: domain.clone(),
        trust_answers: trust,
        self_score,
        reviews,
        reply,
        previous,
        moderation: saved.moderation,
        version: saved.version,
        last_saved: match (&saved.updated_by, &saved.updated_at) {
            (Some(by), Some(at)) => Some(format!("Last saved by {by} on {}", readable_moment(at))),
            _ => None,
        },
        header: weighed.header,
    })
}

/// Saves one domain's moderated level, its criteria (checkboxes `criteria[<key>]`) and
/// rationale, from the version the page showed. With `then` set to "continue" (the button, with
/// or without JavaScript) the moderation must be finished and the moderator goes back to the
/// moderation page; without it (saving as you go) a draft is kept, still to be finished.
#[server]
#[allow(clippy::too_many_arguments)]
pub async fn save_domain_moderation(
    assessment_id: String,
    domain_key: String,
    version: i64,
    score: Option<String>,
    #[server(default)] criteria: BTreeMap<String, String>,
    #[server(default)] rationale: String,
    #[server(default)] then: Then,
) -> Result<SaveOutcome, AppError> {
    let ReadableAssessment {
        cx: Cx { actor, db },
        header,
        framework,
    } = Cx::signed_in().await?.assessment(&assessment_id).await?;
    let allowed = judge(&actor, &header, Event::SaveModerationDraft)?;
    let (_, domain) = find_domain(&framework, &header, &domain_key)?;
    let trust = assessment_store::domain(&db, &AssessmentId::from(&assessment_id), &domain_key)
        .await?
        .answers;
    let self_score = domain_score(is_met_in(&trust), domain);
    let criteria: Vec<String> = criteria.into_keys().collect();
    let keep = [
        ("score", score.as_deref().unwrap_or_default()),
        ("rationale", rationale.as_str()),
    ];
    let strictness = if then == Then::Continue {
        Strictness::Finished
    } else {
        Strictness::Draft
    };
    let moderation = check_domain_moderation(
        domain,
        self_score,
        score.as_deref(),
        &criteria,
        &rationale,
        strictness,
    )
    .map_err(|(field, message)| AppError::field(&field, message).keeping(&keep))?;
    let saved = moderation_store::save_domain_moderation(
        &db,
        &actor.account_id,
        &AssessmentId::from(&assessment_id),
        allowed,
        &domain_key,
        version,
        &moderation,
    )
    .await
    .map_err(|error| match error {
        ModerationError::Conflict(saved) => AppError::Conflict {
            message: format!(
                "{} saved a moderated level for this section on {}, after you opened it. Nothing you entered has been saved: reload the page to read theirs, then save yours again.",
                saved.updated_by.as_deref().unwrap_or("Someone"),
                saved.updated_at.as_deref().map(readable_moment).unwrap_or_default()
            ),
            changes: saved
                .moderation
                .map(|theirs| vec![format!("Saved as level {}: {}", theirs.score, theirs.rationale)])
                .unwrap_or_default(),
            current_version: saved.version,
        },
        other => other.into(),
    })?;
    if then == Then::Continue {
        leptos_axum::redirect(
            &crate::routes::Route::Moderation { id: &assessment_id }.with(
                crate::flash::Flash::Saved {
                    domain: domain_key.clone(),
                },
            ),
        );
    }
    Ok(SaveOutcome {
        version: saved,
        score: moderation.score,
        status: if is_finished(domain, self_score, &moderation) {
            DomainStatus::Completed
        } else {
            DomainStatus::InProgress
        },
    })
}

/// Submits the moderation once every domain has a moderated level. The moderator is recorded:
/// they may not sign it off.
#[server]
pub async fn submit_moderation(assessment_id: String) -> Result<(), AppError> {
    let ReadableAssessment {
        cx: Cx { actor, db },
        header,
        framework,
    } = Cx::signed_in().await?.assessment(&assessment_id).await?;
    let allowed = judge(&actor, &header, Event::ModerationSubmitted)?;
    let moderated =
        moderation_store::all_moderations(&db, &AssessmentId::from(&assessment_id)).await?;
    let answers = assessment_store::all_answers(&db, &AssessmentId::from(&assessment_id)).await?;
    let none = DomainAnswers::new();
    let missing = unmoderated_domains(&framework, header.care_setting, &moderated, |domain| {
        domain_score(is_met_in(answers.get(&domain.key).unwrap_or(&none)), domain)
    });
    if !missing.is_empty() {
        let names: Vec<&str> = missing.iter().map(|domain| domain.name.as_str()).collect();
        return Err(AppError::Invalid(format!(
            "Give every section a finished moderated level before you submit (a level other than the trust's needs its criteria and rationale). Not yet finished: {}.",
            names.join(", ")
        )));
    }
    let overall = moderated_scores(&framework, header.care_setting, &moderated)
        .1
        .map(round_for_display)
        .unwrap_or_default();
    moderation_store::submit(
        &db,
        &actor.account_id,
        &AssessmentId::from(&assessment_id),
        allowed,
        format!("moderated overall {overall}"),
    )
    .await?;
    leptos_axum::redirect(
        &crate::routes::Route::Moderation { id: &assessment_id }
            .with(crate::flash::Flash::Submitted),
    );
    Ok(())
}
