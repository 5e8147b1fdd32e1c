//! The second step of signing in (a code from an authenticator app, or a recovery code), and
//! setting up an authenticator app, during sign-in or from the account page.
//!
//! After the first factor, the session holds a [`PendingSignIn`], not an account: nothing
//! signed-in is reachable until [`complete_sign_in`] runs, which is the one place a session
//! becomes signed in. A future way in (an OpenID Connect provider) would end in it as well.

use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::store::AccountId;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use super::context::Cx;
#[cfg(feature = "ssr")]
use {
    super::{credentials, db, guard},
    crate::rules::second_factor::{self as rules, EnteredCode},
    crate::rules::sign_in::{safe_return_path, WINDOW_MINUTES},
    crate::store::accounts::{self as accounts, Throttled},
    crate::store::second_factor as store,
    tower_sessions::Session,
};

/// What the authenticator set-up page shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthenticatorSetup {
    /// The otpauth:// address as a QR code, an SVG document.
    pub qr_svg: String,
    /// The same secret to type in, in groups of four.
    pub key: String,
    /// Recovery codes, as shown ("abcde-fghjk"); they work once the app is set up.
    pub recovery_codes: Vec<String>,
    /// Whether this is the second step of signing in (rather than from the account page).
    pub during_sign_in: bool,
}

/// The signed-in person's second factor, for their account page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecondFactorStatus {
    /// When the app was set up ("3 June 2027"), if it has been.
    pub app_set_up_on: Option<String>,
    pub recovery_codes_left: i64,
    /// Whether their roles need one (so it cannot be left off).
    pub required: bool,
}

/// The name authenticator apps show beside the code.
#[cfg(feature = "ssr")]
const ISSUER: &str = "NHS Digital Maturity Assessment";
#[cfg(feature = "ssr")]
const PENDING_KEY: &str = "pending_sign_in";
#[cfg(feature = "ssr")]
const SETUP_KEY: &str = "authenticator_setup";

/// A sign-in whose first factor has been accepted, waiting for the second.
#[cfg(feature = "ssr")]
#[derive(Debug, Serialize, Deserialize)]
struct PendingSignIn {
    account_id: String,
    email: String,
    started_at: String,
    next: Option<String>,
}

/// An authenticator app being set up: its secret and recovery codes, kept in the session until
/// a code from the app proves it was added.
#[cfg(feature = "ssr")]
#[derive(Debug, Serialize, Deserialize)]
struct SetupInProgress {
    account_id: String,
    secret: String,
    recovery_codes: Vec<String>,
}

#[cfg(feature = "ssr")]
async fn read<T: serde::de::DeserializeOwned>(
    session: &Session,
    key: &str,
) -> Result<Option<T>, AppError> {
    session.get(key).await.map_err(guard::session_error)
}

#[cfg(feature = "ssr")]
async fn keep<T: Serialize>(session: &Session, key: &str, value: &T) -> Result<(), AppError> {
    session
        .insert(key, value)
        .await
        .map_err(guard::session_error)
}

/// The sign-in waiting for a second factor, if one is and it has not timed out.
#[cfg(feature = "ssr")]
async fn pending(session: &Session) -> Result<Option<PendingSignIn>, AppError> {
    let oldest = crate::store::timestamp(
        jiff::Timestamp::now() - jiff::SignedDuration::from_mins(rules::PENDING_MINUTES),
    );
    Ok(read::<PendingSignIn>(session, PENDING_KEY)
        .await?
        .filter(|pending| pending.started_at >= oldest))
}

#[cfg(feature = "ssr")]
fn timed_out() -> AppError {
    AppError::Invalid(format!(
        "Your sign-in has timed out: the code must be entered within {} minutes of your password. Sign in again.",
        rules::PENDING_MINUTES
    ))
}

/// Signs the session in as `account_id`, audits it, and sends the person on to `next`.
#[cfg(feature = "ssr")]
pub(crate) async fn complete_sign_in(
    account_id: &str,
    email: &str,
    with_second_factor: bool,
    next: Option<&str>,
) -> Result<(), AppError> {
    guard::start_session(account_id, with_second_factor).await?;
    accounts::record_sign_in(
        &db()?,
        &AccountId::from(account_id),
        email,
        &guard::client_address(),
        with_second_factor,
    )
    .await?;
    leptos_axum::redirect(&safe_return_path(next));
    Ok(())
}

