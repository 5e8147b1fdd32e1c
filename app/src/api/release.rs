//! Release and publication, for NHS England's administrators: which assessments are ready, leaving
//! one out with a reason, the provisional release (trusts see their final scores and may query
//! them for a set number of working days), publication as version 1, and corrections published as
//! later versions with a note of what changed.

use super::form::Checkbox;
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::store::{AssessmentId, CycleId, OdsCode};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use super::context::Cx;
#[cfg(feature = "ssr")]
use {
    super::assessments::{existing_assessment, judge},
    super::{guard, mail_text},
    crate::rules::{
        access::{self, Actor},
        assessments::{is_met_in, AssessmentHeader},
        cycles::readable_moment,
        lifecycle::{Allowed, AssessmentStatus, Event},
        reasons::given_reason,
        results::{add_working_days, QUERY_DAYS},
        scoring::domain_score,
    },
    crate::store::{
        self, assessments as assessment_store, moderation as moderation_store,
        outbox::OutgoingMail,
        results::{self as results_store, AssessmentLevels, Publication},
    },
};

/// How many working days trusts have to query, unless the administrator says otherwise.
pub const DEFAULT_QUERY_DAYS: u32 = 5;
/// The statuses of an assessment whose final scores are settled: signed off, released or
/// published.
#[cfg(feature = "ssr")]
const RELEASABLE: [AssessmentStatus; 3] = [
    AssessmentStatus::SignedOff,
    AssessmentStatus::ProvisionallyReleased,
    AssessmentStatus::Published,
];
/// The longest reason or note, in characters.
#[cfg(feature = "ssr")]
const NOTE_MAX_CHARS: usize = 1000;

/// An assessment on the release page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReleaseLine {
    pub assessment_id: String,
    pub title: String,
    pub status: String,
}

/// A published version, as listed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionLine {
    pub version: i64,
    pub note: String,
    pub published_at: String,
}

/// Everything the release page shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReleaseOverview {
    pub cycle_id: String,
    pub cycle_name: String,
    pub phase: String,
    /// `(status label, count)` of the assessments included.
    pub counts: Vec<(String, usize)>,
    /// Included assessments not yet signed off, released or published.
    pub waiting: Vec<ReleaseLine>,
    /// Signed off and waiting to be released (again, after a query or correction).
    pub ready: Vec<ReleaseLine>,
    /// Published assessments, which may be reopened for a correction.
    pub published: Vec<ReleaseLine>,
    /// `(title, reason)` of the assessments left out.
    pub excluded: Vec<(String, String)>,
    /// When queries close, once released provisionally.
    pub queries_close_on: Option<String>,
    pub open_queries: usize,
    pub versions: Vec<VersionLine>,
    /// Why the results cannot be released provisionally now, when they cannot.
    pub release_refused: Option<String>,
    /// Why a version cannot be published now, when it cannot.
    pub publish_refused: Option<String>,
}

#[cfg(feature = "ssr")]
fn line(header: &AssessmentHeader) -> ReleaseLine {
    ReleaseLine {
        assessment_id: header.id.clone(),
        title: header.title(),
        status: header.status.label().to_string(),
    }
}

/// A cycle's assessments split into those included and those left out (`(header, reason)`),
/// with where its release stands: what every release decision is judged on.
#[cfg(feature = "ssr")]
struct CycleScope {
    included: Vec<AssessmentHeader>,
    excluded: Vec<(AssessmentHeader, String)>,
    /// The last day to query, once released provisionally.
    queries_close_on: Option<String>,
    open_queries: usize,
}

#[cfg(feature = "ssr")]
async fn scope(db: &store::Db, cycle_id: &str) -> Result<CycleScope, AppError> {
    let mut exclusions = results_store::exclusions(db, &CycleId::from(cycle_id)).await?;
    let mut scope = CycleScope {
        included: Vec::new(),
        excluded: Vec::new(),
        queries_close_on: results_store::provisional_release(db, &CycleId::from(cycle_id))
            .await?
            .map(|release| release.queries_close_on),
        open_queries: results_store::open_queries(db, &CycleId::from(cycle_id))
            .await?
            .len(),
    };
    for header in assessment_store::for_cycle(db, &CycleId::from(cycle_id)).await? {
        match exclusions.remove(&header.id) {
            Some(reason) => scope.excluded.push((header, reason)),
            None => scope.included.push(header),
        }
    }
    Ok(scope)
}

