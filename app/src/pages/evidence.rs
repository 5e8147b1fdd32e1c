//! Requests for more evidence: the trust lead's page to answer them, and the moderator's form
//! to ask, shown on the moderation page. Plain forms.

use super::assessments::param;
use crate::api::evidence::{
    evidence_requests, AnswerEvidenceRequest, AskForEvidence, EvidenceRequestView,
};
use crate::api::moderation::ModerationOverview;
use crate::components::{
    action_error, field_message, flash_banner, form_group_class, FormErrors, InlineError, Loaded,
};
use crate::error::AppError;
use crate::flash::Flash;
use crate::routes::Route;
use crate::rules::deadlines::deadline_shown;
use crate::rules::moderation::{ANSWER_MAX_CHARS, EVIDENCE_DAYS_MAX};
use leptos::prelude::*;
use leptos_meta::Title;

/// A request, with its answer or, where the reader may give it, a form for it.
#[component]
fn Request(
    request: EvidenceRequestView,
    action: ServerAction<AnswerEvidenceRequest>,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let field = format!("answer-{}", request.id);
    let message = field_message(error, field.clone());
    view! {
        <div class="nhsuk-card">
            <div class="nhsuk-card__content">
                <h2 class="nhsuk-card__heading nhsuk-heading-m">{request.domains.join(", ")}</h2>
                <p>{request.question.clone()}</p>
                <p class="nhsuk-body-s">{format!("Answer by {}", deadline_shown(&request.deadline))}</p>
                {match (request.answer.clone(), request.may_answer) {
                    (Some(answer), _) => view! { <p><strong>"Answer: "</strong>{answer}</p> }.into_any(),
                    (None, true) => view! {
                        <ActionForm action>
                            <input type="hidden" name="request_id" value=request.id.clone()/>
                            <div class=move || form_group_class(message.get().is_some())>
                                <label class="nhsuk-label" for=field.clone()>"Your answer"</label>
                                <div class="nhsuk-hint" id=format!("{field}-hint")>{format!("Name the documents and what they show, in up to {ANSWER_MAX_CHARS} characters.")}</div>
                                {move || message.get().map(|message| view! { <InlineError message/> })}
                                <textarea class="nhsuk-textarea" id=field.clone() name="answer" rows="4" aria-describedby=format!("{field}-hint")></textarea>
                            </div>
                            <button class="nhsuk-button" type="submit">"Send answer"</button>
                        </ActionForm>
                    }.into_any(),
                    (None, false) => view! { <p>"Not answered."</p> }.into_any(),
                }}
            </div>
        </div>
    }
}

/// The trust lead's page: NHS England's requests for more evidence and their answers.
#[component]
pub fn EvidenceRequestsPage() -> impl IntoView {
    let id = param("id");
    let requests = Resource::new(id, evidence_requests);
    let action = ServerAction::<AnswerEvidenceRequest>::new();
    let error = action_error(action.value());
    view! {
        <Title text="More evidence for moderation"/>
        {flash_banner(|flash| (flash == Flash::Answered).then_some("Your answer has been sent to NHS England's moderators."))}
        <FormErrors error/>
        <h1 class="nhsuk-heading-l">"More evidence for moderation"</h1>
        <Loaded resource=requests let:data>
            {match data {
                list if list.is_empty() => view! { <p>"NHS England has not asked for more evidence."</p> }.into_any(),
                list => list.into_iter().map(|request| view! { <Request request action error/> }).collect_view().into_any(),
            }}
        </Loaded>
        <p><a class="nhsuk-link" href={move || Route::Assessment { id: &id() }.href()}>"Back to your self-assessment"</a></p>
    }
}

