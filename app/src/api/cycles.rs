//! Running cycles: creating one, moving it through its phases (opening freezes the organisations
//! and creates the assessments), and extending one trust's deadline. Administrators only.

use super::form::Checkbox;
use crate::error::AppError;
use crate::rules::assessments::AssessmentHeader;
use crate::rules::cycles::{Cycle, Phase};
use crate::rules::who_is_missing::WhoIsMissing;
#[cfg(feature = "ssr")]
use crate::store::{CycleId, OdsCode};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use super::context::Cx;
#[cfg(feature = "ssr")]
use {
    super::{mail_text, public_url},
    crate::rules::{
        access,
        cycles::{check_dates, check_reply_deadline, is_valid_date, may_advance, CycleDates},
        organisations::CareSetting,
        reasons::given_reason,
    },
    crate::store::{
        self,
        cycles::{self as cycle_store, CycleError, NewCycle},
    },
};

/// A cycle's page: the cycle, its assessments, and whether it can move to its next phase today.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CycleOverview {
    pub cycle: Cycle,
    pub assessments: Vec<AssessmentHeader>,
    pub next_phase: Option<Phase>,
    /// Why the next phase cannot begin today, if it cannot.
    pub not_yet: Option<String>,
    /// Once the cycle is open: how many organisations in it have no active trust lead.
    pub without_lead: usize,
}

/// Who is missing from a cycle.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CycleMissing {
    pub cycle_id: String,
    pub cycle_name: String,
    pub reviewers_per_assessment: u32,
    pub missing: WhoIsMissing,
}

/// Who is missing from a cycle, by the rules of [`crate::rules::who_is_missing`].
#[cfg(feature = "ssr")]
async fn missing_from(db: &store::Db, cycle_id: &str) -> Result<(u32, WhoIsMissing), AppError> {
    let coverage = store::who_is_missing::coverage(db, &CycleId::from(cycle_id))
        .await?
        .ok_or(CycleError::NoSuchCycle)?;
    Ok((
        coverage.reviewers_per_assessment,
        crate::rules::who_is_missing::who_is_missing(
            coverage.organisations,
            &coverage.systems,
            coverage.reviewers_per_assessment,
        ),
    ))
}

/// The form field of a care setting's checkbox on the new-cycle form.
pub fn care_setting_field(setting: crate::rules::organisations::CareSetting) -> &'static str {
    use crate::rules::organisations::CareSetting::*;
    match setting {
        Acute => "acute",
        Community => "community",
        MentalHealth => "mental_health",
        Ambulance => "ambulance",
        Icb => "icb",
    }
}

/// Every cycle, newest first.
#[server]
pub async fn list_cycles() -> Result<Vec<Cycle>, AppError> {
    let Cx { db, .. } = Cx::require(access::may_manage_cycles).await?;
    Ok(cycle_store::list(&db).await?)
}

/// The framework versions a new cycle can use: `(version, title)`, newest first.
#[server]
pub async fn framework_choices() -> Result<Vec<(String, String)>, AppError> {
    let Cx { db, .. } = Cx::require(access::may_manage_cycles).await?;
    Ok(store::frameworks::versions(&db)
        .await?
        .into_iter()
        .map(|version| (version.version, version.title))
        .collect())
}

