//! Sign-off by a second person at NHS England: the moderated assessments awaiting it (tick many,
//! one declaration), and one assessment's changes from the trust's own scores with their
//! rationale, signed off or returned to the moderator with a reason.

use super::account::query_param;
use super::assessments::{param, score_text};
use crate::api::sign_off::{
    get_sign_off, sign_off_queue, ReopenSignedOff, ReturnToModerator, SignOff, SignOffQueueView,
    SignOffSummary, SIGN_OFF_FIELD_PREFIX,
};
use crate::components::{
    action_error, field_message, flash_banner, form_group_class, FormErrors, InlineError, Loaded,
    SummaryRow,
};
use crate::error::AppError;
use crate::flash::Flash;
use crate::routes::Route;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
fn Declaration(error: Signal<Option<AppError>>) -> impl IntoView {
    let message = field_message(error, "declaration");
    view! {
        <div class=move || form_group_class(message.get().is_some())>
            {move || message.get().map(|message| view! { <InlineError message/> })}
            <div class="nhsuk-checkboxes" id="declaration">
                <div class="nhsuk-checkboxes__item">
                    <input class="nhsuk-checkboxes__input" id="declaration-confirmed" name="declaration" type="checkbox" value="confirmed"/>
                    <label class="nhsuk-label nhsuk-checkboxes__label" for="declaration-confirmed">
                        "I have read every change from the trust's own scores and its rationale, and I sign these scores off as final."
                    </label>
                </div>
            </div>
        </div>
    }
}

#[component]
pub fn SignOffQueuePage() -> impl IntoView {
    let region = query_param("region");
    let queue = Resource::new(
        move || region.get(),
        |region| sign_off_queue(region.unwrap_or_default()),
    );
    let action = ServerAction::<SignOff>::new();
    let error = action_error(action.value());
    view! {
        <Title text="Sign-off"/>
        {flash_banner(|flash| match flash {
            Flash::SignedOff { assessments } => Some(format!("Signed off: {assessments}. The scores are locked.")),
            Flash::Returned => Some("Returned to the moderator.".to_string()),
            _ => None,
        })}
        <FormErrors error/>
        <h1 class="nhsuk-heading-xl">"Sign-off"</h1>
        <Loaded resource=queue let:data>
            {match data {
                queue if queue.lines.is_empty() && region.get().is_none() => view! { <p>"No moderated assessments are waiting for sign-off."</p> }.into_any(),
                queue => view! { <Queue queue chosen=region.get() action error/> }.into_any(),
            }}
        </Loaded>
    }
}

#[component]
fn Queue(
    queue: SignOffQueueView,
    chosen: Option<String>,
    action: ServerAction<SignOff>,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let lines = queue.lines;
    let message = field_message(error, "assessments");
    view! {
        <p>"Read each assessment's changes before you sign it off. You cannot sign off an assessment you moderated."</p>
        <form method="get" action="/sign-off">
            <div class="nhsuk-form-group">
                <label class="nhsuk-label" for="region">"Region"</label>
                <select class="nhsuk-select" id="region" name="region">
                    <option value="" selected=chosen.is_none()>"All"</option>
                    {queue.regions.into_iter().map(|region| {
                        let selected = chosen.as_deref() == Some(region.as_str());
                        view! { <option value=region.clone() selected=selected>{region.clone()}</option> }
                    }).collect_view()}
                </select>
            </div>
            <button class="nhsuk-button nhsuk-button--secondary" type="submit">"Filter"</button>
        </form>
        <ActionForm action>
            <div class=move || form_group_class(message.get().is_some())>
                <fieldset class="nhsuk-fieldset">
                    <legend class="nhsuk-fieldset__legend nhsuk-fieldset__legend--m"><h2 class="nhsuk-fieldset__heading">"Moderated assessments"</h2></legend>
                    {move || message.get().map(|message| view! { <InlineError message/> })}
                    <div class="nhsuk-checkboxes" id="assessments">
                        {lines.into_iter().map(|line| {
                            let checkbox = format!("assessment-{}", line.assessment_id);
                            let hint = format!("{checkbox}-hint");
                            view! {
                                <div class="nhsuk-checkboxes__item">
                                    <input class="nhsuk-checkboxes__input" id=checkbox.clone() name=format!("assessments[{SIGN_OFF_FIELD_PREFIX}{}]", line.assessment_id) type="checkbox" value="on" disabled=line.refused.is_some() aria-describedby=hint.clone()/>
                                    <label class="nhsuk-label nhsuk-checkboxes__label" for=checkbox>{format!("{} ({})", line.title, line.region)}</label>
                                    <div class="nhsuk-hint nhsuk-checkboxes__hint" id=hint>
                                        <a href={Route::SignOff { id: &line.assessment_id }.href()}>"Read the changes"<span class="nhsuk-u-visually-hidden">{format!(" to {}", line.title)}</span></a>
                                        {line.refused.clone().map(|why| format!(". {why}"))}
                                    </div>
                                </div>
                            }
                        }).collect_view()}
                    </div>
                </fieldset>
            </div>
            <Declaration error/>
            <button class="nhsuk-button" type="submit">"Sign off selected assessments"</button>
        </ActionForm>
    }
}

