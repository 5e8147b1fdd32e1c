//! The page frame: NHS.UK header with the service name, the beta phase banner and the footer.

use crate::api::accounts::{current_account, SignOut};
use leptos::prelude::*;
use leptos_router::{components::A, hooks::use_location};

pub const SERVICE_NAME: &str = "Digital maturity assessment";

#[component]
pub fn Header() -> impl IntoView {
    // Asked again on every navigation, so signing in or out shows at once.
    let location = use_location();
    let account = Resource::new(move || location.pathname.get(), |_| current_account());
    let sign_out = ServerAction::<SignOut>::new();
    view! {
        <header class="nhsuk-header" role="banner">
            <div class="nhsuk-header__container nhsuk-width-container">
                <div class="nhsuk-header__service">
                    <a class="nhsuk-header__service-logo" href="/" aria-label="NHS: Digital maturity assessment home">
                        <svg class="nhsuk-header__logo" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 80" height="40" width="100" focusable="false" role="img" aria-label="NHS">
                            <title>"NHS"</title>
                            <path fill="currentcolor" d="M200 0v80H0V0h200Zm-27.5 5.5c-14.5 0-29 5-29 22 0 10.2 7.7 13.5 14.7 16.3l.7.3c5.4 2 10.1 3.9 10.1 8.4 0 6.5-8.5 7.5-14 7.5s-12.5-1.5-16-3.5L135 70c5.5 2 13.5 3.5 20 3.5 15.5 0 32-4.5 32-22.5 0-19.5-25.5-16.5-25.5-25.5 0-5.5 5.5-6.5 12.5-6.5a35 35 0 0 1 14.5 3l4-13.5c-4.5-2-12-3-20-3Zm-131 2h-22l-14 65H22l9-45h.5l13.5 45h21.5l14-65H64l-9 45h-.5l-13-45Zm63 0h-18l-13 65h17l6-28H117l-5.5 28H129l13.5-65H125L119.5 32h-20l5-24.5Z"></path>
                        </svg>
                    </a>
                    <a class="nhsuk-header__service-name" href="/">{SERVICE_NAME}</a>
                </div>
            </div>
            <nav class="nhsuk-header__navigation" aria-label="Menu">
                <div class="nhsuk-header__navigation-container nhsuk-width-container">
                    <ul class="nhsuk-header__navigation-list">
                        <li class="nhsuk-header__navigation-item">
                            <A href="/organisations" attr:class="nhsuk-header__navigation-link">"Organisations"</A>
                        </li>
                        <li class="nhsuk-header__navigation-item">
                            <A href="/results" attr:class="nhsuk-header__navigation-link">"Results"</A>
                        </li>
                        <Transition fallback=|| ()>
                            {move || Suspend::new(async move {
                                match account.await {
                                    Ok(Some(signed_in)) => view! {
                                        <li class="nhsuk-header__navigation-item">
                                            <A href="/dashboard" attr:class="nhsuk-header__navigation-link">"Dashboard"</A>
                                        </li>
                                        {signed_in.can.answer_own_assessments.then(|| view! {
                                            <li class="nhsuk-header__navigation-item">
                                                <A href="/assessments" attr:class="nhsuk-header__navigation-link">"Your assessments"</A>
                                            </li>
                                        })}
                                        {signed_in.can.review.then(|| view! {
                                            <li class="nhsuk-header__navigation-item">
                                                <A href="/reviews" attr:class="nhsuk-header__navigation-link">"Your reviews"</A>
                                            </li>
                                        })}
                                        {signed_in.can.moderate.then(|| view! {
                                            <li class="nhsuk-header__navigation-item">
                                                <A href="/moderation" attr:class="nhsuk-header__navigation-link">"Moderation"</A>
                                            </li>
                                        })}
                                        {signed_in.can.see_insights.then(|| view! {
                                            <li class="nhsuk-header__navigation-item">
                                                <A href="/insights" attr:class="nhsuk-header__navigation-link">"Insights"</A>
                                            </li>
                                        })}
                                        {signed_in.can.sign_off.then(|| view! {
                                            <li class="nhsuk-header__navigation-item">
                                                <A href="/sign-off" attr:class="nhsuk-header__navigation-link">"Sign-off"</A>
                                            </li>
                                        })}
                                        {signed_in.can.run_cycles.then(|| view! {
                                            <li class="nhsuk-header__navigation-item">
                                                <A href="/admin/cycles" attr:class="nhsuk-header__navigation-link">"Cycles"</A>
                                            </li>
                                        })}
                                        {signed_in.can.manage_accounts.then(|| view! {
                                            <li class="nhsuk-header__navigation-item">
                                                <A href="/admin/people" attr:class="nhsuk-header__navigation-link">"People"</A>
                                            </li>
                                        })}
                                        <li class="nhsuk-header__navigation-item">
                                            <A href="/account" attr:class="nhsuk-header__navigation-link">"Your account"</A>
                                        </li>
                                        <li class="nhsuk-header__navigation-item">
                                            <ActionForm action=sign_out attr:class="app-inline-form">
                                                <button type="submit" class="nhsuk-header__navigation-link app-link-button">"Sign out"</button>
                                            </ActionForm>
                                        </li>
                                    }.into_any(),
                                    _ => view! {
                                        <li class="nhsuk-header__navigation-item">
                                            <A href="/sign-in" attr:class="nhsuk-header__navigation-link">"Sign in"</A>
                                        </li>
                                    }.into_any(),
                                }
                            })}
                        </Transition>
                    </ul>
                </div>
            </nav>
        </header>
    }
}

/// The GOV.UK phase banner pattern: says the service is new and asks for feedback.
#[component]
pub fn PhaseBanner() -> impl IntoView {
    view! {
        <div class="app-phase-banner nhsuk-width-container" role="region" aria-label="Service phase">
            <p class="app-phase-banner__content">
                <strong class="nhsuk-tag app-phase-banner__tag">"Beta"</strong>
                <span class="app-phase-banner__text">
                    "This is a new service. Tell the NHS England digital maturity team what you think of it."
                </span>
            </p>
        </div>
    }
}

#[component]
pub fn Footer() -> impl IntoView {
    view! {
        <footer class="nhsuk-footer" role="contentinfo">
            <div class="nhsuk-width-container">
                <div class="nhsuk-footer__meta">
                    <h2 class="nhsuk-u-visually-hidden">"Support links"</h2>
                    <ul class="nhsuk-footer__list">
                        <li class="nhsuk-footer__list-item">
                            <a class="nhsuk-footer__list-item-link" href="/organisations">"Organisations"</a>
                        </li>
                        <li class="nhsuk-footer__list-item">
                            <a class="nhsuk-footer__list-item-link" href="/results">"Results"</a>
                        </li>
                    </ul>
                    <p class="nhsuk-body-s">"© NHS England"</p>
                </div>
            </div>
        </footer>
    }
}
