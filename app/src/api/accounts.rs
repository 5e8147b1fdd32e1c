//! Accounts and access: signing in and out, links to set a password, and managing people.

use super::form::Checkbox;
use crate::error::AppError;
use crate::rules::access::SignedIn;
use crate::rules::accounts::{AccountSummary, LinkPurpose};
#[cfg(feature = "ssr")]
use crate::store::{AccountId, OdsCode};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use super::context::Cx;
#[cfg(feature = "ssr")]
use {
    super::second_factor::{await_second_factor, complete_sign_in},
    super::{credentials, db, guard, mail_text, public_url},
    crate::rules::{
        access,
        accounts::check_email,
        accounts::check_roles,
        accounts::invitation_allowed,
        accounts::Role,
        passwords,
        second_factor::{self, SignInStep},
        sign_in as throttle,
    },
    crate::store::accounts::{self as store, LinkState, NewAccount, Throttled},
    crate::store::outbox::MailWithSecret,
    crate::store::second_factor as second_factor_store,
};

/// What a set-password page needs to know about its link.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkInfo {
    pub purpose: LinkPurpose,
    pub email: String,
    pub display_name: String,
}

/// The signed-in person, if any, with what they may do. Anyone may ask.
#[server]
pub async fn current_account() -> Result<Option<SignedIn>, AppError> {
    Ok(guard::current_actor().await?.map(SignedIn::new))
}

/// Signs in. Every failure gives the same answer, after the same work, whether or not the email
/// has an account, and failures are throttled per account and per client address.
#[server]
pub async fn sign_in(
    email: String,
    password: String,
    next: Option<String>,
) -> Result<(), AppError> {
    if email.trim().is_empty() {
        return Err(AppError::field("email", "Enter your email address"));
    }
    if password.is_empty() {
        return Err(AppError::field("password", "Enter your password"));
    }
    let db = db()?;
    let client = guard::client_address();
    let ticket = credentials::hashing_ticket()?;
    // The attempt counts as a failure from before the password is checked, so guesses sent in
    // parallel cannot all pass the limit; a correct password takes it back.
    let attempt = guard::claim_attempt(
        Throttled::SignIn,
        &email,
        throttle::WINDOW_MINUTES,
        throttle::attempt_allowed,
    )
    .await?;
    let record = store::find_for_sign_in(&db, &email).await?;
    let usable = record.as_ref().filter(|record| record.is_active);
    let hash = usable.and_then(|record| record.password_hash.clone());
    if !credentials::verify_password(ticket, password, hash).await? {
        let account = record.as_ref().map(|record| record.account_id.as_str());
        store::record_failed_sign_in(&db, &email, account, &client).await?;
        return Err(AppError::Invalid(
            "Enter a correct email address and password".into(),
        ));
    }
    store::forget_attempt(&db, &attempt).await?;
    let account_id = usable
        .map(|record| record.account_id.clone())
        .ok_or(AppError::Internal)?;
    let roles = store::summary(&db, &AccountId::from(&account_id))
        .await?
        .map(|account| account.roles)
        .unwrap_or_default();
    let has_app = second_factor_store::authenticator(&db, &AccountId::from(&account_id))
        .await?
        .is_some();
    match second_factor::after_first_factor(&roles, has_app) {
        SignInStep::Done => complete_sign_in(&account_id, &email, false, next.as_deref()).await,
        step => await_second_factor(&account_id, &email, next, step).await,
    }
}

#[server]
pub async fn sign_out() -> Result<(), AppError> {
    if let Some(actor) = guard::current_actor().await? {
        tracing::info!(account = %actor.account_id, "signed out");
        store::record_sign_out(
            &db()?,
            &AccountId::from(&actor.account_id),
            &guard::client_address(),
        )
        .await?;
    }
    guard::end_session().await?;
    // The browser forgets what it kept of the session too: cached pages, cookies, storage.
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.insert_header(
            http::header::HeaderName::from_static("clear-site-data"),
            http::HeaderValue::from_static("\"cache\", \"cookies\", \"storage\""),
        );
    }
    leptos_axum::redirect(&crate::routes::Route::SignIn.with(crate::flash::Flash::SignedOut));
    Ok(())
}

