//! The administrator's reviewer assignment for a cycle: propose, read why each reviewer fits,
//! swap with a reason, see what cannot be covered and each reviewer's load, confirm, follow each
//! review's progress, and replace reviewers who decline (in one click) or miss their deadline.

use crate::api::assignments::{
    get_assignment, AssessmentReviewers, AssignmentView, ConfirmAssignment, ProposeAssignment,
    ReplaceReviewer, SwapReviewer,
};
use crate::components::{action_error, flash_banner, FormErrors, Loaded};
use crate::error::AppError;
use crate::flash::Flash;
use crate::routes::Route;
use crate::rules::review_assignment::AssignmentStatus;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

/// Replacing a reviewer who missed their deadline: the next best eligible reviewer, with their
/// own deadline and the reason.
#[component]
fn OverdueReplacement(
    slot_id: String,
    candidate: crate::api::assignments::Candidate,
    actions: Actions,
) -> impl IntoView {
    let deadline_field = format!("replace-deadline-{slot_id}");
    let reason_field = format!("replace-reason-{slot_id}");
    let message = |field: String| {
        Signal::derive(move || {
            actions
                .replace_error
                .get()
                .and_then(|error| error.message_for(&field))
        })
    };
    let deadline_message = message(deadline_field.clone());
    let reason_message = message(reason_field.clone());
    let group = |message: Signal<Option<String>>| {
        move || {
            if message.get().is_some() {
                "nhsuk-form-group nhsuk-form-group--error"
            } else {
                "nhsuk-form-group"
            }
        }
    };
    view! {
        <details class="nhsuk-details">
            <summary class="nhsuk-details__summary"><span class="nhsuk-details__summary-text">"Replace this reviewer"</span></summary>
            <div class="nhsuk-details__text">
                <ActionForm action=actions.replace>
                    <input type="hidden" name="slot_id" value=slot_id.clone()/>
                    <input type="hidden" name="reviewer_id" value=candidate.reviewer_id.clone()/>
                    <p>{format!("Next best eligible reviewer: {}", candidate.label)}</p>
                    <div class=group(deadline_message)>
                        <label class="nhsuk-label" for=deadline_field.clone()>"Their deadline"</label>
                        <div class="nhsuk-hint" id=format!("{deadline_field}-hint")>"For example, 2027-03-14"</div>
                        {move || deadline_message.get().map(|message| view! { <span class="nhsuk-error-message"><span class="nhsuk-u-visually-hidden">"Error: "</span>{message}</span> })}
                        <input class="nhsuk-input nhsuk-input--width-10" id=deadline_field.clone() name="deadline" type="text" aria-describedby=format!("{deadline_field}-hint")/>
                    </div>
                    <div class=group(reason_message)>
                        <label class="nhsuk-label" for=reason_field.clone()>"Why you are replacing the reviewer"</label>
                        {move || reason_message.get().map(|message| view! { <span class="nhsuk-error-message"><span class="nhsuk-u-visually-hidden">"Error: "</span>{message}</span> })}
                        <input class="nhsuk-input" id=reason_field.clone() name="reason" type="text"/>
                    </div>
                    <button class="nhsuk-button nhsuk-button--secondary" type="submit">"Assign this reviewer instead"</button>
                </ActionForm>
            </div>
        </details>
    }
}

/// The forms of the page, shared by every row.
#[derive(Clone, Copy)]
struct Actions {
    swap: ServerAction<SwapReviewer>,
    swap_error: Signal<Option<AppError>>,
    replace: ServerAction<ReplaceReviewer>,
    replace_error: Signal<Option<AppError>>,
}

#[component]
pub fn AssignmentPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let view_data = Resource::new(id, get_assignment);
    let propose = ServerAction::<ProposeAssignment>::new();
    let confirm = ServerAction::<ConfirmAssignment>::new();
    let swap = ServerAction::<SwapReviewer>::new();
    let replace = ServerAction::<ReplaceReviewer>::new();
    let actions = Actions {
        swap,
        swap_error: action_error(swap.value()),
        replace,
        replace_error: action_error(replace.value()),
    };
    let propose_error = action_error(propose.value());
    let confirm_error = action_error(confirm.value());
    view! {
        <Title text="Reviewer assignment"/>
        {flash_banner(|flash| match flash {
            Flash::Proposed => Some("Assignment proposed. Check it, swap reviewers if needed, then confirm."),
            Flash::Swapped => Some("Reviewer swapped."),
            Flash::Confirmed => Some("Assignment confirmed. Each reviewer has been emailed their list and deadline."),
            Flash::Replaced => Some("Replacement reviewer assigned and emailed."),
            _ => None,
        })}
        <FormErrors error=propose_error/>
        <FormErrors error=confirm_error/>
        <FormErrors error=actions.swap_error/>
        <FormErrors error=actions.replace_error/>
        <Loaded resource=view_data let:data>
            <Assignment data propose confirm actions/>
        </Loaded>
    }
}

