//! A peer reviewer's care settings, capacity and declared conflicts of interest: a section of the
//! reviewer's own account page and of an administrator's page for the person. Every form is an
//! ActionForm, so each works with JavaScript off.

use crate::api::cycles::care_setting_field;
use crate::api::reviewers::{
    get_reviewer_profile, withdraw_reason_field, DeclareConflict, SaveReviewerProfile,
    WithdrawConflict,
};
use crate::components::{
    action_error, field_message, Checkboxes, Choice, ErrorPanel, FormErrors, TextField,
};
use crate::error::AppError;
use crate::flash::Update;
use crate::rules::cycles::readable_date;
use crate::rules::organisations::CareSetting;
use crate::rules::reviewers::{DeclaredConflict, ReviewerProfile};
use leptos::prelude::*;

/// What the page with the section says after a change to the profile.
pub(super) fn profile_update_message(update: Update) -> Option<&'static str> {
    match update {
        Update::Expertise => Some("Care settings and capacity saved."),
        Update::ConflictDeclared => Some("Conflict of interest declared."),
        Update::ConflictWithdrawn => Some("Conflict of interest withdrawn."),
        _ => None,
    }
}

/// The section for the reviewer with `account_id`. `person_name` is set when someone else (an
/// administrator) is looking, so the words speak about the person rather than to them.
#[component]
pub fn ReviewerProfileSection(
    account_id: String,
    #[prop(optional, into)] person_name: Option<String>,
) -> impl IntoView {
    let save = ServerAction::<SaveReviewerProfile>::new();
    let save_error = action_error(save.value());
    let declare = ServerAction::<DeclareConflict>::new();
    let declare_error = action_error(declare.value());
    let withdraw = ServerAction::<WithdrawConflict>::new();
    let withdraw_error = action_error(withdraw.value());
    // Read again after every change made with JavaScript on; without it the page reloads anyway.
    let details = Resource::new(
        {
            let account_id = account_id.clone();
            move || {
                (
                    account_id.clone(),
                    save.version().get(),
                    declare.version().get(),
                    withdraw.version().get(),
                )
            }
        },
        |(account_id, ..)| get_reviewer_profile(account_id),
    );
    let words = Words::new(person_name);
    view! {
        <FormErrors error=save_error/>
        <FormErrors error=declare_error/>
        <FormErrors error=withdraw_error/>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || {
                let account_id = account_id.clone();
                let words = words.clone();
                Suspend::new(async move {
                    match details.await {
                        Err(error) => view! { <ErrorPanel error/> }.into_any(),
                        Ok((profile, conflicts)) => view! {
                            <ExpertiseForm account_id=account_id.clone() profile words=words.clone() save error=save_error/>
                            <ConflictList account_id=account_id.clone() conflicts words=words.clone() withdraw error=withdraw_error/>
                            <DeclareForm account_id declare error=declare_error/>
                        }
                        .into_any(),
                    }
                })
            }}
        </Transition>
    }
}

/// The section's words, for the reviewer themselves or about them for someone else.
#[derive(Clone, Debug)]
struct Words {
    settings_heading: String,
    settings_legend: String,
    capacity_label: &'static str,
    no_conflicts: String,
    conflicts_intro: String,
}

impl Words {
    fn new(person_name: Option<String>) -> Words {
        match person_name {
            None => Words {
                settings_heading: "Care settings you can review".into(),
                settings_legend: "Which care settings' assessments could you review well?".into(),
                capacity_label: "Most reviews you can take in a cycle (optional)",
                no_conflicts: "You have not declared any conflicts of interest.".into(),
                conflicts_intro: "You will never be asked to review a trust you have declared a conflict of interest with. Declare one if you, or someone close to you, works or recently worked there, or if anything else could make your review unfair.".into(),
            },
            Some(name) => Words {
                settings_heading: format!("Care settings {name} can review"),
                settings_legend: format!("Which care settings' assessments could {name} review well?"),
                capacity_label: "Most reviews they can take in a cycle (optional)",
                no_conflicts: format!("{name} has not declared any conflicts of interest."),
                conflicts_intro: format!("{name} will never be asked to review a trust with a declared conflict of interest."),
            },
        }
    }
}

#[component]
fn ExpertiseForm(
    account_id: String,
    profile: ReviewerProfile,
    words: Words,
    save: ServerAction<SaveReviewerProfile>,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let capacity = profile
        .capacity
        .map(|capacity| capacity.to_string())
        .unwrap_or_default();
    view! {
        <h2 class="nhsuk-heading-l">{words.settings_heading}</h2>
        <ActionForm action=save>
            <input type="hidden" name="account_id" value=account_id/>
            <Checkboxes id="expertise" legend=words.settings_legend.clone() hint="Select all that apply. Reviewers are matched to assessments in these settings first." error=field_message(error, "expertise") choices={CareSetting::ALL.into_iter().map(|setting| {
                let field = care_setting_field(setting);
                Choice {
                    id: format!("expertise-{field}"),
                    name: field.into(),
                    value: "on".into(),
                    label: setting.label().into(),
                    checked: Signal::stored(profile.expertise.contains(&setting)),
                }
            }).collect()}/>
            <TextField id="capacity" name="capacity" label=words.capacity_label value=capacity width_class="nhsuk-input--width-2" error
                hint="A whole number from 1 to 20. Leave empty to use the number NHS England sets for each cycle."/>
            <button class="nhsuk-button" id="save-expertise" type="submit">"Save care settings"</button>
        </ActionForm>
    }
}