/// Creates a cycle in the setup phase. Each care setting is a checkbox (named by
/// [`care_setting_field`]); regions are ODS codes separated by commas, or nothing for all of
/// England.
#[allow(clippy::too_many_arguments)]
#[server]
pub async fn create_cycle(
    name: String,
    framework_version: String,
    opens_on: String,
    submission_deadline: String,
    review_deadline: String,
    moderation_deadline: String,
    publication_on: String,
    #[server(default)] acute: Checkbox,
    #[server(default)] community: Checkbox,
    #[server(default)] mental_health: Checkbox,
    #[server(default)] ambulance: Checkbox,
    #[server(default)] icb: Checkbox,
    regions: String,
    reviewers_per_assessment: String,
    reviewer_capacity: String,
) -> Result<(), AppError> {
    // What was entered goes back with an error, so the form shows it again.
    let ticked = |choice: Checkbox| if choice.ticked() { "on" } else { "" };
    let entered = [
        ("name", name.clone()),
        ("framework_version", framework_version.clone()),
        ("opens_on", opens_on.clone()),
        ("submission_deadline", submission_deadline.clone()),
        ("review_deadline", review_deadline.clone()),
        ("moderation_deadline", moderation_deadline.clone()),
        ("publication_on", publication_on.clone()),
        ("acute", ticked(acute).to_string()),
        ("community", ticked(community).to_string()),
        ("mental_health", ticked(mental_health).to_string()),
        ("ambulance", ticked(ambulance).to_string()),
        ("icb", ticked(icb).to_string()),
        ("regions", regions.clone()),
        ("reviewers_per_assessment", reviewers_per_assessment.clone()),
        ("reviewer_capacity", reviewer_capacity.clone()),
    ];
    let outcome: Result<(), AppError> = async move {
        let Cx { actor, db } = Cx::require(access::may_manage_cycles).await?;
        let name = name.trim().to_string();
        if name.is_empty() || name.chars().count() > 60 {
            return Err(AppError::field(
                "name",
                "Enter a name for the cycle, like DMA 2026/27, in 60 characters or fewer",
            ));
        }
        let dates = CycleDates {
            opens_on: opens_on.trim().to_string(),
            submission_deadline: submission_deadline.trim().to_string(),
            review_deadline: review_deadline.trim().to_string(),
            moderation_deadline: moderation_deadline.trim().to_string(),
            publication_on: publication_on.trim().to_string(),
        };
        check_dates(&dates).map_err(|(field, message)| AppError::field(field, message))?;
        let care_settings: Vec<CareSetting> = CareSetting::ALL
            .into_iter()
            .zip([acute, community, mental_health, ambulance, icb])
            .filter_map(|(setting, choice)| choice.ticked().then_some(setting))
            .collect();
        if care_settings.is_empty() {
            return Err(AppError::field(
                "care-settings",
                "Select at least one care setting to assess",
            ));
        }
        let region_ods_codes: Vec<String> = regions
            .split(',')
            .map(|code| code.trim().to_uppercase())
            .filter(|code| !code.is_empty())
            .collect();
        let snapshot = store::organisations::current_snapshot(&db)
            .await?
            .ok_or_else(|| {
                AppError::Invalid("Import the organisations before creating a cycle.".into())
            })?;
        let known = store::organisations::directory(&db, snapshot).await?;
        if let Some(unknown) = region_ods_codes
            .iter()
            .find(|code| !known.regions.iter().any(|region| &region.ods_code == *code))
        {
            return Err(AppError::field(
                "regions",
                format!(
                    "There is no region with the ODS code {}. Leave this empty for all of England.",
                    super::ods_code_as_entered(unknown)
                ),
            ));
        }
        let count = |field: &str, text: &str, what: &str| {
            text.trim()
                .parse::<i64>()
                .ok()
                .filter(|number| (1..=20).contains(number))
                .ok_or_else(|| {
                    AppError::field(
                        field,
                        format!("Enter {what} as a whole number from 1 to 20"),
                    )
                })
        };
        let cycle = NewCycle {
            name,
            framework_version: framework_version.trim().to_string(),
            dates,
            care_settings,
            region_ods_codes,
            reviewers_per_assessment: count(
                "reviewers-per-assessment",
                &reviewers_per_assessment,
                "the number of reviewers for each assessment",
            )?,
            reviewer_capacity: count(
                "reviewer-capacity",
                &reviewer_capacity,
                "the most assessments one reviewer can be given",
            )?,
        };
        let id = cycle_store::create(&db, &actor.account_id, &cycle, false).await?;
        leptos_axum::redirect(
            &crate::routes::Route::Cycle { id: &id }.with(crate::flash::Flash::Created),
        );
        Ok(())
    }
    .await;
    outcome.map_err(|error| {
        let entered: Vec<(&str, &str)> = entered
            .iter()
            .map(|(name, value)| (*name, value.as_str()))
            .collect();
        error.keeping(&entered)
    })
}

/// One cycle with its assessments.
#[server]
pub async fn get_cycle(id: String) -> Result<CycleOverview, AppError> {
    let cx = Cx::require(access::may_manage_cycles).await?;
    let cycle = cx.cycle(&id).await?;
    let Cx { db, .. } = cx;
    let assessments = store::assessments::for_cycle(&db, &CycleId::from(&id)).await?;
    let without_lead = if cycle.is_historical || cycle.phase == Phase::Setup {
        0
    } else {
        missing_from(&db, &id).await?.1.without_lead.len()
    };
    let (next_phase, not_yet) = if cycle.is_historical {
        (None, None)
    } else {
        (
            cycle.phase.next(),
            may_advance(cycle.phase, &cycle.dates, &store::today()).err(),
        )
    };
    Ok(CycleOverview {
        cycle,
        assessments,
        next_phase,
        not_yet,
        without_lead,
    })
}

/// The organisations in a cycle's scope with no active lead or whose leads have never signed in,
/// and the ICSs short of peer reviewers. Before the cycle opens, its scope is what opening would
/// create today.
#[server]
pub async fn get_who_is_missing(cycle_id: String) -> Result<CycleMissing, AppError> {
    let cx = Cx::require(access::may_manage_cycles).await?;
    let cycle = cx.cycle(&cycle_id).await?;
    let (reviewers_per_assessment, missing) = missing_from(&cx.db, &cycle_id).await?;
    Ok(CycleMissing {
        cycle_id,
        cycle_name: cycle.name,
        reviewers_per_assessment,
        missing,
    })
}

