//! Sign-off: an approver who neither moderated the assessment nor belongs to its organisation
//! reads every change from the trust's own scores with its rationale, then signs off (the
//! scores are locked) or returns it to the moderator with a reason. Many can be signed off at
//! once with one declaration; each is judged and recorded on its own.

use super::form::Checkbox;
use crate::error::AppError;
use crate::rules::assessments::AssessmentHeader;
#[cfg(feature = "ssr")]
use crate::store::AssessmentId;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
#[cfg(feature = "ssr")]
use std::collections::BTreeSet;

#[cfg(feature = "ssr")]
use super::context::{Cx, ReadableAssessment};
#[cfg(feature = "ssr")]
use {
    super::assessments::judge,
    super::guard,
    crate::rules::{
        access::{self, Actor},
        assessments::{is_met_anywhere, is_met_in},
        lifecycle::{decide, Allowed, AssessmentStatus, Event, Participant, Refusal},
        moderation::moderated_scores,
        reasons::given_reason,
        scoring::{domain_score, score_assessment},
    },
    crate::store::{
        self, assessments as assessment_store,
        moderation::{self as moderation_store, Decision},
    },
};

/// A moderated assessment awaiting sign-off.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignOffLine {
    pub assessment_id: String,
    pub title: String,
    pub region: String,
    /// Why this approver may not decide on it, when they may not (they moderated it, say).
    pub refused: Option<String>,
}

/// The sign-off queue, filtered, with the regions it can be filtered by.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignOffQueueView {
    pub lines: Vec<SignOffLine>,
    pub regions: Vec<String>,
}

/// One domain whose moderated level differs from the trust's.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScoreChange {
    pub domain: String,
    pub self_score: u8,
    pub moderated: u8,
    /// The texts of the criteria the change rests on.
    pub criteria: Vec<String>,
    pub rationale: String,
}

/// What an approver reads before deciding.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SignOffSummary {
    pub header: AssessmentHeader,
    pub moderator: Option<String>,
    pub changes: Vec<ScoreChange>,
    pub self_overall: Option<f64>,
    pub moderated_overall: Option<f64>,
    /// Why this reader cannot decide now, when they cannot.
    pub refused: Option<String>,
    /// The reader may reopen the signed-off scores for moderation (administrators only).
    pub may_reopen: bool,
}

/// The lifecycle's judgement of `actor` deciding `event` on the assessment, whose `moderators`
/// (account ids: all who had a hand in its moderation) are not a second pair of eyes: four eyes.
#[cfg(feature = "ssr")]
fn judge_decision(
    actor: &Actor,
    header: &AssessmentHeader,
    moderators: &BTreeSet<String>,
    event: Event,
) -> Result<Allowed, Refusal> {
    let participant = Participant::person(actor, &header.trust_ods_code)
        .moderated_it(moderators.contains(&actor.account_id));
    let today = store::today();
    decide(event, header.status, &participant, &header.moment(&today))
}

/// The moderated assessments awaiting sign-off, in one region (by name) or all (empty).
/// Approvers only.
#[server]
pub async fn sign_off_queue(
    #[server(default)] region: String,
) -> Result<SignOffQueueView, AppError> {
    let Cx { actor, db } = Cx::require(access::may_sign_off).await?;
    let all = moderation_store::queue(&db, &[AssessmentStatus::Moderated]).await?;
    let mut regions: Vec<String> = all.iter().map(|row| row.region_name.clone()).collect();
    regions.dedup();
    let mut lines = Vec::new();
    for row in all
        .into_iter()
        .filter(|row| region.is_empty() || row.region_name == region)
    {
        let Some(header) = assessment_store::header(&db, &AssessmentId::from(&row.id)).await?
        else {
            continue;
        };
        let moderators = moderation_store::moderators_of(&db, &AssessmentId::from(&row.id)).await?;
        lines.push(SignOffLine {
            refused: judge_decision(&actor, &header, &moderators, Event::SignOff)
                .err()
                .map(|refusal| refusal.message().to_string()),
            assessment_id: row.id,
            title: format!("{} – {}", row.trust_name, row.care_setting),
            region: row.region_name,
        });
    }
    Ok(SignOffQueueView { lines, regions })
}

/// Every change from the trust's own levels, with its rationale. NHS England only.
#[server]
pub async fn get_sign_off(assessment_id: String) -> Result<SignOffSummary, AppError> {
    let ReadableAssessment {
        cx: Cx { actor, db },
        header,
        framework,
    } = Cx::signed_in().await?.assessment(&assessment_id).await?;
    guard::allowed(
        &actor,
        access::may_view_moderation(&actor, &header.trust_ods_code),
    )?;
    let answers = assessment_store::all_answers(&db, &AssessmentId::from(&assessment_id)).await?;
    let moderated =
        moderation_store::all_moderations(&db, &AssessmentId::from(&assessment_id)).await?;
    let changes = framework
        .domains_for(header.care_setting)
        .filter_map(|(_, domain)| {
            let moderation = moderated.get(&domain.key)?;
            let none = Default::default();
            let self_score =
                domain_score(is_met_in(answers.get(&domain.key).unwrap_or(&none)), domain);
            (moderation.score != self_score).then(|| ScoreChange {
                domain: domain.name.clone(),
                self_score,
                moderated: moderation.score,
                criteria: domain
                    .criteria()
                    .filter(|criterion| moderation.criteria.contains(&criterion.key))
                    .map(|criterion| criterion.text.clone())
                    .collect(),
                rationale: moderation.rationale.clone(),
            })
        })
        .collect();
    let moderator =
        moderation_store::moderator_of(&db, &AssessmentId::from(&assessment_id)).await?;
    let moderators =
        moderation_store::moderators_of(&db, &AssessmentId::from(&assessment_id)).await?;
    Ok(SignOffSummary {
        refused: judge_decision(&actor, &header, &moderators, Event::SignOff)
            .err()
            .map(|refusal| refusal.message().to_string()),
        moderator: moderator.as_ref().map(|(_, name)| name.clone()),
        changes,
        self_overall: score_assessment(&framework, header.care_setting, is_met_anywhere(&answers))
            .overall,
        moderated_overall: moderated_scores(&framework, header.care_setting, &moderated).1,
        may_reopen: header.status == AssessmentStatus::SignedOff
            && judge(&actor, &header, Event::Reopen).is_ok(),
        header,
    })
}

