//! The organisation directory: regions → ICBs → trusts, and a search by name or ODS code that
//! is a plain GET form without JavaScript and filters as you type with it.

use crate::api::organisations::{
    get_directory, get_icb, get_trust, search_organisations, MAX_QUERY_LENGTH,
};
use crate::components::{CareSettingTags, ErrorPanel, Loaded, SummaryRow};
use crate::error::AppError;
use crate::rules::organisations::{Directory, OrgKind, OrgSearchHit, TrustSummary};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};
use serde::{Deserialize, Serialize};

/// What the directory page lists: everything, or what matches a search.
#[derive(Clone, Debug, Serialize, Deserialize)]
enum Listing {
    All(Directory),
    Matches(Vec<OrgSearchHit>),
}

#[component]
pub fn DirectoryPage() -> impl IntoView {
    let query_map = use_query_map();
    let query = move || query_map.read().get("q").unwrap_or_default();
    // One resource, so a search page carries only its matches, not the whole directory too.
    let listing = Resource::new(query, |query| async move { fetch_listing(query).await });
    view! {
        <Title text="Organisations"/>
        <h1 class="nhsuk-heading-xl">"Organisations"</h1>
        <p>"NHS England regions, the integrated care boards (ICBs) in each, and the trusts in each integrated care system."</p>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match listing.await {
                    Ok(listing) => view! { <DirectorySearch query=query() listing/> }.into_any(),
                    Err(error) => view! { <ErrorPanel error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

async fn fetch_listing(query: String) -> Result<Listing, AppError> {
    if query.trim().is_empty() {
        get_directory().await.map(Listing::All)
    } else {
        search_organisations(query).await.map(Listing::Matches)
    }
}

/// The search form and what it finds. Without JavaScript it is a plain GET form; with it, every
/// keystroke searches, and the address follows (so back and refresh keep the search).
#[island]
fn DirectorySearch(query: String, listing: Listing) -> impl IntoView {
    let typed = RwSignal::new(query.clone());
    let shown = RwSignal::new((query, listing));
    // Answers can arrive out of order: only the one for what is in the box now is shown.
    let search = Action::new_local(|query: &String| {
        let query = query.clone();
        async move { (query.clone(), fetch_listing(query).await) }
    });
    Effect::new(move |_| {
        if let Some((query, Ok(listing))) = search.value().get() {
            if query == typed.get_untracked() {
                shown.set((query, listing));
            }
        }
    });
    let filter_as_you_type = move |event: leptos::ev::Event| {
        let query = event_target_value(&event);
        typed.set(query.clone());
        #[cfg(feature = "hydrate")]
        if let Ok(history) = window().history() {
            let url = if query.trim().is_empty() {
                "/organisations".to_string()
            } else {
                format!("/organisations?q={}", crate::url::percent_encode(&query))
            };
            let _ = history.replace_state_with_url(
                &leptos::wasm_bindgen::JsValue::NULL,
                "",
                Some(&url),
            );
        }
        search.dispatch(query);
    };
    view! {
        <form method="GET" action="/organisations">
            <div class="nhsuk-form-group nhsuk-search-input">
                <label class="nhsuk-label nhsuk-label--m" for="search-organisations">"Search by name or ODS code"</label>
                <div class="nhsuk-hint" id="search-organisations-hint">"For example, Leeds or RR8"</div>
                <div class="nhsuk-input-wrapper nhsuk-search-input__wrapper">
                    <input
                        class="nhsuk-input nhsuk-input--width-20 nhsuk-search-input__input"
                        id="search-organisations"
                        name="q"
                        type="search"
                        maxlength=MAX_QUERY_LENGTH
                        autocomplete="off"
                        aria-describedby="search-organisations-hint"
                        value=typed.get_untracked()
                        on:input=filter_as_you_type
                    />
                    <button class="nhsuk-button nhsuk-button--small nhsuk-search-input__button" type="submit">"Search"</button>
                </div>
            </div>
        </form>
        {move || match shown.get() {
            (query, Listing::Matches(hits)) => view! { <SearchResults query hits/> }.into_any(),
            (_, Listing::All(directory)) => view! { <DirectoryList directory/> }.into_any(),
        }}
    }
}

#[component]
fn SearchResults(query: String, hits: Vec<OrgSearchHit>) -> impl IntoView {
    let count = hits.len();
    let summary = match count {
        0 => format!("No organisations match “{query}”. Check the spelling, or try part of the name or the ODS code."),
        1 => format!("1 organisation matches “{query}”"),
        n => format!("{n} organisations match “{query}”"),
    };
    view! {
        <h2 class="nhsuk-heading-m" id="search-results-summary" aria-live="polite">{summary}</h2>
        <ul class="nhsuk-list app-search-results" aria-labelledby="search-results-summary">
            {hits.into_iter().map(|hit| {
                let (href, kind) = match hit.kind {
                    OrgKind::Icb => (format!("/organisations/icbs/{}", hit.ods_code), "Integrated care board"),
                    OrgKind::Trust => (format!("/organisations/trusts/{}", hit.ods_code), "Trust"),
                };
                view! {
                    <li class="app-search-results__item">
                        <a href=href class="nhsuk-link">{hit.name}</a>
                        <span class="nhsuk-body-s app-search-results__meta">
                            {format!("{kind} · ODS code {} · {}", hit.ods_code, hit.parent_name)}
                        </span>
                        {(!hit.care_settings.is_empty()).then(|| view! { <CareSettingTags settings=hit.care_settings/> })}
                    </li>
                }
            }).collect_view()}
        </ul>
        <p><a href="/organisations">"Clear the search and show all organisations"</a></p>
    }
}

#[component]
fn DirectoryList(directory: Directory) -> impl IntoView {
    view! {
        <p class="nhsuk-body-s">{format!("{} (as at {})", directory.snapshot.label, directory.snapshot.as_of)}</p>
        {directory.regions.into_iter().map(|region| view! {
            <section class="app-region" aria-labelledby=format!("region-{}", region.ods_code)>
                <h2 class="nhsuk-heading-l" id=format!("region-{}", region.ods_code)>{region.name}</h2>
                <ul class="nhsuk-list">
                    {region.icbs.into_iter().map(|icb| view! {
                        <li>
                            <a href=format!("/organisations/icbs/{}", icb.ods_code)>{icb.name}</a>
                            <span class="nhsuk-body-s app-muted">{format!(" ({}, {} trusts)", icb.ods_code, icb.trust_count)}</span>
                        </li>
                    }).collect_view()}
                </ul>
            </section>
        }).collect_view()}
    }
}

#[component]
pub fn IcbPage() -> impl IntoView {
    let params = use_params_map();
    let icb = Resource::new(
        move || params.read().get("code").unwrap_or_default(),
        get_icb,
    );
    view! {
        <Loaded resource=icb error_title="Organisation not found" let:icb>
            {view! {
            <Title text=icb.name.clone()/>
            <nav class="nhsuk-breadcrumb" aria-label="Breadcrumb">
                <ol class="nhsuk-breadcrumb__list">
                    <li class="nhsuk-breadcrumb__list-item"><a class="nhsuk-breadcrumb__link" href="/organisations">"Organisations"</a></li>
                </ol>
            </nav>
            <span class="nhsuk-caption-l">"Integrated care board"</span>
            <h1 class="nhsuk-heading-xl">{icb.name.clone()}</h1>
            <dl class="nhsuk-summary-list">
                <SummaryRow key="ODS code" value=icb.ods_code.clone()/>
                <SummaryRow key="ONS code" value=icb.ons_code.clone()/>
                <SummaryRow key="Region" value=icb.region_name.clone()/>
            </dl>
            <h2 class="nhsuk-heading-l">"Trusts"</h2>
            <TrustTable caption=format!("Trusts in {}", icb.name) trusts=icb.trusts/>
            {(!icb.also_assessed_here.is_empty()).then(|| view! {
                <h2 class="nhsuk-heading-m">"Also assessed in this system"</h2>
                <p>"These trusts belong to another ICB but the national assessment places them in this integrated care system."</p>
                <TrustTable caption="Trusts also assessed in this system".to_string() trusts=icb.also_assessed_here/>
            })}
        }.into_any()}
        </Loaded>
    }
}

#[component]
fn TrustTable(caption: String, trusts: Vec<TrustSummary>) -> impl IntoView {
    if trusts.is_empty() {
        return view! { <p>"No trusts."</p> }.into_any();
    }
    view! {
        <table class="nhsuk-table">
            <caption class="nhsuk-table__caption nhsuk-u-visually-hidden">{caption}</caption>
            <thead class="nhsuk-table__head">
                <tr class="nhsuk-table__row">
                    <th class="nhsuk-table__header" scope="col">"Trust"</th>
                    <th class="nhsuk-table__header" scope="col">"ODS code"</th>
                    <th class="nhsuk-table__header" scope="col">"Care settings"</th>
                </tr>
            </thead>
            <tbody class="nhsuk-table__body">
                {trusts.into_iter().map(|trust| view! {
                    <tr class="nhsuk-table__row">
                        <td class="nhsuk-table__cell"><a href=format!("/organisations/trusts/{}", trust.ods_code)>{trust.name}</a></td>
                        <td class="nhsuk-table__cell">{trust.ods_code}</td>
                        <td class="nhsuk-table__cell"><CareSettingTags settings=trust.care_settings/></td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

#[component]
pub fn TrustPage() -> impl IntoView {
    let params = use_params_map();
    let trust = Resource::new(
        move || params.read().get("code").unwrap_or_default(),
        get_trust,
    );
    view! {
        <Loaded resource=trust error_title="Organisation not found" let:trust>
            {view! {
            <Title text=trust.name.clone()/>
            <nav class="nhsuk-breadcrumb" aria-label="Breadcrumb">
                <ol class="nhsuk-breadcrumb__list">
                    <li class="nhsuk-breadcrumb__list-item"><a class="nhsuk-breadcrumb__link" href="/organisations">"Organisations"</a></li>
                    <li class="nhsuk-breadcrumb__list-item">
                        <a class="nhsuk-breadcrumb__link" href=format!("/organisations/icbs/{}", trust.icb_ods_code)>{trust.icb_name.clone()}</a>
                    </li>
                </ol>
            </nav>
            <span class="nhsuk-caption-l">"Trust"</span>
            <h1 class="nhsuk-heading-xl">{trust.name.clone()}</h1>
            <dl class="nhsuk-summary-list">
                <SummaryRow key="ODS code" value=trust.ods_code.clone()/>
                <div class="nhsuk-summary-list__row">
                    <dt class="nhsuk-summary-list__key">"Care settings"</dt>
                    <dd class="nhsuk-summary-list__value"><CareSettingTags settings=trust.care_settings.clone()/></dd>
                </div>
                <SummaryRow key="Integrated care board" value=trust.icb_name.clone()/>
                {(trust.assessed_in_icb_ods_code != trust.icb_ods_code).then(|| view! {
                    <SummaryRow key="Assessed in the system of" value=trust.assessed_in_icb_name.clone()/>
                })}
                <SummaryRow key="Region" value=trust.region_name.clone()/>
                <SummaryRow key="Opened" value=trust.opened_on.clone()/>
            </dl>
        }.into_any()}
        </Loaded>
    }
}
