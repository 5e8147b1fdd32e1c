//! What needs you now: the signed-in person's dashboard, a section for each role they hold; and
//! the administrators' list of emails that could not be sent, each with a button to send it again.

use crate::api::dashboard::{failed_emails, my_dashboard, DashboardSection, RemindNow, RetryEmail};
use crate::components::{action_error, flash_banner, FormErrors, Loaded};
use crate::flash::Flash;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn DashboardPage() -> impl IntoView {
    let sections = Resource::new(|| (), |_| my_dashboard());
    let remind = ServerAction::<RemindNow>::new();
    let error = action_error(remind.value());
    view! {
        <Title text="What needs you now"/>
        {flash_banner(|flash| match flash {
            Flash::Reminded { people: 1 } => Some("Reminder emailed to 1 person.".to_string()),
            Flash::Reminded { people } => Some(format!("Reminder emailed to {people} people.")),
            _ => None,
        })}
        <FormErrors error/>
        <h1 class="nhsuk-heading-xl">"What needs you now"</h1>
        <Loaded resource=sections let:data>
            {match data {
                sections if sections.is_empty() => view! {
                    <p>"Nothing: your account has no role yet. Ask NHS England or your trust's digital lead."</p>
                }.into_any(),
                sections => sections.into_iter().map(|section| view! { <Section section remind/> }).collect_view().into_any(),
            }}
        </Loaded>
    }
}

#[component]
fn Section(section: DashboardSection, remind: ServerAction<RemindNow>) -> impl IntoView {
    view! {
        <h2 class="nhsuk-heading-l">{section.heading}</h2>
        {if section.lines.is_empty() {
            view! { <p>{section.nothing}</p> }.into_any()
        } else {
            view! {
                <ul class="nhsuk-list nhsuk-list--border">
                    {section.lines.into_iter().map(|line| {
                        let label = format!(": {}", line.text);
                        view! {
                        <li>
                            <a href=line.href>{line.text}</a>
                            <br/>
                            <span class="nhsuk-body-s">{line.detail}</span>
                            {line.remind.map(|task| view! {
                                <ActionForm action=remind>
                                    <input type="hidden" name="task" value=task/>
                                    <button class="nhsuk-button nhsuk-button--secondary nhsuk-u-margin-bottom-0 nhsuk-u-margin-top-2" type="submit">
                                        "Remind now"<span class="nhsuk-u-visually-hidden">{label.clone()}</span>
                                    </button>
                                </ActionForm>
                            })}
                        </li>
                    }}).collect_view()}
                </ul>
            }.into_any()
        }}
    }
}

#[component]
pub fn FailedMailPage() -> impl IntoView {
    let mail = Resource::new(|| (), |_| failed_emails());
    let retry = ServerAction::<RetryEmail>::new();
    let error = action_error(retry.value());
    view! {
        <Title text="Emails that could not be sent"/>
        {flash_banner(|flash| (flash == Flash::Retried).then_some("The email will be sent again within a minute."))}
        <FormErrors error/>
        <h1 class="nhsuk-heading-xl">"Emails that could not be sent"</h1>
        <p>"The service tries each email 10 times over about 4 hours, then stops. Check the address and the error, then send it again."</p>
        <Loaded resource=mail let:data>
            {match data {
                mail if mail.is_empty() => view! { <p>"Every email has been sent."</p> }.into_any(),
                mail => view! {
                    <table class="nhsuk-table">
                        <caption class="nhsuk-table__caption nhsuk-table__caption--s">{format!("Emails not sent ({})", mail.len())}</caption>
                        <thead class="nhsuk-table__head"><tr class="nhsuk-table__row">
                            <th class="nhsuk-table__header" scope="col">"To"</th>
                            <th class="nhsuk-table__header" scope="col">"Subject"</th>
                            <th class="nhsuk-table__header" scope="col">"Queued"</th>
                            <th class="nhsuk-table__header" scope="col">"Last error"</th>
                            <th class="nhsuk-table__header" scope="col">"Action"</th>
                        </tr></thead>
                        <tbody class="nhsuk-table__body">
                            {mail.into_iter().map(|email| view! {
                                <tr class="nhsuk-table__row">
                                    <td class="nhsuk-table__cell">{email.to.clone()}</td>
                                    <td class="nhsuk-table__cell">{email.subject.clone()}</td>
                                    <td class="nhsuk-table__cell">{email.queued}</td>
                                    <td class="nhsuk-table__cell">{format!("{} (after {} attempts)", email.last_error, email.attempts)}</td>
                                    <td class="nhsuk-table__cell">
                                        <ActionForm action=retry>
                                            <input type="hidden" name="id" value=email.id/>
                                            <button class="nhsuk-button nhsuk-button--secondary nhsuk-u-margin-bottom-0" type="submit">
                                                "Send again"<span class="nhsuk-u-visually-hidden">{format!(" to {}", email.to)}</span>
                                            </button>
                                        </ActionForm>
                                    </td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any(),
            }}
        </Loaded>
    }
}
