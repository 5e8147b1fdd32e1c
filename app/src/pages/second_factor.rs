//! The second step of signing in, and setting up an authenticator app (during sign-in, when the
//! person's roles need one, or from their account page). Plain forms: they work with JavaScript
//! off.

use crate::api::second_factor::{
    get_authenticator_setup, my_second_factor, AuthenticatorSetup, ConfirmAuthenticatorSetup,
    ConfirmSignInCode, StartAuthenticatorSetup,
};
use crate::components::{action_error, FormErrors, Loaded, SummaryRow, TextField};
use leptos::prelude::*;
use leptos_meta::Title;

const CODE_HINT: &str = "The 6 digits your authenticator app shows for NHS Digital Maturity Assessment. If you do not have your phone, enter one of your recovery codes.";

#[component]
pub fn SignInCodePage() -> impl IntoView {
    let action = ServerAction::<ConfirmSignInCode>::new();
    let error = action_error(action.value());
    view! {
        <Title text="Enter the code from your authenticator app"/>
        <FormErrors error/>
        <h1 class="nhsuk-heading-xl">"Enter the code from your authenticator app"</h1>
        <ActionForm action>
            <TextField id="code" name="code" label="Code" autocomplete="one-time-code" inputmode="numeric"
                width_class="nhsuk-input--width-10" hint=CODE_HINT error/>
            <button class="nhsuk-button" type="submit">"Continue"</button>
        </ActionForm>
        <p>"Lost your phone and your recovery codes? Ask NHS England's service team to remove your authenticator app, then sign in again to set up a new one."</p>
        <p><a href="/sign-in">"Start signing in again"</a></p>
    }
}

/// Setting up an authenticator app: install, scan (or type the key), keep the recovery codes,
/// then prove it works with a code.
#[component]
pub fn AuthenticatorSetupPage() -> impl IntoView {
    let setup = Resource::new(|| (), |_| get_authenticator_setup());
    let start = ServerAction::<StartAuthenticatorSetup>::new();
    view! {
        <Title text="Set up an authenticator app"/>
        <h1 class="nhsuk-heading-xl">"Set up an authenticator app"</h1>
        <Loaded resource=setup let:data>
            {match data {
                None => view! { <StartSetup action=start/> }.into_any(),
                Some(setup) => view! { <SetupSteps setup/> }.into_any(),
            }}
        </Loaded>
    }
}

#[component]
fn SetupSteps(setup: AuthenticatorSetup) -> impl IntoView {
    let confirm = ServerAction::<ConfirmAuthenticatorSetup>::new();
    let error = action_error(confirm.value());
    let why = if setup.during_sign_in {
        "Your role needs a second step when you sign in, as well as your password: a code from an app on your phone. Set it up now to finish signing in."
    } else {
        "When you sign in, you will be asked for a code from the app as well as your password. Setting up a new app replaces your old one and your recovery codes."
    };
    view! {
        <FormErrors error/>
        <p>{why}</p>
        <h2 class="nhsuk-heading-m">"1. Install an authenticator app"</h2>
        <p>"Use an app such as Microsoft Authenticator or Google Authenticator on your phone."</p>
        <h2 class="nhsuk-heading-m">"2. Add this service to the app"</h2>
        <p>"In the app, add an account and scan this QR code."</p>
        <div class="app-qr-code" role="img" aria-label="QR code to scan with your authenticator app" inner_html=setup.qr_svg></div>
        <p>"If you cannot scan it, choose to enter a key and type this one:"</p>
        <p class="app-secret-key"><code>{setup.key}</code></p>
        <h2 class="nhsuk-heading-m">"3. Keep your recovery codes"</h2>
        <div class="nhsuk-warning-callout">
            <h3 class="nhsuk-warning-callout__label">
                <span class="nhsuk-u-visually-hidden">"Important: "</span>"Save these codes now"
            </h3>
            <p>"If you lose your phone, each of these codes lets you sign in once. Print them or keep them in a password manager. You will not see them again."</p>
        </div>
        <ul class="nhsuk-list app-recovery-codes">
            {setup.recovery_codes.into_iter().map(|code| view! { <li><code>{code}</code></li> }).collect_view()}
        </ul>
        <h2 class="nhsuk-heading-m">"4. Enter a code from the app"</h2>
        <ActionForm action=confirm>
            <TextField id="code" name="code" label="Code from the app" autocomplete="one-time-code" inputmode="numeric"
                width_class="nhsuk-input--width-10" hint="The 6 digits the app shows now." error/>
            <button class="nhsuk-button" type="submit">"Finish setting up"</button>
        </ActionForm>
    }
}

/// Starting to set up an app: the password first, since whoever sets one up controls how the
/// account signs in.
#[component]
fn StartSetup(action: ServerAction<StartAuthenticatorSetup>) -> impl IntoView {
    let error = action_error(action.value());
    view! {
        <FormErrors error/>
        <p>"You will need a phone with an authenticator app, such as Microsoft Authenticator or Google Authenticator. Setting up a new app replaces any old one and your recovery codes, and signs you out everywhere else."</p>
        <ActionForm action>
            <TextField id="setup-current-password" name="current_password" label="Your current password" input_type="password" autocomplete="current-password" error/>
            <button class="nhsuk-button" type="submit">"Start setting up"</button>
        </ActionForm>
    }
}

/// The account page's section on the second step of signing in.
#[component]
pub fn TwoStepSignIn() -> impl IntoView {
    let status = Resource::new(|| (), |_| my_second_factor());
    view! {
        <h2 class="nhsuk-heading-m">"Two-step sign-in"</h2>
        <Loaded resource=status let:status>
            {
                let has_app = status.app_set_up_on.is_some();
                view! {
                    <dl class="nhsuk-summary-list">
                        <SummaryRow key="Authenticator app" value=status.app_set_up_on.map_or_else(|| "Not set up".to_string(), |on| format!("Set up on {on}"))/>
                        <SummaryRow key="Recovery codes left" value=status.recovery_codes_left.to_string()/>
                    </dl>
                    {(!has_app).then(|| view! {
                        <p>{if status.required { "Your role needs an authenticator app." } else { "You can add a code from an app on your phone to your password, so a stolen password is not enough to sign in as you." }}</p>
                    })}
                    <p><a href="/account/authenticator">
                        {if has_app { "Set up a new authenticator app and recovery codes" } else { "Set up an authenticator app" }}
                    </a></p>
                }.into_any()
            }
        </Loaded>
    }
}