/// Moves a cycle on from `from_phase` (the phase the administrator saw) to the next, if its
/// date has come. Opening also freezes the organisations, creates the assessments and emails
/// the trust leads.
#[server]
pub async fn advance_cycle(cycle_id: String, from_phase: String) -> Result<(), AppError> {
    let cx = Cx::require(access::may_manage_cycles).await?;
    let cycle = cx.cycle(&cycle_id).await?;
    let Cx { actor, db } = cx;
    let from = Phase::from_key(&from_phase)
        .ok_or_else(|| AppError::Invalid("Reload the page and try again.".into()))?;
    if cycle.is_historical {
        return Err(AppError::Invalid(
            "This cycle holds earlier published results; it has no phases to move through.".into(),
        ));
    }
    if from != cycle.phase {
        return Err(CycleError::PhaseMoved(cycle.phase).into());
    }
    let to = may_advance(from, &cycle.dates, &store::today()).map_err(AppError::Invalid)?;
    if to == Phase::Submission {
        let link = format!("{}/assessments", public_url()?);
        let deadline = crate::rules::deadlines::deadline_shown(&cycle.dates.submission_deadline);
        cycle_store::open(&db, &actor.account_id, &CycleId::from(&cycle_id), |lead| {
            mail_text::CycleOpened {
                lead,
                cycle_name: &cycle.name,
                deadline: &deadline,
                link: &link,
            }
            .mail()
        })
        .await?;
    } else {
        cycle_store::change_phase(&db, &actor.account_id, &CycleId::from(&cycle_id), from, to)
            .await?;
    }
    leptos_axum::redirect(
        &crate::routes::Route::Cycle { id: &cycle_id }.with(crate::flash::Flash::PhaseChanged(to)),
    );
    Ok(())
}

/// Gives one trust a later submission deadline, with a reason. The trust must be in the cycle.
#[server]
pub async fn extend_deadline(
    cycle_id: String,
    trust_ods_code: String,
    deadline: String,
    reason: String,
) -> Result<(), AppError> {
    let cx = Cx::require(access::may_manage_cycles).await?;
    let cycle = cx.cycle(&cycle_id).await?;
    let Cx { actor, db } = cx;
    let trust = trust_ods_code.trim().to_uppercase();
    if !cycle_store::has_trust(&db, &CycleId::from(&cycle_id), &OdsCode::from(&trust)).await? {
        return Err(AppError::field(
            "trust-ods-code",
            format!(
                "No trust with the ODS code {} has an assessment in this cycle",
                super::ods_code_as_entered(&trust)
            ),
        ));
    }
    let deadline = deadline.trim().to_string();
    if !is_valid_date(&deadline) || deadline <= cycle.dates.submission_deadline {
        return Err(AppError::field(
            "deadline",
            format!(
                "Enter a date after the cycle's deadline of {}, like 2027-02-14",
                cycle.dates.submission_deadline
            ),
        ));
    }
    if deadline >= cycle.dates.review_deadline {
        return Err(AppError::field(
            "deadline",
            format!(
                "The new deadline must be before the review deadline, {}",
                cycle.dates.review_deadline
            ),
        ));
    }
    let reason = given_reason(&reason, 1000).ok_or_else(|| {
        AppError::field(
            "extension-reason",
            "Enter the reason for the extension, in 1000 characters or fewer",
        )
    })?;
    cycle_store::extend_deadline(
        &db,
        &actor.account_id,
        &CycleId::from(&cycle_id),
        &OdsCode::from(&trust),
        &deadline,
        reason,
    )
    .await?;
    leptos_axum::redirect(
        &crate::routes::Route::Cycle { id: &cycle_id }
            .with(crate::flash::Flash::DeadlineExtended { trust }),
    );
    Ok(())
}

/// Sets the cycle's reply deadline, which must fall between its review and moderation
/// deadlines.
#[server]
pub async fn set_reply_deadline(cycle_id: String, reply_deadline: String) -> Result<(), AppError> {
    let cx = Cx::require(access::may_manage_cycles).await?;
    let cycle = cx.cycle(&cycle_id).await?;
    let Cx { actor, db } = cx;
    let reply_deadline = reply_deadline.trim();
    check_reply_deadline(&cycle.dates, reply_deadline).map_err(|message| {
        AppError::field("reply-deadline", message).keeping(&[("reply_deadline", reply_deadline)])
    })?;
    cycle_store::set_reply_deadline(
        &db,
        &actor.account_id,
        &CycleId::from(&cycle_id),
        &cycle.reply_deadline,
        reply_deadline,
    )
    .await?;
    leptos_axum::redirect(
        &crate::routes::Route::Cycle { id: &cycle_id }.with(crate::flash::Flash::ReplyDeadlineSet),
    );
    Ok(())
}
