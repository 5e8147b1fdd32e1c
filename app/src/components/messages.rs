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
            AppError::Invalid(_) => Some(http::StatusCode::BAD_REQUEST),
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
        AppError::Invalid(_) => "There is a problem",
        AppError::Internal | AppError::Unreachable => "Sorry, there is a problem with the service",
    };
    view! {
        <div class="nhsuk-error-summary" aria-labelledby="error-summary-title" role="alert" tabindex="-1">
            <h2 class="nhsuk-error-summary__title" id="error-summary-title">{title}</h2>
            <div class="nhsuk-error-summary__body">
                <p>{error.to_string()}</p>
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
