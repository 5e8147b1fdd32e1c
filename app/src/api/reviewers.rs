//! Peer reviewers' care-setting expertise, capacity and declared conflicts of interest. The
//! reviewer manages their own on their account page; administrators manage anyone's on the
//! person's page.

use super::form::Checkbox;
use crate::error::AppError;
use crate::rules::reviewers::{DeclaredConflict, ReviewerProfile};
#[cfg(feature = "ssr")]
use crate::store::{AccountId, OdsCode};
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use super::context::Cx;
#[cfg(feature = "ssr")]
use {
    crate::rules::{
        access::{self, Actor},
        accounts::{AccountSummary, Role},
        organisations::{CareSetting, OrgKind},
        reviewers::{check_profile, check_reason, parse_capacity},
    },
    crate::store::{
        self,
        reviewers::{self as reviewer_store},
        Db,
    },
};

/// The id of the reason input of the form withdrawing the conflict with `trust_ods_code`: one
/// form per conflict, so each has its own.
pub fn withdraw_reason_field(trust_ods_code: &str) -> String {
    format!("withdraw-reason-{trust_ods_code}")
}

/// Authenticates and authorizes a change to `account_id`'s reviewer profile, and loads the
/// account: it must exist.
#[cfg(feature = "ssr")]
async fn permitted(account_id: &str) -> Result<(Actor, Db, AccountSummary), AppError> {
    let Cx { actor, db } =
        Cx::require(|actor| access::may_manage_reviewer_profile(actor, account_id)).await?;
    let person = store::accounts::summary(&db, &AccountId::from(account_id))
        .await?
        .ok_or_else(|| AppError::NotFound("There is no such account.".into()))?;
    Ok((actor, db, person))
}

/// Expertise and conflicts only mean something for people who review.
#[cfg(feature = "ssr")]
fn must_review(person: &AccountSummary) -> Result<(), AppError> {
    if person.roles.contains(&Role::PeerReviewer) {
        Ok(())
    } else {
        Err(AppError::Invalid(format!(
            "{} is not a peer reviewer. Give them the peer reviewer role first.",
            person.display_name
        )))
    }
}

/// Sends the browser back to the page the form was on: the reviewer's own account page, or the
/// administrator's page for the person.
#[cfg(feature = "ssr")]
fn back_to_page(actor: &Actor, account_id: &str, updated: crate::flash::Update) {
    if actor.account_id == account_id {
        leptos_axum::redirect(
            &crate::routes::Route::Account.with(crate::flash::Flash::Updated(updated)),
        );
    } else {
        leptos_axum::redirect(
            &crate::routes::Route::Person { id: account_id }
                .with(crate::flash::Flash::Updated(updated)),
        );
    }
}

/// A reviewer's profile (empty if never saved) and declared conflicts. `account_id` may be the
/// caller's own.
#[server]
pub async fn get_reviewer_profile(
    account_id: String,
) -> Result<(ReviewerProfile, Vec<DeclaredConflict>), AppError> {
    let (_, db, _) = permitted(&account_id).await?;
    let profile = reviewer_store::profile(&db, &AccountId::from(&account_id))
        .await?
        .unwrap_or_default();
    let conflicts = reviewer_store::conflicts(&db, &AccountId::from(&account_id)).await?;
    Ok((profile, conflicts))
}

/// Saves the care settings a reviewer can review (a checkbox each, named as
/// [`crate::api::cycles::care_setting_field`] names them; at least one) and the most reviews they
/// can take in a cycle (empty for the cycle's default, otherwise 1 to 20).
#[allow(clippy::too_many_arguments)]
#[server]
pub async fn save_reviewer_profile(
    account_id: String,
    #[server(default)] acute: Checkbox,
    #[server(default)] community: Checkbox,
    #[server(default)] mental_health: Checkbox,
    #[server(default)] ambulance: Checkbox,
    #[server(default)] icb: Checkbox,
    capacity: String,
) -> Result<(), AppError> {
    let (actor, db, person) = permitted(&account_id).await?;
    must_review(&person)?;
    let expertise: Vec<CareSetting> = CareSetting::ALL
        .into_iter()
        .zip([acute, community, mental_health, ambulance, icb])
        .filter_map(|(setting, choice)| choice.ticked().then_some(setting))
        .collect();
    let profile = ReviewerProfile {
        expertise,
        capacity: parse_capacity(&capacity)
            .map_err(|message| AppError::field("capacity", message))?,
    };
    check_profile(&profile).map_err(|message| AppError::field("expertise", message))?;
    reviewer_store::save_profile(
        &db,
        &actor.account_id,
        &AccountId::from(&account_id),
        &profile,
    )
    .await?;
    back_to_page(&actor, &account_id, crate::flash::Update::Expertise);
    Ok(())
}

/// Declares that a reviewer must never review a trust, with the reason. Any trust in the current
/// organisation structure, the reviewer's own included; declaring one again replaces the reason,
/// unless NHS England declared it for the reviewer asking (it stays as NHS England declared it).
#[server]
pub async fn declare_conflict(
    account_id: String,
    trust_ods_code: String,
    reason: String,
) -> Result<(), AppError> {
    let (actor, db, person) = permitted(&account_id).await?;
    must_review(&person)?;
    let trust = trust_ods_code.trim().to_uppercase();
    if trust.is_empty() {
        return Err(AppError::field(
            "trust-ods-code",
            "Enter the ODS code of the trust, like RR8",
        ));
    }
    if !store::organisations::current_ods_codes(&db, OrgKind::Trust)
        .await?
        .contains(&trust)
    {
        return Err(AppError::field(
            "trust-ods-code",
            format!(
                "There is no trust with the ODS code {}. Check the code in the organisation directory",
                super::ods_code_as_entered(&trust)
            ),
        ));
    }
    let reason =
        check_reason(&reason).map_err(|message| AppError::field("conflict-reason", message))?;
    reviewer_store::declare_conflict(
        &db,
        &actor.account_id,
        &AccountId::from(&account_id),
        &OdsCode::from(&trust),
        reason,
        |declared_by| access::may_declare_conflict_again(&actor, declared_by),
    )
    .await?;
    back_to_page(&actor, &account_id, crate::flash::Update::ConflictDeclared);
    Ok(())
}

/// Withdraws a declared conflict, with the reason for withdrawing it.
#[server]
pub async fn withdraw_conflict(
    account_id: String,
    trust_ods_code: String,
    reason: String,
) -> Result<(), AppError> {
    let (actor, db, _) = permitted(&account_id).await?;
    let trust = trust_ods_code.trim().to_uppercase();
    let reason = check_reason(&reason).map_err(|_| {
        AppError::field(
            &withdraw_reason_field(&trust),
            format!("Enter the reason for withdrawing the conflict with {trust}, in 500 characters or fewer"),
        )
    })?;
    reviewer_store::withdraw_conflict(
        &db,
        &actor.account_id,
        &AccountId::from(&account_id),
        &OdsCode::from(&trust),
        reason,
        |declared_by| access::may_withdraw_conflict(&actor, declared_by),
    )
    .await?;
    back_to_page(&actor, &account_id, crate::flash::Update::ConflictWithdrawn);
    Ok(())
}
