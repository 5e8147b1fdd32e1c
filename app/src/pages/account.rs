//! The account journey: sign in, forgotten password, set a password from an emailed link, your
//! account. Every form is an ActionForm, so each step works with JavaScript off.

use super::reviewer_profile::{profile_update_message, ReviewerProfileSection};
use super::second_factor::TwoStepSignIn;
use crate::api::accounts::{
    check_link, current_account, my_sessions, ChangePassword, RequestPasswordReset, SetPassword,
    SignIn, SignOutEverywhereElse,
};
use crate::components::{
    action_error, flash_banner, ErrorPanel, FormErrors, Loaded, SummaryRow, TextField,
};
use crate::error::AppError;
use crate::flash::{Flash, Update};
use crate::rules::access::SignedIn;
use crate::rules::accounts::LinkPurpose;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// A query parameter of the current page, e.g. `?invited=jo@nhs.net`.
pub(crate) fn query_param(name: &'static str) -> Memo<Option<String>> {
    let query = use_query_map();
    Memo::new(move |_| query.read().get(name).filter(|value| !value.is_empty()))
}

#[component]
pub fn SignInPage() -> impl IntoView {
    let action = ServerAction::<SignIn>::new();
    let error = action_error(action.value());
    let next = query_param("next");
    view! {
        <Title text="Sign in"/>
        {flash_banner(|flash| match flash {
            Flash::PasswordSet => Some("Your password has been set. Sign in with it now."),
            Flash::SignedOut => Some("You have signed out."),
            _ => None,
        })}
        <FormErrors error/>
        <h1 class="nhsuk-heading-xl">"Sign in"</h1>
        <ActionForm action>
            <input type="hidden" name="next" value=move || next.get().unwrap_or_default()/>
            <TextField id="email" name="email" label="Email address" input_type="email" autocomplete="username" error/>
            <TextField id="password" name="password" label="Password" input_type="password" autocomplete="current-password" error/>
            <button class="nhsuk-button" type="submit">"Sign in"</button>
        </ActionForm>
        <p><a href="/forgotten-password">"Forgotten your password?"</a></p>
        <p>"You can only sign in if NHS England or your trust's digital lead has invited you."</p>
    }
}

#[component]
pub fn ForgottenPasswordPage() -> impl IntoView {
    let action = ServerAction::<RequestPasswordReset>::new();
    let error = action_error(action.value());
    view! {
        <Title text="Forgotten your password"/>
        {flash_banner(|flash| (flash == Flash::Sent).then_some(
            "If there is an account for that email address, we have sent it a link to reset the password. The link works for 24 hours."
        ))}
        <FormErrors error/>
        <h1 class="nhsuk-heading-xl">"Forgotten your password"</h1>
        <p>"Enter the email address you sign in with. We will send a link to choose a new password."</p>
        <ActionForm action>
            <TextField id="email" name="email" label="Email address" input_type="email" autocomplete="username" error/>
            <button class="nhsuk-button" type="submit">"Send the link"</button>
        </ActionForm>
        <p><a href="/sign-in">"Back to sign in"</a></p>
    }
}

#[component]
pub fn SetPasswordPage() -> impl IntoView {
    let token = query_param("token");
    let link = Resource::new(move || token.get().unwrap_or_default(), check_link);
    let action = ServerAction::<SetPassword>::new();
    let error = action_error(action.value());
    view! {
        <Title text="Set your password"/>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match link.await {
                    Err(problem) => view! {
                        <h1 class="nhsuk-heading-xl">"This link cannot be used"</h1>
                        <ErrorPanel error=problem/>
                    }.into_any(),
                    Ok(info) => view! {
                        <FormErrors error/>
                        <h1 class="nhsuk-heading-xl">
                            {match info.purpose {
                                LinkPurpose::Invitation => "Set your password",
                                LinkPurpose::PasswordReset => "Choose a new password",
                            }}
                        </h1>
                        <p>{format!("For {} ({}).", info.display_name, info.email)}</p>
                        <ActionForm action>
                            <input type="hidden" name="token" value=move || token.get().unwrap_or_default()/>
                            <TextField id="password" name="password" label="Password" input_type="password" autocomplete="new-password" error
                                hint="At least 12 characters. 3 or 4 random words together make a strong password that is easy to remember."/>
                            <TextField id="confirm-password" name="confirm_password" label="Enter the password again" input_type="password" autocomplete="new-password" error/>
                            <button class="nhsuk-button" type="submit">"Set password"</button>
                        </ActionForm>
                    }.into_any(),
                }
            })}
        </Transition>
    }
}

