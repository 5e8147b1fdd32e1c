//! An assessment's final scores and why each domain's is what it is, for the trust once released
//! (and NHS England at any time after moderation); the trust's queries on a domain while the
//! provisional release is open, and NHS England's moderators' answers, which may reopen
//! moderation.

use crate::error::AppError;
use crate::rules::assessments::AssessmentHeader;
use crate::rules::explanation::Explanation;
#[cfg(feature = "ssr")]
use crate::store::{AssessmentId, CycleId};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use super::context::Cx;
#[cfg(feature = "ssr")]
use {
    super::assessments::{existing_assessment, find_domain, judge},
    super::guard,
    crate::rules::{
        access,
        cycles::readable_date,
        explanation::explain,
        lifecycle::{AssessmentStatus, Event},
        moderation::moderated_scores,
        reasons::given_reason,
        scoring::score_assessment,
    },
    crate::store::{
        self, assessments as assessment_store, moderation as moderation_store,
        replies as reply_store, results as results_store, reviews as review_store,
    },
};

/// The longest query or answer, in characters.
pub const QUERY_MAX_CHARS: usize = 1500;

/// A query on a domain's score, with its answer once given.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueryView {
    pub id: String,
    pub question: String,
    pub raised_on: String,
    pub answer: Option<String>,
    pub upheld: bool,
}

/// One domain's final level and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DomainResult {
    pub key: String,
    pub name: String,
    pub pillar: String,
    pub explanation: Explanation,
    pub query: Option<QueryView>,
}

/// An assessment's final scores, domain by domain.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FinalScores {
    pub header: AssessmentHeader,
    pub self_overall: Option<f64>,
    pub final_overall: Option<f64>,
    pub domains: Vec<DomainResult>,
    /// The last day to query, while queries are open to this reader.
    pub query_until: Option<String>,
}

/// The reader may raise a query now: a lead of the trust, its results released provisionally
/// and the window open.
#[cfg(feature = "ssr")]
fn query_window(
    actor: &access::Actor,
    header: &AssessmentHeader,
    queries_close_on: Option<&str>,
) -> Option<String> {
    let close = queries_close_on?;
    (header.status == AssessmentStatus::ProvisionallyReleased
        && access::may_answer_for_trust(actor, &header.trust_ods_code).is_ok()
        && store::today().as_str() <= close)
        .then(|| close.to_string())
}

/// An assessment's final scores with the explanation of every domain. The trust's leads once
/// released; NHS England at any time.
#[server]
pub async fn get_final_scores(assessment_id: String) -> Result<FinalScores, AppError> {
    let Cx { actor, db } = Cx::signed_in().await?;
    let header = existing_assessment(&db, &assessment_id).await?;
    guard::allowed(
        &actor,
        access::may_see_final_scores(&actor, &header.trust_ods_code, header.status),
    )?;
    let framework = store::frameworks::cached(&db, &header.framework_version)
        .await?
        .ok_or(AppError::Internal)?;
    let answers = assessment_store::all_answers(&db, &AssessmentId::from(&assessment_id)).await?;
    let reviews = review_store::submitted_reviews(&db, &AssessmentId::from(&assessment_id)).await?;
    let replies = reply_store::all_replies(&db, &AssessmentId::from(&assessment_id)).await?;
    let moderated =
        moderation_store::all_moderations(&db, &AssessmentId::from(&assessment_id)).await?;
    let mut queries = results_store::queries_for(&db, &AssessmentId::from(&assessment_id)).await?;
    let release = results_store::provisional_release(&db, &CycleId::from(&header.cycle_id)).await?;
    let domains = framework
        .domains_for(header.care_setting)
        .map(|(pillar, domain)| {
            let judgements: Vec<_> = reviews
                .iter()
                .map(|review| {
                    review
                        .domains
                        .get(&domain.key)
                        .map(|r| r.judgements.clone())
                        .unwrap_or_default()
                })
                .collect();
            let query = queries
                .iter()
                .position(|q| q.domain_key == domain.key)
                .map(|index| queries.swap_remove(index))
                .map(|q| QueryView {
                    id: q.id,
                    question: q.question,
                    raised_on: readable_date(q.raised_at.get(..10).unwrap_or_default()),
                    answer: q.answer,
                    upheld: q.upheld.0,
                });
            DomainResult {
                key: domain.key.clone(),
                name: domain.name.clone(),
                pillar: pillar.name.clone(),
                explanation: explain(
                    domain,
                    &answers.get(&domain.key).cloned().unwrap_or_default(),
                    &judgements,
                    replies.get(&domain.key),
                    moderated.get(&domain.key),
                ),
                query,
            }
        })
        .collect();
    Ok(FinalScores {
        self_overall: score_assessment(
            &framework,
            header.care_setting,
            crate::rules::assessments::is_met_anywhere(&answers),
        )
        .overall,
        final_overall: moderated_scores(&framework, header.care_setting, &moderated).1,
        query_until: query_window(
            &actor,
            &header,
            release.as_ref().map(|r| r.queries_close_on.as_str()),
        )
        .map(|date| crate::rules::deadlines::deadline_shown(&date)),
        domains,
        header,
    })
}

