//! NHS.UK radios and checkboxes: one question as a fieldset whose legend asks it, an optional
//! hint, the error message, and the choices.

use super::{form_group_class, InlineError};
use leptos::prelude::*;

/// One radio or checkbox.
#[derive(Clone, Debug)]
pub struct Choice {
    /// The input's id; its label points at it.
    pub id: String,
    /// The form field's name: the question's for radios, the choice's own for checkboxes.
    pub name: String,
    pub value: String,
    pub label: String,
    pub checked: Signal<bool>,
}

/// How the legend asks the question: in the page's words (small), or as a section heading.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Legend {
    #[default]
    Question,
    Heading,
}

/// Radios, of which one is chosen.
#[component]
pub fn Radios(
    /// The radios' id: server errors name it, and the error summary links to it.
    id: &'static str,
    #[prop(into)] legend: String,
    #[prop(optional)] legend_as: Legend,
    #[prop(optional, into)] hint: Option<String>,
    /// Side by side, for two or a few short choices.
    #[prop(optional)]
    inline: bool,
    #[prop(optional)] disabled: bool,
    choices: Vec<Choice>,
    error: Signal<Option<String>>,
) -> impl IntoView {
    let class = if inline {
        "nhsuk-radios nhsuk-radios--inline"
    } else {
        "nhsuk-radios"
    };
    view! {
        <Question id legend legend_as hint error>
            <div class=class id=id>
                {choices.into_iter().map(|choice| view! {
                    <div class="nhsuk-radios__item">
                        <input class="nhsuk-radios__input" id=choice.id.clone() name=choice.name type="radio" value=choice.value checked=choice.checked disabled=disabled/>
                        <label class="nhsuk-label nhsuk-radios__label" for=choice.id>{choice.label}</label>
                    </div>
                }).collect_view()}
            </div>
        </Question>
    }
}

/// Checkboxes, of which any may be ticked.
#[component]
pub fn Checkboxes(
    /// The checkboxes' id: server errors name it, and the error summary links to it.
    id: &'static str,
    #[prop(into)] legend: String,
    #[prop(optional, into)] hint: Option<String>,
    choices: Vec<Choice>,
    error: Signal<Option<String>>,
) -> impl IntoView {
    view! {
        <Question id legend legend_as=Legend::Question hint error>
            <div class="nhsuk-checkboxes" id=id>
                {choices.into_iter().map(|choice| view! {
                    <div class="nhsuk-checkboxes__item">
                        <input class="nhsuk-checkboxes__input" id=choice.id.clone() name=choice.name type="checkbox" value=choice.value checked=choice.checked/>
                        <label class="nhsuk-label nhsuk-checkboxes__label" for=choice.id>{choice.label}</label>
                    </div>
                }).collect_view()}
            </div>
        </Question>
    }
}

/// The form group and fieldset around a question's choices; the fieldset is described by the
/// hint, if there is one.
#[component]
fn Question(
    id: &'static str,
    legend: String,
    legend_as: Legend,
    hint: Option<String>,
    error: Signal<Option<String>>,
    children: Children,
) -> impl IntoView {
    let hint_id = hint.as_ref().map(|_| format!("{id}-hint"));
    view! {
        <div class=move || form_group_class(error.get().is_some())>
            <fieldset class="nhsuk-fieldset" aria-describedby=hint_id.clone()>
                {match legend_as {
                    Legend::Question => view! {
                        <legend class="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">{legend}</legend>
                    }.into_any(),
                    Legend::Heading => view! {
                        <legend class="nhsuk-fieldset__legend nhsuk-fieldset__legend--m"><h2 class="nhsuk-fieldset__heading">{legend}</h2></legend>
                    }.into_any(),
                }}
                {hint.map(|hint| view! { <div class="nhsuk-hint" id=hint_id.clone()>{hint}</div> })}
                {move || error.get().map(|message| view! { <InlineError message/> })}
                {children()}
            </fieldset>
        </div>
    }
}