/// Emails a reset link if the address has an active account. The answer is the same either way.
#[server]
pub async fn request_password_reset(email: String) -> Result<(), AppError> {
    check_email(&email).map_err(|message| AppError::field("email", message))?;
    let db = db()?;
    // Counted whether or not the address has an account, so the limit reveals nothing either.
    guard::claim_attempt(
        Throttled::PasswordReset,
        &email,
        throttle::WINDOW_MINUTES,
        throttle::reset_allowed,
    )
    .await?;
    if let Some(record) = store::find_for_sign_in(&db, &email)
        .await?
        .filter(|record| record.is_active)
    {
        let summary = store::summary(&db, &AccountId::from(&record.account_id))
            .await?
            .ok_or(AppError::Internal)?;
        let token = credentials::new_link_secret();
        let link = format!("{}/set-password?token={token}", public_url()?);
        let mail = MailWithSecret::new(link, |link| {
            mail_text::PasswordReset {
                to: &summary.email,
                name: &summary.display_name,
                link,
                expires_in_hours: LinkPurpose::PasswordReset.lifetime_hours(),
            }
            .mail()
        });
        store::create_reset_link(&db, &AccountId::from(&record.account_id), &token, &mail).await?;
    }
    leptos_axum::redirect(&crate::routes::Route::ForgottenPassword.with(crate::flash::Flash::Sent));
    Ok(())
}

#[cfg(feature = "ssr")]
fn link_problem(state: &LinkState) -> AppError {
    match state {
        LinkState::Expired => AppError::Invalid("This link has expired. Ask for a new one: use \"Forgotten your password?\" on the sign-in page, or ask the person who invited you.".into()),
        LinkState::Used => AppError::Invalid("This link has already been used. Sign in, or use \"Forgotten your password?\" to get a new link.".into()),
        _ => AppError::Invalid("This link is not valid. Check you copied the whole link from the email.".into()),
    }
}

/// Whether a set-password link can be used. Anyone holding the link may ask.
#[server]
pub async fn check_link(token: String) -> Result<LinkInfo, AppError> {
    match store::link_state(&db()?, &token).await? {
        LinkState::Usable {
            purpose,
            email,
            display_name,
            ..
        } => Ok(LinkInfo {
            purpose,
            email,
            display_name,
        }),
        other => Err(link_problem(&other)),
    }
}

/// Sets a password from an invitation or reset link; the link then stops working.
#[server]
pub async fn set_password(
    token: String,
    password: String,
    confirm_password: String,
) -> Result<(), AppError> {
    let db = db()?;
    let state = store::link_state(&db, &token).await?;
    let LinkState::Usable {
        email,
        display_name,
        ..
    } = &state
    else {
        return Err(link_problem(&state));
    };
    let name_parts: Vec<&str> = display_name.split_whitespace().collect();
    let mut personal = vec![email.as_str()];
    personal.extend(name_parts);
    passwords::check_new_password(&password, &personal)
        .map_err(|message| AppError::field("password", message))?;
    if password != confirm_password {
        return Err(AppError::field(
            "confirm-password",
            "The passwords do not match. Enter the same password twice",
        ));
    }
    let hash = credentials::hash_password(password).await?;
    store::set_password_with_link(&db, &token, &hash)
        .await?
        .map_err(|state| link_problem(&state))?;
    leptos_axum::redirect(&crate::routes::Route::SignIn.with(crate::flash::Flash::PasswordSet));
    Ok(())
}

#[cfg(feature = "ssr")]
fn chosen_roles(
    trust_lead: Checkbox,
    peer_reviewer: Checkbox,
    moderator: Checkbox,
    approver: Checkbox,
    admin: Checkbox,
) -> Vec<Role> {
    [
        (trust_lead, Role::TrustLead),
        (peer_reviewer, Role::PeerReviewer),
        (moderator, Role::Moderator),
        (approver, Role::Approver),
        (admin, Role::Admin),
    ]
    .into_iter()
    .filter_map(|(choice, role)| choice.ticked().then_some(role))
    .collect()
}

/// Checks an ODS code names a trust or ICB in the current structure.
#[cfg(feature = "ssr")]
async fn checked_org(
    db: &crate::store::Db,
    org_ods_code: Option<String>,
) -> Result<Option<String>, AppError> {
    let Some(code) = org_ods_code
        .map(|code| code.trim().to_uppercase())
        .filter(|code| !code.is_empty())
    else {
        return Ok(None);
    };
    match crate::store::organisations::current_org_name(db, &OdsCode::from(&code)).await? {
        Some(_) => Ok(Some(code)),
        None => Err(AppError::field(
            "org-ods-code",
            format!(
                "There is no trust or ICB with the ODS code {}",
                super::ods_code_as_entered(&code)
            ),
        )),
    }
}