#[component]
fn Assignment(
    data: AssignmentView,
    propose: ServerAction<ProposeAssignment>,
    confirm: ServerAction<ConfirmAssignment>,
    actions: Actions,
) -> impl IntoView {
    let cycle_link = Route::Cycle { id: &data.cycle_id }.href();
    let (propose_id, confirm_id) = (data.cycle_id.clone(), data.cycle_id.clone());
    view! {
        <nav class="nhsuk-breadcrumb" aria-label="Breadcrumb">
            <ol class="nhsuk-breadcrumb__list">
                <li class="nhsuk-breadcrumb__list-item"><a class="nhsuk-breadcrumb__link" href=cycle_link>{data.cycle_name.clone()}</a></li>
            </ol>
        </nav>
        <h1 class="nhsuk-heading-xl">"Reviewer assignment"</h1>
        <p>{format!(
            "Each assessment needs {} from trusts in other integrated care systems. {} waiting for reviewers; {} available.",
            counted(data.reviewers_per_assessment as usize, "peer reviewer", "peer reviewers"),
            counted(data.awaiting, "submitted assessment is", "submitted assessments are"),
            counted(data.reviewer_count, "peer reviewer is", "peer reviewers are"),
        )}</p>
        <ActionForm action=propose>
            <input type="hidden" name="cycle_id" value=propose_id/>
            <button class="nhsuk-button nhsuk-button--secondary" type="submit">
                {if data.proposed_count > 0 { "Propose again from scratch" } else { "Propose assignment" }}
            </button>
        </ActionForm>
        {(!data.uncovered.is_empty()).then(|| view! {
            <div class="nhsuk-warning-callout">
                <h2 class="nhsuk-warning-callout__label"><span role="text"><span class="nhsuk-u-visually-hidden">"Important: "</span>"Assessments without enough reviewers"</span></h2>
                <ul>
                    {data.uncovered.iter().map(|(title, reason)| view! { <li>{format!("{title}: {reason}")}</li> }).collect_view()}
                </ul>
            </div>
        })}
        {data.assessments.into_iter().map(|assessment| view! { <AssessmentRow assessment actions/> }).collect_view()}
        {(data.proposed_count > 0).then(|| view! {
            <h2 class="nhsuk-heading-m">"Confirm"</h2>
            <p>{format!("Confirming assigns the {} proposed reviews and emails each reviewer their list and deadline.", data.proposed_count)}</p>
            <ActionForm action=confirm>
                <input type="hidden" name="cycle_id" value=confirm_id.clone()/>
                <button class="nhsuk-button" type="submit">"Confirm and email reviewers"</button>
            </ActionForm>
        })}
        {(!data.load.is_empty()).then(|| view! {
            <table class="nhsuk-table">
                <caption class="nhsuk-table__caption">"Load per reviewer"</caption>
                <thead class="nhsuk-table__head">
                    <tr class="nhsuk-table__row">
                        <th class="nhsuk-table__header" scope="col">"Reviewer"</th>
                        <th class="nhsuk-table__header nhsuk-table__header--numeric" scope="col">"Proposed"</th>
                        <th class="nhsuk-table__header nhsuk-table__header--numeric" scope="col">"Assigned"</th>
                        <th class="nhsuk-table__header nhsuk-table__header--numeric" scope="col">"Most they can take"</th>
                    </tr>
                </thead>
                <tbody class="nhsuk-table__body">
                    {data.load.into_iter().map(|load| view! {
                        <tr class="nhsuk-table__row">
                            <td class="nhsuk-table__cell">{load.name}</td>
                            <td class="nhsuk-table__cell nhsuk-table__cell--numeric">{load.proposed}</td>
                            <td class="nhsuk-table__cell nhsuk-table__cell--numeric">{load.assigned}</td>
                            <td class="nhsuk-table__cell nhsuk-table__cell--numeric">{load.capacity}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        })}
    }
}

#[component]
fn AssessmentRow(assessment: AssessmentReviewers, actions: Actions) -> impl IntoView {
    view! {
        <h2 class="nhsuk-heading-m">{assessment.title.clone()}</h2>
        <dl class="nhsuk-summary-list">
            {assessment.slots.into_iter().filter(|view| view.slot.status != AssignmentStatus::Replaced).map(|view| {
                let slot_id = view.slot.id.clone();
                let status = view.slot.status;
                let reviewer_field = format!("swap-reviewer-{slot_id}");
                let reason_field = format!("swap-reason-{slot_id}");
                let reason_message = {
                    let field = reason_field.clone();
                    Signal::derive(move || actions.swap_error.get().and_then(|error| error.message_for(&field)))
                };
                let replace_slot = slot_id.clone();
                view! {
                    <div class="nhsuk-summary-list__row">
                        <dt class="nhsuk-summary-list__key">{format!("{} – {}", view.reviewer_name, status.label())}</dt>
                        <dd class="nhsuk-summary-list__value">
                            <p>{view.slot.reasons.join(", ")}</p>
                            {view.slot.decline_reason.clone().map(|reason| view! { <p>{format!("Declined: {reason}")}</p> })}
                            {view.progress.clone().map(|progress| view! { <p>{progress}</p> })}
                            {(status == AssignmentStatus::Assigned).then(|| view! {
                                <p><a class="nhsuk-link" href={Route::Review { slot: &slot_id }.href()}>"Read the review"<span class="nhsuk-u-visually-hidden">{format!(" by {}", view.reviewer_name)}</span></a></p>
                            })}
                            {view.overdue.then(|| match view.replacement.clone() {
                                Some(candidate) => view! { <OverdueReplacement slot_id=slot_id.clone() candidate actions/> }.into_any(),
                                None => view! { <p>"No other eligible reviewer has room for this assessment. Give this reviewer more time on their review's page."</p> }.into_any(),
                            })}
                            {(status == AssignmentStatus::Proposed && !view.alternatives.is_empty()).then(|| view! {
                                <details class="nhsuk-details">
                                    <summary class="nhsuk-details__summary"><span class="nhsuk-details__summary-text">"Swap this reviewer"</span></summary>
                                    <div class="nhsuk-details__text">
                                        <ActionForm action=actions.swap>
                                            <input type="hidden" name="slot_id" value=slot_id.clone()/>
                                            <div class="nhsuk-form-group">
                                                <label class="nhsuk-label" for=reviewer_field.clone()>"Eligible reviewers, best fit first"</label>
                                                <select class="nhsuk-select" id=reviewer_field.clone() name="reviewer_id">
                                                    {view.alternatives.iter().map(|candidate| view! {
                                                        <option value=candidate.reviewer_id.clone()>{candidate.label.clone()}</option>
                                                    }).collect_view()}
                                                </select>
                                            </div>
                                            <div class=move || if reason_message.get().is_some() { "nhsuk-form-group nhsuk-form-group--error" } else { "nhsuk-form-group" }>
                                                <label class="nhsuk-label" for=reason_field.clone()>"Reason for the change"</label>
                                                {move || reason_message.get().map(|message| view! { <span class="nhsuk-error-message"><span class="nhsuk-u-visually-hidden">"Error: "</span>{message}</span> })}
                                                <input class="nhsuk-input" id=reason_field.clone() name="reason" type="text"/>
                                            </div>
                                            <button class="nhsuk-button nhsuk-button--secondary" type="submit">"Swap reviewer"</button>
                                        </ActionForm>
                                    </div>
                                </details>
                            })}
                            {(status == AssignmentStatus::Declined).then(|| match view.replacement.clone() {
                                Some(candidate) => view! {
                                    <ActionForm action=actions.replace>
                                        <input type="hidden" name="slot_id" value=replace_slot.clone()/>
                                        <input type="hidden" name="reviewer_id" value=candidate.reviewer_id.clone()/>
                                        <p>{format!("Next best eligible reviewer: {}", candidate.label)}</p>
                                        <button class="nhsuk-button nhsuk-button--secondary" type="submit">"Assign this reviewer"</button>
                                    </ActionForm>
                                }.into_any(),
                                None => view! { <p>"No other eligible reviewer has room for this assessment."</p> }.into_any(),
                            })}
                        </dd>
                    </div>
                }
            }).collect_view()}
        </dl>
    }
}

/// "1 peer reviewer", "3 peer reviewers".
fn counted(count: usize, one: &str, many: &str) -> String {
    if count == 1 {
        format!("1 {one}")
    } else {
        format!("{count} {many}")
    }
}