/// What comes before the assessment id in each sign-off checkbox, `assessments[id_<id>]`: it
/// keeps an id that starts with a digit from being read as a list index.
pub const SIGN_OFF_FIELD_PREFIX: &str = "id_";

/// Signs off every assessment ticked with one declaration, or none of them if any may not be
/// signed off by this approver.
#[server]
pub async fn sign_off(
    #[server(default)] assessments: BTreeMap<String, String>,
    #[server(default)] declaration: Checkbox,
) -> Result<(), AppError> {
    let Cx { actor, db } = Cx::require(access::may_sign_off).await?;
    if assessments.is_empty() {
        return Err(AppError::field(
            "assessments",
            "Select the assessments to sign off",
        ));
    }
    if !declaration.ticked() {
        return Err(AppError::field(
            "declaration",
            "Confirm that you have read every change and its rationale",
        ));
    }
    let mut decisions = Vec::with_capacity(assessments.len());
    for field in assessments.keys() {
        let id = field.strip_prefix(SIGN_OFF_FIELD_PREFIX).unwrap_or(field);
        let header = assessment_store::header(&db, &AssessmentId::from(id))
            .await?
            .ok_or_else(|| AppError::NotFound("There is no such assessment.".into()))?;
        let moderators = moderation_store::moderators_of(&db, &AssessmentId::from(id)).await?;
        let allowed =
            judge_decision(&actor, &header, &moderators, Event::SignOff).map_err(|refusal| {
                match AppError::from(refusal) {
                    AppError::Forbidden(message) => AppError::Forbidden(format!(
                        "{}: {message} Nothing was signed off.",
                        header.title()
                    )),
                    AppError::Invalid(message) => AppError::Invalid(format!(
                        "{}: {message} Nothing was signed off.",
                        header.title()
                    )),
                    other => other,
                }
            })?;
        decisions.push((id.to_string(), allowed));
    }
    moderation_store::decide(&db, &actor.account_id, &decisions, Decision::SignOff)
        .await
        .map_err(|(_, error)| AppError::from(error))?;
    leptos_axum::redirect(&crate::routes::Route::SignOffQueue.with(
        crate::flash::Flash::SignedOff {
            assessments: decisions.len(),
        },
    ));
    Ok(())
}

/// Returns a moderated assessment to moderation with the reason. Not by its moderator.
#[server]
pub async fn return_to_moderator(assessment_id: String, reason: String) -> Result<(), AppError> {
    let ReadableAssessment {
        cx: Cx { actor, db },
        header,
        framework: _,
    } = Cx::signed_in().await?.assessment(&assessment_id).await?;
    guard::allowed(&actor, access::may_sign_off(&actor))?;
    let moderators =
        moderation_store::moderators_of(&db, &AssessmentId::from(&assessment_id)).await?;
    let allowed = judge_decision(&actor, &header, &moderators, Event::ReturnToModerator)?;
    let reason = given_reason(&reason, 1000).ok_or_else(|| {
        AppError::field(
            "reason",
            "Enter why you are returning it, in 1000 characters or fewer: the moderator will read it",
        )
    })?;
    moderation_store::decide(
        &db,
        &actor.account_id,
        &[(assessment_id, allowed)],
        Decision::ReturnToModerator { reason },
    )
    .await
    .map_err(|(_, error)| AppError::from(error))?;
    leptos_axum::redirect(&crate::routes::Route::SignOffQueue.with(crate::flash::Flash::Returned));
    Ok(())
}

/// Reopens signed-off scores for moderation, with the reason. Administrators only, before the
/// scores are released.
#[server]
pub async fn reopen_signed_off(assessment_id: String, reason: String) -> Result<(), AppError> {
    let ReadableAssessment {
        cx: Cx { actor, db },
        header,
        framework: _,
    } = Cx::signed_in().await?.assessment(&assessment_id).await?;
    let allowed = judge(&actor, &header, Event::Reopen)?;
    let reason = given_reason(&reason, 1000).ok_or_else(|| {
        AppError::field(
            "reopen-reason",
            "Enter why you are reopening the signed-off scores, in 1000 characters or fewer",
        )
    })?;
    moderation_store::reopen_signed_off(
        &db,
        &actor.account_id,
        &AssessmentId::from(&assessment_id),
        allowed,
        reason,
    )
    .await?;
    leptos_axum::redirect(
        &crate::routes::Route::Moderation { id: &assessment_id }
            .with(crate::flash::Flash::Reopened),
    );
    Ok(())
}