/// Invites a person: creates their account and emails them a link to set their password.
#[allow(clippy::too_many_arguments)]
#[server]
pub async fn invite_person(
    email: String,
    display_name: String,
    org_ods_code: Option<String>,
    #[server(default)] trust_lead: Checkbox,
    #[server(default)] peer_reviewer: Checkbox,
    #[server(default)] moderator: Checkbox,
    #[server(default)] approver: Checkbox,
    #[server(default)] admin: Checkbox,
) -> Result<(), AppError> {
    let Cx { actor, db } = Cx::signed_in().await?;
    let roles = chosen_roles(trust_lead, peer_reviewer, moderator, approver, admin);
    let org = checked_org(&db, org_ods_code).await?;
    guard::allowed(&actor, access::may_invite(&actor, org.as_deref(), &roles))?;
    check_email(&email).map_err(|message| AppError::field("email", message))?;
    let display_name = display_name.trim().to_string();
    if display_name.is_empty() || display_name.chars().count() > 100 {
        return Err(AppError::field(
            "display-name",
            "Enter the person's full name, in 100 characters or fewer",
        ));
    }
    check_roles(&roles, org.as_deref()).map_err(|message| AppError::field("roles", message))?;
    let token = credentials::new_link_secret();
    let link = format!("{}/set-password?token={token}", public_url()?);
    let mail = MailWithSecret::new(link, |link| {
        mail_text::Invitation {
            to: &email,
            name: &display_name,
            inviter: &actor.display_name,
            link,
            expires_in_days: LinkPurpose::Invitation.lifetime_hours() / 24,
        }
        .mail()
    });
    let account = NewAccount {
        email: email.trim().to_string(),
        display_name,
        org_ods_code: org,
        roles,
    };
    store::invite(&db, &actor.account_id, &account, &token, &mail, |sent| {
        invitation_allowed(&actor.roles, sent)
    })
    .await?;
    let back = if actor.has(Role::Admin) {
        crate::routes::Route::People
    } else {
        crate::routes::Route::Account
    };
    leptos_axum::redirect(&back.with(crate::flash::Flash::Invited {
        email: account.email.clone(),
    }));
    Ok(())
}

/// Everyone with an account, optionally of one organisation or role. Administrators only.
#[server]
pub async fn list_people(
    org_ods_code: Option<String>,
    role: Option<String>,
) -> Result<Vec<AccountSummary>, AppError> {
    let Cx { db, .. } = Cx::require(access::may_manage_accounts).await?;
    let org = org_ods_code
        .map(|code| code.trim().to_uppercase())
        .filter(|code| !code.is_empty());
    let role = match role.as_deref().filter(|key| !key.is_empty()) {
        None => None,
        Some(key) => Some(
            Role::from_key(key)
                .ok_or_else(|| AppError::field("role", "Choose a role from the list"))?,
        ),
    };
    Ok(store::list(&db, org.as_deref(), role).await?)
}

/// One account. Administrators only.
#[server]
pub async fn get_person(account_id: String) -> Result<AccountSummary, AppError> {
    let Cx { db, .. } = Cx::require(access::may_manage_accounts).await?;
    store::summary(&db, &AccountId::from(&account_id))
        .await?
        .ok_or_else(|| AppError::NotFound("There is no such account.".into()))
}

/// Replaces a person's roles. Administrators only; the change and its reason are audited.
#[allow(clippy::too_many_arguments)]
#[server]
pub async fn change_roles(
    account_id: String,
    reason: String,
    #[server(default)] trust_lead: Checkbox,
    #[server(default)] peer_reviewer: Checkbox,
    #[server(default)] moderator: Checkbox,
    #[server(default)] approver: Checkbox,
    #[server(default)] admin: Checkbox,
) -> Result<(), AppError> {
    let Cx { actor, db } = Cx::require(access::may_manage_accounts).await?;
    let person = store::summary(&db, &AccountId::from(&account_id))
        .await?
        .ok_or_else(|| AppError::NotFound("There is no such account.".into()))?;
    let roles = chosen_roles(trust_lead, peer_reviewer, moderator, approver, admin);
    guard::allowed(
        &actor,
        access::may_change_own_account(
            &actor,
            &account_id,
            roles.contains(&Role::Admin),
            person.is_active,
        ),
    )?;
    check_roles(&roles, person.org_ods_code.as_deref())
        .map_err(|message| AppError::field("roles", message))?;
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(AppError::field(
            "reason",
            "Enter the reason for changing this person's roles",
        ));
    }
    store::set_roles(
        &db,
        &actor.account_id,
        &AccountId::from(&account_id),
        &roles,
        Some(reason),
    )
    .await?;
    leptos_axum::redirect(
        &crate::routes::Route::Person { id: &account_id }
            .with(crate::flash::Flash::Updated(crate::flash::Update::Roles)),
    );
    Ok(())
}