/// Holds a sign-in whose password was right until the second factor is given, under a new
/// session id, and sends the person to the page that asks for it.
#[cfg(feature = "ssr")]
pub(crate) async fn await_second_factor(
    account_id: &str,
    email: &str,
    next: Option<String>,
    step: rules::SignInStep,
) -> Result<(), AppError> {
    let session = guard::session().await?;
    session.clear().await;
    session.cycle_id().await.map_err(guard::session_error)?;
    let pending = PendingSignIn {
        account_id: account_id.to_string(),
        email: email.to_string(),
        started_at: crate::store::now_utc(),
        next,
    };
    keep(&session, PENDING_KEY, &pending).await?;
    if step == rules::SignInStep::SetUpApp {
        keep(&session, SETUP_KEY, &new_setup(account_id)).await?;
        leptos_axum::redirect(&crate::routes::Route::SetUpApp.href());
    } else {
        leptos_axum::redirect(&crate::routes::Route::SignInCode.href());
    }
    Ok(())
}

/// A fresh authenticator key: 160 random bits (as RFC 4226 recommends), in base32 as apps take it.
#[cfg(feature = "ssr")]
pub fn new_authenticator_key() -> String {
    use rand::RngCore;
    let mut secret = [0u8; 20];
    rand::rng().fill_bytes(&mut secret);
    totp_rs::Secret::from(secret).to_base32()
}

/// A fresh key and recovery codes.
#[cfg(feature = "ssr")]
fn new_setup(account_id: &str) -> SetupInProgress {
    use rand::Rng;
    let mut random = rand::rng();
    let recovery_codes = (0..rules::RECOVERY_CODES)
        .map(|_| {
            (0..rules::RECOVERY_CODE_LENGTH)
                .map(|_| {
                    let index = random.random_range(0..rules::RECOVERY_ALPHABET.len());
                    char::from(rules::RECOVERY_ALPHABET[index])
                })
                .collect()
        })
        .collect();
    SetupInProgress {
        account_id: account_id.to_string(),
        secret: new_authenticator_key(),
        recovery_codes,
    }
}

#[cfg(feature = "ssr")]
fn totp(secret: &str, email: &str) -> Result<totp_rs::Totp, AppError> {
    let secret = totp_rs::Secret::try_from_base32(secret).map_err(|error| {
        tracing::error!(?error, "a stored TOTP secret is not base32");
        AppError::Internal
    })?;
    totp_rs::Builder::new()
        .with_secret(secret)
        .with_account_name(email)
        .with_issuer(Some(ISSUER))
        .build()
        .map_err(|error| {
            tracing::error!(?error, "TOTP settings");
            AppError::Internal
        })
}

/// The time step an app code is valid for now (allowing one step either side for a slow
/// clock or typist), if it is one.
#[cfg(feature = "ssr")]
fn matching_step(secret: &str, email: &str, code: &str) -> Result<Option<i64>, AppError> {
    Ok(totp(secret, email)?
        .check_current(code)
        .and_then(|step| i64::try_from(step).ok()))
}

#[cfg(feature = "ssr")]
fn wrong_code() -> AppError {
    AppError::field(
        "code",
        "The code is not right. Enter the newest code from your authenticator app (each code works once), or a recovery code you have not used",
    )
}

/// Whether `code` is a right second factor for the account, using it up if so.
#[cfg(feature = "ssr")]
async fn check_code(
    db: &crate::store::Db,
    account_id: &str,
    email: &str,
    code: EnteredCode,
) -> Result<bool, AppError> {
    match code {
        EnteredCode::App(digits) => {
            let Some(app) = store::authenticator(db, &AccountId::from(account_id)).await? else {
                return Ok(false);
            };
            let fresh = |step| {
                rules::step_is_fresh(
                    u64::try_from(step).unwrap_or(0),
                    u64::try_from(app.last_used_step).unwrap_or(0),
                )
            };
            match matching_step(&app.totp_secret, email, &digits)?.filter(|&step| fresh(step)) {
                Some(step) => Ok(store::accept_step(db, &AccountId::from(account_id), step).await?),
                None => Ok(false),
            }
        }
        EnteredCode::Recovery(typed) => {
            for stored in store::unused_recovery_codes(db, &AccountId::from(account_id)).await? {
                let ticket = credentials::hashing_ticket()?;
                if credentials::verify_password(ticket, typed.clone(), Some(stored.code_hash))
                    .await?
                {
                    return Ok(store::use_recovery_code(
                        db,
                        &AccountId::from(account_id),
                        &stored.id,
                    )
                    .await?);
                }
            }
            Ok(false)
        }
    }
}

