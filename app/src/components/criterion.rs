//! One criterion of a domain's form, as the trust answers it and a peer reviewer judges it: met or
//! not as two radios, then the words that go with the answer, each with its error.

use super::{field_message, form_group_class, InlineError};
use crate::error::AppError;
use leptos::prelude::*;

/// A criterion's fieldset: the criterion as legend, a hint, "Met" and "Not met" radios, and a
/// textarea. Server errors name `met_field` or `text_id`, and the error summary links to them.
#[component]
pub fn CriterionJudgement(
    /// The criterion's words.
    legend: String,
    /// What the fieldset is described by: the evidence to look for, or what the trust said.
    hint_id: String,
    hint: String,
    /// The radios' id; each radio's id adds "-yes" or "-no".
    met_field: String,
    /// The radios' form name, `<form>[<criterion>][met]`.
    met_name: String,
    /// The radio chosen, if any.
    met: Option<bool>,
    text_id: String,
    text_name: String,
    text_label: &'static str,
    rows: &'static str,
    /// What the textarea starts with.
    text: String,
    editable: bool,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let met_message = field_message(error, met_field.clone());
    let text_message = field_message(error, text_id.clone());
    let has_error = move || met_message.get().is_some() || text_message.get().is_some();
    let yes = format!("{met_field}-yes");
    let no = format!("{met_field}-no");
    view! {
        <div class=move || form_group_class(has_error())>
            <fieldset class="nhsuk-fieldset" aria-describedby=hint_id.clone()>
                <legend class="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">{legend}</legend>
                <div class="nhsuk-hint" id=hint_id.clone()>{hint}</div>
                {move || met_message.get().map(|message| view! { <InlineError message/> })}
                <div class="nhsuk-radios nhsuk-radios--inline" id=met_field.clone()>
                    <div class="nhsuk-radios__item">
                        <input class="nhsuk-radios__input" id=yes.clone() name=met_name.clone() type="radio" value="met" checked={met == Some(true)} disabled=!editable/>
                        <label class="nhsuk-label nhsuk-radios__label" for=yes.clone()>"Met"</label>
                    </div>
                    <div class="nhsuk-radios__item">
                        <input class="nhsuk-radios__input" id=no.clone() name=met_name.clone() type="radio" value="not-met" checked={met == Some(false)} disabled=!editable/>
                        <label class="nhsuk-label nhsuk-radios__label" for=no.clone()>"Not met"</label>
                    </div>
                </div>
                <div class="nhsuk-u-margin-top-3">
                    <label class="nhsuk-label" for=text_id.clone()>{text_label}</label>
                    {move || text_message.get().map(|message| view! { <InlineError message/> })}
                    <textarea class="nhsuk-textarea" id=text_id.clone() name=text_name rows=rows disabled=!editable>{text}</textarea>
                </div>
            </fieldset>
        </div>
    }
}