/// Raises a query on one domain's provisional score. The trust's leads, while queries are open.
#[server]
pub async fn raise_query(
    assessment_id: String,
    domain_key: String,
    #[server(default)] question: String,
) -> Result<(), AppError> {
    let Cx { actor, db } = Cx::signed_in().await?;
    let header = existing_assessment(&db, &assessment_id).await?;
    guard::allowed(
        &actor,
        access::may_answer_for_trust(&actor, &header.trust_ods_code),
    )?;
    let framework = store::frameworks::cached(&db, &header.framework_version)
        .await?
        .ok_or(AppError::Internal)?;
    find_domain(&framework, &header, &domain_key)?;
    let release = results_store::provisional_release(&db, &CycleId::from(&header.cycle_id)).await?;
    if query_window(
        &actor,
        &header,
        release.as_ref().map(|r| r.queries_close_on.as_str()),
    )
    .is_none()
    {
        return Err(AppError::Invalid(
            "Queries are not open for this assessment: they can be raised only while its results are released provisionally, until the date shown.".into(),
        ));
    }
    let question = given_reason(&question, QUERY_MAX_CHARS).ok_or_else(|| {
        AppError::field(
            &format!("question-{domain_key}"),
            format!("Enter your query, in {QUERY_MAX_CHARS} characters or fewer"),
        )
        .keeping(&[("question", &question)])
    })?;
    results_store::raise_query(
        &db,
        &actor.account_id,
        &AssessmentId::from(&assessment_id),
        &domain_key,
        question,
    )
    .await?;
    leptos_axum::redirect(
        &crate::routes::Route::FinalScores { id: &assessment_id }.with(
            crate::flash::Flash::Queried {
                domain: domain_key.clone(),
            },
        ),
    );
    Ok(())
}

/// A query waiting for an answer, as the moderators' list shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenQuery {
    pub id: String,
    pub assessment_id: String,
    pub title: String,
    pub domain: String,
    pub question: String,
    pub raised_on: String,
}

/// Every unanswered query in cycles whose results are released provisionally, but those of the
/// moderator's own organisation. NHS England's moderators.
#[server]
pub async fn open_queries() -> Result<Vec<OpenQuery>, AppError> {
    let Cx { actor, db } = Cx::require(access::may_moderate).await?;
    let mut open = Vec::new();
    for cycle in store::cycles::list(&db).await? {
        let queries = results_store::open_queries(&db, &CycleId::from(&cycle.id)).await?;
        if queries.is_empty() {
            continue;
        }
        let framework = store::frameworks::cached(&db, &cycle.framework_version)
            .await?
            .ok_or(AppError::Internal)?;
        for query in queries {
            let Some(header) =
                assessment_store::header(&db, &AssessmentId::from(&query.assessment_id)).await?
            else {
                continue;
            };
            if access::may_answer_query(&actor, &header.trust_ods_code).is_err() {
                continue;
            }
            let domain = framework
                .domains_for(header.care_setting)
                .find(|(_, domain)| domain.key == query.domain_key)
                .map_or_else(|| query.domain_key.clone(), |(_, d)| d.name.clone());
            open.push(OpenQuery {
                title: header.title(),
                raised_on: readable_date(query.raised_at.get(..10).unwrap_or_default()),
                id: query.id,
                assessment_id: query.assessment_id,
                domain,
                question: query.question,
            });
        }
    }
    Ok(open)
}

/// Answers a query. With `reopen` ("yes"), the query is upheld and the assessment goes back to
/// moderation, to be signed off and released again. NHS England's moderators, never their own
/// organisation's.
#[server]
pub async fn answer_query(
    query_id: String,
    #[server(default)] answer: String,
    reopen: Option<String>,
) -> Result<(), AppError> {
    let Cx { actor, db } = Cx::require(access::may_moderate).await?;
    let query = results_store::query(&db, &query_id)
        .await?
        .ok_or_else(|| AppError::NotFound("There is no such query.".into()))?;
    let header = assessment_store::header(&db, &AssessmentId::from(&query.assessment_id))
        .await?
        .ok_or(AppError::Internal)?;
    guard::allowed(
        &actor,
        access::may_answer_query(&actor, &header.trust_ods_code),
    )?;
    let answer = given_reason(&answer, QUERY_MAX_CHARS).ok_or_else(|| {
        AppError::field(
            &format!("answer-{query_id}"),
            format!("Enter your answer to the trust, in {QUERY_MAX_CHARS} characters or fewer"),
        )
        .keeping(&[("answer", &answer)])
    })?;
    let reopen = match reopen.as_deref() {
        Some("yes") => Some(judge(&actor, &header, Event::UpholdQuery)?),
        _ => None,
    };
    results_store::answer_query(&db, &actor.account_id, &query, answer, reopen).await?;
    leptos_axum::redirect(&crate::routes::Route::Queries.with(crate::flash::Flash::Answered));
    Ok(())
}