#[component]
fn ConflictList(
    account_id: String,
    conflicts: Vec<DeclaredConflict>,
    words: Words,
    withdraw: ServerAction<WithdrawConflict>,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let list = if conflicts.is_empty() {
        view! { <p id="no-conflicts">{words.no_conflicts}</p> }.into_any()
    } else {
        view! {
            <table class="nhsuk-table" id="conflicts">
                <caption class="nhsuk-table__caption nhsuk-u-visually-hidden">"Declared conflicts of interest"</caption>
                <thead class="nhsuk-table__head">
                    <tr class="nhsuk-table__row">
                        <th class="nhsuk-table__header" scope="col">"Trust"</th>
                        <th class="nhsuk-table__header" scope="col">"Reason"</th>
                        <th class="nhsuk-table__header" scope="col">"Declared by"</th>
                        <th class="nhsuk-table__header" scope="col">"Date"</th>
                        <th class="nhsuk-table__header" scope="col"><span class="nhsuk-u-visually-hidden">"Withdraw"</span></th>
                    </tr>
                </thead>
                <tbody class="nhsuk-table__body">
                    {conflicts.into_iter().map(|conflict| view! {
                        <ConflictRow account_id=account_id.clone() conflict withdraw error/>
                    }).collect_view()}
                </tbody>
            </table>
        }
        .into_any()
    };
    view! {
        <h2 class="nhsuk-heading-l">"Declared conflicts of interest"</h2>
        <p>{words.conflicts_intro}</p>
        {list}
    }
}

/// One declared conflict, with a form to withdraw it (folded away until wanted, and open when
/// the last attempt to withdraw it failed).
#[component]
fn ConflictRow(
    account_id: String,
    conflict: DeclaredConflict,
    withdraw: ServerAction<WithdrawConflict>,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let DeclaredConflict {
        trust_ods_code,
        trust_name,
        reason,
        declared_by,
        declared_at,
    } = conflict;
    let field = withdraw_reason_field(&trust_ods_code);
    let message = {
        let field = field.clone();
        Signal::derive(move || error.get().and_then(|error| error.message_for(&field)))
    };
    let trust = format!("{trust_name} ({trust_ods_code})");
    let hidden_trust = format!(" the conflict with {trust}");
    let row_id = format!("conflict-{trust_ods_code}");
    let error_id = format!("{field}-error");
    let described_by = {
        let error_id = error_id.clone();
        move || message.get().is_some().then(|| error_id.clone())
    };
    let group_class = move || {
        if message.get().is_some() {
            "nhsuk-form-group nhsuk-form-group--error"
        } else {
            "nhsuk-form-group"
        }
    };
    view! {
        <tr class="nhsuk-table__row" id=row_id>
            <td class="nhsuk-table__cell">{trust}</td>
            <td class="nhsuk-table__cell">{reason}</td>
            <td class="nhsuk-table__cell">{declared_by}</td>
            <td class="nhsuk-table__cell">{readable_date(&declared_at)}</td>
            <td class="nhsuk-table__cell">
                <details class="nhsuk-details" open=move || message.get().is_some()>
                    <summary class="nhsuk-details__summary">
                        <span class="nhsuk-details__summary-text">"Withdraw"<span class="nhsuk-u-visually-hidden">{hidden_trust}</span></span>
                    </summary>
                    <div class="nhsuk-details__text">
                        <ActionForm action=withdraw>
                            <input type="hidden" name="account_id" value=account_id/>
                            <input type="hidden" name="trust_ods_code" value=trust_ods_code/>
                            <div class=group_class>
                                <label class="nhsuk-label" for=field.clone()>"Reason for withdrawing it"</label>
                                {move || message.get().map(|message| view! {
                                    <span class="nhsuk-error-message" id=error_id.clone()><span class="nhsuk-u-visually-hidden">"Error: "</span>{message}</span>
                                })}
                                <input class="nhsuk-input" id=field name="reason" type="text" spellcheck="false" aria-describedby=described_by/>
                            </div>
                            <button class="nhsuk-button nhsuk-button--secondary" type="submit">"Withdraw conflict"</button>
                        </ActionForm>
                    </div>
                </details>
            </td>
        </tr>
    }
}

#[component]
fn DeclareForm(
    account_id: String,
    declare: ServerAction<DeclareConflict>,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    view! {
        <h3 class="nhsuk-heading-m">"Declare a conflict of interest"</h3>
        <ActionForm action=declare>
            <input type="hidden" name="account_id" value=account_id/>
            <TextField id="trust-ods-code" name="trust_ods_code" label="Trust ODS code" width_class="nhsuk-input--width-5" error
                hint="For example, RR8. You can find a trust's code in the organisation directory."/>
            <TextField id="conflict-reason" name="reason" label="Reason" error
                hint="For example, worked there until 2025, or a close relative is on its board. 500 characters or fewer."/>
            <button class="nhsuk-button nhsuk-button--secondary" id="declare-conflict" type="submit">"Declare conflict"</button>
        </ActionForm>
    }
}