/// The release this administrator may make now: every included assessment signed off (or, after
/// the first release, those signed off again), each judged by the lifecycle.
#[cfg(feature = "ssr")]
fn release_changes(actor: &Actor, scope: &CycleScope) -> Result<Vec<(String, Allowed)>, String> {
    let already_released = scope.queries_close_on.is_some();
    if scope.included.is_empty() {
        return Err("The cycle has no assessments to release.".into());
    }
    let waiting: Vec<&AssessmentHeader> = scope
        .included
        .iter()
        .filter(|header| header.status == AssessmentStatus::SignedOff)
        .collect();
    if !already_released {
        let not_ready = scope
            .included
            .iter()
            .filter(|header| header.status != AssessmentStatus::SignedOff)
            .count();
        if not_ready > 0 {
            return Err(format!(
                "{not_ready} of {} assessments are not signed off yet. Wait for sign-off, or leave them out with a reason.",
                scope.included.len()
            ));
        }
    } else if waiting.is_empty() {
        return Err("Every assessment signed off has been released.".into());
    }
    waiting
        .into_iter()
        .map(|header| {
            judge(actor, header, Event::ProvisionalRelease)
                .map(|allowed| (header.id.clone(), allowed))
                .map_err(|refusal| format!("{}: {}", header.title(), refusal.message()))
        })
        .collect()
}

