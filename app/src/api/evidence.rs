//! Requests for more evidence during moderation: a moderator asks the trust about chosen
//! domains with a question and a deadline a few days away; the trust's leads are emailed and
//! answer on the assessment; the moderator reads the answer on the moderation pages.

use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::store::{AssessmentId, OdsCode};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[cfg(feature = "ssr")]
use super::context::{Cx, ReadableAssessment};
#[cfg(feature = "ssr")]
use {
    super::assessments::judge,
    super::{guard, mail_text, public_url},
    crate::rules::{
        access,
        lifecycle::Event,
        moderation::{check_evidence_answer, check_evidence_request},
    },
    crate::store::{
        self, assessments as assessment_store,
        evidence_requests::{self as request_store, NewRequest},
    },
};

/// A request as the trust and NHS England read it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvidenceRequestView {
    pub id: String,
    pub domains: Vec<String>,
    pub question: String,
    pub deadline: String,
    pub answer: Option<String>,
    /// The reader may answer it now: a lead of the trust, before the deadline, unanswered.
    pub may_answer: bool,
}

/// The assessment's requests for more evidence, oldest first. Its trust's leads and NHS England.
#[server]
pub async fn evidence_requests(
    assessment_id: String,
) -> Result<Vec<EvidenceRequestView>, AppError> {
    let ReadableAssessment {
        cx: Cx { actor, db },
        header,
        framework,
    } = Cx::signed_in().await?.assessment(&assessment_id).await?;
    let own_lead = access::may_answer_for_trust(&actor, &header.trust_ods_code).is_ok();
    let today = store::today();
    let names: BTreeMap<&str, &str> = framework
        .domains_for(header.care_setting)
        .map(|(_, domain)| (domain.key.as_str(), domain.name.as_str()))
        .collect();
    Ok(
        request_store::for_assessment(&db, &AssessmentId::from(&assessment_id))
            .await?
            .into_iter()
            .map(|request| EvidenceRequestView {
                domains: request
                    .domain_keys()
                    .map(|key| names.get(key).copied().unwrap_or(key).to_string())
                    .collect(),
                may_answer: own_lead
                    && request.answer.is_none()
                    && today.as_str() <= request.deadline.as_str()
                    && header.status == crate::rules::lifecycle::AssessmentStatus::Replied,
                id: request.id,
                question: request.question,
                deadline: request.deadline,
                answer: request.answer,
            })
            .collect(),
    )
}

/// A moderator asks the trust for more evidence on the domains ticked (`domains[<key>]`), with a
/// question and a deadline a few days away; the trust's leads are emailed.
#[server]
pub async fn ask_for_evidence(
    assessment_id: String,
    #[server(default)] domains: BTreeMap<String, String>,
    #[server(default)] question: String,
    #[server(default)] deadline: String,
) -> Result<(), AppError> {
    let ReadableAssessment {
        cx: Cx { actor, db },
        header,
        framework,
    } = Cx::signed_in().await?.assessment(&assessment_id).await?;
    let allowed = judge(&actor, &header, Event::ModerationSubmitted)?;
    let chosen: Vec<String> = framework
        .domains_for(header.care_setting)
        .filter(|(_, domain)| domains.contains_key(&domain.key))
        .map(|(_, domain)| domain.key.clone())
        .collect();
    if chosen.len() != domains.len() {
        return Err(AppError::field(
            "evidence-domains",
            "A section chosen does not belong to this assessment. Reload the page and try again.",
        ));
    }
    let deadline = deadline.trim().to_string();
    let keep = [
        ("question", question.as_str()),
        ("deadline", deadline.as_str()),
    ];
    let question = check_evidence_request(chosen.len(), &question, &deadline, &store::today())
        .map_err(|(field, message)| AppError::field(&field, message).keeping(&keep))?;
    let names: Vec<String> = framework
        .domains_for(header.care_setting)
        .filter(|(_, domain)| chosen.contains(&domain.key))
        .map(|(_, domain)| domain.name.clone())
        .collect();
    let link = format!("{}/assessments/{assessment_id}/evidence", public_url()?);
    let notices: Vec<_> =
        assessment_store::trust_leads(&db, &OdsCode::from(&header.trust_ods_code))
            .await?
            .iter()
            .map(|(email, name)| {
                mail_text::EvidenceRequested {
                    to: email,
                    name,
                    title: &header.title(),
                    sections: &names,
                    question: &question,
                    deadline: &crate::rules::deadlines::deadline_shown(&deadline),
                    link: &link,
                }
                .mail()
            })
            .collect();
    let request = NewRequest {
        domain_keys: &chosen,
        question: &question,
        deadline: &deadline,
    };
    request_store::ask(
        &db,
        &actor.account_id,
        &AssessmentId::from(&assessment_id),
        allowed,
        request,
        &notices,
    )
    .await?;
    leptos_axum::redirect(
        &crate::routes::Route::Moderation { id: &assessment_id }.with(crate::flash::Flash::Asked),
    );
    Ok(())
}

/// A lead of the trust answers a request for more evidence, once, by its deadline.
#[server]
pub async fn answer_evidence_request(
    request_id: String,
    #[server(default)] answer: String,
) -> Result<(), AppError> {
    let Cx { actor, db } = Cx::signed_in().await?;
    let request = request_store::get(&db, &request_id)
        .await?
        .ok_or_else(|| AppError::NotFound("There is no such request.".into()))?;
    let header = assessment_store::header(&db, &AssessmentId::from(&request.assessment_id))
        .await?
        .ok_or(AppError::Internal)?;
    guard::allowed(
        &actor,
        access::may_answer_for_trust(&actor, &header.trust_ods_code),
    )?;
    let answer = check_evidence_answer(&answer)
        .map_err(|(field, message)| AppError::field(&format!("{field}-{request_id}"), message))?;
    request_store::answer(
        &db,
        &actor.account_id,
        &request_id,
        &answer,
        &store::today(),
    )
    .await?;
    leptos_axum::redirect(
        &crate::routes::Route::EvidenceRequests { id: &header.id }
            .with(crate::flash::Flash::Answered),
    );
    Ok(())
}