/// Counts a code attempt for the account and address before checking it (see
/// `accounts::claim_attempt`); returns the attempt to forget if the code is right.
#[cfg(feature = "ssr")]
async fn claim_code_attempt(account_id: &str) -> Result<String, AppError> {
    guard::claim_attempt(
        Throttled::SecondFactor,
        account_id,
        WINDOW_MINUTES,
        rules::code_attempt_allowed,
    )
    .await
}

/// The second step of signing in: a code from the person's authenticator app or a recovery code.
#[server]
pub async fn confirm_sign_in_code(#[server(default)] code: String) -> Result<(), AppError> {
    let session = guard::session().await?;
    let pending = pending(&session).await?.ok_or_else(timed_out)?;
    let db = db()?;
    let entered = rules::read_code(&code).map_err(|message| AppError::field("code", message))?;
    let attempt = claim_code_attempt(&pending.account_id).await?;
    if !check_code(&db, &pending.account_id, &pending.email, entered).await? {
        accounts::record_failed_sign_in(
            &db,
            &pending.email,
            Some(&pending.account_id),
            &guard::client_address(),
        )
        .await?;
        return Err(wrong_code());
    }
    accounts::forget_attempt(&db, &attempt).await?;
    complete_sign_in(
        &pending.account_id,
        &pending.email,
        true,
        pending.next.as_deref(),
    )
    .await
}

/// Starts setting up an authenticator app from the account page (a first one, or a new one to
/// replace a lost phone, which also replaces the recovery codes), given the current password.
#[server]
pub async fn start_authenticator_setup(
    #[server(default)] current_password: String,
) -> Result<(), AppError> {
    let Cx { actor, db } = Cx::signed_in().await?;
    super::accounts::confirm_current_password(
        &db,
        &actor,
        current_password,
        "setup-current-password",
    )
    .await?;
    let session = guard::session().await?;
    keep(&session, SETUP_KEY, &new_setup(&actor.account_id)).await?;
    leptos_axum::redirect(&crate::routes::Route::Authenticator.href());
    Ok(())
}

/// Who is setting up an app: the person half-way through signing in, or the one signed in.
#[cfg(feature = "ssr")]
async fn setting_up(
    session: &Session,
) -> Result<(String, String, Option<PendingSignIn>), AppError> {
    if let Some(pending) = pending(session).await? {
        return Ok((
            pending.account_id.clone(),
            pending.email.clone(),
            Some(pending),
        ));
    }
    let Cx { actor, .. } = Cx::signed_in().await?;
    Ok((actor.account_id, actor.email, None))
}

/// The QR code, key and recovery codes of the app being set up; None when none is.
#[server]
pub async fn get_authenticator_setup() -> Result<Option<AuthenticatorSetup>, AppError> {
    let session = guard::session().await?;
    let (account_id, email, pending) = setting_up(&session).await?;
    let Some(setup) = read::<SetupInProgress>(&session, SETUP_KEY)
        .await?
        .filter(|setup| setup.account_id == account_id)
    else {
        return Ok(None);
    };
    let address = totp(&setup.secret, &email)?.to_url().map_err(|error| {
        tracing::error!(?error, "otpauth address");
        AppError::Internal
    })?;
    Ok(Some(AuthenticatorSetup {
        qr_svg: qr_svg(&address)?,
        key: grouped(&setup.secret),
        recovery_codes: setup
            .recovery_codes
            .iter()
            .map(|code| rules::show_recovery_code(code))
            .collect(),
        during_sign_in: pending.is_some(),
    }))
}

#[cfg(feature = "ssr")]
fn qr_svg(address: &str) -> Result<String, AppError> {
    let code = qrcode::QrCode::new(address.as_bytes()).map_err(|error| {
        tracing::error!(%error, "QR code");
        AppError::Internal
    })?;
    let svg = code
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(200, 200)
        .build();
    // Inline in HTML, the XML declaration is noise.
    Ok(svg
        .split_once("?>")
        .map_or(svg.clone(), |(_, rest)| rest.to_string()))
}