/// What the account page says after one of its forms worked.
fn update_message(update: Update) -> Option<&'static str> {
    match update {
        Update::Password => {
            Some("Your password has been changed. Any other sessions have been signed out.")
        }
        Update::SignedOutElsewhere => Some("You have been signed out everywhere else."),
        Update::Authenticator => {
            Some("Your authenticator app is set up. Keep your recovery codes somewhere safe.")
        }
        other => profile_update_message(other),
    }
}

#[component]
pub fn AccountPage() -> impl IntoView {
    let account = Resource::new(|| (), |_| current_account());
    view! {
        <Title text="Your account"/>
        {flash_banner(|flash| match flash {
            Flash::Invited { email } => Some(format!("We have emailed an invitation to {email}.")),
            Flash::Updated(update) => update_message(update).map(str::to_string),
            _ => None,
        })}
        <h1 class="nhsuk-heading-xl">"Your account"</h1>
        <Loaded resource=account let:data>
            {match data {
                Some(SignedIn { actor, can }) => {
                    let roles = actor.roles.iter().map(|role| role.label()).collect::<Vec<_>>().join(", ");
                    let is_lead = can.invite_deputies;
                    let is_reviewer = can.review;
                    let account_id = actor.account_id.clone();
                    view! {
                        <dl class="nhsuk-summary-list">
                            <SummaryRow key="Name" value=actor.display_name.clone()/>
                            <SummaryRow key="Email address" value=actor.email.clone()/>
                            <SummaryRow key="Organisation" value=actor.org_ods_code.clone().unwrap_or_else(|| "NHS England".into())/>
                            <SummaryRow key="Roles" value=roles/>
                        </dl>
                        {is_lead.then(|| view! {
                            <p><a href="/invite">"Invite a deputy trust lead"</a></p>
                        })}
                        <SignInSecurity/>
                        <TwoStepSignIn/>
                        {is_reviewer.then(|| view! { <ReviewerProfileSection account_id/> })}
                    }.into_any()
                }
                None => view! { <ErrorPanel error=AppError::SignInRequired/> }.into_any(),
            }}
        </Loaded>
    }
}

/// Changing the password (the current one is needed) and the person's sessions, with a way to
/// sign out of all the others.
#[component]
fn SignInSecurity() -> impl IntoView {
    let change = ServerAction::<ChangePassword>::new();
    let error = action_error(change.value());
    let sign_out_elsewhere = ServerAction::<SignOutEverywhereElse>::new();
    let sessions = Resource::new(|| (), |_| my_sessions());
    view! {
        <h2 class="nhsuk-heading-m">"Change your password"</h2>
        <FormErrors error/>
        <ActionForm action=change>
            <TextField id="current-password" name="current_password" label="Current password" input_type="password" autocomplete="current-password" error/>
            <TextField id="new-password" name="new_password" label="New password" input_type="password" autocomplete="new-password" error
                hint="At least 12 characters. 3 or 4 random words together make a strong password that is easy to remember."/>
            <TextField id="confirm-new-password" name="confirm_password" label="Enter the new password again" input_type="password" autocomplete="new-password" error/>
            <button class="nhsuk-button nhsuk-button--secondary" type="submit">"Change password"</button>
        </ActionForm>
        <p>"Forgotten it? "<a href="/forgotten-password">"Reset your password by email"</a></p>
        <h2 class="nhsuk-heading-m">"Where you are signed in"</h2>
        <Loaded resource=sessions let:lines>
            {view! {
            <table class="nhsuk-table">
                <caption class="nhsuk-table__caption nhsuk-table__caption--s">{format!("Your sessions ({})", lines.len())}</caption>
                <thead class="nhsuk-table__head">
                    <tr class="nhsuk-table__row">
                        <th class="nhsuk-table__header" scope="col">"Signed in"</th>
                        <th class="nhsuk-table__header" scope="col">"Last active"</th>
                        <th class="nhsuk-table__header" scope="col">"Session"</th>
                    </tr>
                </thead>
                <tbody class="nhsuk-table__body">
                    {lines.into_iter().map(|line| view! {
                        <tr class="nhsuk-table__row">
                            <td class="nhsuk-table__cell">{line.signed_in}</td>
                            <td class="nhsuk-table__cell">{line.last_active}</td>
                            <td class="nhsuk-table__cell">{if line.this_one { "This one" } else { "Another browser or device" }}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        }.into_any()}
        </Loaded>
        <ActionForm action=sign_out_elsewhere>
            <button class="nhsuk-button nhsuk-button--secondary" type="submit">"Sign out everywhere else"</button>
        </ActionForm>
    }
}
