//! Who is missing from a cycle: organisations nobody can answer for and ICSs short of peer
//! reviewers, each with a link to invite someone for that organisation.

use crate::api::cycles::get_who_is_missing;
use crate::components::Loaded;
use crate::routes::Route;
use crate::rules::who_is_missing::OrganisationLeads;
use crate::url::percent_encode;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

/// The invite form with the organisation filled in.
pub fn invite_link(ods_code: &str) -> String {
    format!("/invite?org={}", percent_encode(ods_code))
}

fn organisations_table(
    caption: &'static str,
    organisations: Vec<OrganisationLeads>,
) -> impl IntoView {
    view! {
        <table class="nhsuk-table">
            <caption class="nhsuk-table__caption">{format!("{caption} ({})", organisations.len())}</caption>
            <thead class="nhsuk-table__head">
                <tr class="nhsuk-table__row">
                    <th class="nhsuk-table__header" scope="col">"Organisation"</th>
                    <th class="nhsuk-table__header" scope="col">"Active trust leads"</th>
                    <th class="nhsuk-table__header" scope="col"><span class="nhsuk-u-visually-hidden">"Action"</span></th>
                </tr>
            </thead>
            <tbody class="nhsuk-table__body">
                {organisations.into_iter().map(|organisation| view! {
                    <tr class="nhsuk-table__row">
                        <td class="nhsuk-table__cell">{format!("{} ({})", organisation.name, organisation.ods_code)}</td>
                        <td class="nhsuk-table__cell">{organisation.active_leads}</td>
                        <td class="nhsuk-table__cell">
                            <a class="nhsuk-link" href=invite_link(&organisation.ods_code)>
                                "Invite a lead"<span class="nhsuk-u-visually-hidden">{format!(" for {}", organisation.name)}</span>
                            </a>
                        </td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}

#[component]
pub fn WhoIsMissingPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let missing = Resource::new(id, get_who_is_missing);
    view! {
        <Title text="Who is missing"/>
        <Loaded resource=missing error_title="Who is missing" let:data>
            {
                let cycle_link = Route::Cycle { id: &data.cycle_id }.href();
                let missing = data.missing;
                let nobody_missing = missing.is_empty();
                view! {
                    <nav class="nhsuk-breadcrumb" aria-label="Breadcrumb">
                        <ol class="nhsuk-breadcrumb__list">
                            <li class="nhsuk-breadcrumb__list-item"><a class="nhsuk-breadcrumb__link" href="/admin/cycles">"Cycles"</a></li>
                            <li class="nhsuk-breadcrumb__list-item"><a class="nhsuk-breadcrumb__link" href=cycle_link>{data.cycle_name.clone()}</a></li>
                        </ol>
                    </nav>
                    <h1 class="nhsuk-heading-xl">"Who is missing"</h1>
                    <p>"Organisations in this cycle that nobody can answer for yet, and integrated care systems whose own peer reviewers offer fewer reviews than their assessments need."</p>
                    {nobody_missing.then(|| view! { <div class="nhsuk-inset-text"><p>"Every organisation has a lead who has signed in, and every ICS has enough reviewers."</p></div> })}
                    {(!missing.without_lead.is_empty()).then(|| organisations_table("Organisations with no active trust lead", missing.without_lead.clone()))}
                    {(!missing.leads_never_signed_in.is_empty()).then(|| organisations_table("Organisations whose leads have never signed in", missing.leads_never_signed_in.clone()))}
                    {(!missing.short_of_reviewers.is_empty()).then(|| view! {
                        <table class="nhsuk-table">
                            <caption class="nhsuk-table__caption">{format!("ICSs short of peer reviewers ({})", missing.short_of_reviewers.len())}</caption>
                            <thead class="nhsuk-table__head">
                                <tr class="nhsuk-table__row">
                                    <th class="nhsuk-table__header" scope="col">"ICS"</th>
                                    <th class="nhsuk-table__header" scope="col">"Assessments"</th>
                                    <th class="nhsuk-table__header" scope="col">"Reviewers"</th>
                                    <th class="nhsuk-table__header" scope="col">"Reviews needed"</th>
                                    <th class="nhsuk-table__header" scope="col">"Reviews offered"</th>
                                    <th class="nhsuk-table__header" scope="col">"Short by"</th>
                                    <th class="nhsuk-table__header" scope="col"><span class="nhsuk-u-visually-hidden">"Action"</span></th>
                                </tr>
                            </thead>
                            <tbody class="nhsuk-table__body">
                                {missing.short_of_reviewers.iter().map(|ics| view! {
                                    <tr class="nhsuk-table__row">
                                        <td class="nhsuk-table__cell">{format!("{} ({})", ics.ics_name, ics.ics_ods_code)}</td>
                                        <td class="nhsuk-table__cell">{ics.assessments}</td>
                                        <td class="nhsuk-table__cell">{ics.reviewers}</td>
                                        <td class="nhsuk-table__cell">{ics.needed}</td>
                                        <td class="nhsuk-table__cell">{ics.offered}</td>
                                        <td class="nhsuk-table__cell">{format!("{} reviews", ics.short_by)}</td>
                                        <td class="nhsuk-table__cell">
                                            <a class="nhsuk-link" href=invite_link(&ics.ics_ods_code)>
                                                "Invite a reviewer"<span class="nhsuk-u-visually-hidden">{format!(" for {}", ics.ics_name)}</span>
                                            </a>
                                        </td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                        <p class="nhsuk-body-s">{format!("Reviews needed: the ICS's assessments × {} reviewers each. Reviews offered: the most reviews each of its peer reviewers can take.", data.reviewers_per_assessment)}</p>
                    })}
                }
            }
        </Loaded>
    }
}
