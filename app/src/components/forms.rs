//! Form pieces in the NHS.UK style: an error summary fed by a server action, text fields with
//! their inline errors, and success banners (one for the flash a redirect carries).

use crate::error::AppError;
use crate::flash::{use_flash, Flash};
use leptos::prelude::*;

use super::ErrorPanel;

/// The latest error of a server action, if its last run failed.
pub fn action_error<T, V>(value: V) -> Signal<Option<AppError>>
where
    T: Clone + Send + Sync + 'static,
    V: Get<Value = Option<Result<T, AppError>>> + Send + Sync + 'static,
{
    Signal::derive(move || value.get().and_then(|result| result.err()))
}

/// The message for one field of the last submission's error, if it concerns that field.
pub fn field_message(
    error: Signal<Option<AppError>>,
    field: impl Into<String>,
) -> Signal<Option<String>> {
    let field = field.into();
    Signal::derive(move || error.get().and_then(|error| error.message_for(&field)))
}

/// The class of a form group, marked when its field has an error.
pub fn form_group_class(has_error: bool) -> &'static str {
    if has_error {
        "nhsuk-form-group nhsuk-form-group--error"
    } else {
        "nhsuk-form-group"
    }
}

/// A field's error message, shown beside it.
#[component]
pub fn InlineError(message: String) -> impl IntoView {
    view! { <span class="nhsuk-error-message"><span class="nhsuk-u-visually-hidden">"Error: "</span>{message}</span> }
}

/// The GOV.UK error summary for a form, shown above it when the last submission failed.
#[component]
pub fn FormErrors(error: Signal<Option<AppError>>) -> impl IntoView {
    move || error.get().map(|error| view! { <ErrorPanel error/> })
}

/// A labelled text input with an optional hint and its inline error message.
#[component]
pub fn TextField(
    /// The input's id: server errors name it, and the error summary links to it.
    id: &'static str,
    name: &'static str,
    label: &'static str,
    error: Signal<Option<AppError>>,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(default = "text")] input_type: &'static str,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional, into)] value: Option<String>,
    #[prop(optional)] width_class: Option<&'static str>,
    /// The keyboard a phone shows: "numeric" for codes.
    #[prop(optional)]
    inputmode: Option<&'static str>,
) -> impl IntoView {
    let message = move || error.get().and_then(|error| error.message_for(id));
    // What the person entered, when the form comes back with an error; else the starting value.
    let value = move || {
        error
            .get()
            .and_then(|error| error.entered(name).map(str::to_string))
            .or_else(|| value.clone())
    };
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let described_by = {
        let hint_id = hint_id.clone();
        let error_id = error_id.clone();
        move || {
            let mut ids = Vec::new();
            if hint.is_some() {
                ids.push(hint_id.clone());
            }
            if message().is_some() {
                ids.push(error_id.clone());
            }
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    };
    view! {
        <div class=move || if message().is_some() { "nhsuk-form-group nhsuk-form-group--error" } else { "nhsuk-form-group" }>
            <label class="nhsuk-label" for=id>{label}</label>
            {hint.map(|hint| view! { <div class="nhsuk-hint" id=hint_id.clone()>{hint}</div> })}
            {move || message().map(|message| view! {
                <span class="nhsuk-error-message" id=error_id.clone()>
                    <span class="nhsuk-u-visually-hidden">"Error: "</span>{message}
                </span>
            })}
            <input
                class=move || format!("nhsuk-input {}{}", width_class.unwrap_or(""), if message().is_some() { " nhsuk-input--error" } else { "" })
                id=id
                name=name
                type=input_type
                autocomplete=autocomplete
                inputmode=inputmode
                spellcheck="false"
                value=value
                aria-describedby=described_by
            />
        </div>
    }
}

/// A labelled textarea with an optional hint and its inline error message; what was typed comes
/// back with an error, so nothing typed is lost.
#[component]
pub fn TextArea(
    /// The textarea's id: server errors name it, and the error summary links to it.
    #[prop(into)]
    id: String,
    name: &'static str,
    #[prop(into)] label: String,
    error: Signal<Option<AppError>>,
    #[prop(optional)] hint: Option<&'static str>,
) -> impl IntoView {
    let message = field_message(error, id.clone());
    let entered = move || {
        error
            .get()
            .and_then(|error| error.entered(name).map(str::to_string))
    };
    let hint_id = format!("{id}-hint");
    view! {
        <div class=move || form_group_class(message.get().is_some())>
            <label class="nhsuk-label" for=id.clone()>{label}</label>
            {hint.map(|hint| view! { <div class="nhsuk-hint" id=hint_id.clone()>{hint}</div> })}
            {move || message.get().map(|message| view! { <InlineError message/> })}
            <textarea class="nhsuk-textarea" id=id.clone() name=name rows="3" aria-describedby=hint.map(|_| hint_id.clone())>{entered}</textarea>
        </div>
    }
}

/// The success banner for the flash in the page's address, in the words `message` gives it on
/// this page: none for a flash the page does not expect.
pub fn flash_banner<M: Into<String>>(
    message: impl Fn(Flash) -> Option<M> + Send + Sync + 'static,
) -> impl IntoView {
    let flash = use_flash();
    move || {
        flash
            .get()
            .and_then(&message)
            .map(|message| view! { <SuccessBanner message=message.into()/> })
    }
}

/// A green notification banner saying something worked.
#[component]
pub fn SuccessBanner(message: String) -> impl IntoView {
    view! {
        <div class="nhsuk-notification-banner nhsuk-notification-banner--success" role="alert" aria-labelledby="success-banner-title" data-module="nhsuk-notification-banner">
            <div class="nhsuk-notification-banner__header">
                <h2 class="nhsuk-notification-banner__title" id="success-banner-title">"Success"</h2>
            </div>
            <div class="nhsuk-notification-banner__content">
                <p class="nhsuk-notification-banner__heading">{message}</p>
            </div>
        </div>
    }
}