/// On the moderation page: the requests so far, and the form to ask for more.
#[component]
pub fn EvidenceRequestsForModerator(overview: ModerationOverview) -> impl IntoView {
    let id = overview.header.id.clone();
    let requests = Resource::new(move || id.clone(), evidence_requests);
    let ask = ServerAction::<AskForEvidence>::new();
    let error = action_error(ask.value());
    let (domains_error, question_error, deadline_error) = (
        field_message(error, "evidence-domains"),
        field_message(error, "evidence-question"),
        field_message(error, "evidence-deadline"),
    );
    let entered = move |name: &'static str| {
        move || {
            error
                .get()
                .and_then(|error| error.entered(name).map(str::to_string))
                .unwrap_or_default()
        }
    };
    let assessment_id = overview.header.id.clone();
    let editable = overview.locked_reason.is_none();
    let domains: Vec<(String, String)> = overview
        .domains
        .iter()
        .flat_map(|(_, domains)| domains.iter().map(|d| (d.key.clone(), d.name.clone())))
        .collect();
    view! {
        <h2 class="nhsuk-heading-m">"More evidence from the trust"</h2>
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match requests.await {
                    Ok(list) if !list.is_empty() => view! {
                        <dl class="nhsuk-summary-list">
                            {list.into_iter().map(|request| view! {
                                <div class="nhsuk-summary-list__row">
                                    <dt class="nhsuk-summary-list__key">{request.domains.join(", ")}</dt>
                                    <dd class="nhsuk-summary-list__value">
                                        <p>{request.question.clone()}</p>
                                        <p>{request.answer.clone().unwrap_or_else(|| format!("Not answered yet (due by {})", deadline_shown(&request.deadline)))}</p>
                                    </dd>
                                </div>
                            }).collect_view()}
                        </dl>
                    }.into_any(),
                    _ => view! { <p>"None asked for."</p> }.into_any(),
                }
            })}
        </Transition>
        <FormErrors error/>
        {editable.then(|| view! {
            <details class="nhsuk-details">
                <summary class="nhsuk-details__summary"><span class="nhsuk-details__summary-text">"Ask the trust for more evidence"</span></summary>
                <div class="nhsuk-details__text">
                    <ActionForm action=ask>
                        <input type="hidden" name="assessment_id" value=assessment_id.clone()/>
                        <div class=move || form_group_class(domains_error.get().is_some())>
                            <fieldset class="nhsuk-fieldset">
                                <legend class="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">"Sections"</legend>
                                {move || domains_error.get().map(|message| view! { <InlineError message/> })}
                                <div class="nhsuk-checkboxes nhsuk-checkboxes--small" id="evidence-domains">
                                    {domains.iter().map(|(key, name)| {
                                        let checkbox = format!("evidence-domain-{key}");
                                        view! {
                                            <div class="nhsuk-checkboxes__item">
                                                <input class="nhsuk-checkboxes__input" id=checkbox.clone() name=format!("domains[{key}]") type="checkbox" value="on"/>
                                                <label class="nhsuk-label nhsuk-checkboxes__label" for=checkbox>{name.clone()}</label>
                                            </div>
                                        }
                                    }).collect_view()}
                                </div>
                            </fieldset>
                        </div>
                        <div class=move || form_group_class(question_error.get().is_some())>
                            <label class="nhsuk-label" for="evidence-question">"Your question"</label>
                            {move || question_error.get().map(|message| view! { <InlineError message/> })}
                            <textarea class="nhsuk-textarea" id="evidence-question" name="question" rows="3">{entered("question")}</textarea>
                        </div>
                        <div class=move || form_group_class(deadline_error.get().is_some())>
                            <label class="nhsuk-label" for="evidence-deadline">"Deadline"</label>
                            <div class="nhsuk-hint" id="evidence-deadline-hint">{format!("A few working days: at most {EVIDENCE_DAYS_MAX} days from today, like 2027-03-08.")}</div>
                            {move || deadline_error.get().map(|message| view! { <InlineError message/> })}
                            <input class="nhsuk-input nhsuk-input--width-10" id="evidence-deadline" name="deadline" type="text" aria-describedby="evidence-deadline-hint" value=entered("deadline")/>
                        </div>
                        <button class="nhsuk-button nhsuk-button--secondary" type="submit">"Ask the trust"</button>
                    </ActionForm>
                </div>
            </details>
        })}
    }
}
