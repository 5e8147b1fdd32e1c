//! How errors and small facts are shown.

use crate::error::AppError;
use crate::rules::organisations::CareSetting;
use leptos::prelude::*;

/// An error from a server function, in the NHS.UK error summary style. A "not found" also sets the
/// HTTP status, so links checkers and people with JavaScript off get a real 404.
#[component]
pub fn ErrorPanel(error: AppError) -> impl IntoView {
    #[cfg(feature = "ssr")]
    {
        let status = match &error {
            AppError::NotFound(_) => Some(http::StatusCode::NOT_FOUND),
            AppError::Invalid(_) | AppError::InvalidField { .. } => {
                Some(http::StatusCode::BAD_REQUEST)
            }
            AppError::SignInRequired => Some(http::StatusCode::UNAUTHORIZED),
            AppError::Conflict { .. } => Some(http::StatusCode::CONFLICT),
            AppError::Forbidden(_) => Some(http::StatusCode::FORBIDDEN),
            AppError::Busy => Some(http::StatusCode::SERVICE_UNAVAILABLE),
            AppError::Internal | AppError::Unreachable => {
                Some(http::StatusCode::INTERNAL_SERVER_ERROR)
            }
        };
        if let (Some(status), Some(response)) =
            (status, use_context::<leptos_axum::ResponseOptions>())
        {
            response.set_status(status);
        }
    }
    let title = match &error {
        AppError::NotFound(_) => "Page not found",
        AppError::Invalid(_) | AppError::InvalidField { .. } => "There is a problem",
        AppError::SignInRequired => "You need to sign in",
        AppError::Conflict { .. } => "Someone else has changed this section",
        AppError::Forbidden(_) => "You do not have access",
        AppError::Busy => "Sorry, the service is busy",
        AppError::Internal | AppError::Unreachable => "Sorry, there is a problem with the service",
    };
    view! {
        <div class="nhsuk-error-summary" aria-labelledby="error-summary-title" role="alert" tabindex="-1">
            <h2 class="nhsuk-error-summary__title" id="error-summary-title">{title}</h2>
            <div class="nhsuk-error-summary__body">
                {match &error {
                    AppError::InvalidField { field, message, .. } => view! {
                        <ul class="nhsuk-list nhsuk-error-summary__list" role="list">
                            <li><a href=format!("#{field}")>{message.clone()}</a></li>
                        </ul>
                    }.into_any(),
                    AppError::Conflict { message, changes, .. } => view! {
                        <p>{message.clone()}</p>
                        <ul class="nhsuk-list nhsuk-list--bullet">
                            {changes.iter().map(|change| view! { <li>{change.clone()}</li> }).collect_view()}
                        </ul>
                    }.into_any(),
                    other => view! { <p>{other.to_string()}</p> }.into_any(),
                }}
                {matches!(error, AppError::SignInRequired).then(|| view! { <p><a href="/sign-in">"Sign in"</a></p> })}
            </div>
        </div>
    }
}

/// Care settings as tags, with a plain "None" where a trust has none (never colour alone).
#[component]
pub fn CareSettingTags(settings: Vec<CareSetting>) -> impl IntoView {
    if settings.is_empty() {
        return view! { <span>"None"</span> }.into_any();
    }
    view! {
        <ul class="app-tag-list">
            {settings
                .into_iter()
                .map(|setting| view! { <li><strong class="nhsuk-tag nhsuk-tag--grey">{setting.label()}</strong></li> })
                .collect_view()}
        </ul>
    }
    .into_any()
}

/// One row of a GOV.UK summary list.
#[component]
pub fn SummaryRow(#[prop(into)] key: String, #[prop(into)] value: String) -> impl IntoView {
    view! {
        <div class="nhsuk-summary-list__row">
            <dt class="nhsuk-summary-list__key">{key}</dt>
            <dd class="nhsuk-summary-list__value">{value}</dd>
        </div>
    }
}