/// "JBSW Y3DP EHPK 3PXP": easier to copy by eye.
#[cfg(feature = "ssr")]
fn grouped(key: &str) -> String {
    key.as_bytes()
        .chunks(4)
        .map(|chunk| String::from_utf8_lossy(chunk).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Finishes setting up an authenticator app with a code from it: the app and the recovery codes
/// shown are saved, and sign-in (if this was part of it) completes.
#[server]
pub async fn confirm_authenticator_setup(#[server(default)] code: String) -> Result<(), AppError> {
    let session = guard::session().await?;
    let (account_id, email, pending) = setting_up(&session).await?;
    let setup = read::<SetupInProgress>(&session, SETUP_KEY)
        .await?
        .filter(|setup| setup.account_id == account_id)
        .ok_or_else(|| {
            AppError::Invalid(
                "There is no authenticator app being set up. Start again from your account page."
                    .into(),
            )
        })?;
    let EnteredCode::App(digits) =
        rules::read_code(&code).map_err(|message| AppError::field("code", message))?
    else {
        return Err(AppError::field(
            "code",
            "Enter the 6-digit code your authenticator app shows now, not a recovery code",
        ));
    };
    let db = db()?;
    let attempt = claim_code_attempt(&account_id).await?;
    let Some(step) = matching_step(&setup.secret, &email, &digits)? else {
        return Err(AppError::field(
            "code",
            "The code is not right. Check the app shows \"NHS Digital Maturity Assessment\" with your email address, then enter the code it shows now",
        ));
    };
    let mut hashes = Vec::with_capacity(setup.recovery_codes.len());
    for recovery_code in &setup.recovery_codes {
        hashes.push(credentials::hash_password(recovery_code.clone()).await?);
    }
    store::enrol(
        &db,
        &AccountId::from(&account_id),
        &setup.secret,
        step,
        &hashes,
    )
    .await?;
    accounts::forget_attempt(&db, &attempt).await?;
    session
        .remove::<SetupInProgress>(SETUP_KEY)
        .await
        .map_err(guard::session_error)?;
    match pending {
        Some(pending) => complete_sign_in(&account_id, &email, true, pending.next.as_deref()).await,
        None => {
            // A new app ends every other session: whoever held the old one is signed out.
            accounts::end_sessions(
                &db,
                &AccountId::from(&account_id),
                None,
                "sign out after a new authenticator app",
            )
            .await?;
            guard::start_session(&account_id, true).await?;
            leptos_axum::redirect(&crate::routes::Route::Account.with(
                crate::flash::Flash::Updated(crate::flash::Update::Authenticator),
            ));
            Ok(())
        }
    }
}

/// The signed-in person's authenticator app and recovery codes.
#[server]
pub async fn my_second_factor() -> Result<SecondFactorStatus, AppError> {
    let Cx { actor, db } = Cx::signed_in().await?;
    let app = store::authenticator(&db, &AccountId::from(&actor.account_id)).await?;
    Ok(SecondFactorStatus {
        app_set_up_on: app.map(|app| crate::rules::cycles::readable_date(&app.enrolled_at)),
        recovery_codes_left: store::recovery_codes_left(&db, &AccountId::from(&actor.account_id))
            .await?,
        required: rules::required(&actor.roles),
    })
}

/// Removes a person's authenticator app and recovery codes when they have lost both, so their
/// next sign-in sets up a new one. Administrators only; audited with the reason.
#[server]
pub async fn remove_authenticator(
    account_id: String,
    #[server(default)] reason: String,
) -> Result<(), AppError> {
    let Cx { actor, db } = Cx::require(crate::rules::access::may_manage_accounts).await?;
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(AppError::field(
            "authenticator-reason",
            "Enter the reason for removing this person's authenticator app",
        ));
    }
    if !store::remove(
        &db,
        &AccountId::from(&account_id),
        &actor.account_id,
        reason,
    )
    .await?
    {
        return Err(AppError::NotFound(
            "This person has no authenticator app to remove.".into(),
        ));
    }
    leptos_axum::redirect(&crate::routes::Route::Person { id: &account_id }.with(
        crate::flash::Flash::Updated(crate::flash::Update::Authenticator),
    ));
    Ok(())
}