/// What publishing now would publish, or why it cannot: the first version once every included
/// assessment is released and queries have closed and been answered; a correction once a
/// reopened assessment is signed off again.
#[cfg(feature = "ssr")]
fn publication_changes<'a>(
    actor: &Actor,
    scope: &'a CycleScope,
    today: &str,
) -> Result<Vec<(&'a AssessmentHeader, Option<Allowed>)>, String> {
    let open_queries = scope.open_queries;
    let Some(queries_close_on) = scope.queries_close_on.as_deref() else {
        return Err("Release the results provisionally first, so trusts can query them.".into());
    };
    if today <= queries_close_on {
        return Err(format!(
            "Trusts may query their scores until {}. Publish after that.",
            crate::rules::deadlines::deadline_shown(queries_close_on)
        ));
    }
    if open_queries > 0 {
        return Err(format!(
            "{open_queries} queries are not answered yet. Moderators answer them on the moderation page."
        ));
    }
    let unfinished: Vec<&AssessmentHeader> = scope
        .included
        .iter()
        .filter(|header| {
            !matches!(
                header.status,
                AssessmentStatus::ProvisionallyReleased
                    | AssessmentStatus::SignedOff
                    | AssessmentStatus::Published
            )
        })
        .collect();
    if let Some(first) = unfinished.first() {
        return Err(format!(
            "{} assessments are back in moderation or sign-off, such as {} ({}). Publish once they are signed off.",
            unfinished.len(),
            first.title(),
            first.status.label().to_lowercase()
        ));
    }
    let changes: Vec<(&'a AssessmentHeader, Option<Allowed>)> = scope
        .included
        .iter()
        .map(|header| {
            if header.status == AssessmentStatus::Published {
                return Ok((header, None));
            }
            judge(actor, header, Event::Publish)
                .map(|allowed| (header, Some(allowed)))
                .map_err(|refusal| format!("{}: {}", header.title(), refusal.message()))
        })
        .collect::<Result<_, String>>()?;
    if changes.iter().all(|(_, change)| change.is_none()) {
        return Err("Nothing has changed since the latest version. Reopen an assessment for correction first.".into());
    }
    Ok(changes)
}

/// The release page of a cycle. Administrators only.
#[server]
pub async fn get_release(cycle_id: String) -> Result<ReleaseOverview, AppError> {
    let cx = Cx::require(access::may_manage_cycles).await?;
    let cycle = cx.cycle(&cycle_id).await?;
    let Cx { actor, db } = cx;
    let scope = scope(&db, &cycle_id).await?;
    let mut counts: Vec<(String, usize)> = Vec::new();
    for status in AssessmentStatus::ALL {
        let count = scope.included.iter().filter(|h| h.status == status).count();
        if count > 0 {
            counts.push((status.label().to_string(), count));
        }
    }
    let lines = |statuses: &[AssessmentStatus]| {
        scope
            .included
            .iter()
            .filter(|header| statuses.contains(&header.status))
            .map(line)
            .collect::<Vec<_>>()
    };
    let ready = lines(&[AssessmentStatus::SignedOff]);
    let published = lines(&[AssessmentStatus::Published]);
    let waiting = scope
        .included
        .iter()
        .filter(|header| !RELEASABLE.contains(&header.status))
        .map(line)
        .collect();
    Ok(ReleaseOverview {
        release_refused: release_changes(&actor, &scope).err(),
        publish_refused: publication_changes(&actor, &scope, &store::today()).err(),
        cycle_name: cycle.name,
        phase: cycle.phase.label().to_string(),
        counts,
        waiting,
        ready,
        published,
        excluded: scope
            .excluded
            .iter()
            .map(|(header, reason)| (header.title(), reason.clone()))
            .collect(),
        queries_close_on: scope
            .queries_close_on
            .as_deref()
            .map(crate::rules::deadlines::deadline_shown),
        open_queries: scope.open_queries,
        versions: results_store::versions(&db, &CycleId::from(&cycle_id))
            .await?
            .into_iter()
            .map(|version| VersionLine {
                version: version.version,
                note: version.note,
                published_at: readable_moment(&version.published_at),
            })
            .collect(),
        cycle_id,
    })
}

#[cfg(feature = "ssr")]
fn required_text(text: &str, name: &str, field: &str, what: &str) -> Result<String, AppError> {
    given_reason(text, NOTE_MAX_CHARS)
        .map(str::to_string)
        .ok_or_else(|| {
            AppError::field(
                field,
                format!("Enter {what}, in {NOTE_MAX_CHARS} characters or fewer"),
            )
            .keeping(&[(name, text)])
        })
}

/// Leaves an assessment out of its cycle's results, with a reason. Only before it is released.
#[server]
pub async fn exclude_from_results(assessment_id: String, reason: String) -> Result<(), AppError> {
    let Cx { actor, db } = Cx::require(access::may_manage_cycles).await?;
    let header = existing_assessment(&db, &assessment_id).await?;
    let reason = required_text(
        &reason,
        "reason",
        "exclude-reason",
        "why this assessment is left out",
    )?;
    if matches!(
        header.status,
        AssessmentStatus::ProvisionallyReleased | AssessmentStatus::Published
    ) {
        return Err(AppError::Invalid(
            "This assessment's results are released already, so it cannot be left out.".into(),
        ));
    }
    results_store::exclude(
        &db,
        &actor.account_id,
        &AssessmentId::from(&assessment_id),
        &reason,
    )
    .await?;
    leptos_axum::redirect(
        &crate::routes::Route::Release {
            cycle: &header.cycle_id,
        }
        .with(crate::flash::Flash::Excluded),
    );
    Ok(())
}

/// Releases the results provisionally, with queries open for `working_days` working days; after
/// the first release, releases again the assessments signed off since (after a query).
#[server]
pub async fn release_provisionally(
    cycle_id: String,
    #[server(default)] working_days: String,
) -> Result<(), AppError> {
    let cx = Cx::require(access::may_manage_cycles).await?;
    cx.cycle(&cycle_id).await?;
    let Cx { actor, db } = cx;
    let scope = scope(&db, &cycle_id).await?;
    let queries_close_on = if scope.queries_close_on.is_some() {
        None
    } else {
        let days = working_days
            .trim()
            .parse::<u32>()
            .ok()
            .filter(|days| QUERY_DAYS.contains(days))
            .ok_or_else(|| {
                AppError::field(
                    "working-days",
                    format!(
                        "Enter the number of working days trusts have to query their scores, from {} to {}",
                        QUERY_DAYS.start(),
                        QUERY_DAYS.end()
                    ),
                )
                .keeping(&[("working_days", &working_days)])
            })?;
        Some(add_working_days(&store::today(), days).ok_or(AppError::Internal)?)
    };
    let changes = release_changes(&actor, &scope).map_err(AppError::Invalid)?;
    let notices = release_notices(&db, &scope, &changes).await?;
    results_store::release_provisionally(
        &db,
        &actor.account_id,
        &CycleId::from(&cycle_id),
        queries_close_on.as_deref(),
        &changes,
        &notices,
    )
    .await?;
    leptos_axum::redirect(&crate::routes::Route::Release { cycle: &cycle_id }.with(
        crate::flash::Flash::Released {
            assessments: changes.len(),
        },
    ));
    Ok(())
}

/// An email to the leads of each trust whose results are released.
#[cfg(feature = "ssr")]
async fn release_notices(
    db: &store::Db,
    scope: &CycleScope,
    released: &[(String, Allowed)],
) -> Result<Vec<OutgoingMail>, AppError> {
    let url = super::public_url()?;
    let mut notices = Vec::new();
    for (assessment_id, _) in released {
        let Some(header) = scope.included.iter().find(|h| h.id == *assessment_id) else {
            continue;
        };
        let link = format!("{url}/assessments/{assessment_id}/results");
        for (email, name) in
            assessment_store::trust_leads(db, &OdsCode::from(&header.trust_ods_code)).await?
        {
            notices.push(
                mail_text::ResultsReleased {
                    to: &email,
                    name: &name,
                    title: &header.title(),
                    link: &link,
                }
                .mail(),
            );
        }
    }
    Ok(notices)
}

/// Publishes a version of the cycle's results: version 1 after the provisional release and its
/// queries; later versions as corrections, each with a note of what changed.
#[server]
pub async fn publish_results(
    cycle_id: String,
    #[server(default)] note: String,
    #[server(default)] self_scores: Checkbox,
) -> Result<(), AppError> {
    let cx = Cx::require(access::may_manage_cycles).await?;
    let cycle = cx.cycle(&cycle_id).await?;
    let Cx { actor, db } = cx;
    if cycle.is_historical {
        return Err(AppError::Invalid(
            "This cycle holds results imported from an earlier publication.".into(),
        ));
    }
    let first = results_store::versions(&db, &CycleId::from(&cycle_id))
        .await?
        .is_empty();
    let note = if first && note.trim().is_empty() {
        "First publication".to_string()
    } else {
        required_text(&note, "note", "note", "what this version corrects")?
    };
    let scope = scope(&db, &cycle_id).await?;
    let changes =
        publication_changes(&actor, &scope, &store::today()).map_err(AppError::Invalid)?;
    let framework = store::frameworks::cached(&db, &cycle.framework_version)
        .await?
        .ok_or(AppError::Internal)?;
    let mut assessments = Vec::with_capacity(changes.len());
    for (header, change) in changes {
        let answers = assessment_store::all_answers(&db, &AssessmentId::from(&header.id)).await?;
        let moderated =
            moderation_store::all_moderations(&db, &AssessmentId::from(&header.id)).await?;
        let levels = framework
            .domains_for(header.care_setting)
            .map(|(_, domain)| {
                let own = domain_score(
                    is_met_in(&answers.get(&domain.key).cloned().unwrap_or_default()),
                    domain,
                );
                let moderated = moderated.get(&domain.key).map_or(own, |m| m.score);
                (domain.key.clone(), moderated, own)
            })
            .collect();
        assessments.push(AssessmentLevels {
            assessment_id: header.id.clone(),
            change,
            levels,
        });
    }
    let version = results_store::publish(
        &db,
        &actor.account_id,
        Publication {
            cycle_id: &cycle_id,
            note: &note,
            with_self_scores: self_scores.ticked(),
            assessments,
        },
    )
    .await?;
    leptos_axum::redirect(
        &crate::routes::Route::Release { cycle: &cycle_id }
            .with(crate::flash::Flash::Published { version }),
    );
    Ok(())
}

/// Reopens a published assessment for correction, with the reason; it goes back to moderation,
/// and its corrected scores are published as a new version once signed off again.
#[server]
pub async fn reopen_for_correction(assessment_id: String, reason: String) -> Result<(), AppError> {
    let Cx { actor, db } = Cx::require(access::may_manage_cycles).await?;
    let header = existing_assessment(&db, &assessment_id).await?;
    let reason = required_text(
        &reason,
        "reason",
        "correction-reason",
        "what needs correcting",
    )?;
    let allowed = judge(&actor, &header, Event::Correct).map_err(|refusal| {
        guard::record_refused(refusal.message());
        AppError::Invalid(refusal.message().to_string())
    })?;
    results_store::reopen(
        &db,
        &actor.account_id,
        &AssessmentId::from(&assessment_id),
        allowed,
        &reason,
    )
    .await?;
    leptos_axum::redirect(
        &crate::routes::Route::Release {
            cycle: &header.cycle_id,
        }
        .with(crate::flash::Flash::Reopened),
    );
    Ok(())
}