#[component]
pub fn SignOffPage() -> impl IntoView {
    let id = param("id");
    let summary = Resource::new(id, get_sign_off);
    let sign = ServerAction::<SignOff>::new();
    let give_back = ServerAction::<ReturnToModerator>::new();
    let reopen = ServerAction::<ReopenSignedOff>::new();
    let sign_error = action_error(sign.value());
    let return_error = action_error(give_back.value());
    let reopen_error = action_error(reopen.value());
    view! {
        <Loaded resource=summary error_title="Sign-off" let:summary>
            {view! {
            <Title text=format!("Sign-off – {}", summary.header.title())/>
            <FormErrors error=sign_error/>
            <FormErrors error=return_error/>
            <FormErrors error=reopen_error/>
            <Summary summary sign sign_error give_back return_error reopen reopen_error/>
        }.into_any()}
        </Loaded>
    }
}

#[component]
fn Summary(
    summary: SignOffSummary,
    sign: ServerAction<SignOff>,
    sign_error: Signal<Option<AppError>>,
    give_back: ServerAction<ReturnToModerator>,
    return_error: Signal<Option<AppError>>,
    reopen: ServerAction<ReopenSignedOff>,
    reopen_error: Signal<Option<AppError>>,
) -> impl IntoView {
    let header = summary.header.clone();
    let id = header.id.clone();
    let sign_field = format!("assessments[{SIGN_OFF_FIELD_PREFIX}{id}]");
    let reason_message = field_message(return_error, "reason");
    view! {
        <span class="nhsuk-caption-l">{format!("{} – {}", header.cycle_name, header.title())}</span>
        <h1 class="nhsuk-heading-l">"Changes to sign off"</h1>
        <dl class="nhsuk-summary-list">
            <SummaryRow key="Moderated by" value=summary.moderator.clone().unwrap_or_else(|| "Not moderated yet".into())/>
            <SummaryRow key="Trust's overall score" value=score_text(summary.self_overall)/>
            <SummaryRow key="Moderated overall score" value=score_text(summary.moderated_overall)/>
        </dl>
        {if summary.changes.is_empty() {
            view! { <p>"The moderator kept the trust's own level for every section."</p> }.into_any()
        } else {
            view! {
                <h2 class="nhsuk-heading-m">{format!("{} sections changed from the trust's own level", summary.changes.len())}</h2>
                <dl class="nhsuk-summary-list">
                    {summary.changes.iter().map(|change| view! {
                        <div class="nhsuk-summary-list__row">
                            <dt class="nhsuk-summary-list__key">{change.domain.clone()}</dt>
                            <dd class="nhsuk-summary-list__value">
                                <p>{format!("Level {} to level {}", change.self_score, change.moderated)}</p>
                                <p>{change.rationale.clone()}</p>
                                <p class="nhsuk-body-s">{format!("Rests on: {}", change.criteria.join("; "))}</p>
                            </dd>
                        </div>
                    }).collect_view()}
                </dl>
            }.into_any()
        }}
        {match summary.refused.clone() {
            Some(_) if summary.may_reopen => view! { <Reopen assessment_id=id.clone() action=reopen error=reopen_error/> }.into_any(),
            Some(why) => view! { <div class="nhsuk-inset-text"><p>{why}</p></div> }.into_any(),
            None => view! {
                <h2 class="nhsuk-heading-m">"Sign off"</h2>
                <ActionForm action=sign>
                    <input type="hidden" name=sign_field.clone() value="on"/>
                    <Declaration error=sign_error/>
                    <button class="nhsuk-button" type="submit">"Sign off"</button>
                </ActionForm>
                <h2 class="nhsuk-heading-m">"Return to the moderator"</h2>
                <ActionForm action=give_back>
                    <input type="hidden" name="assessment_id" value=id.clone()/>
                    <div class=move || form_group_class(reason_message.get().is_some())>
                        <label class="nhsuk-label" for="reason">"Why you are returning it"</label>
                        {move || reason_message.get().map(|message| view! { <InlineError message/> })}
                        <textarea class="nhsuk-textarea" id="reason" name="reason" rows="3"></textarea>
                    </div>
                    <button class="nhsuk-button nhsuk-button--secondary" type="submit">"Return to the moderator"</button>
                </ActionForm>
            }.into_any(),
        }}
        <p><a class="nhsuk-link" href="/sign-off">"Back to sign-off"</a></p>
    }
}

/// An administrator reopening signed-off scores for moderation, with the reason.
#[component]
fn Reopen(
    assessment_id: String,
    action: ServerAction<ReopenSignedOff>,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let message = field_message(error, "reopen-reason");
    view! {
        <h2 class="nhsuk-heading-m">"Reopen for moderation"</h2>
        <p>"The scores are signed off. Reopening returns the assessment to moderation; it must be moderated and signed off again."</p>
        <ActionForm action>
            <input type="hidden" name="assessment_id" value=assessment_id/>
            <div class=move || form_group_class(message.get().is_some())>
                <label class="nhsuk-label" for="reopen-reason">"Why you are reopening them"</label>
                {move || message.get().map(|message| view! { <InlineError message/> })}
                <textarea class="nhsuk-textarea" id="reopen-reason" name="reason" rows="3"></textarea>
            </div>
            <button class="nhsuk-button nhsuk-button--warning" type="submit">"Reopen for moderation"</button>
        </ActionForm>
    }
}