/// Disables or re-enables an account. Administrators only; audited with the reason.
#[server]
pub async fn set_person_active(
    account_id: String,
    active: String,
    reason: String,
) -> Result<(), AppError> {
    let Cx { actor, db } = Cx::require(access::may_manage_accounts).await?;
    let person = store::summary(&db, &AccountId::from(&account_id))
        .await?
        .ok_or_else(|| AppError::NotFound("There is no such account.".into()))?;
    let active = match active.as_str() {
        "true" => true,
        "false" => false,
        _ => {
            return Err(AppError::Invalid(
                "Choose whether the account should be active".into(),
            ))
        }
    };
    guard::allowed(
        &actor,
        access::may_change_own_account(
            &actor,
            &account_id,
            person.roles.contains(&Role::Admin),
            active,
        ),
    )?;
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(AppError::field(
            "status-reason",
            "Enter the reason for this change",
        ));
    }
    store::set_active(
        &db,
        &actor.account_id,
        &AccountId::from(&account_id),
        active,
        Some(reason),
    )
    .await?;
    leptos_axum::redirect(
        &crate::routes::Route::Person { id: &account_id }
            .with(crate::flash::Flash::Updated(crate::flash::Update::Status)),
    );
    Ok(())
}

/// One of the signed-in person's sessions, as their account page lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionLine {
    pub signed_in: String,
    pub last_active: String,
    /// The session this page was asked for in.
    pub this_one: bool,
}

/// The signed-in person's sessions, the most recently active first.
#[server]
pub async fn my_sessions() -> Result<Vec<SessionLine>, AppError> {
    let Cx { actor, db } = Cx::signed_in().await?;
    let current = guard::session().await?.id().map(|id| id.to_string());
    let when = |moment: Option<String>| {
        moment.map_or_else(
            || "Not known".to_string(),
            |at| crate::rules::cycles::readable_moment(&at),
        )
    };
    Ok(
        crate::store::sessions::of_account(&db, &AccountId::from(&actor.account_id))
            .await?
            .into_iter()
            .map(|session| SessionLine {
                this_one: current.as_deref() == Some(session.id.as_str()),
                signed_in: when(session.signed_in_at),
                last_active: when(session.active_at),
            })
            .collect(),
    )
}

/// Signs the person out of every other session (another browser, a lost laptop); this one
/// carries on under a new id.
#[server]
pub async fn sign_out_everywhere_else() -> Result<(), AppError> {
    let Cx { actor, db } = Cx::signed_in().await?;
    store::end_sessions(
        &db,
        &AccountId::from(&actor.account_id),
        None,
        "sign out everywhere else",
    )
    .await?;
    guard::restart_session(&actor.account_id).await?;
    leptos_axum::redirect(
        &crate::routes::Route::Account.with(crate::flash::Flash::Updated(
            crate::flash::Update::SignedOutElsewhere,
        )),
    );
    Ok(())
}

/// Checks the signed-in person's password again before a change to how they sign in (ASVS
/// 7.5.1). Wrong passwords count towards the sign-in limit, so this is no way round it. `field`
/// is the id of the input the error names.
#[cfg(feature = "ssr")]
pub(crate) async fn confirm_current_password(
    db: &crate::store::Db,
    actor: &crate::rules::access::Actor,
    password: String,
    field: &str,
) -> Result<(), AppError> {
    if password.is_empty() {
        return Err(AppError::field(field, "Enter your current password"));
    }
    let ticket = credentials::hashing_ticket()?;
    let attempt = guard::claim_attempt(
        Throttled::SignIn,
        &actor.email,
        throttle::WINDOW_MINUTES,
        throttle::attempt_allowed,
    )
    .await?;
    let hash = store::find_for_sign_in(db, &actor.email)
        .await?
        .and_then(|record| record.password_hash);
    if !credentials::verify_password(ticket, password, hash).await? {
        store::record_failed_sign_in(
            db,
            &actor.email,
            Some(&actor.account_id),
            &guard::client_address(),
        )
        .await?;
        return Err(AppError::field(
            field,
            "Your current password is not right. Enter it again",
        ));
    }
    store::forget_attempt(db, &attempt).await?;
    Ok(())
}

/// Changes the password, given the current one; every other session ends. Wrong current
/// passwords count towards the sign-in limit, so this is no way round it.
#[server]
pub async fn change_password(
    #[server(default)] current_password: String,
    #[server(default)] new_password: String,
    #[server(default)] confirm_password: String,
) -> Result<(), AppError> {
    let Cx { actor, db } = Cx::signed_in().await?;
    confirm_current_password(&db, &actor, current_password, "current-password").await?;
    let mut personal = vec![actor.email.as_str()];
    personal.extend(actor.display_name.split_whitespace());
    passwords::check_new_password(&new_password, &personal)
        .map_err(|message| AppError::field("new-password", message))?;
    if new_password != confirm_password {
        return Err(AppError::field(
            "confirm-new-password",
            "The passwords do not match. Enter the same password twice",
        ));
    }
    let hash = credentials::hash_password(new_password).await?;
    store::end_sessions(
        &db,
        &AccountId::from(&actor.account_id),
        Some(&hash),
        "change password",
    )
    .await?;
    guard::restart_session(&actor.account_id).await?;
    leptos_axum::redirect(
        &crate::routes::Route::Account
            .with(crate::flash::Flash::Updated(crate::flash::Update::Password)),
    );
    Ok(())
}
