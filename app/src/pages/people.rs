//! Managing people: the list (filter by organisation and role), inviting, and one person's roles
//! and status. Administrators, and trust leads for inviting their deputies.

use super::account::query_param;
use super::reviewer_profile::{profile_update_message, ReviewerProfileSection};
use crate::api::accounts::{
    current_account, get_person, list_people, ChangeRoles, InvitePerson, SetPersonActive,
};
use crate::api::second_factor::RemoveAuthenticator;
use crate::components::{
    action_error, field_message, flash_banner, Checkboxes, Choice, ErrorPanel, FormErrors, Loaded,
    SummaryRow, TextField,
};
use crate::error::AppError;
use crate::flash::{Flash, Update};
use crate::routes::Route;
use crate::rules::accounts::{AccountSummary, Role};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::Form, hooks::use_params_map};

fn status_label(person: &AccountSummary) -> &'static str {
    match (person.is_active, person.has_password) {
        (false, _) => "Disabled",
        (true, false) => "Invited",
        (true, true) => "Active",
    }
}

fn roles_label(roles: &[Role]) -> String {
    roles
        .iter()
        .map(|role| role.label())
        .collect::<Vec<_>>()
        .join(", ")
}

#[component]
pub fn PeoplePage() -> impl IntoView {
    let org = query_param("org");
    let role = query_param("role");
    let people = Resource::new(
        move || (org.get(), role.get()),
        |(org, role)| list_people(org, role),
    );
    view! {
        <Title text="People"/>
        {flash_banner(|flash| match flash {
            Flash::Invited { email } => Some(format!("We have emailed an invitation to {email}.")),
            _ => None,
        })}
        <h1 class="nhsuk-heading-xl">"People"</h1>
        <a class="nhsuk-button" href="/invite">"Invite a person"</a>
        " "
        <a class="nhsuk-button nhsuk-button--secondary" href=Route::PeopleImport.href()>"Upload people from a file"</a>
        <Form method="GET" action="/admin/people">
            <div class="app-filter">
                <div class="nhsuk-form-group">
                    <label class="nhsuk-label" for="org">"Organisation ODS code"</label>
                    <input class="nhsuk-input nhsuk-input--width-10" id="org" name="org" type="text" value=move || org.get().unwrap_or_default()/>
                </div>
                <div class="nhsuk-form-group">
                    <label class="nhsuk-label" for="role">"Role"</label>
                    <select class="nhsuk-select" id="role" name="role">
                        <option value="">"Any role"</option>
                        {Role::ALL.into_iter().map(|option| view! {
                            <option value=option.key() selected=move || role.get().as_deref() == Some(option.key())>{option.label()}</option>
                        }).collect_view()}
                    </select>
                </div>
                <button class="nhsuk-button nhsuk-button--secondary" type="submit">"Filter"</button>
            </div>
        </Form>
        <Loaded resource=people let:data>
            {match data {
                people if people.is_empty() => view! { <p>"No people match."</p> }.into_any(),
                people => view! {
                    <table class="nhsuk-table">
                        <caption class="nhsuk-table__caption">{format!("{} people", people.len())}</caption>
                        <thead class="nhsuk-table__head">
                            <tr class="nhsuk-table__row">
                                <th class="nhsuk-table__header" scope="col">"Name"</th>
                                <th class="nhsuk-table__header" scope="col">"Email address"</th>
                                <th class="nhsuk-table__header" scope="col">"Organisation"</th>
                                <th class="nhsuk-table__header" scope="col">"Roles"</th>
                                <th class="nhsuk-table__header" scope="col">"Status"</th>
                            </tr>
                        </thead>
                        <tbody class="nhsuk-table__body">
                            {people.into_iter().map(|person| {
                                let status = status_label(&person);
                                view! {
                                    <tr class="nhsuk-table__row">
                                        <td class="nhsuk-table__cell"><a href={Route::Person { id: &person.id }.href()}>{person.display_name.clone()}</a></td>
                                        <td class="nhsuk-table__cell">{person.email.clone()}</td>
                                        <td class="nhsuk-table__cell">{person.org_name.clone().or(person.org_ods_code.clone()).unwrap_or_else(|| "NHS England".into())}</td>
                                        <td class="nhsuk-table__cell">{roles_label(&person.roles)}</td>
                                        <td class="nhsuk-table__cell"><strong class="nhsuk-tag nhsuk-tag--grey">{status}</strong></td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any(),
            }}
        </Loaded>
    }
}

/// Role checkboxes, named as the server functions expect, ticked where `ticked` holds the role.
#[component]
fn RoleCheckboxes(ticked: Vec<Role>, error: Signal<Option<AppError>>) -> impl IntoView {
    view! {
        <Checkboxes id="roles" legend="Roles" hint="Select all that apply. Trust leads and peer reviewers need an organisation." error=field_message(error, "roles") choices={Role::ALL.into_iter().map(|role| Choice {
            id: format!("role-{}", role.key()),
            name: role.key().into(),
            value: "on".into(),
            label: role.label().into(),
            checked: Signal::stored(ticked.contains(&role)),
        }).collect()}/>
    }
}

#[component]
pub fn InvitePage() -> impl IntoView {
    let me = Resource::new(|| (), |_| current_account());
    // The organisation, when the link came from "who is missing".
    let org = query_param("org");
    let action = ServerAction::<InvitePerson>::new();
    let error = action_error(action.value());
    view! {
        <Title text="Invite a person"/>
        <Loaded resource=me let:data>
            {match data {
                Some(signed_in) if signed_in.can.manage_accounts => view! {
                    <FormErrors error/>
                    <h1 class="nhsuk-heading-xl">"Invite a person"</h1>
                    <p>"We will email them a link to set their password. The link works once, for 7 days."</p>
                    <ActionForm action>
                        <TextField id="display-name" name="display_name" label="Full name" autocomplete="off" error/>
                        <TextField id="email" name="email" label="Email address" input_type="email" autocomplete="off" error/>
                        <TextField id="org-ods-code" name="org_ods_code" label="Organisation ODS code (optional)" width_class="nhsuk-input--width-10" error value=org.get_untracked().unwrap_or_default()
                            hint="The trust or ICB they work for, like RR8. Leave empty for NHS England staff."/>
                        <RoleCheckboxes ticked=Vec::new() error/>
                        <button class="nhsuk-button" type="submit">"Send invitation"</button>
                    </ActionForm>
                }.into_any(),
                Some(signed_in) if signed_in.can.invite_deputies => {
                    let org = signed_in.actor.org_ods_code.clone().unwrap_or_default();
                    view! {
                        <FormErrors error/>
                        <h1 class="nhsuk-heading-xl">"Invite a deputy trust lead"</h1>
                        <p>{format!("They will be able to complete and submit assessments for {org}, as you can. We will email them a link to set their password.")}</p>
                        <ActionForm action>
                            <input type="hidden" name="org_ods_code" value=org/>
                            <input type="hidden" name="trust_lead" value="on"/>
                            <TextField id="display-name" name="display_name" label="Full name" autocomplete="off" error/>
                            <TextField id="email" name="email" label="Email address" input_type="email" autocomplete="off" error/>
                            <button class="nhsuk-button" type="submit">"Send invitation"</button>
                        </ActionForm>
                    }.into_any()
                }
                Some(_) => view! { <ErrorPanel error=AppError::Forbidden("Only NHS England administrators and trust leads can invite people.".into())/> }.into_any(),
                None => view! { <ErrorPanel error=AppError::SignInRequired/> }.into_any(),
            }}
        </Loaded>
    }
}

#[component]
pub fn PersonPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let person = Resource::new(id, get_person);
    let roles_action = ServerAction::<ChangeRoles>::new();
    let roles_error = action_error(roles_action.value());
    let status_action = ServerAction::<SetPersonActive>::new();
    let status_error = action_error(status_action.value());
    let authenticator_action = ServerAction::<RemoveAuthenticator>::new();
    let authenticator_error = action_error(authenticator_action.value());
    view! {
        <Loaded resource=person error_title="Person" let:person>
            {
                let status = status_label(&person);
                let account_id = person.id.clone();
                let account_id_for_status = person.id.clone();
                let account_id_for_authenticator = person.id.clone();
                let (new_status, status_button) = if person.is_active { ("false", "Disable account") } else { ("true", "Enable account") };
                let reviewer = person.roles.contains(&Role::PeerReviewer).then(|| (person.id.clone(), person.display_name.clone()));
                view! {
                    <Title text=person.display_name.clone()/>
                    {flash_banner(|flash| match flash {
                        Flash::Updated(Update::Roles) => Some("Roles updated."),
                        Flash::Updated(Update::Status) => Some("Account status updated."),
                        Flash::Updated(Update::Authenticator) => Some("Authenticator app removed. They will set up a new one when they next sign in."),
                        Flash::Updated(other) => profile_update_message(other),
                        _ => None,
                    })}
                    <FormErrors error=roles_error/>
                    <FormErrors error=status_error/>
                    <FormErrors error=authenticator_error/>
                    <nav class="nhsuk-breadcrumb" aria-label="Breadcrumb">
                        <ol class="nhsuk-breadcrumb__list">
                            <li class="nhsuk-breadcrumb__list-item"><a class="nhsuk-breadcrumb__link" href="/admin/people">"People"</a></li>
                        </ol>
                    </nav>
                    <h1 class="nhsuk-heading-xl">{person.display_name.clone()}</h1>
                    <dl class="nhsuk-summary-list">
                        <SummaryRow key="Email address" value=person.email.clone()/>
                        <SummaryRow key="Organisation" value=person.org_name.clone().or(person.org_ods_code.clone()).unwrap_or_else(|| "NHS England".into())/>
                        <SummaryRow key="Roles" value=roles_label(&person.roles)/>
                        <SummaryRow key="Status" value=status/>
                    </dl>
                    <h2 class="nhsuk-heading-l">"Change roles"</h2>
                    <ActionForm action=roles_action>
                        <input type="hidden" name="account_id" value=account_id/>
                        <RoleCheckboxes ticked=person.roles.clone() error=roles_error/>
                        <TextField id="reason" name="reason" label="Reason for the change" error=roles_error/>
                        <button class="nhsuk-button" type="submit">"Save roles"</button>
                    </ActionForm>
                    <h2 class="nhsuk-heading-l">"Account status"</h2>
                    <ActionForm action=status_action>
                        <input type="hidden" name="account_id" value=account_id_for_status/>
                        <input type="hidden" name="active" value=new_status/>
                        <TextField id="status-reason" name="reason" label="Reason" error=status_error/>
                        <button class=if person.is_active { "nhsuk-button nhsuk-button--warning" } else { "nhsuk-button" } type="submit">{status_button}</button>
                    </ActionForm>
                    <h2 class="nhsuk-heading-l">"Lost authenticator app"</h2>
                    <p>"If this person has lost their phone and their recovery codes, remove their authenticator app. If their role needs one, they will set up a new app when they next sign in. Check who is asking first."</p>
                    <ActionForm action=authenticator_action>
                        <input type="hidden" name="account_id" value=account_id_for_authenticator/>
                        <TextField id="authenticator-reason" name="reason" label="Reason" error=authenticator_error/>
                        <button class="nhsuk-button nhsuk-button--warning" type="submit">"Remove authenticator app"</button>
                    </ActionForm>
                    {reviewer.map(|(account_id, name)| view! { <ReviewerProfileSection account_id person_name=name/> })}
                }.into_any()
            }
        </Loaded>
    }
}
